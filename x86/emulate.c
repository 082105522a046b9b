// SPDX-License-Identifier: GPL-2.0
/*
 * Emulation of an instruction whose memory operand is MMIO: the EPT
 * violation says which guest-physical address faulted but neither the
 * access size, the register nor the instruction length (SDM 28.2.5), so
 * the instruction at RIP is decoded (decode.c) and executed here, its
 * memory operands going to RAM or, outside RAM, to userspace.
 *
 * The rules, as on the CPU (SDM Vol. 2, each instruction's "Operation"):
 *  - At most one memory read and one memory write per instruction, the
 *    read first: a read-modify-write (ADD to memory, XCHG, XADD, CMPXCHG,
 *    NOT, NEG, INC, DEC, BTS/BTR/BTC) on MMIO is a PVX_EXIT_MMIO read,
 *    then, when userspace answered it, a PVX_EXIT_MMIO write. CMP, TEST
 *    and BT only read. CMPXCHG writes only when the comparison succeeds
 *    (the CPU's locked cycle writes the old value back otherwise; pvx
 *    does not hand userspace that write, as KVM's emulator does not).
 *  - The register and flag results are committed when the instruction
 *    retires: after the last read, before the write exit. The write exit
 *    returns to userspace with the instruction complete, like a MOV's.
 *  - Every memory operand is translated through the guest's paging before
 *    anything is committed: a #PF (the write bit set for an operand that
 *    will be written) is raised with nothing changed.
 *  - An access that straddles a page boundary with MMIO on either side is
 *    not emulated (one exit cannot describe it): an internal error.
 *  - MOVS, STOS, LODS step RSI/RDI by the operand size (backwards with
 *    DF=1) at the address size; with REP one element is done per exit and
 *    RCX counts down, RIP staying on the instruction until RCX reaches 0,
 *    so the CPU itself does the RAM-only elements in between.
 *  - Flags: x86_alu() runs the operation on the host CPU (alu.c).
 *
 * The decoded instruction and the value its read got live in the vCPU's
 * struct x86_emul between PVX_RUN calls (PVX_PENDING_EMULATE).
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <asm/processor-flags.h>
#include <asm/traps.h>

#include "x86.h"
#include "../core/pvx.h"

/* A memory operand's guest-physical place: one page, or two. */
struct x86_access {
	u64 gpa[2];
	u8 len[2];
	bool mmio;
};

