// SPDX-License-Identifier: GPL-2.0
/*
 * guest_mem_test [--guests DIR] [--no-load] [--quick]: guest memory as the
 * guest and the host see it, through the mem_agent guest (DIR, default
 * /pvx/guests), which reads and writes where the host tells it.
 *
 *  - What the guest writes the host reads through its own mapping, and
 *    what the host writes the guest reads, on pages the guest has touched
 *    before and on new ones.
 *  - A PVX_MEM_READONLY slot: guest reads work; a guest write is a
 *    PVX_EXIT_MMIO write with the data, and the memory stays as it was.
 *  - Deleting a slot unmaps it: the pinned pages are released (debugfs
 *    live: pinned_pages), a later guest access is an MMIO exit, and a new
 *    slot at the same place shows its own memory, not the old pages.
 *  - EPT leaves (debugfs vm-PID-N/ept): 2 MiB leaves where the backing is
 *    a 2 MiB-aligned huge page (THP, hugetlbfs), none where it is not
 *    (4 KiB pages, or a slot whose guest-physical base is not congruent
 *    with the host address modulo 2 MiB); and where the host has split a
 *    THP before the guest came, the guest sees the host's pages.
 *  - A guest touching 256 MiB on THP (and 64 MiB on 4 KiB pages) gets the
 *    right checksum, and every live counter is back to 0 once the VM is
 *    gone. --quick leaves out the 4 KiB run.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libpvx.h"
#include "pvxtest.h"
#include "tap.h"
#include "../guest/mem_agent.h"

#define KIB		((uint64_t)1 << 10)
#define MIB		((uint64_t)1 << 20)
#define GIB		((uint64_t)1 << 30)
#define PAGE		(4 * KIB)
#define HUGE		PVX_HUGE_PAGE_SIZE

/* Slot 0 holds the agent: its image at 1 MiB, tables, stack. */
#define AGENT_RAM	(16 * MIB)
/* Long mode maps this much, so every slot below can be reached. */
#define AGENT_MAP	(4 * GIB)

#define DEBUGFS		"/sys/kernel/debug/pvx"

static int sys_fd = -1;

struct agent {
	struct pvx_vm *vm;
	struct pvx_vcpu *vcpu;
};

/* Memory this test maps itself (for slots pvx_vm_add_ram() cannot make). */
struct own_mem {
	void *map;
	size_t map_len;
	void *host;
};

/* @size bytes, 2 MiB aligned, with @advice (MADV_NOHUGEPAGE or 0). */
static bool own_alloc(struct own_mem *m, uint64_t size, int advice)
{
	m->map_len = size + HUGE;
	m->map = mmap(NULL, m->map_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m->map == MAP_FAILED) {
		tap_diag("mmap of %" PRIu64 " bytes: %s", size, strerror(errno));
		m->map = NULL;
		return false;
	}
	m->host = (char *)m->map + (-(uintptr_t)m->map & (HUGE - 1));
	if (advice && madvise(m->host, size, advice)) {
		tap_diag("madvise: %s", strerror(errno));
		return false;
	}
	return true;
}

static void own_free(struct own_mem *m)
{
	if (m->map)
		munmap(m->map, m->map_len);
	m->map = NULL;
}

/*
 * debugfs: the live counters and this VM's EPT leaves.
 */

struct live {
	long vms, vcpus, pinned_pages, ept_tables;
};

static long text_value(const char *text, const char *key)
{
	size_t n = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, key, n) && p[n] == '\t')
			return strtol(p + n + 1, NULL, 10);
	return -1;
}

static bool read_live(struct live *l)
{
	char *t = read_text(DEBUGFS "/live");

	if (!t) {
		tap_diag("cannot read " DEBUGFS "/live");
		return false;
	}
	l->vms = text_value(t, "vms");
	l->vcpus = text_value(t, "vcpus");
	l->pinned_pages = text_value(t, "pinned_pages");
	l->ept_tables = text_value(t, "ept_tables");
	free(t);
	return l->vms >= 0 && l->vcpus >= 0 && l->pinned_pages >= 0 &&
	       l->ept_tables >= 0;
}

struct ept_stats {
	long pages_4k, pages_2m, tables;
};

