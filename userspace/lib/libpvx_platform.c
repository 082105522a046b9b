// SPDX-License-Identifier: LGPL-2.1
/*
 * libpvx: the platform pvx emulates for a VM (PVX_SET_PLATFORM): the
 * x2APIC, absent devices that read all ones, the ports and MMIO ranges
 * userspace keeps; and the CPUID a guest of such a VM is shown to match
 * (CPUID.1 APIC and x2APIC bits; leaf 0x16 with the TSC frequency, which
 * Linux reads instead of calibrating against a PIT, arch/x86/kernel/tsc.c
 * cpu_khz_from_cpuid).
 */
#include <cpuid.h>
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <x86intrin.h>

#include "libpvx.h"

void pvx_platform_init(struct pvx_platform *p, uint32_t flags)
{
	memset(p, 0, sizeof(*p));
	p->flags = flags;
}

int pvx_platform_claim_ports(struct pvx_platform *p, uint32_t first,
			     uint32_t last)
{
	if (first > last || last > 0xffff)
		return -EINVAL;
	if (p->nports == PVX_PLATFORM_MAX_RANGES)
		return -E2BIG;
	p->ports[p->nports++] = (struct pvx_range){ first, last };
	return 0;
}

int pvx_platform_claim_mmio(struct pvx_platform *p, uint64_t first,
			    uint64_t last)
{
	if (first > last)
		return -EINVAL;
	if (p->nmmio == PVX_PLATFORM_MAX_RANGES)
		return -E2BIG;
	p->mmio[p->nmmio++] = (struct pvx_gpa_range){ first, last };
	return 0;
}

int pvx_vm_set_platform(struct pvx_vm *vm, const struct pvx_platform *p)
{
	return ioctl(vm->fd, PVX_SET_PLATFORM, p) ? -errno : 0;
}

void pvx_cpuid_set_x2apic(struct pvx_cpuid_entry *entries, unsigned int nent)
{
	struct pvx_cpuid_entry *e = pvx_cpuid_find(entries, nent, 1, 0);

	if (e) {
		e->edx |= 1U << 9;	/* APIC */
		e->ecx |= 1U << 21;	/* x2APIC */
	}
}

/* The host's TSC rate: CPUID 0x16 if it has one, else 20 ms of counting. */
uint32_t pvx_host_tsc_khz(void)
{
	struct timespec a, b;
	uint32_t eax, ebx, ecx, edx;
	uint64_t t0, t1, ns;

	if (__get_cpuid_max(0, NULL) >= 0x16) {
		__cpuid(0x16, eax, ebx, ecx, edx);
		if (eax & 0xffff)
			return (eax & 0xffff) * 1000;
	}
	clock_gettime(CLOCK_MONOTONIC_RAW, &a);
	t0 = __rdtsc();
	do {
		clock_gettime(CLOCK_MONOTONIC_RAW, &b);
		ns = (b.tv_sec - a.tv_sec) * 1000000000ULL + b.tv_nsec - a.tv_nsec;
	} while (ns < 20000000);
	t1 = __rdtsc();
	return (t1 - t0) * 1000000ULL / ns;
}

int pvx_cpuid_set_tsc_khz(struct pvx_cpuid_entry *entries, unsigned int nent,
			  unsigned int max, uint32_t khz)
{
	struct pvx_cpuid_entry *leaf0 = pvx_cpuid_find(entries, nent, 0, 0);
	struct pvx_cpuid_entry *e = pvx_cpuid_find(entries, nent, 0x16, 0);
	uint32_t mhz = khz / 1000;

	if (!leaf0 || !mhz || mhz > 0xffff)
		return -EINVAL;
	if (!e) {
		if (nent == max)
			return -E2BIG;
		e = &entries[nent++];
		memset(e, 0, sizeof(*e));
		e->function = 0x16;
	}
	/* EAX base MHz, EBX maximum MHz, ECX bus (reference) MHz (SDM CPUID). */
	e->eax = mhz;
	e->ebx = mhz;
	e->ecx = 100;
	e->edx = 0;
	if (leaf0->eax < 0x16)
		leaf0->eax = 0x16;
	return nent;
}
