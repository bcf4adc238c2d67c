/* nft.c - nf_tables messages over nfnetlink. Numbers in nf_tables
 * attributes are big-endian; message types carry the subsystem id. */
#include "nft.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <endian.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <libmnl/libmnl.h>

/* How nft(8) (libnftnl) stores a rule comment in NFTA_RULE_USERDATA:
 * a list of { u8 type; u8 len; u8 value[len]; }, comment = type 0, NUL
 * included. */
#define UDATA_RULE_COMMENT 0

static void nft_msg_start(struct nl_buf *b, uint16_t type, uint16_t flags,
			  uint8_t family, const char *what)
{
	nl_nfgen_start(b, (NFNL_SUBSYS_NFTABLES << 8) | type, flags, family, 0, what);
}

static void batch_msg(struct nl_buf *b, uint16_t type, const char *what)
{
	nl_nfgen_start(b, type, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES, what);
	nl_msg_end(b);
}

void nft_batch_begin(struct nl_buf *b)
{
	batch_msg(b, NFNL_MSG_BATCH_BEGIN, "starting the nftables transaction");
}

void nft_batch_end(struct nl_buf *b)
{
	batch_msg(b, NFNL_MSG_BATCH_END, "committing the nftables transaction");
}

void nft_table_add(struct nl_buf *b, uint8_t family, const char *table, const char *what)
{
	nft_msg_start(b, NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_ACK, family, what);
	nl_put_strz(b, NFTA_TABLE_NAME, table);
	nl_msg_end(b);
}

void nft_table_add_flags(struct nl_buf *b, uint8_t family, const char *table,
			 uint32_t flags, const void *udata, size_t ulen, const char *what)
{
	nft_msg_start(b, NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_ACK, family, what);
	nl_put_strz(b, NFTA_TABLE_NAME, table);
	nl_put_be32(b, NFTA_TABLE_FLAGS, flags);
	if (udata)
		nl_put(b, NFTA_TABLE_USERDATA, ulen, udata);
	nl_msg_end(b);
}

void nft_table_del(struct nl_buf *b, uint8_t family, const char *table, const char *what)
{
	nft_msg_start(b, NFT_MSG_DELTABLE, NLM_F_ACK, family, what);
	nl_put_strz(b, NFTA_TABLE_NAME, table);
	nl_msg_end(b);
}

void nft_chain_add(struct nl_buf *b, uint8_t family, const char *table,
		   const char *chain, const struct nft_hook *hook, const char *what)
{
	struct nlattr *nest;

	nft_msg_start(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE | NLM_F_ACK, family, what);
	nl_put_strz(b, NFTA_CHAIN_TABLE, table);
	nl_put_strz(b, NFTA_CHAIN_NAME, chain);
	if (hook) {
		nest = nl_nest_start(b, NFTA_CHAIN_HOOK);
		nl_put_be32(b, NFTA_HOOK_HOOKNUM, hook->hooknum);
		nl_put_be32(b, NFTA_HOOK_PRIORITY, (uint32_t)hook->priority);
		nl_nest_end(b, nest);
		nl_put_be32(b, NFTA_CHAIN_POLICY, hook->policy);
		nl_put_strz(b, NFTA_CHAIN_TYPE, hook->type);
	}
	nl_msg_end(b);
}

struct nlattr *nft_rule_start(struct nl_buf *b, uint8_t family, const char *table,
			      const char *chain, const char *comment, const char *what)
{
	uint8_t udata[2 + NFT_COMMENT_MAX];
	size_t n;

	nft_msg_start(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND | NLM_F_ACK,
		      family, what);
	nl_put_strz(b, NFTA_RULE_TABLE, table);
	nl_put_strz(b, NFTA_RULE_CHAIN, chain);
	if (comment) {
		n = strlen(comment) + 1;
		if (n > NFT_COMMENT_MAX) {
			b->err = b->err ? b->err : -EINVAL;
			return NULL;
		}
		udata[0] = UDATA_RULE_COMMENT;
		udata[1] = (uint8_t)n;
		memcpy(udata + 2, comment, n);
		nl_put(b, NFTA_RULE_USERDATA, 2 + n, udata);
	}
	return nl_nest_start(b, NFTA_RULE_EXPRESSIONS);
}

