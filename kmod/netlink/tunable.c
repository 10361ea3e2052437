// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tunables over netlink: read and written through tunable.c, exactly as
 * their /proc files are.
 */
#include <linux/kernel.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include <forwarder/netlink.h>

#include "forwarder.h"
#include "tunable.h"
#include "netlink/netlink.h"

/* ---- TUNABLE_GET, TUNABLE_SET --------------------------------------------- */

static int fwd_nl_put_tunable(struct sk_buff *skb, struct net *net, const struct fwd_tunable *t)
{
	unsigned int val = fwd_tunable_get(net, t);

	if (nla_put_string(skb, FWD_A_TUNABLE_NAME, t->name) ||
	    nla_put_u64_64bit(skb, FWD_A_TUNABLE_VALUE, val, FWD_A_PAD) ||
	    nla_put_u64_64bit(skb, FWD_A_TUNABLE_MIN, t->min, FWD_A_PAD) ||
	    nla_put_u64_64bit(skb, FWD_A_TUNABLE_MAX, t->max, FWD_A_PAD) ||
	    (t->words && nla_put_string(skb, FWD_A_TUNABLE_TEXT, fwd_tunable_word(t, val))))
		return -EMSGSIZE;
	return 0;
}

/* The tunable FWD_A_TUNABLE_NAME names, or NULL with the reason in extack. */
static const struct fwd_tunable *fwd_nl_tunable(struct genl_info *info)
{
	const struct fwd_tunable *t;

	if (GENL_REQ_ATTR_CHECK(info, FWD_A_TUNABLE_NAME)) {
		NL_SET_ERR_MSG(info->extack, "tunable name (FWD_A_TUNABLE_NAME) required");
		return ERR_PTR(-EINVAL);
	}
	t = fwd_tunable_find(nla_data(info->attrs[FWD_A_TUNABLE_NAME]));
	if (!t) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[FWD_A_TUNABLE_NAME],
				    "no tunable with this name");
		return ERR_PTR(-ENOENT);
	}
	return t;
}

int fwd_nl_tunable_get(struct sk_buff *skb, struct genl_info *info)
{
	const struct fwd_tunable *t;
	struct sk_buff *msg;
	void *hdr;

	if (fwd_nl_check_version(info->nlhdr, info->extack))
		return -EINVAL;
	t = fwd_nl_tunable(info);
	if (IS_ERR(t))
		return PTR_ERR(t);
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &fwd_genl_family, 0, FWD_CMD_TUNABLE_GET);
	if (!hdr || fwd_nl_put_tunable(msg, genl_info_net(info), t)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* Every tunable, resuming at cb->args[0]. */
int fwd_nl_tunable_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr **tb = fwd_genl_dump_attrs(cb);
	struct net *net = sock_net(skb->sk);
	const struct fwd_tunable *t;
	unsigned long i;
	void *hdr;

	if (fwd_nl_check_version(cb->nlh, cb->extack))
		return -EINVAL;
	if (tb[FWD_A_TUNABLE_NAME]) {
		NL_SET_ERR_MSG(cb->extack,
			       "a tunable dump takes no FWD_A_TUNABLE_NAME: ask for one without NLM_F_DUMP");
		return -EINVAL;
	}
	for (i = cb->args[0]; (t = fwd_tunable_at(i)); i++) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				  &fwd_genl_family, NLM_F_MULTI, FWD_CMD_TUNABLE_GET);
		if (!hdr)
			break;
		if (fwd_nl_put_tunable(skb, net, t)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	cb->args[0] = i;
	return skb->len;
}

/* The /proc file's setter (fwd_tunable_set()), with netlink's errors. */
int fwd_nl_tunable_set(struct sk_buff *skb, struct genl_info *info)
{
	const struct fwd_tunable *t;
	struct nlattr *text;
	u64 val;
	int err;

	if (fwd_nl_check_version(info->nlhdr, info->extack))
		return -EINVAL;
	t = fwd_nl_tunable(info);
	if (IS_ERR(t))
		return PTR_ERR(t);
	text = info->attrs[FWD_A_TUNABLE_TEXT];
	if (text && info->attrs[FWD_A_TUNABLE_VALUE]) {
		NL_SET_ERR_MSG_ATTR(info->extack, text,
				    "give the value as FWD_A_TUNABLE_VALUE or as TEXT, not both");
		return -EINVAL;
	}
	if (!text && GENL_REQ_ATTR_CHECK(info, FWD_A_TUNABLE_VALUE)) {
		NL_SET_ERR_MSG(info->extack, "tunable value (FWD_A_TUNABLE_VALUE) required");
		return -EINVAL;
	}
	/* Text: the word (or decimal) its /proc file takes, parsed as there. */
	if (text && fwd_tunable_parse(t, nla_data(text), &val)) {
		NL_SET_ERR_MSG_ATTR(info->extack, text,
				    "not a value of this tunable (a word of its, or a decimal)");
		return -EINVAL;
	}
	if (!text)
		val = nla_get_u64(info->attrs[FWD_A_TUNABLE_VALUE]);
	err = fwd_tunable_set(genl_info_net(info), t, val);
	if (err == -ERANGE)
		NL_SET_ERR_MSG_ATTR(info->extack, text ?: info->attrs[FWD_A_TUNABLE_VALUE],
				    "value out of range for this tunable (see FWD_A_TUNABLE_MIN, MAX)");
	return err;
}
