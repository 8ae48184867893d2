// SPDX-License-Identifier: GPL-2.0
/*
 * diopin_dio: what every O_DIRECT path must do, one case per property, its
 * rows "<target>: <shape>" over the DIO targets it applies to (diopin_target.c:
 * block/fops.c on brd and null_blk, iomap on ext2 and ext4, fs/direct-io.c on
 * vfat). What only one path does is in diopin_dio_bdev, _iomap and _legacy.
 */
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/pagemap.h>
#include <linux/uio.h>
#include <kunit/test.h>

#include "diopin_target.h"

#define SEG(page, n)	{ (page) * PAGE_SIZE, (n) * PAGE_SIZE }
/* eight segments with one-page gaps between them: scattered */
#define SEGS_320K	{ SEG(0, 10), SEG(11, 10), SEG(22, 10), SEG(33, 10),	\
			  SEG(44, 10), SEG(55, 10), SEG(66, 10), SEG(77, 10) }
#define SEGS_1M25	{ SEG(0, 40), SEG(41, 40), SEG(82, 40), SEG(123, 40),	\
			  SEG(164, 40), SEG(205, 40), SEG(246, 40), SEG(287, 40) }

/* Does @t take @shape: its unit, and the room it has? */
static bool shape_fits(const struct diopin_target *t, const void *s)
{
	const struct diopin_dio_shape *shape = s;

	return shape->align >= t->align &&
	       t->pos + shape->pos + diopin_shape_bytes(shape) <= t->max_bytes;
}

static const struct diopin_dio_shape roundtrip_shapes[] = {
	{ .desc = "sync UBUF 4 KiB", .type = DIOPIN_UBUF, .npages = 1,
	  .segs = { SEG(0, 1) }, .nsegs = 1, .align = 1024 },
	{ .desc = "sync UBUF 64 KiB from byte 512 of the buffer, at 64 KiB",
	  .type = DIOPIN_UBUF, .npages = 17, .segs = { { 512, 16 * PAGE_SIZE } },
	  .nsegs = 1, .align = 1024, .pos = SZ_64K },
	{ .desc = "sync UBUF 1 KiB from byte 512 of the buffer, at 3 KiB", .type = DIOPIN_UBUF,
	  .npages = 1, .segs = { { 512, 1024 } }, .nsegs = 1, .align = 1024, .pos = 3072 },
	{ .desc = "sync IOVEC three segments, two in one page", .type = DIOPIN_IOVEC, .npages = 3,
	  .segs = { SEG(0, 2), { 2 * PAGE_SIZE, 1024 }, { 2 * PAGE_SIZE + 1024, 1024 } },
	  .nsegs = 3, .align = 1024 },
	{ .desc = "sync IOVEC 512-byte segments", .type = DIOPIN_IOVEC, .npages = 2,
	  .segs = { SEG(0, 1), { PAGE_SIZE, 512 }, { PAGE_SIZE + 512, 512 } },
	  .nsegs = 3, .align = 512 },
	{ .desc = "sync IOVEC 320 KiB in eight segments", .type = DIOPIN_IOVEC,
	  .npages = 8 * 11, .segs = SEGS_320K, .nsegs = 8, .align = 1024 },
	{ .desc = "sync IOVEC 1.25 MiB in eight segments", .type = DIOPIN_IOVEC,
	  .npages = 8 * 41, .segs = SEGS_1M25, .nsegs = 8, .align = 1024 },
	/*
	 * Within one ext4 block (4 KiB): 7.3 reads it by __iomap_dio_read_simple().
	 * Block-aligned in memory: ext2 waits for an async write that is not
	 * (IOMAP_DIO_FORCE_WAIT).
	 */
	{ .desc = "async UBUF 1 KiB at 3 KiB", .type = DIOPIN_UBUF, .npages = 1,
	  .segs = { { 0, 1024 } }, .nsegs = 1, .async = true, .align = 1024, .pos = 3072 },
	{ .desc = "async UBUF 64 KiB", .type = DIOPIN_UBUF, .npages = 16,
	  .segs = { SEG(0, 16) }, .nsegs = 1, .async = true, .align = 1024 },
	{ .desc = "async IOVEC 320 KiB in eight segments", .type = DIOPIN_IOVEC, .npages = 8 * 11,
	  .segs = SEGS_320K, .nsegs = 8, .async = true, .align = 1024 },
	{ .desc = "async IOVEC 1.25 MiB in eight segments", .type = DIOPIN_IOVEC, .npages = 8 * 41,
	  .segs = SEGS_1M25, .nsegs = 8, .async = true, .align = 1024 },
};

