// SPDX-License-Identifier: GPL-2.0-only
/*
 * synretx: counts SYN retransmissions (mOS's sample program) with a
 * user-defined event, RETRANSMIT filtered by "the segment is a SYN" (SYN set,
 * ACK clear). The count is per namespace, in /proc/forwarder/synretx.
 */
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>
#include <net/tcp.h>
#include <net/netns/generic.h>

#include <forwarder/plugin.h>

struct synretx_net {
	atomic64_t syn_retx;
	atomic64_t sessions;	/* sessions with at least one */
};

static unsigned int synretx_net_id __read_mostly;
static int synretx_ude = -1;

/* Per session: how many of its SYNs were retransmitted. */
struct synretx_ctx {
	u32 count;
};

static bool synretx_is_syn(struct fwd_session *s, const struct fwd_call *c, void *priv)
{
	return c->pkt && c->pkt->t.proto == IPPROTO_TCP &&
	       (c->pkt->tcp_flags & (TCPHDR_SYN | TCPHDR_ACK)) == TCPHDR_SYN;
}

static void synretx_event(struct fwd_session *s, const struct fwd_call *c, void *ctx)
{
	struct synretx_ctx *sc = ctx;
	struct synretx_net *sn;

	if (c->event != synretx_ude || !c->net)
		return;
	sn = net_generic(c->net, synretx_net_id);
	atomic64_inc(&sn->syn_retx);
	if (!sc->count++)
		atomic64_inc(&sn->sessions);
}

static struct fwd_plugin synretx_plugin = {
	.name = "synretx",
	.phase = FWD_PHASE_PRE,
	.priority = 0,
	.ctx_size = sizeof(struct synretx_ctx),
	.on_event = synretx_event,
	.owner = THIS_MODULE,
};

static int synretx_show(struct seq_file *seq, void *v)
{
	struct synretx_net *sn = net_generic(seq_file_single_net(seq), synretx_net_id);

	seq_printf(seq, "syn_retransmits %lld\n", atomic64_read(&sn->syn_retx));
	seq_printf(seq, "sessions %lld\n", atomic64_read(&sn->sessions));
	return 0;
}

static int __net_init synretx_net_init(struct net *net)
{
	struct proc_dir_entry *dir = fwd_proc_dir(net);

	if (!dir || !proc_create_net_single("synretx", 0444, dir, synretx_show, NULL))
		return -ENOMEM;
	return 0;
}

static void __net_exit synretx_net_exit(struct net *net)
{
	struct proc_dir_entry *dir = fwd_proc_dir(net);

	if (dir)
		remove_proc_entry("synretx", dir);
}

static struct pernet_operations synretx_net_ops = {
	.init	= synretx_net_init,
	.exit	= synretx_net_exit,
	.id	= &synretx_net_id,
	.size	= sizeof(struct synretx_net),
};

static int __init synretx_init(void)
{
	int err;

	err = register_pernet_subsys(&synretx_net_ops);
	if (err)
		return err;
	synretx_ude = fwd_ude_register("syn_retransmit", FWD_EV_RETRANSMIT,
				       synretx_is_syn, NULL);
	if (synretx_ude < 0) {
		err = synretx_ude;
		goto err_pernet;
	}
	synretx_plugin.events = FWD_EV_BIT(synretx_ude);
	err = fwd_plugin_register(&synretx_plugin);
	if (err)
		goto err_ude;
	return 0;

err_ude:
	fwd_ude_unregister(synretx_ude);
err_pernet:
	unregister_pernet_subsys(&synretx_net_ops);
	return err;
}

static void __exit synretx_exit(void)
{
	fwd_plugin_unregister(&synretx_plugin);
	fwd_ude_unregister(synretx_ude);
	unregister_pernet_subsys(&synretx_net_ops);
}

module_init(synretx_init);
module_exit(synretx_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("forwarder plugin: count SYN retransmissions (user-defined event)");
