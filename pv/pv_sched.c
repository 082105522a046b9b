// SPDX-License-Identifier: GPL-2.0
/*
 * sched_op (Xen's public sched.h): hypercall 29, sched_op(cmd, arg).
 *
 *  - SCHEDOP_yield: the host CPU goes to another task if one waits.
 *  - SCHEDOP_block: event delivery is re-enabled (vcpu_info's
 *    evtchn_upcall_mask cleared, Xen's local_event_delivery_enable()),
 *    then, unless an event is already pending (evtchn_upcall_pending), the
 *    vCPU sleeps in the run loop's halted state (vmx/vmx_event.c) until a
 *    port raises the upcall flag, or an interrupt is queued: the host CPU
 *    is free meanwhile, and no exit reaches userspace. Xen wakes a blocked
 *    HVM vCPU at every new event whatever its RFLAGS.IF; so does pvx.
 *  - SCHEDOP_poll (struct sched_poll, or its 32-bit layout for a guest
 *    outside 64-bit mode): at most PV_POLL_MAX_PORTS ports (-EINVAL beyond, or
 *    for a port out of range; -EFAULT for the list). It returns at once
 *    if the upcall is deliverable (flag set and RFLAGS.IF, Xen's
 *    local_events_need_delivery() for HVM) or a listed port is pending,
 *    masked or not; else the vCPU sleeps, like block, until one of those
 *    holds, or the absolute system-time timeout (0: none) passes; a
 *    timeout already past returns at once. Returns 0 in every case.
 *  - SCHEDOP_shutdown: PVX_EXIT_PV_SHUTDOWN to userspace with the reason
 *    (pv_vcpu.exit_to_user); the hypercall has returned 0 when the next
 *    PVX_RUN resumes the guest.
 * Other commands: -ENOSYS.
 *
 * The sleeping side: the vCPU thread sets its pv_evtchn_vcpu.block, then
 * (after a full barrier) checks pv_vcpu_woken(); a raiser sets the pending
 * bits, then kicks the vCPU (and every vCPU in the VM's pollers bitmap).
 * One of the two sees the other.
 */
#include <linux/sched.h>
#include <asm/processor-flags.h>
#include <asm/vmx.h>

#include "pv.h"
#include "../core/pvx.h"
#include "../vmx/vmx_ops.h"

static bool pv_upcall_flag(struct pvx_vcpu *vcpu)
{
	struct vcpu_info *vi = READ_ONCE(vcpu->pv.vcpu_info);

	return vi && READ_ONCE(vi->evtchn_upcall_pending);
}

static bool pv_poll_port_pending(struct pvx_vcpu *vcpu)
{
	struct pv_evtchn_vcpu *e = &vcpu->pv.evtchn;
	unsigned int i;

	for (i = 0; i < e->nr_poll; i++)
		if (pv_evtchn_port_pending(vcpu->vm, e->poll_ports[i]))
			return true;
	return false;
}

/**
 * pv_vcpu_blocked() - is the halted vCPU in SCHEDOP_block or _poll?
 * @vcpu: the vCPU, on its own thread.
 */
bool pv_vcpu_blocked(struct pvx_vcpu *vcpu)
{
	return READ_ONCE(vcpu->pv.evtchn.block) != PV_BLOCK_NONE;
}

/**
 * pv_vcpu_woken() - may a vCPU blocked by SCHEDOP_block or _poll go on?
 * @vcpu: the vCPU, on its own thread (the run loop's wait condition).
 *
 * Return: false as well when pv/ did not block it (HLT).
 */
bool pv_vcpu_woken(struct pvx_vcpu *vcpu)
{
	struct pv_evtchn_vcpu *e = &vcpu->pv.evtchn;

	switch (READ_ONCE(e->block)) {
	case PV_BLOCK_EVENT:
		return pv_upcall_flag(vcpu);
	case PV_BLOCK_POLL:
		return READ_ONCE(e->poll_timed_out) ||
		       pv_poll_port_pending(vcpu) ||
		       (e->poll_if && pv_upcall_flag(vcpu));
	default:
		return false;
	}
}

/**
 * pv_vcpu_unblock() - the halted vCPU woke: end its block or poll.
 * @vcpu: the vCPU, on its own thread.
 */
void pv_vcpu_unblock(struct pvx_vcpu *vcpu)
{
	struct pv_evtchn_vcpu *e = &vcpu->pv.evtchn;

	if (e->block == PV_BLOCK_POLL) {
		clear_bit(vcpu->id, vcpu->vm->pv.evtchn.pollers);
		pv_timer_stop(vcpu, &e->poll_timer);
	}
	e->block = PV_BLOCK_NONE;
}

/**
 * pv_poll_timeout() - the poll timer's callback: the poller wakes.
 * @h: pv_evtchn_vcpu.poll_timer's hrtimer.
 */
