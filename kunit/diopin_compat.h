/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel interfaces diopin calls whose form changed between the
 * kernels it is tested on (6.12.y and 7.2.y). Every version difference of
 * the suites lives here; the suites call the diopin_* names only.
 *
 * Each switch names the release that changed the interface. scripts/tree
 * checks, before a build, that a tree's headers have the form this file
 * picks for its version, and refuses the tree naming the interface if not.
 */
#ifndef _DIOPIN_COMPAT_H
#define _DIOPIN_COMPAT_H

#include <linux/version.h>
#include <linux/bio.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/mm.h>
#include <linux/namei.h>
#include <linux/sched/mm.h>

/*
 * v7.0 "block: align bvecs ... in bio_iov_iter_get_pages()": the callers
 * pass the memory and length alignment masks. 0, 0 asks for no alignment,
 * as blk_rq_map_user_iov() does and as the older form did.
 */
static inline int diopin_bio_iov_iter_get_pages(struct bio *bio,
						struct iov_iter *iter)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 0, 0)
	return bio_iov_iter_get_pages(bio, iter, 0, 0);
#else
	return bio_iov_iter_get_pages(bio, iter);
#endif
}

/* v6.18 "mm: convert mm->flags to a bitmap": mm_flags_test(). */
static inline bool diopin_mm_has_pinned(const struct mm_struct *mm)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 18, 0)
	return mm_flags_test(MMF_HAS_PINNED, mm);
#else
	return test_bit(MMF_HAS_PINNED, &mm->flags);
#endif
}

/*
 * A block device node at @path (rootfs), for a mount's "source".
 * v6.18 renamed kern_path_create()/done_path_create() to
 * start_creating_path()/end_creating_path() (3d18f80ce181); v6.19 added
 * the delegated_inode argument of vfs_mknod() (directory delegations).
 */
static inline int diopin_mknod(const char *path, dev_t dev)
{
	struct dentry *dentry;
	struct path parent;
	int err;

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 18, 0)
	dentry = start_creating_path(AT_FDCWD, path, &parent, 0);
#else
	dentry = kern_path_create(AT_FDCWD, path, &parent, 0);
#endif
	if (IS_ERR(dentry))
		return PTR_ERR(dentry) == -EEXIST ? 0 : PTR_ERR(dentry);
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 19, 0)
	err = vfs_mknod(mnt_idmap(parent.mnt), d_inode(parent.dentry), dentry,
			S_IFBLK | 0600, dev, NULL);
#else
	err = vfs_mknod(mnt_idmap(parent.mnt), d_inode(parent.dentry), dentry,
			S_IFBLK | 0600, dev);
#endif
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 18, 0)
	end_creating_path(&parent, dentry);
#else
	done_path_create(&parent, dentry);
#endif
	return err;
}

/* v6.18 "fs_context: drop the length argument of vfs_parse_fs_string()". */
static inline int diopin_parse_fs_string(struct fs_context *fc,
					 const char *key, const char *value)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 18, 0)
	return vfs_parse_fs_string(fc, key, value);
#else
	return vfs_parse_fs_string(fc, key, value, strlen(value));
#endif
}

/*
 * Behaviour that changed by design: each version's cases assert that
 * version's outcome. Both switches were seen on the trees diopin is tested
 * on (6.12.117: 1, 7.2.13: 0); the release given is the first that carries
 * the change as far as diopin knows.
 *
 * DIOPIN_BIO_MERGES_SAME_PAGE: before v7.0, a user segment that continues
 * the page of the previous bvec is merged into it and its extra pin dropped
 * (bio_iov_add_folio() same_page, bio_map_user_iov()'s own loop before
 * v6.14), so a page carries one pin. From v7.0, bio_iov_iter_get_pages()
 * and blk_rq_map_user_iov() fill bvecs with iov_iter_extract_bvecs(): one
 * bvec and one pin per segment ("block: open code bio_add_page and fix
 * handling of mismatching P2P ranges", Christoph Hellwig, 2026).
 *
 * DIOPIN_BVEC_SET_SETS_VCNT: bio_iov_bvec_set() set bi_vcnt to the borrowed
 * array's length; it no longer does ("block: don't initialize bi_vcnt for
 * cloned bio in bio_iov_bvec_set()", Ming Lei, 2025).
 */
#define DIOPIN_BIO_MERGES_SAME_PAGE \
	(LINUX_VERSION_CODE < KERNEL_VERSION(7, 0, 0))
#define DIOPIN_BVEC_SET_SETS_VCNT \
	(LINUX_VERSION_CODE < KERNEL_VERSION(7, 0, 0))

#endif /* _DIOPIN_COMPAT_H */
