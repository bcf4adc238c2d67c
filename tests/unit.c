/* unit.c - tests of nl/ without a kernel: the bytes our builders produce
 * against golden data (nft's own encoding, hand-decoded rtnetlink), and the
 * reply parsers against good and malformed replies; WireGuard's generic
 * netlink messages against encodings hand-derived from linux/wireguard.h. Also the QubesDB
 * client (applets/qubesdb.c): its request against the daemon's struct, its
 * reply parser, and its reads over a socketpair.
 * With --kernel (run by tests/kernel.test.sh inside a throwaway network
 * namespace) it also checks how transactions report kernel errors.
 * Prints "ok - NAME" / "not ok - NAME" lines; exit 1 if any failed. */
#include "../nl/nl.h"
#include "../nl/rt.h"
#include "../nl/nft.h"
#include "../nl/ct.h"
#include "../nl/genl.h"
#include "../nl/wg.h"
#include "../lib/qubesdb.h"
#include "../lib/rundir.h"
#include "golden.h"
#include "tap.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/rtnetlink.h>
#include <linux/fib_rules.h>
#include <linux/genetlink.h>
#include <linux/wireguard.h>
#include <libmnl/libmnl.h>


static void hexdump(const char *label, const uint8_t *p, size_t n)
{
	size_t i;

	fprintf(stderr, "# %s (%zu bytes):", label, n);
	for (i = 0; i < n; i++)
		fprintf(stderr, "%s%02x", i % 16 ? " " : "\n#   ", p[i]);
	fprintf(stderr, "\n");
}

static int same_bytes(const char *name, const void *got, size_t got_len,
		      const uint8_t *want, size_t want_len)
{
	if (got_len == want_len && !memcmp(got, want, want_len))
		return 1;
	fprintf(stderr, "# %s: bytes differ\n", name);
	hexdump("got", got, got_len);
	hexdump("want", want, want_len);
	return 0;
}

/* ---- nft rule expressions against nft's encoding ---- */

typedef void (*rule_builder)(struct nl_buf *b);

static void build_prefix_counter_drop(struct nl_buf *b)
{
	nft_match_ifname_prefix(b, NFT_META_IIFNAME, "vif");
	nft_expr_counter(b);
	nft_expr_verdict(b, NF_DROP, NULL);
}

static void build_mark(struct nl_buf *b)
{
	uint32_t mark = 0x78;

	nft_match_ifname_prefix(b, NFT_META_IIFNAME, "vif");
	nft_expr_immediate(b, NFT_REG_1, &mark, sizeof(mark));
	nft_expr_meta_set(b, NFT_META_MARK, NFT_REG_1);
}

static void build_dns_udp_drop(struct nl_buf *b)
{
	nft_match_l4proto(b, IPPROTO_UDP);
	nft_match_th_dport(b, 53);
	nft_match_ifname_prefix(b, NFT_META_IIFNAME, "vif");
	nft_expr_counter(b);
	nft_expr_verdict(b, NF_DROP, NULL);
}

static void build_allow_tunnel(struct nl_buf *b)
{
	nft_match_ifname_prefix(b, NFT_META_IIFNAME, "vif");
	nft_match_ifname(b, NFT_META_OIFNAME, "tun0");
	nft_expr_verdict(b, NF_ACCEPT, NULL);
}

static void build_mss_clamp(struct nl_buf *b)
{
	nft_match_ifname(b, NFT_META_OIFNAME, "tun0");
	nft_match_tcp_syn(b);
	nft_expr_rt_load(b, NFT_RT_TCPMSS, NFT_REG_1);
	nft_expr_byteorder_hton(b, NFT_REG_1, NFT_REG_1, 2, 2);
	nft_expr_exthdr_tcpopt_write(b, 2 /* maxseg */, 2, 2, NFT_REG_1);
}

/* The kill switch's forward chain and its to-tunnel chain, rule by rule
 * as lib/gateway.c builds them. */
static void build_forward_to_tunnel(struct nl_buf *b)
{
	nft_match_meta_u32(b, NFT_META_OIFGROUP, NFT_CMP_EQ, 78);
	nft_expr_verdict(b, NFT_GOTO, "to-tunnel");
}

static void build_drop_downstream(struct nl_buf *b)
{
	nft_match_ifname_prefix(b, NFT_META_IIFNAME, "vif");
	nft_match_meta_u32(b, NFT_META_OIFGROUP, NFT_CMP_NEQ, 78);
	nft_expr_counter(b);
	nft_expr_verdict(b, NF_DROP, NULL);
}

static void build_clamp_mss_tunnel(struct nl_buf *b)
{
	nft_match_tcp_syn(b);
	nft_expr_rt_load(b, NFT_RT_TCPMSS, NFT_REG_1);
	nft_expr_byteorder_hton(b, NFT_REG_1, NFT_REG_1, 2, 2);
	nft_expr_exthdr_tcpopt_write(b, 2 /* maxseg */, 2, 2, NFT_REG_1);
}

static void build_dnat4(struct nl_buf *b)
{
	struct in_addr vdns, dns;

	inet_pton(AF_INET, "10.139.1.1", &vdns);
	inet_pton(AF_INET, "10.8.0.1", &dns);
	nft_match_daddr(b, NFPROTO_IPV4, &vdns);
	nft_match_l4proto(b, IPPROTO_UDP);
	nft_match_th_dport(b, 53);
	nft_expr_immediate(b, NFT_REG_1, &dns, sizeof(dns));
	nft_expr_nat(b, NFT_NAT_DNAT, NFPROTO_IPV4, NFT_REG_1, 0);
}

static void build_dnat6(struct nl_buf *b)
{
	struct in6_addr vdns, dns;

	inet_pton(AF_INET6, "fd09:24ef:4179::a8b:1", &vdns);
	inet_pton(AF_INET6, "fd00:8::1", &dns);
	nft_match_daddr(b, NFPROTO_IPV6, &vdns);
	nft_match_l4proto(b, IPPROTO_TCP);
	nft_match_th_dport(b, 53);
	nft_expr_immediate(b, NFT_REG_1, &dns, sizeof(dns));
	nft_expr_nat(b, NFT_NAT_DNAT, NFPROTO_IPV6, NFT_REG_1, 0);
}

static void build_masq(struct nl_buf *b)
{
	nft_match_ifname(b, NFT_META_OIFNAME, "tun0");
	nft_expr_masq(b);
}

static void test_rule_golden(const char *name, rule_builder build,
			     const uint8_t *want, size_t want_len)
{
	char buf[4096] __attribute__((aligned(4)));
	const struct nlattr *exprs = NULL;
	struct nlattr *nest, *a;
	struct nl_buf b;
	char label[96];

	nl_buf_init(&b, buf, sizeof(buf));
	nest = nft_rule_start(&b, NFPROTO_INET, "t", "c", NULL, "rule");
	build(&b);
	nft_rule_end(&b, nest);
	snprintf(label, sizeof(label), "nft rule bytes match nft(8): %s", name);
	if (b.err) {
		check(label, 0);
		return;
	}
	mnl_attr_for_each(a, (struct nlmsghdr *)buf, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == NFTA_RULE_EXPRESSIONS)
			exprs = a;
	check(label, exprs && same_bytes(name, exprs, exprs->nla_len, want, want_len));
}

/* ---- rtnetlink messages, decoded by hand from rtnetlink(7) ---- */

static void test_route_golden(void)
{
	/* RTM_NEWROUTE, REQUEST|ACK|REPLACE|CREATE, seq/pid 0 (assigned at
	 * send time); rtmsg { AF_INET, dst_len 0, src_len 0, tos 0, table 78,
	 * proto 78, scope universe, type blackhole, flags 0 };
	 * RTA_TABLE 78; RTA_PRIORITY 999999 (0x000f423f) */
	static const uint8_t want[] = {
		0x2c, 0x00, 0x00, 0x00, 0x18, 0x00, 0x05, 0x05,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x02, 0x00, 0x00, 0x00, 0x4e, 0x4e, 0x00, 0x06,
		0x00, 0x00, 0x00, 0x00,
		0x08, 0x00, 0x0f, 0x00, 0x4e, 0x00, 0x00, 0x00,
		0x08, 0x00, 0x06, 0x00, 0x3f, 0x42, 0x0f, 0x00,
	};
	char buf[256] __attribute__((aligned(4)));
	struct rt_route r = { .family = AF_INET, .type = RTN_BLACKHOLE, .protocol = 78,
			      .table = 78, .metric = 999999 };
	struct nl_buf b;

	nl_buf_init(&b, buf, sizeof(buf));
	rt_route_msg(&b, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, &r, "x");
	check("route message bytes: blackhole default, table 78, metric 999999",
	      !b.err && same_bytes("route", buf, b.len, want, sizeof(want)));
}

static void test_route6_unicast_golden(void)
{
	/* RTM_NEWROUTE CREATE|EXCL; rtmsg { AF_INET6, dst_len 0, table 78,
	 * proto 78, scope link (no gateway), type unicast }; RTA_TABLE 78,
	 * RTA_PRIORITY 100, RTA_OIF 7 */
	static const uint8_t want[] = {
		0x34, 0x00, 0x00, 0x00, 0x18, 0x00, 0x05, 0x06,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x0a, 0x00, 0x00, 0x00, 0x4e, 0x4e, 0xfd, 0x01,
		0x00, 0x00, 0x00, 0x00,
		0x08, 0x00, 0x0f, 0x00, 0x4e, 0x00, 0x00, 0x00,
		0x08, 0x00, 0x06, 0x00, 0x64, 0x00, 0x00, 0x00,
		0x08, 0x00, 0x04, 0x00, 0x07, 0x00, 0x00, 0x00,
	};
	char buf[256] __attribute__((aligned(4)));
	struct rt_route r = { .family = AF_INET6, .type = RTN_UNICAST, .protocol = 78,
			      .table = 78, .metric = 100, .oif = 7 };
	struct nl_buf b;

	nl_buf_init(&b, buf, sizeof(buf));
	rt_route_msg(&b, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &r, "x");
	check("route message bytes: IPv6 default dev, table 78, metric 100",
	      !b.err && same_bytes("route6", buf, b.len, want, sizeof(want)));
}

static void test_rule_msg_golden(void)
{
	/* RTM_NEWRULE CREATE|EXCL; fib_rule_hdr { AF_INET6, 0, 0, 0, table 78,
	 * 0, 0, action FR_ACT_TO_TBL, flags 0 }; FRA_PRIORITY 78, FRA_TABLE 78,
	 * FRA_FWMARK 0x78, FRA_FWMASK 0xffffffff, FRA_PROTOCOL 78 (u8, padded) */
	static const uint8_t want[] = {
		0x44, 0x00, 0x00, 0x00, 0x20, 0x00, 0x05, 0x06,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x0a, 0x00, 0x00, 0x00, 0x4e, 0x00, 0x00, 0x01,
		0x00, 0x00, 0x00, 0x00,
		0x08, 0x00, 0x06, 0x00, 0x4e, 0x00, 0x00, 0x00,
		0x08, 0x00, 0x0f, 0x00, 0x4e, 0x00, 0x00, 0x00,
		0x08, 0x00, 0x0a, 0x00, 0x78, 0x00, 0x00, 0x00,
		0x08, 0x00, 0x10, 0x00, 0xff, 0xff, 0xff, 0xff,
		0x05, 0x00, 0x15, 0x00, 0x4e, 0x00, 0x00, 0x00,
	};
	char buf[256] __attribute__((aligned(4)));
	struct rt_rule r = { .family = AF_INET6, .action = FR_ACT_TO_TBL, .protocol = 78,
			     .priority = 78, .table = 78, .fwmark = 0x78,
			     .fwmask = 0xffffffff, .has_fwmark = 1 };
	struct nl_buf b;

	nl_buf_init(&b, buf, sizeof(buf));
	rt_rule_msg(&b, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, &r, "x");
	check("rule message bytes: fwmark 0x78 lookup 78 priority 78",
	      !b.err && same_bytes("rule", buf, b.len, want, sizeof(want)));
}

