// SPDX-License-Identifier: GPL-2.0
/*
 * emulate_test [--no-load] [--seed N] [--random N]: MMIO through every
 * memory-operand instruction pvx emulates (x86/emulate.c), against the
 * same instruction on RAM.
 *
 * Each case is one instruction, then HLT, run twice from the same
 * registers and flags: first with its memory operand(s) in RAM (the
 * CPU's own result: registers, RFLAGS and memory), then with them in MMIO,
 * where this program plays the device: a fake register file with the same
 * initial bytes, serving each PVX_EXIT_MMIO read from it and storing each
 * write into it, logging the accesses. The MMIO run must end in the same
 * registers (pointers taken relative to their window), the same RFLAGS
 * (every arithmetic flag, the SDM's "undefined" ones too: pvx computes
 * them on the same CPU) and the same memory, with exactly the expected
 * accesses in order: a read for an operand read, a write for one written,
 * a read then a write for a read-modify-write, per element of a string
 * instruction, each of the operand's size, and no internal error.
 *
 * Forms: ADD OR ADC SBB AND SUB XOR CMP as Eb,Gb Ev,Gv Gb,Eb Gv,Ev and
 * group 1 (80, 81, 83), TEST (84, 85, F6/F7 /0), NOT, NEG, INC, DEC,
 * BT/BTS/BTR/BTC with a register (bit strings reaching outside the
 * operand both ways) and imm8, XCHG, XADD, CMPXCHG (equal and not),
 * MOV (88-8B, C6, C7), MOVZX, MOVSX, and MOVS, STOS, LODS with and without
 * REP, DF 0 and 1, the MMIO being the source, the destination or both.
 * Each in 64-bit code (operand sizes 8, 16, 32, 64 through 66 and REX.W,
 * REX byte registers, R8-R15, 32-bit addresses through 67) and in real
 * mode (16 and 32-bit operands, 16 and 32-bit addresses). One TAP point
 * per form, 12 random variants each (registers, flags, memory,
 * immediates, registers in ModRM.reg); then --random N (default 400)
 * instructions drawn at random from all forms (--seed picks the stream;
 * the seed is printed).
 *
 * Last, an instruction pvx does not emulate (an SSE load from MMIO) ends
 * in PVX_EXIT_INTERNAL_ERROR, PVX_INTERNAL_EMULATION with its bytes; and
 * an ADD to a read-only slot reads the slot and hands out only its write.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libpvx.h"
#include "pvxtest.h"
#include "tap.h"

/* RAM below the VGA hole and from 1 MiB; MMIO in the hole and at 1 GiB. */
#define HOLE_LO		0xa0000ULL
#define RAM_HI		0x100000ULL
#define RAM_END		(16ULL << 20)
#define WIN		512		/* bytes of each window */
#define WIN_A		0x20000ULL	/* RAM that stands in for the MMIO */
#define WIN_B		0x30000ULL	/* RAM on the other side */
#define MMIO_LONG	0x40000000ULL
#define MMIO_REAL	HOLE_LO
#define VARIANTS	12
#define ROM		0x2000000ULL	/* a read-only slot (64-bit VM) */

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, NR_ENC = 16 };

/* struct pvx_regs field of encoding @i (struct order differs). */
static __u64 *reg_enc(struct pvx_regs *r, int i)
{
	static const int order[NR_ENC] = { 0, 2, 3, 1, 6, 7, 4, 5,
					   8, 9, 10, 11, 12, 13, 14, 15 };

	return &r->rax + order[i];
}

#define FLAGS_ARITH	0x8d5ULL	/* CF PF AF ZF SF OF */
#define FLAG_ZF		0x40ULL
#define FLAG_DF		0x400ULL

/* What the instruction does with memory. */
enum access { A_R, A_W, A_RW, A_CMPXCHG, A_STRING };

