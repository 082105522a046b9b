// SPDX-License-Identifier: GPL-2.0
/*
 * x2apic_test [--guests DIR] [--no-load]: the local APIC in x2APIC mode
 * (lapic/lapic.c) and the absent devices (platform/platform.c) of a VM set
 * up with PVX_SET_PLATFORM, from the x2apic guest (tests/guest/x2apic.c):
 *  - without PVX_SET_PLATFORM there is no APIC: RDMSR of IA32_APIC_BASE
 *    and of the x2APIC ID are #GP;
 *  - with X2APIC: IA32_APIC_BASE = 0xFEE00000 | EN | EXTD | BSP, ID 0,
 *    VERSION 0x50014, LDR 1;
 *  - a self IPI waits in IRR with IF = 0, is held back by TPR 0x60 (PPR
 *    0x60), is delivered at TPR 0 and is in ISR in its handler (PPR
 *    0x50); an ICR self IPI of a lower class waits in IRR until the EOI;
 *    an ICR fixed IPI to APIC id 0 arrives; the order is 0x50, 0x40,
 *    0x80 and ISR is empty at the end;
 *  - #GP for WRMSR of ID, RDMSR of EOI, a non-zero EOI; ESR bit 5 after a
 *    self IPI of vector 5; TCCR counts down;
 *  - NULL_IO: unclaimed ports read all ones at 8, 16 and 32 bits, a
 *    claimed port reaches the host, unclaimed MMIO reads all ones and a
 *    write there does not exit, 10000 INs of port 0x61 cause no exit to
 *    userspace (the host counts every I/O exit on other ports than the
 *    runtime's and the claimed one); "E9" written to port 0xE9 comes out
 *    of PVX_PV_CONSOLE_READ;
 *  - vCPU 1 of an x2APIC VM does not run until vCPU 0 sends it INIT and
 *    SIPI: its PVX_RUN sleeps; then it runs once in real mode at the
 *    SIPI's page (the second SIPI is ignored), CS = vector << 8;
 *  - PVX_SET_PLATFORM's input checks (-EINVAL, -EBUSY);
 *  - every VM freed leaves debugfs "live" as it was.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "guest_vm.h"
#include "pvx_ports.h"
#include "pvxtest.h"
#include "tap.h"
#include "../guest/x2apic.h"

#define NR_POINTS	8

static int sys_fd;
static char guest_path[512];

struct xa_host {
	uint32_t scenario;
	unsigned int stray_io;	/* I/O exits the guest should not cause */
};

static int xa_io(struct gvm *g, uint16_t port, uint8_t size,
		 uint8_t direction, void *data, uint32_t count)
{
	struct xa_host *h = g->opaque;
	uint32_t v;

	if (port == PVX_PORT_EXIT || (port >= PVX_PORT_UART && port < PVX_PORT_UART + 8) ||
	    (port >= PVX_PORT_REPORT_KEY && port < PVX_PORT_REPORT_HI + 4))
		return -1;		/* the runtime's ports */
	if (direction == PVX_EXIT_IO_IN && size == 4 && count == 1 &&
	    (port == XA_PORT_SCENARIO || port == XA_PORT_CLAIMED)) {
		v = port == XA_PORT_CLAIMED ? XA_CLAIMED_VALUE : h->scenario;
		memcpy(data, &v, 4);
		return PVX_RUN_CONTINUE;
	}
	h->stray_io++;
	memset(data, 0xff, (size_t)size * count);	/* as an absent device */
	return PVX_RUN_CONTINUE;
}

/* The runtime's ports and the test's own, kept by userspace. */
static void claim_test_ports(struct pvx_platform *p)
{
	pvx_platform_claim_ports(p, PVX_PORT_EXIT, PVX_PORT_EXIT);
	pvx_platform_claim_ports(p, PVX_PORT_UART, PVX_PORT_UART + 7);
	pvx_platform_claim_ports(p, PVX_PORT_REPORT_KEY, PVX_PORT_REPORT_HI + 3);
	pvx_platform_claim_ports(p, XA_PORT_SCENARIO, XA_PORT_SCENARIO + 3);
	pvx_platform_claim_ports(p, XA_PORT_CLAIMED, XA_PORT_CLAIMED + 3);
	pvx_platform_claim_ports(p, XA_PORT_AP, XA_PORT_AP);
}

/* vCPU 1: its PVX_RUNs until an exit other than a signal's. */
struct ap {
	struct pvx_vcpu *vcpu;
	pthread_t tid;
	int runs_before_io;	/* PVX_RUNs that returned before its I/O */
	int exit_reason;
	uint16_t port, cs;
	uint8_t value;
	volatile bool done;
};

static void on_kick(int sig)
{
	(void)sig;
}

