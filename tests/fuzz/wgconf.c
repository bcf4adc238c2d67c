/* wgconf.c (fuzz target) - a WireGuard configuration file as a hostile
 * user or provider could write it, through wg_conf_parse(); whatever it
 * accepts then becomes wireguard-go's set=1 request, which must stay one
 * request of KEY=VALUE lines whatever the input held (no line break, '='
 * or other character smuggled into the protocol).
 * Seeds (corpus/wgconf/): providers' configurations (IPv4 only, dual
 * stack, several peers, PresharedKey, comments and blanks, an endpoint
 * given by host name), and refused ones (PostUp, an unknown section). An
 * endpoint host name kept for `up` is a valid host name (letters, digits,
 * '-' and '.') with a port, and no address yet. */
#include "../../lib/wgconf.h"
#include "../../lib/wguapi.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct wg_conf conf;
static char req[WG_CONF_FILE_MAX * 2];

static void check_prefix(const struct wg_prefix *p)
{
	if ((p->family != AF_INET && p->family != AF_INET6) ||
	    p->len > (p->family == AF_INET ? 32 : 128))
		abort();
}

static void check_request(const char *r, size_t n)
{
	size_t i = 0, eq;

	if (n < 2 || r[n - 1] != '\n' || r[n - 2] != '\n' || strlen(r) != n)
		abort();
	while (i < n - 1) {
		eq = strspn(r + i, "abcdefghijklmnopqrstuvwxyz_");
		if (!eq || r[i + eq] != '=')
			abort();
		i += eq + 1;
		i += strspn(r + i, "0123456789abcdef.:/[]tru");
		if (r[i] != '\n')
			abort();
		i++;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned i, j;
	int n;

	if (wg_conf_parse((const char *)data, size, &conf) < 0)
		return 0;
	if (!conf.has_private_key || !conf.naddr || conf.naddr > WG_ADDR_MAX || !conf.npeers ||
	    conf.npeers > WG_PEERS_MAX || conf.ndns4 > WG_CONF_DNS_MAX ||
	    conf.ndns6 > WG_CONF_DNS_MAX || conf.listen_port > 65535 ||
	    (conf.mtu && (conf.mtu < WG_MTU_MIN || conf.mtu > WG_MTU_MAX)))
		abort();
	for (i = 0; i < conf.naddr; i++)
		check_prefix(&conf.addr[i]);
	for (i = 0; i < conf.npeers; i++) {
		const struct wg_peer *p = &conf.peers[i];

		if (!p->has_public_key || p->nallowed > WG_ALLOWED_MAX || p->keepalive > 65535 ||
		    (p->endpoint.family && !p->endpoint.port))
			abort();
		if (conf.endpoint_host[i][0] &&
		    (p->endpoint.family || !p->endpoint.port || !dns_valid_name(conf.endpoint_host[i]) ||
		     strspn(conf.endpoint_host[i], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789-.") != strlen(conf.endpoint_host[i])))
			abort();
		for (j = 0; j < p->nallowed; j++)
			check_prefix(&p->allowed[j]);
	}
	n = wg_uapi_set_request(&conf, 25, req, sizeof(req));
	if (n < 0)
		abort();                  /* every accepted configuration fits */
	check_request(req, (size_t)n);
	return 0;
}
