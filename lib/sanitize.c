/* sanitize.c - notification text sanitizer (see sanitize.h). */
#include "sanitize.h"

#include <stdint.h>
#include <string.h>

/* Decode one UTF-8 sequence at s (n bytes available). Returns its length
 * and the code point, or 0 for an invalid, overlong or surrogate one. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static int dropped(uint32_t c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) ||
	       c == 0x061c || c == 0x200e || c == 0x200f ||       /* marks */
	       (c >= 0x202a && c <= 0x202e) ||                     /* embeddings, overrides */
	       (c >= 0x2066 && c <= 0x2069) ||                     /* isolates */
	       c == 0xfeff;                                        /* BOM / zero-width no-break */
}

size_t sanitize_text(const char *in, char *out, size_t size)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t n = strlen(in), i = 0, o = 0, len;
	uint32_t c;

	if (!size)
		return 0;
	while (i < n) {
		len = utf8_decode(s + i, n - i, &c);
		if (!len) {
			i++;            /* invalid byte: dropped */
			continue;
		}
		if (c == '\t' || c == '\n' || c == '\r') {
			if (o + 1 >= size)
				break;
			out[o++] = ' ';
			i++;
			continue;
		}
		if (!dropped(c)) {
			if (o + len >= size)
				break;
			memcpy(out + o, s + i, len);
			o += len;
		}
		i += len;
	}
	out[o] = '\0';
	return o;
}
