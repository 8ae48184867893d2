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

/*
 * fs/direct-io.c's files are preallocated this far: fat_direct_IO() does not
 * extend, and a UDF file leaves its ICB (udf_expand_file_adinicb()) and has
 * its blocks before the cases' I/O.
 */
#define PREALLOC	(512 * 1024)
/* ext2's and ext4's images span brd's 4 MiB; their files stay below */
#define FS_BYTES	(3 * 1024 * 1024 / 2)

/*
 * Each path on brd (DIOPIN_T_<t>) and on null_blk (DIOPIN_T_<t>_LATER), both
 * at pos 0; what else shapes a path's outcome follows as named initializers.
 */
#define T_BRD(_t, _name, _path, _img, _max, _align, ...)					\
	[DIOPIN_T_##_t] = { .name = _name " on brd", .path = (_path), .img = (_img),		\
			    .dev = DIOPIN_RAM_##_t, .max_bytes = (_max), .align = (_align),	\
			    __VA_ARGS__ }
#define T_NULLB(_t, _name, _path, _img, _max, _align, ...)					\
	[DIOPIN_T_##_t##_LATER] = { .name = _name " on null_blk", .path = (_path),		\
				    .img = (_img), .later = true, .dev = DIOPIN_NULLB_##_t,	\
				    .max_bytes = (_max), .align = (_align), __VA_ARGS__ }

const struct diopin_target diopin_targets[DIOPIN_NTARGETS] = {
	T_BRD(BDEV, "block/fops.c", DIOPIN_PATH_BDEV, NULL, SZ_2M, 512),
	T_BRD(EXT2, "iomap ext2", DIOPIN_PATH_IOMAP, &diopin_image_ext2, FS_BYTES, 1024),
	T_BRD(EXT4, "iomap ext4", DIOPIN_PATH_IOMAP, &diopin_image_ext4, FS_BYTES, 1024),
	T_BRD(VFAT, "direct-io.c vfat", DIOPIN_PATH_LEGACY, &diopin_image_vfat, PREALLOC, 512),
	T_BRD(UDF, "direct-io.c udf", DIOPIN_PATH_LEGACY, &diopin_image_udf, PREALLOC, 512,
	      .maps_one_block = true),
	T_NULLB(BDEV, "block/fops.c", DIOPIN_PATH_BDEV, NULL, SZ_2M, 512),
	T_NULLB(EXT2, "iomap ext2", DIOPIN_PATH_IOMAP, &diopin_image_ext2, FS_BYTES, 1024),
	T_NULLB(EXT4, "iomap ext4", DIOPIN_PATH_IOMAP, &diopin_image_ext4, FS_BYTES, 1024),
	T_NULLB(VFAT, "direct-io.c vfat", DIOPIN_PATH_LEGACY, &diopin_image_vfat, PREALLOC, 512),
	T_NULLB(UDF, "direct-io.c udf", DIOPIN_PATH_LEGACY, &diopin_image_udf, PREALLOC, 512,
		.maps_one_block = true),
};

/* A file of PREALLOC zeroes, written back: its blocks exist. */
static void target_legacy_prealloc(struct kunit *test, struct vfsmount *mnt)
{
	struct file *file = diopin_fs_open(test, mnt, "data", O_RDWR | O_CREAT);
	void *zero = kvzalloc(PREALLOC, GFP_KERNEL);
	loff_t pos = 0;

	KUNIT_ASSERT_NOT_NULL(test, zero);
	diopin_defer_kvfree(test, zero);
	KUNIT_ASSERT_EQ(test, kernel_write(file, zero, PREALLOC, &pos),
			(ssize_t)PREALLOC);
	KUNIT_ASSERT_EQ(test, vfs_fsync(file, 0), 0);
	diopin_fs_close(test, file);
}

struct file *diopin_target_open(struct kunit *test, const struct diopin_target *t, size_t prefill,
				struct diopin_buf **old)
{
	struct diopin_buf *content;
	struct vfsmount *mnt;
	struct file *file;
	dev_t dev;

	KUNIT_ASSERT_LE(test, prefill, t->max_bytes);
	dev = t->later ? diopin_nullb_dev(test, t->dev) : DIOPIN_BRD(t->dev);
	if (!t->img) {
		file = diopin_bdev_open(test, dev);
	} else {
		mnt = diopin_fs_mount_on(test, t->img, dev);
		if (t->path == DIOPIN_PATH_LEGACY)
			target_legacy_prealloc(test, mnt);
		file = diopin_fs_open(test, mnt, "data", O_RDWR | O_CREAT | O_DIRECT);
	}
	if (!prefill)
		return file;
	KUNIT_ASSERT_EQ(test, prefill % PAGE_SIZE, 0);
	content = diopin_dio_prefill(test, file, prefill / PAGE_SIZE, diopin_buf_user(test, 1, 0));
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
			     bool (*applies)(const struct diopin_target *t, const void *shape),
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
	struct page **pages = kunit_kcalloc(test, buf->npages, sizeof(*pages), GFP_KERNEL);
	bool *seen = kunit_kcalloc(test, buf->npages, sizeof(*seen), GFP_KERNEL);
	unsigned int i, k, n = 0;

	KUNIT_ASSERT_NOT_NULL(test, pages);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	for (i = 0; i < shape->nsegs; i++) {
		const struct diopin_seg *seg = &shape->segs[i];

		for (k = seg->off / PAGE_SIZE; k <= (seg->off + seg->len - 1) / PAGE_SIZE; k++)
			seen[k] = true;
	}
	for (k = 0; k < buf->npages; k++)
		if (seen[k])
			pages[n++] = buf->pages[k];
	return diopin_snap_take(test, pages, n);
}

/* One direction of the round trip. */
static void roundtrip_one(struct kunit *test, const struct diopin_target *t,
			  const struct diopin_dio_shape *shape, struct file *file,
			  int rw, struct diopin_buf *buf, struct diopin_snap *snap)
{
	const bool later = shape->async && t->later;
	struct diopin_dio_opts o = { .hold = later };
	const char *what = rw == READ ? "read" : "write";
	struct iov_iter iter;
	size_t total;

	total = diopin_iter_build(test, &iter, shape->type, rw == READ ? ITER_DEST : ITER_SOURCE,
				  buf, shape->segs, shape->nsegs);
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
	file = diopin_target_open(test, t, t->later && t->img ? round_up(end, PAGE_SIZE) : 0, NULL);
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
