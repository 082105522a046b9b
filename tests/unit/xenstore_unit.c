// SPDX-License-Identifier: GPL-2.0
/*
 * xenstore_unit: the xenstore (userspace/backends/xs_*.c, xenbus.c) with
 * guests speaking Xen's wire protocol through their xenstore pages over
 * the fake transport (tests/unit/xs_client.h), and the host through its C
 * API. Checked: the messages Linux's xenbus uses (read, write, directory,
 * mkdir, rm, get/set_perms, watch/unwatch with the first event and change
 * events, transactions with EAGAIN on conflict and the per-domain limit,
 * get_domain_path, reset_watches, is_domain_introduced); Xen's permission
 * model across two domains (own subtree, host grants, no give-away) and
 * the nodes libxl makes for a domU (control/feature-* and shutdown its
 * own, control/ read-only);
 * path rules and lengths; the hardening: a payload over 4096 disconnects
 * with XENSTORE_ERROR_PROTO, a broken index pair with _RINGIDX, answered
 * requests and queued watch events are bounded, oversize events are
 * dropped, node and watch quotas, a notification storm is damped; the
 * xenbus device directories and their permissions; release removes a
 * domain's tree; nothing stays mapped or bound at the end.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "xenbus.h"
#include "xenstore.h"
#include "xs_client.h"

#define STORE_GFN 2

struct dom {
	struct fake_guest *g;
	struct xsc c;
	uint32_t port;
};

static struct xs_store *store;
static struct dom d1, d2;
static char r[XENSTORE_PAYLOAD_MAX + 1];

static bool dom_up(struct dom *d, domid_t id)
{
	d->g = fake_guest_create(id, 8, 1);
	d->port = 0;
	if (!d->g || xs_introduce(store, &d->g->t, STORE_GFN, &d->port))
		return false;
	xsc_init(&d->c, d->g, STORE_GFN, d->port);
	return true;
}

static bool dom_down(struct dom *d)
{
	bool ok = true;
	domid_t id = d->g->t.domid;

	EXPECT(xs_release(store, id) == 0);
	EXPECT(d->g->live_maps == 0 && !d->g->ports[d->port].bound);
	xsc_free(&d->c);
	fake_guest_destroy(d->g);
	return ok;
}

static bool setup(void)
{
	bool ok = true;

	store = xs_store_create();
	EXPECT(store);
	EXPECT(dom_up(&d1, 1));
	EXPECT(dom_up(&d2, 2));
	EXPECT(d1.c.intf->server_features & XENSTORE_SERVER_FEATURE_ERROR);
	return ok;
}

static bool basic_ops(void)
{
	struct xsc *c = &d1.c;
	uint32_t n;
	bool ok = true;

	EXPECT(xsc_write(c, 0, "data/a", "hello", r) == 0 && !strcmp(r, "OK"));
	EXPECT(xsc_req(c, XS_READ, 0, "data/a", 7, r, &n) == 0 && n == 5 &&
	       !memcmp(r, "hello", 5));
	EXPECT(xsc_path_op(c, XS_READ, 0, "/local/domain/1/data/a", r) == 0 &&
	       !strcmp(r, "hello"));
	/* write creates parents; empty values */
	EXPECT(xsc_write(c, 0, "data/x/y/z", "", r) == 0);
	EXPECT(xsc_req(c, XS_READ, 0, "data/x/y", 9, r, &n) == 0 && n == 0);
	EXPECT(xsc_path_op(c, XS_MKDIR, 0, "data/m", r) == 0);
	EXPECT(xsc_path_op(c, XS_MKDIR, 0, "data/m", r) == 0);	/* exists: fine */
	EXPECT(xsc_req(c, XS_DIRECTORY, 0, "data", 5, r, &n) == 0);
	/* three children, each NUL-terminated, any order */
	EXPECT(n == 6 && memchr(r, 'a', n) && memchr(r, 'x', n) && memchr(r, 'm', n));
	EXPECT(xsc_path_op(c, XS_RM, 0, "data/x", r) == 0);
	EXPECT(xsc_path_op(c, XS_READ, 0, "data/x/y/z", r) == 1 && !strcmp(r, "ENOENT"));
	EXPECT(xsc_path_op(c, XS_RM, 0, "data/x", r) == 0);	/* absent, parent there */
	EXPECT(xsc_path_op(c, XS_RM, 0, "data/nope/x", r) == 1 && !strcmp(r, "ENOENT"));
	EXPECT(xsc_path_op(c, XS_GET_DOMAIN_PATH, 0, "7", r) == 0 &&
	       !strcmp(r, "/local/domain/7"));
	EXPECT(xsc_path_op(c, XS_IS_DOMAIN_INTRODUCED, 0, "2", r) == 0 && !strcmp(r, "T"));
	EXPECT(xsc_path_op(c, XS_IS_DOMAIN_INTRODUCED, 0, "9", r) == 0 && !strcmp(r, "F"));
	/* the host sees the guest's write */
	EXPECT(xs_host_read(store, "/local/domain/1/data/a", r, sizeof(r)) == 5 &&
	       !strcmp(r, "hello"));
	/* relative paths are per domain */
	EXPECT(xsc_write(&d2.c, 0, "data/a", "two", r) == 0);
	EXPECT(xsc_path_op(c, XS_READ, 0, "data/a", r) == 0 && !strcmp(r, "hello"));
	/* unknown, privileged and unsupported types */
	EXPECT(xsc_req(c, 99, 0, "", 0, r, NULL) == 1 && !strcmp(r, "EINVAL"));
	EXPECT(xsc_req(c, XS_INTRODUCE, 0, "3\0" "5\0" "7", 6, r, NULL) == 1 &&
	       !strcmp(r, "EACCES"));
	EXPECT(xsc_req(c, XS_RELEASE, 0, "2", 2, r, NULL) == 1 && !strcmp(r, "EACCES"));
	EXPECT(xsc_req(c, XS_CONTROL, 0, "print\0x", 8, r, NULL) == 1 && !strcmp(r, "ENOSYS"));
	EXPECT(xsc_req(c, XS_WATCH_EVENT, 0, "", 0, r, NULL) == 1 && !strcmp(r, "EINVAL"));
	/* an argument without its NUL */
	EXPECT(xsc_req(c, XS_READ, 0, "data/a", 6, r, NULL) == 1 && !strcmp(r, "EINVAL"));
	return ok;
}

