/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The x2apic guest (x2apic.c) and its host test (x2apic_test.c): report
 * keys, the scenario port and the platform the host sets up.
 */
#ifndef PVX_GUEST_X2APIC_H
#define PVX_GUEST_X2APIC_H

#define XA_PORT_SCENARIO	0x520	/* IN: which scenario (host hook) */
#define XA_PORT_CLAIMED		0x530	/* a port the host claims: IN 0x1234 */
#define XA_CLAIMED_VALUE	0x1234
#define XA_MMIO_ABSENT		0xfec00000ULL	/* no IO-APIC there */
#define XA_PORT_AP		0x540	/* vCPU 1's real-mode code: OUT 0x5a */
#define XA_AP_VALUE		0x5a
#define XA_SIPI_VECTOR		0x08	/* vCPU 1 starts at 0x8000 */
#define XA_AP_RUNS_GPA		0x8100	/* vCPU 1 counts its starts here */
#define XA_RAM_BYTES		(16ULL << 20)
#define XA_NONE			0xdeadULL

enum xa_scenario {
	XA_NO_PLATFORM,		/* a VM without PVX_SET_PLATFORM */
	XA_PLATFORM,		/* X2APIC | NULL_IO | E9_CONSOLE */
};

/* Vectors the guest uses. */
#define XA_VEC_LOW		0x40
#define XA_VEC_MID		0x50
#define XA_VEC_HIGH		0x80

enum xa_key {
	XK_APIC_BASE = 1,	/* RDMSR 0x1b, or XA_NONE on #GP */
	XK_ID_GP,		/* the vector RDMSR 0x802 raised, or XA_NONE */
	XK_ID, XK_VERSION, XK_LDR,
	XK_IRR_PENDING,		/* IRR word 2 after a self IPI of 0x50, IF = 0 */
	XK_ISR_BEFORE,		/* ISR word 2 then */
	XK_MASKED_COUNT,	/* 0x50 handler calls with TPR 0x60 and IF = 1 */
	XK_PPR_TPR,		/* PPR with TPR 0x60 */
	XK_ORDER,		/* handler order, a vector per byte, first lowest */
	XK_ISR_IN_HANDLER,	/* ISR word 2 inside the 0x50 handler */
	XK_PPR_IN_HANDLER,	/* PPR there (TPR 0) */
	XK_IRR_LOW_IN_HANDLER,	/* IRR word 2 there after the ICR self IPI 0x40 */
	XK_ISR_AFTER,		/* ISR words 2 and 4 ORed after all EOIs */
	XK_RO_WRITE_GP,		/* WRMSR 0x802: the vector, or XA_NONE */
	XK_EOI_READ_GP,		/* RDMSR 0x80b: the vector */
	XK_EOI_NONZERO_GP,	/* WRMSR 0x80b, 1: the vector */
	XK_ESR_ILLEGAL,		/* ESR after a self IPI of vector 5 */
	XK_TCCR_FIRST, XK_TCCR_SECOND,
	XK_IN_PIC,		/* IN 0x21 (byte) */
	XK_IN_PCI,		/* IN 0xcf8 (long) */
	XK_IN_WORD,		/* IN 0x80 (word), AX preset 0 */
	XK_IN_CLAIMED,		/* IN XA_PORT_CLAIMED (long) */
	XK_MMIO_READ,		/* 32-bit read at XA_MMIO_ABSENT */
	XK_LOOP_DONE,		/* 10000 INs of port 0x61 done */
	XK_AP_DOWN,		/* VCPUOP_is_up(1) after vCPU 1's CLI; HLT */
	XK_NR,
};

#endif /* PVX_GUEST_X2APIC_H */
