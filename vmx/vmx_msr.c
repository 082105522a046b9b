// SPDX-License-Identifier: GPL-2.0
/*
 * Guest MSRs. Every RDMSR/WRMSR exits (the MSR bitmap passes only FS/GS
 * base, which the VMCS switches, and KERNEL_GS_BASE, which vmx_run.c
 * switches) and lands here, as do PVX_GET_MSRS and PVX_SET_MSRS. An MSR pvx does not emulate, or a value an MSR does not
 * take, is a #GP for the guest and the end of the list for the ioctls.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/msr-index.h>
#include <asm/msr.h>
#include <asm/vmx.h>

#include "vmx.h"
#include "vmx_ops.h"
#include "../core/pvx.h"

/* The host's SYSCALL MSRs, the same on every CPU; read once. */
static u64 host_star, host_lstar, host_cstar, host_fmask;

struct vmx_msr {
	u32 first, last;	/* the range of MSR numbers served */
	int (*get)(struct pvx_vcpu *vcpu, u32 index, u64 *val);
	int (*set)(struct pvx_vcpu *vcpu, u32 index, u64 val);
};

static bool canonical(u64 addr)
{
	return (u64)((s64)(addr << 16) >> 16) == addr;
}

/* MSRs the VMCS holds: one field each. */
static const struct {
	u32 index;
	unsigned long field;
	bool address;		/* must be canonical */
} vmcs_msrs[] = {
	{ MSR_IA32_SYSENTER_CS, GUEST_SYSENTER_CS },
	{ MSR_IA32_SYSENTER_ESP, GUEST_SYSENTER_ESP, true },
	{ MSR_IA32_SYSENTER_EIP, GUEST_SYSENTER_EIP, true },
	{ MSR_FS_BASE, GUEST_FS_BASE, true },
	{ MSR_GS_BASE, GUEST_GS_BASE, true },
};

static int vmcs_msr_find(u32 index)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(vmcs_msrs); i++)
		if (vmcs_msrs[i].index == index)
			return i;
	return -1;
}

static int get_vmcs_msr(struct pvx_vcpu *vcpu, u32 index, u64 *val)
{
	*val = vmcs_read(vmcs_msrs[vmcs_msr_find(index)].field);
	return 0;
}

static int set_vmcs_msr(struct pvx_vcpu *vcpu, u32 index, u64 val)
{
	int i = vmcs_msr_find(index);

	if (vmcs_msrs[i].address && !canonical(val))
		return -EINVAL;
	if (index == MSR_IA32_SYSENTER_CS)
		val = (u32)val;
	vmcs_write(vmcs_msrs[i].field, val);
	return 0;
}

/* MSRs kept in struct vmx_vcpu, loaded into the CPU around entries. */
static u64 *switched_msr(struct pvx_vcpu *vcpu, u32 index)
{
	switch (index) {
	case MSR_KERNEL_GS_BASE:
		return &vcpu->vmx.msr.kernel_gs_base;
	case MSR_STAR:
		return &vcpu->vmx.msr.star;
	case MSR_LSTAR:
		return &vcpu->vmx.msr.lstar;
	case MSR_CSTAR:
		return &vcpu->vmx.msr.cstar;
	case MSR_SYSCALL_MASK:
		return &vcpu->vmx.msr.fmask;
	case MSR_TSC_AUX:
		return &vcpu->vmx.msr.tsc_aux;
	default:
		return NULL;
	}
}

static int get_switched(struct pvx_vcpu *vcpu, u32 index, u64 *val)
{
	/*
	 * The guest's KERNEL_GS_BASE may be in the CPU (vmx_run.c) until
	 * sched_out puts it back in memory: no preemption in between.
	 */
	preempt_disable();
	if (index == MSR_KERNEL_GS_BASE && vcpu->vmx.kgs_loaded)
		rdmsrl(MSR_KERNEL_GS_BASE, *val);
	else
		*val = *switched_msr(vcpu, index);
	preempt_enable();
	return 0;
}

