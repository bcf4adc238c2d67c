/* nl.h - netlink message buffers and transactions on top of libmnl.
 * Knows nothing about Qubes or OpenVPN; every function returns 0 or -errno. */
#ifndef QVPN_NL_H
#define QVPN_NL_H

#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

struct mnl_socket;

#define NL_MAX_MSGS 128    /* messages in one transaction (batch) */
#define NL_EXTACK_MAX 160  /* bytes kept of the kernel's extended-ack text */

/* A buffer of one or more netlink messages sent with a single sendmsg().
 * Builders never check for room: the first put that does not fit sets
 * err = -EMSGSIZE and every later put is ignored; nl_transact() refuses a
 * buffer with err set. So a builder reads like the protocol. */
struct nl_buf {
	char *data;
	size_t cap;
	size_t len;               /* bytes of finished messages */
	struct nlmsghdr *cur;     /* message being built, at data + len */
	int err;
	unsigned nmsg;
	uint32_t seq0;            /* sequence number of message 0 */
	const char *what[NL_MAX_MSGS]; /* per message: what it does, for errors */
};

/* Outcome of a transaction: the first error the kernel reported, which
 * request caused it, and the kernel's own words when it gave any. */
struct nl_result {
	int err;                  /* 0 or -errno */
	int index;                /* failing message (index into what[]), -1 if none */
	const char *what;         /* its description, NULL if none */
	char extack[NL_EXTACK_MAX];
};

/* An open netlink socket: fd is -1 when closed. Plain socket calls, not
 * libmnl's mnl_socket (which allocates, and would link musl's whole
 * malloc into the static binary for nothing). */
struct nl_sock {
	int fd;
	int bus;
	uint32_t portid;
	uint32_t seq;
};

void nl_buf_init(struct nl_buf *b, void *data, size_t cap);
struct nlmsghdr *nl_msg_start(struct nl_buf *b, uint16_t type, uint16_t flags,
			      const char *what);
void *nl_msg_extra(struct nl_buf *b, size_t len);
/* nl_msg_start, then a zeroed fixed header of hdrlen bytes (rtmsg,
 * nfgenmsg, ...), which it returns; NULL when b is full (latched in b). */
void *nl_msg_begin(struct nl_buf *b, uint16_t type, uint16_t flags, size_t hdrlen,
		   const char *what);
void nl_msg_end(struct nl_buf *b);
void nl_put(struct nl_buf *b, uint16_t type, size_t len, const void *data);
void nl_put_u8(struct nl_buf *b, uint16_t type, uint8_t v);
void nl_put_u32(struct nl_buf *b, uint16_t type, uint32_t v);
void nl_put_be32(struct nl_buf *b, uint16_t type, uint32_t v);
void nl_put_strz(struct nl_buf *b, uint16_t type, const char *s);
/* An nfnetlink message: the header, then struct nfgenmsg (family,
 * version 0, res_id given in host order). */
void nl_nfgen_start(struct nl_buf *b, uint16_t type, uint16_t flags, uint8_t family,
		    uint16_t res_id, const char *what);
struct nlattr *nl_nest_start(struct nl_buf *b, uint16_t type);
void nl_nest_end(struct nl_buf *b, struct nlattr *nest);

int nl_open(struct nl_sock *s, int bus);
void nl_close(struct nl_sock *s);
/* The run's one socket of bus (NETLINK_ROUTE, NETLINK_NETFILTER,
 * NETLINK_GENERIC), opened on first use and shared by every caller. Never
 * closed here: the kernel closes it when the process exits (atexit()
 * would link musl's whole malloc into the static binary). 0 or -errno. */
int nl_run_sock(int bus, struct nl_sock **out);

/* Errors a caller may declare harmless for every message of a transaction. */
#define NL_OK_EXIST   0x1   /* EEXIST: "already there" */
#define NL_OK_MISSING 0x2   /* ENOENT, ESRCH: "already gone" */

/* Send every message of b in one sendmsg() and collect every ack.
 * Sequence numbers are assigned here. Returns res->err. */
int nl_transact(struct nl_sock *s, struct nl_buf *b, int ok, struct nl_result *res);

/* Send one dump request (the only message in b) and call cb for every
 * reply message; a request with neither NLM_F_DUMP nor NLM_F_ACK ends at
 * its one reply. cb returns 0 to go on, or -errno: the dump is then read
 * to its end without further calls and that error is returned. */
typedef int (*nl_dump_cb)(const struct nlmsghdr *nlh, void *data);
int nl_dump(struct nl_sock *s, struct nl_buf *b, nl_dump_cb cb, void *data,
	    struct nl_result *res);

/* ---- reading replies ----
 * The attributes of one level, by type, filled by nl_attrs_parse: the
 * last of each type wins, types above max are ignored (newer kernels add
 * some). max may be at most NL_ATTRS_MAX. */
#define NL_ATTRS_MAX 48
struct nl_attrs {
	uint16_t max;
	const struct nlattr *tb[NL_ATTRS_MAX + 1];
};
/* The attributes of nlh after its fixed header of hdrlen bytes. 0, or
 * -EBADMSG when they do not parse. */
int nl_attrs_parse(const struct nlmsghdr *nlh, size_t hdrlen, uint16_t max,
		   struct nl_attrs *at);
/* The attributes nested in a; a missing (NULL) a is -EBADMSG too. */
int nl_attrs_parse_nested(const struct nlattr *a, uint16_t max, struct nl_attrs *at);
/* Copy an address attribute of exactly alen bytes to out. -ENOENT when a
 * is NULL (the caller decides whether that is an error), -EBADMSG when
 * its size is not alen. */
int nl_get_addr(const struct nlattr *a, size_t alen, uint8_t *out);

/* A dump callback for nl_dump that parses each reply into a TYPE with
 * PARSE (which returns -ENOENT for messages that describe no TYPE: they
 * are skipped) and hands it to a typed callback, kept with its data in a
 * struct NAME_ctx { CB_TYPE cb; void *data; }. */
#define NL_DUMP_ADAPTER(name, type, parse, cb_type)                          \
	struct name##_ctx {                                                  \
		cb_type cb;                                                  \
		void *data;                                                  \
	};                                                                   \
	static int name(const struct nlmsghdr *nlh, void *data)              \
	{                                                                    \
		struct name##_ctx *ctx = data;                               \
		type obj;                                                    \
		int err = parse(nlh, &obj);                                  \
                                                                             \
		if (err == -ENOENT)                                          \
			return 0;                                            \
		return err < 0 ? err : ctx->cb(&obj, ctx->data);             \
	}

/* Walk the messages of a datagram. Used instead of libmnl's
 * mnl_nlmsg_ok(), which (libmnl 1.0.4) compares nlmsg_len as a signed int
 * and so accepts 0xffffffff, after which mnl_nlmsg_next() never advances:
 * an endless loop on one malformed reply; and it lets a message's aligned
 * end lie past the buffer, where attribute parsing then reads (both found
 * by tests/fuzz/nlreply). */
int nl_msg_ok(const struct nlmsghdr *nlh, int len);
const struct nlmsghdr *nl_msg_next(const struct nlmsghdr *nlh, int *len);

/* Parse an NLMSG_ERROR message; exposed for tests and fuzzing.
 * Returns the error (0 for an ack), or -EBADMSG if malformed; copies the
 * extended-ack text, if any, to extack (always NUL-terminated). */
int nl_parse_ack(const struct nlmsghdr *nlh, uint32_t *seq, char *extack, size_t size);

#endif
