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

/* The pieces of the fail-closed state, each defined once, in gateway.c's
 * gw_pieces[]: `forwarding status`, `status --check`, the repair the
 * down hook does and the tests (`forwarding status --pieces`) all go by
 * that table. */
enum gw_piece {
	GW_RULE4, GW_RULE6,           /* policy rules 'fwmark 0x78 lookup 78' */
	GW_BLACKHOLE4, GW_BLACKHOLE6, /* blackhole defaults in table 78 */
	GW_KS_TABLE,                  /* nft table inet qubes-vpn */
	GW_KS_MARK,                   /* its rules, found by chain and comment */
	GW_KS_DROP,
	GW_KS_DNS_UDP, GW_KS_DNS_TCP,
	GW_PIECES
};
struct gw_piece_def {
	const char *id;               /* for scripts: "rule4", "nft:forward:drop-downstream" */
	const char *name;             /* for people */
	const char *chain, *comment;  /* an nft rule of the kill switch; else NULL */
};
extern const struct gw_piece_def gw_pieces[GW_PIECES];

/* What is in place, read from the kernel. */
struct gw_status {
	int present[GW_PIECES];
	uint64_t packets[GW_PIECES], bytes[GW_PIECES]; /* the nft rules' counters */
	int tunnel_route[2];      /* [0] IPv4, [1] IPv6: unicast default in table 78 */
	char tunnel_dev[2][IF_NAMESIZE];
	int dns_table;            /* inet qubes-vpn-dns exists and is active */
	char dns_desc[256];       /* its description (VPN DNS servers) */
};
int gw_read_status(struct gw_status *st);
/* Every piece of the fail-closed state is there. */
int gw_status_complete(const struct gw_status *st);

/* 0 when the process holds CAP_NET_ADMIN in its effective set; otherwise
 * logs why it is needed and returns -EPERM. */
int require_net_admin(void);

/* What every OpenVPN hook does first: answer --help (usage on stdout),
 * refuse more arguments than OpenVPN passes, require CAP_NET_ADMIN, take
 * the gateway lock. Returns -1 to go on, otherwise the exit status the
 * hook returns at once. */
struct help;
int gw_hook_begin(int argc, char **argv, const struct help *usage);

#endif
