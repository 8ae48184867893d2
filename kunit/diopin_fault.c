// SPDX-License-Identifier: GPL-2.0
/*
 * diopin_fault: the failure paths of the O_DIRECT implementations, where the
 * conversion's bugs have lived (dio_cleanup() after an error, d44c40420783;
 * the page array of a faulting extraction). Bios to the case's ram disk fail
 * by the kernel's own fault injection: the disk flagged BD_MAKE_IT_FAIL, the
 * task's fail_nth armed for the call, submit_bio_noacct() ends the n-th bio
 * with BLK_STS_IOERR (should_fail_bio(), CONFIG_FAIL_MAKE_REQUEST). Only bios
 * to a flagged disk count, metadata reads included; a cold mount per round
 * repeats the sequence.
 */
#include <linux/bio.h>
#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/workqueue.h>
#include <kunit/test.h>

#include "diopin_target.h"

#define MAX_ROUNDS	64
#define MAX_ALLOC_ROUNDS	400
#define FAULT_MAX_BIOS	4
/* the DIO targets of diopin_target.c whose failure paths are swept */
#define ON_BDEV		(&diopin_targets[DIOPIN_T_BDEV])
#define ON_EXT2		(&diopin_targets[DIOPIN_T_EXT2])
#define ON_EXT4		(&diopin_targets[DIOPIN_T_EXT4])
#define ON_VFAT		(&diopin_targets[DIOPIN_T_VFAT])

static void fault_disk_clear(void *bdev)
{
	bdev_clear_flag(bdev, BD_MAKE_IT_FAIL);
}

/* Flag the disk of @bdev BD_MAKE_IT_FAIL until the test ends. */
static void fault_flag_disk(struct kunit *test, struct block_device *bdev)
{
	struct block_device *whole = bdev_whole(bdev);

	bdev_set_flag(whole, BD_MAKE_IT_FAIL);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, fault_disk_clear, whole));
}

/*
 * Set failslab's debugfs knobs (CONFIG_FAULT_INJECTION_DEBUG_FS,
 * debugfs_write_file_bool()): ignore-gfp-wait (default Y: sleeping allocations
 * never fail), cache-filter (Y: only SLAB_FAILSLAB caches, none here, count).
 * fail_nth counts every should_fail() of every fault type: the bio sweep turns
 * slab counting off (cache-filter), the allocation sweep on for all.
 */
static void fault_failslab_knobs(struct kunit *test, bool ignore_gfp_wait, bool cache_filter)
{
	KUNIT_ASSERT_EQ_MSG(test, diopin_debugfs_write(test, "failslab/ignore-gfp-wait",
						       ignore_gfp_wait ? "Y" : "N"),
			    (ssize_t)1, "CONFIG_FAILSLAB and CONFIG_FAULT_INJECTION_DEBUG_FS?");
	KUNIT_ASSERT_EQ(test, diopin_debugfs_write(test, "failslab/cache-filter",
						   cache_filter ? "Y" : "N"),
			(ssize_t)1);
}

/*
 * One failed round: pages [first, end) keep their bytes; a read's pages
 * [0, dirty) were in a submitted bio and are dirty, the rest stay clean.
 */
struct fault_run {
	unsigned int first, end, dirty;
};

/*
 * A path's known bio sequence for its call (fixed layouts: fresh images, no
 * two user pages physically contiguous): one exact outcome per round.
 * block/fops.c and fs/direct-io.c go on after a failed bio; iomap stops.
 */
struct fault_layout {
	unsigned int npages;
	unsigned int nbios;	/* bios (data and metadata) of the call */
	struct fault_run lost[FAULT_MAX_BIOS];	/* when bio n + 1 fails */
};

/* 16 KiB: one bio */
static const struct fault_layout one_bio = { 4, 1, { { 0, 4, 4 } } };
/* 1.25 MiB: a bio of BIO_MAX_VECS pages, then one of 64 */
static const struct fault_layout two_bios = { 320, 2, { { 0, 256, 320 }, { 256, 320, 320 } } };
/* ext2, 64 KiB: 12 direct 1 KiB blocks (pages 0-2), indirect block, rest */
static const struct fault_layout ext2_indirect = {
	16, 3, { { 0, 16, 3 }, { 3, 16, 3 }, { 3, 16, 16 } }
};

/* ext4, 64 KiB: 4 KiB blocks in one extent, held in the inode (read at open): one bio */
static const struct fault_layout ext4_extent = { 16, 1, { { 0, 16, 16 } } };

/*
 * vfat, 32 KiB clusters, 128 KiB: the FAT read to map cluster 2, cluster 1's
 * pages queued in a bio __blockdev_direct_IO() still submits after the error;
 * then one data bio.
 */
static const struct fault_layout vfat_fat_read = { 32, 2, { { 8, 32, 8 }, { 0, 32, 32 } } };

struct fault_case {
	const char *desc;
	const struct diopin_target *t;
	int rw;
	bool async;
	const struct fault_layout *l;
	/*
	 * The allocation sweep: what failing each slab allocation of the call,
	 * in turn, does: 'E' -ENOMEM, nothing moved; '.' absorbed, full count,
	 * every byte moved. Those past the end of the string are absorbed.
	 */
	const char *enomem;
};

#define CASE(_desc, _t, _rw, _async, _l, ...)					\
	{ .desc = (_desc), .t = (_t), .rw = (_rw), .async = (_async), .l = (_l),	\
	  .enomem = "" __VA_ARGS__ }
#define SIMPLE(rw, what) \
	CASE("block/fops.c simple, sync " what " 16 KiB", ON_BDEV, rw, false, &one_bio)
#define ASYNC(rw, what)	CASE("block/fops.c async, " what " 16 KiB", ON_BDEV, rw, true, &one_bio)
#define MULTI(rw, async, what) \
	CASE("block/fops.c multi-bio, " what " 1.25 MiB", ON_BDEV, rw, async, &two_bios)
