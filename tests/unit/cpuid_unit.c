// SPDX-License-Identifier: GPL-2.0
/*
 * cpuid_unit: the default CPUID table built from the CPU this runs on: the
 * edits the guest must see, the hypervisor leaf, subleaves marked indexed,
 * no duplicates (PVX_SET_CPUID refuses them), the table's size limits,
 * per-vCPU APIC ids, and the topology of one package of N cores (leaves
 * 1, 4, 0xb, 0x1f agree with each other and with APIC id = vCPU id).
 */
#include <cpuid.h>
#include <errno.h>
#include <string.h>

#include "unit.h"

static struct pvx_cpuid_entry table[PVX_MAX_CPUID_ENTRIES];
static int nent;

static bool is_indexed_leaf(uint32_t leaf)
{
	return leaf == 4 || leaf == 7 || leaf == 0xb || leaf == 0xd || leaf == 0x1f;
}

static bool shape(void)
{
	unsigned int eax, ebx, ecx, edx;
	bool ok = true;

	EXPECT(nent > 0 && nent <= PVX_MAX_CPUID_ENTRIES);
	__cpuid(0, eax, ebx, ecx, edx);
	EXPECT(pvx_cpuid_find(table, nent, 0, 0) &&
	       pvx_cpuid_find(table, nent, 0, 0)->eax == eax);
	EXPECT(pvx_cpuid_find(table, nent, eax, 0) != NULL);	/* the last basic leaf */
	__cpuid(0x80000000, eax, ebx, ecx, edx);
	EXPECT(pvx_cpuid_find(table, nent, eax, 0) != NULL);	/* the last extended */
	for (int i = 0; i < nent; i++) {
		const struct pvx_cpuid_entry *e = &table[i];

		EXPECT(!!(e->flags & PVX_CPUID_INDEXED) == is_indexed_leaf(e->function));
		EXPECT(e->flags & PVX_CPUID_INDEXED || e->index == 0);
		EXPECT(e->padding == 0 && !(e->flags & ~PVX_CPUID_INDEXED));
		for (int j = 0; j < i; j++)
			EXPECT(table[j].function != e->function ||
			       table[j].index != e->index);
	}
	return ok;
}

static bool edits(void)
{
	const struct pvx_cpuid_entry *e = pvx_cpuid_find(table, nent, 1, 0);
	const struct pvx_cpuid_entry *hv = pvx_cpuid_find(table, nent, 0x40000000, 0);
	char sig[13] = "";
	bool ok = true;

	EXPECT(e && !(e->ecx & (1 << 5)));		/* VMX */
	EXPECT(e && (e->ecx & (1U << 31)));		/* hypervisor */
	EXPECT(e && !(e->ecx & (1 << 27)));		/* OSXSAVE */
	e = pvx_cpuid_find(table, nent, 7, 0);
	EXPECT(!e || !(e->ecx & (1 << 4)));		/* OSPKE */
	EXPECT(hv && hv->eax == 0x40000000);
	if (hv) {
		memcpy(sig, &hv->ebx, 4);
		memcpy(sig + 4, &hv->ecx, 4);
		memcpy(sig + 8, &hv->edx, 4);
	}
	EXPECT(!strcmp(sig, "pvxpvxpvxpvx"));
	return ok;
}

static bool subleaves(void)
{
	const struct pvx_cpuid_entry *e7 = pvx_cpuid_find(table, nent, 7, 0);
	const struct pvx_cpuid_entry *d0 = pvx_cpuid_find(table, nent, 0xd, 0);
	bool ok = true;

	/* Leaf 7: every subleaf up to the maximum in EAX of subleaf 0. */
	for (uint32_t sub = 0; e7 && sub <= e7->eax && sub < 64; sub++)
		EXPECT(pvx_cpuid_find(table, nent, 7, sub) &&
		       pvx_cpuid_find(table, nent, 7, sub)->index == sub);
	/* Leaf 0xd: subleaves 0 and 1 always, others by state size. */
	EXPECT(!d0 || pvx_cpuid_find(table, nent, 0xd, 1));
	/* An indexed leaf answers nothing for a subleaf it does not have. */
	EXPECT(!e7 || !pvx_cpuid_find(table, nent, 7, 1000));
	/* A plain leaf answers whatever ECX says. */
	EXPECT(pvx_cpuid_find(table, nent, 1, 5) == pvx_cpuid_find(table, nent, 1, 0));
	return ok;
}

