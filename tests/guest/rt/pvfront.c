// SPDX-License-Identifier: GPL-2.0
/*
 * The test guests' frontends (pvfront.h): the guest's half of Xen's split
 * drivers, written from the public headers. Rules followed here:
 *  - shared_info and grant frame 0 come from XENMEM_add_to_physmap
 *    (memory.h); grant entries are written domid and frame first, flags
 *    last with release order (grant_table.h), and revoked with one
 *    compare-and-swap that sees GTF_reading/GTF_writing clear;
 *  - the xenstore and console pages are byte rings whose producer writes
 *    data before the index and notifies the port after (io/xs_wire.h,
 *    io/console.h); xenstore replies carry the request's req_id;
 *  - blkif requests go through ioring's front ring (io/ring.h): push,
 *    then notify only when the backend's req_event asks (io/blkif.h);
 *  - the xenbus handshake is io/blkif.h's: the frontend's keys written
 *    in one transaction, Initialised, then Connected after the backend.
 */
#include "guest.h"
#include "hypercall.h"
#include "pvfront.h"

char *pvf_utoa(uint64_t v, char *buf)
{
	char tmp[21];
	int n = 0, i = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		buf[i++] = tmp[--n];
	buf[i] = '\0';
	return buf;
}

static unsigned long slen(const char *s)
{
	unsigned long n = 0;

	while (s[n])
		n++;
	return n;
}

static uint64_t parse_u64(const char *s)
{
	uint64_t v = 0;

	if (!*s)
		return ~0ULL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return ~0ULL;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	return v;
}

static long add_to_physmap(unsigned int space, uint64_t idx, const void *page)
{
	struct xen_add_to_physmap x = { .domid = DOMID_SELF, .space = space, .idx = idx,
					.gpfn = (uintptr_t)page / PVF_PAGE };

	return hypercall2(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, &x);
}

long pvf_domain_init(struct pvf_domain *d, void *shinfo_page, void *gnt_page)
{
	struct gnttab_set_version sv = { .version = 1 };
	long rc = add_to_physmap(XENMAPSPACE_shared_info, 0, shinfo_page);

	if (!rc)
		rc = hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_set_version, &sv, 1);
	if (!rc)
		rc = add_to_physmap(XENMAPSPACE_grant_table, 0, gnt_page);
	d->shinfo = shinfo_page;
	d->gnt = gnt_page;
	return rc;
}

uint64_t pvf_hvm_param(uint32_t index)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index };

	return hypercall2(__HYPERVISOR_hvm_op, HVMOP_get_param, &p) ? ~0ULL : p.value;
}

long pvf_notify(uint32_t port)
{
	struct evtchn_send s = { .port = port };

	return hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_send, &s);
}

long pvf_alloc_unbound(void)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = 0 };
	long rc = hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, &a);

	return rc ? rc : (long)a.port;
}

void pvf_grant(struct pvf_domain *d, uint32_t ref, const void *page, bool ro)
{
	struct grant_entry_v1 *e = &d->gnt[ref];

	if (!page) {
		__atomic_store_n(&e->flags, 0, __ATOMIC_RELEASE);
		return;
	}
	e->domid = 0;
	e->frame = (uint32_t)((uintptr_t)page / PVF_PAGE);
	__atomic_store_n(&e->flags, GTF_permit_access | (ro ? GTF_readonly : 0),
			 __ATOMIC_RELEASE);
}

int pvf_revoke(struct pvf_domain *d, uint32_t ref)
{
	uint16_t *flags = &d->gnt[ref].flags;
	uint16_t f = __atomic_load_n(flags, __ATOMIC_RELAXED);

	do {
		if (f & (GTF_reading | GTF_writing))
			return 0;
	} while (!__atomic_compare_exchange_n(flags, &f, 0, false, __ATOMIC_SEQ_CST,
					      __ATOMIC_RELAXED));
	return 1;
}

void pvf_relax(struct pvf_domain *d)
{
	/* We poll the rings: the notifications only need taking. */
	d->shinfo->vcpu_info[0].evtchn_pending_sel = 0;
	for (unsigned int w = 0; w < 64; w++)
		if (d->shinfo->evtchn_pending[w])
			__atomic_store_n(&d->shinfo->evtchn_pending[w], 0, __ATOMIC_RELAXED);
	hypercall2(__HYPERVISOR_sched_op, SCHEDOP_yield, 0);
}

/* The console. */

bool pvf_console_init(struct pvf_console *c, struct pvf_domain *d)
{
	uint64_t pfn = pvf_hvm_param(HVM_PARAM_CONSOLE_PFN);
	uint64_t port = pvf_hvm_param(HVM_PARAM_CONSOLE_EVTCHN);

	if (!pfn || pfn == ~0ULL || !port || port == ~0ULL)
		return false;
	c->d = d;
	c->intf = (struct xencons_interface *)(uintptr_t)(pfn * PVF_PAGE);
	c->out = (struct ioring_bytes){ .buf = c->intf->out, .size = sizeof(c->intf->out),
					.cons = &c->intf->out_cons, .prod = &c->intf->out_prod };
	c->in = (struct ioring_bytes){ .buf = c->intf->in, .size = sizeof(c->intf->in),
				       .cons = &c->intf->in_cons, .prod = &c->intf->in_prod };
	c->port = (uint32_t)port;
	return true;
}

