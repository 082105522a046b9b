// SPDX-License-Identifier: GPL-2.0
/*
 * The IDT of long-mode test guests: 256 interrupt gates (SDM 6.14.1) to
 * the stubs of trap_entry.S, and what the common handler records.
 */
#include "guest.h"
#include "trap.h"

/* A 64-bit IDT gate descriptor (SDM 6.14.1, figure 6-8). */
struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;	/* P, DPL, 0, type */
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
};

#define GATE_INTR64	0x8e	/* present, DPL 0, 64-bit interrupt gate */

static struct idt_gate idt[TRAP_NR_VECTORS] __attribute__((aligned(16)));

/* trap_entry.S: the stubs, and what its handler fills in. */
extern const uint64_t trap_stubs[TRAP_NR_VECTORS];
volatile uint64_t trap_resume;
volatile int64_t trap_caught_vector = TRAP_NONE;
volatile uint64_t trap_caught_error, trap_caught_rip;
trap_hook trap_hooks[TRAP_NR_VECTORS];

void trap_set_hook(unsigned int vector, trap_hook hook)
{
	if (vector < TRAP_NR_VECTORS)
		trap_hooks[vector] = hook;
}

void trap_init(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint64_t)idt };
	uint16_t cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	for (int v = 0; v < TRAP_NR_VECTORS; v++) {
		uint64_t addr = trap_stubs[v];

		idt[v] = (struct idt_gate){
			.offset_lo = addr, .selector = cs,
			.type_attr = GATE_INTR64, .offset_mid = addr >> 16,
			.offset_hi = addr >> 32,
		};
	}
	__asm__ volatile("lidt %0" : : "m"(idtr) : "memory");
}

void trap_clear(void)
{
	trap_caught_vector = TRAP_NONE;
	trap_caught_error = 0;
	trap_caught_rip = 0;
}

int trap_vector(void)
{
	return trap_caught_vector;
}

uint64_t trap_error(void)
{
	return trap_caught_error;
}

uint64_t trap_rip(void)
{
	return trap_caught_rip;
}

/* Called by trap_entry.S for an exception nobody wrapped. */
noreturn void trap_unexpected(uint64_t vector, uint64_t error, uint64_t rip);

noreturn void trap_unexpected(uint64_t vector, uint64_t error, uint64_t rip)
{
	print("unexpected exception ");
	print_u64(vector);
	print(" error ");
	print_hex(error);
	print(" at RIP ");
	print_hex(rip);
	print_char('\n');
	report(TRAP_KEY_UNEXPECTED, vector);
	report(TRAP_KEY_UNEXPECTED_RIP, rip);
	exit(TRAP_EXIT_STATUS);
}
