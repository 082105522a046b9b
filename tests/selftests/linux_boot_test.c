// SPDX-License-Identifier: GPL-2.0
/*
 * linux_boot_test [--guests DIR] [--no-load]: the box's own Debian kernel
 * booted inside pvx as a Xen PVH guest by `pvxctl boot`, with what
 * `make linux-guest` staged in /pvx/linux (vmlinux, an initramfs whose
 * /init loads xen-blkfront and ext4 from the same kernel package, an ext4
 * image with a marker file):
 *  - without a disk: the kernel prints its banner through console_io
 *    (earlyprintk=xen), switches to the Xen clocksource, binds its events
 *    with the 2-level ABI, gets hvc0, reaches /init (whose lines come over
 *    hvc0), and halts after poweroff: pvxctl exits 0; no WARNING or BUG of
 *    its own;
 *  - with a copy of the disk as xvda: xen-blkfront finds it, /init mounts
 *    it, prints the marker, writes guest-wrote, syncs, and (pvx.shell)
 *    starts a shell on hvc0 whose input is pvxctl's stdin, a pipe here:
 *    the shell prints xvda's size in sectors (sysfs) and the kernel
 *    release, computed in the guest, which must be the image's size / 512
 *    and the box's own release (the same kernel), then powers off; the
 *    host then finds the guest's text in the image;
 *  - with --cpus 2 (no disk): vCPU 1 started by the guest's INIT-SIPI-SIPI
 *    through the x2APIC, its vcpu_info registered by vCPU 0, its own
 *    VIRQ_TIMER and IPI event channels: "smp: Brought up 1 node, 2 CPUs",
 *    nproc 2, one package of two cores as CPUID describes it (smpboot
 *    converts no package id and counts 1 package; /proc/cpuinfo: the
 *    same physical id, cpu cores 2, core id and apicid distinct, apicid =
 *    initial apicid = CPU number), the Xen clocksource, no complaint
 *    about the xenstore's cpu/N/availability; /init moves a shell onto CPU 1 (taskset), which
 *    reports CPU 1, and CPU 1's Xen IPI count in /proc/interrupts rises
 *    across the move while its timer count is not 0; CPU 1 offline (its
 *    vCPU halts with interrupts off: down until INIT-SIPI) leaves nproc 1,
 *    online again (a second INIT-SIPI-SIPI) nproc 2, and a shell runs on
 *    it again; poweroff (the last vCPU's HLT), exit 0, no WARNING/BUG.
 * In all, the guest finds the xenstore nodes libxl gives a domU
 * (userspace/backends/xs_conn.c, domain.c): xen:manage logs no error
 * writing control/feature-poweroff and the like, xen:cpu_hotplug none
 * reading cpu/N/availability.
 * Each run's time to /init (pvxctl --mark) goes to the TAP diagnostics.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "pvxtest.h"
#include "tap.h"

#define NR_POINTS	3
#define OUT_MAX		(1 << 20)
#define LINUX_DIR	"/pvx/linux"
#define DISK_COPY	"/tmp/linux_boot_test.img"
#define CMDLINE		"console=hvc0 earlyprintk=xen ignore_loglevel"
/* The shell's commands: what they print comes from the guest only. */
#define SHELL_INPUT	"echo \"pvx-shell: xvda $(cat /sys/class/block/xvda/size) sectors\"\n" \
			"echo \"pvx-shell: release $(uname -r)\"\n" \
			"poweroff -f\n"

static char *out, *err;

/*
 * pvxctl boot with @cpus vCPUs ("1", "2"), @disk as xvda unless NULL; with
 * @shell_input: pvx.shell, and the input piped to pvxctl's stdin.
 */
static int boot(const char *cpus, const char *disk, const char *shell_input)
{
	char *argv[] = { "pvxctl", "boot", "--kernel", LINUX_DIR "/vmlinux",
			 "--initrd", LINUX_DIR "/initrd.cpio.gz", "--mem", "256",
			 "--cpus", (char *)cpus,
			 "--cmdline", shell_input ? CMDLINE " pvx.shell" : CMDLINE,
			 "--mark", "pvx-guest: init reached",
			 disk ? "--disk" : NULL, (char *)disk, NULL };

	return run_capture_input(argv, 1500, shell_input, out, OUT_MAX, err, OUT_MAX);
}

/*
 * No xenstore error about control/ or cpu/ in the guest's log: xen:manage's
 * "Error -13 writing feature-poweroff" (EACCES) was one, xen:cpu_hotplug's
 * "Unable to read cpu state" another.
 */
