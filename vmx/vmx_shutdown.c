// SPDX-License-Identifier: GPL-2.0
/*
 * Leaving VMX root when the host reboots, crashes or sleeps.
 *
 * A CPU in VMX root blocks INIT (SDM 23.8), so every path on which the
 * kernel restarts CPUs must find them out of VMX:
 *  - reboot, halt, power-off and kexec: the reboot notifier VMXOFFs every CPU;
 *  - crash (kdump) and emergency restart: the kernel calls the registered
 *    emergency "virt" callback on every CPU, in NMI context;
 *  - suspend: syscore_suspend runs on the last online CPU (cpuhp teardown
 *    already took the others out), and syscore_resume re-enters VMX root.
 *
 * The kernel keeps one emergency callback, and warns when a second one is
 * registered. Debian's kvm_intel registers its own when it loads, whether or
 * not it runs a VM; its callback VMXOFFs any CPU with CR4.VMXE set, pvx's
 * included. So pvx holds the slot only while kvm_intel is not loaded: a
 * module notifier hands the slot over before kvm_intel's init runs
 * (MODULE_STATE_COMING) and takes it back after its exit (MODULE_STATE_GOING).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/reboot.h>
#include <linux/syscore_ops.h>
#include <asm/reboot.h>

#include "vmx.h"

#define VMX_OTHER_OWNER "kvm_intel"

static DEFINE_MUTEX(vmx_emergency_lock);
static bool vmx_other_loaded;		/* kvm_intel is loaded */
static bool vmx_emergency_registered;	/* pvx holds the callback slot */

/* Take or release the emergency callback slot. */
static void vmx_emergency_hold(bool hold)
{
	lockdep_assert_held(&vmx_emergency_lock);
	if (hold == vmx_emergency_registered)
		return;
	if (hold)
		cpu_emergency_register_virt_callback(vmx_emergency_disable_this_cpu);
	else
		cpu_emergency_unregister_virt_callback(vmx_emergency_disable_this_cpu);
	WRITE_ONCE(vmx_emergency_registered, hold);
}

static int vmx_module_notify(struct notifier_block *nb, unsigned long action,
			     void *data)
{
	struct module *mod = data;

	if (strcmp(mod->name, VMX_OTHER_OWNER))
		return NOTIFY_DONE;
	if (action != MODULE_STATE_COMING && action != MODULE_STATE_GOING)
		return NOTIFY_DONE;
	mutex_lock(&vmx_emergency_lock);
	vmx_other_loaded = action == MODULE_STATE_COMING;
	vmx_emergency_hold(!vmx_other_loaded);
	mutex_unlock(&vmx_emergency_lock);
	return NOTIFY_OK;
}

static struct notifier_block vmx_module_nb = {
	.notifier_call = vmx_module_notify,
};

/* Is kvm_intel loaded now? Our own kobject's kset is the set of modules. */
static bool vmx_other_present(void)
{
	struct kobject *kobj;

	kobj = kset_find_obj(THIS_MODULE->mkobj.kobj.kset, VMX_OTHER_OWNER);
	if (!kobj)
		return false;
	kobject_put(kobj);
	return true;
}

static int vmx_reboot_notify(struct notifier_block *nb, unsigned long code,
			     void *unused)
{
	pr_info("leaving VMX root on every CPU for reboot\n");
	vmx_cpus_shutdown();
	return NOTIFY_OK;
}

static struct notifier_block vmx_reboot_nb = {
	.notifier_call = vmx_reboot_notify,
};

/* syscore callbacks run on the one remaining CPU with interrupts off. */
static int vmx_syscore_suspend(void)
{
	vmx_disable_this_cpu();
	return 0;
}

static void vmx_syscore_resume(void)
{
	if (vmx_enable_this_cpu())
		pr_err("CPU%d: could not re-enter VMX root after resume\n",
		       smp_processor_id());
}

static struct syscore_ops vmx_syscore_ops = {
	.suspend = vmx_syscore_suspend,
	.resume = vmx_syscore_resume,
};

/**
 * vmx_shutdown_hooks_init() - hook reboot, crash and suspend.
 *
 * Return: 0 or a negative errno, with nothing left registered.
 */
int vmx_shutdown_hooks_init(void)
{
	int r;

	r = register_module_notifier(&vmx_module_nb);
	if (r)
		return r;
	r = register_reboot_notifier(&vmx_reboot_nb);
	if (r) {
		unregister_module_notifier(&vmx_module_nb);
		return r;
	}
	register_syscore_ops(&vmx_syscore_ops);

	mutex_lock(&vmx_emergency_lock);
	vmx_other_loaded = vmx_other_present();
	vmx_emergency_hold(!vmx_other_loaded);
	mutex_unlock(&vmx_emergency_lock);
	return 0;
}

/**
 * vmx_shutdown_hooks_exit() - undo vmx_shutdown_hooks_init().
 */
void vmx_shutdown_hooks_exit(void)
{
	unregister_syscore_ops(&vmx_syscore_ops);
	unregister_reboot_notifier(&vmx_reboot_nb);
	unregister_module_notifier(&vmx_module_nb);

	mutex_lock(&vmx_emergency_lock);
	vmx_emergency_hold(false);
	mutex_unlock(&vmx_emergency_lock);
}

/**
 * vmx_emergency_owner() - who VMXOFFs pvx's CPUs on a crash, for debugfs.
 */
const char *vmx_emergency_owner(void)
{
	return READ_ONCE(vmx_emergency_registered) ? "pvx" : VMX_OTHER_OWNER;
}
