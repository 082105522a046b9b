// SPDX-License-Identifier: GPL-2.0
/*
 * Guest register state: between the VMCS, regs[] and the ABI's structs.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <asm/msr-index.h>
#include <asm/fpu/types.h>
#include <asm/processor-flags.h>
#include <asm/traps.h>
#include <asm/vmx.h>

#include "vmx.h"
#include "vmx_ops.h"
#include "../core/pvx.h"

/* VMCS segment fields come in this order, 2 encodings apart (SDM B.1-B.4). */
enum vmx_seg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR };

/* Access rights layout (SDM 24.4.1, Table 24-2). */
#define VMX_AR_S		(1U << 4)
#define VMX_AR_P		(1U << 7)
#define VMX_AR_AVL		(1U << 12)
#define VMX_AR_L		(1U << 13)
#define VMX_AR_DB		(1U << 14)
#define VMX_AR_G		(1U << 15)
#define VMX_AR_UNUSABLE	(1U << 16)

/* DR6 after reset (SDM 18.2.3). */
#define GUEST_DR6_RESET	0xffff0ff0UL

/* RFLAGS bits that must be 0 (SDM 26.3.1.4); bit 1 must be 1. */
#define RFLAGS_RESERVED	(~0x3f7fd7ULL)

unsigned long vmx_get_reg(struct pvx_vcpu *vcpu, int reg)
{
	return reg == VMX_RSP ? vmcs_read(GUEST_RSP) : vcpu->vmx.regs[reg];
}

void vmx_set_reg(struct pvx_vcpu *vcpu, int reg, unsigned long val)
{
	if (reg == VMX_RSP)
		vmcs_write(GUEST_RSP, val);
	else
		vcpu->vmx.regs[reg] = val;
}

/* Is the guest running 64-bit code (IA-32e mode and CS.L)? */
bool vmx_guest_64bit(void)
{
	return (vmcs_read64(GUEST_IA32_EFER) & EFER_LMA) &&
	       (vmcs_read32(GUEST_CS_AR_BYTES) & VMX_AR_L);
}

/**
 * vmx_skip_instruction_len() - step over an instruction of @len bytes.
 *
 * Outside 64-bit code RIP wraps at 32 bits. STI and MOV SS blocking end
 * with the instruction that follows them (SDM 24.4.2).
 */
void vmx_skip_instruction_len(unsigned int len)
{
	unsigned long rip = vmcs_read(GUEST_RIP) + len;

	/* Below 4 GiB there is nothing to wrap: skip the mode's VMREADs. */
	if (unlikely(rip >> 32) && !vmx_guest_64bit())
		rip = (u32)rip;
	vmcs_write(GUEST_RIP, rip);
	vmx_clear_interrupt_shadow();
}

/**
 * vmx_clear_interrupt_shadow() - the instruction after STI or MOV SS ran:
 * their blocking ends (SDM 24.4.2).
 */
void vmx_clear_interrupt_shadow(void)
{
	u32 intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);

	if (intr & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS))
		vmcs_write(GUEST_INTERRUPTIBILITY_INFO,
			   intr & ~(GUEST_INTR_STATE_STI |
				    GUEST_INTR_STATE_MOV_SS));
}

/* Step over the instruction that caused this VM exit. */
void vmx_skip_instruction(void)
{
	vmx_skip_instruction_len(vmcs_read32(VM_EXIT_INSTRUCTION_LEN));
}

/*
 * Fault-class exceptions (SDM 6.15, Table 6-1: #DE #BR #UD #NM #TS #NP #SS
 * #GP #PF #MF #AC #XM #VE #CP). #DB is left out: its instruction-breakpoint
 * fault is the one fault after which the CPU does not set RF (SDM 18.3.1.1),
 * its other conditions are traps.
 */
#define VMX_FAULT_EXCEPTIONS	(BIT(X86_TRAP_DE) | BIT(X86_TRAP_BR) | \
				 BIT(X86_TRAP_UD) | BIT(X86_TRAP_NM) | \
				 BIT(X86_TRAP_TS) | BIT(X86_TRAP_NP) | \
				 BIT(X86_TRAP_SS) | BIT(X86_TRAP_GP) | \
				 BIT(X86_TRAP_PF) | BIT(X86_TRAP_MF) | \
				 BIT(X86_TRAP_AC) | BIT(X86_TRAP_XF) | \
				 BIT(X86_TRAP_VE) | BIT(X86_TRAP_CP))

