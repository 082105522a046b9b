// SPDX-License-Identifier: GPL-2.0
/*
 * The x86 instruction decoder for emulation: legacy and REX prefixes,
 * one- and two-byte opcodes, ModRM, SIB, displacement and immediate, in
 * 16-, 32- and 64-bit code (SDM Vol. 2 chapter 2, Tables 2-1 to 2-3;
 * opcode map Vol. 2 Appendix A).
 *
 * Rule: an opcode is decoded only if its table entry says what operation
 * it is and where its operands are; the table holds exactly the
 * instructions emulate.c can execute with a memory operand (ALU ops,
 * TEST, NOT/NEG, INC/DEC, BT*, XCHG, XADD, CMPXCHG, MOV, MOVZX/MOVSX,
 * MOVS/STOS/LODS). Anything else, a register-only form (no memory, so it
 * cannot be what faulted) or bytes that run out, is -EINVAL. The decoded
 * operands are resolved against the registers as they are now (effective
 * and linear addresses), so decoding is done once per EPT violation.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <asm/msr-index.h>

#include "x86.h"
#include "../core/pvx.h"

/* Operand kinds of the opcode table. */
enum x86_kind {
	K_NONE,
	K_E,		/* ModRM r/m: must be memory */
	K_G,		/* ModRM reg */
	K_I,		/* immediate of the operand size (at most 4 bytes) */
	K_IB,		/* imm8, sign-extended */
	K_ACC,		/* AL, AX, EAX, RAX */
	K_MOFFS,	/* moffs of the address size (A0-A3) */
	K_XSI,		/* DS:rSI, segment overridable */
	K_XDI,		/* ES:rDI */
};

/* Flags of the opcode table. */
#define F_BYTE		BIT(0)	/* byte operands */
#define F_SRC16		BIT(1)	/* MOVZX/MOVSX from 16 bits (else 8) */
#define F_STRING	BIT(2)	/* string instruction: REP applies */
#define F_NO64		BIT(3)	/* invalid in 64-bit code */

struct x86_opcode {
	u8 op;		/* enum x86_op; X86_OP_NONE: not emulated */
	u8 dst, src;	/* enum x86_kind */
	u8 flags;
	const struct x86_opcode *group;	/* by ModRM.reg, if set */
};

#define OP(o, d, s, f)	{ .op = X86_OP_##o, .dst = K_##d, .src = K_##s, .flags = f }
#define GROUP(g, f)	{ .group = g, .flags = f }

/* Group 1 (80, 81, 83): the ALU op is ModRM.reg. */
static const struct x86_opcode group1_ib[8] = {
	OP(ADD, E, IB, 0), OP(OR, E, IB, 0), OP(ADC, E, IB, 0),
	OP(SBB, E, IB, 0), OP(AND, E, IB, 0), OP(SUB, E, IB, 0),
	OP(XOR, E, IB, 0), OP(CMP, E, IB, 0),
};
static const struct x86_opcode group1_i[8] = {
	OP(ADD, E, I, 0), OP(OR, E, I, 0), OP(ADC, E, I, 0),
	OP(SBB, E, I, 0), OP(AND, E, I, 0), OP(SUB, E, I, 0),
	OP(XOR, E, I, 0), OP(CMP, E, I, 0),
};
/* Group 3 (F6, F7): TEST imm (/0 and its alias /1), NOT, NEG. */
static const struct x86_opcode group3[8] = {
	OP(TEST, E, I, 0), OP(TEST, E, I, 0), OP(NOT, E, NONE, 0),
	OP(NEG, E, NONE, 0),
};
/* Groups 4 and 5 (FE, FF): INC, DEC. */
static const struct x86_opcode group45[8] = {
	OP(INC, E, NONE, 0), OP(DEC, E, NONE, 0),
};
/* Group 8 (0F BA): BT, BTS, BTR, BTC with imm8 (/4../7). */
static const struct x86_opcode group8[8] = {
	[4] = OP(BT, E, IB, 0), OP(BTS, E, IB, 0), OP(BTR, E, IB, 0),
	OP(BTC, E, IB, 0),
};
/* Group 11 (C6, C7): MOV imm (/0). */
static const struct x86_opcode group11[8] = {
	OP(MOV, E, I, 0),
};

/* The four ModRM forms of an ALU op: Eb,Gb  Ev,Gv  Gb,Eb  Gv,Ev. */
#define ALU(o, base)							\
	[base] = OP(o, E, G, F_BYTE), [base + 1] = OP(o, E, G, 0),	\
	[base + 2] = OP(o, G, E, F_BYTE), [base + 3] = OP(o, G, E, 0)