struct form {
	const char *name;
	uint8_t op[2];
	uint8_t oplen;
	int8_t ext;		/* ModRM.reg of a group, -1: a register */
	uint8_t access;
	uint8_t imm;		/* 0, 1 (imm8), 2 (imm of the operand size) */
	bool byte;		/* byte operands */
	uint8_t src_size;	/* MOVZX/MOVSX: the memory operand's size */
	bool bt_reg;		/* BT* Ev,Gv: the bit offset is a register */
	bool string_src, string_dst;	/* MOVS/LODS read, MOVS/STOS write */
};

#define ALU4(n, o)							\
	{ n " Eb,Gb", { o }, 1, -1, A_RW, 0, true, 0, false, false, false },	\
	{ n " Ev,Gv", { o + 1 }, 1, -1, A_RW, 0, false, 0, false, false, false }, \
	{ n " Gb,Eb", { o + 2 }, 1, -1, A_R, 0, true, 0, false, false, false }, \
	{ n " Gv,Ev", { o + 3 }, 1, -1, A_R, 0, false, 0, false, false, false }
#define GRP1(n, k, acc)							\
	{ n " Eb,Ib (80)", { 0x80 }, 1, k, acc, 1, true, 0, false, false, false }, \
	{ n " Ev,Iz (81)", { 0x81 }, 1, k, acc, 2, false, 0, false, false, false }, \
	{ n " Ev,Ib (83)", { 0x83 }, 1, k, acc, 1, false, 0, false, false, false }
#define F(n, o, ext, acc, imm, byte)					\
	{ n, { o }, 1, ext, acc, imm, byte, 0, false, false, false }
#define F2(n, o, ext, acc, imm, byte)					\
	{ n, { 0x0f, o }, 2, ext, acc, imm, byte, 0, false, false, false }

