/* SPDX-License-Identifier: GPL-2.0 */
/*
 * For real-mode pvx test guests in assembly (.code16), included with
 * #include from a .S file. pvxctl runs a flat real-mode image at
 * 0000:7C00 with DS = ES = SS = 0 and SP below 0x7c00 (libpvx.h's memory
 * map), DI = vCPU id, SI = number of vCPUs.
 *
 *	PVX16_PRINT label	print the NUL-terminated string at DS:label
 *	PVX16_EXIT status	end the guest with @status (an immediate)
 *	PVX16_RUNTIME		the subroutines the two above call: put it
 *				once, where execution does not fall into it
 *
 * PVX16_PRINT clobbers AX, DX and SI.
 */
#ifndef PVX_REAL16_H
#define PVX_REAL16_H

#include "pvx_ports.h"

.macro PVX16_PRINT label
	mov	$\label, %si
	call	pvx16_puts
.endm

.macro PVX16_EXIT status
	mov	$\status, %ax
	jmp	pvx16_exit
.endm

.macro PVX16_RUNTIME
/* The string at DS:SI, a character at a time once LSR says THR is empty. */
pvx16_puts:
	cld
.Lpvx16_next:
	lodsb
	test	%al, %al
	jz	.Lpvx16_done
	mov	%al, %ah
	mov	$(PVX_PORT_UART + PVX_UART_LSR), %dx
.Lpvx16_wait:
	in	%dx, %al
	test	$PVX_UART_LSR_THRE, %al
	jz	.Lpvx16_wait
	mov	$(PVX_PORT_UART + PVX_UART_THR), %dx
	mov	%ah, %al
	out	%al, %dx
	jmp	.Lpvx16_next
.Lpvx16_done:
	ret

/* A 2-byte OUT of AX to the exit port; the host stops the guest there. */
pvx16_exit:
	mov	$PVX_PORT_EXIT, %dx
	out	%ax, %dx
.Lpvx16_halt:
	cli
	hlt
	jmp	.Lpvx16_halt
.endm

#endif /* PVX_REAL16_H */
