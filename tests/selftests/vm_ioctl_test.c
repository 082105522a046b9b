// SPDX-License-Identifier: GPL-2.0
/*
 * vm_ioctl_test: the bad-input table of the VM and vCPU ABI. Every bad
 * argument to PVX_CREATE_VM, PVX_GET_VCPU_MMAP_SIZE, the VM fd's and the
 * vCPU fd's ioctls and the vCPU mmap gets the errno uapi/linux/pvx.h
 * documents; an ioctl on an fd of the wrong kind gets ENOTTY; a forked
 * child gets EIO. A rejected PVX_SET_REGS or PVX_SET_SREGS leaves the
 * registers as they were. At the end, the real-mode guest that was set up
 * before all of that runs: it writes its RAX (set before the bad calls)
 * and the CPUID signature leaf of its table (set before the bad
 * PVX_SET_CPUID calls) to ports, and halts: the VM was not damaged.
 *
 * It loads pvx.ko if it is not loaded.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libpvx.h"
#include "pvxtest.h"
#include "tap.h"

#define PAGE		4096UL
#define RAM_SIZE	(2UL << 20)
/* Guest-physical addresses far above slot 0's RAM, for extra slots. */
#define FREE_GPA	0x10000000ULL
#define FREE_GPA2	0x20000000ULL
/* A kernel address on x86-64 (the direct map): never a user address. */
#define KERNEL_ADDR	0xffff888000000000ULL
/* An MSR number no x86 CPU defines, so pvx does not emulate it. */
#define MSR_UNKNOWN	0xdeadbeefU
#define MSR_EFER	0xc0000080U
#define MSR_PAT		0x277U

#define X86_CR0_PE	(1ULL << 0)
#define X86_CR0_PG	(1ULL << 31)
#define X86_CR4_PAE	(1ULL << 5)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * The guest, real mode at 0000:7C00: report the RAX the test set, then
 * the EBX of CPUID leaf 0x40000000 from the table the test set, then halt.
 */
static const uint8_t guest_code[] = {
	0xe7, 0x80,				/* out %ax, $0x80 */
	0x66, 0xb8, 0x00, 0x00, 0x00, 0x40,	/* mov $0x40000000, %eax */
	0x0f, 0xa2,				/* cpuid */
	0x66, 0x89, 0xd8,			/* mov %ebx, %eax */
	0xba, 0x10, 0x05,			/* mov $0x510, %dx */
	0x66, 0xef,				/* out %eax, (%dx) */
	0xf4,					/* hlt */
};
#define PORT_RAX	0x80
#define PORT_CPUID	0x510
#define CPUID_LEAF	0x40000000U

static int sys_fd;
static struct pvx_vm *vm;
static struct pvx_vcpu *vcpu;
static void *none_page;		/* PROT_NONE: every access faults */
static void *ro_page;		/* PROT_READ: writes fault */
static void *spare;		/* 2 pages of mapped anonymous memory */
static struct pvx_regs regs0;	/* what the guest must start with */
static struct pvx_sregs sregs0;
static uint32_t cpuid_token;	/* EBX of the guest's leaf 0x40000000 */

/* errno of an ioctl, 0 if it succeeded. */
static int ioctl_errno(int fd, unsigned long cmd, unsigned long arg)
{
	return ioctl(fd, cmd, arg) < 0 ? errno : 0;
}

static int ioctl_ptr_errno(int fd, unsigned long cmd, const void *arg)
{
	return ioctl_errno(fd, cmd, (unsigned long)arg);
}

static const char *errname(int e)
{
	return e ? strerrorname_np(e) ?: "?" : "success";
}

/* One TAP point: @got must be @want. */
static bool __attribute__((format(printf, 3, 4)))
expect(int got, int want, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return tap_ok(got == want, "%s: %s (got %s)", what, errname(want),
		      errname(got));
}

/*
 * PVX_SET_MEMORY_REGION.
 */

static int region(uint32_t slot, uint32_t flags, uint64_t gpa, uint64_t size,
		  uint64_t uaddr)
{
	struct pvx_memory_region r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = uaddr,
	};

	return ioctl_ptr_errno(vm->fd, PVX_SET_MEMORY_REGION, &r);
}

/* A user range that was mapped and is not any more. */
static uint64_t unmapped_range(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || munmap(p, len))
		tap_bail("mmap/munmap: %s", strerror(errno));
	return (uintptr_t)p;
}

