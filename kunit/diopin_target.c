// SPDX-License-Identifier: GPL-2.0
/*
 * DIO targets: the O_DIRECT paths as rows, the cross product of targets
 * and shapes that parameterizes a property case, and the round trip every
 * target runs. See diopin_target.h.
 */
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/slab.h>
#include <kunit/test.h>

#include "diopin_target.h"
#include "diopin_images.h"

/* vfat files are preallocated this far (fat_direct_IO() does not extend) */
#define VFAT_PREALLOC	(512 * 1024)
/* ext2's and ext4's images span brd's 4 MiB; their files stay below */
#define FS_BYTES	(3 * 1024 * 1024 / 2)

#define TARGET(_name, _path, _img, _later, _dev, _max, _align, _pos)	\
	{ .name = (_name), .path = (_path), .img = (_img), .later = (_later), \
	  .dev = (_dev), .max_bytes = (_max), .align = (_align), .pos = (_pos) }

const struct diopin_target diopin_targets[DIOPIN_NTARGETS] = {
	[DIOPIN_T_BDEV] = TARGET("block/fops.c on brd", DIOPIN_PATH_BDEV, NULL,
				 false, DIOPIN_RAM_BDEV, SZ_2M, 512, 0),
	[DIOPIN_T_EXT2] = TARGET("iomap ext2 on brd", DIOPIN_PATH_IOMAP, &diopin_image_ext2,
				 false, DIOPIN_RAM_EXT2, FS_BYTES, 1024, 0),
	[DIOPIN_T_EXT4] = TARGET("iomap ext4 on brd", DIOPIN_PATH_IOMAP, &diopin_image_ext4,
				 false, DIOPIN_RAM_EXT4, FS_BYTES, 1024, 0),
	[DIOPIN_T_VFAT] = TARGET("direct-io.c vfat on brd", DIOPIN_PATH_LEGACY,
				 &diopin_image_vfat, false, DIOPIN_RAM_VFAT,
				 VFAT_PREALLOC, 512, 0),
	[DIOPIN_T_BDEV_LATER] = TARGET("block/fops.c on null_blk", DIOPIN_PATH_BDEV, NULL,
				       true, DIOPIN_NULLB_BDEV, SZ_2M, 512, 0),
	[DIOPIN_T_EXT2_LATER] = TARGET("iomap ext2 on null_blk", DIOPIN_PATH_IOMAP,
				       &diopin_image_ext2, true, DIOPIN_NULLB_EXT2,
				       FS_BYTES, 1024, 0),
	[DIOPIN_T_EXT4_LATER] = TARGET("iomap ext4 on null_blk", DIOPIN_PATH_IOMAP,
				       &diopin_image_ext4, true, DIOPIN_NULLB_EXT4,
				       FS_BYTES, 1024, 0),
	[DIOPIN_T_VFAT_LATER] = TARGET("direct-io.c vfat on null_blk", DIOPIN_PATH_LEGACY,
				       &diopin_image_vfat, true, DIOPIN_NULLB_VFAT,
				       VFAT_PREALLOC, 512, 0),
};

static dev_t target_dev(struct kunit *test, const struct diopin_target *t)
{
	return t->later ? diopin_nullb_dev(test, t->dev) : DIOPIN_BRD(t->dev);
}

/* A vfat file of VFAT_PREALLOC zeroes, written back: its clusters exist. */
static void target_vfat_prealloc(struct kunit *test, struct vfsmount *mnt)
{
	struct file *file = diopin_fs_open(test, mnt, "data", O_RDWR | O_CREAT);
	loff_t pos = 0;
	void *zero;

	zero = kvzalloc(VFAT_PREALLOC, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, zero);
	diopin_defer_kvfree(test, zero);
	KUNIT_ASSERT_EQ(test, kernel_write(file, zero, VFAT_PREALLOC, &pos),
			(ssize_t)VFAT_PREALLOC);
	KUNIT_ASSERT_EQ(test, vfs_fsync(file, 0), 0);
	diopin_fs_close(test, file);
}

struct file *diopin_target_open(struct kunit *test,
				const struct diopin_target *t, size_t prefill,
				struct diopin_buf **old)
{
	struct diopin_buf *content, *none;
	struct vfsmount *mnt;
	struct file *file;

	KUNIT_ASSERT_LE(test, prefill, t->max_bytes);
	if (!t->img) {
		file = diopin_bdev_open(test, target_dev(test, t));
	} else {
		mnt = diopin_fs_mount_on(test, t->img, target_dev(test, t));
		if (t->path == DIOPIN_PATH_LEGACY)
			target_vfat_prealloc(test, mnt);
		file = diopin_fs_open(test, mnt, "data", O_RDWR | O_CREAT | O_DIRECT);
	}
	if (!prefill)
		return file;
	KUNIT_ASSERT_EQ(test, prefill % PAGE_SIZE, 0);
	none = diopin_buf_user(test, 1, 0);
	content = diopin_dio_prefill(test, file, prefill / PAGE_SIZE, none);
	if (old)
		*old = content;
	return file;
}

size_t diopin_shape_bytes(const struct diopin_dio_shape *shape)
{
	size_t total = 0;
	unsigned int i;

	for (i = 0; i < shape->nsegs; i++)
		total += shape->segs[i].len;
	return total;
}

