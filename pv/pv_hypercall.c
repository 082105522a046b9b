// SPDX-License-Identifier: GPL-2.0
/*
 * Xen hypercalls by VMCALL: the register ABI, the privilege check, the
 * dispatch table, guest buffers, and multicall.
 *
 * The rules (Xen's docs/guest-guide/x86/hypercall-abi.rst and
 * xen/include/public/xen.h):
 *  - the number is in RAX; a vCPU in a 64-bit code segment (EFER.LMA and
 *    CS.L) passes the arguments in RDI, RSI, RDX, R10, R8; any other mode
 *    (32-bit protected, compatibility, real mode) in EBX, ECX, EDX, ESI,
 *    EDI, whose upper halves are ignored;
 *  - the result, a negative Xen errno on failure, comes back in RAX (in
 *    EAX for the 32-bit convention, zero-extended as a 32-bit write would
 *    be), and RIP moves past the VMCALL; no other register changes;
 *  - a VMCALL at CPL > 0 returns -EPERM; a number without a handler
 *    returns -ENOSYS;
 *  - guest buffers are guest-linear addresses, read and written through
 *    the guest's own page tables, bounded by each caller; a page fault or a
 *    frame that is not guest memory is -EFAULT for the guest, never a host
 *    error;
 *  - multicall (xen.h struct multicall_entry): each entry is a hypercall
 *    whose result is written back into the entry; a failing entry does not
 *    stop the batch; a multicall inside a multicall is -EINVAL; at most
 *    PV_MULTICALL_MAX entries (-E2BIG beyond).
 *
 * Calls that touch no guest memory and cannot sleep may also have a fast
 * handler, run by vmx_exit_fastpath() with interrupts still off
 * (pv_vmcall_fast()): XENVER_version is the one a guest issues in loops.
 */
#include <linux/kernel.h>
#include <linux/uaccess.h>
#include <asm/vmx.h>

#include "pv.h"
#include "../core/pvx.h"
#include "../vmx/vmx_ops.h"

/**
 * struct pv_hypercall - a row of the dispatch table.
 * @fn:		the handler, in process context with interrupts on; may
 *		sleep and touch guest memory.
 * @fast:	optional: the same call for the exit fast path (interrupts
 *		off, no guest memory, no sleeping); returns false to leave
 *		the call to @fn.
 */
struct pv_hypercall {
	pv_hypercall_fn fn;
	bool (*fast)(struct pvx_vcpu *vcpu, const u64 args[5], long *ret);
};

/* Indexed by hypercall number (xen.h __HYPERVISOR_*). */
static const struct pv_hypercall pv_hypercalls[XEN_HYPERCALL_COUNT] = {
	[__HYPERVISOR_memory_op] = { pv_do_memory_op },
	[__HYPERVISOR_multicall] = { pv_do_multicall },
	[__HYPERVISOR_xen_version] = { pv_do_xen_version, pv_xen_version_fast },
	[__HYPERVISOR_console_io] = { pv_do_console_io },
	[__HYPERVISOR_hvm_op] = { pv_do_hvm_op },
	[__HYPERVISOR_vcpu_op] = { pv_do_vcpu_op },
	[__HYPERVISOR_sched_op] = { pv_do_sched_op },
	[__HYPERVISOR_event_channel_op] = { pv_do_event_channel_op,
					    pv_event_channel_op_fast },
	[__HYPERVISOR_grant_table_op] = { pv_do_grant_table_op },
};

/* The privilege level: SS.DPL (SDM 5.5; real mode has SS.DPL 0). */
static unsigned int pv_guest_cpl(void)
{
	return (vmcs_read32(GUEST_SS_AR_BYTES) >> 5) & 3;
}

/**
 * pv_guest_compat() - does the vCPU use Xen's 32-bit ABI?
 * @vcpu: the vCPU, loaded.
 *
 * Return: true outside 64-bit code (protected mode, compatibility mode,
 * real mode): registers are 32-bit, structures with xen_ulong_t fields
 * use their compat layout.
 */
bool pv_guest_compat(struct pvx_vcpu *vcpu)
{
	return !vmx_guest_64bit();
}

/* The number and arguments from the registers, by the vCPU's ABI. */
static unsigned long pv_read_args(struct pvx_vcpu *vcpu, u64 args[5])
{
	const unsigned long *r = vcpu->vmx.regs;

	if (unlikely(pv_guest_compat(vcpu))) {
		args[0] = (u32)r[VMX_RBX];
		args[1] = (u32)r[VMX_RCX];
		args[2] = (u32)r[VMX_RDX];
		args[3] = (u32)r[VMX_RSI];
		args[4] = (u32)r[VMX_RDI];
		return (u32)r[VMX_RAX];
	}
	args[0] = r[VMX_RDI];
	args[1] = r[VMX_RSI];
	args[2] = r[VMX_RDX];
	args[3] = r[VMX_R10];
	args[4] = r[VMX_R8];
	return r[VMX_RAX];
}

