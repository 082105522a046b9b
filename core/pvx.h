/* SPDX-License-Identifier: GPL-2.0 */
/*
 * core/: the /dev/pvx device, VM and vCPU objects, fd lifetimes.
 *
 * Layering: core/ is the top; PVX_RUN goes core/ -> vmx/ (entry, exit
 * dispatch) -> x86/ (emulation) and ept/ (guest-physical memory). x86/
 * and ept/ use core/'s objects (struct pvx_vcpu, struct pvx_vm; ept/
 * counts its pages in pvx_live) but call nothing in core/, and reach
 * vmx/ only through the narrow interfaces of vmx/vmx_x86.c.
 */
#ifndef PVX_CORE_H
#define PVX_CORE_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <asm/fpu/api.h>
#include <asm/msr.h>
#include <linux/pvx.h>

#include "../ept/ept.h"
#include "../lapic/lapic.h"
#include "../pv/pv.h"
#include "../vmx/vmx.h"
#include "../x86/x86.h"

struct dentry;
struct mm_struct;

/**
 * struct pvx_vm - a VM: its memory and its vCPUs.
 * @kref:	held by the VM fd and by each vCPU fd; the last put frees all.
 * @mm:		the creating process's mm (mmgrab'd): guest RAM is its memory,
 *		and only its threads may run the vCPUs.
 * @lock:	serializes vCPU creation and every change of slots and EPT.
 * @mem:	memory slots and the EPT tables that map them.
 * @vcpus:	by id; freed with the VM.
 * @tsc_offset: added to the host TSC for the guest: its TSC starts near 0.
 * @policy:	the exit policy (PVX_SET_EXIT_POLICY), under @lock.
 * @policy_gen:	bumped under @lock by each PVX_SET_EXIT_POLICY; a vCPU whose
 *		copy is older takes the new policy before its next entry.
 * @id:		a number for debugfs.
 * @debugfs:	/sys/kernel/debug/pvx/vm-PID-ID/.
 * @pv:		Xen's guest ABI (pv/), off until PVX_PV_ENABLE.
 * @platform:	what PVX_SET_PLATFORM chose (platform/, lapic/); fixed
 *		before the first vCPU, read without a lock after that.
 * @vcpus_up:	with the x2APIC: vCPUs not waiting for a start-up IPI
 *		(lapic/, lapic_hlt_down()).
 */
struct pvx_vm {
	struct kref kref;
	struct mm_struct *mm;
	struct mutex lock;
	struct ept_mem mem;
	struct pvx_vcpu *vcpus[PVX_MAX_VCPUS];
	u64 tsc_offset;
	struct pvx_exit_policy policy;
	unsigned int policy_gen;
	unsigned int id;
	struct dentry *debugfs;
	struct pv_vm pv;
	struct pvx_platform platform;
	atomic_t vcpus_up;
};

/* What the exit being handled by userspace needs when PVX_RUN resumes. */
enum pvx_pending {
	PVX_PENDING_NONE,
	PVX_PENDING_IO_IN,	/* copy io data into RAX, skip the instruction */
	PVX_PENDING_STRING_IO,	/* finish a chunk of INS/OUTS */
	PVX_PENDING_EMULATE,	/* go on emulating with run->mmio.data */
	PVX_PENDING_TRAP,	/* load run->trap.regs into the guest */
	PVX_PENDING_CPUID,	/* load run->cpuid's result, skip CPUID */
	PVX_PENDING_MSR,	/* finish RDMSR/WRMSR from run->msr */
};

/**
 * struct pvx_events - events queued for the guest (PVX_INTERRUPT, PVX_NMI,
 * PVX_INJECT_EXCEPTION) and the halted state.
 * @irr:	queued external interrupt vectors (set from any thread).
 * @nmi:	an NMI is queued (set from any thread).
 * @exception:	an exception waits for the next entry (vCPU thread only).
 * @exc_vector, @exc_has_error, @exc_error: that exception.
 * @wq:		the vCPU thread sleeps here while the guest is halted.
 * @halted:	the guest executed HLT with interrupts on and waits for an
 *		event: PVX_RUN blocks before entering it.
 * @guest_cpu:	the CPU that is about to enter or is in the guest, or -1:
 *		a queued event IPIs it so that the guest exits and takes it.
 */