static const struct x86_opcode x86_one_byte[256] = {
	ALU(ADD, 0x00), ALU(OR, 0x08), ALU(ADC, 0x10), ALU(SBB, 0x18),
	ALU(AND, 0x20), ALU(SUB, 0x28), ALU(XOR, 0x30), ALU(CMP, 0x38),
	[0x80] = GROUP(group1_i, F_BYTE),
	[0x81] = GROUP(group1_i, 0),
	[0x82] = GROUP(group1_ib, F_BYTE | F_NO64),
	[0x83] = GROUP(group1_ib, 0),
	[0x84] = OP(TEST, E, G, F_BYTE), [0x85] = OP(TEST, E, G, 0),
	[0x86] = OP(XCHG, E, G, F_BYTE), [0x87] = OP(XCHG, E, G, 0),
	[0x88] = OP(MOV, E, G, F_BYTE), [0x89] = OP(MOV, E, G, 0),
	[0x8a] = OP(MOV, G, E, F_BYTE), [0x8b] = OP(MOV, G, E, 0),
	[0xa0] = OP(MOV, ACC, MOFFS, F_BYTE), [0xa1] = OP(MOV, ACC, MOFFS, 0),
	[0xa2] = OP(MOV, MOFFS, ACC, F_BYTE), [0xa3] = OP(MOV, MOFFS, ACC, 0),
	[0xa4] = OP(MOV, XDI, XSI, F_BYTE | F_STRING),
	[0xa5] = OP(MOV, XDI, XSI, F_STRING),
	[0xaa] = OP(MOV, XDI, ACC, F_BYTE | F_STRING),
	[0xab] = OP(MOV, XDI, ACC, F_STRING),
	[0xac] = OP(MOV, ACC, XSI, F_BYTE | F_STRING),
	[0xad] = OP(MOV, ACC, XSI, F_STRING),
	[0xc6] = GROUP(group11, F_BYTE), [0xc7] = GROUP(group11, 0),
	[0xf6] = GROUP(group3, F_BYTE), [0xf7] = GROUP(group3, 0),
	[0xfe] = GROUP(group45, F_BYTE), [0xff] = GROUP(group45, 0),
};

static const struct x86_opcode x86_two_byte[256] = {
	[0xa3] = OP(BT, E, G, 0), [0xab] = OP(BTS, E, G, 0),
	[0xb3] = OP(BTR, E, G, 0), [0xbb] = OP(BTC, E, G, 0),
	[0xba] = GROUP(group8, 0),
	[0xb0] = OP(CMPXCHG, E, G, F_BYTE), [0xb1] = OP(CMPXCHG, E, G, 0),
	[0xc0] = OP(XADD, E, G, F_BYTE), [0xc1] = OP(XADD, E, G, 0),
	[0xb6] = OP(MOVZX, G, E, 0), [0xb7] = OP(MOVZX, G, E, F_SRC16),
	[0xbe] = OP(MOVSX, G, E, 0), [0xbf] = OP(MOVSX, G, E, F_SRC16),
};

/* Decoding state beside the result. */
struct x86_dec {
	struct x86_insn *in;
	struct pvx_vcpu *vcpu;
	u8 i;			/* bytes decoded so far */
	u8 rex;
	s8 seg;			/* segment override, or -1 */
	u8 modrm;
	bool rip_rel;		/* RIP-relative (64-bit code, mod 0, r/m 5) */
	bool ss_based;		/* based on BP or SP: SS unless overridden */
	u64 ea;			/* the ModRM operand's effective address */
};

static bool dec_byte(struct x86_dec *d, u8 *byte)
{
	if (d->i >= d->in->n)
		return false;
	*byte = d->in->b[d->i++];
	return true;
}

/* Little-endian @size bytes (at most 8); sign-extended if @sx. */
static bool dec_le(struct x86_dec *d, int size, bool sx, u64 *v)
{
	u64 x = 0;
	int k;

	if (d->i + size > d->in->n)
		return false;
	for (k = 0; k < size; k++)
		x |= (u64)d->in->b[d->i + k] << (8 * k);
	d->i += size;
	if (sx && size < 8)
		x = (u64)((s64)(x << (64 - 8 * size)) >> (64 - 8 * size));
	*v = x;
	return true;
}

