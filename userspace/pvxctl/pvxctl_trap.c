// SPDX-License-Identifier: GPL-2.0
/*
 * pvxctl run --trap LIST [--log]: the exit policy the list asks for, and
 * pvxctl's emulation of every exit it forwards, with one line per exit on
 * stderr under --log.
 *
 * What pvxctl does with each forwarded exit:
 *  - RDTSC/RDTSCP: a virtual TSC of pvxctl's own, per vCPU, that starts
 *    at 0 and advances by TRAP_TSC_STEP per read; RDTSCP's ECX (TSC_AUX)
 *    is the vCPU id;
 *  - RDPMC: 0 (pvxctl offers no counters);
 *  - PAUSE, HLT: resume after the instruction; MTF: resume;
 *  - MOV DR: DR0-DR7 kept by pvxctl (DR6 and DR7 at their reset values);
 *  - MOV CR3: from and to the guest's CR3 (PVX_GET_SREGS/PVX_SET_SREGS);
 *    MOV CR8: a TPR kept by pvxctl (4 bits);
 *  - SGDT/SIDT/SLDT/STR store what PVX_GET_SREGS says, LGDT/LIDT load
 *    through PVX_SET_SREGS; LLDT and LTR are not emulated (the guest is
 *    stopped with an error). Addresses are taken as guest-physical:
 *    pvxctl's guests run identity-mapped or without paging;
 *  - RDRAND/RDSEED: random bytes of the host (getrandom), CF = 1;
 *  - CPUID: the answer of the table pvxctl gave the kernel (libpvx's
 *    default, with the vCPU's APIC id, OSXSAVE mirroring CR4), i.e. what
 *    the kernel would have said;
 *  - RDMSR/WRMSR: what the kernel would do, through PVX_GET_MSRS and
 *    PVX_SET_MSRS of that MSR; an MSR the kernel refuses raises #GP;
 *  - exceptions: #BP steps over the INT3 (RIP += the instruction's
 *    length); every other one goes back to the guest with
 *    PVX_INJECT_EXCEPTION (with its error code, and CR2 for #PF).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>

#include "pvxctl.h"

#define TRAP_TSC_STEP	1000
#define DR6_RESET	0xffff0ff0ULL
#define DR7_RESET	0x400ULL
#define CR4_OSXSAVE	(1ULL << 18)
#define RFLAGS_CF	(1ULL << 0)
#define RFLAGS_ARITH	0x8d5ULL	/* CF PF AF ZF SF OF */

/* Basic exit reasons, SDM Appendix C. */
enum {
	R_EXCEPTION = 0, R_HLT = 12, R_RDPMC = 15, R_RDTSC = 16, R_CR = 28,
	R_DR = 29, R_MTF = 37, R_PAUSE = 40, R_GDTR_IDTR = 46, R_LDTR_TR = 47,
	R_RDTSCP = 51, R_RDRAND = 57, R_RDSEED = 61,
};

/* The --trap names of the optional exits. */
static const struct {
	const char *name;
	uint64_t trap;
} trap_names[] = {
	{ "hlt", PVX_TRAP_HLT }, { "rdtsc", PVX_TRAP_RDTSC },
	{ "rdpmc", PVX_TRAP_RDPMC }, { "pause", PVX_TRAP_PAUSE },
	{ "dr", PVX_TRAP_DR }, { "desc", PVX_TRAP_DESC },
	{ "rdrand", PVX_TRAP_RDRAND }, { "cr3", PVX_TRAP_CR3 },
	{ "cr8", PVX_TRAP_CR8 }, { "mtf", PVX_TRAP_MTF },
};
#define NR_TRAP_NAMES	(sizeof(trap_names) / sizeof(trap_names[0]))

static uint64_t trap_by_name(const char *name)
{
	for (size_t i = 0; i < NR_TRAP_NAMES; i++)
		if (!strcmp(name, trap_names[i].name))
			return trap_names[i].trap;
	return 0;
}

