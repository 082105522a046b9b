// SPDX-License-Identifier: GPL-2.0
/*
 * The run loop: enter the guest, come back, handle the exit, again.
 *
 * Each entry happens with interrupts off, after the guest's CR2, XCR0,
 * KERNEL_GS_BASE (kept there until the thread leaves the CPU), SYSCALL
 * MSRs and, when it owns them, debug registers were put in the CPU, and with the VMX
 * preemption timer armed so that no guest, even one spinning with IF=0,
 * keeps the CPU for more than a slice (and the Bochs test box, which lets
 * such a guest ignore host interrupts, does not freeze). After the exit
 * the host's values come back before interrupts are enabled again; host
 * interrupts that caused the exit are then taken as usual. Signals end
 * PVX_RUN with -EINTR; need_resched() is honored between entries, so
 * guests spinning on one CPU share it slice by slice. A halted guest
 * (HLT, vmx_exit.c) makes the loop sleep until an event is queued.
 *
 * External-interrupt exits (reason 1) count the host's own interrupts that
 * arrive while the guest runs: its tick, its hrtimers (pvx's Xen timers
 * among them: pv/pv_vcpu_op.c), device interrupts, and IPIs, of which pvx
 * sends only the kicks to a vCPU in a guest on another CPU
 * (vmx_events_kick()). The preemption timer is reason 52, not these. So
 * their number is the host's interrupt rate, not the guest's doing. In the
 * Bochs test box it is high: a 1-vCPU Linux boot to poweroff (0.8 s) had
 * 184,684 of them while the box's LOC count (local timer interrupts) rose
 * by 210,992 and its hrtimers expired 411 times (tick_sched_timer 202,
 * pv_singleshot_fire 170 for the guest's 168 timer VIRQs, hrtimer_wakeup
 * 39): the box kernel's local APIC timer (one-shot, TSC deadline disabled
 * there) fires ~500 times per expiry, each time found early and re-armed.
 * That is the emulator's timer against the box's clock, before and
 * outside any guest too, not a pvx cost; on hardware the count is the
 * tick plus the hrtimers.
 *
 * Exits vmx_exit_fastpath() handles re-enter at once, with interrupts
 * still off, after one check for queued events (vmx_events_inject(),
 * whose "nothing" needs no call): checking before the fast path as well,
 * each check three calls, had put CPUID at 511 ticks and VMCALL at 451 in
 * the 1-CPU bench box; one check, 387 and 329; answered inline, 336 and
 * 277.
 */
#include <linux/hw_breakpoint.h>
#include <linux/sched/signal.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/mce.h>
#include <asm/msr.h>
#include <asm/mmu_context.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/traps.h>
#include <asm/tsc.h>
#include <asm/vmx.h>

#include "vmx.h"
#include "vmx_ops.h"
#include "../core/pvx.h"
#include "../core/pvx_trace.h"

/* vmx_entry.S */
int vmx_enter_guest(unsigned long *regs, bool launched);
void vmx_do_nmi_irqoff(unsigned long handler);

/* Return codes of vmx_enter_guest() besides 0. */
#define VMX_ENTER_VMFAIL	1
#define VMX_ENTER_FAULT		2

/* A guest slice: 1 ms of TSC, in preemption timer ticks (SDM 25.5.1). */
#define VMX_SLICE_US		1000

static u32 vmx_timer_ticks;
static unsigned long vmx_host_idt;

/**
 * vmx_run_setup() - values the run loop needs, computed once at load.
 */
void vmx_run_setup(void)
{
	u64 ticks = (u64)tsc_khz * VMX_SLICE_US / 1000;
	struct desc_ptr idt;

	ticks >>= vmx_caps.misc & VMX_MISC_PREEMPTION_TIMER_RATE_MASK;
	vmx_timer_ticks = clamp_t(u64, ticks, 1, U32_MAX);
	store_idt(&idt);
	vmx_host_idt = idt.address;
	vmx_msr_save_host();
}

/**
 * vmx_vcpu_load() - the vCPU's thread runs on @cpu: make its VMCS current.
 */
void vmx_vcpu_load(struct pvx_vcpu *vcpu, int cpu)
{
	vmx_vmcs_load(&vcpu->vmx, cpu);
}

