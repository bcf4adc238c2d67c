/* genl.h - generic netlink: a family's id from its name (CTRL_CMD_GETFAMILY
 * to the controller), and the header every genl request starts with. */
#ifndef QVPN_GENL_H
#define QVPN_GENL_H

#include "nl.h"

/* Start a generic netlink request of family (its id) with cmd and version:
 * the netlink header (NLM_F_REQUEST | NLM_F_ACK | flags), then struct
 * genlmsghdr. Attributes follow; nl_msg_end() finishes it. */
void genl_msg_start(struct nl_buf *b, uint16_t family, uint8_t cmd, uint8_t version,
		    uint16_t flags, const char *what);

/* The request for a family's id: CTRL_CMD_GETFAMILY with
 * CTRL_ATTR_FAMILY_NAME, to GENL_ID_CTRL. */
void genl_getfamily_msg(struct nl_buf *b, const char *name);

/* The controller's answer: CTRL_ATTR_FAMILY_ID. 0, -ENOENT for another
 * message, -EBADMSG when malformed. */
int genl_parse_family_id(const struct nlmsghdr *nlh, uint16_t *id);

/* Ask the kernel: 0 and *id, or -errno (-ENOENT: no such family, e.g.
 * the module is not loaded). */
int genl_family_id(struct nl_sock *s, const char *name, uint16_t *id, struct nl_result *res);

#endif
