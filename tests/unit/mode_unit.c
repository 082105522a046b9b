// SPDX-License-Identifier: GPL-2.0
/*
 * mode_unit: the entry state of each mode (libpvx_mode.c) and the tables
 * behind it (libpvx_tables.c), checked on the host against:
 *  - the values the issue asks for (CR0, CR4, EFER, segments);
 *  - the VM-entry checks on guest state that concern them (SDM 26.3.1.1
 *    to 26.3.1.4, with "unrestricted guest" on), written out again here;
 *  - the GDT read back and decoded: each descriptor loads as the segment
 *    the vCPU starts with;
 *  - the page tables walked in software (SDM 4.5): identity, 2 MiB pages,
 *    accessed/dirty preset, nothing past the mapped range.
 */
#include <errno.h>
#include <string.h>

#include "unit.h"

#define RAM_SIZE	(8ULL << 20)
#define GIB		(1ULL << 30)

static bool canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

/* G must agree with the limit (SDM 26.3.1.2, "Bit 15 (G)"). */
static bool limit_matches_g(const struct pvx_segment *s)
{
	if ((s->limit & 0xfff) != 0xfff && s->g)
		return false;
	return !(s->limit & 0xfff00000) || s->g;
}

/* CS, SS, DS, ES, FS, GS access rights (26.3.1.2), unrestricted guest. */
static bool data_seg_ok(const struct pvx_segment *s, bool is_ss, bool pe)
{
	if (s->unusable)
		return true;
	if (!s->s || !s->present || !limit_matches_g(s) || (s->base >> 32))
		return false;
	if (is_ss)
		return (s->type == 3 || s->type == 7) && (pe || s->dpl == 0);
	/* accessed; a code segment must be readable */
	return (s->type & 1) && (!(s->type & 8) || (s->type & 2));
}

static bool cs_ok(const struct pvx_sregs *sr, bool ia32e)
{
	const struct pvx_segment *cs = &sr->cs;
	bool type_ok = cs->type == 9 || cs->type == 11 || cs->type == 13 ||
		       cs->type == 15 || (cs->type == 3 && cs->dpl == 0);

	if (!type_ok || !cs->s || !cs->present || cs->unusable || (cs->base >> 32))
		return false;
	if ((cs->type == 9 || cs->type == 11) && cs->dpl != sr->ss.dpl)
		return false;
	return limit_matches_g(cs) && !(ia32e && cs->l && cs->db);
}

static bool tr_ldtr_ok(const struct pvx_sregs *sr, bool ia32e)
{
	const struct pvx_segment *tr = &sr->tr, *ldt = &sr->ldt;
	bool tr_type = ia32e ? tr->type == 11 : tr->type == 3 || tr->type == 11;

	if (!tr_type || tr->s || !tr->present || tr->unusable ||
	    !limit_matches_g(tr) || (tr->selector & 4) || !canonical(tr->base))
		return false;
	return ldt->unusable ||
	       (ldt->type == 2 && !ldt->s && ldt->present && !(ldt->selector & 4));
}

/* Control registers and EFER (26.3.1.1) with IA-32e mode guest = LMA. */
static bool control_ok(const struct pvx_sregs *sr)
{
	bool ia32e = sr->efer & (1 << 10);

	if ((sr->cr0 & (1ULL << 31)) && !(sr->cr0 & 1))
		return false;		/* PG without PE */
	if (ia32e && (!(sr->cr0 & (1ULL << 31)) || !(sr->cr4 & (1 << 5))))
		return false;		/* IA-32e needs PG and PAE */
	if ((sr->cr0 & (1ULL << 31)) && !!(sr->efer & (1 << 8)) != ia32e)
		return false;		/* LME == LMA when paging */
	return !(sr->cr0 >> 32) && !(sr->cr0 & (1ULL << 29) && !(sr->cr0 & (1ULL << 30)));
}

