// SPDX-License-Identifier: GPL-2.0
/*
 * emu_unit GUEST_DIR: the guest images run from the very memory and CPU
 * state libpvx builds for pvx, on an x86 emulator instead of VT-x (Unicorn,
 * QEMU's CPU core; Debian's libunicorn-dev). Built only where that library
 * is installed: no host here has VT-x, and this is the closest check of
 * "what the guest sees" that runs on the build machine.
 *
 * What it proves: the images' code and the guest runtime; the UART, exit
 * and report ports of libpvx_ports.c; in protected and long mode, that the
 * GDT descriptors load as the segments (the emulator loads CS, SS, DS, ES,
 * FS and GS from the GDT, through the page tables in long mode) and that
 * the identity page tables work. What it cannot: anything VMX checks at VM
 * entry (mode_unit reimplements those checks), TR (the emulator takes it as
 * given), and pvx itself.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <unicorn/unicorn.h>

#include "pvx_ports.h"
#include "unit.h"

#define RAM_SIZE	(8ULL << 20)
#define MAX_INSNS	1000000

static const char *guest_dir;

struct emu {
	uc_engine *uc;
	struct pvx_ports ports;
	struct pvx_vcpu vcpu;		/* only its id is used */
	int console[2];
	int fault;			/* an exception vector, or -1 */
};

static uint32_t on_in(uc_engine *uc, uint32_t port, int size, void *opaque)
{
	struct emu *e = opaque;
	uint32_t v = 0;

	(void)uc;
	pvx_ports_io(&e->ports, &e->vcpu, port, size, PVX_EXIT_IO_IN, &v, 1);
	return v;
}

static void on_out(uc_engine *uc, uint32_t port, int size, uint32_t v, void *opaque)
{
	struct emu *e = opaque;

	if (pvx_ports_io(&e->ports, &e->vcpu, port, size, PVX_EXIT_IO_OUT, &v, 1) ==
	    PVX_RUN_STOP)
		uc_emu_stop(uc);
}

/* Any exception: with no IDT, pvx would see a triple fault. */
static void on_intr(uc_engine *uc, uint32_t vector, void *opaque)
{
	((struct emu *)opaque)->fault = vector;
	uc_emu_stop(uc);
}

static void emu_open(struct emu *e, uc_mode mode, void *ram, unsigned int id)
{
	uc_hook h;

	memset(e, 0, sizeof(*e));
	e->fault = -1;
	e->vcpu.id = id;
	if (pipe(e->console) || uc_open(UC_ARCH_X86, mode, &e->uc) ||
	    uc_mem_map_ptr(e->uc, 0, RAM_SIZE, UC_PROT_ALL, ram))
		tap_bail("emulator setup");
	pvx_ports_init(&e->ports, e->console[1]);
	uc_hook_add(e->uc, &h, UC_HOOK_INSN, on_in, e, 1, 0, UC_X86_INS_IN);
	uc_hook_add(e->uc, &h, UC_HOOK_INSN, on_out, e, 1, 0, UC_X86_INS_OUT);
	uc_hook_add(e->uc, &h, UC_HOOK_INTR, on_intr, e, 1, 0);
}

/* What the guest printed, into @out. */
static void emu_close(struct emu *e, char *out, size_t len)
{
	ssize_t n;

	pvx_ports_flush(&e->ports);
	close(e->console[1]);
	n = read(e->console[0], out, len - 1);
	out[n > 0 ? n : 0] = '\0';
	close(e->console[0]);
	uc_close(e->uc);
}

static bool wreg(struct emu *e, int reg, uint64_t v)
{
	return uc_reg_write(e->uc, reg, &v) == UC_ERR_OK;
}

static bool wreg16(struct emu *e, int reg, uint16_t v)
{
	return uc_reg_write(e->uc, reg, &v) == UC_ERR_OK;
}

static bool wreg32(struct emu *e, int reg, uint32_t v)
{
	return uc_reg_write(e->uc, reg, &v) == UC_ERR_OK;
}

/*
 * Control registers in the order a CPU can take them, then the segment
 * selectors, which the emulator loads from the GDT as MOV to Sreg would.
 */
