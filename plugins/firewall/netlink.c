// SPDX-License-Identifier: GPL-2.0-only
/*
 * The "fwd_firewall" generic netlink family (include/forwarder/firewall_netlink.h,
 * Documentation/netlink/specs/fwd_firewall.yaml): the firewall's rule table
 * and counters in the caller's namespace, typed. A rule to add becomes a
 * struct fw_rule and goes through fw_rule_add(), as a /proc write does: the
 * same checks, whose refusal names the attribute at fault in the extended
 * ack. The family is registered by the module's init (firewall.c).
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/stringify.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "firewall.h"

/* Each command takes only its own attributes (strict validation). */
static const struct nla_policy fw_nl_noattr_policy[FWD_FW_A_MAX + 1] = {
};

static const struct nla_policy fw_nl_rule_add_policy[FWD_FW_A_MAX + 1] = {
	[FWD_FW_A_ACTION]	= { .type = NLA_U8 },
	[FWD_FW_A_GROUP]	= { .type = NLA_U8 },
	[FWD_FW_A_DIR]		= { .type = NLA_U8 },
	[FWD_FW_A_PROTO]	= { .type = NLA_U8 },
	[FWD_FW_A_SRC_ADDR]	= { .type = NLA_BINARY, .len = sizeof(struct in6_addr) },
	[FWD_FW_A_SRC_PREFIX_LEN] = { .type = NLA_U8 },
	[FWD_FW_A_DST_ADDR]	= { .type = NLA_BINARY, .len = sizeof(struct in6_addr) },
	[FWD_FW_A_DST_PREFIX_LEN] = { .type = NLA_U8 },
	[FWD_FW_A_SPORT]	= { .type = NLA_BE16 },
	[FWD_FW_A_DPORT]	= { .type = NLA_BE16 },
	[FWD_FW_A_CLASS]	= { .type = NLA_NUL_STRING, .len = FWD_FW_CLASS_NAME_MAX - 1 },
};

/* The genl header's version: 1 up to ours. */
static int fw_nl_check_version(const struct nlmsghdr *nlh, struct netlink_ext_ack *extack)
{
	const struct genlmsghdr *g = nlmsg_data(nlh);

	if (g->version >= 1 && g->version <= FWD_FW_GENL_VERSION)
		return 0;
	NL_SET_ERR_MSG(extack, "unsupported genl header version (this module speaks 1 to "
		       __stringify(FWD_FW_GENL_VERSION) ")");
	return -EINVAL;
}

/*
 * A refusal into the extended ack: its message (a string of this module,
 * which NL_SET_ERR_MSG() would want literal) and its attribute, blamed
 * when the request has it, named as missing when not.
 */
static void fw_nl_refuse(struct genl_info *info, const struct fw_refusal *why)
{
	struct netlink_ext_ack *extack = info->extack;

	if (!extack || !why->msg)
		return;
	extack->_msg = why->msg;
	if (why->attr && info->attrs[why->attr])
		NL_SET_BAD_ATTR(extack, info->attrs[why->attr]);
	else if (why->attr)
		NL_SET_ERR_ATTR_MISS(extack, NULL, why->attr);
}

/* Address @i of @r from its attributes; a length without an address is refused. */
static int fw_nl_addr(struct genl_info *info, int addr, int plen, struct fw_rule *r, int i,
		      struct fw_refusal *why)
{
	const struct nlattr *a = info->attrs[addr], *p = info->attrs[plen];

	if (!a) {
		if (!p)
			return 0;
		why->msg = "a prefix length needs its address";
		why->attr = plen;
		return -EINVAL;
	}
	if (nla_len(a) != sizeof(r->addr[i].ip) && nla_len(a) != sizeof(r->addr[i].in6)) {
		why->msg = "an address is IPv4 (4 bytes) or IPv6 (16)";
		why->attr = addr;
		return -EINVAL;
	}
	r->family[i] = nla_len(a) == sizeof(r->addr[i].ip) ? AF_INET : AF_INET6;
	memcpy(&r->addr[i], nla_data(a), nla_len(a));
	r->plen[i] = p ? nla_get_u8(p) : r->family[i] == AF_INET ? 32 : 128;
	r->match |= i ? FW_M_DST : FW_M_SRC;
	return 0;
}

