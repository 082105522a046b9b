// SPDX-License-Identifier: GPL-2.0
/*
 * The Xen events guest: event channels, the upcall, timers, block and
 * poll, the PV clock, vcpu_info registration and shutdown, one scenario
 * per run (xenevt.h); XE_SMP runs on vCPU 0 of two and acts on vCPU 1. Its upcall handler consumes events as Linux's
 * 2-level code does (events_2l.c): upcall_pending cleared first, the
 * selector exchanged with 0, each pending and unmasked bit of the words it
 * names cleared and counted for its port. The guest reports every result;
 * the host test judges them.
 */
#include <stdbool.h>

#include "guest.h"
#include "hypercall.h"
#include "trap.h"
#include "xenevt.h"

#define NR_PORTS	EVTCHN_2L_NR_CHANNELS

static volatile struct shared_info *const si =
	(volatile struct shared_info *)XE_SI_GPA;
static volatile struct vcpu_info *vi;	/* this vCPU's, where it is now */

static volatile uint32_t upcalls;	/* handler entries */
static volatile uint32_t counts[NR_PORTS];	/* events handled per port */
static volatile bool sticky;	/* leave upcall_pending set, once */

static uint8_t vi_page[4096] __attribute__((aligned(4096)));

static uint32_t in32(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void sync_point(uint8_t what)
{
	__asm__ volatile("outb %0, %1" : : "a"(what), "i"(XE_PORT_SYNC)
			 : "memory");
}

static void sti(void)
{
	__asm__ volatile("sti; nop" ::: "memory");
}

static void cli(void)
{
	__asm__ volatile("cli" ::: "memory");
}

/* STI; HLT: sleep until an interrupt (one instruction of shadow). */
static void sti_hlt(void)
{
	__asm__ volatile("sti; hlt" ::: "memory");
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return (uint64_t)hi << 32 | lo;
}

/* The upcall: Linux's 2-level scan (head comment). */
static void upcall(struct trap_frame *frame)
{
	uint64_t sel;

	(void)frame;
	upcalls++;
	if (sticky) {
		sticky = false;
		return;
	}
	vi->evtchn_upcall_pending = 0;
	sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	while (sel) {
		unsigned int w = __builtin_ctzll(sel);
		uint64_t bits;

		sel &= sel - 1;
		bits = si->evtchn_pending[w] & ~si->evtchn_mask[w];
		while (bits) {
			unsigned int b = __builtin_ctzll(bits);

			bits &= bits - 1;
			__atomic_fetch_and(&si->evtchn_pending[w], ~(1ULL << b),
					   __ATOMIC_SEQ_CST);
			counts[w * 64 + b]++;
		}
	}
}

static long evtchn(unsigned int cmd, void *arg)
{
	return hypercall2(__HYPERVISOR_event_channel_op, cmd, arg);
}

static long vcpu_op(unsigned int cmd, unsigned int vcpu, void *arg)
{
	return hypercall3(__HYPERVISOR_vcpu_op, cmd, vcpu, arg);
}

static long sched_op(unsigned int cmd, void *arg)
{
	return hypercall2(__HYPERVISOR_sched_op, cmd, arg);
}

static bool pending(uint32_t port)
{
	return si->evtchn_pending[port / 64] >> (port % 64) & 1;
}

static void mask(uint32_t port)
{
	__atomic_fetch_or(&si->evtchn_mask[port / 64], 1ULL << (port % 64),
			  __ATOMIC_SEQ_CST);
}

static void clear_pending(uint32_t port)
{
	__atomic_fetch_and(&si->evtchn_pending[port / 64],
			   ~(1ULL << (port % 64)), __ATOMIC_SEQ_CST);
}

static long unmask(uint32_t port)
{
	struct evtchn_unmask u = { .port = port };

	return evtchn(EVTCHNOP_unmask, &u);
}

static long send(uint32_t port)
{
	struct evtchn_send s = { .port = port };

	return evtchn(EVTCHNOP_send, &s);
}

static long close_port(uint32_t port)
{
	struct evtchn_close c = { .port = port };

	return evtchn(EVTCHNOP_close, &c);
}

static long alloc_unbound(uint16_t remote, uint32_t *port)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF,
					  .remote_dom = remote };
	long r = evtchn(EVTCHNOP_alloc_unbound, &a);

	*port = a.port;
	return r;
}

static long status(uint32_t port, struct evtchn_status *s)
{
	*s = (struct evtchn_status){ .dom = DOMID_SELF, .port = port };
	return evtchn(EVTCHNOP_status, s);
}

static uint32_t state_of(uint32_t port)
{
	struct evtchn_status s;

	return status(port, &s) ? XE_NONE : s.status;
}

static long bind_virq(uint32_t virq, uint32_t vcpu, uint32_t *port)
{
	struct evtchn_bind_virq b = { .virq = virq, .vcpu = vcpu };
	long r = evtchn(EVTCHNOP_bind_virq, &b);

	*port = b.port;
	return r;
}

