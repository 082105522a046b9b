// SPDX-License-Identifier: GPL-2.0
/*
 * Event channels, 2-level ABI (Xen's public event_channel.h and xen.h;
 * delivery as in Xen's common/event_2l.c and arch/x86/hvm/irq.c):
 * EVTCHNOP_*, the upcall, and the host's ends (PVX_EVTCHN_* ioctls).
 *
 * A port p of a 64-bit guest is bit p % 64 of word p / 64 of shared_info's
 * evtchn_pending and evtchn_mask; 4096 ports, port 0 never allocated.
 * Setting a port pending, in this order (x86 locked bitops are barriers):
 *  1. test-and-set pending[p]; if it was set, stop (the edge is pending);
 *  2. if mask[p] is clear and test-and-set of bit p / 64 of the notify
 *     vCPU's vcpu_info.evtchn_pending_sel was clear: test-and-set its
 *     evtchn_upcall_pending, and if that was clear, kick the vCPU;
 *  3. wake the vCPUs in SCHEDOP_poll (masked ports wake them too).
 * EVTCHNOP_unmask clears mask[p] and, if p is pending, redoes step 2.
 * The guest clears upcall_pending, then the selector, then pending bits;
 * pvx never clears a pending bit, except when it frees a port.
 *
 * The upcall (Xen's hvm_vcpu_has_pending_irq for HVM_PARAM_CALLBACK_IRQ
 * type 2): before every VM entry, while vcpu_info.evtchn_upcall_pending is
 * set, vmx/vmx_event.c injects the callback vector as an external
 * interrupt when the guest can take one (RFLAGS.IF, no STI/MOV SS
 * shadow), else it asks for an interrupt-window exit. The flag is a level:
 * injection changes nothing, so the vector comes again each time the
 * guest re-enables interrupts while the flag stays set. No EOI. A kick
 * wakes a halted or blocked vCPU and IPIs the CPU of a running one.
 *
 * Kinds of interdomain port: LOCAL (loopback, both ends in this VM),
 * HOST (the other end is the host, domain 0: a guest send signals an
 * eventfd, PVX_EVTCHN_NOTIFY and irqfds raise the port) and PEER (the
 * other end is a port of another VM, PVX_EVTCHN_CONNECT).
 *
 * Locking and lifetimes:
 *  - ev->lock (spinlock, irqsave) guards a VM's port table, its shared
 *    bitmaps' updates by pvx and its vCPUs' virq_port and vcpu_info
 *    switch. Any context takes it (hypercalls, the ioctls, hrtimers,
 *    eventfd wake-ups). Under it pvx only sets bits and kicks vCPUs; it
 *    never signals an eventfd (an irqfd of the same eventfd would take
 *    the lock again): a send reads the eventfd under the lock inside an
 *    RCU read section and signals it after the unlock; whoever drops an
 *    eventfd while a vCPU may send (close, UNBIND) waits for a grace
 *    period before putting its reference.
 *  - pv_evtchn_mutex (global) serializes every change of a port's host
 *    or peer end: the host ioctls but NOTIFY, a guest's close of a port
 *    with an irqfd or a peer, and VM teardown. Order: mutex, then VM
 *    locks, two of them by ascending address. It never nests in a VM lock.
 *  - An irqfd sits on its eventfd's wait queue; its wake-up runs under
 *    that queue's lock and then takes the VM lock. It is taken off the
 *    port under the VM lock first (a late wake-up then finds it gone and
 *    does nothing), then off the queue with the VM lock dropped; once
 *    eventfd_ctx_remove_wait_queue() returned no wake-up runs any more
 *    and it is freed. A closed eventfd (EPOLLHUP) changes nothing: the
 *    irqfd holds a context reference until UNBIND, close or teardown.
 *  - A PEER port holds a plain pointer to the other VM, no reference:
 *    either VM's teardown, under the mutex, turns both ends unbound
 *    (the survivor's with the dead VM's domid as remote, as Xen leaves it)
 *    and then waits for an RCU grace period before anything of it is
 *    freed. A send reads the pointer under its own VM's lock inside an
 *    RCU read section, drops that lock, takes the peer's, and raises the
 *    peer port only if it still points back at the sender: a dying peer
 *    is never touched after its grace period.
 *  - vCPU timers raise VIRQ_TIMER from hrtimer callbacks; teardown cancels
 *    them (pv_timers_cancel) before the port table goes.
 * Everything a guest can make pvx do per hypercall is bounded: one port
 * per send, at most PV_POLL_MAX_PORTS per poll, one table scan per alloc.
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "pv.h"
#include "../core/pvx.h"

/* pv_evtchn_port.link: what the other end of an interdomain port is. */
enum pv_link {
	PV_LINK_LOCAL,		/* a port of this VM (loopback) */
	PV_LINK_HOST,		/* the host: eventfds */
	PV_LINK_PEER,		/* a port of another VM */
};

struct pv_irqfd;

/**
 * struct pv_evtchn_port - one event channel of a VM.
 * @state:	EVTCHNSTAT_* (EVTCHNSTAT_closed: free).
 * @link:	interdomain: enum pv_link.
 * @virq:	EVTCHNSTAT_virq: the VIRQ.
 * @remote_dom:	unbound: the domain that may bind it; interdomain: the
 *		other end's domain.
 * @vcpu:	the vCPU notified.
 * @remote_port: interdomain LOCAL and PEER: the other end's port.
 * @notify:	HOST: signalled at each guest send, or NULL.
 * @irqfd:	HOST: the eventfd that raises this port, or NULL.
 * @peer:	PEER: the other VM (see the head comment).
 */
struct pv_evtchn_port {
	u8 state;
	u8 link;
	u8 virq;
	u16 remote_dom;
	u32 vcpu;
	u32 remote_port;
	struct eventfd_ctx *notify;
	struct pv_irqfd *irqfd;
	struct pvx_vm *peer;
};

/**
 * struct pv_irqfd - PVX_EVTCHN_IRQFD: an eventfd that raises a port.
 * @wait:	on the eventfd's wait queue.
 * @pt:		to get there through vfs_poll().
 * @ctx:	the eventfd (a reference).
 * @vm:		the VM.
 * @port:	the port raised.
 */
struct pv_irqfd {
	wait_queue_entry_t wait;
	poll_table pt;
	struct eventfd_ctx *ctx;
	struct pvx_vm *vm;
	evtchn_port_t port;
};

static DEFINE_MUTEX(pv_evtchn_mutex);

#define PV_NR_PORTS	EVTCHN_2L_NR_CHANNELS
#define PV_WORD_BITS	64