/* ---- buffer bounds ---- */

static void test_overflow(void)
{
	char buf[64] __attribute__((aligned(4)));
	struct nl_result res;
	struct nl_sock s = { 0 };
	struct nl_buf b;
	struct nlattr *n;

	nl_buf_init(&b, buf, sizeof(buf));
	n = nft_rule_start(&b, NFPROTO_INET, "a-table-name", "a-chain-name", "comment", "x");
	nft_match_ifname(&b, NFT_META_OIFNAME, "tun0");
	nft_rule_end(&b, n);
	check("builder: overflowing a buffer sets -EMSGSIZE", b.err == -EMSGSIZE);
	check("builder: nothing written past the buffer", b.len <= sizeof(buf));
	check("transact: refuses an overflowed buffer",
	      nl_transact(&s, &b, 0, &res) == -EMSGSIZE && res.err == -EMSGSIZE);

	nl_buf_init(&b, buf, sizeof(buf));
	nft_match_ifname(&b, NFT_META_OIFNAME, "x");
	check("builder: an expression outside a message is refused", b.len == 0);

	nl_buf_init(&b, buf, sizeof(buf));
	nl_msg_start(&b, 1, 0, "x");
	nft_match_ifname(&b, NFT_META_OIFNAME, "sixteen-chars-xx");
	check("builder: an interface name of 16 chars is refused", b.err == -EINVAL);

	nl_buf_init(&b, buf, sizeof(buf));
	nl_msg_start(&b, 1, 0, "x");
	nft_match_ifname_prefix(&b, NFT_META_IIFNAME, "");
	check("builder: an empty interface prefix is refused", b.err == -EINVAL);
}

/* ---- ack parsing ---- */

static size_t make_ack(char *buf, int error, uint32_t seq, const char *msg, int capped)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlmsgerr *e;

	nlh->nlmsg_type = NLMSG_ERROR;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = error;
	e->msg.nlmsg_len = sizeof(struct nlmsghdr);
	e->msg.nlmsg_seq = seq;
	if (capped)
		nlh->nlmsg_flags |= NLM_F_CAPPED;
	if (msg) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	}
	return nlh->nlmsg_len;
}

static void test_ack_parse(void)
{
	char buf[512] __attribute__((aligned(4)));
	char text[NL_EXTACK_MAX];
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	uint32_t seq = 0;
	char longmsg[400];

	memset(buf, 0, sizeof(buf));
	make_ack(buf, 0, 41, NULL, 1);
	check("ack: success parses as 0 with its sequence",
	      nl_parse_ack(nlh, &seq, text, sizeof(text)) == 0 && seq == 41 && !text[0]);

	memset(buf, 0, sizeof(buf));
	make_ack(buf, -EPERM, 42, "Operation not allowed here", 1);
	check("ack: error with extended-ack text",
	      nl_parse_ack(nlh, &seq, text, sizeof(text)) == -EPERM && seq == 42 &&
	      !strcmp(text, "Operation not allowed here"));

	memset(buf, 0, sizeof(buf));
	memset(longmsg, 'x', sizeof(longmsg) - 1);
	longmsg[sizeof(longmsg) - 1] = '\0';
	make_ack(buf, -EINVAL, 43, longmsg, 1);
	check("ack: over-long extended-ack text is truncated, NUL-terminated",
	      nl_parse_ack(nlh, &seq, text, sizeof(text)) == -EINVAL &&
	      strlen(text) == sizeof(text) - 1);

	memset(buf, 0, sizeof(buf));
	make_ack(buf, -EINVAL, 44, "x", 0);   /* claims an uncapped echo */
	((struct nlmsgerr *)mnl_nlmsg_get_payload(nlh))->msg.nlmsg_len = 4000;
	check("ack: echoed request longer than the message is rejected",
	      nl_parse_ack(nlh, &seq, text, sizeof(text)) == -EBADMSG);

	memset(buf, 0, sizeof(buf));
	make_ack(buf, 12345, 45, NULL, 1);
	check("ack: positive error code is rejected",
	      nl_parse_ack(nlh, &seq, text, sizeof(text)) == -EBADMSG);

	memset(buf, 0, sizeof(buf));
	make_ack(buf, 0, 46, NULL, 1);
	nlh->nlmsg_len = NLMSG_HDRLEN + 4;
	check("ack: truncated error message is rejected",
	      nl_parse_ack(nlh, &seq, text, sizeof(text)) == -EBADMSG);
}

/* ---- route / rule / nft rule parsing ---- */

