// SPDX-License-Identifier: LGPL-2.1
/*
 * libpvx: the register state of a vCPU at entry in real, protected or long
 * mode. The VM-entry checks these values must pass are in SDM 26.3.1;
 * pvx enables "unrestricted guest", which is what allows real mode and
 * CR0.PE = 0 at all (SDM 26.3.1.1). Section numbers are those of the SDM
 * editions where chapter 26 is "VM Entries", as in uapi/linux/pvx.h.
 */
#include <errno.h>
#include <string.h>

#include "libpvx.h"
#include "libpvx_x86.h"

/* Real-mode segment: base = selector << 4 is set at fill time. */
#define REAL_SEG(t) {							\
	.limit = 0xffff, .type = (t), .present = 1, .s = 1,		\
}

/* Flat 4 GiB segment: G = 1, so the limit's low 12 bits are ones (26.3.1.2). */
#define FLAT_SEG(sel, t, is_db, is_l) {					\
	.limit = 0xffffffff, .selector = (sel), .type = (t),		\
	.present = 1, .s = 1, .db = (is_db), .l = (is_l), .g = 1,	\
}

/*
 * TR must hold a busy TSS type even where the guest never switches tasks
 * (SDM 26.3.1.2: 3 or 11 outside IA-32e mode, 11 in it); S = 0, present.
 */
#define TSS_SEG(sel, b, lim) {						\
	.base = (b), .limit = (lim), .selector = (sel),			\
	.type = X86_SEG_TSS_BUSY, .present = 1,				\
}

static void real_mode_entry(uint64_t entry, struct pvx_sregs *s,
			    struct pvx_regs *r);
static void flat_entry(uint64_t entry, struct pvx_sregs *s, struct pvx_regs *r);

static const struct mode_info {
	const char *name;
	/* Point CS:RIP at @entry. */
	void (*set_entry)(uint64_t entry, struct pvx_sregs *s, struct pvx_regs *r);
	uint64_t cr0, cr4, efer;
	struct pvx_segment cs, data, tr;
	struct pvx_dtable gdt, idt;
	uint64_t cr3;
	uint64_t entry_max, stack_max;	/* inclusive */
	uint64_t image_gpa, stacks_top, stack_size;
	uint64_t reserved_lo, reserved_hi;
} modes[PVX_NR_MODES] = {
	[PVX_MODE_REAL] = {
		.name = "real",
		.set_entry = real_mode_entry,
		/* As after RESET (SDM 9.1.1 table 9-1); pvx hides CR0.NE. */
		.cr0 = X86_CR0_CD | X86_CR0_NW | X86_CR0_ET,
		.cs = REAL_SEG(X86_SEG_CODE_RX_ACCESSED),
		.data = REAL_SEG(X86_SEG_DATA_RW_ACCESSED),
		.tr = TSS_SEG(0, 0, 0xffff),
		.gdt = { .limit = 0xffff },
		.idt = { .limit = 0x3ff },	/* the IVT at 0 */
		.entry_max = 0xfffff,
		.stack_max = 0xffff,		/* SS = 0: SP reaches 64 KiB */
		.image_gpa = PVX_REAL_IMAGE_GPA,
		.stacks_top = PVX_REAL_IMAGE_GPA,
		.stack_size = PVX_REAL_STACK_SIZE,
		.reserved_lo = PVX_REAL_IMAGE_GPA -
			       PVX_MAX_VCPUS * PVX_REAL_STACK_SIZE,
		.reserved_hi = PVX_REAL_IMAGE_GPA,
	},
	[PVX_MODE_PROT] = {
		.name = "prot",
		.set_entry = flat_entry,
		.cr0 = X86_CR0_PE | X86_CR0_ET,
		.cs = FLAT_SEG(PVX_SEL_CODE, X86_SEG_CODE_RX_ACCESSED, 1, 0),
		.data = FLAT_SEG(PVX_SEL_DATA, X86_SEG_DATA_RW_ACCESSED, 1, 0),
		.tr = TSS_SEG(PVX_SEL_TSS, PVX_TSS_GPA, PVX_TSS_LIMIT),
		.gdt = { .base = PVX_GDT_GPA, .limit = 4 * 8 - 1 },
		/* RIP bits 63:32 must be 0 outside 64-bit mode (26.3.1.4). */
		.entry_max = 0xffffffff,
		.stack_max = 0xffffffff,
		.image_gpa = PVX_IMAGE_GPA,
		.stacks_top = PVX_STACKS_TOP,
		.stack_size = PVX_STACK_SIZE,
		.reserved_lo = PVX_GDT_GPA,
		.reserved_hi = PVX_STACKS_TOP,
	},
	[PVX_MODE_LONG] = {
		.name = "long",
		.set_entry = flat_entry,
		/* Linux's CR0 for 64-bit mode: AM too, it only acts at CPL 3. */
		.cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE |
		       X86_CR0_WP | X86_CR0_AM | X86_CR0_PG,
		.cr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT,
		/* LMA = LME && PG, or VM entry fails (26.3.1.1). */
		.efer = X86_EFER_LME | X86_EFER_LMA,
		.cr3 = PVX_PML4_GPA,
		/* In 64-bit code D/B must be 0 (26.3.1.2). */
		.cs = FLAT_SEG(PVX_SEL_CODE, X86_SEG_CODE_RX_ACCESSED, 0, 1),
		.data = FLAT_SEG(PVX_SEL_DATA, X86_SEG_DATA_RW_ACCESSED, 1, 0),
		.tr = TSS_SEG(PVX_SEL_TSS, PVX_TSS_GPA, PVX_TSS_LIMIT),
		/* null, code, data, and a 16-byte TSS descriptor (SDM 7.2.3) */
		.gdt = { .base = PVX_GDT_GPA, .limit = 5 * 8 - 1 },
		/* Canonical, lower half: RIP bits 63:47 equal (26.3.1.4). */
		.entry_max = (1ULL << 47) - 1,
		.stack_max = (1ULL << 47) - 1,
		.image_gpa = PVX_IMAGE_GPA,
		.stacks_top = PVX_STACKS_TOP,
		.stack_size = PVX_STACK_SIZE,
		.reserved_lo = PVX_GDT_GPA,
		.reserved_hi = PVX_STACKS_TOP,
	},
};

