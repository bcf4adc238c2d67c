/* gateway.h - the gateway's two states, blocked and connected, as routing
 * table 78, two policy rules and the nft table inet qubes-vpn. The one
 * place that knows what those objects look like. */
#ifndef QVPN_GATEWAY_H
#define QVPN_GATEWAY_H

#include <stdint.h>
#include <net/if.h>
#include <netinet/in.h>

#define GW_TABLE 78              /* routing table downstream traffic uses */
#define GW_MARK 0x78             /* fwmark that steers into it */
#define GW_RULE_PRIORITY 78      /* ahead of main (32766), after local (0) */
#define GW_PROTO 78              /* rtm_protocol tag of our routes and rules */
#define GW_METRIC_TUNNEL 100     /* tunnel default route wins ... */
#define GW_METRIC_BLACKHOLE 999999 /* ... over the blackhole under it */
#define GW_NFT_TABLE "qubes-vpn"
#define GW_DOWNSTREAM "vif"      /* Qubes names downstream interfaces vifN.M */

#define GW_DNS_MAX 2             /* VPN DNS servers used per family */

/* The connected state; a NULL tunnel everywhere means "blocked". */
struct gw_tunnel {
	char dev[IF_NAMESIZE];
	int has_ipv6;                 /* tunnel carries IPv6: route it */
	unsigned ndns4, ndns6;
	struct in_addr dns4[GW_DNS_MAX];
	struct in6_addr dns6[GW_DNS_MAX];
	struct in_addr vdns4[2];      /* Qubes' virtual DNS addresses */
	struct in6_addr vdns6[2];
	unsigned nvdns6;
};

/* Arm the kill switch in the blocked state: firewall first (one atomic
 * batch), then blackhole routes and policy rules, then drop every other
 * route from table 78. Used by `forwarding on|blackhole` and the down hook. */
int gw_block(void);

/* Remove everything gw_block/gw_connect created, nothing else. */
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
	int nft_allow;            /* forward allow-to-tunnel rule */
	uint64_t marked_packets;               /* steered into table 78 */
	uint64_t drop_packets, drop_bytes;     /* forward drop counters */
	uint64_t dns_drop_packets;             /* DNS drop counters */
};
int gw_read_status(struct gw_status *st);
/* Every piece of the fail-closed state is there. */
int gw_status_complete(const struct gw_status *st);

#endif