static const struct form forms[] = {
	ALU4("ADD", 0x00), ALU4("OR", 0x08), ALU4("ADC", 0x10),
	ALU4("SBB", 0x18), ALU4("AND", 0x20), ALU4("SUB", 0x28),
	ALU4("XOR", 0x30),
	{ "CMP Eb,Gb", { 0x38 }, 1, -1, A_R, 0, true, 0, false, false, false },
	{ "CMP Ev,Gv", { 0x39 }, 1, -1, A_R, 0, false, 0, false, false, false },
	{ "CMP Gb,Eb", { 0x3a }, 1, -1, A_R, 0, true, 0, false, false, false },
	{ "CMP Gv,Ev", { 0x3b }, 1, -1, A_R, 0, false, 0, false, false, false },
	GRP1("ADD", 0, A_RW), GRP1("OR", 1, A_RW), GRP1("ADC", 2, A_RW),
	GRP1("SBB", 3, A_RW), GRP1("AND", 4, A_RW), GRP1("SUB", 5, A_RW),
	GRP1("XOR", 6, A_RW), GRP1("CMP", 7, A_R),
	F("TEST Eb,Gb", 0x84, -1, A_R, 0, true),
	F("TEST Ev,Gv", 0x85, -1, A_R, 0, false),
	F("TEST Eb,Ib (F6 /0)", 0xf6, 0, A_R, 1, true),
	F("TEST Ev,Iz (F7 /0)", 0xf7, 0, A_R, 2, false),
	F("NOT Eb", 0xf6, 2, A_RW, 0, true), F("NOT Ev", 0xf7, 2, A_RW, 0, false),
	F("NEG Eb", 0xf6, 3, A_RW, 0, true), F("NEG Ev", 0xf7, 3, A_RW, 0, false),
	F("INC Eb", 0xfe, 0, A_RW, 0, true), F("INC Ev", 0xff, 0, A_RW, 0, false),
	F("DEC Eb", 0xfe, 1, A_RW, 0, true), F("DEC Ev", 0xff, 1, A_RW, 0, false),
	{ "BT Ev,Gv", { 0x0f, 0xa3 }, 2, -1, A_R, 0, false, 0, true, false, false },
	{ "BTS Ev,Gv", { 0x0f, 0xab }, 2, -1, A_RW, 0, false, 0, true, false, false },
	{ "BTR Ev,Gv", { 0x0f, 0xb3 }, 2, -1, A_RW, 0, false, 0, true, false, false },
	{ "BTC Ev,Gv", { 0x0f, 0xbb }, 2, -1, A_RW, 0, false, 0, true, false, false },
	F2("BT Ev,Ib", 0xba, 4, A_R, 1, false), F2("BTS Ev,Ib", 0xba, 5, A_RW, 1, false),
	F2("BTR Ev,Ib", 0xba, 6, A_RW, 1, false), F2("BTC Ev,Ib", 0xba, 7, A_RW, 1, false),
	F("XCHG Eb,Gb", 0x86, -1, A_RW, 0, true),
	F("XCHG Ev,Gv", 0x87, -1, A_RW, 0, false),
	F2("XADD Eb,Gb", 0xc0, -1, A_RW, 0, true),
	F2("XADD Ev,Gv", 0xc1, -1, A_RW, 0, false),
	F2("CMPXCHG Eb,Gb", 0xb0, -1, A_CMPXCHG, 0, true),
	F2("CMPXCHG Ev,Gv", 0xb1, -1, A_CMPXCHG, 0, false),
	F("MOV Eb,Gb", 0x88, -1, A_W, 0, true), F("MOV Ev,Gv", 0x89, -1, A_W, 0, false),
	F("MOV Gb,Eb", 0x8a, -1, A_R, 0, true), F("MOV Gv,Ev", 0x8b, -1, A_R, 0, false),
	F("MOV Eb,Ib (C6)", 0xc6, 0, A_W, 1, true),
	F("MOV Ev,Iz (C7)", 0xc7, 0, A_W, 2, false),
	{ "MOVZX Gv,Eb", { 0x0f, 0xb6 }, 2, -1, A_R, 0, false, 1, false, false, false },
	{ "MOVZX Gv,Ew", { 0x0f, 0xb7 }, 2, -1, A_R, 0, false, 2, false, false, false },
	{ "MOVSX Gv,Eb", { 0x0f, 0xbe }, 2, -1, A_R, 0, false, 1, false, false, false },
	{ "MOVSX Gv,Ew", { 0x0f, 0xbf }, 2, -1, A_R, 0, false, 2, false, false, false },
	{ "MOVSB", { 0xa4 }, 1, -1, A_STRING, 0, true, 0, false, true, true },
	{ "MOVS v", { 0xa5 }, 1, -1, A_STRING, 0, false, 0, false, true, true },
	{ "STOSB", { 0xaa }, 1, -1, A_STRING, 0, true, 0, false, false, true },
	{ "STOS v", { 0xab }, 1, -1, A_STRING, 0, false, 0, false, false, true },
	{ "LODSB", { 0xac }, 1, -1, A_STRING, 0, true, 0, false, true, false },
	{ "LODS v", { 0xad }, 1, -1, A_STRING, 0, false, 0, false, true, false },
};

#define NR_FORMS	(int)(sizeof(forms) / sizeof(forms[0]))

/* One generated case. */
struct tcase {
	bool real;
	uint8_t code[16];
	int len;
	struct pvx_regs regs;
	int size;		/* the memory access size */
	uint8_t mem[WIN];	/* the windows' initial bytes */
	/* Pointers: RBX (ModRM base), RSI and RDI (strings), by window. */
	bool ptr[NR_ENC];	/* register holds an address */
	bool ptr_mmio[NR_ENC];	/* ...in the MMIO window (else B) */
	bool seg_mmio[2];	/* real mode: DS, ES in the MMIO window */
	uint64_t elements;	/* string elements (REP: RCX) */
};

static int sys_fd;
static unsigned int seed;

static uint64_t rnd64(void)
{
	uint64_t v = 0;

	for (int i = 0; i < 4; i++)
		v = (v << 16) ^ (rand() & 0xffff);
	return v;
}

static int rnd(int n)
{
	return rand() % n;
}

/* A register for ModRM.reg: not RBX (the base), RSP, nor BH. */
static int pick_reg(bool real)
{
	static const int ok[] = { 0, 1, 2, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15 };

	return ok[rnd(real ? 5 : 13)];
}

/* Operand size: the byte forms 1; else 2, 4 or 8 (8 in 64-bit code only). */
static int pick_size(const struct form *f, bool real)
{
	if (f->byte)
		return 1;
	return real ? 2 << rnd(2) : 2 << rnd(3);
}

