/* conntrack.c - deleting the conntrack entries a change of policy would
 * not have made. */
#include "gw.h"
#include "log.h"
#include "../nl/ct.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ---- connection tracking ----
 *
 * The kill switch judges packets, but the kernel keeps state per
 * connection that can outlive a change of policy: a flow offloaded to a
 * flowtable (Qubes' qubes-nat-accel) skips the forward hook altogether,
 * and a NAT binding is chosen by a connection's first packet only, so a
 * connection opened before our DNS redirect changed keeps its old target.
 * So once the new policy is in place, the entries it would not have made
 * are deleted, and the next packet of such a flow is judged afresh.
 *
 * Only forwarded connections are touched: those neither opened nor
 * answered by this qube itself (whose own traffic, OpenVPN's included, is
 * never ours to cut). */

#define FLUSH_BATCH 64           /* deletes per transaction (<= NL_MAX_MSGS) */
#define FLUSH_ROUNDS 1024        /* bound: 64k entries */

struct flush {
	struct gw_side local;           /* this qube's own addresses */
	const struct gw_tunnel *dns; /* NULL: every forwarded entry; else only
				      * those addressed to its virtual DNS */
	unsigned n, matched;
	struct ct_entry e[FLUSH_BATCH];
};

static int to_virtual_dns(const struct gw_tunnel *t, const struct ct_entry *e)
{
	int v6 = e->family == AF_INET6;
	unsigned i;

	for (i = 0; i < (v6 ? t->nvdns6 : t->nvdns4); i++)
		if (!memcmp(gw_vdns_at(t, v6, i), e->orig_dst, v6 ? 16 : 4))
			return 1;
	return 0;
}

static int flush_match(const struct ct_entry *e, void *data)
{
	struct flush *f = data;
	int via_gw;

	if (gw_side_route(&f->local, e->family, e->orig_src, &via_gw) ||
	    gw_side_route(&f->local, e->family, e->reply_src, &via_gw) ||
	    (f->dns && !to_virtual_dns(f->dns, e)))
		return 0;
	f->matched++;
	if (f->n < FLUSH_BATCH)
		f->e[f->n++] = *e;
	return 0;
}

/* The kernel refused to delete entry e: name it in the message. */
static void log_ct_error(const char *context, const struct ct_entry *e,
			 const struct nl_result *res)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], what[256];
	struct nl_result named = *res;

	inet_ntop(e->family, e->orig_src, src, sizeof(src));
	inet_ntop(e->family, e->orig_dst, dst, sizeof(dst));
	snprintf(what, sizeof(what), "%s: deleting the conntrack entry %s -> %s", context, src,
		 dst);
	named.what = NULL;
	log_nl_error(what, &named);
}

/* Entries in this namespace's conntrack table, or -1 if unknown. */
static long conntrack_count(void)
{
	char buf[24];
	long n = 0;
	ssize_t len, i;
	int fd = open("/proc/sys/net/netfilter/nf_conntrack_count", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	len = read(fd, buf, sizeof(buf));
	close(fd);
	for (i = 0; i < len && buf[i] >= '0' && buf[i] <= '9' && n < 100000000; i++)
		n = n * 10 + (buf[i] - '0');
	/* Digits, then the newline: anything else is not a count. */
	return len > 1 && i > 0 && i < len && buf[i] == '\n' ? n : -1;
}

/* Delete the conntrack entries of forwarded connections (dns: only those
 * to its virtual DNS addresses). Dump, delete what matched, and dump
 * again until nothing matches. */
int gw_flush_conntrack(const struct gw_tunnel *dns, const char *context)
{
	static struct flush f;
	static char buf[FLUSH_BATCH * (NLMSG_HDRLEN + 16 + 2 * CT_TUPLE_MAX)]
		__attribute__((aligned(4)));
	struct nl_sock *ns;
	struct nl_result res;
	unsigned round, i, deleted = 0;
	struct nl_buf b;
	int err;

	/* The kernel walks its whole conntrack hash table (shared by every
	 * namespace) to dump ours: milliseconds. Skip it when ours is empty. */
	if (conntrack_count() == 0)
		return 0;
	memset(&f, 0, sizeof(f));
	f.dns = dns;
	err = gw_read_side(&f.local, 0, 0);
	if (err < 0)
		return err;
	err = gw_sock(NETLINK_NETFILTER, &ns);
	if (err < 0)
		return err;
	for (round = 0; round < FLUSH_ROUNDS; round++) {
		f.n = f.matched = 0;
		err = ct_dump(ns, flush_match, &f, &res);
		if (err == -EINVAL || err == -EOPNOTSUPP || err == -EPROTONOSUPPORT) {
			/* No ctnetlink: then no conntrack, NAT or flowtable either. */
			log_warn("%s: no connection tracking in this kernel (%s): nothing to flush",
				 context, strerror(-err));
			return 0;
		}
		if (err < 0) {
			log_nl_error(context, &res);
			return err;
		}
		if (!f.matched)
			break;
		nl_buf_init(&b, buf, sizeof(buf));
		for (i = 0; i < f.n; i++)
			ct_delete_msg(&b, &f.e[i], "deleting a conntrack entry");
		err = nl_transact(ns, &b, NL_OK_MISSING, &res);
		if (err < 0) {
			if (res.index >= 0 && (unsigned)res.index < f.n)
				log_ct_error(context, &f.e[res.index], &res);
			else
				log_nl_error(context, &res);
			return err;
		}
		deleted += f.n;
	}
	if (round == FLUSH_ROUNDS) {
		log_err("%s: conntrack entries keep coming: gave up after deleting %u", context,
			deleted);
		return -EAGAIN;
	}
	if (deleted)
		log_info("%s: deleted %u conntrack entr%s", context, deleted,
			 deleted == 1 ? "y" : "ies");
	return 0;
}

