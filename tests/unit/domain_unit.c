// SPDX-License-Identifier: GPL-2.0
/*
 * domain_unit: two guests at once on one xenstore (userspace/backends/
 * domain.c), each with its console and its own disk, over the fake
 * transport: each sees its own domid, subtree and console keys and not
 * the other's; each connects its block frontend (tests/unit/blkfront.h),
 * writes its disk and reads it back, the data landing in its own image
 * file only; each console's output reaches its own fd; stopping one
 * leaves the other working; nothing stays mapped or bound.
 */
#define _FILE_OFFSET_BITS 64
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blkfront.h"
#include "domain.h"
#include "unit.h"

#define CONS_GFN 4
#define IMAGE_BYTES (1u << 20)

struct guest {
	domid_t id;
	char image[32];
	int out[2];
	struct fake_guest *g;
	struct pvbe_domain *d;
	struct fe fe;
};

static struct xs_store *store;
static struct guest gs[2] = { { .id = 3 }, { .id = 7 } };

static bool guest_up(struct guest *x)
{
	struct blkback_config disk = { .devid = BLKBACK_XVDA, .engine = BLK_ENGINE_URING };
	struct pvbe_domain_config cfg = { .store_gfn = FE_STORE_GFN, .console_gfn = CONS_GFN,
					  .console_in_fd = -1, .disks = &disk, .ndisks = 1,
					  .nr_vcpus = x == &gs[0] ? 2 : 0 };
	int fd;

	snprintf(x->image, sizeof(x->image), "/tmp/pvx-dom%u-XXXXXX", x->id);
	fd = mkstemp(x->image);
	if (fd < 0 || ftruncate(fd, IMAGE_BYTES) || pipe2(x->out, O_CLOEXEC))
		return false;
	close(fd);
	disk.path = x->image;
	cfg.console_out_fd = x->out[1];
	x->g = fake_guest_create(x->id, FE_FRAMES, 1);
	return x->g && !pvbe_domain_start(store, &x->g->t, &cfg, &x->d) &&
	       fe_attach(&x->fe, x->g, x->d->store_port, BLKBACK_XVDA);
}

static bool setup(void)
{
	bool ok = true;

	store = xs_store_create();
	EXPECT(store);
	EXPECT(guest_up(&gs[0]));
	EXPECT(guest_up(&gs[1]));
	return ok;
}

static bool own_subtree(void)
{
	char r[XENSTORE_PAYLOAD_MAX + 1], path[64];
	bool ok = true;

	for (int i = 0; i < 2; i++) {
		struct guest *x = &gs[i], *other = &gs[1 - i];

		EXPECT(xsc_path_op(&x->fe.xs, XS_READ, 0, "domid", r) == 0 &&
		       strtoul(r, NULL, 10) == x->id);
		/* guest 0: 2 vCPUs, guest 1: the default, 1 */
		EXPECT(xsc_path_op(&x->fe.xs, XS_READ, 0, "cpu/0/availability", r) == 0 &&
		       !strcmp(r, "online"));
		EXPECT(xsc_path_op(&x->fe.xs, XS_READ, 0, "cpu/1/availability", r) ==
		       (i == 0 ? 0 : 1));
		EXPECT(xsc_path_op(&x->fe.xs, XS_READ, 0, "cpu/2/availability", r) == 1 &&
		       !strcmp(r, "ENOENT"));
		EXPECT(xsc_write(&x->fe.xs, 0, "cpu/0/availability", "offline", r) == 1 &&
		       !strcmp(r, "EACCES"));
		EXPECT(xsc_path_op(&x->fe.xs, XS_READ, 0, "console/port", r) == 0 &&
		       strtoul(r, NULL, 10) == x->d->console_port && x->d->console_port);
		EXPECT(xsc_path_op(&x->fe.xs, XS_READ, 0, "console/ring-ref", r) == 0 &&
		       strtoul(r, NULL, 10) == CONS_GFN);
		EXPECT(xsc_path_op(&x->fe.xs, XS_READ, 0, "console/type", r) == 0 &&
		       !strcmp(r, "xenconsoled"));
		EXPECT(xsc_write(&x->fe.xs, 0, "console/port", "1", r) == 1 &&
		       !strcmp(r, "EACCES"));
		snprintf(path, sizeof(path), "/local/domain/%u/device/vbd", other->id);
		EXPECT(xsc_path_op(&x->fe.xs, XS_DIRECTORY, 0, path, r) == 1 &&
		       !strcmp(r, "EACCES"));
		snprintf(path, sizeof(path), "/local/domain/0/backend/vbd/%u/%u/state",
			 other->id, BLKBACK_XVDA);
		EXPECT(xsc_path_op(&x->fe.xs, XS_READ, 0, path, r) == 1 &&
		       !strcmp(r, "EACCES"));
	}
	return ok;
}

