// SPDX-License-Identifier: GPL-2.0
/*
 * diopin_bio: the block half of the Direct-I/O pinning conversion (David
 * Howells, 2023): bio_iov_iter_get_pages() on iov_iter_extract_pages() and
 * BIO_PAGE_PINNED, bio_release_pages(), the same-page merge's extra pin,
 * should_dirty / bio_check_pages_dirty(), and blk_rq_map_user_iov()
 * passthrough. Bios go to brd (/dev/ram0); passthrough requests to null_blk.
 */
#include <linux/bio.h>
#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/mman.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <kunit/test.h>

#include "internal.h"	/* mm/internal.h: try_grab_folio() */
#include "diopin_fixture.h"

#define BUF_PAGES	8

static struct block_device *bio_test_bdev(struct kunit *test)
{
	return file_bdev(diopin_bdev_open(test, DIOPIN_BRD(DIOPIN_RAM_BIO)));
}

/* The bio's pages and the bio itself go when the test ends, if still ours. */
static void bio_test_put_action(void *data)
{
	struct bio *bio = data;

	bio_release_pages(bio, false);
	bio_put(bio);
}

static struct bio *bio_test_alloc(struct kunit *test, struct block_device *bdev,
				  unsigned short nr_vecs, blk_opf_t op)
{
	struct bio *bio = bio_alloc(bdev, nr_vecs, op, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, bio);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, bio_test_put_action, bio));
	return bio;
}

/* Release the bio's pages now with @mark_dirty, and put it. */
static void bio_test_release(struct kunit *test, struct bio *bio, bool mark_dirty)
{
	kunit_remove_action(test, bio_test_put_action, bio);
	bio_release_pages(bio, mark_dirty);
	bio_put(bio);
}

/* Walk the bio by page, expecting @buf's page at each logical byte; returns bytes walked. */
static size_t bio_expect_pages(struct kunit *test, struct bio *bio, struct diopin_buf *buf,
			       const struct diopin_seg *segs, unsigned int nsegs)
{
	struct bvec_iter_all iter;
	struct bio_vec *bv;
	unsigned int seg = 0;
	size_t segoff = 0, walked = 0;

	bio_for_each_bvec_all(bv, bio, iter.idx) {
		size_t done = 0;

		while (done < bv->bv_len) {
			size_t boff = bv->bv_offset + done;
			struct page *page = bv->bv_page + boff / PAGE_SIZE;
			size_t part = min(bv->bv_len - done, PAGE_SIZE - boff % PAGE_SIZE), pos;

			while (seg < nsegs && segoff == segs[seg].len) {
				seg++;
				segoff = 0;
			}
			KUNIT_ASSERT_LT_MSG(test, seg, nsegs, "bio longer than iterator");
			pos = segs[seg].off + segoff;
			KUNIT_EXPECT_EQ_MSG(test, boff % PAGE_SIZE, pos % PAGE_SIZE,
					    "offset in page at iterator byte %zu", walked);
			KUNIT_ASSERT_PTR_EQ_MSG(test, page, buf->pages[pos / PAGE_SIZE],
						"page at iterator byte %zu", walked);
			part = min(part, segs[seg].len - segoff);
			done += part;
			segoff += part;
			walked += part;
		}
	}
	return walked;
}

/* Snapshot the pages under @segs: once each if same-page segments merge, else per segment. */
static struct diopin_snap *seg_snap(struct kunit *test, struct diopin_buf *buf,
				    const struct diopin_seg *segs, unsigned int nsegs)
{
	struct page *out[BUF_PAGES * 4];
	unsigned int i, n = 0, k, j;

	for (i = 0; i < nsegs; i++) {
		if (!segs[i].len)
			continue;
		for (k = segs[i].off / PAGE_SIZE;
		     k <= (segs[i].off + segs[i].len - 1) / PAGE_SIZE; k++) {
			for (j = 0; DIOPIN_BIO_MERGES_SAME_PAGE && j < n &&
			     out[j] != buf->pages[k]; j++)
				;
			if (!DIOPIN_BIO_MERGES_SAME_PAGE || j == n)
				out[n++] = buf->pages[k];
		}
	}
	return diopin_snap_take(test, out, n);
}

struct get_case {
	const char *desc;
	enum diopin_iter_type type;
	struct diopin_seg segs[4];
	unsigned int nsegs;
	unsigned int bvecs;	/* bi_vcnt where same-page segments merge, 0: not fixed */
};

