// SPDX-License-Identifier: GPL-2.0
/*
 * mem_agent: a long-mode guest that reads and writes its memory as the
 * host tells it, one command per HLT (the protocol is in mem_agent.h). The
 * host sees the guest's accesses as they are: RAM through its own mapping,
 * MMIO as exits. Every access is an aligned 8-byte MOV, which pvx decodes
 * when it hits MMIO.
 */
#include "guest.h"
#include "mem_agent.h"

struct cmd {
	uint64_t op, addr, len, seed, stride;
};

/* Hand @result to the host and wait at HLT for the next command. */
static void next_cmd(struct cmd *c, uint64_t result)
{
	__asm__ volatile("hlt"
			 : "=a"(c->op), "=b"(c->addr), "=c"(c->len),
			   "=d"(c->seed), "=D"(c->stride)
			 : "S"(result)
			 : "memory");
}

static uint64_t do_write(const struct cmd *c)
{
	uint64_t n = 0;

	for (uint64_t off = 0; off < c->len; off += c->stride, n++)
		*(volatile uint64_t *)(c->addr + off) =
			mem_agent_word(c->addr + off, c->seed);
	return n;
}

static uint64_t do_check(const struct cmd *c)
{
	uint64_t bad = 0;

	for (uint64_t off = 0; off < c->len; off += c->stride)
		bad += *(volatile uint64_t *)(c->addr + off) !=
		       mem_agent_word(c->addr + off, c->seed);
	return bad;
}

static uint64_t do_sum(const struct cmd *c)
{
	uint64_t sum = 0;

	for (uint64_t off = 0; off < c->len; off += c->stride)
		sum += *(volatile uint64_t *)(c->addr + off);
	return sum;
}

int guest_main(unsigned int vcpu, unsigned int nr_vcpus)
{
	uint64_t result = 0;
	struct cmd c;

	(void)vcpu;
	(void)nr_vcpus;
	for (;;) {
		next_cmd(&c, result);
		if (c.stride < 8)
			c.stride = 8;
		switch (c.op) {
		case MEM_AGENT_EXIT:
			return (int)c.seed;
		case MEM_AGENT_WRITE:
			result = do_write(&c);
			break;
		case MEM_AGENT_CHECK:
			result = do_check(&c);
			break;
		case MEM_AGENT_SUM:
			result = do_sum(&c);
			break;
		case MEM_AGENT_READ1:
			result = *(volatile uint64_t *)c.addr;
			break;
		case MEM_AGENT_WRITE1:
			*(volatile uint64_t *)c.addr = c.seed;
			result = 0;
			break;
		default:
			result = ~0ULL;
		}
	}
}
