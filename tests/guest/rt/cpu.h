/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Privileged x86 instructions for long-mode test guests, and the "safe"
 * forms that catch the exception an instruction raises (rt/trap.h: after
 * trap_init()). The safe forms return the vector, or TRAP_NONE.
 */
#ifndef PVX_GUEST_CPU_H
#define PVX_GUEST_CPU_H

#include <stdint.h>

#include "trap.h"

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

static inline uint64_t read_cr4(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void write_cr4(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static inline int cpu_rdmsr_safe(uint32_t msr, uint64_t *val)
{
	uint32_t lo = 0, hi = 0;

	trap_clear();
	__asm__ volatile(TRAP_CATCH("rdmsr")
			 : "+a"(lo), "+d"(hi) : "c"(msr) : "r11", "memory");
	*val = (uint64_t)hi << 32 | lo;
	return trap_vector();
}

static inline int cpu_wrmsr_safe(uint32_t msr, uint64_t val)
{
	trap_clear();
	__asm__ volatile(TRAP_CATCH("wrmsr")
			 : : "a"((uint32_t)val), "d"((uint32_t)(val >> 32)),
			   "c"(msr) : "r11", "memory");
	return trap_vector();
}

static inline int cpu_write_cr4_safe(uint64_t val)
{
	trap_clear();
	__asm__ volatile(TRAP_CATCH("mov %0, %%cr4")
			 : : "r"(val) : "r11", "memory");
	return trap_vector();
}

static inline int cpu_xsetbv_safe(uint32_t xcr, uint64_t val)
{
	trap_clear();
	__asm__ volatile(TRAP_CATCH("xsetbv")
			 : : "a"((uint32_t)val), "d"((uint32_t)(val >> 32)),
			   "c"(xcr) : "r11", "memory");
	return trap_vector();
}

#endif /* PVX_GUEST_CPU_H */
