/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * pvx host ABI: the ioctls userspace uses to drive the pvx hypervisor.
 *
 * The shape follows KVM: a system fd (/dev/pvx) answers questions about the
 * hypervisor and creates VMs; later API versions add VM and vCPU fds.
 *
 * Rules that hold for every ioctl:
 *  - Every struct has fixed-width fields and explicit padding; its size is part
 *    of the ioctl number, so a changed struct is a new ioctl.
 *  - Input structs must be zero-initialised apart from the fields the caller
 *    sets: a non-zero @flags bit that pvx does not know, or non-zero padding
 *    or reserved space, fails with -EINVAL.
 *  - A pointer argument that cannot be read or written fails with -EFAULT.
 *  - An ioctl number pvx does not know fails with -ENOTTY.
 *  - No kernel pointer ever crosses this ABI; user addresses travel as __u64.
 *
 * This header compiles in userspace with only <linux/types.h> and
 * <linux/ioctl.h>.
 */
#ifndef _UAPI_LINUX_PVX_H
#define _UAPI_LINUX_PVX_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* Bumped on any incompatible change; compatible growth uses PVX_GET_CAPS. */
#define PVX_API_VERSION		1

/* The ioctl type byte of every pvx ioctl. */
#define PVXIO			0xB6

/*
 * System ioctls, on the fd of /dev/pvx.
 */

/**
 * PVX_GET_API_VERSION - the ABI version this module speaks.
 *
 * Takes no argument. Returns PVX_API_VERSION as the ioctl's return value.
 */
#define PVX_GET_API_VERSION	_IO(PVXIO, 0x00)

/**
 * PVX_GET_CAPS - what the CPU and pvx offer.
 *
 * Argument: struct pvx_caps, zeroed by the caller (flags and reserved must be
 * 0, else -EINVAL); pvx fills in the rest. -EFAULT on a bad pointer.
 */
#define PVX_GET_CAPS		_IOWR(PVXIO, 0x01, struct pvx_caps)

/**
 * PVX_GET_CPU_STATE - the VMX state of one host CPU.
 *
 * Argument: struct pvx_cpu_state with @cpu set and everything else zero.
 * -EINVAL if @cpu is not below pvx_caps.nr_cpu_ids or if flags/padding are
 * non-zero; -EFAULT on a bad pointer. CR4.VMXE is read on the CPU itself.
 */
#define PVX_GET_CPU_STATE	_IOWR(PVXIO, 0x02, struct pvx_cpu_state)

/* pvx_caps.features: what the CPU's VMX capability MSRs offer. */
#define PVX_CAP_EPT			(1ULL << 0)  /* 4-level EPT, WB (required) */
#define PVX_CAP_EPT_2M			(1ULL << 1)  /* EPT 2 MiB pages */
#define PVX_CAP_EPT_1G			(1ULL << 2)  /* EPT 1 GiB pages */
#define PVX_CAP_EPT_AD			(1ULL << 3)  /* EPT accessed/dirty bits */
#define PVX_CAP_EPT_EXEC_ONLY		(1ULL << 4)  /* execute-only EPT entries */
#define PVX_CAP_VPID			(1ULL << 5)  /* VPID + INVVPID (required) */
#define PVX_CAP_UNRESTRICTED_GUEST	(1ULL << 6)  /* real mode guests (required) */
#define PVX_CAP_PREEMPTION_TIMER	(1ULL << 7)  /* VMX preemption timer */
#define PVX_CAP_SHADOW_VMCS		(1ULL << 8)  /* VMCS shadowing */
#define PVX_CAP_PML			(1ULL << 9)  /* page-modification logging */
#define PVX_CAP_POSTED_INTR		(1ULL << 10) /* posted interrupts */
#define PVX_CAP_VIRT_INTR_DELIVERY	(1ULL << 11) /* virtual-interrupt delivery */
#define PVX_CAP_APIC_REG_VIRT		(1ULL << 12) /* APIC-register virtualization */
#define PVX_CAP_TSC_SCALING		(1ULL << 13) /* TSC scaling */
#define PVX_CAP_VMFUNC			(1ULL << 14) /* VM functions */
#define PVX_CAP_VIRTUAL_NMIS		(1ULL << 15) /* virtual NMIs */
#define PVX_CAP_TRUE_CTLS		(1ULL << 16) /* IA32_VMX_TRUE_*_CTLS MSRs */

/**
 * struct pvx_caps - answer of PVX_GET_CAPS.
 * @flags:	in: must be 0.
 * @nr_cpu_ids:	out: host CPU numbers are below this (for PVX_GET_CPU_STATE).
 * @features:	out: PVX_CAP_* bits.
 * @vmcs_revision: out: VMCS revision identifier (IA32_VMX_BASIC[30:0]).
 * @vmcs_size:	out: bytes of a VMCS region (IA32_VMX_BASIC[44:32]).
 * @preemption_timer_shift: out: the preemption timer counts down by one every
 *		2^shift TSC ticks (IA32_VMX_MISC[4:0]); valid with
 *		PVX_CAP_PREEMPTION_TIMER.
 * @tsc_khz:	out: the host TSC frequency the kernel measured, in kHz.
 * @vmx_basic:	out: raw IA32_VMX_BASIC.
 * @vmx_misc:	out: raw IA32_VMX_MISC.
 * @ept_vpid_cap: out: raw IA32_VMX_EPT_VPID_CAP.
 * @procbased2: out: raw IA32_VMX_PROCBASED_CTLS2 (allowed-1 in the high half).
 * @reserved:	in: must be 0; out: 0.
 */
struct pvx_caps {
	__u32 flags;
	__u32 nr_cpu_ids;
	__u64 features;
	__u32 vmcs_revision;
	__u32 vmcs_size;
	__u32 preemption_timer_shift;
	__u32 tsc_khz;
	__u64 vmx_basic;
	__u64 vmx_misc;
	__u64 ept_vpid_cap;
	__u64 procbased2;
	__u64 reserved[8];
};

/* pvx_cpu_state.state */
#define PVX_CPU_ONLINE		(1U << 0) /* the CPU is online */
#define PVX_CPU_VMX_ROOT	(1U << 1) /* pvx executed VMXON on it */
#define PVX_CPU_CR4_VMXE	(1U << 2) /* CR4.VMXE read on the CPU is set */

/**
 * struct pvx_cpu_state - argument of PVX_GET_CPU_STATE.
 * @cpu:	in: the host CPU number.
 * @flags:	in: must be 0.
 * @state:	out: PVX_CPU_* bits.
 * @pad:	in: must be 0.
 * @vmxon_pa:	out: physical address of the CPU's VMXON region while it is
 *		in VMX root; 0 otherwise, and 0 for callers without
 *		CAP_SYS_ADMIN.
 * @vmxon_count: out: how many times the CPU entered VMX root since load.
 */
