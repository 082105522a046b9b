// SPDX-License-Identifier: GPL-2.0
/*
 * linux_bench [--reads N]: make bench's rows for Debian's own kernel as a
 * Xen PVH guest of pvx (issue 12), from one `pvxctl boot` of what
 * `make linux-guest` staged in /pvx/linux, with a copy of its disk as
 * xvda and a shell on hvc0 (pvx.shell) fed by a pipe:
 *  - boot: host TSC ticks from the entry to the guest's /init (pvxctl
 *    boot --mark "pvx-guest: init reached"), and the VM's exits by reason
 *    over the whole run, entry to poweroff (pvxctl boot --stats: the
 *    kernel's boot, /init's module loads and disk work, the reads below);
 *  - 4 KiB reads through xen-blkfront: in the guest's shell, busybox dd of
 *    N 4 KiB blocks of /dev/xvda with O_DIRECT (each one a blkif request
 *    through the ring, the block backend and back: the guest's page cache
 *    is bypassed), beside the host's own: busybox dd of the same N blocks
 *    with O_DIRECT from /dev/loop0 over a copy of the same image (loop.ko
 *    of the same kernel package, staged by linux-guest.sh), so both sides
 *    are block requests, neither a page-cache hit in its own kernel. In
 *    the box both images live in its RAM (the box's rootfs is an
 *    initramfs, /tmp a tmpfs): the backend's pread and the loop driver's
 *    read of the file are memory copies on both sides, and what differs is
 *    the path to them.
 * Method for the reads: busybox dd prints no time, so each side reads the
 * kernel's monotonic clock (the "now at N nsecs" line of /proc/timer_list)
 * before and after a dd of 0 blocks (open, O_DIRECT, close: the fork, exec
 * and open cost) and after the dd of N blocks; ticks per read are
 * (t(N) - t(0)) / N nanoseconds times the host TSC rate. The guest's
 * monotonic clock is the Xen PV clock (clocksource xen), which pvx derives
 * from the host TSC at tsc_khz (pv/pv_time.c), so guest nanoseconds
 * convert back to host TSC ticks with the same rate as the host's own.
 *
 * Output: TAP (one point for the boot, one for the host reads: no timing
 * assertion) and for bench_report.py "# bench-row {json}" lines (rows
 * linux_boot_to_init, linux_xvda_read_4k, host_loop_read_4k) and one
 * "# bench-exits {json}" line with the exits by reason.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libpvx.h"
#include "pvxtest.h"
#include "tap.h"

#define NR_POINTS	2
#define OUT_MAX		(1 << 20)
#define LINUX_DIR	"/pvx/linux"
#define IMAGE		"/tmp/linux_bench.img"
#define LOOP_DEV	"/dev/loop0"
#define MARK		"pvx-guest: init reached"
#define CMDLINE		"console=hvc0 earlyprintk=xen pvx.shell"
#define MAX_REASONS	80

/*
 * The reads, for the guest's shell and the host's sh alike (%s: the
 * device, %u: N): t0, dd of 0 blocks, t1, dd of N blocks, t2.
 */
#define READS_SCRIPT \
	"ts() { echo \"pvx-bench: $1 $(grep -m1 'now at' /proc/timer_list)\"; }\n" \
	"ts 0; dd if=%1$s of=/dev/null bs=4k count=0 iflag=direct; " \
	"ts 1; dd if=%1$s of=/dev/null bs=4k count=%2$u iflag=direct; ts 2\n"

static char *out, *err;
static double tsc_per_ns;

struct exits {
	unsigned int n;
	char name[MAX_REASONS][32];
	unsigned long long count[MAX_REASONS];
};

