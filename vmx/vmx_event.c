// SPDX-License-Identifier: GPL-2.0
/*
 * Events for the guest: external interrupts, NMIs and exceptions that
 * userspace queues, Xen upcalls (pv/pv_evtchn.c) and the local APIC's fixed
 * interrupts (lapic/lapic.c, which keeps their ISR/EOI), delivered by VM-entry
 * event injection (SDM 26.6), and the halted state that waits for them.
 *
 * Interrupts and NMIs may be queued from any thread while the vCPU runs.
 * The vCPU thread publishes the CPU it is about to enter the guest on
 * (events.guest_cpu) and then looks at the queue, with interrupts off; a
 * queuing thread sets its bit and then reads guest_cpu. One of the two
 * sees the other: either the vCPU finds the event before the entry, or
 * the queuer IPIs a CPU whose pending interrupt makes the guest exit at
 * once (external-interrupt exiting).
 *
 * An event is injected only when the guest can take it (SDM 6.8.3, 26.3.1.5:
 * RFLAGS.IF and no STI or MOV SS shadow for an interrupt, no NMI blocking
 * or MOV SS shadow for an NMI); otherwise the interrupt-window or
 * NMI-window control makes the CPU exit at the first instant it can
 * (SDM 25.2), and the next entry injects it.
 *
 * vmx_events_inject() runs before every entry, fast exits included, and
 * its usual answer is "nothing": that answer takes no call (the IRR words
 * ORed, the upcall flag and the APIC's enable read inline), 50 ticks less
 * on every fast exit in the bench box (CPUID 387 -> 336).
 */
#include <linux/bitmap.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/wait.h>
#include <asm/irq_vectors.h>
#include <asm/processor-flags.h>
#include <asm/vmx.h>

#include "vmx.h"
#include "vmx_ops.h"
#include "../core/pvx.h"
#include "../core/pvx_trace.h"

#define VMX_WINDOWS	(CPU_BASED_INTR_WINDOW_EXITING | \
			 CPU_BASED_NMI_WINDOW_EXITING)

/**
 * vmx_events_init() - a new vCPU has nothing queued and is not in a guest.
 * @vcpu: the vCPU.
 */
void vmx_events_init(struct pvx_vcpu *vcpu)
{
	init_waitqueue_head(&vcpu->events.wq);
	vcpu->events.guest_cpu = -1;
}

/* Four words ORed inline: bitmap_empty() of 256 bits is a call and a loop. */
static bool vmx_irr_empty(struct pvx_events *ev)
{
	const unsigned long *irr = ev->irr;

	BUILD_BUG_ON(ARRAY_SIZE(ev->irr) != 4);
	return !(READ_ONCE(irr[0]) | READ_ONCE(irr[1]) | READ_ONCE(irr[2]) |
		 READ_ONCE(irr[3]));
}

/**
 * vmx_events_kick() - make the vCPU notice an event just queued (here, or
 * by pv/: a Xen upcall): wake it, or IPI its CPU.
 * @vcpu: the vCPU, from any context.
 */
void vmx_events_kick(struct pvx_vcpu *vcpu)
{
	int cpu, me;

	/* Order the queue's bit before the read of guest_cpu (see above). */
	smp_mb__after_atomic();
	wake_up_interruptible(&vcpu->events.wq);
	cpu = READ_ONCE(vcpu->events.guest_cpu);
	me = get_cpu();
	if (cpu >= 0 && cpu != me)
		smp_send_reschedule(cpu);
	put_cpu();
}

/**
 * vmx_queue_interrupt() - PVX_INTERRUPT: queue external interrupt @vector.
 * @vcpu: the vCPU, from any thread.
 * @vector: 32..255.
 *
 * Return: 0, or -EINVAL for another vector.
 */
int vmx_queue_interrupt(struct pvx_vcpu *vcpu, u32 vector)
{
	if (vector < 32 || vector > 255)
		return -EINVAL;
	set_bit(vector, vcpu->events.irr);
	vmx_events_kick(vcpu);
	return 0;
}

