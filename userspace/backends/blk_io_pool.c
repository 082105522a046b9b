// SPDX-License-Identifier: GPL-2.0
/*
 * The thread-pool I/O engine of blk_io.h: @depth worker threads take I/Os
 * from a queue and do them with pread/pwrite/fdatasync/fallocate (full
 * transfers: a short read or write is continued; end of file is -EIO),
 * then put them on a done list and signal the eventfd. Also the
 * synchronous executor blk_io_run() and blk_engine_create().
 */
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "blk_io.h"
#include "pvbe.h"

#define POOL_MAX_THREADS 64

struct pool {
	struct blk_engine e;
	pthread_mutex_t lock;
	pthread_cond_t more;
	struct blk_io *queue, **queue_tail;
	struct blk_io *done;
	bool stop;
	unsigned int nthreads;
	pthread_t threads[POOL_MAX_THREADS];
};

static int transfer(int fd, struct blk_io *io)
{
	while (io->done < io->len) {
		char *p = (char *)io->buf + io->done;
		size_t n = (size_t)(io->len - io->done);
		off_t off = (off_t)(io->off + io->done);
		ssize_t r = io->op == BLK_IO_READ ? pread(fd, p, n, off) : pwrite(fd, p, n, off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (!r)
			return -EIO;	/* beyond the end: the request was validated */
		io->done += (uint64_t)r;
	}
	return 0;
}

void blk_io_run(int fd, struct blk_io *io)
{
	io->result = 0;
	io->done = 0;
	if (io->preflush && fdatasync(fd))
		io->result = -errno;
	if (io->result)
		return;
	switch (io->op) {
	case BLK_IO_READ:
	case BLK_IO_WRITE:
		io->result = transfer(fd, io);
		break;
	case BLK_IO_FLUSH:
		io->result = fdatasync(fd) ? -errno : 0;
		break;
	case BLK_IO_DISCARD:
		io->result = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				       (off_t)io->off, (off_t)io->len) ? -errno : 0;
		break;
	}
}

static void *worker(void *arg)
{
	struct pool *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct blk_io *io;

		while (!p->queue && !p->stop)
			pthread_cond_wait(&p->more, &p->lock);
		if (!p->queue)
			break;	/* stopping, and nothing left to do */
		io = p->queue;
		p->queue = io->next;
		if (!p->queue)
			p->queue_tail = &p->queue;
		pthread_mutex_unlock(&p->lock);
		blk_io_run(p->e.fd, io);
		pthread_mutex_lock(&p->lock);
		io->next = p->done;
		p->done = io;
		pvbe_eventfd_signal(p->e.done_fd);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static int pool_submit(struct blk_engine *e, struct blk_io *io)
{
	struct pool *p = (struct pool *)e;

	io->next = NULL;
	pthread_mutex_lock(&p->lock);
	*p->queue_tail = io;
	p->queue_tail = &io->next;
	pthread_cond_signal(&p->more);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

static unsigned int pool_reap(struct blk_engine *e, struct blk_io **out, unsigned int max)
{
	struct pool *p = (struct pool *)e;
	unsigned int n = 0;

	pthread_mutex_lock(&p->lock);
	while (p->done && n < max) {
		out[n++] = p->done;
		p->done = p->done->next;
	}
	if (p->done)
		pvbe_eventfd_signal(e->done_fd);	/* more than @max: come back */
	pthread_mutex_unlock(&p->lock);
	return n;
}

static void pool_destroy(struct blk_engine *e)
{
	struct pool *p = (struct pool *)e;

	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->more);
	pthread_mutex_unlock(&p->lock);
	for (unsigned int i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_cond_destroy(&p->more);
	pthread_mutex_destroy(&p->lock);
	close(e->done_fd);
	free(p);
}

static const struct blk_engine_ops pool_ops = {
	.submit = pool_submit,
	.reap = pool_reap,
	.destroy = pool_destroy,
};

struct blk_engine *blk_engine_pool(int fd, unsigned int depth)
{
	struct pool *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	if (!depth)
		depth = 1;
	if (depth > POOL_MAX_THREADS)
		depth = POOL_MAX_THREADS;
	p->e = (struct blk_engine){ .ops = &pool_ops, .fd = fd,
				    .done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK) };
	p->queue_tail = &p->queue;
	if (p->e.done_fd < 0) {
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->more, NULL);
	for (; p->nthreads < depth; p->nthreads++)
		if (pthread_create(&p->threads[p->nthreads], NULL, worker, p))
			break;
	if (!p->nthreads) {
		pool_destroy(&p->e);
		return NULL;
	}
	return &p->e;
}

struct blk_engine *blk_engine_create(enum blk_engine_kind kind, int fd, unsigned int depth)
{
	struct blk_engine *e = NULL;

	if (kind == BLK_ENGINE_URING)
		e = blk_engine_uring(fd, depth);
	return e ? e : blk_engine_pool(fd, depth);
}
