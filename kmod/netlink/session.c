// SPDX-License-Identifier: GPL-2.0-only
/*
 * Sessions over netlink: paged dumps, one session by id, deleting one or
 * flushing a filtered set, and the session counters.
 *
 * Dumps walk the table bucket by bucket, resuming from (bucket table,
 * bucket) kept in the callback; when the table was replaced by a resize the
 * walk starts again on the new one, and a table being resized is followed
 * into its future table. That visits every session present for the whole
 * dump at least once; a per-dump mark in each session (dump_marks, one bit
 * per dump in progress in the namespace) makes it exactly once.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/jiffies.h>
#include <linux/rhashtable.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include <forwarder/netlink.h>

#include "forwarder.h"
#include "session/session_core.h"
#include "netlink/netlink.h"

#define FWD_NL_DUMP_SLOTS	(sizeof_field(struct fwd_session, dump_marks) * BITS_PER_BYTE)
#define FWD_NL_CLEAR_BUDGET	1024

/* ---- session attributes ------------------------------------------------- */

/* Under s->lock. */
int fwd_nl_put_session(struct sk_buff *skb, const struct fwd_session *s, unsigned long now)
{
	unsigned long expires = fwd_session_expires(s);
	struct fwd_tuple t;
	int alen;

	fwd_session_tuple(s, FWD_DIR_ORIG, &t);
	alen = t.family == AF_INET ? sizeof(t.src.ip) : sizeof(t.src.in6);
	if (nla_put_u64_64bit(skb, FWD_A_SESSION_ID, s->id, FWD_A_PAD) ||
	    nla_put_u8(skb, FWD_A_FAMILY, t.family) ||
	    nla_put_u8(skb, FWD_A_PROTO, t.proto) ||
	    nla_put(skb, FWD_A_CLIENT_ADDR, alen, &t.src) ||
	    nla_put_be16(skb, FWD_A_CLIENT_PORT, t.sport) ||
	    nla_put(skb, FWD_A_SERVER_ADDR, alen, &t.dst) ||
	    nla_put_be16(skb, FWD_A_SERVER_PORT, t.dport) ||
	    nla_put_u8(skb, FWD_A_ESTABLISHED, s->established) ||
	    nla_put_u64_64bit(skb, FWD_A_AGE_MS, jiffies64_to_msecs(now - s->first_seen),
			      FWD_A_PAD) ||
	    nla_put_u64_64bit(skb, FWD_A_EXPIRES_MS,
			      time_after(expires, now) ? jiffies64_to_msecs(expires - now) : 0,
			      FWD_A_PAD) ||
	    nla_put_u64_64bit(skb, FWD_A_ORIG_PACKETS, s->packets[FWD_DIR_ORIG], FWD_A_PAD) ||
	    nla_put_u64_64bit(skb, FWD_A_ORIG_BYTES, s->bytes[FWD_DIR_ORIG], FWD_A_PAD) ||
	    nla_put_u64_64bit(skb, FWD_A_REPLY_PACKETS, s->packets[FWD_DIR_REPLY], FWD_A_PAD) ||
	    nla_put_u64_64bit(skb, FWD_A_REPLY_BYTES, s->bytes[FWD_DIR_REPLY], FWD_A_PAD))
		return -EMSGSIZE;
	if (t.proto == IPPROTO_TCP &&
	    (nla_put_u8(skb, FWD_A_CLIENT_STATE, s->tcp[FWD_DIR_ORIG].state) ||
	     nla_put_u8(skb, FWD_A_SERVER_STATE, s->tcp[FWD_DIR_REPLY].state)))
		return -EMSGSIZE;
	return 0;
}

/* ---- table walk ----------------------------------------------------------- */

/* Where a walk stands; kept in the netlink callback between dump calls. */
struct fwd_nl_walk {
	unsigned long tbl;	/* bucket table (identity only, never dereferenced) */
	u32 rnd;		/* its hash seed, so a reused address is not taken for it */
	unsigned int size;
	unsigned int bucket;
	bool end;
};

static void fwd_nl_walk_on(struct fwd_nl_walk *w, const struct bucket_table *bt)
{
	w->tbl = (unsigned long)bt;
	w->rnd = bt->hash_rnd;
	w->size = bt->size;
	w->bucket = 0;
}

/*
 * The table to go on with, under RCU: ours if it is still the table or one of
 * its future tables, else the current table from its first bucket (it holds
 * every session the replaced one had).
 */