static int set_switched(struct pvx_vcpu *vcpu, u32 index, u64 val)
{
	if (index == MSR_TSC_AUX ? val >> 32 :
	    (index != MSR_STAR && index != MSR_SYSCALL_MASK && !canonical(val)))
		return -EINVAL;
	preempt_disable();
	*switched_msr(vcpu, index) = val;
	if (index == MSR_KERNEL_GS_BASE && vcpu->vmx.kgs_loaded)
		wrmsrl(MSR_KERNEL_GS_BASE, val);
	preempt_enable();
	/* From now on this MSR is loaded around entries (vmx_msr_switch). */
	if (index >= MSR_STAR && index <= MSR_SYSCALL_MASK)
		vcpu->vmx.msr_written |= BIT(index - MSR_STAR);
	return 0;
}

static int get_efer(struct pvx_vcpu *vcpu, u32 index, u64 *val)
{
	*val = vmcs_read64(GUEST_IA32_EFER);
	return 0;
}

static int set_efer(struct pvx_vcpu *vcpu, u32 index, u64 val)
{
	return vmx_set_efer(vcpu, val);
}

static int get_pat(struct pvx_vcpu *vcpu, u32 index, u64 *val)
{
	*val = vmcs_read64(GUEST_IA32_PAT);
	return 0;
}

/* Each PAT entry is a memory type: 0, 1, 4, 5, 6 or 7 (SDM 11.12.2). */
static int set_pat(struct pvx_vcpu *vcpu, u32 index, u64 val)
{
	int i;

	for (i = 0; i < 8; i++) {
		u8 type = val >> (8 * i);

		if (type > 7 || type == 2 || type == 3)
			return -EINVAL;
	}
	vmcs_write(GUEST_IA32_PAT, val);
	return 0;
}

/*
 * The guest's TSC is the host's plus TSC_OFFSET (SDM 25.3). IA32_TSC_ADJUST
 * moves with it (SDM 17.17.3): a write of the TSC adds the change to
 * TSC_ADJUST, a write of TSC_ADJUST adds its change to the TSC.
 */
/* The guest's TSC moves: the VMCS offset, and Xen's PV clock with it. */
static void vmx_set_tsc_offset(struct pvx_vcpu *vcpu, u64 offset)
{
	vmcs_write(TSC_OFFSET, offset);
	pv_time_set_tsc_offset(vcpu, offset);
}

static int get_tsc(struct pvx_vcpu *vcpu, u32 index, u64 *val)
{
	*val = rdtsc() + vmcs_read64(TSC_OFFSET);
	return 0;
}

static int set_tsc(struct pvx_vcpu *vcpu, u32 index, u64 val)
{
	u64 offset = val - rdtsc();

	vcpu->vmx.msr.tsc_adjust += offset - vmcs_read64(TSC_OFFSET);
	vmx_set_tsc_offset(vcpu, offset);
	return 0;
}

static int get_tsc_adjust(struct pvx_vcpu *vcpu, u32 index, u64 *val)
{
	*val = vcpu->vmx.msr.tsc_adjust;
	return 0;
}

static int set_tsc_adjust(struct pvx_vcpu *vcpu, u32 index, u64 val)
{
	vmx_set_tsc_offset(vcpu, vmcs_read64(TSC_OFFSET) + val -
			   vcpu->vmx.msr.tsc_adjust);
	vcpu->vmx.msr.tsc_adjust = val;
	return 0;
}

static int get_misc_enable(struct pvx_vcpu *vcpu, u32 index, u64 *val)
{
	*val = vcpu->vmx.msr.misc_enable;
	return 0;
}

