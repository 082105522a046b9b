/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The runtime of pvx's freestanding test guests, in long mode: the entry
 * (start64.S) calls guest_main() on every vCPU, and exits with what it
 * returns. Output goes through the UART, results to the host through the
 * report ports, the end through the exit port (userspace/lib/pvx_ports.h).
 *
 * Built with the host compiler, -ffreestanding -mgeneral-regs-only: no C
 * library, no SSE unless a test's own file asks for it. The loader has
 * zeroed .bss (ELF p_memsz).
 */
#ifndef PVX_GUEST_H
#define PVX_GUEST_H

#include <stdint.h>
#include <stdnoreturn.h>

#include "io.h"
#include "pvx_ports.h"

/* The program: @vcpu is this vCPU's id, @nr_vcpus how many run it. */
int guest_main(unsigned int vcpu, unsigned int nr_vcpus);

/* Print @s on the UART (the host prints each line when it ends). */
void print(const char *s);
/* One character on the UART. */
void print_char(char c);
/* @v in decimal. */
void print_u64(uint64_t v);
/* @v in hexadecimal with a 0x prefix. */
void print_hex(uint64_t v);

/* End the whole guest with @status (the host's exit status & 0xff). */
noreturn void exit(uint32_t status);
/* Stop this vCPU only: HLT with interrupts off, for good. */
noreturn void halt(void);
/* Hand (@key, @value) to the host test. */
void report(uint32_t key, uint64_t value);

void *memcpy(void *dst, const void *src, unsigned long n);
void *memmove(void *dst, const void *src, unsigned long n);
void *memset(void *dst, int c, unsigned long n);
int memcmp(const void *a, const void *b, unsigned long n);

#endif /* PVX_GUEST_H */
