// SPDX-License-Identifier: GPL-2.0
/*
 * features_test [--guests DIR] [--no-load]: the VMX core behaves like the
 * CPU it claims to be (issue 13). The guest is features
 * (tests/guest/features.c), one scenario per VM:
 *  - every feature bit of libpvx's default CPUID table comes with what it
 *    promises (the guest checks the MSR, instruction, CR4 or EFER bit of
 *    each one, and no set bit is unknown to it);
 *  - each CR4 feature bit is settable exactly when CPUID offers it, with
 *    the default table and with one that clears XSAVE (CR4.OSXSAVE #GP);
 *  - a #GP pvx injects for a MOV to CR4 pushes RF = 1: the handler's IRET
 *    back to it with an instruction breakpoint armed takes no #DB;
 *  - IA32_TSC_ADJUST, MCG_CAP/MCG_STATUS, MISC_ENABLE bit by bit, no APIC,
 *    UCODE_REV and PLATFORM_ID as Linux's early code reads them;
 *  - debug registers not trapped by the policy: MOV DR exits once per full
 *    exit at most, values and a data breakpoint survive full exits; the
 *    same values when MOV DR is trapped (emulated);
 *  - KERNEL_GS_BASE: WRMSR/RDMSR/SWAPGS without an MSR exit, the guest's
 *    value seen and set by PVX_GET/SET_MSRS in the middle of a run;
 *  - PVX_CLEAR_EVENTS: an injected #GP whose error code the CPU refuses
 *    fails every VM entry (PVX_EXIT_FAIL_ENTRY, VMfail) until it is
 *    cleared, then the guest runs; a queued #UD cleared is never seen;
 *    its input checks;
 *  - PVX_SET_SREGS with PAE paging and a PDPTE with a reserved bit:
 *    -EINVAL and nothing changed;
 *  - the topology of a 2-vCPU VM (pvx_cpuid_set_topology(), as pvxctl
 *    builds it): the guest on vCPU 0, then on vCPU 1 of the same VM,
 *    reads CPUID leaves 1, 4 and 0xb: its APIC id, 2 logical processors
 *    with HTT, 2 cores per package, caches private but for the last
 *    level, an SMT level of 1 thread and a core level of 2 with shift 1,
 *    its x2APIC id on each level, then the end; package id 0 on both.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "evtest.h"
#include "pvxtest.h"
#include "tap.h"
#include "../guest/features.h"

#define X86_UD		6
#define X86_GP		13
#define EXIT_DR_ACCESS	29
#define EXIT_MSR_READ	31
#define EXIT_MSR_WRITE	32
#define MSR_TSC_ADJUST	0x3b
#define MSR_KGS		0xc0000102
#define BAD_ERROR_CODE	0x10000		/* bits 31:16 set: SDM 26.2.1.3 */
#define PDPT_GPA	0x8000ULL

static int sys_fd;
static struct evt ev;

static uint64_t V(uint32_t key)
{
	return evt_value(&ev, key);
}

static bool run(uint32_t scenario, const struct pvx_exit_policy *p)
{
	return evt_start_image(&ev, sys_fd, "features", scenario, p, NULL) == 0 &&
	       evt_run_to_exit(&ev);
}

/* A policy as a new VM's, but MOV DR not trapped. */
static const struct pvx_exit_policy *dr_untrapped(void)
{
	static struct pvx_exit_policy p;

	pvx_policy_init(&p);
	p.trap &= ~PVX_TRAP_DR;
	return &p;
}

