// SPDX-License-Identifier: GPL-2.0
/*
 * The guests' side of the xenstore: each introduced domain's page (struct
 * xenstore_domain_interface, io/xs_wire.h, docs/misc/xenstore-ring.txt)
 * carries a byte stream of messages (struct xsd_sockmsg + payload) both
 * ways; one server thread serves every domain (as xenstored does), under
 * the store's lock.
 *
 * Wire rules (fact sheet 6): a message's payload is at most
 * XENSTORE_PAYLOAD_MAX (4096) bytes: a longer one is a protocol error, the
 * page's error field says XENSTORE_ERROR_PROTO and the domain is no longer
 * served (a client exceeding it is disconnected); the same for a broken
 * index pair (prod - cons > 1024: XENSTORE_ERROR_RINGIDX). Replies carry
 * the request's type, req_id and tx_id; a failure is an XS_ERROR reply
 * whose payload is the errno's name. The dispatch is a table indexed by
 * type; what only the toolstack may do (INTRODUCE, RELEASE, ...) is
 * EACCES here (the host uses xenstore.h), what pvx does not offer ENOSYS.
 *
 * Hardening (XSA-326, XSA-324, XSA-349): at most XS_PENDING_REPLIES
 * answered requests wait for the guest to read them; beyond that the
 * server stops reading its requests (they stay in its ring). At most
 * XS_PENDING_EVENTS watch events wait; more are dropped and counted, an
 * event already queued is not queued twice, and an event whose path and
 * token exceed 4096 bytes is dropped. A domain whose notifications find
 * no work twice in a row is not polled for 2^(n-2) ms (at most 1 s), so an
 * event storm costs the server a bounded number of passes.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ioring.h"
#include "xs_internal.h"

struct xs_msg {
	struct xs_msg *next;
	uint32_t len, off;	/* bytes incl. the header; bytes written */
	bool event;
	unsigned char data[];
};

struct xs_conn;

/* A request: its connection, context, arguments; the reply it builds. */
struct xs_req {
	struct xs_conn *c;
	struct xs_ctx ctx;
	char *body;
	uint32_t len;
	char reply[XENSTORE_PAYLOAD_MAX];
	uint32_t rlen;
	bool queued;	/* the handler queued its reply itself */
};

