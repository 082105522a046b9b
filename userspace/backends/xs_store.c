// SPDX-License-Identifier: GPL-2.0
/*
 * The xenstore tree: nodes, permissions, transactions, watches, and the
 * host's (domain 0's) API. The rules are xenstored's (Xen
 * docs/misc/xenstore.txt, io/xs_wire.h, tools/xenstored; fact sheet 6):
 *
 * - Paths: absolute, or relative to /local/domain/<domid>; characters
 *   [A-Za-z0-9-/_@], no "//", no trailing '/' but for "/"; absolute at
 *   most 3072 bytes, relative 2048 (XENSTORE_*_PATH_MAX).
 * - Permissions (Xen's model): a node's first entry names its owner and
 *   the access of every domain not listed after it ('n' none, 'r' read,
 *   'w' write, 'b' both). The owner and domain 0 may do anything. Reading
 *   (read, directory, get_perms, watch events) needs r; changing (write,
 *   mkdir, rm, set_perms) needs w on the node, or, to create it, on its
 *   nearest existing ancestor. A created node inherits its parent's
 *   entries, but a guest owns what it creates. Only the owner (or domain
 *   0) sets permissions, and a guest cannot give a node away. So a guest
 *   sees and changes its own subtree and what the host grants it.
 * - Quotas: XS_NODES_PER_DOMAIN nodes owned by one guest, XS_PERMS_PER_NODE
 *   entries, XS_WATCHES_PER_DOMAIN watches; -ENOSPC beyond.
 * - Every change bumps the changed node's generation (and its parent's
 *   when a child comes or goes), and fires the watches on the node and
 *   its ancestors, each only to a domain allowed to read the node; a
 *   removal also fires watches set below it, with their own path.
 * - Transactions: a private copy of the tree at start; the paths it
 *   looked at are recorded with their generation; at commit, if any of
 *   them changed since, -EAGAIN (the client retries the whole
 *   transaction); otherwise its changes are replayed on the live tree
 *   (so watches fire at commit only).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "xs_internal.h"

static const char *const xs_error_names[] = XSD_ERRORS_NAMES;
static const int xs_error_values[] = {
	EINVAL, EACCES, EEXIST, EISDIR, ENOENT, ENOMEM, ENOSPC, EIO,
	ENOTEMPTY, ENOSYS, EROFS, EBUSY, EAGAIN, EISCONN, E2BIG, EPERM,
};
_Static_assert(sizeof(xs_error_names) / sizeof(xs_error_names[0]) ==
	       sizeof(xs_error_values) / sizeof(xs_error_values[0]), "xsd_errors");

const char *xs_error_name(int err)
{
	for (size_t i = 0; i < sizeof(xs_error_values) / sizeof(xs_error_values[0]); i++)
		if (xs_error_values[i] == -err)
			return xs_error_names[i];
	return "EINVAL";
}

static bool path_char_ok(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '-' || ch == '/' || ch == '_' ||
	       ch == '@';
}

int xs_canon_path(domid_t dom, const char *in, char *out, bool special)
{
	size_t len = strnlen(in, XS_PATH_BUF);
	int n;

	if (!len || len >= XS_PATH_BUF)
		return -EINVAL;
	if (in[0] == '@') {
		if (!special || len > 64)
			return -EINVAL;
	} else if (in[0] != '/' && len > XENSTORE_REL_PATH_MAX) {
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++)
		if (!path_char_ok(in[i]) || (in[i] == '/' && in[i + 1] == '/'))
			return -EINVAL;
	if (len > 1 && in[len - 1] == '/')
		return -EINVAL;
	if (in[0] == '/' || in[0] == '@')
		n = snprintf(out, XS_PATH_BUF, "%s", in);
	else
		n = snprintf(out, XS_PATH_BUF, "/local/domain/%u/%s", dom, in);
	return n < 0 || n > XENSTORE_ABS_PATH_MAX ? -EINVAL : 0;
}

/* Tree primitives. */

