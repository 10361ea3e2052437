// SPDX-License-Identifier: GPL-2.0-only
/*
 * /proc/forwarder/groups: rate groups and bind rules of the namespace.
 *
 *   add ID rate R burst B [ebs B | peakrate P pburst B] [mode police|shape]
 *       [action drop|mark-dscp N|mark M] [limit Np] [limit Nb] [ecn]
 *   change ID KEY VALUE...   (keys as for add; the others keep their value)
 *   del ID
 *   bind ID proto tcp|udp [sport N] [dport N] [dir orig|reply|both]
 *   unbind ID
 *
 * Reading gives one line per group (parameters, then counters), then one
 * line per bind rule.
 */
#include <linux/kernel.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/seq_file_net.h>
#include <linux/slab.h>
#include <net/net_namespace.h>

#include "forwarder.h"
#include "parse.h"
#include "aqm_core.h"


static const char * const aqm_mode_names[] = { "police", "shape" };
static const char * const aqm_dir_names[] = { "", "orig", "reply", "both" };

/* Read back as key value pairs only, so every line splits the same way. */
static void aqm_show_action(struct seq_file *seq, const struct fwd_group_cfg *c)
{
	if (c->action == FWD_GROUP_ACT_DSCP)
		seq_printf(seq, " action mark-dscp dscp %u", c->dscp);
	else if (c->action == FWD_GROUP_ACT_MARK)
		seq_printf(seq, " action mark fwmark %u", c->mark);
	else
		seq_puts(seq, " action drop");
}

static void aqm_show_group(struct seq_file *seq, struct aqm_group *g)
{
	struct aqm_group_snap sn;
	const struct fwd_group_cfg *c = &sn.cfg;

	aqm_group_snap(g, &sn);
	seq_printf(seq, "%u rate %llubit burst %u", g->id, c->rate * 8, c->burst);
	if (c->ebs)
		seq_printf(seq, " ebs %u", c->ebs);
	if (c->peakrate)
		seq_printf(seq, " peakrate %llubit pburst %u", c->peakrate * 8, c->pburst);
	seq_printf(seq, " mode %s", aqm_mode_names[c->mode]);
	aqm_show_action(seq, c);
	seq_printf(seq, " limit_pkts %u limit_bytes %u ecn %u", c->limit_pkts, c->limit_bytes,
		   c->ecn);
	/* Only a queue has CoDel figures. */
	if (c->mode == FWD_GROUP_SHAPE)
		seq_printf(seq, " codel_target_us %llu codel_interval_us %llu",
			   sn.codel_target_us, sn.codel_interval_us);
	seq_printf(seq, " conform_pkts %llu conform_bytes %llu exceed_pkts %llu exceed_bytes %llu violate_pkts %llu violate_bytes %llu",
		   sn.st.pkts[AQM_GREEN], sn.st.bytes[AQM_GREEN], sn.st.pkts[AQM_YELLOW],
		   sn.st.bytes[AQM_YELLOW], sn.st.pkts[AQM_RED], sn.st.bytes[AQM_RED]);
	seq_printf(seq, " queued %u queued_bytes %u queued_mem %u delayed %llu dropped %llu overlimit %llu codel_dropped %llu marked %llu ecn_marked %llu tokens %lld\n",
		   sn.qlen, sn.backlog, sn.qmem, sn.st.delayed, sn.st.dropped, sn.st.overlimit,
		   sn.st.codel_dropped, sn.st.marked, sn.st.ecn_marked, sn.tokens);
}

static int aqm_groups_show(struct seq_file *seq, void *v)
{
	struct aqm_net *an = fwd_pernet(seq_file_single_net(seq))->aqm;
	const struct aqm_binds *bs;
	struct aqm_group *g;
	unsigned int i;

	if (!an)
		return 0;
	rcu_read_lock();
	for (i = 1; i <= FWD_GROUPS_MAX; i++) {
		g = rcu_dereference(an->groups[i]);
		if (g)
			aqm_show_group(seq, g);
	}
	bs = rcu_dereference(an->binds);
	for (i = 0; bs && i < bs->n; i++) {
		const struct aqm_bind *b = &bs->b[i];

		seq_printf(seq, "bind group %u proto %s", b->group,
			   b->proto == IPPROTO_TCP ? "tcp" : "udp");
		if (b->sport)
			seq_printf(seq, " sport %u", b->sport);
		if (b->dport)
			seq_printf(seq, " dport %u", b->dport);
		seq_printf(seq, " dir %s\n", aqm_dir_names[b->dirs]);
	}
	rcu_read_unlock();
	return 0;
}

