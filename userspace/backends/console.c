// SPDX-License-Identifier: GPL-2.0
/*
 * The console backend: the guest's console page (struct xencons_interface,
 * io/console.h; fact sheet 9) to a host fd and back, as xenconsoled does
 * (tools/console/daemon/io.c), on one thread per console.
 *
 * Output (out[2048], guest -> host): read out_cons/out_prod once, refuse
 * prod - cons > 2048 (a broken ring is counted and left alone until the
 * guest fixes it), copy into a host buffer of CONSOLE_BUFFER bytes at most,
 * publish out_cons, notify (the guest may be waiting on its full ring).
 * Flow control: the ring is drained only into free buffer space, and the
 * buffer is written to the fd only when poll says it is writable; so a
 * guest writing faster than the host reads fills its ring and waits,
 * nothing is lost and the host buffer never grows.
 * Input (in[1024], host -> guest): the input fd is read only when the ring
 * has room, bytes go in, in_prod is published, notify.
 * No event index on this page: every index update is notified. The page
 * says CONNECTED (connection = 0) while the backend services it.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "console.h"
#include "ioring.h"

struct console {
	struct pvbe_transport *t;
	struct pvbe_map page;
	struct xencons_interface *intf;
	struct ioring_bytes out, in;
	uint32_t port;
	int evfd;		/* the port's */
	int stopfd;
	int out_fd, in_fd;
	bool in_eof;
	char buf[CONSOLE_BUFFER];
	uint32_t buf_len;
	struct console_stats st;
	struct pvbe_waiter waiter;
	pthread_t thread;
};

/* Ring -> buffer, as much as fits. True if the ring's index moved. */
static bool take_output(struct console *c)
{
	int32_t n;

	if (c->buf_len == CONSOLE_BUFFER)
		return false;
	n = ioring_bytes_read(&c->out, c->buf + c->buf_len, CONSOLE_BUFFER - c->buf_len);
	if (n < 0) {
		c->st.ring_errors++;
		return false;
	}
	c->buf_len += (uint32_t)n;
	c->st.bytes_out += (uint32_t)n;
	if (c->buf_len > c->st.max_buffered)
		c->st.max_buffered = c->buf_len;
	return n > 0;
}

/* Buffer -> fd, once (the fd was writable). */
static void flush_output(struct console *c)
{
	ssize_t n = write(c->out_fd, c->buf, c->buf_len);

	if (n <= 0) {
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			c->buf_len = 0;	/* the reader is gone: drop, keep serving */
		return;
	}
	memmove(c->buf, c->buf + n, c->buf_len - (size_t)n);
	c->buf_len -= (uint32_t)n;
}

/* Room in the input ring (0 when broken or full). */
static uint32_t input_room(struct console *c)
{
	ioring_idx_t cons, prod;
	int32_t q = ioring_bytes_queued(&c->in, &cons, &prod);

	return q < 0 ? 0 : c->in.size - (uint32_t)q;
}

/* fd -> ring. True if bytes went in. */
static bool give_input(struct console *c)
{
	char tmp[sizeof(c->intf->in)];
	uint32_t room = input_room(c);
	ssize_t n;

	if (!room)
		return false;
	n = read(c->in_fd, tmp, room);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			c->in_eof = true;
		return false;
	}
	/* only this thread produces: the room cannot shrink meanwhile */
	if (ioring_bytes_write(&c->in, tmp, (uint32_t)n) != n)
		c->st.ring_errors++;
	c->st.bytes_in += (uint64_t)n;
	return true;
}

/*
 * At the stop: what the thread holds, then what the ring still has (the
 * guest's last words before its shutdown), to the fd while it takes them
 * (blocking is fine now); at most one ring's worth more, so a guest still
 * writing cannot keep the stop going.
 */
static void drain_at_stop(struct console *c)
{
	uint64_t limit = c->st.bytes_out + sizeof(c->intf->out);

	for (;;) {
		uint32_t held = c->buf_len;
		bool took = c->st.bytes_out < limit && take_output(c);

		if (c->buf_len)
			flush_output(c);
		if (!took && c->buf_len == held)
			break;
	}
}

static void *console_thread(void *arg)
{
	struct console *c = arg;

	for (;;) {
		struct pollfd p[4] = {
			{ .fd = c->evfd, .events = POLLIN },
			{ .fd = c->stopfd, .events = POLLIN },
			{ .fd = c->buf_len ? c->out_fd : -1, .events = POLLOUT },
			{ .fd = c->in_fd >= 0 && !c->in_eof && input_room(c) ? c->in_fd : -1,
			  .events = POLLIN },
		};
		bool notify = false, work = false;
		unsigned int ready;

		ready = pvbe_wait(&c->waiter, p, 4, 1U << 0, -1);
		if (ready & 2) {
			/*
			 * stopping: hand over what we hold and what the ring
			 * still has (the guest's last words before its
			 * shutdown), as long as the fd takes it
			 */
			drain_at_stop(c);
			break;
		}
		if (ready & 4) {
			flush_output(c);
			work = true;
		}
		if (take_output(c))
			notify = work = true;
		if ((ready & 8) && give_input(c))
			notify = work = true;
		if (notify)
			c->t->ops->notify(c->t, c->port);
		/* only guest notifications count toward the storm damping */
		if (ready & 1)
			pvbe_found_work(&c->waiter, work);
	}
	return NULL;
}

struct console *console_start(struct pvbe_transport *t, const struct console_config *cfg,
			      int *err)
{
	struct console *c = calloc(1, sizeof(*c));
	int e;

	if (!c) {
		*err = -ENOMEM;
		return NULL;
	}
	c->t = t;
	c->out_fd = cfg->out_fd;
	c->in_fd = cfg->in_fd;
	c->port = cfg->port;
	c->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	e = c->stopfd < 0 ? -errno : t->ops->map_gfn(t, cfg->gfn, &c->page);
	if (e)
		goto fail_map;
	e = t->ops->bind(t, &c->port, cfg->port == 0, &c->evfd);
	if (e)
		goto fail_bind;
	c->intf = c->page.addr;
	c->out = (struct ioring_bytes){ .buf = c->intf->out, .size = sizeof(c->intf->out),
					.cons = &c->intf->out_cons, .prod = &c->intf->out_prod };
	c->in = (struct ioring_bytes){ .buf = c->intf->in, .size = sizeof(c->intf->in),
				       .cons = &c->intf->in_cons, .prod = &c->intf->in_prod };
	*(volatile __u8 *)&c->intf->connection = XENCONSOLE_CONNECTED;
	e = -pthread_create(&c->thread, NULL, console_thread, c);
	if (e)
		goto fail_thread;
	return c;
fail_thread:
	t->ops->unbind(t, c->port);
fail_bind:
	t->ops->unmap(t, &c->page);
fail_map:
	if (c->stopfd >= 0)
		close(c->stopfd);
	free(c);
	*err = e;
	return NULL;
}

uint32_t console_port(const struct console *c)
{
	return c->port;
}

void console_stop(struct console *c, struct console_stats *stats)
{
	pvbe_eventfd_signal(c->stopfd);
	pthread_join(c->thread, NULL);
	*(volatile __u8 *)&c->intf->connection = XENCONSOLE_DISCONNECTED;
	c->t->ops->unbind(c->t, c->port);
	c->t->ops->unmap(c->t, &c->page);
	close(c->stopfd);
	c->st.wakeups = c->waiter.wakeups;
	c->st.spurious = c->waiter.spurious_total;
	if (stats)
		*stats = c->st;
	free(c);
}
