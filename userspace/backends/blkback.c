// SPDX-License-Identifier: GPL-2.0
/*
 * The block backend's device: the disk, the xenbus handshake and the ring
 * thread (io/blkif.h state diagrams, Linux blkback's xenbus.c; fact sheet
 * 7.3-7.4 and 1.7).
 *
 * Handshake. At creation: both xenbus directories, the probe-time keys
 * (feature-max-indirect-segments, mode, params, type) and InitWait. Then
 * the frontend's state drives it, skipped states tolerated:
 *   Initialising/InitWait while we are Closed -> InitWait (reconnect);
 *   Initialised or Connected -> unless already Connected: disconnect
 *     (idempotent), map ring-ref, refuse a ring claiming more requests
 *     than slots, bind event-channel, write the connect-time keys
 *     (feature-flush-cache, feature-barrier, feature-discard +
 *     discard-granularity/-alignment/-secure, sectors, info, sector-size,
 *     physical-sector-size), then Connected;
 *   Closing -> Closing; Closed or gone -> disconnect, Closed.
 * A ring that cannot be connected (bad keys, a refused grant, an unknown
 * protocol, a multi-page ring) leaves the device Closing with an "error"
 * key. Only the x86_64 ABI and single-page rings are offered (no
 * max-ring-page-order key).
 *
 * Ring (one thread per device, which owns the ring): read req_prod once
 * per pass; a value beyond what the ring can hold (req_prod - rsp_prod_pvt
 * > size) marks the ring dead: no further request is read, the device
 * goes Closing until the frontend reconnects. Requests are copied out once
 * (ioring_back_take_request), validated (blk_req.c), answered at once when
 * malformed, else started on the I/O engine, several in flight;
 * flush/barrier requests wait until nothing else is in flight. Responses
 * are pushed with the event-index check, and before sleeping the final
 * check re-arms req_event (fact sheet 1.7). Notifications that found no
 * work are damped (pvbe_wait). Disconnect waits for the I/O in flight, so
 * the ring and grants are never used after they are released (XSA-350).
 */
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blk_internal.h"

static int put(struct blkback *b, const char *dir, const char *key, uint64_t v)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return xs_host_printf(b->s, path, "%llu", (unsigned long long)v);
}

static int put_str(struct blkback *b, const char *key, const char *v)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/%s", b->dev.be_path, key);
	return xs_host_write(b->s, path, v, strlen(v));
}

static int get_fe(struct blkback *b, const char *key, char *buf, size_t size)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/%s", b->dev.fe_path, key);
	return xs_host_read(b->s, path, buf, size);
}

static int get_fe_u32(struct blkback *b, const char *key, uint32_t *v)
{
	char path[160];
	uint64_t x;
	int e;

	snprintf(path, sizeof(path), "%s/%s", b->dev.fe_path, key);
	e = xs_host_read_u64(b->s, path, &x);
	if (!e && x > UINT32_MAX)
		e = -ERANGE;
	if (!e)
		*v = (uint32_t)x;
	return e;
}

/* The disk's size and block sizes: a file in 512-byte sectors, or a device. */
static int probe_disk(struct blkback *b)
{
	struct stat st;

	if (fstat(b->fd, &st))
		return -errno;
	b->sector_size = 512;
	b->phys_sector_size = 512;
	if (S_ISBLK(st.st_mode)) {
		uint64_t bytes;
		int lss = 512;
		unsigned int pss = 512;

		if (ioctl(b->fd, BLKGETSIZE64, &bytes) || ioctl(b->fd, BLKSSZGET, &lss))
			return -errno;
		if (ioctl(b->fd, BLKPBSZGET, &pss))
			pss = (unsigned int)lss;
		b->sectors = bytes / 512;
		b->sector_size = (uint32_t)lss;
		b->phys_sector_size = pss;
	} else if (S_ISREG(st.st_mode)) {
		/* a partial last sector cannot be addressed: it is left out */
		b->sectors = (uint64_t)st.st_size / 512;
		b->phys_sector_size = (uint32_t)(st.st_blksize >= 512 && st.st_blksize <= 65536 ?
						 st.st_blksize : 512);
	} else {
		return -EINVAL;
	}
	if (b->sector_size < 512 || b->sector_size > XEN_PAGE_SIZE ||
	    (b->sector_size & (b->sector_size - 1)))
		return -EINVAL;
	b->discard = !b->cfg.readonly;
	return 0;
}

