// SPDX-License-Identifier: GPL-2.0
/*
 * VM exit handlers, dispatched by a table indexed by the basic exit reason
 * (SDM Appendix C).
 *
 * A handler returns 1 to re-enter the guest, 0 to return to userspace with
 * vcpu->run filled in, or a negative errno. An exit pvx does not handle
 * becomes PVX_EXIT_INTERNAL_ERROR, never a host crash.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <asm/fpu/xcr.h>
#include <asm/fpu/types.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/traps.h>
#include <asm/vmx.h>

#include "vmx.h"
#include "vmx_ops.h"
#include "../core/pvx.h"

typedef int (*vmx_exit_handler)(struct pvx_vcpu *vcpu);

/**
 * vmx_exit_internal() - report an exit pvx cannot handle to userspace.
 * @vcpu: the vCPU.
 * @suberror: PVX_INTERNAL_*.
 */
int vmx_exit_internal(struct pvx_vcpu *vcpu, u32 suberror)
{
	struct pvx_run *run = vcpu->run;

	run->exit_reason = PVX_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	run->internal.exit_reason = vcpu->vmx.exit_reason;
	run->internal.qualification = vmcs_read(EXIT_QUALIFICATION);
	run->internal.guest_rip = vmcs_read(GUEST_RIP);
	run->internal.guest_phys_addr = vmcs_read64(GUEST_PHYSICAL_ADDRESS);
	run->internal.insn_len = 0;	/* the emulator's caller fills it */
	memset(run->internal.insn, 0, sizeof(run->internal.insn));
	return 0;
}

static int handle_unknown(struct pvx_vcpu *vcpu)
{
	return vmx_exit_internal(vcpu, PVX_INTERNAL_UNHANDLED_EXIT);
}

/* The host took its interrupt when pvx re-enabled interrupts. */
static int handle_resume(struct pvx_vcpu *vcpu)
{
	return 1;
}

static int handle_skip(struct pvx_vcpu *vcpu)
{
	vmx_skip_instruction();
	return 1;
}

static int handle_ud(struct pvx_vcpu *vcpu)
{
	vmx_inject_ud();
	return 1;
}

static int handle_gp(struct pvx_vcpu *vcpu)
{
	vmx_inject_gp();
	return 1;
}

static void set_reg32(struct pvx_vcpu *vcpu, int reg, u32 val)
{
	vcpu->vmx.regs[reg] = val;	/* 32-bit results zero-extend */
}

static int handle_triple_fault(struct pvx_vcpu *vcpu)
{
	vcpu->run->exit_reason = PVX_EXIT_SHUTDOWN;
	return 0;
}

/*
 * HLT with interrupts on and nothing queued halts the vCPU: the run loop
 * sleeps until an event is queued or a signal comes. With interrupts off
 * only an NMI could wake the guest: without one queued, a vCPU with the
 * x2APIC goes down to wait for INIT-SIPI unless it is the last one up
 * (lapic_hlt_down(), Xen's hvm_hlt()); else userspace decides
 * (PVX_EXIT_HLT).
 */
static int handle_hlt(struct pvx_vcpu *vcpu)
{
	bool if_set = vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_IF;

	vmx_skip_instruction();
	if (vmx_events_deliverable(vcpu, if_set))
		return 1;
	if (!if_set) {
		if (lapic_hlt_down(vcpu))
			return 1;
		vcpu->run->exit_reason = PVX_EXIT_HLT;
		return 0;
	}
	vcpu->events.halted = true;
	vcpu->stats.halt_blocks++;
	return 1;
}

/* The guest's TSC: the host's plus TSC_OFFSET (SDM 25.3). */
static int handle_rdtsc(struct pvx_vcpu *vcpu)
{
	u64 tsc = rdtsc() + vmcs_read64(TSC_OFFSET);

	set_reg32(vcpu, VMX_RAX, tsc);
	set_reg32(vcpu, VMX_RDX, tsc >> 32);
	return handle_skip(vcpu);
}

