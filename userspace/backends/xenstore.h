/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The xenstore (xenstored's job, in host userspace): one tree of nodes
 * shared by the host (domain 0, this API) and every introduced guest (its
 * xenstore page and event channel, Xen's wire protocol io/xs_wire.h).
 * xs_store.c holds the tree, permissions and transactions, xs_watch.c the
 * watches, xs_host.c the host's API, xs_conn.c the guests' rings and the
 * wire messages, xenbus.c the device directories of split drivers. See
 * those files' head comments for the rules.
 */
#ifndef PVX_BACKENDS_XENSTORE_H
#define PVX_BACKENDS_XENSTORE_H

#include <stdarg.h>
#include <stddef.h>

#include "pvbe.h"

/* Limits (xenstored's defaults where it has one). */
#define XS_NODES_PER_DOMAIN	1000	/* nodes a guest may own */
#define XS_WATCHES_PER_DOMAIN	128
#define XS_TX_PER_DOMAIN	10
#define XS_PERMS_PER_NODE	5
#define XS_PENDING_REPLIES	16	/* requests answered but not yet read */
#define XS_PENDING_EVENTS	64	/* watch events queued to one guest */
#define XS_HOST_WATCH_EVENTS	256	/* ... to one host watch */
#define XS_TX_OPS		256	/* changes in one transaction */

struct xs_store;
struct xs_host_watch;

/* A permission entry: the first one of a node is its owner + default. */
struct xs_perm {
	domid_t id;
	char perm;		/* 'n' none, 'r' read, 'w' write, 'b' both */
};

/* Create an empty store ("/" owned by domain 0) and its server thread. */
struct xs_store *xs_store_create(void);
/* Stop the server, release every domain, free everything. */
void xs_store_destroy(struct xs_store *s);

/*
 * Host (domain 0) access: absolute paths, every permission granted.
 * 0 or -errno (ENOENT, EINVAL for a bad path, E2BIG, ENOMEM...).
 */
int xs_host_write(struct xs_store *s, const char *path, const void *val, size_t len);
int xs_host_printf(struct xs_store *s, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The value into @buf (NUL-terminated, truncated to @size - 1): its length. */
int xs_host_read(struct xs_store *s, const char *path, char *buf, size_t size);
/* The value parsed as an unsigned decimal number. */
int xs_host_read_u64(struct xs_store *s, const char *path, uint64_t *v);
int xs_host_mkdir(struct xs_store *s, const char *path);
int xs_host_rm(struct xs_store *s, const char *path);
int xs_host_set_perms(struct xs_store *s, const char *path, const struct xs_perm *p,
		      unsigned int n);
/* NUL-separated child names into @buf: the bytes used. */
int xs_host_directory(struct xs_store *s, const char *path, char *buf, size_t size);

/*
 * Host watches: an eventfd readable while events are queued; one event
 * is queued at once with the watched path (Xen's first event), then one
 * per change at or below it. At most XS_HOST_WATCH_EVENTS are queued; an
 * identical event already queued is not queued again.
 */
struct xs_host_watch *xs_host_watch(struct xs_store *s, const char *path);
int xs_host_watch_fd(const struct xs_host_watch *w);
/* The oldest event's path into @buf: 1, or 0 if none is queued. */
int xs_host_watch_next(struct xs_store *s, struct xs_host_watch *w, char *buf,
		       size_t size);
void xs_host_unwatch(struct xs_store *s, struct xs_host_watch *w);

/*
 * Introduce a guest (XS_INTRODUCE, done by the toolstack): create
 * /local/domain/<domid> and the nodes libxl makes for a domU, with its
 * permissions (xs_conn.c: domain_nodes[]: control/ read-only but for
 * the guest's own control/shutdown, sysrq and feature-poweroff, -reboot,
 * -suspend; data/, drivers/, feature/, attr/, error/ its own), map its xenstore
 * page (frame @gfn) through @t, bind its port *@port (0: allocate, as
 * for HVM_PARAM_STORE_EVTCHN) and start serving it.
 */
int xs_introduce(struct xs_store *s, struct pvbe_transport *t, uint64_t gfn,
		 uint32_t *port);
/* Stop serving @domid, drop its watches and transactions, remove its tree. */
int xs_release(struct xs_store *s, domid_t domid);

struct xs_conn_stats {
	uint64_t requests, errors;	/* handled; answered with ERROR */
	uint64_t events, events_dropped;
	uint64_t wakeups, spurious;
	bool broken;			/* disconnected for a protocol error */
	uint32_t ring_error;		/* XENSTORE_ERROR_* written to the page */
};
/* Counters of @domid's connection: 0 or -ENOENT. */
int xs_conn_stats(struct xs_store *s, domid_t domid, struct xs_conn_stats *st);

#endif /* PVX_BACKENDS_XENSTORE_H */
