/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VMX instructions pvx uses, as inline functions.
 *
 * VMREAD and VMWRITE act on the current VMCS of this CPU, so callers run
 * with the vCPU loaded (preemption notifiers keep it so across migration).
 * They fail only on a pvx bug (no current VMCS, a bad field encoding), which
 * is reported once and otherwise ignored: never a reason to crash the host.
 */
#ifndef PVX_VMX_OPS_H
#define PVX_VMX_OPS_H

#include <linux/bug.h>
#include <linux/printk.h>
#include <linux/types.h>
#include <asm/asm.h>
#include <asm/vmx.h>

void vmx_op_failed(const char *op, unsigned long field);

/* VM_INSTRUCTION_ERROR, for reporting: 0 if even that cannot be read. */
static inline unsigned long vmcs_read_raw_error(void)
{
	unsigned long v = 0;

	asm volatile("1: vmread %[field], %[v]\n2:\n\t"
		     _ASM_EXTABLE(1b, 2b)
		     : [v] "+r" (v)
		     : [field] "r" ((unsigned long)VM_INSTRUCTION_ERROR) : "cc");
	return v;
}

static __always_inline unsigned long vmcs_read(unsigned long field)
{
	unsigned long value;

	asm goto("1: vmread %[field], %[value]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : [value] "=rm" (value) : [field] "r" (field) : "cc" : fail);
	return value;
fail:
	vmx_op_failed("vmread", field);
	return 0;
}

static __always_inline u16 vmcs_read16(unsigned long field)
{
	return vmcs_read(field);
}

static __always_inline u32 vmcs_read32(unsigned long field)
{
	return vmcs_read(field);
}

static __always_inline u64 vmcs_read64(unsigned long field)
{
	return vmcs_read(field);
}

static __always_inline void vmcs_write(unsigned long field, unsigned long value)
{
	asm goto("1: vmwrite %[value], %[field]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : [field] "r" (field), [value] "rm" (value) : "cc" : fail);
	return;
fail:
	vmx_op_failed("vmwrite", field);
}

/* Set or clear bits of a 32-bit control field. */
static inline void vmcs_set_bits(unsigned long field, u32 bits)
{
	vmcs_write(field, vmcs_read32(field) | bits);
}

static inline void vmcs_clear_bits(unsigned long field, u32 bits)
{
	vmcs_write(field, vmcs_read32(field) & ~bits);
}

/* VMCLEAR and VMPTRLD take the VMCS region's physical address (SDM 31.3). */
static inline int vmx_vmclear(u64 pa)
{
	asm goto("1: vmclear %[pa]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : [pa] "m" (pa) : "cc", "memory" : fail);
	return 0;
fail:
	vmx_op_failed("vmclear", pa);
	return -EIO;
}

static inline int vmx_vmptrld(u64 pa)
{
	asm goto("1: vmptrld %[pa]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : [pa] "m" (pa) : "cc", "memory" : fail);
	return 0;
fail:
	vmx_op_failed("vmptrld", pa);
	return -EIO;
}

/* INVEPT and INVVPID take a 128-bit descriptor in memory (SDM 31.3). */
static inline void vmx_invept(unsigned long type, u64 eptp)
{
	struct { u64 eptp, reserved; } desc = { eptp, 0 };

	asm goto("1: invept %[desc], %[type]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : [desc] "m" (desc), [type] "r" (type) : "cc", "memory" : fail);
	return;
fail:
	vmx_op_failed("invept", eptp);
}

static inline void vmx_invvpid(unsigned long type, u16 vpid, u64 gva)
{
	struct { u64 vpid : 16, reserved : 48; u64 gva; } desc = { vpid, 0, gva };

	asm goto("1: invvpid %[desc], %[type]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : [desc] "m" (desc), [type] "r" (type) : "cc", "memory" : fail);
	return;
fail:
	vmx_op_failed("invvpid", vpid);
}

#endif /* PVX_VMX_OPS_H */
