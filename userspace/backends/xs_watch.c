// SPDX-License-Identifier: GPL-2.0
/*
 * Xenstore watches (docs/misc/xenstore.txt; fact sheet 6.5): a watch on a
 * path fires for every change at or below it, each event only to a domain
 * allowed to read the changed node; a removal also fires the watches set
 * below the removed node, with their own path; a relative watch gets
 * relative paths. Guest watches queue XS_WATCH_EVENT messages on their
 * connection (xs_conn.c, bounded there); host watches queue paths, at most
 * XS_HOST_WATCH_EVENTS, an identical queued event not queued twice, and
 * signal an eventfd. Special paths ("@introduceDomain", "@releaseDomain")
 * fire on the toolstack's introduce and release.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "xs_internal.h"

/* Host watches: a bounded queue of paths and an eventfd. */

struct xs_host_event {
	struct xs_host_event *next;
	char path[];
};

struct xs_host_watch {
	struct xs_watch *w;
	int fd;
	unsigned int queued;
	uint64_t dropped;
	struct xs_host_event *head, **tail;
};

static void host_watch_event(struct xs_host_watch *hw, const char *path)
{
	struct xs_host_event *ev;
	size_t l = strlen(path);

	for (ev = hw->head; ev; ev = ev->next)
		if (!strcmp(ev->path, path))
			return;	/* the same event is already queued */
	if (hw->queued >= XS_HOST_WATCH_EVENTS) {
		hw->dropped++;
		return;
	}
	ev = malloc(sizeof(*ev) + l + 1);
	if (!ev) {
		hw->dropped++;
		return;
	}
	memcpy(ev->path, path, l + 1);
	ev->next = NULL;
	*hw->tail = ev;
	hw->tail = &ev->next;
	hw->queued++;
	pvbe_eventfd_signal(hw->fd);
}

/* Watches. */

static bool path_under(const char *path, const char *top)
{
	size_t l = strlen(top);

	if (!strcmp(top, "/"))
		return path[0] == '/';
	return !strncmp(path, top, l) && (path[l] == '/' || !path[l]);
}

static void watch_deliver(struct xs_watch *w, const char *path)
{
	char prefix[32];
	size_t l;

	if (w->host) {
		host_watch_event(w->host, path);
		return;
	}
	l = (size_t)snprintf(prefix, sizeof(prefix), "/local/domain/%u/", w->dom);
	if (w->relative && !strncmp(path, prefix, l))
		path += l;
	xs_conn_event(w->conn, path, w->token);
}

/*
 * Fire for a change of the node at @path whose permissions are @n's; with
 * @removed, watches below it fire too, with their own path.
 */
void xs_fire(struct xs_ctx *c, const char *path, const struct xs_node *n,
		 bool removed)
{
	if (c->tx)
		return;	/* at commit */
	for (struct xs_watch *w = c->s->watches; w; w = w->next) {
		if (!(xs_access(n, w->dom) & XS_R))
			continue;
		if (path_under(path, w->path))
			watch_deliver(w, path);
		else if (removed && path_under(w->path, path))
			watch_deliver(w, w->path);
	}
}

static struct xs_watch *watch_new(struct xs_store *s, const char *path, const char *token)
{
	struct xs_watch *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->path = strdup(path);
	w->token = strdup(token);
	if (!w->path || !w->token) {
		free(w->path);
		free(w->token);
		free(w);
		return NULL;
	}
	w->next = s->watches;
	s->watches = w;
	return w;
}

static void watch_unlink(struct xs_store *s, struct xs_watch *w)
{
	for (struct xs_watch **l = &s->watches; *l; l = &(*l)->next) {
		if (*l == w) {
			*l = w->next;
			break;
		}
	}
	free(w->path);
	free(w->token);
	free(w);
}

unsigned int xs_watch_count(struct xs_store *s, struct xs_conn *conn)
{
	unsigned int n = 0;

	for (struct xs_watch *w = s->watches; w; w = w->next)
		n += w->conn == conn;
	return n;
}