/* Fetch up to 15 bytes at CS:RIP; the tail may lie in an unmapped page. */
static int x86_fetch(struct pvx_vcpu *vcpu, struct x86_insn *in)
{
	u64 rip = x86_cpu_read(vcpu, X86_RIP), gva, pf_addr;
	u64 cs_base = x86_cpu_read(vcpu, X86_ES_BASE + X86_SEG_CS);
	size_t first;
	u32 pf_error;

	gva = in->mode64 ? rip : (u32)(cs_base + rip);
	first = min_t(size_t, X86_MAX_INSN_LEN, PAGE_SIZE - offset_in_page(gva));
	if (guest_read_gva(vcpu, gva, in->b, first, &pf_error, &pf_addr))
		return -EFAULT;
	in->n = first;
	if (first < X86_MAX_INSN_LEN &&
	    !guest_read_gva(vcpu, gva + first, in->b + first,
			    X86_MAX_INSN_LEN - first, &pf_error, &pf_addr))
		in->n = X86_MAX_INSN_LEN;
	return 0;
}

/* Legacy prefixes and REX; the operand and address sizes follow. */
static void x86_prefixes(struct x86_dec *d, int mode_size, u8 *rep)
{
	struct x86_insn *in = d->in;
	bool opsize = false, addrsize = false;
	u8 b;

	while (dec_byte(d, &b)) {
		switch (b) {
		case 0x66:
			opsize = true;
			continue;
		case 0x67:
			addrsize = true;
			continue;
		case 0x26: case 0x2e: case 0x36: case 0x3e:
			d->seg = (b >> 3) & 3;		/* ES, CS, SS, DS */
			continue;
		case 0x64: case 0x65:
			d->seg = X86_SEG_FS + (b & 1);
			continue;
		case 0xf0:				/* LOCK */
			continue;
		case 0xf2: case 0xf3:
			*rep = b;
			continue;
		}
		d->i--;
		break;
	}
	/* REX must come right before the opcode (SDM 2.2.1). */
	if (in->mode64 && d->i < in->n && (in->b[d->i] & 0xf0) == 0x40)
		d->rex = in->b[d->i++];

	if (in->mode64)
		in->addr_size = addrsize ? 4 : 8;
	else
		in->addr_size = (mode_size == 4) ^ addrsize ? 4 : 2;
	if (d->rex & 8)			/* REX.W */
		in->op_size = 8;
	else if (mode_size == 2)
		in->op_size = opsize ? 4 : 2;
	else
		in->op_size = opsize ? 2 : 4;
}

/* 16-bit ModRM addressing (SDM Vol. 2 Table 2-1), by r/m; -1: none. */
static const s8 x86_base16[8] = {
	X86_RBX, X86_RBX, X86_RBP, X86_RBP, -1, -1, X86_RBP, X86_RBX,
};
static const s8 x86_index16[8] = {
	X86_RSI, X86_RDI, X86_RSI, X86_RDI, X86_RSI, X86_RDI, -1, -1,
};

static bool x86_ea16(struct x86_dec *d, u8 mod, u8 rm)
{
	int base = x86_base16[rm], index = x86_index16[rm];
	int dsize = mod == 1 ? 1 : mod == 2 ? 2 : 0;
	u64 ea = 0, disp = 0;

	if (mod == 0 && rm == 6) {	/* disp16 alone */
		base = -1;
		dsize = 2;
	}
	if (dsize && !dec_le(d, dsize, true, &disp))
		return false;
	if (base >= 0)
		ea += x86_cpu_get_reg(d->vcpu, base);
	if (index >= 0)
		ea += x86_cpu_get_reg(d->vcpu, index);
	d->ea = ea + disp;
	d->ss_based = base == X86_RBP;
	return true;
}

