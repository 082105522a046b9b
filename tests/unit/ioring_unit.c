// SPDX-License-Identifier: GPL-2.0
/*
 * ioring_unit: ioring/ioring.h against the rules of Xen's io/ring.h and the
 * byte rings of io/console.h and io/xs_wire.h: slot counts, the shared
 * page's initial state, the event-index notify test (first push notifies,
 * a busy consumer is not notified, the final check re-arms), the bogus
 * producer indices of a hostile peer (refused at attach and per pass, the
 * consume loop bounded), the zeroed response slot, byte rings across the
 * 2^32 wrap and refusing prod - cons > size; then two threads hammering
 * one ring (2 million requests, order and contents checked, notification
 * counts bounded by the pushes) and one byte ring (16 MiB of a pattern),
 * each side sleeping on an eventfd only after its final check, so a lost
 * wake-up shows as a 10-second timeout, a failure.
 */
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "ioring.h"
#include "unit.h"

static bool slot_counts(void)
{
	bool ok = true;

	/* blkif's 112-byte slots (fact sheet 1.2) */
	EXPECT(ioring_slots(4096, 112) == 32);
	EXPECT(ioring_slots(2 * 4096, 112) == 64);
	EXPECT(ioring_slots(4 * 4096, 112) == 128);
	EXPECT(ioring_slots(8 * 4096, 112) == 256);
	EXPECT(ioring_slots(16 * 4096, 112) == 512);
	EXPECT(ioring_slots(4096, 64) == 32);	/* 63 -> 32 */
	EXPECT(ioring_slots(4096, 16) == 128);	/* 252 -> 128 */
	EXPECT(ioring_slots(4096, 0) == 0);
	EXPECT(ioring_slots(100, 112) == 0);
	EXPECT(ioring_slots(64 + 112, 112) == 1);
	return ok;
}

struct msg {
	uint64_t seq;
	uint64_t val;
	unsigned char fill[96];
};

static _Alignas(4096) unsigned char page[4096];

static bool init_and_notify(void)
{
	struct ioring_front f;
	struct ioring_back b;
	struct ioring_sring *s = (void *)page;
	bool ok = true;

	memset(page, 0xa5, sizeof(page));
	EXPECT(ioring_front_init(&f, page, sizeof(page), sizeof(struct msg)) == 32);
	EXPECT(s->req_prod == 0 && s->rsp_prod == 0);
	EXPECT(s->req_event == 1 && s->rsp_event == 1);
	for (size_t i = 16; i < 64; i++)
		EXPECT(page[i] == 0);
	EXPECT(ioring_back_attach(&b, page, sizeof(page), sizeof(struct msg)) == 0);
	EXPECT(b.nr_ents == 32 && b.req_cons == 0 && b.rsp_prod_pvt == 0);

	/* the first request crosses req_event = 1: notify */
	((struct msg *)ioring_front_next_request(&f))->seq = 7;
	EXPECT(ioring_front_push(&f));
	EXPECT(s->req_prod == 1);
	/* the back has not asked again: no notification */
	ioring_front_next_request(&f);
	EXPECT(!ioring_front_push(&f));
	EXPECT(ioring_front_free(&f) == 30);

	ioring_idx_t rp;
	struct msg m;

	EXPECT(ioring_back_req_prod(&b, &rp) == 0 && rp == 2);
	EXPECT(ioring_back_pending(&b, rp) == 2);
	ioring_back_take_request(&b, &m);
	EXPECT(m.seq == 7);
	ioring_back_take_request(&b, &m);
	/* nothing left: the final check re-arms req_event = cons + 1 */
	EXPECT(!ioring_back_final_check(&b));
	EXPECT(s->req_event == 3);
	ioring_front_next_request(&f);
	ioring_front_next_request(&f);
	EXPECT(ioring_front_push(&f));	/* window (2, 4] holds 3 */

	/* responses: the slot is zeroed, then written in place */
	struct msg *r = ioring_back_next_response(&b);

	EXPECT(r->seq == 0 && r->fill[95] == 0);
	r->seq = 7;
	EXPECT(ioring_back_push(&b));	/* rsp_event 1 in (0, 1] */
	ioring_back_next_response(&b);
	EXPECT(!ioring_back_push(&b));
	EXPECT(ioring_front_rsp_prod(&f, &rp) == 0 && rp == 2);
	ioring_front_take_response(&f, &m);
	EXPECT(m.seq == 7);
	ioring_front_take_response(&f, &m);
	EXPECT(!ioring_front_final_check(&f) && s->rsp_event == 3);
	EXPECT(ioring_front_free(&f) == 30);
	return ok;
}

