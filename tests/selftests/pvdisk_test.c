// SPDX-License-Identifier: GPL-2.0
/*
 * pvdisk_test [--guests DIR] [--no-load]: Xen split drivers end to end.
 * The guest pvdisk (tests/guest/pvdisk.c, its own console, xenstore and
 * block frontends in rt/pvfront.c) runs against the real backends of
 * userspace/backends over the pvx transport (grants through PVX_GNT_*,
 * ports through PVX_EVTCHN_*), started as pvxctl starts them
 * (pvbe_pvx_domain_start: xenstore and console pages outside guest RAM,
 * the four HVM params), with xvda read-write and xvdb read-only, each a
 * fresh 1 MiB image file.
 *
 * One VM per scenario (pvdisk.h):
 *  - RW: the HVM params the guest read are the host's; the console text
 *    arrives on the console backend's fd; the handshake ends Connected
 *    with sectors 2048, sector-size 512; 8 writes and 8 reads on the ring
 *    at once all OKAY, the data read back is what was written, the
 *    indirect write/read of 16 pages too, and the image file on the host
 *    holds exactly the guest's bytes at those sectors;
 *  - a segment past its page and one with first_sect > last_sect: error
 *    responses; a grant the guest revoked: an error response; a write to
 *    the read-only disk: an error response and the image untouched; an
 *    event storm of 100000 sends: each accepted; after each, a good
 *    request is still served;
 *  - req_prod far beyond the ring: the backend leaves Connected (Closing)
 *    and counts a bogus ring; a xenstore header of 1 MiB: the server
 *    marks the page XENSTORE_ERROR_PROTO and drops the connection.
 * Then two VMs at once on one xenstore, each in its own thread: their own
 * domids, subtrees and disks, each image holding its own guest's bytes.
 * Then the CLI: `pvxctl run --pv --disk IMG --console pvdisk` prints the
 * guest's console on stdout, gives it a pipe on stdin (the guest echoes
 * the first line), exits 0 and leaves the guest's bytes in IMG;
 * with IMG,ro the writes are refused, the guest's status 2 is pvxctl's,
 * and IMG keeps the first run's bytes; --disk or --console without --pv,
 * a suffix other than ,ro and a fifth --disk are usage errors.
 * Every backend stops with its threads joined (blkback_destroy,
 * console_stop, xs_store_destroy), and at the end debugfs live is back
 * to 0 (VMs, vCPUs, pinned pages, EPT tables, ports, eventfds, timers).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pvdtest.h"
#include "pvxtest.h"
#include "tap.h"

static int sys_fd;
static struct xs_store *store;

static uint64_t val(struct pvd_vm *v, uint32_t key)
{
	uint64_t x = ~0ULL;

	gvm_value(&v->g, key, &x);
	return x;
}

/* The image's sectors [@s, @s + @n) hold guest @seed's bytes. */
static bool image_holds(const char *path, uint32_t seed, uint64_t s, uint64_t n)
{
	unsigned char buf[512];
	bool ok = true;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return false;
	for (uint64_t k = s; ok && k < s + n; k++) {
		ok = pread(fd, buf, 512, (off_t)(k * 512)) == 512;
		for (int i = 0; ok && i < 512; i++)
			ok = buf[i] == PVD_PAT(seed, k, i);
	}
	close(fd);
	return ok;
}

static bool image_zero(const char *path)
{
	static unsigned char buf[PVD_DISK_BYTES];
	int fd = open(path, O_RDONLY);
	bool ok = fd >= 0 && pread(fd, buf, sizeof(buf), 0) == (ssize_t)sizeof(buf);

	for (size_t i = 0; ok && i < sizeof(buf); i++)
		ok = !buf[i];
	if (fd >= 0)
		close(fd);
	return ok;
}