static struct bucket_table *fwd_nl_walk_table(struct rhashtable *ht, struct fwd_nl_walk *w)
{
	struct bucket_table *bt;

	for (bt = rht_dereference_rcu(ht->tbl, ht); bt;
	     bt = rht_dereference_rcu(bt->future_tbl, ht))
		if ((unsigned long)bt == w->tbl && bt->hash_rnd == w->rnd && bt->size == w->size)
			return bt;
	bt = rht_dereference_rcu(ht->tbl, ht);
	fwd_nl_walk_on(w, bt);
	return bt;
}

/*
 * Visit sessions from where @w stands, under RCU. When @visit returns false
 * the walk stops and the next call visits that bucket again from its start.
 * Return: true once the end of the last table was reached.
 */
static bool fwd_nl_walk(struct fwd_session_table *tbl, struct fwd_nl_walk *w,
			bool (*visit)(struct fwd_session *s, void *arg), void *arg)
{
	struct bucket_table *bt, *next;
	struct rhash_head *pos;
	struct fwd_session *s;

	if (w->end)
		return true;
	bt = fwd_nl_walk_table(&tbl->ht, w);
	for (;;) {
		for (; w->bucket < bt->size; w->bucket++)
			rht_for_each_entry_rcu(s, pos, bt, w->bucket, node)
				if (!visit(s, arg))
					return false;
		/* A resize in progress: sessions already moved are in the new table. */
		next = rht_dereference_rcu(bt->future_tbl, &tbl->ht);
		if (!next)
			break;
		bt = next;
		fwd_nl_walk_on(w, bt);
	}
	w->end = true;
	return true;
}

/* ---- SESSION_GET dump ----------------------------------------------------- */

struct fwd_nl_dump_ctx {
	struct fwd_nl_walk walk;
	u8 mark;		/* this dump's bit in dump_marks; 0 before start */
	bool refused;		/* the request is wrong: the dump says why */
};

struct fwd_nl_dump_arg {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	unsigned long now;
	u8 mark;
};

static struct fwd_nl_dump_ctx *fwd_nl_dump_ctx(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct fwd_nl_dump_ctx) > sizeof_field(struct netlink_callback, ctx));
	return (struct fwd_nl_dump_ctx *)cb->ctx;
}

static struct fwd_session_table *fwd_nl_table(struct sock *sk)
{
	return fwd_pernet(sock_net(sk))->sessions;
}

int fwd_nl_dump_start(struct netlink_callback *cb)
{
	struct fwd_session_table *tbl = fwd_nl_table(cb->skb->sk);
	struct fwd_nl_dump_ctx *ctx = fwd_nl_dump_ctx(cb);
	unsigned int slot;

	/*
	 * 6.1 passes no extended ack to a dump's start: a wrong request is
	 * refused by the dump itself (NLMSG_DONE carries the error and why).
	 */
	if (fwd_nl_check_version(cb->nlh, NULL) ||
	    fwd_genl_dump_attrs(cb)[FWD_A_SESSION_ID]) {
		ctx->refused = true;
		return 0;
	}
	for (slot = 0; slot < FWD_NL_DUMP_SLOTS; slot++) {
		if (!test_and_set_bit(slot, &tbl->dump_slots)) {
			ctx->mark = BIT(slot);
			return 0;
		}
	}
	NL_SET_ERR_MSG(cb->extack, "too many session dumps in progress in this namespace");
	return -EBUSY;
}

static bool fwd_nl_dump_one(struct fwd_session *s, void *p)
{
	struct fwd_nl_dump_arg *a = p;
	void *hdr;

	spin_lock_bh(&s->lock);
	if (s->dead || (s->dump_marks & a->mark)) {
		spin_unlock_bh(&s->lock);
		return true;
	}
	hdr = genlmsg_put(a->skb, NETLINK_CB(a->cb->skb).portid, a->cb->nlh->nlmsg_seq,
			  &fwd_genl_family, NLM_F_MULTI, FWD_CMD_SESSION_GET);
	if (!hdr)
		goto full;
	if (fwd_nl_put_session(a->skb, s, a->now)) {
		genlmsg_cancel(a->skb, hdr);
		goto full;
	}
	genlmsg_end(a->skb, hdr);
	s->dump_marks |= a->mark;
	spin_unlock_bh(&s->lock);
	return true;

full:
	spin_unlock_bh(&s->lock);
	return false;
}

