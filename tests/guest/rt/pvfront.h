/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test guests' split-driver frontends (pvfront.c), freestanding, over
 * ioring/ and Xen's hypercalls: what Linux's hvc_xen, xenbus and
 * xen-blkfront do, in small, for one vCPU that polls instead of taking
 * the upcall. The guest must be identity-mapped (guest-virtual ==
 * guest-physical) over its RAM and the special pages the HVM params name.
 *
 * Waiting: a frontend spins on the ring index it waits for, yielding to
 * the host (SCHEDOP_yield) between looks, at most PVF_WAIT_TRIES times;
 * the backends' notifications are taken (pending bits cleared) but not
 * needed.
 */
#ifndef PVX_GUEST_PVFRONT_H
#define PVX_GUEST_PVFRONT_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/pvx_xen.h>

#include "ioring.h"

#define PVF_WAIT_TRIES		2000000
#define PVF_PAGE		4096
/* Grant references the block frontend uses (others are the test's). */
#define PVF_GREF_RING		8
#define PVF_GREF_INDIRECT	9
#define PVF_GREF_DATA		16	/* + data page index */
#define PVF_DATA_PAGES		32

/* The domain's shared state: shared_info and the grant table, mapped. */
struct pvf_domain {
	struct shared_info *shinfo;
	struct grant_entry_v1 *gnt;	/* frame 0: refs 0..511 */
};

/*
 * Map shared_info at @shinfo_page and grant frame 0 at @gnt_page (RAM
 * pages, 4 KiB aligned, that the guest gives up): 0 or the Xen error.
 */
long pvf_domain_init(struct pvf_domain *d, void *shinfo_page, void *gnt_page);
/* HVMOP_get_param: the value, or ~0 on error. */
uint64_t pvf_hvm_param(uint32_t index);
/* EVTCHNOP_send on @port: 0 or the Xen error. */
long pvf_notify(uint32_t port);
/* EVTCHNOP_alloc_unbound for domain 0: the port, or a negative Xen error. */
long pvf_alloc_unbound(void);
/* Grant @page to domain 0 as @ref (@ro: read-only), or end it (page NULL). */
void pvf_grant(struct pvf_domain *d, uint32_t ref, const void *page, bool ro);
/* Revoke @ref as Linux does: 1 if done, 0 while the host uses it. */
int pvf_revoke(struct pvf_domain *d, uint32_t ref);
/* Let the host run (SCHEDOP_yield), clearing pending bits of ports. */
void pvf_relax(struct pvf_domain *d);

/* The console ring (io/console.h): the page and port of the HVM params. */
struct pvf_console {
	struct pvf_domain *d;
	struct xencons_interface *intf;
	struct ioring_bytes out, in;
	uint32_t port;
};
bool pvf_console_init(struct pvf_console *c, struct pvf_domain *d);
/* Up to @max bytes of what the host put in the input ring; no waiting. */
uint32_t pvf_console_read(struct pvf_console *c, char *buf, uint32_t max);
/* Write all of @s (waiting for room). False if the host never made room. */
bool pvf_console_write(struct pvf_console *c, const char *s);

/* The xenstore client (io/xs_wire.h): one request at a time. */
struct pvf_xs {
	struct pvf_domain *d;
	struct xenstore_domain_interface *intf;
	struct ioring_bytes req, rsp;
	uint32_t port, next_id;
	char reply[XENSTORE_PAYLOAD_MAX + 1];	/* the last reply, NUL added */
	uint32_t reply_len;
};
bool pvf_xs_init(struct pvf_xs *x, struct pvf_domain *d);
/*
 * Send a request of @type in transaction @tx with the payload of
 * @nparts NUL-terminated strings (the last one's NUL left out when
 * @last_nul is false, as XS_WRITE's value); its reply in x->reply.
 * 0 for a reply of the same type, 1 for XS_ERROR, -1 if none came.
 */
int pvf_xs_req(struct pvf_xs *x, uint32_t type, uint32_t tx, const char *const *parts,
	       unsigned int nparts, bool last_nul);
/* XS_READ of @path into x->reply: 0, 1, -1 as pvf_xs_req. */
int pvf_xs_read(struct pvf_xs *x, uint32_t tx, const char *path);
/* A decimal value at @path, or ~0 if it is absent or not a number. */
uint64_t pvf_xs_read_u64(struct pvf_xs *x, const char *path);
int pvf_xs_write(struct pvf_xs *x, uint32_t tx, const char *path, const char *val);
/* Write raw bytes into the request ring and notify (for hostile tests). */
bool pvf_xs_put(struct pvf_xs *x, const void *buf, uint32_t len);

/* The block frontend (io/blkif.h) of device/vbd/<devid>. */
struct pvf_blk {
	struct pvf_domain *d;
	struct pvf_xs *xs;
	struct ioring_front ring;
	uint32_t port;
	char dir[32];		/* device/vbd/<devid> */
	char be[96];		/* its backend's directory */
	uint64_t sectors, sector_size, info, max_indirect;
};
/*
 * The xenbus handshake: wait for the backend's InitWait, grant the ring
 * page @ring_page, allocate a port for domain 0, write ring-ref,
 * event-channel and protocol in one transaction (again on EAGAIN),
 * Initialised, wait for the backend's Connected, read sectors, info,
 * sector-size and feature-max-indirect-segments, then Connected.
 */
bool pvf_blk_connect(struct pvf_blk *b, struct pvf_domain *d, struct pvf_xs *xs,
		     uint32_t devid, void *ring_page);
/* The backend's state, or ~0. */
uint64_t pvf_blk_be_state(struct pvf_blk *b);
/* Queue @req (@len bytes) in the next request slot (not yet pushed). */
void pvf_blk_queue(struct pvf_blk *b, const void *req, unsigned long len);
/* Push what was queued; notify if the backend asked for it. */
void pvf_blk_push(struct pvf_blk *b);
/* Collect @n responses into @out; false if they did not all come. */
bool pvf_blk_collect(struct pvf_blk *b, struct blkif_response *out, unsigned int n);
/* A read or write segment of one whole data page @ref. */
struct blkif_request_segment pvf_blk_seg(uint32_t ref);

/* A decimal string of @v into @buf (at least 21 bytes). */
char *pvf_utoa(uint64_t v, char *buf);

#endif /* PVX_GUEST_PVFRONT_H */