/* The PV clock of @t now (the pvclock reader: version, fields, version). */
static uint64_t pv_now_of(volatile struct vcpu_time_info *t)
{
	uint64_t tsc, stamp, sys, delta;
	uint32_t version, mul;
	int8_t shift;

	do {
		version = t->version;
		__asm__ volatile("" ::: "memory");
		tsc = rdtsc();
		stamp = t->tsc_timestamp;
		sys = t->system_time;
		mul = t->tsc_to_system_mul;
		shift = t->tsc_shift;
		__asm__ volatile("" ::: "memory");
	} while ((version & 1) || version != t->version);
	delta = tsc - stamp;
	delta = shift >= 0 ? delta << shift : delta >> -shift;
	return sys + (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

static uint64_t pv_now(void)
{
	return pv_now_of(&vi->time);
}

/* Map shared_info, vector callback, the handler; returns the map's rc. */
static long setup(void)
{
	struct xen_add_to_physmap m = {
		.domid = DOMID_SELF,
		.space = XENMAPSPACE_shared_info,
		.gpfn = XE_SI_GPA >> XEN_PAGE_SHIFT,
	};
	long r = hypercall2(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, &m);

	vi = &si->vcpu_info[0];
	trap_init();
	trap_set_hook(XE_VECTOR, upcall);
	return r;
}

static long set_callback(void)
{
	struct xen_hvm_param p = {
		.domid = DOMID_SELF,
		.index = HVM_PARAM_CALLBACK_IRQ,
		.value = (2ULL << 56) | XE_VECTOR,
	};

	return hypercall2(__HYPERVISOR_hvm_op, HVMOP_set_param, &p);
}

/* Wait (STI; HLT) until counts[@port] > @before, at most @ns of PV time. */
static bool wait_port(uint32_t port, uint32_t before, uint64_t ns)
{
	uint64_t end = pv_now() + ns;

	while (counts[port] <= before && pv_now() < end)
		sti_hlt();
	cli();
	return counts[port] > before;
}

static long sshot(uint64_t deadline, uint32_t flags)
{
	struct vcpu_set_singleshot_timer t = { .timeout_abs_ns = deadline,
					       .flags = flags };

	return vcpu_op(VCPUOP_set_singleshot_timer, 0, &t);
}

/* ---- XE_OPS ---- */

/* A loopback pair: a unbound, b bound to it. */
static void ops_pair(uint32_t *a, uint32_t *b)
{
	struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF };
	struct evtchn_status s;
	long r;

	report(XK_ALLOC, alloc_unbound(DOMID_SELF, a));
	report(XK_ALLOC_PORT_NONZERO, *a != 0);
	status(*a, &s);
	report(XK_STATUS_UNBOUND, s.status);
	report(XK_STATUS_UNBOUND_DOM, s.u.unbound.dom);
	bi.remote_port = 4096;
	report(XK_BIND_IDOM_RANGE, evtchn(EVTCHNOP_bind_interdomain, &bi));
	bi.remote_dom = 5;
	bi.remote_port = *a;
	report(XK_BIND_IDOM_OTHER, evtchn(EVTCHNOP_bind_interdomain, &bi));
	bi.remote_dom = DOMID_SELF;
	r = evtchn(EVTCHNOP_bind_interdomain, &bi);
	report(XK_BIND_IDOM, r);
	*b = bi.local_port;
	report(XK_BIND_IDOM_PENDING, pending(*b));
	clear_pending(*b);
	report(XK_BIND_IDOM_AGAIN, evtchn(EVTCHNOP_bind_interdomain, &bi));
	status(*b, &s);
	report(XK_STATUS_IDOM, s.status);
	r = s.u.interdomain.port == *a;
	status(*a, &s);
	report(XK_STATUS_IDOM_PEER, r && s.u.interdomain.port == *b);
}

/* Delivery, masking, IF and the level of upcall_pending. */
static void ops_delivery(uint32_t a, uint32_t b)
{
	uint32_t c, u;

	c = counts[a];
	sti();
	send(b);
	cli();
	report(XK_LOOP_DELIVERED, counts[a] - c);

	mask(a);
	u = upcalls;
	sti();
	send(b);
	cli();
	report(XK_MASKED_PENDING, pending(a));
	report(XK_MASKED_UPCALLS, upcalls - u);
	c = counts[a];
	sti();
	report(XK_UNMASK, unmask(a));
	cli();
	report(XK_UNMASK_DELIVERED, counts[a] - c);

	u = upcalls;
	send(b);	/* IF is 0 */
	for (volatile int i = 0; i < 1000; i++)
		;
	report(XK_CLI_UPCALLS, upcalls - u);
	sti();
	cli();
	report(XK_STI_UPCALLS, upcalls - u);

	u = upcalls;
	sticky = true;
	send(b);
	sti();
	cli();
	report(XK_STICKY_CALLS, upcalls - u);
}

static void ops_failures(void)
{
	struct evtchn_alloc_unbound au = { .dom = 5, .remote_dom = DOMID_SELF };
	struct evtchn_status s = { .dom = 3, .port = 1 };
	uint32_t op;

	report(XK_ALLOC_OTHER_DOM, evtchn(EVTCHNOP_alloc_unbound, &au));
	report(XK_SEND_RANGE, send(4096));
	report(XK_SEND_HUGE, send(0xffffffff));
	report(XK_CLOSE_RANGE, close_port(4096));
	report(XK_STATUS_RANGE, status(5000, &s));
	s = (struct evtchn_status){ .dom = 3, .port = 1 };
	report(XK_STATUS_OTHER_DOM, evtchn(EVTCHNOP_status, &s));
	report(XK_UNMASK_RANGE, unmask(4096));
	report(XK_SEND_EFAULT, evtchn(EVTCHNOP_send, (void *)XE_BAD_GVA));
	report(XK_ALLOC_EFAULT, evtchn(EVTCHNOP_alloc_unbound,
				       (void *)XE_BAD_GVA));
	op = 1;
	report(XK_INIT_CONTROL, evtchn(EVTCHNOP_init_control, &op));
	report(XK_EXPAND_ARRAY, evtchn(EVTCHNOP_expand_array, &op));
	report(XK_SET_PRIORITY, evtchn(EVTCHNOP_set_priority, &op));
	report(XK_BIND_PIRQ, evtchn(EVTCHNOP_bind_pirq, &op));
	report(XK_UNKNOWN_CMD, evtchn(99, &op));
}

static void ops_virq_ipi(uint32_t a)
{
	struct evtchn_bind_ipi ipi = { .vcpu = 0 };
	struct evtchn_bind_vcpu bv;
	uint32_t t, dummy, c;

	report(XK_VIRQ, bind_virq(VIRQ_TIMER, 0, &t));
	report(XK_VIRQ_TWICE, bind_virq(VIRQ_TIMER, 0, &dummy));
	report(XK_VIRQ_NO_VCPU, bind_virq(VIRQ_TIMER, 5, &dummy));
	report(XK_VIRQ_RANGE, bind_virq(NR_VIRQS, 0, &dummy));
	report(XK_VIRQ_GLOBAL_VCPU1, bind_virq(VIRQ_CONSOLE, 1, &dummy));
	report(XK_STATUS_VIRQ, state_of(t));
	report(XK_SEND_VIRQ, send(t));

	report(XK_IPI, evtchn(EVTCHNOP_bind_ipi, &ipi));
	c = counts[ipi.port];
	sti();
	send(ipi.port);
	cli();
	report(XK_IPI_DELIVERED, counts[ipi.port] - c);
	ipi.vcpu = 7;
	report(XK_IPI_NO_VCPU, evtchn(EVTCHNOP_bind_ipi, &ipi));

	bv = (struct evtchn_bind_vcpu){ .port = ipi.port, .vcpu = 0 };
	report(XK_BIND_VCPU_IPI, evtchn(EVTCHNOP_bind_vcpu, &bv));
	bv.port = t;
	report(XK_BIND_VCPU_VIRQ, evtchn(EVTCHNOP_bind_vcpu, &bv));
	bv = (struct evtchn_bind_vcpu){ .port = a, .vcpu = 9 };
	report(XK_BIND_VCPU_NO_VCPU, evtchn(EVTCHNOP_bind_vcpu, &bv));
	bv.vcpu = 0;
	report(XK_BIND_VCPU_OK, evtchn(EVTCHNOP_bind_vcpu, &bv));
}

/* Every port taken, then reset. */
static void ops_fill_and_reset(uint32_t a)
{
	domid_t self = DOMID_SELF;
	uint32_t port, n = 0;
	long r;

	while (!(r = alloc_unbound(DOMID_SELF, &port)))
		n++;
	report(XK_ALLOC_ALL, n);
	report(XK_ALLOC_NOSPC, r);
	report(XK_RESET, evtchn(EVTCHNOP_reset, &self));
	report(XK_RESET_CLOSED, state_of(a));
	report(XK_ALLOC_AFTER_RESET, alloc_unbound(DOMID_SELF, &port));
}

static void scenario_ops(void)
{
	uint32_t a, b;

	report(XK_MAP_SI, setup());
	report(XK_SET_CALLBACK, set_callback());
	ops_pair(&a, &b);
	ops_delivery(a, b);
	ops_failures();
	ops_virq_ipi(a);
	report(XK_CLOSE_B, close_port(b));
	report(XK_A_UNBOUND_AGAIN, state_of(a));
	report(XK_CLOSE_TWICE, close_port(b));
	report(XK_SEND_CLOSED, send(b));
	report(XK_STATUS_CLOSED, state_of(b));
	report(XK_SEND_UNBOUND, send(a));
	ops_fill_and_reset(a);
}

/* ---- XE_TIME ---- */

static void time_clock(void)
{
	volatile struct vcpu_time_info *t = &vi->time;
	uint64_t prev, now, tsc0, ns0;
	bool mono = true;

	report(XK_T_MUL_NONZERO, t->tsc_to_system_mul != 0);
	report(XK_T_VERSION_EVEN, !(t->version & 1));
	report(XK_T_STABLE, t->flags & XEN_PVCLOCK_TSC_STABLE_BIT);
	report(XK_T_TSC_AFTER_STAMP, rdtsc() >= t->tsc_timestamp);
	prev = pv_now();
	for (int i = 0; i < 10000; i++) {
		now = pv_now();
		mono &= now >= prev;
		prev = now;
	}
	report(XK_T_MONOTONIC, mono);
	/* 1 ms of PV time is 1 ms of RDTSC at the rate mul/shift state. */
	tsc0 = rdtsc();
	ns0 = pv_now();
	while (pv_now() - ns0 < 1000000)
		;
	{
		uint64_t ticks = rdtsc() - tsc0, ns = pv_now() - ns0, d;
		int8_t s = t->tsc_shift;

		d = s >= 0 ? ticks << s : ticks >> -s;
		d = (uint64_t)(((unsigned __int128)d * t->tsc_to_system_mul) >> 32);
		/* Within 20%: an exit may come between the two reads. */
		report(XK_T_RATE_OK, d * 5 > ns * 4 && d * 4 < ns * 5);
	}
	report(XK_T_NOW, pv_now());
	report(XK_T_WC_VERSION_EVEN, !(si->wc_version & 1));
	report(XK_T_WALLCLOCK, ((uint64_t)si->wc_sec_hi << 32 | si->wc_sec) +
			       (si->wc_nsec + pv_now()) / 1000000000ULL);
}

static void time_singleshot(uint32_t t)
{
	uint64_t start;
	uint32_t c;

	report(XK_T_FUTURE_PAST, sshot(pv_now() - 1000, VCPU_SSHOTTMR_future));
	c = counts[t];
	sti();
	report(XK_T_PAST, sshot(pv_now() - 1000, 0));
	cli();
	report(XK_T_PAST_FIRED, counts[t] - c);

	c = counts[t];
	start = pv_now();
	report(XK_T_SSHOT, sshot(start + XE_BLOCK_NS, 0));
	report(XK_T_SSHOT_FIRED, wait_port(t, c, 1000000000) &&
				 pv_now() >= start + XE_BLOCK_NS);

	c = counts[t];
	sshot(pv_now() + 5000000, 0);
	report(XK_T_STOP_SSHOT, vcpu_op(VCPUOP_stop_singleshot_timer, 0, 0));
	start = pv_now();
	sti();
	while (pv_now() < start + 20000000)
		;
	cli();
	report(XK_T_STOPPED_QUIET, counts[t] - c);
	report(XK_T_SSHOT_OTHER, vcpu_op(VCPUOP_set_singleshot_timer, 1, 0));
	report(XK_T_SSHOT_EFAULT, vcpu_op(VCPUOP_set_singleshot_timer, 0,
					  (void *)XE_BAD_GVA));
}

static void time_periodic(uint32_t t)
{
	struct vcpu_set_periodic_timer p = { .period_ns = 100000 };
	uint64_t start;
	uint32_t c;
	bool ok = true;

	report(XK_T_PERIOD_SHORT, vcpu_op(VCPUOP_set_periodic_timer, 0, &p));
	p.period_ns = 2000000;
	c = counts[t];
	report(XK_T_PERIODIC, vcpu_op(VCPUOP_set_periodic_timer, 0, &p));
	for (int i = 0; i < 3; i++)
		ok &= wait_port(t, c + i, 1000000000);
	report(XK_T_PERIODIC_TICKS, ok);
	report(XK_T_PERIODIC_STOP, vcpu_op(VCPUOP_stop_periodic_timer, 0, 0));
	c = counts[t];
	start = pv_now();
	sti();
	while (pv_now() < start + 20000000)
		;
	cli();
	report(XK_T_PERIODIC_QUIET, counts[t] - c <= 1);
}

static void time_vcpu_ops(void)
{
	uint64_t area = 0;

	report(XK_T_IS_UP, vcpu_op(VCPUOP_is_up, 0, 0));
	report(XK_T_IS_UP_NONE, vcpu_op(VCPUOP_is_up, 3, 0));
	report(XK_T_VCPUOP_UNKNOWN, vcpu_op(VCPUOP_send_nmi, 0, 0));
	report(XK_T_RUNSTATE, vcpu_op(VCPUOP_register_runstate_memory_area,
				      0, &area));
	report(XK_T_RUNSTATE_EFAULT,
	       vcpu_op(VCPUOP_register_runstate_memory_area, 0,
		       (void *)XE_BAD_GVA));
}

static void time_block(uint32_t t)
{
	uint64_t start = pv_now();
	uint32_t c = counts[t];

	/* IF is 0: block still wakes at the event, the upcall waits. */
	sshot(start + XE_BLOCK_NS, 0);
	report(XK_T_BLOCK, sched_op(SCHEDOP_block, 0));
	report(XK_T_BLOCK_SLEPT, pv_now() >= start + XE_BLOCK_NS);
	report(XK_T_BLOCK_PENDING, vi->evtchn_upcall_pending);
	sti();
	cli();
	report(XK_T_BLOCK_DELIVERED, counts[t] - c);
}

static void time_poll(uint32_t t)
{
	uint32_t ports[XE_POLL_OVER];
	struct sched_poll p = { .ports = (uint64_t)ports, .nr_ports = 1 };
	uint32_t a, b;
	uint64_t start;

	alloc_unbound(DOMID_SELF, &a);
	{
		struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF,
						      .remote_port = a };

		evtchn(EVTCHNOP_bind_interdomain, &bi);
		b = bi.local_port;
	}
	mask(a);
	ports[0] = a;
	start = pv_now();
	p.timeout = start + XE_BLOCK_NS;
	report(XK_T_POLL_TIMEOUT, sched_op(SCHEDOP_poll, &p));
	report(XK_T_POLL_TIMED_OUT, pv_now() >= start + XE_BLOCK_NS);
	send(b);
	p.timeout = 0;
	report(XK_T_POLL_PENDING, sched_op(SCHEDOP_poll, &p));

	mask(t);
	clear_pending(t);
	ports[0] = t;
	start = pv_now();
	sshot(start + XE_BLOCK_NS, 0);
	report(XK_T_POLL_TIMER, sched_op(SCHEDOP_poll, &p));
	report(XK_T_POLL_TIMER_WOKE, pending(t) &&
				     pv_now() >= start + XE_BLOCK_NS);
	clear_pending(t);
	unmask(t);

	p.nr_ports = XE_POLL_OVER;
	report(XK_T_POLL_TOO_MANY, sched_op(SCHEDOP_poll, &p));
	p.nr_ports = 1;
	ports[0] = 5000;
	report(XK_T_POLL_BAD_PORT, sched_op(SCHEDOP_poll, &p));
	p.ports = XE_BAD_GVA;
	report(XK_T_POLL_EFAULT, sched_op(SCHEDOP_poll, &p));
	report(XK_T_YIELD, sched_op(SCHEDOP_yield, 0));
	report(XK_T_SCHED_UNKNOWN, sched_op(99, 0));
}