/* "A-B" or "A" (numbers in C notation) into @first, @last. */
static bool parse_range(const char *s, uint32_t *first, uint32_t *last)
{
	unsigned long long a, b;
	char *end;

	errno = 0;
	a = strtoull(s, &end, 0);
	if (errno || end == s || a > UINT32_MAX)
		return false;
	b = a;
	if (*end == '-') {
		s = end + 1;
		b = strtoull(s, &end, 0);
		if (errno || end == s || b > UINT32_MAX)
			return false;
	}
	*first = a;
	*last = b;
	return !*end && a <= b;
}

/* cpuid, cpuid=RANGE, msr, msr=RANGE. */
static int parse_filter(const char *tok, struct pvx_exit_policy *p,
			char *msg, size_t len)
{
	bool cpuid = !strncmp(tok, "cpuid", 5);
	const char *arg = tok + (cpuid ? 5 : 3);
	uint32_t first = 0, last = UINT32_MAX;
	int r;

	if (*arg == '=' && !parse_range(arg + 1, &first, &last)) {
		snprintf(msg, len, "'%s': a range is FIRST-LAST or one number, e.g. %s=0x40000000-0x400000ff",
			 tok, cpuid ? "cpuid" : "msr");
		return -EINVAL;
	}
	if (*arg && *arg != '=') {
		snprintf(msg, len, "unknown trap '%s'", tok);
		return -EINVAL;
	}
	r = cpuid ? pvx_policy_forward_cpuid(p, first, last) :
		    pvx_policy_forward_msr(p, first, last);
	if (r)
		snprintf(msg, len, "at most %d %s ranges", PVX_MAX_POLICY_RANGES,
			 cpuid ? "cpuid" : "msr");
	return r;
}

/* An exception mnemonic that may be intercepted, into @p; else -EINVAL. */
static int add_exception(const char *name, struct pvx_exit_policy *p,
			 char *msg, size_t len)
{
	int v = pvx_exception_by_name(name);

	if (v < 0 || !(PVX_EXC_INTERCEPTABLE >> v & 1)) {
		snprintf(msg, len, v < 0 ? "'%s' is not an exception mnemonic (de, bp, ud, gp, pf, ...)" :
			 "#%s cannot be intercepted: pvx keeps it for the host", name);
		return -EINVAL;
	}
	pvx_policy_exceptions(p, 1U << v, true);
	return 0;
}

int trap_parse(const char *list, struct pvx_exit_policy *p, char *msg,
	       size_t len)
{
	char *copy = strdup(list), *save = NULL;
	bool in_exc = false;
	int r = 0;

	if (!copy)
		return -ENOMEM;
	for (char *tok = strtok_r(copy, ",", &save); tok && !r;
	     tok = strtok_r(NULL, ",", &save)) {
		uint64_t trap = trap_by_name(tok);

		if (trap) {
			pvx_policy_trap_forward(p, trap);
			in_exc = false;
		} else if (!strncmp(tok, "exc=", 4)) {
			in_exc = true;
			r = add_exception(tok + 4, p, msg, len);
		} else if (!strncmp(tok, "cpuid", 5) || !strncmp(tok, "msr", 3)) {
			in_exc = false;
			r = parse_filter(tok, p, msg, len);
		} else if (in_exc) {
			/* exc=bp,ud: the list inside the value goes on. */
			r = add_exception(tok, p, msg, len);
		} else {
			snprintf(msg, len, "unknown trap '%s' (hlt, rdtsc, rdpmc, pause, dr, desc, rdrand, cr3, cr8, mtf, cpuid[=RANGE], msr[=RANGE], exc=LIST)",
				 tok);
			r = -EINVAL;
		}
	}
	free(copy);
	return r;
}

