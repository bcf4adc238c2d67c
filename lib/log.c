/* log.c - messages in the form journald reads, and the command-line
 * conventions every applet shares. */
#include "log.h"
#include "clock.h"
#include "rundir.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <sys/stat.h>

char applet_name[64] = "qubes-vpn";

long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int debug_enabled(void)
{
	static int cached = -1;
	char path[RUNDIR_MAX + 16];
	struct stat st;

	if (cached < 0) {
		snprintf(path, sizeof(path), "%s/debug", rundir());
		cached = stat(path, &st) == 0;
	}
	return cached;
}

void qlog(int prio, const char *fmt, ...)
{
	static int tty = -1;      /* standard error is a terminal: asked once */
	char msg[1024];
	va_list ap;

	if (prio == LOG_DEBUG && !debug_enabled())
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (tty < 0)
		tty = isatty(STDERR_FILENO);
	if (tty)
		fprintf(stderr, "%s: %s\n", applet_name, msg);
	else
		fprintf(stderr, "<%d>%s: %s\n", prio, applet_name, msg);
}

void log_nl_error(const char *context, const struct nl_result *res)
{
	const char *what = res->what ? res->what : context;

	if (res->extack[0])
		log_err("%s: %s (kernel: %s)", what, strerror(-res->err), res->extack);
	else
		log_err("%s: %s", what, strerror(-res->err));
}

void usage_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\nTry '%s --help'.\n", applet_name, msg, applet_name);
	exit(EXIT_USAGE);
}

int wants_help(int argc, char **argv)
{
	return argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));
}

