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
 *  - every xen_version command: the values, each string NUL-padded to its
 *    size and nothing written beyond it, the feature bits, -EINVAL and
 *    -ENOSYS;
 *  - console_io: a 5000-byte write keeps 4096, three more of 4096 fill the
 *    16 KiB buffer, a fifth is dropped; the host reads exactly the kept
 *    bytes in order, the dropped count (1004) and the eventfd's signal;
 *  - multicall: per-entry results of a mixed batch (a failing entry, an
 *    unknown number, a nested multicall, a console write), only the result
 *    fields written; 20 entries (two chunks); 65: -E2BIG; 0; an unmapped
 *    list: -EFAULT; an unaligned list that crosses a page (a result field
 *    straddles it), reached through an alias mapping of the guest's own
 *    page tables; the console write runs once (the fast path stopped
 *    before it, the slow path went on from there); what the exit fast
 *    path could get wrong with cached guest frames: a list at an address
 *    the guest remaps between two calls, a list across two pages mapped
 *    in reverse order, a list whose frame became shared_info;
 *  - every register but RAX survives: the fast path, the slow path, an
 *    error, a multicall, hvm_op (RCX and R11 included);
 *  - from a compatibility-mode code segment, the 32-bit convention (EBX and
 *    ECX with junk in their upper halves) and compat multicall entries;
 *  - from ring 3, -EPERM, for a fast-path call too, with no side effect;
 *  - each call's argument checks (-EFAULT, -EPERM, -EINVAL, -EOPNOTSUPP,
 *    -ENOSYS);
 *  - pvxctl run --pv prints the guest's console_io line and exits 0;
 *    without --pv the call fails and the guest exits 3;
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

#define NR_POINTS	20

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

/*
 * Run @scenario in a PV VM with pvx's defaults (or @cfg): true if the guest
 * ran to its end; *@g is left for the caller to judge and destroy.
 */
static bool run_pv(struct gvm *g, uint32_t *scenario,
		   const struct pvx_pv_config *cfg)
{
	struct pvx_pv_config def;

	if (!cfg) {
		pvx_pv_config_init(&def);
		cfg = &def;
	}
	if (!start(g, scenario, cfg))
		return false;
	if (run_to_exit(g))
		return true;
	gvm_destroy(g);
	return false;
}

/* @s's first 8 bytes (NUL-padded) as the guest reports them. */
static uint64_t head(const char *s)
{
	char b[8] = { 0 };

	memcpy(b, s, strnlen(s, 8));
	return *(uint64_t *)b;
}

static void version_case(void)
{
	static const struct {
		unsigned int cmd;
		const char *head;
	} bufs[] = {
		{ XENVER_extraversion, ".0-pvx" }, { XENVER_compile_info, "pvx" },
		{ XENVER_capabilities, "hvm-3.0-x86_64" },
		{ XENVER_changeset, "pvx" }, { XENVER_platform_parameters, "" },
		{ XENVER_guest_handle, "" }, { XENVER_commandline, "" },
	};
	uint32_t scenario = XP_VERSION;
	struct gvm g;
	bool ok = true;

	if (!run_pv(&g, &scenario, NULL)) {
		tap_ok(false, "xen_version: the guest ran");
		return;
	}
	EXPECT(V(&g, XK_VER_RET(XENVER_version)) == PVX_PV_XEN_VERSION);
	EXPECT(V(&g, XK_VER_RET(XENVER_pagesize)) == 4096);
	for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
		unsigned int c = bufs[i].cmd;

		if (V(&g, XK_VER_RET(c)) || V(&g, XK_VER_HEAD(c)) != head(bufs[i].head) ||
		    V(&g, XK_VER_PADDED(c)) != 1) {
			tap_diag("command %u: ret %#llx head %#llx padded %llu", c,
				 (unsigned long long)V(&g, XK_VER_RET(c)),
				 (unsigned long long)V(&g, XK_VER_HEAD(c)),
				 (unsigned long long)V(&g, XK_VER_PADDED(c)));
			ok = false;
		}
	}
	EXPECT(V(&g, XK_VER_RET(XENVER_get_features)) == 0);
	EXPECT(V(&g, XK_VER_FEATURES) == ((1U << XENFEAT_writable_page_tables) |
					  (1U << XENFEAT_auto_translated_physmap) |
					  (1U << XENFEAT_hvm_callback_vector) |
					  (1U << XENFEAT_hvm_safe_pvclock)));
	EXPECT(V(&g, XK_VER_FEATURES1_RET) == xen_err(XEN_EINVAL));
	EXPECT(V(&g, XK_VER_UNKNOWN) == xen_err(XEN_ENOSYS));
	gvm_destroy(&g);
	tap_ok(ok, "xen_version: version, pagesize, and each buffer command (extraversion, compile_info, capabilities, changeset, platform_parameters, guest_handle, commandline) NUL-padded to its size and not beyond; get_features submap 0 = writable_page_tables, auto_translated_physmap, hvm_callback_vector, hvm_safe_pvclock, submap 1 -EINVAL; command 99 -ENOSYS");
}

