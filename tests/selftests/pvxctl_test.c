// SPDX-License-Identifier: GPL-2.0
/*
 * pvxctl_test: the CLI's contract: help, exit codes (0 ok, 1 failure,
 * 2 usage), `pvxctl info` output, and an error that names the fix when
 * pvx is not loaded.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pvxtest.h"
#include "tap.h"

#define BUF 16384

static char out[BUF], err[BUF];

static int pvxctl(const char *a1, const char *a2)
{
	char *argv[] = { "pvxctl", (char *)a1, (char *)a2, NULL };

	return run_capture(argv, out, sizeof(out), err, sizeof(err));
}

int main(void)
{
	char want[128];
	int rc;

	tap_plan(8);
	tap_ok(pvxtest_load_pvx() == 0, "pvx loaded");
	rc = pvxctl("--help", NULL);
	tap_ok(rc == 0 && strstr(out, "usage: pvxctl") && strstr(out, "info"),
	       "pvxctl --help lists the commands (rc %d)", rc);
	rc = pvxctl(NULL, NULL);
	tap_ok(rc == 2 && strstr(err, "usage"), "no command: usage on stderr, rc 2 (rc %d)", rc);
	rc = pvxctl("frobnicate", NULL);
	tap_ok(rc == 2 && strstr(err, "unknown command 'frobnicate'"),
	       "unknown command: rc 2 and named (rc %d)", rc);
	rc = pvxctl("info", NULL);
	snprintf(want, sizeof(want), "%d of %d online CPUs in VMX root", online_cpus(),
		 online_cpus());
	tap_ok(rc == 0 && strstr(out, "pvx API version 1") && strstr(out, want) &&
	       strstr(out, "features: ept"),
	       "pvxctl info: API version, features, '%s' (rc %d)", want, rc);
	if (rc)
		tap_diag("stdout: %s stderr: %s", out, err);
	rc = pvxctl("info", "extra");
	tap_ok(rc == 2, "pvxctl info with an extra argument: rc 2 (rc %d)", rc);

	pvxtest_rmmod("pvx");
	rc = pvxctl("info", NULL);
	tap_ok(rc == 1 && strstr(err, "/dev/pvx not found: is pvx.ko loaded?"),
	       "without pvx: rc 1 and the hint on stderr (rc %d: %s)", rc, err);
	tap_ok(pvxtest_load_pvx() == 0, "pvx loads again");
	return tap_finish();
}