/* RIP, RFLAGS (26.3.1.4) and the descriptor-table bases (26.3.1.3). */
static bool regs_ok(const struct pvx_sregs *sr, const struct pvx_regs *r)
{
	bool ia32e = sr->efer & (1 << 10);
	const uint64_t rflags_reserved = ~0x3fffffULL | (1 << 15) | (1 << 5) | (1 << 3);

	if (ia32e && sr->cs.l ? !canonical(r->rip) : (r->rip >> 32) != 0)
		return false;
	if ((r->rflags & rflags_reserved) || !(r->rflags & 2))
		return false;
	if ((r->rflags & (1 << 17)) && (ia32e || !(sr->cr0 & 1)))
		return false;		/* VM */
	return canonical(sr->gdt.base) && canonical(sr->idt.base) &&
	       canonical(sr->fs.base) && canonical(sr->gs.base);
}

static bool vm_entry_ok(const struct pvx_sregs *sr, const struct pvx_regs *r)
{
	bool ia32e = sr->efer & (1 << 10), pe = sr->cr0 & 1;
	bool ok = true;

	EXPECT(control_ok(sr));
	EXPECT(cs_ok(sr, ia32e));
	EXPECT(data_seg_ok(&sr->ss, true, pe));
	EXPECT(data_seg_ok(&sr->ds, false, pe) && data_seg_ok(&sr->es, false, pe));
	EXPECT(data_seg_ok(&sr->fs, false, pe) && data_seg_ok(&sr->gs, false, pe));
	EXPECT(tr_ldtr_ok(sr, ia32e));
	EXPECT(regs_ok(sr, r));
	return ok;
}

static bool real_mode(void)
{
	struct pvx_sregs s;
	struct pvx_regs r;
	bool ok = true;

	EXPECT(pvx_mode_fill(PVX_MODE_REAL, 0x7c00, 0x7c00, &s, &r) == 0);
	EXPECT(vm_entry_ok(&s, &r));
	EXPECT(s.cs.selector == 0 && s.cs.base == 0 && r.rip == 0x7c00);
	EXPECT(s.cs.limit == 0xffff && s.cs.type == 0xb && s.cs.s && s.cs.present);
	EXPECT(s.ds.limit == 0xffff && s.ds.type == 3 && s.ss.type == 3);
	EXPECT(s.tr.type == 0xb && !s.tr.s && s.ldt.unusable);
	EXPECT(s.cr0 == 0x60000010 && s.cr4 == 0 && s.efer == 0);
	EXPECT(r.rflags == 2 && r.rsp == 0x7c00);
	EXPECT(s.idt.base == 0 && s.idt.limit == 0x3ff);
	/* CS:IP from a linear address, and the base the CPU would compute. */
	EXPECT(pvx_mode_fill(PVX_MODE_REAL, 0xfffff, 0x1000, &s, &r) == 0);
	EXPECT(s.cs.selector == 0xf000 && s.cs.base == 0xf0000 && r.rip == 0xffff);
	EXPECT(s.cs.base + r.rip == 0xfffff);
	EXPECT(vm_entry_ok(&s, &r));
	EXPECT(pvx_mode_fill(PVX_MODE_REAL, 0x100000, 0x1000, &s, &r) == -EINVAL);
	EXPECT(pvx_mode_fill(PVX_MODE_REAL, 0x7c00, 0x10000, &s, &r) == -EINVAL);
	return ok;
}

static bool prot_mode(void)
{
	struct pvx_sregs s;
	struct pvx_regs r;
	bool ok = true;

	EXPECT(pvx_mode_fill(PVX_MODE_PROT, 0x100000, 0x100000, &s, &r) == 0);
	EXPECT(vm_entry_ok(&s, &r));
	EXPECT(s.cr0 == 0x11 && s.cr4 == 0 && s.efer == 0);
	EXPECT(s.cs.selector == PVX_SEL_CODE && s.cs.type == 0xb && s.cs.db &&
	       s.cs.g && s.cs.limit == 0xffffffff && !s.cs.l);
	EXPECT(s.ss.selector == PVX_SEL_DATA && s.ss.type == 3 && s.ss.db && s.ss.g);
	EXPECT(s.tr.selector == PVX_SEL_TSS && s.tr.base == PVX_TSS_GPA &&
	       s.tr.limit == 0x67 && s.tr.type == 0xb);
	EXPECT(r.rip == 0x100000 && r.rsp == 0x100000 && r.rflags == 2);
	EXPECT(pvx_mode_fill(PVX_MODE_PROT, 1ULL << 32, 0x1000, &s, &r) == -EINVAL);
	return ok;
}