static void walk(void)
{
	bool ok = run(FT_WALK, NULL);

	for (unsigned int i = 0; ok && i < V(FK_UNCOVERED) && i < FK_NR_LISTED; i++)
		tap_diag("offered, no check: leaf %#llx subleaf %llu reg %llu bit %llu",
			 (unsigned long long)(V(FK_UNCOV(i)) >> 32),
			 (unsigned long long)(V(FK_UNCOV(i)) >> 16 & 0xffff),
			 (unsigned long long)(V(FK_UNCOV(i)) >> 8 & 0xff),
			 (unsigned long long)(V(FK_UNCOV(i)) & 0xff));
	for (unsigned int i = 0; ok && i < V(FK_FAILED) && i < FK_NR_LISTED; i++)
		tap_diag("offered, check failed with vector %llu: leaf %#llx subleaf %llu reg %llu bit %llu",
			 (unsigned long long)V(FK_FAIL_VEC(i)),
			 (unsigned long long)(V(FK_FAIL(i)) >> 32),
			 (unsigned long long)(V(FK_FAIL(i)) >> 16 & 0xffff),
			 (unsigned long long)(V(FK_FAIL(i)) >> 8 & 0xff),
			 (unsigned long long)(V(FK_FAIL(i)) & 0xff));
	EXPECT(V(FK_UNCOVERED) == 0 && V(FK_FAILED) == 0);
	EXPECT(V(FK_CHECKED) >= 20);
	tap_ok(ok, "default CPUID: each of %llu offered feature bits does what it promises (MSR, instruction, CR4/EFER bit), %llu informational, none unknown to the guest",
	       (unsigned long long)V(FK_CHECKED), (unsigned long long)V(FK_INFO));
}

/* The default table with CPUID.1:ECX.XSAVE (and what needs it) cleared. */
static int clear_xsave(struct pvx_vcpu *vcpu)
{
	static struct pvx_cpuid_entry t[PVX_MAX_CPUID_ENTRIES];
	int n = pvx_cpuid_default(t, PVX_MAX_CPUID_ENTRIES);
	struct pvx_cpuid_entry *e;

	if (n < 0)
		return n;
	e = pvx_cpuid_find(t, n, 1, 0);
	if (e)
		e->ecx &= ~((1U << 26) | (1U << 28) | (1U << 12) | (1U << 29));
	return pvx_vcpu_set_cpuid(vcpu, t, n);
}

static bool cr4_ok(void)
{
	bool ok = true;

	for (unsigned int i = 0; i < V(FK_CR4_WRONG) && i < FK_NR_LISTED; i++)
		tap_diag("CR4 bit %llu (CPUID offers it: %llu): vector %llu",
			 (unsigned long long)(V(FK_CR4_BAD(i)) & 0xff),
			 (unsigned long long)(V(FK_CR4_BAD(i)) >> 8 & 1),
			 (unsigned long long)(int8_t)(V(FK_CR4_BAD(i)) >> 16));
	EXPECT(V(FK_CR4_WRONG) == 0 && V(FK_CR4_TRIED) >= 10);
	return ok;
}

static void cr4(void)
{
	bool ok = run(FT_CR4, NULL) && cr4_ok();

	tap_ok(ok, "default CPUID: each of %llu CR4 feature bits sets when CPUID offers it, #GP when not",
	       (unsigned long long)V(FK_CR4_TRIED));
	ok = evt_start_image(&ev, sys_fd, "features", FT_CR4, NULL, NULL) == 0 &&
	     clear_xsave(ev.g.vcpu) == 0 && evt_run_to_exit(&ev) && cr4_ok();
	EXPECT(V(FK_CR4_OSXSAVE) == X86_GP);
	tap_ok(ok, "CPUID without XSAVE: MOV to CR4 setting OSXSAVE is #GP (vector %llu) though the CPU has XSAVE; the other bits as CPUID says",
	       (unsigned long long)V(FK_CR4_OSXSAVE));
}

static void rf(void)
{
	bool ok = run(FT_RF, dr_untrapped());

	EXPECT(V(FK_RF_GP) == 1 && V(FK_RF_PUSHED) == 1 && V(FK_RF_DB) == 0);
	tap_ok(ok, "#GP injected for MOV to CR4 bit 63: RF = %llu in the pushed RFLAGS; IRET back under an instruction breakpoint on it: %llu #DB, %llu #GP",
	       (unsigned long long)V(FK_RF_PUSHED), (unsigned long long)V(FK_RF_DB),
	       (unsigned long long)V(FK_RF_GP));
}

