/* up.c - OpenVPN's --up hook: from OpenVPN's environment alone, switch the
 * gateway from "everything blocked" to "everything through the tunnel".
 * Any failure leaves it blocked and makes OpenVPN give up the connection.
 *
 * Usage: qubes-vpn-up [DEV MTU ... init|restart]   (as OpenVPN runs it; the
 * environment is what counts, validated by lib/ovpnenv.c). Runs as the
 * unit's user with CAP_NET_ADMIN only. Contract: exit 0 only when
 * downstream traffic leaves through DEV and nowhere else, its DNS only to
 * accepted VPN servers; otherwise exit 1 with the gateway blocked. */
#include "applets.h"
#include "../lib/help.h"
#include "../lib/log.h"
#include "../lib/rundir.h"
#include "../lib/gateway.h"
#include "../lib/helper.h"
#include "../lib/notify.h"
#include "../lib/ovpnenv.h"
#include "../lib/qubesdb.h"
#include "../lib/tunnel.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

extern char **environ;

HELP_TEXT(up,
"Usage: qubes-vpn-up [DEV TUN_MTU 0 IFCONFIG_LOCAL IFCONFIG_NETMASK|REMOTE init|restart]\n"
"\n"
"OpenVPN's --up hook (run it with --route-noexec --script-security 2).\n"
"Reads OpenVPN's environment (dev, ifconfig_*, foreign_option_N, ...),\n"
"puts the tunnel device in interface group 78, routes downstream traffic\n"
"of table 78 into it (IPv6 too when the tunnel has IPv6), and redirects\n"
"downstream DNS for Qubes' virtual DNS addresses to the VPN's DNS servers\n"
"(the first two of each family pushed with dhcp-option DNS / DNS6 that lie\n"
"beyond the tunnel: this qube's own addresses and those it routes outside\n"
"the tunnel, such as the NetVM's, are refused). With no usable VPN DNS\n"
"server, downstream DNS stays dropped. When the servers change, open\n"
"downstream DNS connections to the virtual addresses lose their conntrack\n"
"entries, so none keeps the old server. Pushed routes are never used.\n"
"The virtual DNS addresses are QubesDB's /qubes-netvm-primary-dns and\n"
"/qubes-netvm-secondary-dns, read from " QDB_SOCK_RO "\n"
"(before Qubes 4.3.3, " QDB_SOCK_RW "); when QubesDB\n"
"cannot say, 10.139.1.1 and 10.139.1.2, with a message.\n"
"\n"
"Environment it also honours: QUBES_VPN_RUNDIR (default /run/qubes-vpn),\n"
"PATH (default " HELPER_DEFAULT_PATH ", for notification\n"
"helpers), " QDB_SOCK_ENV " (an absolute path: QubesDB's socket\n"
"instead of the two above); with OpenVPN set them with --setenv.\n"
"Exit status: 0 connected, 1 failed (gateway left blocked), 2 usage error.\n");

/* Leave the gateway blocked, and say so in the state file. */
static int refuse(void)
{
	gw_blackhole(NULL);
	state_write_blocked();
	return 1;
}

int up_main(int argc, char **argv)
{
	struct ovpn_env env;
	struct gw_tunnel t;
	struct qdb q;
	char dns[256], server[80], body[400];
	int rc = gw_hook_begin(argc, argv, &usage);

	if (rc >= 0)
		return rc;
	/* QubesDB's daemon answers while this process reads the environment
	 * and the routes. */
	tunnel_virtual_dns_ask(&q);
	if (ovpn_env_parse(environ, &env) < 0)
		return refuse();
	/* OpenVPN's positional arguments must agree with its environment. */
	if (argc > 1 && strcmp(argv[1], env.dev)) {
		log_err("device argument '%.32s' differs from dev=%s: refusing to connect",
			argv[1], env.dev);
		return refuse();
	}
	if (argc > 6 && !strcmp(argv[6], "restart"))
		env.restart = 1;

	memset(&t, 0, sizeof(t));
	snprintf(t.dev, sizeof(t.dev), "%s", env.dev);
	t.has_ipv6 = env.has_ipv6;
	if (gw_pick_dns(&t, env.dns4, env.ndns4, env.dns6, env.ndns6) < 0)
		return refuse();
	tunnel_virtual_dns_take(&t, &q);

	log_info("%s: connecting through %s (IPv4 %s, IPv6 %s)",
		 env.restart ? "restart" : "init", t.dev,
		 env.has_ipv4 ? "yes" : "no, stays blocked",
		 t.has_ipv6 ? "yes" : "no, stays blocked");
	if (gw_connect(&t) < 0) {
		state_write_blocked();      /* gw_connect() ended blocked */
		notify_event(URGENCY_CRITICAL, "Qubes VPN could not connect",
			     "all traffic of attached qubes stays blocked; see the journal");
		return 1;
	}

	tunnel_dns_list(&t, dns, sizeof(dns));
	state_write_connected(t.dev, env.remote, dns);
	snprintf(server, sizeof(server), env.remote[0] ? " (server %s)" : "%s", env.remote);
	if (t.ndns4 + t.ndns6) {
		snprintf(body, sizeof(body), "traffic of attached qubes goes through %s%s. DNS: %s",
			 t.dev, server, dns);
		notify_event(URGENCY_NORMAL,
			     env.restart ? "Qubes VPN reconnected" : "Qubes VPN connected", body);
	} else {
		snprintf(body, sizeof(body), "traffic of attached qubes goes through %s%s, but "
			 "the VPN pushed no usable DNS server: their DNS is blocked", t.dev, server);
		notify_event(URGENCY_CRITICAL, env.restart ? "Qubes VPN reconnected without DNS"
			     : "Qubes VPN connected without DNS", body);
	}
	return 0;
}
