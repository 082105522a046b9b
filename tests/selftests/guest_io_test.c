// SPDX-License-Identifier: GPL-2.0
/*
 * guest_io_test [--no-load]: what a guest's port I/O, MMIO and CPUID look
 * like from the host, and what the guest gets back.
 *
 *  - IN and OUT of 1, 2 and 4 bytes: the exit's port, size and data, and
 *    how an IN merges into RAX (8 and 16 bits keep the rest of RAX, 32
 *    bits zero-extend: SDM Vol. 1 3.4.1.1).
 *  - INS and OUTS, with and without REP, more than a page of data, in
 *    64-bit code and in real mode (16-bit addresses, SI/DI wrapping at
 *    64 KiB), with DF=0 and DF=1: every byte in order, and RSI, RDI and
 *    RCX as the instruction leaves them; also under guest paging (4-level,
 *    32-bit, PAE) with consecutive linear pages on scattered physical ones
 *    and large pages away from identity, which pvx's own page walk must
 *    follow; and the #PF pvx raises when the string runs into a page the
 *    guest may not access (error code, CR2, registers where it stopped).
 *  - MMIO outside every slot: MOV r/m<->reg (AH..BH, SPL..DIL, R8-R15),
 *    MOV r/m,imm, MOV moffs, MOVZX and MOVSX, with segment, operand-size
 *    and address-size prefixes, in 64-bit code and in real mode: the exit's
 *    address, length, direction and data, the register a read fills (with
 *    the width rules), every other register untouched, and RIP after the
 *    instruction, also for instructions fetched through guest paging and
 *    straddling two scattered pages. Accesses pvx cannot hand out as one
 *    MMIO exit (an instruction fetch, the guest's page walk, an operand
 *    half in RAM) end in PVX_EXIT_INTERNAL_ERROR (PVX_INTERNAL_EMULATION),
 *    and the vCPU works on afterwards. Instructions other than MOV are
 *    emulate_test's.
 *  - CPUID answers from the PVX_SET_CPUID table: plain and indexed leaves,
 *    the hypervisor leaf, zeros for a leaf the table does not have.
 *
 * Guests are small assembly payloads assembled into this program
 * (PAYLOAD()) and copied into guest RAM; each ends in HLT, where the host
 * looks at the registers.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libpvx.h"
#include "pvxtest.h"
#include "tap.h"

/*
 * Guest-physical layout: RAM everywhere below 16 MiB except the VGA
 * window [0xa0000, 0xc0000), which real-mode code reaches for MMIO; long
 * mode also uses MMIO_HIGH, low enough for a disp32.
 */
#define RAM_END		(16ULL << 20)
#define HOLE_LO		0xa0000ULL
#define HOLE_HI		0xc0000ULL
#define MMIO_HIGH	0x40000000ULL
#define MMIO_REAL_SEG	0xa000		/* DS and ES of the real-mode cases */
#define MMIO_REAL_FS	0xb001		/* FS: the end of the hole in reach */
#define LONG_MAP_BYTES	(4ULL << 30)

/* An assembly payload: bytes from @name to @name_end, in .code@bits. */
#define PAYLOAD(name, bits, text)					\
	extern const uint8_t name[], name##_end[];			\
	__asm__(".pushsection .rodata.payload, \"a\"\n"			\
		#name ":\n"						\
		".code" #bits "\n"					\
		text "\n"						\
		".code64\n"						\
		#name "_end:\n"						\
		".popsection\n")
#define CODE(name)	.code = name, .end = name##_end

/* struct pvx_regs as an array: the order of its fields. */
enum { RAX, RBX, RCX, RDX, RSI, RDI, RSP, RBP, R8, R9, R10, R11, R12, R13,
       R14, R15, NR_GPRS };
static const char *const gpr_names[NR_GPRS] = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp", "rbp",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

static __u64 *gpr(struct pvx_regs *r, int i)
{
	return &r->rax + i;
}

/* RFLAGS.DF, the direction of string instructions. */
#define RFLAGS_DF	(1ULL << 10)

/* Guest-linear [lin, lin + size) is guest-physical [phys, phys + size). */
struct lin_range {
	uint64_t lin, phys, size;
};

#define MAX_RANGES	12

/*
 * The VMs the tests run in, each with one vCPU, opened on first use: flat
 * long and real mode, and three with guest paging that maps linear pages
 * away from their physical addresses (so that pvx's own page walk,
 * x86/walk.c, must be right for string I/O and MMIO decoding).
 */
enum vm_kind {
	VM_LONG,	/* libpvx's long mode: 2 MiB pages, identity */
	VM_REAL,	/* real mode */
	VM_LONG_4K,	/* 4-level paging with 4 KiB pages and a 1 GiB page */
	VM_PROT_32,	/* 32-bit paging, 4 KiB pages and a 4 MiB page (PSE) */
	VM_PROT_PAE,	/* PAE paging, 4 KiB pages and a 2 MiB page */
	NR_VM_KINDS,
};

struct vm {
	struct pvx_vm *vm;
	struct pvx_vcpu *vcpu;
	enum pvx_mode mode;
	const char *name;
	/* Guest paging in protected mode: CR3, and CR4 bits to set. */
	uint64_t cr3, cr4;
	/* Where linear is not physical. */
	struct lin_range map[MAX_RANGES];
	int nmap;
	bool failed;		/* opening it failed: do not try again */
};

static int sys_fd = -1;
static struct vm vms[NR_VM_KINDS];

/*
 * The paging VMs: eight linear 4 KiB pages at PG_LIN, each on a physical
 * page of its own in reverse order with gaps, and one large page at
 * BIG_LIN away from identity. Their tables live in RAM libpvx leaves
 * alone (between its page directories and the stacks).
 */
#define PG_LIN		0x70000000ULL
#define PG_PAGES	8
#define PG_PHYS(i)	(0x500000ULL + (PG_PAGES - 1 - (i)) * 0x2000)
#define BIG_LIN		0x80000000ULL
#define BIG_PHYS	0x400000ULL	/* 4 MiB and 2 MiB aligned */
#define WALK_LIN	(PG_LIN + 0x200000)	/* its page table is MMIO */
#define WALK_PT		(MMIO_HIGH + 0x200000)
#define PT_GPA		0x60000ULL	/* the page table of PG_LIN */
#define PD32_GPA	0x61000ULL
#define PAE_PDPT_GPA	0x62000ULL
#define PAE_PD_GPA(i)	(0x63000ULL + (i) * 0x1000)
#define PTE_P		0x1ULL
#define PTE_RW		0x2ULL
#define PTE_PS		0x80ULL
#define PTE_LARGE	(PTE_P | PTE_RW | PTE_PS)
#define CR0_PG		(1ULL << 31)
#define CR4_PSE		(1ULL << 4)
#define CR4_PAE		(1ULL << 5)

static void *gpa_ptr(struct vm *v, uint64_t gpa, uint64_t len)
{
	void *p = pvx_gpa_to_host(&v->vm->mem, gpa, len);

	if (!p)
		tap_bail("GPA %#" PRIx64 "+%#" PRIx64 " is not RAM", gpa, len);
	return p;
}

/* The host's view of the guest byte at linear @lin. */
static uint8_t *lin_ptr(struct vm *v, uint64_t lin)
{
	for (int i = 0; i < v->nmap; i++) {
		const struct lin_range *m = &v->map[i];

		if (lin - m->lin < m->size)
			return gpa_ptr(v, m->phys + (lin - m->lin), 1);
	}
	return gpa_ptr(v, lin, 1);
}

static void map_range(struct vm *v, uint64_t lin, uint64_t phys, uint64_t size)
{
	if (v->nmap == MAX_RANGES)
		tap_bail("too many ranges");
	v->map[v->nmap++] = (struct lin_range){ lin, phys, size };
}

/* The 4 KiB pages at PG_LIN, with entries of @entry_size bytes. */
static void map_small_pages(struct vm *v, int entry_size)
{
	uint8_t *pt = gpa_ptr(v, PT_GPA, 4096);

	memset(pt, 0, 4096);
	for (int i = 0; i < PG_PAGES; i++) {
		uint64_t e = PG_PHYS(i) | PTE_P | PTE_RW;

		memcpy(pt + i * entry_size, &e, entry_size);
		map_range(v, PG_LIN + i * 4096ULL, PG_PHYS(i), 4096);
	}
}

/*
 * libpvx's long-mode tables, then a page table (its last page read-only,
 * nothing after it) and a 1 GiB page.
 */
static void setup_long_4k(struct vm *v)
{
	uint64_t *pd1 = gpa_ptr(v, PVX_PD_GPA + 0x1000, 4096);
	uint64_t *pdpt = gpa_ptr(v, PVX_PDPT_GPA, 4096);
	uint64_t *pt = gpa_ptr(v, PT_GPA, 4096);

	map_small_pages(v, 8);
	pt[PG_PAGES - 1] &= ~PTE_RW;
	pd1[(PG_LIN >> 21) & 511] = PT_GPA | PTE_P | PTE_RW;
	pd1[(WALK_LIN >> 21) & 511] = WALK_PT | PTE_P | PTE_RW;
	pdpt[BIG_LIN >> 30] = 0 | PTE_LARGE;	/* 1 GiB at physical 0 */
	map_range(v, BIG_LIN, 0, 1ULL << 30);
}

/* 32-bit paging (SDM 4.3): 4 MiB pages for code, MMIO and BIG_LIN. */
static void setup_prot_32(struct vm *v)
{
	uint32_t *pd = gpa_ptr(v, PD32_GPA, 4096);

	memset(pd, 0, 4096);
	pd[0] = 0 | PTE_LARGE;
	pd[MMIO_HIGH >> 22] = MMIO_HIGH | PTE_LARGE;
	pd[PG_LIN >> 22] = PT_GPA | PTE_P | PTE_RW;
	pd[BIG_LIN >> 22] = BIG_PHYS | PTE_LARGE;
	map_small_pages(v, 4);
	map_range(v, BIG_LIN, BIG_PHYS, 4ULL << 20);
	v->cr3 = PD32_GPA;
	v->cr4 = CR4_PSE;
}

/* PAE paging (SDM 4.4): four PDPTEs, 2 MiB pages around the 4 KiB ones. */
static void setup_prot_pae(struct vm *v)
{
	uint64_t *pdpt = gpa_ptr(v, PAE_PDPT_GPA, 32), *pd[4];

	for (int i = 0; i < 4; i++) {
		pd[i] = gpa_ptr(v, PAE_PD_GPA(i), 4096);
		memset(pd[i], 0, 4096);
		pdpt[i] = PAE_PD_GPA(i) | PTE_P;	/* bits 2:1 reserved */
	}
	pd[0][0] = 0 | PTE_LARGE;
	pd[MMIO_HIGH >> 30][(MMIO_HIGH >> 21) & 511] = MMIO_HIGH | PTE_LARGE;
	pd[PG_LIN >> 30][(PG_LIN >> 21) & 511] = PT_GPA | PTE_P | PTE_RW;
	pd[BIG_LIN >> 30][(BIG_LIN >> 21) & 511] = BIG_PHYS | PTE_LARGE;
	map_small_pages(v, 8);
	map_range(v, BIG_LIN, BIG_PHYS, 2ULL << 20);
	v->cr3 = PAE_PDPT_GPA;
	v->cr4 = CR4_PAE;
}