static void msrs(void)
{
	uint64_t adj = 0, jump, after, want_after = FT_TSC_ADJUST + FT_TSC_STEP;
	bool ok = run(FT_MSRS, NULL);

	jump = V(FK_ADJ_JUMP);
	after = V(FK_ADJ_AFTER_TSC);
	EXPECT(V(FK_ADJ_START) == 0 && V(FK_ADJ_READ) == FT_TSC_ADJUST);
	EXPECT(jump >= FT_TSC_ADJUST && jump - FT_TSC_ADJUST < (1ULL << 32));
	EXPECT(after <= want_after && want_after - after < (1ULL << 32));
	EXPECT(pvx_vcpu_msr(ev.g.vcpu, false, MSR_TSC_ADJUST, &adj) == 1 &&
	       adj == after);
	tap_ok(ok, "IA32_TSC_ADJUST: starts 0, WRMSR 2^40 moves the TSC by %#llx, a WRMSR of the TSC adds its change to it (%#llx), PVX_GET_MSRS agrees",
	       (unsigned long long)jump, (unsigned long long)after);

	ok = true;
	EXPECT(V(FK_MCG_CAP) == 0 && V(FK_MCG_STATUS_W0) == EV_NONE);
	EXPECT(V(FK_MCG_STATUS_W10) == X86_GP && V(FK_MCG_CAP_W) == X86_GP);
	tap_ok(ok, "machine-check architecture with no banks: MCG_CAP reads 0 and is read-only, MCG_STATUS takes 0, #GP for reserved bit 4");

	ok = true;
	EXPECT(V(FK_MISC_W) == EV_NONE);
	EXPECT(V(FK_MISC_READ) == 0x400c11809ULL);
	EXPECT(V(FK_MISC_MAXLEAF) <= 2 && V(FK_MISC_NX) == 0);
	EXPECT(V(FK_MISC_RESTORED) == V(FK_MISC_MAXLEAF0));
	EXPECT(V(FK_MISC_RESERVED) == X86_GP);
	tap_ok(ok, "IA32_MISC_ENABLE takes %#llx (reads %#llx: MWAIT enable dropped without MONITOR, BTS/PEBS unavailable); limit-CPUID makes leaf 0 report %llu, XD disable hides NX; reserved bit 1 #GP",
	       FT_MISC_LINUX, (unsigned long long)V(FK_MISC_READ),
	       (unsigned long long)V(FK_MISC_MAXLEAF));

	ok = true;
	EXPECT(V(FK_APIC_CPUID) == 0 && V(FK_APIC_READ) == X86_GP);
	EXPECT(V(FK_UCODE_W) == EV_NONE && (V(FK_UCODE) >> 32) != 0);
	EXPECT(V(FK_PLATFORM_ID_R) == EV_NONE);
	tap_ok(ok, "no APIC, coherently (CPUID.1:EDX.APIC 0, IA32_APIC_BASE #GP); UCODE_REV: WRMSR 0, CPUID(1), RDMSR gives revision %#llx; PLATFORM_ID reads",
	       (unsigned long long)(V(FK_UCODE) >> 32));
}

static void dr(void)
{
	struct pvx_stats s;
	bool ok;

	ok = run(FT_DR, NULL);
	EXPECT(V(FK_DR(0)) == 0x1000 && V(FK_DR(1)) == 0x2000 &&
	       V(FK_DR(2)) == 0x3000 && V(FK_DR(3)) == 0x4000);
	EXPECT(V(FK_DR_AGAIN) == 0x5000);
	tap_ok(ok, "MOV DR trapped (the default): DR0-3 emulated across exits");

	ok = run(FT_DR, dr_untrapped()) && evt_stats(&ev, &s) == 0;
	EXPECT(V(FK_DR(0)) == 0x1000 && V(FK_DR(1)) == 0x2000 &&
	       V(FK_DR(2)) == 0x3000 && V(FK_DR(3)) == 0x4000);
	EXPECT(V(FK_DR_AGAIN) == 0x5000);
	EXPECT(V(FK_DR_WATCH) == 1 && (V(FK_DR_DR6) & 1));
	/*
	 * 16 MOV DRs in 6 stretches between full exits (4 syncs, the #DB):
	 * one exit per stretch at most, a timer exit aside.
	 */
	EXPECT(s.exits[EXIT_DR_ACCESS] >= 1 && s.exits[EXIT_DR_ACCESS] <= 7);
	tap_ok(ok, "MOV DR not trapped: %llu DR exits for 16 accesses around %u full exits; DR0-3 kept; a data breakpoint armed before a full exit fires after it (DR6 %#llx)",
	       (unsigned long long)s.exits[EXIT_DR_ACCESS], ev.syncs,
	       (unsigned long long)V(FK_DR_DR6));
}

