// SPDX-License-Identifier: GPL-2.0
/*
 * hotplug_test --cpu C --cycles N: with pvx loaded, CPU C goes offline and
 * online N times; it leaves VMX root when it goes and enters it again, with
 * a new VMXON, when it comes back. The other CPUs stay in VMX root.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libpvx.h"
#include "pvxtest.h"
#include "tap.h"

static const unsigned int in_root = PVX_CPU_ONLINE | PVX_CPU_VMX_ROOT |
				    PVX_CPU_CR4_VMXE;

int main(int argc, char **argv)
{
	unsigned int cpu = 1, cycles = 5, offline_ok = 0, online_ok = 0;
	struct pvx_cpu_state st;
	unsigned long long count;
	char why[256];
	bool all;
	int fd, n;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--cpu"))
			cpu = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--cycles"))
			cycles = atoi(argv[i + 1]);
	}
	tap_plan(7);
	tap_ok(pvxtest_load_pvx() == 0, "pvx loaded");
	fd = pvx_open_system();
	if (!tap_ok(fd >= 0 && online_cpus() > (int)cpu &&
		    pvx_get_cpu_state(fd, cpu, &st) == 0 &&
		    (st.state & in_root) == in_root,
		    "CPU %u online and in VMX root", cpu))
		tap_bail("nothing to hotplug");
	count = st.vmxon_count;

	for (unsigned int i = 0; i < cycles; i++) {
		if (set_cpu_online(cpu, false)) {
			tap_diag("cycle %u: offline failed: %s", i, strerror(errno));
			continue;
		}
		pvx_get_cpu_state(fd, cpu, &st);
		offline_ok += !(st.state & (PVX_CPU_ONLINE | PVX_CPU_VMX_ROOT)) &&
			      st.vmxon_pa == 0;
		if (set_cpu_online(cpu, true)) {
			tap_diag("cycle %u: online failed: %s", i, strerror(errno));
			continue;
		}
		pvx_get_cpu_state(fd, cpu, &st);
		online_ok += (st.state & in_root) == in_root &&
			     st.vmxon_count == ++count;
		if ((st.state & in_root) != in_root)
			tap_diag("cycle %u: state %#x count %llu", i, st.state,
				 (unsigned long long)st.vmxon_count);
	}
	tap_ok(offline_ok == cycles, "%u/%u times offline, CPU %u was out of VMX root",
	       offline_ok, cycles, cpu);
	tap_ok(online_ok == cycles,
	       "%u/%u times online, CPU %u re-entered VMX root with a new VMXON",
	       online_ok, cycles, cpu);
	n = pvxtest_check_all_cpus_in_root(&all, why, sizeof(why));
	tap_ok(n == online_cpus() && all, "all %d CPUs in VMX root at the end %s", n, why);
	tap_ok(pvx_get_cpu_state(fd, 0, &st) == 0 && st.vmxon_count == 1,
	       "CPU 0 kept its one VMXON through it all");
	close(fd);
	tap_ok(pvxtest_rmmod("pvx") == 0 && pvxtest_insmod(pvxtest_ko_path()) == 0,
	       "pvx unloads and loads again after the hotplug cycles");
	return tap_finish();
}
