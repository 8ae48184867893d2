// SPDX-License-Identifier: GPL-2.0
/*
 * diopin_dio_iomap: real O_DIRECT I/O through fs/iomap/direct-io.c on ext2
 * (1 KiB blocks) on brd: user pages pinned by bio_iov_iter_get_pages() and
 * released by iomap_dio_bio_end_io() (bio_check_pages_dirty() for reads,
 * bio_release_pages() for writes); hole reads and block zeroing pin nothing.
 */
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/uio.h>
#include <kunit/test.h>

#include "diopin_target.h"
#include "diopin_images.h"

static struct file *iomap_test_file(struct kunit *test, const char *name)
{
	struct vfsmount *mnt = diopin_fs_mount(test, &diopin_image_ext2, DIOPIN_RAM_EXT2);

	return diopin_fs_open(test, mnt, name, O_RDWR | O_CREAT | O_DIRECT);
}

/*
 * Leave stale pattern in free blocks: write four pages of @file (O_DIRECT),
 * truncate it to 0. New blocks recycle them: one left unzeroed shows it.
 */
static void iomap_recycle_blocks(struct kunit *test, struct file *file)
{
	struct diopin_buf *old = diopin_buf_user(test, 4, DIOPIN_UMAP_PREFAULT);

	KUNIT_ASSERT_EQ(test, diopin_dio_ubuf(test, file, WRITE, 0, old, 0, 4 * PAGE_SIZE),
			(ssize_t)(4 * PAGE_SIZE));
	KUNIT_ASSERT_EQ(test, vfs_truncate(&file->f_path, 0), 0);
}

/*
 * Guards: iomap_dio_zero(): a 512-byte write into the second half of a new
 * 1 KiB block (block 4) zeroes the first half on disk, in a bio that pins
 * nothing (the recycled block shows stale pattern otherwise). 7.2 zeroes
 * from the shared zero folio (largest_zero_folio()), whose refcount must not
 * move; 6.12 from a page private to iomap that a test cannot reach, so there
 * the bytes are the whole check (diopin_iomap_zero_folio()).
 */
static void dio_iomap_subblock_write_zeroes_the_rest(struct kunit *test)
{
	struct file *file = iomap_test_file(test, "subblock");
	struct diopin_buf *w = diopin_buf_user(test, 1, DIOPIN_UMAP_PREFAULT);
	struct diopin_buf *r = diopin_buf_user(test, 1, DIOPIN_UMAP_PREFAULT);
	struct diopin_snap *wsnap = diopin_snap_take(test, w->pages, 1);
	struct diopin_snap *rsnap = diopin_snap_take(test, r->pages, 1);
	struct folio *zero = diopin_iomap_zero_folio();
	int zero_ref = zero ? folio_ref_count(zero) : 0;

	iomap_recycle_blocks(test, file);
	KUNIT_ASSERT_EQ(test, diopin_dio_ubuf(test, file, WRITE, 4096 + 512, w, 0, 512), 512);
	if (zero)
		KUNIT_EXPECT_EQ_MSG(test, folio_ref_count(zero), zero_ref,
				    "the zero folio's refcount moved");
	else
		kunit_info(test, "zero folio refcount not checked: this kernel's iomap zeroes from a page private to fs/iomap/direct-io.c (the bytes are the check)");
	diopin_expect_pins(test, wsnap, 0, "after the sub-block write");
	KUNIT_ASSERT_EQ(test, diopin_dio_ubuf(test, file, READ, 4096, r, 0, 1024), 1024);
	diopin_expect_user_bytes(test, r->uaddr, 512, 0, 0, true);
	diopin_expect_user_bytes(test, r->uaddr + 512, 512, 0, w->seed, false);
	diopin_expect_pins(test, rsnap, 0, "after the read");
	diopin_clear_dirty(rsnap);
}

/*
 * Guards: the tail zeroing at the end of iomap_dio_bio_iter(): a write
 * ending inside a new block (IOMAP_F_NEW: need_zeroout; also past EOF)
 * zeroes the rest of it with iomap_dio_zero(), so a later size extension
 * cannot expose stale bytes (the case above covers the leading pad; the
 * pos >= i_size clause alone is not exercised). 512 bytes at the start of a
 * recycled block at EOF, the file truncated up over it (no page cache), read
 * back: the 512 bytes, then zeroes, not the old pattern; w's page released.
 */
