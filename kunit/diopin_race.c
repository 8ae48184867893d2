// SPDX-License-Identifier: GPL-2.0
/*
 * diopin_race: what pinning exists for (Hubbard 2020) — the address space
 * changing under a DIO read whose pages are pinned and in flight. The reads
 * are polled (IOCB_HIPRI on null_blk's poll queue: queued until
 * iocb_bio_iopoll() reaps it); the fork, munmap or MADV_DONTNEED runs with the
 * queue also held (diopin_dio_opts.hold), so not a byte lands before the hook
 * returns, whatever the timing or hardware queue. Then the read is polled to
 * completion and the bytes, pins, references and dirty bits checked.
 */
#include <linux/blkdev.h>
#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched/task.h>
#include <linux/swap.h>
#include <linux/uio.h>
#include <kunit/test.h>

#include "diopin_fixture.h"

#define NPAGES		4
#define DEV_SEED	DIOPIN_SEED_FIXED(0)	/* the device's bytes */

/* nullb1 holding DEV_SEED's pattern over NPAGES pages. */
static struct file *race_dev(struct kunit *test)
{
	struct file *bdev = diopin_bdev_open(test, diopin_nullb_dev(test, DIOPIN_NULLB_BDEV));
	void *kbuf = kunit_kmalloc(test, NPAGES * PAGE_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, kbuf);
	diopin_pattern_fill(kbuf, NPAGES * PAGE_SIZE, 0, DEV_SEED);
	diopin_bdev_rw(test, file_bdev(bdev), REQ_OP_WRITE, 0, kbuf, NPAGES * PAGE_SIZE);
	return bdev;
}

/* How many pages of @buf hold DEV_SEED's bytes (through their struct page). */
static unsigned int race_pages_with_dev_bytes(struct page **pages)
{
	unsigned int k, n = 0;

	for (k = 0; k < NPAGES; k++) {
		void *kaddr = kmap_local_page(pages[k]);

		n += diopin_pattern_mismatch(kaddr, PAGE_SIZE, k * PAGE_SIZE, DEV_SEED) ==
		     PAGE_SIZE;
		kunmap_local(kaddr);
	}
	return n;
}

struct race {
	struct kunit *test;
	struct diopin_buf *buf;
	struct diopin_snap *snap;
	/* seen in flight */
	unsigned int pinned, landed;
	struct diopin_fork *child;
	int unmap_ret;
};

/*
 * In flight: count pinned and landed pages, then clean them as writeback or
 * swap-out would: the submission dirtied them (bio_set_pages_dirty()), so
 * only a completion that dirties them again (bio_check_pages_dirty() ->
 * bio_dirty_fn()) leaves them dirty.
 */
static void race_look(struct race *r)
{
	unsigned int k;

	r->pinned = 0;
	for (k = 0; k < NPAGES; k++)
		r->pinned += folio_maybe_dma_pinned(page_folio(r->buf->pages[k]));
	r->landed = race_pages_with_dev_bytes(r->buf->pages);
	for (k = 0; k < NPAGES; k++)
		folio_clear_dirty(page_folio(r->buf->pages[k]));
}

static void race_expect_in_flight(struct kunit *test, const struct race *r)
{
	KUNIT_EXPECT_EQ_MSG(test, r->pinned, NPAGES, "pages pinned while the read was in flight");
	KUNIT_EXPECT_EQ_MSG(test, r->landed, 0, "pages the read had filled before it was polled");
}

/*
 * Take @r->snap, start a polled async O_DIRECT read of NPAGES into @r->buf,
 * call @hook. @hold: the queue stays quiesced through @hook, nothing
 * dispatched before it returns (cases about pinned pages in flight); without
 * it only the poll queue keeps the read in flight (the case about polling).
 */
static ssize_t race_polled_read(struct kunit *test, struct file *bdev,
				struct race *r, void (*hook)(void *), bool hold)
{
	const struct diopin_seg seg = { 0, NPAGES * PAGE_SIZE };
	struct diopin_dio_opts o = { .ki_flags = IOCB_HIPRI, .hold = hold,
				     .in_flight = hook, .arg = r };
	struct iov_iter iter;
	ssize_t ret;

	r->snap = diopin_snap_take(test, r->buf->pages, NPAGES);
	diopin_iter_build(test, &iter, DIOPIN_UBUF, ITER_DEST, r->buf, &seg, 1);
	ret = diopin_dio_ex(bdev, READ, 0, &iter, true, &o);
	KUNIT_EXPECT_TRUE_MSG(test, o.later,
			      "the polled read did not return -EIOCBQUEUED in flight");
	return ret;
}

