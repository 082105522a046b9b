/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Grant tables v1 (pv_grant.c): the state pv.h embeds, and the calls the
 * rest of pv/ makes.
 */
#ifndef PVX_PV_GRANT_H
#define PVX_PV_GRANT_H

#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/pvx.h>

struct page;
struct pvx_vm;

/**
 * struct pv_grant_vm - a VM's grant table.
 * @lock:	guards the frame list.
 * @frames:	the table's frames (pages pvx owns), allocated on demand.
 * @nr_frames:	frames in use.
 */
struct pv_grant_vm {
	struct mutex lock;
	struct page *frames[PVX_PV_MAX_GRANT_FRAMES];
	unsigned int nr_frames;
};

#endif /* PVX_PV_GRANT_H */