/* The ept file of this process's newest VM: vm-PID-N with the largest N. */
static bool read_ept(struct ept_stats *st)
{
	char prefix[32], path[300];
	long best = -1;
	struct dirent *d;
	DIR *dir = opendir(DEBUGFS);
	char *t;

	if (!dir) {
		tap_diag("cannot open " DEBUGFS ": %s", strerror(errno));
		return false;
	}
	snprintf(prefix, sizeof(prefix), "vm-%d-", (int)getpid());
	while ((d = readdir(dir))) {
		if (!strncmp(d->d_name, prefix, strlen(prefix))) {
			long n = strtol(d->d_name + strlen(prefix), NULL, 10);

			if (n > best)
				best = n;
		}
	}
	closedir(dir);
	if (best < 0) {
		tap_diag("no " DEBUGFS "/%s* directory", prefix);
		return false;
	}
	snprintf(path, sizeof(path), DEBUGFS "/%s%ld/ept", prefix, best);
	t = read_text(path);
	if (!t) {
		tap_diag("cannot read %s", path);
		return false;
	}
	st->pages_4k = text_value(t, "pages_4k");
	st->pages_2m = text_value(t, "pages_2m");
	st->tables = text_value(t, "tables");
	free(t);
	return st->pages_4k >= 0 && st->pages_2m >= 0 && st->tables >= 0;
}

/*
 * The agent.
 */

static void diag_exit(struct agent *a, const char *what)
{
	const struct pvx_run *run = a->vcpu->run;

	if (run->exit_reason == PVX_EXIT_MMIO)
		tap_diag("%s: mmio %s at %#llx len %u", what,
			 run->mmio.is_write ? "write" : "read",
			 (unsigned long long)run->mmio.phys_addr, run->mmio.len);
	else if (run->exit_reason == PVX_EXIT_INTERNAL_ERROR)
		tap_diag("%s: internal error %u at rip %#llx gpa %#llx", what,
			 run->internal.suberror,
			 (unsigned long long)run->internal.guest_rip,
			 (unsigned long long)run->internal.guest_phys_addr);
	else
		tap_diag("%s: exit %s (%u)", what,
			 pvx_exit_name(run->exit_reason) ?: "?",
			 run->exit_reason);
}

static bool run_expect(struct agent *a, uint32_t reason, const char *what)
{
	int r = pvx_vcpu_run(a->vcpu);

	if (r) {
		tap_diag("%s: PVX_RUN: %s", what, strerror(-r));
		return false;
	}
	if (a->vcpu->run->exit_reason == reason)
		return true;
	tap_diag("%s: expected a %s exit", what, pvx_exit_name(reason));
	diag_exit(a, what);
	return false;
}

static void agent_close(struct agent *a)
{
	pvx_vm_destroy(a->vm);
	a->vm = NULL;
}

/* A VM running the agent from AGENT_RAM of 4 KiB pages, at its first HLT. */
static bool agent_open(struct agent *a)
{
	char path[600];
	struct pvx_image img;
	size_t len;
	void *elf;
	int r;

	snprintf(path, sizeof(path), "%s/mem_agent", pvxtest_guest_dir());
	r = pvx_read_file(path, AGENT_RAM, &elf, &len);
	if (r) {
		tap_diag("%s: %s", path, strerror(-r));
		return false;
	}
	r = pvx_vm_create(sys_fd, &a->vm);
	if (!r) {
		r = pvx_vm_add_ram(a->vm, 0, 0, AGENT_RAM, 0, PVX_BACKING_PAGES) ?:
		    pvx_load_elf(&a->vm->mem, elf, len, &img) ?:
		    pvx_mode_write_tables(&a->vm->mem, PVX_MODE_LONG, AGENT_MAP) ?:
		    pvx_vcpu_create(a->vm, 0, &a->vcpu) ?:
		    pvx_vcpu_setup_mode(a->vcpu, PVX_MODE_LONG, img.entry, 1);
		if (r)
			agent_close(a);
	}
	free(elf);
	if (r) {
		tap_diag("agent VM: %s", strerror(-r));
		return false;
	}
	if (!run_expect(a, PVX_EXIT_HLT, "agent start")) {
		agent_close(a);
		return false;
	}
	return true;
}

