// SPDX-License-Identifier: GPL-2.0
/*
 * stats_test [--guests DIR] [--no-load]: PVX_GET_STATS, debugfs's
 * vm-PID-ID/stats and the pvx tracepoints against what a guest did.
 *
 * The stats guest (tests/guest/stats.c) asks this test for N, M and K and
 * runs twice: N CPUIDs, M OUTs, K MMIO writes, between OUTs to a mark
 * port at which the test takes PVX_GET_STATS. The second pass touches no
 * new page, so its counters are exactly what it did: N CPUID exits, the
 * I/O exits the test saw (M + the closing mark), K EPT violations. Every
 * expected number is one the test set or observed, never a constant.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "libpvx.h"
#include "pvx_ports.h"
#include "pvxtest.h"
#include "tap.h"
#include "../guest/stats.h"

#define RAM_BYTES	(16ULL << 20)
#define MAP_BYTES	(4ULL << 30)
#define NR_MARKS	4
#define STOP_FLAG_GPA	0x800000ULL	/* in RAM, away from the image */
#define SPIN_TARGET	200		/* CPUID exits seen while running */
#define SPIN_GUARD_S	120		/* give up (a failure) after this */

#define EXIT_CPUID	10
#define EXIT_IO		30
#define EXIT_EPT_VIOLATION 48

static int sys_fd;

/* What one vCPU's guest asked and did, as this test saw it. */
struct vcpu_log {
	uint32_t n, m, k, flag;		/* the answers to its parameter INs */
	uint64_t io, work, mmio;	/* I/O exits, OUTs to WORK, MMIO exits */
	unsigned int marks;
	int stats_err;			/* PVX_GET_STATS at a mark */
	struct pvx_stats at[NR_MARKS];	/* PVX_GET_STATS at each mark */
	uint64_t io_at[NR_MARKS], work_at[NR_MARKS], mmio_at[NR_MARKS];
};

struct svm {
	struct pvx_vm *vm;
	struct pvx_ports ports;
	struct pvx_image img;
	unsigned int nr;
	struct vcpu_log log[2];
	bool spun;			/* the guest reported STATS_KEY_SPINS */
	uint64_t spins;
};

static void svm_report(void *opaque, unsigned int vcpu, uint32_t key,
		       uint64_t value)
{
	struct svm *s = opaque;

	(void)vcpu;
	if (key == STATS_KEY_SPINS) {
		s->spun = true;
		s->spins = value;
	}
}

static int svm_io(void *opaque, struct pvx_vcpu *vcpu, uint16_t port,
		  uint8_t size, uint8_t direction, void *data, uint32_t count)
{
	struct svm *s = opaque;
	struct vcpu_log *l = &s->log[vcpu->id];
	uint32_t *v = data, mark;

	l->io++;
	if (size != 4 || count != 1)
		goto standard;
	if (direction == PVX_EXIT_IO_IN) {
		switch (port) {
		case STATS_PORT_N: *v = l->n; return PVX_RUN_CONTINUE;
		case STATS_PORT_M: *v = l->m; return PVX_RUN_CONTINUE;
		case STATS_PORT_K: *v = l->k; return PVX_RUN_CONTINUE;
		case STATS_PORT_FLAG: *v = l->flag; return PVX_RUN_CONTINUE;
		}
	} else if (port == STATS_PORT_WORK) {
		l->work++;
		return PVX_RUN_CONTINUE;
	} else if (port == STATS_PORT_MARK && *v < NR_MARKS) {
		mark = *v;
		l->stats_err |= pvx_get_stats(vcpu->fd, &l->at[mark]);
		l->io_at[mark] = l->io;
		l->work_at[mark] = l->work;
		l->mmio_at[mark] = l->mmio;
		l->marks++;
		return PVX_RUN_CONTINUE;
	}
standard:
	return pvx_ports_io(&s->ports, vcpu, port, size, direction, data, count);
}

static int svm_mmio(void *opaque, struct pvx_vcpu *vcpu, uint64_t gpa,
		    uint32_t len, bool is_write, uint8_t *data)
{
	struct svm *s = opaque;

	(void)gpa;
	(void)len;
	(void)is_write;
	memset(data, 0, 8);
	s->log[vcpu->id].mmio++;
	return PVX_RUN_CONTINUE;
}

