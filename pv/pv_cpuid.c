// SPDX-License-Identifier: GPL-2.0
/*
 * How a PV guest finds Xen: the CPUID leaves at the VM's base and the MSR
 * that fills a hypercall page.
 *
 * The rules (Xen's xen/include/public/arch-x86/cpuid.h; hypercall page:
 * docs/guest-guide/x86/hypercall-abi.rst):
 *  - base + 0: EAX = the last leaf (base + 4), EBX:ECX:EDX =
 *    "XenVMMXenVMM"; + 1: EAX = major << 16 | minor; + 2: EAX = 1
 *    hypercall page, EBX = XEN_HYPERCALL_MSR; + 3 (TSC info): zeros; + 4
 *    (HVM features): EAX = vCPU id and domain id present, EBX = the vCPU
 *    id, ECX = the domain id. The other leaves of the 256 from the base read
 *    zero. CPUID.1:ECX bit 31 (a hypervisor is present) is set whatever
 *    the vCPU's table says.
 *  - WRMSR of a page's guest-physical address to XEN_HYPERCALL_MSR (bits
 *    11:0 must be 0, else #GP) fills the page with int3 (0xcc) and 128
 *    stubs of XEN_HYPERCALL_STUB_SIZE bytes: stub n is "mov $n, %eax;
 *    vmcall; ret" except stub __HYPERVISOR_iret, a PV-only call, which is
 *    "ud2". RDMSR reads 0. A page outside guest RAM is #GP too.
 *
 * Without PV none of this exists: the vCPU's CPUID table answers, and the
 * MSR is #GP like any MSR pvx does not know.
 */
#include <linux/slab.h>
#include <asm/unaligned.h>

#include "pv.h"
#include "../core/pvx.h"

/* The leaves from the base answered here: Xen's range of 256. */
#define PV_CPUID_RANGE		0x100
#define PV_CPUID_LAST		XEN_CPUID_LEAF_HVM
#define PV_HYPERCALL_STUBS	(XEN_PAGE_SIZE / XEN_HYPERCALL_STUB_SIZE)

/**
 * pv_cpuid() - Xen's answer to a CPUID of a PV guest.
 * @vcpu: the vCPU (PV enabled); any context, interrupts may be off.
 * @function: EAX.
 * @index: ECX.
 * @out: the vCPU table's answer, replaced or amended here.
 *
 * Return: true if @out changed.
 */
bool pv_cpuid(struct pvx_vcpu *vcpu, u32 function, u32 index, u32 out[4])
{
	const struct pv_vm *pv = &vcpu->vm->pv;
	u32 leaf = function - pv->cpuid_base;

	if (function == 1) {
		out[2] |= BIT(31);
		return true;
	}
	if (leaf >= PV_CPUID_RANGE)
		return false;
	memset(out, 0, 4 * sizeof(u32));
	switch (leaf) {
	case 0:
		out[0] = pv->cpuid_base + PV_CPUID_LAST;
		out[1] = XEN_CPUID_SIGNATURE_EBX;
		out[2] = XEN_CPUID_SIGNATURE_ECX;
		out[3] = XEN_CPUID_SIGNATURE_EDX;
		break;
	case XEN_CPUID_LEAF_VERSION:
		out[0] = pv->xen_version;
		break;
	case XEN_CPUID_LEAF_HCALL:
		out[0] = 1;
		out[1] = XEN_HYPERCALL_MSR;
		break;
	case XEN_CPUID_LEAF_HVM:
		out[0] = XEN_HVM_CPUID_VCPU_ID_PRESENT |
			 XEN_HVM_CPUID_DOMID_PRESENT;
		out[1] = vcpu->id;
		out[2] = pv->domid;
		break;
	}
	return true;
}

/* Stub @n of the hypercall page at @p (Intel: VMCALL). */
static void pv_write_stub(u8 *p, unsigned int n)
{
	static const u8 ud2[] = { 0x0f, 0x0b };
	static const u8 tail[] = { 0x0f, 0x01, 0xc1, 0xc3 };	/* vmcall; ret */

	if (n == __HYPERVISOR_iret) {
		memcpy(p, ud2, sizeof(ud2));
		return;
	}
	p[0] = 0xb8;		/* mov $n, %eax */
	put_unaligned_le32(n, p + 1);
	memcpy(p + 5, tail, sizeof(tail));
}

/**
 * pv_hypercall_msr_write() - WRMSR XEN_HYPERCALL_MSR: fill a hypercall page.
 * @vcpu: the vCPU (PV enabled), loaded, interrupts on.
 * @index: XEN_HYPERCALL_MSR.
 * @val: the page's guest-physical address.
 *
 * Return: 0, or -EINVAL (the guest takes #GP): bits 11:0 set, or the page
 * is not guest memory; -ENOMEM.
 */
int pv_hypercall_msr_write(struct pvx_vcpu *vcpu, u32 index, u64 val)
{
	unsigned int n;
	u8 *page;
	int r;

	if (val & (XEN_PAGE_SIZE - 1))
		return -EINVAL;
	page = kmalloc(XEN_PAGE_SIZE, GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	memset(page, 0xcc, XEN_PAGE_SIZE);	/* int3 */
	for (n = 0; n < PV_HYPERCALL_STUBS; n++)
		pv_write_stub(page + n * XEN_HYPERCALL_STUB_SIZE, n);
	mutex_lock(&vcpu->vm->lock);
	r = guest_write_gpa(&vcpu->vm->mem, val, page, XEN_PAGE_SIZE);
	mutex_unlock(&vcpu->vm->lock);
	kfree(page);
	return r ? -EINVAL : 0;
}
