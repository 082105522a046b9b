// SPDX-License-Identifier: LGPL-2.1
/*
 * libpvx: the default CPUID table a guest sees: this CPU's own leaves, less
 * what pvx does not offer, plus pvx's hypervisor leaf.
 */
#include <cpuid.h>
#include <errno.h>
#include <string.h>

#include "libpvx.h"
#include "libpvx_x86.h"

#define MAX_SUBLEAF	64	/* XCR0 and IA32_XSS have 64 bits: leaf 0xd */

enum { EAX, EBX, ECX, EDX, NR_REGS };

struct regs {
	uint32_t r[NR_REGS];
};

static struct regs host_cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct regs r;

	__cpuid_count(leaf, subleaf, r.r[EAX], r.r[EBX], r.r[ECX], r.r[EDX]);
	return r;
}

/* Leaf 4 (caches): subleaves until cache type (EAX[4:0]) 0. */
static bool cache_valid(uint32_t sub, const struct regs *r, const struct regs *r0)
{
	(void)sub;
	(void)r0;
	return r->r[EAX] & 0x1f;
}

/* Leaf 7: subleaves 0 .. the maximum that subleaf 0 reports in EAX. */
static bool feature_valid(uint32_t sub, const struct regs *r, const struct regs *r0)
{
	(void)r;
	return sub <= r0->r[EAX];
}

/* Leaves 0xb, 0x1f (topology): subleaves until level type (ECX[15:8]) 0. */
static bool topology_valid(uint32_t sub, const struct regs *r, const struct regs *r0)
{
	(void)sub;
	(void)r0;
	return (r->r[ECX] >> 8) & 0xff;
}

/* Leaf 0xd (XSAVE): subleaves 0 and 1, and each state component's (size). */
static bool xsave_valid(uint32_t sub, const struct regs *r, const struct regs *r0)
{
	(void)r0;
	return sub <= 1 || r->r[EAX];
}

/* The leaves whose answer depends on ECX, and which subleaves exist. */
static const struct {
	uint32_t leaf;
	bool (*valid)(uint32_t sub, const struct regs *r, const struct regs *r0);
} indexed_leaves[] = {
	{ 0x4, cache_valid },
	{ 0x7, feature_valid },
	{ 0xb, topology_valid },
	{ 0xd, xsave_valid },
	{ 0x1f, topology_valid },
};

/*
 * Bits the guest must not see as the host has them: no nested VMX, a
 * hypervisor present (SDM vol. 2A, CPUID), OSXSAVE and OSPKE, which
 * mirror CR4 bits that the guest starts with clear, and the features
 * whose CR4 enable bit pvx refuses to set (vmx_cr.c: CR4.SMXE, PKE, CET,
 * LA57 are #GP for the guest), and the instructions that are #UD in a pvx
 * guest because pvx does not set their VM-execution enable control or
 * makes them exit to a #UD (SDM 25.3: RDTSCP and RDPID without "enable
 * RDTSCP", INVPCID without "enable INVPCID", UMWAIT/TPAUSE without "enable
 * user wait and pause"; MONITOR/MWAIT exit, vmx_exit.c).
 */
static const struct {
	uint32_t leaf, subleaf;
	unsigned int reg;
	uint32_t clear, set;
} edits[] = {
	{ 1, 0, ECX, X86_CPUID1_ECX_VMX | X86_CPUID1_ECX_OSXSAVE |
		     X86_CPUID1_ECX_SMX | X86_CPUID1_ECX_MONITOR,
		     X86_CPUID1_ECX_HYPERVISOR },
	{ 7, 0, EBX, X86_CPUID7_EBX_INVPCID, 0 },
	{ 7, 0, ECX, X86_CPUID7_ECX_OSPKE | X86_CPUID7_ECX_PKU |
		     X86_CPUID7_ECX_CET_SS | X86_CPUID7_ECX_LA57 |
		     X86_CPUID7_ECX_WAITPKG | X86_CPUID7_ECX_RDPID, 0 },
	{ 7, 0, EDX, X86_CPUID7_EDX_CET_IBT, 0 },
	{ 0x80000001, 0, EDX, X86_CPUID80000001_EDX_RDTSCP, 0 },
};

