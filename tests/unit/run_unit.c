// SPDX-License-Identifier: GPL-2.0
/*
 * run_unit: what libpvx does with an exit once PVX_RUN has described it in
 * the run page (pvx_vcpu_handle_exit), and the ports of pvx_ports.h
 * (pvx_ports_io), on a run mapping made here instead of by the kernel.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "pvx_ports.h"
#include "unit.h"

#define MAP_SIZE	8192	/* a run page and an I/O data page */
#define DATA_OFFSET	4096

static struct pvx_vcpu vcpu;

static void fake_vcpu(unsigned int id)
{
	static uint8_t map[MAP_SIZE] __attribute__((aligned(4096)));

	memset(map, 0, sizeof(map));
	vcpu = (struct pvx_vcpu){ .fd = -1, .id = id,
				  .run = (struct pvx_run *)map, .mmap_size = MAP_SIZE };
}

/* An I/O exit as the kernel would describe it. */
static uint8_t *io_exit(uint16_t port, uint8_t size, uint8_t dir, uint32_t count)
{
	struct pvx_run *run = vcpu.run;

	run->exit_reason = PVX_EXIT_IO;
	run->io.port = port;
	run->io.size = size;
	run->io.direction = dir;
	run->io.count = count;
	run->io.data_offset = DATA_OFFSET;
	return (uint8_t *)run + DATA_OFFSET;
}

static struct {
	int calls;
	uint16_t port;
	uint8_t size, dir;
	uint32_t count;
	void *data;
	uint64_t gpa;
	uint32_t len;
	bool is_write;
	int answer;
} seen;

static int record_io(void *opaque, struct pvx_vcpu *v, uint16_t port,
		     uint8_t size, uint8_t dir, void *data, uint32_t count)
{
	(void)opaque;
	(void)v;
	seen.calls++;
	seen.port = port, seen.size = size, seen.dir = dir;
	seen.data = data, seen.count = count;
	return seen.answer;
}

static int record_mmio(void *opaque, struct pvx_vcpu *v, uint64_t gpa,
		       uint32_t len, bool is_write, uint8_t *data)
{
	(void)opaque;
	(void)v;
	seen.calls++;
	seen.gpa = gpa, seen.len = len, seen.is_write = is_write;
	data[0] = 0x5a;
	return seen.answer;
}

static const struct pvx_exit_ops ops = { .io = record_io, .mmio = record_mmio };

static bool dispatch_io(void)
{
	uint8_t *data;
	bool ok = true;

	fake_vcpu(0);
	memset(&seen, 0, sizeof(seen));
	data = io_exit(0x3f8, 1, PVX_EXIT_IO_OUT, 3);
	EXPECT(pvx_vcpu_handle_exit(&vcpu, &ops, NULL) == PVX_RUN_CONTINUE);
	EXPECT(seen.calls == 1 && seen.port == 0x3f8 && seen.size == 1 &&
	       seen.dir == PVX_EXIT_IO_OUT && seen.count == 3 && seen.data == data);
	seen.answer = PVX_RUN_STOP;
	EXPECT(pvx_vcpu_handle_exit(&vcpu, &ops, NULL) == PVX_RUN_STOP);
	seen.answer = -ENOSPC;
	EXPECT(pvx_vcpu_handle_exit(&vcpu, &ops, NULL) == -ENOSPC);
	seen.answer = 0;
	/* What the run page may not say. */
	io_exit(0x80, 3, PVX_EXIT_IO_IN, 1);
	EXPECT(pvx_vcpu_handle_exit(&vcpu, &ops, NULL) == -EPROTO);
	io_exit(0x80, 4, PVX_EXIT_IO_IN, 1025);		/* 4100 bytes */
	EXPECT(pvx_vcpu_handle_exit(&vcpu, &ops, NULL) == -EPROTO);
	io_exit(0x80, 4, PVX_EXIT_IO_IN, 1024);		/* exactly fits */
	EXPECT(pvx_vcpu_handle_exit(&vcpu, &ops, NULL) == PVX_RUN_CONTINUE);
	io_exit(0x80, 1, 2, 1);
	EXPECT(pvx_vcpu_handle_exit(&vcpu, &ops, NULL) == -EPROTO);
	io_exit(0x80, 1, PVX_EXIT_IO_IN, 1);
	vcpu.run->io.data_offset = 8;			/* inside struct pvx_run */
	EXPECT(pvx_vcpu_handle_exit(&vcpu, &ops, NULL) == -EPROTO);
	vcpu.run->io.data_offset = ~0ULL;
	EXPECT(pvx_vcpu_handle_exit(&vcpu, &ops, NULL) == -EPROTO);
	/* No callback: the exit goes back to the caller. */
	io_exit(0x80, 1, PVX_EXIT_IO_IN, 1);
	EXPECT(pvx_vcpu_handle_exit(&vcpu, &(struct pvx_exit_ops){ 0 }, NULL) ==
	       PVX_RUN_STOP);
	return ok;
}

