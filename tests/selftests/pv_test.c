// SPDX-License-Identifier: GPL-2.0
/*
 * pv_test [--guests DIR] [--no-load]: Xen's guest ABI on pvx, the core
 * (PVX_PV_ENABLE, detection, the hypercall page, xen_version, console_io,
 * HVM params, shared_info), from the xenpv guest (tests/guest/xenpv.c):
 *  - without PV the guest finds no Xen CPUID leaves (pvx's own leaf stays
 *    at 0x40000000) and a VMCALL returns -ENOSYS;
 *  - with PV at base 0x40000000 the guest finds "XenVMMXenVMM", the
 *    version, one hypercall page through MSR 0x40000000, its vCPU id and
 *    domain id, the hypervisor bit, and VMCALL xen_version returns the
 *    version; at base 0x40000100 with another version configured, pvx's
 *    leaf is still at 0x40000000 and the guest sees that version;
 *  - the hypercall page holds Xen's 128 Intel stubs (ud2 for iret) and a
 *    call through it works; console_io bytes reach the host through
 *    PVX_PV_CONSOLE_READ; the guest reads the STORE_PFN the host set and
 *    sets CALLBACK_IRQ, which the host reads back;
 *  - add_to_physmap(shared_info) at a frame of RAM inside an aligned
 *    2 MiB (THP backing: a 2 MiB EPT leaf may map it) replaces that frame
 *    only: the guest sees shared_info's zeros where the host had put a
 *    pattern, the next frame is still RAM, bytes the guest writes there
 *    are what pvx reads for console_io and never reach the RAM behind the
 *    frame; moving shared_info elsewhere gives the old frame its RAM back
 *    and the page (with the guest's bytes) appears at the new frame;
 *  - hypercall numbers without a handler return -ENOSYS, a buffer at an
 *    unmapped address -EFAULT;
 *  - the host ioctls' input checks (-EINVAL, -EEXIST, -EBUSY, -EBADF,
 *    -ENODEV, -ENOTTY), and every VM freed leaves debugfs "live" as it
 *    was.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/pvx_xen.h>

#include "guest_vm.h"
#include "pvxtest.h"
#include "tap.h"
#include "../guest/xenpv.h"

#define NR_POINTS	10

static int sys_fd;
static char guest_path[512];

static int xp_io(struct gvm *g, uint16_t port, uint8_t size,
		 uint8_t direction, void *data, uint32_t count)
{
	if (port == XP_PORT_SCENARIO && direction == PVX_EXIT_IO_IN &&
	    size == 4 && count == 1) {
		memcpy(data, g->opaque, 4);
		return PVX_RUN_CONTINUE;
	}
	return -1;
}

/* The frames the guest checks, filled with the host's patterns. */
static bool fill_patterns(struct gvm *g)
{
	uint8_t *si = pvx_gpa_to_host(&g->vm->mem, XP_SI_GPA, 8192);
	uint8_t *next = pvx_gpa_to_host(&g->vm->mem, XP_SI_NEXT_GPA, 4096);

	if (!si || !next)
		return false;
	memset(si, XP_PATTERN, 4096);
	memset(si + 4096, XP_PATTERN_NEXT, 4096);
	memset(next, XP_PATTERN, 4096);
	return true;
}

/*
 * A VM for scenario *@scenario: PV enabled with @cfg unless it is NULL,
 * RAM backed by THP, the guest loaded and set up in long mode.
 */
static bool start(struct gvm *g, uint32_t *scenario,
		  const struct pvx_pv_config *cfg)
{
	uint64_t entry;
	int r = cfg ? gvm_create_pv(g, sys_fd, XP_RAM_BYTES, PVX_BACKING_THP,
				    cfg) :
		      gvm_create(g, sys_fd, XP_RAM_BYTES);

	if (r) {
		tap_diag("creating the VM: %s", strerror(-r));
		return false;
	}
	g->io_hook = xp_io;
	g->opaque = scenario;
	r = gvm_load(g, guest_path, 0, &entry);
	if (!r)
		r = gvm_setup(g, PVX_MODE_LONG, entry, XP_RAM_BYTES);
	if (!r && !fill_patterns(g))
		r = -EFAULT;
	if (r) {
		tap_diag("setting up the guest: %s", strerror(-r));
		gvm_destroy(g);
		return false;
	}
	return true;
}

static bool run_to_exit(struct gvm *g)
{
	int r = gvm_run(g);

	if (r == PVX_EXIT_IO && gvm_exited_ok(g))
		return true;
	gvm_diag(g, r);
	return false;
}

static uint64_t V(const struct gvm *g, uint32_t key)
{
	uint64_t v;

	return gvm_value(g, key, &v) ? v : XP_NONE;
}

