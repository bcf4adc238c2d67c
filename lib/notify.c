/* notify.c - telling the person at the keyboard (see notify.h). Nothing
 * here runs a program as anyone but the caller. */
#include "notify.h"
#include "helper.h"
#include "log.h"
#include "rundir.h"
#include "sanitize.h"
#include "session.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void describe_failure(const char *what, int rc, int timeout_ms)
{
	if (rc == -ENOENT)
		log_info("%s: not installed", what);
	else if (rc == -ETIMEDOUT)
		log_warn("%s: no answer within %d ms, given up", what, timeout_ms);
	else if (rc < 0)
		log_warn("%s: %s", what, strerror(-rc));
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
	struct session ses;
	int rc;

	if (getuid() == 0 || geteuid() == 0) {
		log_warn("notify-send: not as root");
		return -EPERM;
	}
	if (session_own(&ses) < 0) {
		log_info("notify-send: no desktop session of uid %u here", (unsigned)getuid());
		return -ENOENT;
	}
	snprintf(bus_env, sizeof(bus_env), "DBUS_SESSION_BUS_ADDRESS=unix:path=%s", ses.bus);
	snprintf(rt_env, sizeof(rt_env), "XDG_RUNTIME_DIR=%s", ses.runtime);
	snprintf(urg, sizeof(urg), "--urgency=%s", urgency_name(u));
	if (!b[0])
		send[5] = NULL;
	rc = helper_run(send, envp, NULL, NULL, 0, timeout_ms);
	if (rc == 0) {
		log_debug("notification shown with notify-send");
		return 0;
	}
	describe_failure("notify-send", rc, timeout_ms);
	return -EIO;
}

int notify_qrexec(enum urgency u, const char *s, const char *b, int timeout_ms)
{
	char *qrexec[] = { "qrexec-client-vm", "dom0", NOTIFY_SERVICE, NULL };
	char msg[NOTIFY_SUMMARY_MAX + NOTIFY_BODY_MAX + 64];
	int rc;

	if (geteuid() != 0) {
		log_warn("qrexec-client-vm: root only");
		return -EPERM;
	}
	notify_format(msg, sizeof(msg), u, s, b);
	rc = helper_run(qrexec, NULL, msg, NULL, 0, timeout_ms);
	if (rc == 0) {
		log_debug("notification sent over qrexec");
		return 0;
	}
	describe_failure("qrexec-client-vm dom0 " NOTIFY_SERVICE, rc, timeout_ms);
	return -EIO;
}

void notify_log(enum urgency u, const char *summary, const char *body, char *s, char *b)
{
	sanitize_text(summary, s, NOTIFY_SUMMARY_MAX);
	sanitize_text(body ? body : "", b, NOTIFY_BODY_MAX);
	qlog(u == URGENCY_CRITICAL ? LOG_WARNING : LOG_INFO, "notify: %s%s%s", s,
	     b[0] ? ": " : "", b);
}

void notify_event(enum urgency u, const char *summary, const char *body)
{
	char s[NOTIFY_SUMMARY_MAX], b[NOTIFY_BODY_MAX];

	notify_log(u, summary, body, s, b);
	event_append(urgency_name(u), s, b);
}
