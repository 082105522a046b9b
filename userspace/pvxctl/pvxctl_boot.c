// SPDX-License-Identifier: GPL-2.0
/*
 * pvxctl boot: a kernel as a Xen PVH guest (libpvx_pvh.c): Linux's vmlinux
 * or bzImage (its ELF is extracted), or any ELF32/ELF64 with Xen's PVH
 * note. pvxctl plays Xen's toolstack and domain 0:
 *  - a VM with Xen's ABI (PVX_PV_ENABLE), pvx's x2APIC, absent devices
 *    that read all ones and port 0xE9 into the Xen console
 *    (PVX_SET_PLATFORM), CPUID with the APIC, x2APIC and leaf 0x16;
 *  - RAM at 0, the kernel at its physical addresses, the initrd at the top
 *    of RAM, hvm_start_info with the command line, module 0 and the
 *    memory map; ACPI tables and the special pages (xenstore, console)
 *    in their own slots, outside e820 RAM;
 *  - the backends of userspace/backends/: the console (hvc0) on
 *    stdin/stdout, xenstore, and with --disk a block device xvda; their
 *    pages and ports in the HVM params. stdin may be a terminal, a pipe or
 *    a file: the console backend moves its bytes into the ring as the ring
 *    has room and, at its end of file, stops reading it (no more polling;
 *    the guest runs on until it shuts down, as a Xen guest does when its
 *    console client goes away); the xenstore says each vCPU is online
 *    (cpu/I/availability, written by the toolstack step as libxl's
 *    libxl__build_post does; Linux's drivers/xen/cpu_hotplug.c reads it);
 *  - with --cpus N, vCPUs 1.. wait for the guest's INIT-SIPI-SIPI (lapic/);
 *  - the hypervisor console (console_io, port 0xE9) on stdout as it comes.
 * The guest's end sets the exit status as for `pvxctl run --pv`
 * (pv_shutdown_status()): SCHEDOP_shutdown poweroff 0, other reasons 10 +
 * reason (reboot 11, suspend 12, crash 13, watchdog 14, soft_reset 15);
 * every vCPU halted with interrupts off (Linux's halt after poweroff
 * without ACPI S5) 0; any failure 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pvxctl.h"
#include "pvx_domain.h"

#define MIB			(1ULL << 20)
#define BOOT_DEFAULT_MEM_MIB	256
#define KERNEL_FILE_MAX		(256ULL << 20)
#define LOW_RESERVED		(2ULL << 20)	/* tables, stacks, start_info */

struct boot_opts {
	const char *kernel, *initrd, *cmdline, *disk, *mark;
	const char *extract;	/* --extract: write the kernel's ELF there */
	bool disk_ro;
	struct run_opts run;
};

struct backends {
	int hvc_pipe[2];	/* console backend -> pvxctl -> stdout */
	struct xs_store *store;
	struct pvbe_pvx_domain pd;	/* pvbe_pvx_domain_start()'s */
};

