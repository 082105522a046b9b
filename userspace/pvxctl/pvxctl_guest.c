// SPDX-License-Identifier: GPL-2.0
/*
 * pvxctl run: the running guest: one thread per vCPU in libpvx's run loop
 * with the ports of pvx_ports.h, stopping them all when the guest ends, and
 * the summary on stderr.
 *
 * A vCPU's end ends the guest, except HLT, which ends only that vCPU (pvx
 * has no interrupts to wake it yet). With --pv the main thread also
 * copies the guest's hypervisor console (PVX_PV_CONSOLE_READ) to stdout
 * every KICK_MS while the guest runs, and once more at the end; a Xen
 * shutdown (PVX_EXIT_PV_SHUTDOWN) ends the guest with a status per reason
 * (pv_shutdown_status()). To stop the others, the main thread
 * sets PVX_RUN_IMMEDIATE_EXIT in each running vCPU's run page, so that its
 * next PVX_RUN returns -EINTR at once, and sends it SIGUSR1, which ends the
 * PVX_RUN under way; a kick that raced with the thread's entry is repeated
 * every KICK_MS until the thread is done.
 *
 * A Xen guest (run_opts.pv: pvxctl run --pv, pvxctl boot) differs: its
 * hypervisor console (console_io, port 0xE9) is copied to stdout every
 * KICK_MS, and a Xen shutdown gives the exit status (pv_shutdown_status():
 * poweroff 0, another reason 10 + reason). A PVH kernel (run_opts.pvh:
 * pvxctl boot) has none of pvx's ports: string I/O to a port nobody serves
 * reads all ones and is dropped as pvx does for IN and OUT (an OUTS to
 * 0xE9 prints). Its vCPUs have the x2APIC, where a HLT with interrupts
 * off takes a vCPU down to wait for INIT-SIPI in pvx and only the last
 * vCPU up exits with it (Xen's hvm_hlt()): that HLT ends the guest, the
 * vCPUs down are stopped.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/pvx_xen.h>
#include <x86intrin.h>

#include "pvx_ports.h"
#include "pvxctl.h"

#define KICK_MS		20

struct guest;

struct vcpu_thread {
	pthread_t tid;
	struct guest *g;
	struct pvx_vcpu *vcpu;
	int end;		/* pvx_vcpu_run_loop()'s last answer */
	bool done;		/* under guest.lock */
};

struct guest {
	struct pvx_vm *vm;
	struct pvx_ports ports;
	struct timespec start;
	uint64_t start_tsc;
	size_t mark_len;	/* bytes of run_opts.mark matched so far */
	bool marked;
	struct trap_emu emu;	/* --trap */
	const struct run_opts *o;
	pthread_mutex_t lock;
	pthread_cond_t cond;	/* a vCPU thread is done */
	unsigned int running;	/* under lock */
	atomic_bool stop;	/* every vCPU must stop */
	bool interrupted;	/* by SIGINT or SIGTERM */
	struct vcpu_thread t[PVX_MAX_VCPUS];
};

static volatile sig_atomic_t got_interrupt;

static void on_interrupt(int sig)
{
	(void)sig;
	got_interrupt = 1;
}

/* SIGUSR1 only needs to be pending while PVX_RUN runs: nothing to do. */
static void on_kick(int sig)
{
	(void)sig;
}

/* A Xen guest's string I/O: absent devices, and 0xE9 for the console. */
static int absent_io(uint16_t port, uint8_t size, uint8_t direction,
		     void *data, uint32_t count)
{
	if (direction == PVX_EXIT_IO_IN)
		memset(data, 0xff, (size_t)size * count);
	else if (port == 0xe9 && size == 1 && fwrite(data, 1, count, stdout))
		fflush(stdout);
	return PVX_RUN_CONTINUE;
}

