// SPDX-License-Identifier: GPL-2.0
/*
 * EPT: the guest-physical to host-physical page tables (SDM 29.3).
 *
 * Guest RAM is mapped lazily: the first guest access to a page causes an
 * EPT violation, and ept_fault() pins the backing user page and maps it.
 * Where the backing is a 2 MiB huge page placed at the same offset in the
 * slot's host and guest ranges, one 2 MiB leaf maps it all. A pinned page
 * stays pinned until its slot is deleted or the VM dies.
 *
 * A page pvx owns (Xen's shared_info, a grant frame: pv/) can be mapped at
 * a guest frame instead of what the slots put there (ept_map_owned()). Its
 * leaf carries EPT_OWNED, a bit the CPU ignores: such a leaf is never
 * unpinned (it was never pinned; its owner frees the page after the EPT is
 * gone) and survives the deletion of a slot under it. A 2 MiB leaf over
 * that frame is removed first, and the tables that then hold the frame's
 * 4 KiB leaf keep the rest of that 2 MiB in 4 KiB leaves.
 *
 * Every change or removal of a leaf goes through ept_flush(), which bumps
 * the mapping generation before INVEPT: kernel addresses of guest frames
 * that callers keep (struct ept_kva_cache, filled from the leaves by
 * ept_kva_cache_fill()) are exact while the generation they were taken at
 * holds, since a frame's page stays pinned while a leaf maps it. Adding a
 * leaf changes nothing cached (only mapped frames are cached). The Xen
 * hypercall fast path (pv/pv_hypercall.c) reads the guest's page tables
 * this way: a cached frame costs two compares where ept_gpa_to_kva()
 * walks four EPT levels.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <asm/io.h>
#include <linux/sizes.h>
#include <asm/vmx.h>

#include "ept.h"
#include "../core/pvx.h"

/* Entry bits (SDM Table 29-1 .. 29-6). */
#define EPT_R		VMX_EPT_READABLE_MASK
#define EPT_W		VMX_EPT_WRITABLE_MASK
#define EPT_X		VMX_EPT_EXECUTABLE_MASK
#define EPT_RWX		(EPT_R | EPT_W | EPT_X)
#define EPT_LARGE	(1ULL << 7)
/* Software bit: a page pvx owns. Bits 62:52 of a leaf are ignored (SDM Table 29-6). */
#define EPT_OWNED	(1ULL << 52)
/* Leaves: write-back memory type, guest PAT ignored (RAM is RAM). */
#define EPT_LEAF_WB	((6ULL << VMX_EPT_MT_EPTE_SHIFT) | VMX_EPT_IPAT_BIT)
#define EPT_ADDR_MASK	GENMASK_ULL(51, 12)

#define EPT_LEVELS	4
#define EPT_ENTRIES	512

static const struct ept_hw_ops *ept_hw;

/**
 * ept_register_hw_ops() - the backend's EPT flush, set once at load.
 * @ops: lives as long as the module.
 */
void ept_register_hw_ops(const struct ept_hw_ops *ops)
{
	ept_hw = ops;
}

/*
 * A leaf went away or changed: every CPU drops its cached translations
 * (INVEPT), and kernel addresses cached from the old leaves are stale.
 */
static void ept_flush(struct ept_mem *m)
{
	m->gen++;
	ept_hw->flush_all_cpus(m->eptp);
}

static unsigned int ept_index(u64 gpa, int level)
{
	return (gpa >> (12 + 9 * (level - 1))) & (EPT_ENTRIES - 1);
}

static u64 *ept_table(u64 entry)
{
	return phys_to_virt(entry & EPT_ADDR_MASK);
}

static u64 *ept_alloc_table(struct ept_mem *m)
{
	u64 *t = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);

	if (t) {
		m->tables++;
		atomic_long_inc(&pvx_live.ept_tables);
	}
	return t;
}

/**
 * ept_init() - an empty EPT hierarchy.
 * @m: the VM's memory.
 */
int ept_init(struct ept_mem *m)
{
	m->root = ept_alloc_table(m);
	if (!m->root)
		return -ENOMEM;
	/* EPTP: memory type WB, page-walk length 4 minus 1 (SDM 24.6.11). */
	m->eptp = virt_to_phys(m->root) | VMX_EPTP_MT_WB | VMX_EPTP_PWL_4;
	xa_init(&m->owned);
	m->gen = 1;	/* a zeroed struct ept_kva_cache entry never matches */
	return 0;
}

