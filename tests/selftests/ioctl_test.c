// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl_test: every bad argument to the /dev/pvx ioctls gets its documented
 * errno (uapi/linux/pvx.h), and access rules hold.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "libpvx.h"
#include "pvxtest.h"
#include "tap.h"

/* errno of an ioctl that is expected to fail, 0 if it succeeded. */
static int ioctl_errno(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? errno : 0;
}

static void check(int got, int want, const char *what)
{
	tap_ok(got == want, "%s: %s (got %s)", what, strerrorname_np(want) ?: "0",
	       got ? strerrorname_np(got) : "success");
}

/* Run @fn in a child that became uid/gid 65534; its exit status. */
static int as_nobody(int (*fn)(int fd), int fd)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(100);
		_exit(fn(fd));
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int nobody_open(int fd)
{
	(void)fd;
	return pvx_open_system() == -EACCES ? 0 : 1;
}

static int nobody_cpu_state(int fd)
{
	struct pvx_cpu_state st;

	return pvx_get_cpu_state(fd, 0, &st) == 0 && st.vmxon_pa == 0 &&
	       (st.state & PVX_CPU_VMX_ROOT) ? 0 : 1;
}

int main(void)
{
	struct pvx_caps caps, *ro_caps;
	struct pvx_cpu_state st;
	void *none;
	int fd;

	tap_plan(18);
	if (pvxtest_load_pvx())
		tap_bail("pvx.ko does not load");
	fd = pvx_open_system();
	if (fd < 0)
		tap_bail("cannot open /dev/pvx");
	none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro_caps = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	check(ioctl_errno(fd, _IO(PVXIO, 0x7f), NULL), ENOTTY, "unknown pvx ioctl");
	check(ioctl_errno(fd, TCGETS, &caps), ENOTTY, "foreign ioctl (TCGETS)");
	check(ioctl_errno(fd, _IOWR(PVXIO, 0x01, uint64_t), &caps), ENOTTY,
	      "PVX_GET_CAPS number with another struct size");
	check(ioctl(fd, PVX_GET_API_VERSION, 1) < 0 ? errno : 0, EINVAL,
	      "PVX_GET_API_VERSION with an argument");

	check(ioctl_errno(fd, PVX_GET_CAPS, NULL), EFAULT, "PVX_GET_CAPS(NULL)");
	check(ioctl_errno(fd, PVX_GET_CAPS, none), EFAULT, "PVX_GET_CAPS(PROT_NONE page)");
	check(ioctl_errno(fd, PVX_GET_CAPS, ro_caps), EFAULT, "PVX_GET_CAPS(read-only page)");
	memset(&caps, 0, sizeof(caps));
	caps.flags = 1;
	check(ioctl_errno(fd, PVX_GET_CAPS, &caps), EINVAL, "PVX_GET_CAPS unknown flag");
	memset(&caps, 0, sizeof(caps));
	caps.reserved[7] = 1;
	check(ioctl_errno(fd, PVX_GET_CAPS, &caps), EINVAL, "PVX_GET_CAPS non-zero reserved");
	memset(&caps, 0xff, sizeof(caps));
	tap_ok(pvx_get_caps(fd, &caps) == 0 && caps.reserved[0] == 0 &&
	       caps.reserved[7] == 0 && caps.flags == 0,
	       "PVX_GET_CAPS on a zeroed struct succeeds, reserved stays 0");

	check(-pvx_get_cpu_state(fd, caps.nr_cpu_ids, &st), EINVAL,
	      "PVX_GET_CPU_STATE cpu == nr_cpu_ids");
	check(-pvx_get_cpu_state(fd, UINT32_MAX, &st), EINVAL, "PVX_GET_CPU_STATE cpu 2^32-1");
	memset(&st, 0, sizeof(st));
	st.flags = 2;
	check(ioctl_errno(fd, PVX_GET_CPU_STATE, &st), EINVAL, "PVX_GET_CPU_STATE unknown flag");
	memset(&st, 0, sizeof(st));
	st.pad = 1;
	check(ioctl_errno(fd, PVX_GET_CPU_STATE, &st), EINVAL, "PVX_GET_CPU_STATE non-zero padding");
	check(ioctl_errno(fd, PVX_GET_CPU_STATE, NULL), EFAULT, "PVX_GET_CPU_STATE(NULL)");
	tap_ok(pvx_get_cpu_state(fd, 0, &st) == 0 && st.vmxon_pa != 0,
	       "root sees CPU 0's VMXON region address");

	tap_ok(as_nobody(nobody_open, -1) == 0, "uid 65534 cannot open /dev/pvx (EACCES)");
	tap_ok(as_nobody(nobody_cpu_state, fd) == 0,
	       "without CAP_SYS_ADMIN PVX_GET_CPU_STATE hides the VMXON address");
	close(fd);
	return tap_finish();
}
