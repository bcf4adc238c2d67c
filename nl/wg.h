/* wg.h - WireGuard's generic netlink family ("wireguard", linux/wireguard.h):
 * WG_CMD_SET_DEVICE built from a device description, split across as many
 * messages as its peers need; WG_CMD_GET_DEVICE's dump and its strict
 * parser. The description types are also what lib/wgconf.c parses a
 * configuration into. */
#ifndef QVPN_NL_WG_H
#define QVPN_NL_WG_H

#include "nl.h"

#define WG_KEY_LEN 32            /* the same as linux/wireguard.h */
#define WG_ALLOWED_MAX 64        /* AllowedIPs per peer */

/* An address with a prefix length (Address=, AllowedIPs=). */
struct wg_prefix {
	uint8_t family;               /* AF_INET, AF_INET6 */
	uint8_t len;
	uint8_t addr[16];
};

struct wg_endpoint {
	uint8_t family;               /* 0: none given */
	uint16_t port;                /* host order */
	uint8_t addr[16];
};

struct wg_peer {
	uint8_t public_key[WG_KEY_LEN];
	uint8_t preshared_key[WG_KEY_LEN];
	int has_public_key, has_preshared_key;
	struct wg_endpoint endpoint;
	int keepalive;                /* seconds; -1: not given */
	unsigned nallowed;
	struct wg_prefix allowed[WG_ALLOWED_MAX];
};

/* The keepalive p is given, by either backend: as configured, or every
 * max seconds if that is rarer (off included) and p has an endpoint;
 * max 0: as configured. */
static inline int wg_peer_keepalive(const struct wg_peer *p, int max)
{
	int k = p->keepalive < 0 ? 0 : p->keepalive;

	return max && p->endpoint.family && (!k || k > max) ? max : k;
}

/* A device as WG_CMD_SET_DEVICE sets it: everything replaced. */
struct wg_device {
	const char *ifname;
	const uint8_t *private_key;   /* WG_KEY_LEN bytes */
	int listen_port;              /* -1: not set */
	uint32_t fwmark;
	unsigned npeers;
	const struct wg_peer *peers;
	int keepalive_max;            /* each peer with an endpoint keeps alive at least
	                               * this often, seconds (0: as given) */
};

/* Append to b the WG_CMD_SET_DEVICE messages (family: the id the
 * controller gave for "wireguard") that make the device exactly d: the
 * first carries the private key, listen port, fwmark and
 * WGDEVICE_F_REPLACE_PEERS; peers follow, each with
 * WGPEER_F_REPLACE_ALLOWEDIPS. When the next piece would make a message
 * longer than msg_max, the message ends and the next one goes on where it
 * stopped (the peer again by its public key, its further allowed IPs
 * added to those already set), as wg(8) does. Returns 0, or -EMSGSIZE
 * (b full, or msg_max too small for one peer's header). */
int wg_set_device_msgs(struct nl_buf *b, uint16_t family, const struct wg_device *d,
		       size_t msg_max);

/* ---- WG_CMD_GET_DEVICE: what the kernel says about a device ---- */

#define WG_STATE_PEERS_MAX 64       /* peers kept; more are counted */
#define WG_STATE_PEERS_LIMIT (1u << 20)  /* the kernel's own limit per device: more is garbage */

struct wg_peer_state {          /* the first four as in lib/wguapi.h's wg_uapi_peer */
	uint8_t public_key[WG_KEY_LEN];
	int64_t last_handshake_sec;   /* 0: never */
	uint64_t rx_bytes, tx_bytes;
	struct wg_endpoint endpoint;  /* family 0: none */
	unsigned nallowed;            /* allowed IPs, over every message the peer spans */
};

struct wg_dev_state {
	int listen_port;              /* -1: not given */
	unsigned npeers;              /* peers beyond WG_STATE_PEERS_MAX are counted, not kept */
	struct wg_peer_state peers[WG_STATE_PEERS_MAX];
	/* the parser's own: the last peer's key (the next message may go
	 * on with its allowed IPs), and whether a peer of this message came */
	uint8_t last_key[WG_KEY_LEN];
	int peer_in_msg;
};

/* The dump request: WG_CMD_GET_DEVICE, NLM_F_DUMP (and ACK, as wg(8)
 * sends it), WGDEVICE_A_IFNAME. */
void wg_get_device_msg(struct nl_buf *b, uint16_t family, const char *ifname);

/* Parse one message of the dump into st (zeroed, listen_port -1, before
 * the first). The kernel puts as many peers into a message as fit; a
 * peer whose allowed IPs do not fit goes on as the first peer of the next
 * message, named again by its public key: that is one peer. Every
 * attribute is checked (sizes, families, prefix lengths, nesting, no
 * bytes left over in a list); 0, or -EBADMSG for anything malformed,
 * another message or family, or more peers than the kernel allows. */
int wg_parse_device(const struct nlmsghdr *nlh, uint16_t family, struct wg_dev_state *st);

/* Dump the device ifname into st. A dump torn by a change of the device
 * (NLM_F_DUMP_INTR) is read again, at most 4 times. 0 or -errno (-ENODEV:
 * no such WireGuard device). */
int wg_get_device(struct nl_sock *s, uint16_t family, const char *ifname,
		  struct wg_dev_state *st, struct nl_result *res);

#endif
