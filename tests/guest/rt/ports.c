// SPDX-License-Identifier: GPL-2.0
/* Guest side of the exit and report ports (userspace/lib/pvx_ports.h). */
#include "guest.h"

noreturn void halt(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

noreturn void exit(uint32_t status)
{
	outl(PVX_PORT_EXIT, status);
	halt();		/* the host stops the guest at the OUT */
}

void report(uint32_t key, uint64_t value)
{
	outl(PVX_PORT_REPORT_KEY, key);
	outl(PVX_PORT_REPORT_LO, (uint32_t)value);
	outl(PVX_PORT_REPORT_HI, value >> 32);
}
