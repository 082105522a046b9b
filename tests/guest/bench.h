/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The protocol of the bench guest (bench.c), shared with the host program
 * that runs it under pvx and under KVM (tests/selftests/bench.c).
 *
 * The host writes a struct bench_params at BENCH_PARAMS_GPA before the
 * first entry. The guest reads its TSC, does the operation @iter times,
 * reads its TSC again and reports (BENCH_KEY_TICKS, delta) through the
 * report ports of pvx_ports.h; it does so @reps times (the host keeps the
 * smallest: the run that no host timer interrupt hit), then writes the
 * exit port. Every exit the loop causes is in the delta: exit, handling
 * (in the kernel or in the host program) and entry.
 *
 * The interrupt operations report (BENCH_KEY_ARM, i) when they are ready
 * for interrupt i, and (BENCH_KEY_IRQ_TSC, guest TSC) from the handler's
 * first instructions once it came.
 */
#ifndef PVX_BENCH_H
#define PVX_BENCH_H

#include <stdint.h>

enum bench_op {
	BENCH_OP_CPUID,		/* CPUID leaf 0 (handled in the kernel) */
	BENCH_OP_VMCALL,	/* VMCALL, RAX = BENCH_HYPERCALL (unknown) */
	BENCH_OP_OUT,		/* OUT of 4 bytes to BENCH_PORT */
	BENCH_OP_IN,		/* IN of 4 bytes from BENCH_PORT */
	BENCH_OP_MMIO_WRITE,	/* 4-byte store to BENCH_MMIO_GPA */
	BENCH_OP_MMIO_READ,	/* 4-byte load from BENCH_MMIO_GPA */
	BENCH_OP_TOUCH,		/* a store every @stride bytes of @region */
	BENCH_OP_IRQ,		/* spin with IF=1 until the interrupt comes */
	BENCH_OP_HLT_IRQ,	/* HLT with IF=1 until the interrupt comes */
	BENCH_OP_MOV_DR,	/* MOV to DR0 (MOV DR not trapped) */
	BENCH_OP_WRMSR_KGS,	/* WRMSR of IA32_KERNEL_GS_BASE */
	BENCH_NR_GUEST_OPS,
};

/* bench_params.flags */
#define BENCH_F_APIC		(1U << 0) /* enable the local APIC, EOI */

struct bench_params {
	uint32_t op;
	uint32_t flags;
	uint64_t iter;		/* operations timed (TOUCH: stores) */
	uint64_t reps;		/* timed runs of @iter (TOUCH: 1) */
	uint64_t region;	/* TOUCH: first byte */
	uint64_t stride;	/* TOUCH: bytes between two stores */
};

/* Guest-physical layout (RAM at 0 holds libpvx's tables and the image). */
#define BENCH_RAM_SIZE		(8ULL << 20)
#define BENCH_PARAMS_GPA	0x600000ULL
#define BENCH_REGION_GPA	(1ULL << 30)	/* TOUCH's slot */
#define BENCH_MMIO_GPA		0xc0000000ULL	/* in no slot */
#define BENCH_APIC_GPA		0xfee00000ULL	/* KVM's local APIC */
#define BENCH_MAP_BYTES		(4ULL << 30)	/* identity-mapped */

#define BENCH_PORT		0x520
#define BENCH_HYPERCALL		0x7fffULL	/* neither Xen's nor KVM's */
#define BENCH_VECTOR		0x40

/* Report keys. */
#define BENCH_KEY_TICKS		0xbe000001
#define BENCH_KEY_ARM		0xbe000002
#define BENCH_KEY_IRQ_TSC	0xbe000003

#endif /* PVX_BENCH_H */
