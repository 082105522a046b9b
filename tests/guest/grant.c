// SPDX-License-Identifier: GPL-2.0
/*
 * The grant guest: a PV guest that sets up its grant table v1 and grants
 * pages to domain 0 (the host), one scenario per run (grant.h).
 *
 * GNT_SCEN_FULL reports what each grant_table_op and add_to_physmap of
 * the table answers (query_size, setup_table, set/get_version, the
 * failures: bad pointers, counts, other domains, sub-ops pvx does not
 * offer, frames beyond the limit), moves a frame from one guest frame to
 * another, writes the grants of grant.h and then, around the host's sync
 * points, reports the entries' {flags, domid} words as the host's copies
 * and maps leave them, revokes a grant the way Linux does (check the
 * reading/writing bits and swap flags to 0 in one cmpxchg loop), forces
 * two entries while the host maps them, checks the bytes the host wrote,
 * and flips one entry's domid in a loop while the host copies from it.
 * GNT_SCEN_GRANTS only sets up the table and grants, then syncs once.
 */
#include <stdbool.h>

#include "grant.h"
#include "guest.h"
#include "hypercall.h"
#include "trap.h"

#define PAGE		4096

/* Granted pages. */
static unsigned char page_rw[PAGE] __attribute__((aligned(PAGE)));
static unsigned char page_ro[PAGE] __attribute__((aligned(PAGE)));
static unsigned char page_frame1[PAGE] __attribute__((aligned(PAGE)));
static unsigned char page_force[PAGE] __attribute__((aligned(PAGE)));
static unsigned char page_flip[PAGE] __attribute__((aligned(PAGE)));
static volatile uint32_t flip_stop;

#define UNMAPPED_GVA	(1ULL << 40)	/* beyond the guest's page tables */

static struct grant_entry_v1 *entry(uint32_t ref)
{
	uint64_t gfn = ref < 512 ? GNT_GFN_FRAME0 : GNT_GFN_FRAME1;

	return (struct grant_entry_v1 *)(gfn * PAGE) + ref % 512;
}

static volatile uint32_t *entry_word(uint32_t ref)
{
	return (volatile uint32_t *)&entry(ref)->flags;
}

static long gnttab(uint32_t cmd, void *uop, uint32_t count)
{
	return hypercall3(__HYPERVISOR_grant_table_op, cmd, uop, count);
}

static long add_grant_frame(uint64_t idx, uint64_t gfn)
{
	struct xen_add_to_physmap x = {
		.domid = DOMID_SELF, .space = XENMAPSPACE_grant_table,
		.idx = idx, .gpfn = gfn,
	};

	return hypercall2(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, &x);
}

static void check_query_size(void)
{
	struct gnttab_query_size qs = { .dom = DOMID_SELF };

	report(GK_QS_RC, gnttab(GNTTABOP_query_size, &qs, 1));
	report(GK_QS_STATUS, (uint64_t)(int64_t)qs.status);
	report(GK_QS_NR, qs.nr_frames);
	report(GK_QS_MAX, qs.max_nr_frames);
	qs = (struct gnttab_query_size){ .dom = 3 };
	gnttab(GNTTABOP_query_size, &qs, 1);
	report(GK_QS_OTHER_STATUS, (uint64_t)(int64_t)qs.status);
	report(GK_QS_BADPTR_RC, gnttab(GNTTABOP_query_size,
				       (void *)UNMAPPED_GVA, 1));
	qs.dom = DOMID_SELF;
	report(GK_QS_COUNT0_RC, gnttab(GNTTABOP_query_size, &qs, 0));
	report(GK_QS_COUNT2_RC, gnttab(GNTTABOP_query_size, &qs, 2));
	report(GK_NEGCOUNT_RC, gnttab(GNTTABOP_query_size, &qs, 0x80000000U));
	report(GK_CONT_RC, gnttab(GNTTABOP_query_size | 0x1000, &qs, 1));
	report(GK_UNKNOWN_RC, gnttab(99, &qs, 1));
	report(GK_COPY_RC, gnttab(GNTTABOP_copy, &qs, 1));
	report(GK_MAPREF_RC, gnttab(GNTTABOP_map_grant_ref, &qs, 1));
}

static long setup_table(uint16_t dom, uint32_t nr, uint64_t *list,
			int16_t *status)
{
	struct gnttab_setup_table st = {
		.dom = dom, .nr_frames = nr, .status = 1,
		.frame_list = (uint64_t)(uintptr_t)list,
	};
	long rc = gnttab(GNTTABOP_setup_table, &st, 1);

	*status = st.status;
	return rc;
}

