// SPDX-License-Identifier: GPL-2.0
/*
 * The Xen PV core guest: what a guest of pvx's Xen ABI does first (find
 * Xen by CPUID, fill a hypercall page, ask the version, write to the
 * hypervisor console, read and set HVM params, map shared_info), one
 * scenario per run (xenpv.h), and the rest of the core ABI: every
 * xen_version command, console_io's bounds, multicall, the register
 * convention (all registers but RAX kept; the 32-bit one from a
 * compatibility-mode segment), CPL 3, bad pointers. The guest does the
 * same thing whatever the host did and reports each result; the host test
 * judges them. Without a host test behind the scenario port (pvxctl run
 * --pv) it writes one line to the hypervisor console and exits 0, or 3 if
 * that fails (no PV).
 */
#include <stdbool.h>

#include "guest.h"
#include "hypercall.h"
#include "trap.h"
#include "xenpv.h"

/* Filled by WRMSR XEN_HYPERCALL_MSR. */
static uint8_t hypercall_page[4096] __attribute__((aligned(4096)));

static uint32_t scenario(void)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"((uint16_t)XP_PORT_SCENARIO));
	return v;
}

static void cpuid(uint32_t leaf, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(0));
}

/* Linux's scan (hypervisor_cpuid_base): every 0x100 from 0x40000000. */
static uint32_t xen_cpuid_base(void)
{
	uint32_t r[4];

	for (uint32_t base = 0x40000000; base < 0x40010000; base += 0x100) {
		cpuid(base, r);
		if (r[1] == XEN_CPUID_SIGNATURE_EBX &&
		    r[2] == XEN_CPUID_SIGNATURE_ECX &&
		    r[3] == XEN_CPUID_SIGNATURE_EDX && r[0] - base >= 2)
			return base;
	}
	return 0;
}

static void detect(void)
{
	uint32_t base = xen_cpuid_base(), r[4];

	cpuid(1, r);
	report(XK_CPUID_HYPERVISOR, r[2] >> 31);
	cpuid(0x40000000, r);
	report(XK_CPUID_40000000_EBX, r[1]);
	report(XK_VMCALL_VERSION,
	       hypercall2(__HYPERVISOR_xen_version, XENVER_version, 0));
	if (!base) {
		report(XK_CPUID_BASE, XP_NONE);
		return;
	}
	report(XK_CPUID_BASE, base);
	cpuid(base, r);
	report(XK_CPUID_MAX, r[0]);
	cpuid(base + XEN_CPUID_LEAF_VERSION, r);
	report(XK_CPUID_VERSION, r[0]);
	cpuid(base + XEN_CPUID_LEAF_HCALL, r);
	report(XK_CPUID_HCALL_PAGES, r[0]);
	report(XK_CPUID_HCALL_MSR, r[1]);
	cpuid(base + XEN_CPUID_LEAF_HVM, r);
	report(XK_CPUID_HVM_EAX, r[0]);
	report(XK_CPUID_HVM_EBX, r[1]);
	report(XK_CPUID_HVM_ECX, r[2]);
}

static void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v),
			 "d"((uint32_t)(v >> 32)) : "memory");
}

/* Xen's Intel stubs: "mov $n, %eax; vmcall; ret", int3 after; iret: ud2. */
static bool stub_ok(unsigned int n)
{
	const uint8_t *p = hypercall_page + n * XEN_HYPERCALL_STUB_SIZE;
	const uint8_t want[9] = { 0xb8, n, 0, 0, 0, 0x0f, 0x01, 0xc1, 0xc3 };
	unsigned int i = 0;

	if (n == __HYPERVISOR_iret)
		return p[0] == 0x0f && p[1] == 0x0b && p[2] == 0xcc;
	for (; i < sizeof(want); i++)
		if (p[i] != want[i])
			return false;
	for (; i < XEN_HYPERCALL_STUB_SIZE; i++)
		if (p[i] != 0xcc)
			return false;
	return true;
}

/* A two-argument call through the page's stub @nr. */
static long page_call2(unsigned int nr, unsigned long a1, unsigned long a2)
{
	long ret;

	__asm__ volatile("call *%3"
			 : "=a"(ret), "+D"(a1), "+S"(a2)
			 : "r"(hypercall_page + nr * XEN_HYPERCALL_STUB_SIZE)
			 : "memory");
	return ret;
}

