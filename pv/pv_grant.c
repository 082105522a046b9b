// SPDX-License-Identifier: GPL-2.0
/*
 * Grant tables v1: the guest's table, its hypercall (grant_table_op), and
 * the host's access to what the guest granted (PVX_GNT_COPY, PVX_GNT_MAP).
 *
 * The rules, from Xen's public grant_table.h and memory.h:
 *  - The table is an array of 8-byte struct grant_entry_v1 {flags, domid,
 *    frame} in frames of GNTTAB_ENTRIES_PER_FRAME entries. The frames are
 *    pages pvx owns, allocated on demand up to the VM's max_grant_frames;
 *    an HVM/PVH guest maps frame idx at a guest frame of its choice with
 *    XENMEM_add_to_physmap(XENMAPSPACE_grant_table, idx, gpfn), which grows
 *    the table to idx + 1 frames (pv_grant_map_frame()); a frame appears at
 *    one guest frame at a time.
 *  - grant_table_op(cmd, uop, count): the sub-ops of a v1 domU:
 *    query_size, setup_table (grow; frame_list gets each frame's guest
 *    frame, ~0 where it is not mapped), set_version (1; 2 is -ENOSYS as on
 *    a Xen built for v1 only: v2 has a history of XSAs, 3 and up -EINVAL),
 *    get_version. Each takes count == 1 (else -EINVAL); a bad uop is
 *    -EFAULT; otherwise the call returns 0 and the struct's status says
 *    GNTST_*. A guest acts only on its own domain. A count above INT_MAX
 *    and command bits above GNTTABOP_CMD_MASK (Xen's continuations) are
 *    -EINVAL. Every other sub-op is -ENOSYS, GNTTABOP_copy included:
 *    pvx's grants serve the host's backends, and a domU copying between
 *    its own frames has nothing to gain from it (Linux's PVH frontends
 *    never issue it). A 32-bit guest gets -ENOSYS from setup_table, whose
 *    compat layout pvx does not offer.
 *  - The host is domain 0. An entry lets it in when its type is
 *    GTF_permit_access and its domid is 0; GTF_readonly refuses writes.
 *    While pvx uses an entry it keeps GTF_reading set (and GTF_writing for
 *    a writer) in the entry's flags, so that the guest's revocation (a
 *    cmpxchg of flags to 0 that checks those bits first) fails meanwhile.
 *    The bits are set by compare-and-swap on the 32-bit {flags, domid}
 *    word, which checks type, domid and read-only in the same value it
 *    swaps, retried at most 4 times (a guest that keeps changing the word
 *    gets an error, never a livelock: Xen's "unstable" entry); they are
 *    cleared, once the last user of each kind is gone, with an atomic AND
 *    on the 16-bit flags (Xen's gnttab_clear_flags), which keeps whatever
 *    the guest wrote meanwhile. Pin counts per entry (Xen's active entry)
 *    tell who is last; no operation scans the table.
 *  - The granted frame is read after the swap succeeded (the guest writes
 *    domid and frame before flags). It must be guest RAM: the page is
 *    pinned (pv_guest_page_get()) for as long as pvx uses it, so a guest
 *    that revokes by force, or an owner that unmaps or changes its memory,
 *    can never make the host reach a freed page. A map fd holds the VM
 *    too: the table it must clear its flags in lives as long as it does
 *    (Xen likewise keeps a dying domain until dom0 unmaps its grants).
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "pv.h"
#include "../core/pvx.h"

#define GNT_PER_FRAME		GNTTAB_ENTRIES_PER_FRAME
/* Xen's GNTTABOP_CMD_MASK: higher bits carry its own continuations. */
#define GNTTABOP_CMD_MASK	0xfffU
/* Retries of the compare-and-swap on an entry (Xen's _set_status_v1). */
#define GNT_PIN_RETRIES		4
#define GNT_NO_GFN		(~0ULL)