static void put_le(struct tcase *c, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		c->code[c->len++] = v >> (8 * i);
}

/* 66 where the operand size is not the mode's default (16 vs 32 bits). */
static void opsize_prefix(struct tcase *c, int size)
{
	if (size == (c->real ? 4 : 2))
		c->code[c->len++] = 0x66;
}

/* Registers and flags at random; real mode: 32-bit values. */
static void random_state(struct tcase *c)
{
	for (int i = 0; i < NR_ENC; i++)
		*reg_enc(&c->regs, i) = c->real ? (uint32_t)rnd64() : rnd64();
	c->regs.rsp = c->real ? 0x7000 : 0x80000;
	c->regs.rflags = 2 | (rnd64() & FLAGS_ARITH);
	for (int i = 0; i < WIN; i++)
		c->mem[i] = rnd64();
}

/*
 * ModRM [RBX + disp8] (real mode: [BX + disp8], or [EBX + disp8] with
 * 67): RBX at the window's start, or at 0x100 for a BT* bit string.
 */
static void modrm_case(struct tcase *c, const struct form *f, int size)
{
	int reg = f->ext >= 0 ? f->ext : pick_reg(c->real);
	bool addr32 = rnd(4) == 0;
	int rm = c->real && !addr32 ? 7 : 3;
	int base = f->bt_reg ? 0x100 : 0, disp = f->bt_reg ? 0 : 0x40 + rnd(0x40);
	uint8_t rex = 0;

	opsize_prefix(c, size);
	if (addr32)
		c->code[c->len++] = 0x67;
	if (!c->real) {
		if (size == 8)
			rex |= 0x48;
		if (reg >= 8)
			rex |= 0x44;
		if (f->byte && !rex && rnd(2))
			rex = 0x40;	/* SPL..DIL instead of AH..BH */
		if (rex)
			c->code[c->len++] = rex;
	}
	memcpy(c->code + c->len, f->op, f->oplen);
	c->len += f->oplen;
	c->code[c->len++] = 0x40 | (reg & 7) << 3 | rm;
	c->code[c->len++] = disp;
	if (f->imm == 1)
		put_le(c, rnd64(), 1);
	else if (f->imm == 2)
		put_le(c, rnd64(), size == 2 ? 2 : 4);
	c->ptr[RBX] = true;
	c->ptr_mmio[RBX] = true;
	*reg_enc(&c->regs, RBX) = base;
	c->seg_mmio[0] = true;
	if (f->bt_reg) {
		/* A bit offset reaching up to 64 bytes either side. */
		int64_t off = (int64_t)rnd(1024) - 512;

		*reg_enc(&c->regs, reg) = c->real ? (uint32_t)off : (uint64_t)off;
		if (size == 2)
			*reg_enc(&c->regs, reg) = (uint16_t)off |
				(*reg_enc(&c->regs, reg) & ~0xffffULL);
	}
	if (f->access == A_CMPXCHG && rnd(2)) {
		/* Equal: the accumulator holds the operand's bytes. */
		uint64_t v = 0;

		memcpy(&v, c->mem + base + disp, size);
		*reg_enc(&c->regs, RAX) = (*reg_enc(&c->regs, RAX) &
					   ~(size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1)) | v;
	}
	c->size = f->src_size ? f->src_size : size;
	c->elements = 1;
}

