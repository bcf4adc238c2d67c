/* nl.c - netlink message buffers, one-sendmsg transactions that collect
 * every ack, and dumps. Library code: returns -errno, never prints. */
#include "nl.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

/* How long we wait for the kernel: it answers synchronously, so this only
 * bounds the impossible case and is never reached in normal operation. */
#define NL_RECV_TIMEOUT_MS 2000
/* One datagram: the kernel sizes dump skbs at up to 32 KiB. */
#define NL_RECV_BUF 32768

void nl_buf_init(struct nl_buf *b, void *data, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->data = data;
	b->cap = cap;
}

/* Room left for the current message, counted from its header. */
static size_t room(const struct nl_buf *b)
{
	return b->cap - b->len;
}

struct nlmsghdr *nl_msg_start(struct nl_buf *b, uint16_t type, uint16_t flags,
			      const char *what)
{
	if (b->err)
		return NULL;
	if (b->cur || b->nmsg >= NL_MAX_MSGS || room(b) < NLMSG_HDRLEN) {
		b->err = b->cur ? -EINVAL : -EMSGSIZE;
		return NULL;
	}
	memset(b->data + b->len, 0, NLMSG_HDRLEN);
	b->cur = mnl_nlmsg_put_header(b->data + b->len);
	b->cur->nlmsg_type = type;
	b->cur->nlmsg_flags = NLM_F_REQUEST | flags;
	b->what[b->nmsg] = what;
	return b->cur;
}

void *nl_msg_extra(struct nl_buf *b, size_t len)
{
	if (b->err || !b->cur)
		return NULL;
	if (b->cur->nlmsg_len + MNL_ALIGN(len) > room(b)) {
		b->err = -EMSGSIZE;
		return NULL;
	}
	return mnl_nlmsg_put_extra_header(b->cur, len);
}

void *nl_msg_begin(struct nl_buf *b, uint16_t type, uint16_t flags, size_t hdrlen,
		   const char *what)
{
	nl_msg_start(b, type, flags, what);
	return nl_msg_extra(b, hdrlen);
}

void nl_msg_end(struct nl_buf *b)
{
	if (b->err || !b->cur)
		return;
	b->len += NLMSG_ALIGN(b->cur->nlmsg_len);
	b->nmsg++;
	b->cur = NULL;
}

void nl_put(struct nl_buf *b, uint16_t type, size_t len, const void *data)
{
	if (b->err || !b->cur)
		return;
	if (len > UINT16_MAX - MNL_ATTR_HDRLEN ||
	    b->cur->nlmsg_len + MNL_ATTR_HDRLEN + MNL_ALIGN(len) > room(b)) {
		b->err = -EMSGSIZE;
		return;
	}
	/* libmnl leaves the alignment padding as it was: zero it, so the
	 * bytes we send are deterministic and carry no stale memory. */
	memset((char *)b->cur + b->cur->nlmsg_len, 0, MNL_ATTR_HDRLEN + MNL_ALIGN(len));
	mnl_attr_put(b->cur, type, len, data);
}

void nl_put_u8(struct nl_buf *b, uint16_t type, uint8_t v)
{
	nl_put(b, type, sizeof(v), &v);
}

void nl_put_u32(struct nl_buf *b, uint16_t type, uint32_t v)
{
	nl_put(b, type, sizeof(v), &v);
}

void nl_put_be32(struct nl_buf *b, uint16_t type, uint32_t v)
{
	nl_put_u32(b, type, htonl(v));
}

void nl_put_strz(struct nl_buf *b, uint16_t type, const char *s)
{
	nl_put(b, type, strlen(s) + 1, s);
}

void nl_nfgen_start(struct nl_buf *b, uint16_t type, uint16_t flags, uint8_t family,
		    uint16_t res_id, const char *what)
{
	struct nfgenmsg *nfg;

	nfg = nl_msg_begin(b, type, flags, sizeof(*nfg), what);
	if (!nfg)
		return;
	nfg->nfgen_family = family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(res_id);
}

struct nlattr *nl_nest_start(struct nl_buf *b, uint16_t type)
{
	struct nlattr *nest;

	if (b->err || !b->cur)
		return NULL;
	nest = mnl_attr_nest_start_check(b->cur, room(b), type);
	if (!nest)
		b->err = -EMSGSIZE;
	return nest;
}