static void hypercall_page_cases(void)
{
	bool ok = true;

	wrmsr(XEN_HYPERCALL_MSR, (uint64_t)(uintptr_t)hypercall_page);
	for (unsigned int n = 0; n < 128; n++)
		ok &= stub_ok(n);
	report(XK_PAGE_STUB_OK, ok);
	report(XK_PAGE_VERSION,
	       page_call2(__HYPERVISOR_xen_version, XENVER_version, 0));
}

static long console_write(const char *s, unsigned long len)
{
	return hypercall3(__HYPERVISOR_console_io, CONSOLEIO_write, len, s);
}

static unsigned long str_len(const char *s)
{
	unsigned long n = 0;

	while (s[n])
		n++;
	return n;
}

static void param_cases(void)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF,
				   .index = HVM_PARAM_STORE_PFN };

	report(XK_GET_STORE_RET,
	       hypercall2(__HYPERVISOR_hvm_op, HVMOP_get_param, &p));
	report(XK_GET_STORE_VALUE, p.value);
	p = (struct xen_hvm_param){ .domid = DOMID_SELF,
				    .index = HVM_PARAM_CALLBACK_IRQ,
				    .value = XP_CALLBACK };
	report(XK_SET_CALLBACK_RET,
	       hypercall2(__HYPERVISOR_hvm_op, HVMOP_set_param, &p));
}

static long map_shared_info(uint64_t gpa)
{
	struct xen_add_to_physmap x = {
		.domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
		.idx = 0, .gpfn = gpa >> XEN_PAGE_SHIFT,
	};

	return hypercall2(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, &x);
}

static uint64_t qword(uint64_t gpa)
{
	return *(volatile uint64_t *)(uintptr_t)gpa;
}

static void shared_info_cases(void)
{
	char *scratch = (char *)(uintptr_t)(XP_SI_GPA + XP_SI_SCRATCH);
	unsigned long len = str_len(XP_CONSOLE_SHARED);

	report(XK_SI_BEFORE, qword(XP_SI_GPA + XP_SI_SCRATCH));
	report(XK_SI_MAP_RET, map_shared_info(XP_SI_GPA));
	report(XK_SI_AFTER, qword(XP_SI_GPA + XP_SI_SCRATCH));
	report(XK_SI_NEIGHBOUR, qword(XP_SI_GPA + 4096));
	/* pvx reads these bytes for console_io where the guest wrote them. */
	memcpy(scratch, XP_CONSOLE_SHARED, len);
	report(XK_SI_CONSOLE_RET, console_write(scratch, len));
	report(XK_SI_MOVE_RET, map_shared_info(XP_SI_NEXT_GPA));
	report(XK_SI_OLD_AFTER_MOVE, qword(XP_SI_GPA + XP_SI_SCRATCH));
	report(XK_SI_NEW_AFTER_MOVE, qword(XP_SI_NEXT_GPA + XP_SI_SCRATCH));
}

static void error_cases(void)
{
	report(XK_ENOSYS_NR, hypercall2(60, 0, 0));
	report(XK_ENOSYS_BIG, hypercall2(100000, 0, 0));
	report(XK_EFAULT, hypercall2(__HYPERVISOR_xen_version,
				     XENVER_extraversion, XP_BAD_GVA));
}

static void spine(void)
{
	detect();
	hypercall_page_cases();
	report(XK_CONSOLE_RET,
	       console_write(XP_CONSOLE_HELLO, str_len(XP_CONSOLE_HELLO)));
	param_cases();
	shared_info_cases();
	error_cases();
}

/* XP_VERSION */

static uint8_t vbuf[1024 + 16] __attribute__((aligned(16)));

/* NUL-terminated within @size, zeros after, the 16 bytes past untouched. */
static bool nul_padded(const uint8_t *p, unsigned long size)
{
	unsigned long i = 0;

	while (i < size && p[i])
		i++;
	if (i == size)
		return false;
	for (; i < size; i++)
		if (p[i])
			return false;
	for (; i < size + 16; i++)
		if (p[i] != 0xff)
			return false;
	return true;
}

static bool compile_info_padded(const uint8_t *p)
{
	static const unsigned long fields[] = { 64, 16, 32, 32 };
	bool ok = true;

	for (unsigned int f = 0; f < 4; p += fields[f], f++) {
		uint8_t save[16];

		/* Each field on its own: the next one stands for "past". */
		memcpy(save, p + fields[f], 16);
		memset((void *)(p + fields[f]), 0xff, 16);
		ok &= nul_padded(p, fields[f]);
		memcpy((void *)(p + fields[f]), save, 16);
	}
	return ok;
}