static const struct get_case get_cases[] = {
	{ .desc = "UBUF: four pages, each pinned once", .type = DIOPIN_UBUF,
	  .segs = { { 0, 4 * PAGE_SIZE } }, .nsegs = 1, .bvecs = 0 },
	{ .desc = "UBUF: sector-aligned start, three pages", .type = DIOPIN_UBUF,
	  .segs = { { 512, 2 * PAGE_SIZE } }, .nsegs = 1, .bvecs = 0 },
	{ .desc = "IOVEC: three segments, three pages", .type = DIOPIN_IOVEC,
	  .segs = { { 0, PAGE_SIZE }, { 3 * PAGE_SIZE, 1024 }, { 5 * PAGE_SIZE + 512, 512 } },
	  .nsegs = 3, .bvecs = 0 },
	{ .desc = "IOVEC: two segments in one page", .type = DIOPIN_IOVEC,
	  .segs = { { 0, 512 }, { 512, 1024 } }, .nsegs = 2, .bvecs = 1 },
	{ .desc = "IOVEC: three segments in one page", .type = DIOPIN_IOVEC,
	  .segs = { { 1024, 512 }, { 1536, 512 }, { 2048, 1024 } }, .nsegs = 3, .bvecs = 1 },
	{ .desc = "KVEC: borrowed, no pins", .type = DIOPIN_KVEC,
	  .segs = { { 0, 2 * PAGE_SIZE }, { 4 * PAGE_SIZE, 512 } }, .nsegs = 2, .bvecs = 0 },
	{ .desc = "KVEC: same-page segments, no pins", .type = DIOPIN_KVEC,
	  .segs = { { 0, 512 }, { 512, 512 } }, .nsegs = 2, .bvecs = 1 },
};

KUNIT_ARRAY_PARAM_DESC(get, get_cases, desc);

/*
 * Guards: bio_iov_iter_get_pages(): BIO_PAGE_PINNED set iff
 * iov_iter_extract_will_pin(); __bio_iov_iter_get_pages() placing the right
 * pages at the right offsets; bio_iov_add_folio()'s "if (same_page &&
 * BIO_PAGE_PINNED) unpin_user_folio(folio, 1)" leaving a merged page exactly
 * one pin before v7.0, one bvec and one pin per segment from v7.0
 * (DIOPIN_BIO_MERGES_SAME_PAGE); bio_release_pages() restoring every page.
 */
static void bio_get_pages_pins_or_borrows(struct kunit *test)
{
	const struct get_case *c = test->param_value;
	bool user = c->type == DIOPIN_UBUF || c->type == DIOPIN_IOVEC;
	struct block_device *bdev = bio_test_bdev(test);
	struct diopin_snap *snap;
	struct diopin_buf *buf;
	struct iov_iter iter;
	struct bio *bio;
	size_t total;

	buf = user ? diopin_buf_user(test, BUF_PAGES, DIOPIN_UMAP_PREFAULT) :
		     diopin_buf_kernel(test, DIOPIN_BUF_PAGES, BUF_PAGES);
	total = diopin_iter_build(test, &iter, c->type, ITER_SOURCE, buf, c->segs, c->nsegs);
	snap = seg_snap(test, buf, c->segs, c->nsegs);
	bio = bio_test_alloc(test, bdev, BIO_MAX_VECS, REQ_OP_WRITE);
	KUNIT_ASSERT_EQ(test, diopin_bio_iov_iter_get_pages(bio, &iter), 0);
	KUNIT_EXPECT_EQ(test, bio_flagged(bio, BIO_PAGE_PINNED), user);
	KUNIT_EXPECT_EQ(test, bio->bi_iter.bi_size, total);
	KUNIT_EXPECT_EQ(test, iov_iter_count(&iter), 0);
	if (c->bvecs)
		KUNIT_EXPECT_EQ(test, bio->bi_vcnt,
				DIOPIN_BIO_MERGES_SAME_PAGE ? c->bvecs : c->nsegs);
	KUNIT_EXPECT_EQ(test, bio_expect_pages(test, bio, buf, c->segs, c->nsegs), total);
	diopin_expect_pins(test, snap, user ? 1 : 0, "in the bio");
	bio_test_release(test, bio, false);
	diopin_expect_pins(test, snap, 0, "after bio_release_pages()");
	diopin_expect_dirty(test, snap, false, "after bio_release_pages(bio, false)");
}