static void scenario_time(void)
{
	uint32_t t;

	report(XK_T_MAP_SI, setup());
	set_callback();
	time_clock();
	report(XK_T_STOP_PERIODIC, vcpu_op(VCPUOP_stop_periodic_timer, 0, 0));
	report(XK_T_VIRQ, bind_virq(VIRQ_TIMER, 0, &t));
	time_singleshot(t);
	time_periodic(t);
	time_vcpu_ops();
	time_block(t);
	time_poll(t);
}

/* ---- XE_VCPU_INFO ---- */

static long register_vi(uint64_t gpa, uint32_t offset, unsigned int vcpu)
{
	struct vcpu_register_vcpu_info r = { .mfn = gpa >> XEN_PAGE_SHIFT,
					     .offset = offset };

	return vcpu_op(VCPUOP_register_vcpu_info, vcpu, &r);
}

static void scenario_vcpu_info(void)
{
	volatile struct vcpu_info *nvi =
		(volatile struct vcpu_info *)(vi_page + XE_VI_OFFSET);
	uint64_t before;
	uint32_t t, c, u;

	report(XK_V_MAP_SI, setup());
	set_callback();
	bind_virq(VIRQ_TIMER, 0, &t);
	report(XK_V_CROSS_PAGE, register_vi((uint64_t)vi_page, 4090, 0));
	report(XK_V_UNALIGNED, register_vi((uint64_t)vi_page, 3, 0));
	report(XK_V_BAD_GFN, register_vi(XE_RAM_BYTES + (1ULL << 30), 0, 0));
	report(XK_V_EFAULT, vcpu_op(VCPUOP_register_vcpu_info, 0,
				    (void *)XE_BAD_GVA));
	report(XK_V_NO_VCPU, register_vi((uint64_t)vi_page, 0, 2));
	vi->evtchn_upcall_mask = 0x5a;	/* a byte to see moving */
	before = pv_now();
	u = upcalls;
	report(XK_V_REGISTER, register_vi((uint64_t)vi_page, XE_VI_OFFSET, 0));
	report(XK_V_AGAIN, register_vi((uint64_t)vi_page, 128, 0));
	report(XK_V_COPIED, nvi->evtchn_upcall_mask == 0x5a);
	nvi->evtchn_upcall_mask = 0;
	report(XK_V_TIME_FILLED, !(nvi->time.version & 1) &&
				 nvi->time.tsc_to_system_mul ==
				 si->vcpu_info[0].time.tsc_to_system_mul);
	report(XK_V_TIME_ON, pv_now_of(&nvi->time) >= before);
	vi = nvi;
	sti();
	cli();
	report(XK_V_RESCAN, upcalls - u >= 1);
	c = counts[t];
	sshot(pv_now() + 1000000, 0);
	report(XK_V_TIMER_DELIVERED, wait_port(t, c, 1000000000));
}

