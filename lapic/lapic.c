// SPDX-License-Identifier: GPL-2.0
/*
 * A local APIC in x2APIC mode, emulated through its MSRs, for VMs created
 * with PVX_PLATFORM_X2APIC. Source: SDM vol. 3A chapter 10 ("Advanced
 * Programmable Interrupt Controller"), 10.12 for x2APIC mode.
 *
 * The rules kept here:
 *  - x2APIC mode from reset: IA32_APIC_BASE reads 0xFEE00000 | EN | EXTD,
 *    with BSP on vCPU 0, and accepts only that value: the xAPIC MMIO page
 *    is never in use, and leaving x2APIC mode is not offered.
 *  - Register MSR 0x800 + (xAPIC offset >> 4) (10.12.1.2, Table 10-6);
 *    RDMSR of a write-only register (EOI, SELF IPI), WRMSR of a read-only
 *    one (ID, VERSION, PPR, LDR, ISR, TMR, IRR, TCCR) or of a non-zero
 *    value to EOI or ESR, and any MSR not in the table are #GP.
 *  - ID = the vCPU id; LDR = cluster (id >> 4) in 31:16, bit (id & 15)
 *    in 15:0 (10.12.10.2).
 *  - Fixed interrupts (IPIs from any vCPU, self IPIs) wait in IRR; the
 *    highest one whose priority class (vector >> 4) is above PPR's is
 *    injected through the vCPU's injection path (vmx/vmx_event.c), and
 *    moves to ISR until EOI clears the highest ISR bit. PPR = TPR when
 *    TPR's class is at least that of the highest ISR vector, else that
 *    vector's class (10.8.3.1). A software-disabled APIC (SVR bit 8 clear)
 *    holds its IRR back. Vectors 0-15 are illegal: ESR "send illegal
 *    vector" (10.5.3).
 *  - Start-up (10.4.4, 10.6.1): vCPUs other than 0 wait for a start-up
 *    IPI from creation, like application processors after reset; INIT
 *    (level assert) makes any vCPU wait again; a SIPI to a waiting vCPU
 *    starts it in real mode at vector << 12 (vmx_start_at_sipi()); a SIPI
 *    to a vCPU that does not wait is ignored, as is a second one.
 *  - HLT with interrupts off takes the vCPU down, to wait for INIT-SIPI
 *    again, as Xen's hvm_hlt() does for an HVM vCPU (hvm_vcpu_down():
 *    "halt with interrupts disabled ... we want to shut down"); that is
 *    how Linux parks an offlined CPU (hlt_play_dead()) and the others at
 *    halt or poweroff. The last vCPU up does not go down: it exits to
 *    userspace (PVX_EXIT_HLT), where Xen would power the domain off. The
 *    VM counts its vCPUs up (pvx_vm.vcpus_up) to know which is last.
 *  - The LVTs are stored with their writable bits; no LVT source fires.
 *    The timer counts down from TMICT at 1 GHz / the TDCR divisor so that
 *    TCCR reads move (periodic mode reloads), but raises no interrupt:
 *    a Xen PVH guest's clockevent is the PV timer.
 */
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <asm/apicdef.h>
#include <asm/msr-index.h>

#include "lapic.h"
#include "../core/pvx.h"
#include "../vmx/vmx.h"

#define X2APIC_MSR(off)		(APIC_BASE_MSR + ((off) >> 4))

/* VERSION: an integrated APIC (0x14) with LVT entries 0..5 (10.4.8). */
#define LAPIC_VERSION		(0x14 | ((LAPIC_NR_LVT - 1) << 16))
#define LAPIC_SVR_BITS		0x11ff	/* vector, APIC enable, EOI-bcast suppress */
#define LAPIC_SVR_ENABLE	BIT(8)
#define LAPIC_LVT_MASKED	BIT(16)
#define LAPIC_ESR_SEND_ILLEGAL	BIT(5)

