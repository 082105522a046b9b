/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Event channels (pv_evtchn.c), the per-vCPU timer (pv_vcpu_op.c) and
 * blocking (pv_sched.c): the state pv.h embeds, and the calls between them.
 */
#ifndef PVX_PV_EVTCHN_H
#define PVX_PV_EVTCHN_H

#include <linux/hrtimer.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct pvx_vm;
struct pvx_vcpu;

/**
 * struct pv_evtchn_vm - a VM's event channels.
 * @lock:	guards the port table (any context: irqsave).
 */
struct pv_evtchn_vm {
	spinlock_t lock;
};

/**
 * struct pv_evtchn_vcpu - a vCPU's event state.
 * @timer:	the singleshot timer (VIRQ_TIMER).
 */
struct pv_evtchn_vcpu {
	struct hrtimer timer;
};

#endif /* PVX_PV_EVTCHN_H */
