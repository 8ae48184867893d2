/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared fixtures for the diopin KUnit suites: user memory, page-state
 * snapshots, pins held through KUnit actions, pattern fill/verify and
 * iterator builders for every ITER_* type over the same logical bytes.
 * Everything a fixture takes (mappings, pages, pins, arrays) is released
 * through KUnit actions, so a failed assertion never leaks it.
 */
#ifndef _DIOPIN_FIXTURE_H
#define _DIOPIN_FIXTURE_H

#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/uio.h>
#include <linux/xarray.h>
#include <linux/blk_types.h>

#include "diopin_compat.h"

/* ---- pattern: every byte is a function of (seed, logical position) ---- */
void diopin_pattern_fill(void *buf, size_t len, size_t pos, u32 seed);
/* Index of the first byte that differs from the pattern, or @len. */
size_t diopin_pattern_mismatch(const void *buf, size_t len, size_t pos, u32 seed);
/*
 * Seeds whose low bytes differ give patterns that differ at every byte.
 * diopin_seed() (every buffer's) cycles through low bytes 0x00..0xbf; a seed a
 * suite names itself is DIOPIN_SEED_FIXED(0..63), low byte 0xc0..0xff: no
 * pattern a test compares equals another by chance.
 */
u32 diopin_seed(void);
#define DIOPIN_SEED_FIXED(n)	(0xc0 + (n))

/* ---- buffers: N pages of user or kernel memory seen as one byte range ---- */
enum diopin_buf_kind {
	DIOPIN_BUF_USER,	/* kunit_vm_mmap() anonymous memory */
	DIOPIN_BUF_PAGES,	/* shuffled order-0 pages, vmap()ed */
	DIOPIN_BUF_FOLIO,	/* one large folio (physically contiguous) */
};

#define DIOPIN_UMAP_PREFAULT	BIT(0)	/* write the pattern through the user mapping */
struct diopin_buf {
	enum diopin_buf_kind kind;
	unsigned int npages;
	struct page **pages;	/* backing page of each logical page */
	void *vaddr;		/* kernel mapping of the range (not USER) */
	void __user *uaddr;	/* user mapping of the range (USER only) */
	struct folio *folio;	/* FOLIO only */
	u32 seed;
};

struct diopin_buf *diopin_buf_user(struct kunit *test, unsigned int npages, unsigned long flags);
struct diopin_buf *diopin_buf_kernel(struct kunit *test, enum diopin_buf_kind kind,
				     unsigned int npages);
/*
 * @npages of @file (NULL: anonymous) mapped with @mmap_flags (MAP_SHARED,
 * MAP_PRIVATE, | MAP_ANONYMOUS) and read-faulted in, no pattern written (a
 * file mapping holds the file's bytes; seed is meaningless): the other
 * memory O_DIRECT meets, page cache and shmem.
 */
struct diopin_buf *diopin_buf_user_map(struct kunit *test, unsigned int npages,
				       struct file *file, unsigned long mmap_flags);
/* Unmap one page of a user buffer (a hole); its pages[] entry becomes NULL. */
void diopin_buf_punch(struct kunit *test, struct diopin_buf *buf, unsigned int index);
/* Replace one page of a user buffer with a PROT_NONE mapping. */
void diopin_buf_protnone(struct kunit *test, struct diopin_buf *buf, unsigned int index);
/* Look up the pages mapped at a user range now; takes no lasting ref. */
int diopin_user_pages(struct kunit *test, unsigned long uaddr, unsigned int npages,
		      struct page **pages);

/*
 * A forked child of the test's task: kernel_clone() without CLONE_VM, so
 * copy_mm() gives it a copy of the address space (anonymous pages shared
 * copy-on-write, or copied at once where fork() must: a pinned page). It
 * notes which pages back @buf's first @n pages in its mm at the fork, looks
 * again at diopin_fork_end() (or the test's end), then exits.
 */
