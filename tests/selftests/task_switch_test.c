// SPDX-License-Identifier: GPL-2.0
/*
 * task_switch_test [--no-load]: hardware task switches in a 32-bit
 * protected-mode guest with paging (SDM Vol. 3 7.3), which pvx emulates
 * on the task-switch VM exit (x86/task_switch.c).
 *
 * The guest (its main task on TSS 0x18, 32-bit paging with 4 MiB pages)
 * does, in order:
 *  1. CALL to a TSS descriptor (task A);
 *  2. JMP to a TSS descriptor (task J), which JMPs back to the main task;
 *  3. CALL through a task gate in the GDT (task A again);
 *  4. INT 0x40 through a task gate in the IDT (task A again);
 *  5. a #GP (MOV to DS of a selector past the GDT limit) delivered
 *     through a task gate (task GP), with its error code;
 *  6. a #DF through a task gate (task DF): a divide error whose IDT entry
 *     is not present raises #NP during its delivery, which makes #DF
 *     (SDM Table 6-5);
 *  7. a CALL to a TSS whose limit is below 67h: #TS with the selector
 *     (through a task gate, task TS), nothing switched;
 * (and, afterwards, a CALL to a 16-bit TSS, which pvx does not emulate:
 * an internal error, the guest left as it was)
 * and each task records what it sees: EFLAGS (NT set when nested by CALL,
 * gate or exception, clear after JMP), TR (STR), its TSS's back-link,
 * CR0.TS (SMSW), the value at linear 4 MiB (each task's CR3 maps it to a
 * different physical page: CR3 was loaded), a dword through FS from its
 * LDT (task A: LDTR and an LDT descriptor loaded), the busy bit of the
 * main task's descriptor while J runs (cleared by JMP), the error code on
 * its stack (#GP: the selector, #DF: 0). Tasks A, GP and DF return with
 * IRET (NT = 1: back to the task in the back-link); GP and DF first move
 * the main task's saved EIP past the faulting instruction. At the end the
 * main task sees its own CR3 again and the registers it had, its
 * descriptor busy, the others available again.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "libpvx.h"
#include "pvxtest.h"
#include "tap.h"

#define RAM		(16ULL << 20)
#define GDT		0x10000
#define IDT		0x11000
#define LDT		0x12000
#define TSS_MAIN	0x13000	/* TSSs 0x100 apart */
#define TSS_A		0x13100
#define TSS_J		0x13200
#define TSS_GP		0x13300
#define TSS_DF		0x13400
#define TSS_SHORT	0x13500		/* a TSS whose limit is too small */
#define TSS_TS		0x13600
#define PD_MAIN		0x14000
#define PD_A		0x15000
#define RES		0x20000		/* the tasks' records */
#define LDT_DATA	0x21000		/* task A's FS segment (from its LDT) */
#define VIEW_A		0x800000	/* linear 4 MiB in task A */
#define VIEW_MAIN	0xc00000	/* linear 4 MiB in the other tasks */

/* Selectors. */
#define SEL_CODE	0x08
#define SEL_DATA	0x10
#define SEL_MAIN	0x18
#define SEL_A		0x20
#define SEL_J		0x28
#define SEL_GP		0x30
#define SEL_DF		0x38
#define SEL_GATE_A	0x40
#define SEL_LDT		0x48
#define SEL_SHORT	0x50
#define SEL_TS		0x58
#define SEL_TSS16	0x60		/* a 16-bit TSS: pvx does not emulate it */
#define GDT_LIMIT	0x67
#define SEL_LDT_DATA	0x04		/* LDT entry 0 */

/* Records: dwords at RES + 4 * index (macros: the guest uses them too). */
#define R_MAIN_EAX	0
#define R_MAIN_TR	1
#define R_MAIN_VIEW	2
#define R_MAIN_DONE	3
#define R_J_COUNT	4
#define R_J_EFLAGS	5
#define R_J_LINK	6
#define R_J_MAIN_DESC	7
#define R_J_TR	8
#define R_GP_COUNT	9
#define R_GP_ERR	10
#define R_GP_EFLAGS	11
#define R_DF_COUNT	12
#define R_DF_ERR	13
#define R_DF_EFLAGS	14
#define R_A_COUNT	15
#define R_A		16	/* + 8 * entry: task A's record of that entry */
#define R_TS_COUNT	48
#define R_TS_ERR	49
#define A_EFLAGS	0
#define A_TR	1
#define A_LINK	2
#define A_CR0	3
#define A_VIEW	4
#define A_FS	5
#define A_LDTR	6

