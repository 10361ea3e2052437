// SPDX-License-Identifier: GPL-2.0-only
/*
 * dfi: classifies sessions by server port (port rule chain) and by the
 * prefix of the first payload in either direction (content rule chain, which
 * wins over a port match). The result goes into session metadata under
 * the key named DFI_META_NAME (include/forwarder/dfi.h) for other plugins. Counts sessions
 * per class, per namespace, and flags reflection-attack shapes: UDP responses
 * larger than reflect_min bytes from the NTP, SSDP or memcached ports.
 * /proc/forwarder/dfi shows the counters.
 */
#include <linux/module.h>
#include <linux/in.h>
#include <linux/skbuff.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include <forwarder/plugin.h>
#include <forwarder/dfi.h>

static unsigned int reflect_min = 400;
module_param(reflect_min, uint, 0644);
MODULE_PARM_DESC(reflect_min, "UDP response payload bytes from a reflector port that flag a reflection (default 400)");

#define DFI_PREFIX_MAX	24
#define DFI_DATA_MAX	4	/* payload packets examined per session */

static const char * const dfi_names[DFI_CLASS_MAX] = {
	[DFI_UNKNOWN] = "unknown", [DFI_DNS] = "dns", [DFI_NTP] = "ntp",
	[DFI_SSDP] = "ssdp", [DFI_MEMCACHED] = "memcached", [DFI_HTTP] = "http",
	[DFI_TLS] = "tls", [DFI_SSH] = "ssh",
};

/* Port rules: the server's port and protocol. */
struct dfi_port_rule {
	u8 proto;
	u16 port;
	u8 class;
};

static const struct dfi_port_rule dfi_port_chain[] = {
	{ IPPROTO_UDP, 53, DFI_DNS }, { IPPROTO_TCP, 53, DFI_DNS },
	{ IPPROTO_UDP, 123, DFI_NTP },
	{ IPPROTO_UDP, 1900, DFI_SSDP },
	{ IPPROTO_UDP, 11211, DFI_MEMCACHED }, { IPPROTO_TCP, 11211, DFI_MEMCACHED },
	{ IPPROTO_TCP, 80, DFI_HTTP }, { IPPROTO_TCP, 8080, DFI_HTTP },
	{ IPPROTO_TCP, 443, DFI_TLS },
	{ IPPROTO_TCP, 22, DFI_SSH },
};

/* Content rules: a payload prefix, optionally only on one protocol/port. */
struct dfi_content_rule {
	u8 proto;		/* 0: any */
	u16 port;		/* server port, 0: any */
	u8 off;			/* where the prefix starts in the payload */
	u8 len;
	const char *prefix;
	u8 class;
};

#define CR(p, port, off, s, c) { p, port, off, sizeof(s) - 1, s, c }
static const struct dfi_content_rule dfi_content_chain[] = {
	CR(IPPROTO_UDP, 1900, 0, "M-SEARCH * HTTP/1.1", DFI_SSDP),
	CR(IPPROTO_UDP, 1900, 0, "NOTIFY * HTTP/1.1", DFI_SSDP),
	CR(IPPROTO_UDP, 0, 0, "M-SEARCH * ", DFI_SSDP),
	CR(IPPROTO_TCP, 0, 0, "GET ", DFI_HTTP),
	CR(IPPROTO_TCP, 0, 0, "POST ", DFI_HTTP),
	CR(IPPROTO_TCP, 0, 0, "HEAD ", DFI_HTTP),
	CR(IPPROTO_TCP, 0, 0, "PUT ", DFI_HTTP),
	CR(IPPROTO_TCP, 0, 0, "HTTP/1.", DFI_HTTP),
	CR(IPPROTO_TCP, 0, 0, "\x16\x03", DFI_TLS),
	CR(IPPROTO_TCP, 0, 0, "SSH-", DFI_SSH),
	/* memcached: text protocol on TCP, 8-byte frame header on UDP. */
	CR(IPPROTO_TCP, 0, 0, "stats", DFI_MEMCACHED),
	CR(IPPROTO_UDP, 0, 8, "stats", DFI_MEMCACHED),
	CR(IPPROTO_UDP, 0, 8, "get ", DFI_MEMCACHED),
	CR(IPPROTO_UDP, 0, 8, "gets ", DFI_MEMCACHED),
};

struct dfi_net {
	atomic64_t sessions[DFI_CLASS_MAX];	/* classified (unknown: gave up) */
	atomic64_t reflections;
};

struct dfi_ctx {
	u8 class;
	u8 flags;
	u8 data_seen;
	u8 counted;
};

static unsigned int dfi_net_id __read_mostly;

static struct dfi_net *dfi_net_of(const struct fwd_call *c)
{
	return c->net ? net_generic(c->net, dfi_net_id) : NULL;
}

static u16 dfi_server_port(struct fwd_session *s)
{
	struct fwd_tuple t;

	fwd_session_tuple(s, FWD_DIR_ORIG, &t);
	return ntohs(t.dport);
}

static u8 dfi_by_port(struct fwd_session *s, u8 proto)
{
	u16 port = dfi_server_port(s);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dfi_port_chain); i++)
		if (dfi_port_chain[i].proto == proto && dfi_port_chain[i].port == port)
			return dfi_port_chain[i].class;
	return DFI_UNKNOWN;
}

