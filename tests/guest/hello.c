// SPDX-License-Identifier: GPL-2.0
/*
 * hello: the smallest long-mode pvx guest. vCPU 0 prints a line and ends
 * the guest with status 0; any other vCPU halts.
 *
 *	pvxctl run /pvx/guests/hello
 */
#include "guest.h"

int guest_main(unsigned int vcpu, unsigned int nr_vcpus)
{
	(void)nr_vcpus;
	if (vcpu)
		halt();
	print("hello from a pvx guest\n");
	return 0;
}