/* ---- XE_HOST ---- */

/* Two pages of entries: batches of sends whose every run the host counts. */
static struct multicall_entry host_mc[128] __attribute__((aligned(4096)));

static void mc_entry(struct multicall_entry *e, uint64_t op, uint64_t a0,
		     uint64_t a1)
{
	*e = (struct multicall_entry){ .op = op, .result = 0x1111,
				       .args = { a0, a1 } };
}

static bool mc_results(const struct multicall_entry *e, unsigned int n,
		       const uint64_t *want)
{
	bool ok = true;

	for (unsigned int i = 0; i < n; i++)
		ok &= e[i].result == want[i];
	return ok;
}

/*
 * Multicalls of EVTCHNOP_send to the host's port @h (the host counts the
 * sends that ran: none may run twice, none be lost). The mixed batch: the
 * exit fast path runs entries 0-2 (a bad port fails there), declines
 * entry 3 (its argument is unmapped), and the slow path runs 3-7.
 */
static void host_multicalls(uint32_t h)
{
	static struct evtchn_send good, bad = { .port = 5000 };
	static struct evtchn_status st;
	const uint64_t send_op = __HYPERVISOR_event_channel_op;
	uint64_t version = hypercall2(__HYPERVISOR_xen_version,
				      XENVER_version, 0);
	const uint64_t mixed[8] = { 0, -XEN_EINVAL, version, -XEN_EFAULT,
				    0, 0, 0, -XEN_EINVAL };
	const uint64_t zeros[XE_HOST_MC_FULL] = { 0 };
	struct multicall_entry *m = host_mc;

	good.port = h;
	st = (struct evtchn_status){ .dom = DOMID_SELF, .port = h };
	mc_entry(&m[0], send_op, EVTCHNOP_send, (uintptr_t)&good);
	mc_entry(&m[1], send_op, EVTCHNOP_send, (uintptr_t)&bad);
	mc_entry(&m[2], __HYPERVISOR_xen_version, XENVER_version, 0);
	mc_entry(&m[3], send_op, EVTCHNOP_send, XE_BAD_GVA);
	mc_entry(&m[4], send_op, EVTCHNOP_send, (uintptr_t)&good);
	mc_entry(&m[5], send_op, EVTCHNOP_status, (uintptr_t)&st);
	mc_entry(&m[6], send_op, EVTCHNOP_send, (uintptr_t)&good);
	mc_entry(&m[7], send_op, EVTCHNOP_send, (uintptr_t)&bad);
	report(XK_H_MC_MIXED, hypercall2(__HYPERVISOR_multicall, m, 8));
	report(XK_H_MC_MIXED_OK, mc_results(m, 8, mixed) &&
				 st.status == EVTCHNSTAT_interdomain);

	m = &host_mc[8];
	for (unsigned int i = 0; i < XE_HOST_MC_FULL; i++)
		mc_entry(&m[i], send_op, EVTCHNOP_send, (uintptr_t)&good);
	report(XK_H_MC_FULL, hypercall2(__HYPERVISOR_multicall, m,
					XE_HOST_MC_FULL));
	report(XK_H_MC_FULL_OK, mc_results(m, XE_HOST_MC_FULL, zeros));

	m = &host_mc[62];
	for (unsigned int i = 0; i < 4; i++)
		mc_entry(&m[i], send_op, EVTCHNOP_send, (uintptr_t)&good);
	report(XK_H_MC_PAGES, hypercall2(__HYPERVISOR_multicall, m, 4));
	report(XK_H_MC_PAGES_OK, mc_results(m, 4, zeros));
	sync_point(XE_SYNC_HOST_MC_COUNT);
}