/* Let go of the page a leaf maps; the guest may have written to it. */
static void ept_release_leaf(struct ept_mem *m, u64 entry, int level)
{
	struct page *page = pfn_to_page((entry & EPT_ADDR_MASK) >> PAGE_SHIFT);

	unpin_user_pages_dirty_lock(&page, 1, entry & EPT_W);
	atomic_long_dec(&pvx_live.pinned_pages);
	if (level == 2)
		m->pages_2m--;
	else
		m->pages_4k--;
}

static void ept_free_table(struct ept_mem *m, u64 *table, int level)
{
	int i;

	for (i = 0; i < EPT_ENTRIES; i++) {
		u64 e = table[i];

		if (!(e & EPT_RWX))
			continue;
		if (level == 1 || (e & EPT_LARGE)) {
			if (!(e & EPT_OWNED))
				ept_release_leaf(m, e, level);
		} else {
			ept_free_table(m, ept_table(e), level - 1);
		}
	}
	free_page((unsigned long)table);
	m->tables--;
	atomic_long_dec(&pvx_live.ept_tables);
}

/**
 * ept_destroy() - unpin every mapped page and free every table.
 * @m: the VM's memory; no vCPU uses it any more.
 */
void ept_destroy(struct ept_mem *m)
{
	if (m->root)
		ept_free_table(m, m->root, EPT_LEVELS);
	m->root = NULL;
	xa_destroy(&m->owned);
}

/*
 * The entry for @gpa at @level (2: 2 MiB, 1: 4 KiB), allocating the tables
 * above it. NULL with -EEXIST when a larger leaf already maps @gpa.
 */
static u64 *ept_entry(struct ept_mem *m, u64 gpa, int level, int *err)
{
	u64 *table = m->root;
	int l;

	for (l = EPT_LEVELS; l > level; l--) {
		u64 *e = &table[ept_index(gpa, l)];

		if (*e & EPT_LARGE) {
			*err = -EEXIST;
			return NULL;
		}
		if (!(*e & EPT_RWX)) {
			u64 *next = ept_alloc_table(m);

			if (!next) {
				*err = -ENOMEM;
				return NULL;
			}
			/* Non-leaf entries grant everything; leaves decide. */
			*e = virt_to_phys(next) | EPT_RWX;
		}
		table = ept_table(*e);
	}
	return &table[ept_index(gpa, level)];
}

/*
 * Does the VM's mm (current's) map the whole 2 MiB around @hva with one
 * PMD leaf, that of the folio at @head? A pinned page of a 2 MiB folio
 * alone does not say so: once the host split the PMD (MADV_DONTNEED,
 * munmap or mprotect of a part), a page of the folio may no longer be what
 * the host has at its address, and a 2 MiB leaf would show the guest stale
 * memory there. The walk is the one of KVM's host_pfn_mapping_level():
 * each entry read once, interrupts off so that no table is freed under it.
 */
static bool ept_host_maps_2m(unsigned long hva, struct page *head)
{
	unsigned long flags;
	bool mapped = false;
	pgd_t pgd;
	p4d_t p4d;
	pud_t pud;
	pmd_t pmd;

	local_irq_save(flags);
	pgd = READ_ONCE(*pgd_offset(current->mm, hva));
	if (pgd_none(pgd))
		goto out;
	p4d = READ_ONCE(*p4d_offset(&pgd, hva));
	if (p4d_none(p4d) || !p4d_present(p4d))
		goto out;
	pud = READ_ONCE(*pud_offset(&p4d, hva));
	if (pud_none(pud) || !pud_present(pud) || pud_large(pud))
		goto out;
	pmd = READ_ONCE(*pmd_offset(&pud, hva));
	mapped = pmd_present(pmd) && pmd_large(pmd) &&
		 pmd_pfn(pmd) == page_to_pfn(head);
out:
	local_irq_restore(flags);
	return mapped;
}

/*
 * May one 2 MiB leaf map the huge page that backs @gpa? The whole 2 MiB
 * must lie in the slot, at the same offset within 2 MiB in guest and host
 * addresses, the pinned page must be part of a 2 MiB folio placed there,
 * and the host must map all of that 2 MiB with that folio.
 */