#define EFLAGS_NT	(1U << 14)
#define CR0_TS		(1U << 3)

#define S(x)	#x
#define XS(x)	S(x)
#define REC(i)	XS(RES) "+4*(" XS(i) ")"

/* The guest; absolute addresses are constants, jumps relative. */
extern const uint8_t ts_code[], ts_code_end[], ts_task_a[], ts_task_j[],
	ts_task_gp[], ts_task_df[], ts_task_ts[];
__asm__(".pushsection .rodata.payload, \"a\"\n"
	".code32\n"
	"ts_code:\n"
	"	mov $0x11111111, %eax\n"
	"	lcall $" XS(SEL_A) ", $0\n"		/* 1: CALL to a TSS */
	"	mov %eax, " REC(R_MAIN_EAX) "\n"
	"	str %ax\n"
	"	movzwl %ax, %eax\n"
	"	mov %eax, " REC(R_MAIN_TR) "\n"
	"	ljmp $" XS(SEL_J) ", $0\n"		/* 2: JMP to a TSS */
	"	lcall $" XS(SEL_GATE_A) ", $0\n"	/* 3: CALL to a task gate */
	"	int $0x40\n"				/* 4: IDT task gate */
	"	mov $0xfff8, %ax\n"
	"	mov %ax, %ds\n"				/* 5: #GP(0xfff8) */
	"	xor %ecx, %ecx\n"
	"	div %ecx\n"				/* 6: #DE -> #NP -> #DF */
	"	lcall $" XS(SEL_SHORT) ", $0\n"	/* 7: #TS: limit < 67h */
	"	mov 0x400000, %eax\n"
	"	mov %eax, " REC(R_MAIN_VIEW) "\n"
	"	movl $1, " REC(R_MAIN_DONE) "\n"
	"	hlt\n"
	/* Task A: one record block per entry. */
	"ts_task_a:\n"
	"	mov " REC(R_A_COUNT) ", %ecx\n"
	"	shl $5, %ecx\n"
	"	pushf\n"
	"	pop %eax\n"
	"	mov %eax, " REC(R_A + A_EFLAGS) "(%ecx)\n"
	"	str %ax\n"
	"	movzwl %ax, %eax\n"
	"	mov %eax, " REC(R_A + A_TR) "(%ecx)\n"
	"	movzwl " XS(TSS_A) ", %eax\n"
	"	mov %eax, " REC(R_A + A_LINK) "(%ecx)\n"
	"	smsw %ax\n"
	"	movzwl %ax, %eax\n"
	"	mov %eax, " REC(R_A + A_CR0) "(%ecx)\n"
	"	mov 0x400000, %eax\n"
	"	mov %eax, " REC(R_A + A_VIEW) "(%ecx)\n"
	"	mov %fs:0, %eax\n"
	"	mov %eax, " REC(R_A + A_FS) "(%ecx)\n"
	"	sldt %ax\n"
	"	movzwl %ax, %eax\n"
	"	mov %eax, " REC(R_A + A_LDTR) "(%ecx)\n"
	"	incl " REC(R_A_COUNT) "\n"
	"	mov $0x22222222, %eax\n"
	"	iret\n"
	"	jmp ts_task_a\n"
	/* Task J: entered by JMP, leaves by JMP. */
	"ts_task_j:\n"
	"	incl " REC(R_J_COUNT) "\n"
	"	pushf\n"
	"	pop %eax\n"
	"	mov %eax, " REC(R_J_EFLAGS) "\n"
	"	movzwl " XS(TSS_J) ", %eax\n"
	"	mov %eax, " REC(R_J_LINK) "\n"
	"	mov " XS(GDT) "+" XS(SEL_MAIN) "+4, %eax\n"
	"	mov %eax, " REC(R_J_MAIN_DESC) "\n"
	"	str %ax\n"
	"	movzwl %ax, %eax\n"
	"	mov %eax, " REC(R_J_TR) "\n"
	"	ljmp $" XS(SEL_MAIN) ", $0\n"
	"	jmp ts_task_j\n"
	/* #GP through a task gate: the error code is on the stack. */
	"ts_task_gp:\n"
	"	pop %eax\n"
	"	mov %eax, " REC(R_GP_ERR) "\n"
	"	pushf\n"
	"	pop %eax\n"
	"	mov %eax, " REC(R_GP_EFLAGS) "\n"
	"	incl " REC(R_GP_COUNT) "\n"
	"	addl $2, " XS(TSS_MAIN) "+0x20\n"	/* past MOV DS (8e d8) */
	"	iret\n"
	"	jmp ts_task_gp\n"
	"ts_task_df:\n"
	"	pop %eax\n"
	"	mov %eax, " REC(R_DF_ERR) "\n"
	"	pushf\n"
	"	pop %eax\n"
	"	mov %eax, " REC(R_DF_EFLAGS) "\n"
	"	incl " REC(R_DF_COUNT) "\n"
	"	addl $2, " XS(TSS_MAIN) "+0x20\n"	/* past DIV ECX (f7 f1) */
	"	iret\n"
	"	jmp ts_task_df\n"
	"ts_task_ts:\n"
	"	pop %eax\n"
	"	mov %eax, " REC(R_TS_ERR) "\n"
	"	incl " REC(R_TS_COUNT) "\n"
	"	addl $7, " XS(TSS_MAIN) "+0x20\n"	/* past the LCALL */
	"	iret\n"
	"	jmp ts_task_ts\n"
	"ts_code_end:\n"
	".code64\n"
	".popsection\n");

