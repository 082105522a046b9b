// SPDX-License-Identifier: GPL-2.0
/*
 * Hardware task switches in 32-bit protected mode (SDM Vol. 3 7.3 "Task
 * Switching"), which VMX leaves to the hypervisor: the task-switch VM
 * exit (SDM 25.4.2, exit qualification Table 28-2) comes before the CPU
 * changes anything. Its sources: CALL or JMP to a TSS descriptor or to a
 * task gate, IRET with EFLAGS.NT = 1, and an interrupt or exception
 * delivered through a task gate in the IDT.
 *
 * The steps, in the SDM's order:
 *  1. the new TSS descriptor (GDT only): an available 32-bit TSS (busy
 *     for IRET), present, limit >= 67h; for CALL/JMP to a TSS its DPL at
 *     least CPL and the selector's RPL. Violations: #GP (CALL/JMP), #TS
 *     (IRET) or #NP with the selector, before anything changed;
 *  2. the new task's segments must be loadable too (pvx checks them here,
 *     before the switch, and raises #TS/#NP in the old task where the CPU
 *     would raise them in the new one: the guest never enters a state a
 *     VM entry would refuse);
 *  3. the current state goes into the current TSS: EIP (past the
 *     instruction for CALL, JMP, IRET and INT n), EFLAGS (NT cleared for
 *     JMP and IRET), the eight GPRs and the six selectors;
 *  4. busy bits: JMP and IRET clear the old task's; all but IRET set the
 *     new one's. CALL and task gates from the IDT write the old TR into
 *     the new TSS's back-link and set NT in the new EFLAGS;
 *  5. TR, CR0.TS, CR3 (only with paging), LDTR, EFLAGS, EIP, the GPRs and
 *     the segments are loaded from the new TSS, each segment with its
 *     descriptor from the GDT or the new LDT (accessed bit set, as the
 *     CPU does);
 *  6. an exception with an error code pushes it on the new task's stack.
 * Not done: 16-bit TSSs (an internal error), the TSS's T (debug trap)
 * flag, I/O permission bitmaps (pvx traps all port I/O anyway).
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/traps.h>
#include <linux/pvx.h>

#include "x86.h"
#include "../core/pvx.h"

/* Exit qualification bits 31:30 (SDM Table 28-2). */
enum { TS_CALL, TS_IRET, TS_JMP, TS_GATE };

/* 32-bit TSS fields (SDM Figure 7-2). */
#define TSS_LINK	0x00
#define TSS_CR3		0x1c
#define TSS_EIP		0x20
#define TSS_LDT		0x60
#define TSS_MIN_LIMIT	0x67

/* Descriptor types (SDM Table 3-2). */
#define TYPE_TSS32	9
#define TYPE_TSS32_BUSY	11
#define TYPE_LDT	2
#define DESC_BUSY	(1U << 9)	/* in the high dword */
#define DESC_ACCESSED	(1U << 8)

/* The register block of a 32-bit TSS, EIP to GS, as the CPU stores it. */
struct tss32_regs {
	u32 eip, eflags;
	u32 gpr[8];		/* EAX ECX EDX EBX ESP EBP ESI EDI */
	u32 seg[6];		/* ES CS SS DS FS GS */
};

/* A fault of the switch: vector and error code, raised instead of it. */
struct ts_fault {
	u8 vector;
	u32 error;
};

static int ts_fail(struct ts_fault *f, u8 vector, u16 sel)
{
	f->vector = vector;
	f->error = sel & 0xfffc;
	return 1;
}

static void ts_desc_decode(u32 lo, u32 hi, u16 sel, struct pvx_segment *s)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = (lo >> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000);
	s->limit = (lo & 0xffff) | (hi & 0xf0000);
	s->type = (hi >> 8) & 15;
	s->s = (hi >> 12) & 1;
	s->dpl = (hi >> 13) & 3;
	s->present = (hi >> 15) & 1;
	s->avl = (hi >> 20) & 1;
	s->l = (hi >> 21) & 1;
	s->db = (hi >> 22) & 1;
	s->g = (hi >> 23) & 1;
	if (s->g)
		s->limit = (s->limit << 12) | 0xfff;
}

/* The descriptor of @sel: its linear address in the GDT or @ldt. */
static int ts_desc_addr(const struct pvx_sregs *sr, const struct pvx_segment *ldt,
			u16 sel, u64 *addr)
{
	u64 base = sr->gdt.base, limit = sr->gdt.limit;

	if (sel & 4) {
		if (!ldt || ldt->unusable)
			return -EINVAL;
		base = ldt->base;
		limit = ldt->limit;
	}
	if ((sel | 7) > limit)
		return -EINVAL;
	*addr = (u32)(base + (sel & ~7));
	return 0;
}