struct pvx_cpu_state {
	__u32 cpu;
	__u32 flags;
	__u32 state;
	__u32 pad;
	__u64 vmxon_pa;
	__u64 vmxon_count;
};

/*
 * VMs and vCPUs.
 *
 * PVX_CREATE_VM on /dev/pvx returns a VM fd; PVX_CREATE_VCPU on a VM fd
 * returns a vCPU fd; mmap of a vCPU fd (PVX_GET_VCPU_MMAP_SIZE bytes at
 * offset 0) gives its struct pvx_run followed by its I/O data page. Each fd
 * owns what it created: closing the last fd of a VM (its own and its
 * vCPUs') frees its VMCSs, EPT tables and pinned guest pages.
 *
 * An ioctl on an fd of the wrong kind fails with -ENOTTY. Guest RAM is
 * memory of the process that created the VM, so only that process may use
 * the VM and vCPU fds: from any other, every ioctl fails with -EIO.
 */

/**
 * PVX_CREATE_VM - create a VM.
 *
 * Argument: flags, must be 0 (-EINVAL). Returns the VM fd, -ENOMEM, or
 * -EMFILE.
 */
#define PVX_CREATE_VM		_IO(PVXIO, 0x03)

/**
 * PVX_GET_VCPU_MMAP_SIZE - bytes to mmap from a vCPU fd.
 *
 * On /dev/pvx. Argument: must be 0 (-EINVAL). Returns the size: a page of
 * struct pvx_run and a page of I/O data (pvx_run.io.data_offset points
 * into it).
 */
#define PVX_GET_VCPU_MMAP_SIZE	_IO(PVXIO, 0x04)

/* Limits of one VM. */
#define PVX_MAX_MEM_SLOTS	32
#define PVX_MAX_VCPUS		64
/* Guest-physical addresses must lie below this: 4-level EPT reaches 48 bits. */
#define PVX_MAX_GPA		(1ULL << 48)

/* pvx_memory_region.flags */
#define PVX_MEM_READONLY	(1U << 0) /* guest writes become MMIO exits */

/**
 * struct pvx_memory_region - a slot of guest-physical memory.
 * @slot:	0 .. PVX_MAX_MEM_SLOTS-1.
 * @flags:	PVX_MEM_*.
 * @guest_phys_addr: page-aligned base in the guest-physical space.
 * @memory_size: page-aligned size in bytes; 0 deletes the slot.
 * @userspace_addr: page-aligned address of the backing memory in the
 *		calling process (anonymous or file memory it can read, and
 *		write unless PVX_MEM_READONLY).
 */
struct pvx_memory_region {
	__u32 slot;
	__u32 flags;
	__u64 guest_phys_addr;
	__u64 memory_size;
	__u64 userspace_addr;
};

/**
 * PVX_SET_MEMORY_REGION - create, or delete (memory_size 0), a slot.
 *
 * VM fd. Errors: -EFAULT bad pointer; -EINVAL unknown flag, slot number out
 * of range, a base, size or user address not page-aligned, a range that
 * wraps or reaches PVX_MAX_GPA, a user range that wraps or is not a user
 * address, deleting an empty slot; -EEXIST the slot is in use (delete it
 * first); -EBUSY the range overlaps another slot; -EFAULT the user range is
 * not mapped when the slot is created (pages are pinned later, on first
 * guest touch). Deleting a slot unmaps it from every vCPU (INVEPT) and
 * releases its pinned pages.
 */
#define PVX_SET_MEMORY_REGION	_IOW(PVXIO, 0x10, struct pvx_memory_region)

/**
 * PVX_CREATE_VCPU - create a vCPU.
 *
 * VM fd. Argument: the vCPU id, 0 .. PVX_MAX_VCPUS-1 (-EINVAL otherwise).
 * Returns the vCPU fd; -EEXIST if the id is taken. The vCPU starts in the
 * x86 reset state (real mode, CS:IP = F000:FFF0).
 */
#define PVX_CREATE_VCPU		_IO(PVXIO, 0x11)

/*
 * Exit policy: which optional VM exits the guest takes, and where each is
 * handled.
 *
 * pvx always traps what the host's safety needs, whatever the policy says:
 * I/O ports (every IN/OUT/INS/OUTS exits), every MSR but FS.base and
 * GS.base (the host owns the rest: they are not context switched, or are
 * emulated), CR0/CR4 writes, XSETBV, INVD/WBINVD, MONITOR/MWAIT, external
 * interrupts and NMIs, EPT violations, triple faults, #DB, #AC and #MC.
 * The policy can add exits and forward them to userspace; it can never
 * open a host resource to the guest.
 */

/* pvx_exit_policy.trap: optional exits (each a VMCS execution control). */
#define PVX_TRAP_HLT		(1ULL << 0) /* HLT */
#define PVX_TRAP_RDTSC		(1ULL << 1) /* RDTSC and RDTSCP */
#define PVX_TRAP_RDPMC		(1ULL << 2) /* RDPMC */
#define PVX_TRAP_PAUSE		(1ULL << 3) /* PAUSE */
#define PVX_TRAP_DR		(1ULL << 4) /* MOV to/from DR0-DR7 */
#define PVX_TRAP_DESC		(1ULL << 5) /* LGDT LIDT SGDT SIDT LLDT LTR SLDT STR */
#define PVX_TRAP_RDRAND		(1ULL << 6) /* RDRAND and RDSEED */
#define PVX_TRAP_CR3		(1ULL << 7) /* MOV to/from CR3 */
#define PVX_TRAP_CR8		(1ULL << 8) /* MOV to/from CR8 */
#define PVX_TRAP_MTF		(1ULL << 9) /* monitor trap flag: an exit after each instruction */
#define PVX_TRAP_ALL		((1ULL << 10) - 1)
/*
 * A new VM starts with PVX_TRAP_DEFAULT: HLT (an idle guest blocks in the
 * kernel instead of spinning) and MOV DR (the guest's debug registers are
 * emulated, never loaded). Without PVX_TRAP_DR the guest's DR0-DR7 are
 * loaded in hardware around each entry. Without PVX_TRAP_CR8 the guest's
 * CR8 lives in a TPR shadow (SDM 29.1).
 */
#define PVX_TRAP_DEFAULT	(PVX_TRAP_HLT | PVX_TRAP_DR)

/* Exception vectors pvx_exit_policy.exceptions may hold (#DE..#XM). */
#define PVX_EXC_INTERCEPTABLE	0x000b7dfbU /* not NMI(2), 9, 15, #MC(18), 20-31 */

#define PVX_MAX_POLICY_RANGES	8

/**
 * struct pvx_range - an inclusive range of CPUID leaves or MSR numbers.
 */
struct pvx_range {
	__u32 first;
	__u32 last;
};

