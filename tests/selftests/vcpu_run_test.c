// SPDX-License-Identifier: GPL-2.0
/*
 * vcpu_run_test [--smp]: the life of running vCPUs and how they share the
 * host with each other.
 *
 *  - A guest spinning with interrupts disabled (real mode and long mode)
 *    is interrupted by a signal that another thread sends 10 ms after it
 *    started: PVX_RUN returns EINTR with PVX_EXIT_INTR less than 100 ms
 *    after the signal, and the guest resumes where it was (twice). This
 *    needs pvx to get control back from a guest that ignores interrupts:
 *    the VMX preemption timer, armed on every entry (TESTBOX.md: Bochs lets
 *    such a guest ignore host interrupts altogether).
 *  - A second PVX_RUN, or PVX_GET_REGS, on a running vCPU gets EBUSY.
 *  - SIGKILL of a process whose 2 vCPUs run frees all of pvx's objects
 *    (debugfs live: 0 VMs, vCPUs, pinned pages, EPT tables), and 100
 *    create/run/destroy cycles leak less than a page per cycle (not with
 *    --smp: the cycles are slow in the 2-CPU box).
 *  - 2 VMs x 2 vCPUs compute at once, each right; every vCPU thread keeps
 *    its own thread-local storage across PVX_RUN (the vCPUs were created
 *    by another thread). With --smp, the threads ran on both CPUs.
 *  - --smp: a vCPU thread moved between CPU 0 and CPU 1 with
 *    sched_setaffinity while its guest runs keeps computing right, and
 *    came back from PVX_RUN on both CPUs.
 *
 * Times are the box's CLOCK_MONOTONIC, which under Bochs runs far slower
 * than the wall clock.
 *
 * The guests are small payloads, run through libpvx. It loads pvx.ko if
 * it is not loaded.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libpvx.h"
#include "pvxtest.h"
#include "tap.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define RAM_SIZE	(4ULL << 20)
#define RFLAGS_IF	(1ULL << 9)
/* The port the guests report progress (or readiness) on. */
#define PORT_PROGRESS	0x80
/* How long a guest may take to do what a case waits for, in the box. */
#define WAIT_SECS	60

/*
 * cli, then count in EAX/RAX for ever: a guest spinning with interrupts
 * disabled, whose count shows how far it ran.
 */
static const uint8_t spin16[] = {
	0xfa,				/* cli */
	0x66, 0x40,			/* 1: inc %eax */
	0xeb, 0xfc,			/* jmp 1b */
};

static const uint8_t spin64[] = {
	0xfa,				/* cli */
	0x48, 0xff, 0xc0,		/* 1: inc %rax */
	0xeb, 0xfb,			/* jmp 1b */
};

/*
 * Long mode: RBX iterations of a 64-bit LCG in R14 (the seed at entry),
 * summing x >> 33 into R8; every RCX iterations an OUT of the iteration
 * count (R12) to PORT_PROGRESS; HLT at the end.
 */
#define LCG_MUL		6364136223846793005ULL
#define LCG_ADD		1442695040888963407ULL
static const uint8_t lcg64[] = {
	0x49, 0xba, 0x2d, 0x7f, 0x95, 0x4c,	/* movabs $LCG_MUL, %r10 */
	0x2d, 0xf4, 0x51, 0x58,
	0x49, 0xbb, 0x4f, 0x81, 0x67, 0xf7,	/* movabs $LCG_ADD, %r11 */
	0x7e, 0x7b, 0x05, 0x14,
	0x45, 0x31, 0xc0,			/* xor %r8d, %r8d */
	0x45, 0x31, 0xe4,			/* xor %r12d, %r12d */
	0x49, 0x89, 0xcd,			/* mov %rcx, %r13 */
	0x4d, 0x0f, 0xaf, 0xf2,			/* 1: imul %r10, %r14 */
	0x4d, 0x01, 0xde,			/* add %r11, %r14 */
	0x4c, 0x89, 0xf0,			/* mov %r14, %rax */
	0x48, 0xc1, 0xe8, 0x21,			/* shr $33, %rax */
	0x49, 0x01, 0xc0,			/* add %rax, %r8 */
	0x49, 0xff, 0xc4,			/* inc %r12 */
	0x49, 0xff, 0xcd,			/* dec %r13 */
	0x75, 0x0b,				/* jnz 2f */
	0x49, 0x89, 0xcd,			/* mov %rcx, %r13 */
	0x44, 0x89, 0xe0,			/* mov %r12d, %eax */
	0x66, 0xba, 0x80, 0x00,			/* mov $PORT_PROGRESS, %dx */
	0xef,					/* out %eax, (%dx) */
	0x49, 0x39, 0xdc,			/* 2: cmp %rbx, %r12 */
	0x72, 0xd7,				/* jb 1b */
	0xf4,					/* hlt */
};