static struct shared_info *pv_shared(struct pvx_vm *vm)
{
	return page_address(vm->pv.shared_info);
}

static struct pvx_vcpu *pv_vcpu_by_id(struct pvx_vm *vm, u32 id)
{
	return id < PVX_MAX_VCPUS ? READ_ONCE(vm->vcpus[id]) : NULL;
}

static unsigned long *pv_pending_bits(struct pvx_vm *vm)
{
	return (unsigned long *)pv_shared(vm)->evtchn_pending;
}

static unsigned long *pv_mask_bits(struct pvx_vm *vm)
{
	return (unsigned long *)pv_shared(vm)->evtchn_mask;
}

/*
 * Xen's vcpu_mark_events_pending(): the upcall flag, and a kick when it
 * goes up (for HVM, hvm_assert_evtchn_irq() -> vcpu_kick()).
 */
static void pv_mark_events_pending(struct pvx_vcpu *v, struct vcpu_info *vi)
{
	if (!test_and_set_bit(0, (unsigned long *)&vi->evtchn_upcall_pending))
		vmx_events_kick(v);
}

/* Step 2 of the head comment for port @port of vCPU @v. */
static void pv_notify_vcpu(struct pvx_vcpu *v, evtchn_port_t port)
{
	struct vcpu_info *vi = v ? v->pv.vcpu_info : NULL;

	/* No vcpu_info yet: registration marks everything pending (Xen). */
	if (vi && !test_and_set_bit(port / PV_WORD_BITS,
				    (unsigned long *)&vi->evtchn_pending_sel))
		pv_mark_events_pending(v, vi);
}

/* Xen's evtchn_check_pollers(): the predicate (pv_sched.c) decides. */
static void pv_check_pollers(struct pvx_vm *vm)
{
	struct pv_evtchn_vm *ev = &vm->pv.evtchn;
	unsigned int id;

	for_each_set_bit(id, ev->pollers, PVX_MAX_VCPUS) {
		struct pvx_vcpu *v = pv_vcpu_by_id(vm, id);

		if (v)
			vmx_events_kick(v);
	}
}

/* Xen's evtchn_2l_set_pending(), VM lock held. */
static void pv_set_pending(struct pvx_vm *vm, evtchn_port_t port)
{
	struct pv_evtchn_port *p = &vm->pv.evtchn.ports[port];

	if (test_and_set_bit(port, pv_pending_bits(vm)))
		return;
	if (!test_bit(port, pv_mask_bits(vm)))
		pv_notify_vcpu(pv_vcpu_by_id(vm, p->vcpu), port);
	pv_check_pollers(vm);
}

/* Xen's evtchn_2l_unmask(), VM lock held. */
static void pv_unmask(struct pvx_vm *vm, evtchn_port_t port)
{
	struct pv_evtchn_port *p = &vm->pv.evtchn.ports[port];

	if (test_and_clear_bit(port, pv_mask_bits(vm)) &&
	    test_bit(port, pv_pending_bits(vm)))
		pv_notify_vcpu(pv_vcpu_by_id(vm, p->vcpu), port);
}

/**
 * pv_evtchn_port_pending() - is @port pending (masked or not)?
 * @vm: the VM.
 * @port: any value: false beyond the table.
 */
bool pv_evtchn_port_pending(struct pvx_vm *vm, evtchn_port_t port)
{
	return port < PV_NR_PORTS && test_bit(port, pv_pending_bits(vm));
}

/**
 * pv_upcall_vector() - should this entry deliver the callback vector?
 * @vcpu: the vCPU, on its thread.
 * @vector: out: HVM_PARAM_CALLBACK_IRQ's vector.
 *
 * Return: true while vcpu_info.evtchn_upcall_pending is set and the
 * guest chose vector delivery (type 2); vmx/vmx_event.c then injects it
 * whenever the guest can take an interrupt.
 */
bool pv_upcall_vector(struct pvx_vcpu *vcpu, u8 *vector)
{
	struct vcpu_info *vi = READ_ONCE(vcpu->pv.vcpu_info);
	u64 via;

	if (likely(!vi) || !READ_ONCE(vi->evtchn_upcall_pending))
		return false;
	via = READ_ONCE(vcpu->vm->pv.params[HVM_PARAM_CALLBACK_IRQ]);
	if (via >> HVM_PARAM_CALLBACK_TYPE_SHIFT !=
	    HVM_PARAM_CALLBACK_TYPE_VECTOR || (u8)via < 32)
		return false;
	*vector = via;
	return true;
}

/* A free port, now in @state with @remote_dom; 0 if none is left. */
static evtchn_port_t pv_alloc_port(struct pvx_vm *vm, u8 state,
				   u16 remote_dom)
{
	struct pv_evtchn_port *ports = vm->pv.evtchn.ports;
	evtchn_port_t port;

	for (port = 1; port < PV_NR_PORTS; port++) {
		if (ports[port].state != EVTCHNSTAT_closed)
			continue;
		memset(&ports[port], 0, sizeof(ports[port]));
		ports[port].state = state;
		ports[port].remote_dom = remote_dom;
		atomic_long_inc(&pvx_live.evtchn_ports);
		return port;
	}
	return 0;
}

/* Xen's evtchn_free(): closed, not pending, notify vCPU 0 again. */
static void pv_free_port(struct pvx_vm *vm, evtchn_port_t port)
{
	memset(&vm->pv.evtchn.ports[port], 0, sizeof(struct pv_evtchn_port));
	clear_bit(port, pv_pending_bits(vm));
	atomic_long_dec(&pvx_live.evtchn_ports);
}

/* The port the guest names, if it is in the table. */
static struct pv_evtchn_port *pv_port(struct pvx_vm *vm, evtchn_port_t port)
{
	return port < PV_NR_PORTS ? &vm->pv.evtchn.ports[port] : NULL;
}

static bool pv_is_host_port(const struct pv_evtchn_port *p)
{
	return p && p->state == EVTCHNSTAT_interdomain &&
	       p->link == PV_LINK_HOST;
}

/* ---- irqfds ---- */

static void pv_irqfd_free(struct pv_irqfd *irqfd)
{
	u64 cnt;

	if (!irqfd)
		return;
	eventfd_ctx_remove_wait_queue(irqfd->ctx, &irqfd->wait, &cnt);
	eventfd_ctx_put(irqfd->ctx);
	kfree(irqfd);
	atomic_long_dec(&pvx_live.evtchn_eventfds);
}

/* The host's end sends (NOTIFY, an irqfd): @port must still be @irqfd's. */
static int pv_host_raise(struct pvx_vm *vm, evtchn_port_t port,
			 struct pv_irqfd *irqfd)
{
	struct pv_evtchn_vm *ev = &vm->pv.evtchn;
	struct pv_evtchn_port *p;
	unsigned long flags;
	int r = -EINVAL;