/* 32- and 64-bit ModRM addressing with SIB (SDM Vol. 2 Tables 2-2, 2-3). */
static bool x86_ea32(struct x86_dec *d, u8 mod, u8 rm)
{
	int base = rm | (d->rex & 1) << 3, index = -1, scale = 0;
	int dsize = mod == 1 ? 1 : mod == 2 ? 4 : 0;
	u64 ea = 0, disp = 0;
	u8 sib;

	if (rm == 4) {
		if (!dec_byte(d, &sib))
			return false;
		scale = sib >> 6;
		index = ((sib >> 3) & 7) | (d->rex & 2) << 2;	/* REX.X */
		if (index == X86_RSP)
			index = -1;			/* no index */
		base = (sib & 7) | (d->rex & 1) << 3;		/* REX.B */
		if ((sib & 7) == 5 && mod == 0) {
			base = -1;			/* disp32 alone */
			dsize = 4;
		}
	} else if (rm == 5 && mod == 0) {
		base = -1;				/* disp32 alone... */
		dsize = 4;
		d->rip_rel = d->in->mode64;		/* ...or RIP + disp32 */
	}
	if (dsize && !dec_le(d, dsize, true, &disp))
		return false;
	if (base >= 0)
		ea += x86_cpu_get_reg(d->vcpu, base);
	if (index >= 0)
		ea += x86_cpu_get_reg(d->vcpu, index) << scale;
	d->ea = ea + disp;
	d->ss_based = base == X86_RBP || base == X86_RSP;
	return true;
}

/* ModRM and, for a memory operand, SIB and displacement. */
static bool x86_modrm(struct x86_dec *d)
{
	u8 mod, rm;

	if (!dec_byte(d, &d->modrm))
		return false;
	mod = d->modrm >> 6;
	rm = d->modrm & 7;
	if (mod == 3)
		return false;	/* a register: no memory access to emulate */
	return d->in->addr_size == 2 ? x86_ea16(d, mod, rm) : x86_ea32(d, mod, rm);
}

static u64 x86_truncate(u64 v, int size)
{
	return size == 8 ? v : v & ((1ULL << (8 * size)) - 1);
}

/*
 * The linear address of segment @seg plus effective address @ea (SDM
 * Vol. 1 3.4.2, 3.7.5): the effective address wraps at the address size;
 * 64-bit code has bases in FS and GS only, other code wraps at 4 GiB.
 */
static u64 x86_linear(struct x86_dec *d, int seg, u64 ea)
{
	const struct x86_insn *in = d->in;
	u64 base = x86_cpu_read(d->vcpu, X86_ES_BASE + seg);

	ea = x86_truncate(ea, in->addr_size);
	if (in->mode64)
		return seg == X86_SEG_FS || seg == X86_SEG_GS ? base + ea : ea;
	return (u32)(base + ea);
}

/* A register operand @reg of @size bytes: without REX, 4-7 are AH..BH. */
static void x86_reg_operand(struct x86_dec *d, struct x86_operand *o, int reg)
{
	o->loc = X86_LOC_REG;
	o->high_byte = o->size == 1 && !d->rex && reg >= 4 && reg < 8;
	o->reg = o->high_byte ? reg - 4 : reg;
}

/* The memory operand of a string instruction: DS:rSI or ES:rDI. */
static void x86_string_operand(struct x86_dec *d, struct x86_operand *o,
			       bool src)
{
	int reg = src ? X86_RSI : X86_RDI;
	int seg = src && d->seg >= 0 ? d->seg : src ? X86_SEG_DS : X86_SEG_ES;

	o->loc = X86_LOC_MEM;
	o->mem.lin = x86_linear(d, seg, x86_cpu_get_reg(d->vcpu, reg));
}

/* Resolve operand kind @k into @o; the ModRM operand's address later. */
static bool x86_operand(struct x86_dec *d, u8 k, struct x86_operand *o)
{
	struct x86_insn *in = d->in;

	switch (k) {
	case K_NONE:
		return true;
	case K_E:
		o->loc = X86_LOC_MEM;
		return true;
	case K_G:
		x86_reg_operand(d, o, ((d->modrm >> 3) & 7) | (d->rex & 4) << 1);
		return true;
	case K_ACC:
		x86_reg_operand(d, o, X86_RAX);
		return true;
	case K_I:
		o->loc = X86_LOC_IMM;
		return dec_le(d, min_t(int, o->size, 4), true, &o->imm);
	case K_IB:
		o->loc = X86_LOC_IMM;
		return dec_le(d, 1, true, &o->imm);
	case K_MOFFS:
		o->loc = X86_LOC_MEM;
		if (!dec_le(d, in->addr_size, false, &d->ea))
			return false;
		return true;
	case K_XSI:
	case K_XDI:
		x86_string_operand(d, o, k == K_XSI);
		return true;
	}
	return false;
}

