/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pv/: Xen's HVM/PVH guest ABI on pvx (uapi/linux/pvx_xen.h for the guest
 * side, uapi/linux/pvx.h PVX_PV_* for the host side).
 *
 * The guest reaches pv/ by VMCALL (pv_hypercall.c dispatches by number to
 * one file per hypercall family); pvx reaches the guest through memory
 * both share: the shared_info page (a page pvx owns, mapped by EPT where
 * the guest asks), each vCPU's vcpu_info (in shared_info or registered in
 * guest RAM, pinned), the grant-table frames (pages pvx owns), and the
 * upcall vector injected while vcpu_info.evtchn_upcall_pending is set. The
 * host (domain 0) acts through VM-fd ioctls (pv_vm_ioctl()).
 *
 * Files and their jobs:
 *   pv_main.c       PVX_PV_ENABLE, domain ids, VM/vCPU set-up and teardown,
 *                   the PV ioctl table, HVM params
 *   pv_hypercall.c  VMCALL: register ABI, CPL check, dispatch table, guest
 *                   buffer access, multicall
 *   pv_cpuid.c      the Xen CPUID leaves and the hypercall-page MSR
 *   pv_version.c    xen_version
 *   pv_console.c    console_io and PVX_PV_CONSOLE_READ
 *   pv_memory.c     memory_op (add_to_physmap: shared_info, grant frames),
 *                   pinned guest pages (ept/ maps pvx's own pages into the
 *                   guest-physical space for it)
 *   pv_hvm.c        hvm_op
 *   pv_time.c       the PV clock (vcpu_time_info) and the wallclock
 *   pv_evtchn.c     2-level event channels, upcall, host ends (eventfds)
 *   pv_vcpu_op.c    vcpu_op: vcpu_info registration, singleshot timers
 *   pv_sched.c      sched_op: yield, block, poll, shutdown
 *   pv_grant.c      grant tables v1: guest ops, host copy and map
 */
#ifndef PVX_PV_H
#define PVX_PV_H

#include <linux/compiler.h>
#include <linux/hrtimer.h>
#include <linux/kfifo.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/pvx.h>
#include <linux/pvx_xen.h>

#include "../ept/ept.h"
#include "pv_evtchn.h"
#include "pv_grant.h"

struct eventfd_ctx;
struct page;
struct pvx_vm;
struct pvx_vcpu;

/**
 * struct pv_vm - a VM's Xen side.
 * @enabled:	PVX_PV_ENABLE succeeded (never cleared).
 * @domid:	its domain id.
 * @cpuid_base:	the first Xen CPUID leaf.
 * @xen_version: major << 16 | minor.
 * @max_grant_frames: grant-table frames the guest may set up.
 * @param_lock:	guards @params.
 * @params:	HVM_PARAM_* values.
 * @shared_info: the shared_info page (pvx's, allocated at enable).
 * @shared_info_gfn: where the guest mapped it, or ~0 (not mapped).
 * @boot_ns:	host CLOCK_MONOTONIC at enable: system time 0 of the guest.
 * @console:	console_io output waiting for PVX_PV_CONSOLE_READ.
 * @console_lock: guards @console and @console_dropped.
 * @console_dropped: bytes that did not fit.
 * @console_eventfd: signalled when output waits, or NULL.
 * @evtchn:	event channels (pv_evtchn.h).
 * @grant:	the grant table (pv_grant.h).
 */
struct pv_vm {
	bool enabled;
	u16 domid;
	u32 cpuid_base;
	u32 xen_version;
	u32 max_grant_frames;
	spinlock_t param_lock;
	u64 params[HVM_NR_PARAMS];
	struct page *shared_info;
	u64 shared_info_gfn;
	u64 boot_ns;
	DECLARE_KFIFO_PTR(console, u8);
	spinlock_t console_lock;
	u64 console_dropped;
	struct eventfd_ctx *console_eventfd;
	struct pv_evtchn_vm evtchn;
	struct pv_grant_vm grant;
};

/*
 * The frames the exit fast path remembers per vCPU, one per role so that
 * none evicts another: the table of each level of the guest's 4-level
 * page walk (PV_KVA_PT + level - 1), the page of a hypercall's argument,
 * the page of a multicall list.
 */
enum pv_kva_role {
	PV_KVA_PT,		/* .. PV_KVA_PT + 3: the PT, PD, PDPT, PML4 */
	PV_KVA_ARG = PV_KVA_PT + 4,
	PV_KVA_LIST,
	PV_KVA_ROLES,
};

