// SPDX-License-Identifier: LGPL-2.1
/*
 * libpvx: Xen paravirtualization from the host's side: PVX_PV_ENABLE, the
 * HVM params dom0's toolstack sets, the guest's hypervisor console
 * (uapi/linux/pvx.h "Xen paravirtualization"; the guest ABI is
 * uapi/linux/pvx_xen.h).
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/pvx_xen.h>

#include "libpvx.h"

void pvx_pv_config_init(struct pvx_pv_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->cpuid_base = 0x40000000;
	cfg->console_eventfd = -1;
}

static int vm_ioctl(struct pvx_vm *vm, unsigned long cmd, void *arg)
{
	int r = ioctl(vm->fd, cmd, arg);

	return r < 0 ? -errno : r;
}

int pvx_pv_enable(struct pvx_vm *vm, struct pvx_pv_config *cfg)
{
	return vm_ioctl(vm, PVX_PV_ENABLE, cfg);
}

int pvx_pv_set_param(struct pvx_vm *vm, uint32_t index, uint64_t value)
{
	struct pvx_pv_param p = { .index = index, .value = value };

	return vm_ioctl(vm, PVX_PV_SET_PARAM, &p);
}

int pvx_pv_get_param(struct pvx_vm *vm, uint32_t index, uint64_t *value)
{
	struct pvx_pv_param p = { .index = index };
	int r = vm_ioctl(vm, PVX_PV_GET_PARAM, &p);

	if (!r)
		*value = p.value;
	return r;
}

int pvx_pv_console_read(struct pvx_vm *vm, void *buf, size_t len,
			uint64_t *dropped)
{
	struct pvx_pv_console c = {
		.buf = (uintptr_t)buf,
		.len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len,
	};
	int r = vm_ioctl(vm, PVX_PV_CONSOLE_READ, &c);

	if (r >= 0 && dropped)
		*dropped = c.dropped;
	return r;
}

static const char *const shutdown_names[] = {
	[SHUTDOWN_poweroff] = "poweroff",
	[SHUTDOWN_reboot] = "reboot",
	[SHUTDOWN_suspend] = "suspend",
	[SHUTDOWN_crash] = "crash",
	[SHUTDOWN_watchdog] = "watchdog",
	[SHUTDOWN_soft_reset] = "soft_reset",
};

const char *pvx_pv_shutdown_name(uint32_t reason)
{
	return reason < sizeof(shutdown_names) / sizeof(shutdown_names[0]) ?
	       shutdown_names[reason] : NULL;
}
