/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * AQM internals: rate groups (a meter, optionally a shaping queue with CoDel),
 * the pure token-bucket, unit-parsing and CoDel functions KUnit tests, and
 * the per-namespace state. Plugins use <forwarder/aqm.h>.
 */
#ifndef _FWD_AQM_CORE_H
#define _FWD_AQM_CORE_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/hrtimer.h>
#include <linux/netfilter.h>
#include <linux/netdevice.h>
#include <net/sch_generic.h>
#include <forwarder/aqm.h>

struct fwd_net;
struct fwd_packet;
struct sk_buff;

#define AQM_MTU			1500	/* smallest burst accepted */
#define AQM_DEF_LIMIT_PKTS	1000
#define AQM_DEF_LIMIT_BYTES	(8U << 20)	/* truesize */
#define AQM_RELEASE_BUDGET	64	/* packets per timer run */
#define AQM_CODEL_TARGET_NS	(5 * NSEC_PER_MSEC)	/* at least; more at low rates */
#define AQM_CODEL_INTERVAL_NS	(100 * NSEC_PER_MSEC)

/*
 * A rate is the packet schedulers' struct psched_ratecfg ("nanoseconds per
 * byte" as a multiplier and a shift), precomputed and applied by their own
 * exported helpers, with no overhead, mpu or link layer.
 */
static inline void aqm_rate_init(struct psched_ratecfg *r, u64 bytes_ps)
{
	static const struct tc_ratespec spec;

	psched_ratecfg_precompute(r, &spec, bytes_ps);
}

static inline s64 aqm_l2t(const struct psched_ratecfg *r, u32 len)
{
	return psched_l2t_ns(r, len);
}

enum aqm_colour { AQM_GREEN = 0, AQM_YELLOW, AQM_RED, AQM_COLOURS };

enum aqm_meter_kind {
	AQM_METER_SINGLE = 0,	/* one bucket: conform or exceed */
	AQM_METER_SRTCM,	/* RFC 2697: C overflows into E, both at CIR */
	AQM_METER_TRTCM,	/* RFC 2698: C at CIR, P at PIR */
};

struct aqm_meter_cfg {
	u8 kind;
	struct psched_ratecfg cir, pir;
	s64 cbs_ns, ebs_ns, pbs_ns;	/* bucket depths in ns of their rate */
};

/* Tokens in ns of credit; negative while a packet larger than the bucket is paid off. */
struct aqm_bucket {
	s64 tc, te, tp;
	u64 t_last;
};

int fwd_aqm_meter_cfg_init(struct aqm_meter_cfg *m, u8 kind, u64 cir, u32 cbs, u32 ebs,
			   u64 pir, u32 pbs);
void fwd_aqm_bucket_fill(const struct aqm_meter_cfg *m, struct aqm_bucket *b, u64 now);
void fwd_aqm_bucket_refill(const struct aqm_meter_cfg *m, struct aqm_bucket *b, u64 now);
enum aqm_colour fwd_aqm_meter_colour(const struct aqm_meter_cfg *m, struct aqm_bucket *b,
				     u32 len, u64 now);
s64 fwd_aqm_shape_wait(const struct aqm_meter_cfg *m, const struct aqm_bucket *b, u32 len);
void fwd_aqm_shape_consume(const struct aqm_meter_cfg *m, struct aqm_bucket *b, u32 len);

/* units.c: tc's units */
int fwd_aqm_parse_rate(const char *s, u64 *bytes_ps);
int fwd_aqm_parse_size(const char *s, u64 *bytes);

/* codel.c */
struct aqm_codel_vars {
	u32 count, lastcount;
	u32 rec_inv_sqrt;	/* 1/sqrt(count), Q0.32 */
	bool dropping;
	u64 first_above;	/* 0: not above target */
	u64 drop_next;
};

/* A group's CoDel target and interval (ns), from its rate. */
struct aqm_codel_params {
	u64 target, interval;
};

void fwd_aqm_codel_params_init(struct aqm_codel_params *cp, const struct psched_ratecfg *rate);
void fwd_aqm_codel_reset(struct aqm_codel_vars *v);
void fwd_aqm_codel_newton_step(struct aqm_codel_vars *v);
u64 fwd_aqm_codel_control_law(u64 t, u64 interval, u32 rec_inv_sqrt);
bool fwd_aqm_codel_judge(struct aqm_codel_vars *v, const struct aqm_codel_params *cp, u64 now,
			 u64 sojourn, u32 backlog, u32 mtu);

/* What packets read: the configuration and what is derived from it, RCU-replaced. */
struct aqm_params {
	struct fwd_group_cfg cfg;
	struct aqm_meter_cfg meter;
	struct aqm_codel_params codel;
	struct rcu_head rcu;
};

struct aqm_stats {
	u64 pkts[AQM_COLOURS], bytes[AQM_COLOURS];	/* conform, exceed, violate */
	u64 dropped;		/* every drop: police, limits, CoDel */
	u64 overlimit;		/* queue full (packets, bytes or the namespace's memory) */
	u64 codel_dropped;
	u64 marked;		/* re-marked by police (DSCP or skb->mark) */
	u64 ecn_marked;		/* CE set by CoDel */
	u64 delayed;		/* went through the queue */
};

struct aqm_net;

