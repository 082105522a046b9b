// SPDX-License-Identifier: GPL-2.0
/*
 * bench: pvx's benchmark, side by side with KVM in the same box boot.
 *
 * The same guest bytes (tests/guest/bench.c), set up the same way (one
 * memory map, libpvx's long-mode tables and state), run under pvx and,
 * after `rmmod pvx` and loading kvm_intel, under KVM (bench_hv.h: the
 * only difference is which ioctl each step is). Each guest row times
 * @iter operations between two guest TSC reads, so ticks/op covers exit,
 * handling and entry. The host-side rows (VM and vCPU creation, the bare
 * run ioctl) take host TSC reads around the ioctls. The interrupt rows
 * measure from the host's RDTSC just before the injecting ioctl, on a
 * second thread, to the guest handler's first RDTSC, converted to host
 * time with the VM's TSC offset (hv_tsc_offset()).
 *
 *	bench [--quick] [--hv pvx,kvm] [--rows NAME,...] [--iter N]
 *	      [--guest PATH]
 *
 * Output: TAP, one point per row and hypervisor that checks the row
 * produced a positive number (no timing assertions), and for make bench
 * one "# bench-row {json}" line per result (tests/bench/bench_report.py
 * turns them into the table, bench.json and bench.png). At the end the
 * box is left as it was found in the up suite: pvx loaded, KVM not.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench_hv.h"
#include "gnttest.h"
#include "libpvx.h"
#include "pvx_ports.h"
#include "pvxtest.h"
#include "tap.h"
#include "../guest/bench.h"

#define HUGE_2M		(2ULL << 20)
#define VCPUS_PER_VM	8

enum row_kind {
	ROW_GUEST,	/* a loop of one exiting instruction */
	ROW_TOUCH,	/* first touch of each page of a region */
	ROW_HOST_TOUCH,	/* the same in the host process, no VM: the reference */
	ROW_VM_CREATE,
	ROW_VCPU_CREATE,
	ROW_IMMEDIATE,	/* the run ioctl returning at once */
	ROW_IRQ,	/* injection latency, host ioctl to guest handler */
	ROW_COPY_4K,	/* 4 KiB out of the guest: grant copy / memcpy */
};

struct row {
	const char *name;
	const char *label;
	enum row_kind kind;
	uint32_t op;		/* ROW_GUEST, ROW_IRQ: bench.h's op */
	uint64_t stride;	/* ROW_TOUCH */
	int advice;		/* ROW_TOUCH: madvise() of the backing */
	bool prefault;		/* ROW_TOUCH: the host touches it first */
};

#define GUEST(n, l, o)	{ .name = n, .label = l, .kind = ROW_GUEST, .op = o }
#define HOST(n, l, k)	{ .name = n, .label = l, .kind = k }

static const struct row rows[] = {
	GUEST("cpuid", "CPUID (in the kernel)", BENCH_OP_CPUID),
	GUEST("vmcall", "VMCALL, unknown number (in the kernel)",
	      BENCH_OP_VMCALL),
	GUEST("out", "OUT to a port, userspace", BENCH_OP_OUT),
	GUEST("in", "IN from a port, userspace", BENCH_OP_IN),
	GUEST("mmio_write", "MMIO write, userspace", BENCH_OP_MMIO_WRITE),
	GUEST("mmio_read", "MMIO read, userspace", BENCH_OP_MMIO_READ),
	GUEST("mov_dr", "MOV to DR0 (MOV DR not trapped)", BENCH_OP_MOV_DR),
	GUEST("wrmsr_kgs", "WRMSR KERNEL_GS_BASE", BENCH_OP_WRMSR_KGS),
	{ .name = "ept_4k", .label = "first touch, 4 KiB page (EPT fault-in)",
	  .kind = ROW_TOUCH, .stride = 4096, .advice = MADV_NOHUGEPAGE },
	{ .name = "ept_4k_present",
	  .label = "first touch, 4 KiB page, host page present (EPT only)",
	  .kind = ROW_TOUCH, .stride = 4096, .advice = MADV_NOHUGEPAGE,
	  .prefault = true },
	{ .name = "host_4k",
	  .label = "first touch, 4 KiB page, host process, no VM",
	  .kind = ROW_HOST_TOUCH, .stride = 4096, .advice = MADV_NOHUGEPAGE },
	{ .name = "ept_2m",
	  .label = "first touch, 2 MiB page (EPT fault-in, THP)",
	  .kind = ROW_TOUCH, .stride = HUGE_2M, .advice = MADV_HUGEPAGE },
	HOST("vm_create", "VM create + destroy (host TSC)", ROW_VM_CREATE),
	HOST("vcpu_create", "vCPU create (host TSC)", ROW_VCPU_CREATE),
	HOST("run_immediate", "run ioctl, immediate exit (host TSC)",
	     ROW_IMMEDIATE),
	{ .name = "irq",
	  .label = "interrupt, ioctl to handler, guest spins (median)",
	  .kind = ROW_IRQ, .op = BENCH_OP_IRQ },
	{ .name = "hlt_wake",
	  .label = "HLT wake-up, ioctl to handler (median)",
	  .kind = ROW_IRQ, .op = BENCH_OP_HLT_IRQ },
	HOST("copy_4k", "4 KiB out of the guest: pvx PVX_GNT_COPY of a grant, "
	     "kvm memcpy of guest RAM (host TSC)", ROW_COPY_4K),
};

