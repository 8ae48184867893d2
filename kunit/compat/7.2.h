/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel interfaces and behaviours that differ between the kernels diopin
 * is tested on (6.12.117 and 7.2.13), as they are in 7.2.y (Debian unstable:
 * what upstream developers post against). The suites use only the diopin_*
 * names and the DIOPIN_* switches; every version difference lives here and in
 * the other variant (kunit/compat/). scripts/tree installs as this header the
 * variant whose interfaces a tree's headers declare (checked before a build),
 * and refuses a tree that matches neither, naming the interfaces that differ.
 */
#ifndef _DIOPIN_COMPAT_H
#define _DIOPIN_COMPAT_H

#include <linux/bio.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/huge_mm.h>
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
	return bio_iov_iter_get_pages(bio, iter, 0, 0);
}

/*
 * The signature of name##_gen_params, a KUnit parameter generator (struct
 * kunit_case.generate_params): 7.2 and 7.3 pass the test first; 6.12 does not.
 */
#define DIOPIN_GEN_PARAMS(name)	\
	const void *name##_gen_params(struct kunit *test, const void *prev, char *desc)

/* MMF_HAS_PINNED: mm->flags is a bitmap read with mm_flags_test() since v6.18. */
static inline bool diopin_mm_has_pinned(const struct mm_struct *mm)
{
	return mm_flags_test(MMF_HAS_PINNED, mm);
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

	dentry = start_creating_path(AT_FDCWD, path, &parent, 0);
	if (IS_ERR(dentry))
		return PTR_ERR(dentry) == -EEXIST ? 0 : PTR_ERR(dentry);
	err = vfs_mknod(mnt_idmap(parent.mnt), d_inode(parent.dentry), dentry,
			S_IFBLK | 0600, dev, NULL);
	end_creating_path(&parent, dentry);
	return err;
}

/*
 * mkdir and rmdir of @name in @parent on a kernel mount (configfs), as root
 * (vfs_mkdir() and vfs_rmdir() check permissions): in 7.2
 * start_creating_noperm() and start_removing_noperm() lock and look up,
 * vfs_mkdir() returns the dentry and both take a delegated_inode.
 */
static inline int diopin_mkdir_at(struct dentry *parent, const char *name)
{
	struct dentry *dentry = start_creating_noperm(parent, &QSTR(name));

	if (IS_ERR(dentry))
		return PTR_ERR(dentry);
	dentry = vfs_mkdir(&nop_mnt_idmap, d_inode(parent), dentry, 0755, NULL);
	if (IS_ERR(dentry))
		return PTR_ERR(dentry);	/* vfs_mkdir() ended the dirop */
	end_creating(dentry);
	return 0;
}

static inline int diopin_rmdir_at(struct dentry *parent, const char *name)
{
	struct dentry *dentry = start_removing_noperm(parent, &QSTR(name));
	int err;

	if (IS_ERR(dentry))
		return PTR_ERR(dentry);
	err = vfs_rmdir(&nop_mnt_idmap, d_inode(parent), dentry, NULL);
	end_removing(dentry);
	return err;
}

/* inode->i_state, read once: inode_state_read_once() in 7.2. */
static inline unsigned long diopin_inode_state(struct inode *inode)
{
	return inode_state_read_once(inode);
}

/* vfs_parse_fs_string() lost its length argument in v6.18. */
static inline int diopin_parse_fs_string(struct fs_context *fc, const char *key, const char *value)
{
	return vfs_parse_fs_string(fc, key, value);
}

/*
 * The folio iomap_dio_zero() writes a sub-block's padding from, when a
 * test can see it: 7.2 uses the shared largest_zero_folio().
 */
static inline struct folio *diopin_iomap_zero_folio(void)
{
	return largest_zero_folio();
}

/*
 * Behaviour that changed by design: each kernel's cases assert that
 * kernel's outcome. Each switch is explained once, with both kernels'
 * values and the commits between them, in kunit/compat/6.12.h.
 */
#define DIOPIN_BIO_MERGES_SAME_PAGE	0
#define DIOPIN_BVEC_SET_SETS_VCNT	0
#define DIOPIN_MAP_USER_CHAINS_BIOS	0
#define DIOPIN_LEGACY_DIO_NOWAIT	0
#define DIOPIN_BIO_CAPS_ZONE_APPEND	0
#define DIOPIN_MAP_USER_ALLOC_ENOMEM	0
#define DIOPIN_MAP_USER_PAGE_ARRAY	0
#if DIOPIN_EXT4_NOJOURNAL_HANDLE
#define DIOPIN_EXT4_OVERWRITE_ENOMEM	".E"	/* 7.3 */
#else
#define DIOPIN_EXT4_OVERWRITE_ENOMEM	"..E"	/* 7.2 */
#endif

/* hugetlb_file_setup() accounting flags, as mmap(MAP_HUGETLB)'s: a vma_flags_t in 7.2. */
#define DIOPIN_HUGETLB_NORESERVE	mk_vma_flags(VMA_NORESERVE_BIT)

#endif /* _DIOPIN_COMPAT_H */
