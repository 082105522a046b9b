// SPDX-License-Identifier: GPL-2.0
/*
 * The CPUID table a vCPU's guest sees, set by userspace (PVX_SET_CPUID).
 * CPUID always exits (SDM 25.1.2); the handler answers from this table.
 * The CR4 bits the guest may set follow it (vmx_cr4_follow_cpuid()).
 */
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "pvx.h"

static int pvx_cpuid_cmp(const void *a, const void *b)
{
	const struct pvx_cpuid_entry *x = a, *y = b;

	if (x->function != y->function)
		return x->function < y->function ? -1 : 1;
	if (x->index != y->index)
		return x->index < y->index ? -1 : 1;
	return 0;
}

/* Flags and padding are checked, then duplicates once sorted. */
static int pvx_cpuid_check(struct pvx_cpuid_entry *e, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++) {
		if ((e[i].flags & ~PVX_CPUID_INDEXED) || e[i].padding)
			return -EINVAL;
		if (!(e[i].flags & PVX_CPUID_INDEXED))
			e[i].index = 0;
	}
	sort(e, n, sizeof(*e), pvx_cpuid_cmp, NULL);
	for (i = 1; i < n; i++)
		if (!pvx_cpuid_cmp(&e[i - 1], &e[i]))
			return -EINVAL;
	return 0;
}

/**
 * pvx_cpuid_set() - PVX_SET_CPUID: replace the vCPU's CPUID table.
 * @vcpu: the vCPU, its ioctl lock held.
 * @arg: the user's struct pvx_cpuid.
 *
 * Return: 0, -EFAULT, -EINVAL, -E2BIG, -ENOMEM.
 */
int pvx_cpuid_set(struct pvx_vcpu *vcpu, const struct pvx_cpuid __user *arg)
{
	struct pvx_cpuid_entry *e;
	struct pvx_cpuid c;
	int r;

	if (copy_from_user(&c, arg, sizeof(c)))
		return -EFAULT;
	if (c.flags)
		return -EINVAL;
	if (c.nent > PVX_MAX_CPUID_ENTRIES)
		return -E2BIG;
	e = memdup_user(u64_to_user_ptr(c.entries), c.nent * sizeof(*e));
	if (IS_ERR(e))
		return PTR_ERR(e);
	r = pvx_cpuid_check(e, c.nent);
	if (r) {
		kfree(e);
		return r;
	}
	kfree(vcpu->cpuid);
	vcpu->cpuid = e;
	vcpu->cpuid_nent = c.nent;
	vcpu->cpuid_last = U32_MAX;
	vmx_cr4_follow_cpuid(vcpu);
	return 0;
}

/* A non-indexed leaf that is its function's only entry answers any ECX. */
static bool pvx_cpuid_alone(const struct pvx_vcpu *vcpu, u32 i)
{
	const struct pvx_cpuid_entry *t = vcpu->cpuid;

	return !(t[i].flags & PVX_CPUID_INDEXED) &&
	       (i == 0 || t[i - 1].function != t[i].function) &&
	       (i + 1 == vcpu->cpuid_nent || t[i + 1].function != t[i].function);
}

static void pvx_cpuid_copy(const struct pvx_cpuid_entry *e, u32 out[4])
{
	out[0] = e->eax;
	out[1] = e->ebx;
	out[2] = e->ecx;
	out[3] = e->edx;
}

/**
 * pvx_cpuid_lookup() - what CPUID returns for @function/@index.
 * @vcpu: the vCPU.
 * @function: EAX.
 * @index: ECX, for leaves that have subleaves.
 * @out: EAX, EBX, ECX, EDX; zeros for a leaf the table does not have.
 *
 * A guest asks for the same leaf again and again (a loop on CPUID, or a
 * serializing CPUID): the last leaf that needs no subleaf match is kept
 * and answers without the search.
 */
void pvx_cpuid_lookup(struct pvx_vcpu *vcpu, u32 function, u32 index,
		      u32 out[4])
{
	const struct pvx_cpuid_entry *t = vcpu->cpuid;
	u32 lo = 0, hi = vcpu->cpuid_nent;

	if (vcpu->cpuid_last < hi && t[vcpu->cpuid_last].function == function) {
		pvx_cpuid_copy(&t[vcpu->cpuid_last], out);
		return;
	}
	memset(out, 0, 4 * sizeof(u32));
	/* The first entry of @function, by binary search (the table is sorted). */
	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (t[mid].function < function)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < vcpu->cpuid_nent && t[lo].function == function; lo++) {
		if ((t[lo].flags & PVX_CPUID_INDEXED) && t[lo].index != index)
			continue;
		pvx_cpuid_copy(&t[lo], out);
		if (pvx_cpuid_alone(vcpu, lo))
			vcpu->cpuid_last = lo;
		return;
	}
}
