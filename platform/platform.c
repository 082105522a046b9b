// SPDX-License-Identifier: GPL-2.0
/*
 * The platform pvx plays for a VM beyond the CPU (PVX_SET_PLATFORM,
 * uapi/linux/pvx.h): which ports and MMIO ranges userspace serves, and
 * what the others do.
 *
 * Xen's rule for an access no device claims (Xen hvm/emulate.c, the null
 * handlers): a read returns all ones, a write is dropped. A PVH Linux
 * guest probes that way for the PIC (0x21, 0xA1), the PIT (0x40-0x43,
 * 0x61), PCI (0xCF8/0xCFC), serial ports, and calibrates the TSC against
 * the PIT in a loop of reads: each would be an exit to userspace. With
 * PVX_PLATFORM_NULL_IO they complete here, in the exit handler. Port
 * 0xE9 is Xen's debug console port (Linux's earlyprintk=xen falls back to
 * it, drivers/tty/hvc/hvc_xen.c): with PVX_PLATFORM_E9_CONSOLE its bytes
 * join the console_io output (pv/pv_console.c).
 *
 * The configuration is fixed before the first vCPU exists, so vCPU
 * threads read it without a lock.
 */
#include <linux/kernel.h>
#include <linux/uaccess.h>

#include "platform.h"
#include "../core/pvx.h"
#include "../pv/pv.h"

#define PLATFORM_E9_PORT	0xe9

static bool platform_ranges_ok(const struct pvx_platform *p)
{
	unsigned int i;

	if (p->nports > PVX_PLATFORM_MAX_RANGES ||
	    p->nmmio > PVX_PLATFORM_MAX_RANGES)
		return false;
	for (i = 0; i < PVX_PLATFORM_MAX_RANGES; i++) {
		const struct pvx_range *r = &p->ports[i];
		const struct pvx_gpa_range *m = &p->mmio[i];

		if (i < p->nports ? r->first > r->last || r->last > 0xffff :
		    r->first || r->last)
			return false;
		if (i < p->nmmio ? m->first > m->last : m->first || m->last)
			return false;
	}
	return true;
}

/**
 * platform_set_ioctl() - PVX_SET_PLATFORM.
 * @vm: the VM.
 * @arg: the user's struct pvx_platform.
 *
 * Return: 0, -EFAULT, -EINVAL (see the uapi doc), or -EBUSY once the VM
 * has a vCPU.
 */
int platform_set_ioctl(struct pvx_vm *vm, void __user *arg)
{
	struct pvx_platform p;
	int i, r = 0;

	if (copy_from_user(&p, arg, sizeof(p)))
		return -EFAULT;
	if ((p.flags & ~PVX_PLATFORM_FLAGS) || p.reserved0 || p.reserved[0] ||
	    p.reserved[1] || !platform_ranges_ok(&p))
		return -EINVAL;
	mutex_lock(&vm->lock);
	if ((p.flags & PVX_PLATFORM_E9_CONSOLE) && !pv_enabled(&vm->pv))
		r = -EINVAL;
	for (i = 0; i < PVX_MAX_VCPUS && !r; i++)
		if (vm->vcpus[i])
			r = -EBUSY;
	if (!r)
		vm->platform = p;
	mutex_unlock(&vm->lock);
	return r;
}

static bool platform_port_claimed(const struct pvx_platform *p, u16 port)
{
	unsigned int i;

	for (i = 0; i < p->nports; i++)
		if (port >= p->ports[i].first && port <= p->ports[i].last)
			return true;
	return false;
}

/**
 * platform_port_io() - IN or OUT (not INS/OUTS) to a port nobody claims?
 * @vcpu: the vCPU, in its I/O exit.
 * @port: the port.
 * @size: 1, 2 or 4 bytes.
 * @in: IN rather than OUT.
 *
 * Return: 1 when it was done here (IN: all ones in the low @size bytes of
 * RAX; OUT: dropped, or a byte to port 0xE9 sent to the console) and the
 * caller skips the instruction; 0 when userspace serves it.
 */
int platform_port_io(struct pvx_vcpu *vcpu, u16 port, int size, bool in)
{
	const struct pvx_platform *p = &vcpu->vm->platform;
	unsigned long *rax = &vcpu->vmx.regs[VMX_RAX];

	if (likely(!(p->flags & PVX_PLATFORM_NULL_IO)) ||
	    platform_port_claimed(p, port))
		return 0;
	if (in) {
		/* 8 and 16 bits merge into RAX, 32 bits zero-extend (SDM IN). */
		if (size == 4)
			*rax = 0xffffffff;
		else
			*rax |= (1UL << (8 * size)) - 1;
	} else if (port == PLATFORM_E9_PORT && size == 1 &&
		   (p->flags & PVX_PLATFORM_E9_CONSOLE)) {
		u8 byte = *rax;

		pv_console_emit(&vcpu->vm->pv, &byte, 1);
	}
	return 1;
}

/**
 * platform_mmio_absent() - is @gpa (outside RAM) unclaimed MMIO that
 * reads all ones and drops writes?
 * @vm: the VM.
 * @gpa: the guest-physical address of the access.
 */
bool platform_mmio_absent(struct pvx_vm *vm, u64 gpa)
{
	const struct pvx_platform *p = &vm->platform;
	unsigned int i;

	if (likely(!(p->flags & PVX_PLATFORM_NULL_IO)))
		return false;
	for (i = 0; i < p->nmmio; i++)
		if (gpa >= p->mmio[i].first && gpa <= p->mmio[i].last)
			return false;
	return true;
}
