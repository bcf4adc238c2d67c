/* message.h - the notification message: what a VPN qube sends to dom0's
 * qrexec service qubesvpn.Notify (documented in README), and its parser
 * there, which trusts nothing (the sending qube may be compromised):
 *   qubes-vpn-notify/1
 *   urgency=low|normal|critical
 *   summary=TEXT
 *   body=TEXT
 * each line once, in this order, at most NOTIFY_MESSAGE_MAX bytes. */
#ifndef QVPN_MESSAGE_H
#define QVPN_MESSAGE_H

#include <stddef.h>

enum urgency { URGENCY_LOW, URGENCY_NORMAL, URGENCY_CRITICAL };

#define NOTIFY_SUMMARY_MAX 128    /* bytes, after sanitizing */
#define NOTIFY_BODY_MAX 512
#define NOTIFY_MESSAGE_MAX 2048
#define NOTIFY_SERVICE "qubesvpn.Notify"
#define NOTIFY_FORMAT "qubes-vpn-notify/1"

const char *urgency_name(enum urgency u);
/* "low", "normal" or "critical"; otherwise -EINVAL. */
int urgency_parse(const char *s, enum urgency *u);

/* The message for summary and body, sanitized here (no line breaks).
 * Returns its length, as snprintf does. */
int notify_format(char *out, unsigned size, enum urgency u, const char *summary,
		  const char *body);

/* Parse and check one message (buf holds len bytes and room for a NUL).
 * On success fills u, s and b (sanitized, NUL-terminated, sizes
 * NOTIFY_SUMMARY_MAX and NOTIFY_BODY_MAX) and returns 0; otherwise returns
 * -EINVAL and *why says why. */
int notify_parse(char *buf, size_t len, enum urgency *u, char *s, char *b,
		 const char **why);

#endif