/* What every scenario's guest did before its own part. */
static bool connected_ok(struct pvd_vm *v, bool ro)
{
	bool ok = true;

	EXPECT(v->exited_ok);
	EXPECT(val(v, PVD_K_STORE_PFN) == PVD_STORE_GPA / PVD_PAGE);
	EXPECT(val(v, PVD_K_CONSOLE_PFN) == PVD_CONSOLE_GPA / PVD_PAGE);
	EXPECT(val(v, PVD_K_STORE_EVTCHN) == v->store_port);
	EXPECT(val(v, PVD_K_CONSOLE_EVTCHN) == v->console_port);
	EXPECT(val(v, PVD_K_DOMID) == v->g.pv.domid);
	EXPECT(val(v, PVD_K_CONNECTED) == 1);
	EXPECT(val(v, PVD_K_SECTORS) == PVD_DISK_BYTES / 512);
	EXPECT(val(v, PVD_K_SECTOR_SIZE) == 512);
	EXPECT(!!(val(v, PVD_K_INFO) & VDISK_READONLY) == ro);
	EXPECT(strstr(v->console, PVD_HELLO) != NULL);
	return ok;
}

static bool rw_ok(struct pvd_vm *v)
{
	uint32_t seed = v->g.pv.domid;
	bool ok = connected_ok(v, false);

	EXPECT(val(v, PVD_K_WRITES_OK) == PVD_INFLIGHT);
	EXPECT(val(v, PVD_K_READS_OK) == PVD_INFLIGHT);
	EXPECT(val(v, PVD_K_READ_MATCH) == 1);
	EXPECT(val(v, PVD_K_MAX_INDIRECT) >= PVD_IND_PAGES);
	EXPECT(val(v, PVD_K_INDIRECT_OK) == 1);
	EXPECT(strstr(v->console, PVD_BYE) != NULL);
	EXPECT(image_holds(v->img[0], seed, 0, 8 * PVD_INFLIGHT));
	EXPECT(image_holds(v->img[0], seed, PVD_IND_SECTOR, 8 * PVD_IND_PAGES));
	EXPECT(v->disk[0].errors == 0 && v->disk[0].bogus_rings == 0);
	EXPECT(v->disk[0].max_inflight >= 2);
	EXPECT(image_zero(v->img[1]));
	return ok;
}

static bool error_then_ok(struct pvd_vm *v, unsigned int errors)
{
	bool ok = true;

	EXPECT((int64_t)val(v, PVD_K_BAD_STATUS) == BLKIF_RSP_ERROR);
	EXPECT(val(v, PVD_K_AFTER_OK) == 1);
	EXPECT(v->disk[0].errors + v->disk[1].errors >= errors);
	return ok;
}

static bool seg_ok(struct pvd_vm *v)
{
	bool ok = connected_ok(v, false) && error_then_ok(v, 2);

	EXPECT((int64_t)val(v, PVD_K_BAD_STATUS2) == BLKIF_RSP_ERROR);
	return ok;
}

static bool revoked_ok(struct pvd_vm *v)
{
	bool ok = connected_ok(v, false) && error_then_ok(v, 1);

	EXPECT(val(v, PVD_K_BAD_STATUS2) == 1);	/* the revoke itself */
	return ok;
}

static bool ro_ok(struct pvd_vm *v)
{
	bool ok = connected_ok(v, true) && error_then_ok(v, 1);

	EXPECT(image_zero(v->img[1]));
	return ok;
}

static bool storm_ok(struct pvd_vm *v)
{
	bool ok = connected_ok(v, false);

	EXPECT(val(v, PVD_K_BAD_STATUS) == 0);
	EXPECT(val(v, PVD_K_AFTER_OK) == 1);
	return ok;
}

static bool overrun_ok(struct pvd_vm *v)
{
	bool ok = connected_ok(v, false);

	EXPECT(val(v, PVD_K_BE_STATE) == XenbusStateClosing ||
	       val(v, PVD_K_BE_STATE) == XenbusStateClosed);
	EXPECT(v->disk[0].bogus_rings >= 1);
	return ok;
}

static struct xs_conn_stats xs_last;

static bool xs_huge_ok(struct pvd_vm *v)
{
	bool ok = connected_ok(v, false);

	EXPECT(val(v, PVD_K_XS_ERROR) == XENSTORE_ERROR_PROTO);
	EXPECT(xs_last.broken);
	return ok;
}

