/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal TAP 13 output for pvx's selftests, in the spirit of kselftest.h.
 */
#ifndef PVX_TAP_H
#define PVX_TAP_H

#include <stdbool.h>

/* Print the header and the plan: exactly @n results must follow. */
void tap_plan(int n);
/* One result; returns @cond so callers can branch on it. */
bool tap_ok(bool cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* One result that was skipped, with the reason. */
void tap_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Skip every result still owed by the plan. */
void tap_skip_rest(const char *why);
/* A diagnostic line ("# ..."). */
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Stop now: a "Bail out!" line and exit status 1. */
void tap_bail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Exit status for main(): 0 only if all planned results passed or skipped. */
int tap_finish(void);

/*
 * In a case that collects several checks into one result (a local
 * `bool ok`): note a failed expectation with its line, and go on.
 */
#define EXPECT(cond)							\
	do {								\
		if (!(cond)) {						\
			tap_diag("%s:%d: expected %s", __FILE__,	\
				 __LINE__, #cond);			\
			ok = false;					\
		}							\
	} while (0)

#endif /* PVX_TAP_H */
