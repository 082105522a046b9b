// SPDX-License-Identifier: GPL-2.0
/*
 * The VMCS: which controls pvx sets, the host state every VM exit loads,
 * and the life of one vCPU's VMCS.
 *
 * What the host's safety needs always traps: external interrupts and NMIs
 * (the host's), I/O ports and MSRs (not context switched), CPUID,
 * MONITOR/MWAIT, WBINVD/INVD, XSETBV, and #DB/#AC (which could otherwise
 * loop in the CPU forever, CVE-2015-5307/8104) and #MC (the host's). With
 * EPT and unrestricted guest, CR3 loads, INVLPG and page faults stay in
 * the guest. The exit policy (vmx_policy.c) adds the optional exits: HLT,
 * RDTSC, RDPMC, PAUSE, MOV DR, CR3, CR8 (else a TPR shadow), descriptor
 * tables, RDRAND/RDSEED, MTF and more exceptions.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <asm/cpu_entry_area.h>
#include <asm/io.h>
#include <asm/mmu_context.h>
#include <asm/desc.h>
#include <asm/msr.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/traps.h>
#include <asm/vmx.h>

#include "vmx.h"
#include "vmx_ops.h"
#include "../core/pvx.h"

struct vmx_controls vmx_ctls;


/* The VM-exit target in vmx_entry.S. */
extern char vmx_vmexit[];

/* One MSR bitmap for every vCPU: all MSRs trap but FS/GS base (SDM 24.6.9). */
static unsigned long *vmx_msr_bitmap, *vmx_msr_bitmap_kgs;

/* VPIDs 1..65535; 0 tags the host's own TLB entries. */
static DECLARE_BITMAP(vmx_vpids, 1 << 16);
static DEFINE_SPINLOCK(vmx_vpid_lock);

void vmx_op_failed(const char *op, unsigned long arg)
{
	pr_err_ratelimited("%s %#lx failed (VM-instruction error %lu)\n", op,
			   arg, vmcs_read_raw_error());
}

/*
 * Fit the wanted controls to the allowed-0/allowed-1 settings (SDM A.3):
 * bits fixed at 1 are set whether pvx wants them or not.
 */
static int vmx_adjust(const char *name, u64 cap, u32 required, u32 optional,
		      u32 *out)
{
	u32 allowed0 = cap, allowed1 = cap >> 32;
	u32 ctl = (required | optional | allowed0) & allowed1;

	if ((ctl & required) != required) {
		pr_err("required VMX %s controls missing: %#x\n", name,
		       required & ~ctl);
		return -EOPNOTSUPP;
	}
	*out = ctl;
	return 0;
}

/**
 * vmx_controls_setup() - compute vmx_ctls from the capability MSRs.
 *
 * Return: 0, or -EOPNOTSUPP naming the missing controls.
 */
int vmx_controls_setup(void)
{
	/* Long-mode guests: "IA-32e mode guest" must be allowed to be 1. */
	if (!(vmx_caps.entry & ALLOWED1(VM_ENTRY_IA32E_MODE))) {
		pr_err("required VMX VM-entry control missing: IA-32e mode guest\n");
		return -EOPNOTSUPP;
	}
	return vmx_adjust("pin-based", vmx_caps.pinbased,
			  PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING,
			  PIN_BASED_VIRTUAL_NMIS |
			  PIN_BASED_VMX_PREEMPTION_TIMER, &vmx_ctls.pin) ?:
	       vmx_adjust("processor-based", vmx_caps.procbased,
			  CPU_BASED_UNCOND_IO_EXITING |
			  CPU_BASED_USE_MSR_BITMAPS |
			  CPU_BASED_MWAIT_EXITING | CPU_BASED_MONITOR_EXITING |
			  CPU_BASED_USE_TSC_OFFSETTING |
			  CPU_BASED_ACTIVATE_SECONDARY_CONTROLS, 0,
			  &vmx_ctls.proc) ?:
	       vmx_adjust("secondary", vmx_caps.procbased2,
			  SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_ENABLE_VPID |
			  SECONDARY_EXEC_UNRESTRICTED_GUEST |
			  SECONDARY_EXEC_WBINVD_EXITING, 0, &vmx_ctls.proc2) ?:
	       vmx_adjust("VM-exit", vmx_caps.exit,
			  VM_EXIT_HOST_ADDR_SPACE_SIZE | VM_EXIT_SAVE_IA32_PAT |
			  VM_EXIT_LOAD_IA32_PAT | VM_EXIT_SAVE_IA32_EFER |
			  VM_EXIT_LOAD_IA32_EFER | VM_EXIT_SAVE_DEBUG_CONTROLS,
			  0, &vmx_ctls.exit) ?:
	       /*
		* The guest's DR7 and IA32_DEBUGCTL go in and out through the
		* VMCS (SDM 26.3.2.1, 28.3.1): with the TRUE_* capability
		* MSRs these two controls may be 0, and a breakpoint the
		* guest armed would not survive an exit.
		*/
	       vmx_adjust("VM-entry", vmx_caps.entry,
			  VM_ENTRY_LOAD_IA32_PAT | VM_ENTRY_LOAD_IA32_EFER |
			  VM_ENTRY_LOAD_DEBUG_CONTROLS, 0, &vmx_ctls.entry);
}

