/* gw.h - private to the gateway's files (gateway.c, route.c, dns.c,
 * conntrack.c): what one of them owns and the others use. Applets use
 * gateway.h only. */
#ifndef QVPN_GW_H
#define QVPN_GW_H

#include "gateway.h"
#include "../nl/nl.h"
#include "../nl/nft.h"
#include "../nl/rt.h"

#include <sys/socket.h>

#define KS_WHAT "nft table inet " GW_NFT_TABLE
#define DNS_WHAT "nft table inet " GW_NFT_DNS_TABLE

static inline const char *gw_family_name(uint8_t family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

/* ---- gateway.c: sockets and transactions ---- */

/* nl_run_sock(), its failure to open logged. */
int gw_sock(int bus, struct nl_sock **out);
/* The index of interface dev, 0 if there is none (rt_ifindex()). */
unsigned gw_ifindex(const char *dev);
/* One nfnetlink transaction, its error logged with context. After one
 * that deleted nf_tables objects, releasing the socket (at exit) waits for
 * an RCU grace period, 10-20 ms: nf_tables frees what was deleted first.
 * Only `forwarding on`/`off` and a reconnect with new DNS servers delete;
 * switching states never does, so the hooks' usual path never waits. */
int gw_nft_commit(struct nl_buf *b, int ok, const char *context);
/* nft table inet NAME: *exists, and its flags and user data. */
int gw_read_table(const char *name, struct nft_table_info *info, int *exists);
/* The DNS table as gw_read_table() says, or as the lock's note says it is
 * at the kernel's current generation (gateway.c explains). */
int gw_read_dns(struct nft_table_info *info, int *exists);
/* After a commit of ours changed the DNS table: what it is now (desc: its
 * user data, len bytes with the NUL). */
void gw_seen_dns(int exists, int dormant, const void *desc, size_t len);

/* ---- route.c: table 78, the tunnel's group, this qube's side ---- */

/* The policy rule "fwmark 0x78 lookup 78" of a family. */
void gw_policy_rule(struct rt_rule *r, uint8_t family);
/* Blocked routing: every non-blackhole route of table 78 removed, the
 * blackhole defaults and the policy rules in place. Every step runs even
 * after a failure (each only closes); the first error is returned. */
int gw_routes_blocked(void);
/* Connected, in one transaction: the blocked baseline, the tunnel in
 * interface group 78, its default routes (IPv6 only when t->has_ipv6;
 * otherwise table 78's other IPv6 routes go). */
int gw_tunnel_routes(const struct gw_tunnel *t, unsigned ifindex);
/* Off: the policy rules and every route we tagged, removed. */
int gw_routes_off(void);
/* dev out of interface group 78, back in group 0 (a device that is gone
 * is out already: success). Joining it is part of gw_tunnel_routes(). */
int gw_ungroup(const char *dev);

/* This qube's side of the tunnel: its own addresses (local table) and,
 * with_main, what the main table routes other than by a default route and
 * not through the tunnel (the NetVM, downstream qubes), with gateways. */
#define GW_SIDE_MAX 1024
struct gw_side {
	unsigned n;
	struct rt_route r[GW_SIDE_MAX];
};
int gw_read_side(struct gw_side *side, int with_main, unsigned tunnel);
/* The route that places a on this side, or NULL: this qube's own
 * addresses first, then the prefixes of the main table, then (*via_gw)
 * its gateways. */
const struct rt_route *gw_side_route(const struct gw_side *side, uint8_t family,
				     const uint8_t *a, int *via_gw);

/* ---- dns.c: table inet qubes-vpn-dns ---- */

/* Virtual DNS address i of a family (v6: IPv6). */
const void *gw_vdns_at(const struct gw_tunnel *t, int v6, unsigned i);
/* Make the DNS table dormant, if there is one. */
int gw_dns_sleep(void);
/* Install the DNS table for t, or wake the one that already says so: 1
 * if (re)built, 0 if woken, or -errno. */
int gw_dns_wake(const struct gw_tunnel *t);

/* ---- conntrack.c ---- */

/* Delete the conntrack entries of forwarded connections (dns non-NULL:
 * only those to its virtual DNS addresses). */
int gw_flush_conntrack(const struct gw_tunnel *dns, const char *context);

#endif
