/* gateway.c - builds and reads the gateway's kernel state.
 *
 * Routing: policy rules "fwmark 0x78 lookup 78" (IPv4, IPv6, priority 78);
 * table 78 holds a blackhole default (metric 999999) and, while connected,
 * a default route into the tunnel (metric 100) that wins over it.
 *
 * The kill switch, table inet qubes-vpn, is the same in every state, so
 * connecting and disconnecting never rewrite it:
 *   prerouting  filter -150  iifname "vif*" counter meta mark set 0x78
 *   input       filter  -10  iifname "vif*" udp|tcp dport 53 counter drop
 *   forward     filter  -10  iifname "vif*" oifgroup != 78 counter drop
 *                            oifgroup 78 tcp flags syn: mss set rt mtu
 *   postrouting nat      90  oifgroup 78 masquerade
 * The tunnel device is recognised by interface group 78, which the up hook
 * sets: with no tunnel, nothing from downstream is forwarded at all.
 *
 * DNS, table inet qubes-vpn-dns, exists while connected: a nat prerouting
 * chain at dstnat - 10 (before Qubes' dnat-dns, so Qubes rebuilding its
 * chain cannot redirect) that DNATs the virtual DNS addresses to the VPN's
 * servers, or drops what is addressed to them when the VPN gave no server
 * of that family. Disconnecting makes it dormant; DNS then reaches no DNAT of ours
 * and the kill switch drops it. Its user data describes it, so a reconnect
 * with the same servers only wakes it up.
 *
 * Connection tracking: after `on`, the conntrack entries of connections
 * forwarded before are deleted; when the up hook installs new DNS servers,
 * those of forwarded DNS connections to the virtual addresses (see
 * flush_conntrack).
 *
 * Why tables are toggled rather than rewritten: every deletion of an
 * nf_tables object costs an RCU grace period (10-20 ms) when the socket is
 * released, and the next transaction waits for it on the commit mutex. */
#include "gateway.h"
#include "applet.h"
#include "../nl/nl.h"
#include "../nl/rt.h"
#include "../nl/nft.h"
#include "../nl/ct.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/rtnetlink.h>
#include <linux/fib_rules.h>

#define KS_WHAT "nft table inet " GW_NFT_TABLE
#define DNS_WHAT "nft table inet " GW_NFT_DNS_TABLE
#define C_MARK "mark-downstream"
#define C_DROP "drop-downstream"
#define C_DNS_UDP "drop-dns-udp"
#define C_DNS_TCP "drop-dns-tcp"
#define C_MSS "clamp-mss"
#define C_MASQ "masquerade-tunnel"
#define C_DNAT "dns-to-vpn"
#define C_DNS_UNMAPPED "drop-unmapped-dns"

#define PRIO_MANGLE (-150)
#define PRIO_FILTER (-10)        /* before Qubes' own filter chains (0) */
#define PRIO_DSTNAT (-110)       /* before Qubes' dnat-dns (-100) */
#define PRIO_SRCNAT 90           /* before Qubes' masquerade (100) */

static const uint8_t families[2] = { AF_INET, AF_INET6 };