static bool ept_fits_2m(const struct ept_slot *s, u64 gpa, unsigned long hva,
			struct page *page)
{
	u64 gpa_2m = ALIGN_DOWN(gpa, SZ_2M);
	struct page *head = compound_head(page);

	if ((gpa ^ hva) & (SZ_2M - 1))
		return false;
	if (gpa_2m < s->base || gpa_2m + SZ_2M > s->base + s->size)
		return false;
	if (!PageCompound(page) || compound_order(head) != get_order(SZ_2M))
		return false;
	if (page - head != (hva & (SZ_2M - 1)) >> PAGE_SHIFT)
		return false;
	return ept_host_maps_2m(hva, head);
}

/* Pin the page behind @hva in the current (the VM's) mm. */
static int ept_pin(unsigned long hva, bool writable, struct page **page)
{
	unsigned int gup = FOLL_LONGTERM | (writable ? FOLL_WRITE : 0);
	int n = pin_user_pages_fast(hva & PAGE_MASK, 1, gup, page);

	if (n == 1)
		return 0;
	return n < 0 ? n : -EFAULT;
}

/*
 * Pages mapped ahead of a 4 KiB fault, up to the end of its aligned 64 KiB
 * block (Linux's fault_around_bytes): a guest that touches memory in
 * order takes one EPT violation per block instead of one per page, and
 * the host faults the block's pages in with one pin_user_pages_fast().
 */
#define EPT_FAULT_AROUND	16

/*
 * Map the unmapped pages after @gpa in its block and slot. @e is @gpa's
 * leaf: the block's leaves follow it in the same EPT table. Best effort:
 * a page that cannot be pinned is left to its own fault.
 */
static void ept_fault_around(struct ept_mem *m, const struct ept_slot *s,
			     u64 gpa, bool writable, u64 *e)
{
	u64 end = min(ALIGN_DOWN(gpa, EPT_FAULT_AROUND * PAGE_SIZE) +
		      EPT_FAULT_AROUND * PAGE_SIZE, s->base + s->size);
	unsigned int gup = FOLL_LONGTERM | (writable ? FOLL_WRITE : 0);
	struct page *pages[EPT_FAULT_AROUND];
	int i, n = (end - gpa) / PAGE_SIZE - 1;

	if (n <= 0)
		return;
	n = pin_user_pages_fast(s->uaddr + (gpa - s->base) + PAGE_SIZE, n,
				gup, pages);
	for (i = 0; i < n; i++) {
		u64 *leaf = e + 1 + i;

		if (*leaf & EPT_RWX) {
			unpin_user_page(pages[i]);
			continue;
		}
		*leaf = (page_to_pfn(pages[i]) << PAGE_SHIFT) | EPT_R | EPT_X |
			(writable ? EPT_W : 0) | EPT_LEAF_WB;
		m->pages_4k++;
		atomic_long_inc(&pvx_live.pinned_pages);
	}
}

/*
 * The 4 KiB leaf for @gpa, its tables allocated: a 2 MiB leaf over @gpa
 * is removed first (its pin released; the rest of its range faults back
 * in 4 KiB pages, since the new table stays). *@flush is set when a
 * present leaf went away: cached translations must then be invalidated.
 */
static u64 *ept_entry_4k(struct ept_mem *m, u64 gpa, bool *flush, int *err)
{
	u64 *e = ept_entry(m, gpa, 1, err), *pde;

	if (e || *err != -EEXIST)
		return e;
	pde = ept_entry(m, gpa, 2, err);
	if (!pde)
		return NULL;
	ept_release_leaf(m, *pde, 2);
	*pde = 0;
	*flush = true;
	return ept_entry(m, gpa, 1, err);
}

/* Map @page, which pvx owns, at @gpa's frame in place of anything there. */
static int ept_install_owned(struct ept_mem *m, u64 gpa, struct page *page)
{
	u64 leaf = page_to_phys(page) | EPT_RWX | EPT_LEAF_WB | EPT_OWNED;
	bool flush = false;
	int r = 0;
	u64 *e = ept_entry_4k(m, gpa, &flush, &r);

	if (e && *e != leaf && (*e & EPT_RWX)) {
		if (!(*e & EPT_OWNED))
			ept_release_leaf(m, *e, 1);
		flush = true;
	}
	if (e)
		*e = leaf;
	if (flush)
		ept_flush(m);
	return e ? 0 : r;
}