DIOPIN_ROWS(roundtrip, roundtrip_shapes, shape_fits);

/*
 * Guards, per target: the pin (bio_iov_iter_get_pages() under
 * __blkdev_direct_IO_simple(), __blkdev_direct_IO(), __blkdev_direct_IO_async(),
 * iomap_dio_bio_iter(), 7.3's __iomap_dio_read_simple() for an ext4 read within
 * one block; fs/direct-io.c dio_refill_pages()), the dirtying of a read's user
 * pages (should_dirty, IOMAP_DIO_DIRTY, dio->should_dirty) and the release at
 * completion (bio_release_pages() or bio_check_pages_dirty() in
 * blkdev_bio_end_io*(), iomap_dio_bio_end_io(), iomap_dio_simple_complete(),
 * dio_bio_complete()). On null_blk an async call returns -EIOCBQUEUED, the I/O
 * in flight (queue held through the return), and the device's completion
 * releases the pages; a sync call waits
 * (on one CPU, as UML and kunit.py's QEMU run, every page is released by the
 * time the submitter runs again).
 */
static void dio_roundtrip(struct kunit *test)
{
	const struct diopin_row *row = test->param_value;

	diopin_dio_roundtrip(test, row->t, row->shape);
}

/* A kernel buffer, one large folio: a BVEC as io_uring's fixed buffers. */
static const struct diopin_dio_shape bvec_shapes[] = {
	{ .desc = "sync BVEC two segments", .type = DIOPIN_BVEC, .npages = 4,
	  .segs = { SEG(0, 2), SEG(3, 1) }, .nsegs = 2, .align = 1024 },
	{ .desc = "async BVEC 16 KiB", .type = DIOPIN_BVEC, .npages = 4,
	  .segs = { SEG(0, 4) }, .nsegs = 1, .async = true, .align = 1024 },
};

DIOPIN_ROWS(bvec, bvec_shapes, shape_fits);

/*
 * Guards (Al Viro's review of the conversion: only a read into user memory
 * dirties its pages): should_dirty in block/fops.c (user_backed_iter() && read),
 * IOMAP_DIO_DIRTY in __iomap_dio_rw(), dio->should_dirty in fs/direct-io.c and
 * iov_iter_extract_will_pin() (BIO_PAGE_PINNED, dio->is_pinned): an ITER_BVEC
 * read borrows its pages (no ref, no pin) and leaves them clean, sync and async,
 * on every path; the bytes land.
 */
static void dio_bvec_read_borrows_and_stays_clean(struct kunit *test)
{
	const struct diopin_row *row = test->param_value;
	const struct diopin_dio_shape *shape = row->shape;
	const bool later = shape->async && row->t->later;
	struct file *file = diopin_target_open(test, row->t, 0, NULL);
	struct diopin_buf *src = diopin_buf_kernel(test, DIOPIN_BUF_FOLIO, shape->npages);
	struct diopin_buf *dst = diopin_buf_kernel(test, DIOPIN_BUF_FOLIO, shape->npages);
	struct diopin_snap *snap = diopin_snap_take(test, dst->pages, shape->npages);
	struct diopin_dio_opts o = { .hold = later };
	const loff_t pos = row->t->pos;
	const struct diopin_seg *seg;
	struct iov_iter iter;
	size_t total;
	unsigned int i;

	total = diopin_iter_build(test, &iter, DIOPIN_BVEC, ITER_SOURCE, src,
				  shape->segs, shape->nsegs);
	KUNIT_ASSERT_EQ(test, diopin_dio(file, WRITE, pos, &iter, false), (ssize_t)total);
	memset(dst->vaddr, 0, shape->npages * PAGE_SIZE);
	diopin_iter_build(test, &iter, DIOPIN_BVEC, ITER_DEST, dst, shape->segs, shape->nsegs);
	KUNIT_ASSERT_EQ(test, diopin_dio_ex(file, READ, pos, &iter, shape->async, &o),
			(ssize_t)total);
	KUNIT_EXPECT_EQ_MSG(test, o.later, later,
			    "the read returned -EIOCBQUEUED before it completed");
	diopin_expect_pins(test, snap, 0, "bvec pages after the read");
	diopin_expect_dirty(test, snap, false, "bvec pages after the read");
	for (i = 0, seg = shape->segs; i < shape->nsegs; i++, seg++)
		KUNIT_EXPECT_EQ_MSG(test, diopin_pattern_mismatch(dst->vaddr + seg->off, seg->len,
								  seg->off, src->seed),
				    seg->len, "segment %u", i);
}

