/* ovpnenv.h - OpenVPN's script environment, parsed and validated: what the
 * up hook may use, and why everything else was left out. Pure parsing: no
 * netlink, no I/O but the log lines it emits. */
#ifndef QVPN_OVPNENV_H
#define QVPN_OVPNENV_H

#include <net/if.h>
#include <netinet/in.h>

#define OVPN_VALUE_MAX 1024      /* longer values are rejected */
#define OVPN_OPTIONS_MAX 256     /* foreign_option_N considered */
#define OVPN_DNS_MAX 8           /* DNS servers kept per family, in order */

struct ovpn_env {
	char dev[IF_NAMESIZE];
	int has_ipv4, has_ipv6;              /* tunnel addresses given */
	struct in_addr local4;
	struct in6_addr local6;
	unsigned ndns4, ndns6;
	struct in_addr dns4[OVPN_DNS_MAX];
	struct in6_addr dns6[OVPN_DNS_MAX];
	char remote[64];                     /* trusted_ip, for messages ("" if none) */
	int restart;                         /* script_context / argv says restart */
};

/* Parse envp (NAME=VALUE strings). Logs one line per decision (what was
 * ignored and why) and one error per rejected required variable.
 * Returns 0, or -EINVAL when the environment cannot be used. */
int ovpn_env_parse(char *const envp[], struct ovpn_env *e);

/* Checks used by the parser, exposed for tests and fuzzing. */
int valid_ifname(const char *s);
int parse_ipv4(const char *s, struct in_addr *out);
int parse_ipv6(const char *s, struct in6_addr *out);
/* Decimal digits only (no sign, no blanks), at most 10, below 2^32: 0 and
 * *out, else -1. Used instead of strtoul, which would bring 1.7 KB of
 * musl into the static binary. */
int parse_decimal(const char *s, unsigned long *out);
/* A DNS server address we are willing to DNAT to. NULL if acceptable,
 * otherwise why not. */
const char *dns4_unusable(const struct in_addr *a);
const char *dns6_unusable(const struct in6_addr *a);

#endif
