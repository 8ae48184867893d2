// SPDX-License-Identifier: GPL-2.0
/*
 * diopin_iov_extract: iov_iter_extract_pages() on every iterator type, the
 * iov_iter half of the Direct-I/O pinning conversion (David Howells, 2023):
 * user-backed iterators (UBUF, IOVEC) hand out pages with exactly one
 * FOLL_PIN each, FOLL_WRITE for a destination; kernel-backed ones (KVEC,
 * BVEC, FOLIOQ, XARRAY) list their backing pages, taking no ref or pin.
 * Either way: the right pages in order, offset0 right, and the iterator
 * advanced by exactly what was returned.
 */
#include <linux/mman.h>
#include <linux/highmem.h>
#include <linux/uaccess.h>
#include <kunit/test.h>

#include "diopin_fixture.h"

#define BUF_PAGES	8
#define DEF_MAXPAGES	64

/* A shape: segments over the buffer plus the limits passed to extraction. */
struct extract_shape {
	const char *desc;
	struct diopin_seg segs[DIOPIN_MAX_SEGS];
	unsigned int nsegs;
	size_t maxsize;		/* 0: no limit */
	unsigned int maxpages;	/* 0: DEF_MAXPAGES */
	bool once;		/* a single extraction call (clamp shapes) */
	bool callee_array;	/* pass *pages == NULL: callee allocates */
};

#define SEGS(...) \
	.segs = { __VA_ARGS__ }, \
	.nsegs = sizeof((struct diopin_seg[]){ __VA_ARGS__ }) / sizeof(struct diopin_seg)
#define EXSHAPE(name, _desc, ...) \
	static const struct extract_shape shape_##name = { .desc = (_desc), __VA_ARGS__ }

EXSHAPE(page, "one aligned page", SEGS({ 0, PAGE_SIZE }));
EXSHAPE(pages4, "four aligned pages", SEGS({ 0, 4 * PAGE_SIZE }));
EXSHAPE(unaligned, "unaligned start and end over three pages", SEGS({ 100, 3 * PAGE_SIZE - 300 }));
EXSHAPE(maxpages, "maxpages=2 clamps a five-page range", SEGS({ 200, 5 * PAGE_SIZE }),
	.maxpages = 2, .once = true);
EXSHAPE(maxsize, "maxsize=PAGE_SIZE+1 clamps a four-page range", SEGS({ 0, 4 * PAGE_SIZE }),
	.maxsize = PAGE_SIZE + 1, .once = true);
EXSHAPE(callee, "callee-allocated page array", SEGS({ 300, 2 * PAGE_SIZE }), .callee_array = true);
EXSHAPE(crossing, "two segments crossing page boundaries",
	SEGS({ PAGE_SIZE - 64, 128 }, { 2 * PAGE_SIZE + 10, PAGE_SIZE }));
EXSHAPE(zerolen, "zero-length segments around data",
	SEGS({ 0, 0 }, { PAGE_SIZE / 2, PAGE_SIZE }, { 0, 0 }, { 3 * PAGE_SIZE, 100 }, { 0, 0 }));
EXSHAPE(samepage, "two segments in one page", SEGS({ 0, 100 }, { 200, 100 }));

struct extract_case {
	enum diopin_iter_type type;
	unsigned int dir;
	const struct extract_shape *shape;
	bool large;	/* kernel buffer is one large folio */
};

#define ROW(t, d, s) { .type = DIOPIN_##t, .dir = ITER_##d, .shape = &shape_##s }
#define LARGE_ROW(t, d, s) { .type = DIOPIN_##t, .dir = ITER_##d, \
			     .shape = &shape_##s, .large = true }