/* The walks the fast path remembers: one per role of the page reached. */
#define PV_WALK_ROLES	(PV_KVA_ROLES - PV_KVA_ARG)

/**
 * struct pv_walk - the last fast page walk of one role, kept with the
 * guest page-table entries it was computed from, so that the next walk of
 * the same page checks those entries instead of walking again.
 * @gen:	struct ept_mem's @gen then: every kernel address below stays
 *		valid while it holds (0: nothing kept).
 * @cr3:	the guest's CR3 (its table address bits) then.
 * @page:	the guest-linear page walked, | 1 for a walk for writing.
 * @levels:	entries read (4; 3 or 2 down to a 2 MiB or 1 GiB leaf).
 * @pte:	the kernel address of each entry read, PML4 entry first.
 * @val:	what each held.
 * @kva:	the kernel address of the page reached.
 *
 * A hit needs the same CR3, page and generation, and every entry of the
 * walk to read back (READ_ONCE(), now) as it did: the walk is a function
 * of those alone, so the result is what walking again would give. No
 * guest-linear translation outlives a change of the guest's tables.
 */
struct pv_walk {
	u64 gen;
	u64 cr3;
	u64 page;
	unsigned int levels;
	const u64 *pte[4];
	u64 val[4];
	u8 *kva;
};

/**
 * struct pv_vcpu - a vCPU's Xen side.
 * @vcpu_info:	where its vcpu_info is now: in shared_info (ids below
 *		XEN_LEGACY_MAX_VCPUS) until VCPUOP_register_vcpu_info moves it
 *		into guest RAM; NULL for none (then events stay pending).
 * @vcpu_info_page: the pinned guest page of a registered vcpu_info, or
 *		NULL.
 * @in_multicall: a multicall is being dispatched (no nesting).
 * @exit_to_user: a hypercall handler filled vcpu->run for an exit to
 *		userspace (SCHEDOP_shutdown): pv_handle_vmcall() returns 0
 *		once the hypercall is complete (RAX set, RIP past VMCALL).
 * @fast_locked: the exit fast path holds the VM lock (a multicall's
 *		entries run under the one mutex_trylock() of the batch).
 * @mc_done:	entries of this VMCALL's multicall that the fast path ran
 *		(results written) before it left the rest to the slow path,
 *		which starts there; 0 otherwise. Only pv_multicall_fast()
 *		sets it, right before its VMCALL goes to pv_handle_vmcall().
 * @mc_list:	the list @mc_done belongs to (a check, not a key).
 * @kva:	the frames the fast path used last, one per role (enum
 *		pv_kva_role): struct ept_kva_cache.
 * @walk:	the fast path's last walk to a page of each role (argument,
 *		multicall list), re-checked at each use: struct pv_walk.
 * @evtchn:	per-vCPU event state (pv_evtchn.h): VIRQ ports, timer,
 *		poll.
 */
struct pv_vcpu {
	struct vcpu_info *vcpu_info;
	struct page *vcpu_info_page;
	bool in_multicall;
	bool exit_to_user;
	bool fast_locked;
	unsigned int mc_done;
	u64 mc_list;
	struct ept_kva_cache kva[PV_KVA_ROLES];
	struct pv_walk walk[PV_WALK_ROLES];
	struct pv_evtchn_vcpu evtchn;
};

/*
 * Is vcpu_info.evtchn_upcall_pending set? pv_upcall_vector()'s first test,
 * inline for vmx_events_queued(): no upcall is the usual answer.
 */
static inline bool pv_upcall_pending(const struct pv_vcpu *pv)
{
	const struct vcpu_info *vi = READ_ONCE(pv->vcpu_info);

	return vi && READ_ONCE(vi->evtchn_upcall_pending);
}

/* A hypercall: its five arguments in Xen's order; returns the RAX value. */
typedef long (*pv_hypercall_fn)(struct pvx_vcpu *vcpu, const u64 args[5]);

/* pv_main.c */
void pv_vm_init(struct pvx_vm *vm);
long pv_vm_ioctl(struct pvx_vm *vm, unsigned int cmd, unsigned long arg);
void pv_vm_destroy(struct pvx_vm *vm);
int pv_vcpu_init(struct pvx_vcpu *vcpu);
void pv_vcpu_destroy(struct pvx_vcpu *vcpu);

