// SPDX-License-Identifier: LGPL-2.1
/*
 * libpvx: the processor topology a VM's CPUID describes, as KVM/QEMU's
 * "-smp N" (one socket, N cores, one thread each) presents it: one package
 * of @nr_vcpus cores, APIC id = vCPU id. The rules (SDM vol. 2A, CPUID;
 * vol. 3A 9.9 "Identification of processor topology"):
 *  - leaf 1: EBX[31:24] the initial APIC id, EBX[23:16] the addressable
 *    logical processor ids in the package (meaningful with EDX.HTT);
 *  - leaf 4: EAX[31:26] addressable core ids in the package - 1, EAX[25:14]
 *    addressable logical processor ids sharing the cache - 1;
 *  - leaves 0xb and 0x1f: one subleaf per level, bottom up: EAX[4:0] the
 *    bits to shift the x2APIC id right to reach the next level's id, EBX
 *    the logical processors at this level, ECX[7:0] the level number and
 *    ECX[15:8] its type (1 SMT, 2 core, 0 none: the end), EDX the x2APIC id.
 * A guest kernel derives thread, core and package ids from these (Linux:
 * the package is the x2APIC id shifted right by the core level's shift),
 * so they must agree with one another and with the MADT (libpvx_acpi.c:
 * APIC id = vCPU id).
 */
#include <errno.h>
#include <string.h>

#include "libpvx.h"

#define LEVEL_SMT	1	/* leaf 0xb ECX[15:8] */
#define LEVEL_CORE	2
#define NR_LEVEL_ROWS	3	/* SMT, core, the invalid level that ends it */
#define HTT		(1U << 28)	/* CPUID.1:EDX */

/* Bits a field of @n ids needs: ceil(log2(n)). */
static uint32_t id_bits(uint32_t n)
{
	uint32_t bits = 0;

	while ((1U << bits) < n)
		bits++;
	return bits;
}

static uint32_t cap(uint32_t v, uint32_t max)
{
	return v < max ? v : max;
}

/* Leaf 1: the package's logical processors, HTT when more than one. */
static void set_leaf1(struct pvx_cpuid_entry *e, uint32_t n)
{
	e->ebx &= ~0x00ff0000U;
	e->edx &= ~HTT;
	if (n > 1) {
		e->ebx |= cap(n, 0xff) << 16;
		e->edx |= HTT;
	}
}

/*
 * Leaf 4: every core in the package; each cache private to its core
 * (one thread), but for the last level (level 3, EAX[7:5]) shared by all.
 */
static void set_leaf4(struct pvx_cpuid_entry *entries, unsigned int nent,
		      uint32_t n)
{
	uint32_t ids = 1U << id_bits(n);

	for (unsigned int i = 0; i < nent; i++) {
		struct pvx_cpuid_entry *e = &entries[i];
		uint32_t sharing;

		if (e->function != 4 || !(e->eax & 0x1f))
			continue;
		sharing = ((e->eax >> 5) & 7) >= 3 ? ids : 1;
		e->eax &= 0x3fff;
		e->eax |= cap(ids - 1, 0x3f) << 26 | cap(sharing - 1, 0xfff) << 14;
	}
}

/* Drops the entries of leaf @function; the number left. */
static unsigned int drop_leaf(struct pvx_cpuid_entry *entries,
			      unsigned int nent, uint32_t function)
{
	unsigned int kept = 0;

	for (unsigned int i = 0; i < nent; i++)
		if (entries[i].function != function)
			entries[kept++] = entries[i];
	return kept;
}

/* The levels of leaf @function (0xb or 0x1f) after the others. */
static int add_levels(struct pvx_cpuid_entry *entries, unsigned int nent,
		      unsigned int max, uint32_t function, uint32_t n)
{
	const struct { uint32_t shift, count, type; } level[NR_LEVEL_ROWS] = {
		{ 0, 1, LEVEL_SMT },		/* one thread per core */
		{ id_bits(n), n, LEVEL_CORE },	/* the package's cores */
		{ 0, 0, 0 },
	};

	nent = drop_leaf(entries, nent, function);
	if (nent + NR_LEVEL_ROWS > max)
		return -E2BIG;
	for (uint32_t sub = 0; sub < NR_LEVEL_ROWS; sub++)
		entries[nent++] = (struct pvx_cpuid_entry){
			.function = function, .index = sub,
			.flags = PVX_CPUID_INDEXED,
			.eax = level[sub].shift, .ebx = level[sub].count,
			.ecx = sub | level[sub].type << 8,
		};
	return nent;
}

int pvx_cpuid_set_topology(struct pvx_cpuid_entry *entries, unsigned int nent,
			   unsigned int max, unsigned int nr_vcpus)
{
	struct pvx_cpuid_entry *leaf0 = pvx_cpuid_find(entries, nent, 0, 0);
	struct pvx_cpuid_entry *leaf1 = pvx_cpuid_find(entries, nent, 1, 0);
	bool has_1f = pvx_cpuid_find(entries, nent, 0x1f, 0) != NULL;
	int r;

	if (!leaf0 || !leaf1 || !nr_vcpus || nr_vcpus > PVX_MAX_VCPUS)
		return -EINVAL;
	/* Leaf 0xb exists from the maximum basic leaf's point of view. */
	if (leaf0->eax < 0xb)
		leaf0->eax = 0xb;
	set_leaf1(leaf1, nr_vcpus);
	set_leaf4(entries, nent, nr_vcpus);
	r = add_levels(entries, nent, max, 0xb, nr_vcpus);
	/* 0x1f, where the host has it, says the same: no module, tile, die. */
	if (r >= 0 && has_1f)
		r = add_levels(entries, r, max, 0x1f, nr_vcpus);
	return r;
}

void pvx_cpuid_set_apic_id(struct pvx_cpuid_entry *entries, unsigned int nent,
			   uint32_t apic_id)
{
	struct pvx_cpuid_entry *e = pvx_cpuid_find(entries, nent, 1, 0);

	if (e)
		e->ebx = (e->ebx & 0x00ffffff) | (apic_id & 0xff) << 24;
	/* Every level of 0xb and 0x1f, the invalid one too, has it in EDX. */
	for (unsigned int i = 0; i < nent; i++)
		if (entries[i].function == 0xb || entries[i].function == 0x1f)
			entries[i].edx = apic_id;
}
