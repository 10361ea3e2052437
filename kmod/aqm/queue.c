// SPDX-License-Identifier: GPL-2.0-only
/*
 * Shaping: a packet that finds no credit (or others waiting) is stolen from
 * the hook and queued in its group, FIFO, with a copy of the hook state and
 * references on what the state and the packet point to (the hook's devices
 * and skb->dev, socket, dst), as nf_queue takes them. A soft
 * hrtimer, armed for when the head packet will have its tokens, releases
 * packets in softirq: CoDel judges each on its way out (drop, or CE-mark an
 * ECT packet when the group has ecn), and the rest resume the netfilter chain
 * right after the session hook, then the hook's okfn, as nf_reinject() does,
 * so no later hook is skipped.
 *
 * Memory: per-group limits in packets and truesize bytes, and one per
 * namespace (aqm_mem_limit) over all its groups, so a namespace filling its
 * queues takes no room from another's.
 *
 * Lifetime: a device going down or away drops the packets that hold it (as
 * the hook's in or out device or as skb->dev);
 * deleting a group sends its queue on; namespace exit and unload (hooks
 * already gone) drop it.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/skbuff.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/sock.h>
#include <net/dst.h>
#include <net/inet_ecn.h>

#include "forwarder.h"
#include "aqm_core.h"

struct aqm_pkt {
	struct list_head list;
	struct sk_buff *skb;
	struct aqm_net *an;		/* charged for @mem; outlives its queues */
	struct nf_hook_state state;
	nf_hookfn *self;
	struct net_device *skb_dev;	/* skb->dev when queued, held as nf_queue does */
	netdevice_tracker in_tracker, out_tracker, skb_dev_tracker;
	u64 enq_ns;
	u32 wire;
	u32 mem;
};

/* Take what the copied hook state needs to outlive the hook call; all or nothing. */
static bool aqm_pkt_hold(struct aqm_pkt *q)
{
	struct sock *sk = q->state.sk;

	if (skb_dst(q->skb) && !skb_dst_force(q->skb))
		return false;
	if (sk && !refcount_inc_not_zero(&sk->sk_refcnt))
		return false;
	netdev_hold(q->state.in, &q->in_tracker, GFP_ATOMIC);
	netdev_hold(q->state.out, &q->out_tracker, GFP_ATOMIC);
	/* Read again on the way out (ip_output() takes it as POST_ROUTING's indev). */
	q->skb_dev = q->skb->dev;
	netdev_hold(q->skb_dev, &q->skb_dev_tracker, GFP_ATOMIC);
	return true;
}

static void aqm_pkt_release(struct aqm_pkt *q)
{
	netdev_put(q->state.in, &q->in_tracker);
	netdev_put(q->state.out, &q->out_tracker);
	netdev_put(q->skb_dev, &q->skb_dev_tracker);
	if (q->state.sk)
		sock_gen_put(q->state.sk);
	atomic_long_sub(q->mem, &q->an->mem_used);
	kfree(q);
}

static void aqm_pkt_drop(struct aqm_pkt *q)
{
	kfree_skb(q->skb);
	aqm_pkt_release(q);
}

static struct nf_hook_entries *aqm_hook_entries(struct net *net, u8 pf, unsigned int hook)
{
	if (pf == NFPROTO_IPV4)
		return rcu_dereference(net->nf.hooks_ipv4[hook]);
	if (pf == NFPROTO_IPV6)
		return rcu_dereference(net->nf.hooks_ipv6[hook]);
	return NULL;
}

/*
 * Resume after the hook that stole the packet: the later hooks of the same
 * hook point, then okfn. The hook is found again by its function, since the
 * array may have changed meanwhile; if it is gone the packet is dropped.
 *
 * Why the namespace's hook arrays: the kernel's only exported way back into
 * a hook chain is nf_reinject(), which takes a struct nf_queue_entry from
 * nf_queue's own machinery (a queue handler registered for the family, one
 * per kernel: nfnetlink_queue's). What this relies on is what nf_reinject()
 * itself uses: net->nf.hooks_ipv4/ipv6 read under RCU, the entries'
 * hooks[].hook, and nf_hook_slow() (exported) resuming at an index.
 */
static void aqm_reinject(struct aqm_pkt *q)
{
	struct nf_hook_state *st = &q->state;
	struct sk_buff *skb = q->skb;
	struct nf_hook_entries *e;
	unsigned int i;

	rcu_read_lock();
	local_bh_disable();
	e = aqm_hook_entries(st->net, st->pf, st->hook);
	for (i = 0; e && i < e->num_hook_entries; i++)
		if (e->hooks[i].hook == q->self)
			break;
	if (!e || i == e->num_hook_entries)
		kfree_skb(skb);
	else if (nf_hook_slow(skb, st, e, i + 1) == 1)
		st->okfn(st->net, st->sk, skb);
	local_bh_enable();
	rcu_read_unlock();
	aqm_pkt_release(q);
}