/*
 * RDRAND/RDSEED: the destination register and operand size come in the
 * VM-exit instruction information (SDM Table 28-15); success is CF=1 with
 * OF, SF, ZF, AF and PF cleared.
 */
static int handle_rdrand(struct pvx_vcpu *vcpu)
{
	u32 info = vmcs_read32(VMX_INSTRUCTION_INFO);
	int reg = (info >> 3) & 15, size = 2 << ((info >> 11) & 3);
	unsigned long val, rflags = vmcs_read(GUEST_RFLAGS);

	get_random_bytes(&val, sizeof(val));
	if (size == 2)
		val = (vmx_get_reg(vcpu, reg) & ~0xffffUL) | (u16)val;
	else if (size == 4)
		val = (u32)val;
	vmx_set_reg(vcpu, reg, val);
	rflags &= ~(X86_EFLAGS_OF | X86_EFLAGS_SF | X86_EFLAGS_ZF |
		    X86_EFLAGS_AF | X86_EFLAGS_PF);
	vmcs_write(GUEST_RFLAGS, rflags | X86_EFLAGS_CF);
	return handle_skip(vcpu);
}


/* Userspace answers this leaf: it gets what pvx would have said. */
static int forward_cpuid(struct pvx_vcpu *vcpu, const u32 out[4])
{
	struct pvx_run *run = vcpu->run;

	run->exit_reason = PVX_EXIT_CPUID;
	run->cpuid.function = vcpu->vmx.regs[VMX_RAX];
	run->cpuid.index = vcpu->vmx.regs[VMX_RCX];
	run->cpuid.eax = out[0];
	run->cpuid.ebx = out[1];
	run->cpuid.ecx = out[2];
	run->cpuid.edx = out[3];
	vcpu->vmx.exit_insn_len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
	vcpu->pending = PVX_PENDING_CPUID;
	return 0;
}

static int handle_cpuid(struct pvx_vcpu *vcpu)
{
	unsigned long *regs = vcpu->vmx.regs;
	u32 out[4];

	pvx_cpuid_lookup(vcpu, regs[VMX_RAX], regs[VMX_RCX], out);
	if (pv_enabled(&vcpu->vm->pv))
		pv_cpuid(vcpu, regs[VMX_RAX], regs[VMX_RCX], out);
	/* CPUID.1:ECX.OSXSAVE mirrors the guest's CR4.OSXSAVE (SDM CPUID). */
	if ((u32)regs[VMX_RAX] == 1) {
		out[2] &= ~BIT(27);
		if (vmx_read_cr4() & X86_CR4_OSXSAVE)
			out[2] |= BIT(27);
	}
	if (unlikely(vcpu->vmx.msr.misc_enable & (MSR_IA32_MISC_ENABLE_LIMIT_CPUID |
						  MSR_IA32_MISC_ENABLE_XD_DISABLE)))
		vmx_misc_enable_cpuid(vcpu, regs[VMX_RAX], out);
	if (unlikely(vcpu->policy.ncpuid) &&
	    vmx_policy_cpuid_forwarded(vcpu, regs[VMX_RAX]))
		return forward_cpuid(vcpu, out);
	set_reg32(vcpu, VMX_RAX, out[0]);
	set_reg32(vcpu, VMX_RBX, out[1]);
	set_reg32(vcpu, VMX_RCX, out[2]);
	set_reg32(vcpu, VMX_RDX, out[3]);
	return handle_skip(vcpu);
}

/**
 * vmx_cpuid_complete() - PVX_RUN after PVX_EXIT_CPUID: userspace's answer.
 * @vcpu: the vCPU.
 *
 * Return: 1.
 */
