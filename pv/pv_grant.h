/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Grant tables v1 (pv_grant.c): the state pv.h embeds, and the calls the
 * rest of pv/ makes.
 */
#ifndef PVX_PV_GRANT_H
#define PVX_PV_GRANT_H

#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/pvx.h>

struct page;
struct pvx_vm;

/**
 * struct pv_grant_pin - pvx's users of one grant entry (Xen's active entry).
 * @users:	copies and maps holding it (each holds GTF_reading).
 * @writers:	those of @users that write (each holds GTF_writing).
 *
 * A pin stands for a live kernel object (a copy in progress, a map fd), so
 * the counts cannot overflow.
 */
struct pv_grant_pin {
	u32 users;
	u32 writers;
};

/**
 * struct pv_grant_vm - a VM's grant table.
 * @lock:	guards growing the frame list and mapping frames.
 * @pin_lock:	guards the pin counts and the flags pvx sets in entries.
 * @frames:	the table's frames (pages pvx owns), allocated on demand;
 *		never freed before the VM.
 * @pins:	per frame, the pin counts of its GNTTAB_ENTRIES_PER_FRAME
 *		entries.
 * @gfn:	per frame, the guest frame it is mapped at, or ~0.
 * @nr_frames:	frames in use; written under @lock with smp_store_release
 *		after the frame is set up, so readers need no lock.
 */
struct pv_grant_vm {
	struct mutex lock;
	spinlock_t pin_lock;
	struct page *frames[PVX_PV_MAX_GRANT_FRAMES];
	struct pv_grant_pin *pins[PVX_PV_MAX_GRANT_FRAMES];
	u64 gfn[PVX_PV_MAX_GRANT_FRAMES];
	unsigned int nr_frames;
};

void pv_grant_vm_init(struct pvx_vm *vm);
void pv_grant_vm_destroy(struct pvx_vm *vm);
long pv_gnt_copy_ioctl(struct pvx_vm *vm, void __user *arg);
long pv_gnt_map_ioctl(struct pvx_vm *vm, void __user *arg);

#endif /* PVX_PV_GRANT_H */