/**
 * struct pvx_exit_policy - argument of PVX_SET_EXIT_POLICY.
 * @flags:	must be 0.
 * @exceptions: bit N set: the guest's exception N causes a VM exit. Only
 *		bits of PVX_EXC_INTERCEPTABLE. An intercepted exception that
 *		is not forwarded is delivered to the guest as it would have
 *		been (it is only counted).
 * @trap:	PVX_TRAP_* optional exits to turn on.
 * @forward:	bit N of word N/64: basic exit reason N (SDM Appendix C) is
 *		forwarded to userspace as PVX_EXIT_TRAP instead of being
 *		handled in the kernel. Forwardable: HLT(12) RDPMC(15)
 *		RDTSC(16) VMCALL(18) CR_ACCESS(28, only MOV CR3/CR8) DR(29)
 *		MTF(37) PAUSE(40) GDTR_IDTR(46) LDTR_TR(47) RDTSCP(51)
 *		RDRAND(57) RDSEED(61). PVX_TRAP_DESC needs 46 and 47
 *		forwarded: pvx does not emulate descriptor-table instructions.
 * @forward_exceptions: intercepted exceptions (a subset of @exceptions)
 *		that go to userspace as PVX_EXIT_TRAP (exit reason 0).
 * @ncpuid:	ranges used in @cpuid.
 * @nmsr:	ranges used in @msr.
 * @cpuid:	CPUID leaves (EAX) answered by userspace: PVX_EXIT_CPUID.
 * @msr:	MSRs whose RDMSR/WRMSR go to userspace: PVX_EXIT_MSR. Only MSRs
 *		that trap can be forwarded (all but FS.base and GS.base).
 * @reserved:	must be 0.
 */
struct pvx_exit_policy {
	__u32 flags;
	__u32 exceptions;
	__u64 trap;
	__u64 forward[2];
	__u32 forward_exceptions;
	__u32 reserved0;
	__u32 ncpuid;
	__u32 nmsr;
	struct pvx_range cpuid[PVX_MAX_POLICY_RANGES];
	struct pvx_range msr[PVX_MAX_POLICY_RANGES];
	__u64 reserved[4];
};

/**
 * PVX_SET_EXIT_POLICY - choose the optional exits and who handles them.
 *
 * VM fd; applies to every vCPU of the VM, existing or future, from its next
 * entry. Errors: -EFAULT; -EINVAL for non-zero @flags or reserved fields,
 * an unknown PVX_TRAP_* bit, an exception outside PVX_EXC_INTERCEPTABLE,
 * @forward_exceptions not within @exceptions, a non-forwardable exit
 * reason in @forward, PVX_TRAP_DESC without forwarding 46 and 47, more
 * than PVX_MAX_POLICY_RANGES ranges, a range with first > last, or a
 * non-zero unused range; -EOPNOTSUPP when the CPU lacks the control a
 * PVX_TRAP_* bit needs (RDRAND/RDSEED exiting, descriptor-table exiting,
 * MTF).
 */
#define PVX_SET_EXIT_POLICY	_IOW(PVXIO, 0x12, struct pvx_exit_policy)

/* The emulated platform of a VM (struct pvx_platform.flags). */
#define PVX_PLATFORM_X2APIC	(1U << 0)  /* a local APIC per vCPU, x2APIC mode */
#define PVX_PLATFORM_NULL_IO	(1U << 1)  /* unclaimed ports/MMIO: reads ~0 */
#define PVX_PLATFORM_E9_CONSOLE	(1U << 2)  /* OUT to port 0xE9: PV console */
#define PVX_PLATFORM_FLAGS	0x7U

#define PVX_PLATFORM_MAX_RANGES	8

/**
 * struct pvx_gpa_range - an inclusive range of guest-physical addresses.
 */
struct pvx_gpa_range {
	__u64 first;
	__u64 last;
};

/**
 * struct pvx_platform - what pvx itself plays for a VM, beyond the CPU.
 * @flags:	PVX_PLATFORM_*.
 *		X2APIC: each vCPU has a local APIC in x2APIC mode, reached
 *		through MSRs 0x800-0x8ff only (SDM 10.12): IA32_APIC_BASE
 *		reads 0xFEE00000 | EN | EXTD (| BSP on vCPU 0) and keeps that
 *		value; ID = vCPU id; TPR, PPR, EOI, LDR, SVR, ISR, TMR, IRR,
 *		ESR, the LVTs (stored: no LVT source fires), ICR (fixed and
 *		lowest-priority IPIs to any vCPU, physical or logical
 *		destination or shorthand, NMI, INIT and SIPI), SELF IPI,
 *		TMICT/TCCR/TDCR
 *		(the count runs down at 1 GHz / divisor; it raises no
 *		interrupt). Fixed interrupts are injected in priority order
 *		above PPR and wait for EOI in ISR; a Xen upcall vector and
 *		PVX_INTERRUPT vectors stay outside the APIC (no EOI).
 *		Userspace gives the guest CPUID.1:EDX.APIC and
 *		CPUID.1:ECX.x2APIC to match. vCPUs other than 0 start
 *		waiting for a start-up IPI, as application processors do
 *		after reset (PVX_RUN sleeps until it comes, then the vCPU
 *		starts in real mode at the SIPI's page); INIT makes a vCPU
 *		wait again. SMI and ExtINT IPIs are refused with #GP.
 *		NULL_IO: port I/O and MMIO outside the claimed ranges are
 *		done in the kernel as on Xen for an absent device: reads
 *		return all ones, writes are dropped; INS/OUTS still exit.
 *		E9_CONSOLE: a byte OUT to port 0xE9 (an unclaimed one) goes
 *		to the Xen console buffer (PVX_PV_CONSOLE_READ), as Xen's
 *		debug port: needs PVX_PV_ENABLE first.
 * @nports:	ranges used in @ports (inclusive port numbers, <= 0xffff).
 * @nmmio:	ranges used in @mmio.
 * @reserved0:	0.
 * @ports:	the ports userspace serves (PVX_EXIT_IO) with NULL_IO.
 * @mmio:	the guest-physical ranges userspace serves (PVX_EXIT_MMIO)
 *		with NULL_IO.
 * @reserved:	0.
 */
struct pvx_platform {
	__u32 flags;
	__u32 nports;
	__u32 nmmio;
	__u32 reserved0;
	struct pvx_range ports[PVX_PLATFORM_MAX_RANGES];
	struct pvx_gpa_range mmio[PVX_PLATFORM_MAX_RANGES];
	__u64 reserved[2];
};

/**
 * PVX_SET_PLATFORM - choose the platform pvx emulates for a VM.
 *
 * VM fd, before its first vCPU; may be repeated until then. Errors:
 * -EFAULT; -EINVAL for an unknown flag, non-zero reserved fields or unused
 * ranges, more than PVX_PLATFORM_MAX_RANGES ranges, a range with
 * first > last or a port above 0xffff, E9_CONSOLE without PV enabled;
 * -EBUSY once the VM has a vCPU.
 */
