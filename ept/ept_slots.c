// SPDX-License-Identifier: GPL-2.0
/*
 * Memory slots: which guest-physical ranges are RAM, and where in the VM
 * owner's address space that RAM lives.
 */
#include <linux/mm.h>
#include <linux/uaccess.h>

#include "ept.h"

/**
 * ept_find_slot() - the slot that holds @gpa, or NULL (MMIO).
 * @m: the VM's memory.
 * @gpa: guest-physical address.
 */
const struct ept_slot *ept_find_slot(const struct ept_mem *m, u64 gpa)
{
	int i;

	for (i = 0; i < PVX_MAX_MEM_SLOTS; i++) {
		const struct ept_slot *s = &m->slots[i];

		if (s->size && gpa - s->base < s->size)
			return s;
	}
	return NULL;
}

/* The ABI's rules for a new slot (uapi/linux/pvx.h). */
static int ept_check_region(const struct pvx_memory_region *r)
{
	u64 end = r->guest_phys_addr + r->memory_size;

	if (!PAGE_ALIGNED(r->guest_phys_addr) || !PAGE_ALIGNED(r->memory_size) ||
	    !PAGE_ALIGNED(r->userspace_addr))
		return -EINVAL;
	if (end < r->guest_phys_addr || end > PVX_MAX_GPA)
		return -EINVAL;
	if (r->userspace_addr + r->memory_size < r->userspace_addr ||
	    !access_ok((void __user *)(unsigned long)r->userspace_addr,
		       r->memory_size))
		return -EINVAL;
	return 0;
}

static bool ept_overlaps(const struct ept_mem *m,
			 const struct pvx_memory_region *r)
{
	int i;

	for (i = 0; i < PVX_MAX_MEM_SLOTS; i++) {
		const struct ept_slot *s = &m->slots[i];

		if (s->size && r->guest_phys_addr < s->base + s->size &&
		    s->base < r->guest_phys_addr + r->memory_size)
			return true;
	}
	return false;
}

/* The user range must be mapped now: find_vma over the whole range. */
static int ept_check_mapped(u64 uaddr, u64 size)
{
	struct mm_struct *mm = current->mm;
	u64 end = uaddr + size;
	int r = 0;

	mmap_read_lock(mm);
	while (uaddr < end) {
		struct vm_area_struct *vma = find_vma(mm, uaddr);

		if (!vma || vma->vm_start > uaddr) {
			r = -EFAULT;
			break;
		}
		uaddr = vma->vm_end;
	}
	mmap_read_unlock(mm);
	return r;
}

/**
 * ept_set_region() - PVX_SET_MEMORY_REGION: create or delete a slot.
 * @m: the VM's memory, under the VM lock, in the VM's mm.
 * @r: the request, copied from userspace.
 *
 * Return: 0 or the errno the ABI documents.
 */
int ept_set_region(struct ept_mem *m, const struct pvx_memory_region *r)
{
	struct ept_slot *s;
	int err;

	if (r->flags & ~PVX_MEM_READONLY || r->slot >= PVX_MAX_MEM_SLOTS)
		return -EINVAL;
	s = &m->slots[r->slot];
	if (!r->memory_size) {
		if (!s->size)
			return -EINVAL;
		ept_unmap_range(m, s->base, s->size);
		memset(s, 0, sizeof(*s));
		return 0;
	}
	err = ept_check_region(r);
	if (err)
		return err;
	if (s->size)
		return -EEXIST;
	if (ept_overlaps(m, r))
		return -EBUSY;
	err = ept_check_mapped(r->userspace_addr, r->memory_size);
	if (err)
		return err;
	s->base = r->guest_phys_addr;
	s->size = r->memory_size;
	s->uaddr = r->userspace_addr;
	s->flags = r->flags;
	return 0;
}
