/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * The "forwarder" generic netlink family: the contract between forwarder.ko
 * and userspace (fwdctl), documented in proc_api.md ("Netlink"). Shared by
 * the kernel and userspace, so plain UAPI types only.
 */
#ifndef _FORWARDER_NETLINK_H
#define _FORWARDER_NETLINK_H

#define FWD_GENL_NAME		"forwarder"
#define FWD_GENL_VERSION	1
#define FWD_GENL_MCGRP_EVENTS	"events"
/* Longest tunable name, NUL included. */
#define FWD_TUNABLE_NAME_MAX	64

enum fwd_genl_cmd {
	FWD_CMD_UNSPEC,
	FWD_CMD_SESSION_GET,	/* NLM_F_DUMP: every session; else FWD_A_SESSION_ID */
	FWD_CMD_STATS_GET,	/* counters: FWD_A_STATS */
	FWD_CMD_EVENT,		/* multicast on "events": session attributes + FWD_A_EVENT_* */
	FWD_CMD_TUNABLE_GET,	/* NLM_F_DUMP: every tunable; else FWD_A_TUNABLE_NAME */
	FWD_CMD_TUNABLE_SET,	/* FWD_A_TUNABLE_NAME, FWD_A_TUNABLE_VALUE */
	FWD_CMD_SESSION_DEL,	/* FWD_A_SESSION_ID */
	FWD_CMD_SESSION_FLUSH,	/* optional filters; answers FWD_A_FLUSHED */
	FWD_CMD_SPLICE_GET,	/* NLM_F_DUMP: every spliced pair; else FWD_A_SPLICE_ID */
	FWD_CMD_SPLICE_DEL,	/* FWD_A_SPLICE_ID: tear the pair down, both peers reset */
	FWD_CMD_GROUP_GET,	/* NLM_F_DUMP: every rate group; else FWD_A_GROUP_ID */
	FWD_CMD_GROUP_NEW,	/* FWD_A_GROUP_ID and its configuration (FWD_A_GROUP_*) */
	FWD_CMD_GROUP_SET,	/* FWD_A_GROUP_ID: only the attributes given change */
	FWD_CMD_GROUP_DEL,	/* FWD_A_GROUP_ID: its bind rules go too */
	FWD_CMD_BIND_GET,	/* NLM_F_DUMP: every bind rule, in matching order */
	FWD_CMD_BIND_NEW,	/* FWD_A_GROUP_ID, FWD_A_PROTO, FWD_A_BIND_* */
	FWD_CMD_BIND_DEL,	/* FWD_A_GROUP_ID: every rule of that group */
	__FWD_CMD_MAX
};
#define FWD_CMD_MAX (__FWD_CMD_MAX - 1)