/* ---- writes ------------------------------------------------------------ */

static int aqm_parse_id(const char *s, u8 *id)
{
	u64 v;

	if (fwd_parse_u64(s, 1, FWD_GROUPS_MAX, &v))
		return -EINVAL;
	*id = v;
	return 0;
}

/* "limit 1000p" (packets) or "limit 2mb" (truesize bytes). */
static int aqm_parse_limit(char *s, struct fwd_group_cfg *c)
{
	size_t len = strlen(s);
	u64 v;

	if (len > 1 && s[len - 1] == 'p') {
		s[len - 1] = '\0';
		if (fwd_parse_u64(s, 1, U32_MAX, &v))
			return -EINVAL;
		c->limit_pkts = v;
		return 0;
	}
	if (fwd_aqm_parse_size(s, &v))
		return -EINVAL;
	c->limit_bytes = v;
	return 0;
}

static int aqm_parse_u32_word(const char *s, u32 max, u32 *out)
{
	u64 v;

	if (fwd_parse_u64(s, 0, max, &v))
		return -EINVAL;
	*out = v;
	return 0;
}

/* KEY VALUE pairs and "ecn" into @c; *why says what is wrong. */
static int aqm_parse_cfg(char **w, int n, struct fwd_group_cfg *c, const char **why)
{
	u64 v;
	u32 u;
	int i;

	for (i = 0; i < n; i++) {
		const char *key = w[i];
		char *val;

		if (!strcmp(key, "ecn")) {
			c->ecn = true;
			continue;
		}
		if (!strcmp(key, "noecn")) {
			c->ecn = false;
			continue;
		}
		if (i + 1 >= n) {
			*why = "a keyword needs a value";
			return -EINVAL;
		}
		val = w[++i];
		if (!strcmp(key, "rate") || !strcmp(key, "peakrate")) {
			if (fwd_aqm_parse_rate(val, &v)) {
				*why = "bad rate (tc units: bit, kbit, mbit, gbit, bps, kbps...; not zero)";
				return -EINVAL;
			}
			if (key[0] == 'r')
				c->rate = v;
			else
				c->peakrate = v;
		} else if (!strcmp(key, "burst") || !strcmp(key, "ebs") ||
			   !strcmp(key, "pburst")) {
			if (fwd_aqm_parse_size(val, &v)) {
				*why = "bad size (tc units: b, k, kb, m, mb, g, kbit...)";
				return -EINVAL;
			}
			if (key[0] == 'b')
				c->burst = v;
			else if (key[0] == 'e')
				c->ebs = v;
			else
				c->pburst = v;
		} else if (!strcmp(key, "mode")) {
			if (!strcmp(val, "police")) {
				c->mode = FWD_GROUP_POLICE;
			} else if (!strcmp(val, "shape")) {
				c->mode = FWD_GROUP_SHAPE;
			} else {
				*why = "mode is police or shape";
				return -EINVAL;
			}
		} else if (!strcmp(key, "action")) {
			if (!strcmp(val, "drop")) {
				c->action = FWD_GROUP_ACT_DROP;
			} else if (!strcmp(val, "mark-dscp") && i + 1 < n &&
				   !aqm_parse_u32_word(w[i + 1], 63, &u)) {
				c->action = FWD_GROUP_ACT_DSCP;
				c->dscp = u;
				i++;
			} else if (!strcmp(val, "mark") && i + 1 < n &&
				   !aqm_parse_u32_word(w[i + 1], U32_MAX, &u)) {
				c->action = FWD_GROUP_ACT_MARK;
				c->mark = u;
				i++;
			} else {
				*why = "action is drop, mark-dscp 0..63 or mark N";
				return -EINVAL;
			}
		} else if (!strcmp(key, "limit")) {
			if (aqm_parse_limit(val, c)) {
				*why = "limit is Np (packets) or a size (bytes)";
				return -EINVAL;
			}
		} else {
			*why = "unknown keyword";
			return -EINVAL;
		}
	}
	return 0;
}

struct aqm_proc_words {
	char **w;
	int n;
};

/* aqm_group_edit()'s fill: the words after the id, checked there. */
static int aqm_proc_fill(struct fwd_group_cfg *cfg, void *arg, struct aqm_why *why)
{
	struct aqm_proc_words *pw = arg;

	why->field = AQM_F_NONE;
	why->other = AQM_F_NONE;
	return aqm_parse_cfg(pw->w, pw->n, cfg, &why->msg);
}