/**
 * vmx_set_rf_for_fault() - the RF a fault pushes, before its injection.
 * @vector: the hardware exception about to be injected.
 *
 * A fault-class exception pushes RFLAGS with RF = 1 (SDM 6.13, 18.3.1.1),
 * so that the IRET back to the faulting instruction does not take its
 * instruction breakpoint again. VM-entry injection pushes GUEST_RFLAGS as
 * it is (SDM 26.6.1.2), so RF goes there; event delivery then clears RF in
 * the handler's RFLAGS. Real mode pushes only FLAGS, without RF.
 */
void vmx_set_rf_for_fault(unsigned int vector)
{
	unsigned long rflags;

	if (vector >= 32 || !(VMX_FAULT_EXCEPTIONS & BIT(vector)) ||
	    !(vmcs_read(GUEST_CR0) & X86_CR0_PE))
		return;
	rflags = vmcs_read(GUEST_RFLAGS);
	if (!(rflags & X86_EFLAGS_RF))
		vmcs_write(GUEST_RFLAGS, rflags | X86_EFLAGS_RF);
}

/**
 * vmx_inject_exception() - deliver a hardware exception on the next entry.
 * @vector: exception vector.
 * @has_error: the exception pushes an error code.
 * @error: the error code.
 *
 * A fault is raised by the instruction at RIP: RF is set for it
 * (vmx_set_rf_for_fault()).
 * Real mode has no error codes: the VMCS must not ask for one there
 * (SDM 26.2.1.3).
 */
void vmx_inject_exception(unsigned int vector, bool has_error, u32 error)
{
	u32 info = vector | INTR_TYPE_HARD_EXCEPTION | INTR_INFO_VALID_MASK;

	if (has_error && (vmcs_read(GUEST_CR0) & X86_CR0_PE)) {
		info |= INTR_INFO_DELIVER_CODE_MASK;
		vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, error);
	}
	vmx_set_rf_for_fault(vector);
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, info);
}

void vmx_inject_gp(void)
{
	vmx_inject_exception(X86_TRAP_GP, true, 0);
}

void vmx_inject_ud(void)
{
	vmx_inject_exception(X86_TRAP_UD, false, 0);
}

/* struct pvx_regs order -> regs[] index. */
static const u8 pvx_regs_order[] = {
	VMX_RAX, VMX_RBX, VMX_RCX, VMX_RDX, VMX_RSI, VMX_RDI, VMX_RSP, VMX_RBP,
	VMX_R8, VMX_R9, VMX_R10, VMX_R11, VMX_R12, VMX_R13, VMX_R14, VMX_R15,
};

void vmx_get_regs(struct pvx_vcpu *vcpu, struct pvx_regs *r)
{
	u64 *out = &r->rax;
	int i;

	for (i = 0; i < ARRAY_SIZE(pvx_regs_order); i++)
		out[i] = vmx_get_reg(vcpu, pvx_regs_order[i]);
	r->rip = vmcs_read(GUEST_RIP);
	r->rflags = vmcs_read(GUEST_RFLAGS);
}

int vmx_set_regs(struct pvx_vcpu *vcpu, const struct pvx_regs *r)
{
	const u64 *in = &r->rax;
	int i;

	if ((r->rflags & RFLAGS_RESERVED) || !(r->rflags & X86_EFLAGS_FIXED))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(pvx_regs_order); i++)
		vmx_set_reg(vcpu, pvx_regs_order[i], in[i]);
	vmcs_write(GUEST_RIP, r->rip);
	vmcs_write(GUEST_RFLAGS, r->rflags);
	return 0;
}

