// SPDX-License-Identifier: GPL-2.0
/*
 * diopin fixtures, page state and pins: snapshots of refcount, pin state and
 * dirty bit with the expectations over them, and pins held through KUnit
 * actions (diopin_fixture.h).
 */
#include <linux/mm.h>
#include <linux/delay.h>
#include <linux/slab.h>
#include <kunit/resource.h>

#include "internal.h"	/* mm/internal.h: try_grab_folio() */
#include "diopin_fixture.h"

static void diopin_state_read(struct diopin_page_state *s, struct page *page)
{
	struct folio *folio = page_folio(page);

	s->page = page;
	s->refcount = folio_ref_count(folio);
	s->pincount = folio_test_large(folio) ? atomic_read(&folio->_pincount) : 0;
	s->pinned = folio_maybe_dma_pinned(folio);
	s->dirty = folio_test_dirty(folio);
}

struct diopin_snap *diopin_snap_take(struct kunit *test, struct page **pages, unsigned int n)
{
	struct diopin_snap *snap = kunit_kzalloc(test, struct_size(snap, s, n), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, snap);
	snap->n = n;
	/* Per-CPU LRU batches hold transient refs: count without them. */
	lru_add_drain_all();
	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_NOT_NULL_MSG(test, pages[i], "page %u", i);
		diopin_state_read(&snap->s[i], pages[i]);
	}
	return snap;
}

/* How many entries of @base belong to the folio of entry @i. */
static unsigned int diopin_folio_occurrences(const struct diopin_snap *base, unsigned int i)
{
	struct folio *folio = page_folio(base->s[i].page);
	unsigned int j, occ = 0;

	for (j = 0; j < base->n; j++)
		occ += page_folio(base->s[j].page) == folio;
	return occ;
}

void diopin_expect_pins(struct kunit *test, const struct diopin_snap *base,
			unsigned int pins, const char *when)
{
	struct diopin_page_state now;
	int want_ref, want_pincount;
	bool want_pinned;
	unsigned int i, extra;

	lru_add_drain_all();
	for (i = 0; i < base->n; i++) {
		const struct diopin_page_state *was = &base->s[i];
		struct folio *folio = page_folio(was->page);

		diopin_state_read(&now, was->page);
		extra = is_zero_folio(folio) ? 0 : pins * diopin_folio_occurrences(base, i);
		if (folio_test_large(folio)) {
			want_ref = was->refcount + extra;
			want_pincount = was->pincount + extra;
			want_pinned = want_pincount > 0;
		} else {
			want_ref = was->refcount + extra * GUP_PIN_COUNTING_BIAS;
			want_pincount = 0;
			want_pinned = was->pinned || extra > 0;
		}
		if (now.refcount == want_ref && now.pincount == want_pincount &&
		    now.pinned == want_pinned)
			continue;
		/* Report the first page that differs, in full. */
		KUNIT_EXPECT_EQ_MSG(test, now.refcount, want_ref,
				    "%s: page %u refcount (baseline %d, %u pin(s) expected)",
				    when, i, was->refcount, extra);
		KUNIT_EXPECT_EQ_MSG(test, now.pincount, want_pincount,
				    "%s: page %u large-folio pincount", when, i);
		KUNIT_EXPECT_EQ_MSG(test, now.pinned, want_pinned,
				    "%s: page %u folio_maybe_dma_pinned()", when, i);
		return;
	}
}

void diopin_wait_released(struct kunit *test, const struct diopin_snap *base)
{
	unsigned long deadline = jiffies + 5 * HZ;
	const struct diopin_page_state *b;
	struct diopin_page_state now;
	unsigned int i = 0;

	while (i < base->n && time_before(jiffies, deadline)) {
		b = &base->s[i];
		diopin_state_read(&now, b->page);
		if (now.refcount == b->refcount && now.pinned == b->pinned)
			i++;
		else
			usleep_range(1000, 2000);
	}
}

unsigned int diopin_wait_unpinned(struct page **pages, unsigned int n)
{
	unsigned long deadline = jiffies + 5 * HZ;
	unsigned int k, pinned;

	do {
		for (k = 0, pinned = 0; k < n; k++)
			pinned += pages[k] && folio_maybe_dma_pinned(page_folio(pages[k]));
		if (pinned)
			usleep_range(1000, 2000);
	} while (pinned && time_before(jiffies, deadline));
	return pinned;
}

void diopin_expect_dirty(struct kunit *test, const struct diopin_snap *base,
			 bool dirty, const char *when)
{
	unsigned int i;

	for (i = 0; i < base->n; i++) {
		struct folio *folio = page_folio(base->s[i].page);

		if (is_zero_folio(folio) || folio_test_dirty(folio) == dirty)
			continue;
		KUNIT_FAIL(test, "%s: page %u is %s, expected %s", when, i,
			   dirty ? "clean" : "dirty", dirty ? "dirty" : "clean");
		return;
	}
}

void diopin_clear_dirty(const struct diopin_snap *base)
{
	unsigned int i;

	for (i = 0; i < base->n; i++)
		folio_clear_dirty(page_folio(base->s[i].page));
}

/* ---- pins ---- */
struct diopin_pins {
	unsigned int n;
	struct page *pages[] __counted_by(n);
};

static void diopin_unpin_action(void *data)
{
	struct diopin_pins *pins = data;

	unpin_user_pages(pins->pages, pins->n);
	kfree(pins);
}

struct diopin_pins *diopin_pins_hold(struct kunit *test, struct page **pages, unsigned int n)
{
	struct diopin_pins *pins;

	pins = kmalloc(struct_size(pins, pages, n), GFP_KERNEL);
	if (!pins) {
		/* Never leak what the caller handed over. */
		unpin_user_pages(pages, n);
		KUNIT_FAIL_AND_ABORT(test, "no memory to hold %u pins", n);
	}
	pins->n = n;
	memcpy(pins->pages, pages, n * sizeof(*pages));
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, diopin_unpin_action, pins));
	return pins;
}

struct diopin_pins *diopin_grab_held(struct kunit *test, struct page **pages,
				     unsigned int n, unsigned int *grabbed)
{
	unsigned int k;

	for (k = 0; k < n; k++)
		if (try_grab_folio(page_folio(pages[k]), 1, FOLL_PIN))
			break;
	*grabbed = k;
	return k ? diopin_pins_hold(test, pages, k) : NULL;
}

ssize_t diopin_extract_held(struct kunit *test, struct iov_iter *iter, struct page ***pages,
			    size_t maxsize, unsigned int maxpages, size_t *off0,
			    struct diopin_pins **held)
{
	bool callee = !*pages, pin = iov_iter_extract_will_pin(iter);
	ssize_t got;

	*held = NULL;
	got = iov_iter_extract_pages(iter, pages, maxsize, maxpages, 0, off0);
	if (callee && *pages)
		diopin_defer_kvfree(test, *pages);
	if (got > 0 && pin)
		*held = diopin_pins_hold(test, *pages, DIV_ROUND_UP(*off0 + got, PAGE_SIZE));
	return got;
}

void diopin_pins_release(struct kunit *test, struct diopin_pins *pins)
{
	kunit_release_action(test, diopin_unpin_action, pins);
}

void diopin_pins_forget(struct kunit *test, struct diopin_pins *pins)
{
	kunit_remove_action(test, diopin_unpin_action, pins);
	kfree(pins);
}
