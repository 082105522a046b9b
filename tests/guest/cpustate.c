// SPDX-License-Identifier: GPL-2.0
/*
 * cpustate: a long-mode guest that exercises the CPU state pvx keeps for
 * it: SSE/AVX registers across exits, XSETBV, MSRs, SYSCALL through its
 * own LSTAR, SWAPGS, HLT, VMCALL, VMX instructions, a triple fault. It
 * asks the host which scenario to run (cpustate.h) and reports what it
 * sees; its host test is tests/selftests/guest_state_test.c. Exceptions
 * it provokes are caught by the runtime's IDT (rt/trap.h).
 */
#include <stdbool.h>

#include "guest.h"
#include "cpu.h"
#include "trap.h"
#include "cpustate.h"

#define CPUID1_ECX_XSAVE	(1U << 26)
#define CPUID1_ECX_OSXSAVE	(1U << 27)
#define CPUID1_ECX_AVX		(1U << 28)
#define CR4_OSXSAVE		(1ULL << 18)
#define XCR0_X87		(1ULL << 0)
#define XCR0_SSE		(1ULL << 1)
#define XCR0_YMM		(1ULL << 2)
#define MSR_TSC			0x10
#define MSR_MTRRCAP		0xfe
#define MSR_EFER		0xc0000080
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_FMASK		0xc0000084
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102
#define EFER_SCE		(1ULL << 0)
#define EFER_LME		(1ULL << 8)
#define CR0_TS			(1ULL << 3)
#define CR0_WP			(1ULL << 16)
#define CR0_NW			(1ULL << 29)
#define CR0_CD			(1ULL << 30)
#define CR0_PG			(1ULL << 31)
#define CR4_PAE			(1ULL << 5)
#define CR4_VMXE		(1ULL << 13)

static uint64_t read_cr0(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static uint64_t read_cr8(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr8, %0" : "=r"(v));
	return v;
}

/* The vector caught since trap_clear(), as reported: CK_NO_FAULT if none. */
static uint64_t fault(void)
{
	int v = trap_vector();

	return v == TRAP_NONE ? CK_NO_FAULT : (uint64_t)v;
}

static uint64_t rdmsr_safe(uint32_t msr, uint64_t *val)
{
	cpu_rdmsr_safe(msr, val);
	return fault();
}

static uint64_t wrmsr_safe(uint32_t msr, uint64_t val)
{
	cpu_wrmsr_safe(msr, val);
	return fault();
}

/* MOV to CR\cr under TRAP_CATCH: the vector it raised, or CK_NO_FAULT. */
#define MOV_CR_SAFE(cr, val)						\
	({								\
		trap_clear();						\
		__asm__ volatile(TRAP_CATCH("mov %0, %%cr" #cr)	\
				 : : "r"((uint64_t)(val)) : "r11", "memory"); \
		fault();						\
	})

static uint64_t xsetbv_safe(uint32_t xcr, uint64_t val)
{
	cpu_xsetbv_safe(xcr, val);
	return fault();
}

static uint64_t xgetbv(uint32_t xcr)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(xcr));
	return (uint64_t)hi << 32 | lo;
}

/*
 * SSE/AVX registers, loaded and stored by assembly: the C code is built
 * with -mgeneral-regs-only, so nothing between a load and a store touches
 * them but pvx.
 */
#define NR_VEC	16

void vec_load_xmm(const void *src);	/* XMMi = 16 bytes at src + 32 * i */
void vec_store_xmm(void *dst);
void vec_load_ymm(const void *src);	/* YMMi = 32 bytes at src + 32 * i */
void vec_store_ymm(void *dst);