/*
 * Long mode: write each page of [TOUCH_GPA, RSI), then an OUT to
 * PORT_PROGRESS, then spin.
 */
#define TOUCH_GPA	0x200000ULL
static const uint8_t touch64[] = {
	0xbf, 0x00, 0x00, 0x20, 0x00,		/* mov $TOUCH_GPA, %edi */
	0x48, 0x89, 0x3f,			/* 1: mov %rdi, (%rdi) */
	0x81, 0xc7, 0x00, 0x10, 0x00, 0x00,	/* add $0x1000, %edi */
	0x39, 0xf7,				/* cmp %esi, %edi */
	0x72, 0xf3,				/* jb 1b */
	0xe6, 0x80,				/* out %al, $PORT_PROGRESS */
	0xeb, 0xfe,				/* jmp . */
};

static int sys_fd;
static bool smp;

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static double ms_between(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1e3 + (b->tv_nsec - a->tv_nsec) / 1e6;
}

/* Wait until *@v reaches @want, @secs at most. */
static bool wait_for(atomic_int *v, int want, int secs)
{
	for (long ms = 0; atomic_load(v) < want; ms++) {
		if (ms >= secs * 1000L)
			return false;
		sleep_ms(1);
	}
	return true;
}

/*
 * This thread's thread pointer: glibc's TCB on x86-64 starts with a
 * pointer to itself, at %fs:0. Read anew at every call (pthread_self()
 * is a const function the compiler may read once): after PVX_RUN it shows
 * whether the FS base the thread came back with is its own.
 */
static uintptr_t thread_pointer(void)
{
	uintptr_t tp;

	__asm__ __volatile__("mov %%fs:0, %0" : "=r"(tp));
	return tp;
}

static void on_signal(int sig)
{
	(void)sig;
}

/*
 * A VM with RAM_SIZE of RAM at GPA 0, @code at the mode's image address,
 * @nr vCPUs in @mode starting there.
 */
static struct pvx_vm *guest_create(enum pvx_mode mode, const void *code,
				   size_t len, unsigned int nr)
{
	uint64_t gpa = pvx_mode_image_gpa(mode);
	struct pvx_vm *vm;
	void *host;

	if (pvx_vm_create(sys_fd, &vm))
		return NULL;
	if (pvx_vm_add_ram(vm, 0, 0, RAM_SIZE, 0, PVX_BACKING_PAGES) ||
	    pvx_mode_write_tables(&vm->mem, mode, RAM_SIZE))
		goto fail;
	host = pvx_gpa_to_host(&vm->mem, gpa, len);
	if (!host)
		goto fail;
	memcpy(host, code, len);
	for (unsigned int id = 0; id < nr; id++) {
		struct pvx_vcpu *vcpu;

		if (pvx_vcpu_create(vm, id, &vcpu) ||
		    pvx_vcpu_setup_mode(vcpu, mode, gpa, nr))
			goto fail;
	}
	return vm;
fail:
	pvx_vm_destroy(vm);
	return NULL;
}