/*
 * Guards: the ITER_BVEC branch of bio_iov_iter_get_pages() and
 * bio_iov_bvec_set(): the bio borrows the caller's bvec array as it is (no
 * copy, no pins, BIO_CLONED), the iterator advances by the bio size; bi_vcnt
 * is the array's length before v7.0, 0 from v7.0 (DIOPIN_BVEC_SET_SETS_VCNT).
 */
static void bio_get_pages_bvec_borrows_array(struct kunit *test)
{
	static const struct diopin_seg segs[] = {
		{ 512, PAGE_SIZE }, { 2 * PAGE_SIZE, 2 * PAGE_SIZE }, { 6 * PAGE_SIZE, 1024 },
	};
	struct block_device *bdev = bio_test_bdev(test);
	struct diopin_buf *buf = diopin_buf_kernel(test, DIOPIN_BUF_FOLIO, BUF_PAGES);
	struct diopin_snap *snap = diopin_snap_take(test, buf->pages, BUF_PAGES);
	const struct bio_vec *caller;
	struct iov_iter iter;
	struct bio *bio;
	size_t total;

	total = diopin_iter_build(test, &iter, DIOPIN_BVEC, ITER_SOURCE, buf,
				  segs, ARRAY_SIZE(segs));
	caller = iter.bvec;
	bio = bio_test_alloc(test, bdev, 0, REQ_OP_WRITE);
	KUNIT_ASSERT_EQ(test, diopin_bio_iov_iter_get_pages(bio, &iter), 0);
	KUNIT_EXPECT_PTR_EQ(test, (const struct bio_vec *)bio->bi_io_vec, caller);
	KUNIT_EXPECT_EQ(test, bio->bi_vcnt, DIOPIN_BVEC_SET_SETS_VCNT ? ARRAY_SIZE(segs) : 0);
	KUNIT_EXPECT_TRUE(test, bio_flagged(bio, BIO_CLONED));
	KUNIT_EXPECT_FALSE(test, bio_flagged(bio, BIO_PAGE_PINNED));
	KUNIT_EXPECT_EQ(test, bio->bi_iter.bi_size, total);
	KUNIT_EXPECT_EQ(test, iov_iter_count(&iter), 0);
	diopin_expect_pins(test, snap, 0, "borrowed by the bio");
	bio_test_release(test, bio, true);
	diopin_expect_pins(test, snap, 0, "after bio_release_pages()");
	diopin_expect_dirty(test, snap, false, "borrowed pages after release");
}

struct release_case {
	const char *desc;
	bool user;		/* pinned user pages, else a KVEC bio */
	bool mark_dirty;
};

static const struct release_case release_cases[] = {
	{ .desc = "pinned bio, mark_dirty=false", .user = true, .mark_dirty = false },
	{ .desc = "pinned bio, mark_dirty=true", .user = true, .mark_dirty = true },
	{ .desc = "unpinned (KVEC) bio, mark_dirty=true touches nothing", .mark_dirty = true },
};

KUNIT_ARRAY_PARAM_DESC(release, release_cases, desc);

/* A read bio over all of @buf, built by bio_iov_iter_get_pages() from a @type iterator. */
static struct bio *bio_read_into(struct kunit *test, struct block_device *bdev,
				 struct diopin_buf *buf, enum diopin_iter_type type)
{
	const struct diopin_seg seg = { 0, buf->npages * PAGE_SIZE };
	struct iov_iter iter;
	struct bio *bio;

	diopin_iter_build(test, &iter, type, ITER_DEST, buf, &seg, 1);
	bio = bio_test_alloc(test, bdev, BIO_MAX_VECS, REQ_OP_READ);
	KUNIT_ASSERT_EQ(test, diopin_bio_iov_iter_get_pages(bio, &iter), 0);
	return bio;
}

/*
 * Guards: bio_release_pages()'s BIO_PAGE_PINNED test and
 * __bio_release_pages(): unpin every page once, dirty every folio when
 * asked, and leave a bio that pinned nothing alone.
 */
static void bio_release_pages_unpins_and_dirties(struct kunit *test)
{
	const struct release_case *c = test->param_value;
	struct block_device *bdev = bio_test_bdev(test);
	struct diopin_snap *snap;
	struct diopin_buf *buf;
	struct bio *bio;

	buf = c->user ? diopin_buf_user(test, 4, DIOPIN_UMAP_PREFAULT) :
			diopin_buf_kernel(test, DIOPIN_BUF_PAGES, 4);
	snap = diopin_snap_take(test, buf->pages, 4);
	bio = bio_read_into(test, bdev, buf, c->user ? DIOPIN_UBUF : DIOPIN_KVEC);
	diopin_expect_dirty(test, snap, false, "before release");
	bio_test_release(test, bio, c->mark_dirty);
	diopin_expect_pins(test, snap, 0, "after bio_release_pages()");
	diopin_expect_dirty(test, snap, c->user && c->mark_dirty, "after bio_release_pages()");
	diopin_clear_dirty(snap);
}