static void *ap_main(void *arg)
{
	struct ap *ap = arg;
	struct pvx_sregs s;

	for (;;) {
		int r = pvx_vcpu_run(ap->vcpu);

		if (r || ap->vcpu->run->exit_reason != PVX_EXIT_INTR ||
		    (ap->vcpu->run->flags & PVX_RUN_IMMEDIATE_EXIT))
			break;
		ap->runs_before_io++;
	}
	ap->exit_reason = ap->vcpu->run->exit_reason;
	if (ap->exit_reason == PVX_EXIT_IO) {
		ap->port = ap->vcpu->run->io.port;
		ap->value = *(uint8_t *)pvx_vcpu_io_data(ap->vcpu);
	}
	if (!pvx_vcpu_get_sregs(ap->vcpu, &s))
		ap->cs = s.cs.selector;
	ap->done = true;
	return NULL;
}

/* vCPU 1 with its real-mode code at the SIPI page, its thread started. */
static bool start_ap(struct gvm *g, struct ap *ap)
{
	/*
	 * inc byte [XA_AP_RUNS_GPA]; cmp byte [XA_AP_RUNS_GPA], 1; jne out;
	 * cli; hlt (the first start: down); out: mov al, 0x5a;
	 * mov dx, XA_PORT_AP; out dx, al; cli; hlt. DS is 0 after INIT.
	 */
	static const uint8_t code[] = {
		0xfe, 0x06, XA_AP_RUNS_GPA & 0xff, XA_AP_RUNS_GPA >> 8,
		0x80, 0x3e, XA_AP_RUNS_GPA & 0xff, XA_AP_RUNS_GPA >> 8, 1,
		0x75, 0x02, 0xfa, 0xf4,
		0xb0, XA_AP_VALUE, 0xba, XA_PORT_AP & 0xff, XA_PORT_AP >> 8,
		0xee, 0xfa, 0xf4 };
	uint8_t *page = pvx_gpa_to_host(&g->vm->mem, XA_SIPI_VECTOR << 12,
					sizeof(code));
	struct sigaction kick = { .sa_handler = on_kick };

	sigaction(SIGUSR1, &kick, NULL);
	memset(ap, 0, sizeof(*ap));
	if (!page || pvx_vcpu_create(g->vm, 1, &ap->vcpu))
		return false;
	memcpy(page, code, sizeof(code));
	return !pthread_create(&ap->tid, NULL, ap_main, ap);
}

/* Wait for vCPU 1 (10 s at most), then stop it if it still sleeps. */
static void stop_ap(struct ap *ap)
{
	for (int i = 0; i < 1000 && !ap->done; i++)
		usleep(10000);
	while (!ap->done) {
		__atomic_or_fetch(&ap->vcpu->run->flags, PVX_RUN_IMMEDIATE_EXIT,
				  __ATOMIC_SEQ_CST);
		pthread_kill(ap->tid, SIGUSR1);
		usleep(10000);
	}
	pthread_join(ap->tid, NULL);
}

static bool start(struct gvm *g, struct xa_host *h, bool platform)
{
	struct pvx_platform p;
	struct pvx_pv_config cfg;
	uint64_t entry;
	int r;

	pvx_pv_config_init(&cfg);
	pvx_platform_init(&p, PVX_PLATFORM_X2APIC | PVX_PLATFORM_NULL_IO |
			      PVX_PLATFORM_E9_CONSOLE);
	claim_test_ports(&p);
	r = gvm_create_platform(g, sys_fd, XA_RAM_BYTES, &cfg,
				platform ? &p : NULL);
	if (r) {
		tap_diag("creating the VM: %s", strerror(-r));
		return false;
	}
	g->io_hook = xa_io;
	g->opaque = h;
	r = gvm_load(g, guest_path, 0, &entry);
	/* Identity-map 4 GiB: the guest reads MMIO just below it. */
	if (!r)
		r = gvm_setup(g, PVX_MODE_LONG, entry, 4ULL << 30);
	if (r) {
		tap_diag("setting up the guest: %s", strerror(-r));
		gvm_destroy(g);
		return false;
	}
	return true;
}

static uint64_t V(const struct gvm *g, uint32_t key)
{
	uint64_t v;

	return gvm_value(g, key, &v) ? v : ~0ULL;
}

static void no_platform_case(void)
{
	struct xa_host h = { .scenario = XA_NO_PLATFORM };
	struct gvm g;
	bool ok = true;

	EXPECT(start(&g, &h, false));
	if (ok) {
		EXPECT(gvm_run_to_exit(&g));
		EXPECT(V(&g, XK_APIC_BASE) == XA_NONE);	/* #GP: no APIC */
		EXPECT(V(&g, XK_ID_GP) == 13);
		gvm_destroy(&g);
	}
	tap_ok(ok, "without PVX_SET_PLATFORM: no APIC (RDMSR of IA32_APIC_BASE and of the x2APIC ID are #GP)");
}