/*
 * KERNEL_GS_BASE passes through the MSR bitmap (vmx_vmcs.c): the guest's
 * WRMSR, RDMSR and SWAPGS use the CPU's register. The host kernel does not
 * use it while it runs in the kernel (it holds the user GS base, which
 * SWAPGS brings back on the way to userspace and the context switch saves),
 * so the guest's value stays in the CPU across exits and the host's comes
 * back only when the thread leaves the CPU or PVX_RUN returns.
 */
static void vmx_kgs_load(struct vmx_vcpu *v)
{
	if (v->kgs_loaded)
		return;
	rdmsrl(MSR_KERNEL_GS_BASE, v->host_kernel_gs_base);
	if (v->msr.kernel_gs_base != v->host_kernel_gs_base)
		wrmsrl(MSR_KERNEL_GS_BASE, v->msr.kernel_gs_base);
	v->kgs_loaded = true;
}

static void vmx_kgs_put(struct vmx_vcpu *v)
{
	if (!v->kgs_loaded)
		return;
	rdmsrl(MSR_KERNEL_GS_BASE, v->msr.kernel_gs_base);
	if (v->msr.kernel_gs_base != v->host_kernel_gs_base)
		wrmsrl(MSR_KERNEL_GS_BASE, v->host_kernel_gs_base);
	v->kgs_loaded = false;
}

/**
 * vmx_vcpu_put() - the vCPU's thread leaves this CPU (or PVX_RUN ends).
 *
 * The host's KERNEL_GS_BASE comes back. A VM exit set the GDT limit to
 * 0xffff and the TR limit to 0x67 (SDM 28.5.2): restore them before
 * userspace or another task can notice.
 */
void vmx_vcpu_put(struct pvx_vcpu *vcpu)
{
	struct vmx_vcpu *v = &vcpu->vmx;

	vmx_kgs_put(v);
	if (!v->host_state_dirty)
		return;
	load_fixmap_gdt(smp_processor_id());
	invalidate_tss_limit();
	v->host_state_dirty = false;
}

/*
 * VM exit loads FS.base from HOST_FS_BASE (SDM 28.5.2), and the kernel does
 * not reload it before returning to userspace: it must be the user FS base
 * (the TLS) of the thread calling PVX_RUN, which need not be the thread
 * that created the vCPU, nor the one that ran it last. The MSR holds it
 * while this thread is in the kernel.
 */
static void vmx_update_host_fs_base(struct vmx_vcpu *v)
{
	unsigned long fs_base;

	rdmsrl(MSR_FS_BASE, fs_base);
	if (fs_base != v->host_fs_base) {
		vmcs_write(HOST_FS_BASE, fs_base);
		v->host_fs_base = fs_base;
	}
}

/* The host's per-run values that VM exits clobber or that the guest swaps. */
static void vmx_save_host_state(struct vmx_vcpu *v)
{
	vmx_update_host_fs_base(v);
	v->host_debugctl = get_debugctlmsr();
	v->host_xcr0 = boot_cpu_has(X86_FEATURE_OSXSAVE) ?
		       xgetbv(XCR_XFEATURE_ENABLED_MASK) : 0;
	if (!v->host_xcr0)
		v->xcr0 = 0;
}

/* Keep the HOST_* fields that can change under us current. */
static void vmx_update_host_fields(struct vmx_vcpu *v)
{
	unsigned long cr3 = __get_current_cr3_fast();
	unsigned long cr4 = cr4_read_shadow();

	if (unlikely(cr3 != v->host_cr3)) {
		vmcs_write(HOST_CR3, cr3);
		v->host_cr3 = cr3;
	}
	if (unlikely(cr4 != v->host_cr4)) {
		vmcs_write(HOST_CR4, cr4);
		v->host_cr4 = cr4;
	}
}

/*
 * Debug registers the policy does not trap (as KVM switches them): MOV DR
 * exits once per full exit; that first access turns MOV DR exiting off
 * (vmx_dr_wont_exit()) and the guest then owns DR0-3 and DR6 until the
 * next full exit, which saves them and turns exiting back on. They are
 * loaded here, DR7 by VM entry from GUEST_DR7 (SDM 26.3.2.1), when MOV DR
 * does not exit or when the guest's DR7 enables a breakpoint; otherwise
 * an entry costs nothing for them. The host's come back after the exit.
 */
