// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libpvx.h"
#include "pvxtest.h"
#include "tap.h"

const char *pvxtest_ko_path(void)
{
	const char *p = getenv("PVX_KO");

	return p && *p ? p : "/pvx/pvx.ko";
}

int pvxtest_insmod(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -errno;
	r = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return r;
}

int pvxtest_rmmod(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

bool pvxtest_module_loaded(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	return access(path, F_OK) == 0;
}

int pvxtest_load_pvx(void)
{
	return pvxtest_module_loaded("pvx") ? 0 : pvxtest_insmod(pvxtest_ko_path());
}

static const char *guest_dir = "/pvx/guests";

const char *pvxtest_guest_dir(void)
{
	return guest_dir;
}

/* Does argv[*i] name @o? If so, take its value (argv[++*i]) or set its flag. */
static bool take_opt(const struct pvxtest_opt *o, int argc, char **argv, int *i)
{
	if (strcmp(argv[*i], o->name))
		return false;
	if (!o->value) {
		*o->flag = true;
		return true;
	}
	if (*i + 1 >= argc)
		return false;
	*o->value = argv[++*i];
	return true;
}

void pvxtest_begin(int argc, char **argv, const struct pvxtest_opt *opts,
		   int nr_points)
{
	bool no_load = false;
	const struct pvxtest_opt common[] = {
		{ "--no-load", NULL, &no_load },
		{ "--guests", &guest_dir, NULL },
	};

	for (int i = 1; i < argc; i++) {
		bool known = take_opt(&common[0], argc, argv, &i) ||
			     take_opt(&common[1], argc, argv, &i);

		for (const struct pvxtest_opt *o = opts; !known && o && o->name; o++)
			known = take_opt(o, argc, argv, &i);
	}
	tap_plan(nr_points);
	if (!no_load && pvxtest_load_pvx())
		tap_bail("pvx.ko does not load");
}

int pvxtest_start(int argc, char **argv, const struct pvxtest_opt *opts,
		  int nr_points)
{
	int fd;

	pvxtest_begin(argc, argv, opts, nr_points);
	fd = pvx_open_system();
	if (fd < 0)
		tap_bail("cannot open /dev/pvx: %s", strerror(-fd));
	return fd;
}

static const struct {
	const char *name;	/* as in /sys/module */
	const char *path;	/* below /lib/modules/KVER/kernel */
} kvm_modules[] = {
	{ "irqbypass", "virt/lib/irqbypass.ko" },
	{ "kvm", "arch/x86/kvm/kvm.ko" },
	{ "kvm_intel", "arch/x86/kvm/kvm-intel.ko" },
};

#define N_KVM_MODULES (sizeof(kvm_modules) / sizeof(kvm_modules[0]))

int pvxtest_load_kvm(void)
{
	struct utsname u;
	char path[512];

	uname(&u);
	for (size_t i = 0; i < N_KVM_MODULES; i++) {
		int r;

		if (pvxtest_module_loaded(kvm_modules[i].name))
			continue;
		snprintf(path, sizeof(path), "/lib/modules/%s/kernel/%s",
			 u.release, kvm_modules[i].path);
		r = pvxtest_insmod(path);
		if (r)
			return r;
	}
	return 0;
}

int pvxtest_unload_kvm(void)
{
	for (size_t i = N_KVM_MODULES; i-- > 0;) {
		int r;

		if (!pvxtest_module_loaded(kvm_modules[i].name))
			continue;
		r = pvxtest_rmmod(kvm_modules[i].name);
		if (r)
			return r;
	}
	return 0;
}

int kmsg_open_end(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	lseek(fd, 0, SEEK_END);
	return fd;
}

/* Each /dev/kmsg record is "prio,seq,usec,flags;text\n" + continuation lines. */
char *kmsg_read_new(int fd)
{
	size_t len = 0, cap = 4096;
	char *out = malloc(cap);
	char rec[8192];

	if (!out)
		return NULL;
	out[0] = '\0';
	for (;;) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);
		char *text, *nl;

		if (n < 0 && errno == EPIPE)	/* overwritten records: go on */
			continue;
		if (n <= 0)
			break;
		rec[n] = '\0';
		text = strchr(rec, ';');
		text = text ? text + 1 : rec;
		nl = strchr(text, '\n');
		if (nl)
			*nl = '\0';
		if (len + strlen(text) + 2 > cap) {
			char *bigger;

			cap = 2 * (len + strlen(text) + 2);
			bigger = realloc(out, cap);
			if (!bigger)
				break;
			out = bigger;
		}
		len += sprintf(out + len, "%s\n", text);
	}
	return out;
}

char *read_text(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = calloc(1, 65536);
	if (buf) {
		n = fread(buf, 1, 65535, f);
		buf[n] = '\0';
	}
	fclose(f);
	return buf;
}

bool pvxtest_read_live(struct pvxtest_live *l)
{
	char *text = read_text("/sys/kernel/debug/pvx/live");
	int n = text ? sscanf(text, "vms %ld vcpus %ld pinned_pages %ld ept_tables %ld "
			      "evtchn_ports %ld evtchn_eventfds %ld pv_timers %ld",
			      &l->vms, &l->vcpus, &l->pinned_pages,
			      &l->ept_tables, &l->evtchn_ports,
			      &l->evtchn_eventfds, &l->pv_timers) : 0;

	free(text);
	return n == 7;
}