static const struct extract_case extract_cases[] = {
	/* user-backed: pinned */
	ROW(UBUF, DEST, page), ROW(UBUF, SOURCE, pages4), ROW(UBUF, DEST, unaligned),
	ROW(UBUF, SOURCE, maxpages), ROW(UBUF, DEST, maxsize), ROW(UBUF, SOURCE, callee),
	ROW(IOVEC, SOURCE, page), ROW(IOVEC, DEST, pages4), ROW(IOVEC, SOURCE, unaligned),
	ROW(IOVEC, DEST, maxpages), ROW(IOVEC, SOURCE, maxsize), ROW(IOVEC, DEST, callee),
	ROW(IOVEC, DEST, crossing), ROW(IOVEC, SOURCE, zerolen), ROW(IOVEC, DEST, samepage),
	/* kernel-backed: borrowed */
	ROW(KVEC, SOURCE, page), ROW(KVEC, DEST, pages4), ROW(KVEC, SOURCE, unaligned),
	ROW(KVEC, DEST, maxpages), ROW(KVEC, SOURCE, maxsize), ROW(KVEC, DEST, callee),
	ROW(KVEC, SOURCE, crossing), ROW(KVEC, DEST, zerolen), ROW(KVEC, SOURCE, samepage),
	ROW(BVEC, DEST, page), ROW(BVEC, SOURCE, pages4), ROW(BVEC, DEST, unaligned),
	ROW(BVEC, SOURCE, maxpages), ROW(BVEC, DEST, maxsize), ROW(BVEC, SOURCE, callee),
	ROW(BVEC, DEST, crossing), ROW(BVEC, SOURCE, zerolen), ROW(BVEC, DEST, samepage),
	ROW(FOLIOQ, SOURCE, page), ROW(FOLIOQ, DEST, pages4), ROW(FOLIOQ, SOURCE, unaligned),
	ROW(FOLIOQ, DEST, maxpages), ROW(FOLIOQ, SOURCE, maxsize), ROW(FOLIOQ, DEST, callee),
	LARGE_ROW(FOLIOQ, SOURCE, unaligned), LARGE_ROW(FOLIOQ, DEST, maxpages),
	LARGE_ROW(KVEC, DEST, crossing),
	ROW(XARRAY, DEST, page), ROW(XARRAY, SOURCE, pages4), ROW(XARRAY, DEST, unaligned),
	ROW(XARRAY, SOURCE, maxpages), ROW(XARRAY, DEST, maxsize), ROW(XARRAY, SOURCE, callee),
};

static void extract_case_desc(const struct extract_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s %s%s: %s", diopin_iter_name(c->type),
		 c->dir == ITER_DEST ? "dest" : "source",
		 c->large ? " over a large folio" : "", c->shape->desc);
}

KUNIT_ARRAY_PARAM(extract, extract_cases, extract_case_desc);

static bool is_user_type(enum diopin_iter_type type)
{
	return type == DIOPIN_UBUF || type == DIOPIN_IOVEC;
}

static struct diopin_buf *extract_buf(struct kunit *test, const struct extract_case *c)
{
	if (is_user_type(c->type))
		return diopin_buf_user(test, BUF_PAGES, DIOPIN_UMAP_PREFAULT);
	/* BVEC segments may span pages: back them with one large folio. */
	return diopin_buf_kernel(test, c->type == DIOPIN_BVEC || c->large ?
				 DIOPIN_BUF_FOLIO : DIOPIN_BUF_PAGES, BUF_PAGES);
}

/* The pages, read through the kernel mapping, hold the pattern from @pos. */
static void expect_contents(struct kunit *test, struct diopin_buf *buf,
			    struct page **pages, size_t off0, size_t len, size_t pos)
{
	size_t done = 0, part, bad;
	unsigned int k;

	for (k = 0; done < len; k++) {
		size_t in = k ? 0 : off0;
		u8 *kaddr;

		part = min(len - done, PAGE_SIZE - in);
		kaddr = kmap_local_page(pages[k]);
		bad = diopin_pattern_mismatch(kaddr + in, part, pos + done, buf->seed);
		kunmap_local(kaddr);
		KUNIT_EXPECT_EQ_MSG(test, bad, part,
				    "page %u holds the wrong bytes at +%zu", k, in + bad);
		if (bad != part)
			return;
		done += part;
	}
}

/* A byte flipped in the pinned @page reads back flipped at its user address. */
static void expect_user_mapping(struct kunit *test, struct diopin_buf *buf,
				struct page *page, size_t off0, size_t pos)
{
	u8 *kaddr, was, seen = 0;

	kaddr = kmap_local_page(page);
	was = kaddr[off0];
	kaddr[off0] = ~was;
	kunmap_local(kaddr);
	KUNIT_EXPECT_EQ(test, 0, copy_from_user(&seen, buf->uaddr + pos, 1));
	kaddr = kmap_local_page(page);
	kaddr[off0] = was;
	kunmap_local(kaddr);
	KUNIT_EXPECT_EQ_MSG(test, seen, (u8)~was,
			    "the pinned page is not the page mapped at the user address");
}