#define PVX_SET_PLATFORM	_IOW(PVXIO, 0x13, struct pvx_platform)

/*
 * vCPU ioctls. A vCPU serves one ioctl at a time: a second caller while
 * one runs (PVX_RUN from two threads at once, or PVX_GET_REGS while it
 * runs) gets -EBUSY.
 */

/**
 * PVX_RUN - run the vCPU until an exit userspace must handle.
 *
 * Argument: must be 0 (-EINVAL). Returns 0 with pvx_run.exit_reason set
 * (an exit pvx cannot handle is PVX_EXIT_INTERNAL_ERROR); -EINTR
 * (exit_reason PVX_EXIT_INTR) when a signal is pending, however the guest
 * spins, or when pvx_run.flags has PVX_RUN_IMMEDIATE_EXIT; -EINVAL for an
 * unknown pvx_run.flags bit; -EIO (PVX_EXIT_INTERNAL_ERROR) when VMX was
 * turned off under the guest because the host is rebooting; -EOPNOTSUPP
 * from a 32-bit (compat) process, which cannot run a vCPU: a VM exit loads
 * the host kernel's FS and GS selectors, and such a process keeps its TLS
 * in a GS segment the kernel does not reload before returning to it. The
 * exit being completed (I/O or MMIO data in the run page) is consumed by
 * the next PVX_RUN, before the flags are looked at.
 */
#define PVX_RUN			_IO(PVXIO, 0x20)

/**
 * struct pvx_regs - general-purpose registers, RIP and RFLAGS.
 */
struct pvx_regs {
	__u64 rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp;
	__u64 r8, r9, r10, r11, r12, r13, r14, r15;
	__u64 rip, rflags;
};

/**
 * PVX_GET_REGS, PVX_SET_REGS - the guest's registers.
 *
 * vCPU fd. -EFAULT bad pointer; PVX_SET_REGS: -EINVAL if RFLAGS sets a
 * reserved bit or clears bit 1 (SDM 26.3.1.4).
 */
#define PVX_GET_REGS		_IOR(PVXIO, 0x21, struct pvx_regs)
#define PVX_SET_REGS		_IOW(PVXIO, 0x22, struct pvx_regs)

/**
 * struct pvx_segment - a segment register, as the VMCS holds it.
 * @base:	segment base.
 * @limit:	byte-granular limit (the expanded limit when @g is set).
 * @selector:	selector.
 * @type:	4-bit type (code/data, accessed, ...).
 * @present:	P.
 * @dpl:	DPL.
 * @db:		D/B.
 * @s:		S (1: code or data, 0: system).
 * @l:		L (64-bit code).
 * @g:		G.
 * @avl:	AVL.
 * @unusable:	the VMX "segment unusable" bit (a null selector loaded in
 *		protected mode).
 * @padding:	must be 0.
 */
struct pvx_segment {
	__u64 base;
	__u32 limit;
	__u16 selector;
	__u8 type, present, dpl, db, s, l, g, avl, unusable;
	__u8 padding[9];
};

/**
 * struct pvx_dtable - GDTR or IDTR.
 */
struct pvx_dtable {
	__u64 base;
	__u16 limit;
	__u16 padding[3];
};

/**
 * struct pvx_sregs - segments, descriptor tables, control registers, EFER.
 * @flags:	must be 0.
 * @padding:	must be 0.
 *
 * PVX_SET_SREGS checks what the VMCS needs to be consistent (CR0.PG needs
 * CR0.PE; EFER.LMA must equal EFER.LME && CR0.PG; reserved CR4 and EFER
 * bits clear) and returns -EINVAL otherwise. Other invalid guest states
 * (say, a bad segment) are accepted and make PVX_RUN exit with
 * PVX_EXIT_FAIL_ENTRY, as the hardware reports them.
 */
struct pvx_sregs {
	struct pvx_segment cs, ds, es, fs, gs, ss, tr, ldt;
	struct pvx_dtable gdt, idt;
	__u64 cr0, cr2, cr3, cr4, efer;
	__u32 flags;
	__u32 padding;
};

#define PVX_GET_SREGS		_IOR(PVXIO, 0x23, struct pvx_sregs)
#define PVX_SET_SREGS		_IOW(PVXIO, 0x24, struct pvx_sregs)

/**
 * struct pvx_msr_entry - one MSR.
 * @index:	MSR number.
 * @reserved:	must be 0.
 * @data:	value.
 */
struct pvx_msr_entry {
	__u32 index;
	__u32 reserved;
	__u64 data;
};

/**
 * struct pvx_msrs - a list of MSRs to read or write.
 * @nmsrs:	entries at @entries, at most PVX_MAX_MSR_ENTRIES.
 * @flags:	must be 0.
 * @entries:	user address of struct pvx_msr_entry[@nmsrs].
 *
 * PVX_GET_MSRS and PVX_SET_MSRS return the number of entries processed;
 * they stop at the first MSR pvx does not emulate or a value the MSR does
 * not take. -E2BIG if @nmsrs is too large, -EFAULT, -EINVAL (flags).
 */
struct pvx_msrs {
	__u32 nmsrs;
	__u32 flags;
	__u64 entries;
};

#define PVX_MAX_MSR_ENTRIES	256
#define PVX_GET_MSRS		_IOWR(PVXIO, 0x25, struct pvx_msrs)
#define PVX_SET_MSRS		_IOW(PVXIO, 0x26, struct pvx_msrs)

/* pvx_cpuid_entry.flags */
#define PVX_CPUID_INDEXED	(1U << 0) /* match @index (ECX) too */

/**
 * struct pvx_cpuid_entry - what CPUID returns for one leaf (and subleaf).
 */
struct pvx_cpuid_entry {
	__u32 function;
	__u32 index;
	__u32 flags;
	__u32 eax, ebx, ecx, edx;
	__u32 padding;
};

/**
 * struct pvx_cpuid - the CPUID table the guest sees.
 * @nent:	entries at @entries, at most PVX_MAX_CPUID_ENTRIES.
 * @flags:	must be 0.
 * @entries:	user address of struct pvx_cpuid_entry[@nent].
 *
 * A leaf absent from the table reads as zeros. Errors: -E2BIG, -EFAULT,
 * -EINVAL (flags, an entry's unknown flags or padding, a duplicate leaf).
 */
struct pvx_cpuid {
	__u32 nent;
	__u32 flags;
	__u64 entries;
};

#define PVX_MAX_CPUID_ENTRIES	256
#define PVX_SET_CPUID		_IOW(PVXIO, 0x27, struct pvx_cpuid)

/**
 * struct pvx_interrupt - argument of PVX_INTERRUPT.
 * @vector:	32..255: an external interrupt.
 * @flags:	must be 0.
 */
struct pvx_interrupt {
	__u32 vector;
	__u32 flags;
};