/**
 * ept_map_owned() - map a page pvx owns at guest frame @gfn.
 * @m: the VM's memory, under the VM lock.
 * @gfn: the guest frame; RAM there is hidden (and unpinned) until
 *	ept_unmap_owned(), a hole is filled.
 * @page: the page; its owner keeps it until ept_destroy() (or until it
 *	unmapped it), and never gets it back from EPT code.
 *
 * Another owned page at @gfn is replaced: its owner's later
 * ept_unmap_owned() of it is then a no-op.
 *
 * Return: 0, -EINVAL for a frame beyond PVX_MAX_GPA, -ENOMEM.
 */
int ept_map_owned(struct ept_mem *m, u64 gfn, struct page *page)
{
	int r;

	if (gfn >= PVX_MAX_GPA >> PAGE_SHIFT)
		return -EINVAL;
	r = xa_err(xa_store(&m->owned, gfn, page, GFP_KERNEL_ACCOUNT));
	if (r)
		return r;
	r = ept_install_owned(m, gfn << PAGE_SHIFT, page);
	if (r)
		xa_erase(&m->owned, gfn);
	return r;
}

/**
 * ept_unmap_owned() - take @page away from guest frame @gfn.
 * @m: the VM's memory, under the VM lock.
 * @gfn: the frame; RAM of a slot there faults back in at the next access.
 * @page: the page mapped there; if another is (or none), nothing changes.
 */
void ept_unmap_owned(struct ept_mem *m, u64 gfn, struct page *page)
{
	int r = 0;
	u64 *e;

	if (xa_load(&m->owned, gfn) != page)
		return;
	xa_erase(&m->owned, gfn);
	/* The owned leaf sits in 4 KiB tables: nothing is allocated here. */
	e = ept_entry(m, gfn << PAGE_SHIFT, 1, &r);
	if (e && (*e & EPT_OWNED)) {
		*e = 0;
		ept_flush(m);
	}
}

/* The present leaf that maps @gpa and its *@level, or 0 (none yet). */
static u64 ept_leaf(struct ept_mem *m, u64 gpa, int *level)
{
	u64 *table = m->root, e = 0;
	int l;

	for (l = EPT_LEVELS; l >= 1; l--) {
		e = READ_ONCE(table[ept_index(gpa, l)]);
		if (!(e & EPT_RWX))
			return 0;
		if (l == 1 || (e & EPT_LARGE))
			break;
		table = ept_table(e);
	}
	*level = l;
	return e;
}

/* The kernel's address of @gpa's byte in the page that leaf @e maps. */
static void *ept_leaf_kva(u64 e, int level, u64 gpa)
{
	u64 mask = (1ULL << (12 + 9 * (level - 1))) - 1;

	return phys_to_virt((e & EPT_ADDR_MASK & ~mask) | (gpa & mask));
}

/**
 * ept_gpa_to_kva() - the kernel's address of the guest page EPT maps.
 * @m: the VM's memory, under the VM lock (leaves change only under it).
 * @gpa: a guest-physical address.
 * @write: the caller will write: the leaf must let the guest write.
 *
 * The page is what the guest sees at @gpa (a pinned RAM page, or a page
 * pvx owns), so pvx reads and writes it without going through the VM
 * owner's page tables.
 *
 * Return: the address of @gpa's byte, good to the end of its 4 KiB page
 * while the lock is held; NULL if EPT maps nothing there yet (or read-only
 * for @write).
 */
void *ept_gpa_to_kva(struct ept_mem *m, u64 gpa, bool write)
{
	int l = 1;
	u64 e = ept_leaf(m, gpa, &l);

	if (!e || (write && !(e & EPT_W)))
		return NULL;
	return ept_leaf_kva(e, l, gpa);
}

/**
 * ept_kva_cache_fill() - ept_kva_cached()'s miss: look @gpa's frame up in
 * EPT and remember it in @c (in place of what it held).
 * @m: the VM's memory, under the VM lock.
 * @c: the cache.
 * @gpa: a guest-physical address.
 * @write: the caller will write.
 *
 * Return: as ept_kva_cached(); a frame EPT does not map is not cached
 * (@c keeps what it held).
 */
