/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The block backend's I/O engines: asynchronous reads, writes, flushes and
 * discards on the disk's fd, several in flight, completions signalled on
 * an eventfd and collected by the ring thread. Two engines: a thread pool
 * (blk_io_pool.c) and io_uring (blk_io_uring.c, liburing). See
 * README.md "Block backend" for the measurement that picked the default.
 */
#ifndef PVX_BACKENDS_BLK_IO_H
#define PVX_BACKENDS_BLK_IO_H

#include <stdbool.h>
#include <stdint.h>

enum blk_io_op { BLK_IO_READ, BLK_IO_WRITE, BLK_IO_FLUSH, BLK_IO_DISCARD };

struct blk_io {
	enum blk_io_op op;
	bool preflush;		/* flush the disk cache first (FLUSH/BARRIER with data) */
	uint64_t off, len;	/* bytes */
	void *buf;
	int result;		/* out: 0 or -errno */
	uint64_t done;		/* engine's: bytes transferred so far */
	struct blk_io *next;	/* engine's queue */
};

enum blk_engine_kind { BLK_ENGINE_POOL, BLK_ENGINE_URING };

struct blk_engine {
	const struct blk_engine_ops *ops;
	int fd;			/* the disk */
	int done_fd;		/* eventfd: completions are waiting */
};

struct blk_engine_ops {
	/* Start @io (never blocks on the disk). 0 or -errno (then not started). */
	int (*submit)(struct blk_engine *e, struct blk_io *io);
	/* Finished I/Os, at most @max of them, into @out: how many. */
	unsigned int (*reap)(struct blk_engine *e, struct blk_io **out, unsigned int max);
	/* Wait for every started I/O to finish (they stay to be reaped), free. */
	void (*destroy)(struct blk_engine *e);
};

/* @depth: I/Os in flight at most (threads for the pool). NULL on failure. */
struct blk_engine *blk_engine_pool(int fd, unsigned int depth);
struct blk_engine *blk_engine_uring(int fd, unsigned int depth);
/* The engine of @kind; io_uring falls back to the pool where it is not available. */
struct blk_engine *blk_engine_create(enum blk_engine_kind kind, int fd, unsigned int depth);

/* Do @io now, synchronously (the pool's worker; also a fallback). */
void blk_io_run(int fd, struct blk_io *io);

#endif /* PVX_BACKENDS_BLK_IO_H */
