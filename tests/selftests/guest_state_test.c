// SPDX-License-Identifier: GPL-2.0
/*
 * guest_state_test [--guests DIR] [--no-load]: the CPU state pvx keeps
 * for a guest, and the host state it must give back.
 *
 * The guest is cpustate (tests/guest/cpustate.c, shared definitions in
 * cpustate.h), a long-mode C guest with an IDT that catches the
 * exceptions it provokes; each case runs one of its scenarios in a fresh
 * VM:
 *  - SSE/AVX registers of the guest survive hundreds of exits, and the
 *    host thread's own XMM/YMM values (loaded around the very syscall
 *    instruction of PVX_RUN) survive each PVX_RUN; AVX is used where
 *    CPUID and the host's XCR0 offer it, and the guest's CPUID must offer
 *    XSAVE and AVX exactly when the host enabled them;
 *  - XSETBV's checks (#GP), unknown MSRs (#GP), the MSRs pvx emulates
 *    (values in through PVX_SET_MSRS and out through RDMSR, in through
 *    WRMSR and out through RDMSR and PVX_GET_MSRS), bad MSR values (#GP),
 *    the TSC (starts at 0 with the VM, moves forward, WRMSR sets it);
 *  - MOV to CR0/CR4/CR8 and WRMSR(EFER) that the SDM makes #GP, and the
 *    CR0 bits the guest owns, as the guest and PVX_GET_SREGS read them;
 *  - SYSCALL through the guest's STAR/LSTAR/FMASK and SWAPGS through its
 *    KERNEL_GS_BASE, while the host's own syscalls keep working, and a
 *    vCPU run by a thread other than its creator leaves that thread's TLS
 *    (FS base) alone;
 *  - HLT, VMCALL (no hypercalls yet: -ENOSYS), VMX instructions (#UD), a
 *    triple fault (PVX_EXIT_SHUTDOWN), invalid guest state accepted by
 *    PVX_SET_SREGS (PVX_EXIT_FAIL_ENTRY, SDM exit reason 33) and fixed.
 */
#include <asm/prctl.h>
#include <cpuid.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <x86intrin.h>

#include "guest_vm.h"
#include "pvxtest.h"
#include "tap.h"
#include "../guest/cpustate.h"

#define RAM_BYTES	(4ULL << 20)
#define MAP_BYTES	(1ULL << 30)

#define X86_GP		13
#define X86_UD		6
#define CR4_OSXSAVE	(1ULL << 18)
#define XCR0_X87	(1ULL << 0)
#define XCR0_SSE	(1ULL << 1)
#define XCR0_YMM	(1ULL << 2)
#define RFLAGS_DF	(1ULL << 10)
#define CR0_TS		(1ULL << 3)
#define CR0_WP		(1ULL << 16)
#define MSR_TSC		0x10
#define MSR_MTRRCAP	0xfe
#define MSR_PAT		0x277
#define MSR_EFER	0xc0000080
#define MSR_STAR	0xc0000081
#define MSR_LSTAR	0xc0000082
#define MSR_FMASK	0xc0000084
#define MSR_KERNEL_GS_BASE 0xc0000102
/* SDM appendix C: VM-entry failure due to invalid guest state. */
#define FAIL_INVALID_GUEST_STATE	(33ULL | (1ULL << 31))
#define SEG_TSS_AVAILABLE	0x9	/* 64-bit TSS, not busy */
#define SEG_TSS_BUSY		0xb
#define SEG_DATA_RO_ACCESSED	0x1	/* not a code type: bad for CS */

static char image[512];
static int sys_fd;

/* What the host knows about itself (CPUID, XCR0). */
static bool host_osxsave, host_avx;
static uint64_t host_xcr0;

