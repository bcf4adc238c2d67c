/* state.c - write /run/qubes-vpn/state atomically (temporary file, then
 * rename), never following links. */
#include "state.h"
#include "applet.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

static void state_write(const char *text)
{
	char path[256], tmp[272];
	const char *dir = rundir();
	ssize_t n, len = (ssize_t)strlen(text);
	int fd;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		log_warn("creating %s: %s", dir, strerror(errno));
		return;
	}
	snprintf(path, sizeof(path), "%s/state", dir);
	snprintf(tmp, sizeof(tmp), "%s/.state.%ld", dir, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_warn("writing %s: %s", tmp, strerror(errno));
		return;
	}
	n = write(fd, text, (size_t)len);
	if (close(fd) < 0 || n != len || rename(tmp, path) < 0) {
		log_warn("writing %s: %s", path, n != len ? "short write" : strerror(errno));
		unlink(tmp);
	}
}

void state_write_connected(const char *dev, const char *server, const char *dns)
{
	char text[512];

	snprintf(text, sizeof(text), "state=connected\ndev=%s\nserver=%s\ndns=%s\ntime=%lld\n",
		 dev, server, dns, (long long)time(NULL));
	state_write(text);
}

static void state_write_plain(const char *state)
{
	char text[64];

	snprintf(text, sizeof(text), "state=%s\ntime=%lld\n", state, (long long)time(NULL));
	state_write(text);
}

void state_write_blocked(void)
{
	state_write_plain("blocked");
}

void state_write_off(void)
{
	state_write_plain("off");
}