/* Give the agent, waiting at HLT, its next command and run it once. */
static bool agent_send(struct agent *a, uint64_t op, uint64_t addr,
		       uint64_t len, uint64_t seed, uint64_t stride)
{
	struct pvx_regs r;
	int err = pvx_vcpu_get_regs(a->vcpu, &r);

	r.rax = op;
	r.rbx = addr;
	r.rcx = len;
	r.rdx = seed;
	r.rdi = stride;
	err = err ?: pvx_vcpu_set_regs(a->vcpu, &r) ?: pvx_vcpu_run(a->vcpu);
	if (err)
		tap_diag("agent command %" PRIu64 ": %s", op, strerror(-err));
	return !err;
}

/* At the HLT that ends a command: its result. */
static bool agent_result(struct agent *a, uint64_t *result, const char *what)
{
	struct pvx_regs r;

	if (a->vcpu->run->exit_reason != PVX_EXIT_HLT) {
		tap_diag("%s: expected a hlt exit", what);
		diag_exit(a, what);
		return false;
	}
	if (pvx_vcpu_get_regs(a->vcpu, &r))
		return false;
	*result = r.rsi;
	return true;
}

static bool agent_do(struct agent *a, uint64_t op, uint64_t addr,
		     uint64_t len, uint64_t seed, uint64_t stride,
		     uint64_t *result, const char *what)
{
	return agent_send(a, op, addr, len, seed, stride) &&
	       agent_result(a, result, what);
}

/* The agent checks [gpa, gpa + len), every @stride, against @seed. */
static bool agent_check(struct agent *a, uint64_t gpa, uint64_t len,
			uint64_t seed, uint64_t stride, const char *what)
{
	uint64_t bad;

	if (!agent_do(a, MEM_AGENT_CHECK, gpa, len, seed, stride, &bad, what))
		return false;
	if (bad)
		tap_diag("%s: the guest found %" PRIu64 " words wrong", what, bad);
	return !bad;
}

/* Host side: the words the agent wrote (or should read), every @stride. */
static void host_fill(void *host, uint64_t gpa, uint64_t len, uint64_t seed,
		      uint64_t stride)
{
	for (uint64_t off = 0; off < len; off += stride)
		*(uint64_t *)((char *)host + off) = mem_agent_word(gpa + off, seed);
}

static bool host_check(const void *host, uint64_t gpa, uint64_t len,
		       uint64_t seed, uint64_t stride, const char *what)
{
	uint64_t bad = 0;

	for (uint64_t off = 0; off < len; off += stride) {
		uint64_t got = *(const uint64_t *)((const char *)host + off);
		uint64_t want = mem_agent_word(gpa + off, seed);

		if (got != want && bad++ < 4)
			tap_diag("%s: host sees %#" PRIx64 " at gpa %#" PRIx64 ", expected %#" PRIx64,
				 what, got, gpa + off, want);
	}
	if (bad)
		tap_diag("%s: %" PRIu64 " words wrong", what, bad);
	return !bad;
}

static void *host_of(struct agent *a, uint64_t gpa, uint64_t len)
{
	void *p = pvx_gpa_to_host(&a->vm->mem, gpa, len);

	if (!p)
		tap_bail("GPA %#" PRIx64 "+%#" PRIx64 " has no host mapping", gpa,
			 len);
	return p;
}

/*
 * Visibility both ways, on slot 0.
 */

#define VIS_GPA		(4 * MIB)
#define VIS_LEN		(MIB + 3 * PAGE + 24)	/* ends inside a page */

