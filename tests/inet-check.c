/* inet-check.c - inet_pton on many texts, one line each, so that two
 * builds can be compared: with musl and lib/static/inet.c (what the static
 * binary runs) and with glibc's own inet_pton (the oracle).
 * tests/static.test.sh builds both and requires identical output.
 *
 * Each line: the text, then for AF_INET and AF_INET6 the result and what
 * is in dst afterwards ("-": untouched), and whether inet_ntop's text of an
 * accepted address parses back to the same bytes ("=", else "!"). The
 * texts: edge cases written out, then 300,000 made by a fixed-seed
 * generator, lengths 0-46: a third of characters from a small alphabet, a
 * third of pieces of addresses, a third addresses written out (IPv4, IPv6
 * with or without "::" and a dotted quad) and half of those changed in
 * one character (so that many are accepted, and many barely not). The
 * last line counts the accepted ones (the test requires many). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define FILL 0xa5

static unsigned long seed = 20261127;

/* A pseudo-random number below n: the same sequence on every run. */
static unsigned rnd(unsigned n)
{
	seed = seed * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)(seed >> 33) % n;
}

static unsigned accepted[2];

/* Writes a random address into s (at least 64 bytes): a dotted quad, or
 * IPv6 text: hexadecimal groups in either case, mostly as many as make an
 * address, "::" in a random place or none, sometimes a dotted quad for
 * the last 32 bits; then, one time in two, one character deleted,
 * inserted or replaced. */
static void make_address(char *s, const char *alphabet, unsigned alphabet_len)
{
	static const char *const hex[2] = { "0123456789abcdef", "0123456789ABCDEF" };
	unsigned i, n, len, gap, quad, at = 0;
	char *p = s, *end = s + 64;

	if (rnd(3) == 0) {
		p += snprintf(p, (size_t)(end - p), "%u.%u.%u.%u", rnd(256), rnd(256),
			      rnd(3) ? rnd(256) : rnd(300), rnd(256));
	} else {
		gap = rnd(3) != 0;
		quad = rnd(3) == 0;
		n = 8 - 2 * quad; /* hexadecimal groups in the full form */
		if (gap)
			n = rnd(n); /* at least one group less */
		if (!rnd(4))
			n = rnd(9); /* or any number */
		if (gap)
			at = rnd(n + 1); /* "::" before group at */
		for (i = 0; i <= n; i++) {
			if (gap && i == at)
				p += snprintf(p, (size_t)(end - p), "::");
			else if (i && i < n)
				*p++ = ':';
			for (len = i < n ? 1 + rnd(4) : 0; len--;)
				*p++ = hex[rnd(2)][rnd(16)];
		}
		if (quad)
			p += snprintf(p, (size_t)(end - p), "%s%u.%u.%u.%u",
				      p == s || p[-1] == ':' ? "" : ":", rnd(256), rnd(256),
				      rnd(256), rnd(256));
	}
	*p = '\0';
	len = (unsigned)(p - s);
	if (rnd(2) || !len)
		return;
	i = rnd(len);
	switch (rnd(3)) {
	case 0: /* delete */
		memmove(s + i, s + i + 1, len - i);
		break;
	case 1: /* insert */
		memmove(s + i + 1, s + i, len - i + 1);
		/* fall through */
	default: /* replace */
		s[i] = alphabet[rnd(alphabet_len)];
	}
}

/* Prints the result of inet_pton(af, s) and the bytes it left in dst. */
static void show(int af, const char *s)
{
	unsigned char a[16], b[16];
	char hex[40], t[INET6_ADDRSTRLEN], *h = hex;
	int rc, i, touched = 0;

	memset(a, FILL, sizeof(a));
	rc = inet_pton(af, s, a);
	for (i = 0; i < 16; i++) {
		touched |= a[i] != FILL;
		*h++ = "0123456789abcdef"[a[i] >> 4];
		*h++ = "0123456789abcdef"[a[i] & 15];
	}
	*h = '\0';
	printf("\t%d %s", rc, touched ? hex : "-");
	if (rc == 1) {
		accepted[af == AF_INET6]++;
		memset(b, FILL, sizeof(b));
		printf(" %c", inet_ntop(af, a, t, sizeof(t)) && inet_pton(af, t, b) == 1 &&
				      !memcmp(a, b, sizeof(a)) ? '=' : '!');
	}
}

static void check(const char *s)
{
	printf("%s", s);
	show(AF_INET, s);
	show(AF_INET6, s);
	fputc('\n', stdout);
}