/**
 * PVX_INTERRUPT - queue an external interrupt for the vCPU.
 *
 * May be called from any thread of the VM's process, also while another
 * thread is in PVX_RUN (it does not take the vCPU: never -EBUSY). The
 * vectors queued form a set, like an APIC's IRR: the highest is delivered
 * first, each once, when the guest can take an interrupt (RFLAGS.IF set,
 * no STI or MOV SS shadow); until then interrupt-window exiting waits for
 * that instant. A vCPU halted in the kernel wakes up; a running one is
 * kicked out of the guest. -EINVAL for a vector below 32 or above 255 or
 * non-zero @flags.
 */
#define PVX_INTERRUPT		_IOW(PVXIO, 0x28, struct pvx_interrupt)

/**
 * PVX_NMI - queue an NMI for the vCPU.
 *
 * Argument: must be 0 (-EINVAL). Like PVX_INTERRUPT, callable while the
 * vCPU runs. One NMI can be pending; it is delivered when the guest is not
 * blocking NMIs (not in an NMI handler, no MOV SS shadow), with NMI-window
 * exiting to catch that instant. -EOPNOTSUPP without virtual NMIs.
 */
#define PVX_NMI			_IO(PVXIO, 0x29)

/* pvx_exception.flags */
#define PVX_EXCEPTION_HAS_ERROR_CODE	(1U << 0)

/* Exceptions PVX_INJECT_EXCEPTION takes, and those with an error code. */
#define PVX_EXC_INJECTABLE	0x000f7dfbU /* #DE..#XM, not 2, 9, 15 */
#define PVX_EXC_ERROR_CODE	0x00027d00U /* #DF #TS #NP #SS #GP #PF #AC */

/**
 * struct pvx_exception - argument of PVX_INJECT_EXCEPTION.
 * @vector:	a vector of PVX_EXC_INJECTABLE.
 * @flags:	PVX_EXCEPTION_*: the error code is given exactly for the
 *		vectors of PVX_EXC_ERROR_CODE.
 * @error_code: pushed by the guest's CPU (not in real mode); 0 without
 *		PVX_EXCEPTION_HAS_ERROR_CODE.
 * @padding:	must be 0.
 */
struct pvx_exception {
	__u32 vector;
	__u32 flags;
	__u32 error_code;
	__u32 padding;
};

/**
 * PVX_INJECT_EXCEPTION - deliver an exception on the next entry.
 *
 * vCPU fd. The exception is delivered before any queued interrupt, through
 * the guest's IDT, as if the instruction at RIP had raised it. -EINVAL for
 * a vector outside PVX_EXC_INJECTABLE, an error code given or missing
 * against PVX_EXC_ERROR_CODE, unknown flags or non-zero padding; -EBUSY if
 * an exception is already waiting for the next entry.
 */
#define PVX_INJECT_EXCEPTION	_IOW(PVXIO, 0x2a, struct pvx_exception)

/* pvx_clear_events.flags: what PVX_CLEAR_EVENTS drops. */
#define PVX_CLEAR_INJECTION	(1U << 0) /* the event VM entry delivers next */
#define PVX_CLEAR_EXCEPTION	(1U << 1) /* PVX_INJECT_EXCEPTION's, not yet injected */
#define PVX_CLEAR_NMI		(1U << 2) /* a queued NMI */
#define PVX_CLEAR_INTERRUPTS	(1U << 3) /* every queued interrupt vector */
#define PVX_CLEAR_ALL		((1U << 4) - 1)

/**
 * struct pvx_clear_events - argument of PVX_CLEAR_EVENTS.
 * @flags:	PVX_CLEAR_* bits: what to drop.
 * @padding:	must be 0.
 */
struct pvx_clear_events {
	__u32 flags;
	__u32 padding;
};

/**
 * PVX_CLEAR_EVENTS - drop events waiting for delivery to the guest.
 *
 * vCPU fd, while the vCPU does not run. PVX_CLEAR_INJECTION drops the event
 * the next VM entry would deliver: one already handed to the CPU (an
 * exception or interrupt pvx injected, or one whose delivery a VM exit
 * interrupted), which stays there after a VM entry that failed on it
 * (PVX_EXIT_FAIL_ENTRY with PVX_FAIL_ENTRY_VMFAIL, e.g. an error code the
 * CPU refuses: SDM 26.2.1.3); without it every later PVX_RUN fails the
 * same way. The other bits drop what PVX_INJECT_EXCEPTION, PVX_NMI and
 * PVX_INTERRUPT queued and pvx has not injected yet. Returns 0; -EINVAL for
 * an unknown flag or non-zero padding, -EFAULT.
 */
#define PVX_CLEAR_EVENTS	_IOW(PVXIO, 0x2b, struct pvx_clear_events)

/* Exit reasons counted in struct pvx_stats (SDM Appendix C: 0..75). */
#define PVX_STATS_NR_REASONS	80
#define PVX_STATS_NR_EXITS	16

/**
 * struct pvx_stats - argument of PVX_GET_STATS.
 * @flags:	in: must be 0.
 * @nr_reasons: out: PVX_STATS_NR_REASONS.
 * @exits:	VM exits by basic exit reason.
 * @ticks:	TSC ticks spent in pvx handling them: from the VM exit to the
 *		next VM entry or to the return to userspace.
 * @userspace_exits: returns of PVX_RUN to userspace by PVX_EXIT_* reason.
 * @entries:	VM entries.
 * @injected_interrupts, @injected_nmis, @injected_exceptions: events
 *		delivered to the guest through VM-entry injection.
 * @halt_blocks: HLTs that blocked the vCPU thread in the kernel.
 * @halt_wakeups: of those, the ones ended by an event (not a signal).
 * @reserved:	out: 0.
 */
struct pvx_stats {
	__u32 flags;
	__u32 nr_reasons;
	__u64 exits[PVX_STATS_NR_REASONS];
	__u64 ticks[PVX_STATS_NR_REASONS];
	__u64 userspace_exits[PVX_STATS_NR_EXITS];
	__u64 entries;
	__u64 injected_interrupts;
	__u64 injected_nmis;
	__u64 injected_exceptions;
	__u64 halt_blocks;
	__u64 halt_wakeups;
	__u64 reserved[10];
};

/**
 * PVX_GET_STATS - exit counters and the ticks spent on them.
 *
 * On a vCPU fd: that vCPU's counters. On a VM fd: the sum over its vCPUs
 * (also those whose fds were closed). Never -EBUSY: callable while the
 * vCPU runs (the counters are then a moment's view). -EINVAL (flags),
 * -EFAULT. debugfs shows the same as text: pvx/vm-PID-ID/stats.
 */
#define PVX_GET_STATS		_IOWR(PVXIO, 0x30, struct pvx_stats)