/* The console buffer: 'a' x 4096, then 'b', 'c', 'd' x 4096 each. */
static bool console_content_ok(const char *buf, int n)
{
	if (n != 4 * XP_CON_TAKEN)
		return false;
	for (int i = 0; i < n; i++)
		if (buf[i] != "abcd"[i / XP_CON_TAKEN])
			return false;
	return true;
}

static void console_case(void)
{
	uint32_t scenario = XP_CONSOLE;
	static char buf[4 * PVX_PV_CONSOLE_BUFFER];
	struct pvx_pv_config cfg;
	uint64_t signals = 0, dropped = 0;
	struct gvm g;
	bool ok = true;
	int n, efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	pvx_pv_config_init(&cfg);
	cfg.console_eventfd = efd;
	if (efd < 0 || !run_pv(&g, &scenario, &cfg)) {
		tap_ok(false, "console_io: the guest ran");
		if (efd >= 0)
			close(efd);
		return;
	}
	for (unsigned int i = 0; i < 5; i++)
		EXPECT(V(&g, XK_CON_RET(i)) == 0);
	EXPECT(V(&g, XK_CON_READ) == 0);
	EXPECT(V(&g, XK_CON_UNKNOWN) == xen_err(XEN_ENOSYS));
	EXPECT(read(efd, &signals, sizeof(signals)) == sizeof(signals) && signals >= 1);
	n = pvx_pv_console_read(g.vm, buf, sizeof(buf), &dropped);
	if (!console_content_ok(buf, n))
		tap_diag("console read %d bytes", n);
	EXPECT(console_content_ok(buf, n));
	EXPECT(dropped == (XP_CON_BIG - XP_CON_TAKEN) + XP_CON_OVER);
	EXPECT(pvx_pv_console_read(g.vm, buf, sizeof(buf), NULL) == 0);
	gvm_destroy(&g);
	close(efd);
	tap_ok(ok, "console_io: one write takes %d bytes at most, a full %d-byte buffer drops the rest, dropped bytes counted (%llu), the eventfd signalled; CONSOLEIO_read 0, command 7 -ENOSYS",
	       XP_CON_TAKEN, PVX_PV_CONSOLE_BUFFER, (unsigned long long)dropped);
}

/* How many times @needle occurs in @s. */
static int occurrences(const char *s, const char *needle)
{
	int n = 0;

	for (; (s = strstr(s, needle)); s += strlen(needle))
		n++;
	return n;
}