/*
 * Guards: the nr_pages arithmetic of __bio_release_pages() on large folios:
 * a segment from mid-page over three pages of a folio is unpinned three
 * times, not once and not four times.
 */
static void bio_release_large_folio_per_page(struct kunit *test)
{
	struct block_device *bdev = bio_test_bdev(test);
	struct diopin_buf *buf = diopin_buf_kernel(test, DIOPIN_BUF_FOLIO, 8);
	struct folio *folio = buf->folio;
	struct page *pinned[4] = { buf->pages[1], buf->pages[2], buf->pages[3], buf->pages[6] };
	struct diopin_snap *snap = diopin_snap_take(test, pinned, 4);
	struct bio *bio;

	bio = bio_test_alloc(test, bdev, 4, REQ_OP_READ);
	/* Pages 1..3: from the middle of page 1 to the middle of page 3. */
	KUNIT_ASSERT_TRUE(test, bio_add_folio(bio, folio, 2 * PAGE_SIZE,
					      PAGE_SIZE + PAGE_SIZE / 2));
	/* Page 6 alone, a separate bvec. */
	KUNIT_ASSERT_TRUE(test, bio_add_folio(bio, folio, 512, 6 * PAGE_SIZE + 1024));
	/* One pin per page, as bio_iov_iter_get_pages() takes; owned by the bio's action. */
	KUNIT_ASSERT_EQ(test, 0, try_grab_folio(folio, 4, FOLL_PIN));
	bio_set_flag(bio, BIO_PAGE_PINNED);
	KUNIT_EXPECT_EQ(test, atomic_read(&folio->_pincount), 4);
	diopin_expect_pins(test, snap, 1, "four pages pinned");
	bio_test_release(test, bio, false);
	KUNIT_EXPECT_EQ(test, atomic_read(&folio->_pincount), 0);
	diopin_expect_pins(test, snap, 0, "after bio_release_pages()");
}

/*
 * Guards: bio_set_pages_dirty() dirtying every folio, and the fast path of
 * bio_check_pages_dirty(): every folio still dirty, so release at once
 * (synchronously, no work item, no re-dirty) and put the bio.
 */
static void bio_check_pages_dirty_releases_at_once(struct kunit *test)
{
	struct diopin_buf *buf = diopin_buf_user(test, 4, DIOPIN_UMAP_PREFAULT);
	struct diopin_snap *snap = diopin_snap_take(test, buf->pages, 4);
	struct bio *bio = bio_read_into(test, bio_test_bdev(test), buf, DIOPIN_UBUF);

	KUNIT_ASSERT_TRUE(test, bio_flagged(bio, BIO_PAGE_PINNED));
	diopin_expect_dirty(test, snap, false, "before bio_set_pages_dirty()");
	bio_set_pages_dirty(bio);
	diopin_expect_dirty(test, snap, true, "after bio_set_pages_dirty()");
	diopin_expect_pins(test, snap, 1, "in the bio");
	kunit_remove_action(test, bio_test_put_action, bio);	/* now bio_check_pages_dirty()'s */
	bio_check_pages_dirty(bio);
	diopin_expect_pins(test, snap, 0, "right after bio_check_pages_dirty()");
	diopin_expect_dirty(test, snap, true, "after bio_check_pages_dirty()");
	diopin_clear_dirty(snap);
}

/*
 * Guards: the deferred path of bio_check_pages_dirty() and bio_dirty_fn(): a
 * folio cleaned (written back) while the read was in flight sends the bio to
 * the work item, which re-dirties every folio and unpins it, or the data read
 * could be lost. bio_dirty_work is a static work item on a system workqueue
 * (which one changed between releases): wait for it to release the pins.
 */
