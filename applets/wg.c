/* wg.c - the gateway with a WireGuard tunnel: configure the device from a
 * wg-quick configuration (no wg, wg-quick, ip or shell), wait for the first
 * handshake, then connect downstream traffic to it as the OpenVPN hooks do.
 *
 * Usage: qubes-vpn-wg start [--dev IF]
 *        qubes-vpn-wg up [--dev IF] [--timeout SECONDS] [CONF]
 *        qubes-vpn-wg down|status|watch [--dev IF]
 * (qubes-vpn-wg.service: `start` makes IF in the kernel, or runs
 * wireguard-go where the kernel has no WireGuard, then `up`; `down` in
 * ExecStopPost; qubes-vpn-wg-watch.service runs `watch` while it is
 * active). Runs as the units' user with CAP_NET_ADMIN only.
 * Backend, chosen as wg(8) chooses: wireguard-go when its socket
 * WG_UAPI_DIR/IF.sock accepts a connection, otherwise the kernel's
 * WireGuard over generic netlink.
 * Contract: `up` exits 0 only when a handshake with a peer happened and
 * downstream traffic leaves through IF and nowhere else, its DNS only to
 * the configuration's accepted DNS servers; otherwise exit 1 with the
 * gateway blocked (also when an Endpoint's host name does not resolve:
 * that is done before anything else). `down` leaves it blocked whatever
 * is already gone, and deletes a kernel IF (wireguard-go's IF goes with
 * wireguard-go).
 * `watch` changes no route: it records "disconnected" when the peer has
 * not been heard from for longer than WireGuard's keys live (or IF is
 * gone), and "connected" again after a new handshake, each once. */
#define _GNU_SOURCE   /* secure_getenv, _Fork */
#include "applets.h"
#include "../lib/clock.h"
#include "../lib/gateway.h"
#include "../lib/helper.h"
#include "../lib/help.h"
#include "../lib/log.h"
#include "../lib/notify.h"
#include "../lib/ovpnenv.h"
#include "../lib/resolver.h"
#include "../lib/rundir.h"
#include "../lib/tunnel.h"
#include "../lib/wgconf.h"
#include "../lib/wgdev.h"
#include "../lib/wgkernel.h"
#include "../lib/wguapi.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/socket.h>

#define WG_DEFAULT_DEV "qubes-vpn-wg"
#define WG_DEFAULT_CONF "/rw/config/qubes-vpn/wireguard.conf"
#define WG_DEFAULT_TIMEOUT 20       /* seconds for the first handshake */
#define WG_KICK_KEEPALIVE 25        /* keepalive: starts the handshake, then keeps them coming */
#define WG_POLL_MS 10               /* reading the device while waiting for the
                                     * handshake (one round trip: 50 ms added a
                                     * median 40 ms to bench/wg.sh) */
#define WG_UAPI_TIMEOUT_MS 2000     /* one exchange with wireguard-go */
/* The watchdog. Past REJECT_AFTER_TIME (180 s) after a handshake WireGuard
 * uses the session's keys no more: without a newer handshake nothing
 * flows. A live peer has one by then plus our keepalive (25 s, the packet
 * that starts it) plus one retry (5 s); so does anything it sends us. */
#define WG_STALE_S (180 + 25 + 5)
#define WG_WATCH_POLL_MS 5000
#define WG_STALE_ENV "QUBES_VPN_WG_STALE"   /* tests: shorter, never longer */
#define WG_RESOLVE_TIMEOUT_MS 5000  /* one Endpoint's host name */

#define WG_GO "/usr/bin/wireguard-go"  /* Debian's and Fedora's */

