/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel interfaces and behaviours that differ between the kernels diopin
 * is tested on (6.12.117 and 7.2.13), as they are in 6.12.y (Debian bookworm:
 * what distributions ship). The suites use only the diopin_* names and the
 * DIOPIN_* switches; every version difference lives here and in the other
 * variant (kunit/compat/). scripts/tree installs as this header the variant
 * whose interfaces a tree's headers declare (checked before a build), and
 * refuses a tree that matches neither, naming the interfaces that differ.
 */
#ifndef _DIOPIN_COMPAT_H
#define _DIOPIN_COMPAT_H

#include <linux/bio.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/mm.h>
#include <linux/namei.h>
#include <linux/sched/mm.h>

/*
 * bio_iov_iter_get_pages(): 7.2 takes the memory and length alignment
 * masks (the form changed three times between 6.18 and 7.1); 0, 0 asks for
 * no alignment, as blk_rq_map_user_iov() does and as 6.12's form did.
 */
static inline int diopin_bio_iov_iter_get_pages(struct bio *bio, struct iov_iter *iter)
{
	return bio_iov_iter_get_pages(bio, iter);
}

/*
 * The signature of name##_gen_params, a KUnit parameter generator (struct
 * kunit_case.generate_params): 7.2 and 7.3 pass the test first; 6.12 does not.
 */
#define DIOPIN_GEN_PARAMS(name)	\
	const void *name##_gen_params(const void *prev, char *desc)

/* MMF_HAS_PINNED: mm->flags is a bitmap read with mm_flags_test() since v6.18. */
static inline bool diopin_mm_has_pinned(const struct mm_struct *mm)
{
	return test_bit(MMF_HAS_PINNED, &mm->flags);
}

/*
 * A block device node at @path (in the test thread's private root), for a
 * mount's "source". v6.18 renamed kern_path_create()/done_path_create() to
 * start_creating_path()/end_creating_path() (3d18f80ce181); v6.19 added the
 * delegated_inode argument of vfs_mknod() (directory delegations).
 */
static inline int diopin_mknod(const char *path, dev_t dev)
{
	struct dentry *dentry;
	struct path parent;
	int err;

	dentry = kern_path_create(AT_FDCWD, path, &parent, 0);
	if (IS_ERR(dentry))
		return PTR_ERR(dentry) == -EEXIST ? 0 : PTR_ERR(dentry);
	err = vfs_mknod(mnt_idmap(parent.mnt), d_inode(parent.dentry), dentry,
			S_IFBLK | 0600, dev);
	done_path_create(&parent, dentry);
	return err;
}

/*
 * mkdir and rmdir of @name in @parent on a kernel mount (configfs), as root
 * (vfs_mkdir() and vfs_rmdir() check permissions): 6.12 locks the parent and
 * looks the name up itself (lookup_one_len()); vfs_mkdir() returns an int.
 */
static inline int diopin_dirop(struct dentry *parent, const char *name, bool mkdir)
{
	struct inode *dir = d_inode(parent);
	struct dentry *dentry;
	int err;

	inode_lock_nested(dir, I_MUTEX_PARENT);
	dentry = lookup_one_len(name, parent, strlen(name));
	err = PTR_ERR_OR_ZERO(dentry);
	if (!err && mkdir)
		err = vfs_mkdir(&nop_mnt_idmap, dir, dentry, 0755);
	else if (!err)
		err = d_really_is_positive(dentry) ?
		      vfs_rmdir(&nop_mnt_idmap, dir, dentry) : -ENOENT;
	if (!IS_ERR(dentry))
		dput(dentry);
	inode_unlock(dir);
	return err;
}

static inline int diopin_mkdir_at(struct dentry *parent, const char *name)
{
	return diopin_dirop(parent, name, true);
}

static inline int diopin_rmdir_at(struct dentry *parent, const char *name)
{
	return diopin_dirop(parent, name, false);
}

/* inode->i_state, read once: a plain field in 6.12. */
static inline unsigned long diopin_inode_state(struct inode *inode)
{
	return READ_ONCE(inode->i_state);
}

/* vfs_parse_fs_string() lost its length argument in v6.18. */
static inline int diopin_parse_fs_string(struct fs_context *fc, const char *key, const char *value)
{
	return vfs_parse_fs_string(fc, key, value, strlen(value));
}

/*
 * The folio iomap_dio_zero() writes a sub-block's padding from, when a
 * test can see it: 6.12 uses a zeroed page private to fs/iomap/direct-io.c.
 */
static inline struct folio *diopin_iomap_zero_folio(void)
{
	return NULL;
}