static struct pvx_vm *vm;
static struct pvx_vcpu *vcpu;

static void *gp(uint64_t gpa, uint64_t len)
{
	void *p = pvx_gpa_to_host(&vm->mem, gpa, len);

	if (!p)
		tap_bail("GPA %#" PRIx64 " is not RAM", gpa);
	return p;
}

static uint32_t *dw(uint64_t gpa)
{
	return gp(gpa, 4);
}

static uint32_t rec(int i)
{
	return *dw(RES + 4 * i);
}

/* A segment or system descriptor (SDM Figure 3-8). */
static void put_desc(uint64_t at, uint32_t base, uint32_t limit, int type,
		     int s, bool big)
{
	bool g = limit > 0xfffff;
	uint32_t lim = g ? limit >> 12 : limit;
	uint32_t *d = gp(at, 8);

	d[0] = (lim & 0xffff) | base << 16;
	d[1] = ((base >> 16) & 0xff) | type << 8 | s << 12 | 1 << 15 |
	       (lim & 0xf0000) | (big ? 1 << 22 : 0) | (g ? 1 << 23 : 0) |
	       (base & 0xff000000);
}

/* A task gate to TSS selector @sel (SDM Figure 7-4). */
static void put_task_gate(uint64_t at, uint16_t sel)
{
	uint32_t *d = gp(at, 8);

	d[0] = (uint32_t)sel << 16;
	d[1] = 5 << 8 | 1 << 15;
}

/* A new task's TSS: CR3, EIP, flags, stack, flat selectors. */
static void put_tss(uint64_t at, uint32_t cr3, uint32_t eip, uint32_t esp,
		    uint16_t fs, uint16_t ldt)
{
	uint32_t *t = gp(at, 0x68);

	memset(t, 0, 0x68);
	t[0x1c / 4] = cr3;
	t[0x20 / 4] = eip;
	t[0x24 / 4] = 2;
	t[0x38 / 4] = esp;
	t[0x48 / 4] = SEL_DATA;		/* ES */
	t[0x4c / 4] = SEL_CODE;
	t[0x50 / 4] = SEL_DATA;		/* SS */
	t[0x54 / 4] = SEL_DATA;
	t[0x58 / 4] = fs;
	t[0x5c / 4] = SEL_DATA;		/* GS */
	t[0x60 / 4] = ldt;
}

static uint32_t entry_of(const uint8_t *label)
{
	return PVX_IMAGE_GPA + (label - ts_code);
}

