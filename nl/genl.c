/* genl.c - generic netlink requests and the controller's family lookup. */
#include "genl.h"

#include <errno.h>
#include <string.h>
#include <linux/genetlink.h>
#include <libmnl/libmnl.h>

void genl_msg_start(struct nl_buf *b, uint16_t family, uint8_t cmd, uint8_t version,
		    uint16_t flags, const char *what)
{
	struct genlmsghdr *g;

	g = nl_msg_begin(b, family, NLM_F_ACK | flags, sizeof(*g), what);
	if (!g)
		return;
	g->cmd = cmd;
	g->version = version;
}

void genl_getfamily_msg(struct nl_buf *b, const char *name)
{
	genl_msg_start(b, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0, "looking up a generic netlink family");
	nl_put_strz(b, CTRL_ATTR_FAMILY_NAME, name);
	nl_msg_end(b);
}

int genl_parse_family_id(const struct nlmsghdr *nlh, uint16_t *id)
{
	struct nl_attrs at;

	if (nlh->nlmsg_type != GENL_ID_CTRL)
		return -ENOENT;
	if (nl_attrs_parse(nlh, sizeof(struct genlmsghdr), CTRL_ATTR_FAMILY_NAME, &at) < 0 ||
	    !at.tb[CTRL_ATTR_FAMILY_ID] ||
	    mnl_attr_validate(at.tb[CTRL_ATTR_FAMILY_ID], MNL_TYPE_U16) < 0)
		return -EBADMSG;
	*id = mnl_attr_get_u16(at.tb[CTRL_ATTR_FAMILY_ID]);
	return *id ? 0 : -EBADMSG;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	int err = genl_parse_family_id(nlh, data);

	return err == -ENOENT ? 0 : err;
}

int genl_family_id(struct nl_sock *s, const char *name, uint16_t *id, struct nl_result *res)
{
	char buf[64] __attribute__((aligned(4)));
	struct nl_buf b;
	int err;

	*id = 0;
	nl_buf_init(&b, buf, sizeof(buf));
	genl_getfamily_msg(&b, name);
	err = nl_dump(s, &b, family_cb, id, res);
	return err ? err : *id ? 0 : -ENOENT;
}
