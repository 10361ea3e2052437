// SPDX-License-Identifier: GPL-2.0-only
/*
 * /proc/forwarder files of the splicer: forward (hand-off), show (pairs),
 * listen_port, the two timeouts and the splice counters.
 */
#include <linux/proc_fs.h>
#include <linux/rhashtable.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>

#include "forwarder.h"
#include "parse.h"
#include "tunable.h"
#include "splice.h"

static const char *const fwd_splice_state_names[] = {
	[FWD_SPLICE_INSTALLING]		= "INSTALLING",
	[FWD_SPLICE_ESTABLISHED]	= "ESTABLISHED",
	[FWD_SPLICE_FIN_WAIT]		= "FIN_WAIT",
	[FWD_SPLICE_TIME_WAIT]		= "TIME_WAIT",
	[FWD_SPLICE_CLOSE]		= "CLOSE",
	[FWD_SPLICE_DEAD]		= "DEAD",
};

static int fwd_splice_forward_cmd(struct net *net, const void *data, char **w, int n,
				  const char **why)
{
	u64 fd[2];

	if (n != 2 || fwd_parse_u64(w[0], 0, INT_MAX, &fd[0]) ||
	    fwd_parse_u64(w[1], 0, INT_MAX, &fd[1])) {
		*why = "expected \"<client_fd> <server_fd>\"";
		return -EINVAL;
	}
	/* Each refusal of a pair of sockets is logged where it is found. */
	return fwd_splice_install(fwd_pernet(net), fd[0], fd[1]);
}

static int fwd_splice_forward_write(struct file *file, char *buf, size_t size)
{
	return fwd_proc_write(file, buf, size, fwd_splice_forward_cmd, 2);
}

static int fwd_splice_forward_show(struct seq_file *seq, void *v)
{
	return 0;
}

static void fwd_splice_show_pair(struct seq_file *seq, struct fwd_splice_pair *pair)
{
	const struct fwd_splice_key *c = &pair->half[FWD_SPLICE_CLIENT].key;
	const struct fwd_splice_key *s = &pair->half[FWD_SPLICE_SERVER].key;
	struct fwd_splice_stats st[2];
	enum fwd_splice_state state;
	unsigned long now = jiffies;

	spin_lock_bh(&pair->lock);
	st[0] = pair->stats[0];
	st[1] = pair->stats[1];
	state = pair->state;
	spin_unlock_bh(&pair->lock);

	seq_printf(seq, "client %pI4:%u local %pI4:%u server_local %pI4:%u server %pI4:%u state %s",
		   &c->raddr, ntohs(c->rport), &c->laddr, ntohs(c->lport),
		   &s->laddr, ntohs(s->lport), &s->raddr, ntohs(s->rport),
		   fwd_splice_state_names[state]);
	seq_printf(seq, " c2s_packets %llu c2s_bytes %llu s2c_packets %llu s2c_bytes %llu",
		   st[FWD_SPLICE_CLIENT].packets, st[FWD_SPLICE_CLIENT].bytes,
		   st[FWD_SPLICE_SERVER].packets, st[FWD_SPLICE_SERVER].bytes);
	seq_printf(seq, " c2s_seq_delta %u c2s_ack_delta %u c2s_ts_delta %u wscale %u>%u/%u>%u",
		   pair->xlate[FWD_SPLICE_CLIENT].seq_delta,
		   pair->xlate[FWD_SPLICE_CLIENT].ack_delta,
		   pair->xlate[FWD_SPLICE_CLIENT].tsval_delta,
		   pair->xlate[FWD_SPLICE_CLIENT].wscale_in,
		   pair->xlate[FWD_SPLICE_CLIENT].wscale_out,
		   pair->xlate[FWD_SPLICE_SERVER].wscale_in,
		   pair->xlate[FWD_SPLICE_SERVER].wscale_out);
	seq_printf(seq, " age %u idle %u timeout %u id %llu\n",
		   jiffies_to_msecs(now - pair->created) / 1000,
		   jiffies_to_msecs(now - READ_ONCE(pair->last_seen)) / 1000,
		   fwd_splice_timeout(pair), pair->id);
}

static int fwd_splice_show(struct seq_file *seq, void *v)
{
	struct fwd_splice_net *sn = fwd_pernet(seq_file_single_net(seq))->splice;
	struct rhashtable_iter iter;
	struct fwd_splice_half *half;

	rhashtable_walk_enter(&sn->table, &iter);
	rhashtable_walk_start(&iter);
	while ((half = rhashtable_walk_next(&iter)) != NULL) {
		if (IS_ERR(half))	/* table resized under us: keep walking */
			continue;
		if (half->side == FWD_SPLICE_CLIENT)
			fwd_splice_show_pair(seq, half->pair);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	return 0;
}

static int fwd_splice_stats_show(struct seq_file *seq, void *v)
{
	struct fwd_splice_net *sn = fwd_pernet(seq_file_single_net(seq))->splice;

	seq_printf(seq, "active %d\n", atomic_read(&sn->count));
	seq_printf(seq, "installed %lld\n", atomic64_read(&sn->installed));
	seq_printf(seq, "refused %lld\n", atomic64_read(&sn->refused));
	seq_printf(seq, "expired %lld\n", atomic64_read(&sn->expired));
	seq_printf(seq, "muted %lld\n", atomic64_read(&sn->muted));
	seq_printf(seq, "dropped %lld\n", atomic64_read(&sn->dropped));
	seq_printf(seq, "drained_bytes %lld\n", atomic64_read(&sn->drained_bytes));
	seq_printf(seq, "owing %lld\n", atomic64_read(&sn->owing));
	seq_printf(seq, "invalid %lld\n", atomic64_read(&sn->invalid));
	seq_printf(seq, "out_of_window %lld\n", atomic64_read(&sn->out_of_window));
	seq_printf(seq, "challenge_acks %lld\n", atomic64_read(&sn->challenge_acks));
	seq_printf(seq, "icmp_pmtu %lld\n", atomic64_read(&sn->icmp_pmtu));
	seq_printf(seq, "icmp_relayed %lld\n", atomic64_read(&sn->icmp_relayed));
	return 0;
}

static const struct fwd_tunable fwd_splice_tunables[] = {
	FWD_TUNABLE("listen_port", splice_cfg.listen_port, 0, U16_MAX),
	FWD_TUNABLE("splice_timeout_established", splice_cfg.timeout_established, 1,
		    7 * 24 * 3600),
	FWD_TUNABLE("splice_timeout_closing", splice_cfg.timeout_closing, 1, 24 * 3600),
};

int fwd_splice_proc_init(struct fwd_net *fn)
{
	struct proc_dir_entry *dir = fn->proc_dir;

	/*
	 * Anyone may open it: the write's CAP_NET_ADMIN check is the gate, so a
	 * listener holding only that capability (no CAP_DAC_OVERRIDE) hands off.
	 */
	if (!proc_create_net_single_write("forward", 0222, dir, fwd_splice_forward_show,
					  fwd_splice_forward_write, NULL) ||
	    !proc_create_net_single("show", 0444, dir, fwd_splice_show, NULL) ||
	    !proc_create_net_single("splice_stats", 0444, dir, fwd_splice_stats_show, NULL))
		return -ENOMEM;
	return fwd_tunables_create(fn, fwd_splice_tunables, ARRAY_SIZE(fwd_splice_tunables));
}