static bool xenstore_clean(void)
{
	for (const char *l = out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		size_t len = strcspn(l, "\n");
		char line[512];

		snprintf(line, sizeof(line), "%.*s", (int)len, l);
		if ((strstr(line, "xen:manage") || strstr(line, "control/")) &&
		    (strstr(line, "rror") || strstr(line, "-13")))
			return false;
		if (strstr(line, "xen:cpu_hotplug") && strstr(line, "Unable"))
			return false;
	}
	return true;
}

static void diag_tail(void)
{
	size_t n = strlen(out);

	tap_diag("stdout (end): %s", out + (n > 3000 ? n - 3000 : 0));
	tap_diag("stderr: %s", err);
}

/*
 * No kernel warning (WARN's "WARNING: CPU: N PID: ..."), BUG or oops, no
 * stack dump (an unchecked MSR access prints one) in the guest's log.
 * "RETBleed: WARNING: ..." is a mitigation notice about the CPU model.
 */
static bool guest_clean(void)
{
	return !strstr(out, "WARNING: CPU:") && !strstr(out, "BUG:") &&
	       !strstr(out, "Oops") && !strstr(out, "Call Trace");
}

static void no_disk_case(void)
{
	int rc = boot("1", NULL, NULL);
	bool ok = true;

	EXPECT(rc == 0);
	EXPECT(strstr(out, "Linux version 6.1"));
	EXPECT(strstr(out, "clocksource: Switched to clocksource xen"));
	EXPECT(strstr(out, "2-level"));
	EXPECT(strstr(out, "hvc0"));
	EXPECT(strstr(out, "pvx-guest: init reached"));
	EXPECT(strstr(out, "pvx-guest: nproc 1"));
	EXPECT(guest_clean());
	EXPECT(xenstore_clean());
	tap_diag("%s", strstr(err, "pvxctl: mark") ? strstr(err, "pvxctl: mark") : "no mark");
	if (!ok)
		diag_tail();
	tap_ok(ok, "Linux PVH without a disk: banner on console_io, Xen clocksource, 2-level events, hvc0, /init reached, poweroff; no WARNING/BUG, no control/ or cpu/ xenstore error");
}

static bool image_has(const char *path, const char *text)
{
	size_t len, tlen = strlen(text);
	char *img = NULL;
	bool found = false;
	FILE *f = fopen(path, "r");
	struct stat st;

	if (!f || fstat(fileno(f), &st) || !(img = malloc(st.st_size)))
		goto out;
	len = fread(img, 1, st.st_size, f);
	found = memmem(img, len, text, tlen) != NULL;
out:
	free(img);
	if (f)
		fclose(f);
	return found;
}

static void disk_case(void)
{
	char *cp[] = { "cp", LINUX_DIR "/disk.img", DISK_COPY, NULL };
	char want_size[64], want_release[128];
	struct utsname u;
	struct stat st;
	bool ok = true;
	int rc;

	EXPECT(run_capture(cp, out, OUT_MAX, err, OUT_MAX) == 0);
	EXPECT(!stat(DISK_COPY, &st) && !uname(&u));
	snprintf(want_size, sizeof(want_size), "pvx-shell: xvda %lld sectors",
		 (long long)st.st_size / 512);
	snprintf(want_release, sizeof(want_release), "pvx-shell: release %s", u.release);
	rc = boot("1", DISK_COPY, SHELL_INPUT);
	EXPECT(rc == 0);
	EXPECT(strstr(out, "xvda"));
	EXPECT(strstr(out, "pvx-guest: marker: pvx marker"));
	EXPECT(strstr(out, "pvx-guest: wrote guest-wrote"));
	EXPECT(strstr(out, "pvx-guest: shell on hvc0"));
	EXPECT(strstr(out, want_size));
	EXPECT(strstr(out, want_release));
	/* the shell's poweroff, not /init's after the shell */
	EXPECT(!strstr(out, "pvx-guest: done"));
	EXPECT(image_has(DISK_COPY, "written by the pvx guest"));
	EXPECT(guest_clean());
	EXPECT(xenstore_clean());
	tap_diag("shell: \"%s\", \"%s\"", want_size, want_release);
	tap_diag("%s", strstr(err, "pvxctl: mark") ? strstr(err, "pvxctl: mark") : "no mark");
	if (!ok)
		diag_tail();
	unlink(DISK_COPY);
	tap_ok(ok, "Linux PVH with xvda: xen-blkfront, ext4 mounted, marker read, guest-wrote written and found in the image on the host; a shell on hvc0 fed by a pipe printed xvda's size and the kernel release; no control/ or cpu/ xenstore error");
}

