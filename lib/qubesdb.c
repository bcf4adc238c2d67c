/* qubesdb.c - QubesDB reads over the daemon's unix socket, without
 * qubesdb-read: a pure reply parser (fuzzed) and the socket I/O around it,
 * bounded in time and in bytes. See qubesdb.h for the protocol. */
#define _GNU_SOURCE   /* struct ucred, secure_getenv */
#include "qubesdb.h"
#include "clock.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

/* Offsets in the header (host order, natural alignment). */
#define OFF_TYPE 0
#define OFF_PATH 1
#define OFF_DATA_LEN 68

/* While the daemon's listen backlog is full, retry connecting this often. */
#define CONNECT_RETRY_MS 10

/* ---- the pure parts ---- */

int qdb_valid_key(const char *key)
{
	size_t i, n = strnlen(key, QDB_PATH_MAX);

	/* The daemon's own rule ([A-Za-z0-9_-/.:@], shorter than 64), and a
	 * read's: absolute, not a directory. */
	if (n < 2 || n >= QDB_PATH_MAX || key[0] != '/' || key[n - 1] == '/')
		return 0;
	for (i = 0; i < n; i++) {
		char c = key[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '/' || c == '.' || c == ':' || c == '@'))
			return 0;
	}
	return 1;
}

void qdb_build_read(const char *key, unsigned char hdr[QDB_HDR_SIZE])
{
	/* Type READ, the key NUL-padded, data_len 0 (a READ carrying data
	 * makes the daemon drop the connection), padding zero. */
	memset(hdr, 0, QDB_HDR_SIZE);
	hdr[OFF_TYPE] = QDB_CMD_READ;
	memcpy(hdr + OFF_PATH, key, strnlen(key, QDB_PATH_MAX - 1));
}

int qdb_parse_reply(const void *buf, size_t len, const char *key, struct qdb_reply *r)
{
	const unsigned char *p = buf;
	size_t klen;
	uint32_t dlen;

	memset(r, 0, sizeof(*r));
	if (!qdb_valid_key(key))
		return -EINVAL;
	klen = strlen(key);
	if (len < QDB_HDR_SIZE) {
		r->size = QDB_HDR_SIZE;
		return QDB_REPLY_MORE;
	}
	memcpy(&dlen, p + OFF_DATA_LEN, sizeof(dlen));
	/* The path field must hold a string, whatever the type. */
	if (!memchr(p + OFF_PATH, '\0', QDB_PATH_MAX))
		return -EPROTO;
	switch (p[OFF_TYPE]) {
	case QDB_RESP_WATCH:
		/* A watch event carries no data (it names what changed). */
		if (dlen)
			return -EPROTO;
		r->size = QDB_HDR_SIZE;
		return QDB_REPLY_WATCH;
	case QDB_RESP_READ:
	case QDB_RESP_ERROR_NOENT:
	case QDB_RESP_ERROR:
		break;
	default:
		return -EPROTO;
	}
	/* The daemon answers with the header we sent, path included: an
	 * answer about another key is not ours. */
	if (memcmp(p + OFF_PATH, key, klen + 1))
		return -EPROTO;
	if (p[OFF_TYPE] != QDB_RESP_READ) {
		if (dlen)
			return -EPROTO;
		r->size = QDB_HDR_SIZE;
		return p[OFF_TYPE] == QDB_RESP_ERROR_NOENT ? -ENOENT : -EIO;
	}
	if (dlen > QDB_VALUE_MAX)
		return -EPROTO;
	r->size = QDB_HDR_SIZE + dlen;
	if (len < r->size)
		return QDB_REPLY_MORE;
	/* The daemon never stores a NUL; one here would cut the value short
	 * for anyone treating it as a string. */
	if (memchr(p + QDB_HDR_SIZE, '\0', dlen))
		return -EPROTO;
	r->value = (const char *)p + QDB_HDR_SIZE;
	r->value_len = dlen;
	return QDB_REPLY_VALUE;
}

const char *qdb_strerror(int err)
{
	switch (err) {
	case -ENOENT: return "no such key";
	case -EIO: return "the daemon answered with an error";
	case -EINVAL: return "not a valid key";
	case -EMSGSIZE: return "the value is too long";
	case -EPROTO: return "malformed reply";
	case -ECONNRESET: return "the daemon closed the connection";
	case -ETIMEDOUT: return "no answer in time";
	case -EBADMSG: return "not an IPv4 address";
	case -ENOTCONN: return "not connected";
	default: return strerror(-err);
	}
}