static void test_visibility(struct agent *a)
{
	uint64_t n = 0, sum = 0, want_sum = 0;
	uint64_t lo = VIS_GPA - 8 * PAGE, len = 2 * MIB;
	bool ok;

	ok = agent_do(a, MEM_AGENT_WRITE, VIS_GPA, VIS_LEN, 0x1111, 8, &n,
		      "guest write") && n == VIS_LEN / 8 &&
	     host_check(host_of(a, VIS_GPA, VIS_LEN), VIS_GPA, VIS_LEN, 0x1111,
			8, "guest write");
	tap_ok(ok, "guest writes %llu bytes, the host reads every word through its mapping",
	       (unsigned long long)VIS_LEN);

	/* Half of it the guest has touched (mapped in EPT), half not. */
	host_fill(host_of(a, lo, len), lo, len, 0x2222, 8);
	for (uint64_t off = 0; off < len; off += 8)
		want_sum += mem_agent_word(lo + off, 0x2222);
	ok = agent_check(a, lo, len, 0x2222, 8, "host write") &&
	     agent_do(a, MEM_AGENT_SUM, lo, len, 0, 8, &sum, "guest sum") &&
	     sum == want_sum;
	if (!ok)
		tap_diag("sum %#" PRIx64 ", expected %#" PRIx64, sum, want_sum);
	tap_ok(ok, "host writes 2 MiB over pages the guest mapped and pages it did not: the guest reads every word");

	/* One word again, on a page the guest has just read. */
	*(uint64_t *)host_of(a, VIS_GPA + 0x5008, 8) = 0x600dcafe600dcafeULL;
	ok = agent_do(a, MEM_AGENT_READ1, VIS_GPA + 0x5008, 8, 0, 0, &n,
		      "guest read") && n == 0x600dcafe600dcafeULL;
	tap_ok(ok, "a host store to a page the guest has mapped: the guest's next load sees it (read %#llx)",
	       (unsigned long long)n);
}

/*
 * A read-only slot.
 */

#define RO_SLOT		1
#define RO_GPA		(64 * MIB)
#define RO_LEN		(2 * MIB)

/* A write to the read-only slot: an MMIO write exit with the data. */
static bool ro_write(struct agent *a, uint64_t gpa, uint64_t val)
{
	const struct pvx_run *run = a->vcpu->run;
	uint64_t data = 0, result;

	if (!agent_send(a, MEM_AGENT_WRITE1, gpa, 8, val, 0))
		return false;
	if (run->exit_reason != PVX_EXIT_MMIO) {
		diag_exit(a, "write to the read-only slot");
		return false;
	}
	memcpy(&data, run->mmio.data, 8);
	if (run->mmio.phys_addr != gpa || run->mmio.len != 8 ||
	    !run->mmio.is_write || data != val) {
		diag_exit(a, "write to the read-only slot");
		tap_diag("data %#" PRIx64 ", expected a write of %#" PRIx64 " at %#" PRIx64,
			 data, val, gpa);
		return false;
	}
	/* The device ignores it; the agent goes on to its HLT. */
	return run_expect(a, PVX_EXIT_HLT, "after the MMIO write") &&
	       agent_result(a, &result, "after the MMIO write");
}

static void test_readonly(struct agent *a)
{
	struct own_mem m = { };
	uint64_t val = 0;
	bool ok;
	int r;

	if (!own_alloc(&m, RO_LEN, 0)) {
		for (int i = 0; i < 3; i++)
			tap_ok(false, "read-only slot: no memory");
		return;
	}
	host_fill(m.host, RO_GPA, RO_LEN, 0x3333, 8);
	r = pvx_vm_add_memory(a->vm, RO_SLOT, RO_GPA, RO_LEN, m.host,
			      PVX_MEM_READONLY);
	if (r)
		tap_diag("read-only slot: %s", strerror(-r));
	/* The guest reads the first half only. */
	ok = !r && agent_check(a, RO_GPA, RO_LEN / 2, 0x3333, 8, "read-only read");
	tap_ok(ok, "read-only slot: the guest reads what the host put there");

	ok = !r && ro_write(a, RO_GPA + 0x1008, 0xbad0bad0bad0bad0ULL) &&
	     host_check((char *)m.host + 0x1008, RO_GPA + 0x1008, 8, 0x3333, 8,
			"after the write") &&
	     agent_do(a, MEM_AGENT_READ1, RO_GPA + 0x1008, 8, 0, 0, &val,
		      "read back") && val == mem_agent_word(RO_GPA + 0x1008, 0x3333);
	tap_ok(ok, "read-only slot, a page the guest has read: a write is an MMIO write exit with its data, memory unchanged");

	ok = !r && ro_write(a, RO_GPA + RO_LEN - 8, 0x5eed5eed5eed5eedULL) &&
	     host_check((char *)m.host + RO_LEN - 8, RO_GPA + RO_LEN - 8, 8,
			0x3333, 8, "after the write") &&
	     agent_check(a, RO_GPA, RO_LEN, 0x3333, 8, "read-only read");
	tap_ok(ok, "read-only slot, a page never touched: a write is an MMIO write exit, memory unchanged");

	if (!r && pvx_vm_delete_memory(a->vm, RO_SLOT))
		tap_diag("cannot delete the read-only slot");
	own_free(&m);
}

