/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cpustate guest (cpustate.c) and its host test
 * (tests/selftests/guest_state_test.c) share this: which scenario to run,
 * the report keys, and the MSR values each side writes. Included by the
 * freestanding guest and by the host test.
 *
 * The guest asks for its scenario with a 4-byte IN from
 * CPUSTATE_PORT_SCENARIO, which the host test answers; an OUT to
 * CPUSTATE_PORT_TICK is an exit to userspace that means nothing.
 */
#ifndef PVX_GUEST_CPUSTATE_H
#define PVX_GUEST_CPUSTATE_H

#include <stdint.h>

#define CPUSTATE_PORT_SCENARIO	0x520
#define CPUSTATE_PORT_TICK	0x80

enum cpustate_scenario {
	CPUSTATE_FPU = 1,	/* SSE/AVX values across exits */
	CPUSTATE_XSETBV,	/* XSETBV's checks */
	CPUSTATE_MSR,		/* RDMSR/WRMSR, unknown MSRs, the TSC */
	CPUSTATE_SYSCALL,	/* SYSCALL through the guest's LSTAR, SWAPGS */
	CPUSTATE_INSNS,		/* HLT, VMCALL, VMX instructions */
	CPUSTATE_TRIPLE,	/* an IDT with limit 0, then INT3 */
	CPUSTATE_ALIVE,		/* report, HLT, report, exit */
	CPUSTATE_CR,		/* MOV to CR0/CR4/CR8, WRMSR EFER */
};

/* A vector in a report: the exception's, or this for none. */
#define CK_NO_FAULT		0xffffffffffffffffULL

/* CPUSTATE_FPU */
#define CK_FEATURES		0x1001	/* CK_FEAT_* */
#define CK_CR4			0x1002	/* CR4 after setting OSXSAVE */
#define CK_XCR0			0x1003	/* XGETBV(0) after the guest's XSETBV */
#define CK_TICKS		0x1004	/* exits made while the values were held */
#define CK_XMM_BAD		0x1005	/* bit i: XMMi changed */
#define CK_YMM_BAD		0x1006	/* bit i: YMMi's upper half changed */
#define CK_FEAT_XSAVE		(1 << 0)	/* CPUID.1:ECX.XSAVE */
#define CK_FEAT_AVX		(1 << 1)	/* CPUID.1:ECX.AVX */
#define CK_FEAT_OSXSAVE		(1 << 2)	/* CPUID.1:ECX.OSXSAVE once set */
#define CK_FEAT_XSETBV_OK	(1 << 3)	/* XSETBV took x87|SSE(|AVX) */
#define CPUSTATE_FPU_TICKS	300

/* CPUSTATE_XSETBV: each value is the vector raised, or CK_NO_FAULT */
#define CK_XSETBV_NO_X87	0x2001	/* XCR0 = SSE */
#define CK_XSETBV_AVX_NO_SSE	0x2002	/* XCR0 = x87|AVX */
#define CK_XSETBV_XCR1		0x2003	/* ECX = 1 */
#define CK_XSETBV_UNKNOWN_BIT	0x2004	/* XCR0 = x87|SSE|bit 62 */
#define CK_XSETBV_VALID		0x2005	/* XCR0 = x87|SSE */
#define CK_XGETBV_AFTER		0x2006	/* XGETBV(0) at the end */
#define CK_XSETBV_SKIPPED	0x2007	/* no XSAVE in CPUID: nothing tried */

/* CPUSTATE_MSR */
#define CK_RDMSR_UNKNOWN	0x3001	/* vector of RDMSR 0x12345 */
#define CK_WRMSR_UNKNOWN	0x3002	/* vector of WRMSR 0x12345 */
#define CK_MSR_READ(i)		(0x3100 + (i))	/* value read at the start */
#define CK_MSR_READ_FAULT(i)	(0x3200 + (i))	/* vector of that read */
#define CK_MSR_WRITE_FAULT(i)	(0x3300 + (i))	/* vector of the write */
#define CK_MSR_REREAD(i)	(0x3400 + (i))	/* read back after it */
#define CK_MSR_BAD_WRITE(i)	(0x3500 + (i))	/* vector of bad write i */
#define CK_TSC_RDTSC		0x3601	/* first RDTSC */
#define CK_TSC_RDMSR		0x3602	/* then RDMSR(TSC) */
#define CK_TSC_WRITTEN		0x3603	/* RDTSC after WRMSR(TSC, ..._SET) */
#define CK_MTRRCAP		0x3604	/* RDMSR(MTRRcap) */
#define CK_MTRRCAP_FAULT	0x3605
#define CPUSTATE_UNKNOWN_MSR	0x12345
#define CPUSTATE_TSC_SET	(1ULL << 40)

/* CPUSTATE_SYSCALL */
#define CK_SYSCALL_LSTAR	0x4001	/* the handler's address, in LSTAR */
#define CK_SYSCALL_COUNT	0x4002	/* times the handler ran */
#define CK_SYSCALL_RCX		0x4003	/* RCX in the handler */
#define CK_SYSCALL_NEXT		0x4004	/* the address after SYSCALL */
#define CK_SYSCALL_CS		0x4005	/* CS and SS in the handler */
#define CK_SYSCALL_SS		0x4006
#define CK_SYSCALL_RFLAGS	0x4007	/* RFLAGS in the handler */
#define CK_SYSCALL_R11		0x4008	/* R11 (RFLAGS before SYSCALL) */
#define CK_SWAPGS_GS		0x4009	/* GS base after SWAPGS */
#define CK_SWAPGS_KGS		0x400a	/* KERNEL_GS_BASE after SWAPGS */
#define CPUSTATE_STAR		0x0023000800000000ULL /* SYSCALL CS 0x08 */
#define CPUSTATE_FMASK		0x00040400ULL	/* AC and DF */
#define CPUSTATE_GS_A		0xffff888000001000ULL
#define CPUSTATE_GS_B		0x00007f0000002000ULL

