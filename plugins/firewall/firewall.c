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
 * a rule (rate-limit needs a group), "flush" removes them all. The same
 * table through the "fwd_firewall" generic netlink family is netlink.c's:
 * both fill a struct fw_rule (firewall.h) and call fw_rule_add() and
 * fw_flush(), which hold every check.
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

#include "firewall.h"

#define FW_DECIDE_PACKETS	8	/* wait this long for a dfi class */

static const char * const fw_action_names[] = { "accept", "intercept", "rate-limit" };
static const char * const fw_class_names[DFI_CLASS_MAX] = {
	"unknown", "dns", "ntp", "ssdp", "memcached", "http", "tls", "ssh",
};
static const char * const fw_dir_names[] = { "", "orig", "reply", "both" };

static int fw_dfi_key;		/* the dfi plugin's metadata, by name */

struct fw_ctx {
	u8 seen;
};

unsigned int fw_net_id __read_mostly;

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
	if (r && r->action == FWD_FW_RATE_LIMIT)
		fwd_session_set_group(s, r->group, r->dirs);
	if (!r || r->action != FWD_FW_INTERCEPT || fwd_session_take_over(s)) {
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
		if (r->action == FWD_FW_RATE_LIMIT)
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

/* ---- the rule table: one implementation behind /proc and netlink --------- */

const char *fw_class_name(u8 class)
{
	return class < DFI_CLASS_MAX ? fw_class_names[class] : "?";
}

/* The dfi class named @name (enum dfi_class), or -EINVAL with @why set. */
int fw_class_find(const char *name, struct fw_refusal *why)
{
	int i;

	for (i = 0; i < DFI_CLASS_MAX; i++)
		if (!strcmp(name, fw_class_names[i]))
			return i;
	why->msg = "no such dfi class (unknown, dns, ntp, ssdp, memcached, http, tls, ssh)";
	why->attr = FWD_FW_A_CLASS;
	return -EINVAL;
}

static int fw_refuse(struct fw_refusal *why, int attr, const char *msg)
{
	why->msg = msg;
	why->attr = attr;
	return -EINVAL;
}

/* Every check a rule passes, whichever front door it came through. */
static int fw_rule_check(const struct fw_rule *r, struct fw_refusal *why)
{
	int i;

	if (r->action > FWD_FW_RATE_LIMIT)
		return fw_refuse(why, FWD_FW_A_ACTION,
				 "unknown action (accept 0, intercept 1, rate-limit 2)");
	if (r->action == FWD_FW_RATE_LIMIT && !r->group)
		return fw_refuse(why, FWD_FW_A_GROUP, "rate-limit needs a group (1..255)");
	if (r->action != FWD_FW_RATE_LIMIT && r->group)
		return fw_refuse(why, FWD_FW_A_GROUP, "only a rate-limit rule takes a group");
	if (r->action != FWD_FW_RATE_LIMIT && r->dirs)
		return fw_refuse(why, FWD_FW_A_DIR, "only a rate-limit rule takes a dir");
	if (r->dirs > FWD_FW_DIR_BOTH)
		return fw_refuse(why, FWD_FW_A_DIR, "dir is orig (1), reply (2) or both (3)");
	if ((r->match & FW_M_PROTO) && r->proto != IPPROTO_TCP && r->proto != IPPROTO_UDP)
		return fw_refuse(why, FWD_FW_A_PROTO, "proto is tcp (6) or udp (17)");
	for (i = 0; i < 2; i++) {
		if (!(r->match & (i ? FW_M_DST : FW_M_SRC)))
			continue;
		if (r->family[i] != AF_INET && r->family[i] != AF_INET6)
			return fw_refuse(why, i ? FWD_FW_A_DST_ADDR : FWD_FW_A_SRC_ADDR,
					 "an address is IPv4 (4 bytes) or IPv6 (16)");
		if (r->plen[i] > (r->family[i] == AF_INET ? 32 : 128))
			return fw_refuse(why, i ? FWD_FW_A_DST_PREFIX_LEN : FWD_FW_A_SRC_PREFIX_LEN,
					 "prefix length beyond the address (32 bits for IPv4, 128 for IPv6)");
	}
	if ((r->match & FW_M_CLASS) && r->class >= DFI_CLASS_MAX)
		return fw_refuse(why, FWD_FW_A_CLASS, "no such dfi class");
	return 0;
}

/* Publish @t (NULL: no rule) in place of the table; under fn->lock. */
static void fw_publish(struct fw_net *fn, struct fw_table *t)
{
	struct fw_table *old = rcu_dereference_protected(fn->table, lockdep_is_held(&fn->lock));

	fn->gen++;
	rcu_assign_pointer(fn->table, t);
	if (old)
		kfree_rcu(old, rcu);
}

/* Append @rule to @net's table after the checks; on a refusal @why says why. */
int fw_rule_add(struct net *net, const struct fw_rule *rule, struct fw_refusal *why)
{
	struct fw_net *fn = fw_pernet(net);
	struct fw_table *old, *t;
	unsigned int nr;
	int err;

	err = fw_rule_check(rule, why);
	if (err)
		return err;
	mutex_lock(&fn->lock);
	old = rcu_dereference_protected(fn->table, lockdep_is_held(&fn->lock));
	nr = old ? old->n : 0;
	err = -ENOSPC;
	if (nr >= FWD_FW_RULES_MAX) {
		fw_refuse(why, 0, "table full (64 rules)");
		goto out;
	}
	err = -ENOMEM;
	t = kzalloc(struct_size(t, r, nr + 1), GFP_KERNEL_ACCOUNT);
	if (!t) {
		fw_refuse(why, 0, "out of memory");
		goto out;
	}
	if (nr)
		memcpy(t->r, old->r, nr * sizeof(t->r[0]));
	t->r[nr] = *rule;
	atomic64_set(&t->r[nr].hits, 0);
	if (t->r[nr].action == FWD_FW_RATE_LIMIT && !t->r[nr].dirs)
		t->r[nr].dirs = FWD_GROUP_DIR_BOTH;
	t->n = nr + 1;
	t->uses_class = (old && old->uses_class) || (rule->match & FW_M_CLASS);
	fw_publish(fn, t);
	err = 0;
out:
	mutex_unlock(&fn->lock);
	return err;
}

void fw_flush(struct net *net)
{
	struct fw_net *fn = fw_pernet(net);

	mutex_lock(&fn->lock);
	fw_publish(fn, NULL);
	mutex_unlock(&fn->lock);
}

/* ---- /proc/forwarder/firewall's grammar ------------------------------------ */

/* "ADDR[/LEN]" into address @i of @r; the prefix length is checked with the rule. */
static int fw_parse_addr(char *s, struct fw_rule *r, int i)
{
	char *slash = strchr(s, '/');

	if (slash)
		*slash++ = '\0';
	if (in4_pton(s, -1, (u8 *)&r->addr[i].ip, -1, NULL))
		r->family[i] = AF_INET;
	else if (in6_pton(s, -1, r->addr[i].in6.s6_addr, -1, NULL))
		r->family[i] = AF_INET6;
	else
		return -EINVAL;
	r->plen[i] = r->family[i] == AF_INET ? 32 : 128;
	if (slash && kstrtou8(slash, 10, &r->plen[i]))
		return -EINVAL;
	return 0;
}

/* @w[0..@n): ACTION [KEY VALUE]..., into @r (not yet checked: fw_rule_add() does). */
static int fw_parse_rule(char **w, int n, struct fw_rule *r, struct fw_refusal *why)
{
	char *key, *val;
	unsigned int i;
	int k, err;
	u16 port;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < ARRAY_SIZE(fw_action_names); i++)
		if (n && !strcmp(w[0], fw_action_names[i]))
			break;
	if (i == ARRAY_SIZE(fw_action_names))
		return fw_refuse(why, FWD_FW_A_ACTION,
				 "unknown action (accept, intercept, rate-limit)");
	r->action = i;
	for (k = 1; k < n; k += 2) {
		key = w[k];
		if (k + 1 == n)
			return fw_refuse(why, 0, "a match keyword needs a value");
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
		} else if (!strcmp(key, "group")) {
			if (kstrtou8(val, 10, &r->group))
				goto bad_value;
		} else if (!strcmp(key, "dir")) {
			for (i = 1; i < ARRAY_SIZE(fw_dir_names); i++)
				if (!strcmp(val, fw_dir_names[i]))
					break;
			if (i == ARRAY_SIZE(fw_dir_names))
				goto bad_value;
			r->dirs = i;
		} else if (!strcmp(key, "class")) {
			err = fw_class_find(val, why);
			if (err < 0)
				return err;
			r->class = err;
			r->match |= FW_M_CLASS;
		} else {
			return fw_refuse(why, 0,
					 "unknown keyword (group, dir, proto, src, dst, sport, dport, class)");
		}
	}
	return 0;

