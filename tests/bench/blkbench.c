// SPDX-License-Identifier: GPL-2.0
/*
 * blkbench: the block backend's request rate on this host, without pvx:
 * the backend (userspace/backends/blk*.c) over the fake transport, a
 * frontend thread (tests/unit/blkfront.h) keeping 1 or more 4 KiB requests
 * in flight on one ring, notifications on eventfds as pvx delivers them.
 * One line per (engine, operation, depth): requests per second and TSC
 * ticks per request (wall time, the frontend's view). `make blkbench`
 * builds it; run build/bench/blkbench [requests] [image path]. The image
 * (64 MiB) is created, read once into the page cache, and removed.
 *
 * In the box this becomes the ring side of `make bench`'s block rows once
 * a PV guest drives the frontend (issue 11).
 */
#define _FILE_OFFSET_BITS 64
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "blkfront.h"

#define IMAGE_BYTES (64u << 20)
#define IMAGE_SECTORS (IMAGE_BYTES / 512)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void queue_one(struct fe *f, uint8_t op, uint64_t n, uint32_t slot)
{
	/* a pseudo-random 4 KiB-aligned place on the disk */
	uint64_t sector = ((n * 2654435761u) % (IMAGE_SECTORS / 8)) * 8;
	struct blkif_request req = { .operation = op, .nr_segments = 1, .id = slot,
				     .sector_number = sector,
				     .seg = { { .gref = FE_DATA + slot, .last_sect = 7 } } };

	fe_queue(f, &req, sizeof(req));
}

/* @total requests of @op, @depth in flight: false on any failure. */
static bool run(struct fe *f, uint8_t op, uint32_t depth, uint64_t total)
{
	uint64_t issued = 0, done = 0;

	for (; issued < depth && issued < total; issued++)
		queue_one(f, op, issued, (uint32_t)issued);
	fe_push(f);
	while (done < total) {
		ioring_idx_t rp;
		bool pushed = false;

		if (ioring_front_rsp_prod(&f->ring, &rp))
			return false;
		while (f->ring.rsp_cons != rp) {
			union blkif_slot s;

			ioring_front_take_response(&f->ring, &s);
			if (s.rsp.status != BLKIF_RSP_OKAY)
				return false;
			done++;
			if (issued < total) {
				queue_one(f, op, issued++, (uint32_t)s.rsp.id);
				pushed = true;
			}
		}
		if (pushed)
			fe_push(f);
		else if (done < total && !ioring_front_final_check(&f->ring) &&
			 !fake_port_wait(f->g, f->port, 5000))
			return false;
	}
	return true;
}

static bool bench_engine(const char *image, enum blk_engine_kind engine, uint64_t total)
{
	static const uint32_t depths[] = { 1, 8, 32 };
	struct blkback_config cfg = { .path = image, .devid = BLKBACK_XVDA, .engine = engine };
	struct xs_store *s = xs_store_create();
	struct fake_guest *g = fake_guest_create(1, FE_FRAMES, 1);
	struct blkback *b = NULL;
	uint32_t port = 0;
	struct fe f;
	int err;
	bool ok = s && g && !xs_introduce(s, &g->t, FE_STORE_GFN, &port);

	if (ok)
		b = blkback_create(s, &g->t, &cfg, &err);
	ok = ok && b && fe_attach(&f, g, port, BLKBACK_XVDA) && fe_connect(&f, false);
	for (int o = 0; ok && o < 2; o++) {
		uint8_t op = o ? BLKIF_OP_WRITE : BLKIF_OP_READ;

		for (size_t d = 0; ok && d < sizeof(depths) / sizeof(depths[0]); d++) {
			uint64_t t0 = now_ns(), c0 = __rdtsc(), ns, ticks;

			ok = run(&f, op, depths[d], total);
			ticks = __rdtsc() - c0;
			ns = now_ns() - t0;
			printf("blkbench engine=%s op=%s depth=%u requests=%llu rps=%.0f "
			       "ticks_per_req=%llu\n",
			       engine == BLK_ENGINE_URING ? "io_uring" : "threads",
			       o ? "write" : "read", depths[d], (unsigned long long)total,
			       (double)total * 1e9 / (double)ns,
			       (unsigned long long)(ticks / total));
		}
	}
	if (b)
		blkback_destroy(b, NULL);
	if (s && g)
		xs_release(s, 1);
	if (ok)
		xsc_free(&f.xs);
	fake_guest_destroy(g);
	xs_store_destroy(s);
	return ok;
}

int main(int argc, char **argv)
{
	uint64_t total = argc > 1 ? strtoull(argv[1], NULL, 0) : 100000;
	char tmpl[] = "/tmp/pvx-blkbench-XXXXXX";
	const char *image = argc > 2 ? argv[2] : tmpl;
	char *buf = calloc(1, 1 << 20);
	int fd = argc > 2 ? open(image, O_RDWR | O_CREAT | O_CLOEXEC, 0600) : mkstemp(tmpl);
	bool ok = fd >= 0 && buf;

	for (uint32_t i = 0; ok && i < IMAGE_BYTES >> 20; i++)
		ok = write(fd, buf, 1 << 20) == 1 << 20;
	if (fd >= 0)
		close(fd);
	free(buf);
	ok = ok && bench_engine(image, BLK_ENGINE_URING, total) &&
	     bench_engine(image, BLK_ENGINE_POOL, total);
	unlink(image);
	if (!ok)
		fprintf(stderr, "blkbench: failed\n");
	return ok ? 0 : 1;
}
