// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs: /sys/kernel/debug/pvx/ shows what pvx is doing, as text.
 *
 *   cpus  one line per possible CPU: online, in VMX root (pvx's record),
 *         CR4.VMXE (read on that CPU), the VMXON region, VMXON count
 *   vmx   the capabilities read at load, and who VMXOFFs pvx's CPUs on a
 *         crash (pvx, or kvm_intel while it is loaded)
 *   live  VMs, vCPUs, pinned guest pages, EPT tables, event channels,
 *         their eventfds and PV timers alive now
 *   vm-PID-N/ept  per VM: 4 KiB and 2 MiB EPT leaves mapped, table pages
 *   vm-PID-N/stats  per VM: exits by reason with their ticks, entries,
 *         returns to userspace, injections, HLTs (pvx_stats.c)
 */
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/sched.h>
#include <linux/seq_file.h>

#include "pvx.h"
#include "../vmx/vmx.h"

static struct dentry *pvx_debugfs_dir;

struct pvx_live pvx_live;

static int cpus_show(struct seq_file *m, void *unused)
{
	struct vmx_cpu_report r;
	unsigned int cpu;

	seq_puts(m, "cpu\tonline\tvmx_root\tcr4_vmxe\tvmxon_pa\tvmxon_count\n");
	for_each_possible_cpu(cpu) {
		vmx_cpu_report(cpu, &r);
		seq_printf(m, "%u\t%d\t%d\t%d\t%#llx\t%llu\n", cpu, r.online,
			   r.in_root, r.cr4_vmxe, r.vmxon_pa, r.vmxon_count);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(cpus);

static int vmx_show(struct seq_file *m, void *unused)
{
	vmx_caps_show(m);
	seq_printf(m, "emergency_vmxoff_by\t%s\n", vmx_emergency_owner());
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vmx);

static int live_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "vms\t%d\nvcpus\t%d\npinned_pages\t%ld\nept_tables\t%ld\n",
		   atomic_read(&pvx_live.vms), atomic_read(&pvx_live.vcpus),
		   atomic_long_read(&pvx_live.pinned_pages),
		   atomic_long_read(&pvx_live.ept_tables));
	seq_printf(m, "evtchn_ports\t%ld\nevtchn_eventfds\t%ld\npv_timers\t%ld\n",
		   atomic_long_read(&pvx_live.evtchn_ports),
		   atomic_long_read(&pvx_live.evtchn_eventfds),
		   atomic_long_read(&pvx_live.pv_timers));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(live);

/* debugfs is best effort by design: its failures are not the module's. */
void pvx_debugfs_init(void)
{
	pvx_debugfs_dir = debugfs_create_dir("pvx", NULL);
	debugfs_create_file("cpus", 0400, pvx_debugfs_dir, NULL, &cpus_fops);
	debugfs_create_file("vmx", 0400, pvx_debugfs_dir, NULL, &vmx_fops);
	debugfs_create_file("live", 0400, pvx_debugfs_dir, NULL, &live_fops);
}

void pvx_debugfs_exit(void)
{
	debugfs_remove_recursive(pvx_debugfs_dir);
}

static int ept_show(struct seq_file *m, void *unused)
{
	struct pvx_vm *vm = m->private;

	mutex_lock(&vm->lock);
	seq_printf(m, "pages_4k\t%lu\npages_2m\t%lu\ntables\t%lu\n",
		   vm->mem.pages_4k, vm->mem.pages_2m, vm->mem.tables);
	mutex_unlock(&vm->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ept);

static int stats_show(struct seq_file *m, void *unused)
{
	pvx_stats_show(m, m->private);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

/* Removal waits for readers, so a VM never goes while its file is read. */
void pvx_debugfs_vm_add(struct pvx_vm *vm)
{
	char name[32];

	snprintf(name, sizeof(name), "vm-%d-%u", task_tgid_nr(current), vm->id);
	vm->debugfs = debugfs_create_dir(name, pvx_debugfs_dir);
	debugfs_create_file("ept", 0400, vm->debugfs, vm, &ept_fops);
	debugfs_create_file("stats", 0400, vm->debugfs, vm, &stats_fops);
	/*
	 * The TSC_OFFSET every vCPU starts with (guest TSC = host TSC + it,
	 * SDM 25.3): exact, where PVX_GET_MSRS(IA32_TSC) can only be
	 * bracketed by host reads. A vCPU whose IA32_TSC is written has its
	 * own from then on.
	 */
	debugfs_create_x64("tsc_offset", 0400, vm->debugfs, &vm->tsc_offset);
}

void pvx_debugfs_vm_remove(struct pvx_vm *vm)
{
	debugfs_remove_recursive(vm->debugfs);
}
