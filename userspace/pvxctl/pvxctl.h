/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvxctl's commands and the helpers they share.
 *
 * Exit status: 0 on success, 1 when the command failed, 2 on a usage error;
 * `pvxctl run` exits with the guest's status when the guest wrote the exit
 * port.
 */
#ifndef PVXCTL_H
#define PVXCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdnoreturn.h>

#include "libpvx.h"

#define EXIT_USAGE 2

/* "pvxctl: " + the message + ": " + strerror(-@err) on stderr; exit 1. */
noreturn void die_errno(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "pvxctl: " + the message on stderr; exit 1. */
noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Open /dev/pvx, or exit 1 with the cause and the fix. */
int open_system(void);
/* Exit 1 unless pvx.ko speaks this pvxctl's API version. */
void check_api_version(int sys_fd);

/* --disk options of `pvxctl run` at most (userspace/backends PVBE_MAX_DISKS). */
#define PVXCTL_MAX_DISKS	4

/* What `pvxctl run` was asked for. */
struct run_opts {
	const char *image;
	unsigned int mem_mib;
	enum pvx_mode mode;
	unsigned int cpus;
	bool trap;			/* --trap given: set @policy */
	bool log;			/* --log: a line per forwarded exit */
	struct pvx_exit_policy policy;
	bool stats;		/* --stats: the VM's PVX_GET_STATS at the end */
	bool json;		/* --json: ... as JSON; the guest's UART to stderr */
	bool pv;		/* --pv: Xen's guest ABI (PVX_PV_ENABLE) */
	bool pvh;		/* pvxctl boot: a PVH kernel, no pvx ports: string
				 * I/O to absent ports, 0xE9 prints */
	/* --disk FILE[,ro] (each one more xvd*), --console: with --pv only. */
	const char *disks[PVXCTL_MAX_DISKS];
	bool disk_ro[PVXCTL_MAX_DISKS];
	unsigned int ndisks;
	bool console;
	const char *mark;	/* with @pv: time the first appearance of this */
	int hvc_fd;		/* with @pv: the console backend's output
				 * (non-blocking, copied to stdout), or -1 */
};

/*
 * --pv: pvxctl's exit status when the guest ends with SCHEDOP_shutdown
 * (PVX_EXIT_PV_SHUTDOWN): 0 for SHUTDOWN_poweroff, PVXCTL_PV_STATUS_BASE +
 * the reason for the others (reboot 11, suspend 12, crash 13, watchdog
 * 14, soft_reset 15, and so on up to PVXCTL_PV_STATUS_MAX for any larger
 * reason).
 */
#define PVXCTL_PV_STATUS_BASE	10
#define PVXCTL_PV_STATUS_MAX	19
int pv_shutdown_status(uint32_t reason);

/*
 * pvxctl_trap.c: --trap LIST into @p (which starts as pvx_policy_init()
 * made it); 0, or -EINVAL with the reason in @msg.
 */
int trap_parse(const char *list, struct pvx_exit_policy *p, char *msg,
	       size_t len);

/* pvxctl's emulation state of the exits --trap forwards. */
struct trap_emu {
	bool log;
	int nent;
	struct pvx_cpuid_entry cpuid[PVX_MAX_CPUID_ENTRIES];
	struct {
		uint64_t dr[8];
		uint64_t cr8;
		uint64_t tsc;		/* the virtual TSC */
	} v[PVX_MAX_VCPUS];
};

void trap_emu_init(struct trap_emu *t, bool log, unsigned int cpus);
/* pvx_exit_ops.trap, .cpuid and .msr, with @t for opaque. */
int trap_exit(struct trap_emu *t, struct pvx_vcpu *vcpu, struct pvx_run *run);
int trap_cpuid(struct trap_emu *t, struct pvx_vcpu *vcpu, struct pvx_run *run);
int trap_msr(struct trap_emu *t, struct pvx_vcpu *vcpu, struct pvx_run *run);

/* The commands: argv[0] is the command's name. */
int cmd_run(int argc, char **argv);
int cmd_boot(int argc, char **argv);
void boot_usage(FILE *out);
/* `pvxctl run`'s usage, for `pvxctl --help` and `pvxctl run --help`. */
void run_usage(FILE *out);

/*
 * pvxctl_guest.c: run vCPUs 0 .. @o->cpus - 1 of @vm, each on its own
 * thread, until the guest ends; print the summary on stderr and return
 * pvxctl's exit status.
 */
int run_guest(struct pvx_vm *vm, const struct run_opts *o);

/* pvxctl_stats.c: `pvxctl stats`, and the printer `run --stats` uses. */
int cmd_stats(int argc, char **argv);
void stats_usage(FILE *out);
/* A table of the non-zero counters, or (@json) one JSON object line. */
void print_stats(FILE *out, const struct pvx_stats *st, bool json);

#endif /* PVXCTL_H */
