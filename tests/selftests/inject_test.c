// SPDX-License-Identifier: GPL-2.0
/*
 * inject_test [--guests DIR] [--no-load]: events into the guest
 * (PVX_INTERRUPT, PVX_NMI, PVX_INJECT_EXCEPTION) and HLT blocking.
 *
 * The guest is events (tests/guest/events.c) with a 256-vector IDT whose
 * handlers count and record what they see:
 *  - an interrupt queued while the guest has IF = 1 is taken by its
 *    handler once; one queued while IF = 0 comes exactly after STI and
 *    its one-instruction shadow (STI; NOP; then a marker store: the
 *    handler must see the marker unset and return to the store); vectors
 *    queued together come highest first, each once;
 *  - an NMI reaches the vector 2 handler, and a second NMI queued while
 *    the handler runs waits for its IRET (SDM 6.7.1);
 *  - #GP and #PF injected with error codes, #UD without, reach the
 *    handler with those codes; in a real-mode guest (irq16.S), an
 *    interrupt goes through the IVT and #GP comes without an error code
 *    on the stack;
 *  - HLT with IF = 1 and nothing pending blocks the vCPU thread in
 *    PVX_RUN: after 200 ms it has not returned; a signal makes PVX_RUN
 *    return -EINTR without the guest going on, the next PVX_RUN blocks
 *    again, and PVX_INTERRUPT from another thread wakes the guest, whose
 *    handler runs; HLT not trapped at all (policy: the CPU halts in
 *    non-root mode, the guest loops on STI; HLT) is woken the same way,
 *    without any exit to userspace;
 *  - the ioctls' input checks.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "evtest.h"
#include "pvxtest.h"
#include "tap.h"

#define X86_UD		6
#define X86_GP		13
#define X86_PF		14
#define QUIET_MS	200	/* how long a blocked vCPU must stay blocked */
#define WAIT_MS		30000	/* give up waiting for the guest after this */

static int sys_fd;
static struct evt ev;
static bool have_stats;

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Wait until *@flag >= @n, at most WAIT_MS; true if it got there. */
static bool wait_for(atomic_uint *flag, unsigned int n)
{
	for (unsigned int ms = 0; ms < WAIT_MS; ms += 5) {
		if (atomic_load(flag) >= n)
			return true;
		sleep_ms(5);
	}
	return atomic_load(flag) >= n;
}

static uint64_t V(uint32_t key)
{
	return evt_value(&ev, key);
}

static bool start(uint32_t scenario, const struct pvx_exit_policy *p)
{
	return evt_start(&ev, sys_fd, scenario, p, NULL) == 0;
}

/* The sync points: queue what the scenario asks for. */
static int inject_at_sync(struct evt *e, uint8_t what)
{
	static const uint32_t order[] = EV_ORDER_VECS;
	struct pvx_vcpu *v = e->g.vcpu;
	int r = 0;

	switch (what) {
	case EV_SYNC_IRQ:
		if (e->scenario == EV_IRQ)
			r = pvx_vcpu_interrupt(v, EV_VEC_IRQ);
		else if (e->scenario == EV_IRQ_STI)
			r = pvx_vcpu_interrupt(v, EV_VEC_STI);
		else
			for (size_t i = 0; i < sizeof(order) / sizeof(order[0]) && !r; i++)
				r = pvx_vcpu_interrupt(v, order[i]);
		break;
	case EV_SYNC_NMI:
	case EV_SYNC_NMI_HANDLER:
		r = pvx_vcpu_nmi(v);
		break;
	case EV_SYNC_INJECT_GP:
		r = pvx_vcpu_inject_exception(v, X86_GP, EV_GP_ERROR);
		break;
	case EV_SYNC_INJECT_PF:
		r = pvx_vcpu_inject_exception(v, X86_PF, EV_PF_ERROR);
		break;
	case EV_SYNC_INJECT_UD:
		r = pvx_vcpu_inject_exception(v, X86_UD, 0);
		break;
	}
	if (r)
		tap_diag("sync %u: %s", what, strerror(-r));
	return r ? r : PVX_RUN_CONTINUE;
}

static bool run_scenario(uint32_t scenario)
{
	if (!start(scenario, NULL))
		return false;
	ev.on_sync = inject_at_sync;
	return evt_run_to_exit(&ev);
}

