// SPDX-License-Identifier: GPL-2.0-only
/*
 * The session table: one rhashtable per namespace keyed by the
 * direction-normalised 5-tuple, RCU lookups, a bounded size with early drop of
 * sessions that never got established, a budgeted GC worker instead of a
 * timer per session, and the session side of the plugin API.
 *
 * "Established" here is nf_conntrack's "assured": traffic seen in both
 * directions (for TCP with both ends ESTABLISHED, after a seen handshake or a
 * picked-up segment answered). Until then a session is evictable and lives on
 * the handshake timeout (UDP: its only timeout), so spoofed one-way packets
 * (bare ACKs, datagrams from random sources) cannot fill the table for long:
 * each new flow evicts one of them.
 *
 * Lifetime: a session is born locked and inserted with
 * rhashtable_lookup_get_insert_fast(), so a racing CPU either finds it fully
 * initialised or wins the insert itself. It dies exactly once, when "dead" is
 * set under its lock (timeout, eviction, replacement or flush): CLOSING is
 * raised, it is unlinked, and it is freed after an RCU grace period together
 * with its metadata once the last reference a plugin holds is put.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/random.h>
#include <linux/jiffies.h>
#include <linux/netfilter.h>
#include <net/tcp.h>
#include <kunit/visibility.h>

#include "session_core.h"

static struct kmem_cache *fwd_session_cache __read_mostly;

/*
 * Limits across namespaces, as nf_conntrack_max is: the sessions of every
 * namespace together stay within max_sessions_global, whatever each one's
 * max_sessions says, and a namespace of a non-initial user namespace (whose
 * root may write its max_sessions) holds at most max_sessions_userns.
 */
VISIBLE_IF_KUNIT unsigned int fwd_max_sessions_global = FWD_SESSIONS_GLOBAL_DEFAULT;
EXPORT_SYMBOL_IF_KUNIT(fwd_max_sessions_global);
module_param_named(max_sessions_global, fwd_max_sessions_global, uint, 0644);
MODULE_PARM_DESC(max_sessions_global, "most sessions of all namespaces together");

static unsigned int fwd_max_sessions_userns = FWD_SESSIONS_DEFAULT_MAX;
module_param_named(max_sessions_userns, fwd_max_sessions_userns, uint, 0644);
MODULE_PARM_DESC(max_sessions_userns,
		 "most sessions of a namespace owned by a non-initial user namespace");

static atomic_t fwd_sessions_global = ATOMIC_INIT(0);

#if IS_ENABLED(CONFIG_KUNIT)
int fwd_sessions_global_count(void)
{
	return atomic_read(&fwd_sessions_global);
}
EXPORT_SYMBOL_IF_KUNIT(fwd_sessions_global_count);
#endif

/* The most sessions this namespace may hold now. */
unsigned int fwd_session_limit(const struct fwd_session_table *tbl)
{
	unsigned int max = READ_ONCE(tbl->cfg->max_sessions);

	if (tbl->userns_share)
		max = min(max, READ_ONCE(fwd_max_sessions_userns));
	return max;
}
EXPORT_SYMBOL_IF_KUNIT(fwd_session_limit);

static const struct rhashtable_params fwd_session_params = {
	.head_offset		= offsetof(struct fwd_session, node),
	.key_offset		= offsetof(struct fwd_session, key),
	.key_len		= sizeof(struct fwd_key),
	.automatic_shrinking	= true,
};

void fwd_session_cfg_defaults(struct fwd_session_cfg *cfg)
{
	cfg->max_sessions = FWD_SESSIONS_DEFAULT_MAX;
	cfg->timeout_tcp_established = 3600;
	cfg->timeout_tcp_handshake = 60;
	cfg->timeout_tcp_closing = 60;
	cfg->timeout_udp = 60;
	cfg->full_policy = FWD_FULL_DROP;
}
EXPORT_SYMBOL_IF_KUNIT(fwd_session_cfg_defaults);