/*
 * control/ as libxl leaves it for a domU: Linux's xen:manage writes
 * feature-poweroff, -reboot, -suspend and clears shutdown and sysrq (its
 * own nodes); control/ itself and the toolstack's platform flags are
 * read-only to it; cpu/ and memory/ are readable; another domain sees none.
 */
static bool control_nodes(void)
{
	static const char *const own[] = {
		"control/feature-poweroff", "control/feature-reboot",
		"control/feature-suspend", "control/shutdown", "control/sysrq",
		"device/suspend/event-channel",
	};
	struct xsc *c = &d1.c;
	uint32_t n;
	bool ok = true;

	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		EXPECT(xsc_write(c, 0, own[i], "1", r) == 0 && !strcmp(r, "OK"));
		EXPECT(xsc_req(c, XS_GET_PERMS, 0, own[i], (uint32_t)strlen(own[i]) + 1, r,
			       &n) == 0 && n == 3 && !strcmp(r, "n1"));
	}
	EXPECT(xsc_write(c, 0, "control/shutdown", "", r) == 0);
	EXPECT(xsc_write(c, 0, "control/feature-s3", "1", r) == 1 && !strcmp(r, "EACCES"));
	EXPECT(xsc_write(c, 0, "control/platform-feature-xs_reset_watches", "0", r) == 1 &&
	       !strcmp(r, "EACCES"));
	EXPECT(xsc_path_op(c, XS_READ, 0, "control/platform-feature-multiprocessor-suspend",
			   r) == 0 && !strcmp(r, "1"));
	EXPECT(xsc_req(c, XS_GET_PERMS, 0, "control", 8, r, &n) == 0 && n == 6 &&
	       !memcmp(r, "n0\0r1", 6));
	EXPECT(xsc_path_op(c, XS_DIRECTORY, 0, "cpu", r) == 0);
	EXPECT(xsc_path_op(c, XS_DIRECTORY, 0, "memory", r) == 0);
	EXPECT(xsc_write(c, 0, "memory/target", "1", r) == 1 && !strcmp(r, "EACCES"));
	EXPECT(xsc_path_op(&d2.c, XS_READ, 0, "/local/domain/1/control/feature-poweroff",
			   r) == 1 && !strcmp(r, "EACCES"));
	EXPECT(xsc_write(&d2.c, 0, "/local/domain/1/control/shutdown", "poweroff", r) == 1 &&
	       !strcmp(r, "EACCES"));
	/* the toolstack's request reaches the guest's node */
	EXPECT(xs_host_write(store, "/local/domain/1/control/shutdown", "poweroff", 8) == 0);
	EXPECT(xsc_path_op(c, XS_READ, 0, "control/shutdown", r) == 0 &&
	       !strcmp(r, "poweroff"));
	EXPECT(xsc_write(c, 0, "control/shutdown", "", r) == 0);
	return ok;
}