static bool dispatch_others(void)
{
	struct pvx_run *run;
	bool ok = true;

	fake_vcpu(0);
	run = vcpu.run;
	memset(&seen, 0, sizeof(seen));
	run->exit_reason = PVX_EXIT_MMIO;
	run->mmio.phys_addr = 0xfee00000;
	run->mmio.len = 4;
	EXPECT(pvx_vcpu_handle_exit(&vcpu, &ops, NULL) == PVX_RUN_CONTINUE);
	EXPECT(seen.gpa == 0xfee00000 && seen.len == 4 && !seen.is_write &&
	       run->mmio.data[0] == 0x5a);
	run->mmio.len = 3;
	EXPECT(pvx_vcpu_handle_exit(&vcpu, &ops, NULL) == -EPROTO);
	for (uint32_t r = PVX_EXIT_HLT; r <= PVX_EXIT_INTR; r++) {
		run->exit_reason = r;
		EXPECT(pvx_vcpu_handle_exit(&vcpu, &ops, NULL) == PVX_RUN_STOP);
		EXPECT(pvx_exit_name(r) != NULL);
	}
	run->exit_reason = 1000;
	EXPECT(pvx_vcpu_handle_exit(&vcpu, &ops, NULL) == PVX_RUN_STOP);
	EXPECT(pvx_exit_name(1000) == NULL && !strcmp(pvx_exit_name(PVX_EXIT_IO), "io"));
	EXPECT(pvx_internal_name(PVX_INTERNAL_MEMORY) && !pvx_internal_name(0) &&
	       !pvx_internal_name(99));
	EXPECT(seen.calls == 1);
	return ok;
}

/* One access through pvx_ports_io; the data bytes after it. */
static int port_io(struct pvx_ports *p, uint16_t port, uint8_t size, uint8_t dir,
		   uint32_t *val)
{
	int r = pvx_ports_io(p, &vcpu, port, size, dir, val, 1);

	return r;
}

static void uart_puts(struct pvx_ports *p, const char *s)
{
	uint32_t c;

	for (; *s; s++) {
		c = (uint8_t)*s;
		port_io(p, PVX_PORT_UART + PVX_UART_THR, 1, PVX_EXIT_IO_OUT, &c);
	}
}

static bool uart(void)
{
	struct pvx_ports p;
	int fds[2];
	char out[128] = "";
	uint32_t v;
	bool ok = true;

	if (pipe(fds))
		tap_bail("pipe");
	pvx_ports_init(&p, fds[1]);
	fake_vcpu(0);
	v = 0;
	EXPECT(port_io(&p, PVX_PORT_UART + PVX_UART_LSR, 1, PVX_EXIT_IO_IN, &v) ==
	       PVX_RUN_CONTINUE && v == 0x60);
	for (uint16_t reg = 0; reg < 8; reg++) {
		v = 0xdeadbeef;
		port_io(&p, PVX_PORT_UART + reg, 1, PVX_EXIT_IO_IN, &v);
		EXPECT(v == (0xdeadbe00 | (reg == PVX_UART_LSR ? 0x60 : 0)));
	}
	/* A 2-byte read at 0x3fc: MCR (0) then LSR. */
	v = 0;
	port_io(&p, PVX_PORT_UART + 4, 2, PVX_EXIT_IO_IN, &v);
	EXPECT(v == 0x6000);
	uart_puts(&p, "one line\nhalf");
	vcpu.id = 1;
	uart_puts(&p, "vcpu 1\n");
	vcpu.id = 0;
	/* Writes to the other registers print nothing. */
	v = 'X';
	port_io(&p, PVX_PORT_UART + 1, 1, PVX_EXIT_IO_OUT, &v);
	uart_puts(&p, " done\n");
	pvx_ports_flush(&p);
	close(fds[1]);
	EXPECT(read(fds[0], out, sizeof(out) - 1) > 0);
	close(fds[0]);
	EXPECT(!strcmp(out, "one line\nvcpu 1\nhalf done\n"));
	if (!ok)
		tap_diag("console: '%s'", out);
	return ok;
}