/* Connect-time keys, written before the state says Connected. */
static int write_connect_keys(struct blkback *b)
{
	const char *be = b->dev.be_path;

	return put(b, be, "feature-flush-cache", 1) ?: put(b, be, "feature-barrier", 1) ?:
	       put(b, be, "feature-discard", b->discard) ?:
	       put(b, be, "discard-granularity", b->phys_sector_size) ?:
	       put(b, be, "discard-alignment", 0) ?: put(b, be, "discard-secure", 0) ?:
	       put(b, be, "sectors", b->sectors) ?:
	       put(b, be, "info", b->cfg.readonly ? VDISK_READONLY : 0) ?:
	       put(b, be, "sector-size", b->sector_size) ?:
	       put(b, be, "physical-sector-size", b->phys_sector_size);
}

/* Answer and recycle a request. */
static void answer(struct blkback *b, struct blk_req *r, int status)
{
	blk_respond(b, r->id, r->operation, status);
	r->next = b->free;
	b->free = r;
}

static void push(struct blkback *b)
{
	if (ioring_back_push(&b->ring))
		b->t->ops->notify(b->t, b->port);
}

static void start(struct blkback *b, struct blk_req *r)
{
	int e = blk_req_start(b, r);

	if (e) {
		answer(b, r, e);
		return;
	}
	if (++b->inflight > b->st.max_inflight)
		b->st.max_inflight = b->inflight;
}

/* Collect finished I/Os; start a held drain request when all are done. */
static bool reap(struct blkback *b)
{
	struct blk_io *done[BLK_RING_SLOTS];
	unsigned int n = b->eng->ops->reap(b->eng, done, BLK_RING_SLOTS);

	for (unsigned int i = 0; i < n; i++) {
		struct blk_req *r = (struct blk_req *)((char *)done[i] -
						       offsetof(struct blk_req, io));

		b->inflight--;
		answer(b, r, blk_req_finish(b, r));
	}
	if (b->held && !b->inflight) {
		struct blk_req *r = b->held;

		b->held = NULL;
		start(b, r);
	}
	return n > 0;
}

/* Take what the frontend queued. True if a request was taken. */
static bool consume(struct blkback *b)
{
	bool took = false;
	ioring_idx_t rp;

	if (b->dead)
		return false;
	if (ioring_back_req_prod(&b->ring, &rp)) {
		/* RING_REQUEST_PROD_OVERFLOW: a hostile frontend */
		b->dead = true;
		b->st.bogus_rings++;
		put_str(b, "error", "bogus ring: req_prod beyond the ring");
		xenbus_switch(b->s, b->dev.be_path, XenbusStateClosing);
		return false;
	}
	while (!b->held && b->inflight < b->depth && ioring_back_pending(&b->ring, rp)) {
		union blkif_slot raw;
		struct blk_req *r = b->free;
		int e;

		ioring_back_take_request(&b->ring, &raw);
		took = true;
		b->free = r->next;
		e = blk_req_parse(b, &raw, r);
		if (e)
			answer(b, r, e);
		else if (r->drain && b->inflight)
			b->held = r;	/* after the I/O in flight */
		else
			start(b, r);
	}
	return took;
}

/* One pass over the ring; true if it found work. */
static bool service(struct blkback *b)
{
	bool work = false;

	if (!b->connected)
		return false;
	for (;;) {
		bool again = reap(b);

		again |= consume(b);
		push(b);
		work |= again;
		if (again)
			continue;
		/* nothing taken: sleep only after the final check */
		if (b->dead || b->held || b->inflight >= b->depth ||
		    !ioring_back_final_check(&b->ring))
			break;
	}
	return work;
}

