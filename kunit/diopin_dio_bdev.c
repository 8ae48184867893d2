// SPDX-License-Identifier: GPL-2.0
/*
 * diopin_dio_bdev: what only block/fops.c does (diopin_dio has its round trips,
 * async completion and BVEC reads): __blkdev_direct_IO_simple() (small sync),
 * __blkdev_direct_IO() (several bios) and __blkdev_direct_IO_async() (small
 * async) must move the right bytes, pin user pages exactly while the I/O runs,
 * dirty the pages a read wrote into and leave every page as it found it.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/part_stat.h>
#include <linux/uio.h>
#include <kunit/test.h>

#include "diopin_target.h"

struct flags_case {
	const char *desc;
	int ki_flags;
	bool async;
	unsigned int npages;
};

static const struct flags_case flags_cases[] = {
	{ .desc = "IOCB_NOWAIT, sync 4 KiB (simple path)", .ki_flags = IOCB_NOWAIT, .npages = 1 },
	{ .desc = "IOCB_NOWAIT, async 16 KiB (single-bio async path)",
	  .ki_flags = IOCB_NOWAIT, .async = true, .npages = 4 },
	{ .desc = "IOCB_ALLOC_CACHE, async 16 KiB (single-bio async path)",
	  .ki_flags = IOCB_ALLOC_CACHE, .async = true, .npages = 4 },
	{ .desc = "IOCB_ALLOC_CACHE, sync 1.25 MiB (several bios, too many vecs for the cache)",
	  .ki_flags = IOCB_ALLOC_CACHE, .npages = 320 },
};

KUNIT_ARRAY_PARAM_DESC(flags, flags_cases, desc);

/*
 * Guards: the io_uring kiocb flags of the block DIO paths. IOCB_NOWAIT on the
 * single-bio paths (__blkdev_direct_IO_simple() and __blkdev_direct_IO_async()
 * add REQ_NOWAIT): brd takes nowait bios (BLK_FEAT_NOWAIT), so the I/O runs in
 * full (an I/O of several bios is -EAGAIN:
 * diopin_fault.fault_nowait_multi_bio_eagain). IOCB_ALLOC_CACHE (6.12:
 * __blkdev_direct_IO() and __blkdev_direct_IO_async() add REQ_ALLOC_CACHE,
 * kept by bio_alloc_bioset() only for at most BIO_INLINE_VECS vecs: the 16 KiB
 * bios come from and go back to the per-CPU bio cache (bio_put_percpu_cache()),
 * the 1.25 MiB ones are allocated as usual; 7.2 reads no IOCB_ALLOC_CACHE and
 * takes small bios from the cache whatever the flags): recycled bios must not
 * change what is released. A write and a read back: every pin released, the
 * read's pages dirty, the bytes round-trip.
 */
static void dio_bdev_iocb_flags(struct kunit *test)
{
	const struct flags_case *c = test->param_value;
	struct file *file = diopin_bdev_open(test, DIOPIN_BRD(DIOPIN_RAM_BDEV));
	struct diopin_buf *src = diopin_buf_user(test, c->npages, DIOPIN_UMAP_PREFAULT);
	struct diopin_buf *dst = diopin_buf_user(test, c->npages, DIOPIN_UMAP_PREFAULT);
	struct diopin_snap *ssnap = diopin_snap_take(test, src->pages, c->npages);
	struct diopin_snap *dsnap = diopin_snap_take(test, dst->pages, c->npages);
	const struct diopin_seg seg = { 0, c->npages * PAGE_SIZE };
	struct diopin_dio_opts o = { .ki_flags = c->ki_flags };
	struct iov_iter iter;

	diopin_iter_build(test, &iter, DIOPIN_UBUF, ITER_SOURCE, src, &seg, 1);
	KUNIT_EXPECT_EQ(test, diopin_dio_ex(file, WRITE, 0, &iter, c->async, &o), (ssize_t)seg.len);
	diopin_expect_pins(test, ssnap, 0, "after the write");
	diopin_iter_build(test, &iter, DIOPIN_UBUF, ITER_DEST, dst, &seg, 1);
	KUNIT_EXPECT_EQ(test, diopin_dio_ex(file, READ, 0, &iter, c->async, &o), (ssize_t)seg.len);
	diopin_expect_pins(test, dsnap, 0, "after the read");
	diopin_expect_dirty(test, dsnap, true, "after the read");
	diopin_expect_user_bytes(test, dst->uaddr, seg.len, 0, src->seed, false);
}