static void version_buffer(unsigned int cmd, unsigned long size)
{
	uint64_t head;

	memset(vbuf, 0xff, sizeof(vbuf));
	report(XK_VER_RET(cmd), hypercall2(__HYPERVISOR_xen_version, cmd, vbuf));
	memcpy(&head, vbuf, 8);
	report(XK_VER_HEAD(cmd), head);
	if (cmd == XENVER_compile_info) {
		bool past = true;

		for (unsigned long i = size; i < size + 16; i++)
			past &= vbuf[i] == 0xff;
		report(XK_VER_PADDED(cmd), past && compile_info_padded(vbuf));
	} else if (cmd == XENVER_platform_parameters ||
		   cmd == XENVER_guest_handle) {
		bool ok = true;

		for (unsigned long i = 0; i < size + 16; i++)
			ok &= vbuf[i] == (i < size ? 0 : 0xff);
		report(XK_VER_PADDED(cmd), ok);
	} else {
		report(XK_VER_PADDED(cmd), nul_padded(vbuf, size));
	}
}

static void version_cases(void)
{
	struct xen_feature_info fi = { .submap_idx = 0, .submap = 0 };

	report(XK_VER_RET(XENVER_version),
	       hypercall2(__HYPERVISOR_xen_version, XENVER_version, 0));
	report(XK_VER_RET(XENVER_pagesize),
	       hypercall2(__HYPERVISOR_xen_version, XENVER_pagesize, 0));
	version_buffer(XENVER_extraversion, sizeof(xen_extraversion_t));
	version_buffer(XENVER_compile_info, sizeof(struct xen_compile_info));
	version_buffer(XENVER_capabilities, sizeof(xen_capabilities_info_t));
	version_buffer(XENVER_changeset, sizeof(xen_changeset_info_t));
	version_buffer(XENVER_platform_parameters, 8);
	version_buffer(XENVER_guest_handle, 16);
	version_buffer(XENVER_commandline, sizeof(xen_commandline_t));
	report(XK_VER_RET(XENVER_get_features),
	       hypercall2(__HYPERVISOR_xen_version, XENVER_get_features, &fi));
	report(XK_VER_FEATURES, fi.submap);
	fi.submap_idx = 1;
	report(XK_VER_FEATURES1_RET,
	       hypercall2(__HYPERVISOR_xen_version, XENVER_get_features, &fi));
	report(XK_VER_UNKNOWN, hypercall2(__HYPERVISOR_xen_version, 99, vbuf));
}

/* XP_CONSOLE */

static char con_buf[XP_CON_BIG];

static void console_cases(void)
{
	static const struct {
		char c;
		unsigned long len;
	} writes[] = {
		{ 'a', XP_CON_BIG }, { 'b', XP_CON_FILL }, { 'c', XP_CON_FILL },
		{ 'd', XP_CON_FILL }, { 'e', XP_CON_OVER },
	};

	for (unsigned int i = 0; i < 5; i++) {
		memset(con_buf, writes[i].c, writes[i].len);
		report(XK_CON_RET(i), console_write(con_buf, writes[i].len));
	}
	report(XK_CON_READ, hypercall3(__HYPERVISOR_console_io, CONSOLEIO_read,
				       sizeof(con_buf), con_buf));
	report(XK_CON_UNKNOWN, hypercall3(__HYPERVISOR_console_io, 7, 0, 0));
}

/* XP_MULTICALL */

static struct multicall_entry mc[XP_MC_TOO_MANY] __attribute__((aligned(64)));
static struct multicall_entry mc_saved[6];
static uint8_t mc_pages[8192] __attribute__((aligned(4096)));

static void mc_set(struct multicall_entry *e, uint64_t op, uint64_t a0,
		   uint64_t a1, uint64_t a2)
{
	*e = (struct multicall_entry){ .op = op, .result = 0x1111,
				       .args = { a0, a1, a2 } };
}

static long multicall(void *list, unsigned long nr)
{
	return hypercall2(__HYPERVISOR_multicall, list, nr);
}

