/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ioring: Xen's shared-ring protocol for split drivers, for both ends and
 * both worlds (host backends in C11 userspace, freestanding test guests):
 * header-only, no C library (only <stdint.h>, <stddef.h>, <stdbool.h>).
 *
 * Written from the protocol facts of Xen's public io/ring.h (layout, event
 * indices, RING_*_OVERFLOW rules), io/console.h and io/xs_wire.h (byte
 * rings), and tools/include/xen-barrier.h (x86 barriers); no code copied.
 *
 * 1. Request/response rings (struct ioring_sring, one or more pages).
 *    Layout: req_prod @0, req_event @4, rsp_prod @8, rsp_event @12, 48
 *    bytes of padding, slots from byte 64. A slot holds a request or its
 *    response (size = the larger of the two); the slot count is
 *    (bytes - 64) / slot size rounded DOWN to a power of two, so an index
 *    is masked, not divided. Indices are free-running uint32, mod 2^32.
 *
 *    Who writes what (everything else is read-only to that side):
 *      front: req_prod, rsp_event, request slots, and it initialises the
 *             page (req_prod = rsp_prod = 0, req_event = rsp_event = 1);
 *      back:  req_event, rsp_prod, response slots.
 *    Each side keeps its producer and consumer index privately
 *    (req_prod_pvt/rsp_cons, rsp_prod_pvt/req_cons) and publishes the
 *    producer only when it pushes. A backend never trusts the page: it
 *    reads req_prod once per pass and refuses the ring when more requests
 *    are claimed than it owes responses for (RING_REQUEST_PROD_OVERFLOW:
 *    req_prod - rsp_prod_pvt > size); its consume loop stops after size
 *    unanswered requests (RING_REQUEST_CONS_OVERFLOW); it copies each
 *    request once through a volatile source into private memory and
 *    validates only that copy (XSA-155 double fetch); it writes response
 *    fields into the slot in place (no struct with padding copied, XSA-216).
 *    A frontend symmetrically refuses rsp_prod - rsp_cons > size.
 *
 * 2. Notification (event indices). The producer pushes: slots first, then
 *    the index, then asks whether the consumer wanted a wake-up at an index
 *    in the window it just produced, (old, new]:
 *        (new - event) < (new - old)        (mod 2^32)
 *    The consumer, before sleeping, asks to be woken at the next index
 *    (event = cons + 1) and then looks once more: a Dekker pattern, so
 *    either the producer sees the new event index or the consumer sees the
 *    new producer index; no wake-up is lost.
 *
 * 3. Barriers (x86-64, total store order: a load is not reordered with
 *    older loads, a store not with older loads or stores; only a load may
 *    pass an older store to a different address, SDM vol. 3 8.2.2):
 *    - wmb before publishing a producer index: slot stores must be visible
 *      first. TSO keeps stores in order: a compiler barrier suffices.
 *    - rmb after reading a producer index, before reading slots: TSO keeps
 *      loads in order: a compiler barrier suffices.
 *    - mb between storing our producer (or event) index and loading the
 *      peer's event (or producer) index: that is the one store->load pair
 *      TSO may reorder, so it needs a locked instruction (lock addl $0 to
 *      the stack, as Xen's tools and Linux do; cheaper than mfence).
 *    - barrier after the copy-once read: the compiler must not fold later
 *      uses of the private copy back into re-reads of the shared slot.
 *
 * 4. Byte rings (struct ioring_bytes): the console (xencons_interface:
 *    out 2048 guest->host, in 1024 host->guest) and xenstore
 *    (xenstore_domain_interface: req/rsp 1024 each) pages. A buffer whose
 *    size is a power of two, and two free-running uint32 byte indices:
 *    byte i lives at buf[i & (size - 1)]; the producer writes only prod,
 *    the consumer only cons. prod - cons > size is a broken (hostile)
 *    ring: refused, never used to index. Reader: read both indices once,
 *    rmb, copy bytes, then publish cons (TSO never moves the data loads
 *    after that store; a compiler barrier pins the order for the compiler).
 *    Writer: bytes, wmb, prod. No event index: every update is followed by
 *    a notification (console.h, xenstore-ring.txt).
 */
#ifndef PVX_IORING_H
#define PVX_IORING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint32_t ioring_idx_t;

/* A side found the peer's index impossible: stop using the ring. */
#define IORING_BOGUS	(-1)

/* The shared header of a request/response ring (ring.h's name_sring). */
struct ioring_sring {
	ioring_idx_t req_prod;	/* front */
	ioring_idx_t req_event;	/* back */
	ioring_idx_t rsp_prod;	/* back */
	ioring_idx_t rsp_event;	/* front */
	uint8_t pvt[4];
	uint8_t pad[44];
	unsigned char ring[];	/* slots, from byte 64 */
};
_Static_assert(offsetof(struct ioring_sring, ring) == 64, "ring.h layout");

static inline void ioring_barrier(void)
{
	__asm__ __volatile__("" ::: "memory");
}

/* TSO: loads stay in order, stores stay in order (see 3 above). */
static inline void ioring_rmb(void)
{
	ioring_barrier();
}

static inline void ioring_wmb(void)
{
	ioring_barrier();
}

/* Store->load ordering: a locked no-op on the stack. */
static inline void ioring_mb(void)
{
#if defined(__x86_64__)
	__asm__ __volatile__("lock; addl $0,-8(%%rsp)" ::: "memory", "cc");
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

/* One access to a shared index: never cached, never re-read. */
static inline ioring_idx_t ioring_load(const ioring_idx_t *p)
{
	return *(const volatile ioring_idx_t *)p;
}

static inline void ioring_store(ioring_idx_t *p, ioring_idx_t v)
{
	*(volatile ioring_idx_t *)p = v;
}

/*
 * Copy @n bytes out of shared memory exactly once (8 bytes at a time when
 * aligned), then a compiler barrier: the private copy is what gets
 * validated and used.
 */
static inline void ioring_copy_from_shared(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	size_t i = 0;

	if (!(((uintptr_t)src | (uintptr_t)dst) & 7)) {
		const volatile uint64_t *s8 = src;
		uint64_t *d8 = dst;

		for (; i + 8 <= n; i += 8)
			d8[i / 8] = s8[i / 8];
	}
	for (const volatile unsigned char *s = src; i < n; i++)
		d[i] = s[i];
	ioring_barrier();
}

/* Zero @n bytes of shared memory (a slot before its fields are written). */
static inline void ioring_zero_shared(void *dst, size_t n)
{
	volatile unsigned char *d = dst;

	for (size_t i = 0; i < n; i++)
		d[i] = 0;
}

/*
 * Slots of a ring of @bytes (the shared pages) for slots of @slot_size:
 * (bytes - 64) / slot_size rounded down to a power of two; 0 if none fit.
 */
static inline uint32_t ioring_slots(size_t bytes, size_t slot_size)
{
	size_t n;
	uint32_t p = 1;

	if (!slot_size || bytes < offsetof(struct ioring_sring, ring) + slot_size)
		return 0;
	n = (bytes - offsetof(struct ioring_sring, ring)) / slot_size;
	if (n > 0x80000000u)
		n = 0x80000000u;
	while ((size_t)p * 2 <= n)
		p *= 2;
	return p;
}

/* Producer's test after publishing @new over @old: was @event in (old, new]? */
static inline bool ioring_need_notify(ioring_idx_t event, ioring_idx_t old,
				      ioring_idx_t new)
{
	return (ioring_idx_t)(new - event) < (ioring_idx_t)(new - old);
}

/* Private state of one end; the slot geometry is the same for both. */
struct ioring_front {
	ioring_idx_t req_prod_pvt;
	ioring_idx_t rsp_cons;
	uint32_t nr_ents;
	uint32_t slot_size;
	struct ioring_sring *sring;
};

struct ioring_back {
	ioring_idx_t rsp_prod_pvt;
	ioring_idx_t req_cons;
	uint32_t nr_ents;
	uint32_t slot_size;
	struct ioring_sring *sring;
};

static inline void *ioring_slot(struct ioring_sring *s, uint32_t nr_ents,
				uint32_t slot_size, ioring_idx_t idx)
{
	return s->ring + (size_t)(idx & (nr_ents - 1)) * slot_size;
}

/*
 * Front: initialise the shared page (SHARED_RING_INIT) and attach. Returns
 * the slot count (0: @bytes too small for one slot).
 */
static inline uint32_t ioring_front_init(struct ioring_front *f, void *page,
					 size_t bytes, uint32_t slot_size)
{
	struct ioring_sring *s = page;

	f->sring = s;
	f->slot_size = slot_size;
	f->nr_ents = ioring_slots(bytes, slot_size);
	f->req_prod_pvt = 0;
	f->rsp_cons = 0;
	ioring_store(&s->req_prod, 0);
	ioring_store(&s->rsp_prod, 0);
	ioring_store(&s->req_event, 1);
	ioring_store(&s->rsp_event, 1);
	ioring_zero_shared(s->pvt, sizeof(s->pvt) + sizeof(s->pad));
	ioring_wmb();
	return f->nr_ents;
}

/* Front: requests that may still be queued before the ring is full. */
static inline uint32_t ioring_front_free(const struct ioring_front *f)
{
	return f->nr_ents - (f->req_prod_pvt - f->rsp_cons);
}

/* Front: the slot for the next request (check ioring_front_free first). */
static inline void *ioring_front_next_request(struct ioring_front *f)
{
	return ioring_slot(f->sring, f->nr_ents, f->slot_size, f->req_prod_pvt++);
}

/* Front: publish queued requests; true if the back must be notified. */
static inline bool ioring_front_push(struct ioring_front *f)
{
	ioring_idx_t old = ioring_load(&f->sring->req_prod);
	ioring_idx_t new = f->req_prod_pvt;

	ioring_wmb();		/* slots before the index */
	ioring_store(&f->sring->req_prod, new);
	ioring_mb();		/* index visible before req_event is read */
	return ioring_need_notify(ioring_load(&f->sring->req_event), old, new);
}

/*
 * Front: read rsp_prod once into @rp. IORING_BOGUS when the back claims
 * more responses than requests outstanding (RING_RESPONSE_PROD_OVERFLOW).
 */
static inline int ioring_front_rsp_prod(const struct ioring_front *f, ioring_idx_t *rp)
{
	*rp = ioring_load(&f->sring->rsp_prod);
	ioring_rmb();		/* slots up to rp after the index */
	if ((ioring_idx_t)(*rp - f->rsp_cons) > f->nr_ents)
		return IORING_BOGUS;
	return 0;
}

/* Front: copy the response at rsp_cons once into @dst and consume it. */
static inline void ioring_front_take_response(struct ioring_front *f, void *dst)
{
	ioring_copy_from_shared(dst, ioring_slot(f->sring, f->nr_ents,
						 f->slot_size, f->rsp_cons),
				f->slot_size);
	f->rsp_cons++;
}

/*
 * Front, before sleeping (RING_FINAL_CHECK_FOR_RESPONSES): true if
 * responses are waiting; else rsp_event asks for a wake-up at the next one.
 */
static inline bool ioring_front_final_check(struct ioring_front *f)
{
	if (ioring_load(&f->sring->rsp_prod) != f->rsp_cons)
		return true;
	ioring_store(&f->sring->rsp_event, f->rsp_cons + 1);
	ioring_mb();		/* rsp_event visible before rsp_prod is re-read */
	return ioring_load(&f->sring->rsp_prod) != f->rsp_cons;
}

/*
 * Back: attach to a ring the front initialised. The producer/consumer
 * start at rsp_prod read once. IORING_BOGUS (refuse the ring) when the
 * page claims more outstanding requests than slots, or @bytes holds none.
 */
static inline int ioring_back_attach(struct ioring_back *b, void *page,
				     size_t bytes, uint32_t slot_size)
{
	struct ioring_sring *s = page;
	ioring_idx_t rsp = ioring_load(&s->rsp_prod);
	ioring_idx_t req = ioring_load(&s->req_prod);

	b->sring = s;
	b->slot_size = slot_size;
	b->nr_ents = ioring_slots(bytes, slot_size);
	b->rsp_prod_pvt = rsp;
	b->req_cons = rsp;
	if (!b->nr_ents || (ioring_idx_t)(req - rsp) > b->nr_ents)
		return IORING_BOGUS;
	return 0;
}

/*
 * Back: read req_prod once into @rp for this pass. IORING_BOGUS when the
 * front claims more requests than the ring can hold
 * (RING_REQUEST_PROD_OVERFLOW): stop servicing the ring.
 */
static inline int ioring_back_req_prod(const struct ioring_back *b, ioring_idx_t *rp)
{
	*rp = ioring_load(&b->sring->req_prod);
	ioring_rmb();		/* slots up to rp after the index */
	if ((ioring_idx_t)(*rp - b->rsp_prod_pvt) > b->nr_ents)
		return IORING_BOGUS;
	return 0;
}

/*
 * Back: requests that may be consumed now, up to @rp: never more than the
 * slots not holding an unanswered request (RING_REQUEST_CONS_OVERFLOW).
 */
static inline uint32_t ioring_back_pending(const struct ioring_back *b, ioring_idx_t rp)
{
	uint32_t claimed = rp - b->req_cons;
	uint32_t room = b->nr_ents - (b->req_cons - b->rsp_prod_pvt);

	return claimed < room ? claimed : room;
}

/* Back: copy the request at req_cons once into @dst (slot_size bytes). */
static inline void ioring_back_take_request(struct ioring_back *b, void *dst)
{
	ioring_copy_from_shared(dst, ioring_slot(b->sring, b->nr_ents,
						 b->slot_size, b->req_cons),
				b->slot_size);
	b->req_cons++;
}

/*
 * Back: the slot of the next response, zeroed (so no padding byte keeps
 * the request's or anything else's contents); write its fields in place.
 */
static inline void *ioring_back_next_response(struct ioring_back *b)
{
	void *slot = ioring_slot(b->sring, b->nr_ents, b->slot_size,
				 b->rsp_prod_pvt++);

	ioring_zero_shared(slot, b->slot_size);
	return slot;
}

/* Back: publish queued responses; true if the front must be notified. */
static inline bool ioring_back_push(struct ioring_back *b)
{
	ioring_idx_t old = ioring_load(&b->sring->rsp_prod);
	ioring_idx_t new = b->rsp_prod_pvt;

	ioring_wmb();		/* response slots before the index */
	ioring_store(&b->sring->rsp_prod, new);
	ioring_mb();		/* index visible before rsp_event is read */
	return ioring_need_notify(ioring_load(&b->sring->rsp_event), old, new);
}

/*
 * Back, before sleeping (RING_FINAL_CHECK_FOR_REQUESTS): true if requests
 * are waiting; else req_event asks for a wake-up at the next one.
 */
static inline bool ioring_back_final_check(struct ioring_back *b)
{
	if (ioring_load(&b->sring->req_prod) != b->req_cons)
		return true;
	ioring_store(&b->sring->req_event, b->req_cons + 1);
	ioring_mb();		/* req_event visible before req_prod is re-read */
	return ioring_load(&b->sring->req_prod) != b->req_cons;
}

/*
 * A byte ring: @buf of @size (a power of two) bytes, and the shared
 * indices. The side that consumes calls read, the side that produces write.
 */
struct ioring_bytes {
	volatile char *buf;
	uint32_t size;
	ioring_idx_t *cons;
	ioring_idx_t *prod;
};

/* Bytes queued (0..size), or IORING_BOGUS for prod - cons > size. */
static inline int32_t ioring_bytes_queued(const struct ioring_bytes *r,
					  ioring_idx_t *cons, ioring_idx_t *prod)
{
	*cons = ioring_load(r->cons);
	*prod = ioring_load(r->prod);
	ioring_rmb();		/* data up to prod after the indices */
	if ((ioring_idx_t)(*prod - *cons) > r->size)
		return IORING_BOGUS;
	return (int32_t)(*prod - *cons);
}

/*
 * Consume up to @len bytes into @dst. Returns the bytes taken (0: empty),
 * or IORING_BOGUS for a broken ring (nothing consumed).
 */
static inline int32_t ioring_bytes_read(const struct ioring_bytes *r, void *dst,
					uint32_t len)
{
	ioring_idx_t cons, prod;
	int32_t queued = ioring_bytes_queued(r, &cons, &prod);
	char *d = dst;
	uint32_t n;

	if (queued < 0)
		return queued;
	n = (uint32_t)queued < len ? (uint32_t)queued : len;
	for (uint32_t i = 0; i < n; i++)
		d[i] = r->buf[(cons + i) & (r->size - 1)];
	ioring_barrier();	/* data loads before the cons store (TSO keeps it) */
	ioring_store(r->cons, cons + n);
	return (int32_t)n;
}

/*
 * Produce up to @len bytes from @src (as many as fit). Returns the bytes
 * queued (0: full), or IORING_BOGUS for a broken ring (nothing written).
 */
static inline int32_t ioring_bytes_write(const struct ioring_bytes *r,
					 const void *src, uint32_t len)
{
	ioring_idx_t cons, prod;
	int32_t queued = ioring_bytes_queued(r, &cons, &prod);
	const char *s = src;
	uint32_t room, n;

	if (queued < 0)
		return queued;
	room = r->size - (uint32_t)queued;
	n = room < len ? room : len;
	for (uint32_t i = 0; i < n; i++)
		r->buf[(prod + i) & (r->size - 1)] = s[i];
	ioring_wmb();		/* data before the prod store */
	ioring_store(r->prod, prod + n);
	return (int32_t)n;
}

#endif /* PVX_IORING_H */
