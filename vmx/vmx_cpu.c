// SPDX-License-Identifier: GPL-2.0
/*
 * VMX root operation on every online CPU.
 *
 * A cpuhp state owns the per-CPU switch: its startup callback runs on each
 * CPU that is online at load and on every CPU that comes online later, and
 * executes VMXON there; its teardown runs on a CPU going offline, and on
 * every CPU at unload, and executes VMXOFF. If any CPU fails at load, the
 * cpuhp core undoes the CPUs already done and the load fails.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <asm/asm.h>
#include <asm/io.h>
#include <asm/processor.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>

#include "vmx.h"
#include "vmx_ops.h"

/**
 * struct vmx_cpu - one host CPU's VMX root state.
 * @vmxon_page:	the VMXON region (SDM 24.11.5), allocated for every possible
 *		CPU at load so that bringing a CPU online never allocates.
 * @in_root:	VMXON succeeded and no VMXOFF followed.
 * @vmxon_count: successful VMXONs since load.
 */
struct vmx_cpu {
	struct page *vmxon_page;
	bool in_root;
	u64 vmxon_count;
};

static DEFINE_PER_CPU(struct vmx_cpu, vmx_cpu);
static int vmx_hp_state;

/* Set once the host reboots: no CPU enters VMX root after that. */
static bool vmx_rebooting;

/*
 * The VMCSs active on each CPU. A VMCS is active on at most one CPU at a
 * time and must be VMCLEARed there before it may be loaded elsewhere, and
 * before that CPU leaves VMX operation (SDM 24.1, 24.11.1). The lists are
 * touched only by their own CPU, with interrupts off.
 */
static DEFINE_PER_CPU(struct list_head, vmx_loaded_vmcss);
static DEFINE_PER_CPU(struct vmx_vcpu *, vmx_current_vmcs);

/**
 * vmx_host_going_down() - is the host rebooting (VMX off for good)?
 */
bool vmx_host_going_down(void)
{
	return READ_ONCE(vmx_rebooting);
}

/*
 * VMXON reports failure in RFLAGS: CF for VMfailInvalid (bad region, wrong
 * revision), ZF for VMfailValid (SDM 31.2), hence "jna" (CF=1 or ZF=1).
 * It raises #UD or #GP when CR4.VMXE or the CR0/CR4 fixed bits are wrong.
 */
