/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * forwarder: per-network-namespace state and internal interfaces of the core module.
 */
#ifndef _FWD_FORWARDER_H
#define _FWD_FORWARDER_H

#include <linux/types.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <forwarder/control.h>

#include "settings.h"

struct proc_dir_entry;
struct fwd_session_table;
struct fwd_splice_net;
struct aqm_net;

/*
 * Everything forwarder keeps for one network namespace: its settings (plain
 * values, written through tunables) and a pointer to each subsystem's
 * state, whose definition only that subsystem and its users include.
 */
struct fwd_net {
	struct net *net;
	struct proc_dir_entry *proc_dir;	/* /proc/net/forwarder */
	struct fwd_session_cfg sess_cfg;	/* session tunables */
	struct fwd_splice_cfg splice_cfg;	/* splice tunables */
	struct fwd_session_table *sessions;	/* kmod/session/ */
	struct fwd_splice_net *splice;		/* kmod/splice/ */
	struct aqm_net *aqm;			/* rate groups (kmod/aqm/) */
};

extern unsigned int fwd_net_id;

static inline struct fwd_net *fwd_pernet(const struct net *net)
{
	return net_generic(net, fwd_net_id);
}

/* netlink/family.c */
int fwd_genl_init(void);
void fwd_genl_exit(void);

/* netns.c */
int fwd_netns_init(void);
void fwd_netns_exit(void);

/* proc.c (and fwd_proc_write(), in forwarder/control.h) */
int fwd_proc_net_init(struct fwd_net *fn);
void fwd_proc_net_exit(struct fwd_net *fn);
int fwd_proc_init(void);
void fwd_proc_exit(void);

#endif /* _FWD_FORWARDER_H */