static const struct {
	uint32_t scenario;
	bool (*check)(struct pvd_vm *v);
	const char *what;
} cases[] = {
	{ PVD_SCEN_RW, rw_ok, "console text through the ring; handshake Connected; "
	  "8 writes and 8 reads in flight, an indirect write and read of 16 pages; "
	  "the image on the host holds the guest's bytes" },
	{ PVD_SCEN_SEG_PAST_PAGE, seg_ok, "a segment past its page, first_sect > "
	  "last_sect: error responses, then a good request served" },
	{ PVD_SCEN_REVOKED, revoked_ok, "a request with a grant the guest revoked: "
	  "an error response, then a good request served" },
	{ PVD_SCEN_RO_WRITE, ro_ok, "a write to the read-only disk: info has "
	  "VDISK_READONLY, an error response, the image untouched" },
	{ PVD_SCEN_STORM, storm_ok, "100000 sends on the disk's port: all accepted, "
	  "a good request served after" },
	{ PVD_SCEN_RING_OVERRUN, overrun_ok, "req_prod far beyond the ring: the "
	  "backend leaves Connected, a bogus ring counted" },
	{ PVD_SCEN_XS_HUGE, xs_huge_ok, "a xenstore header of 1 MiB: "
	  "XENSTORE_ERROR_PROTO in the page, the connection dropped" },
};
#define NR_CASES (sizeof(cases) / sizeof(cases[0]))

static void one_case(unsigned int i)
{
	struct pvd_vm v;
	bool ok;

	if (pvd_start(&v, sys_fd, store, cases[i].scenario, "one")) {
		pvd_stop(&v);
		tap_ok(false, "%s", cases[i].what);
		return;
	}
	pvd_run(&v);
	memset(&xs_last, 0, sizeof(xs_last));
	xs_conn_stats(store, v.g.pv.domid, &xs_last);
	pvd_stop(&v);
	ok = cases[i].check(&v);
	pvd_remove_images(&v);
	if (!ok)
		tap_diag("console: %s", v.console);
	tap_ok(ok, "%s", cases[i].what);
}

static void *runner(void *arg)
{
	pvd_run(arg);
	return NULL;
}

static void two_at_once(void)
{
	struct pvd_vm v[2];
	bool ok = true;

	for (int i = 0; i < 2; i++)
		EXPECT(!pvd_start(&v[i], sys_fd, store, PVD_SCEN_RW, i ? "b" : "a"));
	for (int i = 0; ok && i < 2; i++)
		EXPECT(!pthread_create(&v[i].thread, NULL, runner, &v[i]));
	for (int i = 0; ok && i < 2; i++)
		pthread_join(v[i].thread, NULL);
	for (int i = 0; i < 2; i++)
		pvd_stop(&v[i]);
	if (ok) {
		EXPECT(v[0].g.pv.domid != v[1].g.pv.domid);
		EXPECT(rw_ok(&v[0]) && rw_ok(&v[1]));
		/* Each image holds its own guest's bytes, not the other's. */
		EXPECT(!image_holds(v[0].img[0], v[1].g.pv.domid, 0, 1));
	}
	for (int i = 0; i < 2; i++)
		pvd_remove_images(&v[i]);
	tap_ok(ok, "two VMs at once on one xenstore: their own domids, subtrees "
	       "and disks");
}

/* The domid the guest reported through pvxctl's report lines (stderr). */
static long reported_domid(const char *err)
{
	const char *p = strstr(err, "report key 0x5 value ");
	unsigned long long v;

	return p && sscanf(p, "report key 0x5 value %llx", &v) == 1 ? (long)v : -1;
}

/* --disk and --console without --pv, a bad suffix, five disks: usage errors. */
static void pvxctl_usage(char *img, char *guest)
{
	static char out[4096], err[4096];
	char bad[80];
	char *no_pv[] = { "pvxctl", "run", "--disk", img, guest, NULL };
	char *con[] = { "pvxctl", "run", "--console", guest, NULL };
	char *suffix[] = { "pvxctl", "run", "--pv", "--disk", bad, guest, NULL };
	char *five[] = { "pvxctl", "run", "--pv", "--disk", img, "--disk", img, "--disk", img,
			 "--disk", img, "--disk", img, guest, NULL };
	bool ok = true;

	snprintf(bad, sizeof(bad), "%s,rw", img);
	EXPECT(run_capture(no_pv, out, sizeof(out), err, sizeof(err)) == 2 &&
	       strstr(err, "--pv"));
	EXPECT(run_capture(con, out, sizeof(out), err, sizeof(err)) == 2);
	EXPECT(run_capture(suffix, out, sizeof(out), err, sizeof(err)) == 2 &&
	       strstr(err, "FILE,ro"));
	EXPECT(run_capture(five, out, sizeof(out), err, sizeof(err)) == 2);
	tap_ok(ok, "pvxctl run: --disk/--console without --pv, --disk FILE,rw, "
	       "five --disk: usage errors (rc 2)");
}

