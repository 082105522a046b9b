// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/pvx: the system fd and its ioctls (uapi/linux/pvx.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <asm/tsc.h>
#include <asm/vmx.h>
#include <linux/pvx.h>

#include "pvx.h"
#include "../vmx/vmx.h"

/* Input rule of the ABI: no unknown flag, no non-zero padding. */
static bool pvx_zeroed(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
}

static long pvx_ioctl_get_caps(struct pvx_caps __user *argp)
{
	struct pvx_caps caps;

	if (copy_from_user(&caps, argp, sizeof(caps)))
		return -EFAULT;
	if (caps.flags || !pvx_zeroed(caps.reserved, sizeof(caps.reserved)))
		return -EINVAL;

	caps.nr_cpu_ids = nr_cpu_ids;
	caps.features = vmx_caps_features() | PVX_CAP_XEN_PV;
	caps.vmcs_revision = vmx_caps.revision_id;
	caps.vmcs_size = vmx_caps.vmcs_size;
	caps.preemption_timer_shift = vmx_caps.misc &
				      VMX_MISC_PREEMPTION_TIMER_RATE_MASK;
	caps.tsc_khz = tsc_khz;
	caps.vmx_basic = vmx_caps.basic;
	caps.vmx_misc = vmx_caps.misc;
	caps.ept_vpid_cap = vmx_caps.ept_vpid;
	caps.procbased2 = vmx_caps.procbased2;

	return copy_to_user(argp, &caps, sizeof(caps)) ? -EFAULT : 0;
}

static long pvx_ioctl_get_cpu_state(struct pvx_cpu_state __user *argp)
{
	struct pvx_cpu_state st;
	struct vmx_cpu_report r;

	if (copy_from_user(&st, argp, sizeof(st)))
		return -EFAULT;
	if (st.flags || st.pad || st.state || st.vmxon_pa || st.vmxon_count)
		return -EINVAL;
	if (st.cpu >= nr_cpu_ids || !cpu_possible(st.cpu))
		return -EINVAL;

	vmx_cpu_report(st.cpu, &r);
	st.state = (r.online ? PVX_CPU_ONLINE : 0) |
		   (r.in_root ? PVX_CPU_VMX_ROOT : 0) |
		   (r.cr4_vmxe ? PVX_CPU_CR4_VMXE : 0);
	/* A physical address is for the administrator's eyes only. */
	st.vmxon_pa = capable(CAP_SYS_ADMIN) ? r.vmxon_pa : 0;
	st.vmxon_count = r.vmxon_count;

	return copy_to_user(argp, &st, sizeof(st)) ? -EFAULT : 0;
}

/**
 * pvx_dev_ioctl() - the system ioctls of /dev/pvx.
 * @file: the open /dev/pvx.
 * @cmd: a PVX_* system ioctl number.
 * @arg: its argument.
 *
 * Return: the ioctl's result, or -ENOTTY for a number pvx does not know.
 */
static long pvx_dev_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case PVX_GET_API_VERSION:
		return arg ? -EINVAL : PVX_API_VERSION;
	case PVX_GET_CAPS:
		return pvx_ioctl_get_caps(argp);
	case PVX_GET_CPU_STATE:
		return pvx_ioctl_get_cpu_state(argp);
	case PVX_CREATE_VM:
		return pvx_vm_create(arg);
	case PVX_GET_VCPU_MMAP_SIZE:
		return arg ? -EINVAL : PVX_VCPU_MMAP_PAGES * PAGE_SIZE;
	default:
		return -ENOTTY;
	}
}

static const struct file_operations pvx_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = pvx_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice pvx_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "pvx",
	.fops = &pvx_dev_fops,
	.mode = 0600,
};

int pvx_dev_register(void)
{
	return misc_register(&pvx_miscdev);
}

void pvx_dev_unregister(void)
{
	misc_deregister(&pvx_miscdev);
}
