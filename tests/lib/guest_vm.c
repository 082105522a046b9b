// SPDX-License-Identifier: GPL-2.0
/*
 * One-vCPU VMs for selftests (guest_vm.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guest_vm.h"
#include "tap.h"

/* A guest image is at most this big. */
#define GVM_MAX_IMAGE	(8ULL << 20)

static void gvm_report_cb(void *opaque, unsigned int vcpu, uint32_t key,
			  uint64_t value)
{
	struct gvm *g = opaque;

	(void)vcpu;
	if (g->nreports < GVM_MAX_REPORTS)
		g->reports[g->nreports++] = (struct gvm_report){ key, value };
	if (g->report_hook)
		g->report_hook(g, key, value);
}

static int gvm_io(void *opaque, struct pvx_vcpu *vcpu, uint16_t port,
		  uint8_t size, uint8_t direction, void *data, uint32_t count)
{
	struct gvm *g = opaque;

	if (g->io_hook) {
		int r = g->io_hook(g, port, size, direction, data, count);

		if (r >= 0)
			return r;
	}
	return pvx_ports_io(&g->ports, vcpu, port, size, direction, data,
			    count);
}

static int gvm_forwarded(gvm_exit_hook hook, struct gvm *g,
			 struct pvx_run *run)
{
	return hook ? hook(g, run) : PVX_RUN_STOP;
}

static int gvm_trap(void *opaque, struct pvx_vcpu *vcpu, struct pvx_run *run)
{
	struct gvm *g = opaque;

	(void)vcpu;
	return gvm_forwarded(g->trap_hook, g, run);
}

static int gvm_cpuid(void *opaque, struct pvx_vcpu *vcpu, struct pvx_run *run)
{
	struct gvm *g = opaque;

	(void)vcpu;
	return gvm_forwarded(g->cpuid_hook, g, run);
}

static int gvm_msr(void *opaque, struct pvx_vcpu *vcpu, struct pvx_run *run)
{
	struct gvm *g = opaque;

	(void)vcpu;
	return gvm_forwarded(g->msr_hook, g, run);
}

static const struct pvx_exit_ops gvm_ops = {
	.io = gvm_io, .trap = gvm_trap, .cpuid = gvm_cpuid, .msr = gvm_msr,
};

static int gvm_add_vcpu(struct gvm *g, bool x2apic)
{
	static struct pvx_cpuid_entry cpuid[PVX_MAX_CPUID_ENTRIES];
	int n, r;

	r = pvx_vcpu_create(g->vm, 0, &g->vcpu);
	if (r)
		return r;
	n = pvx_cpuid_default(cpuid, PVX_MAX_CPUID_ENTRIES);
	if (n < 0)
		return n;
	pvx_cpuid_set_apic_id(cpuid, n, 0);
	if (x2apic)
		pvx_cpuid_set_x2apic(cpuid, n);
	return pvx_vcpu_set_cpuid(g->vcpu, cpuid, n);
}

/*
 * A gvm; PV enabled with @pv, then @platform set, before the vCPU, for
 * each that is not NULL.
 */
static int gvm_create_with(struct gvm *g, int sys_fd, uint64_t ram_bytes,
			   enum pvx_backing backing,
			   const struct pvx_pv_config *pv,
			   const struct pvx_platform *platform)
{
	int r;

	memset(g, 0, sizeof(*g));
	g->console_pipe[0] = g->console_pipe[1] = -1;
	if (pipe2(g->console_pipe, O_NONBLOCK | O_CLOEXEC))
		return -errno;
	pvx_ports_init(&g->ports, g->console_pipe[1]);
	g->ports.report = gvm_report_cb;
	g->ports.report_opaque = g;
	r = pvx_vm_create(sys_fd, &g->vm);
	if (!r)
		r = pvx_vm_add_ram(g->vm, 0, 0, ram_bytes, 0, backing);
	if (!r && pv) {
		g->pv = *pv;
		r = pvx_pv_enable(g->vm, &g->pv);
	}
	if (!r && platform)
		r = pvx_vm_set_platform(g->vm, platform);
	if (!r)
		r = gvm_add_vcpu(g, platform &&
				 (platform->flags & PVX_PLATFORM_X2APIC));
	if (r)
		gvm_destroy(g);
	return r;
}

int gvm_create(struct gvm *g, int sys_fd, uint64_t ram_bytes)
{
	return gvm_create_with(g, sys_fd, ram_bytes, PVX_BACKING_PAGES, NULL,
			       NULL);
}

int gvm_create_pv(struct gvm *g, int sys_fd, uint64_t ram_bytes,
		  enum pvx_backing backing, const struct pvx_pv_config *cfg)
{
	struct pvx_pv_config def;

	if (!cfg) {
		pvx_pv_config_init(&def);
		cfg = &def;
	}
	return gvm_create_with(g, sys_fd, ram_bytes, backing, cfg, NULL);
}

int gvm_create_platform(struct gvm *g, int sys_fd, uint64_t ram_bytes,
			const struct pvx_pv_config *cfg,
			const struct pvx_platform *platform)
{
	return gvm_create_with(g, sys_fd, ram_bytes, PVX_BACKING_PAGES, cfg,
			       platform);
}

void gvm_destroy(struct gvm *g)
{
	pvx_vm_destroy(g->vm);
	g->vm = NULL;
	g->vcpu = NULL;
	for (int i = 0; i < 2; i++) {
		if (g->console_pipe[i] >= 0)
			close(g->console_pipe[i]);
		g->console_pipe[i] = -1;
	}
}