/* The window test across the 2^32 wrap. */
static bool notify_wraps(void)
{
	bool ok = true;

	EXPECT(ioring_need_notify(0, 0xfffffffe, 2));
	EXPECT(ioring_need_notify(0xffffffff, 0xfffffffe, 2));
	EXPECT(ioring_need_notify(2, 0xfffffffe, 2));
	EXPECT(!ioring_need_notify(3, 0xfffffffe, 2));
	EXPECT(!ioring_need_notify(0xfffffffe, 0xfffffffe, 2));
	EXPECT(!ioring_need_notify(5, 5, 5));
	return ok;
}

static bool hostile_indices(void)
{
	struct ioring_front f;
	struct ioring_back b;
	struct ioring_sring *s = (void *)page;
	ioring_idx_t rp;
	bool ok = true;

	ioring_front_init(&f, page, sizeof(page), sizeof(struct msg));
	/* at attach: more claimed than the ring holds */
	s->req_prod = 33;
	EXPECT(ioring_back_attach(&b, page, sizeof(page), sizeof(struct msg)) ==
	       IORING_BOGUS);
	s->req_prod = 32;
	EXPECT(ioring_back_attach(&b, page, sizeof(page), sizeof(struct msg)) == 0);
	/* per pass: req_prod far beyond the ring */
	s->req_prod = 0x80000000u;
	EXPECT(ioring_back_req_prod(&b, &rp) == IORING_BOGUS);
	s->req_prod = 0xffffffffu;	/* "behind": also out of range */
	EXPECT(ioring_back_req_prod(&b, &rp) == IORING_BOGUS);
	/* a full ring consumed but unanswered: nothing more to take */
	s->req_prod = 32;
	EXPECT(ioring_back_req_prod(&b, &rp) == 0);
	EXPECT(ioring_back_pending(&b, rp) == 32);
	for (int i = 0; i < 32; i++) {
		struct msg m;

		ioring_back_take_request(&b, &m);
	}
	EXPECT(ioring_back_pending(&b, rp) == 0);
	/* the front re-uses a slot without our response: still bounded */
	s->req_prod = 40;
	EXPECT(ioring_back_req_prod(&b, &rp) == IORING_BOGUS);
	ioring_back_next_response(&b);
	ioring_back_push(&b);
	s->req_prod = 33;
	EXPECT(ioring_back_req_prod(&b, &rp) == 0 && ioring_back_pending(&b, rp) == 1);
	/* the front's view of a bogus rsp_prod */
	ioring_front_init(&f, page, sizeof(page), sizeof(struct msg));
	s->rsp_prod = 33;
	EXPECT(ioring_front_rsp_prod(&f, &rp) == IORING_BOGUS);
	s->rsp_prod = 32;
	EXPECT(ioring_front_rsp_prod(&f, &rp) == 0);
	/* a page too small for one slot is refused */
	EXPECT(ioring_back_attach(&b, page, 100, sizeof(struct msg)) == IORING_BOGUS);
	return ok;
}

static bool bytes_basic(void)
{
	char buf[16], out[32];
	ioring_idx_t cons = 0xfffffff8u, prod = 0xfffffff8u;	/* near the wrap */
	struct ioring_bytes r = { .buf = buf, .size = 16, .cons = &cons, .prod = &prod };
	bool ok = true;

	EXPECT(ioring_bytes_read(&r, out, sizeof(out)) == 0);
	EXPECT(ioring_bytes_write(&r, "abcdefghijklmnopqrstu", 21) == 16);
	EXPECT(prod == 8 && cons == 0xfffffff8u);	/* crossed 2^32 */
	EXPECT(ioring_bytes_write(&r, "x", 1) == 0);	/* full */
	EXPECT(ioring_bytes_read(&r, out, 5) == 5 && !memcmp(out, "abcde", 5));
	EXPECT(ioring_bytes_write(&r, "vwxyz!", 6) == 5);
	EXPECT(ioring_bytes_read(&r, out, sizeof(out)) == 16);
	EXPECT(!memcmp(out, "fghijklmnopvwxyz", 16));
	EXPECT(cons == prod);
	/* hostile: prod - cons > size, either way round */
	prod = cons + 17;
	EXPECT(ioring_bytes_read(&r, out, sizeof(out)) == IORING_BOGUS);
	EXPECT(ioring_bytes_write(&r, "a", 1) == IORING_BOGUS);
	prod = cons - 1;
	EXPECT(ioring_bytes_read(&r, out, sizeof(out)) == IORING_BOGUS);
	EXPECT(cons == prod + 1);	/* nothing consumed */
	return ok;
}

