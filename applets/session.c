/* session.c - find the desktop user's session bus (see session.h). */
#include "session.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define UID_MIN_DESKTOP 1000
#define UID_MAX_DESKTOP 59999     /* below nobody and the dynamic ranges */

static const char *session_root(void)
{
	const char *r = getenv("QUBES_VPN_SESSION_ROOT");

	return r && r[0] == '/' && strlen(r) < 120 ? r : "/run/user";
}

int session_find(struct session *s)
{
	const char *root = session_root();
	struct dirent *d;
	struct stat dir, bus;
	unsigned long uid, best = 0;
	char *end;
	DIR *dp;

	memset(s, 0, sizeof(*s));
	dp = opendir(root);
	if (!dp)
		return -ENOENT;
	while ((d = readdir(dp))) {
		char rt[160], b[176];

		if (d->d_name[0] < '1' || d->d_name[0] > '9' || strlen(d->d_name) > 5)
			continue;
		uid = strtoul(d->d_name, &end, 10);
		if (*end || uid < UID_MIN_DESKTOP || uid > UID_MAX_DESKTOP || (best && uid >= best))
			continue;
		snprintf(rt, sizeof(rt), "%s/%.5s", root, d->d_name);
		snprintf(b, sizeof(b), "%s/bus", rt);
		/* lstat: a link could point at someone else's bus. */
		if (lstat(rt, &dir) < 0 || !S_ISDIR(dir.st_mode) || dir.st_uid != uid ||
		    lstat(b, &bus) < 0 || !S_ISSOCK(bus.st_mode) || bus.st_uid != uid)
			continue;
		best = uid;
		s->uid = (uid_t)uid;
		s->gid = dir.st_gid;
		memcpy(s->runtime, rt, sizeof(rt));
		memcpy(s->bus, b, sizeof(b));
	}
	closedir(dp);
	return best ? 0 : -ENOENT;
}
