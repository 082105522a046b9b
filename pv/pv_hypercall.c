// SPDX-License-Identifier: GPL-2.0
/*
 * Xen hypercalls by VMCALL: the register ABI, the privilege check, the
 * dispatch table, guest buffers, and multicall.
 *
 * The rules (Xen's docs/guest-guide/x86/hypercall-abi.rst and
 * xen/include/public/xen.h):
 *  - the number is in RAX; a vCPU in a 64-bit code segment (EFER.LMA and
 *    CS.L) passes the arguments in RDI, RSI, RDX, R10, R8; any other mode
 *    (32-bit protected, compatibility, real mode) in EBX, ECX, EDX, ESI,
 *    EDI, whose upper halves are ignored;
 *  - the result, a negative Xen errno on failure, comes back in RAX (in
 *    EAX for the 32-bit convention, zero-extended as a 32-bit write would
 *    be), and RIP moves past the VMCALL; no other register changes;
 *  - a VMCALL at CPL > 0 returns -EPERM; a number without a handler
 *    returns -ENOSYS;
 *  - guest buffers are guest-linear addresses, read and written through
 *    the guest's own page tables, bounded by each caller; a page fault or a
 *    frame that is not guest memory is -EFAULT for the guest, never a host
 *    error;
 *  - multicall (xen.h struct multicall_entry): each entry is a hypercall
 *    whose result is written back into the entry; a failing entry does not
 *    stop the batch; a multicall inside a multicall is -EINVAL; at most
 *    PV_MULTICALL_MAX entries (-E2BIG beyond).
 *
 * Calls that cannot sleep may also have a fast handler, run by
 * vmx_exit_fastpath() with interrupts still off (pv_vmcall_fast()) for a
 * 64-bit caller at CPL 0: XENVER_version, EVTCHNOP_send (its argument
 * read by pv_copy_from_guest_atomic()) and multicall, whose entries run by
 * their own fast handlers until one cannot, where the slow path takes the
 * batch over from that entry (pv_multicall_fast()). The fast path reaches
 * guest memory through the kernel's mapping of the pages EPT maps, never
 * faulting: the guest's page tables are walked by pv_fast_gva_to_kva(),
 * each table frame's kernel address kept per vCPU and level (struct
 * ept_kva_cache, exact while EPT's generation holds), and the last walk to
 * an argument or a multicall list is reused only while every guest entry
 * it read reads back unchanged (struct pv_walk). Anything else unusual
 * (a frame EPT does not map yet, a read-only entry for a write, the VM
 * lock taken) goes to the slow path.
 *
 * Measured (1-CPU Skylake-X box, `bench --rows vmcall,xen_version,
 * multicall_16,evtchn_send`, ticks per operation, main e42a3af -> branch
 * h1): VMCALL 451 -> 277, xen_version 543 -> 364, a multicall of 16
 * xen_version entries 4,822 -> 1,057 (2.9 single calls; it ran on the
 * slow path: VM lock, x86/walk.c's walk through ept_gpa_to_kva() per
 * level, twice, a chunk copy), EVTCHNOP_send to a host eventfd 1,192 ->
 * 704 (KVM's ioeventfd OUT: 1,441). Part of it is the exit itself
 * (vmx/vmx_run.c, vmx/vmx_event.c: one inline event check per fast exit).
 */
#include <linux/indirect_call_wrapper.h>
#include <linux/kernel.h>
#include <linux/uaccess.h>
#include <asm/unaligned.h>
#include <asm/special_insns.h>
#include <asm/vmx.h>

#include "pv.h"
#include "../core/pvx.h"
#include "../vmx/vmx_ops.h"

/**
 * struct pv_hypercall - a row of the dispatch table.
 * @fn:		the handler, in process context with interrupts on; may
 *		sleep and touch guest memory.
 * @fast:	optional: the same call for the exit fast path (interrupts
 *		off, no sleeping, guest memory only through
 *		pv_copy_from_guest_atomic()), for a 64-bit caller at CPL 0;
 *		returns false, having done nothing (@ret untouched), to
 *		leave the call to @fn.
 *		It reads each of @args at most once (READ_ONCE()): for a
 *		multicall entry they are the guest's memory, which another
 *		vCPU may change meanwhile.
 */