static const char *family_name(uint8_t family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

/* ---- sockets ---- */

static int open_sock(struct nl_sock *s, int bus)
{
	int err = nl_open(s, bus);

	if (err < 0)
		log_err("opening an %s socket: %s",
			bus == NETLINK_ROUTE ? "rtnetlink" : "nfnetlink", strerror(-err));
	return err;
}

/* One socket per bus for the whole run, opened on first use and closed
 * at exit, by a destructor: atexit() would link musl's malloc (6 KB). */
static struct nl_sock shared[2] = { { .fd = -1 }, { .fd = -1 } };

__attribute__((destructor)) static void close_shared(void)
{
	nl_close(&shared[0]);
	nl_close(&shared[1]);
}

static int shared_sock(int bus, struct nl_sock **out)
{
	struct nl_sock *s = &shared[bus == NETLINK_NETFILTER];
	int err;

	if (s->fd < 0) {
		err = open_sock(s, bus);
		if (err < 0)
			return err;
	}
	*out = s;
	return 0;
}

/* One nfnetlink transaction. One that deletes nf_tables objects gets a
 * socket of its own, whose release would wait for an RCU grace period:
 * that release is left to a child (nl_close_nowait). */
static int nft_commit(struct nl_buf *b, int ok, int deletes, const char *context)
{
	struct nl_result res;
	struct nl_sock own, *s = &own;
	int err;

	err = deletes ? open_sock(&own, NETLINK_NETFILTER) : shared_sock(NETLINK_NETFILTER, &s);
	if (err < 0)
		return err;
	err = nl_transact(s, b, ok, &res);
	if (deletes)
		nl_close_nowait(&own);
	if (err < 0)
		log_nl_error(context, &res);
	return err;
}

/* ---- the kill switch ---- */

static void rule_drop_local_dns(struct nl_buf *b, uint8_t l4proto, const char *comment,
				const char *what)
{
	struct nlattr *r = nft_rule_start(b, NFPROTO_INET, GW_NFT_TABLE, "input",
					  comment, what);

	nft_match_ifname_prefix(b, NFT_META_IIFNAME, GW_DOWNSTREAM);
	nft_match_l4proto(b, l4proto);
	nft_match_th_dport(b, 53);
	nft_expr_counter(b);
	nft_expr_verdict(b, NF_DROP, NULL);
	nft_rule_end(b, r);
}

/* The whole table, replaced in one transaction: "add table; delete table;
 * add table ..." is the idiom nft itself uses for an atomic replace. */
static void put_killswitch(struct nl_buf *b)
{
	static const struct nft_hook prerouting = {
		"filter", NF_INET_PRE_ROUTING, PRIO_MANGLE, NF_ACCEPT };
	static const struct nft_hook input = {
		"filter", NF_INET_LOCAL_IN, PRIO_FILTER, NF_ACCEPT };
	static const struct nft_hook forward = {
		"filter", NF_INET_FORWARD, PRIO_FILTER, NF_ACCEPT };
	static const struct nft_hook postrouting = {
		"nat", NF_INET_POST_ROUTING, PRIO_SRCNAT, NF_ACCEPT };
	uint32_t mark = GW_MARK;
	struct nlattr *r;

	nft_table_add(b, NFPROTO_INET, GW_NFT_TABLE, "creating " KS_WHAT);
	nft_table_del(b, NFPROTO_INET, GW_NFT_TABLE, "clearing " KS_WHAT);
	nft_table_add(b, NFPROTO_INET, GW_NFT_TABLE, "re-creating " KS_WHAT);
	nft_chain_add(b, NFPROTO_INET, GW_NFT_TABLE, "prerouting", &prerouting,
		      "adding chain prerouting to " KS_WHAT);
	nft_chain_add(b, NFPROTO_INET, GW_NFT_TABLE, "input", &input,
		      "adding chain input to " KS_WHAT);
	nft_chain_add(b, NFPROTO_INET, GW_NFT_TABLE, "forward", &forward,
		      "adding chain forward to " KS_WHAT);
	nft_chain_add(b, NFPROTO_INET, GW_NFT_TABLE, "postrouting", &postrouting,
		      "adding chain postrouting to " KS_WHAT);

	r = nft_rule_start(b, NFPROTO_INET, GW_NFT_TABLE, "prerouting", C_MARK,
			   "adding rule " C_MARK " to " KS_WHAT);
	nft_match_ifname_prefix(b, NFT_META_IIFNAME, GW_DOWNSTREAM);
	nft_expr_counter(b);
	nft_expr_immediate(b, NFT_REG_1, &mark, sizeof(mark));
	nft_expr_meta_set(b, NFT_META_MARK, NFT_REG_1);
	nft_rule_end(b, r);

	rule_drop_local_dns(b, IPPROTO_UDP, C_DNS_UDP, "adding rule " C_DNS_UDP " to " KS_WHAT);
	rule_drop_local_dns(b, IPPROTO_TCP, C_DNS_TCP, "adding rule " C_DNS_TCP " to " KS_WHAT);

	r = nft_rule_start(b, NFPROTO_INET, GW_NFT_TABLE, "forward", C_DROP,
			   "adding rule " C_DROP " to " KS_WHAT);
	nft_match_ifname_prefix(b, NFT_META_IIFNAME, GW_DOWNSTREAM);
	nft_match_meta_u32(b, NFT_META_OIFGROUP, NFT_CMP_NEQ, GW_GROUP);
	nft_expr_counter(b);
	nft_expr_verdict(b, NF_DROP, NULL);
	nft_rule_end(b, r);

	r = nft_rule_start(b, NFPROTO_INET, GW_NFT_TABLE, "forward", C_MSS,
			   "adding rule " C_MSS " to " KS_WHAT);
	nft_match_meta_u32(b, NFT_META_OIFGROUP, NFT_CMP_EQ, GW_GROUP);
	nft_match_tcp_syn(b);
	nft_expr_rt_load(b, NFT_RT_TCPMSS, NFT_REG_1);
	nft_expr_byteorder_hton(b, NFT_REG_1, NFT_REG_1, 2, 2);
	nft_expr_exthdr_tcpopt_write(b, 2 /* TCPOPT_MAXSEG */, 2, 2, NFT_REG_1);
	nft_rule_end(b, r);

	r = nft_rule_start(b, NFPROTO_INET, GW_NFT_TABLE, "postrouting", C_MASQ,
			   "adding rule " C_MASQ " to " KS_WHAT);
	nft_match_meta_u32(b, NFT_META_OIFGROUP, NFT_CMP_EQ, GW_GROUP);
	nft_expr_masq(b);
	nft_rule_end(b, r);
}

/* ---- the DNS table ---- */

/* iifname "vif*" DADDR:53 (l4proto): DNAT to dns, or, with dns NULL, drop. */
static void put_dns_rule(struct nl_buf *b, uint8_t nfproto, const void *vdns, const void *dns,
			 uint8_t l4proto)
{
	struct nlattr *r = nft_rule_start(b, NFPROTO_INET, GW_NFT_DNS_TABLE, "prerouting",
					  dns ? C_DNAT : C_DNS_UNMAPPED,
					  dns ? "adding a DNS redirect to " DNS_WHAT
					      : "adding a DNS drop to " DNS_WHAT);

	nft_match_ifname_prefix(b, NFT_META_IIFNAME, GW_DOWNSTREAM);
	nft_match_daddr(b, nfproto, vdns);
	nft_match_l4proto(b, l4proto);
	nft_match_th_dport(b, 53);
	if (dns) {
		nft_expr_immediate(b, NFT_REG_1, dns, nfproto == NFPROTO_IPV4 ? 4 : 16);
		nft_expr_nat(b, NFT_NAT_DNAT, nfproto, NFT_REG_1, 0);
	} else {
		nft_expr_counter(b);
		nft_expr_verdict(b, NF_DROP, NULL);
	}
	nft_rule_end(b, r);
}

/* Where virtual DNS address i of a family goes: VPN server i, or the only
 * one there is, or nowhere (NULL: dropped). */
static const void *dns_for(const struct gw_tunnel *t, int v6, unsigned i)
{
	unsigned n = v6 ? t->ndns6 : t->ndns4;

	if (!n)
		return NULL;
	if (i >= n)
		i = 0;
	return v6 ? (const void *)&t->dns6[i] : (const void *)&t->dns4[i];
}

static const void *vdns_at(const struct gw_tunnel *t, int v6, unsigned i)
{
	return v6 ? (const void *)&t->vdns6[i] : (const void *)&t->vdns4[i];
}

/* Virtual address i goes to VPN server i, or to the only one there is.
 * A virtual address of a family the VPN gave no server for is dropped
 * here, before Qubes' dnat-dns could send it anywhere else (into the tunnel
 * towards the NetVM's resolver, say). All nat chains of a hook run inside
 * the kernel's one NAT hook, ordered by their priorities, so only a nat
 * chain can act before Qubes' DNAT; it sees the first packet of every
 * connection, and a connection whose first packet is dropped never gets
 * past its first packet. */
static void put_dns_table(struct nl_buf *b, const struct gw_tunnel *t, const char *desc)
{
	static const struct nft_hook prerouting = {
		"nat", NF_INET_PRE_ROUTING, PRIO_DSTNAT, NF_ACCEPT };
	unsigned i;
	int v6;

	nft_table_add(b, NFPROTO_INET, GW_NFT_DNS_TABLE, "creating " DNS_WHAT);
	nft_table_del(b, NFPROTO_INET, GW_NFT_DNS_TABLE, "clearing " DNS_WHAT);
	nft_table_add_flags(b, NFPROTO_INET, GW_NFT_DNS_TABLE, 0, desc, strlen(desc) + 1,
			    "re-creating " DNS_WHAT);
	nft_chain_add(b, NFPROTO_INET, GW_NFT_DNS_TABLE, "prerouting", &prerouting,
		      "adding chain prerouting to " DNS_WHAT);
	for (v6 = 0; v6 < 2; v6++)
		for (i = 0; i < (v6 ? t->nvdns6 : t->nvdns4); i++) {
			put_dns_rule(b, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4, vdns_at(t, v6, i),
				     dns_for(t, v6, i), IPPROTO_UDP);
			put_dns_rule(b, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4, vdns_at(t, v6, i),
				     dns_for(t, v6, i), IPPROTO_TCP);
		}
}

/* "10.139.1.1>10.8.0.1 ... fd09:24ef:4179::a8b:1>dropped": what the DNS
 * table does, kept in its user data and shown by status. */
static void describe_dns(const struct gw_tunnel *t, char *out, size_t size)
{
	char a[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	size_t len = 0;
	unsigned i;
	int v6, af;

	out[0] = '\0';
	for (v6 = 0; v6 < 2; v6++)
		for (i = 0; i < (v6 ? t->nvdns6 : t->nvdns4); i++) {
			af = v6 ? AF_INET6 : AF_INET;
			inet_ntop(af, vdns_at(t, v6, i), a, sizeof(a));
			if (dns_for(t, v6, i))
				inet_ntop(af, dns_for(t, v6, i), d, sizeof(d));
			else
				snprintf(d, sizeof(d), "dropped");
			len += (size_t)snprintf(out + len, len < size ? size - len : 0, "%s%s>%s",
						len ? " " : "", a, d);
		}
	if (len >= size && size > 4)
		memcpy(out + size - 4, "...", 4);
}

static int read_table(const char *name, struct nft_table_info *info, int *exists)
{
	struct nl_result res;
	struct nl_sock *s;
	int err;

	*exists = 0;
	err = shared_sock(NETLINK_NETFILTER, &s);
	if (err < 0)
		return err;
	err = nft_table_get(s, NFPROTO_INET, name, info, &res);
	if (err == -ENOENT)
		return 0;
	if (err < 0) {
		log_nl_error(name, &res);
		return err;
	}
	*exists = 1;
	return 0;
}

static int read_dns_table(struct nft_table_info *info, int *exists)
{
	return read_table(GW_NFT_DNS_TABLE, info, exists);
}

/* Make the DNS table dormant, if there is one. */
static int dns_sleep(void)
{
	char buf[256] __attribute__((aligned(4)));
	struct nft_table_info info;
	struct nl_buf b;
	int exists, err;

	err = read_dns_table(&info, &exists);
	if (err < 0 || !exists || (info.flags & NFT_TABLE_F_DORMANT))
		return err;
	nl_buf_init(&b, buf, sizeof(buf));
	nft_batch_begin(&b);
	nft_table_add_flags(&b, NFPROTO_INET, GW_NFT_DNS_TABLE, NFT_TABLE_F_DORMANT, NULL, 0,
			    "disabling " DNS_WHAT);
	nft_batch_end(&b);
	return nft_commit(&b, 0, 0, "disabling " DNS_WHAT);
}

/* Install the DNS table for t, or just wake the one that already says so.
 * Returns 1 if it was (re)built, 0 if woken, or -errno. */
static int dns_wake(const struct gw_tunnel *t)
{
	static char buf[32768] __attribute__((aligned(4)));
	struct nft_table_info info;
	char desc[NFT_TABLE_UDATA_MAX];
	struct nl_buf b;
	int exists, err, same;

	describe_dns(t, desc, sizeof(desc));
	err = read_dns_table(&info, &exists);
	if (err < 0)
		return err;
	same = exists && info.udata_len == strlen(desc) + 1 &&
	       !memcmp(info.udata, desc, info.udata_len);
	nl_buf_init(&b, buf, sizeof(buf));
	nft_batch_begin(&b);
	if (same)
		nft_table_add_flags(&b, NFPROTO_INET, GW_NFT_DNS_TABLE, 0, NULL, 0,
				    "enabling " DNS_WHAT);
	else
		put_dns_table(&b, t, desc);
	nft_batch_end(&b);
	err = nft_commit(&b, 0, exists && !same, "installing " DNS_WHAT);
	return err < 0 ? err : !same;
}

/* ---- routing ---- */

static void blackhole_route(struct rt_route *r, uint8_t family)
{
	memset(r, 0, sizeof(*r));
	r->family = family;
	r->type = RTN_BLACKHOLE;
	r->protocol = GW_PROTO;
	r->table = GW_TABLE;
	r->metric = GW_METRIC_BLACKHOLE;
}

static void policy_rule(struct rt_rule *r, uint8_t family)
{
	memset(r, 0, sizeof(*r));
	r->family = family;
	r->action = FR_ACT_TO_TBL;
	r->protocol = GW_PROTO;
	r->priority = GW_RULE_PRIORITY;
	r->table = GW_TABLE;
	r->has_fwmark = 1;
	r->fwmark = GW_MARK;
	r->fwmask = 0xffffffff;
}

/* Blackhole defaults (replaced, so a foreign route at our metric cannot
 * stand in for them), then the rules (EXCL: an identical rule is success,
 * and we never stack duplicates). */
static int install_blackholes_and_rules(struct nl_sock *s)
{
	char buf[1024] __attribute__((aligned(4)));
	struct nl_result res;
	struct rt_route r;
	struct rt_rule rule;
	struct nl_buf b;
	int err;

	nl_buf_init(&b, buf, sizeof(buf));
	blackhole_route(&r, AF_INET);
	rt_route_msg(&b, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, &r,
		     "adding blackhole default route to table 78 (IPv4)");
	blackhole_route(&r, AF_INET6);
	rt_route_msg(&b, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, &r,
		     "adding blackhole default route to table 78 (IPv6)");
	policy_rule(&rule, AF_INET);
	rt_rule_msg(&b, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, &rule,
		    "adding policy rule 'fwmark 0x78 lookup 78' (IPv4)");
	policy_rule(&rule, AF_INET6);
	rt_rule_msg(&b, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, &rule,
		    "adding policy rule 'fwmark 0x78 lookup 78' (IPv6)");
	err = nl_transact(s, &b, NL_OK_EXIST, &res);
	if (err < 0)
		log_nl_error("setting up routing table 78", &res);
	return err;
}

/* Routes of table 78 to delete, collected from a dump. */
#define MAX_ROUTES 64
struct route_list {
	uint8_t family;
	int keep_blackhole;       /* 1: keep blackholes, 0: only ours */
	unsigned n;
	int overflow;
	struct rt_route r[MAX_ROUTES];
};

static int collect_route(const struct rt_route *r, void *data)
{
	struct route_list *l = data;

	if (r->table != GW_TABLE || r->family != l->family)
		return 0;
	if (l->keep_blackhole ? r->type == RTN_BLACKHOLE : r->protocol != GW_PROTO)
		return 0;
	if (l->n >= MAX_ROUTES) {
		l->overflow = 1;
		return 0;
	}
	l->r[l->n++] = *r;
	return 0;
}

/* keep_blackhole: delete every non-blackhole route of table 78 (blocked
 * state); otherwise delete every route we tagged (off). Repeats while a
 * dump held more routes than one pass deletes. */
static int delete_table_routes(struct nl_sock *s, uint8_t family, int keep_blackhole)
{
	static struct route_list l;
	static char buf[MAX_ROUTES * 96] __attribute__((aligned(4)));
	char context[96];
	struct nl_result res;
	struct nl_buf b;
	unsigned i, pass;
	int err;

	snprintf(context, sizeof(context), "removing routes from table 78 (%s)",
		 family_name(family));
	for (pass = 0; pass < 16; pass++) {
		memset(&l, 0, sizeof(l));
		l.family = family;
		l.keep_blackhole = keep_blackhole;
		err = rt_route_dump(s, family, collect_route, &l, &res);
		if (err < 0) {
			log_nl_error(context, &res);
			return err;
		}
		if (l.n == 0)
			return 0;
		nl_buf_init(&b, buf, sizeof(buf));
		for (i = 0; i < l.n; i++)
			rt_route_msg(&b, RTM_DELROUTE, 0, &l.r[i], context);
		err = nl_transact(s, &b, NL_OK_MISSING, &res);
		if (err < 0) {
			log_nl_error(context, &res);
			return err;
		}
		if (!l.overflow)
			return 0;
	}
	log_err("%s: table keeps growing", context);
	return -EAGAIN;
}

/* The blocked routing state. Every step runs even after a failure (each
 * only closes); the first error is returned. */
static int routes_blocked(void)
{
	struct nl_sock *s;
	int err, e;

	err = shared_sock(NETLINK_ROUTE, &s);
	if (err < 0)
		return err;
	err = delete_table_routes(s, AF_INET, 1);
	e = delete_table_routes(s, AF_INET6, 1);
	err = err ? err : e;
	e = install_blackholes_and_rules(s);
	err = err ? err : e;
	return err;
}

static int set_group(const char *dev, uint32_t group, int missing_ok)
{
	char buf[128] __attribute__((aligned(4)));
	char what[96];
	struct nl_result res;
	struct nl_sock *s;
	struct nl_buf b;
	unsigned idx = if_nametoindex(dev);
	int err;

	if (!idx) {
		if (missing_ok)
			return 0;
		log_err("tunnel device %s: %s", dev, strerror(ENODEV));
		return -ENODEV;
	}
	snprintf(what, sizeof(what), "setting interface group of %s to %u", dev, group);
	err = shared_sock(NETLINK_ROUTE, &s);
	if (err < 0)
		return err;
	nl_buf_init(&b, buf, sizeof(buf));
	rt_link_set_group(&b, idx, group, what);
	err = nl_transact(s, &b, 0, &res);
	if (err == -ENODEV && missing_ok)
		return 0;
	if (err < 0)
		log_nl_error(what, &res);
	return err;
}

/* ---- this qube's side of the tunnel ----
 *
 * Addresses the kernel places on this side: the qube's own (local table)
 * and, optionally, whatever the main table routes outside the tunnel other
 * than by a default route (the NetVM, downstream qubes), and the main
 * table's gateways. */

#define MAX_SIDE_ROUTES 1024

struct side {
	unsigned n;
	struct rt_route r[MAX_SIDE_ROUTES];
};

struct side_ctx {
	struct side *side;
	int with_main;
	unsigned tunnel;          /* ifindex of the tunnel, 0 if none */
};

static int collect_side(const struct rt_route *r, void *data)
{
	struct side_ctx *c = data;
	int own = r->table == RT_TABLE_LOCAL && r->type == RTN_LOCAL;
	int routed = c->with_main && r->table == RT_TABLE_MAIN && r->type == RTN_UNICAST &&
		     (r->dst_len || r->has_gw) && (!c->tunnel || r->oif != c->tunnel);

	if (!own && !routed)
		return 0;
	if (c->side->n == MAX_SIDE_ROUTES)
		return -E2BIG;
	c->side->r[c->side->n++] = *r;
	return 0;
}

static int read_side(struct side *side, int with_main, unsigned tunnel)
{
	struct side_ctx c = { side, with_main, tunnel };
	struct nl_result res;
	struct nl_sock *s;
	int err;

	side->n = 0;
	err = shared_sock(NETLINK_ROUTE, &s);
	if (err < 0)
		return err;
	err = rt_route_dump(s, AF_UNSPEC, collect_side, &c, &res);
	if (err < 0)
		log_nl_error("listing this qube's addresses and routes", &res);
	return err;
}

static int in_prefix(const uint8_t *a, const uint8_t *prefix, unsigned len)
{
	unsigned bytes = len / 8, bits = len % 8;

	if (memcmp(a, prefix, bytes))
		return 0;
	return !bits || !((a[bytes] ^ prefix[bytes]) & (0xff00 >> bits) & 0xff);
}

/* The route that places a on this side, or NULL: this qube's own
 * addresses first, then the prefixes of the main table, then (*via_gw)
 * its gateways. */
static const struct rt_route *side_route(const struct side *side, uint8_t family,
					 const uint8_t *a, int *via_gw)
{
	const struct rt_route *r;
	unsigned pass, i;

	for (pass = 0; pass < 3; pass++) {
		*via_gw = pass == 2;
		for (i = 0; i < side->n; i++) {
			r = &side->r[i];
			if (r->family != family || (r->table == RT_TABLE_LOCAL) != (pass == 0))
				continue;
			if (pass < 2 && r->dst_len && in_prefix(a, r->dst, r->dst_len))
				return r;
			if (pass == 2 && r->has_gw && !memcmp(r->gw, a, rt_addr_len(family)))
				return r;
		}
	}
	return NULL;
}

/* Take candidate a unless it is on this side; at most GW_DNS_MAX. */
static void pick_dns(const struct side *side, uint8_t family, const void *a, void *out,
		     unsigned *n)
{
	char addr[INET6_ADDRSTRLEN], dev[IF_NAMESIZE];
	size_t alen = rt_addr_len(family);
	const struct rt_route *r;
	int via_gw;

	inet_ntop(family, a, addr, sizeof(addr));
	r = side_route(side, family, a, &via_gw);
	if (r && r->table == RT_TABLE_LOCAL) {
		log_warn("ignoring VPN DNS server %s: it is an address of this qube", addr);
	} else if (r) {
		if (!r->oif || !if_indextoname(r->oif, dev))
			snprintf(dev, sizeof(dev), "?");
		log_warn("ignoring VPN DNS server %s: it is on this side of the tunnel (%s %s)",
			 addr, via_gw ? "the gateway of a route via" : "routed via", dev);
	} else if (*n >= GW_DNS_MAX) {
		log_warn("ignoring VPN DNS server %s: beyond the first two %s servers", addr,
			 family_name(family));
	} else {
		memcpy((uint8_t *)out + (*n)++ * alen, a, alen);
	}
}

int gw_pick_dns(struct gw_tunnel *t, const struct in_addr *c4, unsigned n4,
		const struct in6_addr *c6, unsigned n6)
{
	static struct side side;
	unsigned i;
	int err = read_side(&side, 1, if_nametoindex(t->dev));

	t->ndns4 = t->ndns6 = 0;
	if (err < 0)
		return err;
	for (i = 0; i < n4; i++)
		pick_dns(&side, AF_INET, &c4[i], t->dns4, &t->ndns4);
	for (i = 0; i < n6; i++)
		pick_dns(&side, AF_INET6, &c6[i], t->dns6, &t->ndns6);
	return 0;
}

/* ---- connection tracking ----
 *
 * The kill switch judges packets, but the kernel keeps state per
 * connection that can outlive a change of policy: a flow offloaded to a
 * flowtable (Qubes' qubes-nat-accel) skips the forward hook altogether,
 * and a NAT binding is chosen by a connection's first packet only, so a
 * connection opened before our DNS redirect changed keeps its old target.
 * So once the new policy is in place, the entries it would not have made
 * are deleted, and the next packet of such a flow is judged afresh.
 *
 * Only forwarded connections are touched: those neither opened nor
 * answered by this qube itself (whose own traffic, OpenVPN's included, is
 * never ours to cut). */

#define FLUSH_BATCH 64           /* deletes per transaction (<= NL_MAX_MSGS) */
#define FLUSH_ROUNDS 1024        /* bound: 64k entries */

struct flush {
	struct side local;           /* this qube's own addresses */
	const struct gw_tunnel *dns; /* NULL: every forwarded entry; else only
				      * those addressed to its virtual DNS */
	unsigned n, matched;
	struct ct_entry e[FLUSH_BATCH];
};

static int to_virtual_dns(const struct gw_tunnel *t, const struct ct_entry *e)
{
	int v6 = e->family == AF_INET6;
	unsigned i;

	for (i = 0; i < (v6 ? t->nvdns6 : t->nvdns4); i++)
		if (!memcmp(vdns_at(t, v6, i), e->orig_dst, v6 ? 16 : 4))
			return 1;
	return 0;
}

static int flush_match(const struct ct_entry *e, void *data)
{
	struct flush *f = data;
	int via_gw;

	if (side_route(&f->local, e->family, e->orig_src, &via_gw) ||
	    side_route(&f->local, e->family, e->reply_src, &via_gw) ||
	    (f->dns && !to_virtual_dns(f->dns, e)))
		return 0;
	f->matched++;
	if (f->n < FLUSH_BATCH)
		f->e[f->n++] = *e;
	return 0;
}

/* The kernel refused to delete entry e: name it in the message. */
static void log_ct_error(const char *context, const struct ct_entry *e,
			 const struct nl_result *res)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], what[256];
	struct nl_result named = *res;

	inet_ntop(e->family, e->orig_src, src, sizeof(src));
	inet_ntop(e->family, e->orig_dst, dst, sizeof(dst));
	snprintf(what, sizeof(what), "%s: deleting the conntrack entry %s -> %s", context, src,
		 dst);
	named.what = NULL;
	log_nl_error(what, &named);
}

