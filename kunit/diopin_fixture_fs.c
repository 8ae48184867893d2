// SPDX-License-Identifier: GPL-2.0
/*
 * diopin fixtures, filesystems: the test thread's own root (device nodes
 * live there), images loaded into a device and mounted, files opened on
 * them (diopin_fixture.h).
 */
#include <linux/blkdev.h>
#include <linux/file.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/fs_struct.h>
#include <linux/mount.h>
#include <kunit/resource.h>

#include "diopin_fixture.h"
#include "diopin_images.h"

KUNIT_DEFINE_ACTION_WRAPPER(diopin_mntput_action, mntput, struct vfsmount *);

static void diopin_root_free(struct kunit_resource *res)
{
	mntput(res->data);
}

static bool diopin_root_match(struct kunit *test, struct kunit_resource *res, void *unused)
{
	return res->free == diopin_root_free;
}

/*
 * Give this test thread a "/" of its own: a private tmpfs, root and working
 * directory of the thread's own fs_struct (unshared from the kthreads',
 * whose "/" is rootfs on 6.12 and 7.2, a read-only nullfs from 7.3 on). The
 * device nodes a mount needs as its "source" are made there, so no case
 * depends on the kernel's namespace. The fs_struct goes with the thread,
 * the tmpfs with its last reference.
 */
static void diopin_own_root(struct kunit *test)
{
	struct file_system_type *type;
	struct kunit_resource *res;
	struct vfsmount *mnt;
	struct path root;

	res = kunit_find_resource(test, diopin_root_match, NULL);
	if (res) {
		kunit_put_resource(res);
		return;
	}
	type = get_fs_type("tmpfs");
	KUNIT_ASSERT_NOT_NULL_MSG(test, type, "no tmpfs (CONFIG_SHMEM=y?)");
	mnt = vfs_kern_mount(type, 0, "diopin", NULL);
	put_filesystem(type);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(mnt), "mounting tmpfs: %ld", PTR_ERR(mnt));
	/* No init: the resource's data is @mnt. */
	if (!kunit_alloc_resource(test, NULL, diopin_root_free, GFP_KERNEL, mnt)) {
		mntput(mnt);
		KUNIT_FAIL_AND_ABORT(test, "no memory for the private root");
	}
	KUNIT_ASSERT_EQ(test, 0, unshare_fs_struct());
	root.mnt = mnt;
	root.dentry = mnt->mnt_root;
	set_fs_root(current->fs, &root);
	set_fs_pwd(current->fs, &root);
}

static void diopin_load_image(struct kunit *test, struct block_device *bdev,
			      const struct diopin_image *img)
{
	void *zero = kunit_kzalloc(test, 16 * PAGE_SIZE, GFP_KERNEL);
	size_t pos, part;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, zero);
	KUNIT_ASSERT_LE(test, img->size, bdev_nr_bytes(bdev));
	for (pos = 0; pos < img->size; pos += part) {
		part = min_t(size_t, img->size - pos, 16 * PAGE_SIZE);
		diopin_bdev_rw(test, bdev, REQ_OP_WRITE, pos, zero, part);
	}
	for (i = 0; i < img->nchunks; i++) {
		const struct diopin_image_chunk *c = &img->chunks[i];
		void *tmp = kunit_kmalloc(test, c->len, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, tmp);
		memcpy(tmp, c->data, c->len);
		diopin_bdev_rw(test, bdev, REQ_OP_WRITE,
			       (loff_t)c->sector << SECTOR_SHIFT, tmp, c->len);
		kunit_kfree(test, tmp);
	}
	/* The page cache must not remember the previous filesystem. */
	invalidate_bdev(bdev);
}

/* Wait until no earlier mount holds @bdev (mntput is delayed in kthreads). */
static void diopin_bdev_wait_unheld(struct kunit *test, struct block_device *bdev)
{
	unsigned long deadline = jiffies + 10 * HZ;

	flush_delayed_fput();
	while (READ_ONCE(bdev->bd_holder)) {
		KUNIT_ASSERT_TRUE_MSG(test, time_before(jiffies, deadline),
				      "%pg is still held by an earlier mount", bdev);
		usleep_range(5000, 10000);
	}
}

