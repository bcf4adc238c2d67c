/* fakeqdb.c - a fake QubesDB daemon for tests: serves READs on a unix
 * socket from KEY=VALUE arguments, logs what it is asked, and can answer
 * the ways a broken or hostile daemon would.
 *
 *   fakeqdb [-m MODE] [-d MS] [-l LOG] SOCKET [KEY=VALUE]...
 *
 * The socket appears (atomically, by rename) once it accepts connections.
 * Clients are served one at a time until SIGTERM. LOG gets one line per
 * event: "connect", "read KEY", "bad request: WHY", "eof".
 * Requests are checked as the real daemon checks them (72 bytes, type
 * READ, a valid NUL-terminated path, no data); a bad one is logged and the
 * connection dropped, as the daemon does.
 *
 * MODE (default normal):
 *   normal     the value, or NOENT for a key not given
 *   error      ERROR for every key
 *   short      30 bytes of a READ header, then close
 *   shortdata  a READ header announcing 10 bytes more than it sends, close
 *   long       data_len 5000 with 5000 bytes
 *   extra      the right answer, then 100 bytes nobody asked for
 *   type       the value, but as type 11 (MULTIREAD)
 *   path       the value, echoing another path
 *   pathnul    the value, with a path field that has no NUL
 *   silent     never answers (reads and waits)
 *   late       answers after -d MS (default 3000)
 *   drip       the answer one byte every 2 ms
 *   close      closes every connection at once
 *   watch      5 WATCH messages before every answer
 *   flood      1000 WATCH messages before every answer
 *   nul        the value followed by a NUL and "x" (within data_len)
 *   big        a 3071-byte value (the largest the daemon allows)
 *   full       never accepts; its listen backlog is kept full */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#define HDR 72
#define PATH_MAX_ 64
#define T_READ_CMD 0
#define T_NOENT 8
#define T_ERROR 9
#define T_READ 10
#define T_MULTIREAD 11
#define T_WATCH 13

static const char *mode = "normal";
static int delay_ms = 3000;
static FILE *log_file;
static char **kv;
static int nkv;

