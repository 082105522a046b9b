// SPDX-License-Identifier: GPL-2.0
/*
 * The backends' shared plumbing (pvbe.h): waiting on eventfds with the
 * event-storm back-off of Linux's lateeoi (XSA-332: two spurious
 * notifications in a row delay the next wait 2^(n-2) ms, capped at 1 s).
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pvbe.h"

void pvbe_eventfd_clear(int fd)
{
	uint64_t v;

	/* eventfds here are non-blocking: EAGAIN when already clear */
	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
}

void pvbe_eventfd_signal(int fd)
{
	uint64_t one = 1;

	/* only EAGAIN at a counter of 2^64 - 2: the reader is awake anyway */
	if (write(fd, &one, sizeof(one)) < 0)
		return;
}

static void storm_delay(const struct pvbe_waiter *w)
{
	unsigned int shift;
	struct timespec ts;
	long ms;

	if (w->spurious < 2)
		return;
	shift = w->spurious - 2;
	ms = shift >= 10 ? 1000 : 1L << shift;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

unsigned int pvbe_wait(struct pvbe_waiter *w, struct pollfd *p, unsigned int nr,
		       unsigned int eventfd_mask, int timeout_ms)
{
	unsigned int mask = 0;

	storm_delay(w);
	if (poll(p, nr, timeout_ms) <= 0)
		return 0;
	for (unsigned int i = 0; i < nr && i < 32; i++) {
		if (!p[i].revents)
			continue;
		mask |= 1U << i;
		if ((eventfd_mask & (1U << i)) && (p[i].revents & POLLIN))
			pvbe_eventfd_clear(p[i].fd);
	}
	w->wakeups++;
	return mask;
}

void pvbe_found_work(struct pvbe_waiter *w, bool work)
{
	if (work) {
		w->spurious = 0;
		return;
	}
	w->spurious_total++;
	if (w->spurious < 64)
		w->spurious++;
}

void pvbe_strlcpy(char *buf, const char *s, size_t size)
{
	size_t n = strnlen(s, size - 1);

	memcpy(buf, s, n);
	buf[n] = '\0';
}
