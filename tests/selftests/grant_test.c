// SPDX-License-Identifier: GPL-2.0
/*
 * grant_test [--guests DIR] [--no-load]: Xen grant tables v1, the guest's
 * hypercalls and the host's access (PVX_GNT_COPY, PVX_GNT_MAP).
 *
 * The guest is grant (tests/guest/grant.c, scenarios in grant.h). It
 * reports what grant_table_op and add_to_physmap answer it: query_size
 * and setup_table (the table grows on demand up to max_grant_frames,
 * frame_list gives each frame's guest frame or ~0), set_version 1 ok / 2
 * -ENOSYS / 3 -EINVAL, get_version 1, the failures (a bad uop -EFAULT, a
 * bad frame_list GNTST_bad_virt_addr, counts and continuation bits
 * -EINVAL, another domain refused, other sub-ops -ENOSYS, frames past the
 * limit -EINVAL), and a frame that moves leaves the RAM it covered intact.
 * It then grants pages to domain 0: read-write, read-only, to the wrong
 * domain, of type invalid and accept_transfer, of a frame that is not
 * RAM, of a table frame. At its sync points the host checks:
 *  - PVX_GNT_COPY both ways with the bytes really moved, and each refusal
 *    as a per-segment status in one batch (permission_denied, bad_gntref,
 *    bad_page, bad_copy_arg, bad_virt_addr), and its bad inputs (EINVAL,
 *    EFAULT); PVX_GNT_MAP's errno for each refused case;
 *  - a read-write map reads and writes the guest's page; a read-only map
 *    cannot be mapped writable (mmap PROT_WRITE EACCES, mprotect fails);
 *  - while mapped (the fd closed, the mapping alive; a copy and a second
 *    map of the same entry done meanwhile), the guest sees GTF_reading |
 *    GTF_writing (GTF_reading for read-only) and its proper revoke fails;
 *    refused copies and maps left the other entries as the guest wrote
 *    them;
 *  - a guest that forces entries the host maps (one cleared, one
 *    rewritten): the host's map still reaches the guest's page, and at the
 *    last unmap only pvx's bits are cleared (atomic AND): the rewritten
 *    entry keeps the guest's other bits, the cleared one stays 0; then the
 *    proper revoke succeeds and copies and maps are refused;
 *  - copies while the guest flips the entry's domid in a loop all finish,
 *    each okay or permission_denied (bounded compare-and-swap retries),
 *    and leave no pvx bit in the entry;
 *  - a map fd outlives the VM fd, the vCPU fd and the owner's mapping of
 *    guest RAM: its page still holds the guest's bytes and takes writes;
 *    the VM stays counted until the last unmap, then debugfs live is back
 *    to 0 (VMs, vCPUs, pinned pages, EPT tables);
 *  - the grant ioctls on a VM without PV: ENODEV.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gnttest.h"
#include "pvxtest.h"
#include "tap.h"

#define PAGE		4096
#define FLIP_COPIES	300
#define NO_GFN		(~0ULL)
#define BAD_PTR		((void *)16)	/* never mapped */

static int sys_fd;

/* What the host holds across sync points of the full scenario. */
static struct {
	void *rw, *ro, *force;	/* mappings of GREF_RW, _RO, _FORCE */
	int ro_fd;
	uint64_t page_rw_gpa;
	pthread_t flipper;
	bool flipping;
	atomic_uint flip_ok, flip_denied, flip_other, flip_calls;
} host = { .ro_fd = -1 };

static struct gnt_vm vm;

static uint64_t val(uint32_t key)
{
	uint64_t v;

	if (gvm_value(&vm.g, key, &v))
		return v;
	tap_diag("no report %u", key);
	return 0xdeadbeefdeadULL;
}

static int64_t sval(uint32_t key)
{
	return (int64_t)val(key);
}

/* The words the guest wrote into entries (grant.c grant_all()). */
static uint32_t word(uint16_t flags, uint16_t domid)
{
	return (uint32_t)domid << 16 | flags;
}

