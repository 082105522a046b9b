// SPDX-License-Identifier: LGPL-2.1
/*
 * libpvx: a backend's access to pages a Xen guest granted to domain 0
 * (PVX_GNT_COPY, PVX_GNT_MAP of uapi/linux/pvx.h). The kernel checks each
 * grant as Xen checks dom0's; these wrappers only fill the structs.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libpvx.h"

void pvx_gnt_seg(struct pvx_gnt_copy_seg *seg, uint32_t ref, uint16_t offset,
		 uint16_t len, void *buf, bool to_guest)
{
	memset(seg, 0, sizeof(*seg));
	seg->buf = (uintptr_t)buf;
	seg->ref = ref;
	seg->offset = offset;
	seg->len = len;
	seg->flags = to_guest ? PVX_GNT_COPY_TO_GUEST : 0;
}

int pvx_gnt_copy(struct pvx_vm *vm, struct pvx_gnt_copy_seg *segs,
		 unsigned int nr)
{
	struct pvx_gnt_copy op = { .segs = (uintptr_t)segs, .nr = nr };

	return ioctl(vm->fd, PVX_GNT_COPY, &op) < 0 ? -errno : 0;
}

int pvx_gnt_map(struct pvx_vm *vm, uint32_t ref, uint32_t flags)
{
	struct pvx_gnt_map req = { .ref = ref, .flags = flags };
	int fd = ioctl(vm->fd, PVX_GNT_MAP, &req);

	return fd < 0 ? -errno : fd;
}

int pvx_gnt_map_page(struct pvx_vm *vm, uint32_t ref, uint32_t flags,
		     void **page)
{
	int prot = PROT_READ, fd = pvx_gnt_map(vm, ref, flags), err = 0;
	void *p;

	if (fd < 0)
		return fd;
	if (!(flags & PVX_GNT_MAP_READONLY))
		prot |= PROT_WRITE;
	p = mmap(NULL, PVX_GNT_PAGE_SIZE, prot, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		err = -errno;
	close(fd);	/* the mapping keeps the grant */
	if (!err)
		*page = p;
	return err;
}

int pvx_gnt_unmap_page(void *page)
{
	return munmap(page, PVX_GNT_PAGE_SIZE) < 0 ? -errno : 0;
}
