// SPDX-License-Identifier: LGPL-2.1
/*
 * libpvx: booting a kernel the Xen PVH way (Xen docs/misc/pvh.pandoc;
 * fact sheet research/linux-pvh-guest.md section 1).
 *
 *  - The kernel is an ELF (32- or 64-bit) whose PT_LOAD segments go at
 *    their physical addresses (p_paddr) and whose PT_NOTE segments hold
 *    the note owner "Xen", type XEN_ELFNOTE_PHYS32_ENTRY (18), with a 4-
 *    or 8-byte physical entry address (Xen public/elfnote.h).
 *  - A bzImage carries no such note: its payload (setup header fields
 *    payload_offset at 0x248 and payload_length at 0x24c, boot protocol
 *    2.08 and later, Linux Documentation/x86/boot.rst) is the compressed
 *    ELF vmlinux, xz on Debian; it is decompressed here with liblzma.
 *    The payload's last 4 bytes are the decompressed size (Linux
 *    scripts/Makefile.lib size_append): a first guess for the buffer.
 *  - The vCPU starts in 32-bit flat protected mode, paging off, with EBX
 *    = the guest-physical address of struct hvm_start_info version 1:
 *    command line, modules (module 0 is the initrd), memory map and RSDP
 *    (Xen public/arch-x86/hvm/start_info.h).
 * Nothing in a file is trusted: every offset and size is checked first.
 */
#include <elf.h>
#include <errno.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <linux/pvx_xen.h>

#include "libpvx.h"

#define BZ_SETUP_SECTS	0x1f1
#define BZ_MAGIC	0x202		/* "HdrS" */
#define BZ_VERSION	0x206
#define BZ_PAYLOAD_OFF	0x248
#define BZ_PAYLOAD_LEN	0x24c
#define BZ_HDR_END	0x250
#define XZ_MAGIC	"\xfd" "7zXZ"	/* and a NUL: 6 bytes */
#define KERNEL_MAX	(1ULL << 30)	/* a decompressed kernel, at most */

static bool in_buf(uint64_t off, uint64_t size, size_t len)
{
	return off <= len && size <= len - off;
}

static uint32_t get32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

bool pvx_is_bzimage(const void *buf, size_t len)
{
	const uint8_t *b = buf;

	return len >= BZ_HDR_END && !memcmp(b + BZ_MAGIC, "HdrS", 4);
}

int pvx_bzimage_payload(const void *buf, size_t len, const void **payload,
			size_t *plen)
{
	const uint8_t *b = buf;
	unsigned int sects;
	uint64_t off, size;

	if (!pvx_is_bzimage(buf, len))
		return -ENOEXEC;
	if ((b[BZ_VERSION] | b[BZ_VERSION + 1] << 8) < 0x208)
		return -EPROTONOSUPPORT;	/* no payload fields before 2.08 */
	sects = b[BZ_SETUP_SECTS] ? b[BZ_SETUP_SECTS] : 4;
	off = (uint64_t)(sects + 1) * 512 + get32(b + BZ_PAYLOAD_OFF);
	size = get32(b + BZ_PAYLOAD_LEN);
	if (size < 4 || !in_buf(off, size, len))
		return -ENOEXEC;
	*payload = b + off;
	*plen = size;
	return 0;
}

/* Decompress the xz stream at @in; trailing bytes after it are ignored. */
static int xz_decompress(const uint8_t *in, size_t in_len, size_t guess,
			 void **out, size_t *out_len)
{
	lzma_stream s = LZMA_STREAM_INIT;
	size_t cap = guess ? guess : in_len * 4;
	uint8_t *buf = NULL;
	lzma_ret r;

	if (lzma_stream_decoder(&s, UINT64_MAX, 0) != LZMA_OK)
		return -ENOMEM;
	s.next_in = in;
	s.avail_in = in_len;
	do {
		uint8_t *nb;

		if (cap > KERNEL_MAX) {
			r = LZMA_MEMLIMIT_ERROR;
			break;
		}
		nb = realloc(buf, cap);
		if (!nb) {
			r = LZMA_MEM_ERROR;
			break;
		}
		buf = nb;
		s.next_out = buf + s.total_out;
		s.avail_out = cap - s.total_out;
		r = lzma_code(&s, LZMA_FINISH);
		cap *= 2;
	} while (r == LZMA_OK || (r == LZMA_BUF_ERROR && !s.avail_out));
	*out_len = s.total_out;
	lzma_end(&s);
	if (r != LZMA_STREAM_END) {
		free(buf);
		return r == LZMA_MEM_ERROR ? -ENOMEM : -EBADMSG;
	}
	*out = buf;
	return 0;
}

int pvx_kernel_to_elf(const void *buf, size_t len, void **elf, size_t *elf_len)
{
	const uint8_t *p;
	size_t plen;
	int r;

	if (pvx_is_elf(buf, len)) {
		*elf = malloc(len ? len : 1);
		if (!*elf)
			return -ENOMEM;
		memcpy(*elf, buf, len);
		*elf_len = len;
		return 0;
	}
	r = pvx_bzimage_payload(buf, len, (const void **)&p, &plen);
	if (r)
		return r;
	if (plen < 6 || memcmp(p, XZ_MAGIC, 6))
		return -EPROTONOSUPPORT;	/* only xz is decompressed */
	return xz_decompress(p, plen, get32(p + plen - 4), elf, elf_len);
}

