/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake guest for the backends' host tests: its RAM (frames), a v1 grant
 * table in that memory, and event channels made of eventfd pairs. The
 * backend side is a struct pvbe_transport enforcing Xen's v1 grant rules
 * as pvx does for domain 0 (grant_table.h; fact sheet 3.3): the entry must
 * be GTF_permit_access for domain 0, not GTF_readonly for a write; the
 * {flags, domid} word is updated with compare-and-swap (at most 4
 * retries) to set GTF_reading/GTF_writing while a copy or a map is alive,
 * and cleared with an atomic AND after the last one. The guest side
 * (fake_grant, fake_revoke, fake_port_*) is what a frontend does.
 */
#ifndef PVX_BACKENDS_FAKE_H
#define PVX_BACKENDS_FAKE_H

#include "pvbe.h"

#define FAKE_MAX_PORTS 32

struct fake_port {
	bool used;
	bool bound;		/* the host holds its end */
	int to_host;		/* eventfd: guest sent */
	int to_guest;		/* eventfd: host sent */
	uint64_t host_sends;	/* notifications the host sent */
};

struct fake_guest {
	struct pvbe_transport t;
	unsigned char *ram;	/* nr_frames * 4096 */
	uint32_t nr_frames;
	struct grant_entry_v1 *gnttab;	/* in frame 0..gnt_frames-1 */
	uint32_t nr_grefs;
	uint32_t gnt_frames;
	/* per grant: live host maps (for the flags' lifetime) */
	uint32_t *read_pins, *write_pins;
	struct fake_port ports[FAKE_MAX_PORTS];
	uint64_t live_maps;	/* maps not yet unmapped: leak check */
	uint64_t copies;	/* segments copied */
	int fail_next_maps;	/* test hook: this many map_grant calls fail */
	void *lock;		/* pthread_mutex_t, for the pin counts */
};

/* A guest of @nr_frames frames (the first @gnt_frames hold its grant table). */
struct fake_guest *fake_guest_create(domid_t domid, uint32_t nr_frames,
				     uint32_t gnt_frames);
void fake_guest_destroy(struct fake_guest *g);

/* The guest's view of frame @frame. */
void *fake_frame(struct fake_guest *g, uint32_t frame);

/* Grant @frame to domain @to (0: the host) in entry @ref, v1 order. */
void fake_grant(struct fake_guest *g, uint32_t ref, uint32_t frame, bool readonly,
		domid_t to);
/*
 * End access to @ref (gnttab_end_foreign_access_ref): compare-and-swap of
 * the flags to 0 that fails, -EBUSY, while the host reads or writes it.
 */
int fake_revoke(struct fake_guest *g, uint32_t ref);

/* EVTCHNOP_alloc_unbound{remote_dom = 0}: a new port, or -ENOSPC. */
int fake_port_alloc(struct fake_guest *g);
/* EVTCHNOP_send from the guest. */
void fake_port_send(struct fake_guest *g, uint32_t port);
/* Wait for the host's notification on @port: true if one came in time. */
bool fake_port_wait(struct fake_guest *g, uint32_t port, int timeout_ms);
/* The eventfd the guest side polls for @port. */
int fake_port_fd(struct fake_guest *g, uint32_t port);

#endif /* PVX_BACKENDS_FAKE_H */
