// SPDX-License-Identifier: GPL-2.0
/*
 * run_test [--pvxctl PATH] [--guests DIR] [--no-load]: `pvxctl run` end to
 * end, on pvx.ko: what
 * pvxctl does with each kind of exit (console output, exit status, the
 * summary), stopping every vCPU thread when one ends the guest, SIGINT,
 * and the messages for a triple fault, MMIO and a guest too big for its
 * RAM. Guests: the images of DIR (default /pvx/guests) and small flat
 * payloads written to /tmp.
 *
 * It loads pvx.ko unless --no-load says pvx is loaded already.
 */
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pvxtest.h"
#include "tap.h"

/* Seconds a run may take, emulated CPU included, before it counts as hung. */
#define RUN_SECS	120

#define BUF 16384

static char out[BUF], err[BUF];
static const char *pvxctl = "pvxctl";

static int run(const char *image, const char *a1, const char *a2,
	       const char *a3, const char *a4)
{
	char *argv[] = { (char *)pvxctl, "run", (char *)image, (char *)a1,
			 (char *)a2, (char *)a3, (char *)a4, NULL };

	/* A hung guest fails its case (-1) instead of the whole run. */
	return run_capture_timeout(argv, RUN_SECS, out, sizeof(out), err,
				   sizeof(err));
}

/* A flat payload in a temporary file; its path. */
static const char *payload(const char *name, const void *code, size_t len)
{
	static char path[8][256];
	static int next;
	char *p = path[next++ % 8];
	FILE *f;

	snprintf(p, sizeof(path[0]), "/tmp/pvxctl_unit.%d.%s", getpid(), name);
	f = fopen(p, "w");
	if (!f || fwrite(code, 1, len, f) != len || fclose(f))
		tap_bail("cannot write %s", p);
	return p;
}

static void diag_on_failure(bool ok, int rc)
{
	if (!ok)
		tap_diag("rc %d, stdout '%s', stderr '%s'", rc, out, err);
}

static bool hello(void)
{
	char image[600];
	int rc;
	bool ok = true;

	snprintf(image, sizeof(image), "%s/hello", pvxtest_guest_dir());
	rc = run(image, NULL, NULL, NULL, NULL);
	EXPECT(rc == 0 && !strcmp(out, "hello from a pvx guest\n"));
	EXPECT(strstr(err, "pvxctl: vcpu 0: wrote 0 to the exit port;"));
	EXPECT(strstr(err, "exits (io "));
	EXPECT(strstr(err, "the guest wrote its exit status after"));
	diag_on_failure(ok, rc);
	return ok;
}

static bool hello_4_cpus(void)
{
	char image[600];
	int rc;
	bool ok = true;

	snprintf(image, sizeof(image), "%s/hello", pvxtest_guest_dir());
	rc = run(image, "--cpus", "4", NULL, NULL);
	EXPECT(rc == 0 && !strcmp(out, "hello from a pvx guest\n"));
	EXPECT(strstr(err, "vcpu 3: ") && strstr(err, "on 4 vCPUs"));
	diag_on_failure(ok, rc);
	return ok;
}

static bool hello16(void)
{
	char image[600];
	int rc;
	bool ok = true;

	snprintf(image, sizeof(image), "%s/hello16.bin", pvxtest_guest_dir());
	rc = run(image, "--mode", "real", "--mem", "1");
	EXPECT(rc == 0 && !strcmp(out, "hello from a real-mode pvx guest\n"));
	diag_on_failure(ok, rc);
	return ok;
}

/* 32-bit, flat at 1 MiB: prints "P" through the stack, exits 42. */
static const uint8_t prot42[] = {
	0x68, 'P', 0, 0, 0,		/* push $'P' */
	0x58,				/* pop %eax */
	0x66, 0xba, 0xf8, 0x03,		/* mov $0x3f8, %dx */
	0xee,				/* out %al, (%dx) */
	0xb0, '\n',			/* mov $'\n', %al */
	0xee,				/* out %al, (%dx) */
	0x66, 0xba, 0xf4, 0x00,		/* mov $0xf4, %dx */
	0xb8, 42, 0, 0, 0,		/* mov $42, %eax */
	0xef,				/* out %eax, (%dx) */
	0xf4,				/* hlt */
};