static struct xs_node *child(const struct xs_node *n, const char *name, size_t len)
{
	for (struct xs_node *c = n->children; c; c = c->next)
		if (!strncmp(c->name, name, len) && !c->name[len])
			return c;
	return NULL;
}

/* The node at absolute @path, or NULL. With @deepest: the nearest ancestor. */
static struct xs_node *walk(struct xs_node *root, const char *path,
			    struct xs_node **deepest)
{
	struct xs_node *n = root;
	const char *p = path + 1;

	while (*p) {
		const char *e = strchrnul(p, '/');
		struct xs_node *c = child(n, p, (size_t)(e - p));

		if (!c) {
			if (deepest)
				*deepest = n;
			return NULL;
		}
		n = c;
		p = *e ? e + 1 : e;
	}
	if (deepest)
		*deepest = n;
	return n;
}

static void node_free(struct xs_node *n)
{
	while (n) {
		struct xs_node *next = n->next;

		node_free(n->children);
		free(n->name);
		free(n->value);
		free(n->perms);
		free(n);
		n = next;
	}
}

static struct xs_node *node_copy(const struct xs_node *n, struct xs_node *parent)
{
	struct xs_node *c = calloc(1, sizeof(*c)), **tail;

	if (!c)
		return NULL;
	*c = *n;
	c->parent = parent;
	c->next = c->children = NULL;
	c->name = strdup(n->name);
	c->value = malloc(n->len + 1);
	c->perms = malloc(n->nperms * sizeof(*n->perms));
	if (!c->name || !c->value || !c->perms) {
		free(c->name);
		free(c->value);
		free(c->perms);
		free(c);
		return NULL;
	}
	memcpy(c->value, n->value, n->len + 1);
	memcpy(c->perms, n->perms, n->nperms * sizeof(*n->perms));
	tail = &c->children;
	for (const struct xs_node *k = n->children; k; k = k->next) {
		*tail = node_copy(k, c);
		if (!*tail) {
			node_free(c);
			return NULL;
		}
		tail = &(*tail)->next;
	}
	return c;
}

/* Permissions. */

#define XS_R 1
#define XS_W 2

static unsigned int perm_bits(char p)
{
	return p == 'r' ? XS_R : p == 'w' ? XS_W : p == 'b' ? XS_R | XS_W : 0;
}

static unsigned int access_of(const struct xs_node *n, domid_t dom)
{
	if (dom == 0 || n->perms[0].id == dom)
		return XS_R | XS_W;
	for (uint32_t i = 1; i < n->nperms; i++)
		if (n->perms[i].id == dom)
			return perm_bits(n->perms[i].perm);
	return perm_bits(n->perms[0].perm);
}

int xs_parse_perms(const char *buf, size_t len, struct xs_perm *p)
{
	int n = 0;

	for (size_t i = 0; i < len;) {
		const char *s = buf + i;
		size_t l = strnlen(s, len - i);
		unsigned long id;
		char *end;

		if (l == len - i)	/* every entry ends with NUL */
			return -EINVAL;
		if (n == XS_PERMS_PER_NODE)
			return -ENOSPC;
		if (l < 2 || !strchr("nrwb", s[0]) || s[1] < '0' || s[1] > '9')
			return -EINVAL;
		id = strtoul(s + 1, &end, 10);
		if (*end || id >= DOMID_FIRST_RESERVED)
			return -EINVAL;
		p[n++] = (struct xs_perm){ .id = (domid_t)id, .perm = s[0] };
		i += l + 1;
	}
	return n ? n : -EINVAL;
}

/* Transactions record what they look at. */

static void tx_note(struct xs_ctx *c, const char *path)
{
	struct xs_access *a;
	struct xs_node *n;
	size_t len;

	if (!c->tx)
		return;
	for (a = c->tx->accesses; a; a = a->next)
		if (!strcmp(a->path, path))
			return;
	len = strlen(path);
	a = malloc(sizeof(*a) + len + 1);
	if (!a)
		return;	/* then it cannot conflict: commit below re-checks nothing */
	n = walk(c->tx->root, path, NULL);
	a->gen = n ? n->gen : 0;
	memcpy(a->path, path, len + 1);
	a->next = c->tx->accesses;
	c->tx->accesses = a;
}