/*
 * Guards: lib/iov_iter.c iov_iter_extract_{user,kvec,bvec,folioq,xarray}_pages():
 * page list, *offset0, returned length, iov_iter_advance(); for user iterators
 * the pin_user_pages_fast() in iov_iter_extract_user_pages() (a get instead of
 * a pin, or a missing unpin, changes the counts); kernel ones take no ref/pin.
 */
static void extract_pages_test(struct kunit *test)
{
	const struct extract_case *c = test->param_value;
	const struct extract_shape *s = c->shape;
	bool user = is_user_type(c->type);
	unsigned int maxpages = s->maxpages ?: DEF_MAXPAGES;
	size_t maxsize = s->maxsize ?: SIZE_MAX;
	struct diopin_snap *all, *these;
	struct page *expect[DEF_MAXPAGES];
	unsigned int seg = 0, calls = 0, n, k;
	size_t total, done = 0, segoff = 0;
	struct diopin_buf *buf;
	struct iov_iter iter;

	buf = extract_buf(test, c);
	total = diopin_iter_build(test, &iter, c->type, c->dir, buf, s->segs, s->nsegs);
	all = diopin_snap_take(test, buf->pages, buf->npages);
	KUNIT_EXPECT_EQ(test, iov_iter_extract_will_pin(&iter), user);
	while (iov_iter_count(&iter)) {
		struct page **pages = NULL;
		size_t pos, off0 = ~0UL, want;
		struct diopin_pins *pins = NULL;
		ssize_t got;

		KUNIT_ASSERT_LT_MSG(test, calls++, 32, "extraction does not progress");
		/* Where the model says the iterator is. */
		while (seg < s->nsegs && segoff == s->segs[seg].len) {
			seg++;
			segoff = 0;
		}
		KUNIT_ASSERT_LT(test, seg, s->nsegs);
		pos = s->segs[seg].off + segoff;
		want = min3(s->segs[seg].len - segoff, maxsize,
			    maxpages * PAGE_SIZE - pos % PAGE_SIZE);
		n = DIV_ROUND_UP(pos % PAGE_SIZE + want, PAGE_SIZE);
		for (k = 0; k < n; k++)
			expect[k] = buf->pages[pos / PAGE_SIZE + k];
		these = diopin_snap_take(test, expect, n);
		if (!s->callee_array) {
			pages = kunit_kcalloc(test, maxpages, sizeof(*pages), GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, pages);
		}
		got = iov_iter_extract_pages(&iter, &pages, maxsize, maxpages, 0, &off0);
		if (got > 0 && user)
			pins = diopin_pins_hold(test, pages, DIV_ROUND_UP(off0 + got, PAGE_SIZE));
		if (got > 0 && s->callee_array)
			diopin_defer_kvfree(test, pages);
		KUNIT_ASSERT_EQ_MSG(test, got, (ssize_t)want,
				    "extraction %u at buffer offset %zu", calls, pos);
		KUNIT_EXPECT_EQ(test, off0, pos % PAGE_SIZE);
		KUNIT_EXPECT_EQ(test, iov_iter_count(&iter), total - done - got);
		for (k = 0; k < n; k++) {
			if (pages[k] == expect[k])
				continue;
			KUNIT_FAIL(test, "page %u of extraction %u: not the page of offset %zu",
				   k, calls, pos - off0 + k * PAGE_SIZE);
			break;
		}
		expect_contents(test, buf, pages, off0, got, pos);
		diopin_expect_pins(test, these, user ? 1 : 0, "extracted");
		if (user)
			expect_user_mapping(test, buf, pages[0], off0, pos);
		if (pins)
			diopin_pins_release(test, pins);
		diopin_expect_pins(test, these, 0, "released");
		done += got;
		segoff += got;
		if (s->once)
			break;
	}
	if (!s->once)
		KUNIT_EXPECT_EQ(test, done, total);
	diopin_expect_pins(test, all, 0, "end of test");
	diopin_expect_dirty(test, all, false, "end of test");
}

/*
 * Guards: FOLL_WRITE for ITER_DEST in iov_iter_extract_user_pages(): a
 * destination extraction of never-written anonymous memory (PTEs empty or
 * mapping the zero page) faults in private writable pages, never the shared
 * zero page (a DIO read would write into it).
 */
