// SPDX-License-Identifier: GPL-2.0
/*
 * The xenstore's wire messages (io/xs_wire.h, docs/misc/xenstore.txt;
 * fact sheet 6.2): one handler per request type in a table indexed by the
 * type, each reading its NUL-terminated arguments from the request's
 * private copy and building its reply; a failure is an XS_ERROR reply
 * whose payload is the errno's name, every reply carries the request's
 * type, req_id and tx_id. What only the toolstack may do (INTRODUCE,
 * RELEASE, RESUME, SET_TARGET, special watches) is EACCES here (the host
 * uses xenstore.h); what pvx does not offer (CONTROL, DIRECTORY_PART,
 * features, quotas) ENOSYS; other types EINVAL. A request with a tx_id
 * acts in that transaction's tree (ENOENT if there is none); at most
 * XS_TX_PER_DOMAIN transactions, no nesting.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs_internal.h"

/* A request's NUL-terminated arguments: how many of @max were found. */
static unsigned int args(char *body, uint32_t len, char **v, unsigned int max)
{
	unsigned int n = 0;

	for (uint32_t i = 0; i < len && n < max;) {
		size_t l = strnlen(body + i, len - i);

		if (i + l == len)
			break;	/* not terminated */
		v[n++] = body + i;
		i += (uint32_t)l + 1;
	}
	return n;
}

static int reply_ok(struct xs_req *r)
{
	memcpy(r->reply, "OK", 3);
	r->rlen = 3;
	return 0;
}

/* The first argument as an absolute path. */
static int path_arg(struct xs_req *r, char *abs, char **rest)
{
	char *v[1];

	if (args(r->body, r->len, v, 1) != 1)
		return -EINVAL;
	if (rest)
		*rest = v[0] + strlen(v[0]) + 1;
	return xs_canon_path(r->c->dom, v[0], abs, false);
}

/* A request naming one path whose answer @op lists into the reply. */
static int list_cmd(struct xs_req *r, int (*op)(struct xs_ctx *c, const char *path,
						char *out, size_t size, size_t *len))
{
	char abs[XS_PATH_BUF];
	size_t len = 0;
	int e = path_arg(r, abs, NULL);

	if (!e)
		e = op(&r->ctx, abs, r->reply, sizeof(r->reply), &len);
	r->rlen = (uint32_t)len;
	return e;
}

static int do_directory(struct xs_req *r)
{
	return list_cmd(r, xs_do_directory);
}

static int do_get_perms(struct xs_req *r)
{
	return list_cmd(r, xs_do_get_perms);
}

static int do_read(struct xs_req *r)
{
	char abs[XS_PATH_BUF];
	const char *val;
	uint32_t len;
	int e = path_arg(r, abs, NULL);

	if (!e)
		e = xs_do_read(&r->ctx, abs, &val, &len);
	if (e)
		return e;
	if (len > sizeof(r->reply))
		return -E2BIG;
	memcpy(r->reply, val, len);	/* raw bytes, no NUL */
	r->rlen = len;
	return 0;
}

static int do_write(struct xs_req *r)
{
	char abs[XS_PATH_BUF], *val;
	int e = path_arg(r, abs, &val);

	if (e)
		return e;
	e = xs_do_write(&r->ctx, abs, val, (uint32_t)(r->body + r->len - val));
	return e ? e : reply_ok(r);
}

/* A request naming one path for @op, answered OK. */
static int path_cmd(struct xs_req *r, int (*op)(struct xs_ctx *c, const char *path))
{
	char abs[XS_PATH_BUF];
	int e = path_arg(r, abs, NULL);

	if (!e)
		e = op(&r->ctx, abs);
	return e ? e : reply_ok(r);
}

static int do_mkdir(struct xs_req *r)
{
	return path_cmd(r, xs_do_mkdir);
}

static int do_rm(struct xs_req *r)
{
	return path_cmd(r, xs_do_rm);
}