static const struct {
	const char *name;
	enum pvx_mode mode;
	void (*setup)(struct vm *v);
} vm_kinds[NR_VM_KINDS] = {
	[VM_LONG] = { "long mode", PVX_MODE_LONG, NULL },
	[VM_REAL] = { "real mode", PVX_MODE_REAL, NULL },
	[VM_LONG_4K] = { "4-level paging", PVX_MODE_LONG, setup_long_4k },
	[VM_PROT_32] = { "32-bit paging", PVX_MODE_PROT, setup_prot_32 },
	[VM_PROT_PAE] = { "PAE paging", PVX_MODE_PROT, setup_prot_pae },
};

/* A VM with RAM around the hole, the mode's tables, and vCPU 0. */
static bool vm_open(struct vm *v, enum vm_kind kind)
{
	enum pvx_mode mode = vm_kinds[kind].mode;
	int r;

	memset(v, 0, sizeof(*v));
	v->mode = mode;
	v->name = vm_kinds[kind].name;
	r = pvx_vm_create(sys_fd, &v->vm);
	if (r) {
		tap_diag("PVX_CREATE_VM: %s", strerror(-r));
		return false;
	}
	r = pvx_vm_add_ram(v->vm, 0, 0, HOLE_LO, 0, PVX_BACKING_PAGES) ?:
	    pvx_vm_add_ram(v->vm, 1, HOLE_HI, RAM_END - HOLE_HI, 0,
			   PVX_BACKING_PAGES) ?:
	    pvx_mode_write_tables(&v->vm->mem, mode, LONG_MAP_BYTES) ?:
	    pvx_vcpu_create(v->vm, 0, &v->vcpu);
	if (r) {
		tap_diag("VM setup, %s: %s", v->name, strerror(-r));
		pvx_vm_destroy(v->vm);
		v->vm = NULL;
		return false;
	}
	if (vm_kinds[kind].setup)
		vm_kinds[kind].setup(v);
	return true;
}

static void vm_close(struct vm *v)
{
	pvx_vm_destroy(v->vm);
	v->vm = NULL;
}

/* The shared VM of @kind, opened on first use; NULL if that failed. */
static struct vm *vm_get(enum vm_kind kind)
{
	struct vm *v = &vms[kind];

	if (!v->vm && !v->failed && !vm_open(v, kind))
		v->failed = true;
	return v->vm ? v : NULL;
}

static void vm_close_all(void)
{
	for (int k = 0; k < NR_VM_KINDS; k++)
		if (vms[k].vm)
			vm_close(&vms[k]);
}

/*
 * Copy [@code, @end) to the mode's image address and fill @s and @r with
 * the state that enters it (paging on, for the paging VMs); the caller
 * adjusts them and calls vm_enter().
 */
static void vm_load(struct vm *v, const uint8_t *code, const uint8_t *end,
		    struct pvx_sregs *s, struct pvx_regs *r)
{
	uint64_t entry = pvx_mode_image_gpa(v->mode);

	memcpy(gpa_ptr(v, entry, end - code), code, end - code);
	if (pvx_mode_fill(v->mode, entry, pvx_mode_stack_top(v->mode, 0), s, r))
		tap_bail("pvx_mode_fill");
	if (v->cr3) {
		s->cr0 |= CR0_PG;
		s->cr3 = v->cr3;
		s->cr4 |= v->cr4;
	}
}

static bool vm_enter(struct vm *v, const struct pvx_sregs *s,
		     const struct pvx_regs *r)
{
	int err = pvx_vcpu_set_sregs(v->vcpu, s) ?: pvx_vcpu_set_regs(v->vcpu, r);

	if (err)
		tap_diag("PVX_SET_SREGS/PVX_SET_REGS: %s", strerror(-err));
	return !err;
}

/* Real mode: a data segment at @sel as the CPU loads it (base sel << 4). */
static void real_seg(struct pvx_segment *seg, uint16_t sel)
{
	seg->selector = sel;
	seg->base = (uint64_t)sel << 4;
}

/* One line on the exit in the run page, for diagnostics. */
static void diag_exit(struct vm *v, const char *what)
{
	const struct pvx_run *run = v->vcpu->run;
	const char *name = pvx_exit_name(run->exit_reason);
	unsigned long long data;

	switch (run->exit_reason) {
	case PVX_EXIT_IO:
		tap_diag("%s: io %s port %#x size %u count %u", what,
			 run->io.direction == PVX_EXIT_IO_IN ? "in" : "out",
			 run->io.port, run->io.size, run->io.count);
		break;
	case PVX_EXIT_MMIO:
		memcpy(&data, run->mmio.data, sizeof(data));
		tap_diag("%s: mmio %s %#llx len %u data %#llx", what,
			 run->mmio.is_write ? "write" : "read",
			 (unsigned long long)run->mmio.phys_addr, run->mmio.len,
			 data);
		break;
	case PVX_EXIT_INTERNAL_ERROR:
		tap_diag("%s: internal error %u (%s), exit reason %llu, qual %#llx, rip %#llx, gpa %#llx",
			 what, run->internal.suberror,
			 pvx_internal_name(run->internal.suberror) ?: "?",
			 (unsigned long long)run->internal.exit_reason,
			 (unsigned long long)run->internal.qualification,
			 (unsigned long long)run->internal.guest_rip,
			 (unsigned long long)run->internal.guest_phys_addr);
		break;
	case PVX_EXIT_FAIL_ENTRY:
		tap_diag("%s: entry failed, reason %#llx qual %#llx", what,
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason,
			 (unsigned long long)run->fail_entry.qualification);
		break;
	default:
		tap_diag("%s: exit %s (%u)", what, name ?: "?", run->exit_reason);
	}
}

/* PVX_RUN once; is the exit @reason? */
static bool run_expect(struct vm *v, uint32_t reason, const char *what)
{
	int r = pvx_vcpu_run(v->vcpu);

	if (r) {
		tap_diag("%s: PVX_RUN: %s", what, strerror(-r));
		return false;
	}
	if (v->vcpu->run->exit_reason != reason) {
		tap_diag("%s: expected a %s exit", what, pvx_exit_name(reason));
		diag_exit(v, what);
		return false;
	}
	return true;
}

/* Compare every register and RIP with @want; diagnose the differences. */
static bool regs_equal(const struct pvx_regs *got, const struct pvx_regs *want,
		       const char *what)
{
	struct pvx_regs g = *got, w = *want;
	bool ok = true;

	for (int i = 0; i < NR_GPRS; i++) {
		if (*gpr(&g, i) == *gpr(&w, i))
			continue;
		tap_diag("%s: %s is %#llx, expected %#llx", what, gpr_names[i],
			 (unsigned long long)*gpr(&g, i),
			 (unsigned long long)*gpr(&w, i));
		ok = false;
	}
	if (g.rip != w.rip) {
		tap_diag("%s: rip is %#llx, expected %#llx", what,
			 (unsigned long long)g.rip, (unsigned long long)w.rip);
		ok = false;
	}
	return ok;
}

static bool get_regs(struct vm *v, struct pvx_regs *r)
{
	int err = pvx_vcpu_get_regs(v->vcpu, r);

	if (err)
		tap_diag("PVX_GET_REGS: %s", strerror(-err));
	return !err;
}

/*
 * Port I/O: IN and OUT of each size.
 */

#define IO_PAT	0x1122334455667788ULL

PAYLOAD(out_sizes, 64,
	"movabs $0x1122334455667788, %rax\n"
	"out %al, $0xe0\n"
	"out %ax, $0xe2\n"
	"out %eax, $0xe4\n"
	"mov $0x5e8, %dx\n"
	"out %eax, %dx\n"
	"hlt\n");

/* One OUT exit as expected: port, size, count 1, and the data. */
static bool expect_out(struct vm *v, uint16_t port, uint8_t size, uint32_t val)
{
	const struct pvx_run *run = v->vcpu->run;
	uint32_t got = 0;
	void *data;

	if (!run_expect(v, PVX_EXIT_IO, "OUT"))
		return false;
	data = pvx_vcpu_io_data(v->vcpu);
	if (data)
		memcpy(&got, data, run->io.size <= 4 ? run->io.size : 4);
	if (run->io.direction == PVX_EXIT_IO_OUT && run->io.port == port &&
	    run->io.size == size && run->io.count == 1 && data && got == val)
		return true;
	diag_exit(v, "OUT");
	tap_diag("expected port %#x size %u data %#x, got data %#x", port, size,
		 val, got);
	return false;
}

static void test_out_sizes(void)
{
	struct pvx_sregs s;
	struct pvx_regs r, got;
	struct vm v;
	bool ok;

	if (!vm_open(&v, VM_LONG)) {
		tap_ok(false, "OUT of 1, 2 and 4 bytes");
		return;
	}
	vm_load(&v, out_sizes, out_sizes_end, &s, &r);
	ok = vm_enter(&v, &s, &r) &&
	     expect_out(&v, 0xe0, 1, (uint8_t)IO_PAT) &&
	     expect_out(&v, 0xe2, 2, (uint16_t)IO_PAT) &&
	     expect_out(&v, 0xe4, 4, (uint32_t)IO_PAT) &&
	     expect_out(&v, 0x5e8, 4, (uint32_t)IO_PAT) &&
	     run_expect(&v, PVX_EXIT_HLT, "after the OUTs") && get_regs(&v, &got);
	if (ok) {
		r.rax = IO_PAT;
		r.rdx = 0x5e8;
		r.rip += out_sizes_end - out_sizes;
		ok = regs_equal(&got, &r, "after the OUTs");
	}
	tap_ok(ok, "OUT of 1, 2 and 4 bytes (imm8 and DX ports): port, size, count 1, the low bytes of RAX");
	vm_close(&v);
}

PAYLOAD(in_sizes, 64,
	"movabs $0x1122334455667788, %rax\n"
	"in $0xe0, %al\n"
	"hlt\n"
	"movabs $0x1122334455667788, %rax\n"
	"in $0xe2, %ax\n"
	"hlt\n"
	"movabs $0x1122334455667788, %rax\n"
	"mov $0x5e8, %dx\n"
	"in %dx, %eax\n"
	"hlt\n");

/*
 * One IN: check the exit, answer with 0xd4c3b2a1 followed by bytes that
 * must not reach the guest, run to the HLT, compare RAX.
 */