static bool bytes_put(struct pvf_domain *d, const struct ioring_bytes *r, uint32_t port,
		      const char *s, uint32_t len)
{
	for (long tries = 0; len && tries < PVF_WAIT_TRIES; tries++) {
		int32_t n = ioring_bytes_write(r, s, len);

		if (n < 0)
			return false;
		s += n;
		len -= (uint32_t)n;
		pvf_notify(port);
		if (len)
			pvf_relax(d);
	}
	return !len;
}

bool pvf_console_write(struct pvf_console *c, const char *s)
{
	return bytes_put(c->d, &c->out, c->port, s, (uint32_t)slen(s));
}

/* The consumer moved in_cons: the host may fill the room (io/console.h). */
uint32_t pvf_console_read(struct pvf_console *c, char *buf, uint32_t max)
{
	int32_t n = ioring_bytes_read(&c->in, buf, max);

	if (n <= 0)
		return 0;
	pvf_notify(c->port);
	return (uint32_t)n;
}

/* Xenstore. */

bool pvf_xs_init(struct pvf_xs *x, struct pvf_domain *d)
{
	uint64_t pfn = pvf_hvm_param(HVM_PARAM_STORE_PFN);
	uint64_t port = pvf_hvm_param(HVM_PARAM_STORE_EVTCHN);

	if (!pfn || pfn == ~0ULL || !port || port == ~0ULL)
		return false;
	x->d = d;
	x->intf = (struct xenstore_domain_interface *)(uintptr_t)(pfn * PVF_PAGE);
	x->req = (struct ioring_bytes){ .buf = x->intf->req, .size = XENSTORE_RING_SIZE,
					.cons = &x->intf->req_cons, .prod = &x->intf->req_prod };
	x->rsp = (struct ioring_bytes){ .buf = x->intf->rsp, .size = XENSTORE_RING_SIZE,
					.cons = &x->intf->rsp_cons, .prod = &x->intf->rsp_prod };
	x->port = (uint32_t)port;
	x->next_id = 1;
	return true;
}

bool pvf_xs_put(struct pvf_xs *x, const void *buf, uint32_t len)
{
	return bytes_put(x->d, &x->req, x->port, buf, len);
}

static bool xs_get(struct pvf_xs *x, void *buf, uint32_t len)
{
	char *p = buf;

	for (long tries = 0; len && tries < PVF_WAIT_TRIES; tries++) {
		int32_t n = ioring_bytes_read(&x->rsp, p, len);

		if (n < 0)
			return false;
		p += n;
		len -= (uint32_t)n;
		if (n)
			pvf_notify(x->port);	/* room for the server */
		else
			pvf_relax(x->d);
	}
	return !len;
}

int pvf_xs_req(struct pvf_xs *x, uint32_t type, uint32_t tx, const char *const *parts,
	       unsigned int nparts, bool last_nul)
{
	struct xsd_sockmsg h = { .type = type, .req_id = x->next_id++, .tx_id = tx };

	for (unsigned int i = 0; i < nparts; i++)
		h.len += (uint32_t)slen(parts[i]) + (i + 1 < nparts || last_nul);
	if (h.len > XENSTORE_PAYLOAD_MAX || !pvf_xs_put(x, &h, sizeof(h)))
		return -1;
	for (unsigned int i = 0; i < nparts; i++)
		if (!pvf_xs_put(x, parts[i], (uint32_t)slen(parts[i]) +
				(i + 1 < nparts || last_nul)))
			return -1;
	for (;;) {
		struct xsd_sockmsg r;

		if (!xs_get(x, &r, sizeof(r)) || r.len > XENSTORE_PAYLOAD_MAX ||
		    !xs_get(x, x->reply, r.len))
			return -1;
		x->reply[r.len] = '\0';
		x->reply_len = r.len;
		if (r.type == XS_WATCH_EVENT)
			continue;	/* we set no watches; skip any */
		if (r.req_id != h.req_id)
			return -1;
		return r.type == XS_ERROR ? 1 : r.type == type ? 0 : -1;
	}
}

int pvf_xs_read(struct pvf_xs *x, uint32_t tx, const char *path)
{
	return pvf_xs_req(x, XS_READ, tx, &path, 1, true);
}

uint64_t pvf_xs_read_u64(struct pvf_xs *x, const char *path)
{
	return pvf_xs_read(x, 0, path) ? ~0ULL : parse_u64(x->reply);
}

int pvf_xs_write(struct pvf_xs *x, uint32_t tx, const char *path, const char *val)
{
	const char *parts[2] = { path, val };

	return pvf_xs_req(x, XS_WRITE, tx, parts, 2, false);
}

/* The block frontend. */

static char *cat(char *dst, unsigned long size, const char *a, const char *b)
{
	unsigned long n = 0;

	for (; *a && n + 1 < size; a++)
		dst[n++] = *a;
	for (; *b && n + 1 < size; b++)
		dst[n++] = *b;
	dst[n] = '\0';
	return dst;
}