/* What pinning an entry and its page came to. */
enum grant_result {
	GRANT_OK,
	GRANT_BAD_REF,		/* beyond the frames allocated */
	GRANT_DENIED,		/* not GTF_permit_access for domain 0 */
	GRANT_READONLY,		/* a write through a GTF_readonly grant */
	GRANT_UNSTABLE,		/* the word changed at every try */
	GRANT_NOT_RAM,		/* the granted frame is not guest RAM */
	GRANT_NOMEM,
	GRANT_NR_RESULTS,
};

/* PVX_GNT_COPY's per-segment status (uapi/linux/pvx.h). */
static const s16 grant_gntst[GRANT_NR_RESULTS] = {
	[GRANT_OK] = GNTST_okay,
	[GRANT_BAD_REF] = GNTST_bad_gntref,
	[GRANT_DENIED] = GNTST_permission_denied,
	[GRANT_READONLY] = GNTST_permission_denied,
	[GRANT_UNSTABLE] = GNTST_permission_denied,
	[GRANT_NOT_RAM] = GNTST_bad_page,
	[GRANT_NOMEM] = GNTST_general_error,
};

/* PVX_GNT_MAP's errno (uapi/linux/pvx.h). */
static const int grant_errno[GRANT_NR_RESULTS] = {
	[GRANT_OK] = 0,
	[GRANT_BAD_REF] = -EINVAL,
	[GRANT_DENIED] = -EACCES,
	[GRANT_READONLY] = -EROFS,
	[GRANT_UNSTABLE] = -EAGAIN,
	[GRANT_NOT_RAM] = -EFAULT,
	[GRANT_NOMEM] = -ENOMEM,
};

/**
 * struct grant_hold - an entry pvx uses, and its pinned page.
 * @ref:	the grant reference.
 * @write:	pvx writes the page (GTF_writing is held).
 * @page:	the granted guest page, pinned.
 */
struct grant_hold {
	u32 ref;
	bool write;
	struct page *page;
};

/**
 * pv_grant_vm_init() - an empty grant table.
 * @vm: the VM being created.
 */
void pv_grant_vm_init(struct pvx_vm *vm)
{
	struct pv_grant_vm *gt = &vm->pv.grant;

	mutex_init(&gt->lock);
	spin_lock_init(&gt->pin_lock);
}

/**
 * pv_grant_vm_destroy() - free the table's frames.
 * @vm: the VM, freed: no vCPU, no EPT, and no map fd (each holds the VM).
 */
void pv_grant_vm_destroy(struct pvx_vm *vm)
{
	struct pv_grant_vm *gt = &vm->pv.grant;
	unsigned int i;

	for (i = 0; i < gt->nr_frames; i++) {
		__free_page(gt->frames[i]);
		kfree(gt->pins[i]);
	}
	gt->nr_frames = 0;
}

/* Grow the table to @nr frames (under gt->lock); -ENOMEM keeps what grew. */
static int grant_grow(struct pv_grant_vm *gt, unsigned int nr)
{
	unsigned int i;

	for (i = gt->nr_frames; i < nr; i++) {
		gt->frames[i] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
		gt->pins[i] = kcalloc(GNT_PER_FRAME, sizeof(*gt->pins[i]),
				      GFP_KERNEL_ACCOUNT);
		if (!gt->frames[i] || !gt->pins[i]) {
			if (gt->frames[i])
				__free_page(gt->frames[i]);
			kfree(gt->pins[i]);
			gt->frames[i] = NULL;
			gt->pins[i] = NULL;
			return -ENOMEM;
		}
		gt->gfn[i] = GNT_NO_GFN;
		/* Lockless readers see the frame before they see it counted. */
		smp_store_release(&gt->nr_frames, i + 1);
	}
	return 0;
}