/* User-memory reads on the targets that complete later, sync and async. */
static bool completes_later(const struct diopin_target *t, const void *s)
{
	return t->later && shape_fits(t, s);
}

DIOPIN_ROWS(cleaned, roundtrip_shapes, completes_later);

/*
 * Are a read's pages dirtied at submission (bio_set_pages_dirty(): every async
 * path, iomap, and sync block/fops.c's multi-bio path) or only at release
 * (bio_release_pages(bio, true): __blkdev_direct_IO_simple(), fs/direct-io.c)?
 */
static bool dirtied_at_submission(const struct diopin_row *row)
{
	const struct diopin_dio_shape *shape = row->shape;

	return shape->async || row->t->path == DIOPIN_PATH_IOMAP ||
	       (row->t->path == DIOPIN_PATH_BDEV &&
		diopin_shape_bytes(shape) > BIO_MAX_VECS * PAGE_SIZE);
}

struct in_flight {
	struct diopin_snap *snap;
	bool want_dirty;
	unsigned int pinned, dirty;
};

/*
 * In flight (a sync call is still submitting; the queue is held, so
 * nothing completes meanwhile): once the submission has pinned (and, where it
 * does, dirtied) every page, or after 5 s, count pins and dirty bits, then
 * clean the pages as writeback would.
 */
static void clean_in_flight(void *arg)
{
	struct in_flight *f = arg;
	unsigned long deadline = jiffies + 5 * HZ;
	unsigned int k;

	for (;;) {
		f->pinned = 0;
		f->dirty = 0;
		for (k = 0; k < f->snap->n; k++) {
			struct folio *folio = page_folio(f->snap->s[k].page);

			f->pinned += folio_maybe_dma_pinned(folio);
			f->dirty += folio_test_dirty(folio);
		}
		if ((f->pinned >= f->snap->n && (!f->want_dirty || f->dirty >= f->snap->n)) ||
		    time_after_eq(jiffies, deadline))
			break;
		usleep_range(1000, 2000);
	}
	diopin_clear_dirty(f->snap);
}

/*
 * Guards the re-dirtying at completion of every read path, sync and async:
 * bio_check_pages_dirty() (block/bio.c: pages found clean are dirtied again
 * from bio_dirty_fn() before release) from blkdev_bio_end_io_async(),
 * blkdev_bio_end_io(), iomap_dio_bio_end_io() and fs/direct-io.c
 * dio_bio_complete() (async); bio_release_pages(bio, true) from
 * __blkdev_direct_IO_simple() and dio_bio_complete() (sync); and
 * bio_set_pages_dirty() at submission (dirtied_at_submission()). In flight
 * (queue held) every page is pinned, dirty or clean as the submission left it,
 * and cleaned as by writeback; after completion every page is dirty again,
 * unpinned, and holds the device's bytes.
 */