static bool load_state(struct emu *e, const struct pvx_sregs *s,
		       const struct pvx_regs *r, bool wide)
{
	uc_x86_mmr gdtr = { .base = s->gdt.base, .limit = s->gdt.limit };
	uc_x86_mmr idtr = { .base = s->idt.base, .limit = s->idt.limit };
	uc_x86_msr efer = { .rid = 0xc0000080, .value = s->efer };
	bool (*wcr)(struct emu *, int, uint64_t) = wide ? wreg : NULL;
	bool ok = true;

	ok &= uc_reg_write(e->uc, UC_X86_REG_GDTR, &gdtr) == UC_ERR_OK;
	ok &= uc_reg_write(e->uc, UC_X86_REG_IDTR, &idtr) == UC_ERR_OK;
	ok &= uc_reg_write(e->uc, UC_X86_REG_MSR, &efer) == UC_ERR_OK;
	if (wcr) {
		ok &= wcr(e, UC_X86_REG_CR4, s->cr4) && wcr(e, UC_X86_REG_CR3, s->cr3) &&
		      wcr(e, UC_X86_REG_CR0, s->cr0);
	} else {
		ok &= wreg32(e, UC_X86_REG_CR4, s->cr4) && wreg32(e, UC_X86_REG_CR3, s->cr3) &&
		      wreg32(e, UC_X86_REG_CR0, s->cr0);
	}
	ok &= wreg16(e, UC_X86_REG_SS, s->ss.selector) && wreg16(e, UC_X86_REG_DS, s->ds.selector) &&
	      wreg16(e, UC_X86_REG_ES, s->es.selector) && wreg16(e, UC_X86_REG_FS, s->fs.selector) &&
	      wreg16(e, UC_X86_REG_GS, s->gs.selector) && wreg16(e, UC_X86_REG_CS, s->cs.selector);
	if (wide)
		return ok && wreg(e, UC_X86_REG_RSP, r->rsp) && wreg(e, UC_X86_REG_RDI, r->rdi) &&
		       wreg(e, UC_X86_REG_RSI, r->rsi) && wreg(e, UC_X86_REG_RFLAGS, r->rflags);
	return ok && wreg32(e, UC_X86_REG_ESP, r->rsp) && wreg32(e, UC_X86_REG_EDI, r->rdi) &&
	       wreg32(e, UC_X86_REG_ESI, r->rsi) && wreg32(e, UC_X86_REG_EFLAGS, r->rflags);
}

/* The emulator's idea of a segment, to compare with libpvx's. */
static bool seg_loaded_as(struct emu *e, int reg, const struct pvx_segment *want)
{
	uint16_t sel = 0;

	uc_reg_read(e->uc, reg, &sel);
	return sel == want->selector;
}

static void *guest_file(const char *name, size_t *len)
{
	char path[512];
	void *buf;

	snprintf(path, sizeof(path), "%s/%s", guest_dir, name);
	if (pvx_read_file(path, 1 << 24, &buf, len))
		tap_bail("cannot read %s (make guests)", path);
	return buf;
}

/* Run vCPU @id of the long-mode guest hello; its console into @out. */
static bool run_hello(unsigned int id, char *out, size_t len, struct emu *e,
		      int *err)
{
	struct pvx_memmap mm;
	struct pvx_image img;
	struct pvx_sregs s;
	struct pvx_regs r;
	size_t flen;
	void *ram = unit_ram(&mm, RAM_SIZE), *elf = guest_file("hello", &flen);
	bool ok = true;

	EXPECT(pvx_load_elf(&mm, elf, flen, &img) == 0);
	EXPECT(pvx_mode_write_tables(&mm, PVX_MODE_LONG, 4ULL << 30) == 0);
	EXPECT(pvx_mode_fill(PVX_MODE_LONG, img.entry,
			     pvx_mode_stack_top(PVX_MODE_LONG, id), &s, &r) == 0);
	r.rdi = id;
	r.rsi = 2;
	emu_open(e, UC_MODE_64, ram, id);
	EXPECT(load_state(e, &s, &r, true));
	EXPECT(seg_loaded_as(e, UC_X86_REG_CS, &s.cs));
	*err = uc_emu_start(e->uc, r.rip, 0, 0, MAX_INSNS);
	emu_close(e, out, len);
	free(elf);
	unit_ram_free(ram, RAM_SIZE);
	return ok;
}

static bool long_hello(void)
{
	struct emu e;
	char out[256];
	uint32_t status = ~0u;
	int err;
	bool ok = run_hello(0, out, sizeof(out), &e, &err);

	EXPECT(err == UC_ERR_OK && e.fault == -1);
	EXPECT(!strcmp(out, "hello from a pvx guest\n"));
	EXPECT(pvx_ports_exited(&e.ports, &status) && status == 0);
	if (!ok)
		tap_diag("uc error %d (%s), fault %d, console '%s'", err,
			 uc_strerror(err), e.fault, out);
	return ok;
}

/* vCPU 1 of hello halts at once: no output, no exit status. */
static bool long_hello_vcpu1(void)
{
	struct emu e;
	char out[256];
	uint32_t status;
	int err;
	bool ok = run_hello(1, out, sizeof(out), &e, &err);

	EXPECT(e.fault == -1 && out[0] == '\0');
	EXPECT(!pvx_ports_exited(&e.ports, &status));
	return ok;
}

