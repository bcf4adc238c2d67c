/* forwarding.c - the fail-closed steady state: arm, block, disarm and
 * inspect the kill switch.
 *
 * Usage: qubes-vpn-forwarding on|blackhole|off|status [--check|--pieces]
 * (qubes-vpn-forwarding.service runs `on` at boot, before any VPN; the
 * VPN unit's ExecStopPost runs `blackhole`). Needs CAP_NET_ADMIN. Contract:
 * `on` and `blackhole` end blocked or fail leaving at least what the kernel
 * accepted (never less blocked than before); `off` removes only what `on`
 * created. Exit status: 0 success, 1 failure or incomplete, 2 usage. */
#include "applets.h"
#include "../lib/gateway.h"
#include "../lib/help.h"
#include "../lib/log.h"
#include "../lib/notify.h"
#include "../lib/rundir.h"

#include <stdio.h>
#include <string.h>

HELP_TEXT(forwarding,
"Usage: qubes-vpn-forwarding COMMAND\n"
"\n"
"The kill switch of a Qubes VPN qube: traffic from downstream qubes (vif*)\n"
"may only leave through the VPN tunnel, and is dropped while there is none.\n"
"\n"
"Commands:\n"
"  on             arm the kill switch, in the blocked state (idempotent):\n"
"                 blackhole default routes in table 78 (IPv4, IPv6), policy\n"
"                 rules 'fwmark 0x78 lookup 78' at priority 78, and the nft\n"
"                 table inet qubes-vpn that marks downstream traffic and\n"
"                 drops what would leave by any interface but the tunnel\n"
"                 (interface group 78); removes the VPN DNS redirect;\n"
"                 then deletes the conntrack entries of connections it\n"
"                 forwarded before (never those of this qube's own)\n"
"  blackhole      return to the blocked state: drop every non-blackhole\n"
"                 route from table 78, disable the VPN DNS redirect, and\n"
"                 repair any missing piece (what the down hook does)\n"
"  off            remove everything 'on' created, and nothing else\n"
"  status         show the state, the tunnel and the drop counters\n"
"  status --check exit 1, naming what is missing, unless every piece of\n"
"                 the fail-closed state is in place\n"
"  status --pieces\n"
"                 list those pieces (ID, then name), without looking\n"
"\n"
"Traffic of the VPN qube itself is never touched. Needs CAP_NET_ADMIN.\n"
"Exit status: 0 success, 1 failure, 2 usage error.\n");

static int status(int check)
{
	struct gw_status st;
	int complete;
	unsigned i;

	if (gw_read_status(&st) < 0)
		return 1;
	complete = gw_status_complete(&st);

	if (check) {
		for (i = 0; i < GW_PIECES; i++)
			if (!st.present[i])
				log_err("kill switch incomplete: %s is missing", gw_pieces[i].name);
		return complete ? 0 : 1;
	}

	if (!st.present[GW_KS_TABLE] && !st.present[GW_RULE4] && !st.present[GW_RULE6])
		printf("state: off (kill switch not armed: downstream traffic is NOT protected)\n");
	else if (!complete)
		printf("state: INCOMPLETE (some pieces of the kill switch are missing)\n");
	else if (st.tunnel_route[0] || st.tunnel_route[1])
		printf("state: connected: downstream traffic leaves only through %s\n",
		       st.tunnel_route[0] ? st.tunnel_dev[0] : st.tunnel_dev[1]);
	else
		printf("state: blocked: all downstream traffic is dropped\n");
	printf("kill switch:\n");
	for (i = 0; i < GW_PIECES; i++)
		printf("  %-52s %s\n", gw_pieces[i].name, st.present[i] ? "present" : "MISSING");
	for (i = 0; i < 2; i++)
		if (st.tunnel_route[i])
			printf("tunnel (%s): default route via %s in table 78\n",
			       i ? "IPv6" : "IPv4", st.tunnel_dev[i]);
	if (st.tunnel_route[0] && !st.tunnel_route[1])
		printf("tunnel (IPv6): none, downstream IPv6 is blackholed\n");
	if (st.dns_table)
		printf("DNS: %s (virtual address>VPN server)\n", st.dns_desc);
	else
		printf("DNS: no redirect to VPN servers: downstream DNS is dropped\n");
	printf("downstream packets steered into table 78: %llu\n"
	       "dropped by the firewall (would have left outside the tunnel): %llu packets, "
	       "%llu bytes\n"
	       "DNS packets to this qube dropped: %llu\n",
	       (unsigned long long)st.packets[GW_KS_MARK],
	       (unsigned long long)st.packets[GW_KS_DROP],
	       (unsigned long long)st.bytes[GW_KS_DROP],
	       (unsigned long long)st.packets[GW_KS_DNS_UDP] +
	       (unsigned long long)st.packets[GW_KS_DNS_TCP]);
	return complete ? 0 : 1;
}

/* For tests and scripts: every piece, "ID<TAB>NAME", one per line. */
static int list_pieces(void)
{
	unsigned i;

	for (i = 0; i < GW_PIECES; i++)
		printf("%s\t%s\n", gw_pieces[i].id, gw_pieces[i].name);
	return 0;
}

int forwarding_main(int argc, char **argv)
{
	const char *cmd;
	int check = 0;

	if (wants_help(argc, argv)) {
		help_print(&usage);
		return 0;
	}
	if (argc < 2)
		usage_error("missing command (on, off, blackhole or status)");
	cmd = argv[1];
	if (!strcmp(cmd, "status") && argc == 3 && !strcmp(argv[2], "--pieces"))
		return list_pieces();
	if (!strcmp(cmd, "status") && argc == 3 && !strcmp(argv[2], "--check"))
		check = 1;
	else if (argc != 2)
		usage_error("unexpected argument '%s'", argv[2]);

	if (strcmp(cmd, "on") && strcmp(cmd, "blackhole") && strcmp(cmd, "off") &&
	    strcmp(cmd, "status"))
		usage_error("unknown command '%s'", cmd);
	if (require_net_admin() < 0)
		return 1;
	if (strcmp(cmd, "status"))
		gateway_lock();

	if (!strcmp(cmd, "on") || !strcmp(cmd, "blackhole")) {
		int err = !strcmp(cmd, "on") ? gw_on() : gw_blackhole(NULL);

		/* OpenVPN killed or crashed: no down hook told anyone. */
		if (!strcmp(cmd, "blackhole") && state_connected())
			notify_event(URGENCY_CRITICAL, "Qubes VPN disconnected",
				     "OpenVPN stopped without its down hook; all traffic of "
				     "attached qubes is blocked");

		/* Not connected either way: qubes-vpn-resolv gives this qube
		 * the NetVM's resolvers back. */
		state_write_blocked();
		if (err < 0) {
			log_err("%s failed: downstream traffic stays blocked as far as the "
				"kernel accepted it; see the error above", cmd);
			return 1;
		}
		log_info("kill switch armed: downstream traffic is blocked");
		return 0;
	}
	if (!strcmp(cmd, "off")) {
		if (gw_off() < 0)
			return 1;
		state_write_off();
		log_info("kill switch removed: downstream traffic is no longer protected");
		return 0;
	}
	return status(check);
}