static bool long_mode(void)
{
	struct pvx_sregs s;
	struct pvx_regs r;
	bool ok = true;

	EXPECT(pvx_mode_fill(PVX_MODE_LONG, 0x100000, 0x100000, &s, &r) == 0);
	EXPECT(vm_entry_ok(&s, &r));
	EXPECT(s.cr0 == 0x80050033 && s.cr4 == 0x620 && s.efer == 0x500);
	EXPECT(s.cr3 == PVX_PML4_GPA);
	EXPECT(s.cs.selector == 0x8 && s.cs.l && !s.cs.db && s.cs.type == 0xb &&
	       s.cs.dpl == 0 && s.cs.s && s.cs.g);
	EXPECT(s.ds.selector == 0x10 && s.ds.type == 3 && s.ss.type == 3);
	EXPECT(s.tr.type == 0xb && s.tr.base == PVX_TSS_GPA && s.tr.limit == 0x67);
	EXPECT(s.gdt.base == PVX_GDT_GPA && s.idt.limit == 0);
	EXPECT(pvx_mode_fill(PVX_MODE_LONG, 1ULL << 47, 0x1000, &s, &r) == -EINVAL);
	EXPECT(pvx_mode_fill(PVX_NR_MODES, 0, 0, &s, &r) == -EINVAL);
	return ok;
}

static bool mode_names_and_stacks(void)
{
	bool ok = true;
	uint64_t lo, hi;

	EXPECT(pvx_mode_by_name("real") == PVX_MODE_REAL);
	EXPECT(pvx_mode_by_name("prot") == PVX_MODE_PROT);
	EXPECT(pvx_mode_by_name("long") == PVX_MODE_LONG);
	EXPECT(pvx_mode_by_name("64") == -EINVAL);
	EXPECT(!strcmp(pvx_mode_name(PVX_MODE_LONG), "long"));
	EXPECT(pvx_mode_name(PVX_NR_MODES) == NULL);
	for (enum pvx_mode m = 0; m < PVX_NR_MODES; m++) {
		pvx_mode_reserved(m, &lo, &hi);
		/* Every vCPU's stack lies in the reserved range, and apart. */
		EXPECT(pvx_mode_stack_top(m, 0) <= hi);
		EXPECT(pvx_mode_stack_top(m, PVX_MAX_VCPUS - 1) -
		       (pvx_mode_stack_top(m, 0) - pvx_mode_stack_top(m, 1)) >= lo);
		EXPECT(pvx_mode_stack_top(m, 0) % 16 == 0);
		EXPECT(pvx_mode_image_gpa(m) >= hi);
	}
	return ok;
}

/* The segment a descriptor loads as (SDM 3.4.5), for comparison. */
static struct pvx_segment decode(uint64_t d, uint16_t selector)
{
	struct pvx_segment s = {
		.base = ((d >> 16) & 0xffffff) | ((d >> 56) << 24),
		.limit = (d & 0xffff) | (((d >> 48) & 0xf) << 16),
		.selector = selector,
		.type = (d >> 40) & 0xf, .s = (d >> 44) & 1, .dpl = (d >> 45) & 3,
		.present = (d >> 47) & 1, .avl = (d >> 52) & 1, .l = (d >> 53) & 1,
		.db = (d >> 54) & 1, .g = (d >> 55) & 1,
	};

	if (s.g)
		s.limit = s.limit << 12 | 0xfff;
	return s;
}