static void check_setup_table(void)
{
	uint64_t list[GNT_MAX_FRAMES + 1];
	int16_t status;

	list[0] = list[1] = 0x1111;
	report(GK_SETUP_RC, setup_table(DOMID_SELF, 2, list, &status));
	report(GK_SETUP_STATUS, (uint64_t)(int64_t)status);
	report(GK_SETUP_LIST0, list[0]);
	report(GK_SETUP_LIST1, list[1]);
	setup_table(DOMID_SELF, GNT_MAX_FRAMES + 1, list, &status);
	report(GK_SETUP_TOOMANY_STATUS, (uint64_t)(int64_t)status);
	setup_table(DOMID_SELF, 1, (uint64_t *)UNMAPPED_GVA, &status);
	report(GK_SETUP_BADLIST_STATUS, (uint64_t)(int64_t)status);
	setup_table(7, 1, list, &status);
	report(GK_SETUP_OTHER_STATUS, (uint64_t)(int64_t)status);
}

/*
 * Frame 1 shows at GNT_GFN_MOVE (RAM, marked first), then moves to
 * GNT_GFN_FRAME1: the RAM and its mark come back at GNT_GFN_MOVE.
 */
static void map_frames(void)
{
	volatile uint64_t *move = (volatile uint64_t *)(GNT_GFN_MOVE * PAGE);

	*move = 0x6d6f7665;
	report(GK_ATP_MOVE_RC, add_grant_frame(1, GNT_GFN_MOVE));
	report(GK_MOVE_BEFORE, *move);	/* the table's frame: zeroes */
	report(GK_ATP0_RC, add_grant_frame(0, GNT_GFN_FRAME0));
	report(GK_ATP1_RC, add_grant_frame(1, GNT_GFN_FRAME1));
	report(GK_MOVE_AFTER, *move);
	report(GK_ATP_MAX_RC, add_grant_frame(GNT_MAX_FRAMES, 0x700));
	report(GK_ATP_STATUS_RC,
	       add_grant_frame(XENMAPIDX_grant_table_status, 0x701));
}

static void check_after_map(void)
{
	struct gnttab_query_size qs = { .dom = DOMID_SELF };
	uint64_t list[2] = { 0, 0 };
	int16_t status;

	setup_table(DOMID_SELF, 2, list, &status);
	report(GK_SETUP2_LIST0, list[0]);
	report(GK_SETUP2_LIST1, list[1]);
	gnttab(GNTTABOP_query_size, &qs, 1);
	report(GK_QS2_NR, qs.nr_frames);
}

static void check_versions(void)
{
	struct gnttab_set_version sv = { .version = 1 };
	struct gnttab_get_version gv = { .dom = DOMID_SELF };

	report(GK_SV1_RC, gnttab(GNTTABOP_set_version, &sv, 1));
	sv.version = 2;
	report(GK_SV2_RC, gnttab(GNTTABOP_set_version, &sv, 1));
	report(GK_SV2_VERSION, sv.version);
	sv.version = 3;
	report(GK_SV3_RC, gnttab(GNTTABOP_set_version, &sv, 1));
	report(GK_GV_RC, gnttab(GNTTABOP_get_version, &gv, 1));
	report(GK_GV_VERSION, gv.version);
	gv.dom = 9;
	report(GK_GV_OTHER_RC, gnttab(GNTTABOP_get_version, &gv, 1));
}

/* grant_table.h's order: domid and frame first, then flags. */
static void grant(uint32_t ref, uint16_t domid, uint64_t gfn, uint16_t flags)
{
	struct grant_entry_v1 *e = entry(ref);

	e->domid = domid;
	e->frame = gfn;
	__atomic_store_n(&e->flags, flags, __ATOMIC_RELEASE);
}

static uint64_t gfn_of(const void *p)
{
	return (uintptr_t)p / PAGE;	/* identity-mapped */
}

static void fill(unsigned char *p, int which)
{
	for (int i = 0; i < PAGE; i++)
		p[i] = which == 0 ? GNT_PAT_RW(i) : which == 1 ? GNT_PAT_RO(i) :
		       which == 2 ? GNT_PAT_FRAME1(i) : GNT_PAT_FORCE(i);
}

static void grant_all(void)
{
	fill(page_rw, 0);
	fill(page_ro, 1);
	fill(page_frame1, 2);
	fill(page_force, 3);
	grant(GREF_RW, 0, gfn_of(page_rw), GTF_permit_access);
	grant(GREF_RO, 0, gfn_of(page_ro), GTF_permit_access | GTF_readonly);
	grant(GREF_WRONG_DOM, GNT_WRONG_DOM, gfn_of(page_rw), GTF_permit_access);
	grant(GREF_INVALID, 0, gfn_of(page_rw), GTF_invalid);
	grant(GREF_TRANSFER, 0, gfn_of(page_rw), GTF_accept_transfer);
	grant(GREF_HOLE, 0, GNT_GFN_HOLE, GTF_permit_access);
	grant(GREF_OWNED, 0, GNT_GFN_FRAME0, GTF_permit_access);
	grant(GREF_FORCE, 0, gfn_of(page_force), GTF_permit_access);
	grant(GREF_FLIP, 0, gfn_of(page_flip), GTF_permit_access);
	grant(GREF_FRAME1, 0, gfn_of(page_frame1), GTF_permit_access);
	report(GK_PAGE_RW_GPA, (uintptr_t)page_rw);
}

