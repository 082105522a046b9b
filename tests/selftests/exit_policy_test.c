// SPDX-License-Identifier: GPL-2.0
/*
 * exit_policy_test [--guests DIR] [--no-load]: PVX_SET_EXIT_POLICY, the
 * optional exits and the exits forwarded to userspace.
 *
 * The guest is events (tests/guest/events.c), one scenario per fresh VM.
 * For each optional exit (RDTSC, RDPMC, PAUSE, MOV DR, descriptor tables,
 * RDRAND/RDSEED, CR3, CR8, MTF, the exception bitmap, HLT) the same guest
 * code runs with the exit off and with it on and forwarded: off, no
 * PVX_EXIT_TRAP comes and the guest sees the hardware's answer; on, each
 * instruction is one PVX_EXIT_TRAP with its raw exit reason (SDM
 * Appendix C) and qualification or instruction information (SDM 28.2.1,
 * 28.2.5), this test emulates it with values of its own, and the guest
 * sees exactly those. PVX_GET_STATS must count the same exits (skipped
 * while the module answers -ENOTTY).
 * Then CPUID leaves and MSRs forwarded by range (PVX_EXIT_CPUID,
 * PVX_EXIT_MSR; error = 1 is #GP in the guest), what the policy cannot
 * open (I/O always exits, host-owned MSRs always trap), the guest's TSC,
 * and the policy's input checks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <x86intrin.h>

#include "evtest.h"
#include "pvxtest.h"
#include "tap.h"

/* Basic exit reasons, SDM Appendix C. */
#define R_EXCEPTION	0
#define R_HLT		12
#define R_RDPMC		15
#define R_RDTSC		16
#define R_CR		28
#define R_DR		29
#define R_MTF		37
#define R_PAUSE		40
#define R_GDTR_IDTR	46
#define R_LDTR_TR	47
#define R_RDTSCP	51
#define R_RDRAND	57
#define R_RDSEED	61

/* Interruption information, SDM 24.9.2 table 24-15. */
#define INTR_VECTOR(i)		((i) & 0xff)
#define INTR_TYPE(i)		(((i) >> 8) & 7)
#define INTR_VALID		(1U << 31)
#define INTR_TYPE_HW_EXC	3
#define INTR_TYPE_SW_EXC	6

#define X86_BP		3
#define X86_UD		6
#define X86_GP		13
#define RFLAGS_CF	(1ULL << 0)
#define RFLAGS_ARITH	0x8d5ULL	/* CF PF AF ZF SF OF */
#define MSR_TSC		0x10
#define MSR_PAT		0x277
#define MSR_LSTAR	0xc0000082

/* What this test answers in place of the hardware. */
#define USER_TSC	0x5000000000ULL
#define USER_TSC_STEP	0x100
#define USER_TSC_AUX	0x77
#define USER_PMC	0x0000000912345678ULL
#define USER_DR_MARK	0xabc00000ULL
#define USER_RAND	0x5eed5eed5eedULL
#define USER_CR3_MARK	0x10		/* PCD, or'ed into what CR3 reads */
#define USER_CR8_DELTA	4
#define FAKE_GDT_LIMIT	0x123
#define FAKE_GDT_BASE	0xfeed000ULL
#define FAKE_IDT_LIMIT	0x456
#define FAKE_IDT_BASE	0xbeef000ULL
#define FAKE_TR		0x58
#define USER_MSR	0x0badc0de00000000ULL
#define USER_LSTAR	0xffffffff81000000ULL
#define USER_CPUID(f, reg) ((f) ^ (0xa5a50000U + (reg)))
#define TSC_SET		(1ULL << 40)

static int sys_fd;
static struct evt ev;
static bool have_stats;
static const char *no_stats_why = "PVX_GET_STATS answers -ENOTTY: the stats are not in this module yet";

/* This test's emulation state, per run. */
static struct {
	uint64_t tsc_next;
	uint64_t dr[8];
	uint64_t cr8;
	uint64_t cr3_written;
	bool mtf;
	struct pvx_exit_policy base, stepping;
	uint64_t msr_writes[16];
	unsigned int nmsr_writes;
	uint64_t lstar_written;
	bool lstar_write_seen, lstar_read_seen;
} st;

static struct pvx_cpuid_entry cpuid_table[PVX_MAX_CPUID_ENTRIES];
static int cpuid_nent;

static bool rip_step(struct pvx_run *run)
{
	run->trap.regs.rip += run->trap.insn_len;
	return true;
}

static void set_edx_eax(struct pvx_regs *r, uint64_t v)
{
	r->rax = (uint32_t)v;
	r->rdx = v >> 32;
}

/* MOV CR: SDM 28.2.1 table 28-3: CR in 3:0, access type 5:4, GPR 11:8. */
static int emulate_cr(struct evt *e, struct pvx_run *run)
{
	uint64_t q = run->trap.qualification;
	unsigned int cr = q & 15, type = (q >> 4) & 3;
	__u64 *reg = evt_gpr(&run->trap.regs, (q >> 8) & 15);
	struct pvx_sregs s;

	if (cr == 8) {
		if (type == 0)
			st.cr8 = *reg;
		else
			*reg = st.cr8 + USER_CR8_DELTA;
		return rip_step(run) ? PVX_RUN_CONTINUE : -EINVAL;
	}
	if (cr != 3 || type > 1 || pvx_vcpu_get_sregs(e->g.vcpu, &s))
		return -EINVAL;
	if (type == 0) {
		s.cr3 = st.cr3_written = *reg;
		if (pvx_vcpu_set_sregs(e->g.vcpu, &s))
			return -EINVAL;
	} else {
		*reg = s.cr3 | USER_CR3_MARK;
	}
	rip_step(run);
	return PVX_RUN_CONTINUE;
}

/* The memory operand of SGDT & co (SDM 28.2.5 table 28-10): base + index + disp. */
static uint64_t desc_operand(struct pvx_run *run)
{
	uint32_t info = run->trap.insn_info;
	uint64_t a = run->trap.qualification;

	if (!(info & (1U << 27)))
		a += *evt_gpr(&run->trap.regs, (info >> 23) & 15);
	if (!(info & (1U << 22)))
		a += *evt_gpr(&run->trap.regs, (info >> 18) & 15) << (info & 3);
	return a;
}