/* Entries in this namespace's conntrack table, or -1 if unknown. */
static long conntrack_count(void)
{
	char buf[24];
	long n = 0;
	ssize_t len, i;
	int fd = open("/proc/sys/net/netfilter/nf_conntrack_count", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	len = read(fd, buf, sizeof(buf));
	close(fd);
	for (i = 0; i < len && buf[i] >= '0' && buf[i] <= '9' && n < 100000000; i++)
		n = n * 10 + (buf[i] - '0');
	/* Digits, then the newline: anything else is not a count. */
	return len > 1 && i > 0 && i < len && buf[i] == '\n' ? n : -1;
}

/* Delete the conntrack entries of forwarded connections (dns: only those
 * to its virtual DNS addresses). Dump, delete what matched, and dump
 * again until nothing matches. */
static int flush_conntrack(const struct gw_tunnel *dns, const char *context)
{
	static struct flush f;
	static char buf[FLUSH_BATCH * (NLMSG_HDRLEN + 16 + 2 * CT_TUPLE_MAX)]
		__attribute__((aligned(4)));
	struct nl_sock *ns;
	struct nl_result res;
	unsigned round, i, deleted = 0;
	struct nl_buf b;
	int err;

	/* The kernel walks its whole conntrack hash table (shared by every
	 * namespace) to dump ours: milliseconds. Skip it when ours is empty. */
	if (conntrack_count() == 0)
		return 0;
	memset(&f, 0, sizeof(f));
	f.dns = dns;
	err = read_side(&f.local, 0, 0);
	if (err < 0)
		return err;
	err = shared_sock(NETLINK_NETFILTER, &ns);
	if (err < 0)
		return err;
	for (round = 0; round < FLUSH_ROUNDS; round++) {
		f.n = f.matched = 0;
		err = ct_dump(ns, flush_match, &f, &res);
		if (err == -EINVAL || err == -EOPNOTSUPP || err == -EPROTONOSUPPORT) {
			/* No ctnetlink: then no conntrack, NAT or flowtable either. */
			log_warn("%s: no connection tracking in this kernel (%s): nothing to flush",
				 context, strerror(-err));
			return 0;
		}
		if (err < 0) {
			log_nl_error(context, &res);
			return err;
		}
		if (!f.matched)
			break;
		nl_buf_init(&b, buf, sizeof(buf));
		for (i = 0; i < f.n; i++)
			ct_delete_msg(&b, &f.e[i], "deleting a conntrack entry");
		err = nl_transact(ns, &b, NL_OK_MISSING, &res);
		if (err < 0) {
			if (res.index >= 0 && (unsigned)res.index < f.n)
				log_ct_error(context, &f.e[res.index], &res);
			else
				log_nl_error(context, &res);
			return err;
		}
		deleted += f.n;
	}
	if (round == FLUSH_ROUNDS) {
		log_err("%s: conntrack entries keep coming: gave up after deleting %u", context,
			deleted);
		return -EAGAIN;
	}
	if (deleted)
		log_info("%s: deleted %u conntrack entr%s", context, deleted,
			 deleted == 1 ? "y" : "ies");
	return 0;
}

/* ---- states ---- */

static int killswitch_replace(int drop_dns_table)
{
	static char buf[16384] __attribute__((aligned(4)));
	struct nl_buf b;

	nl_buf_init(&b, buf, sizeof(buf));
	nft_batch_begin(&b);
	put_killswitch(&b);
	if (drop_dns_table)
		nft_table_del(&b, NFPROTO_INET, GW_NFT_DNS_TABLE, "removing " DNS_WHAT);
	nft_batch_end(&b);
	return nft_commit(&b, 0, 1, "installing " KS_WHAT);
}

static int read_killswitch(struct gw_status *st);

/* Replace the kill switch only when a piece of it is missing. */
static int killswitch_repair(void)
{
	struct gw_status st;
	int err;

	memset(&st, 0, sizeof(st));
	err = read_killswitch(&st);
	if (err < 0)
		return err;
	if (st.nft_table && st.nft_mark && st.nft_drop && st.nft_dns_drop)
		return 0;
	log_warn("the kill switch was incomplete: re-installing " KS_WHAT);
	return killswitch_replace(0);
}

int gw_on(void)
{
	struct nft_table_info info;
	int err, dns_exists;

	/* Firewall first: from the moment it commits, nothing downstream
	 * leaves but into group 78; if it fails, nothing else changes. */
	err = read_dns_table(&info, &dns_exists);
	if (!err)
		err = killswitch_replace(dns_exists);
	if (!err)
		err = routes_blocked();
	/* Last, once nothing new can be forwarded: what was before. */
	if (!err)
		err = flush_conntrack(NULL, "cutting connections forwarded before the kill switch");
	return err;
}

int gw_blackhole(const char *dev)
{
	int err, e;

	/* Stop the flow first (routes), then DNS, then the tunnel's group. */
	err = routes_blocked();
	e = dns_sleep();
	err = err ? err : e;
	e = killswitch_repair();
	err = err ? err : e;
	if (dev) {
		e = set_group(dev, 0, 1);
		err = err ? err : e;
	}
	return err;
}

static int tunnel_routes(const struct gw_tunnel *t, unsigned ifindex)
{
	char buf[512] __attribute__((aligned(4)));
	struct nl_result res;
	struct rt_route r;
	struct nl_sock *s;
	struct nl_buf b;
	int err;

	err = shared_sock(NETLINK_ROUTE, &s);
	if (err < 0)
		return err;
	/* Without IPv6 in the tunnel, downstream IPv6 stays blackholed: drop
	 * any tunnel route a previous connection left. */
	err = install_blackholes_and_rules(s);
	if (!err && !t->has_ipv6)
		err = delete_table_routes(s, AF_INET6, 1);
	if (!err) {
		nl_buf_init(&b, buf, sizeof(buf));
		memset(&r, 0, sizeof(r));
		r.type = RTN_UNICAST;
		r.protocol = GW_PROTO;
		r.table = GW_TABLE;
		r.metric = GW_METRIC_TUNNEL;
		r.oif = ifindex;
		r.family = AF_INET;
		rt_route_msg(&b, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, &r,
			     "adding tunnel default route to table 78 (IPv4)");
		if (t->has_ipv6) {
			r.family = AF_INET6;
			rt_route_msg(&b, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, &r,
				     "adding tunnel default route to table 78 (IPv6)");
		}
		err = nl_transact(s, &b, 0, &res);
		if (err < 0)
			log_nl_error("adding tunnel routes", &res);
	}
	return err;
}

int gw_connect(const struct gw_tunnel *t)
{
	unsigned ifindex = if_nametoindex(t->dev);
	int err;

	if (!ifindex) {
		log_err("tunnel device %s: %s", t->dev, strerror(ENODEV));
		err = -ENODEV;
	} else {
		err = killswitch_repair();
		if (!err)
			err = set_group(t->dev, GW_GROUP, 0);
		if (!err)
			err = dns_wake(t);
		/* A table rebuilt means new DNS targets (or that ours was gone and
		 * Qubes' dnat-dns bound connections): those bindings are stale. A
		 * table only woken has the targets every binding made under it has;
		 * while it slept, table 78 had no tunnel route, so DNS made none. */
		if (err > 0)
			err = flush_conntrack(t, "cutting DNS connections bound to an old DNS target");
		/* Last: from here on traffic flows. */
		if (!err)
			err = tunnel_routes(t, ifindex);
	}
	if (err < 0) {
		log_err("could not connect through %s: returning to the blocked state", t->dev);
		gw_blackhole(ifindex ? t->dev : NULL);
	}
	return err;
}

int gw_off(void)
{
	char buf[512] __attribute__((aligned(4)));
	struct nft_table_info info;
	int dns_exists, ks_exists;
	struct nl_result res;
	struct rt_rule rule;
	struct nl_sock *s;
	struct nl_buf b;
	unsigned i;
	int err;

	err = shared_sock(NETLINK_ROUTE, &s);
	if (err < 0)
		return err;
	nl_buf_init(&b, buf, sizeof(buf));
	for (i = 0; i < 2; i++) {
		policy_rule(&rule, families[i]);
		rt_rule_msg(&b, RTM_DELRULE, 0, &rule,
			    families[i] == AF_INET
			    ? "removing policy rule 'fwmark 0x78 lookup 78' (IPv4)"
			    : "removing policy rule 'fwmark 0x78 lookup 78' (IPv6)");
	}
	err = nl_transact(s, &b, NL_OK_MISSING, &res);
	if (err < 0)
		log_nl_error("removing policy rules", &res);
	for (i = 0; !err && i < 2; i++)
		err = delete_table_routes(s, families[i], 0);
	if (err < 0)
		return err;

	/* Delete only what exists: a failing batch is aborted, and the
	 * kernel's abort path waits for an RCU grace period. */
	err = read_dns_table(&info, &dns_exists);
	if (!err)
		err = read_table(GW_NFT_TABLE, &info, &ks_exists);
	if (err < 0 || (!dns_exists && !ks_exists))
		return err;
	nl_buf_init(&b, buf, sizeof(buf));
	nft_batch_begin(&b);
	if (dns_exists)
		nft_table_del(&b, NFPROTO_INET, GW_NFT_DNS_TABLE, "removing " DNS_WHAT);
	if (ks_exists)
		nft_table_del(&b, NFPROTO_INET, GW_NFT_TABLE, "removing " KS_WHAT);
	nft_batch_end(&b);
	return nft_commit(&b, NL_OK_MISSING, 1, "removing the nft tables");
}

/* ---- status ---- */

static int status_rule(const struct rt_rule *r, void *data)
{
	struct gw_status *st = data;
	struct rt_rule want;

	policy_rule(&want, r->family);
	if (r->action == want.action && r->priority == want.priority &&
	    r->table == want.table && r->has_fwmark && r->fwmark == want.fwmark &&
	    r->fwmask == want.fwmask)
		st->rule[r->family == AF_INET6] = 1;
	return 0;
}

static int status_route(const struct rt_route *r, void *data)
{
	struct gw_status *st = data;
	int i = r->family == AF_INET6;

	if (r->table != GW_TABLE || r->dst_len != 0)
		return 0;
	if (r->type == RTN_BLACKHOLE)
		st->blackhole[i] = 1;
	else if (r->type == RTN_UNICAST && r->oif) {
		st->tunnel_route[i] = 1;
		if (!if_indextoname(r->oif, st->tunnel_dev[i]))
			snprintf(st->tunnel_dev[i], IF_NAMESIZE, "#%u", r->oif);
	}
	return 0;
}

static int status_nft_rule(const struct nft_rule_info *r, void *data)
{
	struct gw_status *st = data;

	if (!strcmp(r->chain, "prerouting") && !strcmp(r->comment, C_MARK)) {
		st->nft_mark = 1;
		st->marked_packets += r->packets;
	}
	if (!strcmp(r->chain, "forward") && !strcmp(r->comment, C_DROP) && r->has_counter) {
		st->nft_drop = 1;
		st->drop_packets += r->packets;
		st->drop_bytes += r->bytes;
	}
	if (!strcmp(r->chain, "input") &&
	    (!strcmp(r->comment, C_DNS_UDP) || !strcmp(r->comment, C_DNS_TCP))) {
		st->nft_dns_drop++;
		st->dns_drop_packets += r->packets;
	}
	return 0;
}

/* The kill switch's rules and counters, into st's nft_* fields. */
static int read_killswitch(struct gw_status *st)
{
	struct nl_result res;
	struct nl_sock *s;
	int err;

	err = shared_sock(NETLINK_NETFILTER, &s);
	if (err < 0)
		return err;
	err = nft_rule_dump(s, NFPROTO_INET, GW_NFT_TABLE, status_nft_rule, st, &res);
	st->nft_dns_drop = st->nft_dns_drop == 2;
	if (err < 0 && err != -ENOENT) {
		log_nl_error("reading " KS_WHAT, &res);
		return err;
	}
	st->nft_table = err == 0;
	return 0;
}

int gw_read_status(struct gw_status *st)
{
	struct nft_table_info info;
	struct nl_result res;
	struct nl_sock *s;
	unsigned i;
	int err, exists;

	memset(st, 0, sizeof(*st));
	err = shared_sock(NETLINK_ROUTE, &s);
	if (err < 0)
		return err;
	for (i = 0; !err && i < 2; i++) {
		err = rt_rule_dump(s, families[i], status_rule, st, &res);
		if (!err)
			err = rt_route_dump(s, families[i], status_route, st, &res);
	}
	if (err < 0) {
		log_nl_error("reading routing state", &res);
		return err;
	}

	err = read_killswitch(st);
	if (err < 0)
		return err;

	err = read_dns_table(&info, &exists);
	if (err < 0)
		return err;
	if (exists && !(info.flags & NFT_TABLE_F_DORMANT)) {
		st->dns_table = 1;
		/* Our own user data, but read back from the kernel: show it
		 * only as far as it is printable. */
		for (i = 0; i < info.udata_len && i + 1 < sizeof(st->dns_desc); i++) {
			if (!info.udata[i])
				break;
			st->dns_desc[i] = (info.udata[i] >= 0x20 && info.udata[i] < 0x7f)
					  ? (char)info.udata[i] : '?';
		}
	}
	return 0;
}

int gw_status_complete(const struct gw_status *st)
{
	return st->rule[0] && st->rule[1] && st->blackhole[0] && st->blackhole[1] &&
	       st->nft_table && st->nft_mark && st->nft_drop && st->nft_dns_drop;
}