/* The guest frame where frame @i is mapped now, or GNT_NO_GFN. */
static u64 grant_frame_gfn(struct pvx_vm *vm, unsigned int i)
{
	u64 gfn = vm->pv.grant.gfn[i];

	/* Something else (shared_info, another frame) may have replaced it. */
	if (gfn == GNT_NO_GFN ||
	    ept_owned_page(&vm->mem, gfn << PAGE_SHIFT) != vm->pv.grant.frames[i])
		return GNT_NO_GFN;
	return gfn;
}

/**
 * pv_grant_map_frame() - XENMEM_add_to_physmap(XENMAPSPACE_grant_table).
 * @vcpu: the vCPU making the hypercall.
 * @idx: the table's frame: the table grows to @idx + 1 frames.
 * @gfn: the guest frame to show it at (RAM there is hidden, a hole is
 *	filled); where the frame was before, the guest finds what was
 *	there before it.
 *
 * Return: 0, or -XEN_EINVAL (@idx beyond max_grant_frames, a v2 status
 * frame, @gfn beyond what EPT maps), -XEN_ENOMEM.
 */
long pv_grant_map_frame(struct pvx_vcpu *vcpu, u64 idx, u64 gfn)
{
	struct pvx_vm *vm = vcpu->vm;
	struct pv_grant_vm *gt = &vm->pv.grant;
	u64 old;
	int r;

	/* XENMAPIDX_grant_table_status names v2 status frames: no v2 here. */
	if (idx >= vm->pv.max_grant_frames)
		return -XEN_EINVAL;
	mutex_lock(&gt->lock);
	r = grant_grow(gt, idx + 1);
	if (r)
		goto out;
	old = grant_frame_gfn(vm, idx);
	mutex_lock(&vm->lock);
	r = ept_map_owned(&vm->mem, gfn, gt->frames[idx]);
	if (!r && old != GNT_NO_GFN && old != gfn)
		ept_unmap_owned(&vm->mem, old, gt->frames[idx]);
	mutex_unlock(&vm->lock);
	if (!r)
		gt->gfn[idx] = gfn;
out:
	mutex_unlock(&gt->lock);
	return r == -ENOMEM ? -XEN_ENOMEM : r ? -XEN_EINVAL : 0;
}

/* A domU's grant ops act on itself only: DOMID_SELF or its own id. */
static bool grant_dom_is_self(struct pvx_vcpu *vcpu, domid_t dom)
{
	return dom == DOMID_SELF || dom == vcpu->vm->pv.domid;
}

/* GNTTABOP_query_size: the table's size now and at most. */
static long gnttab_query_size(struct pvx_vcpu *vcpu, u64 uop, u32 count)
{
	struct gnttab_query_size op;

	if (count != 1)
		return -XEN_EINVAL;
	if (pv_copy_from_guest(vcpu, &op, uop, sizeof(op)))
		return -XEN_EFAULT;
	if (grant_dom_is_self(vcpu, op.dom)) {
		op.nr_frames = smp_load_acquire(&vcpu->vm->pv.grant.nr_frames);
		op.max_nr_frames = vcpu->vm->pv.max_grant_frames;
		op.status = GNTST_okay;
	} else {
		op.status = GNTST_permission_denied;
	}
	if (pv_copy_to_guest(vcpu, uop, &op, sizeof(op)))
		return -XEN_EFAULT;
	return 0;
}

/*
 * Grow the table to @nr frames and put each frame's guest frame in @list:
 * a GNTST_* status.
 */
static s16 grant_setup(struct pvx_vm *vm, u32 nr, u64 *list)
{
	struct pv_grant_vm *gt = &vm->pv.grant;
	unsigned int i;
	s16 status = GNTST_okay;

	if (nr > vm->pv.max_grant_frames)
		return GNTST_general_error;
	mutex_lock(&gt->lock);
	if (grant_grow(gt, nr))
		status = GNTST_general_error;
	else
		for (i = 0; i < nr; i++)
			list[i] = grant_frame_gfn(vm, i);
	mutex_unlock(&gt->lock);
	return status;
}

