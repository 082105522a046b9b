/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The block backend (blkback/qdisk's job): a virtual disk for one guest
 * over the blkif protocol (io/blkif.h), backed by a raw image file or a
 * block device. blkback.c: the device, its xenbus handshake and ring
 * thread; blk_req.c: each request's validation, data movement and
 * response; blk_io_*.c: the I/O engines.
 */
#ifndef PVX_BACKENDS_BLKBACK_H
#define PVX_BACKENDS_BLKBACK_H

#include "blk_io.h"
#include "xenbus.h"

/* Segments of one indirect request, at most (written as a feature key). */
#define BLKBACK_MAX_INDIRECT_SEGS 64
/* The vbd handle of the first disk, xvda (Linux's major 202 << 8). */
#define BLKBACK_XVDA 51712

struct blkback_config {
	const char *path;	/* raw image file or block device */
	bool readonly;
	uint32_t devid;		/* virtual-device, e.g. BLKBACK_XVDA */
	enum blk_engine_kind engine;
	unsigned int depth;	/* I/Os in flight at most; 0: the ring's size */
};

struct blkback_stats {
	uint64_t requests, errors, unsupported;	/* ERROR, EOPNOTSUPP answers */
	uint64_t bytes_read, bytes_written;
	uint64_t connects, disconnects;
	uint64_t bogus_rings;		/* rings refused or dropped as hostile */
	uint64_t wakeups, spurious;
	unsigned int max_inflight;
};

struct blkback;

/*
 * Open the disk, create the xenbus directories of the guest behind @t in
 * @s (frontend /local/domain/<domid>/device/vbd/<devid>), write the
 * probe-time keys and switch to InitWait; the device then follows the
 * frontend's state on its own thread. NULL and *@err on failure.
 */
struct blkback *blkback_create(struct xs_store *s, struct pvbe_transport *t,
			       const struct blkback_config *cfg, int *err);
/* The device's directories. */
const struct xenbus_dev *blkback_dev(const struct blkback *b);
/* Stop the thread (finishing I/O in flight), disconnect, remove the directories. */
void blkback_destroy(struct blkback *b, struct blkback_stats *stats);

#endif /* PVX_BACKENDS_BLKBACK_H */