int gvm_load(struct gvm *g, const char *path, uint64_t flat_gpa,
	     uint64_t *entry)
{
	struct pvx_image img;
	size_t len;
	void *buf;
	int r = pvx_read_file(path, GVM_MAX_IMAGE, &buf, &len);

	if (r)
		return r;
	if (pvx_is_elf(buf, len))
		r = pvx_load_elf(&g->vm->mem, buf, len, &img);
	else
		r = pvx_load_flat(&g->vm->mem, flat_gpa, buf, len, &img);
	free(buf);
	if (!r)
		*entry = img.entry;
	return r;
}

int gvm_setup(struct gvm *g, enum pvx_mode mode, uint64_t entry,
	      uint64_t map_bytes)
{
	int r = pvx_mode_write_tables(&g->vm->mem, mode, map_bytes);

	return r ? r : pvx_vcpu_setup_mode(g->vcpu, mode, entry, 1);
}

int gvm_handle_exit(struct gvm *g)
{
	return pvx_vcpu_handle_exit(g->vcpu, &gvm_ops, g);
}

int gvm_run(struct gvm *g)
{
	int r = pvx_vcpu_run_loop(g->vcpu, &gvm_ops, g);

	pvx_ports_flush(&g->ports);
	return r;
}

bool gvm_value(const struct gvm *g, uint32_t key, uint64_t *value)
{
	for (unsigned int i = g->nreports; i-- > 0;) {
		if (g->reports[i].key == key) {
			*value = g->reports[i].value;
			return true;
		}
	}
	return false;
}

bool gvm_exited_ok(struct gvm *g)
{
	uint32_t status;

	return pvx_ports_exited(&g->ports, &status) && status == 0;
}

bool gvm_run_to_exit(struct gvm *g)
{
	int r = gvm_run(g);

	if (r == PVX_EXIT_IO && gvm_exited_ok(g))
		return true;
	gvm_diag(g, r);
	return false;
}

const char *gvm_console(struct gvm *g)
{
	ssize_t n;

	pvx_ports_flush(&g->ports);
	while (g->console_len < sizeof(g->console) - 1 &&
	       (n = read(g->console_pipe[0], g->console + g->console_len,
			 sizeof(g->console) - 1 - g->console_len)) > 0)
		g->console_len += n;
	g->console[g->console_len] = '\0';
	return g->console;
}

const char *gvm_pv_console(struct gvm *g)
{
	int n;

	while (g->pv_console_len < sizeof(g->pv_console) - 1 &&
	       (n = pvx_pv_console_read(g->vm, g->pv_console + g->pv_console_len,
					sizeof(g->pv_console) - 1 - g->pv_console_len,
					&g->pv_dropped)) > 0)
		g->pv_console_len += n;
	g->pv_console[g->pv_console_len] = '\0';
	return g->pv_console;
}

void gvm_diag(struct gvm *g, int reason)
{
	const struct pvx_run *run = g->vcpu->run;
	struct pvx_regs regs;
	uint32_t status;
	const char *name = reason >= 0 ? pvx_exit_name(reason) : NULL;

	if (reason < 0)
		tap_diag("run failed: %s", strerror(-reason));
	else if (reason == PVX_EXIT_FAIL_ENTRY)
		tap_diag("exit fail_entry: reason %#llx qualification %#llx",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason,
			 (unsigned long long)run->fail_entry.qualification);
	else if (reason == PVX_EXIT_INTERNAL_ERROR)
		tap_diag("exit internal_error: suberror %u exit %#llx qual %#llx rip %#llx",
			 run->internal.suberror,
			 (unsigned long long)run->internal.exit_reason,
			 (unsigned long long)run->internal.qualification,
			 (unsigned long long)run->internal.guest_rip);
	else if (reason == PVX_EXIT_MMIO)
		tap_diag("exit mmio: %s of %u bytes at %#llx",
			 run->mmio.is_write ? "write" : "read", run->mmio.len,
			 (unsigned long long)run->mmio.phys_addr);
	else if (reason == PVX_EXIT_TRAP)
		tap_diag("exit trap: reason %u qual %#llx len %u info %#x intr %#x rip %#llx",
			 run->trap.reason,
			 (unsigned long long)run->trap.qualification,
			 run->trap.insn_len, run->trap.insn_info,
			 run->trap.intr_info,
			 (unsigned long long)run->trap.regs.rip);
	else if (reason == PVX_EXIT_PV_SHUTDOWN)
		tap_diag("exit pv_shutdown: reason %u", run->pv_shutdown.reason);
	else if (reason == PVX_EXIT_IO && pvx_ports_exited(&g->ports, &status))
		tap_diag("the guest wrote %u to the exit port", status);
	else
		tap_diag("exit %s (%d)", name ? name : "?", reason);
	if (!pvx_vcpu_get_regs(g->vcpu, &regs))
		tap_diag("rip %#llx rsp %#llx rax %#llx rflags %#llx",
			 (unsigned long long)regs.rip, (unsigned long long)regs.rsp,
			 (unsigned long long)regs.rax,
			 (unsigned long long)regs.rflags);
	for (unsigned int i = 0; i < g->nreports; i++)
		tap_diag("report %#x = %#llx", g->reports[i].key,
			 (unsigned long long)g->reports[i].value);
	tap_diag("console: %s", gvm_console(g));
	if (g->pv.domid)
		tap_diag("hypervisor console: %s", gvm_pv_console(g));
}
