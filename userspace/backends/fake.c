// SPDX-License-Identifier: GPL-2.0
/*
 * The fake transport of fake.h: a guest's RAM, v1 grant table and event
 * channels in this process, for the backends' host tests. The grant rules
 * are Xen's v1 rules for a mapping/copying domain 0 (grant_table.h, fact
 * sheet 3.3), the same errno/GNTST values as PVX_GNT_MAP / PVX_GNT_COPY of
 * <linux/pvx.h>, so a backend sees here what it will see on pvx.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "fake.h"

/* Xen gives up a changing entry after a few attempts (fact sheet 3.3). */
#define GNT_CAS_RETRIES 4

static struct fake_guest *to_fake(struct pvbe_transport *t)
{
	return (struct fake_guest *)t;
}

static uint32_t *entry_word(struct fake_guest *g, uint32_t ref)
{
	/* flags @0 and domid @2 form one little-endian 32-bit word */
	return (uint32_t *)&g->gnttab[ref];
}

/*
 * Take the entry for a read (and a write with @write): check type, domid,
 * read-only, then set the in-use flags with compare-and-swap. The frame
 * is read after the flags are set (Xen reads it under the pin). Called
 * with g->lock held (the pin counts).
 */
static int16_t gnt_acquire(struct fake_guest *g, uint32_t ref, bool write,
			   uint32_t *frame)
{
	uint32_t *w, old;
	uint16_t use = GTF_reading | (write ? GTF_writing : 0);

	if (ref >= g->nr_grefs)
		return GNTST_bad_gntref;
	w = entry_word(g, ref);
	old = __atomic_load_n(w, __ATOMIC_ACQUIRE);
	for (int i = 0;; i++) {
		uint16_t flags = old & 0xffff, dom = old >> 16;

		if ((flags & GTF_type_mask) != GTF_permit_access || dom != 0)
			return GNTST_permission_denied;
		if (write && (flags & GTF_readonly))
			return GNTST_permission_denied;
		if (__atomic_compare_exchange_n(w, &old, old | use, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			break;
		if (i == GNT_CAS_RETRIES)
			return GNTST_general_error;
	}
	*frame = __atomic_load_n(&g->gnttab[ref].frame, __ATOMIC_ACQUIRE);
	if (*frame < g->gnt_frames || *frame >= g->nr_frames) {
		/* not guest RAM the host may touch: undo what no pin holds */
		uint32_t clear = (g->read_pins[ref] ? 0 : GTF_reading) |
				 (write && !g->write_pins[ref] ? GTF_writing : 0);

		__atomic_fetch_and(w, ~clear, __ATOMIC_RELEASE);
		return GNTST_bad_page;
	}
	return GNTST_okay;
}

static void gnt_release(struct fake_guest *g, uint32_t ref, bool write)
{
	uint32_t clear = 0;

	pthread_mutex_lock(g->lock);
	if (write && !--g->write_pins[ref])
		clear |= GTF_writing;
	if (!--g->read_pins[ref])
		clear |= GTF_reading;
	__atomic_fetch_and(entry_word(g, ref), ~clear, __ATOMIC_RELEASE);
	pthread_mutex_unlock(g->lock);
}

static int16_t gnt_get(struct fake_guest *g, uint32_t ref, bool write, uint32_t *frame)
{
	int16_t st;

	pthread_mutex_lock(g->lock);
	st = gnt_acquire(g, ref, write, frame);
	if (st == GNTST_okay) {
		g->read_pins[ref]++;
		if (write)
			g->write_pins[ref]++;
	}
	pthread_mutex_unlock(g->lock);
	return st;
}

static int fake_map_grant(struct pvbe_transport *t, uint32_t ref, bool readonly,
			  struct pvbe_map *m)
{
	struct fake_guest *g = to_fake(t);
	uint32_t frame;
	int16_t st;

	if (__atomic_load_n(&g->fail_next_maps, __ATOMIC_RELAXED) > 0) {
		__atomic_fetch_sub(&g->fail_next_maps, 1, __ATOMIC_RELAXED);
		return -ENOMEM;
	}
	if (ref >= g->nr_grefs)
		return -EINVAL;
	st = gnt_get(g, ref, !readonly, &frame);
	if (st == GNTST_permission_denied) {
		uint16_t flags = g->gnttab[ref].flags;

		return (flags & GTF_type_mask) == GTF_permit_access &&
		       g->gnttab[ref].domid == 0 ? -EROFS : -EACCES;
	}
	if (st == GNTST_general_error)
		return -EAGAIN;
	if (st != GNTST_okay)
		return -EFAULT;
	*m = (struct pvbe_map){ .addr = fake_frame(g, frame), .fd = -1,
				.ref = ref, .readonly = readonly };
	__atomic_fetch_add(&g->live_maps, 1, __ATOMIC_RELAXED);
	return 0;
}

static int fake_map_gfn(struct pvbe_transport *t, uint64_t gfn, struct pvbe_map *m)
{
	struct fake_guest *g = to_fake(t);

	if (gfn < g->gnt_frames || gfn >= g->nr_frames)
		return -EFAULT;
	*m = (struct pvbe_map){ .addr = fake_frame(g, gfn), .fd = -2,
				.ref = (uint32_t)gfn };
	__atomic_fetch_add(&g->live_maps, 1, __ATOMIC_RELAXED);
	return 0;
}

static void fake_unmap(struct pvbe_transport *t, struct pvbe_map *m)
{
	struct fake_guest *g = to_fake(t);

	if (!m->addr)
		return;
	if (m->fd == -1)	/* a grant, not the toolstack's frame */
		gnt_release(g, m->ref, !m->readonly);
	m->addr = NULL;
	__atomic_fetch_sub(&g->live_maps, 1, __ATOMIC_RELAXED);
}

static int16_t copy_one(struct fake_guest *g, struct pvx_gnt_copy_seg *s)
{
	bool to_guest = s->flags & PVX_GNT_COPY_TO_GUEST;
	unsigned char *page;
	uint32_t frame;
	int16_t st;

	if (s->flags & ~PVX_GNT_COPY_TO_GUEST || s->padding ||
	    (uint32_t)s->offset + s->len > XEN_PAGE_SIZE)
		return GNTST_bad_copy_arg;
	st = gnt_get(g, s->ref, to_guest, &frame);
	if (st != GNTST_okay)
		return st;
	page = (unsigned char *)fake_frame(g, frame) + s->offset;
	if (to_guest)
		memcpy(page, (void *)(uintptr_t)s->buf, s->len);
	else
		memcpy((void *)(uintptr_t)s->buf, page, s->len);
	gnt_release(g, s->ref, to_guest);
	__atomic_fetch_add(&g->copies, 1, __ATOMIC_RELAXED);
	return GNTST_okay;
}

static int fake_copy(struct pvbe_transport *t, struct pvx_gnt_copy_seg *segs,
		     unsigned int nr)
{
	if (!nr || nr > PVX_GNT_MAX_COPY)
		return -EINVAL;
	for (unsigned int i = 0; i < nr; i++)
		segs[i].status = copy_one(to_fake(t), &segs[i]);
	return 0;
}

static int fake_bind(struct pvbe_transport *t, uint32_t *port, bool alloc, int *fd)
{
	struct fake_guest *g = to_fake(t);
	struct fake_port *p;

	if (alloc) {
		int n = fake_port_alloc(g);

		if (n < 0)
			return n;
		*port = (uint32_t)n;
	}
	if (*port >= FAKE_MAX_PORTS || !g->ports[*port].used || g->ports[*port].bound)
		return -EINVAL;
	p = &g->ports[*port];
	p->bound = true;
	*fd = p->to_host;
	return 0;
}

static void fake_unbind(struct pvbe_transport *t, uint32_t port)
{
	struct fake_guest *g = to_fake(t);

	if (port < FAKE_MAX_PORTS)
		g->ports[port].bound = false;
}

static int fake_notify(struct pvbe_transport *t, uint32_t port)
{
	struct fake_guest *g = to_fake(t);

	if (port >= FAKE_MAX_PORTS || !g->ports[port].bound)
		return -EINVAL;
	__atomic_fetch_add(&g->ports[port].host_sends, 1, __ATOMIC_RELAXED);
	pvbe_eventfd_signal(g->ports[port].to_guest);
	return 0;
}

static const struct pvbe_transport_ops fake_ops = {
	.map_grant = fake_map_grant,
	.map_gfn = fake_map_gfn,
	.unmap = fake_unmap,
	.copy = fake_copy,
	.bind = fake_bind,
	.unbind = fake_unbind,
	.notify = fake_notify,
};

struct fake_guest *fake_guest_create(domid_t domid, uint32_t nr_frames,
				     uint32_t gnt_frames)
{
	struct fake_guest *g = calloc(1, sizeof(*g));

	if (!g || gnt_frames >= nr_frames)
		goto fail;
	g->t = (struct pvbe_transport){ .ops = &fake_ops, .domid = domid };
	g->ram = aligned_alloc(XEN_PAGE_SIZE, (size_t)nr_frames * XEN_PAGE_SIZE);
	g->lock = malloc(sizeof(pthread_mutex_t));
	g->nr_frames = nr_frames;
	g->gnt_frames = gnt_frames;
	g->nr_grefs = gnt_frames * GNTTAB_ENTRIES_PER_FRAME;
	g->read_pins = calloc(g->nr_grefs, sizeof(uint32_t));
	g->write_pins = calloc(g->nr_grefs, sizeof(uint32_t));
	if (!g->ram || !g->lock || !g->read_pins || !g->write_pins)
		goto fail;
	memset(g->ram, 0, (size_t)nr_frames * XEN_PAGE_SIZE);
	g->gnttab = (struct grant_entry_v1 *)g->ram;
	pthread_mutex_init(g->lock, NULL);
	return g;
fail:
	if (g) {
		free(g->ram);
		free(g->lock);
		free(g->read_pins);
		free(g->write_pins);
	}
	free(g);
	return NULL;
}

void fake_guest_destroy(struct fake_guest *g)
{
	if (!g)
		return;
	for (int i = 0; i < FAKE_MAX_PORTS; i++) {
		if (g->ports[i].used) {
			close(g->ports[i].to_host);
			close(g->ports[i].to_guest);
		}
	}
	pthread_mutex_destroy(g->lock);
	free(g->lock);
	free(g->read_pins);
	free(g->write_pins);
	free(g->ram);
	free(g);
}

void *fake_frame(struct fake_guest *g, uint32_t frame)
{
	return g->ram + (size_t)frame * XEN_PAGE_SIZE;
}

void fake_grant(struct fake_guest *g, uint32_t ref, uint32_t frame, bool readonly,
		domid_t to)
{
	struct grant_entry_v1 *e = &g->gnttab[ref];

	/* domid and frame first, then the flags that make it valid */
	__atomic_store_n(&e->domid, to, __ATOMIC_RELAXED);
	__atomic_store_n(&e->frame, frame, __ATOMIC_RELAXED);
	__atomic_store_n(&e->flags,
			 (uint16_t)(GTF_permit_access | (readonly ? GTF_readonly : 0)),
			 __ATOMIC_RELEASE);
}

int fake_revoke(struct fake_guest *g, uint32_t ref)
{
	uint16_t *flags = &g->gnttab[ref].flags;
	uint16_t old = __atomic_load_n(flags, __ATOMIC_ACQUIRE);

	do {
		if (old & (GTF_reading | GTF_writing))
			return -EBUSY;
	} while (!__atomic_compare_exchange_n(flags, &old, 0, false, __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE));
	return 0;
}

int fake_port_alloc(struct fake_guest *g)
{
	/* port 0 is never valid (event_channel.h) */
	for (int i = 1; i < FAKE_MAX_PORTS; i++) {
		struct fake_port *p = &g->ports[i];

		if (p->used)
			continue;
		p->to_host = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		p->to_guest = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (p->to_host < 0 || p->to_guest < 0)
			return -EMFILE;
		p->used = true;
		return i;
	}
	return -ENOSPC;
}

void fake_port_send(struct fake_guest *g, uint32_t port)
{
	if (port < FAKE_MAX_PORTS && g->ports[port].used)
		pvbe_eventfd_signal(g->ports[port].to_host);
}

int fake_port_fd(struct fake_guest *g, uint32_t port)
{
	return port < FAKE_MAX_PORTS && g->ports[port].used ? g->ports[port].to_guest : -1;
}

bool fake_port_wait(struct fake_guest *g, uint32_t port, int timeout_ms)
{
	struct pollfd p = { .fd = fake_port_fd(g, port), .events = POLLIN };

	if (p.fd < 0 || poll(&p, 1, timeout_ms) != 1)
		return false;
	pvbe_eventfd_clear(p.fd);
	return true;
}