static bool in_step(struct vm *v, uint16_t port, uint8_t size, uint64_t rax)
{
	static const uint8_t answer[8] = { 0xa1, 0xb2, 0xc3, 0xd4,
					   0xee, 0xee, 0xee, 0xee };
	const struct pvx_run *run = v->vcpu->run;
	struct pvx_regs got;
	void *data;

	if (!run_expect(v, PVX_EXIT_IO, "IN"))
		return false;
	data = pvx_vcpu_io_data(v->vcpu);
	if (run->io.direction != PVX_EXIT_IO_IN || run->io.port != port ||
	    run->io.size != size || run->io.count != 1 || !data) {
		diag_exit(v, "IN");
		tap_diag("expected IN port %#x size %u", port, size);
		return false;
	}
	/* The data page holds at least a page: 8 bytes fit. */
	memcpy(data, answer, sizeof(answer));
	if (!run_expect(v, PVX_EXIT_HLT, "after IN") || !get_regs(v, &got))
		return false;
	if (got.rax != rax) {
		tap_diag("IN of %u bytes: rax %#llx, expected %#llx", size,
			 (unsigned long long)got.rax, (unsigned long long)rax);
		return false;
	}
	return true;
}

static void test_in_sizes(void)
{
	struct pvx_sregs s;
	struct pvx_regs r;
	struct vm v;
	bool ok;

	if (!vm_open(&v, VM_LONG)) {
		for (int i = 0; i < 3; i++)
			tap_ok(false, "IN: no VM");
		return;
	}
	vm_load(&v, in_sizes, in_sizes_end, &s, &r);
	ok = vm_enter(&v, &s, &r);
	tap_ok(ok && in_step(&v, 0xe0, 1, 0x11223344556677a1ULL),
	       "IN of 1 byte: AL takes the byte, RAX bits 63:8 are kept");
	tap_ok(ok && in_step(&v, 0xe2, 2, 0x112233445566b2a1ULL),
	       "IN of 2 bytes: AX takes the word, RAX bits 63:16 are kept");
	tap_ok(ok && in_step(&v, 0x5e8, 4, 0xd4c3b2a1ULL),
	       "IN of 4 bytes (port in DX): EAX takes the dword, zero-extended into RAX");
	vm_close(&v);
}

/*
 * String I/O.
 */

/* The byte at position @i of a stream: no period short enough to hide a shift. */
static uint8_t pattern(uint64_t i, uint8_t seed)
{
	return (uint8_t)(i * 131 + (i >> 8) * 7 + (i >> 16) * 3 + seed);
}

struct str_case {
	const char *name;
	enum vm_kind vm;
	const uint8_t *code, *end;	/* the instruction, then HLT */
	bool in;			/* INS (else OUTS) */
	bool rep;
	bool df;
	uint8_t size;			/* element size */
	uint8_t asz;			/* address size: 2 (real), 4 (prot), 8 */
	uint16_t port;
	uint64_t count;			/* elements: RCX (CX) for REP */
	uint16_t seg;			/* real mode: DS (OUTS) or ES (INS) */
	uint64_t off;			/* RSI/RDI at the start */
	uint64_t hi;			/* real mode: bits kept above SI, DI, CX */
};

PAYLOAD(rep_outsb64, 64, "rep outsb\n hlt\n");
PAYLOAD(rep_outsw64, 64, "rep outsw\n hlt\n");
PAYLOAD(rep_outsl64, 64, "rep outsl\n hlt\n");
PAYLOAD(rep_insb64, 64, "rep insb\n hlt\n");
PAYLOAD(rep_insw64, 64, "rep insw\n hlt\n");
PAYLOAD(rep_insl64, 64, "rep insl\n hlt\n");
PAYLOAD(outsb64, 64, "outsb\n hlt\n");
PAYLOAD(insl64, 64, "insl\n hlt\n");
PAYLOAD(rep_outsb16, 16, "rep outsb\n hlt\n");
PAYLOAD(rep_insw16, 16, "rep insw\n hlt\n");
PAYLOAD(rep_insl16, 16, "rep insl\n hlt\n");
PAYLOAD(rep_insb16, 16, "rep insb\n hlt\n");
PAYLOAD(outsw16, 16, "outsw\n hlt\n");
PAYLOAD(rep_insl32, 32, "rep insl\n hlt\n");
PAYLOAD(rep_insw32, 32, "rep insw\n hlt\n");
PAYLOAD(rep_outsb32, 32, "rep outsb\n hlt\n");
PAYLOAD(rep_outsl32, 32, "rep outsl\n hlt\n");

static const struct str_case str_cases[] = {
	{ "REP OUTSB, 64-bit, 5000 bytes from an odd address",
	  VM_LONG, CODE(rep_outsb64), false, true, false, 1, 8, 0xe0,
	  5000, 0, 0x200003, 0 },
	{ "REP OUTSW, 64-bit, 3000 words, some straddling pages",
	  VM_LONG, CODE(rep_outsw64), false, true, false, 2, 8, 0x3e0,
	  3000, 0, 0x203001, 0 },
	{ "REP OUTSD, 64-bit, 1500 dwords",
	  VM_LONG, CODE(rep_outsl64), false, true, false, 4, 8, 0x5e0,
	  1500, 0, 0x206002, 0 },
	{ "REP INSB, 64-bit, 5000 bytes to an odd address",
	  VM_LONG, CODE(rep_insb64), true, true, false, 1, 8, 0xe1,
	  5000, 0, 0x300003, 0 },
	{ "REP INSW, 64-bit, 3000 words, some straddling pages",
	  VM_LONG, CODE(rep_insw64), true, true, false, 2, 8, 0x3e1,
	  3000, 0, 0x303001, 0 },
	{ "REP INSD, 64-bit, 1500 dwords",
	  VM_LONG, CODE(rep_insl64), true, true, false, 4, 8, 0x5e1,
	  1500, 0, 0x306002, 0 },
	{ "REP OUTSD, 64-bit, DF=1, 1100 dwords downwards",
	  VM_LONG, CODE(rep_outsl64), false, true, true, 4, 8, 0xe4,
	  1100, 0, 0x20a000, 0 },
	{ "REP INSB, 64-bit, DF=1, 4200 bytes downwards",
	  VM_LONG, CODE(rep_insb64), true, true, true, 1, 8, 0xe5,
	  4200, 0, 0x310000, 0 },
	{ "OUTSB without REP, 64-bit: one byte, RCX untouched",
	  VM_LONG, CODE(outsb64), false, false, false, 1, 8, 0xe6,
	  1, 0, 0x200fff, 0 },
	{ "INSD without REP, 64-bit: one dword across a page edge, RCX untouched",
	  VM_LONG, CODE(insl64), true, false, false, 4, 8, 0xe7,
	  1, 0, 0x300ffe, 0 },
	{ "REP OUTSB, real mode: DS:SI, CX, 5000 bytes, ESI/ECX bits 31:16 kept",
	  VM_REAL, CODE(rep_outsb16), false, true, false, 1, 2, 0xe8,
	  5000, 0x2000, 0x0100, 0xabcd0000 },
	{ "REP INSW, real mode: ES:DI, 2600 words, EDI/ECX bits 31:16 kept",
	  VM_REAL, CODE(rep_insw16), true, true, false, 2, 2, 0xe9,
	  2600, 0x3000, 0x0011, 0x5a5a0000 },
	{ "REP INSD, real mode: 1100 dwords",
	  VM_REAL, CODE(rep_insl16), true, true, false, 4, 2, 0xea,
	  1100, 0x2100, 0x0002, 0 },
	{ "REP INSW, real mode, DF=1: 2100 words downwards",
	  VM_REAL, CODE(rep_insw16), true, true, true, 2, 2, 0xeb,
	  2100, 0x3000, 0x2000, 0x12340000 },
	{ "OUTSW without REP, real mode, DF=1: SI goes down by 2",
	  VM_REAL, CODE(outsw16), false, false, true, 2, 2, 0xec,
	  1, 0x2000, 0x0400, 0 },
	/*
	 * SI and DI are 16 bits: past 0xffff they wrap to 0 within the
	 * segment (SDM Vol. 1 3.3.6), whatever the linear address would say.
	 * The segment bases are not page-aligned, so the wrap falls inside
	 * a page.
	 */
	{ "REP OUTSB, real mode: SI wraps from 0xffff to 0 mid-instruction",
	  VM_REAL, CODE(rep_outsb16), false, true, false, 1, 2, 0xed,
	  0x40, 0x2001, 0xfff0, 0 },
	{ "REP INSB, real mode: DI wraps from 0xffff to 0 mid-instruction",
	  VM_REAL, CODE(rep_insb16), true, true, false, 1, 2, 0xee,
	  0x40, 0x3003, 0xffe8, 0 },
	/* Guest paging: consecutive linear pages on scattered physical ones. */
	{ "4-level paging, 4 KiB pages: REP INSB across 3 scattered pages",
	  VM_LONG_4K, CODE(rep_insb64), true, true, false, 1, 8, 0x100,
	  0x1020, 0, PG_LIN + 0xff0, 0 },
	{ "4-level paging, 4 KiB pages: REP OUTSW across 3 scattered pages",
	  VM_LONG_4K, CODE(rep_outsw64), false, true, false, 2, 8, 0x101,
	  0x805, 0, PG_LIN + 0x2ffe, 0 },
	{ "4-level paging, a 1 GiB page: REP OUTSB",
	  VM_LONG_4K, CODE(rep_outsb64), false, true, false, 1, 8, 0x102,
	  5000, 0, BIG_LIN + 0x200000, 0 },
	{ "32-bit paging, 4 KiB pages: REP INSD, dwords straddling pages",
	  VM_PROT_32, CODE(rep_insl32), true, true, false, 4, 4, 0x103,
	  0x402, 0, PG_LIN + 0xffe, 0 },
	{ "32-bit paging, a 4 MiB page: REP OUTSB",
	  VM_PROT_32, CODE(rep_outsb32), false, true, false, 1, 4, 0x104,
	  0x1100, 0, BIG_LIN + 0x1ff0, 0 },
	{ "PAE paging, 4 KiB pages: REP INSW across 3 scattered pages",
	  VM_PROT_PAE, CODE(rep_insw32), true, true, false, 2, 4, 0x105,
	  0x900, 0, PG_LIN + 0x1ff0, 0 },
	{ "PAE paging, a 2 MiB page: REP OUTSD",
	  VM_PROT_PAE, CODE(rep_outsl32), false, true, false, 4, 4, 0x106,
	  0x500, 0, BIG_LIN + 0xff8, 0 },
};

#define NR_STR_CASES (int)(sizeof(str_cases) / sizeof(str_cases[0]))

/* The address-register value after @k elements. */
static uint64_t str_off(const struct str_case *c, uint64_t k)
{
	uint64_t delta = k * c->size, off = c->df ? c->off - delta : c->off + delta;

	return c->asz == 8 ? off : off & ((1ULL << (8 * c->asz)) - 1);
}

/* The linear address of element @k's first byte. */
static uint64_t str_lin(const struct str_case *c, uint64_t k)
{
	return ((uint64_t)c->seg << 4) + str_off(c, k);
}

/* The bytes around the elements: sentinels, checked intact afterwards. */
#define SENTINEL	0x5c
#define STR_MARGIN	64

