/* resolver.h - a host name to one address, as this qube's own resolver
 * would: /etc/hosts, then the nameservers of /etc/resolv.conf over UDP.
 * A DNS stub of our own (musl's getaddrinfo would add about 10 KB to the
 * static binary): A and AAAA only, no search list, no EDNS, no TCP. The
 * query builder and reply parser are pure (unit-tested, fuzzed). Library
 * code: returns -errno, never prints; dns_strerror() says it in words. */
#ifndef QVPN_RESOLVER_H
#define QVPN_RESOLVER_H

#include <stddef.h>
#include <stdint.h>

#define DNS_NAME_MAX 253        /* a host name's text, without a final dot */
#define DNS_UDP_MAX 512         /* a reply over UDP without EDNS */
#define DNS_QUERY_MAX (12 + DNS_NAME_MAX + 2 + 4)
#define DNS_NS_MAX 3            /* nameserver lines used, as glibc's MAXNS */
#define DNS_TRY_MS 1000         /* one query to one server */
#define DNS_ROUNDS 3            /* tries of each server, within the caller's timeout */
#define DNS_RR_MAX 64           /* records in a reply; more is refused as malformed */
#define DNS_CNAME_MAX 8         /* CNAMEs followed within one reply */
#define DNS_TYPE_A 1
#define DNS_TYPE_AAAA 28
#define DNS_TYPE_CNAME 5

/* Absolute paths here replace /etc/resolv.conf and /etc/hosts (tests);
 * as QUBES_VPN_QUBESDB_SOCK, only honoured outside secure-execution mode
 * (AT_SECURE: a set-id or file-capability program ignores them). */
#define DNS_RESOLV_ENV "QUBES_VPN_RESOLV_CONF"
#define DNS_HOSTS_ENV "QUBES_VPN_HOSTS"

struct dns_addr {
	uint8_t family;               /* AF_INET, AF_INET6; 0: none */
	uint8_t addr[16];
};

/* The files read: the environment's override, or /etc/resolv.conf, /etc/hosts. */
const char *dns_resolv_conf_path(void);
const char *dns_hosts_path(void);

/* A host name as RFC 1123 has them: dot-separated labels of letters,
 * digits and inner hyphens, 1 to 63 characters each, at most 253 in all,
 * no final dot, the last label not all digits (so "1.2.3" or "010.1.1.1"
 * are neither addresses nor names). 1 or 0. */
int dns_valid_name(const char *s);

/* The query (recursion desired, one question: name, qtype, class IN) into
 * out: its length, -EINVAL (not a valid name) or -EMSGSIZE. */
int dns_query_build(uint8_t *out, size_t size, uint16_t id, const char *name, uint16_t qtype);

/* Parse reply as the answer to query (built by dns_query_build, A or
 * AAAA): the same id, QR set, opcode 0, exactly the question asked (name
 * compared case-insensitively, type and class), every record inside the
 * message and the message nothing more than its records, at most
 * DNS_RR_MAX of them, names at most 255 bytes, compression pointers only
 * backwards (so never looping), answer records of type A, AAAA and CNAME
 * of class IN with their exact lengths. From the question's name, CNAMEs
 * are followed within the reply (at most DNS_CNAME_MAX), and the first
 * usable address of the asked type is taken (not 0.0.0.0/8, multicast,
 * 240.0.0.0/4, ::, ff00::/8). Returns
 *   1          *out has the address
 *   0          no usable address of that type (NODATA)
 *   -ENOENT    NXDOMAIN
 *   -EMSGSIZE  truncated (TC): not retried over TCP, a failure of that server
 *   -EIO       another RCODE (SERVFAIL, REFUSED, ...)
 *   -EBADMSG   anything malformed, or not the answer to this query */
int dns_reply_parse(const uint8_t *reply, size_t len, const uint8_t *query, size_t qlen,
		    struct dns_addr *out);

/* Resolve name to one address, within timeout_ms. /etc/hosts first (a
 * line naming it exactly, case aside: its first usable IPv4 address, else
 * its first IPv6); otherwise the first DNS_NS_MAX IPv4/IPv6 nameserver
 * lines of resolv.conf, asked in order, DNS_ROUNDS rounds, DNS_TRY_MS each,
 * from a connected UDP socket with a random query id (getrandom): A first,
 * AAAA only when the name has no usable IPv4 address. An answer ends the
 * search; a timeout, an error RCODE, a truncated or malformed reply moves
 * on to the next server. *via is the server that answered (family 0: the
 * hosts file). 0, or -errno:
 *   -EINVAL not a valid name (dns_valid_name);
 *   -ENOENT NXDOMAIN; -ENODATA no usable address; -EDESTADDRREQ no
 *   nameserver line (or no readable resolv.conf); -ETIMEDOUT no answer in
 *   time; -EIO, -EMSGSIZE, -EBADMSG as dns_reply_parse; -ECONNREFUSED
 *   nothing listens on port 53; another -errno from a socket. */
int dns_resolve(const char *name, int timeout_ms, struct dns_addr *out, struct dns_addr *via);

/* dns_resolve's error in words. */
const char *dns_strerror(int err);

#endif