int fwd_nl_session_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct fwd_nl_dump_ctx *ctx = fwd_nl_dump_ctx(cb);
	struct fwd_nl_dump_arg a = {
		.skb = skb, .cb = cb, .now = jiffies, .mark = ctx->mark,
	};
	bool end;

	if (ctx->refused) {
		if (fwd_nl_check_version(cb->nlh, cb->extack))
			return -EINVAL;
		NL_SET_ERR_MSG(cb->extack,
			       "a session dump takes no FWD_A_SESSION_ID: ask for one session without NLM_F_DUMP");
		return -EINVAL;
	}
	rcu_read_lock();
	end = fwd_nl_walk(fwd_nl_table(skb->sk), &ctx->walk, fwd_nl_dump_one, &a);
	rcu_read_unlock();
	if (!end && !skb->len)
		return -EMSGSIZE;
	return skb->len;
}

struct fwd_nl_clear_arg {
	unsigned int budget;
	u8 mark;
};

static bool fwd_nl_clear_one(struct fwd_session *s, void *p)
{
	struct fwd_nl_clear_arg *a = p;

	if (!a->budget)
		return false;
	a->budget--;
	spin_lock_bh(&s->lock);
	s->dump_marks &= ~a->mark;
	spin_unlock_bh(&s->lock);
	return true;
}

int fwd_nl_dump_done(struct netlink_callback *cb)
{
	struct fwd_session_table *tbl = fwd_nl_table(cb->skb->sk);
	struct fwd_nl_dump_ctx *ctx = fwd_nl_dump_ctx(cb);
	struct fwd_nl_clear_arg a = { .mark = ctx->mark };
	struct fwd_nl_walk w = {};
	bool end;

	if (!ctx->mark)
		return 0;
	/* Clear our mark everywhere before another dump may take the bit. */
	do {
		a.budget = FWD_NL_CLEAR_BUDGET;
		rcu_read_lock();
		end = fwd_nl_walk(tbl, &w, fwd_nl_clear_one, &a);
		rcu_read_unlock();
		cond_resched();
	} while (!end);
	clear_bit(__ffs(ctx->mark), &tbl->dump_slots);
	return 0;
}

/* ---- SESSION_GET by id ---------------------------------------------------- */

struct fwd_nl_find_arg {
	u64 id;
	struct fwd_session *found;
};

static bool fwd_nl_find_one(struct fwd_session *s, void *p)
{
	struct fwd_nl_find_arg *a = p;

	if (s->id != a->id)
		return true;
	a->found = s;
	return false;
}

int fwd_nl_session_get(struct sk_buff *skb, struct genl_info *info)
{
	struct fwd_session_table *tbl = fwd_pernet(genl_info_net(info))->sessions;
	struct fwd_nl_find_arg a = {};
	struct fwd_nl_walk w = {};
	struct sk_buff *msg;
	int err = -ENOENT;
	void *hdr;

	if (fwd_nl_need_id(info, FWD_A_SESSION_ID, "session id (FWD_A_SESSION_ID) required"))
		return -EINVAL;
	a.id = nla_get_u64(info->attrs[FWD_A_SESSION_ID]);

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &fwd_genl_family, 0, FWD_CMD_SESSION_GET);
	if (!hdr) {
		err = -EMSGSIZE;
		goto err_free;
	}

	/* Ids are not hashed: a linear walk, fine for an interactive request. */
	rcu_read_lock();
	fwd_nl_walk(tbl, &w, fwd_nl_find_one, &a);
	if (a.found) {
		spin_lock_bh(&a.found->lock);
		if (!a.found->dead)
			err = fwd_nl_put_session(msg, a.found, jiffies);
		spin_unlock_bh(&a.found->lock);
	}
	rcu_read_unlock();
	if (err) {
		if (err == -ENOENT)
			NL_SET_ERR_MSG(info->extack, "no session with this id");
		goto err_free;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return err;
}

/* ---- SESSION_DEL, SESSION_FLUSH ------------------------------------------ */

int fwd_nl_session_del(struct sk_buff *skb, struct genl_info *info)
{
	struct fwd_session_table *tbl = fwd_pernet(genl_info_net(info))->sessions;
	struct fwd_nl_find_arg a = {};
	struct fwd_nl_walk w = {};
	bool gone = false;

	if (fwd_nl_need_id(info, FWD_A_SESSION_ID, "session id (FWD_A_SESSION_ID) required"))
		return -EINVAL;
	a.id = nla_get_u64(info->attrs[FWD_A_SESSION_ID]);
	rcu_read_lock();
	fwd_nl_walk(tbl, &w, fwd_nl_find_one, &a);
	if (a.found)
		gone = fwd_session_flush(tbl, a.found);
	rcu_read_unlock();
	if (!gone) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[FWD_A_SESSION_ID],
				    "no session with this id");
		return -ENOENT;
	}
	return 0;
}

