// SPDX-License-Identifier: GPL-2.0
/*
 * reload_test --cycles N: unload and load pvx N times. After every unload
 * /dev/pvx is gone (and the next load's VMXON proves CR4.VMXE was cleared);
 * after every load each CPU is in VMX root with a fresh VMXON. Net page
 * allocations over the N cycles stay below one page per cycle, the least a
 * leaked VMXON region would cost.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libpvx.h"
#include "pvxtest.h"
#include "tap.h"


static bool fresh_vmx_root(void)
{
	struct pvx_cpu_state st;
	char why[256];
	bool all, fresh;
	int fd, n = pvxtest_check_all_cpus_in_root(&all, why, sizeof(why));

	fd = pvx_open_system();
	fresh = fd >= 0 && pvx_get_cpu_state(fd, 0, &st) == 0 &&
		st.vmxon_count == 1;
	if (fd >= 0)
		close(fd);
	return n == online_cpus() && all && fresh;
}

int main(int argc, char **argv)
{
	int cycles = argc == 3 && !strcmp(argv[1], "--cycles") ? atoi(argv[2]) : 20;
	int unloaded = 0, loaded = 0, gone = 0, rooted = 0;
	long long before, after;

	tap_plan(6);
	tap_ok(pvxtest_load_pvx() == 0, "pvx loaded");
	/* One warm-up cycle so that one-time allocations are not counted. */
	pvxtest_rmmod("pvx");
	pvxtest_insmod(pvxtest_ko_path());
	before = settled_net_page_allocs();

	for (int i = 0; i < cycles; i++) {
		unloaded += pvxtest_rmmod("pvx") == 0;
		gone += access(PVX_DEV_PATH, F_OK) != 0 &&
			!pvxtest_module_loaded("pvx");
		loaded += pvxtest_insmod(pvxtest_ko_path()) == 0;
		rooted += fresh_vmx_root();
	}
	after = settled_net_page_allocs();

	tap_ok(unloaded == cycles, "%d/%d unloads succeeded", unloaded, cycles);
	tap_ok(gone == cycles, "%d/%d times /dev/pvx and the module were gone", gone,
	       cycles);
	tap_ok(loaded == cycles, "%d/%d loads succeeded", loaded, cycles);
	tap_ok(rooted == cycles,
	       "%d/%d times every CPU was in VMX root with a fresh VMXON", rooted,
	       cycles);
	tap_diag("net page allocations over %d cycles: %lld", cycles, after - before);
	tap_ok(after - before < cycles,
	       "no page leak: %lld net pages over %d cycles (< 1 per cycle)",
	       after - before, cycles);
	return tap_finish();
}