static void dio_read_cleaned_in_flight_is_dirtied_again(struct kunit *test)
{
	const struct diopin_row *row = test->param_value;
	const struct diopin_dio_shape *shape = row->shape;
	const size_t end = row->t->pos + shape->pos + diopin_shape_bytes(shape);
	struct diopin_buf *old, *buf;
	struct file *file = diopin_target_open(test, row->t, round_up(end, PAGE_SIZE), &old);
	struct in_flight f = { .want_dirty = dirtied_at_submission(row) };
	struct diopin_dio_opts o = { .hold = true, .in_flight = clean_in_flight, .arg = &f };
	struct iov_iter iter;
	size_t total, at;
	unsigned int i;

	buf = diopin_buf_user(test, shape->npages, DIOPIN_UMAP_PREFAULT);
	f.snap = diopin_shape_snap(test, buf, shape);
	diopin_clear_dirty(f.snap);
	total = diopin_iter_build(test, &iter, shape->type, ITER_DEST, buf, shape->segs,
				  shape->nsegs);
	KUNIT_ASSERT_EQ(test, diopin_dio_ex(file, READ, row->t->pos + shape->pos, &iter,
					    shape->async, &o), (ssize_t)total);
	KUNIT_ASSERT_TRUE_MSG(test, o.later, "the read completed before it was looked at");
	KUNIT_EXPECT_EQ_MSG(test, f.pinned, f.snap->n, "pages pinned in flight");
	KUNIT_EXPECT_EQ_MSG(test, f.dirty, f.want_dirty ? f.snap->n : 0,
			    "pages dirtied at submission");
	diopin_wait_released(test, f.snap);
	diopin_expect_pins(test, f.snap, 0, "after the read");
	diopin_expect_dirty(test, f.snap, true, "pages cleaned in flight, after the read");
	/* the segments lie back to back in the file */
	for (i = 0, at = row->t->pos + shape->pos; i < shape->nsegs; at += shape->segs[i++].len)
		diopin_expect_user_bytes(test, buf->uaddr + shape->segs[i].off,
					 shape->segs[i].len, at, old->seed, false);
}

struct refusal {
	const char *desc;
	int rw;
	enum diopin_iter_type type;
	struct diopin_seg segs[2];
	unsigned int nsegs;
	loff_t pos;		/* -1: the end of the file */
	bool nowait;		/* IOCB_NOWAIT, a dirty page-cache page over the range */
};

/* one UBUF segment; two IOVEC segments, the second at byte 1 of a page */
#define UBUF_SEG(off, len)	.type = DIOPIN_UBUF, .segs = { { off, len } }, .nsegs = 1
#define IOVEC_BYTE1	.type = DIOPIN_IOVEC, .nsegs = 2,	\
			.segs = { SEG(0, 1), { 2 * PAGE_SIZE + 1, PAGE_SIZE } }

static const struct refusal refusals[] = {
	{ .desc = "read into byte 1 of a page", .rw = READ, UBUF_SEG(1, PAGE_SIZE) },
	{ .desc = "write from byte 1 of a page", .rw = WRITE, UBUF_SEG(1, PAGE_SIZE) },
	{ .desc = "read of 100 bytes", .rw = READ, UBUF_SEG(0, 100) },
	{ .desc = "write at file position 100", .rw = WRITE, UBUF_SEG(0, PAGE_SIZE), .pos = 100 },
	{ .desc = "IOVEC read, its second segment at byte 1 of a page", .rw = READ, IOVEC_BYTE1 },
	{ .desc = "IOVEC write, its second segment at byte 1 of a page", .rw = WRITE, IOVEC_BYTE1 },
	{ .desc = "read at the end of the file", .rw = READ, UBUF_SEG(0, PAGE_SIZE), .pos = -1 },
	{ .desc = "NOWAIT read over a dirty page-cache page", .rw = READ,
	  UBUF_SEG(0, 2 * PAGE_SIZE), .nowait = true },
	{ .desc = "NOWAIT write over a dirty page-cache page", .rw = WRITE,
	  UBUF_SEG(0, 2 * PAGE_SIZE), .nowait = true },
};

/* A refusal issues no I/O: how the device completes does not matter. */
static bool refuses(const struct diopin_target *t, const void *r)
{
	return !t->later;
}

DIOPIN_ROWS(refused, refusals, refuses);

#define REFUSED_PAGES	4

