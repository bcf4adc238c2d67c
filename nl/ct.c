/* ct.c - conntrack over ctnetlink (NFNL_SUBSYS_CTNETLINK). Entries are
 * read with one dump of both families; a delete echoes the original tuple
 * the kernel sent, so this file never has to know a protocol's fields. */
#include "ct.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <libmnl/libmnl.h>

#define CT_TYPE(msg) ((uint16_t)((NFNL_SUBSYS_CTNETLINK << 8) | (msg)))

static void ct_msg_start(struct nl_buf *b, uint16_t msg, uint16_t flags, uint8_t family,
			 const char *what)
{
	nl_nfgen_start(b, CT_TYPE(msg), flags, family, 0, what);
}

/* A tuple's source (and, if dst is not NULL, destination) address. */
static int tuple_addrs(const struct nlattr *tuple, uint8_t family, uint8_t *src, uint8_t *dst)
{
	int v6 = family == AF_INET6;
	size_t alen = v6 ? 16 : 4;
	struct nl_attrs t, ip;

	if (nl_attrs_parse_nested(tuple, CTA_TUPLE_MAX, &t) < 0 ||
	    nl_attrs_parse_nested(t.tb[CTA_TUPLE_IP], CTA_IP_MAX, &ip) < 0 ||
	    nl_get_addr(ip.tb[v6 ? CTA_IP_V6_SRC : CTA_IP_V4_SRC], alen, src) < 0 ||
	    (dst && nl_get_addr(ip.tb[v6 ? CTA_IP_V6_DST : CTA_IP_V4_DST], alen, dst) < 0))
		return -EBADMSG;
	return 0;
}

int ct_parse(const struct nlmsghdr *nlh, struct ct_entry *e)
{
	const struct nfgenmsg *nfg;
	const struct nlattr *orig;
	struct nl_attrs at;
	size_t len;

	memset(e, 0, sizeof(*e));
	if (nlh->nlmsg_type != CT_TYPE(IPCTNL_MSG_CT_NEW))
		return -ENOENT;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*nfg)))
		return -EBADMSG;
	nfg = mnl_nlmsg_get_payload(nlh);
	if (nfg->nfgen_family != AF_INET && nfg->nfgen_family != AF_INET6)
		return -ENOENT;
	if (nl_attrs_parse(nlh, sizeof(*nfg), CTA_MAX, &at) < 0)
		return -EBADMSG;
	e->family = nfg->nfgen_family;
	orig = at.tb[CTA_TUPLE_ORIG];
	if (tuple_addrs(orig, e->family, e->orig_src, e->orig_dst) < 0 ||
	    tuple_addrs(at.tb[CTA_TUPLE_REPLY], e->family, e->reply_src, NULL) < 0)
		return -EBADMSG;
	len = mnl_attr_get_payload_len(orig);
	if (len > sizeof(e->tuple))
		return -EBADMSG;
	memcpy(e->tuple, mnl_attr_get_payload(orig), len);
	e->tuple_len = (uint16_t)len;
	if (at.tb[CTA_ID]) {
		if (mnl_attr_validate(at.tb[CTA_ID], MNL_TYPE_U32) < 0)
			return -EBADMSG;
		e->id = mnl_attr_get_u32(at.tb[CTA_ID]);
		e->has_id = 1;
	}
	if (at.tb[CTA_ZONE]) {
		if (mnl_attr_validate(at.tb[CTA_ZONE], MNL_TYPE_U16) < 0)
			return -EBADMSG;
		e->zone = mnl_attr_get_u16(at.tb[CTA_ZONE]);
		e->has_zone = 1;
	}
	return 0;
}

NL_DUMP_ADAPTER(dump_cb, struct ct_entry, ct_parse, ct_cb)

int ct_dump(struct nl_sock *s, ct_cb cb, void *data, struct nl_result *res)
{
	char buf[64] __attribute__((aligned(4)));
	struct dump_cb_ctx ctx = { cb, data };
	struct nl_buf b;

	nl_buf_init(&b, buf, sizeof(buf));
	/* AF_UNSPEC: entries of every family. */
	ct_msg_start(&b, IPCTNL_MSG_CT_GET, NLM_F_DUMP, AF_UNSPEC, "listing conntrack entries");
	nl_msg_end(&b);
	return nl_dump(s, &b, dump_cb, &ctx, res);
}

void ct_delete_msg(struct nl_buf *b, const struct ct_entry *e, const char *what)
{
	if (!e->tuple_len || e->tuple_len > sizeof(e->tuple)) {
		if (!b->err)
			b->err = -EINVAL;
		return;
	}
	ct_msg_start(b, IPCTNL_MSG_CT_DELETE, NLM_F_ACK, e->family, what);
	nl_put(b, CTA_TUPLE_ORIG | NLA_F_NESTED, e->tuple_len, e->tuple);
	if (e->has_id)
		nl_put(b, CTA_ID, sizeof(e->id), &e->id);
	if (e->has_zone)
		nl_put(b, CTA_ZONE, sizeof(e->zone), &e->zone);
	nl_msg_end(b);
}
