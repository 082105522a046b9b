/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ept/: guest-physical memory: slots, the EPT tables that map them, and
 * access to guest memory (by guest-physical or guest-linear address).
 */
#ifndef PVX_EPT_H
#define PVX_EPT_H

#include <linux/types.h>
#include <linux/xarray.h>
#include <linux/pvx.h>

struct page;
struct pvx_vcpu;

/**
 * struct ept_slot - one PVX_SET_MEMORY_REGION slot.
 * @base:	guest-physical base.
 * @size:	bytes; 0 for an unused slot.
 * @uaddr:	backing user address in the VM's mm.
 * @flags:	PVX_MEM_*.
 */
struct ept_slot {
	u64 base;
	u64 size;
	u64 uaddr;
	u32 flags;
};

/**
 * struct ept_mem - a VM's guest-physical memory. Changed under the VM lock.
 * @slots:	the slots.
 * @root:	the EPT PML4 table.
 * @eptp:	the EPT pointer (SDM 24.6.11): @root's address, write-back,
 *		4-level walk.
 * @pages_4k:	4 KiB leaves mapped (each pins one page).
 * @pages_2m:	2 MiB leaves mapped (each pins one huge page).
 * @tables:	EPT table pages allocated, the root included.
 * @owned:	pages pvx owns mapped into the guest-physical space (Xen's
 *		shared_info and grant frames), by guest frame number: they
 *		replace RAM (or fill a hole) at that frame, for the guest's
 *		accesses (EPT) and for pvx's own (guest_read_gpa() etc.).
 */
struct ept_mem {
	struct ept_slot slots[PVX_MAX_MEM_SLOTS];
	u64 *root;
	u64 eptp;
	unsigned long pages_4k, pages_2m, tables;
	struct xarray owned;
};

/* What an EPT violation turned out to be. */
enum ept_fault {
	EPT_FAULT_MAPPED,	/* now mapped: re-enter the guest */
	EPT_FAULT_MMIO,		/* no RAM there, or a write to read-only RAM */
};

/* ept.c */
int ept_init(struct ept_mem *m);
void ept_destroy(struct ept_mem *m);
int ept_fault(struct ept_mem *m, u64 gpa, bool write, enum ept_fault *result);
int ept_map_owned(struct ept_mem *m, u64 gfn, struct page *page);
void ept_unmap_owned(struct ept_mem *m, u64 gfn, struct page *page);
void *ept_gpa_to_kva(struct ept_mem *m, u64 gpa, bool write);

/* The page pvx owns that is mapped at @gpa's frame, or NULL (RAM or MMIO). */
static inline struct page *ept_owned_page(struct ept_mem *m, u64 gpa)
{
	if (xa_empty(&m->owned))
		return NULL;
	return xa_load(&m->owned, gpa >> 12);
}

/* ept_slots.c */
int ept_set_region(struct ept_mem *m, const struct pvx_memory_region *r);
const struct ept_slot *ept_find_slot(const struct ept_mem *m, u64 gpa);
void ept_unmap_range(struct ept_mem *m, u64 base, u64 size);

/* guest_mem.c: callers hold the VM lock and run in the VM's mm. */
int guest_read_gpa(struct ept_mem *m, u64 gpa, void *buf, size_t len);
int guest_write_gpa(struct ept_mem *m, u64 gpa, const void *buf, size_t len);
int guest_gva_to_gpa(struct pvx_vcpu *vcpu, u64 gva, bool write, u64 *gpa,
		     u32 *pf_error);
int guest_read_gva(struct pvx_vcpu *vcpu, u64 gva, void *buf, size_t len,
		   u32 *pf_error, u64 *pf_addr);
int guest_write_gva(struct pvx_vcpu *vcpu, u64 gva, const void *buf,
		    size_t len, u32 *pf_error, u64 *pf_addr);

/* mmio.c */
int mmio_decode(struct pvx_vcpu *vcpu, u64 gpa, bool is_write);
void mmio_complete_read(struct pvx_vcpu *vcpu);

#endif /* PVX_EPT_H */
