// SPDX-License-Identifier: GPL-2.0
/*
 * Reading and writing guest memory from the kernel by guest-physical
 * address, through the slots (the backing is user memory of the VM's
 * mm). Guest-linear addresses are x86/walk.c's business, on top of this.
 *
 * Used off the hot path only: emulated instructions, string I/O, the PAE
 * PDPTEs, Xen hypercall buffers. Callers hold the VM lock and run in the
 * VM's process. A page pvx owns mapped at a guest frame (ept.c) stands for
 * that frame here as in EPT.
 */
#include <linux/mm.h>
#include <linux/uaccess.h>

#include "ept.h"

/* The user address of @gpa, with the bytes left in its page and slot. */
static void __user *guest_hva(struct ept_mem *m, u64 gpa, size_t *room,
			      bool write)
{
	const struct ept_slot *s = ept_find_slot(m, gpa);

	if (!s || (write && (s->flags & PVX_MEM_READONLY)))
		return NULL;
	*room = min_t(u64, PAGE_SIZE - offset_in_page(gpa),
		      s->base + s->size - gpa);
	return (void __user *)(unsigned long)(s->uaddr + gpa - s->base);
}

/*
 * Copy one piece (within a page) between @buf and guest-physical @gpa.
 * Where EPT maps the frame, the page it maps is what the guest sees (a
 * pinned RAM page, or a page pvx owns: ept_map_owned(), which always has
 * its leaf), copied through the kernel's mapping; else the slot's RAM
 * through the VM owner's.
 */
static int guest_copy_gpa_page(struct ept_mem *m, u64 gpa, void *buf,
			       size_t *len, bool write)
{
	void *kaddr = ept_gpa_to_kva(m, gpa, write);
	void __user *p;
	size_t room;

	if (kaddr) {
		*len = min_t(size_t, *len, PAGE_SIZE - offset_in_page(gpa));
		if (write)
			memcpy(kaddr, buf, *len);
		else
			memcpy(buf, kaddr, *len);
		return 0;
	}
	p = guest_hva(m, gpa, &room, write);
	*len = min(*len, room);
	if (!p)
		return -EFAULT;
	if (write ? copy_to_user(p, buf, *len) : copy_from_user(buf, p, *len))
		return -EFAULT;
	return 0;
}

static int guest_copy_gpa(struct ept_mem *m, u64 gpa, void *buf, size_t len,
			  bool write)
{
	while (len) {
		size_t n = len;

		if (guest_copy_gpa_page(m, gpa, buf, &n, write))
			return -EFAULT;
		gpa += n;
		buf += n;
		len -= n;
	}
	return 0;
}

/**
 * guest_read_gpa() - copy @len bytes of guest memory at @gpa into @buf.
 *
 * Return: 0, or -EFAULT if any byte is neither RAM nor a page pvx mapped.
 */
int guest_read_gpa(struct ept_mem *m, u64 gpa, void *buf, size_t len)
{
	return guest_copy_gpa(m, gpa, buf, len, false);
}

/**
 * guest_write_gpa() - copy @len bytes from @buf into guest memory at @gpa.
 *
 * Return: 0, or -EFAULT if any byte is neither writable RAM nor a page
 * pvx mapped.
 */
int guest_write_gpa(struct ept_mem *m, u64 gpa, const void *buf, size_t len)
{
	return guest_copy_gpa(m, gpa, (void *)buf, len, true);
}

/**
 * guest_gpa_is_ram() - is @gpa memory for an access of that kind?
 * @m: the VM's memory.
 * @gpa: guest-physical address.
 * @write: for a write (a read-only slot is MMIO for writes).
 *
 * What guest_read_gpa()/guest_write_gpa() of a byte at @gpa would reach:
 * RAM of a slot, or a page pvx mapped there.
 */
bool guest_gpa_is_ram(struct ept_mem *m, u64 gpa, bool write)
{
	size_t room;

	return ept_gpa_to_kva(m, gpa, write) ||
	       guest_hva(m, gpa, &room, write) != NULL;
}
