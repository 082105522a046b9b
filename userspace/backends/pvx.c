// SPDX-License-Identifier: GPL-2.0
/*
 * The pvx transport: the backends' access to a guest as pvx gives it to
 * host userspace (uapi/linux/pvx.h, libpvx). Grants are checked by pvx
 * as Xen checks domain 0 (the v1 entry rules, GTF_reading/GTF_writing
 * held while a map or copy lives); event channels are bound to the host
 * with an eventfd that pvx signals on every guest EVTCHNOP_send (pvx
 * coalesces: the eventfd counts, the backend reads it once per pass);
 * the xenstore and console pages are the toolstack's own guest frames,
 * reached through the VM's memory map like any page the host loaded.
 *
 * The libpvx calls used are those of libpvx_evtchn.c and libpvx_grant.c.
 * A grant map is a page mapped with pvx_gnt_map_page(): the grant stays in
 * use until pvx_gnt_unmap_page().
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "libpvx.h"
#include "pvx.h"

struct pvx_transport {
	struct pvbe_transport t;
	struct pvx_vm *vm;
	int evfd[EVTCHN_2L_NR_CHANNELS];	/* the host's eventfd per bound port */
};

static struct pvx_transport *to_pvx(struct pvbe_transport *t)
{
	return (struct pvx_transport *)t;
}

static int pvx_map_grant(struct pvbe_transport *t, uint32_t ref, bool readonly,
			 struct pvbe_map *m)
{
	void *addr;
	int e = pvx_gnt_map_page(to_pvx(t)->vm, ref, readonly ? PVX_GNT_MAP_READONLY : 0,
				 &addr);

	if (e)
		return e;
	*m = (struct pvbe_map){ .addr = addr, .ref = ref, .grant = true,
				.readonly = readonly };
	return 0;
}

static int pvx_map_gfn(struct pvbe_transport *t, uint64_t gfn, struct pvbe_map *m)
{
	void *addr = pvx_gpa_to_host(&to_pvx(t)->vm->mem, gfn << XEN_PAGE_SHIFT,
				     XEN_PAGE_SIZE);

	if (!addr || gfn >> (64 - XEN_PAGE_SHIFT))
		return -EFAULT;
	*m = (struct pvbe_map){ .addr = addr, .ref = (uint32_t)gfn };
	return 0;
}

static void pvx_unmap(struct pvbe_transport *t, struct pvbe_map *m)
{
	(void)t;
	if (m->addr && m->grant)
		pvx_gnt_unmap_page(m->addr);
	m->addr = NULL;
}

static int pvx_copy(struct pvbe_transport *t, struct pvx_gnt_copy_seg *segs,
		    unsigned int nr)
{
	return pvx_gnt_copy(to_pvx(t)->vm, segs, nr);
}

static int pvx_bind(struct pvbe_transport *t, uint32_t *port, bool alloc, int *fd)
{
	struct pvx_transport *p = to_pvx(t);
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), e;

	if (efd < 0)
		return -errno;
	if (!alloc && *port >= EVTCHN_2L_NR_CHANNELS) {
		close(efd);
		return -EINVAL;
	}
	e = pvx_evtchn_bind_host(p->vm, port, alloc, efd);
	if (!e && (*port >= EVTCHN_2L_NR_CHANNELS || p->evfd[*port] >= 0)) {
		pvx_evtchn_unbind(p->vm, *port);
		e = -EINVAL;
	}
	if (e) {
		close(efd);
		return e;
	}
	p->evfd[*port] = efd;
	*fd = efd;
	return 0;
}

static void pvx_unbind(struct pvbe_transport *t, uint32_t port)
{
	struct pvx_transport *p = to_pvx(t);

	if (port >= EVTCHN_2L_NR_CHANNELS || p->evfd[port] < 0)
		return;
	pvx_evtchn_unbind(p->vm, port);
	close(p->evfd[port]);
	p->evfd[port] = -1;
}

static int pvx_notify(struct pvbe_transport *t, uint32_t port)
{
	return pvx_evtchn_notify(to_pvx(t)->vm, port);
}

static const struct pvbe_transport_ops pvx_ops = {
	.map_grant = pvx_map_grant,
	.map_gfn = pvx_map_gfn,
	.unmap = pvx_unmap,
	.copy = pvx_copy,
	.bind = pvx_bind,
	.unbind = pvx_unbind,
	.notify = pvx_notify,
};

struct pvbe_transport *pvbe_pvx_create(struct pvx_vm *vm, domid_t domid)
{
	struct pvx_transport *p = malloc(sizeof(*p));

	if (!p)
		return NULL;
	p->t = (struct pvbe_transport){ .ops = &pvx_ops, .domid = domid };
	p->vm = vm;
	for (size_t i = 0; i < EVTCHN_2L_NR_CHANNELS; i++)
		p->evfd[i] = -1;
	return &p->t;
}

void pvbe_pvx_destroy(struct pvbe_transport *t)
{
	for (uint32_t port = 0; port < EVTCHN_2L_NR_CHANNELS; port++)
		pvx_unbind(t, port);
	free(t);
}
