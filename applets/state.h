/* state.h - the small, volatile record of the connection in the run
 * directory (/run/qubes-vpn/state): for people and for status. */
#ifndef QVPN_STATE_H
#define QVPN_STATE_H

/* Record "connected through dev" (server and DNS for people; either may be
 * ""). Failing to write is logged, never fatal: the kernel state is what
 * protects, this file only describes it. */
void state_write_connected(const char *dev, const char *server, const char *dns);
/* Record "blocked". */
void state_write_blocked(void);

#endif
