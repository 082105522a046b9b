/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The split-driver guest (pvdisk.c) and its host test (pvdisk_test) share
 * this: the scenario port, the scenarios, the disks, the data pattern and
 * the report keys. Included by the freestanding guest and by the host.
 *
 * The guest asks for its scenario with a 4-byte IN from PVD_PORT_SCENARIO;
 * a port nobody serves reads all ones, which is PVD_SCEN_RW (so `pvxctl
 * run --pv --disk IMG --console` runs the well-behaved case).
 */
#ifndef PVX_GUEST_PVDISK_H
#define PVX_GUEST_PVDISK_H

#define PVD_PORT_SCENARIO	0x548
/* PVD_SCEN_BENCH: the guest reads its parameters with 4-byte INs. */
#define PVD_PORT_BENCH_OP	0x54c	/* enum pvd_bench_op */
#define PVD_PORT_BENCH_DEPTH	0x550	/* requests in flight (ring) */
#define PVD_PORT_BENCH_ITER	0x554	/* 4 KiB requests timed */
/*
 * The port-I/O disk of the bench (served by the host test, no backend):
 * a 4-byte OUT of a sector number to PVD_PORT_PIO_SECTOR, then REP INSL
 * or REP OUTSL of 128 dwords (one sector) at PVD_PORT_PIO_DATA, the
 * position moving on.
 */
#define PVD_PORT_PIO_SECTOR	0x558
#define PVD_PORT_PIO_DATA	0x55c

enum pvd_bench_op {
	PVD_BENCH_RING_READ = 1,	/* 4 KiB READs through the blkif ring */
	PVD_BENCH_RING_WRITE,
	PVD_BENCH_PIO_READ,		/* the same bytes by port I/O per sector */
	PVD_BENCH_PIO_WRITE,
};

enum pvd_scenario {
	PVD_SCEN_RW = 1,	/* console, handshake, writes and reads back */
	PVD_SCEN_SEG_PAST_PAGE,	/* a segment with last_sect 8, one first > last */
	PVD_SCEN_REVOKED,	/* a request naming a grant the guest revoked */
	PVD_SCEN_RO_WRITE,	/* a WRITE to the read-only disk (xvdb) */
	PVD_SCEN_STORM,		/* 100000 sends on the disk's port, then a read */
	PVD_SCEN_RING_OVERRUN,	/* req_prod far beyond the ring */
	PVD_SCEN_XS_HUGE,	/* a xenstore header announcing 1 MiB */
	PVD_SCEN_BENCH,		/* time 4 KiB requests (PVD_PORT_BENCH_*) */
	PVD_SCEN_COUNT
};

/* The disks the host offers: xvda read-write, xvdb read-only. */
#define PVD_DEV_RW		51712
#define PVD_DEV_RO		51728
#define PVD_DISK_BYTES		(1ULL << 20)

/* What the guest writes: byte @i of sector @s (before the host's seed @d). */
#define PVD_PAT(d, s, i)	((unsigned char)((s) * 31 + (i) * 7 + (d) * 13 + 1))
/* The writes of PVD_SCEN_RW: PVD_INFLIGHT 4 KiB requests in flight from
 * sector 0, then an indirect one of PVD_IND_PAGES pages at PVD_IND_SECTOR. */
#define PVD_INFLIGHT		8
#define PVD_INFLIGHT_STR	"8"
#define PVD_IND_PAGES		16
#define PVD_IND_PAGES_STR	"16"
#define PVD_IND_SECTOR		512

/* The console's greeting, and the line of a read-back that matched. */
#define PVD_HELLO		"pvdisk: hello through the console ring"
#define PVD_BYE			"in flight at once, data matches"
#define PVD_ECHO		"pvdisk: console in: "	/* + its first input line */
#define PVD_ECHO_MAX		64

enum pvd_key {
	PVD_K_STORE_PFN = 1,
	PVD_K_STORE_EVTCHN,
	PVD_K_CONSOLE_PFN,
	PVD_K_CONSOLE_EVTCHN,
	PVD_K_DOMID,		/* from the domain path */
	PVD_K_CONNECTED,	/* 1: the xenbus handshake ended Connected */
	PVD_K_SECTORS,
	PVD_K_SECTOR_SIZE,
	PVD_K_INFO,
	PVD_K_MAX_INDIRECT,	/* feature-max-indirect-segments, 0 if none */
	PVD_K_WRITES_OK,	/* requests answered OKAY */
	PVD_K_READS_OK,
	PVD_K_READ_MATCH,	/* 1: what came back is what was written */
	PVD_K_INDIRECT_OK,	/* 1: the indirect write and read-back worked */
	PVD_K_MAX_INFLIGHT,	/* requests on the ring at once */
	PVD_K_BAD_STATUS,	/* the hostile request's response status */
	PVD_K_BAD_STATUS2,
	PVD_K_AFTER_OK,		/* 1: a good request after it still works */
	PVD_K_BE_STATE,		/* the backend's state after the hostile act */
	PVD_K_XS_ERROR,		/* the xenstore page's error field after it */
	PVD_K_BENCH_TICKS,	/* PVD_SCEN_BENCH: guest TSC ticks for all */
	PVD_K_BENCH_FAILED,	/* requests not answered OKAY */
};

#endif /* PVX_GUEST_PVDISK_H */