/*
 * IA32_MISC_ENABLE, bit by bit (SDM vol. 4, Table 2-2), as a guest kernel
 * writes it back (Linux: read, change a bit, write; test kernels write
 * values such as 0x400c50009):
 *  - read/write and kept: fast strings (0), automatic thermal control (3),
 *    Enhanced SpeedStep enable (16), limit CPUID maxval (22: CPUID leaf 0
 *    then reports at most 2, vmx_misc_enable_cpuid()), xTPR message
 *    disable (23), XD bit disable (34: CPUID hides NX);
 *  - ENABLE MONITOR FSM (18): kept when the guest's CPUID offers MONITOR;
 *    pvx offers no MONITOR/MWAIT (they are #UD), so otherwise a write of 1
 *    is taken and reads back 0, as a CPU whose MONITOR is fused off;
 *  - read-only: performance monitoring available (7) reads 0 (no PMU),
 *    BTS and PEBS unavailable (11, 12) read 1; writes leave them;
 *  - every other bit is reserved: #GP.
 */
#define MISC_ENABLE_RW	(MSR_IA32_MISC_ENABLE_FAST_STRING | \
			 MSR_IA32_MISC_ENABLE_TM1 | \
			 MSR_IA32_MISC_ENABLE_ENHANCED_SPEEDSTEP | \
			 MSR_IA32_MISC_ENABLE_LIMIT_CPUID | \
			 MSR_IA32_MISC_ENABLE_XTPR_DISABLE | \
			 MSR_IA32_MISC_ENABLE_XD_DISABLE)
#define MISC_ENABLE_RO	(MSR_IA32_MISC_ENABLE_EMON | \
			 MSR_IA32_MISC_ENABLE_BTS_UNAVAIL | \
			 MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL)

static int set_misc_enable(struct pvx_vcpu *vcpu, u32 index, u64 val)
{
	u64 keep = MISC_ENABLE_RW;
	u32 leaf1[4];

	if (val & ~(MISC_ENABLE_RW | MISC_ENABLE_RO |
		    MSR_IA32_MISC_ENABLE_MWAIT))
		return -EINVAL;
	pvx_cpuid_lookup(vcpu, 1, 0, leaf1);
	if (leaf1[2] & BIT(3))		/* CPUID.1:ECX.MONITOR */
		keep |= MSR_IA32_MISC_ENABLE_MWAIT;
	vcpu->vmx.msr.misc_enable = (val & keep) | VMX_MISC_ENABLE_RO_SET;
	return 0;
}

/**
 * vmx_misc_enable_cpuid() - what IA32_MISC_ENABLE changes in CPUID's answer.
 * @vcpu: the vCPU, whose MISC_ENABLE has bit 22 or 34 set.
 * @leaf: EAX of the CPUID.
 * @out: the answer, changed in place.
 *
 * Limit CPUID maxval: leaf 0 reports at most 2; XD bit disable:
 * CPUID.80000001H:EDX.NX reads 0 (SDM vol. 4, Table 2-2).
 */
void vmx_misc_enable_cpuid(struct pvx_vcpu *vcpu, u32 leaf, u32 out[4])
{
	u64 misc = vcpu->vmx.msr.misc_enable;

	if (leaf == 0 && (misc & MSR_IA32_MISC_ENABLE_LIMIT_CPUID))
		out[0] = min(out[0], 2U);
	if (leaf == 0x80000001 && (misc & MSR_IA32_MISC_ENABLE_XD_DISABLE))
		out[3] &= ~BIT(20);
}

/*
 * IA32_APIC_BASE: by default pvx has no local APIC (interrupts are
 * injected, not delivered through an APIC), so it offers none:
 * CPUID.1:EDX.APIC is clear in libpvx's table, and the MSR does not exist
 * (#GP), as on a CPU without an APIC (SDM 10.4.4). A VM created with
 * PVX_PLATFORM_X2APIC has one (lapic/lapic.c): the MSR reads its x2APIC
 * base and takes only that value.
 */
static int get_apic_base(struct pvx_vcpu *vcpu, u32 index, u64 *val)
{
	if (!vcpu->lapic.enabled)
		return -EINVAL;
	*val = lapic_apic_base(vcpu);
	return 0;
}

