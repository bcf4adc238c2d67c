/* tunnel.c - what every way of connecting does the same around
 * gw_connect(): Qubes' virtual DNS addresses, the DNS servers as text. */
#include "tunnel.h"
#include "log.h"
#include "qubesdb.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static const char *const vdns_keys[2] = { "/qubes-netvm-primary-dns",
					   "/qubes-netvm-secondary-dns" };

void tunnel_virtual_dns_ask(struct qdb *q)
{
	qubesdb_ask(q, vdns_keys, 2, QUBESDB_TIMEOUT_MS);
}

/* Qubes' virtual DNS addresses, which downstream qubes send their DNS to:
 * IPv4 from QubesDB (the documented defaults when it cannot say), IPv6
 * fixed. Every fallback is logged with the key and the reason. */
void tunnel_virtual_dns_take(struct gw_tunnel *t, struct qdb *q)
{
	static const char *const defaults[2] = { "10.139.1.1", "10.139.1.2" };
	static const char *defaults6[2] = { "fd09:24ef:4179::a8b:1", "fd09:24ef:4179::a8b:2" };
	char a[INET_ADDRSTRLEN];
	unsigned i, given;

	given = qubesdb_ipv4_answers(q, vdns_keys, defaults, t->vdns4, 2);
	for (i = 0; i < 2; i++) {
		inet_pton(AF_INET6, defaults6[i], &t->vdns6[i]);
		inet_ntop(AF_INET, &t->vdns4[i], a, sizeof(a));
		if (given & (1u << i))
			log_debug("virtual DNS %u: %s (QubesDB %s)", i + 1, a, vdns_keys[i]);
		else
			log_debug("virtual DNS %u: %s (default)", i + 1, a);
	}
	t->nvdns4 = 2;
	t->nvdns6 = 2;
}

void tunnel_virtual_dns(struct gw_tunnel *t)
{
	struct qdb q;

	tunnel_virtual_dns_ask(&q);
	tunnel_virtual_dns_take(t, &q);
}

void tunnel_dns_list(const struct gw_tunnel *t, char *out, size_t size)
{
	char a[INET6_ADDRSTRLEN];
	size_t len = 0;
	unsigned i;

	out[0] = '\0';
	for (i = 0; i < t->ndns4 + t->ndns6; i++) {
		if (i < t->ndns4)
			inet_ntop(AF_INET, &t->dns4[i], a, sizeof(a));
		else
			inet_ntop(AF_INET6, &t->dns6[i - t->ndns4], a, sizeof(a));
		len += (size_t)snprintf(out + len, len < size ? size - len : 0, "%s%s",
					len ? ", " : "", a);
	}
}
