// SPDX-License-Identifier: GPL-2.0
/*
 * diopin fixtures, memory and iterators: the pattern, user and kernel
 * buffers, and iterators of every ITER_* type over them (diopin_fixture.h).
 */
#include <linux/bvec.h>
#include <linux/completion.h>
#include <linux/folio_queue.h>
#include <linux/mman.h>
#include <linux/random.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <kunit/resource.h>

#include "diopin_fixture.h"

static u8 diopin_pattern_byte(size_t pos, u32 seed)
{
	/* Differs between neighbouring bytes and between any two pages. */
	return (u8)(seed + pos * 37 + (pos >> 9) * 11);
}

u32 diopin_seed(void)
{
	static atomic_t n = ATOMIC_INIT(0);

	return (u32)atomic_inc_return(&n) % 0xc0;
}

void diopin_pattern_fill(void *buf, size_t len, size_t pos, u32 seed)
{
	u8 *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = diopin_pattern_byte(pos + i, seed);
}

size_t diopin_pattern_mismatch(const void *buf, size_t len, size_t pos, u32 seed)
{
	const u8 *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != diopin_pattern_byte(pos + i, seed))
			return i;
	return len;
}

KUNIT_DEFINE_ACTION_WRAPPER(diopin_kvfree_action, kvfree, const void *);

void diopin_defer_kvfree(struct kunit *test, void *p)
{
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, diopin_kvfree_action, p));
}

/* ---- buffers ---- */
static struct diopin_buf *diopin_buf_alloc(struct kunit *test, enum diopin_buf_kind kind,
					   unsigned int npages)
{
	struct diopin_buf *buf = kunit_kzalloc(test, sizeof(*buf), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	buf->pages = kunit_kcalloc(test, npages, sizeof(*buf->pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf->pages);
	buf->kind = kind;
	buf->npages = npages;
	buf->seed = diopin_seed();
	return buf;
}

int diopin_user_pages(struct kunit *test, unsigned long uaddr,
		      unsigned int npages, struct page **pages)
{
	unsigned int i, done = 0;

	/*
	 * Page by page, so that a hole gives a NULL entry rather than ending
	 * the walk. GUP's ref is dropped at once: the mapping keeps the page,
	 * and a snapshot must not see our ref.
	 */
	for (i = 0; i < npages; i++) {
		if (get_user_pages_fast(uaddr + i * PAGE_SIZE, 1, 0, &pages[i]) != 1) {
			pages[i] = NULL;
			continue;
		}
		put_page(pages[i]);
		done++;
	}
	return done;
}

/* The child: look at the fork, wait, look again; it must not return to user mode. */
static int diopin_fork_child(void *arg)
{
	struct diopin_fork *f = arg;
	const size_t len = f->n * PAGE_SIZE;
	struct page *now[DIOPIN_FORK_PAGES];
	void *kbuf;

	f->mapped = diopin_user_pages(NULL, (unsigned long)f->buf->uaddr, f->n, f->at_fork);
	complete(&f->looked);
	wait_for_completion(&f->go);
	diopin_user_pages(NULL, (unsigned long)f->buf->uaddr, f->n, now);
	f->same = diopin_fork_shares(f, now);
	kbuf = kmalloc(len, GFP_KERNEL);
	if (!kbuf)
		f->err = -ENOMEM;
	else if (copy_from_user(kbuf, f->buf->uaddr, len))
		f->err = -EFAULT;
	else
		f->bad = diopin_pattern_mismatch(kbuf, len, 0, f->buf->seed);
	kfree(kbuf);
	complete(&f->done);
	do_exit(0);
}

static void diopin_fork_release(void *arg)
{
	struct diopin_fork *f = arg;

	complete(&f->go);
	wait_for_completion(&f->done);
}

struct diopin_fork *diopin_fork(struct kunit *test, struct diopin_buf *buf, unsigned int n)
{
	struct diopin_fork *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	struct kernel_clone_args args = {
		.flags = CLONE_UNTRACED, .exit_signal = SIGCHLD,
		.fn = diopin_fork_child, .fn_arg = f,
	};

	KUNIT_ASSERT_NOT_NULL(test, f);
	KUNIT_ASSERT_LE(test, n, DIOPIN_FORK_PAGES);
	f->buf = buf;
	f->n = n;
	init_completion(&f->looked);
	init_completion(&f->go);
	init_completion(&f->done);
	KUNIT_ASSERT_GT_MSG(test, kernel_clone(&args), 0, "fork (kernel_clone())");
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, diopin_fork_release, f));
	wait_for_completion(&f->looked);
	KUNIT_ASSERT_EQ_MSG(test, f->mapped, n, "pages mapped in the child at the fork");
	return f;
}

