// SPDX-License-Identifier: GPL-2.0
/*
 * diopin_memkind: O_DIRECT into and out of the memory users really hand the
 * kernel besides private anonymous pages: page cache (shared and private file
 * mappings), shmem, long-term pinned bvecs, huge pages. A DIO read pins with
 * FOLL_WRITE and dirties at completion; a DIO write pins without FOLL_WRITE.
 */
#include <linux/blkdev.h>
#include <linux/bvec.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/huge_mm.h>
#include <linux/hugetlb.h>
#include <linux/mman.h>
#include <linux/mount.h>
#include <linux/pagemap.h>
#include <linux/shmem_fs.h>
#include <linux/sizes.h>
#include <linux/uio.h>
#include <kunit/test.h>

#include "diopin_fixture.h"
#include "diopin_images.h"

#define NPAGES		4
#define MK_LEN		(NPAGES * PAGE_SIZE)
#define MK_FILE_SEED	DIOPIN_SEED_FIXED(1)	/* the mapped file's bytes */
#define MK_DEV_SEED	DIOPIN_SEED_FIXED(2)	/* the device's bytes */

/* A raw device, holding @seed's pattern over NPAGES pages. */
static struct file *mk_dev(struct kunit *test, dev_t dev, u32 seed)
{
	struct file *bdev = diopin_bdev_open(test, dev);
	void *kbuf = kunit_kmalloc(test, MK_LEN, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, kbuf);
	diopin_pattern_fill(kbuf, MK_LEN, 0, seed);
	diopin_bdev_rw(test, file_bdev(bdev), REQ_OP_WRITE, 0, kbuf, MK_LEN);
	return bdev;
}

/* A file on ext2 (buffered, not O_DIRECT) holding @seed's pattern. */
static struct file *mk_file(struct kunit *test, u32 seed)
{
	struct vfsmount *mnt = diopin_fs_mount(test, &diopin_image_ext2, DIOPIN_RAM_MK_EXT2);
	struct file *file = diopin_fs_open(test, mnt, "mapped", O_RDWR | O_CREAT);
	void *kbuf = kunit_kmalloc(test, MK_LEN, GFP_KERNEL);
	loff_t pos = 0;

	KUNIT_ASSERT_NOT_NULL(test, kbuf);
	diopin_pattern_fill(kbuf, MK_LEN, 0, seed);
	KUNIT_ASSERT_EQ(test, kernel_write(file, kbuf, MK_LEN, &pos), (ssize_t)MK_LEN);
	/* Written back and clean: a dirty bit seen later is the DIO's. */
	KUNIT_ASSERT_EQ(test, vfs_fsync(file, 0), 0);
	return file;
}

/* Expect the file's bytes (through the page cache) to be @seed's pattern. */
static void mk_expect_file(struct kunit *test, struct file *file, u32 seed, const char *when)
{
	void *kbuf = kunit_kzalloc(test, MK_LEN, GFP_KERNEL);
	loff_t pos = 0;
	size_t bad;

	KUNIT_ASSERT_NOT_NULL(test, kbuf);
	KUNIT_ASSERT_EQ(test, kernel_read(file, kbuf, MK_LEN, &pos), (ssize_t)MK_LEN);
	bad = diopin_pattern_mismatch(kbuf, MK_LEN, 0, seed);
	KUNIT_EXPECT_EQ_MSG(test, bad, (size_t)MK_LEN,
			    "%s: the file's byte %zu is not the expected one", when, bad);
}

struct mk_flight {
	struct file *file;
	struct diopin_snap *snap;
	bool pinned, cleaned;
};

/* While the read is in flight: writeback cleans the pinned folios. */
static void mk_writeback_in_flight(void *arg)
{
	struct mk_flight *f = arg;
	unsigned int k;

	f->pinned = true;
	for (k = 0; k < f->snap->n; k++)
		f->pinned &= folio_maybe_dma_pinned(page_folio(f->snap->s[k].page));
	f->cleaned = !vfs_fsync(f->file, 0);
	for (k = 0; k < f->snap->n; k++)
		f->cleaned &= !folio_test_dirty(page_folio(f->snap->s[k].page));
}