static int tx_log(struct xs_ctx *c, uint32_t type, const char *path, const void *data,
		  uint32_t len, size_t data_bytes)
{
	struct xs_txop *op;
	size_t plen = strlen(path);

	if (c->tx->nops >= XS_TX_OPS)
		return -ENOSPC;
	op = malloc(sizeof(*op) + plen + 1);
	if (!op)
		return -ENOMEM;
	op->data = data_bytes ? malloc(data_bytes) : NULL;
	if (data_bytes && !op->data) {
		free(op);
		return -ENOMEM;
	}
	if (data_bytes)
		memcpy(op->data, data, data_bytes);
	op->type = type;
	op->len = len;
	memcpy(op->path, path, plen + 1);
	op->next = NULL;
	*c->tx->ops_tail = op;
	c->tx->ops_tail = &op->next;
	c->tx->nops++;
	return 0;
}

static struct xs_node *ctx_root(struct xs_ctx *c)
{
	return c->tx ? c->tx->root : c->s->root;
}

/* Watches. */

static bool path_under(const char *path, const char *top)
{
	size_t l = strlen(top);

	if (!strcmp(top, "/"))
		return path[0] == '/';
	return !strncmp(path, top, l) && (path[l] == '/' || !path[l]);
}

static void host_watch_event(struct xs_host_watch *w, const char *path);

static void watch_deliver(struct xs_watch *w, const char *path)
{
	char prefix[32];
	size_t l;

	if (w->host) {
		host_watch_event(w->host, path);
		return;
	}
	l = (size_t)snprintf(prefix, sizeof(prefix), "/local/domain/%u/", w->dom);
	if (w->relative && !strncmp(path, prefix, l))
		path += l;
	xs_conn_event(w->conn, path, w->token);
}

/*
 * Fire for a change of the node at @path whose permissions are @n's; with
 * @removed, watches below it fire too, with their own path.
 */
static void fire(struct xs_ctx *c, const char *path, const struct xs_node *n,
		 bool removed)
{
	if (c->tx)
		return;	/* at commit */
	for (struct xs_watch *w = c->s->watches; w; w = w->next) {
		if (!(access_of(n, w->dom) & XS_R))
			continue;
		if (path_under(path, w->path))
			watch_deliver(w, path);
		else if (removed && path_under(w->path, path))
			watch_deliver(w, w->path);
	}
}

/* Operations. */

static int lookup(struct xs_ctx *c, const char *path, unsigned int need,
		  struct xs_node **np)
{
	struct xs_node *n;

	tx_note(c, path);
	n = walk(ctx_root(c), path, NULL);
	if (!n)
		return -ENOENT;
	if ((access_of(n, c->dom) & need) != need)
		return -EACCES;
	*np = n;
	return 0;
}

int xs_do_read(struct xs_ctx *c, const char *path, const char **val, uint32_t *len)
{
	struct xs_node *n;
	int e = lookup(c, path, XS_R, &n);

	if (e)
		return e;
	*val = n->value;
	*len = n->len;
	return 0;
}

static int set_value(struct xs_node *n, const void *val, uint32_t len)
{
	char *v = malloc(len + 1);

	if (!v)
		return -ENOMEM;
	memcpy(v, val, len);
	v[len] = '\0';
	free(n->value);
	n->value = v;
	n->len = len;
	return 0;
}

static struct xs_node *new_child(struct xs_ctx *c, struct xs_node *parent,
				 const char *name, size_t len)
{
	struct xs_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->name = strndup(name, len);
	n->value = calloc(1, 1);
	n->perms = malloc(parent->nperms * sizeof(*n->perms));
	if (!n->name || !n->value || !n->perms) {
		node_free(n);
		return NULL;
	}
	memcpy(n->perms, parent->perms, parent->nperms * sizeof(*n->perms));
	n->nperms = parent->nperms;
	if (c->dom)
		n->perms[0].id = c->dom;	/* guests own what they create */
	n->parent = parent;
	n->next = parent->children;
	parent->children = n;
	n->gen = parent->gen = ++c->s->gen;
	if (!c->tx)
		c->s->nodes[n->perms[0].id]++;
	return n;
}

