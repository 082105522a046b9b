/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The events guest (events.c) and its host tests (exit_policy_test,
 * inject_test, timeslice_test) share this: the scenarios, the ports and
 * the report keys. Included by the freestanding guest and by the host.
 *
 * The guest asks for its scenario with a 4-byte IN from EV_PORT_SCENARIO.
 * A 1-byte OUT to EV_PORT_SYNC is a point where the host acts (queues an
 * interrupt, changes the policy): the value says which (EV_SYNC_*).
 */
#ifndef PVX_GUEST_EVENTS_H
#define PVX_GUEST_EVENTS_H

#define EV_PORT_SCENARIO	0x530
#define EV_PORT_SYNC		0xe0	/* an imm8 port: OUT %al, $0xe0 */
#define EV_PORT_MTF_ON		0xe1	/* MTF stepping starts after this OUT */
#define EV_PORT_MTF_OFF		0xe2	/* and ends at this one */

enum ev_scenario {
	EV_RDTSC = 1,	/* RDTSC x3, RDTSCP */
	EV_RDPMC,	/* RDPMC(0) */
	EV_PAUSE,	/* PAUSE x3 */
	EV_DR,		/* MOV to DR0, MOV from DR0 */
	EV_DESC,	/* SGDT, SIDT, STR */
	EV_RDRAND,	/* RDRAND, RDSEED (if CPUID has them) */
	EV_CR3,		/* MOV from CR3, MOV to CR3, MOV from CR3 */
	EV_CR8,		/* MOV to CR8, MOV from CR8 */
	EV_MTF,		/* a counted loop between the MTF ports */
	EV_EXC,		/* INT3, UD2 */
	EV_CPUID,	/* CPUID of a few leaves */
	EV_MSR,		/* RDMSR/WRMSR of a few MSRs */
	EV_HLT_CLI,	/* CLI; HLT; report */
	EV_TSC,		/* RDTSC once */
	EV_IRQ,		/* STI, a sync, the interrupt comes at once */
	EV_IRQ_STI,	/* CLI, a sync, work, STI; NOP; marker */
	EV_IRQ_ORDER,	/* CLI, a sync (several vectors), STI */
	EV_NMI,		/* a sync, the NMI; another NMI queued in its handler */
	EV_EXC_INJECT,	/* syncs in TRAP_CATCH: #GP, #PF, #UD injected */
	EV_HLT_BLOCK,	/* STI, a sync, HLT: woken by an interrupt */
	EV_SPIN,	/* report &counter, STI, count forever */
	EV_HLT_LOOP,	/* a sync, then STI; HLT until the interrupt came */
};

/* The sync points (values OUT to EV_PORT_SYNC). */
#define EV_SYNC_IRQ		1	/* queue the scenario's interrupt(s) */
#define EV_SYNC_NMI		2	/* queue an NMI */
#define EV_SYNC_NMI_HANDLER	3	/* inside the NMI handler */
#define EV_SYNC_INJECT_GP	4	/* inject #GP(EV_GP_ERROR) */
#define EV_SYNC_INJECT_PF	5	/* inject #PF(EV_PF_ERROR) */
#define EV_SYNC_INJECT_UD	6	/* inject #UD */
#define EV_SYNC_HALTING		7	/* the next instruction is HLT */

#define EV_GP_ERROR		0x1234
#define EV_PF_ERROR		0x3	/* present, write */

/* Vectors the host queues. */
#define EV_VEC_IRQ		0x41
#define EV_VEC_STI		0x42
#define EV_VEC_HLT		0x44
#define EV_VEC_SPIN		0x45
#define EV_ORDER_VECS		{ 0x50, 0x60, 0x40, 0x60 }	/* queued */
#define EV_ORDER_NR		3				/* distinct */

/* The loop MTF steps over: EV_MTF_LOOPS rounds of DEC, JNZ after a MOV. */
#define EV_MTF_LOOPS		10

/* A value no report has: "not reached" or "absent". */
#define EV_NONE			0xffffffffffffffffULL

