/* wgdev.h - the WireGuard device's own kernel state, whichever backend
 * configures its keys and peers: its MTU (computed as wg-quick computes
 * it), its addresses, the link up. */
#ifndef QVPN_WGDEV_H
#define QVPN_WGDEV_H

#include "wgconf.h"

/* wg-quick's rule: MTU= if given; else the largest MTU of the interfaces
 * the kernel routes the peers' endpoints through, minus 80 (the IPv6 +
 * UDP + WireGuard overhead); 1500 - 80 when none can be found. */
unsigned wg_dev_mtu(const struct wg_conf *c);

/* The config's addresses on ifname, then its MTU and the link up. 0 or
 * -errno (logged, naming the step). */
int wg_dev_setup(const char *ifname, const struct wg_conf *c, unsigned mtu);

#endif