static int ts_read(struct pvx_vcpu *vcpu, u64 lin, void *buf, size_t len)
{
	u64 pf_addr;
	u32 pf_error;

	return guest_read_gva(vcpu, lin, buf, len, &pf_error, &pf_addr);
}

static int ts_write(struct pvx_vcpu *vcpu, u64 lin, const void *buf,
		    size_t len)
{
	u64 pf_addr;
	u32 pf_error;

	return guest_write_gva(vcpu, lin, buf, len, &pf_error, &pf_addr);
}

/* Read descriptor @sel; 1 with @f set if it lies outside its table. */
static int ts_desc(struct pvx_vcpu *vcpu, const struct pvx_sregs *sr,
		   const struct pvx_segment *ldt, u16 sel, struct pvx_segment *s,
		   u64 *addr, struct ts_fault *f)
{
	u32 d[2];

	if (ts_desc_addr(sr, ldt, sel, addr))
		return ts_fail(f, X86_TRAP_TS, sel);
	if (ts_read(vcpu, *addr, d, sizeof(d)))
		return -EFAULT;
	ts_desc_decode(d[0], d[1], sel, s);
	return 0;
}

/* Set or clear bits of a descriptor's high dword in guest memory. */
static int ts_desc_update(struct pvx_vcpu *vcpu, u64 addr, u32 set, u32 clear)
{
	u32 hi;

	if (ts_read(vcpu, addr + 4, &hi, 4))
		return -EFAULT;
	hi = (hi & ~clear) | set;
	return ts_write(vcpu, addr + 4, &hi, 4);
}

/* Step 1: the new TSS descriptor. */
static int ts_check_tss(const struct pvx_segment *s, const struct pvx_regs *regs,
			const struct pvx_sregs *sr, u16 sel, int source,
			struct ts_fault *f)
{
	u8 want = source == TS_IRET ? TYPE_TSS32_BUSY : TYPE_TSS32;
	u8 cpl = sr->cs.selector & 3;

	if (sel & 4)
		return ts_fail(f, source == TS_IRET ? X86_TRAP_TS : X86_TRAP_GP, sel);
	if (s->s || s->type != want)
		return ts_fail(f, source == TS_IRET ? X86_TRAP_TS : X86_TRAP_GP, sel);
	if ((source == TS_CALL || source == TS_JMP) &&
	    (s->dpl < cpl || s->dpl < (sel & 3)))
		return ts_fail(f, X86_TRAP_GP, sel);
	if (!s->present)
		return ts_fail(f, X86_TRAP_NP, sel);
	if (s->limit < TSS_MIN_LIMIT)
		return ts_fail(f, X86_TRAP_TS, sel);
	return 0;
}

/* Step 2: a segment register of the new task (index: ES CS SS DS FS GS). */
static int ts_load_seg(struct pvx_vcpu *vcpu, const struct pvx_sregs *sr,
		       const struct pvx_segment *ldt, int index, u16 sel,
		       struct pvx_segment *s, struct ts_fault *f)
{
	bool code = index == X86_SEG_CS, stack = index == X86_SEG_SS;
	u64 addr;
	int r;

	if (!(sel & ~3)) {
		if (code || stack)
			return ts_fail(f, X86_TRAP_TS, sel);
		memset(s, 0, sizeof(*s));
		s->selector = sel;
		s->unusable = 1;
		return 0;
	}
	r = ts_desc(vcpu, sr, ldt, sel, s, &addr, f);
	if (r)
		return r;
	/* CS: code; SS: writable data; others: data or readable code. */
	if (!s->s || (code && !(s->type & 8)) ||
	    (stack && (s->type & 0xa) != 2) ||
	    (!code && !stack && (s->type & 0xa) == 8))
		return ts_fail(f, X86_TRAP_TS, sel);
	if (!s->present)
		return ts_fail(f, stack ? X86_TRAP_SS : X86_TRAP_NP, sel);
	if (!(s->type & 1)) {
		s->type |= 1;
		r = ts_desc_update(vcpu, addr, DESC_ACCESSED, 0);
	}
	return r;
}

static struct pvx_segment *ts_sreg(struct pvx_sregs *sr, int index)
{
	struct pvx_segment *const segs[] = { &sr->es, &sr->cs, &sr->ss,
					     &sr->ds, &sr->fs, &sr->gs };

