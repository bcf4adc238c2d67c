/* rt.c - rtnetlink routes and fwmark policy rules (RTM_*ROUTE, RTM_*RULE). */
#include "rt.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <net/if.h>
#include <linux/rtnetlink.h>
#include <linux/fib_rules.h>
#include <libmnl/libmnl.h>

size_t rt_addr_len(uint8_t family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

void rt_route_msg(struct nl_buf *b, uint16_t cmd, uint16_t flags,
		  const struct rt_route *r, const char *what)
{
	size_t alen = rt_addr_len(r->family);
	struct rtmsg *rtm;

	rtm = nl_msg_begin(b, cmd, NLM_F_ACK | flags, sizeof(*rtm), what);
	if (!rtm)
		return;
	rtm->rtm_family = r->family;
	rtm->rtm_dst_len = r->dst_len;
	rtm->rtm_table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = r->protocol;
	rtm->rtm_type = r->type;
	/* As ip(8) does: a delete matches any scope, a gatewayless unicast
	 * route is on-link, everything else is universe. */
	if (cmd == RTM_DELROUTE)
		rtm->rtm_scope = RT_SCOPE_NOWHERE;
	else if (r->type == RTN_UNICAST && !r->has_gw)
		rtm->rtm_scope = RT_SCOPE_LINK;
	else
		rtm->rtm_scope = RT_SCOPE_UNIVERSE;

	nl_put_u32(b, RTA_TABLE, r->table);
	if (r->dst_len)
		nl_put(b, RTA_DST, alen, r->dst);
	if (r->metric)
		nl_put_u32(b, RTA_PRIORITY, r->metric);
	if (r->oif)
		nl_put_u32(b, RTA_OIF, r->oif);
	if (r->has_gw)
		nl_put(b, RTA_GATEWAY, alen, r->gw);
	nl_msg_end(b);
}

void rt_rule_msg(struct nl_buf *b, uint16_t cmd, uint16_t flags,
		 const struct rt_rule *r, const char *what)
{
	struct fib_rule_hdr *frh;

	frh = nl_msg_begin(b, cmd, NLM_F_ACK | flags, sizeof(*frh), what);
	if (!frh)
		return;
	frh->family = r->family;
	frh->table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC;
	frh->action = r->action;
	nl_put_u32(b, FRA_PRIORITY, r->priority);
	if (r->table)
		nl_put_u32(b, FRA_TABLE, r->table);
	if (r->has_fwmark) {
		nl_put_u32(b, FRA_FWMARK, r->fwmark);
		nl_put_u32(b, FRA_FWMASK, r->fwmask);
	}
	if (r->protocol)
		nl_put_u8(b, FRA_PROTOCOL, r->protocol);
	nl_msg_end(b);
}

void rt_link_set_group(struct nl_buf *b, uint32_t ifindex, uint32_t group, const char *what)
{
	struct ifinfomsg *ifi;

	ifi = nl_msg_begin(b, RTM_NEWLINK, NLM_F_ACK, sizeof(*ifi), what);
	if (!ifi)
		return;
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)ifindex;
	nl_put_u32(b, IFLA_GROUP, group);
	nl_msg_end(b);
}

static int get_u32(const struct nlattr *a, uint32_t *v)
{
	if (!a)
		return 0;
	if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return -EBADMSG;
	*v = mnl_attr_get_u32(a);
	return 0;
}

/* An optional address: absent leaves out as it is. */
static int get_addr(const struct nlattr *a, size_t alen, uint8_t *out)
{
	return a ? nl_get_addr(a, alen, out) : 0;
}

