// SPDX-License-Identifier: GPL-2.0-only
/*
 * Plugin manager: the session manager's event sink. Dispatches each event to
 * the registered plugins, keeps their per-session contexts and the
 * detach/take-over state, runs user-defined event filters.
 *
 * Registered plugins are published as an RCU snapshot (array sorted by
 * priority) rebuilt under pm_mutex; unregistering publishes a snapshot without
 * the plugin and waits a grace period, so no callback runs afterwards.
 * Per-session state (struct pm_sess, the contexts inside) hangs off
 * fwd_session::pm, is used under the session lock, and is freed after the
 * session's CLOSING POST. Every such record is also on pm_all (pm_ctx_lock)
 * so unregistering can free the plugin's contexts in live sessions.
 */
#include <linux/kernel.h>
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/skbuff.h>
#include <linux/percpu.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <kunit/visibility.h>

#include "forwarder.h"
#include "plugin/manager.h"

struct pm_stats {
	u64 calls;
	u64 took_over;
	u64 detached;
	u64 ctx_fail;
};

struct pm_entry {
	const struct fwd_plugin *p;
	unsigned int slot;
	u32 gen;
	struct pm_stats __percpu *stats;
};

struct pm_snap {
	struct rcu_head rcu;
	u32 listen[FWD_PHASE_MAX];	/* union of the masks per phase */
	unsigned int n;
	struct pm_entry *e[];
};

struct pm_ude {
	char name[FWD_PLUGIN_NAME_MAX];
	enum fwd_event_type base;
	fwd_ude_filter_t filter;
	void *priv;
};

#define PM_F_CALLED	0x01
#define PM_F_DETACHED	0x02
#define PM_F_CTX	0x04	/* the context was handed out: ctx_free is owed */

#define PM_NO_CTX	0xffff
#define PM_NO_OWNER	(-1)
#define PM_OWNER_GONE	(-2)	/* the owner unregistered: nobody owns, nobody else is called */

/* A plugin's state in one session. */
struct pm_slot {
	u32 gen;		/* the entry's gen this state is for, 0 for none */
	u16 off;		/* its context at pm_data() + off, or PM_NO_CTX */
	u8 flags;		/* PM_F_* */
};

/*
 * One record per session that met a plugin, with the plugins' contexts in
 * it (as conntrack's extensions are): a separate allocation per context and
 * a pointer per possible plugin cost more than the session itself. Sized
 * for the plugins registered when the session first met one; grown (and so
 * moved) when a plugin registered later needs room. Used under the session
 * lock; the list and every resize also under pm_ctx_lock, so that
 * unregistering can free a plugin's contexts in every live session.
 */
struct pm_sess {
	struct list_head node;		/* on pm_all */
	s8 cur;				/* slot of the running callback, -1 */
	s8 owner;			/* take-over owner's slot, PM_NO_OWNER, PM_OWNER_GONE */
	u8 nslots;
	u16 used;			/* bytes of context data */
	struct pm_slot slot[];		/* nslots, then the contexts */
};

static DEFINE_MUTEX(pm_mutex);
static DEFINE_SPINLOCK(pm_ctx_lock);
static LIST_HEAD(pm_all);				/* under pm_ctx_lock */
static struct pm_entry *pm_live[FWD_PLUGINS_MAX];	/* under pm_ctx_lock */
static struct pm_entry *pm_slots[FWD_PLUGINS_MAX];	/* under pm_mutex */
static u32 pm_gen;
static struct pm_snap __rcu *pm_snap;
static struct pm_ude __rcu *pm_udes[FWD_UDE_MAX];

/* ---- contexts ---------------------------------------------------------- */

static u8 *pm_data(struct pm_sess *ps)
{
	return (u8 *)&ps->slot[ps->nslots];
}

static size_t pm_ctx_room(const struct fwd_plugin *p)
{
	return round_up(p->ctx_size, sizeof(u64));
}

/* Under pm_ctx_lock: the context of slot @i goes, ctx_free first if owed. */
static void pm_slot_release(struct pm_sess *ps, unsigned int i, struct pm_entry *e)
{
	struct pm_slot *sl = &ps->slot[i];

	if ((sl->flags & PM_F_CTX) && e->p->ctx_free)
		e->p->ctx_free(pm_data(ps) + sl->off);
	WRITE_ONCE(sl->gen, 0);
	WRITE_ONCE(sl->flags, 0);
	sl->off = PM_NO_CTX;
	if (READ_ONCE(ps->owner) == (int)i)
		WRITE_ONCE(ps->owner, PM_OWNER_GONE);
}