static bool pattern_is(const unsigned char *p, int which, int off, int len)
{
	for (int i = off; i < off + len; i++) {
		unsigned char want = which == 0 ? GNT_PAT_RW(i) :
				     which == 1 ? GNT_PAT_RO(i) :
				     which == 2 ? GNT_PAT_FRAME1(i) :
				     which == 3 ? GNT_PAT_FORCE(i) : GNT_PAT_HOST(i);
		if (p[i - off] != want)
			return false;
	}
	return true;
}

static int copy1(uint32_t ref, uint16_t off, uint16_t len, void *buf,
		 bool to_guest, int16_t *status)
{
	struct pvx_gnt_copy_seg seg;
	int r;

	pvx_gnt_seg(&seg, ref, off, len, buf, to_guest);
	seg.status = 1;
	r = pvx_gnt_copy(vm.g.vm, &seg, 1);
	*status = seg.status;
	return r;
}

static void check_guest_setup(void)
{
	bool ok = true;

	EXPECT(val(GK_QS_RC) == 0);
	EXPECT(val(GK_QS_STATUS) == GNTST_okay);
	EXPECT(val(GK_QS_NR) == 0);
	EXPECT(val(GK_QS_MAX) == GNT_MAX_FRAMES);
	EXPECT(sval(GK_QS_OTHER_STATUS) == GNTST_permission_denied);
	tap_ok(ok, "guest: query_size says 0 of %d frames; of another domain "
	       "permission_denied", GNT_MAX_FRAMES);
	ok = true;
	EXPECT(sval(GK_QS_BADPTR_RC) == -XEN_EFAULT);
	EXPECT(sval(GK_QS_COUNT0_RC) == -XEN_EINVAL);
	EXPECT(sval(GK_QS_COUNT2_RC) == -XEN_EINVAL);
	EXPECT(sval(GK_NEGCOUNT_RC) == -XEN_EINVAL);
	EXPECT(sval(GK_CONT_RC) == -XEN_EINVAL);
	EXPECT(sval(GK_UNKNOWN_RC) == -XEN_ENOSYS);
	EXPECT(sval(GK_COPY_RC) == -XEN_ENOSYS);
	EXPECT(sval(GK_MAPREF_RC) == -XEN_ENOSYS);
	tap_ok(ok, "guest: bad uop -EFAULT; count 0, 2, negative and "
	       "continuation bits -EINVAL; unknown, copy, map_grant_ref -ENOSYS");
	ok = true;
	EXPECT(val(GK_SETUP_RC) == 0);
	EXPECT(val(GK_SETUP_STATUS) == GNTST_okay);
	EXPECT(val(GK_SETUP_LIST0) == NO_GFN);
	EXPECT(val(GK_SETUP_LIST1) == NO_GFN);
	EXPECT(sval(GK_SETUP_TOOMANY_STATUS) == GNTST_general_error);
	EXPECT(sval(GK_SETUP_BADLIST_STATUS) == GNTST_bad_virt_addr);
	EXPECT(sval(GK_SETUP_OTHER_STATUS) == GNTST_permission_denied);
	tap_ok(ok, "guest: setup_table grows to 2 frames, frame_list ~0 "
	       "(unmapped); beyond max general_error; bad frame_list "
	       "bad_virt_addr; another domain permission_denied");
	ok = true;
	EXPECT(val(GK_ATP_MOVE_RC) == 0);
	EXPECT(val(GK_MOVE_BEFORE) == 0);
	EXPECT(val(GK_ATP0_RC) == 0);
	EXPECT(val(GK_ATP1_RC) == 0);
	EXPECT(val(GK_MOVE_AFTER) == 0x6d6f7665);
	EXPECT(sval(GK_ATP_MAX_RC) == -XEN_EINVAL);
	EXPECT(sval(GK_ATP_STATUS_RC) == -XEN_EINVAL);
	EXPECT(val(GK_SETUP2_LIST0) == GNT_GFN_FRAME0);
	EXPECT(val(GK_SETUP2_LIST1) == GNT_GFN_FRAME1);
	EXPECT(val(GK_QS2_NR) == 2);
	tap_ok(ok, "guest: add_to_physmap maps frames over RAM and in a hole; "
	       "a moved frame gives the RAM back; idx max and status frames "
	       "-EINVAL; setup_table lists the frames' guest frames");
	ok = true;
	EXPECT(val(GK_SV1_RC) == 0);
	EXPECT(sval(GK_SV2_RC) == -XEN_ENOSYS);
	EXPECT(val(GK_SV2_VERSION) == 1);
	EXPECT(sval(GK_SV3_RC) == -XEN_EINVAL);
	EXPECT(val(GK_GV_RC) == 0);
	EXPECT(val(GK_GV_VERSION) == 1);
	EXPECT(sval(GK_GV_OTHER_RC) == -XEN_EPERM);
	tap_ok(ok, "guest: set_version 1 ok, 2 -ENOSYS (version stays 1), 3 "
	       "-EINVAL; get_version 1, of another domain -EPERM");
}

