// SPDX-License-Identifier: GPL-2.0
/*
 * The xenstore tree: paths, nodes, permissions, the operations on them,
 * transactions (watches: xs_watch.c; the host's API: xs_host.c). The rules are xenstored's (Xen
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
 *   when a child comes or goes), and fires the watches (xs_fire).
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

void xs_node_free(struct xs_node *n)
{
	while (n) {
		struct xs_node *next = n->next;

		xs_node_free(n->children);
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
			xs_node_free(c);
			return NULL;
		}
		tail = &(*tail)->next;
	}
	return c;
}

/* Permissions. */

static unsigned int perm_bits(char p)
{
	return p == 'r' ? XS_R : p == 'w' ? XS_W : p == 'b' ? XS_R | XS_W : 0;
}

unsigned int xs_access(const struct xs_node *n, domid_t dom)
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
	if (!a) {
		c->tx->oom = true;	/* unchecked, so never committed */
		return;
	}
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

/* Operations. */

static int lookup(struct xs_ctx *c, const char *path, unsigned int need,
		  struct xs_node **np)
{
	struct xs_node *n;

	tx_note(c, path);
	n = walk(ctx_root(c), path, NULL);
	if (!n)
		return -ENOENT;
	if ((xs_access(n, c->dom) & need) != need)
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
		xs_node_free(n);
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
	if (!(xs_access(deepest, c->dom) & XS_W))
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
	if (!made && !(xs_access(n, c->dom) & XS_W))
		return -EACCES;
	e = set_value(n, val, len);
	if (e)
		return e;
	n->gen = ++c->s->gen;
	if (c->tx)
		return tx_log(c, XS_WRITE, path, val, len, len);
	xs_fire(c, path, n, false);
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
	xs_fire(c, path, n, false);
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
	if (!(xs_access(n, c->dom) & XS_W))
		return -EACCES;
	if (c->tx) {
		e = tx_log(c, XS_RM, path, NULL, 0, 0);
		if (e)
			return e;
	} else {
		xs_fire(c, path, n, true);
		count_removed(c->s, n);
	}
	for (link = &n->parent->children; *link != n; link = &(*link)->next)
		;
	*link = n->next;
	n->next = NULL;
	n->parent->gen = ++c->s->gen;
	xs_node_free(n);
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
	xs_fire(c, path, n, false);
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
	xs_node_free(tx->root);
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
	if (tx->oom) {
		e = -ENOMEM;
		goto out;
	}
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
