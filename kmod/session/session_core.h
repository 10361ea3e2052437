/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Session manager internals: the table, the parsed-packet descriptor, the pure
 * TCP tracking functions and the statistics. Plugins use <forwarder/session.h>.
 */
#ifndef _FWD_SESSION_CORE_H
#define _FWD_SESSION_CORE_H

#include <linux/atomic.h>
#include <linux/percpu.h>
#include <linux/rhashtable.h>
#include <linux/workqueue.h>
#include <linux/refcount.h>
#include <linux/rhashtable-types.h>
#include <linux/spinlock.h>
#include <forwarder/session.h>

#include "settings.h"

struct fwd_net;
struct net;
struct fwd_session_table;
struct fwd_pkt_ctx;
struct fwd_meta;
struct pm_sess;

/*
 * Direction-normalised key: endpoint 0 is the lower (address, port), so both
 * directions of a flow map to the same key.
 */
struct fwd_key {
	union fwd_addr addr[2];
	__be16 port[2];
	u8 family;		/* AF_INET or AF_INET6 */
	u8 proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	u8 pad[2];		/* always zero: the key is hashed and compared as bytes */
};

/* What we know about one end of a TCP connection. */
struct fwd_tcp_side {
	u8 state;		/* enum fwd_tcp_state */
	u8 flags;		/* FWD_TCPF_* */
	u32 isn;		/* sequence number of its SYN */
	u32 next_seq;		/* one past the highest sequence number it sent */
	u32 fin_end;		/* sequence number just past its FIN */
	u32 max_ack;		/* highest ACK it sent: where it expects the peer */
};

#define FWD_TCPF_SEQ_VALID	0x01	/* next_seq holds a value */
#define FWD_TCPF_SYN_SEEN	0x02
#define FWD_TCPF_FIN_SEEN	0x04
#define FWD_TCPF_FIN_ACKED	0x08
#define FWD_TCPF_ACK_VALID	0x10	/* max_ack holds a value */

struct fwd_session {
	struct rhash_head node;
	struct fwd_key key;
	u8 client;		/* index into key.addr of the client endpoint */
	u8 established;		/* both sides established / UDP replied */
	u8 dead;		/* unlinked: no more updates, no metadata */
	u8 reason;		/* enum fwd_close_reason, once dead */
	u8 tclass;		/* which timeout applies (internal) */
	u8 dump_marks;		/* netlink dumps that sent it (internal, under lock) */
	u8 rl_group[FWD_DIR_MAX];	/* rate group per direction, 0: none (aqm.h) */
	u64 id;			/* unique in the namespace, from 1, never reused */
	unsigned long first_seen;	/* jiffies */
	unsigned long last_seen;	/* jiffies */
	u64 packets[FWD_DIR_MAX];
	u64 bytes[FWD_DIR_MAX];
	struct fwd_tcp_side tcp[FWD_DIR_MAX];	/* FWD_DIR_ORIG: the client end */
	spinlock_t lock;	/* state, counters, events */
	spinlock_t meta_lock;	/* metadata list; nests inside lock */
	refcount_t ref;		/* the table's, and fwd_session_hold()'s */
	u8 drop_all;		/* fwd_session_drop_next() */
	struct fwd_meta __rcu *meta;
	struct fwd_pkt_ctx *cur;	/* packet being processed, under lock */
	struct pm_sess *pm;		/* plugin manager state, under lock */
	struct fwd_session_table *table;
	struct rcu_head rcu;
};

/* What a sink receives with each event. */
struct fwd_event {
	enum fwd_event_type type;
	enum fwd_event_phase phase;
	enum fwd_dir dir;		/* direction of the packet (or of the state change) */
	u8 old_state, new_state;	/* TCP_STATE_CHANGE: side dir, before and after */
	u8 reason;			/* CLOSING: enum fwd_close_reason */
	const struct fwd_packet *pkt;	/* NULL when no packet caused the event */
};

/* Where a sink runs among the others: lower first. */
enum fwd_event_sink_order {
	FWD_SINK_ORDER_FIRST		= -100,	/* watchers of every event (tests) */
	FWD_SINK_ORDER_PLUGINS		= 0,	/* the plugin manager */
	FWD_SINK_ORDER_LISTENERS	= 100,	/* netlink: sees what plugins did */
};

/*
 * A receiver of session events, called with the session locked in an RCU
 * read-side section, in atomic context.
 */