int rt_parse_route(const struct nlmsghdr *nlh, struct rt_route *r)
{
	struct nl_attrs at;
	const struct rtmsg *rtm;
	size_t alen;

	memset(r, 0, sizeof(*r));
	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return -ENOENT;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*rtm)))
		return -EBADMSG;
	rtm = mnl_nlmsg_get_payload(nlh);
	alen = rt_addr_len(rtm->rtm_family);
	if (!alen)
		return -ENOENT;
	if (rtm->rtm_dst_len > alen * 8)
		return -EBADMSG;
	if (nl_attrs_parse(nlh, sizeof(*rtm), RTA_MAX, &at) < 0)
		return -EBADMSG;
	r->family = rtm->rtm_family;
	r->type = rtm->rtm_type;
	r->protocol = rtm->rtm_protocol;
	r->dst_len = rtm->rtm_dst_len;
	r->table = rtm->rtm_table;
	if (get_u32(at.tb[RTA_TABLE], &r->table) < 0 ||
	    get_u32(at.tb[RTA_PRIORITY], &r->metric) < 0 ||
	    get_u32(at.tb[RTA_OIF], &r->oif) < 0 ||
	    get_addr(at.tb[RTA_DST], alen, r->dst) < 0 ||
	    get_addr(at.tb[RTA_GATEWAY], alen, r->gw) < 0)
		return -EBADMSG;
	r->has_gw = at.tb[RTA_GATEWAY] != NULL;
	return 0;
}

int rt_parse_rule(const struct nlmsghdr *nlh, struct rt_rule *r)
{
	struct nl_attrs at;
	const struct fib_rule_hdr *frh;

	memset(r, 0, sizeof(*r));
	if (nlh->nlmsg_type != RTM_NEWRULE)
		return -ENOENT;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*frh)))
		return -EBADMSG;
	frh = mnl_nlmsg_get_payload(nlh);
	if (!rt_addr_len(frh->family))
		return -ENOENT;
	if (nl_attrs_parse(nlh, sizeof(*frh), FRA_MAX, &at) < 0)
		return -EBADMSG;
	r->family = frh->family;
	r->action = frh->action;
	r->table = frh->table;
	if (get_u32(at.tb[FRA_TABLE], &r->table) < 0 ||
	    get_u32(at.tb[FRA_PRIORITY], &r->priority) < 0 ||
	    get_u32(at.tb[FRA_FWMARK], &r->fwmark) < 0 ||
	    get_u32(at.tb[FRA_FWMASK], &r->fwmask) < 0)
		return -EBADMSG;
	r->has_fwmark = at.tb[FRA_FWMARK] != NULL;
	if (r->has_fwmark && !at.tb[FRA_FWMASK])
		r->fwmask = 0xffffffff;
	if (at.tb[FRA_PROTOCOL]) {
		if (mnl_attr_validate(at.tb[FRA_PROTOCOL], MNL_TYPE_U8) < 0)
			return -EBADMSG;
		r->protocol = mnl_attr_get_u8(at.tb[FRA_PROTOCOL]);
	}
	return 0;
}

NL_DUMP_ADAPTER(route_dump_cb, struct rt_route, rt_parse_route, rt_route_cb)

int rt_route_dump(struct nl_sock *s, uint8_t family, uint8_t table, rt_route_cb cb,
		  void *data, struct nl_result *res)
{
	char buf[128] __attribute__((aligned(4)));
	struct route_dump_cb_ctx ctx = { cb, data };
	struct nl_buf b;
	struct rtmsg *rtm;

	nl_buf_init(&b, buf, sizeof(buf));
	rtm = nl_msg_begin(&b, RTM_GETROUTE, NLM_F_DUMP, sizeof(*rtm), "listing routes");
	if (rtm) {
		rtm->rtm_family = family;
		rtm->rtm_table = table;
	}
	nl_msg_end(&b);
	return nl_dump(s, &b, route_dump_cb, &ctx, res);
}

NL_DUMP_ADAPTER(rule_dump_cb, struct rt_rule, rt_parse_rule, rt_rule_cb)

int rt_rule_dump(struct nl_sock *s, uint8_t family, rt_rule_cb cb, void *data,
		 struct nl_result *res)
{
	char buf[128] __attribute__((aligned(4)));
	struct rule_dump_cb_ctx ctx = { cb, data };
	struct fib_rule_hdr *frh;
	struct nl_buf b;

	nl_buf_init(&b, buf, sizeof(buf));
	frh = nl_msg_begin(&b, RTM_GETRULE, NLM_F_DUMP, sizeof(*frh), "listing policy rules");
	if (frh)
		frh->family = family;
	nl_msg_end(&b);
	return nl_dump(s, &b, rule_dump_cb, &ctx, res);
}