static void pm_sess_free(struct fwd_session *s)
{
	struct pm_sess *ps = s->pm;
	unsigned int i;

	if (!ps)
		return;
	spin_lock(&pm_ctx_lock);
	for (i = 0; i < ps->nslots; i++) {
		struct pm_entry *e = pm_live[i];

		if (e && ps->slot[i].gen == e->gen)
			pm_slot_release(ps, i, e);
	}
	list_del(&ps->node);
	spin_unlock(&pm_ctx_lock);
	s->pm = NULL;
	kfree(ps);
}

static struct pm_sess *pm_sess_alloc(unsigned int nslots, size_t used)
{
	struct pm_sess *ps;

	if (nslots > FWD_PLUGINS_MAX || used >= PM_NO_CTX)
		return NULL;
	ps = kzalloc(struct_size(ps, slot, nslots) + used, GFP_ATOMIC | __GFP_ACCOUNT);
	if (!ps)
		return NULL;
	ps->nslots = nslots;
	ps->used = used;
	return ps;
}

/* The session's record, made room in for every plugin of @snap. */
static struct pm_sess *pm_sess_get(struct fwd_session *s, const struct pm_snap *snap)
{
	unsigned int i, nslots = 0;
	struct pm_sess *ps = s->pm;
	size_t used = 0;

	if (ps)
		return ps;
	for (i = 0; i < snap->n; i++) {
		nslots = max(nslots, snap->e[i]->slot + 1);
		used += pm_ctx_room(snap->e[i]->p);
	}
	ps = pm_sess_alloc(nslots, used);
	if (!ps)
		return NULL;
	ps->cur = -1;
	ps->owner = PM_NO_OWNER;
	for (i = 0; i < nslots; i++)
		ps->slot[i].off = PM_NO_CTX;
	for (used = 0, i = 0; i < snap->n; i++) {
		struct pm_entry *e = snap->e[i];

		ps->slot[e->slot].gen = e->gen;
		if (e->p->ctx_size) {
			ps->slot[e->slot].off = used;
			used += pm_ctx_room(e->p);
		}
	}
	spin_lock(&pm_ctx_lock);
	list_add(&ps->node, &pm_all);
	spin_unlock(&pm_ctx_lock);
	s->pm = ps;
	return ps;
}

/*
 * Slot @e->slot is not @e's yet (registered after the session met the
 * plugins, or the slot was another plugin's): fresh state, and a zeroed
 * context appended if it has one. A departed plugin's bytes stay unused.
 */
static struct pm_sess *pm_slot_claim(struct fwd_session *s, struct pm_entry *e)
{
	struct pm_sess *old = s->pm, *ps = old;
	size_t room = pm_ctx_room(e->p);
	unsigned int nslots = max_t(unsigned int, old->nslots, e->slot + 1);

	if (room || nslots > old->nslots) {
		ps = pm_sess_alloc(nslots, old->used + room);
		if (!ps)
			return NULL;
	}
	spin_lock(&pm_ctx_lock);
	if (ps != old) {
		ps->cur = old->cur;
		ps->owner = old->owner;
		memcpy(ps->slot, old->slot, old->nslots * sizeof(old->slot[0]));
		memset(&ps->slot[old->nslots], 0, (nslots - old->nslots) * sizeof(ps->slot[0]));
		memcpy(pm_data(ps), pm_data(old), old->used);
		list_replace(&old->node, &ps->node);
	}
	ps->slot[e->slot].gen = e->gen;
	ps->slot[e->slot].flags = 0;
	ps->slot[e->slot].off = room ? old->used : PM_NO_CTX;
	spin_unlock(&pm_ctx_lock);
	if (ps != old) {
		s->pm = ps;
		kfree(old);
	}
	return ps;
}

/* ---- dispatch ---------------------------------------------------------- */

/* The owner's slot is reset when it unregisters, so the slot says who. */
static bool pm_is_owner(const struct pm_sess *ps, const struct pm_entry *e)
{
	return READ_ONCE(ps->owner) == (int)e->slot;
}

/* Whether @e may receive @type for this session (D1, T1-T3). */
static bool pm_may_call(const struct pm_sess *ps, const struct pm_entry *e,
			enum fwd_event_type type)
{
	u8 flags = ps->slot[e->slot].flags;

