// SPDX-License-Identifier: GPL-2.0
/*
 * diopin fixtures, O_DIRECT calls: sync and async kiocbs (a device's queue
 * held so that "later" is arranged), the task's fail_nth, debugfs knobs, and
 * the write-then-read-back helpers (diopin_fixture.h).
 */
#include <linux/blkdev.h>
#include <linux/blk-mq.h>
#include <linux/completion.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/mount.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include <kunit/resource.h>
#include <kunit/test-bug.h>

#include "diopin_fixture.h"

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

ssize_t diopin_dio(struct file *file, int rw, loff_t pos, struct iov_iter *iter, bool async)
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
KUNIT_DEFINE_ACTION_WRAPPER(diopin_kern_unmount, kern_unmount, struct vfsmount *);

/* @path on a kernel mount of debugfs; the file put, debugfs unmounted when the test ends. */
static struct file *diopin_debugfs_open(struct kunit *test, const char *path, int flags)
{
	struct file_system_type *type = get_fs_type("debugfs");
	struct vfsmount *mnt;
	struct file *file;

	KUNIT_ASSERT_NOT_NULL_MSG(test, type, "no debugfs (CONFIG_DEBUG_FS=y?)");
	mnt = kern_mount(type);
	put_filesystem(type);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(mnt), "mounting debugfs: %ld", PTR_ERR(mnt));
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, diopin_kern_unmount, mnt));
	file = file_open_root_mnt(mnt, path, flags, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(file), "opening debugfs %s: %ld", path, PTR_ERR(file));
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, diopin_fput_action, file));
	return file;
}

ssize_t diopin_debugfs_write(struct kunit *test, const char *path, const char *val)
{
	struct file *file = diopin_debugfs_open(test, path, O_WRONLY);
	struct diopin_buf *ubuf = diopin_buf_user(test, 1, 0);
	size_t len = strlen(val);
	loff_t pos = 0;

	KUNIT_ASSERT_LT(test, len, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, 0, copy_to_user(ubuf->uaddr, val, len));
	return file->f_op->write(file, ubuf->uaddr, len, &pos);
}

ssize_t diopin_debugfs_read(struct kunit *test, const char *path, char *kbuf, size_t size)
{
	struct file *file = diopin_debugfs_open(test, path, O_RDONLY);
	struct diopin_buf *ubuf = diopin_buf_user(test, 4, 0);
	size_t done = 0;
	loff_t pos = 0;
	ssize_t n;

	KUNIT_ASSERT_GT(test, size, 0);
	do {
		n = file->f_op->read(file, ubuf->uaddr, min(size - 1 - done, 4 * PAGE_SIZE), &pos);
		if (n < 0)
			return n;
		KUNIT_ASSERT_EQ(test, 0, copy_from_user(kbuf + done, ubuf->uaddr, n));
		done += n;
	} while (n > 0 && done < size - 1);
	kbuf[done] = '\0';
	return done;
}

/*
 * "Completes later", arranged rather than raced (diopin_dio_opts.hold):
 * nothing the call submits is dispatched before the submitter returned and
 * in_flight ran. A call that waits for its own completion would wait forever
 * on the quiesced queue: a timer releases it after DIOPIN_HOLD_SECS; a test
 * that stops while it is held releases it through its action.
 */
#define DIOPIN_HOLD_SECS	10

struct diopin_hold {
	struct request_queue *q;
	struct delayed_work timer;
	atomic_t released;
};

static void diopin_hold_release(struct diopin_hold *h)
{
	if (!atomic_cmpxchg(&h->released, 0, 1))
		blk_mq_unquiesce_queue(h->q);
}

static void diopin_hold_expired(struct work_struct *work)
{
	diopin_hold_release(container_of(work, struct diopin_hold, timer.work));
}

static void diopin_hold_action(void *arg)
{
	struct diopin_hold *h = arg;

	cancel_delayed_work_sync(&h->timer);
	diopin_hold_release(h);
	kfree(h);
}

/* Quiesce the blk-mq queue under @file, or NULL (bio-based: brd). */
static struct diopin_hold *diopin_hold_start(struct file *file)
{
	struct inode *inode = file_inode(file);
	struct block_device *bdev = S_ISBLK(inode->i_mode) ? file_bdev(file) : inode->i_sb->s_bdev;
	struct kunit *test = kunit_get_current_test();
	struct diopin_hold *h;

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

/* The call itself: ->read_iter() or ->write_iter() of @kiocb's file. */
static ssize_t diopin_dio_call(struct kiocb *kiocb, int rw, struct iov_iter *iter)
{
	struct file *file = kiocb->ki_filp;
	ssize_t ret;

	if (rw == READ)
		return file->f_op->read_iter(kiocb, iter);
	if (S_ISREG(file_inode(file)->i_mode))
		file_start_write(file);
	ret = file->f_op->write_iter(kiocb, iter);
	if (S_ISREG(file_inode(file)->i_mode))
		file_end_write(file);
	return ret;
}

/* Sync, held: the call waits inside for a completion only the queue's release allows. */
struct diopin_sync_call {
	struct kiocb *kiocb;
	int rw;
	struct iov_iter *iter;
	struct mm_struct *mm;
	struct completion done;
	ssize_t ret;
};

static int diopin_sync_call_fn(void *arg)
{
	struct diopin_sync_call *c = arg;

	kthread_use_mm(c->mm);
	c->ret = diopin_dio_call(c->kiocb, c->rw, c->iter);
	kthread_unuse_mm(c->mm);
	mmput(c->mm);
	complete(&c->done);
	return 0;
}

/* Start the call in its thread, run in_flight, release the queue, join. */
static ssize_t diopin_dio_held_sync(struct diopin_aio *aio, int rw, struct iov_iter *iter,
				    struct diopin_hold *hold, struct diopin_dio_opts *o)
{
	struct diopin_sync_call *c = kzalloc(sizeof(*c), GFP_KERNEL);
	struct task_struct *task;
	ssize_t ret;