static bool real_hello16(void)
{
	struct pvx_memmap mm;
	struct pvx_image img;
	struct pvx_sregs s;
	struct pvx_regs r;
	struct emu e;
	char out[256];
	size_t len;
	void *ram = unit_ram(&mm, RAM_SIZE), *bin = guest_file("hello16.bin", &len);
	uint32_t status = ~0u;
	int err;
	bool ok = true;

	EXPECT(pvx_load_flat(&mm, pvx_mode_image_gpa(PVX_MODE_REAL), bin, len, &img) == 0);
	EXPECT(pvx_mode_write_tables(&mm, PVX_MODE_REAL, RAM_SIZE) == 0);
	EXPECT(pvx_mode_fill(PVX_MODE_REAL, img.entry,
			     pvx_mode_stack_top(PVX_MODE_REAL, 0), &s, &r) == 0);
	emu_open(&e, UC_MODE_16, ram, 0);
	EXPECT(wreg16(&e, UC_X86_REG_CS, s.cs.selector) &&
	       wreg16(&e, UC_X86_REG_SS, s.ss.selector) &&
	       wreg16(&e, UC_X86_REG_DS, s.ds.selector) &&
	       wreg16(&e, UC_X86_REG_ES, s.es.selector) &&
	       wreg16(&e, UC_X86_REG_SP, r.rsp));
	err = uc_emu_start(e.uc, s.cs.base + r.rip, 0, 0, MAX_INSNS);
	emu_close(&e, out, sizeof(out));
	EXPECT(err == UC_ERR_OK && e.fault == -1);
	EXPECT(!strcmp(out, "hello from a real-mode pvx guest\n"));
	EXPECT(pvx_ports_exited(&e.ports, &status) && status == 0);
	if (!ok)
		tap_diag("uc error %d (%s), fault %d, console '%s'", err,
			 uc_strerror(err), e.fault, out);
	free(bin);
	unit_ram_free(ram, RAM_SIZE);
	return ok;
}

/*
 * A flat 32-bit payload at 1 MiB: it pushes and pops through SS (the data
 * descriptor), prints 'P' and exits with 42.
 */
static const uint8_t prot_payload[] = {
	0x68, 'P', 0, 0, 0,		/* push $'P' */
	0x58,				/* pop %eax */
	0x66, 0xba, 0xf8, 0x03,		/* mov $0x3f8, %dx */
	0xee,				/* out %al, (%dx) */
	0xb0, '\n',			/* mov $'\n', %al */
	0xee,				/* out %al, (%dx) */
	0x66, 0xba, 0xf4, 0x00,		/* mov $0xf4, %dx */
	0xb8, 42, 0, 0, 0,		/* mov $42, %eax */
	0xef,				/* out %eax, (%dx) */
	0xf4,				/* hlt */
};

static bool prot_flat(void)
{
	struct pvx_memmap mm;
	struct pvx_image img;
	struct pvx_sregs s;
	struct pvx_regs r;
	struct emu e;
	char out[64];
	void *ram = unit_ram(&mm, RAM_SIZE);
	uint32_t status = ~0u;
	int err;
	bool ok = true;

	EXPECT(pvx_load_flat(&mm, pvx_mode_image_gpa(PVX_MODE_PROT), prot_payload,
			     sizeof(prot_payload), &img) == 0);
	EXPECT(pvx_mode_write_tables(&mm, PVX_MODE_PROT, RAM_SIZE) == 0);
	EXPECT(pvx_mode_fill(PVX_MODE_PROT, img.entry,
			     pvx_mode_stack_top(PVX_MODE_PROT, 0), &s, &r) == 0);
	emu_open(&e, UC_MODE_32, ram, 0);
	EXPECT(load_state(&e, &s, &r, false));
	err = uc_emu_start(e.uc, r.rip, 0, 0, MAX_INSNS);
	emu_close(&e, out, sizeof(out));
	EXPECT(err == UC_ERR_OK && e.fault == -1);
	EXPECT(!strcmp(out, "P\n"));
	EXPECT(pvx_ports_exited(&e.ports, &status) && status == 42);
	if (!ok)
		tap_diag("uc error %d (%s), fault %d, console '%s'", err,
			 uc_strerror(err), e.fault, out);
	unit_ram_free(ram, RAM_SIZE);
	return ok;
}

static const struct unit_case cases[] = {
	{ "long mode: hello from libpvx's tables and state prints and exits 0", long_hello },
	{ "long mode: hello's vCPU 1 halts silently", long_hello_vcpu1 },
	{ "real mode: hello16.bin at 0000:7C00 prints and exits 0", real_hello16 },
	{ "prot mode: segments from the GDT, a flat payload exits 42", prot_flat },
};

int main(int argc, char **argv)
{
	guest_dir = argc > 1 ? argv[1] : "build/guest";
	return UNIT_RUN(cases);
}
