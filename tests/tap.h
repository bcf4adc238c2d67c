/* tap.h - the result lines every C test prints: "ok - NAME" or
 * "not ok - NAME" (tests/run counts them), and the two counters. */
#ifndef QVPN_TAP_H
#define QVPN_TAP_H

#include <stdio.h>

static int failed, passed;

static void check(const char *name, int cond)
{
	printf("%s - %s\n", cond ? "ok" : "not ok", name);
	if (cond)
		passed++;
	else
		failed++;
}

#endif