enum fwd_genl_attr {
	FWD_A_UNSPEC,
	FWD_A_PAD,
	FWD_A_SESSION_ID,	/* u64: unique in the namespace, never reused */
	FWD_A_FAMILY,		/* u8: AF_INET, AF_INET6 */
	FWD_A_PROTO,		/* u8: IPPROTO_TCP, IPPROTO_UDP */
	FWD_A_CLIENT_ADDR,	/* binary: 4 or 16 bytes, network order */
	FWD_A_CLIENT_PORT,	/* be16 */
	FWD_A_SERVER_ADDR,	/* binary: 4 or 16 bytes */
	FWD_A_SERVER_PORT,	/* be16 */
	FWD_A_CLIENT_STATE,	/* u8: enum fwd_tcp_state (TCP only) */
	FWD_A_SERVER_STATE,	/* u8 */
	FWD_A_ESTABLISHED,	/* u8: 0 or 1 */
	FWD_A_AGE_MS,		/* u64: since the first packet */
	FWD_A_EXPIRES_MS,	/* u64: until expiry if idle */
	FWD_A_ORIG_PACKETS,	/* u64 */
	FWD_A_ORIG_BYTES,	/* u64 */
	FWD_A_REPLY_PACKETS,	/* u64 */
	FWD_A_REPLY_BYTES,	/* u64 */
	FWD_A_EVENT_TYPE,	/* u8: enum fwd_nl_event */
	FWD_A_EVENT_SIDE,	/* u8: 0 client, 1 server (STATE) */
	FWD_A_EVENT_OLD_STATE,	/* u8: enum fwd_tcp_state (STATE) */
	FWD_A_EVENT_NEW_STATE,	/* u8 (STATE) */
	FWD_A_EVENT_REASON,	/* u8: enum fwd_close_reason (CLOSING) */
	FWD_A_STATS,		/* nest: FWD_STATS_* */
	FWD_A_TUNABLE_NAME,	/* string: a tunable, as its /proc/forwarder file */
	FWD_A_TUNABLE_VALUE,	/* u64 */
	FWD_A_TUNABLE_MIN,	/* u64: smallest value accepted */
	FWD_A_TUNABLE_MAX,	/* u64: largest value accepted */
	FWD_A_CLIENT_PREFIX_LEN,	/* u8: FLUSH filter, bits of FWD_A_CLIENT_ADDR */
	FWD_A_SERVER_PREFIX_LEN,	/* u8: FLUSH filter, bits of FWD_A_SERVER_ADDR */
	FWD_A_FLUSHED,		/* u64: sessions a FLUSH removed */
	FWD_A_SPLICE_ID,	/* u64: a pair, unique in the namespace, never reused */
	FWD_A_SPLICE_STATE,	/* u8: enum fwd_nl_splice_state */
	FWD_A_SPLICE_LOCAL_ADDR,	/* binary, 4 bytes: our end of the client's connection */
	FWD_A_SPLICE_LOCAL_PORT,	/* be16 */
	FWD_A_SPLICE_SERVER_LOCAL_ADDR,	/* binary, 4 bytes: our end of the server's connection */
	FWD_A_SPLICE_SERVER_LOCAL_PORT,	/* be16 */
	FWD_A_SPLICE_IDLE_MS,	/* u64: since the last segment */
	FWD_A_SPLICE_TIMEOUT,	/* u32: seconds of idleness it may live in its state */
	FWD_A_GROUP_ID,		/* u8: a rate group, 1..255 */
	FWD_A_GROUP_MODE,	/* u8: enum fwd_group_mode (forwarder/aqm.h) */
	FWD_A_GROUP_ACTION,	/* u8: enum fwd_group_action */
	FWD_A_GROUP_RATE,	/* u64: bytes per second */
	FWD_A_GROUP_BURST,	/* u32: bytes, at least 1500 */
	FWD_A_GROUP_EBS,	/* u32: bytes (srTCM), 0: none */
	FWD_A_GROUP_PEAKRATE,	/* u64: bytes per second (trTCM), 0: none */
	FWD_A_GROUP_PBURST,	/* u32: bytes */
	FWD_A_GROUP_DSCP,	/* u8: 0..63, action mark-dscp */
	FWD_A_GROUP_MARK,	/* u32: skb->mark, action mark */
	FWD_A_GROUP_LIMIT_PKTS,	/* u32: shape queue's packets */
	FWD_A_GROUP_LIMIT_BYTES,	/* u32: shape queue's truesize bytes */
	FWD_A_GROUP_ECN,	/* u8: 0 or 1, shape: CE-mark instead of CoDel drops */
	FWD_A_GROUP_STATS,	/* nest: FWD_GROUP_STATS_* (GET replies only) */
	FWD_A_BIND_SPORT,	/* u16, host order: 1..65535, absent: any */
	FWD_A_BIND_DPORT,	/* u16, host order */
	FWD_A_BIND_DIR,		/* u8: FWD_GROUP_DIR_* mask, 1..3 (absent: both) */
	FWD_A_TUNABLE_TEXT,	/* string: a worded tunable's value (full_policy: drop, pass) */
	__FWD_A_MAX
};
#define FWD_A_MAX (__FWD_A_MAX - 1)

enum fwd_nl_event {
	FWD_NL_EV_UNSPEC,
	FWD_NL_EV_NEW,		/* a session was created */
	FWD_NL_EV_STATE,	/* one end's TCP state changed */
	FWD_NL_EV_CLOSING,	/* the session is being removed */
};

