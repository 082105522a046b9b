/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvx's tracepoints (tracefs events/pvx/): what the run loop does, one
 * event per VM entry, VM exit, injected event and return to userspace.
 *
 * Disabled, each costs a static branch: the VMCS fields an event prints
 * are read in TP_fast_assign, which runs only when the event is enabled.
 * Callers run with the vCPU's VMCS current on this CPU.
 *
 * CREATE_TRACE_POINTS is defined by core/pvx_stats.c only. For an
 * out-of-tree module, define_trace.h finds this file again through
 * TRACE_INCLUDE_PATH/TRACE_INCLUDE_FILE and Kbuild's -I$(src)/core.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM pvx

#if !defined(PVX_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define PVX_TRACE_H

#include <linux/tracepoint.h>
#include <asm/vmx.h>

#include "pvx.h"
#include "../vmx/vmx_ops.h"

#define PVX_TRACE_USERSPACE_EXITS				\
	{ PVX_EXIT_UNKNOWN, "unknown" },			\
	{ PVX_EXIT_IO, "io" },					\
	{ PVX_EXIT_MMIO, "mmio" },				\
	{ PVX_EXIT_HLT, "hlt" },				\
	{ PVX_EXIT_SHUTDOWN, "shutdown" },			\
	{ PVX_EXIT_FAIL_ENTRY, "fail_entry" },			\
	{ PVX_EXIT_INTERNAL_ERROR, "internal_error" },		\
	{ PVX_EXIT_INTR, "intr" },				\
	{ PVX_EXIT_TRAP, "trap" },				\
	{ PVX_EXIT_CPUID, "cpuid" },				\
	{ PVX_EXIT_MSR, "msr" }

/* So that trace-cmd and perf can print the enum's names from "format". */
TRACE_DEFINE_ENUM(PVX_TRACE_INJECT_IRQ);
TRACE_DEFINE_ENUM(PVX_TRACE_INJECT_NMI);
TRACE_DEFINE_ENUM(PVX_TRACE_INJECT_EXCEPTION);

#define PVX_TRACE_INJECT_TYPES					\
	{ PVX_TRACE_INJECT_IRQ, "irq" },			\
	{ PVX_TRACE_INJECT_NMI, "nmi" },			\
	{ PVX_TRACE_INJECT_EXCEPTION, "exception" }

/* A VM entry (VMLAUNCH or VMRESUME) is about to happen. */
TRACE_EVENT(pvx_entry,
	TP_PROTO(struct pvx_vcpu *vcpu),
	TP_ARGS(vcpu),

	TP_STRUCT__entry(
		__field(unsigned int, vcpu)
		__field(u64, rip)
	),

	TP_fast_assign(
		__entry->vcpu = vcpu->id;
		__entry->rip = vmcs_read(GUEST_RIP);
	),

	TP_printk("vcpu %u rip 0x%llx", __entry->vcpu, __entry->rip)
);

/* A VM exit (or a VM entry that failed its guest-state checks). */
TRACE_EVENT(pvx_exit,
	TP_PROTO(struct pvx_vcpu *vcpu),
	TP_ARGS(vcpu),

	TP_STRUCT__entry(
		__field(unsigned int, vcpu)
		__field(u32, reason)
		__field(u64, qualification)
		__field(u64, rip)
	),

	TP_fast_assign(
		__entry->vcpu = vcpu->id;
		__entry->reason = (u16)vcpu->vmx.exit_reason;
		__entry->qualification = vmcs_read(EXIT_QUALIFICATION);
		__entry->rip = vmcs_read(GUEST_RIP);
	),

	TP_printk("vcpu %u reason %u %s qual 0x%llx rip 0x%llx",
		  __entry->vcpu, __entry->reason,
		  __print_symbolic(__entry->reason, VMX_EXIT_REASONS),
		  __entry->qualification, __entry->rip)
);

/* An event delivered by VM-entry injection (SDM 27.6). */
TRACE_EVENT(pvx_inject,
	TP_PROTO(struct pvx_vcpu *vcpu, int type, u32 vector, u32 error),
	TP_ARGS(vcpu, type, vector, error),

	TP_STRUCT__entry(
		__field(unsigned int, vcpu)
		__field(int, type)
		__field(u32, vector)
		__field(u32, error)
	),

	TP_fast_assign(
		__entry->vcpu = vcpu->id;
		__entry->type = type;
		__entry->vector = vector;
		__entry->error = error;
	),

	TP_printk("vcpu %u %s vector %u error 0x%x", __entry->vcpu,
		  __print_symbolic(__entry->type, PVX_TRACE_INJECT_TYPES),
		  __entry->vector, __entry->error)
);

/* PVX_RUN returns to userspace with run->exit_reason. */
TRACE_EVENT(pvx_userspace_exit,
	TP_PROTO(struct pvx_vcpu *vcpu, u32 exit_reason),
	TP_ARGS(vcpu, exit_reason),

	TP_STRUCT__entry(
		__field(unsigned int, vcpu)
		__field(u32, exit_reason)
	),

	TP_fast_assign(
		__entry->vcpu = vcpu->id;
		__entry->exit_reason = exit_reason;
	),

	TP_printk("vcpu %u exit %u %s", __entry->vcpu, __entry->exit_reason,
		  __print_symbolic(__entry->exit_reason,
				   PVX_TRACE_USERSPACE_EXITS))
);

#endif /* PVX_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE pvx_trace
#include <trace/define_trace.h>