/* The two numbers of /init's "pvx-guest: cpu1 TAG ipi N timer M" line. */
static bool cpu1_counts(const char *tag, long *ipi, long *timer)
{
	char key[48];
	const char *line;

	snprintf(key, sizeof(key), "pvx-guest: cpu1 %s ", tag);
	line = strstr(out, key);
	return line && sscanf(line + strlen(key), "ipi %ld timer %ld", ipi,
			      timer) == 2;
}

/* The number N of /init's line "pvx-guest: cpu1 @what N", or -1. */
static long cpu1_number(const char *what)
{
	char key[64];
	const char *line;
	char *end;
	long n;

	snprintf(key, sizeof(key), "pvx-guest: cpu1 %s ", what);
	line = strstr(out, key);
	if (!line)
		return -1;
	n = strtol(line + strlen(key), &end, 10);
	return end != line + strlen(key) && (*end == '\r' || *end == '\n') ?
	       n : -1;
}

/*
 * /init's "pvx-guest: cpuinfo cpu N ..." lines: both CPUs in package 0 of
 * two cores, distinct core ids and APIC ids, each APIC id its initial one
 * (CPUID) and its CPU number (the MADT's order, APIC id = vCPU id).
 */
static bool one_package(void)
{
	unsigned int phys[2], core[2], cores[2], apic[2], initial[2];
	bool ok = true;

	for (unsigned int cpu = 0; cpu < 2; cpu++) {
		char key[48];
		const char *line;

		snprintf(key, sizeof(key), "pvx-guest: cpuinfo cpu %u ", cpu);
		line = strstr(out, key);
		if (!line || sscanf(line + strlen(key),
				    "physical %u core %u cores %u apicid %u initial %u",
				    &phys[cpu], &core[cpu], &cores[cpu], &apic[cpu],
				    &initial[cpu]) != 5)
			return false;
		tap_diag("%.*s", (int)strcspn(line, "\r\n"), line);
		EXPECT(cores[cpu] == 2 && apic[cpu] == initial[cpu] &&
		       apic[cpu] == cpu);
	}
	EXPECT(phys[0] == phys[1] && core[0] != core[1] && apic[0] != apic[1]);
	return ok;
}

static void smp_case(void)
{
	long ipi0 = 0, ipi1 = 0, timer0 = 0, timer1 = 0;
	int rc = boot("2", NULL, NULL);
	bool ok = true;

	EXPECT(rc == 0);
	EXPECT(strstr(out, "smp: Brought up 1 node, 2 CPUs"));
	EXPECT(strstr(out, "pvx-guest: nproc 2"));
	/* CPUID's topology: one package, not one per vCPU (smpboot's view). */
	EXPECT(!strstr(out, "Converting physical"));
	EXPECT(!strstr(out, "Max logical packages: 2"));
	EXPECT(one_package());
	EXPECT(strstr(out, "clocksource: Switched to clocksource xen"));
	EXPECT(xenstore_clean());
	EXPECT(cpu1_number("ran on cpu") == 1);
	EXPECT(cpu1_counts("before", &ipi0, &timer0));
	EXPECT(cpu1_counts("after", &ipi1, &timer1));
	EXPECT(ipi1 > ipi0);
	EXPECT(timer0 > 0 && timer1 >= timer0);
	EXPECT(cpu1_number("offline, nproc") == 1);
	EXPECT(cpu1_number("online, nproc") == 2);
	EXPECT(cpu1_number("back, ran on cpu") == 1);
	EXPECT(strstr(out, "pvx-guest: done"));
	EXPECT(guest_clean());
	tap_diag("CPU 1: Xen IPIs %ld -> %ld, timer events %ld -> %ld", ipi0,
		 ipi1, timer0, timer1);
	tap_diag("%s", strstr(err, "pvxctl: mark") ? strstr(err, "pvxctl: mark") : "no mark");
	if (!ok)
		diag_tail();
	tap_ok(ok, "Linux PVH with 2 vCPUs: CPU 1 up by INIT-SIPI, nproc 2, one package of 2 cores (dmesg, /proc/cpuinfo), Xen clocksource, a task moved to CPU 1 by IPI, CPU 1's IPI and timer events counted, CPU 1 offline and online again; poweroff; no WARNING/BUG");
}

int main(int argc, char **argv)
{
	int fd = pvxtest_start(argc, argv, NULL, NR_POINTS);

	out = malloc(OUT_MAX);
	err = malloc(OUT_MAX);
	if (!out || !err)
		tap_bail("out of memory");
	if (access(LINUX_DIR "/vmlinux", R_OK)) {
		tap_skip("no " LINUX_DIR " (make linux-guest before make box-rootfs)");
		tap_skip("no " LINUX_DIR);
		tap_skip("no " LINUX_DIR);
	} else {
		no_disk_case();
		disk_case();
		smp_case();
	}
	close(fd);
	return tap_finish();
}
