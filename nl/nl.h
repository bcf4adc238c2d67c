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
	uint32_t portid;
	uint32_t seq;
};

void nl_buf_init(struct nl_buf *b, void *data, size_t cap);
struct nlmsghdr *nl_msg_start(struct nl_buf *b, uint16_t type, uint16_t flags,
			      const char *what);
void *nl_msg_extra(struct nl_buf *b, size_t len);
void nl_msg_end(struct nl_buf *b);
void nl_put(struct nl_buf *b, uint16_t type, size_t len, const void *data);
void nl_put_u8(struct nl_buf *b, uint16_t type, uint8_t v);
void nl_put_u32(struct nl_buf *b, uint16_t type, uint32_t v);
void nl_put_be32(struct nl_buf *b, uint16_t type, uint32_t v);
void nl_put_strz(struct nl_buf *b, uint16_t type, const char *s);
struct nlattr *nl_nest_start(struct nl_buf *b, uint16_t type);
void nl_nest_end(struct nl_buf *b, struct nlattr *nest);

int nl_open(struct nl_sock *s, int bus);
void nl_close(struct nl_sock *s);

/* Errors a caller may declare harmless for every message of a transaction. */
#define NL_OK_EXIST   0x1   /* EEXIST: "already there" */
#define NL_OK_MISSING 0x2   /* ENOENT, ESRCH: "already gone" */

/* Send every message of b in one sendmsg() and collect every ack.
 * Sequence numbers are assigned here. Returns res->err. */
int nl_transact(struct nl_sock *s, struct nl_buf *b, int ok, struct nl_result *res);

/* Send one dump request (the only message in b) and call cb for every
 * reply message. cb returns 0 to go on, or -errno: the dump is then read
 * to its end without further calls and that error is returned. */
typedef int (*nl_dump_cb)(const struct nlmsghdr *nlh, void *data);
int nl_dump(struct nl_sock *s, struct nl_buf *b, nl_dump_cb cb, void *data,
	    struct nl_result *res);

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
