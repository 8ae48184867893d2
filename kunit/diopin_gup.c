// SPDX-License-Identifier: GPL-2.0
/*
 * diopin_gup: the mm half of the Direct-I/O pinning conversion:
 * "mm: Don't pin ZERO_PAGE in pin_user_pages()", "mm: Provide a function to
 * get an additional pin on a page" (folio_add_pin()), large-folio pin
 * accounting, the dirtying unpin helpers, and why FOLL_PIN exists at all:
 * fork() must copy a page DMA may still write, or a DIO read lands in the
 * child's page only.
 */
#include <linux/mman.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/highmem.h>
#include <kunit/test.h>

#include "internal.h"	/* mm/internal.h: try_grab_folio() */
#include "diopin_fixture.h"

enum gup_call {
	GUP_PIN_FAST,	/* pin_user_pages_fast() */
	GUP_PIN,	/* pin_user_pages() under mmap_read_lock */
	GUP_EXTRACT,	/* iov_iter_extract_pages(), ITER_SOURCE UBUF (unshare rows only) */
	GUP_GET,	/* get_user_pages_fast(): FOLL_GET (unshare rows only) */
};

/* Pin @n pages (GUP_PIN_FAST or GUP_PIN); whatever was pinned goes to a KUnit action at once. */
static long gup_pin_held(struct kunit *test, enum gup_call call,
			 void __user *uaddr, unsigned int n, unsigned int flags,
			 struct page **pages, struct diopin_pins **held)
{
	unsigned long start = (unsigned long)uaddr;
	long ret;

	if (call == GUP_PIN_FAST) {
		ret = pin_user_pages_fast(start, n, flags, pages);
	} else {
		mmap_read_lock(current->mm);
		ret = pin_user_pages(start, n, flags, pages);
		mmap_read_unlock(current->mm);
	}
	*held = ret > 0 ? diopin_pins_hold(test, pages, ret) : NULL;
	return ret;
}

struct zero_case {
	const char *desc;
	enum gup_call call;
	unsigned int times;	/* how often the same range is pinned */
};

static const struct zero_case zero_cases[] = {
	{ .desc = "pin_user_pages_fast, once", .call = GUP_PIN_FAST, .times = 1 },
	{ .desc = "pin_user_pages_fast, three times", .call = GUP_PIN_FAST, .times = 3 },
	{ .desc = "pin_user_pages, once", .call = GUP_PIN, .times = 1 },
	{ .desc = "pin_user_pages, three times", .call = GUP_PIN, .times = 3 },
};

KUNIT_ARRAY_PARAM_DESC(zero, zero_cases, desc);

/*
 * Guards: try_grab_folio() FOLL_PIN "if (is_zero_folio(folio)) return 0" and
 * its twin in gup_put_folio(): a read pin of never-written anon memory returns
 * the zero page, its refcount unchanged however often pinned, or unpinned.
 */
static void gup_zero_page_never_pinned(struct kunit *test)
{
	const struct zero_case *c = test->param_value;
	const char *name = c->call == GUP_PIN_FAST ? "pin_user_pages_fast" : "pin_user_pages";
	struct diopin_buf *buf = diopin_buf_user(test, 2, 0);
	struct folio *zero = page_folio(ZERO_PAGE(0));
	int ref0 = folio_ref_count(zero);
	struct page *pages[2];
	unsigned int t, k;
	struct diopin_pins *held[3];

	KUNIT_ASSERT_LE(test, c->times, ARRAY_SIZE(held));
	for (t = 0; t < c->times; t++) {
		KUNIT_ASSERT_EQ(test, gup_pin_held(test, c->call, buf->uaddr, 2,
						   0, pages, &held[t]), 2);
		for (k = 0; k < 2; k++)
			KUNIT_EXPECT_TRUE_MSG(test, is_zero_page(pages[k]), "%s: page %u", name, k);
	}
	KUNIT_EXPECT_EQ_MSG(test, folio_ref_count(zero), ref0,
			    "pinning the zero page %u time(s) changed its refcount", c->times);
	for (t = 0; t < c->times; t++)
		diopin_pins_release(test, held[t]);
	KUNIT_EXPECT_EQ_MSG(test, folio_ref_count(zero), ref0,
			    "unpinning the zero page changed its refcount");
}

static const struct zero_case write_cases[] = {
	{ .desc = "pin_user_pages_fast", .call = GUP_PIN_FAST, .times = 1 },
	{ .desc = "pin_user_pages", .call = GUP_PIN, .times = 1 },
};

