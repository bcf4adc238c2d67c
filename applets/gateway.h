/* gateway.h - the gateway's kernel state: routing table 78 behind fwmark
 * rules, the static kill-switch table inet qubes-vpn, and the per-connection
 * DNS table inet qubes-vpn-dns. The one place that knows their shape. */
#ifndef QVPN_GATEWAY_H
#define QVPN_GATEWAY_H

#include <stdint.h>
#include <net/if.h>
#include <netinet/in.h>

#define GW_TABLE 78              /* routing table downstream traffic uses */
#define GW_MARK 0x78             /* fwmark that steers into it */
#define GW_RULE_PRIORITY 78      /* ahead of main (32766), after local (0) */
#define GW_PROTO 78              /* rtm_protocol tag of our routes and rules */
#define GW_GROUP 78              /* interface group of the VPN tunnel */
#define GW_METRIC_TUNNEL 100     /* tunnel default route wins ... */
#define GW_METRIC_BLACKHOLE 999999 /* ... over the blackhole under it */
#define GW_NFT_TABLE "qubes-vpn"
#define GW_NFT_DNS_TABLE "qubes-vpn-dns"
#define GW_DOWNSTREAM "vif"      /* Qubes names downstream interfaces vifN.M */

#define GW_DNS_MAX 2             /* VPN DNS servers used per family */

/* What the connected state needs to know. */
struct gw_tunnel {
	char dev[IF_NAMESIZE];
	int has_ipv6;                 /* route downstream IPv6 into the tunnel */
	unsigned ndns4, ndns6;
	struct in_addr dns4[GW_DNS_MAX];
	struct in6_addr dns6[GW_DNS_MAX];
	unsigned nvdns4, nvdns6;      /* Qubes' virtual DNS addresses */
	struct in_addr vdns4[2];
	struct in6_addr vdns6[2];
};

/* Fill t->dns4 / t->dns6 with the first GW_DNS_MAX candidates that are not
 * on this side of the tunnel. Refused, each with a log line: this qube's
 * own addresses, addresses the main table routes outside the tunnel other
 * than by a default route (the NetVM, downstream qubes), and the main
 * table's gateways; DNS sent there would not be the VPN's. t->dev must be
 * set. 0 or -errno (then no server is taken). */
int gw_pick_dns(struct gw_tunnel *t, const struct in_addr *c4, unsigned n4,
		const struct in6_addr *c6, unsigned n6);

/* `forwarding on`: (re)install everything in the blocked state -- the
 * kill-switch table replaced atomically, no DNS table, blackhole routes and
 * policy rules, every other route of table 78 removed. */
int gw_on(void);

/* `forwarding blackhole` and the down hook: return to the blocked state
 * without rebuilding what is intact -- tunnel routes removed first, the DNS
 * table made dormant, the tunnel's group cleared (dev may be NULL or gone);
 * the kill switch repaired if any piece of it is missing. */
int gw_blackhole(const char *dev);

/* The up hook: tunnel group, DNS table, then the routes that let traffic
 * flow. Any failure ends in gw_blackhole(). */
int gw_connect(const struct gw_tunnel *tun);

/* `forwarding off`: remove everything we created, nothing else. */
int gw_off(void);

/* What is in place, read from the kernel. */
struct gw_status {
	int rule[2];              /* [0] IPv4, [1] IPv6 policy rule present */
	int blackhole[2];         /* blackhole default in table 78 */
	int tunnel_route[2];      /* unicast default in table 78 */
	char tunnel_dev[2][IF_NAMESIZE];
	int nft_table;            /* inet qubes-vpn exists */
	int nft_mark;             /* downstream marking rule */
	int nft_drop;             /* forward drop rule */
	int nft_dns_drop;         /* input DNS drop rules */
	int dns_table;            /* inet qubes-vpn-dns exists and is active */
	char dns_desc[256];       /* its description (VPN DNS servers) */
	uint64_t marked_packets;  /* steered into table 78 */
	uint64_t drop_packets, drop_bytes;  /* forward drop counter */
	uint64_t dns_drop_packets;          /* input DNS drop counters */
};
int gw_read_status(struct gw_status *st);
/* Every piece of the fail-closed state is there. */
int gw_status_complete(const struct gw_status *st);

#endif