static bool exit_status(void)
{
	int rc = run(payload("prot42", prot42, sizeof(prot42)), "--mode", "prot",
		     NULL, NULL);
	bool ok = true;

	EXPECT(rc == 42 && !strcmp(out, "P\n"));
	EXPECT(strstr(err, "vcpu 0: wrote 42 to the exit port"));
	diag_on_failure(ok, rc);
	return ok;
}

/* 64-bit: vCPU 0 exits 3, every other vCPU spins with no exit at all. */
static const uint8_t exit3_others_spin[] = {
	0x85, 0xff,			/* test %edi, %edi */
	0x75, 0x0b,			/* jnz spin */
	0xb8, 3, 0, 0, 0,		/* mov $3, %eax */
	0x66, 0xba, 0xf4, 0x00,		/* mov $0xf4, %dx */
	0xef,				/* out %eax, (%dx) */
	0xf4,				/* hlt */
	0xeb, 0xfe,			/* spin: jmp spin */
};

static bool stops_spinning_vcpus(void)
{
	int rc = run(payload("exit3", exit3_others_spin, sizeof(exit3_others_spin)),
		     "--cpus", "3", NULL, NULL);
	bool ok = true;

	EXPECT(rc == 3);
	EXPECT(strstr(err, "vcpu 1: stopped") && strstr(err, "vcpu 2: stopped"));
	EXPECT(strstr(err, "intr "));
	diag_on_failure(ok, rc);
	return ok;
}

static bool report(void)
{
	static const uint8_t code[] = {
		0xb8, 0x78, 0x56, 0x34, 0x12,	/* mov $0x12345678, %eax */
		0x66, 0xba, 0x10, 0x05,		/* mov $0x510, %dx */
		0xef,				/* out %eax, (%dx) */
		0xb8, 0xef, 0xcd, 0xab, 0x89,	/* mov $0x89abcdef, %eax */
		0x66, 0xba, 0x14, 0x05,		/* mov $0x514, %dx */
		0xef,				/* out %eax, (%dx) */
		0xb8, 0x67, 0x45, 0x23, 0x01,	/* mov $0x01234567, %eax */
		0x66, 0xba, 0x18, 0x05,		/* mov $0x518, %dx */
		0xef,				/* out %eax, (%dx) */
		0x31, 0xc0,			/* xor %eax, %eax */
		0x66, 0xba, 0xf4, 0x00,		/* mov $0xf4, %dx */
		0xef,				/* out %eax, (%dx) */
	};
	int rc = run(payload("report", code, sizeof(code)), NULL, NULL, NULL, NULL);
	bool ok = true;

	EXPECT(rc == 0);
	EXPECT(strstr(err, "vcpu 0: report key 0x12345678 value 0x123456789abcdef"));
	diag_on_failure(ok, rc);
	return ok;
}

static bool triple_fault(void)
{
	static const uint8_t ud2[] = { 0x90, 0x0f, 0x0b };	/* nop; ud2 */
	int rc = run(payload("ud2", ud2, sizeof(ud2)), NULL, NULL, NULL, NULL);
	bool ok = true;

	/* Where VMX reports a triple fault's RIP is the CPU's business. */
	EXPECT(rc == 1 && strstr(err, "vcpu 0: triple fault at RIP 0x"));
	EXPECT(strstr(err, "the guest failed"));
	diag_on_failure(ok, rc);
	return ok;
}

static bool mmio(void)
{
	/* mov 0x40000000, %eax: 1 GiB, past 16 MiB of RAM */
	static const uint8_t code[] = { 0x8b, 0x04, 0x25, 0, 0, 0, 0x40 };
	int rc = run(payload("mmio", code, sizeof(code)), NULL, NULL, NULL, NULL);
	bool ok = true;

	EXPECT(rc == 1);
	EXPECT(strstr(err, "MMIO read of 4 bytes at guest-physical 0x40000000"));
	diag_on_failure(ok, rc);
	return ok;
}

