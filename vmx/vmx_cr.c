// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's CR0, CR4 and EFER.
 *
 * The guest owns the CR0/CR4 bits whose changes need no help from pvx and
 * writes them without a VM exit; it reads them from the register itself and
 * the other bits from the read shadows (SDM 25.3, 24.6.6), and so does pvx
 * (vmx_read_cr0/4). Writes of the other bits exit, because:
 *  - CR0.PE/PG and EFER.LME decide long mode: pvx keeps EFER.LMA and the
 *    "IA-32e mode guest" entry control in step (SDM 26.3.1.1);
 *  - CR0.NE, CR4.VMXE must be 1 in VMX operation (fixed bits), and the
 *    guest sees its own choice; CR0.CD/NW stay 0 in the real CR0;
 *  - CR4.PAE with CR0.PG and no LMA means PAE paging: the PDPTEs are loaded
 *    into the VMCS (SDM 26.3.2.4);
 *  - bits pvx does not support for guests (VMXE, SMXE, PKE, LA57, CET) #GP.
 */
#include <linux/kernel.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/vmx.h>

#include "vmx.h"
#include "vmx_ops.h"
#include "../core/pvx.h"

#define CR0_GUEST_OWNED	(X86_CR0_MP | X86_CR0_EM | X86_CR0_TS | X86_CR0_ET | \
			 X86_CR0_WP | X86_CR0_AM)
#define CR0_ALWAYS_OFF	(X86_CR0_CD | X86_CR0_NW)
#define CR4_GUEST_OWNED	(X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE | \
			 X86_CR4_PSE | X86_CR4_MCE | X86_CR4_PGE | X86_CR4_PCE | \
			 X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT | X86_CR4_UMIP | \
			 X86_CR4_FSGSBASE | X86_CR4_PCIDE | X86_CR4_OSXSAVE | \
			 X86_CR4_SMEP | X86_CR4_SMAP)
#define CR4_REFUSED	(X86_CR4_VMXE | X86_CR4_SMXE | X86_CR4_PKE | \
			 X86_CR4_LA57 | X86_CR4_CET)
#define EFER_ALLOWED	(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX)

void vmx_cr_init_masks(void)
{
	vmcs_write(CR0_GUEST_HOST_MASK, ~(unsigned long)CR0_GUEST_OWNED);
	vmcs_write(CR4_GUEST_HOST_MASK, ~(unsigned long)CR4_GUEST_OWNED);
}

/* The CR0 the CPU runs the guest with: unrestricted guest frees PE and PG. */
static unsigned long vmx_real_cr0(unsigned long cr0)
{
	u64 fixed0 = vmx_caps.cr0_fixed0 & ~(X86_CR0_PE | X86_CR0_PG);

	return (cr0 & ~CR0_ALWAYS_OFF) | fixed0 | X86_CR0_NE;
}

static unsigned long vmx_real_cr4(unsigned long cr4)
{
	return cr4 | vmx_caps.cr4_fixed0 | X86_CR4_VMXE;
}

static void vmx_set_ia32e(bool lma)
{
	if (lma)
		vmcs_set_bits(VM_ENTRY_CONTROLS, VM_ENTRY_IA32E_MODE);
	else
		vmcs_clear_bits(VM_ENTRY_CONTROLS, VM_ENTRY_IA32E_MODE);
}

/*
 * PAE paging: the four PDPTEs at CR3[31:5] go into the VMCS; reserved
 * bits set in a present one is a #GP (SDM 4.4.1).
 */
static int vmx_load_pdptrs(struct pvx_vcpu *vcpu)
{
	u64 pdpte[4];
	int i, r;

	mutex_lock(&vcpu->vm->lock);
	r = guest_read_gpa(&vcpu->vm->mem, vmcs_read(GUEST_CR3) & ~0x1fUL,
			   pdpte, sizeof(pdpte));
	mutex_unlock(&vcpu->vm->lock);
	if (r)
		return -EINVAL;
	for (i = 0; i < 4; i++) {
		if ((pdpte[i] & 1) && (pdpte[i] & 0x1e6))
			return -EINVAL;
		vmcs_write(GUEST_PDPTR0 + 2 * i, pdpte[i]);
	}
	return 0;
}