	spin_lock_irqsave(&ev->lock, flags);
	p = pv_port(vm, port);
	if (pv_is_host_port(p) && (!irqfd || p->irqfd == irqfd)) {
		pv_set_pending(vm, port);
		r = 0;
	}
	spin_unlock_irqrestore(&ev->lock, flags);
	return r;
}

/* The eventfd was signalled (its wait queue's lock held). */
static int pv_irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode,
			   int sync, void *key)
{
	struct pv_irqfd *irqfd = container_of(wait, struct pv_irqfd, wait);
	u64 cnt;

	if (key_to_poll(key) & EPOLLIN) {
		eventfd_ctx_do_read(irqfd->ctx, &cnt);
		pv_host_raise(irqfd->vm, irqfd->port, irqfd);
	}
	return 0;
}

static void pv_irqfd_queue(struct file *file, wait_queue_head_t *wqh,
			   poll_table *pt)
{
	struct pv_irqfd *irqfd = container_of(pt, struct pv_irqfd, pt);

	add_wait_queue(wqh, &irqfd->wait);
}

/* ---- ports that end: close, unbind, teardown (mutex held) ---- */

/* What a port's end leaves to free once the VM lock is dropped. */
struct pv_dropped {
	struct eventfd_ctx *notify;
	struct pv_irqfd *irqfd;
};

/*
 * Free what a port's end left. @sync: a vCPU of the VM may be sending on
 * the port right now (it signals the eventfd in an RCU read section).
 */
static void pv_dropped_free(struct pv_dropped *d, bool sync)
{
	if (d->notify) {
		if (sync)
			synchronize_rcu();
		eventfd_ctx_put(d->notify);
		atomic_long_dec(&pvx_live.evtchn_eventfds);
	}
	pv_irqfd_free(d->irqfd);
}

/* The host's end goes: the port's eventfds move to @d. */
static void pv_detach_host(struct pv_evtchn_port *p, struct pv_dropped *d)
{
	d->notify = p->notify;
	d->irqfd = p->irqfd;
	p->notify = NULL;
	p->irqfd = NULL;
}

static void pv_lock_two(struct pvx_vm *a, struct pvx_vm *b)
	__acquires(&a->pv.evtchn.lock) __acquires(&b->pv.evtchn.lock)
{
	if (a > b)
		swap(a, b);
	spin_lock(&a->pv.evtchn.lock);
	spin_lock_nested(&b->pv.evtchn.lock, SINGLE_DEPTH_NESTING);
}

static void pv_unlock_two(struct pvx_vm *a, struct pvx_vm *b)
	__releases(&a->pv.evtchn.lock) __releases(&b->pv.evtchn.lock)
{
	spin_unlock(&a->pv.evtchn.lock);
	spin_unlock(&b->pv.evtchn.lock);
}

/*
 * Break a PEER link from @vm's @port (mutex held, interrupts off, no VM
 * lock held): both ends become unbound to the other's domain.
 */
static void pv_unlink_peer(struct pvx_vm *vm, evtchn_port_t port)
{
	struct pv_evtchn_port *p = &vm->pv.evtchn.ports[port];
	struct pvx_vm *peer = p->peer;
	struct pv_evtchn_port *q = &peer->pv.evtchn.ports[p->remote_port];

	pv_lock_two(vm, peer);
	q->state = EVTCHNSTAT_unbound;
	q->remote_dom = vm->pv.domid;
	q->peer = NULL;
	p->state = EVTCHNSTAT_unbound;
	p->remote_dom = peer->pv.domid;
	p->peer = NULL;
	pv_unlock_two(vm, peer);
	vm->pv.evtchn.nr_links--;
	peer->pv.evtchn.nr_links--;
}

/* The vCPU whose VIRQ @virq is @port forgets it (bind_vcpu may move it). */
static void pv_unbind_virq(struct pvx_vm *vm, evtchn_port_t port, u8 virq)
{
	unsigned int i;

	for (i = 0; i < PVX_MAX_VCPUS; i++) {
		struct pvx_vcpu *v = pv_vcpu_by_id(vm, i);

		if (v && v->pv.evtchn.virq_port[virq] == port)
			v->pv.evtchn.virq_port[virq] = 0;
	}
}

/*
 * Xen's evtchn_close() of @port (VM lock held): the other end of an
 * interdomain channel becomes unbound. A PEER port must have been
 * unlinked first. Returns 0 or -XEN_EINVAL for a closed port.
 */
static int pv_close_locked(struct pvx_vm *vm, evtchn_port_t port,
			   struct pv_dropped *d)
{
	struct pv_evtchn_port *p = &vm->pv.evtchn.ports[port];
	struct pv_evtchn_port *q;

	switch (p->state) {
	case EVTCHNSTAT_closed:
		return -XEN_EINVAL;
	case EVTCHNSTAT_virq:
		pv_unbind_virq(vm, port, p->virq);
		break;
	case EVTCHNSTAT_interdomain:
		if (p->link == PV_LINK_HOST) {
			pv_detach_host(p, d);
		} else if (p->link == PV_LINK_LOCAL &&
			   p->remote_port != port) {
			q = &vm->pv.evtchn.ports[p->remote_port];
			q->state = EVTCHNSTAT_unbound;
			q->remote_dom = vm->pv.domid;
		}
		break;
	}
	pv_free_port(vm, port);
	return 0;
}

/*
 * Close @port of @vm: the guest's EVTCHNOP_close, EVTCHNOP_reset. Takes
 * the mutex only for a port with a host or peer end.
 */
static int pv_close(struct pvx_vm *vm, evtchn_port_t port)
{
	struct pv_evtchn_vm *ev = &vm->pv.evtchn;
	struct pv_dropped d = { NULL, NULL };
	struct pv_evtchn_port *p = pv_port(vm, port);
	bool mutex = false;
	unsigned long flags;
	int r;

	if (!p)
		return -XEN_EINVAL;
again:
	spin_lock_irqsave(&ev->lock, flags);
	if (!mutex && p->state == EVTCHNSTAT_interdomain &&
	    (p->link == PV_LINK_PEER || p->irqfd)) {
		spin_unlock_irqrestore(&ev->lock, flags);
		mutex_lock(&pv_evtchn_mutex);
		mutex = true;
		goto again;
	}
	if (p->state == EVTCHNSTAT_interdomain && p->link == PV_LINK_PEER) {
		spin_unlock(&ev->lock);
		pv_unlink_peer(vm, port);
		spin_lock(&ev->lock);
	}
	r = pv_close_locked(vm, port, &d);
	spin_unlock_irqrestore(&ev->lock, flags);
	if (mutex)
		mutex_unlock(&pv_evtchn_mutex);
	pv_dropped_free(&d, true);
	return r;
}