void diopin_fork_end(struct kunit *test, struct diopin_fork *f)
{
	kunit_release_action(test, diopin_fork_release, f);
}

unsigned int diopin_fork_shares(const struct diopin_fork *f, struct page **pages)
{
	unsigned int k, n = 0;

	for (k = 0; k < f->n; k++)
		n += pages[k] && pages[k] == f->at_fork[k];
	return n;
}

void diopin_fork_expect_child(struct kunit *test, struct diopin_fork *f)
{
	diopin_fork_end(test, f);
	KUNIT_EXPECT_EQ(test, f->err, 0);
	KUNIT_EXPECT_EQ_MSG(test, f->same, f->n,
			    "the child's pages still the ones it had at the fork");
	KUNIT_EXPECT_EQ_MSG(test, f->bad, f->n * PAGE_SIZE,
			    "the child's bytes differ from the ones of the fork at byte %zu",
			    f->bad);
}

/*
 * Make every page of a prefaulted user buffer physically non-contiguous
 * with the one before it, so that bio_add_page() can never merge two of
 * them into one bvec and an I/O of more than BIO_MAX_VECS pages needs
 * several bios, whatever order the page allocator hands out frames in.
 * A page that follows its predecessor's frame is zapped (held meanwhile,
 * so that its frame cannot come back) and refaulted with the pattern.
 */
static void diopin_buf_unmerge(struct kunit *test, struct diopin_buf *buf, u8 *tmp)
{
	struct page **held = kunit_kcalloc(test, buf->npages, sizeof(*held), GFP_KERNEL);
	unsigned int i, nheld = 0;
	unsigned long addr;

	KUNIT_ASSERT_NOT_NULL(test, held);
	diopin_user_pages(test, (unsigned long)buf->uaddr, buf->npages, buf->pages);
	for (i = 1; i < buf->npages; i++) {
		if (!buf->pages[i] || !buf->pages[i - 1] ||
		    page_to_pfn(buf->pages[i]) != page_to_pfn(buf->pages[i - 1]) + 1)
			continue;
		addr = (unsigned long)buf->uaddr + i * PAGE_SIZE;
		get_page(buf->pages[i]);
		held[nheld++] = buf->pages[i];
		KUNIT_ASSERT_EQ(test, 0, do_madvise(current->mm, addr, PAGE_SIZE, MADV_DONTNEED));
		diopin_pattern_fill(tmp, PAGE_SIZE, i * PAGE_SIZE, buf->seed);
		KUNIT_ASSERT_EQ(test, 0, copy_to_user((void __user *)addr, tmp, PAGE_SIZE));
		KUNIT_ASSERT_EQ(test, 1, diopin_user_pages(test, addr, 1, &buf->pages[i]));
	}
	while (nheld)
		put_page(held[--nheld]);
	kunit_kfree(test, held);
}

struct diopin_buf *diopin_buf_user(struct kunit *test, unsigned int npages, unsigned long flags)
{
	struct diopin_buf *buf = diopin_buf_alloc(test, DIOPIN_BUF_USER, npages);
	unsigned long uaddr;
	unsigned int i;
	u8 *tmp;