/* Is Xen's ABI on for this VM? Stable once a vCPU exists. */
static inline bool pv_enabled(const struct pv_vm *pv)
{
	return READ_ONCE(pv->enabled);
}

/*
 * Does @domid name the calling guest's own domain? A guest's hypercalls act
 * on itself only (DOMID_SELF, or its own id).
 */
static inline bool pv_is_self(const struct pv_vm *pv, u16 domid)
{
	return domid == DOMID_SELF || domid == pv->domid;
}

/*
 * A VM-fd ioctl of the PV table: its handler runs with PV enabled (else
 * pv_vm_ioctl() fails with -ENODEV), from the VM's process.
 */
typedef long (*pv_ioctl_fn)(struct pvx_vm *vm, void __user *arg);

/* pv_hypercall.c */
int pv_handle_vmcall(struct pvx_vcpu *vcpu);
bool pv_vmcall_fast(struct pvx_vcpu *vcpu);
int pv_copy_from_guest(struct pvx_vcpu *vcpu, void *dst, u64 gva, size_t len);
int pv_copy_to_guest(struct pvx_vcpu *vcpu, u64 gva, const void *src,
		     size_t len);
int pv_copy_from_guest_atomic(struct pvx_vcpu *vcpu, void *dst, u64 gva,
			      size_t len);
bool pv_guest_compat(struct pvx_vcpu *vcpu);
long pv_do_multicall(struct pvx_vcpu *vcpu, const u64 args[5]);
bool pv_multicall_fast(struct pvx_vcpu *vcpu, const u64 args[5], long *ret);

/*
 * A multicall carries at most this many entries (Xen has no such bound but
 * preempts long batches; pvx has no continuations): more is -E2BIG.
 */
#define PV_MULTICALL_MAX	64

/* pv_cpuid.c */
bool pv_cpuid(struct pvx_vcpu *vcpu, u32 function, u32 index, u32 out[4]);
int pv_hypercall_msr_write(struct pvx_vcpu *vcpu, u32 index, u64 val);

/* pv_version.c, pv_console.c, pv_memory.c, pv_hvm.c */
long pv_do_xen_version(struct pvx_vcpu *vcpu, const u64 args[5]);
bool pv_xen_version_fast(struct pvx_vcpu *vcpu, const u64 args[5], long *ret);
long pv_do_console_io(struct pvx_vcpu *vcpu, const u64 args[5]);
void pv_console_emit(struct pv_vm *pv, const u8 *buf, size_t len);
int pv_console_init(struct pv_vm *pv, int eventfd);
void pv_console_destroy(struct pv_vm *pv);
long pv_console_read_ioctl(struct pvx_vm *vm, void __user *arg);
long pv_do_memory_op(struct pvx_vcpu *vcpu, const u64 args[5]);
void pv_memory_destroy(struct pvx_vm *vm);
long pv_do_hvm_op(struct pvx_vcpu *vcpu, const u64 args[5]);
long pv_set_param_ioctl(struct pvx_vm *vm, void __user *arg);
long pv_get_param_ioctl(struct pvx_vm *vm, void __user *arg);
u64 pv_get_param(struct pv_vm *pv, u32 index);
int pv_guest_page_get(struct pvx_vm *vm, u64 gfn, bool write,
		      struct page **page);
void pv_guest_page_put(struct page *page, bool dirty);

/* pv_grant.c: add_to_physmap(XENMAPSPACE_grant_table) */
long pv_grant_map_frame(struct pvx_vcpu *vcpu, u64 idx, u64 gfn);

/* pv_time.c */
u64 pv_time_now_ns(struct pvx_vm *vm);
void pv_time_update_vcpu(struct pvx_vcpu *vcpu);
void pv_time_write_wallclock(struct pvx_vm *vm);

/* pv_vcpu_op.c, pv_sched.c, pv_evtchn.c (pv_evtchn.h has the rest) */
long pv_do_vcpu_op(struct pvx_vcpu *vcpu, const u64 args[5]);
long pv_do_sched_op(struct pvx_vcpu *vcpu, const u64 args[5]);
long pv_do_event_channel_op(struct pvx_vcpu *vcpu, const u64 args[5]);

/* pv_grant.c (pv_grant.h has the rest) */
long pv_do_grant_table_op(struct pvx_vcpu *vcpu, const u64 args[5]);

#endif /* PVX_PV_H */