/* Three pages whose middle one is unmapped. */
static uint64_t holed_range(void)
{
	char *p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || munmap(p + PAGE, PAGE))
		tap_bail("mmap/munmap: %s", strerror(errno));
	return (uintptr_t)p;
}

/* Add, delete, delete again, re-add elsewhere, reuse the old range. */
static bool delete_and_readd(void)
{
	uint64_t ua = (uintptr_t)spare;
	int add = region(1, 0, FREE_GPA, PAGE, ua);
	int del = region(1, 0, FREE_GPA, 0, ua);
	int del2 = region(1, 0, FREE_GPA, 0, ua);
	int readd = region(1, 0, FREE_GPA2, PAGE, ua);
	int reuse = region(2, 0, FREE_GPA, PAGE, ua);
	int clean = region(1, 0, 0, 0, 0) | region(2, 0, 0, 0, 0);
	bool ok = !add && !del && del2 == EINVAL && !readd && !reuse && !clean;

	if (!ok)
		tap_diag("add %s, delete %s, delete again %s, re-add %s, old range in another slot %s, cleanup %d",
			 errname(add), errname(del), errname(del2),
			 errname(readd), errname(reuse), clean);
	return tap_ok(ok, "PVX_SET_MEMORY_REGION: a deleted slot and its range can be used again");
}

static void memory_region_cases(void)
{
	uint64_t ua = (uintptr_t)spare;

	expect(ioctl_ptr_errno(vm->fd, PVX_SET_MEMORY_REGION, none_page), EFAULT,
	       "PVX_SET_MEMORY_REGION(PROT_NONE page)");
	expect(region(1, 1U << 1, FREE_GPA, PAGE, ua), EINVAL,
	       "PVX_SET_MEMORY_REGION unknown flag");
	expect(region(PVX_MAX_MEM_SLOTS, 0, FREE_GPA, PAGE, ua), EINVAL,
	       "PVX_SET_MEMORY_REGION slot %u", PVX_MAX_MEM_SLOTS);
	expect(region(UINT32_MAX, 0, FREE_GPA, 0, ua), EINVAL,
	       "PVX_SET_MEMORY_REGION delete slot 2^32-1");
	expect(region(1, 0, FREE_GPA + 0x800, PAGE, ua), EINVAL,
	       "PVX_SET_MEMORY_REGION unaligned guest_phys_addr");
	expect(region(1, 0, FREE_GPA, PAGE + 0x800, ua), EINVAL,
	       "PVX_SET_MEMORY_REGION unaligned memory_size");
	expect(region(1, 0, FREE_GPA, PAGE, ua + 0x10), EINVAL,
	       "PVX_SET_MEMORY_REGION unaligned userspace_addr");
	expect(region(1, 0, -PAGE, 2 * PAGE, ua), EINVAL,
	       "PVX_SET_MEMORY_REGION guest range wraps past 2^64");
	expect(region(1, 0, FREE_GPA, 2 * PAGE, -PAGE), EINVAL,
	       "PVX_SET_MEMORY_REGION user range wraps past 2^64");
	expect(region(1, 0, PVX_MAX_GPA - PAGE, 2 * PAGE, ua), EINVAL,
	       "PVX_SET_MEMORY_REGION range crosses PVX_MAX_GPA");
	expect(region(1, 0, PVX_MAX_GPA, PAGE, ua), EINVAL,
	       "PVX_SET_MEMORY_REGION range starts at PVX_MAX_GPA");
	tap_ok(!region(1, 0, PVX_MAX_GPA - PAGE, PAGE, ua) &&
	       !region(1, 0, 0, 0, 0),
	       "PVX_SET_MEMORY_REGION the last page below PVX_MAX_GPA is a slot");
	expect(region(1, 0, FREE_GPA, PAGE, KERNEL_ADDR), EINVAL,
	       "PVX_SET_MEMORY_REGION kernel address as userspace_addr");
	expect(region(1, 0, FREE_GPA, 2 * PAGE, unmapped_range(2 * PAGE)), EFAULT,
	       "PVX_SET_MEMORY_REGION unmapped user range");
	expect(region(1, 0, FREE_GPA, 3 * PAGE, holed_range()), EFAULT,
	       "PVX_SET_MEMORY_REGION user range with an unmapped page");
	expect(region(1, 0, RAM_SIZE - PAGE, 2 * PAGE, ua), EBUSY,
	       "PVX_SET_MEMORY_REGION range overlaps slot 0");
	expect(region(0, 0, FREE_GPA, PAGE, ua), EEXIST,
	       "PVX_SET_MEMORY_REGION slot 0 is in use");
	expect(region(5, 0, 0, 0, 0), EINVAL,
	       "PVX_SET_MEMORY_REGION delete an empty slot");
	delete_and_readd();
}

