/* notify.c - the notify applet, and the notifications the hooks send.
 *
 * Delivery, in order, within NOTIFY_TOTAL_MS:
 *   1. qrexec-client-vm dom0 qubesvpn.Notify, the message on stdin;
 *   2. notify-send as the desktop user, in that user's own session (never
 *      as root on the user's bus), app name qubes-vpn;
 * and always, before either: a journal line (stderr) and a line appended
 * to RUNDIR/events, so that a notifier started later, or a person, can
 * still see what happened. */
#include "notify.h"
#include "applet.h"
#include "helper.h"
#include "sanitize.h"
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>

#define NOTIFY_STEP_MS 1000        /* each path; two paths: 2 s in all */
#define EVENTS_MAX (64L * 1024)    /* then events -> events.old */

static const char usage[] =
"Usage: qubes-vpn-notify [--urgency low|normal|critical] SUMMARY [BODY]\n"
"\n"
"Shows a desktop notification about the VPN: first over qrexec\n"
"(qrexec-client-vm dom0 " NOTIFY_SERVICE "), else with notify-send in the\n"
"qube's desktop session (as the desktop user, found from /run/user/UID/bus).\n"
"Always logs a line and appends it to RUNDIR/events (RUNDIR is\n"
"$QUBES_VPN_RUNDIR or /run/qubes-vpn). Text is sanitized: control and\n"
"bidirectional-override characters are removed, SUMMARY is cut at 128\n"
"bytes, BODY at 512. Gives up after 2 seconds in all.\n"
"Exit status: 0 shown, 1 not shown (but logged), 2 usage error.\n";

static const char *const urgency_names[] = { "low", "normal", "critical" };

const char *urgency_name(enum urgency u)
{
	return urgency_names[u];
}

int urgency_parse(const char *s, enum urgency *u)
{
	unsigned i;

	for (i = 0; i < 3; i++)
		if (!strcmp(s, urgency_names[i])) {
			*u = (enum urgency)i;
			return 0;
		}
	return -EINVAL;
}

int notify_format(char *out, unsigned size, enum urgency u, const char *summary,
		  const char *body)
{
	char s[NOTIFY_SUMMARY_MAX], b[NOTIFY_BODY_MAX];

	sanitize_text(summary, s, sizeof(s));
	sanitize_text(body ? body : "", b, sizeof(b));
	return snprintf(out, size, NOTIFY_FORMAT "\nurgency=%s\nsummary=%s\nbody=%s\n",
			urgency_name(u), s, b);
}

/* RUNDIR/events: one line per notification, bounded in size. */
static void append_event(enum urgency u, const char *summary, const char *body)
{
	char path[256], old[272], line[NOTIFY_SUMMARY_MAX + NOTIFY_BODY_MAX + 64];
	struct stat st;
	time_t now = time(NULL);
	struct tm tm;
	int fd, n;

	if (mkdir(rundir(), 0755) < 0 && errno != EEXIST)
		return;
	snprintf(path, sizeof(path), "%s/events", rundir());
	if (lstat(path, &st) == 0 && st.st_size > EVENTS_MAX) {
		snprintf(old, sizeof(old), "%s.old", path);
		rename(path, old);
	}
	/* The UTC time by hand: strftime would bring in musl's time zone code. */
	gmtime_r(&now, &tm);
	n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02dZ %s %s%s%s\n",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		     tm.tm_sec, urgency_name(u), summary, body[0] ? ": " : "", body);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_warn("writing %s: %s", path, strerror(errno));
		return;
	}
	if (write(fd, line, (size_t)n) != n)
		log_warn("writing %s: short write", path);
	close(fd);
}

static void describe_failure(const char *what, int rc)
{
	if (rc == -ENOENT)
		log_info("%s: not installed", what);
	else if (rc == -ETIMEDOUT)
		log_warn("%s: no answer within %d ms, given up", what, NOTIFY_STEP_MS);
	else if (rc < 0)
		log_warn("%s: %s", what, strerror(-rc));
	else if (rc == 126)
		log_warn("%s: could not switch to the desktop user", what);
	else
		log_warn("%s: exit status %d", what, rc);
}

