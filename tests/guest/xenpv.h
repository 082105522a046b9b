/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Xen PV core guest (xenpv.c) and its host test (pv_test): the
 * scenarios, the guest-physical layout and the report keys. Included by
 * the freestanding guest and by the host.
 *
 * The guest asks for its scenario with a 4-byte IN from XP_PORT_SCENARIO
 * and then runs it, reporting what each hypercall returned; it ends with
 * exit status 0 when it ran to the end (the host judges the values).
 */
#ifndef PVX_GUEST_XENPV_H
#define PVX_GUEST_XENPV_H

#define XP_PORT_SCENARIO	0x540

enum xp_scenario {
	XP_DETECT = 1,	/* CPUID leaves, one VMCALL: PV on or off */
	XP_SPINE,	/* hypercall page, version, console, params, shared_info */
};

/*
 * Guest-physical layout (RAM from 0, XP_RAM_BYTES of it): the host fills
 * the frames XP_SI_GPA and XP_SI_NEXT_GPA with XP_PATTERN bytes and the
 * frame after XP_SI_GPA with XP_PATTERN_NEXT before the run. XP_SI_GPA is
 * inside an aligned 2 MiB of RAM, so that a 2 MiB EPT leaf may map it.
 */
#define XP_RAM_BYTES		(16ULL << 20)
#define XP_SI_GPA		0x600000ULL
#define XP_SI_NEXT_GPA		0x800000ULL	/* where shared_info moves */
#define XP_PATTERN		0x5a
#define XP_PATTERN_NEXT		0xa5
#define XP_SI_SCRATCH		3584		/* an offset past struct shared_info */
#define XP_STORE_PFN		0x1234		/* what the host sets */
#define XP_CALLBACK		((2ULL << 56) | 0xf3)	/* what the guest sets */
#define XP_CONSOLE_HELLO	"hello from the xen console\n"
#define XP_CONSOLE_SHARED	"written in shared_info\n"
#define XP_BAD_GVA		0x7f0000000000ULL	/* not mapped */

/* A value no report has: "absent". */
#define XP_NONE			0xffffffffffffffffULL

/* Report keys. */
#define XK_CPUID_BASE		0x100	/* base with "XenVMMXenVMM", or XP_NONE */
#define XK_CPUID_MAX		0x101	/* its EAX */
#define XK_CPUID_VERSION	0x102	/* base+1 EAX */
#define XK_CPUID_HCALL_PAGES	0x103	/* base+2 EAX */
#define XK_CPUID_HCALL_MSR	0x104	/* base+2 EBX */
#define XK_CPUID_HVM_EAX	0x105	/* base+4 */
#define XK_CPUID_HVM_EBX	0x106
#define XK_CPUID_HVM_ECX	0x107
#define XK_CPUID_HYPERVISOR	0x108	/* CPUID.1:ECX bit 31 */
#define XK_CPUID_40000000_EBX	0x109	/* EBX of leaf 0x40000000 */
#define XK_VMCALL_VERSION	0x110	/* VMCALL xen_version(XENVER_version) */
#define XK_PAGE_STUB_OK		0x120	/* the hypercall page has Xen's stubs */
#define XK_PAGE_VERSION		0x121	/* xen_version through the page */
#define XK_CONSOLE_RET		0x130	/* console_io write */
#define XK_GET_STORE_RET	0x140	/* HVMOP_get_param(STORE_PFN) */
#define XK_GET_STORE_VALUE	0x141
#define XK_SET_CALLBACK_RET	0x142	/* HVMOP_set_param(CALLBACK_IRQ) */
#define XK_SI_BEFORE		0x150	/* qword at XP_SI_GPA + scratch, before */
#define XK_SI_MAP_RET		0x151	/* add_to_physmap(shared_info) */
#define XK_SI_AFTER		0x152	/* that qword after: shared_info's */
#define XK_SI_NEIGHBOUR		0x153	/* a qword of the next frame, after */
#define XK_SI_CONSOLE_RET	0x154	/* console_io of shared_info bytes */
#define XK_SI_MOVE_RET		0x155	/* add_to_physmap to XP_SI_NEXT_GPA */
#define XK_SI_OLD_AFTER_MOVE	0x156	/* qword at the old frame: RAM again */
#define XK_SI_NEW_AFTER_MOVE	0x157	/* qword at the new frame */
#define XK_ENOSYS_NR		0x160	/* hypercall 60 (no handler) */
#define XK_ENOSYS_BIG		0x161	/* hypercall 100000 */
#define XK_EFAULT		0x162	/* extraversion into XP_BAD_GVA */

#endif /* PVX_GUEST_XENPV_H */
