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

	/* Before the session hooks, which read it. */
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
	err = fwd_splice_hooks_init(net);
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

/* Devices are still there: live splices can reset their peers. */
static void __net_exit fwd_net_pre_exit(struct net *net)
{
	fwd_splice_net_pre_exit(fwd_pernet(net));
}

static void __net_exit fwd_net_exit(struct net *net)
{
	struct fwd_net *fn = fwd_pernet(net);

	fwd_splice_hooks_exit(net);
	fwd_splice_net_exit(fn);
	fwd_session_net_exit(fn);
	/* After the hooks: nothing can queue a packet any more. */
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
