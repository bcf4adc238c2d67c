/* session.h - find the desktop user's D-Bus session without relying on
 * inherited environment: the lowest UID >= 1000 that owns a directory
 * /run/user/UID holding a socket "bus" it also owns. */
#ifndef QVPN_SESSION_H
#define QVPN_SESSION_H

#include <sys/types.h>

struct session {
	uid_t uid;
	gid_t gid;                /* group of the runtime directory */
	char runtime[160];        /* /run/user/UID */
	char bus[176];            /* /run/user/UID/bus */
};

/* The root is $QUBES_VPN_SESSION_ROOT when absolute (tests), else /run/user.
 * 0, or -ENOENT when no desktop session exists. */
int session_find(struct session *s);

#endif