/* A Xen errno as the guest sees it in RAX. */
static uint64_t xen_err(int e)
{
	return (uint64_t)(int64_t)-e;
}

static void no_pv_case(void)
{
	uint32_t scenario = XP_DETECT;
	struct gvm g;
	bool ok = true;

	EXPECT(start(&g, &scenario, NULL));
	if (ok) {
		EXPECT(run_to_exit(&g));
		EXPECT(V(&g, XK_CPUID_BASE) == XP_NONE);
		EXPECT(V(&g, XK_CPUID_40000000_EBX) == 0x70787670); /* "pvxp" */
		EXPECT(V(&g, XK_VMCALL_VERSION) == xen_err(XEN_ENOSYS));
		gvm_destroy(&g);
	}
	tap_ok(ok, "without PV: no Xen CPUID leaves (pvx's at 0x40000000), VMCALL returns -ENOSYS");
}

static void detect_case(uint32_t base, uint32_t version)
{
	uint32_t scenario = XP_DETECT;
	struct pvx_pv_config cfg;
	struct gvm g;
	bool ok = true;

	pvx_pv_config_init(&cfg);
	cfg.cpuid_base = base;
	cfg.xen_version = version;
	EXPECT(start(&g, &scenario, &cfg));
	if (ok) {
		uint32_t want = version ? version : PVX_PV_XEN_VERSION;

		EXPECT(run_to_exit(&g));
		EXPECT(g.pv.domid >= 1 && g.pv.domid < DOMID_FIRST_RESERVED);
		EXPECT(V(&g, XK_CPUID_BASE) == base);
		EXPECT(V(&g, XK_CPUID_MAX) == base + 4);
		EXPECT(V(&g, XK_CPUID_VERSION) == want);
		EXPECT(V(&g, XK_CPUID_HCALL_PAGES) == 1);
		EXPECT(V(&g, XK_CPUID_HCALL_MSR) == XEN_HYPERCALL_MSR);
		EXPECT(V(&g, XK_CPUID_HVM_EAX) == (XEN_HVM_CPUID_VCPU_ID_PRESENT |
						   XEN_HVM_CPUID_DOMID_PRESENT));
		EXPECT(V(&g, XK_CPUID_HVM_EBX) == 0);
		EXPECT(V(&g, XK_CPUID_HVM_ECX) == g.pv.domid);
		EXPECT(V(&g, XK_CPUID_HYPERVISOR) == 1);
		EXPECT(V(&g, XK_VMCALL_VERSION) == want);
		if (base != 0x40000000)
			EXPECT(V(&g, XK_CPUID_40000000_EBX) == 0x70787670);
		gvm_destroy(&g);
	}
	tap_ok(ok, "PV at CPUID base %#x: the guest finds XenVMMXenVMM, version %#x, one hypercall page at MSR %#x, its vCPU and domain ids; VMCALL xen_version returns it",
	       base, version ? version : PVX_PV_XEN_VERSION, XEN_HYPERCALL_MSR);
}