static void aqm_timer_arm(struct aqm_group *g, u64 at)
{
	hrtimer_start(&g->timer, ns_to_ktime(at), HRTIMER_MODE_ABS_SOFT);
}

/*
 * A queue entry of @g for @skb with its own copy of the hook state, its
 * memory charged to the namespace's limit and its references held. NULL if
 * that fails; *overlimit then says whether the namespace's limit was the reason.
 */
static struct aqm_pkt *aqm_pkt_new(struct aqm_group *g, struct sk_buff *skb,
				   const struct nf_hook_state *state, nf_hookfn *self, u32 wire,
				   u64 now, bool *overlimit)
{
	struct aqm_net *an = g->an;
	u32 mem = skb->truesize + sizeof(struct aqm_pkt);
	struct aqm_pkt *q;

	*overlimit = false;
	q = kmalloc(sizeof(*q), GFP_ATOMIC);
	if (!q)
		return NULL;
	q->skb = skb;
	q->an = an;
	q->state = *state;
	q->self = self;
	q->wire = wire;
	q->mem = mem;
	q->enq_ns = now;
	if (atomic_long_add_return(mem, &an->mem_used) > READ_ONCE(aqm_mem_limit)) {
		*overlimit = true;
		goto err_mem;
	}
	/* Nothing is held when this fails but the memory. */
	if (!aqm_pkt_hold(q))
		goto err_mem;
	return q;

err_mem:
	atomic_long_sub(mem, &an->mem_used);
	kfree(q);
	return NULL;
}

/* Under g->lock: append @q if the group's limits allow it. */
static bool aqm_enqueue(struct aqm_group *g, const struct aqm_params *p, struct aqm_pkt *q)
{
	if (g->qlen >= p->cfg.limit_pkts || g->qmem + q->mem > p->cfg.limit_bytes)
		return false;
	list_add_tail(&q->list, &g->queue);
	g->qlen++;
	g->backlog += q->wire;
	g->qmem += q->mem;
	return true;
}

/* Under g->lock, the queue just became non-empty: wake up when its head may leave. */
static void aqm_timer_start(struct aqm_group *g, const struct aqm_params *p, u64 now)
{
	struct aqm_pkt *q = list_first_entry(&g->queue, struct aqm_pkt, list);

	fwd_aqm_bucket_refill(&p->meter, &g->b, now);
	aqm_timer_arm(g, now + fwd_aqm_shape_wait(&p->meter, &g->b, q->wire));
}

/*
 * The largest packet the shaper takes whole: one that fits the bucket(s).
 * A GSO super-packet above it would leave as one burst and put the bucket
 * in debt for as long as it takes to send (8 s for 64 KB at 64 kbit/s), so
 * it is split into its segments first, as tbf does.
 */
static u32 aqm_shape_max(const struct aqm_params *p)
{
	if (p->cfg.peakrate)
		return min(p->cfg.burst, p->cfg.pburst);
	return p->cfg.burst;
}

/*
 * Segment @skb at L3 (as nfnetlink_queue does in a hook) and queue every
 * segment as a packet of its own; @skb itself is consumed. Segments that
 * find no room are dropped and counted, the others wait their turn.
 */
