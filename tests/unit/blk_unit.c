// SPDX-License-Identifier: GPL-2.0
/*
 * blk_unit: the block backend (userspace/backends/blk*.c) against a guest
 * frontend played by this program (tests/unit/blkfront.h: xenbus
 * handshake through the guest's xenstore page, a one-page ring over
 * ioring/, data pages granted through the fake transport's v1 grant
 * table), on a raw image file whose size is not a multiple of 4 KiB.
 * Checked: the handshake and the keys a Linux blkfront reads; data
 * written and read back, compared with the image file, through both I/O
 * engines; indirect requests; flush, flush with data, barrier; discard
 * (punched hole reads zeros, file size kept); the end of the disk inside
 * a page; 32 requests in flight; every malformed request of the fact
 * sheet's section 10 answered ERROR/EOPNOTSUPP with its id, responses
 * written with zeroed padding; revoked, foreign and read-only grants;
 * a read-only disk; a hostile req_prod (ring dropped, device Closing,
 * then a clean reconnect through Closed/Initialising, skipping
 * Initialised); a notification storm; teardown leaves nothing mapped or
 * bound.
 */
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blkfront.h"
#include "unit.h"

/* 4 MiB + 3 sectors: the last page of the disk holds 3 sectors. */
#define DISK_BYTES ((4u << 20) + 1536)
#define DISK_SECTORS (DISK_BYTES / 512)

static char image[] = "/tmp/pvx-blk-unit-XXXXXX";
static struct xs_store *store;
static struct fake_guest *g;
static uint32_t store_port;
static struct blkback *bb;
static struct fe fe;

static unsigned char pattern(uint64_t i, unsigned int seed)
{
	return (unsigned char)((i * 2654435761u) >> 11) ^ (unsigned char)seed;
}

static bool file_matches(uint64_t off, const void *buf, size_t len)
{
	unsigned char *tmp = malloc(len);
	int fd = open(image, O_RDONLY);
	bool same = tmp && fd >= 0 && pread(fd, tmp, len, (off_t)off) == (ssize_t)len &&
		    !memcmp(tmp, buf, len);

	if (fd >= 0)
		close(fd);
	free(tmp);
	return same;
}

static bool rig_up(enum blk_engine_kind engine, bool readonly)
{
	struct blkback_config cfg = { .path = image, .readonly = readonly,
				      .devid = BLKBACK_XVDA, .engine = engine };
	int err = 0;

	store = xs_store_create();
	g = fake_guest_create(1, FE_FRAMES, 1);
	store_port = 0;
	if (!store || !g || xs_introduce(store, &g->t, FE_STORE_GFN, &store_port))
		return false;
	bb = blkback_create(store, &g->t, &cfg, &err);
	if (!bb) {
		tap_diag("blkback_create: %d", err);
		return false;
	}
	return fe_attach(&fe, g, store_port, BLKBACK_XVDA) && fe_connect(&fe, false);
}

static bool rig_down(struct blkback_stats *st)
{
	bool ok = true;

	blkback_destroy(bb, st);
	EXPECT(xs_release(store, 1) == 0);
	EXPECT(g->live_maps == 0);
	for (int i = 0; i < FAKE_MAX_PORTS; i++)
		EXPECT(!g->ports[i].bound);
	/* no grant left in use */
	for (uint32_t r = 0; r < g->nr_grefs; r++)
		EXPECT(!(g->gnttab[r].flags & (GTF_reading | GTF_writing)));
	xsc_free(&fe.xs);
	fake_guest_destroy(g);
	xs_store_destroy(store);
	return ok;
}

static bool make_image(void)
{
	int fd = mkstemp(image);
	unsigned char *buf = malloc(DISK_BYTES);
	bool ok = fd >= 0 && buf;

	for (uint32_t i = 0; ok && i < DISK_BYTES; i++)
		buf[i] = pattern(i, 0);
	ok = ok && write(fd, buf, DISK_BYTES) == DISK_BYTES;
	if (fd >= 0)
		close(fd);
	free(buf);
	return ok;
}

