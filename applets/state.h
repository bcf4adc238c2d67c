/* state.h - the small, volatile record of the connection in the run
 * directory (/run/qubes-vpn/state): for people, and for the privileged
 * qubes-vpn-resolv, which a path unit starts whenever the file changes
 * (every change of state is written, even a repeated one). */
#ifndef QVPN_STATE_H
#define QVPN_STATE_H

/* Record "connected through dev" (server for people; dns the accepted VPN
 * DNS servers as literals separated by ", ", which qubes-vpn-resolv puts
 * into /etc/resolv.conf; either may be ""). Failing to write is logged, never fatal: the kernel state is what
 * protects, this file only describes it. */
void state_write_connected(const char *dev, const char *server, const char *dns);
/* Record "blocked". */
void state_write_blocked(void);
/* Record "off": the kill switch is not armed. */
void state_write_off(void);

#endif
