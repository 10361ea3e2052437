// SPDX-License-Identifier: GPL-2.0-only
/*
 * Bind rules: which rate group a new session joins. The namespace's rules are
 * one small array, replaced whole under the namespace's lock and read under
 * RCU by the session hooks; the first matching rule wins.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/rcupdate.h>
#include <linux/overflow.h>

#include "forwarder.h"
#include <forwarder/session.h>

#include "aqm_core.h"

static void aqm_binds_publish(struct aqm_net *an, struct aqm_binds *nb)
{
	struct aqm_binds *old;

	old = rcu_replace_pointer(an->binds, nb, lockdep_is_held(&an->lock));
	if (old)
		kfree_rcu(old, rcu);
}

/* A copy of the bind rules without those of @drop (0: keep all), with room for @extra. */
static struct aqm_binds *aqm_binds_copy(struct aqm_net *an, u8 drop, unsigned int extra)
{
	struct aqm_binds *old, *nb;
	unsigned int i, n;

	old = rcu_dereference_protected(an->binds, lockdep_is_held(&an->lock));
	n = old ? old->n : 0;
	nb = kzalloc(struct_size(nb, b, n + extra), GFP_KERNEL_ACCOUNT);
	if (!nb)
		return NULL;
	for (i = 0; i < n; i++)
		if (old->b[i].group != drop)
			nb->b[nb->n++] = old->b[i];
	return nb;
}

/**
 * aqm_bind_add - append a bind rule (under an->lock)
 * @an: the namespace's rate groups
 * @b: the rule; its group exists
 *
 * Return: 0, -ENOMEM, or -ENOSPC when the namespace has AQM_BINDS_MAX rules.
 */
int aqm_bind_add(struct aqm_net *an, const struct aqm_bind *b)
{
	struct aqm_binds *nb = aqm_binds_copy(an, 0, 1);

	if (!nb)
		return -ENOMEM;
	if (nb->n >= AQM_BINDS_MAX) {
		kfree(nb);
		return -ENOSPC;
	}
	nb->b[nb->n++] = *b;
	aqm_binds_publish(an, nb);
	return 0;
}

/* Under an->lock: remove every rule of group @id. Return: 0 or -ENOMEM. */
int aqm_bind_del_group(struct aqm_net *an, u8 id)
{
	struct aqm_binds *nb = aqm_binds_copy(an, id, 0);

	if (!nb)
		return -ENOMEM;
	aqm_binds_publish(an, nb);
	return 0;
}

/* Namespace exit, past a grace period: no reader is left. */
void aqm_binds_free(struct aqm_net *an)
{
	kfree(rcu_dereference_protected(an->binds, 1));
}

/**
 * aqm_bind_lookup - the group a new session joins, from the bind rules
 * @priv: the namespace's struct aqm_net
 * @pkt: the session's first packet (client to server)
 * @dirs: receives the AQM_DIR_* mask
 *
 * Called under rcu_read_lock(). Return: the group id, 0 for none.
 */
u8 aqm_bind_lookup(void *priv, const struct fwd_packet *pkt, u8 *dirs)
{
	struct aqm_net *an = priv;
	const struct aqm_binds *bs = rcu_dereference(an->binds);
	unsigned int i;

	for (i = 0; bs && i < bs->n; i++) {
		const struct aqm_bind *b = &bs->b[i];

		if (b->proto != pkt->t.proto)
			continue;
		if (b->sport && b->sport != ntohs(pkt->t.sport))
			continue;
		if (b->dport && b->dport != ntohs(pkt->t.dport))
			continue;
		*dirs = b->dirs;
		return b->group;
	}
	return 0;
}
