/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DIO targets: every O_DIRECT path diopin drives, one row each (how to get
 * a file to do O_DIRECT on, which implementation serves it, how its I/O
 * completes), and the rows of a property case as the cross product of the
 * targets it applies to and the buffer shapes it runs (diopin_dio.c).
 * Adding a path is one row here; adding a property is one case there.
 */
#ifndef _DIOPIN_TARGET_H
#define _DIOPIN_TARGET_H

#include "diopin_fixture.h"

/* The O_DIRECT implementations. */
enum diopin_path {
	DIOPIN_PATH_BDEV,	/* block/fops.c */
	DIOPIN_PATH_IOMAP,	/* fs/iomap/direct-io.c */
	DIOPIN_PATH_LEGACY,	/* fs/direct-io.c */
};

struct diopin_target {
	const char *name;		/* "ext2 on brd" */
	enum diopin_path path;
	const struct diopin_image *img;	/* NULL: the raw block device */
	bool later;			/* on null_blk: completes from its timer */
	unsigned int dev;		/* brd minor, or null_blk index (later) */
	size_t max_bytes;		/* largest file range the cases may use */
	unsigned int align;		/* smallest I/O unit it takes whole */
	loff_t pos;			/* where the cases' I/O starts */
	/*
	 * fs/direct-io.c: get_block() maps one filesystem block a call
	 * (udf_get_block()), not a run of them (fat_get_block()'s cluster)
	 */
	bool maps_one_block;
};

enum diopin_target_id {
	DIOPIN_T_BDEV, DIOPIN_T_EXT2, DIOPIN_T_EXT4, DIOPIN_T_VFAT, DIOPIN_T_UDF,
	DIOPIN_T_BDEV_LATER, DIOPIN_T_EXT2_LATER, DIOPIN_T_EXT4_LATER, DIOPIN_T_VFAT_LATER,
	DIOPIN_T_UDF_LATER,
	DIOPIN_NTARGETS
};

extern const struct diopin_target diopin_targets[DIOPIN_NTARGETS];
/*
 * An O_DIRECT file of @t: the block device, or a file on a freshly loaded
 * image (fs/direct-io.c's preallocated: fat_direct_IO() refuses to extend). With
 * @prefill, [0, @prefill) is written first with O_DIRECT, so the case's
 * writes overwrite (ext2 and ext4 make an extending write wait), and *@old
 * (if not NULL) is that content. fput() and unmount when the test ends.
 */
struct file *diopin_target_open(struct kunit *test, const struct diopin_target *t, size_t prefill,
				struct diopin_buf **old);
/*
 * A user-memory buffer shape: its segments, iterator type and whether the
 * call is async. @align: the smallest unit of its segments (512 or 1024); a
 * target whose align is larger does not run it. @pos: added to the target's.
 */
struct diopin_dio_shape {
	const char *desc;
	enum diopin_iter_type type;
	unsigned int npages;		/* user buffer size */
	struct diopin_seg segs[DIOPIN_MAX_SEGS];
	unsigned int nsegs;
	bool async;
	unsigned int align;
	loff_t pos;
};

size_t diopin_shape_bytes(const struct diopin_dio_shape *shape);
/* A snapshot of the distinct pages of @buf under @shape's segments. */
struct diopin_snap *diopin_shape_snap(struct kunit *test, struct diopin_buf *buf,
				      const struct diopin_dio_shape *shape);

/* One row of a property case: a target and a shape (of the case's type). */
struct diopin_row {
	const struct diopin_target *t;
	const void *shape;
};

/*
 * The rows of a property case, made on the first call into @rows (room for
 * DIOPIN_NTARGETS * @nshapes): every target and shape (@shapes, @nshapes
 * of @size bytes, a const char * description first) for which @applies
 * says yes, described "<target>: <shape>".
 */
const void *diopin_rows_next(struct diopin_row *rows, const void *shapes,
			     size_t size, unsigned int nshapes,
			     bool (*applies)(const struct diopin_target *t, const void *shape),
			     const void *prev, char *desc);
#define DIOPIN_ROWS(name, shapes, applies)							\
	static typeof(shapes) *const name##_table = &(shapes);					\
	static struct diopin_row name##_rows[DIOPIN_NTARGETS * ARRAY_SIZE(*name##_table)];	\
	static DIOPIN_GEN_PARAMS(name)								\
	{											\
		return diopin_rows_next(name##_rows, *name##_table, sizeof((*name##_table)[0]),	\
					ARRAY_SIZE(*name##_table), (applies), prev, desc);	\
	}

/*
 * A DIO round trip on @t: @shape's segments of a user buffer written at the
 * target's position, then read back into a second buffer laid out the same
 * way. The byte counts, every byte, every page back at its baseline and
 * unpinned, source pages clean, read pages dirty, the zero page's refcount
 * unmoved; an async call on a target that completes later must have
 * returned -EIOCBQUEUED with the I/O in flight (the device's queue held).
 */
void diopin_dio_roundtrip(struct kunit *test, const struct diopin_target *t,
			  const struct diopin_dio_shape *shape);

#endif /* _DIOPIN_TARGET_H */