static bool same_segment(const struct pvx_segment *a, const struct pvx_segment *b)
{
	return a->base == b->base && a->limit == b->limit &&
	       a->selector == b->selector && a->type == b->type &&
	       a->present == b->present && a->dpl == b->dpl && a->db == b->db &&
	       a->s == b->s && a->l == b->l && a->g == b->g && a->avl == b->avl;
}

/* Each usable segment of @s is what its GDT entry loads. */
static bool gdt_matches(const struct pvx_memmap *mm, const struct pvx_sregs *s)
{
	const struct pvx_segment *segs[] = { &s->cs, &s->ss, &s->ds, &s->es,
					     &s->fs, &s->gs, &s->tr };
	const uint8_t *gdt = pvx_gpa_to_host(mm, s->gdt.base, s->gdt.limit + 1);
	bool ok = gdt != NULL;
	uint64_t d;

	for (unsigned int i = 0; ok && i < sizeof(segs) / sizeof(segs[0]); i++) {
		struct pvx_segment got;

		memcpy(&d, gdt + (segs[i]->selector & ~7), 8);
		got = decode(d, segs[i]->selector);
		EXPECT(same_segment(&got, segs[i]));
	}
	memcpy(&d, gdt, 8);
	EXPECT(d == 0);			/* the null descriptor */
	if (ok && (s->efer & (1 << 10))) {
		memcpy(&d, gdt + PVX_SEL_TSS + 8, 8);
		EXPECT(d == s->tr.base >> 32);
	}
	return ok;
}

static bool gdts(void)
{
	struct pvx_memmap mm;
	struct pvx_sregs s;
	struct pvx_regs r;
	uint8_t *ram = unit_ram(&mm, RAM_SIZE);
	bool ok = true;

	for (enum pvx_mode m = PVX_MODE_PROT; m <= PVX_MODE_LONG; m++) {
		memset(ram, 0xa5, 0x100000);
		EXPECT(pvx_mode_write_tables(&mm, m, RAM_SIZE) == 0);
		EXPECT(pvx_mode_fill(m, 0x100000, 0x100000, &s, &r) == 0);
		EXPECT(gdt_matches(&mm, &s));
		/* The TSS is zeroed, past the GDT and in the same page. */
		for (unsigned int i = 0; i <= PVX_TSS_LIMIT; i++)
			ok &= ram[PVX_TSS_GPA + i] == 0;
		EXPECT(PVX_GDT_GPA + s.gdt.limit < PVX_TSS_GPA);
	}
	/* Two segments on one selector must agree. */
	s.ds.type = 7;
	EXPECT(pvx_write_gdt(&mm, &s) == -EINVAL);
	pvx_mode_fill(PVX_MODE_LONG, 0x100000, 0x100000, &s, &r);
	s.ds.selector = 0x40;		/* past the limit */
	EXPECT(pvx_write_gdt(&mm, &s) == -EINVAL);
	s.ds.selector = 0x14;		/* an LDT selector */
	EXPECT(pvx_write_gdt(&mm, &s) == -EINVAL);
	/* Real mode needs no tables and writes nothing. */
	memset(ram, 0xa5, 0x100000);
	EXPECT(pvx_mode_write_tables(&mm, PVX_MODE_REAL, RAM_SIZE) == 0);
	EXPECT(ram[PVX_GDT_GPA] == 0xa5 && ram[PVX_PML4_GPA] == 0xa5);
	unit_ram_free(ram, RAM_SIZE);
	return ok;
}

#define ADDR_MASK	0x000ffffffffff000ULL
#define P_RW_A		0x23ULL

/*
 * A 4-level walk (SDM 4.5) of @va from @cr3: the physical address, or ~0
 * when not mapped. Checks each entry's flags on the way.
 */