/* In flight for three times null_blk's timer: only polling completes it. */
static void race_wait_then_look(void *arg)
{
	msleep(30);
	race_look(arg);
}

/*
 * Guards: block/fops.c __blkdev_direct_IO_async() with IOCB_HIPRI (REQ_POLLED
 * bio on null_blk's poll queue, iocb->private pointing at it), block/blk-core.c
 * bio_poll() through iocb_bio_iopoll(), blkdev_bio_end_io_async() run from the
 * poll: pins held while the request waits (three timer periods: a bio that
 * lost REQ_POLLED would have completed from the timer), bytes landed; the
 * pages, cleaned in flight, dirtied again by the completion
 * (bio_check_pages_dirty() defers them to bio_dirty_fn()) and released.
 */
static void race_polled_read_completes_when_polled(struct kunit *test)
{
	struct file *bdev = race_dev(test);
	struct race r = { test, diopin_buf_user(test, NPAGES, DIOPIN_UMAP_PREFAULT) };

	KUNIT_EXPECT_EQ(test, race_polled_read(test, bdev, &r, race_wait_then_look, false),
			(ssize_t)(NPAGES * PAGE_SIZE));
	race_expect_in_flight(test, &r);
	diopin_wait_released(test, r.snap);
	diopin_expect_pins(test, r.snap, 0, "after the poll completed the read");
	diopin_expect_dirty(test, r.snap, true, "pages cleaned in flight, after the read");
	diopin_expect_user_bytes(test, r.buf->uaddr, NPAGES * PAGE_SIZE, 0, DEV_SEED, false);
}

/* In flight: fork (the child notes its pages), then look at the parent's. */
static void race_fork_in_flight(void *arg)
{
	struct race *r = arg;

	r->child = diopin_fork(r->test, r->buf, NPAGES);
	race_look(r);
}

/*
 * Guards: mm/memory.c copy_present_ptes(): at fork, an exclusive anonymous
 * page that may be pinned in an mm that has pinned (MMF_HAS_PINNED,
 * folio_needs_cow_for_dma()) makes folio_try_dup_anon_rmap_pte() refuse, and
 * copy_present_page() copies it for the child at once instead of sharing it
 * COW: the parent keeps the very page the DMA writes to, mapped writable. A
 * real fork (kernel_clone() without CLONE_VM: copy_mm(), dup_mmap()) while
 * the read is queued: the child sees its own pages with the bytes from
 * before the read, the parent's stay the pinned ones and get the device's
 * bytes when the read is polled; every pin released.
 */
static void race_fork_while_read_pinned(struct kunit *test)
{
	struct file *bdev = race_dev(test);
	struct race r = { test, diopin_buf_user(test, NPAGES, DIOPIN_UMAP_PREFAULT) };
	struct page *after[NPAGES];
	unsigned int k;

	KUNIT_EXPECT_EQ(test, race_polled_read(test, bdev, &r, race_fork_in_flight, true),
			(ssize_t)(NPAGES * PAGE_SIZE));
	KUNIT_ASSERT_NOT_NULL(test, r.child);
	race_expect_in_flight(test, &r);
	KUNIT_EXPECT_EQ_MSG(test, diopin_fork_shares(r.child, r.buf->pages), 0,
			    "child pages that are the parent's pinned pages (shared COW, not copied)");
	diopin_fork_expect_child(test, r.child);
	diopin_wait_released(test, r.snap);
	diopin_expect_pins(test, r.snap, 0, "after the read, the child gone");
	diopin_expect_dirty(test, r.snap, true, "pages cleaned in flight, after the read");
	KUNIT_ASSERT_EQ(test, diopin_user_pages(test, (unsigned long)r.buf->uaddr,
						NPAGES, after), NPAGES);
	for (k = 0; k < NPAGES; k++)
		KUNIT_EXPECT_PTR_EQ_MSG(test, after[k], r.buf->pages[k],
					"the parent's page %u is no longer the pinned one", k);
	diopin_expect_user_bytes(test, r.buf->uaddr, NPAGES * PAGE_SIZE, 0, DEV_SEED, false);
}

static void race_put_pages(void *data)
{
	struct page **pages = data;
	unsigned int k;

	for (k = 0; k < NPAGES; k++)
		put_page(pages[k]);
}