/* ---- the guest's EVTCHNOP_* ---- */

/* Xen's per-vCPU VIRQs (virq_is_global() false). */
static bool pv_virq_per_vcpu(u32 virq)
{
	return virq == VIRQ_TIMER || virq == VIRQ_DEBUG;
}

static long pv_op_alloc_unbound(struct pvx_vcpu *vcpu, void *arg)
{
	struct evtchn_alloc_unbound *a = arg;
	struct pvx_vm *vm = vcpu->vm;
	unsigned long flags;

	/* Only the host makes ports in another domain (DOMID_SELF only). */
	if (!pv_is_self(&vm->pv, a->dom))
		return -XEN_EPERM;
	spin_lock_irqsave(&vm->pv.evtchn.lock, flags);
	a->port = pv_alloc_port(vm, EVTCHNSTAT_unbound,
				pv_is_self(&vm->pv, a->remote_dom) ?
				vm->pv.domid : a->remote_dom);
	spin_unlock_irqrestore(&vm->pv.evtchn.lock, flags);
	return a->port ? 0 : -XEN_ENOSPC;
}

/*
 * Loopback only: another domain's ports are bound by the host
 * (PVX_EVTCHN_BIND_HOST, PVX_EVTCHN_CONNECT), never by a guest.
 */
static long pv_op_bind_interdomain(struct pvx_vcpu *vcpu, void *arg)
{
	struct evtchn_bind_interdomain *b = arg;
	struct pvx_vm *vm = vcpu->vm;
	struct pv_evtchn_port *r, *l;
	unsigned long flags;
	evtchn_port_t port;
	long ret = 0;

	if (!pv_is_self(&vm->pv, b->remote_dom))
		return -XEN_ESRCH;
	spin_lock_irqsave(&vm->pv.evtchn.lock, flags);
	r = pv_port(vm, b->remote_port);
	if (!r || r->state != EVTCHNSTAT_unbound ||
	    r->remote_dom != vm->pv.domid) {
		ret = -XEN_EINVAL;
		goto out;
	}
	port = pv_alloc_port(vm, EVTCHNSTAT_interdomain, vm->pv.domid);
	if (!port) {
		ret = -XEN_ENOSPC;
		goto out;
	}
	l = &vm->pv.evtchn.ports[port];
	l->link = PV_LINK_LOCAL;
	l->remote_port = b->remote_port;
	r->state = EVTCHNSTAT_interdomain;
	r->link = PV_LINK_LOCAL;
	r->remote_port = port;
	b->local_port = port;
	/* Xen sets the new port pending: a send may have raced the bind. */
	pv_set_pending(vm, port);
out:
	spin_unlock_irqrestore(&vm->pv.evtchn.lock, flags);
	return ret;
}

static long pv_op_bind_virq(struct pvx_vcpu *vcpu, void *arg)
{
	struct evtchn_bind_virq *b = arg;
	struct pvx_vm *vm = vcpu->vm;
	struct pvx_vcpu *target;
	unsigned long flags;
	evtchn_port_t port;
	long ret = 0;

	if (b->virq >= NR_VIRQS)
		return -XEN_EINVAL;
	if (!pv_virq_per_vcpu(b->virq) && b->vcpu != 0)
		return -XEN_EINVAL;
	target = pv_vcpu_by_id(vm, b->vcpu);
	if (!target)
		return -XEN_ENOENT;
	spin_lock_irqsave(&vm->pv.evtchn.lock, flags);
	if (target->pv.evtchn.virq_port[b->virq]) {
		ret = -XEN_EEXIST;
		goto out;
	}
	port = pv_alloc_port(vm, EVTCHNSTAT_virq, 0);
	if (!port) {
		ret = -XEN_ENOSPC;
		goto out;
	}
	vm->pv.evtchn.ports[port].virq = b->virq;
	vm->pv.evtchn.ports[port].vcpu = b->vcpu;
	target->pv.evtchn.virq_port[b->virq] = port;
	b->port = port;
out:
	spin_unlock_irqrestore(&vm->pv.evtchn.lock, flags);
	return ret;
}

static long pv_op_bind_ipi(struct pvx_vcpu *vcpu, void *arg)
{
	struct evtchn_bind_ipi *b = arg;
	struct pvx_vm *vm = vcpu->vm;
	unsigned long flags;

	if (!pv_vcpu_by_id(vm, b->vcpu))
		return -XEN_ENOENT;
	spin_lock_irqsave(&vm->pv.evtchn.lock, flags);
	b->port = pv_alloc_port(vm, EVTCHNSTAT_ipi, 0);
	if (b->port)
		vm->pv.evtchn.ports[b->port].vcpu = b->vcpu;
	spin_unlock_irqrestore(&vm->pv.evtchn.lock, flags);
	return b->port ? 0 : -XEN_ENOSPC;
}

static long pv_op_close(struct pvx_vcpu *vcpu, void *arg)
{
	return pv_close(vcpu->vm, ((struct evtchn_close *)arg)->port);
}

/* A PEER send: raise the peer's port if it still points back (RCU held). */
static void pv_raise_peer(struct pvx_vm *peer, evtchn_port_t rport,
			  struct pvx_vm *vm, evtchn_port_t port)
{
	struct pv_evtchn_port *q = &peer->pv.evtchn.ports[rport];
	unsigned long flags;

	spin_lock_irqsave(&peer->pv.evtchn.lock, flags);
	if (q->state == EVTCHNSTAT_interdomain && q->link == PV_LINK_PEER &&
	    q->peer == vm && q->remote_port == port)
		pv_set_pending(peer, rport);
	spin_unlock_irqrestore(&peer->pv.evtchn.lock, flags);
}

/**
 * pv_evtchn_send() - EVTCHNOP_send of @port by the guest of @vm.
 * @vm: the sender's VM.
 * @port: its port.
 *
 * Interdomain: the other end is raised (a port of this VM, of the peer
 * VM) or the host's eventfd signalled; IPI: the port itself; unbound:
 * dropped, as Xen does. Any context.
 *
 * Return: 0, or -XEN_EINVAL (out of range, closed, a VIRQ port).
 */