static void logline(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logline(const char *fmt, ...)
{
	va_list ap;

	if (!log_file)
		return;
	va_start(ap, fmt);
	vfprintf(log_file, fmt, ap);
	va_end(ap);
	fputc('\n', log_file);
	fflush(log_file);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void put_hdr(unsigned char *h, int type, const char *path, uint32_t len)
{
	memset(h, 0, HDR);
	h[0] = (unsigned char)type;
	strncpy((char *)h + 1, path, PATH_MAX_ - 1);
	memcpy(h + 68, &len, sizeof(len));
}

static const char *lookup(const char *key)
{
	size_t n = strlen(key);
	int i;

	for (i = 0; i < nkv; i++)
		if (!strncmp(kv[i], key, n) && kv[i][n] == '=')
			return kv[i] + n + 1;
	return NULL;
}

static int valid_path(const char *p)
{
	size_t i, n = strnlen(p, PATH_MAX_);

	if (n == 0 || n >= PATH_MAX_)
		return 0;
	for (i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-/.:@",
			    p[i]))
			return 0;
	return 1;
}

/* Answer one READ of key; -1 to drop the connection. */
static int answer(int fd, const char *key)
{
	static char big[3071];
	unsigned char h[HDR], out[HDR + 5000 + 200];
	const char *v = lookup(key);
	size_t vlen = v ? strlen(v) : 0, n = 0;
	int i, type = T_READ;

	if (!strcmp(mode, "silent"))
		return 0;
	if (!strcmp(mode, "late"))
		sleep_ms(delay_ms);
	if (!strcmp(mode, "watch") || !strcmp(mode, "flood")) {
		int count = !strcmp(mode, "watch") ? 5 : 1000;

		for (i = 0; i < count; i++) {
			put_hdr(h, T_WATCH, "/qubes-watched", 0);
			if (write_all(fd, h, HDR) < 0)
				return -1;
		}
	}
	if (!strcmp(mode, "error")) {
		put_hdr(h, T_ERROR, key, 0);
		return write_all(fd, h, HDR);
	}
	if (!strcmp(mode, "big")) {
		memset(big, '1', sizeof(big));
		v = big;
		vlen = sizeof(big);
	}
	if (!v) {
		put_hdr(h, T_NOENT, key, 0);
		return write_all(fd, h, HDR);
	}
	if (!strcmp(mode, "type"))
		type = T_MULTIREAD;
	put_hdr(out, type, !strcmp(mode, "path") ? "/qubes-netvm-gateway" : key,
		(uint32_t)vlen);
	if (!strcmp(mode, "pathnul"))
		memset(out + 1, 'a', PATH_MAX_);
	memcpy(out + HDR, v, vlen);
	n = HDR + vlen;
	if (!strcmp(mode, "short")) {
		write_all(fd, out, 30);
		return -1;
	}
	if (!strcmp(mode, "shortdata")) {
		uint32_t more = (uint32_t)vlen + 10;

		memcpy(out + 68, &more, sizeof(more));
		write_all(fd, out, n);
		return -1;
	}
	if (!strcmp(mode, "long")) {
		uint32_t len = 5000;

		memcpy(out + 68, &len, sizeof(len));
		memset(out + HDR, '1', len);
		n = HDR + len;
	}
	if (!strcmp(mode, "nul")) {
		uint32_t len = (uint32_t)vlen + 2;

		memcpy(out + HDR + vlen, "\0x", 2);
		memcpy(out + 68, &len, sizeof(len));
		n += 2;
	}
	if (!strcmp(mode, "extra")) {
		memset(out + n, 'x', 100);
		n += 100;
	}
	if (!strcmp(mode, "drip")) {
		size_t k;

		for (k = 0; k < n; k++) {
			if (write_all(fd, out + k, 1) < 0)
				return -1;
			sleep_ms(2);
		}
		return 0;
	}
	return write_all(fd, out, n);
}

static void serve(int fd)
{
	unsigned char h[HDR];
	char path[PATH_MAX_ + 1];
	uint32_t len;
	size_t got;
	ssize_t r;

	logline("connect");
	if (!strcmp(mode, "close"))
		return;
	for (;;) {
		for (got = 0; got < HDR; got += (size_t)r) {
			r = read(fd, h + got, HDR - got);
			if (r < 0 && errno == EINTR) {
				r = 0;
				continue;
			}
			if (r <= 0) {
				if (got)
					logline("bad request: short header");
				else
					logline("eof");
				return;
			}
		}
		memcpy(path, h + 1, PATH_MAX_);
		path[PATH_MAX_] = '\0';
		memcpy(&len, h + 68, sizeof(len));
		if (h[0] != T_READ_CMD) {
			logline("bad request: type is not READ");
			return;
		}
		if (!memchr(h + 1, '\0', PATH_MAX_) || !valid_path(path)) {
			logline("bad request: invalid path");
			return;
		}
		if (len) {
			logline("bad request: READ with data");
			return;
		}
		logline("read %s", path);
		if (answer(fd, path) < 0)
			return;
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: fakeqdb [-m MODE] [-d MS] [-l LOG] SOCKET [KEY=VALUE]...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa;
	char tmp[sizeof(sa.sun_path)];
	const char *sock;
	int opt, lfd, cfd;

	while ((opt = getopt(argc, argv, "m:d:l:")) != -1) {
		switch (opt) {
		case 'm': mode = optarg; break;
		case 'd': delay_ms = atoi(optarg); break;
		case 'l':
			log_file = fopen(optarg, "a");
			if (!log_file) {
				perror(optarg);
				return 1;
			}
			break;
		default: usage();
		}
	}
	if (optind >= argc)
		usage();
	sock = argv[optind];
	kv = argv + optind + 1;
	nkv = argc - optind - 1;
	signal(SIGPIPE, SIG_IGN);

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", sock) >= (int)sizeof(tmp)) {
		fprintf(stderr, "fakeqdb: socket path too long\n");
		return 1;
	}
	memcpy(sa.sun_path, tmp, strlen(tmp) + 1);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	unlink(tmp);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(lfd, !strcmp(mode, "full") ? 0 : 16) < 0) {
		perror("fakeqdb: socket");
		return 1;
	}
	chmod(tmp, 0666);
	if (!strcmp(mode, "full")) {
		/* One pending connection fills a backlog of 0; then clients
		 * get EAGAIN (non-blocking) or wait (blocking). */
		int self = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

		if (self < 0 || connect(self, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			perror("fakeqdb: filling the backlog");
			return 1;
		}
	}
	if (rename(tmp, sock) < 0) {
		perror("fakeqdb: rename");
		return 1;
	}
	for (;;) {
		if (!strcmp(mode, "full")) {
			pause();
			continue;
		}
		cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("fakeqdb: accept");
			return 1;
		}
		serve(cfd);
		close(cfd);
	}
}