/*
 * Guards: the reason bio_check_pages_dirty() exists (Hubbard 2020). A DIO
 * read into a MAP_SHARED file mapping pins the page-cache folios themselves
 * (the FOLL_WRITE fault dirties them through page_mkwrite); writeback cleans
 * them in flight, writing the old bytes (polled on null_blk: queued until
 * the test polls it, however long writeback takes: no race with the
 * completion). At completion bio_check_pages_dirty() finds them clean and
 * bio_dirty_fn() dirties them again through their mapping before releasing
 * the pins, so the next writeback writes the bytes read.
 */
static void memkind_dio_read_into_shared_file_cleaned_in_flight(struct kunit *test)
{
	struct file *file = mk_file(test, MK_FILE_SEED);
	struct file *bdev = mk_dev(test, diopin_nullb_dev(test, DIOPIN_NULLB_BDEV), MK_DEV_SEED);
	struct diopin_buf *buf = diopin_buf_user_map(test, NPAGES, file, MAP_SHARED);
	struct diopin_snap *snap = diopin_snap_take(test, buf->pages, NPAGES);
	struct mk_flight f = { file, snap };
	struct diopin_dio_opts o = { .ki_flags = IOCB_HIPRI, .hold = true,
				     .in_flight = mk_writeback_in_flight, .arg = &f };
	const struct diopin_seg seg = { 0, MK_LEN };
	struct iov_iter iter;
	unsigned int k;

	for (k = 0; k < NPAGES; k++)
		KUNIT_ASSERT_PTR_EQ_MSG(test, page_folio(buf->pages[k])->mapping,
					file->f_mapping, "page %u is not the file's", k);
	diopin_iter_build(test, &iter, DIOPIN_UBUF, ITER_DEST, buf, &seg, 1);
	KUNIT_ASSERT_EQ(test, diopin_dio_ex(bdev, READ, 0, &iter, true, &o), (ssize_t)MK_LEN);
	KUNIT_ASSERT_TRUE_MSG(test, o.later, "the read did not stay in flight");
	KUNIT_ASSERT_TRUE_MSG(test, f.pinned, "the folios were not pinned in flight");
	KUNIT_ASSERT_TRUE_MSG(test, f.cleaned, "writeback did not clean them in flight");
	diopin_wait_released(test, snap);
	diopin_expect_pins(test, snap, 0, "page cache after the read");
	diopin_expect_dirty(test, snap, true, "page cache after the read");
	KUNIT_EXPECT_TRUE_MSG(test, mapping_tagged(file->f_mapping, PAGECACHE_TAG_DIRTY),
			      "the mapping has no dirty folio: writeback would lose the read");
	diopin_expect_user_bytes(test, buf->uaddr, MK_LEN, 0, MK_DEV_SEED, false);
	mk_expect_file(test, file, MK_DEV_SEED, "after the read");
	KUNIT_EXPECT_EQ(test, vfs_fsync(file, 0), 0);
	diopin_expect_dirty(test, snap, false, "after writeback");
}

/*
 * Guards: a DIO read into a MAP_PRIVATE file mapping: GUP's FOLL_WRITE
 * fault (gup_can_follow_protnone()/faultin_page() -> do_wp_page()) breaks
 * COW before the pin: the bytes land in private anonymous copies, the
 * page-cache folios are not pinned, written or dirtied, the file unchanged.
 */
