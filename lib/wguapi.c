/* wguapi.c - wireguard-go's text protocol: set=1 requests from a parsed
 * configuration, get=1 / set=1 replies parsed strictly, and the socket. */
#define _GNU_SOURCE   /* struct ucred */
#include "wguapi.h"
#include "clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#define WG_KEY_HEX_LEN 64        /* a key in the protocol: lower-case hex */

/* ---- requests ---- */

struct out {
	char *p;
	size_t len, size;
	int err;
};

static void put(struct out *o, const char *s)
{
	size_t n = strlen(s);

	if (o->err || n >= o->size - o->len) {
		o->err = -EMSGSIZE;
		return;
	}
	memcpy(o->p + o->len, s, n + 1);
	o->len += n;
}

static void put_hex_key(struct out *o, const char *name, const uint8_t key[WG_KEY_LEN])
{
	static const char digits[] = "0123456789abcdef";
	char hex[WG_KEY_HEX_LEN + 1];
	size_t i;

	for (i = 0; i < WG_KEY_HEX_LEN; i += 2) {
		hex[i] = digits[key[i / 2] >> 4];
		hex[i + 1] = digits[key[i / 2] & 15];
	}
	hex[WG_KEY_HEX_LEN] = '\0';
	put(o, name);
	put(o, hex);
	put(o, "\n");
	memset(hex, 0, sizeof(hex));          /* a private key may have passed */
}

static void put_uint(struct out *o, const char *name, unsigned long v)
{
	char num[24];

	snprintf(num, sizeof(num), "%lu\n", v);
	put(o, name);
	put(o, num);
}

void wg_endpoint_text(const struct wg_endpoint *ep, char *out, size_t size)
{
	char a[INET6_ADDRSTRLEN] = "";

	inet_ntop(ep->family, ep->addr, a, sizeof(a));
	snprintf(out, size, ep->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, (unsigned)ep->port);
}

static void put_endpoint(struct out *o, const struct wg_endpoint *ep)
{
	char text[WG_ENDPOINT_TEXT_MAX];

	wg_endpoint_text(ep, text, sizeof(text));
	put(o, "endpoint=");
	put(o, text);
	put(o, "\n");
}

static void put_prefix(struct out *o, const struct wg_prefix *p)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(p->family, p->addr, a, sizeof(a));
	put(o, "allowed_ip=");
	put(o, a);
	put_uint(o, "/", p->len);
}

int wg_uapi_set_request(const struct wg_conf *c, int keepalive_max, char *out, size_t size)
{
	struct out o = { out, 0, size, size ? 0 : -EMSGSIZE };
	const struct wg_peer *p;
	unsigned i, j;

	put(&o, "set=1\n");
	put_hex_key(&o, "private_key=", c->private_key);
	if (c->listen_port >= 0)
		put_uint(&o, "listen_port=", (unsigned long)c->listen_port);
	put_uint(&o, "fwmark=", c->fwmark);
	put(&o, "replace_peers=true\n");
	for (i = 0; i < c->npeers; i++) {
		p = &c->peers[i];
		put_hex_key(&o, "public_key=", p->public_key);
		if (p->has_preshared_key)
			put_hex_key(&o, "preshared_key=", p->preshared_key);
		if (p->endpoint.family)
			put_endpoint(&o, &p->endpoint);
		put_uint(&o, "persistent_keepalive_interval=",
			 (unsigned long)wg_peer_keepalive(p, keepalive_max));
		put(&o, "replace_allowed_ips=true\n");
		for (j = 0; j < p->nallowed; j++)
			put_prefix(&o, &p->allowed[j]);
	}
	put(&o, "\n");
	return o.err ? o.err : (int)o.len;
}

/* ---- replies ---- */

static int parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!n || n > 19 || (s[0] == '0' && n > 1))
		return -EBADMSG;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EBADMSG;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

