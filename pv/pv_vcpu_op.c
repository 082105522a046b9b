// SPDX-License-Identifier: GPL-2.0
/*
 * vcpu_op (Xen's public vcpu.h): hypercall 24, vcpu_op(cmd, vcpuid, arg).
 *
 *  - VCPUOP_register_vcpu_info moves a vCPU's vcpu_info from shared_info
 *    into guest RAM: the guest frame is pinned (pv_guest_page_get) for the
 *    vCPU's life, the 64 bytes must not cross the page (and pvx wants them
 *    8-byte aligned: it updates them with locked bit operations), and it
 *    succeeds once per vCPU (-EINVAL after), as Xen's map_vcpu_info().
 *    The current contents move along, all events are marked pending so
 *    the guest rescans, and the PV clock is filled in at once.
 *  - Timers deliver VIRQ_TIMER to the vCPU from a host hrtimer (Xen's
 *    common/timer.c does the same from its own): set_singleshot_timer at
 *    an absolute system time (the PV clock, pv_time.c); a deadline already
 *    past fires at once (Linux's clockevent BUG_ONs on an error), unless
 *    VCPU_SSHOTTMR_future asks for -ETIME instead. Only the vCPU itself
 *    sets or stops its singleshot timer (-EINVAL otherwise, as Xen). The
 *    periodic timer (default off) takes a period of 1 ms or more.
 *  - is_up: 1 for a vCPU that runs, 0 for one waiting for its start-up
 *    IPI. Xen creates every vCPU down (_VPF_down in common/domain.c) and
 *    brings an HVM/PVH AP up at INIT-SIPI-SIPI (arch/x86/hvm/vlapic.c);
 *    here that wait is lapic/'s (x2APIC VMs; vCPU 0 and the vCPUs of
 *    other VMs run from creation). VCPUOP_up/down are not offered: a PVH
 *    Linux starts and parks its CPUs through the APIC.
 *  - Another vCPU's vcpu_info may be registered (Linux's BSP registers
 *    each AP's before starting it, enlighten_hvm.c xen_cpu_up_prepare_hvm);
 *    its PV clock is written then, from the VM's one TSC-based line, so
 *    every vCPU reads the same system time.
 *  - register_runstate_memory_area is accepted and the area left alone:
 *    zeros read as "running, no steal time" (Linux needs the call to
 *    succeed, drivers/xen/time.c).
 * Other commands: -ENOSYS. An unknown vcpuid: -ENOENT.
 *
 * Timer state (armed, counted in pvx_live.pv_timers) changes under the
 * VM's event-channel lock; hrtimer callbacks run in hard interrupt
 * context and only raise a port.
 */
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/mm.h>

#include "pv.h"
#include "../core/pvx.h"

/* Xen's minimum period (MILLISECS(1) in common/domain.c). */
#define PV_MIN_PERIOD_NS	NSEC_PER_MSEC

/* @t's vCPU: @t is member @off of its pv_evtchn_vcpu. */
static struct pvx_vcpu *pv_timer_vcpu(struct pv_timer *t, size_t off)
{
	struct pv_evtchn_vcpu *e = (void *)t - off;
	struct pv_vcpu *pv = container_of(e, struct pv_vcpu, evtchn);

	return container_of(pv, struct pvx_vcpu, pv);
}

#define PV_TIMER_VCPU(t, member) \
	pv_timer_vcpu(t, offsetof(struct pv_evtchn_vcpu, member))

/* @t's armed flag becomes @on, counted in pvx_live. */
static void pv_timer_mark(struct pvx_vcpu *vcpu, struct pv_timer *t, bool on)
{
	struct pv_evtchn_vm *ev = &vcpu->vm->pv.evtchn;
	unsigned long flags;

	spin_lock_irqsave(&ev->lock, flags);
	if (t->armed != on) {
		t->armed = on;
		atomic_long_add(on ? 1 : -1, &pvx_live.pv_timers);
	}
	spin_unlock_irqrestore(&ev->lock, flags);
}

/**
 * pv_timer_early() - in a timer's callback: did the host clock get there
 * before the PV clock did? Then the timer is moved on by what is left
 * (the PV clock and CLOCK_MONOTONIC need not run at exactly one rate).
 * @vcpu: the timer's vCPU.
 * @t: the timer.
 *
 * Return: true (the callback returns HRTIMER_RESTART), or false: the
 * timer is disarmed and the callback does its work.
 */