struct pv_hypercall {
	pv_hypercall_fn fn;
	bool (*fast)(struct pvx_vcpu *vcpu, const u64 args[5], long *ret);
};

/* Indexed by hypercall number (xen.h __HYPERVISOR_*). */
static const struct pv_hypercall pv_hypercalls[XEN_HYPERCALL_COUNT] = {
	[__HYPERVISOR_memory_op] = { pv_do_memory_op },
	[__HYPERVISOR_multicall] = { pv_do_multicall, pv_multicall_fast },
	[__HYPERVISOR_xen_version] = { pv_do_xen_version, pv_xen_version_fast },
	[__HYPERVISOR_console_io] = { pv_do_console_io },
	[__HYPERVISOR_hvm_op] = { pv_do_hvm_op },
	[__HYPERVISOR_vcpu_op] = { pv_do_vcpu_op },
	[__HYPERVISOR_sched_op] = { pv_do_sched_op },
	[__HYPERVISOR_event_channel_op] = { pv_do_event_channel_op,
					    pv_event_channel_op_fast },
	[__HYPERVISOR_grant_table_op] = { pv_do_grant_table_op },
};

/* The privilege level: SS.DPL (SDM 5.5; real mode has SS.DPL 0). */
static unsigned int pv_guest_cpl(void)
{
	return (vmcs_read32(GUEST_SS_AR_BYTES) >> 5) & 3;
}

/**
 * pv_guest_compat() - does the vCPU use Xen's 32-bit ABI?
 * @vcpu: the vCPU, loaded.
 *
 * Return: true outside 64-bit code (protected mode, compatibility mode,
 * real mode): registers are 32-bit, structures with xen_ulong_t fields
 * use their compat layout.
 */
bool pv_guest_compat(struct pvx_vcpu *vcpu)
{
	return !vmx_guest_64bit();
}

/* The number and arguments from the registers, by the ABI (@compat). */
static unsigned long pv_read_args(struct pvx_vcpu *vcpu, bool compat,
				  u64 args[5])
{
	const unsigned long *r = vcpu->vmx.regs;

	if (unlikely(compat)) {
		args[0] = (u32)r[VMX_RBX];
		args[1] = (u32)r[VMX_RCX];
		args[2] = (u32)r[VMX_RDX];
		args[3] = (u32)r[VMX_RSI];
		args[4] = (u32)r[VMX_RDI];
		return (u32)r[VMX_RAX];
	}
	args[0] = r[VMX_RDI];
	args[1] = r[VMX_RSI];
	args[2] = r[VMX_RDX];
	args[3] = r[VMX_R10];
	args[4] = r[VMX_R8];
	return r[VMX_RAX];
}

/* The result in RAX (EAX, zero-extended, for the 32-bit ABI); RIP on. */
static void pv_complete(struct pvx_vcpu *vcpu, bool compat, long ret)
{
	vcpu->vmx.regs[VMX_RAX] = compat ? (u32)ret : ret;
	vmx_skip_instruction();
}

/* One call by number, from a VMCALL or a multicall entry. */
static long pv_dispatch(struct pvx_vcpu *vcpu, unsigned long nr,
			const u64 args[5])
{
	if (nr >= XEN_HYPERCALL_COUNT || !pv_hypercalls[nr].fn)
		return -XEN_ENOSYS;
	return pv_hypercalls[nr].fn(vcpu, args);
}

/**
 * pv_handle_vmcall() - a VMCALL of a PV guest (vmx_exit.c).
 * @vcpu: the vCPU, loaded, interrupts on.
 *
 * Return: 1 to re-enter the guest; 0 when a handler filled vcpu->run for
 * userspace (the hypercall is complete all the same).
 */
