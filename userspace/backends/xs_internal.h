/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What xs_store.c (the tree) and xs_conn.c (the guests' wire) share. All
 * of it is used with xs_store.lock held.
 */
#ifndef PVX_BACKENDS_XS_INTERNAL_H
#define PVX_BACKENDS_XS_INTERNAL_H

#include <pthread.h>

#include "xenstore.h"

#define XS_PATH_BUF (XENSTORE_ABS_PATH_MAX + 1)

struct xs_node {
	char *name;
	char *value;
	uint32_t len;
	uint32_t nperms;
	struct xs_perm *perms;
	struct xs_node *parent, *children, *next;
	uint64_t gen;		/* store generation of its last change */
};

/* A path a transaction looked at, and its generation then (0: absent). */
struct xs_access {
	struct xs_access *next;
	uint64_t gen;
	char path[];
};

/* A change a transaction made, replayed on the live tree at commit. */
struct xs_txop {
	struct xs_txop *next;
	uint32_t type;		/* XS_WRITE, XS_MKDIR, XS_RM, XS_SET_PERMS */
	uint32_t len;		/* value bytes / perm entries */
	void *data;
	char path[];
};

struct xs_tx {
	struct xs_tx *next;
	uint32_t id;
	uint32_t nops;
	struct xs_node *root;	/* the private copy */
	struct xs_access *accesses;
	struct xs_txop *ops, **ops_tail;
};

struct xs_conn;

struct xs_watch {
	struct xs_watch *next;
	struct xs_conn *conn;		/* NULL: a host watch */
	struct xs_host_watch *host;
	domid_t dom;
	bool relative;			/* events relative to the domain path */
	char *path;			/* absolute, or "@..." */
	char *token;
};

struct xs_store {
	pthread_mutex_t lock;
	struct xs_node *root;
	uint64_t gen;
	struct xs_watch *watches;
	struct xs_conn *conns;
	uint32_t nodes[DOMID_FIRST_RESERVED];	/* nodes each guest owns */
	pthread_t thread;
	int wakefd, stopfd;
};

/* Who asks, and in which tree (the live one, or a transaction's copy). */
struct xs_ctx {
	struct xs_store *s;
	domid_t dom;
	struct xs_tx *tx;
};

/*
 * A guest's path (relative ones are under /local/domain/<dom>) made
 * absolute into @out[XS_PATH_BUF]: 0 or -EINVAL (characters, "//", a
 * trailing '/', length). "@..." names only if @special.
 */
int xs_canon_path(domid_t dom, const char *in, char *out, bool special);

/* Operations: 0 or -errno, with the permission checks of domain ctx->dom. */
int xs_do_read(struct xs_ctx *c, const char *path, const char **val, uint32_t *len);
int xs_do_write(struct xs_ctx *c, const char *path, const void *val, uint32_t len);
int xs_do_mkdir(struct xs_ctx *c, const char *path);
int xs_do_rm(struct xs_ctx *c, const char *path);
int xs_do_directory(struct xs_ctx *c, const char *path, char *out, size_t size,
		    size_t *len);
int xs_do_get_perms(struct xs_ctx *c, const char *path, char *out, size_t size,
		    size_t *len);
int xs_do_set_perms(struct xs_ctx *c, const char *path, const struct xs_perm *p,
		    unsigned int n);
/* Parse "r5\0w0\0..." (@len bytes) into @p[XS_PERMS_PER_NODE]: the count. */
int xs_parse_perms(const char *buf, size_t len, struct xs_perm *p);

/* A transaction of @dom with id @id: a copy of the tree now. */
struct xs_tx *xs_tx_begin(struct xs_store *s, uint32_t id);
/* Commit (or abort): -EAGAIN when a node it used changed. Frees @tx. */
int xs_tx_end(struct xs_store *s, struct xs_tx *tx, domid_t dom, bool commit);

/*
 * Watches of guest connections (host ones: xenstore.h); the caller sends
 * the first event.
 */
int xs_watch_add(struct xs_store *s, struct xs_conn *conn, domid_t dom,
		 const char *path, const char *token, bool relative);
int xs_watch_del(struct xs_store *s, struct xs_conn *conn, const char *path,
		 const char *token);
void xs_watches_drop(struct xs_store *s, struct xs_conn *conn);
unsigned int xs_watch_count(struct xs_store *s, struct xs_conn *conn);
/* Fire the watches of a special path ("@introduceDomain"...). */
void xs_fire_special(struct xs_store *s, const char *name);

/* xs_conn.c: queue a watch event to a guest (bounded, deduplicated). */
void xs_conn_event(struct xs_conn *conn, const char *path, const char *token);
/* xs_conn.c: the server thread. */
void *xs_server_thread(void *arg);
void xs_conns_free(struct xs_store *s);

/* The ERROR name of -errno @err (xs_wire.h's list; EINVAL if absent). */
const char *xs_error_name(int err);

#endif /* PVX_BACKENDS_XS_INTERNAL_H */
