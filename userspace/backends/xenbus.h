/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Split-driver device directories in the xenstore and the xenbus state
 * machine's node (io/xenbus.h; docs/misc/xenstore-paths.pandoc; fact
 * sheet 7), as a toolstack creates them. See xenbus.c.
 */
#ifndef PVX_BACKENDS_XENBUS_H
#define PVX_BACKENDS_XENBUS_H

#include "xenstore.h"

struct xenbus_dev {
	domid_t fe, be;
	uint32_t devid;
	char type[16];
	char fe_path[64];	/* /local/domain/<fe>/device/<type>/<devid> */
	char be_path[96];	/* /local/domain/<be>/backend/<type>/<fe>/<devid> */
};

/*
 * Create both directories, state Initialising: the frontend's owned by the
 * frontend and readable by the backend, the backend's owned by the
 * backend (the host, domain 0) and readable by the frontend; each names
 * the other end (backend/backend-id, frontend/frontend-id), online = 1.
 */
int xenbus_dev_create(struct xs_store *s, struct xenbus_dev *d, domid_t fe,
		      const char *type, uint32_t devid);
/* Remove both directories. */
void xenbus_dev_remove(struct xs_store *s, const struct xenbus_dev *d);

/* Write <dir>/state. */
int xenbus_switch(struct xs_store *s, const char *dir, enum xenbus_state state);
/* Read <dir>/state: XenbusStateUnknown when absent or not a state. */
enum xenbus_state xenbus_read_state(struct xs_store *s, const char *dir);

#endif /* PVX_BACKENDS_XENBUS_H */
