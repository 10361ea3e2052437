// SPDX-License-Identifier: GPL-2.0-only
/*
 * The packet path of a rate group, after the session lookup: its packet is
 * metered, and in police mode what exceeds is re-marked (DSCP or
 * skb->mark) or dropped; in shape mode the packet goes to the group's
 * queue (queue.c). Lengths are what the wire carries, GSO segments' headers
 * included.
 */
#include <linux/kernel.h>
#include <linux/percpu.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/dsfield.h>
#include <net/inet_ecn.h>

#include "forwarder.h"
#include "aqm_core.h"

/*
 * Bytes on the wire at L3: a GSO super-packet counts the headers of every
 * segment it will become. A header length that does not fit (malformed
 * SKB_GSO_DODGY packets) adds nothing.
 */
static u32 aqm_wire_len(const struct sk_buff *skb)
{
	const struct skb_shared_info *shi = skb_shinfo(skb);
	unsigned int hdr, segs;

	if (!skb_is_gso(skb) || !skb_transport_header_was_set(skb))
		return skb->len;
	segs = shi->gso_segs;
	if (segs < 2)
		return skb->len;
	hdr = skb_transport_offset(skb);
	if (shi->gso_type & (SKB_GSO_TCPV4 | SKB_GSO_TCPV6)) {
		struct tcphdr _th;
		const struct tcphdr *th;

		th = skb_header_pointer(skb, hdr, sizeof(_th), &_th);
		if (!th)
			return skb->len;
		hdr += th->doff * 4;
	} else if (shi->gso_type & (SKB_GSO_UDP_L4 | SKB_GSO_UDP)) {
		hdr += sizeof(struct udphdr);
	}
	if (hdr >= skb->len)
		return skb->len;
	return skb->len + (segs - 1) * hdr;
}

/* Police re-marking: DSCP (ECN bits kept, checksums fixed) or skb->mark. */
static bool aqm_remark(struct sk_buff *skb, const struct fwd_group_cfg *cfg)
{
	unsigned int nh = skb_network_offset(skb);

	if (cfg->action == FWD_GROUP_ACT_MARK) {
		skb->mark = cfg->mark;
		return true;
	}
	if (skb->protocol == htons(ETH_P_IP)) {
		if (skb_ensure_writable(skb, nh + sizeof(struct iphdr)))
			return false;
		ipv4_change_dsfield(ip_hdr(skb), INET_ECN_MASK, cfg->dscp << 2);
		return true;
	}
	if (skb->protocol == htons(ETH_P_IPV6)) {
		__be32 from, to;

		if (skb_ensure_writable(skb, nh + sizeof(struct ipv6hdr)))
			return false;
		from = *(__be32 *)ipv6_hdr(skb);
		ipv6_change_dsfield(ipv6_hdr(skb), INET_ECN_MASK, cfg->dscp << 2);
		to = *(__be32 *)ipv6_hdr(skb);
		if (skb->ip_summed == CHECKSUM_COMPLETE)
			skb->csum = csum_add(csum_sub(skb->csum, (__force __wsum)from),
					     (__force __wsum)to);
		return true;
	}
	return false;
}

/**
 * fwd_aqm_apply - meter (and re-mark, drop or queue) a packet of group @gid
 * @fn: the namespace's state
 * @gid: the group of the packet's session and direction
 * @skb: the packet
 * @state: the hook's state, copied if the packet is queued
 * @self: the hook function, where a queued packet resumes after
 *
 * Called from the session hook under rcu_read_lock().
 * Return: NF_ACCEPT, NF_DROP or NF_STOLEN (queued).
 */
unsigned int fwd_aqm_apply(struct fwd_net *fn, u8 gid, struct sk_buff *skb,
			   const struct nf_hook_state *state, nf_hookfn *self)
{
	struct aqm_net *an = READ_ONCE(fn->aqm);
	const struct aqm_params *p;
	enum aqm_colour c;
	struct aqm_group *g;
	u32 wire;
	u64 now;

	if (!an)
		return NF_ACCEPT;
	g = rcu_dereference(an->groups[gid]);
	if (!g)
		return NF_ACCEPT;
	p = rcu_dereference(g->params);
	wire = aqm_wire_len(skb);
	now = ktime_get_ns();
	if (p->cfg.mode == FWD_GROUP_SHAPE)
		return aqm_shape(g, p, skb, state, self, wire, now);

	spin_lock_bh(&g->lock);
	c = fwd_aqm_meter_colour(&p->meter, &g->b, wire, now);
	spin_unlock_bh(&g->lock);

	this_cpu_inc(g->stats->pkts[c]);
	this_cpu_add(g->stats->bytes[c], wire);
	if (c == AQM_GREEN)
		return NF_ACCEPT;
	if (c == AQM_YELLOW && p->cfg.action != FWD_GROUP_ACT_DROP && aqm_remark(skb, &p->cfg)) {
		this_cpu_inc(g->stats->marked);
		return NF_ACCEPT;
	}
	this_cpu_inc(g->stats->dropped);
	return NF_DROP;
}
