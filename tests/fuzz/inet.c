/* inet.c (fuzz target) - lib/static/inet.c's inet_pton, the static
 * binary's, held to glibc's in one process: ours is compiled in here under
 * the names qv_inet_pton and qv_inet_ntop, glibc's keep theirs. Any text
 * (cut at its first NUL), both families: the same result and the same 16
 * bytes in dst (filled beforehand, so that writes on failure show), else
 * abort. An accepted address written by our inet_ntop parses back, by ours
 * and by glibc's, to the same bytes.
 * Seeds (corpus/inet/): addresses of every form and near misses. */
#define inet_pton qv_inet_pton
#define inet_ntop qv_inet_ntop
#include "../../lib/static/inet.c" /* NOLINT(bugprone-suspicious-include) */
#undef inet_pton
#undef inet_ntop

#include <stdint.h>
#include <stdlib.h>

/* glibc's, whose declarations <arpa/inet.h> made under the names above. */
int inet_pton(int af, const char *restrict src, void *restrict dst);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void compare(int af, const char *s)
{
	unsigned char ours[16], theirs[16], back[16];
	char t[INET6_ADDRSTRLEN];
	int rc;

	memset(ours, 0xa5, sizeof(ours));
	memset(theirs, 0xa5, sizeof(theirs));
	rc = qv_inet_pton(af, s, ours);
	if (rc != inet_pton(af, s, theirs) || memcmp(ours, theirs, sizeof(ours)))
		abort();
	if (rc != 1)
		return;
	memset(back, 0xa5, sizeof(back));
	if (!qv_inet_ntop(af, ours, t, sizeof(t)) || qv_inet_pton(af, t, back) != 1 ||
	    memcmp(ours, back, sizeof(back)))
		abort();
	memset(back, 0xa5, sizeof(back));
	if (inet_pton(af, t, back) != 1 || memcmp(ours, back, sizeof(back)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	compare(AF_INET, s);
	compare(AF_INET6, s);
	free(s);
	return 0;
}