int notify_desktop(enum urgency u, const char *s, const char *b, int timeout_ms)
{
	char bus_env[224], rt_env[180], urg[32];
	char *envp[] = { bus_env, rt_env, "PATH=" HELPER_DEFAULT_PATH, "HOME=/",
			 "LANG=C.UTF-8", NULL };
	char *send[] = { "notify-send", "--app-name=qubes-vpn", urg, "--", (char *)s,
			 (char *)b, NULL };
	struct helper_user user;
	struct session ses;
	int rc;

	if (session_find(&ses) < 0) {
		log_info("notify-send: no desktop session here");
		return -ENOENT;
	}
	if (geteuid() != 0 && geteuid() != ses.uid) {
		log_info("notify-send: cannot act as the desktop user (uid %u)",
			 (unsigned)ses.uid);
		return -EPERM;
	}
	snprintf(bus_env, sizeof(bus_env), "DBUS_SESSION_BUS_ADDRESS=unix:path=%s", ses.bus);
	snprintf(rt_env, sizeof(rt_env), "XDG_RUNTIME_DIR=%s", ses.runtime);
	snprintf(urg, sizeof(urg), "--urgency=%s", urgency_name(u));
	if (!b[0])
		send[5] = NULL;
	user.uid = ses.uid;
	user.gid = ses.gid;
	rc = helper_run(send, envp, &user, NULL, NULL, 0, timeout_ms);
	if (rc == 0) {
		log_debug("notification shown with notify-send as uid %u", (unsigned)ses.uid);
		return 0;
	}
	describe_failure("notify-send", rc);
	return -EIO;
}

/* Deliver s/b (already sanitized). 0 when someone took it. */
static int deliver(enum urgency u, const char *s, const char *b)
{
	char *qrexec[] = { "qrexec-client-vm", "dom0", NOTIFY_SERVICE, NULL };
	char msg[NOTIFY_SUMMARY_MAX + NOTIFY_BODY_MAX + 64];
	int rc;

	notify_format(msg, sizeof(msg), u, s, b);
	rc = helper_run(qrexec, NULL, NULL, msg, NULL, 0, NOTIFY_STEP_MS);
	if (rc == 0) {
		log_debug("notification sent over qrexec");
		return 0;
	}
	describe_failure("qrexec-client-vm dom0 " NOTIFY_SERVICE, rc);
	return notify_desktop(u, s, b, NOTIFY_STEP_MS);
}

/* Sanitize, log, record; returns through s and b the sanitized text. */
static void record(enum urgency u, const char *summary, const char *body, char *s, char *b)
{
	sanitize_text(summary, s, NOTIFY_SUMMARY_MAX);
	sanitize_text(body ? body : "", b, NOTIFY_BODY_MAX);
	qlog(u == URGENCY_CRITICAL ? LOG_WARNING : LOG_INFO, "notify: %s%s%s", s,
	     b[0] ? ": " : "", b);
	append_event(u, s, b);
}

void notify_event(enum urgency u, const char *summary, const char *body)
{
	char s[NOTIFY_SUMMARY_MAX], b[NOTIFY_BODY_MAX];
	int fd;

	record(u, summary, body, s, b);
	fflush(NULL);
	/* The child outlives us; the hook's caller waits for us only. */
	if (fork() != 0)
		return;
	gateway_lock_drop();
	setsid();
	/* Nobody waits for this: let it yield the CPU to whatever the VPN
	 * does next (a reconnect, the next hook). */
	setpriority(PRIO_PROCESS, 0, 10);
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
	}
	deliver(u, s, b);
	_exit(0);
}

int notify_main(int argc, char **argv)
{
	char s[NOTIFY_SUMMARY_MAX], b[NOTIFY_BODY_MAX];
	enum urgency u = URGENCY_NORMAL;
	int i = 1;

	if (wants_help(argc, argv)) {
		fputs(usage, stdout);
		return 0;
	}
	if (i < argc && !strncmp(argv[i], "--urgency", 9)) {
		const char *v = argv[i][9] == '=' ? argv[i] + 10 : NULL;

		if (!v && argv[i][9] == '\0' && i + 1 < argc)
			v = argv[++i];
		if (!v || urgency_parse(v, &u) < 0)
			usage_error("--urgency takes low, normal or critical");
		i++;
	}
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (argc - i < 1 || argc - i > 2)
		usage_error("expected SUMMARY [BODY]");
	if (!argv[i][0])
		usage_error("SUMMARY is empty");
	record(u, argv[i], argc - i == 2 ? argv[i + 1] : "", s, b);
	return deliver(u, s, b) == 0 ? 0 : 1;
}
