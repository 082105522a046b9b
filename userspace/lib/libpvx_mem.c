// SPDX-License-Identifier: LGPL-2.1
/*
 * libpvx: guest memory: the slot map and its translation, allocating guest
 * RAM, and registering slots with PVX_SET_MEMORY_REGION.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libpvx.h"

#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21 << MAP_HUGE_SHIFT)
#endif

/* Do [a, a + alen) and [b, b + blen) share a byte? Neither range wraps. */
static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

int pvx_memmap_add(struct pvx_memmap *mm, uint32_t slot, uint64_t gpa,
		   uint64_t size, void *host, uint32_t flags)
{
	if (slot >= PVX_MAX_MEM_SLOTS || !size || gpa + size < gpa || !host)
		return -EINVAL;
	if (mm->slot[slot].size)
		return -EEXIST;
	for (uint32_t i = 0; i < PVX_MAX_MEM_SLOTS; i++) {
		const struct pvx_mem_slot *s = &mm->slot[i];

		if (s->size && ranges_overlap(gpa, size, s->gpa, s->size))
			return -EBUSY;
	}
	mm->slot[slot] = (struct pvx_mem_slot){
		.gpa = gpa, .size = size, .host = host, .flags = flags,
	};
	return 0;
}

void *pvx_gpa_to_host(const struct pvx_memmap *mm, uint64_t gpa, uint64_t len)
{
	for (uint32_t i = 0; i < PVX_MAX_MEM_SLOTS; i++) {
		const struct pvx_mem_slot *s = &mm->slot[i];

		/* Written so that nothing overflows: gpa - s->gpa < s->size. */
		if (gpa >= s->gpa && gpa - s->gpa < s->size &&
		    len <= s->size - (gpa - s->gpa))
			return (char *)s->host + (gpa - s->gpa);
	}
	return NULL;
}

static int set_region(struct pvx_vm *vm, uint32_t slot, uint64_t gpa,
		      uint64_t size, void *host, uint32_t flags)
{
	struct pvx_memory_region region = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)host,
	};

	return ioctl(vm->fd, PVX_SET_MEMORY_REGION, &region) < 0 ? -errno : 0;
}

int pvx_vm_add_memory(struct pvx_vm *vm, uint32_t slot, uint64_t gpa,
		      uint64_t size, void *host, uint32_t flags)
{
	int r = pvx_memmap_add(&vm->mem, slot, gpa, size, host, flags);

	if (r)
		return r;
	r = set_region(vm, slot, gpa, size, host, flags);
	if (r)
		memset(&vm->mem.slot[slot], 0, sizeof(vm->mem.slot[slot]));
	return r;
}

/*
 * Map @size bytes, 2 MiB aligned inside a larger mapping when @align, so
 * that THP (and EPT 2 MiB pages) can back every whole 2 MiB of it.
 * *@map and *@map_len are what to munmap later.
 */
static void *map_anon(uint64_t size, bool align, int extra, void **map,
		      size_t *map_len)
{
	size_t len = size + (align ? PVX_HUGE_PAGE_SIZE : 0);
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | extra, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	*map = p;
	*map_len = len;
	if (!align)
		return p;
	return p + (-(uintptr_t)p & (PVX_HUGE_PAGE_SIZE - 1));
}

static void *alloc_ram(uint64_t size, enum pvx_backing backing, void **map,
		       size_t *map_len)
{
	static const int hugetlb = MAP_HUGETLB | MAP_HUGE_2MB;
	void *host;

	switch (backing) {
	case PVX_BACKING_PAGES:
		return map_anon(size, false, 0, map, map_len);
	case PVX_BACKING_THP:
		host = map_anon(size, true, 0, map, map_len);
		if (host && madvise(host, size, MADV_HUGEPAGE)) {
			int err = errno;

			munmap(*map, *map_len);
			errno = err;
			return NULL;
		}
		return host;
	case PVX_BACKING_HUGETLB:
		return map_anon(size, false, hugetlb, map, map_len);
	}
	errno = EINVAL;
	return NULL;
}

int pvx_vm_add_ram(struct pvx_vm *vm, uint32_t slot, uint64_t gpa,
		   uint64_t size, uint32_t flags, enum pvx_backing backing)
{
	uint64_t unit = backing == PVX_BACKING_HUGETLB ? PVX_HUGE_PAGE_SIZE :
			(uint64_t)sysconf(_SC_PAGESIZE);
	void *host, *map;
	size_t map_len;
	int r;

	if (!size || size % unit || size > SIZE_MAX - PVX_HUGE_PAGE_SIZE)
		return -EINVAL;
	host = alloc_ram(size, backing, &map, &map_len);
	if (!host)
		return -errno;
	r = pvx_vm_add_memory(vm, slot, gpa, size, host, flags);
	if (r) {
		munmap(map, map_len);
		return r;
	}
	vm->mem.slot[slot].map = map;
	vm->mem.slot[slot].map_len = map_len;
	return 0;
}

int pvx_vm_delete_memory(struct pvx_vm *vm, uint32_t slot)
{
	struct pvx_mem_slot *s;
	int r;

	if (slot >= PVX_MAX_MEM_SLOTS || !vm->mem.slot[slot].size)
		return -EINVAL;
	s = &vm->mem.slot[slot];
	/* The slot as it was created, with size 0: nothing else changes. */
	r = set_region(vm, slot, s->gpa, 0, s->host, s->flags);
	if (r)
		return r;
	pvx_memmap_release(&vm->mem, slot);
	return 0;
}

void pvx_memmap_release(struct pvx_memmap *mm, uint32_t slot)
{
	struct pvx_mem_slot *s = &mm->slot[slot];

	if (s->map)
		munmap(s->map, s->map_len);
	memset(s, 0, sizeof(*s));
}