const char *qdb_open_strerror(int err)
{
	switch (err) {
	case -EINVAL: return "$" QDB_SOCK_ENV " is not an absolute path shorter than 108 bytes";
	case -EPERM: return "the daemon runs neither as root nor as us";
	case -ETIMEDOUT: return "no connection in time";
	default: return strerror(-err);
	}
}

/* ---- socket I/O, bounded by the session's deadline ---- */

static int remaining_ms(const struct qdb *q)
{
	int64_t left = q->deadline_ms - now_ms();

	return left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
}

/* Wait until fd is ready for events or the deadline passes. Once it has
 * passed, only what is already there counts (poll with timeout 0). */
static int wait_ready(const struct qdb *q, short events)
{
	struct pollfd pfd = { .fd = q->fd, .events = events };
	int n;

	for (;;) {
		n = poll(&pfd, 1, remaining_ms(q));
		if (n > 0)
			return 0;       /* ready, or an error the next call reports */
		if (n == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

static int send_all(const struct qdb *q, const unsigned char *p, size_t n)
{
	ssize_t w;
	int rc;

	while (n) {
		w = send(q->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		/* The daemon closed first: say so as a receive would. */
		if (w < 0 && errno == EPIPE)
			return -ECONNRESET;
		if (w < 0 && errno != EAGAIN)
			return -errno;
		rc = wait_ready(q, POLLOUT);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Receive between 1 and n bytes. */
static int recv_some(const struct qdb *q, unsigned char *p, size_t n)
{
	ssize_t got;
	int rc;

	for (;;) {
		rc = wait_ready(q, POLLIN);
		if (rc < 0)
			return rc;
		got = recv(q->fd, p, n, MSG_DONTWAIT);
		if (got > 0)
			return (int)got;
		if (got == 0)
			return -ECONNRESET;
		if (errno != EINTR && errno != EAGAIN)
			return -errno;
	}
}

/* The connection is unusable from here on: close it, remember why. */
static int broken(struct qdb *q, int err)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
	q->err = err;
	return err;
}

static int connect_one(struct qdb *q, const char *path)
{
	struct sockaddr_un sa;
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	size_t n = strlen(path);
	int fd, rc;

	/* For messages; cut if it is too long to be used anyway. */
	memcpy(q->sock, path, n < sizeof(q->sock) ? n + 1 : sizeof(q->sock));
	q->sock[sizeof(q->sock) - 1] = '\0';
	if (path[0] != '/' || n >= sizeof(sa.sun_path))
		return -EINVAL;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, n + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* A unix socket connects at once or fails, except that with the
	 * listener's backlog full a non-blocking connect says EAGAIN. */
	while (connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			rc = -errno;
			goto fail;
		}
		rc = remaining_ms(q);
		if (!rc) {
			rc = -ETIMEDOUT;
			goto fail;
		}
		poll(NULL, 0, rc < CONNECT_RETRY_MS ? rc : CONNECT_RETRY_MS);
	}
	/* The real daemon runs as root. Whoever else listens there (a socket
	 * put in its place, a path given in the environment) gets nothing,
	 * not even our request, unless it is ourselves (tests). */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0) {
		rc = -errno;
		goto fail;
	}
	if (cred.uid != 0 && cred.uid != geteuid()) {
		rc = -EPERM;
		goto fail;
	}
	q->fd = fd;
	return 0;
fail:
	close(fd);
	return rc;
}

int qdb_open(struct qdb *q, int timeout_ms)
{
	/* In secure-execution mode (setuid, file capabilities) the
	 * environment belongs to someone less trusted: secure_getenv()
	 * ignores it. */
	const char *env = secure_getenv(QDB_SOCK_ENV);
	int rc;

	q->fd = -1;
	q->err = -ENOTCONN;
	q->sock[0] = '\0';
	q->deadline_ms = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	if (env) {
		rc = connect_one(q, env);
	} else {
		rc = connect_one(q, QDB_SOCK_RO);
		/* Before 4.3.3 there is no read-only socket. An impostor on
		 * it (-EPERM) or a timeout is not worked around. */
		if (rc < 0 && rc != -EPERM && rc != -ETIMEDOUT)
			rc = connect_one(q, QDB_SOCK_RW);
	}
	if (rc == 0)
		q->err = 0;
	q->open_err = rc;
	return rc;
}

void qdb_close(struct qdb *q)
{
	broken(q, -ENOTCONN);
}

int qdb_send_reads(struct qdb *q, const char *const keys[], unsigned n)
{
	unsigned char req[QDB_PIPELINE_MAX * QDB_HDR_SIZE];
	unsigned i;
	int rc;

	if (n > QDB_PIPELINE_MAX)
		return -E2BIG;
	for (i = 0; i < n; i++)
		if (!qdb_valid_key(keys[i]))
			return -EINVAL;
	if (q->fd < 0)
		return q->err ? q->err : -ENOTCONN;
	for (i = 0; i < n; i++)
		qdb_build_read(keys[i], req + (size_t)i * QDB_HDR_SIZE);
	rc = send_all(q, req, (size_t)n * QDB_HDR_SIZE);
	return rc < 0 ? broken(q, rc) : 0;
}

int qdb_answer(struct qdb *q, const char *key, char *out, size_t size)
{
	struct qdb_reply r;
	unsigned watches = 0;
	size_t len = 0;
	int rc;

	if (size)
		out[0] = '\0';
	if (!qdb_valid_key(key))
		return -EINVAL;
	if (q->fd < 0)
		return q->err ? q->err : -ENOTCONN;
	/* Never receive past the message being parsed: what follows it in
	 * the stream belongs to the next one. */
	for (;;) {
		rc = qdb_parse_reply(q->buf, len, key, &r);
		if (rc == QDB_REPLY_MORE) {
			rc = recv_some(q, q->buf + len, r.size - len);
			if (rc < 0)
				return broken(q, rc);
			len += (size_t)rc;
		} else if (rc == QDB_REPLY_WATCH) {
			if (++watches > QDB_WATCH_MAX)
				return broken(q, -EPROTO);
			len -= r.size;
			memmove(q->buf, q->buf + r.size, len);
		} else {
			break;
		}
	}
	if (rc == -ENOENT || rc == -EIO)
		return rc;      /* a proper answer: the connection stays usable */
	if (rc < 0)
		return broken(q, rc);
	if (r.value_len >= size)
		return -EMSGSIZE;
	memcpy(out, r.value, r.value_len);
	out[r.value_len] = '\0';
	return (int)r.value_len;
}

int qdb_read(struct qdb *q, const char *key, char *out, size_t size)
{
	int rc;

	if (size)
		out[0] = '\0';
	rc = qdb_send_reads(q, &key, 1);
	return rc < 0 ? rc : qdb_answer(q, key, out, size);
}

/* An answer of qdb_read()'s (rc, the value in v) as an IPv4 address. */
static int as_ipv4(int rc, const char *v, struct in_addr *out)
{
	/* Longer than any dotted quad, or not one (inet_pton takes nothing
	 * but four decimal numbers without leading zeros, separated by dots). */
	if (rc == -EMSGSIZE || (rc >= 0 && inet_pton(AF_INET, v, out) != 1))
		return -EBADMSG;
	return rc < 0 ? rc : 0;
}

int qdb_read_ipv4(struct qdb *q, const char *key, struct in_addr *out)
{
	char v[INET_ADDRSTRLEN];

	return as_ipv4(qdb_read(q, key, v, sizeof(v)), v, out);
}

void qubesdb_ask(struct qdb *q, const char *const keys[], unsigned n, int timeout_ms)
{
	/* Every request at once: the daemon answers them in order, and is
	 * woken once instead of once per key. Should sending fail, every
	 * answer says why. */
	if (qdb_open(q, timeout_ms) == 0)
		qdb_send_reads(q, keys, n);
}

unsigned qubesdb_ipv4_answers(struct qdb *q, const char *const keys[],
			      const char *const defaults[], struct in_addr *out, unsigned n)
{
	char a[INET_ADDRSTRLEN];
	unsigned i, given = 0;
	int rc;

	for (i = 0; i < n; i++) {
		if (q->open_err < 0) {
			log_warn("QubesDB %s: cannot connect to %s (%s): using the default %s",
				 keys[i], q->sock, qdb_open_strerror(q->open_err), defaults[i]);
		} else if ((rc = as_ipv4(qdb_answer(q, keys[i], a, sizeof(a)), a, &out[i])) < 0) {
			/* No such key is a state Qubes can be in (a qube not
			 * providing network); the rest is not. */
			qlog(rc == -ENOENT ? LOG_INFO : LOG_WARNING,
			     "QubesDB %s: %s: using the default %s", keys[i], qdb_strerror(rc),
			     defaults[i]);
		} else {
			inet_ntop(AF_INET, &out[i], a, sizeof(a));
			log_debug("QubesDB %s: %s", keys[i], a);
			given |= 1u << i;
			continue;
		}
		inet_pton(AF_INET, defaults[i], &out[i]);
	}
	qdb_close(q);
	return given;
}

unsigned qubesdb_ipv4_keys(const char *const keys[], const char *const defaults[],
			   struct in_addr *out, unsigned n, int timeout_ms)
{
	struct qdb q;

	qubesdb_ask(&q, keys, n, timeout_ms);
	return qubesdb_ipv4_answers(&q, keys, defaults, out, n);
}