/* The dd's time per 4 KiB read in @text's "pvx-bench: K now at N nsecs". */
static bool reads_ns(const char *text, unsigned int reads, double *ns)
{
	unsigned long long t[3] = { 0, 0, 0 };
	bool seen[3] = { false, false, false };

	for (const char *p = strstr(text, "pvx-bench: "); p;
	     p = strstr(p + 1, "pvx-bench: ")) {
		unsigned int k;
		unsigned long long v;

		if (sscanf(p, "pvx-bench: %u now at %llu nsecs", &k, &v) == 2 && k < 3) {
			t[k] = v;
			seen[k] = true;
		}
	}
	if (!seen[0] || !seen[1] || !seen[2] || t[1] < t[0] || t[2] < t[1])
		return false;
	*ns = ((double)(t[2] - t[1]) - (double)(t[1] - t[0])) / reads;
	return *ns > 0;
}

/* pvxctl's --stats table: "reason name exits ticks ticks/exit" rows. */
static void parse_exits(const char *text, struct exits *e)
{
	const char *p = strstr(text, "ticks/exit");

	e->n = 0;
	while (p && (p = strchr(p, '\n')) && e->n < MAX_REASONS) {
		unsigned int reason;
		unsigned long long count, ticks, per;
		char name[32];

		p++;
		if (sscanf(p, "%u %31s %llu %llu %llu", &reason, name, &count, &ticks,
			   &per) != 5)
			break;
		snprintf(e->name[e->n], sizeof(e->name[0]), "%s", name);
		e->count[e->n++] = count;
	}
}

static void print_row(const char *row, const char *label, const char *hv, double ticks,
		      unsigned long long ops, const char *note)
{
	printf("# bench-row {\"row\": \"%s\", \"label\": \"%s\", \"hv\": \"%s\", "
	       "\"ticks_per_op\": %.1f, \"ops\": %llu, \"note\": \"%s\"}\n",
	       row, label, hv, ticks, ops, note);
}

/* The run's length in pvxctl's last line: "pvxctl: HOW after S s on N vCPU". */
static double run_seconds(const char *text)
{
	double secs = 0, v;

	for (const char *p = strstr(text, " after "); p; p = strstr(p + 1, " after ")) {
		int n = 0;

		if (sscanf(p, " after %lf s on%n", &v, &n) == 1 && n > 0)
			secs = v;
	}
	return secs;
}

static void print_exits(const struct exits *e, double seconds)
{
	printf("# bench-exits {\"row\": \"linux_boot_exits\", \"label\": \"Linux PVH guest, "
	       "entry to poweroff\", \"seconds\": %.3f, \"exits\": {", seconds);
	for (unsigned int i = 0; i < e->n; i++)
		printf("%s\"%s\": %llu", i ? ", " : "", e->name[i], e->count[i]);
	printf("}}\n");
}

static bool copy_image(void)
{
	char *cp[] = { "cp", LINUX_DIR "/disk.img", IMAGE, NULL };

	return run_capture(cp, out, OUT_MAX, err, OUT_MAX) == 0;
}

static void guest_case(unsigned int reads)
{
	char input[1024], note[160];
	char *argv[] = { "pvxctl", "boot", "--kernel", LINUX_DIR "/vmlinux",
			 "--initrd", LINUX_DIR "/initrd.cpio.gz", "--mem", "256",
			 "--cmdline", CMDLINE, "--mark", MARK, "--stats",
			 "--disk", IMAGE, NULL };
	unsigned long long mark_ticks = 0;
	double mark_s = 0, ns = 0;
	struct exits e;
	const char *m;
	bool ok = true;

	snprintf(input, sizeof(input), READS_SCRIPT "poweroff -f\n", "/dev/xvda", reads);
	EXPECT(copy_image());
	EXPECT(run_capture_input(argv, 3000, input, out, OUT_MAX, err, OUT_MAX) == 0);
	m = strstr(err, "pvxctl: mark");
	EXPECT(m && sscanf(m, "pvxctl: mark \"" MARK "\" after %lf s, %llu host TSC ticks",
			   &mark_s, &mark_ticks) == 2);
	parse_exits(out, &e);
	EXPECT(e.n > 0);
	EXPECT(reads_ns(out, reads, &ns));
	unlink(IMAGE);
	if (!ok) {
		size_t n = strlen(out);

		tap_diag("stdout (end): %s", out + (n > 3000 ? n - 3000 : 0));
		tap_diag("stderr: %s", err);
	}
	tap_ok(ok, "Linux PVH boot: %.2f s to /init, %u exit reasons, %u O_DIRECT 4 KiB reads of xvda at %.0f ns each",
	       mark_s, e.n, reads, ns);
	if (!ok)
		return;
	snprintf(note, sizeof(note), "%.2f s", mark_s);
	print_row("linux_boot_to_init", "Linux PVH guest: entry to /init (1 vCPU)", "pvx",
		  (double)mark_ticks, 1, note);
	print_exits(&e, run_seconds(err));
	snprintf(note, sizeof(note), "%.1f us per read, dd in the guest", ns / 1000);
	print_row("linux_xvda_read_4k", "4 KiB O_DIRECT read, Linux guest (xen-blkfront)",
		  "pvx", ns * tsc_per_ns, reads, note);
	fflush(stdout);
}

