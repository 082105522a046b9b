// SPDX-License-Identifier: GPL-2.0
/*
 * Reading and writing guest memory from the kernel: by guest-physical
 * address through the slots (the backing is user memory of the VM's mm),
 * and by guest-linear address through the guest's own page tables.
 *
 * Used off the hot path only: instruction fetch for MMIO, string I/O, the
 * PAE PDPTEs, Xen hypercall buffers. Callers hold the VM lock and run in
 * the VM's process. A page pvx owns mapped at a guest frame (ept.c)
 * stands for that frame here as in EPT.
 */
#include <linux/mm.h>
#include <linux/uaccess.h>
#include <asm/processor-flags.h>
#include <asm/msr-index.h>
#include <asm/vmx.h>

#include "ept.h"
#include "../core/pvx.h"
#include "../vmx/vmx_ops.h"

/* The user address of @gpa, with the bytes left in its page and slot. */
static void __user *guest_hva(struct ept_mem *m, u64 gpa, size_t *room,
			      bool write)
{
	const struct ept_slot *s = ept_find_slot(m, gpa);

	if (!s || (write && (s->flags & PVX_MEM_READONLY)))
		return NULL;
	*room = min_t(u64, PAGE_SIZE - offset_in_page(gpa),
		      s->base + s->size - gpa);
	return (void __user *)(unsigned long)(s->uaddr + gpa - s->base);
}

/*
 * Copy one piece (within a page) between @buf and guest-physical @gpa.
 * Where EPT maps the frame, the page it maps is what the guest sees (a
 * pinned RAM page, or a page pvx owns: ept_map_owned(), which always has
 * its leaf), copied through the kernel's mapping; else the slot's RAM
 * through the VM owner's.
 */
static int guest_copy_gpa_page(struct ept_mem *m, u64 gpa, void *buf,
			       size_t *len, bool write)
{
	void *kaddr = ept_gpa_to_kva(m, gpa, write);
	void __user *p;
	size_t room;

	if (kaddr) {
		*len = min_t(size_t, *len, PAGE_SIZE - offset_in_page(gpa));
		if (write)
			memcpy(kaddr, buf, *len);
		else
			memcpy(buf, kaddr, *len);
		return 0;
	}
	p = guest_hva(m, gpa, &room, write);
	*len = min(*len, room);
	if (!p)
		return -EFAULT;
	if (write ? copy_to_user(p, buf, *len) : copy_from_user(buf, p, *len))
		return -EFAULT;
	return 0;
}

static int guest_copy_gpa(struct ept_mem *m, u64 gpa, void *buf, size_t len,
			  bool write)
{
	while (len) {
		size_t n = len;

		if (guest_copy_gpa_page(m, gpa, buf, &n, write))
			return -EFAULT;
		gpa += n;
		buf += n;
		len -= n;
	}
	return 0;
}

/**
 * guest_read_gpa() - copy @len bytes of guest memory at @gpa into @buf.
 *
 * Return: 0, or -EFAULT if any byte is neither RAM nor a page pvx mapped.
 */
int guest_read_gpa(struct ept_mem *m, u64 gpa, void *buf, size_t len)
{
	return guest_copy_gpa(m, gpa, buf, len, false);
}

/**
 * guest_write_gpa() - copy @len bytes from @buf into guest memory at @gpa.
 *
 * Return: 0, or -EFAULT if any byte is neither writable RAM nor a page
 * pvx mapped.
 */
int guest_write_gpa(struct ept_mem *m, u64 gpa, const void *buf, size_t len)
{
	return guest_copy_gpa(m, gpa, (void *)buf, len, true);
}

/* Page-fault error code bits (SDM 4.7). */
#define PF_PRESENT	(1U << 0)
#define PF_WRITE	(1U << 1)
#define PF_USER		(1U << 2)

#define PTE_P		(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_US		(1ULL << 2)
#define PTE_PS		(1ULL << 7)

/* How the guest translates linear addresses now (SDM 4.1). */
struct guest_paging {
	int levels;		/* table levels below CR3 (or the PDPTE) */
	int entry_size;		/* 4 or 8 bytes */
	u64 addr_mask;		/* address bits of an entry */
	bool large_ok;		/* PS bit honored at the PDE level */
};

/* One table entry at @table_gpa, index @i. */
static int guest_entry(struct pvx_vcpu *vcpu, u64 table_gpa, unsigned int i,
		       int size, u64 *e)
{
	*e = 0;
	return guest_read_gpa(&vcpu->vm->mem, table_gpa + i * size, e, size);
}

/*
 * Walk from @table down @levels levels. Index bits per level: 10 for
 * 32-bit paging, 9 otherwise; a PS bit at a PDE (or PDPTE in 4-level
 * paging) ends the walk with a large page.
 */
