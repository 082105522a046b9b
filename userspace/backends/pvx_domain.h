/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Start a PV-enabled pvx VM's backends and hand them to the guest: the
 * step a toolstack takes between building a domain and unpausing it,
 * shared by `pvxctl run --pv` and `pvxctl boot` and the box tests. See
 * pvx_domain.c.
 */
#ifndef PVX_BACKENDS_PVX_DOMAIN_H
#define PVX_BACKENDS_PVX_DOMAIN_H

#include "domain.h"
#include "xenstore.h"

struct pvx_vm;

struct pvbe_pvx_domain {
	struct pvbe_transport *t;	/* pvbe_pvx_create()'s */
	struct pvbe_domain *d;		/* pvbe_domain_start()'s */
	struct xs_store *s;		/* the store it was introduced to */
};

/*
 * For @vm (PVX_PV_ENABLE done, domain id @domid): a pvx transport, the
 * guest introduced to @s with its console and disks as @cfg says
 * (pvbe_domain_start()), then HVM_PARAM_STORE_PFN/_EVTCHN and, with a
 * console, HVM_PARAM_CONSOLE_PFN/_EVTCHN set, so a guest started after
 * this finds them. @cfg's frames must be zeroed pages of @vm's memory map
 * outside the guest's RAM (Xen's "special pages"). 0 and *@out, or -errno
 * with nothing left.
 */
int pvbe_pvx_domain_start(struct pvx_vm *vm, domid_t domid, struct xs_store *s,
			  const struct pvbe_domain_config *cfg,
			  struct pvbe_pvx_domain *out);

/*
 * Stop the backends (pvbe_domain_stop(), @disk_stats as there) and the
 * transport. The VM may still exist or be gone.
 */
void pvbe_pvx_domain_stop(struct pvbe_pvx_domain *pd, struct blkback_stats *disk_stats);

#endif /* PVX_BACKENDS_PVX_DOMAIN_H */
