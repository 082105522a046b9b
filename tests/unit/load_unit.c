// SPDX-License-Identifier: GPL-2.0
/*
 * load_unit GUEST_DIR: libpvx's memory map and loaders on the host: slot
 * bookkeeping and translation at the edges, flat images, the guest images
 * of GUEST_DIR (build/guest) loaded as pvxctl loads them, and ELF files
 * that are wrong in every way the loader checks, plus random corruption of
 * a real one: never a write outside RAM, never a crash.
 */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "unit.h"

#define RAM_SIZE	(4ULL << 20)

static const char *guest_dir;

static bool memmap_slots(void)
{
	struct pvx_memmap mm = { 0 };
	char a[0x2000], b[0x1000];
	bool ok = true;

	EXPECT(pvx_memmap_add(&mm, 0, 0x1000, sizeof(a), a, 0) == 0);
	EXPECT(pvx_memmap_add(&mm, 0, 0x10000, sizeof(b), b, 0) == -EEXIST);
	EXPECT(pvx_memmap_add(&mm, 1, 0x2000, sizeof(b), b, 0) == -EBUSY);
	EXPECT(pvx_memmap_add(&mm, 1, 0x0, 0x1001, b, 0) == -EBUSY);
	EXPECT(pvx_memmap_add(&mm, PVX_MAX_MEM_SLOTS, 0x10000, 1, b, 0) == -EINVAL);
	EXPECT(pvx_memmap_add(&mm, 1, 0x10000, 0, b, 0) == -EINVAL);
	EXPECT(pvx_memmap_add(&mm, 1, ~0ULL - 10, 0x1000, b, 0) == -EINVAL);
	EXPECT(pvx_memmap_add(&mm, 1, 0x3000, sizeof(b), b, PVX_MEM_READONLY) == 0);
	EXPECT(pvx_gpa_to_host(&mm, 0x1000, 1) == a);
	EXPECT(pvx_gpa_to_host(&mm, 0x2fff, 1) == a + 0x1fff);
	EXPECT(pvx_gpa_to_host(&mm, 0x1000, sizeof(a)) == a);
	EXPECT(pvx_gpa_to_host(&mm, 0x3000, 0x1000) == b);
	/* Adjacent slots are still two slots: no access spans them. */
	EXPECT(pvx_gpa_to_host(&mm, 0x2fff, 2) == NULL);
	EXPECT(pvx_gpa_to_host(&mm, 0x0fff, 1) == NULL);
	EXPECT(pvx_gpa_to_host(&mm, 0x4000, 1) == NULL);
	EXPECT(pvx_gpa_to_host(&mm, 0x1000, ~0ULL) == NULL);
	EXPECT(pvx_gpa_to_host(&mm, 0x3000, 0) == b);
	pvx_memmap_release(&mm, 1);
	EXPECT(pvx_gpa_to_host(&mm, 0x3000, 1) == NULL);
	EXPECT(pvx_memmap_add(&mm, 1, 0x2000, sizeof(b), b, 0) == -EBUSY);
	return ok;
}

static bool flat_images(void)
{
	struct pvx_memmap mm;
	struct pvx_image img;
	char *ram = unit_ram(&mm, RAM_SIZE);
	static const char code[] = { 0xf4, 0xeb, 0xfd };
	bool ok = true;

	EXPECT(pvx_load_flat(&mm, 0x7c00, code, sizeof(code), &img) == 0);
	EXPECT(img.entry == 0x7c00 && img.nseg == 1 && img.seg[0].gpa == 0x7c00 &&
	       img.seg[0].size == sizeof(code));
	EXPECT(!memcmp(ram + 0x7c00, code, sizeof(code)));
	EXPECT(pvx_load_flat(&mm, RAM_SIZE - 2, code, sizeof(code), &img) == -EFAULT);
	EXPECT(pvx_load_flat(&mm, RAM_SIZE - 3, code, sizeof(code), &img) == 0);
	EXPECT(pvx_image_overlaps(&img, RAM_SIZE - 1, RAM_SIZE));
	EXPECT(!pvx_image_overlaps(&img, 0, RAM_SIZE - 3));
	EXPECT(!pvx_is_elf(code, sizeof(code)));
	unit_ram_free(ram, RAM_SIZE);
	return ok;
}