struct pvx_events {
	unsigned long irr[BITS_TO_LONGS(256)];
	unsigned long nmi;
	bool exception;
	u8 exc_vector;
	bool exc_has_error;
	u32 exc_error;
	wait_queue_head_t wq;
	bool halted;
	int guest_cpu;
};

/**
 * struct pvx_vcpu_stats - a vCPU's counters (uapi struct pvx_stats).
 *
 * Written only by the vCPU's own thread; read racily by PVX_GET_STATS and
 * debugfs (each u64 is read whole).
 */
struct pvx_vcpu_stats {
	u64 exits[PVX_STATS_NR_REASONS];
	u64 ticks[PVX_STATS_NR_REASONS];
	u64 userspace_exits[PVX_STATS_NR_EXITS];
	u64 entries;
	u64 injected_interrupts;
	u64 injected_nmis;
	u64 injected_exceptions;
	u64 halt_blocks;
	u64 halt_wakeups;
};

/**
 * struct pvx_stats_open - the VM exit being handled, for its ticks.
 * @tsc:	rdtsc() right after the exit returned to the run loop.
 * @reason:	its basic exit reason; PVX_STATS_NR_REASONS when no exit is
 *		open (before the first one, after it was closed, or for a
 *		reason outside the counters).
 */
struct pvx_stats_open {
	u64 tsc;
	u32 reason;
};

/**
 * struct pvx_vcpu - a virtual CPU.
 * @vm:		its VM.
 * @id:		its id in the VM.
 * @ioctl_lock:	one ioctl at a time; a second caller gets -EBUSY.
 * @run:	the mmap'd struct pvx_run (page 0 of the mapping).
 * @io_data:	the mmap'd I/O data page (page 1).
 * @pages:	the two pages.
 * @preempt_notifier: keeps the VMCS with the thread across CPUs.
 * @guest_fpu:	the guest's FPU/SSE/AVX state.
 * @cpuid:	the CPUID table the guest sees, sorted by function and index.
 * @cpuid_nent:	entries in @cpuid.
 * @cpuid_last:	the entry that answered the last CPUID, if it answers its
 *		function whatever ECX is; U32_MAX for none.
 * @pending:	what the next PVX_RUN completes first.
 * @emul:	the instruction being emulated (an MMIO access).
 * @string_io:	the string I/O chunk being completed.
 * @policy:	this vCPU's copy of the VM's exit policy.
 * @policy_gen:	the VM's @policy_gen it was copied at.
 * @events:	events queued for the guest.
 * @stats:	counters for PVX_GET_STATS.
 * @stats_open:	the exit whose handling is being timed.
 * @pv:		its Xen side (pv/), used when the VM has PV enabled.
 * @lapic:	its local APIC (lapic/), with PVX_PLATFORM_X2APIC.
 * @vmx:	the VMX state.
 */
struct pvx_vcpu {
	struct pvx_vm *vm;
	unsigned int id;
	struct mutex ioctl_lock;
	struct pvx_run *run;
	void *io_data;
	struct page *pages[2];
	struct preempt_notifier preempt_notifier;
	struct fpu_guest guest_fpu;
	struct pvx_cpuid_entry *cpuid;
	unsigned int cpuid_nent;
	u32 cpuid_last;
	enum pvx_pending pending;
	struct x86_emul emul;
	struct {
		u64 gva;	/* guest linear address of the chunk */
		u32 count;	/* elements in the chunk */
		u8 asz;		/* address size: 2, 4 or 8 bytes */
		bool rep;	/* REP prefix: RCX counts down */
		bool last;	/* RCX reaches 0: skip the instruction */
	} string_io;
	struct pvx_exit_policy policy;
	unsigned int policy_gen;
	struct pvx_events events;
	struct pvx_vcpu_stats stats;
	struct pvx_stats_open stats_open;
	struct pv_vcpu pv;
	struct pvx_lapic lapic;
	struct vmx_vcpu vmx;
};

#define PVX_VCPU_MMAP_PAGES	2

/* pvx_dev.c */
int pvx_dev_register(void);
void pvx_dev_unregister(void);