/* What a flush takes: each part that is set must match. */
struct fwd_nl_filter {
	u8 family;		/* 0: any */
	u8 proto;		/* 0: any */
	bool addr[FWD_DIR_MAX];	/* client (ORIG), server (REPLY) */
	union fwd_addr net[FWD_DIR_MAX];
	u8 plen[FWD_DIR_MAX];
	bool port[FWD_DIR_MAX];
	__be16 portv[FWD_DIR_MAX];
};

static const u16 fwd_nl_addr_attr[FWD_DIR_MAX] = { FWD_A_CLIENT_ADDR, FWD_A_SERVER_ADDR };
static const u16 fwd_nl_plen_attr[FWD_DIR_MAX] = {
	FWD_A_CLIENT_PREFIX_LEN, FWD_A_SERVER_PREFIX_LEN,
};
static const u16 fwd_nl_port_attr[FWD_DIR_MAX] = { FWD_A_CLIENT_PORT, FWD_A_SERVER_PORT };

static int fwd_nl_parse_filter(struct genl_info *info, struct fwd_nl_filter *f)
{
	struct nlattr **tb = info->attrs;
	int d;

	memset(f, 0, sizeof(*f));
	if (tb[FWD_A_FAMILY]) {
		f->family = nla_get_u8(tb[FWD_A_FAMILY]);
		if (f->family != AF_INET && f->family != AF_INET6) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[FWD_A_FAMILY],
					    "family must be AF_INET or AF_INET6");
			return -EINVAL;
		}
	}
	if (tb[FWD_A_PROTO]) {
		f->proto = nla_get_u8(tb[FWD_A_PROTO]);
		if (f->proto != IPPROTO_TCP && f->proto != IPPROTO_UDP) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[FWD_A_PROTO],
					    "protocol must be IPPROTO_TCP or IPPROTO_UDP");
			return -EINVAL;
		}
	}
	for (d = 0; d < FWD_DIR_MAX; d++) {
		struct nlattr *a = tb[fwd_nl_addr_attr[d]], *p = tb[fwd_nl_plen_attr[d]];
		u8 family, bits;

		if (tb[fwd_nl_port_attr[d]]) {
			f->port[d] = true;
			f->portv[d] = nla_get_be16(tb[fwd_nl_port_attr[d]]);
		}
		if (!a) {
			if (p) {
				NL_SET_ERR_MSG_ATTR(info->extack, p,
						    "a prefix length needs its address");
				return -EINVAL;
			}
			continue;
		}
		if (nla_len(a) == sizeof(struct in_addr)) {
			family = AF_INET;
		} else if (nla_len(a) == sizeof(struct in6_addr)) {
			family = AF_INET6;
		} else {
			NL_SET_ERR_MSG_ATTR(info->extack, a, "an address is 4 or 16 bytes");
			return -EINVAL;
		}
		if (f->family && f->family != family) {
			NL_SET_ERR_MSG_ATTR(info->extack, a,
					    "address of another family than the filter's");
			return -EINVAL;
		}
		f->family = family;
		bits = nla_len(a) * BITS_PER_BYTE;
		f->plen[d] = p ? nla_get_u8(p) : bits;
		if (f->plen[d] > bits) {
			NL_SET_ERR_MSG_ATTR(info->extack, p, "prefix length longer than the address");
			return -EINVAL;
		}
		f->addr[d] = true;
		nla_memcpy(&f->net[d], a, sizeof(f->net[d]));
	}
	return 0;
}

static bool fwd_nl_prefix_match(u8 family, const union fwd_addr *a, const union fwd_addr *net,
				u8 plen)
{
	if (family == AF_INET6)
		return ipv6_prefix_equal(&a->in6, &net->in6, plen);
	return !plen || !((a->ip ^ net->ip) & htonl(~0U << (32 - plen)));
}