/*
 * PVX_CREATE_VCPU, PVX_RUN and the run page's flags.
 */

static void vcpu_create_cases(void)
{
	int e64 = ioctl_errno(vm->fd, PVX_CREATE_VCPU, PVX_MAX_VCPUS);
	int e4g = ioctl_errno(vm->fd, PVX_CREATE_VCPU, 1UL << 32);

	expect(e64 ? e64 : e4g, EINVAL, "PVX_CREATE_VCPU id %d and 2^32",
	       PVX_MAX_VCPUS);
	expect(ioctl_errno(vm->fd, PVX_CREATE_VCPU, 0), EEXIST,
	       "PVX_CREATE_VCPU id 0 again");
}

static void run_cases(void)
{
	struct pvx_run *run = vcpu->run;
	int e;

	expect(ioctl_errno(vcpu->fd, PVX_RUN, 1), EINVAL, "PVX_RUN with an argument");
	run->flags = 1U << 1;
	expect(ioctl_errno(vcpu->fd, PVX_RUN, 0), EINVAL,
	       "PVX_RUN with an unknown bit in run->flags");
	run->flags = 1U << 31;
	expect(ioctl_errno(vcpu->fd, PVX_RUN, 0), EINVAL,
	       "PVX_RUN with run->flags bit 31");
	run->flags = PVX_RUN_IMMEDIATE_EXIT;
	run->exit_reason = PVX_EXIT_UNKNOWN;
	e = ioctl_errno(vcpu->fd, PVX_RUN, 0);
	tap_ok(e == EINTR && run->exit_reason == PVX_EXIT_INTR,
	       "PVX_RUN_IMMEDIATE_EXIT: EINTR with PVX_EXIT_INTR (got %s, exit %u)",
	       errname(e), run->exit_reason);
	run->flags = 0;
}

/*
 * PVX_SET_REGS and PVX_SET_SREGS: rejected, and nothing changed.
 */

static bool regs_unchanged(void)
{
	struct pvx_regs now;

	return !pvx_vcpu_get_regs(vcpu, &now) && !memcmp(&now, &regs0, sizeof(now));
}

static void set_regs_rejected(uint64_t rflags, const char *what)
{
	struct pvx_regs r = regs0;
	int e;

	r.rflags = rflags;
	r.rax = ~regs0.rax;
	e = ioctl_ptr_errno(vcpu->fd, PVX_SET_REGS, &r);
	tap_ok(e == EINVAL && regs_unchanged(),
	       "PVX_SET_REGS RFLAGS %#llx (%s): EINVAL, registers unchanged (got %s)",
	       (unsigned long long)rflags, what, errname(e));
}

static void regs_cases(void)
{
	static const unsigned int reserved_bits[] = { 3, 5, 15, 22, 31, 63 };

	for (size_t i = 0; i < ARRAY_SIZE(reserved_bits); i++)
		set_regs_rejected(regs0.rflags | 1ULL << reserved_bits[i],
				  "a reserved bit");
	set_regs_rejected(regs0.rflags & ~2ULL, "bit 1 clear");
}

static bool sregs_unchanged(void)
{
	struct pvx_sregs now;

	return !pvx_vcpu_get_sregs(vcpu, &now) &&
	       !memcmp(&now, &sregs0, sizeof(now));
}

typedef void (*sregs_mutation)(struct pvx_sregs *s);

static void sregs_rejected(sregs_mutation mutate, const char *what)
{
	struct pvx_sregs s = sregs0;
	int e;

	mutate(&s);
	e = ioctl_ptr_errno(vcpu->fd, PVX_SET_SREGS, &s);
	tap_ok(e == EINVAL && sregs_unchanged(),
	       "PVX_SET_SREGS %s: EINVAL, segments and CRs unchanged (got %s)",
	       what, errname(e));
}