/* A spliced pair's state (FWD_A_SPLICE_STATE), as show names it. */
enum fwd_nl_splice_state {
	FWD_NL_SPLICE_INSTALLING,	/* being handed over */
	FWD_NL_SPLICE_ESTABLISHED,
	FWD_NL_SPLICE_FIN_WAIT,		/* one side sent FIN */
	FWD_NL_SPLICE_TIME_WAIT,	/* both sides sent FIN */
	FWD_NL_SPLICE_CLOSE,		/* an exact-sequence RST went through */
	FWD_NL_SPLICE_DEAD,		/* being torn down */
};

/* Counters in FWD_A_STATS, all u64 (FWD_STATS_PAD for alignment). */
enum fwd_stats_attr {
	FWD_STATS_UNSPEC,
	FWD_STATS_PAD,
	FWD_STATS_SESSIONS_ACTIVE,
	FWD_STATS_PACKETS,
	FWD_STATS_TRACKED,
	FWD_STATS_PARSE_ERRORS,
	FWD_STATS_FRAGMENTS,
	FWD_STATS_BAD_TCP_FLAGS,
	FWD_STATS_OTHER_PROTO,
	FWD_STATS_SESSIONS_CREATED,
	FWD_STATS_SESSIONS_EXPIRED,
	FWD_STATS_SESSIONS_EVICTED,
	FWD_STATS_SESSIONS_REFUSED,
	FWD_STATS_SESSIONS_REPLACED,
	FWD_STATS_SESSIONS_FLUSHED,
	FWD_STATS_ALLOC_FAILURES,
	FWD_STATS_RETRANSMITS,
	FWD_STATS_DROPPED,
	FWD_STATS_NETLINK_EVENTS_DROPPED,
	FWD_STATS_SESSIONS_UNTRACKED,
	FWD_STATS_TCP_INVALID,
	FWD_STATS_SESSIONS_LIMIT,	/* max_sessions, or less (the global cap, a share) */
	FWD_STATS_SESSION_SIZE,		/* bytes of one session */
	__FWD_STATS_MAX
};
#define FWD_STATS_MAX (__FWD_STATS_MAX - 1)

/*
 * A rate group's counters and state in FWD_A_GROUP_STATS, as the groups
 * file shows them: u64 each, FWD_GROUP_STATS_TOKENS an s64 (bytes of
 * credit, negative while a large packet is paid off); the CoDel figures
 * (microseconds, derived from the rate) for shape groups only.
 */
enum fwd_group_stats_attr {
	FWD_GROUP_STATS_UNSPEC,
	FWD_GROUP_STATS_PAD,
	FWD_GROUP_STATS_CONFORM_PKTS,
	FWD_GROUP_STATS_CONFORM_BYTES,
	FWD_GROUP_STATS_EXCEED_PKTS,
	FWD_GROUP_STATS_EXCEED_BYTES,
	FWD_GROUP_STATS_VIOLATE_PKTS,
	FWD_GROUP_STATS_VIOLATE_BYTES,
	FWD_GROUP_STATS_QUEUED,
	FWD_GROUP_STATS_QUEUED_BYTES,
	FWD_GROUP_STATS_QUEUED_MEM,
	FWD_GROUP_STATS_DELAYED,
	FWD_GROUP_STATS_DROPPED,
	FWD_GROUP_STATS_OVERLIMIT,
	FWD_GROUP_STATS_CODEL_DROPPED,
	FWD_GROUP_STATS_MARKED,
	FWD_GROUP_STATS_ECN_MARKED,
	FWD_GROUP_STATS_TOKENS,
	FWD_GROUP_STATS_CODEL_TARGET_US,
	FWD_GROUP_STATS_CODEL_INTERVAL_US,
	__FWD_GROUP_STATS_MAX
};
#define FWD_GROUP_STATS_MAX (__FWD_GROUP_STATS_MAX - 1)

#endif /* _FORWARDER_NETLINK_H */