static bool fwd_nl_filter_match(const struct fwd_nl_filter *f, const struct fwd_tuple *t)
{
	const union fwd_addr *addr[FWD_DIR_MAX] = { &t->src, &t->dst };
	const __be16 port[FWD_DIR_MAX] = { t->sport, t->dport };
	int d;

	if ((f->family && t->family != f->family) || (f->proto && t->proto != f->proto))
		return false;
	for (d = 0; d < FWD_DIR_MAX; d++) {
		if (f->port[d] && port[d] != f->portv[d])
			return false;
		if (f->addr[d] && !fwd_nl_prefix_match(t->family, addr[d], &f->net[d], f->plen[d]))
			return false;
	}
	return true;
}

struct fwd_nl_flush_arg {
	struct fwd_session_table *tbl;
	const struct fwd_nl_filter *f;
	unsigned int budget;
	u64 flushed;
};

static bool fwd_nl_flush_one(struct fwd_session *s, void *p)
{
	struct fwd_nl_flush_arg *a = p;
	struct fwd_tuple t;

	if (!a->budget)
		return false;
	a->budget--;
	/* The key never changes: no lock needed to read the tuple. */
	fwd_session_tuple(s, FWD_DIR_ORIG, &t);
	if (fwd_nl_filter_match(a->f, &t) && fwd_session_flush(a->tbl, s))
		a->flushed++;
	return true;
}

/*
 * Remove every session the filters match (all without filters), each with a
 * CLOSING event of reason flush; answer FWD_A_FLUSHED. Walks in batches, so
 * a large table does not hold the CPU in one RCU section.
 */
int fwd_nl_session_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct fwd_nl_flush_arg a = {
		.tbl = fwd_pernet(genl_info_net(info))->sessions,
	};
	struct fwd_nl_filter f;
	struct fwd_nl_walk w = {};
	struct sk_buff *msg;
	void *hdr;
	bool end;
	int err;

	if (fwd_nl_check_version(info->nlhdr, info->extack))
		return -EINVAL;
	err = fwd_nl_parse_filter(info, &f);
	if (err)
		return err;
	a.f = &f;
	do {
		a.budget = FWD_NL_CLEAR_BUDGET;
		rcu_read_lock();
		end = fwd_nl_walk(a.tbl, &w, fwd_nl_flush_one, &a);
		rcu_read_unlock();
		cond_resched();
	} while (!end);

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &fwd_genl_family, 0, FWD_CMD_SESSION_FLUSH);
	if (!hdr || nla_put_u64_64bit(msg, FWD_A_FLUSHED, a.flushed, FWD_A_PAD)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* ---- STATS_GET ------------------------------------------------------------ */

static int fwd_nl_put_stats(struct sk_buff *msg, struct fwd_session_table *tbl,
			    const struct fwd_session_stats *sum)
{
	struct nlattr *nest;
	unsigned int i;

	nest = nla_nest_start(msg, FWD_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(msg, FWD_STATS_SESSIONS_ACTIVE, atomic_read(&tbl->count),
			      FWD_STATS_PAD) ||
	    nla_put_u64_64bit(msg, FWD_STATS_SESSIONS_LIMIT, fwd_session_limit(tbl),
			      FWD_STATS_PAD) ||
	    nla_put_u64_64bit(msg, FWD_STATS_SESSION_SIZE, sizeof(struct fwd_session),
			      FWD_STATS_PAD))
		goto err;
	for (i = 0; i < FWD_CNT_MAX; i++)
		if (nla_put_u64_64bit(msg, fwd_counters[i].nl_attr, sum->cnt[i], FWD_STATS_PAD))
			goto err;
	nla_nest_end(msg, nest);
	return 0;

err:
	nla_nest_cancel(msg, nest);
	return -EMSGSIZE;
}

int fwd_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	struct fwd_session_table *tbl = fwd_pernet(genl_info_net(info))->sessions;
	struct fwd_session_stats *sum;
	struct sk_buff *msg;
	void *hdr;
	int err;

	if (fwd_nl_check_version(info->nlhdr, info->extack))
		return -EINVAL;
	sum = kmalloc(sizeof(*sum), GFP_KERNEL);
	if (!sum)
		return -ENOMEM;
	fwd_session_stats_sum(tbl, sum);

	err = -ENOMEM;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		goto out;
	err = -EMSGSIZE;
	hdr = genlmsg_put_reply(msg, info, &fwd_genl_family, 0, FWD_CMD_STATS_GET);
	if (!hdr || fwd_nl_put_stats(msg, tbl, sum)) {
		nlmsg_free(msg);
		goto out;
	}
	genlmsg_end(msg, hdr);
	err = genlmsg_reply(msg, info);
out:
	kfree(sum);
	return err;
}