/* pvx_vm.c */
int pvx_vm_create(unsigned long flags);
void pvx_vm_put(struct pvx_vm *vm);
struct file;
struct pvx_vm *pvx_vm_from_file(struct file *file);

/* pvx_vcpu.c */
int pvx_vcpu_create(struct pvx_vm *vm, unsigned long id);
void pvx_vcpu_free(struct pvx_vcpu *vcpu);
int pvx_vcpu_init_module(void);
void pvx_vcpu_exit_module(void);

/* pvx_cpuid.c */
int pvx_cpuid_set(struct pvx_vcpu *vcpu, const struct pvx_cpuid __user *arg);
void pvx_cpuid_lookup(struct pvx_vcpu *vcpu, u32 function, u32 index,
		      u32 out[4]);

/*
 * pvx_stats.c: counters and their readers. The hot path, inline below,
 * runs on the vCPU's own thread only: no locks, no atomics.
 */
void pvx_stats_init(struct pvx_vcpu *vcpu);
void pvx_stats_return(struct pvx_vcpu *vcpu, long r);
long pvx_stats_vcpu_ioctl(struct pvx_vcpu *vcpu, struct pvx_stats __user *arg);
long pvx_stats_vm_ioctl(struct pvx_vm *vm, struct pvx_stats __user *arg);
const char *pvx_stats_reason_name(unsigned int reason);
struct seq_file;
void pvx_stats_show(struct seq_file *m, struct pvx_vm *vm);

/* Close the open exit, if any: its handling ends at @now. */
static inline void pvx_stats_close(struct pvx_vcpu *vcpu, u64 now)
{
	u32 reason = vcpu->stats_open.reason;

	if (reason >= PVX_STATS_NR_REASONS)
		return;
	vcpu->stats.ticks[reason] += now - vcpu->stats_open.tsc;
	vcpu->stats_open.reason = PVX_STATS_NR_REASONS;
}

/**
 * pvx_stats_exit() - count the VM exit in vcpu->vmx.exit_reason.
 * @vcpu: the vCPU, on its own thread.
 * @exit_tsc: rdtsc() taken right after the exit returned to the run loop.
 *
 * A basic reason at or above PVX_STATS_NR_REASONS is counted nowhere.
 */
static inline void pvx_stats_exit(struct pvx_vcpu *vcpu, u64 exit_tsc)
{
	u16 reason = vcpu->vmx.exit_reason;	/* the basic reason */

	if (reason >= PVX_STATS_NR_REASONS)
		return;
	vcpu->stats.exits[reason]++;
	vcpu->stats_open.tsc = exit_tsc;
	vcpu->stats_open.reason = reason;
}

/**
 * pvx_stats_entry() - a VM entry is about to happen: close the open exit.
 * @vcpu: the vCPU, on its own thread.
 */
static inline void pvx_stats_entry(struct pvx_vcpu *vcpu)
{
	pvx_stats_close(vcpu, rdtsc());
	vcpu->stats.entries++;
}

/* trace_pvx_inject()'s @type (core/pvx_trace.h): what injection delivers. */
enum pvx_trace_inject_type {
	PVX_TRACE_INJECT_IRQ,
	PVX_TRACE_INJECT_NMI,
	PVX_TRACE_INJECT_EXCEPTION,
};

/*
 * Objects alive right now, for leak checks (debugfs "live"): every
 * counter is back to 0 once every VM is gone.
 */
struct pvx_live {
	atomic_t vms;
	atomic_t vcpus;
	atomic_long_t pinned_pages;	/* 4 KiB or 2 MiB, one pin each */
	atomic_long_t ept_tables;
	atomic_long_t evtchn_ports;	/* Xen event channels in use */
	atomic_long_t evtchn_eventfds;	/* eventfds pv/ holds (host ends) */
	atomic_long_t pv_timers;	/* pv/ hrtimers armed */
};

extern struct pvx_live pvx_live;

/* pvx_debugfs.c */
void pvx_debugfs_init(void);
void pvx_debugfs_exit(void);
void pvx_debugfs_vm_add(struct pvx_vm *vm);
void pvx_debugfs_vm_remove(struct pvx_vm *vm);

#endif /* PVX_CORE_H */