bool pv_timer_early(struct pvx_vcpu *vcpu, struct pv_timer *t)
{
	s64 left = t->deadline - pv_time_now_ns(vcpu->vm);

	if (left > 0) {
		hrtimer_forward_now(&t->hrtimer, ns_to_ktime(left));
		return true;
	}
	pv_timer_mark(vcpu, t, false);
	return false;
}

static enum hrtimer_restart pv_singleshot_fire(struct hrtimer *h)
{
	struct pv_timer *t = container_of(h, struct pv_timer, hrtimer);
	struct pvx_vcpu *vcpu = PV_TIMER_VCPU(t, timer);

	if (pv_timer_early(vcpu, t))
		return HRTIMER_RESTART;
	pv_evtchn_send_virq(vcpu, VIRQ_TIMER);
	return HRTIMER_NORESTART;
}

static enum hrtimer_restart pv_periodic_fire(struct hrtimer *h)
{
	struct pv_timer *t = container_of(h, struct pv_timer, hrtimer);
	struct pvx_vcpu *vcpu = PV_TIMER_VCPU(t, periodic);

	pv_evtchn_send_virq(vcpu, VIRQ_TIMER);
	hrtimer_forward_now(h, ns_to_ktime(vcpu->pv.evtchn.period_ns));
	return HRTIMER_RESTART;
}

/**
 * pv_timer_stop() - stop @t (waiting for its callback) and disarm it.
 * @vcpu: the timer's vCPU.
 * @t: the timer.
 */
void pv_timer_stop(struct pvx_vcpu *vcpu, struct pv_timer *t)
{
	hrtimer_cancel(&t->hrtimer);
	pv_timer_mark(vcpu, t, false);
}

/**
 * pv_timer_start() - arm @t at system time @system_ns (pv_sched.c too).
 * @vcpu: the vCPU the timer belongs to.
 * @t: one of its timers.
 * @system_ns: the deadline on the PV clock.
 */
void pv_timer_start(struct pvx_vcpu *vcpu, struct pv_timer *t, u64 system_ns)
{
	s64 delta;

	pv_timer_stop(vcpu, t);
	pv_timer_mark(vcpu, t, true);
	t->deadline = system_ns;
	delta = system_ns - pv_time_now_ns(vcpu->vm);
	hrtimer_start(&t->hrtimer, ktime_add_ns(ktime_get(), max_t(s64, delta, 0)),
		      HRTIMER_MODE_ABS_HARD);
}

static void pv_timer_init(struct pv_timer *t,
			  enum hrtimer_restart (*fn)(struct hrtimer *))
{
	hrtimer_init(&t->hrtimer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	t->hrtimer.function = fn;
}

/**
 * pv_timers_init() - a new vCPU's timers, idle.
 * @vcpu: the vCPU.
 */
void pv_timers_init(struct pvx_vcpu *vcpu)
{
	struct pv_evtchn_vcpu *e = &vcpu->pv.evtchn;

	pv_timer_init(&e->timer, pv_singleshot_fire);
	pv_timer_init(&e->periodic, pv_periodic_fire);
	pv_timer_init(&e->poll_timer, pv_poll_timeout);
}

/**
 * pv_timers_cancel() - stop every timer of @vcpu (teardown).
 * @vcpu: a vCPU; nothing happens if its timers were never set up.
 */
void pv_timers_cancel(struct pvx_vcpu *vcpu)
{
	struct pv_evtchn_vcpu *e = &vcpu->pv.evtchn;

	if (!e->timer.hrtimer.function)
		return;
	pv_timer_stop(vcpu, &e->timer);
	pv_timer_stop(vcpu, &e->periodic);
	pv_timer_stop(vcpu, &e->poll_timer);
}

static long pv_vcpu_register_vcpu_info(struct pvx_vcpu *vcpu,
				       struct pvx_vcpu *target, u64 arg)
{
	struct vcpu_register_vcpu_info r;
	struct page *page;
	long ret;