#define NR_ROWS (sizeof(rows) / sizeof(rows[0]))

/* How many operations each kind of row times. */
struct config {
	uint64_t iter;		/* ROW_GUEST, ROW_IMMEDIATE */
	uint64_t reps;		/* timed runs of @iter: the fastest counts */
	uint64_t touch_bytes;	/* ROW_TOUCH: the region */
	uint64_t creates;	/* ROW_VM_CREATE, ROW_VCPU_CREATE */
	uint64_t irqs;		/* ROW_IRQ */
	const char *guest;
	bool want[HV_NR];
	bool row[NR_ROWS];
};

static const struct config full = {
	.iter = 1000, .reps = 20, .touch_bytes = 256ULL << 20, .creates = 64,
	.irqs = 200,
};
static const struct config quick = {
	.iter = 50, .reps = 2, .touch_bytes = 4ULL << 20, .creates = 4, .irqs = 4,
};

/* One result. */
struct result {
	double ticks;		/* per operation */
	uint64_t ops;
	char note[160];
};

static void *guest_image;
/*
 * With 2 CPUs or more the vCPU thread runs on CPU 0 and the injecting
 * thread on CPU 1: the interrupt reaches a guest that is running.
 */
static bool cross_cpu;

static int pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}
static size_t guest_len;

/*
 * A VM running the bench guest: RAM at 0 with libpvx's long-mode tables,
 * the image and the parameters; for TOUCH a second slot.
 */
struct machine {
	struct pvx_memmap mm;	/* the guest-physical map, hypervisor-neutral */
	struct hv_vm vm;
	struct hv_vcpu vcpu;
	void *ram;
	void *region_map;
	size_t region_map_len;
};

static void machine_destroy(struct machine *m)
{
	hv_vcpu_destroy(&m->vcpu);
	hv_vm_destroy(&m->vm);
	if (m->ram)
		munmap(m->ram, BENCH_RAM_SIZE);
	if (m->region_map)
		munmap(m->region_map, m->region_map_len);
	m->ram = m->region_map = NULL;
}

/*
 * @size bytes, 2 MiB aligned, madvise(@advice), every page touched by the
 * host first if @prefault; added to @m's map.
 */
static int machine_add_region(struct machine *m, uint64_t size, int advice,
			      bool prefault)
{
	uintptr_t p;

	m->region_map_len = size + HUGE_2M;
	m->region_map = mmap(NULL, m->region_map_len, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m->region_map == MAP_FAILED) {
		m->region_map = NULL;
		return -errno;
	}
	p = ((uintptr_t)m->region_map + HUGE_2M - 1) & ~(HUGE_2M - 1);
	if (madvise((void *)p, size, advice))
		return -errno;
	for (uint64_t off = 0; prefault && off < size; off += 4096)
		((volatile char *)p)[off] = 0;
	return pvx_memmap_add(&m->mm, 1, BENCH_REGION_GPA, size, (void *)p, 0);
}

/* Build the guest's memory (the same bytes for either hypervisor). */
static int machine_memory(struct machine *m, const struct bench_params *p,
			  int advice, bool prefault, uint64_t *entry)
{
	struct pvx_image img;
	void *params;
	int r;

	m->ram = mmap(NULL, BENCH_RAM_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m->ram == MAP_FAILED) {
		m->ram = NULL;
		return -errno;
	}
	r = pvx_memmap_add(&m->mm, 0, 0, BENCH_RAM_SIZE, m->ram, 0);
	if (!r)
		r = pvx_load_elf(&m->mm, guest_image, guest_len, &img);
	if (!r && pvx_image_overlaps(&img, BENCH_PARAMS_GPA,
				     BENCH_PARAMS_GPA + sizeof(*p)))
		r = -EOVERFLOW;
	if (!r)
		r = pvx_mode_write_tables(&m->mm, PVX_MODE_LONG, BENCH_MAP_BYTES);
	if (r)
		return r;
	params = pvx_gpa_to_host(&m->mm, BENCH_PARAMS_GPA, sizeof(*p));
	if (!params)
		return -EFAULT;
	memcpy(params, p, sizeof(*p));
	*entry = img.entry;
	if (p->op == BENCH_OP_TOUCH)
		return machine_add_region(m, p->iter * p->stride, advice,
					  prefault);
	return 0;
}