struct fwd_event_sink {
	void (*event)(struct fwd_session *s, const struct fwd_event *ev, void *priv);
	void *priv;
	int order;		/* enum fwd_event_sink_order */
	struct list_head list;	/* the event dispatcher's */
};

int fwd_event_sink_register(struct fwd_event_sink *sink);
void fwd_event_sink_unregister(struct fwd_event_sink *sink);


#define FWD_SESSIONS_DEFAULT_MAX	65536
#define FWD_SESSIONS_LIMIT		(1U << 24)
/* All namespaces together (module parameter max_sessions_global). */
#define FWD_SESSIONS_GLOBAL_DEFAULT	(1U << 20)
#define FWD_TIMEOUT_MAX_SECS		(30U * 24 * 3600)

/* Which timeout applies to a session. */
enum fwd_tclass {
	FWD_TCLASS_TCP_HANDSHAKE = 0,
	FWD_TCLASS_TCP_ESTABLISHED,
	FWD_TCLASS_TCP_CLOSING,
	FWD_TCLASS_UDP,
};

/*
 * The session manager's counters: one enum-indexed table. Its names
 * (/proc/forwarder/stats) and netlink attributes are in counters.c.
 */
enum fwd_counter {
	FWD_CNT_PACKETS,	/* seen by the hooks */
	FWD_CNT_TRACKED,	/* attributed to a session */
	FWD_CNT_PARSE_ERRORS,	/* truncated or malformed headers */
	FWD_CNT_FRAGMENTS,	/* non-first fragments, not classifiable */
	FWD_CNT_BAD_TCP_FLAGS,	/* impossible TCP flag combinations */
	FWD_CNT_OTHER_PROTO,	/* neither TCP nor UDP */
	FWD_CNT_SESSIONS_CREATED,
	FWD_CNT_SESSIONS_EXPIRED,
	FWD_CNT_SESSIONS_EVICTED,
	FWD_CNT_SESSIONS_REFUSED,	/* no room, nothing evictable: packet dropped */
	FWD_CNT_SESSIONS_UNTRACKED,	/* no room, nothing evictable: passed (full_policy) */
	FWD_CNT_SESSIONS_REPLACED,	/* closed session reused by a new SYN */
	FWD_CNT_SESSIONS_FLUSHED,	/* namespace exit, unload, netlink delete or flush */
	FWD_CNT_ALLOC_FAILURES,
	FWD_CNT_RETRANSMITS,
	FWD_CNT_TCP_INVALID,	/* TCP segments out of the flow's window, ignored */
	FWD_CNT_DROPPED,	/* by plugins (fwd_session_drop_packet(), drop_next) */
	FWD_CNT_NETLINK_EVENTS_DROPPED,	/* netlink events lost (no memory, full listeners) */
	FWD_CNT_MAX
};

struct fwd_counter_info {
	const char *name;	/* in /proc/forwarder/stats */
	u16 nl_attr;		/* FWD_STATS_* */
};

extern const struct fwd_counter_info fwd_counters[FWD_CNT_MAX];

struct fwd_session_stats {
	u64 cnt[FWD_CNT_MAX];
	u64 events[FWD_EV_MAX][FWD_PHASE_MAX];
};

struct fwd_session_table {
	struct rhashtable ht;
	atomic_t count;
	const struct fwd_session_cfg *cfg;
	/*
	 * The namespace belongs to a non-initial user namespace, whose root
	 * writes max_sessions: it holds at most max_sessions_userns.
	 */
	bool userns_share;
	struct fwd_session_stats __percpu *stats;
	/* GC: one resumable walk over the table, a budget per run. */
	struct delayed_work gc_work;
	struct rhashtable_iter gc_iter;
	bool gc_walking;
	bool gc_running;
	struct net *net;		/* NULL in KUnit tables */
	atomic64_t next_id;		/* session ids */
	unsigned long dump_slots;	/* netlink dumps in progress, bits of dump_marks */
};

/*
 * Rate groups around fwd_session_process(): @bind picks the group of a new
 * session (the AQM bind rules), @group receives the group of the packet's
 * direction once the events ran (a plugin may have changed it).
 */
struct fwd_rl_ctx {
	u8 (*bind)(void *priv, const struct fwd_packet *pkt, u8 *dirs);
	void *priv;
	u8 group;
};

/* The packet a session is processing, while its lock is held. */
struct fwd_pkt_ctx {
	const struct fwd_packet *pkt;
	bool drop;
};