#define DIOPIN_FORK_PAGES	8
struct diopin_fork {
	struct diopin_buf *buf;
	unsigned int n;
	struct page *at_fork[DIOPIN_FORK_PAGES];	/* no ref held */
	unsigned int mapped;	/* at the fork: pages mapped */
	unsigned int same;	/* at the end: still the pages of the fork */
	size_t bad;		/* at the end: first byte not @buf's pattern */
	int err;
	struct completion looked, go, done;
};

struct diopin_fork *diopin_fork(struct kunit *test, struct diopin_buf *buf, unsigned int n);
void diopin_fork_end(struct kunit *test, struct diopin_fork *f);
/* How many of @pages[0..n) are the child's pages of the fork. */
unsigned int diopin_fork_shares(const struct diopin_fork *f, struct page **pages);
/* The child, at the end: every page its own of the fork, bytes unchanged. */
void diopin_fork_expect_child(struct kunit *test, struct diopin_fork *f);

/* ---- iterators over a buffer ---- */
enum diopin_iter_type {
	DIOPIN_UBUF, DIOPIN_IOVEC, DIOPIN_KVEC, DIOPIN_BVEC, DIOPIN_FOLIOQ, DIOPIN_XARRAY,
};

const char *diopin_iter_name(enum diopin_iter_type type);
/* One segment: @len bytes at logical offset @off of the buffer. */
struct diopin_seg {
	size_t off;
	size_t len;
};

#define DIOPIN_MAX_SEGS 8
/*
 * Build @iter of @type and direction @dir (ITER_SOURCE/ITER_DEST) over the
 * segments of @buf; returns its byte count. UBUF, FOLIOQ and XARRAY take
 * exactly one segment; BVEC needs a DIOPIN_BUF_FOLIO buffer when a segment
 * spans pages.
 */
size_t diopin_iter_build(struct kunit *test, struct iov_iter *iter, enum diopin_iter_type type,
			 unsigned int dir, struct diopin_buf *buf, const struct diopin_seg *segs,
			 unsigned int nsegs);
/*
 * @iter stands where @want (a copy taken earlier) stood: type, segment, offset
 * into it, segments and bytes left. A byte count alone cannot tell an iterator
 * put back at its start from one left on a later segment with a stale count.
 */
void diopin_expect_iter_at(struct kunit *test, const struct iov_iter *iter,
			   const struct iov_iter *want, const char *what);

/* ---- page-state snapshots ---- */
struct diopin_page_state {
	struct page *page;
	int refcount;		/* folio_ref_count() */
	int pincount;		/* large folio _pincount; 0 for small */
	bool pinned;		/* folio_maybe_dma_pinned() */
	bool dirty;		/* folio_test_dirty() */
};

struct diopin_snap {
	unsigned int n;
	struct diopin_page_state s[] __counted_by(n);
};

struct diopin_snap *diopin_snap_take(struct kunit *test, struct page **pages, unsigned int n);
/*
 * Expect every page of @base to be where it was, except that each folio
 * carries @pins more pins per occurrence of one of its pages in @base
 * (0: exactly the baseline). The zero page never carries a pin.
 * @when names the moment in failure messages.
 */
void diopin_expect_pins(struct kunit *test, const struct diopin_snap *base,
			unsigned int pins, const char *when);
/*
 * Wait (up to 5 s) until every page of @base is back at its baseline refcount
 * and pin state: an async DIO calls ki_complete before its completion path
 * releases the pages, so checks wait for the release, not for ki_complete; a
 * page that never comes back is left for diopin_expect_pins() to report. Only
 * for I/O that really completed later: where completion ran inside the call
 * (brd) the pages must be back when it returns, and not waiting is what shows a
 * read whose pages bio_check_pages_dirty() found clean (re-dirtied and released
 * later, from a workqueue).
 */
void diopin_wait_released(struct kunit *test, const struct diopin_snap *base);
/*
 * Wait (up to 5 s) until none of @pages (NULL entries skipped) is pinned,
 * for pages whose baseline is not known: how many still are.
 */
