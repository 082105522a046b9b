/* SPDX-License-Identifier: GPL-2.0 */
/*
 * modes16: a guest that reports the CPU mode it runs in, and switches
 * modes itself: real mode -> 32-bit protected mode -> PAE paging ->
 * IA-32e compatibility mode -> 64-bit mode -> back to 32-bit protected
 * mode with paging off -> back to real mode, reporting at each stage
 * (modes.h has the keys and the entry points). Its host test is
 * tests/selftests/guest_modes_test.c.
 *
 * Flat at 0x7c00 (MODES_IMAGE_GPA). The switching guest starts as libpvx
 * starts real mode (CS:IP 0000:7C00, DS = ES = SS = 0), and builds its
 * own GDT and page tables; it has no IDT, so any exception is a triple
 * fault. The mode changes follow SDM vol. 3 sections 10.9.1 (switching
 * to protected mode), 10.8.5 (initializing and leaving IA-32e mode) and
 * 10.9.2 (switching back to real mode).
 *
 *	pvxctl run /pvx/guests/modes16.bin --mode real --mem 4
 */
#include "pvx_ports.h"
#include "modes.h"

#define CR0_PE		(1 << 0)
#define CR0_NW		(1 << 29)
#define CR0_CD		(1 << 30)
#define CR0_PG		(1 << 31)
#define CR4_PAE		(1 << 5)
#define CR4_OSFXSR	(1 << 9)
#define CR4_OSXMMEXCPT	(1 << 10)
#define MSR_EFER	0xc0000080
#define EFER_LME	(1 << 8)

/* Selectors of the guest's own GDT (gdt: below). */
#define SEL_CODE32	0x08
#define SEL_DATA32	0x10
#define SEL_CODE64	0x18
#define SEL_CODE16	0x20
#define SEL_DATA16	0x28

/* The guest's page tables, built in protected mode (4 KiB each). */
#define PT_BASE		0x10000
#define PML4		(PT_BASE + 0x0000)
#define LM_PDPT		(PT_BASE + 0x1000)
#define PD		(PT_BASE + 0x2000)
#define PAE_PDPT	(PT_BASE + 0x3000)
#define PT_END		(PT_BASE + 0x4000)
#define PTE_P		0x1
#define PTE_RW		0x2
#define PDE_PS		0x80

#define STACK_TOP	MODES_IMAGE_GPA

/* The code width being assembled, for the macros below. */
.set BITS, 16

/* Hand (\key, EDX:EAX) to the host. Clobbers EAX, EDX, ESI, EDI. */
.macro REPORT key
	mov	%eax, %esi
	mov	%edx, %edi
	mov	$(\key), %eax
	mov	$PVX_PORT_REPORT_KEY, %dx
	out	%eax, %dx
	mov	%esi, %eax
	mov	$PVX_PORT_REPORT_LO, %dx
	out	%eax, %dx
	mov	%edi, %eax
	mov	$PVX_PORT_REPORT_HI, %dx
	out	%eax, %dx
.endm

/* EDX:EAX = the control register \cr. */
.macro READ_CR cr
	.if BITS == 64
	mov	%\cr, %rax
	mov	%rax, %rdx
	shr	$32, %rdx
	.else
	mov	%\cr, %eax
	xor	%edx, %edx
	.endif
.endm

/*
 * AX = MODES_WIDTH_16, _32 or _64: the same bytes in each code width.
 *   31 c0           xor %ax,%ax       | xor %eax,%eax    | xor %eax,%eax
 *   b8 01 00 40 40  mov $1,%ax;       | mov $0x40400001, | mov $0x40400001,
 *                   inc %ax; inc %ax  |   %eax           |   %eax
 *   48 ff c0        dec %ax; inc %ax  | dec %eax;        | inc %rax
 *                                     |   inc %eax       |
 *   AX =            3                 | 1                | 2
 */
.macro WIDTH_PROBE
	.byte	0x31, 0xc0
	.byte	0xb8, 0x01, 0x00, 0x40, 0x40
	.byte	0x48, 0xff, 0xc0
.endm

/* Print the NUL-terminated string at \label (DS-relative in real mode). */
.macro PRINT label
	mov	$\label, %esi
	mov	$(PVX_PORT_UART + PVX_UART_THR), %dx
	cld
1:	lodsb
	test	%al, %al
	jz	2f
	out	%al, %dx
	jmp	1b
2:
.endm

