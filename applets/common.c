/* common.c - logging, error lines, capability check and run directory
 * shared by the applets. */
#define _GNU_SOURCE   /* pipe2 */
#include "applet.h"
#include "qubesdb.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/capability.h>

char applet_name[64] = "qubes-vpn";

#define RUNDIR_DEFAULT "/run/qubes-vpn"
#define RUNDIR_MAX 200

const char *rundir(void)
{
	const char *d = getenv("QUBES_VPN_RUNDIR");

	/* Only an absolute, reasonably short path; anything else falls back
	 * to the default rather than to a relative or truncated path. */
	if (d && d[0] == '/' && strlen(d) < RUNDIR_MAX)
		return d;
	return RUNDIR_DEFAULT;
}

static int debug_enabled(void)
{
	static int cached = -1;
	char path[RUNDIR_MAX + 16];
	struct stat st;

	if (cached < 0) {
		snprintf(path, sizeof(path), "%s/debug", rundir());
		cached = stat(path, &st) == 0;
	}
	return cached;
}

void qlog(int prio, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (prio == LOG_DEBUG && !debug_enabled())
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "%s: %s\n", applet_name, msg);
	else
		fprintf(stderr, "<%d>%s: %s\n", prio, applet_name, msg);
}

void log_nl_error(const char *context, const struct nl_result *res)
{
	const char *what = res->what ? res->what : context;

	if (res->extack[0])
		log_err("%s: %s (kernel: %s)", what, strerror(-res->err), res->extack);
	else
		log_err("%s: %s", what, strerror(-res->err));
}

void usage_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\nTry '%s --help'.\n", applet_name, msg, applet_name);
	exit(EXIT_USAGE);
}

int require_net_admin(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) == 0 &&
	    (data[CAP_NET_ADMIN / 32].effective & (1u << (CAP_NET_ADMIN % 32))))
		return 0;
	log_err("needs the CAP_NET_ADMIN capability: run it as root or from its "
		"systemd unit");
	return -EPERM;
}

/* Releasing an nfnetlink socket waits until nf_tables has freed what the
 * socket's last transaction deleted: nft_rcv_nl_event() flushes the
 * destroy work, which waits for an RCU grace period (10-20 ms here). The
 * transaction is committed and acknowledged by then, so nothing depends on
 * that wait: a child process holds the last reference, drops it only once
 * we have exited (EOF on a pipe whose write end only we hold), and pays the
 * wait instead of the caller (OpenVPN waits for its hooks). If anything
 * fails we simply close and wait ourselves. */
void nl_close_nowait(struct nl_sock *s)
{
	static int parent_alive[2] = { -1, -1 };
	char c;
	pid_t pid;
	int fd;

	if (parent_alive[0] < 0 && pipe2(parent_alive, O_CLOEXEC) < 0) {
		nl_close(s);
		return;
	}
	pid = fork();
	if (pid == 0) {
		gateway_lock_drop();    /* the next hook must not wait for us */
		close(parent_alive[1]);
		fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			/* Hold no pipe of our caller open while we wait. */
			dup2(fd, STDIN_FILENO);
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		while (read(parent_alive[0], &c, 1) < 0 && errno == EINTR)
			;
		nl_close(s);
		_exit(0);
	}
	nl_close(s);
}

static int lock_fd = -1;

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

	if (mkdir(rundir(), 0755) < 0 && errno != EEXIST) {
		log_warn("creating %s: %s: going on without the state lock", rundir(),
			 strerror(errno));
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

int wants_help(int argc, char **argv)
{
	return argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));
}

unsigned qubesdb_ipv4_keys(const char *const keys[], const char *const defaults[],
		       struct in_addr *out, unsigned n, int timeout_ms)
{
	char a[INET_ADDRSTRLEN];
	struct qdb q;
	int open_rc, rc;
	unsigned i, given = 0;

	open_rc = qdb_open(&q, timeout_ms);
	for (i = 0; i < n; i++) {
		if (open_rc < 0) {
			log_warn("QubesDB %s: cannot connect to %s (%s): using the default %s",
				 keys[i], q.sock, qdb_open_strerror(open_rc), defaults[i]);
		} else if ((rc = qdb_read_ipv4(&q, keys[i], &out[i])) < 0) {
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
	qdb_close(&q);
	return given;
}
