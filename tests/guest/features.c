// SPDX-License-Identifier: GPL-2.0
/*
 * features: a long-mode guest that holds pvx to what its CPUID says and to
 * what a real CPU does (issue 13). One scenario per run (features.h):
 *  - FT_WALK: every set bit of the feature registers CPUID reports (leaves
 *    1, 6, 7.0, 7.1, 0xa, 0xd.1, 0x80000001, 0x80000007) is looked up in
 *    checks[] and its behaviour checked: the MSR it implies reads without
 *    #GP, the instruction it offers runs without #UD, the CR4 or EFER bit
 *    it allows can be set. A set bit without a row is "uncovered": the
 *    guest cannot tell what it promises, and the host test fails on it;
 *  - FT_CR4: each CR4 feature bit is set when CPUID offers it and #GP when
 *    it does not (the host runs it with tables that clear XSAVE);
 *  - FT_RF: a #GP pvx injects for MOV to CR4 with reserved bit 63 pushes
 *    RFLAGS.RF = 1 (SDM 6.13): its handler fixes RAX, arms an instruction
 *    breakpoint on the faulting MOV and returns with IRETQ, and the MOV
 *    then runs without a #DB;
 *  - FT_MSRS: IA32_TSC_ADJUST moves the TSC and follows TSC writes (SDM
 *    17.17.3); MCG_CAP 0, MCG_STATUS; MISC_ENABLE takes what a Linux
 *    kernel writes and its limit-CPUID and XD-disable bits act on CPUID;
 *    no APIC; UCODE_REV and PLATFORM_ID read as Linux's early code does;
 *  - FT_DR: DR0-3 keep their values across full exits, and a data
 *    breakpoint armed before one fires after it;
 *  - FT_KGS: WRMSR/RDMSR of KERNEL_GS_BASE and SWAPGS, across a sync where
 *    the host reads and sets it;
 *  - FT_NOP: exits at once;
 *  - FT_TOPOLOGY: reports CPUID leaves 1, 4 and 0xb as this vCPU sees
 *    them (the host runs it on each vCPU of a VM and checks the topology).
 */
#include <stdbool.h>

#include "cpu.h"
#include "features.h"
#include "guest.h"
#include "trap.h"

enum { EAX, EBX, ECX, EDX };

#define TRAP_DB			1
#define CR4_OSXSAVE		(1ULL << 18)
#define DR7_RESET		0x400ULL

static uint8_t buf[128] __attribute__((aligned(64), used));
static uint8_t buf2[128] __attribute__((aligned(64), used));
static uint8_t xsave_area[4096] __attribute__((aligned(64), used));

static void sync_point(uint8_t what)
{
	__asm__ volatile("outb %0, %1" : : "a"(what), "i"(EV_PORT_SYNC) : "memory");
}

/* The asm of an instruction check: runs @insns, catching what they raise. */
#define INSN(name, insns)						\
	static void insn_##name(void)					\
	{								\
		__asm__ volatile(TRAP_CATCH(insns)			\
				 : : : "rax", "rbx", "rcx", "rdx",	\
				   "rsi", "rdi", "r11", "memory", "cc");\
	}

INSN(fpu, "fld1\n\tfstp %%st(0)")
INSN(cx8, "lea buf(%%rip), %%rsi\n\tcmpxchg8b (%%rsi)")
INSN(cmov, "cmovz %%rax, %%rbx")
INSN(clflush, "clflush buf(%%rip)")
INSN(mmx, "pxor %%mm0, %%mm0\n\temms")
INSN(fxsr, "fxsave xsave_area(%%rip)\n\tfxrstor xsave_area(%%rip)")
INSN(sse, "addps %%xmm1, %%xmm0")
INSN(sse2, "addpd %%xmm1, %%xmm0")
INSN(sse3, "addsubpd %%xmm1, %%xmm0")
INSN(pclmul, "pclmulqdq $0, %%xmm1, %%xmm0")
INSN(ssse3, "pshufb %%xmm1, %%xmm0")
INSN(fma, "vfmadd132ps %%ymm2, %%ymm1, %%ymm0")
INSN(cx16, "lea buf(%%rip), %%rsi\n\tcmpxchg16b (%%rsi)")
INSN(sse41, "ptest %%xmm1, %%xmm0")
INSN(sse42, "crc32l %%eax, %%ebx")
INSN(movbe, "movbe buf(%%rip), %%eax")
INSN(popcnt, "popcnt %%rax, %%rbx")
INSN(aes, "aesenc %%xmm1, %%xmm0")
INSN(xgetbv, "xor %%ecx, %%ecx\n\txgetbv")
INSN(avx, "vaddps %%ymm1, %%ymm0, %%ymm0")
INSN(f16c, "vcvtph2ps %%xmm1, %%ymm0")
INSN(rdrand, "rdrand %%rax")
INSN(rdtsc, "rdtsc")
INSN(fsgsbase, "mov %%cr4, %%rbx\n\tmov %%rbx, %%rax\n\tor $0x10000, %%rax\n\t"
	       "mov %%rax, %%cr4\n\trdfsbase %%rcx\n\tmov %%rbx, %%cr4")