/*
 * GNTTABOP_setup_table: grow the table to nr_frames; frame_list gets the
 * frames' guest frames (an auto-translated guest maps them itself with
 * add_to_physmap: ~0 where it has not). A frame_list the guest cannot
 * take is GNTST_bad_virt_addr, as in Xen.
 */
static long gnttab_setup_table(struct pvx_vcpu *vcpu, u64 uop, u32 count)
{
	struct gnttab_setup_table op;
	u64 list[PVX_PV_MAX_GRANT_FRAMES];

	if (count != 1)
		return -XEN_EINVAL;
	if (pv_guest_compat(vcpu))
		return -XEN_ENOSYS;
	if (pv_copy_from_guest(vcpu, &op, uop, sizeof(op)))
		return -XEN_EFAULT;
	if (!grant_dom_is_self(vcpu, op.dom))
		op.status = GNTST_permission_denied;
	else
		op.status = grant_setup(vcpu->vm, op.nr_frames, list);
	if (op.status == GNTST_okay && op.nr_frames &&
	    pv_copy_to_guest(vcpu, op.frame_list, list,
			     op.nr_frames * sizeof(list[0])))
		op.status = GNTST_bad_virt_addr;
	if (pv_copy_to_guest(vcpu, uop + offsetof(typeof(op), status),
			     &op.status, sizeof(op.status)))
		return -XEN_EFAULT;
	return 0;
}

/*
 * GNTTABOP_set_version: pvx offers v1 only. Like a Xen whose
 * max_grant_version is 1: 1 succeeds, 2 is -ENOSYS, anything else
 * -EINVAL; the version in force is written back in every case.
 */
static long gnttab_set_version(struct pvx_vcpu *vcpu, u64 uop, u32 count)
{
	struct gnttab_set_version op;
	long r;

	if (count != 1)
		return -XEN_EINVAL;
	if (pv_copy_from_guest(vcpu, &op, uop, sizeof(op)))
		return -XEN_EFAULT;
	r = op.version == 1 ? 0 : op.version == 2 ? -XEN_ENOSYS : -XEN_EINVAL;
	op.version = 1;
	if (pv_copy_to_guest(vcpu, uop, &op, sizeof(op)))
		return -XEN_EFAULT;
	return r;
}

/* GNTTABOP_get_version: always 1; another domain is -EPERM. */
static long gnttab_get_version(struct pvx_vcpu *vcpu, u64 uop, u32 count)
{
	struct gnttab_get_version op;

	if (count != 1)
		return -XEN_EINVAL;
	if (pv_copy_from_guest(vcpu, &op, uop, sizeof(op)))
		return -XEN_EFAULT;
	if (!grant_dom_is_self(vcpu, op.dom))
		return -XEN_EPERM;
	op.version = 1;
	if (pv_copy_to_guest(vcpu, uop, &op, sizeof(op)))
		return -XEN_EFAULT;
	return 0;
}

typedef long (*gnttab_op_fn)(struct pvx_vcpu *vcpu, u64 uop, u32 count);

/* The sub-ops pvx offers, by GNTTABOP_* number; the rest are -ENOSYS. */
static const gnttab_op_fn gnttab_ops[] = {
	[GNTTABOP_setup_table] = gnttab_setup_table,
	[GNTTABOP_query_size] = gnttab_query_size,
	[GNTTABOP_set_version] = gnttab_set_version,
	[GNTTABOP_get_version] = gnttab_get_version,
};

/**
 * pv_do_grant_table_op() - hypercall 20, grant_table_op(cmd, uop, count).
 * @vcpu: the calling vCPU, at CPL 0.
 * @args: cmd (unsigned int), the guest address of the sub-op's struct, and
 *	count (unsigned int), as Xen's do_grant_table_op() takes them.
 *
 * Return: 0 (each struct's status tells GNTST_*), or -XEN_EINVAL (count,
 * cmd's continuation bits, a count other than 1), -XEN_EFAULT (uop),
 * -XEN_ENOSYS (a sub-op pvx does not offer), or the sub-op's own error.
 */