/* Copies from and to the guest that succeed. */
static void host_copies_ok(void)
{
	unsigned char buf[PAGE], *ram_rw = gnt_vm_host(&vm, host.page_rw_gpa, PAGE);
	struct pvx_gnt_copy_seg segs[3];
	bool ok = true;
	int r;

	memset(buf, 0, sizeof(buf));
	pvx_gnt_seg(&segs[0], GREF_RW, 0, PAGE, buf, false);
	r = pvx_gnt_copy(vm.g.vm, segs, 1);
	EXPECT(r == 0 && segs[0].status == GNTST_okay);
	/* The guest's bytes, but where the host's map wrote (host_map_rw()). */
	EXPECT(pattern_is(buf, 0, 0, GNT_HOST_MAP_OFF));
	EXPECT(pattern_is(buf + GNT_HOST_MAP_OFF, 4, GNT_HOST_MAP_OFF,
			  GNT_HOST_MAP_LEN));
	EXPECT(pattern_is(buf + GNT_HOST_MAP_OFF + GNT_HOST_MAP_LEN, 0,
			  GNT_HOST_MAP_OFF + GNT_HOST_MAP_LEN,
			  PAGE - GNT_HOST_MAP_OFF - GNT_HOST_MAP_LEN));
	pvx_gnt_seg(&segs[0], GREF_RO, 10, 300, buf, false);
	pvx_gnt_seg(&segs[1], GREF_FRAME1, 4000, 96, buf + 1000, false);
	r = pvx_gnt_copy(vm.g.vm, segs, 2);
	EXPECT(r == 0 && segs[0].status == GNTST_okay &&
	       segs[1].status == GNTST_okay);
	EXPECT(pattern_is(buf, 1, 10, 300));
	EXPECT(pattern_is(buf + 1000, 2, 4000, 96));
	tap_ok(ok, "PVX_GNT_COPY from the guest: read-write, read-only and "
	       "frame-1 grants give the guest's bytes");

	ok = true;
	for (int i = 0; i < GNT_HOST_COPY_LEN; i++)
		buf[i] = GNT_PAT_HOST(GNT_HOST_COPY_OFF + i);
	pvx_gnt_seg(&segs[0], GREF_RW, GNT_HOST_COPY_OFF, GNT_HOST_COPY_LEN,
		    buf, true);
	pvx_gnt_seg(&segs[1], GREF_RO, 0, 16, buf, true);
	r = pvx_gnt_copy(vm.g.vm, segs, 2);
	EXPECT(r == 0 && segs[0].status == GNTST_okay);
	EXPECT(segs[1].status == GNTST_permission_denied);
	EXPECT(ram_rw && pattern_is(ram_rw + GNT_HOST_COPY_OFF, 4,
				    GNT_HOST_COPY_OFF, GNT_HOST_COPY_LEN));
	tap_ok(ok, "PVX_GNT_COPY to the guest: the read-write grant's page "
	       "has the bytes; the read-only grant permission_denied");
}