static void m_flags(struct pvx_sregs *s) { s->flags = 1; }
static void m_padding(struct pvx_sregs *s) { s->padding = 1; }
static void m_gdt_padding(struct pvx_sregs *s) { s->gdt.padding[0] = 1; }
static void m_idt_padding(struct pvx_sregs *s) { s->idt.padding[2] = 1; }
static void m_cs_padding(struct pvx_sregs *s) { s->cs.padding[0] = 1; }
static void m_tr_padding(struct pvx_sregs *s) { s->tr.padding[8] = 1; }
static void m_type(struct pvx_sregs *s) { s->ds.type = 16; }
static void m_dpl(struct pvx_sregs *s) { s->ss.dpl = 4; }
static void m_present(struct pvx_sregs *s) { s->es.present = 2; }
static void m_db(struct pvx_sregs *s) { s->fs.db = 2; }
static void m_unusable(struct pvx_sregs *s) { s->ldt.unusable = 0xff; }

/*
 * The control-register cases also move DS: a rejected call that wrote the
 * segments before it checked the CRs shows up as a changed DS base.
 */
static void m_pg_no_pe(struct pvx_sregs *s)
{
	s->ds.base += 0x10;
	s->cr0 = (s->cr0 | X86_CR0_PG) & ~X86_CR0_PE;
}

static void m_lma_no_pg(struct pvx_sregs *s)
{
	s->ds.base += 0x10;
	s->efer |= EFER_LME | EFER_LMA;
	s->cr0 &= ~X86_CR0_PG;
}

static void m_lme_pg_no_lma(struct pvx_sregs *s)
{
	s->ds.base += 0x10;
	s->cr0 |= X86_CR0_PE | X86_CR0_PG;
	s->cr4 |= X86_CR4_PAE;
	s->efer = (s->efer | EFER_LME) & ~EFER_LMA;
}

static void m_cr4_reserved(struct pvx_sregs *s)
{
	s->ds.base += 0x10;
	s->cr4 |= 1ULL << 63;
}

static void m_efer_reserved(struct pvx_sregs *s)
{
	s->ds.base += 0x10;
	s->efer |= 1ULL << 63;
}

