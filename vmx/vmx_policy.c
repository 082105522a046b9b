// SPDX-License-Identifier: GPL-2.0
/*
 * The exit policy (PVX_SET_EXIT_POLICY): which optional VM exits a VM's
 * vCPUs take, and which exits go to userspace instead of being handled
 * here.
 *
 * The VM keeps the checked policy and a generation number; a vCPU whose
 * copy is older takes the new one before its next entry and rewrites its
 * VMCS controls. What the host's safety needs (vmx_ctls, and #DB, #AC and
 * #MC in the exception bitmap) is on whatever the policy says: a policy
 * adds exits, it never removes one.
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <asm/msr-index.h>
#include <asm/traps.h>
#include <asm/vmx.h>

#include "vmx.h"
#include "vmx_ops.h"
#include "../core/pvx.h"

/* The VMCS execution controls behind each PVX_TRAP_* bit (SDM 24.6.2). */
static const struct {
	u64 trap;
	u32 proc;
	u32 proc2;
} vmx_trap_controls[] = {
	{ PVX_TRAP_HLT, CPU_BASED_HLT_EXITING, 0 },
	{ PVX_TRAP_RDTSC, CPU_BASED_RDTSC_EXITING, 0 },
	{ PVX_TRAP_RDPMC, CPU_BASED_RDPMC_EXITING, 0 },
	{ PVX_TRAP_PAUSE, CPU_BASED_PAUSE_EXITING, 0 },
	{ PVX_TRAP_DR, CPU_BASED_MOV_DR_EXITING, 0 },
	{ PVX_TRAP_DESC, 0, SECONDARY_EXEC_DESC },
	{ PVX_TRAP_RDRAND, 0, SECONDARY_EXEC_RDRAND_EXITING },
	{ PVX_TRAP_CR3, CPU_BASED_CR3_LOAD_EXITING |
			CPU_BASED_CR3_STORE_EXITING, 0 },
	{ PVX_TRAP_CR8, CPU_BASED_CR8_LOAD_EXITING |
			CPU_BASED_CR8_STORE_EXITING, 0 },
	{ PVX_TRAP_MTF, CPU_BASED_MONITOR_TRAP_FLAG, 0 },
};

/* Exit reasons userspace may take over (uapi: pvx_exit_policy.forward). */
static const u8 vmx_forwardable[] = {
	EXIT_REASON_HLT, EXIT_REASON_RDPMC, EXIT_REASON_RDTSC,
	EXIT_REASON_VMCALL, EXIT_REASON_CR_ACCESS, EXIT_REASON_DR_ACCESS,
	EXIT_REASON_MONITOR_TRAP_FLAG, EXIT_REASON_PAUSE_INSTRUCTION,
	EXIT_REASON_GDTR_IDTR, EXIT_REASON_LDTR_TR, EXIT_REASON_RDTSCP,
	EXIT_REASON_RDRAND, EXIT_REASON_RDSEED,
};

/* Exceptions pvx always intercepts for the host (vmx_exit.c says why). */
#define VMX_HOST_EXCEPTIONS \
	(BIT(X86_TRAP_DB) | BIT(X86_TRAP_AC) | BIT(X86_TRAP_MC))

/**
 * vmx_policy_default() - the policy of a new VM: PVX_TRAP_DEFAULT only.
 * @p: filled in.
 */
void vmx_policy_default(struct pvx_exit_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->trap = PVX_TRAP_DEFAULT;
}

static bool vmx_forward_ok(const struct pvx_exit_policy *p)
{
	u64 ok[2] = { 0, 0 };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(vmx_forwardable); i++)
		ok[vmx_forwardable[i] / 64] |= BIT_ULL(vmx_forwardable[i] % 64);
	return !(p->forward[0] & ~ok[0]) && !(p->forward[1] & ~ok[1]);
}

static bool vmx_ranges_ok(const struct pvx_range *r, u32 n)
{
	u32 i;

	if (n > PVX_MAX_POLICY_RANGES)
		return false;
	for (i = 0; i < PVX_MAX_POLICY_RANGES; i++) {
		if (i < n ? r[i].first > r[i].last : r[i].first || r[i].last)
			return false;
	}
	return true;
}

/* Can the CPU turn on every control that @trap asks for? */
static bool vmx_trap_supported(u64 trap)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(vmx_trap_controls); i++) {
		u32 proc = vmx_trap_controls[i].proc;
		u32 proc2 = vmx_trap_controls[i].proc2;

		if (!(trap & vmx_trap_controls[i].trap))
			continue;
		if ((vmx_caps.procbased & ALLOWED1(proc)) != ALLOWED1(proc) ||
		    (vmx_caps.procbased2 & ALLOWED1(proc2)) != ALLOWED1(proc2))
			return false;
	}
	return true;
}

/**
 * vmx_policy_check() - is @p a policy pvx can apply?
 * @p: a policy copied from userspace.
 *
 * Return: 0, -EINVAL or -EOPNOTSUPP as PVX_SET_EXIT_POLICY documents.
 */
int vmx_policy_check(const struct pvx_exit_policy *p)
{
	u64 desc = BIT_ULL(EXIT_REASON_GDTR_IDTR) | BIT_ULL(EXIT_REASON_LDTR_TR);

	if (p->flags || p->reserved0 || memchr_inv(p->reserved, 0,
						   sizeof(p->reserved)))
		return -EINVAL;
	if ((p->trap & ~PVX_TRAP_ALL) ||
	    (p->exceptions & ~PVX_EXC_INTERCEPTABLE) ||
	    (p->forward_exceptions & ~p->exceptions) || !vmx_forward_ok(p) ||
	    ((p->trap & PVX_TRAP_DESC) && (p->forward[0] & desc) != desc) ||
	    !vmx_ranges_ok(p->cpuid, p->ncpuid) ||
	    !vmx_ranges_ok(p->msr, p->nmsr))
		return -EINVAL;
	return vmx_trap_supported(p->trap) ? 0 : -EOPNOTSUPP;
}

