// SPDX-License-Identifier: GPL-2.0
/*
 * trapdemo: a guest for `pvxctl run --trap rdtsc,cpuid,exc=bp,ud --log`
 * (README): two RDTSCs, CPUID of the hypervisor leaf, an INT3 and a UD2
 * that its own IDT catches, each followed by what the guest saw.
 */
#include "guest.h"
#include "trap.h"

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

int guest_main(unsigned int vcpu, unsigned int nr_vcpus)
{
	uint32_t a, b, c, d;
	char sig[13];
	uint64_t t0, t1;

	(void)vcpu;
	(void)nr_vcpus;
	trap_init();
	t0 = rdtsc();
	t1 = rdtsc();
	print("rdtsc: ");
	print_hex(t0);
	print(" then ");
	print_hex(t1);
	print_char('\n');

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
			 : "a"(0x40000000), "c"(0));
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	sig[12] = '\0';
	print("cpuid 0x40000000: max leaf ");
	print_hex(a);
	print(", signature ");
	print(sig);
	print_char('\n');

	trap_clear();
	__asm__ volatile(TRAP_CATCH("int3") : : : "r11", "memory");
	print(trap_vector() == TRAP_NONE ? "int3: went on\n" :
					   "int3: caught #BP\n");
	trap_clear();
	__asm__ volatile(TRAP_CATCH("ud2") : : : "r11", "memory");
	print(trap_vector() == TRAP_UD ? "ud2: caught #UD\n" : "ud2: no #UD?\n");
	return 0;
}
