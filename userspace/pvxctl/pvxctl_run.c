// SPDX-License-Identifier: GPL-2.0
/*
 * pvxctl run IMAGE [--mem MiB] [--mode real|prot|long] [--cpus N]
 * [--trap LIST [--log]] [--stats [--json]] [--pv [--disk FILE[,ro]]...
 * [--console]]: the options, and the VM they describe: RAM at GPA 0, the
 * image in it, the mode's tables, Xen's guest ABI if asked (before the
 * vCPUs, as PVX_PV_ENABLE wants), and vCPUs set up to start at the image's
 * entry. With --pv, pvxctl is the guest's domain 0: a xenstore, and with
 * --console and --disk the console and block backends
 * (userspace/backends, pvbe_pvx_domain_start), their two special pages
 * right above RAM, outside the guest's RAM, stopped after the guest ends.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pvx_domain.h"
#include "pvx_ports.h"
#include "pvxctl.h"

#define MIB			(1ULL << 20)
#define GIB			(1ULL << 30)
#define DEFAULT_MEM_MIB		16
/* Long mode identity-maps at most PVX_MAP_MAX_GIB: RAM stays below. */
#define MAX_MEM_MIB		(PVX_MAP_MAX_GIB * 1024)
/* Long mode maps at least 4 GiB, so an MMIO test may aim anywhere there. */
#define MIN_MAP_BYTES		(4 * GIB)
/* --pv: the xenstore and console pages, a slot right above RAM. */
#define SPECIAL_SLOT		1
#define SPECIAL_PAGES		2
#define SPECIAL_BYTES		(SPECIAL_PAGES * 4096ULL)

void run_usage(FILE *out)
{
	fprintf(out,
		"pvxctl run IMAGE [--mem MiB] [--mode real|prot|long] [--cpus N]\n"
		"                 [--trap LIST [--log]] [--stats [--json]]\n"
		"                 [--pv [--disk FILE[,ro]]... [--console]]\n"
		"  --mem MiB     guest RAM at guest-physical 0 (default %d, at most %llu)\n"
		"  --mode MODE   CPU mode at entry (default long):\n"
		"                long  64-bit, identity paging; flat images at 0x100000\n"
		"                prot  32-bit protected mode, flat, no paging; flat at 0x100000\n"
		"                real  real mode; flat images at 0x7c00, CS:IP 0000:7C00\n"
		"  --cpus N      vCPUs, one thread each, all at the entry (default 1, at most %d);\n"
		"                each starts with RDI = its id, RSI = N, its own stack\n"
		"  --trap LIST   make these guest events exit and hand them to pvxctl, which\n"
		"                emulates them (comma-separated):\n"
		"                hlt pause mtf      resume after the instruction (mtf: each step)\n"
		"                rdtsc              a virtual TSC from 0, +1000 per read\n"
		"                rdpmc              0\n"
		"                rdrand             host random bytes, CF = 1 (RDSEED too)\n"
		"                dr cr3 cr8         MOV to/from DR0-7, CR3 (the guest's), CR8\n"
		"                desc               SGDT SIDT SLDT STR LGDT LIDT (not LLDT, LTR)\n"
		"                cpuid[=A-B]        all CPUID leaves, or leaves A-B: answered\n"
		"                                   from the table the kernel would use\n"
		"                msr[=A-B]          RDMSR/WRMSR, all or MSRs A-B: done as the\n"
		"                                   kernel would (PVX_GET/SET_MSRS), else #GP\n"
		"                exc=bp,ud,...      exceptions by mnemonic: #BP steps over\n"
		"                                   INT3, the others are re-injected\n"
		"                An exit pvxctl cannot emulate stops the guest with an error.\n"
		"  --log         one line on stderr per forwarded exit: what, guest RIP, result\n"
		"  --stats       after the guest ends, its exits by reason (count, TSC ticks\n"
		"                pvx spent, ticks per exit) and other counters on stdout\n"
		"  --json        --stats as one JSON object; the guest's UART goes to stderr\n"
		"  --pv          offer the guest Xen's HVM/PVH ABI (CPUID 0x40000000, VMCALL\n"
		"                hypercalls): its hypervisor console (console_io) prints on\n"
		"                stdout; SCHEDOP_shutdown ends the guest, and pvxctl exits\n"
		"                with 0 for poweroff, 10 + the reason for the others\n"
		"                (reboot 11, suspend 12, crash 13, watchdog 14, soft_reset\n"
		"                15; 19 at most); pvxctl serves the guest's xenstore (page\n"
		"                and port in HVM_PARAM_STORE_PFN/_EVTCHN, the page right\n"
		"                above RAM)\n"
		"  --disk FILE[,ro]  with --pv: a raw image (or block device) as a Xen\n"
		"                block device, xvda, then xvdb...(at most %d); ',ro'\n"
		"                refuses the guest's writes\n"
		"  --console     with --pv: the Xen console ring (HVM_PARAM_CONSOLE_PFN/\n"
		"                _EVTCHN) on stdout, and stdin (a terminal, a pipe or a\n"
		"                file; at its end the guest runs on)\n"
		"  An ELF64 image is loaded by its program headers (p_paddr) and starts at\n"
		"  e_entry; any other file is a flat binary.\n"
		"  The guest's UART at port %#x prints on stdout; an OUT to port %#x ends\n"
		"  the guest, and pvxctl exits with the value & 0xff. The summary of the\n"
		"  run goes to stderr.\n",
		DEFAULT_MEM_MIB, (unsigned long long)MAX_MEM_MIB, PVX_MAX_VCPUS,
		PVXCTL_MAX_DISKS, PVX_PORT_UART, PVX_PORT_EXIT);
}

