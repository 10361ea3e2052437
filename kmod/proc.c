// SPDX-License-Identifier: GPL-2.0-only
/*
 * /proc/forwarder: one directory per network namespace (/proc/net/forwarder),
 * and /proc/forwarder as a symlink to self/net/forwarder, the way /proc/net
 * itself works, so every process sees the directory of its own namespace.
 * Every write to a control file comes in through fwd_proc_write().
 */
#include <linux/module.h>
#include <linux/capability.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/seq_file_net.h>
#include <linux/string.h>
#include <net/net_namespace.h>

#include "forwarder.h"
#include "parse.h"

/**
 * fwd_proc_write - the front door of every /proc/forwarder write
 * @file: the file written (opened with proc_create_net_single_write())
 * @buf: what was written, NUL-terminated; split in place
 * @size: its length
 * @cmd: the file's command
 * @max_words: the most words @cmd takes (at most FWD_PROC_WORDS_MAX)
 *
 * In this order: CAP_NET_ADMIN in the user namespace that owns the file's
 * network namespace (-EPERM), at most FWD_PROC_WRITE_MAX - 1 bytes (-EINVAL), one
 * to @max_words words (-EINVAL), then @cmd. Every refusal is logged, rate
 * limited, with the file's name and why.
 *
 * Return: 0, or the negative errno of the refusal.
 */
int fwd_proc_write(struct file *file, char *buf, size_t size, fwd_proc_cmd_t cmd,
		   int max_words)
{
	struct net *net = seq_file_single_net(file->private_data);
	char *w[FWD_PROC_WORDS_MAX];
	const char *why = NULL;
	char line[64];
	int n, err;

	if (!file_ns_capable(file, net->user_ns, CAP_NET_ADMIN)) {
		pr_info_ratelimited("%pD: write refused: CAP_NET_ADMIN required\n", file);
		return -EPERM;
	}
	if (size >= FWD_PROC_WRITE_MAX) {
		pr_info_ratelimited("%pD: write refused: longer than %d bytes\n", file,
				    FWD_PROC_WRITE_MAX - 1);
		return -EINVAL;
	}
	strscpy(line, strim(buf), sizeof(line));
	n = fwd_split_words(buf, w, min(max_words, FWD_PROC_WORDS_MAX));
	if (n <= 0) {
		why = n ? "too many words" : "empty command";
		err = -EINVAL;
	} else {
		err = cmd(net, pde_data(file_inode(file)), w, n, &why);
	}
	if (err && why)
		pr_info_ratelimited("%pD: refused '%s': %s\n", file, line, why);
	return err;
}
EXPORT_SYMBOL_GPL(fwd_proc_write);

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
