/* session.h - the caller's own desktop session bus, found without relying
 * on inherited environment: /run/user/UID/bus for the caller's UID, the
 * directory and the socket both owned by the caller. Never another user's. */
#ifndef QVPN_SESSION_H
#define QVPN_SESSION_H

struct session {
	char runtime[160];        /* /run/user/UID */
	char bus[176];            /* /run/user/UID/bus */
};

/* The root is $QUBES_VPN_SESSION_ROOT when absolute (tests), else /run/user.
 * 0, or -ENOENT when the caller has no desktop session here. */
int session_own(struct session *s);

#endif