static void platform_cases(void)
{
	struct xa_host h = { .scenario = XA_PLATFORM };
	struct gvm g;
	struct ap ap;
	bool ok = true, ap_started = false;

	if (!start(&g, &h, true))
		ok = false;
	else if (!(ap_started = start_ap(&g, &ap)) || !gvm_run_to_exit(&g)) {
		if (ap_started)
			stop_ap(&ap);
		gvm_destroy(&g);
		ok = false;
	}
	if (!ok) {
		for (int i = 0; i < 5; i++)
			tap_ok(false, "the x2APIC guest did not run to its end");
		return;
	}
	stop_ap(&ap);
	EXPECT(V(&g, XK_APIC_BASE) == (0xfee00000ULL | (1 << 11) | (1 << 10) |
				       (1 << 8)));
	EXPECT(V(&g, XK_ID_GP) == XA_NONE);
	EXPECT(V(&g, XK_ID) == 0);
	EXPECT(V(&g, XK_VERSION) == 0x50014);
	EXPECT(V(&g, XK_LDR) == 1);
	tap_ok(ok, "x2APIC: IA32_APIC_BASE 0xfee00d00, ID 0, VERSION 0x50014, LDR 1");

	ok = true;
	EXPECT(V(&g, XK_IRR_PENDING) == 1ULL << 16);
	EXPECT(V(&g, XK_ISR_BEFORE) == 0);
	EXPECT(V(&g, XK_MASKED_COUNT) == 0);
	EXPECT(V(&g, XK_PPR_TPR) == 0x60);
	EXPECT(V(&g, XK_ISR_IN_HANDLER) == 1ULL << 16);
	EXPECT(V(&g, XK_PPR_IN_HANDLER) == 0x50);
	EXPECT(V(&g, XK_IRR_LOW_IN_HANDLER) == 1);
	EXPECT(V(&g, XK_ORDER) == (0x40ULL << 8 | 0x50 | 0x80ULL << 16));
	EXPECT(V(&g, XK_ISR_AFTER) == 0);
	tap_ok(ok, "x2APIC delivery: self IPI in IRR with IF=0, held by TPR 0x60 (PPR 0x60), in ISR in its handler (PPR 0x50); a lower ICR self IPI waits for the EOI; an ICR fixed IPI arrives; order 0x50 0x40 0x80; ISR empty");

	ok = true;
	EXPECT(V(&g, XK_RO_WRITE_GP) == 13);
	EXPECT(V(&g, XK_EOI_READ_GP) == 13);
	EXPECT(V(&g, XK_EOI_NONZERO_GP) == 13);
	EXPECT(V(&g, XK_ESR_ILLEGAL) == 1 << 5);
	EXPECT(V(&g, XK_TCCR_FIRST) <= 0xffffffffULL &&
	       V(&g, XK_TCCR_SECOND) < V(&g, XK_TCCR_FIRST));
	tap_ok(ok, "x2APIC errors: #GP for WRMSR ID, RDMSR EOI, EOI of 1; ESR send-illegal-vector; TCCR counts down");

	ok = true;
	EXPECT(V(&g, XK_IN_PIC) == 0xff);
	EXPECT(V(&g, XK_IN_PCI) == 0xffffffff);
	EXPECT(V(&g, XK_IN_WORD) == 0xffff);
	EXPECT(V(&g, XK_IN_CLAIMED) == XA_CLAIMED_VALUE);
	EXPECT(V(&g, XK_MMIO_READ) == 0xffffffff);
	EXPECT(V(&g, XK_LOOP_DONE) == 1);
	EXPECT(h.stray_io == 0);
	EXPECT(g.vcpu->exits[PVX_EXIT_MMIO] == 0);
	EXPECT(strstr(gvm_pv_console(&g), "E9\n") != NULL);
	if (!ok)
		tap_diag("stray I/O exits %u, MMIO exits %llu, console \"%s\"",
			 h.stray_io,
			 (unsigned long long)g.vcpu->exits[PVX_EXIT_MMIO],
			 gvm_pv_console(&g));
	tap_ok(ok, "NULL_IO: unclaimed ports and MMIO read all ones without an exit (10000 INs too), a claimed port reaches the host, port 0xE9 reaches the Xen console");

	ok = true;
	EXPECT(ap.exit_reason == PVX_EXIT_IO);
	EXPECT(ap.port == XA_PORT_AP && ap.value == XA_AP_VALUE);
	EXPECT(ap.cs == XA_SIPI_VECTOR << 8);
	EXPECT(ap.runs_before_io == 0);
	EXPECT(V(&g, XK_AP_DOWN) == 0);
	EXPECT(*(uint8_t *)pvx_gpa_to_host(&g.vm->mem, XA_AP_RUNS_GPA, 1) == 2);
	if (!ok)
		tap_diag("vCPU 1: exit %d port %#x value %#x CS %#x, %d early returns, is_up %lld after its HLT",
			 ap.exit_reason, ap.port, ap.value, ap.cs,
			 ap.runs_before_io, (long long)V(&g, XK_AP_DOWN));
	tap_ok(ok, "INIT-SIPI-SIPI: vCPU 1 sleeps in PVX_RUN until the SIPI, then runs in real mode at CS %#x; its CLI; HLT takes it down (is_up 0, no exit to userspace) and a second INIT-SIPI-SIPI starts it again", XA_SIPI_VECTOR << 8);
	gvm_destroy(&g);
}

