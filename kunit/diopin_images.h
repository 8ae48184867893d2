/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Filesystem images for the end-to-end DIO suites, made at build time by
 * diopin's scripts/mkimages with mke2fs (ext2, ext4), mkfs.vfat and mkudffs and compiled in as
 * their non-zero sectors (diopin_images_gen.c).
 */
#ifndef _DIOPIN_IMAGES_H
#define _DIOPIN_IMAGES_H

#include <linux/types.h>
#include <linux/kernel.h>

struct diopin_image_chunk {
	u32 sector;		/* 512-byte sector of the first byte */
	u32 len;
	const u8 *data;
};

struct diopin_image {
	const char *fstype;
	size_t size;
	unsigned int nchunks;
	const struct diopin_image_chunk *chunks;
};

extern const struct diopin_image diopin_image_ext2;	/* ext2, 1 KiB blocks */
extern const struct diopin_image diopin_image_ext4;	/* ext4, 4 KiB blocks, no journal */
extern const struct diopin_image diopin_image_vfat;	/* FAT12, 32 KiB clusters */
extern const struct diopin_image diopin_image_udf;	/* UDF 2.01, 2 KiB blocks */

#endif /* _DIOPIN_IMAGES_H */