static uint64_t kgs_seen;

static int kgs_sync(struct evt *e, uint8_t what)
{
	uint64_t v = FT_KGS_HOST;

	if (what != FT_SYNC_KGS)
		return PVX_RUN_CONTINUE;
	if (pvx_vcpu_msr(e->g.vcpu, false, MSR_KGS, &kgs_seen) != 1 ||
	    pvx_vcpu_msr(e->g.vcpu, true, MSR_KGS, &v) != 1)
		return -EIO;
	return PVX_RUN_CONTINUE;
}

static void kgs(void)
{
	struct pvx_stats s;
	bool ok = evt_start_image(&ev, sys_fd, "features", FT_KGS, NULL, NULL) == 0;

	ev.on_sync = kgs_sync;
	ok = ok && evt_run_to_exit(&ev) && evt_stats(&ev, &s) == 0;
	EXPECT(V(FK_KGS_SWAPPED) == FT_KGS_GUEST && kgs_seen == FT_GS_GUEST);
	EXPECT(V(FK_KGS_AFTER_SYNC) == FT_KGS_HOST);
	EXPECT(s.exits[EXIT_MSR_READ] == 0 && s.exits[EXIT_MSR_WRITE] == 0);
	tap_ok(ok, "KERNEL_GS_BASE and GS_BASE: WRMSR, SWAPGS, RDMSR without an MSR exit (%llu, %llu); PVX_GET_MSRS mid-run sees the guest's %#llx, PVX_SET_MSRS reaches it",
	       (unsigned long long)s.exits[EXIT_MSR_READ],
	       (unsigned long long)s.exits[EXIT_MSR_WRITE],
	       (unsigned long long)kgs_seen);
}

static int clear_events(struct pvx_vcpu *vcpu, uint32_t flags, uint32_t padding)
{
	struct pvx_clear_events c = { .flags = flags, .padding = padding };

	return ioctl(vcpu->fd, PVX_CLEAR_EVENTS, &c) < 0 ? -errno : 0;
}

static void clear(void)
{
	struct pvx_run *r;
	bool ok = evt_start_image(&ev, sys_fd, "features", FT_NOP, NULL, NULL) == 0;
	uint64_t reason[2] = { 0, 0 };

	r = ok ? ev.g.vcpu->run : NULL;
	EXPECT(pvx_vcpu_inject_exception(ev.g.vcpu, X86_GP, BAD_ERROR_CODE) == 0);
	for (int i = 0; ok && i < 2; i++) {
		EXPECT(pvx_vcpu_run(ev.g.vcpu) == 0 &&
		       r->exit_reason == PVX_EXIT_FAIL_ENTRY);
		reason[i] = r->fail_entry.hardware_entry_failure_reason;
	}
	EXPECT(reason[0] & PVX_FAIL_ENTRY_VMFAIL && reason[1] == reason[0]);
	EXPECT(clear_events(ev.g.vcpu, PVX_CLEAR_INJECTION, 0) == 0);
	EXPECT(ok && evt_run_to_exit(&ev));
	tap_ok(ok, "#GP injected with error code %#x: every PVX_RUN fails entry (VMfail, %#llx) until PVX_CLEAR_EVENTS(INJECTION); then the guest runs to its end",
	       BAD_ERROR_CODE, (unsigned long long)reason[0]);

	ok = evt_start_image(&ev, sys_fd, "features", FT_NOP, NULL, NULL) == 0;
	EXPECT(pvx_vcpu_inject_exception(ev.g.vcpu, X86_UD, 0) == 0);
	EXPECT(clear_events(ev.g.vcpu, PVX_CLEAR_EXCEPTION | PVX_CLEAR_NMI |
			    PVX_CLEAR_INTERRUPTS, 0) == 0);
	EXPECT(ok && evt_run_to_exit(&ev));
	EXPECT(clear_events(ev.g.vcpu, PVX_CLEAR_ALL + 1, 0) == -EINVAL);
	EXPECT(clear_events(ev.g.vcpu, 0, 1) == -EINVAL);
	EXPECT(clear_events(ev.g.vcpu, 0, 0) == 0);
	EXPECT(ioctl(ev.g.vcpu->fd, PVX_CLEAR_EVENTS, NULL) < 0 && errno == EFAULT);
	tap_ok(ok, "PVX_CLEAR_EVENTS(EXCEPTION): a queued #UD never reaches the guest (it has no IDT yet: it would triple-fault); unknown flag, padding: EINVAL; NULL: EFAULT");
}