	uaddr = kunit_vm_mmap(test, NULL, 0, npages * PAGE_SIZE, PROT_READ | PROT_WRITE,
			      MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_NE_MSG(test, uaddr, 0, "kunit_vm_mmap() failed");
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(uaddr),
			       "kunit_vm_mmap() returned %ld", (long)uaddr);
	buf->uaddr = (void __user *)uaddr;
	if (flags & DIOPIN_UMAP_PREFAULT) {
		tmp = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, tmp);
		/* Last to first: few neighbours end up contiguous. */
		for (i = npages; i-- > 0;) {
			diopin_pattern_fill(tmp, PAGE_SIZE, i * PAGE_SIZE, buf->seed);
			KUNIT_ASSERT_EQ(test, 0,
					copy_to_user(buf->uaddr + i * PAGE_SIZE, tmp, PAGE_SIZE));
		}
		diopin_buf_unmerge(test, buf, tmp);
		kunit_kfree(test, tmp);
	}
	diopin_user_pages(test, uaddr, npages, buf->pages);
	return buf;
}

struct diopin_buf *diopin_buf_user_map(struct kunit *test, unsigned int npages,
				       struct file *file, unsigned long mmap_flags)
{
	struct diopin_buf *buf = diopin_buf_alloc(test, DIOPIN_BUF_USER, npages);
	unsigned long uaddr = kunit_vm_mmap(test, file, 0, npages * PAGE_SIZE,
					    PROT_READ | PROT_WRITE, mmap_flags, 0);

	KUNIT_ASSERT_NE_MSG(test, uaddr, 0, "kunit_vm_mmap() failed");
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(uaddr),
			       "kunit_vm_mmap() returned %ld", (long)uaddr);
	buf->uaddr = (void __user *)uaddr;
	/* Read faults: a private file mapping maps the page cache read-only. */
	KUNIT_ASSERT_EQ(test, diopin_user_pages(test, uaddr, npages, buf->pages), npages);
	return buf;
}

void diopin_buf_punch(struct kunit *test, struct diopin_buf *buf, unsigned int index)
{
	KUNIT_ASSERT_EQ(test, buf->kind, DIOPIN_BUF_USER);
	KUNIT_ASSERT_LT(test, index, buf->npages);
	KUNIT_ASSERT_EQ(test, 0,
			vm_munmap((unsigned long)buf->uaddr + index * PAGE_SIZE, PAGE_SIZE));
	buf->pages[index] = NULL;
}

void diopin_buf_protnone(struct kunit *test, struct diopin_buf *buf, unsigned int index)
{
	unsigned long addr = (unsigned long)buf->uaddr + index * PAGE_SIZE;

	KUNIT_ASSERT_EQ(test, buf->kind, DIOPIN_BUF_USER);
	KUNIT_ASSERT_LT(test, index, buf->npages);
	KUNIT_ASSERT_EQ(test, addr, vm_mmap(NULL, addr, PAGE_SIZE, PROT_NONE,
					    MAP_FIXED | MAP_ANONYMOUS | MAP_PRIVATE, 0));
	buf->pages[index] = NULL;
}

static void diopin_free_pages_action(void *data)
{
	struct diopin_buf *buf = data;
	unsigned int i;

	vunmap(buf->vaddr);
	for (i = 0; i < buf->npages; i++)
		__free_page(buf->pages[i]);
}

KUNIT_DEFINE_ACTION_WRAPPER(diopin_folio_put_action, folio_put, struct folio *);

