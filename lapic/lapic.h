/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lapic/: a local APIC per vCPU in x2APIC mode, for VMs created with
 * PVX_PLATFORM_X2APIC (uapi/linux/pvx.h). The rules are in lapic.c.
 */
#ifndef PVX_LAPIC_H
#define PVX_LAPIC_H

#include <linux/bitops.h>
#include <linux/types.h>

struct pvx_vcpu;

/* LVT registers in MSR order from 0x832: timer, thermal, PMC, LINT0/1, error. */
#define LAPIC_NR_LVT	6

/**
 * struct pvx_lapic - one vCPU's local APIC.
 * @enabled:	the VM asked for an APIC (fixed at vCPU creation).
 * @irr:	requested vectors: set from any thread (IPIs), taken by the
 *		vCPU's own thread at injection.
 * @isr:	vectors in service, until their EOI (vCPU thread only).
 * @tpr:	task priority (bits 7:0).
 * @svr:	spurious-interrupt vector register.
 * @esr:	error status, as the last write to ESR latched it.
 * @esr_pending: errors seen since then.
 * @lvt:	the LVT registers, stored.
 * @icr:	the last ICR written.
 * @tmict:	timer initial count; @tdcr: divide configuration.
 * @tmict_ns:	ktime when @tmict was written.
 * @startup:	LAPIC_WAIT_SIPI: the vCPU waits for a start-up IPI (after
 *		INIT, or from creation for vCPUs other than 0);
 *		LAPIC_SIPI: one came, with @sipi_vector. Set from any thread.
 */
struct pvx_lapic {
	bool enabled;
	unsigned long irr[BITS_TO_LONGS(256)];
	unsigned long isr[BITS_TO_LONGS(256)];
	u32 tpr, svr, esr, esr_pending;
	u32 lvt[LAPIC_NR_LVT];
	u64 icr;
	u32 tmict, tdcr;
	u64 tmict_ns;
	unsigned long startup;
	u8 sipi_vector;
};

enum { LAPIC_WAIT_SIPI, LAPIC_SIPI };

void lapic_init(struct pvx_vcpu *vcpu);
u64 lapic_apic_base(struct pvx_vcpu *vcpu);
int lapic_msr_get(struct pvx_vcpu *vcpu, u32 index, u64 *val);
int lapic_msr_set(struct pvx_vcpu *vcpu, u32 index, u64 val);
int lapic_pending_vector(struct pvx_vcpu *vcpu);
void lapic_accept(struct pvx_vcpu *vcpu, u8 vector);
int lapic_wait_sipi(struct pvx_vcpu *vcpu);
bool lapic_hlt_down(struct pvx_vcpu *vcpu);

/* Does the vCPU wait for a start-up IPI before it may run? */
static inline bool lapic_waits_sipi(const struct pvx_lapic *a)
{
	return test_bit(LAPIC_WAIT_SIPI, &a->startup);
}

#endif /* PVX_LAPIC_H */
