/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host side of the grant guest (tests/guest/grant.h), for grant_test
 * and bench: a one-vCPU PV VM (max_grant_frames GNT_MAX_FRAMES) running
 * one scenario, the test's handler called at each sync point.
 */
#ifndef PVX_GNTTEST_H
#define PVX_GNTTEST_H

#include <stdint.h>
#include <linux/pvx_xen.h>

#include "guest_vm.h"
#include "../guest/grant.h"

struct gnt_vm;
/* A sync point (grant.h GNT_SYNC_*): PVX_RUN_CONTINUE, _STOP or -errno. */
typedef int (*gnt_sync_fn)(struct gnt_vm *t, uint32_t what);

struct gnt_vm {
	struct gvm g;
	uint32_t scenario;
	gnt_sync_fn on_sync;
	void *opaque;		/* the test's */
	unsigned int syncs;
};

/*
 * A fresh PV VM running the grant guest's @scenario, loaded and set up in
 * long mode, not started. 0 or -errno (with a diag); on failure nothing
 * is left to stop.
 */
int gnt_vm_start(struct gnt_vm *t, int sys_fd, uint32_t scenario,
		 gnt_sync_fn on_sync);

/* Run until the guest exits with status 0 (true), else false with diags. */
bool gnt_vm_run_to_exit(struct gnt_vm *t);

/* Where guest-physical @gpa is in this process (RAM only), or NULL. */
void *gnt_vm_host(struct gnt_vm *t, uint64_t gpa, uint64_t len);

/* Destroy the VM (a no-op if none). */
void gnt_vm_stop(struct gnt_vm *t);

#endif /* PVX_GNTTEST_H */
