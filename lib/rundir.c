/* rundir.c - the run directory (/run/qubes-vpn): its path, the lock
 * that serialises changes of the gateway, the state file and the events
 * log. Files are written without following links; the state file
 * atomically (temporary file, then rename). */
#include "rundir.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#define RUNDIR_DEFAULT "/run/qubes-vpn"
#define EVENTS_MAX (64L * 1024)    /* then events -> events.old */

const char *rundir(void)
{
	const char *d = getenv("QUBES_VPN_RUNDIR");

	/* Only an absolute, reasonably short path; anything else falls back
	 * to the default rather than to a relative or truncated path. */
	if (d && d[0] == '/' && strlen(d) < RUNDIR_MAX)
		return d;
	return RUNDIR_DEFAULT;
}

static int lock_fd = -1;

/* The run directory, created if missing: 0 or -errno (once made, not
 * asked again). */
static int make_rundir(void)
{
	static int made;

	if (!made && mkdir(rundir(), 0755) < 0 && errno != EEXIST)
		return -errno;
	made = 1;
	return 0;
}

void gateway_lock_drop(void)
{
	if (lock_fd >= 0)
		close(lock_fd);
	lock_fd = -1;
}

void gateway_lock(void)
{
	char path[RUNDIR_MAX + 16];
	int fd;

	int err = make_rundir();

	if (err < 0) {
		log_warn("creating %s: %s: going on without the state lock", rundir(),
			 strerror(-err));
		return;
	}
	snprintf(path, sizeof(path), "%s/lock", rundir());
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_warn("opening %s: %s: going on without the state lock", path, strerror(errno));
		return;
	}
	/* Held until we exit (the descriptor is never closed); another hook
	 * holds it for a few milliseconds at most. */
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			log_warn("locking %s: %s: going on without it", path, strerror(errno));
			close(fd);
			return;
		}
	lock_fd = fd;
}

ssize_t lock_note_read(void *buf, size_t size)
{
	ssize_t n;

	if (lock_fd < 0)
		return -EBADF;
	n = pread(lock_fd, buf, size, 0);
	return n < 0 ? -errno : n;
}

void lock_note_write(const void *note, size_t size)
{
	/* Never fatal: a note not written is a note not matched. */
	if (lock_fd >= 0 && pwrite(lock_fd, note, size, 0) != (ssize_t)size)
		log_debug("writing the lock's note: %s", strerror(errno));
}

static void state_write(const char *text)
{
	char path[256], tmp[272];
	const char *dir = rundir();
	ssize_t n, len = (ssize_t)strlen(text);
	int fd = make_rundir();

	if (fd < 0) {
		log_warn("creating %s: %s", dir, strerror(-fd));
		return;
	}
	snprintf(path, sizeof(path), "%s/state", dir);
	snprintf(tmp, sizeof(tmp), "%s/.state.%ld", dir, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_warn("writing %s: %s", tmp, strerror(errno));
		return;
	}
	n = write(fd, text, (size_t)len);
	if (close(fd) < 0 || n != len || rename(tmp, path) < 0) {
		log_warn("writing %s: %s", path, n != len ? "short write" : strerror(errno));
		unlink(tmp);
	}
}

void state_write_connected(const char *dev, const char *server, const char *dns)
{
	char text[512];

	snprintf(text, sizeof(text), "state=connected\ndev=%s\nserver=%s\ndns=%s\ntime=%lld\n",
		 dev, server, dns, (long long)time(NULL));
	state_write(text);
}

static void state_write_plain(const char *state)
{
	char text[64];

	snprintf(text, sizeof(text), "state=%s\ntime=%lld\n", state, (long long)time(NULL));
	state_write(text);
}

void state_write_blocked(void)
{
	state_write_plain("blocked");
}

ssize_t state_read(char *text, size_t size)
{
	char path[RUNDIR_MAX + 16];

	snprintf(path, sizeof(path), "%s/state", rundir());
	return read_small_file(path, text, size, NULL);
}