unsigned int diopin_wait_unpinned(struct page **pages, unsigned int n);
/* Expect the dirty bit of every page in @base's folios to be @dirty. */
void diopin_expect_dirty(struct kunit *test, const struct diopin_snap *base,
			 bool dirty, const char *when);
/* Clear the dirty bit of every folio of @base (for tests that set it). */
void diopin_clear_dirty(const struct diopin_snap *base);

/* ---- pins held until released or until the test ends ---- */
struct diopin_pins;
/* Take responsibility for unpinning @n pinned pages (array is copied). */
struct diopin_pins *diopin_pins_hold(struct kunit *test, struct page **pages, unsigned int n);
/*
 * Pins are owned before anything can fail: these take pins and hand them to
 * an action before they return, so the caller asserts afterwards.
 * diopin_grab_held(): one FOLL_PIN (try_grab_folio()) on the folio of each of
 * @n pages, stopping at the first refusal; *@grabbed says how many.
 * diopin_extract_held(): iov_iter_extract_pages(); the pins of a pinning
 * iterator and a callee-allocated array (*@pages == NULL on entry) are
 * released when the test ends. Returns what extraction returned.
 */
struct diopin_pins *diopin_grab_held(struct kunit *test, struct page **pages,
				     unsigned int n, unsigned int *grabbed);
ssize_t diopin_extract_held(struct kunit *test, struct iov_iter *iter, struct page ***pages,
			    size_t maxsize, unsigned int maxpages, size_t *off0,
			    struct diopin_pins **held);
/* Unpin now (once); the end-of-test action is dropped. */
void diopin_pins_release(struct kunit *test, struct diopin_pins *pins);
/* Hand the pins back to the caller, who unpins them at once by other means. */
void diopin_pins_forget(struct kunit *test, struct diopin_pins *pins);
/* kvfree() @p when the test ends. */
void diopin_defer_kvfree(struct kunit *test, void *p);

/* ---- block devices ---- */
/*
 * Every device diopin uses, one per use so that no case meets what another
 * left: brd minors (RAM_*, /dev/ram<minor>: complete inside submit_bio())
 * and null_blk indexes (NULLB_*, nullb<index>, kernel/config/common.args:
 * complete from their timer, later). The DIO targets' (diopin_target.c)
 * come first, by path.
 */
enum diopin_dev {
	DIOPIN_RAM_BIO = 0,		/* diopin_bio: bios built by hand */
	DIOPIN_RAM_BDEV = 1, DIOPIN_RAM_EXT2 = 2, DIOPIN_RAM_VFAT = 3, DIOPIN_RAM_EXT4 = 4,
	DIOPIN_RAM_UDF = 6,
	DIOPIN_RAM_BENCH = 5,		/* diopin_bench */
	DIOPIN_RAM_MK_BDEV = 9,		/* diopin_memkind: the raw device DIO reads from */
	DIOPIN_RAM_MK_EXT2 = 10,	/* diopin_memkind: ext2 holding the mapped file */
	DIOPIN_RAM_UDF_EOF = 11,	/* diopin_dio_legacy: UDF, a write at EOF */
	DIOPIN_RAM_UDF_PROBE = 12,	/* the same image, to find the file's block */
	DIOPIN_NULLB_PASSTHROUGH = 0,	/* diopin_nullb_rq()'s requests */
	DIOPIN_NULLB_BDEV = 1, DIOPIN_NULLB_EXT2 = 2, DIOPIN_NULLB_VFAT = 3, DIOPIN_NULLB_EXT4 = 4,
	DIOPIN_NULLB_UDF = 5,
};

/* brd's /dev/ram<minor>, CONFIG_BLK_DEV_RAM */
#define DIOPIN_BRD(minor)	MKDEV(1 /* RAMDISK_MAJOR */, (minor))
/* The action that fput()s a file the fixtures opened (kunit_release_action()). */
void diopin_fput_action(void *file);
/* Open a block device read-write as a file; fput() when the test ends. */
struct file *diopin_bdev_open(struct kunit *test, dev_t dev);
/*
 * Open a block device as open(2) does, through a node in the test thread's
 * private root and blkdev_open() (which sets the FMODE_* bits a syscall's
 * file has, FMODE_CAN_ATOMIC_WRITE among them); fput() when the test ends.
 */