/* iomap and fs/direct-io.c: -ENOMEM at the dio structure, the first allocation */
#define IOMAP(rw, what) \
	CASE("iomap on ext2, cold " what " 64 KiB", ON_EXT2, rw, false, &ext2_indirect, "E")
#define IOMAP_EXT4(rw, what, ...) \
	CASE("iomap on ext4, cold " what " 64 KiB", ON_EXT4, rw, false, &ext4_extent, __VA_ARGS__)
#define LEGACY(rw, what) \
	CASE("fs/direct-io.c on vfat, cold " what " 128 KiB", ON_VFAT, rw, false,	\
	     &vfat_fat_read, "E")

/* Every path, for the bio sweep: each path's bios fail in turn. */
static const struct fault_case fault_cases[] = {
	SIMPLE(READ, "read"), SIMPLE(WRITE, "write"), ASYNC(READ, "read"), ASYNC(WRITE, "write"),
	MULTI(READ, false, "sync read"), MULTI(WRITE, false, "sync write"),
	MULTI(READ, true, "async read"), MULTI(WRITE, true, "async write"),
	IOMAP(READ, "read"), IOMAP(WRITE, "overwrite"),
	IOMAP_EXT4(READ, "read"), IOMAP_EXT4(WRITE, "overwrite"),
	LEGACY(READ, "read"), LEGACY(WRITE, "overwrite"),
};

KUNIT_ARRAY_PARAM_DESC(fault, fault_cases, desc);

/*
 * The allocation sweeps group the paths by what their failed slab allocations
 * do (alike on 6.12.117, 7.2.13 and 7.3.4; 16 KiB async is in none: 6.12.117's
 * bio comes from a bioset, 7.x's from no failable allocation). Here: -ENOMEM
 * at the path's dio structure, then absorbed (fault_alloc_sweep()).
 */
static const struct fault_case alloc_enomem_cases[] = {
	IOMAP(READ, "read"), IOMAP(WRITE, "overwrite"),
	/* ext4: a cold read fails again at ext4_find_extent()'s path array */
	IOMAP_EXT4(READ, "read", "EE"),
	IOMAP_EXT4(WRITE, "overwrite", DIOPIN_EXT4_OVERWRITE_ENOMEM),
	LEGACY(READ, "read"), LEGACY(WRITE, "overwrite"),
};

KUNIT_ARRAY_PARAM_DESC(alloc_enomem, alloc_enomem_cases, desc);

/* Every one is absorbed: bio_alloc_bioset() falls back to its mempool. */
static const struct fault_case alloc_absorbed_cases[] = {
	MULTI(READ, false, "sync read"), MULTI(WRITE, false, "sync write"),
	MULTI(READ, true, "async read"), MULTI(WRITE, true, "async write"),
};

KUNIT_ARRAY_PARAM_DESC(alloc_absorbed, alloc_absorbed_cases, desc);

/* None that can fail: an on-stack bio with inline bio_vecs. */
static const struct fault_case alloc_none_cases[] = {
	SIMPLE(READ, "read"), SIMPLE(WRITE, "write"),
};

KUNIT_ARRAY_PARAM_DESC(alloc_none, alloc_none_cases, desc);

/* What one round works on: the file, and what is on it before the call. */
struct fault_target {
	const struct fault_case *c;
	struct vfsmount *mnt;
	struct file *file;
	struct diopin_buf *buf;	/* the caller's buffer */
	struct diopin_buf *old;	/* the file's bytes before the call */
	struct diopin_buf *chk;	/* where a write's result is read back */
	bool flagged;		/* the disk fails bios when fail_nth says so */
	bool alloc;		/* allocation sweep: the disk is not flagged */
};

/* Write @buf's own pattern over every page of it again. */
static void fault_refill(struct kunit *test, struct diopin_buf *buf)
{
	u8 *tmp = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	unsigned int k;

	KUNIT_ASSERT_NOT_NULL(test, tmp);
	for (k = 0; k < buf->npages; k++) {
		diopin_pattern_fill(tmp, PAGE_SIZE, k * PAGE_SIZE, buf->seed);
		KUNIT_ASSERT_EQ(test, 0, copy_to_user(buf->uaddr + k * PAGE_SIZE, tmp, PAGE_SIZE));
	}
	kunit_kfree(test, tmp);
}

/*
 * Set up a round: the caller's buffer with its own bytes, the file with the
 * old ones (neither zero nor the buffer's), a filesystem cold-mounted so the
 * call reads its metadata. Buffers reused: a sweep has hundreds of rounds.
 */
static void fault_round_setup(struct kunit *test, struct fault_target *t)
{
	const unsigned int n = t->c->l->npages;

	if (!t->buf) {
		t->buf = diopin_buf_user(test, n, DIOPIN_UMAP_PREFAULT);
		t->chk = diopin_buf_user(test, n, DIOPIN_UMAP_PREFAULT);
	} else {
		fault_refill(test, t->buf);
	}
	if (!t->file) {
		t->file = diopin_target_open(test, t->c->t, 0, NULL);
		t->mnt = t->file->f_path.mnt;
	}
	if (!t->old)
		t->old = diopin_dio_prefill(test, t->file, n, t->buf);
	else
		KUNIT_ASSERT_EQ(test, diopin_dio_ubuf(test, t->file, WRITE, 0,
						      t->old, 0, n * PAGE_SIZE),
				(ssize_t)(n * PAGE_SIZE));
	if (t->c->t->img) {
		diopin_fs_close(test, t->file);
		t->mnt = diopin_fs_remount_cold(test, t->mnt, t->c->t->img, t->c->t->dev);
		t->file = diopin_fs_open(test, t->mnt, "data", O_RDWR | O_DIRECT);
	}
	if (!t->flagged && !t->alloc)
		fault_flag_disk(test, t->c->t->img ? t->mnt->mnt_sb->s_bdev : file_bdev(t->file));
	t->flagged = true;
}