HELP_TEXT(wg,
"Usage: qubes-vpn-wg up [--dev IF] [--timeout SECONDS] [CONF]\n"
"       qubes-vpn-wg start|down|status|watch [--dev IF]\n"
"\n"
"The Qubes VPN gateway with a WireGuard tunnel (see README, \"WireGuard\").\n"
"CONF: wg-quick's format, mode 0600 (default " WG_DEFAULT_CONF ");\n"
"no PreUp/PostUp/PreDown/PostDown. An Endpoint given by host name is\n"
"resolved once, before anything else: /etc/hosts, then the nameservers of\n"
"/etc/resolv.conf (the NetVM's while the gateway is blocked), IPv4 first.\n"
"IF (default " WG_DEFAULT_DEV ") is wireguard-go's if " WG_UAPI_DIR "/IF.sock answers,\n"
"else the kernel's.\n"
"  start   make IF in the kernel and wait while it exists, or run wireguard-go\n"
"  up      configure IF (made if missing), its addresses, MTU and link; after\n"
"          a handshake (SECONDS, default 20) route traffic and DNS into it\n"
"  down    back to the blocked state (a kernel IF is deleted)\n"
"  status  IF's peers: endpoint, latest handshake (-1: none), bytes\n"
"  watch   every 5 s, until stopped: when nothing (handshake or packet) came\n"
"          from the peer for 210 s, or IF is gone, record disconnected\n"
"          (traffic stays routed into IF, where it goes nowhere); after a new\n"
"          handshake, connected again (qubes-vpn-wg-watch.service)\n"
"Exit status: 0 success, 1 failed (the gateway left blocked), 2 usage error.\n");

struct wg_args {
	const char *cmd, *dev, *conf;
	long timeout;
};

/* "1" .. max decimal seconds, or -1. */
static long parse_seconds(const char *s, long max)
{
	unsigned long v;

	return parse_decimal(s, &v) < 0 || v < 1 || v > (unsigned long)max ? -1 : (long)v;
}

static void parse_args(int argc, char **argv, struct wg_args *a)
{
	int i;

	a->cmd = argc > 1 ? argv[1] : "";
	a->dev = WG_DEFAULT_DEV;
	a->conf = NULL;
	a->timeout = WG_DEFAULT_TIMEOUT;
	if (strcmp(a->cmd, "up") && strcmp(a->cmd, "down") && strcmp(a->cmd, "status") &&
	    strcmp(a->cmd, "watch") && strcmp(a->cmd, "start"))
		usage_error("a command is needed: start, up, down, status or watch");
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--dev") && i + 1 < argc) {
			a->dev = argv[++i];
			if (!valid_ifname(a->dev))
				usage_error("--dev: not an interface name");
		} else if (!strcmp(argv[i], "--timeout") && i + 1 < argc && !strcmp(a->cmd, "up")) {
			a->timeout = parse_seconds(argv[++i], 600);
			if (a->timeout < 0)
				usage_error("--timeout: seconds from 1 to 600");
		} else if (argv[i][0] != '-' && !a->conf && !strcmp(a->cmd, "up")) {
			a->conf = argv[i];
		} else {
			usage_error("unexpected argument '%.40s'", argv[i]);
		}
	}
	if (!a->conf)
		a->conf = WG_DEFAULT_CONF;
}

static char req[WG_CONF_FILE_MAX + 4096];
static char reply[WG_UAPI_REPLY_MAX + 1];
static struct wg_conf conf;
static struct wg_uapi_status wgst;
static int kernel;                  /* the backend: the kernel, or wireguard-go */
static int uapi_err;                /* why not wireguard-go (wg_uapi_probe) */

/* One request to wireguard-go and its parsed reply: 0, or -errno. what
 * names it in the one message on failure; NULL: no message. */
static int uapi(const char *dev, const char *what, int len, struct wg_uapi_status *st)
{
	int n, err;

	if (len < 0) {
		if (what)
			log_err("%s: the request does not fit (%s)", what, strerror(-len));
		return len;
	}
	n = wg_uapi_exchange(dev, req, (size_t)len, reply, sizeof(reply), WG_UAPI_TIMEOUT_MS);
	memset(req, 0, sizeof(req));          /* it may hold the private key */
	err = n < 0 ? n : wg_uapi_parse_reply(reply, (size_t)n, st);
	if (!what || !err)
		return err;
	if (n == -ENOENT || n == -ECONNREFUSED)
		log_err("%s: no wireguard-go serves %s (" WG_UAPI_DIR "/%s.sock: %s)", what, dev,
			dev, strerror(-n));
	else if (n < 0)
		log_err("%s: wireguard-go's socket for %s: %s", what, dev, strerror(-n));
	else if (err == -EBADMSG)
		log_err("%s: wireguard-go's answer is malformed", what);
	else
		log_err("%s: wireguard-go refused it: %s", what, strerror(-err));
	return err;
}

