/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of libpvx's host-side unit tests (tests/unit/): they need no
 * /dev/pvx, so they run on the build machine (`make unit`). Each program
 * runs a table of cases, one TAP result per case; a case reports each
 * failed expectation as a diagnostic line.
 */
#ifndef PVX_UNIT_H
#define PVX_UNIT_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "libpvx.h"
#include "tap.h"

struct unit_case {
	const char *name;
	bool (*run)(void);
};

/* Run @n cases as a TAP plan; main()'s exit status. */
static inline int unit_run(const struct unit_case *cases, int n)
{
	tap_plan(n);
	for (int i = 0; i < n; i++)
		tap_ok(cases[i].run(), "%s", cases[i].name);
	return tap_finish();
}

#define UNIT_RUN(cases) unit_run(cases, sizeof(cases) / sizeof(cases[0]))

/* @size bytes of zeroed RAM as slot 0 at GPA 0 of a fresh memmap. */
static inline void *unit_ram(struct pvx_memmap *mm, uint64_t size)
{
	void *ram = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (ram == MAP_FAILED)
		tap_bail("mmap of %llu bytes", (unsigned long long)size);
	*mm = (struct pvx_memmap){ 0 };
	if (pvx_memmap_add(mm, 0, 0, size, ram, 0))
		tap_bail("pvx_memmap_add");
	return ram;
}

static inline void unit_ram_free(void *ram, uint64_t size)
{
	munmap(ram, size);
}

#endif /* PVX_UNIT_H */
