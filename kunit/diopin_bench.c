// SPDX-License-Identifier: GPL-2.0
/*
 * diopin_bench: what pinning costs, measured in the kernel.
 *
 * The conversion to FOLL_PIN was merged on "no obvious regressions" from
 * light fio runs. These cases put numbers on it, side by side:
 *
 *   - pin_user_pages_fast() + unpin_user_pages() against
 *     get_user_pages_fast() + put_page(), per page, in batches of 1, 16
 *     and 512 pages of already-faulted memory;
 *   - iov_iter_extract_pages() per page on a UBUF iterator (pins) against
 *     a BVEC iterator over the same pages (borrows);
 *   - O_DIRECT reads and writes on brd through block/fops.c from a UBUF
 *     buffer (pinned) and a BVEC buffer (borrowed), with a memcpy() of the
 *     same size as the ceiling.
 *
 * Every figure is timed BENCH_RUNS times after BENCH_WARMUP untimed runs;
 * each case prints one "bench:" line per figure with the median, min and
 * max, which scripts/bench turns into a table and JSON. Every case also
 * checks that the work was done and that each page is back to its
 * baseline refcount and pin state. All cases are slow: `make`/`make test`
 * filter them out, `make bench` runs them.
 */
#include <linux/blkdev.h>
#include <linux/bvec.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/sort.h>
#include <linux/uio.h>
#include <linux/vmalloc.h>
#include <kunit/test.h>

#include "diopin_fixture.h"

#define P		PAGE_SIZE
#define BENCH_RUNS	21	/* timed runs per figure: the median is reported */
#define BENCH_WARMUP	3	/* untimed runs first */
#define BENCH_PAGES	512	/* user buffer of the GUP and extract cases */
#define BENCH_REPS	4	/* passes over that buffer per timed run */
#define BENCH_DIO_PAGES	256	/* 1 MiB per O_DIRECT call: one bio on 4K pages */
#define BENCH_BDEV	5	/* /dev/ram5 */

/* One timed run; returns 0 or an error after which the case stops. */
typedef int (*bench_fn)(void *ctx);

static int bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Time @fn BENCH_RUNS times after BENCH_WARMUP runs and print one line:
 * per-page picoseconds (@bytes == 0: @units pages per run) or MB/s
 * (@bytes per run). The metric name is stable: scripts/bench keys on it.
 */
static void bench_measure(struct kunit *test, const char *metric, bench_fn fn,
			  void *ctx, unsigned int units, size_t bytes)
{
	u64 v[BENCH_RUNS], t0;
	unsigned int i;

	for (i = 0; i < BENCH_WARMUP; i++)
		KUNIT_ASSERT_EQ_MSG(test, fn(ctx), 0, "%s: warm-up run failed", metric);
	for (i = 0; i < BENCH_RUNS; i++) {
		t0 = ktime_get_ns();
		KUNIT_ASSERT_EQ_MSG(test, fn(ctx), 0, "%s: run %u failed", metric, i);
		v[i] = max_t(u64, ktime_get_ns() - t0, 1);
		/* per page in ps, or MB/s (bytes per us) */
		v[i] = bytes ? div64_u64((u64)bytes * 1000, v[i]) :
			       div64_u64(v[i] * 1000, units);
		cond_resched();
	}
	sort(v, BENCH_RUNS, sizeof(v[0]), bench_cmp_u64, NULL);
	kunit_info(test, "bench: %s %s median=%llu min=%llu max=%llu runs=%u\n",
		   metric, bytes ? "MB/s" : "ps/page", v[BENCH_RUNS / 2], v[0],
		   v[BENCH_RUNS - 1], BENCH_RUNS);
}

/* A bio_vec per page of @buf, built once and reused by every timed run. */
static struct bio_vec *bench_bvecs(struct kunit *test, struct diopin_buf *buf)
{
	struct bio_vec *bv;
	unsigned int k;

	bv = kunit_kmalloc_array(test, buf->npages, sizeof(*bv), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bv);
	for (k = 0; k < buf->npages; k++)
		bvec_set_page(&bv[k], buf->pages[k], P, 0);
	return bv;
}