int xs_watch_add(struct xs_store *s, struct xs_conn *conn, domid_t dom,
		 const char *path, const char *token, bool relative)
{
	struct xs_watch *w;

	for (w = s->watches; w; w = w->next)
		if (w->conn == conn && !strcmp(w->path, path) && !strcmp(w->token, token))
			return -EEXIST;
	if (xs_watch_count(s, conn) >= XS_WATCHES_PER_DOMAIN)
		return -ENOSPC;
	w = watch_new(s, path, token);
	if (!w)
		return -ENOMEM;
	w->conn = conn;
	w->dom = dom;
	w->relative = relative;
	return 0;
}

int xs_watch_del(struct xs_store *s, struct xs_conn *conn, const char *path,
		 const char *token)
{
	for (struct xs_watch *w = s->watches; w; w = w->next) {
		if (w->conn == conn && !strcmp(w->path, path) && !strcmp(w->token, token)) {
			watch_unlink(s, w);
			return 0;
		}
	}
	return -ENOENT;
}

void xs_watches_drop(struct xs_store *s, struct xs_conn *conn)
{
	struct xs_watch **l = &s->watches;

	while (*l) {
		struct xs_watch *w = *l;

		if (w->conn == conn && !w->host) {
			*l = w->next;
			free(w->path);
			free(w->token);
			free(w);
		} else {
			l = &w->next;
		}
	}
}

void xs_fire_special(struct xs_store *s, const char *name)
{
	for (struct xs_watch *w = s->watches; w; w = w->next)
		if (!strcmp(w->path, name))
			watch_deliver(w, name);
}

struct xs_host_watch *xs_host_watch(struct xs_store *s, const char *path)
{
	struct xs_host_watch *hw = calloc(1, sizeof(*hw));
	char abs[XS_PATH_BUF];

	if (!hw || xs_canon_path(0, path, abs, true))
		goto fail;
	hw->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	hw->tail = &hw->head;
	if (hw->fd < 0)
		goto fail;
	pthread_mutex_lock(&s->lock);
	hw->w = watch_new(s, abs, "");
	if (hw->w) {
		hw->w->host = hw;
		host_watch_event(hw, abs);
	}
	pthread_mutex_unlock(&s->lock);
	if (hw->w)
		return hw;
	close(hw->fd);
fail:
	free(hw);
	return NULL;
}

int xs_host_watch_fd(const struct xs_host_watch *w)
{
	return w->fd;
}

int xs_host_watch_next(struct xs_store *s, struct xs_host_watch *hw, char *buf,
		       size_t size)
{
	struct xs_host_event *ev;

	pthread_mutex_lock(&s->lock);
	ev = hw->head;
	if (ev) {
		hw->head = ev->next;
		if (!hw->head)
			hw->tail = &hw->head;
		hw->queued--;
	}
	pthread_mutex_unlock(&s->lock);
	if (!ev)
		return 0;
	pvbe_strlcpy(buf, ev->path, size);
	free(ev);
	return 1;
}

static void host_watch_free(struct xs_host_watch *hw)
{
	while (hw->head) {
		struct xs_host_event *ev = hw->head;

		hw->head = ev->next;
		free(ev);
	}
	close(hw->fd);
	free(hw);
}

void xs_host_unwatch(struct xs_store *s, struct xs_host_watch *hw)
{
	if (!hw)
		return;
	pthread_mutex_lock(&s->lock);
	watch_unlink(s, hw->w);
	pthread_mutex_unlock(&s->lock);
	host_watch_free(hw);
}

void xs_watches_free(struct xs_store *s)
{
	while (s->watches) {
		struct xs_watch *w = s->watches;

		/* host watches the caller did not remove: free them too */
		if (w->host)
			host_watch_free(w->host);
		watch_unlink(s, w);
	}
}
