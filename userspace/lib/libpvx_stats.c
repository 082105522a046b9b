// SPDX-License-Identifier: LGPL-2.1
/*
 * libpvx: statistics, by PVX_GET_STATS or from debugfs's text.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "libpvx.h"

int pvx_get_stats(int fd, struct pvx_stats *st)
{
	memset(st, 0, sizeof(*st));
	return ioctl(fd, PVX_GET_STATS, st) < 0 ? -errno : 0;
}

/* Basic exit reasons, SDM Vol. 3D Appendix C; the kernel's pvx_stats.c. */
static const char *const vmx_exit_names[PVX_STATS_NR_REASONS] = {
	[0] = "exception_nmi", [1] = "external_interrupt",
	[2] = "triple_fault", [3] = "init_signal", [4] = "sipi",
	[5] = "io_smi", [6] = "other_smi", [7] = "interrupt_window",
	[8] = "nmi_window", [9] = "task_switch", [10] = "cpuid",
	[11] = "getsec", [12] = "hlt", [13] = "invd", [14] = "invlpg",
	[15] = "rdpmc", [16] = "rdtsc", [17] = "rsm", [18] = "vmcall",
	[19] = "vmclear", [20] = "vmlaunch", [21] = "vmptrld",
	[22] = "vmptrst", [23] = "vmread", [24] = "vmresume",
	[25] = "vmwrite", [26] = "vmxoff", [27] = "vmxon",
	[28] = "cr_access", [29] = "dr_access", [30] = "io_instruction",
	[31] = "rdmsr", [32] = "wrmsr", [33] = "entry_fail_guest_state",
	[34] = "entry_fail_msr_load", [36] = "mwait",
	[37] = "monitor_trap_flag", [39] = "monitor", [40] = "pause",
	[41] = "entry_fail_machine_check", [43] = "tpr_below_threshold",
	[44] = "apic_access", [45] = "virtualized_eoi", [46] = "gdtr_idtr",
	[47] = "ldtr_tr", [48] = "ept_violation", [49] = "ept_misconfig",
	[50] = "invept", [51] = "rdtscp", [52] = "preemption_timer",
	[53] = "invvpid", [54] = "wbinvd", [55] = "xsetbv",
	[56] = "apic_write", [57] = "rdrand", [58] = "invpcid",
	[59] = "vmfunc", [60] = "encls", [61] = "rdseed",
	[62] = "pml_full", [63] = "xsaves", [64] = "xrstors",
	[65] = "pconfig", [66] = "spp_event", [67] = "umwait",
	[68] = "tpause", [69] = "loadiwkey", [70] = "enclv",
	[72] = "enqcmd_pasid_fail", [73] = "enqcmds_pasid_fail",
	[74] = "bus_lock", [75] = "instruction_timeout", [76] = "seamcall",
	[77] = "tdcall", [78] = "rdmsrlist", [79] = "wrmsrlist",
};

const char *pvx_vmx_exit_name(uint32_t reason)
{
	return reason < PVX_STATS_NR_REASONS ? vmx_exit_names[reason] : NULL;
}

/* The lines "KEY\tVALUE" of debugfs's stats, and where VALUE goes. */
static uint64_t *counter_by_key(struct pvx_stats *st, const char *key)
{
	static const struct {
		const char *key;
		size_t offset;
	} keys[] = {
		{ "entries", offsetof(struct pvx_stats, entries) },
		{ "injected_interrupts", offsetof(struct pvx_stats, injected_interrupts) },
		{ "injected_nmis", offsetof(struct pvx_stats, injected_nmis) },
		{ "injected_exceptions", offsetof(struct pvx_stats, injected_exceptions) },
		{ "halt_blocks", offsetof(struct pvx_stats, halt_blocks) },
		{ "halt_wakeups", offsetof(struct pvx_stats, halt_wakeups) },
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(key, keys[i].key))
			return (uint64_t *)((char *)st + keys[i].offset);
	return NULL;
}

/*
 * One line: "exit\tREASON\tNAME\tCOUNT\tTICKS\tTICKS_PER_EXIT",
 * "userspace_exit\tREASON\tNAME\tCOUNT" or "KEY\tVALUE". 0 or -EPROTO.
 */
static int parse_line(char *line, struct pvx_stats *st)
{
	char key[32], name[64];
	uint64_t a, b, c, *counter;
	unsigned int reason;
	int n = 0;

	if (line[0] == '#' || line[0] == '\0')
		return 0;
	if (sscanf(line, "exit\t%u\t%63s\t%" SCNu64 "\t%" SCNu64 "\t%" SCNu64 "%n",
		   &reason, name, &a, &b, &c, &n) == 5 && !line[n]) {
		if (reason >= PVX_STATS_NR_REASONS)
			return -EPROTO;
		st->exits[reason] = a;
		st->ticks[reason] = b;
		return 0;
	}
	if (sscanf(line, "userspace_exit\t%u\t%63s\t%" SCNu64 "%n",
		   &reason, name, &a, &n) == 3 && !line[n]) {
		if (reason >= PVX_STATS_NR_EXITS)
			return -EPROTO;
		st->userspace_exits[reason] = a;
		return 0;
	}
	if (sscanf(line, "%31s\t%" SCNu64 "%n", key, &a, &n) == 2 && !line[n]) {
		counter = counter_by_key(st, key);
		if (!counter)
			return -EPROTO;
		*counter = a;
		return 0;
	}
	return -EPROTO;
}

int pvx_stats_parse(const char *text, struct pvx_stats *st)
{
	char *copy = strdup(text), *line, *save = NULL;
	int r = 0;

	memset(st, 0, sizeof(*st));
	st->nr_reasons = PVX_STATS_NR_REASONS;
	if (!copy)
		return -ENOMEM;
	for (line = strtok_r(copy, "\n", &save); line && !r;
	     line = strtok_r(NULL, "\n", &save))
		r = parse_line(line, st);
	free(copy);
	return r;
}
