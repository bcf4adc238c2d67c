/* clock.h - the one clock for timeouts and ages: CLOCK_MONOTONIC in
 * milliseconds (a change of the wall clock neither shortens nor stretches
 * a wait). */
#ifndef QVPN_CLOCK_H
#define QVPN_CLOCK_H

/* Defined in log.c, which every program links: one copy, not one per
 * file that waits. */
long now_ms(void);

#endif
