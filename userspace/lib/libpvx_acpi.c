// SPDX-License-Identifier: LGPL-2.1
/*
 * libpvx: the ACPI tables of a PVH guest (the guest finds them through
 * hvm_start_info.rsdp_paddr). Layout from the ACPI specification 6.x:
 * RSDP 5.2.5 (revision 2, 36 bytes), the table header 5.2.6, XSDT 5.2.8,
 * FADT 5.2.9 (revision 5: 268 bytes), FACS 5.2.10, DSDT 5.2.11.1, MADT
 * 5.2.12 (Processor Local APIC entry 5.2.12.2, Processor Local x2APIC
 * 5.2.12.12). All fields little-endian, tables unaligned except the FACS
 * (64-byte aligned).
 *
 * What a Linux 6.1 PVH guest needs and what it must not see (fact sheet
 * research/linux-pvh-guest.md 1.4): a MADT with one enabled local APIC per
 * vCPU and no IO-APIC, so that the Xen clockevent is installed; MADT flags
 * 0 (no PCAT_COMPAT: Linux then probes for an 8259, finds all ones and
 * uses no PIC); FADT IA-PC boot flags "VGA not present" and "CMOS RTC not
 * present", and without "8042" so that i8042 is not probed; an empty DSDT.
 * The FADT says HW_REDUCED_ACPI (5.2.9 table 5-34, flag bit 20): there is
 * no PM1 event or control block, no SCI, no PM timer (without it Linux's
 * ACPICA reports the missing PM1 blocks as BIOS bugs); Linux then also
 * skips the legacy timer setup and uses no PIC. The FACS is reached
 * through X_FIRMWARE_CTRL only (FIRMWARE_CTRL 0, as 5.2.9 asks when the
 * 64-bit field is set).
 */
#include <errno.h>
#include <string.h>

#include "libpvx.h"

#define SDT_HDR		36
#define RSDP_LEN	36
#define FADT_LEN	268
#define FACS_LEN	64
#define FADT_IAPC_NO_VGA	(1U << 2)
#define FADT_IAPC_NO_CMOS_RTC	(1U << 5)
#define FADT_HW_REDUCED_ACPI	(1U << 20)
#define MADT_LAPIC		0
#define MADT_X2APIC		9
#define MADT_ENABLED		1U

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, v);
	put32(p + 4, v >> 32);
}

uint8_t pvx_acpi_checksum(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return sum;
}

/* A table header; the checksum is set by sdt_seal() once the body is in. */
static void sdt_header(uint8_t *t, const char sig[4], uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, "PVX   ", 6);		/* OEM ID */
	memcpy(t + 16, "PVXGUEST", 8);		/* OEM table ID */
	put32(t + 24, 1);			/* OEM revision */
	memcpy(t + 28, "PVX ", 4);		/* creator ID */
	put32(t + 32, 1);			/* creator revision */
}

static void sdt_seal(uint8_t *t, uint32_t len)
{
	t[9] = 0;
	t[9] = -pvx_acpi_checksum(t, len);
}

static void build_fadt(uint8_t *t, uint64_t facs, uint64_t dsdt)
{
	sdt_header(t, "FACP", FADT_LEN, 5);
	put32(t + 40, dsdt);			/* DSDT */
	put16(t + 109, FADT_IAPC_NO_VGA | FADT_IAPC_NO_CMOS_RTC);
	put32(t + 112, FADT_HW_REDUCED_ACPI);	/* Flags */
	t[131] = 0;				/* FADT minor version */
	put64(t + 132, facs);			/* X_FIRMWARE_CTRL */
	put64(t + 140, dsdt);			/* X_DSDT */
	sdt_seal(t, FADT_LEN);
}

static void build_facs(uint8_t *t)
{
	memcpy(t, "FACS", 4);
	put32(t + 4, FACS_LEN);
	t[32] = 2;				/* version */
}

/* MADT: local APIC address, flags 0, then one entry per vCPU. */
static uint32_t build_madt(uint8_t *t, unsigned int nr_cpus)
{
	uint32_t len = SDT_HDR + 8;

	put32(t + 36, 0xfee00000);
	put32(t + 40, 0);			/* no PCAT_COMPAT */
	for (unsigned int i = 0; i < nr_cpus; i++) {
		uint8_t *e = t + len;

		if (i < 255) {			/* xAPIC ids 0..254 */
			e[0] = MADT_LAPIC;
			e[1] = 8;
			e[2] = i;		/* ACPI processor UID */
			e[3] = i;		/* APIC id = vCPU id */
			put32(e + 4, MADT_ENABLED);
			len += 8;
		} else {
			e[0] = MADT_X2APIC;
			e[1] = 16;
			put32(e + 4, i);	/* x2APIC id */
			put32(e + 8, MADT_ENABLED);
			put32(e + 12, i);	/* UID */
			len += 16;
		}
	}
	sdt_header(t, "APIC", len, 4);
	sdt_seal(t, len);
	return len;
}

ssize_t pvx_acpi_build(void *buf, size_t size, uint64_t gpa,
		       unsigned int nr_cpus)
{
	uint8_t *b = buf;
	/* RSDP, XSDT (2 entries), FACS (64-aligned), FADT, DSDT, MADT */
	size_t xsdt = 64, facs = 128, fadt = facs + FACS_LEN,
	       dsdt = fadt + FADT_LEN, madt = dsdt + SDT_HDR;
	size_t need = madt + SDT_HDR + 8 + (size_t)nr_cpus * 16;

	if (!nr_cpus || nr_cpus > PVX_MAX_VCPUS)
		return -EINVAL;
	if (need > size)
		return -ENOSPC;
	memset(b, 0, need);
	build_facs(b + facs);
	build_fadt(b + fadt, gpa + facs, gpa + dsdt);
	sdt_header(b + dsdt, "DSDT", SDT_HDR, 2);
	sdt_seal(b + dsdt, SDT_HDR);
	need = madt + build_madt(b + madt, nr_cpus);

	sdt_header(b + xsdt, "XSDT", SDT_HDR + 16, 1);
	put64(b + xsdt + SDT_HDR, gpa + fadt);
	put64(b + xsdt + SDT_HDR + 8, gpa + madt);
	sdt_seal(b + xsdt, SDT_HDR + 16);

	memcpy(b, "RSD PTR ", 8);
	memcpy(b + 9, "PVX   ", 6);
	b[15] = 2;				/* revision: ACPI 2.0+ */
	put32(b + 20, RSDP_LEN);
	put64(b + 24, gpa + xsdt);
	b[8] = -pvx_acpi_checksum(b, 20);	/* over the ACPI 1.0 part */
	b[32] = -pvx_acpi_checksum(b, RSDP_LEN);
	return need;
}