static void bio_check_pages_dirty_redirties_later(struct kunit *test)
{
	struct diopin_buf *buf = diopin_buf_user(test, 4, DIOPIN_UMAP_PREFAULT);
	struct diopin_snap *snap = diopin_snap_take(test, buf->pages, 4);
	struct bio *bio = bio_read_into(test, bio_test_bdev(test), buf, DIOPIN_UBUF);

	KUNIT_ASSERT_TRUE(test, bio_flagged(bio, BIO_PAGE_PINNED));
	bio_set_pages_dirty(bio);
	folio_clear_dirty(page_folio(buf->pages[2]));	/* "writeback" meanwhile */
	kunit_remove_action(test, bio_test_put_action, bio);	/* now bio_check_pages_dirty()'s */
	bio_check_pages_dirty(bio);
	KUNIT_EXPECT_TRUE_MSG(test, !diopin_wait_unpinned(buf->pages, 4),
			      "the deferred release did not run within 5 s");
	diopin_expect_dirty(test, snap, true, "after the deferred re-dirty");
	diopin_expect_pins(test, snap, 0, "after the deferred release");
	diopin_clear_dirty(snap);
}

/*
 * Guards: a pinned bio's whole read path through brd: submit_bio_wait() moves
 * the bytes written earlier into the pinned pages (those the user mapping
 * sees), then bio_release_pages(bio, true) leaves them dirty and unpinned.
 */
static void bio_read_into_pinned_user_pages(struct kunit *test)
{
	struct block_device *bdev = bio_test_bdev(test);
	struct diopin_buf *buf = diopin_buf_user(test, 4, DIOPIN_UMAP_PREFAULT);
	struct diopin_snap *snap = diopin_snap_take(test, buf->pages, 4);
	u32 seed = buf->seed ^ 0x5a5a5a5a;
	const struct diopin_seg seg = { 0, 4 * PAGE_SIZE };
	u8 *kbuf = kunit_kmalloc(test, 4 * PAGE_SIZE, GFP_KERNEL);
	struct iov_iter iter;
	struct bio *bio;

	KUNIT_ASSERT_NOT_NULL(test, kbuf);
	diopin_pattern_fill(kbuf, 4 * PAGE_SIZE, 0, seed);
	diopin_bdev_rw(test, bdev, REQ_OP_WRITE, 8 * PAGE_SIZE, kbuf, 4 * PAGE_SIZE);
	diopin_iter_build(test, &iter, DIOPIN_UBUF, ITER_DEST, buf, &seg, 1);
	bio = bio_test_alloc(test, bdev, BIO_MAX_VECS, REQ_OP_READ);
	bio->bi_iter.bi_sector = (8 * PAGE_SIZE) >> SECTOR_SHIFT;
	KUNIT_ASSERT_EQ(test, diopin_bio_iov_iter_get_pages(bio, &iter), 0);
	diopin_expect_pins(test, snap, 1, "read bio built");
	KUNIT_ASSERT_EQ(test, submit_bio_wait(bio), 0);
	diopin_expect_pins(test, snap, 1, "read done, not yet released");
	bio_test_release(test, bio, true);
	diopin_expect_pins(test, snap, 0, "after bio_release_pages()");
	diopin_expect_dirty(test, snap, true, "after bio_release_pages(bio, true)");
	memset(kbuf, 0, 4 * PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, 0, copy_from_user(kbuf, buf->uaddr, 4 * PAGE_SIZE));
	KUNIT_EXPECT_EQ_MSG(test, diopin_pattern_mismatch(kbuf, 4 * PAGE_SIZE, 0, seed),
			    4 * PAGE_SIZE, "the user mapping does not see the bytes read");
	diopin_clear_dirty(snap);
}

#define APPEND_MAX_SECTORS	16	/* the device's zone append limit: 8 KiB */
#define APPEND_MAX		(APPEND_MAX_SECTORS << SECTOR_SHIFT)
#define APPEND_ZONE		DIOPIN_ZONE_SECTORS	/* zone 1 */

struct append_case {
	const char *desc;
	enum diopin_iter_type type;
	struct diopin_seg segs[3];
	unsigned int nsegs;
};

static const struct append_case append_cases[] = {
	{ .desc = "UBUF 8 KiB, two pages", .type = DIOPIN_UBUF, .segs = { { 0, 2 * PAGE_SIZE } },
	  .nsegs = 1 },
	{ .desc = "IOVEC: both halves of page 0, then page 1", .type = DIOPIN_IOVEC,
	  .segs = { { 0, PAGE_SIZE / 2 }, { PAGE_SIZE / 2, PAGE_SIZE / 2 },
		    { PAGE_SIZE, PAGE_SIZE } }, .nsegs = 3 },
};

KUNIT_ARRAY_PARAM_DESC(append, append_cases, desc);