static void vmx_get_segment(enum vmx_seg seg, struct pvx_segment *s)
{
	u32 ar = vmcs_read32(GUEST_ES_AR_BYTES + 2 * seg);

	memset(s, 0, sizeof(*s));
	s->base = vmcs_read(GUEST_ES_BASE + 2 * seg);
	s->limit = vmcs_read32(GUEST_ES_LIMIT + 2 * seg);
	s->selector = vmcs_read16(GUEST_ES_SELECTOR + 2 * seg);
	s->type = ar & 0xf;
	s->s = !!(ar & VMX_AR_S);
	s->dpl = (ar >> 5) & 3;
	s->present = !!(ar & VMX_AR_P);
	s->avl = !!(ar & VMX_AR_AVL);
	s->l = !!(ar & VMX_AR_L);
	s->db = !!(ar & VMX_AR_DB);
	s->g = !!(ar & VMX_AR_G);
	s->unusable = !!(ar & VMX_AR_UNUSABLE);
}

static bool vmx_segment_valid(const struct pvx_segment *s)
{
	return s->type < 16 && s->dpl < 4 && s->s <= 1 && s->present <= 1 &&
	       s->avl <= 1 && s->l <= 1 && s->db <= 1 && s->g <= 1 &&
	       s->unusable <= 1 && !memchr_inv(s->padding, 0, sizeof(s->padding));
}

static void vmx_set_segment(enum vmx_seg seg, const struct pvx_segment *s)
{
	u32 ar = s->type | (s->s ? VMX_AR_S : 0) | (s->dpl << 5) |
		 (s->present ? VMX_AR_P : 0) | (s->avl ? VMX_AR_AVL : 0) |
		 (s->l ? VMX_AR_L : 0) | (s->db ? VMX_AR_DB : 0) | (s->g ? VMX_AR_G : 0) |
		 (s->unusable ? VMX_AR_UNUSABLE : 0);

	vmcs_write(GUEST_ES_BASE + 2 * seg, s->base);
	vmcs_write(GUEST_ES_LIMIT + 2 * seg, s->limit);
	vmcs_write(GUEST_ES_SELECTOR + 2 * seg, s->selector);
	vmcs_write(GUEST_ES_AR_BYTES + 2 * seg, ar);
}

/* The sregs segments in struct order, and where each lives in the VMCS. */
static const u8 pvx_sregs_order[] = {
	SEG_CS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS, SEG_TR, SEG_LDTR,
};

void vmx_get_sregs(struct pvx_vcpu *vcpu, struct pvx_sregs *sr)
{
	struct pvx_segment *seg = &sr->cs;
	int i;

	memset(sr, 0, sizeof(*sr));
	for (i = 0; i < ARRAY_SIZE(pvx_sregs_order); i++)
		vmx_get_segment(pvx_sregs_order[i], &seg[i]);
	sr->gdt.base = vmcs_read(GUEST_GDTR_BASE);
	sr->gdt.limit = vmcs_read32(GUEST_GDTR_LIMIT);
	sr->idt.base = vmcs_read(GUEST_IDTR_BASE);
	sr->idt.limit = vmcs_read32(GUEST_IDTR_LIMIT);
	sr->cr0 = vmx_read_cr0();
	sr->cr2 = vcpu->vmx.cr2;
	sr->cr3 = vmcs_read(GUEST_CR3);
	sr->cr4 = vmx_read_cr4();
	sr->efer = vmcs_read64(GUEST_IA32_EFER);
}

int vmx_set_sregs(struct pvx_vcpu *vcpu, const struct pvx_sregs *sr)
{
	const struct pvx_segment *seg = &sr->cs;
	struct vmx_cregs c = { .cr0 = sr->cr0, .cr3 = sr->cr3, .cr4 = sr->cr4,
			       .efer = sr->efer };
	int i;

	if (sr->flags || sr->padding ||
	    memchr_inv(sr->gdt.padding, 0, sizeof(sr->gdt.padding)) ||
	    memchr_inv(sr->idt.padding, 0, sizeof(sr->idt.padding)))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(pvx_sregs_order); i++)
		if (!vmx_segment_valid(&seg[i]))
			return -EINVAL;
	/*
	 * Every check before the first write, PAE PDPTEs included: a rejected
	 * call changes nothing.
	 */
	if (vmx_cregs_check(vcpu, &c))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(pvx_sregs_order); i++)
		vmx_set_segment(pvx_sregs_order[i], &seg[i]);
	vmcs_write(GUEST_GDTR_BASE, sr->gdt.base);
	vmcs_write(GUEST_GDTR_LIMIT, sr->gdt.limit);
	vmcs_write(GUEST_IDTR_BASE, sr->idt.base);
	vmcs_write(GUEST_IDTR_LIMIT, sr->idt.limit);
	vcpu->vmx.cr2 = sr->cr2;
	vmx_cregs_load(vcpu, &c);
	return 0;
}