__asm__(".text\n"
	".globl vec_load_xmm, vec_store_xmm, vec_load_ymm, vec_store_ymm\n"
	"vec_load_xmm:\n"
	".irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"	movdqu \\i*32(%rdi), %xmm\\i\n"
	".endr\n"
	"	ret\n"
	"vec_store_xmm:\n"
	".irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"	movdqu %xmm\\i, \\i*32(%rdi)\n"
	".endr\n"
	"	ret\n"
	"vec_load_ymm:\n"
	".irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"	vmovdqu \\i*32(%rdi), %ymm\\i\n"
	".endr\n"
	"	ret\n"
	"vec_store_ymm:\n"
	".irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"	vmovdqu %ymm\\i, \\i*32(%rdi)\n"
	".endr\n"
	"	ret\n");

static uint8_t vec_want[NR_VEC][32] __attribute__((aligned(32)));
static uint8_t vec_got[NR_VEC][32] __attribute__((aligned(32)));

/* XSAVE and AVX as CPUID offers them, with XCR0 set up for them. */
static uint64_t fpu_enable(void)
{
	uint64_t feat = 0;
	uint32_t r[4];

	cpuid(1, 0, r);
	if (r[2] & CPUID1_ECX_XSAVE)
		feat |= CK_FEAT_XSAVE;
	if (r[2] & CPUID1_ECX_AVX)
		feat |= CK_FEAT_AVX;
	if (!(feat & CK_FEAT_XSAVE))
		return feat;
	write_cr4(read_cr4() | CR4_OSXSAVE);
	/* CPUID.1:ECX.OSXSAVE reflects CR4.OSXSAVE (SDM vol. 2A, CPUID). */
	cpuid(1, 0, r);
	if (r[2] & CPUID1_ECX_OSXSAVE)
		feat |= CK_FEAT_OSXSAVE;
	if (xsetbv_safe(0, XCR0_X87 | XCR0_SSE |
			(feat & CK_FEAT_AVX ? XCR0_YMM : 0)) == CK_NO_FAULT) {
		feat |= CK_FEAT_XSETBV_OK;
		report(CK_XCR0, xgetbv(0));
	}
	return feat;
}

/*
 * Known values in XMM0-15 (and the upper halves of YMM0-15 with AVX),
 * then exits to userspace and to the kernel, then compare.
 */
static void scenario_fpu(void)
{
	uint64_t feat = fpu_enable(), xmm_bad = 0, ymm_bad = 0;
	bool avx = (feat & CK_FEAT_AVX) && (feat & CK_FEAT_XSETBV_OK);
	uint32_t r[4];

	report(CK_FEATURES, feat);
	report(CK_CR4, read_cr4());
	for (int i = 0; i < NR_VEC; i++)
		for (int j = 0; j < 32; j++)
			vec_want[i][j] = 0x5a + i * 37 + j * 11;
	if (avx)
		vec_load_ymm(vec_want);
	else
		vec_load_xmm(vec_want);
	for (int i = 0; i < CPUSTATE_FPU_TICKS; i++) {
		outb(CPUSTATE_PORT_TICK, i);
		if (i % 16 == 0)
			cpuid(0, 0, r);		/* an exit pvx handles itself */
	}
	if (avx)
		vec_store_ymm(vec_got);
	else
		vec_store_xmm(vec_got);
	for (int i = 0; i < NR_VEC; i++) {
		if (memcmp(vec_got[i], vec_want[i], 16))
			xmm_bad |= 1ULL << i;
		if (avx && memcmp(vec_got[i] + 16, vec_want[i] + 16, 16))
			ymm_bad |= 1ULL << i;
	}
	report(CK_TICKS, CPUSTATE_FPU_TICKS);
	report(CK_XMM_BAD, xmm_bad);
	if (avx)
		report(CK_YMM_BAD, ymm_bad);
}

