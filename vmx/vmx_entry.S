/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VM entry and VM exit: the only place where guest registers meet the CPU.
 *
 * VMLAUNCH/VMRESUME load the guest state from the current VMCS, but not the
 * general-purpose registers other than RSP (SDM 27.3): those are loaded here
 * from struct vmx_vcpu's regs[] and saved back on VM exit, when the CPU
 * resumes at vmx_vmexit with RSP = the VMCS's HOST_RSP (SDM 28.5.3).
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>
#include <asm/segment.h>
#include <asm/unwind_hints.h>

/* The VMCS field encoding of HOST_RSP (SDM Appendix B.4.4). */
#define VMCS_HOST_RSP	0x00006c14

/* Offsets of the guest registers in regs[], in the x86 encoding order. */
#define VCPU_RAX	(0 * 8)
#define VCPU_RCX	(1 * 8)
#define VCPU_RDX	(2 * 8)
#define VCPU_RBX	(3 * 8)
/* 4 is RSP, which lives in the VMCS (GUEST_RSP) */
#define VCPU_RBP	(5 * 8)
#define VCPU_RSI	(6 * 8)
#define VCPU_RDI	(7 * 8)
#define VCPU_R8		(8 * 8)
#define VCPU_R9		(9 * 8)
#define VCPU_R10	(10 * 8)
#define VCPU_R11	(11 * 8)
#define VCPU_R12	(12 * 8)
#define VCPU_R13	(13 * 8)
#define VCPU_R14	(14 * 8)
#define VCPU_R15	(15 * 8)

.section .noinstr.text, "ax"

/**
 * vmx_enter_guest - run the guest of the current VMCS until a VM exit.
 * @regs:	%rdi, the guest's general-purpose registers (unsigned long[16])
 * @launched:	%sil, whether the VMCS was launched (VMRESUME) or not
 *		(VMLAUNCH, SDM 24.1's "launch state")
 *
 * Called with interrupts disabled. Returns 0 after a VM exit, 1 when the
 * entry failed with VMfail (VM_INSTRUCTION_ERROR says why), 2 when
 * VMLAUNCH/VMRESUME faulted (VMX was turned off under us: reboot).
 */
SYM_FUNC_START(vmx_enter_guest)
	push %rbp
	mov %rsp, %rbp
	push %r15
	push %r14
	push %r13
	push %r12
	push %rbx
	/* @regs, found at (%rsp) again on VM exit */
	push %rdi

	/* VM exit will load this RSP (SDM 28.5.3). */
	mov $VMCS_HOST_RSP, %rax
	vmwrite %rsp, %rax
	jna .Lvmfail

	/* Clear CPU buffers against MDS-style leaks (VERW clobbers ZF). */
	VM_CLEAR_CPU_BUFFERS
	test %sil, %sil

	/* Guest registers; RDI, the base, goes last. MOV leaves ZF alone. */
	mov VCPU_RAX(%rdi), %rax
	mov VCPU_RCX(%rdi), %rcx
	mov VCPU_RDX(%rdi), %rdx
	mov VCPU_RBX(%rdi), %rbx
	mov VCPU_RBP(%rdi), %rbp
	mov VCPU_RSI(%rdi), %rsi
	mov VCPU_R8(%rdi), %r8
	mov VCPU_R9(%rdi), %r9
	mov VCPU_R10(%rdi), %r10
	mov VCPU_R11(%rdi), %r11
	mov VCPU_R12(%rdi), %r12
	mov VCPU_R13(%rdi), %r13
	mov VCPU_R14(%rdi), %r14
	mov VCPU_R15(%rdi), %r15
	mov VCPU_RDI(%rdi), %rdi

	jz .Lvmlaunch

	/*
	 * A successful VMRESUME/VMLAUNCH continues at vmx_vmexit (the VMCS's
	 * HOST_RIP) with this stack: tell objtool to carry the unwind state.
	 */
	UNWIND_HINT_SAVE
.Lvmresume:
	vmresume
	jmp .Lvmfail

.Lvmlaunch:
	vmlaunch
	jmp .Lvmfail

	_ASM_EXTABLE(.Lvmresume, .Lfault)
	_ASM_EXTABLE(.Lvmlaunch, .Lfault)

SYM_INNER_LABEL(vmx_vmexit, SYM_L_GLOBAL)
	UNWIND_HINT_RESTORE
	ENDBR

	/* Guest RAX out of the way, then @regs from the stack. */
	push %rax
	mov 8(%rsp), %rax

	mov %rcx, VCPU_RCX(%rax)
	mov %rdx, VCPU_RDX(%rax)
	mov %rbx, VCPU_RBX(%rax)
	mov %rbp, VCPU_RBP(%rax)
	mov %rsi, VCPU_RSI(%rax)
	mov %rdi, VCPU_RDI(%rax)
	mov %r8, VCPU_R8(%rax)
	mov %r9, VCPU_R9(%rax)
	mov %r10, VCPU_R10(%rax)
	mov %r11, VCPU_R11(%rax)
	mov %r12, VCPU_R12(%rax)
	mov %r13, VCPU_R13(%rax)
	mov %r14, VCPU_R14(%rax)
	mov %r15, VCPU_R15(%rax)
	pop VCPU_RAX(%rax)

	/*
	 * The guest may have trained the return stack buffer: overwrite it
	 * before the first RET (Spectre-RSB), as the kernel asks.
	 */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT, \
			   X86_FEATURE_RSB_VMEXIT_LITE

	/* Leave no guest value in a register the host might speculate on. */
	xor %ecx, %ecx
	xor %edx, %edx
	xor %esi, %esi
	xor %edi, %edi
	xor %r8d, %r8d
	xor %r9d, %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d
	xor %eax, %eax

.Lout:
	/* Drop @regs, restore the host's callee-saved registers. */
	add $8, %rsp
	pop %rbx
	pop %r12
	pop %r13
	pop %r14
	pop %r15
	pop %rbp
	RET

.Lvmfail:
	mov $1, %eax
	jmp .Lout

.Lfault:
	mov $2, %eax
	jmp .Lout
SYM_FUNC_END(vmx_enter_guest)

.section .text, "ax"

/**
 * vmx_do_nmi_irqoff - run the host's NMI handler after an NMI VM exit.
 * @handler:	%rdi, the address in the host IDT's NMI gate
 *
 * An NMI that arrived in the guest caused a VM exit instead of reaching
 * the host (NMI exiting), and NMIs stay blocked until the next IRET
 * (SDM 27.5.5). Build the frame the CPU would have pushed and call the
 * handler: its IRET returns here and unblocks NMIs.
 */
SYM_FUNC_START(vmx_do_nmi_irqoff)
	push %rbp
	mov %rsp, %rbp

	/* The CPU aligns RSP to 16 bytes before pushing an interrupt frame. */
	and $-16, %rsp
	push $__KERNEL_DS
	push %rbp
	pushf
	push $__KERNEL_CS
	CALL_NOSPEC rdi

	/* IRET restored RSP already; say so for objtool. */
	mov %rbp, %rsp
	pop %rbp
	RET
SYM_FUNC_END(vmx_do_nmi_irqoff)
