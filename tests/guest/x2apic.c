// SPDX-License-Identifier: GPL-2.0
/*
 * The x2apic guest: drives the local APIC pvx emulates in x2APIC mode
 * (lapic/lapic.c) and the absent-device behaviour of PVX_PLATFORM_NULL_IO
 * (platform/platform.c), and reports what it saw; the host test
 * (x2apic_test.c) judges. In the order below:
 *  - IA32_APIC_BASE, ID, VERSION, LDR (or the #GP without an APIC);
 *  - with IF = 0 a SELF IPI of 0x50 sits in IRR, not ISR; TPR 0x60 keeps
 *    it there with IF = 1 (PPR = TPR); TPR 0 lets it in: its handler sees
 *    it in ISR, PPR 0x50, and sends itself 0x40 through the ICR, which
 *    waits in IRR (lower class) until the handler's EOI; then an ICR
 *    fixed IPI of 0x80 to its own APIC id; ISR is empty after all EOIs;
 *  - #GP for a write to ID, a read of EOI, a non-zero EOI write; ESR's
 *    "send illegal vector" after a self IPI of vector 5;
 *  - TCCR counts down after TMICT;
 *  - unclaimed ports read all ones at each size, a claimed one reaches
 *    the host, unclaimed MMIO reads all ones and drops a write, a loop of
 *    10000 reads of port 0x61 (the host counts I/O exits), and "E9" on
 *    port 0xE9 for the Xen console;
 *  - INIT, then two SIPIs with vector 8 to APIC id 1: vCPU 1 (which the
 *    host created and runs) starts once, in real mode at 0x8000, where the
 *    host put its code; its first start ends in CLI; HLT, which takes it
 *    down (VCPUOP_is_up 0, Xen's hvm_hlt() rule), and a second INIT-SIPI-
 *    SIPI starts it again.
 */
#include "guest.h"
#include "hypercall.h"
#include "trap.h"
#include "x2apic.h"

static volatile uint64_t order;
static volatile unsigned int order_n, mid_calls;

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v),
			 "d"((uint32_t)(v >> 32)) : "memory");
}

/* RDMSR that may fault: the vector, or XA_NONE with *@v set. */
static uint64_t rdmsr_catch(uint32_t msr, uint64_t *v)
{
	uint32_t lo = 0, hi = 0;

	trap_clear();
	__asm__ volatile(TRAP_CATCH("rdmsr")
			 : "+a"(lo), "+d"(hi) : "c"(msr) : "r11", "memory");
	*v = (uint64_t)hi << 32 | lo;
	return trap_vector() == TRAP_NONE ? XA_NONE : (uint64_t)trap_vector();
}

static uint64_t wrmsr_catch(uint32_t msr, uint64_t v)
{
	trap_clear();
	__asm__ volatile(TRAP_CATCH("wrmsr")
			 : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			 : "r11", "memory");
	return trap_vector() == TRAP_NONE ? XA_NONE : (uint64_t)trap_vector();
}

static void record(unsigned int vector)
{
	order |= (uint64_t)vector << (8 * order_n++);
}

static void low_handler(struct trap_frame *f)
{
	(void)f;
	record(XA_VEC_LOW);
	wrmsr(0x80b, 0);
}

static void mid_handler(struct trap_frame *f)
{
	(void)f;
	mid_calls++;
	record(XA_VEC_MID);
	report(XK_ISR_IN_HANDLER, rdmsr(0x812));
	report(XK_PPR_IN_HANDLER, rdmsr(0x80a));
	/* ICR: fixed, shorthand self (bits 19:18 = 01), vector 0x40. */
	wrmsr(0x830, (1ULL << 18) | XA_VEC_LOW);
	report(XK_IRR_LOW_IN_HANDLER, rdmsr(0x822));
	wrmsr(0x80b, 0);
}

static void high_handler(struct trap_frame *f)
{
	(void)f;
	record(XA_VEC_HIGH);
	wrmsr(0x80b, 0);
}

static void apic_ids(void)
{
	uint64_t v;

	report(XK_APIC_BASE, rdmsr_catch(0x1b, &v) == XA_NONE ? v : XA_NONE);
	report(XK_ID_GP, rdmsr_catch(0x802, &v));
	if (trap_vector() != TRAP_NONE)
		return;		/* no x2APIC: nothing more to read */
	report(XK_ID, v);
	report(XK_VERSION, rdmsr(0x803));
	report(XK_LDR, rdmsr(0x80d));
}