int vmx_cpuid_complete(struct pvx_vcpu *vcpu)
{
	struct pvx_run *run = vcpu->run;

	set_reg32(vcpu, VMX_RAX, READ_ONCE(run->cpuid.eax));
	set_reg32(vcpu, VMX_RBX, READ_ONCE(run->cpuid.ebx));
	set_reg32(vcpu, VMX_RCX, READ_ONCE(run->cpuid.ecx));
	set_reg32(vcpu, VMX_RDX, READ_ONCE(run->cpuid.edx));
	vmx_skip_instruction_len(vcpu->vmx.exit_insn_len);
	return 1;
}

/*
 * A PV VM's VMCALL is a Xen hypercall (pv/pv_hypercall.c); without PV,
 * pvx defines none: Xen's answer to an unknown one, -ENOSYS.
 */
static int handle_vmcall(struct pvx_vcpu *vcpu)
{
	if (pv_enabled(&vcpu->vm->pv))
		return pv_handle_vmcall(vcpu);
	vcpu->vmx.regs[VMX_RAX] = -ENOSYS;
	return handle_skip(vcpu);
}

/* Userspace handles this MSR (a read starts from pvx's value, or 0). */
static int forward_msr(struct pvx_vcpu *vcpu, bool is_write, u64 data)
{
	struct pvx_run *run = vcpu->run;

	run->exit_reason = PVX_EXIT_MSR;
	run->msr.index = vcpu->vmx.regs[VMX_RCX];
	run->msr.is_write = is_write;
	run->msr.error = 0;
	memset(run->msr.padding, 0, sizeof(run->msr.padding));
	run->msr.data = data;
	vcpu->vmx.exit_insn_len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
	vcpu->pending = PVX_PENDING_MSR;
	return 0;
}

static bool msr_forwarded(struct pvx_vcpu *vcpu)
{
	return unlikely(vcpu->policy.nmsr) &&
	       vmx_policy_msr_forwarded(vcpu, vcpu->vmx.regs[VMX_RCX]);
}

/**
 * vmx_msr_complete() - PVX_RUN after PVX_EXIT_MSR: userspace's answer.
 * @vcpu: the vCPU.
 *
 * Return: 1.
 */
int vmx_msr_complete(struct pvx_vcpu *vcpu)
{
	struct pvx_run *run = vcpu->run;
	u64 data = READ_ONCE(run->msr.data);

	if (READ_ONCE(run->msr.error)) {
		vmx_inject_gp();
		return 1;
	}
	if (!run->msr.is_write) {
		set_reg32(vcpu, VMX_RAX, data);
		set_reg32(vcpu, VMX_RDX, data >> 32);
	}
	vmx_skip_instruction_len(vcpu->vmx.exit_insn_len);
	return 1;
}

static int handle_rdmsr(struct pvx_vcpu *vcpu)
{
	u64 val;
	int r = vmx_msr_get(vcpu, vcpu->vmx.regs[VMX_RCX], &val);

	if (msr_forwarded(vcpu))
		return forward_msr(vcpu, false, r ? 0 : val);
	if (r)
		return handle_gp(vcpu);
	set_reg32(vcpu, VMX_RAX, val);
	set_reg32(vcpu, VMX_RDX, val >> 32);
	return handle_skip(vcpu);
}

static int handle_wrmsr(struct pvx_vcpu *vcpu)
{
	unsigned long *regs = vcpu->vmx.regs;
	u64 val = (u32)regs[VMX_RAX] | ((u64)regs[VMX_RDX] << 32);

	if (msr_forwarded(vcpu))
		return forward_msr(vcpu, true, val);
	if (vmx_msr_set(vcpu, regs[VMX_RCX], val))
		return handle_gp(vcpu);
	return handle_skip(vcpu);
}

/*
 * XSETBV (SDM Vol. 2): XCR0 only, at CPL 0, x87 always on, AVX needs SSE,
 * and only features the host enabled (the guest's XSAVE area is sized for
 * those).
 */