static void mixed_batch(void)
{
	bool kept = true;

	mc_set(&mc[0], __HYPERVISOR_xen_version, XENVER_version, 0, 0);
	mc_set(&mc[1], __HYPERVISOR_xen_version, XENVER_get_features,
	       XP_BAD_GVA, 0);
	mc_set(&mc[2], 60, 0, 0, 0);
	mc_set(&mc[3], __HYPERVISOR_multicall, (uintptr_t)mc, 1, 0);
	mc_set(&mc[4], __HYPERVISOR_console_io, CONSOLEIO_write,
	       str_len(XP_CONSOLE_MC), (uintptr_t)XP_CONSOLE_MC);
	mc_set(&mc[5], __HYPERVISOR_xen_version, XENVER_pagesize, 0, 0);
	memcpy(mc_saved, mc, sizeof(mc_saved));
	report(XK_MC_RET, multicall(mc, 6));
	for (unsigned int i = 0; i < 6; i++) {
		report(XK_MC_RESULT(i), mc[i].result);
		mc_saved[i].result = mc[i].result;
	}
	kept = !memcmp(mc_saved, mc, sizeof(mc_saved));
	report(XK_MC_OP_KEPT, kept);
}

static void big_batches(void)
{
	long version = hypercall2(__HYPERVISOR_xen_version, XENVER_version, 0);
	bool ok = true;

	for (unsigned int i = 0; i < XP_MC_TOO_MANY; i++)
		mc_set(&mc[i], __HYPERVISOR_xen_version, XENVER_version, 0, 0);
	report(XK_MC_BATCH_RET, multicall(mc, XP_MC_BATCH));
	for (unsigned int i = 0; i < XP_MC_TOO_MANY; i++)
		ok &= mc[i].result == (i < XP_MC_BATCH ? (uint64_t)version : 0x1111);
	report(XK_MC_BATCH_OK, ok);
	report(XK_MC_TOO_MANY_RET, multicall(mc, XP_MC_TOO_MANY));
	report(XK_MC_ZERO_RET, multicall(mc, 0));
	report(XK_MC_BAD_LIST_RET, multicall((void *)XP_BAD_GVA, 1));
}

static uint64_t read_cr3(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static void write_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

/*
 * A list that crosses a page boundary, reached through a second mapping
 * (PML4 entry 1 = entry 0): pvx must walk the guest's page tables. It is
 * 4 bytes off alignment, so that entry 2's result field straddles the two
 * pages.
 */
static void aliased_list(void)
{
	struct multicall_entry *list = (void *)(mc_pages + 4096 - 140);
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & ~0xfffULL);

	pml4[1] = pml4[0];
	write_cr3(read_cr3());
	mc_set(&list[0], __HYPERVISOR_xen_version, XENVER_version, 0, 0);
	mc_set(&list[1], 60, 0, 0, 0);
	mc_set(&list[2], __HYPERVISOR_xen_version, XENVER_pagesize, 0, 0);
	report(XK_MC_ALIAS_RET,
	       multicall((void *)(uintptr_t)(XP_MC_ALIAS + (uintptr_t)list), 3));
	for (unsigned int i = 0; i < 3; i++)
		report(XK_MC_ALIAS_RESULT(i), list[i].result);
}

/* The window's page tables (4 KiB pages all the way) and its two pages. */
static uint64_t win_pdpt[512] __attribute__((aligned(4096)));
static uint64_t win_pd[512] __attribute__((aligned(4096)));
static uint64_t win_pt[512] __attribute__((aligned(4096)));
static struct multicall_entry win_pages[2][64] __attribute__((aligned(4096)));