/* MOVS/STOS/LODS: RSI at 0x80, RDI at 0x180, each window at random. */
static void string_case(struct tcase *c, const struct form *f, int size)
{
	bool rep = rnd(2);

	opsize_prefix(c, size);
	if (rep)
		c->code[c->len++] = 0xf3;
	if (size == 8)
		c->code[c->len++] = 0x48;
	c->code[c->len++] = f->op[0];
	if (rnd(2))
		c->regs.rflags |= FLAG_DF;
	*reg_enc(&c->regs, RSI) = 0x80;
	*reg_enc(&c->regs, RDI) = 0x180;
	c->ptr[RSI] = c->ptr[RDI] = true;
	c->ptr_mmio[RSI] = c->seg_mmio[0] = rnd(2);
	c->ptr_mmio[RDI] = c->seg_mmio[1] = rnd(2);
	if (!f->string_src)
		c->ptr_mmio[RDI] = c->seg_mmio[1] = true;
	if (!f->string_dst)
		c->ptr_mmio[RSI] = c->seg_mmio[0] = true;
	if (f->string_src && f->string_dst && !c->ptr_mmio[RSI] &&
	    !c->ptr_mmio[RDI])
		c->ptr_mmio[RSI] = c->seg_mmio[0] = true;
	c->elements = 1;
	if (rep) {
		c->elements = rnd(5);
		*reg_enc(&c->regs, RCX) = c->elements;
	}
	c->size = size;
}

static void make_case(struct tcase *c, const struct form *f, bool real)
{
	int size;

	memset(c, 0, sizeof(*c));
	c->real = real;
	random_state(c);
	size = pick_size(f, real);
	if (f->access == A_STRING)
		string_case(c, f, size);
	else
		modrm_case(c, f, size);
	c->code[c->len++] = 0xf4;	/* HLT */
}

/* One VM per mode, reused; the MMIO side is served from fake[]. */
struct vm {
	struct pvx_vm *vm;
	struct pvx_vcpu *vcpu;
	bool real;
};

static struct vm vms[2];

static void *gpa_ptr(struct vm *v, uint64_t gpa, uint64_t len)
{
	void *p = pvx_gpa_to_host(&v->vm->mem, gpa, len);

	if (!p)
		tap_bail("GPA %#" PRIx64 " is not RAM", gpa);
	return p;
}

static struct vm *vm_get(bool real)
{
	struct vm *v = &vms[real];
	enum pvx_mode mode = real ? PVX_MODE_REAL : PVX_MODE_LONG;
	int r;

	if (v->vm)
		return v;
	v->real = real;
	r = pvx_vm_create(sys_fd, &v->vm);
	if (r)
		tap_bail("PVX_CREATE_VM: %s", strerror(-r));
	r = pvx_vm_add_ram(v->vm, 0, 0, HOLE_LO, 0, PVX_BACKING_PAGES) ?:
	    pvx_vm_add_ram(v->vm, 1, RAM_HI, RAM_END - RAM_HI, 0,
			   PVX_BACKING_PAGES) ?:
	    pvx_vm_add_ram(v->vm, 2, ROM, 4096, PVX_MEM_READONLY,
			   PVX_BACKING_PAGES) ?:
	    pvx_mode_write_tables(&v->vm->mem, mode, 4ULL << 30) ?:
	    pvx_vcpu_create(v->vm, 0, &v->vcpu);
	if (r)
		tap_bail("VM setup: %s", strerror(-r));
	return v;
}

/* The window an address register or segment points into in this run. */
static uint64_t window(const struct tcase *c, bool mmio_side, bool mmio_run)
{
	if (!mmio_side)
		return WIN_B;
	if (!mmio_run)
		return WIN_A;
	return c->real ? MMIO_REAL : MMIO_LONG;
}

struct outcome {
	struct pvx_regs regs;
	uint8_t a[WIN], b[WIN];	/* the MMIO-side window, the RAM one */
	char log[64];		/* accesses: R and W */
	bool bad_size;
};

static uint8_t fake[WIN];

static void real_seg(struct pvx_segment *s, uint64_t base)
{
	s->selector = base >> 4;
	s->base = base;
}