static bool handshake_keys(void)
{
	char r[XENSTORE_PAYLOAD_MAX + 1];
	bool ok = true;

	EXPECT(rig_up(BLK_ENGINE_URING, false));
	EXPECT(fe_be_u64(&fe, "sectors") == DISK_SECTORS);
	EXPECT(fe_be_u64(&fe, "info") == 0);
	EXPECT(fe_be_u64(&fe, "sector-size") == 512);
	EXPECT(fe_be_u64(&fe, "physical-sector-size") >= 512);
	EXPECT(fe_be_u64(&fe, "feature-flush-cache") == 1);
	EXPECT(fe_be_u64(&fe, "feature-barrier") == 1);
	EXPECT(fe_be_u64(&fe, "feature-discard") == 1);
	EXPECT(fe_be_u64(&fe, "discard-granularity") >= 512);
	EXPECT(fe_be_u64(&fe, "feature-max-indirect-segments") == BLKBACK_MAX_INDIRECT_SEGS);
	EXPECT(fe_be_read(&fe, "max-ring-page-order", r) == 1);	/* not offered */
	EXPECT(fe_be_read(&fe, "mode", r) == 0 && !strcmp(r, "w"));
	EXPECT(fe_be_read(&fe, "frontend", r) == 0 &&
	       !strcmp(r, "/local/domain/1/device/vbd/51712"));
	EXPECT(xsc_path_op(&fe.xs, XS_READ, 0, "device/vbd/51712/virtual-device", r) == 0 &&
	       !strcmp(r, "51712"));
	return ok;
}

/* Write 11 pages of fresh data at @sector, read them back elsewhere. */
static bool write_read_back(uint64_t sector, unsigned int seed)
{
	const uint32_t nsec = 11 * 8;
	unsigned char *src = malloc(nsec * 512);
	bool ok = true;

	for (uint32_t i = 0; i < nsec * 512; i++)
		src[i] = pattern(i, seed);
	for (uint32_t p = 0; p < 11; p++)
		memcpy(fe_data(&fe, p), src + p * 4096, 4096);
	EXPECT(fe_rw(&fe, BLKIF_OP_WRITE, sector, nsec, 0) == BLKIF_RSP_OKAY);
	for (uint32_t p = 0; p < 11; p++)
		memset(fe_data(&fe, 20 + p), 0, 4096);
	EXPECT(fe_rw(&fe, BLKIF_OP_READ, sector, nsec, 20) == BLKIF_RSP_OKAY);
	for (uint32_t p = 0; p < 11; p++)
		EXPECT(!memcmp(fe_data(&fe, 20 + p), src + p * 4096, 4096));
	EXPECT(file_matches(sector * 512, src, nsec * 512));
	free(src);
	return ok;
}

static bool data_uring(void)
{
	return write_read_back(100, 1) && write_read_back(5000, 2);
}

static bool indirect(void)
{
	bool ok = true;

	for (uint32_t p = 0; p < BLKBACK_MAX_INDIRECT_SEGS; p++)
		memset(fe_data(&fe, p), (int)(p + 1), 4096);
	EXPECT(fe_indirect(&fe, BLKIF_OP_WRITE, 2048, BLKBACK_MAX_INDIRECT_SEGS) ==
	       BLKIF_RSP_OKAY);
	for (uint32_t p = 0; p < BLKBACK_MAX_INDIRECT_SEGS; p++)
		memset(fe_data(&fe, p), 0, 4096);
	EXPECT(fe_indirect(&fe, BLKIF_OP_READ, 2048, BLKBACK_MAX_INDIRECT_SEGS) ==
	       BLKIF_RSP_OKAY);
	for (uint32_t p = 0; p < BLKBACK_MAX_INDIRECT_SEGS; p++) {
		unsigned char want[4096];

		memset(want, (int)(p + 1), sizeof(want));
		EXPECT(!memcmp(fe_data(&fe, p), want, 4096));
		EXPECT(file_matches((2048 + p * 8) * 512ull, want, 4096));
	}
	return ok;
}

static int one(struct fe *f, const void *req, size_t len, union blkif_slot *raw)
{
	struct blkif_response rsp;

	fe_queue(f, req, len);
	fe_push(f);
	if (!fe_collect(f, &rsp, raw, 1))
		return -100;
	return rsp.status;
}

