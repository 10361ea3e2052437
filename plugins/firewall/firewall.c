// SPDX-License-Identifier: GPL-2.0-only
/*
 * firewall: a per-namespace policy table written through
 * /proc/forwarder/firewall, first match wins. A rule matches on protocol,
 * client/server address (with prefix length), ports and the dfi class (from
 * the dfi plugin's session metadata). Actions: accept (the firewall detaches
 * from the session), intercept (it takes the session over and drops every
 * packet of it from then on), rate-limit (puts the session in an AQM rate
 * group, see <forwarder/aqm.h>). Sessions no rule matched are accepted.
 *
 * Writes: "add ACTION [group ID [dir orig|reply|both]] [proto tcp|udp]
 * [src ADDR[/LEN]] [dst ADDR[/LEN]] [sport N] [dport N] [class NAME]" appends
 * a rule (rate-limit needs a group), "flush" removes them all.
 */
#include <linux/module.h>
#include <linux/inet.h>
#include <linux/slab.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/netdevice.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/ipv6.h>

#include <forwarder/plugin.h>
#include <forwarder/control.h>
#include <forwarder/dfi.h>
#include <forwarder/aqm.h>

#define FW_RULES_MAX	64
#define FW_DECIDE_PACKETS	8	/* wait this long for a dfi class */

enum fw_action { FW_ACCEPT, FW_INTERCEPT, FW_RATELIMIT };
static const char * const fw_action_names[] = { "accept", "intercept", "rate-limit" };
static const char * const fw_class_names[DFI_CLASS_MAX] = {
	"unknown", "dns", "ntp", "ssdp", "memcached", "http", "tls", "ssh",
};

#define FW_M_PROTO	0x01
#define FW_M_SRC	0x02
#define FW_M_DST	0x04
#define FW_M_SPORT	0x08
#define FW_M_DPORT	0x10
#define FW_M_CLASS	0x20

static const char * const fw_dir_names[] = { "", "orig", "reply", "both" };

static int fw_dfi_key;		/* the dfi plugin's metadata, by name */

struct fw_rule {
	u8 match;		/* FW_M_* */
	u8 action;
	u8 proto;
	u8 class;
	u8 group;		/* rate-limit: AQM group id */
	u8 dirs;		/* rate-limit: AQM_DIR_* */
	u8 family[2];		/* of src, dst */
	u8 plen[2];
	union fwd_addr addr[2];	/* src (client), dst (server) */
	u16 sport, dport;
	atomic64_t hits;
};

struct fw_table {
	struct rcu_head rcu;
	unsigned int n;
	bool uses_class;
	struct fw_rule r[];
};

struct fw_net {
	struct fw_table __rcu *table;
	struct mutex lock;	/* writers */
	atomic64_t intercepted;
	atomic64_t dropped;
};

struct fw_ctx {
	u8 seen;
};

static unsigned int fw_net_id __read_mostly;

static bool fw_addr_match(const union fwd_addr *a, const union fwd_addr *p, u8 family,
			  u8 plen, u8 sfamily)
{
	if (family != sfamily)
		return false;
	if (family == AF_INET) {
		__be32 mask = plen ? htonl(~0U << (32 - plen)) : 0;

		return !((a->ip ^ p->ip) & mask);
	}
	return ipv6_prefix_equal(&a->in6, &p->in6, plen);
}

/* Rule matching @s; NULL if none, ERR_PTR(-EAGAIN) if a class rule must wait. */
static struct fw_rule *fw_lookup(struct fw_table *t, struct fwd_session *s, bool final)
{
	const struct dfi_result *dr = NULL;
	struct fwd_tuple tu;
	unsigned int i;
	u32 len;

