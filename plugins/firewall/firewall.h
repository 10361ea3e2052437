/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The firewall plugin's rule table, shared by its two front doors: the
 * /proc/forwarder/firewall grammar (firewall.c) and the "fwd_firewall"
 * generic netlink family (netlink.c). Both fill a struct fw_rule and call
 * fw_rule_add() or fw_flush(): one set of checks, one table.
 */
#ifndef _FWD_FIREWALL_H
#define _FWD_FIREWALL_H

#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <forwarder/session.h>
#include <forwarder/firewall_netlink.h>

#define FW_M_PROTO	0x01
#define FW_M_SRC	0x02
#define FW_M_DST	0x04
#define FW_M_SPORT	0x08
#define FW_M_DPORT	0x10
#define FW_M_CLASS	0x20

struct fw_rule {
	u8 match;		/* FW_M_* */
	u8 action;		/* enum fwd_fw_action */
	u8 proto;
	u8 class;		/* enum dfi_class */
	u8 group;		/* rate-limit: AQM group id */
	u8 dirs;		/* rate-limit: FWD_GROUP_DIR_* (enum fwd_fw_dir) */
	u8 family[2];		/* of src, dst */
	u8 plen[2];
	union fwd_addr addr[2];	/* src (client), dst (server) */
	u16 sport, dport;
	atomic64_t hits;
};

struct fw_table {
	struct rcu_head rcu;
	unsigned int n;
	bool uses_class;
	struct fw_rule r[];
};

struct fw_net {
	struct fw_table __rcu *table;
	struct mutex lock;	/* writers, and netlink dumps */
	u32 gen;		/* changes with the table, under lock (a dump's NLM_F_DUMP_INTR) */
	atomic64_t intercepted;
	atomic64_t dropped;
};

/*
 * Why a rule was refused: a message for the kernel log (/proc) or the
 * extended ack (netlink), and the netlink attribute at fault (0: none).
 */
struct fw_refusal {
	const char *msg;
	int attr;		/* FWD_FW_A_* */
};

extern unsigned int fw_net_id;
extern struct genl_family fw_genl_family;

static inline struct fw_net *fw_pernet(struct net *net)
{
	return net_generic(net, fw_net_id);
}

const char *fw_class_name(u8 class);
int fw_class_find(const char *name, struct fw_refusal *why);
int fw_rule_add(struct net *net, const struct fw_rule *rule, struct fw_refusal *why);
void fw_flush(struct net *net);

#endif /* _FWD_FIREWALL_H */