/*
 * Deleting a slot.
 */

#define DEL_SLOT	2
#define DEL_GPA		(128 * MIB)
#define DEL_LEN		(2 * MIB)

static void test_delete(struct agent *a)
{
	const struct pvx_run *run = a->vcpu->run;
	struct own_mem m = { }, m2 = { };
	struct ept_stats e0, e1;
	struct live l0, l1;
	uint64_t n = 0, val = 0;
	long pages = DEL_LEN / PAGE;
	bool ok;
	int r;

	/* 4 KiB pages, so that the slot pins exactly one page per page. */
	ok = own_alloc(&m, DEL_LEN, MADV_NOHUGEPAGE) &&
	     own_alloc(&m2, DEL_LEN, MADV_NOHUGEPAGE);
	r = ok ? pvx_vm_add_memory(a->vm, DEL_SLOT, DEL_GPA, DEL_LEN, m.host, 0) :
		 -ENOMEM;
	ok = !r && agent_do(a, MEM_AGENT_WRITE, DEL_GPA, DEL_LEN, 0x4444, PAGE,
			    &n, "touch") && n == (uint64_t)pages &&
	     read_live(&l0) && read_ept(&e0);
	r = r ?: pvx_vm_delete_memory(a->vm, DEL_SLOT);
	ok = ok && !r && read_live(&l1) && read_ept(&e1) &&
	     l0.pinned_pages - l1.pinned_pages == pages &&
	     e0.pages_4k - e1.pages_4k == pages;
	if (!r)
		tap_diag("pinned_pages %ld -> %ld, ept pages_4k %ld -> %ld",
			 l0.pinned_pages, l1.pinned_pages, e0.pages_4k,
			 e1.pages_4k);
	tap_ok(ok, "deleting a slot of %ld touched pages: pinned_pages and the VM's 4 KiB leaves drop by %ld",
	       pages, pages);

	/* The guest's old mapping must be gone: an MMIO read now. */
	ok = !r && agent_send(a, MEM_AGENT_READ1, DEL_GPA + 0x3008, 8, 0, 0) &&
	     run->exit_reason == PVX_EXIT_MMIO &&
	     run->mmio.phys_addr == DEL_GPA + 0x3008 && run->mmio.len == 8 &&
	     !run->mmio.is_write;
	if (!ok && !r)
		diag_exit(a, "read of the deleted slot");
	if (ok) {
		static const uint64_t answer = 0x0123456789abcdefULL;

		memcpy(a->vcpu->run->mmio.data, &answer, 8);
		ok = run_expect(a, PVX_EXIT_HLT, "after the MMIO read") &&
		     agent_result(a, &val, "after the MMIO read") &&
		     val == answer;
	}
	tap_ok(ok, "after the delete a guest read there is an MMIO read exit, and the data the host gives reaches the guest");

	/* Other memory in the same place: the guest must see it. */
	if (m2.map)
		host_fill(m2.host, DEL_GPA, DEL_LEN, 0x5555, 8);
	r = m2.map ? pvx_vm_add_memory(a->vm, DEL_SLOT, DEL_GPA, DEL_LEN,
				       m2.host, 0) : -ENOMEM;
	ok = !r && agent_check(a, DEL_GPA, DEL_LEN, 0x5555, 8, "new slot");
	tap_ok(ok, "a new slot at the deleted slot's place: the guest sees the new memory, not the old pages");
	if (!r)
		pvx_vm_delete_memory(a->vm, DEL_SLOT);
	own_free(&m);
	own_free(&m2);
}

/*
 * EPT leaf sizes.
 */

/*
 * Add a slot of @len at @gpa backed by @host, have the guest write a word
 * in every 4 KiB page and check them all (guest and host), and say how
 * many EPT leaves of each size it took.
 */