/* ICR (10.6.1, 10.12.9): delivery mode 10:8, logical 11, shorthand 19:18. */
#define ICR_MODE(icr)		(((icr) >> 8) & 7)
#define ICR_LOGICAL		BIT(11)
#define ICR_SHORTHAND(icr)	(((icr) >> 18) & 3)
#define ICR_DEST(icr)		((u32)((icr) >> 32))
#define ICR_BITS		(0xfffULL | (3ULL << 14) | (3ULL << 18) | \
				 (0xffffffffULL << 32))
#define ICR_LEVEL_ASSERT	BIT(14)
enum { ICR_FIXED, ICR_LOWEST, ICR_SMI, ICR_NMI = 4, ICR_INIT, ICR_SIPI,
       ICR_EXTINT };
enum { SH_NONE, SH_SELF, SH_ALL, SH_OTHERS };

/* Writable bits of each LVT (10.5.1 figure 10-8), in MSR order from 0x832. */
static const u32 lvt_bits[LAPIC_NR_LVT] = {
	0x700ff,	/* timer: vector, mask, mode 18:17 */
	0x107ff,	/* thermal: vector, delivery mode, mask */
	0x107ff,	/* performance counters */
	0x1a7ff,	/* LINT0: vector, mode, polarity, trigger, mask */
	0x1a7ff,	/* LINT1 */
	0x100ff,	/* error: vector, mask */
};

/**
 * lapic_init() - the APIC of a new vCPU, as after RESET (10.4.7.1): LVTs
 * masked, SVR 0xFF (software-disabled), everything else 0.
 * @vcpu: the vCPU, being created; its VM's platform is fixed by now.
 */
void lapic_init(struct pvx_vcpu *vcpu)
{
	struct pvx_lapic *a = &vcpu->lapic;
	int i;

	a->enabled = vcpu->vm->platform.flags & PVX_PLATFORM_X2APIC;
	a->svr = 0xff;
	if (a->enabled && vcpu->id)
		set_bit(LAPIC_WAIT_SIPI, &a->startup);
	else if (a->enabled)
		atomic_inc(&vcpu->vm->vcpus_up);
	for (i = 0; i < LAPIC_NR_LVT; i++)
		a->lvt[i] = LAPIC_LVT_MASKED;
}

/**
 * lapic_apic_base() - IA32_APIC_BASE of a vCPU with an APIC.
 * @vcpu: the vCPU.
 */
u64 lapic_apic_base(struct pvx_vcpu *vcpu)
{
	return APIC_DEFAULT_PHYS_BASE | X2APIC_ENABLE |
	       MSR_IA32_APICBASE_ENABLE |
	       (vcpu->id == 0 ? MSR_IA32_APICBASE_BSP : 0);
}

static u32 lapic_ldr(unsigned int id)
{
	return ((id >> 4) << 16) | BIT(id & 15);
}

/* Highest set bit of a 256-bit vector register, or -1. */
static int lapic_highest(const unsigned long *reg)
{
	unsigned long v = find_last_bit(reg, 256);

	return v < 256 ? v : -1;
}

static u32 lapic_ppr(struct pvx_lapic *a)
{
	int isrv = lapic_highest(a->isr);
	u32 isr_class = isrv < 0 ? 0 : isrv & 0xf0;

	return (a->tpr & 0xf0) >= isr_class ? a->tpr & 0xff : isr_class;
}

/**
 * lapic_pending_vector() - the vector the APIC would deliver now.
 * @vcpu: the vCPU, on its thread.
 *
 * Return: the highest IRR vector above PPR's class, or -1.
 */
int lapic_pending_vector(struct pvx_vcpu *vcpu)
{
	struct pvx_lapic *a = &vcpu->lapic;
	int v;

	if (likely(!a->enabled) || !(a->svr & LAPIC_SVR_ENABLE))
		return -1;
	v = lapic_highest(a->irr);
	if (v < 0 || (v & 0xf0) <= (lapic_ppr(a) & 0xf0))
		return -1;
	return v;
}

/**
 * lapic_accept() - @vector is being injected: it leaves IRR for ISR.
 * @vcpu: the vCPU, on its thread.
 * @vector: what lapic_pending_vector() returned.
 */
