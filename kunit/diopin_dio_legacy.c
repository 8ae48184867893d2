// SPDX-License-Identifier: GPL-2.0
/*
 * diopin_dio_legacy: real O_DIRECT I/O through the old fs/direct-io.c (still
 * used by vfat, exfat, udf, hfs and others), on vfat on brd. "block: Use
 * iov_iter_extract_pages() and page pinning in direct-io.c" (David Howells,
 * 2023): dio_refill_pages() extracts (pins) user pages, submit_page_section()
 * and dio_pin_page() add a pin per bio reference (folio_add_pin()),
 * dio_bio_complete() and dio_cleanup() unpin. The zero page, written in place
 * of a user buffer that faults part-way through a write over blocks the
 * filesystem already mapped, must never be pinned, nor anything unpinned twice.
 */
#include <linux/blkdev.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <kunit/test.h>

#include "diopin_target.h"
#include "diopin_images.h"

#define PREALLOC	(512 * 1024)	/* of a vfat file, by diopin_target_open() */
#define UDF_BLOCK	2048
#define UDF_HEAD	(2 * UDF_BLOCK)	/* written buffered: the file leaves its ICB */
#define UDF_JUNK	0x6a

/*
 * Guards: the EOF exit of do_direct_IO() and dio_cleanup(): dio_refill_pages()
 * pins up to DIO_PAGES pages at once; when the file ends before the buffer,
 * the pages pinned past EOF were never put in a bio and only dio_cleanup()
 * unpins them. The read is short, and every page ends unpinned.
 */
static void dio_legacy_read_past_eof_unpins_the_rest(struct kunit *test)
{
	struct file *file = diopin_target_open(test, &diopin_targets[DIOPIN_T_VFAT], 0, NULL);
	struct diopin_buf *buf = diopin_buf_user(test, 16, DIOPIN_UMAP_PREFAULT);
	struct diopin_snap *snap = diopin_snap_take(test, buf->pages, 16);
	const struct diopin_seg seg = { 0, 16 * PAGE_SIZE };
	struct iov_iter iter;

	diopin_iter_build(test, &iter, DIOPIN_UBUF, ITER_DEST, buf, &seg, 1);
	KUNIT_EXPECT_EQ(test, diopin_dio(file, READ, PREALLOC - 4 * PAGE_SIZE, &iter,
					 false), (ssize_t)(4 * PAGE_SIZE));
	diopin_expect_pins(test, snap, 0, "after the short read");
	/* The file was written with zeroes. */
	diopin_expect_user_bytes(test, buf->uaddr, 4 * PAGE_SIZE, 0, 0, true);
	diopin_clear_dirty(snap);
}

/*
 * A fresh UDF filesystem from diopin_image_udf on @dev, its file "z" of UDF_HEAD
 * bytes written buffered (udf_expand_file_adinicb(): the data leaves the ICB,
 * so O_DIRECT is not refused) and opened O_DIRECT.
 */
static struct file *legacy_udf_file(struct kunit *test, dev_t dev, struct vfsmount **mnt)
{
	struct file *file;
	loff_t pos = 0;
	void *head;

	*mnt = diopin_fs_mount_on(test, &diopin_image_udf, dev);
	file = diopin_fs_open(test, *mnt, "z", O_RDWR | O_CREAT);
	head = kunit_kmalloc(test, UDF_HEAD, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, head);
	memset(head, 0x11, UDF_HEAD);
	KUNIT_ASSERT_EQ(test, kernel_write(file, head, UDF_HEAD, &pos), (ssize_t)UDF_HEAD);
	KUNIT_ASSERT_EQ(test, vfs_fsync(file, 0), 0);
	return diopin_fs_open(test, *mnt, "z", O_RDWR | O_DIRECT);
}