static const struct pvx_exit_ops svm_ops = { .io = svm_io, .mmio = svm_mmio };

static void svm_destroy(struct svm *s)
{
	pvx_vm_destroy(s->vm);
	s->vm = NULL;
}

/* A VM running the stats guest on @nr vCPUs; 0 or -errno. */
static int svm_create(struct svm *s, unsigned int nr)
{
	static struct pvx_cpuid_entry cpuid[PVX_MAX_CPUID_ENTRIES];
	char path[512];
	size_t len;
	void *buf;
	int n, r;

	memset(s, 0, sizeof(*s));
	s->nr = nr;
	pvx_ports_init(&s->ports, -1);
	s->ports.report = svm_report;
	s->ports.report_opaque = s;
	snprintf(path, sizeof(path), "%s/stats", pvxtest_guest_dir());
	r = pvx_read_file(path, RAM_BYTES, &buf, &len);
	if (r)
		return r;
	r = pvx_vm_create(sys_fd, &s->vm);
	if (!r)
		r = pvx_vm_add_ram(s->vm, 0, 0, RAM_BYTES, 0, PVX_BACKING_PAGES);
	if (!r)
		r = pvx_load_elf(&s->vm->mem, buf, len, &s->img);
	free(buf);
	if (!r)
		r = pvx_mode_write_tables(&s->vm->mem, PVX_MODE_LONG, MAP_BYTES);
	n = pvx_cpuid_default(cpuid, PVX_MAX_CPUID_ENTRIES);
	if (n >= 0)
		n = pvx_cpuid_set_topology(cpuid, n, PVX_MAX_CPUID_ENTRIES, nr);
	for (unsigned int id = 0; !r && id < nr; id++) {
		struct pvx_vcpu *vcpu;

		r = n < 0 ? n : pvx_vcpu_create(s->vm, id, &vcpu);
		if (r)
			break;
		pvx_cpuid_set_apic_id(cpuid, n, id);
		r = pvx_vcpu_set_cpuid(vcpu, cpuid, n);
		if (!r)
			r = pvx_vcpu_setup_mode(vcpu, PVX_MODE_LONG, s->img.entry, nr);
	}
	if (r) {
		tap_diag("stats VM: %s", strerror(-r));
		svm_destroy(s);
	}
	return r;
}

/* Run vCPU @id until it writes the exit port; true if it did so with 0. */
static bool svm_run(struct svm *s, unsigned int id)
{
	struct pvx_vcpu *vcpu = s->vm->vcpu[id];
	int r = pvx_vcpu_run_loop(vcpu, &svm_ops, s);
	uint32_t *data;

	if (r != PVX_EXIT_IO || vcpu->run->io.port != PVX_PORT_EXIT) {
		tap_diag("vCPU %u: run loop ended with %d (%s)", id, r,
			 r >= 0 ? pvx_exit_name(r) : strerror(-r));
		return false;
	}
	data = pvx_vcpu_io_data(vcpu);
	return data && *data == 0;
}

static uint64_t sum(const __u64 *a, unsigned int n)
{
	uint64_t t = 0;

	for (unsigned int i = 0; i < n; i++)
		t += a[i];
	return t;
}

/* @d = @b - @a, counter by counter. */
static void stats_sub(struct pvx_stats *d, const struct pvx_stats *b,
		      const struct pvx_stats *a)
{
	const __u64 *pb = &b->exits[0], *pa = &a->exits[0];
	__u64 *pd = &d->exits[0];
	size_t n = (sizeof(*d) - offsetof(struct pvx_stats, exits)) / 8;

	memset(d, 0, sizeof(*d));
	for (size_t i = 0; i < n; i++)
		pd[i] = pb[i] - pa[i];
}

static void stats_add(struct pvx_stats *d, const struct pvx_stats *a)
{
	const __u64 *pa = &a->exits[0];
	__u64 *pd = &d->exits[0];
	size_t n = (sizeof(*d) - offsetof(struct pvx_stats, exits)) / 8;

	for (size_t i = 0; i < n; i++)
		pd[i] += pa[i];
}

