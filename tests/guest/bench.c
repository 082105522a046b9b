// SPDX-License-Identifier: GPL-2.0
/*
 * bench: the guest of pvx's benchmark (tests/selftests/bench.c runs it
 * under pvx and under KVM, the same bytes). It does one operation of
 * bench.h @iter times between two TSC reads and reports the ticks; see
 * bench.h for the protocol.
 */
#include "guest.h"
#include "bench.h"

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	/* LFENCE: the read waits for the instructions before it (SDM RDTSC). */
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static void loop_cpuid(uint64_t n)
{
	for (; n; n--) {
		uint32_t a = 0, b, c = 0, d;

		__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	}
}

static void loop_vmcall(uint64_t n)
{
	for (; n; n--) {
		uint64_t a = BENCH_HYPERCALL;

		__asm__ volatile("vmcall" : "+a"(a) : : "memory");
	}
}

static void loop_out(uint64_t n)
{
	for (; n; n--)
		outl(BENCH_PORT, (uint32_t)n);
}

static void loop_in(uint64_t n)
{
	for (; n; n--)
		(void)inl(BENCH_PORT);
}

static void loop_mmio_write(uint64_t n)
{
	volatile uint32_t *p = (volatile uint32_t *)BENCH_MMIO_GPA;

	for (; n; n--)
		__asm__ volatile("movl %k1, (%0)" : : "r"(p), "r"(n) : "memory");
}

static void loop_mmio_read(uint64_t n)
{
	volatile uint32_t *p = (volatile uint32_t *)BENCH_MMIO_GPA;
	uint32_t v;

	for (; n; n--)
		__asm__ volatile("movl (%1), %0" : "=r"(v) : "r"(p) : "memory");
}

static void loop_mov_dr(uint64_t n)
{
	for (; n; n--)
		__asm__ volatile("mov %0, %%dr0" : : "r"(n) : "memory");
}

static void loop_wrmsr_kgs(uint64_t n)
{
	for (; n; n--)
		__asm__ volatile("wrmsr" : : "c"(0xc0000102), "a"((uint32_t)n),
				 "d"(0) : "memory");
}

static void loop_touch(uint64_t n, uint64_t addr, uint64_t stride)
{
	for (; n; n--, addr += stride)
		*(volatile uint8_t *)addr = 1;
}

/*
 * Interrupts: one gate at BENCH_VECTOR. The handler's first act is to
 * read the TSC (what the latency ends at); with the local APIC on it
 * writes EOI (offset 0xb0, SDM 11.8.5) after that.
 */
struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
};

static struct idt_gate idt[BENCH_VECTOR + 1] __attribute__((aligned(16)));
volatile uint64_t irq_tsc, irq_count;
volatile uint32_t irq_eoi;	/* non-zero: EOI at the local APIC */

void bench_irq(void);
__asm__(".text\n"
	".globl bench_irq\n"
	"bench_irq:\n\t"
	"push %rax\n\t"
	"push %rdx\n\t"
	"rdtsc\n\t"
	"shl $32, %rdx\n\t"
	"or %rdx, %rax\n\t"
	"mov %rax, irq_tsc(%rip)\n\t"
	"incq irq_count(%rip)\n\t"
	"cmpl $0, irq_eoi(%rip)\n\t"
	"je 1f\n\t"
	"mov $0xfee000b0, %rax\n\t"
	"movl $0, (%rax)\n"
	"1:\n\t"
	"pop %rdx\n\t"
	"pop %rax\n\t"
	"iretq\n");

static void irq_setup(uint32_t flags)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint64_t)idt };
	uint64_t addr = (uint64_t)bench_irq;
	uint16_t cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	/* Present, DPL 0, 64-bit interrupt gate (SDM 6.14.1). */
	idt[BENCH_VECTOR] = (struct idt_gate){
		.offset_lo = addr, .selector = cs, .type_attr = 0x8e,
		.offset_mid = addr >> 16, .offset_hi = addr >> 32,
	};
	__asm__ volatile("lidt %0" : : "m"(idtr) : "memory");
	if (flags & BENCH_F_APIC) {
		/* SVR: APIC software enable, spurious vector 0xff (SDM 11.9). */
		*(volatile uint32_t *)(BENCH_APIC_GPA + 0xf0) = 0x1ff;
		irq_eoi = 1;
	}
}

/* Wait for interrupt @i with IF=1: spinning, or in HLT. */
static void irq_wait(uint64_t i, int use_hlt)
{
	if (!use_hlt) {
		__asm__ volatile("sti" : : : "memory");
		while (irq_count == i)
			__asm__ volatile("pause" : : : "memory");
		return;
	}
	for (;;) {
		__asm__ volatile("cli" : : : "memory");
		if (irq_count != i)
			break;
		/* STI's shadow: no interrupt between it and HLT (SDM STI). */
		__asm__ volatile("sti; hlt" : : : "memory");
	}
	__asm__ volatile("sti" : : : "memory");
}

static void loop_irq(const struct bench_params *p, int use_hlt)
{
	irq_setup(p->flags);
	for (uint64_t i = 0; i < p->iter; i++) {
		report(BENCH_KEY_ARM, i);
		irq_wait(i, use_hlt);
		report(BENCH_KEY_IRQ_TSC, irq_tsc);
	}
	__asm__ volatile("cli" : : : "memory");
}

/* @n operations of @p->op; 0 for an op this guest does not know. */
static int timed_loop(const struct bench_params *p, uint64_t n)
{
	switch (p->op) {
	case BENCH_OP_CPUID:
		loop_cpuid(n);
		break;
	case BENCH_OP_VMCALL:
		loop_vmcall(n);
		break;
	case BENCH_OP_OUT:
		loop_out(n);
		break;
	case BENCH_OP_IN:
		loop_in(n);
		break;
	case BENCH_OP_MMIO_WRITE:
		loop_mmio_write(n);
		break;
	case BENCH_OP_MMIO_READ:
		loop_mmio_read(n);
		break;
	case BENCH_OP_MOV_DR:
		loop_mov_dr(n);
		break;
	case BENCH_OP_WRMSR_KGS:
		loop_wrmsr_kgs(n);
		break;
	case BENCH_OP_TOUCH:
		loop_touch(n, p->region, p->stride);
		break;
	default:
		return 0;
	}
	return 1;
}

int guest_main(unsigned int vcpu, unsigned int nr_vcpus)
{
	const struct bench_params *p = (const void *)BENCH_PARAMS_GPA;
	uint64_t t0, t1, n = p->iter;

	(void)nr_vcpus;
	if (vcpu)
		halt();
	if (p->op == BENCH_OP_IRQ || p->op == BENCH_OP_HLT_IRQ) {
		loop_irq(p, p->op == BENCH_OP_HLT_IRQ);
		return 0;
	}
	for (uint64_t r = 0; r < p->reps; r++) {
		t0 = rdtsc();
		if (!timed_loop(p, n))
			return 1;
		t1 = rdtsc();
		report(BENCH_KEY_TICKS, t1 - t0);
	}
	return 0;
}