/* ---- RULE_ADD, RULE_FLUSH --------------------------------------------------- */

static int fw_nl_rule_add(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	struct fw_refusal why = {};
	struct fw_rule r = {};
	int err;

	if (fw_nl_check_version(info->nlhdr, info->extack))
		return -EINVAL;
	if (GENL_REQ_ATTR_CHECK(info, FWD_FW_A_ACTION)) {
		NL_SET_ERR_MSG(info->extack, "a rule needs an action (accept, intercept, rate-limit)");
		return -EINVAL;
	}
	r.action = nla_get_u8(tb[FWD_FW_A_ACTION]);
	if (tb[FWD_FW_A_GROUP])
		r.group = nla_get_u8(tb[FWD_FW_A_GROUP]);
	if (tb[FWD_FW_A_DIR]) {
		r.dirs = nla_get_u8(tb[FWD_FW_A_DIR]);
		if (!r.dirs) {
			why.msg = "dir is orig (1), reply (2) or both (3)";
			why.attr = FWD_FW_A_DIR;
			err = -EINVAL;
			goto refused;
		}
	}
	if (tb[FWD_FW_A_PROTO]) {
		r.proto = nla_get_u8(tb[FWD_FW_A_PROTO]);
		r.match |= FW_M_PROTO;
	}
	err = fw_nl_addr(info, FWD_FW_A_SRC_ADDR, FWD_FW_A_SRC_PREFIX_LEN, &r, 0, &why);
	if (!err)
		err = fw_nl_addr(info, FWD_FW_A_DST_ADDR, FWD_FW_A_DST_PREFIX_LEN, &r, 1, &why);
	if (err)
		goto refused;
	if (tb[FWD_FW_A_SPORT]) {
		r.sport = ntohs(nla_get_be16(tb[FWD_FW_A_SPORT]));
		r.match |= FW_M_SPORT;
	}
	if (tb[FWD_FW_A_DPORT]) {
		r.dport = ntohs(nla_get_be16(tb[FWD_FW_A_DPORT]));
		r.match |= FW_M_DPORT;
	}
	if (tb[FWD_FW_A_CLASS]) {
		err = fw_class_find(nla_data(tb[FWD_FW_A_CLASS]), &why);
		if (err < 0)
			goto refused;
		r.class = err;
		r.match |= FW_M_CLASS;
	}
	err = fw_rule_add(genl_info_net(info), &r, &why);
refused:
	if (err)
		fw_nl_refuse(info, &why);
	return err;
}

static int fw_nl_rule_flush(struct sk_buff *skb, struct genl_info *info)
{
	if (fw_nl_check_version(info->nlhdr, info->extack))
		return -EINVAL;
	fw_flush(genl_info_net(info));
	return 0;
}

/* ---- RULE_GET (dump), STATS_GET ---------------------------------------------- */

static int fw_nl_put_addr(struct sk_buff *skb, const struct fw_rule *r, int i)
{
	int len = r->family[i] == AF_INET ? sizeof(r->addr[i].ip) : sizeof(r->addr[i].in6);

	if (nla_put(skb, i ? FWD_FW_A_DST_ADDR : FWD_FW_A_SRC_ADDR, len, &r->addr[i]) ||
	    nla_put_u8(skb, i ? FWD_FW_A_DST_PREFIX_LEN : FWD_FW_A_SRC_PREFIX_LEN, r->plen[i]))
		return -EMSGSIZE;
	return 0;
}

