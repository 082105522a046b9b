// SPDX-License-Identifier: GPL-2.0
/*
 * compat32: a 32-bit (i386) process that drives /dev/pvx, for compat_test.
 * Freestanding (no 32-bit libc here): _start, raw int $0x80 system calls.
 * It creates a VM and a vCPU, checks that PVX_GET_API_VERSION answers
 * through the compat ioctl path, then calls PVX_RUN, which pvx refuses
 * for compat callers (uapi: PVX_RUN); the exit status is that errno, or
 * 100 + the step that failed before it.
 */
#include <linux/pvx.h>

#define NR_EXIT		1	/* arch/x86/entry/syscalls/syscall_32.tbl */
#define NR_OPEN		5
#define NR_IOCTL	54
#define O_RDWR		2

static long sys3(long nr, long a, long b, long c)
{
	long r;

	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b), "d"(c)
			 : "memory");
	return r;
}

static void __attribute__((noreturn)) leave(long status)
{
	for (;;)
		sys3(NR_EXIT, status, 0, 0);
}

void __attribute__((noreturn)) _start(void);

void _start(void)
{
	long sys = sys3(NR_OPEN, (long)"/dev/pvx", O_RDWR, 0), vm, vcpu, r;

	if (sys < 0)
		leave(101);
	if (sys3(NR_IOCTL, sys, PVX_GET_API_VERSION, 0) != PVX_API_VERSION)
		leave(102);
	vm = sys3(NR_IOCTL, sys, PVX_CREATE_VM, 0);
	if (vm < 0)
		leave(103);
	vcpu = sys3(NR_IOCTL, vm, PVX_CREATE_VCPU, 0);
	if (vcpu < 0)
		leave(104);
	r = sys3(NR_IOCTL, vcpu, PVX_RUN, 0);
	leave(r < 0 ? -r : 105);
}
