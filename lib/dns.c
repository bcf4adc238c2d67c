/* dns.c - DNS: the per-connection table inet qubes-vpn-dns, and which of
 * the VPN's DNS servers it may send downstream queries to.
 *
 * The table exists while connected: a nat prerouting chain at dstnat - 10
 * (before Qubes' dnat-dns, so Qubes rebuilding its chain cannot redirect)
 * that DNATs the virtual DNS addresses to the VPN's servers, or drops what
 * is addressed to them when the VPN gave no server of that family.
 * Disconnecting makes it dormant; DNS then reaches no DNAT of ours and the
 * kill switch drops it. Its user data describes it, so a reconnect with
 * the same servers only wakes it up. */
#include "gw.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/netfilter.h>
#include <linux/rtnetlink.h>

#define C_DNAT "dns-to-vpn"
#define C_DNS_UNMAPPED "drop-unmapped-dns"
#define PRIO_DSTNAT (-110)       /* before Qubes' dnat-dns (-100) */

/* ---- the DNS table ---- */

/* iifname "vif*" DADDR:53 (l4proto): DNAT to dns, or, with dns NULL, drop. */
static void put_dns_rule(struct nl_buf *b, uint8_t nfproto, const void *vdns, const void *dns,
			 uint8_t l4proto)
{
	struct nlattr *r = nft_rule_start(b, NFPROTO_INET, GW_NFT_DNS_TABLE, "prerouting",
					  dns ? C_DNAT : C_DNS_UNMAPPED,
					  dns ? "adding a DNS redirect to " DNS_WHAT
					      : "adding a DNS drop to " DNS_WHAT);

	nft_match_ifname_prefix(b, NFT_META_IIFNAME, GW_DOWNSTREAM);
	nft_match_daddr(b, nfproto, vdns);
	nft_match_l4proto(b, l4proto);
	nft_match_th_dport(b, 53);
	if (dns) {
		nft_expr_immediate(b, NFT_REG_1, dns, nfproto == NFPROTO_IPV4 ? 4 : 16);
		nft_expr_nat(b, NFT_NAT_DNAT, nfproto, NFT_REG_1, 0);
	} else {
		nft_expr_counter(b);
		nft_expr_verdict(b, NF_DROP, NULL);
	}
	nft_rule_end(b, r);
}

/* Where virtual DNS address i of a family goes: VPN server i, or the only
 * one there is, or nowhere (NULL: dropped). */
static const void *dns_for(const struct gw_tunnel *t, int v6, unsigned i)
{
	unsigned n = v6 ? t->ndns6 : t->ndns4;

	if (!n)
		return NULL;
	if (i >= n)
		i = 0;
	return v6 ? (const void *)&t->dns6[i] : (const void *)&t->dns4[i];
}

const void *gw_vdns_at(const struct gw_tunnel *t, int v6, unsigned i)
{
	return v6 ? (const void *)&t->vdns6[i] : (const void *)&t->vdns4[i];
}

/* Virtual address i goes to VPN server i, or to the only one there is.
 * A virtual address of a family the VPN gave no server for is dropped
 * here, before Qubes' dnat-dns could send it anywhere else (into the tunnel
 * towards the NetVM's resolver, say). All nat chains of a hook run inside
 * the kernel's one NAT hook, ordered by their priorities, so only a nat
 * chain can act before Qubes' DNAT; it sees the first packet of every
 * connection, and a connection whose first packet is dropped never gets
 * past its first packet. */
static void put_dns_table(struct nl_buf *b, const struct gw_tunnel *t, const char *desc)
{
	static const struct nft_hook prerouting = {
		"nat", NF_INET_PRE_ROUTING, PRIO_DSTNAT, NF_ACCEPT };
	unsigned i;
	int v6;

	nft_table_add(b, NFPROTO_INET, GW_NFT_DNS_TABLE, "creating " DNS_WHAT);
	nft_table_del(b, NFPROTO_INET, GW_NFT_DNS_TABLE, "clearing " DNS_WHAT);
	nft_table_add_flags(b, NFPROTO_INET, GW_NFT_DNS_TABLE, 0, desc, strlen(desc) + 1,
			    "re-creating " DNS_WHAT);
	nft_chain_add(b, NFPROTO_INET, GW_NFT_DNS_TABLE, "prerouting", &prerouting,
		      "adding chain prerouting to " DNS_WHAT);
	for (v6 = 0; v6 < 2; v6++)
		for (i = 0; i < (v6 ? t->nvdns6 : t->nvdns4); i++) {
			put_dns_rule(b, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4, gw_vdns_at(t, v6, i),
				     dns_for(t, v6, i), IPPROTO_UDP);
			put_dns_rule(b, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4, gw_vdns_at(t, v6, i),
				     dns_for(t, v6, i), IPPROTO_TCP);
		}
}

/* "10.139.1.1>10.8.0.1 ... fd09:24ef:4179::a8b:1>dropped": what the DNS
 * table does, kept in its user data and shown by status. */