/* The result in RAX (EAX, zero-extended, for the 32-bit ABI); RIP on. */
static void pv_complete(struct pvx_vcpu *vcpu, long ret)
{
	vcpu->vmx.regs[VMX_RAX] = pv_guest_compat(vcpu) ? (u32)ret : ret;
	vmx_skip_instruction();
}

/* One call by number, from a VMCALL or a multicall entry. */
static long pv_dispatch(struct pvx_vcpu *vcpu, unsigned long nr,
			const u64 args[5])
{
	if (nr >= XEN_HYPERCALL_COUNT || !pv_hypercalls[nr].fn)
		return -XEN_ENOSYS;
	return pv_hypercalls[nr].fn(vcpu, args);
}

/**
 * pv_handle_vmcall() - a VMCALL of a PV guest (vmx_exit.c).
 * @vcpu: the vCPU, loaded, interrupts on.
 *
 * Return: 1 to re-enter the guest; 0 when a handler filled vcpu->run for
 * userspace (the hypercall is complete all the same).
 */
int pv_handle_vmcall(struct pvx_vcpu *vcpu)
{
	unsigned long nr;
	u64 args[5];
	long ret;

	if (pv_guest_cpl() > 0) {
		pv_complete(vcpu, -XEN_EPERM);
		return 1;
	}
	nr = pv_read_args(vcpu, args);
	vcpu->pv.exit_to_user = false;
	ret = pv_dispatch(vcpu, nr, args);
	pv_complete(vcpu, ret);
	if (vcpu->pv.exit_to_user) {
		vcpu->pv.exit_to_user = false;
		return 0;
	}
	return 1;
}

/**
 * pv_vmcall_fast() - a VMCALL of a PV guest, with interrupts off.
 * @vcpu: the vCPU, right after the exit (vmx_exit_fastpath()).
 *
 * Return: true if the call was done here, false for pv_handle_vmcall().
 */
bool pv_vmcall_fast(struct pvx_vcpu *vcpu)
{
	unsigned long nr;
	u64 args[5];
	long ret;

	if (pv_guest_cpl() > 0)
		return false;
	nr = pv_read_args(vcpu, args);
	if (nr >= XEN_HYPERCALL_COUNT || !pv_hypercalls[nr].fast ||
	    !pv_hypercalls[nr].fast(vcpu, args, &ret))
		return false;
	pv_complete(vcpu, ret);
	return true;
}

/* Copy between @buf and guest-linear @gva; -XEN_EFAULT for any failure. */
static int pv_copy_guest(struct pvx_vcpu *vcpu, u64 gva, void *buf,
			 size_t len, bool write)
{
	u32 pf_error;
	u64 pf_addr;
	int r;

	/* 32-bit code reaches 4 GiB of linear addresses, no more. */
	if (pv_guest_compat(vcpu) && gva + len > BIT_ULL(32))
		return -XEN_EFAULT;
	mutex_lock(&vcpu->vm->lock);
	r = write ? guest_write_gva(vcpu, gva, buf, len, &pf_error, &pf_addr) :
		    guest_read_gva(vcpu, gva, buf, len, &pf_error, &pf_addr);
	mutex_unlock(&vcpu->vm->lock);
	return r ? -XEN_EFAULT : 0;
}

/**
 * pv_copy_from_guest() - read a hypercall's guest buffer.
 * @vcpu: the vCPU making the hypercall (loaded, on its thread).
 * @dst: kernel buffer.
 * @gva: the guest-linear address, through the guest's page tables.
 * @len: bytes; the caller bounds it.
 *
 * Takes the VM lock: call it holding no spinlock.
 *
 * Return: 0, or -XEN_EFAULT (page fault, not guest memory).
 */
int pv_copy_from_guest(struct pvx_vcpu *vcpu, void *dst, u64 gva, size_t len)
{
	return pv_copy_guest(vcpu, gva, dst, len, false);
}

/**
 * pv_copy_from_guest_atomic() - pv_copy_from_guest() for the exit fast
 * path (interrupts off): fails instead of sleeping.
 * @vcpu: the vCPU making the hypercall.
 * @dst: kernel buffer.
 * @gva: the guest-linear address.
 * @len: bytes; the caller bounds it.
 *
 * The VM lock is only tried, and a host page fault on the guest's RAM or
 * page tables is not served: either way the caller leaves the call to the
 * slow path, which copies with pv_copy_from_guest().
 *
 * Return: 0, or -XEN_EFAULT (also for "try again, sleeping").
 */
