// SPDX-License-Identifier: GPL-2.0
/*
 * Reading and writing guest memory from the kernel by guest-physical
 * address, through the slots (the backing is user memory of the VM's
 * mm). Guest-linear addresses are x86/walk.c's business, on top of this.
 *
 * Used off the hot path only: emulated instructions, string I/O and the
 * PAE PDPTEs. Callers hold the VM lock and run in the VM's process.
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

/**
 * guest_read_gpa() - copy @len bytes of guest RAM at @gpa into @buf.
 *
 * Return: 0, or -EFAULT if any byte is not RAM.
 */
int guest_read_gpa(struct ept_mem *m, u64 gpa, void *buf, size_t len)
{
	while (len) {
		size_t room, n;
		void __user *p = guest_hva(m, gpa, &room, false);

		n = min(len, room);
		if (!p || copy_from_user(buf, p, n))
			return -EFAULT;
		gpa += n;
		buf += n;
		len -= n;
	}
	return 0;
}

/**
 * guest_write_gpa() - copy @len bytes from @buf into guest RAM at @gpa.
 *
 * Return: 0, or -EFAULT if any byte is not writable RAM.
 */
int guest_write_gpa(struct ept_mem *m, u64 gpa, const void *buf, size_t len)
{
	while (len) {
		size_t room, n;
		void __user *p = guest_hva(m, gpa, &room, true);

		n = min(len, room);
		if (!p || copy_to_user(p, buf, n))
			return -EFAULT;
		gpa += n;
		buf += n;
		len -= n;
	}
	return 0;
}

/**
 * guest_gpa_is_ram() - is @gpa RAM for an access of that kind?
 * @m: the VM's memory.
 * @gpa: guest-physical address.
 * @write: for a write (a read-only slot is MMIO for writes).
 *
 * What guest_read_gpa()/guest_write_gpa() of a byte at @gpa would reach.
 */
bool guest_gpa_is_ram(struct ept_mem *m, u64 gpa, bool write)
{
	size_t room;

	return guest_hva(m, gpa, &room, write) != NULL;
}
