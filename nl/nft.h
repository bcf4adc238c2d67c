/* nft.h - nf_tables over nfnetlink: batch, table, chain and rule builders,
 * the expressions this project needs, and a rule dump for counters. */
#ifndef QVPN_NFT_H
#define QVPN_NFT_H

#include "nl.h"
#include <linux/netfilter/nf_tables.h>

#define NFT_COMMENT_MAX 64

/* A batch is: nft_batch_begin, any table/chain/rule messages, nft_batch_end.
 * The kernel applies all of it or none of it. */
void nft_batch_begin(struct nl_buf *b);
void nft_batch_end(struct nl_buf *b);

/* NLM_F_CREATE without EXCL: "make sure it exists". */
void nft_table_add(struct nl_buf *b, uint8_t family, const char *table, const char *what);
/* Create a table with flags (e.g. NFT_TABLE_F_DORMANT) and user data, or,
 * when it exists, update its flags (the kernel keeps its user data). */
void nft_table_add_flags(struct nl_buf *b, uint8_t family, const char *table,
			 uint32_t flags, const void *udata, size_t ulen, const char *what);
void nft_table_del(struct nl_buf *b, uint8_t family, const char *table, const char *what);

struct nft_hook {
	const char *type;     /* "filter", "nat", "route" */
	uint32_t hooknum;     /* NF_INET_* */
	int32_t priority;
	uint32_t policy;      /* NF_ACCEPT, NF_DROP */
};
/* hook == NULL adds a regular (non-base) chain. */
void nft_chain_add(struct nl_buf *b, uint8_t family, const char *table,
		   const char *chain, const struct nft_hook *hook, const char *what);

/* Starts a rule appended to chain; the expressions go between start and
 * end. comment (may be NULL) is stored the way nft(8) stores comments, so
 * `nft list` shows it and nft_rule_dump() returns it. */
struct nlattr *nft_rule_start(struct nl_buf *b, uint8_t family, const char *table,
			      const char *chain, const char *comment, const char *what);
void nft_rule_end(struct nl_buf *b, struct nlattr *exprs);

/* Expressions, one netlink list element each. Registers are NFT_REG_*.
 * Attributes go out in the order nft(8) sends them, so tests/unit.c can
 * compare our bytes with nft's own encoding of the same rule. */
void nft_expr_meta_load(struct nl_buf *b, uint32_t key, uint32_t dreg);
void nft_expr_meta_set(struct nl_buf *b, uint32_t key, uint32_t sreg);
void nft_expr_cmp(struct nl_buf *b, uint32_t sreg, uint32_t op, const void *data, size_t len);
void nft_expr_payload_load(struct nl_buf *b, uint32_t base, uint32_t offset,
			   uint32_t len, uint32_t dreg);
void nft_expr_bitwise_mask(struct nl_buf *b, uint32_t sreg, uint32_t dreg,
			   const void *mask, size_t len);
void nft_expr_byteorder_hton(struct nl_buf *b, uint32_t sreg, uint32_t dreg,
			     uint32_t len, uint32_t size);
void nft_expr_immediate(struct nl_buf *b, uint32_t dreg, const void *data, size_t len);
void nft_expr_verdict(struct nl_buf *b, int32_t code, const char *chain);
void nft_expr_counter(struct nl_buf *b);
void nft_expr_nat(struct nl_buf *b, uint32_t type, uint8_t family,
		  uint32_t reg_addr, uint32_t reg_proto);
void nft_expr_masq(struct nl_buf *b);
void nft_expr_rt_load(struct nl_buf *b, uint32_t key, uint32_t dreg);
void nft_expr_exthdr_tcpopt_write(struct nl_buf *b, uint8_t type, uint32_t offset,
				  uint32_t len, uint32_t sreg);

/* Matches built from the expressions above, named by what they match. */
void nft_match_ifname(struct nl_buf *b, uint32_t meta_key, const char *name);
void nft_match_ifname_prefix(struct nl_buf *b, uint32_t meta_key, const char *prefix);
void nft_match_nfproto(struct nl_buf *b, uint8_t nfproto);
/* A 32-bit meta key (e.g. NFT_META_OIFGROUP) compared with op. */
void nft_match_meta_u32(struct nl_buf *b, uint32_t key, uint32_t op, uint32_t value);
void nft_match_l4proto(struct nl_buf *b, uint8_t proto);
void nft_match_th_dport(struct nl_buf *b, uint16_t port);
/* nfproto check + daddr compare; addr is 4 or 16 bytes, network order. */
void nft_match_daddr(struct nl_buf *b, uint8_t nfproto, const void *addr);
void nft_match_tcp_syn(struct nl_buf *b);

#define NFT_TABLE_UDATA_MAX 256
struct nft_table_info {
	uint32_t flags;
	size_t udata_len;
	uint8_t udata[NFT_TABLE_UDATA_MAX];
};
/* -ENOENT when the table does not exist. */
int nft_table_get(struct nl_sock *s, uint8_t family, const char *table,
		  struct nft_table_info *info, struct nl_result *res);
int nft_parse_table(const struct nlmsghdr *nlh, struct nft_table_info *info);

/* The ruleset's generation id (NFT_MSG_GETGEN): every commit that
 * changes something adds one (skipping 0), nothing else changes it. */
int nft_gen_get(struct nl_sock *s, uint32_t *gen, struct nl_result *res);
/* One NFT_MSG_NEWGEN message: 0, -ENOENT for another type, -EBADMSG. */
int nft_parse_gen(const struct nlmsghdr *nlh, uint32_t *gen);

/* What a rule dump reports about one rule. */
struct nft_rule_info {
	char chain[NFT_CHAIN_MAXNAMELEN];
	char comment[NFT_COMMENT_MAX];
	uint64_t handle;
	int has_counter;
	uint64_t packets, bytes;
	unsigned nexprs;
};
typedef int (*nft_rule_cb)(const struct nft_rule_info *r, void *data);
/* Every rule of a table, in chain order. -ENOENT when the table is absent. */
int nft_rule_dump(struct nl_sock *s, uint8_t family, const char *table,
		  nft_rule_cb cb, void *data, struct nl_result *res);
int nft_parse_rule(const struct nlmsghdr *nlh, struct nft_rule_info *r);

#endif
