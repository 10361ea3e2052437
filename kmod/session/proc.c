// SPDX-License-Identifier: GPL-2.0-only
/*
 * /proc/forwarder/sessions and /proc/forwarder/stats (the settings,
 * full_policy included, are tunables: session.c).
 *
 * sessions is a seq_file over a resumable rhashtable walk, so each read()
 * continues where the previous one stopped instead of rescanning the table:
 * safe and linear for millions of sessions. A table resize during a dump
 * restarts the walk of the new table, which may repeat lines (never crashes).
 */
#include <linux/kernel.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/seq_file_net.h>
#include <linux/jiffies.h>
#include <net/net_namespace.h>

#include "forwarder.h"
#include "parse.h"
#include "session_core.h"

struct fwd_sessions_iter {
	struct rhashtable_iter hti;
	struct fwd_session_table *tbl;
	bool entered;
};

static void *fwd_sessions_next_obj(struct fwd_sessions_iter *it, bool advance)
{
	struct fwd_session *s;

	for (;;) {
		s = advance ? rhashtable_walk_next(&it->hti) : rhashtable_walk_peek(&it->hti);
		if (!IS_ERR(s))
			return s;
		if (PTR_ERR(s) != -EAGAIN)
			return NULL;
		advance = false;
	}
}

static void *fwd_sessions_start(struct seq_file *seq, loff_t *pos)
	__acquires(RCU)
{
	struct fwd_sessions_iter *it = seq->private;

	if (*pos == 0 && it->entered) {
		/* Read again from the top (lseek to 0, or pread). */
		rhashtable_walk_exit(&it->hti);
		it->entered = false;
	}
	if (!it->entered) {
		rhashtable_walk_enter(&it->tbl->ht, &it->hti);
		it->entered = true;
	}
	rhashtable_walk_start(&it->hti);
	if (*pos == 0)
		return SEQ_START_TOKEN;
	/* The object next() returned last and show() could not print yet. */
	return fwd_sessions_next_obj(it, false);
}

static void *fwd_sessions_next(struct seq_file *seq, void *v, loff_t *pos)
{
	struct fwd_sessions_iter *it = seq->private;

	++*pos;
	return fwd_sessions_next_obj(it, true);
}

static void fwd_sessions_stop(struct seq_file *seq, void *v)
	__releases(RCU)
{
	struct fwd_sessions_iter *it = seq->private;

	rhashtable_walk_stop(&it->hti);
}

static void fwd_print_endpoint(struct seq_file *seq, u8 family, const union fwd_addr *a,
			       __be16 port)
{
	if (family == AF_INET)
		seq_printf(seq, " %pI4 %u", &a->ip, ntohs(port));
	else
		seq_printf(seq, " %pI6c %u", &a->in6, ntohs(port));
}

static int fwd_sessions_show(struct seq_file *seq, void *v)
{
	struct fwd_session *s = v;
	u64 pkts[FWD_DIR_MAX], bytes[FWD_DIR_MAX];
	unsigned long now = jiffies, expires;
	struct fwd_tuple t;
	u8 st[FWD_DIR_MAX];
	bool est;

	if (v == SEQ_START_TOKEN) {
		seq_puts(seq, "proto family client cport server sport client_state server_state established age_s expires_s orig_pkts orig_bytes reply_pkts reply_bytes\n");
		return 0;
	}
	spin_lock_bh(&s->lock);
	if (s->dead) {
		spin_unlock_bh(&s->lock);
		return 0;
	}
	fwd_session_tuple(s, FWD_DIR_ORIG, &t);
	pkts[0] = s->packets[0];
	pkts[1] = s->packets[1];
	bytes[0] = s->bytes[0];
	bytes[1] = s->bytes[1];
	st[0] = s->tcp[0].state;
	st[1] = s->tcp[1].state;
	est = s->established;
	expires = fwd_session_expires(s);
	spin_unlock_bh(&s->lock);

	seq_printf(seq, "%s %s", t.proto == IPPROTO_TCP ? "tcp" : "udp",
		   t.family == AF_INET ? "ipv4" : "ipv6");
	fwd_print_endpoint(seq, t.family, &t.src, t.sport);
	fwd_print_endpoint(seq, t.family, &t.dst, t.dport);
	if (t.proto == IPPROTO_TCP)
		seq_printf(seq, " %s %s", fwd_tcp_state_name(st[0]), fwd_tcp_state_name(st[1]));
	else
		seq_puts(seq, " - -");
	seq_printf(seq, " %u %u %lu %llu %llu %llu %llu\n", est,
		   jiffies_to_msecs(now - s->first_seen) / 1000,
		   time_after(expires, now) ? DIV_ROUND_UP(expires - now, HZ) : 0,
		   pkts[0], bytes[0], pkts[1], bytes[1]);
	return 0;
}

