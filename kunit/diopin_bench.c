// SPDX-License-Identifier: GPL-2.0
/*
 * diopin_bench: what pinning costs, measured in the kernel. The conversion to
 * FOLL_PIN was merged on "no obvious regressions" from light fio runs; these
 * cases put numbers on it, side by side: pin against get per page,
 * iov_iter_extract_pages() on UBUF (pins) against BVEC (borrows), 1 MiB
 * O_DIRECT on brd from user memory (pinned) against kernel pages in a BVEC
 * (borrowed), with a page-by-page memcpy() as the ceiling.
 * The two figures of a comparison are timed interleaved (A B B A A B ...:
 * neither always runs first), BENCH_RUNS runs each after BENCH_WARMUP untimed
 * runs, so drift hits both alike; each "bench:" line gives the median, the
 * quartiles (the spread), min and max, which scripts/bench turns into a table
 * and JSON. Every case also checks that the work was done (the bytes each read
 * brought back) and that each page is back at its baseline refcount and pin
 * state. All cases are slow: `make`/`make test` filter them out, `make bench`
 * runs them.
 */
#include <linux/blkdev.h>
#include <linux/bvec.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uio.h>
#include <kunit/test.h>

#include "diopin_fixture.h"

#define BENCH_RUNS	21	/* timed runs per figure: the median is reported */
#define BENCH_WARMUP	3	/* untimed runs first */
#define BENCH_PAGES	512	/* user buffer of the GUP and extract cases */
#define BENCH_REPS	4	/* passes over that buffer per timed run */
#define BENCH_DIO_PAGES	256	/* 1 MiB per O_DIRECT call: one bio on 4K pages */
#define BENCH_DIO_BYTES	(BENCH_DIO_PAGES * PAGE_SIZE)
#define BENCH_PART_REPS	64	/* the parts are short: many per timed run */

/* One timed run; returns 0 or an error after which the case stops. */
typedef int (*bench_fn)(void *ctx);

/* A figure: what one run does, and how a run's time becomes the figure. */
struct bench_fig {
	const char *metric;	/* stable name: scripts/bench keys on it */
	bench_fn fn;
	void *ctx;
	unsigned int units;	/* pages per run: the figure is ps per page */
	size_t bytes;		/* or bytes per run: the figure is MB/s */
	u64 v[BENCH_RUNS];
};

static int bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static void bench_run(struct kunit *test, struct bench_fig *f, unsigned int i)
{
	u64 t0 = ktime_get_ns(), ns;

	KUNIT_ASSERT_EQ_MSG(test, f->fn(f->ctx), 0, "%s: run %u failed", f->metric, i);
	ns = max_t(u64, ktime_get_ns() - t0, 1);
	/* per page in ps, or MB/s (bytes per us) */
	f->v[i] = f->bytes ? div64_u64((u64)f->bytes * 1000, ns) : div64_u64(ns * 1000, f->units);
	cond_resched();
}

static void bench_report(struct kunit *test, struct bench_fig *f)
{
	sort(f->v, BENCH_RUNS, sizeof(f->v[0]), bench_cmp_u64, NULL);
	kunit_info(test, "bench: %s %s median=%llu q1=%llu q3=%llu min=%llu max=%llu runs=%u\n",
		   f->metric, f->bytes ? "MB/s" : "ps/page", f->v[BENCH_RUNS / 2],
		   f->v[BENCH_RUNS / 4], f->v[3 * BENCH_RUNS / 4], f->v[0],
		   f->v[BENCH_RUNS - 1], BENCH_RUNS);
}

/* Time @a on its own (@b NULL) or interleaved with @b: A B B A A B B A ... */
static void bench_measure(struct kunit *test, struct bench_fig *a, struct bench_fig *b)
{
	struct bench_fig *f[2] = { a, b };
	unsigned int i, j, n = b ? 2 : 1;

	for (i = 0; i < BENCH_WARMUP; i++)
		for (j = 0; j < n; j++)
			KUNIT_ASSERT_EQ_MSG(test, f[j]->fn(f[j]->ctx), 0, "%s: warm-up failed",
					    f[j]->metric);
	for (i = 0; i < BENCH_RUNS; i++)
		for (j = 0; j < n; j++)
			bench_run(test, f[(i + j) % n], i);
	for (j = 0; j < n; j++)
		bench_report(test, f[j]);
}

/* A bio_vec per page of @buf, built once and reused by every timed run. */
static struct bio_vec *bench_bvecs(struct kunit *test, struct diopin_buf *buf)
{
	struct bio_vec *bv = kunit_kmalloc_array(test, buf->npages, sizeof(*bv), GFP_KERNEL);
	unsigned int k;

