/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A guest's set of backends as a toolstack starts them (libxl's job, in
 * small): the guest introduced to the xenstore, its console, its disks,
 * all on one transport. pvxctl then hands the guest the ports and frames
 * through the HVM params (STORE_PFN/EVTCHN, CONSOLE_PFN/EVTCHN). See
 * domain.c.
 */
#ifndef PVX_BACKENDS_DOMAIN_H
#define PVX_BACKENDS_DOMAIN_H

#include "blkback.h"
#include "console.h"

#define PVBE_MAX_DISKS 4

struct pvbe_domain_config {
	uint64_t store_gfn;		/* the xenstore page */
	uint64_t console_gfn;		/* the console page */
	int console_out_fd;		/* -1: no console */
	int console_in_fd;		/* -1: no input */
	const struct blkback_config *disks;
	unsigned int ndisks;		/* 0 .. PVBE_MAX_DISKS */
	unsigned int nr_vcpus;		/* cpu/<i>/availability "online" for
					 * each (0 counts as 1) */
};

struct pvbe_domain {
	struct xs_store *s;
	struct pvbe_transport *t;
	uint32_t store_port;		/* HVM_PARAM_STORE_EVTCHN */
	uint32_t console_port;		/* HVM_PARAM_CONSOLE_EVTCHN (0: none) */
	struct console *console;
	struct blkback *disks[PVBE_MAX_DISKS];
	unsigned int ndisks;
};

/*
 * Introduce the guest behind @t to @s (ports allocated), start its console
 * (and publish console/ring-ref, console/port, console/type in its
 * directory) and its disks. 0 and *@out, or -errno with nothing left.
 */
int pvbe_domain_start(struct xs_store *s, struct pvbe_transport *t,
		      const struct pvbe_domain_config *cfg, struct pvbe_domain **out);
/*
 * Stop the disks (their counters into @disk_stats[0 .. ndisks) unless
 * NULL), the console, release the guest from the xenstore.
 */
void pvbe_domain_stop(struct pvbe_domain *d, struct blkback_stats *disk_stats);

#endif /* PVX_BACKENDS_DOMAIN_H */