static void sregs_cases(void)
{
	static const struct {
		sregs_mutation mutate;
		const char *what;
	} cases[] = {
		{ m_flags, "non-zero flags" },
		{ m_padding, "non-zero padding" },
		{ m_gdt_padding, "non-zero GDTR padding" },
		{ m_idt_padding, "non-zero IDTR padding" },
		{ m_cs_padding, "non-zero CS padding" },
		{ m_tr_padding, "non-zero TR padding" },
		{ m_type, "DS type 16" },
		{ m_dpl, "SS DPL 4" },
		{ m_present, "ES present 2" },
		{ m_db, "FS D/B 2" },
		{ m_unusable, "LDTR unusable 0xff" },
		{ m_pg_no_pe, "CR0.PG without CR0.PE" },
		{ m_lma_no_pg, "EFER.LMA without CR0.PG" },
		{ m_lme_pg_no_lma, "EFER.LME and CR0.PG without EFER.LMA" },
		{ m_cr4_reserved, "CR4 bit 63" },
		{ m_efer_reserved, "EFER bit 63" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		sregs_rejected(cases[i].mutate, cases[i].what);
}

/*
 * PVX_GET_MSRS and PVX_SET_MSRS.
 */

static int msrs(unsigned long cmd, uint32_t n, uint32_t flags,
		struct pvx_msr_entry *e)
{
	struct pvx_msrs m = { .nmsrs = n, .flags = flags, .entries = (uintptr_t)e };
	int r = ioctl(vcpu->fd, cmd, &m);

	return r < 0 ? -errno : r;
}

static void msr_cases(void)
{
	static struct pvx_msr_entry e[PVX_MAX_MSR_ENTRIES + 1];
	struct pvx_msr_entry three[3];
	uint64_t pat;
	int r;

	expect(-msrs(PVX_GET_MSRS, PVX_MAX_MSR_ENTRIES + 1, 0, e), E2BIG,
	       "PVX_GET_MSRS nmsrs %d", PVX_MAX_MSR_ENTRIES + 1);
	expect(-msrs(PVX_SET_MSRS, UINT32_MAX, 0, e), E2BIG,
	       "PVX_SET_MSRS nmsrs 2^32-1");
	e[0] = (struct pvx_msr_entry){ .index = MSR_EFER };
	expect(-msrs(PVX_GET_MSRS, 1, 1, e), EINVAL, "PVX_GET_MSRS non-zero flags");
	expect(-msrs(PVX_SET_MSRS, 1, 1U << 31, e), EINVAL,
	       "PVX_SET_MSRS non-zero flags");
	e[0].reserved = 1;
	expect(-msrs(PVX_GET_MSRS, 1, 0, e), EINVAL,
	       "PVX_GET_MSRS entry with non-zero reserved");
	expect(-msrs(PVX_SET_MSRS, 1, 0, e), EINVAL,
	       "PVX_SET_MSRS entry with non-zero reserved");

	three[0] = (struct pvx_msr_entry){ .index = MSR_EFER, .data = ~0ULL };
	three[1] = (struct pvx_msr_entry){ .index = MSR_UNKNOWN };
	three[2] = (struct pvx_msr_entry){ .index = MSR_PAT };
	r = msrs(PVX_GET_MSRS, 3, 0, three);
	tap_ok(r == 1 && three[0].data == sregs0.efer,
	       "PVX_GET_MSRS EFER, unknown %#x, PAT: 1 entry read, EFER as in sregs (got %d)",
	       MSR_UNKNOWN, r);

	three[0] = (struct pvx_msr_entry){ .index = MSR_PAT };
	r = msrs(PVX_GET_MSRS, 1, 0, three);
	pat = three[0].data;
	three[1] = (struct pvx_msr_entry){ .index = MSR_UNKNOWN };
	three[2] = (struct pvx_msr_entry){ .index = MSR_EFER, .data = sregs0.efer };
	tap_ok(r == 1 && msrs(PVX_SET_MSRS, 3, 0, three) == 1,
	       "PVX_SET_MSRS PAT, unknown %#x, EFER: 1 entry written", MSR_UNKNOWN);
	/* Memory type 2 is reserved in every PAT entry (SDM 11.12.2). */
	three[0] = (struct pvx_msr_entry){ .index = MSR_PAT,
					   .data = (pat & ~0xffULL) | 2 };
	r = msrs(PVX_SET_MSRS, 1, 0, three);
	three[0] = (struct pvx_msr_entry){ .index = MSR_PAT };
	tap_ok(r == 0 && msrs(PVX_GET_MSRS, 1, 0, three) == 1 &&
	       three[0].data == pat,
	       "PVX_SET_MSRS PAT with a reserved memory type: 0 entries, PAT kept (got %d)",
	       r);

	expect(ioctl_ptr_errno(vcpu->fd, PVX_GET_MSRS, none_page), EFAULT,
	       "PVX_GET_MSRS(PROT_NONE page)");
	expect(-msrs(PVX_GET_MSRS, 1, 0, none_page), EFAULT,
	       "PVX_GET_MSRS entries on a PROT_NONE page");
	expect(-msrs(PVX_GET_MSRS, 1, 0, ro_page), EFAULT,
	       "PVX_GET_MSRS entries on a read-only page");
	expect(-msrs(PVX_SET_MSRS, 1, 0, none_page), EFAULT,
	       "PVX_SET_MSRS entries on a PROT_NONE page");
	expect(ioctl_ptr_errno(vcpu->fd, PVX_SET_MSRS, none_page), EFAULT,
	       "PVX_SET_MSRS(PROT_NONE page)");
}

/*
 * PVX_SET_CPUID. The guest's table, set first, has leaf 0 and the leaf
 * the guest reads; every rejected call must leave it in place.
 */

static int cpuid(uint32_t n, uint32_t flags, const struct pvx_cpuid_entry *e)
{
	struct pvx_cpuid c = { .nent = n, .flags = flags, .entries = (uintptr_t)e };

	return ioctl_ptr_errno(vcpu->fd, PVX_SET_CPUID, &c);
}

static int set_guest_cpuid(void)
{
	const struct pvx_cpuid_entry t[] = {
		{ .function = 0, .eax = 1 },
		{ .function = CPUID_LEAF, .eax = CPUID_LEAF, .ebx = cpuid_token },
	};

	return cpuid(ARRAY_SIZE(t), 0, t);
}

static void cpuid_cases(void)
{
	static struct pvx_cpuid_entry big[PVX_MAX_CPUID_ENTRIES + 1];
	struct pvx_cpuid_entry e[2];

	for (uint32_t i = 0; i < ARRAY_SIZE(big); i++)
		big[i].function = i;
	expect(cpuid(ARRAY_SIZE(big), 0, big), E2BIG, "PVX_SET_CPUID %zu entries",
	       ARRAY_SIZE(big));
	expect(cpuid(1, 1, big), EINVAL, "PVX_SET_CPUID non-zero flags");

	e[0] = (struct pvx_cpuid_entry){ .function = 1, .eax = 1 };
	e[1] = (struct pvx_cpuid_entry){ .function = 1, .eax = 2 };
	expect(cpuid(2, 0, e), EINVAL, "PVX_SET_CPUID leaf 1 twice");
	e[1].index = 5;		/* ignored: leaf 1 is not indexed */
	expect(cpuid(2, 0, e), EINVAL,
	       "PVX_SET_CPUID leaf 1 twice, not indexed, different index");
	e[0] = (struct pvx_cpuid_entry){ .function = 4, .index = 1,
					 .flags = PVX_CPUID_INDEXED };
	e[1] = e[0];
	expect(cpuid(2, 0, e), EINVAL, "PVX_SET_CPUID leaf 4 subleaf 1 twice");
	e[1].index = 2;
	expect(cpuid(2, 0, e), 0, "PVX_SET_CPUID leaf 4 subleaves 1 and 2");
	e[0].flags |= 1U << 1;
	expect(cpuid(2, 0, e), EINVAL, "PVX_SET_CPUID entry with an unknown flag");
	e[0].flags = PVX_CPUID_INDEXED;
	e[1].padding = 1;
	expect(cpuid(2, 0, e), EINVAL, "PVX_SET_CPUID entry with non-zero padding");
	expect(ioctl_ptr_errno(vcpu->fd, PVX_SET_CPUID, none_page), EFAULT,
	       "PVX_SET_CPUID(PROT_NONE page)");
	expect(cpuid(2, 0, none_page), EFAULT,
	       "PVX_SET_CPUID entries on a PROT_NONE page");
	/* The rejected calls above must not matter: the guest's table again
	 * only if a valid call (subleaves 1 and 2) replaced it. */
	if (set_guest_cpuid())
		tap_bail("PVX_SET_CPUID of the guest's table failed");
}

/*
 * The vCPU mapping.
 */

static int mmap_errno(size_t len, off_t off)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd,
		       off);

	if (p == MAP_FAILED)
		return errno;
	munmap(p, len);
	return 0;
}