static int hex_digit(char ch)
{
	return ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

static int parse_hex_key(const char *s, size_t n, uint8_t key[WG_KEY_LEN])
{
	size_t i;
	int hi, lo;

	if (n != WG_KEY_HEX_LEN)
		return -EBADMSG;
	for (i = 0; i < WG_KEY_HEX_LEN; i += 2) {
		hi = hex_digit(s[i]);
		lo = hex_digit(s[i + 1]);
		if (hi < 0 || lo < 0)
			return -EBADMSG;
		key[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static int is_key(const char *k, size_t kn, const char *name)
{
	return kn == strlen(name) && !memcmp(k, name, kn);
}

/* One KEY=VALUE line of a get=1 reply; peer is the current peer or NULL. */
static int reply_line(const char *k, size_t kn, const char *v, size_t vn,
		      struct wg_uapi_status *st, struct wg_uapi_peer **peer)
{
	struct wg_uapi_peer *p = *peer;
	uint64_t n;

	if (is_key(k, kn, "public_key")) {
		*peer = NULL;
		if (st->npeers++ < WG_UAPI_PEERS_MAX)
			*peer = p = &st->peers[st->npeers - 1];
		return parse_hex_key(v, vn, p ? p->public_key : (uint8_t[WG_KEY_LEN]){ 0 });
	}
	if (is_key(k, kn, "listen_port")) {
		if (parse_u64(v, vn, &n) < 0 || n > 65535)
			return -EBADMSG;
		st->listen_port = (int)n;
		return 0;
	}
	if (is_key(k, kn, "last_handshake_time_sec") || is_key(k, kn, "rx_bytes") ||
	    is_key(k, kn, "tx_bytes")) {
		if (parse_u64(v, vn, &n) < 0 || (k[0] == 'l' && n > INT64_MAX))
			return -EBADMSG;
		if (!p)
			return st->npeers ? 0 : -EBADMSG;   /* a peer's key before any peer */
		if (k[0] == 'l')
			p->last_handshake_sec = (int64_t)n;
		else if (k[0] == 'r')
			p->rx_bytes = n;
		else
			p->tx_bytes = n;
		return 0;
	}
	if (is_key(k, kn, "endpoint")) {
		if (vn >= sizeof(p->endpoint) || strspn(v, "0123456789abcdefABCDEF.:[]") < vn)
			return -EBADMSG;
		if (!p)
			return st->npeers ? 0 : -EBADMSG;
		memcpy(p->endpoint, v, vn);
		p->endpoint[vn] = '\0';
	}
	return 0;
}

int wg_uapi_parse_reply(const char *buf, size_t len, struct wg_uapi_status *st)
{
	struct wg_uapi_status dummy;
	struct wg_uapi_peer *peer = NULL;
	const char *line = buf, *end = buf + len, *nl, *eq;
	uint64_t e;
	int err = 1;                          /* no errno= yet */

	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	st->listen_port = -1;
	if (len > WG_UAPI_REPLY_MAX)
		return -EBADMSG;
	while (line < end) {
		nl = memchr(line, '\n', (size_t)(end - line));
		if (!nl)
			return -EBADMSG;              /* cut short */
		if (nl == line)                       /* the blank line: the end */
			return (err <= 0 && nl + 1 == end) ? err : -EBADMSG;
		if (err <= 0)
			return -EBADMSG;              /* anything after errno= */
		eq = memchr(line, '=', (size_t)(nl - line));
		if (!eq || eq == line || strspn(line, "abcdefghijklmnopqrstuvwxyz_") != (size_t)(eq - line))
			return -EBADMSG;
		if (is_key(line, (size_t)(eq - line), "errno")) {
			if (parse_u64(eq + 1, (size_t)(nl - eq - 1), &e) < 0 || e > 4095)
				return -EBADMSG;
			err = -(int)e;
		} else if (reply_line(line, (size_t)(eq - line), eq + 1, (size_t)(nl - eq - 1),
				      st, &peer) < 0) {
			return -EBADMSG;
		}
		line = nl + 1;
	}
	return -EBADMSG;                              /* no blank line */
}

/* ---- the socket ---- */

/* Wait for events on fd until the deadline: 0, or -ETIMEDOUT / -errno. */
static int wait_fd(int fd, short events, long deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	long left;
	int rc;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		rc = poll(&pfd, 1, (int)left);
		if (rc > 0)
			return 0;
		if (rc < 0 && errno != EINTR)
			return -errno;
	}
}

static int uapi_connect(const char *ifname)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	int fd, n, err;

	n = snprintf(sa.sun_path, sizeof(sa.sun_path), WG_UAPI_DIR "/%s.sock", ifname);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path) || strchr(ifname, '/'))
		return -EINVAL;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* A unix socket connects at once, or says EAGAIN with a full
	 * backlog, which we treat as failure: wireguard-go is not serving. */
	if (connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail;
	/* It gets the private key: only root or ourselves may listen. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0)
		goto fail;
	if (cred.uid != 0 && cred.uid != geteuid()) {
		close(fd);
		return -EPERM;
	}
	return fd;
fail:
	err = -errno;
	close(fd);
	return err;
}

int wg_uapi_probe(const char *ifname)
{
	int fd = uapi_connect(ifname);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

int wg_uapi_exchange(const char *ifname, const char *req, size_t reqlen, char *out,
		     size_t size, int timeout_ms)
{
	long deadline = now_ms() + timeout_ms;
	size_t sent = 0, got = 0;
	ssize_t n;
	int fd = uapi_connect(ifname), err = 0;

	if (fd < 0)
		return fd;
	if (size < 2) {
		close(fd);
		return -EMSGSIZE;
	}
	while (sent < reqlen && !err) {
		err = wait_fd(fd, POLLOUT, deadline);
		if (err)
			break;
		n = send(fd, req + sent, reqlen - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0)
			sent += (size_t)n;
		else if (n < 0 && errno != EINTR && errno != EAGAIN)
			err = -errno;
	}
	/* The reply ends with a blank line; the connection stays open. */
	while (!err && !(got >= 2 && out[got - 1] == '\n' && out[got - 2] == '\n')) {
		if (got >= size - 1) {
			err = -EMSGSIZE;
			break;
		}
		err = wait_fd(fd, POLLIN, deadline);
		if (err)
			break;
		n = recv(fd, out + got, size - 1 - got, MSG_DONTWAIT);
		if (n > 0)
			got += (size_t)n;
		else if (n == 0)
			err = -ECONNRESET;
		else if (errno != EINTR && errno != EAGAIN)
			err = -errno;
	}
	close(fd);
	out[got] = '\0';
	return err ? err : (int)got;
}