static u8 dfi_by_content(struct fwd_session *s, const struct fwd_packet *pkt)
{
	u8 buf[DFI_PREFIX_MAX + 8];
	u16 port = dfi_server_port(s);
	unsigned int i, n;

	n = min_t(unsigned int, pkt->payload_len, sizeof(buf));
	if (!n || !pkt->skb || skb_copy_bits(pkt->skb, pkt->payload_off, buf, n))
		return DFI_UNKNOWN;
	for (i = 0; i < ARRAY_SIZE(dfi_content_chain); i++) {
		const struct dfi_content_rule *r = &dfi_content_chain[i];

		if ((r->proto && r->proto != pkt->t.proto) || (r->port && r->port != port))
			continue;
		if (r->off + r->len <= n && !memcmp(buf + r->off, r->prefix, r->len))
			return r->class;
	}
	return DFI_UNKNOWN;
}

static int dfi_meta_key;

static void dfi_store(struct fwd_session *s, struct dfi_ctx *dc)
{
	struct dfi_result r = { .class = dc->class, .flags = dc->flags };

	fwd_session_set_meta(s, dfi_meta_key, &r, sizeof(r));
}

static bool dfi_reflector(u8 class)
{
	return class == DFI_NTP || class == DFI_SSDP || class == DFI_MEMCACHED;
}

static void dfi_event(struct fwd_session *s, const struct fwd_call *c, void *ctx)
{
	const struct fwd_packet *pkt = c->pkt;
	struct dfi_ctx *dc = ctx;
	struct dfi_net *dn = dfi_net_of(c);
	bool reflector;
	u8 class;

	if (!dn || !pkt)
		return;
	reflector = pkt->t.proto == IPPROTO_UDP && dfi_reflector(dfi_by_port(s, pkt->t.proto));
	if (c->event == FWD_EV_SESSION_NEW) {
		dc->class = dfi_by_port(s, pkt->t.proto);
		if (dc->class)
			dc->flags |= DFI_F_BY_PORT;
		return;
	}
	if (c->event != FWD_EV_DATA)
		return;
	if (!(dc->flags & DFI_F_BY_CONTENT) && dc->data_seen < DFI_DATA_MAX) {
		dc->data_seen++;
		class = dfi_by_content(s, pkt);
		if (class) {
			dc->class = class;
			dc->flags = (dc->flags & ~DFI_F_BY_PORT) | DFI_F_BY_CONTENT;
		}
		if (class || dc->data_seen == DFI_DATA_MAX || (dc->flags & DFI_F_BY_PORT)) {
			if (!dc->counted) {
				dc->counted = 1;
				atomic64_inc(&dn->sessions[dc->class]);
			}
			dfi_store(s, dc);
		}
	}
	/* Reflection shape: a large UDP response from a reflector's port. */
	if (reflector && c->dir == FWD_DIR_REPLY && pkt->payload_len >= READ_ONCE(reflect_min) &&
	    !(dc->flags & DFI_F_REFLECTION)) {
		dc->flags |= DFI_F_REFLECTION;
		atomic64_inc(&dn->reflections);
		dfi_store(s, dc);
	}
	/* Decided and nothing more to watch: no more events for this session. */
	if (dc->counted && !(reflector && !(dc->flags & DFI_F_REFLECTION)))
		fwd_session_detach_me(s);
}

static struct fwd_plugin dfi_plugin = {
	.name = "dfi",
	.events = FWD_EV_BIT(FWD_EV_SESSION_NEW) | FWD_EV_BIT(FWD_EV_DATA),
	.phase = FWD_PHASE_PRE,
	.priority = -10,	/* before the plugins that use its result */
	.ctx_size = sizeof(struct dfi_ctx),
	.on_event = dfi_event,
	.owner = THIS_MODULE,
};

static int dfi_show(struct seq_file *seq, void *v)
{
	struct dfi_net *dn = net_generic(seq_file_single_net(seq), dfi_net_id);
	unsigned int i;

	for (i = 0; i < DFI_CLASS_MAX; i++)
		seq_printf(seq, "%s %lld\n", dfi_names[i], atomic64_read(&dn->sessions[i]));
	seq_printf(seq, "reflection %lld\n", atomic64_read(&dn->reflections));
	return 0;
}

static int __net_init dfi_net_init(struct net *net)
{
	struct proc_dir_entry *dir = fwd_proc_dir(net);

	if (!dir || !proc_create_net_single("dfi", 0444, dir, dfi_show, NULL))
		return -ENOMEM;
	return 0;
}

static void __net_exit dfi_net_exit(struct net *net)
{
	struct proc_dir_entry *dir = fwd_proc_dir(net);

	if (dir)
		remove_proc_entry("dfi", dir);
}

static struct pernet_operations dfi_net_ops = {
	.init	= dfi_net_init,
	.exit	= dfi_net_exit,
	.id	= &dfi_net_id,
	.size	= sizeof(struct dfi_net),
};

static int __init dfi_init(void)
{
	int err;

	dfi_meta_key = fwd_meta_key(DFI_META_NAME);
	if (dfi_meta_key < 0)
		return dfi_meta_key;
	err = register_pernet_subsys(&dfi_net_ops);
	if (err)
		return err;
	err = fwd_plugin_register(&dfi_plugin);
	if (err)
		unregister_pernet_subsys(&dfi_net_ops);
	return err;
}

static void __exit dfi_exit(void)
{
	fwd_plugin_unregister(&dfi_plugin);
	unregister_pernet_subsys(&dfi_net_ops);
}

module_init(dfi_init);
module_exit(dfi_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("forwarder plugin: classify sessions by port and payload, flag reflection shapes");
