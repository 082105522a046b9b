// SPDX-License-Identifier: GPL-2.0
/*
 * The guest CPU as x86/ and ept/ see it: vmx/'s implementation of their
 * narrow interfaces (struct x86_cpu_ops, struct ept_hw_ops), registered at
 * load. Everything below reads or writes the current VMCS, so callers run
 * with the vCPU loaded, as every exit handler does.
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

static u64 vmx_x86_read(struct pvx_vcpu *vcpu, enum x86_field f)
{
	return vmcs_read(vmx_x86_fields[f]);
}

static void vmx_x86_write(struct pvx_vcpu *vcpu, enum x86_field f, u64 val)
{
	if (f == X86_RIP || f == X86_RFLAGS)
		vmcs_write(vmx_x86_fields[f], val);
}

static void vmx_x86_skip(struct pvx_vcpu *vcpu, unsigned int len)
{
	vmx_skip_instruction_len(len);
}

static void vmx_x86_inject(struct pvx_vcpu *vcpu, unsigned int vector,
			   bool has_error, u32 error, u64 cr2)
{
	if (vector == X86_TRAP_PF)
		vcpu->vmx.cr2 = cr2;
	vmx_inject_exception(vector, has_error, error);
}

static const struct x86_cpu_ops vmx_x86_ops = {
	.get_reg = vmx_get_reg,
	.set_reg = vmx_set_reg,
	.read = vmx_x86_read,
	.write = vmx_x86_write,
	.skip = vmx_x86_skip,
	.inject = vmx_x86_inject,
	.get_regs = vmx_get_regs,
	.set_regs = vmx_set_regs,
	.get_sregs = vmx_get_sregs,
	.set_sregs = vmx_set_sregs,
};

static const struct ept_hw_ops vmx_ept_ops = {
	.flush_all_cpus = vmx_flush_ept_all_cpus,
};

/**
 * vmx_register_ops() - hand x86/ and ept/ their view of the CPU.
 *
 * Called once at load, before /dev/pvx exists.
 */
void vmx_register_ops(void)
{
	x86_register_cpu_ops(&vmx_x86_ops);
	ept_register_hw_ops(&vmx_ept_ops);
}
