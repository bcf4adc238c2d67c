/* help.h - an applet's --help text: HELP_TEXT(name, "...") next to the code
 * it documents defines `usage`, help_print(&usage) writes it to stdout.
 *
 * The static release binary (make static) keeps the texts packed, about
 * half their size: it compiles each applet once with QV_HELP_EXTRACT, which
 * puts the text alone in a section .qvhelp that objcopy copies out,
 * tools/helppack packs them all into helptexts.h (and checks that they
 * unpack to the same bytes), and the binary is built with QV_HELP_PACKED,
 * where `usage` is the place of the text in the unpacked whole and the text
 * itself is not compiled at all. Every other build has the text as it is. */
#ifndef QVPN_HELP_H
#define QVPN_HELP_H

#if defined(QV_HELP_PACKED)
/* helptexts.h: made by tools/helppack, in build/static/help */
#include "helptexts.h"
struct help {
	unsigned short start, len;
};
#define HELP_TEXT(name, text) static const struct help usage = { HELP_##name }
#else
struct help {
	const char *text;
};
#if defined(QV_HELP_EXTRACT)
#define HELP_TEXT(name, text) \
	static const char help_text[] __attribute__((used, section(".qvhelp"))) = text; \
	static const struct help usage = { help_text }
#else
#define HELP_TEXT(name, text) static const struct help usage = { text }
#endif
#endif

/* Writes the text to stdout, as fputs() does. */
void help_print(const struct help *h);

#endif
