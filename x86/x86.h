/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86/: what the guest's CPU would have done, done in software. The
 * guest-linear page walk (walk.c), the instruction decoder (decode.c) and
 * emulator for memory operands that reach MMIO (emulate.c, flags by
 * alu.c), and hardware task switches (task_switch.c).
 *
 * Layering: vmx/ dispatches VM exits and calls down into x86/; x86/ reads
 * and writes the guest's CPU state only through the x86_cpu_*() interface
 * below, which the backend implements (vmx/vmx_x86.c), and guest-physical
 * memory only through ept/ (guest_read_gpa(), guest_write_gpa()). Nothing
 * in x86/ knows the VMCS.
 */
#ifndef PVX_X86_H
#define PVX_X86_H

#include <linux/types.h>

struct pvx_vcpu;
struct pvx_regs;
struct pvx_sregs;

/* Guest state x86/ reads (and writes, where said) through x86_cpu_read(). */
enum x86_field {
	X86_RIP,		/* read, write */
	X86_RFLAGS,		/* read, write */
	X86_CR0,
	X86_CR3,
	X86_CR4,
	X86_EFER,
	X86_PDPTE0,		/* PAE PDPTEs 0..3: the CPU's copy */
	X86_CS_AR = X86_PDPTE0 + 4,	/* access rights, VMX layout (SDM 24.4.1) */
	X86_SS_AR,
	X86_ES_BASE,		/* ES, CS, SS, DS, FS, GS bases in that order */
	X86_NR_FIELDS = X86_ES_BASE + 6,
};

/* General-purpose registers in encoding order (SDM Vol. 2 2.1.5). */
enum x86_reg {
	X86_RAX, X86_RCX, X86_RDX, X86_RBX, X86_RSP, X86_RBP, X86_RSI, X86_RDI,
	X86_R8, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13, X86_R14, X86_R15,
};

/*
 * Operations the emulator executes. The ALU ones come first, in the
 * order of their opcode rows and group-1 ModRM.reg values (SDM Vol. 2
 * Table A-6): ADD OR ADC SBB AND SUB XOR CMP.
 */
enum x86_op {
	X86_OP_NONE,
	X86_OP_ADD, X86_OP_OR, X86_OP_ADC, X86_OP_SBB, X86_OP_AND,
	X86_OP_SUB, X86_OP_XOR, X86_OP_CMP,
	X86_OP_TEST, X86_OP_NOT, X86_OP_NEG, X86_OP_INC, X86_OP_DEC,
	X86_OP_BT, X86_OP_BTS, X86_OP_BTR, X86_OP_BTC,
	X86_OP_XCHG, X86_OP_XADD, X86_OP_CMPXCHG,
	X86_OP_MOV, X86_OP_MOVZX, X86_OP_MOVSX,
	X86_NR_OPS,
};

/* Segment registers, in the order of their prefixes' encodings. */
enum x86_seg { X86_SEG_ES, X86_SEG_CS, X86_SEG_SS, X86_SEG_DS, X86_SEG_FS,
	       X86_SEG_GS };

/*
 * The guest CPU, as the virtualization backend keeps it: the interface
 * x86/ declares and the backend implements (vmx/vmx_x86.c). Bound at link
 * time rather than through a table of pointers: there is one backend,
 * and MMIO emulation is a hot path where each indirect call (a retpoline)
 * would cost. Callers run with the vCPU loaded.
 *
 * x86_cpu_get_reg/set_reg: a general-purpose register in encoding order
 *	(RAX=0 .. R15=15), written whole.
 * x86_cpu_read: an enum x86_field; x86_cpu_write: X86_RIP or X86_RFLAGS.
 * x86_cpu_skip: RIP += @len as retiring an instruction does (wrap outside
 *	64-bit code, the STI/MOV SS shadow ends).
 * x86_cpu_inject: raise exception @vector (with @error if @has_error) on
 *	the next entry; @cr2 is CR2 for a #PF.
 * x86_cpu_get/set_regs, x86_cpu_get/set_sregs: the whole state, as the
 *	PVX_GET/SET_(S)REGS ioctls see it; the setters check it (-EINVAL).
 */
unsigned long x86_cpu_get_reg(struct pvx_vcpu *vcpu, int reg);
void x86_cpu_set_reg(struct pvx_vcpu *vcpu, int reg, unsigned long val);
u64 x86_cpu_read(struct pvx_vcpu *vcpu, enum x86_field f);
void x86_cpu_write(struct pvx_vcpu *vcpu, enum x86_field f, u64 val);
void x86_cpu_skip(struct pvx_vcpu *vcpu, unsigned int len);
void x86_cpu_inject(struct pvx_vcpu *vcpu, unsigned int vector,
		    bool has_error, u32 error, u64 cr2);
