// SPDX-License-Identifier: GPL-2.0
/*
 * diopin fixtures, block devices: brd and null_blk devices opened as files,
 * kernel-memory I/O beneath them, a zoned null_blk made through configfs,
 * passthrough requests (diopin_fixture.h).
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/blk-mq.h>
#include <linux/file.h>
#include <linux/major.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <kunit/resource.h>

#include "diopin_fixture.h"

void diopin_fput_action(void *file)
{
	fput(file);
}

struct file *diopin_bdev_open(struct kunit *test, dev_t dev)
{
	struct file *file = bdev_file_open_by_dev(dev, BLK_OPEN_READ | BLK_OPEN_WRITE, NULL, NULL);

	BUILD_BUG_ON(DIOPIN_BRD(0) != MKDEV(RAMDISK_MAJOR, 0));
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(file),
			       "opening block device %u:%u: %ld (is it built in?)",
			       MAJOR(dev), MINOR(dev), PTR_ERR(file));
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, diopin_fput_action, file));
	return file;
}

#define DIOPIN_RW_VECS	16

void diopin_bdev_rw(struct kunit *test, struct block_device *bdev,
		    blk_opf_t op, loff_t pos, void *kbuf, size_t len)
{
	struct bio_vec bv[DIOPIN_RW_VECS];
	size_t part, size;
	struct bio bio;
	int err;

	/* No pins, DIOPIN_RW_VECS pages a bio: setup and checks only (null_blk takes ms a bio). */
	KUNIT_ASSERT_TRUE(test, virt_addr_valid(kbuf));
	KUNIT_ASSERT_EQ(test, 0, (pos | len | offset_in_page(kbuf)) & (SECTOR_SIZE - 1));
	while (len) {
		bio_init(&bio, bdev, bv, DIOPIN_RW_VECS, op);
		bio.bi_iter.bi_sector = pos >> SECTOR_SHIFT;
		for (size = 0; len && bio.bi_vcnt < DIOPIN_RW_VECS; size += part) {
			part = min_t(size_t, len, PAGE_SIZE - offset_in_page(kbuf));
			__bio_add_page(&bio, virt_to_page(kbuf), part, offset_in_page(kbuf));
			kbuf += part;
			len -= part;
		}
		err = submit_bio_wait(&bio);
		bio_uninit(&bio);
		KUNIT_ASSERT_EQ_MSG(test, err, 0, "bdev I/O at %lld", pos);
		pos += size;
	}
}

dev_t diopin_nullb_dev(struct kunit *test, unsigned int index)
{
	struct device *dev;
	char name[16];
	dev_t devt;

	snprintf(name, sizeof(name), "nullb%u", index);
	dev = class_find_device_by_name(&block_class, name);
	KUNIT_ASSERT_NOT_NULL_MSG(test, dev,
				  "no %s: CONFIG_BLK_DEV_NULL_BLK=y and null_blk.nr_devices= on the command line (kernel/config/common.args)?",
				  name);
	devt = dev->devt;
	put_device(dev);
	return devt;
}

/* ---- a zoned null_blk device, made through configfs ---- */
struct diopin_zoned {
	struct kunit *test;
	struct vfsmount *mnt;
	struct path nullb;	/* configfs's nullb/ */
};

static void diopin_zoned_remove(void *arg)
{
	struct diopin_zoned *z = arg;
	int err;

	/* a kthread's fput() is deferred: let the disk's last opener go first */
	flush_delayed_fput();
	err = diopin_rmdir_at(z->nullb.dentry, DIOPIN_ZONED_NAME);
	if (err)
		KUNIT_FAIL(z->test, "rmdir nullb/%s: %d (the next mkdir will fail)",
			   DIOPIN_ZONED_NAME, err);
	path_put(&z->nullb);
	kern_unmount(z->mnt);
}

static void diopin_zoned_set(struct kunit *test, struct diopin_zoned *z,
			     const char *attr, unsigned int val)
{
	char path[64], buf[16];
	struct file *file;
	loff_t pos = 0;
	ssize_t ret;
	int len;

	snprintf(path, sizeof(path), "nullb/%s/%s", DIOPIN_ZONED_NAME, attr);
	len = snprintf(buf, sizeof(buf), "%u\n", val);
	file = file_open_root_mnt(z->mnt, path, O_WRONLY, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(file), "opening configfs %s: %ld", path, PTR_ERR(file));
	ret = kernel_write(file, buf, len, &pos);
	fput(file);
	KUNIT_ASSERT_EQ_MSG(test, ret, (ssize_t)len,
			    "configfs %s = %u: %zd (CONFIG_BLK_DEV_ZONED=y?)", path, val, ret);
}