static void scenario_host(void)
{
	struct evtchn_status s;
	uint32_t h, c;
	long fails = 0;

	report(XK_H_MAP_SI, setup());
	set_callback();
	report(XK_H_ALLOC, alloc_unbound(0, &h));
	report(XK_H_PORT, h);
	sync_point(XE_SYNC_HOST_BIND);
	status(h, &s);
	report(XK_H_STATUS, s.status);
	report(XK_H_STATUS_DOM, s.u.interdomain.dom);
	for (int i = 0; i < XE_HOST_SENDS; i++)
		fails += send(h) != 0;
	report(XK_H_SENDS, fails);
	sync_point(XE_SYNC_HOST_COUNT);
	host_multicalls(h);

	c = counts[h];
	sync_point(XE_SYNC_HOST_NOTIFY);	/* IF is 0 */
	report(XK_H_NOTIFY_PENDING, pending(h));
	sti();
	cli();
	report(XK_H_NOTIFY_DELIVERED, counts[h] - c);

	c = counts[h];
	sync_point(XE_SYNC_HOST_IRQFD);
	report(XK_H_IRQFD_DELIVERED, wait_port(h, c, 1000000000));

	c = counts[h];
	sync_point(XE_SYNC_HOST_BLOCK);
	report(XK_H_BLOCK, sched_op(SCHEDOP_block, 0));
	report(XK_H_BLOCK_PENDING, vi->evtchn_upcall_pending && pending(h));
	sti();
	cli();

	report(XK_H_CLOSE, close_port(h));
	report(XK_H_STATUS_CLOSED, state_of(h));
	sync_point(XE_SYNC_HOST_CLOSED);
}

