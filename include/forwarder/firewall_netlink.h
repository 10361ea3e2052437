/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * The "fwd_firewall" generic netlink family of the firewall plugin
 * (fwd_firewall.ko): its rule table and counters, documented in proc_api.md
 * ("The fwd_firewall family") and Documentation/netlink/specs/fwd_firewall.yaml.
 * Shared by the kernel and userspace, so plain UAPI types only.
 */
#ifndef _FORWARDER_FIREWALL_NETLINK_H
#define _FORWARDER_FIREWALL_NETLINK_H

#define FWD_FW_GENL_NAME	"fwd_firewall"
#define FWD_FW_GENL_VERSION	1
/* Most rules a namespace's table holds. */
#define FWD_FW_RULES_MAX	64
/* Longest dfi class name, NUL included. */
#define FWD_FW_CLASS_NAME_MAX	16

enum fwd_fw_genl_cmd {
	FWD_FW_CMD_UNSPEC,
	FWD_FW_CMD_RULE_GET,	/* NLM_F_DUMP: every rule, in order */
	FWD_FW_CMD_RULE_ADD,	/* rule attributes: append one */
	FWD_FW_CMD_RULE_FLUSH,	/* remove every rule */
	FWD_FW_CMD_STATS_GET,	/* FWD_FW_A_INTERCEPTED_SESSIONS, FWD_FW_A_DROPPED_PACKETS */
	__FWD_FW_CMD_MAX
};
#define FWD_FW_CMD_MAX (__FWD_FW_CMD_MAX - 1)

enum fwd_fw_attr {
	FWD_FW_A_UNSPEC,
	FWD_FW_A_PAD,
	FWD_FW_A_INDEX,		/* u32: the rule's place, from 1 (as the /proc file numbers it) */
	FWD_FW_A_ACTION,	/* u8: enum fwd_fw_action */
	FWD_FW_A_GROUP,		/* u8: rate-limit only, the rate group, 1..255 */
	FWD_FW_A_DIR,		/* u8: rate-limit only, enum fwd_fw_dir (default both) */
	FWD_FW_A_PROTO,		/* u8: IPPROTO_TCP or IPPROTO_UDP */
	FWD_FW_A_SRC_ADDR,	/* binary: the client's, 4 or 16 bytes, network order */
	FWD_FW_A_SRC_PREFIX_LEN,	/* u8: bits of FWD_FW_A_SRC_ADDR (default all) */
	FWD_FW_A_DST_ADDR,	/* binary: the server's, 4 or 16 bytes */
	FWD_FW_A_DST_PREFIX_LEN,	/* u8 */
	FWD_FW_A_SPORT,		/* be16: the client's port */
	FWD_FW_A_DPORT,		/* be16: the server's port */
	FWD_FW_A_CLASS,		/* string: a dfi class name ("ssh") */
	FWD_FW_A_HITS,		/* u64: sessions the rule decided */
	FWD_FW_A_INTERCEPTED_SESSIONS,	/* u64: STATS_GET */
	FWD_FW_A_DROPPED_PACKETS,	/* u64: STATS_GET */
	__FWD_FW_A_MAX
};
#define FWD_FW_A_MAX (__FWD_FW_A_MAX - 1)

enum fwd_fw_action {
	FWD_FW_ACCEPT,
	FWD_FW_INTERCEPT,
	FWD_FW_RATE_LIMIT,
};

/* The directions a rate-limit rule puts in its group (FWD_GROUP_DIR_* bits). */
enum fwd_fw_dir {
	FWD_FW_DIR_UNSPEC,
	FWD_FW_DIR_ORIG,	/* client to server */
	FWD_FW_DIR_REPLY,	/* server to client */
	FWD_FW_DIR_BOTH,
};

#endif /* _FORWARDER_FIREWALL_NETLINK_H */