/*
 * SGDT/SIDT (46) store our fake values, LGDT/LIDT (46: the runtime's
 * trap_init) load through PVX_SET_SREGS, STR (47) reads our fake TR:
 * SDM 28.2.5 tables 28-10 and 28-11.
 */
static int emulate_desc(struct evt *e, struct pvx_run *run)
{
	uint32_t info = run->trap.insn_info;
	unsigned int identity = (info >> 28) & 3;
	struct pvx_sregs s;
	uint8_t *mem;

	if (run->trap.reason == R_LDTR_TR) {
		/* Only STR to a register (bit 10) is what the guest does. */
		if (identity != 1 || !(info & (1U << 10))) {
			tap_diag("LDTR/TR exit: info %#x", info);
			return -EINVAL;
		}
		*evt_gpr(&run->trap.regs, (info >> 3) & 15) = FAKE_TR;
		rip_step(run);
		return PVX_RUN_CONTINUE;
	}
	/* The guest is identity-mapped: the address is guest-physical. */
	mem = pvx_gpa_to_host(&e->g.vm->mem, desc_operand(run), 10);
	if (!mem)
		return -EFAULT;
	if (identity >= 2) {
		struct pvx_dtable *d = identity == 3 ? &s.idt : &s.gdt;

		if (pvx_vcpu_get_sregs(e->g.vcpu, &s))
			return -EIO;
		memcpy(&d->limit, mem, 2);
		memcpy(&d->base, mem + 2, 8);
		if (pvx_vcpu_set_sregs(e->g.vcpu, &s))
			return -EIO;
	} else {
		uint16_t limit = identity ? FAKE_IDT_LIMIT : FAKE_GDT_LIMIT;
		uint64_t base = identity ? FAKE_IDT_BASE : FAKE_GDT_BASE;

		memcpy(mem, &limit, 2);
		memcpy(mem + 2, &base, 8);
	}
	rip_step(run);
	return PVX_RUN_CONTINUE;
}

/* Every forwarded exit the events guest causes, emulated. */
static int emulate_trap(struct evt *e, struct pvx_run *run)
{
	struct pvx_regs *r = &run->trap.regs;
	uint32_t vec = INTR_VECTOR(run->trap.intr_info);

	switch (run->trap.reason) {
	case R_RDTSCP:
		r->rcx = USER_TSC_AUX;
		/* fall through */
	case R_RDTSC:
		set_edx_eax(r, st.tsc_next);
		st.tsc_next += USER_TSC_STEP;
		break;
	case R_RDPMC:
		set_edx_eax(r, USER_PMC);
		break;
	case R_PAUSE:
	case R_HLT:
		break;
	case R_DR: {
		/* SDM 28.2.1 table 28-4: DR 2:0, direction 4 (1: from), GPR 11:8. */
		uint64_t q = run->trap.qualification;
		__u64 *reg = evt_gpr(r, (q >> 8) & 15);

		if (q & (1 << 4))
			*reg = st.dr[q & 7] | USER_DR_MARK;
		else
			st.dr[q & 7] = *reg;
		break;
	}
	case R_RDRAND:
	case R_RDSEED:
		/* Destination register in bits 6:3 (SDM 28.2.5 table 28-12). */
		*evt_gpr(r, (run->trap.insn_info >> 3) & 15) = USER_RAND;
		r->rflags = (r->rflags & ~RFLAGS_ARITH) | RFLAGS_CF;
		break;
	case R_CR:
		return emulate_cr(e, run);
	case R_GDTR_IDTR:
	case R_LDTR_TR:
		return emulate_desc(e, run);
	case R_MTF:
		return PVX_RUN_CONTINUE;	/* just resume */
	case R_EXCEPTION:
		if (vec == X86_BP)
			break;		/* step over INT3 */
		/* Anything else goes back to the guest. */
		return pvx_vcpu_inject_exception(e->g.vcpu, vec,
						 run->trap.intr_error) ?
		       -EINVAL : PVX_RUN_CONTINUE;
	default:
		return PVX_RUN_STOP;
	}
	rip_step(run);
	return PVX_RUN_CONTINUE;
}

/* The MTF ports: stepping on, then off again. */
static int mtf_port(struct evt *e, struct pvx_run *run)
{
	st.mtf = run->io.port == EV_PORT_MTF_ON;
	return pvx_vm_set_exit_policy(e->g.vm, st.mtf ? &st.stepping : &st.base) ?
	       -EINVAL : PVX_RUN_CONTINUE;
}

/* A policy: the default with @trap turned on and forwarded (or off). */
static struct pvx_exit_policy policy_with(uint64_t trap, bool on)
{
	struct pvx_exit_policy p;

	pvx_policy_init(&p);
	if (on)
		pvx_policy_trap_forward(&p, trap);
	else
		p.trap &= ~trap;
	return p;
}

/* A fresh run of @scenario under @p; false (with the reason) if it cannot start. */
static int start(uint32_t scenario, const struct pvx_exit_policy *p)
{
	int perr = 0, r;

	memset(&st, 0, sizeof(st));
	st.tsc_next = USER_TSC;
	r = evt_start(&ev, sys_fd, scenario, p, &perr);
	if (r)
		return r;
	ev.on_trap = emulate_trap;
	return perr;
}

/* The stats of the run just done: exits[@reason] must be @n. */
static void stats_point(const char *what, uint32_t reason, uint64_t n_off,
			uint64_t n_on, const uint64_t got[2])
{
	if (!have_stats) {
		tap_skip("%s: PVX_GET_STATS exits[%u] (%s)", what, reason, no_stats_why);
		return;
	}
	tap_ok(got[0] == n_off && got[1] == n_on,
	       "%s: PVX_GET_STATS exits[%u] is %llu off (%llu) and %llu on (%llu)",
	       what, reason, (unsigned long long)n_off,
	       (unsigned long long)got[0], (unsigned long long)n_on,
	       (unsigned long long)got[1]);
}

static uint64_t stat_exits(uint32_t reason)
{
	struct pvx_stats s;

	if (!have_stats || evt_stats(&ev, &s))
		return ~0ULL;
	return reason < PVX_STATS_NR_REASONS ? s.exits[reason] : ~0ULL;
}

/*
 * One optional exit: a run with it off, one with it on and forwarded,
 * and their stats. @check(on) judges each run; @stat_reason, @n_on: what
 * PVX_GET_STATS must count.
 */
