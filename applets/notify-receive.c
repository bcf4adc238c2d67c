/* notify-receive.c - the dom0 side of notifications: the qrexec service
 * qubesvpn.Notify. Trusts nothing it reads: the calling qube may be
 * compromised. Validates the message format strictly, sanitizes the text
 * again, and shows it with the calling qube's name as its source.
 *
 * Usage: qubesvpn.Notify < MESSAGE (qrexec sets QREXEC_REMOTE_DOMAIN); the
 * format is lib/message.h's. Exit status: 0 shown, 1 refused or not shown,
 * 2 usage. */
#include "applets.h"
#include "../lib/help.h"
#include "../lib/log.h"
#include "../lib/message.h"
#include "../lib/notify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SHOW_TIMEOUT_MS 2000

HELP_TEXT(notify_receive,
"Usage: qubesvpn.Notify   (as a qrexec service in dom0)\n"
"       qubes-vpn-notify-receive < MESSAGE\n"
"\n"
"Reads one notification from a VPN qube on stdin and shows it on the\n"
"desktop as coming from that qube ($QREXEC_REMOTE_DOMAIN). The message:\n"
"  " NOTIFY_FORMAT "\n"
"  urgency=low|normal|critical\n"
"  summary=TEXT\n"
"  body=TEXT\n"
"each line once, in this order, at most 2048 bytes in all. Anything else is\n"
"refused. TEXT is sanitized again (control and bidi-override characters\n"
"removed, summary cut at 128 bytes, body at 512).\n"
"Exit status: 0 shown, 1 refused or not shown, 2 usage error.\n");

/* A Qubes qube name: a letter, then letters, digits, '_', '.', '-'; at
 * most 31 characters. */
static int valid_qube_name(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 31 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return 0;
	for (i = 1; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

static int refuse(const char *why)
{
	log_err("refusing a notification: %s", why);
	return 1;
}

static int read_message(char *buf, size_t size, size_t *len)
{
	ssize_t n;

	*len = 0;
	while (*len < size) {
		n = read(STDIN_FILENO, buf + *len, size - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	return 0;
}

int notify_receive_main(int argc, char **argv)
{
	char buf[NOTIFY_MESSAGE_MAX + 2], summary[NOTIFY_SUMMARY_MAX + 64], s[NOTIFY_SUMMARY_MAX];
	char b[NOTIFY_BODY_MAX];
	const char *qube = getenv("QREXEC_REMOTE_DOMAIN");
	const char *why;
	enum urgency u;
	size_t len;

	if (wants_help(argc, argv)) {
		help_print(&usage);
		return 0;
	}
	if (argc > 1)
		usage_error("takes no arguments: the message comes on stdin");
	if (!qube || !valid_qube_name(qube))
		return refuse("QREXEC_REMOTE_DOMAIN is missing or not a qube name");
	if (read_message(buf, NOTIFY_MESSAGE_MAX + 1, &len) < 0)
		return refuse("cannot read stdin");
	if (notify_parse(buf, len, &u, s, b, &why) < 0)
		return refuse(why);
	snprintf(summary, sizeof(summary), "%s (%s)", s, qube);
	qlog(u == URGENCY_CRITICAL ? LOG_WARNING : LOG_INFO, "from %s: %s%s%s", qube, s,
	     b[0] ? ": " : "", b);

	return notify_desktop(u, summary, b, SHOW_TIMEOUT_MS) == 0 ? 0 : 1;
}
