/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The features guest (features.c) and its host test (features_test) share
 * this: the scenarios, the sync points and the report keys. The guest asks
 * for its scenario with a 4-byte IN from EV_PORT_SCENARIO and marks sync
 * points with a 1-byte OUT to EV_PORT_SYNC, as the events guest does
 * (events.h), so the host side is tests/lib/evtest.c.
 */
#ifndef PVX_GUEST_FEATURES_H
#define PVX_GUEST_FEATURES_H

#include "events.h"

enum ft_scenario {
	FT_WALK = 1,	/* every feature bit CPUID offers, and what it implies */
	FT_CR4,		/* each CR4 feature bit against its CPUID bit */
	FT_RF,		/* RF in the frame of a #GP pvx injects */
	FT_MSRS,	/* TSC_ADJUST, MCG_*, MISC_ENABLE, APIC_BASE, UCODE_REV */
	FT_DR,		/* debug registers across full exits */
	FT_KGS,		/* KERNEL_GS_BASE without exits */
	FT_NOP,		/* nothing: exits at once */
	FT_TOPOLOGY,	/* CPUID leaves 1, 4, 0xb as this vCPU sees them */
};

/* Sync points (EV_PORT_SYNC). */
#define FT_SYNC_EXIT		1	/* a full exit; the host does nothing */
#define FT_SYNC_KGS		2	/* the host reads KERNEL_GS_BASE, sets FT_KGS_HOST */

#define FT_KGS_GUEST		0xffff888000abc000ULL
#define FT_GS_GUEST		0xffff888000def000ULL
#define FT_KGS_HOST		0xffff888000123000ULL
#define FT_TSC_ADJUST		(1ULL << 40)
#define FT_TSC_STEP		(1ULL << 36)
#define FT_MISC_LINUX		0x400c50009ULL	/* as a guest kernel writes it */

/* A feature bit, as one number: leaf, subleaf, register (0 EAX..3 EDX), bit. */
#define FT_BIT_ID(leaf, sub, reg, bit) \
	((uint64_t)(leaf) << 32 | (uint64_t)(sub) << 16 | (reg) << 8 | (bit))

/* Report keys. */
#define FK_CHECKED		0x100	/* offered bits whose behaviour was checked */
#define FK_INFO			0x101	/* offered bits that imply nothing to check */
#define FK_FAILED		0x102	/* offered bits whose check failed */
#define FK_UNCOVERED		0x103	/* offered bits the guest has no row for */
#define FK_FAIL(i)		(0x110 + (i))	/* FT_BIT_ID of each failure (16) */
#define FK_FAIL_VEC(i)		(0x120 + (i))	/* and the vector it got */
#define FK_UNCOV(i)		(0x130 + (i))	/* FT_BIT_ID of each uncovered bit */
#define FK_NR_LISTED		16

#define FK_CR4_TRIED		0x200	/* CR4 bits tried */
#define FK_CR4_WRONG		0x201	/* of them, answered against CPUID */
#define FK_CR4_BAD(i)		(0x210 + (i))	/* bit | offered << 8 | vector << 16 */
#define FK_CR4_OSXSAVE		0x230	/* the vector of setting OSXSAVE, or EV_NONE */

#define FK_RF_GP		0x300	/* #GPs taken */
#define FK_RF_PUSHED		0x301	/* RF in the first #GP's frame */
#define FK_RF_DB		0x302	/* #DBs taken after the IRET */

#define FK_ADJ_START		0x400	/* TSC_ADJUST as the guest starts */
#define FK_ADJ_JUMP		0x401	/* TSC after WRMSR TSC_ADJUST minus before */
#define FK_ADJ_READ		0x402	/* TSC_ADJUST read back */
#define FK_ADJ_AFTER_TSC	0x403	/* TSC_ADJUST after a WRMSR of the TSC */
#define FK_MCG_CAP		0x410
#define FK_MCG_STATUS_W0	0x411	/* vector of WRMSR MCG_STATUS 0 */
#define FK_MCG_STATUS_W10	0x412	/* vector of WRMSR MCG_STATUS 0x10 */
#define FK_MCG_CAP_W		0x413	/* vector of WRMSR MCG_CAP */
#define FK_MISC_W		0x420	/* vector of WRMSR MISC_ENABLE FT_MISC_LINUX */
#define FK_MISC_READ		0x421	/* read back */
#define FK_MISC_MAXLEAF		0x422	/* CPUID.0:EAX with "limit CPUID maxval" */
#define FK_MISC_NX		0x423	/* CPUID.80000001H:EDX.NX with "XD disable" */
#define FK_MISC_RESTORED	0x424	/* CPUID.0:EAX after writing it back */
#define FK_MISC_RESERVED	0x425	/* vector of WRMSR with reserved bit 1 */
#define FK_MISC_MAXLEAF0	0x426	/* CPUID.0:EAX before */
#define FK_APIC_CPUID		0x430	/* CPUID.1:EDX.APIC */
#define FK_APIC_READ		0x431	/* vector of RDMSR IA32_APIC_BASE */
#define FK_UCODE_W		0x440	/* vector of WRMSR UCODE_REV 0 */
#define FK_UCODE		0x441	/* RDMSR UCODE_REV after CPUID(1) */
#define FK_PLATFORM_ID_R	0x442	/* vector of RDMSR PLATFORM_ID */

#define FK_DR(i)		(0x500 + (i))	/* DR0-3 read back after a full exit */
#define FK_DR_AGAIN		0x504	/* DR1 written and read after another */
#define FK_DR_WATCH		0x505	/* #DBs from a data breakpoint armed before an exit */
#define FK_DR_DR6		0x506	/* DR6 in that #DB handler */

#define FK_KGS_SWAPPED		0x600	/* GS_BASE after WRMSR KGS, SWAPGS */
#define FK_KGS_AFTER_SYNC	0x601	/* RDMSR KGS after the host set it */

#define FK_TOPO_VCPU		0x700	/* the vCPU id the runtime passed */
#define FK_TOPO_L1(reg)		(0x704 + (reg))	/* leaf 1, EAX..EDX */
#define FK_TOPO_L4(sub)		(0x710 + (sub))	/* leaf 4 EAX, subleaves 0-7 */
#define FK_TOPO_LB(sub, reg)	(0x720 + (sub) * 4 + (reg))	/* 0xb, 0-3 */
#define FT_TOPO_L4_SUBS		8
#define FT_TOPO_LB_SUBS		4

#endif /* PVX_GUEST_FEATURES_H */