static void extract_dest_untouched_gets_private_pages(struct kunit *test)
{
	struct diopin_buf *buf = diopin_buf_user(test, 4, 0);
	struct page *pages[4], *mapped[4];
	struct diopin_pins *pins;
	struct iov_iter iter;
	int refs[4];
	struct page **pp = pages;
	size_t off0;
	unsigned int k;

	iov_iter_ubuf(&iter, ITER_DEST, buf->uaddr, 4 * PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, diopin_extract_held(test, &iter, &pp, 4 * PAGE_SIZE, 4,
						  &off0, &pins), (ssize_t)(4 * PAGE_SIZE));
	KUNIT_ASSERT_EQ(test, diopin_user_pages(test, (unsigned long)buf->uaddr, 4, mapped), 4);
	for (k = 0; k < 4; k++) {
		struct folio *folio = page_folio(pages[k]);

		KUNIT_EXPECT_FALSE_MSG(test, is_zero_page(pages[k]),
				       "page %u is the zero page", k);
		KUNIT_EXPECT_TRUE(test, folio_test_anon(folio));
		KUNIT_EXPECT_TRUE(test, folio_maybe_dma_pinned(folio));
		KUNIT_EXPECT_PTR_EQ(test, pages[k], mapped[k]);
		refs[k] = folio_ref_count(folio);
		expect_user_mapping(test, buf, pages[k], 0, k * PAGE_SIZE);
	}
	diopin_pins_release(test, pins);
	for (k = 0; k < 4; k++) {
		struct folio *folio = page_folio(pages[k]);

		KUNIT_EXPECT_EQ(test, folio_ref_count(folio), refs[k] - (int)GUP_PIN_COUNTING_BIAS);
		KUNIT_EXPECT_FALSE(test, folio_maybe_dma_pinned(folio));
	}
}

/*
 * Guards: "mm: Don't pin ZERO_PAGE in pin_user_pages()": a source extraction
 * of never-written anonymous memory returns the zero page, unpinned, and
 * unpinning it is a no-op.
 */
static void extract_source_untouched_zero_page_unpinned(struct kunit *test)
{
	struct diopin_buf *buf = diopin_buf_user(test, 2, 0);
	struct folio *zero = page_folio(ZERO_PAGE(0));
	struct diopin_pins *pins;
	struct page *pages[2];
	struct page **pp = pages;
	struct iov_iter iter;
	int ref0 = folio_ref_count(zero);
	size_t off0;

	iov_iter_ubuf(&iter, ITER_SOURCE, buf->uaddr, 2 * PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, diopin_extract_held(test, &iter, &pp, 2 * PAGE_SIZE, 2,
						  &off0, &pins), (ssize_t)(2 * PAGE_SIZE));
	KUNIT_EXPECT_TRUE(test, is_zero_page(pages[0]));
	KUNIT_EXPECT_TRUE(test, is_zero_page(pages[1]));
	KUNIT_EXPECT_EQ_MSG(test, folio_ref_count(zero), ref0,
			    "pinning the zero page changed its refcount");
	/* The unpin bio_release_pages() would do, once. */
	diopin_pins_release(test, pins);
	KUNIT_EXPECT_EQ_MSG(test, folio_ref_count(zero), ref0,
			    "unpinning the zero page changed its refcount");
}

struct hole_case {
	const char *desc;
	enum diopin_iter_type type;
	unsigned int hole;	/* index of the unmapped page of four */
};

static const struct hole_case hole_cases[] = {
	{ .desc = "UBUF, hole at page 2", .type = DIOPIN_UBUF, .hole = 2 },
	{ .desc = "IOVEC, hole at page 1", .type = DIOPIN_IOVEC, .hole = 1 },
	{ .desc = "UBUF, hole at page 0", .type = DIOPIN_UBUF, .hole = 0 },
};

KUNIT_ARRAY_PARAM_DESC(extract_hole, hole_cases, desc);

/*
 * Guards: the partial-result path of iov_iter_extract_user_pages(): it pins
 * up to an unmapped page and returns that much, then fails -EFAULT at the
 * hole without pinning or advancing; pages past the hole are never pinned.
 */
