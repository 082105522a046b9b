// SPDX-License-Identifier: LGPL-2.1
/*
 * libpvx: the tables a mode needs in guest memory: the GDT (built from the
 * very segment state the vCPU gets, so that a guest reloading a selector
 * loads what it already has), the TSS, and identity-mapping page tables.
 */
#include <errno.h>
#include <string.h>

#include "libpvx.h"
#include "libpvx_x86.h"

#define GIB			(1ULL << 30)
#define HUGE_PAGE		(2ULL << 20)

uint64_t pvx_segment_descriptor(const struct pvx_segment *seg)
{
	uint64_t limit = seg->g ? seg->limit >> 12 : seg->limit;

	return (limit & 0xffff) |
	       (seg->base & 0xffffff) << 16 |
	       (uint64_t)(seg->type & 0xf) << 40 |
	       (uint64_t)(seg->s & 1) << 44 |
	       (uint64_t)(seg->dpl & 3) << 45 |
	       (uint64_t)(seg->present & 1) << 47 |
	       ((limit >> 16) & 0xf) << 48 |
	       (uint64_t)(seg->avl & 1) << 52 |
	       (uint64_t)(seg->l & 1) << 53 |
	       (uint64_t)(seg->db & 1) << 54 |
	       (uint64_t)(seg->g & 1) << 55 |
	       ((seg->base >> 24) & 0xff) << 56;
}

/*
 * Put @nr descriptors at @seg's selector in @gdt (@size bytes). A slot
 * already holding something else is a conflict.
 */
static int gdt_put(uint8_t *gdt, uint32_t size, const struct pvx_segment *seg,
		   const uint64_t *desc, unsigned int nr)
{
	uint32_t off = seg->selector & ~7u;

	/* A GDT selector (TI = 0) other than the null one, inside the limit. */
	if ((seg->selector & 4) || !off || off + 8 * nr > size)
		return -EINVAL;
	for (unsigned int i = 0; i < nr; i++) {
		uint64_t old;

		memcpy(&old, gdt + off + 8 * i, 8);
		if (old && old != desc[i])
			return -EINVAL;
		memcpy(gdt + off + 8 * i, &desc[i], 8);
	}
	return 0;
}

int pvx_write_gdt(struct pvx_memmap *mm, const struct pvx_sregs *s)
{
	const struct pvx_segment *segs[] = {
		&s->cs, &s->ss, &s->ds, &s->es, &s->fs, &s->gs,
	};
	uint32_t size = (uint32_t)s->gdt.limit + 1;
	uint8_t *gdt = pvx_gpa_to_host(mm, s->gdt.base, size);
	uint64_t tss[2];
	int r = 0;

	if (!gdt)
		return -EFAULT;
	memset(gdt, 0, size);		/* entry 0 is the null descriptor */
	for (unsigned int i = 0; !r && i < sizeof(segs) / sizeof(segs[0]); i++) {
		uint64_t desc = pvx_segment_descriptor(segs[i]);

		if (!segs[i]->unusable)
			r = gdt_put(gdt, size, segs[i], &desc, 1);
	}
	if (r || s->tr.unusable)
		return r;
	/* A system descriptor is 16 bytes in IA-32e mode (SDM 7.2.3). */
	tss[0] = pvx_segment_descriptor(&s->tr);
	tss[1] = s->tr.base >> 32;
	return gdt_put(gdt, size, &s->tr, tss, s->efer & X86_EFER_LMA ? 2 : 1);
}

/*
 * The accessed and dirty flags are set in advance: the CPU then never
 * writes to the tables on a walk (SDM 4.8), so they may sit in a slot the
 * guest cannot write.
 */
static int write_table(struct pvx_memmap *mm, uint64_t gpa,
		       uint64_t (*entry)(unsigned int i, unsigned int arg),
		       unsigned int nr, unsigned int arg)
{
	uint64_t *t = pvx_gpa_to_host(mm, gpa, X86_PAGE_SIZE);

	if (!t)
		return -EFAULT;
	memset(t, 0, X86_PAGE_SIZE);
	for (unsigned int i = 0; i < nr; i++)
		t[i] = entry(i, arg);
	return 0;
}

static uint64_t pml4e(unsigned int i, unsigned int arg)
{
	(void)i;
	(void)arg;
	return PVX_PDPT_GPA | X86_PTE_P | X86_PTE_RW | X86_PTE_A;
}

static uint64_t pdpte(unsigned int i, unsigned int arg)
{
	(void)arg;
	return (PVX_PD_GPA + i * X86_PAGE_SIZE) | X86_PTE_P | X86_PTE_RW |
	       X86_PTE_A;
}

/* Entry @i of the page directory for GiB @gib: a 2 MiB page (PS = 1). */
static uint64_t pde(unsigned int i, unsigned int gib)
{
	return (gib * GIB + i * HUGE_PAGE) | X86_PTE_P | X86_PTE_RW |
	       X86_PTE_A | X86_PTE_D | X86_PTE_PS;
}

int pvx_write_page_tables(struct pvx_memmap *mm, unsigned int gib)
{
	int r;

	if (!gib || gib > PVX_MAP_MAX_GIB)
		return -E2BIG;
	r = write_table(mm, PVX_PML4_GPA, pml4e, 1, 0);
	if (!r)
		r = write_table(mm, PVX_PDPT_GPA, pdpte, gib, 0);
	for (unsigned int i = 0; !r && i < gib; i++)
		r = write_table(mm, PVX_PD_GPA + i * X86_PAGE_SIZE, pde,
				X86_PTES_PER_PAGE, i);
	return r;
}

/* The TSS that TR points at: zeroed, so no I/O bitmap and no stacks. */
static int write_tss(struct pvx_memmap *mm, const struct pvx_segment *tr)
{
	void *tss = pvx_gpa_to_host(mm, tr->base, (uint64_t)tr->limit + 1);

	if (!tss)
		return -EFAULT;
	memset(tss, 0, (size_t)tr->limit + 1);
	return 0;
}

int pvx_mode_write_tables(struct pvx_memmap *mm, enum pvx_mode mode,
			  uint64_t map_bytes)
{
	uint64_t gib = map_bytes / GIB + !!(map_bytes % GIB);
	struct pvx_sregs s;
	struct pvx_regs r;
	int err;

	/* The state of vCPU 0 says what the mode needs; other vCPUs share it. */
	err = pvx_mode_fill(mode, pvx_mode_image_gpa(mode),
			    pvx_mode_stack_top(mode, 0), &s, &r);
	if (err || !(s.cr0 & X86_CR0_PE))
		return err;
	err = pvx_write_gdt(mm, &s);
	if (!err)
		err = write_tss(mm, &s.tr);
	if (err || !(s.cr0 & X86_CR0_PG))
		return err;
	return gib > PVX_MAP_MAX_GIB ? -E2BIG : pvx_write_page_tables(mm, gib ? gib : 1);
}