static void memkind_dio_read_into_private_file_copies(struct kunit *test)
{
	struct file *file = mk_file(test, MK_FILE_SEED);
	struct file *bdev = mk_dev(test, DIOPIN_BRD(DIOPIN_RAM_MK_BDEV), MK_DEV_SEED);
	struct diopin_buf *buf = diopin_buf_user_map(test, NPAGES, file, MAP_PRIVATE);
	struct diopin_snap *cache = diopin_snap_take(test, buf->pages, NPAGES);
	struct page *now[NPAGES];
	struct diopin_snap *copies;
	unsigned int k;

	KUNIT_ASSERT_EQ(test, diopin_dio_ubuf(test, bdev, READ, 0, buf, 0, MK_LEN),
			(ssize_t)MK_LEN);
	KUNIT_ASSERT_EQ(test, diopin_user_pages(test, (unsigned long)buf->uaddr,
						NPAGES, now), NPAGES);
	copies = diopin_snap_take(test, now, NPAGES);
	for (k = 0; k < NPAGES; k++) {
		struct folio *old = page_folio(cache->s[k].page);

		KUNIT_EXPECT_PTR_NE_MSG(test, now[k], cache->s[k].page,
					"page %u: the read went into the page cache", k);
		KUNIT_EXPECT_TRUE(test, folio_test_anon(page_folio(now[k])));
		KUNIT_EXPECT_FALSE_MSG(test, folio_maybe_dma_pinned(old),
				       "page-cache page %u is pinned", k);
		KUNIT_EXPECT_FALSE_MSG(test, folio_test_dirty(old),
				       "page-cache page %u is dirty", k);
	}
	diopin_expect_pins(test, copies, 0, "private copies after the read");
	diopin_expect_dirty(test, copies, true, "private copies after the read");
	diopin_expect_user_bytes(test, buf->uaddr, MK_LEN, 0, MK_DEV_SEED, false);
	mk_expect_file(test, file, MK_FILE_SEED, "after a read into a private mapping");
}

/*
 * Guards: a DIO write from a MAP_PRIVATE file mapping pins its source
 * without FOLL_WRITE (iov_iter_extract_user_pages() on ITER_SOURCE): no COW,
 * the page-cache folios themselves are pinned, written to the device and
 * released unpinned and clean (bio_release_pages(bio, false)).
 */
static void memkind_dio_write_from_private_file_pins_cache(struct kunit *test)
{
	struct file *file = mk_file(test, MK_FILE_SEED);
	struct file *bdev = mk_dev(test, DIOPIN_BRD(DIOPIN_RAM_MK_BDEV), MK_DEV_SEED);
	struct diopin_buf *buf = diopin_buf_user_map(test, NPAGES, file, MAP_PRIVATE);
	struct diopin_snap *cache = diopin_snap_take(test, buf->pages, NPAGES);
	struct diopin_buf *chk = diopin_buf_user(test, NPAGES, 0);
	struct page *now[NPAGES];
	unsigned int k;

	KUNIT_ASSERT_EQ(test, diopin_dio_ubuf(test, bdev, WRITE, 0, buf, 0, MK_LEN),
			(ssize_t)MK_LEN);
	KUNIT_ASSERT_EQ(test, diopin_user_pages(test, (unsigned long)buf->uaddr,
						NPAGES, now), NPAGES);
	for (k = 0; k < NPAGES; k++)
		KUNIT_EXPECT_PTR_EQ_MSG(test, now[k], cache->s[k].page,
					"page %u was copied for a read-only pin", k);
	diopin_expect_pins(test, cache, 0, "page cache after the write");
	diopin_expect_dirty(test, cache, false, "page cache after the write");
	KUNIT_ASSERT_EQ(test, diopin_dio_ubuf(test, bdev, READ, 0, chk, 0, MK_LEN),
			(ssize_t)MK_LEN);
	diopin_expect_user_bytes(test, chk->uaddr, MK_LEN, 0, MK_FILE_SEED, false);
}

/*
 * Guards: a DIO read into shmem (MAP_SHARED | MAP_ANONYMOUS): the shmem
 * folios are pinned in place and dirtied at completion (shmem's
 * dirty_folio), hold the bytes, every pin released.
 */
static void memkind_dio_read_into_shmem(struct kunit *test)
{
	struct file *bdev = mk_dev(test, DIOPIN_BRD(DIOPIN_RAM_MK_BDEV), MK_DEV_SEED);
	struct diopin_buf *buf = diopin_buf_user_map(test, NPAGES, NULL,
						     MAP_SHARED | MAP_ANONYMOUS);
	struct diopin_snap *snap = diopin_snap_take(test, buf->pages, NPAGES);
	struct page *now[NPAGES];
	unsigned int k;

	for (k = 0; k < NPAGES; k++)
		KUNIT_ASSERT_TRUE_MSG(test, shmem_mapping(page_folio(buf->pages[k])->mapping),
				      "page %u is not shmem", k);
	diopin_clear_dirty(snap);
	KUNIT_ASSERT_EQ(test, diopin_dio_ubuf(test, bdev, READ, 0, buf, 0, MK_LEN),
			(ssize_t)MK_LEN);
	KUNIT_ASSERT_EQ(test, diopin_user_pages(test, (unsigned long)buf->uaddr,
						NPAGES, now), NPAGES);
	for (k = 0; k < NPAGES; k++)
		KUNIT_EXPECT_PTR_EQ(test, now[k], snap->s[k].page);
	diopin_expect_pins(test, snap, 0, "shmem after the read");
	diopin_expect_dirty(test, snap, true, "shmem after the read");
	diopin_expect_user_bytes(test, buf->uaddr, MK_LEN, 0, MK_DEV_SEED, false);
}

