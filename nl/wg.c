/* wg.c - WG_CMD_SET_DEVICE for the kernel's WireGuard (linux/wireguard.h),
 * split across messages the way wg(8) splits it. */
#include "wg.h"
#include "genl.h"

#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/wireguard.h>

/* Nests carry NLA_F_NESTED (libmnl sets it), which the kernel's strict
 * parsing of nested attributes asks for; the array elements (peers,
 * allowed IPs) have type 0, as wg(8) sends them. */

/* The most one piece takes, attribute headers and padding included. */
#define ALLOWEDIP_MAX (4 + 8 + 20 + 8)  /* nest, FAMILY u16, IPADDR v6, CIDR_MASK u8 */
#define PEER_HDR_MAX (4 + 36 + 36 + 8 + 32 + 8 + 4) /* nest, keys, FLAGS, ENDPOINT v6, KEEPALIVE, ALLOWEDIPS nest */

static size_t room(const struct nl_buf *b, size_t msg_max)
{
	return b->cur && b->cur->nlmsg_len < msg_max ? msg_max - b->cur->nlmsg_len : 0;
}

static void put_endpoint(struct nl_buf *b, const struct wg_endpoint *ep)
{
	struct sockaddr_in6 s6;
	struct sockaddr_in s4;

	if (ep->family == AF_INET) {
		memset(&s4, 0, sizeof(s4));
		s4.sin_family = AF_INET;
		s4.sin_port = htons(ep->port);
		memcpy(&s4.sin_addr, ep->addr, 4);
		nl_put(b, WGPEER_A_ENDPOINT, sizeof(s4), &s4);
	} else if (ep->family == AF_INET6) {
		memset(&s6, 0, sizeof(s6));
		s6.sin6_family = AF_INET6;
		s6.sin6_port = htons(ep->port);
		memcpy(&s6.sin6_addr, ep->addr, 16);
		nl_put(b, WGPEER_A_ENDPOINT, sizeof(s6), &s6);
	}
}

static void put_allowed(struct nl_buf *b, const struct wg_prefix *p)
{
	struct nlattr *n = nl_nest_start(b, 0);
	uint16_t family = p->family;

	nl_put(b, WGALLOWEDIP_A_FAMILY, sizeof(family), &family);
	nl_put(b, WGALLOWEDIP_A_IPADDR, p->family == AF_INET ? 4 : 16, p->addr);
	nl_put_u8(b, WGALLOWEDIP_A_CIDR_MASK, p->len);
	nl_nest_end(b, n);
}

/* One peer, from allowed IP *j on, as far as msg_max allows. */
static void put_peer(struct nl_buf *b, const struct wg_device *d, const struct wg_peer *p,
		     unsigned *j, size_t msg_max)
{
	struct nlattr *peer = nl_nest_start(b, 0), *ips;
	uint16_t keepalive = (uint16_t)(p->keepalive < 0 ? 0 : p->keepalive);

	nl_put(b, WGPEER_A_PUBLIC_KEY, WG_KEY_LEN, p->public_key);
	if (*j == 0) {                  /* a fresh peer; a continued one is named only */
		if (p->has_preshared_key)
			nl_put(b, WGPEER_A_PRESHARED_KEY, WG_KEY_LEN, p->preshared_key);
		nl_put_u32(b, WGPEER_A_FLAGS, WGPEER_F_REPLACE_ALLOWEDIPS);
		put_endpoint(b, &p->endpoint);
		if (p->endpoint.family && keepalive < d->keepalive_min)
			keepalive = (uint16_t)d->keepalive_min;
		nl_put(b, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, sizeof(keepalive), &keepalive);
	}
	if (*j < p->nallowed) {
		ips = nl_nest_start(b, WGPEER_A_ALLOWEDIPS);
		while (*j < p->nallowed && room(b, msg_max) >= ALLOWEDIP_MAX)
			put_allowed(b, &p->allowed[(*j)++]);
		nl_nest_end(b, ips);
	}
	nl_nest_end(b, peer);
}

int wg_set_device_msgs(struct nl_buf *b, uint16_t family, const struct wg_device *d,
		       size_t msg_max)
{
	struct nlattr *peers;
	unsigned i = 0, j = 0, added;
	int first = 1;
	uint16_t port;

	while (first || i < d->npeers) {
		genl_msg_start(b, family, WG_CMD_SET_DEVICE, WG_GENL_VERSION, 0,
			       "configuring the WireGuard device");
		nl_put_strz(b, WGDEVICE_A_IFNAME, d->ifname);
		if (first) {
			nl_put(b, WGDEVICE_A_PRIVATE_KEY, WG_KEY_LEN, d->private_key);
			if (d->listen_port >= 0) {
				port = (uint16_t)d->listen_port;
				nl_put(b, WGDEVICE_A_LISTEN_PORT, sizeof(port), &port);
			}
			nl_put_u32(b, WGDEVICE_A_FWMARK, d->fwmark);
			nl_put_u32(b, WGDEVICE_A_FLAGS, WGDEVICE_F_REPLACE_PEERS);
		}
		if (i < d->npeers) {
			peers = nl_nest_start(b, WGDEVICE_A_PEERS);
			for (added = 0; i < d->npeers; added++) {
				const struct wg_peer *p = &d->peers[i];

				if (room(b, msg_max) < PEER_HDR_MAX + (j < p->nallowed ? ALLOWEDIP_MAX : 0)) {
					if (!added)
						return -EMSGSIZE;
					break;
				}
				put_peer(b, d, p, &j, msg_max);
				if (j < p->nallowed)
					break;        /* the rest of its allowed IPs next */
				i++;
				j = 0;
			}
			nl_nest_end(b, peers);
		}
		nl_msg_end(b);
		if (b->err)
			return b->err;
		first = 0;
	}
	return 0;
}