const char *state_value(const char *text, const char *key, char *out, size_t size)
{
	size_t k = strlen(key);
	const char *p;

	out[0] = '\0';
	for (p = text; *p; p += strcspn(p, "\n"), p += *p == '\n')
		if (!strncmp(p, key, k) && p[k] == '=') {
			p += k + 1;
			snprintf(out, size, "%.*s", (int)strcspn(p, "\n"), p);
			break;
		}
	return out;
}

void state_write_off(void)
{
	state_write_plain("off");
}

int state_connected(void)
{
	char text[1024], state[16];

	return state_read(text, sizeof(text)) >= 0 &&
	       !strcmp(state_value(text, "state", state, sizeof(state)), "connected");
}

ssize_t read_small_file(const char *path, char *buf, size_t size, struct stat *st)
{
	struct stat own;
	size_t got = 0;
	ssize_t n = 1;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC), err = 0;

	buf[0] = '\0';
	if (!st)
		st = &own;
	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		return -EINVAL;
	}
	/* Read until the end, or until one byte more than fits: a file cut
	 * short must not pass for a whole one (its last entry may still
	 * parse: 10.8.0.12 read as 10.8.0.1). */
	while (got < size && n != 0) {
		n = read(fd, buf + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	if (!err && got == size)
		err = -EFBIG;
	buf[got < size ? got : size - 1] = '\0';
	return err < 0 ? err : (ssize_t)got;
}

/* utc_time: now (from 1970 on) as the UTC year, month (1-12), day (1-31),
 * hour, minute and second in t[0..5]. By hand: strftime would bring in
 * musl's time zone code, gmtime_r its general calendar (0.8 KB), for this
 * one stamp. */
void utc_time(time_t now, int t[6])
{
	static const unsigned char mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	long days = now > 0 ? (long)(now / 86400) : 0, secs = now > 0 ? (long)(now % 86400) : 0;
	int y, m, leap;

	for (y = 1970;; y++) {
		leap = y % 4 == 0 && (y % 100 || y % 400 == 0);
		if (days < 365 + leap)
			break;
		days -= 365 + leap;
	}
	for (m = 0;; m++) {
		int len = mdays[m] + (m == 1 && leap);

		if (days < len)
			break;
		days -= len;
	}
	t[0] = y;
	t[1] = m + 1;
	t[2] = (int)days + 1;
	t[3] = (int)(secs / 3600);
	t[4] = (int)(secs / 60 % 60);
	t[5] = (int)(secs % 60);
}

void event_append(const char *urgency, const char *summary, const char *body)
{
	char path[256], old[272], line[EVENT_LINE_MAX];
	struct stat st;
	time_t now = time(NULL);
	int fd, n, t[6];

	if (make_rundir() < 0)
		return;
	snprintf(path, sizeof(path), "%s/events", rundir());
	if (lstat(path, &st) == 0 && st.st_size > EVENTS_MAX) {
		snprintf(old, sizeof(old), "%s.old", path);
		rename(path, old);
	}
	utc_time(now, t);
	n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02dZ %s %s%s%s\n",
		     t[0], t[1], t[2], t[3], t[4], t[5], urgency, summary, body[0] ? ": " : "", body);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = (int)sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_warn("writing %s: %s", path, strerror(errno));
		return;
	}
	if (write(fd, line, (size_t)n) != n)
		log_warn("writing %s: short write", path);
	close(fd);
}

int event_parse(char *line, const char **urgency, const char **summary, const char **body)
{
	char *urg, *sum, *sep;

	/* The stamp: 2026-11-27T12:00:00Z, then one space. */
	if (strlen(line) < 22 || line[4] != '-' || line[10] != 'T' || line[19] != 'Z' ||
	    line[20] != ' ')
		return -EINVAL;
	urg = line + 21;
	sum = strchr(urg, ' ');
	if (!sum)
		return -EINVAL;
	*sum++ = '\0';
	if ((strcmp(urg, "low") && strcmp(urg, "normal") && strcmp(urg, "critical")) || !sum[0])
		return -EINVAL;
	/* Summaries never hold ": " (ours are fixed texts); the body may. */
	*body = "";
	for (sep = sum; (sep = strchr(sep, ':')); sep++)
		if (sep[1] == ' ') {
			*sep = '\0';
			*body = sep + 2;
			break;
		}
	*urgency = urg;
	*summary = sum;
	return 0;
}