/* Let RDMSR and WRMSR of @msr (0xc0000000-0xc0001fff) run in the guest. */
static void vmx_msr_passthrough(unsigned long *bitmap, u32 msr)
{
	/* Read-high at 1024, write-high at 3072 bytes; bit = MSR - 0xc0000000. */
	__clear_bit(msr & 0x1fff, (void *)bitmap + 1024);
	__clear_bit(msr & 0x1fff, (void *)bitmap + 3072);
}

/**
 * vmx_vmcs_global_init() - the MSR bitmaps shared by every vCPU.
 *
 * Every MSR exits but FS_BASE and GS_BASE (which the VMCS switches) and
 * KERNEL_GS_BASE (which vmx_run.c switches); a second bitmap also makes
 * KERNEL_GS_BASE exit, for the vCPUs whose policy forwards it.
 */
int vmx_vmcs_global_init(void)
{
	vmx_msr_bitmap = (unsigned long *)__get_free_page(GFP_KERNEL);
	vmx_msr_bitmap_kgs = (unsigned long *)__get_free_page(GFP_KERNEL);
	if (!vmx_msr_bitmap || !vmx_msr_bitmap_kgs) {
		vmx_vmcs_global_exit();
		return -ENOMEM;
	}
	memset(vmx_msr_bitmap_kgs, 0xff, PAGE_SIZE);
	vmx_msr_passthrough(vmx_msr_bitmap_kgs, MSR_FS_BASE);
	vmx_msr_passthrough(vmx_msr_bitmap_kgs, MSR_GS_BASE);
	memcpy(vmx_msr_bitmap, vmx_msr_bitmap_kgs, PAGE_SIZE);
	vmx_msr_passthrough(vmx_msr_bitmap, MSR_KERNEL_GS_BASE);
	__set_bit(0, vmx_vpids);
	return 0;
}

void vmx_vmcs_global_exit(void)
{
	free_page((unsigned long)vmx_msr_bitmap);
	free_page((unsigned long)vmx_msr_bitmap_kgs);
}

/**
 * vmx_vmcs_set_msr_bitmap() - the vCPU's MSR bitmap.
 * @kgs_exits: RDMSR/WRMSR of KERNEL_GS_BASE must exit (userspace takes it).
 */
void vmx_vmcs_set_msr_bitmap(bool kgs_exits)
{
	vmcs_write(MSR_BITMAP, __pa(kgs_exits ? vmx_msr_bitmap_kgs :
						vmx_msr_bitmap));
}

static u16 vmx_alloc_vpid(void)
{
	unsigned long vpid;

	spin_lock(&vmx_vpid_lock);
	vpid = find_first_zero_bit(vmx_vpids, 1 << 16);
	if (vpid < (1 << 16))
		__set_bit(vpid, vmx_vpids);
	spin_unlock(&vmx_vpid_lock);
	return vpid < (1 << 16) ? vpid : 0;
}

static void vmx_free_vpid(u16 vpid)
{
	spin_lock(&vmx_vpid_lock);
	if (vpid)
		__clear_bit(vpid, vmx_vpids);
	spin_unlock(&vmx_vpid_lock);
}