static void diag_stats(const char *what, const struct pvx_stats *st)
{
	for (unsigned int i = 0; i < PVX_STATS_NR_REASONS; i++)
		if (st->exits[i] || st->ticks[i])
			tap_diag("%s: reason %u %s: %llu exits, %llu ticks", what, i,
				 pvx_vmx_exit_name(i) ? pvx_vmx_exit_name(i) : "?",
				 (unsigned long long)st->exits[i],
				 (unsigned long long)st->ticks[i]);
	for (unsigned int i = 0; i < PVX_STATS_NR_EXITS; i++)
		if (st->userspace_exits[i])
			tap_diag("%s: userspace exit %u: %llu", what, i,
				 (unsigned long long)st->userspace_exits[i]);
	tap_diag("%s: entries %llu", what, (unsigned long long)st->entries);
}

/*
 * One vCPU doing N CPUIDs, M OUTs and K MMIO writes per pass: the second
 * pass's counters, then the totals against libpvx's own count of exits.
 */
static void test_counts(void)
{
	struct pvx_stats d, total, vm_total;
	struct svm s;
	struct vcpu_log *l = &s.log[0];
	uint64_t libpvx_returns = 0;
	bool ok, ran;

	if (svm_create(&s, 1)) {
		tap_skip_rest("no stats VM");
		tap_finish();
		exit(1);
	}
	*l = (struct vcpu_log){ .n = 100, .m = 10, .k = 5 };
	ran = svm_run(&s, 0);
	tap_ok(ran && l->marks == NR_MARKS && !l->stats_err,
	       "guest ran both passes, PVX_GET_STATS at each of %u marks (marks %u, err %d)",
	       NR_MARKS, l->marks, l->stats_err);
	stats_sub(&d, &l->at[3], &l->at[2]);
	tap_ok(d.exits[EXIT_CPUID] == l->n,
	       "second pass: exits[10] (CPUID) == N = %u (got %llu)", l->n,
	       (unsigned long long)d.exits[EXIT_CPUID]);
	tap_ok(d.exits[EXIT_IO] == l->io_at[3] - l->io_at[2] &&
	       l->work_at[3] - l->work_at[2] == l->m,
	       "second pass: exits[30] (I/O) == the %llu I/O exits seen (M = %u OUTs + the closing mark; got %llu)",
	       (unsigned long long)(l->io_at[3] - l->io_at[2]), l->m,
	       (unsigned long long)d.exits[EXIT_IO]);
	tap_ok(d.exits[EXIT_EPT_VIOLATION] == l->k &&
	       l->mmio_at[3] - l->mmio_at[2] == l->k,
	       "second pass: exits[48] (EPT violation) == K = %u MMIO writes (got %llu)",
	       l->k, (unsigned long long)d.exits[EXIT_EPT_VIOLATION]);
	ok = true;
	EXPECT(d.userspace_exits[PVX_EXIT_IO] == l->io_at[3] - l->io_at[2]);
	EXPECT(d.userspace_exits[PVX_EXIT_MMIO] == l->k);
	EXPECT(sum(d.userspace_exits, PVX_STATS_NR_EXITS) ==
	       d.userspace_exits[PVX_EXIT_IO] + d.userspace_exits[PVX_EXIT_MMIO]);
	tap_ok(ok, "second pass: userspace_exits io == I/O exits seen, mmio == K, nothing else");
	tap_ok(d.entries == sum(d.exits, PVX_STATS_NR_REASONS),
	       "second pass: one entry per exit (%llu entries, %llu exits)",
	       (unsigned long long)d.entries,
	       (unsigned long long)sum(d.exits, PVX_STATS_NR_REASONS));
	if (!ok)
		diag_stats("second pass", &d);

	ok = !pvx_get_stats(s.vm->vcpu[0]->fd, &total);
	EXPECT(total.exits[EXIT_CPUID] == 2ULL * l->n);
	for (unsigned int i = 0; i < PVX_NR_EXITS; i++)
		EXPECT(total.userspace_exits[i] == s.vm->vcpu[0]->exits[i]);
	for (unsigned int i = 0; i < PVX_NR_EXITS; i++)
		libpvx_returns += s.vm->vcpu[0]->exits[i];
	EXPECT(sum(total.userspace_exits, PVX_STATS_NR_EXITS) == libpvx_returns);
	tap_ok(ok, "totals: exits[10] == 2N, userspace_exits == libpvx's count of PVX_RUN returns");
	ok = true;
	for (unsigned int i = 0; i < PVX_STATS_NR_REASONS; i++)
		EXPECT(!total.exits[i] == !total.ticks[i]);
	EXPECT(total.ticks[EXIT_CPUID] && total.ticks[EXIT_IO] &&
	       total.ticks[EXIT_EPT_VIOLATION]);
	tap_ok(ok, "totals: ticks > 0 for each reason that happened (CPUID, I/O, EPT violation), 0 for the others");
	ok = true;
	EXPECT(total.entries >= sum(total.exits, PVX_STATS_NR_REASONS));
	EXPECT(total.nr_reasons == PVX_STATS_NR_REASONS && !total.flags);
	for (unsigned int i = 0; i < sizeof(total.reserved) / 8; i++)
		EXPECT(!total.reserved[i]);
	tap_ok(ok, "totals: entries >= exits, nr_reasons %u, reserved 0",
	       PVX_STATS_NR_REASONS);
	if (!ok)
		diag_stats("totals", &total);
	tap_ok(!pvx_get_stats(s.vm->fd, &vm_total) &&
	       !memcmp(&vm_total, &total, sizeof(total)),
	       "VM fd: the same as its only vCPU");
	svm_destroy(&s);
}

