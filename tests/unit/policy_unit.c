// SPDX-License-Identifier: GPL-2.0
/*
 * policy_unit: libpvx's exit-policy builder, the names of exit reasons
 * and exceptions, the CPUID answer of a table, and the run loop's
 * handling of forwarded exits (PVX_EXIT_TRAP, _CPUID, _MSR), without
 * /dev/pvx.
 */
#include <errno.h>
#include <string.h>

#include "unit.h"


static bool policy_builder(void)
{
	struct pvx_exit_policy p;
	bool ok = true;

	pvx_policy_init(&p);
	EXPECT(p.trap == PVX_TRAP_DEFAULT && !p.forward[0] && !p.forward[1]);
	pvx_policy_trap_forward(&p, PVX_TRAP_RDTSC | PVX_TRAP_DESC | PVX_TRAP_CR8);
	EXPECT(p.trap == (PVX_TRAP_DEFAULT | PVX_TRAP_RDTSC | PVX_TRAP_DESC |
			     PVX_TRAP_CR8));
	/* RDTSC 16 and RDTSCP 51, GDTR/IDTR 46 and LDTR/TR 47, CR access 28. */
	EXPECT(p.forward[0] == (1ULL << 16 | 1ULL << 51 | 1ULL << 46 |
				   1ULL << 47 | 1ULL << 28));
	EXPECT(pvx_policy_forwards(&p, 51) && !pvx_policy_forwards(&p, 12));
	pvx_policy_forward(&p, 100);
	EXPECT(p.forward[1] == 1ULL << 36 && pvx_policy_forwards(&p, 100));
	pvx_policy_exceptions(&p, 1U << 3, true);
	pvx_policy_exceptions(&p, 1U << 6, false);
	EXPECT(p.exceptions == (1U << 3 | 1U << 6) && p.forward_exceptions == 1U << 3);
	EXPECT(pvx_policy_forward_cpuid(&p, 2, 1) == -EINVAL);
	for (int i = 0; i < PVX_MAX_POLICY_RANGES; i++)
		EXPECT(!pvx_policy_forward_msr(&p, i, i));
	EXPECT(pvx_policy_forward_msr(&p, 9, 9) == -E2BIG && p.nmsr == PVX_MAX_POLICY_RANGES);
	EXPECT(pvx_trap_reasons(PVX_TRAP_MTF) == 1ULL << 37);
	return ok;
}

static bool names(void)
{
	bool ok = true;

	EXPECT(pvx_exception_by_name("bp") == 3 && pvx_exception_by_name("#UD") == 6 &&
		  pvx_exception_by_name("Gp") == 13);
	EXPECT(pvx_exception_by_name("xx") == -EINVAL && pvx_exception_by_name("") == -EINVAL);
	EXPECT(!strcmp(pvx_exception_name(14), "PF") && pvx_exception_name(15) == NULL &&
		  pvx_exception_name(32) == NULL);
	EXPECT(!strcmp(pvx_exit_name(PVX_EXIT_TRAP), "trap") &&
		  !strcmp(pvx_exit_name(PVX_EXIT_MSR), "msr"));
	return ok;
}

static bool cpuid_answer(void)
{
	struct pvx_cpuid_entry e[2] = {
		{ .function = 0x40000000, .eax = 1, .ebx = 2, .ecx = 3, .edx = 4 },
		{ .function = 7, .index = 1, .flags = PVX_CPUID_INDEXED, .eax = 9 },
	};
	uint32_t out[4];
	bool ok = true;

	pvx_cpuid_answer(e, 2, 0x40000000, 55, out);
	EXPECT(out[0] == 1 && out[1] == 2 && out[2] == 3 && out[3] == 4);
	pvx_cpuid_answer(e, 2, 7, 1, out);
	EXPECT(out[0] == 9);
	pvx_cpuid_answer(e, 2, 7, 0, out);	/* that subleaf is absent: zeros */
	EXPECT(!out[0] && !out[1] && !out[2] && !out[3]);
	pvx_cpuid_answer(e, 2, 0x80000000, 0, out);
	EXPECT(!out[0] && !out[3]);
	return ok;
}

static int seen;

static int on_trap(void *o, struct pvx_vcpu *v, struct pvx_run *run)
{
	(void)o; (void)v;
	seen = 1;
	run->trap.regs.rip += run->trap.insn_len;
	return PVX_RUN_CONTINUE;
}

static int on_msr(void *o, struct pvx_vcpu *v, struct pvx_run *run)
{
	(void)o; (void)v;
	seen = 3;
	run->msr.error = 1;
	return PVX_RUN_STOP;
}

/* Forwarded exits reach their callback; without one they end the loop. */
static bool forwarded_exits(void)
{
	static uint8_t map[8192] __attribute__((aligned(4096)));
	struct pvx_vcpu vcpu = { .fd = -1, .run = (struct pvx_run *)map,
				 .mmap_size = sizeof(map) };
	struct pvx_exit_ops ops = { .trap = on_trap, .msr = on_msr };
	struct pvx_run *run = vcpu.run;
	bool ok = true;

	run->exit_reason = PVX_EXIT_TRAP;
	run->trap.insn_len = 2;
	run->trap.regs.rip = 0x1000;
	EXPECT(pvx_vcpu_handle_exit(&vcpu, &ops, NULL) == PVX_RUN_CONTINUE);
	EXPECT(seen == 1 && run->trap.regs.rip == 0x1002);
	run->exit_reason = PVX_EXIT_CPUID;
	EXPECT(pvx_vcpu_handle_exit(&vcpu, &ops, NULL) == PVX_RUN_STOP);
	run->exit_reason = PVX_EXIT_MSR;
	run->msr.is_write = 1;
	run->msr.error = 1;
	seen = 0;
	EXPECT(pvx_vcpu_handle_exit(&vcpu, &ops, NULL) == PVX_RUN_STOP);
	EXPECT(seen == 3 && run->msr.error == 1);
	run->msr.is_write = 2;
	EXPECT(pvx_vcpu_handle_exit(&vcpu, &ops, NULL) == -EPROTO);
	return ok;
}

static const struct unit_case cases[] = {
	{ "policy builder: defaults, trap bits and the reasons they forward, exceptions, ranges (EINVAL, E2BIG)", policy_builder },
	{ "names of exceptions (by mnemonic, any case, with #) and of the new exits", names },
	{ "pvx_cpuid_answer: the table's entry, subleaves, zeros for an absent leaf", cpuid_answer },
	{ "run loop: PVX_EXIT_TRAP/_MSR reach their callback, no callback stops, a bad MSR exit is EPROTO", forwarded_exits },
};

int main(void)
{
	return UNIT_RUN(cases);
}