/* Window page @i now maps @page (present, writable); INVLPG. */
static void win_map(unsigned int i, void *page)
{
	uint64_t va = XP_MC_WINDOW + i * 4096ULL;

	win_pt[i] = (uintptr_t)page | 3;
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

/* Entries [@first, @first + @n) of @page: @cmd of xen_version each. */
static void win_fill(struct multicall_entry *page, unsigned int first,
		     unsigned int n, uint64_t cmd)
{
	for (unsigned int i = first; i < first + n; i++)
		mc_set(&page[i], __HYPERVISOR_xen_version, cmd, 0, 0);
}

/* Do entries [@first, @first + @n) of @page all hold result @v? */
static bool win_results(const struct multicall_entry *page,
			unsigned int first, unsigned int n, uint64_t v)
{
	bool ok = true;

	for (unsigned int i = first; i < first + n; i++)
		ok &= page[i].result == v;
	return ok;
}

/*
 * A list at a linear address the guest remaps between two multicalls: the
 * second must read and write the page mapped now (pvx may cache where a
 * guest frame is, never where a linear address goes). Then a list across
 * two pages mapped in reverse order, and a list whose frame add_to_physmap
 * replaced by shared_info (EPT now maps another page there).
 */
static void remapped_list(void)
{
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & ~0xfffULL);
	struct multicall_entry *a = win_pages[0], *b = win_pages[1];
	struct multicall_entry *w = (void *)XP_MC_WINDOW;
	uint64_t version = hypercall2(__HYPERVISOR_xen_version,
				      XENVER_version, 0);
	struct multicall_entry *si;

	win_pd[0] = (uintptr_t)win_pt | 3;
	win_pdpt[0] = (uintptr_t)win_pd | 3;
	pml4[2] = (uintptr_t)win_pdpt | 3;
	write_cr3(read_cr3());

	win_fill(a, 0, 4, XENVER_version);
	win_fill(b, 0, 4, XENVER_pagesize);
	win_map(0, a);
	report(XK_MC_WIN_RET(0), multicall(w, 4));
	report(XK_MC_WIN_OK(0), win_results(a, 0, 4, version) &&
				win_results(b, 0, 4, 0x1111));
	win_map(0, b);
	report(XK_MC_WIN_RET(1), multicall(w, 4));
	report(XK_MC_WIN_OK(1), win_results(b, 0, 4, 4096) &&
				win_results(a, 0, 4, version));

	/* Entries 62, 63 of window page 0 (b), then 0, 1 of page 1 (a). */
	win_fill(b, 62, 2, XENVER_version);
	win_fill(a, 0, 2, XENVER_pagesize);
	win_map(1, a);
	report(XK_MC_WIN_RET(2), multicall(&w[62], 4));
	report(XK_MC_WIN_OK(2), win_results(b, 62, 2, version) &&
				win_results(a, 0, 2, 4096));

	/* RAM of frame a says pagesize at 56..59; shared_info there will not. */
	win_fill(a, 56, 4, XENVER_pagesize);
	win_map(0, a);
	report(XK_MC_WIN_RET(3), multicall(&w[56], 4));
	report(XK_MC_WIN_SI_RET, map_shared_info((uintptr_t)a));
	si = (void *)((uintptr_t)a + XP_SI_SCRATCH);
	win_fill(si, 0, 4, XENVER_version);
	report(XK_MC_WIN_RET(4),
	       multicall((void *)(XP_MC_WINDOW + XP_SI_SCRATCH), 4));
	report(XK_MC_WIN_OK(3), win_results(si, 0, 4, version));
}

static void multicall_cases(void)
{
	mixed_batch();
	big_batches();
	aliased_list();
	remapped_list();
}

/* XP_REGS */

/* The registers in VMX order (RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8..). */
struct gprs {
	uint64_t r[16];
};

/* Load every register but RSP from *@g, VMCALL, store them all back. */
void regs_vmcall(struct gprs *g);
__asm__(
	".text\n"
	".globl regs_vmcall\n"
	"regs_vmcall:\n\t"
	"push %rbx\n\tpush %rbp\n\tpush %r12\n\tpush %r13\n\t"
	"push %r14\n\tpush %r15\n\tpush %rdi\n\t"
	"mov 0x00(%rdi), %rax\n\tmov 0x08(%rdi), %rcx\n\t"
	"mov 0x10(%rdi), %rdx\n\tmov 0x18(%rdi), %rbx\n\t"
	"mov 0x28(%rdi), %rbp\n\tmov 0x30(%rdi), %rsi\n\t"
	"mov 0x40(%rdi), %r8\n\tmov 0x48(%rdi), %r9\n\t"
	"mov 0x50(%rdi), %r10\n\tmov 0x58(%rdi), %r11\n\t"
	"mov 0x60(%rdi), %r12\n\tmov 0x68(%rdi), %r13\n\t"
	"mov 0x70(%rdi), %r14\n\tmov 0x78(%rdi), %r15\n\t"
	"mov 0x38(%rdi), %rdi\n\t"
	"vmcall\n\t"
	"xchg %rdi, (%rsp)\n\t"
	"mov %rax, 0x00(%rdi)\n\tmov %rcx, 0x08(%rdi)\n\t"
	"mov %rdx, 0x10(%rdi)\n\tmov %rbx, 0x18(%rdi)\n\t"
	"mov %rbp, 0x28(%rdi)\n\tmov %rsi, 0x30(%rdi)\n\t"
	"mov %r8, 0x40(%rdi)\n\tmov %r9, 0x48(%rdi)\n\t"
	"mov %r10, 0x50(%rdi)\n\tmov %r11, 0x58(%rdi)\n\t"
	"mov %r12, 0x60(%rdi)\n\tmov %r13, 0x68(%rdi)\n\t"
	"mov %r14, 0x70(%rdi)\n\tmov %r15, 0x78(%rdi)\n\t"
	"pop %rax\n\tmov %rax, 0x38(%rdi)\n\t"
	"pop %r15\n\tpop %r14\n\tpop %r13\n\tpop %r12\n\t"
	"pop %rbp\n\tpop %rbx\n\tret\n");

