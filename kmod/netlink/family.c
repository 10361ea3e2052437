// SPDX-License-Identifier: GPL-2.0-only
/*
 * The "forwarder" generic netlink family (include/forwarder/netlink.h): its
 * operations, their attribute policies and permissions, its multicast
 * group. Every operation acts on the caller's namespace; the handlers are
 * in this folder, one file per object (sessions and counters, tunables,
 * splice pairs, rate groups and bind rules, events). Documentation/netlink/specs/forwarder.yaml
 * describes the family; scripts/ynl-check.py keeps it in step with this
 * file.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <forwarder/netlink.h>

#include "forwarder.h"
#include "session/session_core.h"
#include "netlink/netlink.h"

/* Each command takes only its own attributes (strict validation). */
static const struct nla_policy fwd_nl_session_policy[FWD_A_MAX + 1] = {
	[FWD_A_SESSION_ID]	= { .type = NLA_U64 },
};

static const struct nla_policy fwd_nl_stats_policy[FWD_A_MAX + 1] = {
	[FWD_A_SESSION_ID]	= { .type = NLA_REJECT,
				    .reject_message = "counters are per namespace, not per session" },
};

static const struct nla_policy fwd_nl_tunable_get_policy[FWD_A_MAX + 1] = {
	[FWD_A_TUNABLE_NAME]	= { .type = NLA_NUL_STRING, .len = FWD_TUNABLE_NAME_MAX - 1 },
};

static const struct nla_policy fwd_nl_tunable_set_policy[FWD_A_MAX + 1] = {
	[FWD_A_TUNABLE_NAME]	= { .type = NLA_NUL_STRING, .len = FWD_TUNABLE_NAME_MAX - 1 },
	[FWD_A_TUNABLE_VALUE]	= { .type = NLA_U64 },
	[FWD_A_TUNABLE_TEXT]	= { .type = NLA_NUL_STRING, .len = FWD_TUNABLE_NAME_MAX - 1 },
};

static const struct nla_policy fwd_nl_splice_policy[FWD_A_MAX + 1] = {
	[FWD_A_SPLICE_ID]	= { .type = NLA_U64 },
};

static const struct nla_policy fwd_nl_flush_policy[FWD_A_MAX + 1] = {
	[FWD_A_FAMILY]		= { .type = NLA_U8 },
	[FWD_A_PROTO]		= { .type = NLA_U8 },
	[FWD_A_CLIENT_ADDR]	= { .type = NLA_BINARY, .len = sizeof(struct in6_addr) },
	[FWD_A_CLIENT_PREFIX_LEN] = { .type = NLA_U8 },
	[FWD_A_CLIENT_PORT]	= { .type = NLA_BE16 },
	[FWD_A_SERVER_ADDR]	= { .type = NLA_BINARY, .len = sizeof(struct in6_addr) },
	[FWD_A_SERVER_PREFIX_LEN] = { .type = NLA_U8 },
	[FWD_A_SERVER_PORT]	= { .type = NLA_BE16 },
};

static const struct nla_policy fwd_nl_group_id_policy[FWD_A_MAX + 1] = {
	[FWD_A_GROUP_ID]	= { .type = NLA_U8 },
};

/* Range checks are fwd_aqm_cfg_check()'s, shared with /proc: not here. */
static const struct nla_policy fwd_nl_group_cfg_policy[FWD_A_MAX + 1] = {
	[FWD_A_GROUP_ID]	= { .type = NLA_U8 },
	[FWD_A_GROUP_MODE]	= { .type = NLA_U8 },
	[FWD_A_GROUP_ACTION]	= { .type = NLA_U8 },
	[FWD_A_GROUP_RATE]	= { .type = NLA_U64 },
	[FWD_A_GROUP_BURST]	= { .type = NLA_U32 },
	[FWD_A_GROUP_EBS]	= { .type = NLA_U32 },
	[FWD_A_GROUP_PEAKRATE]	= { .type = NLA_U64 },
	[FWD_A_GROUP_PBURST]	= { .type = NLA_U32 },
	[FWD_A_GROUP_DSCP]	= { .type = NLA_U8 },
	[FWD_A_GROUP_MARK]	= { .type = NLA_U32 },
	[FWD_A_GROUP_LIMIT_PKTS] = { .type = NLA_U32 },
	[FWD_A_GROUP_LIMIT_BYTES] = { .type = NLA_U32 },
	[FWD_A_GROUP_ECN]	= { .type = NLA_U8, .validation_type = NLA_VALIDATE_MAX, .max = 1 },
};

static const struct nla_policy fwd_nl_bind_get_policy[FWD_A_MAX + 1] = {
	[FWD_A_GROUP_ID]	= { .type = NLA_REJECT,
				    .reject_message = "bind rules are dumped whole" },
};

static const struct nla_policy fwd_nl_bind_new_policy[FWD_A_MAX + 1] = {
	[FWD_A_GROUP_ID]	= { .type = NLA_U8 },
	[FWD_A_PROTO]		= { .type = NLA_U8 },
	[FWD_A_BIND_SPORT]	= { .type = NLA_U16, .validation_type = NLA_VALIDATE_MIN, .min = 1 },
	[FWD_A_BIND_DPORT]	= { .type = NLA_U16, .validation_type = NLA_VALIDATE_MIN, .min = 1 },
	[FWD_A_BIND_DIR]	= { .type = NLA_U8 },
};

