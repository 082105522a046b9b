// SPDX-License-Identifier: GPL-2.0
/*
 * The split-driver guest: a PV guest with its own console, xenstore and
 * block frontends (rt/pvfront.c) against the host's backends, one
 * scenario per run (pvdisk.h).
 *
 * Every scenario maps shared_info and grant frame 0, reads the four HVM
 * params, greets through the console ring and connects the block
 * frontend with the xenbus handshake. PVD_SCEN_RW then writes
 * PVD_INFLIGHT 4 KiB requests at once, reads them back at once and
 * compares, and does the same with one indirect request when the backend
 * offers enough indirect segments; it says how that went on the console,
 * echoes the first line of console input if there is some by then, and
 * ends with 0 only if all of it worked (2 otherwise). The other scenarios misbehave once, as
 * a hostile frontend would, and report what the backend answered: an
 * error response (and a good request still served after it) or, for a
 * broken ring, the backend leaving Connected; for a broken xenstore
 * message, the error the server writes into the page. PVD_SCEN_BENCH
 * times 4 KiB requests through the ring (@depth in flight) or the same
 * transfers by port I/O per sector, for the host's bench.
 */
#include "guest.h"
#include "hypercall.h"
#include "pvdisk.h"
#include "pvfront.h"

#define PAGE	PVF_PAGE

static unsigned char shinfo_page[PAGE] __attribute__((aligned(PAGE)));
static unsigned char gnt_page[PAGE] __attribute__((aligned(PAGE)));
static unsigned char ring_page[PAGE] __attribute__((aligned(PAGE)));
static unsigned char indirect_page[PAGE] __attribute__((aligned(PAGE)));
static unsigned char data[PVF_DATA_PAGES][PAGE] __attribute__((aligned(PAGE)));

static struct pvf_domain dom;
static struct pvf_console con;
static struct pvf_xs xs;
static struct pvf_blk blk;
static uint32_t seed;		/* our domid: each guest writes its own bytes */

static void say(const char *s)
{
	if (con.intf)
		pvf_console_write(&con, s);
}

static void fill(unsigned int page, uint64_t sector)
{
	for (unsigned int i = 0; i < PAGE; i++)
		data[page][i] = PVD_PAT(seed, sector + i / 512, i % 512);
}

static bool holds(unsigned int page, uint64_t sector)
{
	for (unsigned int i = 0; i < PAGE; i++)
		if (data[page][i] != PVD_PAT(seed, sector + i / 512, i % 512))
			return false;
	return true;
}

static void grant_data(void)
{
	pvf_grant(&dom, PVF_GREF_INDIRECT, indirect_page, true);
	for (unsigned int i = 0; i < PVF_DATA_PAGES; i++)
		pvf_grant(&dom, PVF_GREF_DATA + i, data[i], false);
}