	if (flags & PM_F_DETACHED)
		return false;
	if (READ_ONCE(ps->owner) == PM_NO_OWNER || pm_is_owner(ps, e))
		return true;
	return type == FWD_EV_CLOSING && (flags & PM_F_CALLED) &&
	       (e->p->events & FWD_EV_BIT(FWD_EV_CLOSING));
}

static void pm_call_one(struct fwd_session *s, struct pm_sess *ps, struct pm_entry *e,
			struct fwd_call *call, unsigned int id)
{
	struct pm_slot *sl = &ps->slot[e->slot];
	void *ctx = NULL;

	if (!pm_may_call(ps, e, call->base))
		return;
	if (e->p->ctx_size) {
		ctx = pm_data(ps) + sl->off;
		sl->flags |= PM_F_CTX;
	}
	call->event = id;
	call->plugin = e->p;
	sl->flags |= PM_F_CALLED;
	this_cpu_inc(e->stats->calls);
	ps->cur = (int)e->slot;
	e->p->on_event(s, call, ctx);
	ps->cur = -1;
}

static void pm_dispatch(struct fwd_session *s, const struct fwd_event *ev, void *priv)
{
	struct fwd_call call = {
		.net = fwd_session_net(s), .base = ev->type, .phase = ev->phase,
		.dir = ev->dir, .old_state = ev->old_state, .new_state = ev->new_state,
		.reason = ev->reason, .pkt = ev->pkt,
	};
	struct pm_snap *snap;
	struct pm_sess *ps;
	u32 mask, udes = 0;
	unsigned int i, id;

	snap = rcu_dereference(pm_snap);
	if (!snap)
		goto out;
	mask = FWD_EV_BIT(ev->type);
	for (i = 0; i < FWD_UDE_MAX; i++) {
		struct pm_ude *u = rcu_dereference(pm_udes[i]);

		if (!u || u->base != ev->type ||
		    !(snap->listen[ev->phase] & FWD_EV_BIT(FWD_UDE_FIRST + i)))
			continue;
		call.event = FWD_UDE_FIRST + i;
		if (u->filter(s, &call, u->priv))
			udes |= FWD_EV_BIT(FWD_UDE_FIRST + i);
	}
	mask |= udes;
	if (!(snap->listen[ev->phase] & mask))
		goto out;
	if (!pm_sess_get(s, snap))
		goto out;
	for (i = 0; i < snap->n; i++) {
		struct pm_entry *e = snap->e[i];
		u32 m = e->p->events & mask;

		if (e->p->phase != ev->phase || !m)
			continue;
		ps = s->pm;
		if ((e->slot >= ps->nslots || ps->slot[e->slot].gen != e->gen) &&
		    !pm_slot_claim(s, e)) {
			this_cpu_inc(e->stats->ctx_fail);
			continue;
		}
		while (m) {
			id = __ffs(m);
			m &= m - 1;
			/* Re-read: a callback cannot move it, but cheap to be sure. */
			pm_call_one(s, s->pm, e, &call, id);
		}
	}
out:
	if (ev->type == FWD_EV_CLOSING && ev->phase == FWD_PHASE_POST)
		pm_sess_free(s);
}

static struct fwd_event_sink pm_sink = {
	.event	= pm_dispatch,
	.order	= FWD_SINK_ORDER_PLUGINS,
};

/* ---- calls from callbacks ---------------------------------------------- */

static struct pm_entry *pm_cur_entry(struct pm_sess *ps)
{
	struct pm_snap *snap = rcu_dereference(pm_snap);
	unsigned int i;

	if (!snap)
		return NULL;
	for (i = 0; i < snap->n; i++)
		if ((int)snap->e[i]->slot == ps->cur)
			return snap->e[i];
	return NULL;
}

/* The plugin whose callback for @s is running, or NULL. */
static struct pm_entry *pm_caller(struct fwd_session *s)
{
	struct pm_sess *ps = s->pm;

	if (!ps || ps->cur < 0)
		return NULL;
	return pm_cur_entry(ps);
}

int fwd_session_detach_me(struct fwd_session *s)
{
	struct pm_entry *e = pm_caller(s);
	struct pm_sess *ps = s->pm;

	if (!e)
		return -EINVAL;
	if (!(ps->slot[ps->cur].flags & PM_F_DETACHED))
		this_cpu_inc(e->stats->detached);
	ps->slot[ps->cur].flags |= PM_F_DETACHED;
	return 0;
}
EXPORT_SYMBOL_GPL(fwd_session_detach_me);