/* Set RBX, RCX, RSI and R14, the payloads' inputs. */
static int set_inputs(struct pvx_vcpu *vcpu, uint64_t rbx, uint64_t rcx,
		      uint64_t rsi, uint64_t r14)
{
	struct pvx_regs r;
	int err = pvx_vcpu_get_regs(vcpu, &r);

	if (err)
		return err;
	r.rbx = rbx;
	r.rcx = rcx;
	r.rsi = rsi;
	r.r14 = r14;
	return pvx_vcpu_set_regs(vcpu, &r);
}

static bool live_zero(struct pvxtest_live *l)
{
	return pvxtest_read_live(l) && !l->vms && !l->vcpus && !l->pinned_pages &&
	       !l->ept_tables;
}

/* Freeing may trail the last close (deferred fput): a few tries. */
static bool live_settles_to_zero(struct pvxtest_live *l)
{
	static const struct pvxtest_live zero;

	return pvxtest_live_settles(&zero, l);
}

static void diag_live(const char *when, const struct pvxtest_live *l)
{
	tap_diag("%s: vms %ld vcpus %ld pinned_pages %ld ept_tables %ld", when,
		 l->vms, l->vcpus, l->pinned_pages, l->ept_tables);
}

/*
 * A vCPU thread that runs PVX_RUN once per round, each round when the
 * main thread allows it, and notes how each ended.
 */
#define ROUNDS	2

struct spinner {
	struct pvx_vcpu *vcpu;
	pthread_t tid;
	int rounds;
	atomic_int go;		/* rounds the main thread allowed */
	atomic_int entering;	/* rounds begun: PVX_RUN is called next */
	atomic_int returned;	/* rounds whose PVX_RUN returned */
	struct timespec ret[ROUNDS];
	int err[ROUNDS];
	uint32_t reason[ROUNDS];
	bool tls_ok;		/* thread pointer unchanged after PVX_RUN */
};

static void *spinner_main(void *arg)
{
	struct spinner *s = arg;
	uintptr_t self = thread_pointer();

	s->tls_ok = true;
	for (int i = 0; i < s->rounds; i++) {
		while (atomic_load(&s->go) <= i)
			sleep_ms(1);
		atomic_store(&s->entering, i + 1);
		s->err[i] = ioctl(s->vcpu->fd, PVX_RUN, 0) < 0 ? errno : 0;
		clock_gettime(CLOCK_MONOTONIC, &s->ret[i]);
		s->reason[i] = s->vcpu->run->exit_reason;
		s->tls_ok &= thread_pointer() == self;
		atomic_store(&s->returned, i + 1);
	}
	return NULL;
}

static void spinner_start(struct spinner *s, struct pvx_vcpu *vcpu, int rounds)
{
	memset(s, 0, sizeof(*s));
	s->vcpu = vcpu;
	s->rounds = rounds;
	if (pthread_create(&s->tid, NULL, spinner_main, s))
		tap_bail("pthread_create failed");
}

/* Round @i's PVX_RUN must return; kick harder if a signal was not enough. */
static void spinner_wait_return(struct spinner *s, int i)
{
	if (wait_for(&s->returned, i + 1, WAIT_SECS))
		return;
	tap_diag("PVX_RUN did not return in %d s: trying PVX_RUN_IMMEDIATE_EXIT",
		 WAIT_SECS);
	__atomic_or_fetch(&s->vcpu->run->flags, PVX_RUN_IMMEDIATE_EXIT,
			  __ATOMIC_SEQ_CST);
	pthread_kill(s->tid, SIGUSR1);
	if (!wait_for(&s->returned, i + 1, WAIT_SECS))
		tap_bail("a vCPU thread is stuck in PVX_RUN");
}

/*
 * The signal cases: round after round, 10 ms after the thread entered
 * PVX_RUN, signal it and time the return.
 */