static void describe_dns(const struct gw_tunnel *t, char *out, size_t size)
{
	char a[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	size_t len = 0;
	unsigned i;
	int v6, af;

	out[0] = '\0';
	for (v6 = 0; v6 < 2; v6++)
		for (i = 0; i < (v6 ? t->nvdns6 : t->nvdns4); i++) {
			af = v6 ? AF_INET6 : AF_INET;
			inet_ntop(af, gw_vdns_at(t, v6, i), a, sizeof(a));
			if (dns_for(t, v6, i))
				inet_ntop(af, dns_for(t, v6, i), d, sizeof(d));
			else
				snprintf(d, sizeof(d), "dropped");
			len += (size_t)snprintf(out + len, len < size ? size - len : 0, "%s%s>%s",
						len ? " " : "", a, d);
		}
	if (len >= size && size > 4)
		memcpy(out + size - 4, "...", 4);
}

int gw_dns_sleep(void)
{
	char buf[256] __attribute__((aligned(4)));
	struct nft_table_info info;
	struct nl_buf b;
	int exists, err;

	err = gw_read_dns(&info, &exists);
	if (err < 0 || !exists || (info.flags & NFT_TABLE_F_DORMANT))
		return err;
	nl_buf_init(&b, buf, sizeof(buf));
	nft_batch_begin(&b);
	nft_table_add_flags(&b, NFPROTO_INET, GW_NFT_DNS_TABLE, NFT_TABLE_F_DORMANT, NULL, 0,
			    "disabling " DNS_WHAT);
	nft_batch_end(&b);
	err = gw_nft_commit(&b, 0, "disabling " DNS_WHAT);
	if (!err)
		gw_seen_dns(1, 1, info.udata, info.udata_len);
	return err;
}

int gw_dns_wake(const struct gw_tunnel *t)
{
	static char buf[32768] __attribute__((aligned(4)));
	struct nft_table_info info;
	char desc[NFT_TABLE_UDATA_MAX];
	struct nl_buf b;
	int exists, err, same;

	describe_dns(t, desc, sizeof(desc));
	err = gw_read_dns(&info, &exists);
	if (err < 0)
		return err;
	same = exists && info.udata_len == strlen(desc) + 1 &&
	       !memcmp(info.udata, desc, info.udata_len);
	/* Awake already, as wanted: a commit would change nothing. */
	if (same && !(info.flags & NFT_TABLE_F_DORMANT))
		return 0;
	nl_buf_init(&b, buf, sizeof(buf));
	nft_batch_begin(&b);
	if (same)
		nft_table_add_flags(&b, NFPROTO_INET, GW_NFT_DNS_TABLE, 0, NULL, 0,
				    "enabling " DNS_WHAT);
	else
		put_dns_table(&b, t, desc);
	nft_batch_end(&b);
	err = gw_nft_commit(&b, 0, "installing " DNS_WHAT);
	if (err < 0)
		return err;
	gw_seen_dns(1, 0, desc, strlen(desc) + 1);
	return !same;
}

/* ---- which servers: none on this side of the tunnel ---- */

/* Take candidate a unless it is on this side; at most GW_DNS_MAX. */
static void pick_dns(const struct gw_side *side, uint8_t family, const void *a, void *out,
		     unsigned *n)
{
	char addr[INET6_ADDRSTRLEN], dev[IF_NAMESIZE];
	size_t alen = rt_addr_len(family);
	const struct rt_route *r;
	int via_gw;

	inet_ntop(family, a, addr, sizeof(addr));
	r = gw_side_route(side, family, a, &via_gw);
	if (r && r->table == RT_TABLE_LOCAL) {
		log_warn("ignoring VPN DNS server %s: it is an address of this qube", addr);
	} else if (r) {
		if (!r->oif || !if_indextoname(r->oif, dev))
			snprintf(dev, sizeof(dev), "?");
		log_warn("ignoring VPN DNS server %s: it is on this side of the tunnel (%s %s)",
			 addr, via_gw ? "the gateway of a route via" : "routed via", dev);
	} else if (*n >= GW_DNS_MAX) {
		log_warn("ignoring VPN DNS server %s: beyond the first two %s servers", addr,
			 gw_family_name(family));
	} else {
		memcpy((uint8_t *)out + (*n)++ * alen, a, alen);
	}
}

int gw_pick_dns(struct gw_tunnel *t, const struct in_addr *c4, unsigned n4,
		const struct in6_addr *c6, unsigned n6)
{
	static struct gw_side side;
	unsigned i;
	int err = gw_read_side(&side, 1, gw_ifindex(t->dev));

	t->ndns4 = t->ndns6 = 0;
	if (err < 0)
		return err;
	for (i = 0; i < n4; i++)
		pick_dns(&side, AF_INET, &c4[i], t->dns4, &t->ndns4);
	for (i = 0; i < n6; i++)
		pick_dns(&side, AF_INET6, &c6[i], t->dns6, &t->ndns6);
	return 0;
}