static void test_route_parse(void)
{
	char buf[256] __attribute__((aligned(4)));
	struct rt_route in = { .family = AF_INET6, .type = RTN_UNICAST, .protocol = 78,
			       .table = 1000, .metric = 100, .oif = 3, .dst_len = 3 };
	struct rt_route out;
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct nl_buf b;

	in.dst[0] = 0x20;
	nl_buf_init(&b, buf, sizeof(buf));
	rt_route_msg(&b, RTM_NEWROUTE, 0, &in, "x");
	check("route parse: round trip of our own message",
	      rt_parse_route(nlh, &out) == 0 && out.family == AF_INET6 &&
	      out.table == 1000 && out.metric == 100 && out.oif == 3 &&
	      out.dst_len == 3 && out.dst[0] == 0x20 && out.type == RTN_UNICAST &&
	      out.protocol == 78 && !out.has_gw);

	/* An RTA_DST of the wrong size for the family. */
	nl_buf_init(&b, buf, sizeof(buf));
	in.family = AF_INET;
	in.dst_len = 0;
	rt_route_msg(&b, RTM_NEWROUTE, 0, &in, "x");
	mnl_attr_put(nlh, RTA_DST, 16, in.dst);
	check("route parse: IPv4 RTA_DST of 16 bytes is rejected",
	      rt_parse_route(nlh, &out) == -EBADMSG);

	nl_buf_init(&b, buf, sizeof(buf));
	rt_route_msg(&b, RTM_NEWROUTE, 0, &in, "x");
	mnl_attr_put_u16(nlh, RTA_OIF, 3);
	check("route parse: 2-byte RTA_OIF is rejected", rt_parse_route(nlh, &out) == -EBADMSG);

	nl_buf_init(&b, buf, sizeof(buf));
	in.dst_len = 33;
	rt_route_msg(&b, RTM_NEWROUTE, 0, &in, "x");
	check("route parse: IPv4 prefix length 33 is rejected",
	      rt_parse_route(nlh, &out) == -EBADMSG);

	nl_buf_init(&b, buf, sizeof(buf));
	in.dst_len = 0;
	rt_route_msg(&b, RTM_NEWROUTE, 0, &in, "x");
	nlh->nlmsg_len = NLMSG_HDRLEN + 4;
	check("route parse: truncated rtmsg is rejected", rt_parse_route(nlh, &out) == -EBADMSG);

	nl_buf_init(&b, buf, sizeof(buf));
	rt_route_msg(&b, RTM_NEWROUTE, 0, &in, "x");
	((struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_family = AF_PACKET;
	check("route parse: other families are skipped, not parsed",
	      rt_parse_route(nlh, &out) == -ENOENT);
}

static void test_rule_parse(void)
{
	char buf[256] __attribute__((aligned(4)));
	struct rt_rule in = { .family = AF_INET, .action = FR_ACT_TO_TBL, .priority = 78,
			      .table = 78, .fwmark = 0x78, .fwmask = 0xff, .has_fwmark = 1 };
	struct rt_rule out;
	struct nl_buf b;

	nl_buf_init(&b, buf, sizeof(buf));
	rt_rule_msg(&b, RTM_NEWRULE, 0, &in, "x");
	check("rule parse: round trip of our own message",
	      rt_parse_rule((struct nlmsghdr *)buf, &out) == 0 && out.priority == 78 &&
	      out.table == 78 && out.fwmark == 0x78 && out.fwmask == 0xff && out.has_fwmark);

	nl_buf_init(&b, buf, sizeof(buf));
	rt_rule_msg(&b, RTM_NEWRULE, 0, &in, "x");
	mnl_attr_put_u8((struct nlmsghdr *)buf, FRA_FWMARK, 1);
	check("rule parse: 1-byte FRA_FWMARK is rejected",
	      rt_parse_rule((struct nlmsghdr *)buf, &out) == -EBADMSG);
}

/* An NFT_MSG_NEWRULE as the kernel sends it in a dump. */
static void put_dumped_rule(struct nl_buf *b, const char *chain, const uint8_t *udata,
			    size_t ulen, uint64_t packets, uint64_t bytes)
{
	struct nlattr *exprs, *elem, *data;
	struct nfgenmsg *nfg;
	uint64_t v;

	nl_msg_start(b, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWRULE, 0, "x");
	nfg = nl_msg_extra(b, sizeof(*nfg));
	if (nfg)
		nfg->nfgen_family = NFPROTO_INET;
	nl_put_strz(b, NFTA_RULE_TABLE, "qubes-vpn");
	nl_put_strz(b, NFTA_RULE_CHAIN, chain);
	v = htobe64(7);
	nl_put(b, NFTA_RULE_HANDLE, 8, &v);
	exprs = nl_nest_start(b, NFTA_RULE_EXPRESSIONS);
	elem = nl_nest_start(b, NFTA_LIST_ELEM);
	nl_put_strz(b, NFTA_EXPR_NAME, "counter");
	data = nl_nest_start(b, NFTA_EXPR_DATA);
	v = htobe64(bytes);
	nl_put(b, NFTA_COUNTER_BYTES, 8, &v);
	v = htobe64(packets);
	nl_put(b, NFTA_COUNTER_PACKETS, 8, &v);
	nl_nest_end(b, data);
	nl_nest_end(b, elem);
	nl_nest_end(b, exprs);
	if (udata)
		nl_put(b, NFTA_RULE_USERDATA, ulen, udata);
	nl_msg_end(b);
}

static void test_nft_rule_parse(void)
{
	static const uint8_t comment[] = { 0, 5, 'd', 'r', 'o', 'p', 0 };
	static const uint8_t bad_len[] = { 0, 9, 'd', 'r', 'o', 'p', 0 };
	static const uint8_t no_nul[] = { 0, 4, 'd', 'r', 'o', 'p' };
	char buf[1024] __attribute__((aligned(4)));
	char longname[NFT_CHAIN_MAXNAMELEN + 8];
	struct nft_rule_info r;
	struct nl_buf b;

	nl_buf_init(&b, buf, sizeof(buf));
	put_dumped_rule(&b, "forward", comment, sizeof(comment), 12, 3400);
	check("nft rule parse: chain, comment, handle and counters",
	      nft_parse_rule((struct nlmsghdr *)buf, &r) == 0 &&
	      !strcmp(r.chain, "forward") && !strcmp(r.comment, "drop") &&
	      r.handle == 7 && r.has_counter && r.packets == 12 && r.bytes == 3400);

	nl_buf_init(&b, buf, sizeof(buf));
	put_dumped_rule(&b, "forward", bad_len, sizeof(bad_len), 1, 1);
	check("nft rule parse: comment running past its attribute is rejected",
	      nft_parse_rule((struct nlmsghdr *)buf, &r) == -EBADMSG);

	nl_buf_init(&b, buf, sizeof(buf));
	put_dumped_rule(&b, "forward", no_nul, sizeof(no_nul), 1, 1);
	check("nft rule parse: comment without NUL is rejected",
	      nft_parse_rule((struct nlmsghdr *)buf, &r) == -EBADMSG);

	memset(longname, 'c', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	nl_buf_init(&b, buf, sizeof(buf));
	put_dumped_rule(&b, longname, NULL, 0, 1, 1);
	check("nft rule parse: chain name longer than NFT_CHAIN_MAXNAMELEN is rejected",
	      !b.err && nft_parse_rule((struct nlmsghdr *)buf, &r) == -EBADMSG);
}

/* ---- against the kernel (network namespace of the caller) ---- */

static void test_kernel_batch_error(void)
{
	static const struct nft_hook hook = { "filter", NF_INET_FORWARD, 0, NF_ACCEPT };
	char buf[4096] __attribute__((aligned(4)));
	struct nl_result res;
	struct nl_sock s;
	struct nl_buf b;
	struct nlattr *n;

	if (nl_open(&s, NETLINK_NETFILTER) < 0) {
		check("kernel: open nfnetlink socket", 0);
		return;
	}
	nl_buf_init(&b, buf, sizeof(buf));
	nft_batch_begin(&b);
	nft_table_add(&b, NFPROTO_INET, "qvtest", "adding table");
	nft_chain_add(&b, NFPROTO_INET, "qvtest", "c", &hook, "adding chain c");
	n = nft_rule_start(&b, NFPROTO_INET, "qvtest", "c", "first", "adding rule first");
	nft_expr_counter(&b);
	nft_rule_end(&b, n);
	n = nft_rule_start(&b, NFPROTO_INET, "qvtest", "no-such-chain", NULL,
			   "adding rule to no-such-chain");
	nft_expr_counter(&b);
	nft_rule_end(&b, n);
	nft_batch_end(&b);
	nl_transact(&s, &b, 0, &res);
	check("kernel: batch error names the failing message",
	      res.err == -ENOENT && res.index == 4 && res.what &&
	      !strcmp(res.what, "adding rule to no-such-chain"));

	/* The batch was aborted as a whole: the table must not exist. */
	nl_buf_init(&b, buf, sizeof(buf));
	nft_batch_begin(&b);
	nft_table_del(&b, NFPROTO_INET, "qvtest", "removing table");
	nft_batch_end(&b);
	check("kernel: failed batch left nothing behind",
	      nl_transact(&s, &b, 0, &res) == -ENOENT && res.index == 1);
	check("kernel: NL_OK_MISSING turns ENOENT into success",
	      nl_transact(&s, &b, NL_OK_MISSING, &res) == 0 && res.index == -1);

	/* Many messages, every ack collected: a good batch of 60 rules. */
	nl_buf_init(&b, buf, sizeof(buf));
	nft_batch_begin(&b);
	nft_table_add(&b, NFPROTO_INET, "qvtest", "adding table");
	nft_chain_add(&b, NFPROTO_INET, "qvtest", "c", &hook, "adding chain c");
	for (int i = 0; i < 60; i++) {
		n = nft_rule_start(&b, NFPROTO_INET, "qvtest", "c", NULL, "rule");
		nft_expr_counter(&b);
		nft_rule_end(&b, n);
	}
	nft_batch_end(&b);
	check("kernel: batch of 64 messages, every ack collected",
	      nl_transact(&s, &b, 0, &res) == 0 && b.nmsg == 64);
	nl_close(&s);
}

static void test_kernel_rtnl_error(void)
{
	char buf[1024] __attribute__((aligned(4)));
	struct rt_route r = { .family = AF_INET, .type = RTN_UNICAST, .table = 4242,
			      .oif = 0x7ffffff0 };
	struct nl_result res;
	struct nl_sock s;
	struct nl_buf b;

	if (nl_open(&s, NETLINK_ROUTE) < 0) {
		check("kernel: open rtnetlink socket", 0);
		return;
	}
	nl_buf_init(&b, buf, sizeof(buf));
	r.type = RTN_BLACKHOLE;
	r.oif = 0;
	rt_route_msg(&b, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &r, "first: blackhole");
	r.type = RTN_UNICAST;
	r.oif = 0x7ffffff0;
	r.dst_len = 8;
	r.dst[0] = 10;
	rt_route_msg(&b, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &r, "second: bad device");
	nl_transact(&s, &b, 0, &res);
	check("kernel: rtnetlink error names the second request",
	      res.err == -ENODEV && res.index == 1 && !strcmp(res.what, "second: bad device"));

	/* Host bits set under the prefix: the kernel explains in words. */
	nl_buf_init(&b, buf, sizeof(buf));
	r.type = RTN_BLACKHOLE;
	r.oif = 0;
	r.dst[3] = 1;
	rt_route_msg(&b, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &r, "host bits");
	nl_transact(&s, &b, 0, &res);
	printf("# kernel said: %s\n", res.extack);
	check("kernel: rtnetlink error carries the kernel's extended-ack text",
	      res.err == -EINVAL && res.index == 0 && strstr(res.extack, "prefix"));
	memset(r.dst, 0, sizeof(r.dst));

	nl_buf_init(&b, buf, sizeof(buf));
	r.type = RTN_BLACKHOLE;
	r.oif = 0;
	r.dst_len = 0;
	rt_route_msg(&b, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &r, "again");
	check("kernel: EEXIST reported without NL_OK_EXIST",
	      nl_transact(&s, &b, 0, &res) == -EEXIST);
	check("kernel: EEXIST is success with NL_OK_EXIST",
	      nl_transact(&s, &b, NL_OK_EXIST, &res) == 0);

	/* Only the last message asks for an ack: a failure in the middle is
	 * still told, by its index, and the messages after it still run. */
	nl_buf_init(&b, buf, sizeof(buf));
	r.table = 4243;
	r.type = RTN_BLACKHOLE;
	rt_route_msg(&b, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &r, "one");
	r.type = RTN_UNICAST;
	r.oif = 0x7ffffff0;
	r.dst_len = 8;
	r.dst[0] = 10;
	rt_route_msg(&b, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &r, "two: bad device");
	r.type = RTN_BLACKHOLE;
	r.oif = 0;
	r.dst[0] = 11;
	rt_route_msg(&b, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &r, "three");
	nl_transact(&s, &b, 0, &res);
	check("kernel: rtnetlink error in the middle names it",
	      res.err == -ENODEV && res.index == 1 && !strcmp(res.what, "two: bad device"));
	nl_buf_init(&b, buf, sizeof(buf));
	rt_route_msg(&b, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &r, "three again");
	check("kernel: ... the message after it ran (its route exists)",
	      nl_transact(&s, &b, 0, &res) == -EEXIST && res.index == 0);
	nl_close(&s);
}

/* ---- conntrack ---- */

/* A tuple as the kernel nests it: ip { src, dst }, proto { num, ports }. */
static void put_tuple(struct nlmsghdr *nlh, uint16_t type, const char *src, const char *dst,
		      uint16_t sport, uint16_t dport)
{
	struct nlattr *t = mnl_attr_nest_start(nlh, type), *n;
	struct in_addr a;

	n = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	inet_pton(AF_INET, src, &a);
	mnl_attr_put(nlh, CTA_IP_V4_SRC, 4, &a);
	inet_pton(AF_INET, dst, &a);
	mnl_attr_put(nlh, CTA_IP_V4_DST, 4, &a);
	mnl_attr_nest_end(nlh, n);
	n = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, 17);
	mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(sport));
	mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(dport));
	mnl_attr_nest_end(nlh, n);
	mnl_attr_nest_end(nlh, t);
}

/* A DNATed DNS entry as a dump reports it; without reply tuple if !reply. */
static struct nlmsghdr *ct_entry_msg(char *buf, uint8_t family, int reply)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = family;
	put_tuple(nlh, CTA_TUPLE_ORIG, "10.137.0.5", "10.139.1.1", 40000, 53);
	if (reply)
		put_tuple(nlh, CTA_TUPLE_REPLY, "10.138.5.1", "10.8.0.2", 53, 40000);
	mnl_attr_put_u32(nlh, CTA_ID, htonl(0x12345678));
	mnl_attr_put_u16(nlh, CTA_ZONE, htons(7));
	return nlh;
}

static void test_ct(void)
{
	char buf[512] __attribute__((aligned(4))), out[512] __attribute__((aligned(4)));
	struct nlmsghdr *nlh = ct_entry_msg(buf, AF_INET, 1);
	const struct nlattr *a, *orig = NULL, *id = NULL, *zone = NULL;
	struct in_addr src, dst, rsrc;
	struct ct_entry e;
	struct nl_buf b;
	int got_tuple;

	inet_pton(AF_INET, "10.137.0.5", &src);
	inet_pton(AF_INET, "10.139.1.1", &dst);
	inet_pton(AF_INET, "10.138.5.1", &rsrc);
	check("ct parse: a DNATed entry gives both ends and the DNAT target",
	      ct_parse(nlh, &e) == 0 && e.family == AF_INET &&
	      !memcmp(e.orig_src, &src, 4) && !memcmp(e.orig_dst, &dst, 4) &&
	      !memcmp(e.reply_src, &rsrc, 4) && e.has_id && e.id == htonl(0x12345678) &&
	      e.has_zone && e.zone == htons(7));

	/* The delete names exactly that entry: its tuple as sent, id, zone. */
	nl_buf_init(&b, out, sizeof(out));
	ct_delete_msg(&b, &e, "x");
	nlh = (struct nlmsghdr *)out;
	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) == CTA_TUPLE_ORIG)
			orig = a;
		if (mnl_attr_get_type(a) == CTA_ID)
			id = a;
		if (mnl_attr_get_type(a) == CTA_ZONE)
			zone = a;
	}
	got_tuple = orig && mnl_attr_get_payload_len(orig) == e.tuple_len &&
		    !memcmp(mnl_attr_get_payload(orig), e.tuple, e.tuple_len);
	check("ct delete: one acked IPCTNL_MSG_CT_DELETE for the entry's family",
	      !b.err && b.nmsg == 1 &&
	      nlh->nlmsg_type == ((NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE) &&
	      (nlh->nlmsg_flags & NLM_F_ACK) &&
	      ((struct nfgenmsg *)mnl_nlmsg_get_payload(nlh))->nfgen_family == AF_INET);
	check("ct delete: carries the original tuple as dumped, the id and the zone",
	      got_tuple && id && mnl_attr_get_u32(id) == htonl(0x12345678) &&
	      zone && mnl_attr_get_u16(zone) == htons(7));

	/* Without a tuple the kernel would flush every entry: never sent. */
	memset(&e, 0, sizeof(e));
	e.family = AF_INET;
	nl_buf_init(&b, out, sizeof(out));
	ct_delete_msg(&b, &e, "x");
	check("ct delete: an entry without a tuple adds nothing and fails the buffer",
	      b.err == -EINVAL && b.nmsg == 0 && b.len == 0);

	nlh = ct_entry_msg(buf, AF_INET, 0);
	check("ct parse: an entry without a reply tuple is rejected",
	      ct_parse(nlh, &e) == -EBADMSG);
	nlh = ct_entry_msg(buf, AF_INET6, 1);
	check("ct parse: IPv4-sized addresses in an IPv6 entry are rejected",
	      ct_parse(nlh, &e) == -EBADMSG);
	nlh = ct_entry_msg(buf, AF_BRIDGE, 1);
	check("ct parse: other families are skipped, not parsed", ct_parse(nlh, &e) == -ENOENT);
	nlh = ct_entry_msg(buf, AF_INET, 1);
	mnl_attr_put_u16(nlh, CTA_ID, 1);
	check("ct parse: a 2-byte CTA_ID is rejected", ct_parse(nlh, &e) == -EBADMSG);
	nlh = ct_entry_msg(buf, AF_INET, 1);
	nlh->nlmsg_len = NLMSG_HDRLEN + 2;
	check("ct parse: a truncated header is rejected", ct_parse(nlh, &e) == -EBADMSG);
}

/* ---- QubesDB client ---- */