/* XSETBV's rules (SDM vol. 2B, XSETBV): each bad one must #GP. */
static void scenario_xsetbv(void)
{
	uint32_t r[4];

	cpuid(1, 0, r);
	if (!(r[2] & CPUID1_ECX_XSAVE)) {
		report(CK_XSETBV_SKIPPED, 1);
		return;
	}
	write_cr4(read_cr4() | CR4_OSXSAVE);
	report(CK_XSETBV_NO_X87, xsetbv_safe(0, XCR0_SSE));
	report(CK_XSETBV_AVX_NO_SSE, xsetbv_safe(0, XCR0_X87 | XCR0_YMM));
	report(CK_XSETBV_XCR1, xsetbv_safe(1, XCR0_X87 | XCR0_SSE));
	report(CK_XSETBV_UNKNOWN_BIT,
	       xsetbv_safe(0, XCR0_X87 | XCR0_SSE | (1ULL << 62)));
	report(CK_XSETBV_VALID, xsetbv_safe(0, XCR0_X87 | XCR0_SSE));
	report(CK_XGETBV_AFTER, xgetbv(0));
}

#define MSR_INDEX(index, name, host, guest) index,
#define MSR_GUEST(index, name, host, guest) guest,
#define BAD_INDEX(index, value, what) index,
#define BAD_VALUE(index, value, what) value,

static const uint32_t msr_index[] = { CPUSTATE_MSRS(MSR_INDEX) };
static const uint64_t msr_guest[] = { CPUSTATE_MSRS(MSR_GUEST) };
static const uint32_t bad_index[] = { CPUSTATE_BAD_WRITES(BAD_INDEX) };
static const uint64_t bad_value[] = { CPUSTATE_BAD_WRITES(BAD_VALUE) };

#define NR_MSRS		(sizeof(msr_index) / sizeof(msr_index[0]))
#define NR_BAD		(sizeof(bad_index) / sizeof(bad_index[0]))

static void scenario_msr(void)
{
	uint64_t v, t1, t2, f;

	t1 = rdtsc();
	rdmsr_safe(MSR_TSC, &t2);
	report(CK_TSC_RDTSC, t1);
	report(CK_TSC_RDMSR, t2);
	report(CK_RDMSR_UNKNOWN, rdmsr_safe(CPUSTATE_UNKNOWN_MSR, &v));
	report(CK_WRMSR_UNKNOWN, wrmsr_safe(CPUSTATE_UNKNOWN_MSR, 0));
	/* What the host set with PVX_SET_MSRS. */
	for (unsigned int i = 0; i < NR_MSRS; i++) {
		f = rdmsr_safe(msr_index[i], &v);
		report(CK_MSR_READ(i), v);
		report(CK_MSR_READ_FAULT(i), f);
	}
	/* The guest's own values, read back. */
	for (unsigned int i = 0; i < NR_MSRS; i++) {
		report(CK_MSR_WRITE_FAULT(i), wrmsr_safe(msr_index[i], msr_guest[i]));
		rdmsr_safe(msr_index[i], &v);
		report(CK_MSR_REREAD(i), v);
	}
	f = rdmsr_safe(MSR_MTRRCAP, &v);
	report(CK_MTRRCAP, v);
	report(CK_MTRRCAP_FAULT, f);
	for (unsigned int i = 0; i < NR_BAD; i++)
		report(CK_MSR_BAD_WRITE(i), wrmsr_safe(bad_index[i], bad_value[i]));
	wrmsr_safe(MSR_TSC, CPUSTATE_TSC_SET);
	report(CK_TSC_WRITTEN, rdtsc());
}

/* Where SYSCALL lands (LSTAR), and what it saw there. */
void syscall_entry(void);
uint64_t syscall_count, syscall_rcx, syscall_rflags, syscall_cs, syscall_ss;

/* At CPL 0 SYSCALL keeps the stack; return with JMP, not SYSRET (CPL 3). */
__asm__(".text\n"
	".globl syscall_entry\n"
	"syscall_entry:\n"
	"	incq syscall_count(%rip)\n"
	"	mov %rcx, syscall_rcx(%rip)\n"
	"	pushfq\n"
	"	popq syscall_rflags(%rip)\n"
	"	mov %cs, syscall_cs(%rip)\n"
	"	mov %ss, syscall_ss(%rip)\n"
	"	push %r11\n"
	"	popfq\n"
	"	jmp *%rcx\n");

