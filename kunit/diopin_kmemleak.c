// SPDX-License-Identifier: GPL-2.0
/*
 * diopin_kmemleak: after every other diopin suite, ask kmemleak which
 * objects allocated by a test case nothing references any more.
 *
 * A pin leak shows in the page counts the suites check; a leak of the
 * memory that describes the pins (a page array, a bio, a dio) shows
 * nowhere but here. Built only with CONFIG_DEBUG_KMEMLEAK (make debug) and
 * linked after every other suite, it mounts debugfs, waits until the last
 * case's objects are old enough to be reported (MSECS_MIN_AGE), writes
 * "scan" to kmemleak (a synchronous scan) and reads the report.
 *
 * Each leaked object is sorted by the function that allocated it, so that
 * a leak 6.12.117 is known to have (tests/known-bugs) is one row and any
 * other leak another: one never hides the other. Objects that boot code,
 * not a case (comm "kunit_try_catch"), allocated are listed, not judged.
 */
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <kunit/test.h>

#include "diopin_fixture.h"

#define REPORT_MAX	(256 * 1024)
#define CHUNK		PAGE_SIZE

KUNIT_DEFINE_ACTION_WRAPPER(kmemleak_mntput_action, mntput, struct vfsmount *);
KUNIT_DEFINE_ACTION_WRAPPER(kmemleak_fput_action, fput, struct file *);

static struct file *kmemleak_open_file(struct kunit *test)
{
	struct file_system_type *type = get_fs_type("debugfs");
	struct vfsmount *mnt;
	struct file *file;

	KUNIT_ASSERT_NOT_NULL_MSG(test, type, "no debugfs");
	mnt = vfs_kern_mount(type, 0, "debugfs", NULL);
	put_filesystem(type);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(mnt), "mounting debugfs: %ld",
			       PTR_ERR(mnt));
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, kmemleak_mntput_action, mnt));
	file = file_open_root_mnt(mnt, "kmemleak", O_RDWR, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(file), "opening kmemleak: %ld",
			       PTR_ERR(file));
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, kmemleak_fput_action, file));
	return file;
}

/*
 * The debugfs file has .read/.write only (no _iter): call them as a syscall
 * would, through a user buffer of this test's mm.
 */
static void kmemleak_write_cmd(struct kunit *test, struct file *file,
			       char __user *ubuf, const char *cmd)
{
	size_t len = strlen(cmd);
	loff_t pos = 0;

	KUNIT_ASSERT_EQ(test, 0, copy_to_user(ubuf, cmd, len));
	KUNIT_ASSERT_EQ_MSG(test, file->f_op->write(file, ubuf, len, &pos),
			    (ssize_t)len, "kmemleak refused \"%s\"", cmd);
}

static char *kmemleak_read_report(struct kunit *test, struct file *file,
				  char __user *ubuf)
{
	char *report = kunit_kzalloc(test, REPORT_MAX + 1, GFP_KERNEL);
	size_t len = 0;
	loff_t pos = 0;
	ssize_t got;

	KUNIT_ASSERT_NOT_NULL(test, report);
	do {
		got = file->f_op->read(file, ubuf, CHUNK, &pos);
		KUNIT_ASSERT_GE_MSG(test, got, 0, "reading kmemleak");
		got = min_t(ssize_t, got, REPORT_MAX - len);
		KUNIT_ASSERT_EQ(test, 0, copy_from_user(report + len, ubuf, got));
		len += got;
	} while (got > 0 && len < REPORT_MAX);
	return report;
}

struct leak_row {
	const char *desc;
	const char *alloc_fn;	/* in the backtrace; NULL: every other object */
};

static const struct leak_row leak_rows[] = {
	{ "page arrays of iov_iter_extract_pages()", "iov_iter_extract_pages" },
	{ "any other object a case allocated", NULL },
};

KUNIT_ARRAY_PARAM_DESC(leak, leak_rows, desc);

static bool row_owns(const struct leak_row *row, const char *obj)
{
	unsigned int i;

	if (row->alloc_fn)
		return strstr(obj, row->alloc_fn);
	for (i = 0; i < ARRAY_SIZE(leak_rows); i++)
		if (leak_rows[i].alloc_fn && strstr(obj, leak_rows[i].alloc_fn))
			return false;
	return true;
}

/*
 * Guards: every free on the paths the suites ran, as kmemleak sees it: a
 * page array, bio, bvec table or dio that a failure path forgot is an
 * unreferenced object allocated by a case. 6.12.117 leaks the page array
 * of a failed iov_iter_extract_user_pages() (tests/known-bugs), reached
 * from diopin_bio's SG_IO-style mapping of a faulting buffer.
 */
static void kmemleak_no_case_leaks(struct kunit *test)
{
	const struct leak_row *row = test->param_value;
	struct diopin_buf *buf = diopin_buf_user(test, CHUNK / PAGE_SIZE, 0);
	struct file *file = kmemleak_open_file(test);
	unsigned int leaks = 0, others = 0;
	char *report, *obj, *next;

	/* kmemleak never reports an object younger than 5 s (MSECS_MIN_AGE). */
	msleep(5500);
	kmemleak_write_cmd(test, file, buf->uaddr, "scan");
	report = kmemleak_read_report(test, file, buf->uaddr);

	for (obj = strstr(report, "unreferenced object"); obj; obj = next) {
		next = strstr(obj + 1, "unreferenced object");
		if (next)
			next[-1] = '\0';
		if (!strstr(obj, "comm \"kunit_try_catch\"")) {
			others++;
			continue;
		}
		if (!row_owns(row, obj))
			continue;
		if (leaks++ < 3)
			kunit_info(test, "leaked:\n%s", obj);
	}
	if (others)
		kunit_info(test, "%u unreferenced object(s) allocated outside the cases (boot): not judged",
			   others);
	KUNIT_EXPECT_EQ_MSG(test, leaks, 0,
			    "%u object(s) a case allocated are unreferenced (%s)",
			    leaks, row->desc);
}

static struct kunit_case diopin_kmemleak_cases[] = {
	KUNIT_CASE_PARAM(kmemleak_no_case_leaks, leak_gen_params),
	{}
};

static struct kunit_suite diopin_kmemleak_suite = {
	.name = "diopin_kmemleak",
	.test_cases = diopin_kmemleak_cases,
};

kunit_test_suite(diopin_kmemleak_suite);

MODULE_DESCRIPTION("KUnit check that the diopin suites' kernel paths leak no memory (kmemleak)");
MODULE_LICENSE("GPL");
