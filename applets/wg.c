/* wg.c - the gateway with a WireGuard tunnel: configure the device from a
 * wg-quick configuration (no wg, wg-quick, ip or shell), wait for the first
 * handshake, then connect downstream traffic to it as the OpenVPN hooks do.
 *
 * Usage: qubes-vpn-wg start [--dev IF]
 *        qubes-vpn-wg up [--dev IF] [--timeout SECONDS] [CONF]
 *        qubes-vpn-wg down [--dev IF]
 *        qubes-vpn-wg status [--dev IF]
 * (qubes-vpn-wg.service: `start` makes IF in the kernel, or runs
 * wireguard-go where the kernel has no WireGuard, then `up`; `down` in
 * ExecStopPost). Runs as the unit's user with CAP_NET_ADMIN only.
 * Backend, chosen as wg(8) chooses: wireguard-go when its socket
 * WG_UAPI_DIR/IF.sock accepts a connection, otherwise the kernel's
 * WireGuard over generic netlink.
 * Contract: `up` exits 0 only when a handshake with a peer happened and
 * downstream traffic leaves through IF and nowhere else, its DNS only to
 * the configuration's accepted DNS servers; otherwise exit 1 with the
 * gateway blocked. `down` leaves it blocked whatever is already gone, and
 * deletes a kernel IF (wireguard-go's IF goes with wireguard-go). */
#include "applets.h"
#include "../lib/gateway.h"
#include "../lib/helper.h"
#include "../lib/log.h"
#include "../lib/notify.h"
#include "../lib/ovpnenv.h"
#include "../lib/rundir.h"
#include "../lib/tunnel.h"
#include "../lib/wgconf.h"
#include "../lib/wgdev.h"
#include "../lib/wgkernel.h"
#include "../lib/wguapi.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/socket.h>

#define WG_DEFAULT_DEV "qubes-vpn-wg"
#define WG_DEFAULT_CONF "/rw/config/qubes-vpn/wireguard.conf"
#define WG_DEFAULT_TIMEOUT 20       /* seconds for the first handshake */
#define WG_KICK_KEEPALIVE 25        /* keepalive while waiting: starts the handshake */
#define WG_POLL_MS 50               /* get=1 while waiting */
#define WG_UAPI_TIMEOUT_MS 2000     /* one exchange with wireguard-go */
#define WG_GO "/usr/bin/wireguard-go"  /* Debian's and Fedora's */

static const char usage[] =
"Usage: qubes-vpn-wg up [--dev IF] [--timeout SECONDS] [CONF]\n"
"       qubes-vpn-wg start|down|status [--dev IF]\n"
"\n"
"The Qubes VPN gateway with a WireGuard tunnel (see README, \"WireGuard\").\n"
"CONF: wg-quick's format, mode 0600 (default " WG_DEFAULT_CONF ");\n"
"no PreUp/PostUp/PreDown/PostDown; Endpoint an IP address. IF (default\n"
WG_DEFAULT_DEV ") is wireguard-go's if " WG_UAPI_DIR "/IF.sock answers, else the kernel's.\n"
"  start   make IF in the kernel and wait while it exists, or run wireguard-go\n"
"  up      configure IF (made if missing), its addresses, MTU and link; after\n"
"          a handshake (SECONDS, default 20) route traffic and DNS into it\n"
"  down    back to the blocked state (a kernel IF is deleted)\n"
"  status  IF's peers: endpoint, latest handshake (-1: none), bytes\n"
"Exit status: 0 success, 1 failed (the gateway left blocked), 2 usage error.\n";

struct wg_args {
	const char *cmd, *dev, *conf;
	long timeout;
};