/* The daemon's header as qubes-core-qubesdb declares it: the oracle for
 * our byte offsets. */
struct ref_qdb_hdr {
	uint8_t type;
	char path[64];
	uint32_t data_len;
};

#define QP "/qubes-netvm-primary-dns"
#define QS "/qubes-netvm-secondary-dns"

/* One message from the daemon at out; returns its size. */
static size_t qdb_msg(unsigned char *out, uint8_t type, const char *path, uint32_t data_len,
		      const char *data, size_t n)
{
	struct ref_qdb_hdr h;

	memset(&h, 0, sizeof(h));
	h.type = type;
	memcpy(h.path, path, strnlen(path, sizeof(h.path)));
	h.data_len = data_len;
	memcpy(out, &h, sizeof(h));
	if (n)
		memcpy(out + sizeof(h), data, n);
	return sizeof(h) + n;
}

static void test_qdb_request(void)
{
	struct ref_qdb_hdr want;
	unsigned char got[QDB_HDR_SIZE];
	char k63[64];

	check("qdb: the daemon's header is 72 bytes, data_len at offset 68",
	      sizeof(struct ref_qdb_hdr) == QDB_HDR_SIZE &&
	      offsetof(struct ref_qdb_hdr, data_len) == 68);
	memset(&want, 0, sizeof(want));
	want.type = 0;
	strcpy(want.path, QP);
	memset(got, 0xaa, sizeof(got));
	qdb_build_read(QP, got);
	check("qdb request: READ, the key NUL-padded, data_len 0, padding zero",
	      same_bytes("qdb request", got, sizeof(got), (const uint8_t *)&want, sizeof(want)));

	memset(k63, 'a', 63);
	k63[0] = '/';
	k63[63] = '\0';
	check("qdb key: the keys we read are valid", qdb_valid_key(QP) && qdb_valid_key(QS) &&
	      qdb_valid_key("/qubes-primary-dns") && qdb_valid_key("/a@b:c.d-e_F9/x"));
	check("qdb key: 63 bytes is valid", qdb_valid_key(k63));
	k63[62] = '/';
	check("qdb key: ... not ending in '/'", !qdb_valid_key(k63));
	check("qdb key: empty, relative, root, directory, space, newline, UTF-8 are not",
	      !qdb_valid_key("") && !qdb_valid_key("qubes-ip") && !qdb_valid_key("/") &&
	      !qdb_valid_key("/qubes/") && !qdb_valid_key("/a b") && !qdb_valid_key("/a\n") &&
	      !qdb_valid_key("/\xc3\xa4") && !qdb_valid_key("/a*") && !qdb_valid_key("/a%s"));
	check("qdb key: 64 bytes is not",
	      !qdb_valid_key("/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

static void test_qdb_parse(void)
{
	static unsigned char m[2 * (QDB_HDR_SIZE + QDB_VALUE_MAX)];
	static char big[QDB_VALUE_MAX + 1];
	struct qdb_reply r;
	size_t n;
	int rc;

	n = qdb_msg(m, QDB_RESP_READ, QP, 10, "10.139.1.1", 10);
	rc = qdb_parse_reply(m, n, QP, &r);
	check("qdb parse: READ gives the value and the message size",
	      rc == QDB_REPLY_VALUE && r.size == 82 && r.value_len == 10 &&
	      r.value == (const char *)m + 72 && !memcmp(r.value, "10.139.1.1", 10));
	check("qdb parse: nothing yet needs a header", qdb_parse_reply(m, 0, QP, &r) ==
	      QDB_REPLY_MORE && r.size == 72);
	check("qdb parse: 71 bytes need a header", qdb_parse_reply(m, 71, QP, &r) ==
	      QDB_REPLY_MORE && r.size == 72);
	check("qdb parse: a header alone needs its data", qdb_parse_reply(m, 72, QP, &r) ==
	      QDB_REPLY_MORE && r.size == 82);
	check("qdb parse: one byte short needs its data", qdb_parse_reply(m, 81, QP, &r) ==
	      QDB_REPLY_MORE && r.size == 82);
	check("qdb parse: bytes after the message are not part of it",
	      qdb_parse_reply(m, 100, QP, &r) == QDB_REPLY_VALUE && r.size == 82 &&
	      r.value_len == 10);
	check("qdb parse: an answer about another key is refused",
	      qdb_parse_reply(m, n, QS, &r) == -EPROTO);
	check("qdb parse: ... a longer key with the same beginning too",
	      qdb_parse_reply(m, n, QP "x", &r) == -EPROTO);
	n = qdb_msg(m, QDB_RESP_READ, QP "x", 10, "10.139.1.1", 10);
	check("qdb parse: ... and a path that only begins like ours",
	      qdb_parse_reply(m, n, QP, &r) == -EPROTO);
	n = qdb_msg(m, QDB_RESP_READ, QP, 10, "10.139.1.1", 10);
	memcpy(m + 1 + sizeof(QP), "junk", 4);
	check("qdb parse: bytes after the path's NUL do not matter",
	      qdb_parse_reply(m, n, QP, &r) == QDB_REPLY_VALUE);
	memset(m + 1, 'a', 64);
	check("qdb parse: a path field without a NUL is refused",
	      qdb_parse_reply(m, n, QP, &r) == -EPROTO);

	n = qdb_msg(m, QDB_RESP_READ, QP, 0, NULL, 0);
	check("qdb parse: an empty value", qdb_parse_reply(m, n, QP, &r) == QDB_REPLY_VALUE &&
	      r.value_len == 0 && r.size == 72);
	n = qdb_msg(m, QDB_RESP_READ, QP, 11, "10.139.1\0.1", 11);
	check("qdb parse: a NUL in the value is refused", qdb_parse_reply(m, n, QP, &r) == -EPROTO);

	memset(big, '1', sizeof(big));
	n = qdb_msg(m, QDB_RESP_READ, QP, QDB_VALUE_MAX, big, QDB_VALUE_MAX);
	check("qdb parse: 3071 bytes, the largest value",
	      qdb_parse_reply(m, n, QP, &r) == QDB_REPLY_VALUE && r.value_len == QDB_VALUE_MAX);
	n = qdb_msg(m, QDB_RESP_READ, QP, QDB_VALUE_MAX + 1, big, 0);
	check("qdb parse: data_len 3072 is refused from the header alone",
	      qdb_parse_reply(m, n, QP, &r) == -EPROTO);
	n = qdb_msg(m, QDB_RESP_READ, QP, 0xffffffffu, NULL, 0);
	check("qdb parse: data_len 0xffffffff is refused",
	      qdb_parse_reply(m, n, QP, &r) == -EPROTO);

	n = qdb_msg(m, QDB_RESP_ERROR_NOENT, QP, 0, NULL, 0);
	check("qdb parse: NOENT", qdb_parse_reply(m, n, QP, &r) == -ENOENT && r.size == 72);
	n = qdb_msg(m, QDB_RESP_ERROR, QP, 0, NULL, 0);
	check("qdb parse: ERROR", qdb_parse_reply(m, n, QP, &r) == -EIO && r.size == 72);
	n = qdb_msg(m, QDB_RESP_ERROR_NOENT, QP, 3, "abc", 3);
	check("qdb parse: NOENT with data is refused", qdb_parse_reply(m, n, QP, &r) == -EPROTO);
	n = qdb_msg(m, QDB_RESP_ERROR_NOENT, QS, 0, NULL, 0);
	check("qdb parse: NOENT for another key is refused",
	      qdb_parse_reply(m, n, QP, &r) == -EPROTO);
	n = qdb_msg(m, QDB_RESP_WATCH, "/qubes-ip", 0, NULL, 0);
	check("qdb parse: WATCH, whatever its path, is skipped",
	      qdb_parse_reply(m, n, QP, &r) == QDB_REPLY_WATCH && r.size == 72);
	n = qdb_msg(m, QDB_RESP_WATCH, "/qubes-ip", 4, "abcd", 4);
	check("qdb parse: WATCH with data is refused", qdb_parse_reply(m, n, QP, &r) == -EPROTO);
	for (rc = 0; rc < 256; rc++) {
		n = qdb_msg(m, (uint8_t)rc, QP, 0, NULL, 0);
		if (rc != QDB_RESP_READ && rc != QDB_RESP_ERROR_NOENT && rc != QDB_RESP_ERROR &&
		    rc != QDB_RESP_WATCH && qdb_parse_reply(m, n, QP, &r) != -EPROTO)
			break;
	}
	check("qdb parse: every other type (the commands, OK, MULTIREAD, LIST) is refused",
	      rc == 256);
	check("qdb parse: an invalid key is refused before looking",
	      qdb_parse_reply(m, n, "/a b", &r) == -EINVAL);
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A session over a socketpair: what the test writes to *peer is the
 * daemon's side. */
static void qdb_pair(struct qdb *q, int *peer, int timeout_ms)
{
	int sv[2];

	memset(q, 0, sizeof(*q));
	q->fd = -1;
	*peer = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return;
	q->fd = sv[0];
	*peer = sv[1];
	q->deadline_ms = mono_ms() + timeout_ms;
}

static void test_qdb_io(void)
{
	unsigned char m[4096], req[2 * QDB_HDR_SIZE], want[QDB_HDR_SIZE];
	char v[64], tiny[4];
	struct in_addr a;
	struct qdb q;
	size_t n = 0;
	int peer, rc1, rc2;
	int64_t t0;

	/* Two reads on one connection, a watch event between them. */
	qdb_pair(&q, &peer, 1000);
	n += qdb_msg(m + n, QDB_RESP_READ, QP, 10, "10.139.1.1", 10);
	n += qdb_msg(m + n, QDB_RESP_WATCH, "/qubes-ip", 0, NULL, 0);
	n += qdb_msg(m + n, QDB_RESP_READ, QS, 10, "10.139.1.2", 10);
	check("qdb io: replies queued", write(peer, m, n) == (ssize_t)n);
	rc1 = qdb_read_ipv4(&q, QP, &a);
	check("qdb io: first read", rc1 == 0 && a.s_addr == inet_addr("10.139.1.1"));
	rc2 = qdb_read(&q, QS, v, sizeof(v));
	check("qdb io: second read on the same connection, past a WATCH",
	      rc2 == 10 && !strcmp(v, "10.139.1.2"));
	qdb_build_read(QP, want);
	check("qdb io: the requests sent", read(peer, req, sizeof(req)) == (ssize_t)sizeof(req) &&
	      !memcmp(req, want, QDB_HDR_SIZE));
	qdb_build_read(QS, want);
	check("qdb io: ... one per read, as built", !memcmp(req + QDB_HDR_SIZE, want, QDB_HDR_SIZE));

	/* Too long for the caller, then NOENT: both keep the connection. */
	n = qdb_msg(m, QDB_RESP_READ, QP, 10, "10.139.1.1", 10);
	n += qdb_msg(m + n, QDB_RESP_ERROR_NOENT, QS, 0, NULL, 0);
	n += qdb_msg(m + n, QDB_RESP_READ, QP, 14, "not an address", 14);
	n += qdb_msg(m + n, QDB_RESP_READ, QP, 1, "x", 1);
	check("qdb io: more replies queued", write(peer, m, n) == (ssize_t)n);
	check("qdb io: a value longer than the buffer is -EMSGSIZE",
	      qdb_read(&q, QP, tiny, sizeof(tiny)) == -EMSGSIZE && tiny[0] == '\0');
	check("qdb io: then NOENT on the same connection", qdb_read(&q, QS, v, sizeof(v)) == -ENOENT);
	check("qdb io: then a value that is not an address", qdb_read_ipv4(&q, QP, &a) == -EBADMSG);
	check("qdb io: and the connection still serves", qdb_read(&q, QP, v, sizeof(v)) == 1 &&
	      !strcmp(v, "x"));
	check("qdb io: an invalid key is refused without asking",
	      qdb_read(&q, "/a b", v, sizeof(v)) == -EINVAL && q.fd >= 0);

	/* Two requests in one write, their answers taken in order. */
	{
		const char *const keys[2] = { QP, QS }, *const bad[2] = { QP, "/a b" };
		unsigned char two[3 * QDB_HDR_SIZE];

		while (recv(peer, m, sizeof(m), MSG_DONTWAIT) > 0)
			;       /* the earlier reads' requests */
		check("qdb io: a pipelined request with an invalid key sends nothing",
		      qdb_send_reads(&q, bad, 2) == -EINVAL && q.fd >= 0);
		check("qdb io: two requests sent at once", qdb_send_reads(&q, keys, 2) == 0);
		check("qdb io: ... in one write of both headers",
		      read(peer, two, sizeof(two)) == 2 * QDB_HDR_SIZE);
		qdb_build_read(QP, want);
		check("qdb io: ... the first as built", !memcmp(two, want, QDB_HDR_SIZE));
		qdb_build_read(QS, want);
		check("qdb io: ... the second as built",
		      !memcmp(two + QDB_HDR_SIZE, want, QDB_HDR_SIZE));
		n = qdb_msg(m, QDB_RESP_READ, QP, 10, "10.139.1.1", 10);
		n += qdb_msg(m + n, QDB_RESP_ERROR_NOENT, QS, 0, NULL, 0);
		check("qdb io: both answers queued", write(peer, m, n) == (ssize_t)n);
		check("qdb io: the first answer", qdb_answer(&q, QP, v, sizeof(v)) == 10 &&
		      !strcmp(v, "10.139.1.1"));
		check("qdb io: the second answer", qdb_answer(&q, QS, v, sizeof(v)) == -ENOENT);
		check("qdb io: more requests than QDB_PIPELINE_MAX are refused",
		      qdb_send_reads(&q, keys, QDB_PIPELINE_MAX + 1) == -E2BIG);
	}

	/* A malformed reply breaks the connection for good. */
	n = qdb_msg(m, QDB_RESP_READ, QS, 1, "x", 1);
	check("qdb io: a reply for another key queued", write(peer, m, n) == (ssize_t)n);
	check("qdb io: is -EPROTO", qdb_read(&q, QP, v, sizeof(v)) == -EPROTO && q.fd < 0);
	check("qdb io: ... and so is every later read", qdb_read(&q, QS, v, sizeof(v)) == -EPROTO);
	qdb_close(&q);
	close(peer);

	/* Silence: the deadline, then the same error at once. */
	qdb_pair(&q, &peer, 100);
	t0 = mono_ms();
	rc1 = qdb_read(&q, QP, v, sizeof(v));
	t0 = mono_ms() - t0;
	check("qdb io: no answer is -ETIMEDOUT at the deadline",
	      rc1 == -ETIMEDOUT && t0 >= 90 && t0 < 1000);
	t0 = mono_ms();
	check("qdb io: ... and the next read does not wait",
	      qdb_read(&q, QS, v, sizeof(v)) == -ETIMEDOUT && mono_ms() - t0 < 50);
	qdb_close(&q);
	close(peer);

	/* Half a header, then EOF. */
	qdb_pair(&q, &peer, 1000);
	n = qdb_msg(m, QDB_RESP_READ, QP, 1, "x", 1);
	check("qdb io: half a header queued", write(peer, m, 36) == 36);
	shutdown(peer, SHUT_WR);
	check("qdb io: EOF mid-reply is -ECONNRESET", qdb_read(&q, QP, v, sizeof(v)) == -ECONNRESET);
	qdb_close(&q);
	close(peer);

	/* 33 WATCH messages: more than we skip. */
	qdb_pair(&q, &peer, 1000);
	for (n = 0; n < (QDB_WATCH_MAX + 1) * QDB_HDR_SIZE; )
		n += qdb_msg(m + n, QDB_RESP_WATCH, "/qubes-ip", 0, NULL, 0);
	n += qdb_msg(m + n, QDB_RESP_READ, QP, 1, "x", 1);
	check("qdb io: 33 WATCH messages and an answer queued", write(peer, m, n) == (ssize_t)n);
	check("qdb io: more than 32 WATCH messages is -EPROTO",
	      qdb_read(&q, QP, v, sizeof(v)) == -EPROTO);
	qdb_close(&q);
	close(peer);

	/* The daemon gone: sending fails as a receive would. */
	qdb_pair(&q, &peer, 1000);
	close(peer);
	check("qdb io: a closed peer is -ECONNRESET", qdb_read(&q, QP, v, sizeof(v)) == -ECONNRESET);
	qdb_close(&q);
}

static void test_qdb_open(void)
{
	char dir[] = "/tmp/qvunit.XXXXXX", path[128], v[8];
	struct sockaddr_un sa;
	struct qdb q;
	int l = -1;

	if (!mkdtemp(dir)) {
		check("qdb open: a temporary directory", 0);
		return;
	}
	snprintf(path, sizeof(path), "%s/qdb.sock", dir);
	setenv(QDB_SOCK_ENV, path, 1);
	check("qdb open: no socket there is -ENOENT, then reads are -ENOTCONN",
	      qdb_open(&q, 1000) == -ENOENT && !strcmp(q.sock, path) &&
	      qdb_read(&q, QP, v, sizeof(v)) == -ENOTCONN);
	qdb_close(&q);

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l >= 0 && bind(l, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(l, 4) == 0) {
		/* Our own socket: the peer is ourselves, which is allowed. */
		check("qdb open: $" QDB_SOCK_ENV " is used", qdb_open(&q, 1000) == 0 && q.fd >= 0);
		qdb_close(&q);
		check("qdb close: closed", q.fd == -1 && qdb_read(&q, QP, v, sizeof(v)) == -ENOTCONN);
	} else {
		check("qdb open: a listening socket", 0);
	}
	if (l >= 0)
		close(l);
	unlink(path);
	rmdir(dir);

	setenv(QDB_SOCK_ENV, "qdb.sock", 1);
	check("qdb open: a relative $" QDB_SOCK_ENV " is -EINVAL", qdb_open(&q, 1000) == -EINVAL);
	qdb_close(&q);
	setenv(QDB_SOCK_ENV, "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 1);
	check("qdb open: a 110-byte $" QDB_SOCK_ENV " is -EINVAL", qdb_open(&q, 1000) == -EINVAL);
	qdb_close(&q);
	unsetenv(QDB_SOCK_ENV);
	check("qdb strerror: QubesDB's terms", !strcmp(qdb_strerror(-ENOENT), "no such key") &&
	      !strcmp(qdb_strerror(-EPROTO), "malformed reply") &&
	      !strcmp(qdb_open_strerror(-EPERM), "the daemon runs neither as root nor as us"));
}

/* ---- generic netlink and WireGuard (linux/genetlink.h, linux/wireguard.h) ---- */

static void test_genl_getfamily_golden(void)
{
	/* nlmsghdr { len 36, type GENL_ID_CTRL 0x10, flags REQUEST|ACK 0x05,
	 * seq 0, pid 0 }; genlmsghdr { cmd CTRL_CMD_GETFAMILY 3, version 1 };
	 * CTRL_ATTR_FAMILY_NAME (2) "wireguard\0": len 14, padded to 16 */
	static const uint8_t want[] = {
		0x24, 0x00, 0x00, 0x00, 0x10, 0x00, 0x05, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x03, 0x01, 0x00, 0x00,
		0x0e, 0x00, 0x02, 0x00, 'w', 'i', 'r', 'e', 'g', 'u', 'a', 'r',
		'd', 0x00, 0x00, 0x00,
	};
	char buf[128] __attribute__((aligned(4)));
	struct nl_buf b;

	nl_buf_init(&b, buf, sizeof(buf));
	genl_getfamily_msg(&b, WG_GENL_NAME);
	check("genl: CTRL_CMD_GETFAMILY \"wireguard\" bytes",
	      !b.err && same_bytes("getfamily", buf, b.len, want, sizeof(want)));
}

static void test_genl_family_parse(void)
{
	char buf[128] __attribute__((aligned(4)));
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	uint16_t id = 0;

	/* The controller's reply: GENL_ID_CTRL, CTRL_CMD_NEWFAMILY, the id. */
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	((struct genlmsghdr *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct genlmsghdr)))->cmd =
		CTRL_CMD_NEWFAMILY;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "wireguard");
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, 0x1d);
	check("genl: the controller's family id is read",
	      genl_parse_family_id(nlh, &id) == 0 && id == 0x1d);
	nlh->nlmsg_type = 0x1d;
	check("genl: another family's message is not the controller's",
	      genl_parse_family_id(nlh, &id) == -ENOENT);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct genlmsghdr));
	mnl_attr_put_u32(nlh, CTRL_ATTR_FAMILY_ID, 0x1d);
	check("genl: a 4-byte family id is malformed", genl_parse_family_id(nlh, &id) == -EBADMSG);
}