static void extract_stops_at_hole(struct kunit *test)
{
	const struct hole_case *c = test->param_value;
	const struct diopin_seg seg = { 0, 4 * PAGE_SIZE };
	struct diopin_buf *buf = diopin_buf_user(test, 4, DIOPIN_UMAP_PREFAULT);
	struct diopin_snap *before, *beyond;
	struct page *pages[4];
	struct page **pp = pages;
	struct diopin_pins *held;
	struct iov_iter iter;
	size_t off0;

	diopin_buf_punch(test, buf, c->hole);
	before = diopin_snap_take(test, buf->pages, c->hole);
	beyond = diopin_snap_take(test, buf->pages + c->hole + 1, 3 - c->hole);
	diopin_iter_build(test, &iter, c->type, ITER_SOURCE, buf, &seg, 1);
	if (c->hole) {
		KUNIT_ASSERT_EQ(test, diopin_extract_held(test, &iter, &pp, 4 * PAGE_SIZE, 4,
							  &off0, &held),
				(ssize_t)(c->hole * PAGE_SIZE));
		diopin_expect_pins(test, before, 1, "pinned up to the hole");
		KUNIT_EXPECT_EQ(test, iov_iter_count(&iter), (4 - c->hole) * PAGE_SIZE);
	}
	KUNIT_EXPECT_EQ(test, diopin_extract_held(test, &iter, &pp, 4 * PAGE_SIZE, 4, &off0,
						  &held), (ssize_t)-EFAULT);
	KUNIT_EXPECT_EQ(test, iov_iter_count(&iter), (4 - c->hole) * PAGE_SIZE);
	diopin_expect_pins(test, beyond, 0, "pages past the hole");
}

/* Guards: the -EFAULT tail of iov_iter_extract_pages() for ITER_DISCARD. */
static void extract_discard_fails(struct kunit *test)
{
	struct page *page = NULL, **pp = &page;
	struct iov_iter iter;
	size_t off0;

	iov_iter_discard(&iter, ITER_DEST, 3 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, iov_iter_extract_pages(&iter, &pp, 3 * PAGE_SIZE, 3, 0,
						     &off0), (ssize_t)-EFAULT);
	KUNIT_EXPECT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, iov_iter_count(&iter), 3 * PAGE_SIZE);
}

/* Guards: !maxsize early return: an empty user iterator, no bytes/array/pin. */
static void extract_empty_takes_nothing(struct kunit *test)
{
	struct diopin_buf *buf = diopin_buf_user(test, 1, DIOPIN_UMAP_PREFAULT);
	struct diopin_snap *before = diopin_snap_take(test, buf->pages, 1);
	struct page **pages = NULL;
	struct iov_iter iter;
	size_t off0;

	iov_iter_ubuf(&iter, ITER_DEST, buf->uaddr, 0);
	KUNIT_EXPECT_EQ(test, iov_iter_extract_pages(&iter, &pages, PAGE_SIZE, 1, 0,
						     &off0), 0);
	KUNIT_EXPECT_NULL(test, pages);
	diopin_expect_pins(test, before, 0, "after an empty extraction");
}

static const struct hole_case fault_cases[] = {
	{ .desc = "UBUF, unmapped first page", .type = DIOPIN_UBUF, .hole = 0 },
	{ .desc = "IOVEC, unmapped first page", .type = DIOPIN_IOVEC, .hole = 0 },
};

KUNIT_ARRAY_PARAM_DESC(extract_fault, fault_cases, desc);

/*
 * Guards: the error return of iov_iter_extract_user_pages() when
 * pin_user_pages_fast() pins nothing and the callee allocated the page array
 * (*pages == NULL): it is freed and *pages NULL again, so a caller trusting
 * the error (bio_map_user_iov() with more than UIO_FASTIOV pages,
 * bio_integrity_map_user()) leaks nothing. 6.12.117 returns -EFAULT with
 * *pages still pointing at it (upstream "iov_iter: Fix a memory leak in
 * iov_iter_extract_user_pages()"; tests/known-bugs).
 */
static void extract_fault_frees_callee_array(struct kunit *test)
{
	const struct hole_case *c = test->param_value;
	const struct diopin_seg seg = { 0, 4 * PAGE_SIZE };
	struct diopin_buf *buf = diopin_buf_user(test, 4, DIOPIN_UMAP_PREFAULT);
	struct diopin_snap *before;
	struct diopin_pins *pins;
	struct page **pages = NULL;
	struct iov_iter iter;
	size_t off0;
	ssize_t got;

	diopin_buf_punch(test, buf, c->hole);
	before = diopin_snap_take(test, buf->pages + 1, 3);
	diopin_iter_build(test, &iter, c->type, ITER_DEST, buf, &seg, 1);
	/* What the kernel left behind is owned before any assertion. */
	got = diopin_extract_held(test, &iter, &pages, 4 * PAGE_SIZE, 4, &off0, &pins);
	KUNIT_EXPECT_EQ(test, got, (ssize_t)-EFAULT);
	KUNIT_EXPECT_EQ(test, iov_iter_count(&iter), 4 * PAGE_SIZE);
	KUNIT_EXPECT_NULL_MSG(test, pages,
			      "the page array allocated for a failed extraction was left to the caller");
	diopin_expect_pins(test, before, 0, "after the failed extraction");
}