static int handle_xsetbv(struct pvx_vcpu *vcpu)
{
	unsigned long *regs = vcpu->vmx.regs;
	u64 xcr0 = (u32)regs[VMX_RAX] | ((u64)regs[VMX_RDX] << 32);
	bool cpl0 = !((vmcs_read32(GUEST_SS_AR_BYTES) >> 5) & 3);

	if ((u32)regs[VMX_RCX] != 0 || !cpl0 || !(xcr0 & XFEATURE_MASK_FP) ||
	    ((xcr0 & XFEATURE_MASK_YMM) && !(xcr0 & XFEATURE_MASK_SSE)) ||
	    (xcr0 & ~vcpu->vmx.host_xcr0))
		return handle_gp(vcpu);
	vcpu->vmx.xcr0 = xcr0;
	return handle_skip(vcpu);
}

/* MOV to/from CR, CLTS, LMSW (exit qualification: SDM Table 28-3). */
static int handle_cr(struct pvx_vcpu *vcpu)
{
	unsigned long qual = vmcs_read(EXIT_QUALIFICATION);
	int cr = qual & 15, type = (qual >> 4) & 3, reg = (qual >> 8) & 15;
	unsigned long val = vmx_get_reg(vcpu, reg);
	unsigned long cr0 = vmx_read_cr0();
	int r = 0;

	switch (type * 16 + cr) {
	case 0 * 16 + 0:
		r = vmx_set_cr0(vcpu, val);
		break;
	case 0 * 16 + 3:
		r = vmx_set_cr3(vcpu, val);
		break;
	case 0 * 16 + 4:
		r = vmx_set_cr4(vcpu, val);
		break;
	case 0 * 16 + 8:
		if (val & ~0xfUL)
			r = -EINVAL;
		else
			vcpu->vmx.cr8 = val;
		break;
	case 1 * 16 + 3:
		vmx_set_reg(vcpu, reg, vmcs_read(GUEST_CR3));
		break;
	case 1 * 16 + 8:
		vmx_set_reg(vcpu, reg, vcpu->vmx.cr8);
		break;
	case 2 * 16 + 0:	/* CLTS */
		r = vmx_set_cr0(vcpu, cr0 & ~X86_CR0_TS);
		break;
	case 3 * 16 + 0:	/* LMSW: sets PE but never clears it */
		val = (qual >> 16) & 0xf;
		r = vmx_set_cr0(vcpu, (cr0 & ~0xeUL) | val | (cr0 & X86_CR0_PE));
		break;
	default:
		return handle_unknown(vcpu);
	}
	return r ? handle_gp(vcpu) : handle_skip(vcpu);
}

/*
 * MOV DR. Trapped by the policy, the guest's debug registers are emulated,
 * never loaded into the CPU (the host's breakpoints stay intact); DR4/5
 * alias DR6/7 without CR4.DE (SDM 17.2.2). Qualification: SDM Table 28-4.
 * Not trapped by the policy, the first access of a run stops MOV DR
 * exiting and the instruction runs again on the guest's own registers.
 */
static int handle_dr(struct pvx_vcpu *vcpu)
{
	unsigned long qual = vmcs_read(EXIT_QUALIFICATION);
	int dr = qual & 7, reg = (qual >> 8) & 15;
	bool read = qual & BIT(4);
	struct vmx_vcpu *v = &vcpu->vmx;
	u64 *slot;

	/* Not trapped by the policy: hand the registers over (vmx_run.c). */
	if (v->dr_passthrough) {
		vmx_dr_wont_exit(vcpu);
		return 1;
	}
	if ((vmcs_read32(GUEST_SS_AR_BYTES) >> 5) & 3)
		return handle_gp(vcpu);
	if (dr == 4 || dr == 5) {
		if (vmx_read_cr4() & X86_CR4_DE)
			return handle_ud(vcpu);
		dr += 2;
	}
	slot = dr < 4 ? &v->dr[dr] : dr == 6 ? &v->dr6 : &v->dr7;
	if (read)
		vmx_set_reg(vcpu, reg, *slot);
	else
		*slot = vmx_get_reg(vcpu, reg);
	return handle_skip(vcpu);
}