static void irq_cases(void)
{
	bool ok = true;

	EXPECT(run_scenario(EV_IRQ));
	EXPECT(V(EK_IRQ_COUNT) == 1 && V(EK_ORDER_TOTAL) == 1);
	tap_ok(ok, "PVX_INTERRUPT %#x into a guest with IF = 1: its handler ran once",
	       EV_VEC_IRQ);

	ok = true;
	EXPECT(run_scenario(EV_IRQ_STI));
	EXPECT(V(EK_IRQ_BEFORE_STI) == 0);
	EXPECT(V(EK_IRQ_COUNT) == 1 && V(EK_ORDER_TOTAL) == 1);
	EXPECT(V(EK_IRQ_MARKER_SEEN) == 0);
	EXPECT(V(EK_IRQ_RIP) == V(EK_IRQ_AFTER_NOP));
	tap_ok(ok, "an interrupt queued while IF = 0 waits, then comes right after STI; NOP (its shadow): handler sees the marker unset and returns to %#llx",
	       (unsigned long long)V(EK_IRQ_AFTER_NOP));

	ok = true;
	EXPECT(run_scenario(EV_IRQ_ORDER));
	EXPECT(V(EK_ORDER_TOTAL) == EV_ORDER_NR);
	EXPECT(V(EK_ORDER(0)) == 0x60 && V(EK_ORDER(1)) == 0x50 &&
	       V(EK_ORDER(2)) == 0x40);
	tap_ok(ok, "vectors 0x50, 0x60, 0x40, 0x60 queued together: delivered 0x60, 0x50, 0x40, each once");
}

static void nmi_case(void)
{
	bool ok = true;
	int r;

	if (!start(EV_NMI, NULL)) {
		tap_ok(false, "NMI");
		return;
	}
	r = pvx_vcpu_nmi(ev.g.vcpu);	/* before the run: the first one */
	if (r == -EOPNOTSUPP) {
		tap_skip("NMI (-EOPNOTSUPP: no virtual NMIs)");
		return;
	}
	/* Queued before the guest's IDT exists: start again, queue at the sync. */
	EXPECT(r == 0);
	EXPECT(run_scenario(EV_NMI));
	EXPECT(V(EK_NMI_COUNT) == 2);
	EXPECT(V(EK_NMI_NESTED) == 0);
	EXPECT(V(EK_NMI_IN_FIRST) == 1);
	tap_ok(ok, "NMI: the vector 2 handler runs; a second NMI queued inside it waits for its IRET (count at the handler's end %llu, nested %llu, total %llu)",
	       (unsigned long long)V(EK_NMI_IN_FIRST),
	       (unsigned long long)V(EK_NMI_NESTED),
	       (unsigned long long)V(EK_NMI_COUNT));
}

static void exception_cases(void)
{
	bool ok = true;

	EXPECT(run_scenario(EV_EXC_INJECT));
	EXPECT(V(EK_EXC_VEC(0)) == X86_GP && V(EK_EXC_ERR(0)) == EV_GP_ERROR);
	tap_ok(ok, "#GP injected with error code %#x: the guest's handler sees vector 13 and that code",
	       EV_GP_ERROR);
	ok = true;
	EXPECT(V(EK_EXC_VEC(1)) == X86_PF && V(EK_EXC_ERR(1)) == EV_PF_ERROR);
	EXPECT(V(EK_EXC_VEC(2)) == X86_UD && V(EK_EXC_ERR(2)) == 0);
	tap_ok(ok, "#PF injected with error code %#x, #UD without: the handler sees each",
	       EV_PF_ERROR);
}

/* HLT blocking: the vCPU thread and what the main thread sees of it. */
static struct {
	atomic_uint halting;	/* the guest is at its HLT */
	atomic_uint returns;	/* gvm_run() returned (after halting) */
	atomic_uint done;
	int last;		/* gvm_run()'s last answer */
	int intr_returns;	/* of them, PVX_EXIT_INTR */
	bool exited_ok;
	pthread_t tid;
} hb;

static int halting_sync(struct evt *e, uint8_t what)
{
	(void)e;
	if (what == EV_SYNC_HALTING)
		atomic_store(&hb.halting, 1);
	return PVX_RUN_CONTINUE;
}

static void *vcpu_thread(void *arg)
{
	(void)arg;
	for (;;) {
		int r = gvm_run(&ev.g);

		hb.last = r;
		if (atomic_load(&hb.halting))
			atomic_fetch_add(&hb.returns, 1);
		if (r == PVX_EXIT_INTR) {
			hb.intr_returns++;
			continue;
		}
		break;
	}
	hb.exited_ok = hb.last == PVX_EXIT_IO && gvm_exited_ok(&ev.g);
	atomic_store(&hb.done, 1);
	return NULL;
}

