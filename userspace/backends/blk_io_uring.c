// SPDX-License-Identifier: GPL-2.0
/*
 * The io_uring I/O engine of blk_io.h (liburing): one submission per I/O
 * (a flush linked before the write for a preflush: IOSQE_IO_LINK, so the
 * write starts only after the flush succeeded), completions signalled on
 * an eventfd registered with the ring. A short read or write is
 * resubmitted for the rest; a read that reaches end of file is -EIO.
 * Used only by the ring thread: no locking.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "blk_io.h"

struct uring {
	struct blk_engine e;
	struct io_uring ring;
	unsigned int inflight;
	struct blk_io *done;	/* finished, not yet reaped */
};

/* user_data: the I/O, bit 0 set on the flush that precedes its write */
#define FLUSH_TAG 1UL

static int queue_rw(struct uring *u, struct blk_io *io)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
	char *p = (char *)io->buf + io->done;
	unsigned int n = (unsigned int)(io->len - io->done);

	if (!sqe)
		return -EBUSY;
	if (io->op == BLK_IO_READ)
		io_uring_prep_read(sqe, u->e.fd, p, n, io->off + io->done);
	else
		io_uring_prep_write(sqe, u->e.fd, p, n, io->off + io->done);
	io_uring_sqe_set_data(sqe, io);
	return 0;
}

static int uring_submit(struct blk_engine *e, struct blk_io *io)
{
	struct uring *u = (struct uring *)e;
	struct io_uring_sqe *sqe;
	int r;

	io->result = 0;
	io->done = 0;
	if (io_uring_sq_space_left(&u->ring) < 2)
		return -EBUSY;
	if (io->preflush || io->op == BLK_IO_FLUSH) {
		sqe = io_uring_get_sqe(&u->ring);
		io_uring_prep_fsync(sqe, e->fd, IORING_FSYNC_DATASYNC);
		if (io->op == BLK_IO_FLUSH) {
			io_uring_sqe_set_data(sqe, io);
			goto submit;
		}
		io_uring_sqe_set_data(sqe, (void *)((uintptr_t)io | FLUSH_TAG));
		sqe->flags |= IOSQE_IO_LINK;
		u->inflight++;
	}
	if (io->op == BLK_IO_DISCARD) {
		sqe = io_uring_get_sqe(&u->ring);
		io_uring_prep_fallocate(sqe, e->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					io->off, io->len);
		io_uring_sqe_set_data(sqe, io);
	} else {
		queue_rw(u, io);
	}
submit:
	u->inflight++;
	r = io_uring_submit(&u->ring);
	return r < 0 ? r : 0;
}

/* One completion: finished I/Os go on the done list. */
static void complete(struct uring *u, struct io_uring_cqe *cqe)
{
	uintptr_t data = (uintptr_t)io_uring_cqe_get_data(cqe);
	struct blk_io *io = (struct blk_io *)(data & ~FLUSH_TAG);
	int res = cqe->res;

	u->inflight--;
	if (data & FLUSH_TAG) {
		if (res < 0)
			io->result = res;	/* its write comes back -ECANCELED */
		return;
	}
	if (res < 0 && !io->result)
		io->result = res;
	if (!io->result && (io->op == BLK_IO_READ || io->op == BLK_IO_WRITE)) {
		if (res == 0) {
			io->result = -EIO;
		} else {
			io->done += (uint64_t)res;
			if (io->done < io->len && !queue_rw(u, io)) {
				u->inflight++;
				io_uring_submit(&u->ring);
				return;	/* short transfer: the rest */
			}
		}
	}
	io->next = u->done;
	u->done = io;
}

static unsigned int uring_reap(struct blk_engine *e, struct blk_io **out, unsigned int max)
{
	struct uring *u = (struct uring *)e;
	struct io_uring_cqe *cqe;
	unsigned int n = 0;
	uint64_t v;

	if (read(e->done_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return 0;
	while (!io_uring_peek_cqe(&u->ring, &cqe)) {
		complete(u, cqe);
		io_uring_cqe_seen(&u->ring, cqe);
	}
	while (u->done && n < max) {
		out[n++] = u->done;
		u->done = u->done->next;
	}
	if (u->done) {
		v = 1;
		if (write(e->done_fd, &v, sizeof(v)) < 0)
			return n;
	}
	return n;
}

static void uring_destroy(struct blk_engine *e)
{
	struct uring *u = (struct uring *)e;
	struct io_uring_cqe *cqe;

	while (u->inflight && !io_uring_wait_cqe(&u->ring, &cqe)) {
		complete(u, cqe);
		io_uring_cqe_seen(&u->ring, cqe);
	}
	io_uring_queue_exit(&u->ring);
	close(e->done_fd);
	free(u);
}

static const struct blk_engine_ops uring_ops = {
	.submit = uring_submit,
	.reap = uring_reap,
	.destroy = uring_destroy,
};

struct blk_engine *blk_engine_uring(int fd, unsigned int depth)
{
	struct uring *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->e = (struct blk_engine){ .ops = &uring_ops, .fd = fd,
				    .done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK) };
	/* two entries per I/O: the linked flush and its write */
	if (u->e.done_fd < 0 || io_uring_queue_init(2 * (depth ? depth : 1), &u->ring, 0))
		goto fail;
	if (io_uring_register_eventfd(&u->ring, u->e.done_fd)) {
		io_uring_queue_exit(&u->ring);
		goto fail;
	}
	return &u->e;
fail:
	if (u->e.done_fd >= 0)
		close(u->e.done_fd);
	free(u);
	return NULL;
}