void lapic_accept(struct pvx_vcpu *vcpu, u8 vector)
{
	clear_bit(vector, vcpu->lapic.irr);
	__set_bit(vector, vcpu->lapic.isr);
}

/* Request a fixed interrupt on @t, from any thread. */
static void lapic_set_irr(struct pvx_vcpu *t, u8 vector)
{
	set_bit(vector, t->lapic.irr);
	vmx_events_kick(t);
}

static bool lapic_dest_matches(struct pvx_vcpu *t, u32 dest, bool logical)
{
	u32 ldr = lapic_ldr(t->id);

	if (dest == 0xffffffff)		/* broadcast (10.12.9) */
		return true;
	if (!logical)
		return dest == t->id;
	return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
}

static bool lapic_is_target(struct pvx_vcpu *src, struct pvx_vcpu *t, u64 icr)
{
	switch (ICR_SHORTHAND(icr)) {
	case SH_SELF:
		return t == src;
	case SH_ALL:
		return true;
	case SH_OTHERS:
		return t != src;
	default:
		return lapic_dest_matches(t, ICR_DEST(icr), icr & ICR_LOGICAL);
	}
}

/* INIT (level assert; the de-assert does nothing) and SIPI to @t. */
static void lapic_startup_ipi(struct pvx_vcpu *t, u32 mode, u64 icr)
{
	struct pvx_lapic *a = &t->lapic;

	if (mode == ICR_INIT) {
		if ((icr & ICR_LEVEL_ASSERT) &&
		    !test_and_set_bit(LAPIC_WAIT_SIPI, &a->startup))
			atomic_dec(&t->vm->vcpus_up);
	} else if (lapic_waits_sipi(a) &&
		   !test_bit(LAPIC_SIPI, &a->startup)) {
		a->sipi_vector = icr;
		set_bit(LAPIC_SIPI, &a->startup);	/* after the vector */
	}
	vmx_events_kick(t);
}

/**
 * lapic_wait_sipi() - a vCPU waiting for its start-up IPI sleeps until one
 * comes, then starts at its vector.
 * @vcpu: the vCPU, on its thread, in PVX_RUN's loop, interrupts on.
 *
 * Return: 1 to enter the guest, or -EINTR with PVX_EXIT_INTR for a signal
 * (the vCPU still waits; the next PVX_RUN waits again).
 */
int lapic_wait_sipi(struct pvx_vcpu *vcpu)
{
	struct pvx_lapic *a = &vcpu->lapic;

	if (wait_event_interruptible(vcpu->events.wq,
				     test_bit(LAPIC_SIPI, &a->startup))) {
		vcpu->run->exit_reason = PVX_EXIT_INTR;
		return -EINTR;
	}
	smp_rmb();	/* the vector was written before the bit */
	vmx_start_at_sipi(vcpu, a->sipi_vector);
	clear_bit(LAPIC_SIPI, &a->startup);
	if (test_and_clear_bit(LAPIC_WAIT_SIPI, &a->startup))
		atomic_inc(&vcpu->vm->vcpus_up);
	return 1;
}

/* One vCPU fewer up in @vm, unless at most one is up: then false. */
static bool lapic_count_down_unless_last(struct pvx_vm *vm)
{
	int up = atomic_read(&vm->vcpus_up);

	do {
		if (up <= 1)
			return false;
	} while (!atomic_try_cmpxchg(&vm->vcpus_up, &up, up - 1));
	return true;
}

/**
 * lapic_hlt_down() - HLT with interrupts off and nothing to deliver: does
 * the vCPU go down (head comment)?
 * @vcpu: the vCPU, on its thread.
 *
 * Return: true: it now waits for INIT-SIPI (the run loop sleeps in
 * lapic_wait_sipi()); false: it has no APIC or is the last vCPU up, and
 * the HLT goes to userspace.
 */