static bool enter(struct vm *v, const struct tcase *c, bool mmio_run)
{
	enum pvx_mode mode = v->real ? PVX_MODE_REAL : PVX_MODE_LONG;
	uint64_t entry = pvx_mode_image_gpa(mode);
	struct pvx_regs r = c->regs;
	struct pvx_sregs s;
	struct pvx_regs dummy;
	int err;

	memcpy(gpa_ptr(v, entry, c->len), c->code, c->len);
	if (pvx_mode_fill(mode, entry, pvx_mode_stack_top(mode, 0), &s, &dummy))
		tap_bail("pvx_mode_fill");
	r.rip = dummy.rip;
	if (v->real) {
		real_seg(&s.ds, window(c, c->seg_mmio[0], mmio_run));
		real_seg(&s.es, window(c, c->seg_mmio[1], mmio_run));
	} else {
		for (int i = 0; i < NR_ENC; i++)
			if (c->ptr[i])
				*reg_enc(&r, i) += window(c, c->ptr_mmio[i],
							  mmio_run);
	}
	memcpy(gpa_ptr(v, WIN_A, WIN), c->mem, WIN);
	memcpy(gpa_ptr(v, WIN_B, WIN), c->mem, WIN);
	memcpy(fake, c->mem, WIN);
	err = pvx_vcpu_set_sregs(v->vcpu, &s) ?: pvx_vcpu_set_regs(v->vcpu, &r);
	if (err)
		tap_diag("PVX_SET_SREGS/REGS: %s", strerror(-err));
	return !err;
}

/* Serve one MMIO exit from fake[]; false if it is outside the window. */
static bool serve_mmio(struct vm *v, const struct tcase *c, struct outcome *o)
{
	struct pvx_run *run = v->vcpu->run;
	uint64_t base = v->real ? MMIO_REAL : MMIO_LONG;
	uint64_t off = run->mmio.phys_addr - base;
	size_t n = strlen(o->log);

	if (off >= WIN || off + run->mmio.len > WIN || n + 1 >= sizeof(o->log)) {
		tap_diag("MMIO %s at %#llx len %u: outside the window",
			 run->mmio.is_write ? "write" : "read",
			 (unsigned long long)run->mmio.phys_addr, run->mmio.len);
		return false;
	}
	if (run->mmio.len != (unsigned int)c->size)
		o->bad_size = true;
	o->log[n] = run->mmio.is_write ? 'W' : 'R';
	if (run->mmio.is_write)
		memcpy(fake + off, run->mmio.data, run->mmio.len);
	else
		memcpy(run->mmio.data, fake + off, run->mmio.len);
	return true;
}

static void diag_internal(const struct pvx_run *run)
{
	char bytes[64] = "";

	for (unsigned int i = 0; i < run->internal.insn_len && i < 16; i++)
		snprintf(bytes + strlen(bytes), sizeof(bytes) - strlen(bytes),
			 "%02x ", run->internal.insn[i]);
	tap_diag("internal error %u at rip %#llx gpa %#llx, insn %s",
		 run->internal.suberror,
		 (unsigned long long)run->internal.guest_rip,
		 (unsigned long long)run->internal.guest_phys_addr, bytes);
}

/* Run to HLT, serving MMIO; the outcome with pointers made relative. */
static bool run_case(const struct tcase *c, bool mmio_run, struct outcome *o)
{
	struct vm *v = vm_get(c->real);
	struct pvx_run *run = v->vcpu->run;

	memset(o, 0, sizeof(*o));
	if (!enter(v, c, mmio_run))
		return false;
	for (int i = 0; i < 40; i++) {
		int err = pvx_vcpu_run(v->vcpu);

		if (err) {
			tap_diag("PVX_RUN: %s", strerror(-err));
			return false;
		}
		if (run->exit_reason == PVX_EXIT_HLT)
			break;
		if (run->exit_reason == PVX_EXIT_MMIO && mmio_run &&
		    serve_mmio(v, c, o))
			continue;
		tap_diag("%s run: exit %s", mmio_run ? "MMIO" : "RAM",
			 pvx_exit_name(run->exit_reason) ?: "?");
		if (run->exit_reason == PVX_EXIT_INTERNAL_ERROR)
			diag_internal(run);
		return false;
	}
	if (run->exit_reason != PVX_EXIT_HLT ||
	    pvx_vcpu_get_regs(v->vcpu, &o->regs))
		return false;
	if (!v->real)
		for (int i = 0; i < NR_ENC; i++)
			if (c->ptr[i])
				*reg_enc(&o->regs, i) -= window(c, c->ptr_mmio[i],
								mmio_run);
	o->regs.rip -= pvx_mode_image_gpa(v->real ? PVX_MODE_REAL :
					  PVX_MODE_LONG);
	memcpy(o->a, mmio_run ? fake : gpa_ptr(v, WIN_A, WIN), WIN);
	memcpy(o->b, gpa_ptr(v, WIN_B, WIN), WIN);
	return true;
}