struct optional_exit {
	const char *name;
	uint32_t scenario;
	uint64_t trap;
	bool (*check)(bool on);
	uint32_t stat_reason;
	uint64_t n_on;
	/* A reason to skip, decided by the off run (or NULL). */
	const char *(*skip_on)(void);
};

static uint64_t V(uint32_t key)
{
	return evt_value(&ev, key);
}

static bool check_rdtsc(bool on)
{
	bool ok = true;

	if (!on) {
		EXPECT(ev.ntraps == 0);
		EXPECT(V(EK_RDTSC(0)) <= V(EK_RDTSC(1)));
		EXPECT(V(EK_RDTSC(1)) <= V(EK_RDTSC(2)));
		EXPECT(V(EK_RDTSC(0)) != USER_TSC);
		return ok;
	}
	/* RDTSCP only where the guest's CPUID offers it. */
	bool rdtscp = V(EK_RDTSCP) != EV_NONE;

	EXPECT(ev.by_reason[R_RDTSC] == 3);
	EXPECT(ev.by_reason[R_RDTSCP] == (rdtscp ? 1U : 0U));
	EXPECT(ev.ntraps == (rdtscp ? 4U : 3U));
	for (unsigned int i = 0; i < ev.ntraps && i < 4; i++)
		EXPECT(ev.traps[i].insn_len == (i < 3 ? 2U : 3U));	/* 0f 31, 0f 01 f9 */
	for (int i = 0; i < 3; i++)
		EXPECT(V(EK_RDTSC(i)) == USER_TSC + i * USER_TSC_STEP);
	if (rdtscp) {
		EXPECT(V(EK_RDTSCP) == USER_TSC + 3 * USER_TSC_STEP);
		EXPECT(V(EK_RDTSCP_AUX) == USER_TSC_AUX);
	}
	return ok;
}

static bool check_rdpmc(bool on)
{
	bool ok = true;

	if (!on) {
		EXPECT(ev.ntraps == 0);
		EXPECT(V(EK_RDPMC) != USER_PMC);
		return ok;
	}
	EXPECT(ev.ntraps == 1 && ev.by_reason[R_RDPMC] == 1);
	EXPECT(ev.traps[0].insn_len == 2);
	EXPECT(V(EK_RDPMC) == USER_PMC);
	EXPECT(V(EK_RDPMC_VEC) == EV_NONE);
	return ok;
}

static bool check_pause(bool on)
{
	bool ok = true;

	EXPECT(V(EK_PAUSES) == 3);
	if (!on) {
		EXPECT(ev.ntraps == 0);
		return ok;
	}
	EXPECT(ev.ntraps == 3 && ev.by_reason[R_PAUSE] == 3);
	for (unsigned int i = 0; i < ev.ntraps && i < 3; i++)
		EXPECT(ev.traps[i].insn_len == 2);	/* f3 90 */
	return ok;
}

static bool check_dr(bool on)
{
	bool ok = true;

	EXPECT(V(EK_DR0_WRITTEN) == 0x1000);
	if (!on) {
		EXPECT(ev.ntraps == 0);
		EXPECT(V(EK_DR0) == 0x1000);
		return ok;
	}
	EXPECT(ev.ntraps == 2 && ev.by_reason[R_DR] == 2);
	/* MOV RAX -> DR0: DR 0, direction 0, GPR 0; MOV DR0 -> RBX: 1, 3. */
	EXPECT(ev.traps[0].qualification == 0x000);
	EXPECT(ev.traps[1].qualification == 0x310);
	EXPECT(V(EK_DR0) == (0x1000 | USER_DR_MARK));
	return ok;
}

static bool check_desc(bool on)
{
	bool ok = true;

	if (!on) {
		EXPECT(ev.ntraps == 0);
		EXPECT(V(EK_SGDT_BASE) == PVX_GDT_GPA);
		EXPECT(V(EK_STR) == PVX_SEL_TSS);
		EXPECT(V(EK_SIDT_BASE) != FAKE_IDT_BASE);
		return ok;
	}
	/* The runtime's LIDT, then SGDT, SIDT, STR. */
	EXPECT(ev.ntraps == 4);
	EXPECT(ev.by_reason[R_GDTR_IDTR] == 3 && ev.by_reason[R_LDTR_TR] == 1);
	if (ev.ntraps == 4) {
		/* LIDT (identity 3), SGDT (0) and SIDT (1) through RBX (base reg 3). */
		EXPECT((ev.traps[0].insn_info >> 28 & 3) == 3);
		EXPECT((ev.traps[1].insn_info >> 28 & 3) == 0);
		EXPECT((ev.traps[2].insn_info >> 28 & 3) == 1);
		EXPECT((ev.traps[1].insn_info >> 23 & 15) == 3);
		EXPECT(!(ev.traps[1].insn_info & (1U << 27)));
		/* STR (identity 1) to a register (bit 10), RAX (reg1 0). */
		EXPECT((ev.traps[3].insn_info >> 28 & 3) == 1);
		EXPECT(ev.traps[3].insn_info & (1U << 10));
		EXPECT((ev.traps[3].insn_info >> 3 & 15) == 0);
	}
	EXPECT(V(EK_SGDT_LIMIT) == FAKE_GDT_LIMIT && V(EK_SGDT_BASE) == FAKE_GDT_BASE);
	EXPECT(V(EK_SIDT_LIMIT) == FAKE_IDT_LIMIT && V(EK_SIDT_BASE) == FAKE_IDT_BASE);
	EXPECT(V(EK_STR) == FAKE_TR);
	return ok;
}

static bool rdseed_present;

static const char *rdrand_skip(void)
{
	uint64_t v;

	rdseed_present = gvm_value(&ev.g, EK_RDSEED, &v) && v != EV_NONE;
	if (gvm_value(&ev.g, EK_RDRAND, &v) && v == EV_NONE)
		return "the guest's CPUID has no RDRAND";
	return NULL;
}

