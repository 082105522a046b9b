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
 * Interrupts and NMIs: trap_set_hook() gives a vector (an external
 * interrupt 32-255, NMI 2, or an exception) a C handler, called with the
 * frame the CPU pushed; it returns with IRETQ (so NMIs are unblocked and
 * RFLAGS.IF restored there). Vectors 32-255 without a hook end the guest
 * like unexpected exceptions. The gates are interrupt gates: IF is 0 in
 * every handler.
 */
#ifndef PVX_GUEST_TRAP_H
#define PVX_GUEST_TRAP_H

#include <stdint.h>

#define TRAP_NR_VECTORS		256
#define TRAP_NMI		2
#define TRAP_DE			0
#define TRAP_BP			3
#define TRAP_UD			6
#define TRAP_GP			13
#define TRAP_PF			14
#define TRAP_NONE		(-1)

#define TRAP_KEY_UNEXPECTED	0x7e000001
#define TRAP_KEY_UNEXPECTED_RIP	0x7e000002
#define TRAP_EXIT_STATUS	0xee

/* Load the IDT (vectors 0-255, interrupt gates on the current CS). */
void trap_init(void);

/* What the CPU pushed (with a 0 error code where it pushes none). */
struct trap_frame {
	uint64_t vector;
	uint64_t error;
	uint64_t rip, cs, rflags, rsp, ss;
};

typedef void (*trap_hook)(struct trap_frame *frame);

/* Call @hook for @vector from now on (NULL: back to the default). */
void trap_set_hook(unsigned int vector, trap_hook hook);

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