static uint64_t be_u64(struct pvf_blk *b, const char *key)
{
	char path[128];

	return pvf_xs_read_u64(b->xs, cat(path, sizeof(path), b->be, key));
}

uint64_t pvf_blk_be_state(struct pvf_blk *b)
{
	return be_u64(b, "/state");
}

static bool wait_be_state(struct pvf_blk *b, uint64_t state)
{
	for (long tries = 0; tries < PVF_WAIT_TRIES / 100; tries++) {
		if (pvf_blk_be_state(b) == state)
			return true;
		pvf_relax(b->d);
	}
	return false;
}

static int fe_write(struct pvf_blk *b, uint32_t tx, const char *key, const char *val)
{
	char path[64];

	return pvf_xs_write(b->xs, tx, cat(path, sizeof(path), b->dir, key), val);
}

static int fe_write_u64(struct pvf_blk *b, uint32_t tx, const char *key, uint64_t v)
{
	char num[21];

	return fe_write(b, tx, key, pvf_utoa(v, num));
}

/* ring-ref, event-channel, protocol in one transaction; 0 once committed. */
static int write_keys(struct pvf_blk *b)
{
	for (int again = 0; again < 10; again++) {
		const char *empty = "", *commit = "T";
		uint32_t tx;
		int rc;

		if (pvf_xs_req(b->xs, XS_TRANSACTION_START, 0, &empty, 1, true))
			return -1;
		tx = (uint32_t)parse_u64(b->xs->reply);
		rc = fe_write_u64(b, tx, "/ring-ref", PVF_GREF_RING) ?:
		     fe_write_u64(b, tx, "/event-channel", b->port) ?:
		     fe_write(b, tx, "/protocol", XEN_IO_PROTO_ABI_X86_64);
		if (rc) {
			const char *abort = "F";

			pvf_xs_req(b->xs, XS_TRANSACTION_END, tx, &abort, 1, true);
			return -1;
		}
		rc = pvf_xs_req(b->xs, XS_TRANSACTION_END, tx, &commit, 1, true);
		if (!rc)
			return 0;
		if (rc < 0 || !(b->xs->reply[0] == 'E' && b->xs->reply[1] == 'A'))
			return -1;	/* anything but EAGAIN */
	}
	return -1;
}

bool pvf_blk_connect(struct pvf_blk *b, struct pvf_domain *d, struct pvf_xs *xs,
		     uint32_t devid, void *ring_page)
{
	char num[21], path[64];
	long port;

	b->d = d;
	b->xs = xs;
	cat(b->dir, sizeof(b->dir), "device/vbd/", pvf_utoa(devid, num));
	if (pvf_xs_read(xs, 0, cat(path, sizeof(path), b->dir, "/backend")))
		return false;
	cat(b->be, sizeof(b->be), xs->reply, "");
	if (!wait_be_state(b, XenbusStateInitWait))
		return false;
	ioring_front_init(&b->ring, ring_page, PVF_PAGE, sizeof(struct blkif_request));
	pvf_grant(d, PVF_GREF_RING, ring_page, false);
	port = pvf_alloc_unbound();
	if (port <= 0)
		return false;
	b->port = (uint32_t)port;
	if (write_keys(b) || fe_write_u64(b, 0, "/state", XenbusStateInitialised) ||
	    !wait_be_state(b, XenbusStateConnected))
		return false;
	b->sectors = be_u64(b, "/sectors");
	b->sector_size = be_u64(b, "/sector-size");
	b->info = be_u64(b, "/info");
	b->max_indirect = be_u64(b, "/feature-max-indirect-segments");
	if (b->max_indirect == ~0ULL)
		b->max_indirect = 0;
	return !fe_write_u64(b, 0, "/state", XenbusStateConnected);
}

void pvf_blk_queue(struct pvf_blk *b, const void *req, unsigned long len)
{
	memcpy(ioring_front_next_request(&b->ring), req, len);
}

void pvf_blk_push(struct pvf_blk *b)
{
	if (ioring_front_push(&b->ring))
		pvf_notify(b->port);
}

bool pvf_blk_collect(struct pvf_blk *b, struct blkif_response *out, unsigned int n)
{
	unsigned int got = 0;

	for (long tries = 0; got < n && tries < PVF_WAIT_TRIES; tries++) {
		ioring_idx_t rp;

		if (ioring_front_rsp_prod(&b->ring, &rp))
			return false;
		while (b->ring.rsp_cons != rp && got < n) {
			struct blkif_request slot;	/* a slot's size */

			ioring_front_take_response(&b->ring, &slot);
			memcpy(&out[got++], &slot, sizeof(out[0]));
		}
		if (got < n && !ioring_front_final_check(&b->ring))
			pvf_relax(b->d);
	}
	return got == n;
}

struct blkif_request_segment pvf_blk_seg(uint32_t ref)
{
	return (struct blkif_request_segment){ .gref = ref, .first_sect = 0, .last_sect = 7 };
}