static bool check_rdrand(bool on)
{
	bool ok = true;

	if (!on) {
		EXPECT(ev.ntraps == 0);
		return ok;
	}
	EXPECT(ev.by_reason[R_RDRAND] == 1);
	EXPECT(ev.by_reason[R_RDSEED] == (rdseed_present ? 1U : 0U));
	EXPECT(V(EK_RDRAND) == USER_RAND && V(EK_RDRAND_CF) == 1);
	if (rdseed_present)
		EXPECT(V(EK_RDSEED) == USER_RAND && V(EK_RDSEED_CF) == 1);
	return ok;
}

static uint64_t initial_cr3;

static bool check_cr3(bool on)
{
	struct pvx_sregs s;
	bool ok = true;
	uint64_t set = V(EK_CR3_WRITTEN);

	EXPECT(!pvx_vcpu_get_sregs(ev.g.vcpu, &s) && s.cr3 == set);
	if (!on) {
		EXPECT(ev.ntraps == 0);
		EXPECT(V(EK_CR3_FIRST) == initial_cr3);
		EXPECT(V(EK_CR3_AFTER) == set);
		return ok;
	}
	EXPECT(ev.ntraps == 3 && ev.by_reason[R_CR] == 3);
	/* CR 3, GPR RAX; access type: from (1), to (0), from (1). */
	for (unsigned int i = 0; i < ev.ntraps && i < 3; i++)
		EXPECT(ev.traps[i].qualification == (i == 1 ? 0x03U : 0x13U));
	EXPECT(V(EK_CR3_FIRST) == (initial_cr3 | USER_CR3_MARK));
	EXPECT(V(EK_CR3_AFTER) == (set | USER_CR3_MARK));
	EXPECT(st.cr3_written == set);
	return ok;
}

static bool check_cr8(bool on)
{
	bool ok = true;

	EXPECT(V(EK_CR8_WRITTEN) == 5);
	if (!on) {
		EXPECT(ev.ntraps == 0);
		EXPECT(V(EK_CR8) == 5);
		return ok;
	}
	EXPECT(ev.ntraps == 2 && ev.by_reason[R_CR] == 2);
	/* MOV RAX -> CR8 (type 0, GPR 0), MOV CR8 -> RBX (type 1, GPR 3). */
	EXPECT(ev.traps[0].qualification == 0x008);
	EXPECT(ev.traps[1].qualification == 0x318);
	EXPECT(V(EK_CR8) == 5 + USER_CR8_DELTA);
	return ok;
}

static const struct optional_exit optional[] = {
	{ "RDTSC", EV_RDTSC, PVX_TRAP_RDTSC, check_rdtsc, R_RDTSC, 3, NULL },
	{ "RDPMC", EV_RDPMC, PVX_TRAP_RDPMC, check_rdpmc, R_RDPMC, 1, NULL },
	{ "PAUSE", EV_PAUSE, PVX_TRAP_PAUSE, check_pause, R_PAUSE, 3, NULL },
	{ "MOV DR", EV_DR, PVX_TRAP_DR, check_dr, R_DR, 2, NULL },
	{ "LIDT/SGDT/SIDT/STR", EV_DESC, PVX_TRAP_DESC, check_desc, R_GDTR_IDTR, 3, NULL },
	{ "RDRAND/RDSEED", EV_RDRAND, PVX_TRAP_RDRAND, check_rdrand, R_RDRAND, 1,
	  rdrand_skip },
	{ "MOV CR3", EV_CR3, PVX_TRAP_CR3, check_cr3, R_CR, 3, NULL },
	{ "MOV CR8", EV_CR8, PVX_TRAP_CR8, check_cr8, R_CR, 2, NULL },
};
#define NR_OPTIONAL	(sizeof(optional) / sizeof(optional[0]))

/* Three points: off, on and forwarded, the stats of both. */
static void optional_exit(const struct optional_exit *o)
{
	struct pvx_exit_policy p;
	uint64_t got[2] = { ~0ULL, ~0ULL };
	const char *skip = NULL;
	int r;

	for (int on = 0; on < 2; on++) {
		p = policy_with(o->trap, on);
		r = start(o->scenario, &p);
		if (on && r == -EOPNOTSUPP) {
			tap_skip("%s trapped and forwarded (PVX_SET_EXIT_POLICY: -EOPNOTSUPP, the CPU lacks the control)",
				 o->name);
			tap_skip("%s: stats (no trap on this CPU)", o->name);
			return;
		}
		if (on && skip) {
			tap_skip("%s trapped and forwarded (%s)", o->name, skip);
			tap_skip("%s: stats (%s)", o->name, skip);
			return;
		}
		if (r) {
			tap_ok(false, "%s %s: PVX_SET_EXIT_POLICY %s", o->name,
			       on ? "on" : "off", strerror(-r));
			continue;
		}
		if (o->scenario == EV_CR3) {
			struct pvx_sregs s;

			initial_cr3 = pvx_vcpu_get_sregs(ev.g.vcpu, &s) ? ~0ULL : s.cr3;
		}
		bool ran = evt_run_to_exit(&ev);

		if (!on && o->skip_on && ran)
			skip = o->skip_on();
		tap_ok(ran && o->check(on), "%s %s: %s", o->name,
		       on ? "trapped and forwarded" : "not trapped",
		       on ? "one PVX_EXIT_TRAP per instruction with its reason and qualification, the guest sees userspace's values" :
			    "no PVX_EXIT_TRAP, the guest sees the hardware's values");
		got[on] = stat_exits(o->stat_reason);
	}
	/*
	 * Not trapped, MOV DR still exits once: that exit hands the debug
	 * registers to the guest (vmx_run.c), the MOV back from DR0 is native.
	 */
	stats_point(o->name, o->stat_reason, o->trap == PVX_TRAP_DR, o->n_on,
		    got);
}

