// SPDX-License-Identifier: GPL-2.0
/*
 * Shared fixtures for the diopin KUnit suites, devices and I/O: brd and
 * null_blk block devices, O_DIRECT calls (sync and async), filesystem
 * images mounted on them, and the DIO round trip. See diopin_fixture.h.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/blk-mq.h>
#include <linux/file.h>
#include <linux/major.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/fs_struct.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include <kunit/resource.h>
#include <kunit/test-bug.h>

#include "diopin_fixture.h"
#include "diopin_images.h"

/* ---- block devices ---- */

static void diopin_fput_action(void *file)
{
	fput(file);
}

struct file *diopin_bdev_open(struct kunit *test, dev_t dev)
{
	struct file *file;

	BUILD_BUG_ON(DIOPIN_BRD(0) != MKDEV(RAMDISK_MAJOR, 0));
	file = bdev_file_open_by_dev(dev, BLK_OPEN_READ | BLK_OPEN_WRITE,
				     NULL, NULL);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(file),
			       "opening block device %u:%u: %ld (is it built in?)",
			       MAJOR(dev), MINOR(dev), PTR_ERR(file));
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, diopin_fput_action, file));
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

	/*
	 * A kernel buffer, up to DIOPIN_RW_VECS pages a bio, no pins: only for
	 * setting up and checking (few bios: a null_blk device takes
	 * milliseconds for each).
	 */
	KUNIT_ASSERT_TRUE(test, virt_addr_valid(kbuf));
	KUNIT_ASSERT_EQ(test, 0, (pos | len | offset_in_page(kbuf)) & (SECTOR_SIZE - 1));
	while (len) {
		bio_init(&bio, bdev, bv, DIOPIN_RW_VECS, op);
		bio.bi_iter.bi_sector = pos >> SECTOR_SHIFT;
		for (size = 0; len && bio.bi_vcnt < DIOPIN_RW_VECS; size += part) {
			part = min_t(size_t, len, PAGE_SIZE - offset_in_page(kbuf));
			__bio_add_page(&bio, virt_to_page(kbuf), part,
				       offset_in_page(kbuf));
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
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(file), "opening configfs %s: %ld",
			       path, PTR_ERR(file));
	ret = kernel_write(file, buf, len, &pos);
	fput(file);
	KUNIT_ASSERT_EQ_MSG(test, ret, (ssize_t)len,
			    "configfs %s = %u: %zd (CONFIG_BLK_DEV_ZONED=y?)",
			    path, val, ret);
}

struct file *diopin_nullb_zoned_open(struct kunit *test,
				     unsigned int append_max_sectors)
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
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(z->mnt), "mounting configfs: %ld",
			       PTR_ERR(z->mnt));
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
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, diopin_zoned_remove, z));

	diopin_zoned_set(test, z, "size", DIOPIN_ZONED_MB);
	diopin_zoned_set(test, z, "memory_backed", 1);
	diopin_zoned_set(test, z, "zoned", 1);
	diopin_zoned_set(test, z, "zone_size", DIOPIN_ZONE_MB);
	diopin_zoned_set(test, z, "zone_nr_conv", 0);
	diopin_zoned_set(test, z, "zone_append_max_sectors", append_max_sectors);
	diopin_zoned_set(test, z, "power", 1);

	dev = class_find_device_by_name(&block_class, DIOPIN_ZONED_NAME);
	KUNIT_ASSERT_NOT_NULL_MSG(test, dev, "null_blk made no disk %s",
				  DIOPIN_ZONED_NAME);
	devt = dev->devt;
	put_device(dev);
	return diopin_bdev_open(test, devt);
}

static void diopin_put_device_action(void *dev)
{
	put_device(dev);
}

static void diopin_rq_free_action(void *rq)
{
	blk_mq_free_request(rq);
}

struct request *diopin_nullb_rq(struct kunit *test, blk_opf_t op)
{
	struct request_queue *q;
	struct request *rq;
	struct device *dev;

