/* help.c - writes an applet's --help text (help.h): as it is, or in the
 * static release binary unpacked from helptexts.h.
 *
 * The packed form (tools/helppack.c makes it): a byte below 0x80 is itself;
 * a byte c from 0x80 on and the byte b after it copy ((c >> 4) & 7) + 3
 * bytes from ((c & 15) << 8 | b) + 1 bytes back in what is unpacked so far.
 * The stream is the build's own, unpacked and compared with the texts by
 * helppack before it is written. */
#include "help.h"

#include <stdio.h>

#if defined(QV_HELP_PACKED)
#define HELP_PACKED_DATA
#include "helptexts.h"

void help_print(const struct help *h)
{
	static char text[HELP_TEXT_SIZE];
	const unsigned char *p = help_packed;
	char *o = text;

	/* Up to the end of the text wanted: the stream unpacks to exactly
	 * HELP_TEXT_SIZE bytes (helppack checks), so no copy begun before
	 * that end runs past the buffer, nor p past the stream. */
	while (o < text + h->start + h->len) {
		unsigned c = *p++, back, n;

		if (c < 0x80) {
			*o++ = (char)c;
			continue;
		}
		n = ((c >> 4) & 7) + 3;
		back = ((c & 15) << 8 | *p++) + 1;
		do {
			*o = *(o - back);
			o++;
		} while (--n);
	}
	fwrite(text + h->start, 1, h->len, stdout);
}
#else
void help_print(const struct help *h)
{
	fputs(h->text, stdout);
}
#endif