static void signal_case(enum pvx_mode mode, const uint8_t *code, size_t len)
{
	struct pvx_vm *vm = guest_create(mode, code, len, 1);
	uint64_t entry = pvx_mode_image_gpa(mode), count = 0;
	const char *name = pvx_mode_name(mode);
	struct spinner s;

	if (!vm)
		tap_bail("cannot create a %s mode guest", name);
	spinner_start(&s, vm->vcpu[0], ROUNDS);
	for (int i = 0; i < ROUNDS; i++) {
		struct timespec sent;
		struct pvx_regs r;
		double ms;
		bool ran;

		atomic_store(&s.go, i + 1);
		if (!wait_for(&s.entering, i + 1, WAIT_SECS))
			tap_bail("the vCPU thread did not start");
		sleep_ms(10);
		clock_gettime(CLOCK_MONOTONIC, &sent);
		pthread_kill(s.tid, SIGUSR1);
		spinner_wait_return(&s, i);
		ms = ms_between(&sent, &s.ret[i]);
		/* It ran (the count moved) with IF=0, inside the loop. */
		ran = !pvx_vcpu_get_regs(vm->vcpu[0], &r) && r.rax > count &&
		      !(r.rflags & RFLAGS_IF) && r.rip > entry && r.rip < entry + len;
		if (!ran)
			tap_diag("RAX %#llx (before %#llx), RIP %#llx, RFLAGS %#llx",
				 (unsigned long long)r.rax, (unsigned long long)count,
				 (unsigned long long)r.rip,
				 (unsigned long long)r.rflags);
		count = r.rax;
		if (!s.tls_ok)
			tap_diag("the vCPU thread came back from PVX_RUN with another thread's FS base");
		tap_ok(s.err[i] == EINTR && s.reason[i] == PVX_EXIT_INTR &&
		       ms < 100.0 && ran && s.tls_ok,
		       "%s mode, cli and spin, %s: a signal ends PVX_RUN in %.1f ms (< 100): %s, exit %u; the guest ran with IF=0",
		       name, i ? "resumed" : "first run", ms,
		       s.err[i] ? strerrorname_np(s.err[i]) : "no error",
		       s.reason[i]);
	}
	pthread_join(s.tid, NULL);
	pvx_vm_destroy(vm);
}

/* A second caller while a vCPU runs: EBUSY for PVX_RUN and PVX_GET_REGS. */
static void ebusy_case(void)
{
	struct pvx_vm *vm = guest_create(PVX_MODE_LONG, spin64, sizeof(spin64), 1);
	struct pvx_regs r;
	struct spinner s;
	int e_run, e_regs, e_after;

	if (!vm)
		tap_bail("cannot create a long mode guest");
	spinner_start(&s, vm->vcpu[0], 1);
	atomic_store(&s.go, 1);
	if (!wait_for(&s.entering, 1, WAIT_SECS))
		tap_bail("the vCPU thread did not start");
	sleep_ms(10);
	e_run = ioctl(vm->vcpu[0]->fd, PVX_RUN, 0) < 0 ? errno : 0;
	e_regs = ioctl(vm->vcpu[0]->fd, PVX_GET_REGS, &r) < 0 ? errno : 0;
	__atomic_or_fetch(&vm->vcpu[0]->run->flags, PVX_RUN_IMMEDIATE_EXIT,
			  __ATOMIC_SEQ_CST);
	pthread_kill(s.tid, SIGUSR1);
	spinner_wait_return(&s, 0);
	pthread_join(s.tid, NULL);
	vm->vcpu[0]->run->flags = 0;
	e_after = -pvx_vcpu_get_regs(vm->vcpu[0], &r);
	tap_ok(e_run == EBUSY && s.err[0] == EINTR,
	       "PVX_RUN from a second thread while the vCPU runs: EBUSY (got %s; the first: %s)",
	       e_run ? strerrorname_np(e_run) : "success",
	       s.err[0] ? strerrorname_np(s.err[0]) : "success");
	tap_ok(e_regs == EBUSY && !e_after && r.rax,
	       "PVX_GET_REGS while the vCPU runs: EBUSY (got %s), after: %s, RAX %#llx",
	       e_regs ? strerrorname_np(e_regs) : "success",
	       e_after ? strerrorname_np(e_after) : "ok",
	       (unsigned long long)r.rax);
	pvx_vm_destroy(vm);
}

