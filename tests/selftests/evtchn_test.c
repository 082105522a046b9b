// SPDX-License-Identifier: GPL-2.0
/*
 * evtchn_test [--guests DIR] [--no-load]: Xen event channels, timers,
 * block and poll, the PV clock and shutdown on pvx, from the xenevt guest
 * (tests/guest/xenevt.c), whose upcall handler scans ports as Linux does:
 *  - every EVTCHNOP: a loopback channel (alloc_unbound, bind_interdomain,
 *    whose new port is pending), delivery through the callback vector to
 *    the handler once per send; a masked port pending without an upcall
 *    until EVTCHNOP_unmask re-raises it; with IF=0 no upcall until STI;
 *    an upcall_pending the handler leaves set comes again after IRET;
 *    VIRQ and IPI ports; bind_vcpu; close leaving the other end unbound;
 *    the failures (ports out of range, closed, VIRQ ports, a VIRQ bound
 *    twice, vCPUs that do not exist, other domains, bad pointers, the FIFO
 *    ops that make Linux use 2-level); 4095 ports until -ENOSPC, reset;
 *  - the PV clock in vcpu_info: version even, scale set, RDTSC-based and
 *    monotonic, matching RDTSC; system time since PVX_PV_ENABLE (within
 *    what the host measured) and the wallclock within 5 s of the host's;
 *    singleshot timers delivering VIRQ_TIMER not early, a past deadline
 *    at once, -ETIME with VCPU_SSHOTTMR_future, stopped timers quiet, the
 *    periodic timer, is_up, the runstate area; SCHEDOP_block (IF=0) woken
 *    by the timer; poll with timeout, on a masked pending port, woken by
 *    a masked timer port, and its failures;
 *  - VCPUOP_register_vcpu_info: its failures, the contents moved, all
 *    events marked pending, the clock filled in, events through it;
 *  - two vCPUs (x2APIC VM, vCPU 1 never started), vCPU 0 acting on
 *    vCPU 1 as Linux's BSP does: VCPUOP_is_up 0 for vCPU 1 until its
 *    SIPI; its vcpu_info registered (its clock the same line, its events
 *    rescanned, vCPU 0 untouched); VIRQ_TIMER bound to it and raised by
 *    its periodic timer, flagging vCPU 1 only; an IPI port of vCPU 1; a
 *    loopback port moved there and back by bind_vcpu; ids 2, 64 and
 *    0xffffffff -ENOENT, another vCPU's singleshot timer -EINVAL;
 *  - the host's end: a guest's port bound to an eventfd that counts each
 *    send (no userspace exit), also sends in multicalls, each run exactly
 *    once (the exit fast path's, the slow path's, a batch the fast path
 *    hands over half-way at an entry whose argument is unmapped, a list
 *    across two pages), PVX_EVTCHN_NOTIFY from another thread, an
 *    irqfd, a guest blocked in SCHEDOP_block woken by the host's event
 *    without PVX_RUN returning; the guest's close drops the eventfds;
 *    every ioctl's bad inputs, and -ENODEV on a VM without PV;
 *  - a flood of sends from the guest to itself and to the host while the
 *    host floods NOTIFY: every send counted, the host fine;
 *  - two VMs connected by PVX_EVTCHN_CONNECT: each side's send raises the
 *    other; one VM destroyed while the other sends in a loop: the
 *    survivor's port is unbound to the dead domain, sends are dropped;
 *  - SCHEDOP_shutdown: PVX_EXIT_PV_SHUTDOWN with each reason, the guest
 *    goes on with 0 after;
 *  - debugfs "live" (event channels, their eventfds, PV timers) back to
 *    where it was after all of it, and after SIGKILL of a process whose
 *    guest has ports bound, an irqfd, a connection and timers armed.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#include <linux/pvx_xen.h>

#include "guest_vm.h"
#include "pvxtest.h"
#include "tap.h"
#include "../guest/xenevt.h"

#define NR_POINTS	14

struct xe_check {
	uint32_t key;
	uint64_t want;
	const char *what;
};

#define XE_CHECK_ROW(key, want, what)	{ key, want, what },
static const struct xe_check ops_checks[] = { XE_OPS_CHECKS(XE_CHECK_ROW) };
static const struct xe_check time_checks[] = { XE_TIME_CHECKS(XE_CHECK_ROW) };
static const struct xe_check vi_checks[] = {
	XE_VCPU_INFO_CHECKS(XE_CHECK_ROW)
};
static const struct xe_check host_checks[] = { XE_HOST_CHECKS(XE_CHECK_ROW) };
static const struct xe_check flood_checks[] = {
	XE_FLOOD_CHECKS(XE_CHECK_ROW)
};
static const struct xe_check peer_checks[] = { XE_PEER_CHECKS(XE_CHECK_ROW) };
static const struct xe_check smp_checks[] = { XE_SMP_CHECKS(XE_CHECK_ROW) };
#undef XE_CHECK_ROW
#define N(a)	(sizeof(a) / sizeof((a)[0]))

/* One VM running the xenevt guest, and what its host side did. */
struct xe {
	struct gvm g;
	uint32_t scenario, arg;
	int (*on_sync)(struct xe *x, uint8_t what);
	bool host_ok;		/* every host-side expectation held */
	uint64_t mc_sends;	/* XE_HOST: the eventfd's count after the multicalls */
	int efd, efd2;
	uint32_t port;
	pthread_t thread;
	bool thread_started;
	atomic_bool stop;
	unsigned long notifies;
	struct xe *other;	/* XE_PEER */
	struct timespec enabled;
};