/*
 * Guards: zone append bios from user memory (as zonefs, btrfs and zoned XFS
 * write): 6.12's __bio_iov_iter_get_pages() adds each folio with
 * bio_iov_add_zone_append_folio() (bio_add_hw_folio() under the zone append
 * limit), which drops a same-page merge's extra pin as the normal path does
 * (one pin per page; per segment from v7.0, DIOPIN_BIO_MERGES_SAME_PAGE);
 * the device writes each bio at the zone's write pointer, reported in
 * bi_sector; bio_release_pages() restores every page. Two appends to zone 1
 * land at its start and right after; the zone holds the user's bytes twice.
 */
static void bio_zone_append_lands_at_write_pointer(struct kunit *test)
{
	const struct append_case *c = test->param_value;
	struct block_device *bdev = file_bdev(diopin_nullb_zoned_open(test, APPEND_MAX_SECTORS));
	struct diopin_buf *buf = diopin_buf_user(test, 2, DIOPIN_UMAP_PREFAULT);
	struct diopin_snap *snap = seg_snap(test, buf, c->segs, c->nsegs);
	struct iov_iter iter;
	unsigned int round;
	struct bio *bio;
	size_t total;
	u8 *kbuf;

	for (round = 0; round < 2; round++) {
		total = diopin_iter_build(test, &iter, c->type, ITER_SOURCE, buf,
					  c->segs, c->nsegs);
		KUNIT_ASSERT_EQ(test, total, APPEND_MAX);
		bio = bio_test_alloc(test, bdev, 4, REQ_OP_ZONE_APPEND);
		bio->bi_iter.bi_sector = APPEND_ZONE;
		KUNIT_ASSERT_EQ(test, diopin_bio_iov_iter_get_pages(bio, &iter), 0);
		KUNIT_EXPECT_TRUE(test, bio_flagged(bio, BIO_PAGE_PINNED));
		KUNIT_EXPECT_EQ(test, bio->bi_iter.bi_size, total);
		KUNIT_EXPECT_EQ(test, iov_iter_count(&iter), 0);
		KUNIT_EXPECT_EQ(test, bio_expect_pages(test, bio, buf, c->segs, c->nsegs), total);
		diopin_expect_pins(test, snap, 1, "in the zone append bio");
		KUNIT_ASSERT_EQ(test, submit_bio_wait(bio), 0);
		KUNIT_EXPECT_EQ_MSG(test, bio->bi_iter.bi_sector,
				    (sector_t)(APPEND_ZONE + round * APPEND_MAX_SECTORS),
				    "append %u landed elsewhere", round + 1);
		diopin_expect_pins(test, snap, 1, "appended, not yet released");
		bio_test_release(test, bio, false);
		diopin_expect_pins(test, snap, 0, "after bio_release_pages()");
		diopin_expect_dirty(test, snap, false, "write source");
	}
	kbuf = kunit_kzalloc(test, 2 * APPEND_MAX, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, kbuf);
	diopin_bdev_rw(test, bdev, REQ_OP_READ,
		       (loff_t)APPEND_ZONE << SECTOR_SHIFT, kbuf, 2 * APPEND_MAX);
	for (round = 0; round < 2; round++)
		KUNIT_EXPECT_EQ_MSG(test,
				    diopin_pattern_mismatch(kbuf + round * APPEND_MAX,
							    APPEND_MAX, 0, buf->seed),
				    APPEND_MAX, "zone bytes of append %u", round + 1);
}

struct append_cap_case {
	const char *desc;
	enum diopin_iter_type type;
};

static const struct append_cap_case append_cap_cases[] = {
	{ .desc = "UBUF 16 KiB: pinned up to the limit on 6.12", .type = DIOPIN_UBUF },
	{ .desc = "BVEC 16 KiB: borrowed, bi_size capped on 6.12", .type = DIOPIN_BVEC },
};

KUNIT_ARRAY_PARAM_DESC(append_cap, append_cap_cases, desc);

/*
 * Guards: the zone append limit in 6.12's bio_iov_iter_get_pages()
 * (DIOPIN_BIO_CAPS_ZONE_APPEND): a larger user iterator fills the bio to it,
 * bio_add_hw_folio() refuses the next folio (bio_iov_add_zone_append_folio():
 * -EINVAL, ending the loop with the bio non-empty: 0), the rest is unpinned
 * at once (bio_release_page()), the iterator reverted to just after the bio;
 * a BVEC bio gets bi_size min(count, limit) in bio_iov_bvec_set(), the
 * iterator advancing by that. 7.2.13 leaves the limit to the submitter
 * (bio_split_zone_append() refuses to split): the bio takes all 16 KiB.
 * Released unsubmitted: every page at baseline.
 */