static bool flush_barrier_discard(void)
{
	struct blkif_request req = { .operation = BLKIF_OP_FLUSH_DISKCACHE, .id = 1 };
	struct blkif_request_discard d = { .operation = BLKIF_OP_DISCARD, .id = 2,
					   .sector_number = 4096, .nr_sectors = 16 };
	unsigned char zero[8192] = { 0 }, ones[4096];
	struct stat st;
	bool ok = true;

	EXPECT(one(&fe, &req, sizeof(req), NULL) == BLKIF_RSP_OKAY);
	/* flush carrying data, barrier carrying data */
	memset(ones, 0x11, sizeof(ones));
	memcpy(fe_data(&fe, 0), ones, 4096);
	req.nr_segments = 1;
	req.sector_number = 3000;
	req.seg[0] = (struct blkif_request_segment){ .gref = FE_DATA, .last_sect = 7 };
	EXPECT(one(&fe, &req, sizeof(req), NULL) == BLKIF_RSP_OKAY);
	EXPECT(file_matches(3000 * 512, ones, 4096));
	req.operation = BLKIF_OP_WRITE_BARRIER;
	req.sector_number = 3008;
	EXPECT(one(&fe, &req, sizeof(req), NULL) == BLKIF_RSP_OKAY);
	EXPECT(file_matches(3008 * 512, ones, 4096));
	/* discard: zeros read back, size kept */
	EXPECT(one(&fe, &d, sizeof(d), NULL) == BLKIF_RSP_OKAY);
	EXPECT(file_matches(4096 * 512, zero, 8192));
	EXPECT(!stat(image, &st) && st.st_size == DISK_BYTES);
	EXPECT(fe_rw(&fe, BLKIF_OP_READ, 4096, 16, 0) == BLKIF_RSP_OKAY);
	EXPECT(!memcmp(fe_data(&fe, 0), zero, 4096) && !memcmp(fe_data(&fe, 1), zero, 4096));
	d.flag = BLKIF_DISCARD_SECURE;
	EXPECT(one(&fe, &d, sizeof(d), NULL) == BLKIF_RSP_EOPNOTSUPP);
	return ok;
}

static bool end_of_disk(void)
{
	unsigned char want[1536];
	bool ok = true;

	/* the last 3 sectors live in one partial page */
	for (uint32_t i = 0; i < sizeof(want); i++)
		want[i] = pattern(DISK_BYTES - 1536 + i, 0);
	EXPECT(fe_rw(&fe, BLKIF_OP_READ, DISK_SECTORS - 3, 3, 0) == BLKIF_RSP_OKAY);
	EXPECT(!memcmp(fe_data(&fe, 0), want, sizeof(want)));
	EXPECT(fe_rw(&fe, BLKIF_OP_READ, DISK_SECTORS - 3, 4, 0) == BLKIF_RSP_ERROR);
	EXPECT(fe_rw(&fe, BLKIF_OP_READ, DISK_SECTORS, 1, 0) == BLKIF_RSP_ERROR);
	EXPECT(fe_rw(&fe, BLKIF_OP_WRITE, DISK_SECTORS - 1, 1, 0) == BLKIF_RSP_OKAY);
	return ok;
}

static bool many_in_flight(void)
{
	struct blkif_response rsp[32];
	bool seen[32] = { 0 };
	bool ok = true;

	for (uint32_t i = 0; i < 32; i++) {
		struct blkif_request req = {
			.operation = BLKIF_OP_READ, .nr_segments = 2, .id = 1000 + i,
			.sector_number = i * 64,
			.seg = { { .gref = FE_DATA + 2 * i, .last_sect = 7 },
				 { .gref = FE_DATA + 2 * i + 1, .last_sect = 7 } } };

		fe_queue(&fe, &req, sizeof(req));
	}
	EXPECT(ioring_front_free(&fe.ring) == 0);
	fe_push(&fe);
	EXPECT(fe_collect(&fe, rsp, NULL, 32));
	for (uint32_t i = 0; i < 32; i++) {
		EXPECT(rsp[i].status == BLKIF_RSP_OKAY && rsp[i].id >= 1000 && rsp[i].id < 1032);
		if (rsp[i].id >= 1000 && rsp[i].id < 1032)
			seen[rsp[i].id - 1000] = true;
	}
	for (uint32_t i = 0; i < 32; i++) {
		EXPECT(seen[i]);
		EXPECT(file_matches(i * 64 * 512ull, fe_data(&fe, 2 * i), 4096) &&
		       file_matches((i * 64 + 8) * 512ull, fe_data(&fe, 2 * i + 1), 4096));
	}
	return ok;
}

