/* record.c - write real kernel replies (route, rule, nf_tables rule and
 * table dumps, conntrack dumps, acks with extended-ack text) of the current network
 * namespace to DIR, one file per datagram: seed corpus of the nlreply fuzz
 * target. Run it where qubes-vpn has installed its state. */
#include "../../nl/nl.h"
#include "../../nl/rt.h"
#include "../../nl/nft.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

static const char *dir;
static int count;

static int save(const struct nlmsghdr *nlh, void *data)
{
	char path[512];
	FILE *f;

	(void)data;
	snprintf(path, sizeof(path), "%s/reply-%03d", dir, count++);
	f = fopen(path, "wb");
	if (!f)
		return -1;
	fwrite(nlh, 1, nlh->nlmsg_len, f);
	fclose(f);
	return 0;
}

static void dump(int bus, uint16_t type, uint8_t family, const char *table)
{
	char buf[256] __attribute__((aligned(4)));
	struct nl_result res;
	struct nl_sock s;
	struct nl_buf b;
	uint8_t *extra;

	if (nl_open(&s, bus) < 0)
		return;
	nl_buf_init(&b, buf, sizeof(buf));
	nl_msg_start(&b, type, NLM_F_DUMP, "dump");
	extra = nl_msg_extra(&b, bus == NETLINK_ROUTE ? sizeof(struct rtmsg) : 4);
	if (extra)
		extra[0] = family;
	if (table)
		nl_put_strz(&b, NFTA_RULE_TABLE, table);
	nl_msg_end(&b);
	nl_dump(&s, &b, save, NULL, &res);
	nl_close(&s);
}

/* An ack carrying an error and the kernel's extended-ack text: a route
 * whose prefix has host bits set. */
static void ack_error(void)
{
	char buf[256] __attribute__((aligned(4))), reply[8192] __attribute__((aligned(4)));
	struct rt_route r = { .family = AF_INET, .type = RTN_BLACKHOLE, .table = 4242,
			      .dst_len = 8, .dst = { 10, 0, 0, 1 } };
	struct nl_sock s;
	struct nl_buf b;
	ssize_t n;

	if (nl_open(&s, NETLINK_ROUTE) < 0)
		return;
	nl_buf_init(&b, buf, sizeof(buf));
	rt_route_msg(&b, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &r, "x");
	if (send(s.fd, b.data, b.len, 0) > 0) {
		n = recv(s.fd, reply, sizeof(reply), 0);
		if (n > 0)
			save((struct nlmsghdr *)reply, NULL);
	}
	nl_close(&s);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: record DIR\n");
		return 2;
	}
	dir = argv[1];
	dump(NETLINK_ROUTE, RTM_GETROUTE, AF_INET, NULL);
	dump(NETLINK_ROUTE, RTM_GETROUTE, AF_INET6, NULL);
	dump(NETLINK_ROUTE, RTM_GETRULE, AF_INET, NULL);
	dump(NETLINK_ROUTE, RTM_GETRULE, AF_INET6, NULL);
	dump(NETLINK_NETFILTER, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETRULE, NFPROTO_INET,
	     "qubes-vpn");
	dump(NETLINK_NETFILTER, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETRULE, NFPROTO_INET,
	     "qubes-vpn-dns");
	dump(NETLINK_NETFILTER, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETTABLE, NFPROTO_INET,
	     NULL);
	dump(NETLINK_NETFILTER, (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET, AF_UNSPEC,
	     NULL);
	ack_error();
	printf("%d replies in %s\n", count, dir);
	return 0;
}