	if (pv_copy_from_guest(vcpu, &r, arg, sizeof(r)))
		return -XEN_EFAULT;
	if (r.offset > PAGE_SIZE - sizeof(struct vcpu_info) || (r.offset & 7))
		return -XEN_EINVAL;
	if (READ_ONCE(target->pv.vcpu_info_page))
		return -XEN_EINVAL;
	if (pv_guest_page_get(vcpu->vm, r.mfn, true, &page))
		return -XEN_EINVAL;
	ret = pv_evtchn_set_vcpu_info(target, page_address(page) + r.offset,
				      page);
	if (ret) {
		pv_guest_page_put(page, false);
		return ret;
	}
	pv_time_update_vcpu(target);
	pv_time_write_wallclock(vcpu->vm);
	return 0;
}

static long pv_vcpu_set_singleshot(struct pvx_vcpu *vcpu, u64 arg)
{
	struct pv_evtchn_vcpu *e = &vcpu->pv.evtchn;
	struct vcpu_set_singleshot_timer t;

	if (pv_copy_from_guest(vcpu, &t, arg, sizeof(t)))
		return -XEN_EFAULT;
	if (t.timeout_abs_ns < pv_time_now_ns(vcpu->vm)) {
		if (t.flags & VCPU_SSHOTTMR_future)
			return -XEN_ETIME;
		pv_timer_stop(vcpu, &e->timer);
		pv_evtchn_send_virq(vcpu, VIRQ_TIMER);
		return 0;
	}
	pv_timer_start(vcpu, &e->timer, t.timeout_abs_ns);
	return 0;
}

static long pv_vcpu_set_periodic(struct pvx_vcpu *vcpu,
				 struct pvx_vcpu *target, u64 arg)
{
	struct pv_evtchn_vcpu *e = &target->pv.evtchn;
	struct vcpu_set_periodic_timer p;

	if (pv_copy_from_guest(vcpu, &p, arg, sizeof(p)))
		return -XEN_EFAULT;
	if (p.period_ns < PV_MIN_PERIOD_NS || p.period_ns > S64_MAX)
		return -XEN_EINVAL;
	pv_timer_stop(target, &e->periodic);
	e->period_ns = p.period_ns;
	pv_timer_start(target, &e->periodic,
		       pv_time_now_ns(target->vm) + p.period_ns);
	return 0;
}

/* The area is read to check the pointer, then left alone (head comment). */
static long pv_vcpu_runstate_area(struct pvx_vcpu *vcpu, u64 arg)
{
	u64 area;

	return pv_copy_from_guest(vcpu, &area, arg, sizeof(area)) ?
	       -XEN_EFAULT : 0;
}

/**
 * pv_do_vcpu_op() - hypercall 24, vcpu_op(cmd, vcpuid, arg).
 * @vcpu: the calling vCPU.
 * @args: cmd (VCPUOP_*), the target vCPU's id, the guest address of cmd's
 *	argument.
 *
 * Return: 0 (is_up: 1), or a negative Xen errno (head comment).
 */
long pv_do_vcpu_op(struct pvx_vcpu *vcpu, const u64 args[5])
{
	struct pvx_vcpu *target = args[1] < PVX_MAX_VCPUS ?
				  READ_ONCE(vcpu->vm->vcpus[args[1]]) : NULL;
	struct pv_evtchn_vcpu *e;

	if (!target)
		return -XEN_ENOENT;
	e = &target->pv.evtchn;
	switch (args[0]) {
	case VCPUOP_is_up:
		return !lapic_waits_sipi(&target->lapic);
	case VCPUOP_register_vcpu_info:
		return pv_vcpu_register_vcpu_info(vcpu, target, args[2]);
	case VCPUOP_register_runstate_memory_area:
		return pv_vcpu_runstate_area(vcpu, args[2]);
	case VCPUOP_set_singleshot_timer:
		if (target != vcpu)
			return -XEN_EINVAL;
		return pv_vcpu_set_singleshot(vcpu, args[2]);
	case VCPUOP_stop_singleshot_timer:
		if (target != vcpu)
			return -XEN_EINVAL;
		pv_timer_stop(vcpu, &e->timer);
		return 0;
	case VCPUOP_set_periodic_timer:
		return pv_vcpu_set_periodic(vcpu, target, args[2]);
	case VCPUOP_stop_periodic_timer:
		pv_timer_stop(target, &e->periodic);
		return 0;
	default:
		return -XEN_ENOSYS;
	}
}
