/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * The guest-host conventions of pvx's test guests: which I/O ports mean
 * what, and which registers hold what at entry. Shared by libpvx's port
 * devices (libpvx_ports.c, used by pvxctl and the host tests) and the
 * freestanding guest runtime (tests/guest/), so this file holds macros
 * only: it is included by C on both sides and by guest assembly.
 *
 * Console: an 8250-style UART at PVX_PORT_UART (COM1's address).
 *   THR (+0, write): one character out; the host prints it, line-buffered
 *   per vCPU, on its console (pvxctl's stdout).
 *   LSR (+5, read): PVX_UART_LSR_IDLE, "transmitter empty and idle", always:
 *   a guest that polls LSR.THRE before each write, as on hardware, never
 *   waits.
 *   Every other register reads 0 and ignores writes.
 *
 * Exit: an OUT of 1, 2 or 4 bytes to PVX_PORT_EXIT ends the whole guest;
 *   the value is its exit status (pvxctl exits with status & 0xff). QEMU's
 *   isa-debug-exit sits at the same port but encodes (status << 1) | 1;
 *   pvx's port takes the status as it is.
 *
 * Report: a guest hands a (key, 64-bit value) pair to the host test with
 *   three 4-byte OUTs, in this order:
 *	PVX_PORT_REPORT_KEY	the key
 *	PVX_PORT_REPORT_LO	value bits 31:0
 *	PVX_PORT_REPORT_HI	value bits 63:32; this write delivers the pair
 *   Each port names its part, so a lost write garbles one report, not every
 *   later one. The latch is per vCPU. Other sizes are ignored.
 *
 * Ports that no device claims read as all ones (an ISA bus with nothing on
 * it) and ignore writes.
 *
 * Registers at entry (pvxctl run, every mode): RDI/EDI = the vCPU's id
 * (0 .. N-1), RSI/ESI = N, the number of vCPUs; RSP/SP = the top of the
 * vCPU's own stack (see the memory map in libpvx.h). Every vCPU starts at
 * the image's entry point.
 */
#ifndef PVX_PORTS_H
#define PVX_PORTS_H

#define PVX_PORT_EXIT		0xf4

#define PVX_PORT_UART		0x3f8
#define PVX_UART_NR_REGS	8
#define PVX_UART_THR		0	/* transmit holding register (write) */
#define PVX_UART_LSR		5	/* line status register (read) */
#define PVX_UART_LSR_THRE	0x20	/* THR empty: the next write is taken */
#define PVX_UART_LSR_TEMT	0x40	/* transmitter empty and idle */
#define PVX_UART_LSR_IDLE	(PVX_UART_LSR_THRE | PVX_UART_LSR_TEMT)

#define PVX_PORT_REPORT_KEY	0x510
#define PVX_PORT_REPORT_LO	0x514
#define PVX_PORT_REPORT_HI	0x518

#endif /* PVX_PORTS_H */