	KUNIT_ASSERT_NOT_NULL(test, bv);
	for (k = 0; k < buf->npages; k++)
		bvec_set_page(&bv[k], buf->pages[k], PAGE_SIZE, 0);
	return bv;
}

struct gup_ctx {
	struct diopin_buf *buf;
	struct page **pages;
	unsigned int batch;
};

static int bench_pin_unpin(void *p)
{
	struct gup_ctx *c = p;
	unsigned long base = (unsigned long)c->buf->uaddr;
	unsigned int done;
	int got;

	for (done = 0; done < BENCH_REPS * BENCH_PAGES; done += c->batch) {
		got = pin_user_pages_fast(base + (done % BENCH_PAGES) * PAGE_SIZE, c->batch,
					  FOLL_WRITE, c->pages);
		if (got > 0)
			unpin_user_pages(c->pages, got);
		if (got != c->batch)
			return got < 0 ? got : -EFAULT;
	}
	return 0;
}

static int bench_get_put(void *p)
{
	struct gup_ctx *c = p;
	unsigned long base = (unsigned long)c->buf->uaddr;
	unsigned int done;
	int got, k;

	for (done = 0; done < BENCH_REPS * BENCH_PAGES; done += c->batch) {
		got = get_user_pages_fast(base + (done % BENCH_PAGES) * PAGE_SIZE, c->batch,
					  FOLL_WRITE, c->pages);
		for (k = 0; k < got; k++)
			put_page(c->pages[k]);
		if (got != c->batch)
			return got < 0 ? got : -EFAULT;
	}
	return 0;
}

static const unsigned int gup_batches[] = { 1, 16, 512 };

static void gup_batch_desc(const unsigned int *batch, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "batch of %u", *batch);
}

KUNIT_ARRAY_PARAM(gup_batch, gup_batches, gup_batch_desc);

/*
 * Per-page cost of pin_user_pages_fast() + unpin_user_pages() against
 * get_user_pages_fast() + put_page(), in batches of 1, 16 and 512 pages of
 * the same already-faulted memory (where the arch has no GUP-fast, UML, both
 * take GUP's slow path: the case says so). Afterwards every page is at its
 * baseline.
 */