/**
 * vmx_queue_nmi() - PVX_NMI: queue an NMI (one can be pending).
 * @vcpu: the vCPU, from any thread.
 *
 * Return: 0, or -EOPNOTSUPP when the CPU has no virtual NMIs (pvx could
 * not tell when the guest's NMI handler ends).
 */
int vmx_queue_nmi(struct pvx_vcpu *vcpu)
{
	if (!(vmx_ctls.pin & PIN_BASED_VIRTUAL_NMIS))
		return -EOPNOTSUPP;
	set_bit(0, &vcpu->events.nmi);
	vmx_events_kick(vcpu);
	return 0;
}

/**
 * vmx_queue_exception() - PVX_INJECT_EXCEPTION.
 * @vcpu: the vCPU, from its ioctl (not running).
 * @e: the exception, copied from userspace.
 *
 * Return: 0, -EINVAL for an exception the ABI does not take, -EBUSY if one
 * is already waiting.
 */
int vmx_queue_exception(struct pvx_vcpu *vcpu, const struct pvx_exception *e)
{
	struct pvx_events *ev = &vcpu->events;
	bool has_error = e->flags & PVX_EXCEPTION_HAS_ERROR_CODE;

	if ((e->flags & ~PVX_EXCEPTION_HAS_ERROR_CODE) || e->padding ||
	    e->vector >= 32 || !(PVX_EXC_INJECTABLE & BIT(e->vector)) ||
	    has_error != !!(PVX_EXC_ERROR_CODE & BIT(e->vector)) ||
	    (!has_error && e->error_code))
		return -EINVAL;
	if (ev->exception)
		return -EBUSY;
	/* Delivered on the next entry, even to a halted guest. */
	ev->halted = false;
	ev->exception = true;
	ev->exc_vector = e->vector;
	ev->exc_has_error = has_error;
	ev->exc_error = e->error_code;
	return 0;
}

/**
 * vmx_clear_events() - PVX_CLEAR_EVENTS.
 * @vcpu: the vCPU, loaded, from its ioctl (not running).
 * @flags: PVX_CLEAR_* bits, checked by the caller.
 *
 * The injection lives in the VMCS's VM-entry interruption-information
 * field: a VM exit clears its valid bit (SDM 24.8.3), a VMfail of
 * VMLAUNCH/VMRESUME does not, so an event the CPU refused stays there.
 */
void vmx_clear_events(struct pvx_vcpu *vcpu, u32 flags)
{
	struct pvx_events *ev = &vcpu->events;

	if (flags & PVX_CLEAR_INJECTION)
		vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	if (flags & PVX_CLEAR_EXCEPTION)
		ev->exception = false;
	if (flags & PVX_CLEAR_NMI)
		clear_bit(0, &ev->nmi);
	if (flags & PVX_CLEAR_INTERRUPTS)
		bitmap_zero(ev->irr, 256);
}

/* A Xen upcall or an APIC interrupt to deliver (the calls behind them). */
static noinline bool vmx_events_queued_calls(struct pvx_vcpu *vcpu)
{
	u8 upcall;

	return pv_upcall_vector(vcpu, &upcall) ||
	       lapic_pending_vector(vcpu) >= 0;
}

/**
 * vmx_events_queued() - is an interrupt or NMI waiting to be injected?
 * @vcpu: the vCPU.
 *
 * Asked after every fast exit: the usual "no" costs no call (each source's
 * first test inline: no upcall flag in vcpu_info, no local APIC enabled).
 */
bool vmx_events_queued(struct pvx_vcpu *vcpu)
{
	if (READ_ONCE(vcpu->events.nmi) || !vmx_irr_empty(&vcpu->events))
		return true;
	if (likely(!pv_upcall_pending(&vcpu->pv) &&
		   !READ_ONCE(vcpu->lapic.enabled)))
		return false;
	return vmx_events_queued_calls(vcpu);
}

/**
 * vmx_events_deliverable() - would a queued event end a HLT?
 * @vcpu: the vCPU.
 * @if_set: the guest's RFLAGS.IF: without it only an NMI would.
 */
bool vmx_events_deliverable(struct pvx_vcpu *vcpu, bool if_set)
{
	return if_set ? vmx_events_queued(vcpu) : READ_ONCE(vcpu->events.nmi);
}