/* Rule @r, the @index-th (from 1), as /proc/forwarder/firewall lists it. */
static int fw_nl_put_rule(struct sk_buff *skb, const struct fw_rule *r, u32 index)
{
	if (nla_put_u32(skb, FWD_FW_A_INDEX, index) ||
	    nla_put_u8(skb, FWD_FW_A_ACTION, r->action))
		return -EMSGSIZE;
	if (r->action == FWD_FW_RATE_LIMIT &&
	    (nla_put_u8(skb, FWD_FW_A_GROUP, r->group) || nla_put_u8(skb, FWD_FW_A_DIR, r->dirs)))
		return -EMSGSIZE;
	if ((r->match & FW_M_PROTO) && nla_put_u8(skb, FWD_FW_A_PROTO, r->proto))
		return -EMSGSIZE;
	if ((r->match & FW_M_SRC) && fw_nl_put_addr(skb, r, 0))
		return -EMSGSIZE;
	if ((r->match & FW_M_DST) && fw_nl_put_addr(skb, r, 1))
		return -EMSGSIZE;
	if ((r->match & FW_M_SPORT) && nla_put_be16(skb, FWD_FW_A_SPORT, htons(r->sport)))
		return -EMSGSIZE;
	if ((r->match & FW_M_DPORT) && nla_put_be16(skb, FWD_FW_A_DPORT, htons(r->dport)))
		return -EMSGSIZE;
	if ((r->match & FW_M_CLASS) &&
	    nla_put_string(skb, FWD_FW_A_CLASS, fw_class_name(r->class)))
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, FWD_FW_A_HITS, atomic64_read(&r->hits), FWD_FW_A_PAD))
		return -EMSGSIZE;
	return 0;
}

/*
 * Every rule of the namespace, in order, resuming at cb->args[0]. A table
 * changed between two pages marks the next page NLM_F_DUMP_INTR.
 */
static int fw_nl_rule_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct fw_net *fn = fw_pernet(sock_net(skb->sk));
	struct fw_table *t;
	unsigned long i;
	void *hdr;

	if (fw_nl_check_version(cb->nlh, cb->extack))
		return -EINVAL;
	mutex_lock(&fn->lock);
	t = rcu_dereference_protected(fn->table, lockdep_is_held(&fn->lock));
	cb->seq = fn->gen;
	for (i = cb->args[0]; t && i < t->n; i++) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				  &fw_genl_family, NLM_F_MULTI, FWD_FW_CMD_RULE_GET);
		if (!hdr)
			break;
		genl_dump_check_consistent(cb, hdr);
		if (fw_nl_put_rule(skb, &t->r[i], i + 1)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	mutex_unlock(&fn->lock);
	cb->args[0] = i;
	return skb->len;
}

static int fw_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	struct fw_net *fn = fw_pernet(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;

	if (fw_nl_check_version(info->nlhdr, info->extack))
		return -EINVAL;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &fw_genl_family, 0, FWD_FW_CMD_STATS_GET);
	if (!hdr ||
	    nla_put_u64_64bit(msg, FWD_FW_A_INTERCEPTED_SESSIONS, atomic64_read(&fn->intercepted),
			      FWD_FW_A_PAD) ||
	    nla_put_u64_64bit(msg, FWD_FW_A_DROPPED_PACKETS, atomic64_read(&fn->dropped),
			      FWD_FW_A_PAD)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/*
 * Reading needs no privilege, as /proc/forwarder/firewall is readable by
 * all; changing the table needs CAP_NET_ADMIN over the namespace.
 */
static const struct genl_ops fw_genl_ops[] = {
	{
		.cmd	= FWD_FW_CMD_RULE_GET,
		.dumpit	= fw_nl_rule_dump,
		.policy	= fw_nl_noattr_policy,
		.maxattr = FWD_FW_A_MAX,
	},
	{
		.cmd	= FWD_FW_CMD_RULE_ADD,
		.doit	= fw_nl_rule_add,
		.policy	= fw_nl_rule_add_policy,
		.maxattr = FWD_FW_A_MAX,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= FWD_FW_CMD_RULE_FLUSH,
		.doit	= fw_nl_rule_flush,
		.policy	= fw_nl_noattr_policy,
		.maxattr = FWD_FW_A_MAX,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= FWD_FW_CMD_STATS_GET,
		.doit	= fw_nl_stats_get,
		.policy	= fw_nl_noattr_policy,
		.maxattr = FWD_FW_A_MAX,
	},
};

struct genl_family fw_genl_family = {
	.name		= FWD_FW_GENL_NAME,
	.version	= FWD_FW_GENL_VERSION,
	.maxattr	= FWD_FW_A_MAX,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= fw_genl_ops,
	.n_ops		= ARRAY_SIZE(fw_genl_ops),
};