/* Report what stage \stage observes (modes.h). */
.macro STAGE stage
	mov	$\stage, %eax
	xor	%edx, %edx
	REPORT	MODES_KEY(\stage, MODES_ITEM_STAGE)
	READ_CR	cr0
	REPORT	MODES_KEY(\stage, MODES_ITEM_CR0)
	READ_CR	cr3
	REPORT	MODES_KEY(\stage, MODES_ITEM_CR3)
	READ_CR	cr4
	REPORT	MODES_KEY(\stage, MODES_ITEM_CR4)
	mov	$MSR_EFER, %ecx
	rdmsr
	REPORT	MODES_KEY(\stage, MODES_ITEM_EFER)
	WIDTH_PROBE
	movzwl	%ax, %eax
	xor	%edx, %edx
	REPORT	MODES_KEY(\stage, MODES_ITEM_WIDTH)
	.if BITS != 16
	/* LAR: the access rights of CS's descriptor (D is bit 22, L 21). */
	xor	%eax, %eax
	mov	%cs, %dx
	lar	%dx, %eax
	xor	%edx, %edx
	REPORT	MODES_KEY(\stage, MODES_ITEM_CS_AR)
	.endif
.endm

/* End the guest with status 0 (a 4-byte OUT to the exit port). */
.macro EXIT0
	xor	%eax, %eax
	mov	$PVX_PORT_EXIT, %dx
	out	%eax, %dx
3:	cli
	hlt
	jmp	3b
.endm

	.section .text.start, "ax"

/* The entry points, 8 bytes apart (modes.h). */
	.code16
	.globl _start
_start:
	jmp	switch_start
	.org	8
	jmp	probe16
	.org	16
	.code32
	jmp	probe32
	.org	24
	.code64
	jmp	probe64
	.org	32

/* The guests libpvx starts in one mode: report, exit. */
	.code16
	.set BITS, 16
probe16:
	PRINT	msg_probe16
	STAGE	MODES_STAGE_LIBPVX_REAL
	EXIT0

	.code32
	.set BITS, 32
probe32:
	PRINT	msg_probe32
	STAGE	MODES_STAGE_LIBPVX_PROT
	EXIT0

	.code64
	.set BITS, 64
probe64:
	PRINT	msg_probe64
	STAGE	MODES_STAGE_LIBPVX_LONG
	EXIT0

/* The guest that switches modes itself. */
	.code16
	.set BITS, 16
switch_start:
	cli
	xor	%ax, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$STACK_TOP, %sp
	PRINT	msg_real
	STAGE	MODES_STAGE_REAL

	/* Real -> protected (SDM 10.9.1): GDT, CR0.PE, far jump. */
	lgdtl	gdtr
	mov	%cr0, %eax
	and	$~(CR0_CD | CR0_NW), %eax
	or	$CR0_PE, %eax
	mov	%eax, %cr0
	ljmpl	$SEL_CODE32, $prot32

	.code32
	.set BITS, 32
prot32:
	mov	$SEL_DATA32, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %fs
	mov	%ax, %gs
	mov	%ax, %ss
	mov	$STACK_TOP, %esp
	/* SSE on: CR4 bits the guest owns, written without an exit. */
	mov	%cr4, %eax
	or	$(CR4_OSFXSR | CR4_OSXMMEXCPT), %eax
	mov	%eax, %cr4
	PRINT	msg_prot
	STAGE	MODES_STAGE_PROT

	/*
	 * Page tables: one page directory of 2 MiB pages mapping the first
	 * 4 MiB, reached from PAE PDPTEs 0 and 1 (so 1 GiB aliases 0) and
	 * from the 4-level PDPT, itself reached from PML4Es 0 and 1 (so
	 * 512 GiB aliases 0). PAE PDPTEs have no R/W bit (SDM 4.4.1).
	 */
	cld
	mov	$PT_BASE, %edi
	xor	%eax, %eax
	mov	$((PT_END - PT_BASE) / 4), %ecx
	rep stosl
	movl	$(0x000000 | PDE_PS | PTE_RW | PTE_P), PD
	movl	$(0x200000 | PDE_PS | PTE_RW | PTE_P), PD + 8
	movl	$(PD | PTE_P), PAE_PDPT
	movl	$(PD | PTE_P), PAE_PDPT + 8
	movl	$(PD | PTE_RW | PTE_P), LM_PDPT
	movl	$(LM_PDPT | PTE_RW | PTE_P), PML4
	movl	$(LM_PDPT | PTE_RW | PTE_P), PML4 + 8

	/* PAE paging (SDM 4.4): CR3, CR4.PAE, then CR0.PG. */
	mov	$PAE_PDPT, %eax
	mov	%eax, %cr3
	mov	%cr4, %eax
	or	$CR4_PAE, %eax
	mov	%eax, %cr4
	mov	%cr0, %eax
	or	$CR0_PG, %eax
	mov	%eax, %cr0
	PRINT	msg_pae
	movl	$MODES_MAGIC_PAE, MODES_ALIAS_GPA
	mov	MODES_ALIAS_PAE + MODES_ALIAS_GPA, %eax
	xor	%edx, %edx
	REPORT	MODES_KEY(MODES_STAGE_PAE, MODES_ITEM_ALIAS)
	STAGE	MODES_STAGE_PAE

	/*
	 * PAE -> IA-32e (SDM 10.8.5): paging off, CR3 = the PML4,
	 * EFER.LME = 1, paging on: compatibility mode, EFER.LMA = 1.
	 */
	mov	%cr0, %eax
	and	$~CR0_PG, %eax
	mov	%eax, %cr0
	mov	$PML4, %eax
	mov	%eax, %cr3
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$EFER_LME, %eax
	wrmsr
	mov	%cr0, %eax
	or	$CR0_PG, %eax
	mov	%eax, %cr0
	PRINT	msg_compat
	STAGE	MODES_STAGE_COMPAT
	ljmp	$SEL_CODE64, $long64

	.code64
	.set BITS, 64
