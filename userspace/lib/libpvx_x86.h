/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * x86 architectural constants libpvx needs to build guest state, named as
 * in the Intel SDM (volume 3 unless said otherwise). Private to libpvx.
 */
#ifndef LIBPVX_X86_H
#define LIBPVX_X86_H

/* CR0, SDM 2.5 */
#define X86_CR0_PE		(1ULL << 0)	/* protection enable */
#define X86_CR0_MP		(1ULL << 1)	/* monitor coprocessor */
#define X86_CR0_ET		(1ULL << 4)	/* extension type: always 1 */
#define X86_CR0_NE		(1ULL << 5)	/* native x87 error reporting */
#define X86_CR0_WP		(1ULL << 16)	/* write protect at CPL 0 */
#define X86_CR0_AM		(1ULL << 18)	/* alignment mask */
#define X86_CR0_NW		(1ULL << 29)	/* not write-through */
#define X86_CR0_CD		(1ULL << 30)	/* cache disable */
#define X86_CR0_PG		(1ULL << 31)	/* paging */

/* CR4, SDM 2.5 */
#define X86_CR4_PAE		(1ULL << 5)
#define X86_CR4_OSFXSR		(1ULL << 9)	/* FXSAVE/FXRSTOR, SSE */
#define X86_CR4_OSXMMEXCPT	(1ULL << 10)	/* SIMD exceptions as #XM */

/* IA32_EFER, SDM 2.2.1 */
#define X86_EFER_LME		(1ULL << 8)	/* IA-32e mode enable */
#define X86_EFER_LMA		(1ULL << 10)	/* IA-32e mode active */

/* Segment descriptor types with S = 1, SDM 3.4.5.1 table 3-1. */
#define X86_SEG_DATA_RW_ACCESSED	0x3
#define X86_SEG_CODE_RX_ACCESSED	0xb
/* System descriptor type with S = 0, SDM 3.5 table 3-2. */
#define X86_SEG_TSS_BUSY		0xb	/* 32-bit (64-bit in IA-32e) */

/* Paging-structure entries, SDM 4.5 tables 4-15, 4-17, 4-18. */
#define X86_PTE_P		(1ULL << 0)	/* present */
#define X86_PTE_RW		(1ULL << 1)	/* writable */
#define X86_PTE_A		(1ULL << 5)	/* accessed */
#define X86_PTE_D		(1ULL << 6)	/* dirty (leaf entries) */
#define X86_PTE_PS		(1ULL << 7)	/* PDE: maps a 2 MiB page */
#define X86_PAGE_SIZE		0x1000ULL
#define X86_PTES_PER_PAGE	512

/* CPUID bits, SDM volume 2A, CPUID. */
#define X86_CPUID1_ECX_MONITOR		(1U << 3)
#define X86_CPUID1_ECX_FMA		(1U << 12)
#define X86_CPUID1_ECX_VMX		(1U << 5)
#define X86_CPUID1_ECX_SMX		(1U << 6)
#define X86_CPUID1_ECX_XSAVE		(1U << 26)
#define X86_CPUID1_ECX_OSXSAVE		(1U << 27)
#define X86_CPUID1_ECX_AVX		(1U << 28)
#define X86_CPUID1_ECX_F16C		(1U << 29)
#define X86_CPUID1_ECX_HYPERVISOR	(1U << 31)	/* reserved for VMMs */
#define X86_CPUID7_EBX_AVX2		(1U << 5)
#define X86_CPUID7_EBX_INVPCID		(1U << 10)
#define X86_CPUID7_EBX_MPX		(1U << 14)
/* AVX512F, DQ, IFMA, PF, ER, CD, BW, VL */
#define X86_CPUID7_EBX_AVX512		0xdc230000U
#define X86_CPUID7_ECX_PKU		(1U << 3)
#define X86_CPUID7_ECX_OSPKE		(1U << 4)
#define X86_CPUID7_ECX_CET_SS		(1U << 7)
#define X86_CPUID7_ECX_VAES_VPCLMUL	(3U << 9)
/* AVX512_VBMI, VBMI2, VNNI, BITALG, VPOPCNTDQ */
#define X86_CPUID7_ECX_AVX512		0x00005842U
#define X86_CPUID7_ECX_LA57		(1U << 16)
#define X86_CPUID7_ECX_WAITPKG		(1U << 5)
#define X86_CPUID7_ECX_RDPID		(1U << 22)
#define X86_CPUID80000001_EDX_RDTSCP	(1U << 27)
/* AVX512_4VNNIW, 4FMAPS, VP2INTERSECT, FP16 */
#define X86_CPUID7_EDX_AVX512		0x0080010cU
#define X86_CPUID7_EDX_CET_IBT		(1U << 20)
/* AMX-BF16, AMX-TILE, AMX-INT8 */
#define X86_CPUID7_EDX_AMX		0x03400000U
#define X86_CPUID7_1_EAX_AVX_VNNI	(1U << 4)
#define X86_CPUID7_1_EAX_AVX512_BF16	(1U << 5)
#define X86_CPUIDD_1_EAX_XSAVES		(1U << 3)
#define X86_CPUIDD_1_EAX_XFD		(1U << 4)

/* XCR0 state components, SDM vol. 1, 13.1. */
#define X86_XCR0_X87			(1ULL << 0)
#define X86_XCR0_SSE			(1ULL << 1)
#define X86_XCR0_YMM			(1ULL << 2)
#define X86_XCR0_MPX			(3ULL << 3)	/* BNDREGS, BNDCSR */
#define X86_XCR0_AVX512			(7ULL << 5)	/* opmask, ZMM_Hi256, Hi16_ZMM */
#define X86_XCR0_AMX			(3ULL << 17)	/* XTILECFG, XTILEDATA */

#endif /* LIBPVX_X86_H */
