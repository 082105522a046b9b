// SPDX-License-Identifier: LGPL-2.1
/*
 * libpvx: Xen event channels from the host's side (uapi/linux/pvx.h
 * PVX_EVTCHN_*): the host plays domain 0's end of a guest's ports (an
 * eventfd signalled when the guest sends, PVX_EVTCHN_NOTIFY and irqfds to
 * raise the port), and connects ports of two VMs.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "libpvx.h"

static int evtchn_ioctl(struct pvx_vm *vm, unsigned long cmd,
			struct pvx_evtchn_host *h)
{
	return ioctl(vm->fd, cmd, h) < 0 ? -errno : 0;
}

int pvx_evtchn_bind_host(struct pvx_vm *vm, uint32_t *port, bool alloc,
			 int eventfd)
{
	struct pvx_evtchn_host h = {
		.port = *port,
		.flags = alloc ? PVX_EVTCHN_ALLOC : 0,
		.fd = eventfd,
	};
	int r = evtchn_ioctl(vm, PVX_EVTCHN_BIND_HOST, &h);

	if (!r)
		*port = h.port;
	return r;
}

int pvx_evtchn_notify(struct pvx_vm *vm, uint32_t port)
{
	struct pvx_evtchn_host h = { .port = port, .fd = -1 };

	return evtchn_ioctl(vm, PVX_EVTCHN_NOTIFY, &h);
}

int pvx_evtchn_irqfd(struct pvx_vm *vm, uint32_t port, int eventfd,
		     bool deassign)
{
	struct pvx_evtchn_host h = {
		.port = port,
		.flags = deassign ? PVX_EVTCHN_DEASSIGN : 0,
		.fd = eventfd,
	};

	return evtchn_ioctl(vm, PVX_EVTCHN_IRQFD, &h);
}

int pvx_evtchn_unbind(struct pvx_vm *vm, uint32_t port)
{
	struct pvx_evtchn_host h = { .port = port, .fd = -1 };

	return evtchn_ioctl(vm, PVX_EVTCHN_UNBIND, &h);
}

int pvx_evtchn_connect(struct pvx_vm *vm, uint32_t *port,
		       struct pvx_vm *peer, uint32_t *peer_port, bool alloc)
{
	struct pvx_evtchn_host h = {
		.port = *port,
		.flags = alloc ? PVX_EVTCHN_ALLOC : 0,
		.fd = peer->fd,
		.peer_port = *peer_port,
	};
	int r = evtchn_ioctl(vm, PVX_EVTCHN_CONNECT, &h);

	if (!r) {
		*port = h.port;
		*peer_port = h.peer_port;
	}
	return r;
}