/* ---- plugin API: actions and accessors --------------------------------- */

/**
 * fwd_session_drop_packet - drop the packet whose event is being handled
 * @s: the session passed to the event callback
 *
 * Return: 0, or -EINVAL outside an event callback that has a packet.
 */
int fwd_session_drop_packet(struct fwd_session *s)
{
	struct fwd_pkt_ctx *ctx = s->cur;

	if (!ctx)
		return -EINVAL;
	ctx->drop = true;
	return 0;
}
EXPORT_SYMBOL_GPL(fwd_session_drop_packet);

/**
 * fwd_session_drop_next - drop every packet of @s from now on, or stop
 * @s: a session the caller holds (or is in a callback of)
 * @on: drop (true) or pass again (false)
 *
 * Any context. Return: 0, or -ENOENT if the session died.
 */
int fwd_session_drop_next(struct fwd_session *s, bool on)
{
	if (READ_ONCE(s->dead))
		return -ENOENT;
	WRITE_ONCE(s->drop_all, on);
	return 0;
}
EXPORT_SYMBOL_GPL(fwd_session_drop_next);

u64 fwd_session_id(const struct fwd_session *s)
{
	return s->id;
}
EXPORT_SYMBOL_GPL(fwd_session_id);

/* The session's namespace; NULL for a KUnit table's. */
struct net *fwd_session_net(const struct fwd_session *s)
{
	return s->table ? s->table->net : NULL;
}
EXPORT_SYMBOL_GPL(fwd_session_net);

bool fwd_session_established(const struct fwd_session *s)
{
	return READ_ONCE(s->established);
}
EXPORT_SYMBOL_GPL(fwd_session_established);

bool fwd_session_alive(const struct fwd_session *s)
{
	return !READ_ONCE(s->dead);
}
EXPORT_SYMBOL_GPL(fwd_session_alive);

void fwd_session_tuple(const struct fwd_session *s, enum fwd_dir dir, struct fwd_tuple *t)
{
	int src = dir == FWD_DIR_ORIG ? s->client : !s->client;

	memset(t, 0, sizeof(*t));
	t->src = s->key.addr[src];
	t->dst = s->key.addr[!src];
	t->sport = s->key.port[src];
	t->dport = s->key.port[!src];
	t->family = s->key.family;
	t->proto = s->key.proto;
}
EXPORT_SYMBOL_GPL(fwd_session_tuple);

enum fwd_tcp_state fwd_session_tcp_state(const struct fwd_session *s, enum fwd_dir side)
{
	return READ_ONCE(s->tcp[side].state);
}
EXPORT_SYMBOL_GPL(fwd_session_tcp_state);

u64 fwd_session_packets(const struct fwd_session *s, enum fwd_dir dir)
{
	return READ_ONCE(s->packets[dir]);
}
EXPORT_SYMBOL_GPL(fwd_session_packets);

u64 fwd_session_bytes(const struct fwd_session *s, enum fwd_dir dir)
{
	return READ_ONCE(s->bytes[dir]);
}
EXPORT_SYMBOL_GPL(fwd_session_bytes);

/* ---- lifetime ---------------------------------------------------------- */

static void fwd_session_free_rcu(struct rcu_head *head)
{
	struct fwd_session *s = container_of(head, struct fwd_session, rcu);

	fwd_meta_free_all(s);
	kmem_cache_free(fwd_session_cache, s);
}

/**
 * fwd_session_hold - keep @s in memory past its callback
 * @s: a session the caller is in a callback of, or holds already
 *
 * Return: @s, for fwd_session_put() later.
 */
struct fwd_session *fwd_session_hold(struct fwd_session *s)
{
	refcount_inc(&s->ref);
	return s;
}
EXPORT_SYMBOL_GPL(fwd_session_hold);

/**
 * fwd_session_put - drop a reference; the last one frees @s after a grace period
 * @s: the session
 *
 * Any context. The table's reference goes when the session dies.
 */