struct xs_conn {
	struct xs_conn *next;
	struct xs_store *s;
	struct pvbe_transport *t;
	domid_t dom;
	struct pvbe_map page;
	struct xenstore_domain_interface *intf;
	struct ioring_bytes req, rsp;
	uint32_t port;
	int evfd;
	/* the request being read */
	struct xsd_sockmsg hdr;
	uint32_t have;		/* bytes of header + payload read */
	char body[XENSTORE_PAYLOAD_MAX + 1];
	struct xs_req work;	/* its handling */
	/* what waits for room in the rsp ring */
	struct xs_msg *out, **out_tail;
	unsigned int replies, events;
	struct xs_tx *txs;
	unsigned int ntx;
	uint32_t next_txid;
	bool broken;
	/* event-storm damping: the guest's indices at the last pass */
	ioring_idx_t seen_req_prod, seen_rsp_cons;
	unsigned int spurious;
	uint64_t quiet_until_ms;
	struct xs_conn_stats st;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void queue_msg(struct xs_conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
		      const void *p1, uint32_t l1, const void *p2, uint32_t l2, bool event)
{
	struct xs_msg *m = malloc(sizeof(*m) + sizeof(struct xsd_sockmsg) + l1 + l2);
	struct xsd_sockmsg h = { .type = type, .req_id = req_id, .tx_id = tx_id,
				 .len = l1 + l2 };

	if (!m) {
		c->broken = true;	/* cannot answer: stop, as on ENOMEM */
		return;
	}
	memcpy(m->data, &h, sizeof(h));
	memcpy(m->data + sizeof(h), p1, l1);
	if (l2)
		memcpy(m->data + sizeof(h) + l1, p2, l2);
	m->len = (uint32_t)sizeof(h) + l1 + l2;
	m->off = 0;
	m->event = event;
	m->next = NULL;
	*c->out_tail = m;
	c->out_tail = &m->next;
	if (event)
		c->events++;
	else
		c->replies++;
}

void xs_conn_event(struct xs_conn *c, const char *path, const char *token)
{
	uint32_t pl = (uint32_t)strlen(path) + 1, tl = (uint32_t)strlen(token) + 1;

	if (pl + tl > XENSTORE_PAYLOAD_MAX || c->events >= XS_PENDING_EVENTS) {
		c->st.events_dropped++;
		return;
	}
	for (struct xs_msg *m = c->out; m; m = m->next) {
		const char *p = (const char *)m->data + sizeof(struct xsd_sockmsg);

		if (m->event && !m->off && m->len == sizeof(struct xsd_sockmsg) + pl + tl &&
		    !memcmp(p, path, pl) && !memcmp(p + pl, token, tl))
			return;	/* already queued */
	}
	c->st.events++;
	queue_msg(c, XS_WATCH_EVENT, 0, 0, path, pl, token, tl, true);
}

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

static int do_directory(struct xs_req *r)
{
	char abs[XS_PATH_BUF];
	size_t len;
	int e = path_arg(r, abs, NULL);

	if (!e)
		e = xs_do_directory(&r->ctx, abs, r->reply, sizeof(r->reply), &len);
	r->rlen = (uint32_t)len;
	return e;
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

static int do_get_perms(struct xs_req *r)
{
	char abs[XS_PATH_BUF];
	size_t len;
	int e = path_arg(r, abs, NULL);

	if (!e)
		e = xs_do_get_perms(&r->ctx, abs, r->reply, sizeof(r->reply), &len);
	r->rlen = (uint32_t)len;
	return e;
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

static int do_mkdir(struct xs_req *r)
{
	char abs[XS_PATH_BUF];
	int e = path_arg(r, abs, NULL);

	if (!e)
		e = xs_do_mkdir(&r->ctx, abs);
	return e ? e : reply_ok(r);
}

static int do_rm(struct xs_req *r)
{
	char abs[XS_PATH_BUF];
	int e = path_arg(r, abs, NULL);

	if (!e)
		e = xs_do_rm(&r->ctx, abs);
	return e ? e : reply_ok(r);
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
	queue_msg(r->c, XS_WATCH, r->c->hdr.req_id, r->c->hdr.tx_id, "OK", 3, NULL, 0,
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

static void drop_txs(struct xs_conn *c)
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
	drop_txs(r->c);
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

static void handle(struct xs_conn *c)
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
		queue_msg(c, XS_ERROR, c->hdr.req_id, c->hdr.tx_id, name,
			  (uint32_t)strlen(name) + 1, NULL, 0, false);
	} else if (!r->queued) {
		queue_msg(c, type, c->hdr.req_id, c->hdr.tx_id, r->reply, r->rlen, NULL, 0,
			  false);
	}
}

static void set_broken(struct xs_conn *c, uint32_t error)
{
	c->broken = true;
	c->st.broken = true;
	c->st.ring_error = error;
	*(volatile uint32_t *)&c->intf->error = error;
}

/* Queued messages -> rsp ring. True if bytes went in. */
static bool flush(struct xs_conn *c)
{
	bool moved = false;

	while (c->out && !c->broken) {
		struct xs_msg *m = c->out;
		int32_t n = ioring_bytes_write(&c->rsp, m->data + m->off, m->len - m->off);

		if (n < 0) {
			set_broken(c, XENSTORE_ERROR_RINGIDX);
			break;
		}
		if (!n)
			break;
		moved = true;
		m->off += (uint32_t)n;
		if (m->off < m->len)
			break;
		c->out = m->next;
		if (!c->out)
			c->out_tail = &c->out;
		if (m->event)
			c->events--;
		else
			c->replies--;
		free(m);
	}
	return moved;
}

/*
 * Req ring -> the request being read. 1: a whole request is there; 0:
 * not yet; -1: protocol error. *@moved when bytes were consumed.
 */
static int read_request(struct xs_conn *c, bool *moved)
{
	const uint32_t hl = sizeof(struct xsd_sockmsg);
	int32_t n;

	if (c->have < hl) {
		n = ioring_bytes_read(&c->req, (char *)&c->hdr + c->have, hl - c->have);
		if (n < 0)
			goto bad_ring;
		*moved |= n > 0;
		c->have += (uint32_t)n;
		if (c->have < hl)
			return 0;
		if (c->hdr.len > XENSTORE_PAYLOAD_MAX) {
			set_broken(c, XENSTORE_ERROR_PROTO);
			return -1;
		}
	}
	if (c->have < hl + c->hdr.len) {
		n = ioring_bytes_read(&c->req, c->body + (c->have - hl),
				      hl + c->hdr.len - c->have);
		if (n < 0)
			goto bad_ring;
		*moved |= n > 0;
		c->have += (uint32_t)n;
	}
	return c->have == hl + c->hdr.len;
bad_ring:
	set_broken(c, XENSTORE_ERROR_RINGIDX);
	return -1;
}

/* One pass over a domain: answers out, requests in. True if it did work. */
static bool service(struct xs_conn *c)
{
	bool moved = false;

	if (c->broken)
		return false;
	moved |= flush(c);
	while (!c->broken && c->replies < XS_PENDING_REPLIES) {
		if (read_request(c, &moved) != 1)
			break;
		handle(c);
		c->have = 0;
		moved |= flush(c);
	}
	if (moved || c->broken)
		c->t->ops->notify(c->t, c->port);
	return moved;
}

static void conn_free(struct xs_conn *c)
{
	xs_watches_drop(c->s, c);
	drop_txs(c);
	while (c->out) {
		struct xs_msg *m = c->out;

		c->out = m->next;
		free(m);
	}
	c->t->ops->unbind(c->t, c->port);
	c->t->ops->unmap(c->t, &c->page);
	free(c);
}

void xs_conns_free(struct xs_store *s)
{
	while (s->conns) {
		struct xs_conn *c = s->conns;

		s->conns = c->next;
		conn_free(c);
	}
}

#define XS_MAX_POLL 256

/* Did the guest move an index it owns since the last pass? */
static bool guest_moved(struct xs_conn *c)
{
	ioring_idx_t rp = ioring_load(&c->intf->req_prod);
	ioring_idx_t rc = ioring_load(&c->intf->rsp_cons);
	bool moved = rp != c->seen_req_prod || rc != c->seen_rsp_cons;

	c->seen_req_prod = rp;
	c->seen_rsp_cons = rc;
	return moved;
}

/*
 * Serve one domain. A notification pending on its port counts as
 * spurious when the guest moved none of its indices and the pass found
 * nothing to do; then the domain is left unpolled for a while.
 */
static void pass(struct xs_conn *c, uint64_t now)
{
	uint64_t v;
	bool notified = read(c->evfd, &v, sizeof(v)) == sizeof(v);
	bool moved = guest_moved(c);
	bool work = service(c) || moved;

	if (!notified)
		return;
	c->st.wakeups++;
	if (work) {
		c->spurious = 0;
		return;
	}
	c->st.spurious++;
	if (++c->spurious >= 2)
		c->quiet_until_ms = now + (c->spurious >= 12 ? 1000 : 1u << (c->spurious - 2));
}

void *xs_server_thread(void *arg)
{
	struct xs_store *s = arg;

	for (;;) {
		struct pollfd p[XS_MAX_POLL + 2];
		unsigned int n = 0;
		int timeout = -1;
		uint64_t now = now_ms();

		pthread_mutex_lock(&s->lock);
		for (struct xs_conn *c = s->conns; c && n < XS_MAX_POLL; c = c->next) {
			if (c->broken)
				continue;
			if (c->quiet_until_ms > now) {
				uint64_t left = c->quiet_until_ms - now;

				if (timeout < 0 || left < (uint64_t)timeout)
					timeout = (int)left;
				continue;
			}
			p[n++] = (struct pollfd){ .fd = c->evfd, .events = POLLIN };
		}
		pthread_mutex_unlock(&s->lock);
		p[n] = (struct pollfd){ .fd = s->wakefd, .events = POLLIN };
		p[n + 1] = (struct pollfd){ .fd = s->stopfd, .events = POLLIN };
		if (poll(p, n + 2, timeout) < 0)
			continue;
		if (p[n + 1].revents)
			return NULL;
		if (p[n].revents)
			pvbe_eventfd_clear(s->wakefd);
		pthread_mutex_lock(&s->lock);
		now = now_ms();
		for (struct xs_conn *c = s->conns; c; c = c->next)
			pass(c, now);
		pthread_mutex_unlock(&s->lock);
	}
}

/* The domain's standard directories (as a toolstack makes them). */
static int make_domain_dirs(struct xs_store *s, domid_t dom)
{
	static const char *const own[] = { "data", "drivers", "feature", "attr",
					   "error", "control/shutdown" };
	static const char *const ro[] = { "device", "control" };
	struct xs_ctx ctx = { .s = s };
	struct xs_perm rperm[2] = { { 0, 'n' }, { dom, 'r' } };
	struct xs_perm oweperm[1] = { { dom, 'n' } };
	char path[XS_PATH_BUF], base[32];
	int e;

	snprintf(base, sizeof(base), "/local/domain/%u", dom);
	e = xs_do_mkdir(&ctx, base) ?: xs_do_set_perms(&ctx, base, rperm, 2);
	for (size_t i = 0; !e && i < sizeof(ro) / sizeof(ro[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", base, ro[i]);
		e = xs_do_mkdir(&ctx, path) ?: xs_do_set_perms(&ctx, path, rperm, 2);
	}
	for (size_t i = 0; !e && i < sizeof(own) / sizeof(own[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", base, own[i]);
		e = xs_do_mkdir(&ctx, path) ?: xs_do_set_perms(&ctx, path, oweperm, 1);
	}
	snprintf(path, sizeof(path), "%s/domid", base);
	snprintf(base, sizeof(base), "%u", dom);
	return e ?: xs_do_write(&ctx, path, base, (uint32_t)strlen(base));
}

int xs_introduce(struct xs_store *s, struct pvbe_transport *t, uint64_t gfn,
		 uint32_t *port)
{
	struct xs_conn *c = calloc(1, sizeof(*c));
	int e;

	if (!c)
		return -ENOMEM;
	if (!t->domid || t->domid >= DOMID_FIRST_RESERVED) {
		free(c);
		return -EINVAL;
	}
	c->s = s;
	c->t = t;
	c->dom = t->domid;
	c->out_tail = &c->out;
	e = t->ops->map_gfn(t, gfn, &c->page);
	if (e)
		goto fail;
	e = t->ops->bind(t, port, *port == 0, &c->evfd);
	if (e)
		goto fail_bind;
	c->port = *port;
	c->intf = c->page.addr;
	c->req = (struct ioring_bytes){ .buf = c->intf->req, .size = XENSTORE_RING_SIZE,
					.cons = &c->intf->req_cons, .prod = &c->intf->req_prod };
	c->rsp = (struct ioring_bytes){ .buf = c->intf->rsp, .size = XENSTORE_RING_SIZE,
					.cons = &c->intf->rsp_cons, .prod = &c->intf->rsp_prod };
	c->intf->server_features = XENSTORE_SERVER_FEATURE_ERROR;
	c->intf->connection = XENSTORE_CONNECTED;
	c->intf->error = XENSTORE_ERROR_NONE;
	pthread_mutex_lock(&s->lock);
	for (struct xs_conn *o = s->conns; o; o = o->next)
		if (o->dom == c->dom)
			e = -EEXIST;
	if (!e)
		e = make_domain_dirs(s, c->dom);
	if (!e) {
		c->next = s->conns;
		s->conns = c;
		xs_fire_special(s, "@introduceDomain");
	}
	pthread_mutex_unlock(&s->lock);
	if (!e) {
		pvbe_eventfd_signal(s->wakefd);
		return 0;
	}
	t->ops->unbind(t, c->port);
fail_bind:
	t->ops->unmap(t, &c->page);
fail:
	free(c);
	return e;
}

int xs_release(struct xs_store *s, domid_t dom)
{
	struct xs_ctx ctx = { .s = s };
	struct xs_conn *c = NULL;
	char path[32];

	pthread_mutex_lock(&s->lock);
	for (struct xs_conn **l = &s->conns; *l; l = &(*l)->next) {
		if ((*l)->dom == dom) {
			c = *l;
			*l = c->next;
			break;
		}
	}
	if (c) {
		conn_free(c);
		snprintf(path, sizeof(path), "/local/domain/%u", dom);
		xs_do_rm(&ctx, path);
		xs_fire_special(s, "@releaseDomain");
	}
	pthread_mutex_unlock(&s->lock);
	pvbe_eventfd_signal(s->wakefd);
	return c ? 0 : -ENOENT;
}

int xs_conn_stats(struct xs_store *s, domid_t dom, struct xs_conn_stats *st)
{
	int e = -ENOENT;

	pthread_mutex_lock(&s->lock);
	for (struct xs_conn *c = s->conns; c; c = c->next) {
		if (c->dom == dom) {
			*st = c->st;
			e = 0;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return e;
}