/**
 * vmx_read_cr0() - the guest's CR0 as the guest reads it.
 *
 * A MOV to CR0 that changes only guest-owned bits does not exit, so the
 * read shadow keeps their old values: those bits come from the CR0 the CPU
 * runs the guest with, the others from the shadow (SDM 25.3, MOV from CR0
 * in VMX non-root operation).
 */
unsigned long vmx_read_cr0(void)
{
	return (vmcs_read(GUEST_CR0) & CR0_GUEST_OWNED) |
	       (vmcs_read(CR0_READ_SHADOW) & ~(unsigned long)CR0_GUEST_OWNED);
}

/* The guest's CR4 as it reads it: as vmx_read_cr0(). */
unsigned long vmx_read_cr4(void)
{
	return (vmcs_read(GUEST_CR4) & CR4_GUEST_OWNED) |
	       (vmcs_read(CR4_READ_SHADOW) & ~(unsigned long)CR4_GUEST_OWNED);
}

static bool vmx_pae_paging(void)
{
	return (vmcs_read(CR0_READ_SHADOW) & X86_CR0_PG) &&
	       (vmcs_read(CR4_READ_SHADOW) & X86_CR4_PAE) &&
	       !(vmcs_read64(GUEST_IA32_EFER) & EFER_LMA);
}

/**
 * vmx_set_cr3() - MOV to CR3, when CR3 loads exit (PVX_TRAP_CR3).
 * @vcpu: the vCPU.
 * @cr3: the new CR3.
 *
 * The MOV would have flushed the guest's non-global TLB entries: pvx
 * flushes its VPID. With PAE paging the PDPTEs load with CR3 (SDM 4.4.1).
 *
 * Return: 0, or -EINVAL (#GP for the guest, CR3 unchanged) for PDPTEs
 * PAE paging cannot load.
 */
int vmx_set_cr3(struct pvx_vcpu *vcpu, unsigned long cr3)
{
	unsigned long old = vmcs_read(GUEST_CR3);

	vmcs_write(GUEST_CR3, cr3);
	if (vmx_pae_paging() && vmx_load_pdptrs(vcpu)) {
		vmcs_write(GUEST_CR3, old);
		return -EINVAL;
	}
	vmx_flush_vpid_this_cpu(vcpu->vmx.vpid);
	return 0;
}

static void vmx_write_cr0(unsigned long cr0)
{
	vmcs_write(CR0_READ_SHADOW, cr0);
	vmcs_write(GUEST_CR0, vmx_real_cr0(cr0));
}

static void vmx_write_cr4(unsigned long cr4)
{
	vmcs_write(CR4_READ_SHADOW, cr4);
	vmcs_write(GUEST_CR4, vmx_real_cr4(cr4));
}

static void vmx_write_efer(u64 efer)
{
	vmcs_write(GUEST_IA32_EFER, efer);
	vmx_set_ia32e(efer & EFER_LMA);
}

/**
 * vmx_set_cr0() - MOV to CR0, LMSW or CLTS, as the guest's CPU would do it.
 * @vcpu: the vCPU, loaded.
 * @cr0: the new value.
 *
 * Return: 0, or -EINVAL where the CPU raises #GP (SDM MOV CR: reserved
 * bits, PG without PE, NW without CD, long mode without PAE, PG cleared
 * in 64-bit mode).
 */
int vmx_set_cr0(struct pvx_vcpu *vcpu, unsigned long cr0)
{
	unsigned long old = vmx_read_cr0();
	u64 efer = vmcs_read64(GUEST_IA32_EFER);

	cr0 |= X86_CR0_ET;
	if ((cr0 >> 32) || ((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE)) ||
	    ((cr0 & X86_CR0_NW) && !(cr0 & X86_CR0_CD)))
		return -EINVAL;
	/*
	 * 64-bit code cannot turn paging off (SDM vol. 2B, MOV CR: #GP in
	 * 64-bit mode); IA-32e mode is left from compatibility mode (SDM
	 * 10.8.5.4). Else EFER.LMA would clear under a CS with L set.
	 */
	if ((old & X86_CR0_PG) && !(cr0 & X86_CR0_PG) && vmx_guest_64bit())
		return -EINVAL;
	if (!(old & X86_CR0_PG) && (cr0 & X86_CR0_PG) && (efer & EFER_LME)) {
		if (!(vmcs_read(CR4_READ_SHADOW) & X86_CR4_PAE))
			return -EINVAL;
		vmx_write_efer(efer | EFER_LMA);
	} else if ((old & X86_CR0_PG) && !(cr0 & X86_CR0_PG)) {
		vmx_write_efer(efer & ~EFER_LMA);
	}
	vmx_write_cr0(cr0);
	if ((old ^ cr0) & (X86_CR0_PG | X86_CR0_WP | X86_CR0_PE))
		vmx_flush_vpid_this_cpu(vcpu->vmx.vpid);
	if (vmx_pae_paging() && ((old ^ cr0) & X86_CR0_PG))
		return vmx_load_pdptrs(vcpu);
	return 0;
}