struct file *diopin_nullb_zoned_open(struct kunit *test, unsigned int append_max_sectors)
{
	struct diopin_zoned *z = kunit_kzalloc(test, sizeof(*z), GFP_KERNEL);
	struct file_system_type *type;
	struct device *dev;
	dev_t devt;
	int err;

	KUNIT_ASSERT_TRUE_MSG(test, IS_ENABLED(CONFIG_BLK_DEV_ZONED),
			      "a zoned null_blk needs CONFIG_BLK_DEV_ZONED=y");
	KUNIT_ASSERT_NOT_NULL(test, z);
	z->test = test;
	type = get_fs_type("configfs");
	KUNIT_ASSERT_NOT_NULL_MSG(test, type, "no configfs (CONFIG_CONFIGFS_FS=y?)");
	z->mnt = kern_mount(type);
	put_filesystem(type);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(z->mnt), "mounting configfs: %ld", PTR_ERR(z->mnt));
	err = vfs_path_lookup(z->mnt->mnt_root, z->mnt, "nullb", 0, &z->nullb);
	if (err)
		kern_unmount(z->mnt);
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "no nullb/ in configfs (null_blk built in?)");
	err = diopin_mkdir_at(z->nullb.dentry, DIOPIN_ZONED_NAME);
	if (err) {
		path_put(&z->nullb);
		kern_unmount(z->mnt);
	}
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "mkdir nullb/%s", DIOPIN_ZONED_NAME);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, diopin_zoned_remove, z));
	diopin_zoned_set(test, z, "size", DIOPIN_ZONED_MB);
	diopin_zoned_set(test, z, "memory_backed", 1);
	diopin_zoned_set(test, z, "zoned", 1);
	diopin_zoned_set(test, z, "zone_size", DIOPIN_ZONE_MB);
	diopin_zoned_set(test, z, "zone_nr_conv", 0);
	diopin_zoned_set(test, z, "zone_append_max_sectors", append_max_sectors);
	diopin_zoned_set(test, z, "power", 1);
	dev = class_find_device_by_name(&block_class, DIOPIN_ZONED_NAME);
	KUNIT_ASSERT_NOT_NULL_MSG(test, dev, "null_blk made no disk %s", DIOPIN_ZONED_NAME);
	devt = dev->devt;
	put_device(dev);
	return diopin_bdev_open(test, devt);
}

KUNIT_DEFINE_ACTION_WRAPPER(diopin_put_device_action, put_device, struct device *);
KUNIT_DEFINE_ACTION_WRAPPER(diopin_rq_free_action, blk_mq_free_request, struct request *);

struct request *diopin_nullb_rq(struct kunit *test, blk_opf_t op)
{
	struct device *dev = class_find_device_by_name(&block_class, "nullb0");
	struct request_queue *q;
	struct request *rq;

	KUNIT_ASSERT_NOT_NULL_MSG(test, dev, "no nullb0: is CONFIG_BLK_DEV_NULL_BLK=y?");
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, diopin_put_device_action, dev));
	q = dev_to_disk(dev)->queue;
	KUNIT_ASSERT_TRUE_MSG(test, queue_is_mq(q), "nullb0 is not blk-mq");
	rq = blk_mq_alloc_request(q, op, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(rq));
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, diopin_rq_free_action, rq));
	return rq;
}

void diopin_rq_free(struct kunit *test, struct request *rq)
{
	kunit_release_action(test, diopin_rq_free_action, rq);
}

void diopin_rq_map_faulting(struct kunit *test, struct diopin_buf *buf, unsigned int rounds)
{
	const struct diopin_seg seg = { 0, buf->npages * PAGE_SIZE };
	unsigned int round;

	for (round = 0; round < rounds; round++) {
		struct request *rq = diopin_nullb_rq(test, REQ_OP_DRV_IN);
		struct iov_iter iter;
		int ret;

		diopin_iter_build(test, &iter, DIOPIN_UBUF, ITER_DEST, buf, &seg, 1);
		ret = blk_rq_map_user_iov(rq->q, rq, NULL, &iter, GFP_KERNEL);
		/* a mapping that should not have been made is released first */
		if (!ret)
			blk_rq_unmap_user(rq->bio);
		KUNIT_ASSERT_EQ_MSG(test, ret, -EFAULT, "round %u", round);
		KUNIT_EXPECT_NULL(test, rq->bio);
		KUNIT_EXPECT_EQ(test, iov_iter_count(&iter), seg.len);
		diopin_rq_free(test, rq);
	}
}