static int do_set_perms(struct xs_req *r)
{
	struct xs_perm p[XS_PERMS_PER_NODE];
	char abs[XS_PATH_BUF], *rest;
	int n, e = path_arg(r, abs, &rest);

	if (e)
		return e;
	n = xs_parse_perms(rest, (size_t)(r->body + r->len - rest), p);
	if (n < 0)
		return n;
	e = xs_do_set_perms(&r->ctx, abs, p, (unsigned int)n);
	return e ? e : reply_ok(r);
}

static int do_watch(struct xs_req *r)
{
	char abs[XS_PATH_BUF], *v[2];
	int e;

	if (args(r->body, r->len, v, 2) != 2)
		return -EINVAL;
	e = xs_canon_path(r->c->dom, v[0], abs, true);
	if (e)
		return e;
	if (abs[0] == '@')
		return -EACCES;	/* special watches: the toolstack's */
	e = xs_watch_add(r->c->s, r->c, r->c->dom, abs, v[1], v[0][0] != '/');
	if (e)
		return e;
	/* OK first, then the first event with the path as given */
	xs_conn_queue(r->c, XS_WATCH, r->c->hdr.req_id, r->c->hdr.tx_id, "OK", 3, NULL, 0,
		  false);
	r->queued = true;
	xs_conn_event(r->c, v[0], v[1]);
	return 0;
}

static int do_unwatch(struct xs_req *r)
{
	char abs[XS_PATH_BUF], *v[2];
	int e;

	if (args(r->body, r->len, v, 2) != 2)
		return -EINVAL;
	e = xs_canon_path(r->c->dom, v[0], abs, true);
	if (!e)
		e = xs_watch_del(r->c->s, r->c, abs, v[1]);
	return e ? e : reply_ok(r);
}

static int do_tx_start(struct xs_req *r)
{
	struct xs_conn *c = r->c;
	struct xs_tx *tx;

	if (c->hdr.tx_id)
		return -EBUSY;	/* no nesting */
	if (c->ntx >= XS_TX_PER_DOMAIN)
		return -ENOSPC;
	if (!++c->next_txid)
		c->next_txid = 1;
	tx = xs_tx_begin(c->s, c->next_txid);
	if (!tx)
		return -ENOMEM;
	tx->next = c->txs;
	c->txs = tx;
	c->ntx++;
	r->rlen = (uint32_t)snprintf(r->reply, sizeof(r->reply), "%u", tx->id) + 1;
	return 0;
}

static int do_tx_end(struct xs_req *r)
{
	struct xs_conn *c = r->c;
	char *v[1];
	int e;

	if (args(r->body, r->len, v, 1) != 1 || (strcmp(v[0], "T") && strcmp(v[0], "F")))
		return -EINVAL;
	for (struct xs_tx **l = &c->txs; *l; l = &(*l)->next) {
		struct xs_tx *tx = *l;

		if (tx->id != c->hdr.tx_id)
			continue;
		*l = tx->next;
		c->ntx--;
		e = xs_tx_end(c->s, tx, c->dom, v[0][0] == 'T');
		return e ? e : reply_ok(r);
	}
	return -ENOENT;
}

static int domid_arg(struct xs_req *r, domid_t *dom)
{
	char *v[1], *end;
	unsigned long id;

	if (args(r->body, r->len, v, 1) != 1 || v[0][0] < '0' || v[0][0] > '9')
		return -EINVAL;
	id = strtoul(v[0], &end, 10);
	if (*end || id >= DOMID_FIRST_RESERVED)
		return -EINVAL;
	*dom = (domid_t)id;
	return 0;
}

static int do_get_domain_path(struct xs_req *r)
{
	domid_t dom;
	int e = domid_arg(r, &dom);

	if (e)
		return e;
	r->rlen = (uint32_t)snprintf(r->reply, sizeof(r->reply), "/local/domain/%u", dom) + 1;
	return 0;
}

static int do_is_introduced(struct xs_req *r)
{
	domid_t dom;
	int e = domid_arg(r, &dom);
	bool found = dom == 0;

	if (e)
		return e;
	for (struct xs_conn *c = r->c->s->conns; c; c = c->next)
		found |= c->dom == dom;
	memcpy(r->reply, found ? "T" : "F", 2);
	r->rlen = 2;
	return 0;
}