/* The ops' opaque is the guest: its ports, and the emulation of --trap. */
static int guest_io(void *opaque, struct pvx_vcpu *vcpu, uint16_t port,
		    uint8_t size, uint8_t direction, void *data, uint32_t count)
{
	struct guest *g = opaque;

	if (g->o->pvh)
		return absent_io(port, size, direction, data, count);
	return pvx_ports_io(&g->ports, vcpu, port, size, direction, data, count);
}

static int guest_trap(void *opaque, struct pvx_vcpu *vcpu, struct pvx_run *run)
{
	return trap_exit(&((struct guest *)opaque)->emu, vcpu, run);
}

static int guest_cpuid(void *opaque, struct pvx_vcpu *vcpu, struct pvx_run *run)
{
	return trap_cpuid(&((struct guest *)opaque)->emu, vcpu, run);
}

static int guest_msr(void *opaque, struct pvx_vcpu *vcpu, struct pvx_run *run)
{
	return trap_msr(&((struct guest *)opaque)->emu, vcpu, run);
}

static const struct pvx_exit_ops exit_ops = {
	.io = guest_io, .trap = guest_trap, .cpuid = guest_cpuid,
	.msr = guest_msr,
};

static void *vcpu_main(void *arg)
{
	struct vcpu_thread *t = arg;
	struct guest *g = t->g;
	int r;

	do
		r = pvx_vcpu_run_loop(t->vcpu, &exit_ops, g);
	while (r == PVX_EXIT_INTR && !atomic_load(&g->stop));
	pthread_mutex_lock(&g->lock);
	t->end = r;
	t->done = true;
	g->running--;
	if (r != PVX_EXIT_HLT || g->o->pvh)
		atomic_store(&g->stop, true);
	pthread_cond_signal(&g->cond);
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

static void print_report(void *opaque, unsigned int vcpu, uint32_t key,
			 uint64_t value)
{
	(void)opaque;
	fprintf(stderr, "pvxctl: vcpu %u: report key %#x value %#llx (%llu)\n",
		vcpu, key, (unsigned long long)value, (unsigned long long)value);
}

static void install_signals(void)
{
	struct sigaction kick = { .sa_handler = on_kick };
	struct sigaction stop = { .sa_handler = on_interrupt };

	/* No SA_RESTART: the point is that PVX_RUN returns. */
	sigemptyset(&kick.sa_mask);
	sigemptyset(&stop.sa_mask);
	sigaction(SIGUSR1, &kick, NULL);
	sigaction(SIGINT, &stop, NULL);
	sigaction(SIGTERM, &stop, NULL);
}

/* vCPU threads block SIGINT and SIGTERM: the main thread takes them. */
static void start_vcpus(struct guest *g, struct pvx_vm *vm)
{
	sigset_t block, old;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	g->running = g->o->cpus;
	for (unsigned int id = 0; id < g->o->cpus; id++) {
		struct vcpu_thread *t = &g->t[id];
		int r;

		t->g = g;
		t->vcpu = vm->vcpu[id];
		r = pthread_create(&t->tid, NULL, vcpu_main, t);
		if (r)
			die_errno(-r, "cannot start the thread of vCPU %u", id);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void kick_running(struct guest *g)
{
	for (unsigned int id = 0; id < g->o->cpus; id++) {
		if (g->t[id].done)
			continue;
		__atomic_or_fetch(&g->t[id].vcpu->run->flags,
				  PVX_RUN_IMMEDIATE_EXIT, __ATOMIC_SEQ_CST);
		pthread_kill(g->t[id].tid, SIGUSR1);
	}
}

/* Wait for a vCPU to finish, KICK_MS at most (guest.cond's clock is monotonic). */
static void wait_a_while(struct guest *g)
{
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += KICK_MS * 1000000L;
	until.tv_sec += until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	pthread_cond_timedwait(&g->cond, &g->lock, &until);
}

static double seconds_since(const struct timespec *start);

/* --mark: the first time the text appears in the guest's output. */
static void watch_mark(struct guest *g, const char *buf, size_t n)
{
	const char *mark = g->o->mark;

	for (size_t i = 0; i < n && mark && !g->marked; i++) {
		g->mark_len = buf[i] == mark[g->mark_len] ? g->mark_len + 1 :
			      buf[i] == mark[0];
		if (!mark[g->mark_len]) {
			g->marked = true;
			fprintf(stderr, "\npvxctl: mark \"%s\" after %.3f s, %llu host TSC ticks since the entry\n",
				mark, seconds_since(&g->start),
				(unsigned long long)(__rdtsc() - g->start_tsc));
		}
	}
}

/*
 * A Xen guest's output to stdout (stderr with --json): console_io and
 * port 0xE9 bytes, and what the console backend took from the hvc ring.
 */
static void drain_pv_console(struct guest *g)
{
	FILE *out = g->o->json ? stderr : stdout;
	char buf[4096];
	ssize_t n;

	if (!g->o->pv)
		return;
	while ((n = pvx_pv_console_read(g->vm, buf, sizeof(buf), NULL)) > 0) {
		watch_mark(g, buf, n);
		if (fwrite(buf, 1, n, out) != (size_t)n)
			break;
	}
	while (g->o->hvc_fd >= 0 && (n = read(g->o->hvc_fd, buf, sizeof(buf))) > 0) {
		watch_mark(g, buf, n);
		if (fwrite(buf, 1, n, out) != (size_t)n)
			break;
	}
	fflush(out);
}

static void wait_vcpus(struct guest *g)
{
	pthread_mutex_lock(&g->lock);
	while (g->running) {
		drain_pv_console(g);
		if (got_interrupt && !g->interrupted) {
			g->interrupted = true;
			atomic_store(&g->stop, true);
		}
		if (atomic_load(&g->stop))
			kick_running(g);
		wait_a_while(g);
	}
	pthread_mutex_unlock(&g->lock);
	for (unsigned int id = 0; id < g->o->cpus; id++)
		pthread_join(g->t[id].tid, NULL);
	drain_pv_console(g);
}

/*
 * How each end of a vCPU reads in the summary. @failed: the guest did not
 * end as it meant to, and pvxctl exits 1 unless the guest wrote the exit
 * port.
 */
/* Only the exit port stops a vCPU on I/O (pvx_ports_io). */
static void say_io(const struct vcpu_thread *t, char *buf, size_t len)
{
	uint32_t value = 0;

	memcpy(&value, pvx_vcpu_io_data(t->vcpu), t->vcpu->run->io.size);
	snprintf(buf, len, "wrote %u to the exit port", value);
}

static void say_mmio(const struct vcpu_thread *t, char *buf, size_t len)
{
	const struct pvx_run *run = t->vcpu->run;

	snprintf(buf, len, "MMIO %s of %u bytes at guest-physical %#llx, where there is no RAM and no device (RAM is 0 - %u MiB: raise --mem if the guest meant RAM)",
		 run->mmio.is_write ? "write" : "read", run->mmio.len,
		 (unsigned long long)run->mmio.phys_addr, t->g->o->mem_mib);
}

static void say_hlt(const struct vcpu_thread *t, char *buf, size_t len)
{
	(void)t;
	snprintf(buf, len, "halted");
}

static void say_shutdown(const struct vcpu_thread *t, char *buf, size_t len)
{
	struct pvx_regs regs;
	char rip[32] = "?";

	if (!pvx_vcpu_get_regs(t->vcpu, &regs))
		snprintf(rip, sizeof(rip), "%#llx", (unsigned long long)regs.rip);
	snprintf(buf, len, "triple fault at RIP %s (the guest took an exception, and %s mode as pvxctl sets it up has no IDT): check the guest's code there, and --mode",
		 rip, pvx_mode_name(t->g->o->mode));
}

static void say_fail_entry(const struct vcpu_thread *t, char *buf, size_t len)
{
	const struct pvx_run *run = t->vcpu->run;

	snprintf(buf, len, "VM entry failed, reason %#llx, qualification %#llx (SDM 26.7, 26.8): the CPU refused the state pvx loaded; a pvx bug, please report it with the image",
		 (unsigned long long)run->fail_entry.hardware_entry_failure_reason,
		 (unsigned long long)run->fail_entry.qualification);
}

static void say_internal(const struct vcpu_thread *t, char *buf, size_t len)
{
	const struct pvx_run *run = t->vcpu->run;
	const char *what = pvx_internal_name(run->internal.suberror);

	snprintf(buf, len, "pvx could not go on: %s (suberror %u, VM exit reason %llu, qualification %#llx, RIP %#llx, GPA %#llx); see dmesg",
		 what ? what : "unknown cause", run->internal.suberror,
		 (unsigned long long)run->internal.exit_reason,
		 (unsigned long long)run->internal.qualification,
		 (unsigned long long)run->internal.guest_rip,
		 (unsigned long long)run->internal.guest_phys_addr);
}

static void say_intr(const struct vcpu_thread *t, char *buf, size_t len)
{
	snprintf(buf, len, "%s", t->g->interrupted ? "interrupted" : "stopped");
}

/* The emulation of --trap stops only by an error: this is not reached. */
static void say_forwarded(const struct vcpu_thread *t, char *buf, size_t len)
{
	snprintf(buf, len, "a forwarded exit (%s) was left unhandled",
		 pvx_exit_name(t->vcpu->run->exit_reason));
}

static void say_pv_shutdown(const struct vcpu_thread *t, char *buf, size_t len)
{
	uint32_t reason = t->vcpu->run->pv_shutdown.reason;
	const char *name = pvx_pv_shutdown_name(reason);

	snprintf(buf, len, "Xen shutdown: %s (reason %u), exit status %d",
		 name ? name : "unknown", reason, pv_shutdown_status(reason));
}

int pv_shutdown_status(uint32_t reason)
{
	if (reason == SHUTDOWN_poweroff)
		return 0;
	if (reason > PVXCTL_PV_STATUS_MAX - PVXCTL_PV_STATUS_BASE)
		return PVXCTL_PV_STATUS_MAX;
	return PVXCTL_PV_STATUS_BASE + reason;
}

/* The Xen shutdown that ended the guest, if one did: its reason. */
static bool pv_shutdown_reason(const struct guest *g, uint32_t *reason)
{
	for (unsigned int id = 0; id < g->o->cpus; id++) {
		const struct vcpu_thread *t = &g->t[id];

		if (t->end == PVX_EXIT_PV_SHUTDOWN) {
			*reason = t->vcpu->run->pv_shutdown.reason;
			return true;
		}
	}
	return false;
}

static void say_unknown(const struct vcpu_thread *t, char *buf, size_t len)
{
	snprintf(buf, len, "exit reason %u, which this pvxctl does not know: build pvxctl and pvx.ko from the same tree",
		 t->vcpu->run->exit_reason);
}

static const struct vcpu_end {
	bool failed;
	void (*say)(const struct vcpu_thread *t, char *buf, size_t len);
} vcpu_ends[PVX_NR_EXITS] = {
	[PVX_EXIT_UNKNOWN] = { true, say_unknown },
	[PVX_EXIT_IO] = { false, say_io },
	[PVX_EXIT_MMIO] = { true, say_mmio },
	[PVX_EXIT_HLT] = { false, say_hlt },
	[PVX_EXIT_SHUTDOWN] = { true, say_shutdown },
	[PVX_EXIT_FAIL_ENTRY] = { true, say_fail_entry },
	[PVX_EXIT_INTERNAL_ERROR] = { true, say_internal },
	[PVX_EXIT_INTR] = { false, say_intr },
	[PVX_EXIT_TRAP] = { true, say_forwarded },
	[PVX_EXIT_CPUID] = { true, say_forwarded },
	[PVX_EXIT_MSR] = { true, say_forwarded },
	[PVX_EXIT_PV_SHUTDOWN] = { false, say_pv_shutdown },
};

/* "N exits (io 24, hlt 1)" */
static void print_exits(const struct pvx_vcpu *vcpu)
{
	uint64_t total = 0;
	const char *sep = "";

	for (uint32_t i = 0; i < PVX_NR_EXITS; i++)
		total += vcpu->exits[i];
	fprintf(stderr, "; %llu exit%s (", (unsigned long long)total,
		total == 1 ? "" : "s");
	for (uint32_t i = 0; i < PVX_NR_EXITS; i++) {
		if (!vcpu->exits[i])
			continue;
		fprintf(stderr, "%s%s %llu", sep, pvx_exit_name(i),
			(unsigned long long)vcpu->exits[i]);
		sep = ", ";
	}
	fprintf(stderr, ")\n");
}

/* One line per vCPU; true if any vCPU failed. */
static bool print_vcpus(const struct guest *g)
{
	bool failed = false;

	for (unsigned int id = 0; id < g->o->cpus; id++) {
		const struct vcpu_thread *t = &g->t[id];
		char what[512];

		if (t->end == -ENOTSUP) {
			snprintf(what, sizeof(what), "stopped: a forwarded exit pvxctl cannot emulate (said above)");
			failed = true;
		} else if (t->end < 0) {
			snprintf(what, sizeof(what), "PVX_RUN failed: %s%s",
				 strerror(-t->end), t->end == -EPROTO ?
				 " (an exit this pvxctl cannot read: build pvxctl and pvx.ko from the same tree)" : "");
			failed = true;
		} else {
			vcpu_ends[t->end].say(t, what, sizeof(what));
			failed |= vcpu_ends[t->end].failed;
		}
		fprintf(stderr, "pvxctl: vcpu %u: %s", id, what);
		print_exits(t->vcpu);
	}
	return failed;
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) + (now.tv_nsec - start->tv_nsec) / 1e9;
}

/* The summary, and pvxctl's exit status. */
static int summarize(struct guest *g, double secs)
{
	bool failed = print_vcpus(g);
	const char *how = "every vCPU halted";
	uint32_t status;
	int rc = 0;

	if (pv_shutdown_reason(g, &status)) {
		how = "the guest shut down (Xen SCHEDOP_shutdown)";
		rc = pv_shutdown_status(status);
	} else if (pvx_ports_exited(&g->ports, &status)) {
		how = "the guest wrote its exit status";
		rc = status & 0xff;
	} else if (g->interrupted || failed) {
		how = g->interrupted ? "interrupted" : "the guest failed";
		rc = EXIT_FAILURE;
	}
	fprintf(stderr, "pvxctl: %s after %.3f s on %u vCPU%s; exit status %d\n",
		how, secs, g->o->cpus, g->o->cpus == 1 ? "" : "s", rc);
	return rc;
}

static void init_guest(struct guest *g, const struct run_opts *o)
{
	pthread_condattr_t attr;

	g->o = o;
	trap_emu_init(&g->emu, o->log, o->cpus);
	/* With --json, stdout carries the JSON alone. */
	pvx_ports_init(&g->ports, o->json ? STDERR_FILENO : STDOUT_FILENO);
	g->ports.report = print_report;
	atomic_init(&g->stop, false);
	pthread_mutex_init(&g->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&g->cond, &attr);
	pthread_condattr_destroy(&attr);
}

int run_guest(struct pvx_vm *vm, const struct run_opts *o)
{
	struct guest *g = calloc(1, sizeof(*g));
	struct timespec start;
	int rc;

	if (!g)
		die_errno(-ENOMEM, "pvxctl run");
	init_guest(g, o);
	g->vm = vm;
	install_signals();
	clock_gettime(CLOCK_MONOTONIC, &start);
	g->start = start;
	g->start_tsc = __rdtsc();
	start_vcpus(g, vm);
	wait_vcpus(g);
	pvx_ports_flush(&g->ports);
	drain_pv_console(g);
	rc = summarize(g, seconds_since(&start));
	free(g);
	return rc;
}