static void vmx_set_windows(struct vmx_vcpu *v, u32 windows)
{
	u32 proc = (v->proc & ~VMX_WINDOWS) | windows;

	if (proc != v->proc) {
		v->proc = proc;
		vmcs_write(CPU_BASED_VM_EXEC_CONTROL, proc);
	}
}

/* An event injected on this entry wakes a guest halted in hardware. */
static void vmx_wake_from_hlt(void)
{
	if (vmcs_read32(GUEST_ACTIVITY_STATE) == GUEST_ACTIVITY_HLT)
		vmcs_write(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
}

/* Deliver @info on this entry. */
static void vmx_inject(struct pvx_vcpu *vcpu, u32 info)
{
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, info | INTR_INFO_VALID_MASK);
	vmx_wake_from_hlt();
}

/* The exception PVX_INJECT_EXCEPTION queued. */
static void vmx_inject_queued_exception(struct pvx_vcpu *vcpu)
{
	struct pvx_events *ev = &vcpu->events;

	vmx_inject_exception(ev->exc_vector, ev->exc_has_error, ev->exc_error);
	vmx_wake_from_hlt();
	ev->exception = false;
	vcpu->stats.injected_exceptions++;
	trace_pvx_inject(vcpu, PVX_TRACE_INJECT_EXCEPTION, ev->exc_vector,
			 ev->exc_has_error ? ev->exc_error : 0);
}

/* Inject the NMI if the guest can take one now. */
static bool vmx_try_inject_nmi(struct pvx_vcpu *vcpu, u32 intr)
{
	/*
	 * Blocking by MOV SS forbids NMI injection (SDM 26.3.1.5); some CPUs
	 * also hold NMIs in an STI shadow, so pvx waits for both to end.
	 */
	if (intr & (GUEST_INTR_STATE_NMI | GUEST_INTR_STATE_MOV_SS |
		    GUEST_INTR_STATE_STI))
		return false;
	clear_bit(0, &vcpu->events.nmi);
	vmx_inject(vcpu, NMI_VECTOR | INTR_TYPE_NMI_INTR);
	vcpu->stats.injected_nmis++;
	trace_pvx_inject(vcpu, PVX_TRACE_INJECT_NMI, NMI_VECTOR, 0);
	return true;
}

/* Can the guest take an external interrupt on this entry? */
static bool vmx_irq_window_open(u32 intr)
{
	return (vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_IF) &&
	       !(intr & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS));
}

static void vmx_inject_irq(struct pvx_vcpu *vcpu, u8 vector)
{
	vmx_inject(vcpu, vector | INTR_TYPE_EXT_INTR);
	vcpu->stats.injected_interrupts++;
	trace_pvx_inject(vcpu, PVX_TRACE_INJECT_IRQ, vector, 0);
}

/* Inject the highest queued vector if the guest can take it now. */
static bool vmx_try_inject_irq(struct pvx_vcpu *vcpu, u32 intr)
{
	unsigned long vector;

	if (!vmx_irq_window_open(intr))
		return false;
	vector = find_last_bit(vcpu->events.irr, 256);
	clear_bit(vector, vcpu->events.irr);
	vmx_inject_irq(vcpu, vector);
	return true;
}

/*
 * A Xen upcall (pv/pv_evtchn.c): the callback vector, while the guest's
 * evtchn_upcall_pending is set, ahead of the queued vectors as Xen orders
 * its callback source before the PIC and LAPIC. It is a level: the
 * injection leaves it set, so it comes again at the next window.
 */
static bool vmx_try_inject_upcall(struct pvx_vcpu *vcpu, u32 intr)
{
	u8 vector;

	if (!pv_upcall_vector(vcpu, &vector) || !vmx_irq_window_open(intr))
		return false;
	vmx_inject_irq(vcpu, vector);
	return true;
}

/*
 * The local APIC's highest fixed interrupt above its PPR (lapic/lapic.c),
 * after the Xen upcall as Xen orders them: it goes to ISR and waits there
 * for the guest's EOI.
 */