/*
 * Which pages moved: for a read, the user pages holding the file's bytes (the
 * others must hold their own); for a write, the file's pages holding the
 * buffer's (the others the old ones). A page holding neither fails the test.
 */
static void fault_moved(struct kunit *test, struct fault_target *t, bool *moved)
{
	const struct fault_case *c = t->c;
	const bool rd = c->rw == READ;
	struct diopin_buf *src = rd ? t->buf : t->chk;
	u32 now = rd ? t->old->seed : t->buf->seed, before = rd ? t->buf->seed : t->old->seed;
	u8 *tmp;
	unsigned int k;

	if (!rd)
		KUNIT_ASSERT_EQ(test, diopin_dio_ubuf(test, t->file, READ, 0, src, 0,
						      c->l->npages * PAGE_SIZE),
				(ssize_t)(c->l->npages * PAGE_SIZE));
	tmp = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tmp);
	for (k = 0; k < c->l->npages; k++) {
		KUNIT_ASSERT_EQ(test, 0,
				copy_from_user(tmp, src->uaddr + k * PAGE_SIZE, PAGE_SIZE));
		moved[k] = diopin_pattern_mismatch(tmp, PAGE_SIZE, k * PAGE_SIZE, now) == PAGE_SIZE;
		if (!moved[k])
			KUNIT_EXPECT_EQ_MSG(test, diopin_pattern_mismatch(tmp, PAGE_SIZE,
									  k * PAGE_SIZE, before),
					    PAGE_SIZE,
					    "page %u holds neither the old nor the new bytes", k);
	}
	kunit_kfree(test, tmp);
}

/*
 * A sweep round: set up, snapshot, the call with fail_nth = @nth (*@failed: the
 * @nth should_fail() came; false: the call made fewer and ran untouched), every
 * page back at its baseline; which pages moved. Returns the call's return.
 */
static ssize_t fault_round(struct kunit *test, struct fault_target *t, unsigned int nth,
			   struct diopin_snap **snap, bool *moved, bool *failed)
{
	const struct fault_case *c = t->c;
	const struct diopin_seg seg = { 0, c->l->npages * PAGE_SIZE };
	struct diopin_dio_opts o = { .fail_nth = nth };
	struct iov_iter iter;
	ssize_t ret;

	fault_round_setup(test, t);
	*snap = diopin_snap_take(test, t->buf->pages, c->l->npages);
	diopin_iter_build(test, &iter, DIOPIN_UBUF,
			  c->rw == READ ? ITER_DEST : ITER_SOURCE, t->buf, &seg, 1);
	ret = diopin_dio_ex(t->file, c->rw, 0, &iter, c->async, &o);
	*failed = o.failed;
	diopin_expect_pins(test, *snap, 0, *failed ? "after the failed call" :
			   "after the untouched call");
	fault_moved(test, t, moved);
	return ret;
}

/*
 * After bio @nth failed (or an untouched call: @run keeps no page): exactly the
 * pages outside @run moved, those of submitted read bios dirty. First mismatch.
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
 * reads in between. block/fops.c: __blkdev_direct_IO_simple()'s
 * bio_release_pages(&bio, should_dirty) and returned bi_status;
 * __blkdev_direct_IO() and blkdev_bio_end_io() (bi_status kept in dio->bio,
 * bio_check_pages_dirty() or bio_release_pages() per bio, -EIO to the waiter
 * or ki_complete); __blkdev_direct_IO_async(), blkdev_bio_end_io_async().
 * fs/iomap/direct-io.c: iomap_dio_bio_end_io(), the dio->error check that
 * stops iomap_dio_bio_iter(), iomap_dio_complete() returning the error.
 * fs/direct-io.c: dio_bio_complete() (io_error), dio_cleanup() and the queued
 * bio's submission after a get_block() error, dio_complete().
 */