/*
 * `pvxctl run --pv --disk IMG --console pvdisk`, then with IMG,ro: the
 * console on stdout, the guest's status as pvxctl's, the bytes on disk;
 * the first with a pipe as stdin, whose first line the guest echoes (the
 * console's input: any stdin, as pvxctl boot's).
 */
#define PIPED_LINE	"piped into pvxctl run"

static void pvxctl_run(void)
{
	static char out[8192], err[8192];
	char img[64], guest[512], ro_arg[80];
	char *argv[] = { "pvxctl", "run", "--pv", "--disk", img, "--console", guest, NULL };
	long domid;
	bool ok = true;
	int rc;

	snprintf(guest, sizeof(guest), "%s/pvdisk", pvxtest_guest_dir());
	if (!pvd_make_image(img, sizeof(img), "cli")) {
		tap_ok(false, "pvxctl run --pv --disk: an image file");
		tap_ok(false, "pvxctl run --pv --disk FILE,ro");
		tap_ok(false, "pvxctl run: usage errors");
		return;
	}
	rc = run_capture_input(argv, 120, PIPED_LINE "\nnot read\n", out, sizeof(out),
			       err, sizeof(err));
	domid = reported_domid(err);
	EXPECT(rc == 0);
	EXPECT(strstr(out, PVD_HELLO) && strstr(out, PVD_BYE));
	EXPECT(strstr(out, PVD_ECHO PIPED_LINE "\r\n") || strstr(out, PVD_ECHO PIPED_LINE "\n"));
	EXPECT(domid > 0 && image_holds(img, domid, 0, 8 * PVD_INFLIGHT) &&
	       image_holds(img, domid, PVD_IND_SECTOR, 8 * PVD_IND_PAGES));
	if (!ok)
		tap_diag("rc %d, stdout:\n%s\nstderr:\n%s", rc, out, err);
	tap_ok(ok, "pvxctl run --pv --disk IMG --console pvdisk: the console on "
	       "stdout and a pipe on stdin (the guest echoes its line), exit 0, "
	       "the guest's bytes in IMG (rc %d)", rc);
	ok = true;
	snprintf(ro_arg, sizeof(ro_arg), "%s,ro", img);
	argv[4] = ro_arg;
	rc = run_capture_timeout(argv, 120, out, sizeof(out), err, sizeof(err));
	EXPECT(rc == 2);
	EXPECT(strstr(out, "read-only") && strstr(out, "0 of 8 writes"));
	/* The first run's bytes stay: the new guest's writes were refused. */
	EXPECT(domid > 0 && image_holds(img, domid, 0, 8 * PVD_INFLIGHT));
	if (!ok)
		tap_diag("rc %d, stdout:\n%s\nstderr:\n%s", rc, out, err);
	tap_ok(ok, "pvxctl run --pv --disk IMG,ro: writes refused, the image "
	       "unchanged, the guest's status 2 is pvxctl's (rc %d)", rc);
	pvxctl_usage(img, guest);
	unlink(img);
}

int main(int argc, char **argv)
{
	struct pvxtest_live zero = { 0 }, now = { 0 };
	bool ok;

	sys_fd = pvxtest_start(argc, argv, NULL, NR_CASES + 5);
	store = xs_store_create();
	if (!store)
		tap_bail("xs_store_create: out of memory");
	for (unsigned int i = 0; i < NR_CASES; i++)
		one_case(i);
	two_at_once();
	xs_store_destroy(store);
	pvxctl_run();
	ok = pvxtest_live_settles(&zero, &now);
	if (!ok)
		tap_diag("live: vms %ld vcpus %ld pinned %ld ept %ld ports %ld eventfds %ld timers %ld",
			 now.vms, now.vcpus, now.pinned_pages, now.ept_tables,
			 now.evtchn_ports, now.evtchn_eventfds, now.pv_timers);
	tap_ok(ok, "every VM and backend gone: debugfs live 0");
	close(sys_fd);
	return tap_finish();
}
