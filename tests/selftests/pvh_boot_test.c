// SPDX-License-Identifier: GPL-2.0
/*
 * pvh_boot_test [--guests DIR] [--no-load]: `pvxctl boot` with the PVH test
 * kernel (tests/guest/pvh/pvhtest.c, an ELF32 with Xen's PHYS32_ENTRY
 * note), the box test of libpvx's PVH loader and of pvxctl boot's wiring:
 *  - the kernel finds hvm_start_info v1 as it should (magic, command line,
 *    memory map: its own RAM, ACPI and the console and xenstore pages
 *    outside RAM, the RSDP with good checksums), says so on the hypervisor
 *    console (console_io) and on hvc (the console ring, served by the
 *    console backend), and powers off: pvxctl exits 0;
 *  - with --initrd, module 0 holds the file's bytes;
 *  - a command line the kernel does not accept makes it crash (Xen
 *    SHUTDOWN_crash): pvxctl exits 10 + 3 = 13;
 *  - a kernel without the PVH note is refused (exit 1, the reason said).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pvxtest.h"
#include "tap.h"

#define NR_POINTS	4
#define OUT_MAX		16384

static char out[OUT_MAX], err[OUT_MAX];
static char kernel[512], initrd[] = "/tmp/pvh_boot_test.initrd";

static int boot(const char *cmdline, const char *module)
{
	char *argv[] = { "pvxctl", "boot", "--kernel", kernel, "--mem", "32",
			 "--cmdline", (char *)cmdline,
			 module ? "--initrd" : NULL, (char *)module, NULL };

	return run_capture_timeout(argv, 120, out, sizeof(out), err, sizeof(err));
}

static void diag_output(void)
{
	tap_diag("stdout: %s", out);
	tap_diag("stderr: %s", err);
}

static void poweroff_case(void)
{
	int rc = boot("pvhtest console=hvc0", NULL);
	bool ok = true;

	EXPECT(rc == 0);
	EXPECT(strstr(out, "console_io: pvhtest: ok:magic,version ok:cmdline ok:memmap-ram ok:acpi-not-ram ok:console-reserved ok:store-reserved ok:rsdp => PASS"));
	EXPECT(strstr(out, "hvc: pvhtest: ok:magic,version"));
	EXPECT(strstr(out, "hvc: pvhtest:") && strstr(strstr(out, "hvc: pvhtest:"), "=> PASS"));
	if (!ok)
		diag_output();
	tap_ok(ok, "pvxctl boot pvhtest: start_info, memory map and RSDP as the kernel expects; its verdict on console_io and hvc; poweroff, exit 0");
}

static void initrd_case(void)
{
	FILE *f = fopen(initrd, "w");
	bool ok = true;
	int rc;

	EXPECT(f && fputs("PVHTEST!and some more bytes", f) >= 0);
	if (f)
		fclose(f);
	rc = boot("pvhtest", initrd);
	EXPECT(rc == 0);
	EXPECT(strstr(out, "ok:module0 module-size=0x1b => PASS"));
	if (!ok)
		diag_output();
	unlink(initrd);
	tap_ok(ok, "--initrd: module 0 holds the file (27 bytes)");
}

static void crash_case(void)
{
	int rc = boot("not-the-test", NULL);
	bool ok = true;

	EXPECT(rc == 13);
	EXPECT(strstr(out, "FAIL:cmdline") && strstr(out, "=> FAIL"));
	EXPECT(strstr(err, "crash"));
	if (!ok)
		diag_output();
	tap_ok(ok, "a check failing in the guest: Xen SHUTDOWN_crash, exit status 13");
}

static void no_note_case(void)
{
	char *argv[] = { "pvxctl", "boot", "--kernel", NULL, NULL };
	char hello[512];
	bool ok = true;
	int rc;

	snprintf(hello, sizeof(hello), "%s/hello", pvxtest_guest_dir());
	argv[3] = hello;
	rc = run_capture_timeout(argv, 60, out, sizeof(out), err, sizeof(err));
	EXPECT(rc == 1);
	EXPECT(strstr(err, "no Xen PVH entry note"));
	if (!ok)
		diag_output();
	tap_ok(ok, "an ELF without the PVH note is refused, exit 1");
}

int main(int argc, char **argv)
{
	int fd = pvxtest_start(argc, argv, NULL, NR_POINTS);

	snprintf(kernel, sizeof(kernel), "%s/pvhtest", pvxtest_guest_dir());
	poweroff_case();
	initrd_case();
	crash_case();
	no_note_case();
	close(fd);
	return tap_finish();
}