static unsigned int aqm_shape_segment(struct aqm_group *g, const struct aqm_params *p,
				      struct sk_buff *skb, const struct nf_hook_state *state,
				      nf_hookfn *self, u64 now)
{
	unsigned int drops = 0, over = 0;
	struct sk_buff *segs, *seg, *next;
	struct aqm_pkt *q, *tmp;
	LIST_HEAD(list);
	bool overlimit, arm;

	/* The GSO layer finds its protocol in skb->protocol, not set at every hook. */
	if (state->pf == NFPROTO_IPV4)
		skb->protocol = htons(ETH_P_IP);
	else if (state->pf == NFPROTO_IPV6)
		skb->protocol = htons(ETH_P_IPV6);
	segs = skb_gso_segment(skb, 0);
	if (IS_ERR_OR_NULL(segs)) {
		this_cpu_inc(g->stats->dropped);
		return NF_DROP;
	}

	skb_list_walk_safe(segs, seg, next) {
		skb_mark_not_on_list(seg);
		q = aqm_pkt_new(g, seg, state, self, seg->len, now, &overlimit);
		if (!q) {
			kfree_skb(seg);
			drops++;
			over += overlimit;
			continue;
		}
		list_add_tail(&q->list, &list);
	}

	spin_lock_bh(&g->lock);
	arm = list_empty(&g->queue);
	list_for_each_entry_safe(q, tmp, &list, list) {
		list_del(&q->list);
		if (!aqm_enqueue(g, p, q)) {
			/* Back on the local list, dropped below. */
			list_add_tail(&q->list, &list);
			break;
		}
	}
	/* Segments with credit leave at once, from the timer: it is armed once. */
	if (arm && !list_empty(&g->queue))
		aqm_timer_start(g, p, now);
	spin_unlock_bh(&g->lock);

	list_for_each_entry_safe(q, tmp, &list, list) {
		list_del(&q->list);
		aqm_pkt_drop(q);
		drops++;
		over++;
	}
	this_cpu_add(g->stats->overlimit, over);
	this_cpu_add(g->stats->dropped, drops);
	consume_skb(skb);
	return NF_STOLEN;
}

/**
 * aqm_shape - pass, queue or drop a packet of a shaping group
 * @g: the group
 * @p: its parameters
 * @skb: the packet
 * @state: the hook state (copied when queued)
 * @self: the hook function
 * @wire: wire bytes
 * @now: ns
 *
 * A GSO packet larger than the burst is queued as its segments.
 * Return: NF_ACCEPT (credit and nothing waiting), NF_STOLEN (queued) or
 * NF_DROP (limits, no memory, segmentation failed).
 */
unsigned int aqm_shape(struct aqm_group *g, const struct aqm_params *p, struct sk_buff *skb,
		       const struct nf_hook_state *state, nf_hookfn *self, u32 wire, u64 now)
{
	bool split = skb_is_gso(skb) && wire > aqm_shape_max(p);
	bool overlimit, queued;
	struct aqm_pkt *q;

	if (!split) {
		spin_lock_bh(&g->lock);
		if (list_empty(&g->queue)) {
			fwd_aqm_bucket_refill(&p->meter, &g->b, now);
			if (!fwd_aqm_shape_wait(&p->meter, &g->b, wire)) {
				fwd_aqm_shape_consume(&p->meter, &g->b, wire);
				spin_unlock_bh(&g->lock);
				this_cpu_inc(g->stats->pkts[AQM_GREEN]);
				this_cpu_add(g->stats->bytes[AQM_GREEN], wire);
				return NF_ACCEPT;
			}
		}
		spin_unlock_bh(&g->lock);
	}

	/* A socket looked up early without a reference cannot be held: let it pass. */
	if (skb_sk_is_prefetched(skb))
		return NF_ACCEPT;
	if (split)
		return aqm_shape_segment(g, p, skb, state, self, now);
	q = aqm_pkt_new(g, skb, state, self, wire, now, &overlimit);
	if (!q)
		goto drop;

	spin_lock_bh(&g->lock);
	queued = aqm_enqueue(g, p, q);
	if (queued && g->qlen == 1)
		aqm_timer_start(g, p, now);
	spin_unlock_bh(&g->lock);
	if (queued)
		return NF_STOLEN;
	aqm_pkt_release(q);
	overlimit = true;

drop:
	if (overlimit)
		this_cpu_inc(g->stats->overlimit);
	this_cpu_inc(g->stats->dropped);
	return NF_DROP;
}

static void aqm_unlink(struct aqm_group *g, struct aqm_pkt *q)
{
	list_del(&q->list);
	g->qlen--;
	g->backlog -= q->wire;
	g->qmem -= q->mem;
}

/* CE on an ECT packet; false if it is not ECT or cannot be written. */
static bool aqm_set_ce(struct sk_buff *skb)
{
	unsigned int len = skb->protocol == htons(ETH_P_IP) ? sizeof(struct iphdr) :
			   sizeof(struct ipv6hdr);

	if (skb_ensure_writable(skb, skb_network_offset(skb) + len))
		return false;
	return INET_ECN_set_ce(skb);
}

/* Release what has its tokens, CoDel deciding on the way out. */
enum hrtimer_restart aqm_timer_fn(struct hrtimer *t)
{
	struct aqm_group *g = container_of(t, struct aqm_group, timer);
	struct aqm_pkt *q, *tmp;
	const struct aqm_params *p;
	unsigned int n = 0, drops = 0, marks = 0;
	enum hrtimer_restart ret = HRTIMER_NORESTART;
	LIST_HEAD(send);
	LIST_HEAD(drop);
	u64 now = ktime_get_ns();