static void setup_memory(void)
{
	uint32_t *pd = gp(PD_MAIN, 4096), *pda = gp(PD_A, 4096);

	memcpy(gp(PVX_IMAGE_GPA, ts_code_end - ts_code), ts_code,
	       ts_code_end - ts_code);
	memset(gp(GDT, 4096), 0, 4096);
	memset(gp(IDT, 4096), 0, 4096);
	memset(gp(RES, 4096), 0, 4096);
	put_desc(GDT + SEL_CODE, 0, 0xffffffff, 0xb, 1, true);
	put_desc(GDT + SEL_DATA, 0, 0xffffffff, 0x3, 1, true);
	put_desc(GDT + SEL_MAIN, TSS_MAIN, 0x67, 0xb, 0, false);
	put_desc(GDT + SEL_A, TSS_A, 0x67, 0x9, 0, false);
	put_desc(GDT + SEL_J, TSS_J, 0x67, 0x9, 0, false);
	put_desc(GDT + SEL_GP, TSS_GP, 0x67, 0x9, 0, false);
	put_desc(GDT + SEL_DF, TSS_DF, 0x67, 0x9, 0, false);
	put_task_gate(GDT + SEL_GATE_A, SEL_A);
	put_desc(GDT + SEL_LDT, LDT, 0xf, 0x2, 0, false);
	put_desc(GDT + SEL_SHORT, TSS_SHORT, 0x50, 0x9, 0, false);
	put_desc(GDT + SEL_TS, TSS_TS, 0x67, 0x9, 0, false);
	put_desc(GDT + SEL_TSS16, TSS_SHORT, 0x2b, 0x1, 0, false);
	put_desc(LDT, LDT_DATA, 0xfff, 0x2, 1, true);	/* not accessed yet */
	*dw(LDT_DATA) = 0x1d71d7ee;
	put_task_gate(IDT + 8 * 8, SEL_DF);
	put_task_gate(IDT + 10 * 8, SEL_TS);
	put_task_gate(IDT + 13 * 8, SEL_GP);
	put_task_gate(IDT + 0x40 * 8, SEL_A);
	/* CR3 and LDTR are static fields: a switch never saves them. */
	memset(gp(TSS_MAIN, 0x68), 0, 0x68);
	*dw(TSS_MAIN + 0x1c) = PD_MAIN;
	put_tss(TSS_A, PD_A, entry_of(ts_task_a), 0x71000, SEL_LDT_DATA,
		SEL_LDT);
	put_tss(TSS_J, PD_MAIN, entry_of(ts_task_j), 0x72000, SEL_DATA, 0);
	put_tss(TSS_GP, PD_MAIN, entry_of(ts_task_gp), 0x73000, SEL_DATA, 0);
	put_tss(TSS_DF, PD_MAIN, entry_of(ts_task_df), 0x74000, SEL_DATA, 0);
	put_tss(TSS_TS, PD_MAIN, entry_of(ts_task_ts), 0x75000, SEL_DATA, 0);
	/* 32-bit paging, 4 MiB pages: 0-4 MiB identity, 4 MiB per task. */
	memset(pd, 0, 4096);
	memset(pda, 0, 4096);
	pd[0] = pda[0] = 0x83;
	pd[1] = VIEW_MAIN | 0x83;
	pda[1] = VIEW_A | 0x83;
	*dw(VIEW_MAIN) = 0xbbbb0002;
	*dw(VIEW_A) = 0xaaaa0001;
}

static bool start_guest(void)
{
	struct pvx_sregs s;
	struct pvx_regs r;
	int err;

	if (pvx_mode_fill(PVX_MODE_PROT, PVX_IMAGE_GPA,
			  pvx_mode_stack_top(PVX_MODE_PROT, 0), &s, &r))
		return false;
	s.cs.selector = SEL_CODE;
	s.ds.selector = s.es.selector = s.fs.selector = s.gs.selector =
		s.ss.selector = SEL_DATA;
	s.gdt.base = GDT;
	s.gdt.limit = GDT_LIMIT;
	s.idt.base = IDT;
	s.idt.limit = 0x41 * 8 - 1;
	s.tr.selector = SEL_MAIN;
	s.tr.base = TSS_MAIN;
	s.tr.limit = 0x67;
	s.cr0 |= 1ULL << 31;		/* PG */
	s.cr4 |= 1ULL << 4;		/* PSE */
	s.cr3 = PD_MAIN;
	err = pvx_vcpu_set_sregs(vcpu, &s) ?: pvx_vcpu_set_regs(vcpu, &r);
	if (err)
		tap_diag("PVX_SET_SREGS/REGS: %s", strerror(-err));
	return !err;
}

