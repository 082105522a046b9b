/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The command protocol of the mem_agent guest (mem_agent.c), shared with
 * the host test that drives it (tests/selftests/guest_mem_test.c).
 *
 * The guest executes HLT and waits there. At that HLT exit the host reads
 * the result of the previous command in RSI, puts the next command in
 * RAX (op), RBX (address), RCX (length in bytes), RDX (seed or value) and
 * RDI (stride in bytes), and runs the vCPU again. Addresses are
 * guest-physical (the runtime identity-maps them).
 */
#ifndef PVX_MEM_AGENT_H
#define PVX_MEM_AGENT_H

#include <stdint.h>

enum mem_agent_op {
	MEM_AGENT_EXIT,		/* end the guest with status RDX */
	MEM_AGENT_WRITE,	/* a word every stride: mem_agent_word(); */
				/* result: the number of words written */
	MEM_AGENT_CHECK,	/* result: how many words differ from it */
	MEM_AGENT_SUM,		/* result: the sum of the words, every stride */
	MEM_AGENT_READ1,	/* result: the 8 bytes at the address */
	MEM_AGENT_WRITE1,	/* store RDX as 8 bytes at the address */
};

/* The word WRITE puts at @addr: unique per address, so a misplaced one shows. */
static inline uint64_t mem_agent_word(uint64_t addr, uint64_t seed)
{
	return (addr * 0x9e3779b97f4a7c15ULL) ^ seed;
}

#endif /* PVX_MEM_AGENT_H */