/* The spine scenario, judged in three points. */
static void spine_cases(void)
{
	uint32_t scenario = XP_SPINE;
	struct pvx_pv_config cfg;
	const uint8_t *ram_si;
	uint64_t callback = 0, shared_word;
	struct gvm g;
	const char *con;
	bool ok = true;

	pvx_pv_config_init(&cfg);
	if (!start(&g, &scenario, &cfg)) {
		for (int i = 0; i < 3; i++)
			tap_ok(false, "the spine scenario could not start");
		return;
	}
	EXPECT(pvx_pv_set_param(g.vm, HVM_PARAM_STORE_PFN, XP_STORE_PFN) == 0);
	EXPECT(run_to_exit(&g));
	con = gvm_pv_console(&g);
	EXPECT(V(&g, XK_PAGE_STUB_OK) == 1);
	EXPECT(V(&g, XK_PAGE_VERSION) == PVX_PV_XEN_VERSION);
	EXPECT(V(&g, XK_CONSOLE_RET) == 0);
	EXPECT(strstr(con, XP_CONSOLE_HELLO) != NULL);
	EXPECT(g.pv_dropped == 0);
	EXPECT(V(&g, XK_GET_STORE_RET) == 0);
	EXPECT(V(&g, XK_GET_STORE_VALUE) == XP_STORE_PFN);
	EXPECT(V(&g, XK_SET_CALLBACK_RET) == 0);
	EXPECT(pvx_pv_get_param(g.vm, HVM_PARAM_CALLBACK_IRQ, &callback) == 0);
	EXPECT(callback == XP_CALLBACK);
	tap_ok(ok, "hypercall page with Xen's 128 stubs and a call through it; console_io reaches PVX_PV_CONSOLE_READ; STORE_PFN set by the host read by the guest; CALLBACK_IRQ set by the guest read by the host");

	ok = true;
	memset(&shared_word, XP_PATTERN, sizeof(shared_word));
	ram_si = pvx_gpa_to_host(&g.vm->mem, XP_SI_GPA, 4096);
	EXPECT(V(&g, XK_SI_BEFORE) == shared_word);
	EXPECT(V(&g, XK_SI_MAP_RET) == 0);
	EXPECT(V(&g, XK_SI_AFTER) == 0);
	EXPECT(V(&g, XK_SI_NEIGHBOUR) == 0xa5a5a5a5a5a5a5a5ULL);
	EXPECT(V(&g, XK_SI_CONSOLE_RET) == 0);
	EXPECT(strstr(con, XP_CONSOLE_SHARED) != NULL);
	EXPECT(ram_si && ram_si[XP_SI_SCRATCH] == XP_PATTERN);
	EXPECT(V(&g, XK_SI_MOVE_RET) == 0);
	EXPECT(V(&g, XK_SI_OLD_AFTER_MOVE) == shared_word);
	memcpy(&shared_word, XP_CONSOLE_SHARED, 8);
	EXPECT(V(&g, XK_SI_NEW_AFTER_MOVE) == shared_word);
	tap_ok(ok, "add_to_physmap(shared_info) over THP-backed RAM: that frame only shows shared_info, the guest's bytes there are what console_io reads and not the RAM's; moved, the old frame is RAM again");

	ok = true;
	EXPECT(V(&g, XK_ENOSYS_NR) == xen_err(XEN_ENOSYS));
	EXPECT(V(&g, XK_ENOSYS_BIG) == xen_err(XEN_ENOSYS));
	EXPECT(V(&g, XK_EFAULT) == xen_err(XEN_EFAULT));
	tap_ok(ok, "hypercall 60 and 100000: -ENOSYS; a buffer at an unmapped address: -EFAULT");
	gvm_destroy(&g);
}

/* PVX_PV_ENABLE's input checks on a fresh VM. */
static int enable_with(void (*change)(struct pvx_pv_config *), int *err)
{
	struct pvx_pv_config cfg;
	struct pvx_vm *vm;
	int r = pvx_vm_create(sys_fd, &vm);

	if (r)
		return r;
	pvx_pv_config_init(&cfg);
	change(&cfg);
	*err = pvx_pv_enable(vm, &cfg);
	pvx_vm_destroy(vm);
	return 0;
}

static void set_flags(struct pvx_pv_config *c) { c->flags = 1; }
static void set_padding(struct pvx_pv_config *c) { c->padding = 1; }
static void set_reserved(struct pvx_pv_config *c) { c->reserved[3] = 1; }
static void set_base(struct pvx_pv_config *c) { c->cpuid_base = 0x40000200; }
static void set_frames(struct pvx_pv_config *c) { c->max_grant_frames = PVX_PV_MAX_GRANT_FRAMES + 1; }
static void set_bad_fd(struct pvx_pv_config *c) { c->console_eventfd = 0; }

static void enable_input_cases(void)
{
	static const struct {
		void (*change)(struct pvx_pv_config *);
		int err;
	} cases[] = {
		{ set_flags, -EINVAL }, { set_padding, -EINVAL },
		{ set_reserved, -EINVAL }, { set_base, -EINVAL },
		{ set_frames, -EINVAL }, { set_bad_fd, -EBADF },
	};
	struct pvx_pv_config cfg;
	struct pvx_vcpu *vcpu;
	struct pvx_vm *vm;
	uint64_t v;
	bool ok = true;
	int err = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		EXPECT(enable_with(cases[i].change, &err) == 0);
		if (err != cases[i].err)
			tap_diag("case %zu: %d, expected %d", i, err, cases[i].err);
		EXPECT(err == cases[i].err);
	}
	tap_ok(ok, "PVX_PV_ENABLE: flags, padding, reserved, CPUID base 0x40000200, too many grant frames: -EINVAL; a console fd that is no eventfd: -EBADF");

	ok = true;
	EXPECT(pvx_vm_create(sys_fd, &vm) == 0);
	pvx_pv_config_init(&cfg);
	EXPECT(pvx_pv_get_param(vm, HVM_PARAM_STORE_PFN, &v) == -ENODEV);
	EXPECT(pvx_pv_console_read(vm, &v, sizeof(v), NULL) == -ENODEV);
	EXPECT(pvx_pv_enable(vm, &cfg) == 0);
	EXPECT(pvx_pv_enable(vm, &cfg) == -EEXIST);
	EXPECT(pvx_vcpu_create(vm, 0, &vcpu) == 0);
	pvx_vm_destroy(vm);
	EXPECT(pvx_vm_create(sys_fd, &vm) == 0);
	EXPECT(pvx_vcpu_create(vm, 0, &vcpu) == 0);
	EXPECT(pvx_pv_enable(vm, &cfg) == -EBUSY);
	EXPECT(ioctl(vm->fd, _IO(PVXIO, 0x7f), 0) < 0 && errno == ENOTTY);
	pvx_vm_destroy(vm);
	tap_ok(ok, "PV ioctls before PVX_PV_ENABLE: -ENODEV; enabling twice: -EEXIST; after a vCPU: -EBUSY; an unknown VM ioctl: -ENOTTY");
}

