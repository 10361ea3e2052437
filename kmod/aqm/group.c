// SPDX-License-Identifier: GPL-2.0-only
/*
 * Rate groups: one table of FWD_GROUPS_MAX RCU pointers per namespace, so a
 * packet finds its group by id in O(1) and a session only stores the id (one
 * byte per direction). Parameters are replaced with RCU; the token buckets
 * and the queue sit under a per-group lock on their own cache line; counters
 * are per CPU.
 *
 * Deleting a group unpublishes it and waits for a grace period, so no packet
 * can reach it any more; then its timer is cancelled and its queue sent.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/percpu.h>
#include <linux/math64.h>
#include <kunit/visibility.h>

#include "forwarder.h"
#include "aqm_core.h"
#include "session/session_core.h"

/* Per namespace: one namespace's queues cannot take another's room. */
unsigned long aqm_mem_limit = 64UL << 20;
module_param(aqm_mem_limit, ulong, 0644);
MODULE_PARM_DESC(aqm_mem_limit, "bytes (truesize) the shaping queues of one namespace may hold together");

static int aqm_refuse(struct aqm_why *why, enum aqm_field field, enum aqm_field other,
		      const char *msg)
{
	why->msg = msg;
	why->field = field;
	why->other = other;
	return -EINVAL;
}

/**
 * aqm_cfg_why - refuse configurations that cannot work, saying which field
 * @cfg: the configuration
 * @why: the reason and the field it blames
 *
 * The one check of every configuration: /proc, netlink and plugins
 * (fwd_group_create()). Return: 0 or -EINVAL.
 */
int aqm_cfg_why(const struct fwd_group_cfg *cfg, struct aqm_why *why)
{
	if (cfg->mode > FWD_GROUP_SHAPE)
		return aqm_refuse(why, AQM_F_MODE, AQM_F_NONE, "unknown mode (police or shape)");
	if (cfg->action > FWD_GROUP_ACT_MARK)
		return aqm_refuse(why, AQM_F_ACTION, AQM_F_NONE,
				  "unknown action (drop, mark-dscp or mark)");
	if (cfg->dscp > 63)
		return aqm_refuse(why, AQM_F_DSCP, AQM_F_NONE, "dscp above 63");
	if (!cfg->rate)
		return aqm_refuse(why, AQM_F_RATE, AQM_F_NONE, "rate missing or zero");
	if (cfg->burst < AQM_MTU)
		return aqm_refuse(why, AQM_F_BURST, AQM_F_NONE,
				  "burst missing or below one MTU (1500 bytes)");
	if (cfg->peakrate && cfg->ebs)
		return aqm_refuse(why, AQM_F_EBS, AQM_F_PEAKRATE,
				  "ebs (srTCM) and peakrate (trTCM) exclude each other");
	if (cfg->peakrate && cfg->pburst < AQM_MTU)
		return aqm_refuse(why, AQM_F_PBURST, AQM_F_PEAKRATE,
				  "pburst missing or below one MTU (1500 bytes)");
	if (!cfg->peakrate && cfg->pburst)
		return aqm_refuse(why, AQM_F_PBURST, AQM_F_PEAKRATE, "pburst without peakrate");
	if (cfg->peakrate && cfg->peakrate < cfg->rate)
		return aqm_refuse(why, AQM_F_PEAKRATE, AQM_F_RATE, "peakrate below rate");
	if (cfg->ebs && cfg->ebs < AQM_MTU)
		return aqm_refuse(why, AQM_F_EBS, AQM_F_NONE, "ebs below one MTU (1500 bytes)");
	if (!cfg->limit_pkts)
		return aqm_refuse(why, AQM_F_LIMIT_PKTS, AQM_F_NONE,
				  "limit must allow at least one packet");
	if (cfg->limit_bytes < AQM_MTU)
		return aqm_refuse(why, AQM_F_LIMIT_BYTES, AQM_F_NONE,
				  "limit must allow at least one packet");
	return 0;
}

/**
 * fwd_aqm_cfg_check - refuse configurations that cannot work
 * @cfg: the configuration
 * @why: the reason, for the log
 *
 * Return: 0 or -EINVAL.
 */