bool lapic_hlt_down(struct pvx_vcpu *vcpu)
{
	struct pvx_lapic *a = &vcpu->lapic;

	if (!a->enabled)
		return false;
	/* An INIT got here first: it took the vCPU down (and counted it). */
	if (test_and_set_bit(LAPIC_WAIT_SIPI, &a->startup))
		return true;
	if (lapic_count_down_unless_last(vcpu->vm))
		return true;
	/* The last one up: no other vCPU runs to send it an INIT meanwhile. */
	clear_bit(LAPIC_WAIT_SIPI, &a->startup);
	return false;
}

/*
 * Send the IPI @icr describes: fixed, lowest priority (to the first
 * matching vCPU: every vCPU has the same priority here), NMI, INIT and
 * SIPI are delivered; SMI and ExtINT are refused.
 */
static int lapic_send_ipi(struct pvx_vcpu *src, u64 icr)
{
	struct pvx_vm *vm = src->vm;
	u32 mode = ICR_MODE(icr);
	u8 vector = icr;
	bool lowest = mode == ICR_LOWEST;
	int i;

	if (mode == ICR_SMI || mode == ICR_EXTINT || mode == 3)
		return -EINVAL;		/* 3 is reserved */
	if ((mode == ICR_FIXED || mode == ICR_LOWEST) && vector < 16) {
		src->lapic.esr_pending |= LAPIC_ESR_SEND_ILLEGAL;
		return 0;
	}
	for (i = 0; i < PVX_MAX_VCPUS; i++) {
		struct pvx_vcpu *t = READ_ONCE(vm->vcpus[i]);

		if (!t || !lapic_is_target(src, t, icr))
			continue;
		if (mode == ICR_NMI)
			vmx_queue_nmi(t);	/* no virtual NMIs: dropped */
		else if (mode == ICR_INIT || mode == ICR_SIPI)
			lapic_startup_ipi(t, mode, icr);
		else
			lapic_set_irr(t, vector);
		/* Lowest priority: one target, the first that matches. */
		if (lowest)
			break;
	}
	return 0;
}

static void lapic_eoi(struct pvx_lapic *a)
{
	int v = lapic_highest(a->isr);

	if (v >= 0)
		__clear_bit(v, a->isr);
}

/* 32 bits @i of a 256-bit register (ISR, TMR, IRR read as 8 MSRs). */
static u32 lapic_reg_word(const unsigned long *reg, unsigned int i)
{
	return reg[i / (BITS_PER_LONG / 32)] >> (32 * (i % (BITS_PER_LONG / 32)));
}

/* The timer's divisor from TDCR bits 3, 1:0 (10.5.4 figure 10-10). */
static u32 lapic_divisor(u32 tdcr)
{
	u32 v = (tdcr & 3) | ((tdcr & 8) >> 1);

	return 1U << ((v + 1) & 7);
}

static u32 lapic_tccr(struct pvx_lapic *a)
{
	u64 ticks;

	if (!a->tmict)
		return 0;
	ticks = div_u64(ktime_get_ns() - a->tmict_ns, lapic_divisor(a->tdcr));
	if (((a->lvt[0] >> 17) & 3) == 1) {	/* periodic: reloads */
		u32 rem;

		div_u64_rem(ticks, a->tmict, &rem);
		return a->tmict - rem;
	}
	return ticks >= a->tmict ? 0 : a->tmict - ticks;
}

/**
 * lapic_msr_get() - RDMSR of an x2APIC register.
 * @vcpu: the vCPU.
 * @index: 0x800..0x8ff.
 * @val: out.
 *
 * Return: 0, or -EINVAL (#GP) without an APIC or for a register that
 * cannot be read.
 */
