/* inet.c - inet_ntop and inet_pton for the static release binary, in place
 * of musl's (0.75 KB and 0.8 KB of code: its inet_ntop formats all eight
 * groups with printf and then searches the text for the zeros to drop).
 * Linked only by `make static`; the development and sanitizer builds use
 * their libc's own. tests/inet-check.c and the fuzz target tests/fuzz/inet.c
 * hold both to glibc's.
 *
 * inet_ntop writes RFC 5952's text: IPv4 as a dotted quad; IPv6 in
 * lower-case hexadecimal groups without leading zeros, the longest run of
 * two or more zero groups (the first of equally long ones) written "::",
 * and an IPv4-mapped address (::ffff:0:0/96) with its IPv4 part as a
 * dotted quad. Errors as POSIX says: EAFNOSUPPORT, ENOSPC (size too small).
 *
 * inet_pton is a parser of outside text (QubesDB, OpenVPN's environment,
 * configuration files) and takes exactly what glibc's takes: IPv4 as four
 * decimal numbers 0-255 split by dots, without leading zeros ("0" but not
 * "01": no octal, no hexadecimal, no shorter forms); IPv6 as RFC 4291's
 * text, at most eight groups of one to four hexadecimal digits split by
 * colons, at most one "::" for one or more zero groups, the last 32 bits
 * optionally a dotted quad as strict as above; no zone ("%eth0"), no
 * blanks, nothing after. 1 and the address in dst; 0 and dst untouched if
 * the text is not one; -1 and EAFNOSUPPORT for another family. */
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
			run = a[2 * (size_t)i] | a[2 * (size_t)i + 1] ? 0 : run + 1;
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
				      a[2 * (size_t)i] << 8 | a[2 * (size_t)i + 1]);
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
	n = (int)strlen(buf);
	if ((socklen_t)n >= size) {
		errno = ENOSPC;
		return NULL;
	}
	return memcpy(dst, buf, (size_t)n + 1);
}

/* The dotted quad at s, up to its NUL, into out[0..3]: 1, or 0 if it is
 * not one (out may be written then). */
static int pton4(const char *s, unsigned char *out)
{
	const char *part;
	unsigned v, n = 0;

	for (;;) {
		for (part = s, v = 0; *s >= '0' && *s <= '9'; s++) {
			if (s > part && !v)
				return 0; /* a leading zero */
			v = v * 10 + (unsigned)(*s - '0');
			if (v > 255)
				return 0;
		}
		if (s == part)
			return 0; /* an empty part, or a character not allowed */
		out[n++] = (unsigned char)v;
		if (n == 4)
			return !*s;
		if (*s++ != '.')
			return 0;
	}
}

/* The value of the hexadecimal digit c, or 16 if c is none. */
static unsigned hex_digit(unsigned c)
{
	if (c - '0' < 10)
		return c - '0';
	c |= 0x20; /* 'A'-'F' to 'a'-'f', and nothing else to those */
	return c - 'a' < 6 ? c - 'a' + 10 : 16;
}

/* The IPv6 text at s, up to its NUL, into out[0..15]: 1, or 0 if it is
 * not one (out may be written then). The groups go to out as they come
 * (p: where the next goes); "::" marks where (gap), and at the end the
 * groups after it move to the end and zeros fill the gap. */
static int pton6(const char *s, unsigned char *out)
{
	unsigned char *p = out, *end = out + 16, *gap = NULL, *q;
	const char *group;
	unsigned v, h;

	/* A colon may begin the text only as "::". */
	if (*s == ':' && *++s != ':')
		return 0;
	for (;;) {
		for (group = s, v = 0; (h = hex_digit((unsigned char)*s)) < 16; s++) {
			if (s - group == 4)
				return 0;
			v = v << 4 | h;
		}
		if (*s == '.') {
			/* The group read as hexadecimal begins a dotted
			 * quad: the last 32 bits. */
			if (end - p < 4 || !pton4(group, p))
				return 0;
			p += 4;
			break;
		}
		if (s > group) {
			if (p == end)
				return 0; /* a ninth group */
			*p++ = (unsigned char)(v >> 8);
			*p++ = (unsigned char)v;
		}
		if (!*s)
			break;
		if (*s++ != ':')
			return 0;
		if (s - 1 == group) {
			/* An empty group: the second colon of "::" (or of
			 * the text's first two). Only one. */
			if (gap)
				return 0;
			gap = p;
		} else if (!*s) {
			return 0; /* a colon ending the text, not "::" */
		}
	}
	if (!gap)
		return p == end;
	if (p == end)
		return 0; /* "::" must stand for at least one zero group */
	/* From the end down to the gap: the groups after it, then zeros. */
	for (q = end; q-- > gap;)
		*q = p > gap ? *--p : 0;
	return 1;
}

/* Parsed into a buffer of its own: dst is written on success only, as
 * glibc's does. */
int inet_pton(int af, const char *restrict src, void *restrict dst)
{
	int (*parse)(const char *, unsigned char *) = pton4;
	unsigned char a[16];
	size_t len = 4;

	if (af == AF_INET6) {
		parse = pton6;
		len = 16;
	} else if (af != AF_INET) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (!parse(src, a))
		return 0;
	memcpy(dst, a, len);
	return 1;
}