static bool touch_slot(struct agent *a, uint32_t slot, uint64_t gpa,
		       uint64_t len, uint64_t seed, long *d4k, long *d2m,
		       const char *what)
{
	struct ept_stats e0, e1;
	uint64_t n = 0;

	if (!read_ept(&e0) ||
	    !agent_do(a, MEM_AGENT_WRITE, gpa, len, seed, PAGE, &n, what) ||
	    n != len / PAGE || !agent_check(a, gpa, len, seed, PAGE, what) ||
	    !host_check(host_of(a, gpa, len), gpa, len, seed, PAGE, what) ||
	    !read_ept(&e1))
		return false;
	*d4k = e1.pages_4k - e0.pages_4k;
	*d2m = e1.pages_2m - e0.pages_2m;
	tap_diag("%s: slot %u, %" PRIu64 " MiB: %ld 4 KiB and %ld 2 MiB EPT leaves",
		 what, slot, len / MIB, *d4k, *d2m);
	return true;
}

#define THP_GPA		(256 * MIB)
#define THP_LEN		(64 * MIB)
#define SKEW_GPA	(512 * MIB + PAGE)	/* not 2 MiB-congruent */
#define SKEW_LEN	(8 * MIB)
#define SMALL_GPA	(768 * MIB)
#define SMALL_LEN	(16 * MIB)
#define HUGETLB_GPA	(1 * GIB)
#define HUGETLB_LEN	(16 * MIB)

static void test_thp(struct agent *a)
{
	long d4k = 0, d2m = 0;
	int r;
	bool ok;

	r = pvx_vm_add_ram(a->vm, 3, THP_GPA, THP_LEN, 0, PVX_BACKING_THP);
	if (r)
		tap_diag("THP slot: %s", strerror(-r));
	ok = !r && touch_slot(a, 3, THP_GPA, THP_LEN, 0x6666, &d4k, &d2m, "THP");
	/* THP may fail to find a few huge pages; most must be there. */
	tap_ok(ok && d2m > 0 && d2m >= (long)(THP_LEN / HUGE) / 2 &&
	       d4k < (long)(HUGE / PAGE),
	       "THP backing (2 MiB aligned, MADV_HUGEPAGE): 2 MiB EPT leaves (%ld of %llu), few 4 KiB ones (%ld)",
	       d2m, (unsigned long long)(THP_LEN / HUGE), d4k);
	if (!r)
		pvx_vm_delete_memory(a->vm, 3);
}

/*
 * A slot of @len bytes at @gpa on memory with @advice, touched page by page
 * by the guest: it must get 4 KiB EPT leaves only, one per page.
 */
static void check_4k_leaves_only(struct agent *a, uint32_t slot, uint64_t gpa,
				 uint64_t len, int advice, uint64_t pattern,
				 const char *what, const char *msg)
{
	struct own_mem m = { };
	long d4k = 0, d2m = 0;
	bool ok;
	int r;

	ok = own_alloc(&m, len, advice);
	r = ok ? pvx_vm_add_memory(a->vm, slot, gpa, len, m.host, 0) : -ENOMEM;
	ok = !r && touch_slot(a, slot, gpa, len, pattern, &d4k, &d2m, what);
	tap_ok(ok && d2m == 0 && d4k == (long)(len / PAGE), "%s", msg);
	if (!r)
		pvx_vm_delete_memory(a->vm, slot);
	own_free(&m);
}

/* THP memory, but at a guest address 4 KiB off the host's 2 MiB alignment. */
static void test_skewed(struct agent *a)
{
	check_4k_leaves_only(a, 4, SKEW_GPA, SKEW_LEN, MADV_HUGEPAGE, 0x7777,
			     "skewed THP",
			     "THP memory at a guest address not congruent modulo 2 MiB: 4 KiB leaves only, data right");
}

#define SPLIT_GPA	(1536 * MIB)
#define SPLIT_LEN	(4 * MIB)
#define SPLIT_HOLE	(3 * PAGE)	/* the page the host discards */

/*
 * The host discards one 4 KiB page inside a transparent huge page and
 * writes it again before the guest runs there: its mapping of that 2 MiB
 * is no longer one huge page (the PMD was split; the new page is not part
 * of the old folio). The guest must see the host's memory at every
 * address, so no 2 MiB leaf may map the old folio there.
 */
