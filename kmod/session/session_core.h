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
#include <forwarder/session.h>

struct fwd_net;
struct net;

/* Tunables, one set per namespace, all in seconds except max_sessions. */
struct fwd_session_cfg {
	unsigned int max_sessions;
	unsigned int timeout_tcp_established;
	unsigned int timeout_tcp_handshake;
	unsigned int timeout_tcp_closing;
	unsigned int timeout_udp;
	unsigned int full_policy;	/* enum fwd_full_policy */
};

/* A new flow when the table is full and nothing is evictable. */
enum fwd_full_policy {
	FWD_FULL_DROP = 0,	/* its packet is dropped (sessions_refused) */
	FWD_FULL_PASS,		/* it passes untracked (sessions_untracked) */
};

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

struct fwd_session_stats {
	u64 packets;		/* seen by the hooks */
	u64 tracked;		/* attributed to a session */
	u64 parse_errors;	/* truncated or malformed headers */
	u64 fragments;		/* non-first fragments, not classifiable */
	u64 bad_tcp_flags;	/* impossible TCP flag combinations */
	u64 other_proto;	/* neither TCP nor UDP */
	u64 created;
	u64 expired;
	u64 evicted;
	u64 refused;		/* no room, nothing evictable: packet dropped */
	u64 untracked;		/* no room, nothing evictable: passed (full_policy) */
	u64 tcp_invalid;	/* TCP segments out of the flow's window, ignored */
	u64 replaced;		/* closed session reused by a new SYN */
	u64 flushed;		/* destroyed by namespace exit or unload */
	u64 alloc_failures;
	u64 retransmits;
	u64 dropped;		/* by session_drop_current_packet() */
	u64 nl_events_dropped;	/* netlink events lost (no memory, full listeners) */
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

/* One parsed packet: everything the session manager needs, no skb required. */
struct fwd_pkt {
	struct fwd_tuple t;
	u32 len;		/* L3 bytes */
	u32 payload_len;	/* L4 payload bytes */
	u32 seq, ack;		/* TCP only */
	u8 tcp_flags;		/* TCPHDR_* */
	struct sk_buff *skb;	/* may be NULL (KUnit) */
};

/*
 * Rate groups around fwd_session_process(): @bind picks the group of a new
 * session (the AQM bind rules), @group receives the group of the packet's
 * direction once the events ran (a plugin may have changed it).
 */
struct fwd_rl_ctx {
	u8 (*bind)(void *priv, const struct fwd_pkt *pkt, u8 *dirs);
	void *priv;
	u8 group;
};

/* The packet a session is processing, while its lock is held. */
struct fwd_pkt_ctx {
	const struct fwd_pkt *pkt;
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
unsigned int fwd_session_process(struct fwd_session_table *tbl, const struct fwd_pkt *pkt,
				 unsigned long now);
unsigned int fwd_session_process_rl(struct fwd_session_table *tbl, const struct fwd_pkt *pkt,
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

#define fwd_stat_inc(tbl, field)	this_cpu_inc((tbl)->stats->field)

/* events.c */
void fwd_event_raise(struct fwd_session *s, const struct fwd_event *ev);

/* genl.c */
int fwd_genl_init(void);
void fwd_genl_exit(void);

/* hooks.c */
int fwd_session_hooks_register(struct net *net);
void fwd_session_hooks_unregister(struct net *net);
int fwd_session_parse(struct sk_buff *skb, u8 family, struct fwd_pkt *pkt,
		      struct fwd_session_table *tbl);

/* proc.c */
int fwd_session_proc_init(struct fwd_net *fn);
void fwd_session_proc_exit(struct fwd_net *fn);

/* Per-namespace entry points, called from netns.c. */
int fwd_session_net_init(struct fwd_net *fn);
void fwd_session_net_exit(struct fwd_net *fn);

#endif /* _FWD_SESSION_CORE_H */
