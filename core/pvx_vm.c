// SPDX-License-Identifier: GPL-2.0
/*
 * The VM object and its fd.
 *
 * A VM lives as long as its fd or any of its vCPU fds: each holds a
 * reference, and the last one frees every vCPU (VMCS, VPID, FPU state),
 * the EPT tables and the pinned guest pages. A process that dies at any
 * instant closes its fds, so nothing outlives it.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/msr.h>

#include "pvx.h"
#include "../platform/platform.h"

static atomic_t pvx_vm_ids = ATOMIC_INIT(0);

static void pvx_vm_free(struct kref *kref)
{
	struct pvx_vm *vm = container_of(kref, struct pvx_vm, kref);
	int i;

	pvx_debugfs_vm_remove(vm);
	/* Nothing may raise an event channel once the vCPUs start to go. */
	pv_evtchn_vm_release(vm);
	for (i = 0; i < PVX_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			pvx_vcpu_free(vm->vcpus[i]);
	ept_destroy(&vm->mem);
	pv_vm_destroy(vm);
	mmdrop(vm->mm);
	kfree(vm);
	atomic_dec(&pvx_live.vms);
}

void pvx_vm_put(struct pvx_vm *vm)
{
	kref_put(&vm->kref, pvx_vm_free);
}

static long pvx_vm_set_memory_region(struct pvx_vm *vm, void __user *argp)
{
	struct pvx_memory_region region;
	int r;

	if (copy_from_user(&region, argp, sizeof(region)))
		return -EFAULT;
	mutex_lock(&vm->lock);
	r = ept_set_region(&vm->mem, &region);
	mutex_unlock(&vm->lock);
	return r;
}

/* Each vCPU takes the new policy before its next entry (vmx_run.c). */
static long pvx_vm_set_exit_policy(struct pvx_vm *vm, void __user *argp)
{
	struct pvx_exit_policy policy;
	int r;

	if (copy_from_user(&policy, argp, sizeof(policy)))
		return -EFAULT;
	r = vmx_policy_check(&policy);
	if (r)
		return r;
	mutex_lock(&vm->lock);
	vm->policy = policy;
	WRITE_ONCE(vm->policy_gen, vm->policy_gen + 1);
	mutex_unlock(&vm->lock);
	return 0;
}

/**
 * pvx_vm_ioctl() - the VM fd's ioctls (uapi/linux/pvx.h).
 * @file: the VM fd.
 * @cmd: PVX_SET_MEMORY_REGION, PVX_CREATE_VCPU, PVX_SET_EXIT_POLICY,
 *	PVX_SET_PLATFORM (platform/), PVX_GET_STATS, or one of Xen's (PVX_PV_*, pv_vm_ioctl()).
 * @arg: its argument.
 *
 * Only the process that created the VM may drive it (its memory is that
 * process's): others get -EIO.
 */
static long pvx_vm_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct pvx_vm *vm = file->private_data;

	if (vm->mm != current->mm)
		return -EIO;
	switch (cmd) {
	case PVX_SET_MEMORY_REGION:
		return pvx_vm_set_memory_region(vm, (void __user *)arg);
	case PVX_CREATE_VCPU:
		return pvx_vcpu_create(vm, arg);
	case PVX_SET_EXIT_POLICY:
		return pvx_vm_set_exit_policy(vm, (void __user *)arg);
	case PVX_SET_PLATFORM:
		return platform_set_ioctl(vm, (void __user *)arg);
	case PVX_GET_STATS:
		return pvx_stats_vm_ioctl(vm, (void __user *)arg);
	default:
		return pv_vm_ioctl(vm, cmd, arg);
	}
}

static int pvx_vm_release(struct inode *inode, struct file *file)
{
	pvx_vm_put(file->private_data);
	return 0;
}

static const struct file_operations pvx_vm_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = pvx_vm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.release = pvx_vm_release,
	.llseek = noop_llseek,
};

/**
 * pvx_vm_from_file() - the VM of a VM fd's file.
 * @file: any file.
 *
 * Return: the VM, or NULL if @file is not a pvx VM fd.
 */
struct pvx_vm *pvx_vm_from_file(struct file *file)
{
	return file->f_op == &pvx_vm_fops ? file->private_data : NULL;
}

/**
 * pvx_vm_create() - PVX_CREATE_VM: a VM with no memory and no vCPU.
 * @flags: must be 0.
 *
 * Return: the VM fd, or -EINVAL, -ENOMEM, -EMFILE.
 */
int pvx_vm_create(unsigned long flags)
{
	struct pvx_vm *vm;
	int fd;

	if (flags)
		return -EINVAL;
	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return -ENOMEM;
	atomic_inc(&pvx_live.vms);
	kref_init(&vm->kref);
	mutex_init(&vm->lock);
	vm->mm = current->mm;
	mmgrab(vm->mm);
	vm->id = atomic_inc_return(&pvx_vm_ids);
	/* The guest's TSC starts near 0 (SDM 25.3, TSC offsetting). */
	vm->tsc_offset = -rdtsc();
	vmx_policy_default(&vm->policy);
	pv_vm_init(vm);
	if (ept_init(&vm->mem)) {
		pvx_vm_put(vm);
		return -ENOMEM;
	}
	pvx_debugfs_vm_add(vm);
	fd = anon_inode_getfd("pvx-vm", &pvx_vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		pvx_vm_put(vm);
	return fd;
}
