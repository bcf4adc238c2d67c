/* notify.c - qubes-vpn-notify [--urgency low|normal|critical] SUMMARY [BODY]:
 * a notification about the VPN from a script or a person, delivered the
 * way lib/notify.c describes; always logged and recorded in RUNDIR/events.
 * Exit status: 0 shown, 1 not shown (but logged), 2 usage error. */
#include "applets.h"
#include "../lib/log.h"
#include "../lib/message.h"
#include "../lib/notify.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
"Usage: qubes-vpn-notify [--urgency low|normal|critical] SUMMARY [BODY]\n"
"\n"
"Shows a desktop notification about the VPN: first over qrexec\n"
"(qrexec-client-vm dom0 " NOTIFY_SERVICE "), else with notify-send in the\n"
"qube's desktop session (as the desktop user, found from /run/user/UID/bus).\n"
"Always logs a line and appends it to RUNDIR/events (RUNDIR is\n"
"$QUBES_VPN_RUNDIR or /run/qubes-vpn). Text is sanitized: control and\n"
"bidirectional-override characters are removed, SUMMARY is cut at 128\n"
"bytes, BODY at 512. Gives up after 2 seconds in all.\n"
"Exit status: 0 shown, 1 not shown (but logged), 2 usage error.\n";

int notify_main(int argc, char **argv)
{
	char s[NOTIFY_SUMMARY_MAX], b[NOTIFY_BODY_MAX];
	enum urgency u = URGENCY_NORMAL;
	int i = 1;

	if (wants_help(argc, argv)) {
		fputs(usage, stdout);
		return 0;
	}
	if (i < argc && !strncmp(argv[i], "--urgency", 9)) {
		const char *v = argv[i][9] == '=' ? argv[i] + 10 : NULL;

		if (!v && argv[i][9] == '\0' && i + 1 < argc)
			v = argv[++i];
		if (!v || urgency_parse(v, &u) < 0)
			usage_error("--urgency takes low, normal or critical");
		i++;
	}
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (argc - i < 1 || argc - i > 2)
		usage_error("expected SUMMARY [BODY]");
	if (!argv[i][0])
		usage_error("SUMMARY is empty");
	notify_record(u, argv[i], argc - i == 2 ? argv[i + 1] : "", s, b);
	return notify_deliver(u, s, b) == 0 ? 0 : 1;
}
