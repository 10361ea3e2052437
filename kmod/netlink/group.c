// SPDX-License-Identifier: GPL-2.0-only
/*
 * Rate groups and bind rules over netlink: read, created, changed and
 * deleted through the same functions as /proc/forwarder/groups
 * (aqm_group_edit(), aqm_group_remove(), aqm_bind_new(), aqm_bind_remove(),
 * which take the namespace's lock and run the one check of every
 * configuration), so both refuse the same things for the same reasons; a
 * refusal here names the attribute it blames.
 */
#include <linux/kernel.h>
#include <linux/in.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include <forwarder/netlink.h>

#include "forwarder.h"
#include "aqm/aqm_core.h"
#include "netlink/netlink.h"

/* The attribute of each field a refusal may blame. */
static const u16 fwd_nl_field_attr[] = {
	[AQM_F_ID]		= FWD_A_GROUP_ID,
	[AQM_F_MODE]		= FWD_A_GROUP_MODE,
	[AQM_F_ACTION]		= FWD_A_GROUP_ACTION,
	[AQM_F_DSCP]		= FWD_A_GROUP_DSCP,
	[AQM_F_RATE]		= FWD_A_GROUP_RATE,
	[AQM_F_BURST]		= FWD_A_GROUP_BURST,
	[AQM_F_EBS]		= FWD_A_GROUP_EBS,
	[AQM_F_PEAKRATE]	= FWD_A_GROUP_PEAKRATE,
	[AQM_F_PBURST]		= FWD_A_GROUP_PBURST,
	[AQM_F_LIMIT_PKTS]	= FWD_A_GROUP_LIMIT_PKTS,
	[AQM_F_LIMIT_BYTES]	= FWD_A_GROUP_LIMIT_BYTES,
	[AQM_F_PROTO]		= FWD_A_PROTO,
	[AQM_F_DIR]		= FWD_A_BIND_DIR,
};

static const struct nlattr *fwd_nl_field(struct genl_info *info, enum aqm_field f)
{
	if (f == AQM_F_NONE || f >= ARRAY_SIZE(fwd_nl_field_attr))
		return NULL;
	return info->attrs[fwd_nl_field_attr[f]];
}

/*
 * The refusal's reason into extack, on the attribute it blames when the
 * request has it (else on the other one involved, else on none: the
 * field kept its value from before).
 */
static int fwd_nl_refuse(struct genl_info *info, const struct aqm_why *why, int err)
{
	const struct nlattr *a;

	if (!err || !why->msg)
		return err;
	a = fwd_nl_field(info, why->field);
	if (!a)
		a = fwd_nl_field(info, why->other);
	/* Not NL_SET_ERR_MSG(): it wants a literal; every reason here is one. */
	if (info->extack)
		info->extack->_msg = why->msg;
	NL_SET_BAD_ATTR(info->extack, a);
	return err;
}

/* The namespace's groups, or NULL with the reason. */
static struct aqm_net *fwd_nl_aqm(struct net *net, struct netlink_ext_ack *extack)
{
	struct aqm_net *an = fwd_pernet(net)->aqm;

	if (!an)
		NL_SET_ERR_MSG(extack, "rate groups are not set up in this namespace");
	return an;
}

/* FWD_A_GROUP_ID, required, 1..255; 0 with the reason in extack. */
static u8 fwd_nl_group_id(struct genl_info *info)
{
	u8 id;

	if (GENL_REQ_ATTR_CHECK(info, FWD_A_GROUP_ID)) {
		NL_SET_ERR_MSG(info->extack, "which group: FWD_A_GROUP_ID is missing");
		return 0;
	}
	id = nla_get_u8(info->attrs[FWD_A_GROUP_ID]);
	if (!id)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[FWD_A_GROUP_ID],
				    "group id is 1..255");
	return id;
}

/* ---- GROUP_GET ------------------------------------------------------------ */

