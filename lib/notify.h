/* notify.h - tell the person at the keyboard: over qrexec to the GUI
 * domain, else with notify-send in the qube's desktop session; always a
 * journal line and a line in the run directory's events log. */
#ifndef QVPN_NOTIFY_H
#define QVPN_NOTIFY_H

#include "message.h"

/* Sanitize summary and body into s (NOTIFY_SUMMARY_MAX) and b
 * (NOTIFY_BODY_MAX), log them and append them to RUNDIR/events. */
void notify_record(enum urgency u, const char *summary, const char *body, char *s, char *b);

/* Deliver s/b (sanitized): qrexec, else notify-send. 0 when someone took
 * it. At most 2 s. */
int notify_deliver(enum urgency u, const char *s, const char *b);

/* For the hooks: record now, deliver in a detached child (at most 2 s),
 * so the caller never waits and never fails because of it. */
void notify_event(enum urgency u, const char *summary, const char *body);

/* notify-send as the desktop user, in that user's session (never as
 * root on the user's bus). s and b must be sanitized. 0 when shown. */
int notify_desktop(enum urgency u, const char *s, const char *b, int timeout_ms);

#endif
