// SPDX-License-Identifier: GPL-2.0
/*
 * Guest console: an 8250 driver that waits for "THR empty" before each
 * character, as on hardware (pvx's UART is always empty, so it never waits).
 */
#include "guest.h"

void print_char(char c)
{
	while (!(inb(PVX_PORT_UART + PVX_UART_LSR) & PVX_UART_LSR_THRE))
		;
	outb(PVX_PORT_UART + PVX_UART_THR, c);
}

void print(const char *s)
{
	while (*s)
		print_char(*s++);
}

void print_u64(uint64_t v)
{
	char buf[21];
	int i = sizeof(buf) - 1;

	buf[i] = '\0';
	do {
		buf[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	print(&buf[i]);
}

void print_hex(uint64_t v)
{
	print("0x");
	for (int shift = 60; shift >= 0; shift -= 4)
		if (v >> shift || !shift)
			print_char("0123456789abcdef"[(v >> shift) & 0xf]);
}