static void fault_bio_sweep(struct kunit *test)
{
	const struct fault_case *c = test->param_value;
	struct fault_target t = { .c = c };
	const struct fault_run untouched = { 0, 0, c->l->npages };
	unsigned int nth;
	const size_t total = c->l->npages * PAGE_SIZE;
	struct diopin_snap *snap;
	bool failed, *moved;
	ssize_t ret;

	moved = kunit_kcalloc(test, c->l->npages, sizeof(*moved), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, moved);
	/* Only bios count: no slab allocation (no cache is SLAB_FAILSLAB). */
	fault_failslab_knobs(test, true, true);
	for (nth = 1; nth <= MAX_ROUNDS; nth++) {
		ret = fault_round(test, &t, nth, &snap, moved, &failed);
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
	KUNIT_ASSERT_LE_MSG(test, nth, MAX_ROUNDS, "still failing after %u bios", MAX_ROUNDS);
	kunit_info(test, "%u bio(s) failed in turn, then the call ran untouched", nth - 1);
	KUNIT_EXPECT_EQ_MSG(test, nth - 1, c->l->nbios, "bios this path issues");
}

/*
 * Failslab points one kmalloc() passes (knobs per fault_failslab_knobs()): 1,
 * or 2 where kmemleak tracks it (create_object()'s struct kmemleak_object,
 * from its own slab cache, whose failure mem_pool_alloc() absorbs from its
 * reserve pool). Measured: kmemleak may be off at run time.
 */
static unsigned int fault_points_per_kmalloc(struct kunit *test)
{
	unsigned int left, points;
	void *p;

	diopin_fail_nth_swap(3);
	p = kmalloc(64, GFP_KERNEL);
	left = diopin_fail_nth_swap(0);
	kfree(p);
	KUNIT_ASSERT_NOT_NULL_MSG(test, p, "the probe's third failslab point failed it");
	points = 3 - left;
	KUNIT_ASSERT_TRUE_MSG(test, points == 1 || points == 2,
			      "one kmalloc() passed %u failslab points", points);
	return points;
}

/*
 * Fail each slab allocation of one call in turn (failslab, fail_nth, sleeping
 * ones too) until it runs untouched: each round as the case's @enomem says,
 * read pages dirty exactly where bytes landed. The rounds seen go to the log
 * (and the failure): "E.." is -ENOMEM, then two absorbed. Returns how many
 * allocations failed.
 */
static unsigned int fault_alloc_rounds(struct kunit *test)
{
	const struct fault_case *c = test->param_value;
	struct fault_target t = { .c = c, .alloc = true };
	const size_t total = c->l->npages * PAGE_SIZE;
	char *seen = kunit_kzalloc(test, MAX_ALLOC_ROUNDS + 1, GFP_KERNEL);
	char *enomem = kunit_kzalloc(test, MAX_ALLOC_ROUNDS + 1, GFP_KERNEL);
	unsigned int points, i;
	size_t listed = 0;
	struct diopin_snap *snap;
	unsigned int nth, k;
	bool failed, *moved;
	char want;
	ssize_t ret;

	moved = kunit_kcalloc(test, c->l->npages, sizeof(*moved), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, moved);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	KUNIT_ASSERT_NOT_NULL(test, enomem);
	fault_failslab_knobs(test, false, false);
	/* Under kmemleak each listed allocation is followed by its own, absorbed. */
	points = fault_points_per_kmalloc(test);
	for (i = 0; c->enomem[i] && listed + points <= MAX_ALLOC_ROUNDS; i++) {
		enomem[listed++] = c->enomem[i];
		for (k = 1; k < points; k++)
			enomem[listed++] = '.';
	}
	for (nth = 1; nth <= MAX_ALLOC_ROUNDS; nth++) {
		ret = fault_round(test, &t, nth, &snap, moved, &failed);
		if (!failed) {
			KUNIT_EXPECT_EQ(test, ret, (ssize_t)total);
			break;
		}
		seen[nth - 1] = ret == -ENOMEM ? 'E' : ret == (ssize_t)total ? '.' : '?';
		want = nth <= listed ? enomem[nth - 1] : '.';
		/* After a first wrong round, only note the rest: the log says all. */
		if (test->status == KUNIT_FAILURE)
			continue;
		KUNIT_EXPECT_EQ_MSG(test, ret, want == 'E' ? -ENOMEM : (ssize_t)total,
				    "allocation %u failed", nth);
		for (k = 0; k < c->l->npages; k++) {
			if (moved[k] != (want == '.')) {
				KUNIT_FAIL(test, "allocation %u failed: page %u %s", nth, k,
					   moved[k] ? "moved" : "did not move");
				break;
			}
			if (c->rw == READ &&
			    folio_test_dirty(page_folio(snap->s[k].page)) != moved[k]) {
				KUNIT_FAIL(test, "allocation %u failed: read page %u is %s",
					   nth, k, moved[k] ? "clean" : "dirty");
				break;
			}
		}
		diopin_clear_dirty(snap);
	}
	fault_failslab_knobs(test, true, false);
	KUNIT_ASSERT_LE_MSG(test, nth, MAX_ALLOC_ROUNDS,
			    "still failing after %u allocations", MAX_ALLOC_ROUNDS);
	KUNIT_EXPECT_GE_MSG(test, nth - 1, listed, "allocations failed: \"%s\", expected \"%s\"",
			    seen, enomem);
	if (nth > 1)
		kunit_info(test, "%u allocation(s) failed in turn: \"%s\" (E: -ENOMEM, .: absorbed)",
			   nth - 1, seen);
	return nth - 1;
}

/*
 * Guards the -ENOMEM path of each O_DIRECT implementation: iomap's
 * __iomap_dio_rw() (kmalloc of the struct iomap_dio, -ENOMEM before
 * iomap_iter() maps anything; on ext4 also ext4_find_extent()'s) and
 * fs/direct-io.c __blockdev_direct_IO() (kmem_cache_alloc of the struct dio,
 * -ENOMEM before any pin), exactly at the rounds the row lists; every other
 * allocation is absorbed (bios from a bioset, __GFP_NOFAIL buffer heads) and
 * every byte moves.
 */
static void fault_alloc_sweep(struct kunit *test)
{
	KUNIT_EXPECT_GE_MSG(test, fault_alloc_rounds(test), 1, "no allocation of the call failed");
}

/*
 * Guards: bio_alloc_bioset()'s mempool fallback under block/fops.c's multi-bio
 * paths (__blkdev_direct_IO(): first bio from blkdev_dio_pool, the next from
 * bio_alloc()): each slab allocation of the call, failed in turn, is absorbed
 * (full count, every byte moved, every pin released). No DIO failure path is
 * reached: that the call cannot fail for lack of memory.
 */
static void fault_alloc_absorbed(struct kunit *test)
{
	KUNIT_EXPECT_GE_MSG(test, fault_alloc_rounds(test), 1, "no allocation of the call failed");
}

/*
 * Guards: block/fops.c __blkdev_direct_IO_simple() for at most
 * DIO_INLINE_BIO_VECS pages: an on-stack bio with inline bio_vecs, no slab
 * allocation; failslab armed at the first, none is reached, every byte moves.
 */
static void fault_alloc_simple_path_allocates_nothing(struct kunit *test)
{
	KUNIT_EXPECT_EQ_MSG(test, fault_alloc_rounds(test), 0,
			    "the simple path made a failable allocation");
	kunit_info(test, "no failable allocation: fail_nth=1 was never reached");
}

/*
 * Guards: the -ENOMEM paths of passthrough mapping, blk_rq_map_user_iov() and
 * bio_map_user_iov() (block/blk-map.c); each slab allocation of the mapping
 * fails in turn, one outcome per round. On 6.12 the bio (bio_kmalloc()), then
 * the page array iov_iter_extract_pages() allocates for more than UIO_FASTIOV
 * pages (want_pages_array()) fail it -ENOMEM: no bio left on the request, the
 * iterator where it was; from 7.0 the bio is from a bioset (failure absorbed),
 * no page array (DIOPIN_MAP_USER_ALLOC_ENOMEM): it maps. Under kmemleak each
 * allocation is followed by kmemleak's own, failure absorbed
 * (fault_points_per_kmalloc()): round nth hits the mapping's allocation
 * (nth - 1) / points + 1, or kmemleak's for it. Every page back at baseline
 * after each round, blk_rq_unmap_user() releasing what a mapping took.
 */
static void fault_alloc_passthrough_map(struct kunit *test)
{
	const struct diopin_seg seg = { 0, 16 * PAGE_SIZE };
	struct diopin_buf *buf = diopin_buf_user(test, 16, DIOPIN_UMAP_PREFAULT);
	struct diopin_snap *snap = diopin_snap_take(test, buf->pages, 16);
	unsigned int nth, points, nenomem = 0;
	struct request *rq;
	struct iov_iter iter;
	bool failed, own;
	int ret, want;

	fault_failslab_knobs(test, false, false);
	points = fault_points_per_kmalloc(test);
	for (nth = 1; nth <= MAX_ALLOC_ROUNDS; nth++) {
		rq = diopin_nullb_rq(test, REQ_OP_DRV_IN);
		diopin_iter_build(test, &iter, DIOPIN_UBUF, ITER_DEST, buf, &seg, 1);
		diopin_fail_nth_swap(nth);
		ret = blk_rq_map_user_iov(rq->q, rq, NULL, &iter, GFP_KERNEL);
		failed = !diopin_fail_nth_swap(0);
		/* a mapping is released before anything is asserted */
		if (!ret)
			KUNIT_EXPECT_EQ(test, blk_rq_unmap_user(rq->bio), 0);
		/* the mapping's own allocation, not kmemleak's for it */
		own = (nth - 1) % points == 0;
		want = failed && own &&
		       (nth - 1) / points < DIOPIN_MAP_USER_ALLOC_ENOMEM ? -ENOMEM : 0;
		KUNIT_EXPECT_EQ_MSG(test, ret, want, "failslab point %u (allocation %u%s)",
				    nth, (nth - 1) / points + 1, own ? "" : ", kmemleak's");
		if (ret) {
			nenomem++;
			KUNIT_EXPECT_NULL(test, rq->bio);
			KUNIT_EXPECT_EQ(test, iov_iter_count(&iter), seg.len);
		}
		diopin_expect_pins(test, snap, 0, ret ? "after the failed mapping" :
				   "after blk_rq_unmap_user()");
		diopin_clear_dirty(snap);
		diopin_rq_free(test, rq);
		if (!failed || test->status == KUNIT_FAILURE)
			break;
	}
	fault_failslab_knobs(test, true, false);
	KUNIT_ASSERT_LE(test, nth, MAX_ALLOC_ROUNDS);
	KUNIT_EXPECT_GE_MSG(test, nth - 1, 1, "no allocation of the mapping failed");
	kunit_info(test, "%u failslab point(s) failed in turn, %u per allocation (%u -ENOMEM, %u absorbed), then it mapped",
		   nth - 1, points, nenomem, nth - 1 - nenomem);
}

/*
 * A read and a write of @npages on brd, each refused with @want: every pin
 * released, the read's pages dirty if @read_dirty, nothing moved either way.
 */
static void fault_refused_both_ways(struct kunit *test, unsigned int npages,
				    struct diopin_dio_opts *o, bool async, ssize_t want,
				    bool read_dirty)
{
	struct file *file = diopin_bdev_open(test, DIOPIN_BRD(DIOPIN_RAM_BDEV));
	struct diopin_buf *buf = diopin_buf_user(test, npages, DIOPIN_UMAP_PREFAULT);
	struct diopin_buf *old = diopin_dio_prefill(test, file, npages, buf);
	struct diopin_snap *snap = diopin_snap_take(test, buf->pages, npages);
	const struct diopin_seg seg = { 0, npages * PAGE_SIZE };
	struct iov_iter iter;
	int rw;

	for (rw = READ; rw <= WRITE; rw++) {
		diopin_iter_build(test, &iter, DIOPIN_UBUF,
				  rw == READ ? ITER_DEST : ITER_SOURCE, buf, &seg, 1);
		KUNIT_EXPECT_EQ(test, diopin_dio_ex(file, rw, 0, &iter, async, o), want);
		diopin_expect_pins(test, snap, 0, rw == READ ? "after the read" :
				   "after the write");
		diopin_expect_dirty(test, snap, rw == READ && read_dirty, "after the refused call");
		diopin_clear_dirty(snap);
	}
	diopin_expect_user_bytes(test, buf->uaddr, seg.len, 0, buf->seed, false);
	diopin_expect_user_bytes(test, diopin_dio_readback(test, file, npages)->uaddr,
				 seg.len, 0, old->seed, false);
}

/*
 * Guards: the IOCB_NOWAIT branch of __blkdev_direct_IO() in block/fops.c: an
 * I/O that needs a second bio is refused with -EAGAIN after the first was
 * built, whose pins bio_release_pages() drops; nothing read, written, dirtied.
 */
static void fault_nowait_multi_bio_eagain(struct kunit *test)
{
	struct diopin_dio_opts nowait = { .ki_flags = IOCB_NOWAIT };

	fault_refused_both_ways(test, 320, &nowait, false, -EAGAIN, false);
}

/*
 * A disk's queue frozen (blk_freeze_queue_start_non_owner():
 * __bio_queue_enter() ends a REQ_NOWAIT bio with BLK_STS_AGAIN,
 * bio_wouldblock_error(), and makes any other wait) until @thaw runs, @delay
 * after the freeze, or the test ends.
 */
struct frozen_queue {
	struct request_queue *q;
	struct delayed_work thaw;
	bool thawed;
};

static void frozen_queue_thaw(struct work_struct *work)
{
	struct frozen_queue *fq = container_of(to_delayed_work(work), struct frozen_queue, thaw);

	/* Said first: a call the thaw lets go must see it. */
	WRITE_ONCE(fq->thawed, true);
	blk_mq_unfreeze_queue_non_owner(fq->q);
}

static void frozen_queue_release(void *arg)
{
	struct frozen_queue *fq = arg;

	cancel_delayed_work_sync(&fq->thaw);
	if (!READ_ONCE(fq->thawed))
		frozen_queue_thaw(&fq->thaw.work);
}

static struct frozen_queue *frozen_queue_start(struct kunit *test, struct block_device *bdev,
					       unsigned long delay)
{
	struct frozen_queue *fq = kunit_kzalloc(test, sizeof(*fq), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, fq);
	fq->q = bdev_get_queue(bdev);
	INIT_DELAYED_WORK(&fq->thaw, frozen_queue_thaw);
	blk_freeze_queue_start_non_owner(fq->q);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, frozen_queue_release, fq));
	blk_mq_freeze_queue_wait(fq->q);
	schedule_delayed_work(&fq->thaw, delay);
	return fq;
}