static int machine_create(struct hv *h, struct machine *m,
			  const struct bench_params *p, int advice,
			  bool prefault)
{
	struct pvx_sregs s;
	struct pvx_regs regs;
	uint64_t entry = 0;
	int r;

	memset(m, 0, sizeof(*m));
	m->vm.fd = m->vcpu.fd = -1;
	r = machine_memory(m, p, advice, prefault, &entry);
	if (!r)
		r = hv_vm_create(h, &m->vm);
	for (uint32_t i = 0; !r && i < PVX_MAX_MEM_SLOTS; i++) {
		struct pvx_mem_slot *sl = &m->mm.slot[i];

		if (sl->size)
			r = hv_vm_add_memory(&m->vm, i, sl->gpa, sl->size,
					     sl->host);
	}
	if (!r && h->kind == HV_PVX) {
		/* As under KVM: HLT exits, MOV DR is the guest's (lazily). */
		struct pvx_exit_policy pol;

		pvx_policy_init(&pol);
		pol.trap &= ~PVX_TRAP_DR;
		r = pvx_vm_set_exit_policy(m->vm.pvx, &pol);
	}
	if (!r)
		r = hv_vcpu_create(&m->vm, 0, &m->vcpu);
	if (!r)
		r = pvx_mode_fill(PVX_MODE_LONG, entry,
				  pvx_mode_stack_top(PVX_MODE_LONG, 0), &s, &regs);
	if (!r) {
		regs.rdi = 0;	/* vCPU id and count, as pvx_ports.h says */
		regs.rsi = 1;
		r = hv_vcpu_set_state(&m->vcpu, &s, &regs);
	}
	return r;
}

/*
 * The second thread of the interrupt rows: waits until the guest is
 * armed (and, for HLT, until the vCPU thread sleeps), then reads the
 * TSC and injects.
 */
struct injector {
	struct hv_vcpu *vcpu;
	pthread_t vcpu_thread;
	pid_t vcpu_tid;
	bool wait_sleep;
	sem_t armed;
	uint64_t n;
	uint64_t *t0;
	int err;
	unsigned int not_asleep;	/* HLT waits that gave up */
};

/* Is thread @tid of this process asleep (state S or D)? */
static bool thread_asleep(pid_t tid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && (p[2] == 'S' || p[2] == 'D');
}

static void *injector_main(void *arg)
{
	struct injector *in = arg;

	if (cross_cpu)
		(void)pin_to_cpu(1);	/* unpinned, it is only slower */
	for (uint64_t i = 0; !in->err && i < in->n; i++) {
		while (sem_wait(&in->armed) && errno == EINTR)
			;
		if (in->wait_sleep) {
			int tries = 0;

			while (!thread_asleep(in->vcpu_tid) && ++tries < 200)
				sched_yield();
			if (tries >= 200)
				in->not_asleep++;
		}
		in->t0[i] = hv_rdtsc();
		in->err = hv_interrupt(in->vcpu, BENCH_VECTOR);
		if (in->err) {
			/* Get the vCPU out of its wait (SIGUSR1: EINTR). */
			pthread_kill(in->vcpu_thread, SIGUSR1);
			break;
		}
	}
	return NULL;
}

static void on_sigusr1(int sig)
{
	(void)sig;
}

/* What the run loop collects. */
struct run_state {
	uint32_t key, lo;
	bool exited;
	uint32_t status;
	uint64_t ticks, ticks_max;	/* the fastest and slowest run */
	unsigned int nticks;
	struct injector *inj;
	uint64_t *irq_tsc;
	uint64_t nirq;
	uint64_t hlt_exits;	/* HLTs that came back to userspace */
	char console[256];
	size_t console_len;
};

static void report(struct run_state *st, uint32_t key, uint64_t value)
{
	switch (key) {
	case BENCH_KEY_TICKS:
		if (!st->nticks++ || value < st->ticks)
			st->ticks = value;
		if (value > st->ticks_max)
			st->ticks_max = value;
		break;
	case BENCH_KEY_ARM:
		if (st->inj)
			sem_post(&st->inj->armed);
		break;
	case BENCH_KEY_IRQ_TSC:
		if (st->inj && st->nirq < st->inj->n)
			st->irq_tsc[st->nirq++] = value;
		break;
	}
}

/* The ports of pvx_ports.h and BENCH_PORT; as cheap as can be. */
static void serve_io(struct run_state *st, const struct hv_exit *e)
{
	uint32_t v = 0;

	if (e->out && e->count == 1)
		memcpy(&v, e->data, e->size <= 4 ? e->size : 4);
	switch (e->port) {
	case BENCH_PORT:
		if (!e->out)
			memset(e->data, 0, (size_t)e->size * e->count);
		return;
	case PVX_PORT_REPORT_KEY:
		st->key = v;
		return;
	case PVX_PORT_REPORT_LO:
		st->lo = v;
		return;
	case PVX_PORT_REPORT_HI:
		report(st, st->key, ((uint64_t)v << 32) | st->lo);
		return;
	case PVX_PORT_EXIT:
		st->exited = true;
		st->status = v;
		return;
	case PVX_PORT_UART + PVX_UART_THR:
		if (e->out && st->console_len < sizeof(st->console) - 1)
			st->console[st->console_len++] = (char)v;
		return;
	case PVX_PORT_UART + PVX_UART_LSR:
		if (!e->out)
			memset(e->data, PVX_UART_LSR_IDLE, e->size);
		return;
	default:
		if (!e->out)
			memset(e->data, 0xff, (size_t)e->size * e->count);
	}
}