/* The one debugfs stats file of this process's VMs, or NULL. */
static char *read_own_debugfs_stats(void)
{
	char pattern[128];
	glob_t gl;
	char *text = NULL;

	snprintf(pattern, sizeof(pattern), "/sys/kernel/debug/pvx/vm-%d-*/stats",
		 (int)getpid());
	if (glob(pattern, 0, NULL, &gl))
		return NULL;
	if (gl.gl_pathc == 1)
		text = read_text(gl.gl_pathv[0]);
	else
		tap_diag("%zu VMs of this process in debugfs", gl.gl_pathc);
	globfree(&gl);
	return text;
}

static bool debugfs_agrees(const struct pvx_stats *vm)
{
	char *text = read_own_debugfs_stats(), line[160];
	struct pvx_stats parsed;
	bool ok = text != NULL;
	int r;

	if (!text)
		return false;
	r = pvx_stats_parse(text, &parsed);
	EXPECT(!r);
	EXPECT(!memcmp(&parsed, vm, sizeof(parsed)));
	snprintf(line, sizeof(line), "\nexit\t%d\tcpuid\t%llu\t%llu\t%llu\n",
		 EXIT_CPUID, (unsigned long long)vm->exits[EXIT_CPUID],
		 (unsigned long long)vm->ticks[EXIT_CPUID],
		 (unsigned long long)(vm->ticks[EXIT_CPUID] /
				      vm->exits[EXIT_CPUID]));
	EXPECT(strstr(text, line));
	/* Every exit line names its reason as libpvx does. */
	for (char *p = text; (p = strstr(p, "\nexit\t")); p++) {
		unsigned int reason;
		char name[64];

		EXPECT(sscanf(p, "\nexit\t%u\t%63s", &reason, name) == 2 &&
		       pvx_vmx_exit_name(reason) &&
		       !strcmp(name, pvx_vmx_exit_name(reason)));
	}
	if (!ok)
		tap_diag("debugfs stats:\n%s", text);
	free(text);
	return ok;
}

/* `pvxctl stats --json`, another process, shows this VM's CPUID count. */
static bool pvxctl_shows(const struct pvx_stats *vm)
{
	static char out[65536], err[4096];
	char *argv[] = { "pvxctl", "stats", "--json", NULL };
	char want_vm[64], want_cpuid[128];
	int rc = run_capture(argv, out, sizeof(out), err, sizeof(err));

	snprintf(want_vm, sizeof(want_vm), "\"vm\": \"vm-%d-", (int)getpid());
	snprintf(want_cpuid, sizeof(want_cpuid),
		 "{\"reason\": 10, \"name\": \"cpuid\", \"count\": %llu,",
		 (unsigned long long)vm->exits[EXIT_CPUID]);
	if (rc == 0 && out[0] == '{' && strstr(out, want_vm) &&
	    strstr(out, want_cpuid))
		return true;
	tap_diag("pvxctl stats --json: rc %d, stdout %s, stderr %s", rc, out, err);
	return false;
}

