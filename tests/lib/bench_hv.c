// SPDX-License-Identifier: GPL-2.0
/*
 * pvx and KVM behind one interface, for the benchmark (bench_hv.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "bench_hv.h"

#define MSR_IA32_TSC		0x10
#define KVM_MAX_CPUID		256
/* The local APIC's MSI address: fixed delivery, physical APIC id 0 + id. */
#define MSI_ADDR_BASE		0xfee00000U

const char *hv_name(enum hv_kind kind)
{
	return kind == HV_PVX ? "pvx" : kind == HV_KVM ? "kvm" : NULL;
}

int hv_open(struct hv *h, enum hv_kind kind)
{
	int r;

	memset(h, 0, sizeof(*h));
	h->kind = kind;
	if (kind == HV_PVX) {
		h->sys_fd = pvx_open_system();
		if (h->sys_fd < 0)
			return h->sys_fd;
		r = ioctl(h->sys_fd, PVX_GET_VCPU_MMAP_SIZE, 0);
	} else {
		h->sys_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
		if (h->sys_fd < 0)
			return -errno;
		r = ioctl(h->sys_fd, KVM_GET_API_VERSION, 0);
		if (r != KVM_API_VERSION) {
			close(h->sys_fd);
			return r < 0 ? -errno : -EPROTO;
		}
		r = ioctl(h->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	}
	if (r <= 0) {
		r = r < 0 ? -errno : -EPROTO;
		close(h->sys_fd);
		return r;
	}
	h->run_size = r;
	return 0;
}

void hv_close(struct hv *h)
{
	if (h->sys_fd >= 0)
		close(h->sys_fd);
	h->sys_fd = -1;
}

int hv_create_vm_fd(struct hv *h)
{
	int fd = ioctl(h->sys_fd, h->kind == HV_PVX ? PVX_CREATE_VM :
		       KVM_CREATE_VM, 0);

	return fd < 0 ? -errno : fd;
}

int hv_create_vcpu_fd(struct hv *h, int vm_fd, unsigned int id)
{
	int fd = ioctl(vm_fd, h->kind == HV_PVX ? PVX_CREATE_VCPU :
		       KVM_CREATE_VCPU, id);

	return fd < 0 ? -errno : fd;
}

int hv_vm_create(struct hv *h, struct hv_vm *vm)
{
	int r;

	memset(vm, 0, sizeof(*vm));
	vm->hv = h;
	if (h->kind == HV_PVX) {
		r = pvx_vm_create(h->sys_fd, &vm->pvx);
		if (!r)
			vm->fd = vm->pvx->fd;
		return r;
	}
	vm->fd = hv_create_vm_fd(h);
	if (vm->fd < 0)
		return vm->fd;
	if (ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0)) {
		r = -errno;
		close(vm->fd);
		return r;
	}
	return 0;
}

void hv_vm_destroy(struct hv_vm *vm)
{
	if (vm->pvx)
		pvx_vm_destroy(vm->pvx);
	else if (vm->fd > 0)
		close(vm->fd);
	vm->pvx = NULL;
	vm->fd = -1;
}

int hv_vm_add_memory(struct hv_vm *vm, uint32_t slot, uint64_t gpa,
		     uint64_t size, void *host)
{
	struct kvm_userspace_memory_region m = {
		.slot = slot, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = (uint64_t)host,
	};

	if (vm->pvx)
		return pvx_vm_add_memory(vm->pvx, slot, gpa, size, host, 0);
	return ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &m) ? -errno : 0;
}

static int pvx_default_cpuid(struct pvx_vcpu *vcpu, unsigned int id)
{
	static struct pvx_cpuid_entry cpuid[PVX_MAX_CPUID_ENTRIES];
	int n = pvx_cpuid_default(cpuid, PVX_MAX_CPUID_ENTRIES);

	if (n < 0)
		return n;
	pvx_cpuid_set_apic_id(cpuid, n, id);
	return pvx_vcpu_set_cpuid(vcpu, cpuid, n);
}

/* What a VMM gives a KVM guest by default: KVM_GET_SUPPORTED_CPUID. */
static int kvm_default_cpuid(struct hv_vcpu *v)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + KVM_MAX_CPUID *
				      sizeof(struct kvm_cpuid_entry2));
	int r = -ENOMEM;

	if (!c)
		return r;
	c->nent = KVM_MAX_CPUID;
	r = ioctl(v->vm->hv->sys_fd, KVM_GET_SUPPORTED_CPUID, c);
	if (!r)
		r = ioctl(v->fd, KVM_SET_CPUID2, c);
	r = r ? -errno : 0;
	free(c);
	return r;
}

