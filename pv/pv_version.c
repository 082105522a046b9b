// SPDX-License-Identifier: GPL-2.0
/*
 * __HYPERVISOR_xen_version(cmd, arg): who the hypervisor is and what it
 * offers (Xen's xen/include/public/version.h and features.h).
 *
 * The rules: XENVER_version returns major << 16 | minor (the VM's
 * configured version) and XENVER_pagesize the page size, both in RAX with
 * no buffer; every other command writes its fixed-size answer to the
 * guest buffer @arg, strings NUL-padded to the whole size so that no byte
 * of host memory reaches the guest. XENVER_get_features reads the
 * submap index from the buffer and answers submap 0 with the bits an
 * HVM/PVH guest gets from Xen (writable_page_tables, auto_translated_physmap,
 * hvm_callback_vector, hvm_safe_pvclock), -EINVAL for any other submap.
 * An unknown command is -ENOSYS.
 */
#include "pv.h"
#include "../core/pvx.h"

/* What pvx says where Xen names its build; constant, nothing of the host's. */
static const xen_extraversion_t pv_extraversion = ".0-pvx";
static const xen_capabilities_info_t pv_capabilities =
	"hvm-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p";
static const xen_changeset_info_t pv_changeset = "pvx";
static const xen_commandline_t pv_commandline = "";
static const struct xen_compile_info pv_compile_info = {
	.compiler = "pvx", .compile_by = "pvx", .compile_domain = "pvx",
	.compile_date = "",
};
/* XENVER_guest_handle: the domain's handle (a UUID a toolstack sets): none. */
static const u8 pv_guest_handle[16];

/* XENVER_get_features, submap 0 (features.h; Xen's kernel.c for HVM). */
#define PV_FEATURES_0	(BIT(XENFEAT_writable_page_tables) | \
			 BIT(XENFEAT_auto_translated_physmap) | \
			 BIT(XENFEAT_hvm_callback_vector) | \
			 BIT(XENFEAT_hvm_safe_pvclock))

static long pv_get_features(struct pvx_vcpu *vcpu, u64 arg)
{
	struct xen_feature_info fi;
	int r = pv_copy_from_guest(vcpu, &fi, arg, sizeof(fi));

	if (r)
		return r;
	if (fi.submap_idx != 0)
		return -XEN_EINVAL;
	fi.submap = PV_FEATURES_0;
	return pv_copy_to_guest(vcpu, arg, &fi, sizeof(fi));
}

/* XENVER_platform_parameters: virt_start, 0 for an HVM guest. */
static long pv_platform_parameters(struct pvx_vcpu *vcpu, u64 arg)
{
	u64 virt_start = 0;

	return pv_copy_to_guest(vcpu, arg, &virt_start,
				pv_guest_compat(vcpu) ? 4 : 8);
}

/* The commands answered with a constant buffer. */
static const struct {
	const void *data;
	size_t size;
} pv_version_buffers[] = {
	[XENVER_extraversion] = { pv_extraversion, sizeof(pv_extraversion) },
	[XENVER_compile_info] = { &pv_compile_info, sizeof(pv_compile_info) },
	[XENVER_capabilities] = { pv_capabilities, sizeof(pv_capabilities) },
	[XENVER_changeset] = { pv_changeset, sizeof(pv_changeset) },
	[XENVER_guest_handle] = { pv_guest_handle, sizeof(pv_guest_handle) },
	[XENVER_commandline] = { pv_commandline, sizeof(pv_commandline) },
};

/**
 * pv_xen_version_fast() - the xen_version commands that need no buffer.
 * @vcpu: the vCPU; interrupts may be off.
 * @args: [0] the command.
 * @ret: the result.
 *
 * Return: true if answered.
 */
bool pv_xen_version_fast(struct pvx_vcpu *vcpu, const u64 args[5], long *ret)
{
	switch (READ_ONCE(args[0])) {
	case XENVER_version:
		*ret = vcpu->vm->pv.xen_version;
		return true;
	case XENVER_pagesize:
		*ret = XEN_PAGE_SIZE;
		return true;
	default:
		return false;
	}
}

/**
 * pv_do_xen_version() - __HYPERVISOR_xen_version(cmd, arg).
 * @vcpu: the vCPU.
 * @args: [0] XENVER_*, [1] the guest buffer.
 *
 * Return: the value (version, pagesize), 0, -EFAULT, -EINVAL or -ENOSYS.
 */
long pv_do_xen_version(struct pvx_vcpu *vcpu, const u64 args[5])
{
	u64 cmd = args[0];
	long ret;

	if (pv_xen_version_fast(vcpu, args, &ret))
		return ret;
	switch (cmd) {
	case XENVER_get_features:
		return pv_get_features(vcpu, args[1]);
	case XENVER_platform_parameters:
		return pv_platform_parameters(vcpu, args[1]);
	}
	if (cmd >= ARRAY_SIZE(pv_version_buffers) ||
	    !pv_version_buffers[cmd].data)
		return -XEN_ENOSYS;
	return pv_copy_to_guest(vcpu, args[1], pv_version_buffers[cmd].data,
				pv_version_buffers[cmd].size);
}