/* A decimal number in [@min, @max], or -1. */
static long long parse_number(const char *s, long long min, long long max)
{
	char *end;
	long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	return errno || *end || v < min || v > max ? -1 : v;
}

static int usage_error(const char *what)
{
	fprintf(stderr, "pvxctl: run: %s (try pvxctl run --help)\n", what);
	return EXIT_USAGE;
}

/* --disk FILE[,ro]: 0, or -1 with the reason in @msg. */
static int add_disk(struct run_opts *o, const char *arg, char *msg, size_t len)
{
	const char *comma = strrchr(arg, ',');

	if (o->ndisks == PVXCTL_MAX_DISKS) {
		snprintf(msg, len, "--disk at most %d times", PVXCTL_MAX_DISKS);
		return -1;
	}
	if (!*arg || comma == arg || (comma && strcmp(comma, ",ro"))) {
		snprintf(msg, len, "--disk takes FILE or FILE,ro, not '%s'", arg);
		return -1;
	}
	o->disk_ro[o->ndisks] = comma != NULL;
	o->disks[o->ndisks++] = comma ? strndup(arg, comma - arg) : arg;
	if (!o->disks[o->ndisks - 1])
		die("out of memory");
	return 0;
}

/* One option; 0, or pvxctl's exit status for a bad one. */
static int set_option(struct run_opts *o, int key, const char *arg)
{
	char msg[160];
	long long v = -1;

	switch (key) {
	case 'm':
		v = parse_number(arg, 1, MAX_MEM_MIB);
		snprintf(msg, sizeof(msg), "--mem takes MiB from 1 to %llu, not '%s'",
			 (unsigned long long)MAX_MEM_MIB, arg);
		if (v >= 0)
			o->mem_mib = v;
		break;
	case 'M':
		v = pvx_mode_by_name(arg);
		snprintf(msg, sizeof(msg), "--mode is real, prot or long, not '%s'",
			 arg);
		if (v >= 0)
			o->mode = v;
		break;
	case 'c':
		v = parse_number(arg, 1, PVX_MAX_VCPUS);
		snprintf(msg, sizeof(msg), "--cpus takes 1 to %d, not '%s'",
			 PVX_MAX_VCPUS, arg);
		if (v >= 0)
			o->cpus = v;
		break;
	case 't':
		o->trap = true;
		v = trap_parse(arg, &o->policy, msg, sizeof(msg));
		if (v == -ENOMEM)
			die_errno(v, "--trap");
		v = v ? -1 : 0;
		break;
	case 'l':
		o->log = true;
		v = 0;
		break;
	case 'd':
		v = add_disk(o, arg, msg, sizeof(msg));
		break;
	default:
		snprintf(msg, sizeof(msg), "unknown option");
	}
	if (v < 0 && key == 't') {
		char full[200];

		snprintf(full, sizeof(full), "--trap: %s", msg);
		return usage_error(full);
	}
	return v < 0 ? usage_error(msg) : 0;
}