static void priorities(void)
{
	trap_set_hook(XA_VEC_LOW, low_handler);
	trap_set_hook(XA_VEC_MID, mid_handler);
	trap_set_hook(XA_VEC_HIGH, high_handler);
	wrmsr(0x80f, 0x1ff);		/* SVR: enabled, spurious 0xff */
	__asm__ volatile("cli");
	wrmsr(0x83f, XA_VEC_MID);	/* SELF IPI */
	report(XK_IRR_PENDING, rdmsr(0x822));
	report(XK_ISR_BEFORE, rdmsr(0x812));
	wrmsr(0x808, 0x60);		/* TPR class 6 > 5: masked */
	__asm__ volatile("sti; nop; nop; cli" ::: "memory");
	report(XK_MASKED_COUNT, mid_calls);
	report(XK_PPR_TPR, rdmsr(0x80a));
	wrmsr(0x808, 0);
	__asm__ volatile("sti; nop; nop; cli" ::: "memory");
	/* ICR: fixed, physical destination = our id (0), vector 0x80. */
	wrmsr(0x830, XA_VEC_HIGH);
	__asm__ volatile("sti; nop; nop; cli" ::: "memory");
	report(XK_ORDER, order);
	report(XK_ISR_AFTER, rdmsr(0x812) | rdmsr(0x814));
}

static void errors(void)
{
	uint64_t v;

	report(XK_RO_WRITE_GP, wrmsr_catch(0x802, 5));
	report(XK_EOI_READ_GP, rdmsr_catch(0x80b, &v));
	report(XK_EOI_NONZERO_GP, wrmsr_catch(0x80b, 1));
	wrmsr(0x83f, 5);
	wrmsr(0x828, 0);		/* latch ESR */
	report(XK_ESR_ILLEGAL, rdmsr(0x828));
	wrmsr(0x83e, 0xb);		/* divide by 1 */
	wrmsr(0x838, 0xffffffff);
	report(XK_TCCR_FIRST, rdmsr(0x839));
	for (volatile int i = 0; i < 1000; i++)
		;
	report(XK_TCCR_SECOND, rdmsr(0x839));
}

static void absent_devices(void)
{
	uint16_t w = 0;

	report(XK_IN_PIC, inb(0x21));
	report(XK_IN_PCI, inl(0xcf8));
	__asm__ volatile("inw %1, %0" : "+a"(w) : "Nd"((uint16_t)0x80));
	report(XK_IN_WORD, w);
	report(XK_IN_CLAIMED, inl(XA_PORT_CLAIMED));
	outb(0x80, 0x11);		/* dropped */
	*(volatile uint32_t *)XA_MMIO_ABSENT = 0x12345678;	/* dropped */
	report(XK_MMIO_READ, *(volatile uint32_t *)XA_MMIO_ABSENT);
	for (int i = 0; i < 10000; i++)
		(void)inb(0x61);
	report(XK_LOOP_DONE, 1);
	outb(0xe9, 'E');
	outb(0xe9, '9');
	outb(0xe9, '\n');
}

/* ICR: INIT (mode 5, level assert), then SIPI (mode 6) twice, to id 1. */
static void start_ap(void)
{
	wrmsr(0x830, (1ULL << 32) | (5 << 8) | (1 << 14));
	wrmsr(0x830, (1ULL << 32) | (6 << 8) | XA_SIPI_VECTOR);
	wrmsr(0x830, (1ULL << 32) | (6 << 8) | XA_SIPI_VECTOR);
}

/*
 * vCPU 1 counts its starts at XA_AP_RUNS_GPA; its first ends in CLI; HLT.
 * Once it counted one, wait until it is down (VCPUOP_is_up(1) 0), then
 * start it again.
 */
static void restart_ap(void)
{
	volatile uint8_t *runs = (volatile uint8_t *)XA_AP_RUNS_GPA;
	long up = 1;

	for (unsigned long i = 0; i < 1000000000UL && *runs == 0; i++)
		__asm__ volatile("pause");
	for (unsigned long i = 0; i < 1000000UL && up == 1; i++)
		up = hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 1, 0);
	report(XK_AP_DOWN, up);
	start_ap();
}

int guest_main(unsigned int vcpu, unsigned int nr_vcpus)
{
	(void)vcpu;
	(void)nr_vcpus;
	trap_init();
	apic_ids();
	if (inl(XA_PORT_SCENARIO) == XA_NO_PLATFORM)
		return 0;
	priorities();
	errors();
	absent_devices();
	start_ap();
	restart_ap();
	return 0;
}