long pv_do_grant_table_op(struct pvx_vcpu *vcpu, const u64 args[5])
{
	u32 cmd = args[0], count = args[2];

	if ((int)count < 0 || cmd > GNTTABOP_CMD_MASK)
		return -XEN_EINVAL;
	if (cmd >= ARRAY_SIZE(gnttab_ops) || !gnttab_ops[cmd])
		return -XEN_ENOSYS;
	return gnttab_ops[array_index_nospec(cmd, ARRAY_SIZE(gnttab_ops))](
		vcpu, args[1], count);
}

/*
 * The entry @ref and its pin counts, or NULL beyond the frames allocated.
 * Frames are never freed before the VM: no lock is needed to reach one.
 */
static struct grant_entry_v1 *grant_entry(struct pv_grant_vm *gt, u32 ref,
					  struct pv_grant_pin **pin)
{
	unsigned int nr = smp_load_acquire(&gt->nr_frames);
	unsigned int frame, slot;

	if (ref >= nr * GNT_PER_FRAME)
		return NULL;
	ref = array_index_nospec(ref, nr * GNT_PER_FRAME);
	frame = ref / GNT_PER_FRAME;
	slot = ref % GNT_PER_FRAME;
	*pin = &gt->pins[frame][slot];
	return (struct grant_entry_v1 *)page_address(gt->frames[frame]) + slot;
}

/* The entry's {flags, domid} word: flags in bits 15:0, domid in 31:16. */
static u32 *grant_word(struct grant_entry_v1 *e)
{
	return (u32 *)&e->flags;
}

/*
 * Does the word let domain 0 in (for writing if @write)? GRANT_OK or why
 * not (Xen's _set_status_v1 checks, on the value it then swaps).
 */
static enum grant_result grant_word_check(u32 word, bool write)
{
	u16 flags = word & 0xffff, domid = word >> 16;

	if ((flags & GTF_type_mask) != GTF_permit_access || domid != 0)
		return GRANT_DENIED;
	if (write && (flags & GTF_readonly))
		return GRANT_READONLY;
	return GRANT_OK;
}

/*
 * Pin entry @ref: check it and set GTF_reading (and GTF_writing for
 * @write) by compare-and-swap, count the pin, and read the frame.
 */
static enum grant_result grant_pin(struct pv_grant_vm *gt, u32 ref,
				   bool write, u32 *frame)
{
	u32 bits = GTF_reading | (write ? GTF_writing : 0);
	enum grant_result res = GRANT_UNSTABLE;
	struct pv_grant_pin *pin;
	struct grant_entry_v1 *e = grant_entry(gt, ref, &pin);
	u32 *word, old, seen;
	int retries;

	if (!e)
		return GRANT_BAD_REF;
	word = grant_word(e);
	spin_lock(&gt->pin_lock);
	old = READ_ONCE(*word);
	for (retries = 0; retries <= GNT_PIN_RETRIES; retries++) {
		res = grant_word_check(old, write);
		if (res != GRANT_OK)
			break;
		/* The guest may change the word at any time: swap what we checked. */
		seen = cmpxchg(word, old, old | bits);
		if (seen == old)
			break;
		old = seen;
		res = GRANT_UNSTABLE;
	}
	if (res == GRANT_OK) {
		pin->users++;
		if (write)
			pin->writers++;
		/* After the swap: the guest wrote the frame before the flags. */
		*frame = READ_ONCE(e->frame);
	}
	spin_unlock(&gt->pin_lock);
	return res;
}