enum hrtimer_restart pv_poll_timeout(struct hrtimer *h)
{
	struct pv_timer *t = container_of(h, struct pv_timer, hrtimer);
	struct pv_evtchn_vcpu *e = container_of(t, struct pv_evtchn_vcpu,
						poll_timer);
	struct pv_vcpu *pv = container_of(e, struct pv_vcpu, evtchn);
	struct pvx_vcpu *vcpu = container_of(pv, struct pvx_vcpu, pv);

	if (pv_timer_early(vcpu, t))
		return HRTIMER_RESTART;
	WRITE_ONCE(e->poll_timed_out, true);
	vmx_events_kick(vcpu);
	return HRTIMER_NORESTART;
}

/* Sleep in the run loop as @how unless woken already. */
static void pv_sched_sleep(struct pvx_vcpu *vcpu, enum pv_block how)
{
	struct pv_evtchn_vcpu *e = &vcpu->pv.evtchn;

	WRITE_ONCE(e->block, how);
	smp_mb();
	if (pv_vcpu_woken(vcpu)) {
		pv_vcpu_unblock(vcpu);
		return;
	}
	vcpu->events.halted = true;
	vcpu->stats.halt_blocks++;
}

static long pv_sched_block(struct pvx_vcpu *vcpu)
{
	struct vcpu_info *vi = vcpu->pv.vcpu_info;

	if (vi)
		WRITE_ONCE(vi->evtchn_upcall_mask, 0);
	pv_sched_sleep(vcpu, PV_BLOCK_EVENT);
	return 0;
}

/*
 * struct sched_poll from the guest; a 32-bit guest's has a 4-byte handle
 * (Xen's compat layout: ports, nr_ports, timeout at 8).
 */
static int pv_read_poll(struct pvx_vcpu *vcpu, u64 arg, struct sched_poll *p)
{
	u32 c[4];

	if (!pv_guest_compat(vcpu))
		return pv_copy_from_guest(vcpu, p, arg, sizeof(*p));
	if (pv_copy_from_guest(vcpu, c, arg, sizeof(c)))
		return -XEN_EFAULT;
	p->ports = c[0];
	p->nr_ports = c[1];
	p->timeout = c[2] | (u64)c[3] << 32;
	return 0;
}

static long pv_sched_poll(struct pvx_vcpu *vcpu, u64 arg)
{
	struct pv_evtchn_vcpu *e = &vcpu->pv.evtchn;
	struct sched_poll p;
	unsigned int i;

	if (pv_read_poll(vcpu, arg, &p))
		return -XEN_EFAULT;
	if (p.nr_ports > PV_POLL_MAX_PORTS)
		return -XEN_EINVAL;
	if (pv_copy_from_guest(vcpu, e->poll_ports, p.ports,
			       p.nr_ports * sizeof(evtchn_port_t)))
		return -XEN_EFAULT;
	for (i = 0; i < p.nr_ports; i++)
		if (e->poll_ports[i] >= EVTCHN_2L_NR_CHANNELS)
			return -XEN_EINVAL;
	e->nr_poll = p.nr_ports;
	e->poll_if = vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_IF;
	e->poll_timed_out = false;
	if (p.timeout) {
		if (p.timeout <= pv_time_now_ns(vcpu->vm))
			return 0;
		pv_timer_start(vcpu, &e->poll_timer, p.timeout);
	}
	set_bit(vcpu->id, vcpu->vm->pv.evtchn.pollers);
	pv_sched_sleep(vcpu, PV_BLOCK_POLL);
	return 0;
}

static long pv_sched_shutdown(struct pvx_vcpu *vcpu, u64 arg)
{
	struct pvx_run *run = vcpu->run;
	struct sched_shutdown s;

	if (pv_copy_from_guest(vcpu, &s, arg, sizeof(s)))
		return -XEN_EFAULT;
	run->exit_reason = PVX_EXIT_PV_SHUTDOWN;
	run->pv_shutdown.reason = s.reason;
	run->pv_shutdown.padding = 0;
	vcpu->pv.exit_to_user = true;
	return 0;
}

/**
 * pv_do_sched_op() - hypercall 29, sched_op(cmd, arg).
 * @vcpu: the calling vCPU, on its thread, interrupts on.
 * @args: cmd (SCHEDOP_*), the guest address of its argument.
 *
 * Return: 0, or a negative Xen errno (head comment).
 */
long pv_do_sched_op(struct pvx_vcpu *vcpu, const u64 args[5])
{
	switch (args[0]) {
	case SCHEDOP_yield:
		yield();
		return 0;
	case SCHEDOP_block:
		return pv_sched_block(vcpu);
	case SCHEDOP_poll:
		return pv_sched_poll(vcpu, args[1]);
	case SCHEDOP_shutdown:
		return pv_sched_shutdown(vcpu, args[1]);
	default:
		return -XEN_ENOSYS;
	}
}