int hv_vcpu_create(struct hv_vm *vm, unsigned int id, struct hv_vcpu *v)
{
	int r;

	memset(v, 0, sizeof(*v));
	v->vm = vm;
	if (vm->pvx) {
		r = pvx_vcpu_create(vm->pvx, id, &v->pvx);
		if (r)
			return r;
		v->fd = v->pvx->fd;
		v->run = v->pvx->run;
		v->run_size = v->pvx->mmap_size;
		return pvx_default_cpuid(v->pvx, id);
	}
	v->fd = hv_create_vcpu_fd(vm->hv, vm->fd, id);
	if (v->fd < 0)
		return v->fd;
	v->run_size = vm->hv->run_size;
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->fd, 0);
	if (v->run == MAP_FAILED) {
		r = -errno;
		v->run = NULL;
		hv_vcpu_destroy(v);
		return r;
	}
	return kvm_default_cpuid(v);
}

void hv_vcpu_destroy(struct hv_vcpu *v)
{
	if (v->pvx) {
		pvx_vcpu_destroy(v->pvx);
	} else {
		if (v->run)
			munmap(v->run, v->run_size);
		if (v->fd > 0)
			close(v->fd);
	}
	v->pvx = NULL;
	v->run = NULL;
	v->fd = -1;
}

static void kvm_seg(struct kvm_segment *k, const struct pvx_segment *p)
{
	*k = (struct kvm_segment){
		.base = p->base, .limit = p->limit, .selector = p->selector,
		.type = p->type, .present = p->present, .dpl = p->dpl,
		.db = p->db, .s = p->s, .l = p->l, .g = p->g, .avl = p->avl,
		.unusable = p->unusable,
	};
}

static int kvm_set_state(struct hv_vcpu *v, const struct pvx_sregs *s,
			 const struct pvx_regs *r)
{
	struct kvm_sregs ks;
	struct kvm_regs kr = {
		.rax = r->rax, .rbx = r->rbx, .rcx = r->rcx, .rdx = r->rdx,
		.rsi = r->rsi, .rdi = r->rdi, .rsp = r->rsp, .rbp = r->rbp,
		.r8 = r->r8, .r9 = r->r9, .r10 = r->r10, .r11 = r->r11,
		.r12 = r->r12, .r13 = r->r13, .r14 = r->r14, .r15 = r->r15,
		.rip = r->rip, .rflags = r->rflags,
	};

	/* Keep what pvx_sregs has no field for (APIC base, pending IRQs). */
	if (ioctl(v->fd, KVM_GET_SREGS, &ks))
		return -errno;
	kvm_seg(&ks.cs, &s->cs);
	kvm_seg(&ks.ds, &s->ds);
	kvm_seg(&ks.es, &s->es);
	kvm_seg(&ks.fs, &s->fs);
	kvm_seg(&ks.gs, &s->gs);
	kvm_seg(&ks.ss, &s->ss);
	kvm_seg(&ks.tr, &s->tr);
	kvm_seg(&ks.ldt, &s->ldt);
	ks.gdt = (struct kvm_dtable){ .base = s->gdt.base, .limit = s->gdt.limit };
	ks.idt = (struct kvm_dtable){ .base = s->idt.base, .limit = s->idt.limit };
	ks.cr0 = s->cr0;
	ks.cr2 = s->cr2;
	ks.cr3 = s->cr3;
	ks.cr4 = s->cr4;
	ks.efer = s->efer;
	if (ioctl(v->fd, KVM_SET_SREGS, &ks) || ioctl(v->fd, KVM_SET_REGS, &kr))
		return -errno;
	return 0;
}

int hv_vcpu_set_state(struct hv_vcpu *v, const struct pvx_sregs *s,
		      const struct pvx_regs *r)
{
	int ret;

	if (!v->pvx)
		return kvm_set_state(v, s, r);
	ret = pvx_vcpu_set_sregs(v->pvx, s);
	return ret ? ret : pvx_vcpu_set_regs(v->pvx, r);
}

