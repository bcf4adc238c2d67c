/* gateway.c - builds and reads the gateway's kernel state: routing table
 * 78 behind fwmark 0x78 rules, and the nft table inet qubes-vpn.
 *
 * The firewall, in both states (a second wall in case routing is wrong):
 *   prerouting (filter, mangle -150): iifname "vif*" counter meta mark set 0x78
 *       blocked: iifname "vif*" udp/tcp dport 53 counter drop
 *   forward (filter, -10, before Qubes' own filter chains):
 *       connected: iifname "vif*" oifname TUN accept
 *       iifname "vif*" counter drop
 * Every rule carries a comment naming it, which status reads back. */
#include "gateway.h"
#include "applet.h"
#include "../nl/nl.h"
#include "../nl/rt.h"
#include "../nl/nft.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/rtnetlink.h>
#include <linux/fib_rules.h>

#define NFT_TABLE_WHAT "nft table inet " GW_NFT_TABLE
#define C_MARK "mark-downstream"
#define C_DROP "drop-downstream"
#define C_ALLOW "allow-tunnel"
#define C_DNS_UDP "drop-dns-udp"
#define C_DNS_TCP "drop-dns-tcp"

#define PRIO_MANGLE (-150)
#define PRIO_FORWARD (-10)

static const char *family_name(uint8_t family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

static const uint8_t families[2] = { AF_INET, AF_INET6 };

/* ---- firewall ---- */

static void rule_downstream_drop_dns(struct nl_buf *b, uint8_t l4proto, const char *comment,
				     const char *what)
{
	struct nlattr *r = nft_rule_start(b, NFPROTO_INET, GW_NFT_TABLE, "prerouting",
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
static void put_firewall(struct nl_buf *b, const struct gw_tunnel *tun)
{
	static const struct nft_hook prerouting = {
		"filter", NF_INET_PRE_ROUTING, PRIO_MANGLE, NF_ACCEPT };
	static const struct nft_hook forward = {
		"filter", NF_INET_FORWARD, PRIO_FORWARD, NF_ACCEPT };
	uint32_t mark = GW_MARK;
	struct nlattr *r;

	nft_batch_begin(b);
	nft_table_add(b, NFPROTO_INET, GW_NFT_TABLE, "creating " NFT_TABLE_WHAT);
	nft_table_del(b, NFPROTO_INET, GW_NFT_TABLE, "clearing " NFT_TABLE_WHAT);
	nft_table_add(b, NFPROTO_INET, GW_NFT_TABLE, "re-creating " NFT_TABLE_WHAT);
	nft_chain_add(b, NFPROTO_INET, GW_NFT_TABLE, "prerouting", &prerouting,
		      "adding chain prerouting to " NFT_TABLE_WHAT);
	nft_chain_add(b, NFPROTO_INET, GW_NFT_TABLE, "forward", &forward,
		      "adding chain forward to " NFT_TABLE_WHAT);

	r = nft_rule_start(b, NFPROTO_INET, GW_NFT_TABLE, "prerouting", C_MARK,
			   "adding rule " C_MARK " to " NFT_TABLE_WHAT);
	nft_match_ifname_prefix(b, NFT_META_IIFNAME, GW_DOWNSTREAM);
	nft_expr_counter(b);
	nft_expr_immediate(b, NFT_REG_1, &mark, sizeof(mark));
	nft_expr_meta_set(b, NFT_META_MARK, NFT_REG_1);
	nft_rule_end(b, r);

	if (!tun) {
		rule_downstream_drop_dns(b, IPPROTO_UDP, C_DNS_UDP,
					 "adding rule " C_DNS_UDP " to " NFT_TABLE_WHAT);
		rule_downstream_drop_dns(b, IPPROTO_TCP, C_DNS_TCP,
					 "adding rule " C_DNS_TCP " to " NFT_TABLE_WHAT);
	} else {
		r = nft_rule_start(b, NFPROTO_INET, GW_NFT_TABLE, "forward", C_ALLOW,
				   "adding rule " C_ALLOW " to " NFT_TABLE_WHAT);
		nft_match_ifname_prefix(b, NFT_META_IIFNAME, GW_DOWNSTREAM);
		nft_match_ifname(b, NFT_META_OIFNAME, tun->dev);
		nft_expr_verdict(b, NF_ACCEPT, NULL);
		nft_rule_end(b, r);
	}

	r = nft_rule_start(b, NFPROTO_INET, GW_NFT_TABLE, "forward", C_DROP,
			   "adding rule " C_DROP " to " NFT_TABLE_WHAT);
	nft_match_ifname_prefix(b, NFT_META_IIFNAME, GW_DOWNSTREAM);
	nft_expr_counter(b);
	nft_expr_verdict(b, NF_DROP, NULL);
	nft_rule_end(b, r);
	nft_batch_end(b);
}

static int apply_firewall(const struct gw_tunnel *tun)
{
	static char buf[16384] __attribute__((aligned(4)));
	struct nl_result res;
	struct nl_sock s;
	struct nl_buf b;
	int err;

	nl_buf_init(&b, buf, sizeof(buf));
	put_firewall(&b, tun);
	err = nl_open(&s, NETLINK_NETFILTER);
	if (err < 0) {
		log_err("opening an nfnetlink socket: %s", strerror(-err));
		return err;
	}
	err = nl_transact(&s, &b, 0, &res);
	nl_close(&s);
	if (err < 0)
		log_nl_error("installing " NFT_TABLE_WHAT, &res);
	return err;
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
	char buf[MAX_ROUTES * 96] __attribute__((aligned(4)));
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

static int open_rtnl(struct nl_sock *s)
{
	int err = nl_open(s, NETLINK_ROUTE);

	if (err < 0)
		log_err("opening an rtnetlink socket: %s", strerror(-err));
	return err;
}

int gw_block(void)
{
	struct nl_sock s;
	int err;

	/* Firewall first: from the moment it commits nothing downstream
	 * leaves, whatever routing says; if it fails nothing else changes. */
	err = apply_firewall(NULL);
	if (err < 0)
		return err;
	err = open_rtnl(&s);
	if (err < 0)
		return err;
	err = install_blackholes_and_rules(&s);
	if (!err)
		err = delete_table_routes(&s, AF_INET, 1);
	if (!err)
		err = delete_table_routes(&s, AF_INET6, 1);
	nl_close(&s);
	return err;
}

int gw_off(void)
{
	char buf[512] __attribute__((aligned(4)));
	struct nl_result res;
	struct rt_rule rule;
	struct nl_sock s;
	struct nl_buf b;
	unsigned i;
	int err;

	err = open_rtnl(&s);
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
	err = nl_transact(&s, &b, NL_OK_MISSING, &res);
	if (err < 0)
		log_nl_error("removing policy rules", &res);
	for (i = 0; !err && i < 2; i++)
		err = delete_table_routes(&s, families[i], 0);
	nl_close(&s);
	if (err < 0)
		return err;

	err = nl_open(&s, NETLINK_NETFILTER);
	if (err < 0) {
		log_err("opening an nfnetlink socket: %s", strerror(-err));
		return err;
	}
	nl_buf_init(&b, buf, sizeof(buf));
	nft_batch_begin(&b);
	nft_table_del(&b, NFPROTO_INET, GW_NFT_TABLE, "removing " NFT_TABLE_WHAT);
	nft_batch_end(&b);
	err = nl_transact(&s, &b, NL_OK_MISSING, &res);
	nl_close(&s);
	if (err < 0)
		log_nl_error("removing " NFT_TABLE_WHAT, &res);
	return err;
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
	if (!strcmp(r->chain, "forward") && !strcmp(r->comment, C_ALLOW))
		st->nft_allow = 1;
	if (!strcmp(r->comment, C_DNS_UDP) || !strcmp(r->comment, C_DNS_TCP))
		st->dns_drop_packets += r->packets;
	return 0;
}

int gw_read_status(struct gw_status *st)
{
	struct nl_result res;
	struct nl_sock s;
	unsigned i;
	int err;

	memset(st, 0, sizeof(*st));
	err = open_rtnl(&s);
	if (err < 0)
		return err;
	for (i = 0; !err && i < 2; i++) {
		err = rt_rule_dump(&s, families[i], status_rule, st, &res);
		if (!err)
			err = rt_route_dump(&s, families[i], status_route, st, &res);
	}
	nl_close(&s);
	if (err < 0) {
		log_nl_error("reading routing state", &res);
		return err;
	}

	err = nl_open(&s, NETLINK_NETFILTER);
	if (err < 0) {
		log_err("opening an nfnetlink socket: %s", strerror(-err));
		return err;
	}
	err = nft_rule_dump(&s, NFPROTO_INET, GW_NFT_TABLE, status_nft_rule, st, &res);
	nl_close(&s);
	if (err == -ENOENT)
		return 0;
	if (err < 0) {
		log_nl_error("reading " NFT_TABLE_WHAT, &res);
		return err;
	}
	st->nft_table = 1;
	return 0;
}

int gw_status_complete(const struct gw_status *st)
{
	return st->rule[0] && st->rule[1] && st->blackhole[0] && st->blackhole[1] &&
	       st->nft_table && st->nft_mark && st->nft_drop;
}