/**
 * vmx_reset_guest_state() - the x86 power-on state (SDM 10.1, Table 10-1).
 * @vcpu: the vCPU, its VMCS current.
 *
 * Real mode, CS:IP = F000:FFF0 with CS base FFFF0000, RFLAGS 2, CR0 with
 * CD, NW and ET set, DR7 400h, PAT 0007040600070406h.
 */
void vmx_reset_guest_state(struct pvx_vcpu *vcpu)
{
	struct pvx_segment data = { .limit = 0xffff, .type = 3, .s = 1,
				    .present = 1 };
	struct pvx_segment code = data, tr = data, ldt = data;
	int seg;

	code.type = 0xb;
	code.selector = 0xf000;
	code.base = 0xffff0000;
	tr.type = 0xb;		/* busy TSS: VMX wants one even in real mode */
	tr.s = 0;
	ldt.type = 2;
	ldt.s = 0;
	for (seg = SEG_ES; seg <= SEG_GS; seg++)
		vmx_set_segment(seg, seg == SEG_CS ? &code : &data);
	vmx_set_segment(SEG_LDTR, &ldt);
	vmx_set_segment(SEG_TR, &tr);
	vmcs_write(GUEST_GDTR_BASE, 0);
	vmcs_write(GUEST_GDTR_LIMIT, 0xffff);
	vmcs_write(GUEST_IDTR_BASE, 0);
	vmcs_write(GUEST_IDTR_LIMIT, 0xffff);
	vmcs_write(GUEST_RIP, 0xfff0);
	vmcs_write(GUEST_RFLAGS, X86_EFLAGS_FIXED);
	vmcs_write(GUEST_RSP, 0);
	vmcs_write(GUEST_DR7, VMX_DR7_RESET);
	vmcs_write(GUEST_IA32_DEBUGCTL, 0);
	vmcs_write(GUEST_IA32_PAT, 0x0007040600070406ULL);
	vmcs_write(GUEST_SYSENTER_CS, 0);
	vmcs_write(GUEST_SYSENTER_ESP, 0);
	vmcs_write(GUEST_SYSENTER_EIP, 0);
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_write(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmx_cregs_load(vcpu, &(struct vmx_cregs){
		.cr0 = X86_CR0_CD | X86_CR0_NW | X86_CR0_ET });
	vcpu->vmx.xcr0 = XFEATURE_MASK_FP;
	vcpu->vmx.msr.misc_enable = VMX_MISC_ENABLE_RESET;
	vcpu->vmx.msr.tsc_adjust = 0;
	vcpu->vmx.msr.mcg_status = 0;
	vcpu->vmx.dr6 = GUEST_DR6_RESET;
	vcpu->vmx.dr7 = VMX_DR7_RESET;
}

/**
 * vmx_start_at_sipi() - the state of a processor that got INIT, then a
 * start-up IPI with @vector (SDM 9.4.4.1 / 10.6.1): the INIT state, then
 * real mode at CS = vector << 8, IP = 0 (the page vector << 12), general
 * registers 0.
 * @vcpu: the vCPU, its VMCS current.
 * @vector: the SIPI's vector.
 */
void vmx_start_at_sipi(struct pvx_vcpu *vcpu, u8 vector)
{
	vmx_reset_guest_state(vcpu);
	/*
	 * Without XSAVE on the host there is no XCR0 to switch: keep it 0, as
	 * vmx_save_host_state() does at the start of PVX_RUN (XSETBV would #UD).
	 */
	if (!vcpu->vmx.host_xcr0)
		vcpu->vmx.xcr0 = 0;
	memset(vcpu->vmx.regs, 0, sizeof(vcpu->vmx.regs));
	vmcs_write(GUEST_CS_SELECTOR, (u16)vector << 8);
	vmcs_write(GUEST_CS_BASE, (u32)vector << 12);
	vmcs_write(GUEST_RIP, 0);
}