static void on_usr1(int sig)
{
	(void)sig;
}

/*
 * @trap_hlt: HLT exits (blocked in the kernel; a signal first) or not
 * (the guest halts in hardware).
 */
static void hlt_block_case(bool trap_hlt)
{
	struct pvx_exit_policy p;
	const char *how = trap_hlt ? "HLT blocking" : "HLT not trapped";
	bool ok = true, started;
	uint64_t v;

	memset(&hb, 0, sizeof(hb));
	pvx_policy_init(&p);
	if (!trap_hlt)
		p.trap = 0;
	/* Not trapped, the CPU halts in non-root mode: the guest loops on HLT. */
	started = start(trap_hlt ? EV_HLT_BLOCK : EV_HLT_LOOP, &p);
	ev.on_sync = halting_sync;
	if (!started || pthread_create(&hb.tid, NULL, vcpu_thread, NULL)) {
		tap_ok(false, "%s: start", how);
		if (trap_hlt) {
			tap_ok(false, "HLT blocking: signal");
			tap_ok(false, "HLT blocking: wake-up");
			tap_skip("HLT blocking: stats");
		}
		return;
	}
	EXPECT(wait_for(&hb.halting, 1));
	sleep_ms(QUIET_MS);
	EXPECT(atomic_load(&hb.returns) == 0);
	if (trap_hlt) {
		tap_ok(ok, "HLT with IF = 1, nothing pending: the vCPU thread is still in PVX_RUN after %d ms",
		       QUIET_MS);
		ok = true;
		pthread_kill(hb.tid, SIGUSR1);
		EXPECT(wait_for(&hb.returns, 1));
		EXPECT(hb.intr_returns == 1);
		EXPECT(!gvm_value(&ev.g, EK_HLT_IRQS, &v));
		sleep_ms(QUIET_MS);
		EXPECT(atomic_load(&hb.returns) == 1);
		EXPECT(!atomic_load(&hb.done));
		tap_ok(ok, "a signal to the halted vCPU thread: PVX_RUN returns -EINTR (PVX_EXIT_INTR), the guest has not gone on, and the next PVX_RUN halts again for %d ms",
		       QUIET_MS);
		ok = true;
	}
	EXPECT(pvx_vcpu_interrupt(ev.g.vcpu, EV_VEC_HLT) == 0);
	if (!wait_for(&hb.done, 1))
		tap_bail("%s: the guest did not wake up within %d ms of PVX_INTERRUPT",
			 how, WAIT_MS);
	pthread_join(hb.tid, NULL);
	EXPECT(hb.exited_ok);
	EXPECT(V(EK_HLT_IRQS) == 1);
	EXPECT(ev.by_reason[12] == 0);
	if (!hb.exited_ok)
		gvm_diag(&ev.g, hb.last);
	if (!trap_hlt)
		tap_diag("HLT not trapped: the guest executed HLT %llu times",
			 (unsigned long long)V(EK_HLT_ROUNDS));
	tap_ok(ok, "%s: PVX_INTERRUPT from another thread wakes the guest, its handler runs once, the guest goes on",
	       how);
	if (!trap_hlt)
		return;
	if (!have_stats) {
		tap_skip("HLT blocking: PVX_GET_STATS halt counters (PVX_GET_STATS answers -ENOTTY)");
	} else {
		struct pvx_stats s;

		ok = true;
		EXPECT(!evt_stats(&ev, &s));
		EXPECT(s.halt_blocks >= 1 && s.halt_wakeups == 1);
		EXPECT(s.exits[12] >= 1);
		tap_ok(ok, "HLT blocking: PVX_GET_STATS halt_blocks %llu (>= 1), halt_wakeups %llu (1)",
		       (unsigned long long)s.halt_blocks,
		       (unsigned long long)s.halt_wakeups);
	}
}

/* irq16.S: its sync values and report keys. */
#define IRQ16_VECTOR	0x40
#define IRQ16_KEY_IRQ	0x600
#define IRQ16_KEY_GP	0x601
#define IRQ16_KEY_SP	0x602