void nft_rule_end(struct nl_buf *b, struct nlattr *exprs)
{
	nl_nest_end(b, exprs);
	nl_msg_end(b);
}

/* Every expression is LIST_ELEM { EXPR_NAME, EXPR_DATA { ... } }. */
struct expr {
	struct nlattr *elem, *data;
};

static struct expr expr_start(struct nl_buf *b, const char *name)
{
	struct expr e;

	e.elem = nl_nest_start(b, NFTA_LIST_ELEM);
	nl_put_strz(b, NFTA_EXPR_NAME, name);
	e.data = nl_nest_start(b, NFTA_EXPR_DATA);
	return e;
}

static void expr_end(struct nl_buf *b, struct expr e)
{
	nl_nest_end(b, e.data);
	nl_nest_end(b, e.elem);
}

/* NFTA_DATA_VALUE nested inside attribute type. */
static void put_data_value(struct nl_buf *b, uint16_t type, const void *data, size_t len)
{
	struct nlattr *nest = nl_nest_start(b, type);

	if (len > NFT_DATA_VALUE_MAXLEN)
		b->err = b->err ? b->err : -EINVAL;
	nl_put(b, NFTA_DATA_VALUE, len, data);
	nl_nest_end(b, nest);
}

void nft_expr_meta_load(struct nl_buf *b, uint32_t key, uint32_t dreg)
{
	struct expr e = expr_start(b, "meta");

	nl_put_be32(b, NFTA_META_KEY, key);
	nl_put_be32(b, NFTA_META_DREG, dreg);
	expr_end(b, e);
}

void nft_expr_meta_set(struct nl_buf *b, uint32_t key, uint32_t sreg)
{
	struct expr e = expr_start(b, "meta");

	nl_put_be32(b, NFTA_META_KEY, key);
	nl_put_be32(b, NFTA_META_SREG, sreg);
	expr_end(b, e);
}

void nft_expr_cmp(struct nl_buf *b, uint32_t sreg, uint32_t op, const void *data, size_t len)
{
	struct expr e = expr_start(b, "cmp");

	nl_put_be32(b, NFTA_CMP_SREG, sreg);
	nl_put_be32(b, NFTA_CMP_OP, op);
	put_data_value(b, NFTA_CMP_DATA, data, len);
	expr_end(b, e);
}

void nft_expr_payload_load(struct nl_buf *b, uint32_t base, uint32_t offset,
			   uint32_t len, uint32_t dreg)
{
	struct expr e = expr_start(b, "payload");

	nl_put_be32(b, NFTA_PAYLOAD_DREG, dreg);
	nl_put_be32(b, NFTA_PAYLOAD_BASE, base);
	nl_put_be32(b, NFTA_PAYLOAD_OFFSET, offset);
	nl_put_be32(b, NFTA_PAYLOAD_LEN, len);
	expr_end(b, e);
}

void nft_expr_bitwise_mask(struct nl_buf *b, uint32_t sreg, uint32_t dreg,
			   const void *mask, size_t len)
{
	static const uint8_t zero[NFT_DATA_VALUE_MAXLEN];
	struct expr e = expr_start(b, "bitwise");

	nl_put_be32(b, NFTA_BITWISE_SREG, sreg);
	nl_put_be32(b, NFTA_BITWISE_DREG, dreg);
	nl_put_be32(b, NFTA_BITWISE_LEN, (uint32_t)len);
	put_data_value(b, NFTA_BITWISE_MASK, mask, len);
	put_data_value(b, NFTA_BITWISE_XOR, zero, len);
	expr_end(b, e);
}

