// SPDX-License-Identifier: LGPL-2.1
/*
 * libpvx: running a vCPU: PVX_RUN, handing each exit to the caller's
 * callbacks, counting exits by reason.
 */
#include <errno.h>
#include <sys/ioctl.h>

#include "libpvx.h"

int pvx_vcpu_run(struct pvx_vcpu *vcpu)
{
	struct pvx_run *run = vcpu->run;
	int r = ioctl(vcpu->fd, PVX_RUN, 0) < 0 ? -errno : 0;

	if (r == -EINTR)	/* a signal: an exit, however early it came */
		run->exit_reason = PVX_EXIT_INTR;
	else if (r == -EIO && run->exit_reason == PVX_EXIT_INTERNAL_ERROR)
		r = 0;		/* described in run->internal */
	if (r && r != -EINTR)
		return r;
	vcpu->exits[run->exit_reason < PVX_NR_EXITS ? run->exit_reason :
						      PVX_EXIT_UNKNOWN]++;
	return 0;
}

void *pvx_vcpu_io_data(const struct pvx_vcpu *vcpu)
{
	const struct pvx_run *run = vcpu->run;
	uint64_t bytes = (uint64_t)run->io.size * run->io.count;

	if ((run->io.size != 1 && run->io.size != 2 && run->io.size != 4) ||
	    run->io.direction > PVX_EXIT_IO_OUT || !run->io.count)
		return NULL;
	if (run->io.data_offset < sizeof(*run) ||
	    run->io.data_offset > vcpu->mmap_size ||
	    bytes > vcpu->mmap_size - run->io.data_offset)
		return NULL;
	return (char *)run + run->io.data_offset;
}

/* A callback's answer: an error, or stop, or go on. */
static int callback_result(int r)
{
	return r < 0 ? r : r ? PVX_RUN_STOP : PVX_RUN_CONTINUE;
}

static int handle_io(struct pvx_vcpu *vcpu, const struct pvx_exit_ops *ops,
		     void *opaque)
{
	const struct pvx_run *run = vcpu->run;
	void *data = pvx_vcpu_io_data(vcpu);

	if (!data)
		return -EPROTO;
	if (!ops->io)
		return PVX_RUN_STOP;
	return callback_result(ops->io(opaque, vcpu, run->io.port, run->io.size,
				       run->io.direction, data, run->io.count));
}

static int handle_mmio(struct pvx_vcpu *vcpu, const struct pvx_exit_ops *ops,
		       void *opaque)
{
	struct pvx_run *run = vcpu->run;
	uint32_t len = run->mmio.len;

	if ((len != 1 && len != 2 && len != 4 && len != 8) || run->mmio.is_write > 1)
		return -EPROTO;
	if (!ops->mmio)
		return PVX_RUN_STOP;
	return callback_result(ops->mmio(opaque, vcpu, run->mmio.phys_addr, len,
					 run->mmio.is_write, run->mmio.data));
}

/* A forwarded exit: the callback completes it in the run page. */
static int handle_trap(struct pvx_vcpu *vcpu, const struct pvx_exit_ops *ops,
		       void *opaque)
{
	if (!ops->trap)
		return PVX_RUN_STOP;
	return callback_result(ops->trap(opaque, vcpu, vcpu->run));
}

static int handle_cpuid(struct pvx_vcpu *vcpu, const struct pvx_exit_ops *ops,
			void *opaque)
{
	if (!ops->cpuid)
		return PVX_RUN_STOP;
	return callback_result(ops->cpuid(opaque, vcpu, vcpu->run));
}

static int handle_msr(struct pvx_vcpu *vcpu, const struct pvx_exit_ops *ops,
		      void *opaque)
{
	struct pvx_run *run = vcpu->run;

	if (run->msr.is_write > 1)
		return -EPROTO;
	if (!ops->msr)
		return PVX_RUN_STOP;
	run->msr.error = 0;
	return callback_result(ops->msr(opaque, vcpu, run));
}

/* Exits userspace completes and runs on; every other one ends the loop. */
static int (*const exit_handlers[PVX_NR_EXITS])(struct pvx_vcpu *vcpu,
						const struct pvx_exit_ops *ops,
						void *opaque) = {
	[PVX_EXIT_IO] = handle_io,
	[PVX_EXIT_MMIO] = handle_mmio,
	[PVX_EXIT_TRAP] = handle_trap,
	[PVX_EXIT_CPUID] = handle_cpuid,
	[PVX_EXIT_MSR] = handle_msr,
};

int pvx_vcpu_handle_exit(struct pvx_vcpu *vcpu, const struct pvx_exit_ops *ops,
			 void *opaque)
{
	uint32_t reason = vcpu->run->exit_reason;

	if (reason >= PVX_NR_EXITS || !exit_handlers[reason])
		return PVX_RUN_STOP;
	return exit_handlers[reason](vcpu, ops, opaque);
}

int pvx_vcpu_run_loop(struct pvx_vcpu *vcpu, const struct pvx_exit_ops *ops,
		      void *opaque)
{
	for (;;) {
		uint32_t reason;
		int r = pvx_vcpu_run(vcpu);

		if (!r)
			r = pvx_vcpu_handle_exit(vcpu, ops, opaque);
		if (r < 0)
			return r;
		if (r == PVX_RUN_CONTINUE)
			continue;
		reason = vcpu->run->exit_reason;
		return reason < PVX_NR_EXITS ? (int)reason : PVX_EXIT_UNKNOWN;
	}
}

static const char *const exit_names[PVX_NR_EXITS] = {
	[PVX_EXIT_UNKNOWN] = "unknown",
	[PVX_EXIT_IO] = "io",
	[PVX_EXIT_MMIO] = "mmio",
	[PVX_EXIT_HLT] = "hlt",
	[PVX_EXIT_SHUTDOWN] = "shutdown",
	[PVX_EXIT_FAIL_ENTRY] = "fail_entry",
	[PVX_EXIT_INTERNAL_ERROR] = "internal_error",
	[PVX_EXIT_INTR] = "intr",
	[PVX_EXIT_TRAP] = "trap",
	[PVX_EXIT_CPUID] = "cpuid",
	[PVX_EXIT_MSR] = "msr",
	[PVX_EXIT_PV_SHUTDOWN] = "pv_shutdown",
};

const char *pvx_exit_name(uint32_t reason)
{
	return reason < PVX_NR_EXITS ? exit_names[reason] : NULL;
}

static const char *const internal_names[] = {
	[PVX_INTERNAL_UNHANDLED_EXIT] = "a VM exit pvx does not handle",
	[PVX_INTERNAL_EMULATION] = "an MMIO instruction pvx cannot decode",
	[PVX_INTERNAL_MEMORY] = "pinning a guest page failed",
};

const char *pvx_internal_name(uint32_t suberror)
{
	return suberror < sizeof(internal_names) / sizeof(internal_names[0]) ?
	       internal_names[suberror] : NULL;
}
