/* SPDX-License-Identifier: GPL-2.0 */
/*
 * platform/: PVX_SET_PLATFORM and the absent hardware of a VM that asks
 * for Xen's behaviour (reads all ones, writes dropped, port 0xE9).
 */
#ifndef PVX_PLATFORM_H
#define PVX_PLATFORM_H

#include <linux/types.h>

struct pvx_vm;
struct pvx_vcpu;

int platform_set_ioctl(struct pvx_vm *vm, void __user *arg);
int platform_port_io(struct pvx_vcpu *vcpu, u16 port, int size, bool in);
bool platform_mmio_absent(struct pvx_vm *vm, u64 gpa);

#endif /* PVX_PLATFORM_H */
