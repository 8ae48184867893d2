// SPDX-License-Identifier: GPL-2.0
/*
 * diopin_fault: the failure paths of the O_DIRECT implementations.
 *
 * The conversion's bugs have lived where an I/O goes wrong: dio_cleanup()
 * after an error (d44c40420783), the page array of a faulting extraction.
 * Each case fails the 1st, 2nd, 3rd ... bio that one O_DIRECT call submits
 * to its ram disk, until the call completes untouched, and after every
 * round checks what the caller was told, that every page is back at its
 * baseline refcount and pin state, that read pages are dirty wherever bytes
 * landed, and which bytes moved.
 *
 * The bios are failed by the kernel's own fault injection: the disk is
 * flagged BD_MAKE_IT_FAIL, the task's fail_nth is armed for the call, and
 * submit_bio_noacct() ends the n-th bio with BLK_STS_IOERR
 * (should_fail_bio(), CONFIG_FAIL_MAKE_REQUEST). Only bios to a flagged
 * disk count, the filesystem's metadata reads included; a fresh cold mount
 * per round makes the sequence the same each time.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/sched.h>
#include <linux/uio.h>
#include <kunit/test.h>

#include "diopin_fixture.h"
#include "diopin_images.h"

#define P		PAGE_SIZE
#define FAULT_BDEV	6	/* /dev/ram6 */
#define FAULT_IOMAP	7	/* /dev/ram7: ext2 */
#define FAULT_LEGACY	8	/* /dev/ram8: vfat */
#define MAX_ROUNDS	64
#define VFAT_PREALLOC	(512 * 1024)

/* ---- fault injection ---- */

static void fault_disk_clear(void *bdev)
{
	bdev_clear_flag(bdev, BD_MAKE_IT_FAIL);
}

/* Flag the disk of @bdev BD_MAKE_IT_FAIL until the test ends. */
static void fault_flag_disk(struct kunit *test, struct block_device *bdev)
{
	struct block_device *whole = bdev_whole(bdev);

	bdev_set_flag(whole, BD_MAKE_IT_FAIL);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, fault_disk_clear, whole));
}

/*
 * diopin_dio() with the task's fail_nth armed: the @nth should_fail() the
 * task reaches during the call fails. With FAIL_MAKE_REQUEST the only fault
 * type configured, that is the @nth bio submitted to a flagged disk.
 * fail_nth is cleared before anything else runs. *@failed says whether the
 * @nth call came (false: the I/O made fewer and ran untouched).
 */
static ssize_t fault_dio_nth(struct file *file, int rw, struct iov_iter *iter,
			     bool async, unsigned int nth, bool *failed)
{
	ssize_t ret;

	WRITE_ONCE(current->fail_nth, nth);
	ret = diopin_dio(file, rw, 0, iter, async);
	*failed = !READ_ONCE(current->fail_nth);
	WRITE_ONCE(current->fail_nth, 0);
	return ret;
}

/* ---- the O_DIRECT paths ---- */

enum fault_path {
	PATH_BDEV,	/* block/fops.c on /dev/ram6 */
	PATH_IOMAP,	/* fs/iomap/direct-io.c, ext2 on /dev/ram7 */
	PATH_LEGACY,	/* fs/direct-io.c, vfat on /dev/ram8 */
};

/*
 * One failed round: the pages whose bytes did not move, [first, end), and
 * for a read the pages [0, dirty) that were in a submitted bio and are
 * dirty (the rest were never in a bio and stay clean).
 */
struct fault_run {
	unsigned int first, end, dirty;
};

#define FAULT_MAX_BIOS	4

/*
 * Each path issues a known sequence of bios for its call (the layouts are
 * fixed: fresh images, no two user pages physically contiguous), so each
 * round has one exact outcome. block/fops.c and fs/direct-io.c go on with
 * the other bios after one failed; iomap stops at the failure.
 */
struct fault_layout {
	unsigned int npages;
	unsigned int nbios;	/* bios (data and metadata) of the call */
	struct fault_run lost[FAULT_MAX_BIOS];	/* when bio n + 1 fails */
};

/* 16 KiB: one bio */
static const struct fault_layout one_bio = { 4, 1, { { 0, 4, 4 } } };

/* 1.25 MiB: a bio of BIO_MAX_VECS pages, then one of 64 */
static const struct fault_layout two_bios = {
	320, 2, { { 0, 256, 320 }, { 256, 320, 320 } }
};

/*
 * ext2, 1 KiB blocks, 64 KiB: the 12 direct blocks (pages 0-2), then the
 * indirect block is read, then the rest.
 */