	fwd_session_tuple(s, FWD_DIR_ORIG, &tu);
	if (t->uses_class) {
		dr = fwd_session_get_meta(s, fw_dfi_key, &len);
		if (dr && len != sizeof(*dr))
			dr = NULL;
	}
	for (i = 0; i < t->n; i++) {
		struct fw_rule *r = &t->r[i];

		if ((r->match & FW_M_PROTO) && r->proto != tu.proto)
			continue;
		if ((r->match & FW_M_SRC) &&
		    !fw_addr_match(&tu.src, &r->addr[0], r->family[0], r->plen[0], tu.family))
			continue;
		if ((r->match & FW_M_DST) &&
		    !fw_addr_match(&tu.dst, &r->addr[1], r->family[1], r->plen[1], tu.family))
			continue;
		if ((r->match & FW_M_SPORT) && r->sport != ntohs(tu.sport))
			continue;
		if ((r->match & FW_M_DPORT) && r->dport != ntohs(tu.dport))
			continue;
		if (r->match & FW_M_CLASS) {
			if (!dr && !final)
				return ERR_PTR(-EAGAIN);
			if ((dr ? dr->class : DFI_UNKNOWN) != r->class)
				continue;
		}
		return r;
	}
	return NULL;
}

static void fw_event(struct fwd_session *s, const struct fwd_call *c, void *ctx)
{
	struct fw_ctx *fc = ctx;
	struct fw_table *t;
	struct fw_rule *r;
	struct fw_net *fn;

	if (!c->net)
		return;
	fn = net_generic(c->net, fw_net_id);
	if (fc->seen == 0xff) {
		/* Intercepted: we own the session, drop all of it. */
		if (!fwd_session_drop_packet(s))
			atomic64_inc(&fn->dropped);
		return;
	}
	t = rcu_dereference(fn->table);
	if (!t) {
		fwd_session_detach_me(s);
		return;
	}
	fc->seen++;
	r = fw_lookup(t, s, fc->seen >= FW_DECIDE_PACKETS);
	if (IS_ERR(r))
		return;		/* wait for dfi */
	if (r)
		atomic64_inc(&r->hits);
	if (r && r->action == FW_RATELIMIT)
		fwd_session_set_group(s, r->group, r->dirs);
	if (!r || r->action != FW_INTERCEPT || fwd_session_take_over(s)) {
		fwd_session_detach_me(s);
		return;
	}
	fc->seen = 0xff;
	atomic64_inc(&fn->intercepted);
	if (!fwd_session_drop_packet(s))
		atomic64_inc(&fn->dropped);
}

static struct fwd_plugin fw_plugin = {
	.name = "firewall",
	.events = FWD_EV_BIT(FWD_EV_PACKET),
	.phase = FWD_PHASE_PRE,
	.priority = 0,
	.ctx_size = sizeof(struct fw_ctx),
	.on_event = fw_event,
	.owner = THIS_MODULE,
};

/* ---- /proc/forwarder/firewall ------------------------------------------- */

static void fw_show_addr(struct seq_file *seq, const char *what, const struct fw_rule *r, int i)
{
	if (r->family[i] == AF_INET)
		seq_printf(seq, " %s %pI4/%u", what, &r->addr[i].ip, r->plen[i]);
	else
		seq_printf(seq, " %s %pI6c/%u", what, &r->addr[i].in6, r->plen[i]);
}

static int fw_show(struct seq_file *seq, void *v)
{
	struct fw_net *fn = net_generic(seq_file_single_net(seq), fw_net_id);
	struct fw_table *t;
	unsigned int i;

	rcu_read_lock();
	t = rcu_dereference(fn->table);
	for (i = 0; t && i < t->n; i++) {
		const struct fw_rule *r = &t->r[i];

		seq_printf(seq, "%u %s", i + 1, fw_action_names[r->action]);
		if (r->action == FW_RATELIMIT)
			seq_printf(seq, " group %u dir %s", r->group, fw_dir_names[r->dirs]);
		if (r->match & FW_M_PROTO)
			seq_printf(seq, " proto %s", r->proto == IPPROTO_TCP ? "tcp" : "udp");
		if (r->match & FW_M_SRC)
			fw_show_addr(seq, "src", r, 0);
		if (r->match & FW_M_DST)
			fw_show_addr(seq, "dst", r, 1);
		if (r->match & FW_M_SPORT)
			seq_printf(seq, " sport %u", r->sport);
		if (r->match & FW_M_DPORT)
			seq_printf(seq, " dport %u", r->dport);
		if (r->match & FW_M_CLASS)
			seq_printf(seq, " class %s", fw_class_names[r->class]);
		seq_printf(seq, " hits %lld\n", atomic64_read(&r->hits));
	}
	rcu_read_unlock();
	seq_printf(seq, "intercepted_sessions %lld\n", atomic64_read(&fn->intercepted));
	seq_printf(seq, "dropped_packets %lld\n", atomic64_read(&fn->dropped));
	return 0;
}

