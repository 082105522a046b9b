// SPDX-License-Identifier: GPL-2.0
/*
 * compat_test [--no-load]: a 32-bit process (compat32, built with -m32,
 * freestanding) opens /dev/pvx, gets the API version through the compat
 * ioctl path, creates a VM and a vCPU, and calls PVX_RUN: pvx refuses it
 * with EOPNOTSUPP (a VM exit would leave the host kernel's FS/GS selectors
 * where the 32-bit process keeps its TLS). compat32 exits with that errno,
 * or 100 + the step that failed first.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pvxtest.h"
#include "tap.h"

int main(int argc, char **argv)
{
	char self[PATH_MAX], helper[PATH_MAX + 16], out[256], err[256];
	char *args[] = { helper, NULL };
	int sys_fd = pvxtest_start(argc, argv, NULL, 1), status;

	snprintf(self, sizeof(self), "%s", argv[0]);
	snprintf(helper, sizeof(helper), "%s/compat32", dirname(self));
	status = run_capture(args, out, sizeof(out), err, sizeof(err));
	if (status != EOPNOTSUPP)
		tap_diag("%s: exit status %d (%s), stderr: %s", helper, status,
			 status > 0 && status < 100 ? strerror(status) : "a step failed",
			 err);
	tap_ok(status == EOPNOTSUPP,
	       "a 32-bit process: API version and VM/vCPU creation through compat ioctls, PVX_RUN refused with EOPNOTSUPP (exit status %d)",
	       status);
	close(sys_fd);
	return tap_finish();
}