/*
 * Deliver again an event the VM exit reported (@info, in the layout of the
 * interruption-information fields, SDM 24.9.2-24.9.3; its error code in
 * the VMCS field @error_field). Software interrupts and exceptions need
 * their instruction length (SDM 26.6.1.1). In real mode (unrestricted
 * guest, CR0.PE = 0) an exception pushes no error code, and VM entry
 * fails on an injection that asks for one (SDM 26.2.1.3); the exit may
 * still say "error code valid" for a #GP there (Bochs does), so that bit
 * is dropped.
 */
static void vmx_deliver_again(u32 info, unsigned long error_field)
{
	u32 type = info & INTR_INFO_INTR_TYPE_MASK;

	if (!(vmcs_read(GUEST_CR0) & X86_CR0_PE))
		info &= ~INTR_INFO_DELIVER_CODE_MASK;
	if (info & INTR_INFO_DELIVER_CODE_MASK)
		vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE,
			   vmcs_read32(error_field));
	if (type == INTR_TYPE_SOFT_INTR || type == INTR_TYPE_SOFT_EXCEPTION ||
	    type == INTR_TYPE_PRIV_SW_EXCEPTION)
		vmcs_write(VM_ENTRY_INSTRUCTION_LEN,
			   vmcs_read32(VM_EXIT_INSTRUCTION_LEN));
	else if (type == INTR_TYPE_HARD_EXCEPTION)
		vmx_set_rf_for_fault(info & INTR_INFO_VECTOR_MASK);
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, info & ~INTR_INFO_UNBLOCK_NMI);
}

/*
 * An exit that interrupted the delivery of an event to the guest (an EPT
 * violation on its IDT, say) must deliver it again (SDM 28.2.4, 29.2.1).
 */
static void vmx_reinject_vectoring(void)
{
	u32 info = vmcs_read32(IDT_VECTORING_INFO_FIELD);

	if (info & VECTORING_INFO_VALID_MASK)
		vmx_deliver_again(info, IDT_VECTORING_ERROR_CODE);
}

/*
 * An exception the policy intercepts but does not forward: deliver it to
 * the guest as the CPU would have. A #PF's address is in the exit
 * qualification, not in CR2 (SDM 27.1); INT3/INTO are re-injected as
 * software exceptions with their length, so that the guest's handler sees
 * the return address after them (SDM 26.6.1.1). If the exception hit
 * while the CPU delivered another event (IDT-vectoring information, SDM
 * 28.2.4), a queued interrupt or NMI goes back to the queue and an
 * exception during an exception's delivery becomes #DF (SDM Table 6-5,
 * simplified: every pair is treated as contributory).
 */
static int reflect_exception(struct pvx_vcpu *vcpu, u32 info)
{
	u32 prev = vmcs_read32(VM_ENTRY_INTR_INFO_FIELD);

	if (prev & INTR_INFO_VALID_MASK) {
		u32 ptype = prev & INTR_INFO_INTR_TYPE_MASK;

		vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
		if (ptype == INTR_TYPE_EXT_INTR)
			set_bit(prev & INTR_INFO_VECTOR_MASK, vcpu->events.irr);
		else if (ptype == INTR_TYPE_NMI_INTR)
			set_bit(0, &vcpu->events.nmi);
		else if (ptype == INTR_TYPE_HARD_EXCEPTION) {
			if ((prev & INTR_INFO_VECTOR_MASK) == X86_TRAP_DF)
				return handle_triple_fault(vcpu);
			vmx_inject_exception(X86_TRAP_DF, true, 0);
			return 1;
		}
	}
	if ((info & INTR_INFO_VECTOR_MASK) == X86_TRAP_PF)
		vcpu->vmx.cr2 = vmcs_read(EXIT_QUALIFICATION);
	vmx_deliver_again(info, VM_EXIT_INTR_ERROR_CODE);
	return 1;
}

