/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exception stubs of long-mode test guests (trap.h). Each stub makes the
 * frame uniform (a 0 error code where the CPU pushes none, SDM 6.13
 * table 6-1 says which vectors push one), pushes its vector and joins
 * trap_common:
 *
 *	0(%rsp) vector, 8 error code, 16 RIP, 24 CS, 32 RFLAGS, 40 RSP, 48 SS
 */
	.text
	.code64

.macro STUB vec
trap_stub_\vec:
	.if (\vec == 8) || (\vec == 10) || (\vec == 11) || (\vec == 12) || \
	    (\vec == 13) || (\vec == 14) || (\vec == 17) || (\vec == 21) || \
	    (\vec == 29) || (\vec == 30)
	.else
	pushq	$0
	.endif
	pushq	$\vec
	jmp	trap_common
.endm

.altmacro
.macro STUBS from, to
	STUB \from
	.if \to - \from
	STUBS %(\from + 1), \to
	.endif
.endm

.macro STUB_ADDR vec
	.quad	trap_stub_\vec
.endm

.macro STUB_ADDRS from, to
	STUB_ADDR \from
	.if \to - \from
	STUB_ADDRS %(\from + 1), \to
	.endif
.endm

	STUBS 0, 31

/*
 * A wrapped instruction faulted (trap_resume is set): record the
 * exception, return to trap_resume. Else trap_unexpected() ends the guest.
 */
trap_common:
	push	%rax
	mov	trap_resume(%rip), %rax
	test	%rax, %rax
	jz	1f
	movq	$0, trap_resume(%rip)
	xchg	%rax, 24(%rsp)			/* RIP := resume; RAX := RIP */
	mov	%rax, trap_caught_rip(%rip)
	mov	8(%rsp), %rax
	mov	%rax, trap_caught_vector(%rip)
	mov	16(%rsp), %rax
	mov	%rax, trap_caught_error(%rip)
	pop	%rax
	add	$16, %rsp			/* vector and error code */
	iretq
1:	pop	%rax
	mov	0(%rsp), %rdi
	mov	8(%rsp), %rsi
	mov	16(%rsp), %rdx
	and	$-16, %rsp
	call	trap_unexpected
2:	cli
	hlt
	jmp	2b

	.section .rodata
	.balign 8
	.globl trap_stubs
trap_stubs:
	STUB_ADDRS 0, 31