/* An "event channel" for the stress tests: one eventfd per direction. */
static void kick(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) != sizeof(one))
		tap_bail("eventfd write");
}

/* Sleep until kicked; false after 10 s (a lost wake-up). */
static bool sleep_on(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t v;

	if (poll(&p, 1, 10000) != 1)
		return false;
	return read(fd, &v, sizeof(v)) == sizeof(v);
}

#define STRESS_REQUESTS 2000000u

struct stress {
	unsigned char *page;
	int to_back, to_front;
	uint64_t front_notifies, back_notifies, front_pushes, back_pushes;
	uint64_t front_sleeps, back_sleeps;
	bool ok;
	const char *why;
};

static void *stress_back(void *arg)
{
	struct stress *st = arg;
	struct ioring_back b;
	uint64_t next = 0;

	if (ioring_back_attach(&b, st->page, 4096, sizeof(struct msg))) {
		st->why = "attach";
		return NULL;
	}
	while (next < STRESS_REQUESTS) {
		ioring_idx_t rp;
		uint32_t n;

		if (ioring_back_req_prod(&b, &rp)) {
			st->why = "back: bogus req_prod";
			return NULL;
		}
		n = ioring_back_pending(&b, rp);
		for (uint32_t i = 0; i < n; i++) {
			struct msg m, *r;

			ioring_back_take_request(&b, &m);
			if (m.seq != next++ || m.val != ~m.seq) {
				st->why = "back: request out of order";
				return NULL;
			}
			r = ioring_back_next_response(&b);
			r->seq = m.seq;
			r->val = m.seq * 3 + 1;
		}
		if (n) {
			st->back_pushes++;
			if (ioring_back_push(&b)) {
				st->back_notifies++;
				kick(st->to_front);
			}
		} else if (!ioring_back_final_check(&b)) {
			st->back_sleeps++;
			if (!sleep_on(st->to_back)) {
				st->why = "back: lost wake-up";
				return NULL;
			}
		}
	}
	return NULL;
}

static bool stress_front(struct stress *st, struct ioring_front *fr)
{
	struct ioring_front f = *fr;
	uint64_t sent = 0, done = 0;

	while (done < STRESS_REQUESTS) {
		uint32_t queued = 0, got = 0;
		ioring_idx_t rp;

		/* bursts of varying length exercise the event window */
		uint32_t burst = 1 + (uint32_t)(sent % 37);

		while (sent < STRESS_REQUESTS && ioring_front_free(&f) && queued < burst) {
			struct msg *m = ioring_front_next_request(&f);

			m->seq = sent;
			m->val = ~sent;
			sent++;
			queued++;
		}
		if (queued) {
			st->front_pushes++;
			if (ioring_front_push(&f)) {
				st->front_notifies++;
				kick(st->to_back);
			}
		}
		if (ioring_front_rsp_prod(&f, &rp)) {
			st->why = "front: bogus rsp_prod";
			return false;
		}
		while (f.rsp_cons != rp) {
			struct msg m;

			ioring_front_take_response(&f, &m);
			if (m.seq != done || m.val != done * 3 + 1) {
				st->why = "front: response out of order";
				return false;
			}
			done++;
			got++;
		}
		if (!queued && !got && !ioring_front_final_check(&f)) {
			st->front_sleeps++;
			if (!sleep_on(st->to_front)) {
				st->why = "front: lost wake-up";
				return false;
			}
		}
	}
	return true;
}

