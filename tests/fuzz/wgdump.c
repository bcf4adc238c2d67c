/* wgdump.c (fuzz target) - the kernel's WG_CMD_GET_DEVICE dump through
 * wg_parse_device(): the input is the dump's messages back to back, walked
 * as the receive loop walks a datagram and parsed in order into one state
 * until the first error, as nl_dump() stops calling its callback. The
 * result is 0 or -EBADMSG; peers beyond WG_STATE_PEERS_MAX are counted,
 * never kept; what is kept is well-formed (endpoint families, handshake
 * times). Seeds (corpus/wgdump/): the unit test's kernel-shaped dumps
 * (`build/tests/unit --wg-seeds DIR`: one message with three peers, a
 * multi-part dump whose peers' allowed IPs continue in later messages,
 * 70 peers over four messages). */
#include "../../nl/nl.h"
#include "../../nl/wg.h"
#include "nlinput.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct wg_dev_state st;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct nlmsghdr *nlh;
	unsigned i;
	void *buf;
	int len, err = 0;

	buf = nl_input_copy(data, size);
	if (!buf)
		return 0;
	memset(&st, 0, sizeof(st));
	st.listen_port = -1;
	len = (int)size;
	for (nlh = buf; !err && nl_msg_ok(nlh, len); nlh = nl_msg_next(nlh, &len))
		err = wg_parse_device(nlh, 0x1d, &st);
	if (err && err != -EBADMSG)
		abort();
	if (st.npeers > WG_STATE_PEERS_LIMIT || st.listen_port < -1 || st.listen_port > 65535)
		abort();
	for (i = 0; i < st.npeers && i < WG_STATE_PEERS_MAX; i++) {
		const struct wg_peer_state *p = &st.peers[i];

		if ((p->endpoint.family && p->endpoint.family != AF_INET &&
		     p->endpoint.family != AF_INET6) || p->last_handshake_sec < 0)
			abort();
	}
	free(buf);
	return 0;
}