void xs_conn_drop_txs(struct xs_conn *c)
{
	while (c->txs) {
		struct xs_tx *tx = c->txs;

		c->txs = tx->next;
		xs_tx_end(c->s, tx, c->dom, false);
	}
	c->ntx = 0;
}

static int do_reset_watches(struct xs_req *r)
{
	xs_watches_drop(r->c->s, r->c);
	xs_conn_drop_txs(r->c);
	return reply_ok(r);
}

static int do_privileged(struct xs_req *r)
{
	(void)r;
	return -EACCES;
}

static int do_unsupported(struct xs_req *r)
{
	(void)r;
	return -ENOSYS;
}

/* Dispatch by type; NULL: not a request (server-to-client types, holes). */
static int (*const handlers[XS_TYPE_COUNT])(struct xs_req *) = {
	[XS_CONTROL] = do_unsupported,
	[XS_DIRECTORY] = do_directory,
	[XS_READ] = do_read,
	[XS_GET_PERMS] = do_get_perms,
	[XS_WATCH] = do_watch,
	[XS_UNWATCH] = do_unwatch,
	[XS_TRANSACTION_START] = do_tx_start,
	[XS_TRANSACTION_END] = do_tx_end,
	[XS_INTRODUCE] = do_privileged,
	[XS_RELEASE] = do_privileged,
	[XS_GET_DOMAIN_PATH] = do_get_domain_path,
	[XS_WRITE] = do_write,
	[XS_MKDIR] = do_mkdir,
	[XS_RM] = do_rm,
	[XS_SET_PERMS] = do_set_perms,
	[XS_IS_DOMAIN_INTRODUCED] = do_is_introduced,
	[XS_RESUME] = do_privileged,
	[XS_SET_TARGET] = do_privileged,
	[XS_RESET_WATCHES] = do_reset_watches,
	[XS_DIRECTORY_PART] = do_unsupported,
	[23] = do_unsupported,	/* GET_FEATURE */
	[24] = do_unsupported,	/* SET_FEATURE */
	[25] = do_unsupported,	/* GET_QUOTA */
	[26] = do_unsupported,	/* SET_QUOTA */
};

/* Requests that act in a transaction's tree when tx_id names one. */
static bool in_tx(uint32_t type)
{
	return type == XS_DIRECTORY || type == XS_READ || type == XS_GET_PERMS ||
	       type == XS_WRITE || type == XS_MKDIR || type == XS_RM ||
	       type == XS_SET_PERMS || type == XS_TRANSACTION_END;
}

void xs_wire_handle(struct xs_conn *c)
{
	struct xs_req *r = &c->work;
	uint32_t type = c->hdr.type;
	int e = -EINVAL;

	*r = (struct xs_req){ .c = c, .body = c->body, .len = c->hdr.len,
			     .ctx = { .s = c->s, .dom = c->dom } };
	c->body[c->hdr.len] = '\0';
	c->st.requests++;
	if (type < XS_TYPE_COUNT && handlers[type]) {
		e = 0;
		if (c->hdr.tx_id && in_tx(type) && type != XS_TRANSACTION_END) {
			e = -ENOENT;
			for (struct xs_tx *tx = c->txs; tx; tx = tx->next)
				if (tx->id == c->hdr.tx_id)
					r->ctx.tx = tx, e = 0;
		}
		if (!e)
			e = handlers[type](r);
	}
	if (e) {
		const char *name = xs_error_name(e);

		c->st.errors++;
		xs_conn_queue(c, XS_ERROR, c->hdr.req_id, c->hdr.tx_id, name,
			  (uint32_t)strlen(name) + 1, NULL, 0, false);
	} else if (!r->queued) {
		xs_conn_queue(c, type, c->hdr.req_id, c->hdr.tx_id, r->reply, r->rlen, NULL, 0,
			  false);
	}
}