static int sys_fd;
static char guest_path[512];

#define HOST_EXPECT(x, cond) do {					\
	if (!(cond)) {							\
		tap_diag("%s:%d: %s", __func__, __LINE__, #cond);	\
		(x)->host_ok = false;					\
	}								\
} while (0)

static int xe_io(struct gvm *g, uint16_t port, uint8_t size,
		 uint8_t direction, void *data, uint32_t count)
{
	struct xe *x = g->opaque;

	if (size == 4 && count == 1 && direction == PVX_EXIT_IO_IN &&
	    (port == XE_PORT_SCENARIO || port == XE_PORT_ARG)) {
		memcpy(data, port == XE_PORT_ARG ? &x->arg : &x->scenario, 4);
		return PVX_RUN_CONTINUE;
	}
	if (port == XE_PORT_SYNC && size == 1 && count == 1 &&
	    direction == PVX_EXIT_IO_OUT && x->on_sync)
		return x->on_sync(x, *(uint8_t *)data);
	return -1;
}

/*
 * The VM of @scenario: PV; for XE_SMP with the x2APIC and a vCPU 1 that
 * waits for its start-up IPI (never sent: only vCPU 0 runs).
 */
static int xe_create_vm(struct xe *x, uint32_t scenario)
{
	struct pvx_pv_config cfg;
	struct pvx_platform plat;
	struct pvx_vcpu *ap;
	int r;

	if (scenario != XE_SMP)
		return gvm_create_pv(&x->g, sys_fd, XE_RAM_BYTES,
				     PVX_BACKING_PAGES, NULL);
	pvx_pv_config_init(&cfg);
	pvx_platform_init(&plat, PVX_PLATFORM_X2APIC);
	r = gvm_create_platform(&x->g, sys_fd, XE_RAM_BYTES, &cfg, &plat);
	if (!r) {
		r = pvx_vcpu_create(x->g.vm, 1, &ap);
		if (r)
			gvm_destroy(&x->g);
	}
	return r;
}

/* A PV VM with the guest loaded for @scenario, not run. */
static bool xe_start(struct xe *x, uint32_t scenario)
{
	uint64_t entry;
	int r;

	memset(x, 0, sizeof(*x));
	x->scenario = scenario;
	x->host_ok = true;
	x->efd = x->efd2 = -1;
	clock_gettime(CLOCK_MONOTONIC, &x->enabled);
	r = xe_create_vm(x, scenario);
	if (r) {
		tap_diag("the VM of scenario %u: %s", scenario, strerror(-r));
		return false;
	}
	x->g.io_hook = xe_io;
	x->g.opaque = x;
	r = gvm_load(&x->g, guest_path, 0, &entry);
	if (!r)
		r = gvm_setup(&x->g, PVX_MODE_LONG, entry, XE_RAM_BYTES);
	if (r) {
		tap_diag("guest %s: %s", guest_path, strerror(-r));
		gvm_destroy(&x->g);
		return false;
	}
	return true;
}