/* The node at @path, created with its missing ancestors if need be. */
static int create(struct xs_ctx *c, const char *path, struct xs_node **np, bool *made)
{
	struct xs_node *deepest, *n = walk(ctx_root(c), path, &deepest);
	const char *p;
	unsigned int missing = 0;

	*made = false;
	if (n) {
		*np = n;
		return 0;
	}
	if (!(access_of(deepest, c->dom) & XS_W))
		return -EACCES;
	/* how many nodes the path still needs, against the guest's quota */
	for (p = path + 1; *p; p++)
		missing += *p == '/';
	missing++;
	for (const struct xs_node *a = deepest; a->parent; a = a->parent)
		missing--;
	if (c->dom && !c->tx && c->s->nodes[c->dom] + missing > XS_NODES_PER_DOMAIN)
		return -ENOSPC;
	/* create below the deepest existing node, element by element */
	n = deepest;
	p = path + 1;
	for (const struct xs_node *a = deepest; a->parent; a = a->parent)
		p = strchrnul(p, '/') + 1;
	while (*p) {
		const char *e = strchrnul(p, '/');

		n = new_child(c, n, p, (size_t)(e - p));
		if (!n)
			return -ENOMEM;
		p = *e ? e + 1 : e;
	}
	*np = n;
	*made = true;
	return 0;
}

/* Note every prefix of @path for a transaction (creation may touch each). */
static void tx_note_chain(struct xs_ctx *c, const char *path)
{
	char buf[XS_PATH_BUF];

	if (!c->tx)
		return;
	pvbe_strlcpy(buf, path, sizeof(buf));
	for (char *slash = strrchr(buf, '/'); slash; slash = strrchr(buf, '/')) {
		tx_note(c, buf);
		if (slash == buf)
			break;
		*slash = '\0';
	}
	tx_note(c, "/");
}

int xs_do_write(struct xs_ctx *c, const char *path, const void *val, uint32_t len)
{
	struct xs_node *n;
	bool made;
	int e;

	if (path[0] != '/')
		return -EINVAL;
	tx_note_chain(c, path);
	e = create(c, path, &n, &made);
	if (e)
		return e;
	if (!made && !(access_of(n, c->dom) & XS_W))
		return -EACCES;
	e = set_value(n, val, len);
	if (e)
		return e;
	n->gen = ++c->s->gen;
	if (c->tx)
		return tx_log(c, XS_WRITE, path, val, len, len);
	fire(c, path, n, false);
	return 0;
}

int xs_do_mkdir(struct xs_ctx *c, const char *path)
{
	struct xs_node *n;
	bool made;
	int e;

	if (path[0] != '/')
		return -EINVAL;
	tx_note_chain(c, path);
	e = create(c, path, &n, &made);
	if (e || !made)
		return e;
	if (c->tx)
		return tx_log(c, XS_MKDIR, path, NULL, 0, 0);
	fire(c, path, n, false);
	return 0;
}

static void count_removed(struct xs_store *s, const struct xs_node *n)
{
	for (const struct xs_node *k = n->children; k; k = k->next)
		count_removed(s, k);
	if (s->nodes[n->perms[0].id])
		s->nodes[n->perms[0].id]--;
}

