// SPDX-License-Identifier: GPL-2.0
/*
 * The guests' side of the xenstore: each introduced domain's page (struct
 * xenstore_domain_interface, io/xs_wire.h, docs/misc/xenstore-ring.txt)
 * carries a byte stream of messages (struct xsd_sockmsg + payload) both
 * ways; one server thread serves every domain (as xenstored does), under
 * the store's lock.
 *
 * Framing (fact sheet 6): a message's payload is at most
 * XENSTORE_PAYLOAD_MAX (4096) bytes: a longer one is a protocol error, the
 * page's error field says XENSTORE_ERROR_PROTO and the domain is no longer
 * served (a client exceeding it is disconnected); the same for a broken
 * index pair (prod - cons > 1024: XENSTORE_ERROR_RINGIDX). Each whole
 * request is handled by xs_wire.c.
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

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void xs_conn_queue(struct xs_conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
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
	xs_conn_queue(c, XS_WATCH_EVENT, 0, 0, path, pl, token, tl, true);
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
		xs_wire_handle(c);
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
	xs_conn_drop_txs(c);
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

/*
 * A domain's own nodes, as Xen's toolstack makes them for a domU
 * (tools/libs/light/libxl_create.c: libxl__domain_make, one transaction;
 * docs/misc/xenstore-paths.pandoc), in creation order. "ro": owned by
 * domain 0, readable by the guest ({0 n}{dom r}): the domain directory,
 * cpu/, memory/, device/, control/. "rw": owned by the guest ({dom n}):
 * the nodes it writes, among them control/shutdown (the toolstack's
 * request, which the guest clears), control/sysrq, the feature flags
 * Linux's xen:manage writes at boot (control/feature-poweroff, -reboot,
 * -suspend: its setup_shutdown_watcher stops at the first EACCES), and
 * data/, drivers/, feature/, attr/, error/. control/feature-s3 and -s4
 * are HVM-only in libxl (ACPI sleep): not for a PV or PVH guest.
 */
static const struct domain_node {
	const char *path;
	bool guest_owned;
} domain_nodes[] = {
	{ "cpu", false },
	{ "memory", false },
	{ "device", false },
	{ "device/suspend/event-channel", true },
	{ "control", false },
	{ "control/shutdown", true },
	{ "control/feature-poweroff", true },
	{ "control/feature-reboot", true },
	{ "control/feature-suspend", true },
	{ "control/sysrq", true },
	{ "data", true },
	{ "drivers", true },
	{ "feature", true },
	{ "attr", true },
	{ "error", true },
};

/*
 * Values the toolstack writes as domain 0 (read-only to the guest):
 * Linux's xenbus sends XS_RESET_WATCHES only when the second says it may.
 */
static const char *const domain_flags[] = {
	"control/platform-feature-multiprocessor-suspend",
	"control/platform-feature-xs_reset_watches",
};

static int make_domain_dirs(struct xs_store *s, domid_t dom)
{
	struct xs_ctx ctx = { .s = s };
	struct xs_perm roperm[2] = { { 0, 'n' }, { dom, 'r' } };
	struct xs_perm rwperm[1] = { { dom, 'n' } };
	char path[XS_PATH_BUF], base[32];
	int e;

	snprintf(base, sizeof(base), "/local/domain/%u", dom);
	e = xs_do_mkdir(&ctx, base) ?: xs_do_set_perms(&ctx, base, roperm, 2);
	for (size_t i = 0; !e && i < sizeof(domain_nodes) / sizeof(domain_nodes[0]); i++) {
		const struct domain_node *n = &domain_nodes[i];

		snprintf(path, sizeof(path), "%s/%s", base, n->path);
		e = xs_do_mkdir(&ctx, path) ?:
		    xs_do_set_perms(&ctx, path, n->guest_owned ? rwperm : roperm,
				    n->guest_owned ? 1 : 2);
	}
	for (size_t i = 0; !e && i < sizeof(domain_flags) / sizeof(domain_flags[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", base, domain_flags[i]);
		e = xs_do_write(&ctx, path, "1", 1);
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
