// SPDX-License-Identifier: GPL-2.0-only
/*
 * The per-namespace table of spliced pairs: both connections of a pair are
 * hashed by their local socket's 4-tuple (RCU lookups, random seed), a timer
 * per pair expires idle ones, and teardown runs in process context because
 * it has to lock and close the two sockets.
 */
#include <linux/file.h>
#include <linux/jiffies.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "forwarder.h"
#include "splice.h"

#define FWD_SPLICE_TIMEOUT_ESTABLISHED	900	/* seconds, like IPVS */
#define FWD_SPLICE_TIMEOUT_CLOSING	60
#define FWD_SPLICE_TIMEOUT_CLOSE	10	/* after a RST */

static const struct rhashtable_params fwd_splice_params = {
	.head_offset		= offsetof(struct fwd_splice_half, node),
	.key_offset		= offsetof(struct fwd_splice_half, key),
	.key_len		= sizeof(struct fwd_splice_key),
	.automatic_shrinking	= true,
};

struct fwd_splice_half *fwd_splice_lookup(struct fwd_splice_net *sn,
					  const struct fwd_splice_key *key)
{
	return rhashtable_lookup(&sn->table, key, fwd_splice_params);
}

int fwd_splice_hash(struct fwd_splice_net *sn, struct fwd_splice_pair *pair)
{
	int err;

	err = rhashtable_lookup_insert_fast(&sn->table, &pair->half[0].node,
					    fwd_splice_params);
	if (err)
		return err;
	err = rhashtable_lookup_insert_fast(&sn->table, &pair->half[1].node,
					    fwd_splice_params);
	if (err) {
		rhashtable_remove_fast(&sn->table, &pair->half[0].node,
				       fwd_splice_params);
		return err;
	}
	atomic_inc(&sn->count);
	return 0;
}

void fwd_splice_unhash(struct fwd_splice_net *sn, struct fwd_splice_pair *pair)
{
	rhashtable_remove_fast(&sn->table, &pair->half[0].node, fwd_splice_params);
	rhashtable_remove_fast(&sn->table, &pair->half[1].node, fwd_splice_params);
	atomic_dec(&sn->count);
}

/* Seconds of inactivity the pair may live in its current state. */
u32 fwd_splice_timeout(const struct fwd_splice_pair *pair)
{
	const struct fwd_splice_cfg *cfg = &pair->fn->splice_cfg;

	switch (READ_ONCE(pair->state)) {
	case FWD_SPLICE_TIME_WAIT:
		return READ_ONCE(cfg->timeout_closing);
	case FWD_SPLICE_CLOSE:
		return FWD_SPLICE_TIMEOUT_CLOSE;
	default:
		return READ_ONCE(cfg->timeout_established);
	}
}

/* Packets only record the time; the timer re-arms itself lazily. */
void fwd_splice_touch(struct fwd_splice_pair *pair)
{
	unsigned long now = jiffies;

	if (READ_ONCE(pair->last_seen) != now)
		WRITE_ONCE(pair->last_seen, now);
}

/**
 * fwd_splice_kill - schedule a pair's teardown (any context, idempotent)
 * @pair: the pair
 * @reset: send a RST to both peers first (idle expiry, unload)
 */
void fwd_splice_kill(struct fwd_splice_pair *pair, bool reset)
{
	struct fwd_splice_net *sn = pair->fn->splice;

	spin_lock_bh(&pair->lock);
	/* A pair being installed is its installer's to undo. */
	if (pair->state == FWD_SPLICE_DEAD || pair->state == FWD_SPLICE_INSTALLING) {
		spin_unlock_bh(&pair->lock);
		return;
	}
	pair->state = FWD_SPLICE_DEAD;
	pair->reset = reset;
	spin_unlock_bh(&pair->lock);

	spin_lock_bh(&sn->dying_lock);
	list_add_tail(&pair->dying, &sn->dying);
	spin_unlock_bh(&sn->dying_lock);
	queue_work(system_long_wq, &sn->teardown_work);
}

/**
 * fwd_splice_kill_id - tear down the pair @id, resetting both peers
 * @sn: the namespace's pairs
 * @id: the pair's id (show, netlink)
 *
 * Return: 0, or -ENOENT if no live pair has that id.
 */
