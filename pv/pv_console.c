// SPDX-License-Identifier: GPL-2.0
/*
 * The hypervisor console: __HYPERVISOR_console_io(cmd, count, buffer)
 * (Xen's xen/include/public/xen.h CONSOLEIO_*) and its host end,
 * PVX_PV_CONSOLE_READ (uapi/linux/pvx.h).
 *
 * The rules: CONSOLEIO_write takes @count bytes at the guest buffer and
 * returns 0; one call takes at most PV_CONSOLE_MAX_WRITE bytes (the rest
 * is dropped and counted, and not even read). The bytes wait in a buffer
 * of PVX_PV_CONSOLE_BUFFER bytes until the host reads them: what does not
 * fit is dropped and counted, so a guest that writes faster than the host
 * reads costs the host no more than that buffer (the rate limit), and the
 * guest never waits. The console eventfd, if any, is signalled when
 * bytes were added. CONSOLEIO_read returns 0 bytes: pvx has no input for
 * the guest. Another command is -ENOSYS.
 */
#include <linux/eventfd.h>
#include <linux/uaccess.h>

#include "pv.h"
#include "../core/pvx.h"

/* Bytes one console_io write takes, at most (xen.h sets no bound). */
#define PV_CONSOLE_MAX_WRITE	4096
/* Bytes copied from the guest at a time. */
#define PV_CONSOLE_CHUNK	256

/**
 * pv_console_init() - the console buffer and eventfd of PVX_PV_ENABLE.
 * @pv: the VM's Xen side.
 * @eventfd: an eventfd, or -1.
 *
 * Return: 0, -EBADF (not an eventfd), -ENOMEM; nothing to free on error.
 */
int pv_console_init(struct pv_vm *pv, int eventfd)
{
	struct eventfd_ctx *ctx = NULL;

	if (eventfd != -1) {
		ctx = eventfd_ctx_fdget(eventfd);
		if (IS_ERR(ctx))
			return -EBADF;
	}
	if (kfifo_alloc(&pv->console, PVX_PV_CONSOLE_BUFFER, GFP_KERNEL_ACCOUNT)) {
		if (ctx)
			eventfd_ctx_put(ctx);
		return -ENOMEM;
	}
	pv->console_eventfd = ctx;
	pv->console_dropped = 0;
	return 0;
}

/**
 * pv_console_destroy() - free what pv_console_init() made.
 * @pv: the VM's Xen side.
 */
void pv_console_destroy(struct pv_vm *pv)
{
	kfifo_free(&pv->console);
	if (pv->console_eventfd)
		eventfd_ctx_put(pv->console_eventfd);
	pv->console_eventfd = NULL;
}

/* Queue @len bytes for the host; count what does not fit. */
static void pv_console_put(struct pv_vm *pv, const u8 *buf, size_t len)
{
	unsigned int in;

	spin_lock(&pv->console_lock);
	in = kfifo_in(&pv->console, buf, len);
	pv->console_dropped += len - in;
	spin_unlock(&pv->console_lock);
}

/**
 * pv_console_emit() - bytes for the host from elsewhere in pvx (the Xen
 * debug port 0xE9, platform/platform.c): queued as console_io output.
 * @pv: the VM's PV state, enabled.
 * @buf: the bytes.
 * @len: how many.
 */
void pv_console_emit(struct pv_vm *pv, const u8 *buf, size_t len)
{
	pv_console_put(pv, buf, len);
	if (pv->console_eventfd)
		eventfd_signal(pv->console_eventfd, 1);
}

static long pv_console_write(struct pvx_vcpu *vcpu, u64 count, u64 gva)
{
	struct pv_vm *pv = &vcpu->vm->pv;
	u64 take = min_t(u64, count, PV_CONSOLE_MAX_WRITE), done;
	u8 chunk[PV_CONSOLE_CHUNK];
	long r;

	for (done = 0; done < take; done += PV_CONSOLE_CHUNK) {
		size_t n = min_t(u64, take - done, PV_CONSOLE_CHUNK);

		r = pv_copy_from_guest(vcpu, chunk, gva + done, n);
		if (r)
			return r;
		pv_console_put(pv, chunk, n);
	}
	if (count > take) {
		spin_lock(&pv->console_lock);
		pv->console_dropped += count - take;
		spin_unlock(&pv->console_lock);
	}
	if (take && pv->console_eventfd)
		eventfd_signal(pv->console_eventfd, 1);
	return 0;
}

/**
 * pv_do_console_io() - __HYPERVISOR_console_io(cmd, count, buffer).
 * @vcpu: the vCPU.
 * @args: [0] CONSOLEIO_*, [1] the byte count, [2] the guest buffer.
 *
 * Return: 0 (write), 0 bytes read, -EFAULT, -ENOSYS.
 */
long pv_do_console_io(struct pvx_vcpu *vcpu, const u64 args[5])
{
	switch (args[0]) {
	case CONSOLEIO_write:
		return pv_console_write(vcpu, args[1], args[2]);
	case CONSOLEIO_read:
		return 0;
	default:
		return -XEN_ENOSYS;
	}
}

/**
 * pv_console_read_ioctl() - PVX_PV_CONSOLE_READ (uapi/linux/pvx.h).
 * @vm: the VM (PV enabled).
 * @arg: the user's struct pvx_pv_console.
 *
 * Bytes move PV_CONSOLE_CHUNK at a time: out of the buffer under the lock,
 * to the user after it. Bytes taken out and not delivered (a bad @buf)
 * count as dropped.
 *
 * Return: the bytes copied, or -EINVAL, -EFAULT.
 */
long pv_console_read_ioctl(struct pvx_vm *vm, void __user *arg)
{
	struct pvx_pv_console __user *uc = arg;
	struct pv_vm *pv = &vm->pv;
	u8 chunk[PV_CONSOLE_CHUNK];
	struct pvx_pv_console c;
	u32 done = 0, n;

	if (copy_from_user(&c, arg, sizeof(c)))
		return -EFAULT;
	if (c.flags)
		return -EINVAL;
	do {
		spin_lock(&pv->console_lock);
		n = kfifo_out(&pv->console, chunk,
			      min_t(u32, c.len - done, sizeof(chunk)));
		spin_unlock(&pv->console_lock);
		if (copy_to_user(u64_to_user_ptr(c.buf + done), chunk, n)) {
			spin_lock(&pv->console_lock);
			pv->console_dropped += n;
			spin_unlock(&pv->console_lock);
			return -EFAULT;
		}
		done += n;
	} while (n == sizeof(chunk) && done < c.len);
	spin_lock(&pv->console_lock);
	c.dropped = pv->console_dropped;
	spin_unlock(&pv->console_lock);
	if (put_user(c.dropped, &uc->dropped))
		return -EFAULT;
	return done;
}