static void bio_zone_append_capped_at_limit(struct kunit *test)
{
	const struct append_cap_case *c = test->param_value;
	bool user = c->type == DIOPIN_UBUF;
	struct block_device *bdev = file_bdev(diopin_nullb_zoned_open(test, APPEND_MAX_SECTORS));
	const struct diopin_seg seg = { 0, 4 * PAGE_SIZE };
	size_t taken = DIOPIN_BIO_CAPS_ZONE_APPEND ? APPEND_MAX : seg.len;
	unsigned int in = taken / PAGE_SIZE;
	struct diopin_snap *inside, *beyond = NULL;
	struct diopin_buf *buf;
	struct iov_iter iter;
	struct bio *bio;

	buf = user ? diopin_buf_user(test, 4, DIOPIN_UMAP_PREFAULT) :
		     diopin_buf_kernel(test, DIOPIN_BUF_FOLIO, 4);
	inside = diopin_snap_take(test, buf->pages, in);
	if (in < 4)
		beyond = diopin_snap_take(test, buf->pages + in, 4 - in);
	diopin_iter_build(test, &iter, c->type, ITER_SOURCE, buf, &seg, 1);
	bio = bio_test_alloc(test, bdev, user ? 4 : 0, REQ_OP_ZONE_APPEND);
	bio->bi_iter.bi_sector = APPEND_ZONE;
	KUNIT_ASSERT_EQ(test, diopin_bio_iov_iter_get_pages(bio, &iter), 0);
	KUNIT_EXPECT_EQ(test, bio->bi_iter.bi_size, taken);
	KUNIT_EXPECT_EQ(test, iov_iter_count(&iter), seg.len - taken);
	KUNIT_EXPECT_EQ(test, bio_flagged(bio, BIO_PAGE_PINNED), user);
	diopin_expect_pins(test, inside, user ? 1 : 0, "in the bio");
	if (beyond)
		diopin_expect_pins(test, beyond, 0, "past the zone append limit");
	bio_test_release(test, bio, false);
	diopin_expect_pins(test, inside, 0, "after bio_release_pages()");
}

struct map_case {
	const char *desc;
	enum diopin_iter_type type;
	bool read;			/* REQ_OP_DRV_IN, else DRV_OUT */
	struct diopin_seg segs[3];
	unsigned int nsegs;
};

static const struct map_case map_cases[] = {
	{ .desc = "UBUF read, three pages", .type = DIOPIN_UBUF, .read = true,
	  .segs = { { 0, 3 * PAGE_SIZE } }, .nsegs = 1 },
	{ .desc = "UBUF write, three pages", .type = DIOPIN_UBUF, .read = false,
	  .segs = { { 0, 3 * PAGE_SIZE } }, .nsegs = 1 },
	{ .desc = "IOVEC read, two segments in one page", .type = DIOPIN_IOVEC, .read = true,
	  .segs = { { 0, 512 }, { 512, 1024 } }, .nsegs = 2 },
	{ .desc = "IOVEC write, scattered segments", .type = DIOPIN_IOVEC, .read = false,
	  .segs = { { 0, PAGE_SIZE }, { 2 * PAGE_SIZE, PAGE_SIZE },
		    { 5 * PAGE_SIZE, 2 * PAGE_SIZE } }, .nsegs = 3 },
	{ .desc = "KVEC read (bounced), no pins", .type = DIOPIN_KVEC, .read = true,
	  .segs = { { 0, 2 * PAGE_SIZE } }, .nsegs = 1 },
	{ .desc = "BVEC read (mapped as is), no pins", .type = DIOPIN_BVEC, .read = true,
	  .segs = { { 0, 2 * PAGE_SIZE } }, .nsegs = 1 },
};

KUNIT_ARRAY_PARAM_DESC(map, map_cases, desc);

/*
 * Guards: passthrough on a blk-mq queue: block/blk-map.c bio_map_user_iov()
 * (BIO_PAGE_PINNED when the iterator pins, the same-page bio_release_page()
 * in its loop) and blk_rq_unmap_user() (bio_release_pages(bio, read): unpin,
 * dirty a read's pages); kernel-backed (bounced KVEC, BVEC) pin nothing.
 */
