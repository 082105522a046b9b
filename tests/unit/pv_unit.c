// SPDX-License-Identifier: GPL-2.0
/*
 * pv_unit: libpvx's Xen side without pvx.ko: the names of the PV exit and
 * of the shutdown reasons, PVX_PV_ENABLE's default configuration, the
 * capability name, and the run loop handing PVX_EXIT_PV_SHUTDOWN back to
 * its caller (pvxctl turns it into an exit status).
 */
#include <string.h>
#include <linux/pvx_xen.h>

#include "unit.h"

static bool names(void)
{
	static const char *const want[] = { "poweroff", "reboot", "suspend",
					    "crash", "watchdog", "soft_reset" };
	bool ok = true;

	for (uint32_t r = 0; r <= SHUTDOWN_soft_reset; r++)
		EXPECT(pvx_pv_shutdown_name(r) &&
		       !strcmp(pvx_pv_shutdown_name(r), want[r]));
	EXPECT(!pvx_pv_shutdown_name(SHUTDOWN_soft_reset + 1));
	EXPECT(!strcmp(pvx_exit_name(PVX_EXIT_PV_SHUTDOWN), "pv_shutdown"));
	EXPECT(!strcmp(pvx_cap_name(PVX_CAP_XEN_PV), "xen_pv"));
	EXPECT(pvx_cap_by_name("xen_pv") == PVX_CAP_XEN_PV);
	return ok;
}

static bool config_defaults(void)
{
	struct pvx_pv_config c;
	bool ok = true;

	memset(&c, 0x5a, sizeof(c));
	pvx_pv_config_init(&c);
	EXPECT(c.flags == 0 && c.cpuid_base == 0x40000000);
	EXPECT(c.xen_version == 0 && c.max_grant_frames == 0);
	EXPECT(c.console_eventfd == -1 && c.domid == 0 && c.padding == 0);
	for (int i = 0; i < 4; i++)
		EXPECT(c.reserved[i] == 0);
	return ok;
}

static bool shutdown_stops_the_loop(void)
{
	static uint8_t map[8192] __attribute__((aligned(4096)));
	struct pvx_vcpu vcpu = { .fd = -1, .run = (struct pvx_run *)map,
				 .mmap_size = sizeof(map) };
	struct pvx_exit_ops ops = { 0 };
	bool ok = true;

	vcpu.run->exit_reason = PVX_EXIT_PV_SHUTDOWN;
	vcpu.run->pv_shutdown.reason = SHUTDOWN_crash;
	EXPECT(pvx_vcpu_handle_exit(&vcpu, &ops, NULL) == PVX_RUN_STOP);
	EXPECT(vcpu.run->pv_shutdown.reason == SHUTDOWN_crash);
	return ok;
}

static const struct unit_case cases[] = {
	{ "SHUTDOWN_* names, NULL beyond; exit name pv_shutdown; capability xen_pv", names },
	{ "pvx_pv_config_init: base 0x40000000, no eventfd, the rest 0", config_defaults },
	{ "PVX_EXIT_PV_SHUTDOWN ends the run loop with its reason intact", shutdown_stops_the_loop },
};

int main(void)
{
	return UNIT_RUN(cases);
}
