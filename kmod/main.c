// SPDX-License-Identifier: GPL-2.0-only
/*
 * forwarder: a platform for stateful network functions.
 *
 * Module entry points only; every subsystem brings its own init/exit pair and
 * is torn down in exactly the reverse order it was set up.
 */
#include <linux/module.h>

#include "forwarder.h"
#include "plugin/manager.h"
#include "aqm/aqm_core.h"

static int __init forwarder_init(void)
{
	int err;

	err = fwd_session_module_init();
	if (err)
		goto out;

	/* The plugin manager sees every session, so it comes before them. */
	err = fwd_pm_init();
	if (err)
		goto err_session;

	err = fwd_netns_init();
	if (err)
		goto err_pm;

	/* Device events flush rate-group queues: every namespace's state exists. */
	err = fwd_aqm_init();
	if (err)
		goto err_netns;

	err = fwd_proc_init();
	if (err)
		goto err_aqm;

	/* Last: its operations find every namespace's state in place. */
	err = fwd_genl_init();
	if (err)
		goto err_proc;

	pr_info("version %s loaded\n", FWD_VERSION);
	return 0;

err_proc:
	fwd_proc_exit();
err_aqm:
	fwd_aqm_exit();
err_netns:
	fwd_netns_exit();
err_pm:
	fwd_pm_exit();
err_session:
	fwd_session_module_exit();
out:
	return err;
}

static void __exit forwarder_exit(void)
{
	fwd_genl_exit();
	fwd_proc_exit();
	fwd_aqm_exit();
	fwd_netns_exit();
	fwd_pm_exit();
	/* Its rcu_barrier() waits for every kfree_rcu() of pairs and sessions. */
	fwd_session_module_exit();
	pr_info("unloaded\n");
}

module_init(forwarder_init);
module_exit(forwarder_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The forwarder authors");
MODULE_DESCRIPTION("Platform for stateful network functions: sessions, plugins, splicing, rate groups");
MODULE_VERSION(FWD_VERSION);
