// SPDX-License-Identifier: GPL-2.0-only
/*
 * Spliced pairs over netlink: every pair of the namespace (a dump) or one by
 * id, with what show prints, and tearing one down (both peers reset, as
 * idle expiry does).
 *
 * Pairs are few (each holds two sockets); a dump restarts the table walk on
 * every call and skips the pairs it already sent, counted in the callback.
 * A resize under it may show a pair twice or miss one that moved, as a
 * read of show may.
 */
#include <linux/kernel.h>
#include <linux/jiffies.h>
#include <linux/rhashtable.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include <forwarder/netlink.h>

#include "forwarder.h"
#include "splice/splice.h"
#include "netlink/netlink.h"

static int fwd_nl_put_pair(struct sk_buff *skb, struct fwd_splice_pair *pair,
			   unsigned long now)
{
	const struct fwd_splice_key *c = &pair->half[FWD_SPLICE_CLIENT].key;
	const struct fwd_splice_key *s = &pair->half[FWD_SPLICE_SERVER].key;
	struct fwd_splice_stats st[2];
	enum fwd_splice_state state;

	BUILD_BUG_ON((int)FWD_NL_SPLICE_INSTALLING != (int)FWD_SPLICE_INSTALLING ||
		     (int)FWD_NL_SPLICE_ESTABLISHED != (int)FWD_SPLICE_ESTABLISHED ||
		     (int)FWD_NL_SPLICE_FIN_WAIT != (int)FWD_SPLICE_FIN_WAIT ||
		     (int)FWD_NL_SPLICE_TIME_WAIT != (int)FWD_SPLICE_TIME_WAIT ||
		     (int)FWD_NL_SPLICE_CLOSE != (int)FWD_SPLICE_CLOSE ||
		     (int)FWD_NL_SPLICE_DEAD != (int)FWD_SPLICE_DEAD);
	spin_lock_bh(&pair->lock);
	st[0] = pair->stats[0];
	st[1] = pair->stats[1];
	state = pair->state;
	spin_unlock_bh(&pair->lock);

	if (nla_put_u64_64bit(skb, FWD_A_SPLICE_ID, pair->id, FWD_A_PAD) ||
	    nla_put_u8(skb, FWD_A_SPLICE_STATE, state) ||
	    nla_put_in_addr(skb, FWD_A_CLIENT_ADDR, c->raddr) ||
	    nla_put_be16(skb, FWD_A_CLIENT_PORT, c->rport) ||
	    nla_put_in_addr(skb, FWD_A_SPLICE_LOCAL_ADDR, c->laddr) ||
	    nla_put_be16(skb, FWD_A_SPLICE_LOCAL_PORT, c->lport) ||
	    nla_put_in_addr(skb, FWD_A_SPLICE_SERVER_LOCAL_ADDR, s->laddr) ||
	    nla_put_be16(skb, FWD_A_SPLICE_SERVER_LOCAL_PORT, s->lport) ||
	    nla_put_in_addr(skb, FWD_A_SERVER_ADDR, s->raddr) ||
	    nla_put_be16(skb, FWD_A_SERVER_PORT, s->rport) ||
	    nla_put_u64_64bit(skb, FWD_A_ORIG_PACKETS, st[FWD_SPLICE_CLIENT].packets,
			      FWD_A_PAD) ||
	    nla_put_u64_64bit(skb, FWD_A_ORIG_BYTES, st[FWD_SPLICE_CLIENT].bytes, FWD_A_PAD) ||
	    nla_put_u64_64bit(skb, FWD_A_REPLY_PACKETS, st[FWD_SPLICE_SERVER].packets,
			      FWD_A_PAD) ||
	    nla_put_u64_64bit(skb, FWD_A_REPLY_BYTES, st[FWD_SPLICE_SERVER].bytes, FWD_A_PAD) ||
	    nla_put_u64_64bit(skb, FWD_A_AGE_MS, jiffies64_to_msecs(now - pair->created),
			      FWD_A_PAD) ||
	    nla_put_u64_64bit(skb, FWD_A_SPLICE_IDLE_MS,
			      jiffies64_to_msecs(now - READ_ONCE(pair->last_seen)), FWD_A_PAD) ||
	    nla_put_u32(skb, FWD_A_SPLICE_TIMEOUT, fwd_splice_timeout(pair)))
		return -EMSGSIZE;
	return 0;
}

/*
 * Calls @fn on each pair of @sn after skipping the first @skip, until it
 * returns false.
 */