static void bio_rq_map_user_pins_until_unmap(struct kunit *test)
{
	const struct map_case *c = test->param_value;
	bool user = c->type == DIOPIN_UBUF || c->type == DIOPIN_IOVEC;
	struct request *rq = diopin_nullb_rq(test, c->read ? REQ_OP_DRV_IN : REQ_OP_DRV_OUT);
	struct diopin_snap *snap;
	struct diopin_buf *buf;
	struct iov_iter iter;
	struct bio *bio;

	if (user) {
		buf = diopin_buf_user(test, BUF_PAGES, DIOPIN_UMAP_PREFAULT);
	} else {
		/* Passthrough is issued with an mm (a bounced read is copied back only then). */
		diopin_buf_user(test, 1, 0);
		buf = diopin_buf_kernel(test, c->type == DIOPIN_BVEC ?
					DIOPIN_BUF_FOLIO : DIOPIN_BUF_PAGES, BUF_PAGES);
	}
	diopin_iter_build(test, &iter, c->type, c->read ? ITER_DEST : ITER_SOURCE,
			  buf, c->segs, c->nsegs);
	snap = seg_snap(test, buf, c->segs, c->nsegs);
	KUNIT_ASSERT_EQ(test, 0, blk_rq_map_user_iov(rq->q, rq, NULL, &iter, GFP_KERNEL));
	bio = rq->bio;
	KUNIT_ASSERT_NOT_NULL(test, bio);
	KUNIT_EXPECT_EQ(test, bio_flagged(bio, BIO_PAGE_PINNED), user);
	diopin_expect_pins(test, snap, user ? 1 : 0, "mapped");

	KUNIT_EXPECT_EQ(test, blk_rq_unmap_user(bio), 0);
	rq->bio = NULL;
	diopin_expect_pins(test, snap, 0, "after blk_rq_unmap_user()");
	diopin_expect_dirty(test, snap, user && c->read, "after blk_rq_unmap_user()");
	diopin_clear_dirty(snap);
}

/*
 * Guards: blk_rq_map_user_iov()/bio_map_user_iov() when the user buffer faults
 * at its first page: -EFAULT, no bio left on the request, nothing pinned. Over
 * UIO_FASTIOV pages iov_iter_extract_pages() allocates the page array
 * (*pages == NULL), which 6.12.117 leaks (tests/known-bugs;
 * diopin_iov_extract.extract_fault_frees_callee_array shows it directly).
 * 32 rounds: a leak detector sees many objects, not one a stale stack
 * pointer could hide.
 */
static void bio_rq_map_user_fault_pins_nothing(struct kunit *test)
{
	struct diopin_buf *buf = diopin_buf_user(test, 16, DIOPIN_UMAP_PREFAULT);
	struct diopin_snap *rest;

	diopin_buf_punch(test, buf, 0);
	rest = diopin_snap_take(test, buf->pages + 1, 15);
	diopin_rq_map_faulting(test, buf, 32);
	diopin_expect_pins(test, rest, 0, "after 32 failed mappings");
	diopin_expect_dirty(test, rest, false, "after 32 failed mappings");
}

static struct kunit_case diopin_bio_cases[] = {
	KUNIT_CASE_PARAM(bio_get_pages_pins_or_borrows, get_gen_params),
	KUNIT_CASE(bio_get_pages_bvec_borrows_array),
	KUNIT_CASE_PARAM(bio_release_pages_unpins_and_dirties, release_gen_params),
	KUNIT_CASE(bio_release_large_folio_per_page),
	KUNIT_CASE(bio_check_pages_dirty_releases_at_once),
	KUNIT_CASE(bio_check_pages_dirty_redirties_later),
	KUNIT_CASE(bio_read_into_pinned_user_pages),
	KUNIT_CASE_PARAM(bio_zone_append_lands_at_write_pointer, append_gen_params),
	KUNIT_CASE_PARAM(bio_zone_append_capped_at_limit, append_cap_gen_params),
	KUNIT_CASE_PARAM(bio_rq_map_user_pins_until_unmap, map_gen_params),
	KUNIT_CASE(bio_rq_map_user_fault_pins_nothing),
	{}
};

static struct kunit_suite diopin_bio_suite = {
	.name = "diopin_bio",
	.test_cases = diopin_bio_cases,
};

kunit_test_suite(diopin_bio_suite);

MODULE_DESCRIPTION("KUnit tests for BIO_PAGE_PINNED, bio_release_pages() and the bio dirty path");
MODULE_LICENSE("GPL");
