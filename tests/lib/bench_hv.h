/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One interface over pvx (/dev/pvx through libpvx) and KVM (/dev/kvm),
 * so that the benchmark runs the same guest, set up the same way, under
 * both: what differs is only which ioctl each step is.
 *
 * Guest state is described with pvx's structs (libpvx builds it); the KVM
 * side translates it field by field.
 */
#ifndef PVX_BENCH_HV_H
#define PVX_BENCH_HV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libpvx.h"

enum hv_kind { HV_PVX, HV_KVM, HV_NR };

/* An open hypervisor: /dev/pvx or /dev/kvm. */
struct hv {
	enum hv_kind kind;
	int sys_fd;
	size_t run_size;	/* bytes to mmap from a vCPU fd */
};

struct hv_vm {
	struct hv *hv;
	int fd;
	struct pvx_vm *pvx;	/* pvx: libpvx's VM */
};

struct hv_vcpu {
	struct hv_vm *vm;
	int fd;
	void *run;		/* struct pvx_run or struct kvm_run */
	size_t run_size;
	struct pvx_vcpu *pvx;	/* pvx: libpvx's vCPU */
};

/* An exit, in terms both share. */
enum hv_exit_reason {
	HV_EXIT_IO,
	HV_EXIT_MMIO,
	HV_EXIT_HLT,
	HV_EXIT_INTR,		/* -EINTR: a signal, or immediate exit */
	HV_EXIT_OTHER,		/* @raw says which */
};

struct hv_exit {
	enum hv_exit_reason reason;
	uint32_t raw;		/* the hypervisor's own exit reason */
	/* HV_EXIT_IO */
	uint16_t port;
	uint8_t size;
	bool out;
	uint32_t count;
	void *data;
	/* HV_EXIT_MMIO */
	uint64_t gpa;
	uint32_t len;
	bool write;
	uint8_t *mmio_data;
};

/* "pvx" or "kvm". */
const char *hv_name(enum hv_kind kind);

/* Open /dev/pvx or /dev/kvm; 0 or -errno. */
int hv_open(struct hv *h, enum hv_kind kind);
void hv_close(struct hv *h);

/*
 * A VM. KVM's gets an in-kernel irqchip (local APIC, PIC, IOAPIC), as
 * QEMU creates it; pvx has no interrupt controller to create.
 */
int hv_vm_create(struct hv *h, struct hv_vm *vm);
void hv_vm_destroy(struct hv_vm *vm);

/* Guest RAM: [@host, @host + @size) as slot @slot at @gpa. */
int hv_vm_add_memory(struct hv_vm *vm, uint32_t slot, uint64_t gpa,
		     uint64_t size, void *host);

/* vCPU @id with its run page mapped and the default CPUID table set. */
int hv_vcpu_create(struct hv_vm *vm, unsigned int id, struct hv_vcpu *v);
void hv_vcpu_destroy(struct hv_vcpu *v);

/* Load @s and @r into the vCPU. */
int hv_vcpu_set_state(struct hv_vcpu *v, const struct pvx_sregs *s,
		      const struct pvx_regs *r);

/* One PVX_RUN / KVM_RUN: 0 with *@e describing the exit, or -errno. */
int hv_vcpu_run(struct hv_vcpu *v, struct hv_exit *e);

/* The run page's immediate-exit request, on or off. */
void hv_vcpu_immediate_exit(struct hv_vcpu *v, bool on);

/* The bare run ioctl: its return value (-1 and errno on failure). */
int hv_vcpu_run_ioctl(struct hv_vcpu *v);

/*
 * Raise external interrupt @vector in the vCPU, from any thread:
 * PVX_INTERRUPT; KVM_SIGNAL_MSI to the vCPU's local APIC (fixed delivery,
 * physical destination = its APIC id).
 */
int hv_interrupt(struct hv_vcpu *v, unsigned int vector);

/*
 * Eventfd @efd, signalled by the guest with no exit to userspace. pvx:
 * Xen's ABI on (before the vCPU exists) and a port bound to the host
 * (PVX_EVTCHN_BIND_HOST), returned in *@port: EVTCHNOP_send on it
 * signals @efd. KVM: KVM_IOEVENTFD on I/O port @io_port (4-byte OUT).
 */
int hv_notify_eventfd(struct hv_vm *vm, int efd, uint16_t io_port,
		      uint32_t *port);

/*
 * Eventfd @efd, whose signal interrupts the guest on @vector. pvx: Xen's
 * ABI on, a port bound to the host (*@port) with @efd as its irqfd
 * (PVX_EVTCHN_IRQFD): the guest's upcall, once it chose @vector with
 * HVM_PARAM_CALLBACK_IRQ. KVM: KVM_IRQFD on a GSI routed as an MSI with
 * @vector to APIC 0.
 */
int hv_irq_eventfd(struct hv_vm *vm, int efd, unsigned int vector,
		   uint32_t *port);

/*
 * The guest's TSC minus the host's, into *@offset, known within
 * +-*@error ticks: KVM reads it exactly (KVM_VCPU_TSC_OFFSET, error 0);
 * pvx brackets PVX_GET_MSRS(IA32_TSC) between two host RDTSCs, then
 * takes the exact value from debugfs (error 0) if the bracket holds it.
 * The caller must have only this VM (pvx's debugfs is found by PID).
 */
int hv_tsc_offset(struct hv_vcpu *v, int64_t *offset, uint64_t *error);

/* The bare create ioctls: a new VM fd / vCPU fd, or -errno. */
int hv_create_vm_fd(struct hv *h);
int hv_create_vcpu_fd(struct hv *h, int vm_fd, unsigned int id);

/* The host's TSC (after the instructions before it). */
static inline uint64_t hv_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

#endif /* PVX_BENCH_HV_H */