static const struct fault_layout ext2_indirect = {
	16, 3, { { 0, 16, 3 }, { 3, 16, 3 }, { 3, 16, 16 } }
};

/*
 * vfat, 32 KiB clusters, 128 KiB: the FAT is read when the second cluster
 * is mapped, with the first cluster's pages queued in a bio that
 * __blockdev_direct_IO() still submits after the error; then one data bio.
 */
static const struct fault_layout vfat_fat_read = {
	32, 2, { { 8, 32, 8 }, { 0, 32, 32 } }
};

struct fault_case {
	const char *desc;
	enum fault_path path;
	int rw;
	bool async;
	const struct fault_layout *l;
};

static const struct fault_case fault_cases[] = {
	{ "block/fops.c simple, sync read 16 KiB", PATH_BDEV, READ, false, &one_bio },
	{ "block/fops.c simple, sync write 16 KiB", PATH_BDEV, WRITE, false, &one_bio },
	{ "block/fops.c async, read 16 KiB", PATH_BDEV, READ, true, &one_bio },
	{ "block/fops.c async, write 16 KiB", PATH_BDEV, WRITE, true, &one_bio },
	{ "block/fops.c multi-bio, sync read 1.25 MiB", PATH_BDEV, READ, false,
	  &two_bios },
	{ "block/fops.c multi-bio, sync write 1.25 MiB", PATH_BDEV, WRITE, false,
	  &two_bios },
	{ "block/fops.c multi-bio, async read 1.25 MiB", PATH_BDEV, READ, true,
	  &two_bios },
	{ "block/fops.c multi-bio, async write 1.25 MiB", PATH_BDEV, WRITE, true,
	  &two_bios },
	{ "iomap on ext2, cold read 64 KiB", PATH_IOMAP, READ, false,
	  &ext2_indirect },
	{ "iomap on ext2, cold overwrite 64 KiB", PATH_IOMAP, WRITE, false,
	  &ext2_indirect },
	{ "fs/direct-io.c on vfat, cold read 128 KiB", PATH_LEGACY, READ, false,
	  &vfat_fat_read },
	{ "fs/direct-io.c on vfat, cold overwrite 128 KiB", PATH_LEGACY, WRITE,
	  false, &vfat_fat_read },
};

KUNIT_ARRAY_PARAM_DESC(fault, fault_cases, desc);

/* What one round works on: the file, and what is on it before the call. */
struct fault_target {
	const struct fault_case *c;
	struct vfsmount *mnt;
	struct file *file;
	struct diopin_buf *buf;	/* the caller's buffer */
	struct diopin_buf *old;	/* the file's bytes before the call */
	bool flagged;		/* the disk fails bios when fail_nth says so */
};

static const struct diopin_image *fault_image(const struct fault_case *c)
{
	return c->path == PATH_IOMAP ? &diopin_image_ext2 : &diopin_image_vfat;
}

static unsigned int fault_minor(const struct fault_case *c)
{
	return c->path == PATH_BDEV ? FAULT_BDEV :
	       c->path == PATH_IOMAP ? FAULT_IOMAP : FAULT_LEGACY;
}

/*
 * A fresh filesystem holding a file whose first npages pages are allocated
 * (vfat: preallocated by a buffered write, since fat_direct_IO() leaves
 * writes past the allocated size to buffered I/O).
 */
static struct file *fault_fs_file(struct kunit *test, struct fault_target *t)
{
	struct file *file;
	loff_t pos = 0;
	size_t len;
	void *zero;

	t->mnt = diopin_fs_mount(test, fault_image(t->c), fault_minor(t->c));
	if (t->c->path == PATH_IOMAP)
		return diopin_fs_open(test, t->mnt, "data",
				      O_RDWR | O_CREAT | O_DIRECT);
	len = max_t(size_t, VFAT_PREALLOC, t->c->l->npages * P);
	file = diopin_fs_open(test, t->mnt, "data", O_RDWR | O_CREAT);
	zero = kunit_kzalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, zero);
	KUNIT_ASSERT_EQ(test, kernel_write(file, zero, len, &pos), (ssize_t)len);
	KUNIT_ASSERT_EQ(test, vfs_fsync(file, 0), 0);
	kunit_kfree(test, zero);
	diopin_fs_close(test, file);
	return diopin_fs_open(test, t->mnt, "data", O_RDWR | O_DIRECT);
}

/*
 * Set up one round: a caller's buffer, the file's old bytes (a pattern
 * neither zero nor the buffer's), and for a filesystem a cold mount, so
 * that the call reads the metadata it needs.
 */