KUNIT_ARRAY_PARAM_DESC(write, write_cases, desc);

/*
 * Guards: FOLL_WRITE faulting (the "write" in GUP): a write pin of the same
 * never-written memory breaks the zero page: private anon pages, one pin each.
 */
static void gup_write_pin_never_zero_page(struct kunit *test)
{
	const struct zero_case *c = test->param_value;
	struct diopin_buf *buf = diopin_buf_user(test, 2, 0);
	struct diopin_snap *snap;
	struct diopin_pins *held;
	struct page *pages[2];
	unsigned int k;

	/* First a read pin maps the zero page, then a write pin replaces it. */
	KUNIT_ASSERT_EQ(test, gup_pin_held(test, c->call, buf->uaddr, 2, 0, pages, &held), 2);
	KUNIT_ASSERT_TRUE(test, is_zero_page(pages[0]));
	KUNIT_ASSERT_EQ(test, gup_pin_held(test, c->call, buf->uaddr, 2,
					   FOLL_WRITE, pages, &held), 2);
	KUNIT_EXPECT_FALSE(test, is_zero_page(pages[0]));
	KUNIT_EXPECT_FALSE(test, is_zero_page(pages[1]));
	KUNIT_EXPECT_TRUE(test, folio_test_anon(page_folio(pages[0])));
	snap = diopin_snap_take(test, pages, 2);
	KUNIT_EXPECT_TRUE(test, snap->s[0].pinned);
	KUNIT_EXPECT_TRUE(test, snap->s[1].pinned);
	diopin_pins_release(test, held);
	for (k = 0; k < 2; k++) {	/* one pin each: refcount down by exactly one bias */
		struct folio *folio = page_folio(pages[k]);

		KUNIT_EXPECT_EQ(test, folio_ref_count(folio),
				snap->s[k].refcount - (int)GUP_PIN_COUNTING_BIAS);
		KUNIT_EXPECT_FALSE(test, folio_maybe_dma_pinned(folio));
	}
}

struct add_pin_case {
	const char *desc;
	enum { ADD_PIN_SMALL_USER, ADD_PIN_LARGE, ADD_PIN_ZERO } kind;
	unsigned int extra;	/* how many folio_add_pin() calls */
};

static const struct add_pin_case add_pin_cases[] = {
	{ .desc = "small user folio, one extra pin", .kind = ADD_PIN_SMALL_USER, .extra = 1 },
	{ .desc = "small user folio, three extra pins", .kind = ADD_PIN_SMALL_USER, .extra = 3 },
	{ .desc = "large folio, one extra pin", .kind = ADD_PIN_LARGE, .extra = 1 },
	{ .desc = "large folio, three extra pins", .kind = ADD_PIN_LARGE, .extra = 3 },
	{ .desc = "zero folio, changes nothing", .kind = ADD_PIN_ZERO, .extra = 2 },
};

KUNIT_ARRAY_PARAM_DESC(add_pin, add_pin_cases, desc);

/*
 * Guards: folio_add_pin(): +GUP_PIN_COUNTING_BIAS on a small folio, +1 ref and
 * +1 _pincount on a large one, nothing on the zero folio; one unpin each.
 */
static void gup_folio_add_pin_balanced(struct kunit *test)
{
	const struct add_pin_case *c = test->param_value;
	struct diopin_pins *held[4];
	struct diopin_snap *base;
	struct diopin_buf *buf;
	struct page *page;
	unsigned int k;

	KUNIT_ASSERT_LT(test, c->extra, ARRAY_SIZE(held));
	if (c->kind == ADD_PIN_LARGE) {
		buf = diopin_buf_kernel(test, DIOPIN_BUF_FOLIO, 4);
		page = buf->pages[2];
		base = diopin_snap_take(test, &page, 1);
		held[0] = diopin_grab_held(test, &page, 1, &k);
		KUNIT_ASSERT_EQ(test, k, 1);
	} else {
		buf = diopin_buf_user(test, 1, c->kind == ADD_PIN_SMALL_USER ?
				      DIOPIN_UMAP_PREFAULT : 0);
		base = diopin_snap_take(test, buf->pages, 1);
		KUNIT_ASSERT_EQ(test, gup_pin_held(test, GUP_PIN_FAST, buf->uaddr,
						   1, 0, &page, &held[0]), 1);
		KUNIT_ASSERT_PTR_EQ(test, page, buf->pages[0]);
		KUNIT_ASSERT_EQ(test, is_zero_page(page), c->kind == ADD_PIN_ZERO);
	}
	diopin_expect_pins(test, base, 1, "first pin");
	for (k = 1; k <= c->extra; k++) {
		folio_add_pin(page_folio(page));
		held[k] = diopin_pins_hold(test, &page, 1);
		diopin_expect_pins(test, base, k + 1, "after folio_add_pin()");
	}
	for (k = c->extra; k >= 1; k--) {
		diopin_pins_release(test, held[k]);
		diopin_expect_pins(test, base, k, "after one unpin");
	}
	diopin_pins_release(test, held[0]);
	diopin_expect_pins(test, base, 0, "every pin released");
}