/* [lo, hi): every byte the case touches, plus margins. */
static void str_span(const struct str_case *c, uint64_t *lo, uint64_t *hi)
{
	*lo = UINT64_MAX;
	*hi = 0;
	for (uint64_t k = 0; k < c->count; k++) {
		uint64_t a = str_lin(c, k);

		if (a < *lo)
			*lo = a;
		if (a + c->size > *hi)
			*hi = a + c->size;
	}
	*lo -= STR_MARGIN;
	*hi += STR_MARGIN;
}

/*
 * Guest memory before the instruction: OUTS sources hold the stream
 * (element k at its address), INS destinations the sentinel.
 */
static void str_prepare(struct vm *v, const struct str_case *c)
{
	uint64_t lo, hi;

	str_span(c, &lo, &hi);
	for (uint64_t lin = lo; lin < hi; lin++)
		*lin_ptr(v, lin) = SENTINEL;
	if (c->in)
		return;
	for (uint64_t k = 0; k < c->count; k++)
		for (int b = 0; b < c->size; b++)
			*lin_ptr(v, str_lin(c, k) + b) =
				pattern(k * c->size + b, c->port);
}

/*
 * Play the device: each exit's data is the next piece of the stream. OUT
 * pieces are compared with the stream, IN pieces are the stream.
 */
static bool str_exits(struct vm *v, const struct str_case *c,
		      uint64_t *exits)
{
	const struct pvx_run *run = v->vcpu->run;
	uint64_t total = c->count * c->size, pos = 0;

	*exits = 0;
	while (pos < total) {
		uint8_t *data;
		uint64_t n;

		if (!run_expect(v, PVX_EXIT_IO, c->name))
			return false;
		(*exits)++;
		data = pvx_vcpu_io_data(v->vcpu);
		n = (uint64_t)run->io.count * run->io.size;
		if (!data || run->io.port != c->port || run->io.size != c->size ||
		    run->io.direction != (c->in ? PVX_EXIT_IO_IN : PVX_EXIT_IO_OUT) ||
		    n > 4096 || n > total - pos) {
			diag_exit(v, c->name);
			tap_diag("at byte %" PRIu64 " of %" PRIu64, pos, total);
			return false;
		}
		for (uint64_t i = 0; i < n; i++, pos++) {
			uint8_t want = pattern(pos, c->port);

			if (c->in) {
				data[i] = want;
			} else if (data[i] != want) {
				tap_diag("OUT byte %" PRIu64 " is %#x, expected %#x",
					 pos, data[i], want);
				return false;
			}
		}
	}
	return run_expect(v, PVX_EXIT_HLT, c->name);
}

/* After INS: each element at its address, sentinels everywhere else. */
static bool str_check_memory(struct vm *v, const struct str_case *c)
{
	uint64_t lo, hi, bad = 0;
	uint8_t *want;

	if (!c->in)
		return true;
	str_span(c, &lo, &hi);
	want = malloc(hi - lo);
	if (!want)
		tap_bail("malloc");
	memset(want, SENTINEL, hi - lo);
	for (uint64_t k = 0; k < c->count; k++)
		for (int b = 0; b < c->size; b++)
			want[str_lin(c, k) + b - lo] = pattern(k * c->size + b,
							       c->port);
	for (uint64_t i = 0; i < hi - lo; i++) {
		uint8_t got = *lin_ptr(v, lo + i);

		if (got == want[i])
			continue;
		if (bad++ < 4)
			tap_diag("guest byte at linear %#" PRIx64 " is %#x, expected %#x",
				 lo + i, got, want[i]);
	}
	if (bad)
		tap_diag("%" PRIu64 " bytes differ in [%#" PRIx64 ", %#" PRIx64 ")",
			 bad, lo, hi);
	free(want);
	return !bad;
}

static bool str_run(struct vm *v, const struct str_case *c)
{
	__u64 *areg;
	uint64_t exits, rcx0 = c->rep ? c->count : 0x77665544;
	struct pvx_regs r, got;
	struct pvx_sregs s;

	vm_load(v, c->code, c->end, &s, &r);
	if (v->mode == PVX_MODE_REAL)
		real_seg(c->in ? &s.es : &s.ds, c->seg);
	areg = c->in ? &r.rdi : &r.rsi;
	*areg = c->hi | c->off;
	r.rcx = c->hi | rcx0;
	r.rdx = c->port;
	if (c->df)
		r.rflags |= RFLAGS_DF;
	str_prepare(v, c);
	if (!vm_enter(v, &s, &r) || !str_exits(v, c, &exits) ||
	    !get_regs(v, &got))
		return false;
	*areg = c->hi | str_off(c, c->count);
	if (c->rep)
		r.rcx = c->hi;	/* CX (or RCX) counted down to 0 */
	r.rip += c->end - c->code;
	tap_diag("%s: %" PRIu64 " exits", c->name, exits);
	return regs_equal(&got, &r, c->name) && str_check_memory(v, c);
}

/*
 * String I/O that runs into a page the guest may not access: pvx moves the
 * data itself, so it must raise the guest's #PF (SDM 4.7: error code, CR2)
 * with RDI/RSI and RCX as far as the instruction got, and RIP still on it.
 * The #PF handler (an IDT gate the host writes) takes the error code into
 * R8 and CR2 into R9 and halts.
 */
#define IDT_GPA		0x68000ULL
#define HANDLER_GPA	0x110000ULL
#define PF_VECTOR	14
#define PF_P		0x1
#define PF_W		0x2

PAYLOAD(pf_handler, 64, "pop %r8\n mov %cr2, %r9\n hlt");

struct pf_case {
	const char *name;
	const uint8_t *code, *end;
	bool in;
	uint64_t off;		/* RDI or RSI at the start */
	uint64_t count;		/* RCX */
	uint64_t done;		/* bytes moved before the fault */
	uint32_t error;		/* the #PF error code */
};

static const struct pf_case pf_cases[] = {
	{ "REP INSB into a read-only page: #PF(P|W), CR2, RDI and RCX where it stopped",
	  CODE(rep_insb64), true, PG_LIN + 0x7000 - 16, 64, 16, PF_P | PF_W },
	{ "REP OUTSB from a page not present: #PF(0), CR2, RSI and RCX where it stopped",
	  CODE(rep_outsb64), false, PG_LIN + 0x8000 - 16, 64, 16, 0 },
};

#define NR_PF_CASES (int)(sizeof(pf_cases) / sizeof(pf_cases[0]))

/* A 64-bit interrupt gate to @handler in the code segment (SDM 6.14.1). */
static void idt_gate(struct vm *v, int vector, uint64_t handler)
{
	uint8_t *g = gpa_ptr(v, IDT_GPA + vector * 16, 16);
	uint16_t sel = PVX_SEL_CODE, lo = handler, mid = handler >> 16;
	uint32_t hi = handler >> 32;

	memset(g, 0, 16);
	memcpy(g, &lo, 2);
	memcpy(g + 2, &sel, 2);
	g[5] = 0x8e;		/* present, DPL 0, 64-bit interrupt gate */
	memcpy(g + 6, &mid, 2);
	memcpy(g + 8, &hi, 4);
}

static bool pf_run(struct vm *v, const struct pf_case *c)
{
	const struct pvx_run *run = v->vcpu->run;
	uint64_t moved = 0, stack[2], cr2 = c->off + c->done;
	struct pvx_regs r, got;
	struct pvx_sregs s;
	bool ok = true;

	vm_load(v, c->code, c->end, &s, &r);
	memcpy(gpa_ptr(v, HANDLER_GPA, pf_handler_end - pf_handler), pf_handler,
	       pf_handler_end - pf_handler);
	idt_gate(v, PF_VECTOR, HANDLER_GPA);
	s.idt.base = IDT_GPA;
	s.idt.limit = 16 * (PF_VECTOR + 1) - 1;
	*(c->in ? &r.rdi : &r.rsi) = c->off;
	r.rcx = c->count;
	r.rdx = 0x120;
	if (!vm_enter(v, &s, &r))
		return false;
	/* The device part: what it takes before the fault is not the test. */
	while (pvx_vcpu_run(v->vcpu) == 0 && run->exit_reason == PVX_EXIT_IO) {
		uint8_t *data = pvx_vcpu_io_data(v->vcpu);

		if (!data || run->io.port != 0x120)
			break;
		if (c->in)
			memset(data, 0xa5, (size_t)run->io.count * run->io.size);
		moved += (uint64_t)run->io.count * run->io.size;
	}
	if (run->exit_reason != PVX_EXIT_HLT) {
		diag_exit(v, c->name);
		return false;
	}
	if (!get_regs(v, &got))
		return false;
	memcpy(stack, gpa_ptr(v, got.rsp, sizeof(stack)), sizeof(stack));
	if (got.r8 != c->error || got.r9 != cr2 || stack[0] != r.rip ||
	    stack[1] != PVX_SEL_CODE) {
		tap_diag("%s: error code %#llx CR2 %#llx, pushed RIP %#llx CS %#llx; expected %#x, %#llx, %#llx, %#x",
			 c->name, (unsigned long long)got.r8,
			 (unsigned long long)got.r9,
			 (unsigned long long)stack[0],
			 (unsigned long long)stack[1], c->error,
			 (unsigned long long)cr2, (unsigned long long)r.rip,
			 PVX_SEL_CODE);
		ok = false;
	}
	if ((c->in ? got.rdi : got.rsi) != cr2 ||
	    got.rcx != c->count - c->done) {
		tap_diag("%s: rdi %#llx rsi %#llx rcx %#llx", c->name,
			 (unsigned long long)got.rdi,
			 (unsigned long long)got.rsi,
			 (unsigned long long)got.rcx);
		ok = false;
	}
	for (uint64_t i = 0; c->in && i < c->done; i++) {
		if (*lin_ptr(v, c->off + i) != 0xa5) {
			tap_diag("%s: byte %" PRIu64 " did not land", c->name, i);
			ok = false;
			break;
		}
	}
	if (moved < c->done) {
		tap_diag("%s: only %" PRIu64 " bytes went through the device",
			 c->name, moved);
		ok = false;
	}
	return ok;
}

static void test_string_pf(void)
{
	for (int i = 0; i < NR_PF_CASES; i++) {
		struct vm *v = vm_get(VM_LONG_4K);

		tap_ok(v && pf_run(v, &pf_cases[i]), "%s", pf_cases[i].name);
	}
}

/*
 * Real mode: a #GP (a dword at offset 0xfffe, past the 64 KiB limit)
 * delivered through an IVT on a page the guest has not touched: the
 * delivery itself meets an EPT violation and pvx must deliver the
 * exception again, without an error code (real mode pushes none).
 */
#define RM_HANDLER	0x7d00

PAYLOAD(rm_gp, 16, "mov %eax, 0xfffe\n hlt");
PAYLOAD(rm_gp_handler, 16, "hlt");

