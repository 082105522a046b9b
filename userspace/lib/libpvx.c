// SPDX-License-Identifier: LGPL-2.1
/*
 * libpvx: system-fd calls and capability names.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "libpvx.h"

int pvx_open_system(void)
{
	int fd = open(PVX_DEV_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int pvx_api_version(int sys_fd)
{
	int r = ioctl(sys_fd, PVX_GET_API_VERSION, 0);

	return r < 0 ? -errno : r;
}

int pvx_get_caps(int sys_fd, struct pvx_caps *caps)
{
	memset(caps, 0, sizeof(*caps));
	return ioctl(sys_fd, PVX_GET_CAPS, caps) < 0 ? -errno : 0;
}

int pvx_get_cpu_state(int sys_fd, unsigned int cpu, struct pvx_cpu_state *st)
{
	memset(st, 0, sizeof(*st));
	st->cpu = cpu;
	return ioctl(sys_fd, PVX_GET_CPU_STATE, st) < 0 ? -errno : 0;
}

static const struct {
	uint64_t cap;
	const char *name;
} pvx_cap_names[] = {
	{ PVX_CAP_EPT, "ept" },
	{ PVX_CAP_EPT_2M, "ept_2m" },
	{ PVX_CAP_EPT_1G, "ept_1g" },
	{ PVX_CAP_EPT_AD, "ept_ad" },
	{ PVX_CAP_EPT_EXEC_ONLY, "ept_x_only" },
	{ PVX_CAP_VPID, "vpid" },
	{ PVX_CAP_UNRESTRICTED_GUEST, "unrestricted_guest" },
	{ PVX_CAP_PREEMPTION_TIMER, "preemption_timer" },
	{ PVX_CAP_SHADOW_VMCS, "shadow_vmcs" },
	{ PVX_CAP_PML, "pml" },
	{ PVX_CAP_POSTED_INTR, "posted_intr" },
	{ PVX_CAP_VIRT_INTR_DELIVERY, "virt_intr_delivery" },
	{ PVX_CAP_APIC_REG_VIRT, "apic_reg_virt" },
	{ PVX_CAP_TSC_SCALING, "tsc_scaling" },
	{ PVX_CAP_VMFUNC, "vmfunc" },
	{ PVX_CAP_VIRTUAL_NMIS, "virtual_nmis" },
	{ PVX_CAP_TRUE_CTLS, "true_ctls" },
	{ PVX_CAP_XEN_PV, "xen_pv" },
};

const char *pvx_cap_name(uint64_t cap)
{
	for (size_t i = 0; i < sizeof(pvx_cap_names) / sizeof(pvx_cap_names[0]); i++)
		if (pvx_cap_names[i].cap == cap)
			return pvx_cap_names[i].name;
	return NULL;
}

uint64_t pvx_cap_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(pvx_cap_names) / sizeof(pvx_cap_names[0]); i++)
		if (!strcmp(pvx_cap_names[i].name, name))
			return pvx_cap_names[i].cap;
	return 0;
}

const char *pvx_open_hint(int err)
{
	switch (err) {
	case -ENOENT:
	case -ENODEV:
	case -ENXIO:
		return PVX_DEV_PATH " not found: is pvx.ko loaded? (sudo insmod pvx.ko)";
	case -EACCES:
	case -EPERM:
		return PVX_DEV_PATH " is mode 0600: run as root, or grant access with a udev rule";
	default:
		return "cannot open " PVX_DEV_PATH;
	}
}