int pv_copy_from_guest_atomic(struct pvx_vcpu *vcpu, void *dst, u64 gva,
			      size_t len)
{
	u32 pf_error;
	u64 pf_addr;
	int r;

	if (pv_guest_compat(vcpu) || !mutex_trylock(&vcpu->vm->lock))
		return -XEN_EFAULT;
	pagefault_disable();
	r = guest_read_gva(vcpu, gva, dst, len, &pf_error, &pf_addr);
	pagefault_enable();
	mutex_unlock(&vcpu->vm->lock);
	return r ? -XEN_EFAULT : 0;
}

/**
 * pv_copy_to_guest() - write a hypercall's guest buffer.
 * @vcpu: the vCPU making the hypercall.
 * @gva: the guest-linear address (a read-only guest page is -XEN_EFAULT).
 * @src: kernel buffer.
 * @len: bytes; the caller bounds it.
 *
 * Return: 0, or -XEN_EFAULT.
 */
int pv_copy_to_guest(struct pvx_vcpu *vcpu, u64 gva, const void *src,
		     size_t len)
{
	return pv_copy_guest(vcpu, gva, (void *)src, len, true);
}

/*
 * A multicall entry as the guest lays it out: struct multicall_entry
 * (64 bytes) in 64-bit code; its compat form of 32-bit fields (32 bytes:
 * op, result, args[6]) for the 32-bit ABI (Xen's compat multicall).
 */
#define PV_MC_SIZE		sizeof(struct multicall_entry)
#define PV_MC_COMPAT_SIZE	32

/* Read entry @i of the list at @list into @op and @args. */
static int pv_mc_read(struct pvx_vcpu *vcpu, u64 list, unsigned long i,
		      bool compat, unsigned long *op, u64 args[5])
{
	struct multicall_entry e;
	u32 c[8];
	int j, r;

	if (compat) {
		r = pv_copy_from_guest(vcpu, c, list + i * PV_MC_COMPAT_SIZE,
				       sizeof(c));
		if (r)
			return r;
		*op = c[0];
		for (j = 0; j < 5; j++)
			args[j] = c[2 + j];
		return 0;
	}
	r = pv_copy_from_guest(vcpu, &e, list + i * PV_MC_SIZE, sizeof(e));
	if (r)
		return r;
	*op = e.op;
	memcpy(args, e.args, 5 * sizeof(u64));
	return 0;
}

/* Write only the result of entry @i back (Xen writes nothing else). */
static int pv_mc_write_result(struct pvx_vcpu *vcpu, u64 list,
			      unsigned long i, bool compat, long ret)
{
	u32 c = ret;
	u64 r64 = ret;

	if (compat)
		return pv_copy_to_guest(vcpu, list + i * PV_MC_COMPAT_SIZE + 4,
					&c, sizeof(c));
	return pv_copy_to_guest(vcpu, list + i * PV_MC_SIZE +
				offsetof(struct multicall_entry, result),
				&r64, sizeof(r64));
}

/**
 * pv_do_multicall() - __HYPERVISOR_multicall(call_list, nr_calls).
 * @vcpu: the vCPU.
 * @args: [0] the guest-linear address of the entries, [1] their number.
 *
 * An entry whose call ends in userspace (SCHEDOP_shutdown) ends the batch
 * after its result is written: the entries after it do not run.
 *
 * Return: 0 once every entry ran (their results say how each went);
 * -EINVAL inside a multicall, -E2BIG above PV_MULTICALL_MAX entries,
 * -EFAULT if an entry cannot be read or its result written (the batch
 * stops there).
 */
long pv_do_multicall(struct pvx_vcpu *vcpu, const u64 args[5])
{
	bool compat = pv_guest_compat(vcpu);
	u64 list = args[0], a[5];
	unsigned long i, op;
	long ret = 0;

	if (vcpu->pv.in_multicall)
		return -XEN_EINVAL;
	if (args[1] > PV_MULTICALL_MAX)
		return -XEN_E2BIG;
	vcpu->pv.in_multicall = true;
	for (i = 0; i < args[1] && !vcpu->pv.exit_to_user; i++) {
		if (pv_mc_read(vcpu, list, i, compat, &op, a) ||
		    pv_mc_write_result(vcpu, list, i, compat,
				       pv_dispatch(vcpu, op, a))) {
			ret = -XEN_EFAULT;
			break;
		}
	}
	vcpu->pv.in_multicall = false;
	return ret;
}