/*
 * SIGKILL: a child runs 2 vCPUs that touched TOUCH_PAGES pages and spin;
 * it is killed; every object pvx had for it goes.
 */
#define TOUCH_PAGES	64

struct child_vcpu {
	struct pvx_vcpu *vcpu;
	int ready_fd;
};

/* In the child: run, say "ready" once the guest touched its pages, run on. */
static void *child_vcpu_main(void *arg)
{
	struct child_vcpu *c = arg;
	const struct pvx_run *run = c->vcpu->run;

	for (;;) {
		if (pvx_vcpu_run(c->vcpu))
			break;
		if (run->exit_reason == PVX_EXIT_IO &&
		    run->io.port == PORT_PROGRESS) {
			if (write(c->ready_fd, "r", 1) != 1)
				break;
		} else if (run->exit_reason != PVX_EXIT_INTR) {
			break;
		}
	}
	if (write(c->ready_fd, "x", 1) != 1)
		_exit(3);
	return NULL;
}

static void __attribute__((noreturn)) child_main(int ready_fd)
{
	struct pvx_vm *vm = guest_create(PVX_MODE_LONG, touch64, sizeof(touch64), 2);
	struct child_vcpu c[2];
	pthread_t tid[2];

	if (!vm)
		_exit(2);
	for (int i = 0; i < 2; i++) {
		c[i] = (struct child_vcpu){ vm->vcpu[i], ready_fd };
		if (set_inputs(vm->vcpu[i], 0, 0, TOUCH_GPA + TOUCH_PAGES * 4096ULL, 0) ||
		    pthread_create(&tid[i], NULL, child_vcpu_main, &c[i]))
			_exit(2);
	}
	for (;;)
		pause();
}

/* Read @n "r" bytes from @fd; false on anything else or a time-out. */
static bool read_ready(int fd, int n)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	while (n > 0) {
		if (poll(&p, 1, WAIT_SECS * 1000) != 1 || read(fd, &c, 1) != 1 ||
		    c != 'r')
			return false;
		n--;
	}
	return true;
}

static void sigkill_case(void)
{
	struct pvxtest_live before, during = { 0 }, after = { 0 };
	bool zero_before = live_zero(&before), ready, killed, zero_after;
	int status = 0, p[2];
	pid_t pid;

	if (pipe(p))
		tap_bail("pipe");
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		child_main(p[1]);
	}
	close(p[1]);
	ready = pid > 0 && read_ready(p[0], 2);
	pvxtest_read_live(&during);
	sleep_ms(10);
	if (pid > 0)
		kill(pid, SIGKILL);
	killed = pid > 0 && waitpid(pid, &status, 0) == pid &&
		 WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
	close(p[0]);
	zero_after = live_settles_to_zero(&after);

	if (!zero_before)
		diag_live("before", &before);
	tap_ok(zero_before && ready && during.vms == 1 && during.vcpus == 2 &&
	       during.pinned_pages > 0 && during.ept_tables > 0,
	       "a child's 2 vCPUs touched %d pages and spin: live shows 1 VM, 2 vCPUs, %ld pinned pages, %ld EPT tables",
	       TOUCH_PAGES, during.pinned_pages, during.ept_tables);
	if (!zero_after)
		diag_live("after", &after);
	tap_ok(killed && zero_after,
	       "SIGKILL of the child, then waitpid: 0 VMs, vCPUs, pinned pages, EPT tables");
}