struct large_case {
	const char *desc;
	enum { LARGE_UNPIN_PAGES, LARGE_UNPIN_FOLIO, LARGE_UNPIN_ONE_BY_ONE } how;
};

static const struct large_case large_cases[] = {
	{ .desc = "unpin_user_pages() batches pages of one folio", .how = LARGE_UNPIN_PAGES },
	{ .desc = "unpin_user_folio(folio, 2) then unpin_folio()", .how = LARGE_UNPIN_FOLIO },
	{ .desc = "unpin_user_page() page by page", .how = LARGE_UNPIN_ONE_BY_ONE },
};

KUNIT_ARRAY_PARAM_DESC(large, large_cases, desc);

/*
 * Guards: large-folio accounting in try_grab_folio()/gup_put_folio() (one ref
 * and one _pincount per pinned page, not GUP_PIN_COUNTING_BIAS; pages 0, 1, 3
 * of a four-page folio, one try_grab_folio() each as GUP does), the per-folio
 * batching of unpin_user_pages() (gup_folio_next()), and
 * unpin_user_folio()/unpin_folio() releasing exactly the count they say.
 */
static void gup_large_folio_pins_per_page(struct kunit *test)
{
	const struct large_case *c = test->param_value;
	struct diopin_buf *buf = diopin_buf_kernel(test, DIOPIN_BUF_FOLIO, 4);
	struct folio *folio = buf->folio;
	struct page *pinned[3] = { buf->pages[0], buf->pages[1], buf->pages[3] };
	struct diopin_snap *base = diopin_snap_take(test, pinned, 3);
	struct diopin_pins *held;
	unsigned int k;

	held = diopin_grab_held(test, pinned, 3, &k);
	KUNIT_ASSERT_EQ(test, k, 3);
	diopin_expect_pins(test, base, 1, "three pages pinned");
	KUNIT_EXPECT_EQ(test, atomic_read(&folio->_pincount), 3);
	KUNIT_EXPECT_TRUE(test, folio_maybe_dma_pinned(folio));
	switch (c->how) {
	case LARGE_UNPIN_PAGES:
		diopin_pins_release(test, held);
		break;
	case LARGE_UNPIN_FOLIO:
		diopin_pins_forget(test, held);
		unpin_user_folio(folio, 2);
		KUNIT_EXPECT_EQ(test, atomic_read(&folio->_pincount), 1);
		KUNIT_EXPECT_EQ(test, folio_ref_count(folio), base->s[0].refcount + 1);
		unpin_folio(folio);
		break;
	case LARGE_UNPIN_ONE_BY_ONE:
		diopin_pins_forget(test, held);
		for (k = 0; k < 3; k++) {
			unpin_user_page(pinned[k]);
			KUNIT_EXPECT_EQ(test, atomic_read(&folio->_pincount), 2 - (int)k);
		}
		break;
	}
	diopin_expect_pins(test, base, 0, "released");
	KUNIT_EXPECT_FALSE(test, folio_maybe_dma_pinned(folio));
}

/*
 * Guards: the same accounting on a THP through GUP (gup_fast_pmd_leaf() /
 * follow_pmd_mask() on x86_64): four pinned pages of one THP add four to its
 * _pincount and four refs; unpin_user_pages() takes exactly those back.
 */