int fwd_aqm_cfg_check(const struct fwd_group_cfg *cfg, const char **why)
{
	struct aqm_why w = {};
	int err = aqm_cfg_why(cfg, &w);

	if (err)
		*why = w.msg;
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(fwd_aqm_cfg_check);

static struct aqm_params *aqm_params_new(const struct fwd_group_cfg *cfg, gfp_t gfp)
{
	struct aqm_params *p;
	u8 kind = AQM_METER_SINGLE;

	p = kzalloc(sizeof(*p), gfp);
	if (!p)
		return NULL;
	p->cfg = *cfg;
	if (cfg->peakrate)
		kind = AQM_METER_TRTCM;
	else if (cfg->ebs)
		kind = AQM_METER_SRTCM;
	if (fwd_aqm_meter_cfg_init(&p->meter, kind, cfg->rate, cfg->burst, cfg->ebs,
				   cfg->peakrate, cfg->pburst)) {
		kfree(p);
		return NULL;
	}
	fwd_aqm_codel_params_init(&p->codel, &p->meter.cir);
	return p;
}

struct aqm_group *aqm_group_get_locked(struct aqm_net *an, u8 id)
{
	return rcu_dereference_protected(an->groups[id], lockdep_is_held(&an->lock));
}

/* A group not published yet: nothing but its creator sees it. */
static struct aqm_group *aqm_group_new(struct aqm_net *an, u8 id,
				       const struct fwd_group_cfg *cfg, gfp_t gfp)
{
	struct aqm_params *p;
	struct aqm_group *g;

	g = kzalloc(sizeof(*g), gfp);
	if (!g)
		return NULL;
	g->stats = alloc_percpu_gfp(struct aqm_stats, gfp);
	p = aqm_params_new(cfg, gfp);
	if (!g->stats || !p)
		goto err_free;
	g->id = id;
	g->an = an;
	spin_lock_init(&g->lock);
	INIT_LIST_HEAD(&g->queue);
	fwd_aqm_codel_reset(&g->codel);
	fwd_aqm_bucket_fill(&p->meter, &g->b, ktime_get_ns());
	hrtimer_init(&g->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_SOFT);
	g->timer.function = aqm_timer_fn;
	RCU_INIT_POINTER(g->params, p);
	return g;

err_free:
	kfree(p);
	free_percpu(g->stats);
	kfree(g);
	return NULL;
}

/*
 * Writers (under an->lock) and plugins (in any context, without it) may
 * create the same id at once: the first publication wins. Deleting and
 * changing stay under an->lock, and a creator only fills an empty slot.
 */
static int aqm_group_publish(struct aqm_net *an, struct aqm_group *g)
{
	if (cmpxchg_release((struct aqm_group __force **)&an->groups[g->id], NULL, g))
		return -EEXIST;
	return 0;
}

static void aqm_group_free(struct aqm_group *g, bool send);

/* Make group @id and publish it, unless someone was first. */
static int aqm_group_create(struct aqm_net *an, u8 id, const struct fwd_group_cfg *cfg,
			    gfp_t gfp)
{
	struct aqm_group *g;
	int err;

	if (!id)
		return -EINVAL;
	if (rcu_access_pointer(an->groups[id]))
		return -EEXIST;
	g = aqm_group_new(an, id, cfg, gfp);
	if (!g)
		return -ENOMEM;
	err = aqm_group_publish(an, g);
	if (err)
		aqm_group_free(g, false);
	return err;
}

/* Under an->lock. */
int aqm_group_add(struct aqm_net *an, u8 id, const struct fwd_group_cfg *cfg)
{
	return aqm_group_create(an, id, cfg, GFP_KERNEL_ACCOUNT);
}

/* Under an->lock. Counters, tokens and the queue stay. */
int aqm_group_change(struct aqm_net *an, u8 id, const struct fwd_group_cfg *cfg)
{
	struct aqm_group *g = aqm_group_get_locked(an, id);
	struct aqm_params *p, *old;

	if (!g)
		return -ENOENT;
	p = aqm_params_new(cfg, GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;
	spin_lock_bh(&g->lock);
	old = rcu_replace_pointer(g->params, p, true);
	/* Tokens of a smaller bucket are capped; a larger one fills with time. */
	g->b.tc = min(g->b.tc, p->meter.cbs_ns);
	spin_unlock_bh(&g->lock);
	kfree_rcu(old, rcu);
	return 0;
}

/* Unpublished and past a grace period: nothing but its timer can touch it. */
static void aqm_group_free(struct aqm_group *g, bool send)
{
	hrtimer_cancel(&g->timer);
	aqm_queue_flush(g, send);
	kfree(rcu_dereference_protected(g->params, 1));
	free_percpu(g->stats);
	kfree(g);
}

/* Under an->lock: the queued packets are sent on. */
int aqm_group_del(struct aqm_net *an, u8 id)
{
	struct aqm_group *g = aqm_group_get_locked(an, id);

	if (!g)
		return -ENOENT;
	RCU_INIT_POINTER(an->groups[id], NULL);
	synchronize_net();
	aqm_group_free(g, true);
	return 0;
}

void aqm_stats_sum(struct aqm_group *g, struct aqm_stats *sum)
{
	int cpu, i;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct aqm_stats *st = per_cpu_ptr(g->stats, cpu);

		for (i = 0; i < AQM_COLOURS; i++) {
			sum->pkts[i] += st->pkts[i];
			sum->bytes[i] += st->bytes[i];
		}
		sum->dropped += st->dropped;
		sum->overlimit += st->overlimit;
		sum->codel_dropped += st->codel_dropped;
		sum->marked += st->marked;
		sum->ecn_marked += st->ecn_marked;
		sum->delayed += st->delayed;
	}
}

/**
 * aqm_group_snap - what the groups file and GROUP_GET show of a group
 * @g: the group, under rcu_read_lock()
 * @s: receives its configuration, counters, queue and tokens
 */
void aqm_group_snap(struct aqm_group *g, struct aqm_group_snap *s)
{
	const struct aqm_params *p = rcu_dereference(g->params);
	s64 tokens;

	s->cfg = p->cfg;
	spin_lock_bh(&g->lock);
	fwd_aqm_bucket_refill(&p->meter, &g->b, ktime_get_ns());
	tokens = g->b.tc;
	s->qlen = g->qlen;
	s->backlog = g->backlog;
	s->qmem = g->qmem;
	spin_unlock_bh(&g->lock);
	aqm_stats_sum(g, &s->st);

	/* Tokens as bytes of credit (negative: a large packet is being paid off). */
	if (tokens >= 0)
		s->tokens = mul_u64_u64_div_u64(tokens, p->cfg.rate, NSEC_PER_SEC);
	else
		s->tokens = -(s64)mul_u64_u64_div_u64(-tokens, p->cfg.rate, NSEC_PER_SEC);
	/* Derived from the rate (fwd_aqm_codel_params_init). */
	s->codel_target_us = div_u64(p->codel.target, NSEC_PER_USEC);
	s->codel_interval_us = div_u64(p->codel.interval, NSEC_PER_USEC);
}

/* ---- exported API ------------------------------------------------------ */

int fwd_group_create(struct net *net, u8 id, const struct fwd_group_cfg *cfg)
{
	struct aqm_net *an = net ? fwd_pernet(net)->aqm : NULL;
	struct fwd_group_cfg c = *cfg;
	const char *why;
	int err;

	if (!an || !id)
		return -EINVAL;
	if (!c.limit_pkts)
		c.limit_pkts = AQM_DEF_LIMIT_PKTS;
	if (!c.limit_bytes)
		c.limit_bytes = AQM_DEF_LIMIT_BYTES;
	err = fwd_aqm_cfg_check(&c, &why);
	if (err)
		return err;
	return aqm_group_create(an, id, &c, GFP_ATOMIC | __GFP_ACCOUNT);
}
EXPORT_SYMBOL_GPL(fwd_group_create);

int fwd_group_delete(struct net *net, u8 id)
{
	struct aqm_net *an = fwd_pernet(net)->aqm;
	int err;

	if (!an)
		return -ENOENT;
	mutex_lock(&an->lock);
	err = aqm_group_del(an, id);
	mutex_unlock(&an->lock);
	return err;
}
EXPORT_SYMBOL_GPL(fwd_group_delete);

int fwd_session_set_group(struct fwd_session *s, unsigned int id, u8 dir_mask)
{
	int dir;

	if (id > FWD_GROUPS_MAX || !dir_mask || (dir_mask & ~FWD_GROUP_DIR_BOTH))
		return -EINVAL;
	BUILD_BUG_ON(sizeof_field(struct fwd_session, rl_group) != FWD_DIR_MAX);
	if (!fwd_session_alive(s))
		return -ENOENT;
	for (dir = 0; dir < FWD_DIR_MAX; dir++)
		if (dir_mask & BIT(dir))
			WRITE_ONCE(s->rl_group[dir], id);
	return 0;
}
EXPORT_SYMBOL_GPL(fwd_session_set_group);

/* Namespace exit, its /proc file and hooks gone: free every group, queues dropped. */
void aqm_groups_destroy(struct aqm_net *an)
{
	struct aqm_group *g, *dead = NULL;
	unsigned int i;

	mutex_lock(&an->lock);
	for (i = 1; i <= FWD_GROUPS_MAX; i++) {
		g = aqm_group_get_locked(an, i);
		if (!g)
			continue;
		RCU_INIT_POINTER(an->groups[i], NULL);
		g->dead_next = dead;
		dead = g;
	}
	mutex_unlock(&an->lock);
	/* A grace period per namespace is slow: only when there is a group. */
	if (dead)
		synchronize_net();
	while (dead) {
		g = dead;
		dead = g->dead_next;
		aqm_group_free(g, false);
	}
}
