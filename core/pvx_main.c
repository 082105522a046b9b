// SPDX-License-Identifier: GPL-2.0
/*
 * pvx: a VT-x hypervisor as a loadable module.
 *
 * Load order: check what the CPU offers, hook the host's reboot, crash and
 * suspend paths, put every CPU in VMX root, then publish debugfs and
 * /dev/pvx. Unload undoes it in reverse; a failure at any step undoes the
 * steps before it, so a failed insmod leaves the host as it found it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/pvx.h>

#include "pvx.h"
#include "../vmx/vmx.h"

static int __init pvx_init(void)
{
	int r;

	r = vmx_caps_probe() ?: vmx_controls_setup();
	if (r)
		return r;
	vmx_register_ops();
	r = vmx_vmcs_global_init();
	if (r)
		return r;
	vmx_run_setup();
	r = vmx_shutdown_hooks_init();
	if (r)
		goto err_vmcs;
	r = vmx_cpus_enable();
	if (r)
		goto err_hooks;
	pvx_debugfs_init();
	r = pvx_dev_register();
	if (r)
		goto err_cpus;
	/* vCPU threads carry the VMCS across CPUs with preempt notifiers. */
	preempt_notifier_inc();
	pr_info("VMX root on %u CPUs, /dev/pvx ready (API %d)\n",
		num_online_cpus(), PVX_API_VERSION);
	return 0;

err_cpus:
	pvx_debugfs_exit();
	vmx_cpus_disable();
err_hooks:
	vmx_shutdown_hooks_exit();
err_vmcs:
	vmx_vmcs_global_exit();
	return r;
}

static void __exit pvx_exit(void)
{
	pvx_dev_unregister();
	preempt_notifier_dec();
	pvx_debugfs_exit();
	vmx_cpus_disable();
	vmx_shutdown_hooks_exit();
	vmx_vmcs_global_exit();
	pr_info("unloaded, VMX off on every CPU\n");
}

module_init(pvx_init);
module_exit(pvx_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pvx: VT-x hypervisor with Xen-style paravirtual I/O");
MODULE_AUTHOR("The pvx developers");