/*
 * Xen paravirtualization.
 *
 * A VM can offer its guest Xen's public HVM/PVH guest ABI (hypercalls by
 * VMCALL, shared_info and vcpu_info, 2-level event channels, grant tables
 * v1, the PV clock and timers): uapi/linux/pvx_xen.h has its constants and
 * structures. The host plays Xen's domain 0 (domid 0): what only dom0 may
 * do (bind a port to the host, set the params that name the xenstore and
 * console pages, connect two VMs, read granted pages) is an ioctl on the
 * VM fd below, never a guest hypercall. Every ioctl of this section on a
 * VM without PVX_PV_ENABLE fails with -ENODEV.
 */

/* pvx_caps.features: pvx offers Xen's guest ABI (PVX_PV_ENABLE). */
#define PVX_CAP_XEN_PV			(1ULL << 32)

/* Defaults of struct pvx_pv_config. */
#define PVX_PV_XEN_VERSION		0x00040011 /* 4.17 */
#define PVX_PV_GRANT_FRAMES		32
#define PVX_PV_MAX_GRANT_FRAMES		64

/**
 * struct pvx_pv_config - argument of PVX_PV_ENABLE.
 * @flags:	in: must be 0.
 * @cpuid_base:	in: the first Xen CPUID leaf: 0x40000000, or 0x40000100
 *		(then the leaves of the vCPUs' CPUID table stay visible at
 *		0x40000000, e.g. pvx's own signature).
 * @xen_version: in: what XENVER_version and CPUID base+1 report,
 *		major << 16 | minor; 0 for PVX_PV_XEN_VERSION.
 * @max_grant_frames: in: grant-table frames the guest may set up, 1 ..
 *		PVX_PV_MAX_GRANT_FRAMES (512 grant entries each); 0 for
 *		PVX_PV_GRANT_FRAMES.
 * @console_eventfd: in: an eventfd that pvx signals when the guest wrote
 *		to its hypervisor console (console_io) and the bytes wait for
 *		PVX_PV_CONSOLE_READ; -1 for none.
 * @domid:	out: the VM's Xen domain id, 1 .. 0x7fef, unique on the host
 *		while the VM lives.
 * @padding, @reserved: must be 0.
 */
struct pvx_pv_config {
	__u32 flags;
	__u32 cpuid_base;
	__u32 xen_version;
	__u32 max_grant_frames;
	__s32 console_eventfd;
	__u16 domid;
	__u16 padding;
	__u64 reserved[4];
};

/**
 * PVX_PV_ENABLE - offer the guest Xen's ABI.
 *
 * VM fd. Once per VM, before its first vCPU is created. Errors: -EINVAL
 * (flags, padding, reserved, @cpuid_base, @max_grant_frames out of range),
 * -EEXIST (already enabled), -EBUSY (a vCPU exists), -EBADF (not an
 * eventfd), -ENOSPC (no domain id left), -ENOMEM, -EFAULT.
 */
#define PVX_PV_ENABLE		_IOWR(PVXIO, 0x40, struct pvx_pv_config)

/**
 * struct pvx_pv_param - argument of PVX_PV_SET_PARAM and PVX_PV_GET_PARAM.
 * @index:	HVM_PARAM_* of uapi/linux/pvx_xen.h.
 * @flags:	must be 0.
 * @value:	the value (out for PVX_PV_GET_PARAM).
 */
struct pvx_pv_param {
	__u32 index;
	__u32 flags;
	__u64 value;
};

/**
 * PVX_PV_SET_PARAM - set an HVM parameter, as dom0's toolstack does.
 *
 * VM fd. The host sets HVM_PARAM_STORE_PFN, STORE_EVTCHN, CONSOLE_PFN and
 * CONSOLE_EVTCHN (the guest only reads them, with HVMOP_get_param), and may
 * set HVM_PARAM_CALLBACK_IRQ as the guest does. -EINVAL for another index,
 * flags, or a value the parameter does not take; -ENODEV, -EFAULT.
 */
#define PVX_PV_SET_PARAM	_IOW(PVXIO, 0x41, struct pvx_pv_param)

/**
 * PVX_PV_GET_PARAM - read an HVM parameter (any index the guest can read).
 *
 * VM fd. -EINVAL (index, flags), -ENODEV, -EFAULT.
 */
#define PVX_PV_GET_PARAM	_IOWR(PVXIO, 0x42, struct pvx_pv_param)

/* pvx_evtchn_host.flags */
#define PVX_EVTCHN_ALLOC	(1U << 0) /* allocate a new port, ignore @port */
#define PVX_EVTCHN_DEASSIGN	(1U << 1) /* PVX_EVTCHN_IRQFD: remove the eventfd */

/**
 * struct pvx_evtchn_host - the host's end of the VM's event channels.
 * @port:	in (out with PVX_EVTCHN_ALLOC): a port of this VM.
 * @flags:	PVX_EVTCHN_*; only those the ioctl names.
 * @fd:		PVX_EVTCHN_BIND_HOST: an eventfd signalled at every guest
 *		EVTCHNOP_send on @port, or -1; PVX_EVTCHN_IRQFD: an eventfd
 *		whose signal raises @port in the guest; PVX_EVTCHN_CONNECT:
 *		the other VM's fd.
 * @peer_port:	PVX_EVTCHN_CONNECT: in (out with PVX_EVTCHN_ALLOC): the
 *		port in the other VM.
 * @reserved:	must be 0.
 */
struct pvx_evtchn_host {
	__u32 port;
	__u32 flags;
	__s32 fd;
	__u32 peer_port;
	__u64 reserved;
};

/**
 * PVX_EVTCHN_BIND_HOST - bind a guest port to the host (dom0's
 * EVTCHNOP_bind_interdomain).
 *
 * VM fd. @port must be unbound with remote domain 0 (the guest made it
 * with EVTCHNOP_alloc_unbound{remote_dom = 0}); PVX_EVTCHN_ALLOC makes a
 * new such port instead (as a toolstack does for the xenstore and console
 * ports) and returns it. The port then is interdomain to domain 0: each
 * EVTCHNOP_send of the guest on it signals @fd, from the vCPU, without an
 * exit to userspace. Errors: -EINVAL (port out of range or not unbound to
 * domain 0, flags), -EBADF (@fd not an eventfd), -ENOSPC (ALLOC: no free
 * port), -ENODEV, -EFAULT.
 */
#define PVX_EVTCHN_BIND_HOST	_IOWR(PVXIO, 0x43, struct pvx_evtchn_host)

/**
 * PVX_EVTCHN_NOTIFY - the host sends on its end of @port: the guest sees
 * the port pending (and its upcall), as after a dom0 EVTCHNOP_send.
 *
 * VM fd, any thread, no vCPU exit needed; @fd and @peer_port are ignored.
 * -EINVAL (port not bound to the host, flags, reserved), -ENODEV, -EFAULT.
 */
#define PVX_EVTCHN_NOTIFY	_IOW(PVXIO, 0x44, struct pvx_evtchn_host)