static void multicall_case(void)
{
	uint32_t scenario = XP_MULTICALL;
	struct gvm g;
	bool ok = true;

	if (!run_pv(&g, &scenario, NULL)) {
		tap_ok(false, "multicall: the guest ran");
		tap_ok(false, "multicall: the guest ran");
		tap_ok(false, "multicall: the guest ran");
		return;
	}
	EXPECT(V(&g, XK_MC_RET) == 0);
	EXPECT(V(&g, XK_MC_RESULT(0)) == PVX_PV_XEN_VERSION);
	EXPECT(V(&g, XK_MC_RESULT(1)) == xen_err(XEN_EFAULT));
	EXPECT(V(&g, XK_MC_RESULT(2)) == xen_err(XEN_ENOSYS));
	EXPECT(V(&g, XK_MC_RESULT(3)) == xen_err(XEN_EINVAL));
	EXPECT(V(&g, XK_MC_RESULT(4)) == 0);
	EXPECT(V(&g, XK_MC_RESULT(5)) == 4096);
	EXPECT(V(&g, XK_MC_OP_KEPT) == 1);
	/* Once: entry 4 ran on the slow path after the fast one stopped. */
	EXPECT(occurrences(gvm_pv_console(&g), XP_CONSOLE_MC) == 1);
	tap_ok(ok, "multicall of 6: each entry's result (version, -EFAULT, -ENOSYS, nested multicall -EINVAL, console_io 0, pagesize), failures stop nothing, only the result fields written");

	ok = true;
	EXPECT(V(&g, XK_MC_BATCH_RET) == 0 && V(&g, XK_MC_BATCH_OK) == 1);
	EXPECT(V(&g, XK_MC_TOO_MANY_RET) == xen_err(XEN_E2BIG));
	EXPECT(V(&g, XK_MC_ZERO_RET) == 0);
	EXPECT(V(&g, XK_MC_BAD_LIST_RET) == xen_err(XEN_EFAULT));
	EXPECT(V(&g, XK_MC_ALIAS_RET) == 0);
	EXPECT(V(&g, XK_MC_ALIAS_RESULT(0)) == PVX_PV_XEN_VERSION);
	EXPECT(V(&g, XK_MC_ALIAS_RESULT(1)) == xen_err(XEN_ENOSYS));
	EXPECT(V(&g, XK_MC_ALIAS_RESULT(2)) == 4096);
	tap_ok(ok, "multicall: %d entries (two chunks) all done and no entry beyond, %d entries -E2BIG, 0 entries 0, a list at an unmapped address -EFAULT, an unaligned list across a page boundary (a result field straddling it) through an alias mapping, read and written through the guest's page tables",
	       XP_MC_BATCH, XP_MC_TOO_MANY);

	ok = true;
	for (int i = 0; i <= 4; i++)
		EXPECT(V(&g, XK_MC_WIN_RET(i)) == 0);
	for (int i = 0; i <= 3; i++)
		EXPECT(V(&g, XK_MC_WIN_OK(i)) == 1);
	EXPECT(V(&g, XK_MC_WIN_SI_RET) == 0);
	gvm_destroy(&g);
	tap_ok(ok, "multicall (exit fast path): a list the guest remaps between two calls is read and written where it maps now; a list across two pages mapped in reverse order; a list whose frame became shared_info (EPT remapped) reaches shared_info");
}

static void regs_case(void)
{
	static const char *const what[] = {
		"xen_version(version), the fast path", "xen_version(extraversion)",
		"an unknown number", "a multicall of 2", "hvm_op(get_param)",
	};
	const uint64_t rax[] = { PVX_PV_XEN_VERSION, 0, xen_err(XEN_ENOSYS), 0, 0 };
	uint32_t scenario = XP_REGS;
	struct gvm g;
	bool ok = true;

	if (!run_pv(&g, &scenario, NULL)) {
		tap_ok(false, "registers: the guest ran");
		return;
	}
	for (unsigned int i = 0; i < 5; i++) {
		if (V(&g, XK_REGS_CHANGED(i)) || V(&g, XK_REGS_RAX(i)) != rax[i]) {
			tap_diag("%s: RAX %#llx, changed registers %#llx", what[i],
				 (unsigned long long)V(&g, XK_REGS_RAX(i)),
				 (unsigned long long)V(&g, XK_REGS_CHANGED(i)));
			ok = false;
		}
	}
	gvm_destroy(&g);
	tap_ok(ok, "every register but RAX (RCX and R11 too) survives VMCALL: fast path, slow path, -ENOSYS, multicall, hvm_op");
}

static void compat_case(void)
{
	uint32_t scenario = XP_COMPAT;
	struct gvm g;
	bool ok = true;

	if (!run_pv(&g, &scenario, NULL)) {
		tap_ok(false, "32-bit convention: the guest ran");
		return;
	}
	EXPECT(V(&g, XK_COMPAT_BACK) == 1);
	EXPECT(V(&g, XK_COMPAT_VERSION) == PVX_PV_XEN_VERSION);
	EXPECT(V(&g, XK_COMPAT_EXTRA_RET) == 0);
	EXPECT(V(&g, XK_COMPAT_EXTRA_HEAD) == head(".0-pvx"));
	EXPECT(V(&g, XK_COMPAT_MC_RET) == 0);
	EXPECT(V(&g, XK_COMPAT_MC_RESULT(0)) == PVX_PV_XEN_VERSION);
	EXPECT(V(&g, XK_COMPAT_MC_RESULT(1)) == (uint32_t)-XEN_ENOSYS);
	EXPECT(V(&g, XK_COMPAT_ENOSYS) == (uint32_t)-XEN_ENOSYS);
	gvm_destroy(&g);
	tap_ok(ok, "compatibility mode: EAX number, EBX/ECX arguments with junk in their upper halves ignored, EAX result; a multicall of 32-byte compat entries");
}

