/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A guest's block frontend for the backends' host tests and the block
 * benchmark: the xenbus handshake of io/blkif.h through the guest's
 * xenstore client (xs_client.h), a one-page ring over ioring/, data pages
 * granted to domain 0 in a fake guest (fake.h).
 *
 * Guest memory: frame 0 the grant table, 2 the xenstore page, 3 the ring,
 * 10 an indirect page, FE_DATA.. the data pages; grant ref 8 is the ring,
 * 9 the indirect page, FE_DATA + i data page i (all granted to domain 0).
 */
#ifndef PVX_UNIT_BLKFRONT_H
#define PVX_UNIT_BLKFRONT_H

#include <unistd.h>

#include "blk_internal.h"
#include "xs_client.h"

#define FE_FRAMES	(FE_DATA + FE_NDATA)
#define FE_STORE_GFN	2
#define FE_RING		3
#define FE_RING_REF	8
#define FE_INDIRECT	10
#define FE_INDIRECT_REF	9
#define FE_DATA		16
#define FE_NDATA	128

struct fe {
	struct fake_guest *g;
	struct xsc xs;
	struct ioring_front ring;
	uint32_t port;
	char dir[64];		/* our device directory (relative) */
	char be[128];		/* the backend's (absolute) */
};

static inline void *fe_data(struct fe *f, uint32_t i)
{
	return fake_frame(f->g, FE_DATA + i);
}

/* The backend directory's @key into @buf: 0, or 1/-1 as xsc_req. */
static inline int fe_be_read(struct fe *f, const char *key, char *buf)
{
	char path[192];

	snprintf(path, sizeof(path), "%s/%s", f->be, key);
	return xsc_path_op(&f->xs, XS_READ, 0, path, buf);
}

static inline uint64_t fe_be_u64(struct fe *f, const char *key)
{
	char buf[XENSTORE_PAYLOAD_MAX + 1];

	return fe_be_read(f, key, buf) ? ~0ull : strtoull(buf, NULL, 10);
}

static inline bool fe_set(struct fe *f, const char *key, const char *fmt, unsigned long v)
{
	char path[128], val[32], r[XENSTORE_PAYLOAD_MAX + 1];

	snprintf(path, sizeof(path), "%s/%s", f->dir, key);
	snprintf(val, sizeof(val), fmt, v);
	return xsc_write(&f->xs, 0, path, val, r) == 0;
}

/* Wait (5 s at most) for the backend's state to be @state. */
static inline bool fe_wait_be(struct fe *f, enum xenbus_state state)
{
	for (int i = 0; i < 5000; i++) {
		if (fe_be_u64(f, "state") == state)
			return true;
		usleep(1000);
	}
	return false;
}

/* Attach to the guest @g (its xenstore introduced on @store_port). */
static inline bool fe_attach(struct fe *f, struct fake_guest *g, uint32_t store_port,
			     uint32_t devid)
{
	char r[XENSTORE_PAYLOAD_MAX + 1];

	memset(f, 0, sizeof(*f));
	f->g = g;
	xsc_init(&f->xs, g, FE_STORE_GFN, store_port);
	snprintf(f->dir, sizeof(f->dir), "device/vbd/%u", devid);
	snprintf(r, 128, "%s/backend", f->dir);
	if (xsc_path_op(&f->xs, XS_READ, 0, r, r))
		return false;
	pvbe_strlcpy(f->be, r, sizeof(f->be));
	fake_grant(g, FE_INDIRECT_REF, FE_INDIRECT, true, 0);
	for (uint32_t i = 0; i < FE_NDATA; i++)
		fake_grant(g, FE_DATA + i, FE_DATA + i, false, 0);
	return true;
}

/*
 * The handshake (fact sheet 7.4 step 3 and 5): a fresh ring and port,
 * the keys, Initialised (or straight to Connected with @skip), then
 * Connected once the backend is.
 */
