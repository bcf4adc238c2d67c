/* ovpnenv.c - parse and validate the environment OpenVPN gives its --up
 * script (man openvpn, "Environmental Variables"). Every value is outside
 * input: part of it is pushed by the VPN server. Required variables that do
 * not validate make the hook fail (and the gateway stay blocked); optional
 * ones are ignored with a line saying why. */
#include "ovpnenv.h"
#include "log.h"
#include "rundir.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROUTES_MAX 1000          /* route_network_N considered */
#define ROUTE_LOG_MAX 8          /* "ignoring route" lines before a summary */

/* Value of NAME in envp, or NULL. Over-long values count as absent for
 * the caller, which is told through *too_long. */
static const char *getv(char *const envp[], const char *name, int *too_long)
{
	size_t n = strlen(name);
	unsigned i;

	if (too_long)
		*too_long = 0;
	for (i = 0; envp && envp[i]; i++) {
		if (strncmp(envp[i], name, n) || envp[i][n] != '=')
			continue;
		if (strnlen(envp[i] + n + 1, OVPN_VALUE_MAX + 1) > OVPN_VALUE_MAX) {
			if (too_long)
				*too_long = 1;
			return NULL;
		}
		return envp[i] + n + 1;
	}
	return NULL;
}

int valid_ifname(const char *s)
{
	size_t n = strnlen(s, IF_NAMESIZE);
	size_t i;

	if (n == 0 || n >= IF_NAMESIZE || !strcmp(s, ".") || !strcmp(s, ".."))
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
			return 0;
	}
	return 1;
}

/* inet_pton is strict (dotted quad, no octal, no hex, no zone): exactly
 * the literal addresses we accept. */
int parse_ipv4(const char *s, struct in_addr *out)
{
	return strnlen(s, INET_ADDRSTRLEN) < INET_ADDRSTRLEN && inet_pton(AF_INET, s, out) == 1;
}

int parse_ipv6(const char *s, struct in6_addr *out)
{
	return strnlen(s, INET6_ADDRSTRLEN) < INET6_ADDRSTRLEN &&
	       inet_pton(AF_INET6, s, out) == 1;
}

int parse_decimal(const char *s, unsigned long *out)
{
	unsigned long v = 0;

	if (!*s || strlen(s) > 10)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	*out = v;
	return v <= 0xffffffffUL ? 0 : -1;
}

static int parse_uint(const char *s, unsigned max, unsigned *out)
{
	unsigned long v;

	if (parse_decimal(s, &v) < 0 || v > max)
		return 0;
	*out = (unsigned)v;
	return 1;
}

static int valid_netmask(const struct in_addr *m)
{
	uint32_t inv = ~ntohl(m->s_addr);

	/* Contiguous ones from the top: the inverse is 2^k - 1. */
	return (inv & (inv + 1)) == 0;
}

const char *dns4_unusable(const struct in_addr *a)
{
	uint32_t v = ntohl(a->s_addr);

	if ((v >> 24) == 0)
		return "an unspecified address";
	if ((v >> 24) == 127)
		return "a loopback address";
	if ((v >> 28) == 0xe)
		return "a multicast address";
	if ((v >> 28) == 0xf)
		return "a reserved or broadcast address";
	if ((v >> 16) == 0xa9fe)
		return "a link-local address";
	if ((v >> 8) == 0x0a8b01)
		return "a Qubes virtual DNS address (it would loop)";
	return NULL;
}

const char *dns6_unusable(const struct in6_addr *a)
{
	static const uint8_t qubes_vdns[14] = { 0xfd, 0x09, 0x24, 0xef, 0x41, 0x79, 0, 0, 0, 0,
						0, 0, 0x0a, 0x8b };
	const uint8_t *b = a->s6_addr;

	if (IN6_IS_ADDR_UNSPECIFIED(a))
		return "an unspecified address";
	if (IN6_IS_ADDR_LOOPBACK(a))
		return "a loopback address";
	if (IN6_IS_ADDR_MULTICAST(a))
		return "a multicast address";
	if (IN6_IS_ADDR_LINKLOCAL(a))
		return "a link-local address";
	if (IN6_IS_ADDR_V4MAPPED(a) || IN6_IS_ADDR_V4COMPAT(a))
		return "an IPv4-mapped address";
	if (!memcmp(b, qubes_vdns, sizeof(qubes_vdns)))
		return "a Qubes virtual DNS address (it would loop)";
	return NULL;
}

