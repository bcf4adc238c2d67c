/* dnsreply.c (fuzz target) - what a nameserver (or anyone who can reach
 * our UDP port) answers, through dns_reply_parse(): the first input byte
 * picks the question (A or AAAA for vpn.example.com, id 0x5a3c), the rest
 * is the reply. The result is one of the documented values; an address is
 * given only with 1, of the asked family, and usable (not unspecified or
 * multicast). Seeds (corpus/dnsreply/): dnsmasq's and a resolver's real
 * answers (A, AAAA, CNAME chain, NXDOMAIN, NODATA, SERVFAIL, truncated). */
#include "../../lib/resolver.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t q[DNS_QUERY_MAX];
	struct dns_addr a;
	int qlen, rc;
	unsigned qtype;

	if (!size)
		return 0;
	qtype = data[0] & 1 ? DNS_TYPE_AAAA : DNS_TYPE_A;
	qlen = dns_query_build(q, sizeof(q), 0x5a3c, "vpn.example.com", (uint16_t)qtype);
	if (qlen != 33)
		abort();
	memset(&a, 0xee, sizeof(a));
	rc = dns_reply_parse(data + 1, size - 1, q, (size_t)qlen, &a);
	if (rc != 1 && rc != 0 && rc != -ENOENT && rc != -EMSGSIZE && rc != -EIO && rc != -EBADMSG)
		abort();
	if (rc == 1) {
		if (a.family != (qtype == DNS_TYPE_A ? AF_INET : AF_INET6) ||
		    (qtype == DNS_TYPE_A && (!a.addr[0] || a.addr[0] >= 224 || a.addr[4] || a.addr[15])) ||
		    (qtype == DNS_TYPE_AAAA && a.addr[0] == 0xff))
			abort();
	} else if (a.family != 0xee) {
		abort();                  /* out is left alone without an address */
	}
	return 0;
}
