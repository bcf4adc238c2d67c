/* wg.c - the kernel's WireGuard (linux/wireguard.h): WG_CMD_SET_DEVICE,
 * split across messages the way wg(8) splits it, and WG_CMD_GET_DEVICE's
 * dump, parsed as the untrusted input every reply is. */
#include "wg.h"
#include "genl.h"

#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/wireguard.h>
#include <libmnl/libmnl.h>

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
	uint16_t keepalive = (uint16_t)wg_peer_keepalive(p, d->keepalive_max);

	nl_put(b, WGPEER_A_PUBLIC_KEY, WG_KEY_LEN, p->public_key);
	if (*j == 0) {           /* a fresh peer; a continued one is named only */
		if (p->has_preshared_key)
			nl_put(b, WGPEER_A_PRESHARED_KEY, WG_KEY_LEN, p->preshared_key);
		nl_put_u32(b, WGPEER_A_FLAGS, WGPEER_F_REPLACE_ALLOWEDIPS);
		put_endpoint(b, &p->endpoint);
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

/* ---- WG_CMD_GET_DEVICE ---- */

void wg_get_device_msg(struct nl_buf *b, uint16_t family, const char *ifname)
{
	genl_msg_start(b, family, WG_CMD_GET_DEVICE, WG_GENL_VERSION, NLM_F_DUMP,
		       "reading the WireGuard device");
	nl_put_strz(b, WGDEVICE_A_IFNAME, ifname);
	nl_msg_end(b);
}

/* The fixed-size attributes of a level, by type (0: not fixed): each
 * present one must be exactly that long. */
static const uint8_t device_sizes[WGDEVICE_A_FWMARK + 1] = {
	[WGDEVICE_A_IFINDEX] = 4, [WGDEVICE_A_PRIVATE_KEY] = WG_KEY_LEN,
	[WGDEVICE_A_PUBLIC_KEY] = WG_KEY_LEN, [WGDEVICE_A_FLAGS] = 4,
	[WGDEVICE_A_LISTEN_PORT] = 2, [WGDEVICE_A_FWMARK] = 4,
};
static const uint8_t peer_sizes[WGPEER_A_PROTOCOL_VERSION + 1] = {
	[WGPEER_A_PUBLIC_KEY] = WG_KEY_LEN, [WGPEER_A_PRESHARED_KEY] = WG_KEY_LEN,
	[WGPEER_A_FLAGS] = 4, [WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL] = 2,
	[WGPEER_A_LAST_HANDSHAKE_TIME] = 16,  /* struct __kernel_timespec */
	[WGPEER_A_RX_BYTES] = 8, [WGPEER_A_TX_BYTES] = 8, [WGPEER_A_PROTOCOL_VERSION] = 4,
};

/* 0, or -EBADMSG when an attribute has not its size. */
static int check_sizes(const struct nl_attrs *at, const uint8_t *sizes, unsigned n)
{
	unsigned t;

	for (t = 0; t < n; t++)
		if (sizes[t] && at->tb[t] && mnl_attr_get_payload_len(at->tb[t]) != sizes[t])
			return -EBADMSG;
	return 0;
}

/* A present attribute's value (its size checked) into out. */
static void get_fixed(const struct nlattr *a, void *out)
{
	if (a)
		memcpy(out, mnl_attr_get_payload(a), mnl_attr_get_payload_len(a));
}

/* Each attribute of the len bytes at a through cb: each one whole, and
 * nothing left over (libmnl's walkers stop quietly at a cut attribute). */
static int walk(const struct nlattr *a, int len, int (*cb)(const struct nlattr *, void *),
		void *data)
{
	int err;

	for (; mnl_attr_ok(a, len); a = mnl_attr_next(a)) {
		len -= (int)MNL_ALIGN(a->nla_len);
		err = cb(a, data);
		if (err < 0)
			return err;
	}
	return len == 0 ? 0 : -EBADMSG;
}

static int by_type(const struct nlattr *a, void *data)
{
	struct nl_attrs *at = data;

	if (mnl_attr_get_type(a) <= at->max)
		at->tb[mnl_attr_get_type(a)] = a;
	return 0;
}

/* One level, by type (the last of a type wins; types above max, which
 * newer kernels may add, are left out). */
static int parse_level(const void *start, int len, uint16_t max, struct nl_attrs *at)
{
	memset(at, 0, sizeof(*at));
	at->max = max;
	return walk(start, len, by_type, at);
}

#define NESTED(a) mnl_attr_get_payload(a), (int)mnl_attr_get_payload_len(a)

/* One allowed IP: a family, an address of its size, a prefix within it.
 * Counted into *data. */
static int parse_allowedip(const struct nlattr *a, void *data)
{
	struct nl_attrs at;
	uint16_t family = 0;
	uint8_t cidr = 255;

	if (parse_level(NESTED(a), WGALLOWEDIP_A_CIDR_MASK, &at) < 0 ||
	    nl_get_addr(at.tb[WGALLOWEDIP_A_FAMILY], sizeof(family), (uint8_t *)&family) < 0 ||
	    nl_get_addr(at.tb[WGALLOWEDIP_A_CIDR_MASK], 1, &cidr) < 0 ||
	    (family != AF_INET && family != AF_INET6) ||
	    !at.tb[WGALLOWEDIP_A_IPADDR] ||
	    mnl_attr_get_payload_len(at.tb[WGALLOWEDIP_A_IPADDR]) != (family == AF_INET ? 4u : 16u) ||
	    cidr > (family == AF_INET ? 32 : 128))
		return -EBADMSG;
	(*(unsigned *)data)++;
	return 0;
}

/* WGPEER_A_ENDPOINT: a struct sockaddr_in or sockaddr_in6, whole (their
 * family, then the port in network order; the address at 4 or 8). */
static int parse_endpoint(const struct nlattr *a, struct wg_endpoint *ep)
{
	const uint8_t *sa = mnl_attr_get_payload(a);
	size_t len = mnl_attr_get_payload_len(a);
	uint16_t family;

	if (len != sizeof(struct sockaddr_in) && len != sizeof(struct sockaddr_in6))
		return -EBADMSG;
	memcpy(&family, sa, sizeof(family));
	if (family != (len == sizeof(struct sockaddr_in) ? AF_INET : AF_INET6))
		return -EBADMSG;
	ep->family = (uint8_t)family;
	ep->port = (uint16_t)(sa[2] << 8 | sa[3]);
	memcpy(ep->addr, sa + (family == AF_INET ? 4 : 8), family == AF_INET ? 4 : 16);
	return 0;
}

static int parse_peer(const struct nlattr *a, void *data)
{
	struct wg_dev_state *st = data;
	struct wg_peer_state p;
	struct nl_attrs at;
	int64_t hs[2] = { 0, 0 };       /* struct __kernel_timespec: seconds used */
	int more;

	memset(&p, 0, sizeof(p));
	if (parse_level(NESTED(a), WGPEER_A_PROTOCOL_VERSION, &at) < 0 ||
	    check_sizes(&at, peer_sizes, sizeof(peer_sizes)) < 0 || !at.tb[WGPEER_A_PUBLIC_KEY])
		return -EBADMSG;
	get_fixed(at.tb[WGPEER_A_PUBLIC_KEY], p.public_key);
	get_fixed(at.tb[WGPEER_A_LAST_HANDSHAKE_TIME], hs);
	get_fixed(at.tb[WGPEER_A_RX_BYTES], &p.rx_bytes);
	get_fixed(at.tb[WGPEER_A_TX_BYTES], &p.tx_bytes);
	if (hs[0] < 0 ||
	    (at.tb[WGPEER_A_ENDPOINT] && parse_endpoint(at.tb[WGPEER_A_ENDPOINT], &p.endpoint) < 0) ||
	    (at.tb[WGPEER_A_ALLOWEDIPS] &&
	     walk(NESTED(at.tb[WGPEER_A_ALLOWEDIPS]), parse_allowedip, &p.nallowed) < 0))
		return -EBADMSG;
	p.last_handshake_sec = hs[0];
	/* The first peer of a message with the last one's key: the same peer,
	 * its allowed IPs going on. Twice in a row within one message is
	 * nothing the kernel sends. */
	more = st->npeers && !memcmp(p.public_key, st->last_key, WG_KEY_LEN);
	if (more && st->peer_in_msg)
		return -EBADMSG;
	st->peer_in_msg = 1;
	if (more) {
		if (st->npeers <= WG_STATE_PEERS_MAX)
			st->peers[st->npeers - 1].nallowed += p.nallowed;
		return 0;
	}
	if (st->npeers >= WG_STATE_PEERS_LIMIT)
		return -EBADMSG;
	if (st->npeers < WG_STATE_PEERS_MAX)
		st->peers[st->npeers] = p;
	st->npeers++;
	memcpy(st->last_key, p.public_key, WG_KEY_LEN);
	return 0;
}

int wg_parse_device(const struct nlmsghdr *nlh, uint16_t family, struct wg_dev_state *st)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *name;
	struct nl_attrs at;
	uint16_t port = 0;

	if (nlh->nlmsg_type != family || nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN ||
	    g->cmd != WG_CMD_GET_DEVICE ||
	    parse_level((const char *)g + GENL_HDRLEN, (int)(nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN),
			WGDEVICE_A_PEERS, &at) < 0 ||
	    check_sizes(&at, device_sizes, sizeof(device_sizes)) < 0)
		return -EBADMSG;
	name = at.tb[WGDEVICE_A_IFNAME];
	if (name && (mnl_attr_validate(name, MNL_TYPE_NUL_STRING) < 0 ||
		     mnl_attr_get_payload_len(name) > 16))
		return -EBADMSG;
	if (at.tb[WGDEVICE_A_LISTEN_PORT]) {
		get_fixed(at.tb[WGDEVICE_A_LISTEN_PORT], &port);
		st->listen_port = port;
	}
	st->peer_in_msg = 0;
	return at.tb[WGDEVICE_A_PEERS] ? walk(NESTED(at.tb[WGDEVICE_A_PEERS]), parse_peer, st) : 0;
}

struct get_ctx {
	uint16_t family;
	struct wg_dev_state *st;
};

static int get_device_cb(const struct nlmsghdr *nlh, void *data)
{
	struct get_ctx *ctx = data;

	return wg_parse_device(nlh, ctx->family, ctx->st);
}

int wg_get_device(struct nl_sock *s, uint16_t family, const char *ifname,
		  struct wg_dev_state *st, struct nl_result *res)
{
	char buf[64] __attribute__((aligned(4)));
	struct get_ctx ctx = { family, st };
	struct nl_buf b;
	int err, tries = 0;

	do {
		memset(st, 0, sizeof(*st));
		st->listen_port = -1;
		nl_buf_init(&b, buf, sizeof(buf));
		wg_get_device_msg(&b, family, ifname);
		err = nl_dump(s, &b, get_device_cb, &ctx, res);
	} while (err == -EINTR && ++tries < 4);
	return err;
}