static struct {
	unsigned int vcpu, count;
	uint32_t key;
	uint64_t value;
} reported;

static void on_report(void *opaque, unsigned int vcpu, uint32_t key, uint64_t value)
{
	(void)opaque;
	reported.vcpu = vcpu, reported.key = key, reported.value = value;
	reported.count++;
}

static bool exit_and_report(void)
{
	struct pvx_ports p;
	uint32_t v, status = 0;
	bool ok = true;

	pvx_ports_init(&p, -1);
	p.report = on_report;
	fake_vcpu(3);
	EXPECT(!pvx_ports_exited(&p, &status));
	v = 0x11111111;
	port_io(&p, PVX_PORT_REPORT_KEY, 4, PVX_EXIT_IO_OUT, &v);
	v = 0x89abcdef;
	port_io(&p, PVX_PORT_REPORT_LO, 4, PVX_EXIT_IO_OUT, &v);
	v = 0x01234567;
	port_io(&p, PVX_PORT_REPORT_LO, 2, PVX_EXIT_IO_OUT, &v);	/* ignored */
	EXPECT(reported.count == 0);
	port_io(&p, PVX_PORT_REPORT_HI, 4, PVX_EXIT_IO_OUT, &v);
	EXPECT(reported.count == 1 && reported.vcpu == 3 && reported.key == 0x11111111 &&
	       reported.value == 0x0123456789abcdefULL);
	v = 0;
	port_io(&p, PVX_PORT_REPORT_KEY, 4, PVX_EXIT_IO_IN, &v);
	EXPECT(v == 0xffffffff);
	/* Nobody at 0x80: reads all ones, writes vanish. */
	v = 0;
	EXPECT(port_io(&p, 0x80, 1, PVX_EXIT_IO_IN, &v) == PVX_RUN_CONTINUE && v == 0xff);
	EXPECT(port_io(&p, 0x80, 1, PVX_EXIT_IO_OUT, &v) == PVX_RUN_CONTINUE);
	/* The exit port: the first status stays; every write stops the vCPU. */
	v = 0x1234;
	EXPECT(port_io(&p, PVX_PORT_EXIT, 2, PVX_EXIT_IO_OUT, &v) == PVX_RUN_STOP);
	v = 7;
	EXPECT(port_io(&p, PVX_PORT_EXIT, 1, PVX_EXIT_IO_OUT, &v) == PVX_RUN_STOP);
	EXPECT(pvx_ports_exited(&p, &status) && status == 0x1234);
	/* A REP OUTSB to the UART: every byte, one exit. */
	fake_vcpu(0);
	EXPECT(pvx_ports_io(&p, &vcpu, PVX_PORT_UART, 1, PVX_EXIT_IO_OUT, "abc", 3) ==
	       PVX_RUN_CONTINUE && p.vcpu[0].len == 3 && !memcmp(p.vcpu[0].line, "abc", 3));
	return ok;
}

static const struct unit_case cases[] = {
	{ "I/O exits: callback arguments, stop, errors, -EPROTO on a bad run page", dispatch_io },
	{ "MMIO and the exits that end the loop", dispatch_others },
	{ "UART: LSR idle, other registers 0, lines per vCPU", uart },
	{ "exit port and report ports", exit_and_report },
};

int main(void)
{
	return UNIT_RUN(cases);
}
