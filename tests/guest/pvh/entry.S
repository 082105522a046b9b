/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The PVH test kernel's entry (Xen docs/misc/pvh.pandoc): 32-bit flat
 * protected mode, paging off, EBX = the hvm_start_info's address. A stack,
 * then pvh_main(start_info), which never returns (it shuts the VM down).
 */
	.section .text.entry, "ax"
	.code32
	.globl pvh_start
pvh_start:
	cld
	movl	$stack_top, %esp
	pushl	%ebx
	call	pvh_main
1:	hlt
	jmp	1b

	.section .note.Xen, "a"
	.balign 4
	.long	4			/* namesz: "Xen\0" */
	.long	4			/* descsz: a 4-byte entry */
	.long	18			/* XEN_ELFNOTE_PHYS32_ENTRY (pvx_xen.h) */
	.asciz	"Xen"
	.long	pvh_start

	.bss
	.balign 16
	.skip	16384
stack_top:

	.section .note.GNU-stack, "", @progbits