/* The accesses the MMIO run must make, from the RAM run's outcome. */
static void expected_log(const struct tcase *c, const struct form *f,
			 const struct outcome *ram, char *log)
{
	*log = 0;
	switch (f->access) {
	case A_R:
		strcpy(log, "R");
		break;
	case A_W:
		strcpy(log, "W");
		break;
	case A_RW:
		strcpy(log, "RW");
		break;
	case A_CMPXCHG:
		strcpy(log, ram->regs.rflags & FLAG_ZF ? "RW" : "R");
		break;
	case A_STRING:
		for (uint64_t i = 0; i < c->elements; i++) {
			if (f->string_src && c->ptr_mmio[RSI])
				strcat(log, "R");
			if (f->string_dst && c->ptr_mmio[RDI])
				strcat(log, "W");
		}
		break;
	}
}

static void diag_code(const struct tcase *c)
{
	char s[64] = "";

	for (int i = 0; i < c->len; i++)
		snprintf(s + strlen(s), sizeof(s) - strlen(s), "%02x ",
			 c->code[i]);
	tap_diag("%s code: %s", c->real ? "real-mode" : "64-bit", s);
}

static bool check_case(const struct tcase *c, const struct form *f)
{
	struct outcome ram, mmio;
	char want[64];
	bool ok = true;

	if (!run_case(c, false, &ram) || !run_case(c, true, &mmio)) {
		diag_code(c);
		return false;
	}
	expected_log(c, f, &ram, want);
	for (int i = 0; i < NR_ENC; i++)
		if (*reg_enc(&ram.regs, i) != *reg_enc(&mmio.regs, i)) {
			tap_diag("register %d: MMIO %#llx, RAM %#llx", i,
				 (unsigned long long)*reg_enc(&mmio.regs, i),
				 (unsigned long long)*reg_enc(&ram.regs, i));
			ok = false;
		}
	if (ram.regs.rip != mmio.regs.rip || ram.regs.rflags != mmio.regs.rflags) {
		tap_diag("rip/rflags: MMIO %#llx/%#llx, RAM %#llx/%#llx",
			 (unsigned long long)mmio.regs.rip,
			 (unsigned long long)mmio.regs.rflags,
			 (unsigned long long)ram.regs.rip,
			 (unsigned long long)ram.regs.rflags);
		ok = false;
	}
	if (memcmp(ram.a, mmio.a, WIN) || memcmp(ram.b, mmio.b, WIN)) {
		tap_diag("memory differs (MMIO side %s, RAM side %s)",
			 memcmp(ram.a, mmio.a, WIN) ? "yes" : "no",
			 memcmp(ram.b, mmio.b, WIN) ? "yes" : "no");
		ok = false;
	}
	if (strcmp(want, mmio.log) || mmio.bad_size) {
		tap_diag("accesses %s%s, expected %s of %d bytes", mmio.log,
			 mmio.bad_size ? " (a wrong size)" : "", want, c->size);
		ok = false;
	}
	if (!ok) {
		tap_diag("%s", f->name);
		diag_code(c);
	}
	return ok;
}

static void test_forms(void)
{
	for (int i = 0; i < NR_FORMS; i++) {
		const struct form *f = &forms[i];
		bool ok = true;

		for (int k = 0; k < VARIANTS && ok; k++) {
			struct tcase c;

			make_case(&c, f, k % 3 == 2);
			ok = check_case(&c, f);
		}
		tap_ok(ok, "MMIO %s: %d variants (64-bit and real mode) as on RAM: registers, flags, memory, accesses",
		       f->name, VARIANTS);
	}
}

static void test_random(int n)
{
	int failed = 0;

	for (int i = 0; i < n && failed < 3; i++) {
		const struct form *f = &forms[rnd(NR_FORMS)];
		struct tcase c;

		make_case(&c, f, rnd(3) == 0);
		if (!check_case(&c, f))
			failed++;
	}
	tap_ok(!failed, "MMIO: %d random memory-operand instructions (seed %u): no internal error, each as on RAM",
	       n, seed);
}