int pv_handle_vmcall(struct pvx_vcpu *vcpu)
{
	bool compat = pv_guest_compat(vcpu);
	unsigned long nr;
	u64 args[5];
	long ret;

	if (pv_guest_cpl() > 0) {
		vcpu->pv.mc_done = 0;
		pv_complete(vcpu, compat, -XEN_EPERM);
		return 1;
	}
	nr = pv_read_args(vcpu, compat, args);
	vcpu->pv.exit_to_user = false;
	ret = pv_dispatch(vcpu, nr, args);
	vcpu->pv.mc_done = 0;	/* pv_multicall_fast()'s word for this call only */
	pv_complete(vcpu, compat, ret);
	if (vcpu->pv.exit_to_user) {
		vcpu->pv.exit_to_user = false;
		return 0;
	}
	return 1;
}

/**
 * pv_vmcall_fast() - a VMCALL of a PV guest, with interrupts off.
 * @vcpu: the vCPU, right after the exit (vmx_exit_fastpath()).
 *
 * Return: true if the call was done here, false for pv_handle_vmcall().
 */
bool pv_vmcall_fast(struct pvx_vcpu *vcpu)
{
	bool (*fast)(struct pvx_vcpu *vcpu, const u64 args[5], long *ret);
	unsigned long nr;
	u64 args[5];
	long ret;

	/* Fast handlers serve 64-bit callers at CPL 0 (the usual ones). */
	if (pv_guest_cpl() > 0 || pv_guest_compat(vcpu))
		return false;
	nr = pv_read_args(vcpu, false, args);
	fast = nr < XEN_HYPERCALL_COUNT ? pv_hypercalls[nr].fast : NULL;
	/* Direct calls for the ones a guest makes in loops (retpolines). */
	if (!fast || !INDIRECT_CALL_3(fast, pv_xen_version_fast,
				      pv_event_channel_op_fast,
				      pv_multicall_fast, vcpu, args, &ret))
		return false;
	pv_complete(vcpu, false, ret);
	return true;
}

/* Copy between @buf and guest-linear @gva; -XEN_EFAULT for any failure. */
static int pv_copy_guest(struct pvx_vcpu *vcpu, u64 gva, void *buf,
			 size_t len, bool write)
{
	u32 pf_error;
	u64 pf_addr;
	int r;

	/* 32-bit code reaches 4 GiB of linear addresses, no more. */
	if (pv_guest_compat(vcpu) && gva + len > BIT_ULL(32))
		return -XEN_EFAULT;
	mutex_lock(&vcpu->vm->lock);
	r = write ? guest_write_gva(vcpu, gva, buf, len, &pf_error, &pf_addr) :
		    guest_read_gva(vcpu, gva, buf, len, &pf_error, &pf_addr);
	mutex_unlock(&vcpu->vm->lock);
	return r ? -XEN_EFAULT : 0;
}

/**
 * pv_copy_from_guest() - read a hypercall's guest buffer.
 * @vcpu: the vCPU making the hypercall (loaded, on its thread).
 * @dst: kernel buffer.
 * @gva: the guest-linear address, through the guest's page tables.
 * @len: bytes; the caller bounds it.
 *
 * Takes the VM lock: call it holding no spinlock.
 *
 * Return: 0, or -XEN_EFAULT (page fault, not guest memory).
 */
int pv_copy_from_guest(struct pvx_vcpu *vcpu, void *dst, u64 gva, size_t len)
{
	return pv_copy_guest(vcpu, gva, dst, len, false);
}

/*
 * The exit fast path's guest memory (interrupts off): the guest's page
 * tables are walked here, every entry read anew at every use (the guest
 * changes them without an exit; a walk is reused only while its entries
 * read back unchanged), and each table and the data are reached through
 * the kernel's address of the page EPT maps at their frame, remembered
 * per vCPU (struct ept_kva_cache: valid while no EPT leaf changed). Frames
 * EPT does not map yet, and anything else unusual, are left to the slow
 * path, which translates with x86/walk.c and reports faults.
 */

#define PV_PTE_ADDR	GENMASK_ULL(51, 12)