const void *diopin_rows_next(struct diopin_row *rows, const void *shapes,
			     size_t size, unsigned int nshapes,
			     bool (*applies)(const struct diopin_target *t,
					     const void *shape),
			     const void *prev, char *desc)
{
	const struct diopin_row *row;
	unsigned int t, s, n = 0;

	if (!prev) {
		memset(rows, 0, sizeof(*rows) * DIOPIN_NTARGETS * nshapes);
		for (t = 0; t < DIOPIN_NTARGETS; t++)
			for (s = 0; s < nshapes; s++) {
				const void *shape = shapes + s * size;

				if (!applies(&diopin_targets[t], shape))
					continue;
				rows[n].t = &diopin_targets[t];
				rows[n++].shape = shape;
			}
		row = rows;
	} else {
		row = (const struct diopin_row *)prev + 1;
	}
	if (row >= rows + DIOPIN_NTARGETS * nshapes || !row->t)
		return NULL;
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s: %s", row->t->name,
		 *(const char * const *)row->shape);
	return row;
}

struct diopin_snap *diopin_shape_snap(struct kunit *test, struct diopin_buf *buf,
				      const struct diopin_dio_shape *shape)
{
	struct page **pages;
	unsigned int i, k, n = 0;
	bool *seen;

	pages = kunit_kcalloc(test, buf->npages, sizeof(*pages), GFP_KERNEL);
	seen = kunit_kcalloc(test, buf->npages, sizeof(*seen), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	for (i = 0; i < shape->nsegs; i++) {
		const struct diopin_seg *seg = &shape->segs[i];

		for (k = seg->off / PAGE_SIZE;
		     k <= (seg->off + seg->len - 1) / PAGE_SIZE; k++)
			seen[k] = true;
	}
	for (k = 0; k < buf->npages; k++)
		if (seen[k])
			pages[n++] = buf->pages[k];
	return diopin_snap_take(test, pages, n);
}

/* One direction of the round trip; returns whether it completed later. */
static void roundtrip_one(struct kunit *test, const struct diopin_target *t,
			  const struct diopin_dio_shape *shape, struct file *file,
			  int rw, struct diopin_buf *buf, struct diopin_snap *snap)
{
	const bool later = shape->async && t->later;
	struct diopin_dio_opts o = { .hold = later };
	const char *what = rw == READ ? "read" : "write";
	struct iov_iter iter;
	size_t total;

	total = diopin_iter_build(test, &iter, shape->type,
				  rw == READ ? ITER_DEST : ITER_SOURCE, buf,
				  shape->segs, shape->nsegs);
	KUNIT_ASSERT_EQ_MSG(test, diopin_dio_ex(file, rw, t->pos + shape->pos, &iter,
						shape->async, &o),
			    (ssize_t)total, "O_DIRECT %s", what);
	KUNIT_EXPECT_EQ(test, iov_iter_count(&iter), 0);
	KUNIT_EXPECT_EQ_MSG(test, o.later, later,
			    "the %s returned -EIOCBQUEUED before it completed", what);
	if (o.later)
		diopin_wait_released(test, snap);
	diopin_expect_pins(test, snap, 0, rw == READ ? "read pages after the read" :
			   "source pages after the write");
	diopin_expect_dirty(test, snap, rw == READ, rw == READ ?
			    "read pages after the read" : "source pages after the write");
}

void diopin_dio_roundtrip(struct kunit *test, const struct diopin_target *t,
			  const struct diopin_dio_shape *shape)
{
	const size_t end = t->pos + shape->pos + diopin_shape_bytes(shape);
	struct folio *zero = page_folio(ZERO_PAGE(0));
	struct diopin_snap *wsnap, *rsnap;
	struct diopin_buf *wbuf, *rbuf;
	struct file *file;
	int zero_ref;
	unsigned int i;

	/* an async write that extends an ext2 or ext4 file waits for itself */
	file = diopin_target_open(test, t, t->later && t->img ?
				  round_up(end, PAGE_SIZE) : 0, NULL);
	wbuf = diopin_buf_user(test, shape->npages, DIOPIN_UMAP_PREFAULT);
	rbuf = diopin_buf_user(test, shape->npages, DIOPIN_UMAP_PREFAULT);
	wsnap = diopin_shape_snap(test, wbuf, shape);
	rsnap = diopin_shape_snap(test, rbuf, shape);
	zero_ref = folio_ref_count(zero);

	roundtrip_one(test, t, shape, file, WRITE, wbuf, wsnap);
	roundtrip_one(test, t, shape, file, READ, rbuf, rsnap);
	diopin_clear_dirty(rsnap);

	/* What was read is what was written, and the source is as it was. */
	for (i = 0; i < shape->nsegs; i++) {
		const struct diopin_seg *seg = &shape->segs[i];

		diopin_expect_user_bytes(test, rbuf->uaddr + seg->off, seg->len,
					 seg->off, wbuf->seed, false);
		diopin_expect_user_bytes(test, wbuf->uaddr + seg->off, seg->len,
					 seg->off, wbuf->seed, false);
	}
	KUNIT_EXPECT_EQ_MSG(test, folio_ref_count(zero), zero_ref,
			    "the zero page's refcount moved");
}
