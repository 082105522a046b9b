/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmx/: VMX root operation on the host CPUs and what the CPU offers.
 *
 * Layering: core/ calls vmx/ (VMX root, vCPUs, PVX_RUN); vmx/ dispatches
 * VM exits and calls down into x86/ (instruction emulation, the guest's
 * page walk, task switches) and ept/ (guest-physical memory). They reach
 * the CPU only through the narrow interfaces vmx/vmx_x86.c implements
 * (x86/'s x86_cpu_*() declarations, ept/'s struct ept_hw_ops registered
 * at load), never into the rest of vmx/.
 */
#ifndef PVX_VMX_H
#define PVX_VMX_H

#include <linux/list.h>
#include <linux/types.h>

/*
 * The VMX capability MSRs, read once at load on the loading CPU
 * (SDM Vol. 3D, Appendix A). Every other CPU is checked against them
 * before it enters VMX root.
 */
struct vmx_caps {
	u64 basic;		/* IA32_VMX_BASIC */
	u64 misc;		/* IA32_VMX_MISC */
	u64 pinbased;		/* allowed-0 in [31:0], allowed-1 in [63:32] */
	u64 procbased;
	u64 procbased2;		/* 0 when secondary controls are absent */
	u64 exit;
	u64 entry;
	u64 ept_vpid;		/* IA32_VMX_EPT_VPID_CAP */
	u64 cr0_fixed0, cr0_fixed1;
	u64 cr4_fixed0, cr4_fixed1;
	u32 revision_id;	/* IA32_VMX_BASIC[30:0] */
	u32 vmcs_size;		/* IA32_VMX_BASIC[44:32] */
};

extern struct vmx_caps vmx_caps;

/* A control's bit in the allowed-1 half of a capability MSR (SDM A.3). */
#define ALLOWED1(ctl)	((u64)(ctl) << 32)

/*
 * The VMCS execution controls every vCPU starts with, computed once at load
 * from what pvx wants and what the capability MSRs allow (SDM A.3-A.5).
 */
struct vmx_controls {
	u32 pin;
	u32 proc;
	u32 proc2;
	u32 exit;
	u32 entry;
};

extern struct vmx_controls vmx_ctls;

/**
 * struct vmx_vcpu - the VMX half of a vCPU.
 * @regs:	guest general-purpose registers in encoding order (RAX=0 ..
 *		R15=15); slot 4 is unused, RSP lives in the VMCS.
 * @vmcs_page:	the VMCS region.
 * @vmcs_pa:	its physical address.
 * @cpu:	the CPU on which the VMCS is active, -1 when it is clear.
 * @launched:	VMLAUNCH succeeded since the last VMCLEAR (use VMRESUME).
 * @loaded_link: on the per-CPU list of active VMCSs of @cpu.
 * @vpid:	the vCPU's VPID, tagging its TLB entries.
 * @proc:	what CPU_BASED_VM_EXEC_CONTROL holds now.
 * @vapic_page:	the virtual-APIC page: its TPR is CR8 when CR8 does not trap.
 * @dr_passthrough: the policy does not trap MOV DR: GUEST_DR7 holds the
 *		guest's DR7, and its DR0-3 and DR6 are in hardware while it
 *		runs when @dr_wont_exit or when DR7 enables a breakpoint.
 * @dr_wont_exit: MOV DR exiting is off until the next full exit (the
 *		guest accessed a debug register: vmx_run.c).
 * @kgs_loaded: the CPU holds the guest's KERNEL_GS_BASE (from the first
 *		entry after the vCPU was loaded until vmx_vcpu_put()).
 * @host_cr3, @host_cr4, @host_fs_base: what the HOST_* fields hold now.
 * @msr:	guest values of MSRs the VMCS does not switch.
 * @cr2:	guest CR2 (the CPU does not switch it: pvx does).
 * @cr4_reserved: CR4 feature bits the guest's CPUID does not offer.
 * @cr8:	guest CR8 (TPR), emulated.
 * @xcr0:	guest XCR0.
 * @dr:		guest DR0-3, @dr6, @dr7: emulated, never loaded in hardware.
 * @exit_reason: of the last VM exit.
 * @exit_insn_len: its instruction length, kept for completions.
 * @host_state_dirty: a VM exit left GDT/TSS limits to restore.
 * @host_debugctl, @host_xcr0: host values put back after each exit.
 * @host_kernel_gs_base: the host's, put back by vmx_vcpu_put().
 */