struct bad {
	const char *what;
	union blkif_slot req;
	int status;
};

static bool malformed(void)
{
	struct bad bad[] = {
		{ "reserved op", { .rw = { .operation = BLKIF_OP_RESERVED_1 } },
		  BLKIF_RSP_EOPNOTSUPP },
		{ "unknown op", { .rw = { .operation = 200 } }, BLKIF_RSP_EOPNOTSUPP },
		{ "read, 0 segments", { .rw = { .operation = BLKIF_OP_READ } }, BLKIF_RSP_ERROR },
		{ "read, 12 segments", { .rw = { .operation = BLKIF_OP_READ, .nr_segments = 12 } },
		  BLKIF_RSP_ERROR },
		{ "flush, 200 segments",
		  { .rw = { .operation = BLKIF_OP_FLUSH_DISKCACHE, .nr_segments = 200 } },
		  BLKIF_RSP_ERROR },
		{ "first > last", { .rw = { .operation = BLKIF_OP_READ, .nr_segments = 1,
					    .seg = { { FE_DATA, 3, 2, { 0 } } } } },
		  BLKIF_RSP_ERROR },
		{ "segment past its page", { .rw = { .operation = BLKIF_OP_READ, .nr_segments = 1,
						     .seg = { { FE_DATA, 0, 8, { 0 } } } } },
		  BLKIF_RSP_ERROR },
		{ "beyond the disk", { .rw = { .operation = BLKIF_OP_WRITE, .nr_segments = 1,
					       .sector_number = DISK_SECTORS - 2,
					       .seg = { { FE_DATA, 0, 7, { 0 } } } } },
		  BLKIF_RSP_ERROR },
		{ "sector wraps", { .rw = { .operation = BLKIF_OP_READ, .nr_segments = 1,
					    .sector_number = ~0ull - 3,
					    .seg = { { FE_DATA, 0, 7, { 0 } } } } },
		  BLKIF_RSP_ERROR },
		{ "not granted", { .rw = { .operation = BLKIF_OP_READ, .nr_segments = 1,
					   .seg = { { 300, 0, 7, { 0 } } } } },
		  BLKIF_RSP_ERROR },
		{ "gref beyond the table", { .rw = { .operation = BLKIF_OP_WRITE, .nr_segments = 1,
						     .seg = { { 100000, 0, 7, { 0 } } } } },
		  BLKIF_RSP_ERROR },
		{ "indirect, 65 segments",
		  { .indirect = { .operation = BLKIF_OP_INDIRECT, .indirect_op = BLKIF_OP_READ,
				  .nr_segments = 65, .indirect_grefs = { FE_INDIRECT_REF } } },
		  BLKIF_RSP_ERROR },
		{ "indirect, 0 segments",
		  { .indirect = { .operation = BLKIF_OP_INDIRECT, .indirect_op = BLKIF_OP_READ,
				  .indirect_grefs = { FE_INDIRECT_REF } } },
		  BLKIF_RSP_ERROR },
		{ "indirect, 4096 segments (8+ pages)",
		  { .indirect = { .operation = BLKIF_OP_INDIRECT, .indirect_op = BLKIF_OP_READ,
				  .nr_segments = 4097 } },
		  BLKIF_RSP_ERROR },
		{ "indirect flush",
		  { .indirect = { .operation = BLKIF_OP_INDIRECT,
				  .indirect_op = BLKIF_OP_FLUSH_DISKCACHE, .nr_segments = 1,
				  .indirect_grefs = { FE_INDIRECT_REF } } },
		  BLKIF_RSP_ERROR },
		{ "indirect page not granted",
		  { .indirect = { .operation = BLKIF_OP_INDIRECT, .indirect_op = BLKIF_OP_READ,
				  .nr_segments = 1, .indirect_grefs = { 301 } } },
		  BLKIF_RSP_ERROR },
		{ "discard beyond the disk",
		  { .discard = { .operation = BLKIF_OP_DISCARD, .sector_number = DISK_SECTORS - 1,
				 .nr_sectors = 2 } },
		  BLKIF_RSP_ERROR },
		{ "discard wraps",
		  { .discard = { .operation = BLKIF_OP_DISCARD, .sector_number = 8,
				 .nr_sectors = ~0ull } },
		  BLKIF_RSP_ERROR },
	};
	const unsigned int n = sizeof(bad) / sizeof(bad[0]);
	struct blkif_response rsp[sizeof(bad) / sizeof(bad[0])];
	union blkif_slot raw[sizeof(bad) / sizeof(bad[0])];
	bool ok = true;

	/* (the indirect page's first segment is valid: only the request is bad) */
	for (unsigned int i = 0; i < n; i++) {
		/* an id with no zero byte: leaks into the padding would show */
		bad[i].req.rw.id = 0x0101010101010101ull * (i + 1);
		fe_queue(&fe, &bad[i].req, sizeof(bad[i].req));
	}
	fe_push(&fe);
	EXPECT(fe_collect(&fe, rsp, raw, n));
	/* answers may come in any order (a valid-looking read does I/O): by id */
	for (unsigned int k = 0; k < n; k++) {
		const unsigned char *b = (const unsigned char *)&raw[k];
		unsigned int i = (unsigned int)(rsp[k].id / 0x0101010101010101ull) - 1;
		bool clean = b[9] == 0;

		for (size_t x = 12; x < sizeof(raw[k]); x++)
			clean &= b[x] == 0;
		if (i >= n || rsp[k].id != 0x0101010101010101ull * (i + 1) ||
		    rsp[k].status != bad[i].status || !clean) {
			tap_diag("%s: id %llx status %d%s", i < n ? bad[i].what : "?",
				 (unsigned long long)rsp[k].id, rsp[k].status,
				 clean ? "" : ", padding not zero");
			ok = false;
		}
	}
	/* still serving */
	EXPECT(write_read_back(300, 3));
	return ok;
}

