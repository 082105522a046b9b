// SPDX-License-Identifier: GPL-2.0
/*
 * load_test --cpus N: pvx.ko loads, /dev/pvx appears, and every one of the N
 * online CPUs is in VMX root with CR4.VMXE set (read on the CPU itself), as
 * seen through PVX_GET_CPU_STATE and through debugfs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libpvx.h"
#include "pvxtest.h"
#include "tap.h"

/* Count debugfs "cpus" rows that are online, in VMX root and have CR4.VMXE. */
static int debugfs_cpus_in_root(int *online)
{
	char *text = read_text("/sys/kernel/debug/pvx/cpus");
	char *line, *save = NULL;
	int in_root = 0;

	*online = 0;
	if (!text)
		return -1;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned int cpu;
		int on, root, vmxe;
		unsigned long long pa;

		if (sscanf(line, "%u %d %d %d %llx", &cpu, &on, &root, &vmxe, &pa) != 5)
			continue;
		*online += on;
		in_root += on && root && vmxe && pa;
	}
	free(text);
	return in_root;
}

int main(int argc, char **argv)
{
	int want_cpus = argc == 3 && !strcmp(argv[1], "--cpus") ? atoi(argv[2]) : 0;
	struct pvx_caps caps;
	struct stat sb;
	char why[256], *log, *vmx;
	bool all;
	int fd, kmsg, r, online, n;

	if (want_cpus <= 0) {
		fprintf(stderr, "usage: load_test --cpus N\n");
		return 2;
	}
	tap_plan(10);
	if (pvxtest_module_loaded("pvx"))
		pvxtest_rmmod("pvx");
	kmsg = kmsg_open_end();
	r = pvxtest_insmod(pvxtest_ko_path());
	if (!tap_ok(r == 0, "insmod %s (%s)", pvxtest_ko_path(), strerror(-r)))
		tap_bail("pvx.ko does not load");

	tap_ok(stat(PVX_DEV_PATH, &sb) == 0 && S_ISCHR(sb.st_mode) &&
	       (sb.st_mode & 07777) == 0600, "/dev/pvx is a character device of mode 0600");
	fd = pvx_open_system();
	if (fd < 0)
		tap_bail("cannot open /dev/pvx: %s", strerror(-fd));
	tap_ok(pvx_api_version(fd) == PVX_API_VERSION, "PVX_GET_API_VERSION is %d",
	       PVX_API_VERSION);
	r = pvx_get_caps(fd, &caps);
	tap_ok(!r && (caps.features & PVX_CAP_EPT) && (caps.features & PVX_CAP_VPID) &&
	       (caps.features & PVX_CAP_UNRESTRICTED_GUEST) && caps.vmcs_size &&
	       caps.nr_cpu_ids >= (unsigned int)want_cpus,
	       "PVX_GET_CAPS: EPT, VPID, unrestricted guest, VMCS size %u",
	       caps.vmcs_size);
	close(fd);

	tap_ok(online_cpus() == want_cpus, "%d CPUs online (want %d)",
	       online_cpus(), want_cpus);
	n = pvxtest_check_all_cpus_in_root(&all, why, sizeof(why));
	tap_ok(n == want_cpus && all,
	       "PVX_GET_CPU_STATE: %d CPUs in VMX root with CR4.VMXE %s", n, why);
	r = debugfs_cpus_in_root(&online);
	tap_ok(r == want_cpus && online == want_cpus,
	       "debugfs cpus: %d of %d online CPUs in VMX root", r, online);
	vmx = read_text("/sys/kernel/debug/pvx/vmx");
	tap_ok(vmx && strstr(vmx, "emergency_vmxoff_by\tpvx"),
	       "debugfs vmx: pvx holds the emergency VMXOFF callback");
	tap_ok(vmx && strstr(vmx, "features") && strstr(vmx, " ept"),
	       "debugfs vmx lists the features");
	free(vmx);

	log = kmsg_read_new(kmsg);
	snprintf(why, sizeof(why), "pvx: VMX root on %d CPUs", want_cpus);
	tap_ok(log && strstr(log, why), "dmesg says '%s'", why);
	free(log);
	return tap_finish();
}
