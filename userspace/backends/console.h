/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The console backend (xenconsoled's job): the guest's xencons_interface
 * page (io/console.h) to a host file descriptor and back. See console.c.
 */
#ifndef PVX_BACKENDS_CONSOLE_H
#define PVX_BACKENDS_CONSOLE_H

#include "pvbe.h"

/* Bytes the backend holds between the ring and a slow output fd, at most. */
#define CONSOLE_BUFFER 4096

struct console_config {
	uint64_t gfn;		/* the console page (HVM_PARAM_CONSOLE_PFN) */
	uint32_t port;		/* the guest's port; 0: allocate one */
	int out_fd;		/* guest output goes here */
	int in_fd;		/* input for the guest, or -1 */
};

struct console_stats {
	uint64_t bytes_out, bytes_in;
	uint64_t ring_errors;	/* passes that found a broken index pair */
	uint32_t max_buffered;	/* high-water mark of the host buffer */
	uint64_t wakeups, spurious;
};

struct console;

/* Map the page, bind the port, start the thread. NULL and *@err on failure. */
struct console *console_start(struct pvbe_transport *t, const struct console_config *cfg,
			      int *err);
/* The port the guest notifies (HVM_PARAM_CONSOLE_EVTCHN). */
uint32_t console_port(const struct console *c);
/*
 * Stop: the thread writes out what it holds and what is left in the
 * ring (while the fd takes it), then ends; unbind, unmap, free.
 */
void console_stop(struct console *c, struct console_stats *stats);

#endif /* PVX_BACKENDS_CONSOLE_H */
