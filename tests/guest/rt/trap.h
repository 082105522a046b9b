/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exceptions in long-mode test guests. trap_init() loads an IDT whose 32
 * exception vectors all reach one handler (trap_entry.S):
 *
 *  - an exception raised by instructions wrapped in TRAP_CATCH() is
 *    recorded (trap_vector(), trap_error(), trap_rip()) and execution
 *    resumes after the wrapped instructions: the faulting instruction is
 *    skipped, whatever its length;
 *  - any other exception prints its vector and RIP, reports
 *    (TRAP_KEY_UNEXPECTED, vector) and (TRAP_KEY_UNEXPECTED_RIP, RIP), and
 *    ends the guest with status TRAP_EXIT_STATUS.
 *
 * Without trap_init() the guest has no IDT (libpvx's long mode sets its
 * limit to 0) and its first exception is a triple fault.
 *
 * Usage, in extended asm that clobbers R11 (the wrapper's scratch):
 *
 *	trap_clear();
 *	__asm__ volatile(TRAP_CATCH("rdmsr")
 *			 : "=a"(lo), "=d"(hi) : "c"(msr) : "r11", "memory");
 *	if (trap_vector() == TRAP_GP) ...
 *
 * Interrupts stay off: only exceptions are handled.
 */
#ifndef PVX_GUEST_TRAP_H
#define PVX_GUEST_TRAP_H

#include <stdint.h>

#define TRAP_NR_VECTORS		32
#define TRAP_DE			0
#define TRAP_BP			3
#define TRAP_UD			6
#define TRAP_GP			13
#define TRAP_PF			14
#define TRAP_NONE		(-1)

#define TRAP_KEY_UNEXPECTED	0x7e000001
#define TRAP_KEY_UNEXPECTED_RIP	0x7e000002
#define TRAP_EXIT_STATUS	0xee

/* Load the IDT (vectors 0-31, interrupt gates on the current CS). */
void trap_init(void);

/* Forget the last caught exception: trap_vector() reads TRAP_NONE. */
void trap_clear(void);

/* The vector of the exception caught since trap_clear(), or TRAP_NONE. */
int trap_vector(void);
/* Its error code (0 for vectors that push none), and its RIP. */
uint64_t trap_error(void);
uint64_t trap_rip(void);

/*
 * Wrap @insns (a string of assembly) so that an exception they raise
 * resumes after them. The asm statement must clobber "r11"; labels 7771
 * are the wrapper's.
 */
#define TRAP_CATCH(insns)						\
	"lea 7771f(%%rip), %%r11\n\t"					\
	"mov %%r11, trap_resume(%%rip)\n\t"				\
	insns "\n"							\
	"7771:\n\t"							\
	"movq $0, trap_resume(%%rip)\n\t"

#endif /* PVX_GUEST_TRAP_H */
