/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvx's host-userspace backends of Xen split drivers (the part Xen's dom0
 * plays): xenstore (xs_*.c), the console (console.c) and block devices
 * (blk*.c). They reach one guest only through a transport (this file):
 * grant map/unmap and copy, the toolstack's map of a guest frame, and the
 * guest's event channels as file descriptors. Two transports implement
 * it: fake.c (in-memory grant table enforcing the v1 rules, eventfd
 * channels, used by the host unit tests, the frontend played by a thread)
 * and pvx.c (libpvx's PVX_GNT_* / PVX_EVTCHN_* wrappers on a VM).
 *
 * Every backend follows the rules of Xen's backends and their security
 * advisories (fact sheet xen-pv-abi.md section 10): guest memory is read
 * once into private memory and validated there; every index and count the
 * guest wrote is bounded; a malformed request gets an error response, a
 * broken ring gets the device disconnected; no queue grows without bound;
 * notifications that find no work are counted and backed off.
 */
#ifndef PVX_PVBE_H
#define PVX_PVBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/pvx.h>
#include <linux/pvx_xen.h>

struct pvbe_transport;

/* A page of the guest mapped into this process. */
struct pvbe_map {
	void *addr;		/* 4096 bytes */
	int fd;			/* the transport's handle (-1: none) */
	uint32_t ref;		/* the grant (or frame) mapped */
	bool readonly;
};

struct pvbe_transport_ops {
	/*
	 * Map the page the guest granted to the host with @ref; the grant
	 * stays in use (GTF_reading/GTF_writing) until unmap. 0 or -errno:
	 * -EINVAL ref out of the table, -EACCES not granted to the host,
	 * -EROFS writable map of a read-only grant, -EAGAIN entry changing,
	 * -EFAULT the frame is not guest RAM.
	 */
	int (*map_grant)(struct pvbe_transport *t, uint32_t ref, bool readonly,
			 struct pvbe_map *m);
	/*
	 * The toolstack's own map of guest frame @gfn (the console and
	 * xenstore pages it placed itself, HVM_PARAM_*_PFN): no grant.
	 */
	int (*map_gfn)(struct pvbe_transport *t, uint64_t gfn, struct pvbe_map *m);
	void (*unmap)(struct pvbe_transport *t, struct pvbe_map *m);
	/*
	 * Grant copies (struct pvx_gnt_copy_seg of <linux/pvx.h>), at most
	 * PVX_GNT_MAX_COPY; each segment gets its own GNTST_* status. 0 when
	 * all were attempted, -errno when none was.
	 */
	int (*copy)(struct pvbe_transport *t, struct pvx_gnt_copy_seg *segs,
		    unsigned int nr);
	/*
	 * Bind the guest's port *@port to the host (with @alloc: make a new
	 * port unbound to the host first, as a toolstack does for the
	 * console and xenstore). *@fd becomes a non-blocking eventfd, owned
	 * by the transport, readable whenever the guest sent on the port
	 * since it was last read.
	 */
	int (*bind)(struct pvbe_transport *t, uint32_t *port, bool alloc, int *fd);
	void (*unbind)(struct pvbe_transport *t, uint32_t port);
	/* Raise @port in the guest. */
	int (*notify)(struct pvbe_transport *t, uint32_t port);
};

struct pvbe_transport {
	const struct pvbe_transport_ops *ops;
	domid_t domid;		/* the guest's */
};

/*
 * Event-storm damping (XSA-332's lesson, Linux's lateeoi): a backend
 * thread waits on its fds with pvbe_wait(); after each wake-up it tells
 * pvbe_found_work() whether the notification had anything to do. Two
 * spurious wake-ups in a row or more delay the next wait by
 * 2^(n-2) ms, at most 1 s, so a guest flooding a port costs the host a
 * bounded number of passes per second.
 */
struct pvbe_waiter {
	unsigned int spurious;	/* in a row */
	uint64_t wakeups;
	uint64_t spurious_total;
};

struct pollfd;

/*
 * poll() @p[0..@nr) for up to @timeout_ms (-1: forever), after the storm
 * delay; then clears (reads) each entry of @eventfd_mask (bit i: p[i] is
 * an eventfd) that was readable. Returns a bit mask of the entries with
 * any revents, 0 on timeout.
 */
unsigned int pvbe_wait(struct pvbe_waiter *w, struct pollfd *p, unsigned int nr,
		       unsigned int eventfd_mask, int timeout_ms);
void pvbe_found_work(struct pvbe_waiter *w, bool work);

/* Clear a readable eventfd (non-blocking). */
void pvbe_eventfd_clear(int fd);
/* Signal an eventfd. */
void pvbe_eventfd_signal(int fd);

/* Copy a NUL-terminated string into @buf of @size (truncating, terminated). */
void pvbe_strlcpy(char *buf, const char *s, size_t size);

#endif /* PVX_PVBE_H */