/* A reference on each page of @buf until the test ends: to look after. */
static void race_hold_pages(struct kunit *test, struct diopin_buf *buf)
{
	unsigned int k;

	for (k = 0; k < NPAGES; k++)
		get_page(buf->pages[k]);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, race_put_pages, buf->pages));
}

struct unmap_case {
	const char *desc;
	bool still_mapped;	/* MADV_DONTNEED, not munmap: mapped afterwards (reads zeroes) */
};

static const struct unmap_case unmap_cases[] = {
	{ .desc = "munmap" },
	{ .desc = "MADV_DONTNEED", .still_mapped = true },
};

KUNIT_ARRAY_PARAM_DESC(unmap, unmap_cases, desc);

/* In flight: the case's unmap, then look at the pages. */
static void race_unmap_in_flight(void *arg)
{
	struct race *r = arg;
	const struct unmap_case *c = r->test->param_value;
	unsigned long addr = (unsigned long)r->buf->uaddr;

	r->unmap_ret = c->still_mapped ?
		       do_madvise(current->mm, addr, NPAGES * PAGE_SIZE, MADV_DONTNEED) :
		       vm_munmap(addr, NPAGES * PAGE_SIZE);
	race_look(r);
}

/*
 * Guards: the pin as the reference that keeps a page alive (GUP-fast's
 * try_grab_folio_fast(): FOLL_PIN adds GUP_PIN_COUNTING_BIAS to the
 * refcount): the buffer is unmapped (the zap hands the mapping's reference
 * to the mmu_gather, dropped at tlb_finish_mmu()) while the polled read is
 * queued; the pinned pages must stay allocated, get the device's bytes when
 * polled, be dirtied again by the completion (cleaned in flight,
 * bio_dirty_fn()), released, left with this test's one reference, mapped
 * nowhere. After MADV_DONTNEED the range reads back zeroes (the zero page):
 * the bytes went to the old pages.
 */
static void race_unmap_while_read_pinned(struct kunit *test)
{
	const struct unmap_case *c = test->param_value;
	struct file *bdev = race_dev(test);
	struct race r = { test, diopin_buf_user(test, NPAGES, DIOPIN_UMAP_PREFAULT) };
	unsigned int k, i;

	race_hold_pages(test, r.buf);
	KUNIT_EXPECT_EQ(test, race_polled_read(test, bdev, &r, race_unmap_in_flight, true),
			(ssize_t)(NPAGES * PAGE_SIZE));
	KUNIT_EXPECT_EQ_MSG(test, r.unmap_ret, 0, "%s", c->desc);
	race_expect_in_flight(test, &r);
	KUNIT_EXPECT_EQ_MSG(test, race_pages_with_dev_bytes(r.buf->pages), NPAGES,
			    "unmapped pages that received the read's bytes");
	/* released from bio_dirty_fn(), a workqueue */
	for (k = 0; k < NPAGES; k++)
		for (i = 0; i < 250 && folio_maybe_dma_pinned(page_folio(r.buf->pages[k])); i++)
			msleep(20);
	lru_add_drain_all();
	for (k = 0; k < NPAGES; k++) {
		struct folio *folio = page_folio(r.buf->pages[k]);

		KUNIT_EXPECT_FALSE_MSG(test, folio_maybe_dma_pinned(folio),
				       "page %u still pinned", k);
		KUNIT_EXPECT_EQ_MSG(test, folio_ref_count(folio), 1,
				    "page %u: references besides this test's", k);
		KUNIT_EXPECT_EQ_MSG(test, folio_mapcount(folio), 0, "page %u still mapped", k);
		KUNIT_EXPECT_TRUE_MSG(test, folio_test_dirty(folio),
				      "page %u, cleaned in flight: not dirtied again", k);
	}
	if (c->still_mapped)
		diopin_expect_user_bytes(test, r.buf->uaddr, NPAGES * PAGE_SIZE, 0, 0, true);
}

static struct kunit_case diopin_race_cases[] = {
	KUNIT_CASE(race_polled_read_completes_when_polled),
	KUNIT_CASE(race_fork_while_read_pinned),
	KUNIT_CASE_PARAM(race_unmap_while_read_pinned, unmap_gen_params),
	{}
};

static struct kunit_suite diopin_race_suite = {
	.name = "diopin_race",
	.test_cases = diopin_race_cases,
};

kunit_test_suite(diopin_race_suite);

MODULE_DESCRIPTION("KUnit tests of fork, munmap and MADV_DONTNEED against a pinned, polled DIO read");
MODULE_LICENSE("GPL");
