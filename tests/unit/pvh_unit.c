// SPDX-License-Identifier: GPL-2.0
/*
 * pvh_unit: libpvx's PVH boot path on the host (libpvx_pvh.c,
 * libpvx_acpi.c):
 *  - ELF32 and ELF64 kernels with the Xen PHYS32_ENTRY note (4- and
 *    8-byte descriptors): segments at p_paddr, the rest of p_memsz
 *    zeroed, the entry from the note; no note, a bad descriptor size, a
 *    note running off its segment, a segment outside RAM, a 64-bit entry
 *    are refused before a byte is copied;
 *  - a bzImage built here (setup header 2.08+, xz payload with the size
 *    appended) gives back the ELF; older protocol, a payload past the
 *    file, another compressor and a corrupt stream are refused;
 *  - the box kernel's own vmlinuz (build/box/kernel, when present): its
 *    ELF has the PVH entry and PT_LOADs from 16 MiB;
 *  - hvm_start_info v1 read back (magic, cmdline, module 0, memmap,
 *    RSDP), the PVH memory map, and the limits;
 *  - the ACPI tables parsed back: every checksum, RSDP rev 2 -> XSDT ->
 *    FADT rev 5 (IA-PC flags NO_VGA|NO_CMOS_RTC, no 8042, HW_REDUCED_ACPI)
 *    -> FACS, DSDT
 *    (empty), MADT (flags 0, one enabled local APIC per vCPU, no
 *    IO-APIC).
 */
#include <elf.h>
#include <errno.h>
#include <glob.h>
#include <lzma.h>
#include <string.h>

#include "unit.h"

#define RAM_SIZE	(8ULL << 20)
#define SEG_PADDR	0x200000ULL
#define ENTRY		0x200010ULL

/* An ELF with one PT_LOAD (8 bytes of file, 64 of memory) and one PT_NOTE. */
struct test_elf {
	uint8_t b[512];
	size_t len;
};

static size_t put_note(uint8_t *p, uint32_t type, uint32_t descsz, uint64_t v)
{
	uint32_t hdr[3] = { 4, descsz, type };

	memcpy(p, hdr, 12);
	memcpy(p + 12, "Xen", 4);
	memcpy(p + 16, &v, descsz > 8 ? 8 : descsz);
	return 16 + ((descsz + 3) & ~3U);
}

static void make_elf(struct test_elf *e, bool is64, uint32_t descsz,
		     uint64_t entry)
{
	size_t ehsz = is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	size_t phsz = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	size_t data = ehsz + 2 * phsz, note = data + 8, notelen;

	memset(e, 0, sizeof(*e));
	memcpy(e->b + data, "PVHDATA!", 8);
	/* An unrelated note first, then Xen's. */
	notelen = put_note(e->b + note, 6, 4, 0x1234);
	notelen += put_note(e->b + note + notelen, XEN_ELFNOTE_PHYS32_ENTRY,
			    descsz, entry);
	e->len = note + notelen;
	if (is64) {
		Elf64_Ehdr h = { .e_type = ET_EXEC, .e_machine = EM_X86_64,
			.e_version = EV_CURRENT, .e_phoff = ehsz,
			.e_ehsize = ehsz, .e_phentsize = phsz, .e_phnum = 2 };
		Elf64_Phdr ph[2] = {
			{ .p_type = PT_LOAD, .p_offset = data, .p_paddr = SEG_PADDR,
			  .p_vaddr = 0xffffffff80000000ULL, .p_filesz = 8,
			  .p_memsz = 64 },
			{ .p_type = PT_NOTE, .p_offset = note, .p_filesz = notelen },
		};

		memcpy(h.e_ident, ELFMAG, SELFMAG);
		h.e_ident[EI_CLASS] = ELFCLASS64;
		h.e_ident[EI_DATA] = ELFDATA2LSB;
		h.e_ident[EI_VERSION] = EV_CURRENT;
		memcpy(e->b, &h, sizeof(h));
		memcpy(e->b + ehsz, ph, sizeof(ph));
	} else {
		Elf32_Ehdr h = { .e_type = ET_EXEC, .e_machine = EM_386,
			.e_version = EV_CURRENT, .e_phoff = ehsz,
			.e_ehsize = ehsz, .e_phentsize = phsz, .e_phnum = 2 };
		Elf32_Phdr ph[2] = {
			{ .p_type = PT_LOAD, .p_offset = data, .p_paddr = SEG_PADDR,
			  .p_vaddr = SEG_PADDR, .p_filesz = 8, .p_memsz = 64 },
			{ .p_type = PT_NOTE, .p_offset = note, .p_filesz = notelen },
		};

		memcpy(h.e_ident, ELFMAG, SELFMAG);
		h.e_ident[EI_CLASS] = ELFCLASS32;
		h.e_ident[EI_DATA] = ELFDATA2LSB;
		h.e_ident[EI_VERSION] = EV_CURRENT;
		memcpy(e->b, &h, sizeof(h));
		memcpy(e->b + ehsz, ph, sizeof(ph));
	}
}

