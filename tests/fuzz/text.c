/* text.c (fuzz target) - small parsers of outside text: interface names,
 * literal addresses and the DNS address policy, the notification text
 * sanitizer, and dom0's parser of notification messages. */
#include "../../lib/message.h"
#include "../../lib/ovpnenv.h"
#include "../../lib/sanitize.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *m = malloc(size + 1);
	char out[512], summary[NOTIFY_SUMMARY_MAX], body[NOTIFY_BODY_MAX];
	struct in6_addr a6;
	struct in_addr a4;
	enum urgency u;
	const char *why;
	size_t n;

	if (!s || !m)
		goto out;
	memcpy(s, data, size);
	s[size] = '\0';
	valid_ifname(s);
	if (parse_ipv4(s, &a4))
		dns4_unusable(&a4);
	if (parse_ipv6(s, &a6))
		dns6_unusable(&a6);
	n = sanitize_text(s, out, sizeof(out));
	/* The sanitizer's promises: bounded, NUL-terminated, no control bytes. */
	if (n >= sizeof(out) || out[n] != '\0' || strlen(out) != n)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			abort();
	memcpy(m, data, size);
	if (notify_parse(m, size, &u, summary, body, &why) == 0 &&
	    (strlen(summary) >= sizeof(summary) || strlen(body) >= sizeof(body) || !summary[0]))
		abort();
out:
	free(s);
	free(m);
	return 0;
}