static void dio_iomap_subblock_write_at_eof_zeroes_the_tail(struct kunit *test)
{
	struct file *file = iomap_test_file(test, "tail");
	struct diopin_buf *w = diopin_buf_user(test, 1, DIOPIN_UMAP_PREFAULT);
	struct diopin_buf *r = diopin_buf_user(test, 1, DIOPIN_UMAP_PREFAULT);
	struct diopin_snap *wsnap = diopin_snap_take(test, w->pages, 1);

	iomap_recycle_blocks(test, file);
	KUNIT_ASSERT_EQ(test, diopin_dio_ubuf(test, file, WRITE, 4096, w, 0, 512), 512);
	KUNIT_EXPECT_EQ(test, i_size_read(file_inode(file)), 4096 + 512);
	diopin_expect_pins(test, wsnap, 0, "after the sub-block write at EOF");
	KUNIT_ASSERT_EQ(test, vfs_truncate(&file->f_path, 4096 + 1024), 0);
	KUNIT_ASSERT_EQ(test, diopin_dio_ubuf(test, file, READ, 4096, r, 0, 1024), 1024);
	diopin_expect_user_bytes(test, r->uaddr, 512, 0, w->seed, false);
	diopin_expect_user_bytes(test, r->uaddr + 512, 512, 0, 0, true);
}

/*
 * Guards: iomap_dio_hole_iter(): a hole reads as zeroes copied into the user
 * buffer (iov_iter_zero(), no pins at all), the data after it from the disk.
 */
static void dio_iomap_read_hole_is_zeroes(struct kunit *test)
{
	struct file *file = iomap_test_file(test, "sparse");
	struct diopin_buf *w = diopin_buf_user(test, 1, DIOPIN_UMAP_PREFAULT);
	struct diopin_buf *r = diopin_buf_user(test, 3, DIOPIN_UMAP_PREFAULT);
	struct diopin_snap *rsnap = diopin_snap_take(test, r->pages, 3);

	KUNIT_ASSERT_EQ(test, diopin_dio_ubuf(test, file, WRITE, 2 * PAGE_SIZE, w, 0, PAGE_SIZE),
			(ssize_t)PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, diopin_dio_ubuf(test, file, READ, 0, r, 0, 3 * PAGE_SIZE),
			(ssize_t)(3 * PAGE_SIZE));
	diopin_expect_user_bytes(test, r->uaddr, 2 * PAGE_SIZE, 0, 0, true);
	diopin_expect_user_bytes(test, r->uaddr + 2 * PAGE_SIZE, PAGE_SIZE, 0, w->seed, false);
	diopin_expect_pins(test, rsnap, 0, "after reading a hole");
	diopin_clear_dirty(rsnap);
}

/*
 * Guards: __iomap_dio_rw()'s i_size clamp for reads: a read past EOF returns
 * only the bytes up to EOF, pins nothing past it and leaves nothing pinned.
 */
static void dio_iomap_read_past_eof_is_short(struct kunit *test)
{
	struct file *file = iomap_test_file(test, "short");
	struct diopin_buf *w = diopin_buf_user(test, 2, DIOPIN_UMAP_PREFAULT);
	struct diopin_buf *r = diopin_buf_user(test, 4, DIOPIN_UMAP_PREFAULT);
	struct diopin_snap *rsnap = diopin_snap_take(test, r->pages, 4);
	const struct diopin_seg all = { 0, 4 * PAGE_SIZE };
	struct iov_iter iter;

	KUNIT_ASSERT_EQ(test, diopin_dio_ubuf(test, file, WRITE, 0, w, 0, 6144), 6144);
	KUNIT_ASSERT_EQ(test, i_size_read(file_inode(file)), 6144);
	diopin_iter_build(test, &iter, DIOPIN_UBUF, ITER_DEST, r, &all, 1);
	KUNIT_EXPECT_EQ(test, diopin_dio(file, READ, 0, &iter, false), 6144);
	KUNIT_EXPECT_EQ(test, iov_iter_count(&iter), 4 * PAGE_SIZE - 6144);
	diopin_expect_user_bytes(test, r->uaddr, 6144, 0, w->seed, false);
	/* past EOF the buffer is not promised (iomap zero-fills a hole there) */
	diopin_expect_pins(test, rsnap, 0, "after the short read");
	diopin_clear_dirty(rsnap);
}