struct diopin_buf *diopin_buf_kernel(struct kunit *test, enum diopin_buf_kind kind,
				     unsigned int npages)
{
	struct diopin_buf *buf = diopin_buf_alloc(test, kind, npages);
	unsigned int i, j;

	if (kind == DIOPIN_BUF_FOLIO) {
		KUNIT_ASSERT_TRUE_MSG(test, is_power_of_2(npages),
				      "a folio has a power-of-two page count");
		buf->folio = folio_alloc(GFP_KERNEL, ilog2(npages));
		KUNIT_ASSERT_NOT_NULL(test, buf->folio);
		KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, diopin_folio_put_action,
								   buf->folio));
		for (i = 0; i < npages; i++)
			buf->pages[i] = folio_page(buf->folio, i);
		buf->vaddr = folio_address(buf->folio);
	} else {
		KUNIT_ASSERT_EQ(test, kind, DIOPIN_BUF_PAGES);
		for (i = 0; i < npages; i++) {
			buf->pages[i] = alloc_page(GFP_KERNEL);
			if (!buf->pages[i]) {
				while (i--)
					__free_page(buf->pages[i]);
				KUNIT_FAIL_AND_ABORT(test, "alloc_page() failed");
			}
		}
		/*
		 * Shuffle, so that a page returned for the wrong logical
		 * position is never the physically next one by chance.
		 */
		for (i = npages - 1; i > 0; i--) {
			j = get_random_u32_below(i + 1);
			swap(buf->pages[i], buf->pages[j]);
		}
		buf->vaddr = vmap(buf->pages, npages, VM_MAP, PAGE_KERNEL);
		if (!buf->vaddr) {
			diopin_free_pages_action(buf);	/* vunmap(NULL) does nothing */
			KUNIT_FAIL_AND_ABORT(test, "vmap() failed");
		}
		KUNIT_ASSERT_EQ(test, 0,
				kunit_add_action_or_reset(test, diopin_free_pages_action, buf));
	}
	diopin_pattern_fill(buf->vaddr, npages * PAGE_SIZE, 0, buf->seed);
	return buf;
}

/* ---- iterators ---- */
static const char * const diopin_iter_names[] = {
	[DIOPIN_UBUF] = "UBUF", [DIOPIN_IOVEC] = "IOVEC", [DIOPIN_KVEC] = "KVEC",
	[DIOPIN_BVEC] = "BVEC", [DIOPIN_FOLIOQ] = "FOLIOQ", [DIOPIN_XARRAY] = "XARRAY",
};

const char *diopin_iter_name(enum diopin_iter_type type)
{
	return type < ARRAY_SIZE(diopin_iter_names) ? diopin_iter_names[type] : "?";
}

KUNIT_DEFINE_ACTION_WRAPPER(diopin_xa_destroy_action, xa_destroy, struct xarray *);

static void *diopin_iter_array(struct kunit *test, unsigned int n, size_t size)
{
	void *p = kunit_kcalloc(test, n, size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	return p;
}

static void diopin_iter_folioq(struct kunit *test, struct iov_iter *iter, unsigned int dir,
			       struct diopin_buf *buf, const struct diopin_seg *seg)
{
	/* What folioq_init(fq, 0) makes, on every kernel (6.12.95's has no rreq_id yet) */
	struct folio_queue *fq = kunit_kzalloc(test, sizeof(*fq), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, fq);
	if (buf->kind == DIOPIN_BUF_FOLIO) {
		folioq_append(fq, buf->folio);
		iov_iter_folio_queue(iter, dir, fq, 0, seg->off, seg->len);
		return;
	}
	KUNIT_ASSERT_EQ(test, buf->kind, DIOPIN_BUF_PAGES);
	KUNIT_ASSERT_LE(test, buf->npages, folioq_nr_slots(fq));
	for (i = 0; i < buf->npages; i++)
		folioq_append(fq, page_folio(buf->pages[i]));
	iov_iter_folio_queue(iter, dir, fq, seg->off / PAGE_SIZE, seg->off % PAGE_SIZE, seg->len);
}

static void diopin_iter_xarray(struct kunit *test, struct iov_iter *iter, unsigned int dir,
			       struct diopin_buf *buf, const struct diopin_seg *seg)
{
	struct xarray *xa = kunit_kzalloc(test, sizeof(*xa), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, xa);
	xa_init(xa);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, diopin_xa_destroy_action, xa));
	KUNIT_ASSERT_EQ(test, buf->kind, DIOPIN_BUF_PAGES);
	for (i = 0; i < buf->npages; i++)
		KUNIT_ASSERT_FALSE(test, xa_is_err(xa_store(xa, i, buf->pages[i], GFP_KERNEL)));
	iov_iter_xarray(iter, dir, xa, seg->off, seg->len);
}