static void user_case(void)
{
	uint32_t scenario = XP_USER;
	struct gvm g;
	bool ok = true;

	if (!run_pv(&g, &scenario, NULL)) {
		tap_ok(false, "CPL 3: the guest ran");
		return;
	}
	EXPECT(V(&g, XK_USER_BACK) == 1 && V(&g, XK_USER_CPL) == 3);
	EXPECT(V(&g, XK_USER_VERSION) == xen_err(XEN_EPERM));
	EXPECT(V(&g, XK_USER_CONSOLE) == xen_err(XEN_EPERM));
	EXPECT(strstr(gvm_pv_console(&g), XP_CONSOLE_USER) == NULL);
	gvm_destroy(&g);
	tap_ok(ok, "VMCALL at CPL 3: -EPERM for xen_version (a fast-path call) and console_io, which writes nothing");
}

static void bad_pointer_case(void)
{
	static const struct {
		uint32_t key;
		int err;
	} cases[] = {
		{ XK_BAD_CONSOLE, XEN_EFAULT }, { XK_BAD_PHYSMAP, XEN_EFAULT },
		{ XK_BAD_HVM_GET, XEN_EFAULT }, { XK_BAD_HVM_SET, XEN_EFAULT },
		{ XK_BAD_FEATURES, XEN_EFAULT },
		{ XK_BAD_PHYSMAP_SPACE, XEN_EOPNOTSUPP },
		{ XK_BAD_PHYSMAP_DOMID, XEN_EPERM },
		{ XK_BAD_PHYSMAP_GPFN, XEN_EINVAL },
		{ XK_BAD_PHYSMAP_IDX, XEN_EINVAL },
		{ XK_BAD_HVM_SET_STORE, XEN_EPERM },
		{ XK_BAD_HVM_INDEX, XEN_EINVAL },
		{ XK_BAD_HVM_CALLBACK, XEN_EINVAL },
		{ XK_BAD_HVM_DOMID, XEN_EPERM },
		{ XK_BAD_MEMOP, XEN_ENOSYS }, { XK_BAD_HVMOP, XEN_ENOSYS },
	};
	uint32_t scenario = XP_BAD_POINTERS;
	struct gvm g;
	bool ok = true;

	if (!run_pv(&g, &scenario, NULL)) {
		tap_ok(false, "bad arguments: the guest ran");
		return;
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (V(&g, cases[i].key) != xen_err(cases[i].err)) {
			tap_diag("key %#x: %#llx, expected -%d", cases[i].key,
				 (unsigned long long)V(&g, cases[i].key),
				 cases[i].err);
			ok = false;
		}
	}
	gvm_destroy(&g);
	tap_ok(ok, "bad arguments: an unmapped buffer is -EFAULT for console_io, add_to_physmap, get/set_param, get_features; add_to_physmap of space gmfn -EOPNOTSUPP, another domain -EPERM, a gpfn beyond 2^48 or shared_info idx 1 -EINVAL; the guest setting STORE_PFN -EPERM, index 39 or a GSI callback -EINVAL, another domain -EPERM; unknown memory_op and hvm_op -ENOSYS");
}

static void pvxctl_case(void)
{
	char path[600], out[4096], err[4096];
	char *pv_argv[] = { "pvxctl", "run", "--pv", path, NULL };
	char *plain_argv[] = { "pvxctl", "run", path, NULL };
	int rc_pv, rc_plain;
	bool ok = true;

	snprintf(path, sizeof(path), "%s", guest_path);
	rc_pv = run_capture_timeout(pv_argv, 120, out, sizeof(out), err, sizeof(err));
	if (rc_pv != 0 || !strstr(out, XP_CONSOLE_HELLO))
		tap_diag("pvxctl run --pv: %d, stdout '%s', stderr '%s'", rc_pv, out, err);
	EXPECT(rc_pv == 0 && strstr(out, XP_CONSOLE_HELLO));
	rc_plain = run_capture_timeout(plain_argv, 120, out, sizeof(out), err,
				       sizeof(err));
	EXPECT(rc_plain == 3 && !strstr(out, XP_CONSOLE_HELLO));
	tap_ok(ok, "pvxctl run --pv: the guest's console_io line on stdout, exit status 0; without --pv console_io fails (-ENOSYS): status 3");
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
	version_case();
	console_case();
	multicall_case();
	regs_case();
	compat_case();
	user_case();
	bad_pointer_case();
	pvxctl_case();
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