static bool permissions(void)
{
	struct xs_perm grant[2] = { { 2, 'n' }, { 1, 'r' } };
	struct xsc *c = &d1.c;
	uint32_t n;
	bool ok = true;

	/* another domain's subtree, the root, the host's tree */
	EXPECT(xsc_path_op(c, XS_READ, 0, "/local/domain/2/data/a", r) == 1 &&
	       !strcmp(r, "EACCES"));
	EXPECT(xsc_write(c, 0, "/local/domain/2/data/evil", "x", r) == 1 &&
	       !strcmp(r, "EACCES"));
	EXPECT(xsc_path_op(c, XS_DIRECTORY, 0, "/", r) == 1 && !strcmp(r, "EACCES"));
	EXPECT(xsc_write(c, 0, "/tool", "x", r) == 1 && !strcmp(r, "EACCES"));
	EXPECT(xsc_path_op(c, XS_RM, 0, "/local/domain/2", r) == 1 && !strcmp(r, "EACCES"));
	/* its own domain directory is read-only to it, data/ is its own */
	EXPECT(xsc_write(c, 0, "newkey", "x", r) == 1 && !strcmp(r, "EACCES"));
	EXPECT(xsc_path_op(c, XS_READ, 0, "domid", r) == 0 && !strcmp(r, "1"));
	EXPECT(xsc_path_op(c, XS_READ, 0, "control/platform-feature-xs_reset_watches", r) == 0 &&
	       !strcmp(r, "1"));
	EXPECT(xsc_write(c, 0, "domid", "0", r) == 1 && !strcmp(r, "EACCES"));
	EXPECT(control_nodes());
	/* what a guest creates it owns; the host may grant read to another */
	EXPECT(xsc_req(c, XS_GET_PERMS, 0, "data/a", 7, r, &n) == 0 && n == 3 &&
	       !strcmp(r, "n1"));
	EXPECT(xs_host_set_perms(store, "/local/domain/2/data/a", grant, 2) == 0);
	EXPECT(xsc_path_op(c, XS_READ, 0, "/local/domain/2/data/a", r) == 0 &&
	       !strcmp(r, "two"));
	EXPECT(xsc_write(c, 0, "/local/domain/2/data/a", "x", r) == 1 &&
	       !strcmp(r, "EACCES"));
	EXPECT(xsc_req(c, XS_GET_PERMS, 0, "/local/domain/2/data/a", 23, r, &n) == 0 &&
	       n == 6 && !memcmp(r, "n2\0r1", 6));
	/* set_perms: only the owner, never giving the node away */
	char buf[64];

	n = xsc_two(buf, sizeof(buf), "/local/domain/2/data/a", "b1", true);
	EXPECT(xsc_req(c, XS_SET_PERMS, 0, buf, n, r, NULL) == 1 && !strcmp(r, "EACCES"));
	n = xsc_two(buf, sizeof(buf), "data/a", "n2", true);
	EXPECT(xsc_req(c, XS_SET_PERMS, 0, buf, n, r, NULL) == 1 && !strcmp(r, "EPERM"));
	memcpy(buf, "data/a\0n1\0r2", 13);
	n = 13;
	EXPECT(xsc_req(c, XS_SET_PERMS, 0, buf, n, r, NULL) == 0);
	EXPECT(xsc_path_op(&d2.c, XS_READ, 0, "/local/domain/1/data/a", r) == 0 &&
	       !strcmp(r, "hello"));
	n = xsc_two(buf, sizeof(buf), "data/a", "q1", true);
	EXPECT(xsc_req(c, XS_SET_PERMS, 0, buf, n, r, NULL) == 1 && !strcmp(r, "EINVAL"));
	n = xsc_two(buf, sizeof(buf), "data/a", "r99999", true);
	EXPECT(xsc_req(c, XS_SET_PERMS, 0, buf, n, r, NULL) == 1 && !strcmp(r, "EINVAL"));
	return ok;
}