/**
 * vmx_set_cr4() - MOV to CR4 as the guest's CPU would do it.
 *
 * Return: 0, or -EINVAL where the CPU raises #GP.
 */
int vmx_set_cr4(struct pvx_vcpu *vcpu, unsigned long cr4)
{
	unsigned long old = vmx_read_cr4();
	bool lma = vmcs_read64(GUEST_IA32_EFER) & EFER_LMA;

	if ((cr4 & CR4_REFUSED) || (cr4 & ~vmx_caps.cr4_fixed1) ||
	    (lma && !(cr4 & X86_CR4_PAE)))
		return -EINVAL;
	vmx_write_cr4(cr4);
	if ((old ^ cr4) & (X86_CR4_PAE | X86_CR4_PSE | X86_CR4_PGE))
		vmx_flush_vpid_this_cpu(vcpu->vmx.vpid);
	if (vmx_pae_paging() && ((old ^ cr4) & X86_CR4_PAE))
		return vmx_load_pdptrs(vcpu);
	return 0;
}

/**
 * vmx_set_efer() - WRMSR to IA32_EFER as the guest's CPU would do it.
 *
 * LMA is read-only (the CPU sets it on paging activation); LME cannot
 * change while paging is on. Return: 0 or -EINVAL (#GP).
 */
int vmx_set_efer(struct pvx_vcpu *vcpu, u64 efer)
{
	u64 old = vmcs_read64(GUEST_IA32_EFER);

	if (efer & ~EFER_ALLOWED)
		return -EINVAL;
	efer = (efer & ~EFER_LMA) | (old & EFER_LMA);
	if (((efer ^ old) & EFER_LME) &&
	    (vmcs_read(CR0_READ_SHADOW) & X86_CR0_PG))
		return -EINVAL;
	vmx_write_efer(efer);
	return 0;
}

/**
 * vmx_control_regs_valid() - may PVX_SET_SREGS load these CR0, CR4, EFER?
 * @cr0, @cr4, @efer: the new values; EFER.LMA must equal
 *	EFER.LME && CR0.PG.
 *
 * Needs no VMCS: PVX_SET_SREGS asks before it writes anything, so that a
 * rejected call leaves the vCPU as it was.
 */
bool vmx_control_regs_valid(u64 cr0, u64 cr4, u64 efer)
{
	bool lma = (efer & EFER_LME) && (cr0 & X86_CR0_PG);

	return !((cr0 >> 32) || ((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE)) ||
		 (efer & ~EFER_ALLOWED) || !!(efer & EFER_LMA) != lma ||
		 (cr4 & CR4_REFUSED) || (cr4 & ~vmx_caps.cr4_fixed1) ||
		 (lma && !(cr4 & X86_CR4_PAE)));
}

/**
 * vmx_set_control_regs() - PVX_SET_SREGS's CR0, CR3, CR4 and EFER at once.
 * @vcpu: the vCPU, loaded.
 * @cr0, @cr3, @cr4, @efer: the new values, see vmx_control_regs_valid().
 *
 * Return: 0, or -EINVAL for an inconsistent or unsupported combination
 * (nothing written), or for PDPTEs that PAE paging cannot load.
 */
int vmx_set_control_regs(struct pvx_vcpu *vcpu, u64 cr0, u64 cr3, u64 cr4,
			 u64 efer)
{
	if (!vmx_control_regs_valid(cr0, cr4, efer))
		return -EINVAL;
	vmcs_write(GUEST_CR3, cr3);
	vmx_write_cr4(cr4);
	vmx_write_cr0(cr0);
	vmx_write_efer(efer);
	vmx_flush_vpid_this_cpu(vcpu->vmx.vpid);
	return vmx_pae_paging() ? vmx_load_pdptrs(vcpu) : 0;
}
