/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The grant guest (grant.c) and its host test (grant_test) share this:
 * the memory map, the grant references and what each grants, the ports,
 * the sync points, the report keys and the data patterns. Included by the
 * freestanding guest and by the host.
 *
 * The guest asks for its scenario with a 4-byte IN from GNT_PORT_SCENARIO.
 * A 4-byte OUT to GNT_PORT_SYNC is a point where the host acts on the
 * grants (the value says which, GNT_SYNC_*), the guest going on after it.
 */
#ifndef PVX_GUEST_GRANT_H
#define PVX_GUEST_GRANT_H

#define GNT_PORT_SCENARIO	0x540
#define GNT_PORT_SYNC		0x544

enum gnt_scenario {
	GNT_SCEN_FULL = 1,	/* the table's set-up, every grant case */
	GNT_SCEN_GRANTS,	/* set-up without checks, grants, one sync */
};

/* The VM: RAM [0, GNT_RAM), page tables for [0, GNT_MAP_BYTES). */
#define GNT_RAM			(4ULL << 20)
#define GNT_MAP_BYTES		(8ULL << 20)
#define GNT_MAX_FRAMES		4	/* the VM's max_grant_frames */

/* Where the guest maps its table's frames (guest frame numbers). */
#define GNT_GFN_FRAME0		0x300	/* over RAM */
#define GNT_GFN_FRAME1		0x480	/* in the hole above RAM */
#define GNT_GFN_MOVE		0x310	/* RAM: frame 1 goes here first */
#define GNT_GFN_HOLE		0x600	/* granted, but not RAM */

/* Grant references (frame 0 unless said). */
#define GREF_RW			8	/* permit_access, domain 0 */
#define GREF_RO			9	/* permit_access | readonly, domain 0 */
#define GREF_WRONG_DOM		10	/* permit_access, domain 5 */
#define GREF_INVALID		11	/* GTF_invalid, domain 0 */
#define GREF_TRANSFER		12	/* accept_transfer, domain 0 */
#define GREF_HOLE		13	/* permit_access of GNT_GFN_HOLE */
#define GREF_OWNED		14	/* permit_access of a table frame */
#define GREF_FORCE		15	/* read-write, revoked by force */
#define GREF_FLIP		16	/* domid flipped 0 <-> 5 in a loop */
#define GREF_FRAME1		(512 + 3)	/* in frame 1, read-write */
#define GREF_BEYOND		(2 * 512)	/* past the two frames */
#define GNT_WRONG_DOM		5

/* Sync points. */
#define GNT_SYNC_GRANTED	1	/* every grant is in place */
#define GNT_SYNC_FORCED		2	/* the guest forced GREF_RO, GREF_FORCE */
#define GNT_SYNC_REVOKED	3	/* the guest revoked GREF_RW */
#define GNT_SYNC_FLIP		4	/* the guest starts flipping GREF_FLIP */

/* Values the guest writes by force into live entries ({flags, domid}). */
#define GNT_FORCED_RO_WORD	(0x1234U << 16 | 0x20 | 0x10 | 0x08)
#define GNT_FORCED_RO_AFTER	(0x1234U << 16 | 0x20 | 0x10)

/* Data: byte @i of each granted page, and what the host writes. */
#define GNT_PAT_RW(i)		((unsigned char)((i) * 7 + 1))
#define GNT_PAT_RO(i)		((unsigned char)((i) * 3 + 2))
#define GNT_PAT_FRAME1(i)	((unsigned char)((i) ^ 0x5a))
#define GNT_PAT_FORCE(i)	((unsigned char)((i) * 5))
#define GNT_PAT_HOST(i)		((unsigned char)((i) * 11 + 3))
#define GNT_HOST_COPY_OFF	100	/* PVX_GNT_COPY into GREF_RW here */
#define GNT_HOST_COPY_LEN	200
#define GNT_HOST_MAP_OFF	2048	/* the host's map of GREF_RW writes here */
#define GNT_HOST_MAP_LEN	64
#define GNT_HOST_MARK		0x6d61726b6564ULL	/* at 0 of GREF_FORCE */

/* Report keys. */
enum gnt_key {
	GK_QS_RC = 1, GK_QS_STATUS, GK_QS_NR, GK_QS_MAX,
	GK_QS_OTHER_STATUS, GK_QS_BADPTR_RC, GK_QS_COUNT0_RC,
	GK_QS_COUNT2_RC, GK_NEGCOUNT_RC, GK_CONT_RC, GK_UNKNOWN_RC,
	GK_COPY_RC, GK_MAPREF_RC,
	GK_SETUP_RC, GK_SETUP_STATUS, GK_SETUP_LIST0, GK_SETUP_LIST1,
	GK_SETUP_TOOMANY_STATUS, GK_SETUP_BADLIST_STATUS,
	GK_SETUP_OTHER_STATUS,
	GK_ATP_MOVE_RC, GK_MOVE_BEFORE, GK_ATP0_RC, GK_ATP1_RC, GK_MOVE_AFTER,
	GK_ATP_MAX_RC, GK_ATP_STATUS_RC,
	GK_SETUP2_LIST0, GK_SETUP2_LIST1, GK_QS2_NR,
	GK_SV1_RC, GK_SV2_RC, GK_SV2_VERSION, GK_SV3_RC,
	GK_GV_RC, GK_GV_VERSION, GK_GV_OTHER_RC,
	/* Before GNT_SYNC_GRANTED: where the read-write granted page is. */
	GK_PAGE_RW_GPA,
	/* After GNT_SYNC_GRANTED: entries' {flags, domid} words. */
	GK_W1_RW, GK_W1_RO, GK_W1_WRONG_DOM, GK_W1_INVALID, GK_W1_TRANSFER,
	GK_W1_HOLE, GK_W1_OWNED, GK_W1_FORCE, GK_W1_FRAME1,
	GK_REVOKE1_RW,		/* 1: the guest's revoke succeeded */
	GK_DATA_COPY, GK_DATA_MAP,	/* 1: the host's bytes are there */
	/* After GNT_SYNC_FORCED. */
	GK_W2_RW, GK_W2_RO, GK_W2_FORCE, GK_REVOKE2_RW, GK_W2_RW_REVOKED,
	GK_FORCE_MARK,
	/* The flip loop. */
	GK_FLIP_STOP_GPA, GK_FLIPS, GK_FLIP_WORD,
};

#endif /* PVX_GUEST_GRANT_H */