	rcu_read_lock();
	p = rcu_dereference(g->params);
	spin_lock(&g->lock);
	fwd_aqm_bucket_refill(&p->meter, &g->b, now);
	while (!list_empty(&g->queue) && n < AQM_RELEASE_BUDGET) {
		q = list_first_entry(&g->queue, struct aqm_pkt, list);
		if (fwd_aqm_shape_wait(&p->meter, &g->b, q->wire))
			break;
		if (fwd_aqm_codel_judge(&g->codel, &p->codel, now, now - q->enq_ns, g->backlog,
					max_t(u32, AQM_MTU, q->wire))) {
			if (!p->cfg.ecn || !aqm_set_ce(q->skb)) {
				aqm_unlink(g, q);
				list_add_tail(&q->list, &drop);
				drops++;
				continue;
			}
			marks++;
		}
		fwd_aqm_shape_consume(&p->meter, &g->b, q->wire);
		aqm_unlink(g, q);
		list_add_tail(&q->list, &send);
		n++;
	}
	if (!list_empty(&g->queue)) {
		q = list_first_entry(&g->queue, struct aqm_pkt, list);
		hrtimer_set_expires(t, ns_to_ktime(now + fwd_aqm_shape_wait(&p->meter, &g->b,
									    q->wire)));
		ret = HRTIMER_RESTART;
	}
	spin_unlock(&g->lock);
	rcu_read_unlock();

	this_cpu_add(g->stats->dropped, drops);
	this_cpu_add(g->stats->codel_dropped, drops);
	this_cpu_add(g->stats->ecn_marked, marks);
	list_for_each_entry_safe(q, tmp, &drop, list)
		aqm_pkt_drop(q);
	list_for_each_entry_safe(q, tmp, &send, list) {
		this_cpu_inc(g->stats->pkts[AQM_GREEN]);
		this_cpu_add(g->stats->bytes[AQM_GREEN], q->wire);
		this_cpu_inc(g->stats->delayed);
		aqm_reinject(q);
	}
	return ret;
}

/**
 * aqm_queue_flush - empty a group's queue, its timer cancelled
 * @g: the group, unreachable by packets
 * @send: send the packets on (group deleted) or drop them (hooks gone)
 */
void aqm_queue_flush(struct aqm_group *g, bool send)
{
	struct aqm_pkt *q, *tmp;
	LIST_HEAD(list);

	spin_lock_bh(&g->lock);
	list_splice_init(&g->queue, &list);
	g->qlen = 0;
	g->backlog = 0;
	g->qmem = 0;
	spin_unlock_bh(&g->lock);
	list_for_each_entry_safe(q, tmp, &list, list) {
		list_del(&q->list);
		if (send)
			aqm_reinject(q);
		else
			aqm_pkt_drop(q);
	}
}

/* Drop the packets of @g that hold @dev: hook devices or the packet's own. */
static void aqm_queue_flush_dev(struct aqm_group *g, struct net_device *dev)
{
	struct aqm_pkt *q, *tmp;
	unsigned int n = 0;
	LIST_HEAD(list);

	spin_lock_bh(&g->lock);
	list_for_each_entry_safe(q, tmp, &g->queue, list) {
		if (q->state.in != dev && q->state.out != dev && q->skb_dev != dev)
			continue;
		aqm_unlink(g, q);
		list_add_tail(&q->list, &list);
		n++;
	}
	spin_unlock_bh(&g->lock);
	list_for_each_entry_safe(q, tmp, &list, list)
		aqm_pkt_drop(q);
	this_cpu_add(g->stats->dropped, n);
}

static int aqm_netdev_event(struct notifier_block *nb, unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct aqm_net *an;
	struct aqm_group *g;
	unsigned int i;

	if (event != NETDEV_DOWN && event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;
	rcu_read_lock();
	an = READ_ONCE(fwd_pernet(dev_net(dev))->aqm);
	for (i = 1; an && i <= FWD_GROUPS_MAX; i++) {
		g = rcu_dereference(an->groups[i]);
		if (g)
			aqm_queue_flush_dev(g, dev);
	}
	rcu_read_unlock();
	return NOTIFY_DONE;
}

static struct notifier_block aqm_netdev_nb = {
	.notifier_call = aqm_netdev_event,
};

int aqm_notifier_init(void)
{
	return register_netdevice_notifier(&aqm_netdev_nb);
}

void aqm_notifier_exit(void)
{
	unregister_netdevice_notifier(&aqm_netdev_nb);
}
