// SPDX-License-Identifier: GPL-2.0
/*
 * The guest CPU as x86/ and ept/ see it: vmx/'s implementation of their
 * narrow interfaces, the x86_cpu_*() functions x86/x86.h declares and
 * struct ept_hw_ops (registered at load). Everything below reads or
 * writes the current VMCS, so callers run with the vCPU loaded, as every
 * exit handler does.
 */
#include <linux/kernel.h>
#include <asm/traps.h>
#include <asm/vmx.h>

#include "vmx.h"
#include "vmx_ops.h"
#include "../core/pvx.h"

/* VMCS fields of the x86_field values that are plain VMCS reads. */
static const u32 vmx_x86_fields[X86_NR_FIELDS] = {
	[X86_RIP] = GUEST_RIP,
	[X86_RFLAGS] = GUEST_RFLAGS,
	[X86_CR0] = GUEST_CR0,
	[X86_CR3] = GUEST_CR3,
	[X86_CR4] = GUEST_CR4,
	[X86_EFER] = GUEST_IA32_EFER,
	[X86_PDPTE0] = GUEST_PDPTR0,
	[X86_PDPTE0 + 1] = GUEST_PDPTR1,
	[X86_PDPTE0 + 2] = GUEST_PDPTR2,
	[X86_PDPTE0 + 3] = GUEST_PDPTR3,
	[X86_CS_AR] = GUEST_CS_AR_BYTES,
	[X86_SS_AR] = GUEST_SS_AR_BYTES,
	[X86_ES_BASE] = GUEST_ES_BASE,
	[X86_ES_BASE + 1] = GUEST_CS_BASE,
	[X86_ES_BASE + 2] = GUEST_SS_BASE,
	[X86_ES_BASE + 3] = GUEST_DS_BASE,
	[X86_ES_BASE + 4] = GUEST_FS_BASE,
	[X86_ES_BASE + 5] = GUEST_GS_BASE,
};

unsigned long x86_cpu_get_reg(struct pvx_vcpu *vcpu, int reg)
{
	return vmx_get_reg(vcpu, reg);
}

void x86_cpu_set_reg(struct pvx_vcpu *vcpu, int reg, unsigned long val)
{
	vmx_set_reg(vcpu, reg, val);
}

u64 x86_cpu_read(struct pvx_vcpu *vcpu, enum x86_field f)
{
	return vmcs_read(vmx_x86_fields[f]);
}

void x86_cpu_write(struct pvx_vcpu *vcpu, enum x86_field f, u64 val)
{
	if (f == X86_RIP || f == X86_RFLAGS)
		vmcs_write(vmx_x86_fields[f], val);
}

void x86_cpu_skip(struct pvx_vcpu *vcpu, unsigned int len)
{
	vmx_skip_instruction_len(len);
}

void x86_cpu_inject(struct pvx_vcpu *vcpu, unsigned int vector,
		    bool has_error, u32 error, u64 cr2)
{
	if (vector == X86_TRAP_PF)
		vcpu->vmx.cr2 = cr2;
	vmx_inject_exception(vector, has_error, error);
}

void x86_cpu_get_regs(struct pvx_vcpu *vcpu, struct pvx_regs *r)
{
	vmx_get_regs(vcpu, r);
}

int x86_cpu_set_regs(struct pvx_vcpu *vcpu, const struct pvx_regs *r)
{
	return vmx_set_regs(vcpu, r);
}

void x86_cpu_get_sregs(struct pvx_vcpu *vcpu, struct pvx_sregs *sr)
{
	vmx_get_sregs(vcpu, sr);
}

int x86_cpu_set_sregs(struct pvx_vcpu *vcpu, const struct pvx_sregs *sr)
{
	return vmx_set_sregs(vcpu, sr);
}

static const struct ept_hw_ops vmx_ept_ops = {
	.flush_all_cpus = vmx_flush_ept_all_cpus,
};

/**
 * vmx_register_ops() - hand ept/ its EPT flush.
 *
 * Called once at load, before /dev/pvx exists.
 */
void vmx_register_ops(void)
{
	ept_register_hw_ops(&vmx_ept_ops);
}