static int fw_parse_addr(char *s, struct fw_rule *r, int i)
{
	char *slash = strchr(s, '/');
	unsigned int plen;
	int max;

	if (slash)
		*slash++ = '\0';
	if (in4_pton(s, -1, (u8 *)&r->addr[i].ip, -1, NULL)) {
		r->family[i] = AF_INET;
		max = 32;
	} else if (in6_pton(s, -1, r->addr[i].in6.s6_addr, -1, NULL)) {
		r->family[i] = AF_INET6;
		max = 128;
	} else {
		return -EINVAL;
	}
	plen = max;
	if (slash && (kstrtouint(slash, 10, &plen) || plen > max))
		return -EINVAL;
	r->plen[i] = plen;
	return 0;
}

/* @w[0..@n): ACTION [KEY VALUE]... */
static int fw_parse_rule(char **w, int n, struct fw_rule *r, const char **why)
{
	char *key, *val;
	unsigned int i;
	int k;
	u16 port;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < ARRAY_SIZE(fw_action_names); i++)
		if (n && !strcmp(w[0], fw_action_names[i]))
			break;
	if (i == ARRAY_SIZE(fw_action_names)) {
		*why = "unknown action (accept, intercept, rate-limit)";
		return -EINVAL;
	}
	r->action = i;
	for (k = 1; k < n; k += 2) {
		key = w[k];
		if (k + 1 == n) {
			*why = "a match keyword needs a value";
			return -EINVAL;
		}
		val = w[k + 1];
		if (!strcmp(key, "proto")) {
			if (!strcmp(val, "tcp"))
				r->proto = IPPROTO_TCP;
			else if (!strcmp(val, "udp"))
				r->proto = IPPROTO_UDP;
			else
				goto bad_value;
			r->match |= FW_M_PROTO;
		} else if (!strcmp(key, "src") || !strcmp(key, "dst")) {
			i = key[0] == 'd';
			if (fw_parse_addr(val, r, i))
				goto bad_value;
			r->match |= i ? FW_M_DST : FW_M_SRC;
		} else if (!strcmp(key, "sport") || !strcmp(key, "dport")) {
			if (kstrtou16(val, 10, &port))
				goto bad_value;
			if (key[0] == 's') {
				r->sport = port;
				r->match |= FW_M_SPORT;
			} else {
				r->dport = port;
				r->match |= FW_M_DPORT;
			}
		} else if (!strcmp(key, "group") && r->action == FW_RATELIMIT) {
			if (kstrtou8(val, 10, &r->group) || !r->group)
				goto bad_value;
		} else if (!strcmp(key, "dir") && r->action == FW_RATELIMIT) {
			for (i = 1; i < ARRAY_SIZE(fw_dir_names); i++)
				if (!strcmp(val, fw_dir_names[i]))
					break;
			if (i == ARRAY_SIZE(fw_dir_names))
				goto bad_value;
			r->dirs = i;
		} else if (!strcmp(key, "class")) {
			for (i = 0; i < DFI_CLASS_MAX; i++)
				if (!strcmp(val, fw_class_names[i]))
					break;
			if (i == DFI_CLASS_MAX)
				goto bad_value;
			r->class = i;
			r->match |= FW_M_CLASS;
		} else {
			*why = "unknown keyword (group, dir, proto, src, dst, sport, dport, class)";
			return -EINVAL;
		}
	}
	if (r->action == FW_RATELIMIT && !r->group) {
		*why = "rate-limit needs 'group ID' (1..255)";
		return -EINVAL;
	}
	if (r->action == FW_RATELIMIT && !r->dirs)
		r->dirs = FWD_GROUP_DIR_BOTH;
	return 0;