/* The frozen-queue rows (their layout, .l, is not used). */
static const struct fault_case frozen_cases[] = {
	SIMPLE(READ, "read"), SIMPLE(WRITE, "write"), ASYNC(READ, "read"), ASYNC(WRITE, "write"),
	CASE("fs/direct-io.c on vfat, sync overwrite 16 KiB", ON_VFAT, WRITE, false, NULL),
	CASE("fs/direct-io.c on vfat, async overwrite 16 KiB", ON_VFAT, WRITE, true, NULL),
};

KUNIT_ARRAY_PARAM_DESC(frozen, frozen_cases, desc);

/*
 * Guards: REQ_NOWAIT on the O_DIRECT bios of IOCB_NOWAIT calls, and what each
 * path makes of a bio the block layer would not wait for (BLK_STS_AGAIN):
 * block/fops.c's simple path (blk_status_to_errno() after submit_bio_wait())
 * and async path (blkdev_bio_end_io_async()) return -EAGAIN; 6.12's
 * fs/direct-io.c sets REQ_NOWAIT on writes and dio_bio_complete() turns
 * BLK_STS_AGAIN into -EAGAIN (any other error is -EIO). The call returns with
 * the queue still frozen, every pin released, a read's pages dirtied (at
 * submission, or by bio_release_pages()), nothing moved. 7.2's fs/direct-io.c
 * has no IOCB_NOWAIT support (DIOPIN_LEGACY_DIO_NOWAIT 0): its write waits
 * for the thaw and completes in full.
 */