void fwd_session_put(struct fwd_session *s)
{
	if (refcount_dec_and_test(&s->ref))
		call_rcu(&s->rcu, fwd_session_free_rcu);
}
EXPORT_SYMBOL_GPL(fwd_session_put);

static void fwd_raise_closing(struct fwd_session *s, u8 reason)
{
	struct fwd_event ev = {
		.type = FWD_EV_CLOSING,
		.dir = FWD_DIR_ORIG,
		.reason = reason,
	};

	ev.phase = FWD_PHASE_PRE;
	fwd_event_raise(s, &ev);
	ev.phase = FWD_PHASE_POST;
	fwd_event_raise(s, &ev);
}

/*
 * Mark @s dead and raise CLOSING, under its lock. Returns false if someone
 * else got there first. Caller is in an RCU read-side section.
 */
static bool fwd_session_mark_dead(struct fwd_session *s, u8 reason)
{
	spin_lock_bh(&s->lock);
	if (s->dead) {
		spin_unlock_bh(&s->lock);
		return false;
	}
	spin_lock(&s->meta_lock);
	s->dead = 1;
	spin_unlock(&s->meta_lock);
	s->reason = reason;
	fwd_raise_closing(s, reason);
	spin_unlock_bh(&s->lock);
	return true;
}

/* One slot of the namespace's limit and of the global one; false if either is full. */
static bool fwd_session_slot_get(struct fwd_session_table *tbl)
{
	if (atomic_inc_return(&tbl->count) > fwd_session_limit(tbl))
		goto put_local;
	if (atomic_inc_return(&fwd_sessions_global) > READ_ONCE(fwd_max_sessions_global))
		goto put_global;
	return true;

put_global:
	atomic_dec(&fwd_sessions_global);
put_local:
	atomic_dec(&tbl->count);
	return false;
}

static void fwd_session_slot_put(struct fwd_session_table *tbl)
{
	atomic_dec(&fwd_sessions_global);
	atomic_dec(&tbl->count);
}

/* Kill a linked session: CLOSING, unlink, free after a grace period. */
static bool fwd_session_kill(struct fwd_session_table *tbl, struct fwd_session *s, u8 reason)
{
	if (!fwd_session_mark_dead(s, reason))
		return false;
	if (!rhashtable_remove_fast(&tbl->ht, &s->node, fwd_session_params))
		fwd_session_slot_put(tbl);
	fwd_session_put(s);
	return true;
}

/**
 * fwd_session_flush - remove one session as an administrator's flush does
 * @tbl: its table
 * @s: the session, found under RCU
 *
 * CLOSING with reason FWD_CLOSE_FLUSH, counted in sessions_flushed. Caller is
 * in an RCU read-side section, in process or softirq context.
 * Return: false if the session was dying already.
 */
bool fwd_session_flush(struct fwd_session_table *tbl, struct fwd_session *s)
{
	if (!fwd_session_kill(tbl, s, FWD_CLOSE_FLUSH))
		return false;
	fwd_stat_inc(tbl, FWD_CNT_SESSIONS_FLUSHED);
	return true;
}

unsigned long fwd_session_expires(const struct fwd_session *s)
{
	unsigned int secs = fwd_tclass_secs(s->table->cfg, READ_ONCE(s->tclass));

	return READ_ONCE(s->last_seen) + secs * HZ;
}
EXPORT_SYMBOL_IF_KUNIT(fwd_session_expires);

bool fwd_session_expired(const struct fwd_session *s, unsigned long now)
{
	return time_after(now, fwd_session_expires(s));
}
EXPORT_SYMBOL_IF_KUNIT(fwd_session_expired);

/* Early drop may take it: never established, or both ends closed. */
static bool fwd_session_evictable(const struct fwd_session *s)
{
	if (READ_ONCE(s->dead))
		return false;
	if (!READ_ONCE(s->established))
		return true;	/* never saw traffic both ways */
	return s->key.proto == IPPROTO_TCP && fwd_tcp_both_closed(s->tcp);
}