/* ---- XE_FLOOD ---- */

static void scenario_flood(void)
{
	struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF };
	uint32_t a, h;
	long lf = 0, hf = 0;

	report(XK_F_MAP_SI, setup());
	set_callback();
	alloc_unbound(DOMID_SELF, &a);
	bi.remote_port = a;
	evtchn(EVTCHNOP_bind_interdomain, &bi);
	alloc_unbound(0, &h);
	report(XK_F_PORT, h);
	sync_point(XE_SYNC_FLOOD_START);
	sti();
	for (int i = 0; i < XE_FLOOD_SENDS; i++) {
		lf += send(bi.local_port) != 0;
		hf += send(h) != 0;
	}
	cli();
	sync_point(XE_SYNC_FLOOD_END);
	report(XK_F_LOOP_FAILS, lf);
	report(XK_F_HOST_FAILS, hf);
	report(XK_F_UPCALLS, upcalls);
}

/* ---- XE_PEER ---- */

static void scenario_peer(void)
{
	uint32_t arg = in32(XE_PORT_ARG), p = arg & 0xffff;
	struct evtchn_status s;
	long fails = 0;

	report(XK_P_MAP_SI, setup());
	status(p, &s);
	report(XK_P_STATUS, s.status);
	report(XK_P_REMOTE_DOM, s.u.interdomain.dom);
	if (arg & XE_PEER_SECOND) {
		/* Run inside the first VM's sync: its send came before. */
		report(XK_P_RAISED, pending(p));
		report(XK_P_SEND, send(p));
		sync_point(XE_SYNC_PEER_OTHER);
		return;
	}
	report(XK_P_SEND, send(p));
	sync_point(XE_SYNC_PEER_OTHER);
	/* The other VM dies meanwhile: sends must stay harmless. */
	for (int i = 0; i < XE_FLOOD_SENDS; i++)
		fails += send(p) != 0;
	sync_point(XE_SYNC_PEER_JOIN);
	report(XK_P_RAISED, pending(p));
	report(XK_P_FLOOD_FAILS, fails);
	status(p, &s);
	report(XK_P_UNBOUND, s.status);
	report(XK_P_UNBOUND_DOM, s.u.unbound.dom);
	report(XK_P_SEND_DEAD, send(p));
}