/*
 * Features whose registers live in XSAVE state components. pvx runs the
 * guest's XSETBV only within the host's XCR0 (the guest's XSAVE area is
 * the host kernel's, vmx_exit.c), so the guest sees a feature only when
 * every component it needs is in the host's XCR0; XSAVE itself only when
 * the host's operating system enabled it (CPUID.1:ECX.OSXSAVE). A CPU
 * whose kernel turned XSAVE off offers neither XSAVE nor AVX to guests.
 */
static const struct {
	uint64_t xcr0;		/* the components needed */
	uint32_t leaf, subleaf;
	unsigned int reg;
	uint32_t bits;
} xsave_features[] = {
	{ X86_XCR0_X87, 1, 0, ECX, X86_CPUID1_ECX_XSAVE },
	{ X86_XCR0_YMM, 1, 0, ECX, X86_CPUID1_ECX_AVX | X86_CPUID1_ECX_FMA |
				    X86_CPUID1_ECX_F16C },
	{ X86_XCR0_YMM, 7, 0, EBX, X86_CPUID7_EBX_AVX2 },
	{ X86_XCR0_YMM, 7, 0, ECX, X86_CPUID7_ECX_VAES_VPCLMUL },
	{ X86_XCR0_YMM, 7, 1, EAX, X86_CPUID7_1_EAX_AVX_VNNI },
	{ X86_XCR0_YMM | X86_XCR0_AVX512, 7, 0, EBX, X86_CPUID7_EBX_AVX512 },
	{ X86_XCR0_YMM | X86_XCR0_AVX512, 7, 0, ECX, X86_CPUID7_ECX_AVX512 },
	{ X86_XCR0_YMM | X86_XCR0_AVX512, 7, 0, EDX, X86_CPUID7_EDX_AVX512 },
	{ X86_XCR0_YMM | X86_XCR0_AVX512, 7, 1, EAX, X86_CPUID7_1_EAX_AVX512_BF16 },
	{ X86_XCR0_MPX, 7, 0, EBX, X86_CPUID7_EBX_MPX },
	{ X86_XCR0_AMX, 7, 0, EDX, X86_CPUID7_EDX_AMX },
};

struct table {
	struct pvx_cpuid_entry *e;
	unsigned int n, max;
};

static int add(struct table *t, uint32_t leaf, uint32_t subleaf, uint32_t flags,
	       const struct regs *r)
{
	if (t->n == t->max)
		return -E2BIG;
	t->e[t->n++] = (struct pvx_cpuid_entry){
		.function = leaf, .index = subleaf, .flags = flags,
		.eax = r->r[EAX], .ebx = r->r[EBX], .ecx = r->r[ECX],
		.edx = r->r[EDX],
	};
	return 0;
}

static int add_subleaves(struct table *t, uint32_t leaf, unsigned int k)
{
	struct regs r0 = host_cpuid(leaf, 0);
	int err = 0;

	for (uint32_t sub = 0; !err && sub < MAX_SUBLEAF; sub++) {
		struct regs r = host_cpuid(leaf, sub);

		if (indexed_leaves[k].valid(sub, &r, &r0))
			err = add(t, leaf, sub, PVX_CPUID_INDEXED, &r);
	}
	return err;
}

static int add_leaf(struct table *t, uint32_t leaf)
{
	struct regs r;

	for (unsigned int k = 0; k < sizeof(indexed_leaves) / sizeof(indexed_leaves[0]); k++)
		if (indexed_leaves[k].leaf == leaf)
			return add_subleaves(t, leaf, k);
	r = host_cpuid(leaf, 0);
	return add(t, leaf, 0, 0, &r);
}

/* Leaves @base .. the maximum that leaf @base reports in EAX. */
static int add_range(struct table *t, uint32_t base)
{
	uint32_t max = host_cpuid(base, 0).r[EAX];
	int err = 0;

	/* A range that is not implemented reports something below @base. */
	for (uint32_t leaf = base; !err && leaf >= base && leaf <= max; leaf++)
		err = add_leaf(t, leaf);
	return err;
}

static void apply_edits(struct table *t)
{
	for (unsigned int i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		struct pvx_cpuid_entry *e = pvx_cpuid_find(t->e, t->n, edits[i].leaf,
							   edits[i].subleaf);
		uint32_t *regs[NR_REGS];

		if (!e)
			continue;
		regs[EAX] = &e->eax;
		regs[EBX] = &e->ebx;
		regs[ECX] = &e->ecx;
		regs[EDX] = &e->edx;
		*regs[edits[i].reg] = (*regs[edits[i].reg] & ~edits[i].clear) |
				      edits[i].set;
	}
}