void boot_usage(FILE *out)
{
	fprintf(out,
		"pvxctl boot --kernel FILE [--initrd FILE] [--cmdline TEXT]\n"
		"            [--disk IMAGE[,ro]] [--mem MiB] [--cpus N] [--mark TEXT]\n"
		"            [--stats] | --kernel FILE --extract OUT\n"
		"  --kernel FILE  a PVH kernel: an ELF (32- or 64-bit) with Xen's PHYS32_ENTRY\n"
		"                 note, or a Linux bzImage (its xz-compressed vmlinux is used)\n"
		"  --initrd FILE  module 0 of hvm_start_info, at the top of RAM\n"
		"  --cmdline TEXT the kernel's command line (e.g. 'console=hvc0 earlyprintk=xen')\n"
		"  --disk IMAGE   a raw disk image (or block device) as xvda through the\n"
		"                 block backend; ',ro' makes it read-only\n"
		"  --mem MiB      guest RAM (default %d, at most %llu)\n"
		"  --cpus N       vCPUs (default 1); vCPU 0 starts at the PVH entry, the\n"
		"                 others wait for the guest's INIT-SIPI-SIPI\n"
		"  --mark TEXT    print on stderr when TEXT first appears in the guest's\n"
		"                 output: seconds and host TSC ticks since the entry\n"
		"  --stats        the VM's exits by reason after the end\n"
		"  --extract OUT  only write the kernel's ELF (a bzImage's vmlinux) to OUT:\n"
		"                 no VM, no /dev/pvx\n"
		"  hvc0 (the console ring) uses stdin (a terminal, a pipe or a file; at\n"
		"  its end the guest runs on) and stdout; the hypervisor console\n"
		"  (console_io, port 0xE9, earlyprintk=xen) prints on stdout. Exit status:\n"
		"  0 poweroff or halt, 10 + reason for other Xen shutdowns (reboot 11,\n"
		"  crash 13), 1 for a failure.\n",
		BOOT_DEFAULT_MEM_MIB, (unsigned long long)(PVX_PVH_RAM_MAX / MIB));
}

static int boot_usage_error(const char *what)
{
	fprintf(stderr, "pvxctl: boot: %s (try pvxctl boot --help)\n", what);
	return EXIT_USAGE;
}