static void fault_nowait_frozen_queue_eagain(struct kunit *test)
{
	const struct fault_case *c = test->param_value;
	struct diopin_buf *buf = diopin_buf_user(test, 4, DIOPIN_UMAP_PREFAULT);
	struct diopin_dio_opts nowait = { .ki_flags = IOCB_NOWAIT };
	const struct diopin_seg seg = { 0, 4 * PAGE_SIZE };
	bool refused = !c->t->img || DIOPIN_LEGACY_DIO_NOWAIT;
	struct diopin_buf *old;
	struct block_device *bdev;
	struct frozen_queue *fq;
	struct diopin_snap *snap;
	struct iov_iter iter;
	struct file *file = diopin_target_open(test, c->t, 0, NULL);
	ssize_t ret;

	bdev = c->t->img ? file->f_path.mnt->mnt_sb->s_bdev : file_bdev(file);
	invalidate_mapping_pages(file->f_mapping, 0, -1);
	old = diopin_dio_prefill(test, file, 4, buf);
	KUNIT_ASSERT_EQ_MSG(test, file->f_mapping->nrpages, 0,
			    "the file has cached pages: IOCB_NOWAIT would stop there");
	snap = diopin_snap_take(test, buf->pages, 4);
	diopin_iter_build(test, &iter, DIOPIN_UBUF,
			  c->rw == READ ? ITER_DEST : ITER_SOURCE, buf, &seg, 1);
	/* a refused call returns at once; one that waits is let go after 0.5 s */
	fq = frozen_queue_start(test, bdev, refused ? 10 * HZ : HZ / 2);
	ret = diopin_dio_ex(file, c->rw, 0, &iter, c->async, &nowait);
	KUNIT_EXPECT_EQ_MSG(test, !READ_ONCE(fq->thawed), refused,
			    "the call returned %s the queue was thawed",
			    READ_ONCE(fq->thawed) ? "after" : "before");
	KUNIT_EXPECT_EQ(test, ret, refused ? (ssize_t)-EAGAIN : (ssize_t)seg.len);
	kunit_release_action(test, frozen_queue_release, fq);
	diopin_expect_pins(test, snap, 0, "after the call");
	diopin_expect_dirty(test, snap, c->rw == READ, "after the call");
	diopin_clear_dirty(snap);
	diopin_expect_user_bytes(test, buf->uaddr, seg.len, 0, buf->seed, false);
	diopin_expect_user_bytes(test, diopin_dio_readback(test, file, 4)->uaddr, seg.len, 0,
				 refused ? old->seed : buf->seed, false);
}

/*
 * Guards: the -EFAULT branch of __blkdev_direct_IO()'s loop (block/fops.c): a
 * hole at page 300 of 320 leaves the first bio (256 pages) and a second of the
 * 44 pages before the hole submitted; the third bio_iov_iter_get_pages()
 * fails, its empty bio is ended with BLK_STS_IOERR and a sync call returns
 * -EFAULT though the 300 pages moved (the single-bio paths return the count).
 * An async call returned -EIOCBQUEUED without that -EFAULT: its kiocb
 * completes with the empty bio's status, -EIO. Every pinned page released
 * once, read pages dirty; reads and writes.
 */
