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
	XP_VERSION,	/* every xen_version command */
	XP_CONSOLE,	/* console_io: the per-call bound and the full buffer */
	XP_MULTICALL,	/* results, failures, bounds, nesting, an aliased list */
	XP_REGS,	/* every register but RAX survives a hypercall */
	XP_COMPAT,	/* the 32-bit convention from a compatibility-mode segment */
	XP_USER,	/* hypercalls at CPL 3 */
	XP_BAD_POINTERS, /* a buffer the guest cannot reach, for each call */
	XP_HELLO,	/* console_io "hello", then exit 0: pvxctl run --pv */
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

/* XP_CONSOLE: what each console_io write carries. */
#define XP_CON_BIG		5000	/* one call: 4096 taken, 904 dropped */
#define XP_CON_FILL		4096	/* three calls of 'b', 'c', 'd' */
#define XP_CON_OVER		100	/* one call of 'e': all dropped */
#define XP_CON_TAKEN		4096	/* bytes one call takes, at most */

/* XP_MULTICALL */
#define XP_MC_BATCH		20	/* xen_version entries: two chunks */
#define XP_MC_TOO_MANY		65	/* one above PV_MULTICALL_MAX */
#define XP_MC_ALIAS		(1ULL << 39)	/* PML4 entry 1 aliases entry 0 */
#define XP_MC_WINDOW		(2ULL << 39)	/* PML4 entry 2: the guest's own tables */
#define XP_CONSOLE_MC		"from a multicall\n"

/* XP_USER: a ring-3 console_io that must not print. */
#define XP_CONSOLE_USER		"ring 3 must not print this\n"

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
/* XP_VERSION: command c's return value, first 8 bytes, rest-is-NUL flag */
#define XK_VER_RET(c)		(0x200 + (c))
#define XK_VER_HEAD(c)		(0x220 + (c))
#define XK_VER_PADDED(c)	(0x240 + (c))	/* 1: NUL after the string */
#define XK_VER_FEATURES		0x260	/* get_features submap 0 */
#define XK_VER_FEATURES1_RET	0x261	/* submap 1 */
#define XK_VER_UNKNOWN		0x262	/* command 99 */
#define XK_VER_PAGE_VERSION	0x263	/* XENVER_version through the page */
/* XP_CONSOLE */
#define XK_CON_RET(i)		(0x300 + (i))	/* the five writes */
#define XK_CON_READ		0x310	/* CONSOLEIO_read */
#define XK_CON_UNKNOWN		0x311	/* command 7 */
/* XP_MULTICALL */
#define XK_MC_RET		0x400	/* the mixed batch */
#define XK_MC_RESULT(i)		(0x410 + (i))	/* its entries' results */
#define XK_MC_OP_KEPT		0x420	/* 1: ops and args unchanged */
#define XK_MC_BATCH_RET		0x421
#define XK_MC_BATCH_OK		0x422	/* 1: every result is the version */
#define XK_MC_TOO_MANY_RET	0x423
#define XK_MC_ZERO_RET		0x424
#define XK_MC_BAD_LIST_RET	0x425
#define XK_MC_ALIAS_RET		0x426
#define XK_MC_ALIAS_RESULT(i)	(0x430 + (i))
/*
 * The window XP_MC_WINDOW, remapped by the guest between multicalls:
 * step 0 a list on page A, 1 the same address remapped to page B, 2 a list
 * across the window's two pages mapped in reverse order, 3 the list's
 * frame replaced by shared_info (XK_MC_WIN_SI_RET). RET is the multicall's
 * result, OK 1 when every result landed where the guest sees it now and
 * nowhere else.
 */
#define XK_MC_WIN_RET(i)	(0x440 + (i))
#define XK_MC_WIN_OK(i)		(0x448 + (i))
#define XK_MC_WIN_SI_RET	0x450
/* XP_REGS: case i's RAX and the registers that changed (bit: enum vmx_reg) */
#define XK_REGS_RAX(i)		(0x500 + (i))
#define XK_REGS_CHANGED(i)	(0x510 + (i))
/* XP_COMPAT */
#define XK_COMPAT_VERSION	0x600	/* EAX of xen_version(VERSION), EBX junk above */
#define XK_COMPAT_EXTRA_RET	0x601	/* extraversion, ECX junk above */
#define XK_COMPAT_EXTRA_HEAD	0x602
#define XK_COMPAT_MC_RET	0x603	/* compat multicall of 2 entries */
#define XK_COMPAT_MC_RESULT(i)	(0x604 + (i))
#define XK_COMPAT_ENOSYS	0x606
#define XK_COMPAT_BACK		0x607	/* 1: back in 64-bit mode */
/* XP_USER */
#define XK_USER_VERSION		0x700	/* xen_version(VERSION) at CPL 3 */
#define XK_USER_CONSOLE		0x701	/* console_io at CPL 3 */
#define XK_USER_BACK		0x702	/* 1: back in ring 0 after #UD */
#define XK_USER_CPL		0x703	/* CS & 3 seen in the #UD frame */
/* XP_BAD_POINTERS: each call's result with XP_BAD_GVA */
#define XK_BAD_CONSOLE		0x800
#define XK_BAD_PHYSMAP		0x801
#define XK_BAD_HVM_GET		0x802
#define XK_BAD_HVM_SET		0x803
#define XK_BAD_FEATURES		0x804
#define XK_BAD_PHYSMAP_SPACE	0x805	/* space 2 (gmfn): -EOPNOTSUPP */
#define XK_BAD_PHYSMAP_DOMID	0x806	/* another domain: -EPERM */
#define XK_BAD_PHYSMAP_GPFN	0x807	/* beyond 2^48: -EINVAL */
#define XK_BAD_PHYSMAP_IDX	0x808	/* shared_info idx 1: -EINVAL */
#define XK_BAD_HVM_SET_STORE	0x809	/* guest set of STORE_PFN: -EPERM */
#define XK_BAD_HVM_INDEX	0x80a	/* index 39: -EINVAL */
#define XK_BAD_HVM_CALLBACK	0x80b	/* GSI callback: -EINVAL */
#define XK_BAD_MEMOP		0x80c	/* memory_op 99: -ENOSYS */
#define XK_BAD_HVMOP		0x80d	/* hvm_op 99: -ENOSYS */
#define XK_BAD_HVM_DOMID	0x80e	/* another domain: -EPERM */

#endif /* PVX_GUEST_XENPV_H */