static void xe_stop(struct xe *x)
{
	if (x->g.vm)
		gvm_destroy(&x->g);
	if (x->efd >= 0)
		close(x->efd);
	if (x->efd2 >= 0)
		close(x->efd2);
	x->efd = x->efd2 = -1;
}

static bool xe_run_to_exit(struct xe *x)
{
	int r = gvm_run(&x->g);

	if (r == PVX_EXIT_IO && gvm_exited_ok(&x->g))
		return true;
	gvm_diag(&x->g, r);
	return false;
}

static uint64_t V(struct xe *x, uint32_t key)
{
	uint64_t v;

	return gvm_value(&x->g, key, &v) ? v : XE_NONE;
}

/* Every check of @c with a fixed value; the others must be reported. */
static bool judge(struct xe *x, const struct xe_check *c, size_t n)
{
	bool ok = true;

	for (size_t i = 0; i < n; i++) {
		uint64_t v = XE_NONE;
		bool reported = gvm_value(&x->g, c[i].key, &v);

		if (!reported || (c[i].want != XE_ANY && v != c[i].want)) {
			tap_diag("%s: got %#llx, want %#llx", c[i].what,
				 (unsigned long long)v,
				 (unsigned long long)c[i].want);
			ok = false;
		}
	}
	return ok;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static uint64_t ns_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000000000ULL + t.tv_nsec - t0->tv_nsec;
}

/* A raw PVX_EVTCHN_* ioctl: 0 or -errno. */
static int raw(struct pvx_vm *vm, unsigned long cmd, uint32_t port,
	       uint32_t flags, int fd, uint64_t reserved)
{
	struct pvx_evtchn_host h = { .port = port, .flags = flags, .fd = fd,
				     .reserved = reserved };

	return ioctl(vm->fd, cmd, &h) < 0 ? -errno : 0;
}