int xs_do_rm(struct xs_ctx *c, const char *path)
{
	struct xs_node *n, *deepest, **link;
	char parent[XS_PATH_BUF];
	int e;

	if (path[0] != '/' || !strcmp(path, "/"))
		return -EINVAL;
	tx_note(c, path);
	n = walk(ctx_root(c), path, &deepest);
	if (!n) {
		/* absent: fine if the parent exists (xenstore.txt) */
		pvbe_strlcpy(parent, path, sizeof(parent));
		*strrchr(parent, '/') = '\0';
		return walk(ctx_root(c), parent[0] ? parent : "/", NULL) ? 0 : -ENOENT;
	}
	if (!(access_of(n, c->dom) & XS_W))
		return -EACCES;
	if (c->tx) {
		e = tx_log(c, XS_RM, path, NULL, 0, 0);
		if (e)
			return e;
	} else {
		fire(c, path, n, true);
		count_removed(c->s, n);
	}
	for (link = &n->parent->children; *link != n; link = &(*link)->next)
		;
	*link = n->next;
	n->next = NULL;
	n->parent->gen = ++c->s->gen;
	node_free(n);
	return 0;
}

int xs_do_directory(struct xs_ctx *c, const char *path, char *out, size_t size,
		    size_t *len)
{
	struct xs_node *n;
	int e = lookup(c, path, XS_R, &n);
	size_t pos = 0;

	if (e)
		return e;
	for (struct xs_node *k = n->children; k; k = k->next) {
		size_t l = strlen(k->name) + 1;

		if (pos + l > size)
			return -E2BIG;
		memcpy(out + pos, k->name, l);
		pos += l;
	}
	*len = pos;
	return 0;
}

int xs_do_get_perms(struct xs_ctx *c, const char *path, char *out, size_t size,
		    size_t *len)
{
	struct xs_node *n;
	int e = lookup(c, path, XS_R, &n);
	size_t pos = 0;

	if (e)
		return e;
	for (uint32_t i = 0; i < n->nperms; i++) {
		int w = snprintf(out + pos, size - pos, "%c%u", n->perms[i].perm,
				 n->perms[i].id);

		if (w < 0 || (size_t)w + 1 > size - pos)
			return -E2BIG;
		pos += (size_t)w + 1;	/* keep the NUL */
	}
	*len = pos;
	return 0;
}

int xs_do_set_perms(struct xs_ctx *c, const char *path, const struct xs_perm *p,
		    unsigned int np)
{
	struct xs_node *n;
	struct xs_perm *copy;
	int e;

	if (path[0] != '/' || !np || np > XS_PERMS_PER_NODE)
		return -EINVAL;
	e = lookup(c, path, XS_W, &n);
	if (e)
		return e;
	if (c->dom && n->perms[0].id != c->dom)
		return -EACCES;	/* only the owner */
	if (c->dom && p[0].id != c->dom)
		return -EPERM;	/* a guest cannot give a node away */
	copy = malloc(np * sizeof(*p));
	if (!copy)
		return -ENOMEM;
	memcpy(copy, p, np * sizeof(*p));
	if (!c->tx && n->perms[0].id != p[0].id) {
		if (c->s->nodes[n->perms[0].id])
			c->s->nodes[n->perms[0].id]--;
		c->s->nodes[p[0].id]++;
	}
	free(n->perms);
	n->perms = copy;
	n->nperms = np;
	n->gen = ++c->s->gen;
	if (c->tx)
		return tx_log(c, XS_SET_PERMS, path, p, np, np * sizeof(*p));
	fire(c, path, n, false);
	return 0;
}

/* Transactions. */

struct xs_tx *xs_tx_begin(struct xs_store *s, uint32_t id)
{
	struct xs_tx *tx = calloc(1, sizeof(*tx));

	if (!tx)
		return NULL;
	tx->root = node_copy(s->root, NULL);
	if (!tx->root) {
		free(tx);
		return NULL;
	}
	tx->id = id;
	tx->ops_tail = &tx->ops;
	return tx;
}

static void tx_free(struct xs_tx *tx)
{
	while (tx->accesses) {
		struct xs_access *a = tx->accesses;

		tx->accesses = a->next;
		free(a);
	}
	while (tx->ops) {
		struct xs_txop *op = tx->ops;

		tx->ops = op->next;
		free(op->data);
		free(op);
	}
	node_free(tx->root);
	free(tx);
}

