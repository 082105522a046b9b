// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_test: pvx and Debian's kvm_intel share VMX without harm.
 *
 * One hypervisor at a time owns VMX on a CPU. While pvx holds it, KVM fails
 * to create a VM (-EBUSY) and pvx stays in VMX root; while a KVM VM exists,
 * insmod pvx fails with -EBUSY and one line naming the cause. The kernel's
 * single emergency-VMXOFF callback moves between the two as kvm_intel comes
 * and goes. The box runner fails the run on any kernel warning.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "libpvx.h"
#include "pvxtest.h"
#include "tap.h"

static const char *const vmx_debugfs = "/sys/kernel/debug/pvx/vmx";

/* KVM_CREATE_VM: the VM fd, or -errno. */
static int kvm_create_vm(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int vm;

	if (kvm < 0)
		return -errno;
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	vm = vm < 0 ? -errno : vm;
	close(kvm);
	return vm;
}

static bool emergency_owner_is(const char *owner)
{
	char want[64], *text = read_text(vmx_debugfs);
	bool r;

	snprintf(want, sizeof(want), "emergency_vmxoff_by\t%s\n", owner);
	r = text && strstr(text, want);
	free(text);
	return r;
}

static bool all_in_root(void)
{
	char why[256];
	bool all;
	int n = pvxtest_check_all_cpus_in_root(&all, why, sizeof(why));

	if (n <= 0 || !all)
		tap_diag("not all CPUs in VMX root: %d %s", n, why);
	return n == online_cpus() && all;
}

int main(void)
{
	int r, vm, kmsg;
	char *log;

	tap_plan(15);
	tap_ok(pvxtest_load_pvx() == 0, "pvx loaded");
	r = pvxtest_load_kvm();
	if (!tap_ok(r == 0, "kvm and kvm_intel load while pvx holds VMX (%s)",
		    strerror(-r)))
		tap_bail("KVM modules do not load");
	tap_ok(emergency_owner_is("kvm_intel"),
	       "pvx handed the emergency VMXOFF callback to kvm_intel");

	vm = kvm_create_vm();
	tap_ok(vm == -EBUSY, "KVM_CREATE_VM fails with EBUSY while pvx holds VMX (%s)",
	       vm < 0 ? strerror(-vm) : "created");
	if (vm >= 0)
		close(vm);
	tap_ok(all_in_root(), "every CPU still in pvx's VMX root after KVM tried");

	tap_ok(pvxtest_rmmod("pvx") == 0, "pvx unloads");
	vm = kvm_create_vm();
	tap_ok(vm >= 0, "KVM_CREATE_VM succeeds once pvx left VMX on every CPU (%s)",
	       vm < 0 ? strerror(-vm) : "ok");

	kmsg = kmsg_open_end();
	r = pvxtest_insmod(pvxtest_ko_path());
	tap_ok(r == -EBUSY, "insmod pvx fails with EBUSY while a KVM VM exists (%s)",
	       strerror(-r));
	log = kmsg_read_new(kmsg);
	tap_ok(log && strstr(log, "pvx: CPU") &&
	       strstr(log, "VMX is already in use by another hypervisor"),
	       "dmesg names the cause");
	free(log);
	tap_ok(access(PVX_DEV_PATH, F_OK) != 0 && !pvxtest_module_loaded("pvx"),
	       "the refused load left no /dev/pvx and no module");

	if (vm >= 0)
		close(vm);
	r = pvxtest_insmod(pvxtest_ko_path());
	tap_ok(r == 0, "pvx loads once the KVM VM is gone (%s)", strerror(-r));
	tap_ok(all_in_root(), "every CPU in VMX root");
	tap_ok(emergency_owner_is("kvm_intel"),
	       "loaded beside kvm_intel, pvx leaves it the emergency callback");

	r = pvxtest_unload_kvm();
	tap_ok(r == 0, "kvm_intel and kvm unload while pvx holds VMX (%s)",
	       strerror(-r));
	tap_ok(emergency_owner_is("pvx"),
	       "pvx took the emergency VMXOFF callback back");
	return tap_finish();
}
