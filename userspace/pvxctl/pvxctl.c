// SPDX-License-Identifier: GPL-2.0
/*
 * pvxctl: the command line of the pvx hypervisor.
 *
 * Exit status: 0 on success, 1 when the command failed, 2 on a usage error.
 * Errors go to stderr and name the cause and, where there is one, the fix.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pvxctl.h"

void die_errno(int err, const char *fmt, ...)
{
	va_list ap;

	fputs("pvxctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(-err));
	exit(EXIT_FAILURE);
}

void die(const char *fmt, ...)
{
	va_list ap;

	fputs("pvxctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_FAILURE);
}

int open_system(void)
{
	int fd = pvx_open_system();

	if (fd < 0) {
		fprintf(stderr, "pvxctl: %s (%s)\n", pvx_open_hint(fd),
			strerror(-fd));
		exit(EXIT_FAILURE);
	}
	return fd;
}

void check_api_version(int sys_fd)
{
	int version = pvx_api_version(sys_fd);

	if (version < 0)
		die_errno(version, "PVX_GET_API_VERSION");
	if (version != PVX_API_VERSION)
		die("pvx.ko speaks API version %d, pvxctl %d: build pvxctl and pvx.ko from the same tree",
		    version, PVX_API_VERSION);
}

static const char *yes_no(int b)
{
	return b ? "yes" : "no";
}

static void print_caps(const struct pvx_caps *caps)
{
	printf("VMCS revision %#x, VMCS size %u bytes\n", caps->vmcs_revision,
	       caps->vmcs_size);
	printf("TSC %u kHz", caps->tsc_khz);
	if (caps->features & PVX_CAP_PREEMPTION_TIMER)
		printf(", preemption timer ticks every 2^%u TSC cycles",
		       caps->preemption_timer_shift);
	printf("\n");
	for (int have = 1; have >= 0; have--) {
		printf(have ? "features:" : "absent:  ");
		for (int bit = 0; bit < 64; bit++) {
			const char *name = pvx_cap_name(1ULL << bit);

			if (name && !!(caps->features & (1ULL << bit)) == have)
				printf(" %s", name);
		}
		printf("\n");
	}
}

static int print_cpus(int fd, unsigned int nr_cpu_ids)
{
	struct pvx_cpu_state st;
	unsigned int online = 0, in_root = 0;

	printf("%-4s %-7s %-9s %-9s %-18s %s\n", "cpu", "online", "vmx-root",
	       "cr4.vmxe", "vmxon-region", "vmxons");
	for (unsigned int cpu = 0; cpu < nr_cpu_ids; cpu++) {
		int r = pvx_get_cpu_state(fd, cpu, &st);

		if (r == -EINVAL)	/* not a possible CPU */
			continue;
		if (r)
			die_errno(r, "PVX_GET_CPU_STATE(cpu %u)", cpu);
		printf("%-4u %-7s %-9s %-9s %#-18llx %llu\n", cpu,
		       yes_no(st.state & PVX_CPU_ONLINE),
		       yes_no(st.state & PVX_CPU_VMX_ROOT),
		       yes_no(st.state & PVX_CPU_CR4_VMXE),
		       (unsigned long long)st.vmxon_pa,
		       (unsigned long long)st.vmxon_count);
		online += !!(st.state & PVX_CPU_ONLINE);
		in_root += (st.state & (PVX_CPU_ONLINE | PVX_CPU_VMX_ROOT |
					PVX_CPU_CR4_VMXE)) ==
			   (PVX_CPU_ONLINE | PVX_CPU_VMX_ROOT | PVX_CPU_CR4_VMXE);
	}
	printf("%u of %u online CPUs in VMX root\n", in_root, online);
	return in_root == online ? 0 : EXIT_FAILURE;
}

static int cmd_info(int argc, char **argv)
{
	struct pvx_caps caps;
	int fd, version, r;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "pvxctl: info takes no arguments\n");
		return EXIT_USAGE;
	}
	fd = open_system();
	version = pvx_api_version(fd);
	if (version < 0)
		die_errno(version, "PVX_GET_API_VERSION");
	printf("pvx API version %d (pvxctl speaks %d)\n", version,
	       PVX_API_VERSION);
	if (version != PVX_API_VERSION) {
		fprintf(stderr, "pvxctl: API version mismatch: build pvxctl and pvx.ko from the same tree\n");
		return EXIT_FAILURE;
	}
	r = pvx_get_caps(fd, &caps);
	if (r)
		die_errno(r, "PVX_GET_CAPS");
	print_caps(&caps);
	r = print_cpus(fd, caps.nr_cpu_ids);
	close(fd);
	return r;
}

static int cmd_help(int argc, char **argv);

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "info", cmd_info, "API version, capabilities and each host CPU's VMX state" },
	{ "run", cmd_run, "run a guest image (ELF64 by its headers, else flat)" },
	{ "boot", cmd_boot, "boot a kernel as a Xen PVH guest, with its console and disk" },
	{ "stats", cmd_stats, "every live VM's exits by reason, with the ticks pvx spent" },
	{ "help", cmd_help, "this text" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: pvxctl [--help] [--version] COMMAND [ARGS]\n\n"
		     "Drive the pvx hypervisor through " PVX_DEV_PATH ".\n\n"
		     "commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(out, "\n");
	run_usage(out);
	fprintf(out, "\n");
	boot_usage(out);
	fprintf(out, "\n");
	stats_usage(out);
	fprintf(out, "\nExit status: 0 on success, 1 on failure, 2 on a usage error;\n"
		     "pvxctl run: the guest's status when it writes the exit port.\n");
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(argc - 1, argv + 1);
	if (!strcmp(argv[1], "--version")) {
		printf("pvxctl for pvx API %d\n", PVX_API_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "pvxctl: unknown command '%s' (try pvxctl --help)\n",
		argv[1]);
	return EXIT_USAGE;
}
