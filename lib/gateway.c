/* gateway.c - the gateway's states (on/blocked, connected, off), the kill
 * switch, and the status read back from the kernel. The other pieces of
 * the state live beside it: routing table 78 in route.c, the DNS table in
 * dns.c, the conntrack flush in conntrack.c.
 *
 * The kill switch, table inet qubes-vpn, is the same in every state, so
 * connecting and disconnecting never rewrite it:
 *   prerouting  filter -150  iifname "vif*" counter meta mark set 0x78
 *   input       filter  -10  udp|tcp dport 53 iifname "vif*" counter drop
 *   forward     filter  -10  oifgroup 78 goto to-tunnel
 *                            iifname "vif*" oifgroup != 78 counter drop
 *   to-tunnel   (regular)    tcp flags syn: mss set rt mtu
 *   postrouting nat      90  oifgroup 78 masquerade
 * The tunnel device is recognised by interface group 78, which the up hook
 * sets: with no tunnel, nothing from downstream is forwarded at all. Its
 * pieces, and those of routing, are listed once, in gw_pieces[].
 *
 * Per-packet cost (bench/throughput.sh): every forwarded packet runs the
 * forward chain, so its first rule is the one most traffic takes: one
 * 32-bit load sends what leaves by the tunnel, either way, to to-tunnel
 * (MSS clamping only; the end of a goto'd chain is the base chain's
 * accept), and only the rest is matched by name. The drop rule keeps its
 * own oifgroup test, so it drops exactly what it dropped before even
 * without the goto rule. Downstream traffic is recognised by name, never
 * by iifgroup 2: a vif exists, and can be up, before Qubes puts it in
 * group 2.
 *
 * Connection tracking: after `on`, the conntrack entries of connections
 * forwarded before are deleted; when the up hook installs new DNS servers,
 * those of forwarded DNS connections to the virtual addresses.
 *
 * Why tables are toggled rather than rewritten: every deletion of an
 * nf_tables object costs an RCU grace period (10-20 ms) when the socket is
 * released, and the next transaction waits for it on the commit mutex. */
#include "gw.h"
#include "help.h"
#include "log.h"
#include "rundir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <linux/netfilter.h>
#include <linux/rtnetlink.h>

#define C_MARK "mark-downstream"
#define C_DROP "drop-downstream"
#define C_DNS_UDP "drop-dns-udp"
#define C_DNS_TCP "drop-dns-tcp"
#define C_MSS "clamp-mss"
#define C_TO_TUNNEL "to-tunnel"
#define C_MASQ "masquerade-tunnel"

#define PRIO_MANGLE (-150)
#define PRIO_FILTER (-10)        /* before Qubes' own filter chains (0) */
#define PRIO_SRCNAT 90           /* before Qubes' masquerade (100) */

static const uint8_t families[2] = { AF_INET, AF_INET6 };

#define RULE_NAME "policy rule 'fwmark 0x78 lookup 78'"
#define BLACKHOLE_NAME "blackhole default route in table 78"

const struct gw_piece_def gw_pieces[GW_PIECES] = {
	[GW_RULE4] = { "rule4", "IPv4 " RULE_NAME, NULL, NULL },
	[GW_RULE6] = { "rule6", "IPv6 " RULE_NAME, NULL, NULL },
	[GW_BLACKHOLE4] = { "blackhole4", "IPv4 " BLACKHOLE_NAME, NULL, NULL },
	[GW_BLACKHOLE6] = { "blackhole6", "IPv6 " BLACKHOLE_NAME, NULL, NULL },
	[GW_KS_TABLE] = { "table", KS_WHAT, NULL, NULL },
	[GW_KS_MARK] = { "nft:prerouting:" C_MARK, "nft rule marking downstream traffic",
			 "prerouting", C_MARK },
	[GW_KS_DROP] = { "nft:forward:" C_DROP, "nft rule dropping downstream traffic",
			 "forward", C_DROP },
	[GW_KS_DNS_UDP] = { "nft:input:" C_DNS_UDP,
			    "nft rule dropping downstream DNS to this qube (UDP)", "input",
			    C_DNS_UDP },
	[GW_KS_DNS_TCP] = { "nft:input:" C_DNS_TCP,
			    "nft rule dropping downstream DNS to this qube (TCP)", "input",
			    C_DNS_TCP },
};

int require_net_admin(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) == 0 &&
	    (data[CAP_NET_ADMIN / 32].effective & (1u << (CAP_NET_ADMIN % 32))))
		return 0;
	log_err("needs the CAP_NET_ADMIN capability: run it as root or from its "
		"systemd unit");
	return -EPERM;
}

