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
 *  - bits pvx does not support for guests (VMXE, SMXE, PKE, LA57, CET) #GP,
 *    and so do the feature bits the guest's CPUID table does not offer:
 *    those are pvx's too, so that setting one exits (vmx_cr4_follow_cpuid).
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
 * bits set in a present one is a #GP (SDM 4.4.1). They are read and
 * checked first, written after, so that a refusal changes nothing.
 */
static int vmx_read_pdptrs(struct pvx_vcpu *vcpu, unsigned long cr3,
			   u64 pdpte[4])
{
	int i, r;

	mutex_lock(&vcpu->vm->lock);
	r = guest_read_gpa(&vcpu->vm->mem, cr3 & ~0x1fUL, pdpte,
			   4 * sizeof(u64));
	mutex_unlock(&vcpu->vm->lock);
	if (r)
		return -EINVAL;
	for (i = 0; i < 4; i++)
		if ((pdpte[i] & 1) && (pdpte[i] & 0x1e6))
			return -EINVAL;
	return 0;
}

static void vmx_write_pdptrs(const u64 pdpte[4])
{
	int i;

	for (i = 0; i < 4; i++)
		vmcs_write(GUEST_PDPTR0 + 2 * i, pdpte[i]);
}

static int vmx_load_pdptrs(struct pvx_vcpu *vcpu)
{
	u64 pdpte[4];
	int r = vmx_read_pdptrs(vcpu, vmcs_read(GUEST_CR3), pdpte);

	if (!r)
		vmx_write_pdptrs(pdpte);
	return r;
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
 * Return: 0, or -EINVAL where the CPU raises #GP: reserved bits, bits pvx
 * refuses, and the feature bits whose CPUID bit the guest's table does not
 * offer (vmx_cr4_follow_cpuid()).
 */
int vmx_set_cr4(struct pvx_vcpu *vcpu, unsigned long cr4)
{
	unsigned long old = vmx_read_cr4();
	bool lma = vmcs_read64(GUEST_IA32_EFER) & EFER_LMA;

	if ((cr4 & CR4_REFUSED) || (cr4 & ~vmx_caps.cr4_fixed1) ||
	    (cr4 & vcpu->vmx.cr4_reserved) || (lma && !(cr4 & X86_CR4_PAE)))
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

/*
 * CR4 feature bits and the CPUID bit that offers each (SDM 2.5, Table
 * 2.5 and the feature flags of SDM vol. 2A, CPUID). A guest whose table does
 * not offer the feature gets #GP for setting the bit, as on a CPU without
 * it (KVM's cr4_guest_rsvd_bits).
 */
static const struct {
	unsigned long cr4;
	u32 leaf;
	u8 reg;		/* 1 EBX, 2 ECX, 3 EDX */
	u8 bit;
} vmx_cr4_cpuid[] = {
	{ X86_CR4_VME, 1, 3, 1 },		/* VME */
	{ X86_CR4_PVI, 1, 3, 1 },		/* VME */
	{ X86_CR4_TSD, 1, 3, 4 },		/* TSC */
	{ X86_CR4_DE, 1, 3, 2 },		/* DE */
	{ X86_CR4_PSE, 1, 3, 3 },		/* PSE */
	{ X86_CR4_PAE, 1, 3, 6 },		/* PAE */
	{ X86_CR4_MCE, 1, 3, 7 },		/* MCE */
	{ X86_CR4_PGE, 1, 3, 13 },		/* PGE */
	{ X86_CR4_OSFXSR, 1, 3, 24 },		/* FXSR */
	{ X86_CR4_OSXMMEXCPT, 1, 3, 25 },	/* SSE */
	{ X86_CR4_UMIP, 7, 2, 2 },		/* UMIP */
	{ X86_CR4_LA57, 7, 2, 16 },		/* LA57 */
	{ X86_CR4_VMXE, 1, 2, 5 },		/* VMX */
	{ X86_CR4_SMXE, 1, 2, 6 },		/* SMX */
	{ X86_CR4_FSGSBASE, 7, 1, 0 },		/* FSGSBASE */
	{ X86_CR4_PCIDE, 1, 2, 17 },		/* PCID */
	{ X86_CR4_OSXSAVE, 1, 2, 26 },		/* XSAVE */
	{ X86_CR4_SMEP, 7, 1, 7 },		/* SMEP */
	{ X86_CR4_SMAP, 7, 1, 20 },		/* SMAP */
	{ X86_CR4_PKE, 7, 2, 3 },		/* PKU */
	{ X86_CR4_CET, 7, 2, 7 },		/* CET_SS */
};

/**
 * vmx_cr4_follow_cpuid() - the guest's CPUID table changed: recompute the
 * CR4 bits it may set.
 * @vcpu: the vCPU, loaded (PVX_SET_CPUID).
 *
 * A bit the table does not offer becomes reserved (vmx_set_cr4()) and is
 * owned by pvx, so that a guest MOV to CR4 that sets it exits even where
 * the hardware would accept it. PVX_SET_SREGS is not bound by the table:
 * userspace sets the state the CPU can run, before or after its table.
 */
void vmx_cr4_follow_cpuid(struct pvx_vcpu *vcpu)
{
	unsigned long reserved = 0;
	u32 out[4];
	int i;

	for (i = 0; i < ARRAY_SIZE(vmx_cr4_cpuid); i++) {
		pvx_cpuid_lookup(vcpu, vmx_cr4_cpuid[i].leaf, 0, out);
		if (!(out[vmx_cr4_cpuid[i].reg] & BIT(vmx_cr4_cpuid[i].bit)))
			reserved |= vmx_cr4_cpuid[i].cr4;
	}
	vcpu->vmx.cr4_reserved = reserved;
	/* Bits becoming pvx's are read from the shadow: make it current. */
	vmcs_write(CR4_READ_SHADOW, vmx_read_cr4());
	vmcs_write(CR4_GUEST_HOST_MASK,
		   ~(unsigned long)(CR4_GUEST_OWNED & ~reserved));
}

/**
 * vmx_cregs_check() - may PVX_SET_SREGS load these CR0, CR3, CR4, EFER?
 * @vcpu: the vCPU, loaded.
 * @c: the new values (EFER.LMA must equal EFER.LME && CR0.PG); with PAE
 *	paging, the PDPTEs are read into @c->pdpte.
 *
 * PVX_SET_SREGS asks before it writes anything, so that a rejected call
 * (also for PDPTEs PAE paging cannot load) leaves the vCPU as it was.
 *
 * Return: 0 or -EINVAL.
 */
int vmx_cregs_check(struct pvx_vcpu *vcpu, struct vmx_cregs *c)
{
	bool lma = (c->efer & EFER_LME) && (c->cr0 & X86_CR0_PG);

	if ((c->cr0 >> 32) || ((c->cr0 & X86_CR0_PG) && !(c->cr0 & X86_CR0_PE)) ||
	    (c->efer & ~EFER_ALLOWED) || !!(c->efer & EFER_LMA) != lma ||
	    (c->cr4 & CR4_REFUSED) || (c->cr4 & ~vmx_caps.cr4_fixed1) ||
	    (lma && !(c->cr4 & X86_CR4_PAE)))
		return -EINVAL;
	c->pae = !lma && (c->cr0 & X86_CR0_PG) && (c->cr4 & X86_CR4_PAE);
	return c->pae ? vmx_read_pdptrs(vcpu, c->cr3, c->pdpte) : 0;
}

/**
 * vmx_cregs_load() - PVX_SET_SREGS's CR0, CR3, CR4 and EFER at once.
 * @vcpu: the vCPU, loaded.
 * @c: values vmx_cregs_check() accepted.
 */
void vmx_cregs_load(struct pvx_vcpu *vcpu, const struct vmx_cregs *c)
{
	vmcs_write(GUEST_CR3, c->cr3);
	vmx_write_cr4(c->cr4);
	vmx_write_cr0(c->cr0);
	vmx_write_efer(c->efer);
	if (c->pae)
		vmx_write_pdptrs(c->pdpte);
	vmx_flush_vpid_this_cpu(vcpu->vmx.vpid);
}