static void sregs_atomic(void)
{
	struct pvx_sregs s0, s1, after;
	uint64_t *pdpt;
	bool ok = evt_start_image(&ev, sys_fd, "features", FT_NOP, NULL, NULL) == 0;

	EXPECT(ok && pvx_vcpu_get_sregs(ev.g.vcpu, &s0) == 0);
	pdpt = ok ? pvx_gpa_to_host(&ev.g.vm->mem, PDPT_GPA, 32) : NULL;
	EXPECT(pdpt != NULL);
	if (!ok) {
		tap_ok(false, "PVX_SET_SREGS with unloadable PAE PDPTEs");
		return;
	}
	memset(pdpt, 0, 32);
	pdpt[0] = 1 | 2;		/* present, reserved bit 1 (SDM 4.4.1) */
	s1 = s0;
	s1.efer = 0;
	s1.cr3 = PDPT_GPA;
	s1.cs.l = 0;
	s1.cs.db = 1;
	s1.cs.selector = 0x20;
	EXPECT(pvx_vcpu_set_sregs(ev.g.vcpu, &s1) == -EINVAL);
	EXPECT(pvx_vcpu_get_sregs(ev.g.vcpu, &after) == 0 &&
	       !memcmp(&after, &s0, sizeof(s0)));
	pdpt[0] = 0;
	EXPECT(pvx_vcpu_set_sregs(ev.g.vcpu, &s1) == 0);
	EXPECT(pvx_vcpu_get_sregs(ev.g.vcpu, &after) == 0 &&
	       after.cr3 == PDPT_GPA && after.cs.selector == 0x20);
	tap_ok(ok, "PVX_SET_SREGS to PAE paging with a reserved bit in a present PDPTE: EINVAL, PVX_GET_SREGS unchanged (segments, CR3, EFER); with a good PDPTE it loads");
}

#define NR_TESTS	15

/* The CPUID table of vCPU @id of a 2-vCPU VM, as pvxctl gives it. */
static int set_topology_cpuid(struct pvx_vcpu *vcpu, uint32_t id)
{
	static struct pvx_cpuid_entry t[PVX_MAX_CPUID_ENTRIES];
	int n = pvx_cpuid_default(t, PVX_MAX_CPUID_ENTRIES);

	if (n >= 0)
		n = pvx_cpuid_set_topology(t, n, PVX_MAX_CPUID_ENTRIES, 2);
	if (n < 0)
		return n;
	pvx_cpuid_set_apic_id(t, n, id);
	return pvx_vcpu_set_cpuid(vcpu, t, n);
}

/*
 * vCPU 1 of the VM evt_start_image() made, set up as vCPU 0 was (long
 * mode at the image's entry, which vCPU 0's RIP still is); the runs that
 * follow are vCPU 1's.
 */
static int run_on_vcpu1(struct pvx_vcpu **v1)
{
	struct pvx_regs regs;
	int r = pvx_vcpu_get_regs(ev.g.vcpu, &regs);

	if (!r)
		r = pvx_vcpu_create(ev.g.vm, 1, v1);
	if (!r)
		r = set_topology_cpuid(*v1, 1);
	if (!r)
		r = pvx_vcpu_setup_mode(*v1, PVX_MODE_LONG, regs.rip, 2);
	if (!r)
		ev.g.vcpu = *v1;
	return r;
}