/*
 * Make room by evicting the least recently seen evictable session among the
 * first FWD_EARLY_DROP_SESSIONS sessions found from a random bucket (an
 * attacker cannot aim at one bucket), looking at FWD_EARLY_DROP_MAX_BUCKETS
 * buckets at most, so the cost is bounded however sparse the table. Like
 * nf_conntrack's early_drop, established (assured) sessions are never taken.
 */
static bool fwd_session_early_drop(struct fwd_session_table *tbl)
{
	struct fwd_session *s, *victim = NULL;
	const struct bucket_table *bt;
	unsigned int i, start, seen = 0;
	struct rhash_head *pos;

	bt = rht_dereference_rcu(tbl->ht.tbl, &tbl->ht);
	start = get_random_u32_below(bt->size);
	for (i = 0; i < FWD_EARLY_DROP_MAX_BUCKETS && i < bt->size &&
	     seen < FWD_EARLY_DROP_SESSIONS; i++) {
		unsigned int hash = (start + i) & (bt->size - 1);

		rht_for_each_entry_rcu(s, pos, bt, hash, node) {
			seen++;
			if (!fwd_session_evictable(s))
				continue;
			if (!victim || time_before(READ_ONCE(s->last_seen),
						   READ_ONCE(victim->last_seen)))
				victim = s;
		}
	}
	if (!victim || !fwd_session_kill(tbl, victim, FWD_CLOSE_EVICTED))
		return false;
	fwd_stat_inc(tbl, FWD_CNT_SESSIONS_EVICTED);
	return true;
}

/*
 * Take one slot, evicting one of this namespace's sessions if needed (its
 * slot counts in the global limit too). Another CPU, or namespace, may take
 * the room first.
 */
static bool fwd_session_reserve(struct fwd_session_table *tbl)
{
	if (fwd_session_slot_get(tbl))
		return true;
	if (!fwd_session_early_drop(tbl))
		return false;
	return fwd_session_slot_get(tbl);
}

/*
 * A new, unlinked session for @pkt within max_sessions; NULL if there is no
 * room (*@full set) or no memory (counted as refused).
 */
static struct fwd_session *fwd_session_alloc(struct fwd_session_table *tbl,
					     const struct fwd_packet *pkt,
					     const struct fwd_key *key, int src,
					     unsigned long now, bool *full)
{
	struct fwd_session *s;

	if (!fwd_session_reserve(tbl)) {
		*full = true;
		return NULL;
	}
	/* SLAB_ACCOUNT cache: see fwd_session_module_init() for what is charged. */
	s = kmem_cache_zalloc(fwd_session_cache, GFP_ATOMIC);
	if (!s) {
		fwd_session_slot_put(tbl);
		fwd_stat_inc(tbl, FWD_CNT_ALLOC_FAILURES);
		return NULL;
	}
	s->key = *key;
	s->id = atomic64_inc_return(&tbl->next_id);
	s->client = src;
	s->table = tbl;
	s->first_seen = now;
	s->last_seen = now;
	spin_lock_init(&s->lock);
	spin_lock_init(&s->meta_lock);
	refcount_set(&s->ref, 1);	/* the table's */
	if (key->proto == IPPROTO_TCP) {
		struct fwd_tcp_seg seg = {
			.flags = pkt->tcp_flags, .seq = pkt->seq, .ack = pkt->ack,
			.len = pkt->payload_len,
		};

		fwd_tcp_init(s->tcp, &seg);
	}
	s->tclass = fwd_tclass_of(key->proto, s->tcp, false);
	return s;
}

/* Free a session that was never linked. */
static void fwd_session_free_unlinked(struct fwd_session_table *tbl, struct fwd_session *s)
{
	kmem_cache_free(fwd_session_cache, s);
	fwd_session_slot_put(tbl);
}

