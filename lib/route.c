/* route.c - routing table 78 and its policy rules, the tunnel's interface
 * group, and reading this qube's side of the tunnel from its routes.
 *
 * Policy rules "fwmark 0x78 lookup 78" (IPv4, IPv6, priority 78); table 78
 * holds a blackhole default (metric 999999) and, while connected, a
 * default route into the tunnel (metric 100) that wins over it. */
#include "gw.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/rtnetlink.h>
#include <linux/fib_rules.h>

/* ---- routing ---- */

static void blackhole_route(struct rt_route *r, uint8_t family)
{
	*r = (struct rt_route){ .family = family, .type = RTN_BLACKHOLE, .protocol = GW_PROTO,
				.table = GW_TABLE, .metric = GW_METRIC_BLACKHOLE };
}

void gw_policy_rule(struct rt_rule *r, uint8_t family)
{
	*r = (struct rt_rule){ .family = family, .action = FR_ACT_TO_TBL, .protocol = GW_PROTO,
			       .priority = GW_RULE_PRIORITY, .table = GW_TABLE,
			       .has_fwmark = 1, .fwmark = GW_MARK, .fwmask = 0xffffffff };
}

/* Blackhole defaults (replaced, so a foreign route at our metric cannot
 * stand in for them), then the rules (EXCL: an identical rule is success,
 * and we never stack duplicates): appended to b, whose transaction must
 * take NL_OK_EXIST. */
static void put_blackholes_and_rules(struct nl_buf *b)
{
	static const char *const what[2][2] = {
		{ "adding blackhole default route to table 78 (IPv4)",
		  "adding policy rule 'fwmark 0x78 lookup 78' (IPv4)" },
		{ "adding blackhole default route to table 78 (IPv6)",
		  "adding policy rule 'fwmark 0x78 lookup 78' (IPv6)" },
	};
	struct rt_route r;
	struct rt_rule rule;
	unsigned i;

	for (i = 0; i < 2; i++) {
		blackhole_route(&r, i ? AF_INET6 : AF_INET);
		rt_route_msg(b, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, &r, what[i][0]);
	}
	for (i = 0; i < 2; i++) {
		gw_policy_rule(&rule, i ? AF_INET6 : AF_INET);
		rt_rule_msg(b, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, &rule, what[i][1]);
	}
}

/* Routes of table 78 to delete, collected from a dump of that table. */
#define MAX_ROUTES 32

/* The one buffer of this file's transactions (one at a time): a pass of
 * empty_table() plus what its caller puts first. */
static char txbuf[(2 * MAX_ROUTES + 8) * 96] __attribute__((aligned(4)));
struct route_list {
	uint8_t family;
	int keep_blackhole;       /* 1: keep blackholes, 0: only ours */
	unsigned n;
	int overflow;
	struct rt_route r[MAX_ROUTES];
};

