// SPDX-License-Identifier: GPL-2.0
/*
 * caps_test [--present a,b] [--absent c,d]: PVX_GET_CAPS reports what the
 * box's CPU model offers, by capability name (libpvx's names), so pvx is
 * seen to adapt to the features a CPU lacks.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "libpvx.h"
#include "pvxtest.h"
#include "tap.h"

static int count_names(const char *list)
{
	int n = *list ? 1 : 0;

	for (; *list; list++)
		n += *list == ',';
	return n;
}

static void check_names(const struct pvx_caps *caps, char *list, int want)
{
	char *save = NULL;

	for (char *name = strtok_r(list, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		uint64_t cap = pvx_cap_by_name(name);

		tap_ok(cap && !!(caps->features & cap) == want, "%s is %s", name,
		       want ? "present" : "absent");
	}
}

int main(int argc, char **argv)
{
	char present[512] = "", absent[512] = "";
	struct pvx_caps caps;
	int fd;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--present"))
			snprintf(present, sizeof(present), "%s", argv[i + 1]);
		else if (!strcmp(argv[i], "--absent"))
			snprintf(absent, sizeof(absent), "%s", argv[i + 1]);
	}
	tap_plan(1 + count_names(present) + count_names(absent));
	fd = pvxtest_load_pvx() == 0 ? pvx_open_system() : -1;
	if (!tap_ok(fd >= 0 && pvx_get_caps(fd, &caps) == 0, "PVX_GET_CAPS"))
		tap_bail("no capabilities to check");
	close(fd);
	check_names(&caps, present, 1);
	check_names(&caps, absent, 0);
	return tap_finish();
}