/* Leaves 1, 4 and 0xb as vCPU @id of a 2-vCPU package reported them. */
static bool topology_seen(uint32_t id)
{
	unsigned int caches = 0;
	bool ok = true;

	EXPECT(V(FK_TOPO_VCPU) == id);
	EXPECT(V(FK_TOPO_L1(1)) >> 24 == id);
	EXPECT((V(FK_TOPO_L1(1)) >> 16 & 0xff) == 2);
	EXPECT(V(FK_TOPO_L1(3)) & (1U << 28));		/* HTT */
	for (unsigned int sub = 0; sub < FT_TOPO_L4_SUBS; sub++) {
		uint64_t eax = V(FK_TOPO_L4(sub));

		if (!(eax & 0x1f))
			break;
		caches++;
		EXPECT(eax >> 26 == 1);			/* 2 cores - 1 */
		EXPECT((eax >> 14 & 0xfff) == ((eax >> 5 & 7) >= 3 ? 1U : 0U));
	}
	EXPECT(caches > 0);
	EXPECT(V(FK_TOPO_LB(0, 0)) == 0 && V(FK_TOPO_LB(0, 1)) == 1 &&
	       V(FK_TOPO_LB(0, 2)) == 0x100);		/* SMT: 1 thread */
	EXPECT(V(FK_TOPO_LB(1, 0)) == 1 && V(FK_TOPO_LB(1, 1)) == 2 &&
	       V(FK_TOPO_LB(1, 2)) == 0x201);		/* core: 2, shift 1 */
	EXPECT(V(FK_TOPO_LB(2, 1)) == 0 && (V(FK_TOPO_LB(2, 2)) & 0xff00) == 0);
	EXPECT((V(FK_TOPO_LB(3, 2)) & 0xff00) == 0);
	for (unsigned int sub = 0; sub < 3; sub++)
		EXPECT(V(FK_TOPO_LB(sub, 3)) == id);	/* x2APIC id */
	EXPECT(id >> V(FK_TOPO_LB(1, 0)) == 0);	/* package 0 */
	if (!ok)
		tap_diag("vCPU %u: leaf 1 EBX %#llx, leaf 0xb.1 EAX %#llx EBX %#llx ECX %#llx",
			 id, (unsigned long long)V(FK_TOPO_L1(1)),
			 (unsigned long long)V(FK_TOPO_LB(1, 0)),
			 (unsigned long long)V(FK_TOPO_LB(1, 1)),
			 (unsigned long long)V(FK_TOPO_LB(1, 2)));
	return ok;
}

static void topology(void)
{
	struct pvx_vcpu *v0 = NULL, *v1 = NULL;
	bool ok = evt_start_image(&ev, sys_fd, "features", FT_TOPOLOGY, NULL,
				  NULL) == 0;

	if (ok) {
		v0 = ev.g.vcpu;
		EXPECT(set_topology_cpuid(v0, 0) == 0);
		EXPECT(evt_run_to_exit(&ev) && topology_seen(0));
		/* A fresh VM: its vCPU 0 not run, vCPU 1 runs the guest. */
		ok = ok && evt_start_image(&ev, sys_fd, "features", FT_TOPOLOGY,
					   NULL, NULL) == 0;
	}
	if (ok) {
		v0 = ev.g.vcpu;
		EXPECT(set_topology_cpuid(v0, 0) == 0);
		EXPECT(run_on_vcpu1(&v1) == 0);
		EXPECT(ev.g.vcpu == v1 && evt_run_to_exit(&ev) && topology_seen(1));
		ev.g.vcpu = v0;
	}
	tap_ok(ok, "2-vCPU VM: vCPU 0 and vCPU 1 see one package of 2 cores (CPUID leaves 1, 4, 0xb), APIC id = vCPU id");
}

int main(int argc, char **argv)
{
	sys_fd = pvxtest_start(argc, argv, NULL, NR_TESTS);
	walk();
	cr4();
	rf();
	msrs();
	dr();
	kgs();
	clear();
	sregs_atomic();
	topology();
	evt_stop(&ev);
	close(sys_fd);
	return tap_finish();
}