/* MTF: exactly one step per instruction of the loop, and none when off. */
static void mtf_case(void)
{
	uint64_t dec, jnz, end, begin;
	unsigned int steps = 0, at_dec = 0, at_jnz = 0, at_end = 0, other = 0;
	bool ok = true;
	int r;

	r = start(EV_MTF, NULL);
	if (r) {
		tap_ok(false, "MTF: start: %s", strerror(-r));
		tap_ok(false, "MTF off");
		return;
	}
	st.base = policy_with(0, false);
	st.stepping = policy_with(PVX_TRAP_MTF, true);
	ev.on_mtf_port = mtf_port;
	EXPECT(evt_run_to_exit(&ev));
	dec = V(EK_MTF_DEC);
	jnz = V(EK_MTF_JNZ);
	end = V(EK_MTF_END);
	begin = V(EK_MTF_START);
	for (unsigned int i = 0; i < ev.ntraps; i++) {
		uint64_t rip = ev.traps[i].rip;

		if (ev.traps[i].reason != R_MTF)
			continue;
		steps++;
		if (rip == dec) {
			at_dec++;
		} else if (rip == jnz) {
			at_jnz++;
		} else if (rip == end) {
			at_end++;
		} else {
			other++;
			tap_diag("MTF exit at %#llx (the loop starts at %#llx)",
				 (unsigned long long)rip, (unsigned long long)begin);
		}
	}
	/* MOV, then EV_MTF_LOOPS x (DEC, JNZ): an exit after each. */
	EXPECT(steps == 1 + 2 * EV_MTF_LOOPS);
	EXPECT(at_dec == EV_MTF_LOOPS && at_jnz == EV_MTF_LOOPS);
	EXPECT(at_end == 1 && other == 0);
	tap_ok(ok, "MTF: %u steps over the loop (expected %u: MOV + %u x DEC, JNZ), RIPs %u at DEC, %u at JNZ, %u at the end, %u elsewhere",
	       steps, 1 + 2 * EV_MTF_LOOPS, EV_MTF_LOOPS, at_dec, at_jnz,
	       at_end, other);
	/* The same guest without stepping. */
	r = start(EV_MTF, NULL);
	ok = !r && evt_run_to_exit(&ev) && ev.by_reason[R_MTF] == 0 &&
	     ev.ntraps == 0;
	tap_ok(ok, "MTF off: no MTF exit over the same loop");
}

static int mtf_supported(void)
{
	struct pvx_exit_policy p = policy_with(PVX_TRAP_MTF, true);
	int r = start(EV_MTF, &p);

	evt_stop(&ev);
	return r;
}

/* The exception bitmap: off, intercepted in the kernel, forwarded. */
static void exceptions_case(void)
{
	struct pvx_exit_policy p;
	uint32_t both = 1U << X86_BP | 1U << X86_UD;
	uint64_t got[2] = { ~0ULL, ~0ULL };
	bool ok = true;

	/* Off: the guest's own IDT catches both. */
	pvx_policy_init(&p);
	EXPECT(!start(EV_EXC, &p));
	EXPECT(evt_run_to_exit(&ev));
	EXPECT(ev.ntraps == 0);
	EXPECT(V(EK_BP_VEC) == X86_BP && V(EK_BP_AFTER) == 0);
	EXPECT(V(EK_UD_VEC) == X86_UD && V(EK_UD_RIP) == V(EK_UD_ADDR));
	got[0] = stat_exits(R_EXCEPTION);
	tap_ok(ok, "exceptions not intercepted: the guest's IDT catches #BP and #UD, no PVX_EXIT_TRAP");

	/* Intercepted, not forwarded: delivered to the guest as before. */
	ok = true;
	pvx_policy_exceptions(&p, both, false);
	EXPECT(!start(EV_EXC, &p));
	EXPECT(evt_run_to_exit(&ev));
	EXPECT(ev.ntraps == 0);
	EXPECT(V(EK_BP_VEC) == X86_BP && V(EK_BP_AFTER) == 0);
	EXPECT(V(EK_UD_VEC) == X86_UD && V(EK_UD_RIP) == V(EK_UD_ADDR));
	got[1] = stat_exits(R_EXCEPTION);
	tap_ok(ok, "#BP and #UD intercepted in the kernel: delivered to the guest unchanged");
	stats_point("exception bitmap (not forwarded)", R_EXCEPTION, 0, 2, got);

	/* Forwarded: #BP stepped over by RIP += insn_len, #UD re-injected. */
	ok = true;
	pvx_policy_exceptions(&p, both, true);
	EXPECT(!start(EV_EXC, &p));
	EXPECT(evt_run_to_exit(&ev));
	EXPECT(ev.ntraps == 2 && ev.by_reason[R_EXCEPTION] == 2);
	if (ev.ntraps >= 1) {
		struct evt_trap *t = &ev.traps[0];

		EXPECT(INTR_VECTOR(t->intr_info) == X86_BP);
		EXPECT(INTR_TYPE(t->intr_info) == INTR_TYPE_SW_EXC);
		EXPECT(t->intr_info & INTR_VALID);
		EXPECT(t->insn_len == 1);
		EXPECT(t->rip == V(EK_BP_RIP));
	}
	EXPECT(V(EK_BP_AFTER) == 1 && V(EK_BP_VEC) == EV_NONE);
	tap_ok(ok, "#BP forwarded: PVX_EXIT_TRAP reason 0, vector 3, software exception, insn_len 1; RIP += 1 resumes after INT3");
	ok = true;
	if (ev.ntraps >= 2) {
		struct evt_trap *t = &ev.traps[1];

		EXPECT(INTR_VECTOR(t->intr_info) == X86_UD);
		EXPECT(INTR_TYPE(t->intr_info) == INTR_TYPE_HW_EXC);
		EXPECT(t->rip == V(EK_UD_ADDR));
	} else {
		ok = false;
	}
	EXPECT(V(EK_UD_VEC) == X86_UD && V(EK_UD_RIP) == V(EK_UD_ADDR));
	tap_ok(ok, "#UD forwarded and re-injected with PVX_INJECT_EXCEPTION: the guest's handler sees #UD at the UD2");
}

/* HLT with IF = 0: forwarded, or the kernel's PVX_EXIT_HLT. */
static void hlt_case(void)
{
	struct pvx_exit_policy p = policy_with(PVX_TRAP_HLT, true);
	uint64_t v;
	bool ok = true;
	int r;

	EXPECT(!start(EV_HLT_CLI, &p));
	EXPECT(evt_run_to_exit(&ev));
	EXPECT(ev.ntraps == 1 && ev.by_reason[R_HLT] == 1);
	EXPECT(ev.ntraps < 1 || ev.traps[0].insn_len == 1);
	EXPECT(V(EK_HLT_AFTER) == 1);
	tap_ok(ok, "HLT forwarded: PVX_EXIT_TRAP reason 12, RIP += 1 goes on");

	ok = true;
	EXPECT(!start(EV_HLT_CLI, NULL));
	r = gvm_run(&ev.g);
	EXPECT(r == PVX_EXIT_HLT);
	EXPECT(!gvm_value(&ev.g, EK_HLT_AFTER, &v));
	if (!ok)
		gvm_diag(&ev.g, r);
	tap_ok(ok, "HLT with IF = 0 and nothing pending, not forwarded: PVX_EXIT_HLT");
}

