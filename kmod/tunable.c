// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-namespace tunables under /proc/forwarder, described by a table so every
 * feature gets the same checks: CAP_NET_ADMIN in the namespace's user
 * namespace, at most FWD_CMD_MAX - 1 bytes, one strict decimal within range.
 */
#include <linux/kernel.h>
#include <linux/capability.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/seq_file_net.h>
#include <net/net_namespace.h>

#include "forwarder.h"
#include "parse.h"
#include "tunable.h"

static unsigned int *fwd_tunable_ptr(struct fwd_net *fn, const struct fwd_tunable *t)
{
	return (unsigned int *)((char *)fn + t->offset);
}

static int fwd_tunable_show(struct seq_file *seq, void *v)
{
	const struct fwd_tunable *t = pde_data(file_inode(seq->file));
	struct fwd_net *fn = fwd_pernet(seq_file_single_net(seq));

	seq_printf(seq, "%u\n", READ_ONCE(*fwd_tunable_ptr(fn, t)));
	return 0;
}

/**
 * fwd_tunable_set - parse @buf and store it in @t of @fn
 * @fn: the namespace's state
 * @t: the tunable
 * @buf: NUL-terminated value
 *
 * Return: 0, -EINVAL (not a number) or -ERANGE (outside [min, max]).
 */
int fwd_tunable_set(struct fwd_net *fn, const struct fwd_tunable *t, const char *buf)
{
	u64 val;
	int err;

	err = fwd_parse_u64(buf, t->min, t->max, &val);
	if (err) {
		pr_info_ratelimited("%s: refused '%.32s': %s, expected %u..%u\n", t->name,
				    strim((char *)buf),
				    err == -ERANGE ? "out of range" : "not a decimal number",
				    t->min, t->max);
		return err;
	}
	WRITE_ONCE(*fwd_tunable_ptr(fn, t), (unsigned int)val);
	return 0;
}

static int fwd_tunable_write(struct file *file, char *buf, size_t size)
{
	const struct fwd_tunable *t = pde_data(file_inode(file));
	struct net *net = seq_file_single_net(file->private_data);

	if (!file_ns_capable(file, net->user_ns, CAP_NET_ADMIN)) {
		pr_info_ratelimited("%s: write refused: CAP_NET_ADMIN required\n", t->name);
		return -EPERM;
	}
	if (size >= FWD_CMD_MAX) {
		pr_info_ratelimited("%s: write refused: longer than %d bytes\n", t->name,
				    FWD_CMD_MAX - 1);
		return -EINVAL;
	}
	return fwd_tunable_set(fwd_pernet(net), t, buf);
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