static bool load_ok(bool is64, uint32_t descsz)
{
	struct pvx_memmap mm;
	uint8_t *ram = unit_ram(&mm, RAM_SIZE);
	struct pvx_image img;
	struct test_elf e;
	bool ok = true;

	make_elf(&e, is64, descsz, ENTRY);
	memset(ram + SEG_PADDR, 0xaa, 64);
	EXPECT(pvx_pvh_load(&mm, e.b, e.len, &img) == 0);
	EXPECT(img.entry == ENTRY);
	EXPECT(img.nseg == 1 && img.seg[0].gpa == SEG_PADDR &&
	       img.seg[0].size == 64);
	EXPECT(!memcmp(ram + SEG_PADDR, "PVHDATA!", 8));
	for (int i = 8; i < 64; i++)
		EXPECT(ram[SEG_PADDR + i] == 0);
	unit_ram_free(ram, RAM_SIZE);
	return ok;
}

static bool elf32_note4(void) { return load_ok(false, 4); }
static bool elf64_note8(void) { return load_ok(true, 8); }

static bool elf_refused(void)
{
	struct pvx_memmap mm;
	uint8_t *ram = unit_ram(&mm, RAM_SIZE);
	struct pvx_image img;
	struct test_elf e;
	uint64_t entry;
	bool ok = true;

	/* The note type changed: no PVH entry. */
	make_elf(&e, true, 8, ENTRY);
	for (size_t i = 0; i + 12 <= e.len; i += 4) {
		uint32_t t;

		memcpy(&t, e.b + i, 4);
		if (t == XEN_ELFNOTE_PHYS32_ENTRY && !memcmp(e.b + i + 4, "Xen", 4)) {
			t = 17;
			memcpy(e.b + i, &t, 4);
		}
	}
	EXPECT(pvx_pvh_entry(e.b, e.len, &entry) == -ENOENT);
	EXPECT(pvx_pvh_load(&mm, e.b, e.len, &img) == -ENOENT);
	make_elf(&e, false, 2, ENTRY);	/* a 2-byte descriptor */
	EXPECT(pvx_pvh_entry(e.b, e.len, &entry) == -ENOEXEC);
	make_elf(&e, true, 8, ENTRY);
	EXPECT(pvx_pvh_entry(e.b, e.len - 4, &entry) == -ENOEXEC);	/* cut */
	make_elf(&e, true, 8, 1ULL << 32);	/* not reachable in 32-bit mode */
	EXPECT(pvx_pvh_load(&mm, e.b, e.len, &img) == -ENOEXEC);
	EXPECT(ram[SEG_PADDR] == 0);	/* nothing copied */
	make_elf(&e, true, 8, ENTRY);
	e.b[EI_CLASS] = 3;
	EXPECT(pvx_pvh_load(&mm, e.b, e.len, &img) == -ENOEXEC);
	unit_ram_free(ram, RAM_SIZE);
	/* RAM too small for the segment. */
	ram = unit_ram(&mm, SEG_PADDR);
	make_elf(&e, false, 4, ENTRY);
	EXPECT(pvx_pvh_load(&mm, e.b, e.len, &img) == -EFAULT);
	unit_ram_free(ram, SEG_PADDR);
	return ok;
}