static uint64_t efd_read(int fd)
{
	uint64_t v = 0;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

static void thread_start(struct xe *x, void *(*fn)(void *))
{
	atomic_store(&x->stop, false);
	x->thread_started = !pthread_create(&x->thread, NULL, fn, x);
	HOST_EXPECT(x, x->thread_started);
}

static void thread_join(struct xe *x)
{
	atomic_store(&x->stop, true);
	if (x->thread_started)
		pthread_join(x->thread, NULL);
	x->thread_started = false;
}

/* ---- XE_OPS, XE_TIME, XE_VCPU_INFO ---- */

static void ops_case(void)
{
	struct xe x;
	bool ok;

	if (!xe_start(&x, XE_OPS) || !xe_run_to_exit(&x)) {
		tap_ok(false, "EVTCHNOP scenario ran");
		tap_ok(false, "4095 ports, the port's domain");
		xe_stop(&x);
		return;
	}
	tap_ok(judge(&x, ops_checks, N(ops_checks)),
	       "every EVTCHNOP and its failures; delivery to the upcall handler as Xen's 2-level rules say (mask, unmask re-raise, IF, upcall_pending a level)");
	ok = V(&x, XK_STATUS_UNBOUND_DOM) == x.g.pv.domid;
	/* A few ports (the loopback end, VIRQ, IPI) were in use. */
	ok &= V(&x, XK_ALLOC_ALL) >= EVTCHN_2L_NR_CHANNELS - 8 &&
	      V(&x, XK_ALLOC_ALL) < EVTCHN_2L_NR_CHANNELS;
	tap_ok(ok, "ports 1..4095 until -ENOSPC (got %llu more), unbound to its own domid %u",
	       (unsigned long long)V(&x, XK_ALLOC_ALL), x.g.pv.domid);
	xe_stop(&x);
}

static void time_case(void)
{
	struct xe x;
	uint64_t elapsed, now;
	time_t wall;
	bool ok;

	if (!xe_start(&x, XE_TIME) || !xe_run_to_exit(&x)) {
		tap_ok(false, "time scenario ran");
		tap_ok(false, "system time, wallclock");
		xe_stop(&x);
		return;
	}
	elapsed = ns_since(&x.enabled);
	wall = time(NULL);
	tap_ok(judge(&x, time_checks, N(time_checks)),
	       "PV clock, singleshot and periodic timers on VIRQ_TIMER, past deadlines, block and poll, vcpu_op and sched_op failures");
	now = V(&x, XK_T_NOW);
	/* The PV clock runs on the TSC, the host's on its clocksource. */
	ok = now > 0 && now < elapsed + elapsed / 20 + 100000000;
	ok &= (time_t)V(&x, XK_T_WALLCLOCK) > wall - 5 &&
	      (time_t)V(&x, XK_T_WALLCLOCK) <= wall + 5;
	tap_diag("system time %llu ns of %llu since enable; stable bit %llu",
		 (unsigned long long)now, (unsigned long long)elapsed,
		 (unsigned long long)V(&x, XK_T_STABLE));
	tap_ok(ok, "system time counts from PVX_PV_ENABLE, the wallclock is the host's (%llu vs %lld)",
	       (unsigned long long)V(&x, XK_T_WALLCLOCK), (long long)wall);
	xe_stop(&x);
}

static void vcpu_info_case(void)
{
	struct xe x;
	bool ok = xe_start(&x, XE_VCPU_INFO) && xe_run_to_exit(&x) &&
		  judge(&x, vi_checks, N(vi_checks));

	tap_ok(ok, "VCPUOP_register_vcpu_info: once, within a page, aligned, in RAM; contents moved, events rescanned, the clock filled in, events delivered through it");
	xe_stop(&x);
}

/* ---- XE_SMP ---- */

static void smp_case(void)
{
	struct xe x;
	bool ok = xe_start(&x, XE_SMP) && xe_run_to_exit(&x) &&
		  judge(&x, smp_checks, N(smp_checks));

	tap_ok(ok, "vCPU 0 acting on vCPU 1: is_up 0 until its SIPI, its vcpu_info registered (clock, rescan, vCPU 0 untouched), its VIRQ_TIMER from its periodic timer, its IPI port, bind_vcpu there and back; vCPU ids out of range -ENOENT, another vCPU's singleshot -EINVAL");
	xe_stop(&x);
}

/* ---- XE_HOST ---- */

static void *notify_thread(void *arg)
{
	struct xe *x = arg;

	HOST_EXPECT(x, pvx_evtchn_notify(x->g.vm, x->port) == 0);
	return NULL;
}

static void *signal_thread(void *arg)
{
	struct xe *x = arg;
	uint64_t one = 1;

	HOST_EXPECT(x, write(x->efd2, &one, sizeof(one)) == sizeof(one));
	return NULL;
}

static void *late_notify_thread(void *arg)
{
	struct xe *x = arg;

	sleep_ms(100);
	HOST_EXPECT(x, pvx_evtchn_notify(x->g.vm, x->port) == 0);
	return NULL;
}

/* The ioctls' bad inputs, on a VM whose guest made @port unbound to 0. */
static void host_bad_inputs(struct xe *x, uint32_t port)
{
	struct pvx_vm *vm = x->g.vm;
	int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	uint32_t p2 = 0;

	HOST_EXPECT(x, raw(vm, PVX_EVTCHN_BIND_HOST, port, 0x80, -1, 0) == -EINVAL);
	HOST_EXPECT(x, raw(vm, PVX_EVTCHN_BIND_HOST, port, 0, -1, 1) == -EINVAL);
	HOST_EXPECT(x, raw(vm, PVX_EVTCHN_BIND_HOST, 4096, 0, -1, 0) == -EINVAL);
	HOST_EXPECT(x, raw(vm, PVX_EVTCHN_BIND_HOST, 0, 0, -1, 0) == -EINVAL);
	HOST_EXPECT(x, raw(vm, PVX_EVTCHN_BIND_HOST, port, 0, null_fd, 0) == -EBADF);
	HOST_EXPECT(x, raw(vm, PVX_EVTCHN_BIND_HOST, port, 0, 12345, 0) == -EBADF);
	HOST_EXPECT(x, raw(vm, PVX_EVTCHN_NOTIFY, port, 0, -1, 0) == -EINVAL);
	HOST_EXPECT(x, raw(vm, PVX_EVTCHN_NOTIFY, 4096, 0, -1, 0) == -EINVAL);
	HOST_EXPECT(x, raw(vm, PVX_EVTCHN_IRQFD, port, 0, x->efd2, 0) == -EINVAL);
	HOST_EXPECT(x, raw(vm, PVX_EVTCHN_UNBIND, port, 0, -1, 0) == -EINVAL);
	HOST_EXPECT(x, raw(vm, PVX_EVTCHN_UNBIND, 99999, 0, -1, 0) == -EINVAL);
	/* A new port of the host's, unbound again: no longer the host's. */
	HOST_EXPECT(x, pvx_evtchn_bind_host(vm, &p2, true, -1) == 0 && p2);
	HOST_EXPECT(x, raw(vm, PVX_EVTCHN_IRQFD, p2, PVX_EVTCHN_DEASSIGN, -1, 0) == -ENOENT);
	HOST_EXPECT(x, raw(vm, PVX_EVTCHN_IRQFD, p2, 0, null_fd, 0) == -EBADF);
	HOST_EXPECT(x, raw(vm, PVX_EVTCHN_IRQFD, p2, 0x4, x->efd2, 0) == -EINVAL);
	HOST_EXPECT(x, raw(vm, PVX_EVTCHN_NOTIFY, p2, 1, -1, 0) == -EINVAL);
	HOST_EXPECT(x, raw(vm, PVX_EVTCHN_UNBIND, p2, 0, -1, 9) == -EINVAL);
	HOST_EXPECT(x, pvx_evtchn_unbind(vm, p2) == 0);
	HOST_EXPECT(x, pvx_evtchn_unbind(vm, p2) == -EINVAL);
	HOST_EXPECT(x, pvx_evtchn_bind_host(vm, &p2, false, -1) == 0);
	HOST_EXPECT(x, pvx_evtchn_bind_host(vm, &p2, false, -1) == -EINVAL);
	close(null_fd);
}

static int host_sync(struct xe *x, uint8_t what)
{
	struct pvx_vm *vm = x->g.vm;

	switch (what) {
	case XE_SYNC_HOST_BIND:
		x->port = V(x, XK_H_PORT);
		host_bad_inputs(x, x->port);
		HOST_EXPECT(x, pvx_evtchn_bind_host(vm, &x->port, false,
						    x->efd) == 0);
		HOST_EXPECT(x, raw(vm, PVX_EVTCHN_BIND_HOST, x->port, 0, -1, 0) == -EINVAL);
		break;
	case XE_SYNC_HOST_COUNT:
		HOST_EXPECT(x, efd_read(x->efd) == XE_HOST_SENDS);
		break;
	case XE_SYNC_HOST_MC_COUNT:
		x->mc_sends = efd_read(x->efd);
		break;
	case XE_SYNC_HOST_NOTIFY:
		thread_start(x, notify_thread);
		thread_join(x);
		break;
	case XE_SYNC_HOST_IRQFD:
		HOST_EXPECT(x, pvx_evtchn_irqfd(vm, x->port, x->efd2, false) == 0);
		HOST_EXPECT(x, pvx_evtchn_irqfd(vm, x->port, x->efd2, false) == -EEXIST);
		thread_start(x, signal_thread);
		thread_join(x);
		break;
	case XE_SYNC_HOST_BLOCK:
		thread_start(x, late_notify_thread);
		break;
	case XE_SYNC_HOST_CLOSED:
		thread_join(x);
		HOST_EXPECT(x, pvx_evtchn_notify(vm, x->port) == -EINVAL);
		HOST_EXPECT(x, pvx_evtchn_irqfd(vm, x->port, -1, true) == -EINVAL);
		break;
	default:
		return -1;
	}
	return PVX_RUN_CONTINUE;
}

static void host_case(void)
{
	struct pvxtest_live before, during;
	struct pvx_stats st;
	struct xe x;
	bool ok;

	pvxtest_read_live(&before);
	if (!xe_start(&x, XE_HOST)) {
		tap_ok(false, "host scenario started");
		tap_ok(false, "host ioctls' bad inputs");
		return;
	}
	x.efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	x.efd2 = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	x.on_sync = host_sync;
	ok = xe_run_to_exit(&x) && judge(&x, host_checks, N(host_checks));
	if (x.mc_sends != XE_HOST_MC_SENDS) {
		tap_diag("sends in multicalls: the eventfd counted %llu, not %d",
			 (unsigned long long)x.mc_sends, XE_HOST_MC_SENDS);
		ok = false;
	}
	HOST_EXPECT(&x, pvx_get_stats(x.g.vcpu->fd, &st) == 0 &&
		    st.halt_blocks >= 1);
	/* The guest's close dropped both eventfds (the VM still lives). */
	HOST_EXPECT(&x, pvxtest_read_live(&during) &&
		    during.evtchn_eventfds == before.evtchn_eventfds);
	tap_ok(ok, "a port bound to the host: each send signals its eventfd, also from multicalls (each entry once: fast path, slow path, a batch the fast path hands over half-way, a list across two pages); NOTIFY from another thread and an irqfd raise it; SCHEDOP_block woken by the host, PVX_RUN never returning; the guest's close drops the eventfds");
	tap_ok(x.host_ok, "PVX_EVTCHN_BIND_HOST, _NOTIFY, _IRQFD, _UNBIND: ports out of range or in the wrong state, flags, reserved, not an eventfd: -EINVAL, -EBADF, -EEXIST, -ENOENT");
	xe_stop(&x);
}

/* PVX_EVTCHN_* on a VM without PV, and CONNECT's bad inputs. */
static void enodev_case(void)
{
	struct gvm plain;
	struct xe a, b;
	uint32_t p = 0, q = 0;
	int efd = eventfd(0, EFD_CLOEXEC);
	bool ok = true;

	if (gvm_create(&plain, sys_fd, 1 << 20) || !xe_start(&a, XE_PEER) ||
	    !xe_start(&b, XE_PEER)) {
		tap_ok(false, "VMs for the CONNECT checks");
		return;
	}
	ok &= raw(plain.vm, PVX_EVTCHN_BIND_HOST, 1, PVX_EVTCHN_ALLOC, -1, 0) == -ENODEV;
	ok &= raw(plain.vm, PVX_EVTCHN_NOTIFY, 1, 0, -1, 0) == -ENODEV;
	ok &= raw(plain.vm, PVX_EVTCHN_IRQFD, 1, 0, efd, 0) == -ENODEV;
	ok &= raw(plain.vm, PVX_EVTCHN_UNBIND, 1, 0, -1, 0) == -ENODEV;
	ok &= raw(plain.vm, PVX_EVTCHN_CONNECT, 1, 0, a.g.vm->fd, 0) == -ENODEV;
	ok &= raw(a.g.vm, PVX_EVTCHN_CONNECT, 0, PVX_EVTCHN_ALLOC, plain.vm->fd, 0) == -ENODEV;
	ok &= raw(a.g.vm, PVX_EVTCHN_CONNECT, 0, PVX_EVTCHN_ALLOC, efd, 0) == -EBADF;
	ok &= raw(a.g.vm, PVX_EVTCHN_CONNECT, 0, PVX_EVTCHN_ALLOC, a.g.vm->fd, 0) == -EINVAL;
	ok &= raw(a.g.vm, PVX_EVTCHN_CONNECT, 0, 0x10, b.g.vm->fd, 0) == -EINVAL;
	ok &= raw(a.g.vm, PVX_EVTCHN_CONNECT, 0, PVX_EVTCHN_ALLOC, b.g.vm->fd, 5) == -EINVAL;
	/* Ports that are not unbound to the other domain. */
	ok &= pvx_evtchn_connect(a.g.vm, &p, b.g.vm, &q, false) == -EINVAL;
	p = 5000;
	ok &= pvx_evtchn_connect(a.g.vm, &p, b.g.vm, &q, false) == -EINVAL;
	p = q = 0;
	ok &= pvx_evtchn_connect(a.g.vm, &p, b.g.vm, &q, true) == 0 && p && q;
	ok &= pvx_evtchn_connect(a.g.vm, &p, b.g.vm, &q, false) == -EINVAL;
	tap_ok(ok, "PVX_EVTCHN_* without PV: -ENODEV; CONNECT to a VM without PV -ENODEV, to a non-VM fd -EBADF, to itself, with bad flags, reserved or ports -EINVAL");
	xe_stop(&a);
	xe_stop(&b);
	gvm_destroy(&plain);
	close(efd);
}

/* ---- XE_FLOOD ---- */

static void *flood_thread(void *arg)
{
	struct xe *x = arg;

	while (!atomic_load(&x->stop)) {
		HOST_EXPECT(x, pvx_evtchn_notify(x->g.vm, x->port) == 0);
		x->notifies++;
	}
	return NULL;
}

static int flood_sync(struct xe *x, uint8_t what)
{
	if (what == XE_SYNC_FLOOD_START) {
		x->port = V(x, XK_F_PORT);
		HOST_EXPECT(x, pvx_evtchn_bind_host(x->g.vm, &x->port, false,
						    x->efd) == 0);
		thread_start(x, flood_thread);
		return PVX_RUN_CONTINUE;
	}
	if (what == XE_SYNC_FLOOD_END) {
		thread_join(x);
		HOST_EXPECT(x, efd_read(x->efd) == XE_FLOOD_SENDS);
		return PVX_RUN_CONTINUE;
	}
	return -1;
}

static void flood_case(void)
{
	struct xe x;
	bool ok;

	if (!xe_start(&x, XE_FLOOD)) {
		tap_ok(false, "flood scenario started");
		return;
	}
	x.efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	x.on_sync = flood_sync;
	ok = xe_run_to_exit(&x) && judge(&x, flood_checks, N(flood_checks));
	tap_ok(ok && x.host_ok && V(&x, XK_F_UPCALLS) > 0,
	       "a flood: %d loopback sends and %d to the host, each counted by the eventfd, while the host sent %lu NOTIFYs; %llu upcalls (coalesced)",
	       XE_FLOOD_SENDS, XE_FLOOD_SENDS, x.notifies,
	       (unsigned long long)V(&x, XK_F_UPCALLS));
	xe_stop(&x);
}

/* ---- XE_PEER ---- */

static void *kill_other_thread(void *arg)
{
	struct xe *x = arg;

	sleep_ms(2);
	gvm_destroy(&x->other->g);
	return NULL;
}

static int peer_second_sync(struct xe *x, uint8_t what)
{
	(void)x;
	return what == XE_SYNC_PEER_OTHER ? PVX_RUN_STOP : -1;
}

static int peer_first_sync(struct xe *x, uint8_t what)
{
	if (what == XE_SYNC_PEER_OTHER) {
		x->other->on_sync = peer_second_sync;
		gvm_run(&x->other->g);
		thread_start(x, kill_other_thread);
		return PVX_RUN_CONTINUE;
	}
	if (what == XE_SYNC_PEER_JOIN) {
		thread_join(x);
		return PVX_RUN_CONTINUE;
	}
	return -1;
}

static void peer_case(void)
{
	struct xe a, b;
	uint32_t pa = 0, pb = 0;
	uint16_t dom_b;
	bool ok;

	if (!xe_start(&a, XE_PEER) || !xe_start(&b, XE_PEER)) {
		tap_ok(false, "two PV VMs");
		return;
	}
	dom_b = b.g.pv.domid;
	ok = pvx_evtchn_connect(a.g.vm, &pa, b.g.vm, &pb, true) == 0;
	a.arg = pa;
	b.arg = pb | XE_PEER_SECOND;
	a.other = &b;
	a.on_sync = peer_first_sync;
	ok = ok && xe_run_to_exit(&a) && judge(&a, peer_checks, N(peer_checks));
	ok &= V(&a, XK_P_REMOTE_DOM) == dom_b && V(&a, XK_P_UNBOUND_DOM) == dom_b;
	ok &= V(&b, XK_P_MAP_SI) == 0 && V(&b, XK_P_SEND) == 0 &&
	      V(&b, XK_P_STATUS) == EVTCHNSTAT_interdomain &&
	      V(&b, XK_P_REMOTE_DOM) == a.g.pv.domid && V(&b, XK_P_RAISED) == 1;
	tap_ok(ok && a.host_ok, "two VMs connected (ports %u and %u): each send raises the other's port; the other VM destroyed while this one sends: unbound to domain %u, sends dropped",
	       pa, pb, dom_b);
	xe_stop(&a);
}

/* ---- XE_SHUTDOWN ---- */

static void shutdown_case(void)
{
	static const uint32_t reasons[] = { SHUTDOWN_poweroff, SHUTDOWN_reboot,
					    SHUTDOWN_crash, 77 };
	bool ok = true;

	for (size_t i = 0; i < N(reasons); i++) {
		struct xe x;
		int r;

		if (!xe_start(&x, XE_SHUTDOWN)) {
			ok = false;
			continue;
		}
		x.arg = reasons[i];
		r = gvm_run(&x.g);
		if (r != PVX_EXIT_PV_SHUTDOWN ||
		    x.g.vcpu->run->pv_shutdown.reason != reasons[i]) {
			tap_diag("reason %u: exit %d", reasons[i], r);
			ok = false;
		} else {
			ok &= xe_run_to_exit(&x) && V(&x, XK_SHUTDOWN_RET) == 0;
		}
		xe_stop(&x);
	}
	tap_ok(ok, "SCHEDOP_shutdown: PVX_EXIT_PV_SHUTDOWN with poweroff, reboot, crash and 77; the next PVX_RUN returns 0 to the guest");
}

/* ---- leaks ---- */

static int arm_sync(struct xe *x, uint8_t what)
{
	uint32_t p = 0, q = 0;
	char byte = 1;

	if (what != XE_SYNC_ARMED)
		return -1;
	x->port = V(x, XK_ARM_PORT);
	pvx_evtchn_bind_host(x->g.vm, &x->port, false, x->efd);
	pvx_evtchn_irqfd(x->g.vm, x->port, x->efd2, false);
	pvx_evtchn_connect(x->g.vm, &p, x->other->g.vm, &q, true);
	if (write((int)x->arg, &byte, 1) != 1)
		_exit(2);
	for (;;)
		pause();
}

/* The child: a guest with everything armed, killed by the parent. */
static void armed_child(int pipe_fd)
{
	struct xe x, other;

	if (!xe_start(&x, XE_ARM) || !xe_start(&other, XE_OPS))
		_exit(1);
	x.efd = eventfd(0, EFD_CLOEXEC);
	x.efd2 = eventfd(0, EFD_CLOEXEC);
	x.arg = pipe_fd;
	x.other = &other;
	x.on_sync = arm_sync;
	gvm_run(&x.g);
	_exit(1);
}

static void sigkill_case(const struct pvxtest_live *base)
{
	struct pvxtest_live armed, after;
	int fds[2], status;
	bool ok = false;
	char byte;
	pid_t pid;

	if (pipe(fds) || (pid = fork()) < 0) {
		tap_ok(false, "fork");
		return;
	}
	if (!pid) {
		close(fds[0]);
		armed_child(fds[1]);
	}
	close(fds[1]);
	if (read(fds[0], &byte, 1) == 1 && pvxtest_read_live(&armed)) {
		tap_diag("armed: %ld ports, %ld eventfds, %ld timers",
			 armed.evtchn_ports, armed.evtchn_eventfds,
			 armed.pv_timers);
		ok = armed.evtchn_ports >= base->evtchn_ports + 6 &&
		     armed.evtchn_eventfds >= base->evtchn_eventfds + 2 &&
		     armed.pv_timers >= base->pv_timers + 2;
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	close(fds[0]);
	ok &= pvxtest_live_settles(base, &after);
	tap_ok(ok, "SIGKILL with ports bound to the host (eventfd, irqfd), a connection and timers armed: debugfs live back to its start (%ld ports, %ld eventfds, %ld timers)",
	       after.evtchn_ports, after.evtchn_eventfds, after.pv_timers);
}

static void on_alarm(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	struct pvxtest_live before, after;
	struct sigaction sa = { .sa_handler = on_alarm };
	bool settled;

	sys_fd = pvxtest_start(argc, argv, NULL, NR_POINTS);
	snprintf(guest_path, sizeof(guest_path), "%s/xenevt",
		 pvxtest_guest_dir());
	/* A guest that waits for an event that never comes: PVX_RUN -EINTR. */
	sigaction(SIGALRM, &sa, NULL);
	if (!pvxtest_read_live(&before))
		tap_bail("debugfs pvx/live is missing");
	alarm(300);
	ops_case();
	time_case();
	vcpu_info_case();
	smp_case();
	host_case();
	enodev_case();
	flood_case();
	peer_case();
	shutdown_case();
	alarm(0);
	settled = pvxtest_live_settles(&before, &after);
	tap_ok(settled, "every VM gone: debugfs live as before (%ld VMs, %ld ports, %ld eventfds, %ld timers)",
	       after.vms, after.evtchn_ports, after.evtchn_eventfds,
	       after.pv_timers);
	sigkill_case(&before);
	return tap_finish();
}
