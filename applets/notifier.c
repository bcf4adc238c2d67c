/* notifier.c - qubes-vpn-notifier [--dom0] [--if-exists PATH]: follows
 * RUNDIR/events, which the hooks only append to, and shows each new event
 * once: in the desktop session of the user running it (notify-send on that
 * user's own bus; started by the XDG autostart entry), or with --dom0, as
 * root, over qrexec to dom0 (qubes-vpn-notify-dom0.service, for qubes
 * without a GUI). inotify only, no polling; on start, and whenever events
 * were missed, it shows the current state once instead of a replay.
 * Exit status: 1 refused or failed, 2 usage error; otherwise it runs until
 * killed (0 at once with --if-exists and no PATH). */
#define _GNU_SOURCE   /* strchrnul */
#include "applets.h"
#include "../lib/help.h"
#include "../lib/log.h"
#include "../lib/message.h"
#include "../lib/notify.h"
#include "../lib/rundir.h"
#include "../lib/sanitize.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/stat.h>

HELP_TEXT(notifier,
"Usage: qubes-vpn-notifier [--dom0] [--if-exists PATH]\n"
"\n"
"Shows each new RUNDIR/events line once: with notify-send on the caller's own\n"
"bus (not as root), or with --dom0 (root) over qrexec. On start and after\n"
"missed lines, the state once. --if-exists: exit 0 unless PATH exists.\n");

#define BUF_BYTES (2 * EVENT_LINE_MAX)
#define BURST_MAX 4                /* more new lines at once: show the state */
#define READS_MAX 4096             /* per catch-up: 8 MB, far over the log's 64 KiB */
#define DESKTOP_TIMEOUT_MS 2000
#define QREXEC_TIMEOUT_MS 5000

struct follower {
	int dom0;
	int in, wd_dir;            /* inotify; the run directory's watch */
	int fd;                    /* RUNDIR/events, the inode being read */
	char path[RUNDIR_MAX + 16];
	char buf[BUF_BYTES];       /* read, not yet a whole line */
	size_t len;
	int skipping;              /* inside an overlong line: drop to its end */
	char pending[BURST_MAX][EVENT_LINE_MAX];
	int npending, missed;
};

static void deliver(const struct follower *f, const char *urgency, const char *summary,
		    const char *body)
{
	char s[NOTIFY_SUMMARY_MAX], b[NOTIFY_BODY_MAX];
	enum urgency u = URGENCY_NORMAL;

	urgency_parse(urgency, &u);
	sanitize_text(summary, s, sizeof(s));
	sanitize_text(body, b, sizeof(b));
	if (!s[0])
		return;
	log_info("showing: %s%s%s", s, b[0] ? ": " : "", b);
	if (f->dom0)
		notify_qrexec(u, s, b, QREXEC_TIMEOUT_MS);
	else
		notify_desktop(u, s, b, DESKTOP_TIMEOUT_MS);
}

/* The current state, once, in place of the events it stands for. */
static void show_state(const struct follower *f)
{
	char text[1024], state[32], dev[32], server[200], dns[200];
	char body[NOTIFY_BODY_MAX];

	if (state_read(text, sizeof(text)) < 0)
		return;                 /* nothing recorded yet */
	state_value(text, "state", state, sizeof(state));
	if (!strcmp(state, "connected")) {
		state_value(text, "dns", dns, sizeof(dns));
		state_value(text, "server", server, sizeof(server));
		snprintf(body, sizeof(body), "traffic of attached qubes goes through %s%s%s%s%s%s",
			 state_value(text, "dev", dev, sizeof(dev)), server[0] ? " (server " : "",
			 server, server[0] ? ")" : "", dns[0] ? ". DNS: " : "", dns);
		deliver(f, "normal", "Qubes VPN connected", body);
	} else if (!strcmp(state, "blocked")) {
		/* Normal, not critical: at every boot this comes seconds
		 * before "connected" (a failure to connect is its own event). */
		deliver(f, "normal", "Qubes VPN not connected",
			"all traffic of attached qubes is blocked");
	} else if (!strcmp(state, "off")) {
		deliver(f, "critical", "Qubes VPN off", "attached qubes are not protected");
	} else {
		log_warn("%s/state: no state", rundir());
	}
}

/* Take whole lines out of the buffer: into pending, or count them as
 * missed once there are more than BURST_MAX. */
static void take_lines(struct follower *f)
{
	char *start = f->buf, *nl;
	size_t n;

	while ((nl = memchr(start, '\n', f->len - (size_t)(start - f->buf)))) {
		n = (size_t)(nl - start);
		if (f->skipping)
			f->skipping = 0;
		else if (n >= EVENT_LINE_MAX)
			log_warn("%s: overlong line: skipped", f->path);
		else if (f->npending == BURST_MAX)
			f->missed = 1;
		else {
			memcpy(f->pending[f->npending], start, n);
			f->pending[f->npending++][n] = '\0';
		}
		start = nl + 1;
	}
	f->len -= (size_t)(start - f->buf);
	memmove(f->buf, start, f->len);
	/* A line that cannot be whole any more: drop it up to its end. */
	if (f->len >= EVENT_LINE_MAX) {
		log_warn("%s: overlong line: skipped", f->path);
		f->skipping = 1;
		f->len = 0;
	}
}

