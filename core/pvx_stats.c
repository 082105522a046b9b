// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics: VM exits by reason, the TSC ticks pvx spends handling them,
 * VM entries and returns to userspace; PVX_GET_STATS and debugfs's
 * vm-PID-ID/stats read them. Also home of the tracepoints
 * (CREATE_TRACE_POINTS for core/pvx_trace.h).
 *
 * Only the vCPU's own thread writes its counters, so the hot path has no
 * locks and no atomics: per exit, one rdtsc() after the exit, one at the
 * next entry (or return to userspace), and a few adds. Readers (other
 * threads, debugfs) read each u64 whole with READ_ONCE(): a moment's view,
 * not a consistent snapshot across counters.
 *
 * What is counted:
 *  - exits[basic reason]: every VM exit, and every VM entry that failed
 *    its checks after the guest state was loaded (those report a basic
 *    reason, 33, 34 or 41, with bit 31 set: SDM 27.8). A VMfail of
 *    VMLAUNCH/VMRESUME is no VM exit and is not counted. A basic reason
 *    at or above PVX_STATS_NR_REASONS (none exists in SDM Appendix C
 *    today) is counted nowhere, rather than in a wrong slot.
 *  - ticks[basic reason]: rdtsc() from right after the exit returned to
 *    the run loop to the next VM entry or to the return of PVX_RUN. This
 *    is TSC time, so it includes whatever the thread waited for on the
 *    way: the host interrupt taken after an external-interrupt exit,
 *    preemption, userspace-bound exits' last steps, HLT blocking.
 *  - entries: VMLAUNCH/VMRESUME executed (so entries >= exits).
 *  - userspace_exits[run->exit_reason]: each return of PVX_RUN that
 *    describes an exit in the run page: 0, -EINTR (PVX_EXIT_INTR) and
 *    -EIO (PVX_EXIT_INTERNAL_ERROR). Argument errors (-EINVAL) are not
 *    exits. A reason at or above PVX_STATS_NR_EXITS is counted nowhere.
 *  - injected_*, halt_*: counted by the injection and HLT code.
 */
#include <linux/math64.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/msr.h>

#include "pvx.h"

#define CREATE_TRACE_POINTS
#include "pvx_trace.h"

/* Basic exit reasons, SDM Vol. 3D Appendix C (Table C-1). */
static const char *const pvx_exit_reason_names[PVX_STATS_NR_REASONS] = {
	[0] = "exception_nmi",
	[1] = "external_interrupt",
	[2] = "triple_fault",
	[3] = "init_signal",
	[4] = "sipi",
	[5] = "io_smi",
	[6] = "other_smi",
	[7] = "interrupt_window",
	[8] = "nmi_window",
	[9] = "task_switch",
	[10] = "cpuid",
	[11] = "getsec",
	[12] = "hlt",
	[13] = "invd",
	[14] = "invlpg",
	[15] = "rdpmc",
	[16] = "rdtsc",
	[17] = "rsm",
	[18] = "vmcall",
	[19] = "vmclear",
	[20] = "vmlaunch",
	[21] = "vmptrld",
	[22] = "vmptrst",
	[23] = "vmread",
	[24] = "vmresume",
	[25] = "vmwrite",
	[26] = "vmxoff",
	[27] = "vmxon",
	[28] = "cr_access",
	[29] = "dr_access",
	[30] = "io_instruction",
	[31] = "rdmsr",
	[32] = "wrmsr",
	[33] = "entry_fail_guest_state",
	[34] = "entry_fail_msr_load",
	[36] = "mwait",
	[37] = "monitor_trap_flag",
	[39] = "monitor",
	[40] = "pause",
	[41] = "entry_fail_machine_check",
	[43] = "tpr_below_threshold",
	[44] = "apic_access",
	[45] = "virtualized_eoi",
	[46] = "gdtr_idtr",
	[47] = "ldtr_tr",
	[48] = "ept_violation",
	[49] = "ept_misconfig",
	[50] = "invept",
	[51] = "rdtscp",
	[52] = "preemption_timer",
	[53] = "invvpid",
	[54] = "wbinvd",
	[55] = "xsetbv",
	[56] = "apic_write",
	[57] = "rdrand",
	[58] = "invpcid",
	[59] = "vmfunc",
	[60] = "encls",
	[61] = "rdseed",
	[62] = "pml_full",
	[63] = "xsaves",
	[64] = "xrstors",
	[65] = "pconfig",
	[66] = "spp_event",
	[67] = "umwait",
	[68] = "tpause",
	[69] = "loadiwkey",
	[70] = "enclv",
	[72] = "enqcmd_pasid_fail",
	[73] = "enqcmds_pasid_fail",
	[74] = "bus_lock",
	[75] = "instruction_timeout",
	[76] = "seamcall",
	[77] = "tdcall",
	[78] = "rdmsrlist",
	[79] = "wrmsrlist",
};

