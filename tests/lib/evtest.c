// SPDX-License-Identifier: GPL-2.0
/*
 * The host side of the events guest (evtest.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "evtest.h"
#include "pvxtest.h"
#include "tap.h"

#define EVT_RAM		(4ULL << 20)
#define EVT_MAP		(1ULL << 30)

static int evt_io(struct gvm *g, uint16_t port, uint8_t size,
		  uint8_t direction, void *data, uint32_t count)
{
	struct evt *e = g->opaque;

	e->io_exits++;
	if (port == EV_PORT_SCENARIO && direction == PVX_EXIT_IO_IN &&
	    size == 4 && count == 1) {
		memcpy(data, &e->scenario, 4);
		return PVX_RUN_CONTINUE;
	}
	if (port == EV_PORT_SYNC && direction == PVX_EXIT_IO_OUT && size == 1) {
		e->syncs++;
		return e->on_sync ? e->on_sync(e, *(uint8_t *)data) :
				    PVX_RUN_CONTINUE;
	}
	if ((port == EV_PORT_MTF_ON || port == EV_PORT_MTF_OFF) &&
	    direction == PVX_EXIT_IO_OUT) {
		return e->on_mtf_port ? e->on_mtf_port(e, e->g.vcpu->run) :
					PVX_RUN_CONTINUE;
	}
	return -1;
}

static int evt_trap_hook(struct gvm *g, struct pvx_run *run)
{
	struct evt *e = g->opaque;

	if (e->ntraps < EVT_MAX_TRAPS)
		e->traps[e->ntraps++] = (struct evt_trap){
			.reason = run->trap.reason,
			.insn_len = run->trap.insn_len,
			.insn_info = run->trap.insn_info,
			.intr_info = run->trap.intr_info,
			.intr_error = run->trap.intr_error,
			.qualification = run->trap.qualification,
			.rip = run->trap.regs.rip,
		};
	if (run->trap.reason < EVT_NR_REASONS)
		e->by_reason[run->trap.reason]++;
	return e->on_trap ? e->on_trap(e, run) : PVX_RUN_STOP;
}

static int evt_cpuid_hook(struct gvm *g, struct pvx_run *run)
{
	struct evt *e = g->opaque;

	e->cpuid_exits++;
	return e->on_cpuid ? e->on_cpuid(e, run) : PVX_RUN_STOP;
}

static int evt_msr_hook(struct gvm *g, struct pvx_run *run)
{
	struct evt *e = g->opaque;

	e->msr_exits++;
	return e->on_msr ? e->on_msr(e, run) : PVX_RUN_STOP;
}

int evt_start(struct evt *e, int sys_fd, uint32_t scenario,
	      const struct pvx_exit_policy *policy, int *policy_err)
{
	return evt_start_image(e, sys_fd, "events", scenario, policy, policy_err);
}

int evt_start_image(struct evt *e, int sys_fd, const char *guest,
		    uint32_t scenario, const struct pvx_exit_policy *policy,
		    int *policy_err)
{
	char image[512];
	uint64_t entry;
	int r;

	evt_stop(e);
	memset(e, 0, sizeof(*e));
	e->scenario = scenario;
	r = gvm_create(&e->g, sys_fd, EVT_RAM);
	if (r) {
		tap_diag("creating a VM: %s", strerror(-r));
		return r;
	}
	e->g.opaque = e;
	e->g.io_hook = evt_io;
	e->g.trap_hook = evt_trap_hook;
	e->g.cpuid_hook = evt_cpuid_hook;
	e->g.msr_hook = evt_msr_hook;
	snprintf(image, sizeof(image), "%s/%s", pvxtest_guest_dir(), guest);
	r = gvm_load(&e->g, image, PVX_IMAGE_GPA, &entry);
	if (!r)
		r = gvm_setup(&e->g, PVX_MODE_LONG, entry, EVT_MAP);
	if (r) {
		tap_diag("loading %s: %s", image, strerror(-r));
		evt_stop(e);
		return r;
	}
	if (!policy)
		return 0;
	r = pvx_vm_set_exit_policy(e->g.vm, policy);
	if (policy_err) {
		*policy_err = r;
		return 0;
	}
	if (r)
		tap_diag("PVX_SET_EXIT_POLICY: %s", strerror(-r));
	return r;
}

bool evt_run_to_exit(struct evt *e)
{
	int r = gvm_run(&e->g);

	if (r == PVX_EXIT_IO && gvm_exited_ok(&e->g))
		return true;
	gvm_diag(&e->g, r);
	return false;
}

uint64_t evt_value(struct evt *e, uint32_t key)
{
	uint64_t v;

	if (gvm_value(&e->g, key, &v))
		return v;
	tap_diag("no report %#x", key);
	return EV_NONE - 1;
}

void evt_stop(struct evt *e)
{
	if (e->g.vm)
		gvm_destroy(&e->g);
}

__u64 *evt_gpr(struct pvx_regs *r, unsigned int n)
{
	__u64 *const gprs[16] = {
		&r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp, &r->rsi,
		&r->rdi, &r->r8, &r->r9, &r->r10, &r->r11, &r->r12, &r->r13,
		&r->r14, &r->r15,
	};

	return gprs[n & 15];
}

int evt_stats(struct evt *e, struct pvx_stats *s)
{
	return pvx_get_stats(e->g.vcpu->fd, s);
}
