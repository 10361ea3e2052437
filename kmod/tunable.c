// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-namespace tunables under /proc/forwarder, described by a table so every
 * feature's settings get the same checks: the control files' front door
 * (fwd_proc_write()), then one strict decimal, then fwd_tunable_set(), the
 * one setter behind both the file and netlink's FWD_CMD_TUNABLE_SET.
 *
 * The tables are the same in every namespace (their values are not): the
 * first fwd_tunables_create() of a table records it, so netlink can list and
 * find every tunable by name (fwd_tunable_at(), fwd_tunable_find()).
 */
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/seq_file_net.h>
#include <linux/string.h>
#include <net/net_namespace.h>

#include "forwarder.h"
#include "parse.h"
#include "tunable.h"

/* Tables of core features: session, splice; room for a few more. */
#define FWD_TUNABLE_TABLES	4

static struct {
	const struct fwd_tunable *t;
	unsigned int n;
} fwd_tunable_tables[FWD_TUNABLE_TABLES];
/* Entries are only added, and published after they are written. */
static unsigned int fwd_tunable_ntables;
static DEFINE_MUTEX(fwd_tunable_lock);

static int fwd_tunable_register(const struct fwd_tunable *t, unsigned int n)
{
	unsigned int i;
	int err = 0;

	mutex_lock(&fwd_tunable_lock);
	for (i = 0; i < fwd_tunable_ntables; i++)
		if (fwd_tunable_tables[i].t == t)
			goto out;
	if (WARN_ON_ONCE(i == FWD_TUNABLE_TABLES)) {
		err = -ENOSPC;
		goto out;
	}
	fwd_tunable_tables[i].t = t;
	fwd_tunable_tables[i].n = n;
	/* Pairs with fwd_tunable_at(): the entry is written before it counts. */
	smp_store_release(&fwd_tunable_ntables, i + 1);
out:
	mutex_unlock(&fwd_tunable_lock);
	return err;
}

/**
 * fwd_tunable_at - the @idx-th tunable of every table, in registration order
 * @idx: from 0
 *
 * Return: the tunable, or NULL past the last one.
 */
const struct fwd_tunable *fwd_tunable_at(unsigned int idx)
{
	/* Pairs with fwd_tunable_register(): entries below n are written. */
	unsigned int i, n = smp_load_acquire(&fwd_tunable_ntables);

	for (i = 0; i < n; i++) {
		if (idx < fwd_tunable_tables[i].n)
			return &fwd_tunable_tables[i].t[idx];
		idx -= fwd_tunable_tables[i].n;
	}
	return NULL;
}

/* The tunable called @name (its file's name), or NULL. */
const struct fwd_tunable *fwd_tunable_find(const char *name)
{
	const struct fwd_tunable *t;
	unsigned int i;

	for (i = 0; (t = fwd_tunable_at(i)); i++)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

static void *fwd_tunable_ptr(struct fwd_net *fn, const struct fwd_tunable *t)
{
	return (char *)fn + t->offset;
}

/* @t's value in @net. */
unsigned int fwd_tunable_get(struct net *net, const struct fwd_tunable *t)
{
	void *p = fwd_tunable_ptr(fwd_pernet(net), t);

	return t->size == sizeof(u16) ? READ_ONCE(*(u16 *)p) : READ_ONCE(*(u32 *)p);
}

/**
 * fwd_tunable_set - change @t in @net: the one setter of /proc and netlink
 * @net: the namespace
 * @t: the tunable
 * @val: the new value
 *
 * The caller checked the writer's CAP_NET_ADMIN.
 * Return: 0, or -ERANGE outside [min, max] (nothing changed).
 */
int fwd_tunable_set(struct net *net, const struct fwd_tunable *t, u64 val)
{
	void *p = fwd_tunable_ptr(fwd_pernet(net), t);

	if (val < t->min || val > t->max)
		return -ERANGE;
	if (t->size == sizeof(u16))
		WRITE_ONCE(*(u16 *)p, val);
	else
		WRITE_ONCE(*(u32 *)p, val);
	return 0;
}

/* A worded tunable's word for @val ("?" if none). */
const char *fwd_tunable_word(const struct fwd_tunable *t, unsigned int val)
{
	return val <= t->max ? t->words[val] : "?";
}

/**
 * fwd_tunable_parse - the value @s stands for: /proc's and netlink's parser
 * @t: the tunable
 * @s: a strict decimal, or one of @t's words for a worded tunable
 * @val: the value
 *
 * Return: 0, or -EINVAL (not a number, not one of the words).
 */
int fwd_tunable_parse(const struct fwd_tunable *t, const char *s, u64 *val)
{
	unsigned int i;

	if (!t->words)
		return fwd_parse_u64(s, 0, U64_MAX, val);
	for (i = t->min; i <= t->max; i++) {
		if (!strcmp(s, t->words[i])) {
			*val = i;
			return 0;
		}
	}
	return -EINVAL;
}

static int fwd_tunable_show(struct seq_file *seq, void *v)
{
	const struct fwd_tunable *t = pde_data(file_inode(seq->file));
	unsigned int val = fwd_tunable_get(seq_file_single_net(seq), t);

	if (t->words)
		seq_printf(seq, "%s\n", fwd_tunable_word(t, val));
	else
		seq_printf(seq, "%u\n", val);
	return 0;
}

/* One strict decimal within [min, max] (or a word): -EINVAL or -ERANGE. */
static int fwd_tunable_cmd(struct net *net, const void *data, char **w, int n,
			   const char **why)
{
	const struct fwd_tunable *t = data;
	u64 val;
	int err;

	err = fwd_tunable_parse(t, w[0], &val);
	if (!err)
		err = fwd_tunable_set(net, t, val);
	if (err && t->words) {
		pr_info_ratelimited("%s: refused '%.32s': expected %s or %s\n", t->name, w[0],
				    t->words[t->min], t->words[t->max]);
		return err;
	}
	if (err) {
		pr_info_ratelimited("%s: refused '%.32s': %s, expected %u..%u\n", t->name,
				    w[0], err == -ERANGE ? "out of range" : "not a decimal number",
				    t->min, t->max);
		return err;
	}
	return 0;
}

static int fwd_tunable_write(struct file *file, char *buf, size_t size)
{
	return fwd_proc_write(file, buf, size, fwd_tunable_cmd, 1);
}

/**
 * fwd_tunables_create - one read-write file per tunable in /proc/forwarder
 * @fn: the namespace's state (its proc_dir exists)
 * @t: the table, which must outlive the files
 * @n: entries in @t
 *
 * Return: 0, -ENOMEM or -ENOSPC (no room for another table); nothing left behind.
 */
int fwd_tunables_create(struct fwd_net *fn, const struct fwd_tunable *t, unsigned int n)
{
	unsigned int i;
	int err;

	err = fwd_tunable_register(t, n);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		if (!proc_create_net_single_write(t[i].name, 0644, fn->proc_dir,
						  fwd_tunable_show, fwd_tunable_write,
						  (void *)&t[i]))
			goto err_remove;
	}
	return 0;

err_remove:
	fwd_tunables_remove(fn, t, i);
	return -ENOMEM;
}

void fwd_tunables_remove(struct fwd_net *fn, const struct fwd_tunable *t, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		remove_proc_entry(t[i].name, fn->proc_dir);
}
