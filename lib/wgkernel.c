/* wgkernel.c - the kernel's WireGuard: the device over rtnetlink, its keys
 * and peers over generic netlink (nl/wg.c builds and parses). */
#include "wgkernel.h"
#include "../nl/genl.h"
#include "../nl/rt.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>
#include <linux/wireguard.h>

#define WG_MSG_MAX 4096           /* one SET_DEVICE message, as wg(8) sizes them */

_Static_assert(WG_STATE_PEERS_MAX == WG_UAPI_PEERS_MAX, "as many peers kept either way");
_Static_assert(offsetof(struct wg_peer_state, endpoint) == offsetof(struct wg_uapi_peer, endpoint) &&
	       offsetof(struct wg_peer_state, tx_bytes) == offsetof(struct wg_uapi_peer, tx_bytes),
	       "a peer's key, handshake and bytes laid out alike");

static int fail(struct nl_result *res, int err, const char *what)
{
	memset(res, 0, sizeof(*res));
	res->err = err;
	res->index = -1;
	res->what = what;
	return err;
}

/* The run's socket of bus (route, generic: nl_run_sock), and WireGuard's
 * family id, looked up on first use. */
static uint16_t family;

static struct nl_sock *sock(int bus, struct nl_result *res)
{
	struct nl_sock *s = NULL;
	int err = nl_run_sock(bus, &s);

	if (!err && bus == NETLINK_GENERIC && !family)
		err = genl_family_id(s, WG_GENL_NAME, &family, res);
	if (!err)
		return s;
	fail(res, err, err == -ENOENT ? "no WireGuard in the kernel" : "reaching the kernel's WireGuard");
	return NULL;
}

static int link_msg(const char *ifname, int create, struct nl_result *res)
{
	char buf[128] __attribute__((aligned(4)));
	struct nl_sock *s = sock(NETLINK_ROUTE, res);
	struct nl_buf b;
	int err;

	if (!s)
		return res->err;
	nl_buf_init(&b, buf, sizeof(buf));
	if (create)
		rt_link_new_kind(&b, ifname, WG_GENL_NAME, "making a kernel WireGuard device");
	else
		rt_link_del_name(&b, ifname, "deleting the WireGuard device");
	err = nl_transact(s, &b, create ? NL_OK_EXIST : 0, res);
	return err == -ENODEV && !create ? (res->err = 0) : err;
}

int wg_kernel_create(const char *ifname, struct nl_result *res)
{
	return link_msg(ifname, 1, res);
}

int wg_kernel_delete(const char *ifname, struct nl_result *res)
{
	return link_msg(ifname, 0, res);
}

int wg_kernel_set(const char *ifname, const struct wg_conf *c, int keepalive_max,
		  struct nl_result *res)
{
	static char buf[65536] __attribute__((aligned(4)));
	struct wg_device d = { ifname, c->private_key, c->listen_port, c->fwmark, c->npeers,
			       c->peers, keepalive_max };
	struct nl_sock *s = sock(NETLINK_GENERIC, res);
	struct nl_buf b;
	int err;

	if (!s)
		return res->err;
	nl_buf_init(&b, buf, sizeof(buf));
	err = wg_set_device_msgs(&b, family, &d, WG_MSG_MAX);
	err = err < 0 ? fail(res, err, "configuring the WireGuard device") :
	      nl_transact(s, &b, 0, res);
	memset(buf, 0, sizeof(buf));          /* the keys */
	return err;
}

int wg_kernel_get(const char *ifname, struct wg_uapi_status *st, struct nl_result *res)
{
	static struct wg_dev_state ds;
	struct nl_sock *s = sock(NETLINK_GENERIC, res);
	unsigned i;
	int err;

	if (!s)
		return res->err;
	err = wg_get_device(s, family, ifname, &ds, res);
	memset(st, 0, sizeof(*st));
	st->listen_port = ds.listen_port;
	st->npeers = ds.npeers;
	for (i = 0; !err && i < ds.npeers && i < WG_UAPI_PEERS_MAX; i++) {
		const struct wg_peer_state *p = &ds.peers[i];
		struct wg_uapi_peer *q = &st->peers[i];

		memcpy(q, p, offsetof(struct wg_peer_state, endpoint));  /* key, handshake, bytes */
		if (p->endpoint.family)
			wg_endpoint_text(&p->endpoint, q->endpoint, sizeof(q->endpoint));
	}
	return err;
}