static bool limits_and_apic_ids(void)
{
	struct pvx_cpuid_entry small[8], copy[PVX_MAX_CPUID_ENTRIES];
	bool ok = true;

	EXPECT(pvx_cpuid_default(small, 8) == -E2BIG);
	memcpy(copy, table, sizeof(table));
	pvx_cpuid_set_apic_id(copy, nent, 0x25);
	EXPECT(pvx_cpuid_find(copy, nent, 1, 0)->ebx >> 24 == 0x25);
	EXPECT((pvx_cpuid_find(copy, nent, 1, 0)->ebx & 0xffffff) ==
	       (pvx_cpuid_find(table, nent, 1, 0)->ebx & 0xffffff));
	for (int i = 0; i < nent; i++)
		if (copy[i].function == 0xb || copy[i].function == 0x1f)
			EXPECT(copy[i].edx == 0x25);
	return ok;
}

/* Leaves 1, 4 and each level of 0xb (0x1f alike) for vCPU @id of @n. */
static bool topology_of(unsigned int n, uint32_t id)
{
	static struct pvx_cpuid_entry t[PVX_MAX_CPUID_ENTRIES];
	const struct pvx_cpuid_entry *l1, *smt, *core, *end;
	uint32_t bits = n > 2 ? 2 : n - 1;	/* ceil(log2(n)) for n <= 4 */
	int k;
	bool ok = true;

	memcpy(t, table, sizeof(t));
	k = pvx_cpuid_set_topology(t, nent, PVX_MAX_CPUID_ENTRIES, n);
	EXPECT(k >= nent - 6);
	if (k < 0)
		return false;
	pvx_cpuid_set_apic_id(t, k, id);
	l1 = pvx_cpuid_find(t, k, 1, 0);
	EXPECT(l1->ebx >> 24 == id);
	EXPECT((l1->ebx >> 16 & 0xff) == (n > 1 ? n : 0));
	EXPECT(!!(l1->edx & (1U << 28)) == (n > 1));	/* HTT */
	for (int i = 0; i < k; i++) {
		uint32_t level = t[i].eax >> 5 & 7;

		if (t[i].function != 4 || !(t[i].eax & 0x1f))
			continue;
		EXPECT(t[i].eax >> 26 == (1U << bits) - 1);	/* cores - 1 */
		EXPECT((t[i].eax >> 14 & 0xfff) == (level >= 3 ? (1U << bits) - 1 : 0));
	}
	for (uint32_t leaf = 0xb; leaf <= 0x1f; leaf += 0x1f - 0xb) {
		smt = pvx_cpuid_find(t, k, leaf, 0);
		core = pvx_cpuid_find(t, k, leaf, 1);
		end = pvx_cpuid_find(t, k, leaf, 2);
		if (leaf == 0x1f && !pvx_cpuid_find(table, nent, 0x1f, 0)) {
			EXPECT(!smt);
			continue;
		}
		EXPECT(smt && core && end && !pvx_cpuid_find(t, k, leaf, 3));
		if (!smt || !core || !end)
			return false;
		EXPECT(smt->eax == 0 && smt->ebx == 1 && smt->ecx == (1 << 8));
		EXPECT(core->eax == bits && core->ebx == n && core->ecx == (1 | 2 << 8));
		EXPECT(end->eax == 0 && end->ebx == 0 && end->ecx == 2);
		EXPECT(smt->edx == id && core->edx == id && end->edx == id);
		/* The package id (x2APIC id >> core shift) is 0 for each vCPU. */
		EXPECT(id >> core->eax == 0);
	}
	return ok;
}

static bool topology(void)
{
	struct pvx_cpuid_entry t[PVX_MAX_CPUID_ENTRIES];
	bool ok = topology_of(1, 0) && topology_of(2, 0) && topology_of(2, 1) &&
		  topology_of(3, 2) && topology_of(4, 3);

	memcpy(t, table, sizeof(t));
	EXPECT(pvx_cpuid_set_topology(t, nent, PVX_MAX_CPUID_ENTRIES, 0) == -EINVAL);
	EXPECT(pvx_cpuid_set_topology(t, nent, PVX_MAX_CPUID_ENTRIES,
				      PVX_MAX_VCPUS + 1) == -EINVAL);
	EXPECT(pvx_cpuid_set_topology(t, nent, nent - 1, 2) == -E2BIG);
	return ok;
}