	dev = class_find_device_by_name(&block_class, "nullb0");
	KUNIT_ASSERT_NOT_NULL_MSG(test, dev, "no nullb0: is CONFIG_BLK_DEV_NULL_BLK=y?");
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, diopin_put_device_action, dev));
	q = dev_to_disk(dev)->queue;
	KUNIT_ASSERT_TRUE_MSG(test, queue_is_mq(q), "nullb0 is not blk-mq");
	rq = blk_mq_alloc_request(q, op, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(rq));
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, diopin_rq_free_action, rq));
	return rq;
}

void diopin_rq_free(struct kunit *test, struct request *rq)
{
	kunit_release_action(test, diopin_rq_free_action, rq);
}

void diopin_rq_map_faulting(struct kunit *test, struct diopin_buf *buf,
			    unsigned int rounds)
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

/* ---- O_DIRECT I/O ---- */

struct diopin_aio {
	struct kiocb kiocb;
	struct completion done;
	long ret;
};

static void diopin_aio_complete(struct kiocb *kiocb, long ret)
{
	struct diopin_aio *aio = container_of(kiocb, struct diopin_aio, kiocb);

	aio->ret = ret;
	complete(&aio->done);
}

ssize_t diopin_dio(struct file *file, int rw, loff_t pos,
		   struct iov_iter *iter, bool async)
{
	return diopin_dio_ex(file, rw, pos, iter, async, NULL);
}

unsigned int diopin_fail_nth_swap(unsigned int nth)
{
	unsigned int old = 0;

#ifdef CONFIG_FAULT_INJECTION
	old = READ_ONCE(current->fail_nth);
	WRITE_ONCE(current->fail_nth, nth);
#endif
	return old;
}

/* ---- debugfs knobs (fault injection, kmemleak) ---- */

static void diopin_kern_unmount(void *mnt)
{
	kern_unmount(mnt);
}

/*
 * @path under a kernel mount of debugfs, opened with @flags; the file is
 * put and debugfs unmounted when the test ends.
 */
static struct file *diopin_debugfs_open(struct kunit *test, const char *path,
					int flags)
{
	struct file_system_type *type = get_fs_type("debugfs");
	struct vfsmount *mnt;
	struct file *file;

	KUNIT_ASSERT_NOT_NULL_MSG(test, type, "no debugfs (CONFIG_DEBUG_FS=y?)");
	mnt = kern_mount(type);
	put_filesystem(type);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(mnt), "mounting debugfs: %ld",
			       PTR_ERR(mnt));
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, diopin_kern_unmount, mnt));
	file = file_open_root_mnt(mnt, path, flags, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(file), "opening debugfs %s: %ld",
			       path, PTR_ERR(file));
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, diopin_fput_action, file));
	return file;
}

/*
 * debugfs files take user memory (simple_write_to_buffer(),
 * strncpy_from_user()): the value goes through a page of the test's own
 * user mapping.
 */
ssize_t diopin_debugfs_write(struct kunit *test, const char *path,
			     const char *val)
{
	struct file *file = diopin_debugfs_open(test, path, O_WRONLY);
	struct diopin_buf *ubuf = diopin_buf_user(test, 1, 0);
	size_t len = strlen(val);
	loff_t pos = 0;

	KUNIT_ASSERT_LT(test, len, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, 0, copy_to_user(ubuf->uaddr, val, len));
	return file->f_op->write(file, ubuf->uaddr, len, &pos);
}

ssize_t diopin_debugfs_read(struct kunit *test, const char *path, char *kbuf,
			    size_t size)
{
	struct file *file = diopin_debugfs_open(test, path, O_RDONLY);
	struct diopin_buf *ubuf = diopin_buf_user(test, 4, 0);
	size_t done = 0;
	loff_t pos = 0;
	ssize_t n;

	KUNIT_ASSERT_GT(test, size, 0);
	do {
		n = file->f_op->read(file, ubuf->uaddr,
				     min(size - 1 - done, 4 * PAGE_SIZE), &pos);
		if (n < 0)
			return n;
		KUNIT_ASSERT_EQ(test, 0, copy_from_user(kbuf + done, ubuf->uaddr, n));
		done += n;
	} while (n > 0 && done < size - 1);
	kbuf[done] = '\0';
	return done;
}

