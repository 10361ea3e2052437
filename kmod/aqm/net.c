// SPDX-License-Identifier: GPL-2.0-only
/*
 * Rate groups' set-up: the module's (the device notifier) and each
 * namespace's (its groups, bind rules and /proc file). Each namespace has
 * its own state and its own queue memory budget.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/netdevice.h>

#include "forwarder.h"
#include "aqm_core.h"

int fwd_aqm_net_init(struct fwd_net *fn)
{
	struct aqm_net *an;
	int err;

	an = kzalloc(sizeof(*an), GFP_KERNEL_ACCOUNT);
	if (!an)
		return -ENOMEM;
	an->net = fn->net;
	mutex_init(&an->lock);
	atomic_long_set(&an->mem_used, 0);
	fn->aqm = an;
	err = aqm_proc_init(fn);
	if (err)
		goto err_free;
	return 0;

err_free:
	fn->aqm = NULL;
	kfree(an);
	return err;
}

/* The hooks are gone: drop what is queued, free every group and rule. */
void fwd_aqm_net_exit(struct fwd_net *fn)
{
	struct aqm_net *an = fn->aqm;

	aqm_proc_exit(fn);
	/* The device notifier finds nothing from now on (after the grace period below). */
	WRITE_ONCE(fn->aqm, NULL);
	aqm_groups_destroy(an);
	aqm_binds_free(an);
	kfree(an);
}

int fwd_aqm_init(void)
{
	/* A session keeps one byte per direction for its group id. */
	BUILD_BUG_ON(FWD_GROUPS_MAX > U8_MAX);
	return aqm_notifier_init();
}

void fwd_aqm_exit(void)
{
	aqm_notifier_exit();
}