struct vmx_vcpu {
	unsigned long regs[16];
	struct page *vmcs_page;
	u64 vmcs_pa;
	int cpu;
	bool launched;
	struct list_head loaded_link;
	u16 vpid;
	u32 proc;
	struct page *vapic_page;
	bool dr_passthrough;
	bool dr_wont_exit;
	bool kgs_loaded;
	unsigned long host_cr3, host_cr4, host_fs_base;
	struct {
		u64 kernel_gs_base, star, lstar, cstar, fmask;
		u64 tsc_aux, misc_enable, mtrr_def_type;
		u64 tsc_adjust, mcg_status;
		u64 mtrr_var[16], mtrr_fixed[11];
	} msr;
	u8 msr_written;
	unsigned long cr2;
	unsigned long cr4_reserved;
	u64 cr8;
	u64 xcr0;
	u64 dr[4], dr6, dr7;
	u32 exit_reason;
	u32 exit_insn_len;
	bool host_state_dirty;
	u64 host_debugctl;
	u64 host_kernel_gs_base;
	u64 host_xcr0;
};

/*
 * IA32_MISC_ENABLE's read-only bits that read 1 (BTS and PEBS unavailable),
 * and its value after reset (with fast strings): vmx_msr.c.
 */
#define VMX_MISC_ENABLE_RO_SET	(MSR_IA32_MISC_ENABLE_BTS_UNAVAIL | \
				 MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL)
#define VMX_MISC_ENABLE_RESET	(VMX_MISC_ENABLE_RO_SET | \
				 MSR_IA32_MISC_ENABLE_FAST_STRING)

/* DR7 after reset, and while the guest's DR7 is only emulated (SDM 18.2.4). */
#define VMX_DR7_RESET	0x400UL

enum vmx_reg {
	VMX_RAX, VMX_RCX, VMX_RDX, VMX_RBX, VMX_RSP, VMX_RBP, VMX_RSI, VMX_RDI,
	VMX_R8, VMX_R9, VMX_R10, VMX_R11, VMX_R12, VMX_R13, VMX_R14, VMX_R15,
};

/* The per-CPU state that PVX_GET_CPU_STATE and debugfs report. */
struct vmx_cpu_report {
	bool online;
	bool in_root;
	bool cr4_vmxe;
	u64 vmxon_pa;
	u64 vmxon_count;
};

/* vmx_caps.c */
int vmx_caps_probe(void);
int vmx_controls_setup(void);
int vmx_caps_check_this_cpu(void);
u64 vmx_caps_features(void);
struct seq_file;
void vmx_caps_show(struct seq_file *m);

/* vmx_cpu.c */
int vmx_cpus_enable(void);
void vmx_cpus_disable(void);
void vmx_disable_this_cpu(void);
void vmx_cpus_shutdown(void);
void vmx_emergency_disable_this_cpu(void);
int vmx_enable_this_cpu(void);
void vmx_cpu_report(unsigned int cpu, struct vmx_cpu_report *r);
void vmx_vmcs_load(struct vmx_vcpu *v, int cpu);
void vmx_vmcs_clear(struct vmx_vcpu *v);
bool vmx_host_going_down(void);

struct pvx_vcpu;
struct pvx_regs;
struct pvx_sregs;
struct pvx_msrs;
struct pvx_exit_policy;
struct pvx_exception;

/* vmx_vmcs.c */
int vmx_vmcs_global_init(void);
void vmx_vmcs_global_exit(void);
void vmx_flush_ept_all_cpus(u64 eptp);
void vmx_flush_vpid_this_cpu(u16 vpid);
void vmx_vmcs_set_host_cpu_fields(int cpu);
void vmx_vmcs_set_msr_bitmap(bool kgs_exits);
int vmx_vcpu_create(struct pvx_vcpu *vcpu);
void vmx_vcpu_destroy(struct pvx_vcpu *vcpu);

/* vmx_cr.c */
void vmx_cr_init_masks(void);
unsigned long vmx_read_cr0(void);
unsigned long vmx_read_cr4(void);
int vmx_set_cr0(struct pvx_vcpu *vcpu, unsigned long cr0);
int vmx_set_cr4(struct pvx_vcpu *vcpu, unsigned long cr4);
int vmx_set_cr3(struct pvx_vcpu *vcpu, unsigned long cr3);
int vmx_set_efer(struct pvx_vcpu *vcpu, u64 efer);
void vmx_cr4_follow_cpuid(struct pvx_vcpu *vcpu);

/* PVX_SET_SREGS's control registers, checked before any is written. */
struct vmx_cregs {
	u64 cr0, cr3, cr4, efer;
	bool pae;		/* PAE paging: @pdpte were read and checked */
	u64 pdpte[4];
};