int fwd_session_take_over(struct fwd_session *s)
{
	struct pm_entry *e = pm_caller(s);
	struct pm_sess *ps = s->pm;

	if (!e)
		return -EINVAL;
	if (READ_ONCE(ps->owner) != PM_NO_OWNER)
		return pm_is_owner(ps, e) ? 0 : -EBUSY;
	WRITE_ONCE(ps->owner, e->slot);
	this_cpu_inc(e->stats->took_over);
	return 0;
}
EXPORT_SYMBOL_GPL(fwd_session_take_over);

struct sk_buff *fwd_skb_writable(const struct fwd_call *call, unsigned int len)
{
	struct sk_buff *skb = call->pkt ? call->pkt->skb : NULL;

	if (!skb || skb_ensure_writable(skb, len))
		return NULL;
	return skb;
}
EXPORT_SYMBOL_GPL(fwd_skb_writable);

/* ---- calls from timers and work items ---------------------------------- */

/**
 * fwd_session_detach - @p gets no more event for @s (D1), from outside a callback
 * @s: a session the caller holds
 * @p: a registered plugin
 *
 * Takes the session lock: never from a callback of @s (there,
 * fwd_session_detach_me()).
 * Return: 0, -ENOENT (@s died or never met @p) or -EINVAL (@p unknown).
 */
int fwd_session_detach(struct fwd_session *s, const struct fwd_plugin *p)
{
	struct pm_snap *snap;
	struct pm_entry *e = NULL;
	struct pm_sess *ps;
	unsigned int i;
	int err = -EINVAL;

	rcu_read_lock();
	snap = rcu_dereference(pm_snap);
	for (i = 0; snap && i < snap->n; i++)
		if (snap->e[i]->p == p)
			e = snap->e[i];
	if (!e)
		goto out;
	err = -ENOENT;
	spin_lock_bh(&s->lock);
	ps = s->pm;
	if (fwd_session_alive(s) && ps && e->slot < ps->nslots &&
	    ps->slot[e->slot].gen == e->gen) {
		if (!(ps->slot[e->slot].flags & PM_F_DETACHED))
			this_cpu_inc(e->stats->detached);
		ps->slot[e->slot].flags |= PM_F_DETACHED;
		err = 0;
	}
	spin_unlock_bh(&s->lock);
out:
	rcu_read_unlock();
	return err;
}
EXPORT_SYMBOL_GPL(fwd_session_detach);

/* ---- registration ------------------------------------------------------ */

/* Under pm_mutex: publish the registered plugins, sorted by priority. */
static int pm_publish(void)
{
	struct pm_snap *snap, *old;
	unsigned int i, j, n = 0;

	for (i = 0; i < FWD_PLUGINS_MAX; i++)
		n += !!pm_slots[i];
	snap = NULL;
	if (n) {
		snap = kzalloc(struct_size(snap, e, n), GFP_KERNEL);
		if (!snap)
			return -ENOMEM;
		for (i = 0; i < FWD_PLUGINS_MAX; i++) {
			struct pm_entry *e = pm_slots[i];

			if (!e)
				continue;
			/* Insertion sort; equal priorities keep registration order. */
			for (j = snap->n; j > 0; j--) {
				struct pm_entry *o = snap->e[j - 1];

				if (o->p->priority < e->p->priority ||
				    (o->p->priority == e->p->priority && o->gen < e->gen))
					break;
				snap->e[j] = o;
			}
			snap->e[j] = e;
			snap->n++;
			snap->listen[e->p->phase] |= e->p->events;
		}
	}
	old = rcu_replace_pointer(pm_snap, snap, lockdep_is_held(&pm_mutex));
	if (old)
		kfree_rcu(old, rcu);
	return 0;
}

static struct pm_entry *pm_find(const struct fwd_plugin *p, const char *name)
{
	int i;

	for (i = 0; i < FWD_PLUGINS_MAX; i++) {
		struct pm_entry *e = pm_slots[i];

		if (e && (e->p == p || (name && !strcmp(e->p->name, name))))
			return e;
	}
	return NULL;
}

/**
 * fwd_plugin_register - start dispatching events to @p
 * @p: the plugin; stays valid until fwd_plugin_unregister() returns
 *
 * Return: 0, -EINVAL (bad description), -EEXIST (same name registered),
 * -ENOSPC (FWD_PLUGINS_MAX registered) or -ENOMEM.
 */