void nft_expr_byteorder_hton(struct nl_buf *b, uint32_t sreg, uint32_t dreg,
			     uint32_t len, uint32_t size)
{
	struct expr e = expr_start(b, "byteorder");

	nl_put_be32(b, NFTA_BYTEORDER_SREG, sreg);
	nl_put_be32(b, NFTA_BYTEORDER_DREG, dreg);
	nl_put_be32(b, NFTA_BYTEORDER_OP, NFT_BYTEORDER_HTON);
	nl_put_be32(b, NFTA_BYTEORDER_LEN, len);
	nl_put_be32(b, NFTA_BYTEORDER_SIZE, size);
	expr_end(b, e);
}

void nft_expr_immediate(struct nl_buf *b, uint32_t dreg, const void *data, size_t len)
{
	struct expr e = expr_start(b, "immediate");

	nl_put_be32(b, NFTA_IMMEDIATE_DREG, dreg);
	put_data_value(b, NFTA_IMMEDIATE_DATA, data, len);
	expr_end(b, e);
}

void nft_expr_verdict(struct nl_buf *b, int32_t code, const char *chain)
{
	struct expr e = expr_start(b, "immediate");
	struct nlattr *data, *verdict;

	nl_put_be32(b, NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
	data = nl_nest_start(b, NFTA_IMMEDIATE_DATA);
	verdict = nl_nest_start(b, NFTA_DATA_VERDICT);
	nl_put_be32(b, NFTA_VERDICT_CODE, (uint32_t)code);
	if (chain)
		nl_put_strz(b, NFTA_VERDICT_CHAIN, chain);
	nl_nest_end(b, verdict);
	nl_nest_end(b, data);
	expr_end(b, e);
}

void nft_expr_counter(struct nl_buf *b)
{
	struct expr e = expr_start(b, "counter");

	expr_end(b, e);   /* no attributes: a counter starting at zero */
}

void nft_expr_nat(struct nl_buf *b, uint32_t type, uint8_t family,
		  uint32_t reg_addr, uint32_t reg_proto)
{
	struct expr e = expr_start(b, "nat");

	nl_put_be32(b, NFTA_NAT_TYPE, type);
	nl_put_be32(b, NFTA_NAT_FAMILY, family);
	nl_put_be32(b, NFTA_NAT_REG_ADDR_MIN, reg_addr);
	if (reg_proto)
		nl_put_be32(b, NFTA_NAT_REG_PROTO_MIN, reg_proto);
	expr_end(b, e);
}

void nft_expr_masq(struct nl_buf *b)
{
	struct expr e = expr_start(b, "masq");

	expr_end(b, e);
}

void nft_expr_rt_load(struct nl_buf *b, uint32_t key, uint32_t dreg)
{
	struct expr e = expr_start(b, "rt");

	nl_put_be32(b, NFTA_RT_KEY, key);
	nl_put_be32(b, NFTA_RT_DREG, dreg);
	expr_end(b, e);
}

void nft_expr_exthdr_tcpopt_write(struct nl_buf *b, uint8_t type, uint32_t offset,
				  uint32_t len, uint32_t sreg)
{
	struct expr e = expr_start(b, "exthdr");

	nl_put_be32(b, NFTA_EXTHDR_SREG, sreg);
	nl_put_u8(b, NFTA_EXTHDR_TYPE, type);
	nl_put_be32(b, NFTA_EXTHDR_OFFSET, offset);
	nl_put_be32(b, NFTA_EXTHDR_LEN, len);
	nl_put_be32(b, NFTA_EXTHDR_OP, NFT_EXTHDR_OP_TCPOPT);
	expr_end(b, e);
}

/* Interface names live in 16-byte registers, NUL padded: an exact match
 * compares all 16 bytes, a prefix match ("vif*") only the prefix. */
void nft_match_ifname(struct nl_buf *b, uint32_t meta_key, const char *name)
{
	char buf[16] = { 0 };
	size_t n = strlen(name);

	if (n >= sizeof(buf))
		b->err = b->err ? b->err : -EINVAL;
	else
		memcpy(buf, name, n); /* NOLINT(bugprone-not-null-terminated-result): buf is zeroed, NUL-padded to 16 */
	nft_expr_meta_load(b, meta_key, NFT_REG_1);
	nft_expr_cmp(b, NFT_REG_1, NFT_CMP_EQ, buf, sizeof(buf));
}

void nft_match_ifname_prefix(struct nl_buf *b, uint32_t meta_key, const char *prefix)
{
	size_t n = strlen(prefix);

	if (n == 0 || n >= 16)
		b->err = b->err ? b->err : -EINVAL;
	nft_expr_meta_load(b, meta_key, NFT_REG_1);
	nft_expr_cmp(b, NFT_REG_1, NFT_CMP_EQ, prefix, n);
}

void nft_match_nfproto(struct nl_buf *b, uint8_t nfproto)
{
	nft_expr_meta_load(b, NFT_META_NFPROTO, NFT_REG_1);
	nft_expr_cmp(b, NFT_REG_1, NFT_CMP_EQ, &nfproto, 1);
}

void nft_match_meta_u32(struct nl_buf *b, uint32_t key, uint32_t op, uint32_t value)
{
	nft_expr_meta_load(b, key, NFT_REG_1);
	nft_expr_cmp(b, NFT_REG_1, op, &value, sizeof(value));
}

void nft_match_l4proto(struct nl_buf *b, uint8_t proto)
{
	nft_expr_meta_load(b, NFT_META_L4PROTO, NFT_REG_1);
	nft_expr_cmp(b, NFT_REG_1, NFT_CMP_EQ, &proto, 1);
}

void nft_match_th_dport(struct nl_buf *b, uint16_t port)
{
	uint16_t be = htons(port);

	nft_expr_payload_load(b, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG_1);
	nft_expr_cmp(b, NFT_REG_1, NFT_CMP_EQ, &be, 2);
}

void nft_match_daddr(struct nl_buf *b, uint8_t nfproto, const void *addr)
{
	int v4 = nfproto == NFPROTO_IPV4;

	nft_match_nfproto(b, nfproto);
	/* IPv4 daddr at offset 16, IPv6 daddr at offset 24 of the header. */
	nft_expr_payload_load(b, NFT_PAYLOAD_NETWORK_HEADER, v4 ? 16 : 24,
			      v4 ? 4 : 16, NFT_REG_1);
	nft_expr_cmp(b, NFT_REG_1, NFT_CMP_EQ, addr, v4 ? 4 : 16);
}

void nft_match_tcp_syn(struct nl_buf *b)
{
	static const uint8_t syn = 0x02, zero = 0;

	nft_match_l4proto(b, IPPROTO_TCP);
	/* TCP flags are byte 13 of the TCP header. */
	nft_expr_payload_load(b, NFT_PAYLOAD_TRANSPORT_HEADER, 13, 1, NFT_REG_1);
	nft_expr_bitwise_mask(b, NFT_REG_1, NFT_REG_1, &syn, 1);
	nft_expr_cmp(b, NFT_REG_1, NFT_CMP_NEQ, &zero, 1);
}

/* ---- reading rules back ---- */

static int parse_comment(const struct nlattr *a, char *out, size_t size)
{
	const uint8_t *p = mnl_attr_get_payload(a);
	size_t len = mnl_attr_get_payload_len(a), off = 0, n;

	while (off + 2 <= len) {
		n = p[off + 1];
		if (off + 2 + n > len)
			return -EBADMSG;
		if (p[off] == UDATA_RULE_COMMENT) {
			if (n == 0 || p[off + 2 + n - 1] != '\0')
				return -EBADMSG;
			/* Not ours if it is longer than ours can be: keep a
			 * prefix, which then matches none of our names. */
			snprintf(out, size, "%s", (const char *)p + off + 2);
			return 0;
		}
		off += 2 + n;
	}
	return 0;
}

static int parse_counter(const struct nlattr *data, struct nft_rule_info *r)
{
	struct nl_attrs t;
	uint64_t v;

	if (nl_attrs_parse_nested(data, NFTA_COUNTER_MAX, &t) < 0)
		return -EBADMSG;
	if (!t.tb[NFTA_COUNTER_PACKETS] || !t.tb[NFTA_COUNTER_BYTES] ||
	    mnl_attr_validate(t.tb[NFTA_COUNTER_PACKETS], MNL_TYPE_U64) < 0 ||
	    mnl_attr_validate(t.tb[NFTA_COUNTER_BYTES], MNL_TYPE_U64) < 0)
		return -EBADMSG;
	memcpy(&v, mnl_attr_get_payload(t.tb[NFTA_COUNTER_PACKETS]), 8);
	r->packets += be64toh(v);
	memcpy(&v, mnl_attr_get_payload(t.tb[NFTA_COUNTER_BYTES]), 8);
	r->bytes += be64toh(v);
	r->has_counter = 1;
	return 0;
}

static int parse_exprs(const struct nlattr *list, struct nft_rule_info *r)
{
	const struct nlattr *elem;

	mnl_attr_for_each_nested(elem, list) {
		struct nl_attrs t;

		if (mnl_attr_get_type(elem) != NFTA_LIST_ELEM ||
		    nl_attrs_parse_nested(elem, NFTA_EXPR_MAX, &t) < 0 ||
		    !t.tb[NFTA_EXPR_NAME] ||
		    mnl_attr_validate(t.tb[NFTA_EXPR_NAME], MNL_TYPE_NUL_STRING) < 0)
			return -EBADMSG;
		r->nexprs++;
		if (strcmp(mnl_attr_get_str(t.tb[NFTA_EXPR_NAME]), "counter") == 0) {
			if (!t.tb[NFTA_EXPR_DATA] || parse_counter(t.tb[NFTA_EXPR_DATA], r) < 0)
				return -EBADMSG;
		}
	}
	return 0;
}

int nft_parse_rule(const struct nlmsghdr *nlh, struct nft_rule_info *r)
{
	struct nl_attrs t;
	const struct nlattr *a;
	uint64_t v;

	memset(r, 0, sizeof(*r));
	if (nlh->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWRULE))
		return -ENOENT;
	if (nl_attrs_parse(nlh, sizeof(struct nfgenmsg), NFTA_RULE_MAX, &t) < 0)
		return -EBADMSG;
	a = t.tb[NFTA_RULE_CHAIN];
	if (!a || mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0 ||
	    mnl_attr_get_payload_len(a) > sizeof(r->chain))
		return -EBADMSG;
	memcpy(r->chain, mnl_attr_get_str(a), mnl_attr_get_payload_len(a));
	a = t.tb[NFTA_RULE_HANDLE];
	if (a) {
		if (mnl_attr_validate(a, MNL_TYPE_U64) < 0)
			return -EBADMSG;
		memcpy(&v, mnl_attr_get_payload(a), 8);
		r->handle = be64toh(v);
	}
	if (t.tb[NFTA_RULE_USERDATA] &&
	    parse_comment(t.tb[NFTA_RULE_USERDATA], r->comment, sizeof(r->comment)) < 0)
		return -EBADMSG;
	if (t.tb[NFTA_RULE_EXPRESSIONS] && parse_exprs(t.tb[NFTA_RULE_EXPRESSIONS], r) < 0)
		return -EBADMSG;
	return 0;
}

