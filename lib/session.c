/* session.c - find the desktop user's session bus (see session.h). */
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define UID_MIN_DESKTOP 1000
#define UID_MAX_DESKTOP 59999     /* below nobody and the dynamic ranges */

static const char *session_root(void)
{
	const char *r = getenv("QUBES_VPN_SESSION_ROOT");

	return r && r[0] == '/' && strlen(r) < 120 ? r : "/run/user";
}

/* The kernel's directory entry (getdents64). Read directly rather than
 * with opendir(), which allocates, and would link musl's whole malloc
 * into the static binary for this one loop. */
struct dirent64_raw {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

#define NAME_OFF offsetof(struct dirent64_raw, name)

/* One entry of the root: keep it if it is a better desktop session. */
static void consider(struct session *s, const char *root, const char *name, unsigned long *best)
{
	struct stat dir, bus;
	unsigned long uid;
	char *end;
	char rt[160], b[176];

	if (name[0] < '1' || name[0] > '9' || strnlen(name, 6) > 5)
		return;
	uid = strtoul(name, &end, 10);
	if (*end || uid < UID_MIN_DESKTOP || uid > UID_MAX_DESKTOP || (*best && uid >= *best))
		return;
	snprintf(rt, sizeof(rt), "%s/%.5s", root, name);
	snprintf(b, sizeof(b), "%s/bus", rt);
	/* lstat: a link could point at someone else's bus. */
	if (lstat(rt, &dir) < 0 || !S_ISDIR(dir.st_mode) || dir.st_uid != uid ||
	    lstat(b, &bus) < 0 || !S_ISSOCK(bus.st_mode) || bus.st_uid != uid)
		return;
	*best = uid;
	s->uid = (uid_t)uid;
	s->gid = dir.st_gid;
	memcpy(s->runtime, rt, sizeof(rt));
	memcpy(s->bus, b, sizeof(b));
}

int session_find(struct session *s)
{
	const char *root = session_root();
	char buf[4096] __attribute__((aligned(8)));
	unsigned long best = 0;
	long n, off;
	int fd;

	memset(s, 0, sizeof(*s));
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -ENOENT;
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n;) {
			struct dirent64_raw *d = (struct dirent64_raw *)(buf + off);

			/* The kernel's own records; still, never walk past them. */
			if (d->reclen <= NAME_OFF || d->reclen > n - off)
				break;
			if (memchr(d->name, '\0', d->reclen - NAME_OFF))
				consider(s, root, d->name, &best);
			off += d->reclen;
		}
	}
	close(fd);
	return best ? 0 : -ENOENT;
}