INSN(bmi1, "andn %%rax, %%rbx, %%rcx")
INSN(avx2, "vpaddd %%ymm1, %%ymm0, %%ymm0")
INSN(bmi2, "pdep %%rax, %%rbx, %%rcx")
INSN(rtm, "xbegin 7772f\n\txend\n7772:")
INSN(hle, "xacquire lock incl buf(%%rip)\n\txrelease lock decl buf(%%rip)")
INSN(rdseed, "rdseed %%rax")
INSN(adx, "adcx %%rax, %%rbx")
INSN(smap, "mov %%cr4, %%rbx\n\tmov %%rbx, %%rax\n\tor $0x200000, %%rax\n\t"
	   "mov %%rax, %%cr4\n\tstac\n\tclac\n\tmov %%rbx, %%cr4")
INSN(clflushopt, "clflushopt buf(%%rip)")
INSN(clwb, "clwb buf(%%rip)")
INSN(sha, "sha1rnds4 $0, %%xmm1, %%xmm0")
INSN(avx512f, "vpaddd %%zmm1, %%zmm0, %%zmm0")
INSN(avx512dq, "vpmullq %%zmm1, %%zmm0, %%zmm0")
INSN(avx512ifma, "vpmadd52luq %%zmm1, %%zmm0, %%zmm0")
INSN(avx512er, "vexp2ps %%zmm1, %%zmm0")
INSN(avx512cd, "vpconflictd %%zmm1, %%zmm0")
INSN(avx512bw, "vpaddb %%zmm1, %%zmm0, %%zmm0")
INSN(avx512vl, "vpaddd %%xmm17, %%xmm16, %%xmm16")
INSN(prefetchwt1, "prefetchwt1 buf(%%rip)")
INSN(avx512vbmi, "vpermb %%zmm1, %%zmm0, %%zmm0")
INSN(avx512vbmi2, "vpshldw $1, %%zmm1, %%zmm0, %%zmm0")
INSN(gfni, "gf2p8mulb %%xmm1, %%xmm0")
INSN(vaes, "vaesenc %%ymm1, %%ymm0, %%ymm0")
INSN(vpclmul, "vpclmulqdq $0, %%ymm1, %%ymm0, %%ymm0")
INSN(avx512vnni, "vpdpbusd %%zmm1, %%zmm0, %%zmm0")
INSN(avx512bitalg, "vpopcntb %%zmm1, %%zmm0")
INSN(avx512popcnt, "vpopcntd %%zmm1, %%zmm0")
INSN(cldemote, "cldemote buf(%%rip)")
INSN(movdiri, "movdiri %%eax, buf(%%rip)")
INSN(movdir64b, "lea buf(%%rip), %%rsi\n\tlea buf2(%%rip), %%rdi\n\t"
		"movdir64b (%%rsi), %%rdi")
INSN(avx512vp2i, "vp2intersectd %%zmm1, %%zmm0, %%k2")
INSN(md_clear, "sub $8, %%rsp\n\tmov %%ds, (%%rsp)\n\tverw (%%rsp)\n\tadd $8, %%rsp")
INSN(serialize, "serialize")
INSN(tsxldtrk, "xbegin 7772f\n\txsusldtrk\n\txresldtrk\n\txend\n7772:")
INSN(avx512fp16, "vaddph %%zmm1, %%zmm0, %%zmm0")
INSN(avxvnni, "%{vex%} vpdpbusd %%ymm1, %%ymm0, %%ymm0")
INSN(avx512bf16, "vcvtne2ps2bf16 %%zmm1, %%zmm0, %%zmm0")
INSN(xsaveopt, "mov $3, %%eax\n\txor %%edx, %%edx\n\txsaveopt xsave_area(%%rip)")
INSN(xsavec, "mov $3, %%eax\n\txor %%edx, %%edx\n\txsavec xsave_area(%%rip)")
INSN(xgetbv1, "mov $1, %%ecx\n\txgetbv")
INSN(lahf, "lahf")
INSN(lzcnt, "lzcnt %%rax, %%rbx")
INSN(prefetchw, "prefetchw buf(%%rip)")