	return segs[index];
}

/* Steps 2 and 5 into @nsr: LDTR, then the six segments of the new task. */
static int ts_new_segments(struct pvx_vcpu *vcpu, const struct pvx_sregs *sr,
			   const u8 *tss, struct pvx_sregs *nsr,
			   struct ts_fault *f)
{
	const struct tss32_regs *tr = (const void *)(tss + TSS_EIP);
	u16 ldt_sel = *(const u16 *)(tss + TSS_LDT);
	u64 addr;
	int i, r;

	if (ldt_sel & ~3) {
		r = ts_desc(vcpu, sr, NULL, ldt_sel & ~4, &nsr->ldt, &addr, f);
		if (r)
			return r;
		if ((ldt_sel & 4) || nsr->ldt.s || nsr->ldt.type != TYPE_LDT)
			return ts_fail(f, X86_TRAP_TS, ldt_sel);
		if (!nsr->ldt.present)
			return ts_fail(f, X86_TRAP_NP, ldt_sel);
	} else {
		memset(&nsr->ldt, 0, sizeof(nsr->ldt));
		nsr->ldt.selector = ldt_sel;
		nsr->ldt.unusable = 1;
	}
	for (i = 0; i < 6; i++) {
		r = ts_load_seg(vcpu, sr, &nsr->ldt, i, tr->seg[i],
				ts_sreg(nsr, i), f);
		if (r)
			return r;
	}
	/* CPL is the new CS's RPL; SS must be at that level (SDM 7.3 step 12). */
	if ((nsr->ss.selector & 3) != (nsr->cs.selector & 3) ||
	    nsr->ss.dpl != (nsr->cs.selector & 3))
		return ts_fail(f, X86_TRAP_TS, nsr->ss.selector);
	return 0;
}

/* Step 3: the current task's state into its TSS. */
static int ts_save_old(struct pvx_vcpu *vcpu, const struct pvx_regs *regs,
		       const struct pvx_sregs *sr, int source,
		       unsigned int insn_len)
{
	const u64 *gpr = &regs->rax;
	/* struct pvx_regs order -> TSS order (EAX ECX EDX EBX ESP EBP ESI EDI) */
	static const u8 order[8] = { 0, 2, 3, 1, 6, 7, 4, 5 };
	struct tss32_regs t;
	int i;

	t.eip = regs->rip + insn_len;
	t.eflags = regs->rflags;
	if (source == TS_JMP || source == TS_IRET)
		t.eflags &= ~X86_EFLAGS_NT;
	for (i = 0; i < 8; i++)
		t.gpr[i] = gpr[order[i]];
	for (i = 0; i < 6; i++)
		t.seg[i] = ts_sreg((struct pvx_sregs *)sr, i)->selector;
	return ts_write(vcpu, sr->tr.base + TSS_EIP, &t, sizeof(t));
}

/* Step 5: registers from the new TSS. */
static void ts_new_regs(const u8 *tss, bool nested, struct pvx_regs *regs)
{
	const struct tss32_regs *t = (const void *)(tss + TSS_EIP);
	static const u8 order[8] = { 0, 2, 3, 1, 6, 7, 4, 5 };
	u64 *gpr = &regs->rax;
	int i;

	for (i = 0; i < 8; i++)
		gpr[order[i]] = t->gpr[i];
	regs->rip = t->eip;
	regs->rflags = (t->eflags & 0x3f7fd7) | X86_EFLAGS_FIXED;
	if (nested)
		regs->rflags |= X86_EFLAGS_NT;
}

/* Step 6: push @error on the new task's stack (32-bit if SS.B). */
static int ts_push_error(struct pvx_vcpu *vcpu, struct pvx_regs *regs,
			 const struct pvx_sregs *sr, u32 error)
{
	u32 esp = regs->rsp - 4;

	if (!sr->ss.db)
		esp = (regs->rsp & ~0xffffULL) | (u16)(regs->rsp - 4);
	regs->rsp = esp;
	return ts_write(vcpu, (u32)(sr->ss.base + (sr->ss.db ? esp : (u16)esp)),
			&error, 4);
}

struct ts_state {
	struct pvx_regs regs;
	struct pvx_sregs sr, nsr;
	u8 tss[TSS_MIN_LIMIT + 1];
	u64 new_addr, old_addr;
};