static uint64_t walk(const struct pvx_memmap *mm, uint64_t cr3, uint64_t va,
		     bool *flags_ok)
{
	const uint64_t *pml4 = pvx_gpa_to_host(mm, cr3 & ADDR_MASK, 4096);
	const uint64_t *pdpt, *pd;
	uint64_t e;

	e = pml4[(va >> 39) & 511];
	if (!(e & 1))
		return ~0ULL;
	*flags_ok &= (e & 0xfff) == P_RW_A;
	pdpt = pvx_gpa_to_host(mm, e & ADDR_MASK, 4096);
	e = pdpt ? pdpt[(va >> 30) & 511] : 0;
	if (!(e & 1))
		return ~0ULL;
	*flags_ok &= (e & 0xfff) == P_RW_A;	/* PS = 0: a directory */
	pd = pvx_gpa_to_host(mm, e & ADDR_MASK, 4096);
	e = pd ? pd[(va >> 21) & 511] : 0;
	if (!(e & 1))
		return ~0ULL;
	/* P RW A D PS, bits 20:13 reserved (0), no PAT, no NX */
	*flags_ok &= (e & 0x1fffff) == (P_RW_A | 0xc0) && !(e >> 52);
	return (e & 0x000fffffffe00000ULL) | (va & 0x1fffff);
}

static bool page_tables(void)
{
	static const uint64_t probes[] = {
		0, 0xfff, 0x1000, 0x7c00, 0x100000, 0x1fffff, 0x200000,
		RAM_SIZE - 1, GIB - 1, GIB, 3 * GIB + 0x12345, 4 * GIB - 1,
	};
	struct pvx_memmap mm;
	uint8_t *ram = unit_ram(&mm, RAM_SIZE);
	bool ok = true, flags_ok = true;

	EXPECT(pvx_mode_write_tables(&mm, PVX_MODE_LONG, 4 * GIB) == 0);
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		EXPECT(walk(&mm, PVX_PML4_GPA, probes[i], &flags_ok) == probes[i]);
	EXPECT(flags_ok);
	EXPECT(walk(&mm, PVX_PML4_GPA, 4 * GIB, &flags_ok) == ~0ULL);
	EXPECT(walk(&mm, PVX_PML4_GPA, 1ULL << 39, &flags_ok) == ~0ULL);
	/* 5 GiB + 1 byte: rounded up to 6 GiB, the last page directory too. */
	EXPECT(pvx_mode_write_tables(&mm, PVX_MODE_LONG, 5 * GIB + 1) == 0);
	EXPECT(walk(&mm, PVX_PML4_GPA, 6 * GIB - 1, &flags_ok) == 6 * GIB - 1);
	EXPECT(walk(&mm, PVX_PML4_GPA, 6 * GIB, &flags_ok) == ~0ULL);
	EXPECT(pvx_mode_write_tables(&mm, PVX_MODE_LONG,
				     PVX_MAP_MAX_GIB * GIB) == 0);
	EXPECT(walk(&mm, PVX_PML4_GPA, PVX_MAP_MAX_GIB * GIB - 1, &flags_ok) ==
	       PVX_MAP_MAX_GIB * GIB - 1);
	EXPECT(pvx_mode_write_tables(&mm, PVX_MODE_LONG,
				     PVX_MAP_MAX_GIB * GIB + 1) == -E2BIG);
	unit_ram_free(ram, RAM_SIZE);
	/* RAM too small to hold the page directories. */
	ram = unit_ram(&mm, 0x5000);
	EXPECT(pvx_mode_write_tables(&mm, PVX_MODE_LONG, 4 * GIB) == -EFAULT);
	unit_ram_free(ram, 0x5000);
	return ok;
}

static const struct unit_case cases[] = {
	{ "real mode: issue's values, CS:IP split, passes VM-entry checks", real_mode },
	{ "prot mode: flat 32-bit, passes VM-entry checks", prot_mode },
	{ "long mode: CR0/CR4/EFER, CS.L, passes VM-entry checks", long_mode },
	{ "mode names, stacks inside the reserved range, images above it", mode_names_and_stacks },
	{ "GDT and TSS: every descriptor loads as the vCPU's segment", gdts },
	{ "page tables: identity 2 MiB pages, A/D preset, bounded", page_tables },
};

int main(void)
{
	return UNIT_RUN(cases);
}