static bool vmx_in_ranges(const struct pvx_range *r, u32 n, u32 x)
{
	u32 i;

	for (i = 0; i < n; i++)
		if (x >= r[i].first && x <= r[i].last)
			return true;
	return false;
}

/* Does userspace answer CPUID leaf @leaf? */
bool vmx_policy_cpuid_forwarded(struct pvx_vcpu *vcpu, u32 leaf)
{
	return vmx_in_ranges(vcpu->policy.cpuid, vcpu->policy.ncpuid, leaf);
}

/* Does userspace handle RDMSR/WRMSR of @msr? */
bool vmx_policy_msr_forwarded(struct pvx_vcpu *vcpu, u32 msr)
{
	return vmx_in_ranges(vcpu->policy.msr, vcpu->policy.nmsr, msr);
}

/*
 * Without CR8 exiting the guest's CR8 is bits 7:4 of the virtual-APIC
 * page's TPR at offset 0x80 (SDM 29.1.1, 29.3); pvx's copy moves in and
 * out of it when the policy changes.
 */
static void vmx_cr8_switch(struct vmx_vcpu *v, bool shadow)
{
	u8 *vtpr = (u8 *)page_address(v->vapic_page) + 0x80;

	if (shadow)
		*vtpr = v->cr8 << 4;
	else if (v->proc & CPU_BASED_TPR_SHADOW)
		v->cr8 = *vtpr >> 4;
}

/* The policy's processor-based controls, with CR8 exiting or the shadow. */
static void vmx_policy_controls(const struct pvx_exit_policy *p, u32 *proc,
				u32 *proc2)
{
	size_t i;

	*proc = vmx_ctls.proc;
	*proc2 = vmx_ctls.proc2;
	for (i = 0; i < ARRAY_SIZE(vmx_trap_controls); i++) {
		if (!(p->trap & vmx_trap_controls[i].trap))
			continue;
		*proc |= vmx_trap_controls[i].proc;
		*proc2 |= vmx_trap_controls[i].proc2;
	}
	/* RDSEED exits with RDRAND where the CPU can make it exit. */
	if ((p->trap & PVX_TRAP_RDRAND) &&
	    (vmx_caps.procbased2 & ALLOWED1(SECONDARY_EXEC_RDSEED_EXITING)))
		*proc2 |= SECONDARY_EXEC_RDSEED_EXITING;
	/* Untrapped CR8 needs a TPR shadow, else it would be the host's TPR. */
	if (!(*proc & CPU_BASED_CR8_LOAD_EXITING) &&
	    !(vmx_caps.procbased & ALLOWED1(CPU_BASED_TPR_SHADOW)))
		*proc |= CPU_BASED_CR8_LOAD_EXITING |
			 CPU_BASED_CR8_STORE_EXITING;
	if (!(*proc & CPU_BASED_CR8_LOAD_EXITING))
		*proc |= CPU_BASED_TPR_SHADOW;
}

/**
 * vmx_policy_apply() - load the vCPU's policy into its VMCS.
 * @vcpu: the vCPU, loaded; vcpu->policy holds the policy.
 *
 * The interrupt- and NMI-window controls the event code set stay as
 * they are. The guest's debug registers are emulated while MOV DR traps
 * and switched lazily in hardware (vmx_run.c) while it does not; GUEST_DR7
 * holds the guest's DR7 only then. KERNEL_GS_BASE passes through unless
 * userspace takes its RDMSR/WRMSR.
 */
void vmx_policy_apply(struct pvx_vcpu *vcpu)
{
	struct vmx_vcpu *v = &vcpu->vmx;
	u32 windows = CPU_BASED_INTR_WINDOW_EXITING |
		      CPU_BASED_NMI_WINDOW_EXITING;
	u32 proc, proc2;

	vmx_policy_controls(&vcpu->policy, &proc, &proc2);
	vmx_cr8_switch(v, proc & CPU_BASED_TPR_SHADOW);
	v->dr_passthrough = !(proc & CPU_BASED_MOV_DR_EXITING);
	/* Untrapped, MOV DR still exits once per run (vmx_dr_wont_exit()). */
	v->dr_wont_exit = false;
	v->proc = proc | CPU_BASED_MOV_DR_EXITING | (v->proc & windows);
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL, v->proc);
	vmx_vmcs_set_msr_bitmap(vmx_policy_msr_forwarded(vcpu,
							 MSR_KERNEL_GS_BASE));
	vmcs_write(SECONDARY_VM_EXEC_CONTROL, proc2);
	vmcs_write(EXCEPTION_BITMAP,
		   VMX_HOST_EXCEPTIONS | vcpu->policy.exceptions);
	vmcs_write(GUEST_DR7, v->dr_passthrough ? v->dr7 : VMX_DR7_RESET);
}

/**
 * vmx_policy_update() - take the VM's policy if it changed since the last
 * entry.
 * @vcpu: the vCPU, loaded, interrupts on.
 */
void vmx_policy_update(struct pvx_vcpu *vcpu)
{
	struct pvx_vm *vm = vcpu->vm;

	mutex_lock(&vm->lock);
	vcpu->policy = vm->policy;
	vcpu->policy_gen = vm->policy_gen;
	mutex_unlock(&vm->lock);
	vmx_policy_apply(vcpu);
}