#define R_RAX	0
#define R_RSP	4
#define R_RSI	6
#define R_RDI	7

/* Case @i: hypercall @nr with RDI, RSI; every other register a pattern. */
static void regs_case(unsigned int i, uint64_t nr, uint64_t rdi, uint64_t rsi)
{
	struct gprs in, out;
	uint64_t changed = 0;

	for (unsigned int r = 0; r < 16; r++)
		in.r[r] = 0x0101010101010101ULL * (r + 1) ^ (0x1000 * i);
	in.r[R_RAX] = nr;
	in.r[R_RDI] = rdi;
	in.r[R_RSI] = rsi;
	out = in;
	regs_vmcall(&out);
	for (unsigned int r = 1; r < 16; r++)
		if (r != R_RSP && out.r[r] != in.r[r])
			changed |= 1ULL << r;
	report(XK_REGS_RAX(i), out.r[R_RAX]);
	report(XK_REGS_CHANGED(i), changed);
}

static void regs_cases(void)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF,
				   .index = HVM_PARAM_STORE_PFN };

	mc_set(&mc[0], __HYPERVISOR_xen_version, XENVER_version, 0, 0);
	mc_set(&mc[1], 60, 0, 0, 0);
	regs_case(0, __HYPERVISOR_xen_version, XENVER_version, 0);
	regs_case(1, __HYPERVISOR_xen_version, XENVER_extraversion,
		  (uintptr_t)vbuf);
	regs_case(2, 60, 0, 0);
	regs_case(3, __HYPERVISOR_multicall, (uintptr_t)mc, 2);
	regs_case(4, __HYPERVISOR_hvm_op, HVMOP_get_param, (uintptr_t)&p);
}

/* XP_COMPAT and XP_USER: more GDT entries */

#define SEL_CODE32	0x28	/* 32-bit code, DPL 0: compatibility mode */
#define SEL_UCODE	0x30	/* 64-bit code, DPL 3 */
#define SEL_UDATA	0x38	/* data, DPL 3 */

static uint64_t gdt[8] __attribute__((aligned(16)));

struct __attribute__((packed)) dtr {
	uint16_t limit;
	uint64_t base;
};

/* libpvx's GDT (null, code, data, TSS) and the three segments above. */
static void gdt_setup(void)
{
	struct dtr d;

	__asm__ volatile("sgdt %0" : "=m"(d));
	memcpy(gdt, (void *)(uintptr_t)d.base, 5 * 8);
	gdt[5] = 0x00cf9a000000ffffULL;
	gdt[6] = 0x00affa000000ffffULL;
	gdt[7] = 0x00cff2000000ffffULL;
	d.base = (uintptr_t)gdt;
	d.limit = sizeof(gdt) - 1;
	__asm__ volatile("lgdt %0" : : "m"(d) : "memory");
}

static uint32_t compat_out[4];
static uint32_t compat_mc[2][8] __attribute__((aligned(32)));
static char compat_buf[16];

