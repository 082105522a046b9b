// SPDX-License-Identifier: GPL-2.0
/*
 * stats_unit: libpvx's reading of debugfs's vm-PID-ID/stats text (the
 * format of core/pvx_stats.c's pvx_stats_show()), its refusal of lines it
 * does not know, and its exit-reason names, checked against the kernel's
 * table in core/pvx_stats.c (run from the top of the tree: `make unit`).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "unit.h"

static const char sample[] =
	"# exit\treason\tname\tcount\tticks\tticks_per_exit\n"
	"exit\t10\tcpuid\t14\t5892\t420\n"
	"exit\t79\twrmsrlist\t1\t2\t2\n"
	"entries\t39\n"
	"userspace_exit\t1\tio\t24\n"
	"userspace_exit\t15\texit_15\t3\n"
	"injected_interrupts\t4\ninjected_nmis\t5\n"
	"injected_exceptions\t6\n"
	"halt_blocks\t7\nhalt_wakeups\t8\n";

static bool parse_sample(void)
{
	struct pvx_stats st;
	bool ok = true;

	EXPECT(pvx_stats_parse(sample, &st) == 0);
	EXPECT(st.nr_reasons == PVX_STATS_NR_REASONS && !st.flags);
	EXPECT(st.exits[10] == 14 && st.ticks[10] == 5892);
	EXPECT(st.exits[79] == 1 && st.ticks[79] == 2);
	EXPECT(st.entries == 39);
	EXPECT(st.userspace_exits[1] == 24 && st.userspace_exits[15] == 3);
	EXPECT(st.injected_interrupts == 4 && st.injected_nmis == 5 &&
	       st.injected_exceptions == 6);
	EXPECT(st.halt_blocks == 7 && st.halt_wakeups == 8);
	EXPECT(st.exits[0] == 0 && st.ticks[11] == 0 && st.userspace_exits[2] == 0);
	EXPECT(pvx_stats_parse("", &st) == 0 && st.entries == 0);
	return ok;
}

/* (Any white space separates fields: a tolerant reader.) */
static bool parse_refuses(void)
{
	static const char *const bad[] = {
		"exit\t80\tx\t1\t1\t1\n",		/* reason out of range */
		"exit\t10\tcpuid\t1\t1\n",		/* a field missing */
		"exit\t10\tcpuid\t1\t1\t1\tmore\n",	/* one too many */
		"userspace_exit\t16\tx\t1\n",		/* reason out of range */
		"entries\t39 x\n",			/* trailing garbage */
		"entries\tmany\n",
		"frobs\t1\n",				/* an unknown counter */
	};
	struct pvx_stats st;
	bool ok = true;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (pvx_stats_parse(bad[i], &st) != -EPROTO) {
			tap_diag("accepted: %s", bad[i]);
			ok = false;
		}
	return ok;
}

static bool names(void)
{
	bool ok = true;

	EXPECT(!strcmp(pvx_vmx_exit_name(0), "exception_nmi"));
	EXPECT(!strcmp(pvx_vmx_exit_name(10), "cpuid"));
	EXPECT(!strcmp(pvx_vmx_exit_name(30), "io_instruction"));
	EXPECT(!strcmp(pvx_vmx_exit_name(48), "ept_violation"));
	EXPECT(!strcmp(pvx_vmx_exit_name(52), "preemption_timer"));
	EXPECT(!strcmp(pvx_vmx_exit_name(79), "wrmsrlist"));
	/* SDM Appendix C leaves these unused. */
	EXPECT(!pvx_vmx_exit_name(35) && !pvx_vmx_exit_name(38) &&
	       !pvx_vmx_exit_name(42) && !pvx_vmx_exit_name(71));
	EXPECT(!pvx_vmx_exit_name(PVX_STATS_NR_REASONS) &&
	       !pvx_vmx_exit_name(~0U));
	for (unsigned int i = 0; i < PVX_STATS_NR_REASONS; i++)
		for (unsigned int j = 0; j < i; j++)
			if (pvx_vmx_exit_name(i) && pvx_vmx_exit_name(j))
				EXPECT(strcmp(pvx_vmx_exit_name(i), pvx_vmx_exit_name(j)));
	return ok;
}

/* Every `[N] = "name",` of the kernel's table is libpvx's name for N. */
static bool names_match_kernel(void)
{
	FILE *f = fopen("core/pvx_stats.c", "r");
	unsigned int reason, found = 0, named = 0;
	char line[256], name[64];
	bool ok = f != NULL, in_table = false;

	while (f && fgets(line, sizeof(line), f)) {
		if (strstr(line, "pvx_exit_reason_names[PVX_STATS_NR_REASONS]"))
			in_table = true;
		else if (in_table && line[0] == '}')
			break;
		else if (in_table &&
			 sscanf(line, " [%u] = \"%63[^\"]\"", &reason, name) == 2) {
			found++;
			EXPECT(pvx_vmx_exit_name(reason) &&
			       !strcmp(pvx_vmx_exit_name(reason), name));
		}
	}
	if (f)
		fclose(f);
	for (unsigned int i = 0; i < PVX_STATS_NR_REASONS; i++)
		named += pvx_vmx_exit_name(i) != NULL;
	EXPECT(found && found == named);
	if (!ok)
		tap_diag("core/pvx_stats.c: %u names, libpvx %u", found, named);
	return ok;
}

static const struct unit_case cases[] = {
	{ "pvx_stats_parse: debugfs's stats text, every counter", parse_sample },
	{ "pvx_stats_parse: -EPROTO for lines it does not know", parse_refuses },
	{ "pvx_vmx_exit_name: SDM Appendix C names, NULL for unused reasons", names },
	{ "pvx_vmx_exit_name: the same names as the kernel's debugfs", names_match_kernel },
};

int main(void)
{
	return UNIT_RUN(cases);
}