void nl_nest_end(struct nl_buf *b, struct nlattr *nest)
{
	if (b->err || !b->cur || !nest)
		return;
	mnl_attr_nest_end(b->cur, nest);
}

int nl_open(struct nl_sock *s, int bus)
{
	struct timeval tv = {
		.tv_sec = NL_RECV_TIMEOUT_MS / 1000,
		.tv_usec = (NL_RECV_TIMEOUT_MS % 1000) * 1000L,
	};
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t len = sizeof(sa);
	int one = 1, fd, err;

	memset(s, 0, sizeof(*s));
	/* Never let a helper program inherit a netlink socket. */
	s->fd = fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, bus);
	if (fd < 0)
		return -errno;
	/* Optional kernel features: ask, but do not depend on them. Strict
	 * checking makes rtnetlink dumps honour their filters (a route dump
	 * of one table reads only that table). */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (bus == NETLINK_ROUTE)
		setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	/* Bound with port id 0: the kernel picks a unique one, read back. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		err = -errno;
		nl_close(s);
		return err;
	}
	if (len != sizeof(sa) || sa.nl_family != AF_NETLINK) {
		nl_close(s);
		return -EINVAL;
	}
	s->portid = sa.nl_pid;
	s->bus = bus;
	s->seq = (uint32_t)time(NULL);
	return 0;
}

void nl_close(struct nl_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

int nl_run_sock(int bus, struct nl_sock **out)
{
	static struct nl_sock run[3] = { { .fd = -1 }, { .fd = -1 }, { .fd = -1 } };
	struct nl_sock *s = &run[bus == NETLINK_NETFILTER ? 1 : bus == NETLINK_GENERIC ? 2 : 0];
	int err;

	if (bus != NETLINK_ROUTE && bus != NETLINK_NETFILTER && bus != NETLINK_GENERIC)
		return -EPROTONOSUPPORT;
	if (s->fd < 0 && (err = nl_open(s, bus)) < 0)
		return err;
	*out = s;
	return 0;
}

int nl_parse_ack(const struct nlmsghdr *nlh, uint32_t *seq, char *extack, size_t size)
{
	const struct nlmsgerr *e;
	const struct nlattr *a;
	size_t off;

	if (size)
		extack[0] = '\0';
	if (nlh->nlmsg_type != NLMSG_ERROR ||
	    nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*e))
		return -EBADMSG;
	e = mnl_nlmsg_get_payload(nlh);
	if (e->error > 0 || e->error < -4095)
		return -EBADMSG;
	*seq = e->msg.nlmsg_seq;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || !size)
		return e->error;

	/* The TLVs follow the echoed request, which is only its header when
	 * the kernel honoured NETLINK_CAP_ACK. */
	off = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < NLMSG_HDRLEN)
			return -EBADMSG;
		off += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
	}
	if (off > nlh->nlmsg_len - NLMSG_HDRLEN)
		return -EBADMSG;
	mnl_attr_for_each(a, nlh, off) {
		if (mnl_attr_get_type(a) != NLMSGERR_ATTR_MSG ||
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
			continue;
		snprintf(extack, size, "%s", mnl_attr_get_str(a));
		break;
	}
	return e->error;
}

int nl_msg_ok(const struct nlmsghdr *nlh, int len)
{
	/* The aligned length must fit too: attribute walkers (libmnl's
	 * mnl_attr_parse) read up to the aligned end of a message. The
	 * kernel always pads its messages, so this refuses nothing real. */
	return len >= (int)NLMSG_HDRLEN && nlh->nlmsg_len >= NLMSG_HDRLEN &&
	       nlh->nlmsg_len <= (unsigned)len &&
	       NLMSG_ALIGN(nlh->nlmsg_len) <= (unsigned)len;
}

const struct nlmsghdr *nl_msg_next(const struct nlmsghdr *nlh, int *len)
{
	/* nl_msg_ok() held, so the aligned length is at most len and at
	 * least NLMSG_HDRLEN: the walk always advances and ends. */
	*len -= (int)NLMSG_ALIGN(nlh->nlmsg_len);
	return (const struct nlmsghdr *)((const char *)nlh + NLMSG_ALIGN(nlh->nlmsg_len));
}