	if (!c)
		return -ENOMEM;
	*c = (struct diopin_sync_call){ .kiocb = &aio->kiocb, .rw = rw, .iter = iter,
					.mm = current->mm };
	init_completion(&c->done);
	mmget(c->mm);
	task = kthread_run(diopin_sync_call_fn, c, "diopin-sync-dio");
	if (IS_ERR(task)) {
		mmput(c->mm);
		kfree(c);
		return PTR_ERR(task);
	}
	if (o->in_flight)
		o->in_flight(o->arg);
	o->later = !completion_done(&c->done) && !atomic_read(&hold->released);
	o->later &= diopin_hold_end(hold);
	/* One that never returns is a failure, not a hang: @c stays allocated. */
	if (!wait_for_completion_timeout(&c->done, 10 * HZ))
		return -ETIMEDOUT;
	ret = c->ret;
	kfree(c);
	return ret;
}

ssize_t diopin_dio_ex(struct file *file, int rw, loff_t pos, struct iov_iter *iter, bool async,
		      struct diopin_dio_opts *o)
{
	struct diopin_aio *aio = kzalloc(sizeof(*aio), GFP_KERNEL);
	struct diopin_hold *hold = NULL;
	ssize_t ret;

	if (!aio)
		return -ENOMEM;
	if (o && o->hold) {
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
	} else if (hold) {
		ret = diopin_dio_held_sync(aio, rw, iter, hold, o);
		if (ret != -ETIMEDOUT)
			kfree(aio);
		return ret;
	}
	/* Armed for the call alone: nothing of the fixture's can fail. */
	if (o && o->fail_nth)
		diopin_fail_nth_swap(o->fail_nth);
	ret = diopin_dio_call(&aio->kiocb, rw, iter);
	if (o && o->fail_nth)
		o->failed = !diopin_fail_nth_swap(0);
	/* Held: only the timer can have let the device complete it yet. */
	if (o)
		o->later = async && ret == -EIOCBQUEUED && !completion_done(&aio->done) &&
			   !(hold && atomic_read(&hold->released));
	if (o && o->in_flight && o->later)
		o->in_flight(o->arg);
	/* The timer fired during in_flight: the I/O was not held through it. */
	if (hold && !diopin_hold_end(hold) && o)
		o->later = false;
	if (async && ret == -EIOCBQUEUED) {
		unsigned long end = jiffies + 10 * HZ;

		/*
		 * Polled: only iocb_bio_iopoll() completes it, in this task;
		 * once ki_complete has run the bio is gone, so stop then.
		 */
		while (o && (o->ki_flags & IOCB_HIPRI) && !completion_done(&aio->done) &&
		       time_before(jiffies, end)) {
			iocb_bio_iopoll(&aio->kiocb, NULL, 0);
			cond_resched();
		}
		/*
		 * A completion that never comes is a failure, not a hang; the
		 * kiocb stays allocated in case it comes after all.
		 */
		if (!wait_for_completion_timeout(&aio->done, 10 * HZ))
			return -ETIMEDOUT;
		ret = aio->ret;
	}
	kfree(aio);
	return ret;
}

ssize_t diopin_dio_ubuf(struct kunit *test, struct file *file, int rw, loff_t pos,
			struct diopin_buf *buf, size_t off, size_t len)
{
	const struct diopin_seg seg = { off, len };
	struct iov_iter iter;

	diopin_iter_build(test, &iter, DIOPIN_UBUF, rw == READ ? ITER_DEST : ITER_SOURCE,
			  buf, &seg, 1);
	return diopin_dio(file, rw, pos, &iter, false);
}

struct diopin_buf *diopin_dio_prefill(struct kunit *test, struct file *file, unsigned int npages,
				      const struct diopin_buf *other)
{
	struct diopin_buf *buf;

	do
		buf = diopin_buf_user(test, npages, DIOPIN_UMAP_PREFAULT);
	while ((u8)buf->seed == (u8)other->seed);
	KUNIT_ASSERT_EQ(test, diopin_dio_ubuf(test, file, WRITE, 0, buf, 0, npages * PAGE_SIZE),
			(ssize_t)(npages * PAGE_SIZE));
	return buf;
}

struct diopin_buf *diopin_dio_readback(struct kunit *test, struct file *file, unsigned int npages)
{
	struct diopin_buf *buf = diopin_buf_user(test, npages, 0);

	KUNIT_ASSERT_EQ(test, diopin_dio_ubuf(test, file, READ, 0, buf, 0, npages * PAGE_SIZE),
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
