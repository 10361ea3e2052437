// SPDX-License-Identifier: GPL-2.0-only
/*
 * Session manager, per namespace: tunables, table, hooks, GC and proc files,
 * set up in that order and torn down in reverse, so nothing can reach the
 * table once it is being destroyed.
 */
#include <linux/kernel.h>
#include <linux/slab.h>

#include "forwarder.h"
#include "tunable.h"
#include "session_core.h"

/* What a new flow meets when the table is full and nothing is evictable. */
static const char * const fwd_full_policy_names[] = {
	[FWD_FULL_DROP] = "drop",
	[FWD_FULL_PASS] = "pass",
};

static const struct fwd_tunable fwd_session_tunables[] = {
	FWD_TUNABLE("max_sessions", sess_cfg.max_sessions, 1, FWD_SESSIONS_LIMIT),
	FWD_TUNABLE("timeout_tcp_established", sess_cfg.timeout_tcp_established, 1,
		    FWD_TIMEOUT_MAX_SECS),
	FWD_TUNABLE("timeout_tcp_handshake", sess_cfg.timeout_tcp_handshake, 1,
		    FWD_TIMEOUT_MAX_SECS),
	FWD_TUNABLE("timeout_tcp_closing", sess_cfg.timeout_tcp_closing, 1,
		    FWD_TIMEOUT_MAX_SECS),
	FWD_TUNABLE("timeout_udp", sess_cfg.timeout_udp, 1, FWD_TIMEOUT_MAX_SECS),
	FWD_TUNABLE_WORDS("full_policy", sess_cfg.full_policy, fwd_full_policy_names),
};

int fwd_session_net_init(struct fwd_net *fn)
{
	struct fwd_session_table *tbl;
	int err;

	fwd_session_cfg_defaults(&fn->sess_cfg);
	tbl = kzalloc(sizeof(*tbl), GFP_KERNEL_ACCOUNT);
	if (!tbl)
		return -ENOMEM;
	err = fwd_session_table_init(tbl, &fn->sess_cfg);
	if (err)
		goto err_free;
	tbl->net = fn->net;
	tbl->userns_share = fn->net->user_ns != &init_user_ns;
	fn->sessions = tbl;

	err = fwd_tunables_create(fn, fwd_session_tunables, ARRAY_SIZE(fwd_session_tunables));
	if (err)
		goto err_table;
	err = fwd_session_proc_init(fn);
	if (err)
		goto err_tunables;
	fwd_session_gc_start(tbl);
	return 0;

err_tunables:
	fwd_tunables_remove(fn, fwd_session_tunables, ARRAY_SIZE(fwd_session_tunables));
err_table:
	fn->sessions = NULL;
	fwd_session_table_destroy(tbl);
err_free:
	kfree(tbl);
	return err;
}

void fwd_session_net_exit(struct fwd_net *fn)
{
	struct fwd_session_table *tbl = fn->sessions;

	/* The hooks are gone and no CPU runs them (fwd_net_pre_exit). */
	fwd_session_proc_exit(fn);
	fwd_tunables_remove(fn, fwd_session_tunables, ARRAY_SIZE(fwd_session_tunables));
	fn->sessions = NULL;
	fwd_session_table_destroy(tbl);
	kfree(tbl);
}
