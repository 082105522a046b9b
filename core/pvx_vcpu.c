// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU object and its fd: ioctls, the mmap'd run page, and keeping
 * the VMCS with the thread that uses it.
 *
 * While a vCPU ioctl runs, a preemption notifier follows its thread: when
 * the scheduler moves it to another CPU, sched_in VMCLEARs the VMCS on the
 * old CPU and loads it on the new one; sched_out restores the host state
 * a VM exit left behind.
 */
#include <linux/anon_inodes.h>
#include <linux/compat.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "pvx.h"

static struct pvx_vcpu *preempt_notifier_to_vcpu(struct preempt_notifier *pn)
{
	return container_of(pn, struct pvx_vcpu, preempt_notifier);
}

static void pvx_sched_in(struct preempt_notifier *pn, int cpu)
{
	vmx_vcpu_load(preempt_notifier_to_vcpu(pn), cpu);
}

static void pvx_sched_out(struct preempt_notifier *pn,
			  struct task_struct *next)
{
	vmx_vcpu_put(preempt_notifier_to_vcpu(pn));
}

static struct preempt_ops pvx_preempt_ops = {
	.sched_in = pvx_sched_in,
	.sched_out = pvx_sched_out,
};

static void pvx_vcpu_load(struct pvx_vcpu *vcpu)
{
	int cpu = get_cpu();

	preempt_notifier_register(&vcpu->preempt_notifier);
	vmx_vcpu_load(vcpu, cpu);
	put_cpu();
}

static void pvx_vcpu_put(struct pvx_vcpu *vcpu)
{
	preempt_disable();
	vmx_vcpu_put(vcpu);
	preempt_notifier_unregister(&vcpu->preempt_notifier);
	preempt_enable();
}

static long pvx_vcpu_run(struct pvx_vcpu *vcpu, unsigned long arg)
{
	long r;

	if (arg)
		return -EINVAL;
	/* uapi: a compat task's TLS selector would not survive a VM exit. */
	if (in_compat_syscall())
		return -EOPNOTSUPP;
	/* The guest's FPU/SSE/AVX registers replace the thread's (and back). */
	fpu_swap_kvm_fpstate(&vcpu->guest_fpu, true);
	r = vmx_vcpu_run(vcpu);
	fpu_swap_kvm_fpstate(&vcpu->guest_fpu, false);
	pvx_stats_return(vcpu, r);
	return r;
}

static long pvx_vcpu_get_regs(struct pvx_vcpu *vcpu, unsigned long arg)
{
	struct pvx_regs regs;

	vmx_get_regs(vcpu, &regs);
	return copy_to_user((void __user *)arg, &regs, sizeof(regs)) ? -EFAULT : 0;
}

static long pvx_vcpu_set_regs(struct pvx_vcpu *vcpu, unsigned long arg)
{
	struct pvx_regs regs;

	if (copy_from_user(&regs, (void __user *)arg, sizeof(regs)))
		return -EFAULT;
	return vmx_set_regs(vcpu, &regs);
}

static long pvx_vcpu_get_sregs(struct pvx_vcpu *vcpu, unsigned long arg)
{
	struct pvx_sregs sregs;

	vmx_get_sregs(vcpu, &sregs);
	return copy_to_user((void __user *)arg, &sregs, sizeof(sregs)) ? -EFAULT : 0;
}

static long pvx_vcpu_set_sregs(struct pvx_vcpu *vcpu, unsigned long arg)
{
	struct pvx_sregs sregs;

	if (copy_from_user(&sregs, (void __user *)arg, sizeof(sregs)))
		return -EFAULT;
	return vmx_set_sregs(vcpu, &sregs);
}

static long pvx_vcpu_get_msrs(struct pvx_vcpu *vcpu, unsigned long arg)
{
	return vmx_msrs_ioctl(vcpu, (void __user *)arg, false);
}

static long pvx_vcpu_set_msrs(struct pvx_vcpu *vcpu, unsigned long arg)
{
	return vmx_msrs_ioctl(vcpu, (void __user *)arg, true);
}

static long pvx_vcpu_set_cpuid(struct pvx_vcpu *vcpu, unsigned long arg)
{
	return pvx_cpuid_set(vcpu, (void __user *)arg);
}

static long pvx_vcpu_get_stats(struct pvx_vcpu *vcpu, unsigned long arg)
{
	return pvx_stats_vcpu_ioctl(vcpu, (void __user *)arg);
}

