/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pvx transport of the backends (pvbe.h) for one PV-enabled VM: grant
 * maps and copies through PVX_GNT_MAP / PVX_GNT_COPY, event channels
 * through PVX_EVTCHN_BIND_HOST / NOTIFY / UNBIND, the toolstack's own
 * pages (xenstore, console) through the VM's memory map. See pvx.c.
 */
#ifndef PVX_BACKENDS_PVX_H
#define PVX_BACKENDS_PVX_H

#include "pvbe.h"

struct pvx_vm;

/* A transport for @vm, whose Xen domain id is @domid (PVX_PV_ENABLE's). */
struct pvbe_transport *pvbe_pvx_create(struct pvx_vm *vm, domid_t domid);
/* Unbind what is still bound; free. Unmap every map first. */
void pvbe_pvx_destroy(struct pvbe_transport *t);

#endif /* PVX_BACKENDS_PVX_H */
