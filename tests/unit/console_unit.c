// SPDX-License-Identifier: GPL-2.0
/*
 * console_unit: the console backend (userspace/backends/console.c) over
 * the fake transport, the guest's side played by this program with
 * ioring/'s byte rings on a struct xencons_interface: output reaches the
 * fd in order; a guest writing 4 MiB faster than a slow reader drains the
 * pipe loses nothing, waits on its full ring, and the backend never holds
 * more than CONSOLE_BUFFER bytes; input reaches the guest's in ring; a
 * broken index pair is refused and the console serves again once the
 * guest repairs it; a storm of empty notifications is damped and output
 * still flows after it; a pty works as the fd pair; the page is unmapped
 * and the port unbound at stop.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "console.h"
#include "fake.h"
#include "ioring.h"
#include "unit.h"

#define CONS_GFN 3

struct rig {
	struct fake_guest *g;
	struct console *c;
	struct xencons_interface *intf;
	struct ioring_bytes out, in;
	uint32_t port;
	int out_pipe[2], in_pipe[2];
};

/* The guest's view of the started console: its port and two byte rings. */
static void rig_rings(struct rig *r)
{
	r->port = console_port(r->c);
	r->out = (struct ioring_bytes){ .buf = r->intf->out, .size = sizeof(r->intf->out),
					.cons = &r->intf->out_cons, .prod = &r->intf->out_prod };
	r->in = (struct ioring_bytes){ .buf = r->intf->in, .size = sizeof(r->intf->in),
				       .cons = &r->intf->in_cons, .prod = &r->intf->in_prod };
}

static bool rig_up(struct rig *r)
{
	struct console_config cfg = { .gfn = CONS_GFN };
	int err = 0;

	*r = (struct rig){ .g = fake_guest_create(1, 8, 1) };
	if (!r->g || pipe2(r->out_pipe, O_CLOEXEC) || pipe2(r->in_pipe, O_CLOEXEC))
		return false;
	r->intf = fake_frame(r->g, CONS_GFN);
	r->intf->connection = XENCONSOLE_DISCONNECTED;
	cfg.out_fd = r->out_pipe[1];
	cfg.in_fd = r->in_pipe[0];
	r->c = console_start(&r->g->t, &cfg, &err);
	if (!r->c)
		return false;
	rig_rings(r);
	return r->port && r->intf->connection == XENCONSOLE_CONNECTED;
}

static bool rig_down(struct rig *r, struct console_stats *st)
{
	bool ok = true;

	console_stop(r->c, st);
	EXPECT(r->g->live_maps == 0);
	EXPECT(!r->g->ports[r->port].bound);
	EXPECT(r->intf->connection == XENCONSOLE_DISCONNECTED);
	for (int i = 0; i < 2; i++) {
		close(r->out_pipe[i]);
		close(r->in_pipe[i]);
	}
	fake_guest_destroy(r->g);
	return ok;
}

/* The guest's console write: all of @len, waiting on the port when full. */
static bool guest_write(struct rig *r, const void *buf, uint32_t len, uint64_t *waits)
{
	return fake_bytes_put(r->g, r->port, &r->out, buf, len, 10000, waits);
}

/* Read exactly @len bytes from @fd within 10 s. */
static bool read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pf, 1, 10000) != 1)
			return false;
		n = read(fd, p, len);
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

static bool output_in_order(void)
{
	struct console_stats st;
	struct rig r;
	char got[12];
	bool ok = true;

	EXPECT(rig_up(&r));
	EXPECT(guest_write(&r, "hello, ", 7, NULL));
	EXPECT(guest_write(&r, "host\n", 5, NULL));
	EXPECT(read_all(r.out_pipe[0], got, 12) && !memcmp(got, "hello, host\n", 12));
	EXPECT(rig_down(&r, &st));
	EXPECT(st.bytes_out == 12 && st.ring_errors == 0);
	return ok;
}

#define FLOOD (4u << 20)

struct flood {
	struct rig *r;
	uint64_t waits;
	bool ok;
};

static unsigned char pattern(uint64_t i)
{
	return (unsigned char)((i * 31) ^ (i >> 9));
}

static void *flood_guest(void *arg)
{
	struct flood *f = arg;
	unsigned char chunk[1500];

	f->ok = true;
	for (uint64_t sent = 0; sent < FLOOD && f->ok;) {
		uint32_t len = sizeof(chunk);

		if (len > FLOOD - sent)
			len = (uint32_t)(FLOOD - sent);
		for (uint32_t i = 0; i < len; i++)
			chunk[i] = pattern(sent + i);
		f->ok = guest_write(f->r, chunk, len, &f->waits);
		sent += len;
	}
	return NULL;
}