/* Choose the backend: wireguard-go's socket if it accepts a connection;
 * one of another user is refused (it would get the private key). what
 * names the step in the message; NULL: no message. */
static int choose_backend(const char *dev, const char *what)
{
	uapi_err = wg_uapi_probe(dev);
	kernel = uapi_err < 0;
	if (uapi_err != -EPERM)
		return 0;
	if (what)
		log_err("%s: wireguard-go's socket for %s: %s", what, dev, strerror(EPERM));
	return -EPERM;
}

enum { K_CREATE, K_SET, K_GET, K_DELETE };

/* One step of the kernel backend (K_SET: the configuration, keepalives
 * at least every WG_KICK_KEEPALIVE s; K_GET: into wgst). On failure one line:
 * the device, the step, the kernel's reason, and why wireguard-go's
 * socket was not used. */
static int kernel_op(int op, const char *dev)
{
	struct nl_result res;
	int err;

	switch (op) {
	case K_CREATE: err = wg_kernel_create(dev, &res); break;
	case K_SET: err = wg_kernel_set(dev, &conf, WG_KICK_KEEPALIVE, &res); break;
	case K_GET: err = wg_kernel_get(dev, &wgst, &res); break;
	default: err = wg_kernel_delete(dev, &res);
	}
	if (err < 0)
		log_err("%s: %s: %s%s%s%s; no wireguard-go serves it either (" WG_UAPI_DIR
			"/%s.sock: %s)", dev, res.what ? res.what : "netlink", strerror(-res.err),
			res.extack[0] ? " (kernel: " : "", res.extack, res.extack[0] ? ")" : "", dev,
			strerror(-uapi_err));
	return err;
}

/* The device's peers into wgst, from its backend; what as uapi()'s. */
static int read_device(const char *dev, const char *what)
{
	struct nl_result res;

	if (kernel)
		return what ? kernel_op(K_GET, dev) : wg_kernel_get(dev, &wgst, &res);
	memcpy(req, "get=1\n\n", 8);
	return uapi(dev, what, 7, &wgst);
}

/* The device as the configuration says, each peer with an endpoint
 * keeping alive at least every WG_KICK_KEEPALIVE s (the first keepalive
 * starts the handshake at once; the later ones keep them coming, so the
 * watchdog can tell a live peer from a dead one). */
static int configure(const char *dev)
{
	if (kernel)
		return kernel_op(K_SET, dev);
	return uapi(dev, "configuring the device",
		    wg_uapi_set_request(&conf, WG_KICK_KEEPALIVE, req, sizeof(req)), NULL);
}

/* The first handshake, or the deadline: the backend sends the kick's
 * keepalive at once and retries the handshake every 5 s by itself. */
static int wait_handshake(const char *dev, long timeout_s, unsigned *peer)
{
	long deadline = now_ms() + timeout_s * 1000;
	unsigned i;
	int err;

	for (;;) {
		err = read_device(dev, "reading the handshake state");
		if (err < 0)
			return err;
		for (i = 0; i < wgst.npeers && i < WG_UAPI_PEERS_MAX; i++)
			if (wgst.peers[i].last_handshake_sec > 0) {
				*peer = i;
				return 0;
			}
		if (now_ms() >= deadline)
			break;
		poll(NULL, 0, WG_POLL_MS);
	}
	log_err("no handshake with any peer within %ld s: the endpoint is unreachable, "
		"or the keys do not match", timeout_s);
	return -ETIMEDOUT;
}

static void warn_allowed(const struct wg_conf *c)
{
	const char *why[2];
	unsigned i, n = wg_conf_gaps(c, why);

	for (i = 0; i < n; i++)
		log_warn("%s", why[i]);
}

/* Leave the gateway blocked, and say so. */
static int refuse(const char *dev)
{
	gw_blackhole(dev);
	state_write_blocked();
	notify_event(URGENCY_CRITICAL, "Qubes VPN could not connect",
		     "all traffic of attached qubes stays blocked; see the journal");
	return 1;
}

/* The state file and the event: traffic goes through dev (dns: the VPN's
 * DNS servers accepted, "" for none). */