int fwd_splice_kill_id(struct fwd_splice_net *sn, u64 id)
{
	struct fwd_splice_pair *pair = NULL;
	struct rhashtable_iter iter;
	struct fwd_splice_half *half;
	int err = -ENOENT;

	rhashtable_walk_enter(&sn->table, &iter);
	rhashtable_walk_start(&iter);
	while ((half = rhashtable_walk_next(&iter)) != NULL) {
		if (IS_ERR(half))	/* table resized under us: keep walking */
			continue;
		if (half->side == FWD_SPLICE_CLIENT && half->pair->id == id) {
			pair = half->pair;
			break;
		}
	}
	if (pair) {
		spin_lock_bh(&pair->lock);
		if (pair->state != FWD_SPLICE_INSTALLING && pair->state != FWD_SPLICE_DEAD)
			err = 0;
		spin_unlock_bh(&pair->lock);
		if (!err)
			fwd_splice_kill(pair, true);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	return err;
}

static void fwd_splice_timer(struct timer_list *t)
{
	struct fwd_splice_pair *pair = from_timer(pair, t, timer);
	unsigned long expires;
	enum fwd_splice_state state;

	state = READ_ONCE(pair->state);
	if (state == FWD_SPLICE_DEAD)
		return;
	expires = READ_ONCE(pair->last_seen) + fwd_splice_timeout(pair) * HZ;
	if (time_before(jiffies, expires)) {
		mod_timer(&pair->timer, expires);
		return;
	}
	atomic64_inc(&pair->fn->splice->expired);
	/* Idle connections are reset, so neither peer waits forever; closed ones just go. */
	fwd_splice_kill(pair, state == FWD_SPLICE_ESTABLISHED ||
			      state == FWD_SPLICE_FIN_WAIT);
}

/*
 * Close one of our sockets without a byte on the wire: repair mode makes the
 * disconnect silent. Repair is cleared again, whoever else still holds the
 * file (a leaked fd, an SCM_RIGHTS copy) must not get a repair-mode socket.
 */
static void fwd_splice_release_sock(struct sock *sk)
{
	int err;

	lock_sock(sk);
	tcp_sk(sk)->repair = 1;
	tcp_sk(sk)->repair_queue = TCP_NO_QUEUE;
	err = tcp_disconnect(sk, 0);
	tcp_sk(sk)->repair = 0;
	release_sock(sk);
	if (err)
		pr_info_ratelimited("splice: a released socket could not be disconnected (%d)\n", err);
}

static void fwd_splice_destroy(struct fwd_splice_pair *pair)
{
	struct fwd_splice_net *sn = pair->fn->splice;
	int side;

	del_timer_sync(&pair->timer);
	if (pair->reset) {
		fwd_splice_send_reset(pair, FWD_SPLICE_CLIENT);
		fwd_splice_send_reset(pair, FWD_SPLICE_SERVER);
	}
	/* Still hashed: whatever arrives meanwhile is dropped, not answered by the sockets. */
	for (side = 0; side < 2; side++)
		fwd_splice_release_sock(pair->sk[side]);
	fwd_splice_unhash(sn, pair);
	/* Their ports are free from here on, with the pair's tuples gone. */
	for (side = 0; side < 2; side++)
		fput(pair->file[side]);
	kfree_rcu(pair, rcu);
}

static void fwd_splice_teardown_work(struct work_struct *work)
{
	struct fwd_splice_net *sn = container_of(work, struct fwd_splice_net,
						 teardown_work);
	struct fwd_splice_pair *pair;

	for (;;) {
		spin_lock_bh(&sn->dying_lock);
		pair = list_first_entry_or_null(&sn->dying, struct fwd_splice_pair, dying);
		if (pair)
			list_del(&pair->dying);
		spin_unlock_bh(&sn->dying_lock);
		if (!pair)
			return;
		fwd_splice_destroy(pair);
	}
}

struct fwd_splice_pair *fwd_splice_pair_alloc(struct fwd_net *fn)
{
	struct fwd_splice_pair *pair;

	pair = kzalloc(sizeof(*pair), GFP_KERNEL_ACCOUNT);
	if (!pair)
		return NULL;
	pair->fn = fn;
	pair->id = atomic64_inc_return(&fn->splice->next_id);
	pair->state = FWD_SPLICE_INSTALLING;
	spin_lock_init(&pair->lock);
	INIT_LIST_HEAD(&pair->dying);
	timer_setup(&pair->timer, fwd_splice_timer, 0);
	pair->created = jiffies;
	pair->last_seen = pair->created;
	return pair;
}

/* The pair carries traffic from now on; its idle timer starts. */
void fwd_splice_activate(struct fwd_splice_pair *pair)
{
	spin_lock_bh(&pair->lock);
	/* Publishes the translation: the hook reads it only after seeing this state. */
	smp_store_release(&pair->state, FWD_SPLICE_ESTABLISHED);
	mod_timer(&pair->timer, jiffies + fwd_splice_timeout(pair) * HZ);
	spin_unlock_bh(&pair->lock);
}

int fwd_splice_net_init(struct fwd_net *fn)
{
	struct fwd_splice_net *sn;
	int err;

	sn = kzalloc(sizeof(*sn), GFP_KERNEL_ACCOUNT);
	if (!sn)
		return -ENOMEM;
	fn->splice_cfg.timeout_established = FWD_SPLICE_TIMEOUT_ESTABLISHED;
	fn->splice_cfg.timeout_closing = FWD_SPLICE_TIMEOUT_CLOSING;
	mutex_init(&sn->install_lock);
	spin_lock_init(&sn->dying_lock);
	INIT_LIST_HEAD(&sn->dying);
	INIT_WORK(&sn->teardown_work, fwd_splice_teardown_work);
	err = rhashtable_init(&sn->table, &fwd_splice_params);
	if (err) {
		kfree(sn);
		return err;
	}
	fn->splice = sn;
	return 0;
}

/*
 * Before the namespace's devices go: reset every live pair, so both peers
 * learn at once, and release the sockets (they pin the namespace).
 */
void fwd_splice_net_pre_exit(struct fwd_net *fn)
{
	struct fwd_splice_net *sn = fn->splice;
	struct rhashtable_iter iter;
	struct fwd_splice_half *half;

	/* No install is half done after this: every pair we find is active. */
	mutex_lock(&sn->install_lock);
	WRITE_ONCE(sn->exiting, true);
	mutex_unlock(&sn->install_lock);
	rhashtable_walk_enter(&sn->table, &iter);
	rhashtable_walk_start(&iter);
	while ((half = rhashtable_walk_next(&iter)) != NULL) {
		if (IS_ERR(half))
			continue;
		if (half->side == FWD_SPLICE_CLIENT)
			fwd_splice_kill(half->pair, true);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	flush_work(&sn->teardown_work);
}

void fwd_splice_net_exit(struct fwd_net *fn)
{
	struct fwd_splice_net *sn = fn->splice;

	flush_work(&sn->teardown_work);
	WARN_ON(atomic_read(&sn->count));
	rhashtable_destroy(&sn->table);
	mutex_destroy(&sn->install_lock);
	fn->splice = NULL;
	kfree(sn);
}