/* Forwarded CPUID leaves [0x40000000, 0x4000000f]. */
static int answer_cpuid(struct evt *e, struct pvx_run *run)
{
	(void)e;
	run->cpuid.eax = USER_CPUID(run->cpuid.function, 0);
	run->cpuid.ebx = USER_CPUID(run->cpuid.function, 1);
	run->cpuid.ecx = USER_CPUID(run->cpuid.function, 2);
	run->cpuid.edx = USER_CPUID(run->cpuid.function, 3);
	return PVX_RUN_CONTINUE;
}

static void cpuid_case(void)
{
	static const uint32_t leaves[EV_CPUID_NR] = EV_CPUID_LEAVES;
	struct pvx_exit_policy p;
	bool ok = true;

	for (int fwd = 1; fwd >= 0; fwd--) {
		unsigned int want_exits = 0;

		ok = true;
		pvx_policy_init(&p);
		if (fwd)
			pvx_policy_forward_cpuid(&p, 0x40000000, 0x4000000f);
		EXPECT(!start(EV_CPUID, &p));
		ev.on_cpuid = answer_cpuid;
		EXPECT(evt_run_to_exit(&ev));
		for (int i = 0; i < EV_CPUID_NR; i++) {
			bool user = fwd && leaves[i] >= 0x40000000 &&
				    leaves[i] <= 0x4000000f;
			uint32_t want[4];

			if (user) {
				want_exits++;
				for (int reg = 0; reg < 4; reg++)
					want[reg] = USER_CPUID(leaves[i], reg);
			} else {
				pvx_cpuid_answer(cpuid_table, cpuid_nent, leaves[i],
						 0, want);
			}
			for (int reg = 0; reg < 4; reg++)
				if (V(EK_CPUID(i, reg)) != want[reg]) {
					tap_diag("leaf %#x reg %d: %#llx, expected %#x",
						 leaves[i], reg,
						 (unsigned long long)V(EK_CPUID(i, reg)),
						 want[reg]);
					ok = false;
				}
		}
		EXPECT(ev.cpuid_exits == want_exits);
		tap_ok(ok, fwd ? "CPUID 0x40000000-0x4000000f forwarded: %u PVX_EXIT_CPUID, the guest sees userspace's answers; leaves 0 and 0x40000010 still from the kernel's table" :
				 "CPUID not forwarded: %u exits to userspace, every leaf from the kernel's table",
		       want_exits);
	}
}

/* Forwarded MSRs: values of ours, EV_MSR_FAIL answered with #GP. */
static int answer_msr(struct evt *e, struct pvx_run *run)
{
	(void)e;
	if (run->msr.index == MSR_LSTAR) {
		if (run->msr.is_write) {
			st.lstar_written = run->msr.data;
			st.lstar_write_seen = true;
		} else {
			run->msr.data = USER_LSTAR;
			st.lstar_read_seen = true;
		}
		return PVX_RUN_CONTINUE;
	}
	if (run->msr.index == EV_MSR_FAIL) {
		run->msr.error = 1;
		return PVX_RUN_CONTINUE;
	}
	if (run->msr.is_write) {
		if (st.nmsr_writes < 16)
			st.msr_writes[st.nmsr_writes++] = run->msr.data;
	} else {
		run->msr.data = USER_MSR ^ run->msr.index;
	}
	return PVX_RUN_CONTINUE;
}

static bool pat_of_vcpu(uint64_t *pat)
{
	struct pvx_msr_entry e = { .index = MSR_PAT };
	struct pvx_msrs m = { .nmsrs = 1, .entries = (uintptr_t)&e };

	*pat = 0;
	if (ioctl(ev.g.vcpu->fd, PVX_GET_MSRS, &m) != 1)
		return false;
	*pat = e.data;
	return true;
}

static void msr_case(void)
{
	struct pvx_exit_policy p;
	uint64_t pat;
	bool ok = true;

	/* Forwarded: [EV_MSR_BASE, +15]. */
	pvx_policy_init(&p);
	pvx_policy_forward_msr(&p, EV_MSR_BASE, EV_MSR_BASE + 15);
	EXPECT(!start(EV_MSR, &p));
	ev.on_msr = answer_msr;
	EXPECT(evt_run_to_exit(&ev));
	for (int i = 0; i < 2; i++) {
		EXPECT(V(EK_MSR_READ(i)) == (USER_MSR ^ (EV_MSR_BASE + i)));
		EXPECT(V(EK_MSR_VEC(i)) == EV_NONE && V(EK_WRMSR_VEC(i)) == EV_NONE);
	}
	EXPECT(st.nmsr_writes == 2 && st.msr_writes[0] == EV_WRMSR_VALUE &&
	       st.msr_writes[1] == EV_WRMSR_VALUE + 1);
	EXPECT(ev.msr_exits == 6);	/* 3 RDMSR + 3 WRMSR in the range */
	EXPECT(!st.lstar_read_seen && !st.lstar_write_seen);
	EXPECT(pat_of_vcpu(&pat) && V(EK_MSR_READ(3)) == pat);
	EXPECT(V(EK_MSR_VEC(3)) == EV_NONE && V(EK_MSR_VEC(4)) == EV_NONE);
	tap_ok(ok, "MSRs forwarded by range: RDMSR/WRMSR answered by userspace as the guest sees; PAT and LSTAR outside the range stay in the kernel");
	ok = true;
	EXPECT(V(EK_MSR_VEC(2)) == X86_GP && V(EK_WRMSR_VEC(2)) == X86_GP);
	tap_ok(ok, "forwarded MSR answered with error = 1: RDMSR and WRMSR raise #GP in the guest");

	/* Not forwarded: unknown MSRs are the kernel's #GP. */
	ok = true;
	EXPECT(!start(EV_MSR, NULL));
	ev.on_msr = answer_msr;
	EXPECT(evt_run_to_exit(&ev));
	EXPECT(ev.msr_exits == 0);
	for (int i = 0; i < 3; i++)
		EXPECT(V(EK_MSR_VEC(i)) == X86_GP);
	tap_ok(ok, "MSRs not forwarded: no PVX_EXIT_MSR, unknown MSRs #GP from the kernel");

	/* Empty policy: I/O still exits, LSTAR still traps (in the kernel). */
	ok = true;
	memset(&p, 0, sizeof(p));
	EXPECT(!start(EV_MSR, &p));
	ev.on_msr = answer_msr;
	EXPECT(evt_run_to_exit(&ev));
	EXPECT(ev.io_exits > 0 && ev.g.nreports >= 3 * EV_MSR_NR);
	EXPECT(ev.msr_exits == 0 && V(EK_MSR_VEC(4)) == EV_NONE);
	tap_ok(ok, "an empty policy (no trap, nothing forwarded): every I/O access still exits (%u), LSTAR handled by the kernel",
	       ev.io_exits);

	/* LSTAR forwarded: the policy cannot pass it through, it traps. */
	ok = true;
	memset(&p, 0, sizeof(p));
	pvx_policy_forward_msr(&p, MSR_LSTAR, MSR_LSTAR);
	EXPECT(!start(EV_MSR, &p));
	ev.on_msr = answer_msr;
	EXPECT(evt_run_to_exit(&ev));
	EXPECT(st.lstar_read_seen && st.lstar_write_seen);
	EXPECT(V(EK_MSR_READ(4)) == USER_LSTAR && st.lstar_written == USER_LSTAR);
	EXPECT(ev.msr_exits == 2);
	tap_ok(ok, "host-owned IA32_LSTAR forwarded: its RDMSR and WRMSR are PVX_EXIT_MSR (it always traps)");
}