static void record_connected(const char *dev, const char *server, const char *dns)
{
	char body[400];

	state_write_connected(dev, server, dns);
	snprintf(body, sizeof(body), "traffic of attached qubes goes through %s (WireGuard, "
		 "server %s). DNS: %s", dev, server, dns[0] ? dns : "none usable: blocked");
	notify_event(dns[0] ? URGENCY_NORMAL : URGENCY_CRITICAL, "Qubes VPN connected", body);
}

/* Each Endpoint given by host name to one address, before anything
 * touches the device or routes: one line naming the host and the reason
 * when it cannot be, one naming the address taken when it can. */
static int resolve_endpoints(struct wg_conf *c)
{
	char addr[INET6_ADDRSTRLEN], from[INET6_ADDRSTRLEN];
	struct dns_addr found, via;
	unsigned i;
	int err;

	for (i = 0; i < c->npeers; i++) {
		if (!c->endpoint_host[i][0])
			continue;
		err = dns_resolve(c->endpoint_host[i], WG_RESOLVE_TIMEOUT_MS, &found, &via);
		if (err < 0) {
			log_err("Endpoint %s: cannot resolve it: %s", c->endpoint_host[i], dns_strerror(err));
			return err;
		}
		c->peers[i].endpoint.family = found.family;
		memcpy(c->peers[i].endpoint.addr, found.addr, sizeof(found.addr));
		inet_ntop(found.family, found.addr, addr, sizeof(addr));
		if (via.family)
			inet_ntop(via.family, via.addr, from, sizeof(from));
		log_info("Endpoint %s is %s (%s%s)", c->endpoint_host[i], addr,
			 via.family ? "nameserver " : "", via.family ? from : dns_hosts_path());
	}
	return 0;
}

static int wg_up(const struct wg_args *a)
{
	struct gw_tunnel t;
	char dns[256];
	unsigned peer = 0, mtu;

	if (wg_conf_load(a->conf, &conf) < 0 || resolve_endpoints(&conf) < 0)
		return refuse(a->dev);
	warn_allowed(&conf);
	if (choose_backend(a->dev, "configuring the device") < 0 ||
	    (kernel && kernel_op(K_CREATE, a->dev) < 0) || configure(a->dev) < 0)
		return refuse(a->dev);
	mtu = wg_dev_mtu(&conf);
	if (wg_dev_setup(a->dev, &conf, mtu) < 0)
		return refuse(a->dev);
	log_info("%s configured (MTU %u), waiting up to %ld s for a handshake", a->dev, mtu,
		 a->timeout);
	/* The keepalive stays: without traffic a live peer would never
	 * handshake again, and the watchdog could not tell it from a dead one. */
	if (wait_handshake(a->dev, a->timeout, &peer) < 0)
		return refuse(a->dev);

	memset(&t, 0, sizeof(t));
	snprintf(t.dev, sizeof(t.dev), "%s", a->dev);
	t.has_ipv6 = wg_conf_has_family(&conf, AF_INET6);
	if (gw_pick_dns(&t, conf.dns4, conf.ndns4,
			conf.dns6, conf.ndns6) < 0)
		return refuse(a->dev);
	tunnel_virtual_dns(&t);
	if (gw_connect(&t) < 0)
		return refuse(a->dev);        /* gw_connect() ended blocked */

	tunnel_dns_list(&t, dns, sizeof(dns));
	record_connected(t.dev, wgst.peers[peer].endpoint, dns);
	memset(&conf, 0, sizeof(conf));
	return 0;
}

static int wg_down(const struct wg_args *a)
{
	int connected = state_connected(), failed = 0;

	if (gw_blackhole(a->dev) < 0) {
		notify_event(URGENCY_CRITICAL, "Qubes VPN disconnected",
			     "blocking attached qubes failed in part; see the journal");
		return 1;
	}
	state_write_blocked();
	/* A kernel device outlives every process: deleting it is what
	 * wireguard-go's exit does to its own. */
	if ((uapi_err = wg_uapi_probe(a->dev)) < 0 && kernel_op(K_DELETE, a->dev) < 0)
		failed = 1;
	/* After a failed up (whose message said so), no second one. */
	if (connected)
		notify_event(URGENCY_CRITICAL, "Qubes VPN disconnected",
			     "all traffic of attached qubes is blocked");
	else
		log_info("blocked (was not connected)");
	return failed;
}