static void disconnect(struct blkback *b)
{
	if (!b->connected)
		return;
	/* the I/O in flight finishes before the ring and grants go */
	while (b->inflight || b->held) {
		struct pollfd p = { .fd = b->eng->done_fd, .events = POLLIN };

		if (!b->inflight && b->held) {
			/* the drain request never started: answer nothing, drop it */
			b->held->next = b->free;
			b->free = b->held;
			b->held = NULL;
			break;
		}
		poll(&p, 1, 1000);
		reap(b);
	}
	if (!b->dead)
		push(b);
	b->t->ops->unbind(b->t, b->port);
	b->t->ops->unmap(b->t, &b->ring_map);
	b->connected = false;
	b->dead = false;
	b->evfd = -1;
	b->st.disconnects++;
}

static void fail_connect(struct blkback *b, const char *why)
{
	put_str(b, "error", why);
	xenbus_switch(b->s, b->dev.be_path, XenbusStateClosing);
}

static int connect_ring(struct blkback *b)
{
	char proto[32];
	uint32_t ref, order = 0;
	int e;

	e = get_fe(b, "protocol", proto, sizeof(proto));
	if (e >= 0 && strcmp(proto, XEN_IO_PROTO_ABI_X86_64)) {
		fail_connect(b, "unsupported protocol");
		return -ENOSYS;
	}
	if (!get_fe_u32(b, "ring-page-order", &order) && order) {
		fail_connect(b, "multi-page rings not offered");
		return -EINVAL;
	}
	if (get_fe_u32(b, "ring-ref", &ref) && get_fe_u32(b, "ring-ref0", &ref)) {
		fail_connect(b, "no ring-ref");
		return -EINVAL;
	}
	if (get_fe_u32(b, "event-channel", &b->port)) {
		fail_connect(b, "no event-channel");
		return -EINVAL;
	}
	e = b->t->ops->map_grant(b->t, ref, false, &b->ring_map);
	if (e) {
		fail_connect(b, "mapping ring-ref failed");
		return e;
	}
	if (ioring_back_attach(&b->ring, b->ring_map.addr, XEN_PAGE_SIZE,
			       sizeof(union blkif_slot))) {
		b->st.bogus_rings++;
		e = -EIO;
		fail_connect(b, "bogus ring indices");
		goto fail;
	}
	e = b->t->ops->bind(b->t, &b->port, false, &b->evfd);
	if (e) {
		fail_connect(b, "binding event-channel failed");
		goto fail;
	}
	b->connected = true;
	b->dead = false;
	b->st.connects++;
	return 0;
fail:
	b->t->ops->unmap(b->t, &b->ring_map);
	return e;
}

static void frontend_changed(struct blkback *b)
{
	enum xenbus_state fe = xenbus_read_state(b->s, b->dev.fe_path);
	enum xenbus_state be = xenbus_read_state(b->s, b->dev.be_path);

	switch (fe) {
	case XenbusStateInitialising:
	case XenbusStateInitWait:
		if (be == XenbusStateClosed)
			xenbus_switch(b->s, b->dev.be_path, XenbusStateInitWait);
		break;
	case XenbusStateInitialised:
	case XenbusStateConnected:
		if (be == XenbusStateConnected && b->connected)
			break;
		if (be == XenbusStateClosing)
			break;	/* a failed connect waits for the frontend to close */
		disconnect(b);
		if (connect_ring(b))
			break;
		if (write_connect_keys(b)) {
			disconnect(b);
			fail_connect(b, "writing keys failed");
			break;
		}
		xenbus_switch(b->s, b->dev.be_path, XenbusStateConnected);
		break;
	case XenbusStateClosing:
		xenbus_switch(b->s, b->dev.be_path, XenbusStateClosing);
		break;
	case XenbusStateClosed:
	case XenbusStateUnknown:
		disconnect(b);
		if (be != XenbusStateClosed)
			xenbus_switch(b->s, b->dev.be_path, XenbusStateClosed);
		break;
	default:
		break;	/* Reconfiguring/Reconfigured: not offered */
	}
}

