/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * forwarder session manager: the API plugins build on.
 *
 * Every TCP and UDP flow the forwarder sees is a struct fwd_session, found by
 * its direction-normalised 5-tuple. The client (FWD_DIR_ORIG) is the endpoint
 * that sent the first packet seen (for TCP, normally the SYN). For TCP each
 * endpoint's state is tracked separately, the way each end itself sees the
 * connection.
 *
 * Events are delivered to one sink (the plugin manager) with the session lock
 * held and bottom halves disabled: callbacks must not sleep and must not call
 * anything that takes the session lock again. The metadata functions and
 * session_drop_current_packet() are safe to call from a callback.
 */
#ifndef _FORWARDER_SESSION_H
#define _FORWARDER_SESSION_H

#include <linux/types.h>
#include <linux/spinlock.h>
#include <linux/rhashtable-types.h>
#include <linux/in6.h>

struct sk_buff;
struct fwd_session_table;
struct fwd_pkt_ctx;
struct fwd_meta;
struct pm_sess;

enum fwd_dir {
	FWD_DIR_ORIG = 0,	/* client -> server */
	FWD_DIR_REPLY = 1,	/* server -> client */
	FWD_DIR_MAX
};

/* Each end of a TCP connection, as that end sees it. */
enum fwd_tcp_state {
	FWD_TCP_NONE = 0,	/* nothing seen from or to this end yet */
	FWD_TCP_LISTEN,
	FWD_TCP_SYN_SENT,
	FWD_TCP_SYN_RCVD,
	FWD_TCP_ESTABLISHED,
	FWD_TCP_FIN_WAIT_1,
	FWD_TCP_FIN_WAIT_2,
	FWD_TCP_CLOSING,
	FWD_TCP_TIME_WAIT,
	FWD_TCP_CLOSE_WAIT,
	FWD_TCP_LAST_ACK,
	FWD_TCP_CLOSED,
	FWD_TCP_STATE_MAX
};

enum fwd_event_type {
	FWD_EV_SESSION_NEW = 0,
	FWD_EV_TCP_STATE_CHANGE,	/* one per side that changed */
	FWD_EV_ESTABLISHED,		/* both sides established (UDP: first reply) */
	FWD_EV_DATA,			/* the packet carries payload */
	FWD_EV_RETRANSMIT,		/* its sequence range was already seen */
	FWD_EV_CLOSING,			/* the session is about to die */
	FWD_EV_PACKET,			/* every packet of a tracked session */
	FWD_EV_MAX
};

/* Whether an event is raised before or after the TCP state update. */
enum fwd_event_phase {
	FWD_PHASE_PRE = 0,
	FWD_PHASE_POST = 1,
	FWD_PHASE_MAX
};

/* Why a session ends (FWD_EV_CLOSING). */
enum fwd_close_reason {
	FWD_CLOSE_NONE = 0,
	FWD_CLOSE_TIMEOUT,	/* idle for longer than its timeout */
	FWD_CLOSE_EVICTED,	/* early drop to make room */
	FWD_CLOSE_REPLACED,	/* a new SYN reused the tuple of a closed session */
	FWD_CLOSE_FLUSH,	/* namespace exit or module unload */
};

union fwd_addr {
	__be32 ip;
	struct in6_addr in6;
};

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

/* One packet's view of its flow: what the hook parsed. */
struct fwd_tuple {
	union fwd_addr src, dst;
	__be16 sport, dport;
	u8 family;
	u8 proto;
};

/* What we know about one end of a TCP connection. */
struct fwd_tcp_side {
	u8 state;		/* enum fwd_tcp_state */
	u8 flags;		/* FWD_TCPF_* */
	u32 isn;		/* sequence number of its SYN */
	u32 next_seq;		/* one past the highest sequence number it sent */
	u32 fin_end;		/* sequence number just past its FIN */
};

#define FWD_TCPF_SEQ_VALID	0x01	/* next_seq holds a value */
#define FWD_TCPF_SYN_SEEN	0x02
#define FWD_TCPF_FIN_SEEN	0x04
#define FWD_TCPF_FIN_ACKED	0x08

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
	u32 payload_len;		/* DATA, RETRANSMIT, PACKET */
	struct sk_buff *skb;		/* NULL when no packet caused the event */
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

/*
 * Metadata: opaque values attached to a session under an integer key.
 * The session keeps @value (it does not copy it) and calls
 * free_cb(value, len) once it is deleted, replaced or the session dies, after
 * an RCU grace period, so a pointer returned by session_get_metadata() stays
 * valid until the caller's rcu_read_unlock(). free_cb may be NULL; it runs in
 * RCU callback (softirq) context.
 */
typedef void (*fwd_meta_free_t)(void *value, u32 len);

#define FWD_META_MAX_PER_SESSION	32

int session_set_metadata(struct fwd_session *s, u32 key, void *value, u32 len,
			 fwd_meta_free_t free_cb);
void *session_get_metadata(struct fwd_session *s, u32 key, u32 *len);
int session_del_metadata(struct fwd_session *s, u32 key);

/* From an event callback: drop the packet that raised the event. */
int session_drop_current_packet(struct fwd_session *s);

/* Getters (racy snapshots unless called from a callback). */
void session_get_tuple(const struct fwd_session *s, enum fwd_dir dir,
		       struct fwd_tuple *t);
enum fwd_tcp_state session_tcp_state(const struct fwd_session *s, enum fwd_dir side);
u64 session_packets(const struct fwd_session *s, enum fwd_dir dir);
u64 session_bytes(const struct fwd_session *s, enum fwd_dir dir);
const char *fwd_tcp_state_name(enum fwd_tcp_state st);
const char *fwd_event_name(enum fwd_event_type ev);

#endif /* _FORWARDER_SESSION_H */