void *ept_kva_cache_fill(struct ept_mem *m, struct ept_kva_cache *c, u64 gpa,
			 bool write)
{
	int l = 1;
	u64 e = ept_leaf(m, gpa, &l);

	if (!e)
		return NULL;
	c->gfn = gpa >> PAGE_SHIFT;
	c->gen = m->gen;
	c->kva = ept_leaf_kva(e, l, gpa & PAGE_MASK);
	c->writable = e & EPT_W;
	if (write && !c->writable)
		return NULL;
	return c->kva + offset_in_page(gpa);
}

/**
 * ept_fault() - resolve an EPT violation at @gpa.
 * @m: the VM's memory, under the VM lock, in the VM's mm.
 * @gpa: the faulting guest-physical address.
 * @write: the access was a write.
 * @result: EPT_FAULT_MAPPED or EPT_FAULT_MMIO.
 *
 * A 4 KiB mapping also maps the pages that follow in its 64 KiB block
 * (ept_fault_around()).
 *
 * Return: 0, or -EFAULT/-ENOMEM when the backing page cannot be pinned.
 */
int ept_fault(struct ept_mem *m, u64 gpa, bool write, enum ept_fault *result)
{
	const struct ept_slot *s = ept_find_slot(m, gpa);
	bool writable = s && !(s->flags & PVX_MEM_READONLY);
	struct page *page;
	unsigned long hva;
	int level = 1, r;
	u64 *e, pfn;

	page = ept_owned_page(m, gpa);
	if (unlikely(page)) {
		*result = EPT_FAULT_MAPPED;
		return ept_install_owned(m, gpa, page);
	}
	*result = EPT_FAULT_MMIO;
	if (!s || (write && !writable))
		return 0;
	*result = EPT_FAULT_MAPPED;

	hva = s->uaddr + (gpa - s->base);
	r = ept_pin(hva, writable, &page);
	if (r)
		return r;
	pfn = page_to_pfn(page);
	if (ept_fits_2m(s, gpa, hva, page)) {
		level = 2;
		pfn = page_to_pfn(compound_head(page));
	}
	e = ept_entry(m, gpa, level, &r);
	if (e && level == 2 && (*e & EPT_RWX) && !(*e & EPT_LARGE)) {
		/* 4 KiB pages of this 2 MiB are mapped already: stay small. */
		level = 1;
		pfn = page_to_pfn(page);
		e = ept_entry(m, gpa, level, &r);
	}
	if (!e || (*e & EPT_RWX)) {
		/* Another vCPU mapped it first: nothing left to do. */
		unpin_user_page(page);
		return r == -ENOMEM ? r : 0;
	}
	*e = (pfn << PAGE_SHIFT) | EPT_R | EPT_X | (writable ? EPT_W : 0) |
	     EPT_LEAF_WB | (level == 2 ? EPT_LARGE : 0);
	if (level == 2)
		m->pages_2m++;
	else
		m->pages_4k++;
	atomic_long_inc(&pvx_live.pinned_pages);
	if (level == 1)
		ept_fault_around(m, s, gpa, writable, e);
	return 0;
}

/* Clear the leaves of [gpa, end) in @table at @level; frees no table. */
static void ept_unmap_table(struct ept_mem *m, u64 *table, int level, u64 gpa,
			    u64 end)
{
	u64 span = 1ULL << (12 + 9 * (level - 1));

	for (; gpa < end; gpa = ALIGN_DOWN(gpa, span) + span) {
		u64 *e = &table[ept_index(gpa, level)];

		if (!(*e & EPT_RWX) || (*e & EPT_OWNED))
			continue;
		if (level == 1 || (*e & EPT_LARGE)) {
			ept_release_leaf(m, *e, level);
			*e = 0;
		} else {
			ept_unmap_table(m, ept_table(*e), level - 1, gpa,
					min(end, ALIGN_DOWN(gpa, span) + span));
		}
	}
}

/**
 * ept_unmap_range() - unmap and unpin guest-physical [@base, @base + @size).
 * @m: the VM's memory, under the VM lock.
 * @base: slot base, 2 MiB leaves never straddle a slot's edges.
 * @size: bytes.
 *
 * Every CPU's cached translations of this EPT are flushed afterwards.
 */
void ept_unmap_range(struct ept_mem *m, u64 base, u64 size)
{
	ept_unmap_table(m, m->root, EPT_LEVELS, base, base + size);
	ept_flush(m);
}