struct file *diopin_bdev_open_node(struct kunit *test, dev_t dev, int flags);
/*
 * null_blk's nullb<index>. The kernel command line (kernel/config/
 * common.args) makes every nullb device keep its data and complete each
 * request from a timer some milliseconds after it was queued, after
 * submit_bio() has returned, from its own completion path. nullb0 takes
 * passthrough requests; nullb1-5 are the DIO targets' (enum diopin_dev).
 */
dev_t diopin_nullb_dev(struct kunit *test, unsigned int index);
/*
 * A zoned null_blk disk, DIOPIN_ZONED_NAME, made through configfs
 * (nullb/<name>/: memory-backed, DIOPIN_ZONED_MB, sequential zones of
 * DIOPIN_ZONE_MB, zone append limited to @append_max_sectors) and opened as
 * a file; closed, powered off and removed when the test ends. Needs
 * CONFIG_BLK_DEV_ZONED=y.
 */
#define DIOPIN_ZONED_NAME	"diopinz"
#define DIOPIN_ZONED_MB		16
#define DIOPIN_ZONE_MB		4
#define DIOPIN_ZONE_SECTORS	(DIOPIN_ZONE_MB << (20 - SECTOR_SHIFT))
struct file *diopin_nullb_zoned_open(struct kunit *test, unsigned int append_max_sectors);
struct request;
/* A passthrough request (REQ_OP_DRV_IN/OUT) on nullb0's blk-mq queue, freed at the end. */
struct request *diopin_nullb_rq(struct kunit *test, blk_opf_t op);
/* Free it now. */
void diopin_rq_free(struct kunit *test, struct request *rq);
/*
 * @rounds passthrough mappings (blk_rq_map_user_iov(), DRV_IN on nullb0)
 * of the whole of @buf, whose first page the caller unmapped: each must be
 * -EFAULT with no bio on the request and the iterator not advanced.
 */
void diopin_rq_map_faulting(struct kunit *test, struct diopin_buf *buf, unsigned int rounds);
/* Write (or read) @len bytes at @pos of @bdev from (into) kernel memory. */
void diopin_bdev_rw(struct kunit *test, struct block_device *bdev,
		    blk_opf_t op, loff_t pos, void *kbuf, size_t len);

/* ---- O_DIRECT I/O and mounted filesystems ---- */
struct vfsmount;
struct diopin_image;
/*
 * One O_DIRECT read or write of @iter at @pos through @file's
 * read_iter/write_iter, as a syscall would do it: bytes or -errno. With
 * @async the kiocb has a ki_complete and the call waits for it (the async
 * paths of the DIO implementations), -ETIMEDOUT when it has not come in
 * 10 s; otherwise it is a sync kiocb.
 */
ssize_t diopin_dio(struct file *file, int rw, loff_t pos, struct iov_iter *iter, bool async);
/*
 * Set the task's fail_nth (CONFIG_FAULT_INJECTION; without it, nothing) and
 * return what it was: arm with n, and after the call a 0 from swapping it
 * back means the n-th should_fail() came and failed.
 */
unsigned int diopin_fail_nth_swap(unsigned int nth);
/*
 * Write @val to debugfs file @path (fault injection knobs, kmemleak's
 * commands) or read it into @kbuf (at most @size - 1 bytes, NUL-ended):
 * bytes, or the file's -errno. Asserts that debugfs and @path exist.
 * Both go through a page of the test's user mapping: debugfs files take
 * user memory (simple_write_to_buffer(), strncpy_from_user()).
 */
ssize_t diopin_debugfs_write(struct kunit *test, const char *path, const char *val);
ssize_t diopin_debugfs_read(struct kunit *test, const char *path, char *kbuf, size_t size);