static void sync_point(uint32_t what)
{
	outl(GNT_PORT_SYNC, what);
}

/*
 * Linux's gnttab_end_foreign_access_ref for v1: refused while the
 * hypervisor's reading/writing bits are set, else flags swapped to 0 in
 * the same compare-and-swap that saw them clear. 1 if revoked.
 */
static int revoke(uint32_t ref)
{
	uint16_t *flags = &entry(ref)->flags;
	uint16_t f = __atomic_load_n(flags, __ATOMIC_RELAXED);

	do {
		if (f & (GTF_reading | GTF_writing))
			return 0;
	} while (!__atomic_compare_exchange_n(flags, &f, 0, false,
					      __ATOMIC_SEQ_CST,
					      __ATOMIC_RELAXED));
	return 1;
}

static bool bytes_are(const unsigned char *p, int off, int len)
{
	for (int i = off; i < off + len; i++)
		if (p[i] != GNT_PAT_HOST(i))
			return false;
	return true;
}

static void after_granted(void)
{
	static const struct { uint32_t key, ref; } words[] = {
		{ GK_W1_RW, GREF_RW }, { GK_W1_RO, GREF_RO },
		{ GK_W1_WRONG_DOM, GREF_WRONG_DOM },
		{ GK_W1_INVALID, GREF_INVALID },
		{ GK_W1_TRANSFER, GREF_TRANSFER }, { GK_W1_HOLE, GREF_HOLE },
		{ GK_W1_OWNED, GREF_OWNED }, { GK_W1_FORCE, GREF_FORCE },
		{ GK_W1_FRAME1, GREF_FRAME1 },
	};

	for (unsigned int i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		report(words[i].key, *entry_word(words[i].ref));
	report(GK_REVOKE1_RW, revoke(GREF_RW));
	report(GK_DATA_COPY, bytes_are(page_rw, GNT_HOST_COPY_OFF,
				       GNT_HOST_COPY_LEN));
	report(GK_DATA_MAP, bytes_are(page_rw, GNT_HOST_MAP_OFF,
				      GNT_HOST_MAP_LEN));
	/* Against the protocol: entries the host holds change under it. */
	*entry_word(GREF_FORCE) = 0;
	*entry_word(GREF_RO) = GNT_FORCED_RO_WORD;
}

static void after_forced(void)
{
	report(GK_W2_RW, *entry_word(GREF_RW));
	report(GK_W2_RO, *entry_word(GREF_RO));
	report(GK_W2_FORCE, *entry_word(GREF_FORCE));
	report(GK_REVOKE2_RW, revoke(GREF_RW));
	report(GK_W2_RW_REVOKED, *entry_word(GREF_RW));
	report(GK_FORCE_MARK, *(volatile uint64_t *)page_force == GNT_HOST_MARK);
}

/*
 * Flip the domid between 0 and GNT_WRONG_DOM with atomic XORs (the
 * host's bits in flags stay) until the host says stop, then put 0 back.
 */
static void flip(void)
{
	volatile uint32_t *w = entry_word(GREF_FLIP);
	uint64_t n = 0;

	report(GK_FLIP_STOP_GPA, (uintptr_t)&flip_stop);
	sync_point(GNT_SYNC_FLIP);
	while (!flip_stop) {
		__atomic_fetch_xor(w, (uint32_t)GNT_WRONG_DOM << 16,
				   __ATOMIC_SEQ_CST);
		n++;
	}
	if (*w >> 16)
		__atomic_fetch_xor(w, (uint32_t)GNT_WRONG_DOM << 16,
				   __ATOMIC_SEQ_CST);
	report(GK_FLIPS, n);
	report(GK_FLIP_WORD, *w);
}

static void set_up_quietly(void)
{
	struct gnttab_set_version sv = { .version = 1 };

	gnttab(GNTTABOP_set_version, &sv, 1);
	add_grant_frame(0, GNT_GFN_FRAME0);
	add_grant_frame(1, GNT_GFN_FRAME1);
}

int guest_main(unsigned int vcpu, unsigned int nr_vcpus)
{
	(void)nr_vcpus;
	if (vcpu)
		halt();
	trap_init();
	if (inl(GNT_PORT_SCENARIO) == GNT_SCEN_GRANTS) {
		set_up_quietly();
		grant_all();
		sync_point(GNT_SYNC_GRANTED);
		return 0;
	}
	check_query_size();
	check_setup_table();
	map_frames();
	check_after_map();
	check_versions();
	grant_all();
	sync_point(GNT_SYNC_GRANTED);
	after_granted();
	sync_point(GNT_SYNC_FORCED);
	after_forced();
	sync_point(GNT_SYNC_REVOKED);
	flip();
	return 0;
}