/* A program header of either class. */
struct pvh_phdr {
	uint32_t type;
	uint64_t offset, paddr, filesz, memsz;
};

struct pvh_elf {
	const uint8_t *b;
	size_t len;
	bool is64;
	uint64_t phoff;
	unsigned int phnum;
};

static int pvh_elf_open(struct pvh_elf *e, const void *buf, size_t len)
{
	const uint8_t *b = buf;
	unsigned int phentsize;
	uint16_t type, machine;

	if (!pvx_is_elf(buf, len) || len < sizeof(Elf32_Ehdr) ||
	    b[EI_DATA] != ELFDATA2LSB || b[EI_VERSION] != EV_CURRENT)
		return -ENOEXEC;
	e->b = b;
	e->len = len;
	e->is64 = b[EI_CLASS] == ELFCLASS64;
	if (!e->is64 && b[EI_CLASS] != ELFCLASS32)
		return -ENOEXEC;
	if (e->is64 && len < sizeof(Elf64_Ehdr))
		return -ENOEXEC;
	if (e->is64) {
		Elf64_Ehdr h;

		memcpy(&h, b, sizeof(h));
		type = h.e_type;
		machine = h.e_machine;
		e->phoff = h.e_phoff;
		e->phnum = h.e_phnum;
		phentsize = h.e_phentsize;
	} else {
		Elf32_Ehdr h;

		memcpy(&h, b, sizeof(h));
		type = h.e_type;
		machine = h.e_machine;
		e->phoff = h.e_phoff;
		e->phnum = h.e_phnum;
		phentsize = h.e_phentsize;
	}
	if (type != ET_EXEC || (machine != EM_X86_64 && machine != EM_386))
		return -ENOEXEC;
	if (phentsize != (e->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)) ||
	    !e->phnum || e->phnum == PN_XNUM ||
	    !in_buf(e->phoff, (uint64_t)e->phnum * phentsize, len))
		return -ENOEXEC;
	return 0;
}

static void pvh_elf_phdr(const struct pvh_elf *e, unsigned int i,
			 struct pvh_phdr *ph)
{
	if (e->is64) {
		Elf64_Phdr p;

		memcpy(&p, e->b + e->phoff + (uint64_t)i * sizeof(p), sizeof(p));
		*ph = (struct pvh_phdr){ p.p_type, p.p_offset, p.p_paddr,
					 p.p_filesz, p.p_memsz };
	} else {
		Elf32_Phdr p;

		memcpy(&p, e->b + e->phoff + (uint64_t)i * sizeof(p), sizeof(p));
		*ph = (struct pvh_phdr){ p.p_type, p.p_offset, p.p_paddr,
					 p.p_filesz, p.p_memsz };
	}
}

/* Search one PT_NOTE's notes for Xen's PHYS32_ENTRY: 1 found, 0 not, -errno. */
static int pvh_note_entry(const uint8_t *n, uint64_t size, uint64_t *entry)
{
	uint64_t off = 0;

	while (size - off >= 12) {
		uint32_t namesz = get32(n + off), descsz = get32(n + off + 4),
			 type = get32(n + off + 8);
		uint64_t name = off + 12, desc = name + ((namesz + 3ULL) & ~3ULL),
			 next = desc + ((descsz + 3ULL) & ~3ULL);

		if (next > size || desc + descsz > size)
			return -ENOEXEC;
		if (namesz == 4 && !memcmp(n + name, "Xen", 4) &&
		    type == XEN_ELFNOTE_PHYS32_ENTRY) {
			if (descsz == 4)
				*entry = get32(n + desc);
			else if (descsz == 8)
				*entry = get32(n + desc) |
					 (uint64_t)get32(n + desc + 4) << 32;
			else
				return -ENOEXEC;
			return 1;
		}
		off = next;
	}
	return 0;
}

int pvx_pvh_entry(const void *buf, size_t len, uint64_t *entry)
{
	struct pvh_elf e;
	int r = pvh_elf_open(&e, buf, len);

	for (unsigned int i = 0; !r && i < e.phnum; i++) {
		struct pvh_phdr ph;

		pvh_elf_phdr(&e, i, &ph);
		if (ph.type != PT_NOTE)
			continue;
		if (!in_buf(ph.offset, ph.filesz, len))
			return -ENOEXEC;
		r = pvh_note_entry(e.b + ph.offset, ph.filesz, entry);
		if (r)
			return r < 0 ? r : 0;
	}
	return r ? r : -ENOENT;
}

int pvx_pvh_load(struct pvx_memmap *mm, const void *buf, size_t len,
		 struct pvx_image *img)
{
	struct pvh_elf e;
	uint64_t entry;
	int r = pvh_elf_open(&e, buf, len);

