/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entry of a long-mode pvx test guest. The host (libpvx's
 * pvx_vcpu_setup_mode) starts every vCPU here in 64-bit mode with paging
 * identity-mapped, RDI = vCPU id, RSI = number of vCPUs, RSP = the top of
 * this vCPU's own stack, 16-byte aligned, and interrupts off.
 */
	.section .text.start, "ax"
	.code64
	.globl _start
	.type _start, @function
_start:
	xor	%ebp, %ebp		/* the end of the frame chain */
	/* RDI and RSI are already guest_main's arguments (SysV ABI). */
	call	guest_main
	mov	%eax, %edi
	call	exit
	.size _start, . - _start