/*
 * One level of the fast walk (@level 4 .. 1, a constant once inlined):
 * the entry for @gva in the table at *@table, read through the vCPU's
 * cache of that level's table frame, must have the bits of @need; then
 * *@table is the next table, or the frame of @gva's page. The entry and
 * its address go into @w. Returns -1 for anything the slow path must do,
 * 1 when the walk ends here (a 1 GiB or 2 MiB leaf, or level 1), 0 to go
 * on.
 */
static __always_inline int pv_fast_walk_step(struct pvx_vcpu *vcpu,
					     int level, u64 gva, u64 need,
					     u64 *table, struct pv_walk *w)
{
	const int shift = 12 + 9 * (level - 1);
	const u64 *p = ept_kva_cached(&vcpu->vm->mem,
				      &vcpu->pv.kva[PV_KVA_PT + level - 1],
				      *table + ((gva >> shift) & 511) * 8,
				      false);
	u64 e;

	if (!p)
		return -1;
	e = READ_ONCE(*p);
	if ((e & need) != need)
		return -1;
	w->pte[4 - level] = p;
	w->val[4 - level] = e;
	if ((level == 2 || level == 3) && (e & _PAGE_PSE)) {
		*table = (e & PV_PTE_ADDR & ~(BIT_ULL(shift) - 1)) |
			 (gva & (BIT_ULL(shift) - 1) & PAGE_MASK);
		return 1;
	}
	*table = e & PV_PTE_ADDR;
	return level == 1;
}

/*
 * Walk the guest's 4-level tables from @cr3 for the page of @gva, the
 * four steps unrolled, into @w (which is invalid unless this succeeds).
 */
static bool pv_fast_walk(struct pvx_vcpu *vcpu, u64 cr3, u64 gva, bool write,
			 enum pv_kva_role role, struct pv_walk *w)
{
	const u64 need = _PAGE_PRESENT | (write ? _PAGE_RW : 0);
	struct ept_mem *m = &vcpu->vm->mem;
	u64 table = cr3;
	int r, level = 4;

	w->gen = 0;
	r = pv_fast_walk_step(vcpu, 4, gva, need, &table, w);
	if (!r) {
		level--;
		r = pv_fast_walk_step(vcpu, 3, gva, need, &table, w);
	}
	if (!r) {
		level--;
		r = pv_fast_walk_step(vcpu, 2, gva, need, &table, w);
	}
	if (!r) {
		level--;
		r = pv_fast_walk_step(vcpu, 1, gva, need, &table, w);
	}
	if (r < 0)
		return false;
	w->kva = ept_kva_cached(m, &vcpu->pv.kva[role], table, write);
	if (!w->kva)
		return false;
	w->levels = 5 - level;
	w->cr3 = cr3;
	w->page = (gva & PAGE_MASK) | write;
	w->gen = m->gen;
	return true;
}

/* Does the walk in @w still hold: do its entries read back unchanged? */
static bool pv_fast_walk_holds(const struct pv_walk *w)
{
	unsigned int i;

	for (i = 0; i < w->levels; i++)
		if (READ_ONCE(*w->pte[i]) != w->val[i])
			return false;
	return true;
}

/*
 * 4-level long-mode translation of @gva for a CPL 0 access: the present
 * bit at each level, for @write also the R/W bit at each (stricter than
 * the CPU with CR0.WP clear: the slow path serves that), 1 GiB / 2 MiB
 * leaves (what guest_walk() checks for such an access, SDM 4.5-4.6).
 * The last walk to a page of @role is reused when its entries read back
 * unchanged (struct pv_walk), else the tables are walked. Returns the
 * kernel address of @gva's byte, good to the end of its page while the
 * VM lock is held, or NULL for anything the slow path must do. The VM
 * lock is held.
 */
static void *pv_fast_gva_to_kva(struct pvx_vcpu *vcpu, u64 gva, bool write,
				enum pv_kva_role role)
{
	struct pv_walk *w = &vcpu->pv.walk[role - PV_KVA_ARG];
	/* 4-level: pvx never lets a guest set CR4.LA57 (vmx/vmx_cr.c). */
	u64 cr3 = vmcs_read(GUEST_CR3) & PV_PTE_ADDR;