/*
 * Exceptions that exit: #DB and #AC go back to the guest (they exit only
 * so that a guest cannot wedge the CPU in an endless delivery loop); #MC
 * is the host's; an NMI was handled with interrupts still off; the rest
 * exit because the policy intercepts them.
 */
static int handle_exception_nmi(struct pvx_vcpu *vcpu)
{
	u32 info = vmcs_read32(VM_EXIT_INTR_INFO);
	unsigned int vector = info & INTR_INFO_VECTOR_MASK;

	if ((info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR)
		return 1;
	switch (vector) {
	case X86_TRAP_DB:
		vcpu->vmx.dr6 |= vmcs_read(EXIT_QUALIFICATION);
		vmx_inject_exception(X86_TRAP_DB, false, 0);
		return 1;
	case X86_TRAP_AC:
		vmx_inject_exception(X86_TRAP_AC, true,
				     vmcs_read32(VM_EXIT_INTR_ERROR_CODE));
		return 1;
	case X86_TRAP_MC:	/* handed to the host with interrupts off */
		return 1;
	default:
		if (vcpu->policy.exceptions & BIT(vector))
			return reflect_exception(vcpu, info);
		return handle_unknown(vcpu);
	}
}

/*
 * Forwarded exits: userspace gets the raw exit and the registers, and the
 * next PVX_RUN loads the registers it leaves (vmx_trap_complete()).
 */
static int forward_exit(struct pvx_vcpu *vcpu, u32 basic)
{
	struct pvx_run *run = vcpu->run;

	run->exit_reason = PVX_EXIT_TRAP;
	run->trap.reason = basic;
	run->trap.insn_len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
	run->trap.qualification = vmcs_read(EXIT_QUALIFICATION);
	run->trap.insn_info = vmcs_read32(VMX_INSTRUCTION_INFO);
	run->trap.intr_info = vmcs_read32(VM_EXIT_INTR_INFO);
	run->trap.intr_error = vmcs_read32(VM_EXIT_INTR_ERROR_CODE);
	run->trap.padding = 0;
	run->trap.guest_phys_addr = vmcs_read64(GUEST_PHYSICAL_ADDRESS);
	vmx_get_regs(vcpu, &run->trap.regs);
	vcpu->pending = PVX_PENDING_TRAP;
	return 0;
}

/*
 * Does this exit go to userspace? Exceptions by vector (never an NMI);
 * CR accesses only for CR3 and CR8 (CR0/CR4 are the host's business).
 */
static bool exit_forwarded(struct pvx_vcpu *vcpu, u32 basic)
{
	const struct pvx_exit_policy *p = &vcpu->policy;
	u32 info, cr;

	if (basic == EXIT_REASON_EXCEPTION_NMI) {
		if (likely(!p->forward_exceptions))
			return false;
		info = vmcs_read32(VM_EXIT_INTR_INFO);
		return (info & INTR_INFO_INTR_TYPE_MASK) != INTR_TYPE_NMI_INTR &&
		       (p->forward_exceptions &
			BIT(info & INTR_INFO_VECTOR_MASK));
	}
	if (basic >= 128 || !(p->forward[basic / 64] & BIT_ULL(basic % 64)))
		return false;
	/* MOV DR the policy does not trap exits only for the lazy switch. */
	if (basic == EXIT_REASON_DR_ACCESS && vcpu->vmx.dr_passthrough)
		return false;
	if (basic != EXIT_REASON_CR_ACCESS)
		return true;
	cr = vmcs_read(EXIT_QUALIFICATION) & 15;
	return cr == 3 || cr == 8;
}

/**
 * vmx_trap_complete() - PVX_RUN after PVX_EXIT_TRAP: load the registers.
 * @vcpu: the vCPU.
 *
 * An instruction userspace stepped over (RIP moved) ends an STI or MOV SS
 * shadow as executing it would have.
 *
 * Return: 1, or -EINVAL for registers PVX_SET_REGS would refuse (the exit
 * stays pending: fix them and call PVX_RUN again).
 */
int vmx_trap_complete(struct pvx_vcpu *vcpu)
{
	struct pvx_regs regs;
	unsigned long rip = vmcs_read(GUEST_RIP);

	memcpy(&regs, &vcpu->run->trap.regs, sizeof(regs));
	if (vmx_set_regs(vcpu, &regs)) {
		vcpu->pending = PVX_PENDING_TRAP;
		return -EINVAL;
	}
	if (regs.rip != rip)
		vmx_clear_interrupt_shadow();
	return 1;
}

/*
 * Task switch (SDM 25.4.2; exit qualification Table 28-2): x86/ does it.
 * One through a task gate in the IDT is the delivery of the event in the
 * IDT-vectoring information, which vmx_reinject_vectoring() just queued
 * again: the switch delivers it instead (its error code goes on the new
 * task's stack; an NMI blocks NMIs, SDM 6.7.1). CALL, JMP, IRET and INT n
 * have an instruction length: the old task resumes after them.
 */
static int handle_task_switch(struct pvx_vcpu *vcpu)
{
	unsigned long qual = vmcs_read(EXIT_QUALIFICATION);
	u32 idt = vmcs_read32(IDT_VECTORING_INFO_FIELD);
	u32 type = idt & INTR_INFO_INTR_TYPE_MASK, error = 0;
	int source = (qual >> 30) & 3, r;
	unsigned int len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
	bool has_error = false;

	if (source == 3 && (idt & VECTORING_INFO_VALID_MASK)) {
		vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
		if (idt & VECTORING_INFO_DELIVER_CODE_MASK) {
			has_error = true;
			error = vmcs_read32(IDT_VECTORING_ERROR_CODE);
		}
		if (type == INTR_TYPE_NMI_INTR)
			vmcs_set_bits(GUEST_INTERRUPTIBILITY_INFO,
				      GUEST_INTR_STATE_NMI);
		if (type != INTR_TYPE_SOFT_INTR &&
		    type != INTR_TYPE_SOFT_EXCEPTION &&
		    type != INTR_TYPE_PRIV_SW_EXCEPTION)
			len = 0;
	}
	r = x86_task_switch(vcpu, qual & 0xffff, source, has_error, error, len);
	if (r)
		return vmx_exit_internal(vcpu, PVX_INTERNAL_EMULATION);
	vmx_clear_interrupt_shadow();
	return 1;
}

static const vmx_exit_handler vmx_exit_handlers[] = {
	[EXIT_REASON_EXCEPTION_NMI] = handle_exception_nmi,
	[EXIT_REASON_EXTERNAL_INTERRUPT] = handle_resume,
	/* The next entry injects what the window waited for. */
	[EXIT_REASON_INTERRUPT_WINDOW] = handle_resume,
	[EXIT_REASON_NMI_WINDOW] = handle_resume,
	[EXIT_REASON_TRIPLE_FAULT] = handle_triple_fault,
	[EXIT_REASON_TASK_SWITCH] = handle_task_switch,
	[EXIT_REASON_CPUID] = handle_cpuid,
	[EXIT_REASON_HLT] = handle_hlt,
	[EXIT_REASON_INVD] = handle_skip,
	[EXIT_REASON_RDPMC] = handle_gp,	/* pvx offers no counters */
	[EXIT_REASON_RDTSC] = handle_rdtsc,
	[EXIT_REASON_VMCALL] = handle_vmcall,
	[EXIT_REASON_VMCLEAR] = handle_ud,
	[EXIT_REASON_VMLAUNCH] = handle_ud,
	[EXIT_REASON_VMPTRLD] = handle_ud,
	[EXIT_REASON_VMPTRST] = handle_ud,
	[EXIT_REASON_VMREAD] = handle_ud,
	[EXIT_REASON_VMRESUME] = handle_ud,
	[EXIT_REASON_VMWRITE] = handle_ud,
	[EXIT_REASON_VMOFF] = handle_ud,
	[EXIT_REASON_VMON] = handle_ud,
	[EXIT_REASON_CR_ACCESS] = handle_cr,
	[EXIT_REASON_DR_ACCESS] = handle_dr,
	[EXIT_REASON_IO_INSTRUCTION] = vmx_io_exit,
	[EXIT_REASON_MSR_READ] = handle_rdmsr,
	[EXIT_REASON_MSR_WRITE] = handle_wrmsr,
	[EXIT_REASON_MWAIT_INSTRUCTION] = handle_ud,
	[EXIT_REASON_MONITOR_TRAP_FLAG] = handle_resume,
	[EXIT_REASON_MONITOR_INSTRUCTION] = handle_ud,
	[EXIT_REASON_PAUSE_INSTRUCTION] = handle_skip,
	[EXIT_REASON_EPT_VIOLATION] = vmx_ept_violation,
	[EXIT_REASON_INVEPT] = handle_ud,
	[EXIT_REASON_PREEMPTION_TIMER] = handle_resume,
	[EXIT_REASON_INVVPID] = handle_ud,
	[EXIT_REASON_WBINVD] = handle_skip,
	[EXIT_REASON_XSETBV] = handle_xsetbv,
	[EXIT_REASON_RDRAND] = handle_rdrand,
	[EXIT_REASON_VMFUNC] = handle_ud,
	[EXIT_REASON_RDSEED] = handle_rdrand,
};

/**
 * vmx_exit_fastpath() - handle a simple exit with interrupts still off.
 * @vcpu: the vCPU, right after the VM exit, host state not yet restored.
 *
 * CPUID and VMCALL need nothing the guest's values now hold in the CPU
 * (KERNEL_GS_BASE, XCR0, CR2, SYSCALL MSRs) and cannot sleep or fault, so
 * the guest re-enters at once (the full path costs twice as much). Exits
 * the policy forwards take the full path, as do the Xen hypercalls that
 * have no fast handler (pv_vmcall_fast()).
 *
 * Return: true if handled, false for vmx_handle_exit().
 */
bool vmx_exit_fastpath(struct pvx_vcpu *vcpu)
{
	u32 reason = vcpu->vmx.exit_reason;

	if (reason >= 64 || (vcpu->policy.forward[0] & BIT_ULL(reason)))
		return false;
	switch (reason) {
	case EXIT_REASON_CPUID:
		return !vcpu->policy.ncpuid && handle_cpuid(vcpu);
	case EXIT_REASON_VMCALL:
		if (pv_enabled(&vcpu->vm->pv))
			return pv_vmcall_fast(vcpu);
		return handle_vmcall(vcpu);
	default:
		return false;
	}
}

/**
 * vmx_handle_exit() - handle the VM exit that just happened.
 * @vcpu: the vCPU, loaded, interrupts on.
 *
 * Return: 1 to re-enter, 0 for userspace (vcpu->run filled), or -errno.
 */
int vmx_handle_exit(struct pvx_vcpu *vcpu)
{
	u32 reason = vcpu->vmx.exit_reason;
	u16 basic = reason;

	if (reason & VMX_EXIT_REASONS_FAILED_VMENTRY) {
		vcpu->run->exit_reason = PVX_EXIT_FAIL_ENTRY;
		vcpu->run->fail_entry.hardware_entry_failure_reason = reason;
		vcpu->run->fail_entry.qualification =
			vmcs_read(EXIT_QUALIFICATION);
		return 0;
	}
	vmx_reinject_vectoring();
	if (unlikely(exit_forwarded(vcpu, basic)))
		return forward_exit(vcpu, basic);
	if (basic < ARRAY_SIZE(vmx_exit_handlers) && vmx_exit_handlers[basic])
		return vmx_exit_handlers[basic](vcpu);
	return handle_unknown(vcpu);
}