static bool paths_and_sizes(void)
{
	static char big[XENSTORE_PAYLOAD_MAX + 64];
	struct xsc *c = &d1.c;
	bool ok = true;

	EXPECT(xsc_write(c, 0, "data//a", "x", r) == 1 && !strcmp(r, "EINVAL"));
	EXPECT(xsc_write(c, 0, "data/a/", "x", r) == 1 && !strcmp(r, "EINVAL"));
	EXPECT(xsc_write(c, 0, "data/a b", "x", r) == 1 && !strcmp(r, "EINVAL"));
	EXPECT(xsc_write(c, 0, "data/a.b", "x", r) == 1 && !strcmp(r, "EINVAL"));
	EXPECT(xsc_path_op(c, XS_READ, 0, "", r) == 1 && !strcmp(r, "EINVAL"));
	/* relative paths up to 2048 bytes, absolute up to 3072 */
	memset(big, 'a', sizeof(big));
	memcpy(big, "data/", 5);
	big[2049] = '\0';
	EXPECT(xsc_path_op(c, XS_MKDIR, 0, big, r) == 1 && !strcmp(r, "EINVAL"));
	big[2048] = '\0';
	EXPECT(xsc_path_op(c, XS_MKDIR, 0, big, r) == 0);
	EXPECT(xsc_path_op(c, XS_RM, 0, big, r) == 0);
	/* absolute: 3072 at most */
	memset(big, 'b', sizeof(big));
	memcpy(big, "/local/domain/1/data/", 21);
	big[3073] = '\0';
	EXPECT(xsc_path_op(c, XS_MKDIR, 0, big, r) == 1 && !strcmp(r, "EINVAL"));
	big[3072] = '\0';
	EXPECT(xsc_path_op(c, XS_MKDIR, 0, big, r) == 0);
	EXPECT(xsc_path_op(c, XS_RM, 0, big, r) == 0);
	return ok;
}

static bool watches(void)
{
	struct xsc *c = &d1.c;
	char path[256], tok[256];
	bool ok = true;

	EXPECT(xsc_watch(c, XS_WATCH, "data/w", "tok1", r) == 0 && !strcmp(r, "OK"));
	EXPECT(xsc_event(c, path, tok, 2000) && !strcmp(path, "data/w") &&
	       !strcmp(tok, "tok1"));
	EXPECT(xsc_watch(c, XS_WATCH, "data/w", "tok1", r) == 1 && !strcmp(r, "EEXIST"));
	/* the host changes a child: relative event path */
	EXPECT(xs_host_write(store, "/local/domain/1/data/w/k", "1", 1) == 0);
	EXPECT(xsc_event(c, path, tok, 2000) && !strcmp(path, "data/w/k") &&
	       !strcmp(tok, "tok1"));
	/* an absolute watch gets absolute paths */
	EXPECT(xsc_watch(c, XS_WATCH, "/local/domain/1/data/v", "abs", r) == 0);
	EXPECT(xsc_event(c, path, tok, 2000) && !strcmp(path, "/local/domain/1/data/v"));
	EXPECT(xsc_write(c, 0, "data/v", "x", r) == 0);
	EXPECT(xsc_event(c, path, tok, 2000) && !strcmp(path, "/local/domain/1/data/v") &&
	       !strcmp(tok, "abs"));
	/* removing a parent fires with the watch's own path */
	EXPECT(xs_host_rm(store, "/local/domain/1/data") == 0);
	bool w = false, v = false;

	for (int i = 0; i < 2 && xsc_event(c, path, tok, 2000); i++) {
		w |= !strcmp(path, "data/w") && !strcmp(tok, "tok1");
		v |= !strcmp(path, "/local/domain/1/data/v");
	}
	EXPECT(w && v);
	EXPECT(xs_host_mkdir(store, "/local/domain/1/data") == 0);
	struct xs_perm own = { 1, 'n' };

	EXPECT(xs_host_set_perms(store, "/local/domain/1/data", &own, 1) == 0);
	while (xsc_event(c, path, tok, 200))
		;
	/* a domain does not see events on nodes it cannot read */
	EXPECT(xsc_watch(c, XS_WATCH, "/local/domain/2/data/secret", "spy", r) == 0);
	EXPECT(xsc_event(c, path, tok, 2000) && !strcmp(tok, "spy"));
	EXPECT(xsc_write(&d2.c, 0, "data/secret", "pin", r) == 0);
	EXPECT(!xsc_event(c, path, tok, 300));
	/* unwatch, and reset_watches */
	EXPECT(xsc_watch(c, XS_UNWATCH, "data/w", "tok1", r) == 0);
	EXPECT(xsc_watch(c, XS_UNWATCH, "data/w", "tok1", r) == 1 && !strcmp(r, "ENOENT"));
	EXPECT(xsc_write(c, 0, "data/w", "x", r) == 0);
	EXPECT(!xsc_event(c, path, tok, 300));
	EXPECT(xsc_req(c, XS_RESET_WATCHES, 0, "", 1, r, NULL) == 0);
	EXPECT(xsc_write(c, 0, "data/v", "y", r) == 0);
	EXPECT(!xsc_event(c, path, tok, 300));
	/* special watches are the toolstack's */
	EXPECT(xsc_watch(c, XS_WATCH, "@releaseDomain", "t", r) == 1 && !strcmp(r, "EACCES"));
	return ok;
}