/* ---- sockets ---- */

int gw_sock(int bus, struct nl_sock **out)
{
	int err = nl_run_sock(bus, out);

	if (err < 0)
		log_err("opening an %s socket: %s",
			bus == NETLINK_ROUTE ? "rtnetlink" : "nfnetlink", strerror(-err));
	return err;
}

unsigned gw_ifindex(const char *dev)
{
	struct nl_sock *s;

	return gw_sock(NETLINK_ROUTE, &s) < 0 ? if_nametoindex(dev) : rt_ifindex(s, dev);
}

static void seen_commit(int err, int ok);

int gw_nft_commit(struct nl_buf *b, int ok, const char *context)
{
	struct nl_result res;
	struct nl_sock *s;
	int err = gw_sock(NETLINK_NETFILTER, &s);

	if (err < 0)
		return err;
	err = nl_transact(s, b, ok, &res);
	seen_commit(err, ok);
	if (err < 0)
		log_nl_error(context, &res);
	return err;
}

int gw_read_table(const char *name, struct nft_table_info *info, int *exists)
{
	struct nl_result res;
	struct nl_sock *s;
	int err;

	*exists = 0;
	err = gw_sock(NETLINK_NETFILTER, &s);
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

/* ---- what nftables held, as seen at a generation ----
 *
 * nf_tables numbers its ruleset: every commit that changes something adds
 * one to the generation id, and nothing else changes a table of ours. So
 * "at generation G the kill switch was whole and the DNS table was X",
 * left where the next hook finds it (the lock file's note), stays true
 * while the generation is G: a hook that finds it so does not read back
 * the kill switch's rules and the DNS table (a rule dump and two table
 * reads). A process notes only a generation whose state it knows: the one
 * it read before anything else, plus one per commit of its own, each of
 * which changes something (none that changes nothing is ever sent), and
 * only when the kernel still says that generation after its last commit.
 * If anybody else committed in between, the generation has moved past
 * the noted one already, and as it only grows, the note is never matched.
 * The network namespace's cookie goes with it: another namespace's
 * generations mean nothing here. */
enum { DNS_UNKNOWN, DNS_ABSENT, DNS_DORMANT, DNS_AWAKE };
/* The note, as this process knows it and as the lock file keeps it (the
 * bytes of this record; only a whole one with this magic is read). */
#define SEEN_MAGIC 0x316e6565737671ULL        /* "qvseen1" */
struct note {
	uint64_t magic;
	uint64_t netns;
	uint32_t gen;             /* what the fields below describe */
	uint8_t ks_whole;
	uint8_t dns;
	char desc[NFT_TABLE_UDATA_MAX];
};
static struct note seen;
static int seen_state;            /* 0 not read yet, 1 in use, -1 unusable */

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

static int read_gen(uint32_t *gen, uint64_t *netns)
{
	struct nl_result res;
	struct nl_sock *s;
	socklen_t len = sizeof(*netns);

	if (nl_run_sock(NETLINK_NETFILTER, &s) < 0 || nft_gen_get(s, gen, &res) < 0)
		return -1;
	if (netns && (getsockopt(s->fd, SOL_SOCKET, SO_NETNS_COOKIE, netns, &len) < 0 ||
		      len != sizeof(*netns)))
		return -1;
	return 0;
}

/* A DNS table's description, as describe_dns() writes it: printable,
 * NUL-terminated, len bytes with the NUL. */
static int valid_desc(const uint8_t *d, size_t len)
{
	size_t i;

	if (!len || len > NFT_TABLE_UDATA_MAX || d[len - 1])
		return 0;
	for (i = 0; i + 1 < len; i++)
		if (d[i] < 0x20 || d[i] > 0x7e)
			return 0;
	return 1;
}

/* 1 when seen is in use: the generation read (first call only), and the
 * lock's note taken when it is of this namespace at this generation. */
static int seen_load(void)
{
	struct note n;

	if (seen_state)
		return seen_state > 0;
	seen_state = -1;
	if (read_gen(&seen.gen, &seen.netns) < 0)
		return 0;             /* an old kernel: every hook reads back */
	seen_state = 1;
	if (lock_note_read(&n, sizeof(n)) == (ssize_t)sizeof(n) && n.magic == SEEN_MAGIC &&
	    n.netns == seen.netns && n.gen == seen.gen && n.ks_whole <= 1 &&
	    n.dns <= DNS_AWAKE && valid_desc((const uint8_t *)n.desc, strnlen(n.desc,
	    sizeof(n.desc) - 1) + 1)) {
		seen = n;
		log_debug("nftables as noted at generation %u: kill switch %s, DNS table %d",
			  seen.gen, seen.ks_whole ? "whole" : "unknown", seen.dns);
	}
	return 1;
}

/* After a commit of ours: one generation on, or nothing known any more. */
static void seen_commit(int err, int ok)
{
	if (seen_state <= 0)
		return;
	if (err < 0 || ok)            /* with ok, a refused part changed nothing */
		seen_state = -1;
	else if (!++seen.gen)
		seen.gen = 1;
}

void gw_seen_dns(int exists, int dormant, const void *desc, size_t len)
{
	seen.dns = !exists ? DNS_ABSENT : dormant ? DNS_DORMANT : DNS_AWAKE;
	memset(seen.desc, 0, sizeof(seen.desc));
	if (exists && !valid_desc(desc, len))
		seen.dns = DNS_UNKNOWN;   /* not a table of ours as we write it */
	else if (exists)
		memcpy(seen.desc, desc, len);
}

int gw_read_dns(struct nft_table_info *info, int *exists)
{
	int err;

	if (seen_load() && seen.dns != DNS_UNKNOWN) {
		memset(info, 0, sizeof(*info));
		*exists = seen.dns != DNS_ABSENT;
		info->flags = seen.dns == DNS_DORMANT ? NFT_TABLE_F_DORMANT : 0;
		info->udata_len = *exists ? strlen(seen.desc) + 1 : 0;
		memcpy(info->udata, seen.desc, info->udata_len);
		return 0;
	}
	err = gw_read_table(GW_NFT_DNS_TABLE, info, exists);
	if (!err)
		gw_seen_dns(*exists, info->flags & NFT_TABLE_F_DORMANT, info->udata,
			    info->udata_len);
	return err;
}

/* Leave the note for the next hook, when this process knows it all and
 * the kernel is still at the generation it knows. */
static void seen_save(void)
{
	uint32_t gen = 0;

	if (seen_state <= 0 || !seen.ks_whole || seen.dns == DNS_UNKNOWN)
		return;
	if (read_gen(&gen, NULL) < 0 || gen != seen.gen) {
		log_debug("nftables at generation %u, not %u as known: no note", gen, seen.gen);
		return;
	}
	seen.magic = SEEN_MAGIC;
	lock_note_write(&seen, sizeof(seen));
}

/* ---- the kill switch ---- */

static void rule_drop_local_dns(struct nl_buf *b, uint8_t l4proto, const char *comment,
				const char *what)
{
	struct nlattr *r = nft_rule_start(b, NFPROTO_INET, GW_NFT_TABLE, "input",
					  comment, what);

	/* Port first: most local traffic (the VPN's own packets) fails the
	 * protocol or port compare and never has its interface name copied. */
	nft_match_l4proto(b, l4proto);
	nft_match_th_dport(b, 53);
	nft_match_ifname_prefix(b, NFT_META_IIFNAME, GW_DOWNSTREAM);
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
	nft_chain_add(b, NFPROTO_INET, GW_NFT_TABLE, "to-tunnel", NULL,
		      "adding chain to-tunnel to " KS_WHAT);

	r = nft_rule_start(b, NFPROTO_INET, GW_NFT_TABLE, "prerouting", C_MARK,
			   "adding rule " C_MARK " to " KS_WHAT);
	nft_match_ifname_prefix(b, NFT_META_IIFNAME, GW_DOWNSTREAM);
	nft_expr_counter(b);
	nft_expr_immediate(b, NFT_REG_1, &mark, sizeof(mark));
	nft_expr_meta_set(b, NFT_META_MARK, NFT_REG_1);
	nft_rule_end(b, r);

	rule_drop_local_dns(b, IPPROTO_UDP, C_DNS_UDP, "adding rule " C_DNS_UDP " to " KS_WHAT);
	rule_drop_local_dns(b, IPPROTO_TCP, C_DNS_TCP, "adding rule " C_DNS_TCP " to " KS_WHAT);

	/* Into the tunnel: one 32-bit compare, then only MSS clamping. */
	r = nft_rule_start(b, NFPROTO_INET, GW_NFT_TABLE, "forward", C_TO_TUNNEL,
			   "adding rule " C_TO_TUNNEL " to " KS_WHAT);
	nft_match_meta_u32(b, NFT_META_OIFGROUP, NFT_CMP_EQ, GW_GROUP);
	nft_expr_verdict(b, NFT_GOTO, "to-tunnel");
	nft_rule_end(b, r);

	r = nft_rule_start(b, NFPROTO_INET, GW_NFT_TABLE, "forward", C_DROP,
			   "adding rule " C_DROP " to " KS_WHAT);
	nft_match_ifname_prefix(b, NFT_META_IIFNAME, GW_DOWNSTREAM);
	nft_match_meta_u32(b, NFT_META_OIFGROUP, NFT_CMP_NEQ, GW_GROUP);
	nft_expr_counter(b);
	nft_expr_verdict(b, NF_DROP, NULL);
	nft_rule_end(b, r);

	r = nft_rule_start(b, NFPROTO_INET, GW_NFT_TABLE, "to-tunnel", C_MSS,
			   "adding rule " C_MSS " to " KS_WHAT);
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

/* ---- states ---- */

static int killswitch_replace(int drop_dns_table)
{
	static char buf[16384] __attribute__((aligned(4)));
	struct nl_buf b;
	int err;

	nl_buf_init(&b, buf, sizeof(buf));
	nft_batch_begin(&b);
	put_killswitch(&b);
	if (drop_dns_table)
		nft_table_del(&b, NFPROTO_INET, GW_NFT_DNS_TABLE, "removing " DNS_WHAT);
	nft_batch_end(&b);
	err = gw_nft_commit(&b, 0, "installing " KS_WHAT);
	if (!err && drop_dns_table)
		gw_seen_dns(0, 0, NULL, 0);
	return err;
}

static int read_killswitch(struct gw_status *st);

/* Replace the kill switch only when a piece of it (the table or one of
 * its rules: pieces GW_KS_TABLE on) is missing. */
static int killswitch_repair(void)
{
	struct gw_status st;
	unsigned p;
	int err;

	if (seen_load() && seen.ks_whole) {
		log_debug("kill switch whole at generation %u, as noted: not read back", seen.gen);
		return 0;
	}
	memset(&st, 0, sizeof(st));
	err = read_killswitch(&st);
	if (err < 0)
		return err;
	for (p = GW_KS_TABLE; p < GW_PIECES && st.present[p]; p++)
		;
	if (p < GW_PIECES) {
		log_warn("the kill switch was incomplete: re-installing " KS_WHAT
			 " (%s was missing)", gw_pieces[p].name);
		err = killswitch_replace(0);
	}
	seen.ks_whole = !err;
	return err;
}

int gw_on(void)
{
	struct nft_table_info info;
	int err, dns_exists;

	/* Firewall first: from the moment it commits, nothing downstream
	 * leaves but into group 78; if it fails, nothing else changes. */
	err = gw_read_table(GW_NFT_DNS_TABLE, &info, &dns_exists);
	if (!err)
		err = killswitch_replace(dns_exists);
	if (!err)
		err = gw_routes_blocked();
	/* Last, once nothing new can be forwarded: what was before. */
	if (!err)
		err = gw_flush_conntrack(NULL, "cutting connections forwarded before the kill switch");
	return err;
}

int gw_blackhole(const char *dev)
{
	int err, e;

	/* Stop the flow first (routes), then DNS, then the tunnel's group. */
	err = gw_routes_blocked();
	e = gw_dns_sleep();
	err = err ? err : e;
	e = killswitch_repair();
	err = err ? err : e;
	if (dev) {
		e = gw_ungroup(dev);
		err = err ? err : e;
	}
	seen_save();
	return err;
}

int gw_connect(const struct gw_tunnel *t)
{
	unsigned ifindex = gw_ifindex(t->dev);
	int err;

	if (!ifindex) {
		log_err("tunnel device %s: %s", t->dev, strerror(ENODEV));
		err = -ENODEV;
	} else {
		err = killswitch_repair();
		if (!err)
			err = gw_dns_wake(t);
		/* A table rebuilt means new DNS targets (or that ours was gone and
		 * Qubes' dnat-dns bound connections): those bindings are stale. A
		 * table only woken has the targets every binding made under it has;
		 * while it slept, table 78 had no tunnel route, so DNS made none. */
		if (err > 0)
			err = gw_flush_conntrack(t, "cutting DNS connections bound to an old DNS target");
		/* Last, in one transaction: the tunnel's group, then its
		 * routes; from here on traffic flows. */
		if (!err)
			err = gw_tunnel_routes(t, ifindex);
	}
	if (err < 0) {
		log_err("could not connect through %s: returning to the blocked state", t->dev);
		gw_blackhole(ifindex ? t->dev : NULL);
	} else {
		seen_save();
	}
	return err;
}

int gw_off(void)
{
	char buf[512] __attribute__((aligned(4)));
	struct nft_table_info info;
	int dns_exists, ks_exists;
	struct nl_buf b;
	int err;

	err = gw_routes_off();
	if (err < 0)
		return err;

	/* Delete only what exists: a failing batch is aborted, and the
	 * kernel's abort path waits for an RCU grace period. */
	err = gw_read_table(GW_NFT_DNS_TABLE, &info, &dns_exists);
	if (!err)
		err = gw_read_table(GW_NFT_TABLE, &info, &ks_exists);
	if (err < 0 || (!dns_exists && !ks_exists))
		return err;
	nl_buf_init(&b, buf, sizeof(buf));
	nft_batch_begin(&b);
	if (dns_exists)
		nft_table_del(&b, NFPROTO_INET, GW_NFT_DNS_TABLE, "removing " DNS_WHAT);
	if (ks_exists)
		nft_table_del(&b, NFPROTO_INET, GW_NFT_TABLE, "removing " KS_WHAT);
	nft_batch_end(&b);
	return gw_nft_commit(&b, NL_OK_MISSING, "removing the nft tables");
}

/* ---- status ---- */

static int status_rule(const struct rt_rule *r, void *data)
{
	struct gw_status *st = data;
	struct rt_rule want;

	gw_policy_rule(&want, r->family);
	if (r->action == want.action && r->priority == want.priority &&
	    r->table == want.table && r->has_fwmark && r->fwmark == want.fwmark &&
	    r->fwmask == want.fwmask)
		st->present[r->family == AF_INET6 ? GW_RULE6 : GW_RULE4] = 1;
	return 0;
}

static int status_route(const struct rt_route *r, void *data)
{
	struct gw_status *st = data;
	int i = r->family == AF_INET6;

	if (r->table != GW_TABLE || r->dst_len != 0)
		return 0;
	if (r->type == RTN_BLACKHOLE)
		st->present[i ? GW_BLACKHOLE6 : GW_BLACKHOLE4] = 1;
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
	unsigned p;

	for (p = GW_KS_TABLE; p < GW_PIECES; p++)
		if (gw_pieces[p].chain && !strcmp(r->chain, gw_pieces[p].chain) &&
		    !strcmp(r->comment, gw_pieces[p].comment)) {
			st->present[p] = 1;
			st->packets[p] += r->packets;
			st->bytes[p] += r->bytes;
		}
	return 0;
}

/* The kill switch's table, rules and counters, into st. */
static int read_killswitch(struct gw_status *st)
{
	struct nl_result res;
	struct nl_sock *s;
	int err = gw_sock(NETLINK_NETFILTER, &s);

	if (err < 0)
		return err;           /* logged */
	err = nft_rule_dump(s, NFPROTO_INET, GW_NFT_TABLE, status_nft_rule, st, &res);
	st->present[GW_KS_TABLE] = err == 0;
	if (err == -ENOENT)
		return 0;             /* no table: every piece of it missing */
	if (err < 0)
		log_nl_error("reading " KS_WHAT, &res);
	return err;
}

int gw_read_status(struct gw_status *st)
{
	struct nft_table_info info;
	struct nl_result res;
	struct nl_sock *s;
	unsigned i;
	int err, exists;

	memset(st, 0, sizeof(*st));
	err = gw_sock(NETLINK_ROUTE, &s);
	if (err < 0)
		return err;
	for (i = 0; !err && i < 2; i++) {
		err = rt_rule_dump(s, families[i], status_rule, st, &res);
		if (!err)
			err = rt_route_dump(s, families[i], 0, status_route, st, &res);
	}
	if (err < 0) {
		log_nl_error("reading routing state", &res);
		return err;
	}

	err = read_killswitch(st);
	if (err < 0)
		return err;

	err = gw_read_table(GW_NFT_DNS_TABLE, &info, &exists);
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
	unsigned p;

	for (p = 0; p < GW_PIECES; p++)
		if (!st->present[p])
			return 0;
	return 1;
}

int gw_hook_begin(int argc, char **argv, const struct help *usage)
{
	if (wants_help(argc, argv)) {
		help_print(usage);
		return 0;
	}
	if (argc > 7)
		usage_error("too many arguments (OpenVPN passes at most 6)");
	if (require_net_admin() < 0)
		return 1;
	gateway_lock();
	return -1;
}