static void mmap_cases(void)
{
	size_t size = vm->vcpu_mmap_size;

	expect(mmap_errno(size + PAGE, 0), EINVAL,
	       "mmap of the vCPU fd, PVX_GET_VCPU_MMAP_SIZE + 1 page");
	expect(mmap_errno(PAGE, size), EINVAL,
	       "mmap of the vCPU fd at offset PVX_GET_VCPU_MMAP_SIZE");
	expect(mmap_errno(PAGE, size - PAGE), 0,
	       "mmap of the vCPU fd's last page");
}

/*
 * fds of the wrong kind: every ioctl with a valid argument for its own
 * kind of fd.
 */

struct call {
	const char *name;
	unsigned long cmd;
	void *arg;		/* a pointer, or an integer argument */
};

static struct pvx_caps caps;
static struct pvx_cpu_state cpu_state;
static struct pvx_memory_region free_region;
static struct pvx_regs regs_buf;
static struct pvx_sregs sregs_buf;
static struct pvx_msr_entry msr_buf = { .index = MSR_EFER };
static struct pvx_msrs msrs_buf = { .nmsrs = 1 };
static struct pvx_cpuid_entry cpuid_buf = { .function = CPUID_LEAF };
static struct pvx_cpuid cpuid_arg = { .nent = 1 };

static const struct call system_calls[] = {
	{ "PVX_GET_API_VERSION", PVX_GET_API_VERSION, NULL },
	{ "PVX_GET_CAPS", PVX_GET_CAPS, &caps },
	{ "PVX_GET_CPU_STATE", PVX_GET_CPU_STATE, &cpu_state },
	{ "PVX_CREATE_VM", PVX_CREATE_VM, NULL },
	{ "PVX_GET_VCPU_MMAP_SIZE", PVX_GET_VCPU_MMAP_SIZE, NULL },
};

static const struct call vm_calls[] = {
	{ "PVX_SET_MEMORY_REGION", PVX_SET_MEMORY_REGION, &free_region },
	{ "PVX_CREATE_VCPU", PVX_CREATE_VCPU, (void *)1 },
};

