// SPDX-License-Identifier: GPL-2.0
/*
 * cpuid_unit: the default CPUID table built from the CPU this runs on: the
 * edits the guest must see, the hypervisor leaf, subleaves marked indexed,
 * no duplicates (PVX_SET_CPUID refuses them), the table's size limits, and
 * per-vCPU APIC ids.
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

static const struct unit_case cases[] = {
	{ "CPUID table: host ranges, indexed leaves, no duplicates", shape },
	{ "CPUID table: no VMX, hypervisor bit, pvx signature, CR4 mirrors clear", edits },
	{ "CPUID table: subleaves of 7 and 0xd", subleaves },
	{ "CPUID table: -E2BIG when full, per-vCPU APIC ids", limits_and_apic_ids },
};

int main(void)
{
	nent = pvx_cpuid_default(table, PVX_MAX_CPUID_ENTRIES);
	if (nent < 0)
		tap_bail("pvx_cpuid_default: %d", nent);
	tap_diag("%d CPUID entries from this CPU", nent);
	return UNIT_RUN(cases);
}
