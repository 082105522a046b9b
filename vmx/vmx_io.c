// SPDX-License-Identifier: GPL-2.0
/*
 * Exits that become I/O for userspace: port I/O (IN, OUT, INS, OUTS) and
 * MMIO (EPT violations outside RAM, whose instruction x86/ emulates), and
 * their completion on the next PVX_RUN once userspace has played the
 * device.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <asm/processor-flags.h>
#include <asm/traps.h>
#include <asm/vmx.h>

#include "vmx.h"
#include "vmx_ops.h"
#include "../core/pvx.h"
#include "../platform/platform.h"

/* The I/O data page follows the run page in the vCPU mapping. */
#define IO_DATA_OFFSET	PAGE_SIZE

/* EPT violation qualification bits (SDM Table 28-7). */
#define EPT_QUAL_WRITE		BIT(1)
#define EPT_QUAL_FETCH		BIT(2)
#define EPT_QUAL_GLA_VALID	BIT(7)	/* guest linear address valid */
#define EPT_QUAL_GLA_XLATE	BIT(8)	/* with bit 7: the access, not the page walk */

/* A guest page fault met while pvx touched guest memory for the guest. */
static int vmx_inject_pf(struct pvx_vcpu *vcpu, u32 error, u64 addr)
{
	vcpu->vmx.cr2 = addr;
	vmx_inject_exception(X86_TRAP_PF, true, error);
	return 1;
}

/* Merge an IN result into RAX: 8 and 16 bits merge, 32 bits zero-extend. */
static void vmx_set_rax_io(struct pvx_vcpu *vcpu, int size, u32 val)
{
	unsigned long *rax = &vcpu->vmx.regs[VMX_RAX];

	if (size == 4)
		*rax = val;
	else
		*rax = (*rax & ~((1UL << (8 * size)) - 1)) | val;
}

/* Add @delta to a register as an @asz-byte address register would. */
static void vmx_add_addr_reg(struct pvx_vcpu *vcpu, int reg, int asz,
			     long delta)
{
	unsigned long v = vcpu->vmx.regs[reg], n = v + delta;

	if (asz == 2)
		n = (v & ~0xffffUL) | (n & 0xffff);
	else if (asz == 4)
		n = (u32)n;
	vcpu->vmx.regs[reg] = n;
}

/* After a string I/O chunk: move RSI/RDI, count RCX down, maybe finish. */
static void vmx_string_io_advance(struct pvx_vcpu *vcpu, bool in, int size)
{
	long delta = (long)vcpu->string_io.count * size;

	if (vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_DF)
		delta = -delta;
	vmx_add_addr_reg(vcpu, in ? VMX_RDI : VMX_RSI, vcpu->string_io.asz,
			 delta);
	if (vcpu->string_io.rep)
		vmx_add_addr_reg(vcpu, VMX_RCX, vcpu->string_io.asz,
				 -(long)vcpu->string_io.count);
	if (vcpu->string_io.last)
		vmx_skip_instruction_len(vcpu->vmx.exit_insn_len);
}

/*
 * Elements of @size from offset @reg up to where a 16- or 32-bit address
 * register wraps to 0: there the next element is at the segment's start,
 * not at the next linear address (SDM Vol. 1 3.3.6, Vol. 2 INS/OUTS:
 * (E)SI and (E)DI are incremented with the address size). 0 if the first
 * element already straddles the wrap.
 */
static u64 vmx_string_before_wrap(u64 reg, int asz, int size)
{
	if (asz == 8)
		return U64_MAX;
	return ((1ULL << (8 * asz)) - reg) / size;
}

/*
 * INS/OUTS: the CPU gives the linear address of the memory operand and
 * the address size (SDM 28.2.5). A chunk stays within one guest page, the
 * data page and the address register's range; with DF=1 it is one
 * element.
 */
