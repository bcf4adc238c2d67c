/* resolver.c - host names resolved as this qube's resolver would, by a
 * DNS stub of our own: the files first, then queries over UDP whose every
 * reply is treated as hostile input. See resolver.h. */
#define _GNU_SOURCE   /* secure_getenv */
#include "resolver.h"
#include "clock.h"
#include "ovpnenv.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/random.h>
#include <sys/socket.h>

#define DNS_HDR 12
#define DNS_CLASS_IN 1
#define LINE_MAX_BYTES 1024     /* longer lines of the two files are skipped */

static const char *env_path(const char *env, const char *path)
{
	const char *p = secure_getenv(env);    /* none in secure-execution mode */

	return p && p[0] == '/' ? p : path;
}

const char *dns_resolv_conf_path(void)
{
	return env_path(DNS_RESOLV_ENV, "/etc/resolv.conf");
}

const char *dns_hosts_path(void)
{
	return env_path(DNS_HOSTS_ENV, "/etc/hosts");
}

/* ---- the pure parts ---- */

static int lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch + 32 : ch;
}

int dns_valid_name(const char *s)
{
	size_t i, label = 0, digits = 0;

	if (strnlen(s, DNS_NAME_MAX + 1) > DNS_NAME_MAX)
		return 0;
	for (i = 0;; i++) {
		int ch = (unsigned char)s[i];

		if (!ch || ch == '.') {
			if (!label || s[i - 1] == '-')
				return 0;
			if (!ch)
				return digits < label;
			label = digits = 0;
			continue;
		}
		if (++label > 63 || (ch == '-' && label == 1))
			return 0;
		if (ch >= '0' && ch <= '9')
			digits++;
		else if (ch != '-' && (lower(ch) < 'a' || lower(ch) > 'z'))
			return 0;
	}
}

int dns_query_build(uint8_t *q, size_t size, uint16_t id, const char *name, uint16_t qtype)
{
	size_t pos = DNS_HDR, n;

	if (!dns_valid_name(name))
		return -EINVAL;
	if (size < DNS_HDR + strlen(name) + 2 + 4)
		return -EMSGSIZE;
	memset(q, 0, DNS_HDR);
	q[0] = (uint8_t)(id >> 8);
	q[1] = (uint8_t)id;
	q[2] = 0x01;                  /* RD */
	q[5] = 1;                     /* QDCOUNT */
	for (;;) {
		n = strcspn(name, ".");
		q[pos++] = (uint8_t)n;
		memcpy(q + pos, name, n);
		pos += n;
		if (!name[n])
			break;
		name += n + 1;
	}
	q[pos++] = 0;
	q[pos++] = 0;
	q[pos++] = (uint8_t)qtype;
	q[pos++] = 0;
	q[pos++] = DNS_CLASS_IN;
	return (int)pos;
}

static unsigned get16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* The name at *pos, uncompressed and lower-cased into out: out[0] its
 * wire length (at most 255), then its labels with their length bytes, the
 * root's 0 last. *pos moves past the name as it stands in the message.
 * A pointer must point into the message after the header and below where
 * the previous part of the name began: strictly backwards, so no loop. */
static int get_name(const uint8_t *m, size_t len, size_t *pos, uint8_t out[256])
{
	size_t p = *pos, lim = p, n = 0, i, to;
	int jumped = 0;

	for (;;) {
		if (p >= len)
			return -EBADMSG;
		if ((m[p] & 0xc0) == 0xc0) {
			if (p + 1 >= len)
				return -EBADMSG;
			to = (size_t)(m[p] & 0x3f) << 8 | m[p + 1];
			if (!jumped)
				*pos = p + 2;
			jumped = 1;
			if (to < DNS_HDR || to >= lim)
				return -EBADMSG;
			p = lim = to;
			continue;
		}
		/* 0x40 and 0x80: label types nobody uses, refused */
		if ((m[p] & 0xc0) || n + 1 + m[p] > 255 || len - p < 1u + m[p])
			return -EBADMSG;
		for (i = 0; i <= m[p]; i++)
			out[1 + n + i] = (uint8_t)lower(m[p + i]);
		n += 1u + m[p];
		if (!m[p]) {
			p++;
			break;
		}
		p += 1u + m[p];
	}
	if (!jumped)
		*pos = p;
	out[0] = (uint8_t)n;
	return 0;
}