static void gup_thp_pins_count_per_page(struct kunit *test)
{
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	struct diopin_pins *held;
	struct diopin_snap *base;
	struct page *pages[4], *got[4];
	unsigned long map, addr;
	struct folio *folio;
	unsigned int k;

	map = kunit_vm_mmap(test, NULL, 0, 2 * HPAGE_PMD_SIZE,
			    PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_FALSE(test, !map || IS_ERR_VALUE(map));
	addr = ALIGN(map, HPAGE_PMD_SIZE);
	if (do_madvise(current->mm, addr, HPAGE_PMD_SIZE, MADV_HUGEPAGE))
		kunit_skip(test, "madvise(MADV_HUGEPAGE) refused: THP disabled?");
	/* Fault the huge page in with a write pin, then look at it. */
	KUNIT_ASSERT_EQ(test, gup_pin_held(test, GUP_PIN_FAST, (void __user *)addr, 1, FOLL_WRITE,
					   pages, &held), 1);
	folio = page_folio(pages[0]);
	if (!folio_test_large(folio))
		kunit_skip(test, "no huge page was faulted in (THP set to never?)");
	diopin_pins_release(test, held);
	for (k = 0; k < 4; k++)
		pages[k] = folio_page(folio, 1 + k);
	base = diopin_snap_take(test, pages, 4);
	KUNIT_ASSERT_EQ(test, gup_pin_held(test, GUP_PIN_FAST, (void __user *)(addr + PAGE_SIZE),
					   4, FOLL_WRITE, got, &held), 4);
	for (k = 0; k < 4; k++)
		KUNIT_EXPECT_PTR_EQ(test, got[k], pages[k]);
	diopin_expect_pins(test, base, 1, "four pages of one THP pinned");
	KUNIT_EXPECT_EQ(test, atomic_read(&folio->_pincount), base->s[0].pincount + 4);
	diopin_pins_release(test, held);
	diopin_expect_pins(test, base, 0, "released");
#else
	kunit_skip(test, "needs CONFIG_TRANSPARENT_HUGEPAGE (UML has none): run under x86_64 QEMU");
#endif
}

struct dirty_case {
	const char *desc;
	bool range;		/* unpin_user_page_range_dirty_lock() */
	bool make_dirty;
};

static const struct dirty_case dirty_cases[] = {
	{ .desc = "unpin_user_pages_dirty_lock, make_dirty", .range = false, .make_dirty = true },
	{ .desc = "unpin_user_pages_dirty_lock, !make_dirty", .range = false, .make_dirty = false },
	{ .desc = "unpin_user_page_range_dirty_lock, make_dirty", .range = true,
	  .make_dirty = true },
	{ .desc = "unpin_user_page_range_dirty_lock, !make_dirty", .range = true,
	  .make_dirty = false },
};

KUNIT_ARRAY_PARAM_DESC(dirty, dirty_cases, desc);

/*
 * Guards: the folio_mark_dirty() under "if (!make_dirty)" in
 * unpin_user_pages_dirty_lock() and unpin_user_page_range_dirty_lock(): dirty
 * exactly when asked, unpinned either way, or a DIO read loses what it wrote.
 */
static void gup_unpin_dirty_when_asked(struct kunit *test)
{
	const struct dirty_case *c = test->param_value;
	struct diopin_pins *held;
	struct diopin_snap *base;
	struct diopin_buf *buf;
	struct page *pages[4];
	unsigned int k;

	/* A range is physically contiguous: one four-page folio. */
	buf = c->range ? diopin_buf_kernel(test, DIOPIN_BUF_FOLIO, 4) :
			 diopin_buf_user(test, 4, DIOPIN_UMAP_PREFAULT);
	base = diopin_snap_take(test, buf->pages, 4);
	if (c->range) {
		memcpy(pages, buf->pages, sizeof(pages));
		held = diopin_grab_held(test, pages, 4, &k);
		KUNIT_ASSERT_EQ(test, k, 4);
	} else {
		KUNIT_ASSERT_EQ(test, gup_pin_held(test, GUP_PIN_FAST, buf->uaddr,
						   4, FOLL_WRITE, pages, &held), 4);
	}
	diopin_expect_dirty(test, base, false, "before");
	diopin_expect_pins(test, base, 1, "pinned");
	diopin_pins_forget(test, held);
	if (c->range)
		unpin_user_page_range_dirty_lock(pages[0], 4, c->make_dirty);
	else
		unpin_user_pages_dirty_lock(pages, 4, c->make_dirty);
	diopin_expect_pins(test, base, 0, "unpinned");
	diopin_expect_dirty(test, base, c->make_dirty, "after the dirtying unpin");
	diopin_clear_dirty(base);
}

/*
 * What fork() asks under the locks it holds (copy_page_range() write-locks the
 * mm, opens write_protect_seq): would this folio be copied for the child
 * rather than shared? The decision copy_present_pte() takes; no fork happens.
 */
static bool fork_would_copy(struct kunit *test, unsigned long addr, struct folio *folio)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	bool copy;

	mmap_write_lock(mm);
	vma = vma_lookup(mm, addr);
	if (!vma) {
		mmap_write_unlock(mm);
		KUNIT_FAIL_AND_ABORT(test, "no vma at %lx", addr);
	}
	raw_write_seqcount_begin(&mm->write_protect_seq);
	copy = folio_needs_cow_for_dma(vma, folio);
	raw_write_seqcount_end(&mm->write_protect_seq);
	mmap_write_unlock(mm);
	return copy;
}

