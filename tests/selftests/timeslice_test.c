// SPDX-License-Identifier: GPL-2.0
/*
 * timeslice_test [--guests DIR] [--no-load] [--cpu N] [--main-cpu M]:
 * spinning guests share a CPU with each other and with the host.
 *
 * Two VMs run the events guest's EV_SPIN scenario (a counter in guest RAM
 * incremented forever, IF = 1) on two threads pinned to CPU N (default
 * 0), and this test's main thread is pinned to CPU M (default N, the same
 * CPU). The VMX preemption timer bounds each guest slice, so:
 *  - after about 1 s both counters are above 0, and later both have grown;
 *  - the main thread runs meanwhile (it counts its own loop turns; were
 *    it starved, the alarm set at the start would end the test);
 *  - PVX_INTERRUPT from the main thread while a vCPU runs succeeds (never
 *    -EBUSY) and the guest's handler counts the interrupt.
 * With --main-cpu different from --cpu (the smp suite), the interrupt
 * kicks a vCPU running on another CPU.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "evtest.h"
#include "pvxtest.h"
#include "tap.h"

#define NR_GUESTS	2
#define ALARM_S		120
#define WAIT_MS		30000

static int sys_fd;
static int vcpu_cpu, main_cpu;

static struct spinner {
	struct evt ev;
	pthread_t tid;
	atomic_uint ready;	/* the counter's address is known */
	atomic_uint done;
	atomic_bool stop;
	volatile uint64_t *counter, *irqs;
	int last;
} sp[NR_GUESTS];

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void on_alarm(int sig)
{
	static const char msg[] = "Bail out! the test was starved for " "120 s\n";

	(void)sig;
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

static void spin_report(struct gvm *g, uint32_t key, uint64_t value)
{
	struct spinner *s = ((struct evt *)g->opaque)->opaque;
	volatile uint64_t *p = pvx_gpa_to_host(&g->vm->mem, value, 8);

	if (key == EK_SPIN_COUNTER)
		s->counter = p;
	if (key == EK_SPIN_IRQS) {
		s->irqs = p;
		atomic_store(&s->ready, 1);
	}
}

static void *spin_thread(void *arg)
{
	struct spinner *s = arg;
	int r;

	if (pin(vcpu_cpu))
		tap_diag("pinning a vCPU thread to CPU %d failed", vcpu_cpu);
	do
		r = gvm_run(&s->ev.g);
	while (r == PVX_EXIT_INTR && !atomic_load(&s->stop));
	s->last = r;
	atomic_store(&s->done, 1);
	return NULL;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The main thread's own work for @secs: its loop turns. */
static uint64_t busy(double secs)
{
	double end = now_s() + secs;
	uint64_t turns = 0;

	while (now_s() < end)
		turns++;
	return turns;
}

static bool wait_ready(struct spinner *s)
{
	for (unsigned int ms = 0; ms < WAIT_MS; ms += 5) {
		if (atomic_load(&s->ready) || atomic_load(&s->done))
			break;
		sleep_ms(5);
	}
	return atomic_load(&s->ready) && s->counter && s->irqs;
}

static void stop_all(void)
{
	for (int i = 0; i < NR_GUESTS; i++) {
		if (!sp[i].tid)
			continue;
		atomic_store(&sp[i].stop, true);
		sp[i].ev.g.vcpu->run->flags |= PVX_RUN_IMMEDIATE_EXIT;
		for (unsigned int ms = 0; !atomic_load(&sp[i].done); ms += 10) {
			if (ms > WAIT_MS)
				tap_bail("vCPU thread %d does not stop", i);
			pthread_kill(sp[i].tid, SIGUSR1);
			sleep_ms(10);
		}
		pthread_join(sp[i].tid, NULL);
		evt_stop(&sp[i].ev);
	}
}

int main(int argc, char **argv)
{
	struct sigaction usr1 = { .sa_handler = on_usr1 };
	struct sigaction alrm = { .sa_handler = on_alarm };
	uint64_t c1[NR_GUESTS], c2[NR_GUESTS], turns, irqs = 0;
	const char *cpu = "0", *main_cpu_arg = NULL;
	const struct pvxtest_opt opts[] = {
		{ "--cpu", &cpu, NULL },
		{ "--main-cpu", &main_cpu_arg, NULL },
		{ NULL, NULL, NULL },
	};
	bool ok;
	int r;

	sys_fd = pvxtest_start(argc, argv, opts, 4);
	vcpu_cpu = atoi(cpu);
	main_cpu = main_cpu_arg ? atoi(main_cpu_arg) : vcpu_cpu;
	sigemptyset(&usr1.sa_mask);
	sigaction(SIGUSR1, &usr1, NULL);
	sigemptyset(&alrm.sa_mask);
	sigaction(SIGALRM, &alrm, NULL);
	r = pin(main_cpu);
	if (r)
		tap_bail("sched_setaffinity(CPU %d): %s", main_cpu, strerror(-r));
	tap_diag("vCPU threads on CPU %d, main thread on CPU %d", vcpu_cpu, main_cpu);
	alarm(ALARM_S);

	for (int i = 0; i < NR_GUESTS; i++) {
		if (evt_start(&sp[i].ev, sys_fd, EV_SPIN, NULL, NULL))
			tap_bail("cannot start guest %d", i);
		sp[i].ev.opaque = &sp[i];
		sp[i].ev.g.report_hook = spin_report;
		if (pthread_create(&sp[i].tid, NULL, spin_thread, &sp[i]))
			tap_bail("pthread_create");
	}
	for (int i = 0; i < NR_GUESTS; i++)
		if (!wait_ready(&sp[i])) {
			gvm_diag(&sp[i].ev.g, sp[i].last);
			tap_bail("guest %d did not report its counter", i);
		}

	turns = busy(1.0);
	for (int i = 0; i < NR_GUESTS; i++)
		c1[i] = *sp[i].counter;
	tap_ok(c1[0] > 0 && c1[1] > 0,
	       "two guests spinning on CPU %d both progress: counters %llu and %llu after 1 s",
	       vcpu_cpu, (unsigned long long)c1[0], (unsigned long long)c1[1]);
	tap_ok(turns > 0,
	       "the main thread on CPU %d ran while they spin: %llu loop turns in 1 s",
	       main_cpu, (unsigned long long)turns);

	r = pvx_vcpu_interrupt(sp[0].ev.g.vcpu, EV_VEC_SPIN);
	busy(0.5);
	for (int i = 0; i < NR_GUESTS; i++)
		c2[i] = *sp[i].counter;
	for (unsigned int ms = 0; ms < WAIT_MS && !(irqs = *sp[0].irqs); ms += 10)
		sleep_ms(10);
	tap_ok(c2[0] > c1[0] && c2[1] > c1[1],
	       "both keep growing: %llu -> %llu and %llu -> %llu",
	       (unsigned long long)c1[0], (unsigned long long)c2[0],
	       (unsigned long long)c1[1], (unsigned long long)c2[1]);
	ok = r == 0 && irqs == 1;
	if (r)
		tap_diag("PVX_INTERRUPT: %s", strerror(-r));
	tap_ok(ok, "PVX_INTERRUPT from another thread while the vCPU runs: 0 (not EBUSY), the guest's handler counted %llu",
	       (unsigned long long)irqs);
	for (int i = 0; i < NR_GUESTS; i++)
		if (atomic_load(&sp[i].done)) {
			tap_diag("guest %d ended early:", i);
			gvm_diag(&sp[i].ev.g, sp[i].last);
		}
	stop_all();
	alarm(0);
	close(sys_fd);
	return tap_finish();
}