/* Every refusal, one per segment, in one batch. */
static void host_copies_refused(void)
{
	static const struct {
		uint32_t ref;
		uint16_t off, len;
		bool to_guest, bad_buf;
		int16_t status;
	} cases[] = {
		{ GREF_WRONG_DOM, 0, 8, false, false, GNTST_permission_denied },
		{ GREF_INVALID, 0, 8, false, false, GNTST_permission_denied },
		{ GREF_TRANSFER, 0, 8, false, false, GNTST_permission_denied },
		{ GREF_RO, 0, 8, true, false, GNTST_permission_denied },
		{ GREF_BEYOND, 0, 8, false, false, GNTST_bad_gntref },
		{ 0xffffffffU, 0, 8, false, false, GNTST_bad_gntref },
		{ GREF_HOLE, 0, 8, false, false, GNTST_bad_page },
		{ GREF_OWNED, 0, 8, false, false, GNTST_bad_page },
		{ GREF_RW, 4000, 97, false, false, GNTST_bad_copy_arg },
		{ GREF_RW, 0, 8, false, true, GNTST_bad_virt_addr },
		{ GREF_RW, 0, 8, true, true, GNTST_bad_virt_addr },
	};
	enum { N = sizeof(cases) / sizeof(cases[0]) };
	struct pvx_gnt_copy_seg segs[N];
	unsigned char buf[16];
	bool ok = true;
	int r;

	for (int i = 0; i < N; i++) {
		pvx_gnt_seg(&segs[i], cases[i].ref, cases[i].off, cases[i].len,
			    cases[i].bad_buf ? BAD_PTR : buf, cases[i].to_guest);
		segs[i].status = 1;
	}
	r = pvx_gnt_copy(vm.g.vm, segs, N);
	EXPECT(r == 0);
	for (int i = 0; i < N; i++)
		if (segs[i].status != cases[i].status) {
			tap_diag("case %d (ref %#x): status %d, want %d", i,
				 cases[i].ref, segs[i].status, cases[i].status);
			ok = false;
		}
	tap_ok(ok, "PVX_GNT_COPY refusals per segment: wrong domid, invalid, "
	       "accept_transfer, write to read-only permission_denied; refs "
	       "past the table bad_gntref; not RAM, a table frame bad_page; "
	       "offset+len > 4096 bad_copy_arg; bad host buffer bad_virt_addr");
}

static int gnt_copy_raw(struct pvx_gnt_copy *op)
{
	return ioctl(vm.g.vm->fd, PVX_GNT_COPY, op) ? errno : 0;
}

static void host_copy_bad_input(void)
{
	struct pvx_gnt_copy_seg segs[PVX_GNT_MAX_COPY + 1];
	struct pvx_gnt_copy op = { .segs = (uintptr_t)segs };
	unsigned char buf[8];
	bool ok = true;

	for (int i = 0; i <= PVX_GNT_MAX_COPY; i++)
		pvx_gnt_seg(&segs[i], GREF_RW, 0, sizeof(buf), buf, false);
	op.nr = 0;
	EXPECT(gnt_copy_raw(&op) == EINVAL);
	op.nr = PVX_GNT_MAX_COPY + 1;
	EXPECT(gnt_copy_raw(&op) == EINVAL);
	op.nr = 1;
	op.flags = 1;
	EXPECT(gnt_copy_raw(&op) == EINVAL);
	op.flags = 0;
	segs[0].flags = 2;
	EXPECT(gnt_copy_raw(&op) == EINVAL);
	segs[0].flags = 0;
	segs[0].padding = 1;
	EXPECT(gnt_copy_raw(&op) == EINVAL);
	segs[0].padding = 0;
	op.segs = (uintptr_t)BAD_PTR;
	EXPECT(gnt_copy_raw(&op) == EFAULT);
	EXPECT(ioctl(vm.g.vm->fd, PVX_GNT_COPY, BAD_PTR) && errno == EFAULT);
	op.segs = (uintptr_t)segs;
	op.nr = PVX_GNT_MAX_COPY;
	EXPECT(gnt_copy_raw(&op) == 0 && segs[PVX_GNT_MAX_COPY - 1].status == 0);
	tap_ok(ok, "PVX_GNT_COPY input: nr 0 and %d, flags, segment flags and "
	       "padding EINVAL; bad array and argument EFAULT; %d segments ok",
	       PVX_GNT_MAX_COPY + 1, PVX_GNT_MAX_COPY);
}