/* A file of GUEST_DIR, malloc'd. */
static void *guest_file(const char *name, size_t *len)
{
	char path[512];
	void *buf;

	snprintf(path, sizeof(path), "%s/%s", guest_dir, name);
	if (pvx_read_file(path, 1 << 24, &buf, len))
		tap_bail("cannot read %s (make guests)", path);
	return buf;
}

/* Every PT_LOAD of @elf is in RAM as the file has it, bss zero. */
static bool segments_loaded(const char *ram, const uint8_t *elf)
{
	Elf64_Ehdr eh;
	bool ok = true;

	memcpy(&eh, elf, sizeof(eh));
	for (int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, elf + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD)
			continue;
		EXPECT(ph.p_paddr == ph.p_vaddr);
		EXPECT(!memcmp(ram + ph.p_paddr, elf + ph.p_offset, ph.p_filesz));
		for (uint64_t b = ph.p_filesz; b < ph.p_memsz; b++)
			ok &= ram[ph.p_paddr + b] == 0;
	}
	return ok;
}

static bool hello_elf(void)
{
	struct pvx_memmap mm;
	struct pvx_image img;
	char *ram = unit_ram(&mm, RAM_SIZE);
	size_t len;
	uint8_t *elf = guest_file("hello", &len);
	uint64_t lo, hi;
	bool ok = true;

	memset(ram, 0xa5, RAM_SIZE);	/* bss must come out zero */
	EXPECT(pvx_is_elf(elf, len));
	EXPECT(pvx_load_elf(&mm, elf, len, &img) == 0);
	EXPECT(img.entry == PVX_IMAGE_GPA);
	EXPECT(img.nseg >= 1 && img.seg[0].gpa == PVX_IMAGE_GPA);
	EXPECT(segments_loaded(ram, elf));
	pvx_mode_reserved(PVX_MODE_LONG, &lo, &hi);
	EXPECT(!pvx_image_overlaps(&img, lo, hi));
	/* The string the guest prints is in the image. */
	EXPECT(memmem(ram + PVX_IMAGE_GPA, 0x10000, "hello from a pvx guest\n", 23));
	free(elf);
	unit_ram_free(ram, RAM_SIZE);
	return ok;
}

static bool hello16_flat(void)
{
	struct pvx_memmap mm;
	struct pvx_image img;
	char *ram = unit_ram(&mm, RAM_SIZE);
	size_t len;
	uint8_t *bin = guest_file("hello16.bin", &len);
	uint64_t lo, hi;
	bool ok = true;

	EXPECT(!pvx_is_elf(bin, len));
	EXPECT(len < 512);	/* it would even fit a boot sector */
	EXPECT(pvx_load_flat(&mm, pvx_mode_image_gpa(PVX_MODE_REAL), bin, len,
			     &img) == 0);
	EXPECT(img.entry == 0x7c00);
	pvx_mode_reserved(PVX_MODE_REAL, &lo, &hi);
	EXPECT(!pvx_image_overlaps(&img, lo, hi));
	EXPECT(memmem(bin, len, "hello from a real-mode pvx guest\n", 33));
	free(bin);
	unit_ram_free(ram, RAM_SIZE);
	return ok;
}

/* A small valid ELF: one PT_LOAD at 1 MiB, 16 bytes of file, 64 of memory. */
struct mini_elf {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[PVX_IMAGE_MAX_SEGS + 1];
	uint8_t text[16];
};

static void mini_elf(struct mini_elf *e)
{
	memset(e, 0, sizeof(*e));
	memcpy(e->eh.e_ident, ELFMAG, SELFMAG);
	e->eh.e_ident[EI_CLASS] = ELFCLASS64;
	e->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	e->eh.e_ident[EI_VERSION] = EV_CURRENT;
	e->eh.e_type = ET_EXEC;
	e->eh.e_machine = EM_X86_64;
	e->eh.e_version = EV_CURRENT;
	e->eh.e_entry = 0x100000;
	e->eh.e_phoff = offsetof(struct mini_elf, ph);
	e->eh.e_ehsize = sizeof(Elf64_Ehdr);
	e->eh.e_phentsize = sizeof(Elf64_Phdr);
	e->eh.e_phnum = 1;
	e->ph[0] = (Elf64_Phdr){
		.p_type = PT_LOAD, .p_flags = PF_R | PF_X,
		.p_offset = offsetof(struct mini_elf, text),
		.p_vaddr = 0x100000, .p_paddr = 0x100000,
		.p_filesz = sizeof(e->text), .p_memsz = 64,
	};
	memset(e->text, 0xcc, sizeof(e->text));
}

