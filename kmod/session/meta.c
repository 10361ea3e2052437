// SPDX-License-Identifier: GPL-2.0-only
/*
 * Session metadata: small values plugins attach to a session, under keys
 * handed out by name so that two plugins agree on a key without sharing a
 * constant. The session keeps its own copy of each value and frees it
 * itself: no plugin code runs when a value goes, so a value may outlive the
 * module that set it (Stellar's free callbacks could not).
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "session_core.h"

struct fwd_meta {
	struct fwd_meta __rcu *next;
	struct rcu_head rcu;
	int key;
	u32 len;
	u8 data[];
};

/* Key k is the name at index k - 1; names are never given back. */
static DEFINE_MUTEX(fwd_meta_names_lock);
static char fwd_meta_names[FWD_META_KEYS_MAX][FWD_META_NAME_MAX];

/**
 * fwd_meta_key - the metadata key called @name, made on first use
 * @name: a non-empty name shorter than FWD_META_NAME_MAX ("dfi.class")
 *
 * May sleep. Return: the key (> 0), -EINVAL or -ENOSPC.
 */
int fwd_meta_key(const char *name)
{
	size_t len = name ? strnlen(name, FWD_META_NAME_MAX) : 0;
	int i, ret = -ENOSPC;

	if (!len || len == FWD_META_NAME_MAX)
		return -EINVAL;
	mutex_lock(&fwd_meta_names_lock);
	for (i = 0; i < FWD_META_KEYS_MAX; i++) {
		if (!fwd_meta_names[i][0])
			strscpy(fwd_meta_names[i], name, FWD_META_NAME_MAX);
		if (!strcmp(fwd_meta_names[i], name)) {
			ret = i + 1;
			break;
		}
	}
	mutex_unlock(&fwd_meta_names_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(fwd_meta_key);

static bool fwd_meta_key_valid(int key)
{
	return key > 0 && key <= FWD_META_KEYS_MAX;
}

/**
 * fwd_session_set_meta - store a copy of @data under @key, replacing any older value
 * @s: the session
 * @key: from fwd_meta_key()
 * @data: the value, copied
 * @len: its size, 1 to FWD_META_LEN_MAX bytes
 *
 * Any context. Return: 0, -EINVAL, -ENOENT (the session died), -ENOSPC
 * (FWD_META_MAX_PER_SESSION values) or -ENOMEM.
 */
int fwd_session_set_meta(struct fwd_session *s, int key, const void *data, u32 len)
{
	struct fwd_meta *m, *old = NULL, *cur;
	struct fwd_meta __rcu **pp;
	unsigned int n = 0;
	int err = 0;

	if (!fwd_meta_key_valid(key) || !data || !len || len > FWD_META_LEN_MAX)
		return -EINVAL;
	/*
	 * Charged to the caller's memory cgroup when it is a task; from an
	 * event callback in softirq there is none to charge (GFP_ATOMIC there
	 * is not accounted to any task), FWD_META_MAX_PER_SESSION bounds it.
	 */
	m = kmalloc(struct_size(m, data, len), GFP_ATOMIC | __GFP_ACCOUNT);
	if (!m)
		return -ENOMEM;
	m->key = key;
	m->len = len;
	memcpy(m->data, data, len);

	spin_lock_bh(&s->meta_lock);
	if (s->dead) {
		err = -ENOENT;
		goto out_unlock;
	}
	for (pp = &s->meta; (cur = rcu_dereference_protected(*pp, lockdep_is_held(&s->meta_lock)));
	     pp = &cur->next, n++) {
		if (cur->key == key) {
			old = cur;
			break;
		}
	}
	if (old) {
		RCU_INIT_POINTER(m->next, rcu_dereference_protected(old->next,
								    lockdep_is_held(&s->meta_lock)));
		rcu_assign_pointer(*pp, m);
	} else if (n >= FWD_META_MAX_PER_SESSION) {
		err = -ENOSPC;
	} else {
		RCU_INIT_POINTER(m->next, rcu_dereference_protected(s->meta,
								    lockdep_is_held(&s->meta_lock)));
		rcu_assign_pointer(s->meta, m);
	}
out_unlock:
	spin_unlock_bh(&s->meta_lock);
	if (err)
		kfree(m);
	if (old)
		kfree_rcu(old, rcu);
	return err;
}
EXPORT_SYMBOL_GPL(fwd_session_set_meta);

/**
 * fwd_session_get_meta - the value stored under @key
 * @s: the session
 * @key: the key
 * @len: if not NULL, receives the value's length
 *
 * Call under rcu_read_lock() (event callbacks are): the value stays valid
 * until rcu_read_unlock().
 * Return: the value, or NULL if there is none.
 */
const void *fwd_session_get_meta(struct fwd_session *s, int key, u32 *len)
{
	struct fwd_meta *m;

	for (m = rcu_dereference(s->meta); m; m = rcu_dereference(m->next)) {
		if (m->key == key) {
			if (len)
				*len = m->len;
			return m->data;
		}
	}
	return NULL;
}
EXPORT_SYMBOL_GPL(fwd_session_get_meta);

/**
 * fwd_session_del_meta - remove the value stored under @key
 * @s: the session
 * @key: the key
 *
 * Any context. Return: 0, or -ENOENT if there is no such value.
 */
int fwd_session_del_meta(struct fwd_session *s, int key)
{
	struct fwd_meta *cur = NULL;
	struct fwd_meta __rcu **pp;

	spin_lock_bh(&s->meta_lock);
	for (pp = &s->meta; (cur = rcu_dereference_protected(*pp, lockdep_is_held(&s->meta_lock)));
	     pp = &cur->next) {
		if (cur->key == key) {
			rcu_assign_pointer(*pp, rcu_dereference_protected(cur->next,
									  lockdep_is_held(&s->meta_lock)));
			break;
		}
	}
	spin_unlock_bh(&s->meta_lock);
	if (!cur)
		return -ENOENT;
	kfree_rcu(cur, rcu);
	return 0;
}
EXPORT_SYMBOL_GPL(fwd_session_del_meta);

/* The session's last reference went, a grace period ago: no reader is left. */
void fwd_meta_free_all(struct fwd_session *s)
{
	struct fwd_meta *m, *next;

	for (m = rcu_dereference_protected(s->meta, 1); m; m = next) {
		next = rcu_dereference_protected(m->next, 1);
		kfree(m);
	}
	RCU_INIT_POINTER(s->meta, NULL);
}