static int map_errno(uint32_t ref, uint32_t flags, uint64_t reserved)
{
	struct pvx_gnt_map req = { .ref = ref, .flags = flags,
				   .reserved = reserved };
	int fd = ioctl(vm.g.vm->fd, PVX_GNT_MAP, &req);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno;
}

static void host_maps_refused(void)
{
	bool ok = true;

	EXPECT(map_errno(GREF_BEYOND, 0, 0) == EINVAL);
	EXPECT(map_errno(0xffffffffU, PVX_GNT_MAP_READONLY, 0) == EINVAL);
	EXPECT(map_errno(GREF_WRONG_DOM, PVX_GNT_MAP_READONLY, 0) == EACCES);
	EXPECT(map_errno(GREF_INVALID, 0, 0) == EACCES);
	EXPECT(map_errno(GREF_TRANSFER, 0, 0) == EACCES);
	EXPECT(map_errno(GREF_RO, 0, 0) == EROFS);
	EXPECT(map_errno(GREF_HOLE, 0, 0) == EFAULT);
	EXPECT(map_errno(GREF_OWNED, PVX_GNT_MAP_READONLY, 0) == EFAULT);
	EXPECT(map_errno(GREF_RW, 2, 0) == EINVAL);
	EXPECT(map_errno(GREF_RW, 0, 1) == EINVAL);
	EXPECT(ioctl(vm.g.vm->fd, PVX_GNT_MAP, BAD_PTR) < 0 && errno == EFAULT);
	tap_ok(ok, "PVX_GNT_MAP refusals: refs past the table EINVAL; wrong "
	       "domid, invalid, accept_transfer EACCES; writable map of a "
	       "read-only grant EROFS; not RAM, a table frame EFAULT; flags, "
	       "reserved EINVAL; bad argument EFAULT");
}

/*
 * GREF_RW mapped read-write (fd closed: the mapping keeps it), a copy from
 * it and a second, read-only map opened and closed meanwhile.
 */
static void host_map_rw(void)
{
	unsigned char buf[PAGE], *p;
	bool ok = true;
	int16_t st;
	void *second;
	int r = pvx_gnt_map_page(vm.g.vm, GREF_RW, 0, &host.rw);

	EXPECT(r == 0);
	if (!r) {
		p = host.rw;
		EXPECT(pattern_is(p, 0, 0, GNT_HOST_COPY_OFF));
		for (int i = GNT_HOST_MAP_OFF; i < GNT_HOST_MAP_OFF + GNT_HOST_MAP_LEN; i++)
			p[i] = GNT_PAT_HOST(i);
		EXPECT(copy1(GREF_RW, GNT_HOST_MAP_OFF, GNT_HOST_MAP_LEN, buf,
			     false, &st) == 0 && st == GNTST_okay);
		EXPECT(pattern_is(buf, 4, GNT_HOST_MAP_OFF, GNT_HOST_MAP_LEN));
		EXPECT(pvx_gnt_map_page(vm.g.vm, GREF_RW, PVX_GNT_MAP_READONLY,
					&second) == 0 &&
		       pvx_gnt_unmap_page(second) == 0);
	}
	tap_ok(ok, "PVX_GNT_MAP read-write: the mapping reads the guest's bytes "
	       "and its writes reach the page PVX_GNT_COPY reads");
}