struct sync_case {
	const char *desc;
	int ki_flags;
	bool inode_written;
};

static const struct sync_case sync_cases[] = {
	{ .desc = "O_DSYNC: written through, no sync at completion", .ki_flags = IOCB_DSYNC },
	{ .desc = "O_SYNC: generic_write_sync() writes the inode",
	  .ki_flags = IOCB_DSYNC | IOCB_SYNC, .inode_written = true },
};

KUNIT_ARRAY_PARAM_DESC(sync, sync_cases, desc);

/*
 * Guards: iomap DIO write sync completion. __iomap_dio_rw() sets
 * IOMAP_DIO_NEED_SYNC for O_DSYNC and O_SYNC, IOMAP_DIO_WRITE_THROUGH only
 * for datasync-only: on brd (no volatile write cache) its bios go FUA
 * (stripped by submit_bio_noacct()) and it clears NEED_SYNC: no sync at
 * completion. O_SYNC keeps NEED_SYNC: iomap_dio_complete() calls
 * generic_write_sync(), whose ext2_fsync() (datasync 0) writes the dirty
 * inode (sync_inode_metadata()). Seen in I_DIRTY_SYNC: set before (new file,
 * written, size set), clear after O_SYNC, set after O_DSYNC (a datasync fsync
 * would write it too: I_DIRTY_DATASYNC pending). All: count, bytes, no pin.
 */
static void dio_iomap_sync_overwrite(struct kunit *test)
{
	const struct sync_case *c = test->param_value;
	struct file *file = iomap_test_file(test, "sync");
	struct inode *inode = file_inode(file);
	struct diopin_buf *buf = diopin_buf_user(test, 4, DIOPIN_UMAP_PREFAULT);
	struct diopin_snap *snap = diopin_snap_take(test, buf->pages, 4);
	struct diopin_dio_opts o = { .ki_flags = c->ki_flags };
	const struct diopin_seg seg = { 0, 4 * PAGE_SIZE };
	struct iov_iter iter;

	diopin_dio_prefill(test, file, 4, buf);
	KUNIT_ASSERT_TRUE_MSG(test, diopin_inode_state(inode) & I_DIRTY_SYNC,
			      "the new file's inode is not dirty before the write");
	diopin_iter_build(test, &iter, DIOPIN_UBUF, ITER_SOURCE, buf, &seg, 1);
	KUNIT_EXPECT_EQ(test, diopin_dio_ex(file, WRITE, 0, &iter, false, &o), (ssize_t)seg.len);
	KUNIT_EXPECT_EQ_MSG(test, !(diopin_inode_state(inode) & I_DIRTY_SYNC),
			    c->inode_written, "inode state %#x after the write",
			    (unsigned int)diopin_inode_state(inode));
	diopin_expect_pins(test, snap, 0, "after the write");
	diopin_expect_user_bytes(test, diopin_dio_readback(test, file, 4)->uaddr,
				 seg.len, 0, buf->seed, false);
}

static struct kunit_case diopin_dio_iomap_cases[] = {
	KUNIT_CASE(dio_iomap_subblock_write_zeroes_the_rest),
	KUNIT_CASE(dio_iomap_subblock_write_at_eof_zeroes_the_tail),
	KUNIT_CASE(dio_iomap_read_hole_is_zeroes),
	KUNIT_CASE(dio_iomap_read_past_eof_is_short),
	KUNIT_CASE_PARAM(dio_iomap_sync_overwrite, sync_gen_params),
	{}
};

static struct kunit_suite diopin_dio_iomap_suite = {
	.name = "diopin_dio_iomap",
	.test_cases = diopin_dio_iomap_cases,
};

kunit_test_suite(diopin_dio_iomap_suite);

MODULE_DESCRIPTION("KUnit end-to-end O_DIRECT tests through fs/iomap/direct-io.c");
MODULE_LICENSE("GPL");