static int real_sync(struct gvm *g, uint16_t port, uint8_t size,
		     uint8_t direction, void *data, uint32_t count)
{
	uint8_t what = *(uint8_t *)data;
	int r = 0;

	if (port != EV_PORT_SYNC || direction != PVX_EXIT_IO_OUT || size != 1 ||
	    count != 1)
		return -1;
	if (what == EV_SYNC_IRQ)
		r = pvx_vcpu_interrupt(g->vcpu, IRQ16_VECTOR);
	else if (what == EV_SYNC_INJECT_GP)
		r = pvx_vcpu_inject_exception(g->vcpu, X86_GP, EV_GP_ERROR);
	if (r)
		tap_diag("real-mode sync %u: %s", what, strerror(-r));
	return r ? r : PVX_RUN_CONTINUE;
}

/* Real mode: an interrupt through the IVT, #GP injected without an error code pushed. */
static void real_mode_case(void)
{
	struct gvm g;
	char path[512];
	uint64_t entry, v;
	bool ok = true;
	int r;

	snprintf(path, sizeof(path), "%s/irq16.bin", pvxtest_guest_dir());
	r = gvm_create(&g, sys_fd, 1ULL << 20);
	if (r) {
		tap_ok(false, "real mode: creating a VM: %s", strerror(-r));
		return;
	}
	g.io_hook = real_sync;
	r = gvm_load(&g, path, PVX_REAL_IMAGE_GPA, &entry);
	if (!r)
		r = gvm_setup(&g, PVX_MODE_REAL, entry, 0);
	EXPECT(r == 0);
	if (!r) {
		r = gvm_run(&g);
		EXPECT(r == PVX_EXIT_IO && gvm_exited_ok(&g));
		EXPECT(gvm_value(&g, IRQ16_KEY_IRQ, &v) && v == 1);
		EXPECT(gvm_value(&g, IRQ16_KEY_GP, &v) && v == 1);
		EXPECT(gvm_value(&g, IRQ16_KEY_SP, &v) && v == 0);
		if (!ok)
			gvm_diag(&g, r);
	}
	tap_ok(ok, "real mode: PVX_INTERRUPT %#x reaches the IVT handler once; #GP injected with an error code reaches its handler without the code on the stack (IRET returns, SP back where it was)",
	       IRQ16_VECTOR);
	gvm_destroy(&g);
}

