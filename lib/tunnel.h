/* tunnel.h - what every way of connecting (OpenVPN's up hook, WireGuard's
 * applet) does the same around gw_connect(): Qubes' virtual DNS addresses
 * and the accepted DNS servers as text. */
#ifndef QVPN_TUNNEL_H
#define QVPN_TUNNEL_H

#include <stddef.h>
#include "gateway.h"
#include "qubesdb.h"

/* The whole QubesDB session (connect and both reads); the daemon answers
 * in microseconds. */
#define QUBESDB_TIMEOUT_MS 1000

/* Qubes' virtual DNS addresses, which downstream qubes send their DNS to:
 * IPv4 from QubesDB (the documented defaults when it cannot say), IPv6
 * fixed. Every fallback is logged with the key and the reason. */
void tunnel_virtual_dns(struct gw_tunnel *t);
/* The same in two halves: tunnel_virtual_dns_ask sends QubesDB both
 * requests and returns at once, so that its daemon answers while the
 * caller works on; tunnel_virtual_dns_take then waits for the answers
 * (within the same QUBESDB_TIMEOUT_MS) and closes q. */
void tunnel_virtual_dns_ask(struct qdb *q);
void tunnel_virtual_dns_take(struct gw_tunnel *t, struct qdb *q);

/* t's accepted DNS servers, "a, b, c" ("" when none). */
void tunnel_dns_list(const struct gw_tunnel *t, char *out, size_t size);

#endif
