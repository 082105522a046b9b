// SPDX-License-Identifier: GPL-2.0
/*
 * __HYPERVISOR_hvm_op(op, arg): HVM parameters (Xen's
 * xen/include/public/hvm/hvm_op.h and hvm/params.h), and the host's
 * PVX_PV_SET_PARAM / PVX_PV_GET_PARAM (uapi/linux/pvx.h).
 *
 * The rules: a parameter is a 64-bit value by HVM_PARAM_* index, of the
 * caller's own domain (another domid is -EPERM). The guest may set
 * HVM_PARAM_CALLBACK_IRQ only (the others name what dom0's toolstack set
 * up: -EPERM) and may read CALLBACK_IRQ, STORE_PFN, STORE_EVTCHN,
 * CONSOLE_PFN and CONSOLE_EVTCHN; another index is -EINVAL. The host sets
 * the four toolstack params and may set CALLBACK_IRQ too. CALLBACK_IRQ is
 * 0 (no upcall) or type HVM_PARAM_CALLBACK_TYPE_VECTOR in bits 63:56 with
 * a vector 0x10..0xff in bits 7:0 (Xen's hvm_set_callback_via() rejects
 * lower ones); the GSI and PCI INTx types need an emulated interrupt
 * controller pvx does not have: -EINVAL. An event channel param is a port
 * below EVTCHN_2L_NR_CHANNELS, a PFN param a frame below PVX_MAX_GPA.
 * Other hvm_op commands are -ENOSYS.
 */
#include <linux/uaccess.h>

#include "pv.h"
#include "../core/pvx.h"

#define PV_CALLBACK_VECTOR_MIN	0x10

/* What a param accepts, and who may read and set it. */
struct pv_param_rule {
	bool (*valid)(u64 value);
	bool guest_read;
	bool guest_set;
};

static bool pv_valid_callback(u64 v)
{
	u64 type = v >> HVM_PARAM_CALLBACK_TYPE_SHIFT;

	if (!v)
		return true;
	return type == HVM_PARAM_CALLBACK_TYPE_VECTOR &&
	       !(v & GENMASK_ULL(HVM_PARAM_CALLBACK_TYPE_SHIFT - 1, 8)) &&
	       (v & 0xff) >= PV_CALLBACK_VECTOR_MIN;
}

static bool pv_valid_pfn(u64 v)
{
	return v < PVX_MAX_GPA >> XEN_PAGE_SHIFT;
}

static bool pv_valid_port(u64 v)
{
	return v < EVTCHN_2L_NR_CHANNELS;
}

static const struct pv_param_rule pv_params[HVM_NR_PARAMS] = {
	[HVM_PARAM_CALLBACK_IRQ] = { pv_valid_callback, true, true },
	[HVM_PARAM_STORE_PFN] = { pv_valid_pfn, true, false },
	[HVM_PARAM_STORE_EVTCHN] = { pv_valid_port, true, false },
	[HVM_PARAM_CONSOLE_PFN] = { pv_valid_pfn, true, false },
	[HVM_PARAM_CONSOLE_EVTCHN] = { pv_valid_port, true, false },
};

/**
 * pv_get_param() - an HVM param's value.
 * @pv: the VM's Xen side.
 * @index: HVM_PARAM_*, below HVM_NR_PARAMS.
 *
 * Any context (the event code reads HVM_PARAM_CALLBACK_IRQ).
 */
u64 pv_get_param(struct pv_vm *pv, u32 index)
{
	unsigned long flags;
	u64 v;

	spin_lock_irqsave(&pv->param_lock, flags);
	v = pv->params[index];
	spin_unlock_irqrestore(&pv->param_lock, flags);
	return v;
}

static void pv_set_param(struct pv_vm *pv, u32 index, u64 value)
{
	unsigned long flags;

	spin_lock_irqsave(&pv->param_lock, flags);
	pv->params[index] = value;
	spin_unlock_irqrestore(&pv->param_lock, flags);
}

static const struct pv_param_rule *pv_param_rule(u32 index)
{
	if (index >= HVM_NR_PARAMS || !pv_params[index].valid)
		return NULL;
	return &pv_params[index];
}

static long pv_hvm_param(struct pvx_vcpu *vcpu, u64 gva, bool set)
{
	struct pv_vm *pv = &vcpu->vm->pv;
	const struct pv_param_rule *rule;
	struct xen_hvm_param p;
	int r = pv_copy_from_guest(vcpu, &p, gva, sizeof(p));

	if (r)
		return r;
	if (!pv_is_self(pv, p.domid))
		return -XEN_EPERM;
	rule = pv_param_rule(p.index);
	if (!rule || !rule->guest_read)
		return -XEN_EINVAL;
	if (!set) {
		p.value = pv_get_param(pv, p.index);
		return pv_copy_to_guest(vcpu, gva, &p, sizeof(p));
	}
	if (!rule->guest_set)
		return -XEN_EPERM;
	if (!rule->valid(p.value))
		return -XEN_EINVAL;
	pv_set_param(pv, p.index, p.value);
	return 0;
}

/**
 * pv_do_hvm_op() - __HYPERVISOR_hvm_op(op, arg).
 * @vcpu: the vCPU.
 * @args: [0] HVMOP_*, [1] the guest buffer.
 *
 * Return: 0, or -EFAULT, -EPERM, -EINVAL, -ENOSYS.
 */
long pv_do_hvm_op(struct pvx_vcpu *vcpu, const u64 args[5])
{
	switch (args[0]) {
	case HVMOP_set_param:
		return pv_hvm_param(vcpu, args[1], true);
	case HVMOP_get_param:
		return pv_hvm_param(vcpu, args[1], false);
	default:
		return -XEN_ENOSYS;
	}
}

static int pv_param_from_user(void __user *arg, struct pvx_pv_param *p)
{
	if (copy_from_user(p, arg, sizeof(*p)))
		return -EFAULT;
	if (p->flags || !pv_param_rule(p->index))
		return -EINVAL;
	return 0;
}

/**
 * pv_set_param_ioctl() - PVX_PV_SET_PARAM (uapi/linux/pvx.h).
 * @vm: the VM (PV enabled).
 * @arg: the user's struct pvx_pv_param.
 *
 * Return: 0, -EINVAL, -EFAULT.
 */
long pv_set_param_ioctl(struct pvx_vm *vm, void __user *arg)
{
	struct pvx_pv_param p;
	int r = pv_param_from_user(arg, &p);

	if (r)
		return r;
	if (!pv_params[p.index].valid(p.value))
		return -EINVAL;
	pv_set_param(&vm->pv, p.index, p.value);
	return 0;
}

/**
 * pv_get_param_ioctl() - PVX_PV_GET_PARAM (uapi/linux/pvx.h).
 * @vm: the VM (PV enabled).
 * @arg: the user's struct pvx_pv_param; @value is written.
 *
 * Return: 0, -EINVAL, -EFAULT.
 */
long pv_get_param_ioctl(struct pvx_vm *vm, void __user *arg)
{
	struct pvx_pv_param p;
	int r = pv_param_from_user(arg, &p);

	if (r)
		return r;
	p.value = pv_get_param(&vm->pv, p.index);
	return copy_to_user(arg, &p, sizeof(p)) ? -EFAULT : 0;
}
