/* notify.h - tell the person at the keyboard: over qrexec to the GUI
 * domain, else with notify-send in the qube's desktop session; always a
 * journal line and a line in the run directory's events log. */
#ifndef QVPN_NOTIFY_H
#define QVPN_NOTIFY_H

#include <stddef.h>

enum urgency { URGENCY_LOW, URGENCY_NORMAL, URGENCY_CRITICAL };

#define NOTIFY_SUMMARY_MAX 128    /* bytes, after sanitizing */
#define NOTIFY_BODY_MAX 512
#define NOTIFY_SERVICE "qubesvpn.Notify"
#define NOTIFY_FORMAT "qubes-vpn-notify/1"

/* For the hooks: journal + events log now, delivery in a detached child
 * (at most 2 s), so the caller never waits and never fails because of it. */
void notify_event(enum urgency u, const char *summary, const char *body);

/* The message sent over qrexec (documented in README, parsed again by
 * the dom0 service): NOTIFY_FORMAT, then urgency=, summary=, body= lines,
 * values sanitized (no line breaks). Returns its length. */
int notify_format(char *out, unsigned size, enum urgency u, const char *summary,
		  const char *body);

/* notify-send as the desktop user, in that user's session (never as
 * root on the user's bus). s and b must be sanitized. 0 when shown. */
int notify_desktop(enum urgency u, const char *s, const char *b, int timeout_ms);

/* The dom0 side's parser of that message (notify-receive.c). */
int notify_parse(char *buf, size_t len, enum urgency *u, char *summary, char *body,
		 const char **why);

const char *urgency_name(enum urgency u);
int urgency_parse(const char *s, enum urgency *u);

#endif