/* ---- the watchdog ---- */

/* WG_STALE_S, or for tests a shorter $QUBES_VPN_WG_STALE (never in
 * secure-execution mode; the watch unit unsets it): lowering it can only
 * make "disconnected" come sooner, never hide one. */
static long stale_seconds(void)
{
	const char *e = secure_getenv(WG_STALE_ENV);   /* none in secure-execution mode */
	long s = e ? parse_seconds(e, WG_STALE_S) : WG_STALE_S;

	if (s < 0)
		log_warn("$" WG_STALE_ENV ": not seconds from 1 to %d: ignored", WG_STALE_S);
	return s < 0 ? WG_STALE_S : s;
}

/* Under the lock, and only if the state still says connected: blocked,
 * and the event. 1 when recorded. */
static int record_disconnected(const char *why)
{
	int done;

	gateway_lock();
	done = state_connected();
	if (done) {
		state_write_blocked();
		notify_event(URGENCY_CRITICAL, "Qubes VPN disconnected", why);
	}
	gateway_lock_drop();
	return done;
}

/* Under the lock: connected again, if nobody recorded anything since and
 * table 78 still routes into dev (`down` or `forwarding blackhole` would
 * have replaced that by the blackhole). 1 when recorded, 0 when it is no
 * longer ours to say, -1 to try again. */
static int record_reconnected(const char *dev, const char *server, const char *dns)
{
	static struct gw_status gs;
	int ret = 0;

	gateway_lock();
	if (state_connected()) {
		ret = 0;
	} else if (gw_read_status(&gs) < 0) {
		ret = -1;
	} else if (gs.tunnel_route[0] && !strcmp(gs.tunnel_dev[0], dev)) {
		record_connected(dev, server, dns);
		ret = 1;
	} else {
		log_warn("a new handshake on %s, but table 78 no longer routes into it: "
			 "staying blocked until the unit connects again", dev);
	}
	gateway_lock_drop();
	return ret;
}

static int wg_watch(const struct wg_args *a)
{
	long stale_ms = stale_seconds() * 1000, poll_ms = stale_ms / 4, now;
	long seen = now_ms();             /* CLOCK_MONOTONIC ms of the last sign of life */
	long long hs = -1, hs_down = -1;  /* newest handshake; at our "disconnected" */
	unsigned long long rx = ~0ULL, sum;
	char text[1024], state[16], sdev[IF_NAMESIZE], dns[256] = "", why[200];
	unsigned i, best = 0;
	int err, last_err = 0, gone, alive;

	if (poll_ms > WG_WATCH_POLL_MS)
		poll_ms = WG_WATCH_POLL_MS;
	log_info("watching %s: disconnected after %ld s without a handshake or a packet from "
		 "the peer", a->dev, stale_ms / 1000);
	for (;; poll(NULL, 0, (int)poll_ms)) {
		now = now_ms();
		/* Whichever backend serves it now, quietly: what changed is said below. */
		err = choose_backend(a->dev, NULL);
		err = err < 0 ? err : read_device(a->dev, NULL);
		if (err != last_err && err)
			log_warn("reading %s: %s", a->dev, strerror(-err));
		last_err = err;
		if (!err) {
			for (i = 0, best = 0, sum = 0; i < wgst.npeers && i < WG_UAPI_PEERS_MAX; i++) {
				sum += wgst.peers[i].rx_bytes;
				if (wgst.peers[i].last_handshake_sec > wgst.peers[best].last_handshake_sec)
					best = i;
			}
			/* Ages on the monotonic clock, as WireGuard keeps its keys:
			 * a change of the wall clock is no sign of life or death. */
			if (wgst.npeers && wgst.peers[best].last_handshake_sec != hs) {
				hs = wgst.peers[best].last_handshake_sec;
				seen = now - (hs > 0 ? 1000L * (long)((long long)time(NULL) - hs)
						     : stale_ms + 1);
				if (seen > now)
					seen = now;
			}
			if (sum != rx && rx != ~0ULL)
				seen = now;       /* authenticated packets from the peer */
			rx = sum;
		}
		/* No wireguard-go socket and no such kernel device (-ENODEV), or
		 * no WireGuard in the kernel at all (-ENOENT): the device is
		 * gone. Any other failure to read counts as silence from the peer. */
		gone = err == -ENODEV || err == -ENOENT;
		alive = !gone && now - seen <= stale_ms;

		/* What the state file says now (up, down or we wrote it). */
		if (state_read(text, sizeof(text)) >= 0 &&
		    !strcmp(state_value(text, "state", state, sizeof(state)), "connected") &&
		    !strcmp(state_value(text, "dev", sdev, sizeof(sdev)), a->dev)) {
			state_value(text, "dns", dns, sizeof(dns));
			hs_down = -1;
			if (alive)
				continue;
			if (gone)
				snprintf(why, sizeof(why), "%s is gone: "
					 "all traffic of attached qubes is blocked", a->dev);
			else
				snprintf(why, sizeof(why), "nothing from the WireGuard server for %ld s: "
					 "traffic of attached qubes goes into the tunnel and no further",
					 stale_ms / 1000);
			if (record_disconnected(why))
				hs_down = hs;
		} else if (hs_down >= 0 && alive && !err && hs > hs_down) {
			if (record_reconnected(a->dev, wgst.peers[best].endpoint, dns) >= 0)
				hs_down = -1;
		}
	}
	return 0;
}

