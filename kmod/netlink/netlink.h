/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The generic netlink family's internals: family.c holds the family and its
 * operations, the other files of kmod/netlink/ the handlers.
 */
#ifndef _FWD_NETLINK_NETLINK_H
#define _FWD_NETLINK_NETLINK_H

#include <linux/stringify.h>
#include <net/genetlink.h>
#include <forwarder/netlink.h>

struct fwd_session;
struct fwd_event_sink;

enum {
	FWD_NL_GRP_EVENTS,
};

extern struct genl_family fwd_genl_family;

/*
 * The genl header's version: 1 up to ours. A client built for a later
 * version of the family is told so rather than misunderstood.
 */
static inline int fwd_nl_check_version(const struct nlmsghdr *nlh, struct netlink_ext_ack *extack)
{
	const struct genlmsghdr *g = nlmsg_data(nlh);

	if (g->version >= 1 && g->version <= FWD_GENL_VERSION)
		return 0;
	NL_SET_ERR_MSG(extack, "unsupported genl header version (this module speaks 1 to "
		       __stringify(FWD_GENL_VERSION) ")");
	return -EINVAL;
}

/*
 * A doit's start: the header's version, then the object's id attribute
 * @attr, which must be there (the literal @missing says so in the extended
 * ack). 0 or -EINVAL.
 */
#define fwd_nl_need_id(info, attr, missing) ({				\
	/* Not __info: GENL_REQ_ATTR_CHECK() declares its own. */	\
	struct genl_info *fwd_info_ = (info);				\
	int fwd_err_ = fwd_nl_check_version(fwd_info_->nlhdr, fwd_info_->extack); \
									\
	if (!fwd_err_ && GENL_REQ_ATTR_CHECK(fwd_info_, attr)) {	\
		NL_SET_ERR_MSG(fwd_info_->extack, missing);		\
		fwd_err_ = -EINVAL;					\
	}								\
	fwd_err_;							\
})

/* session.c */
int fwd_nl_put_session(struct sk_buff *skb, const struct fwd_session *s, unsigned long now);
int fwd_nl_session_get(struct sk_buff *skb, struct genl_info *info);
int fwd_nl_dump_start(struct netlink_callback *cb);
int fwd_nl_session_dump(struct sk_buff *skb, struct netlink_callback *cb);
int fwd_nl_dump_done(struct netlink_callback *cb);
int fwd_nl_session_del(struct sk_buff *skb, struct genl_info *info);
int fwd_nl_session_flush(struct sk_buff *skb, struct genl_info *info);
int fwd_nl_stats_get(struct sk_buff *skb, struct genl_info *info);

/* tunable.c */
int fwd_nl_tunable_get(struct sk_buff *skb, struct genl_info *info);
int fwd_nl_tunable_dump(struct sk_buff *skb, struct netlink_callback *cb);
int fwd_nl_tunable_set(struct sk_buff *skb, struct genl_info *info);

/* splice.c */
int fwd_nl_splice_get(struct sk_buff *skb, struct genl_info *info);
int fwd_nl_splice_dump(struct sk_buff *skb, struct netlink_callback *cb);
int fwd_nl_splice_del(struct sk_buff *skb, struct genl_info *info);

/* group.c */
int fwd_nl_group_get(struct sk_buff *skb, struct genl_info *info);
int fwd_nl_group_dump(struct sk_buff *skb, struct netlink_callback *cb);
int fwd_nl_group_new(struct sk_buff *skb, struct genl_info *info);
int fwd_nl_group_set(struct sk_buff *skb, struct genl_info *info);
int fwd_nl_group_del(struct sk_buff *skb, struct genl_info *info);
int fwd_nl_bind_dump(struct sk_buff *skb, struct netlink_callback *cb);
int fwd_nl_bind_new(struct sk_buff *skb, struct genl_info *info);
int fwd_nl_bind_del(struct sk_buff *skb, struct genl_info *info);

/* events.c */
extern struct fwd_event_sink fwd_nl_sink;

#endif /* _FWD_NETLINK_NETLINK_H */
