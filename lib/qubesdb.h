/* qubesdb.h - read QubesDB keys over the local daemon's unix socket, with
 * no helper process: one connection serves several reads, the whole
 * session is bounded by one deadline, every reply is validated. Library
 * code: never prints or exits, returns -errno; the caller logs.
 *
 * Protocol (qubes-core-qubesdb include/qubesdb.h): a 72-byte header in host
 * byte order, { uint8 type; char path[64]; (3 bytes padding) uint32
 * data_len; }, followed by data_len bytes. A read sends type 0 (READ) with
 * the key NUL-padded and no data; the daemon answers 10 (READ) with the
 * value (not NUL-terminated, never containing NUL), 8 (NOENT) or 9 (ERROR),
 * echoing the path. 13 (WATCH) may arrive at any time and is skipped. */
#ifndef QVPN_QUBESDB_H
#define QVPN_QUBESDB_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

/* The daemon's sockets in a VM: the read-only one (Qubes 4.3.3+, 0666) is
 * tried first, then the read-write one (0777). */
#define QDB_SOCK_RO "/var/run/qubes/qubesdb.ro.sock"
#define QDB_SOCK_RW "/var/run/qubes/qubesdb.sock"
/* An absolute path here (shorter than 108 bytes) replaces both; see
 * qdb_open(). For tests and unusual installations. */
#define QDB_SOCK_ENV "QUBES_VPN_QUBESDB_SOCK"

#define QDB_HDR_SIZE 72
#define QDB_PATH_MAX 64         /* path field, NUL included */
#define QDB_VALUE_MAX 3071      /* the daemon refuses data_len >= 3072 */
/* WATCH messages skipped while waiting for one answer (we register no
 * watch, so a real daemon sends none). */
#define QDB_WATCH_MAX 32

/* Message types used here. */
#define QDB_CMD_READ 0
#define QDB_RESP_ERROR_NOENT 8
#define QDB_RESP_ERROR 9
#define QDB_RESP_READ 10
#define QDB_RESP_WATCH 13

/* A session with the daemon. Caller-owned, no allocation. */
struct qdb {
	int fd;                 /* -1 when closed or broken */
	int err;                /* why fd is -1 (-errno), 0 while usable */
	int open_err;           /* what qdb_open returned */
	int64_t deadline_ms;    /* CLOCK_MONOTONIC, for the whole session */
	char sock[108];         /* the socket connected to (or last tried) */
	unsigned char buf[QDB_HDR_SIZE + QDB_VALUE_MAX];
};

/* Connect to the daemon: to $QUBES_VPN_QUBESDB_SOCK when it is set (only
 * honoured outside secure-execution mode, and only as an absolute path
 * shorter than 108 bytes: otherwise -EINVAL), else to QDB_SOCK_RO, then
 * QDB_SOCK_RW. The peer must run as root or as our own effective uid
 * (checked with SO_PEERCRED before anything is sent; -EPERM otherwise).
 * Everything done with q until qdb_close, connecting included, ends within
 * timeout_ms. Returns 0, or -errno (qdb_open_strerror() says it in words,
 * q->sock names the socket; reads then return -ENOTCONN at once). Call
 * qdb_close() either way. */
int qdb_open(struct qdb *q, int timeout_ms);

/* Read key (a path: '/' then up to 62 of [A-Za-z0-9_/.:@-], not ending in
 * '/') into out (NUL-terminated). Returns the value's length, or
 *   -EINVAL     key is not a valid path
 *   -ENOENT     the daemon has no such key
 *   -EIO        the daemon answered ERROR
 *   -EMSGSIZE   the value does not fit in size - 1 bytes
 *   -EPROTO     malformed reply (type, path echo, length, NUL in the value,
 *               too many WATCH messages)
 *   -ECONNRESET the daemon closed the connection mid-reply
 *   -ETIMEDOUT  the session's deadline passed
 *   or another -errno from the socket.
 * After -EPROTO, -ECONNRESET, -ETIMEDOUT or a socket error the connection
 * is closed and every later read returns that error at once. */
int qdb_read(struct qdb *q, const char *key, char *out, size_t size);
/* qdb_read in two halves, so that several requests go in one write and
 * the daemon (which answers each request of a stream in turn) is woken
 * once: qdb_send_reads sends READ for each of keys[0..n-1] (n at most
 * QDB_PIPELINE_MAX; -EINVAL and nothing sent if a key is invalid);
 * qdb_answer then takes the answer to the oldest request not yet
 * answered, which must have been for key, as qdb_read returns it. */
#define QDB_PIPELINE_MAX 4
int qdb_send_reads(struct qdb *q, const char *const keys[], unsigned n);
int qdb_answer(struct qdb *q, const char *key, char *out, size_t size);

/* Read key as an IPv4 literal (dotted quad, as inet_pton takes it: no
 * octal, hex, spaces or trailing newline). -EBADMSG when the value is not
 * one; otherwise as qdb_read. */
int qdb_read_ipv4(struct qdb *q, const char *key, struct in_addr *out);

void qdb_close(struct qdb *q);

/* Text for qdb_read's and qdb_read_ipv4's errors, in QubesDB's terms ("no
 * such key", "malformed reply", ...), and for qdb_open's. */
const char *qdb_strerror(int err);
const char *qdb_open_strerror(int err);

/* ---- the pure parts, for tests and fuzzing ---- */

/* 1 when key is a path QubesDB accepts for a read. */
int qdb_valid_key(const char *key);

/* Build the 72-byte READ request for a valid key. */
void qdb_build_read(const char *key, unsigned char hdr[QDB_HDR_SIZE]);

/* What one message from the daemon, in answer to a READ of key, says. */
struct qdb_reply {
	size_t size;            /* bytes the message takes (or needs, for MORE) */
	const char *value;      /* QDB_REPLY_VALUE: into the buffer, not NUL-terminated */
	size_t value_len;
};
#define QDB_REPLY_MORE 0        /* incomplete: needs r->size bytes in all */
#define QDB_REPLY_VALUE 1
#define QDB_REPLY_WATCH 2       /* a watch event of r->size bytes: skip it */

/* Parse the first message in buf[0..len). Returns QDB_REPLY_*, or -ENOENT,
 * -EIO (the daemon's answers; r->size set) or -EPROTO. Never reads past
 * len; r->size never exceeds QDB_HDR_SIZE + QDB_VALUE_MAX. */
int qdb_parse_reply(const void *buf, size_t len, const char *key, struct qdb_reply *r);

/* Read n (at most QDB_PIPELINE_MAX) QubesDB keys that hold IPv4 literals over one
 * connection, bounded by timeout_ms in all; a key QubesDB cannot give gets
 * its default, with a log line naming the key and the reason. Returns the
 * bit mask of the keys QubesDB gave. */
unsigned qubesdb_ipv4_keys(const char *const keys[], const char *const defaults[],
			   struct in_addr *out, unsigned n, int timeout_ms);
/* The same in two halves, so that the daemon answers while the caller
 * works on: qubesdb_ask connects and sends every request at once (n at
 * most QDB_PIPELINE_MAX), without waiting; qubesdb_ipv4_answers waits for
 * the answers (the deadline runs from qubesdb_ask), falls back as above,
 * and closes q. Call both, with the same keys. */
void qubesdb_ask(struct qdb *q, const char *const keys[], unsigned n, int timeout_ms);
unsigned qubesdb_ipv4_answers(struct qdb *q, const char *const keys[],
			      const char *const defaults[], struct in_addr *out, unsigned n);

#endif