/* Create a VM and a vCPU, run the touching guest to its OUT, destroy. */
static bool one_cycle(void)
{
	static const struct pvx_exit_ops no_ops;	/* every exit returns */
	struct pvx_vm *vm = guest_create(PVX_MODE_LONG, touch64, sizeof(touch64), 1);
	bool ok;

	if (!vm)
		return false;
	ok = !set_inputs(vm->vcpu[0], 0, 0, TOUCH_GPA + TOUCH_PAGES * 4096ULL, 0) &&
	     pvx_vcpu_run_loop(vm->vcpu[0], &no_ops, NULL) == PVX_EXIT_IO &&
	     vm->vcpu[0]->run->io.port == PORT_PROGRESS;
	pvx_vm_destroy(vm);
	return ok;
}

#define CYCLES	100

static void cycles_case(void)
{
	long long before, after;
	struct pvxtest_live l = { 0 };
	int done = 0;

	/* They take most of the 2-CPU box's time; the 1-CPU box runs them. */
	if (smp) {
		for (int i = 0; i < 3; i++)
			tap_skip("%d create/run/destroy cycles: run without --smp",
				 CYCLES);
		return;
	}
	one_cycle();	/* one-time allocations are not leaks */
	before = settled_net_page_allocs();
	for (int i = 0; i < CYCLES; i++)
		done += one_cycle();
	after = settled_net_page_allocs();
	tap_ok(done == CYCLES, "%d/%d create/run/destroy cycles ran their guest",
	       done, CYCLES);
	tap_diag("net page allocations over %d cycles: %lld", CYCLES, after - before);
	tap_ok(after - before < CYCLES,
	       "no page leak: %lld net pages over %d cycles (< 1 per cycle)",
	       after - before, CYCLES);
	if (!live_settles_to_zero(&l))
		diag_live("after the cycles", &l);
	tap_ok(live_zero(&l), "after the cycles: 0 VMs, vCPUs, pinned pages, EPT tables");
}

/*
 * Computing vCPUs: each runs the LCG payload in its own thread and checks
 * every progress report; the main thread checks the results.
 */
struct worker {
	struct pvx_vcpu *vcpu;
	uint64_t seed, iterations, every;
	pthread_barrier_t *start;
	pthread_t tid;
	atomic_int kernel_tid;
	atomic_int exits;	/* progress reports seen */
	int pause_every;	/* after this many reports, wait for @acked */
	atomic_int acked;	/* reports the main thread has seen */
	atomic_bool done;
	bool tls_ok;		/* thread pointer unchanged after PVX_RUN */
	int end;		/* the exit that ended the run, or -errno */
	uint64_t bad_report;	/* the first report out of order, or 0 */
	unsigned long cpus;	/* bit n: the thread was on CPU n after a run */
};

static uint64_t lcg_sum(uint64_t x, uint64_t n)
{
	uint64_t sum = 0;

	while (n--) {
		x = x * LCG_MUL + LCG_ADD;
		sum += x >> 33;
	}
	return sum;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	const struct pvx_run *run = w->vcpu->run;
	uintptr_t self = thread_pointer();
	int r;

	w->tls_ok = true;
	atomic_store(&w->kernel_tid, gettid());
	if (w->start)
		pthread_barrier_wait(w->start);
	for (;;) {
		int cpu, n = 0;

		r = pvx_vcpu_run(w->vcpu);
		w->tls_ok &= thread_pointer() == self;
		cpu = sched_getcpu();
		if (cpu >= 0 && cpu < (int)(8 * sizeof(w->cpus)))
			w->cpus |= 1UL << cpu;
		if (!r && run->exit_reason == PVX_EXIT_INTR)
			continue;
		if (r || run->exit_reason != PVX_EXIT_IO)
			break;
		if (run->io.port == PORT_PROGRESS && run->io.size == 4) {
			uint32_t v;

			memcpy(&v, pvx_vcpu_io_data(w->vcpu), 4);
			if (v != (atomic_load(&w->exits) + 1) * w->every &&
			    !w->bad_report)
				w->bad_report = v;
			n = atomic_fetch_add(&w->exits, 1) + 1;
		}
		/* A rendezvous: the main thread moves us in the next run. */
		if (n && w->pause_every && n % w->pause_every == 0)
			while (atomic_load(&w->acked) < n)
				sched_yield();
	}
	w->end = r ? r : (int)run->exit_reason;
	atomic_store(&w->done, true);
	return NULL;
}