int fwd_plugin_register(const struct fwd_plugin *p)
{
	struct pm_entry *e;
	int slot, err;

	if (!p || !p->name || !p->name[0] || strlen(p->name) >= FWD_PLUGIN_NAME_MAX ||
	    !p->on_event || (unsigned int)p->phase >= FWD_PHASE_MAX ||
	    (p->events & ~(GENMASK(FWD_EV_MAX - 1, 0) |
			   GENMASK(FWD_EV_ID_MAX - 1, FWD_UDE_FIRST))))
		return -EINVAL;
	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	e->stats = alloc_percpu(struct pm_stats);
	if (!e->stats) {
		err = -ENOMEM;
		goto err_free;
	}
	e->p = p;

	mutex_lock(&pm_mutex);
	err = -EEXIST;
	if (pm_find(p, p->name))
		goto err_unlock;
	err = -ENOSPC;
	for (slot = 0; slot < FWD_PLUGINS_MAX; slot++)
		if (!pm_slots[slot])
			break;
	if (slot == FWD_PLUGINS_MAX)
		goto err_unlock;
	e->slot = slot;
	e->gen = ++pm_gen ?: ++pm_gen;	/* 0 is a free slot's */
	pm_slots[slot] = e;
	spin_lock_bh(&pm_ctx_lock);
	pm_live[slot] = e;
	spin_unlock_bh(&pm_ctx_lock);
	err = pm_publish();
	if (err) {
		spin_lock_bh(&pm_ctx_lock);
		pm_live[slot] = NULL;
		spin_unlock_bh(&pm_ctx_lock);
		pm_slots[slot] = NULL;
		goto err_unlock;
	}
	mutex_unlock(&pm_mutex);
	pr_info("plugin %s registered\n", p->name);
	return 0;

err_unlock:
	mutex_unlock(&pm_mutex);
	free_percpu(e->stats);
err_free:
	kfree(e);
	return err;
}
EXPORT_SYMBOL_GPL(fwd_plugin_register);

/**
 * fwd_plugin_unregister - stop dispatching to @p and free its contexts
 * @p: a registered plugin (anything else is ignored)
 *
 * On return none of @p's callbacks runs or will run. May sleep.
 */
void fwd_plugin_unregister(const struct fwd_plugin *p)
{
	struct pm_sess *ps;
	struct pm_entry *e;

	mutex_lock(&pm_mutex);
	e = pm_find(p, NULL);
	if (!e) {
		mutex_unlock(&pm_mutex);
		return;
	}
	pm_slots[e->slot] = NULL;
	/* Unpublishing must not fail: retry until memory is there. */
	while (pm_publish())
		msleep(20);
	synchronize_rcu();
	/* No callback of @p runs; free its contexts in live sessions. */
	spin_lock_bh(&pm_ctx_lock);
	list_for_each_entry(ps, &pm_all, node)
		if (e->slot < ps->nslots && ps->slot[e->slot].gen == e->gen)
			pm_slot_release(ps, e->slot, e);
	pm_live[e->slot] = NULL;
	spin_unlock_bh(&pm_ctx_lock);
	mutex_unlock(&pm_mutex);
	free_percpu(e->stats);
	kfree(e);
	pr_info("plugin %s unregistered\n", p->name);
}
EXPORT_SYMBOL_GPL(fwd_plugin_unregister);

/* ---- user-defined events ----------------------------------------------- */

/**
 * fwd_ude_register - define an event as @base plus @filter
 * @name: for /proc/forwarder/plugins
 * @base: the built-in event it refines
 * @filter: runs under the session lock for each @base someone listens to
 * @priv: passed to @filter
 *
 * Return: the event id (>= FWD_UDE_FIRST), -EINVAL, -ENOSPC or -ENOMEM.
 */
int fwd_ude_register(const char *name, enum fwd_event_type base,
		     fwd_ude_filter_t filter, void *priv)
{
	struct pm_ude *u;
	int i;

	if (!name || !filter || (unsigned int)base >= FWD_EV_MAX)
		return -EINVAL;
	u = kzalloc(sizeof(*u), GFP_KERNEL);
	if (!u)
		return -ENOMEM;
	strscpy(u->name, name, sizeof(u->name));
	u->base = base;
	u->filter = filter;
	u->priv = priv;
	mutex_lock(&pm_mutex);
	for (i = 0; i < FWD_UDE_MAX; i++) {
		if (!rcu_access_pointer(pm_udes[i])) {
			rcu_assign_pointer(pm_udes[i], u);
			break;
		}
	}
	mutex_unlock(&pm_mutex);
	if (i == FWD_UDE_MAX) {
		kfree(u);
		return -ENOSPC;
	}
	return FWD_UDE_FIRST + i;
}
EXPORT_SYMBOL_GPL(fwd_ude_register);