/* Single-context invalidation where the CPU has it, else all-context. */
static void vmx_flush_ept_ipi(void *arg)
{
	u64 eptp = *(u64 *)arg;

	if (!(__read_cr4() & X86_CR4_VMXE))
		return;
	if (vmx_caps.ept_vpid & VMX_EPT_EXTENT_CONTEXT_BIT)
		vmx_invept(VMX_EPT_EXTENT_CONTEXT, eptp);
	else
		vmx_invept(VMX_EPT_EXTENT_GLOBAL, 0);
}

/**
 * vmx_flush_ept_all_cpus() - drop every CPU's cached translations of @eptp.
 * @eptp: the EPT pointer whose mappings changed.
 *
 * INVEPT acts on the executing CPU only (SDM 29.4.3.1); the IPI also makes
 * a CPU running a vCPU of the VM exit, so it re-enters with fresh mappings.
 */
void vmx_flush_ept_all_cpus(u64 eptp)
{
	on_each_cpu(vmx_flush_ept_ipi, &eptp, 1);
}

/**
 * vmx_flush_vpid_this_cpu() - drop this CPU's TLB entries tagged @vpid.
 */
void vmx_flush_vpid_this_cpu(u16 vpid)
{
	if (vmx_caps.ept_vpid & ((u64)VMX_VPID_EXTENT_SINGLE_CONTEXT_BIT << 32))
		vmx_invvpid(VMX_VPID_EXTENT_SINGLE_CONTEXT, vpid, 0);
	else
		vmx_invvpid(VMX_VPID_EXTENT_ALL_CONTEXT, 0, 0);
}

/**
 * vmx_vmcs_set_host_cpu_fields() - the host state that differs per CPU.
 * @cpu: this CPU.
 *
 * Written whenever a VMCS is loaded on a new CPU: the TSS, GDT, per-CPU
 * GS base and SYSENTER stack of this CPU (SDM 26.5.2).
 */
void vmx_vmcs_set_host_cpu_fields(int cpu)
{
	u64 msr;

	vmcs_write(HOST_TR_BASE,
		   (unsigned long)&get_cpu_entry_area(cpu)->tss.x86_tss);
	vmcs_write(HOST_GDTR_BASE, (unsigned long)get_current_gdt_ro());
	rdmsrl(MSR_GS_BASE, msr);
	vmcs_write(HOST_GS_BASE, msr);
	rdmsrl(MSR_IA32_SYSENTER_ESP, msr);
	vmcs_write(HOST_IA32_SYSENTER_ESP, msr);
}

/* Host state common to every CPU (SDM 26.5.2, 27.2.2). */
static void vmx_vmcs_set_host_fields(struct vmx_vcpu *v)
{
	struct desc_ptr idt;
	u64 msr;

	vmcs_write(HOST_CR0, read_cr0());
	v->host_cr3 = __get_current_cr3_fast();
	vmcs_write(HOST_CR3, v->host_cr3);
	v->host_cr4 = cr4_read_shadow();
	vmcs_write(HOST_CR4, v->host_cr4);
	vmcs_write(HOST_CS_SELECTOR, __KERNEL_CS);
	vmcs_write(HOST_SS_SELECTOR, __KERNEL_DS);
	vmcs_write(HOST_DS_SELECTOR, 0);
	vmcs_write(HOST_ES_SELECTOR, 0);
	vmcs_write(HOST_FS_SELECTOR, 0);
	vmcs_write(HOST_GS_SELECTOR, 0);
	vmcs_write(HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);
	store_idt(&idt);
	vmcs_write(HOST_IDTR_BASE, idt.address);
	vmcs_write(HOST_RIP, (unsigned long)vmx_vmexit);
	rdmsrl(MSR_IA32_SYSENTER_CS, msr);
	vmcs_write(HOST_IA32_SYSENTER_CS, (u32)msr);
	rdmsrl(MSR_IA32_SYSENTER_EIP, msr);
	vmcs_write(HOST_IA32_SYSENTER_EIP, msr);
	rdmsrl(MSR_EFER, msr);
	vmcs_write(HOST_IA32_EFER, msr);
	rdmsrl(MSR_IA32_CR_PAT, msr);
	vmcs_write(HOST_IA32_PAT, msr);
	rdmsrl(MSR_FS_BASE, v->host_fs_base);
	vmcs_write(HOST_FS_BASE, v->host_fs_base);
}

