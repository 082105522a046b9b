// SPDX-License-Identifier: GPL-2.0
/*
 * What the CPU's VMX implementation offers, and whether it is enough.
 *
 * The capability MSRs (SDM Vol. 3D, Appendix A) are read once at load on the
 * loading CPU. pvx refuses to load, with one line naming the cause, on a CPU
 * without VMX, with VMX disabled by firmware, or without one of the features
 * it is built on: EPT (4-level, write-back), INVEPT, VPID with INVVPID, and
 * unrestricted guest.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/seq_file.h>
#include <linux/smp.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/vmx.h>
#include <linux/pvx.h>

#include "vmx.h"

struct vmx_caps vmx_caps;

/*
 * A set of bits in one capability word. For the allowed-settings MSRs the
 * allowed-1 settings are the high 32 bits (SDM A.3), hence the "<< 32".
 */
struct vmx_cap_bits {
	const char *name;
	const u64 *word;
	u64 mask;
	bool any;	/* one bit of @mask suffices, else all are needed */
};

/* Everything pvx is built on; the first one missing is named in dmesg. */
static const struct vmx_cap_bits vmx_required[] = {
	{ "secondary processor-based controls", &vmx_caps.procbased,
	  ALLOWED1(CPU_BASED_ACTIVATE_SECONDARY_CONTROLS) },
	{ "EPT", &vmx_caps.procbased2, ALLOWED1(SECONDARY_EXEC_ENABLE_EPT) },
	{ "VPID", &vmx_caps.procbased2, ALLOWED1(SECONDARY_EXEC_ENABLE_VPID) },
	{ "unrestricted guest", &vmx_caps.procbased2,
	  ALLOWED1(SECONDARY_EXEC_UNRESTRICTED_GUEST) },
	{ "4-level EPT page walk", &vmx_caps.ept_vpid, VMX_EPT_PAGE_WALK_4_BIT },
	{ "write-back EPT paging structures", &vmx_caps.ept_vpid,
	  VMX_EPTP_WB_BIT },
	{ "INVEPT", &vmx_caps.ept_vpid, VMX_EPT_INVEPT_BIT },
	{ "single-context or all-context INVEPT", &vmx_caps.ept_vpid,
	  VMX_EPT_EXTENT_CONTEXT_BIT | VMX_EPT_EXTENT_GLOBAL_BIT, true },
	/* INVVPID capabilities are bits 32 and up of IA32_VMX_EPT_VPID_CAP. */
	{ "INVVPID", &vmx_caps.ept_vpid, (u64)VMX_VPID_INVVPID_BIT << 32 },
	{ "single-context or all-context INVVPID", &vmx_caps.ept_vpid,
	  (u64)(VMX_VPID_EXTENT_SINGLE_CONTEXT_BIT |
		VMX_VPID_EXTENT_GLOBAL_CONTEXT_BIT) << 32, true },
};

/* PVX_CAP_* bit -> the capability bits that provide it. */
static const struct {
	u64 cap;
	struct vmx_cap_bits bits;
} vmx_features[] = {
	{ PVX_CAP_EPT, { "ept", &vmx_caps.procbased2,
			 ALLOWED1(SECONDARY_EXEC_ENABLE_EPT) } },
	{ PVX_CAP_EPT_2M, { "ept_2m", &vmx_caps.ept_vpid, VMX_EPT_2MB_PAGE_BIT } },
	{ PVX_CAP_EPT_1G, { "ept_1g", &vmx_caps.ept_vpid, VMX_EPT_1GB_PAGE_BIT } },
	{ PVX_CAP_EPT_AD, { "ept_ad", &vmx_caps.ept_vpid, VMX_EPT_AD_BIT } },
	{ PVX_CAP_EPT_EXEC_ONLY, { "ept_x_only", &vmx_caps.ept_vpid,
				   VMX_EPT_EXECUTE_ONLY_BIT } },
	{ PVX_CAP_VPID, { "vpid", &vmx_caps.procbased2,
			  ALLOWED1(SECONDARY_EXEC_ENABLE_VPID) } },
	{ PVX_CAP_UNRESTRICTED_GUEST, { "ug", &vmx_caps.procbased2,
			ALLOWED1(SECONDARY_EXEC_UNRESTRICTED_GUEST) } },
	{ PVX_CAP_PREEMPTION_TIMER, { "preemption_timer", &vmx_caps.pinbased,
			ALLOWED1(PIN_BASED_VMX_PREEMPTION_TIMER) } },
	{ PVX_CAP_SHADOW_VMCS, { "shadow_vmcs", &vmx_caps.procbased2,
			ALLOWED1(SECONDARY_EXEC_SHADOW_VMCS) } },
	{ PVX_CAP_PML, { "pml", &vmx_caps.procbased2,
			 ALLOWED1(SECONDARY_EXEC_ENABLE_PML) } },
	{ PVX_CAP_POSTED_INTR, { "posted_intr", &vmx_caps.pinbased,
				 ALLOWED1(PIN_BASED_POSTED_INTR) } },
	{ PVX_CAP_VIRT_INTR_DELIVERY, { "vid", &vmx_caps.procbased2,
			ALLOWED1(SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY) } },
	{ PVX_CAP_APIC_REG_VIRT, { "apicv_reg", &vmx_caps.procbased2,
			ALLOWED1(SECONDARY_EXEC_APIC_REGISTER_VIRT) } },
	{ PVX_CAP_TSC_SCALING, { "tsc_scaling", &vmx_caps.procbased2,
			ALLOWED1(SECONDARY_EXEC_TSC_SCALING) } },
	{ PVX_CAP_VMFUNC, { "vmfunc", &vmx_caps.procbased2,
			    ALLOWED1(SECONDARY_EXEC_ENABLE_VMFUNC) } },
	{ PVX_CAP_VIRTUAL_NMIS, { "vnmi", &vmx_caps.pinbased,
				  ALLOWED1(PIN_BASED_VIRTUAL_NMIS) } },
	{ PVX_CAP_TRUE_CTLS, { "true_ctls", &vmx_caps.basic,
			       VMX_BASIC_TRUE_CTLS } },
};