NL_DUMP_ADAPTER(rule_dump_cb, struct nft_rule_info, nft_parse_rule, nft_rule_cb)

int nft_parse_table(const struct nlmsghdr *nlh, struct nft_table_info *info)
{
	struct nl_attrs t;
	const struct nlattr *a;

	memset(info, 0, sizeof(*info));
	if (nlh->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWTABLE))
		return -ENOENT;
	if (nl_attrs_parse(nlh, sizeof(struct nfgenmsg), NFTA_TABLE_MAX, &t) < 0)
		return -EBADMSG;
	a = t.tb[NFTA_TABLE_FLAGS];
	if (a) {
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return -EBADMSG;
		info->flags = ntohl(mnl_attr_get_u32(a));
	}
	a = t.tb[NFTA_TABLE_USERDATA];
	if (a) {
		if (mnl_attr_get_payload_len(a) > sizeof(info->udata))
			return -EBADMSG;
		info->udata_len = mnl_attr_get_payload_len(a);
		memcpy(info->udata, mnl_attr_get_payload(a), info->udata_len);
	}
	return 0;
}

struct table_get_ctx {
	struct nft_table_info *info;
	int found;
};

static int table_reply(const struct nlmsghdr *nlh, void *data)
{
	struct table_get_ctx *ctx = data;
	int err = nft_parse_table(nlh, ctx->info);

	if (err == -ENOENT)
		return 0;
	if (err == 0)
		ctx->found = 1;
	return err;
}