int hv_vcpu_run_ioctl(struct hv_vcpu *v)
{
	return ioctl(v->fd, v->pvx ? PVX_RUN : KVM_RUN, 0);
}

/*
 * The exit in @run, a struct pvx_run or struct kvm_run, into the hv_exit
 * @e. pvx's ABI is KVM-shaped: both have the same io and mmio fields, and
 * exit reasons of the same names under their prefix @P (PVX or KVM).
 */
#define HV_DECODE_EXIT(run, e, P)					\
do {									\
	(e)->raw = (run)->exit_reason;					\
	switch ((run)->exit_reason) {					\
	case P##_EXIT_IO:						\
		(e)->reason = HV_EXIT_IO;				\
		(e)->port = (run)->io.port;				\
		(e)->size = (run)->io.size;				\
		(e)->out = (run)->io.direction == P##_EXIT_IO_OUT;	\
		(e)->count = (run)->io.count;				\
		(e)->data = (char *)(run) + (run)->io.data_offset;	\
		break;							\
	case P##_EXIT_MMIO:						\
		(e)->reason = HV_EXIT_MMIO;				\
		(e)->gpa = (run)->mmio.phys_addr;			\
		(e)->len = (run)->mmio.len;				\
		(e)->write = (run)->mmio.is_write;			\
		(e)->mmio_data = (run)->mmio.data;			\
		break;							\
	case P##_EXIT_HLT:						\
		(e)->reason = HV_EXIT_HLT;				\
		break;							\
	case P##_EXIT_INTR:						\
		(e)->reason = HV_EXIT_INTR;				\
		break;							\
	default:							\
		(e)->reason = HV_EXIT_OTHER;				\
	}								\
} while (0)

static void pvx_exit(struct pvx_run *run, struct hv_exit *e)
{
	HV_DECODE_EXIT(run, e, PVX);
}

static void kvm_exit(struct kvm_run *run, struct hv_exit *e)
{
	HV_DECODE_EXIT(run, e, KVM);
}

int hv_vcpu_run(struct hv_vcpu *v, struct hv_exit *e)
{
	memset(e, 0, sizeof(*e));
	if (hv_vcpu_run_ioctl(v)) {
		if (errno != EINTR)
			return -errno;
		e->reason = HV_EXIT_INTR;
		return 0;
	}
	if (v->pvx)
		pvx_exit(v->run, e);
	else
		kvm_exit(v->run, e);
	return 0;
}

void hv_vcpu_immediate_exit(struct hv_vcpu *v, bool on)
{
	if (v->pvx) {
		struct pvx_run *run = v->run;

		if (on)
			run->flags |= PVX_RUN_IMMEDIATE_EXIT;
		else
			run->flags &= ~PVX_RUN_IMMEDIATE_EXIT;
	} else {
		((struct kvm_run *)v->run)->immediate_exit = on;
	}
}

/* Xen's ABI on the pvx VM (once), and a new port bound to the host. */
static int pvx_host_port(struct hv_vm *vm, int efd, uint32_t *port)
{
	struct pvx_pv_config cfg;
	int r;

	pvx_pv_config_init(&cfg);
	r = pvx_pv_enable(vm->pvx, &cfg);
	if (r && r != -EEXIST)
		return r;
	*port = 0;
	return pvx_evtchn_bind_host(vm->pvx, port, true, efd);
}

int hv_notify_eventfd(struct hv_vm *vm, int efd, uint16_t io_port,
		      uint32_t *port)
{
	struct kvm_ioeventfd io = {
		.addr = io_port, .len = 4, .fd = efd,
		.flags = KVM_IOEVENTFD_FLAG_PIO,
	};

	if (vm->pvx)
		return pvx_host_port(vm, efd, port);
	*port = 0;
	return ioctl(vm->fd, KVM_IOEVENTFD, &io) ? -errno : 0;
}

/* The GSI the KVM irqfd uses: past the IOAPIC's pins. */
#define HV_IRQFD_GSI	24

