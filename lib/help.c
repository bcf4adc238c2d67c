/* help.c - writes an applet's --help text (help.h): as it is, or in the
 * static release binary unpacked from helptexts.h.
 *
 * The packed form (tools/helppack.c makes it): a byte below 0x80 is itself;
 * a byte c from 0x80 on and the byte b after it copy ((c >> 4) & 7) + 3
 * bytes from ((c & 15) << 8 | b) + 1 bytes back in what is unpacked so far.
 * The stream is the build's own, unpacked and compared by helppack before
 * it is written; the unpacking still stops at the end of its buffer. */
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

	while (p < help_packed + sizeof(help_packed) && o < text + sizeof(text)) {
		unsigned c = *p++, n = 1, back = 0;

		if (c >= 0x80) {
			n = ((c >> 4) & 7) + 3;
			back = ((c & 15) << 8 | *p++) + 1;
		}
		for (; n-- && o < text + sizeof(text); o++)
			*o = back ? *(o - back) : (char)c;
	}
	fwrite(text + h->start, 1, h->len, stdout);
}
#else
void help_print(const struct help *h)
{
	fputs(h->text, stdout);
}
#endif
