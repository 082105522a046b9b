/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the modes guest (modes16.S) reports, shared with its host test
 * (tests/selftests/guest_modes_test.c). Macros only: included by assembly
 * and by C.
 *
 * The image is flat at 0x7c00 with four entry points, 8 bytes apart:
 *	MODES_ENTRY_SWITCH	real mode: the guest that switches modes itself
 *	MODES_ENTRY_REAL	real mode: report the state, exit 0
 *	MODES_ENTRY_PROT	32-bit protected mode: the same
 *	MODES_ENTRY_LONG	64-bit mode: the same
 *
 * At each stage the guest reports, under MODES_KEY(stage, item), first
 * the stage number (MODES_ITEM_STAGE: the host takes PVX_GET_SREGS
 * there), then what it observes: CR0, CR3, CR4, IA32_EFER (RDMSR), the
 * result of MODES_WIDTH_PROBE, LAR of its CS selector (not in real
 * mode), and in paging stages a value read back through an alias
 * mapping (MODES_ITEM_ALIAS).
 */
#ifndef PVX_GUEST_MODES_H
#define PVX_GUEST_MODES_H

#define MODES_IMAGE_GPA		0x7c00
#define MODES_ENTRY_SWITCH	(MODES_IMAGE_GPA + 0)
#define MODES_ENTRY_REAL	(MODES_IMAGE_GPA + 8)
#define MODES_ENTRY_PROT	(MODES_IMAGE_GPA + 16)
#define MODES_ENTRY_LONG	(MODES_IMAGE_GPA + 24)

#define MODES_KEY(stage, item)	(0x4d000000 + ((stage) << 8) + (item))

#define MODES_ITEM_STAGE	0
#define MODES_ITEM_CR0		1
#define MODES_ITEM_CR3		2
#define MODES_ITEM_CR4		3
#define MODES_ITEM_EFER		4
#define MODES_ITEM_WIDTH	5
#define MODES_ITEM_CS_AR	6
#define MODES_ITEM_ALIAS	7

/* Stages of the guests libpvx starts in one mode. */
#define MODES_STAGE_LIBPVX_REAL	1
#define MODES_STAGE_LIBPVX_PROT	2
#define MODES_STAGE_LIBPVX_LONG	3
/* Stages of the guest that switches modes itself, in order. */
#define MODES_STAGE_REAL	0x10	/* real mode, as started */
#define MODES_STAGE_PROT	0x11	/* 32-bit protected mode, no paging */
#define MODES_STAGE_PAE		0x12	/* 32-bit, PAE paging */
#define MODES_STAGE_COMPAT	0x13	/* IA-32e compatibility mode */
#define MODES_STAGE_LONG	0x14	/* 64-bit mode */
#define MODES_STAGE_PROT_AGAIN	0x15	/* back in 32-bit mode, paging off */
#define MODES_STAGE_REAL_AGAIN	0x16	/* back in real mode */
#define MODES_NR_SWITCH_STAGES	7

/*
 * MODES_WIDTH_PROBE leaves in AX a value that tells 16-, 32- and 64-bit
 * code apart by how the same bytes decode (see modes16.S).
 */
#define MODES_WIDTH_16		3
#define MODES_WIDTH_32		1
#define MODES_WIDTH_64		2

/* Written at MODES_ALIAS_GPA, read back through the alias mappings. */
#define MODES_ALIAS_GPA		0x14000
#define MODES_ALIAS_PAE		0x40000000	/* 1 GiB: PDPTE 1 = PDPTE 0 */
#define MODES_ALIAS_LONG	0x8000000000	/* 512 GiB: PML4E 1 = PML4E 0 */
#define MODES_MAGIC_PAE		0x50414531	/* "PAE1" */
#define MODES_MAGIC_LONG	0x4c4f4e4732	/* "LONG2" */

#endif /* PVX_GUEST_MODES_H */