static int set_apic_base(struct pvx_vcpu *vcpu, u32 index, u64 val)
{
	return vcpu->lapic.enabled && val == lapic_apic_base(vcpu) ? 0 : -EINVAL;
}

/*
 * IA32_UCODE_REV: Linux writes 0, runs CPUID(1), reads the revision in
 * bits 63:32 (SDM 10.11.7.1); pvx reports revision 1 and ignores writes.
 */
#define VMX_UCODE_REV	(1ULL << 32)

static int get_ucode_rev(struct pvx_vcpu *vcpu, u32 index, u64 *val)
{
	*val = VMX_UCODE_REV;
	return 0;
}

static int set_ucode_rev(struct pvx_vcpu *vcpu, u32 index, u64 val)
{
	return 0;
}

/* IA32_PLATFORM_ID: read-only; platform id 0 (bits 52:50). */
static int get_zero(struct pvx_vcpu *vcpu, u32 index, u64 *val)
{
	*val = 0;
	return 0;
}

/*
 * Machine-check architecture with no banks (SDM 16.3.1): IA32_MCG_CAP
 * reads 0 (count 0, no MCG_CTL) and is read-only; IA32_MCG_STATUS reads
 * what was written; only its defined bits (RIPV, EIPV, MCIP, LMCE_S) may
 * be set.
 */
static int get_mcg_status(struct pvx_vcpu *vcpu, u32 index, u64 *val)
{
	*val = vcpu->vmx.msr.mcg_status;
	return 0;
}

static int set_mcg_status(struct pvx_vcpu *vcpu, u32 index, u64 val)
{
	if (val & ~0xfULL)
		return -EINVAL;
	vcpu->vmx.msr.mcg_status = val;
	return 0;
}

/* IA32_FEATURE_CONTROL: locked, VMX not offered to the guest. */
static int get_feature_control(struct pvx_vcpu *vcpu, u32 index, u64 *val)
{
	*val = FEAT_CTL_LOCKED;
	return 0;
}

/* MTRRs: 8 variable ranges, fixed ranges, WC (SDM 11.11.1); kept as set. */
static int get_mtrr_cap(struct pvx_vcpu *vcpu, u32 index, u64 *val)
{
	*val = 8 | BIT(8) | BIT(10);
	return 0;
}

static u64 *mtrr_slot(struct pvx_vcpu *vcpu, u32 index)
{
	static const u32 fixed[] = { MSR_MTRRfix64K_00000, MSR_MTRRfix16K_80000,
				     MSR_MTRRfix16K_A0000 };
	int i;

	if (index == MSR_MTRRdefType)
		return &vcpu->vmx.msr.mtrr_def_type;
	if (index >= 0x200 && index < 0x210)
		return &vcpu->vmx.msr.mtrr_var[index - 0x200];
	if (index >= MSR_MTRRfix4K_C0000 && index <= MSR_MTRRfix4K_F8000)
		return &vcpu->vmx.msr.mtrr_fixed[3 + index - MSR_MTRRfix4K_C0000];
	for (i = 0; i < ARRAY_SIZE(fixed); i++)
		if (index == fixed[i])
			return &vcpu->vmx.msr.mtrr_fixed[i];
	return NULL;
}

static int get_mtrr(struct pvx_vcpu *vcpu, u32 index, u64 *val)
{
	u64 *slot = mtrr_slot(vcpu, index);

	if (!slot)
		return -EINVAL;
	*val = *slot;
	return 0;
}

static int set_mtrr(struct pvx_vcpu *vcpu, u32 index, u64 val)
{
	u64 *slot = mtrr_slot(vcpu, index);

	/* Default type: type in [7:0], FE bit 10, E bit 11; nothing else. */
	if (!slot || (index == MSR_MTRRdefType && (val & ~0xcffULL)))
		return -EINVAL;
	*slot = val;
	return 0;
}

/* Xen's hypercall-page MSR, only for a VM with PV enabled (pv/pv_cpuid.c). */
static int get_xen_hypercall(struct pvx_vcpu *vcpu, u32 index, u64 *val)
{
	*val = 0;
	return pv_enabled(&vcpu->vm->pv) ? 0 : -EINVAL;
}