static void host_map_ro(void)
{
	bool ok = true;
	void *p;
	int fd = pvx_gnt_map(vm.g.vm, GREF_RO, PVX_GNT_MAP_READONLY);

	EXPECT(fd >= 0);
	if (fd < 0) {
		tap_ok(false, "PVX_GNT_MAP read-only: %s", strerror(-fd));
		return;
	}
	host.ro_fd = fd;
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	EXPECT(p == MAP_FAILED && errno == EACCES);
	p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	EXPECT(p == MAP_FAILED && errno == EINVAL);
	p = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	EXPECT(p == MAP_FAILED && errno == EINVAL);
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, PAGE);
	EXPECT(p == MAP_FAILED && errno == EINVAL);
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	EXPECT(p != MAP_FAILED);
	if (p != MAP_FAILED) {
		host.ro = p;
		EXPECT(pattern_is(p, 1, 0, PAGE));
		EXPECT(mprotect(p, PAGE, PROT_READ | PROT_WRITE) && errno == EACCES);
	}
	tap_ok(ok, "PVX_GNT_MAP read-only: mmap PROT_WRITE EACCES, mprotect to "
	       "write EACCES, private, 8 KiB, offset 4096 EINVAL; PROT_READ "
	       "reads the guest's bytes");
}

static void on_granted(void)
{
	host.page_rw_gpa = val(GK_PAGE_RW_GPA);
	check_guest_setup();
	host_copies_refused();
	host_copy_bad_input();
	host_maps_refused();
	host_map_ro();
	host_map_rw();
	host_copies_ok();
	if (pvx_gnt_map_page(vm.g.vm, GREF_FORCE, 0, &host.force))
		host.force = NULL;
}

static void check_while_mapped(void)
{
	bool ok = true;

	EXPECT(val(GK_W1_RW) ==
	       word(GTF_permit_access | GTF_reading | GTF_writing, 0));
	EXPECT(val(GK_W1_RO) ==
	       word(GTF_permit_access | GTF_readonly | GTF_reading, 0));
	EXPECT(val(GK_W1_FORCE) ==
	       word(GTF_permit_access | GTF_reading | GTF_writing, 0));
	EXPECT(val(GK_REVOKE1_RW) == 0);
	tap_ok(ok, "while mapped (fd closed, mapping alive) the guest sees "
	       "reading|writing (read-only: reading) and its revoke fails");
	ok = true;
	EXPECT(val(GK_W1_WRONG_DOM) == word(GTF_permit_access, GNT_WRONG_DOM));
	EXPECT(val(GK_W1_INVALID) == word(GTF_invalid, 0));
	EXPECT(val(GK_W1_TRANSFER) == word(GTF_accept_transfer, 0));
	EXPECT(val(GK_W1_HOLE) == word(GTF_permit_access, 0));
	EXPECT(val(GK_W1_OWNED) == word(GTF_permit_access, 0));
	EXPECT(val(GK_W1_FRAME1) == word(GTF_permit_access, 0));
	tap_ok(ok, "refused copies and maps left the entries as the guest "
	       "wrote them; finished copies cleared their flags");
	ok = true;
	EXPECT(val(GK_DATA_COPY) == 1);
	EXPECT(val(GK_DATA_MAP) == 1);
	tap_ok(ok, "the guest reads the bytes the host wrote by PVX_GNT_COPY "
	       "and through its map");
}

/* The guest forced GREF_FORCE to 0 and rewrote GREF_RO: unmap all. */
static void on_forced(void)
{
	bool ok = true;
	uint64_t mark = GNT_HOST_MARK;

	check_while_mapped();
	EXPECT(host.force != NULL);
	if (host.force) {
		EXPECT(pattern_is((unsigned char *)host.force + 8, 3, 8,
				  PAGE - 8));
		memcpy(host.force, &mark, sizeof(mark));
		EXPECT(pvx_gnt_unmap_page(host.force) == 0);
	}
	tap_ok(ok, "an entry the guest cleared by force: the host's map still "
	       "reaches the guest's page (reads its bytes, writes a mark)");
	if (host.ro)
		munmap(host.ro, PAGE);
	if (host.ro_fd >= 0)
		close(host.ro_fd);
	if (host.rw)
		pvx_gnt_unmap_page(host.rw);
}