struct aqm_group {
	u8 id;
	struct aqm_net *an;
	struct aqm_params __rcu *params;
	struct aqm_stats __percpu *stats;
	struct aqm_group *dead_next;	/* namespace exit */

	spinlock_t lock ____cacheline_aligned_in_smp;	/* below */
	struct aqm_bucket b;
	struct list_head queue;		/* struct aqm_pkt, FIFO */
	u32 qlen, backlog, qmem;	/* packets, wire bytes, truesize */
	struct aqm_codel_vars codel;
	struct hrtimer timer;
};

/* A bind rule: new sessions matching it join a group. */
struct aqm_bind {
	u8 group, proto, dirs;
	u16 sport, dport;	/* 0: any */
};

#define AQM_BINDS_MAX	32

struct aqm_binds {
	unsigned int n;
	struct rcu_head rcu;
	struct aqm_bind b[];
};

struct aqm_net {
	struct net *net;
	struct mutex lock;	/* writers */
	struct aqm_group __rcu *groups[FWD_GROUPS_MAX + 1];
	struct aqm_binds __rcu *binds;
	atomic_long_t mem_used;	/* truesize queued in all its groups, <= aqm_mem_limit */
};

extern unsigned long aqm_mem_limit;	/* per namespace */

/*
 * What a refusal blames: a field of the configuration or of a bind rule,
 * so /proc can log the reason and netlink name the attribute. @other is a
 * second field the reason involves (peakrate below rate), for when the
 * request did not give @field.
 */
enum aqm_field {
	AQM_F_NONE,
	AQM_F_ID,
	AQM_F_MODE,
	AQM_F_ACTION,
	AQM_F_DSCP,
	AQM_F_RATE,
	AQM_F_BURST,
	AQM_F_EBS,
	AQM_F_PEAKRATE,
	AQM_F_PBURST,
	AQM_F_LIMIT_PKTS,
	AQM_F_LIMIT_BYTES,
	AQM_F_PROTO,
	AQM_F_DIR,
};

struct aqm_why {
	const char *msg;
	enum aqm_field field, other;
};

/* A group as the groups file and GROUP_GET show it (aqm_group_snap()). */
struct aqm_group_snap {
	struct fwd_group_cfg cfg;
	struct aqm_stats st;
	u32 qlen, backlog, qmem;
	s64 tokens;		/* bytes of credit */
	u64 codel_target_us, codel_interval_us;
};

/*
 * Fills a configuration for aqm_group_edit(): the defaults (add) or the
 * group's current one (change) come in, what the request says is applied.
 */
typedef int (*aqm_fill_t)(struct fwd_group_cfg *cfg, void *arg, struct aqm_why *why);

/* group.c */
struct aqm_group *aqm_group_get_locked(struct aqm_net *an, u8 id);
int aqm_group_add(struct aqm_net *an, u8 id, const struct fwd_group_cfg *cfg);
int aqm_group_change(struct aqm_net *an, u8 id, const struct fwd_group_cfg *cfg);
int aqm_group_del(struct aqm_net *an, u8 id);
int aqm_cfg_why(const struct fwd_group_cfg *cfg, struct aqm_why *why);
int fwd_aqm_cfg_check(const struct fwd_group_cfg *cfg, const char **why);
void aqm_group_snap(struct aqm_group *g, struct aqm_group_snap *s);
void aqm_stats_sum(struct aqm_group *g, struct aqm_stats *sum);
void aqm_groups_destroy(struct aqm_net *an);

/* bind.c */
int aqm_bind_add(struct aqm_net *an, const struct aqm_bind *b);
int aqm_bind_del_group(struct aqm_net *an, u8 id);
void aqm_binds_free(struct aqm_net *an);
u8 aqm_bind_lookup(void *priv, const struct fwd_packet *pkt, u8 *dirs);

/* ctl.c: the /proc and netlink front doors, each taking an->lock */
int aqm_group_edit(struct aqm_net *an, u8 id, bool add, aqm_fill_t fill, void *arg,
		   struct aqm_why *why);
int aqm_group_remove(struct aqm_net *an, u8 id, struct aqm_why *why);
int aqm_bind_new(struct aqm_net *an, const struct aqm_bind *b, struct aqm_why *why);
int aqm_bind_remove(struct aqm_net *an, u8 id, struct aqm_why *why);

/* queue.c */
unsigned int aqm_shape(struct aqm_group *g, const struct aqm_params *p, struct sk_buff *skb,
		       const struct nf_hook_state *state, nf_hookfn *self, u32 wire, u64 now);
enum hrtimer_restart aqm_timer_fn(struct hrtimer *t);
void aqm_queue_flush(struct aqm_group *g, bool send);
int aqm_notifier_init(void);
void aqm_notifier_exit(void);

/* proc.c */
int aqm_proc_init(struct fwd_net *fn);
void aqm_proc_exit(struct fwd_net *fn);

/* net.c: entry points for the core (netns.c, main.c) */
int fwd_aqm_net_init(struct fwd_net *fn);
void fwd_aqm_net_exit(struct fwd_net *fn);
int fwd_aqm_init(void);
void fwd_aqm_exit(void);

/* police.c: the session hooks' */
unsigned int fwd_aqm_apply(struct fwd_net *fn, u8 gid, struct sk_buff *skb,
			   const struct nf_hook_state *state, nf_hookfn *self);

#endif /* _FWD_AQM_CORE_H */