static int set_xen_hypercall(struct pvx_vcpu *vcpu, u32 index, u64 val)
{
	if (!pv_enabled(&vcpu->vm->pv))
		return -EINVAL;
	return pv_hypercall_msr_write(vcpu, index, val);
}

static const struct vmx_msr vmx_msrs[] = {
	{ MSR_IA32_TSC, MSR_IA32_TSC, get_tsc, set_tsc },
	{ MSR_IA32_PLATFORM_ID, MSR_IA32_PLATFORM_ID, get_zero, NULL },
	{ MSR_IA32_FEAT_CTL, MSR_IA32_FEAT_CTL, get_feature_control, NULL },
	{ MSR_IA32_APICBASE, MSR_IA32_APICBASE, get_apic_base, set_apic_base },
	{ MSR_IA32_TSC_ADJUST, MSR_IA32_TSC_ADJUST, get_tsc_adjust,
	  set_tsc_adjust },
	{ MSR_IA32_UCODE_REV, MSR_IA32_UCODE_REV, get_ucode_rev,
	  set_ucode_rev },
	{ MSR_MTRRcap, MSR_MTRRcap, get_mtrr_cap, NULL },
	{ MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_EIP, get_vmcs_msr,
	  set_vmcs_msr },
	{ MSR_IA32_MCG_CAP, MSR_IA32_MCG_CAP, get_zero, NULL },
	{ MSR_IA32_MCG_STATUS, MSR_IA32_MCG_STATUS, get_mcg_status,
	  set_mcg_status },
	{ MSR_IA32_MISC_ENABLE, MSR_IA32_MISC_ENABLE, get_misc_enable,
	  set_misc_enable },
	{ 0x200, 0x20f, get_mtrr, set_mtrr },
	{ MSR_MTRRfix64K_00000, MSR_MTRRfix64K_00000, get_mtrr, set_mtrr },
	{ MSR_MTRRfix16K_80000, MSR_MTRRfix16K_A0000, get_mtrr, set_mtrr },
	{ MSR_MTRRfix4K_C0000, MSR_MTRRfix4K_F8000, get_mtrr, set_mtrr },
	{ MSR_IA32_CR_PAT, MSR_IA32_CR_PAT, get_pat, set_pat },
	{ MSR_MTRRdefType, MSR_MTRRdefType, get_mtrr, set_mtrr },
	{ MSR_EFER, MSR_EFER, get_efer, set_efer },
	{ MSR_STAR, MSR_SYSCALL_MASK, get_switched, set_switched },
	{ MSR_FS_BASE, MSR_GS_BASE, get_vmcs_msr, set_vmcs_msr },
	{ MSR_KERNEL_GS_BASE, MSR_TSC_AUX, get_switched, set_switched },
	/* x2APIC registers (lapic/lapic.c), with PVX_PLATFORM_X2APIC only */
	{ APIC_BASE_MSR, APIC_BASE_MSR + 0xff, lapic_msr_get, lapic_msr_set },
	{ XEN_HYPERCALL_MSR, XEN_HYPERCALL_MSR, get_xen_hypercall,
	  set_xen_hypercall },
};

static const struct vmx_msr *vmx_msr_find(u32 index)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(vmx_msrs); i++)
		if (index >= vmx_msrs[i].first && index <= vmx_msrs[i].last)
			return &vmx_msrs[i];
	return NULL;
}

/**
 * vmx_msr_get() - read a guest MSR.
 * Return: 0, or -EINVAL for an MSR pvx does not emulate.
 */
int vmx_msr_get(struct pvx_vcpu *vcpu, u32 index, u64 *val)
{
	const struct vmx_msr *m = vmx_msr_find(index);

	return m ? m->get(vcpu, index, val) : -EINVAL;
}

/**
 * vmx_msr_set() - write a guest MSR.
 * Return: 0, or -EINVAL for an unknown or read-only MSR or a bad value.
 */