#define SPOIL(name, stmt) static void name(struct mini_elf *e) { stmt; }
SPOIL(bad_magic, e->eh.e_ident[1] = 'F')
SPOIL(class32, e->eh.e_ident[EI_CLASS] = ELFCLASS32)
SPOIL(big_endian, e->eh.e_ident[EI_DATA] = ELFDATA2MSB)
SPOIL(dyn, e->eh.e_type = ET_DYN)
SPOIL(i386, e->eh.e_machine = EM_386)
SPOIL(phentsize, e->eh.e_phentsize = 32)
SPOIL(no_phdrs, e->eh.e_phnum = 0)
SPOIL(xnum, e->eh.e_phnum = PN_XNUM)
SPOIL(phoff_past_end, e->eh.e_phoff = sizeof(*e))
SPOIL(phoff_wraps, e->eh.e_phoff = ~0ULL - 8)
SPOIL(phnum_past_end, e->eh.e_phnum = 40)
SPOIL(filesz_gt_memsz, e->ph[0].p_memsz = 8)
SPOIL(offset_past_end, e->ph[0].p_offset = sizeof(*e) - 8)
SPOIL(offset_wraps, e->ph[0].p_offset = ~0ULL - 4)
SPOIL(paddr_wraps, e->ph[0].p_paddr = ~0ULL - 16)
SPOIL(entry_outside, e->eh.e_entry = 0x200000)
SPOIL(interp, e->ph[1] = e->ph[0]; e->ph[1].p_type = PT_INTERP; e->eh.e_phnum = 2)
SPOIL(dynamic, e->ph[1] = e->ph[0]; e->ph[1].p_type = PT_DYNAMIC; e->eh.e_phnum = 2)
SPOIL(outside_ram, e->ph[0].p_paddr = RAM_SIZE - 32)
SPOIL(second_outside_ram, e->ph[1] = e->ph[0]; e->ph[1].p_paddr = RAM_SIZE;
      e->eh.e_phnum = 2)
SPOIL(too_many_loads,
      for (int i = 1; i <= PVX_IMAGE_MAX_SEGS; i++) e->ph[i] = e->ph[0];
      e->eh.e_phnum = PVX_IMAGE_MAX_SEGS + 1)

/* A change that makes the mini ELF wrong, and the error it must get. */
static const struct elf_fault {
	const char *what;
	void (*spoil)(struct mini_elf *e);
	int err;
} elf_faults[] = {
	{ "bad magic", bad_magic, -ENOEXEC },
	{ "ELFCLASS32", class32, -ENOEXEC },
	{ "big-endian", big_endian, -ENOEXEC },
	{ "ET_DYN", dyn, -ENOEXEC },
	{ "EM_386", i386, -ENOEXEC },
	{ "e_phentsize", phentsize, -ENOEXEC },
	{ "no program headers", no_phdrs, -ENOEXEC },
	{ "PN_XNUM", xnum, -ENOEXEC },
	{ "e_phoff past the end", phoff_past_end, -ENOEXEC },
	{ "e_phoff wraps", phoff_wraps, -ENOEXEC },
	{ "e_phnum past the end", phnum_past_end, -ENOEXEC },
	{ "p_filesz > p_memsz", filesz_gt_memsz, -ENOEXEC },
	{ "p_offset past the end", offset_past_end, -ENOEXEC },
	{ "p_offset wraps", offset_wraps, -ENOEXEC },
	{ "p_paddr wraps", paddr_wraps, -ENOEXEC },
	{ "entry outside every segment", entry_outside, -ENOEXEC },
	{ "PT_INTERP", interp, -ENOEXEC },
	{ "PT_DYNAMIC", dynamic, -ENOEXEC },
	{ "segment past the end of RAM", outside_ram, -EFAULT },
	{ "second segment outside RAM", second_outside_ram, -EFAULT },
	{ "more than PVX_IMAGE_MAX_SEGS PT_LOADs", too_many_loads, -ENOEXEC },
};