static const struct call vcpu_calls[] = {
	{ "PVX_RUN", PVX_RUN, NULL },
	{ "PVX_GET_REGS", PVX_GET_REGS, &regs_buf },
	{ "PVX_SET_REGS", PVX_SET_REGS, &regs_buf },
	{ "PVX_GET_SREGS", PVX_GET_SREGS, &sregs_buf },
	{ "PVX_SET_SREGS", PVX_SET_SREGS, &sregs_buf },
	{ "PVX_GET_MSRS", PVX_GET_MSRS, &msrs_buf },
	{ "PVX_SET_MSRS", PVX_SET_MSRS, &msrs_buf },
	{ "PVX_SET_CPUID", PVX_SET_CPUID, &cpuid_arg },
};

/* Each call of @calls on @fd; @want for all, or the first that differs. */
static void calls_on(int fd, const struct call *calls, size_t n, int want,
		     const char *kind, const char *fd_name)
{
	const char *bad = NULL;
	int got = want;

	for (size_t i = 0; i < n && !bad; i++) {
		got = ioctl_errno(fd, calls[i].cmd, (unsigned long)calls[i].arg);
		if (got != want)
			bad = calls[i].name;
	}
	tap_ok(!bad, "%s ioctls on %s: %s (%s%s%s)", kind, fd_name, errname(want),
	       bad ?: "all", bad ? " got " : "", bad ? errname(got) : "");
}

static void wrong_fd_cases(void)
{
	free_region = (struct pvx_memory_region){ .slot = 3,
		.guest_phys_addr = FREE_GPA, .memory_size = PAGE,
		.userspace_addr = (uintptr_t)spare };
	msrs_buf.entries = (uintptr_t)&msr_buf;
	cpuid_arg.entries = (uintptr_t)&cpuid_buf;
	regs_buf = regs0;
	sregs_buf = sregs0;

	calls_on(sys_fd, vm_calls, ARRAY_SIZE(vm_calls), ENOTTY, "VM", "/dev/pvx");
	calls_on(vcpu->fd, vm_calls, ARRAY_SIZE(vm_calls), ENOTTY, "VM", "a vCPU fd");
	calls_on(vm->fd, vcpu_calls, ARRAY_SIZE(vcpu_calls), ENOTTY, "vCPU", "a VM fd");
	calls_on(sys_fd, vcpu_calls, ARRAY_SIZE(vcpu_calls), ENOTTY, "vCPU", "/dev/pvx");
	calls_on(vm->fd, system_calls, ARRAY_SIZE(system_calls), ENOTTY, "system",
		 "a VM fd");
	calls_on(vcpu->fd, system_calls, ARRAY_SIZE(system_calls), ENOTTY,
		 "system", "a vCPU fd");
}

/*
 * A forked child shares the fds but not the memory: EIO for everything,
 * the unknown ioctl number included.
 */
static const struct call child_vm_calls[] = {
	{ "PVX_SET_MEMORY_REGION", PVX_SET_MEMORY_REGION, &free_region },
	{ "PVX_CREATE_VCPU", PVX_CREATE_VCPU, (void *)1 },
	{ "unknown", _IO(PVXIO, 0x7f), NULL },
};

/* In a child: 0 if every call of @calls on @fd failed with EIO. */
static int child_calls(int fd, const struct call *calls, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ioctl_errno(fd, calls[i].cmd, (unsigned long)calls[i].arg) != EIO)
			return 1 + i;
	return 0;
}

static void fork_case(int fd, const struct call *calls, size_t n,
		      const char *what)
{
	int status = -1;
	pid_t pid = fork();

	if (pid == 0)
		_exit(child_calls(fd, calls, n));
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		status = -1;
	else
		status = WEXITSTATUS(status);
	tap_ok(status == 0, "%s from a forked child: EIO for every ioctl (%s)",
	       what, status == 0 ? "all" : status > 0 && (size_t)status <= n ?
	       calls[status - 1].name : "the child died");
}

/*
 * The guest, last: it must still do what it was set up to do.
 */

/* Run to the next exit; 0 or the errno. */
static int run_once(void)
{
	return ioctl_errno(vcpu->fd, PVX_RUN, 0);
}

static bool io_exit_is(uint16_t port, uint8_t size, uint32_t value)
{
	const struct pvx_run *run = vcpu->run;
	uint32_t data = 0;

	if (run->exit_reason != PVX_EXIT_IO || run->io.port != port ||
	    run->io.size != size || run->io.direction != PVX_EXIT_IO_OUT ||
	    run->io.count != 1 || !pvx_vcpu_io_data(vcpu))
		return false;
	memcpy(&data, pvx_vcpu_io_data(vcpu), size);
	return data == value;
}