static bool grants(void)
{
	bool ok = true;

	/* revoked before the backend used it */
	EXPECT(fake_revoke(g, FE_DATA + 5) == 0);
	EXPECT(fe_rw(&fe, BLKIF_OP_READ, 8, 8, 5) == BLKIF_RSP_ERROR);
	EXPECT(fe_rw(&fe, BLKIF_OP_WRITE, 8, 8, 5) == BLKIF_RSP_ERROR);
	/* granted to another domain */
	fake_grant(g, FE_DATA + 5, FE_DATA + 5, false, 7);
	EXPECT(fe_rw(&fe, BLKIF_OP_READ, 8, 8, 5) == BLKIF_RSP_ERROR);
	/* read-only: fine to write the disk from, not to read the disk into */
	fake_grant(g, FE_DATA + 5, FE_DATA + 5, true, 0);
	EXPECT(fe_rw(&fe, BLKIF_OP_WRITE, 8, 8, 5) == BLKIF_RSP_OKAY);
	EXPECT(fe_rw(&fe, BLKIF_OP_READ, 8, 8, 5) == BLKIF_RSP_ERROR);
	fake_grant(g, FE_DATA + 5, FE_DATA + 5, false, 0);
	EXPECT(fe_rw(&fe, BLKIF_OP_READ, 8, 8, 5) == BLKIF_RSP_OKAY);
	/* the grants the backend used are released: the guest can revoke */
	EXPECT(fake_revoke(g, FE_DATA + 5) == 0);
	fake_grant(g, FE_DATA + 5, FE_DATA + 5, false, 0);
	return ok;
}

