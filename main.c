/* main.c - qubes-vpn, a multicall binary: finds the applet by the basename
 * of argv[0] ("qubes-vpn-forwarding") or by argv[1] ("qubes-vpn forwarding")
 * and runs it. Everything else lives with the applet (applets/NAME.c), the
 * list of applets in applets/applets.def. */
#include "applets/applets.h"
#include "lib/log.h"

#include <stdio.h>
#include <string.h>

struct applet {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *summary;
};

static const struct applet applets[] = {
#define APPLET(name, entry, summary) { name, entry, summary },
#include "applets/applets.def"
#undef APPLET
};

/* Names under which an applet is installed outside the qubes-vpn-* scheme:
 * a qrexec service is a file named after the service. */
static const struct { const char *name, *applet; } aliases[] = {
	{ "qubesvpn.Notify", "notify-receive" },
};

#define PREFIX "qubes-vpn-"

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: qubes-vpn APPLET [ARGS...]   or   qubes-vpn-APPLET [ARGS...]\n\n"
		   "A leakproof VPN gateway for Qubes OS. Applets:\n");
	for (i = 0; i < sizeof(applets) / sizeof(applets[0]); i++)
		fprintf(f, "  %-15s %s\n", applets[i].name, applets[i].summary);
	fprintf(f, "\nRun 'qubes-vpn APPLET --help' for an applet's usage.\n");
}

static const struct applet *find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(applets) / sizeof(applets[0]); i++)
		if (!strcmp(applets[i].name, name))
			return &applets[i];
	return NULL;
}

static int run(const struct applet *a, int argc, char **argv)
{
	snprintf(applet_name, sizeof(applet_name), PREFIX "%s", a->name);
	argv[0] = applet_name;
	return a->main(argc, argv);
}

int main(int argc, char **argv)
{
	const char *base = argc > 0 && argv[0] ? argv[0] : "qubes-vpn";
	const struct applet *a;
	const char *slash = strrchr(base, '/');

	if (slash)
		base = slash + 1;
	if (base[0] == '-')       /* a login-shell style "-name" */
		base++;

	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcmp(base, aliases[i].name))
			return run(find(aliases[i].applet), argc, argv);

	if (!strncmp(base, PREFIX, strlen(PREFIX))) {
		a = find(base + strlen(PREFIX));
		if (!a) {
			fprintf(stderr, "qubes-vpn: %s: applet not found\n", base);
			return EXIT_NO_APPLET;
		}
		return run(a, argc, argv);
	}

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	a = find(argv[1]);
	if (!a) {
		fprintf(stderr, "qubes-vpn: %s: applet not found (see 'qubes-vpn --help')\n",
			argv[1]);
		return EXIT_NO_APPLET;
	}
	return run(a, argc - 1, argv + 1);
}
