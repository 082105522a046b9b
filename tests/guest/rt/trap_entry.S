/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interrupt and exception stubs of long-mode test guests (trap.h), one per
 * vector 0-255. Each stub makes the frame uniform (a 0 error code where
 * the CPU pushes none: SDM 6.13 table 6-1 says which exceptions push one,
 * external interrupts never do), pushes its vector and joins trap_common:
 *
 *	0(%rsp) vector, 8 error code, 16 RIP, 24 CS, 32 RFLAGS, 40 RSP, 48 SS
 *
 * That is struct trap_frame. A vector with a hook (trap_set_hook()) calls
 * it with the frame and returns with IRETQ; otherwise an exception inside
 * TRAP_CATCH() is recorded, and anything else ends the guest.
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

	STUBS 0, 63
	STUBS 64, 127
	STUBS 128, 191
	STUBS 192, 255

/*
 * A wrapped instruction faulted (trap_resume is set): record the
 * exception, return to trap_resume. Else trap_unexpected() ends the guest.
 */
trap_common:
	push	%rax
	mov	8(%rsp), %rax
	mov	trap_hooks(, %rax, 8), %rax
	test	%rax, %rax
	jnz	3f
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

	/* A hook: save what the SysV ABI lets it clobber, align, call it. */
3:	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%rbp
	lea	80(%rsp), %rdi			/* the frame: vector first */
	mov	%rsp, %rbp
	and	$-16, %rsp
	call	*%rax
	mov	%rbp, %rsp
	pop	%rbp
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rax
	add	$16, %rsp			/* vector and error code */
	iretq

	.section .rodata
	.balign 8
	.globl trap_stubs
trap_stubs:
	STUB_ADDRS 0, 63
	STUB_ADDRS 64, 127
	STUB_ADDRS 128, 191
	STUB_ADDRS 192, 255