/* The domid in our backend's path .../backend/vbd/<domid>/<devid>. */
static uint32_t domid_of_backend(const char *be)
{
	const char *p = be;
	uint32_t v = 0;

	for (; *p; p++)
		if (p[0] == 'v' && p[1] == 'b' && p[2] == 'd' && p[3] == '/')
			break;
	for (p += *p ? 4 : 0; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (uint32_t)(*p - '0');
	return v;
}

static struct blkif_request rw_req(uint8_t op, uint64_t id, uint64_t sector, uint32_t page)
{
	return (struct blkif_request){ .operation = op, .nr_segments = 1, .id = id,
				       .sector_number = sector,
				       .seg = { pvf_blk_seg(PVF_GREF_DATA + page) } };
}

/* One request: its status, or -100 if no matching response came. */
static int one(const struct blkif_request *req)
{
	struct blkif_response rsp;

	pvf_blk_queue(&blk, req, sizeof(*req));
	pvf_blk_push(&blk);
	if (!pvf_blk_collect(&blk, &rsp, 1) || rsp.id != req->id)
		return -100;
	return rsp.status;
}

/* @n one-page requests on the ring at once: how many came back OKAY. */
static unsigned int batch(uint8_t op, unsigned int first_page, unsigned int n)
{
	struct blkif_response rsp[PVD_INFLIGHT];
	unsigned int ok = 0;

	for (unsigned int i = 0; i < n; i++) {
		struct blkif_request r = rw_req(op, i, 8ULL * i, first_page + i);

		pvf_blk_queue(&blk, &r, sizeof(r));
	}
	pvf_blk_push(&blk);
	if (!pvf_blk_collect(&blk, rsp, n))
		return 0;
	for (unsigned int i = 0; i < n; i++)
		ok += rsp[i].status == BLKIF_RSP_OKAY && rsp[i].operation == op;
	return ok;
}

static int indirect(uint8_t op)
{
	struct blkif_request_indirect req = {
		.operation = BLKIF_OP_INDIRECT, .indirect_op = op,
		.nr_segments = PVD_IND_PAGES, .id = 0x1d, .sector_number = PVD_IND_SECTOR,
		.indirect_grefs = { PVF_GREF_INDIRECT },
	};
	struct blkif_request_segment *segs = (void *)indirect_page;
	struct blkif_request slot = { 0 };

	for (unsigned int i = 0; i < PVD_IND_PAGES; i++)
		segs[i] = pvf_blk_seg(PVF_GREF_DATA + PVD_INFLIGHT * 2 + i);
	memcpy(&slot, &req, sizeof(req));
	return one(&slot);
}

static bool rw_indirect(void)
{
	unsigned int ind = PVD_INFLIGHT * 2;
	bool match;

	for (unsigned int i = 0; i < PVD_IND_PAGES; i++)
		fill(ind + i, PVD_IND_SECTOR + 8ULL * i);
	match = indirect(BLKIF_OP_WRITE) == BLKIF_RSP_OKAY;
	memset(data[ind], 0, PVD_IND_PAGES * PAGE);
	match &= indirect(BLKIF_OP_READ) == BLKIF_RSP_OKAY;
	for (unsigned int i = 0; i < PVD_IND_PAGES; i++)
		match &= holds(ind + i, PVD_IND_SECTOR + 8ULL * i);
	report(PVD_K_INDIRECT_OK, match);
	return match;
}

static void say_num(const char *before, uint64_t v, const char *after)
{
	char num[21];

	say(before);
	say(pvf_utoa(v, num));
	say(after);
}

/* 0 if every write and read worked and the data came back. */
/* Where the first newline of @s[0..@len) is, or @len. */
static uint32_t line_end(const char *s, uint32_t len)
{
	uint32_t i = 0;

	while (i < len && s[i] != '\n')
		i++;
	return i;
}

/*
 * The first line of the console's input, if the host has put some there by
 * now (pvxctl run --pv --console: its stdin, a terminal, pipe or file),
 * echoed as PVD_ECHO "LINE"; a line begun is waited for to its newline.
 */
static void echo_console_input(void)
{
	char line[PVD_ECHO_MAX + 1];
	uint32_t len = con.intf ? pvf_console_read(&con, line, PVD_ECHO_MAX) : 0;

	for (long tries = 0; len && len < PVD_ECHO_MAX &&
	     line_end(line, len) == len && tries < PVF_WAIT_TRIES; tries++) {
		pvf_relax(&dom);
		len += pvf_console_read(&con, line + len, PVD_ECHO_MAX - len);
	}
	if (!len)
		return;
	line[line_end(line, len)] = 0;
	say(PVD_ECHO);
	say(line);
	say("\n");
}

static int rw(void)
{
	unsigned int writes, reads;
	bool match = true, ind = false;

	for (unsigned int i = 0; i < PVD_INFLIGHT; i++)
		fill(i, 8ULL * i);
	writes = batch(BLKIF_OP_WRITE, 0, PVD_INFLIGHT);
	report(PVD_K_WRITES_OK, writes);
	report(PVD_K_MAX_INFLIGHT, PVD_INFLIGHT);
	memset(data[PVD_INFLIGHT], 0, PVD_INFLIGHT * PAGE);
	reads = batch(BLKIF_OP_READ, PVD_INFLIGHT, PVD_INFLIGHT);
	report(PVD_K_READS_OK, reads);
	for (unsigned int i = 0; i < PVD_INFLIGHT; i++)
		match &= holds(PVD_INFLIGHT + i, 8ULL * i);
	report(PVD_K_READ_MATCH, match);
	if (blk.max_indirect >= PVD_IND_PAGES)
		ind = rw_indirect();
	say_num("pvdisk: xvda ", blk.sectors, " sectors");
	say_num(" of ", blk.sector_size, " bytes");
	say(blk.info & VDISK_READONLY ? ", read-only\n" : "\n");
	say_num("pvdisk: ", writes, " of " PVD_INFLIGHT_STR " writes,");
	say_num(" ", reads, " of " PVD_INFLIGHT_STR " reads in flight at once, ");
	say(match ? "data matches\n" : "data differs\n");
	say(ind ? "pvdisk: indirect write and read of " PVD_IND_PAGES_STR " pages ok\n" :
	    "pvdisk: no indirect request\n");
	echo_console_input();
	return writes == PVD_INFLIGHT && reads == PVD_INFLIGHT && match && ind ? 0 : 2;
}

static void report_after(void)
{
	struct blkif_request r = rw_req(BLKIF_OP_READ, 0xaf, 0, 1);

	report(PVD_K_AFTER_OK, one(&r) == BLKIF_RSP_OKAY);
}

static int seg_past_page(void)
{
	struct blkif_request r = rw_req(BLKIF_OP_WRITE, 0xb1, 0, 0);

	r.seg[0].last_sect = 8;			/* sector 8 of a 4 KiB page */
	report(PVD_K_BAD_STATUS, (uint64_t)(int64_t)one(&r));
	r = rw_req(BLKIF_OP_READ, 0xb2, 0, 0);
	r.seg[0].first_sect = 5;
	r.seg[0].last_sect = 2;
	report(PVD_K_BAD_STATUS2, (uint64_t)(int64_t)one(&r));
	report_after();
	return 0;
}

static int revoked(void)
{
	struct blkif_request r = rw_req(BLKIF_OP_READ, 0xb3, 0, 5);

	report(PVD_K_BAD_STATUS2, pvf_revoke(&dom, PVF_GREF_DATA + 5));
	report(PVD_K_BAD_STATUS, (uint64_t)(int64_t)one(&r));
	report_after();
	return 0;
}

static int ro_write(void)
{
	struct blkif_request r = rw_req(BLKIF_OP_WRITE, 0xb4, 0, 0);

	report(PVD_K_BAD_STATUS, (uint64_t)(int64_t)one(&r));
	report_after();
	return 0;
}

static int storm(void)
{
	uint64_t failed = 0;

	for (unsigned int i = 0; i < 100000; i++)
		failed += pvf_notify(blk.port) != 0;
	report(PVD_K_BAD_STATUS, failed);
	report_after();
	return 0;
}

static int ring_overrun(void)
{
	struct ioring_sring *s = (void *)ring_page;
	long tries;

	ioring_store(&s->req_prod, blk.ring.req_prod_pvt + 1000000);
	pvf_notify(blk.port);
	for (tries = 0; tries < PVF_WAIT_TRIES / 100; tries++) {
		if (pvf_blk_be_state(&blk) != XenbusStateConnected)
			break;
		pvf_relax(&dom);
	}
	report(PVD_K_BE_STATE, pvf_blk_be_state(&blk));
	return 0;
}

static int xs_huge(void)
{
	struct xsd_sockmsg h = { .type = XS_WRITE, .req_id = 99, .len = 1U << 20 };
	long tries;

	pvf_xs_put(&xs, &h, sizeof(h));
	for (tries = 0; tries < PVF_WAIT_TRIES && !xs.intf->error; tries++)
		pvf_relax(&dom);
	report(PVD_K_XS_ERROR, xs.intf->error);
	return 0;
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* @iter 4 KiB requests, @depth on the ring at a time: the failures. */
static uint64_t bench_ring(uint8_t op, uint32_t depth, uint32_t iter)
{
	struct blkif_response rsp[PVF_DATA_PAGES];
	uint64_t failed = 0;

	for (uint32_t done = 0; done < iter; done += depth) {
		uint32_t n = iter - done < depth ? iter - done : depth;

		for (uint32_t i = 0; i < n; i++) {
			struct blkif_request r = rw_req(op, i, 8ULL * ((done + i) % 256), i);

			pvf_blk_queue(&blk, &r, sizeof(r));
		}
		pvf_blk_push(&blk);
		if (!pvf_blk_collect(&blk, rsp, n))
			return iter;
		for (uint32_t i = 0; i < n; i++)
			failed += rsp[i].status != BLKIF_RSP_OKAY;
	}
	return failed;
}

/* The same transfers by port I/O: per sector, its number then 128 dwords. */
static void bench_pio(bool write, uint32_t iter)
{
	for (uint32_t k = 0; k < iter; k++) {
		for (uint32_t s = 0; s < 8; s++) {
			void *buf = data[k % PVF_DATA_PAGES] + 512 * s;
			unsigned long n = 128;

			outl(PVD_PORT_PIO_SECTOR, 8 * (k % 256) + s);
			if (write)
				__asm__ volatile("rep outsl" : "+S"(buf), "+c"(n)
						 : "d"(PVD_PORT_PIO_DATA) : "memory");
			else
				__asm__ volatile("rep insl" : "+D"(buf), "+c"(n)
						 : "d"(PVD_PORT_PIO_DATA) : "memory");
		}
	}
}

static int bench(void)
{
	uint32_t op = inl(PVD_PORT_BENCH_OP), depth = inl(PVD_PORT_BENCH_DEPTH);
	uint32_t iter = inl(PVD_PORT_BENCH_ITER);
	uint64_t t0, failed = 0;

	if (!depth || depth > PVF_DATA_PAGES || depth > blk.ring.nr_ents)
		return 3;
	t0 = rdtsc();
	if (op == PVD_BENCH_RING_READ || op == PVD_BENCH_RING_WRITE)
		failed = bench_ring(op == PVD_BENCH_RING_READ ? BLKIF_OP_READ :
				    BLKIF_OP_WRITE, depth, iter);
	else
		bench_pio(op == PVD_BENCH_PIO_WRITE, iter);
	report(PVD_K_BENCH_TICKS, rdtsc() - t0);
	report(PVD_K_BENCH_FAILED, failed);
	return failed ? 2 : 0;
}

static bool start(uint32_t scenario)
{
	uint32_t devid = scenario == PVD_SCEN_RO_WRITE ? PVD_DEV_RO : PVD_DEV_RW;

	if (pvf_domain_init(&dom, shinfo_page, gnt_page))
		return false;
	report(PVD_K_STORE_PFN, pvf_hvm_param(HVM_PARAM_STORE_PFN));
	report(PVD_K_STORE_EVTCHN, pvf_hvm_param(HVM_PARAM_STORE_EVTCHN));
	report(PVD_K_CONSOLE_PFN, pvf_hvm_param(HVM_PARAM_CONSOLE_PFN));
	report(PVD_K_CONSOLE_EVTCHN, pvf_hvm_param(HVM_PARAM_CONSOLE_EVTCHN));
	if (pvf_console_init(&con, &dom))
		say(PVD_HELLO "\n");
	if (!pvf_xs_init(&xs, &dom))
		return false;
	grant_data();
	if (!pvf_blk_connect(&blk, &dom, &xs, devid, ring_page))
		return false;
	seed = domid_of_backend(blk.be);
	report(PVD_K_DOMID, seed);
	report(PVD_K_CONNECTED, 1);
	report(PVD_K_SECTORS, blk.sectors);
	report(PVD_K_SECTOR_SIZE, blk.sector_size);
	report(PVD_K_INFO, blk.info);
	report(PVD_K_MAX_INDIRECT, blk.max_indirect);
	return true;
}

static int (*const scenarios[PVD_SCEN_COUNT])(void) = {
	[PVD_SCEN_RW] = rw,
	[PVD_SCEN_SEG_PAST_PAGE] = seg_past_page,
	[PVD_SCEN_REVOKED] = revoked,
	[PVD_SCEN_RO_WRITE] = ro_write,
	[PVD_SCEN_STORM] = storm,
	[PVD_SCEN_RING_OVERRUN] = ring_overrun,
	[PVD_SCEN_XS_HUGE] = xs_huge,
	[PVD_SCEN_BENCH] = bench,
};

int guest_main(unsigned int vcpu, unsigned int nr_vcpus)
{
	uint32_t scenario = inl(PVD_PORT_SCENARIO);

	(void)nr_vcpus;
	if (vcpu)
		halt();
	if (scenario >= PVD_SCEN_COUNT)
		scenario = PVD_SCEN_RW;		/* nobody serves the port */
	if (!start(scenario)) {
		print("pvdisk: no connection\n");
		return 1;
	}
	return scenarios[scenario]();
}