/* One TCP segment as the state machine sees it. */
struct fwd_tcp_seg {
	u8 flags;		/* TCPHDR_* */
	u32 seq, ack, len;	/* len: payload bytes */
};

/*
 * How far from what its sender sent a segment may be and still move the TCP
 * state: the largest unscaled window. Window scaling is not parsed; real RSTs
 * and FINs sit at the sender's next sequence number, so a larger scaled
 * window changes nothing for them (and only widens a blind attacker's odds).
 */
#define FWD_TCP_WINDOW		65535U

#define FWD_GC_BUDGET		1024
#define FWD_GC_INTERVAL		(HZ / 4)
#define FWD_EARLY_DROP_SESSIONS	16
#define FWD_EARLY_DROP_MAX_BUCKETS	256

/* tcp.c: pure functions on plain structs */
int fwd_key_from_tuple(const struct fwd_tuple *t, struct fwd_key *k);
bool fwd_tcp_flags_valid(u8 flags);
void fwd_tcp_init(struct fwd_tcp_side tcp[FWD_DIR_MAX], const struct fwd_tcp_seg *seg);
bool fwd_tcp_in_window(const struct fwd_tcp_side tcp[FWD_DIR_MAX], enum fwd_dir dir,
		       const struct fwd_tcp_seg *seg);
bool fwd_tcp_update(struct fwd_tcp_side tcp[FWD_DIR_MAX], enum fwd_dir dir,
		    const struct fwd_tcp_seg *seg);
bool fwd_tcp_is_retransmit(const struct fwd_tcp_side *snd, const struct fwd_tcp_seg *seg);
bool fwd_tcp_both_closed(const struct fwd_tcp_side tcp[FWD_DIR_MAX]);
enum fwd_tclass fwd_tclass_of(u8 proto, const struct fwd_tcp_side tcp[FWD_DIR_MAX],
			      bool assured);
unsigned int fwd_tclass_secs(const struct fwd_session_cfg *cfg, enum fwd_tclass tc);

/* table.c */
int fwd_session_module_init(void);
void fwd_session_module_exit(void);
int fwd_session_table_init(struct fwd_session_table *tbl, const struct fwd_session_cfg *cfg);
unsigned int fwd_session_limit(const struct fwd_session_table *tbl);
#if IS_ENABLED(CONFIG_KUNIT)
extern unsigned int fwd_max_sessions_global;
int fwd_sessions_global_count(void);
#endif
void fwd_session_table_destroy(struct fwd_session_table *tbl);
void fwd_session_cfg_defaults(struct fwd_session_cfg *cfg);
unsigned int fwd_session_process(struct fwd_session_table *tbl, const struct fwd_packet *pkt,
				 unsigned long now);
unsigned int fwd_session_process_rl(struct fwd_session_table *tbl, const struct fwd_packet *pkt,
				    unsigned long now, struct fwd_rl_ctx *rl);
struct fwd_session *fwd_session_lookup(struct fwd_session_table *tbl,
				       const struct fwd_tuple *t, enum fwd_dir *dir);
bool fwd_session_gc(struct fwd_session_table *tbl, unsigned long now, unsigned int budget);
bool fwd_session_flush(struct fwd_session_table *tbl, struct fwd_session *s);
void fwd_session_gc_start(struct fwd_session_table *tbl);
void fwd_session_gc_stop(struct fwd_session_table *tbl);
bool fwd_session_expired(const struct fwd_session *s, unsigned long now);
unsigned long fwd_session_expires(const struct fwd_session *s);
void fwd_session_stats_sum(struct fwd_session_table *tbl, struct fwd_session_stats *sum);

#define fwd_stat_inc(tbl, c)	this_cpu_inc((tbl)->stats->cnt[c])

/* meta.c */
void fwd_meta_free_all(struct fwd_session *s);

/* events.c */
void fwd_event_raise(struct fwd_session *s, const struct fwd_event *ev);

/* hooks.c */
int fwd_session_hooks_register(struct net *net);
void fwd_session_hooks_unregister(struct net *net);
int fwd_session_parse(struct sk_buff *skb, u8 family, struct fwd_packet *pkt,
		      struct fwd_session_table *tbl);

/* proc.c */
int fwd_session_proc_init(struct fwd_net *fn);
void fwd_session_proc_exit(struct fwd_net *fn);

/* Per-namespace entry points, called from netns.c. */
int fwd_session_net_init(struct fwd_net *fn);
void fwd_session_net_exit(struct fwd_net *fn);

#endif /* _FWD_SESSION_CORE_H */
