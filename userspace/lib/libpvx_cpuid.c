// SPDX-License-Identifier: LGPL-2.1
/*
 * libpvx: the default CPUID table a guest sees: this CPU's own leaves, with
 * only the features pvx implements (features[], one decision and its reason
 * per bit, as KVM's supported CPUID is built), plus pvx's hypervisor leaf;
 * the topology leaves describe one vCPU (libpvx_topology.c).
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
 * The feature bits a guest may see, built as KVM builds its supported
 * CPUID: from what pvx implements, not from what the host has. A bit is
 * offered when the host has it and it is listed here as offered (with the
 * XSAVE state components it needs in the host's XCR0); every bit of a
 * feature register that is not offered reads 0, listed or not. The hidden
 * bits listed are the ones a guest would otherwise look for; each line
 * says why. Registers: SDM vol. 2A, CPUID, Tables 3-10, 3-11, 3-8.
 */
enum offer { HIDE, OFFER, ALWAYS };

static const struct feature {
	uint32_t leaf, subleaf;
	uint8_t reg, bit;
	enum offer offer;
	uint64_t xcr0;		/* state components the feature needs */
	const char *why;
} features[] = {
	{ 1, 0, EDX, 0, OFFER, 0, "FPU: x87 runs natively" },
	{ 1, 0, EDX, 1, OFFER, 0, "VME: CR4.VME/PVI are the guest's" },
	{ 1, 0, EDX, 2, OFFER, 0, "DE: CR4.DE is the guest's" },
	{ 1, 0, EDX, 3, OFFER, 0, "PSE: guest paging is the CPU's (EPT)" },
	{ 1, 0, EDX, 4, OFFER, 0, "TSC: RDTSC, IA32_TSC with the VM's offset" },
	{ 1, 0, EDX, 5, OFFER, 0, "MSR: RDMSR/WRMSR of the MSRs pvx emulates" },
	{ 1, 0, EDX, 6, OFFER, 0, "PAE: with PDPTE loading (vmx_cr.c)" },
	{ 1, 0, EDX, 7, OFFER, 0, "MCE: CR4.MCE; no machine check reaches a guest" },
	{ 1, 0, EDX, 8, OFFER, 0, "CX8: CMPXCHG8B runs natively" },
	{ 1, 0, EDX, 9, HIDE, 0, "APIC: pvx has no local APIC, no IA32_APIC_BASE" },
	{ 1, 0, EDX, 11, OFFER, 0, "SEP: SYSENTER MSRs in the VMCS" },
	{ 1, 0, EDX, 12, OFFER, 0, "MTRR: MTRRcap, default type, ranges kept" },
	{ 1, 0, EDX, 13, OFFER, 0, "PGE: CR4.PGE is the guest's" },
	{ 1, 0, EDX, 14, OFFER, 0, "MCA: IA32_MCG_CAP with 0 banks, MCG_STATUS" },
	{ 1, 0, EDX, 15, OFFER, 0, "CMOV" },
	{ 1, 0, EDX, 16, OFFER, 0, "PAT: IA32_PAT in the VMCS" },
	{ 1, 0, EDX, 17, OFFER, 0, "PSE-36" },
	{ 1, 0, EDX, 18, HIDE, 0, "PSN: no processor serial number" },
	{ 1, 0, EDX, 19, OFFER, 0, "CLFSH: CLFLUSH runs natively" },
	{ 1, 0, EDX, 21, HIDE, 0, "DS: no IA32_DS_AREA" },
	{ 1, 0, EDX, 22, HIDE, 0, "ACPI: no thermal monitor MSRs" },
	{ 1, 0, EDX, 23, OFFER, 0, "MMX" },
	{ 1, 0, EDX, 24, OFFER, 0, "FXSR: CR4.OSFXSR is the guest's" },
	{ 1, 0, EDX, 25, OFFER, 0, "SSE" },
	{ 1, 0, EDX, 26, OFFER, 0, "SSE2" },
	{ 1, 0, EDX, 27, OFFER, 0, "SS: self snoop, nothing to do" },
	{ 1, 0, EDX, 28, OFFER, 0, "HTT: as the topology says (libpvx_topology.c)" },
	{ 1, 0, EDX, 29, HIDE, 0, "TM: no thermal monitor" },
	{ 1, 0, EDX, 31, HIDE, 0, "PBE: no pending break enable" },
	{ 1, 0, ECX, 0, OFFER, 0, "SSE3" },
	{ 1, 0, ECX, 1, OFFER, 0, "PCLMULQDQ" },
	{ 1, 0, ECX, 2, HIDE, 0, "DTES64: no debug store" },
	{ 1, 0, ECX, 3, HIDE, 0, "MONITOR: MONITOR/MWAIT exit to #UD" },
	{ 1, 0, ECX, 4, HIDE, 0, "DS-CPL: no debug store" },
	{ 1, 0, ECX, 5, HIDE, 0, "VMX: no nested VMX (CR4.VMXE #GP)" },
	{ 1, 0, ECX, 6, HIDE, 0, "SMX: GETSEC, CR4.SMXE #GP" },
	{ 1, 0, ECX, 7, HIDE, 0, "EIST: no IA32_PERF_CTL" },
	{ 1, 0, ECX, 8, HIDE, 0, "TM2: no thermal monitor" },
	{ 1, 0, ECX, 9, OFFER, 0, "SSSE3" },
	{ 1, 0, ECX, 10, HIDE, 0, "CNXT-ID: no IA32_MISC_ENABLE bit 24" },
	{ 1, 0, ECX, 11, HIDE, 0, "SDBG: no IA32_DEBUG_INTERFACE" },
	{ 1, 0, ECX, 12, OFFER, X86_XCR0_YMM, "FMA: YMM state" },
	{ 1, 0, ECX, 13, OFFER, 0, "CX16: CMPXCHG16B" },
	{ 1, 0, ECX, 14, HIDE, 0, "xTPR: no APIC to send TPR messages to" },
	{ 1, 0, ECX, 15, HIDE, 0, "PDCM: no IA32_PERF_CAPABILITIES" },
	{ 1, 0, ECX, 17, HIDE, 0, "PCID: emulated MOV to CR3 lacks the no-flush bit" },
	{ 1, 0, ECX, 18, HIDE, 0, "DCA: no direct cache access" },
	{ 1, 0, ECX, 19, OFFER, 0, "SSE4.1" },
	{ 1, 0, ECX, 20, OFFER, 0, "SSE4.2" },
	{ 1, 0, ECX, 21, HIDE, 0, "x2APIC: no local APIC (yet)" },
	{ 1, 0, ECX, 22, OFFER, 0, "MOVBE" },
	{ 1, 0, ECX, 23, OFFER, 0, "POPCNT" },
	{ 1, 0, ECX, 24, HIDE, 0, "TSC-deadline: no local APIC timer" },
	{ 1, 0, ECX, 25, OFFER, 0, "AES-NI" },
	{ 1, 0, ECX, 26, OFFER, X86_XCR0_X87, "XSAVE: XSETBV within the host's XCR0" },
	{ 1, 0, ECX, 27, HIDE, 0, "OSXSAVE: mirrors the guest's CR4 (kernel)" },
	{ 1, 0, ECX, 28, OFFER, X86_XCR0_YMM, "AVX: YMM state" },
	{ 1, 0, ECX, 29, OFFER, X86_XCR0_YMM, "F16C: VEX-encoded, YMM state" },
	{ 1, 0, ECX, 30, OFFER, 0, "RDRAND: native, or the kernel's generator" },
	{ 1, 0, ECX, 31, ALWAYS, 0, "hypervisor present (SDM CPUID)" },
	{ 7, 0, EBX, 0, OFFER, 0, "FSGSBASE: CR4.FSGSBASE is the guest's" },
	{ 7, 0, EBX, 1, OFFER, 0, "TSC_ADJUST: IA32_TSC_ADJUST moves the offset" },
	{ 7, 0, EBX, 2, HIDE, 0, "SGX: no enclaves" },
	{ 7, 0, EBX, 3, OFFER, 0, "BMI1" },
	{ 7, 0, EBX, 4, OFFER, 0, "HLE: XACQUIRE/XRELEASE" },
	{ 7, 0, EBX, 5, OFFER, X86_XCR0_YMM, "AVX2: YMM state" },
	{ 7, 0, EBX, 6, OFFER, 0, "FDP_EXCPTN_ONLY: x87 behaviour, nothing to do" },
	{ 7, 0, EBX, 7, OFFER, 0, "SMEP: CR4.SMEP is the guest's" },
	{ 7, 0, EBX, 8, OFFER, 0, "BMI2" },
	{ 7, 0, EBX, 9, OFFER, 0, "ERMS: REP MOVSB/STOSB run natively" },
	{ 7, 0, EBX, 10, HIDE, 0, "INVPCID: #UD without the VMX control" },
	{ 7, 0, EBX, 11, OFFER, 0, "RTM: XBEGIN/XEND" },
	{ 7, 0, EBX, 12, HIDE, 0, "RDT-M: no IA32_PQR_ASSOC" },
	{ 7, 0, EBX, 13, OFFER, 0, "FPU CS/DS deprecated, nothing to do" },
	{ 7, 0, EBX, 14, HIDE, 0, "MPX: no IA32_BNDCFGS" },
	{ 7, 0, EBX, 15, HIDE, 0, "RDT-A: no IA32_PQR_ASSOC" },
	{ 7, 0, EBX, 16, OFFER, X86_XCR0_YMM | X86_XCR0_AVX512, "AVX512F" },
	{ 7, 0, EBX, 17, OFFER, X86_XCR0_YMM | X86_XCR0_AVX512, "AVX512DQ" },
	{ 7, 0, EBX, 18, OFFER, 0, "RDSEED: native, or the kernel's generator" },
	{ 7, 0, EBX, 19, OFFER, 0, "ADX" },
	{ 7, 0, EBX, 20, OFFER, 0, "SMAP: CR4.SMAP is the guest's, STAC/CLAC" },
	{ 7, 0, EBX, 21, OFFER, X86_XCR0_YMM | X86_XCR0_AVX512, "AVX512_IFMA" },
	{ 7, 0, EBX, 23, OFFER, 0, "CLFLUSHOPT" },
	{ 7, 0, EBX, 24, OFFER, 0, "CLWB" },
	{ 7, 0, EBX, 25, HIDE, 0, "Intel PT: no trace MSRs" },
	{ 7, 0, EBX, 26, OFFER, X86_XCR0_YMM | X86_XCR0_AVX512, "AVX512PF" },
	{ 7, 0, EBX, 27, OFFER, X86_XCR0_YMM | X86_XCR0_AVX512, "AVX512ER" },
	{ 7, 0, EBX, 28, OFFER, X86_XCR0_YMM | X86_XCR0_AVX512, "AVX512CD" },
	{ 7, 0, EBX, 29, OFFER, 0, "SHA" },
	{ 7, 0, EBX, 30, OFFER, X86_XCR0_YMM | X86_XCR0_AVX512, "AVX512BW" },
	{ 7, 0, EBX, 31, OFFER, X86_XCR0_YMM | X86_XCR0_AVX512, "AVX512VL" },
	{ 7, 0, ECX, 0, OFFER, 0, "PREFETCHWT1" },
	{ 7, 0, ECX, 1, OFFER, X86_XCR0_YMM | X86_XCR0_AVX512, "AVX512_VBMI" },
	{ 7, 0, ECX, 2, OFFER, 0, "UMIP: CR4.UMIP is the guest's" },
	{ 7, 0, ECX, 3, HIDE, 0, "PKU: CR4.PKE #GP" },
	{ 7, 0, ECX, 4, HIDE, 0, "OSPKE: no PKU" },
	{ 7, 0, ECX, 5, HIDE, 0, "WAITPKG: #UD without the VMX control" },
	{ 7, 0, ECX, 6, OFFER, X86_XCR0_YMM | X86_XCR0_AVX512, "AVX512_VBMI2" },
	{ 7, 0, ECX, 7, HIDE, 0, "CET_SS: CR4.CET #GP" },
	{ 7, 0, ECX, 8, OFFER, 0, "GFNI" },
	{ 7, 0, ECX, 9, OFFER, X86_XCR0_YMM, "VAES: YMM state" },
	{ 7, 0, ECX, 10, OFFER, X86_XCR0_YMM, "VPCLMULQDQ: YMM state" },
	{ 7, 0, ECX, 11, OFFER, X86_XCR0_YMM | X86_XCR0_AVX512, "AVX512_VNNI" },
	{ 7, 0, ECX, 12, OFFER, X86_XCR0_YMM | X86_XCR0_AVX512, "AVX512_BITALG" },
	{ 7, 0, ECX, 13, HIDE, 0, "TME: no IA32_TME_ACTIVATE" },
	{ 7, 0, ECX, 14, OFFER, X86_XCR0_YMM | X86_XCR0_AVX512, "AVX512_VPOPCNTDQ" },
	{ 7, 0, ECX, 16, HIDE, 0, "LA57: CR4.LA57 #GP" },
	{ 7, 0, ECX, 22, HIDE, 0, "RDPID: #UD without \"enable RDTSCP\"" },
	{ 7, 0, ECX, 23, HIDE, 0, "Key Locker: CR4.KL" },
	{ 7, 0, ECX, 24, HIDE, 0, "bus lock detect: no IA32_DEBUGCTL bit" },
	{ 7, 0, ECX, 25, OFFER, 0, "CLDEMOTE" },
	{ 7, 0, ECX, 27, OFFER, 0, "MOVDIRI" },
	{ 7, 0, ECX, 28, OFFER, 0, "MOVDIR64B" },
	{ 7, 0, ECX, 29, HIDE, 0, "ENQCMD: no IA32_PASID" },
	{ 7, 0, ECX, 30, HIDE, 0, "SGX_LC: no enclaves" },
	{ 7, 0, ECX, 31, HIDE, 0, "PKS: no IA32_PKRS" },
	{ 7, 0, EDX, 2, OFFER, X86_XCR0_YMM | X86_XCR0_AVX512, "AVX512_4VNNIW" },
	{ 7, 0, EDX, 3, OFFER, X86_XCR0_YMM | X86_XCR0_AVX512, "AVX512_4FMAPS" },
	{ 7, 0, EDX, 4, OFFER, 0, "FSRM: fast short REP MOVSB, nothing to do" },
	{ 7, 0, EDX, 5, HIDE, 0, "UINTR: no user interrupts" },
	{ 7, 0, EDX, 8, OFFER, X86_XCR0_YMM | X86_XCR0_AVX512, "AVX512_VP2INTERSECT" },
	{ 7, 0, EDX, 9, HIDE, 0, "SRBDS_CTRL: no IA32_MCU_OPT_CTRL" },
	{ 7, 0, EDX, 10, OFFER, 0, "MD_CLEAR: VERW runs natively" },
	{ 7, 0, EDX, 14, OFFER, 0, "SERIALIZE" },
	{ 7, 0, EDX, 15, HIDE, 0, "hybrid: leaf 0x1a is not given" },
	{ 7, 0, EDX, 16, OFFER, 0, "TSXLDTRK" },
	{ 7, 0, EDX, 18, HIDE, 0, "PCONFIG: no" },
	{ 7, 0, EDX, 19, HIDE, 0, "arch LBR: no LBR MSRs" },
	{ 7, 0, EDX, 20, HIDE, 0, "CET_IBT: CR4.CET #GP" },
	{ 7, 0, EDX, 22, HIDE, 0, "AMX-BF16: no XFD for AMX state" },
	{ 7, 0, EDX, 23, OFFER, X86_XCR0_YMM | X86_XCR0_AVX512, "AVX512_FP16" },
	{ 7, 0, EDX, 24, HIDE, 0, "AMX-TILE: no XFD for AMX state" },
	{ 7, 0, EDX, 25, HIDE, 0, "AMX-INT8: no XFD for AMX state" },
	{ 7, 0, EDX, 26, HIDE, 0, "IBRS/IBPB: no IA32_SPEC_CTRL, IA32_PRED_CMD" },
	{ 7, 0, EDX, 27, HIDE, 0, "STIBP: no IA32_SPEC_CTRL" },
	{ 7, 0, EDX, 28, HIDE, 0, "L1D_FLUSH: no IA32_FLUSH_CMD" },
	{ 7, 0, EDX, 29, HIDE, 0, "ARCH_CAPABILITIES: no such MSR" },
	{ 7, 0, EDX, 30, HIDE, 0, "CORE_CAPABILITIES: no such MSR" },
	{ 7, 0, EDX, 31, HIDE, 0, "SSBD: no IA32_SPEC_CTRL" },
	{ 7, 1, EAX, 4, OFFER, X86_XCR0_YMM, "AVX-VNNI: YMM state" },
	{ 7, 1, EAX, 5, OFFER, X86_XCR0_YMM | X86_XCR0_AVX512, "AVX512_BF16" },
	{ 0xd, 1, EAX, 0, OFFER, X86_XCR0_X87, "XSAVEOPT" },
	{ 0xd, 1, EAX, 1, OFFER, X86_XCR0_X87, "XSAVEC" },
	{ 0xd, 1, EAX, 2, OFFER, X86_XCR0_X87, "XGETBV with ECX = 1" },
	{ 0xd, 1, EAX, 3, HIDE, 0, "XSAVES: #UD without the VMX control, no IA32_XSS" },
	{ 0xd, 1, EAX, 4, HIDE, 0, "XFD: no IA32_XFD" },
	{ 0x80000001, 0, ECX, 0, OFFER, 0, "LAHF/SAHF in 64-bit mode" },
	{ 0x80000001, 0, ECX, 5, OFFER, 0, "LZCNT" },
	{ 0x80000001, 0, ECX, 8, OFFER, 0, "PREFETCHW" },
	{ 0x80000001, 0, EDX, 11, OFFER, 0, "SYSCALL: STAR/LSTAR/CSTAR/FMASK" },
	{ 0x80000001, 0, EDX, 20, OFFER, 0, "NX: EFER.NXE" },
	{ 0x80000001, 0, EDX, 26, OFFER, 0, "1 GiB pages in guest paging" },
	{ 0x80000001, 0, EDX, 27, HIDE, 0, "RDTSCP: #UD without \"enable RDTSCP\"" },
	{ 0x80000001, 0, EDX, 29, OFFER, 0, "long mode" },
	{ 0x80000007, 0, EDX, 8, OFFER, 0, "invariant TSC: the host's plus a fixed offset" },
};