static void test_wg_set_device_golden(void)
{
	/* One message: nlmsghdr { len 200, type 0x1d (the family id the
	 * controller gave), flags REQUEST|ACK }; genlmsghdr { WG_CMD_SET_DEVICE
	 * 1, WG_GENL_VERSION 1 };
	 *   WGDEVICE_A_IFNAME (2) "wg0\0"               8 bytes
	 *   WGDEVICE_A_PRIVATE_KEY (3) 32 x 0x11       36
	 *   WGDEVICE_A_LISTEN_PORT (6) u16 51820 (0xca6c, host order), 2 pad   8
	 *   WGDEVICE_A_FWMARK (7) u32 0                 8
	 *   WGDEVICE_A_FLAGS (5) u32 REPLACE_PEERS 1    8
	 *   WGDEVICE_A_PEERS (8 | NLA_F_NESTED 0x8000), len 112:
	 *     peer (0 | NLA_F_NESTED), len 108:
	 *       WGPEER_A_PUBLIC_KEY (1) 32 x 0x22       36
	 *       WGPEER_A_FLAGS (3) u32 REPLACE_ALLOWEDIPS 2   8
	 *       WGPEER_A_ENDPOINT (4) struct sockaddr_in { AF_INET 2, port 51820
	 *         in network order ca 6c, 192.0.2.1, 8 zero }   20
	 *       WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL (5) u16 25, 2 pad   8
	 *       WGPEER_A_ALLOWEDIPS (9 | NESTED), len 32:
	 *         allowed IP (0 | NESTED), len 28:
	 *           WGALLOWEDIP_A_FAMILY (1) u16 AF_INET, 2 pad   8
	 *           WGALLOWEDIP_A_IPADDR (2) 0.0.0.0              8
	 *           WGALLOWEDIP_A_CIDR_MASK (3) u8 0, 3 pad        8 */
	static const uint8_t want[] = {
		0xc8, 0x00, 0x00, 0x00, 0x1d, 0x00, 0x05, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x01, 0x01, 0x00, 0x00,
		0x08, 0x00, 0x02, 0x00, 'w', 'g', '0', 0x00,
		0x24, 0x00, 0x03, 0x00,
		0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
		0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
		0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
		0x06, 0x00, 0x06, 0x00, 0x6c, 0xca, 0x00, 0x00,
		0x08, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x08, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00,
		0x70, 0x00, 0x08, 0x80,
		0x6c, 0x00, 0x00, 0x80,
		0x24, 0x00, 0x01, 0x00,
		0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22,
		0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22,
		0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22,
		0x08, 0x00, 0x03, 0x00, 0x02, 0x00, 0x00, 0x00,
		0x14, 0x00, 0x04, 0x00, 0x02, 0x00, 0xca, 0x6c, 0xc0, 0x00, 0x02, 0x01,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x06, 0x00, 0x05, 0x00, 0x19, 0x00, 0x00, 0x00,
		0x20, 0x00, 0x09, 0x80,
		0x1c, 0x00, 0x00, 0x80,
		0x06, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00,
		0x08, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x05, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	char buf[1024] __attribute__((aligned(4)));
	uint8_t priv[WG_KEY_LEN];
	static struct wg_peer peer;
	struct wg_device d = { "wg0", priv, 51820, 0, 1, &peer, 0 };
	uint8_t want10[sizeof(want)];
	struct nl_buf b;
	size_t i;

	memset(priv, 0x11, sizeof(priv));
	memset(&peer, 0, sizeof(peer));
	memset(peer.public_key, 0x22, WG_KEY_LEN);
	peer.has_public_key = 1;
	peer.endpoint.family = AF_INET;
	peer.endpoint.port = 51820;
	inet_pton(AF_INET, "192.0.2.1", peer.endpoint.addr);
	peer.keepalive = 25;
	peer.nallowed = 1;
	peer.allowed[0].family = AF_INET;
	nl_buf_init(&b, buf, sizeof(buf));
	check("wg: WG_CMD_SET_DEVICE bytes (one peer, IPv4 endpoint, 0.0.0.0/0)",
	      wg_set_device_msgs(&b, 0x1d, &d, 4096) == 0 && b.nmsg == 1 &&
	      same_bytes("wg set device", buf, b.len, want, sizeof(want)));
	/* keepalive_max 25 (the watchdog's rule, as wireguard-go is asked):
	 * off or rarer becomes 25, the same bytes; more often stays. */
	d.keepalive_max = 25;
	peer.keepalive = 60;
	nl_buf_init(&b, buf, sizeof(buf));
	check("wg: a 60 s keepalive is sent as 25 s (keepalive_max)",
	      wg_set_device_msgs(&b, 0x1d, &d, 4096) == 0 &&
	      same_bytes("wg keepalive 60", buf, b.len, want, sizeof(want)));
	peer.keepalive = -1;
	nl_buf_init(&b, buf, sizeof(buf));
	check("wg: no keepalive is sent as 25 s (keepalive_max)",
	      wg_set_device_msgs(&b, 0x1d, &d, 4096) == 0 &&
	      same_bytes("wg keepalive off", buf, b.len, want, sizeof(want)));
	/* want with KEEPALIVE (len 6, type 5) carrying 10 */
	memcpy(want10, want, sizeof(want));
	for (i = 0; i + 4 < sizeof(want10); i += 4)
		if (!memcmp(want10 + i, "\x06\x00\x05\x00", 4))
			want10[i + 4] = 10;
	peer.keepalive = 10;
	nl_buf_init(&b, buf, sizeof(buf));
	check("wg: a 10 s keepalive stays 10 s (keepalive_max 25)",
	      memcmp(want10, want, sizeof(want)) && wg_set_device_msgs(&b, 0x1d, &d, 4096) == 0 &&
	      same_bytes("wg keepalive 10", buf, b.len, want10, sizeof(want10)));
}

/* The attributes of one peer nest, counted: allowed IPs, and which
 * optional attributes are present. */
struct peer_seen {
	unsigned allowed;
	int has_flags, has_endpoint, has_psk;
};

/* The first attribute nested in a, and the end of a's payload (written
 * out: cppcheck does not know libmnl's iteration macros). */
static const struct nlattr *nested_first(const struct nlattr *a, int *left)
{
	*left = (int)mnl_attr_get_payload_len(a);
	return mnl_attr_get_payload(a);
}

static void count_peer(const struct nlattr *peer, struct peer_seen *ps)
{
	const struct nlattr *a, *ip;
	int left, left_ip;

	for (a = nested_first(peer, &left); mnl_attr_ok(a, left); a = mnl_attr_next(a)) {
		left -= (int)MNL_ALIGN(a->nla_len);
		switch (mnl_attr_get_type(a)) {
		case WGPEER_A_FLAGS: ps->has_flags = 1; break;
		case WGPEER_A_ENDPOINT: ps->has_endpoint = 1; break;
		case WGPEER_A_PRESHARED_KEY: ps->has_psk = 1; break;
		case WGPEER_A_ALLOWEDIPS:
			for (ip = nested_first(a, &left_ip); mnl_attr_ok(ip, left_ip); ip = mnl_attr_next(ip)) {
				left_ip -= (int)MNL_ALIGN(ip->nla_len);
				ps->allowed++;
			}
			break;
		}
	}
}

static void test_wg_set_device_split(void)
{
	static char buf[65536] __attribute__((aligned(4)));
	static struct wg_peer peers[3];
	uint8_t priv[WG_KEY_LEN] = { 0 };
	struct wg_device d = { "wg0", priv, -1, 0x1234, 3, peers, 25 };
	const struct nlmsghdr *nlh;
	const struct nlattr *a, *peer;
	struct peer_seen seen[3];
	unsigned i, j, msgs = 0, peer_idx = 0, privkeys = 0, replace = 0, too_long = 0;
	int len, err, left;
	struct nl_buf b;

	memset(peers, 0, sizeof(peers));
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < 3; i++) {
		peers[i].public_key[0] = (uint8_t)(i + 1);
		peers[i].has_public_key = peers[i].has_preshared_key = 1;
		peers[i].endpoint.family = AF_INET6;
		peers[i].endpoint.port = 1000;
		peers[i].keepalive = -1;
		peers[i].nallowed = WG_ALLOWED_MAX;
		for (j = 0; j < WG_ALLOWED_MAX; j++) {
			peers[i].allowed[j].family = AF_INET6;
			peers[i].allowed[j].addr[0] = (uint8_t)j;
			peers[i].allowed[j].len = 8;
		}
	}
	nl_buf_init(&b, buf, sizeof(buf));
	/* 3 peers x 64 IPv6 allowed IPs (40 bytes each) in messages of at
	 * most 1024 bytes: split inside peers, as wg(8) does. */
	err = wg_set_device_msgs(&b, 0x1d, &d, 1024);
	len = (int)b.len;
	for (nlh = (const struct nlmsghdr *)buf; err == 0 && nl_msg_ok(nlh, len);
	     nlh = nl_msg_next(nlh, &len), msgs++) {
		if (nlh->nlmsg_len > 1024)
			too_long++;
		mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
			if (mnl_attr_get_type(a) == WGDEVICE_A_PRIVATE_KEY)
				privkeys++;
			if (mnl_attr_get_type(a) == WGDEVICE_A_FLAGS)
				replace++;
			if (mnl_attr_get_type(a) != WGDEVICE_A_PEERS)
				continue;
			for (peer = nested_first(a, &left); mnl_attr_ok(peer, left); peer = mnl_attr_next(peer)) {
				const struct nlattr *k = mnl_attr_get_payload(peer);

				left -= (int)MNL_ALIGN(peer->nla_len);
				peer_idx = *(const uint8_t *)mnl_attr_get_payload(k) - 1u;
				if (peer_idx < 3)
					count_peer(peer, &seen[peer_idx]);
			}
		}
	}
	check("wg split: built", err == 0 && len == 0);
	check("wg split: several messages, none longer than 1024 bytes", msgs > 8 && !too_long);
	check("wg split: the private key and REPLACE_PEERS only in the first",
	      privkeys == 1 && replace == 1);
	check("wg split: every allowed IP of every peer sent once",
	      seen[0].allowed == WG_ALLOWED_MAX && seen[1].allowed == WG_ALLOWED_MAX &&
	      seen[2].allowed == WG_ALLOWED_MAX);
	check("wg split: each peer's flags, endpoint and key sent once (a continued peer is named only)",
	      seen[0].has_flags && seen[1].has_endpoint && seen[2].has_psk);
	nl_buf_init(&b, buf, sizeof(buf));
	check("wg split: a message too small for one peer: -EMSGSIZE",
	      wg_set_device_msgs(&b, 0x1d, &d, 200) == -EMSGSIZE);
	nl_buf_init(&b, buf, 300);
	check("wg split: a buffer too small: -EMSGSIZE",
	      wg_set_device_msgs(&b, 0x1d, &d, 1024) == -EMSGSIZE);
}