/*
 * "Completes later", arranged rather than raced: an async call on a blk-mq
 * device (null_blk) runs with the device's queue quiesced, so nothing it
 * submits is dispatched, let alone completed, before the submitter has
 * returned (and in_flight has run); then the queue is released and the
 * device completes the I/O. A kernel that waits inside the call for its
 * own completion would wait forever: a timer releases the queue after
 * DIOPIN_HOLD_SECS, and such a call is not "later". A test that stops
 * while the queue is held releases it through its action.
 */
#define DIOPIN_HOLD_SECS	10

struct diopin_hold {
	struct request_queue *q;
	struct delayed_work timer;
	atomic_t released;
	bool by_timer;
};

static void diopin_hold_release(struct diopin_hold *h, bool by_timer)
{
	if (atomic_cmpxchg(&h->released, 0, 1))
		return;
	h->by_timer = by_timer;
	blk_mq_unquiesce_queue(h->q);
}

static void diopin_hold_expired(struct work_struct *work)
{
	diopin_hold_release(container_of(work, struct diopin_hold, timer.work),
			    true);
}

static void diopin_hold_action(void *arg)
{
	struct diopin_hold *h = arg;

	cancel_delayed_work_sync(&h->timer);
	diopin_hold_release(h, false);
	kfree(h);
}

/* Quiesce the blk-mq queue under @file, or NULL (bio-based: brd). */
static struct diopin_hold *diopin_hold_start(struct file *file)
{
	struct inode *inode = file_inode(file);
	struct block_device *bdev;
	struct kunit *test = kunit_get_current_test();
	struct diopin_hold *h;

	bdev = S_ISBLK(inode->i_mode) ? file_bdev(file) : inode->i_sb->s_bdev;
	if (!test || !bdev || !queue_is_mq(bdev_get_queue(bdev)))
		return NULL;
	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return ERR_PTR(-ENOMEM);
	h->q = bdev_get_queue(bdev);
	INIT_DELAYED_WORK(&h->timer, diopin_hold_expired);
	blk_mq_quiesce_queue(h->q);
	if (kunit_add_action_or_reset(test, diopin_hold_action, h))
		return ERR_PTR(-ENOMEM);
	schedule_delayed_work(&h->timer, DIOPIN_HOLD_SECS * HZ);
	return h;
}

/* Release the queue; true if it was still held (the call had returned). */
static bool diopin_hold_end(struct diopin_hold *h)
{
	bool held;

	cancel_delayed_work_sync(&h->timer);
	held = !atomic_read(&h->released);
	kunit_release_action(kunit_get_current_test(), diopin_hold_action, h);
	return held;
}

ssize_t diopin_dio_ex(struct file *file, int rw, loff_t pos,
		      struct iov_iter *iter, bool async,
		      struct diopin_dio_opts *o)
{
	struct diopin_aio *aio = kzalloc(sizeof(*aio), GFP_KERNEL);
	struct diopin_hold *hold = NULL;
	ssize_t ret;

