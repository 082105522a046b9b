/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by pvx's selftests: loading modules, reading the kernel
 * log, CPU hotplug, and checking the VMX state of every CPU.
 */
#ifndef PVX_TEST_H
#define PVX_TEST_H

#include <stdbool.h>
#include <stddef.h>

/* Where pvx.ko is: $PVX_KO, else /pvx/pvx.ko (its place in the test box). */
const char *pvxtest_ko_path(void);

/* finit_module() of a .ko file; 0 or -errno. */
int pvxtest_insmod(const char *path);
/* delete_module(); 0 or -errno. */
int pvxtest_rmmod(const char *name);
/* Is a module of that name loaded (/sys/module/NAME/initstate)? */
bool pvxtest_module_loaded(const char *name);
/* Load pvx if it is not loaded; 0 or -errno. */
int pvxtest_load_pvx(void);
/* Load irqbypass, kvm and kvm-intel from /lib/modules/`uname -r`. */
int pvxtest_load_kvm(void);
/* Unload kvm-intel, kvm and irqbypass. */
int pvxtest_unload_kvm(void);

/*
 * An option of one test, beside the common ones: "--name VALUE" stores
 * VALUE in *@value; "--name" alone (no @value) sets *@flag. A list of them
 * ends with an entry whose @name is NULL.
 */
struct pvxtest_opt {
	const char *name;
	const char **value;
	bool *flag;
};

/*
 * The start of a selftest's main(): read the options, the common ones
 * (--no-load: do not load pvx.ko; --guests DIR: the guest images are in
 * DIR, see pvxtest_guest_dir()) and those of @opts (may be NULL), print
 * the TAP plan of @nr_points, and load pvx unless --no-load (bail out if it
 * does not load). Unknown arguments are ignored.
 */
void pvxtest_begin(int argc, char **argv, const struct pvxtest_opt *opts,
		   int nr_points);
/* pvxtest_begin(), then open /dev/pvx: its fd (bail out if it fails). */
int pvxtest_start(int argc, char **argv, const struct pvxtest_opt *opts,
		  int nr_points);
/* The guest images' directory: --guests DIR, else /pvx/guests. */
const char *pvxtest_guest_dir(void);

/* An fd on /dev/kmsg positioned after the last message, or -errno. */
int kmsg_open_end(void);
/* The messages logged since the last call, one per line (malloc'd). */
char *kmsg_read_new(int fd);

/* The whole of a small text file (malloc'd), or NULL. */
char *read_text(const char *path);
/* Write a string to a sysfs/procfs file; 0 or -errno. */
int write_text(const char *path, const char *s);

/*
 * Pages allocated minus pages freed since boot (/proc/vmstat's pgalloc_*
 * and pgfree), once deferred frees (RCU, workqueues) have settled: the
 * difference of two readings is what the code in between kept.
 */
long long settled_net_page_allocs(void);

/* debugfs pvx/live: the objects pvx holds right now. */
struct pvxtest_live {
	long vms, vcpus, pinned_pages, ept_tables;
	long evtchn_ports, evtchn_eventfds, pv_timers;	/* pv/ */
};

/* Read pvx/live; false if debugfs or the file is missing. */
bool pvxtest_read_live(struct pvxtest_live *l);

/*
 * Wait (up to 5 s: freeing may trail the last close) until pvx/live
 * equals @want; *@now gets the last reading. True if it did.
 */
bool pvxtest_live_settles(const struct pvxtest_live *want,
			  struct pvxtest_live *now);

/* CPU hotplug through /sys/devices/system/cpu/cpuN/online; 0 or -errno. */
int set_cpu_online(unsigned int cpu, bool online);
/* Number of online CPUs. */
int online_cpus(void);

/*
 * Through PVX_GET_CPU_STATE: is every online CPU in VMX root with CR4.VMXE
 * set? On "no", @why says which CPU and what. Returns the number of online
 * CPUs checked, or -errno if /dev/pvx failed.
 */
int pvxtest_check_all_cpus_in_root(bool *all, char *why, size_t len);

/*
 * Run a program, capturing stdout and stderr (NUL-terminated, truncated to
 * the buffers). Returns its exit status, or -1 if it did not exit.
 */
int run_capture(char *const argv[], char *out, size_t out_len,
		char *err, size_t err_len);
/* The same, killing the program (return -1) after @secs seconds (0: never). */
int run_capture_timeout(char *const argv[], unsigned int secs, char *out,
			size_t out_len, char *err, size_t err_len);
/*
 * The same with @input (NUL-terminated; NULL: none) as the program's stdin,
 * a pipe that ends after it (at most 64 KiB, what a pipe holds: -1 beyond).
 */
int run_capture_input(char *const argv[], unsigned int secs, const char *input,
		      char *out, size_t out_len, char *err, size_t err_len);

#endif /* PVX_TEST_H */