/* The device block that holds the file's block @index. */
static sector_t legacy_udf_block(struct kunit *test, struct file *file, sector_t index)
{
	sector_t block = index;

	KUNIT_ASSERT_EQ(test, bmap(file_inode(file), &block), 0);
	KUNIT_ASSERT_NE_MSG(test, block, 0, "file block %llu is not mapped",
			    (unsigned long long)index);
	return block;
}

/*
 * Guards: fs/direct-io.c dio_zero_block(): a legacy-DIO write covering only
 * part of a block the filesystem just allocated (buffer_new() from
 * udf_get_block()) must zero the rest, which it does by adding ZERO_PAGE to the
 * bio in a pinned DIO (submit_page_section() -> dio_pin_page() ->
 * folio_add_pin(), a no-op on the zero folio) and releasing it with the rest
 * (unpin_user_folio() skips it). A 512-byte O_DIRECT write at EOF of a UDF file
 * with 2 KiB blocks: the new block held junk (written beneath the filesystem,
 * where the same allocation on a second copy of the image put the block);
 * afterwards it holds the 512 bytes and 1536 zeroes, the user page is unpinned
 * and clean, the zero page's refcount unmoved.
 */
static void dio_legacy_sub_block_write_zeroes_new_block(struct kunit *test)
{
	const loff_t pos = UDF_HEAD;
	struct diopin_buf *buf = diopin_buf_user(test, 1, DIOPIN_UMAP_PREFAULT);
	struct diopin_snap *snap = diopin_snap_take(test, buf->pages, 1);
	struct folio *zero = page_folio(ZERO_PAGE(0));
	struct file *probe, *file, *bdev;
	struct vfsmount *mnt;
	sector_t block;
	int zero_ref;
	u8 *kbuf;
	size_t k;

	/* Where does the write allocate? The same write on a copy. */
	probe = legacy_udf_file(test, DIOPIN_BRD(DIOPIN_RAM_UDF_PROBE), &mnt);
	KUNIT_ASSERT_EQ(test, diopin_dio_ubuf(test, probe, WRITE, pos, buf, 0, 512), (ssize_t)512);
	block = legacy_udf_block(test, probe, pos / UDF_BLOCK);
	file = legacy_udf_file(test, DIOPIN_BRD(DIOPIN_RAM_UDF_EOF), &mnt);
	bdev = diopin_bdev_open(test, DIOPIN_BRD(DIOPIN_RAM_UDF_EOF));
	kbuf = kunit_kmalloc(test, UDF_BLOCK, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, kbuf);
	memset(kbuf, UDF_JUNK, UDF_BLOCK);
	diopin_bdev_rw(test, file_bdev(bdev), REQ_OP_WRITE, block * UDF_BLOCK, kbuf, UDF_BLOCK);
	diopin_clear_dirty(snap);
	zero_ref = folio_ref_count(zero);
	KUNIT_ASSERT_EQ(test, diopin_dio_ubuf(test, file, WRITE, pos, buf, 0, 512), (ssize_t)512);
	KUNIT_EXPECT_EQ_MSG(test, folio_ref_count(zero), zero_ref,
			    "the zero page's refcount moved");
	KUNIT_EXPECT_FALSE(test, folio_maybe_dma_pinned(zero));
	diopin_expect_pins(test, snap, 0, "after the sub-block write");
	diopin_expect_dirty(test, snap, false, "the source of a write");
	KUNIT_ASSERT_EQ_MSG(test, legacy_udf_block(test, file, pos / UDF_BLOCK), block,
			    "the write allocated another block than on the copy");
	diopin_bdev_rw(test, file_bdev(bdev), REQ_OP_READ, block * UDF_BLOCK, kbuf, UDF_BLOCK);
	KUNIT_EXPECT_EQ_MSG(test, diopin_pattern_mismatch(kbuf, 512, 0, buf->seed),
			    (size_t)512, "the 512 bytes written");
	for (k = 512; k < UDF_BLOCK && !kbuf[k]; k++)
		;
	KUNIT_EXPECT_EQ_MSG(test, k, (size_t)UDF_BLOCK,
			    "byte %zu of the new block is 0x%02x, not zeroed", k,
			    k < UDF_BLOCK ? kbuf[k] : 0);
}

