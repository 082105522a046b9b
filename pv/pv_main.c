// SPDX-License-Identifier: GPL-2.0
/*
 * Xen's guest ABI on a VM: PVX_PV_ENABLE, the domain id, the per-VM and
 * per-vCPU set-up and teardown, and the table of PV ioctls on the VM fd
 * (uapi/linux/pvx.h, "Xen paravirtualization").
 *
 * The rules: PV is off until PVX_PV_ENABLE, which a VM takes once and
 * before its first vCPU (so a vCPU never sees it change); every other PV
 * ioctl on a VM without it fails with -ENODEV. The host is Xen's domain 0
 * and each PV VM gets a domain id of its own, 1 .. DOMID_FIRST_RESERVED - 1
 * (Xen's xen.h: ids from 0x7ff0 up are reserved names such as DOMID_SELF),
 * unique on the host while the VM lives. Everything allocated here is
 * freed with the VM (pv_vm_destroy(), after its vCPUs and its EPT).
 */
#include <linux/eventfd.h>
#include <linux/gfp.h>
#include <linux/idr.h>
#include <linux/mm.h>
#include <linux/uaccess.h>

#include "pv.h"
#include "../core/pvx.h"

/* Domain ids of the PV VMs alive. */
static DEFINE_IDA(pv_domids);

#define PV_DOMID_MAX	(DOMID_FIRST_RESERVED - 1)

/**
 * pv_vm_init() - a new VM's Xen side, off.
 * @vm: the VM being created.
 */
void pv_vm_init(struct pvx_vm *vm)
{
	struct pv_vm *pv = &vm->pv;

	spin_lock_init(&pv->param_lock);
	spin_lock_init(&pv->console_lock);
	spin_lock_init(&pv->evtchn.lock);
	pv_grant_vm_init(vm);
	pv->shared_info_gfn = ~0ULL;
}

/**
 * pv_vm_destroy() - free a VM's Xen side.
 * @vm: the VM; its vCPUs are gone and its EPT no longer maps pvx's pages.
 */
void pv_vm_destroy(struct pvx_vm *vm)
{
	struct pv_vm *pv = &vm->pv;

	if (!pv->enabled)
		return;
	pv_evtchn_vm_destroy(vm);
	pv_memory_destroy(vm);
	pv_grant_vm_destroy(vm);
	pv_console_destroy(pv);
	ida_free(&pv_domids, pv->domid);
}

/* The values PVX_PV_ENABLE takes (uapi/linux/pvx.h struct pvx_pv_config). */
static int pv_check_config(struct pvx_pv_config *c)
{
	if (c->flags || c->padding ||
	    memchr_inv(c->reserved, 0, sizeof(c->reserved)))
		return -EINVAL;
	if (c->cpuid_base != 0x40000000 && c->cpuid_base != 0x40000100)
		return -EINVAL;
	if (!c->xen_version)
		c->xen_version = PVX_PV_XEN_VERSION;
	if (!c->max_grant_frames)
		c->max_grant_frames = PVX_PV_GRANT_FRAMES;
	if (c->max_grant_frames > PVX_PV_MAX_GRANT_FRAMES)
		return -EINVAL;
	return 0;
}

static bool pv_vm_has_vcpu(struct pvx_vm *vm)
{
	int i;

	for (i = 0; i < PVX_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			return true;
	return false;
}

/* Allocate what a PV VM needs; on failure pv_vm_destroy() frees nothing. */
static int pv_vm_setup(struct pvx_vm *vm, const struct pvx_pv_config *c)
{
	struct pv_vm *pv = &vm->pv;
	int r, domid;

	pv->shared_info = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!pv->shared_info)
		return -ENOMEM;
	r = pv_console_init(pv, c->console_eventfd);
	if (r)
		goto free_page;
	domid = ida_alloc_range(&pv_domids, 1, PV_DOMID_MAX, GFP_KERNEL);
	if (domid < 0) {
		r = domid;
		goto free_console;
	}
	pv->domid = domid;
	pv->cpuid_base = c->cpuid_base;
	pv->xen_version = c->xen_version;
	pv->max_grant_frames = c->max_grant_frames;
	pv->boot_ns = ktime_get_ns();
	r = pv_evtchn_vm_init(vm);
	if (r)
		goto free_domid;
	return 0;

free_domid:
	ida_free(&pv_domids, pv->domid);
free_console:
	pv_console_destroy(pv);
free_page:
	__free_page(pv->shared_info);
	pv->shared_info = NULL;
	return r;
}

/**
 * pv_enable_ioctl() - PVX_PV_ENABLE (uapi/linux/pvx.h).
 * @vm: the VM.
 * @arg: the user's struct pvx_pv_config; @domid is written back.
 *
 * Return: 0, or -EINVAL, -EEXIST, -EBUSY, -EBADF, -ENOSPC, -ENOMEM, -EFAULT.
 */