static int fwd_nl_put_group_stats(struct sk_buff *skb, const struct aqm_group_snap *sn)
{
	const struct aqm_stats *st = &sn->st;
	struct nlattr *nest;

	nest = nla_nest_start(skb, FWD_A_GROUP_STATS);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, FWD_GROUP_STATS_CONFORM_PKTS, st->pkts[AQM_GREEN],
			      FWD_GROUP_STATS_PAD) ||
	    nla_put_u64_64bit(skb, FWD_GROUP_STATS_CONFORM_BYTES, st->bytes[AQM_GREEN],
			      FWD_GROUP_STATS_PAD) ||
	    nla_put_u64_64bit(skb, FWD_GROUP_STATS_EXCEED_PKTS, st->pkts[AQM_YELLOW],
			      FWD_GROUP_STATS_PAD) ||
	    nla_put_u64_64bit(skb, FWD_GROUP_STATS_EXCEED_BYTES, st->bytes[AQM_YELLOW],
			      FWD_GROUP_STATS_PAD) ||
	    nla_put_u64_64bit(skb, FWD_GROUP_STATS_VIOLATE_PKTS, st->pkts[AQM_RED],
			      FWD_GROUP_STATS_PAD) ||
	    nla_put_u64_64bit(skb, FWD_GROUP_STATS_VIOLATE_BYTES, st->bytes[AQM_RED],
			      FWD_GROUP_STATS_PAD) ||
	    nla_put_u64_64bit(skb, FWD_GROUP_STATS_QUEUED, sn->qlen, FWD_GROUP_STATS_PAD) ||
	    nla_put_u64_64bit(skb, FWD_GROUP_STATS_QUEUED_BYTES, sn->backlog,
			      FWD_GROUP_STATS_PAD) ||
	    nla_put_u64_64bit(skb, FWD_GROUP_STATS_QUEUED_MEM, sn->qmem, FWD_GROUP_STATS_PAD) ||
	    nla_put_u64_64bit(skb, FWD_GROUP_STATS_DELAYED, st->delayed, FWD_GROUP_STATS_PAD) ||
	    nla_put_u64_64bit(skb, FWD_GROUP_STATS_DROPPED, st->dropped, FWD_GROUP_STATS_PAD) ||
	    nla_put_u64_64bit(skb, FWD_GROUP_STATS_OVERLIMIT, st->overlimit,
			      FWD_GROUP_STATS_PAD) ||
	    nla_put_u64_64bit(skb, FWD_GROUP_STATS_CODEL_DROPPED, st->codel_dropped,
			      FWD_GROUP_STATS_PAD) ||
	    nla_put_u64_64bit(skb, FWD_GROUP_STATS_MARKED, st->marked, FWD_GROUP_STATS_PAD) ||
	    nla_put_u64_64bit(skb, FWD_GROUP_STATS_ECN_MARKED, st->ecn_marked,
			      FWD_GROUP_STATS_PAD) ||
	    nla_put_s64(skb, FWD_GROUP_STATS_TOKENS, sn->tokens, FWD_GROUP_STATS_PAD))
		goto cancel;
	if (sn->cfg.mode == FWD_GROUP_SHAPE &&
	    (nla_put_u64_64bit(skb, FWD_GROUP_STATS_CODEL_TARGET_US, sn->codel_target_us,
			       FWD_GROUP_STATS_PAD) ||
	     nla_put_u64_64bit(skb, FWD_GROUP_STATS_CODEL_INTERVAL_US, sn->codel_interval_us,
			       FWD_GROUP_STATS_PAD)))
		goto cancel;
	nla_nest_end(skb, nest);
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/* Under rcu_read_lock(). */
static int fwd_nl_put_group(struct sk_buff *skb, struct aqm_group *g)
{
	struct aqm_group_snap sn;
	const struct fwd_group_cfg *c = &sn.cfg;

	aqm_group_snap(g, &sn);
	if (nla_put_u8(skb, FWD_A_GROUP_ID, g->id) ||
	    nla_put_u8(skb, FWD_A_GROUP_MODE, c->mode) ||
	    nla_put_u8(skb, FWD_A_GROUP_ACTION, c->action) ||
	    nla_put_u64_64bit(skb, FWD_A_GROUP_RATE, c->rate, FWD_A_PAD) ||
	    nla_put_u32(skb, FWD_A_GROUP_BURST, c->burst) ||
	    nla_put_u32(skb, FWD_A_GROUP_EBS, c->ebs) ||
	    nla_put_u64_64bit(skb, FWD_A_GROUP_PEAKRATE, c->peakrate, FWD_A_PAD) ||
	    nla_put_u32(skb, FWD_A_GROUP_PBURST, c->pburst) ||
	    nla_put_u8(skb, FWD_A_GROUP_DSCP, c->dscp) ||
	    nla_put_u32(skb, FWD_A_GROUP_MARK, c->mark) ||
	    nla_put_u32(skb, FWD_A_GROUP_LIMIT_PKTS, c->limit_pkts) ||
	    nla_put_u32(skb, FWD_A_GROUP_LIMIT_BYTES, c->limit_bytes) ||
	    nla_put_u8(skb, FWD_A_GROUP_ECN, c->ecn))
		return -EMSGSIZE;
	return fwd_nl_put_group_stats(skb, &sn);
}

