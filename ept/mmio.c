// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO: a guest access outside every RAM slot (or a write to a read-only
 * slot) is an EPT violation that pvx hands to userspace as PVX_EXIT_MMIO.
 *
 * The EPT violation gives the guest-physical address but not the access
 * size nor the register involved, and no instruction length (SDM 28.2.5:
 * VM_EXIT_INSTRUCTION_LEN is only valid for instruction exits). So the
 * instruction at RIP is fetched through the guest's page tables and
 * decoded. Decoded: MOV r/m<->reg (88, 89, 8A, 8B), MOV r/m, imm (C6, C7),
 * MOV moffs (A0-A3), MOVZX/MOVSX (0F B6, B7, BE, BF), with operand-size,
 * address-size, segment and REX prefixes, in 16-, 32- and 64-bit code.
 * Anything else is left to userspace as an internal-error exit; so is an
 * operand that is not exactly the access that faulted (one that straddles
 * a page boundary, or an instruction rewritten since it faulted).
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <asm/msr-index.h>
#include <asm/vmx.h>

#include "ept.h"
#include "../core/pvx.h"
#include "../vmx/vmx_ops.h"

#define X86_MAX_INSN_LEN 15

/* Segment registers in the order of their VMCS fields (SDM B.1-B.4). */
enum mmio_seg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS };

struct mmio_insn {
	u8 b[X86_MAX_INSN_LEN];
	int n;		/* bytes fetched */
	int i;		/* bytes decoded so far */
	int addr_size;	/* 2, 4 or 8 */
	int op_size;	/* 2, 4 or 8 */
	u8 rex;
	bool mode64;	/* 64-bit code */
	int seg;	/* segment override prefix, or -1 */
	/* The memory operand: */
	u64 ea;		/* effective address (RIP-relative: from the next RIP) */
	bool rip_rel;	/* RIP-relative (64-bit code, mod 0, r/m 5) */
	bool ss_based;	/* based on BP or SP: SS unless overridden */
};

static bool mmio_next(struct mmio_insn *in, u8 *byte)
{
	if (in->i >= in->n)
		return false;
	*byte = in->b[in->i++];
	return true;
}