static int is_ok_error(int err, int ok)
{
	if ((ok & NL_OK_EXIST) && err == -EEXIST)
		return 1;
	if ((ok & NL_OK_MISSING) && (err == -ENOENT || err == -ESRCH))
		return 1;
	return 0;
}

static void result_set(struct nl_result *res, const struct nl_buf *b, int err,
		       int index, const char *extack)
{
	res->err = err;
	res->index = index;
	res->what = (index >= 0 && (unsigned)index < b->nmsg) ? b->what[index] : NULL;
	snprintf(res->extack, sizeof(res->extack), "%s", extack ? extack : "");
}

/* Sequence numbers, and the number of acks to wait for. On rtnetlink,
 * which handles each message of a datagram in turn and always answers an
 * error, only the last message asks for an ack: the others are answered
 * only when they fail, so the exchange costs one receive, not one per
 * message (ack_last). */
static unsigned number_messages(struct nl_sock *s, struct nl_buf *b, int ack_last)
{
	struct nlmsghdr *nlh;
	size_t off = 0;
	unsigned i = 0, acks = 0;

	b->seq0 = s->seq;
	while (off < b->len) {
		nlh = (struct nlmsghdr *)(b->data + off);
		nlh->nlmsg_seq = b->seq0 + i++;
		off += NLMSG_ALIGN(nlh->nlmsg_len);
		if (ack_last)
			nlh->nlmsg_flags = (uint16_t)((nlh->nlmsg_flags & ~NLM_F_ACK) |
						      (off >= b->len ? NLM_F_ACK : 0));
		if (nlh->nlmsg_flags & NLM_F_ACK)
			acks++;
	}
	s->seq += i;
	return acks;
}

