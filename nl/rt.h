/* rt.h - rtnetlink routes and policy rules: message builders, dumps, and
 * the reply parsers (exposed for tests and fuzzing). */
#ifndef QVPN_RT_H
#define QVPN_RT_H

#include "nl.h"

/* One route, in either family. Addresses are in network byte order in the
 * first 4 (IPv4) or 16 (IPv6) bytes. */
struct rt_route {
	uint8_t family;          /* AF_INET, AF_INET6 */
	uint8_t type;            /* RTN_UNICAST, RTN_BLACKHOLE, ... */
	uint8_t protocol;        /* RTPROT_*, or our own tag */
	uint8_t dst_len;
	uint32_t table;
	uint32_t metric;         /* RTA_PRIORITY */
	uint32_t oif;            /* ifindex, 0 = none */
	int has_gw;
	uint8_t dst[16];
	uint8_t gw[16];
};

struct rt_rule {
	uint8_t family;
	uint8_t action;          /* FR_ACT_TO_TBL, ... */
	uint8_t protocol;
	uint32_t priority;
	uint32_t table;
	uint32_t fwmark;
	uint32_t fwmask;
	int has_fwmark;
};

/* cmd: RTM_NEWROUTE or RTM_DELROUTE; flags: NLM_F_CREATE/EXCL/REPLACE.
 * An ack is always requested. On delete, zero fields match anything. */
void rt_route_msg(struct nl_buf *b, uint16_t cmd, uint16_t flags,
		  const struct rt_route *r, const char *what);
void rt_rule_msg(struct nl_buf *b, uint16_t cmd, uint16_t flags,
		 const struct rt_rule *r, const char *what);

/* Set a link's group (IFLA_GROUP): RTM_NEWLINK on an existing ifindex. */
void rt_link_set_group(struct nl_buf *b, uint32_t ifindex, uint32_t group, const char *what);

/* Add (RTM_NEWADDR) or remove (RTM_DELADDR) addr/prefixlen on ifindex:
 * IFA_LOCAL and IFA_ADDRESS both addr, as ip(8) does on a point-to-point
 * link; IPv6 without duplicate address detection (IFA_F_NODAD). */
void rt_addr_msg(struct nl_buf *b, uint16_t cmd, uint16_t flags, uint8_t family,
		 const uint8_t *addr, uint8_t prefixlen, uint32_t ifindex, const char *what);

/* Set a link's MTU and bring it up: RTM_NEWLINK, IFF_UP in ifi_flags and
 * ifi_change, IFLA_MTU. */
void rt_link_set_mtu_up(struct nl_buf *b, uint32_t ifindex, uint32_t mtu, const char *what);

/* Create a link of a kind (RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL,
 * IFLA_IFNAME, IFLA_LINKINFO { IFLA_INFO_KIND }), or delete one by name. */
void rt_link_new_kind(struct nl_buf *b, const char *ifname, const char *kind, const char *what);
void rt_link_del_name(struct nl_buf *b, const char *ifname, const char *what);

/* The output interface the kernel picks for dst (RTM_GETROUTE, as
 * `ip route get`). 0 or -errno. */
/* The index of interface name, 0 if there is none: asked on s's own
 * descriptor (the kernel answers SIOCGIFINDEX on any socket), saving the
 * socket if_nametoindex() opens and closes each time. */
unsigned rt_ifindex(struct nl_sock *s, const char *name);

int rt_route_get_oif(struct nl_sock *s, uint8_t family, const uint8_t *dst, uint32_t *oif,
		     struct nl_result *res);

/* Dumps call cb once per route or rule; cb returns 0 to go on or -errno
 * to fail the dump. table (1-255) asks the kernel for that table's routes
 * only, 0 for all: a kernel honours it under strict checking, which
 * nl_open() asks for on NETLINK_ROUTE (4.20 on); an older one sends every
 * table, so cb must still check r->table. A table that does not exist
 * is -ENOENT (IPv4) or an empty dump. */
typedef int (*rt_route_cb)(const struct rt_route *r, void *data);
typedef int (*rt_rule_cb)(const struct rt_rule *r, void *data);
int rt_route_dump(struct nl_sock *s, uint8_t family, uint8_t table, rt_route_cb cb,
		  void *data, struct nl_result *res);
int rt_rule_dump(struct nl_sock *s, uint8_t family, rt_rule_cb cb, void *data,
		 struct nl_result *res);

/* Parse one RTM_NEWROUTE / RTM_NEWRULE message. 0 or -EBADMSG; -ENOENT for
 * a well-formed message that is not a route/rule of a family we handle. */
int rt_parse_route(const struct nlmsghdr *nlh, struct rt_route *r);
int rt_parse_rule(const struct nlmsghdr *nlh, struct rt_rule *r);

size_t rt_addr_len(uint8_t family);

#endif
