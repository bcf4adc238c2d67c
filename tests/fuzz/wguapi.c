/* wguapi.c (fuzz target) - what wireguard-go (or whatever listens on its
 * socket) answers, through wg_uapi_parse_reply(): the result is the
 * protocol's errno or -EBADMSG, peers are counted but never kept beyond
 * WG_UAPI_PEERS_MAX, and a kept endpoint is a short string of address
 * characters. Seeds (corpus/wguapi/): wireguard-go's real get=1 answers
 * (no peer, one peer with and without a handshake, IPv6 endpoint) and
 * set=1 answers (errno=0, errno=22). */
#include "../../lib/wguapi.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct wg_uapi_status st;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned i;
	int rc = wg_uapi_parse_reply((const char *)data, size, &st);

	if (rc > 0 || (rc < -4095 && rc != -EBADMSG))
		abort();
	if (rc == -EBADMSG)
		return 0;
	for (i = 0; i < st.npeers && i < WG_UAPI_PEERS_MAX; i++) {
		const char *e = st.peers[i].endpoint;

		if (strnlen(e, sizeof(st.peers[i].endpoint)) == sizeof(st.peers[i].endpoint) ||
		    strspn(e, "0123456789abcdefABCDEF.:[]") != strlen(e) ||
		    st.peers[i].last_handshake_sec < 0)
			abort();
	}
	if (st.listen_port > 65535)
		abort();
	/* A set=1 answer, parsed without a status. */
	wg_uapi_parse_reply((const char *)data, size, NULL);
	return 0;
}