static int vmx_string_io(struct pvx_vcpu *vcpu, int size, bool in, bool rep)
{
	u32 info = vmcs_read32(VMX_INSTRUCTION_INFO);
	int asz = 2 << ((info >> 7) & 7);
	u64 mask = asz == 8 ? ~0ULL : (1ULL << (8 * asz)) - 1;
	u64 gva = vmcs_read(GUEST_LINEAR_ADDRESS), rcx, reg, room, pf_addr;
	u32 count, pf_error;
	int r;

	rcx = rep ? vcpu->vmx.regs[VMX_RCX] & mask : 1;
	if (!rcx) {
		vmx_skip_instruction();
		return 1;
	}
	count = 1;
	if (!(vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_DF)) {
		reg = vcpu->vmx.regs[in ? VMX_RDI : VMX_RSI] & mask;
		room = min_t(u64, (PAGE_SIZE - offset_in_page(gva)) / size,
			     vmx_string_before_wrap(reg, asz, size));
		count = clamp_t(u64, room, 1, rcx);
	}
	vcpu->string_io.gva = gva;
	vcpu->string_io.count = count;
	vcpu->string_io.asz = asz;
	vcpu->string_io.rep = rep;
	vcpu->string_io.last = !rep || rcx == count;
	vcpu->run->io.count = count;
	if (in) {
		vcpu->pending = PVX_PENDING_STRING_IO;
		return 0;
	}
	mutex_lock(&vcpu->vm->lock);
	r = guest_read_gva(vcpu, gva, vcpu->io_data, count * size, &pf_error,
			   &pf_addr);
	mutex_unlock(&vcpu->vm->lock);
	if (r == -EFAULT)
		return vmx_inject_pf(vcpu, pf_error, pf_addr);
	if (r)
		return vmx_exit_internal(vcpu, PVX_INTERNAL_EMULATION);
	vmx_string_io_advance(vcpu, false, size);
	return 0;
}

/**
 * vmx_io_exit() - IN, OUT, INS, OUTS: hand the access to userspace.
 * @vcpu: the vCPU.
 *
 * Exit qualification: SDM Table 28-5. OUT data goes to the data page now
 * and the instruction completes; IN completes on the next PVX_RUN.
 */
int vmx_io_exit(struct pvx_vcpu *vcpu)
{
	unsigned long qual = vmcs_read(EXIT_QUALIFICATION);
	int size = (qual & 7) + 1;
	bool in = qual & BIT(3);
	struct pvx_run *run = vcpu->run;

	/* An absent device answers in the kernel (platform/platform.c). */
	if (!(qual & BIT(4)) && platform_port_io(vcpu, qual >> 16, size, in)) {
		vmx_skip_instruction();
		return 1;
	}
	run->exit_reason = PVX_EXIT_IO;
	run->io.direction = in ? PVX_EXIT_IO_IN : PVX_EXIT_IO_OUT;
	run->io.size = size;
	run->io.port = qual >> 16;
	run->io.count = 1;
	run->io.data_offset = IO_DATA_OFFSET;
	vcpu->vmx.exit_insn_len = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
	if (qual & BIT(4))
		return vmx_string_io(vcpu, size, in, qual & BIT(5));
	if (in) {
		vcpu->pending = PVX_PENDING_IO_IN;
		return 0;
	}
	memcpy(vcpu->io_data, &vcpu->vmx.regs[VMX_RAX], size);
	vmx_skip_instruction();
	return 0;
}

/* INS: the data userspace produced goes to guest memory. */
static int vmx_ins_complete(struct pvx_vcpu *vcpu)
{
	int size = vcpu->run->io.size;
	u64 pf_addr;
	u32 pf_error;
	int r;

	mutex_lock(&vcpu->vm->lock);
	r = guest_write_gva(vcpu, vcpu->string_io.gva, vcpu->io_data,
			    vcpu->string_io.count * size, &pf_error, &pf_addr);
	mutex_unlock(&vcpu->vm->lock);
	if (r == -EFAULT)
		return vmx_inject_pf(vcpu, pf_error, pf_addr);
	if (r)
		return vmx_exit_internal(vcpu, PVX_INTERNAL_EMULATION);
	vmx_string_io_advance(vcpu, true, size);
	return 1;
}

/*
 * What the emulator said: 1 re-enter, 0 userspace (its MMIO exit), else
 * an internal error that carries the instruction's bytes.
 */
static int vmx_emulate_result(struct pvx_vcpu *vcpu, int r)
{
	struct pvx_run *run = vcpu->run;

	if (r >= 0)
		return r;
	vmx_exit_internal(vcpu, PVX_INTERNAL_EMULATION);
	x86_emulate_report(vcpu, run->internal.insn, &run->internal.insn_len);
	return 0;
}

/**
 * vmx_io_complete() - finish the exit userspace just served: I/O, an MMIO
 * read, or a forwarded exit.
 * @vcpu: the vCPU, loaded, at the start of PVX_RUN.
 *
 * Return: 1 to enter the guest, 0 for userspace, or -EINVAL for registers
 * userspace left invalid after PVX_EXIT_TRAP.
 */
