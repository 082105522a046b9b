// SPDX-License-Identifier: GPL-2.0
/*
 * The PV clock and the wallclock (Xen's public xen.h: struct
 * vcpu_time_info, shared_info.wc_*; the pvclock protocol).
 *
 * System time is nanoseconds since PVX_PV_ENABLE. pvx defines it as one
 * linear function of the host TSC, fixed at enable (struct pv_clock): an
 * update never contradicts the previous one, so the guest's clock never
 * steps back. Each vCPU's vcpu_time_info holds, for the guest:
 *	now = system_time + (((tsc - tsc_timestamp) << tsc_shift) * mul) >> 32
 * (a negative shift shifts right), with tsc the guest's RDTSC: pvx stores
 * tsc_timestamp in guest TSC units, the host TSC plus the vCPU's
 * TSC_OFFSET, as Xen does for HVM (tsc_timestamp += tsc offset).
 * tsc_to_system_mul/tsc_shift come from the TSC rate (tsc_khz; pvx does
 * not scale the guest's TSC). XEN_PVCLOCK_TSC_STABLE_BIT is set when the
 * host TSC is invariant (constant and nonstop, not marked unstable).
 *
 * Writers follow the version protocol (Xen's time.c
 * __update_vcpu_system_time): version made odd, barrier, fields, barrier,
 * version made even; the guest retries while it reads an odd or changed
 * version. The wallclock (wc_sec_hi:wc_sec, wc_nsec: UNIX time at system
 * time 0) uses wc_version the same way. pvx writes a vCPU's clock when
 * shared_info is mapped, when the vcpu_info is registered, and when its
 * TSC offset changes (IA32_TSC written); between those nothing drifts.
 * Writers hold the VM's event-channel lock.
 */
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/timekeeping.h>
#include <asm/cpufeature.h>
#include <asm/tsc.h>

#include "pv.h"
#include "../core/pvx.h"

/* mul, shift with ns = ((ticks << shift) * mul) >> 32 for @hz ticks/s. */
static void pv_clock_scale(u64 hz, u32 *mul, s8 *shift)
{
	s8 s = 0;

	/* Bring hz into (1e9, 2e9]: then mul is in [2^31, 2^32). */
	while (hz > 2 * NSEC_PER_SEC) {
		hz >>= 1;
		s--;
	}
	while (hz <= NSEC_PER_SEC) {
		hz <<= 1;
		s++;
	}
	*mul = div64_u64((u64)NSEC_PER_SEC << 32, hz);
	*shift = s;
}

static u64 pv_clock_ns(const struct pv_clock *c, u64 host_tsc)
{
	u64 delta = host_tsc - c->ref_tsc;

	delta = c->shift >= 0 ? delta << c->shift : delta >> -c->shift;
	return c->ref_ns + mul_u64_u32_shr(delta, c->mul, 32);
}

static bool pv_tsc_invariant(void)
{
	return boot_cpu_has(X86_FEATURE_CONSTANT_TSC) &&
	       boot_cpu_has(X86_FEATURE_NONSTOP_TSC) && !check_tsc_unstable();
}

/**
 * pv_clock_init() - fix the VM's PV clock (PVX_PV_ENABLE, after boot_ns).
 * @vm: the VM.
 */
void pv_clock_init(struct pvx_vm *vm)
{
	struct pv_clock *c = &vm->pv.evtchn.clock;

	c->ref_tsc = rdtsc();
	c->ref_ns = ktime_get_ns() - vm->pv.boot_ns;
	pv_clock_scale((u64)tsc_khz * 1000, &c->mul, &c->shift);
	c->flags = pv_tsc_invariant() ? XEN_PVCLOCK_TSC_STABLE_BIT : 0;
}

/**
 * pv_time_now_ns() - the VM's system time now.
 * @vm: a PV VM.
 */
u64 pv_time_now_ns(struct pvx_vm *vm)
{
	return pv_clock_ns(&vm->pv.evtchn.clock, rdtsc());
}

/**
 * pv_time_update_vcpu() - write @vcpu's vcpu_time_info (if it has a
 * vcpu_info) for now.
 * @vcpu: a vCPU of a PV VM, any thread.
 */
void pv_time_update_vcpu(struct pvx_vcpu *vcpu)
{
	const struct pv_clock *c = &vcpu->vm->pv.evtchn.clock;
	struct vcpu_time_info *t;
	unsigned long flags;
	u64 host_tsc;
	u32 version;

	spin_lock_irqsave(&vcpu->vm->pv.evtchn.lock, flags);
	if (!vcpu->pv.vcpu_info)
		goto out;
	t = &vcpu->pv.vcpu_info->time;
	version = (READ_ONCE(t->version) + 1) | 1;
	WRITE_ONCE(t->version, version);
	smp_wmb();
	host_tsc = rdtsc();
	t->tsc_timestamp = host_tsc + vcpu->pv.evtchn.tsc_offset;
	t->system_time = pv_clock_ns(c, host_tsc);
	t->tsc_to_system_mul = c->mul;
	t->tsc_shift = c->shift;
	t->flags = c->flags;
	smp_wmb();
	WRITE_ONCE(t->version, version + 1);
out:
	spin_unlock_irqrestore(&vcpu->vm->pv.evtchn.lock, flags);
}

/**
 * pv_time_set_tsc_offset() - @vcpu's TSC_OFFSET is now @offset (IA32_TSC
 * was written): its PV clock follows.
 * @vcpu: the vCPU, any VM (nothing happens without PV).
 * @offset: guest TSC minus host TSC.
 */
void pv_time_set_tsc_offset(struct pvx_vcpu *vcpu, u64 offset)
{
	if (!pv_enabled(&vcpu->vm->pv))
		return;
	vcpu->pv.evtchn.tsc_offset = offset;
	pv_time_update_vcpu(vcpu);
}

/**
 * pv_time_write_wallclock() - shared_info's wallclock: UNIX time at
 * system time 0.
 * @vm: a PV VM.
 */
void pv_time_write_wallclock(struct pvx_vm *vm)
{
	struct shared_info *si = page_address(vm->pv.shared_info);
	unsigned long flags;
	u32 version, nsec;
	u64 sec;

	spin_lock_irqsave(&vm->pv.evtchn.lock, flags);
	sec = div_u64_rem(ktime_get_real_ns() - pv_time_now_ns(vm),
			  NSEC_PER_SEC, &nsec);
	version = (READ_ONCE(si->wc_version) + 1) | 1;
	WRITE_ONCE(si->wc_version, version);
	smp_wmb();
	si->wc_sec = sec;
	si->wc_sec_hi = sec >> 32;
	si->wc_nsec = nsec;
	smp_wmb();
	WRITE_ONCE(si->wc_version, version + 1);
	spin_unlock_irqrestore(&vm->pv.evtchn.lock, flags);
}

/**
 * pv_time_fill() - shared_info was mapped: every vCPU's clock there (and
 * in registered vcpu_infos) and the wallclock are written.
 * @vm: a PV VM.
 */
void pv_time_fill(struct pvx_vm *vm)
{
	unsigned int i;

	for (i = 0; i < PVX_MAX_VCPUS; i++) {
		struct pvx_vcpu *vcpu = READ_ONCE(vm->vcpus[i]);

		if (vcpu)
			pv_time_update_vcpu(vcpu);
	}
	pv_time_write_wallclock(vm);
}