enum kind { INFO, MSR, INSN, CR4, EFER };

/* What an offered bit promises, and how the guest checks it. */
static const struct check {
	uint32_t leaf;
	uint8_t sub, reg, bit;
	enum kind kind;
	uint64_t arg;		/* MSR number, CR4 or EFER bit */
	void (*insn)(void);
} checks[] = {
#define C(leaf, sub, reg, bit, kind, arg, insn) \
	{ leaf, sub, reg, bit, kind, arg, insn },
	C(1, 0, EDX, 0, INSN, 0, insn_fpu)
	C(1, 0, EDX, 1, CR4, 1ULL << 0, 0)		/* VME */
	C(1, 0, EDX, 2, CR4, 1ULL << 3, 0)		/* DE */
	C(1, 0, EDX, 3, CR4, 1ULL << 4, 0)		/* PSE */
	C(1, 0, EDX, 4, INSN, 0, insn_rdtsc)
	C(1, 0, EDX, 4, MSR, 0x10, 0)			/* TSC */
	C(1, 0, EDX, 5, MSR, 0x10, 0)			/* MSR */
	C(1, 0, EDX, 6, CR4, 1ULL << 5, 0)		/* PAE */
	C(1, 0, EDX, 7, CR4, 1ULL << 6, 0)		/* MCE */
	C(1, 0, EDX, 8, INSN, 0, insn_cx8)
	C(1, 0, EDX, 9, MSR, 0x1b, 0)			/* APIC: IA32_APIC_BASE */
	C(1, 0, EDX, 11, MSR, 0x174, 0)			/* SEP */
	C(1, 0, EDX, 12, MSR, 0xfe, 0)			/* MTRR: MTRRcap */
	C(1, 0, EDX, 12, MSR, 0x2ff, 0)			/* MTRRdefType */
	C(1, 0, EDX, 13, CR4, 1ULL << 7, 0)		/* PGE */
	C(1, 0, EDX, 14, MSR, 0x179, 0)			/* MCA: MCG_CAP */
	C(1, 0, EDX, 14, MSR, 0x17a, 0)			/* MCG_STATUS */
	C(1, 0, EDX, 15, INSN, 0, insn_cmov)
	C(1, 0, EDX, 16, MSR, 0x277, 0)			/* PAT */
	C(1, 0, EDX, 17, INFO, 0, 0)			/* PSE-36 */
	C(1, 0, EDX, 19, INSN, 0, insn_clflush)
	C(1, 0, EDX, 21, MSR, 0x600, 0)			/* DS: IA32_DS_AREA */
	C(1, 0, EDX, 22, MSR, 0x19c, 0)			/* ACPI: THERM_STATUS */
	C(1, 0, EDX, 23, INSN, 0, insn_mmx)
	C(1, 0, EDX, 24, INSN, 0, insn_fxsr)
	C(1, 0, EDX, 25, INSN, 0, insn_sse)
	C(1, 0, EDX, 26, INSN, 0, insn_sse2)
	C(1, 0, EDX, 27, INFO, 0, 0)			/* self snoop */
	C(1, 0, EDX, 28, INFO, 0, 0)			/* HTT: a count */
	C(1, 0, EDX, 29, MSR, 0x19c, 0)			/* TM */
	C(1, 0, ECX, 0, INSN, 0, insn_sse3)
	C(1, 0, ECX, 1, INSN, 0, insn_pclmul)
	C(1, 0, ECX, 2, MSR, 0x600, 0)			/* DTES64 */
	C(1, 0, ECX, 4, MSR, 0x600, 0)			/* DS-CPL */
	C(1, 0, ECX, 5, CR4, 1ULL << 13, 0)		/* VMX */
	C(1, 0, ECX, 6, CR4, 1ULL << 14, 0)		/* SMX */
	C(1, 0, ECX, 7, MSR, 0x199, 0)			/* EIST: PERF_CTL */
	C(1, 0, ECX, 8, MSR, 0x19c, 0)			/* TM2 */
	C(1, 0, ECX, 9, INSN, 0, insn_ssse3)
	C(1, 0, ECX, 11, MSR, 0xc80, 0)			/* SDBG */
	C(1, 0, ECX, 12, INSN, 0, insn_fma)
	C(1, 0, ECX, 13, INSN, 0, insn_cx16)
	C(1, 0, ECX, 15, MSR, 0x345, 0)			/* PDCM: PERF_CAPABILITIES */
	C(1, 0, ECX, 17, CR4, 1ULL << 17, 0)		/* PCID */
	C(1, 0, ECX, 19, INSN, 0, insn_sse41)
	C(1, 0, ECX, 20, INSN, 0, insn_sse42)
	C(1, 0, ECX, 21, MSR, 0x802, 0)			/* x2APIC: its id */
	C(1, 0, ECX, 22, INSN, 0, insn_movbe)
	C(1, 0, ECX, 23, INSN, 0, insn_popcnt)
	C(1, 0, ECX, 24, MSR, 0x6e0, 0)			/* TSC_DEADLINE */
	C(1, 0, ECX, 25, INSN, 0, insn_aes)
	C(1, 0, ECX, 26, CR4, CR4_OSXSAVE, 0)		/* XSAVE */
	C(1, 0, ECX, 26, INSN, 0, insn_xgetbv)
	C(1, 0, ECX, 27, INSN, 0, insn_xgetbv)		/* OSXSAVE */
	C(1, 0, ECX, 28, INSN, 0, insn_avx)
	C(1, 0, ECX, 29, INSN, 0, insn_f16c)
	C(1, 0, ECX, 30, INSN, 0, insn_rdrand)
	C(1, 0, ECX, 31, INFO, 0, 0)			/* hypervisor */
	C(6, 0, EAX, 0, MSR, 0x19c, 0)			/* DTS: THERM_STATUS */
	C(6, 0, EAX, 7, MSR, 0x770, 0)			/* HWP: PM_ENABLE */
	C(7, 0, EBX, 0, INSN, 0, insn_fsgsbase)
	C(7, 0, EBX, 1, MSR, 0x3b, 0)			/* TSC_ADJUST */
	C(7, 0, EBX, 3, INSN, 0, insn_bmi1)
	C(7, 0, EBX, 4, INSN, 0, insn_hle)
	C(7, 0, EBX, 5, INSN, 0, insn_avx2)
	C(7, 0, EBX, 6, INFO, 0, 0)			/* FDP_EXCPTN_ONLY */
	C(7, 0, EBX, 7, CR4, 1ULL << 20, 0)		/* SMEP */
	C(7, 0, EBX, 8, INSN, 0, insn_bmi2)
	C(7, 0, EBX, 9, INFO, 0, 0)			/* ERMS */
	C(7, 0, EBX, 11, INSN, 0, insn_rtm)
	C(7, 0, EBX, 13, INFO, 0, 0)			/* FPU CS/DS deprecated */
	C(7, 0, EBX, 14, MSR, 0xd90, 0)			/* MPX: BNDCFGS */
	C(7, 0, EBX, 16, INSN, 0, insn_avx512f)
	C(7, 0, EBX, 17, INSN, 0, insn_avx512dq)
	C(7, 0, EBX, 18, INSN, 0, insn_rdseed)
	C(7, 0, EBX, 19, INSN, 0, insn_adx)
	C(7, 0, EBX, 20, INSN, 0, insn_smap)
	C(7, 0, EBX, 21, INSN, 0, insn_avx512ifma)
	C(7, 0, EBX, 23, INSN, 0, insn_clflushopt)
	C(7, 0, EBX, 24, INSN, 0, insn_clwb)
	C(7, 0, EBX, 25, MSR, 0x570, 0)			/* PT: RTIT_CTL */
	C(7, 0, EBX, 27, INSN, 0, insn_avx512er)
	C(7, 0, EBX, 28, INSN, 0, insn_avx512cd)
	C(7, 0, EBX, 29, INSN, 0, insn_sha)
	C(7, 0, EBX, 30, INSN, 0, insn_avx512bw)
	C(7, 0, EBX, 31, INSN, 0, insn_avx512vl)
	C(7, 0, ECX, 0, INSN, 0, insn_prefetchwt1)
	C(7, 0, ECX, 1, INSN, 0, insn_avx512vbmi)
	C(7, 0, ECX, 2, CR4, 1ULL << 11, 0)		/* UMIP */
	C(7, 0, ECX, 3, CR4, 1ULL << 22, 0)		/* PKU */
	C(7, 0, ECX, 6, INSN, 0, insn_avx512vbmi2)
	C(7, 0, ECX, 7, CR4, 1ULL << 23, 0)		/* CET_SS */
	C(7, 0, ECX, 8, INSN, 0, insn_gfni)
	C(7, 0, ECX, 9, INSN, 0, insn_vaes)
	C(7, 0, ECX, 10, INSN, 0, insn_vpclmul)
	C(7, 0, ECX, 11, INSN, 0, insn_avx512vnni)
	C(7, 0, ECX, 12, INSN, 0, insn_avx512bitalg)
	C(7, 0, ECX, 14, INSN, 0, insn_avx512popcnt)
	C(7, 0, ECX, 16, CR4, 1ULL << 12, 0)		/* LA57 */
	C(7, 0, ECX, 25, INSN, 0, insn_cldemote)
	C(7, 0, ECX, 27, INSN, 0, insn_movdiri)
	C(7, 0, ECX, 28, INSN, 0, insn_movdir64b)
	C(7, 0, EDX, 4, INFO, 0, 0)			/* FSRM */
	C(7, 0, EDX, 8, INSN, 0, insn_avx512vp2i)
	C(7, 0, EDX, 10, INSN, 0, insn_md_clear)
	C(7, 0, EDX, 14, INSN, 0, insn_serialize)
	C(7, 0, EDX, 16, INSN, 0, insn_tsxldtrk)
	C(7, 0, EDX, 23, INSN, 0, insn_avx512fp16)
	C(7, 0, EDX, 26, MSR, 0x48, 0)			/* IBRS: SPEC_CTRL */
	C(7, 0, EDX, 27, MSR, 0x48, 0)			/* STIBP */
	C(7, 0, EDX, 28, MSR, 0x10b, 0)			/* L1D_FLUSH: FLUSH_CMD */
	C(7, 0, EDX, 29, MSR, 0x10a, 0)			/* ARCH_CAPABILITIES */
	C(7, 0, EDX, 30, MSR, 0xcf, 0)			/* CORE_CAPABILITIES */
	C(7, 0, EDX, 31, MSR, 0x48, 0)			/* SSBD */
	C(7, 1, EAX, 4, INSN, 0, insn_avxvnni)
	C(7, 1, EAX, 5, INSN, 0, insn_avx512bf16)
	C(0xd, 1, EAX, 0, INSN, 0, insn_xsaveopt)
	C(0xd, 1, EAX, 1, INSN, 0, insn_xsavec)
	C(0xd, 1, EAX, 2, INSN, 0, insn_xgetbv1)
	C(0xd, 1, EAX, 3, MSR, 0xda0, 0)		/* XSAVES: IA32_XSS */
	C(0x80000001, 0, ECX, 0, INSN, 0, insn_lahf)
	C(0x80000001, 0, ECX, 5, INSN, 0, insn_lzcnt)
	C(0x80000001, 0, ECX, 8, INSN, 0, insn_prefetchw)
	C(0x80000001, 0, EDX, 11, EFER, 1ULL << 0, 0)	/* SYSCALL: EFER.SCE */
	C(0x80000001, 0, EDX, 11, MSR, 0xc0000081, 0)	/* STAR */
	C(0x80000001, 0, EDX, 20, EFER, 1ULL << 11, 0)	/* NX: EFER.NXE */
	C(0x80000001, 0, EDX, 26, INFO, 0, 0)		/* 1 GiB pages */
	C(0x80000001, 0, EDX, 27, MSR, 0xc0000103, 0)	/* RDTSCP: TSC_AUX */
	C(0x80000001, 0, EDX, 29, EFER, 1ULL << 8, 0)	/* LM: EFER.LME */
	C(0x80000007, 0, EDX, 8, INFO, 0, 0)		/* invariant TSC */
#undef C
};