/*
 * Guards: mm_set_has_pinned_flag() (FOLL_PIN) and folio_needs_cow_for_dma(): a
 * pin marks the mm MMF_HAS_PINNED and makes fork() copy the page for the
 * child, so a DIO read in flight lands in the parent's page (decision only).
 */
static void gup_pinned_page_needs_cow_for_dma(struct kunit *test)
{
	struct diopin_buf *buf = diopin_buf_user(test, 2, DIOPIN_UMAP_PREFAULT);
	unsigned long addr = (unsigned long)buf->uaddr;
	struct diopin_pins *held;
	struct page *page;

	KUNIT_ASSERT_FALSE_MSG(test, diopin_mm_has_pinned(current->mm),
			       "a fresh test mm is already marked as having pins");
	KUNIT_ASSERT_EQ(test, gup_pin_held(test, GUP_PIN_FAST, buf->uaddr, 1,
					   FOLL_WRITE, &page, &held), 1);
	KUNIT_EXPECT_TRUE(test, diopin_mm_has_pinned(current->mm));
	KUNIT_EXPECT_TRUE_MSG(test, fork_would_copy(test, addr, page_folio(page)),
			      "fork() would share a DMA-pinned page with the child");
	/* The unpinned neighbour is shared as usual. */
	KUNIT_EXPECT_FALSE(test, fork_would_copy(test, addr + PAGE_SIZE,
						 page_folio(buf->pages[1])));
	diopin_pins_release(test, held);
	KUNIT_EXPECT_FALSE(test, fork_would_copy(test, addr, page_folio(page)));
}

KUNIT_DEFINE_ACTION_WRAPPER(gup_put_page_action, put_page, struct page *);

/*
 * Guards: the other side: get_user_pages() (FOLL_GET, what DIO used before the
 * conversion) neither marks the mm nor makes folio_needs_cow_for_dma() ask
 * fork() to copy: a DIO read into it could land in the child (decision only).
 */
static void gup_referenced_page_needs_no_cow(struct kunit *test)
{
	struct diopin_buf *buf = diopin_buf_user(test, 1, DIOPIN_UMAP_PREFAULT);
	unsigned long addr = (unsigned long)buf->uaddr;
	struct diopin_snap *base = diopin_snap_take(test, buf->pages, 1);
	struct page *page;

	KUNIT_ASSERT_EQ(test, get_user_pages_fast(addr, 1, FOLL_WRITE, &page), 1);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, gup_put_page_action, page));
	KUNIT_EXPECT_FALSE(test, diopin_mm_has_pinned(current->mm));
	KUNIT_EXPECT_FALSE(test, folio_maybe_dma_pinned(page_folio(page)));
	KUNIT_EXPECT_FALSE(test, fork_would_copy(test, addr, page_folio(page)));
	KUNIT_EXPECT_EQ(test, folio_ref_count(page_folio(page)), base->s[0].refcount + 1);
	kunit_release_action(test, gup_put_page_action, page);
	diopin_expect_pins(test, base, 0, "after put_page()");
}

/*
 * Guards: the GUP-fast walk (gup_fast_pte_range(), try_grab_folio_fast()),
 * which UML lacks: get_user_pages_fast_only() never faults nor takes mmap_lock:
 * exactly the present pages up to the first without a PTE, one reference and
 * no pin each (pin_user_pages_fast() rows walk it with FOLL_PIN on x86_64).
 */
static void gup_fast_only_walks_present_ptes(struct kunit *test)
{
#ifdef CONFIG_HAVE_GUP_FAST
	struct diopin_buf *buf = diopin_buf_user(test, 4, DIOPIN_UMAP_PREFAULT);
	struct diopin_snap *base;
	struct page *pages[4];
	int got, k;

	diopin_buf_punch(test, buf, 2);
	base = diopin_snap_take(test, buf->pages, 2);
	got = get_user_pages_fast_only((unsigned long)buf->uaddr, 4, FOLL_WRITE, pages);
	for (k = 0; k < got; k++)
		KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, gup_put_page_action,
								   pages[k]));
	KUNIT_ASSERT_EQ_MSG(test, got, 2, "GUP-fast stops at the missing PTE");
	for (k = 0; k < got; k++) {
		KUNIT_EXPECT_PTR_EQ(test, pages[k], buf->pages[k]);
		KUNIT_EXPECT_EQ(test, folio_ref_count(page_folio(pages[k])),
				base->s[k].refcount + 1);
		KUNIT_EXPECT_FALSE(test, folio_maybe_dma_pinned(page_folio(pages[k])));
	}
	KUNIT_EXPECT_FALSE(test, diopin_mm_has_pinned(current->mm));
	/* Nothing present at the hole: no fault, no reference. */
	KUNIT_EXPECT_EQ(test, get_user_pages_fast_only((unsigned long)buf->uaddr + 2 * PAGE_SIZE,
						       1, FOLL_WRITE, pages), 0);
	for (k = 0; k < got; k++)
		kunit_release_action(test, gup_put_page_action, pages[k]);
	diopin_expect_pins(test, base, 0, "after put_page()");