static int set_platform(struct pvx_vm *vm, const struct pvx_platform *p)
{
	return pvx_vm_set_platform(vm, p);
}

static void input_cases(void)
{
	struct pvx_platform p;
	struct pvx_vm *vm;
	struct pvx_vcpu *vcpu;
	struct pvx_pv_config cfg;
	bool ok = true;

	if (pvx_vm_create(sys_fd, &vm)) {
		tap_ok(false, "PVX_SET_PLATFORM input checks: no VM");
		return;
	}
	pvx_platform_init(&p, 1U << 7);
	EXPECT(set_platform(vm, &p) == -EINVAL);
	pvx_platform_init(&p, 0);
	p.reserved0 = 1;
	EXPECT(set_platform(vm, &p) == -EINVAL);
	pvx_platform_init(&p, 0);
	p.reserved[1] = 1;
	EXPECT(set_platform(vm, &p) == -EINVAL);
	pvx_platform_init(&p, PVX_PLATFORM_NULL_IO);
	p.nports = PVX_PLATFORM_MAX_RANGES + 1;
	EXPECT(set_platform(vm, &p) == -EINVAL);
	pvx_platform_init(&p, PVX_PLATFORM_NULL_IO);
	p.nports = 1;
	p.ports[0] = (struct pvx_range){ 0x60, 0x5f };
	EXPECT(set_platform(vm, &p) == -EINVAL);
	p.ports[0] = (struct pvx_range){ 0x60, 0x10000 };
	EXPECT(set_platform(vm, &p) == -EINVAL);
	pvx_platform_init(&p, PVX_PLATFORM_NULL_IO);
	p.ports[3] = (struct pvx_range){ 1, 2 };	/* unused, not zero */
	EXPECT(set_platform(vm, &p) == -EINVAL);
	pvx_platform_init(&p, PVX_PLATFORM_NULL_IO);
	p.nmmio = 1;
	p.mmio[0] = (struct pvx_gpa_range){ 0x2000, 0x1000 };
	EXPECT(set_platform(vm, &p) == -EINVAL);
	pvx_platform_init(&p, PVX_PLATFORM_E9_CONSOLE);
	EXPECT(set_platform(vm, &p) == -EINVAL);	/* no PV yet */
	EXPECT(ioctl(vm->fd, PVX_SET_PLATFORM, NULL) == -1 && errno == EFAULT);
	pvx_pv_config_init(&cfg);
	EXPECT(pvx_pv_enable(vm, &cfg) == 0);
	EXPECT(set_platform(vm, &p) == 0);
	pvx_platform_init(&p, PVX_PLATFORM_X2APIC);
	EXPECT(set_platform(vm, &p) == 0);	/* again, before a vCPU */
	EXPECT(pvx_vcpu_create(vm, 0, &vcpu) == 0);
	EXPECT(set_platform(vm, &p) == -EBUSY);
	pvx_vm_destroy(vm);
	tap_ok(ok, "PVX_SET_PLATFORM: -EINVAL for unknown flags, reserved fields, too many ranges, bad or stray ranges, E9 without PV; -EFAULT; -EBUSY after a vCPU");
}

int main(int argc, char **argv)
{
	struct pvxtest_live before, after;
	bool have_live;

	sys_fd = pvxtest_start(argc, argv, NULL, NR_POINTS);
	snprintf(guest_path, sizeof(guest_path), "%s/x2apic", pvxtest_guest_dir());
	have_live = pvxtest_read_live(&before);

	no_platform_case();
	platform_cases();
	input_cases();
	if (have_live)
		tap_ok(pvxtest_live_settles(&before, &after),
		       "every VM freed: debugfs live is back to what it was");
	else
		tap_skip("no debugfs pvx/live");
	close(sys_fd);
	return tap_finish();
}