static void guest_case(void)
{
	const struct pvx_run *run = vcpu->run;
	bool rax, leaf, hlt;

	rax = !run_once() && io_exit_is(PORT_RAX, 2, (uint16_t)regs0.rax);
	leaf = rax && !run_once() && io_exit_is(PORT_CPUID, 4, cpuid_token);
	hlt = leaf && !run_once() && run->exit_reason == PVX_EXIT_HLT;
	if (!hlt)
		tap_diag("exit %u (%s), port %#x, size %u; RAX ok %d, CPUID ok %d",
			 run->exit_reason, pvx_exit_name(run->exit_reason) ?: "?",
			 run->io.port, run->io.size, rax, leaf);
	tap_ok(hlt, "after all that, the guest writes its RAX and CPUID leaf and halts");
}

static void *map_anon(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		tap_bail("mmap: %s", strerror(errno));
	return p;
}

/* VM with 2 MiB at GPA 0, vCPU 0 in real mode at the guest, its CPUID. */
static void setup(void)
{
	void *code;

	sys_fd = pvx_open_system();
	if (sys_fd < 0)
		tap_bail("cannot open /dev/pvx: %s", strerror(-sys_fd));
	none_page = map_anon(PAGE, PROT_NONE);
	ro_page = map_anon(PAGE, PROT_READ | PROT_WRITE);
	spare = map_anon(2 * PAGE, PROT_READ | PROT_WRITE);
	if (pvx_vm_create(sys_fd, &vm) ||
	    pvx_vm_add_ram(vm, 0, 0, RAM_SIZE, 0, PVX_BACKING_PAGES) ||
	    pvx_vcpu_create(vm, 0, &vcpu))
		tap_bail("cannot create a VM with RAM and a vCPU");
	code = pvx_gpa_to_host(&vm->mem, PVX_REAL_IMAGE_GPA, sizeof(guest_code));
	memcpy(code, guest_code, sizeof(guest_code));
	if (pvx_vcpu_setup_mode(vcpu, PVX_MODE_REAL, PVX_REAL_IMAGE_GPA, 1) ||
	    pvx_vcpu_get_regs(vcpu, &regs0))
		tap_bail("cannot set up real mode");
	/* Values only this run knows, for the guest to hand back. */
	regs0.rax = 0x5a00 | (getpid() & 0xff);
	cpuid_token = 0x70767800 | (getpid() & 0xff);
	if (pvx_vcpu_set_regs(vcpu, &regs0) || pvx_vcpu_get_sregs(vcpu, &sregs0) ||
	    set_guest_cpuid())
		tap_bail("cannot set the guest's registers and CPUID");
	/* A valid entry that PVX_GET_MSRS reads but cannot write back. */
	*(struct pvx_msr_entry *)ro_page = (struct pvx_msr_entry){ .index = MSR_EFER };
	if (mprotect(ro_page, PAGE, PROT_READ))
		tap_bail("mprotect: %s", strerror(errno));
}

#define NR_TESTS	87

int main(void)
{
	tap_plan(NR_TESTS);
	if (pvxtest_load_pvx())
		tap_bail("pvx.ko does not load");
	setup();

	expect(ioctl_errno(sys_fd, PVX_CREATE_VM, 1), EINVAL,
	       "PVX_CREATE_VM with flags");
	expect(ioctl_errno(sys_fd, PVX_GET_VCPU_MMAP_SIZE, 1), EINVAL,
	       "PVX_GET_VCPU_MMAP_SIZE with an argument");
	memory_region_cases();
	vcpu_create_cases();
	run_cases();
	regs_cases();
	sregs_cases();
	msr_cases();
	cpuid_cases();
	mmap_cases();
	wrong_fd_cases();
	fork_case(vm->fd, child_vm_calls, ARRAY_SIZE(child_vm_calls), "VM fd");
	fork_case(vcpu->fd, vcpu_calls, ARRAY_SIZE(vcpu_calls), "vCPU fd");
	tap_ok(regs_unchanged() && sregs_unchanged(),
	       "registers and segments as set before the bad calls");
	guest_case();

	pvx_vm_destroy(vm);
	close(sys_fd);
	return tap_finish();
}
