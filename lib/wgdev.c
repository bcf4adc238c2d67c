/* wgdev.c - the WireGuard device's addresses, MTU and link state over
 * rtnetlink. */
#include "wgdev.h"
#include "log.h"
#include "../nl/rt.h"

#include <errno.h>
#include <string.h>
#include <net/if.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>

#define WG_OVERHEAD 80    /* IPv6 40 + UDP 8 + WireGuard 32, as wg-quick */

/* An interface's MTU by index (two ioctls: smaller than a netlink link
 * dump and its parser); 0 when unknown. */
static uint32_t link_mtu(int fd, uint32_t ifindex)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_ifindex = (int)ifindex;
	if (ioctl(fd, SIOCGIFNAME, &ifr) < 0 || ioctl(fd, SIOCGIFMTU, &ifr) < 0 || ifr.ifr_mtu < 0)
		return 0;
	return (uint32_t)ifr.ifr_mtu;
}

unsigned wg_dev_mtu(const struct wg_conf *c)
{
	struct nl_sock *s;
	struct nl_result res;
	uint32_t oif, mtu, best = 0;
	unsigned i;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (c->mtu)
		return c->mtu;
	if (fd >= 0 && nl_run_sock(NETLINK_ROUTE, &s) == 0)
		for (i = 0; i < c->npeers; i++) {
			const struct wg_endpoint *ep = &c->peers[i].endpoint;

			if (ep->family && rt_route_get_oif(s, ep->family, ep->addr, &oif, &res) == 0 &&
			    (mtu = link_mtu(fd, oif)) > best)
				best = mtu;
		}
	if (fd >= 0)
		close(fd);
	if (!best) {
		log_warn("no route to any endpoint to take an MTU from: assuming 1500");
		best = 1500;
	}
	return best > WG_OVERHEAD + WG_MTU_MIN ? best - WG_OVERHEAD : WG_MTU_MIN;
}

int wg_dev_setup(const char *ifname, const struct wg_conf *c, unsigned mtu)
{
	char buf[1024] __attribute__((aligned(4)));
	unsigned idx = if_nametoindex(ifname), i;
	struct nl_sock *s;
	struct nl_result res;
	struct nl_buf b;
	int err;

	if (!idx) {
		log_err("%s: no such device", ifname);
		return -ENODEV;
	}
	err = nl_run_sock(NETLINK_ROUTE, &s);
	if (err < 0) {
		log_err("rtnetlink: %s", strerror(-err));
		return err;
	}
	nl_buf_init(&b, buf, sizeof(buf));
	for (i = 0; i < c->naddr; i++)
		rt_addr_msg(&b, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, c->addr[i].family,
			    c->addr[i].addr, c->addr[i].len, idx, "adding an Address to the tunnel");
	rt_link_set_mtu_up(&b, idx, mtu, "setting the tunnel's MTU and bringing it up");
	err = nl_transact(s, &b, 0, &res);
	if (err < 0)
		log_nl_error(ifname, &res);
	return err;
}