/* Two vCPUs: the VM's sum, debugfs, pvxctl, and a closed vCPU fd. */
static void test_two_vcpus(void)
{
	struct pvx_stats v[2], want, vm, after;
	struct svm s;
	bool ok;

	if (svm_create(&s, 2)) {
		for (int i = 0; i < 6; i++)
			tap_ok(false, "two vCPUs: no VM");
		return;
	}
	s.log[0] = (struct vcpu_log){ .n = 20, .m = 3 };
	s.log[1] = (struct vcpu_log){ .n = 30, .m = 4 };
	ok = svm_run(&s, 0) && svm_run(&s, 1);
	ok = ok && !pvx_get_stats(s.vm->vcpu[0]->fd, &v[0]) &&
	     !pvx_get_stats(s.vm->vcpu[1]->fd, &v[1]);
	tap_ok(ok && v[0].exits[EXIT_CPUID] == 2ULL * s.log[0].n &&
	       v[1].exits[EXIT_CPUID] == 2ULL * s.log[1].n,
	       "two vCPUs: each counts its own CPUIDs (2 x %u, 2 x %u; got %llu, %llu)",
	       s.log[0].n, s.log[1].n, (unsigned long long)v[0].exits[EXIT_CPUID],
	       (unsigned long long)v[1].exits[EXIT_CPUID]);
	want = v[0];
	stats_add(&want, &v[1]);
	tap_ok(!pvx_get_stats(s.vm->fd, &vm) && !memcmp(&vm, &want, sizeof(vm)),
	       "VM fd: the sum of its two vCPUs, counter by counter");
	tap_ok(debugfs_agrees(&vm), "debugfs vm-%d-N/stats: the same numbers as PVX_GET_STATS on the VM",
	       (int)getpid());
	tap_ok(pvxctl_shows(&vm), "pvxctl stats --json (another process) shows this VM's CPUID exits");
	pvx_vcpu_destroy(s.vm->vcpu[0]);
	tap_ok(!pvx_get_stats(s.vm->fd, &after) && !memcmp(&after, &vm, sizeof(vm)),
	       "after vCPU 0's fd is closed the VM sum keeps its counters");
	tap_ok(debugfs_agrees(&after), "... and so does debugfs");
	svm_destroy(&s);
}

/* The vCPU thread of test_while_running(). */
struct spinner {
	struct svm *s;
	atomic_bool done;
	bool ok;
};

