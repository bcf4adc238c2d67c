/* clock.h - the one clock for timeouts and ages: CLOCK_MONOTONIC in
 * milliseconds (a change of the wall clock neither shortens nor stretches
 * a wait). */
#ifndef QVPN_CLOCK_H
#define QVPN_CLOCK_H

#include <time.h>

static inline long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

#endif