static bool flow_control(void)
{
	struct console_stats st;
	struct flood f;
	struct rig r;
	unsigned char buf[8192];
	pthread_t t;
	bool ok = true;

	EXPECT(rig_up(&r));
	f = (struct flood){ .r = &r };
	if (pthread_create(&t, NULL, flood_guest, &f))
		tap_bail("pthread_create");
	/* a slow reader: small reads with pauses while the guest floods */
	for (uint64_t got = 0; got < FLOOD && ok;) {
		size_t want = got < FLOOD / 8 ? 512 : sizeof(buf);

		if (want > FLOOD - got)
			want = (size_t)(FLOOD - got);
		EXPECT(read_all(r.out_pipe[0], buf, want));
		for (size_t i = 0; i < want && ok; i++)
			EXPECT(buf[i] == pattern(got + i));
		got += want;
		if (got < FLOOD / 8 && !(got & 0xffff))
			usleep(2000);
	}
	pthread_join(t, NULL);
	EXPECT(f.ok);
	EXPECT(rig_down(&r, &st));
	tap_diag("flood: guest waited %llu times on its full ring; host buffer peak %u bytes",
		 (unsigned long long)f.waits, st.max_buffered);
	EXPECT(st.bytes_out == FLOOD);
	EXPECT(st.max_buffered <= CONSOLE_BUFFER);
	EXPECT(f.waits > 0);	/* back-pressure reached the guest */
	return ok;
}

static bool input_reaches_guest(void)
{
	struct console_stats st;
	struct rig r;
	char got[16] = { 0 };
	int32_t n = 0;
	bool ok = true;

	EXPECT(rig_up(&r));
	EXPECT(write(r.in_pipe[1], "ls -l\n", 6) == 6);
	for (int i = 0; i < 20 && n < 6; i++) {
		int32_t m;

		if (!fake_port_wait(r.g, r.port, 500))
			continue;
		m = ioring_bytes_read(&r.in, got + n, sizeof(got) - 1 - (uint32_t)n);
		EXPECT(m >= 0);
		n += m > 0 ? m : 0;
	}
	EXPECT(n == 6 && !strcmp(got, "ls -l\n"));
	EXPECT(rig_down(&r, &st));
	EXPECT(st.bytes_in == 6);
	return ok;
}

/* Wait until the backend has handled the guest's last notification. */
static void settle(struct rig *r)
{
	(void)r;
	usleep(50000);
}

static bool broken_indices(void)
{
	struct console_stats st;
	struct rig r;
	char got[3];
	bool ok = true;

	EXPECT(rig_up(&r));
	/* out_prod claims 5000 bytes in a 2048-byte ring */
	r.intf->out_prod = r.intf->out_cons + 5000;
	fake_port_send(r.g, r.port);
	settle(&r);
	EXPECT(r.intf->out_cons == 0);	/* nothing consumed */
	/* repaired: served again */
	r.intf->out_prod = r.intf->out_cons;
	EXPECT(guest_write(&r, "ok\n", 3, NULL));
	EXPECT(read_all(r.out_pipe[0], got, 3) && !memcmp(got, "ok\n", 3));
	EXPECT(rig_down(&r, &st));
	EXPECT(st.ring_errors >= 1);
	return ok;
}

static bool event_storm(void)
{
	struct console_stats st;
	struct rig r;
	char got[6];
	bool ok = true;

	EXPECT(rig_up(&r));
	for (int i = 0; i < 200000; i++) {
		fake_port_send(r.g, r.port);
		if (!(i % 1000))
			usleep(100);
	}
	EXPECT(guest_write(&r, "alive\n", 6, NULL));
	EXPECT(read_all(r.out_pipe[0], got, 6) && !memcmp(got, "alive\n", 6));
	EXPECT(rig_down(&r, &st));
	tap_diag("storm: 200000 sends, %llu wake-ups, %llu spurious",
		 (unsigned long long)st.wakeups, (unsigned long long)st.spurious);
	EXPECT(st.wakeups < 20000);
	EXPECT(st.spurious >= 2);
	return ok;
}

/*
 * A pipe as input (pvxctl boot with commands piped in): more than the
 * ring holds arrives whole and in order as the guest makes room; at the
 * pipe's end the backend stops polling it (a closed pipe is always
 * readable: polling it would spin), and output still flows.
 */
