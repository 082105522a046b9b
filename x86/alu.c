// SPDX-License-Identifier: GPL-2.0
/*
 * The arithmetic of emulated instructions, done by the CPU itself: each
 * operation runs as the same instruction on the host, on register copies
 * of the operands, with the guest's arithmetic flags loaded before it and
 * read back after it (the way KVM's emulator runs its "fastop"s). So
 * CF, PF, AF, ZF, SF and OF come out exactly as the guest's CPU would set
 * them on RAM, the flags the SDM calls undefined included (the host is
 * the CPU the guest runs on). Only those six flags travel; IF, DF, TF,
 * AC and the rest of the host's RFLAGS stay the host's.
 */
#include <linux/kernel.h>
#include <asm/processor-flags.h>

#include "x86.h"

#define X86_ARITH_FLAGS	(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
			 X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_OF)

/* Replace the arithmetic flags with @in, run the instruction, read them. */
#define FLAGS_IN	"pushf\n\tandq %[keep], (%%rsp)\n\torq %[in], (%%rsp)\n\tpopf\n\t"
#define FLAGS_OUT	"\n\tpushf\n\tpopq %[out]"

/* Two operands: "insn src, dst" in AT&T order, @m the size modifier. */
#define ASM2(insn, m, d, s, in, fl)					\
	asm(FLAGS_IN insn " %" m "[s], %" m "[d]" FLAGS_OUT		\
	    : [d] "+r" (d), [out] "=&r" (fl)				\
	    : [s] "r" (s), [in] "r" (in), [keep] "i" (~X86_ARITH_FLAGS)	\
	    : "cc")

/* One operand. */
#define ASM1(insn, m, d, in, fl)					\
	asm(FLAGS_IN insn " %" m "[d]" FLAGS_OUT			\
	    : [d] "+r" (d), [out] "=&r" (fl)				\
	    : [in] "r" (in), [keep] "i" (~X86_ARITH_FLAGS)		\
	    : "cc")

typedef u64 (*x86_alu_fn)(u64 d, u64 s, int size, unsigned long in,
			  unsigned long *out);

/* One function per operation, a case per operand size. */
#define ALU_FN(name, byte, word, dword, qword)				\
static u64 name(u64 d, u64 s, int size, unsigned long in,		\
		unsigned long *out)					\
{									\
	unsigned long f = in;						\
									\
	switch (size) {							\
	case 1:								\
		byte;							\
		break;							\
	case 2:								\
		word;							\
		break;							\
	case 4:								\
		dword;							\
		break;							\
	default:							\
		qword;							\
		break;							\
	}								\
	*out = f;							\
	return d;							\
}

#define BINOP(name, insn)						\
	ALU_FN(name, ASM2(insn "b", "b", d, s, in, f),			\
	       ASM2(insn "w", "w", d, s, in, f),			\
	       ASM2(insn "l", "k", d, s, in, f),			\
	       ASM2(insn "q", "q", d, s, in, f))

/* BT* have no byte form (decode.c never asks for one). */
#define BITOP(name, insn)						\
	ALU_FN(name, (void)0,						\
	       ASM2(insn "w", "w", d, s, in, f),			\
	       ASM2(insn "l", "k", d, s, in, f),			\
	       ASM2(insn "q", "q", d, s, in, f))

#define UNOP(name, insn)						\
	ALU_FN(name, ASM1(insn "b", "b", d, in, f),			\
	       ASM1(insn "w", "w", d, in, f),				\
	       ASM1(insn "l", "k", d, in, f),				\
	       ASM1(insn "q", "q", d, in, f))

BINOP(alu_add, "add")
BINOP(alu_or, "or")
BINOP(alu_adc, "adc")
BINOP(alu_sbb, "sbb")
BINOP(alu_and, "and")
BINOP(alu_sub, "sub")
BINOP(alu_xor, "xor")
BINOP(alu_cmp, "cmp")
BINOP(alu_test, "test")
UNOP(alu_not, "not")
UNOP(alu_neg, "neg")
UNOP(alu_inc, "inc")
UNOP(alu_dec, "dec")
BITOP(alu_bt, "bt")
BITOP(alu_bts, "bts")
BITOP(alu_btr, "btr")
BITOP(alu_btc, "btc")

static const x86_alu_fn x86_alu_ops[X86_NR_OPS] = {
	[X86_OP_ADD] = alu_add, [X86_OP_OR] = alu_or, [X86_OP_ADC] = alu_adc,
	[X86_OP_SBB] = alu_sbb, [X86_OP_AND] = alu_and,
	[X86_OP_SUB] = alu_sub, [X86_OP_XOR] = alu_xor,
	[X86_OP_CMP] = alu_cmp, [X86_OP_TEST] = alu_test,
	[X86_OP_NOT] = alu_not, [X86_OP_NEG] = alu_neg,
	[X86_OP_INC] = alu_inc, [X86_OP_DEC] = alu_dec,
	[X86_OP_BT] = alu_bt, [X86_OP_BTS] = alu_bts, [X86_OP_BTR] = alu_btr,
	[X86_OP_BTC] = alu_btc,
};

/**
 * x86_alu() - run ALU operation @op on @dst and @src as the CPU does.
 * @op: X86_OP_ADD .. X86_OP_BTC (CMP and TEST for their flags, and BT*
 *	with @src the bit offset).
 * @dst: the destination's value.
 * @src: the source's value (ignored by the one-operand ops).
 * @size: operand size in bytes (BT*: 2, 4 or 8).
 * @rflags: the guest's RFLAGS; its arithmetic flags are updated.
 *
 * Return: the result, @size bytes (@dst itself for CMP, TEST and BT).
 */
u64 x86_alu(u8 op, u64 dst, u64 src, int size, unsigned long *rflags)
{
	unsigned long in = *rflags & X86_ARITH_FLAGS, out;
	u64 r = x86_alu_ops[op](dst, src, size, in, &out);

	*rflags = (*rflags & ~X86_ARITH_FLAGS) | (out & X86_ARITH_FLAGS);
	return size == 8 ? r : r & ((1ULL << (8 * size)) - 1);
}