void trap_emu_init(struct trap_emu *t, bool log, unsigned int cpus)
{
	memset(t, 0, sizeof(*t));
	t->log = log;
	t->nent = pvx_cpuid_default(t->cpuid, PVX_MAX_CPUID_ENTRIES);
	if (t->nent >= 0)
		t->nent = pvx_cpuid_set_topology(t->cpuid, t->nent,
						 PVX_MAX_CPUID_ENTRIES, cpus);
	for (unsigned int i = 0; i < cpus && i < PVX_MAX_VCPUS; i++) {
		t->v[i].dr[6] = DR6_RESET;
		t->v[i].dr[7] = DR7_RESET;
	}
}

#define LOG(t, vcpu, ...)						\
	do {								\
		if ((t)->log)						\
			log_line((vcpu), __VA_ARGS__);			\
	} while (0)

static void log_line(const struct pvx_vcpu *vcpu, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void log_line(const struct pvx_vcpu *vcpu, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "pvxctl: vcpu %u: %s\n", vcpu->id, line);
}

/* Stop the guest: what could not be emulated. */
static int cannot(const struct pvx_vcpu *vcpu, uint64_t rip, const char *what)
{
	fprintf(stderr, "pvxctl: vcpu %u: cannot emulate %s at rip=%#llx: stopping the guest\n",
		vcpu->id, what, (unsigned long long)rip);
	return -ENOTSUP;
}

static __u64 *gpr(struct pvx_regs *r, unsigned int n)
{
	__u64 *const gprs[16] = {
		&r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp, &r->rsi,
		&r->rdi, &r->r8, &r->r9, &r->r10, &r->r11, &r->r12, &r->r13,
		&r->r14, &r->r15,
	};

	return gprs[n & 15];
}