int nft_table_get(struct nl_sock *s, uint8_t family, const char *table,
		  struct nft_table_info *info, struct nl_result *res)
{
	char buf[256] __attribute__((aligned(4)));
	struct table_get_ctx ctx;
	struct nl_buf b;
	int err;

	memset(info, 0, sizeof(*info));
	ctx.info = info;
	ctx.found = 0;
	nl_buf_init(&b, buf, sizeof(buf));
	nft_msg_start(&b, NFT_MSG_GETTABLE, 0, family, "reading the table");
	nl_put_strz(&b, NFTA_TABLE_NAME, table);
	nl_msg_end(&b);
	err = nl_dump(s, &b, table_reply, &ctx, res);
	if (!err && !ctx.found)
		err = res->err = -EBADMSG;   /* answered but not described */
	return err;
}

int nft_parse_gen(const struct nlmsghdr *nlh, uint32_t *gen)
{
	struct nl_attrs at;
	const struct nlattr *a;

	if (nlh->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWGEN))
		return -ENOENT;
	if (nl_attrs_parse(nlh, sizeof(struct nfgenmsg), NFTA_GEN_MAX, &at) < 0)
		return -EBADMSG;
	a = at.tb[NFTA_GEN_ID];
	if (!a || mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return -EBADMSG;
	*gen = ntohl(mnl_attr_get_u32(a));
	return 0;
}