static bool disks_and_consoles(void)
{
	unsigned char buf[4096];
	bool ok = true;

	for (int i = 0; i < 2; i++)
		EXPECT(fe_connect(&gs[i].fe, false));
	for (int i = 0; i < 2; i++) {
		memset(fe_data(&gs[i].fe, 0), 0x40 + i, 4096);
		EXPECT(fe_rw(&gs[i].fe, BLKIF_OP_WRITE, 16, 8, 0) == BLKIF_RSP_OKAY);
	}
	for (int i = 0; i < 2; i++) {
		int fd = open(gs[i].image, O_RDONLY | O_CLOEXEC);
		unsigned char want[4096];

		memset(want, 0x40 + i, sizeof(want));
		EXPECT(fd >= 0 && pread(fd, buf, sizeof(buf), 16 * 512) == sizeof(buf) &&
		       !memcmp(buf, want, sizeof(buf)));
		close(fd);
		memset(fe_data(&gs[i].fe, 1), 0, 4096);
		EXPECT(fe_rw(&gs[i].fe, BLKIF_OP_READ, 16, 8, 1) == BLKIF_RSP_OKAY &&
		       !memcmp(fe_data(&gs[i].fe, 1), want, 4096));
	}
	for (int i = 0; i < 2; i++) {
		struct xencons_interface *c = fake_frame(gs[i].g, CONS_GFN);
		struct ioring_bytes out = { .buf = c->out, .size = sizeof(c->out),
					    .cons = &c->out_cons, .prod = &c->out_prod };
		char line[16], got[16] = { 0 };

		snprintf(line, sizeof(line), "dom%u\n", gs[i].id);
		EXPECT(fake_bytes_put(gs[i].g, gs[i].d->console_port, &out, line,
				      (uint32_t)strlen(line), 5000, NULL));
		EXPECT(read(gs[i].out[0], got, strlen(line)) == (ssize_t)strlen(line) &&
		       !strcmp(got, line));
	}
	return ok;
}

static bool guest_down(struct guest *x)
{
	bool ok = true;

	pvbe_domain_stop(x->d, NULL);
	EXPECT(x->g->live_maps == 0);
	for (int p = 0; p < FAKE_MAX_PORTS; p++)
		EXPECT(!x->g->ports[p].bound);
	xsc_free(&x->fe.xs);
	fake_guest_destroy(x->g);
	close(x->out[0]);
	close(x->out[1]);
	unlink(x->image);
	return ok;
}

static bool one_stops(void)
{
	char r[XENSTORE_PAYLOAD_MAX + 1];
	bool ok = true;

	EXPECT(guest_down(&gs[0]));
	EXPECT(xs_host_read(store, "/local/domain/3/domid", r, sizeof(r)) < 0);
	EXPECT(xs_host_read(store, "/local/domain/0/backend/vbd/3/51712/state", r,
			    sizeof(r)) < 0);
	/* the other still works */
	memset(fe_data(&gs[1].fe, 2), 0, 4096);
	EXPECT(fe_rw(&gs[1].fe, BLKIF_OP_READ, 16, 8, 2) == BLKIF_RSP_OKAY &&
	       *(unsigned char *)fe_data(&gs[1].fe, 2) == 0x41);
	EXPECT(guest_down(&gs[1]));
	xs_store_destroy(store);
	return ok;
}

static const struct unit_case cases[] = {
	{ "two guests introduced with a console and a disk each", setup },
	{ "each sees its own subtree and console keys only", own_subtree },
	{ "each disk and console reach their own file and fd", disks_and_consoles },
	{ "one stops, the other goes on; nothing left", one_stops },
};

int main(void)
{
	return UNIT_RUN(cases);
}