/**
 * PVX_EVTCHN_IRQFD - raise @port whenever eventfd @fd is signalled (like
 * KVM's irqfd), or with PVX_EVTCHN_DEASSIGN stop doing so.
 *
 * VM fd. @port must be bound to the host. One eventfd per port. Errors:
 * -EINVAL (port, flags), -EBADF, -EEXIST (already assigned), -ENOENT
 * (DEASSIGN of nothing), -ENODEV, -EFAULT.
 */
#define PVX_EVTCHN_IRQFD	_IOW(PVXIO, 0x45, struct pvx_evtchn_host)

/**
 * PVX_EVTCHN_UNBIND - close the host's end of @port: the guest's end
 * becomes unbound to domain 0 again (EVTCHNOP_status says so), its
 * eventfds are dropped.
 *
 * VM fd. -EINVAL (port not bound to the host, flags), -ENODEV, -EFAULT.
 */
#define PVX_EVTCHN_UNBIND	_IOW(PVXIO, 0x46, struct pvx_evtchn_host)

/**
 * PVX_EVTCHN_CONNECT - connect a port of this VM with a port of another
 * VM of the same process (an interdomain channel between two guests).
 *
 * VM fd; @fd is the other VM's fd (PV enabled too). Each port must be
 * unbound with the other VM's domid as its remote domain (made by the
 * guests with EVTCHNOP_alloc_unbound); with PVX_EVTCHN_ALLOC both ports are
 * made here and returned. A send on either end raises the other; a close
 * (or the death of either VM) leaves the other end unbound. Errors:
 * -EINVAL (ports, flags, the same VM), -EBADF (@fd is not a pvx VM),
 * -ENOSPC, -ENODEV, -EFAULT.
 */
#define PVX_EVTCHN_CONNECT	_IOWR(PVXIO, 0x47, struct pvx_evtchn_host)

/**
 * struct pvx_pv_console - argument of PVX_PV_CONSOLE_READ.
 * @buf:	user address of the buffer.
 * @len:	its size in bytes.
 * @flags:	must be 0.
 * @dropped:	out: bytes of console output dropped since PV was enabled,
 *		because the guest wrote faster than the host read.
 */
struct pvx_pv_console {
	__u64 buf;
	__u32 len;
	__u32 flags;
	__u64 dropped;
};

/* Bytes of guest console output pvx keeps for the host, at most. */
#define PVX_PV_CONSOLE_BUFFER	16384

/**
 * PVX_PV_CONSOLE_READ - take the guest's hypervisor-console output
 * (console_io CONSOLEIO_write), oldest first.
 *
 * VM fd, any thread, never blocks. Returns the bytes copied (0: none
 * waiting). The guest's writes go to a buffer of PVX_PV_CONSOLE_BUFFER
 * bytes; what does not fit is dropped and counted. -EINVAL (flags),
 * -ENODEV, -EFAULT.
 */
#define PVX_PV_CONSOLE_READ	_IOWR(PVXIO, 0x48, struct pvx_pv_console)

/* pvx_gnt_copy_seg.flags */
#define PVX_GNT_COPY_TO_GUEST	(1U << 0) /* host buffer -> granted page */

/**
 * struct pvx_gnt_copy_seg - one copy of PVX_GNT_COPY.
 * @buf:	user address of the host's side.
 * @ref:	a grant reference of the VM's grant table.
 * @offset:	byte offset in the granted page.
 * @len:	bytes; @offset + @len <= 4096.
 * @flags:	PVX_GNT_COPY_TO_GUEST (needs a grant that is not read-only);
 *		without it, granted page -> host buffer.
 * @status:	out: GNTST_okay (0) or a GNTST_* error (pvx_xen.h):
 *		bad_gntref (beyond the table's frames), permission_denied
 *		(not granted to domain 0, read-only, entry changing under
 *		pvx), bad_copy_arg (@offset + @len > 4096), bad_page (the
 *		granted frame is not guest RAM), bad_virt_addr (@buf
 *		faulted), general_error (out of memory).
 * @padding:	must be 0.
 */
struct pvx_gnt_copy_seg {
	__u64 buf;
	__u32 ref;
	__u16 offset;
	__u16 len;
	__u32 flags;
	__s16 status;
	__u16 padding;
};

/* Segments of one PVX_GNT_COPY, at most. */
#define PVX_GNT_MAX_COPY	64

/**
 * struct pvx_gnt_copy - argument of PVX_GNT_COPY.
 * @segs:	user address of @nr struct pvx_gnt_copy_seg.
 * @nr:		1 .. PVX_GNT_MAX_COPY.
 * @flags:	must be 0.
 */
struct pvx_gnt_copy {
	__u64 segs;
	__u32 nr;
	__u32 flags;
};

/**
 * PVX_GNT_COPY - copy between host buffers and pages the guest granted to
 * domain 0, checked as Xen checks dom0's GNTTABOP_copy.
 *
 * VM fd, any thread. Each segment sets GTF_reading (and GTF_writing for
 * PVX_GNT_COPY_TO_GUEST) in the guest's entry while it copies, and pins
 * the granted page meanwhile. Every segment's flags and padding are
 * checked before any is copied. Returns 0 when every segment was attempted
 * (each has its @status); -EINVAL (nr, flags, a segment's flags or
 * padding), -EFAULT (the array), -ENOMEM, -ENODEV.
 */
#define PVX_GNT_COPY		_IOW(PVXIO, 0x49, struct pvx_gnt_copy)

/* pvx_gnt_map.flags */
#define PVX_GNT_MAP_READONLY	(1U << 0)

/**
 * struct pvx_gnt_map - argument of PVX_GNT_MAP.
 * @ref:	a grant reference of the VM's grant table.
 * @flags:	PVX_GNT_MAP_READONLY.
 * @reserved:	must be 0.
 */
struct pvx_gnt_map {
	__u32 ref;
	__u32 flags;
	__u64 reserved;
};

/**
 * PVX_GNT_MAP - map a page the guest granted to domain 0.
 *
 * VM fd. Returns a new fd (close-on-exec; opened read-only with
 * PVX_GNT_MAP_READONLY): mmap 4096 bytes of it at offset 0, MAP_SHARED
 * (else mmap fails with -EINVAL), to reach the granted page; a read-only
 * map takes PROT_READ only (PROT_WRITE: -EACCES, and mprotect cannot add
 * it). While the fd (or a mapping of it) lives, the guest's entry keeps
 * GTF_reading (and GTF_writing unless read-only), so the guest cannot
 * revoke the grant, and the page stays pinned: whatever the guest or the
 * VM's owner does to that memory, the mapping never reaches freed memory.
 * The fd also holds the VM (as Xen keeps a dying domain while dom0 maps
 * its grants): it stays valid after the VM and vCPU fds are closed. The
 * last close and unmap clears the guest's flags (only those) and frees
 * what it held. Errors: -EINVAL (ref beyond the table, flags, reserved),
 * -EACCES (entry not GTF_permit_access for domain 0), -EROFS (a writable
 * map of a read-only grant), -EAGAIN (the entry kept changing), -EFAULT
 * (the granted frame is not guest RAM, or the argument), -ENODEV, -EMFILE,
 * -ENOMEM.
 */