int hv_irq_eventfd(struct hv_vm *vm, int efd, unsigned int vector,
		   uint32_t *port)
{
	union {
		struct kvm_irq_routing r;
		char bytes[sizeof(struct kvm_irq_routing) +
			   sizeof(struct kvm_irq_routing_entry)];
	} rt = { .r.nr = 1 };
	struct kvm_irqfd irqfd = { .fd = efd, .gsi = HV_IRQFD_GSI };
	int r;

	if (vm->pvx) {
		r = pvx_host_port(vm, -1, port);
		return r ? r : pvx_evtchn_irqfd(vm->pvx, *port, efd, false);
	}
	*port = 0;
	rt.r.entries[0] = (struct kvm_irq_routing_entry){
		.gsi = HV_IRQFD_GSI, .type = KVM_IRQ_ROUTING_MSI,
		.u.msi = { .address_lo = MSI_ADDR_BASE, .data = vector },
	};
	if (ioctl(vm->fd, KVM_SET_GSI_ROUTING, &rt.r))
		return -errno;
	return ioctl(vm->fd, KVM_IRQFD, &irqfd) ? -errno : 0;
}

int hv_interrupt(struct hv_vcpu *v, unsigned int vector)
{
	struct pvx_interrupt irq = { .vector = vector };
	struct kvm_msi msi = { .address_lo = MSI_ADDR_BASE, .data = vector };
	int r;

	if (v->pvx)
		return ioctl(v->fd, PVX_INTERRUPT, &irq) ? -errno : 0;
	/* > 0: delivered to that many APICs; 0: none took it. */
	r = ioctl(v->vm->fd, KVM_SIGNAL_MSI, &msi);
	return r < 0 ? -errno : r == 0 ? -ENXIO : 0;
}

/*
 * pvx's debugfs shows the offset each VM's vCPUs start with
 * (/sys/kernel/debug/pvx/vm-PID-ID/tsc_offset); the caller's only VM is
 * the one. 0 with *@offset, or -ENOENT (no debugfs, several VMs).
 */
static int pvx_debugfs_tsc_offset(int64_t *offset)
{
	char pattern[96];
	unsigned long long v;
	glob_t g;
	FILE *f;
	int r = -ENOENT;

	snprintf(pattern, sizeof(pattern),
		 "/sys/kernel/debug/pvx/vm-%d-*/tsc_offset", (int)getpid());
	if (glob(pattern, 0, NULL, &g))
		return r;
	f = g.gl_pathc == 1 ? fopen(g.gl_pathv[0], "r") : NULL;
	if (f && fscanf(f, "%llx", &v) == 1) {
		*offset = (int64_t)v;
		r = 0;
	}
	if (f)
		fclose(f);
	globfree(&g);
	return r;
}

/*
 * pvx: the guest's TSC lies in [g - tb, g - ta] for each sample where
 * PVX_GET_MSRS read g between host reads ta and tb; the intersection of
 * the samples is the tightest bracket. The exact value from debugfs,
 * when there is one, must fall inside it.
 */
static int pvx_tsc_offset(struct hv_vcpu *v, int64_t *offset, uint64_t *error)
{
	struct pvx_msr_entry e = { .index = MSR_IA32_TSC };
	struct pvx_msrs m = { .nmsrs = 1, .entries = (uint64_t)&e };
	int64_t lo = INT64_MIN, hi = INT64_MAX, exact;

	for (int i = 0; i < 32; i++) {
		uint64_t ta = hv_rdtsc();
		int r = ioctl(v->fd, PVX_GET_MSRS, &m);
		uint64_t tb = hv_rdtsc();

		if (r != 1)
			return r < 0 ? -errno : -EPROTO;
		if ((int64_t)(e.data - tb) > lo)
			lo = e.data - tb;
		if ((int64_t)(e.data - ta) < hi)
			hi = e.data - ta;
	}
	if (lo > hi)
		return -ERANGE;	/* the offset moved while we looked */
	if (!pvx_debugfs_tsc_offset(&exact)) {
		if (exact < lo || exact > hi)
			return -ERANGE;
		*offset = exact;
		*error = 0;
		return 0;
	}
	*offset = lo + (hi - lo) / 2;
	*error = (hi - lo + 1) / 2;
	return 0;
}

int hv_tsc_offset(struct hv_vcpu *v, int64_t *offset, uint64_t *error)
{
	uint64_t off;
	struct kvm_device_attr a = {
		.group = KVM_VCPU_TSC_CTRL, .attr = KVM_VCPU_TSC_OFFSET,
		.addr = (uint64_t)&off,
	};

	if (v->pvx)
		return pvx_tsc_offset(v, offset, error);
	if (ioctl(v->fd, KVM_GET_DEVICE_ATTR, &a))
		return -errno;
	*offset = off;
	*error = 0;
	return 0;
}