/* SSE from MMIO: not emulated; the exit names the instruction. */
static void test_not_emulated(void)
{
	static const uint8_t code[] = { 0x0f, 0x10, 0x03, 0xf4 }; /* movups (%rbx),%xmm0 */
	struct vm *v = vm_get(false);
	struct pvx_run *run = v->vcpu->run;
	struct tcase c = { .len = sizeof(code) };
	bool ok;

	memcpy(c.code, code, sizeof(code));
	c.regs.rflags = 2;
	c.regs.rbx = MMIO_LONG + 0x40;
	ok = enter(v, &c, true) && !pvx_vcpu_run(v->vcpu) &&
	     run->exit_reason == PVX_EXIT_INTERNAL_ERROR &&
	     run->internal.suberror == PVX_INTERNAL_EMULATION &&
	     run->internal.guest_phys_addr == MMIO_LONG + 0x40 &&
	     run->internal.insn_len >= 3 &&
	     !memcmp(run->internal.insn, code, 3);
	if (!ok && run->exit_reason == PVX_EXIT_INTERNAL_ERROR)
		diag_internal(run);
	tap_ok(ok, "MOVUPS from MMIO: internal error (emulation) with the instruction's bytes");
}

/*
 * ADD to a read-only slot: the read comes from the slot's RAM, only the
 * write is an MMIO exit (with the sum); flags as the CPU computes them.
 */
static void test_read_only_rmw(void)
{
	static const uint8_t code[] = { 0x01, 0x03, 0xf4 }; /* add %eax,(%rbx) */
	struct vm *v = vm_get(false);
	struct pvx_run *run = v->vcpu->run;
	struct tcase c = { .len = sizeof(code) };
	uint32_t *rom = gpa_ptr(v, ROM, 4096), data = 0;
	struct pvx_regs r;
	bool ok;

	memcpy(c.code, code, sizeof(code));
	c.regs.rflags = 2;
	c.regs.rax = 0x80000001;
	c.regs.rbx = ROM + 0x10;
	rom[4] = 0x7fffffff;
	ok = enter(v, &c, true) && !pvx_vcpu_run(v->vcpu) &&
	     run->exit_reason == PVX_EXIT_MMIO && run->mmio.is_write &&
	     run->mmio.phys_addr == ROM + 0x10 && run->mmio.len == 4;
	if (ok)
		memcpy(&data, run->mmio.data, 4);
	ok = ok && data == 0 && !pvx_vcpu_run(v->vcpu) &&
	     run->exit_reason == PVX_EXIT_HLT &&
	     !pvx_vcpu_get_regs(v->vcpu, &r) && rom[4] == 0x7fffffff &&
	     (r.rflags & FLAGS_ARITH) == (0x1 | 0x4 | 0x10 | 0x40);
	if (!ok)
		tap_diag("exit %u data %#x", run->exit_reason, data);
	tap_ok(ok, "ADD to a read-only slot: read from its RAM, one MMIO write of the sum, CF PF AF ZF set");
}

int main(int argc, char **argv)
{
	const char *seed_arg = NULL, *random_arg = NULL;
	const struct pvxtest_opt opts[] = {
		{ "--seed", &seed_arg, NULL },
		{ "--random", &random_arg, NULL },
		{ NULL, NULL, NULL },
	};
	int nrandom;

	sys_fd = pvxtest_start(argc, argv, opts, NR_FORMS + 3);
	seed = seed_arg ? strtoul(seed_arg, NULL, 0) : (unsigned int)time(NULL);
	nrandom = random_arg ? atoi(random_arg) : 400;
	tap_diag("seed %u", seed);
	srand(seed);
	test_forms();
	test_random(nrandom);
	test_not_emulated();
	test_read_only_rmw();
	for (int i = 0; i < 2; i++)
		if (vms[i].vm)
			pvx_vm_destroy(vms[i].vm);
	close(sys_fd);
	return tap_finish();
}