bad_value:
	*why = "bad value";
	return -EINVAL;
}

/* "add ACTION [KEY VALUE]..." or "flush" */
static int fw_cmd(struct net *net, const void *data, char **w, int n, const char **why)
{
	struct fw_net *fn = net_generic(net, fw_net_id);
	struct fw_table *old, *t = NULL;
	struct fw_rule rule;
	unsigned int nr;
	int err;

	mutex_lock(&fn->lock);
	old = rcu_dereference_protected(fn->table, lockdep_is_held(&fn->lock));
	if (n == 1 && !strcmp(w[0], "flush")) {
		err = 0;
		goto publish;
	}
	err = -EINVAL;
	if (strcmp(w[0], "add")) {
		*why = "expected 'add ACTION ...' or 'flush'";
		goto out;
	}
	err = fw_parse_rule(w + 1, n - 1, &rule, why);
	if (err)
		goto out;
	nr = old ? old->n : 0;
	err = -ENOSPC;
	if (nr >= FW_RULES_MAX) {
		*why = "table full";
		goto out;
	}
	err = -ENOMEM;
	*why = "out of memory";
	t = kzalloc(struct_size(t, r, nr + 1), GFP_KERNEL_ACCOUNT);
	if (!t)
		goto out;
	if (nr)
		memcpy(t->r, old->r, nr * sizeof(t->r[0]));
	t->r[nr] = rule;
	t->n = nr + 1;
	t->uses_class = (old && old->uses_class) || (rule.match & FW_M_CLASS);
	err = 0;
publish:
	rcu_assign_pointer(fn->table, t);
	if (old)
		kfree_rcu(old, rcu);
out:
	mutex_unlock(&fn->lock);
	return err;
}

/* Through the core's front door: the same checks and errors as its files. */
static int fw_write(struct file *file, char *buf, size_t size)
{
	return fwd_proc_write(file, buf, size, fw_cmd, FWD_PROC_WORDS_MAX);
}

static int __net_init fw_net_init(struct net *net)
{
	struct fw_net *fn = net_generic(net, fw_net_id);
	struct proc_dir_entry *dir = fwd_proc_dir(net);

	mutex_init(&fn->lock);
	if (!dir || !proc_create_net_single_write("firewall", 0644, dir, fw_show, fw_write,
						  NULL))
		return -ENOMEM;
	return 0;
}

static void __net_exit fw_net_exit(struct net *net)
{
	struct fw_net *fn = net_generic(net, fw_net_id);
	struct proc_dir_entry *dir = fwd_proc_dir(net);

	if (dir)
		remove_proc_entry("firewall", dir);
	/* The plugin is unregistered (module exit) or the namespace is gone. */
	kfree_rcu(rcu_dereference_protected(fn->table, 1), rcu);
}

static struct pernet_operations fw_net_ops = {
	.init	= fw_net_init,
	.exit	= fw_net_exit,
	.id	= &fw_net_id,
	.size	= sizeof(struct fw_net),
};

static int __init fw_init(void)
{
	int err;

	fw_dfi_key = fwd_meta_key(DFI_META_NAME);
	if (fw_dfi_key < 0)
		return fw_dfi_key;
	err = register_pernet_subsys(&fw_net_ops);
	if (err)
		return err;
	err = fwd_plugin_register(&fw_plugin);
	if (err)
		unregister_pernet_subsys(&fw_net_ops);
	return err;
}

static void __exit fw_exit(void)
{
	fwd_plugin_unregister(&fw_plugin);
	unregister_pernet_subsys(&fw_net_ops);
	rcu_barrier();	/* kfree_rcu() of the tables */
}

module_init(fw_init);
module_exit(fw_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("forwarder plugin: policy table with accept, intercept, rate-limit");