static void bench_gup_pin_vs_get(struct kunit *test)
{
	struct gup_ctx c = { .batch = *(const unsigned int *)test->param_value };
	char mpin[48], mget[48];
	struct bench_fig pin = { mpin, bench_pin_unpin, &c, BENCH_REPS * BENCH_PAGES };
	struct bench_fig get = { mget, bench_get_put, &c, BENCH_REPS * BENCH_PAGES };
	struct diopin_snap *base;

	c.buf = diopin_buf_user(test, BENCH_PAGES, DIOPIN_UMAP_PREFAULT);
	c.pages = kunit_kmalloc_array(test, BENCH_PAGES, sizeof(*c.pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c.pages);
	base = diopin_snap_take(test, c.buf->pages, BENCH_PAGES);
	if (!IS_ENABLED(CONFIG_HAVE_GUP_FAST))
		kunit_info(test, "bench: note no GUP-fast on this arch: the _fast calls take GUP's slow path\n");
	snprintf(mpin, sizeof(mpin), "gup.pin_unpin.batch%u", c.batch);
	snprintf(mget, sizeof(mget), "gup.get_put.batch%u", c.batch);
	bench_measure(test, &pin, &get);
	diopin_expect_pins(test, base, 0, "after the pin and get runs");
}

struct extract_ctx {
	struct diopin_buf *buf;
	struct bio_vec *bvec;
	struct page **pages;
	unsigned int maxpages;	/* pages a call may return */
	bool user;
};

static int bench_extract(void *p)
{
	struct extract_ctx *c = p;
	size_t len = BENCH_PAGES * PAGE_SIZE;
	struct iov_iter iter;
	unsigned int rep, n;
	ssize_t got;
	size_t off;

	for (rep = 0; rep < BENCH_REPS; rep++) {
		if (c->user)
			iov_iter_ubuf(&iter, ITER_DEST, c->buf->uaddr, len);
		else
			iov_iter_bvec(&iter, ITER_DEST, c->bvec, BENCH_PAGES, len);
		while (iov_iter_count(&iter)) {
			got = iov_iter_extract_pages(&iter, &c->pages, len, c->maxpages, 0, &off);
			if (got <= 0)
				return got ? got : -EFAULT;
			n = DIV_ROUND_UP(off + got, PAGE_SIZE);
			/* What bio_release_pages() does for a pinned bio. */
			if (iov_iter_extract_will_pin(&iter))
				unpin_user_pages(c->pages, n);
		}
	}
	return 0;
}

/*
 * Per-page cost of extracting (and, for UBUF, unpinning) 2 MiB of pages,
 * one page a call, for the same pages seen through a user address and
 * through a bio_vec; then UBUF with up to 512 pages a call, as a bio asks.
 */
static void bench_extract_ubuf_vs_bvec(struct kunit *test)
{
	struct extract_ctx u = { .maxpages = 1, .user = true }, b, batch;
	struct bench_fig fu = { "extract.ubuf", bench_extract, &u, BENCH_REPS * BENCH_PAGES };
	struct bench_fig fb = { "extract.bvec", bench_extract, &b, BENCH_REPS * BENCH_PAGES };
	struct bench_fig fbatch = { "extract.ubuf.batch512", bench_extract, &batch,
				    BENCH_REPS * BENCH_PAGES };
	struct diopin_snap *base;

	u.buf = diopin_buf_user(test, BENCH_PAGES, DIOPIN_UMAP_PREFAULT);
	u.pages = kunit_kmalloc_array(test, BENCH_PAGES, sizeof(*u.pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, u.pages);
	b = u;
	b.user = false;
	b.bvec = bench_bvecs(test, u.buf);
	batch = u;
	batch.maxpages = BENCH_PAGES;
	base = diopin_snap_take(test, u.buf->pages, BENCH_PAGES);
	bench_measure(test, &fu, &fb);
	bench_measure(test, &fbatch, NULL);
	diopin_expect_pins(test, base, 0, "after the extraction runs");
}

struct dio_ctx {
	struct file *file;
	struct diopin_buf *ubuf;	/* user memory */
	struct bio_vec *bvec;		/* kernel pages */
	int rw;
	bool user;
};

static int bench_dio(void *p)
{
	struct dio_ctx *c = p;
	unsigned int dir = c->rw == WRITE ? ITER_SOURCE : ITER_DEST;
	struct iov_iter iter;
	ssize_t ret;

	if (c->user)
		iov_iter_ubuf(&iter, dir, c->ubuf->uaddr, BENCH_DIO_BYTES);
	else
		iov_iter_bvec(&iter, dir, c->bvec, BENCH_DIO_PAGES, BENCH_DIO_BYTES);
	ret = diopin_dio(c->file, c->rw, 0, &iter, false);
	if (ret < 0)
		return ret;
	return ret == BENCH_DIO_BYTES && !iov_iter_count(&iter) ? 0 : -EIO;
}

/* The parts of a UBUF O_DIRECT call that a BVEC one does not have. */
struct parts_ctx {
	struct diopin_buf *ubuf;
	struct page **src, **dst;	/* memcpy ceiling: scattered pages */
};

/* __blkdev_direct_IO_simple()'s bio_vec array for more than 4 pages */
static int bench_bvec_alloc(void *p)
{
	struct bio_vec *bv;
	unsigned int rep;

	for (rep = 0; rep < BENCH_PART_REPS; rep++) {
		bv = kmalloc_array(BENCH_DIO_PAGES, sizeof(*bv), GFP_KERNEL);
		if (!bv)
			return -ENOMEM;
		kfree(bv);
	}
	return 0;
}

/* bio_release_pages(bio, true) of a read: lock, dirty, unlock each folio */
static int bench_dirty(void *p)
{
	struct parts_ctx *c = p;
	struct folio *folio;
	unsigned int k, rep;

	for (rep = 0; rep < BENCH_PART_REPS; rep++) {
		for (k = 0; k < BENCH_DIO_PAGES; k++) {
			folio = page_folio(c->ubuf->pages[k]);
			folio_lock(folio);
			folio_mark_dirty(folio);
			folio_unlock(folio);
		}
	}
	return 0;
}

/* What brd does for each page of a bio: one memcpy() per page. */
static int bench_memcpy_pages(void *p)
{
	struct parts_ctx *c = p;
	unsigned int k;

	for (k = 0; k < BENCH_DIO_PAGES; k++)
		memcpy(page_address(c->dst[k]), page_address(c->src[k]), PAGE_SIZE);
	return 0;
}

/* Expect the BENCH_DIO_BYTES of @buf (user or kernel) to be @seed's pattern. */
static void bench_expect_read(struct kunit *test, struct diopin_buf *buf,
			      u32 seed, const char *what)
{
	size_t bad;

	if (buf->kind == DIOPIN_BUF_USER) {
		diopin_expect_user_bytes(test, buf->uaddr, BENCH_DIO_BYTES, 0, seed, false);
		return;
	}
	bad = diopin_pattern_mismatch(buf->vaddr, BENCH_DIO_BYTES, 0, seed);
	KUNIT_EXPECT_EQ_MSG(test, bad, (size_t)BENCH_DIO_BYTES,
			    "%s read back a wrong byte at %zu", what, bad);
}

/*
 * 1 MiB O_DIRECT writes, then reads, on /dev/ram5 through blkdev_write_iter()
 * and blkdev_read_iter(), from pinned user memory and borrowed kernel pages,
 * interleaved; the reads, into buffers of their own, must both bring back the
 * user write source's bytes (written last). Also timed on their own: the
 * UBUF call's bio_vec array, a UBUF read's dirtying, and the memcpy() ceiling.
 */
static void bench_dio_bdev(struct kunit *test)
{
	static const char *const metric[2][2] = {
		[READ] = { "dio.bdev.read.bvec", "dio.bdev.read.ubuf" },
		[WRITE] = { "dio.bdev.write.bvec", "dio.bdev.write.ubuf" },
	};
	struct dio_ctx uw = { .user = true }, kw = {}, ur, kr;
	struct diopin_buf *kbuf, *kdst, *udst;
	struct diopin_snap *ubase, *rbase;
	struct bench_fig fu, fk;
	struct parts_ctx parts;
	int rw;

	uw.file = diopin_bdev_open(test, DIOPIN_BRD(DIOPIN_RAM_BENCH));
	uw.ubuf = diopin_buf_user(test, BENCH_DIO_PAGES, DIOPIN_UMAP_PREFAULT);
	udst = diopin_buf_user(test, BENCH_DIO_PAGES, DIOPIN_UMAP_PREFAULT);
	kbuf = diopin_buf_kernel(test, DIOPIN_BUF_PAGES, BENCH_DIO_PAGES);
	kdst = diopin_buf_kernel(test, DIOPIN_BUF_PAGES, BENCH_DIO_PAGES);
	kw.file = uw.file;
	kw.bvec = bench_bvecs(test, kbuf);
	ur = uw;
	ur.ubuf = udst;
	kr = kw;
	kr.bvec = bench_bvecs(test, kdst);
	ubase = diopin_snap_take(test, uw.ubuf->pages, BENCH_DIO_PAGES);
	rbase = diopin_snap_take(test, udst->pages, BENCH_DIO_PAGES);
	for (rw = WRITE; rw >= READ; rw--) {
		struct dio_ctx *u = rw == WRITE ? &uw : &ur;
		struct dio_ctx *k = rw == WRITE ? &kw : &kr;

		u->rw = rw;
		k->rw = rw;
		fu = (struct bench_fig){ metric[rw][1], bench_dio, u, 0, BENCH_DIO_BYTES };
		fk = (struct bench_fig){ metric[rw][0], bench_dio, k, 0, BENCH_DIO_BYTES };
		bench_measure(test, &fu, &fk);
		/* Reads then find the user source's bytes on the device. */
		if (rw == WRITE)
			KUNIT_ASSERT_EQ(test, bench_dio(&uw), 0);
	}
	bench_expect_read(test, udst, uw.ubuf->seed, "the UBUF read");
	bench_expect_read(test, kdst, uw.ubuf->seed, "the BVEC read");
	diopin_expect_pins(test, ubase, 0, "write source after the runs");
	diopin_expect_pins(test, rbase, 0, "read destination after the runs");
	diopin_clear_dirty(rbase);
	parts = (struct parts_ctx){ udst, kbuf->pages, kdst->pages };
	/* Per page of a 1 MiB call, to set beside the UBUF call's cost. */
	fu = (struct bench_fig){ "dio.part.bvec_alloc", bench_bvec_alloc, &parts,
				 BENCH_PART_REPS * BENCH_DIO_PAGES };
	bench_measure(test, &fu, NULL);
	fu = (struct bench_fig){ "dio.part.read_dirty", bench_dirty, &parts,
				 BENCH_PART_REPS * BENCH_DIO_PAGES };
	bench_measure(test, &fu, NULL);
	diopin_clear_dirty(rbase);
	fu = (struct bench_fig){ "memcpy", bench_memcpy_pages, &parts, 0, BENCH_DIO_BYTES };
	bench_measure(test, &fu, NULL);
	bench_expect_read(test, kdst, kbuf->seed, "the memcpy()");
}

static struct kunit_case diopin_bench_cases[] = {
	KUNIT_CASE_PARAM_ATTR(bench_gup_pin_vs_get, gup_batch_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE_SLOW(bench_extract_ubuf_vs_bvec),
	KUNIT_CASE_SLOW(bench_dio_bdev),
	{}
};

static struct kunit_suite diopin_bench_suite = {
	.name = "diopin_bench",
	.test_cases = diopin_bench_cases,
};

kunit_test_suite(diopin_bench_suite);

MODULE_DESCRIPTION("diopin: in-kernel cost of pinning against borrowing");
MODULE_LICENSE("GPL");