static bool input_pipe_to_eof(void)
{
	static char sent[3000], got[sizeof(sent)];
	struct console_stats st;
	struct rig r;
	uint32_t n = 0;
	char alive[6];
	bool ok = true;

	for (size_t i = 0; i < sizeof(sent); i++)
		sent[i] = (char)('a' + i % 26);
	EXPECT(rig_up(&r));
	EXPECT(write(r.in_pipe[1], sent, sizeof(sent)) == (ssize_t)sizeof(sent));
	close(r.in_pipe[1]);
	r.in_pipe[1] = -1;
	for (int i = 0; i < 100 && n < sizeof(sent); i++) {
		int32_t m;

		fake_port_wait(r.g, r.port, 100);
		m = ioring_bytes_read(&r.in, got + n, (uint32_t)sizeof(got) - n);
		EXPECT(m >= 0);
		if (m > 0) {
			n += (uint32_t)m;
			fake_port_send(r.g, r.port);	/* room again */
		}
	}
	EXPECT(n == sizeof(sent) && !memcmp(got, sent, sizeof(sent)));
	usleep(200000);
	EXPECT(guest_write(&r, "alive\n", 6, NULL));
	EXPECT(read_all(r.out_pipe[0], alive, 6) && !memcmp(alive, "alive\n", 6));
	EXPECT(rig_down(&r, &st));
	tap_diag("pipe to EOF: %llu bytes in, %llu wake-ups", (unsigned long long)st.bytes_in,
		 (unsigned long long)st.wakeups);
	EXPECT(st.bytes_in == sizeof(sent));
	/* a spinning poll on the closed pipe would make thousands in 200 ms */
	EXPECT(st.wakeups < 100);
	return ok;
}

/*
 * The guest's last words: output in the ring that the backend has not
 * taken when it is stopped (the guest shut down right after writing) still
 * reaches the fd.
 */
static bool last_words_at_stop(void)
{
	struct rig r;
	char got[12];
	bool ok = true;

	EXPECT(rig_up(&r));
	settle(&r);
	/* written, not notified: the backend has no reason to look */
	EXPECT(ioring_bytes_write(&r.out, "last words\n", 11) == 11);
	console_stop(r.c, NULL);
	EXPECT(read_all(r.out_pipe[0], got, 11) && !memcmp(got, "last words\n", 11));
	EXPECT(r.intf->out_cons == r.intf->out_prod);
	for (int i = 0; i < 2; i++) {
		close(r.out_pipe[i]);
		close(r.in_pipe[i]);
	}
	fake_guest_destroy(r.g);
	return ok;
}

/* A pty: the backend holds the master, a user the slave, raw. */
static bool pty(void)
{
	struct console_config cfg = { .gfn = CONS_GFN };
	struct console_stats st;
	struct termios tio;
	struct rig r;
	char got[8] = { 0 };
	int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC), slave = -1, err = 0;
	int32_t n = 0;
	bool ok = true;

	EXPECT(master >= 0 && !grantpt(master) && !unlockpt(master));
	if (!ok)
		return false;
	slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
	EXPECT(slave >= 0 && !tcgetattr(slave, &tio));
	cfmakeraw(&tio);
	EXPECT(!tcsetattr(slave, TCSANOW, &tio));
	r = (struct rig){ .g = fake_guest_create(1, 8, 1) };
	r.intf = fake_frame(r.g, CONS_GFN);
	cfg.out_fd = cfg.in_fd = master;
	r.c = console_start(&r.g->t, &cfg, &err);
	EXPECT(r.c);
	if (!r.c)
		return false;
	rig_rings(&r);
	EXPECT(guest_write(&r, "login: ", 7, NULL));
	EXPECT(read_all(slave, got, 7) && !memcmp(got, "login: ", 7));
	EXPECT(write(slave, "root\r", 5) == 5);
	memset(got, 0, sizeof(got));
	for (int i = 0; i < 20 && n < 5; i++) {
		int32_t m;

		if (!fake_port_wait(r.g, r.port, 500))
			continue;
		m = ioring_bytes_read(&r.in, got + n, 5 - (uint32_t)n);
		n += m > 0 ? m : 0;
	}
	EXPECT(n == 5 && !memcmp(got, "root\r", 5));
	console_stop(r.c, &st);
	EXPECT(r.g->live_maps == 0);
	fake_guest_destroy(r.g);
	close(slave);
	close(master);
	return ok;
}

static const struct unit_case cases[] = {
	{ "output reaches the fd in order", output_in_order },
	{ "4 MiB flood, slow reader: nothing lost, bounded buffer", flow_control },
	{ "input reaches the guest's in ring", input_reaches_guest },
	{ "input from a pipe: all of it in order, then its end: no polling", input_pipe_to_eof },
	{ "out_prod - out_cons > 2048 refused, served after repair", broken_indices },
	{ "event storm damped, output still flows", event_storm },
	{ "a pty: output to its slave, input from it", pty },
	{ "output left in the ring at the stop reaches the fd", last_words_at_stop },
};

int main(void)
{
	return UNIT_RUN(cases);
}
