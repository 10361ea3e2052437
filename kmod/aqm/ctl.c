// SPDX-License-Identifier: GPL-2.0-only
/*
 * The front doors of rate groups and bind rules: /proc/forwarder/groups
 * (proc.c) and the netlink commands (kmod/netlink/group.c) parse their
 * requests and call these, which take the namespace's lock, run the one
 * check of every configuration (aqm_cfg_why()) and say what they refused
 * and which field they blame. A refusal changes nothing.
 */
#include <linux/kernel.h>
#include <linux/in.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>

#include "forwarder.h"
#include "aqm_core.h"

static int aqm_refuse(struct aqm_why *why, enum aqm_field field, enum aqm_field other,
		      const char *msg)
{
	why->msg = msg;
	why->field = field;
	why->other = other;
	return -EINVAL;
}

/**
 * aqm_group_edit - create or change group @id: the /proc and netlink front door
 * @an: the namespace's rate groups
 * @id: the group, 1..FWD_GROUPS_MAX
 * @add: create it (it must not exist); else change it (it must)
 * @fill: applies the request to the defaults (@add) or the current configuration
 * @arg: for @fill
 * @why: the reason of a refusal and what it blames
 *
 * Takes an->lock: the configuration @fill starts from is the one replaced.
 * A refusal changes nothing. Return: 0, -EINVAL, -EEXIST, -ENOENT or -ENOMEM.
 */
int aqm_group_edit(struct aqm_net *an, u8 id, bool add, aqm_fill_t fill, void *arg,
		   struct aqm_why *why)
{
	struct fwd_group_cfg cfg = {
		.limit_pkts = AQM_DEF_LIMIT_PKTS,
		.limit_bytes = AQM_DEF_LIMIT_BYTES,
	};
	struct aqm_group *g;
	int err;

	if (!id) {
		aqm_refuse(why, AQM_F_ID, AQM_F_NONE, "group id is 1..255");
		return -EINVAL;
	}
	mutex_lock(&an->lock);
	g = aqm_group_get_locked(an, id);
	if (add && g) {
		aqm_refuse(why, AQM_F_ID, AQM_F_NONE, "group exists");
		err = -EEXIST;
		goto out;
	}
	if (!add && !g) {
		aqm_refuse(why, AQM_F_ID, AQM_F_NONE, "no such group");
		err = -ENOENT;
		goto out;
	}
	if (g)
		cfg = rcu_dereference_protected(g->params, lockdep_is_held(&an->lock))->cfg;
	err = fill(&cfg, arg, why);
	if (!err)
		err = aqm_cfg_why(&cfg, why);
	if (err)
		goto out;
	err = add ? aqm_group_add(an, id, &cfg) : aqm_group_change(an, id, &cfg);
	if (err)
		aqm_refuse(why, AQM_F_NONE, AQM_F_NONE,
			   err == -EEXIST ? "group exists" : "out of memory");
out:
	mutex_unlock(&an->lock);
	return err;
}

/**
 * aqm_group_remove - delete group @id and its bind rules (takes an->lock)
 * @an: the namespace's rate groups
 * @id: the group
 * @why: the reason of a refusal
 *
 * Return: 0, -ENOENT or -ENOMEM (then nothing changed).
 */
int aqm_group_remove(struct aqm_net *an, u8 id, struct aqm_why *why)
{
	int err = -ENOENT;

	mutex_lock(&an->lock);
	if (!id || !aqm_group_get_locked(an, id)) {
		aqm_refuse(why, AQM_F_ID, AQM_F_NONE, "no such group");
		goto out;
	}
	err = aqm_bind_del_group(an, id);
	if (err) {
		aqm_refuse(why, AQM_F_NONE, AQM_F_NONE, "out of memory");
		goto out;
	}
	err = aqm_group_del(an, id);
out:
	mutex_unlock(&an->lock);
	return err;
}

/**
 * aqm_bind_new - append a bind rule: the /proc and netlink front door
 * @an: the namespace's rate groups
 * @b: the rule
 * @why: the reason of a refusal and what it blames
 *
 * Takes an->lock. Return: 0, -EINVAL, -ENOENT (no such group), -ENOSPC
 * or -ENOMEM; a refusal changes nothing.
 */
int aqm_bind_new(struct aqm_net *an, const struct aqm_bind *b, struct aqm_why *why)
{
	int err;

	if (b->proto != IPPROTO_TCP && b->proto != IPPROTO_UDP)
		return aqm_refuse(why, AQM_F_PROTO, AQM_F_NONE, "proto is tcp (6) or udp (17)");
	if (!b->dirs || b->dirs > FWD_GROUP_DIR_BOTH)
		return aqm_refuse(why, AQM_F_DIR, AQM_F_NONE, "dir is orig (1), reply (2) or both (3)");
	mutex_lock(&an->lock);
	if (!b->group || !aqm_group_get_locked(an, b->group)) {
		aqm_refuse(why, AQM_F_ID, AQM_F_NONE, "no such group");
		err = -ENOENT;
	} else {
		err = aqm_bind_add(an, b);
		if (err)
			aqm_refuse(why, AQM_F_NONE, AQM_F_NONE, err == -ENOSPC ?
					"too many bind rules (32)" : "out of memory");
	}
	mutex_unlock(&an->lock);
	return err;
}

/* Every rule of group @id, under an->lock here; none is not an error. */
int aqm_bind_remove(struct aqm_net *an, u8 id, struct aqm_why *why)
{
	int err;

	mutex_lock(&an->lock);
	err = aqm_bind_del_group(an, id);
	mutex_unlock(&an->lock);
	if (err)
		aqm_refuse(why, AQM_F_NONE, AQM_F_NONE, "out of memory");
	return err;
}
