/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * forwarder rate groups (AQM): the API plugins use.
 *
 * A rate group belongs to one network namespace and has an id from 1 to
 * FWD_GROUPS_MAX. Groups are created and tuned through /proc/forwarder/groups
 * or with fwd_group_create() (police or shape mode, srTCM/trTCM, actions,
 * CoDel, limits), from a plugin's callback too. A session is put in a group per direction; its packets are then
 * metered (and dropped, re-marked or queued) after the session lookup.
 */
#ifndef _FORWARDER_AQM_H
#define _FORWARDER_AQM_H

#include <linux/types.h>
#include <linux/bits.h>

struct net;
struct fwd_session;

#define FWD_GROUPS_MAX	255

/* Direction masks for fwd_session_set_group(). */
#define FWD_GROUP_DIR_ORIG	BIT(0)	/* client -> server (FWD_DIR_ORIG) */
#define FWD_GROUP_DIR_REPLY	BIT(1)	/* server -> client (FWD_DIR_REPLY) */
#define FWD_GROUP_DIR_BOTH	(FWD_GROUP_DIR_ORIG | FWD_GROUP_DIR_REPLY)

enum fwd_group_mode {
	FWD_GROUP_POLICE = 0,	/* meter, then the action on what exceeds */
	FWD_GROUP_SHAPE,	/* meter, queue what exceeds (CoDel, ECN) */
};

/* What police mode does with what exceeds. */
enum fwd_group_action {
	FWD_GROUP_ACT_DROP = 0,
	FWD_GROUP_ACT_DSCP,	/* re-mark the DSCP, pass */
	FWD_GROUP_ACT_MARK,	/* set skb->mark, pass */
};

/*
 * A group's configuration: the same settings /proc/forwarder/groups takes
 * (proc_api.md). Rates in bytes per second, sizes in bytes. A peakrate
 * makes a trTCM (RFC 2698), an ebs an srTCM (RFC 2697), neither a single
 * bucket. Zero limits take the defaults.
 */
struct fwd_group_cfg {
	u64 rate, peakrate;	/* peakrate 0: none */
	u32 burst, ebs, pburst;	/* burst at least 1500 */
	u8 mode, action, dscp;	/* enum fwd_group_mode, fwd_group_action */
	bool ecn;		/* shape: CE-mark instead of CoDel drops */
	u32 mark;
	u32 limit_pkts, limit_bytes;	/* shape: the queue's */
};

/*
 * Create group @id in @net with @cfg. Any context, a callback included
 * (GFP_ATOMIC: it may fail with -ENOMEM where a sleeping writer would
 * not); @net must be alive (a callback's fwd_call::net is).
 * Return: 0, -EINVAL (bad id or configuration), -EEXIST or -ENOMEM.
 */
int fwd_group_create(struct net *net, u8 id, const struct fwd_group_cfg *cfg);
/* Delete group @id; its queued packets are sent. Returns 0 or -ENOENT. May sleep. */
int fwd_group_delete(struct net *net, u8 id);

/*
 * Put @s in group @id (0 takes it out) for the directions in @dir_mask;
 * applies from the current packet on. Packets of a direction whose group
 * does not exist pass unlimited. Any context (a callback, or a held
 * session). Returns 0, -EINVAL or -ENOENT (the session died).
 */
int fwd_session_set_group(struct fwd_session *s, unsigned int id, u8 dir_mask);

#endif /* _FORWARDER_AQM_H */