#define NR_CHECKS	(sizeof(checks) / sizeof(checks[0]))

/* The feature registers walked: any set bit needs a row above. */
static const struct {
	uint32_t leaf;
	uint8_t sub, reg;
} walked[] = {
	{ 1, 0, ECX }, { 1, 0, EDX }, { 6, 0, EAX }, { 6, 0, ECX },
	{ 7, 0, EBX }, { 7, 0, ECX }, { 7, 0, EDX }, { 7, 1, EAX },
	{ 0xa, 0, EAX }, { 0xd, 1, EAX }, { 0x80000001, 0, ECX },
	{ 0x80000001, 0, EDX }, { 0x80000007, 0, EDX },
};

static uint32_t max_leaf(uint32_t base)
{
	uint32_t r[4];

	cpuid(base, 0, r);
	return r[EAX];
}

static uint32_t reg_of(uint32_t leaf, uint32_t sub, unsigned int reg)
{
	uint32_t r[4] = { 0, 0, 0, 0 };

	if (leaf <= max_leaf(leaf & 0x80000000))
		cpuid(leaf, sub, r);
	return r[reg];
}

static int check_efer(uint64_t bit)
{
	uint64_t efer;
	int v = cpu_rdmsr_safe(0xc0000080, &efer);

	if (v != TRAP_NONE)
		return v;
	v = cpu_wrmsr_safe(0xc0000080, efer | bit);
	cpu_wrmsr_safe(0xc0000080, efer);
	return v;
}