static int replay(struct xs_ctx *live, const struct xs_txop *op)
{
	switch (op->type) {
	case XS_WRITE:
		return xs_do_write(live, op->path, op->data, op->len);
	case XS_MKDIR:
		return xs_do_mkdir(live, op->path);
	case XS_RM:
		return xs_do_rm(live, op->path);
	default:
		return xs_do_set_perms(live, op->path, op->data, op->len);
	}
}

int xs_tx_end(struct xs_store *s, struct xs_tx *tx, domid_t dom, bool commit)
{
	struct xs_ctx live = { .s = s, .dom = dom };
	int e = 0;

	if (!commit)
		goto out;
	for (struct xs_access *a = tx->accesses; a; a = a->next) {
		struct xs_node *n = walk(s->root, a->path, NULL);

		if ((n ? n->gen : 0) != a->gen) {
			e = -EAGAIN;
			goto out;
		}
	}
	for (struct xs_txop *op = tx->ops; op && !e; op = op->next)
		e = replay(&live, op);
out:
	tx_free(tx);
	return e;
}

/* Watches. */

static struct xs_watch *watch_new(struct xs_store *s, const char *path, const char *token)
{
	struct xs_watch *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->path = strdup(path);
	w->token = strdup(token);
	if (!w->path || !w->token) {
		free(w->path);
		free(w->token);
		free(w);
		return NULL;
	}
	w->next = s->watches;
	s->watches = w;
	return w;
}

static void watch_unlink(struct xs_store *s, struct xs_watch *w)
{
	for (struct xs_watch **l = &s->watches; *l; l = &(*l)->next) {
		if (*l == w) {
			*l = w->next;
			break;
		}
	}
	free(w->path);
	free(w->token);
	free(w);
}

unsigned int xs_watch_count(struct xs_store *s, struct xs_conn *conn)
{
	unsigned int n = 0;

	for (struct xs_watch *w = s->watches; w; w = w->next)
		n += w->conn == conn;
	return n;
}

int xs_watch_add(struct xs_store *s, struct xs_conn *conn, domid_t dom,
		 const char *path, const char *token, bool relative)
{
	struct xs_watch *w;

	for (w = s->watches; w; w = w->next)
		if (w->conn == conn && !strcmp(w->path, path) && !strcmp(w->token, token))
			return -EEXIST;
	if (xs_watch_count(s, conn) >= XS_WATCHES_PER_DOMAIN)
		return -ENOSPC;
	w = watch_new(s, path, token);
	if (!w)
		return -ENOMEM;
	w->conn = conn;
	w->dom = dom;
	w->relative = relative;
	return 0;
}

int xs_watch_del(struct xs_store *s, struct xs_conn *conn, const char *path,
		 const char *token)
{
	for (struct xs_watch *w = s->watches; w; w = w->next) {
		if (w->conn == conn && !strcmp(w->path, path) && !strcmp(w->token, token)) {
			watch_unlink(s, w);
			return 0;
		}
	}
	return -ENOENT;
}

void xs_watches_drop(struct xs_store *s, struct xs_conn *conn)
{
	struct xs_watch **l = &s->watches;

	while (*l) {
		struct xs_watch *w = *l;

		if (w->conn == conn && !w->host) {
			*l = w->next;
			free(w->path);
			free(w->token);
			free(w);
		} else {
			l = &w->next;
		}
	}
}

void xs_fire_special(struct xs_store *s, const char *name)
{
	for (struct xs_watch *w = s->watches; w; w = w->next)
		if (!strcmp(w->path, name))
			watch_deliver(w, name);
}

/* Host watches: a bounded queue of paths and an eventfd. */

struct xs_host_event {
	struct xs_host_event *next;
	char path[];
};

struct xs_host_watch {
	struct xs_watch *w;
	int fd;
	unsigned int queued;
	uint64_t dropped;
	struct xs_host_event *head, **tail;
};