void x86_cpu_get_regs(struct pvx_vcpu *vcpu, struct pvx_regs *r);
int x86_cpu_set_regs(struct pvx_vcpu *vcpu, const struct pvx_regs *r);
void x86_cpu_get_sregs(struct pvx_vcpu *vcpu, struct pvx_sregs *sr);
int x86_cpu_set_sregs(struct pvx_vcpu *vcpu, const struct pvx_sregs *sr);

#define X86_MAX_INSN_LEN	15

/*
 * A memory operand: @lin its linear address, @size bytes. Filled by the
 * emulator when it prepares the access.
 */
struct x86_mem {
	u64 lin;
	u8 size;
};

/* Where an operand lives (decode.c's operand kinds resolve to these). */
enum x86_loc { X86_LOC_NONE, X86_LOC_REG, X86_LOC_MEM, X86_LOC_IMM };

struct x86_operand {
	u8 loc;			/* enum x86_loc */
	u8 size;		/* bytes: 1, 2, 4 or 8 */
	s8 reg;			/* X86_LOC_REG: register number */
	bool high_byte;		/* AH, CH, DH, BH */
	struct x86_mem mem;	/* X86_LOC_MEM */
	u64 imm;		/* X86_LOC_IMM, sign-extended */
};

/**
 * struct x86_insn - one decoded instruction (decode.c).
 * @b:		its bytes; @n fetched, @len decoded.
 * @op:		enum x86_op.
 * @dst, @src:	its operands.
 * @op_size:	operand size; @addr_size: address size (2, 4, 8 bytes).
 * @mode64:	64-bit code.
 * @rep:	a REP prefix on a string instruction.
 * @string:	MOVS, STOS, LODS: RSI/RDI (and RCX with @rep) advance.
 * @bt_reg:	BT* with a register bit offset (the bit string may reach
 *		beyond the operand, SDM Vol. 2 BT).
 */
struct x86_insn {
	u8 b[X86_MAX_INSN_LEN];
	u8 n, len;
	u8 op;
	u8 op_size, addr_size;
	bool mode64, rep, string, bt_reg;
	struct x86_operand dst, src;
};

/**
 * struct x86_emul - the instruction being emulated across PVX_RUN calls.
 * @insn:	decoded once, at the EPT violation.
 * @have_read:	its memory read is done: @read_val holds the value (the
 *		MMIO read exit was answered, or it was RAM).
 * @read_size:	the size of the MMIO read handed to userspace.
 * @hint_valid:	the EPT violation's translation is known: the page of
 *		@hint_gpa (and of @hint_gla if @hint_gla_valid), checked for
 *		a write if @hint_write.
 */
struct x86_emul {
	struct x86_insn insn;
	bool have_read;
	u8 read_size;
	u64 read_val;
	bool hint_valid, hint_gla_valid, hint_write;
	u64 hint_gla, hint_gpa;
};

/* walk.c: the guest's own page tables. Callers hold the VM lock. */
int guest_gva_to_gpa(struct pvx_vcpu *vcpu, u64 gva, bool write, u64 *gpa,
		     u32 *pf_error);
int guest_read_gva(struct pvx_vcpu *vcpu, u64 gva, void *buf, size_t len,
		   u32 *pf_error, u64 *pf_addr);
int guest_write_gva(struct pvx_vcpu *vcpu, u64 gva, const void *buf,
		    size_t len, u32 *pf_error, u64 *pf_addr);

/* decode.c */
int x86_decode(struct pvx_vcpu *vcpu, struct x86_insn *in);
int x86_mode_size(struct pvx_vcpu *vcpu);

/* emulate.c */
int x86_emulate_mmio(struct pvx_vcpu *vcpu, u64 gpa, u64 gla, bool gla_valid,
		     bool write);
int x86_emulate_complete(struct pvx_vcpu *vcpu);
void x86_emulate_report(struct pvx_vcpu *vcpu, u8 *bytes, u32 *len);

/* alu.c: the CPU's own arithmetic, with the guest's flags */
u64 x86_alu(u8 op, u64 dst, u64 src, int size, unsigned long *rflags);

/* task_switch.c */
int x86_task_switch(struct pvx_vcpu *vcpu, u16 selector, int source,
		    bool has_error, u32 error, unsigned int insn_len);

#endif /* PVX_X86_H */