bad_value:
	return fw_refuse(why, 0, "bad value");
}

/* "add ACTION [KEY VALUE]..." or "flush" */
static int fw_cmd(struct net *net, const void *data, char **w, int n, const char **why)
{
	struct fw_refusal refusal = {};
	struct fw_rule rule;
	int err;

	if (n == 1 && !strcmp(w[0], "flush")) {
		fw_flush(net);
		return 0;
	}
	if (strcmp(w[0], "add")) {
		*why = "expected 'add ACTION ...' or 'flush'";
		return -EINVAL;
	}
	err = fw_parse_rule(w + 1, n - 1, &rule, &refusal);
	if (!err)
		err = fw_rule_add(net, &rule, &refusal);
	*why = refusal.msg;
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
	fn->gen = 1;
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
		goto err_pernet;
	/* Last: its operations use the per-namespace state. */
	err = genl_register_family(&fw_genl_family);
	if (err)
		goto err_plugin;
	return 0;

err_plugin:
	fwd_plugin_unregister(&fw_plugin);
err_pernet:
	unregister_pernet_subsys(&fw_net_ops);
	return err;
}

static void __exit fw_exit(void)
{
	/* First: no request reaches the tables after this. */
	genl_unregister_family(&fw_genl_family);
	fwd_plugin_unregister(&fw_plugin);
	unregister_pernet_subsys(&fw_net_ops);
	rcu_barrier();	/* kfree_rcu() of the tables */
}

module_init(fw_init);
module_exit(fw_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("forwarder plugin: policy table with accept, intercept, rate-limit");