#define VMX_DR7_ENABLED	0xffUL	/* L0-L3, G0-G3 (SDM 18.2.4) */

static bool vmx_dr_live(struct vmx_vcpu *v)
{
	return unlikely(v->dr_passthrough) &&
	       (v->dr_wont_exit || (vmcs_read(GUEST_DR7) & VMX_DR7_ENABLED));
}

/**
 * vmx_dr_wont_exit() - the guest accessed a debug register that the policy
 * does not trap: let it have them until the next full exit.
 * @vcpu: the vCPU, after a MOV DR exit, before the next entry.
 */
void vmx_dr_wont_exit(struct pvx_vcpu *vcpu)
{
	struct vmx_vcpu *v = &vcpu->vmx;

	v->dr_wont_exit = true;
	v->proc &= ~CPU_BASED_MOV_DR_EXITING;
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL, v->proc);
}

/* The next MOV DR exits again; the guest's registers are saved. */
static void vmx_dr_will_exit(struct vmx_vcpu *v)
{
	v->dr_wont_exit = false;
	v->proc |= CPU_BASED_MOV_DR_EXITING;
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL, v->proc);
}

static void vmx_load_guest_dr(struct vmx_vcpu *v)
{
	/* No host breakpoint may fire on the guest's addresses meanwhile. */
	set_debugreg(0, 7);
	set_debugreg(v->dr[0], 0);
	set_debugreg(v->dr[1], 1);
	set_debugreg(v->dr[2], 2);
	set_debugreg(v->dr[3], 3);
	set_debugreg(v->dr6, 6);
}

static void vmx_save_guest_dr(struct vmx_vcpu *v)
{
	get_debugreg(v->dr[0], 0);
	get_debugreg(v->dr[1], 1);
	get_debugreg(v->dr[2], 2);
	get_debugreg(v->dr[3], 3);
	get_debugreg(v->dr6, 6);
	v->dr7 = vmcs_read(GUEST_DR7);
	set_debugreg(DR6_RESERVED, 6);
}

/* Returns whether the guest's debug registers went into the CPU. */
static bool vmx_load_guest_state(struct vmx_vcpu *v)
{
	bool dr = vmx_dr_live(v);

	if (dr)
		vmx_load_guest_dr(v);
	if (v->cr2 != native_read_cr2())
		native_write_cr2(v->cr2);
	if (v->xcr0 != v->host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, v->xcr0);
	vmx_kgs_load(v);
	vmx_msr_switch(v, true);
	return dr;
}

/* The guest may have left CR2 or debug registers: save, restore the host. */
static void vmx_load_host_state(struct vmx_vcpu *v, bool dr)
{
	v->host_state_dirty = true;
	v->cr2 = native_read_cr2();
	if (v->xcr0 != v->host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, v->host_xcr0);
	vmx_msr_switch(v, false);
	if (dr)
		vmx_save_guest_dr(v);
	if (unlikely(v->dr_wont_exit))
		vmx_dr_will_exit(v);
	/* VM exit clears DR7 and IA32_DEBUGCTL (SDM 28.5.1). */
	if (v->host_debugctl)
		update_debugctlmsr(v->host_debugctl);
	if (hw_breakpoint_active())
		hw_breakpoint_restore();
}

