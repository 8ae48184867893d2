// SPDX-License-Identifier: GPL-2.0
/*
 * diopin_gcov_dump: not a kernel test but the carrier of diopin's x86_64
 * coverage run (CONFIG_GCOV_KERNEL, CONFIG_GCOV_PROFILE_ALL). A
 * KUnit kernel under QEMU has no user space to copy .gcda files out of debugfs,
 * so after every other suite (the last object of lib/diopin) this one writes
 * the .gcda data of diopin's coverage scope to the console, one hex-encoded
 * "diopin-gcda: FILE OFFSET HEX" line per 64 bytes (convert_to_gcda(), as
 * kernel/gcov/fs.c builds the debugfs files); scripts/coverage rebuilds the
 * files from the log and merges them with the UML run's.
 * Not part of the posted series.
 */
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <kunit/test.h>

#include "../../kernel/gcov/gcov.h"	/* gcov_info_next(), convert_to_gcda() */

#define LINE_BYTES	64	/* %*phN prints at most 64 bytes */

/* The scope of diopin's coverage (coverage/scope), as .gcda names. */
static const char * const scope[] = {
	"/lib/iov_iter.gcda", "/mm/gup.gcda", "/block/bio.gcda", "/block/blk-map.gcda",
	"/block/fops.gcda", "/fs/direct-io.gcda", "/fs/iomap/direct-io.gcda",
};

static bool in_scope(const char *name)
{
	size_t len = strlen(name);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(scope); i++)
		if (len >= strlen(scope[i]) && !strcmp(name + len - strlen(scope[i]), scope[i]))
			return true;
	return false;
}

static void dump_one(struct kunit *test, struct gcov_info *info)
{
	const char *name = gcov_info_filename(info);
	size_t size = convert_to_gcda(NULL, info), off, n;
	char *data = kvmalloc(size, GFP_KERNEL);

	/* under gcov_lock: no assertion may end the test here */
	if (!data) {
		KUNIT_FAIL(test, "no memory for %zu bytes of %s", size, name);
		return;
	}
	KUNIT_EXPECT_EQ(test, convert_to_gcda(data, info), size);
	for (off = 0; off < size; off += n) {
		n = min_t(size_t, size - off, LINE_BYTES);
		pr_info("diopin-gcda: %s %zu %*phN\n", name, off, (int)n, data + off);
	}
	pr_info("diopin-gcda-end: %s %zu\n", name, size);
	kvfree(data);
}

/* Every scope file must have gcov data: one missing means no CONFIG_GCOV_PROFILE_ALL. */
static void gcov_dump_scope(struct kunit *test)
{
	struct gcov_info *info = NULL;
	unsigned int found = 0;

	mutex_lock(&gcov_lock);
	while ((info = gcov_info_next(info))) {
		if (!in_scope(gcov_info_filename(info)))
			continue;
		dump_one(test, info);
		found++;
	}
	mutex_unlock(&gcov_lock);
	KUNIT_EXPECT_EQ_MSG(test, found, ARRAY_SIZE(scope),
			    "gcov data for %u of the %zu scope files (CONFIG_GCOV_PROFILE_ALL?)",
			    found, ARRAY_SIZE(scope));
}

static struct kunit_case diopin_gcov_dump_cases[] = {
	KUNIT_CASE(gcov_dump_scope),
	{}
};

static struct kunit_suite diopin_gcov_dump_suite = {
	.name = "diopin_gcov_dump",
	.test_cases = diopin_gcov_dump_cases,
};

kunit_test_suite(diopin_gcov_dump_suite);

MODULE_DESCRIPTION("diopin's coverage carrier: the scope's gcov data on the console");
MODULE_LICENSE("GPL");
