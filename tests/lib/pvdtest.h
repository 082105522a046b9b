/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host side of the split-driver guest (tests/guest/pvdisk.h), for
 * pvdisk_test and bench: a one-vCPU PV VM running one scenario, with the
 * real backends of userspace/backends started for it over the pvx
 * transport as pvxctl starts them (pvbe_pvx_domain_start): the xenstore
 * and console pages right above RAM, xvda read-write and xvdb read-only,
 * each a fresh PVD_DISK_BYTES image file in /tmp, the console's output in
 * a pipe. For the bench scenarios it also serves the guest's parameters
 * and the port-I/O disk (pvdisk.h PVD_PORT_BENCH_*, PVD_PORT_PIO_*).
 */
#ifndef PVX_PVDTEST_H
#define PVX_PVDTEST_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "guest_vm.h"
#include "pvx_domain.h"
#include "../guest/pvdisk.h"

#define PVD_PAGE		4096
#define PVD_RAM			(4ULL << 20)
#define PVD_SPECIAL_GPA		PVD_RAM		/* right above RAM */
#define PVD_STORE_GPA		PVD_SPECIAL_GPA
#define PVD_CONSOLE_GPA		(PVD_SPECIAL_GPA + PVD_PAGE)
#define PVD_MAP_BYTES		(8ULL << 20)

struct pvd_vm {
	struct gvm g;
	uint32_t scenario;
	uint32_t bench[3];		/* PVD_PORT_BENCH_OP, _DEPTH, _ITER */
	uint32_t pio_sector, pio_off;	/* the port-I/O disk's position */
	unsigned char *pio_disk;	/* its PVD_DISK_BYTES (NULL: none) */
	struct pvbe_pvx_domain pd;
	struct blkback_stats disk[2];
	int con[2];			/* the console backend's output */
	char img[2][64];		/* xvda, xvdb */
	char console[1024];
	uint32_t store_port, console_port;	/* the host allocated */
	bool exited_ok;
	int reason;
	pthread_t thread;
};

/* A zeroed PVD_DISK_BYTES image file /tmp/pvdisk-PID-@tag.img in @path. */
bool pvd_make_image(char *path, size_t size, const char *tag);

/*
 * A PV VM running pvdisk's @scenario with its backends on @store (@tag
 * names its image files), not started. 0 or -errno (with a diag); call
 * pvd_stop() either way.
 */
int pvd_start(struct pvd_vm *v, int sys_fd, struct xs_store *store, uint32_t scenario,
	      const char *tag);

/* Run until the guest ends: v->exited_ok, v->reason. */
void pvd_run(struct pvd_vm *v);

/* Stop the backends (threads joined), read the console, destroy the VM. */
void pvd_stop(struct pvd_vm *v);

/* After the checks: the image files go. */
void pvd_remove_images(struct pvd_vm *v);

#endif /* PVX_PVDTEST_H */