/* NMIs and machine checks that hit the guest belong to the host. */
static void vmx_handle_host_events(struct vmx_vcpu *v)
{
	u32 info;

	if ((u16)v->exit_reason != EXIT_REASON_EXCEPTION_NMI)
		return;
	info = vmcs_read32(VM_EXIT_INTR_INFO);
	if ((info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR) {
		gate_desc *gate = (gate_desc *)vmx_host_idt + X86_TRAP_NMI;

		vmx_do_nmi_irqoff(gate_offset(gate));
	} else if ((info & INTR_INFO_VECTOR_MASK) == X86_TRAP_MC) {
		struct pt_regs regs = { .cs = 3, .flags = X86_EFLAGS_IF };

		do_machine_check(&regs);
	}
}

/*
 * Exits handled without leaving the interrupts-off section in a row, at
 * most: then the full path runs (host state, pending host interrupts,
 * signals, need_resched), even for a guest that exits only for CPUID.
 */
#define VMX_FAST_EXITS	64

/* Round trips through the guest, interrupts off, until a full exit. */
static int vmx_enter_exit(struct pvx_vcpu *vcpu)
{
	struct vmx_vcpu *v = &vcpu->vmx;
	u64 exit_tsc;
	int budget, r;
	bool dr;

	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();
	vmx_update_host_fields(v);
	if (vmx_ctls.pin & PIN_BASED_VMX_PREEMPTION_TIMER)
		vmcs_write(VMX_PREEMPTION_TIMER_VALUE, vmx_timer_ticks);
	dr = vmx_load_guest_state(v);
	/* Queued events: see vmx_event.c for why guest_cpu goes first. */
	WRITE_ONCE(vcpu->events.guest_cpu, smp_processor_id());
	smp_mb();
	vmx_events_inject(vcpu);

	for (budget = VMX_FAST_EXITS; ; budget--) {
		pvx_stats_entry(vcpu);
		trace_pvx_entry(vcpu);
		r = vmx_enter_guest(v->regs, v->launched);
		exit_tsc = rdtsc();
		if (r)
			break;
		v->exit_reason = vmcs_read32(VM_EXIT_REASON);
		pvx_stats_exit(vcpu, exit_tsc);
		trace_pvx_exit(vcpu);
		if (!(v->exit_reason & VMX_EXIT_REASONS_FAILED_VMENTRY))
			v->launched = true;
		if (!budget || !vmx_exit_fastpath(vcpu))
			break;
		/*
		 * Events queued meanwhile, by the fast exit itself (a Xen
		 * upcall) or by another thread, go in on this entry: one
		 * vmx_events_queued() per fast exit (a check before the fast
		 * path as well cost CPUID ~70 ticks in the box).
		 */
		vmx_events_inject(vcpu);
	}

	WRITE_ONCE(vcpu->events.guest_cpu, -1);
	vmx_load_host_state(v, dr);
	if (r)
		return r;
	vmx_handle_host_events(v);
	return 0;
}

/* VMLAUNCH/VMRESUME did not even start the guest. */
static int vmx_entry_failed(struct pvx_vcpu *vcpu, int r)
{
	struct pvx_run *run = vcpu->run;

	if (r == VMX_ENTER_FAULT) {	/* VMX is off: the host reboots */
		vmx_exit_internal(vcpu, PVX_INTERNAL_UNHANDLED_EXIT);
		return -EIO;
	}
	run->exit_reason = PVX_EXIT_FAIL_ENTRY;
	run->fail_entry.hardware_entry_failure_reason =
		PVX_FAIL_ENTRY_VMFAIL | vmcs_read32(VM_INSTRUCTION_ERROR);
	run->fail_entry.qualification = 0;
	return 0;
}

/**
 * vmx_vcpu_run() - PVX_RUN: complete the last exit, then run the guest.
 * @vcpu: the vCPU, loaded, its guest FPU state in place.
 *
 * Return: 0 with vcpu->run describing the exit, -EINTR for a pending
 * signal, or another negative errno.
 */
int vmx_vcpu_run(struct pvx_vcpu *vcpu)
{
	int r;

	vmx_save_host_state(&vcpu->vmx);
	r = vmx_io_complete(vcpu);
	if (r > 0 && (READ_ONCE(vcpu->run->flags) & ~PVX_RUN_IMMEDIATE_EXIT))
		return -EINVAL;
	while (r > 0) {
		if (signal_pending(current) ||
		    (READ_ONCE(vcpu->run->flags) & PVX_RUN_IMMEDIATE_EXIT)) {
			vcpu->run->exit_reason = PVX_EXIT_INTR;
			return -EINTR;
		}
		if (unlikely(vcpu->events.halted)) {
			r = vmx_events_block(vcpu);
			continue;
		}
		if (unlikely(lapic_waits_sipi(&vcpu->lapic))) {
			r = lapic_wait_sipi(vcpu);
			continue;
		}
		if (unlikely(vcpu->policy_gen != READ_ONCE(vcpu->vm->policy_gen)))
			vmx_policy_update(vcpu);
		cond_resched();
		local_irq_disable();
		r = vmx_enter_exit(vcpu);
		local_irq_enable();
		if (r)
			return vmx_entry_failed(vcpu, r);
		r = vmx_handle_exit(vcpu);
	}
	return r;
}