static int check_cr4(uint64_t bit)
{
	uint64_t cr4 = read_cr4();
	int v;

	if (cr4 & bit)
		return TRAP_NONE;
	v = cpu_write_cr4_safe(cr4 | bit);
	write_cr4(cr4);
	return v;
}

/* The vector the check of @c raised, or TRAP_NONE. */
static int run_check(const struct check *c)
{
	uint64_t v;

	switch (c->kind) {
	case MSR:
		return cpu_rdmsr_safe(c->arg, &v);
	case INSN:
		trap_clear();
		c->insn();
		return trap_vector();
	case CR4:
		return check_cr4(c->arg);
	case EFER:
		return check_efer(c->arg);
	default:
		return TRAP_NONE;
	}
}

/*
 * AVX and AVX-512 need their state enabled: OSXSAVE and XCR0 as leaf 0xd
 * offers (x87, SSE, YMM, opmask, ZMM), when CPUID offers XSAVE.
 */
static void enable_xsave(void)
{
	uint64_t xcr0;

	if (!(reg_of(1, 0, ECX) & (1U << 26)) ||
	    cpu_write_cr4_safe(read_cr4() | CR4_OSXSAVE) != TRAP_NONE)
		return;
	xcr0 = reg_of(0xd, 0, EAX) & 0xe7;
	cpu_xsetbv_safe(0, xcr0);
}

