/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Event channels (pv_evtchn.c), the per-vCPU timers (pv_vcpu_op.c),
 * blocking (pv_sched.c) and the PV clock (pv_time.c): the state pv.h
 * embeds, and the calls between them and into vmx/.
 */
#ifndef PVX_PV_EVTCHN_H
#define PVX_PV_EVTCHN_H

#include <linux/hrtimer.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/pvx.h>
#include <linux/pvx_xen.h>

struct pvx_vm;
struct pvx_vcpu;
struct pv_evtchn_port;

/* SCHEDOP_poll takes at most this many ports (Xen's limit, sched.c). */
#define PV_POLL_MAX_PORTS	128

/**
 * struct pv_clock - the PV clock of a VM: system time as a linear function
 * of the host TSC (pv_time.c), so that every update agrees with the last.
 * @ref_tsc:	host TSC at system time @ref_ns.
 * @ref_ns:	system time (ns since PVX_PV_ENABLE) at @ref_tsc.
 * @mul, @shift: tsc_to_system_mul/tsc_shift for the TSC rate (tsc_khz).
 * @flags:	XEN_PVCLOCK_TSC_STABLE_BIT if the host TSC is invariant.
 */
struct pv_clock {
	u64 ref_tsc;
	u64 ref_ns;
	u32 mul;
	s8 shift;
	u8 flags;
};

/**
 * struct pv_evtchn_vm - a VM's event channels.
 * @lock:	guards @ports, the vcpu_info pointers' switch and the
 *		pv_evtchn_vcpu fields marked so (any context: irqsave).
 * @ports:	EVTCHN_2L_NR_CHANNELS entries, allocated at PVX_PV_ENABLE.
 * @nr_links:	ports connected to another VM (PVX_EVTCHN_CONNECT), under
 *		pv_evtchn.c's link mutex.
 * @linked:	a port of this VM was ever connected to another VM: its
 *		destruction waits for an RCU grace period.
 * @pollers:	vCPUs in SCHEDOP_poll (bit = vCPU id).
 * @clock:	the PV clock.
 */
struct pv_evtchn_vm {
	spinlock_t lock;
	struct pv_evtchn_port *ports;
	unsigned int nr_links;
	bool linked;
	DECLARE_BITMAP(pollers, PVX_MAX_VCPUS);
	struct pv_clock clock;
};

/* pv_evtchn_vcpu.block: what the halted vCPU waits for. */
enum pv_block {
	PV_BLOCK_NONE,		/* not blocked by pv/ (HLT, or running) */
	PV_BLOCK_EVENT,		/* SCHEDOP_block: any event (upcall pending) */
	PV_BLOCK_POLL,		/* SCHEDOP_poll: its ports, timeout, upcall */
};

/**
 * struct pv_timer - a vCPU's host timer (pv_vcpu_op.c).
 * @hrtimer:	CLOCK_MONOTONIC, hard interrupt context.
 * @deadline:	its deadline on the PV clock (it never fires before).
 * @armed:	counted in pvx_live.pv_timers (under the VM's lock).
 */
struct pv_timer {
	struct hrtimer hrtimer;
	u64 deadline;
	bool armed;
};

/**
 * struct pv_evtchn_vcpu - a vCPU's event state.
 * @timer:	the singleshot timer (VIRQ_TIMER).
 * @periodic:	the periodic timer (VIRQ_TIMER every @period_ns).
 * @poll_timer:	the SCHEDOP_poll timeout.
 * @period_ns:	the periodic timer's period.
 * @virq_port:	the port bound to each per-vCPU VIRQ, 0 for none (lock).
 * @tsc_offset:	the vCPU's TSC_OFFSET, for its PV clock (pv_time.c).
 * @block:	enum pv_block, written by the vCPU's thread.
 * @poll_if:	the guest had RFLAGS.IF set when it called SCHEDOP_poll.
 * @poll_timed_out: the poll timeout passed.
 * @nr_poll:	ports in @poll_ports.
 * @poll_ports:	the ports SCHEDOP_poll waits for.
 */
struct pv_evtchn_vcpu {
	struct pv_timer timer;
	struct pv_timer periodic;
	struct pv_timer poll_timer;
	u64 period_ns;
	evtchn_port_t virq_port[NR_VIRQS];
	u64 tsc_offset;
	u8 block;
	bool poll_if;
	bool poll_timed_out;
	unsigned int nr_poll;
	evtchn_port_t poll_ports[PV_POLL_MAX_PORTS];
};

/* pv_evtchn.c: set-up and teardown (from pv_main.c) */
int pv_evtchn_vm_init(struct pvx_vm *vm);
void pv_evtchn_vm_release(struct pvx_vm *vm);
void pv_evtchn_vm_destroy(struct pvx_vm *vm);
void pv_evtchn_vcpu_init(struct pvx_vcpu *vcpu);
void pv_evtchn_vcpu_destroy(struct pvx_vcpu *vcpu);

/* pv_evtchn.c: the host's ends, rows of pv_main.c's ioctl table */
long pv_evtchn_bind_host_ioctl(struct pvx_vm *vm, void __user *arg);
long pv_evtchn_notify_ioctl(struct pvx_vm *vm, void __user *arg);
long pv_evtchn_irqfd_ioctl(struct pvx_vm *vm, void __user *arg);
long pv_evtchn_unbind_ioctl(struct pvx_vm *vm, void __user *arg);
long pv_evtchn_connect_ioctl(struct pvx_vm *vm, void __user *arg);

/* pv_evtchn.c: the exit fast path's EVTCHNOP_send */
bool pv_event_channel_op_fast(struct pvx_vcpu *vcpu, const u64 args[5],
			      long *ret);

/* pv_evtchn.c: for the timers, blocking and vcpu_info registration */
void pv_evtchn_send_virq(struct pvx_vcpu *vcpu, unsigned int virq);
bool pv_evtchn_port_pending(struct pvx_vm *vm, evtchn_port_t port);
long pv_evtchn_set_vcpu_info(struct pvx_vcpu *vcpu, struct vcpu_info *vi,
			     struct page *page);

/* pv_vcpu_op.c */
void pv_timers_init(struct pvx_vcpu *vcpu);
void pv_timers_cancel(struct pvx_vcpu *vcpu);
void pv_timer_start(struct pvx_vcpu *vcpu, struct pv_timer *t, u64 system_ns);
void pv_timer_stop(struct pvx_vcpu *vcpu, struct pv_timer *t);
bool pv_timer_early(struct pvx_vcpu *vcpu, struct pv_timer *t);

/* pv_sched.c: vmx_event.c asks and tells when a halted vCPU wakes */
enum hrtimer_restart pv_poll_timeout(struct hrtimer *t);
bool pv_vcpu_blocked(struct pvx_vcpu *vcpu);
bool pv_vcpu_woken(struct pvx_vcpu *vcpu);
void pv_vcpu_unblock(struct pvx_vcpu *vcpu);

/* pv_time.c */
void pv_clock_init(struct pvx_vm *vm);
void pv_time_fill(struct pvx_vm *vm);
void pv_time_set_tsc_offset(struct pvx_vcpu *vcpu, u64 offset);

/* pv_evtchn.c: vmx/ asks at each entry whether to inject the upcall. */
bool pv_upcall_vector(struct pvx_vcpu *vcpu, u8 *vector);

#endif /* PVX_PV_EVTCHN_H */