/*
 * Guards: the async decisions of fs/direct-io.c __blockdev_direct_IO() on a
 * device that completes later (UDF on nullb3): an async write that extends the
 * file is made synchronous (dio->is_async = false, so i_size does not move
 * before the data is on disk): the call returns the count, nothing in flight;
 * an async O_DSYNC overwrite stays async, its completion deferred to the
 * workqueue for the sync (dio_set_defer_completion()): -EIOCBQUEUED, completed
 * later. Pins released, bytes read back.
 */
static void dio_legacy_async_extending_write_is_sync(struct kunit *test)
{
	struct vfsmount *mnt;
	struct file *file = legacy_udf_file(test, diopin_nullb_dev(test, DIOPIN_NULLB_VFAT), &mnt);
	struct diopin_buf *buf = diopin_buf_user(test, 1, DIOPIN_UMAP_PREFAULT);
	struct diopin_snap *snap = diopin_snap_take(test, buf->pages, 1);
	const struct diopin_seg seg = { 0, UDF_BLOCK };
	struct diopin_dio_opts o = {};
	struct diopin_buf *chk;
	struct iov_iter iter;

	diopin_iter_build(test, &iter, DIOPIN_UBUF, ITER_SOURCE, buf, &seg, 1);
	KUNIT_EXPECT_EQ(test, diopin_dio_ex(file, WRITE, UDF_HEAD, &iter, true, &o),
			(ssize_t)UDF_BLOCK);
	KUNIT_EXPECT_FALSE_MSG(test, o.later,
			       "an async write that extends the file stayed in flight");
	KUNIT_EXPECT_EQ(test, i_size_read(file_inode(file)), UDF_HEAD + UDF_BLOCK);
	diopin_expect_pins(test, snap, 0, "after the extending write");
	o.ki_flags = IOCB_DSYNC;
	o.hold = true;
	diopin_iter_build(test, &iter, DIOPIN_UBUF, ITER_SOURCE, buf, &seg, 1);
	KUNIT_EXPECT_EQ(test, diopin_dio_ex(file, WRITE, 0, &iter, true, &o), (ssize_t)UDF_BLOCK);
	KUNIT_EXPECT_TRUE_MSG(test, o.later,
			      "an async O_DSYNC overwrite completed inside the call");
	diopin_wait_released(test, snap);
	diopin_expect_pins(test, snap, 0, "after the O_DSYNC overwrite");
	chk = diopin_buf_user(test, 1, 0);
	KUNIT_ASSERT_EQ(test, diopin_dio_ubuf(test, file, READ, 0, chk, 0, UDF_BLOCK),
			(ssize_t)UDF_BLOCK);
	diopin_expect_user_bytes(test, chk->uaddr, UDF_BLOCK, 0, buf->seed, false);
	KUNIT_ASSERT_EQ(test, diopin_dio_ubuf(test, file, READ, UDF_HEAD, chk, 0, UDF_BLOCK),
			(ssize_t)UDF_BLOCK);
	diopin_expect_user_bytes(test, chk->uaddr, UDF_BLOCK, 0, buf->seed, false);
}

static struct kunit_case diopin_dio_legacy_cases[] = {
	KUNIT_CASE(dio_legacy_read_past_eof_unpins_the_rest),
	KUNIT_CASE(dio_legacy_sub_block_write_zeroes_new_block),
	KUNIT_CASE(dio_legacy_async_extending_write_is_sync),
	{}
};

static struct kunit_suite diopin_dio_legacy_suite = {
	.name = "diopin_dio_legacy",
	.test_cases = diopin_dio_legacy_cases,
};

kunit_test_suite(diopin_dio_legacy_suite);

MODULE_DESCRIPTION("KUnit end-to-end O_DIRECT tests through fs/direct-io.c");
MODULE_LICENSE("GPL");