/* Atomic 16-bit AND, as Xen's gnttab_clear_flags (lock andw). */
static void grant_flags_clear(u16 *flags, u16 bits)
{
	asm volatile("lock andw %1, %0" : "+m"(*flags) : "ir"((u16)~bits)
		     : "memory");
}

/* Drop a pin: clear GTF_writing with the last writer, GTF_reading last. */
static void grant_unpin(struct pv_grant_vm *gt, u32 ref, bool write)
{
	struct pv_grant_pin *pin;
	struct grant_entry_v1 *e = grant_entry(gt, ref, &pin);
	u16 clear = 0;

	spin_lock(&gt->pin_lock);
	if (write && !--pin->writers)
		clear |= GTF_writing;
	if (!--pin->users)
		clear |= GTF_reading;
	if (clear)
		grant_flags_clear(&e->flags, clear);
	spin_unlock(&gt->pin_lock);
}

/* Pin entry @ref and its granted page, for writing if @write. */
static enum grant_result grant_get(struct pvx_vm *vm, u32 ref, bool write,
				   struct grant_hold *hold)
{
	struct pv_grant_vm *gt = &vm->pv.grant;
	enum grant_result res;
	u32 frame;
	int r;

	res = grant_pin(gt, ref, write, &frame);
	if (res != GRANT_OK)
		return res;
	r = pv_guest_page_get(vm, frame, write, &hold->page);
	if (r) {
		grant_unpin(gt, ref, write);
		return r == -ENOMEM ? GRANT_NOMEM : GRANT_NOT_RAM;
	}
	hold->ref = ref;
	hold->write = write;
	return GRANT_OK;
}

static void grant_put(struct pvx_vm *vm, struct grant_hold *hold)
{
	pv_guest_page_put(hold->page, hold->write);
	grant_unpin(&vm->pv.grant, hold->ref, hold->write);
}

/* One segment of PVX_GNT_COPY: its GNTST_* status. */
static s16 gnt_copy_one(struct pvx_vm *vm, const struct pvx_gnt_copy_seg *seg)
{
	bool to_guest = seg->flags & PVX_GNT_COPY_TO_GUEST;
	void __user *buf = u64_to_user_ptr(seg->buf);
	struct grant_hold hold;
	enum grant_result res;
	unsigned long left;
	void *kaddr;

	if (seg->offset + seg->len > XEN_PAGE_SIZE)
		return GNTST_bad_copy_arg;
	res = grant_get(vm, seg->ref, to_guest, &hold);
	if (res != GRANT_OK)
		return grant_gntst[res];
	kaddr = kmap_local_page(hold.page) + seg->offset;
	/*
	 * Not copy_from_user(): on a fault it zeroes the rest of the
	 * destination, which here is the guest's page.
	 */
	if (to_guest)
		left = access_ok(buf, seg->len) ?
		       __copy_from_user(kaddr, buf, seg->len) : seg->len;
	else
		left = copy_to_user(buf, kaddr, seg->len);
	kunmap_local(kaddr);
	grant_put(vm, &hold);
	return left ? GNTST_bad_virt_addr : GNTST_okay;
}

/**
 * pv_gnt_copy_ioctl() - PVX_GNT_COPY (uapi/linux/pvx.h).
 * @vm: the VM (PV enabled), from its process, any thread.
 * @arg: the user's struct pvx_gnt_copy.
 *
 * Every segment is checked before any is done; each one then pins its
 * entry and page only while it copies.
 *
 * Return: 0 with each segment's status written back, -EINVAL, -EFAULT,
 * -ENOMEM.
 */