static uint32_t tx_start(struct xsc *c)
{
	if (xsc_req(c, XS_TRANSACTION_START, 0, "", 1, r, NULL))
		return 0;
	return (uint32_t)strtoul(r, NULL, 10);
}

static bool transactions(void)
{
	struct xsc *c = &d1.c;
	uint32_t t, ids[XS_TX_PER_DOMAIN];
	bool ok = true;

	EXPECT(xsc_write(c, 0, "data/t", "0", r) == 0);
	/* changes are private until commit, then visible */
	t = tx_start(c);
	EXPECT(t != 0);
	EXPECT(xsc_write(c, t, "data/t", "1", r) == 0);
	EXPECT(xsc_path_op(c, XS_READ, t, "data/t", r) == 0 && !strcmp(r, "1"));
	EXPECT(xsc_path_op(c, XS_READ, 0, "data/t", r) == 0 && !strcmp(r, "0"));
	EXPECT(xsc_req(c, XS_TRANSACTION_END, t, "T", 2, r, NULL) == 0);
	EXPECT(xsc_path_op(c, XS_READ, 0, "data/t", r) == 0 && !strcmp(r, "1"));
	/* a conflicting change in between: EAGAIN, nothing applied */
	t = tx_start(c);
	EXPECT(xsc_path_op(c, XS_READ, t, "data/t", r) == 0);
	EXPECT(xsc_write(c, t, "data/u", "new", r) == 0);
	EXPECT(xs_host_write(store, "/local/domain/1/data/t", "host", 4) == 0);
	EXPECT(xsc_req(c, XS_TRANSACTION_END, t, "T", 2, r, NULL) == 1 &&
	       !strcmp(r, "EAGAIN"));
	EXPECT(xsc_path_op(c, XS_READ, 0, "data/u", r) == 1 && !strcmp(r, "ENOENT"));
	/* an unrelated change does not conflict */
	t = tx_start(c);
	EXPECT(xsc_write(c, t, "data/u", "new", r) == 0);
	EXPECT(xs_host_write(store, "/local/domain/2/data/other", "x", 1) == 0);
	EXPECT(xsc_req(c, XS_TRANSACTION_END, t, "T", 2, r, NULL) == 0);
	EXPECT(xsc_path_op(c, XS_READ, 0, "data/u", r) == 0 && !strcmp(r, "new"));
	/* abort, bad ends, unknown ids, the per-domain limit */
	t = tx_start(c);
	EXPECT(xsc_write(c, t, "data/u", "gone", r) == 0);
	EXPECT(xsc_req(c, XS_TRANSACTION_END, t, "X", 2, r, NULL) == 1);
	EXPECT(xsc_req(c, XS_TRANSACTION_END, t, "F", 2, r, NULL) == 0);
	EXPECT(xsc_path_op(c, XS_READ, 0, "data/u", r) == 0 && !strcmp(r, "new"));
	EXPECT(xsc_req(c, XS_TRANSACTION_END, t, "T", 2, r, NULL) == 1 &&
	       !strcmp(r, "ENOENT"));
	EXPECT(xsc_path_op(c, XS_READ, 12345, "data/u", r) == 1 && !strcmp(r, "ENOENT"));
	for (int i = 0; i < XS_TX_PER_DOMAIN; i++)
		EXPECT((ids[i] = tx_start(c)) != 0);
	EXPECT(xsc_req(c, XS_TRANSACTION_START, 0, "", 1, r, NULL) == 1 &&
	       !strcmp(r, "ENOSPC"));
	for (int i = 0; i < XS_TX_PER_DOMAIN; i++)
		EXPECT(xsc_req(c, XS_TRANSACTION_END, ids[i], "F", 2, r, NULL) == 0);
	/* permissions hold inside a transaction too */
	t = tx_start(c);
	EXPECT(xsc_write(c, t, "/local/domain/2/data/x", "x", r) == 1 &&
	       !strcmp(r, "EACCES"));
	EXPECT(xsc_req(c, XS_TRANSACTION_END, t, "F", 2, r, NULL) == 0);
	return ok;
}

