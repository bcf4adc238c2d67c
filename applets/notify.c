/* notify.c - qubes-vpn-notify [--urgency low|normal|critical] SUMMARY [BODY]:
 * a notification about the VPN from a script or a person: as a desktop
 * user with notify-send on that user's own session bus, as root over
 * qrexec to dom0; never as another user. Always a journal line.
 * Exit status: 0 shown, 1 not shown (but logged), 2 usage error. */
#include "applets.h"
#include "../lib/help.h"
#include "../lib/log.h"
#include "../lib/message.h"
#include "../lib/notify.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define NOTIFY_TIMEOUT_MS 2000

HELP_TEXT(notify,
"Usage: qubes-vpn-notify [--urgency low|normal|critical] SUMMARY [BODY]\n"
"\n"
"Shows a notification about the VPN: run by a desktop user with notify-send\n"
"on their own session bus, run by root over qrexec to dom0 (" NOTIFY_SERVICE ").\n"
"Logs a line. Text is sanitized, SUMMARY cut at 128 bytes, BODY at 512.\n"
"Exit status: 0 shown, 1 not shown (but logged), 2 usage error.\n");

int notify_main(int argc, char **argv)
{
	char s[NOTIFY_SUMMARY_MAX], b[NOTIFY_BODY_MAX];
	enum urgency u = URGENCY_NORMAL;
	int i = 1;

	if (wants_help(argc, argv)) {
		help_print(&usage);
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
	notify_log(u, argv[i], argc - i == 2 ? argv[i + 1] : "", s, b);
	if (geteuid() == 0)
		return notify_qrexec(u, s, b, NOTIFY_TIMEOUT_MS) == 0 ? 0 : 1;
	return notify_desktop(u, s, b, NOTIFY_TIMEOUT_MS) == 0 ? 0 : 1;
}