static int same_name(const uint8_t *a, const uint8_t *b)
{
	return !memcmp(a, b, 1u + a[0]);
}

struct dns_rr {
	unsigned type, cls, rdlen;
	size_t rdata;
};

/* The record at *pos: its owner name, fields and rdata, inside the message. */
static int get_rr(const uint8_t *m, size_t len, size_t *pos, uint8_t owner[256], struct dns_rr *rr)
{
	if (get_name(m, len, pos, owner) < 0 || len - *pos < 10)
		return -EBADMSG;
	rr->type = get16(m + *pos);
	rr->cls = get16(m + *pos + 2);
	rr->rdlen = get16(m + *pos + 8);
	rr->rdata = *pos + 10;
	if (len - rr->rdata < rr->rdlen)
		return -EBADMSG;
	*pos = rr->rdata + rr->rdlen;
	return 0;
}

/* An address a peer can be reached at: not "this network", unspecified,
 * multicast, 240.0.0.0/4 (broadcast included). Loopback is usable (a local
 * proxy in front of the server). */
static int usable(const struct dns_addr *a)
{
	static const uint8_t zero[16];

	if (a->family == AF_INET)
		return a->addr[0] != 0 && a->addr[0] < 224;
	return memcmp(a->addr, zero, 16) && a->addr[0] != 0xff;
}

int dns_reply_parse(const uint8_t *m, size_t len, const uint8_t *q, size_t qlen,
		    struct dns_addr *out)
{
	uint8_t want[256], name[256], target[256];
	size_t pos = DNS_HDR, qpos = DNS_HDR, t;
	unsigned an, rrs, i, hops = 0, qtype;
	struct dns_addr a = { 0, { 0 } };
	struct dns_rr rr;

	if (len < DNS_HDR || qlen < DNS_HDR || get_name(q, qlen, &qpos, want) < 0 || qlen - qpos < 4)
		return -EBADMSG;
	qtype = get16(q + qpos);
	if ((qtype != DNS_TYPE_A && qtype != DNS_TYPE_AAAA) || memcmp(m, q, 2) ||
	    !(m[2] & 0x80) || (m[2] & 0x78) || get16(m + 4) != 1 ||
	    get_name(m, len, &pos, name) < 0 || !same_name(name, want) || len - pos < 4 ||
	    memcmp(m + pos, q + qpos, 4))
		return -EBADMSG;
	pos += 4;
	if (m[2] & 0x02)
		return -EMSGSIZE;
	if ((m[3] & 0x0f) == 3)
		return -ENOENT;
	if (m[3] & 0x0f)
		return -EIO;
	an = get16(m + 6);
	rrs = an + get16(m + 8) + get16(m + 10);
	if (rrs > DNS_RR_MAX)
		return -EBADMSG;
	/* One pass: every record checked, the chain followed in the answer's
	 * order, as servers write it (a CNAME before its target's records). */
	for (i = 0; i < rrs; i++) {
		if (get_rr(m, len, &pos, name, &rr) < 0)
			return -EBADMSG;
		if (i >= an || (rr.type != DNS_TYPE_A && rr.type != DNS_TYPE_AAAA &&
				rr.type != DNS_TYPE_CNAME))
			continue;
		t = rr.rdata;
		if (rr.cls != DNS_CLASS_IN ||
		    (rr.type == DNS_TYPE_CNAME ? get_name(m, len, &t, target) < 0 ||
		     t != rr.rdata + rr.rdlen : rr.rdlen != (rr.type == DNS_TYPE_A ? 4u : 16u)))
			return -EBADMSG;
		if (a.family || !same_name(name, want))
			continue;
		if (rr.type == DNS_TYPE_CNAME) {
			if (++hops > DNS_CNAME_MAX)
				return -EBADMSG;
			memcpy(want, target, sizeof(want));
		} else if (rr.type == qtype) {
			memcpy(a.addr, m + rr.rdata, rr.rdlen);
			a.family = qtype == DNS_TYPE_A ? AF_INET : AF_INET6;
			if (!usable(&a))
				a.family = 0;
		}
	}
	if (pos != len)
		return -EBADMSG;
	if (a.family)
		*out = a;
	return a.family != 0;
}