/* nullb devices take at most this much per request (common.args max_sectors) */
#define NULLB_MAX_IO	(64 * 1024)
#define SPLIT_PAGES	256	/* 1 MiB: one bio of BIO_MAX_VECS pages */

/*
 * Guards: block/blk-merge.c bio_split_rw() / get_max_io_size(): one async DIO
 * bio of 1 MiB (__blkdev_direct_IO_async(), BIO_MAX_VECS pages) on a device
 * that takes 64 KiB per request is split into 15 clones chained to the parent,
 * which carries the last 64 KiB: 16 requests (part_stat ios, counted per
 * request). The clones share the parent's pinned bvecs and release nothing;
 * the parent's blkdev_bio_end_io_async() runs once, after the last of them, and
 * releases (or check-dirties) every page exactly once. Written, then read back.
 */
static void dio_bdev_split_bio_releases_once(struct kunit *test)
{
	struct file *file = diopin_bdev_open(test, diopin_nullb_dev(test, DIOPIN_NULLB_BDEV));
	struct block_device *bdev = file_bdev(file);
	struct diopin_buf *src = diopin_buf_user(test, SPLIT_PAGES, DIOPIN_UMAP_PREFAULT);
	struct diopin_buf *dst = diopin_buf_user(test, SPLIT_PAGES, DIOPIN_UMAP_PREFAULT);
	const struct diopin_seg seg = { 0, SPLIT_PAGES * PAGE_SIZE };
	const unsigned long nreq = SPLIT_PAGES * PAGE_SIZE / NULLB_MAX_IO;
	struct diopin_dio_opts o = { .hold = true };
	struct diopin_snap *snap;
	unsigned long ios;
	struct iov_iter iter;
	int rw;

	KUNIT_ASSERT_EQ_MSG(test, queue_max_sectors(bdev_get_queue(bdev)),
			    NULLB_MAX_IO >> SECTOR_SHIFT,
			    "nullb max_sectors (null_blk.max_sectors= in common.args)");
	for (rw = WRITE; rw >= READ; rw--) {
		const char *what = rw == READ ? "read" : "write";
		struct diopin_buf *buf = rw == READ ? dst : src;

		snap = diopin_snap_take(test, buf->pages, SPLIT_PAGES);
		ios = part_stat_read(bdev, ios[rw == READ ? STAT_READ : STAT_WRITE]);
		diopin_iter_build(test, &iter, DIOPIN_UBUF, rw == READ ? ITER_DEST : ITER_SOURCE,
				  buf, &seg, 1);
		KUNIT_EXPECT_EQ(test, diopin_dio_ex(file, rw, 0, &iter, true, &o),
				(ssize_t)(SPLIT_PAGES * PAGE_SIZE));
		KUNIT_EXPECT_TRUE_MSG(test, o.later, "the %s completed inside the call", what);
		diopin_wait_released(test, snap);
		KUNIT_EXPECT_EQ_MSG(test, part_stat_read(bdev, ios[rw == READ ? STAT_READ :
							   STAT_WRITE]) - ios,
				    nreq, "%s requests for one 1 MiB bio", what);
		diopin_expect_pins(test, snap, 0, what);
	}
	diopin_expect_dirty(test, snap, true, "after the split read");
	diopin_expect_user_bytes(test, dst->uaddr, SPLIT_PAGES * PAGE_SIZE, 0, src->seed, false);
}

static struct kunit_case diopin_dio_bdev_cases[] = {
	KUNIT_CASE(dio_bdev_split_bio_releases_once),
	KUNIT_CASE_PARAM(dio_bdev_iocb_flags, flags_gen_params),
	{}
};

static struct kunit_suite diopin_dio_bdev_suite = {
	.name = "diopin_dio_bdev",
	.test_cases = diopin_dio_bdev_cases,
};

kunit_test_suite(diopin_dio_bdev_suite);

MODULE_DESCRIPTION("KUnit end-to-end O_DIRECT tests through block/fops.c on brd");
MODULE_LICENSE("GPL");
