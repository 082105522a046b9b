// SPDX-License-Identifier: GPL-2.0
/*
 * pvhtest: a tiny PVH kernel (ELF32) for `pvxctl boot`, the box test of
 * libpvx's PVH loader until Linux boots. It checks what the loader gave it
 * (Xen public/arch-x86/hvm/start_info.h): magic and version 1, a command
 * line, a memory map whose RAM holds this kernel and whose non-RAM entries
 * hold the ACPI tables and the console and xenstore pages, the RSDP
 * ("RSD PTR ", revision 2, both checksums), module 0 if the command line
 * says "initrd=MAGIC" (the module then starts with MAGIC). It prints its
 * verdict through console_io and, when HVM_PARAM_CONSOLE_PFN is set, also
 * through the console ring (hvc), then shuts the VM down: poweroff when
 * every check passed, crash otherwise. Xen's 32-bit hypercall ABI: VMCALL,
 * EAX = number, arguments in EBX, ECX, EDX, ESI, EDI.
 */
#include <stddef.h>
#include <stdint.h>
#include <linux/pvx_xen.h>

void pvh_main(const struct hvm_start_info *si);

static long hypercall3(uint32_t nr, uint32_t a1, uint32_t a2, uint32_t a3)
{
	long r;

	__asm__ volatile("vmcall" : "=a"(r) : "a"(nr), "b"(a1), "c"(a2), "d"(a3)
			 : "memory");
	return r;
}

static char line[512];
static unsigned int len, failures;

static void add(const char *s)
{
	while (*s && len < sizeof(line) - 1)
		line[len++] = *s++;
}

static void add_hex(uint64_t v)
{
	char b[19] = "0x";
	int n = 2;

	for (int i = 60; i >= 0; i -= 4)
		if ((v >> i) || i == 0 || n > 2)
			b[n++] = "0123456789abcdef"[(v >> i) & 15];
	b[n] = 0;
	add(b);
}

static void check(int ok, const char *what)
{
	add(ok ? " ok:" : " FAIL:");
	add(what);
	failures += !ok;
}

static int streq_prefix(const char *s, const char *prefix)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return 0;
	return 1;
}

static uint8_t sum(const uint8_t *p, unsigned int n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

static const struct hvm_memmap_table_entry *map_find(const struct hvm_start_info *si,
						     uint64_t addr)
{
	const struct hvm_memmap_table_entry *m =
		(const void *)(uintptr_t)si->memmap_paddr;

	for (uint32_t i = 0; i < si->memmap_entries; i++)
		if (addr >= m[i].addr && addr - m[i].addr < m[i].size)
			return &m[i];
	return NULL;
}

static uint64_t get_param(uint32_t index)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index };

	if (hypercall3(__HYPERVISOR_hvm_op, HVMOP_get_param, (uintptr_t)&p, 0))
		return 0;
	return p.value;
}

/* The line on the console ring, as hvc_xen writes it, and a notify. */
static void hvc_write(const char *s, unsigned int n)
{
	struct xencons_interface *c =
		(void *)(uintptr_t)(get_param(HVM_PARAM_CONSOLE_PFN) << 12);
	struct evtchn_send send = {
		.port = get_param(HVM_PARAM_CONSOLE_EVTCHN),
	};
	XENCONS_RING_IDX prod;

	if (!c)
		return;
	prod = c->out_prod;
	for (unsigned int i = 0; i < n; i++) {
		while (prod - *(volatile XENCONS_RING_IDX *)&c->out_cons >=
		       sizeof(c->out))
			hypercall3(__HYPERVISOR_event_channel_op, EVTCHNOP_send,
				   (uintptr_t)&send, 0);
		c->out[prod++ % sizeof(c->out)] = s[i];
	}
	__asm__ volatile("" ::: "memory");	/* the bytes before the index */
	c->out_prod = prod;
	hypercall3(__HYPERVISOR_event_channel_op, EVTCHNOP_send,
		   (uintptr_t)&send, 0);
	/* Let the backend take it all before the VM goes away. */
	while (*(volatile XENCONS_RING_IDX *)&c->out_cons != prod)
		hypercall3(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0);
}

/* "WHERE" + the line, through console_io or the ring. */
static void emit(const char *where, int ring)
{
	static char out[sizeof(line) + 16];
	unsigned int n = 0;

	while (*where)
		out[n++] = *where++;
	for (unsigned int i = 0; i < len; i++)
		out[n++] = line[i];
	if (ring)
		hvc_write(out, n);
	else
		hypercall3(__HYPERVISOR_console_io, CONSOLEIO_write, n,
			   (uintptr_t)out);
}

static void check_rsdp(uint64_t rsdp)
{
	const uint8_t *r = (const void *)(uintptr_t)rsdp;

	check(rsdp && streq_prefix((const char *)r, "RSD PTR ") && r[15] == 2 &&
	      !sum(r, 20) && !sum(r, 36), "rsdp");
}

void pvh_main(const struct hvm_start_info *si)
{
	const struct hvm_memmap_table_entry *m;
	const char *cmd = (const char *)(uintptr_t)si->cmdline_paddr;
	struct sched_shutdown down;

	add(": pvhtest:");
	check(si->magic == XEN_HVM_START_MAGIC_VALUE && si->version >= 1,
	      "magic,version");
	check(si->cmdline_paddr && streq_prefix(cmd, "pvhtest"), "cmdline");
	m = map_find(si, (uintptr_t)pvh_main);
	check(si->memmap_entries && m && m->type == XEN_HVM_MEMMAP_TYPE_RAM,
	      "memmap-ram");
	m = map_find(si, si->rsdp_paddr);
	check(m && m->type != XEN_HVM_MEMMAP_TYPE_RAM, "acpi-not-ram");
	m = map_find(si, get_param(HVM_PARAM_CONSOLE_PFN) << 12);
	check(!get_param(HVM_PARAM_CONSOLE_PFN) ||
	      (m && m->type == XEN_HVM_MEMMAP_TYPE_RESERVED), "console-reserved");
	m = map_find(si, get_param(HVM_PARAM_STORE_PFN) << 12);
	check(!get_param(HVM_PARAM_STORE_PFN) ||
	      (m && m->type == XEN_HVM_MEMMAP_TYPE_RESERVED), "store-reserved");
	check_rsdp(si->rsdp_paddr);
	if (si->nr_modules) {
		const struct hvm_modlist_entry *mod =
			(const void *)(uintptr_t)si->modlist_paddr;

		check(mod->size >= 8 &&
		      streq_prefix((const char *)(uintptr_t)mod->paddr, "PVHTEST!"),
		      "module0");
		add(" module-size=");
		add_hex(mod->size);
	}
	add(failures ? " => FAIL\n" : " => PASS\n");
	/* The same verdict on both consoles, each named. */
	emit("console_io", 0);
	emit("hvc", 1);
	down.reason = failures ? SHUTDOWN_crash : SHUTDOWN_poweroff;
	hypercall3(__HYPERVISOR_sched_op, SCHEDOP_shutdown, (uintptr_t)&down, 0);
}
