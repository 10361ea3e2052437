/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Per-namespace settings: plain values kept in struct fwd_net, written
 * through tunables (tunable.h) and read by their subsystem. No internals
 * here, so forwarder.h can embed them without pulling in a subsystem.
 */
#ifndef _FWD_SETTINGS_H
#define _FWD_SETTINGS_H

#include <linux/types.h>

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

/* Splicing's, in seconds except listen_port. */
struct fwd_splice_cfg {
	u16 listen_port;		/* where the listener listens (informational) */
	u32 timeout_established;	/* idle timeout of a pair */
	u32 timeout_closing;		/* once either side sent FIN */
};

#endif /* _FWD_SETTINGS_H */
