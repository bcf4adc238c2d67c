/* wguapi.h - wireguard-go's configuration protocol (the "cross-platform
 * userspace API" of wireguard.com/xplatform): text over the unix socket
 * /var/run/wireguard/IFNAME.sock. The request builder and the reply parser
 * are pure (unit-tested, fuzzed); one function does the socket I/O. */
#ifndef QVPN_WGUAPI_H
#define QVPN_WGUAPI_H

#include <stddef.h>
#include <stdint.h>
#include "wgconf.h"

#define WG_UAPI_DIR "/var/run/wireguard"
#define WG_UAPI_REPLY_MAX 65536   /* longer answers are refused */

/* The set=1 request that makes the device exactly c: private key, listen
 * port and fwmark, every peer replaced with its keys, endpoint, keepalive
 * and allowed IPs. keepalive_max > 0: each peer with an endpoint sends a
 * keepalive at least every keepalive_max seconds (off included), so that
 * the first handshake starts without waiting for traffic and later ones
 * keep coming. Returns the length, or -EMSGSIZE. */
int wg_uapi_set_request(const struct wg_conf *c, int keepalive_max, char *out, size_t size);

/* An endpoint as the protocol writes it: "192.0.2.1:51820",
 * "[2001:db8::1]:51820" (NUL-terminated, cut to size). */
#define WG_ENDPOINT_TEXT_MAX 56
void wg_endpoint_text(const struct wg_endpoint *ep, char *out, size_t size);

/* What get=1 says about the peers, as far as we use it (the kernel
 * backend, lib/wgkernel.c, gives the same). */
#define WG_UAPI_PEERS_MAX 64
struct wg_uapi_peer {
	uint8_t public_key[WG_KEY_LEN];
	int64_t last_handshake_sec;   /* 0: never */
	uint64_t rx_bytes, tx_bytes;
	char endpoint[WG_ENDPOINT_TEXT_MAX]; /* as wireguard-go wrote it, checked: [0-9a-f.:[]] */
};
struct wg_uapi_status {
	int listen_port;
	unsigned npeers;              /* peers beyond WG_UAPI_PEERS_MAX are counted, not kept */
	struct wg_uapi_peer peers[WG_UAPI_PEERS_MAX];
};

/* Parse a reply: KEY=VALUE lines, the last "errno=N", then an empty line.
 * st may be NULL (a set=1 reply). Returns -N for errno=N (0 on success),
 * -EBADMSG for anything malformed (unknown keys are skipped, as the
 * protocol allows; known ones must be well-formed). */
int wg_uapi_parse_reply(const char *buf, size_t len, struct wg_uapi_status *st);

/* Which program serves IFNAME, decided as wg(8) decides it: wireguard-go
 * when its socket accepts a connection (0; nothing is sent), otherwise
 * the kernel: -errno says why not (-ENOENT, -ECONNREFUSED, ...). -EPERM:
 * a listener that is neither root nor us, which must get nothing. */
int wg_uapi_probe(const char *ifname);

/* Send req to IFNAME's socket and read the reply into out (NUL-terminated)
 * within timeout_ms. The listener must run as root or as us (it gets the
 * private key). Returns the reply's length or -errno: -ENOENT / -ECONNREFUSED
 * when no wireguard-go serves that device. */
int wg_uapi_exchange(const char *ifname, const char *req, size_t reqlen, char *out,
		     size_t size, int timeout_ms);

#endif