/* A buffered (no IOCB_DIRECT) rewrite of @old's first page: a dirty page-cache page. */
static void refused_dirty_cache(struct kunit *test, struct file *file, struct diopin_buf *old)
{
	const struct diopin_seg seg = SEG(0, 1);
	struct iov_iter iter;
	struct kiocb kiocb;
	ssize_t ret;

	init_sync_kiocb(&kiocb, file);
	kiocb.ki_flags &= ~IOCB_DIRECT;
	diopin_iter_build(test, &iter, DIOPIN_UBUF, ITER_SOURCE, old, &seg, 1);
	if (S_ISREG(file_inode(file)->i_mode))
		file_start_write(file);
	ret = file->f_op->write_iter(&kiocb, &iter);
	if (S_ISREG(file_inode(file)->i_mode))
		file_end_write(file);
	KUNIT_ASSERT_EQ_MSG(test, ret, (ssize_t)PAGE_SIZE, "the buffered write");
	KUNIT_ASSERT_TRUE_MSG(test, filemap_range_needs_writeback(file->f_mapping, 0,
								  PAGE_SIZE - 1),
			      "no dirty page-cache page after the buffered write");
}

static ssize_t refused_ret(const struct refusal *r)
{
	if (r->nowait)
		return -EAGAIN;
	return r->pos < 0 ? 0 : -EINVAL;
}

/*
 * Guards the checks every O_DIRECT path makes before it moves a byte:
 * block/fops.c blkdev_dio_invalid() (position and, on 6.12, the iterator's
 * alignment; from 7.x bio_iov_iter_get_pages() checks each vector's address
 * against the DMA alignment as it extracts, so an IOVEC with a misaligned
 * second segment is refused part-way, the first segment's pins released) and
 * blkdev_read_iter()'s EOF check; iomap_dio_bio_iter()'s alignment check (6.12:
 * bdev_iter_is_aligned(); 7.x per vector, as above), __iomap_dio_rw()'s EOF
 * exit and, for a refused write, the error reaching the caller over
 * ->iomap_end()'s -ENOTBLK (ext2_iomap_end(), ext4_iomap_end(): "fall back to
 * buffered", tests/known-bugs on 7.x); fs/direct-io.c __blockdev_direct_IO()'s
 * blocksize_mask check and EOF exit (fail_dio); IOCB_NOWAIT over a dirty
 * page-cache page: kiocb_write_and_wait() for a read (blkdev_read_iter(),
 * __iomap_dio_rw(), generic_file_read_iter()), kiocb_invalidate_pages() for a
 * write (blkdev_direct_write(), __iomap_dio_rw(), generic_file_direct_write();
 * ext2 and ext4 may refuse earlier, in file_modified_flags(), same -EAGAIN).
 * refused_ret(): a misaligned buffer, length or position -EINVAL, a read at EOF
 * 0, NOWAIT -EAGAIN; the iterator where it was (segment, offset and count: on
 * 7.x bio_iov_iter_get_pages() leaves an IOVEC refused part-way on its second
 * segment, block/fops.c reverts it by count, iomap_dio_bio_iter() re-expands it,
 * tests/known-bugs), no page pinned or dirtied, the file's bytes and the page
 * cache's page count those of before.
 */
static void dio_refused_moves_nothing(struct kunit *test)
{
	const struct diopin_row *row = test->param_value;
	const struct refusal *r = row->shape;
	struct diopin_buf *old, *buf;
	struct file *file = diopin_target_open(test, row->t, 2 * PAGE_SIZE, &old);
	struct diopin_snap *snap;
	unsigned long cached;
	loff_t pos = r->pos;
	struct iov_iter iter, before;
	struct diopin_dio_opts o = { .ki_flags = r->nowait ? IOCB_NOWAIT : 0 };

	if (pos < 0)
		pos = i_size_read(file->f_mapping->host);
	if (r->nowait)
		refused_dirty_cache(test, file, old);
	cached = file->f_mapping->nrpages;
	buf = diopin_buf_user(test, REFUSED_PAGES, DIOPIN_UMAP_PREFAULT);
	snap = diopin_snap_take(test, buf->pages, REFUSED_PAGES);
	diopin_clear_dirty(snap);
	diopin_iter_build(test, &iter, r->type, r->rw == READ ? ITER_DEST : ITER_SOURCE, buf,
			  r->segs, r->nsegs);
	before = iter;
	KUNIT_EXPECT_EQ(test, diopin_dio_ex(file, r->rw, pos, &iter, false, &o), refused_ret(r));
	diopin_expect_iter_at(test, &iter, &before, "after the refused call");
	diopin_expect_pins(test, snap, 0, "after the refused call");
	diopin_expect_dirty(test, snap, false, "after the refused call");
	KUNIT_EXPECT_EQ_MSG(test, file->f_mapping->nrpages, cached,
			    "pages the refused call left in the page cache");
	diopin_expect_user_bytes(test, diopin_dio_readback(test, file, 2)->uaddr,
				 2 * PAGE_SIZE, 0, old->seed, false);
}