static long pv_evtchn_send(struct pvx_vm *vm, evtchn_port_t port)
{
	struct pv_evtchn_vm *ev = &vm->pv.evtchn;
	struct eventfd_ctx *notify = NULL;
	struct pvx_vm *peer = NULL;
	struct pv_evtchn_port *p;
	evtchn_port_t rport = 0;
	unsigned long flags;
	long r = 0;

	p = pv_port(vm, port);
	if (!p)
		return -XEN_EINVAL;
	rcu_read_lock();
	spin_lock_irqsave(&ev->lock, flags);
	switch (p->state) {
	case EVTCHNSTAT_interdomain:
		if (p->link == PV_LINK_LOCAL) {
			pv_set_pending(vm, p->remote_port);
		} else if (p->link == PV_LINK_HOST) {
			notify = p->notify;
		} else {
			peer = p->peer;
			rport = p->remote_port;
		}
		break;
	case EVTCHNSTAT_ipi:
		pv_set_pending(vm, port);
		break;
	case EVTCHNSTAT_unbound:
		break;
	default:
		r = -XEN_EINVAL;
	}
	spin_unlock_irqrestore(&ev->lock, flags);
	if (peer)
		pv_raise_peer(peer, rport, vm, port);
	if (notify)
		eventfd_signal(notify, 1);
	rcu_read_unlock();
	return r;
}

static long pv_op_send(struct pvx_vcpu *vcpu, void *arg)
{
	return pv_evtchn_send(vcpu->vm, ((struct evtchn_send *)arg)->port);
}

/**
 * pv_event_channel_op_fast() - EVTCHNOP_send with interrupts off (the
 * exit fast path): a guest's notification costs one VM exit, no more.
 * @vcpu: the vCPU, right after its VMCALL exit.
 * @args: the hypercall's arguments.
 * @ret: out: the result.
 *
 * Return: false (the slow path then does the call) for another cmd, or
 * when the argument cannot be read without sleeping.
 */
bool pv_event_channel_op_fast(struct pvx_vcpu *vcpu, const u64 args[5],
			      long *ret)
{
	struct evtchn_send send;

	if (READ_ONCE(args[0]) != EVTCHNOP_send ||
	    pv_copy_from_guest_atomic(vcpu, &send, READ_ONCE(args[1]),
				      sizeof(send)))
		return false;
	*ret = pv_evtchn_send(vcpu->vm, send.port);
	return true;
}

static long pv_op_status(struct pvx_vcpu *vcpu, void *arg)
{
	struct evtchn_status *s = arg;
	struct pvx_vm *vm = vcpu->vm;
	struct pv_evtchn_port *p;
	unsigned long flags;

	if (!pv_is_self(&vm->pv, s->dom))
		return -XEN_EPERM;
	p = pv_port(vm, s->port);
	if (!p)
		return -XEN_EINVAL;
	memset(&s->u, 0, sizeof(s->u));
	spin_lock_irqsave(&vm->pv.evtchn.lock, flags);
	s->status = p->state;
	s->vcpu = p->vcpu;
	switch (p->state) {
	case EVTCHNSTAT_unbound:
		s->u.unbound.dom = p->remote_dom;
		break;
	case EVTCHNSTAT_interdomain:
		s->u.interdomain.dom = p->link == PV_LINK_HOST ? 0 :
				       p->link == PV_LINK_PEER ?
				       p->peer->pv.domid : vm->pv.domid;
		s->u.interdomain.port = p->link == PV_LINK_HOST ? 0 :
					p->remote_port;
		break;
	case EVTCHNSTAT_virq:
		s->u.virq = p->virq;
		break;
	}
	spin_unlock_irqrestore(&vm->pv.evtchn.lock, flags);
	return 0;
}

/* Xen's evtchn_bind_vcpu(): not for IPIs nor per-vCPU VIRQs. */
static long pv_op_bind_vcpu(struct pvx_vcpu *vcpu, void *arg)
{
	struct evtchn_bind_vcpu *b = arg;
	struct pvx_vm *vm = vcpu->vm;
	struct pv_evtchn_port *p;
	unsigned long flags;
	long r = 0;

	if (!pv_vcpu_by_id(vm, b->vcpu))
		return -XEN_ENOENT;
	p = pv_port(vm, b->port);
	if (!p)
		return -XEN_EINVAL;
	spin_lock_irqsave(&vm->pv.evtchn.lock, flags);
	switch (p->state) {
	case EVTCHNSTAT_virq:
		if (pv_virq_per_vcpu(p->virq)) {
			r = -XEN_EINVAL;
			break;
		}
		fallthrough;
	case EVTCHNSTAT_unbound:
	case EVTCHNSTAT_interdomain:
		p->vcpu = b->vcpu;
		/* A pending, unmasked port now belongs to the new vCPU. */
		if (test_bit(b->port, pv_pending_bits(vm)) &&
		    !test_bit(b->port, pv_mask_bits(vm)))
			pv_notify_vcpu(pv_vcpu_by_id(vm, b->vcpu), b->port);
		break;
	default:
		r = -XEN_EINVAL;
	}
	spin_unlock_irqrestore(&vm->pv.evtchn.lock, flags);
	return r;
}

static long pv_op_unmask(struct pvx_vcpu *vcpu, void *arg)
{
	evtchn_port_t port = ((struct evtchn_unmask *)arg)->port;
	struct pvx_vm *vm = vcpu->vm;
	unsigned long flags;

	if (port >= PV_NR_PORTS)
		return -XEN_EINVAL;
	spin_lock_irqsave(&vm->pv.evtchn.lock, flags);
	pv_unmask(vm, port);
	spin_unlock_irqrestore(&vm->pv.evtchn.lock, flags);
	return 0;
}

/* EVTCHNOP_reset of DOMID_SELF: every port closed. */
static long pv_op_reset(struct pvx_vcpu *vcpu, void *arg)
{
	struct pvx_vm *vm = vcpu->vm;
	evtchn_port_t port;

	if (!pv_is_self(&vm->pv, *(domid_t *)arg))
		return -XEN_EPERM;
	for (port = 1; port < PV_NR_PORTS; port++)
		if (READ_ONCE(vm->pv.evtchn.ports[port].state) !=
		    EVTCHNSTAT_closed)
			pv_close(vm, port);
	return 0;
}

/*
 * The FIFO ABI (init_control, expand_array, set_priority) is not offered:
 * -ENOSYS, and Linux uses the 2-level ABI (events_base.c falls back on any
 * error of EVTCHNOP_init_control).
 */
static long pv_op_fifo(struct pvx_vcpu *vcpu, void *arg)
{
	return -XEN_ENOSYS;
}

/**
 * struct pv_evtchn_op - one EVTCHNOP.
 * @fn:		the handler, on a copy of the argument.
 * @size:	bytes of the argument copied in.
 * @out:	the argument is copied back after success.
 */
