// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-namespace tunables under /proc/forwarder, described by a table so every
 * feature's settings get the same checks: the control files' front door
 * (fwd_proc_write()), then one strict decimal within range.
 */
#include <linux/kernel.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/seq_file_net.h>
#include <net/net_namespace.h>

#include "forwarder.h"
#include "parse.h"
#include "tunable.h"

static void *fwd_tunable_ptr(struct fwd_net *fn, const struct fwd_tunable *t)
{
	return (char *)fn + t->offset;
}

static unsigned int fwd_tunable_get(struct fwd_net *fn, const struct fwd_tunable *t)
{
	void *p = fwd_tunable_ptr(fn, t);

	return t->size == sizeof(u16) ? READ_ONCE(*(u16 *)p) : READ_ONCE(*(u32 *)p);
}

static int fwd_tunable_show(struct seq_file *seq, void *v)
{
	const struct fwd_tunable *t = pde_data(file_inode(seq->file));
	struct fwd_net *fn = fwd_pernet(seq_file_single_net(seq));

	seq_printf(seq, "%u\n", fwd_tunable_get(fn, t));
	return 0;
}

/* One strict decimal within [min, max]: -EINVAL (not a number) or -ERANGE. */
static int fwd_tunable_cmd(struct net *net, const void *data, char **w, int n,
			   const char **why)
{
	const struct fwd_tunable *t = data;
	void *p = fwd_tunable_ptr(fwd_pernet(net), t);
	u64 val;
	int err;

	err = fwd_parse_u64(w[0], t->min, t->max, &val);
	if (err) {
		pr_info_ratelimited("%s: refused '%.32s': %s, expected %u..%u\n", t->name,
				    w[0], err == -ERANGE ? "out of range" : "not a decimal number",
				    t->min, t->max);
		return err;
	}
	if (t->size == sizeof(u16))
		WRITE_ONCE(*(u16 *)p, val);
	else
		WRITE_ONCE(*(u32 *)p, val);
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
 * Return: 0 or -ENOMEM (nothing left behind).
 */
int fwd_tunables_create(struct fwd_net *fn, const struct fwd_tunable *t, unsigned int n)
{
	unsigned int i;

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