	if (!(w->gen == vcpu->vm->mem.gen && w->cr3 == cr3 &&
	      w->page == ((gva & PAGE_MASK) | write) &&
	      pv_fast_walk_holds(w)) &&
	    !pv_fast_walk(vcpu, cr3, gva, write, role, w))
		return NULL;
	return w->kva + offset_in_page(gva);
}

/**
 * pv_copy_from_guest_atomic() - pv_copy_from_guest() for the exit fast
 * path (interrupts off): fails instead of sleeping.
 * @vcpu: the vCPU making the hypercall, in 64-bit mode (a fast handler's
 *	caller).
 * @dst: kernel buffer.
 * @gva: the guest-linear address.
 * @len: bytes, within one guest page.
 *
 * The VM lock is only tried (or already held by the fast path: a
 * multicall's entry); the guest's page tables and the buffer must be
 * frames EPT maps already (the guest touched them). Nothing here can
 * fault.
 *
 * Return: 0, or -XEN_EFAULT (also for "try again, sleeping").
 */
int pv_copy_from_guest_atomic(struct pvx_vcpu *vcpu, void *dst, u64 gva,
			      size_t len)
{
	bool locked = vcpu->pv.fast_locked;
	const void *src;

	if (offset_in_page(gva) + len > PAGE_SIZE ||
	    (!locked && !mutex_trylock(&vcpu->vm->lock)))
		return -XEN_EFAULT;
	src = pv_fast_gva_to_kva(vcpu, gva, false, PV_KVA_ARG);
	/* EVTCHNOP_send's 4 bytes without a call to memcpy(). */
	if (src && len == sizeof(u32))
		put_unaligned(get_unaligned((const u32 *)src), (u32 *)dst);
	else if (src)
		memcpy(dst, src, len);
	if (!locked)
		mutex_unlock(&vcpu->vm->lock);
	return src ? 0 : -XEN_EFAULT;
}

/**
 * pv_copy_to_guest() - write a hypercall's guest buffer.
 * @vcpu: the vCPU making the hypercall.
 * @gva: the guest-linear address (a read-only guest page is -XEN_EFAULT).
 * @src: kernel buffer.
 * @len: bytes; the caller bounds it.
 *
 * Return: 0, or -XEN_EFAULT.
 */
int pv_copy_to_guest(struct pvx_vcpu *vcpu, u64 gva, const void *src,
		     size_t len)
{
	return pv_copy_guest(vcpu, gva, (void *)src, len, true);
}

/*
 * A multicall entry as the guest lays it out: struct multicall_entry
 * (64 bytes) in 64-bit code; its compat form of 32-bit fields (32 bytes:
 * op, result, args[6]) for the 32-bit ABI (Xen's compat multicall).
 */
#define PV_MC_SIZE		sizeof(struct multicall_entry)
#define PV_MC_COMPAT_SIZE	32
/* Entries read (and results written) at a time: 1 KiB of stack. */
#define PV_MC_CHUNK		16

/* Entry @k of a chunk read from the guest, decoded. */
static unsigned long pv_mc_decode(const void *chunk, unsigned int k,
				  bool compat, u64 args[5])
{
	const struct multicall_entry *e = chunk;
	const u32 *c = chunk;
	int j;

	if (compat) {
		c += k * PV_MC_COMPAT_SIZE / sizeof(u32);
		for (j = 0; j < 5; j++)
			args[j] = c[2 + j];
		return c[0];
	}
	memcpy(args, e[k].args, 5 * sizeof(u64));
	return e[k].op;
}

/*
 * Write the results of entries [@first, @first + @n) and nothing else of
 * them (Xen writes back only the result field), translating each page of
 * the list once, under one hold of the VM lock: through the kernel's
 * mapping of the page EPT maps there, or guest_write_gpa() where EPT maps
 * nothing yet.
 */