struct pv_evtchn_op {
	long (*fn)(struct pvx_vcpu *vcpu, void *arg);
	u8 size;
	bool out;
};

static const struct pv_evtchn_op pv_evtchn_ops[] = {
	[EVTCHNOP_bind_interdomain] = { pv_op_bind_interdomain,
		sizeof(struct evtchn_bind_interdomain), true },
	[EVTCHNOP_bind_virq] = { pv_op_bind_virq,
		sizeof(struct evtchn_bind_virq), true },
	[EVTCHNOP_close] = { pv_op_close, sizeof(struct evtchn_close) },
	[EVTCHNOP_send] = { pv_op_send, sizeof(struct evtchn_send) },
	[EVTCHNOP_status] = { pv_op_status, sizeof(struct evtchn_status), true },
	[EVTCHNOP_alloc_unbound] = { pv_op_alloc_unbound,
		sizeof(struct evtchn_alloc_unbound), true },
	[EVTCHNOP_bind_ipi] = { pv_op_bind_ipi, sizeof(struct evtchn_bind_ipi),
		true },
	[EVTCHNOP_bind_vcpu] = { pv_op_bind_vcpu,
		sizeof(struct evtchn_bind_vcpu) },
	[EVTCHNOP_unmask] = { pv_op_unmask, sizeof(struct evtchn_unmask) },
	[EVTCHNOP_reset] = { pv_op_reset, sizeof(domid_t) },
	[EVTCHNOP_init_control] = { pv_op_fifo, 0 },
	[EVTCHNOP_expand_array] = { pv_op_fifo, 0 },
	[EVTCHNOP_set_priority] = { pv_op_fifo, 0 },
};

/**
 * pv_do_event_channel_op() - hypercall 32, event_channel_op(cmd, arg).
 * @vcpu: the calling vCPU.
 * @args: cmd (EVTCHNOP_*), the guest address of its argument.
 *
 * Return: 0 or a negative Xen errno: -ENOSYS for an unknown cmd (and
 * bind_pirq: pvx offers no PIRQs), -EFAULT for an argument it cannot
 * read or write back, else the op's.
 */
long pv_do_event_channel_op(struct pvx_vcpu *vcpu, const u64 args[5])
{
	const struct pv_evtchn_op *op;
	u64 buf[sizeof(struct evtchn_status) / sizeof(u64)];
	long r;

	if (args[0] >= ARRAY_SIZE(pv_evtchn_ops) || !pv_evtchn_ops[args[0]].fn)
		return -XEN_ENOSYS;
	op = &pv_evtchn_ops[args[0]];
	if (op->size && pv_copy_from_guest(vcpu, buf, args[1], op->size))
		return -XEN_EFAULT;
	r = op->fn(vcpu, buf);
	if (!r && op->out && pv_copy_to_guest(vcpu, args[1], buf, op->size))
		return -XEN_EFAULT;
	return r;
}

/**
 * pv_evtchn_send_virq() - raise @virq of @vcpu, if a port is bound to it.
 * @vcpu: a vCPU of a PV VM.
 * @virq: a per-vCPU VIRQ (VIRQ_TIMER).
 *
 * Any context (the timers' hrtimer callbacks).
 */
void pv_evtchn_send_virq(struct pvx_vcpu *vcpu, unsigned int virq)
{
	struct pvx_vm *vm = vcpu->vm;
	unsigned long flags;
	evtchn_port_t port;

	spin_lock_irqsave(&vm->pv.evtchn.lock, flags);
	port = vcpu->pv.evtchn.virq_port[virq];
	if (port)
		pv_set_pending(vm, port);
	spin_unlock_irqrestore(&vm->pv.evtchn.lock, flags);
}

/**
 * pv_evtchn_set_vcpu_info() - VCPUOP_register_vcpu_info: move @vcpu's
 * vcpu_info to @vi (in the pinned guest @page), as Xen's map_vcpu_info().
 * @vcpu: the vCPU whose vcpu_info moves (not necessarily the caller).
 * @vi: the new place, 8-byte aligned, within @page.
 * @page: kept until the vCPU is freed.
 *
 * The current contents are copied (zeros, upcall mask set, if it had
 * none), then every selector bit and the upcall flag are set so that
 * the guest rescans all ports, and the vCPU is kicked.
 */
long pv_evtchn_set_vcpu_info(struct pvx_vcpu *vcpu, struct vcpu_info *vi,
			     struct page *page)
{
	struct pvx_vm *vm = vcpu->vm;
	struct vcpu_info *old;
	unsigned long flags;

	spin_lock_irqsave(&vm->pv.evtchn.lock, flags);
	if (vcpu->pv.vcpu_info_page) {
		spin_unlock_irqrestore(&vm->pv.evtchn.lock, flags);
		return -XEN_EINVAL;
	}
	old = vcpu->pv.vcpu_info;
	if (old) {
		memcpy(vi, old, sizeof(*vi));
	} else {
		memset(vi, 0, sizeof(*vi));
		vi->evtchn_upcall_mask = 1;
	}
	vcpu->pv.vcpu_info_page = page;
	WRITE_ONCE(vcpu->pv.vcpu_info, vi);
	smp_wmb();
	WRITE_ONCE(vi->evtchn_upcall_pending, 1);
	WRITE_ONCE(vi->evtchn_pending_sel, ~0ULL);
	vmx_events_kick(vcpu);
	spin_unlock_irqrestore(&vm->pv.evtchn.lock, flags);
	return 0;
}

/* ---- the host's ends (VM-fd ioctls) ---- */

static int pv_host_arg(void __user *argp, struct pvx_evtchn_host *h,
		       u32 flags_allowed)
{
	if (copy_from_user(h, argp, sizeof(*h)))
		return -EFAULT;
	if ((h->flags & ~flags_allowed) || h->reserved)
		return -EINVAL;
	return 0;
}

/* An eventfd reference for @fd, NULL for -1, or an ERR_PTR (-EBADF). */
static struct eventfd_ctx *pv_eventfd_get(int fd)
{
	struct eventfd_ctx *ctx;

	if (fd == -1)
		return NULL;
	ctx = eventfd_ctx_fdget(fd);
	if (IS_ERR(ctx))
		return ERR_PTR(-EBADF);
	atomic_long_inc(&pvx_live.evtchn_eventfds);
	return ctx;
}

static void pv_eventfd_put(struct eventfd_ctx *ctx)
{
	if (ctx) {
		eventfd_ctx_put(ctx);
		atomic_long_dec(&pvx_live.evtchn_eventfds);
	}
}