	if (!aio)
		return -ENOMEM;
	if (async && o && o->hold) {
		hold = diopin_hold_start(file);
		if (IS_ERR(hold)) {
			kfree(aio);
			return PTR_ERR(hold);
		}
	}
	init_sync_kiocb(&aio->kiocb, file);
	aio->kiocb.ki_pos = pos;
	aio->kiocb.ki_flags |= IOCB_DIRECT | (o ? o->ki_flags : 0);
	if (async) {
		init_completion(&aio->done);
		aio->kiocb.ki_complete = diopin_aio_complete;
	}
	/* Armed for the call alone: nothing of the fixture's can fail. */
	if (o && o->fail_nth)
		diopin_fail_nth_swap(o->fail_nth);
	if (rw == WRITE) {
		if (S_ISREG(file_inode(file)->i_mode))
			file_start_write(file);
		ret = file->f_op->write_iter(&aio->kiocb, iter);
		if (S_ISREG(file_inode(file)->i_mode))
			file_end_write(file);
	} else {
		ret = file->f_op->read_iter(&aio->kiocb, iter);
	}
	if (o && o->fail_nth)
		o->failed = !diopin_fail_nth_swap(0);
	/* Held: only the timer can have let the device complete it yet. */
	if (o)
		o->later = async && ret == -EIOCBQUEUED &&
			   !completion_done(&aio->done) &&
			   !(hold && atomic_read(&hold->released));
	if (o && o->in_flight && o->later)
		o->in_flight(o->arg);
	/* The timer fired during in_flight: the I/O was not held through it. */
	if (hold && !diopin_hold_end(hold) && o)
		o->later = false;
	if (async && ret == -EIOCBQUEUED && o && (o->ki_flags & IOCB_HIPRI)) {
		unsigned long end = jiffies + 10 * HZ;

		/*
		 * Polled: only iocb_bio_iopoll() completes it, in this task;
		 * once ki_complete has run the bio is gone, so stop then.
		 */
		while (!completion_done(&aio->done) && time_before(jiffies, end)) {
			iocb_bio_iopoll(&aio->kiocb, NULL, 0);
			cond_resched();
		}
	}
	if (async && ret == -EIOCBQUEUED) {
		/*
		 * A completion that never comes is a failure, not a hang;
		 * the kiocb stays allocated in case it comes after all.
		 */
		if (!wait_for_completion_timeout(&aio->done, 10 * HZ))
			return -ETIMEDOUT;
		ret = aio->ret;
	}
	kfree(aio);
	return ret;
}

ssize_t diopin_dio_ubuf(struct kunit *test, struct file *file, int rw,
			loff_t pos, struct diopin_buf *buf, size_t off,
			size_t len)
{
	const struct diopin_seg seg = { off, len };
	struct iov_iter iter;

	diopin_iter_build(test, &iter, DIOPIN_UBUF,
			  rw == READ ? ITER_DEST : ITER_SOURCE, buf, &seg, 1);
	return diopin_dio(file, rw, pos, &iter, false);
}

/* ---- mounted filesystems on brd ---- */

static void diopin_mntput_action(void *mnt)
{
	mntput(mnt);
}

static void diopin_root_free(struct kunit_resource *res)
{
	mntput(res->data);
}

static int diopin_root_init(struct kunit_resource *res, void *mnt)
{
	res->data = mnt;
	return 0;
}

static bool diopin_root_match(struct kunit *test, struct kunit_resource *res,
			      void *unused)
{
	return res->free == diopin_root_free;
}