int fwd_nl_group_get(struct sk_buff *skb, struct genl_info *info)
{
	struct aqm_net *an;
	struct aqm_group *g;
	struct sk_buff *msg;
	void *hdr;
	int err;
	u8 id;

	err = fwd_nl_check_version(info->nlhdr, info->extack);
	if (err)
		return err;
	an = fwd_nl_aqm(genl_info_net(info), info->extack);
	if (!an)
		return -ENOENT;
	id = fwd_nl_group_id(info);
	if (!id)
		return -EINVAL;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &fwd_genl_family, 0, FWD_CMD_GROUP_GET);
	if (!hdr) {
		err = -EMSGSIZE;
		goto err_free;
	}
	rcu_read_lock();
	g = rcu_dereference(an->groups[id]);
	err = g ? fwd_nl_put_group(msg, g) : -ENOENT;
	rcu_read_unlock();
	if (err) {
		if (err == -ENOENT)
			NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[FWD_A_GROUP_ID],
					    "no such group");
		goto err_free;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return err;
}

/* Every group by id, resuming at the id in cb->args[0]. */
int fwd_nl_group_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct aqm_net *an = fwd_pernet(sock_net(skb->sk))->aqm;
	struct aqm_group *g;
	unsigned long id;
	void *hdr;

	if (fwd_nl_check_version(cb->nlh, cb->extack))
		return -EINVAL;
	if (fwd_genl_dump_attrs(cb)[FWD_A_GROUP_ID]) {
		NL_SET_ERR_MSG(cb->extack,
			       "a group dump takes no FWD_A_GROUP_ID: ask for one group without NLM_F_DUMP");
		return -EINVAL;
	}
	if (!an)
		return 0;
	rcu_read_lock();
	for (id = cb->args[0] ? cb->args[0] : 1; id <= FWD_GROUPS_MAX; id++) {
		g = rcu_dereference(an->groups[id]);
		if (!g)
			continue;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				  &fwd_genl_family, NLM_F_MULTI, FWD_CMD_GROUP_GET);
		if (!hdr)
			break;
		if (fwd_nl_put_group(skb, g)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	rcu_read_unlock();
	cb->args[0] = id;
	return skb->len;
}

/* ---- GROUP_NEW, GROUP_SET, GROUP_DEL -------------------------------------- */

/* aqm_group_edit()'s fill: the attributes given replace their fields. */
static int fwd_nl_group_fill(struct fwd_group_cfg *c, void *arg, struct aqm_why *why)
{
	struct nlattr **tb = arg;

	if (tb[FWD_A_GROUP_MODE])
		c->mode = nla_get_u8(tb[FWD_A_GROUP_MODE]);
	if (tb[FWD_A_GROUP_ACTION])
		c->action = nla_get_u8(tb[FWD_A_GROUP_ACTION]);
	if (tb[FWD_A_GROUP_RATE])
		c->rate = nla_get_u64(tb[FWD_A_GROUP_RATE]);
	if (tb[FWD_A_GROUP_BURST])
		c->burst = nla_get_u32(tb[FWD_A_GROUP_BURST]);
	if (tb[FWD_A_GROUP_EBS])
		c->ebs = nla_get_u32(tb[FWD_A_GROUP_EBS]);
	if (tb[FWD_A_GROUP_PEAKRATE])
		c->peakrate = nla_get_u64(tb[FWD_A_GROUP_PEAKRATE]);
	if (tb[FWD_A_GROUP_PBURST])
		c->pburst = nla_get_u32(tb[FWD_A_GROUP_PBURST]);
	if (tb[FWD_A_GROUP_DSCP])
		c->dscp = nla_get_u8(tb[FWD_A_GROUP_DSCP]);
	if (tb[FWD_A_GROUP_MARK])
		c->mark = nla_get_u32(tb[FWD_A_GROUP_MARK]);
	if (tb[FWD_A_GROUP_LIMIT_PKTS])
		c->limit_pkts = nla_get_u32(tb[FWD_A_GROUP_LIMIT_PKTS]);
	if (tb[FWD_A_GROUP_LIMIT_BYTES])
		c->limit_bytes = nla_get_u32(tb[FWD_A_GROUP_LIMIT_BYTES]);
	if (tb[FWD_A_GROUP_ECN])
		c->ecn = !!nla_get_u8(tb[FWD_A_GROUP_ECN]);
	return 0;
}

/* What a group command acts on: the namespace's groups and FWD_A_GROUP_ID. */
static int fwd_nl_group_target(struct genl_info *info, struct aqm_net **an, u8 *id)
{
	int err = fwd_nl_check_version(info->nlhdr, info->extack);

	if (err)
		return err;
	*an = fwd_nl_aqm(genl_info_net(info), info->extack);
	if (!*an)
		return -ENOENT;
	*id = fwd_nl_group_id(info);
	return *id ? 0 : -EINVAL;
}