/* The guest's TSC: near 0 at creation, set by PVX_SET_MSRS, or trapped. */
static void tsc_case(void)
{
	struct pvx_msr_entry e = { .index = MSR_TSC, .data = TSC_SET };
	struct pvx_msrs m = { .nmsrs = 1, .entries = (uintptr_t)&e };
	struct pvx_exit_policy p;
	uint64_t t0, t1, g;
	bool ok = true;

	t0 = __rdtsc();
	EXPECT(!start(EV_TSC, NULL));
	EXPECT(evt_run_to_exit(&ev));
	t1 = __rdtsc();
	g = V(EK_TSC);
	/* Counting from the VM's creation, after t0: below t1 - t0. */
	EXPECT(g < t0);
	EXPECT(g <= t1 - t0);
	tap_ok(ok, "a new VM's TSC starts near 0: the guest read %llu, less than the %llu host ticks since before its creation (host TSC %llu)",
	       (unsigned long long)g, (unsigned long long)(t1 - t0),
	       (unsigned long long)t0);

	ok = true;
	EXPECT(!start(EV_TSC, NULL));
	t0 = __rdtsc();
	EXPECT(ioctl(ev.g.vcpu->fd, PVX_SET_MSRS, &m) == 1);
	EXPECT(evt_run_to_exit(&ev));
	t1 = __rdtsc();
	g = V(EK_TSC);
	EXPECT(g >= TSC_SET && g - TSC_SET <= t1 - t0);
	tap_ok(ok, "PVX_SET_MSRS IA32_TSC = %#llx: the guest reads %#llx (at most the %llu host ticks later)",
	       (unsigned long long)TSC_SET, (unsigned long long)g,
	       (unsigned long long)(t1 - t0));

	ok = true;
	p = policy_with(PVX_TRAP_RDTSC, true);
	EXPECT(!start(EV_TSC, &p));
	EXPECT(evt_run_to_exit(&ev));
	EXPECT(V(EK_TSC) == USER_TSC);
	tap_ok(ok, "RDTSC forwarded: the guest reads exactly userspace's %#llx",
	       (unsigned long long)USER_TSC);
}

/* PVX_SET_EXIT_POLICY's checks. */
static int set_policy(int vm_fd, const struct pvx_exit_policy *p)
{
	return ioctl(vm_fd, PVX_SET_EXIT_POLICY, p) < 0 ? -errno : 0;
}