long64:
	PRINT	msg_long
	/* 64-bit only: a 40-bit value through an address above 4 GiB. */
	movabs	$MODES_MAGIC_LONG, %rax
	movabs	$(MODES_ALIAS_LONG + MODES_ALIAS_GPA), %rbx
	mov	%rax, (%rbx)
	mov	MODES_ALIAS_GPA, %rax
	mov	%rax, %rdx
	shr	$32, %rdx
	REPORT	MODES_KEY(MODES_STAGE_LONG, MODES_ITEM_ALIAS)
	STAGE	MODES_STAGE_LONG

	/*
	 * Leaving IA-32e mode (SDM 10.8.5.4): to compatibility mode first
	 * (a far return to the 32-bit code segment), then paging off
	 * (EFER.LMA clears), then EFER.LME = 0.
	 */
	pushq	$SEL_CODE32
	lea	compat_back(%rip), %rax
	push	%rax
	lretq

	.code32
	.set BITS, 32
compat_back:
	mov	%cr0, %eax
	and	$~CR0_PG, %eax
	mov	%eax, %cr0
	mov	$MSR_EFER, %ecx
	rdmsr
	and	$~EFER_LME, %eax
	wrmsr
	mov	%cr4, %eax
	and	$~CR4_PAE, %eax
	mov	%eax, %cr4
	xor	%eax, %eax
	mov	%eax, %cr3
	PRINT	msg_prot_again
	STAGE	MODES_STAGE_PROT_AGAIN

	/*
	 * Protected -> real (SDM 10.9.2): 64 KiB data segments and a 16-bit
	 * code segment first, then CR0.PE = 0 and a far jump.
	 */
	mov	$SEL_DATA16, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %fs
	mov	%ax, %gs
	mov	%ax, %ss
	ljmp	$SEL_CODE16, $prot16

	.code16
	.set BITS, 16
prot16:
	mov	%cr0, %eax
	and	$~CR0_PE, %eax
	mov	%eax, %cr0
	ljmp	$0, $real_again
real_again:
	xor	%ax, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %fs
	mov	%ax, %gs
	mov	%ax, %ss
	mov	$STACK_TOP, %sp
	PRINT	msg_real_again
	STAGE	MODES_STAGE_REAL_AGAIN
	PRINT	msg_done
	EXIT0

	.balign 8
gdt:
	.quad	0				/* null */
	.quad	0x00cf9a000000ffff		/* 0x08: code, 32-bit, 4 GiB */
	.quad	0x00cf92000000ffff		/* 0x10: data, 4 GiB */
	.quad	0x00af9a000000ffff		/* 0x18: code, 64-bit (L) */
	.quad	0x00009a000000ffff		/* 0x20: code, 16-bit, 64 KiB */
	.quad	0x000092000000ffff		/* 0x28: data, 64 KiB */
gdt_end:
gdtr:
	.word	gdt_end - gdt - 1
	.long	gdt

msg_probe16:	.asciz "modes: real mode, as libpvx started it\n"
msg_probe32:	.asciz "modes: 32-bit protected mode, as libpvx started it\n"
msg_probe64:	.asciz "modes: 64-bit mode, as libpvx started it\n"
msg_real:	.asciz "modes: real mode\n"
msg_prot:	.asciz "modes: 32-bit protected mode\n"
msg_pae:	.asciz "modes: PAE paging\n"
msg_compat:	.asciz "modes: compatibility mode\n"
msg_long:	.asciz "modes: 64-bit mode\n"
msg_prot_again:	.asciz "modes: 32-bit protected mode again\n"
msg_real_again:	.asciz "modes: real mode again\n"
msg_done:	.asciz "modes: done\n"