struct fwd_session *fwd_session_lookup(struct fwd_session_table *tbl,
				       const struct fwd_tuple *t, enum fwd_dir *dir)
{
	struct fwd_session *s;
	struct fwd_key key;
	int src;

	src = fwd_key_from_tuple(t, &key);
	s = rhashtable_lookup(&tbl->ht, &key, fwd_session_params);
	if (s && dir)
		*dir = src == s->client ? FWD_DIR_ORIG : FWD_DIR_REPLY;
	return s;
}
EXPORT_SYMBOL_IF_KUNIT(fwd_session_lookup);

/* ---- per-packet update ------------------------------------------------- */

struct fwd_update {
	bool is_new;
	bool rexmit;
	bool est_now;
	enum fwd_dir dir;
	u8 old[FWD_DIR_MAX];
	u8 new[FWD_DIR_MAX];
};

static void fwd_raise_packet_events(struct fwd_session *s, const struct fwd_packet *pkt,
				    const struct fwd_update *u, enum fwd_event_phase phase)
{
	struct fwd_event ev = {
		.phase = phase,
		.dir = u->dir,
		.pkt = pkt,
	};
	int i;

	if (u->is_new) {
		ev.type = FWD_EV_SESSION_NEW;
		fwd_event_raise(s, &ev);
	}
	ev.type = FWD_EV_PACKET;
	fwd_event_raise(s, &ev);
	if (u->rexmit) {
		ev.type = FWD_EV_RETRANSMIT;
		fwd_event_raise(s, &ev);
	} else if (pkt->payload_len) {
		ev.type = FWD_EV_DATA;
		fwd_event_raise(s, &ev);
	}
	for (i = 0; i < FWD_DIR_MAX; i++) {
		enum fwd_dir side = i ? !u->dir : u->dir;	/* sender first */

		if (u->old[side] == u->new[side])
			continue;
		ev.type = FWD_EV_TCP_STATE_CHANGE;
		ev.dir = side;
		ev.old_state = u->old[side];
		ev.new_state = u->new[side];
		fwd_event_raise(s, &ev);
	}
	ev.dir = u->dir;
	ev.old_state = 0;
	ev.new_state = 0;
	if (u->est_now) {
		ev.type = FWD_EV_ESTABLISHED;
		fwd_event_raise(s, &ev);
	}
}

/* Account @pkt to @s, move its TCP state, raise the events. Under s->lock. */
static void fwd_session_update_locked(struct fwd_session *s, const struct fwd_packet *pkt,
				      enum fwd_dir dir, bool is_new, unsigned long now)
{
	struct fwd_session_table *tbl = s->table;
	struct fwd_tcp_side tcp[FWD_DIR_MAX];
	struct fwd_update u = { .is_new = is_new, .dir = dir };
	bool both_ways;

	WRITE_ONCE(s->last_seen, now);
	WRITE_ONCE(s->packets[dir], s->packets[dir] + 1);
	WRITE_ONCE(s->bytes[dir], s->bytes[dir] + pkt->len);
	fwd_stat_inc(tbl, FWD_CNT_TRACKED);
	/* Assured: the other direction was seen too (the SYN/ACK of a handshake). */
	both_ways = s->packets[!dir] > 0;

	memcpy(tcp, s->tcp, sizeof(tcp));
	if (s->key.proto == IPPROTO_TCP) {
		struct fwd_tcp_seg seg = {
			.flags = pkt->tcp_flags, .seq = pkt->seq, .ack = pkt->ack,
			.len = pkt->payload_len,
		};

		if (fwd_tcp_update(tcp, dir, &seg)) {
			u.rexmit = fwd_tcp_is_retransmit(&s->tcp[dir], &seg);
			u.est_now = !s->established && both_ways &&
				    tcp[0].state == FWD_TCP_ESTABLISHED &&
				    tcp[1].state == FWD_TCP_ESTABLISHED;
		} else {
			fwd_stat_inc(tbl, FWD_CNT_TCP_INVALID);
		}
	} else {
		u.est_now = !s->established && dir == FWD_DIR_REPLY;
	}
	u.old[0] = s->tcp[0].state;
	u.old[1] = s->tcp[1].state;
	u.new[0] = tcp[0].state;
	u.new[1] = tcp[1].state;
	if (u.rexmit)
		fwd_stat_inc(tbl, FWD_CNT_RETRANSMITS);