static void worker_start(struct worker *w, struct pvx_vcpu *vcpu, uint64_t seed,
			 uint64_t iterations, uint64_t every,
			 pthread_barrier_t *start, int pause_every)
{
	memset(w, 0, sizeof(*w));
	w->vcpu = vcpu;
	w->seed = seed;
	w->iterations = iterations;
	w->every = every;
	w->start = start;
	w->pause_every = pause_every;
	if (set_inputs(vcpu, iterations, every, 0, seed))
		tap_bail("PVX_SET_REGS failed");
	if (pthread_create(&w->tid, NULL, worker_main, w))
		tap_bail("pthread_create failed");
}

/* After the join: the guest halted with the right sum, reports in order. */
static bool worker_right(struct worker *w, const char *who)
{
	struct pvx_regs r = { 0 };
	uint64_t want = lcg_sum(w->seed, w->iterations);
	bool ok = w->end == PVX_EXIT_HLT && !pvx_vcpu_get_regs(w->vcpu, &r) &&
		  r.r8 == want && r.r12 == w->iterations && !w->bad_report &&
		  (uint64_t)atomic_load(&w->exits) == w->iterations / w->every;

	if (!ok)
		tap_diag("%s: end %d, R8 %#llx (want %#llx), R12 %llu, %d reports, first bad %llu",
			 who, w->end, (unsigned long long)r.r8,
			 (unsigned long long)want, (unsigned long long)r.r12,
			 atomic_load(&w->exits),
			 (unsigned long long)w->bad_report);
	return ok;
}

static uint64_t seed_for(unsigned int n)
{
	return ((uint64_t)getpid() << 20) ^ (n + 1) * 0x9e3779b97f4a7c15ULL;
}

#define SMP_ITERATIONS	200000
#define SMP_EVERY	5000

static void two_vms_case(void)
{
	struct pvx_vm *vm[2];
	struct worker w[4];
	pthread_barrier_t start;
	unsigned long cpus = 0;
	bool right = true, tls = true;

	for (int i = 0; i < 2; i++) {
		vm[i] = guest_create(PVX_MODE_LONG, lcg64, sizeof(lcg64), 2);
		if (!vm[i])
			tap_bail("cannot create the guests");
	}
	pthread_barrier_init(&start, NULL, 4);
	for (int i = 0; i < 4; i++)
		worker_start(&w[i], vm[i / 2]->vcpu[i % 2], seed_for(i),
			     SMP_ITERATIONS, SMP_EVERY, &start, 0);
	for (int i = 0; i < 4; i++) {
		char who[32];

		pthread_join(w[i].tid, NULL);
		snprintf(who, sizeof(who), "VM %d vCPU %d", i / 2, i % 2);
		right &= worker_right(&w[i], who);
		tls &= w[i].tls_ok;
		cpus |= w[i].cpus;
	}
	pthread_barrier_destroy(&start);
	tap_ok(right, "2 VMs x 2 vCPUs at once: each guest's %d-step sum and its %d progress reports are right",
	       SMP_ITERATIONS, SMP_ITERATIONS / SMP_EVERY);
	tap_ok(tls, "each vCPU thread still has its own TLS after every PVX_RUN (the host FS base came back)");
	if (smp)
		tap_ok((cpus & 3) == 3, "--smp: the vCPU threads ran on CPUs 0 and 1 (CPU mask %#lx)",
		       cpus);
	else
		tap_skip("the vCPU threads on 2 CPUs: needs --smp");
	for (int i = 0; i < 2; i++)
		pvx_vm_destroy(vm[i]);
}

