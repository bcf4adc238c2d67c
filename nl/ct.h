/* ct.h - connection tracking entries over ctnetlink: a dump with its
 * parser, and a delete that names exactly one entry. */
#ifndef QVPN_CT_H
#define QVPN_CT_H

#include "nl.h"

#define CT_TUPLE_MAX 128   /* bytes of an original-direction tuple we keep */

/* One conntrack entry. Addresses are in network byte order in the first
 * 4 (IPv4) or 16 (IPv6) bytes. */
struct ct_entry {
	uint8_t family;           /* AF_INET, AF_INET6 */
	uint8_t orig_src[16];     /* who opened the connection */
	uint8_t orig_dst[16];     /* where it was addressed, before any DNAT */
	uint8_t reply_src[16];    /* who answers: the DNAT target, or orig_dst */
	uint32_t id;              /* CTA_ID as the kernel sent it (big-endian) */
	int has_id;
	uint16_t zone;            /* CTA_ZONE as the kernel sent it */
	int has_zone;
	uint16_t tuple_len;
	uint8_t tuple[CT_TUPLE_MAX]; /* CTA_TUPLE_ORIG's payload, as sent */
};

/* Parse one IPCTNL_MSG_CT_NEW message of a dump. 0 or -EBADMSG; -ENOENT
 * for a well-formed message that is not an IPv4/IPv6 entry. */
int ct_parse(const struct nlmsghdr *nlh, struct ct_entry *e);

/* Dump every entry of both families; cb as for rt_route_dump(). */
typedef int (*ct_cb)(const struct ct_entry *e, void *data);
int ct_dump(struct nl_sock *s, ct_cb cb, void *data, struct nl_result *res);

/* Delete one entry by its original tuple (and id and zone, so that a
 * recycled tuple is not hit). The kernel reads a delete without a tuple as
 * "flush everything": an entry without one sets b->err and adds nothing. */
void ct_delete_msg(struct nl_buf *b, const struct ct_entry *e, const char *what);

#endif