size_t diopin_iter_build(struct kunit *test, struct iov_iter *iter, enum diopin_iter_type type,
			 unsigned int dir, struct diopin_buf *buf, const struct diopin_seg *segs,
			 unsigned int nsegs)
{
	bool user = type == DIOPIN_UBUF || type == DIOPIN_IOVEC;
	size_t total = 0;
	unsigned int i;
	struct iovec *iov;
	struct kvec *kv;
	struct bio_vec *bv;

	KUNIT_ASSERT_EQ_MSG(test, user, buf->kind == DIOPIN_BUF_USER,
			    "%s over the wrong kind of buffer", diopin_iter_name(type));
	KUNIT_ASSERT_GT(test, nsegs, 0);
	for (i = 0; i < nsegs; i++) {
		KUNIT_ASSERT_LE(test, segs[i].off + segs[i].len, (size_t)buf->npages * PAGE_SIZE);
		total += segs[i].len;
	}
	if (type == DIOPIN_UBUF || type == DIOPIN_FOLIOQ || type == DIOPIN_XARRAY)
		KUNIT_ASSERT_EQ_MSG(test, nsegs, 1, "%s has one segment", diopin_iter_name(type));
	switch (type) {
	case DIOPIN_UBUF:
		iov_iter_ubuf(iter, dir, buf->uaddr + segs[0].off, segs[0].len);
		break;
	case DIOPIN_IOVEC:
		iov = diopin_iter_array(test, nsegs, sizeof(*iov));
		for (i = 0; i < nsegs; i++) {
			iov[i].iov_base = buf->uaddr + segs[i].off;
			iov[i].iov_len = segs[i].len;
		}
		iov_iter_init(iter, dir, iov, nsegs, total);
		break;
	case DIOPIN_KVEC:
		kv = diopin_iter_array(test, nsegs, sizeof(*kv));
		for (i = 0; i < nsegs; i++) {
			kv[i].iov_base = buf->vaddr + segs[i].off;
			kv[i].iov_len = segs[i].len;
		}
		iov_iter_kvec(iter, dir, kv, nsegs, total);
		break;
	case DIOPIN_BVEC:
		bv = diopin_iter_array(test, nsegs, sizeof(*bv));
		for (i = 0; i < nsegs; i++) {
			KUNIT_ASSERT_TRUE_MSG(test, buf->kind == DIOPIN_BUF_FOLIO ||
					      segs[i].off % PAGE_SIZE + segs[i].len <= PAGE_SIZE,
					      "a multi-page bvec needs contiguous pages");
			bvec_set_page(&bv[i], buf->pages[segs[i].off / PAGE_SIZE],
				      segs[i].len, segs[i].off % PAGE_SIZE);
		}
		iov_iter_bvec(iter, dir, bv, nsegs, total);
		break;
	case DIOPIN_FOLIOQ:
		diopin_iter_folioq(test, iter, dir, buf, &segs[0]);
		break;
	case DIOPIN_XARRAY:
		diopin_iter_xarray(test, iter, dir, buf, &segs[0]);
		break;
	}
	KUNIT_ASSERT_EQ(test, iov_iter_count(iter), total);
	return total;
}

void diopin_expect_iter_at(struct kunit *test, const struct iov_iter *iter,
			   const struct iov_iter *want, const char *what)
{
	KUNIT_EXPECT_EQ_MSG(test, iov_iter_type(iter), iov_iter_type(want), "%s: iterator type",
			    what);
	/* nr_segs shares its word with folioq_slot and xarray_start */
	KUNIT_EXPECT_EQ_MSG(test, iter->nr_segs, want->nr_segs, "%s: segments left", what);
	/* ubuf, __iov, kvec, bvec, folioq or xarray: one pointer, one union */
	KUNIT_EXPECT_PTR_EQ_MSG(test, iter->ubuf, want->ubuf,
				"%s: the segment the iterator is in", what);
	KUNIT_EXPECT_EQ_MSG(test, iter->iov_offset, want->iov_offset,
			    "%s: offset into the segment", what);
	KUNIT_EXPECT_EQ_MSG(test, iov_iter_count(iter), iov_iter_count(want), "%s: bytes left",
			    what);
}
