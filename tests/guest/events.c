// SPDX-License-Identifier: GPL-2.0
/*
 * The events guest: the instructions an exit policy can trap, and the
 * events a host injects (interrupts, NMIs, exceptions), one scenario per
 * run (events.h). The host test decides what traps and what is injected;
 * the guest does the same thing every time and reports what it saw, so
 * the host compares the guest's view with and without the trap.
 */
#include "events.h"
#include "guest.h"
#include "trap.h"

static void sync_point(uint8_t what)
{
	__asm__ volatile("outb %0, %1" : : "a"(what), "i"(EV_PORT_SYNC) : "memory");
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

/* RDTSC three times, and RDTSCP if CPUID.80000001H:EDX.RDTSCP offers it. */
static void do_rdtsc(void)
{
	uint32_t lo, hi, aux, r[4];

	for (int i = 0; i < 3; i++)
		report(EK_RDTSC(i), rdtsc());
	cpuid(0x80000001, 0, r);
	if (!(r[3] & (1U << 27))) {
		report(EK_RDTSCP, EV_NONE);
		return;
	}
	__asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
	report(EK_RDTSCP, (uint64_t)hi << 32 | lo);
	report(EK_RDTSCP_AUX, aux);
}

static void do_rdpmc(void)
{
	uint32_t lo = 0, hi = 0;

	trap_clear();
	__asm__ volatile(TRAP_CATCH("rdpmc")
			 : "+a"(lo), "+d"(hi) : "c"(0) : "r11", "memory");
	report(EK_RDPMC, trap_vector() == TRAP_NONE ? (uint64_t)hi << 32 | lo :
						      EV_NONE);
	report(EK_RDPMC_VEC, trap_vector() == TRAP_NONE ? EV_NONE :
			     (uint64_t)trap_vector());
}

static void do_pause(void)
{
	int n = 0;

	for (int i = 0; i < 3; i++, n++)
		__asm__ volatile("pause" ::: "memory");
	report(EK_PAUSES, n);
}

static void do_dr(void)
{
	uint64_t in = 0x1000, out = 0;

	__asm__ volatile("mov %1, %%dr0\n\tmov %%dr0, %0"
			 : "=b"(out) : "a"(in) : "memory");
	report(EK_DR0_WRITTEN, in);
	report(EK_DR0, out);
}

struct __attribute__((packed)) dtr {
	uint16_t limit;
	uint64_t base;
};

static struct dtr gdtr, idtr;

static void do_desc(void)
{
	uint16_t tr = 0xffff;

	report(EK_DESC_BUF, (uint64_t)&gdtr);
	__asm__ volatile("sgdt (%0)" : : "b"(&gdtr) : "memory");
	__asm__ volatile("sidt (%0)" : : "b"(&idtr) : "memory");
	__asm__ volatile("str %0" : "=a"(tr) : : "memory");
	report(EK_SGDT_LIMIT, gdtr.limit);
	report(EK_SGDT_BASE, gdtr.base);
	report(EK_SIDT_LIMIT, idtr.limit);
	report(EK_SIDT_BASE, idtr.base);
	report(EK_STR, tr);
}

static void do_rdrand(void)
{
	uint32_t r[4];
	uint64_t v = 0;
	uint8_t cf = 0;

	cpuid(1, 0, r);
	if (r[2] & (1U << 30)) {	/* CPUID.1:ECX.RDRAND */
		__asm__ volatile("rdrand %0; setc %1" : "=a"(v), "=q"(cf));
		report(EK_RDRAND, v);
		report(EK_RDRAND_CF, cf);
	} else {
		report(EK_RDRAND, EV_NONE);
	}
	cpuid(7, 0, r);
	if (r[1] & (1U << 18)) {	/* CPUID.(7,0):EBX.RDSEED */
		__asm__ volatile("rdseed %0; setc %1" : "=a"(v), "=q"(cf));
		report(EK_RDSEED, v);
		report(EK_RDSEED_CF, cf);
	} else {
		report(EK_RDSEED, EV_NONE);
	}
}

static void do_cr3(void)
{
	uint64_t first, after;
	uint64_t set = 0x2000 | (1 << 3);	/* libpvx's PML4, with PWT */

	__asm__ volatile("mov %%cr3, %0" : "=a"(first));
	report(EK_CR3_FIRST, first);
	__asm__ volatile("mov %0, %%cr3" : : "a"(set) : "memory");
	report(EK_CR3_WRITTEN, set);
	__asm__ volatile("mov %%cr3, %0" : "=a"(after));
	report(EK_CR3_AFTER, after);
}

static void do_cr8(void)
{
	uint64_t in = 5, out;

	__asm__ volatile("mov %1, %%cr8\n\tmov %%cr8, %0"
			 : "=b"(out) : "a"(in) : "memory");
	report(EK_CR8_WRITTEN, in);
	report(EK_CR8, out);
}

/* The stepped loop (events.h): MTF_ON; MOV; EV_MTF_LOOPS x (DEC, JNZ); MTF_OFF. */
extern const char mtf_start[], mtf_dec[], mtf_jnz[], mtf_end[];
void mtf_loop(void);
__asm__(".text\n"
	"mtf_loop:\n\t"
	"outb %al, $" "0xe1" "\n"
	"mtf_start:\n\t"
	"mov $10, %ecx\n"
	"mtf_dec:\n\t"
	"dec %ecx\n"
	"mtf_jnz:\n\t"
	"jnz mtf_dec\n"
	"mtf_end:\n\t"
	"outb %al, $" "0xe2" "\n\t"
	"ret\n");
_Static_assert(EV_MTF_LOOPS == 10 && EV_PORT_MTF_ON == 0xe1 &&
	       EV_PORT_MTF_OFF == 0xe2, "mtf_loop's immediates");

static void do_mtf(void)
{
	report(EK_MTF_START, (uint64_t)mtf_start);
	report(EK_MTF_DEC, (uint64_t)mtf_dec);
	report(EK_MTF_JNZ, (uint64_t)mtf_jnz);
	report(EK_MTF_END, (uint64_t)mtf_end);
	__asm__ volatile("call mtf_loop" : : : "rax", "rcx", "memory");
}

/*
 * INT3 then an increment; UD2. Each address is taken inside the asm
 * that executes it, and reported for the host.
 */
static void do_exc(void)
{
	volatile uint64_t after = 0;
	uint64_t bp_addr = 0, ud_addr = 0;
	int bp_vec, ud_vec;

	trap_clear();
	__asm__ volatile(TRAP_CATCH("lea 1f(%%rip), %1\n1:\tint3\n\tincq %0")
			 : "+m"(after), "+r"(bp_addr) : : "r11", "memory");
	bp_vec = trap_vector();
	report(EK_BP_RIP, bp_addr);
	report(EK_BP_AFTER, after);
	report(EK_BP_VEC, bp_vec == TRAP_NONE ? EV_NONE : (uint64_t)bp_vec);
	trap_clear();
	__asm__ volatile(TRAP_CATCH("lea 1f(%%rip), %0\n1:\tud2")
			 : "+r"(ud_addr) : : "r11", "memory");
	ud_vec = trap_vector();
	report(EK_UD_ADDR, ud_addr);
	report(EK_UD_VEC, ud_vec == TRAP_NONE ? EV_NONE : (uint64_t)ud_vec);
	report(EK_UD_RIP, trap_rip());
}

static void do_cpuid(void)
{
	static const uint32_t leaves[EV_CPUID_NR] = EV_CPUID_LEAVES;
	uint32_t r[4];

	for (int i = 0; i < EV_CPUID_NR; i++) {
		cpuid(leaves[i], 0, r);
		for (int reg = 0; reg < 4; reg++)
			report(EK_CPUID(i, reg), r[reg]);
	}
}

static void do_msr(void)
{
	static const uint32_t msrs[EV_MSR_NR] = EV_MSRS;

	for (int i = 0; i < EV_MSR_NR; i++) {
		uint32_t lo = 0, hi = 0;
		uint64_t w;
		int vec;

		trap_clear();
		__asm__ volatile(TRAP_CATCH("rdmsr")
				 : "+a"(lo), "+d"(hi) : "c"(msrs[i]) : "r11", "memory");
		vec = trap_vector();
		report(EK_MSR_READ(i), vec == TRAP_NONE ? (uint64_t)hi << 32 | lo : EV_NONE);
		report(EK_MSR_VEC(i), vec == TRAP_NONE ? EV_NONE : (uint64_t)vec);
		/* Forwarded ones get a value of ours; the others their own. */
		w = i < 3 ? EV_WRMSR_VALUE + i : (uint64_t)hi << 32 | lo;
		trap_clear();
		__asm__ volatile(TRAP_CATCH("wrmsr")
				 : : "c"(msrs[i]), "a"((uint32_t)w), "d"((uint32_t)(w >> 32))
				 : "r11", "memory");
		vec = trap_vector();
		report(EK_WRMSR_VEC(i), vec == TRAP_NONE ? EV_NONE : (uint64_t)vec);
	}
}

static void do_hlt_cli(void)
{
	__asm__ volatile("cli; hlt" ::: "memory");
	report(EK_HLT_AFTER, 1);
}

/* Interrupts: a count per vector and the order of delivery. */
static volatile uint64_t irq_count[256];
static volatile uint64_t irq_total;
static volatile uint8_t irq_order[16];
static volatile uint64_t sti_marker, marker_seen = EV_NONE, irq_rip;

static void on_irq(struct trap_frame *f)
{
	if (irq_total < sizeof(irq_order))
		irq_order[irq_total] = f->vector;
	irq_total++;
	irq_count[f->vector]++;
	if (f->vector == EV_VEC_STI && marker_seen == EV_NONE) {
		marker_seen = sti_marker;
		irq_rip = f->rip;
	}
}

static void hook_irqs(void)
{
	for (unsigned int v = 32; v < 256; v++)
		trap_set_hook(v, on_irq);
}

/* Wait, with interrupts on, until @n interrupts came (or give up). */
static void wait_irqs(uint64_t n)
{
	for (long i = 0; i < 1000000 && irq_total < n; i++)
		__asm__ volatile("sti; nop; cli" ::: "memory");
}

static void do_irq(void)
{
	__asm__ volatile("sti" ::: "memory");
	sync_point(EV_SYNC_IRQ);
	wait_irqs(1);
	__asm__ volatile("cli" ::: "memory");
	report(EK_IRQ_COUNT, irq_count[EV_VEC_IRQ]);
	report(EK_ORDER_TOTAL, irq_total);
}

/*
 * The interrupt queued while IF = 0 must come after STI and the one
 * instruction of its shadow (SDM 6.8.3: STI; NOP), before the marker is
 * set: the handler sees the marker 0 and returns to the MOV after NOP.
 */
static void do_irq_sti(void)
{
	uint64_t after_nop, before;

	__asm__ volatile("cli" ::: "memory");
	sync_point(EV_SYNC_IRQ);
	for (volatile int i = 0; i < 1000; i++)
		;
	before = irq_total;
	__asm__ volatile("lea 1f(%%rip), %0\n\t"
			 "sti\n\t"
			 "nop\n"
			 "1:\tmovq $1, %1\n\t"
			 "cli"
			 : "=&r"(after_nop), "=m"(sti_marker) : : "memory");
	report(EK_IRQ_BEFORE_STI, before);
	report(EK_IRQ_COUNT, irq_count[EV_VEC_STI]);
	report(EK_IRQ_MARKER_SEEN, marker_seen);
	report(EK_IRQ_RIP, irq_rip);
	report(EK_IRQ_AFTER_NOP, after_nop);
	report(EK_ORDER_TOTAL, irq_total);
}

static void do_irq_order(void)
{
	__asm__ volatile("cli" ::: "memory");
	sync_point(EV_SYNC_IRQ);
	wait_irqs(EV_ORDER_NR);
	for (unsigned int i = 0; i < irq_total && i < sizeof(irq_order); i++)
		report(EK_ORDER(i), irq_order[i]);
	report(EK_ORDER_TOTAL, irq_total);
}

static volatile uint64_t nmi_count, nmi_nested, nmi_in_first = EV_NONE;
static volatile int in_nmi;

/* The first NMI asks the host for a second one, which must wait for IRET. */
static void on_nmi(struct trap_frame *f)
{
	(void)f;
	if (in_nmi)
		nmi_nested = 1;
	in_nmi = 1;
	nmi_count++;
	if (nmi_count == 1) {
		sync_point(EV_SYNC_NMI_HANDLER);
		for (volatile int i = 0; i < 1000; i++)
			;
		nmi_in_first = nmi_count;
	}
	in_nmi = 0;
}

static void do_nmi(void)
{
	trap_set_hook(TRAP_NMI, on_nmi);
	sync_point(EV_SYNC_NMI);
	for (long i = 0; i < 1000000 && nmi_count < 2; i++)
		__asm__ volatile("pause" ::: "memory");
	report(EK_NMI_COUNT, nmi_count);
	report(EK_NMI_NESTED, nmi_nested);
	report(EK_NMI_IN_FIRST, nmi_in_first);
}

/* Each sync makes the host inject an exception at the instruction after it. */
static void do_exc_inject(void)
{
	static const uint8_t syncs[] = { EV_SYNC_INJECT_GP, EV_SYNC_INJECT_PF,
					 EV_SYNC_INJECT_UD };

	for (unsigned int i = 0; i < sizeof(syncs); i++) {
		trap_clear();
		__asm__ volatile(TRAP_CATCH("outb %%al, %0")
				 : : "i"(EV_PORT_SYNC), "a"(syncs[i]) : "r11", "memory");
		report(EK_EXC_VEC(i), trap_vector() == TRAP_NONE ? EV_NONE :
				      (uint64_t)trap_vector());
		report(EK_EXC_ERR(i), trap_error());
	}
}

static void do_hlt_block(void)
{
	__asm__ volatile("sti" ::: "memory");
	sync_point(EV_SYNC_HALTING);
	__asm__ volatile("hlt" ::: "memory");
	__asm__ volatile("cli" ::: "memory");
	report(EK_HLT_IRQS, irq_count[EV_VEC_HLT]);
	report(EK_ORDER_TOTAL, irq_total);
}

/*
 * HLT in a loop until the interrupt came: for HLT not trapped, where the
 * CPU halts in non-root mode and (in Bochs) may leave the HLT state when a
 * host interrupt makes the VM exit.
 */
static void do_hlt_loop(void)
{
	uint64_t rounds = 0;

	sync_point(EV_SYNC_HALTING);
	while (!irq_count[EV_VEC_HLT]) {
		__asm__ volatile("sti; hlt; cli" ::: "memory");
		rounds++;
	}
	report(EK_HLT_IRQS, irq_count[EV_VEC_HLT]);
	report(EK_HLT_ROUNDS, rounds);
	report(EK_ORDER_TOTAL, irq_total);
}

static volatile uint64_t spin_counter;

static noreturn void do_spin(void)
{
	report(EK_SPIN_COUNTER, (uint64_t)&spin_counter);
	report(EK_SPIN_IRQS, (uint64_t)&irq_count[EV_VEC_SPIN]);
	__asm__ volatile("sti" ::: "memory");
	for (;;)
		spin_counter++;
}

int guest_main(unsigned int vcpu, unsigned int nr_vcpus)
{
	uint32_t scenario = inl(EV_PORT_SCENARIO);

	(void)vcpu;
	(void)nr_vcpus;
	trap_init();
	hook_irqs();
	switch (scenario) {
	case EV_RDTSC: do_rdtsc(); break;
	case EV_RDPMC: do_rdpmc(); break;
	case EV_PAUSE: do_pause(); break;
	case EV_DR: do_dr(); break;
	case EV_DESC: do_desc(); break;
	case EV_RDRAND: do_rdrand(); break;
	case EV_CR3: do_cr3(); break;
	case EV_CR8: do_cr8(); break;
	case EV_MTF: do_mtf(); break;
	case EV_EXC: do_exc(); break;
	case EV_CPUID: do_cpuid(); break;
	case EV_MSR: do_msr(); break;
	case EV_HLT_CLI: do_hlt_cli(); break;
	case EV_TSC: report(EK_TSC, rdtsc()); break;
	case EV_IRQ: do_irq(); break;
	case EV_IRQ_STI: do_irq_sti(); break;
	case EV_IRQ_ORDER: do_irq_order(); break;
	case EV_NMI: do_nmi(); break;
	case EV_EXC_INJECT: do_exc_inject(); break;
	case EV_HLT_BLOCK: do_hlt_block(); break;
	case EV_HLT_LOOP: do_hlt_loop(); break;
	case EV_SPIN: do_spin();
	default:
		print("events: unknown scenario\n");
		return 1;
	}
	return 0;
}