/* Run to the final HLT (the guest makes no other exit). */
static bool run_guest(struct pvx_regs *end)
{
	const struct pvx_run *run = vcpu->run;
	int err = pvx_vcpu_run(vcpu);

	if (err) {
		tap_diag("PVX_RUN: %s", strerror(-err));
		return false;
	}
	if (run->exit_reason != PVX_EXIT_HLT) {
		tap_diag("exit %s (%u)", pvx_exit_name(run->exit_reason) ?: "?",
			 run->exit_reason);
		if (run->exit_reason == PVX_EXIT_INTERNAL_ERROR)
			tap_diag("internal error %u, reason %llu, rip %#llx",
				 run->internal.suberror,
				 (unsigned long long)run->internal.exit_reason,
				 (unsigned long long)run->internal.guest_rip);
		return false;
	}
	return !pvx_vcpu_get_regs(vcpu, end);
}

/* Task A's record @what of entry @n. */
static uint32_t arec(int n, int what)
{
	return rec(R_A + 8 * n + what);
}

static bool check_task_a(int n, const char *how)
{
	bool ok = true;

	EXPECT(rec(R_A_COUNT) > (uint32_t)n);
	EXPECT(arec(n, A_EFLAGS) & EFLAGS_NT);
	EXPECT(arec(n, A_TR) == SEL_A);
	EXPECT(arec(n, A_LINK) == SEL_MAIN);
	EXPECT(arec(n, A_CR0) & CR0_TS);
	EXPECT(arec(n, A_VIEW) == 0xaaaa0001);
	EXPECT(arec(n, A_FS) == 0x1d71d7ee);
	EXPECT(arec(n, A_LDTR) == SEL_LDT);
	if (!ok)
		tap_diag("%s: eflags %#x tr %#x link %#x cr0 %#x view %#x fs %#x ldtr %#x",
			 how, arec(n, A_EFLAGS), arec(n, A_TR), arec(n, A_LINK),
			 arec(n, A_CR0), arec(n, A_VIEW), arec(n, A_FS),
			 arec(n, A_LDTR));
	return ok;
}

static uint32_t desc_type(uint16_t sel)
{
	return (*dw(GDT + sel + 4) >> 8) & 15;
}

/*
 * CALL to a 16-bit TSS: not emulated, an internal error (emulation) with
 * the guest where it was: RIP on the CALL, TR unchanged.
 */
static void test_tss16(void)
{
	static const uint8_t code[] = { 0x9a, 0, 0, 0, 0, SEL_TSS16, 0, 0xf4 };
	const uint64_t at = PVX_IMAGE_GPA + 0x8000;
	const struct pvx_run *run = vcpu->run;
	struct pvx_regs r;
	struct pvx_sregs s;
	bool ok;

	memcpy(gp(at, sizeof(code)), code, sizeof(code));
	ok = !pvx_vcpu_get_regs(vcpu, &r) && !pvx_vcpu_get_sregs(vcpu, &s);
	r.rip = at;
	s.idt.limit = 0;	/* a fault the CPU raised itself: a shutdown */
	ok = ok && !pvx_vcpu_set_sregs(vcpu, &s) &&
	     !pvx_vcpu_set_regs(vcpu, &r) && !pvx_vcpu_run(vcpu) &&
	     run->exit_reason == PVX_EXIT_INTERNAL_ERROR &&
	     run->internal.suberror == PVX_INTERNAL_EMULATION &&
	     run->internal.exit_reason == 9 &&
	     !pvx_vcpu_get_regs(vcpu, &r) && r.rip == at &&
	     !pvx_vcpu_get_sregs(vcpu, &s) && s.tr.selector == SEL_MAIN;
	if (!ok)
		tap_diag("exit %u suberror %u reason %llu rip %#llx",
			 run->exit_reason, run->internal.suberror,
			 (unsigned long long)run->internal.exit_reason,
			 (unsigned long long)r.rip);
	tap_ok(ok, "CALL to a 16-bit TSS: internal error (emulation, exit reason 9), the guest untouched");
}