static bool ring_stress(void)
{
	struct stress st = {
		.page = page,
		.to_back = eventfd(0, EFD_CLOEXEC),
		.to_front = eventfd(0, EFD_CLOEXEC),
	};
	struct ioring_front f;
	pthread_t t;
	bool ok = true;

	/* the front initialises the page before the back attaches */
	ioring_front_init(&f, page, 4096, sizeof(struct msg));
	if (pthread_create(&t, NULL, stress_back, &st))
		tap_bail("pthread_create");
	EXPECT(stress_front(&st, &f));
	if (st.why) {
		/* unblock a back thread waiting for requests that never come */
		kick(st.to_back);
		tap_diag("%s", st.why);
	}
	pthread_join(t, NULL);
	EXPECT(!st.why);
	tap_diag("requests %u: front pushes %llu notifies %llu sleeps %llu; back pushes %llu notifies %llu sleeps %llu",
		 STRESS_REQUESTS,
		 (unsigned long long)st.front_pushes, (unsigned long long)st.front_notifies,
		 (unsigned long long)st.front_sleeps, (unsigned long long)st.back_pushes,
		 (unsigned long long)st.back_notifies, (unsigned long long)st.back_sleeps);
	/* every notification answered a push; at least the first one is sent */
	EXPECT(st.front_notifies >= 1 && st.front_notifies <= st.front_pushes);
	EXPECT(st.back_notifies >= 1 && st.back_notifies <= st.back_pushes);
	/* a side sleeps only when it asked to be woken: wakes <= notifies + 1 */
	EXPECT(st.back_sleeps <= st.front_notifies);
	EXPECT(st.front_sleeps <= st.back_notifies);
	close(st.to_back);
	close(st.to_front);
	return ok;
}

#define BYTES_TOTAL (16u << 20)

struct byte_stress {
	struct ioring_bytes r;
	int to_reader, to_writer;
	const char *why;
};

static unsigned char pattern(uint64_t i)
{
	return (unsigned char)(i * 2654435761u >> 13);
}

static void *byte_writer(void *arg)
{
	struct byte_stress *bs = arg;
	unsigned char chunk[700];
	uint64_t sent = 0;

	while (sent < BYTES_TOTAL) {
		uint32_t len = 1 + (uint32_t)(sent % sizeof(chunk));
		int32_t n;

		if (len > BYTES_TOTAL - sent)
			len = BYTES_TOTAL - sent;
		for (uint32_t i = 0; i < len; i++)
			chunk[i] = pattern(sent + i);
		n = ioring_bytes_write(&bs->r, chunk, len);
		if (n < 0) {
			bs->why = "writer: broken ring";
			return NULL;
		}
		if (n) {
			sent += (uint32_t)n;
			kick(bs->to_reader);
		} else if (!sleep_on(bs->to_writer)) {
			bs->why = "writer: lost wake-up";
			return NULL;
		}
	}
	return NULL;
}

static bool byte_stress(void)
{
	static char buf[1024];
	ioring_idx_t cons = 0xffff0000u, prod = 0xffff0000u;
	struct byte_stress bs = {
		.r = { .buf = buf, .size = sizeof(buf), .cons = &cons, .prod = &prod },
		.to_reader = eventfd(0, EFD_CLOEXEC),
		.to_writer = eventfd(0, EFD_CLOEXEC),
	};
	unsigned char out[333];
	uint64_t got = 0;
	pthread_t t;
	bool ok = true;

	if (pthread_create(&t, NULL, byte_writer, &bs))
		tap_bail("pthread_create");
	while (got < BYTES_TOTAL && ok) {
		int32_t n = ioring_bytes_read(&bs.r, out, sizeof(out));

		EXPECT(n >= 0);
		for (int32_t i = 0; i < n && ok; i++)
			EXPECT(out[i] == pattern(got + (uint32_t)i));
		if (n > 0) {
			got += (uint32_t)n;
			kick(bs.to_writer);
		} else if (n == 0) {
			EXPECT(sleep_on(bs.to_reader));
		}
	}
	if (!ok)
		kick(bs.to_writer);
	pthread_join(t, NULL);
	EXPECT(!bs.why);
	EXPECT(got == BYTES_TOTAL && cons == prod);
	close(bs.to_reader);
	close(bs.to_writer);
	return ok;
}

static const struct unit_case cases[] = {
	{ "slot counts: (bytes - 64) / slot rounded down to 2^n", slot_counts },
	{ "init, event-index notification, final checks", init_and_notify },
	{ "notify window across the 2^32 wrap", notify_wraps },
	{ "hostile req_prod/rsp_prod refused, consume loop bounded", hostile_indices },
	{ "byte ring: wrap, full, empty, prod - cons > size refused", bytes_basic },
	{ "two threads, 2M requests: order, contents, notifications", ring_stress },
	{ "two threads, 16 MiB through a 1 KiB byte ring", byte_stress },
};

int main(void)
{
	return UNIT_RUN(cases);
}