static void scenario_syscall(void)
{
	uint64_t efer, next, rflags, gs, kgs;

	wrmsr_safe(MSR_STAR, CPUSTATE_STAR);
	wrmsr_safe(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr_safe(MSR_FMASK, CPUSTATE_FMASK);
	rdmsr_safe(MSR_EFER, &efer);
	wrmsr_safe(MSR_EFER, efer | EFER_SCE);
	report(CK_SYSCALL_LSTAR, (uint64_t)syscall_entry);
	/* DF set: FMASK must clear it in the handler, R11 keep it. */
	__asm__ volatile("std\n\t"
			 "lea 1f(%%rip), %0\n\t"
			 "syscall\n"
			 "1:\n\t"
			 "pushfq\n\t"
			 "pop %1\n\t"
			 "cld\n\t"
			 : "=&r"(next), "=r"(rflags) : : "rcx", "r11", "memory");
	report(CK_SYSCALL_COUNT, syscall_count);
	report(CK_SYSCALL_RCX, syscall_rcx);
	report(CK_SYSCALL_NEXT, next);
	report(CK_SYSCALL_CS, syscall_cs);
	report(CK_SYSCALL_SS, syscall_ss);
	report(CK_SYSCALL_RFLAGS, syscall_rflags);
	report(CK_SYSCALL_R11, rflags);

	/* SWAPGS exchanges GS base and KERNEL_GS_BASE; exits keep both. */
	wrmsr_safe(MSR_GS_BASE, CPUSTATE_GS_A);
	wrmsr_safe(MSR_KERNEL_GS_BASE, CPUSTATE_GS_B);
	__asm__ volatile("swapgs" : : : "memory");
	outb(CPUSTATE_PORT_TICK, 0);
	rdmsr_safe(MSR_GS_BASE, &gs);
	rdmsr_safe(MSR_KERNEL_GS_BASE, &kgs);
	report(CK_SWAPGS_GS, gs);
	report(CK_SWAPGS_KGS, kgs);
}

static uint64_t vmx_region[512] __attribute__((aligned(4096)));

/* One VMX instruction under TRAP_CATCH: the vector it raised. */
#define VMX_TRY(insn)							\
	({								\
		uint64_t field = 0, value = 0;				\
		trap_clear();						\
		__asm__ volatile(TRAP_CATCH(insn)			\
				 : "+a"(field), "+b"(value)		\
				 : "S"(vmx_region) : "r11", "memory");	\
		fault();						\
	})

static void scenario_insns(void)
{
	uint64_t next, rax = CPUSTATE_VMCALL_NR;
	uint64_t vec[CPUSTATE_NR_VMX_INSNS];
	int i = 0;

	/* HLT exits to the host with RIP after it; PVX_RUN resumes there. */
	__asm__ volatile("lea 1f(%%rip), %0\n\t"
			 "hlt\n"
			 "1:" : "=r"(next) : : "memory");
	report(CK_HLT_NEXT, next);
	report(CK_AFTER_HLT, 1);

	__asm__ volatile("vmcall" : "+a"(rax) : : "memory");
	report(CK_VMCALL_RAX, rax);

	/* No nested VMX: every VMX instruction is #UD (SDM 25.1.3). */
	vec[i++] = VMX_TRY("vmxon (%%rsi)");
	vec[i++] = VMX_TRY("vmxoff");
	vec[i++] = VMX_TRY("vmclear (%%rsi)");
	vec[i++] = VMX_TRY("vmptrld (%%rsi)");
	vec[i++] = VMX_TRY("vmptrst (%%rsi)");
	vec[i++] = VMX_TRY("vmread %%rax, %%rbx");
	vec[i++] = VMX_TRY("vmwrite %%rbx, %%rax");
	vec[i++] = VMX_TRY("vmlaunch");
	vec[i++] = VMX_TRY("vmresume");
	vec[i++] = VMX_TRY("invept (%%rsi), %%rax");
	vec[i++] = VMX_TRY("invvpid (%%rsi), %%rax");
	for (i = 0; i < CPUSTATE_NR_VMX_INSNS; i++)
		report(CK_VMX_INSN(i), vec[i]);
}

/* An IDT too short for any vector: INT3 -> #GP -> #DF -> shutdown. */
static void scenario_triple(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { 0, 0 };

	report(CK_TRIPLE_ARMED, 1);
	__asm__ volatile("lidt %0\n\tint3" : : "m"(idtr) : "memory");
	report(CK_TRIPLE_ARMED, 2);
}

static void scenario_alive(void)
{
	report(CK_ALIVE, 1);
	__asm__ volatile("hlt" : : : "memory");
	report(CK_ALIVE, 2);
}

/*
 * Control-register writes the SDM makes #GP (MOV—Move to/from Control
 * Registers; WRMSR of IA32_EFER) must leave CR0, CR4 and EFER alone; the
 * bits the guest owns change without pvx, and pvx still sees them.
 */
static void scenario_cr(void)
{
	uint64_t cr0 = read_cr0(), cr4 = read_cr4(), efer, v;
	uint64_t vec[8];
	int i = 0;

	rdmsr_safe(MSR_EFER, &efer);
	report(CK_CR0_BEFORE, cr0);
	report(CK_CR4_BEFORE, cr4);
	report(CK_EFER_BEFORE, efer);
	vec[i++] = MOV_CR_SAFE(0, cr0 & ~CR0_PG);
	vec[i++] = MOV_CR_SAFE(0, (cr0 & ~CR0_CD) | CR0_NW);
	vec[i++] = MOV_CR_SAFE(0, cr0 | (1ULL << 32));
	vec[i++] = MOV_CR_SAFE(4, cr4 & ~CR4_PAE);
	vec[i++] = MOV_CR_SAFE(4, cr4 | CR4_VMXE);
	vec[i++] = MOV_CR_SAFE(4, cr4 | (1ULL << 63));
	vec[i++] = MOV_CR_SAFE(8, 16);
	vec[i++] = wrmsr_safe(MSR_EFER, efer & ~EFER_LME);
	for (i = 0; i < 8; i++)
		report(CK_CR_BAD(i), vec[i]);
	report(CK_CR0_AFTER, read_cr0());
	report(CK_CR4_AFTER, read_cr4());
	rdmsr_safe(MSR_EFER, &v);
	report(CK_EFER_AFTER, v);

	/* Guest-owned bits: WP, TS (MOV, CLTS). */
	MOV_CR_SAFE(0, cr0 & ~CR0_WP);
	report(CK_CR0_WP_CLEAR, read_cr0());
	MOV_CR_SAFE(0, cr0 | CR0_TS);
	report(CK_CR0_TS_SET, read_cr0());
	__asm__ volatile("clts" : : : "memory");
	report(CK_CR0_TS_CLEAR, read_cr0());
	MOV_CR_SAFE(0, cr0);
	MOV_CR_SAFE(8, 5);
	report(CK_CR8, read_cr8());
	MOV_CR_SAFE(8, 0);
}

int guest_main(unsigned int vcpu, unsigned int nr_vcpus)
{
	uint32_t scenario = inl(CPUSTATE_PORT_SCENARIO);

	(void)vcpu;
	(void)nr_vcpus;
	trap_init();
	switch (scenario) {
	case CPUSTATE_FPU:
		scenario_fpu();
		break;
	case CPUSTATE_XSETBV:
		scenario_xsetbv();
		break;
	case CPUSTATE_MSR:
		scenario_msr();
		break;
	case CPUSTATE_SYSCALL:
		scenario_syscall();
		break;
	case CPUSTATE_INSNS:
		scenario_insns();
		break;
	case CPUSTATE_TRIPLE:
		scenario_triple();
		break;
	case CPUSTATE_ALIVE:
		scenario_alive();
		break;
	case CPUSTATE_CR:
		scenario_cr();
		break;
	default:
		print("cpustate: no scenario ");
		print_u64(scenario);
		print_char('\n');
		return 2;
	}
	print("cpustate: scenario ");
	print_u64(scenario);
	print(" done\n");
	return 0;
}