static void compat_cases(void)
{
	/* Junk above the 32 bits the compat convention reads. */
	uint64_t rbx = 0xdeadbeef00000000ULL | XENVER_version;
	uint64_t rcx = 0xfeedface00000000ULL | (uint32_t)(uintptr_t)compat_buf;
	uint64_t head;

	gdt_setup();
	compat_mc[0][0] = __HYPERVISOR_xen_version;
	compat_mc[0][1] = 0x1111;
	compat_mc[0][2] = XENVER_version;
	compat_mc[1][0] = 60;
	compat_mc[1][1] = 0x1111;
	__asm__ volatile(
		"push %%rbp\n\t"
		"pushq %[cs32]\n\t"
		"lea 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		".code32\n"
		"1:\n\t"
		"movl %[ver], %%eax\n\t"
		"vmcall\n\t"
		"movl %%eax, 0(%%edi)\n\t"
		"movl %[ver], %%eax\n\t"
		"movl %[extra], %%ebx\n\t"
		"vmcall\n\t"
		"movl %%eax, 4(%%edi)\n\t"
		"movl %[mcall], %%eax\n\t"
		"movl %%esi, %%ebx\n\t"
		"movl $2, %%ecx\n\t"
		"vmcall\n\t"
		"movl %%eax, 8(%%edi)\n\t"
		"movl $60, %%eax\n\t"
		"vmcall\n\t"
		"movl %%eax, 12(%%edi)\n\t"
		"pushl $0x08\n\t"
		"pushl $2f\n\t"
		"lret\n"
		".code64\n"
		"2:\n\t"
		"pop %%rbp\n\t"
		: "+b"(rbx), "+c"(rcx)
		: "D"(compat_out), "S"(compat_mc), [cs32] "i"(SEL_CODE32),
		  [ver] "i"(__HYPERVISOR_xen_version),
		  [extra] "i"(XENVER_extraversion),
		  [mcall] "i"(__HYPERVISOR_multicall)
		: "rax", "rdx", "memory");
	report(XK_COMPAT_BACK, 1);
	report(XK_COMPAT_VERSION, compat_out[0]);
	report(XK_COMPAT_EXTRA_RET, compat_out[1]);
	memcpy(&head, compat_buf, 8);
	report(XK_COMPAT_EXTRA_HEAD, head);
	report(XK_COMPAT_MC_RET, compat_out[2]);
	report(XK_COMPAT_MC_RESULT(0), compat_mc[0][1]);
	report(XK_COMPAT_MC_RESULT(1), compat_mc[1][1]);
	report(XK_COMPAT_ENOSYS, compat_out[3]);
}

/* XP_USER: ring 3 through IRETQ, back to ring 0 through #UD. */

static uint8_t kstack[4096] __attribute__((aligned(16)));
static uint8_t ustack[4096] __attribute__((aligned(16)));
uint64_t xp_saved_rsp, xp_user_version, xp_user_console, xp_user_cpl;
const char xp_user_msg[] = XP_CONSOLE_USER;
void xp_user_return(void);

static void ud_hook(struct trap_frame *f)
{
	xp_user_cpl = f->cs & 3;
	f->rip = (uintptr_t)xp_user_return;
	f->cs = 0x08;
	f->ss = 0x10;
	f->rsp = xp_saved_rsp;
	f->rflags = 0x2;
}

/* Every page of the first GiB user-accessible (U/S at every level). */
static void user_pages(void)
{
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & ~0xfffULL);
	uint64_t *pdpt = (uint64_t *)(uintptr_t)(pml4[0] & 0xffffffffff000ULL);
	uint64_t *pd = (uint64_t *)(uintptr_t)(pdpt[0] & 0xffffffffff000ULL);

	pml4[0] |= 4;
	pdpt[0] |= 4;
	for (unsigned int i = 0; i < 512; i++)
		pd[i] |= 4;
	write_cr3(read_cr3());
}

/* RSP0 of the TSS (at TR's descriptor base + 4): the ring-0 stack. */
static void tss_rsp0(uint64_t rsp0)
{
	uint64_t lo = gdt[3], hi = gdt[4];
	uint64_t base = ((lo >> 16) & 0xffffff) | ((lo >> 56) << 24) |
			(hi << 32);

	memcpy((void *)(uintptr_t)(base + 4), &rsp0, 8);
}

static void user_cases(void)
{
	gdt_setup();
	trap_init();
	trap_set_hook(TRAP_UD, ud_hook);
	user_pages();
	tss_rsp0((uintptr_t)(kstack + sizeof(kstack)));
	__asm__ volatile(
		"push %%rbx\n\tpush %%rbp\n\tpush %%r12\n\t"
		"push %%r13\n\tpush %%r14\n\tpush %%r15\n\t"
		"mov %%rsp, xp_saved_rsp(%%rip)\n\t"
		"pushq %[ss]\n\t"
		"pushq %[usp]\n\t"
		"pushq $2\n\t"
		"pushq %[cs]\n\t"
		"lea 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"iretq\n"
		"1:\n\t"
		"movl %[ver], %%eax\n\t"
		"xorl %%edi, %%edi\n\t"
		"vmcall\n\t"
		"mov %%rax, xp_user_version(%%rip)\n\t"
		"movl %[con], %%eax\n\t"
		"xorl %%edi, %%edi\n\t"
		"movl %[len], %%esi\n\t"
		"lea xp_user_msg(%%rip), %%rdx\n\t"
		"vmcall\n\t"
		"mov %%rax, xp_user_console(%%rip)\n\t"
		"ud2\n"
		".globl xp_user_return\n"
		"xp_user_return:\n\t"
		"pop %%r15\n\tpop %%r14\n\tpop %%r13\n\t"
		"pop %%r12\n\tpop %%rbp\n\tpop %%rbx\n\t"
		:
		: [ss] "i"(SEL_UDATA | 3), [cs] "i"(SEL_UCODE | 3),
		  [usp] "r"((uintptr_t)(ustack + sizeof(ustack))),
		  [ver] "i"(__HYPERVISOR_xen_version),
		  [con] "i"(__HYPERVISOR_console_io),
		  [len] "i"(sizeof(xp_user_msg) - 1)
		: "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",
		  "memory");
	report(XK_USER_BACK, 1);
	report(XK_USER_VERSION, xp_user_version);
	report(XK_USER_CONSOLE, xp_user_console);
	report(XK_USER_CPL, xp_user_cpl);
}

