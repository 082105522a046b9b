// SPDX-License-Identifier: GPL-2.0
/*
 * The host side of the grant guest (gnttest.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gnttest.h"
#include "pvxtest.h"
#include "tap.h"

static int gnt_io(struct gvm *g, uint16_t port, uint8_t size,
		  uint8_t direction, void *data, uint32_t count)
{
	struct gnt_vm *t = g->opaque;
	uint32_t what;

	if (size != 4 || count != 1)
		return -1;
	if (port == GNT_PORT_SCENARIO && direction == PVX_EXIT_IO_IN) {
		memcpy(data, &t->scenario, 4);
		return PVX_RUN_CONTINUE;
	}
	if (port == GNT_PORT_SYNC && direction == PVX_EXIT_IO_OUT) {
		memcpy(&what, data, 4);
		t->syncs++;
		return t->on_sync ? t->on_sync(t, what) : PVX_RUN_CONTINUE;
	}
	return -1;
}

int gnt_vm_start(struct gnt_vm *t, int sys_fd, uint32_t scenario,
		 gnt_sync_fn on_sync)
{
	struct pvx_pv_config cfg;
	char image[512];
	uint64_t entry;
	int r;

	memset(t, 0, sizeof(*t));
	t->scenario = scenario;
	t->on_sync = on_sync;
	pvx_pv_config_init(&cfg);
	cfg.max_grant_frames = GNT_MAX_FRAMES;
	r = gvm_create_pv(&t->g, sys_fd, GNT_RAM, PVX_BACKING_PAGES, &cfg);
	if (r) {
		tap_diag("creating a PV VM: %s", strerror(-r));
		return r;
	}
	t->g.opaque = t;
	t->g.io_hook = gnt_io;
	snprintf(image, sizeof(image), "%s/grant", pvxtest_guest_dir());
	r = gvm_load(&t->g, image, PVX_IMAGE_GPA, &entry);
	if (!r)
		r = gvm_setup(&t->g, PVX_MODE_LONG, entry, GNT_MAP_BYTES);
	if (r) {
		tap_diag("loading %s: %s", image, strerror(-r));
		gnt_vm_stop(t);
	}
	return r;
}

bool gnt_vm_run_to_exit(struct gnt_vm *t)
{
	int r = gvm_run(&t->g);

	if (r == PVX_EXIT_IO && gvm_exited_ok(&t->g))
		return true;
	gvm_diag(&t->g, r);
	return false;
}

void *gnt_vm_host(struct gnt_vm *t, uint64_t gpa, uint64_t len)
{
	return pvx_gpa_to_host(&t->g.vm->mem, gpa, len);
}

void gnt_vm_stop(struct gnt_vm *t)
{
	if (t->g.vm)
		gvm_destroy(&t->g);
	t->g.vm = NULL;
}
