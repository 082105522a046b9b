// SPDX-License-Identifier: GPL-2.0
/*
 * The run loop: enter the guest, come back, handle the exit, again.
 *
 * Each entry happens with interrupts off, after the guest's CR2, XCR0,
 * KERNEL_GS_BASE and SYSCALL MSRs were put in the CPU, and with the VMX
 * preemption timer armed so that no guest, even one spinning with IF=0,
 * keeps the CPU for more than a slice (and the Bochs test box, which lets
 * such a guest ignore host interrupts, does not freeze). After the exit
 * the host's values come back before interrupts are enabled again; host
 * interrupts that caused the exit are then taken as usual. Signals end
 * PVX_RUN with -EINTR; need_resched() is honored between entries, so
 * guests spinning on one CPU share it slice by slice. A halted guest
 * (HLT, vmx_exit.c) makes the loop sleep until an event is queued.
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

/**
 * vmx_vcpu_put() - the vCPU's thread leaves this CPU (or PVX_RUN ends).
 *
 * A VM exit set the GDT limit to 0xffff and the TR limit to 0x67 (SDM
 * 28.5.2): restore them before userspace or another task can notice.
 */
void vmx_vcpu_put(struct pvx_vcpu *vcpu)
{
	if (!vcpu->vmx.host_state_dirty)
		return;
	load_fixmap_gdt(smp_processor_id());
	invalidate_tss_limit();
	vcpu->vmx.host_state_dirty = false;
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
	rdmsrl(MSR_KERNEL_GS_BASE, v->host_kernel_gs_base);
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
 * Without MOV DR exiting the guest owns the debug registers while it runs:
 * DR0-3 and DR6 are loaded here, DR7 by VM entry from GUEST_DR7 (SDM
 * 26.3.2.1), and saved after the exit; the host's come back after.
 */
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

static void vmx_load_guest_state(struct vmx_vcpu *v)
{
	if (unlikely(v->dr_passthrough))
		vmx_load_guest_dr(v);
	if (v->cr2 != native_read_cr2())
		native_write_cr2(v->cr2);
	if (v->xcr0 != v->host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, v->xcr0);
	if (v->msr.kernel_gs_base != v->host_kernel_gs_base)
		wrmsrl(MSR_KERNEL_GS_BASE, v->msr.kernel_gs_base);
	vmx_msr_switch(v, true);
}

/* The guest may have run SWAPGS or left CR2: save, and restore the host. */
static void vmx_load_host_state(struct vmx_vcpu *v)
{
	v->host_state_dirty = true;
	v->cr2 = native_read_cr2();
	rdmsrl(MSR_KERNEL_GS_BASE, v->msr.kernel_gs_base);
	if (v->msr.kernel_gs_base != v->host_kernel_gs_base)
		wrmsrl(MSR_KERNEL_GS_BASE, v->host_kernel_gs_base);
	if (v->xcr0 != v->host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, v->host_xcr0);
	vmx_msr_switch(v, false);
	if (unlikely(v->dr_passthrough))
		vmx_save_guest_dr(v);
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

	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();
	vmx_update_host_fields(v);
	if (vmx_ctls.pin & PIN_BASED_VMX_PREEMPTION_TIMER)
		vmcs_write(VMX_PREEMPTION_TIMER_VALUE, vmx_timer_ticks);
	vmx_load_guest_state(v);
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
		if (!budget || vmx_events_queued(vcpu) ||
		    !vmx_exit_fastpath(vcpu))
			break;
	}

	WRITE_ONCE(vcpu->events.guest_cpu, -1);
	vmx_load_host_state(v);
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