static u64 x86_mask(int size)
{
	return size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

/*
 * The EPT violation's own translation stands for the page walk of an
 * operand in the page that faulted, when it was checked for a write if
 * one is wanted (the CPU walked the guest's tables and checked the access
 * before EPT faulted, SDM 28.2.1). That page is the one of the guest-linear
 * address the exit reports, if it does; else, as KVM's emulator judges
 * it, the page of the instruction's only memory operand if its offset in
 * the page is the faulting address's (MOVS has two: it always walks).
 */
static bool x86_hint_translates(const struct x86_emul *em, u64 gva,
				bool write)
{
	const struct x86_insn *in = &em->insn;

	if (!em->hint_valid || (write && !em->hint_write))
		return false;
	if (em->hint_gla_valid)
		return !((gva ^ em->hint_gla) & PAGE_MASK);
	return !(in->src.loc == X86_LOC_MEM && in->dst.loc == X86_LOC_MEM) &&
	       offset_in_page(gva) == offset_in_page(em->hint_gpa);
}

/*
 * Translate @m for a read or (@write) a write, the page walk checking
 * write access also for the read of a read-modify-write (@walk_write):
 * 1 with #PF injected, 0 with @a filled, -EINVAL for an MMIO access that
 * straddles a page.
 */
static int x86_translate(struct pvx_vcpu *vcpu, const struct x86_mem *m,
			 int size, bool write, bool walk_write,
			 struct x86_access *a)
{
	const struct x86_emul *em = &vcpu->emul;
	struct ept_mem *mem = &vcpu->vm->mem;
	u64 lin = m->lin;
	u32 pf_error;
	int k;

	a->len[0] = min_t(u64, size, PAGE_SIZE - offset_in_page(lin));
	a->len[1] = size - a->len[0];
	a->mmio = false;
	for (k = 0; k < 2 && a->len[k]; k++) {
		u64 gva = k ? lin + a->len[0] : lin;

		if (x86_hint_translates(em, gva, walk_write)) {
			a->gpa[k] = (em->hint_gpa & PAGE_MASK) |
				    offset_in_page(gva);
			/* ept_fault() found no RAM there for this access. */
			if (write == em->hint_write) {
				a->mmio = true;
				continue;
			}
		} else if (guest_gva_to_gpa(vcpu, gva, walk_write, &a->gpa[k],
					    &pf_error)) {
			x86_cpu_inject(vcpu, X86_TRAP_PF, true, pf_error, gva);
			return 1;
		}
		if (!guest_gpa_is_ram(mem, a->gpa[k], write))
			a->mmio = true;
	}
	return a->mmio && a->len[1] ? -EINVAL : 0;
}

/* Copy between RAM and @val, a part per page. */
static int x86_ram_access(struct pvx_vcpu *vcpu, const struct x86_access *a,
			  u64 *val, bool write)
{
	struct ept_mem *mem = &vcpu->vm->mem;
	u8 *p = (u8 *)val;
	int k, r = 0;

	for (k = 0; k < 2 && a->len[k] && !r; k++) {
		r = write ? guest_write_gpa(mem, a->gpa[k], p, a->len[k]) :
			    guest_read_gpa(mem, a->gpa[k], p, a->len[k]);
		p += a->len[k];
	}
	return r ? -EINVAL : 0;
}

static void x86_mmio_exit(struct pvx_vcpu *vcpu, u64 gpa, int size,
			  bool write, u64 val)
{
	struct pvx_run *run = vcpu->run;

	run->exit_reason = PVX_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = size;
	run->mmio.is_write = write;
	memset(run->mmio.padding, 0, sizeof(run->mmio.padding));
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (write)
		memcpy(run->mmio.data, &val, size);
}

/*
 * The instruction's memory read: its value if done (RAM, or userspace
 * answered); else 0 after setting up the MMIO read exit. 1: #PF injected.
 */
static int x86_read_mem(struct pvx_vcpu *vcpu, struct x86_emul *em,
			const struct x86_operand *o, bool rmw, u64 *val)
{
	struct x86_access a;
	int r;

	if (em->have_read) {
		*val = em->read_val;
		return 2;
	}
	r = x86_translate(vcpu, &o->mem, o->size, false, rmw, &a);
	if (r)
		return r;
	if (a.mmio) {
		x86_mmio_exit(vcpu, a.gpa[0], o->size, false, 0);
		em->read_size = o->size;
		vcpu->pending = PVX_PENDING_EMULATE;
		return 0;
	}
	*val = 0;
	r = x86_ram_access(vcpu, &a, val, false);
	if (r)
		return r;
	em->have_read = true;
	em->read_val = *val;
	return 2;
}

static u64 x86_get_reg(struct pvx_vcpu *vcpu, const struct x86_operand *o)
{
	u64 v = x86_cpu_get_reg(vcpu, o->reg);

	return (o->high_byte ? v >> 8 : v) & x86_mask(o->size);
}

/* Store @v in a register as an instruction of that size does (SDM 3.4.1.1). */
static void x86_set_reg(struct pvx_vcpu *vcpu, const struct x86_operand *o,
			u64 v)
{
	u64 old = x86_cpu_get_reg(vcpu, o->reg);

	if (o->high_byte)
		v = (old & ~0xff00ULL) | ((v & 0xff) << 8);
	else if (o->size < 4)
		v = (old & ~x86_mask(o->size)) | (v & x86_mask(o->size));
	else
		v &= x86_mask(o->size);		/* 32 bits zero-extend */
	x86_cpu_set_reg(vcpu, o->reg, v);
}

/* An operand's value: 2 when @v has it, else x86_read_mem()'s answer. */
static int x86_get(struct pvx_vcpu *vcpu, struct x86_emul *em,
		   const struct x86_operand *o, bool rmw, u64 *v)
{
	switch (o->loc) {
	case X86_LOC_REG:
		*v = x86_get_reg(vcpu, o);
		return 2;
	case X86_LOC_IMM:
		*v = o->imm & x86_mask(o->size);
		return 2;
	case X86_LOC_MEM:
		return x86_read_mem(vcpu, em, o, rmw, v);
	default:
		*v = 0;
		return 2;
	}
}

/* What an instruction does with its destination. */
static bool x86_reads_dst(u8 op)
{
	return op != X86_OP_MOV && op != X86_OP_MOVZX && op != X86_OP_MOVSX;
}

static bool x86_writes_dst(u8 op)
{
	return op != X86_OP_CMP && op != X86_OP_TEST && op != X86_OP_BT;
}

/* The results of one execution, committed when it retires. */
struct x86_result {
	u64 dst;		/* the destination's new value */
	bool write_dst;		/* ... to be written */
	u64 src;		/* XCHG, XADD: the register operand's */
	bool write_src;
	bool write_acc;		/* CMPXCHG that failed: the accumulator */
	u64 acc;
	unsigned long rflags;
};

static u64 x86_sign_extend(u64 v, int size)
{
	return (u64)((s64)(v << (64 - 8 * size)) >> (64 - 8 * size));
}

/* Compute what @in does to (@d, @s). */
static void x86_compute(struct pvx_vcpu *vcpu, const struct x86_insn *in,
			u64 d, u64 s, struct x86_result *res)
{
	int size = in->dst.size;
	u64 acc;

	res->write_dst = x86_writes_dst(in->op);
	switch (in->op) {
	case X86_OP_MOV:
		res->dst = s;
		break;
	case X86_OP_MOVZX:
		res->dst = s;
		break;
	case X86_OP_MOVSX:
		res->dst = x86_sign_extend(s, in->src.size);
		break;
	case X86_OP_XCHG:
		res->dst = s;
		res->src = d;
		res->write_src = true;
		break;
	case X86_OP_XADD:
		res->dst = x86_alu(X86_OP_ADD, d, s, size, &res->rflags);
		res->src = d;
		res->write_src = true;
		break;
	case X86_OP_CMPXCHG:
		acc = x86_cpu_get_reg(vcpu, X86_RAX) & x86_mask(size);
		x86_alu(X86_OP_CMP, acc, d, size, &res->rflags);
		if (res->rflags & X86_EFLAGS_ZF) {
			res->dst = s;
		} else {
			res->write_dst = false;
			res->write_acc = true;
			res->acc = d;
		}
		break;
	case X86_OP_BT: case X86_OP_BTS: case X86_OP_BTR: case X86_OP_BTC:
		/* The bit within the operand (decode.c moved to its operand). */
		res->dst = x86_alu(in->op, d, s & (8 * size - 1), size,
				   &res->rflags);
		break;
	default:
		res->dst = x86_alu(in->op, d, s, size, &res->rflags);
		break;
	}
	res->dst &= x86_mask(size);
}

/* Add @delta to a register at address size @asz (16 and 32 bits wrap). */
static void x86_add_addr_reg(struct pvx_vcpu *vcpu, int reg, int asz,
			     s64 delta)
{
	u64 v = x86_cpu_get_reg(vcpu, reg), n = v + delta;

	if (asz == 2)
		n = (v & ~0xffffULL) | (n & 0xffff);
	else if (asz == 4)
		n = (u32)n;
	x86_cpu_set_reg(vcpu, reg, n);
}

/*
 * Retire: registers, flags, then RIP. A string instruction steps RSI/RDI;
 * with REP, RCX counts down and RIP stays until it reaches 0.
 */
static void x86_retire(struct pvx_vcpu *vcpu, const struct x86_insn *in,
		       const struct x86_result *res, unsigned long rflags)
{
	if (res->write_dst && in->dst.loc == X86_LOC_REG)
		x86_set_reg(vcpu, &in->dst, res->dst);
	if (res->write_src)
		x86_set_reg(vcpu, &in->src, res->src);
	if (res->write_acc) {
		struct x86_operand acc = { .loc = X86_LOC_REG, .reg = X86_RAX,
					   .size = in->dst.size };

		x86_set_reg(vcpu, &acc, res->acc);
	}
	if (res->rflags != rflags)
		x86_cpu_write(vcpu, X86_RFLAGS, res->rflags);
	if (in->string) {
		s64 delta = res->rflags & X86_EFLAGS_DF ? -in->dst.size :
							   in->dst.size;

		if (in->src.loc == X86_LOC_MEM)
			x86_add_addr_reg(vcpu, X86_RSI, in->addr_size, delta);
		if (in->dst.loc == X86_LOC_MEM)
			x86_add_addr_reg(vcpu, X86_RDI, in->addr_size, delta);
		if (in->rep) {
			x86_add_addr_reg(vcpu, X86_RCX, in->addr_size, -1);
			if (x86_cpu_get_reg(vcpu, X86_RCX) &
			    x86_mask(in->addr_size))
				return;		/* the CPU runs it again */
		}
	}
	x86_cpu_skip(vcpu, in->len);
}

/* Its source and destination values; 2 when both are there. */
static int x86_operands(struct pvx_vcpu *vcpu, struct x86_emul *em,
			u64 *d, u64 *s)
{
	const struct x86_insn *in = &em->insn;
	bool rmw = x86_writes_dst(in->op);
	int r = 2;

	*d = 0;
	if (x86_reads_dst(in->op))
		r = x86_get(vcpu, em, &in->dst, rmw, d);
	if (r == 2)
		r = x86_get(vcpu, em, &in->src, false, s);
	return r;
}

/*
 * Run the decoded instruction as far as it goes: 1 when it retired (or
 * raised #PF) and the guest may go on, 0 for an MMIO exit, -EINVAL when
 * it cannot be emulated.
 */
static int x86_execute(struct pvx_vcpu *vcpu, struct x86_emul *em)
{
	const struct x86_insn *in = &em->insn;
	unsigned long rflags = x86_cpu_read(vcpu, X86_RFLAGS);
	struct x86_result res = { .rflags = rflags };
	bool mem_write;
	struct x86_access a;
	u64 d, s;
	int r;

	if (in->rep &&
	    !(x86_cpu_get_reg(vcpu, X86_RCX) & x86_mask(in->addr_size))) {
		x86_cpu_skip(vcpu, in->len);
		return 1;
	}
	r = x86_operands(vcpu, em, &d, &s);
	if (r != 2)
		return r;
	x86_compute(vcpu, in, d, s, &res);
	mem_write = res.write_dst && in->dst.loc == X86_LOC_MEM;
	if (mem_write) {
		r = x86_translate(vcpu, &in->dst.mem, in->dst.size, true, true,
				  &a);
		if (r)
			return r;
	}
	x86_retire(vcpu, in, &res, rflags);
	if (!mem_write)
		return 1;
	if (a.mmio) {
		x86_mmio_exit(vcpu, a.gpa[0], in->dst.size, true, res.dst);
		return 0;
	}
	return x86_ram_access(vcpu, &a, &res.dst, true) ?: 1;
}

/**
 * x86_emulate_mmio() - emulate the instruction at RIP, which touched MMIO.
 * @vcpu: the vCPU, loaded; called by the EPT-violation handler under the
 *	VM lock it took for the fault.
 * @gpa: the guest-physical address that faulted.
 * @gla: its guest-linear address, if @gla_valid.
 * @gla_valid: the exit gave the linear address of the access.
 * @write: the access was a write.
 *
 * Return: 1 to re-enter the guest, 0 for userspace (vcpu->run has the
 * PVX_EXIT_MMIO), -EINVAL when the instruction cannot be emulated, -EFAULT
 * when it cannot be fetched (x86_emulate_report() has its bytes).
 */
int x86_emulate_mmio(struct pvx_vcpu *vcpu, u64 gpa, u64 gla, bool gla_valid,
		     bool write)
{
	struct x86_emul *em = &vcpu->emul;
	int r;

	lockdep_assert_held(&vcpu->vm->lock);
	em->have_read = false;
	em->hint_valid = true;
	em->hint_gla_valid = gla_valid;
	em->hint_gla = gla;
	em->hint_gpa = gpa;
	em->hint_write = write;
	r = x86_decode(vcpu, &em->insn);
	if (!r)
		r = x86_execute(vcpu, em);
	return r;
}

/**
 * x86_emulate_complete() - PVX_RUN after the MMIO read exit: go on with
 * the value userspace put in run->mmio.data.
 * @vcpu: the vCPU, loaded.
 *
 * Return: as x86_emulate_mmio(); 0 here is the instruction's write exit.
 */
int x86_emulate_complete(struct pvx_vcpu *vcpu)
{
	struct x86_emul *em = &vcpu->emul;
	u64 v = 0;
	int r;

	memcpy(&v, vcpu->run->mmio.data, em->read_size);
	em->read_val = v;
	em->have_read = true;
	mutex_lock(&vcpu->vm->lock);
	r = x86_execute(vcpu, em);
	mutex_unlock(&vcpu->vm->lock);
	return r;
}

/**
 * x86_emulate_report() - the bytes of the instruction last decoded.
 * @vcpu: the vCPU.
 * @bytes: X86_MAX_INSN_LEN bytes.
 * @len: how many are the instruction's (decoded), or were fetched.
 */
void x86_emulate_report(struct pvx_vcpu *vcpu, u8 *bytes, u32 *len)
{
	const struct x86_insn *in = &vcpu->emul.insn;

	*len = in->len && in->len <= in->n ? in->len : in->n;
	memcpy(bytes, in->b, X86_MAX_INSN_LEN);
}