static const struct genl_multicast_group fwd_genl_mcgrps[] = {
	[FWD_NL_GRP_EVENTS] = {
		.name = FWD_GENL_MCGRP_EVENTS,
		.flags = GENL_MCAST_CAP_NET_ADMIN,
	},
};

/*
 * Reading a tunable, a rate group or the bind rules needs no privilege, as
 * their /proc files are readable by all; everything else needs
 * CAP_NET_ADMIN over the namespace.
 */
static const struct genl_ops fwd_genl_ops[] = {
	{
		.cmd	= FWD_CMD_SESSION_GET,
		.doit	= fwd_nl_session_get,
		.start	= fwd_nl_dump_start,
		.dumpit	= fwd_nl_session_dump,
		.done	= fwd_nl_dump_done,
		.policy	= fwd_nl_session_policy,
		.maxattr = FWD_A_MAX,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= FWD_CMD_STATS_GET,
		.doit	= fwd_nl_stats_get,
		.policy	= fwd_nl_stats_policy,
		.maxattr = FWD_A_MAX,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= FWD_CMD_TUNABLE_GET,
		.doit	= fwd_nl_tunable_get,
		.dumpit	= fwd_nl_tunable_dump,
		.policy	= fwd_nl_tunable_get_policy,
		.maxattr = FWD_A_MAX,
	},
	{
		.cmd	= FWD_CMD_TUNABLE_SET,
		.doit	= fwd_nl_tunable_set,
		.policy	= fwd_nl_tunable_set_policy,
		.maxattr = FWD_A_MAX,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= FWD_CMD_SESSION_DEL,
		.doit	= fwd_nl_session_del,
		.policy	= fwd_nl_session_policy,
		.maxattr = FWD_A_MAX,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= FWD_CMD_SESSION_FLUSH,
		.doit	= fwd_nl_session_flush,
		.policy	= fwd_nl_flush_policy,
		.maxattr = FWD_A_MAX,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= FWD_CMD_SPLICE_GET,
		.doit	= fwd_nl_splice_get,
		.dumpit	= fwd_nl_splice_dump,
		.policy	= fwd_nl_splice_policy,
		.maxattr = FWD_A_MAX,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= FWD_CMD_SPLICE_DEL,
		.doit	= fwd_nl_splice_del,
		.policy	= fwd_nl_splice_policy,
		.maxattr = FWD_A_MAX,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= FWD_CMD_GROUP_GET,
		.doit	= fwd_nl_group_get,
		.dumpit	= fwd_nl_group_dump,
		.policy	= fwd_nl_group_id_policy,
		.maxattr = FWD_A_MAX,
	},
	{
		.cmd	= FWD_CMD_GROUP_NEW,
		.doit	= fwd_nl_group_new,
		.policy	= fwd_nl_group_cfg_policy,
		.maxattr = FWD_A_MAX,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= FWD_CMD_GROUP_SET,
		.doit	= fwd_nl_group_set,
		.policy	= fwd_nl_group_cfg_policy,
		.maxattr = FWD_A_MAX,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= FWD_CMD_GROUP_DEL,
		.doit	= fwd_nl_group_del,
		.policy	= fwd_nl_group_id_policy,
		.maxattr = FWD_A_MAX,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= FWD_CMD_BIND_GET,
		.dumpit	= fwd_nl_bind_dump,
		.policy	= fwd_nl_bind_get_policy,
		.maxattr = FWD_A_MAX,
	},
	{
		.cmd	= FWD_CMD_BIND_NEW,
		.doit	= fwd_nl_bind_new,
		.policy	= fwd_nl_bind_new_policy,
		.maxattr = FWD_A_MAX,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= FWD_CMD_BIND_DEL,
		.doit	= fwd_nl_bind_del,
		.policy	= fwd_nl_group_id_policy,
		.maxattr = FWD_A_MAX,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
};

struct genl_family fwd_genl_family = {
	.name		= FWD_GENL_NAME,
	.version	= FWD_GENL_VERSION,
	.maxattr	= FWD_A_MAX,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= fwd_genl_ops,
	.n_ops		= ARRAY_SIZE(fwd_genl_ops),
	.mcgrps		= fwd_genl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(fwd_genl_mcgrps),
};

/* After the per-namespace state exists: operations look it up. */
int fwd_genl_init(void)
{
	int err;

	err = genl_register_family(&fwd_genl_family);
	if (err)
		return err;
	/* Events go out once the family exists. */
	err = fwd_event_sink_register(&fwd_nl_sink);
	if (err)
		genl_unregister_family(&fwd_genl_family);
	return err;
}

void fwd_genl_exit(void)
{
	/* Waits for the event senders: none is left using the family after this. */
	fwd_event_sink_unregister(&fwd_nl_sink);
	genl_unregister_family(&fwd_genl_family);
}