static int required_fail(const char *name, const char *why)
{
	log_err("OpenVPN environment: %s %s: refusing to connect", name, why);
	return -EINVAL;
}

/* An optional variable: present and valid (1), absent (0), or present and
 * invalid or over-long (-1, logged). */
static int optional_addr(char *const envp[], const char *name, int family, void *out)
{
	int too_long;
	const char *v = getv(envp, name, &too_long);

	if (too_long) {
		log_warn("OpenVPN environment: %s is longer than %d bytes: ignored", name,
			 OVPN_VALUE_MAX);
		return -1;
	}
	if (!v)
		return 0;
	if (family == AF_INET ? parse_ipv4(v, out) : parse_ipv6(v, out))
		return 1;
	log_warn("OpenVPN environment: %s is not an IPv%d address: ignored", name,
		 family == AF_INET ? 4 : 6);
	return -1;
}

/* Pushed routes are never used: the tunnel's default route in table 78
 * already carries all downstream traffic. Say so, and say louder when a
 * route asked to bypass the tunnel. */
static void report_routes(char *const envp[])
{
	struct in_addr net_gw4, net, gw;
	struct in6_addr net_gw6, gw6;
	int has_gw4 = optional_addr(envp, "route_net_gateway", AF_INET, &net_gw4) > 0;
	int has_gw6 = optional_addr(envp, "net_gateway_ipv6", AF_INET6, &net_gw6) > 0;
	char name[48];
	unsigned n, logged = 0;
	const char *v;

	for (n = 1; n <= ROUTES_MAX; n++) {
		snprintf(name, sizeof(name), "route_network_%u", n);
		if (!getv(envp, name, NULL))
			break;
		if (optional_addr(envp, name, AF_INET, &net) < 0)
			continue;
		snprintf(name, sizeof(name), "route_gateway_%u", n);
		if (has_gw4 && optional_addr(envp, name, AF_INET, &gw) > 0 &&
		    gw.s_addr == net_gw4.s_addr) {
			log_warn("ignoring pushed route %u: its gateway is net_gateway, "
				 "which would send traffic outside the tunnel", n);
			continue;
		}
		if (logged++ < ROUTE_LOG_MAX)
			log_info("ignoring pushed route %u: all downstream traffic goes "
				 "through the tunnel anyway", n);
	}
	for (n = 1; n <= ROUTES_MAX; n++) {
		snprintf(name, sizeof(name), "route_ipv6_network_%u", n);
		v = getv(envp, name, NULL);
		if (!v)
			break;
		snprintf(name, sizeof(name), "route_ipv6_gateway_%u", n);
		if (has_gw6 && optional_addr(envp, name, AF_INET6, &gw6) > 0 &&
		    !memcmp(&gw6, &net_gw6, sizeof(gw6))) {
			log_warn("ignoring pushed IPv6 route %u: its gateway is net_gateway_ipv6, "
				 "which would send traffic outside the tunnel", n);
			continue;
		}
		if (logged++ < ROUTE_LOG_MAX)
			log_info("ignoring pushed IPv6 route %u: all downstream traffic goes "
				 "through the tunnel anyway", n);
	}
	if (logged > ROUTE_LOG_MAX)
		log_info("ignoring %u more pushed routes", logged - ROUTE_LOG_MAX);
}

/* "dhcp-option DNS a.b.c.d" / "dhcp-option DNS6 x::y": the address, or NULL. */
static const char *dns_option(const char *v, int *v6_keyword)
{
	static const char p4[] = "dhcp-option DNS ", p6[] = "dhcp-option DNS6 ";

	if (!strncmp(v, p6, sizeof(p6) - 1)) {
		*v6_keyword = 1;
		return v + sizeof(p6) - 1;
	}
	if (!strncmp(v, p4, sizeof(p4) - 1)) {
		*v6_keyword = 0;
		return v + sizeof(p4) - 1;
	}
	return NULL;
}

