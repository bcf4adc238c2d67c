/* ovpnconf.c (fuzz target) - a provider's OpenVPN configuration, as the
 * configurator's --import reads and normalises it. The input is the file
 * (cut at its first NUL, as the configurator refuses NUL bytes), read
 * twice: checked only, and normalised. Checked after each run: the output
 * is NUL-terminated within its buffer and holds as many lines as the input
 * (line numbers are kept), and no line is longer than OpenVPN reads. */
#include "../../lib/ovpnconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define OUT_MAX (512 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned lines(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[OUT_MAX];
	struct ovpnconf c;
	char *text = malloc(size + 1);
	const char *p, *q;
	int rc;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&c, 0, sizeof(c));
	c.dir = "/nonexistent/qubes-vpn-fuzz";
	c.check_only = 1;
	ovpnconf_normalise(&c, text);

	memset(&c, 0, sizeof(c));
	c.dir = "/nonexistent/qubes-vpn-fuzz";
	c.out = out;
	c.size = sizeof(out);
	c.want_creds = size && data[0] == 'W';
	rc = ovpnconf_normalise(&c, text);
	if (rc == 0) {
		if (c.len >= sizeof(out) || out[c.len] != '\0' || strlen(out) != c.len)
			abort();
		/* One output line per input line (a last line without '\n' gets one). */
		p = strncmp(text, "\xEF\xBB\xBF", 3) ? text : text + 3;
		if (lines(out) != lines(p) + (*p && p[strlen(p) - 1] != '\n'))
			abort();
		for (p = out; *p; p = q + 1) {
			q = strchr(p, '\n');
			if (!q || q - p > OVPNCONF_LINE_MAX)
				abort();
		}
	}
	free(text);
	return 0;
}