/* Fetch up to 15 bytes at CS:RIP; the tail may lie in an unmapped page. */
static int mmio_fetch(struct pvx_vcpu *vcpu, struct mmio_insn *in, bool mode64)
{
	u64 rip = vmcs_read(GUEST_RIP), gva, pf_addr;
	size_t first;
	u32 pf_error;

	gva = mode64 ? rip : (u32)(vmcs_read(GUEST_CS_BASE) + rip);
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

/* Legacy prefixes and REX; sets the operand and address sizes. */
static void mmio_prefixes(struct mmio_insn *in, int mode_size)
{
	bool opsize = false, addrsize = false;
	u8 b;

	while (mmio_next(in, &b)) {
		switch (b) {
		case 0x66:
			opsize = true;
			continue;
		case 0x67:
			addrsize = true;
			continue;
		case 0x26: case 0x2e: case 0x36: case 0x3e:
			in->seg = (b >> 3) & 3;		/* ES, CS, SS, DS */
			continue;
		case 0x64: case 0x65:
			in->seg = SEG_FS + (b & 1);
			continue;
		}
		in->i--;
		break;
	}
	in->mode64 = mode_size == 8;
	if (mode_size == 8 && in->i < in->n && (in->b[in->i] & 0xf0) == 0x40)
		in->rex = in->b[in->i++];

	if (mode_size == 8)
		in->addr_size = addrsize ? 4 : 8;
	else
		in->addr_size = (mode_size == 4) ^ addrsize ? 4 : 2;
	if (in->rex & 8)		/* REX.W */
		in->op_size = 8;
	else if (mode_size == 2)
		in->op_size = opsize ? 4 : 2;
	else
		in->op_size = opsize ? 2 : 4;
}

/* Little-endian immediate of @size bytes (at most 4), sign-extended. */
static bool mmio_imm(struct mmio_insn *in, int size, u64 *imm)
{
	s64 v = 0;
	int k;

	if (in->i + size > in->n)
		return false;
	for (k = 0; k < size; k++)
		v |= (u64)in->b[in->i + k] << (8 * k);
	in->i += size;
	*imm = size == 1 ? (s64)(s8)v : size == 2 ? (s64)(s16)v : (s64)(s32)v;
	return true;
}

/* A moffs: @size bytes (2, 4 or 8), unsigned. */
static bool mmio_moffs(struct mmio_insn *in, int size, u64 *moffs)
{
	int k;

	if (in->i + size > in->n)
		return false;
	*moffs = 0;
	for (k = 0; k < size; k++)
		*moffs |= (u64)in->b[in->i + k] << (8 * k);
	in->i += size;
	return true;
}

/* 16-bit ModRM addressing (SDM Vol. 2 Table 2-1), by r/m; -1: none. */
static const s8 mmio_base16[8] = {
	VMX_RBX, VMX_RBX, VMX_RBP, VMX_RBP, -1, -1, VMX_RBP, VMX_RBX,
};
static const s8 mmio_index16[8] = {
	VMX_RSI, VMX_RDI, VMX_RSI, VMX_RDI, VMX_RSI, VMX_RDI, -1, -1,
};

static bool mmio_ea16(struct pvx_vcpu *vcpu, struct mmio_insn *in, u8 mod,
		      u8 rm)
{
	int base = mmio_base16[rm], index = mmio_index16[rm];
	int dsize = mod == 1 ? 1 : mod == 2 ? 2 : 0;
	u64 ea = 0, disp = 0;

	if (mod == 0 && rm == 6) {	/* disp16 alone */
		base = -1;
		dsize = 2;
	}
	if (dsize && !mmio_imm(in, dsize, &disp))
		return false;
	if (base >= 0)
		ea += vmx_get_reg(vcpu, base);
	if (index >= 0)
		ea += vmx_get_reg(vcpu, index);
	in->ea = ea + disp;
	in->ss_based = base == VMX_RBP;
	return true;
}

/* 32- and 64-bit ModRM addressing with SIB (SDM Vol. 2 Tables 2-2, 2-3). */
static bool mmio_ea32(struct pvx_vcpu *vcpu, struct mmio_insn *in, u8 mod,
		      u8 rm)
{
	int base = rm | (in->rex & 1) << 3, index = -1, scale = 0;
	int dsize = mod == 1 ? 1 : mod == 2 ? 4 : 0;
	u64 ea = 0, disp = 0;
	u8 sib;

	if (rm == 4) {
		if (!mmio_next(in, &sib))
			return false;
		scale = sib >> 6;
		index = ((sib >> 3) & 7) | (in->rex & 2) << 2;	/* REX.X */
		if (index == VMX_RSP)
			index = -1;			/* no index */
		base = (sib & 7) | (in->rex & 1) << 3;		/* REX.B */
		if ((sib & 7) == 5 && mod == 0) {
			base = -1;			/* disp32 alone */
			dsize = 4;
		}
	} else if (rm == 5 && mod == 0) {
		base = -1;				/* disp32 alone... */
		dsize = 4;
		in->rip_rel = in->mode64;		/* ...or RIP + disp32 */
	}
	if (dsize && !mmio_imm(in, dsize, &disp))
		return false;
	if (base >= 0)
		ea += vmx_get_reg(vcpu, base);
	if (index >= 0)
		ea += vmx_get_reg(vcpu, index) << scale;
	in->ea = ea + disp;
	in->ss_based = base == VMX_RBP || base == VMX_RSP;
	return true;
}

/*
 * ModRM's memory operand (SIB, displacement): its effective address goes
 * to @in. Returns the reg field, or -1 if the operand is a register (no
 * memory access, so no MMIO) or the bytes run out.
 */
static int mmio_modrm(struct pvx_vcpu *vcpu, struct mmio_insn *in)
{
	u8 modrm, mod, rm;
	bool ok;

	if (!mmio_next(in, &modrm))
		return -1;
	mod = modrm >> 6;
	rm = modrm & 7;
	if (mod == 3)
		return -1;
	ok = in->addr_size == 2 ? mmio_ea16(vcpu, in, mod, rm) :
				  mmio_ea32(vcpu, in, mod, rm);
	if (!ok)
		return -1;
	return ((modrm >> 3) & 7) | ((in->rex & 4) << 1);	/* REX.R */
}

/* Register operand @reg of @size bytes: without REX, 4-7 are AH..BH. */
static void mmio_set_reg(struct pvx_mmio_op *op, struct mmio_insn *in, int reg,
			 int size)
{
	op->high_byte = size == 1 && !in->rex && reg >= 4;
	op->reg = op->high_byte ? reg - 4 : reg;
}

static int mmio_decode_op(struct pvx_vcpu *vcpu, struct mmio_insn *in,
			  struct pvx_mmio_op *op)
{
	u8 opc, opc2;
	u64 imm;
	int reg;

	if (!mmio_next(in, &opc))
		return -EINVAL;
	op->size = (opc & 1) ? in->op_size : 1;
	switch (opc) {
	case 0x88: case 0x89: case 0x8a: case 0x8b:
		reg = mmio_modrm(vcpu, in);
		if (reg < 0)
			return -EINVAL;
		op->is_write = opc <= 0x89;
		mmio_set_reg(op, in, reg, op->size);
		break;
	case 0xc6: case 0xc7:
		reg = mmio_modrm(vcpu, in);
		if (reg < 0 || (reg & 7) ||
		    !mmio_imm(in, op->size == 8 ? 4 : op->size, &imm))
			return -EINVAL;
		op->is_write = true;
		op->reg = -1;
		op->value = imm;
		break;
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:
		if (!mmio_moffs(in, in->addr_size, &in->ea))
			return -EINVAL;
		op->is_write = opc >= 0xa2;
		mmio_set_reg(op, in, VMX_RAX, op->size);
		break;
	case 0x0f:
		if (!mmio_next(in, &opc2) || (opc2 & 0xf6) != 0xb6)
			return -EINVAL;
		reg = mmio_modrm(vcpu, in);
		if (reg < 0)
			return -EINVAL;
		op->dest_size = in->op_size;
		op->size = (opc2 & 1) ? 2 : 1;
		op->sign_extend = opc2 & 8;
		mmio_set_reg(op, in, reg, op->dest_size);
		return in->i <= in->n ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}
	op->dest_size = op->size;
	return in->i <= in->n ? 0 : -EINVAL;
}

/* The CPU mode's default size: 8 in 64-bit code, else CS.D ? 4 : 2. */
static int mmio_mode_size(void)
{
	u32 cs_ar = vmcs_read32(GUEST_CS_AR_BYTES);

	if ((vmcs_read64(GUEST_IA32_EFER) & EFER_LMA) && (cs_ar & (1 << 13)))
		return 8;
	return (cs_ar & (1 << 14)) ? 4 : 2;
}

static u64 mmio_truncate(u64 v, int size)
{
	return size == 8 ? v : v & ((1ULL << (8 * size)) - 1);
}

/*
 * The linear address of the memory operand of the @len-byte instruction
 * (SDM Vol. 1 3.4.2, 3.7.5): segment base plus effective address, where
 * 64-bit code has bases in FS and GS only.
 */
static u64 mmio_linear(const struct mmio_insn *in, int len)
{
	int seg = in->seg >= 0 ? in->seg : in->ss_based ? SEG_SS : SEG_DS;
	u64 ea = in->ea, base;

	if (in->rip_rel)
		ea += vmcs_read(GUEST_RIP) + len;
	ea = mmio_truncate(ea, in->addr_size);
	base = vmcs_read(GUEST_ES_BASE + 2 * seg);
	if (in->mode64)
		return seg == SEG_FS || seg == SEG_GS ? base + ea : ea;
	return (u32)(base + ea);
}

/**
 * mmio_decode() - decode the instruction that caused an MMIO EPT violation.
 * @vcpu: the vCPU, loaded, under the VM lock.
 * @gpa: the guest-physical address of the EPT violation.
 * @is_write: the EPT violation was a write (must agree with the decoding).
 *
 * Fills vcpu->mmio; for a write, its value.
 *
 * Return: 0; -EINVAL when the instruction is not one pvx decodes, or its
 * operand is not the faulting access; -EFAULT when it cannot be fetched.
 */
int mmio_decode(struct pvx_vcpu *vcpu, u64 gpa, bool is_write)
{
	struct pvx_mmio_op *op = &vcpu->mmio;
	int mode_size = mmio_mode_size();
	struct mmio_insn in = { .seg = -1 };
	u64 lin;
	int r;

	memset(op, 0, sizeof(*op));
	r = mmio_fetch(vcpu, &in, mode_size == 8);
	if (r)
		return r;
	mmio_prefixes(&in, mode_size);
	r = mmio_decode_op(vcpu, &in, op);
	if (r || op->is_write != is_write)
		return -EINVAL;
	op->len = in.i;
	/*
	 * The operand must be the access that faulted, whole: it starts at
	 * the GPA's offset in its page (paging maps whole 4 KiB pages) and
	 * ends in that page. Otherwise the access straddles a page boundary,
	 * and a part of it in RAM would be lost or made up by one MMIO exit;
	 * or the instruction is not the one that faulted (another vCPU
	 * rewrote it). pvx emulates neither.
	 */
	lin = mmio_linear(&in, in.i);
	if (offset_in_page(lin) != offset_in_page(gpa) ||
	    offset_in_page(lin) + op->size > PAGE_SIZE)
		return -EINVAL;
	if (op->is_write && op->reg >= 0) {
		u64 v = vmx_get_reg(vcpu, op->reg);

		op->value = op->high_byte ? v >> 8 : v;
	}
	op->value = mmio_truncate(op->value, op->size);
	return 0;
}

/* Store @v in register @reg as a MOV of @size bytes does (SDM 3.4.1.1). */
static void mmio_write_reg(struct pvx_vcpu *vcpu, const struct pvx_mmio_op *op,
			   u64 v)
{
	u64 old = vmx_get_reg(vcpu, op->reg);

	if (op->high_byte)
		v = (old & ~0xff00ULL) | ((v & 0xff) << 8);
	else if (op->dest_size < 4)
		v = (old & ~mmio_truncate(~0ULL, op->dest_size)) |
		    mmio_truncate(v, op->dest_size);
	else
		v = mmio_truncate(v, op->dest_size);	/* 32-bit zero-extends */
	vmx_set_reg(vcpu, op->reg, v);
}

/**
 * mmio_complete_read() - finish an MMIO read with the data userspace gave.
 * @vcpu: the vCPU, loaded; vcpu->run->mmio.data holds the value.
 */
void mmio_complete_read(struct pvx_vcpu *vcpu)
{
	const struct pvx_mmio_op *op = &vcpu->mmio;
	u64 v = 0;

	memcpy(&v, vcpu->run->mmio.data, op->size);
	if (op->sign_extend)
		v = op->size == 1 ? (u64)(s64)(s8)v : (u64)(s64)(s16)v;
	mmio_write_reg(vcpu, op, v);
	vmx_skip_instruction_len(op->len);
}
