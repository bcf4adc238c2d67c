/* wg.h - WireGuard's generic netlink family ("wireguard", linux/wireguard.h):
 * WG_CMD_SET_DEVICE built from a device description, split across as many
 * messages as its peers need. The description types are also what
 * lib/wgconf.c parses a configuration into. */
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

/* A device as WG_CMD_SET_DEVICE sets it: everything replaced. */
struct wg_device {
	const char *ifname;
	const uint8_t *private_key;   /* WG_KEY_LEN bytes */
	int listen_port;              /* -1: not set */
	uint32_t fwmark;
	unsigned npeers;
	const struct wg_peer *peers;
	int keepalive_min;            /* raise each peer's keepalive to this (0: as given) */
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

#endif