#define MOVE_ITERATIONS	400000
#define MOVE_EVERY	1000
#define MOVE_EXITS	8	/* move the thread every this many reports */

static int set_cpu(pid_t tid, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(tid, sizeof(set), &set);
}

/*
 * Every MOVE_EXITS progress reports the vCPU thread waits until the main
 * thread has seen the report, and runs on; 1 ms later the main thread
 * moves it to the other CPU: while it runs the guest, or handles one of
 * the reports that follow. It must compute as if it had stayed put.
 */
static void migrate_case(void)
{
	struct pvx_vm *vm;
	struct worker w;
	int moves = 0, failed_moves = 0;
	bool right;

	if (!smp) {
		tap_skip("a vCPU thread moved between CPUs: needs --smp");
		return;
	}
	vm = guest_create(PVX_MODE_LONG, lcg64, sizeof(lcg64), 1);
	if (!vm)
		tap_bail("cannot create the guest");
	worker_start(&w, vm->vcpu[0], seed_for(7), MOVE_ITERATIONS, MOVE_EVERY,
		     NULL, MOVE_EXITS);
	while (!atomic_load(&w.kernel_tid))
		sleep_ms(1);
	for (int n = MOVE_EXITS; ; n += MOVE_EXITS) {
		while (!atomic_load(&w.done) && atomic_load(&w.exits) < n)
			sleep_ms(1);
		if (atomic_load(&w.done))
			break;
		atomic_store(&w.acked, n);
		sleep_ms(1);
		/* The thread may have halted and gone since its last report. */
		if (set_cpu(atomic_load(&w.kernel_tid), ++moves % 2) &&
		    !(errno == ESRCH && atomic_load(&w.done))) {
			tap_diag("sched_setaffinity: %s", strerror(errno));
			failed_moves++;
		}
	}
	pthread_join(w.tid, NULL);
	right = worker_right(&w, "moving vCPU");
	if (!w.tls_ok)
		tap_diag("the vCPU thread came back from PVX_RUN with another thread's FS base");
	tap_ok(right && w.tls_ok && (w.cpus & 3) == 3 && !failed_moves,
	       "--smp: a vCPU thread moved %d times between CPUs 0 and 1 (CPU mask %#lx) computes its %d-step sum right",
	       moves, w.cpus, MOVE_ITERATIONS);
	pvx_vm_destroy(vm);
}

static void signal_case_real(void)
{
	signal_case(PVX_MODE_REAL, spin16, sizeof(spin16));
}

static void signal_case_long(void)
{
	signal_case(PVX_MODE_LONG, spin64, sizeof(spin64));
}

/* Run a case and say how long it took (box time), for whoever tunes it. */
static void timed(const char *name, void (*fn)(void))
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	fn();
	clock_gettime(CLOCK_MONOTONIC, &b);
	tap_diag("%s: %.2f s", name, ms_between(&a, &b) / 1000);
}

#define NR_TESTS	15

int main(int argc, char **argv)
{
	const struct pvxtest_opt opts[] = {
		{ "--smp", NULL, &smp },
		{ NULL, NULL, NULL },
	};
	struct sigaction sa = { .sa_handler = on_signal };

	sys_fd = pvxtest_start(argc, argv, opts, NR_TESTS);
	if (smp && online_cpus() < 2)
		tap_bail("--smp needs 2 online CPUs, %d online", online_cpus());
	/* No SA_RESTART: the signal must end PVX_RUN. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);

	timed("signals, real mode", signal_case_real);
	timed("signals, long mode", signal_case_long);
	timed("EBUSY", ebusy_case);
	timed("SIGKILL", sigkill_case);
	timed("cycles", cycles_case);
	timed("2 VMs x 2 vCPUs", two_vms_case);
	timed("migration", migrate_case);

	close(sys_fd);
	return tap_finish();
}
