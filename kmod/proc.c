// SPDX-License-Identifier: GPL-2.0-only
/*
 * /proc/forwarder: one directory per network namespace (/proc/net/forwarder),
 * and /proc/forwarder as a symlink to self/net/forwarder, the way /proc/net
 * itself works, so every process sees the directory of its own namespace.
 */
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>

#include "forwarder.h"

static int fwd_version_show(struct seq_file *seq, void *v)
{
	seq_printf(seq, "%s\n", FWD_VERSION);
	return 0;
}

int fwd_proc_net_init(struct fwd_net *fn)
{
	fn->proc_dir = proc_net_mkdir(fn->net, "forwarder", fn->net->proc_net);
	if (!fn->proc_dir)
		return -ENOMEM;

	if (!proc_create_net_single("version", 0444, fn->proc_dir,
				    fwd_version_show, NULL))
		goto err_dir;

	return 0;

err_dir:
	remove_proc_subtree("forwarder", fn->net->proc_net);
	fn->proc_dir = NULL;
	return -ENOMEM;
}

void fwd_proc_net_exit(struct fwd_net *fn)
{
	remove_proc_subtree("forwarder", fn->net->proc_net);
	fn->proc_dir = NULL;
}

int fwd_proc_init(void)
{
	if (!proc_symlink("forwarder", NULL, "self/net/forwarder"))
		return -ENOMEM;
	return 0;
}

void fwd_proc_exit(void)
{
	remove_proc_entry("forwarder", NULL);
}