static void test_rt_wg_golden(void)
{
	/* RTM_NEWLINK, REQUEST|ACK|CREATE|EXCL (0x0605); ifinfomsg all zero;
	 * IFLA_IFNAME (3) "wg0\0"; IFLA_LINKINFO (18 | NLA_F_NESTED 0x8000,
	 * as libmnl's nests are) { IFLA_INFO_KIND (1) "wireguard\0" (len 14,
	 * padded 16) } len 20 */
	static const uint8_t link[] = {
		0x3c, 0x00, 0x00, 0x00, 0x10, 0x00, 0x05, 0x06,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x08, 0x00, 0x03, 0x00, 'w', 'g', '0', 0x00,
		0x14, 0x00, 0x12, 0x80,
		0x0e, 0x00, 0x01, 0x00, 'w', 'i', 'r', 'e', 'g', 'u', 'a', 'r',
		'd', 0x00, 0x00, 0x00,
	};
	/* RTM_NEWADDR, REQUEST|ACK|CREATE|REPLACE (0x0505); ifaddrmsg
	 * { AF_INET6 10, prefixlen 128, flags IFA_F_NODAD 0x02, scope 0,
	 * index 7 }; IFA_LOCAL (2) and IFA_ADDRESS (1) fd00::2 */
	static const uint8_t addr[] = {
		0x40, 0x00, 0x00, 0x00, 0x14, 0x00, 0x05, 0x05,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x0a, 0x80, 0x02, 0x00, 0x07, 0x00, 0x00, 0x00,
		0x14, 0x00, 0x02, 0x00, 0xfd, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
		0x14, 0x00, 0x01, 0x00, 0xfd, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
	};
	/* RTM_NEWLINK, REQUEST|ACK; ifinfomsg { index 7, flags IFF_UP,
	 * change IFF_UP }; IFLA_MTU (4) 1420 (0x058c) */
	static const uint8_t up[] = {
		0x28, 0x00, 0x00, 0x00, 0x10, 0x00, 0x05, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00,
		0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
		0x08, 0x00, 0x04, 0x00, 0x8c, 0x05, 0x00, 0x00,
	};
	char buf[256] __attribute__((aligned(4)));
	uint8_t a6[16];
	struct nl_buf b;

	nl_buf_init(&b, buf, sizeof(buf));
	rt_link_new_kind(&b, "wg0", "wireguard", "x");
	check("rt: RTM_NEWLINK kind wireguard bytes",
	      !b.err && same_bytes("newlink", buf, b.len, link, sizeof(link)));
	inet_pton(AF_INET6, "fd00::2", a6);
	nl_buf_init(&b, buf, sizeof(buf));
	rt_addr_msg(&b, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, AF_INET6, a6, 128, 7, "x");
	check("rt: RTM_NEWADDR fd00::2/128 nodad bytes",
	      !b.err && same_bytes("newaddr", buf, b.len, addr, sizeof(addr)));
	nl_buf_init(&b, buf, sizeof(buf));
	rt_link_set_mtu_up(&b, 7, 1420, "x");
	check("rt: link MTU 1420 and up bytes",
	      !b.err && same_bytes("mtu up", buf, b.len, up, sizeof(up)));
}

