/* notify.h - telling the person at the keyboard. The hooks only record
 * (a journal line and a line in RUNDIR/events); delivery is done by
 * processes of their own, each as the user it delivers for: in a desktop
 * session notify-send on that session's own bus, as root qrexec to dom0. */
#ifndef QVPN_NOTIFY_H
#define QVPN_NOTIFY_H

#include "message.h"

/* Sanitize summary and body into s (NOTIFY_SUMMARY_MAX) and b
 * (NOTIFY_BODY_MAX) and log them: one journal line. */
void notify_log(enum urgency u, const char *summary, const char *body, char *s, char *b);

/* For the hooks: log and append to RUNDIR/events, nothing else: no
 * process, no delivery (a notifier following the file delivers). */
void notify_event(enum urgency u, const char *summary, const char *body);

/* notify-send in the caller's own desktop session ($QUBES_VPN_SESSION_ROOT
 * or /run/user, then /UID/bus, owned by the caller), never as root and
 * never on another user's bus. s and b must be sanitized. 0 when shown,
 * -EPERM as root, -ENOENT without a session of our own, -EIO otherwise. */
int notify_desktop(enum urgency u, const char *s, const char *b, int timeout_ms);

/* qrexec-client-vm dom0 qubesvpn.Notify with the message on stdin: root
 * only (the qrexec vchan needs the Xen devices). 0 when dom0 took it. */
int notify_qrexec(enum urgency u, const char *s, const char *b, int timeout_ms);

#endif