static bool elf_rejects(void)
{
	struct pvx_memmap mm;
	struct pvx_image img;
	char *ram = unit_ram(&mm, RAM_SIZE);
	struct mini_elf e;
	bool ok = true;

	mini_elf(&e);
	memset(ram + 0x100000, 0xa5, 64);
	EXPECT(pvx_load_elf(&mm, &e, sizeof(e), &img) == 0);
	EXPECT(img.entry == 0x100000 && img.nseg == 1 && img.seg[0].size == 64);
	EXPECT(!memcmp(ram + 0x100000, e.text, 16) && ram[0x100000 + 63] == 0);
	for (size_t i = 0; i < sizeof(elf_faults) / sizeof(elf_faults[0]); i++) {
		int r;

		mini_elf(&e);
		elf_faults[i].spoil(&e);
		memset(ram + 0x100000, 0, 64);
		r = pvx_load_elf(&mm, &e, sizeof(e), &img);
		if (r != elf_faults[i].err)
			tap_diag("%s: got %d, want %d", elf_faults[i].what, r,
				 elf_faults[i].err);
		ok &= r == elf_faults[i].err;
		/* Checked first, copied after: a refused file wrote nothing. */
		ok &= ram[0x100000] == 0;
	}
	/* Every truncation of a valid file is refused, none read past it. */
	mini_elf(&e);
	for (size_t len = 0; len < sizeof(e); len++)
		ok &= pvx_load_elf(&mm, &e, len, &img) == -ENOEXEC;
	unit_ram_free(ram, RAM_SIZE);
	return ok;
}

/*
 * Random bytes in the headers of the real guest: whatever the loader
 * accepts must lie inside RAM; what it refuses, it refuses with the
 * documented errors. (Run under ASan/UBSan to see reads past the file.)
 */
static bool elf_fuzz(void)
{
	struct pvx_memmap mm;
	struct pvx_image img;
	char *ram = unit_ram(&mm, RAM_SIZE);
	size_t len;
	uint8_t *elf = guest_file("hello", &len), *copy = malloc(len);
	unsigned int seed = 1, accepted = 0;
	bool ok = true;

	for (int round = 0; round < 20000; round++) {
		int r;

		memcpy(copy, elf, len);
		for (int n = 1 + rand_r(&seed) % 4; n; n--)
			copy[rand_r(&seed) % (64 + 2 * 56)] = rand_r(&seed);
		r = pvx_load_elf(&mm, copy, len, &img);
		ok &= r == 0 || r == -ENOEXEC || r == -EFAULT;
		for (unsigned int s = 0; !r && s < img.nseg; s++)
			ok &= img.seg[s].gpa + img.seg[s].size <= RAM_SIZE;
		accepted += !r;
	}
	tap_diag("elf_fuzz: %u of 20000 corrupted files accepted", accepted);
	free(copy);
	free(elf);
	unit_ram_free(ram, RAM_SIZE);
	return ok;
}

static bool read_file(void)
{
	void *buf;
	size_t len;
	char path[512];
	bool ok = true;

	snprintf(path, sizeof(path), "%s/hello16.bin", guest_dir);
	EXPECT(pvx_read_file(path, 16, &buf, &len) == -EFBIG);
	EXPECT(pvx_read_file(guest_dir, 1 << 20, &buf, &len) == -EINVAL);
	EXPECT(pvx_read_file("/nonexistent/x", 1 << 20, &buf, &len) == -ENOENT);
	EXPECT(pvx_read_file(path, 1 << 20, &buf, &len) == 0 && len > 16);
	if (ok)
		free(buf);
	return ok;
}

static const struct unit_case cases[] = {
	{ "memmap: slots, overlaps, translation at the edges", memmap_slots },
	{ "flat images: placed, bounded by RAM", flat_images },
	{ "guest hello: ELF loaded at 1 MiB, entry, bss, clear of the tables", hello_elf },
	{ "guest hello16.bin: flat at 0x7c00, clear of the real-mode stacks", hello16_flat },
	{ "ELF: each malformed header or segment refused, nothing written", elf_rejects },
	{ "ELF: 20000 randomly corrupted headers never load outside RAM", elf_fuzz },
	{ "pvx_read_file: size limit, directories, missing files", read_file },
};

int main(int argc, char **argv)
{
	guest_dir = argc > 1 ? argv[1] : "build/guest";
	return UNIT_RUN(cases);
}
