/* wgconf.h - a WireGuard configuration in wg-quick's format, parsed and
 * validated: what `qubes-vpn-wg up` may use. Pure parsing (plus the one
 * careful file read); no netlink, no shell, nothing but log lines. */
#ifndef QVPN_WGCONF_H
#define QVPN_WGCONF_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include "../nl/wg.h"
#include "resolver.h"

#define WG_KEY_B64_LEN 44         /* base64 of 32 bytes, one '=' */
#define WG_CONF_FILE_MAX 65536    /* bigger files are refused */
#define WG_CONF_LINE_MAX 1024     /* longer lines are refused */
#define WG_PEERS_MAX 16
#define WG_ADDR_MAX 8             /* Address entries */
#define WG_CONF_DNS_MAX 8         /* DNS servers kept per family, in order */
#define WG_MTU_MIN 576
#define WG_MTU_MAX 9200

struct wg_conf {
	uint8_t private_key[WG_KEY_LEN];
	int has_private_key;
	int listen_port;              /* -1: not given (random) */
	uint32_t fwmark;              /* 0: none */
	unsigned mtu;                 /* 0: computed as wg-quick does */
	unsigned naddr;
	struct wg_prefix addr[WG_ADDR_MAX];
	unsigned ndns4, ndns6;
	struct in_addr dns4[WG_CONF_DNS_MAX];
	struct in6_addr dns6[WG_CONF_DNS_MAX];
	unsigned npeers;
	struct wg_peer peers[WG_PEERS_MAX];
	/* An Endpoint given by host name ("" otherwise): the peer's endpoint
	 * has family 0 until `up` resolves it (dns_resolve) and fills it in. */
	char endpoint_host[WG_PEERS_MAX][DNS_NAME_MAX + 1];
};

/* Parse len bytes of text (wg-quick's format: [Interface] and [Peer]
 * sections, '#' comments, wg(8)'s keys case-insensitive, wg-quick's own
 * keys as spelled). Shell hooks (PreUp, PostUp, PreDown, PostDown) and
 * unknown keys or sections are refused, as are NUL bytes, lines over
 * WG_CONF_LINE_MAX and values that do not validate; Table=, SaveConfig=
 * and DNS search domains are ignored with a warning. Errors name the line
 * and the key, never a key's value. 0, or -EINVAL (logged). */
int wg_conf_parse(const char *text, size_t len, struct wg_conf *c);

/* Read and parse the file at path: a regular file of at most
 * WG_CONF_FILE_MAX bytes, not a symlink, neither readable nor writable by
 * others (it holds the private key). 0 or -errno (logged). */
int wg_conf_load(const char *path, struct wg_conf *c);

/* Decode a 44-character base64 WireGuard key (wg(8)'s strict form). 0 or
 * -EINVAL. */
int wg_key_from_base64(const char *s, size_t len, uint8_t key[WG_KEY_LEN]);

/* Does any peer's AllowedIPs contain the whole family (0.0.0.0/0, ::/0)? */
int wg_conf_covers_all(const struct wg_conf *c, uint8_t family);

/* An Address of that family is configured. */
int wg_conf_has_family(const struct wg_conf *c, uint8_t family);

/* The downstream traffic c's tunnel would refuse, in words (AllowedIPs
 * short of everything, no IPv6 Address): up to 2 sentences into why, for
 * `up`'s journal and the configurator alike; their count. */
unsigned wg_conf_gaps(const struct wg_conf *c, const char *why[2]);

#endif
