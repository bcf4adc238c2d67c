/* session.c - the caller's own session bus (see session.h). */
#include "session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *session_root(void)
{
	const char *r = getenv("QUBES_VPN_SESSION_ROOT");

	return r && r[0] == '/' && strlen(r) < 120 ? r : "/run/user";
}

int session_own(struct session *s)
{
	uid_t uid = getuid();
	struct stat dir, bus;

	/* Only written here: cppcheck takes the caller's empty struct for a read. */
	/* cppcheck-suppress ctuuninitvar */
	snprintf(s->runtime, sizeof(s->runtime), "%s/%u", session_root(), (unsigned)uid);
	snprintf(s->bus, sizeof(s->bus), "%s/bus", s->runtime);
	/* lstat: a link could point at someone else's bus. */
	if (lstat(s->runtime, &dir) < 0 || !S_ISDIR(dir.st_mode) || dir.st_uid != uid ||
	    lstat(s->bus, &bus) < 0 || !S_ISSOCK(bus.st_mode) || bus.st_uid != uid)
		return -ENOENT;
	return 0;
}