#define PVX_GNT_MAP		_IOW(PVXIO, 0x4a, struct pvx_gnt_map)

/*
 * pvx_run.flags, set by userspace. PVX_RUN_IMMEDIATE_EXIT: return -EINTR
 * before entering the guest, so that a thread can be stopped without the
 * race of a signal sent just before it calls PVX_RUN.
 */
#define PVX_RUN_IMMEDIATE_EXIT	(1U << 0)

/* pvx_run.exit_reason */
#define PVX_EXIT_UNKNOWN	0
#define PVX_EXIT_IO		1 /* IN/OUT/INS/OUTS: run->io */
#define PVX_EXIT_MMIO		2 /* access outside RAM slots: run->mmio */
#define PVX_EXIT_HLT		3 /* HLT */
#define PVX_EXIT_SHUTDOWN	4 /* triple fault */
#define PVX_EXIT_FAIL_ENTRY	5 /* VM entry failed: run->fail_entry */
#define PVX_EXIT_INTERNAL_ERROR	6 /* pvx cannot go on: run->internal */
#define PVX_EXIT_INTR		7 /* a signal is pending (PVX_RUN: -EINTR) */
#define PVX_EXIT_TRAP		8 /* a forwarded exit: run->trap */
#define PVX_EXIT_CPUID		9 /* a forwarded CPUID leaf: run->cpuid */
#define PVX_EXIT_MSR		10 /* a forwarded RDMSR/WRMSR: run->msr */
#define PVX_EXIT_PV_SHUTDOWN	11 /* SCHEDOP_shutdown: run->pv_shutdown */

#define PVX_EXIT_IO_IN		0
#define PVX_EXIT_IO_OUT		1

/* pvx_run.fail_entry.hardware_entry_failure_reason for a VMfail */
#define PVX_FAIL_ENTRY_VMFAIL	(1ULL << 32)

/* pvx_run.internal.suberror */
#define PVX_INTERNAL_UNHANDLED_EXIT	1 /* a VM exit pvx does not handle */
#define PVX_INTERNAL_EMULATION		2 /* an MMIO instruction not emulated */
#define PVX_INTERNAL_MEMORY		3 /* pinning a guest page failed */

/**
 * struct pvx_run - the mmap'd page that describes each exit.
 * @exit_reason: PVX_EXIT_*, written by pvx.
 * @flags:	PVX_RUN_* requests, written by userspace.
 * @io:		PVX_EXIT_IO. @count accesses of @size bytes (1, 2 or 4) at
 *		@port; the data are at @data_offset from the start of the
 *		mapping, @count * @size bytes. For OUT userspace reads them,
 *		for IN it writes them before the next PVX_RUN. A REP string
 *		instruction is split into exits of at most a page of data.
 * @mmio:	PVX_EXIT_MMIO. @len bytes (1, 2, 4 or 8) at @phys_addr; for a
 *		write @data holds them, for a read userspace fills @data.
 * @fail_entry:	PVX_EXIT_FAIL_ENTRY. When the guest state failed the
 *		VM-entry checks: the exit reason, bit 31 set (SDM 27.8: 33
 *		invalid guest state, 34 MSR loading, 41 machine check), and
 *		the exit qualification. When VMLAUNCH/VMRESUME itself failed
 *		(VMfailValid): PVX_FAIL_ENTRY_VMFAIL | the VM-instruction
 *		error number (SDM 31.4).
 * @internal:	PVX_EXIT_INTERNAL_ERROR: PVX_INTERNAL_* and the raw exit.
 *		For PVX_INTERNAL_EMULATION, @insn holds the bytes of the
 *		instruction pvx could not emulate: @insn_len of them (the
 *		whole instruction if it was decoded, else the bytes fetched
 *		at RIP, 0 when none could be); other suberrors: 0.
 * @trap:	PVX_EXIT_TRAP: the raw VM exit (@reason, @qualification, the
 *		VM-exit instruction length and information, the interruption
 *		information and error code of an exception, the guest-physical
 *		address) and the guest's @regs. The next PVX_RUN loads @regs
 *		back into the guest (-EINVAL there if RFLAGS is invalid): pvx
 *		does not skip the instruction, userspace emulates it by
 *		setting the registers (RIP += @insn_len to step over it).
 * @cpuid:	PVX_EXIT_CPUID: the guest ran CPUID with @function (EAX) and
 *		@index (ECX); userspace writes @eax..@edx, which the next
 *		PVX_RUN puts in the registers before it skips CPUID.
 * @msr:	PVX_EXIT_MSR: RDMSR (@is_write 0: userspace fills @data) or
 *		WRMSR (@data is the value) of MSR @index. Userspace sets
 *		@error to 1 to make the instruction raise #GP instead.
 * @pv_shutdown: PVX_EXIT_PV_SHUTDOWN: the guest called SCHEDOP_shutdown
 *		with @reason (SHUTDOWN_poweroff, _reboot, _suspend, _crash,
 *		_watchdog, _soft_reset of pvx_xen.h; any other value is
 *		passed on as it is). The next PVX_RUN returns 0 from the
 *		hypercall and goes on.
 */
struct pvx_run {
	__u32 exit_reason;
	__u32 flags;
	union {
		struct {
			__u8 direction;
			__u8 size;
			__u16 port;
			__u32 count;
			__u64 data_offset;
		} io;
		struct {
			__u64 phys_addr;
			__u8 data[8];
			__u32 len;
			__u8 is_write;
			__u8 padding[3];
		} mmio;
		struct {
			__u64 hardware_entry_failure_reason;
			__u64 qualification;
		} fail_entry;
		struct {
			__u32 suberror;
			__u32 padding;
			__u64 exit_reason;
			__u64 qualification;
			__u64 guest_rip;
			__u64 guest_phys_addr;
			__u32 insn_len;
			__u8 insn[16];
		} internal;
		struct {
			__u32 reason;
			__u32 insn_len;
			__u64 qualification;
			__u32 insn_info;
			__u32 intr_info;
			__u32 intr_error;
			__u32 padding;
			__u64 guest_phys_addr;
			struct pvx_regs regs;
		} trap;
		struct {
			__u32 function;
			__u32 index;
			__u32 eax, ebx, ecx, edx;
		} cpuid;
		struct {
			__u32 index;
			__u8 is_write;
			__u8 error;
			__u8 padding[2];
			__u64 data;
		} msr;
		struct {
			__u32 reason;
			__u32 padding;
		} pv_shutdown;
		__u8 padding[256];
	};
};

#endif /* _UAPI_LINUX_PVX_H */