static void on_revoked(void)
{
	bool ok = true;
	unsigned char buf[8];
	int16_t st;

	EXPECT(val(GK_W2_RW) == word(GTF_permit_access, 0));
	EXPECT(val(GK_W2_RO) == GNT_FORCED_RO_AFTER);
	EXPECT(val(GK_W2_FORCE) == 0);
	EXPECT(val(GK_REVOKE2_RW) == 1);
	EXPECT(val(GK_W2_RW_REVOKED) == 0);
	EXPECT(val(GK_FORCE_MARK) == 1);
	tap_ok(ok, "at the last unmap pvx's bits are cleared by AND (a "
	       "rewritten entry keeps the guest's bits, a cleared one stays "
	       "0); the guest's revoke then succeeds; the mark is in its page");
	ok = true;
	EXPECT(copy1(GREF_RW, 0, 8, buf, false, &st) == 0 &&
	       st == GNTST_permission_denied);
	EXPECT(map_errno(GREF_RW, 0, 0) == EACCES);
	tap_ok(ok, "after the guest's revoke: PVX_GNT_COPY permission_denied, "
	       "PVX_GNT_MAP EACCES");
}

/* Copy from GREF_FLIP while the guest flips it, then stop the guest. */
static void *flipper_main(void *arg)
{
	volatile uint32_t *stop = arg;
	unsigned char buf[64];
	int16_t st;

	for (int i = 0; i < FLIP_COPIES; i++) {
		int r = copy1(GREF_FLIP, 0, sizeof(buf), buf, false, &st);

		atomic_fetch_add(&host.flip_calls, 1);
		if (r)
			atomic_fetch_add(&host.flip_other, 1);
		else if (st == GNTST_okay)
			atomic_fetch_add(&host.flip_ok, 1);
		else if (st == GNTST_permission_denied)
			atomic_fetch_add(&host.flip_denied, 1);
		else
			atomic_fetch_add(&host.flip_other, 1);
	}
	*stop = 1;
	return NULL;
}

static void on_flip(void)
{
	void *stop = gnt_vm_host(&vm, val(GK_FLIP_STOP_GPA), 4);

	if (!stop || pthread_create(&host.flipper, NULL, flipper_main, stop)) {
		tap_diag("cannot start the copier");
		if (stop)
			*(volatile uint32_t *)stop = 1;
		return;
	}
	host.flipping = true;
}

/* TAP points each sync point's handler prints, by GNT_SYNC_*. */
static const unsigned int sync_points[] = {
	[GNT_SYNC_GRANTED] = 12, [GNT_SYNC_FORCED] = 4,
	[GNT_SYNC_REVOKED] = 2, [GNT_SYNC_FLIP] = 0,
};
#define NR_SYNCS	(sizeof(sync_points) / sizeof(sync_points[0]))
static bool synced[NR_SYNCS];

typedef void (*sync_fn)(void);
static const sync_fn sync_handlers[] = {
	[GNT_SYNC_GRANTED] = on_granted, [GNT_SYNC_FORCED] = on_forced,
	[GNT_SYNC_REVOKED] = on_revoked, [GNT_SYNC_FLIP] = on_flip,
};

static int full_sync(struct gnt_vm *t, uint32_t what)
{
	(void)t;
	if (what >= NR_SYNCS || !sync_handlers[what] || synced[what]) {
		tap_diag("unexpected sync point %u", what);
		return PVX_RUN_STOP;
	}
	synced[what] = true;
	sync_handlers[what]();
	return PVX_RUN_CONTINUE;
}

#define FULL_POINTS	(12 + 4 + 2 + 2)

static void full_scenario(void)
{
	bool ok = true, exited;

	if (gnt_vm_start(&vm, sys_fd, GNT_SCEN_FULL, full_sync)) {
		for (int i = 0; i < FULL_POINTS; i++)
			tap_skip("no PV VM");
		return;
	}
	exited = gnt_vm_run_to_exit(&vm);
	if (host.flipping)
		pthread_join(host.flipper, NULL);
	for (unsigned int i = 0; i < NR_SYNCS; i++)
		for (unsigned int n = synced[i] ? 0 : sync_points[i]; n; n--)
			tap_ok(false, "sync point %u never came", i);
	tap_ok(exited && vm.syncs == 4, "the guest ran to its end (4 sync "
	       "points, exit 0)");
	EXPECT(host.flip_calls == FLIP_COPIES);
	EXPECT(host.flip_ok + host.flip_denied == FLIP_COPIES);
	EXPECT(host.flip_other == 0);
	EXPECT(val(GK_FLIPS) > 0);
	EXPECT(val(GK_FLIP_WORD) == word(GTF_permit_access, 0));
	tap_diag("flip: %u okay, %u permission_denied, %llu guest flips",
		 host.flip_ok, host.flip_denied,
		 (unsigned long long)val(GK_FLIPS));
	tap_ok(ok, "%d copies while the guest flips the domid all finish, "
	       "each okay or permission_denied; no pvx bit left", FLIP_COPIES);
	gnt_vm_stop(&vm);
}