static int pv_mc_write_results(struct pvx_vcpu *vcpu, u64 list,
			       unsigned long first, unsigned int n,
			       bool compat, const long *res)
{
	struct ept_mem *m = &vcpu->vm->mem;
	size_t size = compat ? PV_MC_COMPAT_SIZE : PV_MC_SIZE;
	/* The entry's word: op, then result, each one word. */
	size_t word = compat ? sizeof(u32) : sizeof(u64);
	u64 page = 1, gpa = 0;	/* 1: no page translated yet */
	u8 *kpage = NULL;
	unsigned int k;
	int r = 0;

	mutex_lock(&vcpu->vm->lock);
	for (k = 0; k < n && !r; k++) {
		u64 gva = list + (first + k) * size + word;
		u32 pf_error, r32 = res[k];
		u64 r64 = res[k], pf_addr;
		void *val = compat ? (void *)&r32 : (void *)&r64;

		if (offset_in_page(gva) + word > PAGE_SIZE) {
			/* An unaligned list: this result straddles two pages. */
			r = guest_write_gva(vcpu, gva, val, word, &pf_error,
					    &pf_addr);
			continue;
		}
		if ((gva & PAGE_MASK) != page) {
			page = gva & PAGE_MASK;
			r = guest_gva_to_gpa(vcpu, page, true, &gpa, &pf_error);
			kpage = r ? NULL : ept_gpa_to_kva(m, gpa, true);
		}
		if (kpage)
			memcpy(kpage + offset_in_page(gva), val, word);
		else if (!r)
			r = guest_write_gpa(m, gpa + offset_in_page(gva), val,
					    word);
	}
	mutex_unlock(&vcpu->vm->lock);
	return r ? -XEN_EFAULT : 0;
}

/* Entries a multicall runs on the exit fast path at most: interrupts are off. */
#define PV_MC_FAST_MAX		PV_MC_CHUNK

/*
 * Run the @n entries at @e (in the kernel's mapping of the guest page
 * that holds them) by their fast handlers, each result stored as soon as
 * its entry ran; stop at the first entry without one, or whose handler
 * declines. Returns how many ran.
 */
static unsigned int pv_mc_run_fast(struct pvx_vcpu *vcpu,
				   struct multicall_entry *e, unsigned int n)
{
	unsigned int k;

	for (k = 0; k < n; k++, e++) {
		bool (*fast)(struct pvx_vcpu *vcpu, const u64 args[5],
			     long *ret);
		u64 op = READ_ONCE(e->op);

		fast = op < XEN_HYPERCALL_COUNT ? pv_hypercalls[op].fast : NULL;
		/*
		 * In place: the handler reads each argument once, and stores
		 * the result (one aligned 8-byte store into the page the
		 * guest sees) only if it ran the call.
		 */
		if (!fast || !INDIRECT_CALL_3(fast, pv_xen_version_fast,
					      pv_event_channel_op_fast,
					      pv_multicall_fast, vcpu,
					      (const u64 *)e->args,
					      (long *)&e->result))
			break;
	}
	return k;
}

/**
 * pv_multicall_fast() - a multicall on the exit fast path (interrupts off).
 * @vcpu: the vCPU, right after its VMCALL exit.
 * @args: [0] the guest-linear address of the entries, [1] their number.
 * @ret: out: the result.
 *
 * For a batch of at most PV_MC_FAST_MAX 8-byte aligned entries (of a
 * 64-bit caller: struct multicall_entry). Under one mutex_trylock() of
 * the VM lock, each page of the list is translated once for writing
 * (pv_fast_gva_to_kva()), its entries read through the kernel's mapping
 * of the page EPT maps there and run by their fast handlers, each result
 * stored there at once. At the first
 * entry that cannot run here (no fast handler, or it declines; an entry
 * across a page boundary; a page the fast walk cannot reach) the batch
 * goes to the slow path, which starts at that entry (@vcpu->pv.mc_done):
 * no entry runs twice. A nested multicall is -EINVAL, as in
 * pv_do_multicall().
 *
 * Return: true if the whole batch ran here.
 */