	fwd_raise_packet_events(s, pkt, &u, FWD_PHASE_PRE);
	memcpy(s->tcp, tcp, sizeof(tcp));
	if (u.est_now)
		WRITE_ONCE(s->established, 1);
	WRITE_ONCE(s->tclass, fwd_tclass_of(s->key.proto, s->tcp, s->established));
	fwd_raise_packet_events(s, pkt, &u, FWD_PHASE_POST);
}

/* Whether a packet without a session may create one. */
static bool fwd_pkt_may_create(const struct fwd_packet *pkt)
{
	if (pkt->t.proto != IPPROTO_TCP)
		return true;
	return !(pkt->tcp_flags & TCPHDR_RST);
}

static bool fwd_pkt_is_syn(const struct fwd_packet *pkt)
{
	return pkt->t.proto == IPPROTO_TCP &&
	       (pkt->tcp_flags & (TCPHDR_SYN | TCPHDR_ACK)) == TCPHDR_SYN;
}

/* A new session joins the group the bind rules give, before its first events. */
static void fwd_session_bind(struct fwd_session *s, const struct fwd_packet *pkt,
			     const struct fwd_rl_ctx *rl)
{
	u8 dirs = 0, group;
	int dir;

	if (!rl || !rl->bind)
		return;
	group = rl->bind(rl->priv, pkt, &dirs);
	for (dir = 0; group && dir < FWD_DIR_MAX; dir++)
		if (dirs & BIT(dir))
			WRITE_ONCE(s->rl_group[dir], group);
}

/**
 * fwd_session_process_rl - find or create the session of @pkt and account it
 * @tbl: the table
 * @pkt: the parsed packet (TCP flags already validated)
 * @now: jiffies
 * @rl: rate groups: bind rules in, the packet's group out; may be NULL
 *
 * Return: NF_ACCEPT, or NF_DROP when no session could be made for it (no
 * room with full_policy drop, or no memory) or an event callback asked for
 * the drop.
 */