/* pvx_run.exit_reason (PVX_EXIT_*), as libpvx's pvx_exit_name() has them. */
static const char *const pvx_userspace_exit_names[PVX_STATS_NR_EXITS] = {
	[PVX_EXIT_UNKNOWN] = "unknown",
	[PVX_EXIT_IO] = "io",
	[PVX_EXIT_MMIO] = "mmio",
	[PVX_EXIT_HLT] = "hlt",
	[PVX_EXIT_SHUTDOWN] = "shutdown",
	[PVX_EXIT_FAIL_ENTRY] = "fail_entry",
	[PVX_EXIT_INTERNAL_ERROR] = "internal_error",
	[PVX_EXIT_INTR] = "intr",
	[PVX_EXIT_TRAP] = "trap",
	[PVX_EXIT_CPUID] = "cpuid",
	[PVX_EXIT_MSR] = "msr",
};

/**
 * pvx_stats_reason_name() - the name of a basic exit reason.
 * @reason: a basic exit reason.
 *
 * Return: its name in SDM Appendix C's words, or "reserved".
 */
const char *pvx_stats_reason_name(unsigned int reason)
{
	if (reason < PVX_STATS_NR_REASONS && pvx_exit_reason_names[reason])
		return pvx_exit_reason_names[reason];
	return "reserved";
}

/* A new vCPU: no exit open yet. */
void pvx_stats_init(struct pvx_vcpu *vcpu)
{
	vcpu->stats_open.reason = PVX_STATS_NR_REASONS;
}

/**
 * pvx_stats_return() - PVX_RUN returns to userspace.
 * @vcpu: the vCPU, on its own thread.
 * @r: what PVX_RUN returns.
 */
void pvx_stats_return(struct pvx_vcpu *vcpu, long r)
{
	u32 exit_reason = READ_ONCE(vcpu->run->exit_reason);

	pvx_stats_close(vcpu, rdtsc());
	if (r && r != -EINTR && r != -EIO)
		return;
	if (exit_reason < PVX_STATS_NR_EXITS)
		vcpu->stats.userspace_exits[exit_reason]++;
	trace_pvx_userspace_exit(vcpu, exit_reason);
}

/* Add @vcpu's counters to @out; racy reads of whole u64s (see above). */
static void pvx_stats_add(struct pvx_stats *out, const struct pvx_vcpu *vcpu)
{
	const struct pvx_vcpu_stats *s = &vcpu->stats;
	int i;

	for (i = 0; i < PVX_STATS_NR_REASONS; i++) {
		out->exits[i] += READ_ONCE(s->exits[i]);
		out->ticks[i] += READ_ONCE(s->ticks[i]);
	}
	for (i = 0; i < PVX_STATS_NR_EXITS; i++)
		out->userspace_exits[i] += READ_ONCE(s->userspace_exits[i]);
	out->entries += READ_ONCE(s->entries);
	out->injected_interrupts += READ_ONCE(s->injected_interrupts);
	out->injected_nmis += READ_ONCE(s->injected_nmis);
	out->injected_exceptions += READ_ONCE(s->injected_exceptions);
	out->halt_blocks += READ_ONCE(s->halt_blocks);
	out->halt_wakeups += READ_ONCE(s->halt_wakeups);
}

