/* nlreply.c (fuzz target) - the netlink reply parsers: acks with extended
 * ack attributes, route and rule dumps, nf_tables rules (counters,
 * comments) and tables, conntrack entries, the generic netlink
 * controller's family id. The input is a stream of netlink messages, walked
 * the way the receive loop walks a datagram. */
#include "../../nl/nl.h"
#include "../../nl/rt.h"
#include "../../nl/nft.h"
#include "../../nl/ct.h"
#include "../../nl/genl.h"
#include "nlinput.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct nlmsghdr *nlh;
	struct nft_table_info table;
	struct nft_rule_info rule;
	struct rt_route route;
	struct rt_rule rrule;
	struct ct_entry ct;
	char extack[NL_EXTACK_MAX];
	uint32_t seq;
	uint16_t family;
	void *buf;
	int len;

	buf = nl_input_copy(data, size);
	if (!buf)
		return 0;
	len = (int)size;
	for (nlh = buf; nl_msg_ok(nlh, len); nlh = nl_msg_next(nlh, &len)) {
		nl_parse_ack(nlh, &seq, extack, sizeof(extack));
		if (strnlen(extack, sizeof(extack)) >= sizeof(extack))
			abort();
		rt_parse_route(nlh, &route);
		rt_parse_rule(nlh, &rrule);
		if (nft_parse_rule(nlh, &rule) == 0 &&
		    (strnlen(rule.chain, sizeof(rule.chain)) >= sizeof(rule.chain) ||
		     strnlen(rule.comment, sizeof(rule.comment)) >= sizeof(rule.comment)))
			abort();
		if (nft_parse_table(nlh, &table) == 0 && table.udata_len > sizeof(table.udata))
			abort();
		nft_parse_gen(nlh, &seq);
		if (ct_parse(nlh, &ct) == 0 && (!ct.tuple_len || ct.tuple_len > sizeof(ct.tuple)))
			abort();
		if (genl_parse_family_id(nlh, &family) == 0 && !family)
			abort();
	}
	free(buf);
	return 0;
}