/*
 * Guards: O_DIRECT with io_uring's registered buffers: user memory pinned
 * once with FOLL_WRITE | FOLL_LONGTERM (io_sqe_buffer_register()), handed to
 * every I/O as an ITER_BVEC. block/fops.c borrows a bvec iterator
 * (bio_iov_bvec_set(): no BIO_PAGE_PINNED, no pin of its own) and dirties
 * only user-backed ones (should_dirty, bio_set_pages_dirty()): the bytes
 * land, the long-term pin stays the only pin, the pages are NOT dirtied (nor
 * by io_uring: unpin_user_folio() unpins its registered buffers clean).
 */
static void memkind_dio_read_into_longterm_pinned_bvec(struct kunit *test)
{
	struct file *bdev = mk_dev(test, DIOPIN_BRD(DIOPIN_RAM_MK_BDEV), MK_DEV_SEED);
	struct diopin_buf *buf = diopin_buf_user(test, NPAGES, DIOPIN_UMAP_PREFAULT);
	struct page *pages[NPAGES];
	struct bio_vec bv[NPAGES];
	struct diopin_snap *snap;
	struct iov_iter iter;
	unsigned int k;
	int got;

	got = pin_user_pages_fast((unsigned long)buf->uaddr, NPAGES,
				  FOLL_WRITE | FOLL_LONGTERM, pages);
	if (got > 0)
		diopin_pins_hold(test, pages, got);
	KUNIT_ASSERT_EQ(test, got, NPAGES);
	snap = diopin_snap_take(test, pages, NPAGES);
	diopin_clear_dirty(snap);
	for (k = 0; k < NPAGES; k++)
		bvec_set_page(&bv[k], pages[k], PAGE_SIZE, 0);
	iov_iter_bvec(&iter, ITER_DEST, bv, NPAGES, MK_LEN);
	KUNIT_ASSERT_EQ(test, diopin_dio(bdev, READ, 0, &iter, false), (ssize_t)MK_LEN);
	diopin_expect_pins(test, snap, 0, "after the read (the long-term pin alone)");
	diopin_expect_dirty(test, snap, false, "after a read into long-term pinned pages");
	diopin_expect_user_bytes(test, buf->uaddr, MK_LEN, 0, MK_DEV_SEED, false);
}

/* ---- huge pages (x86_64: UML has neither THP nor hugetlbfs) ---- */
#define HUGE_SIZE	SZ_2M	/* one PMD-sized folio on x86_64 */
#define HUGE_PAGES	(HUGE_SIZE / PAGE_SIZE)
#define HUGE_IO		SZ_1M	/* one bio: BIO_MAX_VECS pages */
#define HUGE_POS	SZ_8M	/* where on nullb1 */

#if defined(CONFIG_TRANSPARENT_HUGEPAGE) || defined(CONFIG_HUGETLBFS)
/* The 2 MiB folio at @uaddr, patterned through the mapping (faulting it in). */
static struct diopin_buf *mk_huge_fill(struct kunit *test, unsigned long uaddr)
{
	struct diopin_buf *buf = kunit_kzalloc(test, sizeof(*buf), GFP_KERNEL);
	void *tmp = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	struct folio *folio;
	unsigned int k;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, tmp);
	buf->pages = kunit_kcalloc(test, HUGE_PAGES, sizeof(*buf->pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf->pages);
	buf->kind = DIOPIN_BUF_USER;
	buf->npages = HUGE_PAGES;
	buf->uaddr = (void __user *)uaddr;
	buf->seed = diopin_seed();
	for (k = 0; k < HUGE_PAGES; k++) {
		diopin_pattern_fill(tmp, PAGE_SIZE, k * PAGE_SIZE, buf->seed);
		KUNIT_ASSERT_EQ(test, 0, copy_to_user(buf->uaddr + k * PAGE_SIZE, tmp, PAGE_SIZE));
	}
	KUNIT_ASSERT_EQ(test, diopin_user_pages(test, uaddr, HUGE_PAGES, buf->pages), HUGE_PAGES);
	folio = page_folio(buf->pages[0]);
	KUNIT_ASSERT_EQ_MSG(test, folio_size(folio), HUGE_SIZE,
			    "the buffer is not one 2 MiB folio (got %zu bytes)",
			    folio_size(folio));
	for (k = 0; k < HUGE_PAGES; k++)
		KUNIT_ASSERT_PTR_EQ(test, buf->pages[k], folio_page(folio, k));
	return buf;
}