static void *spinner_main(void *arg)
{
	struct spinner *sp = arg;

	sp->ok = svm_run(sp->s, 0);
	atomic_store(&sp->done, true);
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * PVX_GET_STATS from another thread while the vCPU is in PVX_RUN: the
 * guest spins on CPUID until the test sets a flag in its memory, so the
 * vCPU does not come back to userspace meanwhile.
 */
static void test_while_running(void)
{
	uint64_t first_cpuid = 0, last_cpuid = 0, first_user = 0, last_user = 0;
	unsigned int calls = 0, failures = 0, busy_regs = 0;
	struct spinner sp = { 0 };
	struct pvx_stats st;
	struct pvx_regs regs;
	struct svm s;
	pthread_t tid;
	uint32_t *flag;
	uint64_t spins;
	double start;
	bool ok;

	if (svm_create(&s, 1)) {
		for (int i = 0; i < 3; i++)
			tap_ok(false, "while running: no VM");
		return;
	}
	s.log[0].flag = STOP_FLAG_GPA;
	flag = pvx_gpa_to_host(&s.vm->mem, STOP_FLAG_GPA, 4);
	sp.s = &s;
	atomic_init(&sp.done, false);
	pthread_create(&tid, NULL, spinner_main, &sp);
	start = now_s();
	while (!atomic_load(&sp.done) && now_s() - start < SPIN_GUARD_S) {
		int r = pvx_get_stats(s.vm->vcpu[0]->fd, &st);

		calls++;
		if (r) {
			if (failures++ < 3)
				tap_diag("PVX_GET_STATS while running: %s", strerror(-r));
			continue;
		}
		if (!first_cpuid && st.exits[EXIT_CPUID]) {
			first_cpuid = st.exits[EXIT_CPUID];
			first_user = sum(st.userspace_exits, PVX_STATS_NR_EXITS);
			busy_regs += pvx_vcpu_get_regs(s.vm->vcpu[0], &regs) == -EBUSY;
		}
		last_cpuid = st.exits[EXIT_CPUID];
		last_user = sum(st.userspace_exits, PVX_STATS_NR_EXITS);
		if (last_cpuid >= first_cpuid + SPIN_TARGET && first_cpuid)
			break;
		usleep(1000);
	}
	__atomic_store_n(flag, 1, __ATOMIC_SEQ_CST);
	pthread_join(tid, NULL);
	tap_ok(calls && !failures && first_cpuid && last_cpuid >= first_cpuid + SPIN_TARGET &&
	       last_user == first_user,
	       "PVX_GET_STATS from another thread during PVX_RUN: %u calls, %u failed (no EBUSY), CPUID exits %llu -> %llu with no return to userspace",
	       calls, failures, (unsigned long long)first_cpuid,
	       (unsigned long long)last_cpuid);
	tap_ok(busy_regs == 1, "PVX_GET_REGS meanwhile still gets EBUSY");
	ok = sp.ok && s.spun;
	spins = s.spins;
	ok = ok && !pvx_get_stats(s.vm->vcpu[0]->fd, &st) &&
	     st.exits[EXIT_CPUID] == spins;
	tap_ok(ok, "the guest's %llu spins are its exits[10] (%llu)",
	       (unsigned long long)spins, (unsigned long long)st.exits[EXIT_CPUID]);
	svm_destroy(&s);
}

/* Bad arguments: flags, pointers, the wrong fd. */
static void test_bad_input(void)
{
	struct pvx_stats st;
	struct svm s;
	void *ro;
	bool ok;
	int fds[2];

	if (svm_create(&s, 1)) {
		for (int i = 0; i < 4; i++)
			tap_ok(false, "bad input: no VM");
		return;
	}
	fds[0] = s.vm->fd;
	fds[1] = s.vm->vcpu[0]->fd;
	ok = true;
	for (int i = 0; i < 2; i++) {
		memset(&st, 0, sizeof(st));
		st.flags = 1;
		EXPECT(ioctl(fds[i], PVX_GET_STATS, &st) == -1 && errno == EINVAL);
		st.flags = 0x80000000U;
		EXPECT(ioctl(fds[i], PVX_GET_STATS, &st) == -1 && errno == EINVAL);
	}
	tap_ok(ok, "flags != 0: EINVAL on the VM fd and the vCPU fd");
	ok = true;
	for (int i = 0; i < 2; i++) {
		EXPECT(ioctl(fds[i], PVX_GET_STATS, NULL) == -1 && errno == EFAULT);
		EXPECT(ioctl(fds[i], PVX_GET_STATS, (void *)8) == -1 && errno == EFAULT);
	}
	tap_ok(ok, "NULL or unmapped pointer: EFAULT on both");
	/* Zeroed and readable, so only the copy out can fail. */
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ok = ro != MAP_FAILED;
	for (int i = 0; ok && i < 2; i++)
		EXPECT(ioctl(fds[i], PVX_GET_STATS, ro) == -1 && errno == EFAULT);
	if (ro != MAP_FAILED)
		munmap(ro, 4096);
	tap_ok(ok, "read-only buffer (flags 0 readable, no room to write): EFAULT on both");
	memset(&st, 0, sizeof(st));
	tap_ok(ioctl(sys_fd, PVX_GET_STATS, &st) == -1 && errno == ENOTTY,
	       "PVX_GET_STATS on /dev/pvx: ENOTTY");
	svm_destroy(&s);
}

/* tracefs: where it is mounted (mounting it if it is not), or NULL. */
static const char *tracefs(void)
{
	static const char *const dirs[] = { "/sys/kernel/tracing",
					    "/sys/kernel/debug/tracing" };
	char path[128];

	for (int attempt = 0; attempt < 2; attempt++) {
		for (int i = 0; i < 2; i++) {
			snprintf(path, sizeof(path), "%s/events/pvx", dirs[i]);
			if (!access(path, F_OK))
				return dirs[i];
		}
		if (mount("tracefs", dirs[0], "tracefs", 0, NULL))
			tap_diag("mount tracefs: %s", strerror(errno));
	}
	return NULL;
}

static const char *const trace_events[] = {
	"pvx_entry", "pvx_exit", "pvx_userspace_exit", "pvx_inject",
};
#define NR_TRACE_EVENTS (sizeof(trace_events) / sizeof(trace_events[0]))

static int enable_events(const char *dir, const char *value)
{
	char path[256];
	int r = 0;

	for (size_t i = 0; i < NR_TRACE_EVENTS; i++) {
		snprintf(path, sizeof(path), "%s/events/pvx/%s/enable", dir,
			 trace_events[i]);
		r = r ? r : write_text(path, value);
	}
	return r;
}

/* The whole of a file of unknown size (malloc'd, NUL-terminated). */
static char *read_all(const char *path)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 4096) {
			char *bigger = realloc(buf, cap * 2);

			if (!bigger)
				break;
			buf = bigger;
			cap *= 2;
		}
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