static uint32_t *reg_of(struct pvx_cpuid_entry *e, unsigned int reg)
{
	uint32_t *regs[NR_REGS] = { &e->eax, &e->ebx, &e->ecx, &e->edx };

	return regs[reg];
}

/* XCR0 as the host's operating system set it; 0 without OSXSAVE. */
static uint64_t host_xcr0(void)
{
	uint32_t lo, hi;

	if (!(host_cpuid(1, 0).r[ECX] & X86_CPUID1_ECX_OSXSAVE))
		return 0;	/* XGETBV would be #UD */
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

/*
 * Leaf 0xd (SDM vol. 2A, CPUID): the XCR0 bits the guest may set are the
 * host's; the components outside them read as absent. XSAVES/XRSTORS
 * (and so IA32_XSS) and XFD are not offered: pvx enables neither "enable
 * XSAVES/XRSTORS" (without it they are #UD, SDM 25.3) nor IA32_XFD.
 */
static void xsave_leaf(struct table *t, uint64_t xcr0)
{
	for (unsigned int i = 0; i < t->n; i++) {
		struct pvx_cpuid_entry *e = &t->e[i];

		if (e->function != 0xd)
			continue;
		if (e->index == 0) {
			e->eax &= (uint32_t)xcr0;
			e->edx &= (uint32_t)(xcr0 >> 32);
		} else if (e->index == 1) {
			e->eax &= ~(X86_CPUIDD_1_EAX_XSAVES | X86_CPUIDD_1_EAX_XFD);
			e->ecx = e->edx = 0;
		} else if (e->index >= 64 || !(xcr0 & (1ULL << e->index))) {
			e->eax = e->ebx = e->ecx = e->edx = 0;
		}
		if (!xcr0)
			e->eax = e->ebx = e->ecx = e->edx = 0;
	}
}

static void xsave_edits(struct table *t)
{
	uint64_t xcr0 = host_xcr0();

	for (unsigned int i = 0; i < sizeof(xsave_features) / sizeof(xsave_features[0]); i++) {
		struct pvx_cpuid_entry *e = pvx_cpuid_find(t->e, t->n,
							   xsave_features[i].leaf,
							   xsave_features[i].subleaf);

		if (e && (xcr0 & xsave_features[i].xcr0) != xsave_features[i].xcr0)
			*reg_of(e, xsave_features[i].reg) &= ~xsave_features[i].bits;
	}
	xsave_leaf(t, xcr0);
}

int pvx_cpuid_default(struct pvx_cpuid_entry *entries, unsigned int max)
{
	struct table t = { .e = entries, .max = max };
	struct regs sig = { .r = { [EAX] = PVX_CPUID_BASE } };
	int err;

	/*
	 * The signature in EBX, ECX, EDX order, as KVM's and Xen's hypervisor
	 * leaves have it (leaf 0's vendor string is in EBX, EDX, ECX order).
	 */
	memcpy(&sig.r[EBX], PVX_CPUID_SIGNATURE, 12);
	err = add_range(&t, 0);
	if (!err)
		err = add_range(&t, 0x80000000);
	if (!err)
		err = add(&t, PVX_CPUID_BASE, 0, 0, &sig);
	if (err)
		return err;
	apply_edits(&t);
	xsave_edits(&t);
	return t.n;
}

struct pvx_cpuid_entry *pvx_cpuid_find(struct pvx_cpuid_entry *entries,
				       unsigned int nent, uint32_t function,
				       uint32_t index)
{
	for (unsigned int i = 0; i < nent; i++) {
		struct pvx_cpuid_entry *e = &entries[i];

		if (e->function == function &&
		    (!(e->flags & PVX_CPUID_INDEXED) || e->index == index))
			return e;
	}
	return NULL;
}

void pvx_cpuid_set_apic_id(struct pvx_cpuid_entry *entries, unsigned int nent,
			   uint32_t apic_id)
{
	struct pvx_cpuid_entry *e = pvx_cpuid_find(entries, nent, 1, 0);

	if (e)
		e->ebx = (e->ebx & 0x00ffffff) | (apic_id & 0xff) << 24;
	for (unsigned int i = 0; i < nent; i++)
		if (entries[i].function == 0xb || entries[i].function == 0x1f)
			entries[i].edx = apic_id;
}