#else
	kunit_skip(test, "no GUP-fast on this arch (UML has none): run under x86_64 QEMU");
#endif
}

struct unshare_case {
	const char *desc;
	enum gup_call call;
	unsigned int flags;	/* FOLL_LONGTERM */
	bool file;		/* a MAP_PRIVATE file page, not anon shared with a child */
	bool unshares;		/* the pin takes a page of the caller's own */
};

#define UNSHARE_PAGES	2

static const struct unshare_case unshare_cases[] = {
	{ .desc = "pin_user_pages, anon shared with a forked child", .call = GUP_PIN,
	  .unshares = true },
	{ .desc = "pin_user_pages_fast, anon shared with a forked child",
	  .call = GUP_PIN_FAST, .unshares = true },
	{ .desc = "iov_iter_extract_pages ITER_SOURCE, anon shared with a forked child",
	  .call = GUP_EXTRACT, .unshares = true },
	{ .desc = "get_user_pages_fast, anon shared with a forked child: the shared page",
	  .call = GUP_GET },
	{ .desc = "pin_user_pages FOLL_LONGTERM, MAP_PRIVATE file page", .call = GUP_PIN,
	  .flags = FOLL_LONGTERM, .file = true, .unshares = true },
	{ .desc = "pin_user_pages_fast FOLL_LONGTERM, MAP_PRIVATE file page",
	  .call = GUP_PIN_FAST, .flags = FOLL_LONGTERM, .file = true, .unshares = true },
	{ .desc = "pin_user_pages, MAP_PRIVATE file page: the page-cache page",
	  .call = GUP_PIN, .file = true },
};

KUNIT_ARRAY_PARAM_DESC(unshare, unshare_cases, desc);

/* A file of the test's tmpfs holding the pattern, mapped MAP_PRIVATE (read faults). */
static struct diopin_buf *unshare_private_file(struct kunit *test)
{
	struct file *file = diopin_tmpfs_open(test, "diopin-gup");
	void *kbuf = kunit_kmalloc(test, UNSHARE_PAGES * PAGE_SIZE, GFP_KERNEL);
	struct diopin_buf *buf;
	loff_t pos = 0;
	u32 seed = DIOPIN_SEED_FIXED(0);

	KUNIT_ASSERT_NOT_NULL(test, kbuf);
	diopin_pattern_fill(kbuf, UNSHARE_PAGES * PAGE_SIZE, 0, seed);
	KUNIT_ASSERT_EQ(test, kernel_write(file, kbuf, UNSHARE_PAGES * PAGE_SIZE, &pos),
			(ssize_t)(UNSHARE_PAGES * PAGE_SIZE));
	buf = diopin_buf_user_map(test, UNSHARE_PAGES, file, MAP_PRIVATE);
	buf->seed = seed;
	for (pos = 0; pos < UNSHARE_PAGES; pos++)
		KUNIT_ASSERT_FALSE_MSG(test, PageAnon(buf->pages[pos]),
				       "page %lld of the private mapping is not the page cache's",
				       pos);
	return buf;
}

/* Take the row's reference or pin on @buf's pages, owned by an action. */
static void unshare_take(struct kunit *test, const struct unshare_case *c,
			 struct diopin_buf *buf, struct page **pages)
{
	const struct diopin_seg seg = { 0, UNSHARE_PAGES * PAGE_SIZE };
	struct diopin_pins *held;
	struct iov_iter iter;
	size_t off0;
	int k;