/* Report keys. */
#define EK_RDTSC(i)		(0x100 + (i))	/* EDX:EAX of RDTSC i */
#define EK_RDTSCP		0x110		/* EDX:EAX of RDTSCP, or EV_NONE: no RDTSCP */
#define EK_RDTSCP_AUX		0x111		/* its ECX */
#define EK_RDPMC		0x120		/* EDX:EAX, or EV_NONE */
#define EK_RDPMC_VEC		0x121		/* its vector, or EV_NONE */
#define EK_PAUSES		0x130		/* PAUSEs done */
#define EK_DR0			0x140		/* DR0 read back */
#define EK_DR0_WRITTEN		0x141		/* the value written */
#define EK_SGDT_LIMIT		0x150
#define EK_SGDT_BASE		0x151
#define EK_SIDT_LIMIT		0x152
#define EK_SIDT_BASE		0x153
#define EK_STR			0x154
#define EK_DESC_BUF		0x155		/* the SGDT/SIDT buffer's address */
#define EK_RDRAND		0x160		/* value, or EV_NONE: no RDRAND */
#define EK_RDRAND_CF		0x161
#define EK_RDSEED		0x162		/* value, or EV_NONE: no RDSEED */
#define EK_RDSEED_CF		0x163
#define EK_CR3_FIRST		0x170		/* MOV from CR3 */
#define EK_CR3_WRITTEN		0x171		/* the value MOV to CR3 wrote */
#define EK_CR3_AFTER		0x172		/* MOV from CR3 after it */
#define EK_CR8			0x180		/* MOV from CR8 after writing EK_CR8_WRITTEN */
#define EK_CR8_WRITTEN		0x181
#define EK_MTF_DEC		0x190		/* addresses of the loop's labels */
#define EK_MTF_JNZ		0x191
#define EK_MTF_END		0x192
#define EK_MTF_START		0x193
#define EK_BP_AFTER		0x1a0		/* 1 if the insn after INT3 ran */
#define EK_BP_VEC		0x1a1		/* vector the guest caught, or EV_NONE */
#define EK_BP_RIP		0x1a2		/* address of the INT3 */
#define EK_UD_VEC		0x1a3
#define EK_UD_RIP		0x1a4		/* where the guest caught #UD */
#define EK_UD_ADDR		0x1a5		/* address of the UD2 */
#define EK_CPUID(leaf_idx, reg)	(0x200 + (leaf_idx) * 4 + (reg))
#define EK_MSR_READ(i)		(0x300 + (i))	/* RDMSR of ev_msrs[i] */
#define EK_MSR_VEC(i)		(0x320 + (i))	/* its vector, or EV_NONE */
#define EK_WRMSR_VEC(i)		(0x340 + (i))	/* vector of the WRMSR test i */
#define EK_HLT_AFTER		0x400		/* reached after the HLT */
#define EK_TSC			0x410		/* RDTSC at entry */
#define EK_IRQ_COUNT		0x500		/* the handler ran so often */
#define EK_IRQ_BEFORE_STI	0x501		/* count just before STI */
#define EK_IRQ_MARKER_SEEN	0x502		/* the marker, seen by the handler */
#define EK_IRQ_RIP		0x503		/* the RIP the handler returns to */
#define EK_IRQ_AFTER_NOP	0x504		/* the address after STI; NOP */
#define EK_ORDER(i)		(0x510 + (i))	/* i-th vector delivered */
#define EK_ORDER_TOTAL		0x51f		/* deliveries */
#define EK_NMI_COUNT		0x520		/* NMIs handled */
#define EK_NMI_NESTED		0x521		/* 1: a handler began inside another */
#define EK_NMI_IN_FIRST		0x522		/* count at the first handler's end */
#define EK_EXC_VEC(i)		(0x530 + (i))	/* vector caught after sync i */
#define EK_EXC_ERR(i)		(0x538 + (i))	/* its error code */
#define EK_HLT_IRQS		0x540		/* interrupts handled after HLT */
#define EK_HLT_ROUNDS		0x541		/* EV_HLT_LOOP: HLTs executed */
#define EK_SPIN_COUNTER		0x550		/* GPA of the spinning counter */
#define EK_SPIN_IRQS		0x551		/* GPA of the interrupt counter */

/* The CPUID leaves EV_CPUID asks, in this order. */
#define EV_CPUID_LEAVES		{ 0x0, 0x40000000, 0x40000001, 0x40000005, 0x40000010 }
#define EV_CPUID_NR		5

/*
 * The MSRs EV_MSR reads (and writes: ev_msr_writes), in this order: two
 * in the forwarded range, one the host fails, one outside (PAT), and
 * LSTAR (host-owned: forwarded by the tests that prove it traps).
 */
#define EV_MSR_BASE		0x4b564df0	/* unknown to pvx */
#define EV_MSRS			{ EV_MSR_BASE, EV_MSR_BASE + 1, EV_MSR_BASE + 2, \
				  0x277, 0xc0000082 }
#define EV_MSR_NR		5
#define EV_MSR_FAIL		(EV_MSR_BASE + 2)	/* the host answers #GP */
#define EV_WRMSR_VALUE		0x1122334455667788ULL

#endif /* PVX_GUEST_EVENTS_H */