static inline bool fe_connect(struct fe *f, bool skip)
{
	if (!fe_wait_be(f, XenbusStateInitWait))
		return false;
	ioring_front_init(&f->ring, fake_frame(f->g, FE_RING), XEN_PAGE_SIZE,
			  sizeof(union blkif_slot));
	fake_grant(f->g, FE_RING_REF, FE_RING, false, 0);
	if (!f->port) {
		int p = fake_port_alloc(f->g);

		if (p < 0)
			return false;
		f->port = (uint32_t)p;
	}
	if (!fe_set(f, "ring-ref", "%lu", FE_RING_REF) ||
	    !fe_set(f, "event-channel", "%lu", f->port))
		return false;
	{
		char path[128], r[XENSTORE_PAYLOAD_MAX + 1];

		snprintf(path, sizeof(path), "%s/protocol", f->dir);
		if (xsc_write(&f->xs, 0, path, XEN_IO_PROTO_ABI_X86_64, r))
			return false;
	}
	if (!fe_set(f, "state", "%lu", skip ? XenbusStateConnected : XenbusStateInitialised))
		return false;
	if (!fe_wait_be(f, XenbusStateConnected))
		return false;
	return skip || fe_set(f, "state", "%lu", XenbusStateConnected);
}

/* Queue a request (its private copy @req of @len bytes) in the next slot. */
static inline void fe_queue(struct fe *f, const void *req, size_t len)
{
	memcpy(ioring_front_next_request(&f->ring), req, len);
}

static inline void fe_push(struct fe *f)
{
	if (ioring_front_push(&f->ring))
		fake_port_send(f->g, f->port);
}

/*
 * Collect @n responses into @out (and the raw slots into @raw if not
 * NULL), waiting up to 5 s for each notification.
 */
static inline bool fe_collect(struct fe *f, struct blkif_response *out,
			      union blkif_slot *raw, unsigned int n)
{
	unsigned int got = 0;

	while (got < n) {
		ioring_idx_t rp;

		if (ioring_front_rsp_prod(&f->ring, &rp))
			return false;
		while (f->ring.rsp_cons != rp && got < n) {
			union blkif_slot s;

			ioring_front_take_response(&f->ring, &s);
			out[got] = s.rsp;
			if (raw)
				raw[got] = s;
			got++;
		}
		if (got < n && !ioring_front_final_check(&f->ring) &&
		    !fake_port_wait(f->g, f->port, 5000))
			return false;
	}
	return true;
}

/*
 * A READ or WRITE of @nsec sectors at @sector through data pages
 * @page.. (8 sectors each, the last one partial): its status.
 */
static inline int fe_rw(struct fe *f, uint8_t op, uint64_t sector, uint32_t nsec,
			uint32_t page)
{
	struct blkif_request req = { .operation = op, .id = 0x4242, .sector_number = sector };
	struct blkif_response rsp;

	for (uint32_t left = nsec, i = 0; left; i++) {
		uint32_t n = left > 8 ? 8 : left;

		req.seg[i] = (struct blkif_request_segment){ .gref = FE_DATA + page + i,
							     .first_sect = 0,
							     .last_sect = (uint8_t)(n - 1) };
		req.nr_segments++;
		left -= n;
	}
	fe_queue(f, &req, sizeof(req));
	fe_push(f);
	if (!fe_collect(f, &rsp, NULL, 1) || rsp.id != 0x4242 || rsp.operation != op)
		return -100;
	return rsp.status;
}

/* An INDIRECT READ or WRITE of @nseg full pages at @sector from page 0. */
static inline int fe_indirect(struct fe *f, uint8_t op, uint64_t sector, uint32_t nseg)
{
	struct blkif_request_indirect req = { .operation = BLKIF_OP_INDIRECT,
					      .indirect_op = op, .nr_segments = (uint16_t)nseg,
					      .id = 77, .sector_number = sector,
					      .indirect_grefs = { FE_INDIRECT_REF } };
	struct blkif_request_segment *segs = fake_frame(f->g, FE_INDIRECT);
	struct blkif_response rsp;

	for (uint32_t i = 0; i < nseg && i < BLKIF_SEGS_PER_INDIRECT_FRAME; i++)
		segs[i] = (struct blkif_request_segment){ .gref = FE_DATA + i % FE_NDATA,
							  .first_sect = 0, .last_sect = 7 };
	fe_queue(f, &req, sizeof(req));
	fe_push(f);
	if (!fe_collect(f, &rsp, NULL, 1) || rsp.id != 77 || rsp.operation != op)
		return -100;
	return rsp.status;
}

#endif /* PVX_UNIT_BLKFRONT_H */