int lapic_msr_get(struct pvx_vcpu *vcpu, u32 index, u64 *val)
{
	struct pvx_lapic *a = &vcpu->lapic;
	u32 off = (index - APIC_BASE_MSR) << 4;

	if (!a->enabled)
		return -EINVAL;
	if (off >= APIC_ISR && off < APIC_ISR + 0x80) {
		*val = lapic_reg_word(a->isr, (off - APIC_ISR) >> 4);
		return 0;
	}
	if (off >= APIC_TMR && off < APIC_TMR + 0x80) {
		*val = 0;	/* every interrupt here is edge-triggered */
		return 0;
	}
	if (off >= APIC_IRR && off < APIC_IRR + 0x80) {
		*val = lapic_reg_word(a->irr, (off - APIC_IRR) >> 4);
		return 0;
	}
	if (off >= APIC_LVTT && off <= APIC_LVTERR) {
		*val = a->lvt[(off - APIC_LVTT) >> 4];
		return 0;
	}
	switch (off) {
	case APIC_ID:
		*val = vcpu->id;
		break;
	case APIC_LVR:
		*val = LAPIC_VERSION;
		break;
	case APIC_TASKPRI:
		*val = a->tpr;
		break;
	case APIC_PROCPRI:
		*val = lapic_ppr(a);
		break;
	case APIC_LDR:
		*val = lapic_ldr(vcpu->id);
		break;
	case APIC_SPIV:
		*val = a->svr;
		break;
	case APIC_ESR:
		*val = a->esr;
		break;
	case APIC_ICR:
		*val = a->icr;
		break;
	case APIC_TMICT:
		*val = a->tmict;
		break;
	case APIC_TMCCT:
		*val = lapic_tccr(a);
		break;
	case APIC_TDCR:
		*val = a->tdcr;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

/**
 * lapic_msr_set() - WRMSR of an x2APIC register.
 * @vcpu: the vCPU, on its thread.
 * @index: 0x800..0x8ff.
 * @val: the value.
 *
 * Return: 0, or -EINVAL (#GP) without an APIC, for a read-only register,
 * reserved bits set, or an IPI pvx does not deliver.
 */
int lapic_msr_set(struct pvx_vcpu *vcpu, u32 index, u64 val)
{
	struct pvx_lapic *a = &vcpu->lapic;
	u32 off = (index - APIC_BASE_MSR) << 4;

	if (!a->enabled)
		return -EINVAL;
	if (off >= APIC_LVTT && off <= APIC_LVTERR) {
		u32 bits = lvt_bits[(off - APIC_LVTT) >> 4];

		if (val & ~(u64)bits)
			return -EINVAL;
		/* A software-disabled APIC keeps its LVTs masked (10.4.7.2). */
		if (!(a->svr & LAPIC_SVR_ENABLE))
			val |= LAPIC_LVT_MASKED;
		a->lvt[(off - APIC_LVTT) >> 4] = val;
		return 0;
	}
	switch (off) {
	case APIC_TASKPRI:
		if (val & ~0xffULL)
			return -EINVAL;
		a->tpr = val;
		return 0;
	case APIC_EOI:
		if (val)
			return -EINVAL;
		lapic_eoi(a);
		return 0;
	case APIC_SPIV:
		if (val & ~(u64)LAPIC_SVR_BITS)
			return -EINVAL;
		a->svr = val;
		if (!(val & LAPIC_SVR_ENABLE)) {
			int i;

			for (i = 0; i < LAPIC_NR_LVT; i++)
				a->lvt[i] |= LAPIC_LVT_MASKED;
		}
		return 0;
	case APIC_ESR:
		if (val)
			return -EINVAL;
		a->esr = a->esr_pending;
		a->esr_pending = 0;
		return 0;
	case APIC_ICR:
		if (val & ~ICR_BITS)
			return -EINVAL;
		a->icr = val;
		return lapic_send_ipi(vcpu, val);
	case APIC_TMICT:
		if (val >> 32)
			return -EINVAL;
		a->tmict = val;
		a->tmict_ns = ktime_get_ns();
		return 0;
	case APIC_TDCR:
		if (val & ~0xbULL)
			return -EINVAL;
		a->tdcr = val;
		return 0;
	case APIC_SELF_IPI:
		if (val & ~0xffULL)
			return -EINVAL;
		if (val < 16) {
			a->esr_pending |= LAPIC_ESR_SEND_ILLEGAL;
			return 0;
		}
		lapic_set_irr(vcpu, val);
		return 0;
	default:
		return -EINVAL;
	}
}