static int fwd_nl_group_edit(struct genl_info *info, bool add)
{
	struct aqm_why why = {};
	struct aqm_net *an;
	int err;
	u8 id;

	err = fwd_nl_group_target(info, &an, &id);
	if (err)
		return err;
	err = aqm_group_edit(an, id, add, fwd_nl_group_fill, info->attrs, &why);
	return fwd_nl_refuse(info, &why, err);
}

int fwd_nl_group_new(struct sk_buff *skb, struct genl_info *info)
{
	return fwd_nl_group_edit(info, true);
}

int fwd_nl_group_set(struct sk_buff *skb, struct genl_info *info)
{
	return fwd_nl_group_edit(info, false);
}

/* GROUP_DEL and BIND_DEL: @remove on the group FWD_A_GROUP_ID names. */
static int fwd_nl_group_remove(struct genl_info *info,
			       int (*remove)(struct aqm_net *an, u8 id, struct aqm_why *why))
{
	struct aqm_why why = {};
	struct aqm_net *an;
	int err;
	u8 id;

	err = fwd_nl_group_target(info, &an, &id);
	if (err)
		return err;
	return fwd_nl_refuse(info, &why, remove(an, id, &why));
}

int fwd_nl_group_del(struct sk_buff *skb, struct genl_info *info)
{
	return fwd_nl_group_remove(info, aqm_group_remove);
}

/* ---- BIND_GET, BIND_NEW, BIND_DEL ----------------------------------------- */

/* Every rule in matching order, resuming at the index in cb->args[0]. */
int fwd_nl_bind_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct aqm_net *an = fwd_pernet(sock_net(skb->sk))->aqm;
	const struct aqm_binds *bs;
	unsigned long i;
	void *hdr;

	if (fwd_nl_check_version(cb->nlh, cb->extack))
		return -EINVAL;
	if (!an)
		return 0;
	rcu_read_lock();
	bs = rcu_dereference(an->binds);
	for (i = cb->args[0]; bs && i < bs->n; i++) {
		const struct aqm_bind *b = &bs->b[i];

		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				  &fwd_genl_family, NLM_F_MULTI, FWD_CMD_BIND_GET);
		if (!hdr)
			break;
		if (nla_put_u8(skb, FWD_A_GROUP_ID, b->group) ||
		    nla_put_u8(skb, FWD_A_PROTO, b->proto) ||
		    (b->sport && nla_put_u16(skb, FWD_A_BIND_SPORT, b->sport)) ||
		    (b->dport && nla_put_u16(skb, FWD_A_BIND_DPORT, b->dport)) ||
		    nla_put_u8(skb, FWD_A_BIND_DIR, b->dirs)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	rcu_read_unlock();
	cb->args[0] = i;
	return skb->len;
}

int fwd_nl_bind_new(struct sk_buff *skb, struct genl_info *info)
{
	struct aqm_bind b = { .dirs = FWD_GROUP_DIR_BOTH };
	struct aqm_why why = {};
	struct aqm_net *an;
	int err;

	err = fwd_nl_check_version(info->nlhdr, info->extack);
	if (err)
		return err;
	an = fwd_nl_aqm(genl_info_net(info), info->extack);
	if (!an)
		return -ENOENT;
	b.group = fwd_nl_group_id(info);
	if (!b.group)
		return -EINVAL;
	if (GENL_REQ_ATTR_CHECK(info, FWD_A_PROTO)) {
		NL_SET_ERR_MSG(info->extack, "which protocol: FWD_A_PROTO is missing");
		return -EINVAL;
	}
	b.proto = nla_get_u8(info->attrs[FWD_A_PROTO]);
	if (info->attrs[FWD_A_BIND_SPORT])
		b.sport = nla_get_u16(info->attrs[FWD_A_BIND_SPORT]);
	if (info->attrs[FWD_A_BIND_DPORT])
		b.dport = nla_get_u16(info->attrs[FWD_A_BIND_DPORT]);
	if (info->attrs[FWD_A_BIND_DIR])
		b.dirs = nla_get_u8(info->attrs[FWD_A_BIND_DIR]);
	return fwd_nl_refuse(info, &why, aqm_bind_new(an, &b, &why));
}

int fwd_nl_bind_del(struct sk_buff *skb, struct genl_info *info)
{
	return fwd_nl_group_remove(info, aqm_bind_remove);
}