static void test_wg_get_del_golden(void)
{
	/* WG_CMD_GET_DEVICE dump request: nlmsghdr { len 28, type 0x1d,
	 * flags REQUEST|ACK|DUMP 0x0305 }; genlmsghdr { WG_CMD_GET_DEVICE 0,
	 * version 1 }; WGDEVICE_A_IFNAME (2) "wg0\0" */
	static const uint8_t get[] = {
		0x1c, 0x00, 0x00, 0x00, 0x1d, 0x00, 0x05, 0x03,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x01, 0x00, 0x00,
		0x08, 0x00, 0x02, 0x00, 'w', 'g', '0', 0x00,
	};
	/* RTM_DELLINK (0x11), REQUEST|ACK; ifinfomsg all zero; IFLA_IFNAME (3)
	 * "wg0\0": the device deleted by name */
	static const uint8_t del[] = {
		0x28, 0x00, 0x00, 0x00, 0x11, 0x00, 0x05, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x08, 0x00, 0x03, 0x00, 'w', 'g', '0', 0x00,
	};
	char buf[256] __attribute__((aligned(4)));
	struct nl_buf b;

	nl_buf_init(&b, buf, sizeof(buf));
	wg_get_device_msg(&b, 0x1d, "wg0");
	check("wg: WG_CMD_GET_DEVICE dump request bytes",
	      !b.err && same_bytes("wg get device", buf, b.len, get, sizeof(get)));
	nl_buf_init(&b, buf, sizeof(buf));
	rt_link_del_name(&b, "wg0", "x");
	check("rt: RTM_DELLINK by name bytes", !b.err && same_bytes("dellink", buf, b.len, del, sizeof(del)));
}

/* ---- WG_CMD_GET_DEVICE replies, built as the kernel builds them
 * (drivers/net/wireguard/netlink.c): family 0x1d, NLM_F_MULTI, the
 * device's attributes in the first message, then as many peers as fit,
 * a peer whose allowed IPs do not fit going on in the next message,
 * named again by its key. ---- */

static struct nlmsghdr *reply_start(char *buf, int with_device)
{
	static const uint8_t key[WG_KEY_LEN] = { 0x11 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = 0x1d;
	nlh->nlmsg_flags = NLM_F_MULTI;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = WG_CMD_GET_DEVICE;
	g->version = WG_GENL_VERSION;
	if (with_device) {
		mnl_attr_put_u16(nlh, WGDEVICE_A_LISTEN_PORT, 51820);
		mnl_attr_put_u32(nlh, WGDEVICE_A_FWMARK, 0);
		mnl_attr_put_u32(nlh, WGDEVICE_A_IFINDEX, 7);
		mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, "wg0");
		mnl_attr_put(nlh, WGDEVICE_A_PRIVATE_KEY, WG_KEY_LEN, key);
		mnl_attr_put(nlh, WGDEVICE_A_PUBLIC_KEY, WG_KEY_LEN, key);
	}
	return nlh;
}

/* Peer k (its key k x 32): fresh (keys, handshake at hs, bytes, ep when
 * given) or continued (key and allowed IPs only); allowed IPs 10.k.j.0/24
 * for j from..to-1. */
static void reply_peer(struct nlmsghdr *nlh, uint8_t k, int fresh, const void *ep, size_t eplen,
		       int64_t hs, unsigned from, unsigned to)
{
	struct nlattr *peer = mnl_attr_nest_start(nlh, 0), *ips, *ip;
	int64_t ts[2] = { hs, 123 };
	uint8_t key[WG_KEY_LEN], a[4] = { 10, k, 0, 0 };

	memset(key, k, sizeof(key));
	mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, WG_KEY_LEN, key);
	if (fresh) {
		memset(key, 0, sizeof(key));
		mnl_attr_put(nlh, WGPEER_A_PRESHARED_KEY, WG_KEY_LEN, key);
		mnl_attr_put(nlh, WGPEER_A_LAST_HANDSHAKE_TIME, sizeof(ts), ts);
		mnl_attr_put_u16(nlh, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, 25);
		mnl_attr_put_u64(nlh, WGPEER_A_TX_BYTES, 1000u + k);
		mnl_attr_put_u64(nlh, WGPEER_A_RX_BYTES, 2000u + k);
		mnl_attr_put_u32(nlh, WGPEER_A_PROTOCOL_VERSION, 1);
		if (ep)
			mnl_attr_put(nlh, WGPEER_A_ENDPOINT, eplen, ep);
	}
	if (from < to) {
		ips = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
		for (; from < to; from++) {
			a[2] = (uint8_t)from;
			ip = mnl_attr_nest_start(nlh, 0);
			mnl_attr_put_u16(nlh, WGALLOWEDIP_A_FAMILY, AF_INET);
			mnl_attr_put(nlh, WGALLOWEDIP_A_IPADDR, sizeof(a), a);
			mnl_attr_put_u8(nlh, WGALLOWEDIP_A_CIDR_MASK, 24);
			mnl_attr_nest_end(nlh, ip);
		}
		mnl_attr_nest_end(nlh, ips);
	}
	mnl_attr_nest_end(nlh, peer);
}

static void state_init(struct wg_dev_state *st)
{
	memset(st, 0, sizeof(*st));
	st->listen_port = -1;
}

/* Parse the messages of the dump in bufs[0..n-1]; the first error. */
static int parse_dump(char (*bufs)[4096], unsigned n, struct wg_dev_state *st)
{
	unsigned i;
	int err = 0;

	state_init(st);
	for (i = 0; i < n && !err; i++)
		err = wg_parse_device((const struct nlmsghdr *)bufs[i], 0x1d, st);
	return err;
}

/* --wg-seeds DIR: the dumps below, one file each (each file the dump's
 * messages back to back): the seed corpus of tests/fuzz/wgdump. */
static const char *seed_dir;

static void write_seed(const char *name, char (*bufs)[4096], unsigned n)
{
	char path[512];
	unsigned i;
	FILE *f;

	if (!seed_dir)
		return;
	snprintf(path, sizeof(path), "%s/%s", seed_dir, name);
	f = fopen(path, "wb");
	for (i = 0; f && i < n; i++)
		fwrite(bufs[i], 1, NLMSG_ALIGN(((struct nlmsghdr *)bufs[i])->nlmsg_len), f);
	if (f)
		fclose(f);
}

static void test_wg_parse_device(void)
{
	static char bufs[4][4096] __attribute__((aligned(4)));
	static struct {
		struct wg_dev_state st;
		uint8_t canary[1024];   /* what a peer kept beyond the array would overwrite */
	} guarded;
	struct wg_dev_state *stp = &guarded.st;
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(51820) };
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(51821) };
	struct nlmsghdr *nlh;
	struct nlattr *peers;
	unsigned i, kept;
	uint8_t want6[16];
	int err;

	inet_pton(AF_INET, "192.0.2.1", &s4.sin_addr);
	inet_pton(AF_INET6, "2001:db8::1", &s6.sin6_addr);
	inet_pton(AF_INET6, "2001:db8::1", want6);

	/* One message: three peers (IPv4 endpoint and a handshake; IPv6
	 * endpoint, never a handshake; no endpoint, no allowed IP). */
	memset(bufs, 0, sizeof(bufs));
	nlh = reply_start(bufs[0], 1);
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	reply_peer(nlh, 1, 1, &s4, sizeof(s4), 1700000000, 0, 3);
	reply_peer(nlh, 2, 1, &s6, sizeof(s6), 0, 0, 1);
	reply_peer(nlh, 3, 1, NULL, 0, 0, 0, 0);
	mnl_attr_nest_end(nlh, peers);
	write_seed("one-message", bufs, 1);
	err = parse_dump(bufs, 1, stp);
	check("wg dump: one message, three peers", err == 0 && stp->npeers == 3 && stp->listen_port == 51820);
	check("wg dump: peer 1: key, IPv4 endpoint, handshake, bytes, allowed IPs",
	      stp->peers[0].public_key[0] == 1 && stp->peers[0].public_key[31] == 1 &&
	      stp->peers[0].endpoint.family == AF_INET && stp->peers[0].endpoint.port == 51820 &&
	      !memcmp(stp->peers[0].endpoint.addr, &s4.sin_addr, 4) &&
	      stp->peers[0].last_handshake_sec == 1700000000 && stp->peers[0].rx_bytes == 2001 &&
	      stp->peers[0].tx_bytes == 1001 && stp->peers[0].nallowed == 3);
	check("wg dump: peer 2: IPv6 endpoint, no handshake",
	      stp->peers[1].endpoint.family == AF_INET6 && stp->peers[1].endpoint.port == 51821 &&
	      !memcmp(stp->peers[1].endpoint.addr, want6, 16) && stp->peers[1].last_handshake_sec == 0 &&
	      stp->peers[1].nallowed == 1);
	check("wg dump: peer 3: no endpoint", stp->peers[2].endpoint.family == 0 && !stp->peers[2].nallowed);

	/* The same message cut short by 8 bytes (the last peer's nest then
	 * claims more than there is), and with 4 bytes of garbage after the
	 * peer list's last element. */
	nlh->nlmsg_len -= 8;
	check("wg dump: a message cut inside its last attribute: -EBADMSG",
	      parse_dump(bufs, 1, stp) == -EBADMSG);
	nlh->nlmsg_len += 8;
	memset((char *)nlh + nlh->nlmsg_len, 0, 4);
	nlh->nlmsg_len += 4;
	peers->nla_len += 4;
	check("wg dump: bytes left over in the peer list: -EBADMSG", parse_dump(bufs, 1, stp) == -EBADMSG);

	/* Multi-part, as the kernel splits: peer 1 whole; peer 2's allowed
	 * IPs over three messages (the second holds nothing else); peer 3
	 * fresh in the third, going on in the fourth. The device's
	 * attributes only in the firstp-> */
	memset(bufs, 0, sizeof(bufs));
	nlh = reply_start(bufs[0], 1);
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	reply_peer(nlh, 1, 1, &s4, sizeof(s4), 5, 0, 10);
	reply_peer(nlh, 2, 1, &s6, sizeof(s6), 6, 0, 40);
	mnl_attr_nest_end(nlh, peers);
	nlh = reply_start(bufs[1], 0);
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	reply_peer(nlh, 2, 0, NULL, 0, 0, 40, 80);
	mnl_attr_nest_end(nlh, peers);
	nlh = reply_start(bufs[2], 0);
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	reply_peer(nlh, 2, 0, NULL, 0, 0, 80, 100);
	reply_peer(nlh, 3, 1, &s4, sizeof(s4), 7, 0, 30);
	mnl_attr_nest_end(nlh, peers);
	nlh = reply_start(bufs[3], 0);
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	reply_peer(nlh, 3, 0, NULL, 0, 0, 30, 50);
	mnl_attr_nest_end(nlh, peers);
	write_seed("multi-part", bufs, 4);
	err = parse_dump(bufs, 4, stp);
	check("wg dump: multi-part: three peers, each counted once",
	      err == 0 && stp->npeers == 3 && stp->listen_port == 51820);
	check("wg dump: multi-part: each peer's allowed IPs over every message (10, 100, 50)",
	      stp->peers[0].nallowed == 10 && stp->peers[1].nallowed == 100 && stp->peers[2].nallowed == 50);
	check("wg dump: multi-part: a continued peer keeps its first message's state",
	      stp->peers[1].endpoint.family == AF_INET6 && stp->peers[1].last_handshake_sec == 6 &&
	      stp->peers[2].last_handshake_sec == 7 && stp->peers[2].rx_bytes == 2003);

	/* The same peer twice in a row inside one message. */
	nlh = reply_start(bufs[0], 1);
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	reply_peer(nlh, 1, 1, &s4, sizeof(s4), 5, 0, 1);
	reply_peer(nlh, 1, 0, NULL, 0, 0, 1, 2);
	mnl_attr_nest_end(nlh, peers);
	check("wg dump: one peer twice in a row within a message: -EBADMSG",
	      parse_dump(bufs, 1, stp) == -EBADMSG);

	/* Too many peers: 70 over four messages (18 each, 16 in the last;
	 * about 160 bytes a peer); 64 kept, all counted. */
	for (i = 0; i < 70; i++) {
		if (i % 18 == 0) {
			if (i)
				mnl_attr_nest_end(nlh, peers);
			nlh = reply_start(bufs[i / 18], i == 0);
			peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
		}
		reply_peer(nlh, (uint8_t)(i + 1), 1, &s4, sizeof(s4), i + 1, 0, 0);
	}
	mnl_attr_nest_end(nlh, peers);
	write_seed("70-peers", bufs, 4);
	err = parse_dump(bufs, 4, stp);
	for (kept = 0; kept < WG_STATE_PEERS_MAX && stp->peers[kept].last_handshake_sec == kept + 1; kept++)
		;
	for (i = 0; i < sizeof(guarded.canary) && !guarded.canary[i]; i++)
		;
	check("wg dump: 70 peers: counted, the first 64 kept in order, nothing written beyond",
	      err == 0 && stp->npeers == 70 && kept == WG_STATE_PEERS_MAX && i == sizeof(guarded.canary));
	stp->npeers = WG_STATE_PEERS_LIMIT;
	stp->peer_in_msg = 0;
	check("wg dump: a peer beyond the kernel's limit per device: -EBADMSG",
	      wg_parse_device((const struct nlmsghdr *)bufs[3], 0x1d, stp) == -EBADMSG);
}

