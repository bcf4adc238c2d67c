/* notify-receive.c - the dom0 side of notifications: the qrexec service
 * qubesvpn.Notify. Trusts nothing it reads: the calling qube may be
 * compromised. Validates the message format strictly, sanitizes the text
 * again, and shows it with the calling qube's name as its source. */
#include "applet.h"
#include "notify.h"
#include "sanitize.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MESSAGE_MAX 2048
#define SHOW_TIMEOUT_MS 2000

static const char usage[] =
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
"Exit status: 0 shown, 1 refused or not shown, 2 usage error.\n";

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

/* Next line of *p (without its '\n'), which must start with key; NULL if
 * it does not or if the message ends without '\n'. */
static char *take_line(char **p, const char *key)
{
	char *line = *p, *nl = strchr(line, '\n');
	size_t k = strlen(key);

	if (!nl || strncmp(line, key, k))
		return NULL;
	*nl = '\0';
	*p = nl + 1;
	return line + k;
}

/* Parse and check one message (buf holds len bytes and room for a NUL).
 * On success fills u, s and b (sanitized, NUL-terminated, sizes
 * NOTIFY_SUMMARY_MAX and NOTIFY_BODY_MAX) and returns 0; otherwise returns
 * -EINVAL and says why. */
int notify_parse(char *buf, size_t len, enum urgency *u, char *s, char *b, const char **why)
{
	char *p = buf, *v_urg, *v_sum, *v_body;

	if (len > MESSAGE_MAX) {
		*why = "message longer than 2048 bytes";
		return -EINVAL;
	}
	if (memchr(buf, '\0', len)) {
		*why = "message contains NUL bytes";
		return -EINVAL;
	}
	buf[len] = '\0';
	if (!take_line(&p, NOTIFY_FORMAT) || strcmp(buf, NOTIFY_FORMAT)) {
		*why = "not a " NOTIFY_FORMAT " message";
		return -EINVAL;
	}
	v_urg = take_line(&p, "urgency=");
	v_sum = v_urg ? take_line(&p, "summary=") : NULL;
	v_body = v_sum ? take_line(&p, "body=") : NULL;
	if (!v_body || *p) {
		*why = "lines missing, out of order, or extra";
		return -EINVAL;
	}
	if (urgency_parse(v_urg, u) < 0) {
		*why = "unknown urgency";
		return -EINVAL;
	}
	sanitize_text(v_sum, s, NOTIFY_SUMMARY_MAX);
	sanitize_text(v_body, b, NOTIFY_BODY_MAX);
	if (!s[0]) {
		*why = "empty summary";
		return -EINVAL;
	}
	return 0;
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
	char buf[MESSAGE_MAX + 2], summary[NOTIFY_SUMMARY_MAX + 64], s[NOTIFY_SUMMARY_MAX];
	char b[NOTIFY_BODY_MAX];
	const char *qube = getenv("QREXEC_REMOTE_DOMAIN");
	const char *why;
	enum urgency u;
	size_t len;

	if (wants_help(argc, argv)) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc > 1)
		usage_error("takes no arguments: the message comes on stdin");
	if (!qube || !valid_qube_name(qube))
		return refuse("QREXEC_REMOTE_DOMAIN is missing or not a qube name");
	if (read_message(buf, MESSAGE_MAX + 1, &len) < 0)
		return refuse("cannot read stdin");
	if (notify_parse(buf, len, &u, s, b, &why) < 0)
		return refuse(why);
	snprintf(summary, sizeof(summary), "%s (%s)", s, qube);
	qlog(u == URGENCY_CRITICAL ? LOG_WARNING : LOG_INFO, "from %s: %s%s%s", qube, s,
	     b[0] ? ": " : "", b);

	return notify_desktop(u, summary, b, SHOW_TIMEOUT_MS) == 0 ? 0 : 1;
}