static void test_thp_split(struct agent *a)
{
	struct own_mem m = { };
	struct ept_stats e0 = { }, e1 = { };
	char *hole;
	bool ok;
	int r = -ENOMEM;

	ok = own_alloc(&m, SPLIT_LEN, MADV_HUGEPAGE);
	if (ok) {
		hole = (char *)m.host + SPLIT_HOLE;
		host_fill(m.host, SPLIT_GPA, SPLIT_LEN, 0xaaaa, 8);
		ok = !madvise(hole, PAGE, MADV_DONTNEED);
		if (!ok)
			tap_diag("MADV_DONTNEED: %s", strerror(errno));
		host_fill(hole, SPLIT_GPA + SPLIT_HOLE, PAGE, 0xbbbb, 8);
		r = pvx_vm_add_memory(a->vm, 7, SPLIT_GPA, SPLIT_LEN, m.host, 0);
	}
	ok = ok && !r && read_ept(&e0) &&
	     agent_check(a, SPLIT_GPA, SPLIT_HOLE, 0xaaaa, 8, "before the hole") &&
	     agent_check(a, SPLIT_GPA + SPLIT_HOLE, PAGE, 0xbbbb, 8,
			 "the host's new page") &&
	     agent_check(a, SPLIT_GPA + SPLIT_HOLE + PAGE,
			 SPLIT_LEN - SPLIT_HOLE - PAGE, 0xaaaa, 8,
			 "after the hole");
	if (ok) {
		uint64_t n;

		ok = agent_do(a, MEM_AGENT_WRITE, SPLIT_GPA + SPLIT_HOLE, PAGE,
			      0xcccc, 8, &n, "guest write") &&
		     host_check(hole, SPLIT_GPA + SPLIT_HOLE, PAGE, 0xcccc, 8,
				"guest write");
	}
	if (read_ept(&e1))
		tap_diag("split THP: %ld 4 KiB and %ld 2 MiB EPT leaves",
			 e1.pages_4k - e0.pages_4k, e1.pages_2m - e0.pages_2m);
	tap_ok(ok, "a THP the host split (one 4 KiB page discarded and written again) before the guest touched it: the guest reads and writes the host's pages");
	if (!r)
		pvx_vm_delete_memory(a->vm, 7);
	own_free(&m);
}

static void test_small_pages(struct agent *a)
{
	/* 2 MiB aligned: only the backing's page size can forbid 2 MiB leaves. */
	check_4k_leaves_only(a, 5, SMALL_GPA, SMALL_LEN, MADV_NOHUGEPAGE,
			     0x8888, "4 KiB pages",
			     "4 KiB backing (MADV_NOHUGEPAGE, 2 MiB aligned): no 2 MiB leaves, one 4 KiB leaf per page");
}

#define NR_HUGEPAGES	"/proc/sys/vm/nr_hugepages"

static long read_nr_hugepages(void)
{
	char *t = read_text(NR_HUGEPAGES);
	long n = t ? strtol(t, NULL, 10) : -1;

	free(t);
	return n;
}

static void test_hugetlb(struct agent *a)
{
	long old = read_nr_hugepages(), want, d4k = 0, d2m = 0;
	char buf[32];
	bool ok;
	int r;

	if (old < 0) {
		tap_skip("hugetlb: no " NR_HUGEPAGES);
		return;
	}
	want = old + HUGETLB_LEN / HUGE;
	snprintf(buf, sizeof(buf), "%ld", want);
	if (write_text(NR_HUGEPAGES, buf) || read_nr_hugepages() < want) {
		tap_skip("hugetlb: the kernel did not reserve %ld huge pages",
			 want);
		snprintf(buf, sizeof(buf), "%ld", old);
		write_text(NR_HUGEPAGES, buf);
		return;
	}
	r = pvx_vm_add_ram(a->vm, 6, HUGETLB_GPA, HUGETLB_LEN, 0,
			   PVX_BACKING_HUGETLB);
	if (r)
		tap_diag("hugetlb slot: %s", strerror(-r));
	ok = !r && touch_slot(a, 6, HUGETLB_GPA, HUGETLB_LEN, 0x9999, &d4k,
			      &d2m, "hugetlb");
	/*
	 * The slot is the first thing the guest touches in its second GiB:
	 * the page directory that maps it may become one 4 KiB leaf now.
	 */
	tap_ok(ok && d2m == (long)(HUGETLB_LEN / HUGE) && d4k <= 1,
	       "hugetlbfs backing: one 2 MiB EPT leaf per huge page, no 4 KiB leaf in the slot");
	if (!r)
		pvx_vm_delete_memory(a->vm, 6);
	snprintf(buf, sizeof(buf), "%ld", old);
	if (write_text(NR_HUGEPAGES, buf))
		tap_diag("cannot give the huge pages back");
}

