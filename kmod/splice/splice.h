/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TCP splicing: two established TCP connections that meet in this host (client
 * to us, us to server) joined into one. From the hand-off on, every segment
 * arriving on one connection is rewritten into the other connection's sequence
 * space, addresses, ports, timestamps and window scale, cut to the MSS its
 * receiver announced, and sent on.
 *
 * The two local sockets: they stay hashed and referenced by the pair, so their
 * ports stay reserved exactly as long as the pair lives, and are released
 * (silently, in repair mode) with it. From install on nothing reaches them
 * and nothing they emit leaves, with one exception: bytes a socket was given
 * before the hand-off and its peer had not acknowledged yet ("owed", the
 * listener's reply or relayed bytes) stay that socket's to retransmit. Until
 * they are acknowledged the socket sees, for every segment of its peer, a
 * pure ACK built from it: no payload, no SACK, its ack clamped to what the
 * socket sent. Its receive side never moves, so it never owes an ACK, its
 * retransmissions ACK nothing new, and once the owed bytes are acknowledged
 * it has no timer left (no RTO, probe, keepalive or delayed ACK).
 *
 * The pair is a middlebox that endpoints would trust as themselves, so it
 * follows RFC 5961 for them: a RST is honoured only at the exact sequence
 * number, a RST elsewhere in the window and any SYN get a challenge ACK, and
 * RSTs and FINs outside the window are dropped and counted.
 *
 * Files: table.c (the pair table, timers, teardown), hook.c (the netfilter
 * data path), xlate.c (pure rewriting), reply.c (segments we originate),
 * install.c (hand-off), proc.c (/proc files). Calls go hook -> table ->
 * reply, install -> table; nothing calls back up.
 */
#ifndef _FWD_SPLICE_H
#define _FWD_SPLICE_H

#include <linux/mutex.h>
#include <linux/rhashtable-types.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct file;
struct net;
struct sk_buff;
struct sock;
struct tcphdr;
struct fwd_net;

enum fwd_splice_side {
	FWD_SPLICE_CLIENT,	/* packets arriving from the client */
	FWD_SPLICE_SERVER,	/* packets arriving from the server */
};

/* A connection's 4-tuple as seen by its local socket. */
struct fwd_splice_key {
	__be32 raddr;
	__be32 laddr;
	__be16 rport;
	__be16 lport;
};

/*
 * How to rewrite a segment that arrives on one connection so that it belongs
 * to the other one. All deltas are added modulo 2^32.
 */
struct fwd_splice_xlate {
	__be32 saddr, daddr;	/* outgoing addresses */
	__be16 sport, dport;	/* outgoing ports */
	u32 seq_delta;		/* sequence numbers */
	u32 ack_delta;		/* ack number and SACK block edges */
	u32 tsval_delta;	/* TSval: sender's clock to our socket's clock */
	u32 tsecr_delta;	/* TSecr: our echo back to the receiver's clock */
	u8 wscale_in;		/* shift the sender applies to its window */
	u8 wscale_out;		/* shift the receiver applies to our window */
	u16 mss;		/* the MSS the receiver announced */
};

/* One connection of a pair, hashed by its key. */
struct fwd_splice_half {
	struct rhash_head node;
	struct fwd_splice_key key;
	struct fwd_splice_pair *pair;
	u8 side;
};

enum fwd_splice_state {
	FWD_SPLICE_INSTALLING,	/* hashed, sockets being checked: packets wait (dropped) */
	FWD_SPLICE_ESTABLISHED,
	FWD_SPLICE_FIN_WAIT,	/* one side sent FIN */
	FWD_SPLICE_TIME_WAIT,	/* both sides sent FIN */
	FWD_SPLICE_CLOSE,	/* an exact-sequence RST went through */
	FWD_SPLICE_DEAD,	/* being torn down */
};

struct fwd_splice_stats {
	u64 packets;
	u64 bytes;
};

struct fwd_splice_pair {
	struct fwd_splice_half half[2];		/* indexed by enum fwd_splice_side */
	struct fwd_splice_xlate xlate[2];	/* for packets arriving on that side */
	struct sock *sk[2];
	struct file *file[2];			/* our references keep the sockets open */
	struct fwd_net *fn;

	spinlock_t lock;			/* state, fin*, snd_end, acked, wnd, stats */
	enum fwd_splice_state state;
	u8 fin;					/* BIT(side) once that side sent FIN */
	u8 fin_ahead;				/* BIT(side): its FIN came ahead of a gap */
	u32 fin_end[2];				/* per sender: the ack that covers its FIN */
	/*
	 * Per side, in the sequence space of our socket on that side: the next
	 * seq we send towards that side's peer, the highest ack it sent us
	 * (it holds every byte before), the window it offers (bytes), and the
	 * furthest right edge the other sender was ever offered towards it
	 * (conntrack's td_maxend: what may legitimately arrive).
	 */
	u32 snd_end[2];
	u32 acked[2];
	u32 wnd[2];
	u32 maxend[2];
	u32 frozen_rcv_nxt[2];			/* the socket's rcv_nxt at install */
	/*
	 * BIT(side) while that side's socket still owes its peer bytes it was
	 * given before the splice (see the top of this file), up to
	 * pending_end[side].
	 */
	unsigned long pending;
	u32 pending_end[2];
	struct fwd_splice_stats stats[2];	/* arriving on that side */
	unsigned long created;			/* jiffies */
	unsigned long last_seen;		/* jiffies */
	u64 id;					/* unique in the namespace, from 1 */

	struct timer_list timer;
	struct list_head dying;			/* on fn's teardown list */
	bool reset;				/* send RSTs to both peers on teardown */
	struct rcu_head rcu;
};

struct fwd_splice_net {
	struct rhashtable table;
	struct mutex install_lock;	/* installs against pre_exit */
	atomic_t count;
	spinlock_t dying_lock;
	struct list_head dying;
	struct work_struct teardown_work;
	bool exiting;
	atomic64_t next_id;		/* pair ids */
	atomic64_t installed, refused, expired, muted, dropped;
	atomic64_t drained_bytes, owing;
	atomic64_t invalid, out_of_window, challenge_acks, icmp_pmtu, icmp_relayed;
	/* challenge ACKs and relayed ICMP errors: at most FWD_SPLICE_CHALLENGE_LIMIT a second */
	unsigned long challenge_second;
	atomic_t challenge_budget;
};

/* xlate.c: pure segment rewriting, no routing, no state */
u16 fwd_splice_window(u16 win, u8 shift_in, u8 shift_out);
void fwd_splice_xlate_tcp(struct sk_buff *skb, unsigned int thoff,
			  const struct fwd_splice_xlate *x);
int fwd_splice_fit_mss(struct sk_buff *skb, unsigned int thoff,
		       const struct fwd_splice_xlate *x);

/* table.c */
int fwd_splice_net_init(struct fwd_net *fn);
void fwd_splice_net_pre_exit(struct fwd_net *fn);
void fwd_splice_net_exit(struct fwd_net *fn);
struct fwd_splice_half *fwd_splice_lookup(struct fwd_splice_net *sn,
					  const struct fwd_splice_key *key);
int fwd_splice_hash(struct fwd_splice_net *sn, struct fwd_splice_pair *pair);
void fwd_splice_unhash(struct fwd_splice_net *sn, struct fwd_splice_pair *pair);
struct fwd_splice_pair *fwd_splice_pair_alloc(struct fwd_net *fn);
void fwd_splice_activate(struct fwd_splice_pair *pair);
void fwd_splice_touch(struct fwd_splice_pair *pair);
void fwd_splice_kill(struct fwd_splice_pair *pair, bool reset);
int fwd_splice_kill_id(struct fwd_splice_net *sn, u64 id);
u32 fwd_splice_timeout(const struct fwd_splice_pair *pair);

/* hook.c */
enum fwd_splice_verdict {
	FWD_SPLICE_FORWARD,
	FWD_SPLICE_PASS,	/* forward it; outside the window, its ACK was not taken */
	FWD_SPLICE_CHALLENGE,	/* drop it, answer with a challenge ACK */
	FWD_SPLICE_REJECT,	/* drop it, count it as invalid */
};

/* What a challenge ACK to one side's peer carries. */
struct fwd_splice_challenge {
	u32 seq, ack;
	u16 win;
};

enum fwd_splice_verdict
fwd_splice_judge(struct fwd_splice_pair *pair, int side, const struct tcphdr *th,
		 unsigned int payload, struct fwd_splice_challenge *c);
int fwd_splice_hooks_register(struct net *net);
void fwd_splice_hooks_unregister(struct net *net);

/* reply.c: segments the pair itself sends to one side's peer */
struct rtable *fwd_splice_route(struct net *net, __be32 daddr, __be32 saddr);
void fwd_splice_send_reset(struct fwd_splice_pair *pair, int side);
void fwd_splice_send_ack(struct fwd_splice_pair *pair, int side, u32 seq,
			 u32 ack, u16 win);
void fwd_splice_send_error(struct fwd_splice_pair *pair, int side, u8 type,
			   u8 code, u32 seq);

/* install.c */
int fwd_splice_install(struct fwd_net *fn, int client_fd, int server_fd);

/* proc.c */
int fwd_splice_proc_init(struct fwd_net *fn);

#endif /* _FWD_SPLICE_H */
