/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Xen hypercalls from a 64-bit test guest (uapi/linux/pvx_xen.h has the
 * numbers and structures): VMCALL with the number in RAX and the arguments
 * in RDI, RSI, RDX, R10, R8; the result (a negative Xen errno on failure)
 * comes back in RAX, and every other register survives (Xen's
 * docs/guest-guide/x86/hypercall-abi.rst). A guest may also call through
 * the hypercall page instead (XEN_HYPERCALL_MSR).
 */
#ifndef PVX_GUEST_HYPERCALL_H
#define PVX_GUEST_HYPERCALL_H

#include <linux/pvx_xen.h>

static inline long hypercall5(unsigned long nr, unsigned long a1,
			      unsigned long a2, unsigned long a3,
			      unsigned long a4, unsigned long a5)
{
	register unsigned long r10 __asm__("r10") = a4;
	register unsigned long r8 __asm__("r8") = a5;
	long ret;

	__asm__ volatile("vmcall"
			 : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10),
			   "+r"(r8)
			 : "a"(nr)
			 : "memory");
	return ret;
}

#define hypercall1(nr, a1)		hypercall5(nr, (unsigned long)(a1), 0, 0, 0, 0)
#define hypercall2(nr, a1, a2)		hypercall5(nr, (unsigned long)(a1), \
						   (unsigned long)(a2), 0, 0, 0)
#define hypercall3(nr, a1, a2, a3)	hypercall5(nr, (unsigned long)(a1), \
						   (unsigned long)(a2), \
						   (unsigned long)(a3), 0, 0)

#endif /* PVX_GUEST_HYPERCALL_H */
