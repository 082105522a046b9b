// SPDX-License-Identifier: GPL-2.0
/*
 * The Xen PV core guest: what a guest of pvx's Xen ABI does first (find
 * Xen by CPUID, fill a hypercall page, ask the version, write to the
 * hypervisor console, read and set HVM params, map shared_info), one
 * scenario per run (xenpv.h). The guest does the same thing whatever the
 * host did and reports each result; the host test judges them.
 */
#include <stdbool.h>

#include "guest.h"
#include "hypercall.h"
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
	default:
		print("xenpv: unknown scenario\n");
		return 1;
	}
}