int main(void)
{
	static const char *const cases[] = {
		"", ".", "..", "...", "....", ":", "::", ":::", "::::", ":.", ".:",
		"0.0.0.0", "1.2.3.4", "255.255.255.255", "10.139.1.1", "256.0.0.0",
		"0.0.0.256", "1.2.3.04", "01.2.3.4", "00.0.0.0", "0.00.0.0", "1.2.3.0",
		"1.2.3.00", "1.2.3", "1.2", "1", "1.2.3.4.", ".1.2.3.4", "1..2.3", "1.2.3.4.5",
		" 1.2.3.4", "1.2.3.4 ", "1.2.3.4\n", "1.2.3.-4", "+1.2.3.4", "0x1.2.3.4",
		"1.2.3.0x4", "1.2.3.a", "1.2.3.4/24", "1.2.3.4:53", "999.1.1.1", "1000.1.1.1",
		"4294967296.1.1.1", "1.2.3.25a", "1.2.3.2555", "100.200.250.255", "199.299.1.1",
		"::1", "1::", "1::2", "1::2::3", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9",
		"1:2:3:4:5:6:7", "1:2:3:4:5:6:7::", "::1:2:3:4:5:6:7", "::1:2:3:4:5:6:7:8",
		"1:2:3:4:5:6:7:8::", "1:2:3:4::5:6:7:8", "1:2:3::4:5:6:7", "::ffff:1.2.3.4",
		"::ffff:01.2.3.4", "::ffff:1.2.3.04", "::ffff:256.2.3.4", "::ffff:1.2.3",
		"::ffff:1.2.3.4.5", "::ffff:1.2.3.4:5", "::1.2.3.4", "::1.2.3.4:", "1.2.3.4::",
		"1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "1:2:3:4:5:1.2.3.4",
		"1:2:3:4:5::1.2.3.4", "1:2:3:4:5:6::1.2.3.4", "::1:2:3:4:5:1.2.3.4",
		"::1:2:3:4:5:6:1.2.3.4", "1::1.2.3.4", "1.2.3.4:1::", "::ffff:1.2.3.4%eth0",
		"fe80::1%eth0", "fe80::1%1", "12345::", "::12345", "1:23456::", "g::", "::g",
		"G::", "abcd::", "ABCD::", "aBcD:EfAb::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		"FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:255.255.255.255", "0:0:0:0:0:0:0:0", "0::0",
		"0000::0000", "00000::", "000::1", "::0:0:0", ":1::", "::1:", "1:", ":1", "1::2:",
		":1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:", "1:::2", "1::2:::3", ":::1", "1 ::2",
		"1:: 2", " ::1", "::1 ", "[::1]", "::1/128", "fd09:24ef:4179::a8b:1",
		"2001:db8::", "fe80::1:2:3:4", "2001:db8:0:0:1::1", "::ffff:10.1.2.3",
		"::ffff:0:1.2.3.4", "::0:1.2.3.4", "::.1.2.3", "::1..2.3", "::a.b.c.d",
		"::1.2.3.4.", "1:2:3:4:5:6:7:8.1", "::ffff:1.2.3.4:", "::1:1.2.3.4",
		"1:2:3:4:5:6:7:8:1.2.3.4", "1::2:3:4:5:6:7:1.2.3.4", "1::2:3:4:5:6:1.2.3.4",
		"1.2.3.4.5.6.7.8", "-1::", "+1::", "0x1::", "1:-2::", "::-1",
		"\x80::", "::\xff", "1.2.3.\xb4", "\xc2\xa0::1",
	};
	static const char *const pieces[] = {
		"0", "1", "9", "00", "01", "10", "99", "255", "256", "300", "0000", "ffff",
		"FFFF", "aBc", "12345", "g", ":", ":", ":", "::", ".", ".", "1.2.3.4",
		"0.0.0.0", "255.255.255.255", " ", "%", "x", "-",
	};
	static const char alphabet[] = "0123456789abcdefABCDEF:.:.::.. gx%-/";
	static const int other[] = { AF_UNSPEC, AF_UNIX, AF_PACKET, AF_NETLINK, -1, 3, 1000 };
	char s[80];
	unsigned i, n, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check(cases[i]);

	for (i = 0; i < 300000; i++) {
		len = rnd(47);
		if (i % 3 == 2) {
			make_address(s, alphabet, sizeof(alphabet) - 1);
			check(s);
			continue;
		}
		if (i % 3) {
			for (n = 0; n < len; n++)
				s[n] = alphabet[rnd(sizeof(alphabet) - 1)];
		} else {
			for (n = 0; n < len;) {
				const char *p = pieces[rnd(sizeof(pieces) / sizeof(pieces[0]))];
				while (*p && n < len)
					s[n++] = *p++;
			}
		}
		s[len] = '\0';
		check(s);
	}

	/* Another family: -1 and EAFNOSUPPORT, dst untouched. */
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		unsigned char a[16];
		int rc;

		memset(a, FILL, sizeof(a));
		errno = 0;
		rc = inet_pton(other[i], "1.2.3.4", a);
		printf("af %d: %d %s %s\n", other[i], rc, errno == EAFNOSUPPORT ? "EAFNOSUPPORT" : "?",
		       a[0] == FILL && !memcmp(a, a + 1, sizeof(a) - 1) ? "untouched" : "written");
	}
	printf("accepted: AF_INET %u AF_INET6 %u\n", accepted[0], accepted[1]);
	return 0;
}