/* Read what the current file holds beyond what was read. */
static void drain(struct follower *f)
{
	struct stat st;
	ssize_t n;
	int i;

	if (f->fd < 0)
		return;
	if (fstat(f->fd, &st) == 0 && st.st_size < lseek(f->fd, 0, SEEK_CUR)) {
		log_warn("%s: truncated", f->path);
		f->missed = 1;
		lseek(f->fd, 0, SEEK_END);
		f->len = 0;
		return;
	}
	for (i = 0; i < READS_MAX; i++) {
		n = read(f->fd, f->buf + f->len, sizeof(f->buf) - f->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		f->len += (size_t)n;
		take_lines(f);
	}
}

static void close_events(struct follower *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	f->len = 0;
	f->skipping = 0;
}

/* Open RUNDIR/events, at its end (history) or its start (a new file). */
static void open_events(struct follower *f, int at_end)
{
	struct stat st;

	close_events(f);
	f->fd = open(f->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (f->fd < 0)
		return;
	if (fstat(f->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		log_warn("%s: not a file", f->path);
		close_events(f);
		return;
	}
	if (at_end)
		lseek(f->fd, 0, SEEK_END);
}

/* Watch the run directory itself; 0 once it is watched. */
static int watch_dir(struct follower *f)
{
	if (f->wd_dir >= 0)
		return 0;
	f->wd_dir = inotify_add_watch(f->in, rundir(), IN_CREATE | IN_MOVED_TO | IN_MODIFY |
				      IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW);
	return f->wd_dir >= 0 ? 0 : -1;
}

/* What drain() took: each line shown once, or the state once in place
 * of them when some were missed. */
static void show_pending(struct follower *f)
{
	const char *urgency, *summary, *body;
	int i;

	if (f->missed)
		show_state(f);
	else
		for (i = 0; i < f->npending; i++)
			if (event_parse(f->pending[i], &urgency, &summary, &body) < 0)
				log_warn("%s: not an event: skipped", f->path);
			else
				deliver(f, urgency, summary, body);
	f->missed = 0;
	f->npending = 0;
}

/* Everything new since the last call: the rest of the file being read
 * (even when it was rotated to events.old meanwhile), then the file now
 * named events from its start. */
static void catch_up(struct follower *f)
{
	struct stat now, cur;

	if (f->wd_dir < 0 && watch_dir(f) == 0) {
		log_info("%s appeared", rundir());
		open_events(f, 0);
	}
	drain(f);
	if (lstat(f->path, &now) < 0 || f->fd < 0 || fstat(f->fd, &cur) < 0 ||
	    now.st_ino != cur.st_ino || now.st_dev != cur.st_dev) {
		/* Rotated or created (or gone): the old inode is read to its
		 * end above; the new one from its start. */
		open_events(f, 0);
		drain(f);
	}
	show_pending(f);
}

/* The inotify events since the last read; sets missed on an overflow and
 * forgets the directory's watch when it went away. */
static int read_inotify(struct follower *f)
{
	char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *e;
	ssize_t n, off;

	n = read(f->in, ev, sizeof(ev));
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (off = 0; off + (ssize_t)sizeof(*e) <= n; off += (ssize_t)(sizeof(*e) + e->len)) {
		e = (const struct inotify_event *)(ev + off);
		if (e->mask & IN_Q_OVERFLOW) {
			log_warn("inotify: overflow");
			f->missed = 1;
		}
		if (e->wd == f->wd_dir && (e->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF))) {
			/* The directory went: the old file to its end, and
			 * nothing of a new directory yet (catch_up() reads
			 * that from its start once it is watched). */
			drain(f);
			show_pending(f);
			if (!(e->mask & IN_IGNORED))
				inotify_rm_watch(f->in, f->wd_dir);
			f->wd_dir = -1;
			close_events(f);
		}
	}
	return 0;
}

int notifier_main(int argc, char **argv)
{
	static struct follower f;      /* 6 KB: in .bss, not on the stack */
	char parent[RUNDIR_MAX];
	char *slash;
	int i, err;

	if (wants_help(argc, argv)) {
		help_print(&usage);
		return 0;
	}
	f.in = f.wd_dir = f.fd = -1;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dom0"))
			f.dom0 = 1;
		else if (!strcmp(argv[i], "--if-exists") && i + 1 < argc) {
			if (access(argv[++i], F_OK) < 0) {
				log_info("no %s: exiting", argv[i]);
				return 0;
			}
		} else
			usage_error("unexpected argument '%s'", argv[i]);
	}
	if (f.dom0 && geteuid() != 0) {
		log_err("--dom0 is for root only");
		return 1;
	}
	if (!f.dom0 && (getuid() == 0 || geteuid() != getuid())) {
		log_err("refusing to run as root");
		return 1;
	}
	snprintf(f.path, sizeof(f.path), "%s/events", rundir());
	snprintf(parent, sizeof(parent), "%s", rundir());
	slash = strrchr(parent, '/');
	if (slash == parent)
		slash[1] = '\0';
	else
		*slash = '\0';
	f.in = inotify_init1(IN_CLOEXEC);
	/* The parent tells when the run directory appears (or comes back). */
	if (f.in < 0 || inotify_add_watch(f.in, parent, IN_CREATE | IN_MOVED_TO | IN_ONLYDIR) < 0) {
		log_err("watching %s: %s", parent, strerror(errno));
		return 1;
	}
	if (watch_dir(&f) == 0) {
		open_events(&f, 1);     /* history is not replayed */
		show_state(&f);
	} else {
		log_info("%s: waiting for it", rundir());
	}
	for (;;) {
		err = read_inotify(&f);
		if (err < 0) {
			log_err("inotify: %s", strerror(-err));
			return 1;
		}
		catch_up(&f);
	}
}