static void walk(void)
{
	unsigned int checked = 0, info = 0, failed = 0, uncovered = 0;

	enable_xsave();
	for (unsigned int w = 0; w < sizeof(walked) / sizeof(walked[0]); w++) {
		uint32_t bits = reg_of(walked[w].leaf, walked[w].sub, walked[w].reg);

		for (unsigned int bit = 0; bit < 32; bit++) {
			bool covered = false, ok = true;
			int vec = TRAP_NONE;
			uint64_t id = FT_BIT_ID(walked[w].leaf, walked[w].sub,
						walked[w].reg, bit);

			if (!(bits & (1U << bit)))
				continue;
			for (unsigned int i = 0; i < NR_CHECKS; i++) {
				const struct check *c = &checks[i];

				if (c->leaf != walked[w].leaf || c->sub != walked[w].sub ||
				    c->reg != walked[w].reg || c->bit != bit)
					continue;
				covered = true;
				if (c->kind == INFO)
					continue;
				vec = run_check(c);
				if (vec != TRAP_NONE)
					ok = false;
			}
			if (!covered) {
				if (uncovered < FK_NR_LISTED)
					report(FK_UNCOV(uncovered), id);
				uncovered++;
			} else if (!ok) {
				if (failed < FK_NR_LISTED) {
					report(FK_FAIL(failed), id);
					report(FK_FAIL_VEC(failed), vec);
				}
				failed++;
			} else {
				checked++;
			}
		}
	}
	for (unsigned int i = 0; i < NR_CHECKS; i++)
		if (checks[i].kind == INFO &&
		    (reg_of(checks[i].leaf, checks[i].sub, checks[i].reg) &
		     (1U << checks[i].bit)))
			info++;
	report(FK_CHECKED, checked);
	report(FK_INFO, info);
	report(FK_FAILED, failed);
	report(FK_UNCOVERED, uncovered);
}

/* Each CR4 row of checks[]: set when CPUID offers it, else #GP. */
static void cr4_bits(void)
{
	unsigned int tried = 0, wrong = 0;
	uint64_t cr4 = read_cr4();

	for (unsigned int i = 0; i < NR_CHECKS; i++) {
		const struct check *c = &checks[i];
		bool offered;
		int vec;

		if (c->kind != CR4 || (cr4 & c->arg))
			continue;
		offered = reg_of(c->leaf, c->sub, c->reg) & (1U << c->bit);
		vec = check_cr4(c->arg);
		tried++;
		if (c->arg == CR4_OSXSAVE)
			report(FK_CR4_OSXSAVE, vec == TRAP_NONE ? EV_NONE : (uint64_t)vec);
		if (offered ? vec == TRAP_NONE : vec == TRAP_GP)
			continue;
		if (wrong < FK_NR_LISTED)
			report(FK_CR4_BAD(wrong), __builtin_ctzll(c->arg) |
			       (uint64_t)offered << 8 | (uint64_t)(uint8_t)vec << 16);
		wrong++;
	}
	report(FK_CR4_TRIED, tried);
	report(FK_CR4_WRONG, wrong);
}

