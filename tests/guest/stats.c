// SPDX-License-Identifier: GPL-2.0
/*
 * stats: a guest whose exits are known in advance, for the statistics
 * tests: per pass, N CPUIDs, M OUTs and K MMIO writes (stats.h). Every
 * vCPU runs it; each ends the guest with status 0 after its passes.
 *
 *	pvxctl run /pvx/guests/stats --stats
 */
#include "guest.h"
#include "stats.h"

static uint32_t param(uint16_t port, uint32_t dflt)
{
	uint32_t v = inl(port);

	return v == 0xffffffffU ? dflt : v;
}

/* CPUID leaf 0: always exits (SDM 26.1.2), handled in pvx. */
static void cpuid0(void)
{
	uint32_t a = 0, b, c = 0, d;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
}

static void workload(uint32_t n, uint32_t m, uint32_t k)
{
	volatile uint32_t *mmio = (volatile uint32_t *)STATS_MMIO_GPA;

	for (uint32_t i = 0; i < n; i++)
		cpuid0();
	for (uint32_t i = 0; i < m; i++)
		outl(STATS_PORT_WORK, i);
	for (uint32_t i = 0; i < k; i++)
		*mmio = i;
}

static int spin(volatile uint32_t *flag)
{
	uint64_t spins = 0;

	while (!*flag) {
		cpuid0();
		spins++;
	}
	report(STATS_KEY_SPINS, spins);
	return 0;
}

int guest_main(unsigned int vcpu, unsigned int nr_vcpus)
{
	uint32_t n = param(STATS_PORT_N, STATS_DEFAULT_N);
	uint32_t m = param(STATS_PORT_M, STATS_DEFAULT_M);
	uint32_t k = param(STATS_PORT_K, STATS_DEFAULT_K);
	uint32_t flag = param(STATS_PORT_FLAG, 0);

	(void)vcpu;
	(void)nr_vcpus;
	if (flag)
		return spin((volatile uint32_t *)(uintptr_t)flag);
	report(STATS_KEY_N, n);
	report(STATS_KEY_M, m);
	report(STATS_KEY_K, k);
	for (uint32_t pass = 0; pass < 2; pass++) {
		outl(STATS_PORT_MARK, 2 * pass);
		workload(n, m, k);
		outl(STATS_PORT_MARK, 2 * pass + 1);
	}
	return 0;
}