static void fault_multi_bio_user_hole_efault(struct kunit *test)
{
	struct file *file = diopin_bdev_open(test, DIOPIN_BRD(DIOPIN_RAM_BDEV));
	struct diopin_buf *buf = diopin_buf_user(test, 320, DIOPIN_UMAP_PREFAULT);
	struct diopin_buf *old = diopin_dio_prefill(test, file, 320, buf);
	struct diopin_buf *chk = diopin_buf_user(test, 320, DIOPIN_UMAP_PREFAULT);
	const struct diopin_seg seg = { 0, 320 * PAGE_SIZE };
	struct diopin_snap *snap;
	struct iov_iter iter;
	unsigned int round;
	int rw;

	diopin_buf_punch(test, buf, 300);
	snap = diopin_snap_take(test, buf->pages, 300);
	for (round = 0; round < 4; round++) {
		bool async = round & 1;

		rw = round < 2 ? WRITE : READ;
		diopin_iter_build(test, &iter, DIOPIN_UBUF,
				  rw == READ ? ITER_DEST : ITER_SOURCE, buf, &seg, 1);
		KUNIT_EXPECT_EQ_MSG(test, diopin_dio(file, rw, 0, &iter, async),
				    async ? (ssize_t)-EIO : (ssize_t)-EFAULT, "%s %s",
				    async ? "async" : "sync", rw == READ ? "read" : "write");
		diopin_expect_pins(test, snap, 0, "pages before the hole");
		diopin_expect_dirty(test, snap, rw == READ, "pages before the hole");
		diopin_clear_dirty(snap);
	}
	/* The reads brought back what the writes put before the hole. */
	diopin_expect_user_bytes(test, buf->uaddr, 300 * PAGE_SIZE, 0, buf->seed, false);
	KUNIT_ASSERT_EQ(test, diopin_dio_ubuf(test, file, READ, 0, chk, 0, 320 * PAGE_SIZE),
			(ssize_t)(320 * PAGE_SIZE));
	diopin_expect_user_bytes(test, chk->uaddr, 300 * PAGE_SIZE, 0, buf->seed, false);
	diopin_expect_user_bytes(test, chk->uaddr + 300 * PAGE_SIZE, 20 * PAGE_SIZE,
				 300 * PAGE_SIZE, old->seed, false);
}

/*
 * Guards: an async IOCB_HIPRI O_DIRECT call on brd, which has no poll queues
 * (__blkdev_direct_IO_async(): REQ_POLLED): the bio is built, its pages pinned,
 * then the block layer ends it with BLK_STS_NOTSUPP; blkdev_bio_end_io_async()
 * completes the kiocb with -EOPNOTSUPP, releasing every pin; nothing moves (a
 * read's pages dirtied at submission, bio_set_pages_dirty()).
 */
static void fault_hipri_on_brd_eopnotsupp(struct kunit *test)
{
	struct diopin_dio_opts hipri = { .ki_flags = IOCB_HIPRI };

	fault_refused_both_ways(test, 4, &hipri, true, -EOPNOTSUPP, true);
}

/*
 * Guards: the RWF_ATOMIC gate a pwritev2() goes through, kiocb_set_rw_flags():
 * brd advertises no atomic write unit, so blkdev_open() leaves
 * FMODE_CAN_ATOMIC_WRITE clear (bdev_can_atomic_write()) and RWF_ATOMIC is
 * refused with -EOPNOTSUPP before any I/O is built: IOCB_ATOMIC never set,
 * nothing pinned, the device unchanged. (If the gate lets it through, the
 * write is issued as a syscall would issue it and the case reports it.)
 */
static void fault_atomic_write_on_brd_eopnotsupp(struct kunit *test)
{
	struct file *file = diopin_bdev_open_node(test, DIOPIN_BRD(DIOPIN_RAM_BDEV),
						  O_RDWR | O_DIRECT);
	struct diopin_buf *buf = diopin_buf_user(test, 4, DIOPIN_UMAP_PREFAULT);
	struct diopin_buf *old = diopin_dio_prefill(test, file, 4, buf);
	struct diopin_snap *snap = diopin_snap_take(test, buf->pages, 4);
	const struct diopin_seg seg = { 0, 4 * PAGE_SIZE };
	struct diopin_dio_opts o = {};
	struct iov_iter iter;
	struct kiocb kiocb;
	int ret;

	KUNIT_EXPECT_FALSE_MSG(test, file->f_mode & FMODE_CAN_ATOMIC_WRITE,
			       "brd opened with FMODE_CAN_ATOMIC_WRITE");
	init_sync_kiocb(&kiocb, file);
	ret = kiocb_set_rw_flags(&kiocb, RWF_ATOMIC, WRITE);
	KUNIT_EXPECT_EQ(test, ret, -EOPNOTSUPP);
	KUNIT_EXPECT_FALSE(test, kiocb.ki_flags & IOCB_ATOMIC);
	if (!ret) {
		o.ki_flags = kiocb.ki_flags & IOCB_ATOMIC;
		diopin_iter_build(test, &iter, DIOPIN_UBUF, ITER_SOURCE, buf, &seg, 1);
		kunit_info(test, "RWF_ATOMIC let through: the write returned %zd",
			   diopin_dio_ex(file, WRITE, 0, &iter, false, &o));
	}
	diopin_expect_pins(test, snap, 0, "after the refused atomic write");
	diopin_expect_dirty(test, snap, false, "write source");
	diopin_expect_user_bytes(test, diopin_dio_readback(test, file, 4)->uaddr, 4 * PAGE_SIZE, 0,
				 old->seed, false);
}

/*
 * Guards: iov_iter_extract_user_pages() passes FOLL_NOFAULT for a nofault
 * iterator (as filesystems' page-fault-disabled retries use it): an O_DIRECT
 * read into never-written memory (the zero page mapped, the write needs a COW
 * fault) fails with -EFAULT and faults nothing in: the zero page still mapped,
 * the mm's anonymous RSS unchanged. The same read into written memory runs.
 */