static int ioctl_err(int fd, unsigned long cmd, const void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

static void bad_input_cases(void)
{
	static const uint32_t bad_vectors[] = { 0, 1, 31, 256, 1000, 0xffffffff };
	struct pvx_interrupt irq;
	struct pvx_exception x;
	struct pvx_vm *vm;
	struct pvx_vcpu *vcpu[33];
	unsigned int nvcpu = 0;
	bool ok = true;
	int r;

	if (pvx_vm_create(sys_fd, &vm))
		tap_bail("PVX_CREATE_VM");
	for (unsigned int i = 0; i < 33; i++) {
		r = pvx_vcpu_create(vm, i, &vcpu[i]);
		if (r)
			tap_bail("PVX_CREATE_VCPU %u: %s", i, strerror(-r));
		nvcpu++;
	}

	for (size_t i = 0; i < sizeof(bad_vectors) / sizeof(bad_vectors[0]); i++) {
		irq = (struct pvx_interrupt){ .vector = bad_vectors[i] };
		r = ioctl_err(vcpu[0]->fd, PVX_INTERRUPT, &irq);
		if (r != -EINVAL) {
			tap_diag("PVX_INTERRUPT vector %u: %d", bad_vectors[i], r);
			ok = false;
		}
	}
	irq = (struct pvx_interrupt){ .vector = 40, .flags = 1 };
	EXPECT(ioctl_err(vcpu[0]->fd, PVX_INTERRUPT, &irq) == -EINVAL);
	EXPECT(pvx_vcpu_interrupt(vcpu[0], 32) == 0);
	EXPECT(pvx_vcpu_interrupt(vcpu[0], 255) == 0);
	EXPECT(pvx_vcpu_interrupt(vcpu[0], 255) == 0);	/* already queued: fine */
	tap_ok(ok, "PVX_INTERRUPT: vectors below 32 or above 255, non-zero flags -> EINVAL; 32 and 255 accepted");

	ok = true;
	for (uint32_t v = 0; v < 40; v++) {
		bool good = v < 32 && (PVX_EXC_INJECTABLE >> v & 1);
		bool code = v < 32 && (PVX_EXC_ERROR_CODE >> v & 1);

		x = (struct pvx_exception){ .vector = v,
			.flags = code ? PVX_EXCEPTION_HAS_ERROR_CODE : 0 };
		r = ioctl_err(vcpu[v < 32 ? 1 + v : 0]->fd,
			      PVX_INJECT_EXCEPTION, &x);
		if (r != (good ? 0 : -EINVAL)) {
			tap_diag("PVX_INJECT_EXCEPTION vector %u: %d", v, r);
			ok = false;
		}
	}
	EXPECT(!(PVX_EXC_INJECTABLE & (1U << 2 | 1U << 9 | 1U << 15 | 0xffc00000U)));
	tap_ok(ok, "PVX_INJECT_EXCEPTION: 2, 9, 15, 22-31 and above -> EINVAL; every vector of PVX_EXC_INJECTABLE accepted");

	ok = true;
	x = (struct pvx_exception){ .vector = X86_GP };		/* code missing */
	EXPECT(ioctl_err(vcpu[0]->fd, PVX_INJECT_EXCEPTION, &x) == -EINVAL);
	x = (struct pvx_exception){ .vector = X86_UD,		/* code given */
		.flags = PVX_EXCEPTION_HAS_ERROR_CODE, .error_code = 1 };
	EXPECT(ioctl_err(vcpu[0]->fd, PVX_INJECT_EXCEPTION, &x) == -EINVAL);
	x = (struct pvx_exception){ .vector = X86_UD, .flags = 2 };
	EXPECT(ioctl_err(vcpu[0]->fd, PVX_INJECT_EXCEPTION, &x) == -EINVAL);
	x = (struct pvx_exception){ .vector = X86_UD, .padding = 1 };
	EXPECT(ioctl_err(vcpu[0]->fd, PVX_INJECT_EXCEPTION, &x) == -EINVAL);
	tap_ok(ok, "PVX_INJECT_EXCEPTION: error code missing or given against the vector, unknown flags, padding -> EINVAL");

	ok = true;
	EXPECT(pvx_vcpu_inject_exception(vcpu[0], X86_UD, 0) == 0);
	EXPECT(pvx_vcpu_inject_exception(vcpu[0], X86_GP, 0) == -EBUSY);
	EXPECT(pvx_vcpu_inject_exception(vcpu[0], X86_UD, 0) == -EBUSY);
	tap_ok(ok, "PVX_INJECT_EXCEPTION while one is pending -> EBUSY");

	ok = true;
	r = ioctl(vcpu[0]->fd, PVX_NMI, 1) < 0 ? -errno : 0;
	EXPECT(r == -EINVAL);
	r = pvx_vcpu_nmi(vcpu[0]);
	EXPECT(r == 0 || r == -EOPNOTSUPP);
	tap_ok(ok, "PVX_NMI with a non-zero argument -> EINVAL (0 accepted)");

	ok = true;
	EXPECT(ioctl_err(vcpu[0]->fd, PVX_INTERRUPT, (void *)8) == -EFAULT);
	EXPECT(ioctl_err(vcpu[0]->fd, PVX_INJECT_EXCEPTION, (void *)8) == -EFAULT);
	EXPECT(ioctl_err(vcpu[0]->fd, PVX_INTERRUPT, NULL) == -EFAULT);
	tap_ok(ok, "PVX_INTERRUPT and PVX_INJECT_EXCEPTION with a bad pointer -> EFAULT");

	ok = true;
	irq = (struct pvx_interrupt){ .vector = 40 };
	EXPECT(ioctl_err(vm->fd, PVX_INTERRUPT, &irq) == -ENOTTY);
	EXPECT(ioctl_err(sys_fd, PVX_NMI, 0) == -ENOTTY);
	tap_ok(ok, "PVX_INTERRUPT on a VM fd, PVX_NMI on /dev/pvx -> ENOTTY");
	(void)nvcpu;
	pvx_vm_destroy(vm);
}

static void probe_stats(void)
{
	struct pvx_stats s;

	if (!start(EV_TSC, NULL))
		tap_bail("cannot start the events guest");
	have_stats = !evt_stats(&ev, &s);
	evt_stop(&ev);
}

#define NR_POINTS	(3 + 1 + 2 + 1 + 4 + 1 + 7)

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_usr1 };

	sys_fd = pvxtest_start(argc, argv, NULL, NR_POINTS);
	/* No SA_RESTART: the signal must end the PVX_RUN under way. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	probe_stats();

	irq_cases();
	nmi_case();
	exception_cases();
	real_mode_case();
	hlt_block_case(true);
	hlt_block_case(false);
	bad_input_cases();
	evt_stop(&ev);
	close(sys_fd);
	return tap_finish();
}
