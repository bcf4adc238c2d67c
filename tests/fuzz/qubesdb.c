/* qubesdb.c (fuzz target) - what a QubesDB daemon sends back, as the up
 * hook's reads see it. The first input byte picks two keys; the rest is
 * the daemon's byte stream. It goes (1) through the pure parser, message
 * by message as qdb_read walks it, with the parser's promises checked, and
 * (2) through qdb_read itself over a socketpair whose far end has written
 * the stream and shut down (so no read waits), reading both keys.
 * Seeds (corpus/qubesdb/): valid answers, NOENT, ERROR, WATCH before an
 * answer, two answers, each in the daemon's 72-byte header layout. */
#include "../../lib/qubesdb.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const keys[4] = {
	"/qubes-netvm-primary-dns", "/qubes-netvm-secondary-dns", "/qubes-primary-dns", "/a",
};

/* (1) The parser: never claims more than it was given, never points
 * outside, never returns a value holding a NUL or over the limit. */
static void parse_stream(const uint8_t *p, size_t len, const char *key)
{
	struct qdb_reply r;
	unsigned watches = 0;
	int rc;

	for (;;) {
		rc = qdb_parse_reply(p, len, key, &r);
		if (r.size > QDB_HDR_SIZE + QDB_VALUE_MAX)
			abort();
		if (rc == QDB_REPLY_MORE) {
			if (r.size <= len)
				abort();
			return;
		}
		if (rc == QDB_REPLY_WATCH) {
			if (r.size != QDB_HDR_SIZE || r.size > len || ++watches > QDB_WATCH_MAX)
				return;
			p += r.size;
			len -= r.size;
			continue;
		}
		if (rc == QDB_REPLY_VALUE) {
			if (r.size > len || r.value != (const char *)p + QDB_HDR_SIZE ||
			    r.value_len != r.size - QDB_HDR_SIZE || r.value_len > QDB_VALUE_MAX ||
			    memchr(r.value, '\0', r.value_len))
				abort();
			return;
		}
		if (rc != -ENOENT && rc != -EIO && rc != -EPROTO)
			abort();
		return;
	}
}

/* (2) The reader, on a real socket. */
static void read_stream(const uint8_t *p, size_t len, const char *k1, const char *k2)
{
	struct timespec ts;
	struct in_addr a;
	struct qdb q;
	char out[64];
	int sv[2], rc;
	ssize_t w;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return;
	while (len) {
		w = send(sv[1], p, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w <= 0)
			break;
		p += w;
		len -= (size_t)w;
	}
	shutdown(sv[1], SHUT_WR);
	memset(&q, 0, sizeof(q));
	q.fd = sv[0];
	clock_gettime(CLOCK_MONOTONIC, &ts);
	q.deadline_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + 1000;

	rc = qdb_read(&q, k1, out, sizeof(out));
	if (rc >= (int)sizeof(out) || (rc >= 0 && strlen(out) != (size_t)rc))
		abort();
	rc = qdb_read_ipv4(&q, k2, &a);
	if (rc > 0)
		abort();
	qdb_close(&q);
	close(sv[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *k1, *k2;

	if (size < 1)
		return 0;
	k1 = keys[data[0] & 3];
	k2 = keys[(data[0] >> 2) & 3];
	parse_stream(data + 1, size - 1, k1);
	read_stream(data + 1, size - 1, k1, k2);
	return 0;
}
