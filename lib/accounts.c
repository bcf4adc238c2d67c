/* accounts.c - look up a local user or group by reading /etc/passwd or
 * /etc/group line by line: "name:password:id:..." (passwd's sixth field
 * is the home directory). */
#include "accounts.h"
#include "ovpnenv.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define LINE_MAX_BYTES 1024

/* Split line at ':' into at most n fields; returns how many there are. */
static unsigned split_fields(char *line, char **field, unsigned n)
{
	unsigned i = 0;

	field[i++] = line;
	while (i < n && (line = strchr(line, ':'))) {
		*line++ = '\0';
		field[i++] = line;
	}
	return i;
}

/* 1 when line is the wanted entry (a filled in), else 0. */
static int match_line(char *line, const char *name, unsigned long id, struct account *a)
{
	char *f[7];
	unsigned n = split_fields(line, f, 7);
	unsigned long v;

	if (n < 4 || !f[0][0] || parse_decimal(f[2], &v) < 0)
		return 0;
	if (name ? strcmp(f[0], name) != 0 : v != id)
		return 0;
	a->id = v;
	a->home[0] = '\0';
	if (n > 5 && strlen(f[5]) < sizeof(a->home))
		memcpy(a->home, f[5], strlen(f[5]) + 1);
	return 1;
}

int account_find(const char *file, const char *name, unsigned long id, struct account *a)
{
	char buf[LINE_MAX_BYTES + 1], *p, *nl;
	size_t len = 0;
	int fd, skipping = 0, rc = -ENOENT;
	ssize_t n;

	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		n = read(fd, buf + len, LINE_MAX_BYTES - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		len += (size_t)n;
		if (n == 0 && len > 0 && buf[len - 1] != '\n')
			buf[len++] = '\n';   /* the last line, unterminated */
		p = buf;
		while ((nl = memchr(p, '\n', len - (size_t)(p - buf)))) {
			*nl = '\0';
			if (!skipping && match_line(p, name, id, a)) {
				rc = 0;
				goto out;
			}
			skipping = 0;
			p = nl + 1;
		}
		if (n == 0)
			break;
		len -= (size_t)(p - buf);
		memmove(buf, p, len);
		if (len == LINE_MAX_BYTES) {
			/* Too long to be a line we read: skip to its end. */
			skipping = 1;
			len = 0;
		}
	}
out:
	close(fd);
	return rc;
}