static int machine_run(struct machine *m, struct run_state *st, char *why,
		       size_t len)
{
	struct hv_exit e;

	while (!st->exited) {
		int r = hv_vcpu_run(&m->vcpu, &e);

		if (r) {
			snprintf(why, len, "run: %s", strerror(-r));
			return r;
		}
		switch (e.reason) {
		case HV_EXIT_IO:
			serve_io(st, &e);
			break;
		case HV_EXIT_MMIO:
			if (e.gpa != BENCH_MMIO_GPA || e.len > 8) {
				snprintf(why, len, "MMIO at %#" PRIx64, e.gpa);
				return -EFAULT;
			}
			if (!e.write)
				memset(e.mmio_data, 0, e.len);
			break;
		case HV_EXIT_HLT:
			st->hlt_exits++;
			break;
		case HV_EXIT_INTR:
			if (st->inj && st->inj->err) {
				snprintf(why, len, "inject: %s",
					 strerror(-st->inj->err));
				return st->inj->err;
			}
			break;
		default:
			st->console[st->console_len] = 0;
			snprintf(why, len, "exit reason %u (console: %.160s)",
				 e.raw, st->console);
			return -EPROTO;
		}
	}
	if (st->status) {
		snprintf(why, len, "guest exit status %u", st->status);
		return -EPROTO;
	}
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* AnonHugePages of this process, in kB (THP actually used). */
static long anon_huge_kb(void)
{
	char *t = read_text("/proc/self/smaps_rollup"), *p;
	long kb = -1;

	p = t ? strstr(t, "AnonHugePages:") : NULL;
	if (p)
		kb = strtol(p + strlen("AnonHugePages:"), NULL, 10);
	free(t);
	return kb;
}

static int row_guest(struct hv *h, const struct row *row,
		     const struct config *cfg, struct result *res, char *why,
		     size_t len)
{
	struct bench_params p = { .op = row->op, .iter = cfg->iter,
				  .reps = cfg->reps };
	struct run_state st = { 0 };
	struct machine m;
	int r;

	if (row->kind == ROW_TOUCH) {
		p.op = BENCH_OP_TOUCH;
		p.region = BENCH_REGION_GPA;
		p.stride = row->stride;
		p.iter = cfg->touch_bytes / row->stride;
		p.reps = 1;	/* a page is touched first only once */
	}
	r = machine_create(h, &m, &p, row->advice, row->prefault);
	if (r)
		snprintf(why, len, "setup: %s", strerror(-r));
	else
		r = machine_run(&m, &st, why, len);
	if (!r && st.nticks != p.reps) {
		snprintf(why, len, "%u of %" PRIu64 " runs reported", st.nticks,
			 p.reps);
		r = -EPROTO;
	}
	if (!r) {
		res->ticks = (double)st.ticks / p.iter;
		res->ops = p.iter;
		if (p.reps > 1)
			snprintf(res->note, sizeof(res->note),
				 "fastest of %" PRIu64 " runs, slowest %.0f",
				 p.reps, (double)st.ticks_max / p.iter);
	}
	if (!r && row->kind == ROW_TOUCH && row->advice == MADV_HUGEPAGE) {
		long kb = anon_huge_kb();

		snprintf(res->note, sizeof(res->note),
			 kb > 0 ? "%ld kB in THPs" :
			 "no THP backing (%ld kB): 4 KiB host pages", kb);
	}
	machine_destroy(&m);
	return r;
}

static int row_irq(struct hv *h, const struct row *row,
		   const struct config *cfg, struct result *res, char *why,
		   size_t len)
{
	struct bench_params p = { .op = row->op, .iter = cfg->irqs };
	struct injector in = { .n = cfg->irqs,
			       .wait_sleep = row->op == BENCH_OP_HLT_IRQ };
	struct run_state st = { .inj = &in };
	int64_t *lat = NULL, offset;
	uint64_t error;
	struct machine m;
	pthread_t thread;
	bool started = false;
	int r;

	if (h->kind == HV_KVM)
		p.flags |= BENCH_F_APIC;
	in.t0 = calloc(in.n, sizeof(*in.t0));
	st.irq_tsc = calloc(in.n, sizeof(*st.irq_tsc));
	lat = calloc(in.n, sizeof(*lat));
	if (!in.t0 || !st.irq_tsc || !lat || sem_init(&in.armed, 0, 0)) {
		snprintf(why, len, "out of memory");
		return -ENOMEM;
	}
	r = machine_create(h, &m, &p, 0, false);
	if (r) {
		snprintf(why, len, "setup: %s", strerror(-r));
	} else {
		in.vcpu = &m.vcpu;
		in.vcpu_thread = pthread_self();
		in.vcpu_tid = gettid();
		r = -pthread_create(&thread, NULL, injector_main, &in);
		started = !r;
		if (r)
			snprintf(why, len, "thread: %s", strerror(-r));
	}
	if (!r)
		r = machine_run(&m, &st, why, len);
	if (started) {
		if (r) {	/* let a waiting injector finish */
			for (uint64_t i = 0; i < in.n; i++)
				sem_post(&in.armed);
		}
		pthread_join(thread, NULL);
	}
	if (!r && st.nirq != in.n) {
		snprintf(why, len, "%" PRIu64 " of %" PRIu64 " interrupts seen",
			 st.nirq, in.n);
		r = -EPROTO;
	}
	if (!r) {
		r = hv_tsc_offset(&m.vcpu, &offset, &error);
		if (r)
			snprintf(why, len, "TSC offset: %s", strerror(-r));
	}
	if (!r) {
		for (uint64_t i = 0; i < in.n; i++)
			lat[i] = (int64_t)(st.irq_tsc[i] - offset - in.t0[i]);
		qsort(lat, in.n, sizeof(*lat), cmp_i64);
		res->ticks = lat[in.n / 2];
		res->ops = in.n;
		snprintf(res->note, sizeof(res->note),
			 "min %" PRId64 " max %" PRId64 ", TSC offset +-%" PRIu64
			 "%s%s", lat[0], lat[in.n - 1], error,
			 st.hlt_exits ? ", HLT exits to userspace" : "",
			 in.not_asleep ? ", vCPU thread not seen asleep" : "");
	}
	machine_destroy(&m);
	sem_destroy(&in.armed);
	free(in.t0);
	free(st.irq_tsc);
	free(lat);
	return r;
}

static int row_vm_create(struct hv *h, const struct config *cfg,
			 struct result *res, char *why, size_t len)
{
	uint64_t sum = 0;

	for (uint64_t i = 0; i < cfg->creates; i++) {
		uint64_t t0 = hv_rdtsc();
		int fd = hv_create_vm_fd(h);

		if (fd < 0) {
			snprintf(why, len, "create VM: %s", strerror(-fd));
			return fd;
		}
		close(fd);
		sum += hv_rdtsc() - t0;
	}
	res->ticks = (double)sum / cfg->creates;
	res->ops = cfg->creates;
	return 0;
}

static int row_vcpu_create(struct hv *h, const struct config *cfg,
			   struct result *res, char *why, size_t len)
{
	uint64_t sum = 0, done = 0;
	int fds[VCPUS_PER_VM];

	while (done < cfg->creates) {
		int vm = hv_create_vm_fd(h), n = 0, r = 0;

		if (vm < 0) {
			snprintf(why, len, "create VM: %s", strerror(-vm));
			return vm;
		}
		for (; n < VCPUS_PER_VM && done < cfg->creates; n++, done++) {
			uint64_t t0 = hv_rdtsc();

			fds[n] = hv_create_vcpu_fd(h, vm, n);
			sum += hv_rdtsc() - t0;
			if (fds[n] < 0) {
				r = fds[n];
				snprintf(why, len, "create vCPU: %s",
					 strerror(-r));
				break;
			}
		}
		while (n-- > 0)
			if (fds[n] >= 0)
				close(fds[n]);
		close(vm);
		if (r)
			return r;
	}
	res->ticks = (double)sum / cfg->creates;
	res->ops = cfg->creates;
	return 0;
}

/* @n run ioctls that must return EINTR at once; host ticks into *@ticks. */
static int immediate_runs(struct hv_vcpu *v, uint64_t n, uint64_t *ticks)
{
	uint64_t t0 = hv_rdtsc();

	for (uint64_t i = 0; i < n; i++)
		if (hv_vcpu_run_ioctl(v) != -1 || errno != EINTR)
			return -EPROTO;
	*ticks = hv_rdtsc() - t0;
	return 0;
}

static int row_immediate(struct hv *h, const struct config *cfg,
			 struct result *res, char *why, size_t len)
{
	struct hv_vm vm;
	struct hv_vcpu v = { .fd = -1 };
	uint64_t best = 0, t;
	int r = hv_vm_create(h, &vm);

	if (!r)
		r = hv_vcpu_create(&vm, 0, &v);
	if (r) {
		snprintf(why, len, "setup: %s", strerror(-r));
	} else {
		hv_vcpu_immediate_exit(&v, true);
		/* One call first: KVM sets up lazily on the first KVM_RUN. */
		r = immediate_runs(&v, 1, &best);
		for (uint64_t i = 0; !r && i < cfg->reps; i++) {
			r = immediate_runs(&v, cfg->iter, &t);
			best = i && best < t ? best : t;
		}
		if (r)
			snprintf(why, len, "run did not return EINTR");
	}
	if (!r) {
		res->ticks = (double)best / cfg->iter;
		res->ops = cfg->iter;
		snprintf(res->note, sizeof(res->note), "fastest of %" PRIu64
			 " runs", cfg->reps);
	}
	hv_vcpu_destroy(&v);
	hv_vm_destroy(&vm);
	return r;
}

/*
 * The host's own cost of a first touch, in this process, without any VM:
 * what the EPT rows pay inside pin_user_pages_fast() for a page the host
 * has not faulted in yet.
 */
static int row_host_touch(const struct row *row, const struct config *cfg,
			  struct result *res, char *why, size_t len)
{
	uint64_t n = cfg->touch_bytes / row->stride, t0, t1;
	volatile char *p = mmap(NULL, cfg->touch_bytes, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		snprintf(why, len, "mmap: %s", strerror(errno));
		return -ENOMEM;
	}
	madvise((void *)p, cfg->touch_bytes, row->advice);
	t0 = hv_rdtsc();
	for (uint64_t i = 0; i < n; i++)
		p[i * row->stride] = 1;
	t1 = hv_rdtsc();
	munmap((void *)p, cfg->touch_bytes);
	res->ticks = (double)(t1 - t0) / n;
	res->ops = n;
	snprintf(res->note, sizeof(res->note), "host TSC, no hypervisor");
	return 0;
}

/*
 * The copy row's timing: @cfg->reps runs of @cfg->iter copies of 4 KiB
 * into @dst, from grant GREF_RW of @vm (PVX_GNT_COPY: the checks, the
 * entry's flags set and cleared, the page pinned and unpinned,
 * copy_to_user) or, with no @vm, from @src by memcpy. Ticks per copy of
 * the fastest run, or -errno.
 */
static int copy_once(struct pvx_vm *vm, const unsigned char *src,
		     unsigned char *dst)
{
	struct pvx_gnt_copy_seg seg;
	int r;

	if (!vm) {
		memcpy(dst, src, PVX_GNT_PAGE_SIZE);
		__asm__ volatile("" : : "r"(dst) : "memory");
		return 0;
	}
	pvx_gnt_seg(&seg, GREF_RW, 0, PVX_GNT_PAGE_SIZE, dst, false);
	r = pvx_gnt_copy(vm, &seg, 1);
	return r ? r : seg.status ? -EIO : 0;
}

static double time_copies(const struct config *cfg, struct pvx_vm *vm,
			  const unsigned char *src, unsigned char *dst)
{
	uint64_t best = UINT64_MAX;

	for (uint64_t rep = 0; rep < cfg->reps; rep++) {
		uint64_t t0 = hv_rdtsc(), t;

		for (uint64_t i = 0; i < cfg->iter; i++) {
			int r = copy_once(vm, src, dst);

			if (r)
				return r;
		}
		t = hv_rdtsc() - t0;
		best = t < best ? t : best;
	}
	return (double)best / cfg->iter;
}

struct copy_bench {
	const struct config *cfg;
	double grant, plain;	/* ticks per copy */
};

/* The grant guest granted its pages: time both copies, from here. */
static int copy_bench_sync(struct gnt_vm *t, uint32_t what)
{
	static unsigned char src[PVX_GNT_PAGE_SIZE], dst[PVX_GNT_PAGE_SIZE];
	struct copy_bench *cb = t->opaque;

	if (what != GNT_SYNC_GRANTED)
		return PVX_RUN_STOP;
	memset(src, 1, sizeof(src));
	cb->grant = time_copies(cb->cfg, t->g.vm, NULL, dst);
	cb->plain = time_copies(cb->cfg, NULL, src, dst);
	return PVX_RUN_CONTINUE;
}

/*
 * What a backend pays to read 4 KiB of its guest: under pvx a copy from
 * a page the guest granted (the grant guest, tests/guest/grant.c); under
 * KVM, whose VMM maps all of guest RAM, a memcpy. Both copy the same warm
 * page again and again; the pvx row's note has the memcpy measured in the
 * same process, so the grant's own cost is the difference.
 */
static int row_copy_4k(struct hv *h, const struct config *cfg,
		       struct result *res, char *why, size_t len)
{
	static unsigned char src[PVX_GNT_PAGE_SIZE], dst[PVX_GNT_PAGE_SIZE];
	struct copy_bench cb = { .cfg = cfg };
	struct gnt_vm t;
	int r = 0;

	if (h->kind != HV_PVX) {
		memset(src, 1, sizeof(src));
		res->ticks = time_copies(cfg, NULL, src, dst);
		res->ops = cfg->iter;
		snprintf(res->note, sizeof(res->note),
			 "memcpy, fastest of %" PRIu64 " runs", cfg->reps);
		return 0;
	}
	r = gnt_vm_start(&t, h->sys_fd, GNT_SCEN_GRANTS, copy_bench_sync);
	if (r) {
		snprintf(why, len, "grant guest: %s", strerror(-r));
		return r;
	}
	t.opaque = &cb;
	if (!gnt_vm_run_to_exit(&t) || t.syncs != 1 || cb.grant <= 0) {
		snprintf(why, len, "grant guest or copies failed (%.0f)",
			 cb.grant);
		r = cb.grant < 0 ? (int)cb.grant : -EPROTO;
	}
	gnt_vm_stop(&t);
	if (r)
		return r;
	res->ticks = cb.grant;
	res->ops = cfg->iter;
	snprintf(res->note, sizeof(res->note),
		 "fastest of %" PRIu64 " runs; memcpy here %.0f ticks",
		 cfg->reps, cb.plain);
	return 0;
}

static int run_row(struct hv *h, const struct row *row,
		   const struct config *cfg, struct result *res, char *why,
		   size_t len)
{
	switch (row->kind) {
	case ROW_GUEST:
	case ROW_TOUCH:
		return row_guest(h, row, cfg, res, why, len);
	case ROW_VM_CREATE:
		return row_vm_create(h, cfg, res, why, len);
	case ROW_VCPU_CREATE:
		return row_vcpu_create(h, cfg, res, why, len);
	case ROW_IMMEDIATE:
		return row_immediate(h, cfg, res, why, len);
	case ROW_IRQ:
		return row_irq(h, row, cfg, res, why, len);
	case ROW_HOST_TOUCH:
		return row_host_touch(row, cfg, res, why, len);
	case ROW_COPY_4K:
		return row_copy_4k(h, cfg, res, why, len);
	}
	return -EINVAL;
}

/* Can this hypervisor inject from another thread? (pvx: ABI of issue 4) */
static bool can_inject(struct hv *h, char *why, size_t len)
{
	struct pvx_interrupt bad = { .vector = 0 };
	struct hv_vm vm;
	struct hv_vcpu v = { .fd = -1 };
	bool ok = true;

	if (h->kind != HV_PVX)
		return true;
	if (hv_vm_create(h, &vm))
		return false;
	if (!hv_vcpu_create(&vm, 0, &v) &&
	    ioctl(v.fd, PVX_INTERRUPT, &bad) && errno == ENOTTY) {
		/* Vector 0 is -EINVAL where PVX_INTERRUPT exists. */
		snprintf(why, len, "PVX_INTERRUPT not in this pvx (ENOTTY)");
		ok = false;
	}
	hv_vcpu_destroy(&v);
	hv_vm_destroy(&vm);
	return ok;
}

static double elapsed(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) + (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void run_rows(struct hv *h, const struct config *cfg,
		     struct result res[NR_ROWS])
{
	char why[256], skip[256], name[64], label[128];
	bool inject = can_inject(h, skip, sizeof(skip));

	for (size_t i = 0; i < NR_ROWS; i++) {
		const struct row *row = &rows[i];
		struct timespec t0;
		int r;

		if (!cfg->row[i])
			continue;
		/* Rows of a 2-CPU box are other rows of the report. */
		snprintf(name, sizeof(name), "%s%s", row->name,
			 cross_cpu ? "_2cpu" : "");
		snprintf(label, sizeof(label), "%s%s", row->label,
			 cross_cpu ? ", 2 CPUs" : "");
		if (row->kind == ROW_IRQ && !inject) {
			tap_skip("%s %s: %s", hv_name(h->kind), name, skip);
			res[i].ticks = -1;
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &t0);
		why[0] = 0;
		r = run_row(h, row, cfg, &res[i], why, sizeof(why));
		if (r)
			res[i].ticks = -1;
		tap_ok(!r && res[i].ticks > 0,
		       "%s %s: %.0f ticks/op over %" PRIu64 " ops%s%s (%.1f s)",
		       hv_name(h->kind), name, r ? 0 : res[i].ticks,
		       r ? 0 : res[i].ops, r ? ", " : "", r ? why : "",
		       elapsed(&t0));
		if (!r)
			printf("# bench-row {\"row\": \"%s\", \"label\": \"%s\", "
			       "\"hv\": \"%s\", \"ticks_per_op\": %.1f, "
			       "\"ops\": %" PRIu64 ", \"note\": \"%s\"}\n",
			       name, label, hv_name(h->kind), res[i].ticks, res[i].ops, res[i].note);
		fflush(stdout);
	}
}

/* The hypervisor's rows, or one skip each when it is not there. */
static void run_hv(enum hv_kind kind, const struct config *cfg,
		   struct result res[NR_ROWS], bool present, const char *why)
{
	struct hv h;
	int r = present ? hv_open(&h, kind) : -ENODEV;

	if (!tap_ok(r == 0, "%s: open /dev/%s (%s)", hv_name(kind),
		    hv_name(kind), r ? (present ? strerror(-r) : why) : "ok")) {
		for (size_t i = 0; i < NR_ROWS; i++) {
			res[i].ticks = -1;
			if (cfg->row[i])
				tap_skip("%s %s: no /dev/%s", hv_name(kind),
					 rows[i].name, hv_name(kind));
		}
		return;
	}
	run_rows(&h, cfg, res);
	hv_close(&h);
}

/* Model name and count of the box's CPUs, the kernel, THP's mode. */
static void print_config(const struct config *cfg)
{
	char *cpuinfo = read_text("/proc/cpuinfo");
	char *thp = read_text("/sys/kernel/mm/transparent_hugepage/enabled");
	char model[128] = "unknown", *p, *nl;
	struct utsname u;

	p = cpuinfo ? strstr(cpuinfo, "model name") : NULL;
	p = p ? strchr(p, ':') : NULL;
	if (p) {
		snprintf(model, sizeof(model), "%s", p + 2);
		nl = strchr(model, '\n');
		if (nl)
			*nl = 0;
	}
	if (thp && (nl = strchr(thp, '\n')))
		*nl = 0;
	uname(&u);
	printf("# bench-config {\"cpu\": \"%s\", \"cpus\": %d, "
	       "\"kernel\": \"%s\", \"thp\": \"%s\", \"iter\": %" PRIu64
	       ", \"reps\": %" PRIu64 ", \"touch_mib\": %" PRIu64 ", \"creates\": %" PRIu64
	       ", \"irqs\": %" PRIu64 "}\n", model, online_cpus(), u.release,
	       thp ? thp : "absent", cfg->iter, cfg->reps,
	       cfg->touch_bytes >> 20,
	       cfg->creates, cfg->irqs);
	free(cpuinfo);
	free(thp);
}

static void usage(void)
{
	fprintf(stderr, "usage: bench [--quick] [--hv pvx,kvm] "
		"[--rows NAME,...] [--iter N] [--guest PATH]\n");
	exit(2);
}

static void parse_list(char *s, struct config *cfg, bool hvs)
{
	for (char *t = strtok(s, ","); t; t = strtok(NULL, ",")) {
		bool found = false;

		for (size_t i = 0; hvs && i < HV_NR; i++)
			if (!strcmp(t, hv_name(i)))
				found = cfg->want[i] = true;
		for (size_t i = 0; !hvs && i < NR_ROWS; i++)
			if (!strcmp(t, rows[i].name))
				found = cfg->row[i] = true;
		if (!found)
			usage();
	}
}

static void parse_args(int argc, char **argv, struct config *cfg)
{
	const struct config *sizes = &full;
	const char *guest = "/pvx/guests/bench";
	bool hvs = false, some_rows = false;
	uint64_t iter = 0;

	memset(cfg, 0, sizeof(*cfg));
	for (int i = 1; i < argc; i++) {
		const char *next = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(argv[i], "--quick")) {
			sizes = &quick;
		} else if (!strcmp(argv[i], "--hv") && next) {
			parse_list(argv[++i], cfg, true);
			hvs = true;
		} else if (!strcmp(argv[i], "--rows") && next) {
			parse_list(argv[++i], cfg, false);
			some_rows = true;
		} else if (!strcmp(argv[i], "--iter") && next) {
			iter = strtoull(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--guest") && next) {
			guest = argv[++i];
		} else {
			usage();
		}
	}
	cfg->iter = iter ? iter : sizes->iter;
	cfg->reps = sizes->reps;
	cfg->touch_bytes = sizes->touch_bytes;
	cfg->creates = sizes->creates;
	cfg->irqs = sizes->irqs;
	cfg->guest = guest;
	if (!hvs)
		cfg->want[HV_PVX] = cfg->want[HV_KVM] = true;
	if (!some_rows)
		for (size_t i = 0; i < NR_ROWS; i++)
			cfg->row[i] = true;
}

static int rows_wanted(const struct config *cfg)
{
	int n = 0;

	for (size_t i = 0; i < NR_ROWS; i++)
		n += cfg->row[i];
	return n;
}

/* pvx out, kvm_intel in (they cannot both hold VMX root). */
static bool switch_to_kvm(char *why, size_t len)
{
	struct timespec t0;
	int r = pvxtest_module_loaded("pvx") ? pvxtest_rmmod("pvx") : 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!r)
		r = pvxtest_load_kvm();
	snprintf(why, len, "%s, %.1f s", r ? strerror(-r) : "ok", elapsed(&t0));
	return tap_ok(!r, "rmmod pvx, load kvm_intel (%s)", why);
}

int main(int argc, char **argv)
{
	static struct result res[HV_NR][NR_ROWS];
	struct config cfg;
	struct sigaction sa = { .sa_handler = on_sigusr1 };
	char why[128];
	bool kvm_ok = false;
	int r, nrows;

	/* No SA_RESTART: the signal ends a blocked run ioctl with EINTR. */
	sigaction(SIGUSR1, &sa, NULL);
	parse_args(argc, argv, &cfg);
	nrows = rows_wanted(&cfg);
	cross_cpu = online_cpus() >= 2 && pin_to_cpu(0) == 0;
	tap_plan(2 + (cfg.want[HV_PVX] ? 1 + nrows : 0) +
		 (cfg.want[HV_KVM] ? 3 + nrows : 0));
	print_config(&cfg);
	r = pvx_read_file(cfg.guest, 8 << 20, &guest_image, &guest_len);
	if (!tap_ok(r == 0, "guest image %s (%s)", cfg.guest,
		    r ? strerror(-r) : "ok"))
		tap_bail("no guest");
	r = pvxtest_unload_kvm();
	if (!r)
		r = pvxtest_load_pvx();
	tap_ok(r == 0, "pvx loaded, KVM not (%s)", r ? strerror(-r) : "ok");
	if (cfg.want[HV_PVX])
		run_hv(HV_PVX, &cfg, res[HV_PVX], r == 0, "pvx did not load");
	if (cfg.want[HV_KVM]) {
		kvm_ok = switch_to_kvm(why, sizeof(why));
		run_hv(HV_KVM, &cfg, res[HV_KVM], kvm_ok, why);
		r = pvxtest_unload_kvm();
		if (!r)
			r = pvxtest_load_pvx();
		tap_ok(r == 0, "kvm_intel unloaded, pvx loaded again (%s)",
		       r ? strerror(-r) : "ok");
	}
	for (size_t i = 0; i < NR_ROWS; i++) {
		double p = res[HV_PVX][i].ticks, k = res[HV_KVM][i].ticks;
		char ratio[32] = "";

		if (!cfg.row[i])
			continue;
		if (p > 0 && k > 0)
			snprintf(ratio, sizeof(ratio), "  pvx/kvm %.2f", p / k);
		tap_diag("%-14s pvx %10.0f  kvm %10.0f%s", rows[i].name,
			 p > 0 ? p : 0, k > 0 ? k : 0, ratio);
	}
	free(guest_image);
	return tap_finish();
}
