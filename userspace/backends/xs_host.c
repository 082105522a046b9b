// SPDX-License-Identifier: GPL-2.0
/*
 * The xenstore's host side (xenstore.h): the store's life (its server
 * thread is xs_conn.c's) and domain 0's access: absolute paths, every
 * permission, the live tree under the store's lock; after a change the
 * server thread is woken so that guests get their watch events.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "xs_internal.h"

/* The host's API: domain 0, the live tree, under the lock. */

static int host_op(const char *path, char *abs)
{
	if (!path || path[0] != '/')
		return -EINVAL;
	return xs_canon_path(0, path, abs, false);
}

/* Guests sleep on their rings: wake the server to deliver queued events. */
static void host_done(struct xs_store *s)
{
	pthread_mutex_unlock(&s->lock);
	pvbe_eventfd_signal(s->wakefd);
}

int xs_host_write(struct xs_store *s, const char *path, const void *val, size_t len)
{
	struct xs_ctx c = { .s = s };
	char abs[XS_PATH_BUF];
	int e = host_op(path, abs);

	if (e)
		return e;
	if (len > XENSTORE_PAYLOAD_MAX)
		return -E2BIG;
	pthread_mutex_lock(&s->lock);
	e = xs_do_write(&c, abs, val, (uint32_t)len);
	host_done(s);
	return e;
}

int xs_host_printf(struct xs_store *s, const char *path, const char *fmt, ...)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -E2BIG;
	return xs_host_write(s, path, buf, (size_t)n);
}

int xs_host_read(struct xs_store *s, const char *path, char *buf, size_t size)
{
	struct xs_ctx c = { .s = s };
	char abs[XS_PATH_BUF];
	const char *val;
	uint32_t len;
	int e = host_op(path, abs);

	if (e)
		return e;
	pthread_mutex_lock(&s->lock);
	e = xs_do_read(&c, abs, &val, &len);
	if (!e) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(buf, val, n);
		buf[n] = '\0';
		e = (int)len;
	}
	pthread_mutex_unlock(&s->lock);
	return e;
}

int xs_host_read_u64(struct xs_store *s, const char *path, uint64_t *v)
{
	char buf[32], *end;
	int e = xs_host_read(s, path, buf, sizeof(buf));

	if (e < 0)
		return e;
	if (!e || e >= (int)sizeof(buf) || buf[0] < '0' || buf[0] > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(buf, &end, 10);
	return *end || errno ? -EINVAL : 0;
}

/* A host operation on one path under the lock, then the server woken. */
static int host_path_op(struct xs_store *s, const char *path,
			int (*op)(struct xs_ctx *c, const char *path))
{
	struct xs_ctx c = { .s = s };
	char abs[XS_PATH_BUF];
	int e = host_op(path, abs);

	if (e)
		return e;
	pthread_mutex_lock(&s->lock);
	e = op(&c, abs);
	host_done(s);
	return e;
}

int xs_host_mkdir(struct xs_store *s, const char *path)
{
	return host_path_op(s, path, xs_do_mkdir);
}

int xs_host_rm(struct xs_store *s, const char *path)
{
	return host_path_op(s, path, xs_do_rm);
}

int xs_host_set_perms(struct xs_store *s, const char *path, const struct xs_perm *p,
		      unsigned int n)
{
	struct xs_ctx c = { .s = s };
	char abs[XS_PATH_BUF];
	int e = host_op(path, abs);

	for (unsigned int i = 0; !e && i < n; i++)
		if (!strchr("nrwb", p[i].perm) || !p[i].perm)
			e = -EINVAL;
	if (e)
		return e;
	pthread_mutex_lock(&s->lock);
	e = xs_do_set_perms(&c, abs, p, n);
	host_done(s);
	return e;
}

int xs_host_directory(struct xs_store *s, const char *path, char *buf, size_t size)
{
	struct xs_ctx c = { .s = s };
	char abs[XS_PATH_BUF];
	size_t len;
	int e = host_op(path, abs);

	if (e)
		return e;
	pthread_mutex_lock(&s->lock);
	e = xs_do_directory(&c, abs, buf, size, &len);
	pthread_mutex_unlock(&s->lock);
	return e ? e : (int)len;
}

struct xs_store *xs_store_create(void)
{
	struct xs_store *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->root = calloc(1, sizeof(*s->root));
	if (!s->root)
		goto fail;
	s->root->name = strdup("");
	s->root->value = calloc(1, 1);
	s->root->perms = calloc(1, sizeof(struct xs_perm));
	s->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	s->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!s->root->name || !s->root->value || !s->root->perms || s->wakefd < 0 ||
	    s->stopfd < 0)
		goto fail;
	s->root->perms[0] = (struct xs_perm){ .id = 0, .perm = 'n' };
	s->root->nperms = 1;
	pthread_mutex_init(&s->lock, NULL);
	if (pthread_create(&s->thread, NULL, xs_server_thread, s)) {
		pthread_mutex_destroy(&s->lock);
		goto fail;
	}
	return s;
fail:
	if (s->wakefd > 0)
		close(s->wakefd);
	if (s->stopfd > 0)
		close(s->stopfd);
	xs_node_free(s->root);
	free(s);
	return NULL;
}

void xs_store_destroy(struct xs_store *s)
{
	if (!s)
		return;
	pvbe_eventfd_signal(s->stopfd);
	pthread_join(s->thread, NULL);
	xs_conns_free(s);
	xs_watches_free(s);
	xs_node_free(s->root);
	close(s->wakefd);
	close(s->stopfd);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
