// SPDX-License-Identifier: GPL-2.0
/*
 * TAP 13 output; stdout is flushed after each line so that a crash or a
 * hung box still shows every result printed before it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "tap.h"

static int tap_planned, tap_done, tap_failed;

void tap_plan(int n)
{
	tap_planned = n;
	printf("TAP version 13\n1..%d\n", n);
	fflush(stdout);
}

static void tap_line(const char *status, const char *directive,
		     const char *fmt, va_list ap)
{
	printf("%s %d - ", status, ++tap_done);
	vprintf(fmt, ap);
	printf("%s\n", directive);
	fflush(stdout);
}

bool tap_ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_line(cond ? "ok" : "not ok", "", fmt, ap);
	va_end(ap);
	tap_failed += !cond;
	return cond;
}

void tap_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_line("ok", " # SKIP", fmt, ap);
	va_end(ap);
}

void tap_skip_rest(const char *why)
{
	while (tap_done < tap_planned)
		tap_skip("%s", why);
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

void tap_bail(const char *fmt, ...)
{
	va_list ap;

	printf("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(1);
}

int tap_finish(void)
{
	if (tap_done != tap_planned)
		tap_diag("planned %d results, printed %d", tap_planned, tap_done);
	return tap_failed || tap_done != tap_planned;
}