struct file *diopin_bdev_open_node(struct kunit *test, dev_t dev, int flags)
{
	struct file *file;
	char path[32];

	diopin_own_root(test);
	snprintf(path, sizeof(path), "/diopin-%u-%u", MAJOR(dev), MINOR(dev));
	KUNIT_ASSERT_EQ_MSG(test, 0, diopin_mknod(path, dev), "mknod %s", path);
	file = filp_open(path, flags, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(file), "open %s: %ld", path, PTR_ERR(file));
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, diopin_fput_action, file));
	return file;
}

static struct vfsmount *diopin_fs_mount_dev(struct kunit *test, const struct diopin_image *img,
					    dev_t dev, bool load)
{
	struct block_device *bdev = file_bdev(diopin_bdev_open(test, dev));
	struct file_system_type *type;
	struct fs_context *fc;
	struct vfsmount *mnt;
	char source[32];

	diopin_bdev_wait_unheld(test, bdev);
	if (load) {
		diopin_load_image(test, bdev, img);
	} else {
		/* What the last mount wrote is on the device; forget it. */
		KUNIT_ASSERT_EQ(test, 0, sync_blockdev(bdev));
		invalidate_bdev(bdev);
	}
	diopin_own_root(test);
	snprintf(source, sizeof(source), "/diopin-%u-%u", MAJOR(dev), MINOR(dev));
	KUNIT_ASSERT_EQ_MSG(test, 0, diopin_mknod(source, dev), "mknod %s", source);
	type = get_fs_type(img->fstype);
	KUNIT_ASSERT_NOT_NULL_MSG(test, type, "filesystem %s is not built in", img->fstype);
	fc = fs_context_for_mount(type, 0);
	put_filesystem(type);
	KUNIT_ASSERT_FALSE(test, IS_ERR(fc));
	if (diopin_parse_fs_string(fc, "source", source)) {
		put_fs_context(fc);
		KUNIT_FAIL_AND_ABORT(test, "bad mount source %s", source);
	}
	mnt = fc_mount(fc);
	put_fs_context(fc);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(mnt), "mounting %s on %s: %ld",
			       img->fstype, source, PTR_ERR(mnt));
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, diopin_mntput_action, mnt));
	return mnt;
}

struct vfsmount *diopin_fs_mount(struct kunit *test, const struct diopin_image *img,
				 unsigned int minor)
{
	return diopin_fs_mount_dev(test, img, DIOPIN_BRD(minor), true);
}

struct vfsmount *diopin_fs_mount_on(struct kunit *test, const struct diopin_image *img, dev_t dev)
{
	return diopin_fs_mount_dev(test, img, dev, true);
}

struct vfsmount *diopin_fs_remount_cold(struct kunit *test, struct vfsmount *mnt,
					const struct diopin_image *img, unsigned int minor)
{
	kunit_release_action(test, diopin_mntput_action, mnt);
	return diopin_fs_mount_dev(test, img, DIOPIN_BRD(minor), false);
}

void diopin_fs_close(struct kunit *test, struct file *file)
{
	kunit_release_action(test, diopin_fput_action, file);
}

struct file *diopin_fs_open(struct kunit *test, struct vfsmount *mnt, const char *name, int flags)
{
	struct file *file = file_open_root_mnt(mnt, name, flags, 0600);

	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(file), "open %s: %ld", name, PTR_ERR(file));
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, diopin_fput_action, file));
	return file;
}

struct file *diopin_tmpfs_open(struct kunit *test, const char *name)
{
	struct kunit_resource *res;
	struct vfsmount *mnt;

	diopin_own_root(test);
	res = kunit_find_resource(test, diopin_root_match, NULL);
	KUNIT_ASSERT_NOT_NULL(test, res);
	mnt = res->data;
	kunit_put_resource(res);
	return diopin_fs_open(test, mnt, name, O_RDWR | O_CREAT);
}
