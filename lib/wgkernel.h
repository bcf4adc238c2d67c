/* wgkernel.h - the kernel's WireGuard as qubes-vpn-wg's backend: the device
 * made and deleted over rtnetlink (kind "wireguard"), configured with
 * WG_CMD_SET_DEVICE and read with WG_CMD_GET_DEVICE over the generic
 * netlink family "wireguard". Each returns 0 or -errno and leaves the
 * failing request and the kernel's reason in res; the caller writes the
 * one message. */
#ifndef QVPN_WGKERNEL_H
#define QVPN_WGKERNEL_H

#include "wgconf.h"
#include "wguapi.h"

/* RTM_NEWLINK kind wireguard; a device of that name already there is no
 * error. -EOPNOTSUPP (kernel: "Unknown device type"): no WireGuard in
 * this kernel. */
int wg_kernel_create(const char *ifname, struct nl_result *res);

/* RTM_DELLINK by name; a device already gone is no error. */
int wg_kernel_delete(const char *ifname, struct nl_result *res);

/* The device exactly as c says (private key, port, fwmark, every peer
 * replaced), each peer with an endpoint keeping alive at least every
 * keepalive_max seconds; as wg_uapi_set_request() asks wireguard-go. */
int wg_kernel_set(const char *ifname, const struct wg_conf *c, int keepalive_max,
		  struct nl_result *res);

/* The device's peers, as wireguard-go's get=1 gives them. */
int wg_kernel_get(const char *ifname, struct wg_uapi_status *st, struct nl_result *res);

#endif
