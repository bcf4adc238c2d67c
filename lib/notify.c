/* notify.c - telling the person at the keyboard. Always a journal line
 * and a line in RUNDIR/events, so that a notifier started later, or a
 * person, can still see what happened; then delivery, in order, within
 * 2 s in all:
 *   1. qrexec-client-vm dom0 qubesvpn.Notify, the message on stdin;
 *   2. notify-send as the desktop user, in that user's own session (never
 *      as root on the user's bus), app name qubes-vpn. */
#include "notify.h"
#include "helper.h"
#include "log.h"
#include "rundir.h"
#include "sanitize.h"
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>

#define NOTIFY_STEP_MS 1000        /* each path; two paths: 2 s in all */

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

int notify_deliver(enum urgency u, const char *s, const char *b)
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

void notify_record(enum urgency u, const char *summary, const char *body, char *s, char *b)
{
	sanitize_text(summary, s, NOTIFY_SUMMARY_MAX);
	sanitize_text(body ? body : "", b, NOTIFY_BODY_MAX);
	qlog(u == URGENCY_CRITICAL ? LOG_WARNING : LOG_INFO, "notify: %s%s%s", s,
	     b[0] ? ": " : "", b);
	event_append(urgency_name(u), s, b);
}

void notify_event(enum urgency u, const char *summary, const char *body)
{
	char s[NOTIFY_SUMMARY_MAX], b[NOTIFY_BODY_MAX];
	int fd;

	notify_record(u, summary, body, s, b);
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
	notify_deliver(u, s, b);
	_exit(0);
}