static const struct option run_options[] = {
	{ "mem", required_argument, NULL, 'm' },
	{ "mode", required_argument, NULL, 'M' },
	{ "cpus", required_argument, NULL, 'c' },
	{ "trap", required_argument, NULL, 't' },
	{ "log", no_argument, NULL, 'l' },
	{ "stats", no_argument, NULL, 's' },
	{ "json", no_argument, NULL, 'j' },
	{ "pv", no_argument, NULL, 'p' },
	{ "disk", required_argument, NULL, 'd' },
	{ "console", no_argument, NULL, 'C' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* 0 with @o filled, -1 after --help, or pvxctl's exit status. */
static int parse_run_args(int argc, char **argv, struct run_opts *o)
{
	char msg[160];
	int key, r;

	*o = (struct run_opts){ .mem_mib = DEFAULT_MEM_MIB, .hvc_fd = -1,
				.mode = PVX_MODE_LONG, .cpus = 1 };
	pvx_policy_init(&o->policy);
	opterr = 0;	/* our messages, not getopt's */
	optind = 1;
	while ((key = getopt_long(argc, argv, ":h", run_options, NULL)) != -1) {
		if (key == 'h') {
			run_usage(stdout);
			return -1;
		}
		if (key == '?' || key == ':') {
			snprintf(msg, sizeof(msg), "%s '%s'", key == ':' ?
				 "missing value for" : "unknown option",
				 argv[optind - 1]);
			return usage_error(msg);
		}
		if (key == 's' || key == 'j' || key == 'p' || key == 'C') {
			*(key == 's' ? &o->stats : key == 'j' ? &o->json :
			  key == 'p' ? &o->pv : &o->console) = true;
			continue;
		}
		r = set_option(o, key, optarg);
		if (r)
			return r;
	}
	if (o->json && !o->stats)
		return usage_error("--json goes with --stats");
	if ((o->ndisks || o->console) && !o->pv)
		return usage_error("--disk and --console go with --pv");
	/* The special pages above RAM must stay inside what long mode maps. */
	if (o->pv && o->mem_mib == MAX_MEM_MIB)
		return usage_error("--pv keeps two pages above RAM: --mem below the maximum");
	if (optind != argc - 1)
		return usage_error(optind == argc ? "no IMAGE given" :
				   "one IMAGE only");
	o->image = argv[optind];
	return 0;
}

/* Guest RAM: one slot at GPA 0, on transparent huge pages when it can. */
static void add_ram(struct pvx_vm *vm, const struct run_opts *o)
{
	uint64_t bytes = o->mem_mib * MIB;
	int r = -EINVAL;

	if (bytes % PVX_HUGE_PAGE_SIZE == 0)
		r = pvx_vm_add_ram(vm, 0, 0, bytes, 0, PVX_BACKING_THP);
	if (r)
		r = pvx_vm_add_ram(vm, 0, 0, bytes, 0, PVX_BACKING_PAGES);
	if (r == -ENOMEM)
		die("cannot allocate %u MiB of guest RAM: lower --mem", o->mem_mib);
	if (r)
		die_errno(r, "guest RAM (%u MiB at guest-physical 0)", o->mem_mib);
}

/* The whole image file, read before anything else happens. */
static void read_image(const struct run_opts *o, void **buf, size_t *len)
{
	int r = pvx_read_file(o->image, o->mem_mib * MIB, buf, len);

	if (r == -EFBIG)
		die("%s is larger than the guest's RAM (--mem %u MiB)", o->image,
		    o->mem_mib);
	if (r == -EINVAL)
		die("%s is not a regular file", o->image);
	if (r)
		die_errno(r, "cannot read %s", o->image);
	if (!*len)
		die("%s is empty", o->image);
}

static void load_image(struct pvx_vm *vm, const struct run_opts *o,
		       const void *buf, size_t len, struct pvx_image *img)
{
	uint64_t lo, hi;
	int r;

	if (pvx_is_elf(buf, len))
		r = pvx_load_elf(&vm->mem, buf, len, img);
	else
		r = pvx_load_flat(&vm->mem, pvx_mode_image_gpa(o->mode), buf, len, img);
	if (r == -ENOEXEC)
		die("%s is not a static x86-64 ELF64 executable (ET_EXEC, p_vaddr == p_paddr, entry in a PT_LOAD), or is malformed",
		    o->image);
	if (r == -EFAULT)
		die("%s does not fit in guest RAM (0 - %u MiB): raise --mem, or link it lower",
		    o->image, o->mem_mib);
	if (r)
		die_errno(r, "cannot load %s", o->image);
	pvx_mode_reserved(o->mode, &lo, &hi);
	if (pvx_image_overlaps(img, lo, hi))
		die("%s loads into [%#llx, %#llx), where %s mode keeps its tables and stacks: link it elsewhere (flat images go to %#llx)",
		    o->image, (unsigned long long)lo, (unsigned long long)hi,
		    pvx_mode_name(o->mode),
		    (unsigned long long)pvx_mode_image_gpa(o->mode));
}

static void write_tables(struct pvx_vm *vm, const struct run_opts *o,
			 const struct pvx_image *img)
{
	uint64_t ram = o->mem_mib * MIB;
	struct pvx_sregs s;
	struct pvx_regs regs;
	int r;

	if (pvx_mode_fill(o->mode, img->entry, pvx_mode_stack_top(o->mode, 0),
			  &s, &regs))
		die("%s starts at %#llx, out of reach in %s mode (real: below 1 MiB, prot: below 4 GiB, long: below 2^47)",
		    o->image, (unsigned long long)img->entry,
		    pvx_mode_name(o->mode));
	if (o->pv)
		ram += SPECIAL_BYTES;	/* the guest reaches its special pages */
	r = pvx_mode_write_tables(&vm->mem, o->mode,
				  ram > MIN_MAP_BYTES ? ram : MIN_MAP_BYTES);
	if (r == -EFAULT)
		die("%u MiB of guest RAM is too small for %s mode's tables and stacks: raise --mem",
		    o->mem_mib, pvx_mode_name(o->mode));
	if (r)
		die_errno(r, "%s mode's tables", pvx_mode_name(o->mode));
}

static void add_vcpus(struct pvx_vm *vm, const struct run_opts *o,
		      const struct pvx_image *img)
{
	struct pvx_cpuid_entry cpuid[PVX_MAX_CPUID_ENTRIES];
	int n = pvx_cpuid_default(cpuid, PVX_MAX_CPUID_ENTRIES);

	if (n >= 0)
		n = pvx_cpuid_set_topology(cpuid, n, PVX_MAX_CPUID_ENTRIES, o->cpus);
	if (n < 0)
		die_errno(n, "this CPU's CPUID table");
	for (unsigned int id = 0; id < o->cpus; id++) {
		struct pvx_vcpu *vcpu;
		int r = pvx_vcpu_create(vm, id, &vcpu);

		if (r)
			die_errno(r, "PVX_CREATE_VCPU %u", id);
		pvx_cpuid_set_apic_id(cpuid, n, id);
		r = pvx_vcpu_set_cpuid(vcpu, cpuid, n);
		if (r)
			die_errno(r, "PVX_SET_CPUID on vCPU %u", id);
		r = pvx_vcpu_setup_mode(vcpu, o->mode, img->entry, o->cpus);
		if (r)
			die_errno(r, "%s mode state of vCPU %u (PVX_SET_SREGS, PVX_SET_REGS)",
				  pvx_mode_name(o->mode), id);
	}
}

/* --pv: Xen's ABI, with pvx's defaults (CPUID base 0x40000000, Xen 4.17). */
static void enable_pv(struct pvx_vm *vm, const struct run_opts *o,
		      struct pvx_pv_config *cfg)
{
	int r;

	if (!o->pv)
		return;
	pvx_pv_config_init(cfg);
	r = pvx_pv_enable(vm, cfg);
	if (r == -ENOTTY)
		die("--pv: this pvx.ko has no Xen ABI (PVX_PV_ENABLE): build pvxctl and pvx.ko from the same tree");
	if (r)
		die_errno(r, "PVX_PV_ENABLE for --pv");
}

/*
 * --pv: pvxctl as the guest's domain 0: zeroed xenstore and console pages
 * right above RAM (not RAM to the guest: no e820 here, and nothing of the
 * image's), a xenstore, the console and disks asked for, the HVM params.
 */
static void start_backends(struct pvx_vm *vm, const struct run_opts *o,
			   domid_t domid, struct xs_store **store,
			   struct pvbe_pvx_domain *pd)
{
	uint64_t special = o->mem_mib * MIB;
	struct blkback_config disks[PVXCTL_MAX_DISKS];
	struct pvbe_domain_config cfg = {
		.store_gfn = special >> 12, .console_gfn = (special >> 12) + 1,
		.console_out_fd = o->console ? STDOUT_FILENO : -1,
		/* As pvxctl boot's: a terminal, pipe or file, read to its end. */
		.console_in_fd = o->console ? STDIN_FILENO : -1,
		.disks = disks, .ndisks = o->ndisks, .nr_vcpus = o->cpus,
	};
	int r = pvx_vm_add_ram(vm, SPECIAL_SLOT, special, SPECIAL_BYTES, 0,
			       PVX_BACKING_PAGES);

	if (r)
		die_errno(r, "the xenstore and console pages at %#llx",
			  (unsigned long long)special);
	for (unsigned int i = 0; i < o->ndisks; i++)
		disks[i] = (struct blkback_config){
			.path = o->disks[i], .readonly = o->disk_ro[i],
			.devid = BLKBACK_XVDA + 16 * i,
			.engine = BLK_ENGINE_URING,	/* the pool where io_uring is missing */
		};
	*store = xs_store_create();
	if (!*store)
		die("xenstore: out of memory");
	r = pvbe_pvx_domain_start(vm, domid, *store, &cfg, pd);
	if (r)
		die_errno(r, "the backends (xenstore, console, %u disk(s)%s%s)",
			  o->ndisks, o->ndisks ? ": " : "", o->ndisks ? o->disks[0] : "");
}

static void stop_backends(struct xs_store *store, struct pvbe_pvx_domain *pd)
{
	if (!store)
		return;
	pvbe_pvx_domain_stop(pd, NULL);
	xs_store_destroy(store);
}

static void set_policy(struct pvx_vm *vm, const struct run_opts *o)
{
	int r;

	if (!o->trap)
		return;
	r = pvx_vm_set_exit_policy(vm, &o->policy);
	if (r == -EOPNOTSUPP)
		die("--trap: this CPU lacks a VM-execution control the list needs (rdrand, desc or mtf): leave it out");
	if (r)
		die_errno(r, "PVX_SET_EXIT_POLICY for --trap");
}

/* --stats: the sum over the VM's vCPUs, after the guest ended. */
static void print_vm_stats(struct pvx_vm *vm, const struct run_opts *o)
{
	struct pvx_stats st;
	int r = pvx_get_stats(vm->fd, &st);

	if (r)
		die_errno(r, "PVX_GET_STATS");
	fflush(stdout);		/* after the guest's console */
	print_stats(stdout, &st, o->json);
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	struct pvx_pv_config pv;
	struct xs_store *store = NULL;
	struct pvbe_pvx_domain pd = { 0 };
	struct pvx_image img;
	struct pvx_vm *vm;
	size_t len;
	void *buf;
	int fd, r = parse_run_args(argc, argv, &o);

	if (r)
		return r < 0 ? 0 : r;
	read_image(&o, &buf, &len);
	fd = open_system();
	check_api_version(fd);
	r = pvx_vm_create(fd, &vm);
	if (r)
		die_errno(r, "PVX_CREATE_VM");
	close(fd);
	set_policy(vm, &o);
	add_ram(vm, &o);
	load_image(vm, &o, buf, len, &img);
	free(buf);
	write_tables(vm, &o, &img);
	enable_pv(vm, &o, &pv);
	add_vcpus(vm, &o, &img);
	if (o.pv)
		start_backends(vm, &o, pv.domid, &store, &pd);
	r = run_guest(vm, &o);
	stop_backends(store, &pd);
	if (o.stats)
		print_vm_stats(vm, &o);
	pvx_vm_destroy(vm);
	return r;
}