/* XP_BAD_POINTERS */

static long physmap(uint16_t domid, uint32_t space, uint64_t idx, uint64_t gpfn)
{
	struct xen_add_to_physmap x = { .domid = domid, .space = space,
					.idx = idx, .gpfn = gpfn };

	return hypercall2(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, &x);
}

static long hvm_param(unsigned int op, uint16_t domid, uint32_t index,
		      uint64_t value)
{
	struct xen_hvm_param p = { .domid = domid, .index = index,
				   .value = value };

	return hypercall2(__HYPERVISOR_hvm_op, op, &p);
}

static void bad_pointer_cases(void)
{
	uint64_t bad = XP_BAD_GVA;

	report(XK_BAD_CONSOLE, hypercall3(__HYPERVISOR_console_io,
					  CONSOLEIO_write, 10, bad));
	report(XK_BAD_PHYSMAP, hypercall2(__HYPERVISOR_memory_op,
					  XENMEM_add_to_physmap, bad));
	report(XK_BAD_HVM_GET, hypercall2(__HYPERVISOR_hvm_op,
					  HVMOP_get_param, bad));
	report(XK_BAD_HVM_SET, hypercall2(__HYPERVISOR_hvm_op,
					  HVMOP_set_param, bad));
	report(XK_BAD_FEATURES, hypercall2(__HYPERVISOR_xen_version,
					   XENVER_get_features, bad));
	report(XK_BAD_PHYSMAP_SPACE, physmap(DOMID_SELF, 2, 0, 0x700));
	report(XK_BAD_PHYSMAP_DOMID,
	       physmap(1234, XENMAPSPACE_shared_info, 0, 0x700));
	report(XK_BAD_PHYSMAP_GPFN,
	       physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, 1ULL << 36));
	report(XK_BAD_PHYSMAP_IDX,
	       physmap(DOMID_SELF, XENMAPSPACE_shared_info, 1, 0x700));
	report(XK_BAD_HVM_SET_STORE, hvm_param(HVMOP_set_param, DOMID_SELF,
					       HVM_PARAM_STORE_PFN, 5));
	report(XK_BAD_HVM_INDEX, hvm_param(HVMOP_get_param, DOMID_SELF,
					   HVM_NR_PARAMS, 0));
	report(XK_BAD_HVM_CALLBACK, hvm_param(HVMOP_set_param, DOMID_SELF,
					      HVM_PARAM_CALLBACK_IRQ, 5));
	report(XK_BAD_HVM_DOMID, hvm_param(HVMOP_get_param, 1234,
					   HVM_PARAM_STORE_PFN, 0));
	report(XK_BAD_MEMOP, hypercall2(__HYPERVISOR_memory_op, 99, 0));
	report(XK_BAD_HVMOP, hypercall2(__HYPERVISOR_hvm_op, 99, 0));
}

int guest_main(unsigned int vcpu, unsigned int nr_vcpus)
{
	(void)vcpu;
	(void)nr_vcpus;
	switch (scenario()) {
	case XP_DETECT:
		detect();
		return 0;
	case XP_SPINE:
		spine();
		return 0;
	case XP_VERSION:
		version_cases();
		return 0;
	case XP_CONSOLE:
		console_cases();
		return 0;
	case XP_MULTICALL:
		multicall_cases();
		return 0;
	case XP_REGS:
		regs_cases();
		return 0;
	case XP_COMPAT:
		compat_cases();
		return 0;
	case XP_USER:
		user_cases();
		return 0;
	case XP_BAD_POINTERS:
		bad_pointer_cases();
		return 0;
	default:	/* no host test behind the port: pvxctl run --pv */
		return console_write(XP_CONSOLE_HELLO,
				     str_len(XP_CONSOLE_HELLO)) ? 3 : 0;
	}
}