/* l[0] for IPv4, l[1] for IPv6: a dump of both families fills both. */
static int collect_route(const struct rt_route *r, void *data)
{
	struct route_list *l = data;

	if (r->family != AF_INET && r->family != AF_INET6)
		return 0;             /* a family dumped with them (ipmr ...) */
	l += r->family == AF_INET6;
	if (r->table != GW_TABLE || l->family != r->family)
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

/* Table 78's routes to delete, of the families in fams (1: IPv4, 2: IPv6),
 * into l[0] and l[1]: with keep_blackhole every non-blackhole route
 * (blocked state), otherwise every route we tagged (off). Both families
 * are one dump: the kernels that honour the table filter (strict checking,
 * 4.20 on) skip a family without a table 78 when asked for all of them. */
static int list_table_routes(struct nl_sock *s, struct route_list l[2], unsigned fams,
			     int keep_blackhole)
{
	struct nl_result res;
	int err;

	memset(l, 0, 2 * sizeof(*l));
	l[0].family = fams & 1 ? AF_INET : AF_UNSPEC;
	l[1].family = fams & 2 ? AF_INET6 : AF_UNSPEC;
	l[0].keep_blackhole = l[1].keep_blackhole = keep_blackhole;
	if (!fams)
		return 0;
	err = rt_route_dump(s, fams == 1 ? AF_INET : fams == 2 ? AF_INET6 : AF_UNSPEC, GW_TABLE,
			    collect_route, l, &res);
	if (err == -ENOENT)
		return 0;             /* no table 78 yet: nothing in it */
	if (err < 0)
		log_nl_error("listing the routes of table 78", &res);
	return err;
}

static void put_deletions(struct nl_buf *b, const struct route_list *l)
{
	unsigned i;

	for (i = 0; i < l->n; i++)
		rt_route_msg(b, RTM_DELROUTE, 0, &l->r[i], l->family == AF_INET
			     ? "removing a route from table 78 (IPv4)"
			     : "removing a route from table 78 (IPv6)");
}

/* Table 78 emptied of the routes list_table_routes() picks, for the
 * families in fams (1: IPv4, 2: IPv6): the first pass's transaction is
 * the caller's messages in first (a buffer on txbuf; NULL: none) followed
 * by the deletions; further passes, while a dump held more routes than a
 * pass deletes, only delete. Every message of a transaction runs even
 * after one fails (each only closes or connects in order); the first
 * error is returned. */
static int empty_table(struct nl_sock *s, struct nl_buf *first, unsigned fams,
		       int keep_blackhole, const char *context)
{
	static struct route_list l[2];
	struct nl_result res;
	struct nl_buf own, *b;
	unsigned pass;
	int err = 0, e;

	for (pass = 0; pass < 16; pass++) {
		e = list_table_routes(s, l, fams, keep_blackhole);
		err = err ? err : e;
		if (pass == 0 && first) {
			b = first;
		} else {
			nl_buf_init(&own, txbuf, sizeof(txbuf));
			b = &own;
		}
		put_deletions(b, &l[0]);
		put_deletions(b, &l[1]);
		if (!b->nmsg)
			return err;
		e = nl_transact(s, b, NL_OK_EXIST | NL_OK_MISSING, &res);
		if (e < 0)
			log_nl_error(context, &res);
		err = err ? err : e;
		if (!l[0].overflow && !l[1].overflow)
			return err;
	}
	log_err("%s: table 78 keeps growing", context);
	return err ? err : -EAGAIN;
}

/* The blocked routing state: the blackholes and rules first, so that no
 * moment has table 78 without its blackhole; then every other route of
 * table 78 goes, in the same transaction. */
int gw_routes_blocked(void)
{
	struct nl_sock *s;
	struct nl_buf b;
	int err;

	err = gw_sock(NETLINK_ROUTE, &s);
	if (err < 0)
		return err;
	nl_buf_init(&b, txbuf, sizeof(txbuf));
	put_blackholes_and_rules(&b);
	return empty_table(s, &b, 3, 1, "blocking routing table 78");
}

int gw_ungroup(const char *dev)
{
	char buf[128] __attribute__((aligned(4)));
	char what[96];
	struct nl_result res;
	struct nl_sock *s;
	struct nl_buf b;
	unsigned idx = gw_ifindex(dev);
	int err;

	if (!idx)
		return 0;             /* gone: out of group 78 already */
	snprintf(what, sizeof(what), "setting interface group of %s to 0", dev);
	err = gw_sock(NETLINK_ROUTE, &s);
	if (err < 0)
		return err;
	nl_buf_init(&b, buf, sizeof(buf));
	rt_link_set_group(&b, idx, 0, what);
	err = nl_transact(s, &b, 0, &res);
	if (err == -ENODEV)
		return 0;
	if (err < 0)
		log_nl_error(what, &res);
	return err;
}

int gw_tunnel_routes(const struct gw_tunnel *t, unsigned ifindex)
{
	char what[96];
	struct rt_route r;
	struct nl_sock *s;
	struct nl_buf b;
	int err;

	err = gw_sock(NETLINK_ROUTE, &s);
	if (err < 0)
		return err;
	/* One transaction, in this order: the blocked baseline (in case it
	 * went), the tunnel's group (the firewall lets downstream traffic out
	 * into it from here on), then its default routes, from which traffic
	 * flows. Without IPv6 in the tunnel, downstream IPv6 stays blackholed:
	 * any tunnel route a previous connection left is deleted with them. */
	nl_buf_init(&b, txbuf, sizeof(txbuf));
	put_blackholes_and_rules(&b);
	snprintf(what, sizeof(what), "setting interface group of %s to %u", t->dev,
		 (unsigned)GW_GROUP);
	rt_link_set_group(&b, ifindex, GW_GROUP, what);
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
	return empty_table(s, &b, t->has_ipv6 ? 0 : 2, 1, "routing table 78 into the tunnel");
}

int gw_routes_off(void)
{
	static const uint8_t families[2] = { AF_INET, AF_INET6 };
	struct rt_rule rule;
	struct nl_sock *s;
	struct nl_buf b;
	unsigned i;
	int err;

	err = gw_sock(NETLINK_ROUTE, &s);
	if (err < 0)
		return err;
	nl_buf_init(&b, txbuf, sizeof(txbuf));
	for (i = 0; i < 2; i++) {
		gw_policy_rule(&rule, families[i]);
		rt_rule_msg(&b, RTM_DELRULE, 0, &rule,
			    families[i] == AF_INET
			    ? "removing policy rule 'fwmark 0x78 lookup 78' (IPv4)"
			    : "removing policy rule 'fwmark 0x78 lookup 78' (IPv6)");
	}
	/* The rules first (nothing is steered into table 78 any more), then
	 * every route we put there. */
	return empty_table(s, &b, 3, 0, "removing policy rules and table 78");
}

/* ---- this qube's side of the tunnel ----
 *
 * Addresses the kernel places on this side: the qube's own (local table)
 * and, optionally, whatever the main table routes outside the tunnel other
 * than by a default route (the NetVM, downstream qubes), and the main
 * table's gateways. */
struct side_ctx {
	struct gw_side *side;
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
	if (c->side->n == GW_SIDE_MAX)
		return -E2BIG;
	c->side->r[c->side->n++] = *r;
	return 0;
}

int gw_read_side(struct gw_side *side, int with_main, unsigned tunnel)
{
	struct side_ctx c = { side, with_main, tunnel };
	struct nl_result res;
	struct nl_sock *s;
	int err;

	side->n = 0;
	err = gw_sock(NETLINK_ROUTE, &s);
	if (err < 0)
		return err;
	err = rt_route_dump(s, AF_UNSPEC, 0, collect_side, &c, &res);
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
const struct rt_route *gw_side_route(const struct gw_side *side, uint8_t family,
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