/* ---- the files ---- */

static int literal(const char *s, struct dns_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (parse_ipv4(s, (struct in_addr *)a->addr))
		a->family = AF_INET;
	else if (parse_ipv6(s, (struct in6_addr *)a->addr))
		a->family = AF_INET6;
	return a->family;
}

/* The next blank-separated field of *s, NUL-terminated; NULL at the end. */
static char *field(char **s)
{
	char *p = *s + strspn(*s, " \t\r\v\f"), *f = p;

	if (!*p)
		return NULL;
	p += strcspn(p, " \t\r\v\f");
	if (*p)
		*p++ = '\0';
	*s = p;
	return f;
}

/* fn on each line of path, its comment ('#' or ';' on) cut off, until fn
 * returns non-zero. A line longer than LINE_MAX_BYTES is skipped whole.
 * fn's last value, or -errno from open or read. */
static int each_line(const char *path, int (*fn)(char *line, void *arg), void *arg)
{
	char chunk[256], line[LINE_MAX_BYTES + 1];
	size_t n = 0;
	ssize_t got, i;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), rc = 0;

	if (fd < 0)
		return -errno;
	do {
		got = read(fd, chunk, sizeof(chunk));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = -errno;
			break;
		}
		/* At the end of the file (got 0) the last line needs no '\n'. */
		for (i = 0; !rc && (i < got || (!got && n)); i++) {
			if (got && chunk[i] != '\n') {
				if (n < LINE_MAX_BYTES)
					line[n] = chunk[i];
				n += n <= LINE_MAX_BYTES;
				continue;
			}
			if (n < LINE_MAX_BYTES) {
				line[n] = '\0';
				line[strcspn(line, "#;")] = '\0';
				rc = fn(line, arg);
			}
			n = 0;
		}
	} while (!rc && got);
	close(fd);
	return rc;
}

struct hosts_match {
	const char *name;
	struct dns_addr v4, v6;
	int named;
};

static int hosts_line(char *line, void *arg)
{
	struct hosts_match *h = arg;
	struct dns_addr a, *slot;
	const char *f, *n;

	if (!(f = field(&line)) || !literal(f, &a))
		return 0;
	while ((f = field(&line))) {
		for (n = h->name; *n && lower(*n) == lower(*f); n++, f++)
			;
		if (*n || *f)
			continue;
		h->named = 1;
		slot = a.family == AF_INET ? &h->v4 : &h->v6;
		if (!slot->family && usable(&a))
			*slot = a;
		break;
	}
	return h->v4.family;          /* the first usable IPv4 address ends it */
}

struct ns_list {
	struct dns_addr ns[DNS_NS_MAX];
	unsigned n;
};

static int resolv_line(char *line, void *arg)
{
	struct ns_list *l = arg;
	const char *k = field(&line), *v = field(&line);

	if (k && v && !strcmp(k, "nameserver") && literal(v, &l->ns[l->n]))
		l->n++;
	return l->n == DNS_NS_MAX;
}

/* ---- the network ---- */

/* One query to one server, its answer awaited until ms have passed;
 * replies that are not the answer to it are ignored (-EBADMSG if nothing
 * else came). dns_reply_parse's result, or -ETIMEDOUT, or -errno. */
static int ask(const struct dns_addr *ns, const char *name, unsigned qtype, long ms,
	       struct dns_addr *out)
{
	uint8_t q[DNS_QUERY_MAX], r[DNS_UDP_MAX + 1];
	union {
		struct sockaddr sa;
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} sa;
	long deadline = now_ms() + ms, left;
	struct pollfd pfd;
	uint16_t id;
	ssize_t n;
	int qlen, rc = -ETIMEDOUT;