	if (!r)
		r = pvx_pvh_entry(buf, len, &entry);
	if (r)
		return r;
	*img = (struct pvx_image){ .entry = entry };
	/* Check every segment before a byte is copied. */
	for (unsigned int i = 0; i < e.phnum; i++) {
		struct pvh_phdr ph;

		pvh_elf_phdr(&e, i, &ph);
		if (ph.type != PT_LOAD || !ph.memsz)
			continue;
		if (ph.filesz > ph.memsz || !in_buf(ph.offset, ph.filesz, len) ||
		    ph.paddr + ph.memsz < ph.paddr)
			return -ENOEXEC;
		if (!pvx_gpa_to_host(mm, ph.paddr, ph.memsz))
			return -EFAULT;
		if (img->nseg == PVX_IMAGE_MAX_SEGS)
			return -ENOEXEC;
		img->seg[img->nseg].gpa = ph.paddr;
		img->seg[img->nseg++].size = ph.memsz;
	}
	if (!img->nseg || entry >> 32)
		return -ENOEXEC;	/* the entry runs in 32-bit mode */
	for (unsigned int i = 0; i < e.phnum; i++) {
		struct pvh_phdr ph;
		uint8_t *dst;

		pvh_elf_phdr(&e, i, &ph);
		if (ph.type != PT_LOAD || !ph.memsz)
			continue;
		dst = pvx_gpa_to_host(mm, ph.paddr, ph.memsz);
		memcpy(dst, e.b + ph.offset, ph.filesz);
		memset(dst + ph.filesz, 0, ph.memsz - ph.filesz);
	}
	return 0;
}

int pvx_pvh_memmap(uint64_t ram_bytes, struct hvm_memmap_table_entry *map,
		   unsigned int max)
{
	const struct hvm_memmap_table_entry want[] = {
		{ 0, ram_bytes, XEN_HVM_MEMMAP_TYPE_RAM, 0 },
		{ PVX_PVH_ACPI_GPA, PVX_PVH_ACPI_SIZE, XEN_HVM_MEMMAP_TYPE_NVS, 0 },
		{ PVX_PVH_SPECIAL_GPA, PVX_PVH_SPECIAL_SIZE,
		  XEN_HVM_MEMMAP_TYPE_RESERVED, 0 },
	};
	unsigned int n = sizeof(want) / sizeof(want[0]);

	if (!ram_bytes || ram_bytes > PVX_PVH_RAM_MAX || ram_bytes & 0xfff)
		return -EINVAL;
	if (max < n)
		return -E2BIG;
	memcpy(map, want, sizeof(want));
	return n;
}

int pvx_pvh_write_start_info(struct pvx_memmap *mm, const struct pvx_pvh_boot *b)
{
	uint8_t *page = pvx_gpa_to_host(mm, b->info_gpa, PVX_PVH_INFO_SIZE);
	size_t cmdlen = b->cmdline ? strlen(b->cmdline) + 1 : 0;
	struct hvm_start_info si = {
		.magic = XEN_HVM_START_MAGIC_VALUE,
		.version = 1,
		.rsdp_paddr = b->rsdp_gpa,
	};

	if (!page)
		return -EFAULT;
	if (b->nr_memmap > PVX_PVH_MAX_MEMMAP)
		return -E2BIG;
	if (cmdlen > PVX_PVH_INFO_SIZE - PVX_PVH_CMDLINE_OFF)
		return -E2BIG;
	memset(page, 0, PVX_PVH_INFO_SIZE);
	if (b->initrd_size) {
		struct hvm_modlist_entry mod = {
			.paddr = b->initrd_gpa, .size = b->initrd_size,
		};

		memcpy(page + PVX_PVH_MODLIST_OFF, &mod, sizeof(mod));
		si.nr_modules = 1;
		si.modlist_paddr = b->info_gpa + PVX_PVH_MODLIST_OFF;
	}
	if (cmdlen) {
		memcpy(page + PVX_PVH_CMDLINE_OFF, b->cmdline, cmdlen);
		si.cmdline_paddr = b->info_gpa + PVX_PVH_CMDLINE_OFF;
	}
	if (b->nr_memmap) {
		memcpy(page + PVX_PVH_MEMMAP_OFF, b->memmap,
		       b->nr_memmap * sizeof(*b->memmap));
		si.memmap_paddr = b->info_gpa + PVX_PVH_MEMMAP_OFF;
		si.memmap_entries = b->nr_memmap;
	}
	memcpy(page, &si, sizeof(si));
	return 0;
}

int pvx_pvh_setup_vcpu(struct pvx_vcpu *vcpu, uint64_t entry,
		       uint64_t info_gpa)
{
	struct pvx_sregs s;
	struct pvx_regs r;
	int err;

	/* 32-bit flat code and data, CR0 = PE (+ET), CR4 = 0, EFLAGS 0x2. */
	err = pvx_mode_fill(PVX_MODE_PROT, entry, 0, &s, &r);
	if (err)
		return err;
	r.rbx = info_gpa;
	err = pvx_vcpu_set_sregs(vcpu, &s);
	return err ? err : pvx_vcpu_set_regs(vcpu, &r);
}