/* ---- XE_SHUTDOWN, XE_ARM ---- */

static void scenario_shutdown(void)
{
	struct sched_shutdown s = { .reason = in32(XE_PORT_ARG) };

	report(XK_SHUTDOWN_RET, sched_op(SCHEDOP_shutdown, &s));
}

static void scenario_arm(void)
{
	struct vcpu_set_periodic_timer p = { .period_ns = 10000000 };
	struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF };
	uint32_t t, h;

	setup();
	set_callback();
	bind_virq(VIRQ_TIMER, 0, &t);
	sshot(pv_now() + 100000000000ULL, 0);
	vcpu_op(VCPUOP_set_periodic_timer, 0, &p);
	alloc_unbound(DOMID_SELF, &bi.remote_port);
	evtchn(EVTCHNOP_bind_interdomain, &bi);
	alloc_unbound(0, &h);
	report(XK_ARM_PORT, h);
	sync_point(XE_SYNC_ARMED);
}

/* ---- XE_SMP ---- */

static long is_up(unsigned int vcpu)
{
	return vcpu_op(VCPUOP_is_up, vcpu, 0);
}

/* @v's upcall flag and the selector bit of @port's word, both set. */
static bool flagged(volatile struct vcpu_info *v, uint32_t port)
{
	return v->evtchn_upcall_pending &&
	       (v->evtchn_pending_sel >> (port / 64) & 1);
}

/* Neither the upcall flag nor any selector bit of @v is set. */
static bool quiet(volatile struct vcpu_info *v)
{
	return !v->evtchn_upcall_pending && !v->evtchn_pending_sel;
}

static void clear_flags(volatile struct vcpu_info *v)
{
	v->evtchn_upcall_pending = 0;
	v->evtchn_pending_sel = 0;
}

static uint32_t vcpu_of(uint32_t port)
{
	struct evtchn_status s;

	return status(port, &s) ? XE_NONE : s.vcpu;
}

/* Register vCPU 1's vcpu_info from vCPU 0; its clock and flags. */
static volatile struct vcpu_info *smp_vcpu_info(void)
{
	volatile struct vcpu_info *v1 =
		(volatile struct vcpu_info *)(vi_page + XE_VI1_OFFSET);
	volatile struct vcpu_time_info *t0 = &si->vcpu_info[0].time;
	uint64_t a, b, c;

	report(XK_S_REG_RANGE, register_vi((uint64_t)vi_page, XE_VI1_OFFSET, 64));
	clear_flags(vi);
	report(XK_S_REG_1, register_vi((uint64_t)vi_page, XE_VI1_OFFSET, 1));
	report(XK_S_REG_1_AGAIN, register_vi((uint64_t)vi_page, 0, 1));
	report(XK_S_VI1_CLOCK, !(v1->time.version & 1) &&
			       v1->time.tsc_to_system_mul == t0->tsc_to_system_mul &&
			       v1->time.tsc_to_system_mul);
	/* One line for every vCPU: a <= b <= c but for rounding. */
	a = pv_now_of(t0);
	b = pv_now_of(&v1->time);
	c = pv_now_of(t0);
	report(XK_S_VI1_SAME_TIME, a <= b + 1000 && b <= c + 1000);
	report(XK_S_VI1_RESCAN, v1->evtchn_upcall_pending &&
				v1->evtchn_pending_sel == ~0ULL);
	report(XK_S_VI0_ALONE, quiet(vi));
	return v1;
}