/* XCR0; only with CPUID.1:ECX.OSXSAVE (else XGETBV is #UD). */
static uint64_t host_xgetbv0(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

/* One scenario's run. */
struct state_run {
	uint32_t scenario;
	uint64_t ticks;			/* OUTs to CPUSTATE_PORT_TICK */
	bool have_sregs;		/* sregs taken at the CK_CR4 report */
	struct pvx_sregs sregs;
};

static struct gvm gvm;
static struct state_run st;

static int state_io(struct gvm *g, uint16_t port, uint8_t size,
		    uint8_t direction, void *data, uint32_t count)
{
	struct state_run *s = g->opaque;

	if (port == CPUSTATE_PORT_SCENARIO && direction == PVX_EXIT_IO_IN &&
	    size == 4 && count == 1) {
		memcpy(data, &s->scenario, 4);
		return PVX_RUN_CONTINUE;
	}
	if (port == CPUSTATE_PORT_TICK && direction == PVX_EXIT_IO_OUT) {
		s->ticks += count;
		return PVX_RUN_CONTINUE;
	}
	return -1;
}

static void state_report(struct gvm *g, uint32_t key, uint64_t value)
{
	struct state_run *s = g->opaque;

	(void)value;
	/* The host's view where the guest has just read CR0/CR4 itself. */
	if (key == CK_CR4 || key == CK_CR0_WP_CLEAR)
		s->have_sregs = !pvx_vcpu_get_sregs(g->vcpu, &s->sregs);
}

/* A fresh VM running cpustate's @scenario, not started yet. */
static bool start(uint32_t scenario)
{
	uint64_t entry;
	int r;

	if (gvm.vm)
		gvm_destroy(&gvm);
	memset(&st, 0, sizeof(st));
	st.scenario = scenario;
	r = gvm_create(&gvm, sys_fd, RAM_BYTES);
	if (r) {
		tap_diag("creating a VM: %s", strerror(-r));
		return false;
	}
	gvm.opaque = &st;
	gvm.io_hook = state_io;
	gvm.report_hook = state_report;
	r = gvm_load(&gvm, image, PVX_IMAGE_GPA, &entry);
	if (!r)
		r = gvm_setup(&gvm, PVX_MODE_LONG, entry, MAP_BYTES);
	if (r) {
		tap_diag("loading %s: %s", image, strerror(-r));
		gvm_destroy(&gvm);
		return false;
	}
	return true;
}

/* Run to the end: the guest must write 0 to the exit port. */
static bool run_to_exit(void)
{
	int r = gvm_run(&gvm);

	if (r == PVX_EXIT_IO && gvm_exited_ok(&gvm))
		return true;
	gvm_diag(&gvm, r);
	return false;
}

/* The value reported under @key, or a value no key has (and a diag). */
static uint64_t value(uint32_t key)
{
	uint64_t v;

	if (gvm_value(&gvm, key, &v))
		return v;
	tap_diag("no report %#x", key);
	return 0xdeadbeefdeadbeefULL;
}

static int get_msr(uint32_t index, uint64_t *data)
{
	*data = 0;
	return pvx_vcpu_msr(gvm.vcpu, false, index, data);
}

/*
 * The host side of the SSE/AVX case: host_want goes into XMM0-15 (or
 * YMM0-15) right before the syscall instruction of PVX_RUN and is read
 * back right after it, in one asm statement, so nothing but the kernel
 * runs in between. Returns what the syscall returned (-errno).
 */
static uint8_t host_want[16][32] __attribute__((aligned(32)));
static uint8_t host_got[16][32] __attribute__((aligned(32)));

#define XMM_CLOBBERS "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", \
	"xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",	\
	"xmm14", "xmm15"

static long run_holding_xmm(int fd)
{
	long ret;

	__asm__ volatile(
		".irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"
		"movdqu \\i*32(%[want]), %%xmm\\i\n\t"
		".endr\n\t"
		"syscall\n\t"
		".irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"
		"movdqu %%xmm\\i, \\i*32(%[got])\n\t"
		".endr\n\t"
		: "=a"(ret)
		: "a"((long)SYS_ioctl), "D"((long)fd), "S"((long)PVX_RUN),
		  "d"(0L), [want] "r"(host_want), [got] "r"(host_got)
		: "rcx", "r11", "memory", XMM_CLOBBERS);
	return ret;
}

static long run_holding_ymm(int fd)
{
	long ret;

	__asm__ volatile(
		".irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"
		"vmovdqu \\i*32(%[want]), %%ymm\\i\n\t"
		".endr\n\t"
		"syscall\n\t"
		".irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n\t"
		"vmovdqu %%ymm\\i, \\i*32(%[got])\n\t"
		".endr\n\t"
		"vzeroupper\n\t"
		: "=a"(ret)
		: "a"((long)SYS_ioctl), "D"((long)fd), "S"((long)PVX_RUN),
		  "d"(0L), [want] "r"(host_want), [got] "r"(host_got)
		: "rcx", "r11", "memory", XMM_CLOBBERS);
	return ret;
}

struct host_vec {
	unsigned int runs;
	unsigned int xmm_bad_runs, ymm_bad_runs;	/* runs that changed them */
	unsigned int first_bad_reg;
};

/* Did the run change register @i's bytes [@from, @to)? Count it. */
static bool host_changed(int i, size_t from, size_t to)
{
	return memcmp(host_got[i] + from, host_want[i] + from, to - from);
}

/* The run loop of the SSE/AVX case, checking the host's registers. */
static int run_holding_vectors(bool ymm, struct host_vec *hv)
{
	for (int i = 0; i < 16; i++)
		for (int j = 0; j < 32; j++)
			host_want[i][j] = 0xc3 ^ (i * 16 + j) * 7;
	for (;;) {
		long r;
		int h;

		memset(host_got, 0, sizeof(host_got));
		r = ymm ? run_holding_ymm(gvm.vcpu->fd) :
			  run_holding_xmm(gvm.vcpu->fd);
		hv->runs++;
		for (int i = 0; i < 16; i++) {
			if (host_changed(i, 0, 16)) {
				if (!hv->xmm_bad_runs++)
					hv->first_bad_reg = i;
				break;
			}
		}
		for (int i = 0; ymm && i < 16; i++) {
			if (host_changed(i, 16, 32)) {
				hv->ymm_bad_runs++;
				break;
			}
		}
		if (r == -EINTR)
			continue;
		if (r < 0)
			return r;
		h = gvm_handle_exit(&gvm);
		if (h < 0)
			return h;
		if (h == PVX_RUN_STOP)
			return gvm.vcpu->run->exit_reason;
	}
}

/* Results of the SSE/AVX scenario, one run for six cases. */
static struct {
	bool ran, exited;
	uint64_t feat, xmm_bad, ymm_bad, cr4, xcr0, host_xcr0_after;
	bool have_ymm;
	struct host_vec hv;
} fpu;

static void run_fpu_scenario(void)
{
	int r;

	if (!start(CPUSTATE_FPU))
		return;
	r = run_holding_vectors(host_avx, &fpu.hv);
	fpu.ran = true;
	fpu.exited = r == PVX_EXIT_IO && gvm_exited_ok(&gvm);
	if (!fpu.exited)
		gvm_diag(&gvm, r);
	fpu.feat = value(CK_FEATURES);
	fpu.cr4 = value(CK_CR4);
	fpu.xmm_bad = value(CK_XMM_BAD);
	fpu.have_ymm = gvm_value(&gvm, CK_YMM_BAD, &fpu.ymm_bad);
	if (!gvm_value(&gvm, CK_XCR0, &fpu.xcr0))
		fpu.xcr0 = 0;
	fpu.host_xcr0_after = host_osxsave ? host_xgetbv0() : 0;
}

static bool fpu_cpuid(void)
{
	bool ok = true;

	EXPECT(fpu.ran && fpu.exited);
	/* XSAVE needs the host's OSXSAVE (pvx runs XSETBV for the guest). */
	EXPECT(!!(fpu.feat & CK_FEAT_XSAVE) == host_osxsave);
	EXPECT(!!(fpu.feat & CK_FEAT_AVX) == host_avx);
	if (!ok)
		tap_diag("guest features %#llx; host OSXSAVE %d AVX %d XCR0 %#llx",
			 (unsigned long long)fpu.feat, host_osxsave, host_avx,
			 (unsigned long long)host_xcr0);
	return ok;
}

static bool fpu_osxsave(void)
{
	bool ok = true;

	EXPECT(fpu.feat & CK_FEAT_OSXSAVE);
	EXPECT(fpu.cr4 & CR4_OSXSAVE);
	EXPECT(st.have_sregs && st.sregs.cr4 == fpu.cr4);
	EXPECT(fpu.feat & CK_FEAT_XSETBV_OK);
	EXPECT(fpu.xcr0 == (XCR0_X87 | XCR0_SSE |
			    (fpu.feat & CK_FEAT_AVX ? XCR0_YMM : 0)));
	if (!ok)
		tap_diag("guest features %#llx CR4 %#llx XCR0 %#llx; PVX_GET_SREGS CR4 %#llx",
			 (unsigned long long)fpu.feat,
			 (unsigned long long)fpu.cr4,
			 (unsigned long long)fpu.xcr0,
			 (unsigned long long)st.sregs.cr4);
	return ok;
}

static bool fpu_guest_xmm(void)
{
	bool ok = true;

	EXPECT(fpu.ran && fpu.exited);
	EXPECT(st.ticks >= CPUSTATE_FPU_TICKS);
	EXPECT(fpu.xmm_bad == 0);
	if (!ok)
		tap_diag("%llu exits to userspace; XMM registers changed: %#llx",
			 (unsigned long long)st.ticks,
			 (unsigned long long)fpu.xmm_bad);
	return ok;
}

static bool fpu_guest_ymm(void)
{
	bool ok = true;

	EXPECT(fpu.have_ymm && fpu.ymm_bad == 0);
	if (!ok)
		tap_diag("YMM upper halves changed: %#llx",
			 (unsigned long long)fpu.ymm_bad);
	return ok;
}

static bool fpu_host_xmm(void)
{
	bool ok = true;

	EXPECT(fpu.ran && fpu.hv.runs >= CPUSTATE_FPU_TICKS);
	EXPECT(fpu.hv.xmm_bad_runs == 0);
	EXPECT(fpu.host_xcr0_after == host_xcr0);
	if (!ok)
		tap_diag("%u of %u PVX_RUNs changed the host's XMM registers (first: XMM%u); XCR0 %#llx then %#llx",
			 fpu.hv.xmm_bad_runs, fpu.hv.runs, fpu.hv.first_bad_reg,
			 (unsigned long long)host_xcr0,
			 (unsigned long long)fpu.host_xcr0_after);
	return ok;
}

static bool fpu_host_ymm(void)
{
	bool ok = true;

	EXPECT(fpu.ran && fpu.hv.runs >= CPUSTATE_FPU_TICKS);
	EXPECT(fpu.hv.ymm_bad_runs == 0);
	if (!ok)
		tap_diag("%u of %u PVX_RUNs changed the host's YMM upper halves",
			 fpu.hv.ymm_bad_runs, fpu.hv.runs);
	return ok;
}

static uint64_t xsetbv_vec[5];
static bool xsetbv_ran, xsetbv_skipped;
static uint64_t xgetbv_after;
static struct host_vec xsetbv_hv;

/* With the host's registers held: the guest's XCR0 ends up x87|SSE. */
static void run_xsetbv_scenario(void)
{
	uint64_t v;
	int r;

	if (!start(CPUSTATE_XSETBV))
		return;
	r = run_holding_vectors(host_avx, &xsetbv_hv);
	xsetbv_ran = r == PVX_EXIT_IO && gvm_exited_ok(&gvm);
	if (!xsetbv_ran)
		gvm_diag(&gvm, r);
	xsetbv_skipped = gvm_value(&gvm, CK_XSETBV_SKIPPED, &v);
	for (int i = 0; i < 5 && !xsetbv_skipped; i++)
		xsetbv_vec[i] = value(CK_XSETBV_NO_X87 + i);
	if (!xsetbv_skipped)
		xgetbv_after = value(CK_XGETBV_AFTER);
}

static bool xsetbv_bad(void)
{
	static const char *const what[] = {
		"XCR0 without x87", "AVX without SSE", "ECX = 1",
		"a reserved XCR0 bit",
	};
	bool ok = xsetbv_ran;

	for (int i = 0; i < 4; i++) {
		if (xsetbv_vec[i] != X86_GP) {
			tap_diag("XSETBV with %s: vector %#llx, not #GP", what[i],
				 (unsigned long long)xsetbv_vec[i]);
			ok = false;
		}
	}
	return ok;
}

static bool xsetbv_good(void)
{
	bool ok = xsetbv_ran;

	EXPECT(xsetbv_vec[4] == CK_NO_FAULT);
	EXPECT(xgetbv_after == (XCR0_X87 | XCR0_SSE));
	/* The host's XMM/YMM values do not care what XCR0 the guest chose. */
	EXPECT(xsetbv_hv.xmm_bad_runs == 0 && xsetbv_hv.ymm_bad_runs == 0);
	EXPECT(!host_osxsave || host_xgetbv0() == host_xcr0);
	return ok;
}

#define MSR_DEF(index, name, host, guest) { index, name, host, guest },
#define BAD_DEF(index, value, what) { index, value, what },

static const struct {
	uint32_t index;
	const char *name;
	uint64_t host, guest;
} msrs[] = { CPUSTATE_MSRS(MSR_DEF) };

static const struct {
	uint32_t index;
	uint64_t value;
	const char *what;
} bad_writes[] = { CPUSTATE_BAD_WRITES(BAD_DEF) };

#define NR_MSRS		(int)(sizeof(msrs) / sizeof(msrs[0]))
#define NR_BAD		(int)(sizeof(bad_writes) / sizeof(bad_writes[0]))

static struct {
	bool ran, set_ok;
	int set_count;
	uint64_t tsc_before;	/* host TSC before the VM was made */
	uint64_t tsc_after;	/* host TSC after the run */
	uint64_t after[NR_MSRS];	/* PVX_GET_MSRS after the run */
	int get_count;
	uint64_t mtrrcap, tsc;
	int mtrrcap_get, tsc_get, set_mtrrcap, get_unknown, set_unknown;
} msr;

static void run_msr_scenario(void)
{
	struct pvx_msr_entry e[NR_MSRS + 1];
	struct pvx_msrs m = { .nmsrs = NR_MSRS, .entries = (uintptr_t)e };

	msr.tsc_before = __rdtsc();
	if (!start(CPUSTATE_MSR))
		return;
	for (int i = 0; i < NR_MSRS; i++)
		e[i] = (struct pvx_msr_entry){ .index = msrs[i].index,
					       .data = msrs[i].host };
	msr.set_count = ioctl(gvm.vcpu->fd, PVX_SET_MSRS, &m);
	msr.ran = run_to_exit();
	msr.tsc_after = __rdtsc();
	memset(e, 0, sizeof(e));
	for (int i = 0; i < NR_MSRS; i++)
		e[i].index = msrs[i].index;
	msr.get_count = ioctl(gvm.vcpu->fd, PVX_GET_MSRS, &m);
	for (int i = 0; i < NR_MSRS; i++)
		msr.after[i] = e[i].data;
	msr.mtrrcap_get = get_msr(MSR_MTRRCAP, &msr.mtrrcap);
	msr.tsc_get = get_msr(MSR_TSC, &msr.tsc);
	/* The ioctls stop at the first MSR they cannot take. */
	e[0] = (struct pvx_msr_entry){ .index = MSR_PAT };
	e[1] = (struct pvx_msr_entry){ .index = CPUSTATE_UNKNOWN_MSR };
	e[2] = (struct pvx_msr_entry){ .index = MSR_EFER };
	m.nmsrs = 3;
	msr.get_unknown = ioctl(gvm.vcpu->fd, PVX_GET_MSRS, &m);
	msr.set_unknown = ioctl(gvm.vcpu->fd, PVX_SET_MSRS, &m);
	e[0] = (struct pvx_msr_entry){ .index = MSR_MTRRCAP, .data = 0 };
	m.nmsrs = 1;
	msr.set_mtrrcap = ioctl(gvm.vcpu->fd, PVX_SET_MSRS, &m);
}

static bool msr_unknown(void)
{
	bool ok = msr.ran;

	EXPECT(value(CK_RDMSR_UNKNOWN) == X86_GP);
	EXPECT(value(CK_WRMSR_UNKNOWN) == X86_GP);
	EXPECT(msr.get_unknown == 1 && msr.set_unknown == 1);
	return ok;
}

static bool msr_host_to_guest(void)
{
	bool ok = msr.ran;

	EXPECT(msr.set_count == NR_MSRS);
	for (int i = 0; i < NR_MSRS; i++) {
		uint64_t v = value(CK_MSR_READ(i)), f = value(CK_MSR_READ_FAULT(i));

		if (v != msrs[i].host || f != CK_NO_FAULT) {
			tap_diag("%s: PVX_SET_MSRS %#llx, RDMSR %#llx (vector %#llx)",
				 msrs[i].name, (unsigned long long)msrs[i].host,
				 (unsigned long long)v, (unsigned long long)f);
			ok = false;
		}
	}
	return ok;
}

static bool msr_guest_to_host(void)
{
	bool ok = msr.ran;

	EXPECT(msr.get_count == NR_MSRS);
	for (int i = 0; i < NR_MSRS; i++) {
		uint64_t f = value(CK_MSR_WRITE_FAULT(i)), v = value(CK_MSR_REREAD(i));

		if (f != CK_NO_FAULT || v != msrs[i].guest ||
		    msr.after[i] != msrs[i].guest) {
			tap_diag("%s: WRMSR %#llx (vector %#llx), RDMSR %#llx, PVX_GET_MSRS %#llx",
				 msrs[i].name, (unsigned long long)msrs[i].guest,
				 (unsigned long long)f, (unsigned long long)v,
				 (unsigned long long)msr.after[i]);
			ok = false;
		}
	}
	return ok;
}

static bool msr_bad_writes(void)
{
	bool ok = msr.ran;

	for (int i = 0; i < NR_BAD; i++) {
		uint64_t f = value(CK_MSR_BAD_WRITE(i));

		if (f != X86_GP) {
			tap_diag("WRMSR %#x, %#llx (%s): vector %#llx, not #GP",
				 bad_writes[i].index,
				 (unsigned long long)bad_writes[i].value,
				 bad_writes[i].what, (unsigned long long)f);
			ok = false;
		}
	}
	return ok;
}

static bool msr_mtrrcap(void)
{
	bool ok = msr.ran;

	EXPECT(value(CK_MTRRCAP_FAULT) == CK_NO_FAULT);
	EXPECT(msr.mtrrcap_get == 1 && msr.mtrrcap == value(CK_MTRRCAP));
	EXPECT(msr.set_mtrrcap == 0);
	return ok;
}

/*
 * The TSC starts at 0 when the VM is made: the guest's first reading is
 * at most the host ticks since just before that, readings only go up,
 * and WRMSR puts it where the guest says.
 */
static bool msr_tsc(void)
{
	uint64_t t1 = value(CK_TSC_RDTSC), t2 = value(CK_TSC_RDMSR);
	uint64_t t3 = value(CK_TSC_WRITTEN);
	uint64_t span = msr.tsc_after - msr.tsc_before;
	bool ok = msr.ran;

	EXPECT(t1 > 0 && t1 <= t2 && t2 <= span);
	EXPECT(t3 >= CPUSTATE_TSC_SET && t3 - CPUSTATE_TSC_SET <= span);
	EXPECT(msr.tsc_get == 1 && msr.tsc >= t3 &&
	       msr.tsc - CPUSTATE_TSC_SET <= span + (__rdtsc() - msr.tsc_after));
	if (!ok)
		tap_diag("guest RDTSC %llu, RDMSR %llu, after WRMSR %llu; PVX_GET_MSRS %llu; host ticks over the run %llu",
			 (unsigned long long)t1, (unsigned long long)t2,
			 (unsigned long long)t3, (unsigned long long)msr.tsc,
			 (unsigned long long)span);
	return ok;
}

/* The host's own syscalls and pipes work. */
static bool host_alive(void)
{
	char buf[8] = "";
	int p[2];
	bool ok;

	if (pipe(p))
		return false;
	ok = syscall(SYS_getpid) == getpid() &&
	     write(p[1], "alive", 6) == 6 && read(p[0], buf, 6) == 6 &&
	     !strcmp(buf, "alive");
	close(p[0]);
	close(p[1]);
	return ok;
}

static struct {
	bool ran;
	uint64_t lstar, star, fmask, kgs;
	int got;
	bool host_alive;
} sc;

static void run_syscall_scenario(void)
{
	if (!start(CPUSTATE_SYSCALL))
		return;
	sc.ran = run_to_exit();
	sc.host_alive = host_alive();
	sc.got = get_msr(MSR_LSTAR, &sc.lstar) + get_msr(MSR_STAR, &sc.star) +
		 get_msr(MSR_FMASK, &sc.fmask) +
		 get_msr(MSR_KERNEL_GS_BASE, &sc.kgs);
}

static bool syscall_lands(void)
{
	uint64_t lstar = value(CK_SYSCALL_LSTAR);
	uint64_t cs = CPUSTATE_STAR >> 32 & 0xfffc;
	bool ok = sc.ran;

	EXPECT(value(CK_SYSCALL_COUNT) == 1);
	/* SDM vol. 2B, SYSCALL: RCX = next RIP, CS/SS from STAR[47:32]. */
	EXPECT(value(CK_SYSCALL_RCX) == value(CK_SYSCALL_NEXT));
	EXPECT(value(CK_SYSCALL_CS) == cs && value(CK_SYSCALL_SS) == cs + 8);
	EXPECT(!(value(CK_SYSCALL_RFLAGS) & CPUSTATE_FMASK));
	EXPECT(value(CK_SYSCALL_R11) & RFLAGS_DF);
	EXPECT(sc.got == 4 && sc.lstar == lstar && sc.star == CPUSTATE_STAR &&
	       sc.fmask == CPUSTATE_FMASK);
	return ok;
}

static bool swapgs(void)
{
	bool ok = sc.ran;

	EXPECT(value(CK_SWAPGS_GS) == CPUSTATE_GS_B);
	EXPECT(value(CK_SWAPGS_KGS) == CPUSTATE_GS_A);
	EXPECT(sc.kgs == CPUSTATE_GS_A);
	return ok;
}

static bool host_syscalls(void)
{
	bool ok = sc.ran;

	EXPECT(sc.host_alive);
	EXPECT(host_alive());
	return ok;
}

/*
 * A thread that did not create the vCPU runs it: after PVX_RUN its FS
 * base (its TLS, which VM exits reload from the VMCS) must be its own.
 */
static __thread volatile uint64_t tls_marker;

static uint64_t fs_self(void)
{
	uint64_t self;

	/* x86-64 TLS: %fs:0 holds the thread's own TCB address. */
	__asm__ volatile("mov %%fs:0, %0" : "=r"(self));
	return self;
}

struct tls_check {
	uint64_t before, after, marker;
	int reason;
};

static void *tls_thread(void *arg)
{
	struct tls_check *c = arg;

	tls_marker = 0x7157;
	c->before = fs_self();
	c->reason = pvx_vcpu_run(gvm.vcpu) ? -1 : (int)gvm.vcpu->run->exit_reason;
	c->after = fs_self();
	c->marker = tls_marker;
	/* Put this thread's TLS back before libc uses it (no TLS needed). */
	if (c->after != c->before)
		syscall(SYS_arch_prctl, ARCH_SET_FS, c->before);
	return NULL;
}

static bool other_thread_tls(void)
{
	struct tls_check c = { 0 };
	pthread_t t;
	uint64_t v;
	bool ok = true;

	if (!start(CPUSTATE_ALIVE))
		return false;
	tls_marker = 1;
	/* This thread made the vCPU and runs it to its HLT... */
	EXPECT(gvm_run(&gvm) == PVX_EXIT_HLT);
	/* ...another one runs it to its next report (an exit to userspace). */
	EXPECT(!pthread_create(&t, NULL, tls_thread, &c) && !pthread_join(t, NULL));
	EXPECT(c.reason == PVX_EXIT_IO);
	EXPECT(c.after == c.before && c.marker == 0x7157);
	EXPECT(tls_marker == 1);
	if (!ok)
		tap_diag("thread TCB %#llx before PVX_RUN, %#llx after (creator's %#llx); exit %d",
			 (unsigned long long)c.before, (unsigned long long)c.after,
			 (unsigned long long)fs_self(), c.reason);
	/* And this one finishes the run. */
	EXPECT(gvm_handle_exit(&gvm) == PVX_RUN_CONTINUE && run_to_exit());
	EXPECT(gvm_value(&gvm, CK_ALIVE, &v) && v == 2);
	return ok;
}

static bool hlt(void)
{
	struct pvx_regs regs;
	bool ok = true;
	int r;

	if (!start(CPUSTATE_INSNS))
		return false;
	r = gvm_run(&gvm);
	EXPECT(r == PVX_EXIT_HLT);
	EXPECT(!pvx_vcpu_get_regs(gvm.vcpu, &regs));
	ok = run_to_exit() && ok;
	EXPECT(regs.rip == value(CK_HLT_NEXT));
	EXPECT(value(CK_AFTER_HLT) == 1);
	if (!ok)
		tap_diag("exit %d at RIP %#llx", r, (unsigned long long)regs.rip);
	return ok;
}

static bool vmcall(void)
{
	bool ok = true;

	EXPECT(value(CK_VMCALL_RAX) == (uint64_t)-ENOSYS);
	return ok;
}

static bool vmx_insns(void)
{
	static const char *const names[CPUSTATE_NR_VMX_INSNS] = {
		"VMXON", "VMXOFF", "VMCLEAR", "VMPTRLD", "VMPTRST", "VMREAD",
		"VMWRITE", "VMLAUNCH", "VMRESUME", "INVEPT", "INVVPID",
	};
	bool ok = true;

	for (int i = 0; i < CPUSTATE_NR_VMX_INSNS; i++) {
		uint64_t v = value(CK_VMX_INSN(i));

		if (v != X86_UD) {
			tap_diag("%s: vector %#llx, not #UD", names[i],
				 (unsigned long long)v);
			ok = false;
		}
	}
	return ok;
}

static bool triple_fault(void)
{
	bool ok = true;
	uint64_t armed;
	int r;

	if (!start(CPUSTATE_TRIPLE))
		return false;
	r = gvm_run(&gvm);
	EXPECT(r == PVX_EXIT_SHUTDOWN);
	EXPECT(gvm_value(&gvm, CK_TRIPLE_ARMED, &armed) && armed == 1);
	if (!ok)
		gvm_diag(&gvm, r);
	return ok;
}

/*
 * PVX_SET_SREGS takes @bad (an invalid guest state), PVX_RUN fails the
 * entry for it (SDM 27.8: basic exit reason 33 with bit 31), and @good
 * goes back in.
 */
static bool fails_entry(const struct pvx_sregs *bad,
			const struct pvx_sregs *good)
{
	bool ok = true;
	int r;

	EXPECT(!pvx_vcpu_set_sregs(gvm.vcpu, bad));
	r = pvx_vcpu_run(gvm.vcpu) ? -1 : (int)gvm.vcpu->run->exit_reason;
	EXPECT(r == PVX_EXIT_FAIL_ENTRY);
	EXPECT(gvm.vcpu->run->fail_entry.hardware_entry_failure_reason ==
	       FAIL_INVALID_GUEST_STATE);
	if (!ok)
		gvm_diag(&gvm, r);
	EXPECT(!pvx_vcpu_set_sregs(gvm.vcpu, good));
	return ok;
}

static bool bad_cs_first_entry(void)
{
	struct pvx_sregs good, bad;
	uint64_t v;
	bool ok = true;

	if (!start(CPUSTATE_ALIVE))
		return false;
	EXPECT(!pvx_vcpu_get_sregs(gvm.vcpu, &good));
	bad = good;
	bad.cs.type = SEG_DATA_RO_ACCESSED;	/* SDM 26.3.1.2: 3, 9-11, 13-15 */
	EXPECT(fails_entry(&bad, &good));
	/* Fixed: it launches, and runs to its HLT. */
	EXPECT(gvm_run(&gvm) == PVX_EXIT_HLT);
	EXPECT(gvm_value(&gvm, CK_ALIVE, &v) && v == 1);
	return ok;
}

static bool bad_tr_later_entry(void)
{
	struct pvx_sregs good, bad;
	uint64_t v;
	bool ok = true;

	EXPECT(!pvx_vcpu_get_sregs(gvm.vcpu, &good));
	EXPECT(good.tr.type == SEG_TSS_BUSY);
	bad = good;
	bad.tr.type = SEG_TSS_AVAILABLE;	/* SDM 26.3.1.2: 11 in IA-32e mode */
	EXPECT(fails_entry(&bad, &good));
	EXPECT(run_to_exit());
	EXPECT(gvm_value(&gvm, CK_ALIVE, &v) && v == 2);
	return ok;
}

static bool cr_ran;

static void run_cr_scenario(void)
{
	if (start(CPUSTATE_CR))
		cr_ran = run_to_exit();
}

#define BAD_CR_NAME(what) what,

static bool cr_bad_writes(void)
{
	static const char *const what[] = { CPUSTATE_BAD_CRS(BAD_CR_NAME) };
	bool ok = true;

	if (!cr_ran)
		return false;
	for (unsigned int i = 0; i < sizeof(what) / sizeof(what[0]); i++) {
		uint64_t v = value(CK_CR_BAD(i));

		if (v != X86_GP) {
			tap_diag("%s: vector %#llx, not #GP", what[i],
				 (unsigned long long)v);
			ok = false;
		}
	}
	EXPECT(value(CK_CR0_AFTER) == value(CK_CR0_BEFORE));
	EXPECT(value(CK_CR4_AFTER) == value(CK_CR4_BEFORE));
	EXPECT(value(CK_EFER_AFTER) == value(CK_EFER_BEFORE));
	return ok;
}

static bool cr_guest_owned(void)
{
	uint64_t cr0, wp;
	bool ok = true;

	if (!cr_ran)
		return false;
	cr0 = value(CK_CR0_BEFORE);
	wp = value(CK_CR0_WP_CLEAR);
	EXPECT(wp == (cr0 & ~CR0_WP));
	EXPECT(st.have_sregs && st.sregs.cr0 == wp);
	EXPECT(value(CK_CR0_TS_SET) == (cr0 | CR0_TS));
	EXPECT(value(CK_CR0_TS_CLEAR) == (cr0 & ~CR0_TS));
	EXPECT(value(CK_CR8) == 5);
	if (!ok)
		tap_diag("CR0 %#llx, WP cleared %#llx (PVX_GET_SREGS %#llx), TS set %#llx, cleared %#llx, CR8 %llu",
			 (unsigned long long)cr0, (unsigned long long)wp,
			 (unsigned long long)st.sregs.cr0,
			 (unsigned long long)value(CK_CR0_TS_SET),
			 (unsigned long long)value(CK_CR0_TS_CLEAR),
			 (unsigned long long)value(CK_CR8));
	return ok;
}

static bool skip_fpu_ymm(void)
{
	return !(fpu.feat & CK_FEAT_AVX) || !(fpu.feat & CK_FEAT_XSETBV_OK);
}

static bool skip_no_xsave(void)
{
	return !(fpu.feat & CK_FEAT_XSAVE);
}

static bool skip_host_ymm(void)
{
	return !host_avx;
}

static bool skip_xsetbv(void)
{
	return xsetbv_skipped;
}

static const struct {
	const char *name;
	bool (*run)(void);
	void (*scenario)(void);		/* runs first: the results that follow */
	bool (*skip)(void);		/* true: SKIP, for the reason */
	const char *skip_why;
} cases[] = {
	{ "guest CPUID offers XSAVE and AVX exactly when the host OS enabled them",
	  fpu_cpuid, run_fpu_scenario, NULL, NULL },
	{ "guest sets CR4.OSXSAVE: CPUID.1:ECX.OSXSAVE and PVX_GET_SREGS follow, XSETBV takes x87|SSE(|AVX)",
	  fpu_osxsave, NULL, skip_no_xsave, "no XSAVE for the guest" },
	{ "guest XMM0-15 hold their values across hundreds of exits",
	  fpu_guest_xmm, NULL, NULL, NULL },
	{ "guest YMM0-15 upper halves hold their values across the exits",
	  fpu_guest_ymm, NULL, skip_fpu_ymm, "no AVX for the guest" },
	{ "host XMM0-15 and XCR0 survive every PVX_RUN",
	  fpu_host_xmm, NULL, NULL, NULL },
	{ "host YMM0-15 upper halves survive every PVX_RUN",
	  fpu_host_ymm, NULL, skip_host_ymm, "no AVX on the host" },
	{ "XSETBV: XCR0 without x87, AVX without SSE, ECX = 1, a reserved bit: #GP",
	  xsetbv_bad, run_xsetbv_scenario, skip_xsetbv, "no XSAVE for the guest" },
	{ "XSETBV of x87|SSE is taken, XGETBV reads it back, the host's XMM/YMM and XCR0 stay",
	  xsetbv_good, NULL, skip_xsetbv, "no XSAVE for the guest" },
	{ "RDMSR/WRMSR of unknown MSR 0x12345: #GP; PVX_GET/SET_MSRS stop there",
	  msr_unknown, run_msr_scenario, NULL, NULL },
	{ "MSRs set with PVX_SET_MSRS read the same in the guest (EFER, PAT, SYSENTER_*, FS/GS/KERNEL_GS base, STAR/LSTAR/CSTAR/FMASK, TSC_AUX, MISC_ENABLE, MTRRdefType)",
	  msr_host_to_guest, NULL, NULL, NULL },
	{ "MSRs written by the guest read back by RDMSR and PVX_GET_MSRS",
	  msr_guest_to_host, NULL, NULL, NULL },
	{ "bad MSR values (reserved PAT types and bits, read-only MTRRcap and MCG_CAP, APIC_BASE without an APIC, MISC_ENABLE and MCG_STATUS reserved bits, non-canonical bases, TSC_AUX bit 32): #GP, nothing changed",
	  msr_bad_writes, NULL, NULL, NULL },
	{ "MTRRcap reads the same from the guest and PVX_GET_MSRS; PVX_SET_MSRS refuses it",
	  msr_mtrrcap, NULL, NULL, NULL },
	{ "TSC starts at 0 with the VM, only goes up, WRMSR(TSC) sets it",
	  msr_tsc, NULL, NULL, NULL },
	{ "SYSCALL lands at the guest's LSTAR with CS/SS from its STAR and RFLAGS masked by its FMASK",
	  syscall_lands, run_syscall_scenario, NULL, NULL },
	{ "SWAPGS exchanges GS base and the guest's KERNEL_GS_BASE, across exits",
	  swapgs, NULL, NULL, NULL },
	{ "the host's syscalls work after the guest ran with its own STAR/LSTAR/FMASK/KERNEL_GS_BASE",
	  host_syscalls, NULL, NULL, NULL },
	{ "a vCPU run by a thread other than its creator leaves that thread's TLS (FS base) alone",
	  other_thread_tls, NULL, NULL, NULL },
	{ "HLT: PVX_EXIT_HLT with RIP after the HLT; PVX_RUN goes on from there",
	  hlt, NULL, NULL, NULL },
	{ "VMCALL with no hypercall defined: RAX = -ENOSYS",
	  vmcall, NULL, NULL, NULL },
	{ "VMXON, VMXOFF, VMCLEAR, VMPTRLD, VMPTRST, VMREAD, VMWRITE, VMLAUNCH, VMRESUME, INVEPT, INVVPID: #UD",
	  vmx_insns, NULL, NULL, NULL },
	{ "MOV to CR0/CR4/CR8 and WRMSR(EFER) the SDM forbids (paging or PAE off in 64-bit mode, NW without CD, reserved bits, CR4.VMXE, CR8 > 15, EFER.LME with paging): #GP, nothing changed",
	  cr_bad_writes, run_cr_scenario, NULL, NULL },
	{ "guest-owned CR0 bits (WP; TS by MOV and CLTS) change without pvx and PVX_GET_SREGS sees them; CR8 reads back",
	  cr_guest_owned, NULL, NULL, NULL },
	{ "IDT with limit 0, then INT3: triple fault, PVX_EXIT_SHUTDOWN",
	  triple_fault, NULL, NULL, NULL },
	{ "CS of a data type before the first entry: PVX_EXIT_FAIL_ENTRY, reason 33 | 1 << 31; fixed, the guest runs",
	  bad_cs_first_entry, NULL, NULL, NULL },
	{ "TR not busy after the guest ran: PVX_EXIT_FAIL_ENTRY, reason 33 | 1 << 31; fixed, the guest goes on",
	  bad_tr_later_entry, NULL, NULL, NULL },
};

#define NR_CASES (int)(sizeof(cases) / sizeof(cases[0]))

static void host_features(void)
{
	unsigned int a, b, c, d;

	__cpuid(1, a, b, c, d);
	host_osxsave = c & bit_OSXSAVE;
	host_xcr0 = host_osxsave ? host_xgetbv0() : 0;
	host_avx = host_osxsave && (c & bit_AVX) &&
		   (host_xcr0 & (XCR0_SSE | XCR0_YMM)) == (XCR0_SSE | XCR0_YMM);
	tap_diag("host: OSXSAVE %d, XCR0 %#llx, AVX %d", host_osxsave,
		 (unsigned long long)host_xcr0, host_avx);
}

int main(int argc, char **argv)
{
	sys_fd = pvxtest_start(argc, argv, NULL, NR_CASES);
	snprintf(image, sizeof(image), "%s/cpustate", pvxtest_guest_dir());
	host_features();
	for (int i = 0; i < NR_CASES; i++) {
		if (cases[i].scenario)
			cases[i].scenario();
		if (cases[i].skip && cases[i].skip())
			tap_skip("%s (%s)", cases[i].name, cases[i].skip_why);
		else
			tap_ok(cases[i].run(), "%s", cases[i].name);
	}
	if (gvm.vm)
		gvm_destroy(&gvm);
	close(sys_fd);
	return tap_finish();
}
