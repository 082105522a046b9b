/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Xen events guest (xenevt.c) and its host test (evtchn_test): event
 * channels, the upcall, timers, block and poll, the PV clock, shutdown.
 * Included by the freestanding guest and by the host.
 *
 * The guest asks for its scenario with a 4-byte IN from XE_PORT_SCENARIO,
 * and for a value the host chose (a port, a reason) with a 4-byte IN from
 * XE_PORT_ARG. A 1-byte OUT to XE_PORT_SYNC is a point where the host acts
 * (XE_SYNC_*). The guest reports what each call returned and what it saw;
 * each check of XE_CHECKS is (key, the value Xen's ABI gives, what it is);
 * values the host must compare with its own (ports, domids, times) are
 * judged by the host test's code.
 */
#ifndef PVX_GUEST_XENEVT_H
#define PVX_GUEST_XENEVT_H

#define XE_PORT_SCENARIO	0x550
#define XE_PORT_ARG		0x554
#define XE_PORT_SYNC		0xe8	/* an imm8 port */

enum xe_scenario {
	XE_OPS = 1,	/* every EVTCHNOP and its failures, upcall rules */
	XE_TIME,	/* PV clock, wallclock, timers, block, poll, vcpu_op */
	XE_VCPU_INFO,	/* VCPUOP_register_vcpu_info */
	XE_HOST,	/* the host's ends: eventfd, NOTIFY, irqfd, block */
	XE_FLOOD,	/* a flood of sends, guest and host */
	XE_PEER,	/* one end of a channel to another VM */
	XE_SHUTDOWN,	/* SCHEDOP_shutdown(reason XE_PORT_ARG) */
	XE_ARM,		/* ports, timers armed, then waits to be killed */
	XE_SMP,		/* vCPU 0 acts on vCPU 1 (x2APIC VM, vCPU 1 not started) */
};

/* The sync points (values OUT to XE_PORT_SYNC). */
enum xe_sync {
	XE_SYNC_HOST_BIND = 1,	/* bind XK_HOST_PORT to an eventfd */
	XE_SYNC_HOST_COUNT,	/* read the eventfd: XE_HOST_SENDS */
	XE_SYNC_HOST_MC_COUNT,	/* read it again: XE_HOST_MC_SENDS */
	XE_SYNC_HOST_NOTIFY,	/* NOTIFY the port from another thread */
	XE_SYNC_HOST_IRQFD,	/* irqfd on the port, signalled */
	XE_SYNC_HOST_BLOCK,	/* NOTIFY in 100 ms: the guest blocks */
	XE_SYNC_HOST_CLOSED,	/* the guest closed the port */
	XE_SYNC_FLOOD_START,	/* bind, start the host's flood */
	XE_SYNC_FLOOD_END,	/* stop it, count */
	XE_SYNC_PEER_OTHER,	/* run the other VM, then kill it soon */
	XE_SYNC_PEER_JOIN,	/* the other VM is gone */
	XE_SYNC_ARMED,		/* kill me now */
};

/* Guest-physical layout: RAM from 0, all identity-mapped. */
#define XE_RAM_BYTES		(16ULL << 20)
#define XE_SI_GPA		0x600000ULL	/* shared_info */
#define XE_VI_GPA		0x700000ULL	/* a registered vcpu_info's page */
#define XE_VI_OFFSET		64
#define XE_VI1_OFFSET		128	/* XE_SMP: vCPU 1's, same page */
#define XE_BAD_GVA		0x7f0000000000ULL	/* not mapped */
#define XE_VECTOR		0xf3	/* HYPERVISOR_CALLBACK_VECTOR */

#define XE_HOST_SENDS		10	/* XE_HOST: sends before COUNT */
/*
 * XE_HOST's multicalls of sends to the host's port: a mixed batch of 8 (3
 * good sends), a batch of 16 sends, 4 sends across a page boundary.
 */
#define XE_HOST_MC_SENDS	(3 + 16 + 4)
#define XE_HOST_MC_FULL		16
#define XE_FLOOD_SENDS		20000	/* XE_FLOOD: sends to each port */
#define XE_BLOCK_NS		2000000	/* timer for block, poll */
#define XE_POLL_OVER		129	/* one port more than poll takes */
/* XE_PEER: XE_PORT_ARG is the port, | XE_PEER_SECOND for the VM run second. */
#define XE_PEER_SECOND		0x10000

/* What the host test reads for a key never reported. */
#define XE_NONE			0x6e6f6e65ULL	/* "none" */
/* In XE_CHECKS: the host judges the value itself. */
#define XE_ANY			0xfffffffffffffffeULL

#define XE_ERR(e)		((uint64_t)-(int64_t)(e))

/*
 * The checks: X(key, expected value, what). The guest reports each key
 * once; XE_ANY ones are judged by the host test's code.
 */
#define XE_OPS_CHECKS(X)						\
	X(XK_MAP_SI, 0, "add_to_physmap(shared_info)")			\
	X(XK_SET_CALLBACK, 0, "HVMOP_set_param(CALLBACK_IRQ, vector)")	\
	X(XK_ALLOC, 0, "alloc_unbound(DOMID_SELF, DOMID_SELF)")		\
	X(XK_ALLOC_PORT_NONZERO, 1, "the port is not 0")		\
	X(XK_STATUS_UNBOUND, EVTCHNSTAT_unbound, "status: unbound")	\
	X(XK_STATUS_UNBOUND_DOM, XE_ANY, "status: unbound to itself")	\
	X(XK_ALLOC_OTHER_DOM, XE_ERR(XEN_EPERM), "alloc_unbound(dom 5)")	\
	X(XK_BIND_IDOM_OTHER, XE_ERR(XEN_ESRCH), "bind_interdomain(dom 5)")\
	X(XK_BIND_IDOM_RANGE, XE_ERR(XEN_EINVAL), "bind_interdomain(port 4096)")\
	X(XK_BIND_IDOM, 0, "bind_interdomain(DOMID_SELF, a): loopback")	\
	X(XK_BIND_IDOM_PENDING, 1, "the new port is pending (Xen)")	\
	X(XK_BIND_IDOM_AGAIN, XE_ERR(XEN_EINVAL), "bind_interdomain(a) again")\
	X(XK_STATUS_IDOM, EVTCHNSTAT_interdomain, "status: interdomain")	\
	X(XK_STATUS_IDOM_PEER, 1, "status: each end names the other")	\
	X(XK_LOOP_DELIVERED, 1, "send(b) reaches a's handler once")	\
	X(XK_MASKED_PENDING, 1, "masked a: send sets it pending")	\
	X(XK_MASKED_UPCALLS, 0, "masked a: no upcall")			\
	X(XK_UNMASK, 0, "unmask(a)")					\
	X(XK_UNMASK_DELIVERED, 1, "unmask of a pending port: the upcall")\
	X(XK_CLI_UPCALLS, 0, "IF=0: no upcall while it stays off")	\
	X(XK_STI_UPCALLS, 1, "STI: the upcall comes")			\
	X(XK_STICKY_CALLS, 2, "upcall_pending left set: again after IRET")\
	X(XK_SEND_RANGE, XE_ERR(XEN_EINVAL), "send(4096)")		\
	X(XK_SEND_HUGE, XE_ERR(XEN_EINVAL), "send(0xffffffff)")		\
	X(XK_CLOSE_RANGE, XE_ERR(XEN_EINVAL), "close(4096)")		\
	X(XK_STATUS_RANGE, XE_ERR(XEN_EINVAL), "status(5000)")		\
	X(XK_STATUS_OTHER_DOM, XE_ERR(XEN_EPERM), "status(dom 3)")	\
	X(XK_UNMASK_RANGE, XE_ERR(XEN_EINVAL), "unmask(4096)")		\
	X(XK_SEND_EFAULT, XE_ERR(XEN_EFAULT), "send with a bad pointer")	\
	X(XK_ALLOC_EFAULT, XE_ERR(XEN_EFAULT), "alloc_unbound, bad pointer")\
	X(XK_VIRQ, 0, "bind_virq(TIMER, 0)")				\
	X(XK_VIRQ_TWICE, XE_ERR(XEN_EEXIST), "bind_virq(TIMER, 0) again")	\
	X(XK_VIRQ_NO_VCPU, XE_ERR(XEN_ENOENT), "bind_virq(TIMER, vCPU 5)")	\
	X(XK_VIRQ_RANGE, XE_ERR(XEN_EINVAL), "bind_virq(NR_VIRQS)")	\
	X(XK_VIRQ_GLOBAL_VCPU1, XE_ERR(XEN_EINVAL), "bind_virq(CONSOLE, 1)")\
	X(XK_STATUS_VIRQ, EVTCHNSTAT_virq, "status: virq")		\
	X(XK_SEND_VIRQ, XE_ERR(XEN_EINVAL), "send on a VIRQ port")	\
	X(XK_IPI, 0, "bind_ipi(0)")					\
	X(XK_IPI_NO_VCPU, XE_ERR(XEN_ENOENT), "bind_ipi(vCPU 7)")	\
	X(XK_IPI_DELIVERED, 1, "send on the IPI port reaches it")	\
	X(XK_BIND_VCPU_IPI, XE_ERR(XEN_EINVAL), "bind_vcpu of an IPI")	\
	X(XK_BIND_VCPU_VIRQ, XE_ERR(XEN_EINVAL), "bind_vcpu of VIRQ_TIMER")\
	X(XK_BIND_VCPU_NO_VCPU, XE_ERR(XEN_ENOENT), "bind_vcpu(a, 9)")	\
	X(XK_BIND_VCPU_OK, 0, "bind_vcpu(a, 0)")			\
	X(XK_CLOSE_B, 0, "close(b)")					\
	X(XK_A_UNBOUND_AGAIN, EVTCHNSTAT_unbound, "a is unbound again")	\
	X(XK_CLOSE_TWICE, XE_ERR(XEN_EINVAL), "close(b) again")		\
	X(XK_SEND_CLOSED, XE_ERR(XEN_EINVAL), "send on a closed port")	\
	X(XK_STATUS_CLOSED, EVTCHNSTAT_closed, "status: closed")	\
	X(XK_SEND_UNBOUND, 0, "send on an unbound port: dropped")	\
	X(XK_INIT_CONTROL, XE_ERR(XEN_ENOSYS), "init_control (FIFO)")	\
	X(XK_EXPAND_ARRAY, XE_ERR(XEN_ENOSYS), "expand_array (FIFO)")	\
	X(XK_SET_PRIORITY, XE_ERR(XEN_ENOSYS), "set_priority (FIFO)")	\
	X(XK_BIND_PIRQ, XE_ERR(XEN_ENOSYS), "bind_pirq")		\
	X(XK_UNKNOWN_CMD, XE_ERR(XEN_ENOSYS), "cmd 99")			\
	X(XK_ALLOC_ALL, XE_ANY, "ports allocated until ENOSPC")		\
	X(XK_ALLOC_NOSPC, XE_ERR(XEN_ENOSPC), "alloc_unbound when full")	\
	X(XK_RESET, 0, "reset(DOMID_SELF)")				\
	X(XK_RESET_CLOSED, EVTCHNSTAT_closed, "after reset: closed")	\
	X(XK_ALLOC_AFTER_RESET, 0, "alloc_unbound after reset")

#define XE_TIME_CHECKS(X)						\
	X(XK_T_MAP_SI, 0, "add_to_physmap(shared_info)")		\
	X(XK_T_MUL_NONZERO, 1, "tsc_to_system_mul is set")		\
	X(XK_T_VERSION_EVEN, 1, "time version even")			\
	X(XK_T_STABLE, XE_ANY, "XEN_PVCLOCK_TSC_STABLE_BIT")		\
	X(XK_T_TSC_AFTER_STAMP, 1, "RDTSC >= tsc_timestamp (guest TSC)")\
	X(XK_T_MONOTONIC, 1, "10000 reads never go back")		\
	X(XK_T_RATE_OK, 1, "PV clock and RDTSC agree (a 1 ms spin)")	\
	X(XK_T_NOW, XE_ANY, "system time: ns since PVX_PV_ENABLE")	\
	X(XK_T_WC_VERSION_EVEN, 1, "wc_version even")			\
	X(XK_T_WALLCLOCK, XE_ANY, "wallclock + system time: UNIX time")	\
	X(XK_T_STOP_PERIODIC, 0, "stop_periodic_timer")			\
	X(XK_T_VIRQ, 0, "bind_virq(TIMER, 0)")				\
	X(XK_T_FUTURE_PAST, XE_ERR(XEN_ETIME), "singleshot, past, future flag")\
	X(XK_T_PAST, 0, "singleshot, past, no flag")			\
	X(XK_T_PAST_FIRED, 1, "a past deadline fires at once")		\
	X(XK_T_SSHOT, 0, "singleshot in 2 ms")				\
	X(XK_T_SSHOT_FIRED, 1, "VIRQ_TIMER came, not early")		\
	X(XK_T_STOP_SSHOT, 0, "stop_singleshot_timer")			\
	X(XK_T_STOPPED_QUIET, 0, "a stopped timer never fires")		\
	X(XK_T_SSHOT_OTHER, XE_ERR(XEN_ENOENT), "singleshot of vCPU 1 (none)")\
	X(XK_T_SSHOT_EFAULT, XE_ERR(XEN_EFAULT), "singleshot, bad pointer")\
	X(XK_T_PERIOD_SHORT, XE_ERR(XEN_EINVAL), "periodic 100 us")	\
	X(XK_T_PERIODIC, 0, "periodic 2 ms")				\
	X(XK_T_PERIODIC_TICKS, 1, "three periodic ticks came")		\
	X(XK_T_PERIODIC_STOP, 0, "stop_periodic_timer")			\
	X(XK_T_PERIODIC_QUIET, 1, "at most one tick after the stop")	\
	X(XK_T_IS_UP, 1, "is_up(0)")					\
	X(XK_T_IS_UP_NONE, XE_ERR(XEN_ENOENT), "is_up(3)")		\
	X(XK_T_VCPUOP_UNKNOWN, XE_ERR(XEN_ENOSYS), "VCPUOP_send_nmi")	\
	X(XK_T_RUNSTATE, 0, "register_runstate_memory_area")		\
	X(XK_T_RUNSTATE_EFAULT, XE_ERR(XEN_EFAULT), "runstate, bad pointer")\
	X(XK_T_BLOCK, 0, "SCHEDOP_block with IF=0")			\
	X(XK_T_BLOCK_SLEPT, 1, "block returned at the timer, not before")\
	X(XK_T_BLOCK_PENDING, 1, "the upcall waits for STI")		\
	X(XK_T_BLOCK_DELIVERED, 1, "after STI the timer port is handled")\
	X(XK_T_POLL_TIMEOUT, 0, "poll(a masked, timeout 2 ms)")		\
	X(XK_T_POLL_TIMED_OUT, 1, "poll returned at the timeout")	\
	X(XK_T_POLL_PENDING, 0, "poll(a pending, masked): at once")	\
	X(XK_T_POLL_TIMER, 0, "poll(timer port masked, no timeout)")	\
	X(XK_T_POLL_TIMER_WOKE, 1, "the masked timer port woke it")	\
	X(XK_T_POLL_TOO_MANY, XE_ERR(XEN_EINVAL), "poll of 129 ports")	\
	X(XK_T_POLL_BAD_PORT, XE_ERR(XEN_EINVAL), "poll of port 5000")	\
	X(XK_T_POLL_EFAULT, XE_ERR(XEN_EFAULT), "poll, bad port list")	\
	X(XK_T_YIELD, 0, "SCHEDOP_yield")				\
	X(XK_T_SCHED_UNKNOWN, XE_ERR(XEN_ENOSYS), "sched_op 99")

#define XE_VCPU_INFO_CHECKS(X)						\
	X(XK_V_MAP_SI, 0, "add_to_physmap(shared_info)")		\
	X(XK_V_CROSS_PAGE, XE_ERR(XEN_EINVAL), "vcpu_info across a page")\
	X(XK_V_UNALIGNED, XE_ERR(XEN_EINVAL), "vcpu_info at offset 3")	\
	X(XK_V_BAD_GFN, XE_ERR(XEN_EINVAL), "vcpu_info beyond RAM")	\
	X(XK_V_EFAULT, XE_ERR(XEN_EFAULT), "register, bad pointer")	\
	X(XK_V_NO_VCPU, XE_ERR(XEN_ENOENT), "register for vCPU 2 (none)")\
	X(XK_V_REGISTER, 0, "register_vcpu_info")			\
	X(XK_V_AGAIN, XE_ERR(XEN_EINVAL), "register again")		\
	X(XK_V_COPIED, 1, "the old contents moved (mask byte)")		\
	X(XK_V_RESCAN, 1, "all events marked pending: an upcall")	\
	X(XK_V_TIME_FILLED, 1, "its PV clock is filled in, same scale")	\
	X(XK_V_TIME_ON, 1, "the clock goes on from the old one")	\
	X(XK_V_TIMER_DELIVERED, 1, "VIRQ_TIMER arrives through it")

/*
 * XE_SMP: vCPU 1 exists and waits for its start-up IPI; vCPU 0 (IF=0
 * throughout, so that nothing is consumed) reads both vcpu_infos.
 */
#define XE_SMP_CHECKS(X)						\
	X(XK_S_MAP_SI, 0, "add_to_physmap(shared_info)")		\
	X(XK_S_IS_UP_0, 1, "is_up(0): running")				\
	X(XK_S_IS_UP_1, 0, "is_up(1): down until its SIPI")		\
	X(XK_S_IS_UP_NONE, XE_ERR(XEN_ENOENT), "is_up(2) (none)")	\
	X(XK_S_IS_UP_RANGE, XE_ERR(XEN_ENOENT), "is_up(64)")		\
	X(XK_S_IS_UP_HUGE, XE_ERR(XEN_ENOENT), "is_up(0xffffffff)")	\
	X(XK_S_REG_RANGE, XE_ERR(XEN_ENOENT), "register_vcpu_info(64)")	\
	X(XK_S_REG_1, 0, "register_vcpu_info of vCPU 1, from vCPU 0")	\
	X(XK_S_REG_1_AGAIN, XE_ERR(XEN_EINVAL), "vCPU 1's again")	\
	X(XK_S_VI1_CLOCK, 1, "vCPU 1's PV clock filled in, same scale")	\
	X(XK_S_VI1_SAME_TIME, 1, "vCPU 1's clock reads vCPU 0's time")	\
	X(XK_S_VI1_RESCAN, 1, "vCPU 1's upcall flag and selectors set")	\
	X(XK_S_VI0_ALONE, 1, "vCPU 0 not flagged by that rescan")		\
	X(XK_S_VIRQ_1, 0, "bind_virq(TIMER, 1)")			\
	X(XK_S_VIRQ_1_TWICE, XE_ERR(XEN_EEXIST), "bind_virq(TIMER, 1) again")\
	X(XK_S_VIRQ_0, 0, "bind_virq(TIMER, 0): its own port")		\
	X(XK_S_VIRQ_VCPU, 1, "status: the VIRQ port is vCPU 1's")	\
	X(XK_S_VIRQ_RANGE, XE_ERR(XEN_ENOENT), "bind_virq(TIMER, 64)")	\
	X(XK_S_SSHOT_1, XE_ERR(XEN_EINVAL), "singleshot of vCPU 1 from 0")\
	X(XK_S_STOP_SSHOT_1, XE_ERR(XEN_EINVAL), "stop_singleshot of vCPU 1")\
	X(XK_S_PERIODIC_1, 0, "periodic timer of vCPU 1, 2 ms")		\
	X(XK_S_TIMER_TO_1, 1, "vCPU 1's VIRQ_TIMER: pending, its flags")	\
	X(XK_S_TIMER_NOT_0, 1, "vCPU 0: no flag, its timer port quiet")	\
	X(XK_S_PERIODIC_1_STOP, 0, "stop_periodic_timer of vCPU 1")	\
	X(XK_S_IPI_1, 0, "bind_ipi(1)")					\
	X(XK_S_IPI_RANGE, XE_ERR(XEN_ENOENT), "bind_ipi(64)")		\
	X(XK_S_IPI_VCPU, 1, "status: the IPI port is vCPU 1's")		\
	X(XK_S_IPI_SEND, 0, "send on vCPU 1's IPI port")		\
	X(XK_S_IPI_TO_1, 1, "pending; vCPU 1's selector and upcall flag")	\
	X(XK_S_IPI_NOT_0, 1, "vCPU 0's selector and upcall flag clear")	\
	X(XK_S_BIND_VCPU_1, 0, "bind_vcpu(loopback port, 1)")		\
	X(XK_S_BIND_VCPU_RANGE, XE_ERR(XEN_ENOENT), "bind_vcpu(port, 64)")\
	X(XK_S_LOOP_TO_1, 1, "a send on it flags vCPU 1, not vCPU 0")	\
	X(XK_S_BIND_VCPU_0, 0, "bind_vcpu(port, 0)")			\
	X(XK_S_LOOP_BACK_0, 1, "its pending event follows to vCPU 0")

#define XE_HOST_CHECKS(X)						\
	X(XK_H_MAP_SI, 0, "add_to_physmap(shared_info)")		\
	X(XK_H_ALLOC, 0, "alloc_unbound(remote domain 0)")		\
	X(XK_H_PORT, XE_ANY, "the port")				\
	X(XK_H_STATUS, EVTCHNSTAT_interdomain, "bound: interdomain")	\
	X(XK_H_STATUS_DOM, 0, "to domain 0")				\
	X(XK_H_SENDS, 0, "sends to the host")				\
	X(XK_H_MC_MIXED, 0, "multicall: sends, fast and slow entries")	\
	X(XK_H_MC_MIXED_OK, 1, "its results: 0 -EINVAL version -EFAULT 0 0 0 -EINVAL") \
	X(XK_H_MC_FULL, 0, "multicall: 16 sends")			\
	X(XK_H_MC_FULL_OK, 1, "their results all 0")			\
	X(XK_H_MC_PAGES, 0, "multicall: 4 sends across a page boundary") \
	X(XK_H_MC_PAGES_OK, 1, "their results all 0")			\
	X(XK_H_NOTIFY_PENDING, 1, "NOTIFY: the port is pending")	\
	X(XK_H_NOTIFY_DELIVERED, 1, "NOTIFY: the handler ran")		\
	X(XK_H_IRQFD_DELIVERED, 1, "irqfd: the handler ran")		\
	X(XK_H_BLOCK, 0, "SCHEDOP_block")				\
	X(XK_H_BLOCK_PENDING, 1, "block ended by the host's event")	\
	X(XK_H_CLOSE, 0, "close of the host's port")			\
	X(XK_H_STATUS_CLOSED, EVTCHNSTAT_closed, "closed")

#define XE_FLOOD_CHECKS(X)						\
	X(XK_F_MAP_SI, 0, "add_to_physmap(shared_info)")		\
	X(XK_F_PORT, XE_ANY, "the host's port")				\
	X(XK_F_LOOP_FAILS, 0, "loopback sends that failed")		\
	X(XK_F_HOST_FAILS, 0, "sends to the host that failed")		\
	X(XK_F_UPCALLS, XE_ANY, "upcalls taken")

#define XE_PEER_CHECKS(X)						\
	X(XK_P_MAP_SI, 0, "add_to_physmap(shared_info)")		\
	X(XK_P_STATUS, EVTCHNSTAT_interdomain, "connected: interdomain")	\
	X(XK_P_REMOTE_DOM, XE_ANY, "the other VM's domid")		\
	X(XK_P_SEND, 0, "send to the other VM")				\
	X(XK_P_RAISED, 1, "the other's send raised this port")		\
	X(XK_P_FLOOD_FAILS, 0, "sends while the other VM dies: failures")\
	X(XK_P_UNBOUND, EVTCHNSTAT_unbound, "the other VM died: unbound")\
	X(XK_P_UNBOUND_DOM, XE_ANY, "unbound to the dead VM's domid")	\
	X(XK_P_SEND_DEAD, 0, "send after: dropped")

#define XE_KEY_ENUM(key, expected, what)	key,
enum xe_key {
	XK_FIRST = 0x100,
	XE_OPS_CHECKS(XE_KEY_ENUM)
	XE_TIME_CHECKS(XE_KEY_ENUM)
	XE_VCPU_INFO_CHECKS(XE_KEY_ENUM)
	XE_HOST_CHECKS(XE_KEY_ENUM)
	XE_FLOOD_CHECKS(XE_KEY_ENUM)
	XE_PEER_CHECKS(XE_KEY_ENUM)
	XE_SMP_CHECKS(XE_KEY_ENUM)
	XK_SHUTDOWN_RET,	/* SCHEDOP_shutdown's result after resuming */
	XK_ARM_PORT,		/* XE_ARM: the port for the host */
	XK_LAST,
};
#undef XE_KEY_ENUM

#endif /* PVX_GUEST_XENEVT_H */