/* PVX_EVTCHN_BIND_HOST: a port unbound to domain 0 becomes the host's. */
long pv_evtchn_bind_host_ioctl(struct pvx_vm *vm, void __user *argp)
{
	struct pv_evtchn_vm *ev = &vm->pv.evtchn;
	struct pvx_evtchn_host h;
	struct eventfd_ctx *ctx;
	struct pv_evtchn_port *p;
	unsigned long flags;
	long r = 0;

	r = pv_host_arg(argp, &h, PVX_EVTCHN_ALLOC);
	if (r)
		return r;
	ctx = pv_eventfd_get(h.fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	mutex_lock(&pv_evtchn_mutex);
	spin_lock_irqsave(&ev->lock, flags);
	if (h.flags & PVX_EVTCHN_ALLOC) {
		h.port = pv_alloc_port(vm, EVTCHNSTAT_unbound, 0);
		if (!h.port)
			r = -ENOSPC;
	}
	p = r ? NULL : pv_port(vm, h.port);
	if (!r && (!p || p->state != EVTCHNSTAT_unbound || p->remote_dom))
		r = -EINVAL;
	if (!r) {
		p->state = EVTCHNSTAT_interdomain;
		p->link = PV_LINK_HOST;
		p->notify = ctx;
		ctx = NULL;
	}
	spin_unlock_irqrestore(&ev->lock, flags);
	mutex_unlock(&pv_evtchn_mutex);
	pv_eventfd_put(ctx);
	if (r)
		return r;
	if ((h.flags & PVX_EVTCHN_ALLOC) &&
	    copy_to_user(argp, &h, sizeof(h)))
		return -EFAULT;
	return 0;
}

/* PVX_EVTCHN_NOTIFY: the host's end sends. */
long pv_evtchn_notify_ioctl(struct pvx_vm *vm, void __user *argp)
{
	struct pvx_evtchn_host h;
	int r = pv_host_arg(argp, &h, 0);

	return r ? r : pv_host_raise(vm, h.port, NULL);
}

static long pv_irqfd_assign(struct pvx_vm *vm, struct pvx_evtchn_host *h)
{
	struct pv_evtchn_vm *ev = &vm->pv.evtchn;
	struct pv_irqfd *irqfd;
	struct pv_evtchn_port *p;
	unsigned long flags;
	struct fd f;
	__poll_t events;
	long r = 0;

	irqfd = kzalloc(sizeof(*irqfd), GFP_KERNEL_ACCOUNT);
	if (!irqfd)
		return -ENOMEM;
	f = fdget(h->fd);
	irqfd->ctx = f.file ? eventfd_ctx_fileget(f.file) : ERR_PTR(-EBADF);
	if (IS_ERR(irqfd->ctx)) {
		r = -EBADF;
		goto fail;
	}
	atomic_long_inc(&pvx_live.evtchn_eventfds);
	irqfd->vm = vm;
	irqfd->port = h->port;
	init_waitqueue_func_entry(&irqfd->wait, pv_irqfd_wakeup);
	init_poll_funcptr(&irqfd->pt, pv_irqfd_queue);

	spin_lock_irqsave(&ev->lock, flags);
	p = pv_port(vm, h->port);
	if (!pv_is_host_port(p))
		r = -EINVAL;
	else if (p->irqfd)
		r = -EEXIST;
	else
		p->irqfd = irqfd;
	spin_unlock_irqrestore(&ev->lock, flags);
	if (r) {
		eventfd_ctx_put(irqfd->ctx);
		atomic_long_dec(&pvx_live.evtchn_eventfds);
		goto fail;
	}
	/* On the eventfd's queue (the mutex keeps the port's irqfd). */
	events = vfs_poll(f.file, &irqfd->pt);
	if (events & EPOLLIN)
		pv_host_raise(vm, h->port, irqfd);
	fdput(f);
	return 0;
fail:
	fdput(f);
	kfree(irqfd);
	return r;
}

/* PVX_EVTCHN_IRQFD: assign or (PVX_EVTCHN_DEASSIGN) remove an irqfd. */
long pv_evtchn_irqfd_ioctl(struct pvx_vm *vm, void __user *argp)
{
	struct pv_evtchn_vm *ev = &vm->pv.evtchn;
	struct pv_irqfd *irqfd = NULL;
	struct pvx_evtchn_host h;
	struct pv_evtchn_port *p;
	unsigned long flags;
	long r;

	r = pv_host_arg(argp, &h, PVX_EVTCHN_DEASSIGN);
	if (r)
		return r;
	mutex_lock(&pv_evtchn_mutex);
	if (!(h.flags & PVX_EVTCHN_DEASSIGN)) {
		r = pv_irqfd_assign(vm, &h);
		goto out;
	}
	spin_lock_irqsave(&ev->lock, flags);
	p = pv_port(vm, h.port);
	if (!pv_is_host_port(p)) {
		r = -EINVAL;
	} else if (!p->irqfd) {
		r = -ENOENT;
	} else {
		irqfd = p->irqfd;
		p->irqfd = NULL;
	}
	spin_unlock_irqrestore(&ev->lock, flags);
	pv_irqfd_free(irqfd);
out:
	mutex_unlock(&pv_evtchn_mutex);
	return r;
}

/* PVX_EVTCHN_UNBIND: the port is unbound to domain 0 again. */
long pv_evtchn_unbind_ioctl(struct pvx_vm *vm, void __user *argp)
{
	struct pv_evtchn_vm *ev = &vm->pv.evtchn;
	struct pv_dropped d = { NULL, NULL };
	struct pvx_evtchn_host h;
	struct pv_evtchn_port *p;
	unsigned long flags;
	long r;

	r = pv_host_arg(argp, &h, 0);
	if (r)
		return r;
	mutex_lock(&pv_evtchn_mutex);
	spin_lock_irqsave(&ev->lock, flags);
	p = pv_port(vm, h.port);
	if (!pv_is_host_port(p)) {
		r = -EINVAL;
	} else {
		pv_detach_host(p, &d);
		p->state = EVTCHNSTAT_unbound;
		p->remote_dom = 0;
	}
	spin_unlock_irqrestore(&ev->lock, flags);
	mutex_unlock(&pv_evtchn_mutex);
	pv_dropped_free(&d, true);
	return r;
}

/* @port of @vm, unbound to @dom (or allocated so when @alloc): 0 or -errno. */
static int pv_connect_end(struct pvx_vm *vm, u32 *port, u16 dom, bool alloc)
{
	struct pv_evtchn_port *p;

	if (alloc) {
		*port = pv_alloc_port(vm, EVTCHNSTAT_unbound, dom);
		return *port ? 0 : -ENOSPC;
	}
	p = pv_port(vm, *port);
	if (!p || p->state != EVTCHNSTAT_unbound || p->remote_dom != dom)
		return -EINVAL;
	return 0;
}

static void pv_link(struct pvx_vm *vm, u32 port, struct pvx_vm *peer,
		    u32 rport)
{
	struct pv_evtchn_port *p = &vm->pv.evtchn.ports[port];

	p->state = EVTCHNSTAT_interdomain;
	p->link = PV_LINK_PEER;
	p->remote_dom = peer->pv.domid;
	p->remote_port = rport;
	p->peer = peer;
	vm->pv.evtchn.nr_links++;
	vm->pv.evtchn.linked = true;
}

/* Both ends, under both VM locks (mutex held). */
static long pv_connect_locked(struct pvx_vm *vm, struct pvx_vm *peer,
			      struct pvx_evtchn_host *h)
{
	bool alloc = h->flags & PVX_EVTCHN_ALLOC;
	u32 port = h->port, rport = h->peer_port;
	long r;

	r = pv_connect_end(vm, &port, peer->pv.domid, alloc);
	if (r)
		return r;
	r = pv_connect_end(peer, &rport, vm->pv.domid, alloc);
	if (r) {
		if (alloc)
			pv_free_port(vm, port);
		return r;
	}
	pv_link(vm, port, peer, rport);
	pv_link(peer, rport, vm, port);
	h->port = port;
	h->peer_port = rport;
	return 0;
}

/* PVX_EVTCHN_CONNECT: an interdomain channel between two VMs. */
long pv_evtchn_connect_ioctl(struct pvx_vm *vm, void __user *argp)
{
	struct pvx_evtchn_host h;
	struct pvx_vm *peer;
	struct fd f;
	long r;

	r = pv_host_arg(argp, &h, PVX_EVTCHN_ALLOC);
	if (r)
		return r;
	f = fdget(h.fd);
	peer = f.file ? pvx_vm_from_file(f.file) : NULL;
	if (!peer) {
		r = -EBADF;
		goto out;
	}
	if (peer == vm || peer->mm != vm->mm) {
		r = -EINVAL;
		goto out;
	}
	if (!READ_ONCE(peer->pv.enabled)) {
		r = -ENODEV;
		goto out;
	}
	mutex_lock(&pv_evtchn_mutex);
	local_irq_disable();
	pv_lock_two(vm, peer);
	r = pv_connect_locked(vm, peer, &h);
	pv_unlock_two(vm, peer);
	local_irq_enable();
	mutex_unlock(&pv_evtchn_mutex);
	if (!r && (h.flags & PVX_EVTCHN_ALLOC) &&
	    copy_to_user(argp, &h, sizeof(h)))
		r = -EFAULT;
out:
	fdput(f);
	return r;
}

/* ---- set-up and teardown ---- */

/**
 * pv_evtchn_vm_init() - PVX_PV_ENABLE: the port table, the PV clock.
 * @vm: the VM, being enabled (after pv.domid and pv.boot_ns are set).
 *
 * Return: 0 or -ENOMEM.
 */
int pv_evtchn_vm_init(struct pvx_vm *vm)
{
	struct pv_evtchn_vm *ev = &vm->pv.evtchn;

	ev->ports = kvcalloc(PV_NR_PORTS, sizeof(*ev->ports),
			     GFP_KERNEL_ACCOUNT);
	if (!ev->ports)
		return -ENOMEM;
	pv_clock_init(vm);
	return 0;
}

/**
 * pv_evtchn_vcpu_init() - a new vCPU of a PV VM: no VIRQ, timers idle,
 * the VM's TSC offset.
 * @vcpu: the vCPU.
 */
void pv_evtchn_vcpu_init(struct pvx_vcpu *vcpu)
{
	vcpu->pv.evtchn.tsc_offset = vcpu->vm->tsc_offset;
	pv_timers_init(vcpu);
}

/**
 * pv_evtchn_vcpu_destroy() - the vCPU is being freed: its timers stop.
 * @vcpu: a vCPU of a PV VM.
 */
void pv_evtchn_vcpu_destroy(struct pvx_vcpu *vcpu)
{
	pv_timers_cancel(vcpu);
}

/* Teardown of one port that has a host or peer end (mutex held). */
static void pv_teardown_port(struct pvx_vm *vm, evtchn_port_t port)
{
	struct pv_evtchn_port *p = &vm->pv.evtchn.ports[port];
	struct pv_dropped d = { NULL, NULL };

	if (p->state != EVTCHNSTAT_interdomain)
		return;
	if (p->link == PV_LINK_PEER) {
		local_irq_disable();
		pv_unlink_peer(vm, port);
		local_irq_enable();
	} else if (p->link == PV_LINK_HOST) {
		spin_lock_irq(&vm->pv.evtchn.lock);
		pv_detach_host(p, &d);
		spin_unlock_irq(&vm->pv.evtchn.lock);
		/* No vCPU of this VM runs any more: nobody sends. */
		pv_dropped_free(&d, false);
	}
}

/**
 * pv_evtchn_vm_release() - the VM is being freed: nothing raises a port
 * from now on.
 * @vm: a VM whose fds are all closed (PV enabled or not).
 *
 * Called before the vCPUs, the shared_info page and registered vcpu_info
 * pages go: the timers stop first, then the host's ends (irqfds off their
 * queues) and the links to other VMs (their ends become unbound), then,
 * if this VM was ever linked, an RCU grace period lets a peer's send
 * that read the link finish (see the head comment). Every port is
 * counted closed; pv_evtchn_vm_destroy() frees the table.
 */
void pv_evtchn_vm_release(struct pvx_vm *vm)
{
	struct pv_evtchn_vm *ev = &vm->pv.evtchn;
	evtchn_port_t port;
	unsigned int i;

	if (!ev->ports)
		return;
	for (i = 0; i < PVX_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			pv_timers_cancel(vm->vcpus[i]);
	mutex_lock(&pv_evtchn_mutex);
	for (port = 1; port < PV_NR_PORTS; port++) {
		pv_teardown_port(vm, port);
		if (ev->ports[port].state != EVTCHNSTAT_closed)
			atomic_long_dec(&pvx_live.evtchn_ports);
	}
	mutex_unlock(&pv_evtchn_mutex);
	if (ev->linked)
		synchronize_rcu();
}

/**
 * pv_evtchn_vm_destroy() - free the port table (after
 * pv_evtchn_vm_release()).
 * @vm: the VM.
 */
void pv_evtchn_vm_destroy(struct pvx_vm *vm)
{
	kvfree(vm->pv.evtchn.ports);
	vm->pv.evtchn.ports = NULL;
}
