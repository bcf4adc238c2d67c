/* inet.c - inet_ntop for the static release binary, in place of musl's
 * (0.75 KB: it formats all eight groups with printf and then searches the
 * text for the zeros to drop). Linked only by `make static`; the
 * development and sanitizer builds use their libc's own.
 *
 * The text is RFC 5952's: IPv4 as a dotted quad; IPv6 in lower-case
 * hexadecimal groups without leading zeros, the longest run of two or more
 * zero groups (the first of equally long ones) written "::", and an
 * IPv4-mapped address (::ffff:0:0/96) with its IPv4 part as a dotted
 * quad. Errors as POSIX says: EAFNOSUPPORT, ENOSPC (size too small). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

const char *inet_ntop(int af, const void *restrict src, char *restrict dst, socklen_t size)
{
	static const unsigned char mapped[12] = { [10] = 0xff, [11] = 0xff };
	const unsigned char *a = src;
	char buf[INET6_ADDRSTRLEN], *p = buf, *end = buf + sizeof(buf);
	int i, n = 8, best = -1, len = 0, run = 0;

	if (af == AF_INET6) {
		if (!memcmp(a, mapped, sizeof(mapped)))
			n = 6;
		for (i = 0; i < n; i++) {
			run = a[2 * i] | a[2 * i + 1] ? 0 : run + 1;
			if (run > len && run > 1) {
				len = run;
				best = i + 1 - run;
			}
		}
		for (i = 0; i < n;) {
			if (i == best) {
				p += snprintf(p, (size_t)(end - p), "::");
				i += len;
				continue;
			}
			p += snprintf(p, (size_t)(end - p), !i || i == best + len ? "%x" : ":%x",
				      a[2 * i] << 8 | a[2 * i + 1]);
			i++;
		}
		if (n == 8)
			goto done;
		p += snprintf(p, (size_t)(end - p), ":");
		a += 12;
	} else if (af != AF_INET) {
		errno = EAFNOSUPPORT;
		return NULL;
	}
	snprintf(p, (size_t)(end - p), "%d.%d.%d.%d", a[0], a[1], a[2], a[3]);
done:
	if (strlen(buf) >= size) {
		errno = ENOSPC;
		return NULL;
	}
	return strcpy(dst, buf);
}