static void bad_input_case(void)
{
	static const unsigned int not_interceptable[] = { 2, 9, 15, 18, 20, 21,
		22, 23, 24, 25, 26, 27, 28, 29, 30, 31 };
	static const unsigned int forwardable[] = { 12, 15, 16, 18, 28, 29, 37,
		40, 46, 47, 51, 57, 61 };
	static const unsigned int not_forwardable[] = { 0, 1, 2, 7, 10, 30, 31,
		32, 48, 49, 52, 55, 100 };
	struct pvx_exit_policy p;
	struct pvx_vm *vm;
	int fd, r;
	bool ok = true;

	r = pvx_vm_create(sys_fd, &vm);
	if (r) {
		tap_bail("PVX_CREATE_VM: %s", strerror(-r));
	}
	fd = vm->fd;

	pvx_policy_init(&p);
	EXPECT(set_policy(fd, &p) == 0);
	p.flags = 1;
	EXPECT(set_policy(fd, &p) == -EINVAL);
	pvx_policy_init(&p);
	p.trap = PVX_TRAP_ALL + 1;
	EXPECT(set_policy(fd, &p) == -EINVAL);
	p.trap = 1ULL << 63;
	EXPECT(set_policy(fd, &p) == -EINVAL);
	pvx_policy_init(&p);
	p.reserved0 = 1;
	EXPECT(set_policy(fd, &p) == -EINVAL);
	for (int i = 0; i < 4; i++) {
		pvx_policy_init(&p);
		p.reserved[i] = 1;
		EXPECT(set_policy(fd, &p) == -EINVAL);
	}
	tap_ok(ok, "policy: flags, unknown PVX_TRAP_* bits and reserved fields -> EINVAL (the default policy is accepted)");

	ok = true;
	for (size_t i = 0; i < sizeof(not_interceptable) / sizeof(not_interceptable[0]); i++) {
		pvx_policy_init(&p);
		p.exceptions = 1U << not_interceptable[i];
		r = set_policy(fd, &p);
		if (r != -EINVAL) {
			tap_diag("exception %u: %d", not_interceptable[i], r);
			ok = false;
		}
	}
	for (unsigned int v = 0; v < 32; v++) {
		if (!(PVX_EXC_INTERCEPTABLE >> v & 1))
			continue;
		pvx_policy_init(&p);
		pvx_policy_exceptions(&p, 1U << v, true);
		r = set_policy(fd, &p);
		if (r) {
			tap_diag("interceptable exception %u refused: %d", v, r);
			ok = false;
		}
	}
	tap_ok(ok, "policy: exceptions 2, 9, 15, 18, 20-31 cannot be intercepted (EINVAL); every other of #DE..#XM can");

	ok = true;
	pvx_policy_init(&p);
	p.exceptions = 1U << X86_BP;
	p.forward_exceptions = 1U << X86_UD;
	EXPECT(set_policy(fd, &p) == -EINVAL);
	p.forward_exceptions = 1U << X86_BP | 1U << X86_UD;
	EXPECT(set_policy(fd, &p) == -EINVAL);
	tap_ok(ok, "policy: forward_exceptions outside exceptions -> EINVAL");

	ok = true;
	for (size_t i = 0; i < sizeof(not_forwardable) / sizeof(not_forwardable[0]); i++) {
		pvx_policy_init(&p);
		pvx_policy_forward(&p, not_forwardable[i]);
		r = set_policy(fd, &p);
		if (r != -EINVAL) {
			tap_diag("forwarding reason %u: %d", not_forwardable[i], r);
			ok = false;
		}
	}
	for (size_t i = 0; i < sizeof(forwardable) / sizeof(forwardable[0]); i++) {
		pvx_policy_init(&p);
		pvx_policy_forward(&p, forwardable[i]);
		r = set_policy(fd, &p);
		if (r) {
			tap_diag("forwardable reason %u refused: %d", forwardable[i], r);
			ok = false;
		}
	}
	tap_ok(ok, "policy: forwarding a reason that is not forwardable (EPT violation, external interrupt, I/O, MSR, CPUID...) -> EINVAL; each forwardable one accepted");

	ok = true;
	pvx_policy_init(&p);
	p.trap |= PVX_TRAP_DESC;
	r = set_policy(fd, &p);
	if (r == -EOPNOTSUPP) {
		tap_skip("policy: PVX_TRAP_DESC without forwarding 46 and 47 (no descriptor-table exiting here)");
	} else {
		EXPECT(r == -EINVAL);
		pvx_policy_forward(&p, 46);
		EXPECT(set_policy(fd, &p) == -EINVAL);
		pvx_policy_forward(&p, 47);
		EXPECT(set_policy(fd, &p) == 0);
		tap_ok(ok, "policy: PVX_TRAP_DESC without forwarding both 46 and 47 -> EINVAL");
	}

	ok = true;
	pvx_policy_init(&p);
	p.ncpuid = PVX_MAX_POLICY_RANGES + 1;
	EXPECT(set_policy(fd, &p) == -EINVAL);
	pvx_policy_init(&p);
	p.nmsr = PVX_MAX_POLICY_RANGES + 1;
	EXPECT(set_policy(fd, &p) == -EINVAL);
	pvx_policy_init(&p);
	p.ncpuid = 1;
	p.cpuid[0] = (struct pvx_range){ 5, 4 };
	EXPECT(set_policy(fd, &p) == -EINVAL);
	pvx_policy_init(&p);
	p.nmsr = 1;
	p.msr[0] = (struct pvx_range){ 0x11, 0x10 };
	EXPECT(set_policy(fd, &p) == -EINVAL);
	pvx_policy_init(&p);
	p.nmsr = 1;
	p.msr[1] = (struct pvx_range){ 1, 2 };	/* unused, not zero */
	EXPECT(set_policy(fd, &p) == -EINVAL);
	EXPECT(pvx_policy_forward_cpuid(&p, 2, 1) == -EINVAL);
	pvx_policy_init(&p);
	for (int i = 0; i < PVX_MAX_POLICY_RANGES; i++)
		EXPECT(!pvx_policy_forward_msr(&p, 0x100 * i, 0x100 * i + 1));
	EXPECT(pvx_policy_forward_msr(&p, 1, 1) == -E2BIG);
	EXPECT(set_policy(fd, &p) == 0);
	tap_ok(ok, "policy: more than %d ranges, first > last, a non-zero unused range -> EINVAL (%d ranges accepted)",
	       PVX_MAX_POLICY_RANGES, PVX_MAX_POLICY_RANGES);

	ok = true;
	EXPECT(ioctl(fd, PVX_SET_EXIT_POLICY, (void *)8) < 0 && errno == EFAULT);
	EXPECT(ioctl(fd, PVX_SET_EXIT_POLICY, NULL) < 0 && errno == EFAULT);
	tap_ok(ok, "policy: a bad pointer -> EFAULT");
	pvx_vm_destroy(vm);
}

/* Does the module have PVX_GET_STATS? Decides the stats points. */
static void probe_stats(void)
{
	struct pvx_stats s;
	int r;

	if (start(EV_TSC, NULL))
		tap_bail("cannot start the events guest");
	r = evt_stats(&ev, &s);
	have_stats = !r;
	if (r && r != -ENOTTY)
		tap_diag("PVX_GET_STATS: %s", strerror(-r));
	evt_stop(&ev);
}

#define NR_POINTS	(3 * NR_OPTIONAL + 2 + 5 + 2 + 2 + 5 + 3 + 7)

int main(int argc, char **argv)
{
	int r;

	sys_fd = pvxtest_start(argc, argv, NULL, NR_POINTS);
	cpuid_nent = pvx_cpuid_default(cpuid_table, PVX_MAX_CPUID_ENTRIES);
	if (cpuid_nent < 0)
		tap_bail("pvx_cpuid_default: %s", strerror(-cpuid_nent));
	pvx_cpuid_set_apic_id(cpuid_table, cpuid_nent, 0);
	probe_stats();

	for (size_t i = 0; i < NR_OPTIONAL; i++)
		optional_exit(&optional[i]);
	r = mtf_supported();
	if (r == -EOPNOTSUPP) {
		tap_skip("MTF stepping (-EOPNOTSUPP: no monitor trap flag)");
		tap_skip("MTF off (no monitor trap flag)");
	} else {
		mtf_case();
	}
	exceptions_case();
	hlt_case();
	cpuid_case();
	msr_case();
	tsc_case();
	bad_input_case();
	evt_stop(&ev);
	close(sys_fd);
	return tap_finish();
}
