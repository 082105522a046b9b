// SPDX-License-Identifier: GPL-2.0
/*
 * Start and stop a guest's backends in the order a Xen toolstack does:
 * the xenstore first (XS_INTRODUCE: the domain's directory and a port
 * allocated for HVM_PARAM_STORE_EVTCHN), then the console (its port for
 * HVM_PARAM_CONSOLE_EVTCHN, and the keys xenconsoled's clients read:
 * console/ring-ref = the page's frame, console/port, console/type, in a
 * directory the guest may read but not write;
 * docs/misc/xenstore-paths.pandoc), cpu/<i>/availability = "online" for
 * each vCPU (libxl__build_post; Linux's xen:cpu_hotplug reads it for
 * every possible CPU and logs "Unable to read cpu state" without it),
 * then each disk's xenbus device. Stop
 * goes the other way. Several guests share one store, each with its own
 * domid, subtree and backends.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "domain.h"

static int put(struct pvbe_domain *d, const char *dir, const char *key,
	       unsigned long long v)
{
	char path[96];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return xs_host_printf(d->s, path, "%llu", v);
}

static int publish_console(struct pvbe_domain *d, uint64_t gfn)
{
	struct xs_perm perm[2] = { { 0, 'n' }, { d->t->domid, 'r' } };
	char dir[64], type[96];

	snprintf(dir, sizeof(dir), "/local/domain/%u/console", d->t->domid);
	snprintf(type, sizeof(type), "%s/type", dir);
	return xs_host_mkdir(d->s, dir) ?: xs_host_set_perms(d->s, dir, perm, 2) ?:
	       put(d, dir, "ring-ref", gfn) ?: put(d, dir, "port", d->console_port) ?:
	       xs_host_write(d->s, type, "xenconsoled", 11);
}

/* Under cpu/, read-only to the guest (xs_conn.c makes it so). */
static int publish_vcpus(struct pvbe_domain *d, unsigned int nr_vcpus)
{
	char path[96];
	int e = 0;

	for (unsigned int i = 0; !e && i < (nr_vcpus ? nr_vcpus : 1); i++) {
		snprintf(path, sizeof(path), "/local/domain/%u/cpu/%u/availability",
			 d->t->domid, i);
		e = xs_host_write(d->s, path, "online", 6);
	}
	return e;
}

int pvbe_domain_start(struct xs_store *s, struct pvbe_transport *t,
		      const struct pvbe_domain_config *cfg, struct pvbe_domain **out)
{
	struct pvbe_domain *d;
	int e;

	if (cfg->ndisks > PVBE_MAX_DISKS)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->s = s;
	d->t = t;
	e = xs_introduce(s, t, cfg->store_gfn, &d->store_port);
	if (e) {
		free(d);
		return e;
	}
	e = publish_vcpus(d, cfg->nr_vcpus);
	if (!e && cfg->console_out_fd >= 0) {
		struct console_config cc = { .gfn = cfg->console_gfn,
					     .out_fd = cfg->console_out_fd,
					     .in_fd = cfg->console_in_fd };

		d->console = console_start(t, &cc, &e);
		if (d->console) {
			d->console_port = console_port(d->console);
			e = publish_console(d, cfg->console_gfn);
		}
	}
	for (; !e && d->ndisks < cfg->ndisks; d->ndisks++) {
		d->disks[d->ndisks] = blkback_create(s, t, &cfg->disks[d->ndisks], &e);
		if (!d->disks[d->ndisks])
			break;
	}
	if (e) {
		pvbe_domain_stop(d, NULL);
		return e;
	}
	*out = d;
	return 0;
}

void pvbe_domain_stop(struct pvbe_domain *d, struct blkback_stats *disk_stats)
{
	while (d->ndisks) {
		d->ndisks--;
		blkback_destroy(d->disks[d->ndisks], disk_stats ? &disk_stats[d->ndisks] : NULL);
	}
	if (d->console)
		console_stop(d->console, NULL);
	xs_release(d->s, d->t->domid);
	free(d);
}
