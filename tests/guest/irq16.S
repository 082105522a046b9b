/* SPDX-License-Identifier: GPL-2.0 */
/*
 * irq16: events injected into a real-mode guest, delivered through its
 * IVT (SDM 20.1.4: each entry is IP then CS, 4 bytes at vector * 4). The
 * guest points vectors IRQ16_VECTOR and 13 at counting handlers, then:
 *  - STI and an OUT to the sync port (events.h EV_PORT_SYNC, value 1):
 *    the host queues interrupt IRQ16_VECTOR; the guest waits for it;
 *  - an OUT of value 4: the host injects #GP with an error code, which
 *    real mode does not push (SDM 20.1.4): the handler's IRET must come
 *    back to the instruction after the OUT, not to the error code;
 * and reports (IRQ16_KEY_IRQ, interrupts seen), (IRQ16_KEY_GP, #GPs seen),
 * (IRQ16_KEY_SP, SP at the end minus SP at the start: 0), then exits 0.
 */
#include "real16.h"

#define IRQ16_VECTOR	0x40
#define IRQ16_KEY_IRQ	0x600
#define IRQ16_KEY_GP	0x601
#define IRQ16_KEY_SP	0x602
#define SYNC_PORT	0xe0

/* A 16-bit report: key, value (a 16-bit register, zero-extended). */
.macro REPORT16 key, reg
	mov	$\key, %eax
	mov	$PVX_PORT_REPORT_KEY, %dx
	out	%eax, %dx
	movzwl	\reg, %eax
	mov	$PVX_PORT_REPORT_LO, %dx
	out	%eax, %dx
	xor	%eax, %eax
	mov	$PVX_PORT_REPORT_HI, %dx
	out	%eax, %dx
.endm

	.code16
	.section .text.start, "ax"
	.globl _start
_start:
	cli
	xor	%ax, %ax
	mov	%ax, %ds
	movw	$on_irq, IRQ16_VECTOR * 4
	movw	%ax, IRQ16_VECTOR * 4 + 2
	movw	$on_gp, 13 * 4
	movw	%ax, 13 * 4 + 2
	mov	%sp, start_sp

	sti
	mov	$1, %al
	out	%al, $SYNC_PORT
	mov	$50000, %cx
1:	cmpw	$0, irqs
	jne	2f
	loop	1b
2:	cli

	mov	$4, %al
	out	%al, $SYNC_PORT
	/* #GP is delivered here, before this instruction, and returns to it. */
	mov	%sp, %bx
	sub	start_sp, %bx

	REPORT16 IRQ16_KEY_IRQ, irqs
	REPORT16 IRQ16_KEY_GP, gps
	REPORT16 IRQ16_KEY_SP, %bx
	PVX16_EXIT 0

on_irq:
	incw	%cs:irqs
	iret

on_gp:
	incw	%cs:gps
	iret

	PVX16_RUNTIME

	.balign 2
irqs:		.word 0
gps:		.word 0
start_sp:	.word 0