int vmx_io_complete(struct pvx_vcpu *vcpu)
{
	enum pvx_pending p = vcpu->pending;
	u32 val = 0;

	vcpu->pending = PVX_PENDING_NONE;
	switch (p) {
	case PVX_PENDING_IO_IN:
		memcpy(&val, vcpu->io_data, vcpu->run->io.size);
		vmx_set_rax_io(vcpu, vcpu->run->io.size, val);
		vmx_skip_instruction_len(vcpu->vmx.exit_insn_len);
		return 1;
	case PVX_PENDING_STRING_IO:
		return vmx_ins_complete(vcpu);
	case PVX_PENDING_EMULATE:
		return vmx_emulate_result(vcpu, x86_emulate_complete(vcpu));
	case PVX_PENDING_TRAP:
		return vmx_trap_complete(vcpu);
	case PVX_PENDING_CPUID:
		return vmx_cpuid_complete(vcpu);
	case PVX_PENDING_MSR:
		return vmx_msr_complete(vcpu);
	default:
		return 1;
	}
}

/*
 * Can the access be handed out as the instruction's MMIO access? Not an
 * instruction fetch, and not the guest's own page walk reading or
 * updating a paging-structure entry outside RAM (bit 7 set, bit 8 clear):
 * decoding the instruction would describe another access entirely, and
 * the value userspace gave would land in the instruction's register.
 */
static bool vmx_ept_is_data_access(unsigned long qual)
{
	if (qual & EPT_QUAL_FETCH)
		return false;
	return !(qual & EPT_QUAL_GLA_VALID) || (qual & EPT_QUAL_GLA_XLATE);
}

/*
 * MMIO nobody claims, on a VM with PVX_PLATFORM_NULL_IO, behaves as on
 * Xen: reads all ones and writes are dropped, without a trip to userspace
 * (platform/platform.c). @r is what the emulator returned for the access
 * it handed out in vcpu->run: a read is completed here, a write (the
 * instruction already retired) is dropped.
 */
static int vmx_mmio_absent(struct pvx_vcpu *vcpu, int r)
{
	struct pvx_run *run = vcpu->run;

	while (r == 0 && run->exit_reason == PVX_EXIT_MMIO &&
	       platform_mmio_absent(vcpu->vm, run->mmio.phys_addr)) {
		if (vcpu->pending != PVX_PENDING_EMULATE)
			return 1;
		vcpu->pending = PVX_PENDING_NONE;
		memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
		r = x86_emulate_complete(vcpu);
	}
	return r;
}

/**
 * vmx_ept_violation() - a guest access with no EPT mapping for it.
 * @vcpu: the vCPU.
 *
 * RAM is mapped and the guest re-enters; anything else is MMIO: the
 * instruction is emulated by x86/, its MMIO accesses handed to userspace
 * (SDM 28.2.1, Table 28-7 for the qualification).
 */
int vmx_ept_violation(struct pvx_vcpu *vcpu)
{
	unsigned long qual = vmcs_read(EXIT_QUALIFICATION);
	u64 gpa = vmcs_read64(GUEST_PHYSICAL_ADDRESS);
	enum ept_fault result;
	bool gla_valid;
	int r;

	mutex_lock(&vcpu->vm->lock);
	r = ept_fault(&vcpu->vm->mem, gpa, qual & EPT_QUAL_WRITE, &result);
	if (r || result == EPT_FAULT_MAPPED || !vmx_ept_is_data_access(qual)) {
		mutex_unlock(&vcpu->vm->lock);
		if (r)
			return vmx_exit_internal(vcpu, PVX_INTERNAL_MEMORY);
		if (result == EPT_FAULT_MAPPED)
			return 1;
		return vmx_exit_internal(vcpu, PVX_INTERNAL_EMULATION);
	}
	gla_valid = qual & EPT_QUAL_GLA_VALID;
	r = x86_emulate_mmio(vcpu, gpa,
			     gla_valid ? vmcs_read(GUEST_LINEAR_ADDRESS) : 0,
			     gla_valid, qual & EPT_QUAL_WRITE);
	mutex_unlock(&vcpu->vm->lock);
	return vmx_emulate_result(vcpu, vmx_mmio_absent(vcpu, r));
}