/* A bzImage around @payload: 4 setup sectors + the boot sector. */
static uint8_t *make_bzimage(const uint8_t *payload, size_t plen,
			     uint16_t version, size_t *len)
{
	size_t off = 5 * 512 + 0x100;
	uint8_t *b = calloc(1, off + plen);
	uint32_t poff = 0x100, psz = plen;

	b[0x1f1] = 4;
	memcpy(b + 0x202, "HdrS", 4);
	memcpy(b + 0x206, &version, 2);
	memcpy(b + 0x248, &poff, 4);
	memcpy(b + 0x24c, &psz, 4);
	memcpy(b + off, payload, plen);
	*len = off + plen;
	return b;
}

/* @in xz-compressed (x86 BCJ + LZMA2, as Linux builds it), size appended. */
static uint8_t *xz_payload(const uint8_t *in, size_t len, size_t *plen)
{
	lzma_options_lzma opt;
	lzma_filter f[3] = {
		{ .id = LZMA_FILTER_X86 },
		{ .id = LZMA_FILTER_LZMA2, .options = &opt },
		{ .id = LZMA_VLI_UNKNOWN },
	};
	size_t cap = len + 4096, pos = 0;
	uint8_t *out = malloc(cap + 4);
	uint32_t size = len;

	lzma_lzma_preset(&opt, 6);
	if (lzma_stream_buffer_encode(f, LZMA_CHECK_CRC32, NULL, in, len, out,
				      &pos, cap) != LZMA_OK)
		tap_bail("xz encode");
	memcpy(out + pos, &size, 4);
	*plen = pos + 4;
	return out;
}

static bool bzimage_extract(void)
{
	struct test_elf e;
	uint8_t *payload, *bz;
	size_t plen, len, elf_len;
	void *elf = NULL;
	bool ok = true;

	make_elf(&e, true, 8, ENTRY);
	payload = xz_payload(e.b, e.len, &plen);
	bz = make_bzimage(payload, plen, 0x20f, &len);
	EXPECT(pvx_is_bzimage(bz, len));
	EXPECT(pvx_kernel_to_elf(bz, len, &elf, &elf_len) == 0);
	EXPECT(elf && elf_len == e.len && !memcmp(elf, e.b, e.len));
	free(elf);
	/* An ELF is copied as it is. */
	EXPECT(pvx_kernel_to_elf(e.b, e.len, &elf, &elf_len) == 0);
	EXPECT(elf_len == e.len && !memcmp(elf, e.b, e.len));
	free(elf);
	EXPECT(pvx_kernel_to_elf(bz, len - 1, &elf, &elf_len) == -ENOEXEC);
	free(bz);
	bz = make_bzimage(payload, plen, 0x207, &len);
	EXPECT(pvx_kernel_to_elf(bz, len, &elf, &elf_len) == -EPROTONOSUPPORT);
	free(bz);
	payload[plen / 2] ^= 0x55;			/* corrupt */
	bz = make_bzimage(payload, plen, 0x20f, &len);
	EXPECT(pvx_kernel_to_elf(bz, len, &elf, &elf_len) == -EBADMSG);
	free(bz);
	payload[0] = 0x1f;				/* gzip's magic */
	bz = make_bzimage(payload, plen, 0x20f, &len);
	EXPECT(pvx_kernel_to_elf(bz, len, &elf, &elf_len) == -EPROTONOSUPPORT);
	free(bz);
	free(payload);
	return ok;
}

/* The box kernel, if this tree has it: the real Debian bzImage. */
static bool box_kernel(void)
{
	glob_t g;
	void *buf, *elf;
	size_t len, elf_len;
	uint64_t entry = 0;
	bool ok = true;

	if (glob("build/box/kernel/*/boot/vmlinuz-*", 0, NULL, &g) || !g.gl_pathc) {
		tap_diag("no build/box/kernel/*/boot/vmlinuz-*: not checked");
		return true;
	}
	EXPECT(pvx_read_file(g.gl_pathv[0], 64 << 20, &buf, &len) == 0);
	if (ok) {
		EXPECT(pvx_kernel_to_elf(buf, len, &elf, &elf_len) == 0);
		if (ok) {
			EXPECT(pvx_pvh_entry(elf, elf_len, &entry) == 0);
			EXPECT(entry > 0x1000000 && entry < 0x2000000);
			tap_diag("%s: ELF %zu bytes, PVH entry %#llx", g.gl_pathv[0],
				 elf_len, (unsigned long long)entry);
			free(elf);
		}
		free(buf);
	}
	globfree(&g);
	return ok;
}