struct mk_huge_flight {
	struct folio *folio;
	int pincount;
};

static void mk_huge_pincount(void *arg)
{
	struct mk_huge_flight *f = arg;

	f->pincount = folio_test_large(f->folio) ? atomic_read(&f->folio->_pincount) : -1;
}

/*
 * DIO write of the first half of @src's folio to nullb1, read into @dst's:
 * one bio each (__blkdev_direct_IO_async()), split into 64 KiB requests,
 * completed later by null_blk's timer. In flight one pin per page of the I/O
 * (bio_iov_iter_get_pages(): GUP pins every page, get_contig_folio_len()
 * puts runs of one folio into one bvec), after completion none
 * (bio_release_pages(): unpin_user_folio() per bvec); the read's folio dirty
 * and whole, the bytes read back the bytes written.
 */
static void mk_huge_roundtrip(struct kunit *test, struct diopin_buf *src, struct diopin_buf *dst)
{
	struct file *bdev = diopin_bdev_open(test, diopin_nullb_dev(test, DIOPIN_NULLB_BDEV));
	struct diopin_snap *ssnap = diopin_snap_take(test, src->pages, HUGE_PAGES);
	struct diopin_snap *dsnap = diopin_snap_take(test, dst->pages, HUGE_PAGES);
	struct mk_huge_flight f = { page_folio(src->pages[0]) };
	struct diopin_dio_opts o = { .hold = true, .in_flight = mk_huge_pincount, .arg = &f };
	const struct diopin_seg seg = { 0, HUGE_IO };
	struct iov_iter iter;

	diopin_iter_build(test, &iter, DIOPIN_UBUF, ITER_SOURCE, src, &seg, 1);
	KUNIT_EXPECT_EQ(test, diopin_dio_ex(bdev, WRITE, HUGE_POS, &iter, true, &o),
			(ssize_t)HUGE_IO);
	KUNIT_EXPECT_TRUE_MSG(test, o.later, "the write completed inside the call");
	KUNIT_EXPECT_EQ_MSG(test, f.pincount, ssnap->s[0].pincount + (int)(HUGE_IO / PAGE_SIZE),
			    "the source folio's pins in flight");
	diopin_wait_released(test, ssnap);
	diopin_expect_pins(test, ssnap, 0, "the source folio after the write");

	f.folio = page_folio(dst->pages[0]);
	diopin_iter_build(test, &iter, DIOPIN_UBUF, ITER_DEST, dst, &seg, 1);
	KUNIT_EXPECT_EQ(test, diopin_dio_ex(bdev, READ, HUGE_POS, &iter, true, &o),
			(ssize_t)HUGE_IO);
	KUNIT_EXPECT_TRUE_MSG(test, o.later, "the read completed inside the call");
	KUNIT_EXPECT_EQ_MSG(test, f.pincount, dsnap->s[0].pincount + (int)(HUGE_IO / PAGE_SIZE),
			    "the destination folio's pins in flight");
	diopin_wait_released(test, dsnap);
	diopin_expect_pins(test, dsnap, 0, "the destination folio after the read");
	diopin_expect_dirty(test, dsnap, true, "the destination folio after the read");
	/* the one folio: the dirty bit is the folio's, set by the read */
	KUNIT_EXPECT_PTR_EQ_MSG(test, page_folio(dst->pages[HUGE_PAGES - 1]),
				page_folio(dst->pages[0]), "the folio was split");
	diopin_expect_user_bytes(test, dst->uaddr, HUGE_IO, 0, src->seed, false);
}
#endif