static int send_buf(struct nl_sock *s, struct nl_buf *b, struct nl_result *res)
{
	static const struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	if (b->err || b->cur || b->nmsg == 0) {
		result_set(res, b, b->err ? b->err : -EINVAL, -1, NULL);
		return res->err;
	}
	if (sendto(s->fd, b->data, b->len, 0, (const struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0) {
		result_set(res, b, -errno, -1, NULL);
		return res->err;
	}
	return 0;
}

/* Receive one datagram; with dontwait, -EAGAIN means nothing is queued. */
static ssize_t recv_datagram(struct nl_sock *s, char *buf, size_t size, int dontwait)
{
	ssize_t n;

	do
		n = recv(s->fd, buf, size,
			 MSG_TRUNC | (dontwait ? MSG_DONTWAIT : 0));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return (errno == EAGAIN && !dontwait) ? -ETIMEDOUT : -errno;
	if ((size_t)n > size)
		return -EMSGSIZE;
	return n;
}

int nl_transact(struct nl_sock *s, struct nl_buf *b, int ok, struct nl_result *res)
{
	static char buf[NL_RECV_BUF] __attribute__((aligned(4)));
	char extack[NL_EXTACK_MAX];
	int ack_last = s->bus == NETLINK_ROUTE, failed = 0, last = 0, err, len;
	unsigned expected, acked = 0;
	const struct nlmsghdr *nlh;
	uint32_t seq;
	ssize_t n;

	result_set(res, b, 0, -1, NULL);
	expected = number_messages(s, b, ack_last);
	if (send_buf(s, b, res) < 0)
		return res->err;

	/* The kernel handles our messages inside sendmsg(), so every ack is
	 * already queued. After an error nf_tables may skip the acks of an
	 * aborted batch: then we drain what is there instead of waiting. With
	 * ack_last, the last message's answer ends the exchange. */
	while (ack_last ? !last : acked < expected) {
		n = recv_datagram(s, buf, sizeof(buf), failed);
		if (n == -EAGAIN && failed)
			break;
		if (n < 0) {
			if (!failed)
				result_set(res, b, (int)n, -1, NULL);
			return res->err;
		}
		len = (int)n;
		for (nlh = (const struct nlmsghdr *)buf; nl_msg_ok(nlh, len);
		     nlh = nl_msg_next(nlh, &len)) {
			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			err = nl_parse_ack(nlh, &seq, extack, sizeof(extack));
			if (err == -EBADMSG || seq - b->seq0 >= b->nmsg)
				continue;   /* not a reply to this transaction */
			acked++;
			last |= seq - b->seq0 == b->nmsg - 1;
			if (err == 0 || is_ok_error(err, ok) || failed)
				continue;
			failed = 1;
			result_set(res, b, err, (int)(seq - b->seq0), extack);
		}
	}
	return res->err;
}

int nl_dump(struct nl_sock *s, struct nl_buf *b, nl_dump_cb cb, void *data,
	    struct nl_result *res)
{
	static char buf[NL_RECV_BUF] __attribute__((aligned(4)));
	char extack[NL_EXTACK_MAX];
	const struct nlmsghdr *nlh;
	int err, cb_err = 0, len, single;
	uint32_t seq;
	ssize_t n;

	result_set(res, b, 0, -1, NULL);
	number_messages(s, b, 0);
	if (b->nmsg != 1) {
		result_set(res, b, -EINVAL, -1, NULL);
		return res->err;
	}
	/* Neither a dump nor acknowledged: one reply (or an error) ends it. */
	single = !(((const struct nlmsghdr *)b->data)->nlmsg_flags & (NLM_F_DUMP | NLM_F_ACK));
	if (send_buf(s, b, res) < 0)
		return res->err;

	for (;;) {
		n = recv_datagram(s, buf, sizeof(buf), 0);
		if (n < 0) {
			result_set(res, b, (int)n, 0, NULL);
			return res->err;
		}
		len = (int)n;
		for (nlh = (const struct nlmsghdr *)buf; nl_msg_ok(nlh, len);
		     nlh = nl_msg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != b->seq0 || nlh->nlmsg_pid != s->portid)
				continue;
			if (nlh->nlmsg_type == NLMSG_DONE) {
				err = 0;
				if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(int))
					memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(int));
				if (err > 0 || err < -4095)
					err = -EBADMSG;
				/* A dump whose object list changed under it is
				 * a torn view: the caller must not act on it. */
				if (!err && (nlh->nlmsg_flags & NLM_F_DUMP_INTR))
					err = -EINTR;
				result_set(res, b, cb_err ? cb_err : err, 0, NULL);
				return res->err;
			}
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				err = nl_parse_ack(nlh, &seq, extack, sizeof(extack));
				result_set(res, b, cb_err ? cb_err : err, 0, extack);
				return res->err;
			}
			/* After our parser refused a reply we still read up
			 * to the end of the dump, so the socket stays usable. */
			if (!cb_err)
				cb_err = cb(nlh, data);
			if (single) {
				result_set(res, b, cb_err, 0, NULL);
				return res->err;
			}
		}
	}
}

static int attrs_cb(const struct nlattr *a, void *data)
{
	struct nl_attrs *at = data;
	uint16_t type = mnl_attr_get_type(a);

	if (type <= at->max)
		at->tb[type] = a;
	return MNL_CB_OK;
}

static int attrs_init(uint16_t max, struct nl_attrs *at)
{
	memset(at, 0, sizeof(*at));
	at->max = max;
	return max <= NL_ATTRS_MAX ? 0 : -EINVAL;
}

int nl_attrs_parse(const struct nlmsghdr *nlh, size_t hdrlen, uint16_t max,
		   struct nl_attrs *at)
{
	int err = attrs_init(max, at);

	if (err < 0)
		return err;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + NLMSG_ALIGN(hdrlen) ||
	    mnl_attr_parse(nlh, (unsigned)hdrlen, attrs_cb, at) < 0)
		return -EBADMSG;
	return 0;
}

int nl_attrs_parse_nested(const struct nlattr *a, uint16_t max, struct nl_attrs *at)
{
	int err = attrs_init(max, at);

	if (err < 0)
		return err;
	if (!a || mnl_attr_parse_nested(a, attrs_cb, at) < 0)
		return -EBADMSG;
	return 0;
}

int nl_get_addr(const struct nlattr *a, size_t alen, uint8_t *out)
{
	if (!a)
		return -ENOENT;
	if (mnl_attr_get_payload_len(a) != alen)
		return -EBADMSG;
	memcpy(out, mnl_attr_get_payload(a), alen);
	return 0;
}