int main(int argc, char **argv)
{
	int sys_fd = pvxtest_start(argc, argv, NULL, 10);
	struct pvx_regs end;
	struct pvx_sregs s;
	bool ran, ok;
	int err;

	err = pvx_vm_create(sys_fd, &vm) ?:
	      pvx_vm_add_ram(vm, 0, 0, RAM, 0, PVX_BACKING_PAGES) ?:
	      pvx_mode_write_tables(&vm->mem, PVX_MODE_PROT, 0) ?:
	      pvx_vcpu_create(vm, 0, &vcpu);
	if (err)
		tap_bail("VM setup: %s", strerror(-err));
	setup_memory();
	ran = start_guest() && run_guest(&end);
	tap_ok(ran && rec(R_MAIN_DONE) == 1,
	       "the guest went through its task switches to its HLT");

	ok = check_task_a(0, "CALL TSS");
	EXPECT(rec(R_MAIN_EAX) == 0x11111111);
	EXPECT(rec(R_MAIN_TR) == SEL_MAIN);
	tap_ok(ran && ok, "CALL to a TSS: NT, TR, back-link, CR0.TS, CR3, LDTR and an LDT segment in the new task; IRET back restores the caller's EAX and TR");

	ok = true;
	EXPECT(rec(R_J_COUNT) == 1);
	EXPECT(!(rec(R_J_EFLAGS) & EFLAGS_NT));
	EXPECT(rec(R_J_LINK) == 0);
	EXPECT(rec(R_J_TR) == SEL_J);
	EXPECT(((rec(R_J_MAIN_DESC) >> 8) & 15) == 9);
	tap_ok(ran && ok, "JMP to a TSS: NT clear, no back-link, the old task's busy bit cleared; JMP back resumes it");

	tap_ok(ran && check_task_a(1, "CALL gate"),
	       "CALL through a task gate in the GDT: as CALL to the TSS");
	tap_ok(ran && check_task_a(2, "INT gate"),
	       "INT 0x40 through a task gate in the IDT: nested task, back-link");

	ok = true;
	EXPECT(rec(R_GP_COUNT) == 1);
	EXPECT(rec(R_GP_ERR) == 0xfff8);
	EXPECT(rec(R_GP_EFLAGS) & EFLAGS_NT);
	if (!ok)
		tap_diag("#GP task: count %u error %#x eflags %#x",
			 rec(R_GP_COUNT), rec(R_GP_ERR), rec(R_GP_EFLAGS));
	tap_ok(ran && ok, "#GP through a task gate: its error code (the selector) on the new task's stack");

	ok = true;
	EXPECT(rec(R_DF_COUNT) == 1);
	EXPECT(rec(R_DF_ERR) == 0);
	EXPECT(rec(R_DF_EFLAGS) & EFLAGS_NT);
	if (!ok)
		tap_diag("#DF task: count %u error %#x eflags %#x",
			 rec(R_DF_COUNT), rec(R_DF_ERR), rec(R_DF_EFLAGS));
	tap_ok(ran && ok, "#DF (a #NP while delivering #DE) through a task gate: error code 0");

	ok = true;
	EXPECT(rec(R_TS_COUNT) == 1);
	EXPECT(rec(R_TS_ERR) == SEL_SHORT);
	EXPECT(desc_type(SEL_SHORT) == 9);
	if (!ok)
		tap_diag("#TS task: count %u error %#x", rec(R_TS_COUNT),
			 rec(R_TS_ERR));
	tap_ok(ran && ok, "CALL to a TSS with a limit below 67h: #TS with its selector, nothing switched");

	ok = !pvx_vcpu_get_sregs(vcpu, &s);
	EXPECT(rec(R_MAIN_VIEW) == 0xbbbb0002);
	EXPECT(end.rax == 0xbbbb0002);
	EXPECT(s.tr.selector == SEL_MAIN && s.tr.type == 11);
	EXPECT(s.cr3 == PD_MAIN);
	EXPECT(s.cr0 & CR0_TS);
	EXPECT(!(end.rflags & EFLAGS_NT));
	EXPECT(desc_type(SEL_MAIN) == 11);
	EXPECT(desc_type(SEL_A) == 9 && desc_type(SEL_J) == 9 &&
	       desc_type(SEL_GP) == 9 && desc_type(SEL_DF) == 9 &&
	       desc_type(SEL_TS) == 9);
	EXPECT(((*dw(LDT + 4) >> 8) & 1) == 1);	/* accessed on load */
	tap_ok(ran && ok, "back in the main task: its CR3 and TR, CR0.TS set, NT clear, only its TSS busy");

	test_tss16();
	pvx_vm_destroy(vm);
	close(sys_fd);
	return tap_finish();
}