static const struct seq_operations fwd_sessions_seq_ops = {
	.start	= fwd_sessions_start,
	.next	= fwd_sessions_next,
	.stop	= fwd_sessions_stop,
	.show	= fwd_sessions_show,
};

static int fwd_sessions_open(struct inode *inode, struct file *file)
{
	struct fwd_sessions_iter *it;

	it = __seq_open_private(file, &fwd_sessions_seq_ops, sizeof(*it));
	if (!it)
		return -ENOMEM;
	it->tbl = pde_data(inode);
	return 0;
}

static int fwd_sessions_release(struct inode *inode, struct file *file)
{
	struct seq_file *seq = file->private_data;
	struct fwd_sessions_iter *it = seq->private;

	if (it->entered)
		rhashtable_walk_exit(&it->hti);
	return seq_release_private(inode, file);
}

/*
 * Removing the entry (namespace exit) runs release for every open file before
 * the table is destroyed, so the walker never outlives the table.
 */
static const struct proc_ops fwd_sessions_proc_ops = {
	.proc_open	= fwd_sessions_open,
	.proc_read	= seq_read,
	.proc_lseek	= seq_lseek,
	.proc_release	= fwd_sessions_release,
};

static int fwd_stats_show(struct seq_file *seq, void *v)
{
	struct fwd_net *fn = fwd_pernet(seq_file_single_net(seq));
	struct fwd_session_stats *sum;
	unsigned int i, j;

	sum = kmalloc(sizeof(*sum), GFP_KERNEL);
	if (!sum)
		return -ENOMEM;
	fwd_session_stats_sum(fn->sessions, sum);
	seq_printf(seq, "sessions_active %d\n", atomic_read(&fn->sessions->count));
	seq_printf(seq, "sessions_limit %u\n", fwd_session_limit(fn->sessions));
	for (i = 0; i < FWD_CNT_MAX; i++)
		seq_printf(seq, "%s %llu\n", fwd_counters[i].name, sum->cnt[i]);
	for (i = 0; i < FWD_EV_MAX; i++)
		for (j = 0; j < FWD_PHASE_MAX; j++)
			seq_printf(seq, "event_%s_%s %llu\n", fwd_event_name(i),
				   j == FWD_PHASE_PRE ? "pre" : "post", sum->events[i][j]);
	seq_printf(seq, "session_size %zu\n", sizeof(struct fwd_session));
	kfree(sum);
	return 0;
}

int fwd_session_proc_init(struct fwd_net *fn)
{
	if (!proc_create_data("sessions", 0444, fn->proc_dir, &fwd_sessions_proc_ops,
			      fn->sessions))
		return -ENOMEM;
	if (!proc_create_net_single("stats", 0444, fn->proc_dir, fwd_stats_show, NULL))
		goto err_sessions;
	return 0;

err_sessions:
	remove_proc_entry("sessions", fn->proc_dir);
	return -ENOMEM;
}

void fwd_session_proc_exit(struct fwd_net *fn)
{
	remove_proc_entry("stats", fn->proc_dir);
	remove_proc_entry("sessions", fn->proc_dir);
}
