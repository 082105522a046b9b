// SPDX-License-Identifier: GPL-2.0
/*
 * pvxctl stats [--json] [--debugfs DIR]: the statistics of every live VM,
 * read from debugfs's pvx/vm-PID-ID/stats, which works whatever process
 * runs the VM (PVX_GET_STATS answers only in the VM's own process); and
 * the printer that `pvxctl run --stats` shares.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "pvxctl.h"

#define DEBUGFS_PVX	"/sys/kernel/debug/pvx"
#define STATS_TEXT_MAX	(64 * 1024)

/*
 * An exit reason's @name (libpvx's pvx_exit_name() or pvx_vmx_exit_name()),
 * else "@prefix_@reason" in @buf.
 */
static const char *exit_name(const char *name, const char *prefix,
			     uint32_t reason, char *buf, size_t len)
{
	if (name)
		return name;
	snprintf(buf, len, "%s_%" PRIu32, prefix, reason);
	return buf;
}

static unsigned long long per_exit(const struct pvx_stats *st, unsigned int i)
{
	return st->exits[i] ? st->ticks[i] / st->exits[i] : 0;
}

static void print_text(FILE *out, const struct pvx_stats *st, const char *indent)
{
	uint64_t total = 0, ticks = 0;
	char buf[32];

	fprintf(out, "%s%-6s %-24s %12s %16s %12s\n", indent, "reason", "name",
		"exits", "ticks", "ticks/exit");
	for (unsigned int i = 0; i < PVX_STATS_NR_REASONS; i++) {
		if (!st->exits[i])
			continue;
		fprintf(out, "%s%-6u %-24s %12llu %16llu %12llu\n", indent, i,
			exit_name(pvx_vmx_exit_name(i), "reason", i, buf, sizeof(buf)),
			(unsigned long long)st->exits[i],
			(unsigned long long)st->ticks[i], per_exit(st, i));
		total += st->exits[i];
		ticks += st->ticks[i];
	}
	fprintf(out, "%s%-6s %-24s %12llu %16llu %12llu\n", indent, "", "total",
		(unsigned long long)total, (unsigned long long)ticks,
		total ? (unsigned long long)(ticks / total) : 0ULL);
	fprintf(out, "%sentries %llu; returns to userspace:", indent,
		(unsigned long long)st->entries);
	for (unsigned int i = 0; i < PVX_STATS_NR_EXITS; i++)
		if (st->userspace_exits[i])
			fprintf(out, " %s %llu",
				exit_name(pvx_exit_name(i), "exit", i, buf, sizeof(buf)),
				(unsigned long long)st->userspace_exits[i]);
	fprintf(out, "\n%sinjected: interrupts %llu, nmis %llu, exceptions %llu; "
		"halts blocked %llu, woken %llu\n", indent,
		(unsigned long long)st->injected_interrupts,
		(unsigned long long)st->injected_nmis,
		(unsigned long long)st->injected_exceptions,
		(unsigned long long)st->halt_blocks,
		(unsigned long long)st->halt_wakeups);
}

/* One JSON object (names are plain identifiers: nothing to escape). */
static void print_json(FILE *out, const struct pvx_stats *st)
{
	const char *sep = "";
	char buf[32];

	fprintf(out, "{\"exits\": [");
	for (unsigned int i = 0; i < PVX_STATS_NR_REASONS; i++) {
		if (!st->exits[i])
			continue;
		fprintf(out, "%s{\"reason\": %u, \"name\": \"%s\", \"count\": %llu, "
			"\"ticks\": %llu, \"ticks_per_exit\": %llu}", sep, i,
			exit_name(pvx_vmx_exit_name(i), "reason", i, buf, sizeof(buf)),
			(unsigned long long)st->exits[i],
			(unsigned long long)st->ticks[i], per_exit(st, i));
		sep = ", ";
	}
	fprintf(out, "], \"entries\": %llu, \"userspace_exits\": {",
		(unsigned long long)st->entries);
	sep = "";
	for (unsigned int i = 0; i < PVX_STATS_NR_EXITS; i++) {
		if (!st->userspace_exits[i])
			continue;
		fprintf(out, "%s\"%s\": %llu", sep,
			exit_name(pvx_exit_name(i), "exit", i, buf, sizeof(buf)),
			(unsigned long long)st->userspace_exits[i]);
		sep = ", ";
	}
	fprintf(out, "}, \"injected_interrupts\": %llu, \"injected_nmis\": %llu, "
		"\"injected_exceptions\": %llu, \"halt_blocks\": %llu, "
		"\"halt_wakeups\": %llu}",
		(unsigned long long)st->injected_interrupts,
		(unsigned long long)st->injected_nmis,
		(unsigned long long)st->injected_exceptions,
		(unsigned long long)st->halt_blocks,
		(unsigned long long)st->halt_wakeups);
}