/* Execution controls and the fields that go with them. */
static void vmx_vmcs_set_controls(struct pvx_vcpu *vcpu)
{
	vmcs_write(PIN_BASED_VM_EXEC_CONTROL, vmx_ctls.pin);
	vmcs_write(VM_EXIT_CONTROLS, vmx_ctls.exit);
	vmcs_write(VM_ENTRY_CONTROLS, vmx_ctls.entry);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write(CR3_TARGET_COUNT, 0);
	vmcs_write(VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	vmcs_write(EPT_POINTER, vcpu->vm->mem.eptp);
	vmcs_write(VIRTUAL_PROCESSOR_ID, vcpu->vmx.vpid);
	/* No shadow VMCS: the link pointer must be all ones (SDM 26.3.1.5). */
	vmcs_write(VMCS_LINK_POINTER, -1ULL);
	vmcs_write(TSC_OFFSET, vcpu->vm->tsc_offset);
	if (vmx_caps.procbased & ALLOWED1(CPU_BASED_TPR_SHADOW)) {
		vmcs_write(VIRTUAL_APIC_PAGE_ADDR,
			   page_to_phys(vcpu->vmx.vapic_page));
		/* No TPR-below-threshold exits (SDM 24.6.8). */
		vmcs_write(TPR_THRESHOLD, 0);
	}
	vmx_cr_init_masks();
}

/**
 * vmx_vcpu_create() - allocate and initialize a vCPU's VMCS.
 * @vcpu: the vCPU, whose VM's EPT exists; the VM's lock is held (its exit
 *	policy is copied).
 *
 * Return: 0, -ENOMEM, or -ENOSPC when every VPID is taken.
 */
int vmx_vcpu_create(struct pvx_vcpu *vcpu)
{
	struct vmx_vcpu *v = &vcpu->vmx;
	int cpu;

	v->cpu = -1;
	INIT_LIST_HEAD(&v->loaded_link);
	v->vpid = vmx_alloc_vpid();
	if (!v->vpid)
		return -ENOSPC;
	v->vmcs_page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	v->vapic_page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!v->vmcs_page || !v->vapic_page) {
		if (v->vmcs_page)
			__free_page(v->vmcs_page);
		if (v->vapic_page)
			__free_page(v->vapic_page);
		v->vmcs_page = NULL;
		v->vapic_page = NULL;
		vmx_free_vpid(v->vpid);
		return -ENOMEM;
	}
	v->vmcs_pa = page_to_phys(v->vmcs_page);
	/* The VMCS region starts with the revision identifier (SDM 24.2). */
	*(u32 *)page_address(v->vmcs_page) = vmx_caps.revision_id;
	/* VMCLEAR puts a new VMCS in the "clear" launch state (SDM 24.11.3). */
	cpu = get_cpu();
	vmx_vmclear(v->vmcs_pa);
	vmx_vmcs_load(v, cpu);
	vmx_vmcs_set_host_fields(v);
	vmx_vmcs_set_controls(vcpu);
	vmx_reset_guest_state(vcpu);
	vmx_events_init(vcpu);
	vcpu->policy = vcpu->vm->policy;
	vcpu->policy_gen = vcpu->vm->policy_gen;
	v->proc = vmx_ctls.proc;
	vmx_policy_apply(vcpu);
	put_cpu();
	return 0;
}

/**
 * vmx_vcpu_destroy() - VMCLEAR the VMCS wherever it is and free it.
 * @vcpu: a vCPU no thread runs.
 */
void vmx_vcpu_destroy(struct pvx_vcpu *vcpu)
{
	struct vmx_vcpu *v = &vcpu->vmx;

	if (!v->vmcs_page)
		return;
	vmx_vmcs_clear(v);
	__free_page(v->vmcs_page);
	__free_page(v->vapic_page);
	v->vmcs_page = NULL;
	vmx_free_vpid(v->vpid);
}