static int guest_walk(struct pvx_vcpu *vcpu, const struct guest_paging *pg,
		      u64 table, u64 gva, bool write, u64 *gpa, u32 *err)
{
	int bits = pg->entry_size == 4 ? 10 : 9;
	bool user = ((vmcs_read32(GUEST_SS_AR_BYTES) >> 5) & 3) == 3;
	bool wp = vmcs_read(GUEST_CR0) & X86_CR0_WP;
	int level;
	u64 e = 0;

	*err = (write ? PF_WRITE : 0) | (user ? PF_USER : 0);
	for (level = pg->levels; level >= 1; level--) {
		int shift = 12 + bits * (level - 1);
		unsigned int i = (gva >> shift) & ((1U << bits) - 1);

		if (guest_entry(vcpu, table, i, pg->entry_size, &e))
			return -EFAULT;
		if (!(e & PTE_P))
			return -EFAULT;
		if ((write && !(e & PTE_RW) && (user || wp)) ||
		    (user && !(e & PTE_US))) {
			*err |= PF_PRESENT;
			return -EFAULT;
		}
		/* PS: a 1 GiB PDPTE (4-level only) or a 2/4 MiB PDE. */
		if ((e & PTE_PS) &&
		    ((level == 2 && pg->large_ok) || level == 3)) {
			u64 mask = (1ULL << shift) - 1;

			*gpa = ((e & pg->addr_mask) & ~mask) | (gva & mask);
			return 0;
		}
		table = e & pg->addr_mask;
	}
	*gpa = table | (gva & (PAGE_SIZE - 1));
	return 0;
}

/**
 * guest_gva_to_gpa() - translate a guest-linear address as the guest would.
 * @vcpu: the vCPU, loaded.
 * @gva: linear address.
 * @write: translate for a write.
 * @gpa: the result.
 * @pf_error: on failure, the #PF error code the guest should see.
 *
 * Return: 0, or -EFAULT for a guest page fault.
 */
int guest_gva_to_gpa(struct pvx_vcpu *vcpu, u64 gva, bool write, u64 *gpa,
		     u32 *pf_error)
{
	unsigned long cr0 = vmcs_read(GUEST_CR0), cr4 = vmcs_read(GUEST_CR4);
	u64 cr3 = vmcs_read(GUEST_CR3), efer = vmcs_read64(GUEST_IA32_EFER);
	struct guest_paging pg;
	u64 pdpte;

	*pf_error = 0;
	if (!(cr0 & X86_CR0_PG)) {
		*gpa = (efer & EFER_LMA) ? gva : (u32)gva;
		return 0;
	}
	if (efer & EFER_LMA) {
		pg = (struct guest_paging){ 4, 8, GENMASK_ULL(51, 12), true };
		return guest_walk(vcpu, &pg, cr3 & pg.addr_mask, gva, write,
				  gpa, pf_error);
	}
	if (cr4 & X86_CR4_PAE) {
		/* PAE: the four PDPTEs live in the VMCS (SDM 28.3.1.6). */
		pdpte = vmcs_read64(GUEST_PDPTR0 + 2 * ((gva >> 30) & 3));
		if (!(pdpte & PTE_P))
			return -EFAULT;
		pg = (struct guest_paging){ 2, 8, GENMASK_ULL(51, 12), true };
		return guest_walk(vcpu, &pg, pdpte & pg.addr_mask, (u32)gva,
				  write, gpa, pf_error);
	}
	pg = (struct guest_paging){ 2, 4, GENMASK_ULL(31, 12),
				    !!(cr4 & X86_CR4_PSE) };
	return guest_walk(vcpu, &pg, cr3 & pg.addr_mask, (u32)gva, write, gpa,
			  pf_error);
}

/* Copy between guest-linear memory and @buf, a page at a time. */
static int guest_copy_gva(struct pvx_vcpu *vcpu, u64 gva, void *buf,
			  size_t len, bool write, u32 *pf_error, u64 *pf_addr)
{
	while (len) {
		size_t n = min_t(size_t, len, PAGE_SIZE - offset_in_page(gva));
		u64 gpa;
		int r;

		r = guest_gva_to_gpa(vcpu, gva, write, &gpa, pf_error);
		if (r) {
			*pf_addr = gva;
			return r;
		}
		r = write ? guest_write_gpa(&vcpu->vm->mem, gpa, buf, n) :
			    guest_read_gpa(&vcpu->vm->mem, gpa, buf, n);
		if (r)
			return -ENXIO;	/* not RAM: the caller's problem */
		gva += n;
		buf += n;
		len -= n;
	}
	return 0;
}

/**
 * guest_read_gva() - read guest memory by linear address.
 *
 * Return: 0; -EFAULT for a guest page fault (@pf_error, @pf_addr set);
 * -ENXIO when the translation leads outside RAM.
 */
int guest_read_gva(struct pvx_vcpu *vcpu, u64 gva, void *buf, size_t len,
		   u32 *pf_error, u64 *pf_addr)
{
	return guest_copy_gva(vcpu, gva, buf, len, false, pf_error, pf_addr);
}

/**
 * guest_write_gva() - write guest memory by linear address.
 *
 * Return: as guest_read_gva().
 */
int guest_write_gva(struct pvx_vcpu *vcpu, u64 gva, const void *buf,
		    size_t len, u32 *pf_error, u64 *pf_addr)
{
	return guest_copy_gva(vcpu, gva, (void *)buf, len, true, pf_error,
			      pf_addr);
}