/* A req_prod far beyond the ring: dropped, Closing; then a clean reconnect. */
static bool hostile_ring(void)
{
	struct ioring_sring *s = fake_frame(g, FE_RING);
	char r[XENSTORE_PAYLOAD_MAX + 1];
	bool ok = true;

	s->req_prod = s->rsp_prod + 1000;
	fake_port_send(g, fe.port);
	EXPECT(fe_wait_be(&fe, XenbusStateClosing));
	EXPECT(fe_be_read(&fe, "error", r) == 0 && strstr(r, "bogus"));
	/* the frontend closes; the backend follows to Closed */
	EXPECT(fe_set(&fe, "state", "%lu", XenbusStateClosed));
	EXPECT(fe_wait_be(&fe, XenbusStateClosed));
	/* the ring's grant is released (only the xenstore page stays mapped) */
	EXPECT(g->live_maps == 1 && !(g->gnttab[FE_RING_REF].flags & (GTF_reading | GTF_writing)));
	/* and reconnects, skipping Initialised (straight to Connected) */
	EXPECT(fe_set(&fe, "state", "%lu", XenbusStateInitialising));
	EXPECT(fe_connect(&fe, true));
	EXPECT(write_read_back(400, 4));
	/* Connected written again: idempotent */
	EXPECT(fe_set(&fe, "state", "%lu", XenbusStateConnected));
	usleep(20000);
	EXPECT(fe_be_u64(&fe, "state") == XenbusStateConnected);
	EXPECT(write_read_back(500, 5));
	return ok;
}

static bool storm(void)
{
	bool ok = true;

	for (int i = 0; i < 100000; i++) {
		fake_port_send(g, fe.port);
		if (!(i % 1000))
			usleep(200);
	}
	EXPECT(write_read_back(600, 6));
	return ok;
}

static bool teardown(void)
{
	struct blkback_stats st;
	bool ok = true;

	EXPECT(rig_down(&st));
	tap_diag("requests %llu (errors %llu, unsupported %llu), read %llu B, written %llu B, "
		 "max in flight %u, bogus rings %llu, wake-ups %llu (spurious %llu)",
		 (unsigned long long)st.requests, (unsigned long long)st.errors,
		 (unsigned long long)st.unsupported, (unsigned long long)st.bytes_read,
		 (unsigned long long)st.bytes_written, st.max_inflight,
		 (unsigned long long)st.bogus_rings, (unsigned long long)st.wakeups,
		 (unsigned long long)st.spurious);
	EXPECT(st.max_inflight > 1);
	EXPECT(st.bogus_rings == 1 && st.connects == 2);
	EXPECT(st.spurious > 0 && st.wakeups < 10000);
	return ok;
}

static bool pool_engine(void)
{
	struct blkback_stats st;
	bool ok = true;

	EXPECT(rig_up(BLK_ENGINE_POOL, false));
	EXPECT(write_read_back(700, 7));
	EXPECT(indirect());
	EXPECT(flush_barrier_discard());
	EXPECT(many_in_flight());
	EXPECT(rig_down(&st));
	EXPECT(st.errors == 0);
	return ok;
}