static void test_real_mode_fault(void)
{
	uint16_t ivt[2] = { RM_HANDLER, 0 }, frame[3];
	struct pvx_regs r, got;
	struct pvx_sregs s;
	struct vm v;
	bool ok;

	if (!vm_open(&v, VM_REAL)) {
		tap_ok(false, "real mode #GP: no VM");
		return;
	}
	vm_load(&v, rm_gp, rm_gp_end, &s, &r);
	memcpy(gpa_ptr(&v, RM_HANDLER, 1), rm_gp_handler, 1);
	memcpy(gpa_ptr(&v, 13 * 4, 4), ivt, 4);		/* vector 13: #GP */
	ok = vm_enter(&v, &s, &r) &&
	     run_expect(&v, PVX_EXIT_HLT, "real mode #GP") && get_regs(&v, &got);
	if (ok) {
		memcpy(frame, gpa_ptr(&v, got.rsp, 6), 6);
		ok = got.rip == RM_HANDLER + 1 && got.rsp == r.rsp - 6 &&
		     frame[0] == r.rip && frame[1] == 0;
		if (!ok)
			tap_diag("ip %#llx sp %#llx, frame ip %#x cs %#x",
				 (unsigned long long)got.rip,
				 (unsigned long long)got.rsp, frame[0], frame[1]);
	}
	tap_ok(ok, "real mode: a #GP whose delivery meets an EPT violation on the IVT reaches its handler (IP, CS and FLAGS pushed, no error code)");
	vm_close(&v);
}

static void test_string_io(void)
{
	for (int i = 0; i < NR_STR_CASES; i++) {
		const struct str_case *c = &str_cases[i];
		struct vm *v = vm_get(c->vm);

		tap_ok(v && str_run(v, c), "%s", c->name);
	}
}

/*
 * MMIO.
 *
 * Every case starts with each register i at P(i) (bytes 0x?1..0x?8, the
 * register's number in the high nibble, so that AH, DIL and R9B differ),
 * a few set to addresses, runs one instruction and a HLT, and checks
 * every register afterwards.
 */
#define P(i)	(0x0807060504030201ULL + (uint64_t)(i) * 0x1010101010101010ULL)
/* Real mode starts with the upper 32 bits clear. */
#define P32(i)	(P(i) & 0xffffffffULL)

struct reg_value {
	int reg;
	uint64_t val;
};

struct mmio_case {
	const char *name;
	enum vm_kind vm;
	const uint8_t *code, *end;	/* the instruction, then HLT */
	uint64_t rip;			/* linear; 0: the mode's image address */
	struct reg_value init[3];	/* .reg 0 (RAX) ends the list... */
	int ninit;			/* ...so count them */
	uint64_t gpa;
	uint32_t len;
	bool write;
	uint64_t data;		/* write: expected; read: the device's 8 bytes */
	int reg;		/* read: the register filled */
	uint64_t after;		/* its value afterwards */
};

#define INIT1(r, v)		.init = { { r, v } }, .ninit = 1
#define INIT2(r, v, r2, v2)	.init = { { r, v }, { r2, v2 } }, .ninit = 2
#define WR(g, l, d)		.gpa = g, .len = l, .write = true, .data = d
#define RD(g, l, d, r, a)	.gpa = g, .len = l, .data = d, .reg = r, .after = a

#define M	MMIO_HIGH
#define RM	(MMIO_REAL_SEG * 16ULL)

/* 64-bit writes. */
PAYLOAD(w_al, 64, "mov %al, (%rbx)\n hlt");
PAYLOAD(w_ah, 64, "mov %ah, 1(%rbx)\n hlt");
PAYLOAD(w_sil, 64, "mov %sil, 0x10(%rbx)\n hlt");
PAYLOAD(w_r9b, 64, "mov %r9b, 0x11(%rbx)\n hlt");
PAYLOAD(w_dx, 64, "mov %dx, 2(%rbx)\n hlt");
PAYLOAD(w_r10w, 64, "mov %r10w, (%r11)\n hlt");
PAYLOAD(w_ecx, 64, "mov %ecx, 4(%rbx)\n hlt");
PAYLOAD(w_r12d, 64, "mov %r12d, 8(%r13,%r14,2)\n hlt");
PAYLOAD(w_rax, 64, "mov %rax, 0x18(%rbx)\n hlt");
PAYLOAD(w_r15_rip, 64, "mov %r15, 0x3ff00000(%rip)\n hlt");
PAYLOAD(w_moffs_al, 64, "movabs %al, 0x40000020\n hlt");
PAYLOAD(w_moffs_ax, 64, "movabs %ax, 0x40000022\n hlt");
PAYLOAD(w_moffs_eax, 64, "movabs %eax, 0x40000024\n hlt");
PAYLOAD(w_moffs_rax, 64, "movabs %rax, 0x40000028\n hlt");
PAYLOAD(w_imm8, 64, "movb $0x5a, 0x30(%rbx)\n hlt");
PAYLOAD(w_imm16, 64, "movw $0x1234, 0x32(%rbx)\n hlt");
PAYLOAD(w_imm32, 64, "movl $0xdeadbeef, 0x34(%rbx)\n hlt");
PAYLOAD(w_imm64, 64, "movq $-2, 0x38(%rbx)\n hlt");
PAYLOAD(w_r8_imm, 64, "movq $0x7fff0000, (%r8)\n hlt");
PAYLOAD(w_gs, 64, "mov %eax, %gs:0x40(%rbx)\n hlt");
PAYLOAD(w_addr32, 64, "mov %ecx, 0x44(%ebx)\n hlt");
PAYLOAD(w_sib_nobase, 64, "mov %edx, 0x40000000(,%r14,8)\n hlt");
PAYLOAD(w_spl, 64, "mov %spl, 0x50(%rbx)\n hlt");
PAYLOAD(w_esp, 64, "mov %esp, 0x54(%rbx)\n hlt");

/* 64-bit reads. */
PAYLOAD(r_al, 64, "mov (%rbx), %al\n hlt");
PAYLOAD(r_ah, 64, "mov (%rbx), %ah\n hlt");
PAYLOAD(r_dil, 64, "mov (%rbx), %dil\n hlt");
PAYLOAD(r_bh, 64, "mov (%rsi), %bh\n hlt");
PAYLOAD(r_cx, 64, "mov (%rbx), %cx\n hlt");
PAYLOAD(r_edx, 64, "mov (%rbx), %edx\n hlt");
PAYLOAD(r_rbp, 64, "mov (%rbx), %rbp\n hlt");
PAYLOAD(r_r8b, 64, "mov (%rbx), %r8b\n hlt");
PAYLOAD(r_r9w, 64, "mov (%rbx), %r9w\n hlt");
PAYLOAD(r_r10d, 64, "mov (%rbx), %r10d\n hlt");
PAYLOAD(r_r11, 64, "mov 8(%r12), %r11\n hlt");
PAYLOAD(r_moffs_al, 64, "movabs 0x40000020, %al\n hlt");
PAYLOAD(r_moffs_ax, 64, "movabs 0x40000022, %ax\n hlt");
PAYLOAD(r_moffs_eax, 64, "movabs 0x40000024, %eax\n hlt");
PAYLOAD(r_moffs_rax, 64, "movabs 0x40000028, %rax\n hlt");
PAYLOAD(r_movzbl, 64, "movzbl (%rbx), %ecx\n hlt");
PAYLOAD(r_movzbw, 64, "movzbw (%rbx), %si\n hlt");
PAYLOAD(r_movzwq, 64, "movzwq (%rbx), %r12\n hlt");
PAYLOAD(r_movsbq, 64, "movsbq (%rbx), %r13\n hlt");
PAYLOAD(r_movswl, 64, "movswl (%rbx), %esi\n hlt");
PAYLOAD(r_movsbw, 64, "movsbw (%rbx), %di\n hlt");
PAYLOAD(r_movsbl_pos, 64, "movsbl (%rbx), %eax\n hlt");
PAYLOAD(r_movswq_r15, 64, "movswq (%rbx), %r15\n hlt");
PAYLOAD(r_addr32, 64, "mov 0x10(%ebx), %eax\n hlt");
PAYLOAD(r_fs, 64, "mov %fs:(%rbx), %r14w\n hlt");
PAYLOAD(r_rsp, 64, "mov (%rbx), %rsp\n hlt");

/* Real mode: DS = ES = 0xa000, the VGA window. */
PAYLOAD(rw_ah, 16, "mov %ah, (%bx)\n hlt");
PAYLOAD(rw_dx, 16, "mov %dx, 2(%bx)\n hlt");
PAYLOAD(rw_ecx, 16, "mov %ecx, 4(%bx)\n hlt");
PAYLOAD(rw_moffs_al, 16, "mov %al, 0x20\n hlt");
PAYLOAD(rw_moffs_eax, 16, "mov %eax, 0x24\n hlt");
PAYLOAD(rw_imm16, 16, "movw $0xbeef, 6(%bx)\n hlt");
PAYLOAD(rw_imm32, 16, "movl $0xcafef00d, 8(%bx)\n hlt");
PAYLOAD(rw_imm8, 16, "movb $0x7f, 0xc(%bx)\n hlt");
PAYLOAD(rw_bp_di, 16, "mov %ax, %ds:(%bp,%di)\n hlt");
PAYLOAD(rw_disp16, 16, "mov %cx, 0x1234(%si)\n hlt");
PAYLOAD(rw_direct, 16, "mov %dx, 0x400\n hlt");
PAYLOAD(rw_addr32, 16, "mov %al, (%ebx)\n hlt");
PAYLOAD(rw_addr32_sib, 16, "mov %eax, 8(%ebx,%esi,4)\n hlt");
PAYLOAD(rw_es, 16, "mov %bx, %es:0x50(%di)\n hlt");
PAYLOAD(rr_bh, 16, "mov (%si), %bh\n hlt");
PAYLOAD(rr_ax, 16, "mov 2(%bx), %ax\n hlt");
PAYLOAD(rr_edx, 16, "mov 4(%bx), %edx\n hlt");
PAYLOAD(rr_moffs_al, 16, "mov 0x20, %al\n hlt");
PAYLOAD(rr_moffs_ax, 16, "mov 0x22, %ax\n hlt");
PAYLOAD(rr_moffs_eax, 16, "mov 0x24, %eax\n hlt");
PAYLOAD(rr_movzbw, 16, "movzbw (%bx), %cx\n hlt");
PAYLOAD(rr_movzbl, 16, "movzbl (%bx), %ecx\n hlt");
PAYLOAD(rr_movswl, 16, "movswl (%bx), %edx\n hlt");
PAYLOAD(rr_movsbw, 16, "movsbw (%bx), %si\n hlt");
PAYLOAD(rr_addr32, 16, "mov 0x30(%ebx), %di\n hlt");

/* Under guest paging: code that straddles two scattered linear pages. */
PAYLOAD(pw_r9b, 64, "mov %r9b, 0x11(%rbx)\n hlt");
PAYLOAD(pw_ecx32, 32, "mov %ecx, 0x11(%ebx)\n hlt");
PAYLOAD(pr_dx32, 32, "mov 0x11(%ebx), %dx\n hlt");
PAYLOAD(pr_movzx32, 32, "movzbl 0x20(%ebx), %esi\n hlt");

/* Bytes [@at, @at + @n) of a register, as a mask. */
#define BYTES_MASK(at, n)						\
	(((n) == 8 ? ~0ULL : (1ULL << (8 * (n))) - 1) << (8 * (at)))
