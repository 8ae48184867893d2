// SPDX-License-Identifier: GPL-2.0
/*
 * diopin_kmemleak: the leak detector of a debug run (CONFIG_DEBUG_KMEMLEAK,
 * `make debug ARCH=x86_64`). A pin leak shows in a page's refcount, which
 * the other suites check; a leaked page array or bio does not. So this suite
 * runs after the others (its object is the last test in lib/diopin/Makefile,
 * so its suite follows theirs in the kunit_test_suites section; only diopin's
 * coverage carrier, in coverage runs alone, follows) and asks kmemleak what
 * the run left behind. Every object reported fails exactly one case, the
 * report of the first few logged just before the failure. kmemleak scans the
 * data sections, every task's stack and every tracked object for values that
 * point into an object: a stale copy of a pointer hides a leak, so a leak is
 * provoked many times, not once.
 */
#include <linux/blk-mq.h>
#include <linux/delay.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uio.h>
#include <kunit/test.h>

#include "diopin_fixture.h"

#define REPORT_SIZE	(256 * 1024)
#define REPORT_HEAD	"unreferenced object "
#define MIN_AGE_MS	5000	/* MSECS_MIN_AGE: kmemleak reports no younger object */
#define PLANT_SIZE	200
#define PLANT_KEY	0x5a5a5a5a5a5a5a5aUL

/*
 * Age what was allocated so far past MIN_AGE_MS, scan twice (an object whose
 * checksum changed since the last scan is not reported yet), read
 * /sys/kernel/debug/kmemleak (kernel mount of debugfs) into a buffer freed
 * when the test ends.
 */
static const char *kmemleak_report(struct kunit *test)
{
	char *report = kvmalloc(REPORT_SIZE, GFP_KERNEL);
	ssize_t n;
	int scan;

	KUNIT_ASSERT_NOT_NULL(test, report);
	diopin_defer_kvfree(test, report);
	msleep(MIN_AGE_MS + 500);
	for (scan = 0; scan < 2; scan++)
		KUNIT_ASSERT_EQ_MSG(test, diopin_debugfs_write(test, "kmemleak", "scan"),
				    (ssize_t)4,
				    "kmemleak scan %d (-EPERM: kmemleak disabled itself, see the boot log)",
				    scan);
	n = diopin_debugfs_read(test, "kmemleak", report, REPORT_SIZE);
	KUNIT_ASSERT_GE_MSG(test, n, 0, "reading kmemleak's report");
	KUNIT_EXPECT_LT_MSG(test, n, REPORT_SIZE - 1,
			    "kmemleak's report is longer than %d bytes: cut", REPORT_SIZE);
	return report;
}

/* The report of one object: from @obj to the next one, or the end. */
static size_t kmemleak_object_len(const char *obj)
{
	const char *next = strstr(obj + 1, REPORT_HEAD);

	return next ? next - obj : strlen(obj);
}

/* Does the report of the object at @obj name every one of @fns? */
static bool kmemleak_object_from(const char *obj, const char * const *fns, unsigned int nfns)
{
	size_t len = kmemleak_object_len(obj);
	unsigned int i;

	for (i = 0; i < nfns; i++)
		if (!strnstr(obj, fns[i], len))
			return false;
	return true;
}

/*
 * Count the objects of @report whose backtrace names all of @fns (@match)
 * or not all of them (!@match), printing the first few into the test log.
 */
static unsigned int kmemleak_count(struct kunit *test, const char *report,
				   const char * const *fns, unsigned int nfns, bool match)
{
	const char *obj = strstr(report, REPORT_HEAD);
	unsigned int n = 0;

	for (; obj; obj = strstr(obj + 1, REPORT_HEAD)) {
		if (kmemleak_object_from(obj, fns, nfns) != match)
			continue;
		if (n++ < 4)
			kunit_info(test, "%.*s", (int)min_t(size_t, kmemleak_object_len(obj), 1500),
				   obj);
	}
	return n;
}

/* The allocation path of the page array iov_iter_extract_pages() allocates. */
static const char * const passthrough_leak[] = {
	"(size 128)", "iov_iter_extract_pages", "blk_rq_map_user_iov",
};

/*
 * The planted object comes from a debug cache of its own (SLAB_RED_ZONE):
 * 7.2's SLUB hands objects out of per-CPU arrays (sheaves,
 * calculate_sheaf_capacity()) that keep a stale copy of the pointer, which
 * kmemleak scans, and gives debug caches none.
 */
static struct kmem_cache *plant_cache;

static void kmemleak_free_plant(void *hidden)
{
	kmem_cache_free(plant_cache, (void *)((unsigned long)hidden ^ PLANT_KEY));
}

KUNIT_DEFINE_ACTION_WRAPPER(kmemleak_destroy_plant_cache, kmem_cache_destroy, struct kmem_cache *);

/* An object whose only pointer is kept scrambled: kmemleak cannot see it. */
static noinline unsigned long kmemleak_plant(void)
{
	u8 *p = kmem_cache_alloc(plant_cache, GFP_KERNEL);

	if (p)
		memset(p, 0xa5, PLANT_SIZE);
	return p ? (unsigned long)p ^ PLANT_KEY : 0;
}

/*
 * Overwrite the stack below the caller, where kmemleak_plant() and the
 * allocator under it ran (deep with KASAN and the stack depot): a stale copy
 * of the pointer there would keep the object referenced. 32 frames of at
 * least 512 bytes each, not a tail call.
 */