static bool readonly_disk(void)
{
	struct blkif_request flush = { .operation = BLKIF_OP_FLUSH_DISKCACHE, .id = 9 };
	struct blkif_request_discard d = { .operation = BLKIF_OP_DISCARD, .id = 2,
					   .sector_number = 8, .nr_sectors = 8 };
	char r[XENSTORE_PAYLOAD_MAX + 1];
	unsigned char before[8192];
	struct blkback_stats st;
	int fd = open(image, O_RDONLY);
	bool ok = true;

	EXPECT(fd >= 0 && pread(fd, before, sizeof(before), 0) == sizeof(before));
	close(fd);
	EXPECT(rig_up(BLK_ENGINE_URING, true));
	EXPECT(fe_be_u64(&fe, "info") == VDISK_READONLY);
	EXPECT(fe_be_u64(&fe, "feature-discard") == 0);
	EXPECT(fe_be_read(&fe, "mode", r) == 0 && !strcmp(r, "r"));
	memset(fe_data(&fe, 0), 0xee, 8192);
	EXPECT(fe_rw(&fe, BLKIF_OP_WRITE, 0, 16, 0) == BLKIF_RSP_ERROR);
	EXPECT(one(&fe, &flush, sizeof(flush), NULL) == BLKIF_RSP_OKAY);
	flush.nr_segments = 1;
	flush.seg[0] = (struct blkif_request_segment){ .gref = FE_DATA, .last_sect = 7 };
	EXPECT(one(&fe, &flush, sizeof(flush), NULL) == BLKIF_RSP_ERROR);
	flush.operation = BLKIF_OP_WRITE_BARRIER;
	EXPECT(one(&fe, &flush, sizeof(flush), NULL) == BLKIF_RSP_ERROR);
	EXPECT(one(&fe, &d, sizeof(d), NULL) == BLKIF_RSP_EOPNOTSUPP);
	EXPECT(fe_indirect(&fe, BLKIF_OP_WRITE, 0, 2) == BLKIF_RSP_ERROR);
	EXPECT(fe_rw(&fe, BLKIF_OP_READ, 0, 16, 0) == BLKIF_RSP_OKAY);
	EXPECT(!memcmp(fe_data(&fe, 0), before, sizeof(before)));
	EXPECT(file_matches(0, before, sizeof(before)));
	EXPECT(rig_down(&st));
	return ok;
}

static bool bad_frontend_keys(void)
{
	char r[XENSTORE_PAYLOAD_MAX + 1];
	struct blkback_stats st;
	bool ok = true;

	EXPECT(rig_up(BLK_ENGINE_URING, false));
	/* a 32-bit protocol is refused: Closing with an error */
	EXPECT(fe_set(&fe, "state", "%lu", XenbusStateClosed));
	EXPECT(fe_wait_be(&fe, XenbusStateClosed));
	EXPECT(fe_set(&fe, "state", "%lu", XenbusStateInitialising));
	EXPECT(fe_wait_be(&fe, XenbusStateInitWait));
	EXPECT(xsc_write(&fe.xs, 0, "device/vbd/51712/protocol", "x86_32-abi", r) == 0);
	EXPECT(fe_set(&fe, "state", "%lu", XenbusStateInitialised));
	EXPECT(fe_wait_be(&fe, XenbusStateClosing));
	/* a ring-ref the backend may not map */
	EXPECT(fe_set(&fe, "state", "%lu", XenbusStateClosed));
	EXPECT(fe_wait_be(&fe, XenbusStateClosed));
	EXPECT(fe_set(&fe, "state", "%lu", XenbusStateInitialising));
	EXPECT(fe_wait_be(&fe, XenbusStateInitWait));
	EXPECT(xsc_write(&fe.xs, 0, "device/vbd/51712/protocol", "x86_64-abi", r) == 0);
	EXPECT(fe_set(&fe, "ring-ref", "%lu", 302));
	EXPECT(fe_set(&fe, "state", "%lu", XenbusStateInitialised));
	EXPECT(fe_wait_be(&fe, XenbusStateClosing));
	EXPECT(rig_down(&st));
	EXPECT(st.connects == 1);
	return ok;
}

static const struct unit_case cases[] = {
	{ "image file with a partial last page", make_image },
	{ "handshake; the keys a Linux blkfront reads", handshake_keys },
	{ "write, read back, compare with the image (io_uring)", data_uring },
	{ "indirect write and read, 64 segments", indirect },
	{ "flush, flush with data, barrier, discard", flush_barrier_discard },
	{ "end of the disk inside its last page", end_of_disk },
	{ "32 requests in flight", many_in_flight },
	{ "malformed requests: status, id, zeroed padding", malformed },
	{ "revoked, foreign and read-only grants", grants },
	{ "hostile req_prod: ring dropped; reconnect skipping a state", hostile_ring },
	{ "notification storm damped, I/O still served", storm },
	{ "teardown: nothing mapped, bound or in use", teardown },
	{ "the same I/O through the thread pool", pool_engine },
	{ "read-only disk refuses writes, data flushes, discard", readonly_disk },
	{ "bad frontend keys leave the device Closing", bad_frontend_keys },
};

int main(void)
{
	int rc = UNIT_RUN(cases);

	unlink(image);
	return rc;
}
