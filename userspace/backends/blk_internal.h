/* SPDX-License-Identifier: GPL-2.0 */
/* What blkback.c (device, ring thread) and blk_req.c (requests) share. */
#ifndef PVX_BACKENDS_BLK_INTERNAL_H
#define PVX_BACKENDS_BLK_INTERNAL_H

#include <pthread.h>

#include "blkback.h"
#include "ioring.h"

/* A slot holds any request; the union is the slot (112 bytes). */
union blkif_slot {
	struct blkif_request rw;
	struct blkif_request_discard discard;
	struct blkif_request_indirect indirect;
	struct blkif_response rsp;
};

/* One segment, validated: a granted page and the bytes of it to touch. */
struct blk_seg {
	grant_ref_t gref;
	uint16_t offset;	/* first_sect * 512 */
	uint16_t len;		/* (last - first + 1) * 512 */
};

/* A request taken from the ring, in private memory. */
struct blk_req {
	uint64_t id;
	uint8_t operation;	/* echoed: indirect_op for an indirect one */
	bool drain;		/* flush/barrier: only with nothing else in flight */
	uint32_t nseg;
	struct blk_seg seg[BLKBACK_MAX_INDIRECT_SEGS];
	struct blk_io io;
	struct blk_req *next;	/* free list */
};

#define BLK_RING_SLOTS 32	/* one 4 KiB page of 112-byte slots */

struct blkback {
	struct xs_store *s;
	struct pvbe_transport *t;
	struct xenbus_dev dev;
	struct blkback_config cfg;
	int fd;
	uint64_t sectors;	/* 512-byte units */
	uint32_t sector_size, phys_sector_size;
	bool discard;
	struct blk_engine *eng;
	unsigned int depth;
	/* the ring, while connected */
	bool connected, dead;
	struct pvbe_map ring_map;
	struct ioring_back ring;
	uint32_t port;
	int evfd;
	unsigned int inflight;
	struct blk_req *held;	/* a drain request waiting for the others */
	struct blk_req reqs[BLK_RING_SLOTS], *free;
	/* the thread */
	pthread_t thread;
	int stopfd;
	struct xs_host_watch *fe_watch;
	struct pvbe_waiter waiter;
	struct blkback_stats st;
};

/*
 * Validate the request copied out of the ring (@raw, private) into @r.
 * 0, or the BLKIF_RSP_* status to answer it with at once.
 */
int blk_req_parse(struct blkback *b, const union blkif_slot *raw, struct blk_req *r);
/* Start @r's data movement and I/O: 0, or a status to answer at once. */
int blk_req_start(struct blkback *b, struct blk_req *r);
/* @r's I/O finished: move read data to the guest; its status. */
int blk_req_finish(struct blkback *b, struct blk_req *r);
/* Write the response for (@id, @operation, @status) into the ring in place. */
void blk_respond(struct blkback *b, uint64_t id, uint8_t operation, int status);

#endif /* PVX_BACKENDS_BLK_INTERNAL_H */
