// SPDX-License-Identifier: GPL-2.0
/*
 * bench: the guest of pvx's benchmark (tests/selftests/bench.c runs it
 * under pvx and under KVM, the same bytes). It does one operation of
 * bench.h @iter times between two TSC reads and reports the ticks; see
 * bench.h for the protocol.
 */
#include "guest.h"
#include "bench.h"
#include "hypercall.h"

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

/* The Xen rows (a VM with PV enabled): 0 if a call failed. */
static int loop_xen_version(uint64_t n, unsigned int per_op)
{
	for (n *= per_op; n; n--)
		if (hypercall2(__HYPERVISOR_xen_version, XENVER_version, 0) <= 0)
			return 0;
	return 1;
}

#define BENCH_MC_ENTRIES	16

static struct multicall_entry bench_mc[BENCH_MC_ENTRIES];

static int loop_multicall(uint64_t n)
{
	for (unsigned int i = 0; i < BENCH_MC_ENTRIES; i++)
		bench_mc[i] = (struct multicall_entry){
			.op = __HYPERVISOR_xen_version,
			.args = { XENVER_version } };
	for (; n; n--)
		if (hypercall2(__HYPERVISOR_multicall, bench_mc,
			       BENCH_MC_ENTRIES) ||
		    (long)bench_mc[BENCH_MC_ENTRIES - 1].result <= 0)
			return 0;
	return 1;
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

static void loop_evtchn_send(uint64_t n, uint32_t port)
{
	struct evtchn_send s = { .port = port };

	for (; n; n--)
		hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_send, &s);
}

static void loop_out_notify(uint64_t n)
{
	for (; n; n--)
		outl(BENCH_NOTIFY_PORT, (uint32_t)n);
}

static void loop_touch(uint64_t n, uint64_t addr, uint64_t stride)
{
	for (; n; n--, addr += stride)
		*(volatile uint8_t *)addr = 1;
}

/*
 * Interrupts: one gate at BENCH_VECTOR. The handler's first act is to
 * read the TSC (what the latency ends at); with the local APIC on it
 * writes EOI (offset 0xb0, SDM 11.8.5) after that; for a Xen upcall it
 * clears vcpu_info[0]'s evtchn_upcall_pending and evtchn_pending_sel and
 * the port's pending bit in shared_info (xen.h), the one port it waits on.
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
volatile uint32_t irq_xen;	/* non-zero: acknowledge Xen's upcall */
volatile uint64_t irq_port;	/* its port */

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
	"cmpl $0, irq_xen(%rip)\n\t"
	"je 2f\n\t"
	"mov $0x700000, %rax\n\t"	/* BENCH_SI_GPA */
	"movb $0, (%rax)\n\t"
	"movq $0, 8(%rax)\n\t"
	"mov irq_port(%rip), %rdx\n\t"
	"lock btr %rdx, 2048(%rax)\n"
	"2:\n\t"
	"pop %rdx\n\t"
	"pop %rax\n\t"
	"iretq\n");

/* shared_info at BENCH_SI_GPA, the upcall on BENCH_VECTOR (xen.h). */
static void xen_upcall_setup(uint64_t port)
{
	struct xen_add_to_physmap m = {
		.domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
		.gpfn = BENCH_SI_GPA >> XEN_PAGE_SHIFT,
	};
	struct xen_hvm_param cb = {
		.domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ,
		.value = (2ULL << HVM_PARAM_CALLBACK_TYPE_SHIFT) | BENCH_VECTOR,
	};

	hypercall2(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, &m);
	hypercall2(__HYPERVISOR_hvm_op, HVMOP_set_param, &cb);
	irq_port = port;
	irq_xen = 1;
}

static void irq_setup(uint32_t flags, uint64_t port)
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
	if (flags & BENCH_F_XEN)
		xen_upcall_setup(port);
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
	irq_setup(p->flags, p->port);
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
	case BENCH_OP_TOUCH:
		loop_touch(n, p->region, p->stride);
		break;
	case BENCH_OP_EVTCHN_SEND:
		loop_evtchn_send(n, p->port);
		break;
	case BENCH_OP_OUT_NOTIFY:
		loop_out_notify(n);
		break;
	case BENCH_OP_XEN_VERSION:
		return loop_xen_version(n, 1);
	case BENCH_OP_XEN_VERSION16:
		return loop_xen_version(n, BENCH_MC_ENTRIES);
	case BENCH_OP_MULTICALL16:
		return loop_multicall(n);
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
