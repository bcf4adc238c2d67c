/* printf-check.c - the same formatting calls, printed one per line, so that
 * two builds can be compared: with musl and lib/static/printf.c (what the
 * static binary runs) and with glibc's own printf (the oracle).
 * tests/static.test.sh builds both and requires identical output. Every
 * conversion the code uses is here, at its edges, plus inet_ntop (the
 * static binary's own, lib/static/inet.c, which formats with our
 * snprintf), and the truncation rules snprintf callers rely on. */
#include <arpa/inet.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define SHOW(...) do { \
	char b_[512]; \
	int n_ = snprintf(b_, sizeof(b_), __VA_ARGS__); \
	printf("[%d] %s\n", n_, b_); \
} while (0)

int main(void)
{
	static const char *const v6[] = { "::", "::1", "fd09:24ef:4179::a8b:1", "2001:db8::",
					  "fe80::1:2:3:4", "2001:db8:0:0:1::1", "::ffff:10.1.2.3",
					  "1:2:3:4:5:6:7:8" };
	static const char *const v4[] = { "0.0.0.0", "10.139.1.1", "255.255.255.255" };
	unsigned char a[16];
	char t[64], small[8];
	unsigned i, j;
	unsigned long x;
	int n;

	SHOW("plain text, no conversion");
	SHOW("%s|%s|%s", "a", "", "longer string with spaces");
	SHOW("%-15s|%-52s|%15s|%-3s", "forwarding", "IPv4 policy rule", "right", "toolong");
	SHOW("%.32s|%.5s|%.0s|%.*s|%.*s", "0123456789012345678901234567890123456789", "abc",
	     "gone", 3, "abcdef", 0, "none");
	SHOW("%d|%d|%d|%d|%i", 0, -1, INT_MAX, INT_MIN, 42);
	SHOW("%u|%u|%u", 0u, 78u, UINT_MAX);
	SHOW("%ld|%ld|%lld|%lld", LONG_MAX, LONG_MIN, LLONG_MAX, LLONG_MIN);
	SHOW("%llu|%llu|%zu|%zu", 0ULL, ULLONG_MAX, (size_t)0, SIZE_MAX);
	SHOW("%02d|%04d|%02d|%04d|%02d", 5, 2026, 123, -7, 0);
	SHOW("%04d-%02d-%02dT%02d:%02d:%02dZ", 2026, 11, 27, 9, 5, 0);
	SHOW("%x|%X|%x|%02x|%08x|%lx", 0u, 0xabcdefu, UINT_MAX, 7u, 0x78u, 0x1234567890abcdefUL);
	SHOW("%5d|%-5d|%5u|%-5u|%05u", 42, 42, 7u, 7u, 7u);
	SHOW("%c%c%c|%3c|%-3c|", 'q', 'v', '!', 'x', 'y');
	SHOW("100%% sure, %s%%", "50");
	/* An int argument cut to the modifier's width, as C says. */
	/* cppcheck-suppress invalidPrintfArgType_uint */
	/* cppcheck-suppress invalidPrintfArgType_sint */
	SHOW("%hhu|%hu|%hhd|%hd", 300, 70000, 200, 40000);
	SHOW("%.0d|%.3d|%.3u|%8.3d", 0, 7, 12345u, -5);
	SHOW("<%d>%s: %s", 6, "qubes-vpn-up", "connected: traffic goes through tun0");
	SHOW("%*d|%-*d|%*s", 6, 1, 6, 2, -6, "neg");

	/* Truncation: the full length returned, the buffer cut and terminated. */
	n = snprintf(small, sizeof(small), "%s-%u", "abcdefgh", 12345u);
	printf("[%d] %s (cut to %zu)\n", n, small, strlen(small));
	n = snprintf(small, 1, "%s", "x");
	printf("[%d] '%s'\n", n, small);
	n = snprintf(NULL, 0, "%s=%d", "len", 1000);
	printf("[%d] (size 0)\n", n);

	for (i = 0; i < sizeof(v6) / sizeof(v6[0]); i++)
		if (inet_pton(AF_INET6, v6[i], a) == 1 && inet_ntop(AF_INET6, a, t, sizeof(t)))
			printf("v6 %s -> %s\n", v6[i], t);
	for (i = 0; i < sizeof(v4) / sizeof(v4[0]); i++)
		if (inet_pton(AF_INET, v4[i], a) == 1 && inet_ntop(AF_INET, a, t, sizeof(t)))
			printf("v4 %s -> %s\n", v4[i], t);

	/* inet_ntop on 200,000 IPv6 addresses, mostly zero bytes (runs of
	 * zero groups of every length and place, ties), some IPv4-mapped, and
	 * too small buffers. Not where the first 12 bytes are zero: glibc
	 * writes those IPv4-compatible addresses (deprecated, RFC 4291) as
	 * ::a.b.c.d, RFC 5952 and ours in hexadecimal. */
	for (i = 0, x = 88172645463325252UL; i < 200000; i++) {
		for (j = 0; j < 16; j++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			a[j] = x % 5 ? 0 : (unsigned char)(x >> 24);
		}
		if (i % 7 == 0)
			memcpy(a, "\0\0\0\0\0\0\0\0\0\0\377\377", 12);
		if (!memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0", 12))
			continue;
		printf("%s|%s\n", inet_ntop(AF_INET6, a, t, sizeof(t)),
		       inet_ntop(AF_INET6, a, t, (socklen_t)(i % 46)) ? "fits" : "ENOSPC");
	}

	fprintf(stdout, "fprintf %s %u\n", "to stdout", 1u);
	fflush(stdout);
	return 0;
}