unsigned int fwd_session_process_rl(struct fwd_session_table *tbl, const struct fwd_packet *pkt,
				    unsigned long now, struct fwd_rl_ctx *rl)
{
	struct fwd_pkt_ctx ctx = { .pkt = pkt };
	struct fwd_session *s;
	bool is_new = false, full = false;
	struct fwd_key key;
	enum fwd_dir dir;
	int src;

	src = fwd_key_from_tuple(&pkt->t, &key);

	rcu_read_lock();
	s = rhashtable_lookup(&tbl->ht, &key, fwd_session_params);
	if (s && fwd_session_expired(s, now)) {
		if (fwd_session_kill(tbl, s, FWD_CLOSE_TIMEOUT))
			fwd_stat_inc(tbl, FWD_CNT_SESSIONS_EXPIRED);
		s = NULL;
	} else if (s && fwd_pkt_is_syn(pkt) && fwd_tcp_both_closed(s->tcp)) {
		/* A new connection reusing the tuple of a finished one. */
		if (fwd_session_kill(tbl, s, FWD_CLOSE_REPLACED))
			fwd_stat_inc(tbl, FWD_CNT_SESSIONS_REPLACED);
		s = NULL;
	}

	if (!s) {
		struct fwd_session *other;

		if (!fwd_pkt_may_create(pkt))
			goto out_accept;
		s = fwd_session_alloc(tbl, pkt, &key, src, now, &full);
		if (!s) {
			rcu_read_unlock();
			if (full && READ_ONCE(tbl->cfg->full_policy) == FWD_FULL_PASS) {
				fwd_stat_inc(tbl, FWD_CNT_SESSIONS_UNTRACKED);
				return NF_ACCEPT;
			}
			fwd_stat_inc(tbl, FWD_CNT_SESSIONS_REFUSED);
			return NF_DROP;
		}
		/* Linked locked: a racing CPU waits until SESSION_NEW is out. */
		spin_lock_bh(&s->lock);
		other = rhashtable_lookup_get_insert_fast(&tbl->ht, &s->node, fwd_session_params);
		if (!other) {
			fwd_stat_inc(tbl, FWD_CNT_SESSIONS_CREATED);
			is_new = true;
			goto locked;
		}
		spin_unlock_bh(&s->lock);
		fwd_session_free_unlinked(tbl, s);
		if (IS_ERR(other)) {
			fwd_stat_inc(tbl, FWD_CNT_ALLOC_FAILURES);
			fwd_stat_inc(tbl, FWD_CNT_SESSIONS_REFUSED);
			rcu_read_unlock();
			return NF_DROP;
		}
		s = other;	/* lost the race: use the winner's */
	}

	spin_lock_bh(&s->lock);
	if (s->dead) {
		/* Dying under us; the packet passes untracked. */
		spin_unlock_bh(&s->lock);
		goto out_accept;
	}
locked:
	dir = src == s->client ? FWD_DIR_ORIG : FWD_DIR_REPLY;
	if (is_new)
		fwd_session_bind(s, pkt, rl);
	s->cur = &ctx;
	fwd_session_update_locked(s, pkt, dir, is_new, now);
	s->cur = NULL;
	if (rl)
		rl->group = READ_ONCE(s->rl_group[dir]);
	if (READ_ONCE(s->drop_all))
		ctx.drop = true;
	spin_unlock_bh(&s->lock);
	rcu_read_unlock();

	if (ctx.drop) {
		fwd_stat_inc(tbl, FWD_CNT_DROPPED);
		return NF_DROP;
	}
	return NF_ACCEPT;

out_accept:
	rcu_read_unlock();
	return NF_ACCEPT;
}
EXPORT_SYMBOL_IF_KUNIT(fwd_session_process_rl);

unsigned int fwd_session_process(struct fwd_session_table *tbl, const struct fwd_packet *pkt,
				 unsigned long now)
{
	return fwd_session_process_rl(tbl, pkt, now, NULL);
}
EXPORT_SYMBOL_IF_KUNIT(fwd_session_process);

/* ---- GC ---------------------------------------------------------------- */

/**
 * fwd_session_gc - expire idle sessions, at most @budget visited per call
 * @tbl: the table
 * @now: jiffies
 * @budget: sessions to look at before returning
 *
 * The walk resumes where the previous call stopped.
 * Return: true when the walk reached the end of the table.
 */
bool fwd_session_gc(struct fwd_session_table *tbl, unsigned long now, unsigned int budget)
{
	struct fwd_session *s;
	bool end = false;

	if (!tbl->gc_walking) {
		rhashtable_walk_enter(&tbl->ht, &tbl->gc_iter);
		tbl->gc_walking = true;
	}
	rhashtable_walk_start(&tbl->gc_iter);
	while (budget) {
		s = rhashtable_walk_next(&tbl->gc_iter);
		if (IS_ERR(s)) {
			if (PTR_ERR(s) == -EAGAIN)
				continue;	/* resized: walk goes on in the new table */
			break;
		}
		if (!s) {
			end = true;
			break;
		}
		budget--;
		if (fwd_session_expired(s, now) && fwd_session_kill(tbl, s, FWD_CLOSE_TIMEOUT))
			fwd_stat_inc(tbl, FWD_CNT_SESSIONS_EXPIRED);
	}
	rhashtable_walk_stop(&tbl->gc_iter);
	if (end) {
		rhashtable_walk_exit(&tbl->gc_iter);
		tbl->gc_walking = false;
	}
	return end;
}
EXPORT_SYMBOL_IF_KUNIT(fwd_session_gc);