/*
 * Give this test thread a "/" of its own: a private tmpfs, made the root
 * and working directory of the thread's own fs_struct (unshared from the
 * kthreads', whose "/" is rootfs on 6.12 and 7.2 and a read-only nullfs
 * from 7.3 on). The device nodes a mount needs as its "source" are made
 * there, so no case depends on what the kernel's namespace looks like.
 * The fs_struct goes with the thread; the tmpfs with its last reference.
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
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(mnt), "mounting tmpfs: %ld",
			       PTR_ERR(mnt));
	if (!kunit_alloc_resource(test, diopin_root_init, diopin_root_free,
				  GFP_KERNEL, mnt)) {
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
	void *tmp;

	KUNIT_ASSERT_NOT_NULL(test, zero);
	KUNIT_ASSERT_LE(test, img->size, bdev_nr_bytes(bdev));
	for (pos = 0; pos < img->size; pos += part) {
		part = min_t(size_t, img->size - pos, 16 * PAGE_SIZE);
		diopin_bdev_rw(test, bdev, REQ_OP_WRITE, pos, zero, part);
	}
	for (i = 0; i < img->nchunks; i++) {
		const struct diopin_image_chunk *c = &img->chunks[i];

		tmp = kunit_kmalloc(test, c->len, GFP_KERNEL);
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
static void diopin_bdev_wait_unheld(struct kunit *test,
				    struct block_device *bdev)
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
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(file), "open %s: %ld", path,
			       PTR_ERR(file));
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, diopin_fput_action, file));
	return file;
}

static struct vfsmount *diopin_fs_mount_dev(struct kunit *test,
					    const struct diopin_image *img,
					    dev_t dev, bool load)
{
	struct file_system_type *type;
	struct block_device *bdev;
	struct fs_context *fc;
	struct vfsmount *mnt;
	char source[32];

	bdev = file_bdev(diopin_bdev_open(test, dev));
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
	KUNIT_ASSERT_NOT_NULL_MSG(test, type, "filesystem %s is not built in",
				  img->fstype);
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
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, diopin_mntput_action, mnt));
	return mnt;
}

struct vfsmount *diopin_fs_mount(struct kunit *test,
				 const struct diopin_image *img,
				 unsigned int minor)
{
	return diopin_fs_mount_dev(test, img, DIOPIN_BRD(minor), true);
}

struct vfsmount *diopin_fs_mount_on(struct kunit *test,
				    const struct diopin_image *img, dev_t dev)
{
	return diopin_fs_mount_dev(test, img, dev, true);
}

struct vfsmount *diopin_fs_remount_cold(struct kunit *test,
					struct vfsmount *mnt,
					const struct diopin_image *img,
					unsigned int minor)
{
	kunit_release_action(test, diopin_mntput_action, mnt);
	return diopin_fs_mount_dev(test, img, DIOPIN_BRD(minor), false);
}

void diopin_fs_close(struct kunit *test, struct file *file)
{
	kunit_release_action(test, diopin_fput_action, file);
}

struct file *diopin_fs_open(struct kunit *test, struct vfsmount *mnt,
			    const char *name, int flags)
{
	struct file *file = file_open_root_mnt(mnt, name, flags, 0600);

	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(file), "open %s: %ld", name,
			       PTR_ERR(file));
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, diopin_fput_action, file));
	return file;
}

struct diopin_buf *diopin_dio_prefill(struct kunit *test, struct file *file,
				      unsigned int npages,
				      const struct diopin_buf *other)
{
	struct diopin_buf *buf;

	do
		buf = diopin_buf_user(test, npages, DIOPIN_UMAP_PREFAULT);
	while ((u8)buf->seed == (u8)other->seed);
	KUNIT_ASSERT_EQ(test, diopin_dio_ubuf(test, file, WRITE, 0, buf, 0,
					      npages * PAGE_SIZE),
			(ssize_t)(npages * PAGE_SIZE));
	return buf;
}

struct diopin_buf *diopin_dio_readback(struct kunit *test, struct file *file,
				       unsigned int npages)
{
	struct diopin_buf *buf = diopin_buf_user(test, npages, 0);

	KUNIT_ASSERT_EQ(test, diopin_dio_ubuf(test, file, READ, 0, buf, 0,
					      npages * PAGE_SIZE),
			(ssize_t)(npages * PAGE_SIZE));
	return buf;
}

void diopin_expect_user_bytes(struct kunit *test, const void __user *uaddr,
			      size_t len, size_t pos, u32 seed, bool zero)
{
	u8 *tmp = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	size_t done, part, bad;

	KUNIT_ASSERT_NOT_NULL(test, tmp);
	for (done = 0; done < len; done += part) {
		part = min_t(size_t, len - done, PAGE_SIZE);
		KUNIT_ASSERT_EQ(test, 0, copy_from_user(tmp, uaddr + done, part));
		if (zero)
			bad = memchr_inv(tmp, 0, part) ?
			      (u8 *)memchr_inv(tmp, 0, part) - tmp : part;
		else
			bad = diopin_pattern_mismatch(tmp, part, pos + done, seed);
		if (bad != part) {
			KUNIT_FAIL(test, "byte %zu of %zu is wrong (%s expected)",
				   done + bad, len, zero ? "zero" : "pattern");
			break;
		}
	}
	kunit_kfree(test, tmp);
}