static void parse_args(int argc, char **argv, struct wg_args *a)
{
	char *end;
	int i;

	a->cmd = argc > 1 ? argv[1] : "";
	a->dev = WG_DEFAULT_DEV;
	a->conf = NULL;
	a->timeout = WG_DEFAULT_TIMEOUT;
	if (strcmp(a->cmd, "up") && strcmp(a->cmd, "down") && strcmp(a->cmd, "status") &&
	    strcmp(a->cmd, "start"))
		usage_error("a command is needed: start, up, down or status");
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--dev") && i + 1 < argc) {
			a->dev = argv[++i];
			if (!valid_ifname(a->dev))
				usage_error("--dev: not an interface name");
		} else if (!strcmp(argv[i], "--timeout") && i + 1 < argc && !strcmp(a->cmd, "up")) {
			for (end = argv[++i], a->timeout = 0; *end >= '0' && *end <= '9' &&
			     a->timeout <= 600; end++)
				a->timeout = a->timeout * 10 + (*end - '0');
			if (*end || a->timeout < 1 || a->timeout > 600)
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

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static char req[WG_CONF_FILE_MAX + 4096];
static char reply[WG_UAPI_REPLY_MAX + 1];
static struct wg_conf conf;
static struct wg_uapi_status wgst;
static int kernel;                  /* the backend: the kernel, or wireguard-go */
static int uapi_err;                /* why not wireguard-go (wg_uapi_probe) */

/* One request to wireguard-go and its parsed reply: 0, or -errno. */
static int uapi(const char *dev, const char *what, int len, struct wg_uapi_status *st)
{
	int n, err;

	if (len < 0) {
		log_err("%s: the request does not fit (%s)", what, strerror(-len));
		return len;
	}
	n = wg_uapi_exchange(dev, req, (size_t)len, reply, sizeof(reply), WG_UAPI_TIMEOUT_MS);
	memset(req, 0, sizeof(req));          /* it may hold the private key */
	if (n == -ENOENT || n == -ECONNREFUSED) {
		log_err("%s: no wireguard-go serves %s (" WG_UAPI_DIR "/%s.sock: %s)", what, dev,
			dev, strerror(-n));
		return n;
	}
	if (n < 0) {
		log_err("%s: wireguard-go's socket for %s: %s", what, dev, strerror(-n));
		return n;
	}
	err = wg_uapi_parse_reply(reply, (size_t)n, st);
	if (err == -EBADMSG)
		log_err("%s: wireguard-go's answer is malformed", what);
	else if (err < 0)
		log_err("%s: wireguard-go refused it: %s", what, strerror(-err));
	return err;
}

/* Choose the backend: wireguard-go's socket if it accepts a connection;
 * one of another user is refused (it would get the private key). */
static int choose_backend(const char *dev, const char *what)
{
	uapi_err = wg_uapi_probe(dev);
	kernel = uapi_err < 0;
	if (uapi_err != -EPERM)
		return 0;
	log_err("%s: wireguard-go's socket for %s: %s", what, dev, strerror(EPERM));
	return -EPERM;
}

enum { K_CREATE, K_SET, K_KEEPALIVE, K_GET, K_DELETE };

/* One step of the kernel backend (K_SET: the configuration, keepalives
 * raised to start the handshake; K_GET: into wgst). On failure one line:
 * the device, the step, the kernel's reason, and why wireguard-go's
 * socket was not used. */
static int kernel_op(int op, const char *dev)
{
	struct nl_result res;
	int err;

	switch (op) {
	case K_CREATE: err = wg_kernel_create(dev, &res); break;
	case K_SET: err = wg_kernel_set(dev, &conf, WG_KICK_KEEPALIVE, &res); break;
	case K_KEEPALIVE: err = wg_kernel_keepalive(dev, &conf, &res); break;
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

/* The device's peers into wgst, from its backend. */
static int read_device(const char *dev, const char *what)
{
	if (kernel)
		return kernel_op(K_GET, dev);
	memcpy(req, "get=1\n\n", 8);
	return uapi(dev, what, 7, &wgst);
}

/* The device as the configuration says, each peer's keepalive raised to
 * start the handshake (kick); or only the keepalives back (!kick). */
static int configure(const char *dev, int kick)
{
	if (kernel)
		return kernel_op(kick ? K_SET : K_KEEPALIVE, dev);
	return uapi(dev, kick ? "configuring the device" : "restoring PersistentKeepalive",
		    kick ? wg_uapi_set_request(&conf, WG_KICK_KEEPALIVE, req, sizeof(req)) :
		    wg_uapi_keepalive_request(&conf, req, sizeof(req)), NULL);
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
	if (!wg_conf_covers_all(c, AF_INET))
		log_warn("AllowedIPs does not cover 0.0.0.0/0: downstream IPv4 traffic to other "
			 "addresses goes into the tunnel and is dropped there");
	if (!wg_conf_has_family(c, AF_INET6))
		log_info("no IPv6 Address: downstream IPv6 stays blocked");
	else if (!wg_conf_covers_all(c, AF_INET6))
		log_warn("AllowedIPs does not cover ::/0: downstream IPv6 traffic to other "
			 "addresses goes into the tunnel and is dropped there");
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

static int wg_up(const struct wg_args *a)
{
	struct gw_tunnel t;
	char dns[256], body[400];
	unsigned peer = 0, mtu;

	if (wg_conf_load(a->conf, &conf) < 0)
		return refuse(a->dev);
	warn_allowed(&conf);
	if (choose_backend(a->dev, "configuring the device") < 0 ||
	    (kernel && kernel_op(K_CREATE, a->dev) < 0) || configure(a->dev, 1) < 0)
		return refuse(a->dev);
	mtu = wg_dev_mtu(&conf);
	if (wg_dev_setup(a->dev, &conf, mtu) < 0)
		return refuse(a->dev);
	log_info("%s configured (MTU %u), waiting up to %ld s for a handshake", a->dev, mtu,
		 a->timeout);
	if (wait_handshake(a->dev, a->timeout, &peer) < 0)
		return refuse(a->dev);
	/* The kick's keepalive back to what the configuration says. */
	if (configure(a->dev, 0) < 0)
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
	state_write_connected(t.dev, wgst.peers[peer].endpoint, dns);
	snprintf(body, sizeof(body), "traffic of attached qubes goes through %s (WireGuard, "
		 "server %s). DNS: %s", t.dev, wgst.peers[peer].endpoint,
		 t.ndns4 + t.ndns6 ? dns : "none usable: blocked");
	notify_event(t.ndns4 + t.ndns6 ? URGENCY_NORMAL : URGENCY_CRITICAL,
		     "Qubes VPN connected", body);
	memset(&conf, 0, sizeof(conf));
	return 0;
}

/* The state file says connected (written by up, under the same lock). */
static int was_connected(void)
{
	char path[RUNDIR_MAX + 8], text[32] = "";
	int fd, n;

	snprintf(path, sizeof(path), "%s/state", rundir());
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	n = (int)read(fd, text, sizeof(text) - 1);
	close(fd);
	return n > 0 && !strncmp(text, "state=connected\n", 16);
}

static int wg_down(const struct wg_args *a)
{
	int connected = was_connected(), failed = 0;

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
	pid = fork();
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
		fputs(usage, stdout);
		return 0;
	}
	parse_args(argc, argv, &a);
	if (!strcmp(a.cmd, "status"))
		return wg_status(&a);
	if (require_net_admin() < 0)
		return 1;
	if (!strcmp(a.cmd, "start"))
		return wg_start(&a);
	gateway_lock();
	return !strcmp(a.cmd, "up") ? wg_up(&a) : wg_down(&a);
}