bool pvxtest_live_settles(const struct pvxtest_live *want,
			  struct pvxtest_live *now)
{
	for (int i = 0; i < 50; i++) {
		if (pvxtest_read_live(now) && !memcmp(now, want, sizeof(*now)))
			return true;
		usleep(100000);
	}
	return false;
}

int write_text(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int r = 0;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	if (n < 0)
		r = -errno;
	close(fd);
	return r;
}

int set_cpu_online(unsigned int cpu, bool online)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/online", cpu);
	return write_text(path, online ? "1" : "0");
}

int online_cpus(void)
{
	return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

int pvxtest_check_all_cpus_in_root(bool *all, char *why, size_t len)
{
	const unsigned int want = PVX_CPU_ONLINE | PVX_CPU_VMX_ROOT | PVX_CPU_CR4_VMXE;
	struct pvx_caps caps;
	struct pvx_cpu_state st;
	int fd, r, checked = 0;

	*all = true;
	why[0] = '\0';
	fd = pvx_open_system();
	if (fd < 0)
		return fd;
	r = pvx_get_caps(fd, &caps);
	for (unsigned int cpu = 0; !r && cpu < caps.nr_cpu_ids; cpu++) {
		r = pvx_get_cpu_state(fd, cpu, &st);
		if (r == -EINVAL) {	/* not a possible CPU */
			r = 0;
			continue;
		}
		if (r || !(st.state & PVX_CPU_ONLINE))
			continue;
		checked++;
		if ((st.state & want) != want || !st.vmxon_pa ||
		    (st.vmxon_pa & 0xfff)) {
			*all = false;
			snprintf(why, len, "cpu%u: state %#x vmxon_pa %#llx", cpu,
				 st.state, (unsigned long long)st.vmxon_pa);
		}
	}
	close(fd);
	return r ? r : checked;
}

/* Read both pipes until the child closes them. */
static void drain(int fds[2], char *bufs[2], size_t lens[2])
{
	size_t used[2] = { 0, 0 };
	struct pollfd p[2];
	int open_fds = 2;

	for (int i = 0; i < 2; i++) {
		p[i].fd = fds[i];
		p[i].events = POLLIN;
		bufs[i][0] = '\0';
	}
	while (open_fds && poll(p, 2, -1) > 0) {
		for (int i = 0; i < 2; i++) {
			char tmp[1024];
			ssize_t n;

			if (p[i].fd < 0 || !p[i].revents)
				continue;
			n = read(p[i].fd, tmp, sizeof(tmp));
			if (n <= 0) {
				close(p[i].fd);
				p[i].fd = -1;
				open_fds--;
				continue;
			}
			if (used[i] + n >= lens[i])
				n = lens[i] - 1 - used[i];
			memcpy(bufs[i] + used[i], tmp, n);
			used[i] += n;
			bufs[i][used[i]] = '\0';
		}
	}
}

int run_capture(char *const argv[], char *out, size_t out_len,
		char *err, size_t err_len)
{
	return run_capture_timeout(argv, 0, out, out_len, err, err_len);
}

int run_capture_timeout(char *const argv[], unsigned int secs, char *out,
			size_t out_len, char *err, size_t err_len)
{
	return run_capture_input(argv, secs, NULL, out, out_len, err, err_len);
}

/* A pipe holding @input whole, its write end closed: the read end, or -1. */
static int input_pipe(const char *input)
{
	size_t len = strlen(input);
	int pi[2];

	if (len > 65536 || pipe(pi))
		return -1;
	if (write(pi[1], input, len) != (ssize_t)len) {
		close(pi[0]);
		close(pi[1]);
		return -1;
	}
	close(pi[1]);
	return pi[0];
}

int run_capture_input(char *const argv[], unsigned int secs, const char *input,
		      char *out, size_t out_len, char *err, size_t err_len)
{
	int po[2], pe[2], in = input ? input_pipe(input) : -1, status;
	pid_t pid;

	if ((input && in < 0) || pipe(po) || pipe(pe))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		if (in >= 0)
			dup2(in, 0);
		close(po[0]);
		close(pe[0]);
		alarm(secs);	/* survives exec: SIGALRM ends the program */
		execvp(argv[0], argv);
		_exit(127);
	}
	if (in >= 0)
		close(in);
	close(po[1]);
	close(pe[1]);
	drain((int[2]){ po[0], pe[0] }, (char *[2]){ out, err },
	      (size_t[2]){ out_len, err_len });
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static long long net_page_allocs(void)
{
	char *text = read_text("/proc/vmstat"), *line, *save = NULL;
	long long net = 0;

	if (!text)
		return 0;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		long long v;
		char name[64];

		if (sscanf(line, "%63s %lld", name, &v) != 2)
			continue;
		if (!strncmp(name, "pgalloc_", 8))
			net += v;
		else if (!strcmp(name, "pgfree"))
			net -= v;
	}
	free(text);
	return net;
}

long long settled_net_page_allocs(void)
{
	long long prev, now = net_page_allocs();

	for (int i = 0; i < 20; i++) {
		usleep(100 * 1000);
		prev = now;
		now = net_page_allocs();
		if (now == prev)
			break;
	}
	return now;
}