static void set_dr(unsigned int n, uint64_t v)
{
	switch (n) {
	case 0: __asm__ volatile("mov %0, %%dr0" : : "r"(v)); break;
	case 1: __asm__ volatile("mov %0, %%dr1" : : "r"(v)); break;
	case 2: __asm__ volatile("mov %0, %%dr2" : : "r"(v)); break;
	case 3: __asm__ volatile("mov %0, %%dr3" : : "r"(v)); break;
	case 6: __asm__ volatile("mov %0, %%dr6" : : "r"(v)); break;
	default: __asm__ volatile("mov %0, %%dr7" : : "r"(v)); break;
	}
}

static uint64_t get_dr(unsigned int n)
{
	uint64_t v;

	switch (n) {
	case 0: __asm__ volatile("mov %%dr0, %0" : "=r"(v)); break;
	case 1: __asm__ volatile("mov %%dr1, %0" : "=r"(v)); break;
	case 2: __asm__ volatile("mov %%dr2, %0" : "=r"(v)); break;
	case 3: __asm__ volatile("mov %%dr3, %0" : "=r"(v)); break;
	case 6: __asm__ volatile("mov %%dr6, %0" : "=r"(v)); break;
	default: __asm__ volatile("mov %%dr7, %0" : "=r"(v)); break;
	}
	return v;
}

static volatile uint64_t rf_gp, rf_pushed, rf_db, rf_good_cr4;
static volatile uint64_t db_count, db_dr6;

/* #GP of the MOV to CR4: fix RAX (saved just below the frame), arm DR0. */
static void rf_gp_hook(struct trap_frame *f)
{
	if (rf_gp++ == 0)
		rf_pushed = !!(f->rflags & (1ULL << 16));
	((uint64_t *)f)[-1] = rf_good_cr4;
	set_dr(0, f->rip);
	set_dr(7, DR7_RESET | 1);	/* L0, execute, 1 byte */
}

/* #DB: count it, let the instruction run (RF), disarm. */
static void db_hook(struct trap_frame *f)
{
	db_count++;
	db_dr6 = get_dr(6);
	set_dr(6, 0xffff0ff0);
	f->rflags |= 1ULL << 16;
	set_dr(7, DR7_RESET);
}

static void rf(void)
{
	trap_set_hook(TRAP_GP, rf_gp_hook);
	trap_set_hook(TRAP_DB, db_hook);
	rf_good_cr4 = read_cr4();
	__asm__ volatile("mov %0, %%rax\n\tmov %%rax, %%cr4"
			 : : "r"(rf_good_cr4 | (1ULL << 63)) : "rax", "memory");
	set_dr(7, DR7_RESET);
	trap_set_hook(TRAP_GP, 0);
	report(FK_RF_GP, rf_gp);
	report(FK_RF_PUSHED, rf_pushed);
	report(FK_RF_DB, db_count);
}

static void msrs(void)
{
	uint64_t v, t0, t1;
	uint32_t r[4];

	cpu_rdmsr_safe(0x3b, &v);
	report(FK_ADJ_START, v);
	t0 = rdtsc();
	cpu_wrmsr_safe(0x3b, FT_TSC_ADJUST);
	t1 = rdtsc();
	report(FK_ADJ_JUMP, t1 - t0);
	cpu_rdmsr_safe(0x3b, &v);
	report(FK_ADJ_READ, v);
	cpu_wrmsr_safe(0x10, rdtsc() + FT_TSC_STEP);
	cpu_rdmsr_safe(0x3b, &v);
	report(FK_ADJ_AFTER_TSC, v);

	cpu_rdmsr_safe(0x179, &v);
	report(FK_MCG_CAP, v);
	report(FK_MCG_STATUS_W0, cpu_wrmsr_safe(0x17a, 0));
	report(FK_MCG_STATUS_W10, cpu_wrmsr_safe(0x17a, 0x10));
	report(FK_MCG_CAP_W, cpu_wrmsr_safe(0x179, 0));

	cpuid(0, 0, r);
	report(FK_MISC_MAXLEAF0, r[EAX]);
	report(FK_MISC_W, cpu_wrmsr_safe(0x1a0, FT_MISC_LINUX));
	cpu_rdmsr_safe(0x1a0, &v);
	report(FK_MISC_READ, v);
	cpuid(0, 0, r);
	report(FK_MISC_MAXLEAF, r[EAX]);
	cpuid(0x80000001, 0, r);
	report(FK_MISC_NX, !!(r[EDX] & (1U << 20)));
	cpu_wrmsr_safe(0x1a0, 0x1801);
	cpuid(0, 0, r);
	report(FK_MISC_RESTORED, r[EAX]);
	report(FK_MISC_RESERVED, cpu_wrmsr_safe(0x1a0, 0x1803));

	cpuid(1, 0, r);
	report(FK_APIC_CPUID, !!(r[EDX] & (1U << 9)));
	report(FK_APIC_READ, cpu_rdmsr_safe(0x1b, &v));

	report(FK_UCODE_W, cpu_wrmsr_safe(0x8b, 0));
	cpuid(1, 0, r);
	cpu_rdmsr_safe(0x8b, &v);
	report(FK_UCODE, v);
	report(FK_PLATFORM_ID_R, cpu_rdmsr_safe(0x17, &v));
}

