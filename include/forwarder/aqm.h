/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * forwarder rate groups (AQM): the API plugins use.
 *
 * A rate group belongs to one network namespace and has an id from 1 to
 * AQM_GROUPS_MAX. Groups are created and tuned through /proc/forwarder/groups
 * (police or shape mode, srTCM/trTCM, actions, CoDel, limits) or with
 * aqm_group_create(), which makes a single-rate police group that drops what
 * exceeds it. A session is put in a group per direction; its packets are then
 * metered (and dropped, re-marked or queued) after the session lookup.
 */
#ifndef _FORWARDER_AQM_H
#define _FORWARDER_AQM_H

#include <linux/types.h>
#include <linux/bits.h>

struct net;
struct fwd_session;

#define AQM_GROUPS_MAX	255

/* Direction masks for session_set_ratelimit_group(). */
#define AQM_DIR_ORIG	BIT(0)	/* client -> server (FWD_DIR_ORIG) */
#define AQM_DIR_REPLY	BIT(1)	/* server -> client (FWD_DIR_REPLY) */
#define AQM_DIR_BOTH	(AQM_DIR_ORIG | AQM_DIR_REPLY)

/*
 * Create group @id in @net: committed rate @cir_bps in bits per second, burst
 * @cbs_bytes (at least 1500). Police mode, what exceeds is dropped.
 * Returns 0, -EINVAL (bad id, zero rate, burst below one MTU), -EEXIST or
 * -ENOMEM. May sleep.
 */
int aqm_group_create(struct net *net, u8 id, u64 cir_bps, u32 cbs_bytes);
/* Delete group @id; its queued packets are sent. Returns 0 or -ENOENT. May sleep. */
int aqm_group_delete(struct net *net, u8 id);

/*
 * Put @s in group @id (0 takes it out) for the directions in @dir_mask. Safe
 * from an event callback; applies from the current packet on. Packets of a
 * direction whose group does not exist pass unlimited. Returns 0 or -EINVAL.
 */
int session_set_ratelimit_group(struct fwd_session *s, unsigned int id, u8 dir_mask);

#endif /* _FORWARDER_AQM_H */