static bool quotas(void)
{
	struct xsc *c = &d2.c;
	char path[64];
	int e = 0, i;
	bool ok = true;

	for (i = 0; i < XS_NODES_PER_DOMAIN + 10 && !e; i++) {
		snprintf(path, sizeof(path), "data/q%d", i);
		e = xsc_path_op(c, XS_MKDIR, 0, path, r);
	}
	EXPECT(e == 1 && !strcmp(r, "ENOSPC") && i < XS_NODES_PER_DOMAIN + 10);
	EXPECT(xs_host_rm(store, "/local/domain/2/data") == 0);
	struct xs_perm own = { 2, 'n' };

	EXPECT(xs_host_mkdir(store, "/local/domain/2/data") == 0 &&
	       xs_host_set_perms(store, "/local/domain/2/data", &own, 1) == 0);
	EXPECT(xsc_path_op(c, XS_MKDIR, 0, "data/again", r) == 0);
	/* watches */
	for (i = 0, e = 0; i < XS_WATCHES_PER_DOMAIN + 5 && !e; i++) {
		snprintf(path, sizeof(path), "w%d", i);
		e = xsc_watch(c, XS_WATCH, "data/again", path, r);
	}
	EXPECT(e == 1 && !strcmp(r, "ENOSPC") && i == XS_WATCHES_PER_DOMAIN + 1);
	EXPECT(xsc_req(c, XS_RESET_WATCHES, 0, "", 1, r, NULL) == 0);
	{
		char p2[64], t2[64];

		while (xsc_event(c, p2, t2, 200))
			;
	}
	return ok;
}

/* Events queue bounded while the guest does not read; oversize dropped. */
static bool event_bounds(void)
{
	static char tok[2600];
	struct xs_conn_stats st;
	struct xsc *c = &d2.c;
	char path[3200], t[3000];
	unsigned int got = 0;
	bool ok = true;

	EXPECT(xsc_watch(c, XS_WATCH, "data", "flood", r) == 0);
	EXPECT(xsc_event(c, path, t, 2000));
	for (int i = 0; i < 500; i++) {
		snprintf(path, sizeof(path), "/local/domain/2/data/n%d", i);
		EXPECT(xs_host_write(store, path, "v", 1) == 0);
	}
	usleep(100000);
	EXPECT(xs_conn_stats(store, 2, &st) == 0);
	while (xsc_event(c, path, t, 300))
		got++;
	EXPECT(xs_conn_stats(store, 2, &st) == 0);
	tap_diag("500 changes while the guest slept: %u events delivered, %llu dropped",
		 got, (unsigned long long)st.events_dropped);
	EXPECT(got >= XS_PENDING_EVENTS && got < 500);
	EXPECT(st.events_dropped > 0);
	EXPECT(xsc_req(c, XS_RESET_WATCHES, 0, "", 1, r, NULL) == 0);
	/* path + token over 4096: the event is dropped */
	memset(tok, 't', sizeof(tok) - 1);
	EXPECT(xsc_watch(c, XS_WATCH, "data", tok, r) == 0);
	EXPECT(xsc_event(c, path, t, 2000));	/* "data" + 2599 fits */
	memset(path, 'p', sizeof(path));
	memcpy(path, "/local/domain/2/data/", 21);
	path[1700] = '\0';
	EXPECT(xs_host_write(store, path, "v", 1) == 0);
	EXPECT(!xsc_event(c, path, t, 300));
	EXPECT(xsc_req(c, XS_RESET_WATCHES, 0, "", 1, r, NULL) == 0);
	return ok;
}