struct xarray_hole_case {
	const char *desc;
	size_t start;		/* iterator start in the xarray */
	bool callee_array;
};

static const struct xarray_hole_case xarray_hole_cases[] = {
	{ .desc = "hole at index 0, start 0x100, caller array", .start = 0x100 },
	{ .desc = "hole at index 0, start 0x100, callee array", .start = 0x100,
	  .callee_array = true },
	{ .desc = "hole at index 0, start 0, callee array", .start = 0, .callee_array = true },
};

KUNIT_ARRAY_PARAM_DESC(extract_xarray_hole, xarray_hole_cases, desc);

/*
 * Guards: iov_iter_extract_xarray_pages() with a hole at the first index:
 * returns 0, leaves the iterator where it was, fills in no page, frees an
 * array it allocated. 6.12.117's "0 pages * PAGE_SIZE - offset" wraps for a
 * non-zero start offset: it returns maxsize and advances with no page filled
 * in, and leaks a callee-allocated array either way (upstream "iov_iter: Fix
 * potential underflow in iov_iter_extract_xarray_pages()"; tests/known-bugs).
 */
static void extract_xarray_hole_extracts_nothing(struct kunit *test)
{
	const struct xarray_hole_case *c = test->param_value;
	const struct diopin_seg seg = { c->start, 2 * PAGE_SIZE - c->start };
	struct diopin_buf *buf = diopin_buf_kernel(test, DIOPIN_BUF_PAGES, 2);
	struct page *sentinel = (struct page *)buf; /* never a page */
	struct page *arr[2] = { sentinel, sentinel };
	struct page **pages = c->callee_array ? NULL : arr;
	struct iov_iter iter;
	size_t off0 = 0;
	ssize_t got;

	diopin_iter_build(test, &iter, DIOPIN_XARRAY, ITER_SOURCE, buf, &seg, 1);
	xa_erase(iter.xarray, 0);
	got = iov_iter_extract_pages(&iter, &pages, seg.len, 2, 0, &off0);
	if (c->callee_array && pages)
		diopin_defer_kvfree(test, pages);
	KUNIT_EXPECT_EQ_MSG(test, got, 0, "extracted %zd bytes from a hole", got);
	KUNIT_EXPECT_EQ(test, iov_iter_count(&iter), seg.len);
	if (c->callee_array) {
		KUNIT_EXPECT_NULL_MSG(test, pages,
				      "the page array allocated for an empty extraction was left to the caller");
	} else {
		KUNIT_EXPECT_PTR_EQ(test, pages, &arr[0]);
		KUNIT_EXPECT_PTR_EQ(test, arr[0], sentinel);
		KUNIT_EXPECT_PTR_EQ(test, arr[1], sentinel);
	}
}

static struct kunit_case diopin_iov_extract_cases[] = {
	KUNIT_CASE_PARAM(extract_pages_test, extract_gen_params),
	KUNIT_CASE(extract_dest_untouched_gets_private_pages),
	KUNIT_CASE(extract_source_untouched_zero_page_unpinned),
	KUNIT_CASE_PARAM(extract_stops_at_hole, extract_hole_gen_params),
	KUNIT_CASE(extract_discard_fails),
	KUNIT_CASE(extract_empty_takes_nothing),
	KUNIT_CASE_PARAM(extract_fault_frees_callee_array, extract_fault_gen_params),
	KUNIT_CASE_PARAM(extract_xarray_hole_extracts_nothing,
			 extract_xarray_hole_gen_params),
	{}
};

static struct kunit_suite diopin_iov_extract_suite = {
	.name = "diopin_iov_extract",
	.test_cases = diopin_iov_extract_cases,
};

kunit_test_suite(diopin_iov_extract_suite);

MODULE_DESCRIPTION("KUnit tests for iov_iter_extract_pages() pin/borrow semantics");
MODULE_LICENSE("GPL");