/* What the trace says about one run. */
struct trace_count {
	uint64_t entry, exit, exit_cpuid, user, user_io;
	uint64_t bad_fields;	/* pvx_exit reason 10 lines with wrong fields */
	bool lost;		/* entries-in-buffer != entries-written */
};

static bool in_image(const struct pvx_image *img, uint64_t rip)
{
	for (unsigned int i = 0; i < img->nseg; i++)
		if (rip >= img->seg[i].gpa && rip < img->seg[i].gpa + img->seg[i].size)
			return true;
	return false;
}

static void count_trace(char *text, const struct pvx_image *img,
			struct trace_count *c)
{
	unsigned long long a, b, qual, rip;
	unsigned int vcpu, reason;
	char name[64], *line, *save = NULL, *ev;

	memset(c, 0, sizeof(*c));
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "# entries-in-buffer/entries-written: %llu/%llu",
			   &a, &b) == 2)
			c->lost = a != b;
		if ((ev = strstr(line, "pvx_entry: ")))
			c->entry++;
		if ((ev = strstr(line, "pvx_userspace_exit: "))) {
			c->user++;
			c->user_io += strstr(ev, ": vcpu 0 exit 1 io") != NULL;
		}
		if (!(ev = strstr(line, "pvx_exit: ")))
			continue;
		c->exit++;
		if (sscanf(ev, "pvx_exit: vcpu %u reason %u %63s qual %llx rip %llx",
			   &vcpu, &reason, name, &qual, &rip) != 5 || reason != 10)
			continue;
		c->exit_cpuid++;
		if (vcpu || strcmp(name, "CPUID") || qual || !in_image(img, rip)) {
			if (c->bad_fields++ < 3)
				tap_diag("unexpected fields: %s", ev);
		}
	}
}

/* Clear the trace, enable the pvx events, run @run, disable them. */
static char *traced(const char *dir, bool (*run)(struct svm *s), struct svm *s,
		    bool *ran)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/trace", dir);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);	/* clears it */
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof(path), "%s/tracing_on", dir);
	write_text(path, "1");
	*ran = fd >= 0 && !enable_events(dir, "1") && run(s);
	enable_events(dir, "0");
	snprintf(path, sizeof(path), "%s/trace", dir);
	return read_all(path);
}

static bool run_vcpu0(struct svm *s)
{
	return svm_run(s, 0);
}

/* #GP(0x18) injected into a guest without an IDT: a triple fault. */
#define INJECT_VECTOR	13
#define INJECT_ERROR	0x18

static bool run_injected(struct svm *s)
{
	struct pvx_exception e = { .vector = INJECT_VECTOR,
				   .flags = PVX_EXCEPTION_HAS_ERROR_CODE,
				   .error_code = INJECT_ERROR };
	struct pvx_vcpu *vcpu = s->vm->vcpu[0];
	int r;

	if (ioctl(vcpu->fd, PVX_INJECT_EXCEPTION, &e)) {
		tap_diag("PVX_INJECT_EXCEPTION: %s", strerror(errno));
		return false;
	}
	r = pvx_vcpu_run(vcpu);
	if (r || vcpu->run->exit_reason != PVX_EXIT_SHUTDOWN)
		tap_diag("after the injection: %d, exit %u", r, vcpu->run->exit_reason);
	return !r && vcpu->run->exit_reason == PVX_EXIT_SHUTDOWN;
}

