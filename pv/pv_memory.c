// SPDX-License-Identifier: GPL-2.0
/*
 * __HYPERVISOR_memory_op(cmd, arg): XENMEM_add_to_physmap (Xen's
 * xen/include/public/memory.h), and the guest pages pv/ keeps pinned.
 *
 * The rules: add_to_physmap{domid, size, space, idx, gpfn} puts page @idx
 * of @space at guest frame @gpfn, in place of whatever was there (the RAM
 * behind that frame is hidden, not freed, until the page moves away). The
 * domain must be the caller's own (-EPERM otherwise); each space has a row
 * in a table: XENMAPSPACE_shared_info (idx 0 only) maps the VM's
 * shared_info page, and a new gpfn moves it (the old frame is RAM again);
 * XENMAPSPACE_grant_table maps grant-table frame idx (pv_grant.c);
 * a space without a row is -EOPNOTSUPP. A gpfn beyond the guest-physical
 * space pvx offers (PVX_MAX_GPA) is -EINVAL. A 32-bit guest passes the
 * compat layout (idx and gpfn 32 bits wide). Other commands are -ENOSYS.
 *
 * Pinned guest pages (pv_guest_page_get()) are guest RAM that pv/ reads
 * and writes while the guest runs (a registered vcpu_info, say): pinned
 * in the VM owner's memory as EPT pins RAM, counted in debugfs "live", and
 * released by their holder.
 */
#include <linux/mm.h>

#include "pv.h"
#include "../core/pvx.h"

/* The compat (32-bit guest) layout of struct xen_add_to_physmap. */
struct pv_add_to_physmap_compat {
	u16 domid;
	u16 size;
	u32 space;
	u32 idx;
	u32 gpfn;
};

typedef long (*pv_map_space_fn)(struct pvx_vcpu *vcpu, u64 idx, u64 gfn);

/* XENMAPSPACE_shared_info: the one page, moved to @gfn. */
static long pv_map_shared_info(struct pvx_vcpu *vcpu, u64 idx, u64 gfn)
{
	struct pvx_vm *vm = vcpu->vm;
	struct pv_vm *pv = &vm->pv;
	int r;

	if (idx != 0)
		return -XEN_EINVAL;
	mutex_lock(&vm->lock);
	r = ept_map_owned(&vm->mem, gfn, pv->shared_info);
	if (!r && pv->shared_info_gfn != ~0ULL && pv->shared_info_gfn != gfn)
		ept_unmap_owned(&vm->mem, pv->shared_info_gfn, pv->shared_info);
	if (!r)
		pv->shared_info_gfn = gfn;
	mutex_unlock(&vm->lock);
	if (r)
		return r == -ENOMEM ? -XEN_ENOMEM : -XEN_EINVAL;
	pv_time_fill(vm);	/* the guest reads its clock there at once */
	return 0;
}

/* add_to_physmap, by space (memory.h XENMAPSPACE_*). */
static const pv_map_space_fn pv_map_spaces[] = {
	[XENMAPSPACE_shared_info] = pv_map_shared_info,
	[XENMAPSPACE_grant_table] = pv_grant_map_frame,
};

static int pv_read_add_to_physmap(struct pvx_vcpu *vcpu, u64 gva,
				  struct xen_add_to_physmap *x)
{
	struct pv_add_to_physmap_compat c;
	int r;

	if (!pv_guest_compat(vcpu))
		return pv_copy_from_guest(vcpu, x, gva, sizeof(*x));
	r = pv_copy_from_guest(vcpu, &c, gva, sizeof(c));
	*x = (struct xen_add_to_physmap){ .domid = c.domid, .size = c.size,
					  .space = c.space, .idx = c.idx,
					  .gpfn = c.gpfn };
	return r;
}

static long pv_add_to_physmap(struct pvx_vcpu *vcpu, u64 gva)
{
	struct xen_add_to_physmap x;
	int r = pv_read_add_to_physmap(vcpu, gva, &x);

	if (r)
		return r;
	if (!pv_is_self(&vcpu->vm->pv, x.domid))
		return -XEN_EPERM;
	if (x.space >= ARRAY_SIZE(pv_map_spaces) || !pv_map_spaces[x.space])
		return -XEN_EOPNOTSUPP;
	if (x.gpfn >= PVX_MAX_GPA >> XEN_PAGE_SHIFT)
		return -XEN_EINVAL;
	return pv_map_spaces[x.space](vcpu, x.idx, x.gpfn);
}

/**
 * pv_do_memory_op() - __HYPERVISOR_memory_op(cmd, arg).
 * @vcpu: the vCPU.
 * @args: [0] XENMEM_* (low MEMOP_EXTENT_SHIFT bits), [1] the guest buffer.
 *
 * Return: 0, or -EFAULT, -EPERM, -EINVAL, -EOPNOTSUPP, -ENOMEM, -ENOSYS.
 */
long pv_do_memory_op(struct pvx_vcpu *vcpu, const u64 args[5])
{
	switch (args[0] & MEMOP_CMD_MASK) {
	case XENMEM_add_to_physmap:
		return pv_add_to_physmap(vcpu, args[1]);
	default:
		return -XEN_ENOSYS;
	}
}

/**
 * pv_memory_destroy() - free the shared_info page.
 * @vm: the VM; its EPT is gone.
 */
void pv_memory_destroy(struct pvx_vm *vm)
{
	if (vm->pv.shared_info)
		__free_page(vm->pv.shared_info);
	vm->pv.shared_info = NULL;
}

/**
 * pv_guest_page_get() - pin the guest RAM page at @gfn.
 * @vm: the VM; called from its process (a vCPU thread or the VM owner's
 *	ioctl), holding no spinlock (takes the VM lock).
 * @gfn: the guest frame: RAM of a slot, not a page pvx mapped there.
 * @write: pv/ will write it (a read-only slot is refused).
 * @page: the page, pinned until pv_guest_page_put().
 *
 * Return: 0, -EFAULT (not RAM, read-only for @write, or the owner's memory
 * is gone), -EINVAL (a page pvx owns is at @gfn), or pinning's error.
 */
int pv_guest_page_get(struct pvx_vm *vm, u64 gfn, bool write,
		      struct page **page)
{
	u64 gpa = gfn << XEN_PAGE_SHIFT;
	const struct ept_slot *s;
	unsigned long hva;
	int n, r = 0;

	if (gfn >= PVX_MAX_GPA >> XEN_PAGE_SHIFT || vm->mm != current->mm)
		return -EFAULT;
	mutex_lock(&vm->lock);
	s = ept_find_slot(&vm->mem, gpa);
	if (ept_owned_page(&vm->mem, gpa))
		r = -EINVAL;
	else if (!s || (write && (s->flags & PVX_MEM_READONLY)))
		r = -EFAULT;
	hva = s ? s->uaddr + (gpa - s->base) : 0;
	mutex_unlock(&vm->lock);
	if (r)
		return r;
	n = pin_user_pages_fast(hva, 1, FOLL_LONGTERM | (write ? FOLL_WRITE : 0),
				page);
	if (n != 1)
		return n < 0 ? n : -EFAULT;
	atomic_long_inc(&pvx_live.pinned_pages);
	return 0;
}

/**
 * pv_guest_page_put() - release a page of pv_guest_page_get().
 * @page: the page.
 * @dirty: pv/ wrote to it.
 */
void pv_guest_page_put(struct page *page, bool dirty)
{
	unpin_user_pages_dirty_lock(&page, 1, dirty);
	atomic_long_dec(&pvx_live.pinned_pages);
}