/* The sum over @vm's vCPUs, those whose fds are closed included. */
static void pvx_stats_vm_sum(struct pvx_vm *vm, struct pvx_stats *out)
{
	int i;

	mutex_lock(&vm->lock);
	for (i = 0; i < PVX_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			pvx_stats_add(out, vm->vcpus[i]);
	mutex_unlock(&vm->lock);
}

/*
 * PVX_GET_STATS: check @arg's flags, fill a zeroed struct pvx_stats with
 * @vcpu's counters (or, @vcpu NULL, @vm's sum) and copy it out.
 */
static long pvx_stats_ioctl(struct pvx_vm *vm, struct pvx_vcpu *vcpu,
			    struct pvx_stats __user *arg)
{
	struct pvx_stats *st;
	u32 flags;
	long r = 0;

	if (get_user(flags, &arg->flags))
		return -EFAULT;
	if (flags)
		return -EINVAL;
	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	st->nr_reasons = PVX_STATS_NR_REASONS;
	if (vcpu)
		pvx_stats_add(st, vcpu);
	else
		pvx_stats_vm_sum(vm, st);
	if (copy_to_user(arg, st, sizeof(*st)))
		r = -EFAULT;
	kfree(st);
	return r;
}

/**
 * pvx_stats_vcpu_ioctl() - PVX_GET_STATS on a vCPU fd.
 * @vcpu: the vCPU; its ioctl_lock is not taken (it may be running).
 * @arg: the user's struct pvx_stats.
 *
 * Return: 0, -EINVAL (flags), -EFAULT, -ENOMEM.
 */
long pvx_stats_vcpu_ioctl(struct pvx_vcpu *vcpu, struct pvx_stats __user *arg)
{
	return pvx_stats_ioctl(vcpu->vm, vcpu, arg);
}

/**
 * pvx_stats_vm_ioctl() - PVX_GET_STATS on a VM fd: the sum of its vCPUs.
 * @vm: the VM.
 * @arg: the user's struct pvx_stats.
 *
 * Return: 0, -EINVAL (flags), -EFAULT, -ENOMEM.
 */
long pvx_stats_vm_ioctl(struct pvx_vm *vm, struct pvx_stats __user *arg)
{
	return pvx_stats_ioctl(vm, NULL, arg);
}

/**
 * pvx_stats_show() - debugfs vm-PID-ID/stats: @vm's sum, as text.
 * @m: the seq_file.
 * @vm: the VM.
 *
 * One line per exit reason that happened: "exit", the basic reason, its
 * name, count, ticks and ticks per exit; then "entries", one
 * "userspace_exit NAME COUNT" line per PVX_EXIT_* that happened, and the
 * injection and HLT counters. Fields are separated by tabs.
 */
void pvx_stats_show(struct seq_file *m, struct pvx_vm *vm)
{
	const char *name;
	struct pvx_stats *st;
	int i;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return;
	pvx_stats_vm_sum(vm, st);
	seq_puts(m, "# exit\treason\tname\tcount\tticks\tticks_per_exit\n");
	for (i = 0; i < PVX_STATS_NR_REASONS; i++)
		if (st->exits[i])
			seq_printf(m, "exit\t%d\t%s\t%llu\t%llu\t%llu\n", i,
				   pvx_stats_reason_name(i), st->exits[i],
				   st->ticks[i],
				   div64_u64(st->ticks[i], st->exits[i]));
	seq_printf(m, "entries\t%llu\n", st->entries);
	for (i = 0; i < PVX_STATS_NR_EXITS; i++) {
		if (!st->userspace_exits[i])
			continue;
		name = pvx_userspace_exit_names[i];
		seq_printf(m, "userspace_exit\t%d\t%s\t%llu\n", i,
			   name ? name : "unknown", st->userspace_exits[i]);
	}
	seq_printf(m, "injected_interrupts\t%llu\ninjected_nmis\t%llu\n",
		   st->injected_interrupts, st->injected_nmis);
	seq_printf(m, "injected_exceptions\t%llu\n", st->injected_exceptions);
	seq_printf(m, "halt_blocks\t%llu\nhalt_wakeups\t%llu\n",
		   st->halt_blocks, st->halt_wakeups);
	kfree(st);
}