static long pvx_vcpu_inject_exception(struct pvx_vcpu *vcpu,
				      unsigned long arg)
{
	struct pvx_exception e;

	if (copy_from_user(&e, (void __user *)arg, sizeof(e)))
		return -EFAULT;
	return vmx_queue_exception(vcpu, &e);
}

static long pvx_vcpu_interrupt(struct pvx_vcpu *vcpu, unsigned long arg)
{
	struct pvx_interrupt irq;

	if (copy_from_user(&irq, (void __user *)arg, sizeof(irq)))
		return -EFAULT;
	if (irq.flags)
		return -EINVAL;
	return vmx_queue_interrupt(vcpu, irq.vector);
}

static long pvx_vcpu_nmi(struct pvx_vcpu *vcpu, unsigned long arg)
{
	return arg ? -EINVAL : vmx_queue_nmi(vcpu);
}

static long pvx_vcpu_clear_events(struct pvx_vcpu *vcpu, unsigned long arg)
{
	struct pvx_clear_events c;

	if (copy_from_user(&c, (void __user *)arg, sizeof(c)))
		return -EFAULT;
	if ((c.flags & ~PVX_CLEAR_ALL) || c.padding)
		return -EINVAL;
	vmx_clear_events(vcpu, c.flags);
	return 0;
}

struct pvx_vcpu_ioctl {
	unsigned int cmd;
	long (*handler)(struct pvx_vcpu *vcpu, unsigned long arg);
};

/*
 * The ioctls any thread of the VM's process may call while another runs
 * the vCPU: they only queue events or read counters (and never load the
 * VMCS).
 */
static const struct pvx_vcpu_ioctl pvx_vcpu_async_ioctls[] = {
	{ PVX_INTERRUPT, pvx_vcpu_interrupt },
	{ PVX_NMI, pvx_vcpu_nmi },
	{ PVX_GET_STATS, pvx_vcpu_get_stats },
};

/* The vCPU ioctls; each handler runs with the vCPU loaded on this CPU. */
static const struct pvx_vcpu_ioctl pvx_vcpu_ioctls[] = {
	{ PVX_RUN, pvx_vcpu_run },
	{ PVX_GET_REGS, pvx_vcpu_get_regs },
	{ PVX_SET_REGS, pvx_vcpu_set_regs },
	{ PVX_GET_SREGS, pvx_vcpu_get_sregs },
	{ PVX_SET_SREGS, pvx_vcpu_set_sregs },
	{ PVX_GET_MSRS, pvx_vcpu_get_msrs },
	{ PVX_SET_MSRS, pvx_vcpu_set_msrs },
	{ PVX_SET_CPUID, pvx_vcpu_set_cpuid },
	{ PVX_INJECT_EXCEPTION, pvx_vcpu_inject_exception },
	{ PVX_CLEAR_EVENTS, pvx_vcpu_clear_events },
};

static const struct pvx_vcpu_ioctl *
pvx_vcpu_find_ioctl(const struct pvx_vcpu_ioctl *table, size_t n,
		    unsigned int cmd)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (table[i].cmd == cmd)
			return &table[i];
	return NULL;
}

/**
 * pvx_vcpu_ioctl() - the vCPU fd's ioctls (uapi/linux/pvx.h).
 * @file: the vCPU fd.
 * @cmd: a vCPU ioctl.
 * @arg: its argument.
 *
 * One at a time per vCPU (-EBUSY otherwise), but for the event and
 * statistics ioctls that any thread may call at any time; from the VM's
 * process only (-EIO otherwise).
 */
static long pvx_vcpu_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct pvx_vcpu *vcpu = file->private_data;
	const struct pvx_vcpu_ioctl *ioctl;
	long r;

	if (vcpu->vm->mm != current->mm)
		return -EIO;
	ioctl = pvx_vcpu_find_ioctl(pvx_vcpu_async_ioctls,
				    ARRAY_SIZE(pvx_vcpu_async_ioctls), cmd);
	if (ioctl)
		return ioctl->handler(vcpu, arg);
	ioctl = pvx_vcpu_find_ioctl(pvx_vcpu_ioctls,
				    ARRAY_SIZE(pvx_vcpu_ioctls), cmd);
	if (!ioctl)
		return -ENOTTY;
	if (!mutex_trylock(&vcpu->ioctl_lock))
		return -EBUSY;
	pvx_vcpu_load(vcpu);
	r = ioctl->handler(vcpu, arg);
	pvx_vcpu_put(vcpu);
	mutex_unlock(&vcpu->ioctl_lock);
	return r;
}