/*
 * Leaves by what they hold. Feature registers (@features: bit i for
 * register i) keep only the bits offered above; the other registers of a
 * listed leaf pass as the host has them (sizes, counts, names). Leaves not
 * listed read 0, among them 3 (serial number), 5 (MONITOR), 6 (thermal
 * and power: every bit needs an MSR or APIC timer pvx lacks), 0xa
 * (architectural PMU: version 0, absent), 0xf, 0x10 (RDT), 0x12 (SGX),
 * 0x14 (PT), 0x1a (hybrid), 0x1b-0x1e.
 */
#define REGS(a, b, c, d)	((a) | (b) << 1 | (c) << 2 | (d) << 3)

static const struct {
	uint32_t leaf, subleaf;
	bool all_subleaves;	/* applies to each subleaf */
	uint8_t feature_regs;
} leaves[] = {
	{ 0, 0, false, 0 },			/* max leaf, vendor */
	{ 1, 0, false, REGS(0, 0, 1, 1) },	/* signature, APIC id, features */
	{ 2, 0, false, 0 },			/* cache and TLB descriptors */
	{ 4, 0, true, 0 },			/* cache parameters */
	{ 7, 0, false, REGS(0, 1, 1, 1) },	/* EAX: max subleaf, capped at 1 */
	{ 7, 1, false, REGS(1, 1, 1, 1) },
	{ 0xb, 0, true, 0 },			/* topology */
	{ 0xd, 1, false, REGS(1, 0, 1, 1) },	/* before the row for all */
	{ 0xd, 0, true, 0 },			/* XSAVE: xsave_leaf() */
	{ 0x15, 0, false, 0 },			/* TSC/crystal ratio */
	{ 0x16, 0, false, 0 },			/* frequencies */
	{ 0x1f, 0, true, 0 },			/* topology */
	{ 0x80000000, 0, false, 0 },
	{ 0x80000001, 0, false, REGS(0, 1, 1, 1) },
	{ 0x80000002, 0, false, 0 },		/* brand string */
	{ 0x80000003, 0, false, 0 },
	{ 0x80000004, 0, false, 0 },
	{ 0x80000005, 0, false, 0 },		/* caches */
	{ 0x80000006, 0, false, 0 },
	{ 0x80000007, 0, false, REGS(1, 1, 1, 1) },
	{ 0x80000008, 0, false, REGS(0, 1, 1, 1) },	/* EAX: address sizes */
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

/* The leaves[] row of @e, or -1: a leaf pvx does not give. */
static int leaf_policy(const struct pvx_cpuid_entry *e)
{
	for (unsigned int i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++)
		if (leaves[i].leaf == e->function &&
		    (leaves[i].all_subleaves || leaves[i].subleaf == e->index))
			return i;
	return -1;
}

/* The bits of register @reg of @e that features[] offers with @xcr0. */
static uint32_t offered(const struct pvx_cpuid_entry *e, unsigned int reg,
			uint64_t xcr0)
{
	uint32_t bits = 0;

	for (unsigned int i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
		const struct feature *f = &features[i];

		if (f->leaf != e->function || f->subleaf != e->index ||
		    f->reg != reg || f->offer == HIDE ||
		    (f->xcr0 & xcr0) != f->xcr0)
			continue;
		bits |= 1U << f->bit;
	}
	return bits;
}

static uint32_t always(const struct pvx_cpuid_entry *e, unsigned int reg)
{
	uint32_t bits = 0;

	for (unsigned int i = 0; i < sizeof(features) / sizeof(features[0]); i++)
		if (features[i].offer == ALWAYS && features[i].leaf == e->function &&
		    features[i].subleaf == e->index && features[i].reg == reg)
			bits |= 1U << features[i].bit;
	return bits;
}

/* Each entry as leaves[] and features[] say. */
static void apply_policy(struct table *t, uint64_t xcr0)
{
	for (unsigned int i = 0; i < t->n; i++) {
		struct pvx_cpuid_entry *e = &t->e[i];
		int k = leaf_policy(e);

		for (unsigned int reg = 0; reg < NR_REGS; reg++) {
			uint32_t *r = reg_of(e, reg);

			if (k < 0)
				*r = 0;
			else if (leaves[k].feature_regs & (1U << reg))
				*r = (*r & offered(e, reg, xcr0)) | always(e, reg);
		}
		if (e->function == 7 && e->index == 0 && e->eax > 1)
			e->eax = 1;
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
	if (err)
		return err;
	apply_policy(&t, host_xcr0());
	/* The host's topology would be wrong for a VM: one vCPU's instead. */
	err = pvx_cpuid_set_topology(t.e, t.n, t.max, 1);
	if (err < 0)
		return err;
	t.n = err;
	err = add(&t, PVX_CPUID_BASE, 0, 0, &sig);
	return err ? err : (int)t.n;
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