struct gen_get_ctx {
	uint32_t *gen;
	int found;
};

static int gen_reply(const struct nlmsghdr *nlh, void *data)
{
	struct gen_get_ctx *ctx = data;
	int err = nft_parse_gen(nlh, ctx->gen);

	if (err == -ENOENT)
		return 0;
	if (err == 0)
		ctx->found = 1;
	return err;
}

int nft_gen_get(struct nl_sock *s, uint32_t *gen, struct nl_result *res)
{
	char buf[64] __attribute__((aligned(4)));
	struct gen_get_ctx ctx = { gen, 0 };
	struct nl_buf b;
	int err;

	nl_buf_init(&b, buf, sizeof(buf));
	nft_msg_start(&b, NFT_MSG_GETGEN, 0, NFPROTO_UNSPEC, "reading the ruleset's generation");
	nl_msg_end(&b);
	err = nl_dump(s, &b, gen_reply, &ctx, res);
	if (!err && !ctx.found)
		err = res->err = -EBADMSG;   /* acknowledged but never said */
	return err;
}

int nft_rule_dump(struct nl_sock *s, uint8_t family, const char *table,
		  nft_rule_cb cb, void *data, struct nl_result *res)
{
	char buf[256] __attribute__((aligned(4)));
	struct rule_dump_cb_ctx ctx = { cb, data };
	struct nft_table_info info;
	struct nl_buf b;
	int err;

	/* A rule dump of a missing table is simply empty; ask for the table
	 * first so that "absent" is told apart from "no rules". */
	err = nft_table_get(s, family, table, &info, res);
	if (err < 0)
		return err;

	nl_buf_init(&b, buf, sizeof(buf));
	nft_msg_start(&b, NFT_MSG_GETRULE, NLM_F_DUMP, family, "listing the table's rules");
	nl_put_strz(&b, NFTA_RULE_TABLE, table);
	nl_msg_end(&b);
	return nl_dump(s, &b, rule_dump_cb, &ctx, res);
}