static bool vmx_try_inject_lapic(struct pvx_vcpu *vcpu, u32 intr)
{
	int vector = lapic_pending_vector(vcpu);

	if (vector < 0 || !vmx_irq_window_open(intr))
		return false;
	lapic_accept(vcpu, vector);
	vmx_inject_irq(vcpu, vector);
	return true;
}

/* What is still queued after this entry's injection waits for a window. */
static u32 vmx_windows_needed(struct pvx_vcpu *vcpu)
{
	struct pvx_events *ev = &vcpu->events;
	u8 upcall;

	return (READ_ONCE(ev->nmi) ? CPU_BASED_NMI_WINDOW_EXITING : 0) |
	       (vmx_irr_empty(ev) && !pv_upcall_vector(vcpu, &upcall) &&
		lapic_pending_vector(vcpu) < 0 ? 0 :
		CPU_BASED_INTR_WINDOW_EXITING);
}

/* vmx_events_inject() with something to do: an event, or a window. */
static noinline void vmx_events_inject_queued(struct pvx_vcpu *vcpu)
{
	struct pvx_events *ev = &vcpu->events;
	struct vmx_vcpu *v = &vcpu->vmx;
	u32 intr;

	if (vmcs_read32(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID_MASK)
		goto windows;
	if (ev->exception) {
		vmx_inject_queued_exception(vcpu);
		goto windows;
	}
	intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
	if (READ_ONCE(ev->nmi) && vmx_try_inject_nmi(vcpu, intr))
		goto windows;
	if (vmx_try_inject_upcall(vcpu, intr))
		goto windows;
	if (vmx_try_inject_lapic(vcpu, intr))
		goto windows;
	if (!vmx_irr_empty(ev))
		vmx_try_inject_irq(vcpu, intr);
windows:
	vmx_set_windows(v, vmx_windows_needed(vcpu));
}

/**
 * vmx_events_inject() - inject what the guest can take on this entry.
 * @vcpu: the vCPU, loaded, interrupts off, events.guest_cpu published.
 *
 * Priority: an event whose delivery a VM exit interrupted (already in
 * VM_ENTRY_INTR_INFO_FIELD), then a queued exception, then an NMI, then
 * a Xen upcall, then the local APIC's vector, then the highest queued
 * vector. One event per entry; the rest wait for
 * the window controls.
 */
void vmx_events_inject(struct pvx_vcpu *vcpu)
{
	struct vmx_vcpu *v = &vcpu->vmx;

	/* The usual case (after every fast exit): nothing, no window. */
	if (likely(!vcpu->events.exception && !vmx_events_queued(vcpu))) {
		if (unlikely(v->proc & VMX_WINDOWS))
			vmx_set_windows(v, 0);
		return;
	}
	vmx_events_inject_queued(vcpu);
}

/*
 * Does the halted vCPU go on? After HLT (IF=1) for any queued event; in
 * Xen's SCHEDOP_block or _poll for an interrupt or NMI, or what
 * pv_vcpu_woken() says of the upcall and the polled ports.
 */
static bool vmx_events_wake(struct pvx_vcpu *vcpu)
{
	if (!pv_vcpu_blocked(vcpu))
		return vmx_events_queued(vcpu);
	return READ_ONCE(vcpu->events.nmi) || !vmx_irr_empty(&vcpu->events) ||
	       pv_vcpu_woken(vcpu);
}

/**
 * vmx_events_block() - the guest is halted: sleep until an event for it.
 * @vcpu: the vCPU, interrupts on.
 *
 * A guest halted by Xen's SCHEDOP_block or _poll (pv/pv_sched.c) also
 * wakes for what pv_vcpu_woken() says.
 *
 * Return: 1 to enter the guest (which takes the event), or -EINTR with
 * PVX_EXIT_INTR for a signal; the guest stays halted, and the next
 * PVX_RUN waits again.
 */
int vmx_events_block(struct pvx_vcpu *vcpu)
{
	struct pvx_events *ev = &vcpu->events;

	if (wait_event_interruptible(ev->wq, vmx_events_wake(vcpu))) {
		vcpu->run->exit_reason = PVX_EXIT_INTR;
		return -EINTR;
	}
	pv_vcpu_unblock(vcpu);
	ev->halted = false;
	vcpu->stats.halt_wakeups++;
	return 1;
}