static vm_fault_t pvx_vcpu_fault(struct vm_fault *vmf)
{
	struct pvx_vcpu *vcpu = vmf->vma->vm_file->private_data;

	if (vmf->pgoff >= PVX_VCPU_MMAP_PAGES)
		return VM_FAULT_SIGBUS;
	vmf->page = vcpu->pages[vmf->pgoff];
	get_page(vmf->page);
	return 0;
}

static const struct vm_operations_struct pvx_vcpu_vm_ops = {
	.fault = pvx_vcpu_fault,
};

/* mmap: the run page and the I/O data page, from offset 0. */
static int pvx_vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (vma->vm_pgoff + vma_pages(vma) > PVX_VCPU_MMAP_PAGES)
		return -EINVAL;
	vma->vm_ops = &pvx_vcpu_vm_ops;
	return 0;
}

static int pvx_vcpu_release(struct inode *inode, struct file *file)
{
	struct pvx_vcpu *vcpu = file->private_data;

	pvx_vm_put(vcpu->vm);
	return 0;
}

static const struct file_operations pvx_vcpu_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = pvx_vcpu_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = pvx_vcpu_mmap,
	.release = pvx_vcpu_release,
	.llseek = noop_llseek,
};

/**
 * pvx_vcpu_free() - free a vCPU; its VM is being freed.
 * @vcpu: a vCPU no thread uses.
 */
void pvx_vcpu_free(struct pvx_vcpu *vcpu)
{
	pv_vcpu_destroy(vcpu);
	vmx_vcpu_destroy(vcpu);
	if (vcpu->guest_fpu.fpstate)
		fpu_free_guest_fpstate(&vcpu->guest_fpu);
	if (vcpu->pages[0])
		__free_page(vcpu->pages[0]);
	if (vcpu->pages[1])
		__free_page(vcpu->pages[1]);
	kfree(vcpu->cpuid);
	kfree(vcpu);
	atomic_dec(&pvx_live.vcpus);
}

static struct pvx_vcpu *pvx_vcpu_alloc(struct pvx_vm *vm, unsigned int id)
{
	struct pvx_vcpu *vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);

	if (!vcpu)
		return NULL;
	atomic_inc(&pvx_live.vcpus);
	vcpu->vm = vm;
	vcpu->id = id;
	pvx_stats_init(vcpu);
	lapic_init(vcpu);
	mutex_init(&vcpu->ioctl_lock);
	preempt_notifier_init(&vcpu->preempt_notifier, &pvx_preempt_ops);
	vcpu->pages[0] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	vcpu->pages[1] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!vcpu->pages[0] || !vcpu->pages[1] ||
	    !fpu_alloc_guest_fpstate(&vcpu->guest_fpu) ||
	    pv_vcpu_init(vcpu) || vmx_vcpu_create(vcpu)) {
		pvx_vcpu_free(vcpu);
		return NULL;
	}
	vcpu->run = page_address(vcpu->pages[0]);
	vcpu->io_data = page_address(vcpu->pages[1]);
	return vcpu;
}

/**
 * pvx_vcpu_create() - PVX_CREATE_VCPU.
 * @vm: the VM.
 * @id: the vCPU id, below PVX_MAX_VCPUS.
 *
 * Return: the vCPU fd, or -EINVAL, -EEXIST, -ENOMEM, -EMFILE.
 */
int pvx_vcpu_create(struct pvx_vm *vm, unsigned long id)
{
	struct pvx_vcpu *vcpu;
	int fd;

	if (id >= PVX_MAX_VCPUS)
		return -EINVAL;
	mutex_lock(&vm->lock);
	if (vm->vcpus[id]) {
		fd = -EEXIST;
		goto out;
	}
	vcpu = pvx_vcpu_alloc(vm, id);
	if (!vcpu) {
		fd = -ENOMEM;
		goto out;
	}
	kref_get(&vm->kref);
	fd = anon_inode_getfd("pvx-vcpu", &pvx_vcpu_fops, vcpu,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		/* The caller's VM fd keeps the VM alive: this is not the last. */
		refcount_dec(&vm->kref.refcount);
		pvx_vcpu_free(vcpu);
		goto out;
	}
	vm->vcpus[id] = vcpu;
out:
	mutex_unlock(&vm->lock);
	return fd;
}