#define HOLE_PAGES	8

struct hole {
	const char *desc;
	int rw;
	bool async;
	unsigned int hole;	/* the unmapped page of HOLE_PAGES */
};

static const struct hole holes[] = {
	{ .desc = "sync write, hole at page 3", .rw = WRITE, .hole = 3 },
	{ .desc = "sync read, hole at page 2", .rw = READ, .hole = 2 },
	{ .desc = "sync write, hole at page 0", .rw = WRITE, .hole = 0 },
	{ .desc = "sync read, hole at page 0", .rw = READ, .hole = 0 },
	{ .desc = "async write, hole at page 5", .rw = WRITE, .async = true, .hole = 5 },
	{ .desc = "async read, hole at page 1", .rw = READ, .async = true, .hole = 1 },
	{ .desc = "async read, hole at page 0", .rw = READ, .async = true, .hole = 0 },
};

static bool any_target(const struct diopin_target *t, const void *h)
{
	return true;
}

DIOPIN_ROWS(hole, holes, any_target);

/*
 * What a call with a hole at user page @c->hole returns on @t: every path
 * moves and releases the pages before the hole (each submits its bio up to the
 * fault); they differ in what they say. block/fops.c returns the bytes moved
 * (-EFAULT at page 0: an empty bio is not submitted); iomap -EFAULT however
 * much moved (ext2 and ext4 do not ask for IOMAP_DIO_PARTIAL); fs/direct-io.c
 * drops a read's -EFAULT once bytes moved (dio_complete()), but a write
 * that meets the hole with blocks get_block() mapped still unused (vfat's
 * cluster) writes the zero page over them (dio_refill_pages()) and returns
 * -EFAULT (page_errors); where get_block() maps one block a call (udf) none
 * is left at a page-aligned hole, and the write's -EFAULT is dropped too.
 */
static ssize_t hole_ret(const struct diopin_target *t, const struct hole *c)
{
	const ssize_t done = c->hole * PAGE_SIZE;

	switch (t->path) {
	case DIOPIN_PATH_BDEV:
		return c->hole ? done : -EFAULT;
	case DIOPIN_PATH_LEGACY:
		return (c->rw == READ || t->maps_one_block) && c->hole ? done : -EFAULT;
	default:
		return -EFAULT;
	}
}

/*
 * Guards the partial-pin and fault paths of every O_DIRECT implementation:
 * bio_iov_iter_get_pages() stopping at the hole inside
 * __blkdev_direct_IO_simple(), _async() and iomap_dio_bio_iter() (the pages
 * before it submitted, the -EFAULT after: iomap's bio put with nothing pinned),
 * fs/direct-io.c dio_refill_pages() (the ZERO_PAGE written in place of the
 * faulting buffer, never pinned: "mm: Don't pin ZERO_PAGE", folio_add_pin()),
 * dio_cleanup() and the final unpins; and each path's return (hole_ret()).
 * Exactly the pages before the hole moved (device or user pages changed up to
 * it, the rest as it was, fs/direct-io.c's zeroes aside), read pages before the
 * hole dirty, each page released exactly once, the zero page's refcount unmoved.
 */