/*
 * Behaviour that changed by design: each kernel's cases assert that
 * kernel's outcome (6.12.117: 1, 7.2.13: 0, both seen there). Explained here
 * only; kunit/compat/7.2.h holds the 7.x values.
 *
 * DIOPIN_BIO_MERGES_SAME_PAGE: before v7.0 a user segment continuing the page
 * of the previous bvec is merged into it and its extra pin dropped
 * (bio_iov_add_folio() same_page, bio_map_user_iov()'s own loop before v6.14):
 * a page carries one pin. From v7.0 bio_iov_iter_get_pages() and
 * blk_rq_map_user_iov() fill bvecs with iov_iter_extract_bvecs(): one bvec and
 * one pin per segment ("block: open code bio_add_page and fix handling of
 * mismatching P2P ranges", Christoph Hellwig, 2026).
 * DIOPIN_BVEC_SET_SETS_VCNT: bio_iov_bvec_set() set bi_vcnt to the borrowed
 * array's length; it no longer does ("block: don't initialize bi_vcnt for
 * cloned bio in bio_iov_bvec_set()", Ming Lei, 2025).
 * DIOPIN_MAP_USER_CHAINS_BIOS: a passthrough mapping over max_hw_sectors:
 * 6.12's bio_map_user_iov() fills a bio up to the limit (bio_add_hw_page()) and
 * maps the rest into a second bio, which blk_rq_append_bio() refuses, so the
 * first is unmapped as a finished read (its pages dirtied); 7.2's maps it all
 * into one bio, which blk_rq_append_bio() refuses whole (bio_split_io_at():
 * -EREMOTEIO, made -EINVAL) and releases clean. -EINVAL and no pin either way.
 * DIOPIN_LEGACY_DIO_NOWAIT: 6.12's fs/direct-io.c puts REQ_NOWAIT on an
 * IOCB_NOWAIT call's write bios and makes a BLK_STS_AGAIN completion -EAGAIN
 * (dio_bio_complete()); 7.2's reads no IOCB_NOWAIT, so its bios wait like any
 * other (ocfs2 sets FMODE_NOWAIT and uses it on both).
 * DIOPIN_BIO_CAPS_ZONE_APPEND: 6.12's bio_iov_iter_get_pages() keeps a
 * REQ_OP_ZONE_APPEND bio within the queue's zone append limit
 * (bio_iov_add_zone_append_folio(), bio_iov_bvec_set() for ITER_BVEC); 7.2's
 * has no zone append branch: the submitter sizes the bio.
 * DIOPIN_MAP_USER_ALLOC_ENOMEM: how many of a 16-page passthrough mapping's
 * slab allocations fail it with -ENOMEM when they fail: 6.12's
 * bio_map_user_iov() kmallocs its bio (bio_kmalloc()) and has
 * iov_iter_extract_pages() allocate the page array (over UIO_FASTIOV pages): 2;
 * 7.x takes the bio from a bioset (absorbed by its mempool) and extracts
 * straight into its bvecs: 0.
 * DIOPIN_MAP_USER_PAGE_ARRAY: a passthrough mapping of over UIO_FASTIOV pages
 * has iov_iter_extract_pages() allocate a page array (6.12's
 * bio_map_user_iov(): 1); 7.x extracts into the bio's bvecs and allocates none
 * (0): no array for kmemleak to find.
 * DIOPIN_EXT4_OVERWRITE_ENOMEM: what failing each slab allocation of a cold
 * 64 KiB aligned ext4 overwrite in turn does (diopin_fault's allocation
 * sweep, "E" -ENOMEM, "." absorbed), up to __iomap_dio_rw()'s dio. 6.12
 * "...E": ext4_overwrite_io() maps the range on an empty extent-status tree:
 * ext4_find_extent()'s path array (failed: "not an overwrite", and the
 * i_rwsem restart maps again), the es entry ext4_cache_extents() adds, and
 * the one ext4_es_insert_extent() puts back after removing it (GFP_ATOMIC,
 * failures ignored). 7.2.13 "..E": ext4_map_query_blocks() caches with
 * ext4_es_cache_extent(), a no-op over the entry already there ("ext4: make
 * ext4_es_cache_extent() support overwrite existing extents"). 7.3 ".E": an
 * aligned write maps nothing (ext4_dio_needs_zeroing() is for unaligned
 * ones); the one absorbed is ext4_get_nojournal()'s handle, allocated under
 * kiocb_modified() -> ext4_dirty_inode(), which ignores its failure. 7.2 and
 * 7.3 share compat/7.2.h, where DIOPIN_EXT4_NOJOURNAL_HANDLE (a tree fact:
 * ext4_get_nojournal() allocates its handle, which came with 7.3's mapping
 * change) picks the value.
 */
#define DIOPIN_BIO_MERGES_SAME_PAGE	1
#define DIOPIN_BVEC_SET_SETS_VCNT	1
#define DIOPIN_MAP_USER_CHAINS_BIOS	1
#define DIOPIN_LEGACY_DIO_NOWAIT	1
#define DIOPIN_BIO_CAPS_ZONE_APPEND	1
#define DIOPIN_MAP_USER_ALLOC_ENOMEM	2
#define DIOPIN_MAP_USER_PAGE_ARRAY	1
#define DIOPIN_EXT4_OVERWRITE_ENOMEM	"...E"

/* hugetlb_file_setup() accounting flags, as mmap(MAP_HUGETLB)'s: a vm_flags_t in 6.12. */
#define DIOPIN_HUGETLB_NORESERVE	VM_NORESERVE

#endif /* _DIOPIN_COMPAT_H */