static void host_watch_event(struct xs_host_watch *hw, const char *path)
{
	struct xs_host_event *ev;
	size_t l = strlen(path);

	for (ev = hw->head; ev; ev = ev->next)
		if (!strcmp(ev->path, path))
			return;	/* the same event is already queued */
	if (hw->queued >= XS_HOST_WATCH_EVENTS) {
		hw->dropped++;
		return;
	}
	ev = malloc(sizeof(*ev) + l + 1);
	if (!ev) {
		hw->dropped++;
		return;
	}
	memcpy(ev->path, path, l + 1);
	ev->next = NULL;
	*hw->tail = ev;
	hw->tail = &ev->next;
	hw->queued++;
	pvbe_eventfd_signal(hw->fd);
}

struct xs_host_watch *xs_host_watch(struct xs_store *s, const char *path)
{
	struct xs_host_watch *hw = calloc(1, sizeof(*hw));
	char abs[XS_PATH_BUF];

	if (!hw || xs_canon_path(0, path, abs, true))
		goto fail;
	hw->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	hw->tail = &hw->head;
	if (hw->fd < 0)
		goto fail;
	pthread_mutex_lock(&s->lock);
	hw->w = watch_new(s, abs, "");
	if (hw->w) {
		hw->w->host = hw;
		host_watch_event(hw, abs);
	}
	pthread_mutex_unlock(&s->lock);
	if (hw->w)
		return hw;
	close(hw->fd);
fail:
	free(hw);
	return NULL;
}

int xs_host_watch_fd(const struct xs_host_watch *w)
{
	return w->fd;
}

int xs_host_watch_next(struct xs_store *s, struct xs_host_watch *hw, char *buf,
		       size_t size)
{
	struct xs_host_event *ev;

	pthread_mutex_lock(&s->lock);
	ev = hw->head;
	if (ev) {
		hw->head = ev->next;
		if (!hw->head)
			hw->tail = &hw->head;
		hw->queued--;
	}
	pthread_mutex_unlock(&s->lock);
	if (!ev)
		return 0;
	pvbe_strlcpy(buf, ev->path, size);
	free(ev);
	return 1;
}

void xs_host_unwatch(struct xs_store *s, struct xs_host_watch *hw)
{
	if (!hw)
		return;
	pthread_mutex_lock(&s->lock);
	watch_unlink(s, hw->w);
	pthread_mutex_unlock(&s->lock);
	while (hw->head) {
		struct xs_host_event *ev = hw->head;

		hw->head = ev->next;
		free(ev);
	}
	close(hw->fd);
	free(hw);
}

/* The host's API: domain 0, the live tree, under the lock. */

static int host_op(const char *path, char *abs)
{
	if (!path || path[0] != '/')
		return -EINVAL;
	return xs_canon_path(0, path, abs, false);
}

/* Guests sleep on their rings: wake the server to deliver queued events. */
static void host_done(struct xs_store *s)
{
	pthread_mutex_unlock(&s->lock);
	pvbe_eventfd_signal(s->wakefd);
}

int xs_host_write(struct xs_store *s, const char *path, const void *val, size_t len)
{
	struct xs_ctx c = { .s = s };
	char abs[XS_PATH_BUF];
	int e = host_op(path, abs);

	if (e)
		return e;
	if (len > XENSTORE_PAYLOAD_MAX)
		return -E2BIG;
	pthread_mutex_lock(&s->lock);
	e = xs_do_write(&c, abs, val, (uint32_t)len);
	host_done(s);
	return e;
}

int xs_host_printf(struct xs_store *s, const char *path, const char *fmt, ...)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -E2BIG;
	return xs_host_write(s, path, buf, (size_t)n);
}

int xs_host_read(struct xs_store *s, const char *path, char *buf, size_t size)
{
	struct xs_ctx c = { .s = s };
	char abs[XS_PATH_BUF];
	const char *val;
	uint32_t len;
	int e = host_op(path, abs);

	if (e)
		return e;
	pthread_mutex_lock(&s->lock);
	e = xs_do_read(&c, abs, &val, &len);
	if (!e) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(buf, val, n);
		buf[n] = '\0';
		e = (int)len;
	}
	pthread_mutex_unlock(&s->lock);
	return e;
}