static void dio_user_hole(struct kunit *test)
{
	const struct diopin_row *row = test->param_value;
	const struct hole *c = row->shape;
	const struct diopin_seg seg = SEG(0, HOLE_PAGES);
	const size_t done = c->hole * PAGE_SIZE;
	struct folio *zero = page_folio(ZERO_PAGE(0));
	struct diopin_buf *old, *buf, *chk;
	struct file *file = diopin_target_open(test, row->t, HOLE_PAGES * PAGE_SIZE, &old);
	struct diopin_dio_opts o = { .hold = c->async && row->t->later };
	struct diopin_snap *snap;
	struct iov_iter iter;
	int zero_ref;
	ssize_t ret;

	buf = diopin_buf_user(test, HOLE_PAGES, DIOPIN_UMAP_PREFAULT);
	diopin_buf_punch(test, buf, c->hole);
	snap = diopin_snap_take(test, buf->pages, c->hole);
	diopin_clear_dirty(snap);
	diopin_iter_build(test, &iter, DIOPIN_UBUF, c->rw == READ ? ITER_DEST : ITER_SOURCE,
			  buf, &seg, 1);
	zero_ref = folio_ref_count(zero);
	ret = diopin_dio_ex(file, c->rw, row->t->pos, &iter, c->async, &o);
	KUNIT_EXPECT_EQ_MSG(test, ret, hole_ret(row->t, c), "hole at byte %zu", done);
	if (o.later)
		diopin_wait_released(test, snap);
	diopin_expect_pins(test, snap, 0, "pages before the hole, after the call");
	diopin_expect_dirty(test, snap, c->rw == READ, "pages before the hole");
	diopin_clear_dirty(snap);
	KUNIT_EXPECT_EQ_MSG(test, folio_ref_count(zero), zero_ref,
			    "the zero page's refcount moved");
	if (c->rw == READ) {
		diopin_expect_user_bytes(test, buf->uaddr, done, 0, old->seed, false);
		diopin_expect_user_bytes(test, buf->uaddr + done + PAGE_SIZE,
					 (HOLE_PAGES - 1) * PAGE_SIZE - done, done + PAGE_SIZE,
					 buf->seed, false);
		return;
	}
	chk = diopin_dio_readback(test, file, HOLE_PAGES);
	diopin_expect_user_bytes(test, chk->uaddr, done, 0, buf->seed, false);
	/* fs/direct-io.c wrote the zero page from the hole on over blocks it had mapped */
	diopin_expect_user_bytes(test, chk->uaddr + done, HOLE_PAGES * PAGE_SIZE - done, done,
				 old->seed, row->t->path == DIOPIN_PATH_LEGACY &&
				 !row->t->maps_one_block && c->hole);
}

#define FORK_PAGES	4

static const struct diopin_dio_shape fork_shapes[] = {
	{ .desc = "sync UBUF 16 KiB", .type = DIOPIN_UBUF, .npages = FORK_PAGES,
	  .segs = { SEG(0, FORK_PAGES) }, .nsegs = 1, .align = 1024 },
	{ .desc = "async UBUF 16 KiB", .type = DIOPIN_UBUF, .npages = FORK_PAGES,
	  .segs = { SEG(0, FORK_PAGES) }, .nsegs = 1, .async = true, .align = 1024 },
};

DIOPIN_ROWS(fork, fork_shapes, shape_fits);

struct fork_write {
	struct diopin_buf *buf;
	struct diopin_fork *child;
	unsigned int pinned_mine, pinned_child, apart;	/* in flight, if it completes later */
	bool seen;
};

/* In flight: which pages are pinned, the parent's or the child's? */
static void fork_in_flight(void *arg)
{
	struct fork_write *w = arg;
	struct page *mine[FORK_PAGES];
	unsigned int k;

	diopin_user_pages(NULL, (unsigned long)w->buf->uaddr, FORK_PAGES, mine);
	for (k = 0; k < FORK_PAGES; k++) {
		w->pinned_mine += mine[k] && folio_maybe_dma_pinned(page_folio(mine[k]));
		w->pinned_child += folio_maybe_dma_pinned(page_folio(w->child->at_fork[k]));
	}
	w->apart = FORK_PAGES - diopin_fork_shares(w->child, mine);
	w->seen = true;
}