/* Steps 1 and 2: may the switch happen? 1 with @f set when not. */
static int ts_prepare(struct pvx_vcpu *vcpu, struct ts_state *st, u16 sel,
		      int source, struct ts_fault *f)
{
	struct pvx_segment tss, old;
	int r;

	r = ts_desc(vcpu, &st->sr, NULL, sel, &tss, &st->new_addr, f);
	if (r)
		return r;
	if (!tss.s && (tss.type == 1 || tss.type == 3))
		return -EINVAL;		/* 16-bit TSS: not emulated */
	r = ts_check_tss(&tss, &st->regs, &st->sr, sel, source, f);
	if (r)
		return r;
	r = ts_desc(vcpu, &st->sr, NULL, st->sr.tr.selector, &old,
		    &st->old_addr, f);
	if (r)
		return r;
	if (ts_read(vcpu, tss.base, st->tss, sizeof(st->tss)))
		return -EFAULT;
	st->nsr = st->sr;
	r = ts_new_segments(vcpu, &st->sr, st->tss, &st->nsr, f);
	if (r)
		return r;
	tss.type = TYPE_TSS32_BUSY;
	st->nsr.tr = tss;
	return 0;
}

/* Steps 3 to 6. */
static int ts_commit(struct pvx_vcpu *vcpu, struct ts_state *st, u16 sel,
		     int source, bool has_error, u32 error,
		     unsigned int insn_len)
{
	bool nested = source == TS_CALL || source == TS_GATE;
	u16 link = st->sr.tr.selector;
	int r;

	r = ts_save_old(vcpu, &st->regs, &st->sr, source, insn_len);
	if (!r && (source == TS_JMP || source == TS_IRET))
		r = ts_desc_update(vcpu, st->old_addr, 0, DESC_BUSY);
	if (!r && source != TS_IRET)
		r = ts_desc_update(vcpu, st->new_addr, DESC_BUSY, 0);
	if (!r && nested)
		r = ts_write(vcpu, st->nsr.tr.base + TSS_LINK, &link, 2);
	if (r)
		return r;
	ts_new_regs(st->tss, nested, &st->regs);
	st->nsr.cr0 |= X86_CR0_TS;
	if (st->nsr.cr0 & X86_CR0_PG)
		st->nsr.cr3 = *(u32 *)(st->tss + TSS_CR3);
	if (x86_cpu_set_sregs(vcpu, &st->nsr))
		return -EINVAL;
	if (has_error) {
		r = ts_push_error(vcpu, &st->regs, &st->nsr, error);
		if (r)
			return r;
	}
	return x86_cpu_set_regs(vcpu, &st->regs) ? -EINVAL : 0;
}

/**
 * x86_task_switch() - do the task switch a task-switch VM exit announced.
 * @vcpu: the vCPU, loaded.
 * @sel: the new TSS's selector (exit qualification bits 15:0).
 * @source: exit qualification bits 31:30: 0 CALL, 1 IRET, 2 JMP, 3 a task
 *	gate in the IDT.
 * @has_error, @error: the error code of an exception delivered through a
 *	task gate.
 * @insn_len: length of the instruction that switched (CALL, JMP, IRET,
 *	INT n), 0 for an event: the old task resumes after it.
 *
 * Return: 0 (done, or a fault raised in the guest instead), -EINVAL for a
 * switch pvx does not emulate (16-bit TSS, outside protected mode, a new
 * state the backend refuses), -EFAULT when a TSS or descriptor is not in
 * RAM.
 */
int x86_task_switch(struct pvx_vcpu *vcpu, u16 sel, int source,
		    bool has_error, u32 error, unsigned int insn_len)
{
	struct ts_state *st = kzalloc(sizeof(*st), GFP_KERNEL);
	struct ts_fault f = { 0 };
	int r;

	if (!st)
		return -ENOMEM;
	x86_cpu_get_regs(vcpu, &st->regs);
	x86_cpu_get_sregs(vcpu, &st->sr);
	if (!(st->sr.cr0 & X86_CR0_PE) || (st->sr.efer & EFER_LMA)) {
		kfree(st);
		return -EINVAL;
	}
	mutex_lock(&vcpu->vm->lock);
	r = ts_prepare(vcpu, st, sel, source, &f);
	if (!r)
		r = ts_commit(vcpu, st, sel, source, has_error, error,
			      insn_len);
	mutex_unlock(&vcpu->vm->lock);
	kfree(st);
	if (r == 1) {
		x86_cpu_inject(vcpu, f.vector, true, f.error, 0);
		return 0;
	}
	return r;
}