void rt_addr_msg(struct nl_buf *b, uint16_t cmd, uint16_t flags, uint8_t family,
		 const uint8_t *addr, uint8_t prefixlen, uint32_t ifindex, const char *what)
{
	size_t alen = rt_addr_len(family);
	struct ifaddrmsg *ifa;

	ifa = nl_msg_begin(b, cmd, NLM_F_ACK | flags, sizeof(*ifa), what);
	if (!ifa)
		return;
	ifa->ifa_family = family;
	ifa->ifa_prefixlen = prefixlen;
	ifa->ifa_flags = family == AF_INET6 ? IFA_F_NODAD : 0;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	nl_put(b, IFA_LOCAL, alen, addr);
	nl_put(b, IFA_ADDRESS, alen, addr);
	nl_msg_end(b);
}

static struct ifinfomsg *link_msg(struct nl_buf *b, uint16_t cmd, uint16_t flags,
				  uint32_t ifindex, const char *what)
{
	struct ifinfomsg *ifi;

	ifi = nl_msg_begin(b, cmd, NLM_F_ACK | flags, sizeof(*ifi), what);
	if (ifi) {
		ifi->ifi_family = AF_UNSPEC;
		ifi->ifi_index = (int)ifindex;
	}
	return ifi;
}

void rt_link_set_mtu_up(struct nl_buf *b, uint32_t ifindex, uint32_t mtu, const char *what)
{
	struct ifinfomsg *ifi = link_msg(b, RTM_NEWLINK, 0, ifindex, what);

	if (!ifi)
		return;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	nl_put_u32(b, IFLA_MTU, mtu);
	nl_msg_end(b);
}

void rt_link_new_kind(struct nl_buf *b, const char *ifname, const char *kind, const char *what)
{
	struct nlattr *info;

	if (!link_msg(b, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, what))
		return;
	nl_put_strz(b, IFLA_IFNAME, ifname);
	info = nl_nest_start(b, IFLA_LINKINFO);
	nl_put_strz(b, IFLA_INFO_KIND, kind);
	nl_nest_end(b, info);
	nl_msg_end(b);
}

void rt_link_del_name(struct nl_buf *b, const char *ifname, const char *what)
{
	if (!link_msg(b, RTM_DELLINK, 0, 0, what))
		return;
	nl_put_strz(b, IFLA_IFNAME, ifname);
	nl_msg_end(b);
}

static int route_oif_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rt_route r;
	int err = rt_parse_route(nlh, &r);

	if (err == -ENOENT)
		return 0;
	if (err < 0)
		return err;
	*(uint32_t *)data = r.oif;
	return 0;
}

unsigned rt_ifindex(struct nl_sock *s, const char *name)
{
	struct ifreq ifr;

	if (strlen(name) >= sizeof(ifr.ifr_name))
		return 0;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(s->fd, SIOCGIFINDEX, &ifr) == 0)
		return ifr.ifr_ifindex > 0 ? (unsigned)ifr.ifr_ifindex : 0;
	return errno == ENODEV ? 0 : if_nametoindex(name);
}

int rt_route_get_oif(struct nl_sock *s, uint8_t family, const uint8_t *dst, uint32_t *oif,
		     struct nl_result *res)
{
	char buf[128] __attribute__((aligned(4)));
	size_t alen = rt_addr_len(family);
	struct nl_buf b;
	struct rtmsg *rtm;
	int err;

	*oif = 0;
	nl_buf_init(&b, buf, sizeof(buf));
	/* Not a dump: one route, then the ack that ends the exchange. */
	rtm = nl_msg_begin(&b, RTM_GETROUTE, NLM_F_ACK, sizeof(*rtm),
			   "looking up the route to the endpoint");
	if (rtm) {
		rtm->rtm_family = family;
		rtm->rtm_dst_len = (uint8_t)(alen * 8);
	}
	nl_put(&b, RTA_DST, alen, dst);
	nl_msg_end(&b);
	err = nl_dump(s, &b, route_oif_cb, oif, res);
	return err ? err : *oif ? 0 : -ENOENT;
}