static void fault_round_setup(struct kunit *test, struct fault_target *t)
{
	t->buf = diopin_buf_user(test, t->c->l->npages, DIOPIN_UMAP_PREFAULT);
	if (t->c->path == PATH_BDEV) {
		if (!t->file)
			t->file = diopin_bdev_open(test, DIOPIN_BRD(FAULT_BDEV));
		if (!t->flagged)
			fault_flag_disk(test, file_bdev(t->file));
		t->flagged = true;
		t->old = diopin_dio_prefill(test, t->file, t->c->l->npages, t->buf);
		return;
	}
	if (!t->file)
		t->file = fault_fs_file(test, t);
	t->old = diopin_dio_prefill(test, t->file, t->c->l->npages, t->buf);
	diopin_fs_close(test, t->file);
	t->mnt = diopin_fs_remount_cold(test, t->mnt, fault_image(t->c),
					fault_minor(t->c));
	t->file = diopin_fs_open(test, t->mnt, "data", O_RDWR | O_DIRECT);
	if (!t->flagged)
		fault_flag_disk(test, t->mnt->mnt_sb->s_bdev);
	t->flagged = true;
}

/*
 * Which pages hold moved bytes: for a read, the user pages that hold the
 * file's bytes (the others must hold their own); for a write, the file's
 * pages that hold the buffer's bytes (the others must hold the old ones).
 * A page that holds neither fails the test.
 */
static void fault_moved(struct kunit *test, struct fault_target *t,
			bool *moved)
{
	const struct fault_case *c = t->c;
	u32 now, before;
	struct diopin_buf *src;
	u8 *tmp;
	unsigned int k;

	if (c->rw == READ) {
		src = t->buf;
		now = t->old->seed;
		before = t->buf->seed;
	} else {
		src = diopin_dio_readback(test, t->file, c->l->npages);
		now = t->buf->seed;
		before = t->old->seed;
	}
	tmp = kunit_kmalloc(test, P, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tmp);
	for (k = 0; k < c->l->npages; k++) {
		KUNIT_ASSERT_EQ(test, 0,
				copy_from_user(tmp, src->uaddr + k * P, P));
		moved[k] = diopin_pattern_mismatch(tmp, P, k * P, now) == P;
		if (!moved[k])
			KUNIT_EXPECT_EQ_MSG(test, diopin_pattern_mismatch(tmp, P, k * P,
									  before), P,
					    "page %u holds neither the old nor the new bytes",
					    k);
	}
	kunit_kfree(test, tmp);
}

/*
 * After bio @nth failed (or the call ran untouched, @run says no page
 * kept its bytes): exactly the pages outside @run moved, and exactly the
 * pages of submitted read bios are dirty. First mismatch only.
 */
static void fault_expect_round(struct kunit *test, const struct fault_case *c,
			       const struct diopin_snap *snap, const bool *moved,
			       const struct fault_run *run, unsigned int nth)
{
	unsigned int k;
	bool dirty;

	for (k = 0; k < c->l->npages; k++) {
		if (moved[k] != (k < run->first || k >= run->end)) {
			KUNIT_FAIL(test, "bio %u failed: page %u %s (%u..%u keep their bytes)",
				   nth, k, moved[k] ? "moved" : "did not move",
				   run->first, run->end - 1);
			break;
		}
	}
	for (k = 0; k < c->l->npages; k++) {
		dirty = folio_test_dirty(page_folio(snap->s[k].page));
		if (dirty != (c->rw == READ && k < run->dirty)) {
			KUNIT_FAIL(test, "bio %u failed: page %u is %s (%s)", nth, k,
				   dirty ? "dirty" : "clean",
				   c->rw == WRITE ? "a write source" :
				   k < run->dirty ? "it was in a submitted read bio" :
				   "it was never in a bio");
			break;
		}
	}
}

/*
 * Guards, per path, the failure handling of each bio and of the metadata
 * reads in between:
 * block/fops.c: __blkdev_direct_IO_simple() bio_release_pages(&bio,
 * should_dirty) and the bi_status it returns; __blkdev_direct_IO() and
 * blkdev_bio_end_io() (bi_status kept in dio->bio, bio_check_pages_dirty()
 * or bio_release_pages() per bio, -EIO to the waiter or ki_complete);
 * __blkdev_direct_IO_async() and blkdev_bio_end_io_async().
 * fs/iomap/direct-io.c: iomap_dio_bio_end_io(), the dio->error check that
 * stops iomap_dio_bio_iter(), iomap_dio_complete() returning the error.
 * fs/direct-io.c: dio_bio_complete() (io_error), dio_cleanup() and the
 * submission of the queued bio after a get_block() error, dio_complete().
 */
