// SPDX-License-Identifier: LGPL-2.1
/*
 * libpvx: putting guest images into guest memory: flat binaries and static
 * ELF64 executables. Everything about the file is checked before a byte is
 * copied; nothing in the file is trusted.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libpvx.h"

static int read_all(int fd, void *buf, size_t len)
{
	for (size_t done = 0; done < len;) {
		ssize_t n = read(fd, (char *)buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;	/* the file shrank under us */
		done += n;
	}
	return 0;
}

int pvx_read_file(const char *path, size_t max, void **buf, size_t *len)
{
	struct stat st;
	void *data;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = fstat(fd, &st) ? -errno : !S_ISREG(st.st_mode) ? -EINVAL :
	    (uint64_t)st.st_size > max ? -EFBIG : 0;
	data = r ? NULL : malloc(st.st_size ? st.st_size : 1);
	if (!r && !data)
		r = -ENOMEM;
	if (!r)
		r = read_all(fd, data, st.st_size);
	close(fd);
	if (r) {
		free(data);
		return r;
	}
	*buf = data;
	*len = st.st_size;
	return 0;
}

bool pvx_is_elf(const void *buf, size_t len)
{
	return len >= SELFMAG && !memcmp(buf, ELFMAG, SELFMAG);
}

int pvx_load_flat(struct pvx_memmap *mm, uint64_t gpa, const void *buf,
		  size_t len, struct pvx_image *img)
{
	void *dst = pvx_gpa_to_host(mm, gpa, len);

	if (!dst)
		return -EFAULT;
	memcpy(dst, buf, len);
	*img = (struct pvx_image){
		.entry = gpa,
		.nseg = 1,
		.seg = { { .gpa = gpa, .size = len } },
	};
	return 0;
}

/* Is [off, off + size) inside a file of @len bytes? No overflow. */
static bool in_file(uint64_t off, uint64_t size, size_t len)
{
	return off <= len && size <= len - off;
}

/* The ELF header of a static x86-64 executable (System V gABI, ELF-64). */
static int check_ehdr(const Elf64_Ehdr *eh, size_t len)
{
	static const unsigned char ident[EI_VERSION + 1] = {
		ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB,
		EV_CURRENT,
	};

	if (memcmp(eh->e_ident, ident, sizeof(ident)))
		return -ENOEXEC;
	if (eh->e_type != ET_EXEC || eh->e_machine != EM_X86_64 ||
	    eh->e_version != EV_CURRENT || eh->e_ehsize < sizeof(*eh))
		return -ENOEXEC;
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || !eh->e_phnum ||
	    eh->e_phnum == PN_XNUM)
		return -ENOEXEC;
	if (!in_file(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr), len))
		return -ENOEXEC;
	return 0;
}

/* Program header @i, copied out: the file's alignment is not trusted. */
static void read_phdr(const void *buf, const Elf64_Ehdr *eh, unsigned int i,
		      Elf64_Phdr *ph)
{
	memcpy(ph, (const char *)buf + eh->e_phoff + (uint64_t)i * sizeof(*ph),
	       sizeof(*ph));
}

/* One program header: 0 to load it, 1 to skip it, or -errno. */
static int check_phdr(const struct pvx_memmap *mm, const Elf64_Phdr *ph,
		      size_t len)
{
	if (ph->p_type == PT_INTERP || ph->p_type == PT_DYNAMIC)
		return -ENOEXEC;	/* not a static executable */
	if (ph->p_type != PT_LOAD)
		return 1;
	if (ph->p_filesz > ph->p_memsz || !in_file(ph->p_offset, ph->p_filesz, len))
		return -ENOEXEC;
	if (!ph->p_memsz)
		return 1;	/* legal, and nothing to load */
	if (ph->p_paddr + ph->p_memsz < ph->p_paddr ||
	    ph->p_vaddr + ph->p_memsz < ph->p_vaddr)
		return -ENOEXEC;
	if (!pvx_gpa_to_host(mm, ph->p_paddr, ph->p_memsz))
		return -EFAULT;
	return 0;
}

/* Validate every header; fill @img with the segments and the entry. */
static int plan_elf(const struct pvx_memmap *mm, const void *buf, size_t len,
		    struct pvx_image *img)
{
	Elf64_Ehdr eh;
	bool entry_ok = false;
	int r;

	if (len < sizeof(eh))
		return -ENOEXEC;
	memcpy(&eh, buf, sizeof(eh));
	r = check_ehdr(&eh, len);
	if (r)
		return r;
	*img = (struct pvx_image){ .entry = eh.e_entry };
	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		read_phdr(buf, &eh, i, &ph);
		r = check_phdr(mm, &ph, len);
		if (r < 0)
			return r;
		if (r > 0)
			continue;
		if (img->nseg == PVX_IMAGE_MAX_SEGS)
			return -ENOEXEC;
		img->seg[img->nseg].gpa = ph.p_paddr;
		img->seg[img->nseg++].size = ph.p_memsz;
		entry_ok |= eh.e_entry >= ph.p_vaddr &&
			    eh.e_entry - ph.p_vaddr < ph.p_memsz;
	}
	return entry_ok ? 0 : -ENOEXEC;
}

int pvx_load_elf(struct pvx_memmap *mm, const void *buf, size_t len,
		 struct pvx_image *img)
{
	Elf64_Ehdr eh;
	int r = plan_elf(mm, buf, len, img);

	if (r)
		return r;
	memcpy(&eh, buf, sizeof(eh));
	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		char *dst;

		read_phdr(buf, &eh, i, &ph);
		if (ph.p_type != PT_LOAD || !ph.p_memsz)
			continue;
		dst = pvx_gpa_to_host(mm, ph.p_paddr, ph.p_memsz);
		memcpy(dst, (const char *)buf + ph.p_offset, ph.p_filesz);
		memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
	}
	return 0;
}

bool pvx_image_overlaps(const struct pvx_image *img, uint64_t lo, uint64_t hi)
{
	for (unsigned int i = 0; i < img->nseg; i++)
		if (img->seg[i].gpa < hi && lo < img->seg[i].gpa + img->seg[i].size)
			return true;
	return false;
}
