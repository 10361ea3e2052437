// SPDX-License-Identifier: GPL-2.0-only
/*
 * /proc/forwarder files of the splicer: forward (hand-off), show (pairs),
 * listen_port, the two timeouts and the splice counters.
 */
#include <linux/capability.h>
#include <linux/proc_fs.h>
#include <linux/rhashtable.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>

#include "forwarder.h"
#include "parse.h"
#include "splice.h"

static const char *const fwd_splice_state_names[] = {
	[FWD_SPLICE_INSTALLING]		= "INSTALLING",
	[FWD_SPLICE_ESTABLISHED]	= "ESTABLISHED",
	[FWD_SPLICE_FIN_WAIT]		= "FIN_WAIT",
	[FWD_SPLICE_TIME_WAIT]		= "TIME_WAIT",
	[FWD_SPLICE_CLOSE]		= "CLOSE",
	[FWD_SPLICE_DEAD]		= "DEAD",
};

static struct net *fwd_splice_file_net(struct file *file)
{
	return seq_file_single_net(file->private_data);
}

static int fwd_splice_may_write(struct file *file, struct net *net, size_t size)
{
	if (!file_ns_capable(file, net->user_ns, CAP_NET_ADMIN))
		return -EPERM;
	if (size > FWD_CMD_MAX) {
		pr_info_ratelimited("write of %zu bytes refused: at most %d\n", size, FWD_CMD_MAX);
		return -EINVAL;
	}
	return 0;
}

static int fwd_splice_forward_write(struct file *file, char *buf, size_t size)
{
	struct net *net = fwd_splice_file_net(file);
	u64 fd[2];
	char *w[3];
	int err, n;

	err = fwd_splice_may_write(file, net, size);
	if (err)
		return err;
	n = fwd_split_words(buf, w, ARRAY_SIZE(w));
	if (n != 2 || fwd_parse_u64(w[0], 0, INT_MAX, &fd[0]) ||
	    fwd_parse_u64(w[1], 0, INT_MAX, &fd[1])) {
		pr_info_ratelimited("forward: expected \"<client_fd> <server_fd>\"\n");
		return -EINVAL;
	}
	return fwd_splice_install(fwd_pernet(net), fd[0], fd[1]);
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
	seq_printf(seq, " age %u idle %u timeout %u\n",
		   jiffies_to_msecs(now - pair->created) / 1000,
		   jiffies_to_msecs(now - READ_ONCE(pair->last_seen)) / 1000,
		   fwd_splice_timeout(pair));
}

static int fwd_splice_show(struct seq_file *seq, void *v)
{
	struct fwd_splice_net *sn = &fwd_pernet(seq_file_single_net(seq))->splice;
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
	struct fwd_splice_net *sn = &fwd_pernet(seq_file_single_net(seq))->splice;

	seq_printf(seq, "active %d\n", atomic_read(&sn->count));
	seq_printf(seq, "installed %lld\n", atomic64_read(&sn->installed));
	seq_printf(seq, "refused %lld\n", atomic64_read(&sn->refused));
	seq_printf(seq, "expired %lld\n", atomic64_read(&sn->expired));
	seq_printf(seq, "muted %lld\n", atomic64_read(&sn->muted));
	seq_printf(seq, "dropped %lld\n", atomic64_read(&sn->dropped));
	seq_printf(seq, "drained_bytes %lld\n", atomic64_read(&sn->drained_bytes));
	seq_printf(seq, "owing %lld\n", atomic64_read(&sn->owing));
	seq_printf(seq, "invalid %lld\n", atomic64_read(&sn->invalid));
	seq_printf(seq, "challenge_acks %lld\n", atomic64_read(&sn->challenge_acks));
	seq_printf(seq, "icmp_pmtu %lld\n", atomic64_read(&sn->icmp_pmtu));
	seq_printf(seq, "icmp_relayed %lld\n", atomic64_read(&sn->icmp_relayed));
	return 0;
}

/* A u32 setting in struct fwd_splice_net: the file's data is its offset and range. */
struct fwd_splice_setting {
	size_t offset;
	u32 min, max;
	bool is_u16;
};

static const struct fwd_splice_setting fwd_splice_listen_port = {
	offsetof(struct fwd_splice_net, listen_port), 0, 65535, true,
};

static const struct fwd_splice_setting fwd_splice_timeout_est = {
	offsetof(struct fwd_splice_net, timeout_established), 1, 7 * 24 * 3600, false,
};

static const struct fwd_splice_setting fwd_splice_timeout_closing = {
	offsetof(struct fwd_splice_net, timeout_closing), 1, 24 * 3600, false,
};

static void *fwd_splice_setting_ptr(struct net *net, const struct fwd_splice_setting *s)
{
	return (u8 *)&fwd_pernet(net)->splice + s->offset;
}

static int fwd_splice_setting_show(struct seq_file *seq, void *v)
{
	const struct fwd_splice_setting *s = pde_data(file_inode(seq->file));
	void *p = fwd_splice_setting_ptr(seq_file_single_net(seq), s);

	seq_printf(seq, "%u\n", s->is_u16 ? READ_ONCE(*(u16 *)p) : READ_ONCE(*(u32 *)p));
	return 0;
}

static int fwd_splice_setting_write(struct file *file, char *buf, size_t size)
{
	const struct fwd_splice_setting *s = pde_data(file_inode(file));
	struct net *net = fwd_splice_file_net(file);
	void *p = fwd_splice_setting_ptr(net, s);
	u64 val;
	int err;

	err = fwd_splice_may_write(file, net, size);
	if (err)
		return err;
	err = fwd_parse_u64(buf, s->min, s->max, &val);
	if (err) {
		pr_info_ratelimited("%pD: expected a number from %u to %u\n", file, s->min, s->max);
		return err;
	}
	if (s->is_u16)
		WRITE_ONCE(*(u16 *)p, val);
	else
		WRITE_ONCE(*(u32 *)p, val);
	return 0;
}

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
	    !proc_create_net_single("splice_stats", 0444, dir, fwd_splice_stats_show, NULL) ||
	    !proc_create_net_single_write("listen_port", 0644, dir, fwd_splice_setting_show,
					  fwd_splice_setting_write,
					  (void *)&fwd_splice_listen_port) ||
	    !proc_create_net_single_write("splice_timeout_established", 0644, dir,
					  fwd_splice_setting_show, fwd_splice_setting_write,
					  (void *)&fwd_splice_timeout_est) ||
	    !proc_create_net_single_write("splice_timeout_closing", 0644, dir,
					  fwd_splice_setting_show, fwd_splice_setting_write,
					  (void *)&fwd_splice_timeout_closing))
		return -ENOMEM;
	return 0;
}
