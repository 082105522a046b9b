/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ept/: guest-physical memory: slots, the EPT tables that map them, and
 * access to guest memory by guest-physical address.
 *
 * Layering: called by core/ (slots, VM life) and by vmx/ and x86/ (faults,
 * guest memory); ept/ calls nothing above it. The one thing it needs from
 * the virtualization backend, flushing cached EPT translations on every
 * CPU, comes through struct ept_hw_ops, which vmx/ registers at load.
 */
#ifndef PVX_EPT_H
#define PVX_EPT_H

#include <linux/mm.h>
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
 * @gen:	the mapping generation: bumped (under the VM lock, before the
 *		page is unpinned) whenever a leaf goes away or changes, never
 *		when one is added. A kernel address cached with an older
 *		value may name a page the guest no longer sees there
 *		(struct ept_kva_cache).
 */
struct ept_mem {
	struct ept_slot slots[PVX_MAX_MEM_SLOTS];
	u64 *root;
	u64 eptp;
	unsigned long pages_4k, pages_2m, tables;
	struct xarray owned;
	u64 gen;
};

/**
 * struct ept_kva_cache - one guest frame and the kernel address of the
 * page EPT maps there (KVM's gfn_to_hva_cache idea, for the kernel's
 * mapping): its user keeps one per role, e.g. a vCPU one per level of the
 * guest's page walk, so that walk after walk hits.
 * @gfn:	the guest frame.
 * @gen:	struct ept_mem's @gen when filled; 0 never matches.
 * @kva:	the kernel's address of the frame's first byte.
 * @writable:	the leaf lets the guest write the frame.
 *
 * Only what EPT maps is cached, so an entry is exact while @gen holds:
 * the page stays pinned (or owned) and mapped there until a leaf changes,
 * which bumps the generation. Use it under the VM lock. It caches a
 * guest-physical frame only: where a guest-linear address goes is the
 * guest's page tables' business, which the guest changes without an exit.
 */
struct ept_kva_cache {
	u64 gfn;
	u64 gen;
	u8 *kva;
	bool writable;
};

/* What an EPT violation turned out to be. */
enum ept_fault {
	EPT_FAULT_MAPPED,	/* now mapped: re-enter the guest */
	EPT_FAULT_MMIO,		/* no RAM there, or a write to read-only RAM */
};

/**
 * struct ept_hw_ops - what ept/ needs from the CPU backend.
 * @flush_all_cpus: drop every CPU's cached translations of @eptp
 *		(INVEPT); returns once no CPU can use the old mappings.
 */
struct ept_hw_ops {
	void (*flush_all_cpus)(u64 eptp);
};

/* ept.c */
void ept_register_hw_ops(const struct ept_hw_ops *ops);
int ept_init(struct ept_mem *m);
void ept_destroy(struct ept_mem *m);
int ept_fault(struct ept_mem *m, u64 gpa, bool write, enum ept_fault *result);
int ept_map_owned(struct ept_mem *m, u64 gfn, struct page *page);
void ept_unmap_owned(struct ept_mem *m, u64 gfn, struct page *page);
void *ept_gpa_to_kva(struct ept_mem *m, u64 gpa, bool write);
void *ept_kva_cache_fill(struct ept_mem *m, struct ept_kva_cache *c, u64 gpa,
			 bool write);

/**
 * ept_kva_cached() - ept_gpa_to_kva() through a one-frame cache.
 * @m: the VM's memory, under the VM lock (a mutex_trylock() will do).
 * @c: the caller's cache.
 * @gpa: a guest-physical address.
 * @write: the caller will write.
 *
 * Return: the kernel address of @gpa's byte, good to the end of its 4 KiB
 * page while the lock is held; NULL where EPT maps nothing yet (or
 * read-only for @write).
 */
static inline void *ept_kva_cached(struct ept_mem *m, struct ept_kva_cache *c,
				   u64 gpa, bool write)
{
	if (likely(c->gfn == gpa >> PAGE_SHIFT && c->gen == m->gen &&
		   (c->writable || !write)))
		return c->kva + offset_in_page(gpa);
	return ept_kva_cache_fill(m, c, gpa, write);
}

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
bool guest_gpa_is_ram(struct ept_mem *m, u64 gpa, bool write);

#endif /* PVX_EPT_H */