/* @v with bytes [@at, @at + @n) replaced by the low bytes of @x. */
#define merge(v, at, n, x)						\
	(((v) & ~BYTES_MASK(at, n)) |					\
	 (((uint64_t)(x) << (8 * (at))) & BYTES_MASK(at, n)))

static const struct mmio_case mmio_cases[] = {
	/* 64-bit writes */
	{ "MOV r/m8, AL", VM_LONG, CODE(w_al), INIT1(RBX, M),
	  WR(M, 1, 0x01) },
	{ "MOV r/m8, AH (high byte, no REX)", VM_LONG, CODE(w_ah),
	  INIT1(RBX, M), WR(M + 1, 1, 0x02) },
	{ "MOV r/m8, SIL (REX 0x40: SIL, not DH)", VM_LONG, CODE(w_sil),
	  INIT1(RBX, M), WR(M + 0x10, 1, 0x41) },
	{ "MOV r/m8, R9B (REX.R)", VM_LONG, CODE(w_r9b), INIT1(RBX, M),
	  WR(M + 0x11, 1, 0x91) },
	{ "MOV r/m16, DX (0x66)", VM_LONG, CODE(w_dx), INIT1(RBX, M),
	  WR(M + 2, 2, 0x3231) },
	{ "MOV r/m16, R10W with base R11 (REX.R, REX.B)", VM_LONG,
	  CODE(w_r10w), INIT1(R11, M + 0x100), WR(M + 0x100, 2, 0xa2a1) },
	{ "MOV r/m32, ECX", VM_LONG, CODE(w_ecx), INIT1(RBX, M),
	  WR(M + 4, 4, 0x24232221) },
	{ "MOV r/m32, R12D with SIB R13 + R14 * 2 + disp8", VM_LONG,
	  CODE(w_r12d), INIT2(R13, M, R14, 0x100), WR(M + 0x208, 4, 0xc4c3c2c1) },
	{ "MOV r/m64, RAX (REX.W)", VM_LONG, CODE(w_rax), INIT1(RBX, M),
	  WR(M + 0x18, 8, P(RAX)) },
	{ "MOV r/m64, R15 RIP-relative", VM_LONG, CODE(w_r15_rip),
	  .ninit = 0, WR(PVX_IMAGE_GPA + 7 + 0x3ff00000, 8, P(R15)) },
	{ "MOV moffs64, AL (A2)", VM_LONG, CODE(w_moffs_al), .ninit = 0,
	  WR(M + 0x20, 1, 0x01) },
	{ "MOV moffs64, AX (66 A3)", VM_LONG, CODE(w_moffs_ax),
	  .ninit = 0, WR(M + 0x22, 2, 0x0201) },
	{ "MOV moffs64, EAX (A3)", VM_LONG, CODE(w_moffs_eax),
	  .ninit = 0, WR(M + 0x24, 4, 0x04030201) },
	{ "MOV moffs64, RAX (REX.W A3)", VM_LONG, CODE(w_moffs_rax),
	  .ninit = 0, WR(M + 0x28, 8, P(RAX)) },
	{ "MOV r/m8, imm8", VM_LONG, CODE(w_imm8), INIT1(RBX, M),
	  WR(M + 0x30, 1, 0x5a) },
	{ "MOV r/m16, imm16", VM_LONG, CODE(w_imm16), INIT1(RBX, M),
	  WR(M + 0x32, 2, 0x1234) },
	{ "MOV r/m32, imm32", VM_LONG, CODE(w_imm32), INIT1(RBX, M),
	  WR(M + 0x34, 4, 0xdeadbeef) },
	{ "MOV r/m64, imm32 sign-extended", VM_LONG, CODE(w_imm64),
	  INIT1(RBX, M), WR(M + 0x38, 8, 0xfffffffffffffffeULL) },
	{ "MOV r/m64, imm32 with base R8 (REX.B)", VM_LONG,
	  CODE(w_r8_imm), INIT1(R8, M + 0x3c0), WR(M + 0x3c0, 8, 0x7fff0000) },
	{ "MOV r/m32, EAX with a GS prefix", VM_LONG, CODE(w_gs),
	  INIT1(RBX, M), WR(M + 0x40, 4, 0x04030201) },
	{ "MOV r/m32, ECX with a 32-bit address (0x67)", VM_LONG,
	  CODE(w_addr32), INIT1(RBX, 0xffffffff00000000ULL | M),
	  WR(M + 0x44, 4, 0x24232221) },
	{ "MOV r/m32, EDX with SIB, no base, disp32", VM_LONG,
	  CODE(w_sib_nobase), INIT1(R14, 0x10), WR(M + 0x80, 4, 0x34333231) },
	/* RSP lives in the VMCS, not with the other registers */
	{ "MOV r/m8, SPL (REX 0x40: SPL, not AH)", VM_LONG, CODE(w_spl),
	  INIT2(RBX, M, RSP, 0xfedcba9876543277ULL), WR(M + 0x50, 1, 0x77) },
	{ "MOV r/m32, ESP", VM_LONG, CODE(w_esp),
	  INIT2(RBX, M, RSP, 0xfedcba9876543210ULL),
	  WR(M + 0x54, 4, 0x76543210) },

	/* 64-bit reads: the device answers 8 bytes, the guest takes len */
	{ "MOV AL, r/m8: bits 63:8 kept", VM_LONG, CODE(r_al),
	  INIT1(RBX, M), RD(M, 1, 0xeeeeeeeeeeeeee9aULL, RAX,
			    merge(P(RAX), 0, 1, 0x9a)) },
	{ "MOV AH, r/m8: only bits 15:8 change", VM_LONG, CODE(r_ah),
	  INIT1(RBX, M), RD(M, 1, 0xeeeeeeeeeeeeee9aULL, RAX,
			    merge(P(RAX), 1, 1, 0x9a)) },
	{ "MOV DIL, r/m8 (REX 0x40: DIL, not BH)", VM_LONG, CODE(r_dil),
	  INIT1(RBX, M), RD(M, 1, 0xee5b, RDI, merge(P(RDI), 0, 1, 0x5b)) },
	{ "MOV BH, r/m8 (no REX)", VM_LONG, CODE(r_bh), INIT1(RSI, M),
	  RD(M, 1, 0xee6c, RBX, merge(P(RBX), 1, 1, 0x6c)) },
	{ "MOV CX, r/m16: bits 63:16 kept", VM_LONG, CODE(r_cx),
	  INIT1(RBX, M), RD(M, 2, 0xeeee8a7dULL, RCX,
			    merge(P(RCX), 0, 2, 0x8a7d)) },
	{ "MOV EDX, r/m32: zero-extended", VM_LONG, CODE(r_edx),
	  INIT1(RBX, M), RD(M, 4, 0xeeeeeeee8b9cadbeULL, RDX, 0x8b9cadbe) },
	{ "MOV RBP, r/m64", VM_LONG, CODE(r_rbp), INIT1(RBX, M),
	  RD(M, 8, 0xfedcba9876543210ULL, RBP, 0xfedcba9876543210ULL) },
	{ "MOV R8B, r/m8 (REX.R)", VM_LONG, CODE(r_r8b), INIT1(RBX, M),
	  RD(M, 1, 0xee19, R8, merge(P(R8), 0, 1, 0x19)) },
	{ "MOV R9W, r/m16", VM_LONG, CODE(r_r9w), INIT1(RBX, M),
	  RD(M, 2, 0xeeee2a3b, R9, merge(P(R9), 0, 2, 0x2a3b)) },
	{ "MOV R10D, r/m32: zero-extended", VM_LONG, CODE(r_r10d),
	  INIT1(RBX, M), RD(M, 4, 0xeeeeeeeecafebabeULL, R10, 0xcafebabe) },
	{ "MOV R11, r/m64 with base R12", VM_LONG, CODE(r_r11),
	  INIT1(R12, M + 0x100), RD(M + 0x108, 8, 0x0123456789abcdefULL, R11,
				   0x0123456789abcdefULL) },
	{ "MOV AL, moffs64 (A0)", VM_LONG, CODE(r_moffs_al), .ninit = 0,
	  RD(M + 0x20, 1, 0xee77, RAX, merge(P(RAX), 0, 1, 0x77)) },
	{ "MOV AX, moffs64 (66 A1)", VM_LONG, CODE(r_moffs_ax),
	  .ninit = 0, RD(M + 0x22, 2, 0xeeee7788, RAX,
			 merge(P(RAX), 0, 2, 0x7788)) },
	{ "MOV EAX, moffs64 (A1): zero-extended", VM_LONG,
	  CODE(r_moffs_eax), .ninit = 0,
	  RD(M + 0x24, 4, 0xeeeeeeee8899aabbULL, RAX, 0x8899aabb) },
	{ "MOV RAX, moffs64 (REX.W A1)", VM_LONG, CODE(r_moffs_rax),
	  .ninit = 0, RD(M + 0x28, 8, 0x1122334455667788ULL, RAX,
			 0x1122334455667788ULL) },
	{ "MOVZX r32, r/m8", VM_LONG, CODE(r_movzbl), INIT1(RBX, M),
	  RD(M, 1, 0xeef0, RCX, 0xf0) },
	{ "MOVZX r16, r/m8: bits 63:16 kept", VM_LONG, CODE(r_movzbw),
	  INIT1(RBX, M), RD(M, 1, 0xeef1, RSI, merge(P(RSI), 0, 2, 0xf1)) },
	{ "MOVZX r64, r/m16 (REX.W)", VM_LONG, CODE(r_movzwq),
	  INIT1(RBX, M), RD(M, 2, 0xeeeef2f3, R12, 0xf2f3) },
	{ "MOVSX r64, r/m8 negative", VM_LONG, CODE(r_movsbq),
	  INIT1(RBX, M), RD(M, 1, 0xee80, R13, 0xffffffffffffff80ULL) },
	{ "MOVSX r32, r/m16 negative: zero-extended above bit 31",
	  VM_LONG, CODE(r_movswl), INIT1(RBX, M),
	  RD(M, 2, 0xeeee8001, RSI, 0xffff8001) },
	{ "MOVSX r16, r/m8 negative: bits 63:16 kept", VM_LONG,
	  CODE(r_movsbw), INIT1(RBX, M),
	  RD(M, 1, 0xeefe, RDI, merge(P(RDI), 0, 2, 0xfffe)) },
	{ "MOVSX r32, r/m8 positive", VM_LONG, CODE(r_movsbl_pos),
	  INIT1(RBX, M), RD(M, 1, 0xee7f, RAX, 0x7f) },
	{ "MOVSX r64, r/m16 into R15", VM_LONG, CODE(r_movswq_r15),
	  INIT1(RBX, M), RD(M, 2, 0xeeeec000, R15, 0xffffffffffffc000ULL) },
	{ "MOV EAX, r/m32 with a 32-bit address (0x67)", VM_LONG,
	  CODE(r_addr32), INIT1(RBX, 0xabcdef0000000000ULL | M),
	  RD(M + 0x10, 4, 0x31415926, RAX, 0x31415926) },
	{ "MOV R14W, r/m16 with an FS prefix", VM_LONG, CODE(r_fs),
	  INIT1(RBX, M), RD(M, 2, 0x2718, R14, merge(P(R14), 0, 2, 0x2718)) },
	{ "MOV RSP, r/m64", VM_LONG, CODE(r_rsp), INIT1(RBX, M),
	  RD(M, 8, 0x00007fffdeadbee8ULL, RSP, 0x00007fffdeadbee8ULL) },

	/* real mode, DS = ES = 0xa000 */
	{ "real mode: MOV r/m8, AH", VM_REAL, CODE(rw_ah),
	  INIT1(RBX, 0x10), WR(RM + 0x10, 1, 0x02) },
	{ "real mode: MOV r/m16, DX", VM_REAL, CODE(rw_dx),
	  INIT1(RBX, 0x10), WR(RM + 0x12, 2, 0x3231) },
	{ "real mode: MOV r/m32, ECX (0x66)", VM_REAL, CODE(rw_ecx),
	  INIT1(RBX, 0x10), WR(RM + 0x14, 4, 0x24232221) },
	{ "real mode: MOV moffs16, AL (A2)", VM_REAL, CODE(rw_moffs_al),
	  .ninit = 0, WR(RM + 0x20, 1, 0x01) },
	{ "real mode: MOV moffs16, EAX (66 A3)", VM_REAL,
	  CODE(rw_moffs_eax), .ninit = 0, WR(RM + 0x24, 4, 0x04030201) },
	{ "real mode: MOV r/m16, imm16", VM_REAL, CODE(rw_imm16),
	  INIT1(RBX, 0x10), WR(RM + 0x16, 2, 0xbeef) },
	{ "real mode: MOV r/m32, imm32 (0x66)", VM_REAL, CODE(rw_imm32),
	  INIT1(RBX, 0x10), WR(RM + 0x18, 4, 0xcafef00d) },
	{ "real mode: MOV r/m8, imm8", VM_REAL, CODE(rw_imm8),
	  INIT1(RBX, 0x10), WR(RM + 0x1c, 1, 0x7f) },
	{ "real mode: MOV DS:[BP+DI], AX (DS prefix over SS)", VM_REAL,
	  CODE(rw_bp_di), INIT2(RBP, 0x30, RDI, 0x4), WR(RM + 0x34, 2, 0x0201) },
	{ "real mode: MOV [SI+disp16], CX", VM_REAL, CODE(rw_disp16),
	  INIT1(RSI, 0x100), WR(RM + 0x1334, 2, 0x2221) },
	{ "real mode: MOV [disp16], DX (mod 0, r/m 6)", VM_REAL,
	  CODE(rw_direct), .ninit = 0, WR(RM + 0x400, 2, 0x3231) },
	{ "real mode: MOV [EBX], AL (0x67)", VM_REAL, CODE(rw_addr32),
	  INIT1(RBX, 0x40), WR(RM + 0x40, 1, 0x01) },
	{ "real mode: MOV [EBX+ESI*4+8], EAX (0x67 0x66, SIB)", VM_REAL,
	  CODE(rw_addr32_sib), INIT2(RBX, 0x50, RSI, 2),
	  WR(RM + 0x60, 4, 0x04030201) },
	{ "real mode: MOV ES:[DI+0x50], BX", VM_REAL, CODE(rw_es),
	  INIT1(RDI, 0x8), WR(RM + 0x58, 2, 0x1211) },
	{ "real mode: MOV BH, r/m8", VM_REAL, CODE(rr_bh),
	  INIT1(RSI, 0x10), RD(RM + 0x10, 1, 0xee4d, RBX,
			       merge(P32(RBX), 1, 1, 0x4d)) },
	{ "real mode: MOV AX, r/m16", VM_REAL, CODE(rr_ax),
	  INIT1(RBX, 0x10), RD(RM + 0x12, 2, 0xeeee5e6f, RAX,
			       merge(P32(RAX), 0, 2, 0x5e6f)) },
	{ "real mode: MOV EDX, r/m32 (0x66)", VM_REAL, CODE(rr_edx),
	  INIT1(RBX, 0x10), RD(RM + 0x14, 4, 0xeeeeeeee98765432ULL, RDX,
			       0x98765432) },
	{ "real mode: MOV AL, moffs16 (A0)", VM_REAL, CODE(rr_moffs_al),
	  .ninit = 0, RD(RM + 0x20, 1, 0xee33, RAX, merge(P32(RAX), 0, 1, 0x33)) },
	{ "real mode: MOV AX, moffs16 (A1)", VM_REAL, CODE(rr_moffs_ax),
	  .ninit = 0, RD(RM + 0x22, 2, 0xeeee4433, RAX,
			 merge(P32(RAX), 0, 2, 0x4433)) },
	{ "real mode: MOV EAX, moffs16 (66 A1)", VM_REAL,
	  CODE(rr_moffs_eax), .ninit = 0, RD(RM + 0x24, 4, 0x55443322, RAX,
					      0x55443322) },
	{ "real mode: MOVZX r16, r/m8", VM_REAL, CODE(rr_movzbw),
	  INIT1(RBX, 0x10), RD(RM + 0x10, 1, 0xee99, RCX,
			       merge(P32(RCX), 0, 2, 0x99)) },
	{ "real mode: MOVZX r32, r/m8 (0x66)", VM_REAL, CODE(rr_movzbl),
	  INIT1(RBX, 0x10), RD(RM + 0x10, 1, 0xee99, RCX, 0x99) },
	{ "real mode: MOVSX r32, r/m16 (0x66)", VM_REAL, CODE(rr_movswl),
	  INIT1(RBX, 0x10), RD(RM + 0x10, 2, 0xeeee9000, RDX, 0xffff9000) },
	{ "real mode: MOVSX r16, r/m8", VM_REAL, CODE(rr_movsbw),
	  INIT1(RBX, 0x10), RD(RM + 0x10, 1, 0xee81, RSI,
			       merge(P32(RSI), 0, 2, 0xff81)) },
	{ "real mode: MOV DI, [EBX+0x30] (0x67)", VM_REAL, CODE(rr_addr32),
	  INIT1(RBX, 0x100), RD(RM + 0x130, 2, 0xeeee1357, RDI,
				merge(P32(RDI), 0, 2, 0x1357)) },

	/* guest paging: pvx fetches the instruction through the guest's tables */
	{ "4-level paging: MOV r/m8, R9B straddling 4 KiB pages far apart",
	  VM_LONG_4K, CODE(pw_r9b), .rip = PG_LIN + 0x3ffe, INIT1(RBX, M),
	  WR(M + 0x11, 1, 0x91) },
	{ "4-level paging: MOV r/m32, ECX fetched through a 1 GiB page",
	  VM_LONG_4K, CODE(w_ecx), .rip = BIG_LIN + PVX_IMAGE_GPA,
	  INIT1(RBX, M), WR(M + 4, 4, 0x24232221) },
	{ "32-bit paging: MOV r/m32, ECX straddling 4 KiB pages far apart",
	  VM_PROT_32, CODE(pw_ecx32), .rip = PG_LIN + 0x1fff, INIT1(RBX, M),
	  WR(M + 0x11, 4, 0x24232221) },
	{ "32-bit paging: MOVZX r32, r/m8 fetched through a 4 MiB page",
	  VM_PROT_32, CODE(pr_movzx32), .rip = BIG_LIN + 0x3ffff0,
	  INIT1(RBX, M), RD(M + 0x20, 1, 0xeec4, RSI, 0xc4) },
	{ "PAE paging: MOV DX, r/m16 straddling 4 KiB pages far apart",
	  VM_PROT_PAE, CODE(pr_dx32), .rip = PG_LIN + 0x5ffd, INIT1(RBX, M),
	  RD(M + 0x11, 2, 0xeeee7531, RDX, merge(P32(RDX), 0, 2, 0x7531)) },
	{ "PAE paging: MOV r/m32, ECX fetched through a 2 MiB page",
	  VM_PROT_PAE, CODE(pw_ecx32), .rip = BIG_LIN + 0x1ffff0,
	  INIT1(RBX, M), WR(M + 0x11, 4, 0x24232221) },
};

