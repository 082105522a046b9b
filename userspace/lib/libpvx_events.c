// SPDX-License-Identifier: LGPL-2.1
/*
 * libpvx: the exit policy (building one, PVX_SET_EXIT_POLICY), events into
 * the guest (PVX_INTERRUPT, PVX_NMI, PVX_INJECT_EXCEPTION), and the names
 * of exceptions.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>

#include "libpvx.h"

/* Basic exit reasons, SDM Appendix C, that the optional exits cause. */
#define VMX_EXIT_HLT		12
#define VMX_EXIT_RDPMC		15
#define VMX_EXIT_RDTSC		16
#define VMX_EXIT_CR_ACCESS	28
#define VMX_EXIT_DR_ACCESS	29
#define VMX_EXIT_MTF		37
#define VMX_EXIT_PAUSE		40
#define VMX_EXIT_GDTR_IDTR	46
#define VMX_EXIT_LDTR_TR	47
#define VMX_EXIT_RDTSCP		51
#define VMX_EXIT_RDRAND		57
#define VMX_EXIT_RDSEED		61

static int ioctl_ptr(int fd, unsigned long cmd, const void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

void pvx_policy_init(struct pvx_exit_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->trap = PVX_TRAP_DEFAULT;
}

void pvx_policy_forward(struct pvx_exit_policy *p, unsigned int reason)
{
	if (reason < 128)
		p->forward[reason / 64] |= 1ULL << (reason % 64);
}

bool pvx_policy_forwards(const struct pvx_exit_policy *p, unsigned int reason)
{
	return reason < 128 && (p->forward[reason / 64] >> (reason % 64) & 1);
}

static const struct {
	uint64_t trap;
	uint64_t reasons;
} trap_reasons[] = {
	{ PVX_TRAP_HLT, 1ULL << VMX_EXIT_HLT },
	{ PVX_TRAP_RDTSC, 1ULL << VMX_EXIT_RDTSC | 1ULL << VMX_EXIT_RDTSCP },
	{ PVX_TRAP_RDPMC, 1ULL << VMX_EXIT_RDPMC },
	{ PVX_TRAP_PAUSE, 1ULL << VMX_EXIT_PAUSE },
	{ PVX_TRAP_DR, 1ULL << VMX_EXIT_DR_ACCESS },
	{ PVX_TRAP_DESC, 1ULL << VMX_EXIT_GDTR_IDTR | 1ULL << VMX_EXIT_LDTR_TR },
	{ PVX_TRAP_RDRAND, 1ULL << VMX_EXIT_RDRAND | 1ULL << VMX_EXIT_RDSEED },
	{ PVX_TRAP_CR3, 1ULL << VMX_EXIT_CR_ACCESS },
	{ PVX_TRAP_CR8, 1ULL << VMX_EXIT_CR_ACCESS },
	{ PVX_TRAP_MTF, 1ULL << VMX_EXIT_MTF },
};

uint64_t pvx_trap_reasons(uint64_t trap)
{
	uint64_t reasons = 0;

	for (size_t i = 0; i < sizeof(trap_reasons) / sizeof(trap_reasons[0]); i++)
		if (trap & trap_reasons[i].trap)
			reasons |= trap_reasons[i].reasons;
	return reasons;
}

void pvx_policy_trap_forward(struct pvx_exit_policy *p, uint64_t trap)
{
	uint64_t reasons = pvx_trap_reasons(trap);

	p->trap |= trap;
	for (unsigned int r = 0; r < 64; r++)
		if (reasons >> r & 1)
			pvx_policy_forward(p, r);
}

void pvx_policy_exceptions(struct pvx_exit_policy *p, uint32_t mask,
			   bool forward)
{
	p->exceptions |= mask;
	if (forward)
		p->forward_exceptions |= mask;
}

static int add_range(struct pvx_range *ranges, uint32_t *n, uint32_t first,
		     uint32_t last)
{
	if (first > last)
		return -EINVAL;
	if (*n >= PVX_MAX_POLICY_RANGES)
		return -E2BIG;
	ranges[(*n)++] = (struct pvx_range){ first, last };
	return 0;
}

int pvx_policy_forward_cpuid(struct pvx_exit_policy *p, uint32_t first,
			     uint32_t last)
{
	return add_range(p->cpuid, &p->ncpuid, first, last);
}

int pvx_policy_forward_msr(struct pvx_exit_policy *p, uint32_t first,
			   uint32_t last)
{
	return add_range(p->msr, &p->nmsr, first, last);
}

int pvx_vm_set_exit_policy(struct pvx_vm *vm, const struct pvx_exit_policy *p)
{
	return ioctl_ptr(vm->fd, PVX_SET_EXIT_POLICY, p);
}

int pvx_vcpu_interrupt(struct pvx_vcpu *vcpu, uint32_t vector)
{
	struct pvx_interrupt irq = { .vector = vector };

	return ioctl_ptr(vcpu->fd, PVX_INTERRUPT, &irq);
}

int pvx_vcpu_nmi(struct pvx_vcpu *vcpu)
{
	return ioctl(vcpu->fd, PVX_NMI, 0) < 0 ? -errno : 0;
}

int pvx_vcpu_inject_exception(struct pvx_vcpu *vcpu, uint32_t vector,
			      uint32_t error_code)
{
	struct pvx_exception e = { .vector = vector };

	if (vector < 32 && (PVX_EXC_ERROR_CODE >> vector & 1)) {
		e.flags = PVX_EXCEPTION_HAS_ERROR_CODE;
		e.error_code = error_code;
	}
	return ioctl_ptr(vcpu->fd, PVX_INJECT_EXCEPTION, &e);
}

int pvx_vcpu_clear_events(struct pvx_vcpu *vcpu, uint32_t flags)
{
	struct pvx_clear_events c = { .flags = flags };

	return ioctl_ptr(vcpu->fd, PVX_CLEAR_EVENTS, &c);
}

/* SDM 6.3.1, table 6-1. */
static const char *const exception_names[32] = {
	"DE", "DB", "NMI", "BP", "OF", "BR", "UD", "NM", "DF", "CSO", "TS",
	"NP", "SS", "GP", "PF", NULL, "MF", "AC", "MC", "XM", "VE", "CP",
};

const char *pvx_exception_name(uint32_t vector)
{
	return vector < 32 ? exception_names[vector] : NULL;
}

int pvx_exception_by_name(const char *name)
{
	if (*name == '#')
		name++;
	for (int v = 0; v < 32; v++)
		if (exception_names[v] && !strcasecmp(name, exception_names[v]))
			return v;
	return -EINVAL;
}

void pvx_cpuid_answer(struct pvx_cpuid_entry *entries, unsigned int nent,
		      uint32_t function, uint32_t index, uint32_t out[4])
{
	const struct pvx_cpuid_entry *e = pvx_cpuid_find(entries, nent,
							 function, index);

	out[0] = e ? e->eax : 0;
	out[1] = e ? e->ebx : 0;
	out[2] = e ? e->ecx : 0;
	out[3] = e ? e->edx : 0;
}