static noinline void kmemleak_scrub_stack(unsigned int depth)
{
	u8 junk[512];

	memzero_explicit(junk, sizeof(junk));
	if (depth)
		kmemleak_scrub_stack(depth - 1);
	barrier_data(junk);
}

/*
 * Guards: the detector itself (mm/kmemleak.c kmemleak_scan() and its
 * report). An object allocated here whose only pointer is scrambled must be
 * reported within this run, by its address; a kernel without
 * CONFIG_DEBUG_KMEMLEAK, or with kmemleak disabled, fails here rather than
 * pass the cases below unseen.
 */
static void kmemleak_reports_a_planted_leak(struct kunit *test)
{
	unsigned long hidden;
	const char *report;
	char head[64];

	plant_cache = kmem_cache_create("diopin_kmemleak_plant", PLANT_SIZE, 0,
					SLAB_RED_ZONE, NULL);
	KUNIT_ASSERT_NOT_NULL(test, plant_cache);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, kmemleak_destroy_plant_cache,
							   plant_cache));
	hidden = kmemleak_plant();
	KUNIT_ASSERT_NE(test, hidden, 0);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, kmemleak_free_plant,
							   (void *)hidden));
	/*
	 * By address (the size kmemleak gives is the slab object's), formatted
	 * before the stack is scrubbed: vsnprintf() spills the unscrambled
	 * address into its frames, a stale reference a scan would find.
	 */
	snprintf(head, sizeof(head), REPORT_HEAD "0x%08lx (size ", hidden ^ PLANT_KEY);
	kmemleak_scrub_stack(32);
	report = kmemleak_report(test);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(report, head),
				  "kmemleak did not report the planted object (%s); its report:\n%.2000s",
				  head, report);
}

/*
 * Guards: lib/iov_iter.c iov_iter_extract_user_pages(), its error return
 * after want_pages_array() allocated the caller's page array
 * (pin_user_pages_fast() <= 0): the fix frees the array and clears *pages.
 * block/blk-map.c bio_map_user_iov() asks for a callee-allocated array when
 * the request needs more than UIO_FASTIOV pages and, on an error, trusts
 * that nothing is left to free. 32 SG_IO-style mappings of 16 pages whose
 * first page is not mapped: -EFAULT every time; kmemleak must find no array
 * allocated on that path by this case's thread (its pid in the report: other
 * suites map through here too, the count must not depend on which ran
 * before). 6.12.117 leaks one per mapping, 32 (tests/known-bugs). 7.2's
 * blk_rq_map_user_iov() extracts straight into the bio's bvec array
 * (iov_iter_extract_bvecs()), allocating no page array: there the path leaks
 * nothing whether or not iov_iter_extract_user_pages() has the fix
 * (diopin_iov_extract.extract_fault_frees_callee_array checks that), the
 * case could not fail, and it skips, saying so (kernel/config/compat.skips).
 */
static void kmemleak_passthrough_fault_leaks_no_array(struct kunit *test)
{
	char mine[32];
	const char * const fns[] = {
		passthrough_leak[0], passthrough_leak[1], passthrough_leak[2], mine,
	};
	struct diopin_buf *buf;
	unsigned int leaked;

	if (!DIOPIN_MAP_USER_PAGE_ARRAY)
		kunit_skip(test, "not applicable: %s",
			   "this kernel's blk_rq_map_user_iov() allocates no page array");
	buf = diopin_buf_user(test, 16, DIOPIN_UMAP_PREFAULT);
	diopin_buf_punch(test, buf, 0);
	diopin_rq_map_faulting(test, buf, 32);
	kmemleak_scrub_stack(32);
	snprintf(mine, sizeof(mine), "\"%s\", pid %d,", current->comm, current->pid);
	leaked = kmemleak_count(test, kmemleak_report(test), fns, ARRAY_SIZE(fns), true);
	KUNIT_EXPECT_EQ_MSG(test, leaked, 0,
			    "%u page array(s) of failed passthrough mappings leaked (the first ones above)",
			    leaked);
}

/*
 * Guards: every allocation the suites drive, in every kernel path they reach
 * (bios, bvec arrays, dio and iomap_dio structures, page arrays, requests):
 * whatever kmemleak reports by the end of the run fails here, except what the
 * case above reports: 128-byte page arrays (16 page pointers) allocated under
 * iov_iter_extract_pages() from blk_rq_map_user_iov(). Any other object
 * through that path (another size) counts here.
 */
static void kmemleak_run_leaks_nothing_else(struct kunit *test)
{
	unsigned int leaked = kmemleak_count(test, kmemleak_report(test), passthrough_leak,
					     ARRAY_SIZE(passthrough_leak), false);

	KUNIT_EXPECT_EQ_MSG(test, leaked, 0,
			    "kmemleak reports %u object(s) leaked during the run (the first ones above)",
			    leaked);
}

static struct kunit_case diopin_kmemleak_cases[] = {
	KUNIT_CASE(kmemleak_reports_a_planted_leak),
	KUNIT_CASE(kmemleak_passthrough_fault_leaks_no_array),
	KUNIT_CASE(kmemleak_run_leaks_nothing_else),
	{}
};

static struct kunit_suite diopin_kmemleak_suite = {
	.name = "diopin_kmemleak",
	.test_cases = diopin_kmemleak_cases,
};

kunit_test_suite(diopin_kmemleak_suite);

MODULE_DESCRIPTION("KUnit: what kmemleak finds after the diopin suites");
MODULE_LICENSE("GPL");