/*
 * Guards: the unsharing of a read-only pin in mm/gup.c (gup_must_unshare() and
 * FAULT_FLAG_UNSHARE through handle_mm_fault(), GUP-fast's refusal of a shared
 * anonymous page) under every O_DIRECT write's iov_iter_extract_pages(): after
 * a real fork (diopin_fork(): the source's anonymous pages shared copy-on-write
 * with the child), a DIO write from the parent pins a page exclusive to the
 * parent, the one it maps, never the one the child shares. On a target that
 * completes later that is seen in flight: the parent's pages pinned, the
 * child's not, the two apart. Afterwards the device holds the parent's bytes,
 * no page is pinned, and the child keeps its pages with the bytes of before.
 */
static void dio_write_source_shared_with_child(struct kunit *test)
{
	const struct diopin_row *row = test->param_value;
	const struct diopin_dio_shape *shape = row->shape;
	const bool later = shape->async && row->t->later;
	struct fork_write w = {};
	struct diopin_dio_opts o = { .hold = later, .in_flight = fork_in_flight, .arg = &w };
	struct file *file;
	struct page *mine[FORK_PAGES];
	struct iov_iter iter;

	file = diopin_target_open(test, row->t, later && row->t->img ?
				  FORK_PAGES * PAGE_SIZE : 0, NULL);
	w.buf = diopin_buf_user(test, FORK_PAGES, DIOPIN_UMAP_PREFAULT);
	w.child = diopin_fork(test, w.buf, FORK_PAGES);
	KUNIT_ASSERT_EQ_MSG(test, diopin_fork_shares(w.child, w.buf->pages), FORK_PAGES,
			    "pages the fork shared with the child");
	diopin_iter_build(test, &iter, DIOPIN_UBUF, ITER_SOURCE, w.buf, shape->segs, 1);
	KUNIT_EXPECT_EQ(test, diopin_dio_ex(file, WRITE, row->t->pos, &iter, shape->async, &o),
			(ssize_t)(FORK_PAGES * PAGE_SIZE));
	KUNIT_EXPECT_EQ_MSG(test, o.later, later,
			    "the write returned -EIOCBQUEUED before it completed");
	if (w.seen) {
		KUNIT_EXPECT_EQ_MSG(test, w.pinned_mine, FORK_PAGES,
				    "the parent's pages pinned in flight");
		KUNIT_EXPECT_EQ_MSG(test, w.pinned_child, 0,
				    "the child's pages pinned in flight");
		KUNIT_EXPECT_EQ_MSG(test, w.apart, FORK_PAGES,
				    "parent pages in flight that are not the child's");
	}
	diopin_user_pages(test, (unsigned long)w.buf->uaddr, FORK_PAGES, mine);
	KUNIT_EXPECT_EQ_MSG(test, diopin_fork_shares(w.child, mine), 0,
			    "the parent's pages after the write that are the child's");
	KUNIT_EXPECT_EQ_MSG(test, diopin_wait_unpinned(mine, FORK_PAGES), 0,
			    "the parent's pages still pinned");
	KUNIT_EXPECT_EQ_MSG(test, diopin_wait_unpinned(w.child->at_fork, FORK_PAGES), 0,
			    "the child's pages pinned");
	diopin_fork_expect_child(test, w.child);
	diopin_expect_user_bytes(test, diopin_dio_readback(test, file, FORK_PAGES)->uaddr,
				 FORK_PAGES * PAGE_SIZE, 0, w.buf->seed, false);
}

static struct kunit_case diopin_dio_cases[] = {
	KUNIT_CASE_PARAM(dio_roundtrip, roundtrip_gen_params),
	KUNIT_CASE_PARAM(dio_bvec_read_borrows_and_stays_clean, bvec_gen_params),
	KUNIT_CASE_PARAM(dio_refused_moves_nothing, refused_gen_params),
	KUNIT_CASE_PARAM(dio_user_hole, hole_gen_params),
	KUNIT_CASE_PARAM(dio_read_cleaned_in_flight_is_dirtied_again, cleaned_gen_params),
	KUNIT_CASE_PARAM(dio_write_source_shared_with_child, fork_gen_params),
	{}
};

static struct kunit_suite diopin_dio_suite = {
	.name = "diopin_dio",
	.test_cases = diopin_dio_cases,
};

kunit_test_suite(diopin_dio_suite);

MODULE_DESCRIPTION("KUnit tests of the properties every O_DIRECT path must have, on every path");
MODULE_LICENSE("GPL");