	switch (c->call) {
	case GUP_GET:
		KUNIT_ASSERT_EQ(test, get_user_pages_fast((unsigned long)buf->uaddr,
							  UNSHARE_PAGES, 0, pages),
				UNSHARE_PAGES);
		for (k = 0; k < UNSHARE_PAGES; k++)
			KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test,
									   gup_put_page_action,
									   pages[k]));
		break;
	case GUP_EXTRACT:
		diopin_iter_build(test, &iter, DIOPIN_UBUF, ITER_SOURCE, buf, &seg, 1);
		KUNIT_ASSERT_EQ(test, diopin_extract_held(test, &iter, &pages, seg.len,
							  UNSHARE_PAGES, &off0, &held),
				(ssize_t)seg.len);
		break;
	default:
		KUNIT_ASSERT_EQ(test, gup_pin_held(test, c->call, buf->uaddr, UNSHARE_PAGES,
						   c->flags, pages, &held), UNSHARE_PAGES);
	}
}

/*
 * Guards: mm/gup.c's read-only pin of a page the caller does not own alone:
 * gup_must_unshare() (mm/internal.h) in follow_page_pte() and GUP-fast
 * (gup_fast_pte_range() refuses, the slow path runs), then
 * handle_mm_fault(FAULT_FLAG_UNSHARE) -> do_wp_page() copies an anon page
 * shared with a forked child (not PageAnonExclusive) and, FOLL_LONGTERM only,
 * a page-cache page in a MAP_PRIVATE mapping (is_cow_mapping()): the pin gets
 * the caller's exclusive copy (PageAnon, PageAnonExclusive), the page it maps,
 * same bytes; the shared page stays unpinned, the child keeps its own page and
 * bytes. FOLL_GET and a short-term pin of a file page take the shared page
 * itself (gup_must_unshare()'s early returns).
 */
static void gup_read_only_take_of_shared_page(struct kunit *test)
{
	const struct unshare_case *c = test->param_value;
	struct diopin_buf *buf;
	struct diopin_fork *child = NULL;
	struct page *pages[UNSHARE_PAGES], *now[UNSHARE_PAGES], *shared[UNSHARE_PAGES];
	unsigned int k;

	if (c->file) {
		buf = unshare_private_file(test);
	} else {
		buf = diopin_buf_user(test, UNSHARE_PAGES, DIOPIN_UMAP_PREFAULT);
		child = diopin_fork(test, buf, UNSHARE_PAGES);
		KUNIT_ASSERT_EQ_MSG(test, diopin_fork_shares(child, buf->pages), UNSHARE_PAGES,
				    "pages the fork shared with the child");
	}
	memcpy(shared, buf->pages, sizeof(shared));
	unshare_take(test, c, buf, pages);
	diopin_user_pages(test, (unsigned long)buf->uaddr, UNSHARE_PAGES, now);
	for (k = 0; k < UNSHARE_PAGES; k++) {
		void *kaddr = kmap_local_page(pages[k]);
		size_t bad = diopin_pattern_mismatch(kaddr, PAGE_SIZE, k * PAGE_SIZE, buf->seed);

		kunmap_local(kaddr);
		KUNIT_EXPECT_EQ_MSG(test, bad, PAGE_SIZE, "page %u's bytes, at byte %zu", k, bad);
		KUNIT_EXPECT_PTR_EQ_MSG(test, now[k], pages[k],
					"page %u: the page taken is not the one mapped", k);
		KUNIT_EXPECT_EQ_MSG(test, pages[k] != shared[k], c->unshares,
				    "page %u: %s", k, c->unshares ?
				    "the pin took the shared page" : "the shared page was copied");
		KUNIT_EXPECT_EQ_MSG(test, folio_maybe_dma_pinned(page_folio(pages[k])),
				    c->call != GUP_GET, "page %u taken", k);
		if (!c->unshares)
			continue;
		KUNIT_EXPECT_TRUE_MSG(test, PageAnon(pages[k]) && PageAnonExclusive(pages[k]),
				      "page %u: the pinned copy is not anonymous and exclusive", k);
		KUNIT_EXPECT_FALSE_MSG(test, folio_maybe_dma_pinned(page_folio(shared[k])),
				       "page %u: the shared page is pinned", k);
	}
	if (child)
		diopin_fork_expect_child(test, child);
}

struct hole_case {
	const char *desc;
	enum gup_call call;
	bool protnone;		/* PROT_NONE page rather than no mapping */
	unsigned int hole;	/* which of four pages */
};

