/* sanitize.h - make text safe to show in a notification: valid UTF-8 only,
 * no control characters, no bidirectional overrides, bounded length. */
#ifndef QVPN_SANITIZE_H
#define QVPN_SANITIZE_H

#include <stddef.h>

/* Copy in to out (always NUL-terminated, at most size-1 bytes, cut on a
 * character boundary). Tabs and line breaks become spaces; other control
 * characters (C0, DEL, C1), bidi embedding/override/isolate marks and
 * invalid UTF-8 are dropped. Returns the length written. */
size_t sanitize_text(const char *in, char *out, size_t size);

#endif
