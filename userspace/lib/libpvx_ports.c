// SPDX-License-Identifier: LGPL-2.1
/*
 * libpvx: the host side of pvx_ports.h: a UART that only transmits, the
 * exit port and the report ports, as one I/O exit callback.
 */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "libpvx.h"
#include "pvx_ports.h"

#define REPORT_PORTS	(PVX_PORT_REPORT_HI + 4 - PVX_PORT_REPORT_KEY)

void pvx_ports_init(struct pvx_ports *p, int console_fd)
{
	memset(p, 0, sizeof(*p));
	p->console_fd = console_fd;
	atomic_init(&p->status, -1);
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len && fd >= 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;		/* the console has gone: drop the rest */
		buf += n;
		len -= n;
	}
}

static void flush_line(struct pvx_ports *p, unsigned int vcpu)
{
	write_all(p->console_fd, p->vcpu[vcpu].line, p->vcpu[vcpu].len);
	p->vcpu[vcpu].len = 0;
}

void pvx_ports_flush(struct pvx_ports *p)
{
	for (unsigned int vcpu = 0; vcpu < PVX_MAX_VCPUS; vcpu++)
		flush_line(p, vcpu);
}

/* UART register @reg as a read sees it: LSR says "idle", the rest 0. */
static uint8_t uart_reg(unsigned int reg)
{
	if (reg >= PVX_UART_NR_REGS)
		return 0xff;	/* past the UART: nothing answers */
	return reg == PVX_UART_LSR ? PVX_UART_LSR_IDLE : 0;
}

/* The bus splits a wide access to the 8-bit UART into byte accesses. */
static uint32_t uart_in(struct pvx_ports *p, unsigned int vcpu, unsigned int off,
			unsigned int size)
{
	uint32_t val = 0;

	(void)p;
	(void)vcpu;
	for (unsigned int i = 0; i < size; i++)
		val |= (uint32_t)uart_reg(off + i) << (8 * i);
	return val;
}

static int uart_out(struct pvx_ports *p, unsigned int vcpu, unsigned int off,
		    unsigned int size, uint32_t val)
{
	for (unsigned int i = 0; i < size; i++) {
		if (off + i != PVX_UART_THR)
			continue;
		p->vcpu[vcpu].line[p->vcpu[vcpu].len++] = val >> (8 * i);
		if ((char)(val >> (8 * i)) == '\n' ||
		    p->vcpu[vcpu].len == PVX_CONSOLE_LINE)
			flush_line(p, vcpu);
	}
	return PVX_RUN_CONTINUE;
}

/* The first status written is the guest's; the vCPU stops either way. */
static int exit_out(struct pvx_ports *p, unsigned int vcpu, unsigned int off,
		    unsigned int size, uint32_t val)
{
	int64_t none = -1;

	(void)vcpu;
	(void)off;
	(void)size;
	atomic_compare_exchange_strong(&p->status, &none, val);
	return PVX_RUN_STOP;
}

static int report_out(struct pvx_ports *p, unsigned int vcpu, unsigned int off,
		      unsigned int size, uint32_t val)
{
	if (size != 4)
		return PVX_RUN_CONTINUE;
	switch (off + PVX_PORT_REPORT_KEY) {
	case PVX_PORT_REPORT_KEY:
		p->vcpu[vcpu].key = val;
		break;
	case PVX_PORT_REPORT_LO:
		p->vcpu[vcpu].lo = val;
		break;
	case PVX_PORT_REPORT_HI:
		if (p->report)
			p->report(p->report_opaque, vcpu, p->vcpu[vcpu].key,
				  (uint64_t)val << 32 | p->vcpu[vcpu].lo);
		break;
	}
	return PVX_RUN_CONTINUE;
}

static const struct port_dev {
	uint16_t base, len;
	/* A read of @size bytes at @off from @base; NULL: reads all ones. */
	uint32_t (*in)(struct pvx_ports *p, unsigned int vcpu, unsigned int off,
		       unsigned int size);
	int (*out)(struct pvx_ports *p, unsigned int vcpu, unsigned int off,
		   unsigned int size, uint32_t val);
} port_devs[] = {
	{ PVX_PORT_UART, PVX_UART_NR_REGS, uart_in, uart_out },
	{ PVX_PORT_EXIT, 1, NULL, exit_out },
	{ PVX_PORT_REPORT_KEY, REPORT_PORTS, NULL, report_out },
};

static const struct port_dev *find_dev(uint16_t port)
{
	for (size_t i = 0; i < sizeof(port_devs) / sizeof(port_devs[0]); i++)
		if (port >= port_devs[i].base &&
		    port - port_devs[i].base < port_devs[i].len)
			return &port_devs[i];
	return NULL;
}

/* One access of @size bytes at @port; @buf holds or receives the bytes. */
static int port_access(struct pvx_ports *p, unsigned int vcpu, uint16_t port,
		       uint8_t size, bool out, uint8_t *buf)
{
	const struct port_dev *d = find_dev(port);
	unsigned int off = d ? port - d->base : 0;
	uint32_t val = 0;

	if (out) {
		memcpy(&val, buf, size);	/* x86 is little-endian */
		return d && d->out ? d->out(p, vcpu, off, size, val) :
		       PVX_RUN_CONTINUE;
	}
	val = d && d->in ? d->in(p, vcpu, off, size) : 0xffffffff;
	memcpy(buf, &val, size);
	return PVX_RUN_CONTINUE;
}

int pvx_ports_io(void *opaque, struct pvx_vcpu *vcpu, uint16_t port,
		 uint8_t size, uint8_t direction, void *data, uint32_t count)
{
	int r = PVX_RUN_CONTINUE;

	for (uint32_t i = 0; r == PVX_RUN_CONTINUE && i < count; i++)
		r = port_access(opaque, vcpu->id, port, size,
			   direction == PVX_EXIT_IO_OUT, (uint8_t *)data + i * size);
	return r;
}

bool pvx_ports_exited(struct pvx_ports *p, uint32_t *status)
{
	int64_t s = atomic_load(&p->status);

	if (s < 0)
		return false;
	*status = s;
	return true;
}