#define NR_MMIO_CASES (int)(sizeof(mmio_cases) / sizeof(mmio_cases[0]))

/* The registers a case starts with; outside 64-bit mode bits 63:32 are 0. */
static void mmio_init_regs(struct vm *v, const struct mmio_case *c,
			   struct pvx_regs *r)
{
	for (int i = 0; i < NR_GPRS; i++)
		if (i != RSP)
			*gpr(r, i) = v->mode == PVX_MODE_LONG ? P(i) : P32(i);
	for (int i = 0; i < c->ninit; i++)
		*gpr(r, c->init[i].reg) = c->init[i].val;
}

/*
 * Enter @v at the case's code with its registers (real mode: DS = ES =
 * the hole). Code at a linear @c->rip is copied there through the guest's
 * mapping, byte by byte: an instruction may straddle two linear pages
 * that are far apart physically.
 */
static bool mmio_enter(struct vm *v, const struct mmio_case *c,
		       struct pvx_regs *r)
{
	struct pvx_sregs s;

	vm_load(v, c->code, c->end, &s, r);
	if (v->mode == PVX_MODE_REAL) {
		real_seg(&s.ds, MMIO_REAL_SEG);
		real_seg(&s.es, MMIO_REAL_SEG);
		real_seg(&s.fs, MMIO_REAL_FS);
	}
	if (c->rip) {
		for (long i = 0; i < c->end - c->code; i++)
			*lin_ptr(v, c->rip + i) = c->code[i];
		r->rip = c->rip;
	}
	mmio_init_regs(v, c, r);
	return vm_enter(v, &s, r);
}

static bool mmio_run(struct vm *v, const struct mmio_case *c)
{
	struct pvx_run *run = v->vcpu->run;
	struct pvx_regs r, got;
	uint64_t data = 0;

	if (!mmio_enter(v, c, &r) || !run_expect(v, PVX_EXIT_MMIO, c->name))
		return false;
	memcpy(&data, run->mmio.data, c->len <= 8 ? c->len : 8);
	if (run->mmio.phys_addr != c->gpa || run->mmio.len != c->len ||
	    run->mmio.is_write != c->write ||
	    (c->write && data != c->data)) {
		diag_exit(v, c->name);
		tap_diag("expected %s of %u bytes at %#llx%s%#llx", c->write ?
			 "write" : "read", c->len, (unsigned long long)c->gpa,
			 c->write ? ", data " : "",
			 c->write ? (unsigned long long)c->data : 0ULL);
		return false;
	}
	if (!c->write)
		memcpy(run->mmio.data, &c->data, 8);
	if (!run_expect(v, PVX_EXIT_HLT, c->name) || !get_regs(v, &got))
		return false;
	if (!c->write)
		*gpr(&r, c->reg) = c->after;
	r.rip += c->end - c->code;	/* from the image address or c->rip */
	return regs_equal(&got, &r, c->name);
}

