// SPDX-License-Identifier: GPL-2.0
/*
 * refuse_test --errno NAME --reason TEXT: on a CPU that cannot run pvx,
 * insmod fails with that errno and one dmesg line containing TEXT, and
 * leaves nothing behind (a second attempt fails the same way).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libpvx.h"
#include "pvxtest.h"
#include "tap.h"

/*
 * Lines of @log containing @needle, leaving out the module loader's own
 * notes about pvx (it prefixes them "pvx: " too): "loading out-of-tree
 * module taints kernel", "module verification failed ... tainting kernel".
 */
static int count_lines_with(const char *log, const char *needle)
{
	int n = 0;

	for (const char *line = log; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char buf[512];

		snprintf(buf, sizeof(buf), "%.*s", (int)len, line);
		n += strstr(buf, needle) && !strstr(buf, "taint");
		line = nl ? nl + 1 : NULL;
	}
	return n;
}

int main(int argc, char **argv)
{
	const char *err_name = NULL, *reason = NULL;
	int want = 0, kmsg, r;
	char *log;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--errno"))
			err_name = argv[i + 1];
		else if (!strcmp(argv[i], "--reason"))
			reason = argv[i + 1];
	}
	for (int e = 1; err_name && e < 134; e++)
		if (strerrorname_np(e) && !strcmp(strerrorname_np(e), err_name))
			want = e;
	if (!want || !reason) {
		fprintf(stderr, "usage: refuse_test --errno ENAME --reason TEXT\n");
		return 2;
	}
	tap_plan(5);
	kmsg = kmsg_open_end();
	r = pvxtest_insmod(pvxtest_ko_path());
	tap_ok(r == -want, "insmod fails with %s (got %s)", err_name,
	       r ? strerrorname_np(-r) : "success");
	log = kmsg_read_new(kmsg);
	tap_ok(count_lines_with(log, reason) == 1, "dmesg says '%s'", reason);
	tap_ok(count_lines_with(log, "pvx: ") == 1,
	       "exactly one line from pvx (the loader's taint notes aside)");
	if (log)
		tap_diag("%s", log);
	free(log);
	tap_ok(access(PVX_DEV_PATH, F_OK) != 0 && !pvxtest_module_loaded("pvx"),
	       "no /dev/pvx and no module left behind");
	r = pvxtest_insmod(pvxtest_ko_path());
	tap_ok(r == -want, "a second attempt fails the same way");
	return tap_finish();
}
