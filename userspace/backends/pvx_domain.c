// SPDX-License-Identifier: GPL-2.0
/*
 * A PV domain's backends on pvx, as libxl starts them for an HVM/PVH
 * guest: the backends first (domain.c: xenstore introduction with a port
 * allocated for the guest, the console, the disks), then the HVM params
 * that tell the guest where its xenstore and console pages and ports are
 * (hvm/params.h: HVM_PARAM_STORE_PFN, _STORE_EVTCHN, _CONSOLE_PFN,
 * _CONSOLE_EVTCHN), all before the guest runs. The pages are the
 * toolstack's, outside guest RAM, as Xen's special pages are.
 */
#include <errno.h>
#include <string.h>

#include "libpvx.h"
#include "pvx.h"
#include "pvx_domain.h"

static int set_params(struct pvx_vm *vm, const struct pvbe_domain_config *cfg,
		      const struct pvbe_domain *d)
{
	int e = pvx_pv_set_param(vm, HVM_PARAM_STORE_PFN, cfg->store_gfn) ?:
		pvx_pv_set_param(vm, HVM_PARAM_STORE_EVTCHN, d->store_port);

	if (!e && d->console)
		e = pvx_pv_set_param(vm, HVM_PARAM_CONSOLE_PFN, cfg->console_gfn) ?:
		    pvx_pv_set_param(vm, HVM_PARAM_CONSOLE_EVTCHN, d->console_port);
	return e;
}

int pvbe_pvx_domain_start(struct pvx_vm *vm, domid_t domid, struct xs_store *s,
			  const struct pvbe_domain_config *cfg,
			  struct pvbe_pvx_domain *out)
{
	int e;

	memset(out, 0, sizeof(*out));
	out->s = s;
	out->t = pvbe_pvx_create(vm, domid);
	if (!out->t)
		return -ENOMEM;
	e = pvbe_domain_start(s, out->t, cfg, &out->d);
	if (!e) {
		e = set_params(vm, cfg, out->d);
		if (e)
			pvbe_domain_stop(out->d, NULL);
	}
	if (e) {
		pvbe_pvx_destroy(out->t);
		memset(out, 0, sizeof(*out));
	}
	return e;
}

void pvbe_pvx_domain_stop(struct pvbe_pvx_domain *pd, struct blkback_stats *disk_stats)
{
	if (pd->d)
		pvbe_domain_stop(pd->d, disk_stats);
	if (pd->t)
		pvbe_pvx_destroy(pd->t);
	memset(pd, 0, sizeof(*pd));
}