static void fault_bio_sweep(struct kunit *test)
{
	const struct fault_case *c = test->param_value;
	struct fault_target t = { .c = c };
	const struct fault_run untouched = { 0, 0, c->l->npages };
	unsigned int nth;
	const size_t total = c->l->npages * P;
	struct diopin_snap *snap;
	struct iov_iter iter;
	bool failed, *moved;
	ssize_t ret;

	moved = kunit_kcalloc(test, c->l->npages, sizeof(*moved), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, moved);
	for (nth = 1; nth <= MAX_ROUNDS; nth++) {
		fault_round_setup(test, &t);
		snap = diopin_snap_take(test, t.buf->pages, c->l->npages);
		diopin_iter_build(test, &iter, DIOPIN_UBUF,
				  c->rw == READ ? ITER_DEST : ITER_SOURCE, t.buf,
				  &(struct diopin_seg){ 0, total }, 1);
		ret = fault_dio_nth(t.file, c->rw, &iter, c->async, nth, &failed);

		diopin_expect_pins(test, snap, 0, failed ? "after the failed call" :
				   "after the untouched call");
		fault_moved(test, &t, moved);
		if (!failed) {
			KUNIT_EXPECT_EQ(test, ret, (ssize_t)total);
			fault_expect_round(test, c, snap, moved, &untouched, nth);
			break;
		}
		KUNIT_EXPECT_EQ_MSG(test, ret, (ssize_t)-EIO, "bio %u failed", nth);
		KUNIT_ASSERT_LE_MSG(test, nth, c->l->nbios, "more bios than this path issues");
		fault_expect_round(test, c, snap, moved, &c->l->lost[nth - 1], nth);
		diopin_clear_dirty(snap);
		if (test->status == KUNIT_FAILURE)
			break;
	}
	KUNIT_ASSERT_LE_MSG(test, nth, MAX_ROUNDS, "still failing after %u bios",
			    MAX_ROUNDS);
	kunit_info(test, "%u bio(s) failed in turn, then the call ran untouched",
		   nth - 1);
	KUNIT_EXPECT_EQ_MSG(test, nth - 1, c->l->nbios, "bios this path issues");
}

/*
 * Guards: the IOCB_NOWAIT branch of __blkdev_direct_IO() in block/fops.c:
 * an I/O that needs a second bio is refused with -EAGAIN after the first
 * was built, whose pins bio_release_pages() drops; nothing is read,
 * written or dirtied.
 */
static void fault_nowait_multi_bio_eagain(struct kunit *test)
{
	struct file *file = diopin_bdev_open(test, DIOPIN_BRD(FAULT_BDEV));
	struct diopin_buf *buf = diopin_buf_user(test, 320, DIOPIN_UMAP_PREFAULT);
	const struct diopin_seg seg = { 0, 320 * P };
	struct diopin_buf *old, *chk;
	struct diopin_snap *snap;
	struct iov_iter iter;
	int rw;

	old = diopin_dio_prefill(test, file, 320, buf);
	snap = diopin_snap_take(test, buf->pages, 320);
	for (rw = READ; rw <= WRITE; rw++) {
		diopin_iter_build(test, &iter, DIOPIN_UBUF,
				  rw == READ ? ITER_DEST : ITER_SOURCE, buf, &seg, 1);
		KUNIT_EXPECT_EQ(test, diopin_dio_flags(file, rw, 0, &iter, false,
						       IOCB_NOWAIT),
				(ssize_t)-EAGAIN);
		diopin_expect_pins(test, snap, 0, rw == READ ? "after the read" :
				   "after the write");
		diopin_expect_dirty(test, snap, false, "after the refused call");
	}
	diopin_expect_user_bytes(test, buf->uaddr, 320 * P, 0, buf->seed, false);
	chk = diopin_dio_readback(test, file, 320);
	diopin_expect_user_bytes(test, chk->uaddr, 320 * P, 0, old->seed, false);
}

static struct kunit_case diopin_fault_cases[] = {
	KUNIT_CASE_PARAM(fault_bio_sweep, fault_gen_params),
	KUNIT_CASE(fault_nowait_multi_bio_eagain),
	{}
};

static struct kunit_suite diopin_fault_suite = {
	.name = "diopin_fault",
	.test_cases = diopin_fault_cases,
};

kunit_test_suite(diopin_fault_suite);

MODULE_DESCRIPTION("KUnit failure-path tests of O_DIRECT page pinning");
MODULE_LICENSE("GPL");
