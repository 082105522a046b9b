/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hello16: a real-mode pvx guest in assembly, a flat image at 0000:7C00.
 * It prints a line and ends the guest with status 0.
 *
 *	pvxctl run /pvx/guests/hello16.bin --mode real
 */
#include "real16.h"

	.code16
	.section .text.start, "ax"
	.globl _start
_start:
	PVX16_PRINT msg
	PVX16_EXIT 0

	PVX16_RUNTIME

msg:	.asciz "hello from a real-mode pvx guest\n"