int vmx_msr_set(struct pvx_vcpu *vcpu, u32 index, u64 val)
{
	const struct vmx_msr *m = vmx_msr_find(index);

	return m && m->set ? m->set(vcpu, index, val) : -EINVAL;
}

/**
 * vmx_msrs_ioctl() - PVX_GET_MSRS / PVX_SET_MSRS.
 * @vcpu: the vCPU, loaded.
 * @arg: the user's struct pvx_msrs.
 * @set: write rather than read.
 *
 * Return: entries processed, or -EFAULT, -EINVAL, -E2BIG, -ENOMEM.
 */
int vmx_msrs_ioctl(struct pvx_vcpu *vcpu, struct pvx_msrs __user *arg,
		   bool set)
{
	struct pvx_msr_entry __user *uents;
	struct pvx_msr_entry *e;
	struct pvx_msrs msrs;
	u32 i;
	int r = 0;

	if (copy_from_user(&msrs, arg, sizeof(msrs)))
		return -EFAULT;
	if (msrs.flags)
		return -EINVAL;
	if (msrs.nmsrs > PVX_MAX_MSR_ENTRIES)
		return -E2BIG;
	uents = u64_to_user_ptr(msrs.entries);
	e = memdup_user(uents, msrs.nmsrs * sizeof(*e));
	if (IS_ERR(e))
		return PTR_ERR(e);
	for (i = 0; i < msrs.nmsrs; i++) {
		if (e[i].reserved) {
			r = -EINVAL;
			break;
		}
		if (set ? vmx_msr_set(vcpu, e[i].index, e[i].data) :
			  vmx_msr_get(vcpu, e[i].index, &e[i].data))
			break;
	}
	if (!r && !set && copy_to_user(uents, e, i * sizeof(*e)))
		r = -EFAULT;
	kfree(e);
	return r ? r : i;
}

/* Read the host's SYSCALL MSRs once: they never change after boot. */
void vmx_msr_save_host(void)
{
	rdmsrl(MSR_STAR, host_star);
	rdmsrl(MSR_LSTAR, host_lstar);
	rdmsrl(MSR_CSTAR, host_cstar);
	rdmsrl(MSR_SYSCALL_MASK, host_fmask);
}

/*
 * MSRs whose guest value goes in the CPU only while the guest runs, in
 * MSR number order from MSR_STAR (bit i of msr_written is entry i).
 */
static const struct {
	u32 index;
	const u64 *host;
	size_t guest_off;
} syscall_msrs[] = {
	{ MSR_STAR, &host_star, offsetof(struct vmx_vcpu, msr.star) },
	{ MSR_LSTAR, &host_lstar, offsetof(struct vmx_vcpu, msr.lstar) },
	{ MSR_CSTAR, &host_cstar, offsetof(struct vmx_vcpu, msr.cstar) },
	{ MSR_SYSCALL_MASK, &host_fmask, offsetof(struct vmx_vcpu, msr.fmask) },
};

/**
 * vmx_msr_switch() - load the guest's (or the host's) SYSCALL MSRs.
 * @v: the vCPU.
 * @to_guest: direction.
 *
 * Interrupts are off: no host code runs with the guest's values. Only the
 * MSRs the guest has written, and whose value differs from the host's, are
 * written: a guest that never set up SYSCALL costs nothing here.
 */
void vmx_msr_switch(struct vmx_vcpu *v, bool to_guest)
{
	int i;

	if (!v->msr_written)
		return;
	for (i = 0; i < ARRAY_SIZE(syscall_msrs); i++) {
		if (!(v->msr_written & BIT(i)))
			continue;
		if (*(u64 *)((void *)v + syscall_msrs[i].guest_off) !=
		    *syscall_msrs[i].host)
			wrmsrl(syscall_msrs[i].index, to_guest ?
			       *(u64 *)((void *)v + syscall_msrs[i].guest_off) :
			       *syscall_msrs[i].host);
	}
}
