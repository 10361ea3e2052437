/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The front door of /proc/forwarder's control files, for the core and for
 * plugins that add a file of their own: a write passes the same checks, in
 * the same order, with the same errors (proc_api.md, Conventions), whoever
 * owns the file.
 */
#ifndef _FORWARDER_CONTROL_H
#define _FORWARDER_CONTROL_H

#include <linux/types.h>

struct file;
struct net;

/* Longest command accepted by any /proc/forwarder file, NUL included. */
#define FWD_PROC_WRITE_MAX	256
/* Most words a command may take (a rate group's add, a firewall rule). */
#define FWD_PROC_WORDS_MAX	32

/*
 * A control file's command: @w[0..@n) are the words written (@n >= 1), @data
 * the file's proc data, @net the file's namespace. On a refusal, *@why says
 * why for the log, or stays NULL when the command logged the reason itself.
 */
typedef int (*fwd_proc_cmd_t)(struct net *net, const void *data, char **w, int n,
			      const char **why);

int fwd_proc_write(struct file *file, char *buf, size_t size, fwd_proc_cmd_t cmd,
		   int max_words);

#endif /* _FORWARDER_CONTROL_H */
