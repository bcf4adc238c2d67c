/* message.c - the notification message a VPN qube sends over qrexec and
 * dom0's qubesvpn.Notify parses (format in message.h). Pure: no I/O. */
#include "message.h"
#include "sanitize.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

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

	if (len > NOTIFY_MESSAGE_MAX) {
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