/* One message with a single peer whose attribute `type` is replaced by
 * len bytes of data (or, type 0, with nothing replaced). */
static int parse_peer_with(int type, const void *data, size_t len)
{
	static char bufs[1][4096] __attribute__((aligned(4)));
	static struct wg_dev_state st;
	struct nlmsghdr *nlh = reply_start(bufs[0], 1);
	struct nlattr *peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS), *peer;
	uint8_t key[WG_KEY_LEN] = { 9 };

	peer = mnl_attr_nest_start(nlh, 0);
	if (type != WGPEER_A_PUBLIC_KEY)
		mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, WG_KEY_LEN, key);
	if (type)
		mnl_attr_put(nlh, (uint16_t)type, len, data);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, peers);
	return parse_dump(bufs, 1, &st);
}

/* An allowed IP made of family, address (alen bytes), prefix. */
static int parse_allowed_with(uint16_t family, size_t alen, uint8_t cidr)
{
	char buf[256] __attribute__((aligned(4)));
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlattr *ip = mnl_attr_nest_start(nlh, 0);
	uint8_t addr[20] = { 10 };

	mnl_attr_put_u16(nlh, WGALLOWEDIP_A_FAMILY, family);
	mnl_attr_put(nlh, WGALLOWEDIP_A_IPADDR, alen, addr);
	mnl_attr_put_u8(nlh, WGALLOWEDIP_A_CIDR_MASK, cidr);
	mnl_attr_nest_end(nlh, ip);
	return parse_peer_with(WGPEER_A_ALLOWEDIPS, ip, ip->nla_len);
}

static void test_wg_parse_device_sizes(void)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in s4 = { .sin_family = AF_INET6 };
	uint8_t bytes[40] = { 0 };
	int64_t ts[2] = { -1, 0 };
	static char bufs[1][4096] __attribute__((aligned(4)));
	static struct wg_dev_state st;
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	unsigned bad = 0;

	check("wg dump: the probe message parses", parse_peer_with(0, NULL, 0) == 0);
	check("wg dump: an allowed IP 10.0.0.0/32 parses", parse_allowed_with(AF_INET, 4, 32) == 0);
	/* Each one wrong: counted when accepted. */
	bad += parse_peer_with(WGPEER_A_PUBLIC_KEY, bytes, 0) != -EBADMSG;       /* no key */
	bad += parse_peer_with(WGPEER_A_PUBLIC_KEY, bytes, 31) != -EBADMSG;
	bad += parse_peer_with(WGPEER_A_PRESHARED_KEY, bytes, 33) != -EBADMSG;
	bad += parse_peer_with(WGPEER_A_LAST_HANDSHAKE_TIME, bytes, 8) != -EBADMSG;
	bad += parse_peer_with(WGPEER_A_LAST_HANDSHAKE_TIME, ts, sizeof(ts)) != -EBADMSG; /* before 1970 */
	bad += parse_peer_with(WGPEER_A_RX_BYTES, bytes, 4) != -EBADMSG;
	bad += parse_peer_with(WGPEER_A_TX_BYTES, bytes, 9) != -EBADMSG;
	bad += parse_peer_with(WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, bytes, 4) != -EBADMSG;
	bad += parse_peer_with(WGPEER_A_PROTOCOL_VERSION, bytes, 2) != -EBADMSG;
	bad += parse_peer_with(WGPEER_A_ENDPOINT, &s4, sizeof(s4)) != -EBADMSG;   /* family 10 in 16 bytes */
	bad += parse_peer_with(WGPEER_A_ENDPOINT, &s6, sizeof(s6) - 4) != -EBADMSG;
	bad += parse_peer_with(WGPEER_A_ENDPOINT, bytes, 2) != -EBADMSG;
	bad += parse_peer_with(WGPEER_A_ALLOWEDIPS, bytes, 3) != -EBADMSG;       /* not a list */
	bad += parse_allowed_with(AF_INET, 16, 24) != -EBADMSG;
	bad += parse_allowed_with(AF_INET6, 4, 24) != -EBADMSG;
	bad += parse_allowed_with(AF_INET, 4, 33) != -EBADMSG;
	bad += parse_allowed_with(AF_INET6, 16, 129) != -EBADMSG;
	bad += parse_allowed_with(7, 4, 8) != -EBADMSG;
	check("wg dump: 18 peers with a wrong size, family, prefix or time: each -EBADMSG", bad == 0);

	bad = 0;
	nlh = reply_start(bufs[0], 0);
	mnl_attr_put_u32(nlh, WGDEVICE_A_LISTEN_PORT, 1);
	bad += parse_dump(bufs, 1, &st) != -EBADMSG;
	nlh = reply_start(bufs[0], 0);
	mnl_attr_put(nlh, WGDEVICE_A_PRIVATE_KEY, 16, bytes);
	bad += parse_dump(bufs, 1, &st) != -EBADMSG;
	nlh = reply_start(bufs[0], 0);
	mnl_attr_put(nlh, WGDEVICE_A_IFNAME, 3, "wg0");                       /* no NUL */
	bad += parse_dump(bufs, 1, &st) != -EBADMSG;
	nlh = reply_start(bufs[0], 0);
	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, "a-name-of-20-bytes!");
	bad += parse_dump(bufs, 1, &st) != -EBADMSG;
	nlh = reply_start(bufs[0], 1);
	nlh->nlmsg_type = 0x1e;                                                 /* another family */
	bad += parse_dump(bufs, 1, &st) != -EBADMSG;
	nlh = reply_start(bufs[0], 1);
	g = mnl_nlmsg_get_payload(nlh);
	g->cmd = WG_CMD_SET_DEVICE;
	bad += parse_dump(bufs, 1, &st) != -EBADMSG;
	nlh = reply_start(bufs[0], 0);
	nlh->nlmsg_len = NLMSG_HDRLEN + 2;                                      /* no genl header */
	bad += parse_dump(bufs, 1, &st) != -EBADMSG;
	check("wg dump: 7 device-level errors (sizes, name, family, command, header): each -EBADMSG",
	      bad == 0);
	nlh = reply_start(bufs[0], 1);
	mnl_attr_put_u32(nlh, 40, 1);                                           /* a newer kernel's */
	check("wg dump: an attribute type this parser does not know is skipped",
	      parse_dump(bufs, 1, &st) == 0 && st.listen_port == 51820 && st.npeers == 0);
}

/* event_parse: the lines event_append writes, and what the notifier must
 * skip (the file is another user's). */
static void test_event_parse(void)
{
	static const char *const bad[] = {
		"", "no stamp at all", "2026-11-27T12:00:00Z", "2026-11-27T12:00:00Z normal",
		"2026-11-27T12:00:00Z normal ", "2026-11-27T12:00:00Z emergency Summary",
		"2026-11-27 12:00:00Z normal Summary", "2026-11-27T12:00:00  normal Summary",
		"2026-11-27T12:00:00Znormal Summary",
	};
	const char *u, *s, *b;
	char line[256];
	unsigned i;

	snprintf(line, sizeof(line), "2026-11-27T12:00:00Z critical Qubes VPN disconnected: "
		 "all traffic: blocked");
	check("event_parse: a hook's line", event_parse(line, &u, &s, &b) == 0 &&
	      !strcmp(u, "critical") && !strcmp(s, "Qubes VPN disconnected") &&
	      !strcmp(b, "all traffic: blocked"));
	snprintf(line, sizeof(line), "2026-11-27T12:00:00Z low a:b c");
	check("event_parse: no body (a colon without a space is text)",
	      event_parse(line, &u, &s, &b) == 0 && !strcmp(s, "a:b c") && !b[0]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "%s", bad[i]);
		if (event_parse(line, &u, &s, &b) == 0) {
			fprintf(stderr, "# accepted: '%s'\n", bad[i]);
			break;
		}
	}
	check("event_parse: lines that are not events are refused", i == sizeof(bad) / sizeof(bad[0]));
}

/* utc_time, the events' stamp without gmtime: what gmtime says, every
 * 25,206 s (days, leap days, month ends and hours all come round) over
 * 1970-2200, and at the edges of the leap years 2000, 2100 and 2024. */
static int utc_like_gmtime(time_t t)
{
	struct tm tm;
	int f[6];

	gmtime_r(&t, &tm);
	utc_time(t, f);
	if (f[0] == tm.tm_year + 1900 && f[1] == tm.tm_mon + 1 && f[2] == tm.tm_mday &&
	    f[3] == tm.tm_hour && f[4] == tm.tm_min && f[5] == tm.tm_sec)
		return 1;
	fprintf(stderr, "# utc_time(%lld): %04d-%02d-%02dT%02d:%02d:%02d\n", (long long)t, f[0],
		f[1], f[2], f[3], f[4], f[5]);
	return 0;
}

static void test_utc_time(void)
{
	static const time_t edges[] = { 0, 951782399, 951782400, 951868800, 1709164800,
					1735689599, 4107542399, 4107542400 };
	long long t;
	unsigned i;
	int ok = 1;

	for (t = 0; ok && t < 7258118400LL; t += 25206)
		ok = utc_like_gmtime((time_t)t);
	for (i = 0; ok && i < sizeof(edges) / sizeof(edges[0]); i++)
		ok = utc_like_gmtime(edges[i]);
	check("utc_time: what gmtime says, 1970-2200", ok);
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "--wg-seeds")) {
		seed_dir = argv[2];
		test_wg_parse_device();
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--kernel")) {
		test_kernel_batch_error();
		test_kernel_rtnl_error();
	} else {
#define GOLDEN(name) test_rule_golden(#name, build_##name, golden_##name, sizeof(golden_##name))
		GOLDEN(prefix_counter_drop);
		GOLDEN(mark);
		GOLDEN(dns_udp_drop);
		GOLDEN(allow_tunnel);
		GOLDEN(mss_clamp);
		GOLDEN(dnat4);
		GOLDEN(dnat6);
		GOLDEN(masq);
		GOLDEN(forward_to_tunnel);
		GOLDEN(drop_downstream);
		GOLDEN(clamp_mss_tunnel);
		test_route_golden();
		test_route6_unicast_golden();
		test_rule_msg_golden();
		test_overflow();
		test_ack_parse();
		test_route_parse();
		test_rule_parse();
		test_nft_rule_parse();
		test_ct();
		test_qdb_request();
		test_qdb_parse();
		test_qdb_io();
		test_qdb_open();
		test_genl_getfamily_golden();
		test_genl_family_parse();
		test_wg_set_device_golden();
		test_wg_set_device_split();
		test_rt_wg_golden();
		test_wg_get_del_golden();
		test_wg_parse_device();
		test_wg_parse_device_sizes();
		test_event_parse();
		test_utc_time();
	}
	printf("# unit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
