// SPDX-License-Identifier: GPL-2.0
/*
 * Device directories of split drivers and their xenbus state nodes, as
 * Xen's toolstack writes them (docs/misc/xenstore-paths.pandoc, io/xenbus.h;
 * fact sheet 7.2): the frontend directory under the guest's device/, the
 * backend directory under the backend domain's backend/, each pointing at
 * the other, both starting in XenbusStateInitialising. Permissions keep
 * each side writing only its own directory: the frontend's is owned by
 * the guest (the backend, domain 0, reads everything), the backend's by
 * domain 0 with read access for the guest.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xenbus.h"

static int put(struct xs_store *s, const char *dir, const char *key, const char *fmt,
	       unsigned long v, const char *str)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return str ? xs_host_write(s, path, str, strlen(str)) : xs_host_printf(s, path, fmt, v);
}

int xenbus_dev_create(struct xs_store *s, struct xenbus_dev *d, domid_t fe,
		      const char *type, uint32_t devid)
{
	struct xs_perm fe_perm[2] = { { fe, 'n' }, { 0, 'r' } };
	struct xs_perm be_perm[2] = { { 0, 'n' }, { fe, 'r' } };
	int e;

	if (!fe || fe >= DOMID_FIRST_RESERVED || strlen(type) >= sizeof(d->type))
		return -EINVAL;
	*d = (struct xenbus_dev){ .fe = fe, .be = 0, .devid = devid };
	pvbe_strlcpy(d->type, type, sizeof(d->type));
	snprintf(d->fe_path, sizeof(d->fe_path), "/local/domain/%u/device/%s/%u", fe, type,
		 devid);
	snprintf(d->be_path, sizeof(d->be_path), "/local/domain/0/backend/%s/%u/%u", type,
		 fe, devid);
	e = xs_host_mkdir(s, d->be_path) ?: xs_host_set_perms(s, d->be_path, be_perm, 2);
	e = e ?: put(s, d->be_path, "frontend", NULL, 0, d->fe_path);
	e = e ?: put(s, d->be_path, "frontend-id", "%lu", fe, NULL);
	e = e ?: put(s, d->be_path, "online", "%lu", 1, NULL);
	e = e ?: put(s, d->be_path, "state", "%lu", XenbusStateInitialising, NULL);
	e = e ?: xs_host_mkdir(s, d->fe_path) ?: xs_host_set_perms(s, d->fe_path, fe_perm, 2);
	e = e ?: put(s, d->fe_path, "backend", NULL, 0, d->be_path);
	e = e ?: put(s, d->fe_path, "backend-id", "%lu", 0, NULL);
	e = e ?: put(s, d->fe_path, "state", "%lu", XenbusStateInitialising, NULL);
	if (e)
		xenbus_dev_remove(s, d);
	return e;
}

void xenbus_dev_remove(struct xs_store *s, const struct xenbus_dev *d)
{
	xs_host_rm(s, d->fe_path);
	xs_host_rm(s, d->be_path);
}

int xenbus_switch(struct xs_store *s, const char *dir, enum xenbus_state state)
{
	return put(s, dir, "state", "%lu", state, NULL);
}

enum xenbus_state xenbus_read_state(struct xs_store *s, const char *dir)
{
	char path[160];
	uint64_t v;

	snprintf(path, sizeof(path), "%s/state", dir);
	if (xs_host_read_u64(s, path, &v) || v > XenbusStateReconfigured)
		return XenbusStateUnknown;
	return (enum xenbus_state)v;
}