int vmx_cregs_check(struct pvx_vcpu *vcpu, struct vmx_cregs *c);
void vmx_cregs_load(struct pvx_vcpu *vcpu, const struct vmx_cregs *c);

/* vmx_regs.c */
unsigned long vmx_get_reg(struct pvx_vcpu *vcpu, int reg);
void vmx_set_reg(struct pvx_vcpu *vcpu, int reg, unsigned long val);
bool vmx_guest_64bit(void);
void vmx_skip_instruction_len(unsigned int len);
void vmx_clear_interrupt_shadow(void);
void vmx_skip_instruction(void);
void vmx_inject_exception(unsigned int vector, bool has_error, u32 error);
void vmx_set_rf_for_fault(unsigned int vector);
void vmx_inject_gp(void);
void vmx_inject_ud(void);
void vmx_get_regs(struct pvx_vcpu *vcpu, struct pvx_regs *r);
int vmx_set_regs(struct pvx_vcpu *vcpu, const struct pvx_regs *r);
void vmx_get_sregs(struct pvx_vcpu *vcpu, struct pvx_sregs *sr);
int vmx_set_sregs(struct pvx_vcpu *vcpu, const struct pvx_sregs *sr);
void vmx_start_at_sipi(struct pvx_vcpu *vcpu, u8 vector);
void vmx_reset_guest_state(struct pvx_vcpu *vcpu);

/* vmx_msr.c */
int vmx_msr_get(struct pvx_vcpu *vcpu, u32 index, u64 *val);
int vmx_msr_set(struct pvx_vcpu *vcpu, u32 index, u64 val);
int vmx_msrs_ioctl(struct pvx_vcpu *vcpu, struct pvx_msrs __user *arg,
		   bool set);
void vmx_msr_save_host(void);
void vmx_msr_switch(struct vmx_vcpu *v, bool to_guest);
void vmx_misc_enable_cpuid(struct pvx_vcpu *vcpu, u32 leaf, u32 out[4]);

/* vmx_exit.c */
int vmx_handle_exit(struct pvx_vcpu *vcpu);
bool vmx_exit_fastpath(struct pvx_vcpu *vcpu);
int vmx_exit_internal(struct pvx_vcpu *vcpu, u32 suberror);
int vmx_trap_complete(struct pvx_vcpu *vcpu);
int vmx_cpuid_complete(struct pvx_vcpu *vcpu);
int vmx_msr_complete(struct pvx_vcpu *vcpu);

/* vmx_io.c */
int vmx_io_exit(struct pvx_vcpu *vcpu);
int vmx_ept_violation(struct pvx_vcpu *vcpu);
int vmx_io_complete(struct pvx_vcpu *vcpu);

/* vmx_x86.c */
void vmx_register_ops(void);

/* vmx_run.c */
int vmx_vcpu_run(struct pvx_vcpu *vcpu);
void vmx_vcpu_load(struct pvx_vcpu *vcpu, int cpu);
void vmx_vcpu_put(struct pvx_vcpu *vcpu);
void vmx_run_setup(void);
void vmx_dr_wont_exit(struct pvx_vcpu *vcpu);

/* vmx_policy.c */
void vmx_policy_default(struct pvx_exit_policy *p);
int vmx_policy_check(const struct pvx_exit_policy *p);
void vmx_policy_apply(struct pvx_vcpu *vcpu);
void vmx_policy_update(struct pvx_vcpu *vcpu);
bool vmx_policy_cpuid_forwarded(struct pvx_vcpu *vcpu, u32 leaf);
bool vmx_policy_msr_forwarded(struct pvx_vcpu *vcpu, u32 msr);

/* vmx_event.c */
void vmx_events_init(struct pvx_vcpu *vcpu);
void vmx_events_kick(struct pvx_vcpu *vcpu);
void vmx_events_inject(struct pvx_vcpu *vcpu);
int vmx_events_block(struct pvx_vcpu *vcpu);
int vmx_queue_interrupt(struct pvx_vcpu *vcpu, u32 vector);
int vmx_queue_nmi(struct pvx_vcpu *vcpu);
int vmx_queue_exception(struct pvx_vcpu *vcpu, const struct pvx_exception *e);
bool vmx_events_deliverable(struct pvx_vcpu *vcpu, bool if_set);
bool vmx_events_queued(struct pvx_vcpu *vcpu);
void vmx_clear_events(struct pvx_vcpu *vcpu, u32 flags);

/* vmx_shutdown.c */
int vmx_shutdown_hooks_init(void);
void vmx_shutdown_hooks_exit(void);
const char *vmx_emergency_owner(void);

#endif /* PVX_VMX_H */