/* ---- pin vs get ---- */

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
		got = pin_user_pages_fast(base + (done % BENCH_PAGES) * P, c->batch,
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
		got = get_user_pages_fast(base + (done % BENCH_PAGES) * P, c->batch,
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
 * Per-page cost of a pin and its unpin against a reference and its put,
 * on the same faulted pages. Afterwards every page is at its baseline.
 */
static void bench_gup_pin_vs_get(struct kunit *test)
{
	struct gup_ctx c = { .batch = *(const unsigned int *)test->param_value };
	struct diopin_snap *base;
	char metric[48];

	c.buf = diopin_buf_user(test, BENCH_PAGES, DIOPIN_UMAP_PREFAULT);
	c.pages = kunit_kmalloc_array(test, BENCH_PAGES, sizeof(*c.pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c.pages);
	base = diopin_snap_take(test, c.buf->pages, BENCH_PAGES);

	snprintf(metric, sizeof(metric), "gup.pin_unpin.batch%u", c.batch);
	bench_measure(test, metric, bench_pin_unpin, &c, BENCH_REPS * BENCH_PAGES, 0);
	diopin_expect_pins(test, base, 0, "after the pin runs");
	snprintf(metric, sizeof(metric), "gup.get_put.batch%u", c.batch);
	bench_measure(test, metric, bench_get_put, &c, BENCH_REPS * BENCH_PAGES, 0);
	diopin_expect_pins(test, base, 0, "after the get runs");
}

/* ---- iov_iter_extract_pages(): UBUF pins, BVEC borrows ---- */

struct extract_ctx {
	struct diopin_buf *buf;
	struct bio_vec *bvec;
	struct page **pages;
	bool user;
};

static int bench_extract(void *p)
{
	struct extract_ctx *c = p;
	size_t len = BENCH_PAGES * P;
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
			got = iov_iter_extract_pages(&iter, &c->pages, len,
						     BENCH_PAGES, 0, &off);
			if (got <= 0)
				return got ? got : -EFAULT;
			n = DIV_ROUND_UP(off + got, P);
			/* What bio_release_pages() does for a pinned bio. */
			if (iov_iter_extract_will_pin(&iter))
				unpin_user_pages(c->pages, n);
		}
	}
	return 0;
}

/*
 * Per-page cost of extracting (and, for UBUF, unpinning) 2 MiB of pages,
 * for the same pages seen through a user address and through a bio_vec.
 */
static void bench_extract_ubuf_vs_bvec(struct kunit *test)
{
	struct extract_ctx c = {};
	struct diopin_snap *base;

	c.buf = diopin_buf_user(test, BENCH_PAGES, DIOPIN_UMAP_PREFAULT);
	c.pages = kunit_kmalloc_array(test, BENCH_PAGES, sizeof(*c.pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c.pages);
	c.bvec = bench_bvecs(test, c.buf);
	base = diopin_snap_take(test, c.buf->pages, BENCH_PAGES);

	c.user = true;
	bench_measure(test, "extract.ubuf", bench_extract, &c,
		      BENCH_REPS * BENCH_PAGES, 0);
	diopin_expect_pins(test, base, 0, "after the UBUF runs");
	c.user = false;
	bench_measure(test, "extract.bvec", bench_extract, &c,
		      BENCH_REPS * BENCH_PAGES, 0);
	diopin_expect_pins(test, base, 0, "after the BVEC runs");
}

/* ---- O_DIRECT on brd: pinned UBUF vs borrowed BVEC, memcpy ceiling ---- */

struct dio_ctx {
	struct file *file;
	struct diopin_buf *ubuf;	/* user memory */
	struct bio_vec *bvec;		/* kernel pages */
	void *src, *dst;		/* memcpy() ceiling */
	int rw;
	bool user;
};

#define BENCH_DIO_BYTES	(BENCH_DIO_PAGES * P)

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

static int bench_memcpy(void *p)
{
	struct dio_ctx *c = p;

	memcpy(c->dst, c->src, BENCH_DIO_BYTES);
	return 0;
}

static const char *const bench_dio_metric[2][2] = {
	[READ] = { "dio.bdev.read.bvec", "dio.bdev.read.ubuf" },
	[WRITE] = { "dio.bdev.write.bvec", "dio.bdev.write.ubuf" },
};

/*
 * 1 MiB O_DIRECT reads and writes on /dev/ram5 through blkdev_read_iter()
 * and blkdev_write_iter(), from pinned user memory and from borrowed
 * kernel pages, and memcpy() of 1 MiB as the ceiling. The last read must
 * have brought back what the last write put there; every user page is
 * back at its baseline.
 */
static void bench_dio_bdev(struct kunit *test)
{
	struct diopin_buf *kbuf;
	struct diopin_snap *base;
	struct dio_ctx c = {};
	int rw;

	c.file = diopin_bdev_open(test, DIOPIN_BRD(BENCH_BDEV));
	c.ubuf = diopin_buf_user(test, BENCH_DIO_PAGES, DIOPIN_UMAP_PREFAULT);
	kbuf = diopin_buf_kernel(test, DIOPIN_BUF_PAGES, BENCH_DIO_PAGES);
	c.bvec = bench_bvecs(test, kbuf);
	base = diopin_snap_take(test, c.ubuf->pages, BENCH_DIO_PAGES);

	for (rw = WRITE; rw >= READ; rw--) {
		c.rw = rw;
		c.user = true;
		bench_measure(test, bench_dio_metric[rw][1], bench_dio, &c, 0,
			      BENCH_DIO_BYTES);
		c.user = false;
		bench_measure(test, bench_dio_metric[rw][0], bench_dio, &c, 0,
			      BENCH_DIO_BYTES);
	}
	/* The BVEC write went last, so the BVEC read got the kernel pattern. */
	KUNIT_EXPECT_EQ(test, diopin_pattern_mismatch(kbuf->vaddr, BENCH_DIO_BYTES,
						      0, kbuf->seed),
			(size_t)BENCH_DIO_BYTES);
	diopin_expect_pins(test, base, 0, "after the O_DIRECT runs");

	c.src = kbuf->vaddr;
	c.dst = vmalloc(BENCH_DIO_BYTES);
	KUNIT_ASSERT_NOT_NULL(test, c.dst);
	diopin_defer_kvfree(test, c.dst);
	bench_measure(test, "memcpy", bench_memcpy, &c, 0, BENCH_DIO_BYTES);
	KUNIT_EXPECT_EQ(test, memcmp(c.dst, c.src, BENCH_DIO_BYTES), 0);
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
