// SPDX-License-Identifier: LGPL-2.1
/*
 * libpvx: VM and vCPU objects, their fds and the vCPU's run mapping, and the
 * vCPU register ioctls.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libpvx.h"

/* An ioctl with an integer argument: its non-negative result or -errno. */
static int ioctl_val(int fd, unsigned long cmd, unsigned long arg)
{
	int r = ioctl(fd, cmd, arg);

	return r < 0 ? -errno : r;
}

static int ioctl_ptr(int fd, unsigned long cmd, const void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

int pvx_vm_create(int sys_fd, struct pvx_vm **vmp)
{
	struct pvx_vm *vm = calloc(1, sizeof(*vm));
	int size;

	if (!vm)
		return -ENOMEM;
	size = ioctl_val(sys_fd, PVX_GET_VCPU_MMAP_SIZE, 0);
	if (size >= 0 && (size_t)size < sizeof(struct pvx_run))
		size = -EPROTO;		/* a module this library does not know */
	vm->fd = size < 0 ? size : ioctl_val(sys_fd, PVX_CREATE_VM, 0);
	if (vm->fd < 0) {
		int err = vm->fd;

		free(vm);
		return err;
	}
	vm->vcpu_mmap_size = size;
	*vmp = vm;
	return 0;
}

void pvx_vm_destroy(struct pvx_vm *vm)
{
	if (!vm)
		return;
	for (unsigned int i = 0; i < PVX_MAX_VCPUS; i++)
		pvx_vcpu_destroy(vm->vcpu[i]);
	/* The last fd gone, pvx has let go of every page: unmap them. */
	close(vm->fd);
	for (uint32_t slot = 0; slot < PVX_MAX_MEM_SLOTS; slot++)
		pvx_memmap_release(&vm->mem, slot);
	free(vm);
}

int pvx_vcpu_create(struct pvx_vm *vm, unsigned int id, struct pvx_vcpu **vcpup)
{
	struct pvx_vcpu *vcpu;
	void *run;
	int fd;

	if (id >= PVX_MAX_VCPUS)
		return -EINVAL;
	if (vm->vcpu[id])
		return -EEXIST;
	fd = ioctl_val(vm->fd, PVX_CREATE_VCPU, id);
	if (fd < 0)
		return fd;
	vcpu = calloc(1, sizeof(*vcpu));
	run = mmap(NULL, vm->vcpu_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   fd, 0);
	if (!vcpu || run == MAP_FAILED) {
		int err = vcpu ? -errno : -ENOMEM;

		if (run != MAP_FAILED)
			munmap(run, vm->vcpu_mmap_size);
		free(vcpu);
		close(fd);
		return err;
	}
	*vcpu = (struct pvx_vcpu){ .vm = vm, .fd = fd, .id = id, .run = run,
				   .mmap_size = vm->vcpu_mmap_size };
	vm->vcpu[id] = vcpu;
	*vcpup = vcpu;
	return 0;
}

void pvx_vcpu_destroy(struct pvx_vcpu *vcpu)
{
	if (!vcpu)
		return;
	munmap(vcpu->run, vcpu->mmap_size);
	close(vcpu->fd);
	vcpu->vm->vcpu[vcpu->id] = NULL;
	free(vcpu);
}

int pvx_vcpu_get_regs(struct pvx_vcpu *vcpu, struct pvx_regs *regs)
{
	return ioctl_ptr(vcpu->fd, PVX_GET_REGS, regs);
}

int pvx_vcpu_set_regs(struct pvx_vcpu *vcpu, const struct pvx_regs *regs)
{
	return ioctl_ptr(vcpu->fd, PVX_SET_REGS, regs);
}

int pvx_vcpu_get_sregs(struct pvx_vcpu *vcpu, struct pvx_sregs *sregs)
{
	return ioctl_ptr(vcpu->fd, PVX_GET_SREGS, sregs);
}

int pvx_vcpu_set_sregs(struct pvx_vcpu *vcpu, const struct pvx_sregs *sregs)
{
	return ioctl_ptr(vcpu->fd, PVX_SET_SREGS, sregs);
}

int pvx_vcpu_msr(struct pvx_vcpu *vcpu, bool set, uint32_t index,
		 uint64_t *data)
{
	struct pvx_msr_entry e = { .index = index, .data = *data };
	struct pvx_msrs m = { .nmsrs = 1, .entries = (uintptr_t)&e };
	int r = ioctl(vcpu->fd, set ? PVX_SET_MSRS : PVX_GET_MSRS, &m);

	if (r < 0)
		return -errno;
	if (!set)
		*data = e.data;
	return r;
}

int pvx_vcpu_set_cpuid(struct pvx_vcpu *vcpu,
		       const struct pvx_cpuid_entry *entries, unsigned int nent)
{
	struct pvx_cpuid cpuid = {
		.nent = nent,
		.entries = (uintptr_t)entries,
	};

	if (nent > PVX_MAX_CPUID_ENTRIES)
		return -E2BIG;
	return ioctl_ptr(vcpu->fd, PVX_SET_CPUID, &cpuid);
}