static void fault_nofault_read_faults_nothing_in(struct kunit *test)
{
	struct file *file = diopin_bdev_open(test, DIOPIN_BRD(DIOPIN_RAM_BDEV));
	struct diopin_buf *fresh = diopin_buf_user(test, 4, 0);
	struct diopin_buf *written = diopin_buf_user(test, 4, DIOPIN_UMAP_PREFAULT);
	const struct diopin_seg seg = { 0, 4 * PAGE_SIZE };
	struct page *now[4];
	struct iov_iter iter;
	unsigned long rss;
	unsigned int k;

	rss = get_mm_counter(current->mm, MM_ANONPAGES);
	diopin_iter_build(test, &iter, DIOPIN_UBUF, ITER_DEST, fresh, &seg, 1);
	iter.nofault = true;
	KUNIT_EXPECT_EQ(test, diopin_dio(file, READ, 0, &iter, false), (ssize_t)-EFAULT);
	KUNIT_EXPECT_EQ(test, iov_iter_count(&iter), seg.len);
	KUNIT_EXPECT_EQ_MSG(test, get_mm_counter(current->mm, MM_ANONPAGES), rss,
			    "a nofault read faulted pages in");
	KUNIT_ASSERT_EQ(test, diopin_user_pages(test, (unsigned long)fresh->uaddr, 4, now), 4);
	for (k = 0; k < 4; k++)
		KUNIT_EXPECT_TRUE_MSG(test, is_zero_page(now[k]),
				      "page %u was faulted in for writing", k);
	diopin_iter_build(test, &iter, DIOPIN_UBUF, ITER_DEST, written, &seg, 1);
	iter.nofault = true;
	KUNIT_EXPECT_EQ(test, diopin_dio(file, READ, 0, &iter, false), (ssize_t)(4 * PAGE_SIZE));
}

/*
 * Guards: block/blk-map.c when a passthrough request is larger than the queue
 * takes (nullb0: 64 KiB, null_blk.max_sectors=128): -EINVAL, no bio on the
 * request, the caller's iterator untouched, none of the 32 pages pinned. On
 * 6.12 bio_map_user_iov() puts 16 pages in a bio until bio_add_hw_page()
 * refuses the 17th, releases the rest and reverts; the next call maps them
 * into a second bio that blk_rq_append_bio() refuses (ll_back_merge_fn()), and
 * blk_rq_map_user_iov() unmaps the first with blk_rq_unmap_user(), releasing a
 * DRV_IN bio as a finished read: the first 16 pages come back dirty though
 * nothing was read into them. On 7.2 one bio takes all 32, refused whole by
 * blk_rq_append_bio(): all clean (DIOPIN_MAP_USER_CHAINS_BIOS).
 */
static void fault_passthrough_map_too_big_einval(struct kunit *test)
{
	const struct diopin_seg seg = { 0, 32 * PAGE_SIZE };
	struct diopin_buf *buf = diopin_buf_user(test, 32, DIOPIN_UMAP_PREFAULT);
	struct diopin_snap *first = diopin_snap_take(test, buf->pages, 16);
	struct diopin_snap *second = diopin_snap_take(test, buf->pages + 16, 16);
	struct request *rq = diopin_nullb_rq(test, REQ_OP_DRV_IN);
	struct iov_iter iter;
	int ret;

	KUNIT_ASSERT_EQ(test, queue_max_hw_sectors(rq->q), 128U);
	diopin_clear_dirty(first);
	diopin_clear_dirty(second);
	diopin_iter_build(test, &iter, DIOPIN_UBUF, ITER_DEST, buf, &seg, 1);
	ret = blk_rq_map_user_iov(rq->q, rq, NULL, &iter, GFP_KERNEL);
	/* a mapping that should not have been made is released first */
	if (!ret)
		blk_rq_unmap_user(rq->bio);
	KUNIT_EXPECT_EQ(test, ret, -EINVAL);
	if (ret)
		KUNIT_EXPECT_NULL(test, rq->bio);
	KUNIT_EXPECT_EQ(test, iov_iter_count(&iter), seg.len);
	diopin_expect_pins(test, first, 0, "the first 16 pages");
	diopin_expect_pins(test, second, 0, "the last 16 pages");
	diopin_expect_dirty(test, first, DIOPIN_MAP_USER_CHAINS_BIOS, "the first 16 pages");
	diopin_expect_dirty(test, second, false, "the last 16 pages");
	diopin_clear_dirty(first);
}

static struct kunit_case diopin_fault_cases[] = {
	KUNIT_CASE_PARAM(fault_bio_sweep, fault_gen_params),
	KUNIT_CASE_PARAM(fault_alloc_sweep, alloc_enomem_gen_params),
	KUNIT_CASE_PARAM(fault_alloc_absorbed, alloc_absorbed_gen_params),
	KUNIT_CASE_PARAM(fault_alloc_simple_path_allocates_nothing,
			 alloc_none_gen_params),
	KUNIT_CASE(fault_alloc_passthrough_map),
	KUNIT_CASE(fault_passthrough_map_too_big_einval),
	KUNIT_CASE(fault_nowait_multi_bio_eagain),
	KUNIT_CASE_PARAM(fault_nowait_frozen_queue_eagain, frozen_gen_params),
	KUNIT_CASE(fault_multi_bio_user_hole_efault),
	KUNIT_CASE(fault_hipri_on_brd_eopnotsupp),
	KUNIT_CASE(fault_atomic_write_on_brd_eopnotsupp),
	KUNIT_CASE(fault_nofault_read_faults_nothing_in),
	{}
};

static struct kunit_suite diopin_fault_suite = {
	.name = "diopin_fault",
	.test_cases = diopin_fault_cases,
};

kunit_test_suite(diopin_fault_suite);

MODULE_DESCRIPTION("KUnit failure-path tests of O_DIRECT page pinning");
MODULE_LICENSE("GPL");