/* XCR0 as this host's kernel set it; 0 without CPUID.1:ECX.OSXSAVE. */
static uint64_t host_xcr0(void)
{
	unsigned int eax, ebx, ecx, edx;
	uint32_t lo, hi;

	__cpuid(1, eax, ebx, ecx, edx);
	if (!(ecx & bit_OSXSAVE))
		return 0;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

/*
 * XSAVE and the features kept in XSAVE state only within the host's XCR0
 * (pvx's XSETBV takes no more); no XSAVES or XFD (pvx enables neither).
 */
static bool xsave(void)
{
	const struct pvx_cpuid_entry *e1 = pvx_cpuid_find(table, nent, 1, 0);
	const struct pvx_cpuid_entry *e7 = pvx_cpuid_find(table, nent, 7, 0);
	const struct pvx_cpuid_entry *d0 = pvx_cpuid_find(table, nent, 0xd, 0);
	const struct pvx_cpuid_entry *d1 = pvx_cpuid_find(table, nent, 0xd, 1);
	uint64_t xcr0 = host_xcr0(), ymm = 1 << 2, avx512 = 7 << 5;
	bool ok = true;

	tap_diag("host XCR0 %#llx", (unsigned long long)xcr0);
	EXPECT(e1 && (!(e1->ecx & bit_XSAVE) || xcr0));
	EXPECT(e1 && (!(e1->ecx & (bit_AVX | bit_FMA | bit_F16C)) || (xcr0 & ymm)));
	EXPECT(!e7 || !(e7->ebx & bit_AVX2) || (xcr0 & ymm));
	EXPECT(!e7 || !(e7->ebx & bit_AVX512F) || (xcr0 & avx512) == avx512);
	EXPECT(!d0 || !((d0->eax | (uint64_t)d0->edx << 32) & ~xcr0));
	EXPECT(!d1 || !(d1->eax & (3 << 3)));		/* XSAVES, XFD */
	EXPECT(!d1 || (!d1->ecx && !d1->edx));		/* IA32_XSS */
	return ok;
}

/* Features whose CR4 enable bit pvx refuses (vmx_cr.c) are not offered. */
static bool cr4_refused(void)
{
	const struct pvx_cpuid_entry *e1 = pvx_cpuid_find(table, nent, 1, 0);
	const struct pvx_cpuid_entry *e7 = pvx_cpuid_find(table, nent, 7, 0);
	bool ok = true;

	EXPECT(e1 && !(e1->ecx & (1 << 6)));		/* SMX: CR4.SMXE */
	/* PKU: CR4.PKE, CET_SS: CR4.CET, LA57: CR4.LA57 */
	EXPECT(!e7 || !(e7->ecx & ((1 << 3) | (1 << 7) | (1 << 16))));
	EXPECT(!e7 || !(e7->edx & (1 << 20)));		/* CET_IBT: CR4.CET */
	return ok;
}

/*
 * What pvx does not implement is not offered: the PMU (leaf 0xa reads 0:
 * version 0), thermal and power leaf 6, APIC, x2APIC, TSC-deadline, DS,
 * DTES64, PDCM, MONITOR, and the speculation-control MSRs; a bit no row of
 * the table offers (leaf 1 ECX bit 16, reserved) stays 0 even if set.
 */
static bool honest(void)
{
	const struct pvx_cpuid_entry *e1 = pvx_cpuid_find(table, nent, 1, 0);
	const struct pvx_cpuid_entry *e6 = pvx_cpuid_find(table, nent, 6, 0);
	const struct pvx_cpuid_entry *ea = pvx_cpuid_find(table, nent, 0xa, 0);
	const struct pvx_cpuid_entry *e7 = pvx_cpuid_find(table, nent, 7, 0);
	bool ok = true;

	EXPECT(!ea || (!ea->eax && !ea->ebx && !ea->ecx && !ea->edx));
	EXPECT(!e6 || (!e6->eax && !e6->ebx && !e6->ecx && !e6->edx));
	EXPECT(e1 && !(e1->edx & ((1 << 9) | (1 << 21) | (1 << 22) | (1 << 29))));
	EXPECT(e1 && !(e1->ecx & ((1 << 2) | (1 << 3) | (1 << 15) | (1 << 16) |
				  (1 << 21) | (1 << 24))));
	EXPECT(!e7 || !(e7->edx & 0xfc000000U));
	EXPECT(!e7 || e7->eax <= 1);
	return ok;
}

static const struct unit_case cases[] = {
	{ "CPUID table: no PMU, thermal leaf, APIC, x2APIC, TSC-deadline, DS, PDCM, MONITOR, speculation MSRs", honest },
	{ "CPUID table: host ranges, indexed leaves, no duplicates", shape },
	{ "CPUID table: no VMX, hypervisor bit, pvx signature, CR4 mirrors clear", edits },
	{ "CPUID table: subleaves of 7 and 0xd", subleaves },
	{ "CPUID table: -E2BIG when full, per-vCPU APIC ids", limits_and_apic_ids },
	{ "CPUID table: one package of 1-4 cores, leaves 1, 4, 0xb, 0x1f per vCPU; -EINVAL, -E2BIG", topology },
	{ "CPUID table: XSAVE and AVX only within the host's XCR0; no XSAVES, XFD", xsave },
	{ "CPUID table: no SMX, PKU, CET, LA57 (pvx refuses their CR4 bits)", cr4_refused },
};

int main(void)
{
	nent = pvx_cpuid_default(table, PVX_MAX_CPUID_ENTRIES);
	if (nent < 0)
		tap_bail("pvx_cpuid_default: %d", nent);
	tap_diag("%d CPUID entries from this CPU", nent);
	return UNIT_RUN(cases);
}