static bool vmx_cap_bits_present(const struct vmx_cap_bits *b)
{
	u64 have = *b->word & b->mask;

	return b->any ? have != 0 : have == b->mask;
}

/*
 * IA32_FEATURE_CONTROL gates VMXON (SDM 23.7): locked with "VMX outside SMX"
 * clear means the firmware disabled VMX until the next reset. An unlocked
 * MSR is ours to set: allow VMX outside SMX and lock it.
 */
static int vmx_feature_control_this_cpu(void)
{
	u64 fc;

	if (rdmsrl_safe(MSR_IA32_FEAT_CTL, &fc))
		return -EOPNOTSUPP;
	if (fc & FEAT_CTL_LOCKED)
		return (fc & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX) ? 0 : -EOPNOTSUPP;
	fc |= FEAT_CTL_LOCKED | FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX;
	if (wrmsrl_safe(MSR_IA32_FEAT_CTL, fc))
		return -EOPNOTSUPP;
	return 0;
}

/* Read one capability MSR; a #GP means the CPU lies about its VMX support. */
static int vmx_read_cap(u32 msr, u64 *val)
{
	if (rdmsrl_safe(msr, val)) {
		pr_err("reading VMX capability MSR %#x faulted\n", msr);
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * Read every capability word on the current CPU. With IA32_VMX_BASIC[55]
 * the TRUE_* MSRs report the real allowed-0 settings (SDM A.2); the
 * secondary controls and EPT/VPID MSRs exist only if the controls that
 * enable them may be set (SDM A.3.3, A.10).
 */
static int vmx_read_caps(struct vmx_caps *c)
{
	bool true_ctls;
	int r;

	r = vmx_read_cap(MSR_IA32_VMX_BASIC, &c->basic);
	if (r)
		return r;
	true_ctls = c->basic & VMX_BASIC_TRUE_CTLS;
	r = vmx_read_cap(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
			 MSR_IA32_VMX_PINBASED_CTLS, &c->pinbased) ?:
	    vmx_read_cap(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
			 MSR_IA32_VMX_PROCBASED_CTLS, &c->procbased) ?:
	    vmx_read_cap(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS :
			 MSR_IA32_VMX_EXIT_CTLS, &c->exit) ?:
	    vmx_read_cap(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS :
			 MSR_IA32_VMX_ENTRY_CTLS, &c->entry) ?:
	    vmx_read_cap(MSR_IA32_VMX_MISC, &c->misc) ?:
	    vmx_read_cap(MSR_IA32_VMX_CR0_FIXED0, &c->cr0_fixed0) ?:
	    vmx_read_cap(MSR_IA32_VMX_CR0_FIXED1, &c->cr0_fixed1) ?:
	    vmx_read_cap(MSR_IA32_VMX_CR4_FIXED0, &c->cr4_fixed0) ?:
	    vmx_read_cap(MSR_IA32_VMX_CR4_FIXED1, &c->cr4_fixed1);
	if (r)
		return r;

	c->procbased2 = 0;
	if (c->procbased & ALLOWED1(CPU_BASED_ACTIVATE_SECONDARY_CONTROLS)) {
		r = vmx_read_cap(MSR_IA32_VMX_PROCBASED_CTLS2, &c->procbased2);
		if (r)
			return r;
	}
	c->ept_vpid = 0;
	if (c->procbased2 & ALLOWED1(SECONDARY_EXEC_ENABLE_EPT |
				     SECONDARY_EXEC_ENABLE_VPID))
		r = vmx_read_cap(MSR_IA32_VMX_EPT_VPID_CAP, &c->ept_vpid);
	return r;
}

/* IA32_VMX_BASIC rules for the VMXON and VMCS regions (SDM A.1). */
static int vmx_check_basic(const struct vmx_caps *c)
{
	u64 memtype = (c->basic & VMX_BASIC_MEM_TYPE_MASK) >>
		      VMX_BASIC_MEM_TYPE_SHIFT;

	if (c->vmcs_size == 0 || c->vmcs_size > PAGE_SIZE) {
		pr_err("unsupported VMCS region size %u\n", c->vmcs_size);
		return -EOPNOTSUPP;
	}
	/* Bit 48: regions limited to 32-bit addresses; 0 on every Intel 64 CPU. */
	if (c->basic & VMX_BASIC_64) {
		pr_err("VMX regions limited to 32-bit physical addresses\n");
		return -EOPNOTSUPP;
	}
	if (memtype != VMX_BASIC_MEM_TYPE_WB) {
		pr_err("VMCS memory type %llu is not write-back\n", memtype);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int vmx_check_required(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(vmx_required); i++) {
		if (!vmx_cap_bits_present(&vmx_required[i])) {
			pr_err("required VMX capability missing: %s\n",
			       vmx_required[i].name);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

static int vmx_probe_this_cpu(void)
{
	int r;

	/* CPUID.1:ECX.VMX[bit 5] (SDM 23.6). */
	if (!(cpuid_ecx(1) & BIT(5))) {
		pr_err("this CPU has no VMX (CPUID.1:ECX.VMX = 0): pvx needs Intel VT-x\n");
		return -ENODEV;
	}
	if (vmx_feature_control_this_cpu()) {
		pr_err("VMX is disabled by firmware (IA32_FEATURE_CONTROL is locked without VMX outside SMX): enable VT-x in the firmware setup\n");
		return -EOPNOTSUPP;
	}
	r = vmx_read_caps(&vmx_caps);
	if (r)
		return r;
	vmx_caps.revision_id = vmx_caps.basic & 0x7fffffff;
	vmx_caps.vmcs_size = (vmx_caps.basic >> VMX_BASIC_VMCS_SIZE_SHIFT) &
			     0x1fff;
	return vmx_check_basic(&vmx_caps) ?: vmx_check_required();
}

/**
 * vmx_caps_probe() - read and check the VMX capabilities at module load.
 *
 * Return: 0, -ENODEV without VMX, -EOPNOTSUPP when VMX is disabled or a
 * required capability is missing. Each refusal prints one line.
 */
int vmx_caps_probe(void)
{
	int r;

	preempt_disable();
	r = vmx_probe_this_cpu();
	preempt_enable();
	return r;
}

/**
 * vmx_caps_check_this_cpu() - may this CPU enter VMX root like the others?
 *
 * Called on the CPU itself before VMXON: its VMX must be enabled in
 * IA32_FEATURE_CONTROL and report the capabilities read at load, since one
 * VMCS layout and one set of controls serve every CPU.
 */
int vmx_caps_check_this_cpu(void)
{
	struct vmx_caps c;

	if (vmx_feature_control_this_cpu()) {
		pr_err("CPU%d: VMX is disabled by firmware\n",
		       smp_processor_id());
		return -EOPNOTSUPP;
	}
	if (vmx_read_caps(&c))
		return -EOPNOTSUPP;
	if (c.basic != vmx_caps.basic || c.pinbased != vmx_caps.pinbased ||
	    c.procbased != vmx_caps.procbased ||
	    c.procbased2 != vmx_caps.procbased2 ||
	    c.exit != vmx_caps.exit || c.entry != vmx_caps.entry ||
	    c.ept_vpid != vmx_caps.ept_vpid) {
		pr_err("CPU%d: VMX capabilities differ from the loading CPU's\n",
		       smp_processor_id());
		return -EIO;
	}
	return 0;
}

/**
 * vmx_caps_features() - the PVX_CAP_* bits for PVX_GET_CAPS.
 */
u64 vmx_caps_features(void)
{
	u64 features = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(vmx_features); i++)
		if (vmx_cap_bits_present(&vmx_features[i].bits))
			features |= vmx_features[i].cap;
	return features;
}

/**
 * vmx_caps_show() - print the capabilities as text, for debugfs.
 * @m: the seq_file being written.
 */
void vmx_caps_show(struct seq_file *m)
{
	size_t i;

	seq_printf(m, "vmcs_revision\t%#x\nvmcs_size\t%u\n",
		   vmx_caps.revision_id, vmx_caps.vmcs_size);
	seq_printf(m, "preemption_timer_shift\t%llu\n",
		   vmx_caps.misc & VMX_MISC_PREEMPTION_TIMER_RATE_MASK);
	seq_puts(m, "features\t");
	for (i = 0; i < ARRAY_SIZE(vmx_features); i++)
		if (vmx_cap_bits_present(&vmx_features[i].bits))
			seq_printf(m, " %s", vmx_features[i].bits.name);
	seq_putc(m, '\n');
}