/*
 * A big guest: one word per 4 KiB page of @len bytes, then the checksum.
 */

#define BIG_GPA		(1 * GIB)

static bool live_zero(const char *what)
{
	struct live l;

	if (!read_live(&l))
		return false;
	if (l.vms || l.vcpus || l.pinned_pages || l.ept_tables) {
		tap_diag("%s: live vms %ld vcpus %ld pinned_pages %ld ept_tables %ld",
			 what, l.vms, l.vcpus, l.pinned_pages, l.ept_tables);
		return false;
	}
	return true;
}

static void test_big(uint64_t len, bool thp)
{
	const char *what = thp ? "THP" : "4 KiB pages";
	uint64_t n = 0, sum = 0, want = 0;
	struct own_mem m = { };
	struct ept_stats e = { -1, -1, -1 };
	struct agent a;
	bool ok = false;
	int r = -ENOMEM;

	for (uint64_t off = 0; off < len; off += PAGE)
		want += mem_agent_word(BIG_GPA + off, len);
	if (agent_open(&a)) {
		if (thp)
			r = pvx_vm_add_ram(a.vm, 1, BIG_GPA, len, 0,
					   PVX_BACKING_THP);
		else if (own_alloc(&m, len, MADV_NOHUGEPAGE))
			r = pvx_vm_add_memory(a.vm, 1, BIG_GPA, len, m.host, 0);
		if (r)
			tap_diag("%s slot of %" PRIu64 " MiB: %s", what, len / MIB,
				 strerror(-r));
		ok = !r &&
		     agent_do(&a, MEM_AGENT_WRITE, BIG_GPA, len, len, PAGE, &n,
			      "touch") && n == len / PAGE &&
		     agent_do(&a, MEM_AGENT_SUM, BIG_GPA, len, 0, PAGE, &sum,
			      "sum") && read_ept(&e);
		if (!ok || sum != want)
			tap_diag("%s: sum %#" PRIx64 ", expected %#" PRIx64,
				 what, sum, want);
		ok = ok && sum == want;
		tap_diag("%s: %" PRIu64 " MiB touched and summed; EPT leaves: %ld 4 KiB, %ld 2 MiB",
			 what, len / MIB, e.pages_4k, e.pages_2m);
		agent_close(&a);
	}
	own_free(&m);
	tap_ok(ok && (thp ? e.pages_2m > 0 : e.pages_2m == 0),
	       "%s: a guest writes one word in each 4 KiB page of %llu MiB, then its checksum is right (%s)",
	       what, (unsigned long long)(len / MIB),
	       thp ? "2 MiB leaves used" : "no 2 MiB leaves");
	tap_ok(live_zero(what),
	       "%s: after the VM is destroyed, debugfs live shows no VM, vCPU, pinned page or EPT table",
	       what);
}

int main(int argc, char **argv)
{
	bool quick = false;
	const struct pvxtest_opt opts[] = {
		{ "--quick", NULL, &quick },
		{ NULL, NULL, NULL },
	};
	struct agent a;

	sys_fd = pvxtest_start(argc, argv, opts, 3 + 3 + 3 + 5 + 2 + 2);
	if (!agent_open(&a))
		tap_bail("the mem_agent guest does not start");
	test_visibility(&a);
	test_readonly(&a);
	test_delete(&a);
	test_thp(&a);
	test_skewed(&a);
	test_thp_split(&a);
	test_small_pages(&a);
	test_hugetlb(&a);
	agent_close(&a);
	test_big(256 * MIB, true);
	if (quick) {
		tap_skip("4 KiB pages, 64 MiB: --quick");
		tap_skip("4 KiB pages, 64 MiB: --quick");
	} else {
		test_big(64 * MIB, false);
	}
	close(sys_fd);
	return tap_finish();
}