/*
 * Accesses pvx does not emulate: an internal error naming the address,
 * and nothing else happens to the guest.
 */
struct undecoded_case {
	const char *name;
	enum vm_kind vm;
	const uint8_t *code, *end;
	struct reg_value init[3];
	int ninit;
	uint64_t gpa;
};

PAYLOAD(u_fetch, 64, "jmp *%rbx\n hlt");
PAYLOAD(u_walk, 64, "mov (%rbx), %eax\n hlt");
PAYLOAD(u_split_w, 64, "mov %rax, (%rbx)\n hlt");
PAYLOAD(u_split_r, 64, "mov (%rbx), %ecx\n hlt");
PAYLOAD(u_split16, 16, "mov %eax, %fs:0xffee\n hlt");

static const struct undecoded_case undecoded_cases[] = {
	{ "instruction fetch from MMIO", VM_LONG, CODE(u_fetch),
	  INIT1(RBX, M + 0x1000), M + 0x1000 },
	/*
	 * A MOV pvx decodes, but the EPT violation is the guest's page walk
	 * reading a page-table entry outside RAM (SDM Table 28-7, bit 8
	 * clear): not an access of the instruction's size to hand out.
	 */
	{ "4-level paging: a page table outside RAM (the walk, not the MOV, hits MMIO)",
	  VM_LONG_4K, CODE(u_walk), INIT1(RBX, WALK_LIN + 0x3008),
	  WALK_PT + 3 * 8 },
	/*
	 * Accesses that straddle RAM and MMIO: one MMIO exit for the whole
	 * would lose (or make up) the bytes in RAM.
	 */
	{ "an 8-byte write, half in RAM, half in MMIO", VM_LONG,
	  CODE(u_split_w), INIT1(RBX, HOLE_LO - 4), HOLE_LO },
	{ "a 4-byte read, 2 bytes in MMIO, 2 in RAM", VM_LONG, CODE(u_split_r),
	  INIT1(RBX, HOLE_HI - 2), HOLE_HI - 2 },
	{ "real mode: a 4-byte write, 2 bytes in MMIO, 2 in RAM", VM_REAL,
	  CODE(u_split16), .ninit = 0, HOLE_HI - 2 },
};

#define NR_UNDECODED (int)(sizeof(undecoded_cases) / sizeof(undecoded_cases[0]))

static bool undecoded_run(struct vm *v, const struct undecoded_case *u)
{
	const struct pvx_run *run = v->vcpu->run;
	struct mmio_case c = {
		.name = u->name, .vm = u->vm, .code = u->code,
		.end = u->end, .ninit = u->ninit,
	};
	struct pvx_regs r, got;

	memcpy(c.init, u->init, sizeof(c.init));
	if (!mmio_enter(v, &c, &r) ||
	    !run_expect(v, PVX_EXIT_INTERNAL_ERROR, u->name))
		return false;
	/* The fetch faults at the target, the others at the instruction. */
	if (run->internal.suberror != PVX_INTERNAL_EMULATION ||
	    run->internal.guest_phys_addr != u->gpa) {
		diag_exit(v, u->name);
		tap_diag("expected suberror %u at gpa %#llx",
			 PVX_INTERNAL_EMULATION, (unsigned long long)u->gpa);
		return false;
	}
	if (!get_regs(v, &got))
		return false;
	if (u->code == u_fetch)
		r.rip = u->gpa;
	return regs_equal(&got, &r, u->name);
}

static void test_mmio(void)
{
	/* First the failures: the cases after them use the same vCPUs. */
	for (int i = 0; i < NR_UNDECODED; i++) {
		const struct undecoded_case *u = &undecoded_cases[i];
		struct vm *v = vm_get(u->vm);

		tap_ok(v && undecoded_run(v, u),
		       "MMIO, not decoded: %s: internal error (emulation), registers and RIP untouched",
		       u->name);
	}
	for (int i = 0; i < NR_MMIO_CASES; i++) {
		const struct mmio_case *c = &mmio_cases[i];
		struct vm *v = vm_get(c->vm);

		tap_ok(v && mmio_run(v, c), "MMIO %s: %s",
		       c->write ? "write" : "read", c->name);
	}
}

/*
 * CPUID.
 */

PAYLOAD(cpuid_loop, 64, "1: cpuid\n hlt\n jmp 1b\n");

static const struct pvx_cpuid_entry cpuid_table[] = {
	{ .function = 0, .eax = 0xd, .ebx = 0x756e6547, .ecx = 0x6c65746e,
	  .edx = 0x49656e69 },
	{ .function = 1, .eax = 0x50654, .ebx = 0x00010800,
	  .ecx = 0x77fafbff & ~(1U << 27), .edx = 0xbfebfbff },
	{ .function = 7, .index = 0, .flags = PVX_CPUID_INDEXED, .eax = 1,
	  .ebx = 0xd19f4fbb, .ecx = 0x0000000c, .edx = 0x84000000 },
	{ .function = 7, .index = 1, .flags = PVX_CPUID_INDEXED,
	  .eax = 0x00001234, .ebx = 0x5678, .ecx = 0x9abc, .edx = 0xdef0 },
	{ .function = 0xd, .index = 1, .flags = PVX_CPUID_INDEXED, .eax = 0xf,
	  .ebx = 0x3c0 },
	{ .function = PVX_CPUID_BASE, .eax = PVX_CPUID_BASE + 1,
	  .ebx = 0x74347470, .ecx = 0x61627374, .edx = 0x656c6269 },
	{ .function = 0x80000000, .eax = 0x80000008, .ebx = 1, .ecx = 2,
	  .edx = 3 },
	{ .function = 0x80000008, .eax = 0x3027 },
};

struct cpuid_query {
	const char *name;
	uint32_t function, index;
	uint32_t out[4];
};

static const struct cpuid_query cpuid_queries[] = {
	{ "leaf 0", 0, 0, { 0xd, 0x756e6547, 0x6c65746e, 0x49656e69 } },
	{ "leaf 1 (not indexed: ECX ignored)", 1, 0x55,
	  { 0x50654, 0x00010800, 0x77fafbff & ~(1U << 27), 0xbfebfbff } },
	{ "leaf 7 subleaf 0", 7, 0, { 1, 0xd19f4fbb, 0x0000000c, 0x84000000 } },
	{ "leaf 7 subleaf 1", 7, 1, { 0x1234, 0x5678, 0x9abc, 0xdef0 } },
	{ "leaf 7 subleaf 2, not in the table: zeros", 7, 2, { 0, 0, 0, 0 } },
	{ "leaf 0xd subleaf 1 (index in ECX only)", 0xd, 1,
	  { 0xf, 0x3c0, 0, 0 } },
	{ "leaf 0xd subleaf 0, not in the table: zeros", 0xd, 0, { 0 } },
	{ "hypervisor leaf 0x40000000 from the table", PVX_CPUID_BASE, 0,
	  { PVX_CPUID_BASE + 1, 0x74347470, 0x61627374, 0x656c6269 } },
	{ "leaf 0x40000001, not in the table: zeros", PVX_CPUID_BASE + 1, 0,
	  { 0 } },
	{ "leaf 0x80000008", 0x80000008, 0, { 0x3027, 0, 0, 0 } },
	{ "leaf 0x80000001, not in the table: zeros", 0x80000001, 0, { 0 } },
	{ "leaf 0x12345678, not in the table: zeros", 0x12345678, 0, { 0 } },
};

#define NR_CPUID_QUERIES (int)(sizeof(cpuid_queries) / sizeof(cpuid_queries[0]))

/*
 * One CPUID at the loop's CPUID: EAX and ECX carry junk above bit 31
 * (ignored by CPUID), EBX and EDX junk too; the 32-bit results
 * zero-extend (SDM Vol. 1 3.4.1.1).
 */
static bool cpuid_run(struct vm *v, uint64_t cpuid_rip, uint32_t function,
		      uint32_t index, const uint32_t out[4], const char *what)
{
	struct pvx_regs r, want;

	if (!get_regs(v, &r))
		return false;
	r.rip = cpuid_rip;
	r.rax = 0xdead000000000000ULL | function;
	r.rcx = 0xbeef000000000000ULL | index;
	r.rbx = r.rdx = ~0ULL;
	want = r;
	if (pvx_vcpu_set_regs(v->vcpu, &r) || !run_expect(v, PVX_EXIT_HLT, what) ||
	    !get_regs(v, &r))
		return false;
	want.rax = out[0];
	want.rbx = out[1];
	want.rcx = out[2];
	want.rdx = out[3];
	want.rip = cpuid_rip + 3;	/* CPUID is 0f a2, HLT f4 */
	return regs_equal(&r, &want, what);
}

static void test_cpuid(void)
{
	static const uint32_t other[4] = { 0x11, 0x22, 0x33, 0x44 };
	struct pvx_cpuid_entry two = { .function = 0, .eax = 0x11,
				       .ebx = 0x22, .ecx = 0x33, .edx = 0x44 };
	struct pvx_sregs s;
	struct pvx_regs r;
	struct vm v;
	int err;

	if (!vm_open(&v, VM_LONG)) {
		for (int i = 0; i <= NR_CPUID_QUERIES; i++)
			tap_ok(false, "CPUID: no VM");
		return;
	}
	vm_load(&v, cpuid_loop, cpuid_loop_end, &s, &r);
	err = pvx_vcpu_set_cpuid(v.vcpu, cpuid_table,
				 sizeof(cpuid_table) / sizeof(cpuid_table[0]));
	if (err)
		tap_diag("PVX_SET_CPUID: %s", strerror(-err));
	if (err || !vm_enter(&v, &s, &r)) {
		for (int i = 0; i <= NR_CPUID_QUERIES; i++)
			tap_ok(false, "CPUID: no VM");
		vm_close(&v);
		return;
	}
	for (int i = 0; i < NR_CPUID_QUERIES; i++) {
		const struct cpuid_query *q = &cpuid_queries[i];

		tap_ok(cpuid_run(&v, r.rip, q->function, q->index, q->out, q->name),
		       "CPUID %s: EAX..EDX as PVX_SET_CPUID set them", q->name);
	}
	err = pvx_vcpu_set_cpuid(v.vcpu, &two, 1);
	tap_ok(!err && cpuid_run(&v, r.rip, 0, 0, other, "new table") &&
	       cpuid_run(&v, r.rip, 7, 0, (const uint32_t[4]){ 0 }, "new table"),
	       "CPUID after a second PVX_SET_CPUID: the new table only");
	vm_close(&v);
}

#define NR_TESTS (1 + 3 + NR_STR_CASES + NR_PF_CASES + 1 + NR_UNDECODED + \
		  NR_MMIO_CASES + NR_CPUID_QUERIES + 1)

int main(int argc, char **argv)
{
	sys_fd = pvxtest_start(argc, argv, NULL, NR_TESTS);
	test_out_sizes();
	test_in_sizes();
	test_string_io();
	test_string_pf();
	test_real_mode_fault();
	test_mmio();
	vm_close_all();
	test_cpuid();
	close(sys_fd);
	return tap_finish();
}