static void take_dns(struct ovpn_env *e, unsigned n, const char *addr, int v6_keyword)
{
	struct in6_addr a6;
	struct in_addr a4;
	const char *why;
	unsigned i;

	if (!v6_keyword && parse_ipv4(addr, &a4)) {
		why = dns4_unusable(&a4);
		for (i = 0; !why && i < e->ndns4; i++)
			if (e->dns4[i].s_addr == a4.s_addr)
				why = "a duplicate";
		if (!why && e->ndns4 >= OVPN_DNS_MAX)
			why = "beyond the first eight IPv4 servers";
		if (!why) {
			e->dns4[e->ndns4++] = a4;
			return;
		}
	} else if (parse_ipv6(addr, &a6)) {
		why = dns6_unusable(&a6);
		for (i = 0; !why && i < e->ndns6; i++)
			if (!memcmp(&e->dns6[i], &a6, sizeof(a6)))
				why = "a duplicate";
		if (!why && e->ndns6 >= OVPN_DNS_MAX)
			why = "beyond the first eight IPv6 servers";
		if (!why) {
			e->dns6[e->ndns6++] = a6;
			return;
		}
	} else {
		why = "not a literal IP address";
	}
	log_warn("ignoring pushed DNS server (foreign_option_%u): %s", n, why);
}

static void parse_options(char *const envp[], struct ovpn_env *e)
{
	char name[48];
	const char *v, *addr;
	int too_long, v6;
	unsigned n;

	for (n = 1; n <= OVPN_OPTIONS_MAX + 1; n++) {
		snprintf(name, sizeof(name), "foreign_option_%u", n);
		v = getv(envp, name, &too_long);
		if (too_long) {
			log_warn("%s is longer than %d bytes: ignored", name, OVPN_VALUE_MAX);
			continue;
		}
		if (!v)
			break;
		if (n > OVPN_OPTIONS_MAX) {
			log_warn("more than %d pushed options: the rest are ignored",
				 OVPN_OPTIONS_MAX);
			break;
		}
		addr = dns_option(v, &v6);
		if (addr)
			take_dns(e, n, addr, v6);
		else
			log_debug("%s: not a DNS option, ignored", name);
	}
}

int ovpn_env_parse(char *const envp[], struct ovpn_env *e)
{
	const char *v;
	int too_long, r;
	struct in_addr a4;
	struct in6_addr a6;
	unsigned bits;

	memset(e, 0, sizeof(*e));

	v = getv(envp, "dev", &too_long);
	if (!v)
		return required_fail("dev", "is missing");
	if (!valid_ifname(v))
		return required_fail("dev", "is not a valid interface name");
	snprintf(e->dev, sizeof(e->dev), "%s", v);

	v = getv(envp, "dev_type", &too_long);
	if (v && strcmp(v, "tun"))
		return required_fail("dev_type", "is not 'tun' (only tun devices are supported)");

	r = optional_addr(envp, "ifconfig_local", AF_INET, &e->local4);
	if (r < 0)
		return required_fail("ifconfig_local", "is not a valid IPv4 address");
	e->has_ipv4 = r > 0;
	v = getv(envp, "ifconfig_netmask", &too_long);
	if (v && (!parse_ipv4(v, &a4) || !valid_netmask(&a4)))
		return required_fail("ifconfig_netmask", "is not a valid netmask");
	if (optional_addr(envp, "ifconfig_remote", AF_INET, &a4) < 0)
		return required_fail("ifconfig_remote", "is not a valid IPv4 address");
	if (optional_addr(envp, "route_vpn_gateway", AF_INET, &a4) < 0)
		return required_fail("route_vpn_gateway", "is not a valid IPv4 address");

	r = optional_addr(envp, "ifconfig_ipv6_local", AF_INET6, &e->local6);
	if (r < 0)
		return required_fail("ifconfig_ipv6_local", "is not a valid IPv6 address");
	e->has_ipv6 = r > 0;
	v = getv(envp, "ifconfig_ipv6_netbits", &too_long);
	if (v && !parse_uint(v, 128, &bits))
		return required_fail("ifconfig_ipv6_netbits", "is not a number from 0 to 128");
	if (optional_addr(envp, "ifconfig_ipv6_remote", AF_INET6, &a6) < 0)
		return required_fail("ifconfig_ipv6_remote", "is not a valid IPv6 address");
	if (!e->has_ipv4 && !e->has_ipv6)
		return required_fail("ifconfig_local", "and ifconfig_ipv6_local are both missing");

	v = getv(envp, "trusted_ip", NULL);
	if (v && (parse_ipv4(v, &a4) || parse_ipv6(v, &a6)))
		snprintf(e->remote, sizeof(e->remote), "%s", v);
	v = getv(envp, "script_context", NULL);
	e->restart = v && !strcmp(v, "restart");

	report_routes(envp);
	parse_options(envp, e);
	return 0;
}