static void param_input_cases(void)
{
	struct pvx_pv_config cfg;
	struct pvx_pv_param p = { .index = HVM_PARAM_STORE_PFN, .flags = 1 };
	struct pvx_pv_console c = { .flags = 1 };
	struct pvx_vm *vm;
	uint64_t v = 0;
	bool ok = true;
	int efd = eventfd(0, EFD_CLOEXEC);

	EXPECT(pvx_vm_create(sys_fd, &vm) == 0);
	pvx_pv_config_init(&cfg);
	cfg.console_eventfd = efd;
	EXPECT(pvx_pv_enable(vm, &cfg) == 0);
	EXPECT(pvx_pv_set_param(vm, HVM_NR_PARAMS, 1) == -EINVAL);
	EXPECT(pvx_pv_set_param(vm, 7, 1) == -EINVAL);
	EXPECT(pvx_pv_get_param(vm, 7, &v) == -EINVAL);
	EXPECT(pvx_pv_set_param(vm, HVM_PARAM_STORE_EVTCHN, EVTCHN_2L_NR_CHANNELS) == -EINVAL);
	EXPECT(pvx_pv_set_param(vm, HVM_PARAM_CONSOLE_PFN, 1ULL << 36) == -EINVAL);
	EXPECT(pvx_pv_set_param(vm, HVM_PARAM_CALLBACK_IRQ, 5) == -EINVAL);	/* GSI 5 */
	EXPECT(pvx_pv_set_param(vm, HVM_PARAM_CALLBACK_IRQ, (2ULL << 56) | 0xf) == -EINVAL);
	EXPECT(pvx_pv_set_param(vm, HVM_PARAM_CALLBACK_IRQ, (2ULL << 56) | 0x1f3) == -EINVAL);
	EXPECT(ioctl(vm->fd, PVX_PV_SET_PARAM, &p) < 0 && errno == EINVAL);
	EXPECT(ioctl(vm->fd, PVX_PV_GET_PARAM, &p) < 0 && errno == EINVAL);
	EXPECT(ioctl(vm->fd, PVX_PV_CONSOLE_READ, &c) < 0 && errno == EINVAL);
	EXPECT(ioctl(vm->fd, PVX_PV_SET_PARAM, (void *)16) < 0 && errno == EFAULT);
	EXPECT(pvx_pv_set_param(vm, HVM_PARAM_CONSOLE_EVTCHN, 3) == 0);
	EXPECT(pvx_pv_get_param(vm, HVM_PARAM_CONSOLE_EVTCHN, &v) == 0 && v == 3);
	EXPECT(pvx_pv_console_read(vm, &v, sizeof(v), NULL) == 0);
	pvx_vm_destroy(vm);
	close(efd);
	tap_ok(ok, "PVX_PV_SET/GET_PARAM: an index out of range or not the host's, a bad port, PFN or callback (GSI, vector < 0x10, bits 55:8), flags: -EINVAL; a bad pointer: -EFAULT; a good one round-trips; console read with flags: -EINVAL, with nothing written: 0");
}

int main(int argc, char **argv)
{
	struct pvxtest_live before, after;
	bool have_live;

	sys_fd = pvxtest_start(argc, argv, NULL, NR_POINTS);
	snprintf(guest_path, sizeof(guest_path), "%s/xenpv", pvxtest_guest_dir());
	have_live = pvxtest_read_live(&before);

	no_pv_case();
	detect_case(0x40000000, 0);
	detect_case(0x40000100, 0x00040013);
	spine_cases();
	enable_input_cases();
	param_input_cases();
	if (have_live) {
		bool ok = pvxtest_live_settles(&before, &after);

		if (!ok)
			tap_diag("live: vms %ld vcpus %ld pinned_pages %ld ept_tables %ld",
				 after.vms, after.vcpus, after.pinned_pages,
				 after.ept_tables);
		tap_ok(ok, "every VM freed: debugfs live is back to what it was");
	} else {
		tap_skip("no debugfs pvx/live");
	}
	close(sys_fd);
	return tap_finish();
}