/* Read from @fd until @want has arrived or @secs have passed. */
static bool wait_for(int fd, const char *want, char *buf, size_t len, int secs)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t used = 0;

	buf[0] = '\0';
	while (!strstr(buf, want) && used < len - 1 &&
	       poll(&p, 1, secs * 1000) > 0) {
		ssize_t n = read(fd, buf + used, len - 1 - used);

		if (n <= 0)
			break;
		used += n;
		buf[used] = '\0';
	}
	return strstr(buf, want);
}

/*
 * SIGINT once the guest has printed its line and spins: the vCPU stops,
 * pvxctl says so and exits 1.
 */
static bool interrupt(void)
{
	static const uint8_t code[] = {
		0x66, 0xba, 0xf8, 0x03,		/* mov $0x3f8, %dx */
		0xb0, 'S', 0xee,		/* mov $'S', %al; out %al, (%dx) */
		0xb0, '\n', 0xee,		/* mov $'\n', %al; out %al, (%dx) */
		0xeb, 0xfe,			/* jmp . */
	};
	const char *image = payload("spin", code, sizeof(code));
	int status = -1, po[2], pe[2];
	bool ok = true, started;
	pid_t pid;

	if (pipe(po) || pipe(pe))
		tap_bail("pipe");
	pid = fork();
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		alarm(RUN_SECS);
		execlp(pvxctl, pvxctl, "run", image, (char *)NULL);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	started = wait_for(po[0], "S\n", out, sizeof(out), RUN_SECS);
	kill(pid, SIGINT);
	wait_for(pe[0], "exit status", err, sizeof(err), RUN_SECS);
	waitpid(pid, &status, 0);
	close(po[0]);
	close(pe[0]);
	EXPECT(started);
	EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	EXPECT(strstr(err, "vcpu 0: interrupted") && strstr(err, "pvxctl: interrupted after"));
	diag_on_failure(ok, status);
	return ok;
}

static bool too_big(void)
{
	char image[600];
	int rc;
	bool ok = true;

	snprintf(image, sizeof(image), "%s/hello", pvxtest_guest_dir());
	rc = run(image, "--mem", "1", NULL, NULL);
	EXPECT(rc == 1 && strstr(err, "does not fit in guest RAM (0 - 1 MiB): raise --mem"));
	rc = run(image, "--mode", "real", NULL, NULL);
	EXPECT(rc == 1 && strstr(err, "out of reach in real mode"));
	diag_on_failure(ok, rc);
	return ok;
}

static const struct {
	const char *name;
	bool (*run)(void);
} cases[] = {
	{ "hello: console line, exit status 0, summary", hello },
	{ "hello on 4 vCPUs: one line, every vCPU accounted for", hello_4_cpus },
	{ "hello16.bin in real mode with 1 MiB", hello16 },
	{ "prot mode payload: pvxctl exits with the guest's 42", exit_status },
	{ "vCPU 0 exits 3 while vCPUs 1-2 spin: they are kicked out", stops_spinning_vcpus },
	{ "report ports: key and 64-bit value on stderr", report },
	{ "ud2: triple fault named with its RIP, exit 1", triple_fault },
	{ "read past RAM: the MMIO exit named, exit 1", mmio },
	{ "SIGINT stops a spinning guest, exit 1", interrupt },
	{ "image bigger than --mem, ELF entry out of real mode's reach", too_big },
};

#define NR_CASES (int)(sizeof(cases) / sizeof(cases[0]))

int main(int argc, char **argv)
{
	const struct pvxtest_opt opts[] = {
		{ "--pvxctl", &pvxctl, NULL },
		{ NULL, NULL, NULL },
	};

	pvxtest_begin(argc, argv, opts, NR_CASES);
	for (int i = 0; i < NR_CASES; i++)
		tap_ok(cases[i].run(), "%s", cases[i].name);
	return tap_finish();
}