/* A guest that sends requests but never reads: the server stops reading. */
static bool pending_replies(void)
{
	struct xs_conn_stats before, after;
	struct xsc *c = &d2.c;
	struct xsd_sockmsg h = { .type = XS_READ, .len = 7 };
	uint32_t sent = 0;
	bool ok = true;

	EXPECT(xsc_write(c, 0, "data/p", "v", r) == 0);
	EXPECT(xs_conn_stats(store, 2, &before) == 0);
	/* fill the request ring without waiting, until it stays full */
	for (int stuck = 0; stuck < 250;) {
		ioring_idx_t cons, prod;

		if (ioring_bytes_queued(&c->req, &cons, &prod) + 23 <= XENSTORE_RING_SIZE) {
			h.req_id = 1000 + sent++;
			ioring_bytes_write(&c->req, &h, sizeof(h));
			ioring_bytes_write(&c->req, "data/p", 7);
			fake_port_send(c->g, c->port);
			stuck = 0;
		} else {
			stuck++;
			usleep(5000);
		}
	}
	EXPECT(xs_conn_stats(store, 2, &after) == 0);
	uint64_t handled = after.requests - before.requests;

	tap_diag("sent %u, handled %llu while the guest read nothing", sent,
		 (unsigned long long)handled);
	/* what fits in the rsp ring (17-byte replies) plus the pending bound */
	EXPECT(handled <= XENSTORE_RING_SIZE / 17 + XS_PENDING_REPLIES);
	EXPECT(sent > handled);
	/* now read: every reply comes, in order */
	for (uint32_t i = 0; i < sent && ok; i++) {
		struct xsd_sockmsg rh;

		EXPECT(xsc_recv(c, &rh, r, 2000));
		EXPECT(rh.req_id == 1000 + i && rh.type == XS_READ && !strcmp(r, "v"));
	}
	EXPECT(xsc_path_op(c, XS_READ, 0, "data/p", r) == 0);
	return ok;
}

static bool storm(void)
{
	struct xs_conn_stats a, b;
	struct xsc *c = &d2.c;
	bool ok = true;

	EXPECT(xs_conn_stats(store, 2, &a) == 0);
	for (int i = 0; i < 100000; i++) {
		fake_port_send(c->g, c->port);
		if (!(i % 1000))
			usleep(200);
	}
	EXPECT(xsc_path_op(c, XS_READ, 0, "data/p", r) == 0 && !strcmp(r, "v"));
	EXPECT(xs_conn_stats(store, 2, &b) == 0);
	tap_diag("storm of 100000 sends: %llu wake-ups, %llu spurious",
		 (unsigned long long)(b.wakeups - a.wakeups),
		 (unsigned long long)(b.spurious - a.spurious));
	EXPECT(b.wakeups - a.wakeups < 1000 && b.spurious > a.spurious);
	/* the other domain is served meanwhile */
	EXPECT(xsc_path_op(&d1.c, XS_READ, 0, "domid", r) == 0);
	return ok;
}