/* The opcode's table entry, following a group by ModRM.reg. */
static const struct x86_opcode *x86_lookup(struct x86_dec *d, u8 *flags)
{
	const struct x86_opcode *e;
	u8 opc;

	if (!dec_byte(d, &opc))
		return NULL;
	e = &x86_one_byte[opc];
	if (opc == 0x0f) {
		if (!dec_byte(d, &opc))
			return NULL;
		e = &x86_two_byte[opc];
	}
	*flags = e->flags;
	if ((e->flags & F_NO64) && d->in->mode64)
		return NULL;
	if (e->group) {
		if (d->i >= d->in->n)
			return NULL;
		e = &e->group[(d->in->b[d->i] >> 3) & 7];
	}
	return e->op ? e : NULL;
}

/* Group members all have a ModRM operand; other entries say so by kind. */
static bool x86_has_modrm(const struct x86_opcode *e)
{
	return e->dst == K_E || e->dst == K_G || e->src == K_E ||
	       e->src == K_G;
}

/* The CPU mode's default size: 8 in 64-bit code, else CS.D ? 4 : 2. */
int x86_mode_size(struct pvx_vcpu *vcpu)
{
	u32 cs_ar = x86_cpu_read(vcpu, X86_CS_AR);

	if ((x86_cpu_read(vcpu, X86_EFER) & EFER_LMA) && (cs_ar & BIT(13)))
		return 8;
	return (cs_ar & BIT(14)) ? 4 : 2;
}

/* The ModRM memory operand (or moffs) gets its linear address. */
static void x86_place_modrm(struct x86_dec *d, struct x86_operand *o)
{
	int seg = d->seg >= 0 ? d->seg : d->ss_based ? X86_SEG_SS : X86_SEG_DS;
	u64 ea = d->ea;

	if (d->rip_rel)
		ea += x86_cpu_read(d->vcpu, X86_RIP) + d->i;
	o->mem.lin = x86_linear(d, seg, ea);
}

/*
 * BT* with a register offset on memory address a bit string: the operand
 * is the one holding the bit, offset / (8 * size) operands away, the
 * offset signed (SDM Vol. 2 BT, "Bit(BitBase, BitOffset)").
 */
static void x86_bt_adjust(struct x86_dec *d)
{
	struct x86_insn *in = d->in;
	int bits = 8 * in->op_size, shift = ilog2(bits);
	s64 off = x86_cpu_get_reg(d->vcpu, in->src.reg);

	off = (s64)(off << (64 - bits)) >> (64 - bits);
	d->ea += (off >> shift) * in->op_size;
	in->bt_reg = true;
}

/**
 * x86_decode() - decode the instruction at the guest's CS:RIP.
 * @vcpu: the vCPU, loaded, under the VM lock.
 * @in: the result, operands resolved to registers, immediates and linear
 *	addresses as the registers are now.
 *
 * Return: 0; -EINVAL for an instruction outside the table or without a
 * memory operand; -EFAULT when it cannot be fetched.
 */
int x86_decode(struct pvx_vcpu *vcpu, struct x86_insn *in)
{
	int mode_size = x86_mode_size(vcpu), r;
	struct x86_dec d = { .in = in, .vcpu = vcpu, .seg = -1 };
	const struct x86_opcode *e;
	u8 rep = 0, flags;

	memset(in, 0, sizeof(*in));
	in->mode64 = mode_size == 8;
	r = x86_fetch(vcpu, in);
	if (r)
		return r;
	x86_prefixes(&d, mode_size, &rep);
	e = x86_lookup(&d, &flags);
	if (!e)
		return -EINVAL;
	in->op = e->op;
	if (flags & F_BYTE)
		in->op_size = 1;
	in->string = flags & F_STRING;
	in->rep = in->string && rep;
	in->dst.size = in->op_size;
	in->src.size = in->op_size;
	if (e->op == X86_OP_MOVZX || e->op == X86_OP_MOVSX)
		in->src.size = (flags & F_SRC16) ? 2 : 1;
	if (x86_has_modrm(e) && !x86_modrm(&d))
		return -EINVAL;
	if (!x86_operand(&d, e->dst, &in->dst) ||
	    !x86_operand(&d, e->src, &in->src))
		return -EINVAL;
	if (in->op >= X86_OP_BT && in->op <= X86_OP_BTC &&
	    in->src.loc == X86_LOC_REG)
		x86_bt_adjust(&d);
	in->len = d.i;
	if (e->dst == K_E || e->dst == K_MOFFS)
		x86_place_modrm(&d, &in->dst);
	if (e->src == K_E || e->src == K_MOFFS)
		x86_place_modrm(&d, &in->src);
	return in->len <= in->n ? 0 : -EINVAL;
}
