// SPDX-License-Identifier: GPL-2.0
/*
 * pvxctl_test: the CLI's contract: help, exit codes (0 ok, 1 failure,
 * 2 usage), `pvxctl info` output, `pvxctl run --stats [--json]` and
 * `pvxctl stats`, and an error that names the fix when pvx is not loaded.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
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

/*
 * A JSON validator (RFC 8259's grammar, without \u escapes' checks):
 * each parse_* takes the text at *@p and moves past it, or fails.
 */
static bool parse_value(const char **p);

static void skip_ws(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
		(*p)++;
}

static bool parse_string(const char **p)
{
	if (**p != '"')
		return false;
	for ((*p)++; **p != '"'; (*p)++) {
		if (!**p || (unsigned char)**p < 0x20)
			return false;
		if (**p == '\\' && !*++*p)
			return false;
	}
	(*p)++;
	return true;
}

static bool parse_number(const char **p)
{
	const char *start = *p;

	if (**p == '-')
		(*p)++;
	while (isdigit((unsigned char)**p) || **p == '.' || **p == 'e' ||
	       **p == 'E' || **p == '+' || **p == '-')
		(*p)++;
	return *p > start && isdigit((unsigned char)(*p)[-1]);
}

/* An object ('{', members of "key": value) or an array ('[', values). */
static bool parse_container(const char **p, char close, bool object)
{
	(*p)++;
	skip_ws(p);
	if (**p == close) {
		(*p)++;
		return true;
	}
	for (;;) {
		skip_ws(p);
		if (object) {
			if (!parse_string(p))
				return false;
			skip_ws(p);
			if (*(*p)++ != ':')
				return false;
		}
		if (!parse_value(p))
			return false;
		skip_ws(p);
		if (**p == close) {
			(*p)++;
			return true;
		}
		if (*(*p)++ != ',')
			return false;
	}
}

static bool parse_value(const char **p)
{
	skip_ws(p);
	switch (**p) {
	case '{': return parse_container(p, '}', true);
	case '[': return parse_container(p, ']', false);
	case '"': return parse_string(p);
	case 't': return !strncmp(*p, "true", 4) && (*p += 4);
	case 'f': return !strncmp(*p, "false", 5) && (*p += 5);
	case 'n': return !strncmp(*p, "null", 4) && (*p += 4);
	default: return parse_number(p);
	}
}

/* Is @text exactly one JSON object (and white space)? */
static bool is_json_object(const char *text)
{
	const char *p = text;

	skip_ws(&p);
	if (*p != '{' || !parse_value(&p))
		return false;
	skip_ws(&p);
	return *p == '\0';
}

/* `pvxctl run stats --stats [--json]`: the CPUID count is 2 N. */
static void test_run_stats(void)
{
	char *json_argv[] = { "pvxctl", "run", "/pvx/guests/stats", "--stats",
			      "--json", NULL };
	char *text_argv[] = { "pvxctl", "run", "/pvx/guests/stats", "--stats", NULL };
	char *bad_argv[] = { "pvxctl", "run", "/pvx/guests/stats", "--json", NULL };
	char want[128], *report;
	unsigned long long n = 0;
	int rc;

	rc = run_capture(json_argv, out, sizeof(out), err, sizeof(err));
	report = strstr(err, "report key 0x1 value ");
	if (report)
		n = strtoull(report + strlen("report key 0x1 value "), NULL, 0);
	snprintf(want, sizeof(want),
		 "{\"reason\": 10, \"name\": \"cpuid\", \"count\": %llu,", 2 * n);
	tap_ok(rc == 0 && n && is_json_object(out) && strstr(out, want) &&
	       strstr(out, "\"userspace_exits\": {\"io\": "),
	       "pvxctl run stats --stats --json: stdout is one JSON object with the guest's 2 x %llu CPUID exits (rc %d)",
	       n, rc);
	if (rc || !is_json_object(out) || !strstr(out, want))
		tap_diag("stdout: %s stderr: %s", out, err);
	rc = run_capture(text_argv, out, sizeof(out), err, sizeof(err));
	snprintf(want, sizeof(want), "cpuid");
	tap_ok(rc == 0 && strstr(out, "ticks/exit") && strstr(out, "io_instruction") &&
	       strstr(out, want) && strstr(out, "entries "),
	       "pvxctl run stats --stats: a table of exits with ticks per exit (rc %d)", rc);
	rc = run_capture(bad_argv, out, sizeof(out), err, sizeof(err));
	tap_ok(rc == 2 && strstr(err, "--json goes with --stats"),
	       "pvxctl run --json without --stats: usage error, rc 2 (rc %d)", rc);
	rc = pvxctl("stats", "--json");
	tap_ok(rc == 0 && is_json_object(out) && strstr(out, "\"vms\": ["),
	       "pvxctl stats --json: one JSON object with a list of VMs (rc %d)", rc);
}

int main(void)
{
	char want[128];
	int rc;

	tap_plan(12);
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
	test_run_stats();

	pvxtest_rmmod("pvx");
	rc = pvxctl("info", NULL);
	tap_ok(rc == 1 && strstr(err, "/dev/pvx not found: is pvx.ko loaded?"),
	       "without pvx: rc 1 and the hint on stderr (rc %d: %s)", rc, err);
	tap_ok(pvxtest_load_pvx() == 0, "pvx loads again");
	return tap_finish();
}