/* A guest injected with #GP: the pvx_inject line, and the counter. */
static void test_inject_trace(const char *dir)
{
	char want[96], *text;
	struct pvx_stats st;
	struct svm s;
	bool ran;

	if (svm_create(&s, 1)) {
		tap_ok(false, "pvx_inject: no VM");
		return;
	}
	text = traced(dir, run_injected, &s, &ran);
	snprintf(want, sizeof(want),
		 "pvx_inject: vcpu 0 exception vector %d error 0x%x\n",
		 INJECT_VECTOR, INJECT_ERROR);
	tap_ok(ran && text && strstr(text, want) &&
	       !pvx_get_stats(s.vm->vcpu[0]->fd, &st) &&
	       st.injected_exceptions == 1 && st.exits[2] == 1,
	       "PVX_INJECT_EXCEPTION #GP(%#x): '%.*s' in the trace, injected_exceptions 1, then a triple fault (exits[2] 1)",
	       INJECT_ERROR, (int)strlen(want) - 1, want);
	free(text);
	svm_destroy(&s);
}

/* events/pvx: enable, run 2N CPUIDs, count the lines, disable. */
static void test_tracepoints(void)
{
	const char *dir = tracefs();
	struct pvx_stats st;
	struct trace_count c;
	char path[256], *text, *en;
	struct svm s;
	bool ran, ok;

	if (!tap_ok(dir != NULL, "tracefs has events/pvx (%s)", dir ? dir : "none")) {
		tap_skip_rest("no pvx trace events");
		return;
	}
	if (svm_create(&s, 1)) {
		for (int i = 0; i < 6; i++)
			tap_ok(false, "tracepoints: no VM");
		return;
	}
	s.log[0].n = 40;
	text = traced(dir, run_vcpu0, &s, &ran);
	ok = ran && text && !pvx_get_stats(s.vm->vcpu[0]->fd, &st);
	if (ok)
		count_trace(text, &s.img, &c);
	tap_ok(ok && !c.lost && c.exit_cpuid == st.exits[EXIT_CPUID] &&
	       c.exit_cpuid == 2ULL * s.log[0].n,
	       "trace: %llu pvx_exit lines with reason 10 == exits[10] == 2N = %u%s",
	       ok ? (unsigned long long)c.exit_cpuid : 0ULL, 2 * s.log[0].n,
	       ok && c.lost ? " (events lost)" : "");
	tap_ok(ok && c.exit == sum(st.exits, PVX_STATS_NR_REASONS) &&
	       c.entry == st.entries,
	       "trace: a pvx_exit line per exit (%llu), a pvx_entry line per entry (%llu)",
	       ok ? (unsigned long long)c.exit : 0ULL,
	       ok ? (unsigned long long)c.entry : 0ULL);
	tap_ok(ok && c.user == sum(st.userspace_exits, PVX_STATS_NR_EXITS) &&
	       c.user_io == st.userspace_exits[PVX_EXIT_IO],
	       "trace: a pvx_userspace_exit line per return to userspace (%llu), 'exit 1 io' for each I/O one",
	       ok ? (unsigned long long)c.user : 0ULL);
	tap_ok(ok && !c.bad_fields,
	       "trace: CPUID exits print vcpu 0, CPUID, qual 0x0 and a RIP inside the guest image");
	if (!ok || c.lost || c.bad_fields)
		tap_diag("trace head: %.2000s", text ? text : "(unreadable)");
	free(text);
	svm_destroy(&s);
	test_inject_trace(dir);
	ok = true;
	for (size_t i = 0; i < NR_TRACE_EVENTS; i++) {
		snprintf(path, sizeof(path), "%s/events/pvx/%s/enable", dir,
			 trace_events[i]);
		en = read_text(path);
		EXPECT(en && en[0] == '0');
		free(en);
	}
	tap_ok(ok, "the pvx events are disabled again");
}

#define NR_TESTS (10 + 6 + 3 + 4 + 7)

int main(int argc, char **argv)
{
	sys_fd = pvxtest_start(argc, argv, NULL, NR_TESTS);
	test_counts();
	test_two_vcpus();
	test_while_running();
	test_bad_input();
	test_tracepoints();
	close(sys_fd);
	return tap_finish();
}