static long pv_enable_ioctl(struct pvx_vm *vm, void __user *arg)
{
	struct pvx_pv_config c;
	int r;

	if (copy_from_user(&c, arg, sizeof(c)))
		return -EFAULT;
	r = pv_check_config(&c);
	if (r)
		return r;
	mutex_lock(&vm->lock);
	if (vm->pv.enabled)
		r = -EEXIST;
	else if (pv_vm_has_vcpu(vm))
		r = -EBUSY;
	else
		r = pv_vm_setup(vm, &c);
	if (!r) {
		c.domid = vm->pv.domid;
		WRITE_ONCE(vm->pv.enabled, true);
	}
	mutex_unlock(&vm->lock);
	if (!r && copy_to_user(arg, &c, sizeof(c)))
		return -EFAULT;	/* enabled all the same, as the doc says */
	return r;
}

/**
 * pv_vcpu_init() - a new vCPU's Xen side.
 * @vcpu: the vCPU being created (its VM's PV state is final).
 *
 * Its vcpu_info starts in shared_info (Xen's xen.h: the legacy array has
 * XEN_LEGACY_MAX_VCPUS slots; later vCPUs have none until
 * VCPUOP_register_vcpu_info).
 *
 * Return: 0, or -errno; pv_vcpu_destroy() is safe after either.
 */
int pv_vcpu_init(struct pvx_vcpu *vcpu)
{
	struct pv_vm *pv = &vcpu->vm->pv;
	struct shared_info *si;

	if (!pv_enabled(pv))
		return 0;
	si = page_address(pv->shared_info);
	if (vcpu->id < XEN_LEGACY_MAX_VCPUS)
		vcpu->pv.vcpu_info = &si->vcpu_info[vcpu->id];
	pv_evtchn_vcpu_init(vcpu);
	return 0;
}

/**
 * pv_vcpu_destroy() - free a vCPU's Xen side.
 * @vcpu: the vCPU, no longer run; also one whose pv_vcpu_init() never ran
 *	(zeroed) or failed.
 */
void pv_vcpu_destroy(struct pvx_vcpu *vcpu)
{
	pv_evtchn_vcpu_destroy(vcpu);
	if (vcpu->pv.vcpu_info_page) {
		pv_guest_page_put(vcpu->pv.vcpu_info_page, true);
		vcpu->pv.vcpu_info_page = NULL;
	}
	vcpu->pv.vcpu_info = NULL;
}

struct pv_ioctl {
	unsigned int cmd;
	pv_ioctl_fn fn;
};

/* The PV ioctls of a VM with PV enabled (PVX_PV_ENABLE is apart). */
static const struct pv_ioctl pv_ioctls[] = {
	{ PVX_PV_SET_PARAM, pv_set_param_ioctl },
	{ PVX_PV_GET_PARAM, pv_get_param_ioctl },
	{ PVX_PV_CONSOLE_READ, pv_console_read_ioctl },
	{ PVX_EVTCHN_BIND_HOST, pv_evtchn_bind_host_ioctl },
	{ PVX_EVTCHN_NOTIFY, pv_evtchn_notify_ioctl },
	{ PVX_EVTCHN_IRQFD, pv_evtchn_irqfd_ioctl },
	{ PVX_EVTCHN_UNBIND, pv_evtchn_unbind_ioctl },
	{ PVX_EVTCHN_CONNECT, pv_evtchn_connect_ioctl },
	{ PVX_GNT_COPY, pv_gnt_copy_ioctl },
	{ PVX_GNT_MAP, pv_gnt_map_ioctl },
};

/**
 * pv_vm_ioctl() - the VM fd's PV ioctls (uapi/linux/pvx.h).
 * @vm: the VM, called from its process.
 * @cmd: PVX_PV_ENABLE or an ioctl of pv_ioctls[].
 * @arg: its argument (a user pointer).
 *
 * Return: the ioctl's result; -ENODEV for a PV ioctl before PVX_PV_ENABLE;
 * -ENOTTY for a command that is not a VM ioctl at all.
 */
long pv_vm_ioctl(struct pvx_vm *vm, unsigned int cmd, unsigned long arg)
{
	void __user *argp = (void __user *)arg;
	size_t i;

	if (cmd == PVX_PV_ENABLE)
		return pv_enable_ioctl(vm, argp);
	for (i = 0; i < ARRAY_SIZE(pv_ioctls); i++) {
		if (pv_ioctls[i].cmd != cmd)
			continue;
		if (!pv_enabled(&vm->pv))
			return -ENODEV;
		return pv_ioctls[i].fn(vm, argp);
	}
	return -ENOTTY;
}
