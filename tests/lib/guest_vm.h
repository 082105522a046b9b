/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A one-vCPU VM for selftests that run guests through libpvx: RAM at
 * guest-physical 0, a guest image loaded from a file, the vCPU set up in
 * a CPU mode by libpvx, and a run loop that serves the guest ports of
 * pvx_ports.h, keeps every report, and captures the guest's console.
 */
#ifndef PVX_GUEST_VM_H
#define PVX_GUEST_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libpvx.h"

#define GVM_MAX_REPORTS	512
#define GVM_CONSOLE	4096

struct gvm;

/*
 * A test's own port: return PVX_RUN_CONTINUE or PVX_RUN_STOP if it
 * served the access, or -1 to leave it to the standard ports.
 */
typedef int (*gvm_io_hook)(struct gvm *g, uint16_t port, uint8_t size,
			   uint8_t direction, void *data, uint32_t count);
/* Called for each report, after it is stored. */
typedef void (*gvm_report_hook)(struct gvm *g, uint32_t key, uint64_t value);
/*
 * A forwarded exit (PVX_EXIT_TRAP, _CPUID, _MSR) described in @run: the
 * test completes it and returns PVX_RUN_CONTINUE or PVX_RUN_STOP. Without
 * a hook that exit ends gvm_run().
 */
typedef int (*gvm_exit_hook)(struct gvm *g, struct pvx_run *run);

struct gvm_report {
	uint32_t key;
	uint64_t value;
};

struct gvm {
	struct pvx_vm *vm;
	struct pvx_vcpu *vcpu;
	struct pvx_ports ports;
	int console_pipe[2];		/* the guest's UART lines */
	char console[GVM_CONSOLE];	/* what gvm_console() read so far */
	size_t console_len;
	gvm_io_hook io_hook;
	gvm_report_hook report_hook;
	gvm_exit_hook trap_hook, cpuid_hook, msr_hook;
	void *opaque;			/* the test's */
	struct pvx_pv_config pv;	/* PV VMs (gvm_create_pv()): as enabled */
	char pv_console[GVM_CONSOLE];	/* what gvm_pv_console() read so far */
	size_t pv_console_len;
	uint64_t pv_dropped;		/* console_io bytes pvx dropped */
	unsigned int nreports;
	struct gvm_report reports[GVM_MAX_REPORTS];
};

/*
 * A VM with @ram_bytes of RAM at GPA 0 and vCPU 0 with libpvx's default
 * CPUID table. 0 or -errno; on failure nothing is left to destroy.
 */
int gvm_create(struct gvm *g, int sys_fd, uint64_t ram_bytes);

/*
 * The same with RAM backed as @backing and Xen's guest ABI enabled before
 * vCPU 0 exists (PVX_PV_ENABLE with @cfg, or pvx_pv_config_init()'s
 * defaults when NULL); g->pv holds the configuration, domid included.
 */
int gvm_create_pv(struct gvm *g, int sys_fd, uint64_t ram_bytes,
		  enum pvx_backing backing, const struct pvx_pv_config *cfg);

/*
 * A VM with PV enabled with @cfg (none if NULL), then @platform set
 * (PVX_SET_PLATFORM), before vCPU 0; with PVX_PLATFORM_X2APIC the vCPU's
 * CPUID shows the APIC and x2APIC.
 */
int gvm_create_platform(struct gvm *g, int sys_fd, uint64_t ram_bytes,
			const struct pvx_pv_config *cfg,
			const struct pvx_platform *platform);

/* Free everything gvm_create() made. */
void gvm_destroy(struct gvm *g);

/*
 * Load the file @path: an ELF by its headers, else flat at @flat_gpa.
 * *@entry gets the entry point. 0 or -errno.
 */
int gvm_load(struct gvm *g, const char *path, uint64_t flat_gpa,
	     uint64_t *entry);

/*
 * Write @mode's tables (identity-mapping [0, @map_bytes) in long mode)
 * and set vCPU 0 up in @mode at @entry (pvx_vcpu_setup_mode()).
 */
int gvm_setup(struct gvm *g, enum pvx_mode mode, uint64_t entry,
	      uint64_t map_bytes);

/*
 * Run until an exit that the ports do not absorb: the exit reason
 * (PVX_EXIT_IO after the exit port was written), or -errno.
 */
int gvm_run(struct gvm *g);

/* Hand the exit in the run page to the ports and hooks (see gvm_run). */
int gvm_handle_exit(struct gvm *g);

/* The last value reported under @key; false if none was. */
bool gvm_value(const struct gvm *g, uint32_t key, uint64_t *value);

/* Did the guest write the exit port, with status 0? */
bool gvm_exited_ok(struct gvm *g);

/* gvm_run() to the guest's exit with status 0; else gvm_diag() and false. */
bool gvm_run_to_exit(struct gvm *g);

/* The guest's console output so far (NUL-terminated). */
const char *gvm_console(struct gvm *g);

/*
 * A PV guest's hypervisor-console output (console_io) so far, read with
 * PVX_PV_CONSOLE_READ (NUL-terminated); g->pv_dropped is updated.
 */
const char *gvm_pv_console(struct gvm *g);

/* A diagnostic line describing the exit in the run page, and the console. */
void gvm_diag(struct gvm *g, int reason);

#endif /* PVX_GUEST_VM_H */
