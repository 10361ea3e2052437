// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-network-namespace lifetime: every namespace gets its own struct fwd_net,
 * created when the namespace (or the module) appears and destroyed with it.
 */
#include <linux/module.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "forwarder.h"
#include "plugin/manager.h"
#include "session/session_core.h"
#include "splice/splice.h"
#include "aqm/aqm_core.h"

unsigned int fwd_net_id __read_mostly;

/*
 * The hooks come last and go first. Unregistering a hook does not wait for a
 * CPU already running it, so what the hooks read is freed only after an RCU
 * grace period: the core's between .pre_exit and .exit, or ours when a later
 * step of .init fails.
 */
static int fwd_net_hooks_register(struct net *net)
{
	int err;

	err = fwd_session_hooks_register(net);
	if (err)
		return err;
	err = fwd_splice_hooks_register(net);
	if (err) {
		fwd_session_hooks_unregister(net);
		synchronize_net();
	}
	return err;
}

static void fwd_net_hooks_unregister(struct net *net)
{
	fwd_splice_hooks_unregister(net);
	fwd_session_hooks_unregister(net);
}

static int __net_init fwd_net_init(struct net *net)
{
	struct fwd_net *fn = fwd_pernet(net);
	int err;

	fn->net = net;

	err = fwd_proc_net_init(fn);
	if (err)
		goto out;

	err = fwd_pm_net_init(fn);
	if (err)
		goto err_proc;

	/* Before the hooks, which read it. */
	err = fwd_aqm_net_init(fn);
	if (err)
		goto err_pm;

	err = fwd_session_net_init(fn);
	if (err)
		goto err_aqm;

	err = fwd_splice_net_init(fn);
	if (err)
		goto err_session;
	err = fwd_splice_proc_init(fn);
	if (err)
		goto err_splice;
	err = fwd_net_hooks_register(net);
	if (err)
		goto err_splice;

	return 0;

err_splice:
	fwd_splice_net_exit(fn);
err_session:
	fwd_session_net_exit(fn);
err_aqm:
	fwd_aqm_net_exit(fn);
err_pm:
	fwd_pm_net_exit(fn);
err_proc:
	fwd_proc_net_exit(fn);
out:
	return err;
}

/*
 * Devices are still there: live splices can reset their peers. Then the hooks
 * go; the core waits a grace period before .exit frees what they read.
 */
static void __net_exit fwd_net_pre_exit(struct net *net)
{
	fwd_splice_net_pre_exit(fwd_pernet(net));
	fwd_net_hooks_unregister(net);
}

static void __net_exit fwd_net_exit(struct net *net)
{
	struct fwd_net *fn = fwd_pernet(net);

	fwd_splice_net_exit(fn);
	fwd_session_net_exit(fn);
	/* No hook runs any more: nothing can queue a packet. */
	fwd_aqm_net_exit(fn);
	fwd_pm_net_exit(fn);
	fwd_proc_net_exit(fn);
}

static struct pernet_operations fwd_net_ops = {
	.init		= fwd_net_init,
	.pre_exit	= fwd_net_pre_exit,
	.exit		= fwd_net_exit,
	.id		= &fwd_net_id,
	.size		= sizeof(struct fwd_net),
};

int fwd_netns_init(void)
{
	return register_pernet_subsys(&fwd_net_ops);
}

void fwd_netns_exit(void)
{
	unregister_pernet_subsys(&fwd_net_ops);
}