/* CPUSTATE_INSNS */
#define CK_HLT_NEXT		0x5001	/* the address after HLT */
#define CK_AFTER_HLT		0x5002	/* reported once HLT returned */
#define CK_VMCALL_RAX		0x5003	/* RAX after VMCALL */
#define CK_VMX_INSN(i)		(0x5100 + (i))	/* vector of VMX insn i */
#define CPUSTATE_NR_VMX_INSNS	11
#define CPUSTATE_VMCALL_NR	0x1234	/* no such hypercall */

/* CPUSTATE_TRIPLE, CPUSTATE_ALIVE */
#define CK_TRIPLE_ARMED		0x6001
#define CK_ALIVE		0x7001	/* 1 before HLT, 2 after */

/* CPUSTATE_CR */
#define CK_CR0_BEFORE		0x8001
#define CK_CR4_BEFORE		0x8002
#define CK_EFER_BEFORE		0x8003
#define CK_CR0_AFTER		0x8004	/* after the bad writes */
#define CK_CR4_AFTER		0x8005
#define CK_EFER_AFTER		0x8006
#define CK_CR0_WP_CLEAR		0x8007	/* CR0 with WP cleared by the guest */
#define CK_CR0_TS_SET		0x8008	/* CR0 with TS set by MOV */
#define CK_CR0_TS_CLEAR		0x8009	/* CR0 after CLTS */
#define CK_CR8			0x800a	/* CR8 after MOV 5 */
#define CK_CR_BAD(i)		(0x8100 + (i))	/* vector of bad write i */
/* The writes of CPUSTATE_CR that must #GP, in order (SDM vol. 2B, MOV CR). */
#define CPUSTATE_BAD_CRS(X)						\
	X("CR0.PG cleared in 64-bit mode")				\
	X("CR0.NW without CR0.CD")					\
	X("CR0 bit 32")							\
	X("CR4.PAE cleared in IA-32e mode")				\
	X("CR4.VMXE (no nested VMX)")					\
	X("CR4 bit 63")							\
	X("CR8 = 16")							\
	X("EFER.LME cleared with paging on")

/*
 * The MSRs that both sides write and read back: the host's value goes in
 * with PVX_SET_MSRS before the run (the guest must read it), the guest's
 * with WRMSR (the guest and PVX_GET_MSRS must read it back). Listed as
 * X(index, name, host value, guest value).
 */
#define CPUSTATE_MSRS(X)						\
	X(0xc0000080, "EFER", 0x501, 0xd01)				\
	X(0x277, "PAT", 0x0007010600070106ULL, 0x0406050400070406ULL)	\
	X(0x174, "SYSENTER_CS", 0x1234, 0x5678)				\
	X(0x175, "SYSENTER_ESP", 0xffff800000001000ULL, 0x200000)	\
	X(0x176, "SYSENTER_EIP", 0xffffffff81000000ULL, 0x100123)	\
	X(0xc0000100, "FS_BASE", 0x1000, 0x00007fff00001000ULL)		\
	X(0xc0000101, "GS_BASE", 0x2000, 0xffff888000000000ULL)		\
	X(0xc0000102, "KERNEL_GS_BASE", 0x3000, 0xffff888000123000ULL)	\
	X(0xc0000081, "STAR", 0x0023000800000000ULL, 0x001b001000000000ULL) \
	X(0xc0000082, "LSTAR", 0xffffffff81800000ULL, 0xffffffff81a00000ULL) \
	X(0xc0000083, "CSTAR", 0xffffffff81801000ULL, 0xffffffff81a01000ULL) \
	X(0xc0000084, "FMASK", 0x47700, 0x700)				\
	X(0xc0000103, "TSC_AUX", 7, 0x1234)				\
	X(0x1a0, "MISC_ENABLE", 0x1801, 0x811809)			\
	X(0x2ff, "MTRRdefType", 0xc06, 0x806)

/*
 * Writes the guest must get #GP for, as X(index, value, what): reserved
 * memory types, reserved bits, a read-only MSR, a non-canonical address.
 */
#define CPUSTATE_BAD_WRITES(X)						\
	X(0x277, 0x0000000000000002ULL, "PAT entry of type 2")		\
	X(0x277, 0x0000000000000008ULL, "PAT entry of type 8")		\
	X(0x2ff, 0x1000, "MTRRdefType reserved bit 12")			\
	X(0xfe, 0, "MTRRcap (read-only)")				\
	X(0x1b, 0xfee00900, "APIC_BASE (no APIC)")			\
	X(0x1a0, 0x1803, "MISC_ENABLE reserved bit 1")			\
	X(0x179, 0, "MCG_CAP (read-only)")				\
	X(0x17a, 0x10, "MCG_STATUS reserved bit 4")			\
	X(0xc0000080, 0xd03, "EFER reserved bit 1")			\
	X(0xc0000082, 0x0000800000000000ULL, "LSTAR non-canonical")	\
	X(0x175, 0x0000800000000000ULL, "SYSENTER_ESP non-canonical")	\
	X(0xc0000103, 0x100000000ULL, "TSC_AUX bit 32")			\
	X(0xc0000100, 0x8000000000000000ULL, "FS_BASE non-canonical")

#endif /* PVX_GUEST_CPUSTATE_H */