int xs_host_read_u64(struct xs_store *s, const char *path, uint64_t *v)
{
	char buf[32], *end;
	int e = xs_host_read(s, path, buf, sizeof(buf));

	if (e < 0)
		return e;
	if (!e || e >= (int)sizeof(buf) || buf[0] < '0' || buf[0] > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(buf, &end, 10);
	return *end || errno ? -EINVAL : 0;
}

int xs_host_mkdir(struct xs_store *s, const char *path)
{
	struct xs_ctx c = { .s = s };
	char abs[XS_PATH_BUF];
	int e = host_op(path, abs);

	if (e)
		return e;
	pthread_mutex_lock(&s->lock);
	e = xs_do_mkdir(&c, abs);
	host_done(s);
	return e;
}

int xs_host_rm(struct xs_store *s, const char *path)
{
	struct xs_ctx c = { .s = s };
	char abs[XS_PATH_BUF];
	int e = host_op(path, abs);

	if (e)
		return e;
	pthread_mutex_lock(&s->lock);
	e = xs_do_rm(&c, abs);
	host_done(s);
	return e;
}

int xs_host_set_perms(struct xs_store *s, const char *path, const struct xs_perm *p,
		      unsigned int n)
{
	struct xs_ctx c = { .s = s };
	char abs[XS_PATH_BUF];
	int e = host_op(path, abs);

	for (unsigned int i = 0; !e && i < n; i++)
		if (!perm_bits(p[i].perm) && p[i].perm != 'n')
			e = -EINVAL;
	if (e)
		return e;
	pthread_mutex_lock(&s->lock);
	e = xs_do_set_perms(&c, abs, p, n);
	host_done(s);
	return e;
}

int xs_host_directory(struct xs_store *s, const char *path, char *buf, size_t size)
{
	struct xs_ctx c = { .s = s };
	char abs[XS_PATH_BUF];
	size_t len;
	int e = host_op(path, abs);

	if (e)
		return e;
	pthread_mutex_lock(&s->lock);
	e = xs_do_directory(&c, abs, buf, size, &len);
	pthread_mutex_unlock(&s->lock);
	return e ? e : (int)len;
}

struct xs_store *xs_store_create(void)
{
	struct xs_store *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->root = calloc(1, sizeof(*s->root));
	if (!s->root)
		goto fail;
	s->root->name = strdup("");
	s->root->value = calloc(1, 1);
	s->root->perms = calloc(1, sizeof(struct xs_perm));
	s->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	s->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!s->root->name || !s->root->value || !s->root->perms || s->wakefd < 0 ||
	    s->stopfd < 0)
		goto fail;
	s->root->perms[0] = (struct xs_perm){ .id = 0, .perm = 'n' };
	s->root->nperms = 1;
	pthread_mutex_init(&s->lock, NULL);
	if (pthread_create(&s->thread, NULL, xs_server_thread, s)) {
		pthread_mutex_destroy(&s->lock);
		goto fail;
	}
	return s;
fail:
	if (s->wakefd > 0)
		close(s->wakefd);
	if (s->stopfd > 0)
		close(s->stopfd);
	node_free(s->root);
	free(s);
	return NULL;
}

void xs_store_destroy(struct xs_store *s)
{
	if (!s)
		return;
	pvbe_eventfd_signal(s->stopfd);
	pthread_join(s->thread, NULL);
	xs_conns_free(s);
	while (s->watches) {
		struct xs_watch *w = s->watches;

		/* host watches the caller did not remove: free them too */
		if (w->host) {
			struct xs_host_watch *hw = w->host;

			while (hw->head) {
				struct xs_host_event *ev = hw->head;

				hw->head = ev->next;
				free(ev);
			}
			close(hw->fd);
			free(hw);
		}
		watch_unlink(s, w);
	}
	node_free(s->root);
	close(s->wakefd);
	close(s->stopfd);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
