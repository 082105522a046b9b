/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A guest's xenstore client for the backends' unit tests: the frontend
 * side of the xenstore page (io/xs_wire.h) over ioring/'s byte rings and a
 * fake guest's event channel, as Linux's xenbus does it: requests written
 * whole, replies matched by req_id, watch events queued aside.
 */
#ifndef PVX_UNIT_XS_CLIENT_H
#define PVX_UNIT_XS_CLIENT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"
#include "ioring.h"

#define XSC_EVENTS 1024

struct xsc {
	struct fake_guest *g;
	struct xenstore_domain_interface *intf;
	struct ioring_bytes req, rsp;
	uint32_t port;
	uint32_t next_id;
	char *ev[XSC_EVENTS];	/* "path\0token\0" each */
	unsigned int nev, ev_head;
	uint64_t ev_lost;
};

static inline void xsc_init(struct xsc *c, struct fake_guest *g, uint32_t gfn,
			    uint32_t port)
{
	*c = (struct xsc){ .g = g, .port = port, .next_id = 1 };
	c->intf = fake_frame(g, gfn);
	c->req = (struct ioring_bytes){ .buf = c->intf->req, .size = XENSTORE_RING_SIZE,
					.cons = &c->intf->req_cons, .prod = &c->intf->req_prod };
	c->rsp = (struct ioring_bytes){ .buf = c->intf->rsp, .size = XENSTORE_RING_SIZE,
					.cons = &c->intf->rsp_cons, .prod = &c->intf->rsp_prod };
}

static inline void xsc_free(struct xsc *c)
{
	while (c->nev) {
		free(c->ev[c->ev_head]);
		c->ev_head = (c->ev_head + 1) % XSC_EVENTS;
		c->nev--;
	}
}

/* Write all of @len bytes, waiting for room. False after 5 s. */
static inline bool xsc_put(struct xsc *c, const void *buf, uint32_t len)
{
	const char *p = buf;

	while (len) {
		int32_t n = ioring_bytes_write(&c->req, p, len);

		if (n < 0)
			return false;
		if (n) {
			fake_port_send(c->g, c->port);
			p += n;
			len -= (uint32_t)n;
		} else if (!fake_port_wait(c->g, c->port, 5000)) {
			return false;
		}
	}
	return true;
}

/* Read exactly @len bytes, waiting up to @timeout_ms for each piece. */
static inline bool xsc_get(struct xsc *c, void *buf, uint32_t len, int timeout_ms)
{
	char *p = buf;

	while (len) {
		int32_t n = ioring_bytes_read(&c->rsp, p, len);

		if (n < 0)
			return false;
		if (n) {
			fake_port_send(c->g, c->port);	/* room for the server */
			p += n;
			len -= (uint32_t)n;
		} else if (!fake_port_wait(c->g, c->port, timeout_ms)) {
			return false;
		}
	}
	return true;
}

/* One message from the server into @hdr and @body[XENSTORE_PAYLOAD_MAX + 1]. */
static inline bool xsc_recv(struct xsc *c, struct xsd_sockmsg *hdr, char *body,
			    int timeout_ms)
{
	if (!xsc_get(c, hdr, sizeof(*hdr), timeout_ms) || hdr->len > XENSTORE_PAYLOAD_MAX ||
	    !xsc_get(c, body, hdr->len, 5000))
		return false;
	body[hdr->len] = '\0';
	if (hdr->type == XS_WATCH_EVENT) {
		char *ev = malloc(hdr->len + 1);

		if (!ev || c->nev == XSC_EVENTS) {
			free(ev);
			c->ev_lost++;
		} else {
			memcpy(ev, body, hdr->len + 1);
			c->ev[(c->ev_head + c->nev++) % XSC_EVENTS] = ev;
		}
	}
	return true;
}

static inline void xsc_send(struct xsc *c, uint32_t type, uint32_t tx, const void *payload,
			    uint32_t len, uint32_t id)
{
	struct xsd_sockmsg h = { .type = type, .req_id = id, .tx_id = tx, .len = len };

	if (!xsc_put(c, &h, sizeof(h)) || !xsc_put(c, payload, len))
		fprintf(stderr, "# xsc: request not written\n");
}

/*
 * A request; its reply into @reply[XENSTORE_PAYLOAD_MAX + 1] (NUL added),
 * its length into *@rlen. 0 for a reply of the request's type, 1 for an
 * XS_ERROR (the name in @reply), -1 if none came.
 */
static inline int xsc_req(struct xsc *c, uint32_t type, uint32_t tx, const void *payload,
			  uint32_t len, char *reply, uint32_t *rlen)
{
	uint32_t id = c->next_id++;
	struct xsd_sockmsg h;

	xsc_send(c, type, tx, payload, len, id);
	for (;;) {
		if (!xsc_recv(c, &h, reply, 5000))
			return -1;
		if (h.type == XS_WATCH_EVENT)
			continue;
		if (h.req_id != id || h.tx_id != tx)
			return -1;
		if (rlen)
			*rlen = h.len;
		return h.type == XS_ERROR ? 1 : h.type == type ? 0 : -1;
	}
}

/* Two strings as one payload "a\0b\0" (or "a\0b" with @nul2 false). */
static inline uint32_t xsc_two(char *buf, size_t size, const char *a, const char *b,
			       bool nul2)
{
	int n = snprintf(buf, size, "%s%c%s", a, '\0', b);

	return (uint32_t)n + (nul2 ? 1 : 0);
}

/* The common calls: reply text (or error name) in @out; 0, 1 or -1 as above. */
static inline int xsc_path_op(struct xsc *c, uint32_t type, uint32_t tx, const char *path,
			      char *out)
{
	return xsc_req(c, type, tx, path, (uint32_t)strlen(path) + 1, out, NULL);
}

static inline int xsc_write(struct xsc *c, uint32_t tx, const char *path, const char *val,
			    char *out)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	uint32_t n = xsc_two(buf, sizeof(buf), path, val, false);

	return xsc_req(c, XS_WRITE, tx, buf, n, out, NULL);
}

static inline int xsc_watch(struct xsc *c, uint32_t type, const char *path,
			    const char *token, char *out)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	uint32_t n = xsc_two(buf, sizeof(buf), path, token, true);

	return xsc_req(c, type, 0, buf, n, out, NULL);
}

/*
 * The next watch event (waiting up to @timeout_ms for one to arrive):
 * true with its path and token copied out.
 */
static inline bool xsc_event(struct xsc *c, char *path, char *token, int timeout_ms)
{
	static char body[XENSTORE_PAYLOAD_MAX + 1];
	struct xsd_sockmsg h;
	char *ev;

	while (!c->nev) {
		if (!xsc_recv(c, &h, body, timeout_ms))
			return false;
	}
	ev = c->ev[c->ev_head];
	c->ev_head = (c->ev_head + 1) % XSC_EVENTS;
	c->nev--;
	strcpy(path, ev);
	strcpy(token, ev + strlen(ev) + 1);
	free(ev);
	return true;
}

#endif /* PVX_UNIT_XS_CLIENT_H */