/* What diopin_dio_ex() adds to diopin_dio(), and what it says afterwards. */
struct diopin_dio_opts {
	/*
	 * More IOCB_* flags (IOCB_NOWAIT, ...). IOCB_HIPRI with async: after
	 * in_flight, the call polls the I/O (iocb_bio_iopoll()) to completion.
	 */
	int ki_flags;
	/*
	 * Arm the task's fail_nth for the call alone (CONFIG_FAULT_INJECTION):
	 * its fail_nth-th should_fail() fails. @failed: that call came.
	 */
	unsigned int fail_nth;
	bool failed;
	/*
	 * On a blk-mq device (null_blk) the device's queue is held (quiesced)
	 * through the call and in_flight, so the I/O can complete only after
	 * in_flight: async, after the submitter returned (a call that waits
	 * for its own completion is released by a 10 s timer and is not
	 * "later"); sync, the call runs in a thread of its own, in the test's
	 * mm, and in_flight runs here while it waits (in_flight waits for
	 * what it needs the call to have done, pins for instance).
	 */
	bool hold;
	/*
	 * in_flight ran with the I/O submitted and not completed (async: the
	 * call returned -EIOCBQUEUED; with hold: the queue held through it)
	 */
	bool later;
	/* called while such an I/O is in flight, before waiting for it */
	void (*in_flight)(void *arg);
	void *arg;
};

ssize_t diopin_dio_ex(struct file *file, int rw, loff_t pos, struct iov_iter *iter, bool async,
		      struct diopin_dio_opts *o);
/* diopin_dio() of @len bytes of @buf at @off, as one sync UBUF iterator. */
ssize_t diopin_dio_ubuf(struct kunit *test, struct file *file, int rw, loff_t pos,
			struct diopin_buf *buf, size_t off, size_t len);
/*
 * Load @img into brd /dev/ram<@minor>, mount it (fs_context + fc_mount,
 * through a device node made in the test thread's private tmpfs root) and
 * return the mount. Unmounted when the test ends; the next mount of the
 * same device waits until the previous filesystem has let go of it.
 */
struct vfsmount *diopin_fs_mount(struct kunit *test, const struct diopin_image *img,
				 unsigned int minor);
/* diopin_fs_mount() on any block device (null_blk's, say). */
struct vfsmount *diopin_fs_mount_on(struct kunit *test, const struct diopin_image *img, dev_t dev);
/*
 * Unmount @mnt now (every file opened on it must be closed), write back and
 * drop the device's cached blocks, and mount the same device again without
 * loading the image: the next I/O reads from the device every block of
 * metadata it needs, so the bios an operation issues are the same each time.
 */
struct vfsmount *diopin_fs_remount_cold(struct kunit *test, struct vfsmount *mnt,
					const struct diopin_image *img, unsigned int minor);
/* Open @name under @mnt's root; fput() when the test ends. */
struct file *diopin_fs_open(struct kunit *test, struct vfsmount *mnt, const char *name, int flags);
/* @name in the test's own tmpfs root (its "/"), read-write, created if need be. */
struct file *diopin_tmpfs_open(struct kunit *test, const char *name);
/* fput() @file now, not when the test ends. */
void diopin_fs_close(struct kunit *test, struct file *file);
/*
 * O_DIRECT write of a fresh user buffer's pattern over @npages pages at 0 of
 * @file, its seed distinct from @other's in the low byte so that no byte of
 * one pattern can pass for the other; returns that buffer (the file's
 * content). diopin_dio_readback(): O_DIRECT read of @npages pages at 0 into
 * a fresh user buffer, which it returns.
 */
struct diopin_buf *diopin_dio_prefill(struct kunit *test, struct file *file, unsigned int npages,
				      const struct diopin_buf *other);
struct diopin_buf *diopin_dio_readback(struct kunit *test, struct file *file, unsigned int npages);
/* Expect the @len user bytes at @uaddr to be @pattern-seeded from @pos, or 0. */
void diopin_expect_user_bytes(struct kunit *test, const void __user *uaddr,
			      size_t len, size_t pos, u32 seed, bool zero);

#endif /* _DIOPIN_FIXTURE_H */