static const struct option boot_options[] = {
	{ "kernel", required_argument, NULL, 'k' },
	{ "initrd", required_argument, NULL, 'i' },
	{ "cmdline", required_argument, NULL, 'C' },
	{ "disk", required_argument, NULL, 'd' },
	{ "mem", required_argument, NULL, 'm' },
	{ "cpus", required_argument, NULL, 'c' },
	{ "mark", required_argument, NULL, 'M' },
	{ "stats", no_argument, NULL, 's' },
	{ "extract", required_argument, NULL, 'x' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int boot_number(const char *s, unsigned long min, unsigned long max,
		       unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* 0 with @o filled, -1 after --help, or pvxctl's exit status. */
static int parse_boot_args(int argc, char **argv, struct boot_opts *o)
{
	char msg[160];
	char *comma;
	int key;

	*o = (struct boot_opts){ .run = { .mem_mib = BOOT_DEFAULT_MEM_MIB,
					  .mode = PVX_MODE_PROT, .cpus = 1,
					  .pv = true, .pvh = true } };
	opterr = 0;
	optind = 1;
	while ((key = getopt_long(argc, argv, ":h", boot_options, NULL)) != -1) {
		switch (key) {
		case 'h':
			boot_usage(stdout);
			return -1;
		case 'k':
			o->kernel = optarg;
			break;
		case 'i':
			o->initrd = optarg;
			break;
		case 'C':
			o->cmdline = optarg;
			break;
		case 'M':
			o->mark = optarg;
			break;
		case 'x':
			o->extract = optarg;
			break;
		case 'd':
			o->disk = optarg;
			comma = strchr(optarg, ',');
			if (comma && strcmp(comma, ",ro"))
				return boot_usage_error("--disk takes IMAGE or IMAGE,ro");
			if (comma) {
				*comma = 0;
				o->disk_ro = true;
			}
			break;
		case 'm':
			if (boot_number(optarg, 16, PVX_PVH_RAM_MAX / MIB,
					&o->run.mem_mib))
				return boot_usage_error("--mem takes MiB from 16 to 3072");
			break;
		case 'c':
			if (boot_number(optarg, 1, PVX_MAX_VCPUS, &o->run.cpus))
				return boot_usage_error("--cpus takes 1 to 64");
			break;
		case 's':
			o->run.stats = true;
			break;
		default:
			snprintf(msg, sizeof(msg), "%s '%s'", key == ':' ?
				 "missing value for" : "unknown option",
				 argv[optind - 1]);
			return boot_usage_error(msg);
		}
	}
	if (optind != argc)
		return boot_usage_error("unexpected argument");
	if (!o->kernel)
		return boot_usage_error("--kernel FILE is required");
	o->run.image = o->kernel;
	o->run.mark = o->mark;
	return 0;
}

static void read_whole(const char *path, uint64_t max, void **buf, size_t *len)
{
	int r = pvx_read_file(path, max, buf, len);

	if (r == -EFBIG)
		die("%s is larger than %llu MiB", path,
		    (unsigned long long)(max / MIB));
	if (r)
		die_errno(r, "cannot read %s", path);
}

/* The kernel file's ELF: itself, or a bzImage's decompressed vmlinux. */
static void kernel_elf(const struct boot_opts *o, void **elf, size_t *elf_len)
{
	void *file;
	size_t len;
	int r;

	read_whole(o->kernel, KERNEL_FILE_MAX, &file, &len);
	r = pvx_kernel_to_elf(file, len, elf, elf_len);
	free(file);
	if (r == -EPROTONOSUPPORT)
		die("%s: a bzImage whose payload is not xz (or boot protocol < 2.08): give its vmlinux",
		    o->kernel);
	if (r)
		die_errno(r, "%s is neither an ELF nor a bzImage", o->kernel);
}

/* --extract: the ELF to a file, nothing else. */
static int extract_kernel(const struct boot_opts *o)
{
	FILE *f = fopen(o->extract, "w");
	size_t elf_len;
	void *elf;

	if (!f)
		die_errno(-errno, "cannot create %s", o->extract);
	kernel_elf(o, &elf, &elf_len);
	if (fwrite(elf, 1, elf_len, f) != elf_len || fclose(f))
		die_errno(-EIO, "cannot write %s", o->extract);
	free(elf);
	return 0;
}

/* The kernel's ELF, loaded; its segments must stay out of the low 2 MiB. */
static void load_kernel(struct pvx_vm *vm, const struct boot_opts *o,
			struct pvx_image *img)
{
	void *elf;
	size_t elf_len;
	int r;

	kernel_elf(o, &elf, &elf_len);
	r = pvx_pvh_load(&vm->mem, elf, elf_len, img);
	free(elf);
	if (r == -ENOENT)
		die("%s has no Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY)", o->kernel);
	if (r == -EFAULT)
		die("%s does not fit in %u MiB of guest RAM: raise --mem", o->kernel,
		    o->run.mem_mib);
	if (r)
		die_errno(r, "cannot load %s", o->kernel);
	if (pvx_image_overlaps(img, 0, LOW_RESERVED))
		die("%s loads below 2 MiB, where pvxctl keeps the boot tables",
		    o->kernel);
}

/* The initrd at the top of RAM, above the kernel. */
static uint64_t load_initrd(struct pvx_vm *vm, const struct boot_opts *o,
			    const struct pvx_image *img, uint64_t *size)
{
	uint64_t ram = o->run.mem_mib * MIB, gpa;
	size_t len;
	void *buf;

	*size = 0;
	if (!o->initrd)
		return 0;
	read_whole(o->initrd, ram, &buf, &len);
	gpa = (ram - len) & ~0xfffULL;
	if (len > ram || pvx_image_overlaps(img, gpa, ram) || gpa < LOW_RESERVED)
		die("the kernel and %s do not fit together in %u MiB: raise --mem",
		    o->initrd, o->run.mem_mib);
	memcpy(pvx_gpa_to_host(&vm->mem, gpa, len), buf, len);
	free(buf);
	*size = len;
	return gpa;
}

static void add_memory(struct pvx_vm *vm, const struct boot_opts *o)
{
	uint64_t bytes = o->run.mem_mib * MIB;
	int r = pvx_vm_add_ram(vm, 0, 0, bytes, 0, PVX_BACKING_THP);

	if (r)
		r = pvx_vm_add_ram(vm, 0, 0, bytes, 0, PVX_BACKING_PAGES);
	if (!r)
		r = pvx_vm_add_ram(vm, 1, PVX_PVH_ACPI_GPA, PVX_PVH_ACPI_SIZE, 0,
				   PVX_BACKING_PAGES);
	if (!r)
		r = pvx_vm_add_ram(vm, 2, PVX_PVH_SPECIAL_GPA, PVX_PVH_SPECIAL_SIZE,
				   0, PVX_BACKING_PAGES);
	if (r)
		die_errno(r, "guest memory (%u MiB of RAM)", o->run.mem_mib);
}

static void set_platform(struct pvx_vm *vm)
{
	struct pvx_platform p;
	int r;

	pvx_platform_init(&p, PVX_PLATFORM_X2APIC | PVX_PLATFORM_NULL_IO |
			      PVX_PLATFORM_E9_CONSOLE);
	r = pvx_vm_set_platform(vm, &p);
	if (r)
		die_errno(r, "PVX_SET_PLATFORM");
}

/* ACPI, start_info and the boot tables. */
static void write_boot_info(struct pvx_vm *vm, const struct boot_opts *o,
			    uint64_t initrd_gpa, uint64_t initrd_size)
{
	struct hvm_memmap_table_entry map[PVX_PVH_MAX_MEMMAP];
	struct pvx_pvh_boot b = {
		.info_gpa = PVX_PVH_INFO_GPA, .cmdline = o->cmdline,
		.initrd_gpa = initrd_gpa, .initrd_size = initrd_size,
		.rsdp_gpa = PVX_PVH_ACPI_GPA, .memmap = map,
	};
	ssize_t n = pvx_acpi_build(pvx_gpa_to_host(&vm->mem, PVX_PVH_ACPI_GPA,
						   PVX_PVH_ACPI_SIZE),
				   PVX_PVH_ACPI_SIZE, PVX_PVH_ACPI_GPA,
				   o->run.cpus);
	int r;

	if (n < 0)
		die_errno(n, "ACPI tables");
	r = pvx_pvh_memmap(o->run.mem_mib * MIB, map, PVX_PVH_MAX_MEMMAP);
	if (r < 0)
		die_errno(r, "memory map");
	b.nr_memmap = r;
	r = pvx_pvh_write_start_info(&vm->mem, &b);
	if (r == -E2BIG)
		die("--cmdline is too long (at most %d bytes)",
		    PVX_PVH_INFO_SIZE - PVX_PVH_CMDLINE_OFF - 1);
	if (!r)
		r = pvx_mode_write_tables(&vm->mem, PVX_MODE_PROT, 0);
	if (r)
		die_errno(r, "hvm_start_info");
}

static void add_vcpus(struct pvx_vm *vm, const struct boot_opts *o,
		      const struct pvx_image *img)
{
	static struct pvx_cpuid_entry cpuid[PVX_MAX_CPUID_ENTRIES];
	int n = pvx_cpuid_default(cpuid, PVX_MAX_CPUID_ENTRIES);

	if (n >= 0)
		n = pvx_cpuid_set_tsc_khz(cpuid, n, PVX_MAX_CPUID_ENTRIES,
					  pvx_host_tsc_khz());
	if (n >= 0)
		n = pvx_cpuid_set_topology(cpuid, n, PVX_MAX_CPUID_ENTRIES,
					   o->run.cpus);
	if (n < 0)
		die_errno(n, "the CPUID table");
	pvx_cpuid_set_x2apic(cpuid, n);
	for (unsigned int id = 0; id < o->run.cpus; id++) {
		struct pvx_vcpu *vcpu;
		int r = pvx_vcpu_create(vm, id, &vcpu);

		if (!r) {
			pvx_cpuid_set_apic_id(cpuid, n, id);
			r = pvx_vcpu_set_cpuid(vcpu, cpuid, n);
		}
		/* The others wait for INIT-SIPI in the kernel (lapic/). */
		if (!r && id == 0)
			r = pvx_pvh_setup_vcpu(vcpu, img->entry, PVX_PVH_INFO_GPA);
		if (r)
			die_errno(r, "vCPU %u", id);
	}
}

/*
 * Console, xenstore and disk, as `pvxctl run --pv` starts them
 * (pvbe_pvx_domain_start()): their pages and ports in the HVM params.
 */
static void start_backends(struct pvx_vm *vm, const struct pvx_pv_config *cfg,
			   const struct boot_opts *o, struct backends *be)
{
	struct blkback_config disk = {
		.path = o->disk, .readonly = o->disk_ro,
		.devid = BLKBACK_XVDA, .engine = BLK_ENGINE_POOL,
	};
	struct pvbe_domain_config dc = {
		.store_gfn = PVX_PVH_XENSTORE_GPA >> 12,
		.console_gfn = PVX_PVH_CONSOLE_GPA >> 12,
		.console_in_fd = STDIN_FILENO,
		.disks = &disk,
		.ndisks = o->disk ? 1 : 0,
		.nr_vcpus = o->run.cpus,
	};
	int err;

	/* hvc output passes through pvxctl, which watches it for --mark. */
	if (pipe2(be->hvc_pipe, O_CLOEXEC))
		die_errno(-errno, "pipe");
	fcntl(be->hvc_pipe[0], F_SETFL, O_NONBLOCK);
	dc.console_out_fd = be->hvc_pipe[1];
	be->store = xs_store_create();
	if (!be->store)
		die("xenstore: out of memory");
	err = pvbe_pvx_domain_start(vm, cfg->domid, be->store, &dc, &be->pd);
	if (err)
		die_errno(err, "the backends (xenstore, console%s%s)",
			  o->disk ? ", " : "", o->disk ? o->disk : "");
}

/* Stop them; what the console backend still wrote goes to stdout. */
static void stop_backends(struct backends *be)
{
	char buf[4096];
	ssize_t n;

	pvbe_pvx_domain_stop(&be->pd, NULL);
	xs_store_destroy(be->store);
	close(be->hvc_pipe[1]);
	while ((n = read(be->hvc_pipe[0], buf, sizeof(buf))) > 0)
		if (fwrite(buf, 1, n, stdout) != (size_t)n)
			break;
	fflush(stdout);
	close(be->hvc_pipe[0]);
}

int cmd_boot(int argc, char **argv)
{
	struct boot_opts o;
	struct pvx_pv_config cfg;
	struct backends be = { 0 };
	struct pvx_image img;
	struct pvx_vm *vm;
	uint64_t initrd_gpa, initrd_size;
	int fd, r = parse_boot_args(argc, argv, &o);

	if (r)
		return r < 0 ? 0 : r;
	if (o.extract)
		return extract_kernel(&o);
	fd = open_system();
	check_api_version(fd);
	r = pvx_vm_create(fd, &vm);
	if (r)
		die_errno(r, "PVX_CREATE_VM");
	close(fd);
	pvx_pv_config_init(&cfg);
	r = pvx_pv_enable(vm, &cfg);
	if (r)
		die_errno(r, "PVX_PV_ENABLE");
	set_platform(vm);
	add_memory(vm, &o);
	load_kernel(vm, &o, &img);
	initrd_gpa = load_initrd(vm, &o, &img, &initrd_size);
	write_boot_info(vm, &o, initrd_gpa, initrd_size);
	add_vcpus(vm, &o, &img);
	start_backends(vm, &cfg, &o, &be);
	o.run.hvc_fd = be.hvc_pipe[0];
	r = run_guest(vm, &o.run);
	stop_backends(&be);
	if (o.run.stats) {
		struct pvx_stats st;

		if (!pvx_get_stats(vm->fd, &st))
			print_stats(stdout, &st, false);
	}
	pvx_vm_destroy(vm);
	return r;
}