void fwd_ude_unregister(int id)
{
	struct pm_ude *u;

	if (id < FWD_UDE_FIRST || id >= FWD_EV_ID_MAX)
		return;
	mutex_lock(&pm_mutex);
	u = rcu_replace_pointer(pm_udes[id - FWD_UDE_FIRST], NULL,
				lockdep_is_held(&pm_mutex));
	mutex_unlock(&pm_mutex);
	if (!u)
		return;
	synchronize_rcu();
	kfree(u);
}
EXPORT_SYMBOL_GPL(fwd_ude_unregister);

/* ---- /proc/forwarder/plugins ------------------------------------------- */

static void pm_show_mask(struct seq_file *seq, u32 mask)
{
	bool first = true;
	unsigned int id;

	for (id = 0; id < FWD_EV_ID_MAX; id++) {
		struct pm_ude *u;

		if (!(mask & FWD_EV_BIT(id)))
			continue;
		seq_puts(seq, first ? "" : ",");
		first = false;
		if (id < FWD_EV_MAX) {
			seq_puts(seq, fwd_event_name(id));
			continue;
		}
		u = rcu_dereference_protected(pm_udes[id - FWD_UDE_FIRST],
					      lockdep_is_held(&pm_mutex));
		if (u)
			seq_printf(seq, "%s", u->name);
		else
			seq_printf(seq, "ude%u", id);
	}
	if (first)
		seq_puts(seq, "-");
}

static int pm_proc_show(struct seq_file *seq, void *v)
{
	struct pm_snap *snap;
	unsigned int i;
	int cpu;

	seq_puts(seq, "# name priority phase ctx_size calls took_over detached ctx_fail events\n");
	mutex_lock(&pm_mutex);
	snap = rcu_dereference_protected(pm_snap, lockdep_is_held(&pm_mutex));
	for (i = 0; snap && i < snap->n; i++) {
		struct pm_entry *e = snap->e[i];
		struct pm_stats sum = {};

		for_each_possible_cpu(cpu) {
			const struct pm_stats *st = per_cpu_ptr(e->stats, cpu);

			sum.calls += st->calls;
			sum.took_over += st->took_over;
			sum.detached += st->detached;
			sum.ctx_fail += st->ctx_fail;
		}
		seq_printf(seq, "%s %d %s %zu %llu %llu %llu %llu ", e->p->name,
			   e->p->priority, e->p->phase == FWD_PHASE_PRE ? "pre" : "post",
			   e->p->ctx_size, sum.calls, sum.took_over, sum.detached,
			   sum.ctx_fail);
		pm_show_mask(seq, e->p->events);
		seq_putc(seq, '\n');
	}
	for (i = 0; i < FWD_UDE_MAX; i++) {
		struct pm_ude *u = rcu_dereference_protected(pm_udes[i],
							     lockdep_is_held(&pm_mutex));

		if (u)
			seq_printf(seq, "ude %u %s base %s\n", FWD_UDE_FIRST + i, u->name,
				   fwd_event_name(u->base));
	}
	mutex_unlock(&pm_mutex);
	return 0;
}

struct proc_dir_entry *fwd_proc_dir(struct net *net)
{
	return fwd_pernet(net)->proc_dir;
}
EXPORT_SYMBOL_GPL(fwd_proc_dir);

int fwd_pm_net_init(struct fwd_net *fn)
{
	if (!proc_create_single("plugins", 0444, fn->proc_dir, pm_proc_show))
		return -ENOMEM;
	return 0;
}

void fwd_pm_net_exit(struct fwd_net *fn)
{
	remove_proc_entry("plugins", fn->proc_dir);
}

int fwd_pm_init(void)
{
	return fwd_event_sink_register(&pm_sink);
}

void fwd_pm_exit(void)
{
	fwd_event_sink_unregister(&pm_sink);
	WARN_ON(rcu_access_pointer(pm_snap));
}

#if IS_ENABLED(CONFIG_KUNIT)
/* KUnit: raise @ev on @s as the session manager does (caller holds nothing). */
void fwd_pm_test_dispatch(struct fwd_session *s, const struct fwd_event *ev)
{
	rcu_read_lock();
	spin_lock_bh(&s->lock);
	pm_dispatch(s, ev, NULL);
	spin_unlock_bh(&s->lock);
	rcu_read_unlock();
}
EXPORT_SYMBOL_IF_KUNIT(fwd_pm_test_dispatch);
#endif