static const char *const gpr_names[16] = {
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

static int emu_tsc(struct trap_emu *t, struct pvx_vcpu *vcpu, struct pvx_run *run)
{
	struct pvx_regs *r = &run->trap.regs;
	uint64_t v = t->v[vcpu->id].tsc;

	t->v[vcpu->id].tsc += TRAP_TSC_STEP;
	r->rax = (uint32_t)v;
	r->rdx = v >> 32;
	if (run->trap.reason == R_RDTSCP)
		r->rcx = vcpu->id;
	LOG(t, vcpu, "%s rip=%#llx -> %#llx", run->trap.reason == R_RDTSCP ?
	    "rdtscp" : "rdtsc", (unsigned long long)r->rip,
	    (unsigned long long)v);
	return 0;
}

/* MOV DR: SDM 28.2.1 table 28-4. */
static int emu_dr(struct trap_emu *t, struct pvx_vcpu *vcpu, struct pvx_run *run)
{
	uint64_t q = run->trap.qualification;
	unsigned int dr = q & 7, reg = (q >> 8) & 15;
	__u64 *val = gpr(&run->trap.regs, reg);
	uint64_t *d = &t->v[vcpu->id].dr[dr];

	if (q & (1 << 4))
		*val = *d;
	else
		*d = *val;
	if (q & (1 << 4))
		LOG(t, vcpu, "dr rip=%#llx mov dr%u -> %s = %#llx",
		    (unsigned long long)run->trap.regs.rip, dr, gpr_names[reg],
		    (unsigned long long)*val);
	else
		LOG(t, vcpu, "dr rip=%#llx mov %s -> dr%u = %#llx",
		    (unsigned long long)run->trap.regs.rip, gpr_names[reg], dr,
		    (unsigned long long)*val);
	return 0;
}

/* MOV CR3/CR8: SDM 28.2.1 table 28-3. */
static int emu_cr(struct trap_emu *t, struct pvx_vcpu *vcpu, struct pvx_run *run)
{
	uint64_t q = run->trap.qualification, rip = run->trap.regs.rip;
	unsigned int cr = q & 15, type = (q >> 4) & 3, reg = (q >> 8) & 15;
	__u64 *val = gpr(&run->trap.regs, reg);
	struct pvx_sregs s;

	if (type > 1 || (cr != 3 && cr != 8))
		return cannot(vcpu, rip, "this control-register access");
	if (cr == 8) {
		if (type == 0)
			t->v[vcpu->id].cr8 = *val & 15;
		else
			*val = t->v[vcpu->id].cr8;
	} else {
		if (pvx_vcpu_get_sregs(vcpu, &s))
			return cannot(vcpu, rip, "MOV CR3 (PVX_GET_SREGS failed)");
		if (type == 1) {
			*val = s.cr3;
		} else {
			s.cr3 = *val;
			if (pvx_vcpu_set_sregs(vcpu, &s))
				return cannot(vcpu, rip, "MOV to CR3 (PVX_SET_SREGS refused the value)");
		}
	}
	if (type)
		LOG(t, vcpu, "cr%u rip=%#llx mov cr%u -> %s = %#llx", cr,
		    (unsigned long long)rip, cr, gpr_names[reg],
		    (unsigned long long)*val);
	else
		LOG(t, vcpu, "cr%u rip=%#llx mov %s -> cr%u = %#llx", cr,
		    (unsigned long long)rip, gpr_names[reg], cr,
		    (unsigned long long)*val);
	return 0;
}

/* The memory operand of a descriptor-table exit (SDM 28.2.5 tables 28-10, 28-11). */
static uint64_t desc_address(const struct pvx_run *run)
{
	uint32_t info = run->trap.insn_info;
	struct pvx_regs r = run->trap.regs;
	uint64_t a = run->trap.qualification;	/* the displacement */
	unsigned int asize = (info >> 7) & 7;

	if (!(info & (1U << 27)))
		a += *gpr(&r, (info >> 23) & 15);
	if (!(info & (1U << 22)))
		a += *gpr(&r, (info >> 18) & 15) << (info & 3);
	if (asize == 0)
		a &= 0xffff;
	else if (asize == 1)
		a &= 0xffffffff;
	return a;
}

static int emu_desc(struct trap_emu *t, struct pvx_vcpu *vcpu, struct pvx_run *run)
{
	static const char *const gdtr_idtr[] = { "sgdt", "sidt", "lgdt", "lidt" };
	static const char *const ldtr_tr[] = { "sldt", "str", "lldt", "ltr" };
	uint32_t info = run->trap.insn_info;
	unsigned int id = (info >> 28) & 3;
	bool table = run->trap.reason == R_GDTR_IDTR;
	const char *name = table ? gdtr_idtr[id] : ldtr_tr[id];
	uint64_t rip = run->trap.regs.rip, addr = 0;
	struct pvx_sregs s;
	uint8_t *mem = NULL;

	if (pvx_vcpu_get_sregs(vcpu, &s))
		return cannot(vcpu, rip, name);
	if (table || !(info & (1U << 10))) {
		addr = desc_address(run);
		mem = pvx_gpa_to_host(&vcpu->vm->mem, addr, table ? 10 : 2);
		if (!mem)
			return cannot(vcpu, rip, name);
	}
	if (table) {
		struct pvx_dtable *d = id & 1 ? &s.idt : &s.gdt;

		if (id < 2) {		/* store: limit, then base (8 bytes in 64-bit mode) */
			memcpy(mem, &d->limit, 2);
			memcpy(mem + 2, &d->base, 8);
		} else {
			memcpy(&d->limit, mem, 2);
			memcpy(&d->base, mem + 2, 8);
			if (pvx_vcpu_set_sregs(vcpu, &s))
				return cannot(vcpu, rip, name);
		}
		LOG(t, vcpu, "%s rip=%#llx [%#llx] limit=%#x base=%#llx", name,
		    (unsigned long long)rip, (unsigned long long)addr, d->limit,
		    (unsigned long long)d->base);
		return 0;
	}
	if (id >= 2)
		return cannot(vcpu, rip, name);		/* LLDT, LTR */
	uint16_t sel = id ? s.tr.selector : s.ldt.selector;

	if (mem)
		memcpy(mem, &sel, 2);
	else
		*gpr(&run->trap.regs, (info >> 3) & 15) = sel;
	LOG(t, vcpu, "%s rip=%#llx -> %#x", name, (unsigned long long)rip, sel);
	return 0;
}

static int emu_rand(struct trap_emu *t, struct pvx_vcpu *vcpu, struct pvx_run *run)
{
	struct pvx_regs *r = &run->trap.regs;
	unsigned int reg = (run->trap.insn_info >> 3) & 15;
	unsigned int size = (run->trap.insn_info >> 11) & 3;	/* 0: 16, 1: 32, 2: 64 bits */
	uint64_t v = 0;

	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		return cannot(vcpu, r->rip, "RDRAND (getrandom failed)");
	if (size == 0)
		*gpr(r, reg) = (*gpr(r, reg) & ~0xffffULL) | (v & 0xffff);
	else
		*gpr(r, reg) = size == 1 ? (uint32_t)v : v;
	/* CF = 1: a value is there; OF SF ZF AF PF cleared (SDM RDRAND). */
	r->rflags = (r->rflags & ~RFLAGS_ARITH) | RFLAGS_CF;
	LOG(t, vcpu, "%s rip=%#llx %s -> %#llx", run->trap.reason == R_RDRAND ?
	    "rdrand" : "rdseed", (unsigned long long)r->rip, gpr_names[reg],
	    (unsigned long long)*gpr(r, reg));
	return 0;
}

/* Interruption information, SDM 24.9.2 table 24-15. */
static int emu_exception(struct trap_emu *t, struct pvx_vcpu *vcpu,
			 struct pvx_run *run)
{
	uint32_t info = run->trap.intr_info, vec = info & 0xff;
	const char *name = pvx_exception_name(vec);
	uint64_t rip = run->trap.regs.rip;
	struct pvx_sregs s;
	int r;

	if (vec == 3) {		/* #BP: step over the INT3 */
		LOG(t, vcpu, "exc #BP rip=%#llx -> resume at %#llx",
		    (unsigned long long)rip,
		    (unsigned long long)rip + run->trap.insn_len);
		run->trap.regs.rip += run->trap.insn_len;
		return 0;
	}
	/* #PF: the exit left CR2 alone; the address is the qualification (SDM 28.2.1). */
	if (vec == 14) {
		if (pvx_vcpu_get_sregs(vcpu, &s))
			return cannot(vcpu, rip, "#PF");
		s.cr2 = run->trap.qualification;
		if (pvx_vcpu_set_sregs(vcpu, &s))
			return cannot(vcpu, rip, "#PF");
	}
	r = pvx_vcpu_inject_exception(vcpu, vec, run->trap.intr_error);
	if (r)
		return cannot(vcpu, rip, "an exception (PVX_INJECT_EXCEPTION failed)");
	if (info & (1U << 11))
		LOG(t, vcpu, "exc #%s rip=%#llx error=%#x -> re-injected",
		    name ? name : "?", (unsigned long long)rip, run->trap.intr_error);
	else
		LOG(t, vcpu, "exc #%s rip=%#llx -> re-injected", name ? name : "?",
		    (unsigned long long)rip);
	return 1;	/* RIP stays: the exception is delivered there */
}

/* An instruction that is just stepped over (or, for MTF, resumed). */
static int emu_skip(struct trap_emu *t, struct pvx_vcpu *vcpu, struct pvx_run *run)
{
	const char *name = pvx_vmx_exit_name(run->trap.reason);

	if (run->trap.reason == R_RDPMC) {
		run->trap.regs.rax = 0;
		run->trap.regs.rdx = 0;
	}
	LOG(t, vcpu, "%s rip=%#llx%s", name, (unsigned long long)run->trap.regs.rip,
	    run->trap.reason == R_RDPMC ? " ecx=0 -> 0" :
	    run->trap.reason == R_MTF ? " (step)" : "");
	return 0;
}

int trap_exit(struct trap_emu *t, struct pvx_vcpu *vcpu, struct pvx_run *run)
{
	int r;

	switch (run->trap.reason) {
	case R_RDTSC:
	case R_RDTSCP:
		r = emu_tsc(t, vcpu, run);
		break;
	case R_DR:
		r = emu_dr(t, vcpu, run);
		break;
	case R_CR:
		r = emu_cr(t, vcpu, run);
		break;
	case R_GDTR_IDTR:
	case R_LDTR_TR:
		r = emu_desc(t, vcpu, run);
		break;
	case R_RDRAND:
	case R_RDSEED:
		r = emu_rand(t, vcpu, run);
		break;
	case R_EXCEPTION:
		r = emu_exception(t, vcpu, run);
		return r < 0 ? r : PVX_RUN_CONTINUE;
	case R_MTF:
		emu_skip(t, vcpu, run);
		return PVX_RUN_CONTINUE;
	case R_HLT:
	case R_RDPMC:
	case R_PAUSE:
		r = emu_skip(t, vcpu, run);
		break;
	default:
		return cannot(vcpu, run->trap.regs.rip,
			      pvx_vmx_exit_name(run->trap.reason) ?: "an unknown exit");
	}
	if (r)
		return r;
	run->trap.regs.rip += run->trap.insn_len;
	return PVX_RUN_CONTINUE;
}

static uint64_t rip_of(struct pvx_vcpu *vcpu)
{
	struct pvx_regs r;

	return pvx_vcpu_get_regs(vcpu, &r) ? 0 : r.rip;
}

int trap_cpuid(struct trap_emu *t, struct pvx_vcpu *vcpu, struct pvx_run *run)
{
	uint32_t out[4];
	struct pvx_sregs s;

	pvx_cpuid_set_apic_id(t->cpuid, t->nent, vcpu->id);
	pvx_cpuid_answer(t->cpuid, t->nent, run->cpuid.function,
			 run->cpuid.index, out);
	/* As the kernel does: CPUID.1:ECX.OSXSAVE mirrors CR4.OSXSAVE. */
	if (run->cpuid.function == 1 && !pvx_vcpu_get_sregs(vcpu, &s)) {
		out[2] &= ~(1U << 27);
		if (s.cr4 & CR4_OSXSAVE)
			out[2] |= 1U << 27;
	}
	run->cpuid.eax = out[0];
	run->cpuid.ebx = out[1];
	run->cpuid.ecx = out[2];
	run->cpuid.edx = out[3];
	LOG(t, vcpu, "cpuid rip=%#llx eax=%#x ecx=%#x -> %#x %#x %#x %#x",
	    (unsigned long long)rip_of(vcpu), run->cpuid.function,
	    run->cpuid.index, out[0], out[1], out[2], out[3]);
	return PVX_RUN_CONTINUE;
}

int trap_msr(struct trap_emu *t, struct pvx_vcpu *vcpu, struct pvx_run *run)
{
	struct pvx_msr_entry e = { .index = run->msr.index, .data = run->msr.data };
	struct pvx_msrs m = { .nmsrs = 1, .entries = (uintptr_t)&e };
	int n = ioctl(vcpu->fd, run->msr.is_write ? PVX_SET_MSRS : PVX_GET_MSRS, &m);

	if (n != 1)
		run->msr.error = 1;
	else if (!run->msr.is_write)
		run->msr.data = e.data;
	if (run->msr.error)
		LOG(t, vcpu, "%s rip=%#llx ecx=%#x -> #GP (pvx refuses it)",
		    run->msr.is_write ? "wrmsr" : "rdmsr",
		    (unsigned long long)rip_of(vcpu), run->msr.index);
	else
		LOG(t, vcpu, "%s rip=%#llx ecx=%#x %s %#llx",
		    run->msr.is_write ? "wrmsr" : "rdmsr",
		    (unsigned long long)rip_of(vcpu), run->msr.index,
		    run->msr.is_write ? "<-" : "->",
		    (unsigned long long)run->msr.data);
	return PVX_RUN_CONTINUE;
}