/* VIRQ_TIMER of vCPU 1, raised by its periodic timer set from vCPU 0. */
static void smp_timer(volatile struct vcpu_info *v1)
{
	struct vcpu_set_periodic_timer per = { .period_ns = XE_BLOCK_NS };
	struct vcpu_set_singleshot_timer ss = { .timeout_abs_ns = pv_now() };
	uint32_t p0, p1, none;
	uint64_t end;

	report(XK_S_VIRQ_1, bind_virq(VIRQ_TIMER, 1, &p1));
	report(XK_S_VIRQ_1_TWICE, bind_virq(VIRQ_TIMER, 1, &none));
	report(XK_S_VIRQ_0, bind_virq(VIRQ_TIMER, 0, &p0));
	report(XK_S_VIRQ_VCPU, vcpu_of(p1) == 1 && vcpu_of(p0) == 0 && p0 != p1);
	report(XK_S_VIRQ_RANGE, bind_virq(VIRQ_TIMER, 64, &none));
	report(XK_S_SSHOT_1, vcpu_op(VCPUOP_set_singleshot_timer, 1, &ss));
	report(XK_S_STOP_SSHOT_1, vcpu_op(VCPUOP_stop_singleshot_timer, 1, 0));
	clear_flags(vi);
	clear_flags(v1);
	report(XK_S_PERIODIC_1, vcpu_op(VCPUOP_set_periodic_timer, 1, &per));
	end = pv_now() + 1000000000ULL;
	while (!pending(p1) && pv_now() < end)
		;
	report(XK_S_TIMER_TO_1, pending(p1) && flagged(v1, p1));
	report(XK_S_TIMER_NOT_0, quiet(vi) && !pending(p0));
	report(XK_S_PERIODIC_1_STOP, vcpu_op(VCPUOP_stop_periodic_timer, 1, 0));
	close_port(p1);
	close_port(p0);
}

/* An IPI port of vCPU 1; a loopback port moved to vCPU 1 and back. */
static void smp_ports(volatile struct vcpu_info *v1)
{
	struct evtchn_bind_ipi ipi = { .vcpu = 1 }, bad = { .vcpu = 64 };
	struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF };
	struct evtchn_bind_vcpu bv;
	uint32_t a, b;
	long r;

	report(XK_S_IPI_1, evtchn(EVTCHNOP_bind_ipi, &ipi));
	report(XK_S_IPI_RANGE, evtchn(EVTCHNOP_bind_ipi, &bad));
	report(XK_S_IPI_VCPU, vcpu_of(ipi.port) == 1);
	clear_flags(vi);
	clear_flags(v1);
	report(XK_S_IPI_SEND, send(ipi.port));
	report(XK_S_IPI_TO_1, pending(ipi.port) && flagged(v1, ipi.port));
	report(XK_S_IPI_NOT_0, quiet(vi));
	close_port(ipi.port);

	/* A loopback pair: a unbound, b bound to it (and pending, Xen). */
	alloc_unbound(DOMID_SELF, &bi.remote_port);
	evtchn(EVTCHNOP_bind_interdomain, &bi);
	a = bi.remote_port;
	b = bi.local_port;
	clear_pending(b);
	clear_flags(vi);
	clear_flags(v1);
	bv = (struct evtchn_bind_vcpu){ .port = a, .vcpu = 1 };
	report(XK_S_BIND_VCPU_1, evtchn(EVTCHNOP_bind_vcpu, &bv));
	bv.vcpu = 64;
	report(XK_S_BIND_VCPU_RANGE, evtchn(EVTCHNOP_bind_vcpu, &bv));
	r = send(b);
	report(XK_S_LOOP_TO_1, !r && pending(a) && flagged(v1, a) && quiet(vi));
	bv.vcpu = 0;
	report(XK_S_BIND_VCPU_0, evtchn(EVTCHNOP_bind_vcpu, &bv));
	report(XK_S_LOOP_BACK_0, flagged(vi, a));
	clear_flags(vi);
	clear_pending(a);
}

static void scenario_smp(void)
{
	volatile struct vcpu_info *v1;

	cli();
	report(XK_S_MAP_SI, setup());
	set_callback();
	report(XK_S_IS_UP_0, is_up(0));
	report(XK_S_IS_UP_1, is_up(1));
	report(XK_S_IS_UP_NONE, is_up(2));
	report(XK_S_IS_UP_RANGE, is_up(64));
	report(XK_S_IS_UP_HUGE, is_up(0xffffffffu));
	v1 = smp_vcpu_info();
	smp_timer(v1);
	smp_ports(v1);
}

int guest_main(unsigned int vcpu, unsigned int nr_vcpus)
{
	static void (*const scenarios[])(void) = {
		[XE_OPS] = scenario_ops,
		[XE_TIME] = scenario_time,
		[XE_VCPU_INFO] = scenario_vcpu_info,
		[XE_HOST] = scenario_host,
		[XE_FLOOD] = scenario_flood,
		[XE_PEER] = scenario_peer,
		[XE_SHUTDOWN] = scenario_shutdown,
		[XE_ARM] = scenario_arm,
		[XE_SMP] = scenario_smp,
	};
	uint32_t s = in32(XE_PORT_SCENARIO);

	(void)vcpu;
	(void)nr_vcpus;
	if (s >= sizeof(scenarios) / sizeof(scenarios[0]) || !scenarios[s])
		return 1;
	scenarios[s]();
	return 0;
}