void print_stats(FILE *out, const struct pvx_stats *st, bool json)
{
	if (json) {
		print_json(out, st);
		fputc('\n', out);
	} else {
		print_text(out, st, "");
	}
}

void stats_usage(FILE *out)
{
	fprintf(out,
		"pvxctl stats [--json] [--debugfs DIR]\n"
		"  The exits of every live VM by reason (count, TSC ticks pvx spent on\n"
		"  them, ticks per exit), entries, returns to userspace, injections and\n"
		"  HLTs, from DIR/vm-PID-ID/stats (DIR: " DEBUGFS_PVX ", needs root).\n"
		"  --json        one JSON object: {\"vms\": [{\"vm\", \"pid\", \"id\", \"comm\",\n"
		"                \"stats\"}]}\n");
}

static int stats_usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "pvxctl: stats: %s%s%s (try pvxctl stats --help)\n", what,
		arg ? " " : "", arg ? arg : "");
	return EXIT_USAGE;
}

static int is_vm_dir(const struct dirent *d)
{
	int pid, id, n = 0;

	return sscanf(d->d_name, "vm-%d-%d%n", &pid, &id, &n) == 2 &&
	       !d->d_name[n];
}

/* The whole of a small file, NUL-terminated (malloc'd), or NULL. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = malloc(STATS_TEXT_MAX);
	n = buf ? fread(buf, 1, STATS_TEXT_MAX - 1, f) : 0;
	if (buf)
		buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The command name of @pid, or "?" (the process may be gone). */
static void read_comm(int pid, char *comm, size_t len)
{
	char path[64], *text;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	text = slurp(path);
	if (text)
		text[strcspn(text, "\n")] = '\0';
	snprintf(comm, len, "%s", text && *text ? text : "?");
	free(text);
}

/* One VM's stats; false if it went away meanwhile. */
static bool show_vm(const char *dir, const char *name, bool json, bool first)
{
	struct pvx_stats st;
	char path[512], comm[64];
	char *text;
	int pid, id, r;

	snprintf(path, sizeof(path), "%s/%s/stats", dir, name);
	text = slurp(path);
	if (!text)		/* the VM died since the directory was read */
		return false;
	r = pvx_stats_parse(text, &st);
	free(text);
	if (r)
		die("%s: a format this pvxctl does not read: build pvxctl and pvx.ko from the same tree",
		    path);
	sscanf(name, "vm-%d-%d", &pid, &id);
	read_comm(pid, comm, sizeof(comm));
	if (json) {
		printf("%s{\"vm\": \"%s\", \"pid\": %d, \"id\": %d, \"comm\": \"",
		       first ? "" : ", ", name, pid, id);
		for (const char *c = comm; *c; c++)	/* a JSON string */
			printf(*c == '"' || *c == '\\' ? "\\%c" :
			       (unsigned char)*c < 0x20 ? "?" : "%c", *c);
		printf("\", \"stats\": ");
		print_json(stdout, &st);
		printf("}");
	} else {
		printf("%s (pid %d, %s):\n", name, pid, comm);
		print_text(stdout, &st, "  ");
	}
	return true;
}

static const struct option stats_options[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "debugfs", required_argument, NULL, 'd' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int cmd_stats(int argc, char **argv)
{
	const char *dir = DEBUGFS_PVX;
	struct dirent **ents;
	bool json = false;
	int key, n, shown = 0;

	opterr = 0;
	optind = 1;
	while ((key = getopt_long(argc, argv, ":h", stats_options, NULL)) != -1) {
		if (key == 'h') {
			stats_usage(stdout);
			return 0;
		}
		if (key == 'j')
			json = true;
		else if (key == 'd')
			dir = optarg;
		else
			return stats_usage_error(key == ':' ? "missing value for" :
						 "unknown option", argv[optind - 1]);
	}
	if (optind != argc)
		return stats_usage_error("unexpected argument", argv[optind]);
	n = scandir(dir, &ents, is_vm_dir, alphasort);
	if (n < 0 && errno == EACCES)
		die("%s: permission denied: debugfs is root's (sudo pvxctl stats)", dir);
	if (n < 0 && errno == ENOENT)
		die("%s not found: is pvx.ko loaded and debugfs mounted? (sudo insmod pvx.ko; mount -t debugfs none /sys/kernel/debug)",
		    dir);
	if (n < 0)
		die_errno(-errno, "%s", dir);
	if (json)
		printf("{\"vms\": [");
	for (int i = 0; i < n; i++) {
		shown += show_vm(dir, ents[i]->d_name, json, !shown);
		free(ents[i]);
	}
	free(ents);
	if (json)
		printf("]}\n");
	else if (!shown)
		printf("no VMs\n");
	return 0;
}