/* The grants scenario's sync: map GREF_RW, keep the fd and the mapping. */
static struct {
	int fd;
	unsigned char *page;
} outlive = { .fd = -1 };

static int outlive_sync(struct gnt_vm *t, uint32_t what)
{
	void *p;

	if (what != GNT_SYNC_GRANTED)
		return PVX_RUN_STOP;
	outlive.fd = pvx_gnt_map(t->g.vm, GREF_RW, 0);
	if (outlive.fd < 0)
		return PVX_RUN_STOP;
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, outlive.fd, 0);
	if (p != MAP_FAILED)
		outlive.page = p;
	return PVX_RUN_CONTINUE;
}

static void map_outlives_vm(void)
{
	struct pvxtest_live zero = { 0 }, now = { 0 };
	bool ok = true, ran;

	if (gnt_vm_start(&vm, sys_fd, GNT_SCEN_GRANTS, outlive_sync)) {
		tap_skip("no PV VM");
		tap_skip("no PV VM");
		return;
	}
	ran = gnt_vm_run_to_exit(&vm);
	/* VM fd, vCPU fd and the owner's RAM mapping: all gone. */
	gnt_vm_stop(&vm);
	EXPECT(ran);
	EXPECT(outlive.page != NULL);
	EXPECT(pvxtest_read_live(&now) && now.vms == 1 && now.vcpus == 1 &&
	       now.pinned_pages >= 1);
	if (outlive.page) {
		EXPECT(pattern_is(outlive.page, 0, 0, PAGE));
		outlive.page[0] ^= 0xff;
		EXPECT(outlive.page[0] == (unsigned char)~GNT_PAT_RW(0));
	}
	tap_ok(ok, "a map fd outlives the VM and vCPU fds and the owner's RAM "
	       "mapping: the guest's bytes, writable; the VM still counted");
	if (outlive.page)
		munmap(outlive.page, PAGE);
	if (outlive.fd >= 0)
		close(outlive.fd);
	ok = pvxtest_live_settles(&zero, &now);
	if (!ok)
		tap_diag("live: vms %ld vcpus %ld pinned_pages %ld ept_tables %ld",
			 now.vms, now.vcpus, now.pinned_pages, now.ept_tables);
	tap_ok(ok, "after the last unmap and close: debugfs live 0 (VMs, "
	       "vCPUs, pinned pages, EPT tables)");
}

/* PVX_GNT_* on a VM without PVX_PV_ENABLE. */
static void without_pv(void)
{
	struct pvx_gnt_copy_seg seg;
	unsigned char buf[8];
	struct pvx_vm *plain;
	bool ok = true;

	if (pvx_vm_create(sys_fd, &plain)) {
		tap_ok(false, "PVX_CREATE_VM");
		return;
	}
	pvx_gnt_seg(&seg, 0, 0, sizeof(buf), buf, false);
	EXPECT(pvx_gnt_copy(plain, &seg, 1) == -ENODEV);
	EXPECT(pvx_gnt_map(plain, 0, 0) == -ENODEV);
	pvx_vm_destroy(plain);
	tap_ok(ok, "PVX_GNT_COPY and PVX_GNT_MAP on a VM without PV: ENODEV");
}

int main(int argc, char **argv)
{
	sys_fd = pvxtest_start(argc, argv, NULL, FULL_POINTS + 3);
	full_scenario();
	map_outlives_vm();
	without_pv();
	close(sys_fd);
	return tap_finish();
}