static int vmx_vmxon(u64 pa)
{
	asm goto("1: vmxon %[pa]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [pa] "m" (pa) : "cc", "memory" : fail, fault);
	return 0;
fail:
	return -EIO;
fault:
	return -EFAULT;
}

/*
 * VMXOFF may run from an NMI while the CPU is not in VMX operation (the
 * emergency path cannot know), where it raises #UD: the fixup eats that.
 */
static void vmx_vmxoff(void)
{
	asm goto("1: vmxoff\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : : "cc", "memory" : fault);
fault:
	return;
}

/*
 * CR0 and CR4 in VMX operation (SDM 23.8, A.7, A.8): bits set in FIXED0
 * must be 1, bits clear in FIXED1 must be 0. pvx does not change the host's
 * control registers to fit; it refuses a host that does not.
 */
static bool vmx_cr_fits(unsigned long cr, u64 fixed0, u64 fixed1)
{
	return (cr & fixed0) == fixed0 && (cr & ~fixed1) == 0;
}

static int vmx_check_fixed_bits(void)
{
	if (!vmx_cr_fits(read_cr0(), vmx_caps.cr0_fixed0, vmx_caps.cr0_fixed1) ||
	    !vmx_cr_fits(__read_cr4(), vmx_caps.cr4_fixed0,
			 vmx_caps.cr4_fixed1)) {
		pr_err("CPU%d: CR0=%#lx CR4=%#lx do not meet the VMX fixed bits\n",
		       smp_processor_id(), read_cr0(), __read_cr4());
		return -EIO;
	}
	return 0;
}

/* VMCLEAR one VMCS on this CPU, where it is active. Interrupts off. */
static void vmx_clear_here(struct vmx_vcpu *v)
{
	if (__this_cpu_read(vmx_current_vmcs) == v)
		__this_cpu_write(vmx_current_vmcs, NULL);
	vmx_vmclear(v->vmcs_pa);
	list_del(&v->loaded_link);
	/* The list update must be seen before another CPU may load it. */
	smp_wmb();
	WRITE_ONCE(v->cpu, -1);
	v->launched = false;
}

/* Before VMXOFF: every VMCS still active here goes back to memory. */
static void vmx_clear_all_on_this_cpu(void)
{
	struct vmx_vcpu *v, *tmp;

	list_for_each_entry_safe(v, tmp, this_cpu_ptr(&vmx_loaded_vmcss),
				 loaded_link)
		vmx_clear_here(v);
}

static void vmx_clear_ipi(void *arg)
{
	struct vmx_vcpu *v = arg;

	/* The CPU's teardown may have cleared it since the IPI was sent. */
	if (READ_ONCE(v->cpu) == smp_processor_id())
		vmx_clear_here(v);
}

/**
 * vmx_vmcs_clear() - make a vCPU's VMCS inactive wherever it is active.
 * @v: the vCPU.
 *
 * Sends an IPI to the CPU that has it; that CPU may be this one.
 */
void vmx_vmcs_clear(struct vmx_vcpu *v)
{
	int cpu = READ_ONCE(v->cpu);

	if (cpu >= 0)
		smp_call_function_single(cpu, vmx_clear_ipi, v, 1);
}

/**
 * vmx_vmcs_load() - make a vCPU's VMCS current on this CPU.
 * @v: the vCPU.
 * @cpu: this CPU; preemption is disabled.
 *
 * A VMCS moving from another CPU is VMCLEARed there first, and its VPID's
 * TLB entries here are flushed: the guest's page-table changes made
 * elsewhere did not reach this CPU's TLB (SDM 28.3.3.3).
 */
void vmx_vmcs_load(struct vmx_vcpu *v, int cpu)
{
	bool moved = v->cpu != cpu;
	unsigned long flags;

	if (moved) {
		vmx_vmcs_clear(v);
		/* Pairs with smp_wmb() in vmx_clear_here(). */
		smp_rmb();
		local_irq_save(flags);
		list_add(&v->loaded_link, this_cpu_ptr(&vmx_loaded_vmcss));
		local_irq_restore(flags);
	}
	if (__this_cpu_read(vmx_current_vmcs) != v) {
		vmx_vmptrld(v->vmcs_pa);
		__this_cpu_write(vmx_current_vmcs, v);
	}
	if (moved) {
		vmx_vmcs_set_host_cpu_fields(cpu);
		vmx_flush_vpid_this_cpu(v->vpid);
		WRITE_ONCE(v->cpu, cpu);
	}
}

/**
 * vmx_enable_this_cpu() - enter VMX root operation on the current CPU.
 *
 * Called with interrupts disabled. CR4.VMXE already set means another
 * hypervisor (KVM, VirtualBox, ...) owns VMX on this CPU: refuse with -EBUSY.
 *
 * Return: 0 or a negative errno; the CPU is left as it was on failure.
 */
int vmx_enable_this_cpu(void)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu);
	int r;

	if (vc->in_root)
		return 0;
	if (__read_cr4() & X86_CR4_VMXE) {
		pr_err("CPU%d: VMX is already in use by another hypervisor (CR4.VMXE is set); stop its VMs or unload it first\n",
		       smp_processor_id());
		return -EBUSY;
	}
	r = vmx_caps_check_this_cpu();
	if (r)
		return r;

	cr4_set_bits_irqsoff(X86_CR4_VMXE);
	r = vmx_check_fixed_bits();
	if (!r) {
		r = vmx_vmxon(page_to_phys(vc->vmxon_page));
		if (r)
			pr_err("CPU%d: VMXON failed (%d)\n",
			       smp_processor_id(), r);
	}
	if (r) {
		cr4_clear_bits_irqsoff(X86_CR4_VMXE);
		return r;
	}
	vc->in_root = true;
	vc->vmxon_count++;
	return 0;
}

/**
 * vmx_disable_this_cpu() - leave VMX root operation on the current CPU.
 *
 * Safe to call on a CPU that is not in VMX root. Interrupts are disabled
 * around the switch so that an IPI never sees it half done.
 */
void vmx_disable_this_cpu(void)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpu);
	unsigned long flags;

	local_irq_save(flags);
	if (vc->in_root) {
		vmx_clear_all_on_this_cpu();
		vmx_vmxoff();
		cr4_clear_bits_irqsoff(X86_CR4_VMXE);
		vc->in_root = false;
	}
	local_irq_restore(flags);
}

/**
 * vmx_emergency_disable_this_cpu() - VMXOFF from a crash or emergency path.
 *
 * Runs in NMI context on each CPU as the kernel goes down: a CPU left in VMX
 * root blocks INIT, so kdump and reboot could not restart it. It trusts
 * CR4.VMXE rather than @in_root, which an NMI may have interrupted.
 */
