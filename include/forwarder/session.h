/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * forwarder session manager: the API plugins build on.
 *
 * Every TCP and UDP flow the forwarder sees is a struct fwd_session, found by
 * its direction-normalised 5-tuple. The client (FWD_DIR_ORIG) is the endpoint
 * that sent the first packet seen (for TCP, normally the SYN). For TCP each
 * endpoint's state is tracked separately, the way each end itself sees the
 * connection. The session is opaque: plugins read it through the accessors
 * below.
 *
 * Plugin callbacks (<forwarder/plugin.h>) run with the session lock held and
 * bottom halves disabled: they must not sleep. Every function here is safe
 * from a callback. A plugin that acts on a session later (from a timer or a
 * work item) takes a reference with fwd_session_hold() in a callback and
 * drops it with fwd_session_put(); the functions marked "any context" work
 * on a held session, dead or alive.
 */
#ifndef _FORWARDER_SESSION_H
#define _FORWARDER_SESSION_H

#include <linux/types.h>
#include <linux/in6.h>

struct sk_buff;
struct net;
struct fwd_session;

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
	FWD_CLOSE_FLUSH,	/* namespace exit, unload, or an administrator's delete or flush */
};

union fwd_addr {
	__be32 ip;
	struct in6_addr in6;
};

/* One packet's view of its flow: what the hook parsed. */
struct fwd_tuple {
	union fwd_addr src, dst;
	__be16 sport, dport;
	u8 family;
	u8 proto;
};

/*
 * One packet as the session manager parsed it. Offsets are from skb->data,
 * so they stay right after fwd_skb_writable().
 */
struct fwd_packet {
	struct fwd_tuple t;	/* as sent: src is the sender */
	u32 len;		/* L3 bytes */
	u32 l3_off;		/* IPv4 or IPv6 header */
	u32 l4_off;		/* TCP or UDP header */
	u32 payload_off;	/* L4 payload */
	u32 payload_len;	/* L4 payload bytes */
	u32 seq, ack;		/* TCP only */
	u8 tcp_flags;		/* TCPHDR_* (TCP only) */
	struct sk_buff *skb;	/* read only for plugins; NULL in KUnit */
};

/* Accessors: snapshots, any context (a held session). */
u64 fwd_session_id(const struct fwd_session *s);
struct net *fwd_session_net(const struct fwd_session *s);
void fwd_session_tuple(const struct fwd_session *s, enum fwd_dir dir, struct fwd_tuple *t);
enum fwd_tcp_state fwd_session_tcp_state(const struct fwd_session *s, enum fwd_dir side);
bool fwd_session_established(const struct fwd_session *s);
bool fwd_session_alive(const struct fwd_session *s);
u64 fwd_session_packets(const struct fwd_session *s, enum fwd_dir dir);
u64 fwd_session_bytes(const struct fwd_session *s, enum fwd_dir dir);
const char *fwd_tcp_state_name(enum fwd_tcp_state st);
const char *fwd_event_name(enum fwd_event_type ev);

/*
 * References: the session's memory stays until the last put, after its
 * death too (then fwd_session_alive() is false and every change is
 * refused with -ENOENT). Hold from a callback; put from any context.
 * A plugin puts every reference it holds before its module exits.
 */
struct fwd_session *fwd_session_hold(struct fwd_session *s);
void fwd_session_put(struct fwd_session *s);

/*
 * Drop the packet whose event is being handled (callback only): 0, or
 * -EINVAL outside a callback with a packet.
 */
int fwd_session_drop_packet(struct fwd_session *s);
/*
 * Any context: from now on every packet of @s is dropped (@on) or passes
 * again (!@on), counted as dropped. 0, or -ENOENT if it died.
 */
int fwd_session_drop_next(struct fwd_session *s, bool on);

/*
 * Metadata: values other plugins can read, under a key the manager hands
 * out by name ("dfi.class"): the same name gives the same key, in every
 * module, for as long as forwarder.ko is loaded. Keys are few
 * (FWD_META_KEYS_MAX); take them in module init. May sleep.
 * Return: the key (> 0), -EINVAL (empty or too long a name), -ENOSPC.
 */
#define FWD_META_NAME_MAX		32
#define FWD_META_KEYS_MAX		64
#define FWD_META_MAX_PER_SESSION	32
#define FWD_META_LEN_MAX		256

int fwd_meta_key(const char *name);

/*
 * The session copies @len bytes of @data (at most FWD_META_LEN_MAX) and
 * frees its copy itself: no plugin code runs when a value goes, so values
 * can outlive the plugin that set them. Any context.
 * Return: 0, -EINVAL (bad key or length), -ENOENT (the session died),
 * -ENOSPC (FWD_META_MAX_PER_SESSION keys), -ENOMEM.
 */
int fwd_session_set_meta(struct fwd_session *s, int key, const void *data, u32 len);
/*
 * Under rcu_read_lock() (callbacks are): the value, valid until
 * rcu_read_unlock(), and its length in *@len; NULL if none.
 */
const void *fwd_session_get_meta(struct fwd_session *s, int key, u32 *len);
/* Return: 0, or -ENOENT if there is no such value. Any context. */
int fwd_session_del_meta(struct fwd_session *s, int key);

#endif /* _FORWARDER_SESSION_H */