static void fwd_nl_pairs(struct fwd_splice_net *sn, unsigned long skip,
			 bool (*fn)(struct fwd_splice_pair *pair, void *arg), void *arg)
{
	struct rhashtable_iter iter;
	struct fwd_splice_half *half;
	unsigned long n = 0;

	rhashtable_walk_enter(&sn->table, &iter);
	rhashtable_walk_start(&iter);
	while ((half = rhashtable_walk_next(&iter)) != NULL) {
		if (IS_ERR(half))	/* table resized under us: keep walking */
			continue;
		if (half->side != FWD_SPLICE_CLIENT || n++ < skip)
			continue;
		if (!fn(half->pair, arg))
			break;
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
}

struct fwd_nl_pair_arg {
	struct sk_buff *skb;
	struct netlink_callback *cb;	/* a dump; NULL for a get */
	struct genl_info *info;
	u64 id;				/* a get's pair */
	unsigned long now;
	unsigned long done;		/* pairs this call dealt with */
	int err;
};

static bool fwd_nl_put_one(struct fwd_nl_pair_arg *a, struct fwd_splice_pair *pair)
{
	void *hdr;

	if (a->cb)
		hdr = genlmsg_put(a->skb, NETLINK_CB(a->cb->skb).portid, a->cb->nlh->nlmsg_seq,
				  &fwd_genl_family, NLM_F_MULTI, FWD_CMD_SPLICE_GET);
	else
		hdr = genlmsg_put_reply(a->skb, a->info, &fwd_genl_family, 0, FWD_CMD_SPLICE_GET);
	if (!hdr)
		return false;
	if (fwd_nl_put_pair(a->skb, pair, a->now)) {
		genlmsg_cancel(a->skb, hdr);
		return false;
	}
	genlmsg_end(a->skb, hdr);
	return true;
}

static bool fwd_nl_dump_pair(struct fwd_splice_pair *pair, void *p)
{
	struct fwd_nl_pair_arg *a = p;

	/* A pair still being handed over is not one yet: skipped, as show does not. */
	if (READ_ONCE(pair->state) != FWD_SPLICE_INSTALLING && !fwd_nl_put_one(a, pair))
		return false;
	a->done++;
	return true;
}

int fwd_nl_splice_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct fwd_splice_net *sn = fwd_pernet(sock_net(skb->sk))->splice;
	struct fwd_nl_pair_arg a = { .skb = skb, .cb = cb, .now = jiffies };

	if (fwd_nl_check_version(cb->nlh, cb->extack))
		return -EINVAL;
	if (fwd_genl_dump_attrs(cb)[FWD_A_SPLICE_ID]) {
		NL_SET_ERR_MSG(cb->extack,
			       "a splice dump takes no FWD_A_SPLICE_ID: ask for one pair without NLM_F_DUMP");
		return -EINVAL;
	}
	fwd_nl_pairs(sn, cb->args[0], fwd_nl_dump_pair, &a);
	cb->args[0] += a.done;
	return skb->len;
}

static bool fwd_nl_get_pair(struct fwd_splice_pair *pair, void *p)
{
	struct fwd_nl_pair_arg *a = p;

	if (pair->id != a->id || READ_ONCE(pair->state) == FWD_SPLICE_INSTALLING)
		return true;
	a->err = fwd_nl_put_one(a, pair) ? 0 : -EMSGSIZE;
	return false;
}

int fwd_nl_splice_get(struct sk_buff *skb, struct genl_info *info)
{
	struct fwd_splice_net *sn = fwd_pernet(genl_info_net(info))->splice;
	struct fwd_nl_pair_arg a = { .info = info, .now = jiffies, .err = -ENOENT };
	int err;

	err = fwd_nl_need_id(info, FWD_A_SPLICE_ID, "which pair: FWD_A_SPLICE_ID is missing");
	if (err)
		return err;
	a.id = nla_get_u64(info->attrs[FWD_A_SPLICE_ID]);
	a.skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!a.skb)
		return -ENOMEM;
	fwd_nl_pairs(sn, 0, fwd_nl_get_pair, &a);
	if (a.err) {
		nlmsg_free(a.skb);
		if (a.err == -ENOENT)
			NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[FWD_A_SPLICE_ID],
					    "no spliced pair has this id");
		return a.err;
	}
	return genlmsg_reply(a.skb, info);
}

int fwd_nl_splice_del(struct sk_buff *skb, struct genl_info *info)
{
	struct fwd_splice_net *sn = fwd_pernet(genl_info_net(info))->splice;
	int err;

	err = fwd_nl_need_id(info, FWD_A_SPLICE_ID, "which pair: FWD_A_SPLICE_ID is missing");
	if (err)
		return err;
	err = fwd_splice_kill_id(sn, nla_get_u64(info->attrs[FWD_A_SPLICE_ID]));
	if (err == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[FWD_A_SPLICE_ID],
				    "no live spliced pair has this id");
	return err;
}