static bool start_info(void)
{
	struct pvx_memmap mm;
	uint8_t *ram = unit_ram(&mm, RAM_SIZE);
	struct hvm_memmap_table_entry map[PVX_PVH_MAX_MEMMAP], got[3];
	struct hvm_modlist_entry mod;
	struct hvm_start_info si;
	char big[PVX_PVH_INFO_SIZE];
	struct pvx_pvh_boot b = {
		.info_gpa = PVX_PVH_INFO_GPA, .cmdline = "console=hvc0 quiet",
		.initrd_gpa = 0x600000, .initrd_size = 0x1234,
		.rsdp_gpa = PVX_PVH_ACPI_GPA, .memmap = map,
	};
	int n = pvx_pvh_memmap(RAM_SIZE, map, PVX_PVH_MAX_MEMMAP);
	bool ok = true;

	EXPECT(n == 3);
	b.nr_memmap = n;
	EXPECT(pvx_pvh_write_start_info(&mm, &b) == 0);
	memcpy(&si, ram + PVX_PVH_INFO_GPA, sizeof(si));
	EXPECT(si.magic == XEN_HVM_START_MAGIC_VALUE && si.version == 1);
	EXPECT(si.flags == 0 && si.nr_modules == 1);
	EXPECT(si.rsdp_paddr == PVX_PVH_ACPI_GPA && si.memmap_entries == 3);
	EXPECT(si.cmdline_paddr && si.cmdline_paddr < RAM_SIZE &&
	       !strcmp((char *)ram + si.cmdline_paddr, "console=hvc0 quiet"));
	memcpy(&mod, ram + si.modlist_paddr, sizeof(mod));
	EXPECT(mod.paddr == 0x600000 && mod.size == 0x1234 && !mod.cmdline_paddr);
	memcpy(got, ram + si.memmap_paddr, sizeof(got));
	EXPECT(got[0].addr == 0 && got[0].size == RAM_SIZE &&
	       got[0].type == XEN_HVM_MEMMAP_TYPE_RAM);
	EXPECT(got[1].addr == PVX_PVH_ACPI_GPA &&
	       got[1].type == XEN_HVM_MEMMAP_TYPE_NVS);
	EXPECT(got[2].addr == PVX_PVH_SPECIAL_GPA &&
	       got[2].type == XEN_HVM_MEMMAP_TYPE_RESERVED &&
	       PVX_PVH_XENSTORE_GPA >= got[2].addr &&
	       PVX_PVH_CONSOLE_GPA + 0x1000 <= got[2].addr + got[2].size);
	/* No initrd, no command line: absent fields are 0. */
	b.initrd_size = 0;
	b.cmdline = NULL;
	EXPECT(pvx_pvh_write_start_info(&mm, &b) == 0);
	memcpy(&si, ram + PVX_PVH_INFO_GPA, sizeof(si));
	EXPECT(!si.nr_modules && !si.modlist_paddr && !si.cmdline_paddr);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	b.cmdline = big;
	EXPECT(pvx_pvh_write_start_info(&mm, &b) == -E2BIG);
	EXPECT(pvx_pvh_memmap(PVX_PVH_RAM_MAX + 4096, map, 16) == -EINVAL);
	EXPECT(pvx_pvh_memmap(RAM_SIZE, map, 2) == -E2BIG);
	b.info_gpa = RAM_SIZE;
	b.cmdline = NULL;
	EXPECT(pvx_pvh_write_start_info(&mm, &b) == -EFAULT);
	unit_ram_free(ram, RAM_SIZE);
	return ok;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* The table at @gpa with signature @sig, checked; NULL if wrong. */
static const uint8_t *table(const uint8_t *buf, uint64_t base, uint64_t gpa,
			    const char *sig)
{
	const uint8_t *t = buf + (gpa - base);

	if (gpa < base || gpa - base > PVX_PVH_ACPI_SIZE - 36 ||
	    memcmp(t, sig, 4) || pvx_acpi_checksum(t, get32(t + 4)))
		return NULL;
	return t;
}

static bool acpi_tables(void)
{
	static uint8_t buf[PVX_PVH_ACPI_SIZE];
	const uint64_t base = PVX_PVH_ACPI_GPA;
	const uint8_t *xsdt, *fadt = NULL, *madt = NULL, *dsdt, *facs;
	ssize_t n = pvx_acpi_build(buf, sizeof(buf), base, 3);
	bool ok = true;

	EXPECT(n > 0);
	EXPECT(!memcmp(buf, "RSD PTR ", 8) && buf[15] == 2);
	EXPECT(pvx_acpi_checksum(buf, 20) == 0 && pvx_acpi_checksum(buf, 36) == 0);
	EXPECT(get32(buf + 20) == 36);
	xsdt = table(buf, base, get64(buf + 24), "XSDT");
	EXPECT(xsdt);
	if (!ok)
		return false;
	for (uint32_t i = 36; i + 8 <= get32(xsdt + 4); i += 8) {
		const uint8_t *t = buf + (get64(xsdt + i) - base);

		if (!memcmp(t, "FACP", 4))
			fadt = table(buf, base, get64(xsdt + i), "FACP");
		if (!memcmp(t, "APIC", 4))
			madt = table(buf, base, get64(xsdt + i), "APIC");
	}
	EXPECT(fadt && madt);
	if (!ok)
		return false;
	EXPECT(get32(fadt + 4) == 268 && fadt[8] == 5);
	EXPECT((fadt[109] | fadt[110] << 8) == ((1 << 2) | (1 << 5)));
	EXPECT(!(fadt[109] & (1 << 1)));		/* no 8042 */
	EXPECT(get32(fadt + 112) == 1U << 20);		/* HW_REDUCED_ACPI */
	EXPECT(get32(fadt + 36) == 0);			/* FACS: 64-bit only */
	dsdt = table(buf, base, get64(fadt + 140), "DSDT");
	EXPECT(dsdt && get32(dsdt + 4) == 36 && get32(fadt + 40) == get64(fadt + 140));
	facs = buf + (get64(fadt + 132) - base);
	EXPECT(!memcmp(facs, "FACS", 4) && get32(facs + 4) == 64 &&
	       get64(fadt + 132) % 64 == 0);
	EXPECT(get32(madt + 36) == 0xfee00000 && get32(madt + 40) == 0);
	EXPECT(get32(madt + 4) == 44 + 3 * 8);
	for (int i = 0; i < 3; i++) {
		const uint8_t *e = madt + 44 + 8 * i;

		EXPECT(e[0] == 0 && e[1] == 8 && e[2] == i && e[3] == i &&
		       get32(e + 4) == 1);
	}
	EXPECT(pvx_acpi_build(buf, sizeof(buf), base, 0) == -EINVAL);
	EXPECT(pvx_acpi_build(buf, 200, base, 1) == -ENOSPC);
	return ok;
}

static const struct unit_case cases[] = {
	{ "ELF32 with a 4-byte Xen PHYS32_ENTRY note: segment at p_paddr, bss zeroed, entry from the note", elf32_note4 },
	{ "ELF64 with an 8-byte note: the same", elf64_note8 },
	{ "refused before copying: no note, 2-byte note, cut note, 64-bit entry, bad class, segment outside RAM", elf_refused },
	{ "bzImage: the xz payload decompresses to the ELF; old protocol, truncation, corrupt xz, another compressor refused", bzimage_extract },
	{ "the box kernel's vmlinuz: ELF with a PVH entry in [16 MiB, 32 MiB)", box_kernel },
	{ "hvm_start_info v1: magic, cmdline, initrd as module 0, memmap (RAM, ACPI NVS, special pages RESERVED), RSDP; limits", start_info },
	{ "ACPI: RSDP rev 2, XSDT, FADT rev 5 (NO_VGA|NO_CMOS_RTC, no 8042, HW-reduced), FACS, empty DSDT, MADT flags 0 with a LAPIC per vCPU; checksums", acpi_tables },
};

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return UNIT_RUN(cases);
}