const char *pvx_mode_name(enum pvx_mode mode)
{
	return (unsigned int)mode < PVX_NR_MODES ? modes[mode].name : NULL;
}

int pvx_mode_by_name(const char *name)
{
	for (int mode = 0; mode < PVX_NR_MODES; mode++)
		if (!strcmp(modes[mode].name, name))
			return mode;
	return -EINVAL;
}

uint64_t pvx_mode_image_gpa(enum pvx_mode mode)
{
	return modes[mode].image_gpa;
}

uint64_t pvx_mode_stack_top(enum pvx_mode mode, unsigned int vcpu_id)
{
	return modes[mode].stacks_top - vcpu_id * modes[mode].stack_size;
}

void pvx_mode_reserved(enum pvx_mode mode, uint64_t *lo, uint64_t *hi)
{
	*lo = modes[mode].reserved_lo;
	*hi = modes[mode].reserved_hi;
}

/*
 * Real mode: CS:IP from a linear address below 1 MiB. The selector and
 * the base agree as the CPU itself loads them in real mode (SDM 20.1.1).
 * SS and the data segments stay at selector 0.
 */
static void real_mode_entry(uint64_t entry, struct pvx_sregs *s,
			    struct pvx_regs *r)
{
	uint16_t cs = (entry >> 4) & 0xf000;

	s->cs.selector = cs;
	s->cs.base = (uint64_t)cs << 4;
	r->rip = entry & 0xffff;
}

/* Protected and long mode: CS is flat, RIP is the address. */
static void flat_entry(uint64_t entry, struct pvx_sregs *s, struct pvx_regs *r)
{
	(void)s;
	r->rip = entry;
}

int pvx_mode_fill(enum pvx_mode mode, uint64_t entry, uint64_t stack_top,
		  struct pvx_sregs *s, struct pvx_regs *r)
{
	const struct mode_info *m;

	if ((unsigned int)mode >= PVX_NR_MODES)
		return -EINVAL;
	m = &modes[mode];
	if (entry > m->entry_max || stack_top > m->stack_max)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	memset(r, 0, sizeof(*r));
	s->cs = m->cs;
	s->ds = s->es = s->fs = s->gs = s->ss = m->data;
	s->tr = m->tr;
	s->ldt.unusable = 1;	/* no LDT: nothing to check (26.3.1.2) */
	s->gdt = m->gdt;
	s->idt = m->idt;
	s->cr0 = m->cr0;
	s->cr3 = m->cr3;
	s->cr4 = m->cr4;
	s->efer = m->efer;
	r->rsp = stack_top;
	r->rflags = 0x2;	/* bit 1 is reserved as 1 (26.3.1.4) */
	m->set_entry(entry, s, r);
	return 0;
}

int pvx_vcpu_setup_mode(struct pvx_vcpu *vcpu, enum pvx_mode mode,
			uint64_t entry, unsigned int nr_vcpus)
{
	struct pvx_sregs s;
	struct pvx_regs r;
	int err;

	if ((unsigned int)mode >= PVX_NR_MODES)
		return -EINVAL;
	err = pvx_mode_fill(mode, entry, pvx_mode_stack_top(mode, vcpu->id),
			    &s, &r);
	if (err)
		return err;
	r.rdi = vcpu->id;
	r.rsi = nr_vcpus;
	err = pvx_vcpu_set_sregs(vcpu, &s);
	return err ? err : pvx_vcpu_set_regs(vcpu, &r);
}