	if (getrandom(&id, sizeof(id), 0) != (ssize_t)sizeof(id))
		return -errno;
	qlen = dns_query_build(q, sizeof(q), id, name, (uint16_t)qtype);
	if (qlen < 0)
		return qlen;
	memset(&sa, 0, sizeof(sa));
	sa.sa.sa_family = ns->family;
	if (ns->family == AF_INET) {
		sa.v4.sin_port = htons(53);
		memcpy(&sa.v4.sin_addr, ns->addr, 4);
	} else {
		sa.v6.sin6_port = htons(53);
		memcpy(&sa.v6.sin6_addr, ns->addr, 16);
	}
	pfd.fd = socket(ns->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	pfd.events = POLLIN;
	if (pfd.fd < 0)
		return -errno;
	if (connect(pfd.fd, &sa.sa, ns->family == AF_INET ? sizeof(sa.v4) : sizeof(sa.v6)) < 0 ||
	    send(pfd.fd, q, (size_t)qlen, 0) != qlen) {
		rc = -errno;
		goto out;
	}
	while ((left = deadline - now_ms()) > 0) {
		n = poll(&pfd, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		n = recv(pfd.fd, r, sizeof(r), 0);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			rc = -errno;
			break;
		}
		rc = n > DNS_UDP_MAX ? -EBADMSG : dns_reply_parse(r, (size_t)n, q, (size_t)qlen, out);
		if (rc != -EBADMSG)
			break;
	}
out:
	close(pfd.fd);
	return rc;
}

/* Ask each server in turn, DNS_ROUNDS rounds, until one answers: 1 (an
 * address), 0 (NODATA) or -ENOENT (NXDOMAIN), with *via that server;
 * otherwise the most telling failure (a server's own error before a
 * timeout). */
static int ask_all(const struct ns_list *l, const char *name, unsigned qtype, long deadline,
		   struct dns_addr *out, struct dns_addr *via)
{
	unsigned round, i;
	long left;
	int rc, err = -ETIMEDOUT;

	for (round = 0; round < DNS_ROUNDS; round++)
		for (i = 0; i < l->n; i++) {
			if ((left = deadline - now_ms()) <= 0)
				return err;
			rc = ask(&l->ns[i], name, qtype, left < DNS_TRY_MS ? left : DNS_TRY_MS, out);
			if (rc >= 0 || rc == -ENOENT) {
				*via = l->ns[i];
				return rc;
			}
			if (err == -ETIMEDOUT)
				err = rc;
		}
	return err;
}

int dns_resolve(const char *name, int timeout_ms, struct dns_addr *out, struct dns_addr *via)
{
	struct hosts_match h = { name, { 0, { 0 } }, { 0, { 0 } }, 0 };
	long deadline = now_ms() + timeout_ms;
	struct ns_list l;
	int rc;

	memset(via, 0, sizeof(*via));
	if (!dns_valid_name(name))
		return -EINVAL;
	/* As glibc's "files" source: a missing or unreadable file names nothing. */
	each_line(dns_hosts_path(), hosts_line, &h);
	if (h.named) {
		*out = h.v4.family ? h.v4 : h.v6;
		return out->family ? 0 : -ENODATA;
	}
	l.n = 0;
	if (each_line(dns_resolv_conf_path(), resolv_line, &l) < 0 || !l.n)
		return -EDESTADDRREQ;
	/* IPv4 first: every Qubes uplink has it, IPv6 only with the ipv6 feature. */
	rc = ask_all(&l, name, DNS_TYPE_A, deadline, out, via);
	if (!rc)
		rc = ask_all(&l, name, DNS_TYPE_AAAA, deadline, out, via);
	return rc > 0 ? 0 : rc ? rc : -ENODATA;
}

const char *dns_strerror(int err)
{
	switch (err) {
	case -ENOENT: return "no such name (NXDOMAIN)";
	case -ENODATA: return "no usable IPv4 or IPv6 address";
	case -ETIMEDOUT: return "no nameserver answered in time";
	case -EIO: return "the nameservers answered with an error (SERVFAIL, REFUSED...)";
	case -EMSGSIZE: return "truncated answers (over 512 bytes, TCP is not tried)";
	case -EBADMSG: return "malformed answers";
	case -ECONNREFUSED: return "nothing listens on the nameservers' port 53";
	case -EDESTADDRREQ: return "no nameserver line in resolv.conf";
	case -EINVAL: return "not a host name";
	default: return strerror(-err);
	}
}