#ifdef CONFIG_TRANSPARENT_HUGEPAGE
static struct diopin_buf *mk_thp(struct kunit *test)
{
	unsigned long map, addr;

	map = kunit_vm_mmap(test, NULL, 0, 2 * HUGE_SIZE, PROT_READ | PROT_WRITE,
			    MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_FALSE(test, !map || IS_ERR_VALUE(map));
	addr = ALIGN(map, HUGE_SIZE);
	KUNIT_ASSERT_EQ_MSG(test, do_madvise(current->mm, addr, HUGE_SIZE, MADV_HUGEPAGE), 0,
			    "madvise(MADV_HUGEPAGE)");
	return mk_huge_fill(test, addr);
}
#endif

/*
 * Guards: O_DIRECT from and into a PMD-mapped THP (x86_64 only): runs of one
 * large folio in one bvec (6.12: block/bio.c __bio_iov_iter_get_pages() and
 * get_contig_folio_len(); 7.2: iov_iter_extract_bvecs() and
 * get_contig_folio_len() in lib/iov_iter.c), unpin_user_folio() in
 * __bio_release_pages(), GUP-fast's gup_fast_pmd_leaf(): mk_huge_roundtrip().
 */
static void memkind_dio_thp_buffer(struct kunit *test)
{
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	struct diopin_buf *src = mk_thp(test);

	mk_huge_roundtrip(test, src, mk_thp(test));
#else
	kunit_skip(test, "needs CONFIG_TRANSPARENT_HUGEPAGE (UML has none): run under x86_64 QEMU");
#endif
}

#ifdef CONFIG_HUGETLBFS
/* MAP_PRIVATE | MAP_HUGETLB, as mmap() makes it (ksys_mmap_pgoff()). */
static struct diopin_buf *mk_hugetlb(struct kunit *test)
{
	struct file *file;
	unsigned long addr;

	file = hugetlb_file_setup(HUGETLB_ANON_FILE, HUGE_SIZE, DIOPIN_HUGETLB_NORESERVE,
				  HUGETLB_ANONHUGE_INODE, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(file), "hugetlb_file_setup(): %ld", PTR_ERR(file));
	addr = kunit_vm_mmap(test, file, 0, HUGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_HUGETLB, 0);
	fput(file);
	KUNIT_ASSERT_FALSE(test, !addr || IS_ERR_VALUE(addr));
	return mk_huge_fill(test, addr);
}
#endif

/*
 * Guards: O_DIRECT from and into hugetlb pages (MAP_HUGETLB, 2 MiB,
 * hugepages= on the command line, kernel/config/x86_64.args): GUP-fast's
 * gup_fast_pmd_leaf() pins each of the 256 pages the 1 MiB I/O covers in the
 * hugetlb folio, the bio releases each: mk_huge_roundtrip(). x86_64 only.
 */
static void memkind_dio_hugetlb_buffer(struct kunit *test)
{
#ifdef CONFIG_HUGETLBFS
	struct diopin_buf *src = mk_hugetlb(test);

	mk_huge_roundtrip(test, src, mk_hugetlb(test));
#else
	kunit_skip(test, "needs CONFIG_HUGETLBFS (UML has none): run under x86_64 QEMU");
#endif
}

static struct kunit_case diopin_memkind_cases[] = {
	KUNIT_CASE(memkind_dio_read_into_shared_file_cleaned_in_flight),
	KUNIT_CASE(memkind_dio_read_into_private_file_copies),
	KUNIT_CASE(memkind_dio_write_from_private_file_pins_cache),
	KUNIT_CASE(memkind_dio_read_into_shmem),
	KUNIT_CASE(memkind_dio_read_into_longterm_pinned_bvec),
	KUNIT_CASE(memkind_dio_thp_buffer),
	KUNIT_CASE(memkind_dio_hugetlb_buffer),
	{}
};

static struct kunit_suite diopin_memkind_suite = {
	.name = "diopin_memkind",
	.test_cases = diopin_memkind_cases,
};

kunit_test_suite(diopin_memkind_suite);

MODULE_DESCRIPTION("KUnit tests of O_DIRECT into page cache, private file mappings and shmem");
MODULE_LICENSE("GPL");