/* The file has always answered EINVAL to an unknown or existing group. */
static int aqm_proc_err(int err, const struct aqm_why *w, const char **why)
{
	if (!err)
		return 0;
	*why = w->msg;
	return err == -EEXIST || err == -ENOENT ? -EINVAL : err;
}

static int aqm_cmd_add_change(struct aqm_net *an, bool add, char **w, int n,
			      const char **why)
{
	struct aqm_proc_words pw = { .w = w + 1, .n = n - 1 };
	struct aqm_why wy = {};
	u8 id;

	if (n < 1 || aqm_parse_id(w[0], &id)) {
		*why = "group id is 1..255";
		return -EINVAL;
	}
	return aqm_proc_err(aqm_group_edit(an, id, add, aqm_proc_fill, &pw, &wy), &wy, why);
}

static int aqm_cmd_bind(struct aqm_net *an, char **w, int n, const char **why)
{
	struct aqm_bind b = { .dirs = FWD_GROUP_DIR_BOTH };
	struct aqm_why wy = {};
	u32 port;
	int i;

	if (n < 1 || aqm_parse_id(w[0], &b.group)) {
		*why = "group id is 1..255";
		return -EINVAL;
	}
	for (i = 1; i + 1 < n; i += 2) {
		if (!strcmp(w[i], "proto") && !strcmp(w[i + 1], "tcp")) {
			b.proto = IPPROTO_TCP;
		} else if (!strcmp(w[i], "proto") && !strcmp(w[i + 1], "udp")) {
			b.proto = IPPROTO_UDP;
		} else if (!strcmp(w[i], "sport") &&
			   !aqm_parse_u32_word(w[i + 1], U16_MAX, &port) && port) {
			b.sport = port;
		} else if (!strcmp(w[i], "dport") &&
			   !aqm_parse_u32_word(w[i + 1], U16_MAX, &port) && port) {
			b.dport = port;
		} else if (!strcmp(w[i], "dir")) {
			for (b.dirs = 1; b.dirs <= FWD_GROUP_DIR_BOTH; b.dirs++)
				if (!strcmp(w[i + 1], aqm_dir_names[b.dirs]))
					break;
			if (b.dirs > FWD_GROUP_DIR_BOTH)
				goto bad;
		} else {
			goto bad;
		}
	}
	if (i != n || !b.proto)
		goto bad;
	return aqm_proc_err(aqm_bind_new(an, &b, &wy), &wy, why);

bad:
	*why = "expected bind ID proto tcp|udp [sport N] [dport N] [dir orig|reply|both]";
	return -EINVAL;
}

/* Each command parses its words, then goes through the front door netlink uses. */
static int aqm_groups_cmd(struct net *net, const void *data, char **w, int n,
			  const char **why)
{
	struct aqm_net *an = fwd_pernet(net)->aqm;
	struct aqm_why wy = {};
	u8 id;

	if (!an)
		return -ENOENT;
	if (!strcmp(w[0], "add") || !strcmp(w[0], "change"))
		return aqm_cmd_add_change(an, w[0][0] == 'a', w + 1, n - 1, why);
	if (!strcmp(w[0], "bind"))
		return aqm_cmd_bind(an, w + 1, n - 1, why);
	if (!strcmp(w[0], "del") || !strcmp(w[0], "unbind")) {
		if (n != 2 || aqm_parse_id(w[1], &id)) {
			*why = "expected del|unbind ID (1..255)";
			return -EINVAL;
		}
		if (w[0][0] == 'u')
			return aqm_proc_err(aqm_bind_remove(an, id, &wy), &wy, why);
		return aqm_proc_err(aqm_group_remove(an, id, &wy), &wy, why);
	}
	*why = "unknown command (add, change, del, bind, unbind)";
	return -EINVAL;
}

static int aqm_groups_write(struct file *file, char *buf, size_t size)
{
	return fwd_proc_write(file, buf, size, aqm_groups_cmd, FWD_PROC_WORDS_MAX);
}

int aqm_proc_init(struct fwd_net *fn)
{
	if (!proc_create_net_single_write("groups", 0644, fn->proc_dir, aqm_groups_show,
					  aqm_groups_write, NULL))
		return -ENOMEM;
	return 0;
}

void aqm_proc_exit(struct fwd_net *fn)
{
	remove_proc_entry("groups", fn->proc_dir);
}