/* /dev/loop0 over IMAGE, loop.ko loaded first if need be. */
static bool loop_up(void)
{
	char *insmod[] = { "insmod", LINUX_DIR "/loop.ko", NULL };
	char *losetup[] = { "losetup", LOOP_DEV, IMAGE, NULL };

	if (access(LOOP_DEV, F_OK) && run_capture(insmod, out, OUT_MAX, err, OUT_MAX))
		return false;
	for (int i = 0; i < 50 && access(LOOP_DEV, F_OK); i++)
		usleep(100000);	/* devtmpfs makes the node */
	return run_capture(losetup, out, OUT_MAX, err, OUT_MAX) == 0;
}

static void host_case(unsigned int reads)
{
	char script[1024], note[160];
	char *sh[] = { "sh", "-c", script, NULL };
	char *detach[] = { "losetup", "-d", LOOP_DEV, NULL };
	double ns = 0;
	bool ok = true, looped;

	snprintf(script, sizeof(script), READS_SCRIPT, LOOP_DEV, reads);
	EXPECT(copy_image());
	looped = loop_up();
	EXPECT(looped);
	EXPECT(looped && run_capture(sh, out, OUT_MAX, err, OUT_MAX) == 0);
	EXPECT(looped && reads_ns(out, reads, &ns));
	if (looped)
		EXPECT(run_capture(detach, out, OUT_MAX, err, OUT_MAX) == 0);
	unlink(IMAGE);
	if (!ok)
		tap_diag("stdout: %s\nstderr: %s", out, err);
	tap_ok(ok, "host: %u O_DIRECT 4 KiB reads of " LOOP_DEV " over the same image at %.0f ns each",
	       reads, ns);
	if (!ok)
		return;
	snprintf(note, sizeof(note), "%.1f us per read, dd on the host", ns / 1000);
	print_row("host_loop_read_4k", "4 KiB O_DIRECT read, host (loop device, same image)",
		  "host", ns * tsc_per_ns, reads, note);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	const char *reads_arg = "1000";
	const struct pvxtest_opt opts[] = {
		{ .name = "reads", .value = &reads_arg },
		{ NULL },
	};
	unsigned int reads;
	int fd = pvxtest_start(argc, argv, opts, NR_POINTS);

	if (sscanf(reads_arg, "%u", &reads) != 1 || !reads || reads > 4000)
		tap_bail("--reads takes 1 to 4000 (4 KiB blocks of a 16 MiB disk)");
	out = malloc(OUT_MAX);
	err = malloc(OUT_MAX);
	if (!out || !err)
		tap_bail("out of memory");
	tsc_per_ns = pvx_host_tsc_khz() / 1e6;
	if (access(LINUX_DIR "/vmlinux", R_OK) || !tsc_per_ns) {
		tap_skip("no " LINUX_DIR " (make linux-guest before make box-rootfs) or no TSC rate");
		tap_skip("no " LINUX_DIR " or no TSC rate");
	} else {
		guest_case(reads);
		host_case(reads);
	}
	close(fd);
	return tap_finish();
}