bool pv_multicall_fast(struct pvx_vcpu *vcpu, const u64 args[5], long *ret)
{
	struct pv_vcpu *pv = &vcpu->pv;
	unsigned long nr = args[1];
	u64 list = args[0];
	unsigned int k, n, ran;

	if (pv->in_multicall) {
		*ret = -XEN_EINVAL;
		return true;
	}
	if (nr > PV_MC_FAST_MAX || !IS_ALIGNED(list, sizeof(u64)) ||
	    !mutex_trylock(&vcpu->vm->lock))
		return false;
	pv->in_multicall = true;
	pv->fast_locked = true;
	for (k = 0; k < nr; k += n) {
		u64 gva = list + k * PV_MC_SIZE;
		/* Whole entries left in this page (0: one straddles it). */
		unsigned int room = (PAGE_SIZE - offset_in_page(gva)) /
				    PV_MC_SIZE;
		void *kva;

		n = min_t(unsigned long, nr - k, room);
		kva = n ? pv_fast_gva_to_kva(vcpu, gva, true, PV_KVA_LIST) :
			  NULL;
		if (!kva)
			break;
		ran = pv_mc_run_fast(vcpu, kva, n);
		if (ran < n) {
			k += ran;
			break;
		}
	}
	pv->fast_locked = false;
	pv->in_multicall = false;
	mutex_unlock(&vcpu->vm->lock);
	if (k == nr) {
		*ret = 0;
		return true;
	}
	pv->mc_done = k;
	pv->mc_list = list;
	return false;
}

/**
 * pv_do_multicall() - __HYPERVISOR_multicall(call_list, nr_calls).
 * @vcpu: the vCPU.
 * @args: [0] the guest-linear address of the entries, [1] their number.
 *
 * Entries are read PV_MC_CHUNK at a time and their results written back
 * after the chunk ran. When pv_multicall_fast() ran the first entries of
 * this VMCALL already, the batch goes on from the first it did not run.
 * An entry whose call ends in userspace (SCHEDOP_shutdown) ends the batch
 * once its result is written: the entries after it do not run.
 *
 * Return: 0 once every entry ran (their results say how each went);
 * -EINVAL inside a multicall, -E2BIG above PV_MULTICALL_MAX entries,
 * -EFAULT if entries cannot be read or results written (the batch stops
 * there).
 */
long pv_do_multicall(struct pvx_vcpu *vcpu, const u64 args[5])
{
	struct multicall_entry chunk[PV_MC_CHUNK];
	bool compat = pv_guest_compat(vcpu);
	size_t size = compat ? PV_MC_COMPAT_SIZE : PV_MC_SIZE;
	unsigned long i, nr = args[1];
	long res[PV_MC_CHUNK], ret = 0;
	unsigned int n, k;
	u64 a[5];

	if (vcpu->pv.in_multicall)
		return -XEN_EINVAL;
	if (nr > PV_MULTICALL_MAX)
		return -XEN_E2BIG;
	/* Entries pv_multicall_fast() ran for this VMCALL already. */
	i = vcpu->pv.mc_list == args[0] ? min_t(unsigned long,
						vcpu->pv.mc_done, nr) : 0;
	vcpu->pv.mc_done = 0;
	vcpu->pv.in_multicall = true;
	for (; i < nr && !vcpu->pv.exit_to_user && !ret; i += n) {
		n = min_t(unsigned long, nr - i, PV_MC_CHUNK);
		ret = pv_copy_from_guest(vcpu, chunk, args[0] + i * size,
					 n * size);
		if (ret)
			break;
		for (k = 0; k < n && !vcpu->pv.exit_to_user; k++) {
			unsigned long op = pv_mc_decode(chunk, k, compat, a);

			res[k] = pv_dispatch(vcpu, op, a);
		}
		ret = pv_mc_write_results(vcpu, args[0], i, k, compat, res);
	}
	vcpu->pv.in_multicall = false;
	return ret;
}
