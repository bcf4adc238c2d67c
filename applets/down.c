/* down.c - OpenVPN's --down hook: back to the blocked state, whatever is
 * already gone (the tunnel device, routes, the DNS redirect).
 *
 * Usage: qubes-vpn-down [DEV ...]   (as OpenVPN runs it; dev= in the
 * environment names the tunnel). Runs as the unit's user with
 * CAP_NET_ADMIN only. Contract: on exit the gateway is blocked (gw_blackhole
 * repairs any missing piece); the state file says so; an event is recorded.
 * Exit status: 0 blocked, 1 failed (the message names what), 2 usage. */
#include "applets.h"
#include "../lib/help.h"
#include "../lib/log.h"
#include "../lib/rundir.h"
#include "../lib/gateway.h"
#include "../lib/notify.h"
#include "../lib/ovpnenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

HELP_TEXT(down,
"Usage: qubes-vpn-down [DEV TUN_MTU 0 IFCONFIG_LOCAL IFCONFIG_NETMASK|REMOTE init|restart]\n"
"\n"
"OpenVPN's --down hook: returns the gateway to the blocked state, as\n"
"'qubes-vpn-forwarding blackhole' does: removes the tunnel routes from\n"
"table 78, disables the VPN DNS redirect, takes the tunnel device (dev from\n"
"the environment) out of interface group 78, and repairs any missing piece\n"
"of the kill switch. Succeeds when the device or any of that is already gone.\n"
"Exit status: 0 blocked, 1 failed (see the message), 2 usage error.\n");

int down_main(int argc, char **argv)
{
	const char *dev = getenv("dev");
	const char *ctx = getenv("script_context");
	int restart = (ctx && !strcmp(ctx, "restart")) || (argc > 6 && !strcmp(argv[6], "restart"));
	int rc = gw_hook_begin(argc, argv, &usage);

	if (rc >= 0)
		return rc;
	if (dev && !valid_ifname(dev)) {
		log_warn("dev is not a valid interface name: blocking without it");
		dev = NULL;
	}
	if (!dev && argc > 1 && valid_ifname(argv[1]))
		dev = argv[1];

	if (gw_blackhole(dev) < 0) {
		log_err("%s: could not complete the blocked state; see the errors above",
			restart ? "restart" : "down");
		notify_event(URGENCY_CRITICAL, "Qubes VPN disconnected",
			     "blocking attached qubes failed in part; see the journal");
		return 1;
	}
	state_write_blocked();
	/* A soft restart is announced once, by the up hook that ends it. */
	if (restart)
		log_info("disconnected (restarting): all traffic of attached qubes is blocked");
	else
		notify_event(URGENCY_CRITICAL, "Qubes VPN disconnected",
			     "all traffic of attached qubes is blocked");
	return 0;
}