static bool host_watch_and_xenbus(void)
{
	struct xenbus_dev dev;
	struct xs_host_watch *w;
	char path[256];
	bool ok = true;

	w = xs_host_watch(store, "/local/domain/1/device");
	EXPECT(w);
	EXPECT(xs_host_watch_next(store, w, path, sizeof(path)) == 1 &&
	       !strcmp(path, "/local/domain/1/device"));
	EXPECT(xs_host_watch_next(store, w, path, sizeof(path)) == 0);
	EXPECT(xenbus_dev_create(store, &dev, 1, "vbd", 51712) == 0);
	EXPECT(!strcmp(dev.fe_path, "/local/domain/1/device/vbd/51712"));
	EXPECT(!strcmp(dev.be_path, "/local/domain/0/backend/vbd/1/51712"));
	EXPECT(xs_host_watch_next(store, w, path, sizeof(path)) == 1);
	EXPECT(xenbus_read_state(store, dev.be_path) == XenbusStateInitialising);
	/* the guest writes its directory, reads (not writes) the backend's */
	EXPECT(xsc_write(&d1.c, 0, "device/vbd/51712/state", "3", r) == 0);
	EXPECT(xenbus_read_state(store, dev.fe_path) == XenbusStateInitialised);
	EXPECT(xsc_path_op(&d1.c, XS_READ, 0, "device/vbd/51712/backend", r) == 0 &&
	       !strcmp(r, dev.be_path));
	snprintf(path, sizeof(path), "%s/state", dev.be_path);
	EXPECT(xsc_path_op(&d1.c, XS_READ, 0, path, r) == 0 && !strcmp(r, "1"));
	EXPECT(xsc_write(&d1.c, 0, path, "4", r) == 1 && !strcmp(r, "EACCES"));
	EXPECT(xsc_write(&d1.c, 0, "device/vbd/new", "x", r) == 1 && !strcmp(r, "EACCES"));
	/* domain 2 sees neither */
	EXPECT(xsc_path_op(&d2.c, XS_READ, 0, path, r) == 1 && !strcmp(r, "EACCES"));
	xenbus_dev_remove(store, &dev);
	EXPECT(xenbus_read_state(store, dev.fe_path) == XenbusStateUnknown);
	xs_host_unwatch(store, w);
	return ok;
}

static bool oversize_disconnects(void)
{
	struct xs_conn_stats st;
	struct xsc *c = &d2.c;
	struct xsd_sockmsg h = { .type = XS_WRITE, .req_id = 5, .len = 0x7fffffff };
	bool ok = true;

	ioring_bytes_write(&c->req, &h, sizeof(h));
	fake_port_send(c->g, c->port);
	/* (a storm-damped domain is served within a second) */
	for (int i = 0; i < 300 && !c->intf->error; i++)
		usleep(10000);
	EXPECT(c->intf->error == XENSTORE_ERROR_PROTO);
	EXPECT(xs_conn_stats(store, 2, &st) == 0 && st.broken);
	/* the other domain is unaffected */
	EXPECT(xsc_path_op(&d1.c, XS_READ, 0, "domid", r) == 0 && !strcmp(r, "1"));
	/* domain 1's ring indices broken: _RINGIDX */
	d1.c.intf->req_prod = d1.c.intf->req_cons + 5000;
	fake_port_send(d1.g, d1.port);
	for (int i = 0; i < 300 && !d1.c.intf->error; i++)
		usleep(10000);
	EXPECT(d1.c.intf->error == XENSTORE_ERROR_RINGIDX);
	return ok;
}

static bool release_and_teardown(void)
{
	bool ok = true;

	EXPECT(dom_down(&d1));
	EXPECT(dom_down(&d2));
	EXPECT(xs_host_read(store, "/local/domain/1/domid", r, sizeof(r)) == -ENOENT);
	EXPECT(xs_release(store, 1) == -ENOENT);
	xs_store_destroy(store);
	return ok;
}

static const struct unit_case cases[] = {
	{ "store up, two domains introduced", setup },
	{ "read, write, directory, mkdir, rm, domain path, bad types", basic_ops },
	{ "permissions: own subtree, host grants, owner-only set_perms", permissions },
	{ "path characters and lengths", paths_and_sizes },
	{ "watches: first event, changes, removal, perms, unwatch, reset", watches },
	{ "transactions: private, EAGAIN on conflict, abort, limit", transactions },
	{ "node and watch quotas", quotas },
	{ "watch events bounded while unread; oversize events dropped", event_bounds },
	{ "answered requests bounded while unread; replies in order", pending_replies },
	{ "notification storm damped, others served", storm },
	{ "host watches and xenbus device directories", host_watch_and_xenbus },
	{ "payload over 4096 and broken indices disconnect", oversize_disconnects },
	{ "release removes a domain; nothing left mapped", release_and_teardown },
};

int main(void)
{
	return UNIT_RUN(cases);
}