static const struct hole_case hole_cases[] = {
	{ .desc = "pin_user_pages_fast, unmapped page 2", .call = GUP_PIN_FAST, .hole = 2 },
	{ .desc = "pin_user_pages_fast, PROT_NONE page 2", .call = GUP_PIN_FAST, .protnone = true,
	  .hole = 2 },
	{ .desc = "pin_user_pages, unmapped page 1", .call = GUP_PIN, .hole = 1 },
	{ .desc = "pin_user_pages, PROT_NONE page 3", .call = GUP_PIN, .protnone = true,
	  .hole = 3 },
	{ .desc = "pin_user_pages_fast, unmapped page 0", .call = GUP_PIN_FAST, .hole = 0 },
	{ .desc = "pin_user_pages, PROT_NONE page 0", .call = GUP_PIN, .protnone = true,
	  .hole = 0 },
};

KUNIT_ARRAY_PARAM_DESC(hole, hole_cases, desc);

/*
 * Guards: __get_user_pages() / gup_fast_fallback() partial results: pin up to
 * the hole and return that count, or -EFAULT when the first page is the hole;
 * the pages before it carry exactly one pin, nothing leaks once released.
 */
static void gup_pins_up_to_hole(struct kunit *test)
{
	const struct hole_case *c = test->param_value;
	struct diopin_buf *buf = diopin_buf_user(test, 4, DIOPIN_UMAP_PREFAULT);
	struct diopin_snap *before;
	struct diopin_pins *held;
	struct page *pages[4];
	long got;

	if (c->protnone)
		diopin_buf_protnone(test, buf, c->hole);
	else
		diopin_buf_punch(test, buf, c->hole);
	before = diopin_snap_take(test, buf->pages, c->hole);
	got = gup_pin_held(test, c->call, buf->uaddr, 4, FOLL_WRITE, pages, &held);
	KUNIT_ASSERT_EQ(test, got, c->hole ? (long)c->hole : -EFAULT);
	diopin_expect_pins(test, before, 1, "pinned up to the hole");
	if (held)
		diopin_pins_release(test, held);
	diopin_expect_pins(test, before, 0, "released");
}

/*
 * Guards: mm/gup.c unpin_user_pages() skips a NULL entry of the page array (a
 * caller released a batch's first page early): the later pages lose exactly
 * their one pin, the early one is not unpinned twice. Only a leading NULL:
 * gup_folio_next() looks ahead with page_folio() on every later entry, so a
 * NULL after a page oopses (6.12.117 and 7.2.13 alike; untested: ends the run).
 */
static void gup_unpin_user_pages_skips_null(struct kunit *test)
{
	struct diopin_buf *buf = diopin_buf_user(test, 3, DIOPIN_UMAP_PREFAULT);
	struct diopin_snap *base = diopin_snap_take(test, buf->pages, 3);
	struct diopin_pins *held;
	struct page *pages[3];

	KUNIT_ASSERT_EQ(test, gup_pin_held(test, GUP_PIN_FAST, buf->uaddr, 3, 0, pages, &held), 3);
	diopin_expect_pins(test, base, 1, "three pages pinned");
	/* Released below by two other calls: the action lets go first. */
	diopin_pins_forget(test, held);
	unpin_user_page(pages[0]);
	pages[0] = NULL;
	unpin_user_pages(pages, 3);
	diopin_expect_pins(test, base, 0, "after unpin_user_pages() over a NULL entry");
}

static struct kunit_case diopin_gup_cases[] = {
	KUNIT_CASE_PARAM(gup_zero_page_never_pinned, zero_gen_params),
	KUNIT_CASE_PARAM(gup_write_pin_never_zero_page, write_gen_params),
	KUNIT_CASE_PARAM(gup_folio_add_pin_balanced, add_pin_gen_params),
	KUNIT_CASE_PARAM(gup_large_folio_pins_per_page, large_gen_params),
	KUNIT_CASE(gup_thp_pins_count_per_page),
	KUNIT_CASE_PARAM(gup_unpin_dirty_when_asked, dirty_gen_params),
	KUNIT_CASE(gup_pinned_page_needs_cow_for_dma),
	KUNIT_CASE(gup_fast_only_walks_present_ptes),
	KUNIT_CASE(gup_referenced_page_needs_no_cow),
	KUNIT_CASE_PARAM(gup_read_only_take_of_shared_page, unshare_gen_params),
	KUNIT_CASE_PARAM(gup_pins_up_to_hole, hole_gen_params),
	KUNIT_CASE(gup_unpin_user_pages_skips_null),
	{}
};

static struct kunit_suite diopin_gup_suite = {
	.name = "diopin_gup",
	.test_cases = diopin_gup_cases,
};

kunit_test_suite(diopin_gup_suite);

MODULE_DESCRIPTION("KUnit tests for FOLL_PIN semantics of the zero page, folio_add_pin() and large folios");
MODULE_LICENSE("GPL");