static void *blk_thread(void *arg)
{
	struct blkback *b = arg;

	for (;;) {
		struct pollfd p[4] = {
			{ .fd = b->stopfd, .events = POLLIN },
			{ .fd = xs_host_watch_fd(b->fe_watch), .events = POLLIN },
			{ .fd = b->eng->done_fd, .events = POLLIN },
			{ .fd = b->connected && !b->dead ? b->evfd : -1, .events = POLLIN },
		};
		unsigned int ready = pvbe_wait(&b->waiter, p, 4, 1U << 1 | 1U << 3, -1);
		char path[160];
		bool work;

		if (ready & 1)
			break;
		if (ready & 2) {
			bool changed = false;

			while (xs_host_watch_next(b->s, b->fe_watch, path, sizeof(path)))
				changed = true;
			if (changed)
				frontend_changed(b);
		}
		work = service(b);
		if (ready & 8)
			pvbe_found_work(&b->waiter, work);
	}
	disconnect(b);
	return NULL;
}

static int open_disk(struct blkback *b)
{
	b->fd = open(b->cfg.path, (b->cfg.readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (b->fd < 0)
		return -errno;
	return probe_disk(b);
}

/* Probe-time keys (Linux blkback's probe; fact sheet 7.4 step 2). */
static int write_probe_keys(struct blkback *b)
{
	const char *be = b->dev.be_path;
	char path[160];

	snprintf(path, sizeof(path), "%s/virtual-device", b->dev.fe_path);
	return put(b, be, "feature-max-indirect-segments", BLKBACK_MAX_INDIRECT_SEGS) ?:
	       put_str(b, "mode", b->cfg.readonly ? "r" : "w") ?:
	       put_str(b, "type", "file") ?: put_str(b, "params", b->cfg.path) ?:
	       xs_host_printf(b->s, path, "%u", b->dev.devid) ?:
	       xs_host_write(b->s, strcat(strcpy(path, b->dev.fe_path), "/device-type"),
			     "disk", 4);
}

struct blkback *blkback_create(struct xs_store *s, struct pvbe_transport *t,
			       const struct blkback_config *cfg, int *err)
{
	struct blkback *b = calloc(1, sizeof(*b));
	int e;

	if (!b) {
		*err = -ENOMEM;
		return NULL;
	}
	b->s = s;
	b->t = t;
	b->cfg = *cfg;
	b->evfd = -1;
	b->stopfd = -1;
	b->depth = cfg->depth && cfg->depth < BLK_RING_SLOTS ? cfg->depth : BLK_RING_SLOTS;
	for (int i = BLK_RING_SLOTS - 1; i >= 0; i--) {
		b->reqs[i].next = b->free;
		b->free = &b->reqs[i];
	}
	e = open_disk(b);
	if (e)
		goto fail_disk;
	b->eng = blk_engine_create(cfg->engine, b->fd, b->depth);
	b->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	e = !b->eng || b->stopfd < 0 ? -ENOMEM : 0;
	if (e)
		goto fail_eng;
	e = xenbus_dev_create(s, &b->dev, t->domid, "vbd", cfg->devid);
	if (e)
		goto fail_eng;
	e = write_probe_keys(b) ?: xenbus_switch(s, b->dev.be_path, XenbusStateInitWait);
	b->fe_watch = e ? NULL : xs_host_watch(s, b->dev.fe_path);
	if (!b->fe_watch) {
		e = e ?: -ENOMEM;
		goto fail_dev;
	}
	e = -pthread_create(&b->thread, NULL, blk_thread, b);
	if (!e)
		return b;
	xs_host_unwatch(s, b->fe_watch);
fail_dev:
	xenbus_dev_remove(s, &b->dev);
fail_eng:
	if (b->eng)
		b->eng->ops->destroy(b->eng);
	if (b->stopfd >= 0)
		close(b->stopfd);
fail_disk:
	if (b->fd >= 0)
		close(b->fd);
	free(b);
	*err = e;
	return NULL;
}

const struct xenbus_dev *blkback_dev(const struct blkback *b)
{
	return &b->dev;
}

void blkback_destroy(struct blkback *b, struct blkback_stats *stats)
{
	pvbe_eventfd_signal(b->stopfd);
	pthread_join(b->thread, NULL);
	xs_host_unwatch(b->s, b->fe_watch);
	xenbus_dev_remove(b->s, &b->dev);
	b->eng->ops->destroy(b->eng);
	close(b->stopfd);
	close(b->fd);
	b->st.wakeups = b->waiter.wakeups;
	b->st.spurious = b->waiter.spurious_total;
	if (stats)
		*stats = b->st;
	free(b);
}