static int wg_status(const struct wg_args *a)
{
	long long now = (long long)time(NULL);
	unsigned i;

	if (choose_backend(a->dev, "reading the device") < 0 ||
	    read_device(a->dev, "reading the device") < 0)
		return 1;
	for (i = 0; i < wgst.npeers && i < WG_UAPI_PEERS_MAX; i++) {
		const struct wg_uapi_peer *p = &wgst.peers[i];

		printf("peer %u: endpoint %s, latest handshake %lld s ago, received %llu B, sent %llu B\n",
		       i + 1, p->endpoint, p->last_handshake_sec > 0 ? now - p->last_handshake_sec : -1,
		       (unsigned long long)p->rx_bytes, (unsigned long long)p->tx_bytes);
	}
	return 0;
}

/* The unit's ExecStart: the kernel's device, held by a child that lives
 * as long as it does (the unit's main process, as wireguard-go's daemon
 * is: its exit stops the unit, whose ExecStopPost blocks); where the
 * kernel cannot make one, wireguard-go in our place, with an environment
 * of our own. */
static int wg_start(const struct wg_args *a)
{
	static char *const env[] = { "PATH=" HELPER_DEFAULT_PATH, "LOG_LEVEL=error", NULL };
	char *argv[] = { "wireguard-go", (char *)a->dev, NULL };
	struct nl_result res;
	unsigned idx;
	pid_t pid;

	if (wg_kernel_create(a->dev, &res) < 0) {
		log_info("%s: no kernel WireGuard (%s; kernel: %s): running " WG_GO, a->dev,
			 strerror(-res.err), res.extack[0] ? res.extack : "-");
		execve(WG_GO, argv, env);
		log_err("%s: " WG_GO ": %s", a->dev, strerror(errno));
		return 1;
	}
	idx = if_nametoindex(a->dev);
	log_info("%s: the kernel's WireGuard device", a->dev);
	pid = _Fork();
	if (pid < 0) {
		log_err("%s: fork: %s", a->dev, strerror(errno));
		return 1;
	}
	if (pid > 0)
		return 0;
	/* A look every 2 s (a netlink subscription would cost the binary
	 * 250 bytes more; until the look, the gateway is blocked anyway: the
	 * routes into the device went with it). */
	while (idx && if_nametoindex(a->dev) == idx)
		sleep(2);
	log_err("%s: the device is gone", a->dev);
	return 1;
}

int wg_main(int argc, char **argv)
{
	struct wg_args a;

	if (wants_help(argc, argv)) {
		help_print(&usage);
		return 0;
	}
	parse_args(argc, argv, &a);
	if (!strcmp(a.cmd, "status"))
		return wg_status(&a);
	if (require_net_admin() < 0)
		return 1;
	if (!strcmp(a.cmd, "watch"))
		return wg_watch(&a);
	if (!strcmp(a.cmd, "start"))
		return wg_start(&a);
	gateway_lock();
	return !strcmp(a.cmd, "up") ? wg_up(&a) : wg_down(&a);
}
