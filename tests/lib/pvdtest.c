// SPDX-License-Identifier: GPL-2.0
/*
 * The host side of the split-driver guest (pvdtest.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pvdtest.h"
#include "pvxtest.h"
#include "tap.h"

/*
 * The port-I/O disk: @count dwords of the sector at pio_sector (the
 * position moving on, to the next sectors), in or out; past the end reads
 * all ones and drops writes.
 */
static int pio_data(struct pvd_vm *v, uint8_t direction, void *data, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++, v->pio_off += 4) {
		uint64_t at = (uint64_t)v->pio_sector * 512 + v->pio_off;
		unsigned char *p = (unsigned char *)data + 4 * i;

		if (at + 4 > PVD_DISK_BYTES)
			memset(p, direction == PVX_EXIT_IO_IN ? 0xff : 0, 4);
		else if (direction == PVX_EXIT_IO_IN)
			memcpy(p, v->pio_disk + at, 4);
		else
			memcpy(v->pio_disk + at, p, 4);
	}
	return PVX_RUN_CONTINUE;
}

static int pvd_io(struct gvm *g, uint16_t port, uint8_t size, uint8_t direction,
		  void *data, uint32_t count)
{
	struct pvd_vm *v = g->opaque;

	if (size != 4)
		return -1;
	if (port == PVD_PORT_PIO_DATA && v->pio_disk)
		return pio_data(v, direction, data, count);
	if (count != 1)
		return -1;
	if (port == PVD_PORT_PIO_SECTOR && direction == PVX_EXIT_IO_OUT) {
		memcpy(&v->pio_sector, data, 4);
		v->pio_off = 0;
		return PVX_RUN_CONTINUE;
	}
	if (direction != PVX_EXIT_IO_IN)
		return -1;
	if (port == PVD_PORT_SCENARIO)
		memcpy(data, &v->scenario, 4);
	else if (port >= PVD_PORT_BENCH_OP && port <= PVD_PORT_BENCH_ITER)
		memcpy(data, &v->bench[(port - PVD_PORT_BENCH_OP) / 4], 4);
	else
		return -1;
	return PVX_RUN_CONTINUE;
}

bool pvd_make_image(char *path, size_t size, const char *tag)
{
	int fd;

	snprintf(path, size, "/tmp/pvdisk-%d-%s.img", getpid(), tag);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return false;
	if (ftruncate(fd, PVD_DISK_BYTES)) {
		close(fd);
		return false;
	}
	close(fd);
	return true;
}

static int load_guest(struct pvd_vm *v)
{
	char image[512];
	uint64_t entry;
	int r;

	snprintf(image, sizeof(image), "%s/pvdisk", pvxtest_guest_dir());
	r = gvm_load(&v->g, image, PVX_IMAGE_GPA, &entry);
	if (!r)
		r = gvm_setup(&v->g, PVX_MODE_LONG, entry, PVD_MAP_BYTES);
	/* Xen's special pages: zeroed, outside the guest's RAM. */
	if (!r)
		r = pvx_vm_add_ram(v->g.vm, 1, PVD_SPECIAL_GPA, 2 * PVD_PAGE, 0, PVX_BACKING_PAGES);
	return r;
}

static int start_backends(struct pvd_vm *v, struct xs_store *store, const char *tag)
{
	char t[32];
	int r;
	struct blkback_config disks[2] = {
		{ .path = v->img[0], .devid = PVD_DEV_RW, .engine = BLK_ENGINE_URING },
		{ .path = v->img[1], .devid = PVD_DEV_RO, .readonly = true,
		  .engine = BLK_ENGINE_URING },
	};
	struct pvbe_domain_config cfg = {
		.store_gfn = PVD_STORE_GPA / PVD_PAGE, .console_gfn = PVD_CONSOLE_GPA / PVD_PAGE,
		.console_out_fd = v->con[1], .console_in_fd = -1,
		.disks = disks, .ndisks = 2,
	};

	snprintf(t, sizeof(t), "%s-rw", tag);
	if (!pvd_make_image(v->img[0], sizeof(v->img[0]), t))
		return -errno;
	snprintf(t, sizeof(t), "%s-ro", tag);
	if (!pvd_make_image(v->img[1], sizeof(v->img[1]), t))
		return -errno;
	r = pvbe_pvx_domain_start(v->g.vm, v->g.pv.domid, store, &cfg, &v->pd);
	if (!r) {
		v->store_port = v->pd.d->store_port;
		v->console_port = v->pd.d->console_port;
	}
	return r;
}

int pvd_start(struct pvd_vm *v, int sys_fd, struct xs_store *store, uint32_t scenario,
	      const char *tag)
{
	int r;

	memset(v, 0, sizeof(*v));
	v->scenario = scenario;
	v->con[0] = v->con[1] = -1;
	r = gvm_create_pv(&v->g, sys_fd, PVD_RAM, PVX_BACKING_PAGES, NULL);
	if (r) {
		tap_diag("creating a PV VM: %s", strerror(-r));
		return r;
	}
	v->g.opaque = v;
	v->g.io_hook = pvd_io;
	r = load_guest(v);
	if (!r && pipe2(v->con, O_CLOEXEC | O_NONBLOCK))
		r = -errno;
	if (!r)
		r = start_backends(v, store, tag);
	if (r)
		tap_diag("setting up the pvdisk VM: %s", strerror(-r));
	return r;
}

void pvd_run(struct pvd_vm *v)
{
	v->reason = gvm_run(&v->g);
	v->exited_ok = v->reason == PVX_EXIT_IO && gvm_exited_ok(&v->g);
	if (!v->exited_ok)
		gvm_diag(&v->g, v->reason);
}

void pvd_stop(struct pvd_vm *v)
{
	ssize_t n;

	if (v->pd.t)
		pvbe_pvx_domain_stop(&v->pd, v->disk);
	if (v->con[0] >= 0) {
		n = read(v->con[0], v->console, sizeof(v->console) - 1);
		v->console[n > 0 ? n : 0] = '\0';
		close(v->con[0]);
		close(v->con[1]);
	}
	if (v->g.vm)
		gvm_destroy(&v->g);
}

void pvd_remove_images(struct pvd_vm *v)
{
	for (int i = 0; i < 2; i++)
		if (v->img[i][0])
			unlink(v->img[i]);
}