long pv_gnt_copy_ioctl(struct pvx_vm *vm, void __user *arg)
{
	struct pvx_gnt_copy op;
	struct pvx_gnt_copy_seg *segs;
	void __user *usegs;
	u32 i;
	long r = 0;

	if (copy_from_user(&op, arg, sizeof(op)))
		return -EFAULT;
	if (op.flags || !op.nr || op.nr > PVX_GNT_MAX_COPY)
		return -EINVAL;
	usegs = u64_to_user_ptr(op.segs);
	segs = memdup_user(usegs, op.nr * sizeof(*segs));
	if (IS_ERR(segs))
		return PTR_ERR(segs);
	for (i = 0; i < op.nr; i++)
		if ((segs[i].flags & ~PVX_GNT_COPY_TO_GUEST) || segs[i].padding)
			r = -EINVAL;
	if (!r) {
		for (i = 0; i < op.nr; i++)
			segs[i].status = gnt_copy_one(vm, &segs[i]);
		if (copy_to_user(usegs, segs, op.nr * sizeof(*segs)))
			r = -EFAULT;
	}
	kfree(segs);
	return r;
}

/**
 * struct gnt_map - a PVX_GNT_MAP fd.
 * @vm:		the VM, referenced: its table must outlive the fd.
 * @hold:	the entry and its pinned page.
 */
struct gnt_map {
	struct pvx_vm *vm;
	struct grant_hold hold;
};

/*
 * mmap of 4096 bytes at offset 0, shared. Guest RAM is anonymous memory
 * (vm_insert_page() refuses it): the pinned page's frame is mapped as a
 * PFN map, which the page's pin outlives (the fd is released after the
 * last mapping is gone). A read-only map can never become writable.
 */
static int gnt_map_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct gnt_map *map = file->private_data;

	if (vma->vm_pgoff || vma->vm_end - vma->vm_start != PAGE_SIZE ||
	    !(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (!map->hold.write) {
		if (vma->vm_flags & VM_WRITE)
			return -EACCES;
		vma->vm_flags &= ~VM_MAYWRITE;
	}
	return remap_pfn_range(vma, vma->vm_start, page_to_pfn(map->hold.page),
			       PAGE_SIZE, vma->vm_page_prot);
}

/* End a map: clear its flags, unpin its page, let go of the VM. */
static void gnt_map_free(struct gnt_map *map)
{
	grant_put(map->vm, &map->hold);
	pvx_vm_put(map->vm);
	kfree(map);
}

/* The fd's last reference (its mappings hold one each) is gone. */
static int gnt_map_release(struct inode *inode, struct file *file)
{
	gnt_map_free(file->private_data);
	return 0;
}

static const struct file_operations gnt_map_fops = {
	.owner = THIS_MODULE,
	.mmap = gnt_map_mmap,
	.release = gnt_map_release,
	.llseek = noop_llseek,
};

/**
 * pv_gnt_map_ioctl() - PVX_GNT_MAP (uapi/linux/pvx.h).
 * @vm: the VM (PV enabled), from its process.
 * @arg: the user's struct pvx_gnt_map.
 *
 * Return: the new fd (opened read-only for PVX_GNT_MAP_READONLY), or
 * -EINVAL, -EACCES, -EROFS, -EAGAIN, -EFAULT, -EMFILE, -ENOMEM.
 */
long pv_gnt_map_ioctl(struct pvx_vm *vm, void __user *arg)
{
	struct pvx_gnt_map req;
	enum grant_result res;
	struct gnt_map *map;
	bool readonly;
	int fd;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if ((req.flags & ~PVX_GNT_MAP_READONLY) || req.reserved)
		return -EINVAL;
	readonly = req.flags & PVX_GNT_MAP_READONLY;
	map = kzalloc(sizeof(*map), GFP_KERNEL_ACCOUNT);
	if (!map)
		return -ENOMEM;
	res = grant_get(vm, req.ref, !readonly, &map->hold);
	if (res != GRANT_OK) {
		kfree(map);
		return grant_errno[res];
	}
	kref_get(&vm->kref);
	map->vm = vm;
	fd = anon_inode_getfd("pvx-gnt", &gnt_map_fops, map,
			      (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (fd < 0)
		gnt_map_free(map);
	return fd;
}