static void fwd_session_gc_work(struct work_struct *work)
{
	struct fwd_session_table *tbl = container_of(to_delayed_work(work),
						     struct fwd_session_table, gc_work);
	bool done;

	done = fwd_session_gc(tbl, jiffies, FWD_GC_BUDGET);
	queue_delayed_work(system_power_efficient_wq, &tbl->gc_work,
			   done ? FWD_GC_INTERVAL : 1);
}

void fwd_session_gc_start(struct fwd_session_table *tbl)
{
	tbl->gc_running = true;
	queue_delayed_work(system_power_efficient_wq, &tbl->gc_work, FWD_GC_INTERVAL);
}

void fwd_session_gc_stop(struct fwd_session_table *tbl)
{
	if (tbl->gc_running)
		cancel_delayed_work_sync(&tbl->gc_work);
	tbl->gc_running = false;
}

/* ---- table ------------------------------------------------------------- */

int fwd_session_table_init(struct fwd_session_table *tbl, const struct fwd_session_cfg *cfg)
{
	int err;

	memset(tbl, 0, sizeof(*tbl));
	tbl->cfg = cfg;
	atomic_set(&tbl->count, 0);
	INIT_DELAYED_WORK(&tbl->gc_work, fwd_session_gc_work);

	tbl->stats = alloc_percpu(struct fwd_session_stats);
	if (!tbl->stats)
		return -ENOMEM;

	err = rhashtable_init(&tbl->ht, &fwd_session_params);
	if (err)
		goto err_stats;
	return 0;

err_stats:
	free_percpu(tbl->stats);
	tbl->stats = NULL;
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(fwd_session_table_init);

static void fwd_session_flush_one(void *ptr, void *arg)
{
	struct fwd_session_table *tbl = arg;
	struct fwd_session *s = ptr;

	rcu_read_lock();
	fwd_session_mark_dead(s, FWD_CLOSE_FLUSH);
	rcu_read_unlock();
	fwd_session_slot_put(tbl);
	fwd_stat_inc(tbl, FWD_CNT_SESSIONS_FLUSHED);
	fwd_session_put(s);
}

/*
 * Destroy every session (CLOSING raised, metadata freed after a grace period)
 * and the table. Nothing else may use the table any more: hooks unregistered,
 * GC stopped, proc files removed.
 */
void fwd_session_table_destroy(struct fwd_session_table *tbl)
{
	fwd_session_gc_stop(tbl);
	if (tbl->gc_walking) {
		rhashtable_walk_exit(&tbl->gc_iter);
		tbl->gc_walking = false;
	}
	rhashtable_free_and_destroy(&tbl->ht, fwd_session_flush_one, tbl);
	WARN_ON_ONCE(atomic_read(&tbl->count) != 0);
	free_percpu(tbl->stats);
	tbl->stats = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(fwd_session_table_destroy);

int fwd_session_module_init(void)
{
	/*
	 * Not cache-line aligned: a session then takes its own size in the
	 * slab, not the next multiple of 64 (256 bytes for 200, the budget).
	 * SLAB_ACCOUNT: sessions created from a task's context (its own
	 * connections, LOCAL_OUT) are charged to its memory cgroup. Those
	 * created in softirq (forwarded or received packets, GFP_ATOMIC) are
	 * not charged to any task's memcg: max_sessions bounds them.
	 */
	fwd_session_cache = KMEM_CACHE(fwd_session, SLAB_ACCOUNT);
	if (!fwd_session_cache)
		return -ENOMEM;
	pr_info("session size %zu bytes\n", sizeof(struct fwd_session));
	return 0;
}

void fwd_session_module_exit(void)
{
	/* Everything freed by call_rcu() (sessions, metadata, pairs) goes first. */
	rcu_barrier();
	kmem_cache_destroy(fwd_session_cache);
}