void vmx_emergency_disable_this_cpu(void)
{
	struct vmx_vcpu *v;

	if (!(__read_cr4() & X86_CR4_VMXE))
		return;
	/* Flush the active VMCSs to memory for kdump (SDM 24.11.1). */
	list_for_each_entry(v, this_cpu_ptr(&vmx_loaded_vmcss), loaded_link)
		vmx_vmclear(v->vmcs_pa);
	vmx_vmxoff();
	cr4_clear_bits_irqsoff(X86_CR4_VMXE);
	this_cpu_ptr(&vmx_cpu)->in_root = false;
}

static int vmx_cpu_online(unsigned int cpu)
{
	unsigned long flags;
	int r;

	if (READ_ONCE(vmx_rebooting))
		return 0;
	local_irq_save(flags);
	r = vmx_enable_this_cpu();
	local_irq_restore(flags);
	return r;
}

static int vmx_cpu_offline(unsigned int cpu)
{
	vmx_disable_this_cpu();
	return 0;
}

static void vmx_free_vmxon_regions(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct vmx_cpu *vc = per_cpu_ptr(&vmx_cpu, cpu);

		if (vc->vmxon_page)
			__free_page(vc->vmxon_page);
		vc->vmxon_page = NULL;
	}
}

/*
 * One zeroed page per possible CPU, on its node. The region starts with the
 * VMCS revision identifier, bit 31 clear (SDM 24.11.5).
 */
static int vmx_alloc_vmxon_regions(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct vmx_cpu *vc = per_cpu_ptr(&vmx_cpu, cpu);

		vc->vmxon_page = alloc_pages_node(cpu_to_node(cpu),
						  GFP_KERNEL | __GFP_ZERO, 0);
		if (!vc->vmxon_page) {
			vmx_free_vmxon_regions();
			return -ENOMEM;
		}
		*(u32 *)page_address(vc->vmxon_page) = vmx_caps.revision_id;
		INIT_LIST_HEAD(per_cpu_ptr(&vmx_loaded_vmcss, cpu));
		per_cpu(vmx_current_vmcs, cpu) = NULL;
		vc->in_root = false;
		vc->vmxon_count = 0;
	}
	return 0;
}

/**
 * vmx_cpus_enable() - put every online CPU, and every later one, in VMX root.
 *
 * Return: 0, or the first CPU's error after every CPU was put back.
 */
int vmx_cpus_enable(void)
{
	int r;

	r = vmx_alloc_vmxon_regions();
	if (r)
		return r;
	r = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "pvx/vmx:online",
			      vmx_cpu_online, vmx_cpu_offline);
	if (r < 0) {
		vmx_free_vmxon_regions();
		return r;
	}
	vmx_hp_state = r;
	return 0;
}

/**
 * vmx_cpus_disable() - leave VMX root on every CPU and free the regions.
 */
void vmx_cpus_disable(void)
{
	cpuhp_remove_state(vmx_hp_state);
	vmx_free_vmxon_regions();
}

static void vmx_disable_ipi(void *unused)
{
	vmx_disable_this_cpu();
}

/**
 * vmx_cpus_shutdown() - leave VMX root everywhere before a reboot.
 *
 * A CPU in VMX root blocks INIT (SDM 23.8), so the next kernel (reboot,
 * kexec) could not start it. Called from the reboot notifier; CPUs that
 * come online afterwards stay out of VMX root.
 */
void vmx_cpus_shutdown(void)
{
	WRITE_ONCE(vmx_rebooting, true);
	on_each_cpu(vmx_disable_ipi, NULL, 1);
}

static void vmx_read_cr4_vmxe(void *info)
{
	*(bool *)info = __read_cr4() & X86_CR4_VMXE;
}

/**
 * vmx_cpu_report() - the VMX state of one CPU, CR4 read on that CPU.
 * @cpu: a possible CPU number.
 * @r: filled in.
 */
void vmx_cpu_report(unsigned int cpu, struct vmx_cpu_report *r)
{
	const struct vmx_cpu *vc = per_cpu_ptr(&vmx_cpu, cpu);

	memset(r, 0, sizeof(*r));
	cpus_read_lock();
	r->online = cpu_online(cpu);
	r->in_root = READ_ONCE(vc->in_root);
	r->vmxon_count = READ_ONCE(vc->vmxon_count);
	if (r->in_root && vc->vmxon_page)
		r->vmxon_pa = page_to_phys(vc->vmxon_page);
	if (r->online)
		smp_call_function_single(cpu, vmx_read_cr4_vmxe,
					 &r->cr4_vmxe, 1);
	cpus_read_unlock();
}
