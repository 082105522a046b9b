/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host side of the events guest (tests/guest/events.h) for the
 * selftests of issue 4: a one-vCPU VM running one scenario under an exit
 * policy, every forwarded exit recorded, and the test's own handlers for
 * sync points and forwarded exits.
 */
#ifndef PVX_EVTEST_H
#define PVX_EVTEST_H

#include <stdbool.h>
#include <stdint.h>

#include "guest_vm.h"
#include "../guest/events.h"

#define EVT_MAX_TRAPS	256
#define EVT_NR_REASONS	80

/* One PVX_EXIT_TRAP as it came (before the handler changed anything). */
struct evt_trap {
	uint32_t reason, insn_len, insn_info, intr_info, intr_error;
	uint64_t qualification, rip;
};

struct evt;
/* A sync point (events.h EV_SYNC_*): PVX_RUN_CONTINUE, _STOP or -errno. */
typedef int (*evt_sync_fn)(struct evt *e, uint8_t what);
/* A forwarded exit: complete it in @run; PVX_RUN_CONTINUE, _STOP, -errno. */
typedef int (*evt_exit_fn)(struct evt *e, struct pvx_run *run);

struct evt {
	struct gvm g;
	uint32_t scenario;
	evt_sync_fn on_sync;
	evt_exit_fn on_trap, on_cpuid, on_msr, on_mtf_port;
	void *opaque;
	/* What came out of the guest. */
	unsigned int ntraps;
	struct evt_trap traps[EVT_MAX_TRAPS];
	unsigned int by_reason[EVT_NR_REASONS];	/* PVX_EXIT_TRAP by raw reason */
	unsigned int cpuid_exits, msr_exits, io_exits, syncs;
};

/*
 * A fresh VM for @scenario (the previous one of @e is destroyed), the
 * guest loaded and set up in long mode, not started. With @policy, also
 * PVX_SET_EXIT_POLICY: its result (0 or -errno) goes to *@policy_err and
 * a failure there is not a failure of evt_start() when @policy_err is
 * given. Returns 0 or -errno.
 */
int evt_start(struct evt *e, int sys_fd, uint32_t scenario,
	      const struct pvx_exit_policy *policy, int *policy_err);

/* evt_start() with the guest image @guest (a name in the guest dir). */
int evt_start_image(struct evt *e, int sys_fd, const char *guest,
		    uint32_t scenario, const struct pvx_exit_policy *policy,
		    int *policy_err);

/* Run until the guest exits (true), or anything else (false, with diags). */
bool evt_run_to_exit(struct evt *e);

/* The value reported under @key, or EV_NONE - 1 (and a diag) if none. */
uint64_t evt_value(struct evt *e, uint32_t key);

/* Destroy the VM. */
void evt_stop(struct evt *e);

/* General-purpose register @n in the VMX encoding (0 RAX, 1 RCX, ... 15 R15). */
__u64 *evt_gpr(struct pvx_regs *r, unsigned int n);

/* PVX_GET_STATS of the vCPU: 0, or -errno (-ENOTTY before the stats land). */
int evt_stats(struct evt *e, struct pvx_stats *s);

#endif /* PVX_EVTEST_H */