static volatile uint64_t watched;

/*
 * Between two syncs (full exits) the MOV DRs come in a row, reports after:
 * a report is an OUT, a full exit that would make the next MOV DR exit.
 */
static void dr(void)
{
	static const uint64_t vals[4] = { 0x1000, 0x2000, 0x3000, 0x4000 };
	uint64_t got[4], again;

	trap_set_hook(TRAP_DB, db_hook);
	for (unsigned int i = 0; i < 4; i++)
		set_dr(i, vals[i]);
	sync_point(FT_SYNC_EXIT);
	for (unsigned int i = 0; i < 4; i++)
		got[i] = get_dr(i);
	sync_point(FT_SYNC_EXIT);
	set_dr(1, 0x5000);
	sync_point(FT_SYNC_EXIT);
	again = get_dr(1);
	/* A write watchpoint on `watched`: L0, R/W0 = 01, LEN0 = 10 (8 bytes). */
	set_dr(0, (uint64_t)&watched);
	set_dr(7, DR7_RESET | 1 | (1ULL << 16) | (2ULL << 18));
	sync_point(FT_SYNC_EXIT);
	db_count = 0;
	watched = 1;
	set_dr(7, DR7_RESET);
	for (unsigned int i = 0; i < 4; i++)
		report(FK_DR(i), got[i]);
	report(FK_DR_AGAIN, again);
	report(FK_DR_WATCH, db_count);
	report(FK_DR_DR6, db_dr6);
}

static void kgs(void)
{
	uint64_t v, gs;

	cpu_rdmsr_safe(0xc0000101, &gs);
	cpu_wrmsr_safe(0xc0000101, FT_GS_GUEST);
	cpu_wrmsr_safe(0xc0000102, FT_KGS_GUEST);
	__asm__ volatile("swapgs" ::: "memory");
	cpu_rdmsr_safe(0xc0000101, &v);
	report(FK_KGS_SWAPPED, v);
	/* KERNEL_GS_BASE now holds FT_GS_GUEST: the host reads it here. */
	sync_point(FT_SYNC_KGS);
	cpu_rdmsr_safe(0xc0000102, &v);
	report(FK_KGS_AFTER_SYNC, v);
	__asm__ volatile("swapgs" ::: "memory");
	cpu_wrmsr_safe(0xc0000101, gs);
}

static void topology(unsigned int vcpu)
{
	uint32_t r[4];

	report(FK_TOPO_VCPU, vcpu);
	cpuid(1, 0, r);
	for (unsigned int reg = 0; reg < 4; reg++)
		report(FK_TOPO_L1(reg), r[reg]);
	for (unsigned int sub = 0; sub < FT_TOPO_L4_SUBS; sub++) {
		cpuid(4, sub, r);
		report(FK_TOPO_L4(sub), r[EAX]);
	}
	for (unsigned int sub = 0; sub < FT_TOPO_LB_SUBS; sub++) {
		cpuid(0xb, sub, r);
		for (unsigned int reg = 0; reg < 4; reg++)
			report(FK_TOPO_LB(sub, reg), r[reg]);
	}
}

int guest_main(unsigned int vcpu, unsigned int nr_vcpus)
{
	uint32_t scenario;

	(void)nr_vcpus;
	trap_init();
	__asm__ volatile("inl %1, %0" : "=a"(scenario) : "Nd"((uint16_t)EV_PORT_SCENARIO));
	switch (scenario) {
	case FT_WALK: walk(); break;
	case FT_CR4: cr4_bits(); break;
	case FT_RF: rf(); break;
	case FT_MSRS: msrs(); break;
	case FT_DR: dr(); break;
	case FT_KGS: kgs(); break;
	case FT_TOPOLOGY: topology(vcpu); break;
	default: break;
	}
	return 0;
}
