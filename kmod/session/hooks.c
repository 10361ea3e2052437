// SPDX-License-Identifier: GPL-2.0-only
/*
 * Netfilter hooks of the session manager: IPv4 and IPv6, PRE_ROUTING (what
 * arrives: forwarded and local) and LOCAL_OUT (what this host sends), just
 * after conntrack's defragmentation. Headers are read with skb_header_pointer()
 * and checked before use; whatever cannot be classified is counted and let
 * through untouched.
 */
#include <linux/kernel.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/tcp.h>

#include "forwarder.h"
#include "session_core.h"
#include "aqm/aqm_core.h"

/* Returns 0, or -EINVAL (malformed, counted) / -ENOENT (not TCP/UDP, counted). */
static int fwd_parse_l4(struct sk_buff *skb, unsigned int off, unsigned int l4len,
			bool fragment, struct fwd_packet *pkt, struct fwd_session_table *tbl)
{
	if (pkt->t.proto == IPPROTO_TCP) {
		struct tcphdr _th;
		const struct tcphdr *th;
		unsigned int doff;

		th = skb_header_pointer(skb, off, sizeof(_th), &_th);
		if (!th || l4len < sizeof(_th))
			goto err_parse;
		doff = th->doff * 4;
		if (doff < sizeof(_th) || doff > l4len)
			goto err_parse;
		if (!th->source || !th->dest)
			goto err_parse;
		pkt->tcp_flags = tcp_flag_byte(th);
		if (!fwd_tcp_flags_valid(pkt->tcp_flags)) {
			fwd_stat_inc(tbl, FWD_CNT_BAD_TCP_FLAGS);
			return -EINVAL;
		}
		pkt->t.sport = th->source;
		pkt->t.dport = th->dest;
		pkt->seq = ntohl(th->seq);
		pkt->ack = ntohl(th->ack_seq);
		pkt->l4_off = off;
		pkt->payload_off = off + doff;
		pkt->payload_len = l4len - doff;
		return 0;
	}
	if (pkt->t.proto == IPPROTO_UDP) {
		struct udphdr _uh;
		const struct udphdr *uh;
		unsigned int ulen;

		uh = skb_header_pointer(skb, off, sizeof(_uh), &_uh);
		if (!uh || l4len < sizeof(_uh))
			goto err_parse;
		ulen = ntohs(uh->len);
		/* A first fragment or a GSO super-packet carries less or more. */
		if (!fragment && !skb_is_gso(skb) && (ulen < sizeof(_uh) || ulen > l4len))
			goto err_parse;
		if (!uh->source || !uh->dest)
			goto err_parse;
		pkt->t.sport = uh->source;
		pkt->t.dport = uh->dest;
		pkt->l4_off = off;
		pkt->payload_off = off + sizeof(_uh);
		pkt->payload_len = l4len - sizeof(_uh);
		return 0;
	}
	fwd_stat_inc(tbl, FWD_CNT_OTHER_PROTO);
	return -ENOENT;

err_parse:
	fwd_stat_inc(tbl, FWD_CNT_PARSE_ERRORS);
	return -EINVAL;
}

static int fwd_parse_ipv4(struct sk_buff *skb, struct fwd_packet *pkt,
			  struct fwd_session_table *tbl)
{
	unsigned int nhoff = skb_network_offset(skb), ihl, tot;
	const struct iphdr *iph;
	struct iphdr _iph;
	bool fragment;

	iph = skb_header_pointer(skb, nhoff, sizeof(_iph), &_iph);
	if (!iph || iph->version != 4 || iph->ihl < 5)
		goto err_parse;
	ihl = iph->ihl * 4;
	tot = ntohs(iph->tot_len);
	if (!tot && skb_is_gso(skb))
		tot = skb->len - nhoff;
	if (tot < ihl || tot > skb->len - nhoff)
		goto err_parse;
	fragment = ip_is_fragment(iph);
	if (iph->frag_off & htons(IP_OFFSET)) {
		/* No L4 header here; conntrack's defrag, when loaded, reassembles first. */
		fwd_stat_inc(tbl, FWD_CNT_FRAGMENTS);
		return -ENOENT;
	}
	pkt->t.family = AF_INET;
	pkt->l3_off = nhoff;
	pkt->t.proto = iph->protocol;
	pkt->t.src.ip = iph->saddr;
	pkt->t.dst.ip = iph->daddr;
	pkt->len = tot;
	return fwd_parse_l4(skb, nhoff + ihl, tot - ihl, fragment, pkt, tbl);

err_parse:
	fwd_stat_inc(tbl, FWD_CNT_PARSE_ERRORS);
	return -EINVAL;
}

static int fwd_parse_ipv6(struct sk_buff *skb, struct fwd_packet *pkt,
			  struct fwd_session_table *tbl)
{
	unsigned int nhoff = skb_network_offset(skb), tot;
	const struct ipv6hdr *ip6h;
	struct ipv6hdr _ip6h;
	__be16 frag_off = 0;
	u8 nexthdr;
	int off;

	ip6h = skb_header_pointer(skb, nhoff, sizeof(_ip6h), &_ip6h);
	if (!ip6h || ip6h->version != 6)
		goto err_parse;
	tot = sizeof(_ip6h) + ntohs(ip6h->payload_len);
	if (tot == sizeof(_ip6h) && skb->len - nhoff > tot)
		tot = skb->len - nhoff;		/* jumbogram or GSO */
	if (tot > skb->len - nhoff)
		goto err_parse;
	nexthdr = ip6h->nexthdr;
	pkt->t.family = AF_INET6;
	pkt->l3_off = nhoff;
	pkt->t.src.in6 = ip6h->saddr;
	pkt->t.dst.in6 = ip6h->daddr;
	off = ipv6_skip_exthdr(skb, nhoff + sizeof(_ip6h), &nexthdr, &frag_off);
	if (off < 0 || off > nhoff + tot)
		goto err_parse;
	if (ntohs(frag_off) & ~0x7) {
		fwd_stat_inc(tbl, FWD_CNT_FRAGMENTS);
		return -ENOENT;
	}
	pkt->t.proto = nexthdr;
	pkt->len = tot;
	return fwd_parse_l4(skb, off, nhoff + tot - off, frag_off != 0, pkt, tbl);

err_parse:
	fwd_stat_inc(tbl, FWD_CNT_PARSE_ERRORS);
	return -EINVAL;
}

/**
 * fwd_session_parse - fill @pkt from @skb
 * @skb: the packet, network header at skb_network_offset()
 * @family: NFPROTO_IPV4 or NFPROTO_IPV6
 * @pkt: output
 * @tbl: where the reasons for refusing are counted
 *
 * Return: 0 if @pkt describes a trackable TCP or UDP packet.
 */
int fwd_session_parse(struct sk_buff *skb, u8 family, struct fwd_packet *pkt,
		      struct fwd_session_table *tbl)
{
	memset(pkt, 0, sizeof(*pkt));
	pkt->skb = skb;
	if (family == NFPROTO_IPV4)
		return fwd_parse_ipv4(skb, pkt, tbl);
	return fwd_parse_ipv6(skb, pkt, tbl);
}

static unsigned int fwd_session_hook(void *priv, struct sk_buff *skb,
				     const struct nf_hook_state *state)
{
	struct fwd_net *fn = fwd_pernet(state->net);
	struct fwd_session_table *tbl = fn->sessions;
	struct aqm_net *an = READ_ONCE(fn->aqm);
	struct fwd_rl_ctx rl = { .bind = an ? aqm_bind_lookup : NULL, .priv = an };
	unsigned int verdict;
	struct fwd_packet pkt;

	/* Loopback traffic was already seen on its way out. */
	if (state->hook == NF_INET_PRE_ROUTING && state->in &&
	    (state->in->flags & IFF_LOOPBACK))
		return NF_ACCEPT;
	if (unlikely(!tbl))
		return NF_ACCEPT;
	fwd_stat_inc(tbl, FWD_CNT_PACKETS);
	if (fwd_session_parse(skb, state->pf, &pkt, tbl))
		return NF_ACCEPT;
	verdict = fwd_session_process_rl(tbl, &pkt, jiffies, &rl);
	if (verdict != NF_ACCEPT || !rl.group)
		return verdict;
	/* Police or shape; a queued packet resumes right after this hook. */
	return fwd_aqm_apply(fn, rl.group, skb, state, fwd_session_hook);
}

static const struct nf_hook_ops fwd_session_hook_ops[] = {
	{
		.hook		= fwd_session_hook,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_PRE_ROUTING,
		.priority	= NF_IP_PRI_CONNTRACK_DEFRAG + 1,
	},
	{
		.hook		= fwd_session_hook,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_LOCAL_OUT,
		.priority	= NF_IP_PRI_CONNTRACK_DEFRAG + 1,
	},
	{
		.hook		= fwd_session_hook,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_PRE_ROUTING,
		.priority	= NF_IP6_PRI_CONNTRACK_DEFRAG + 1,
	},
	{
		.hook		= fwd_session_hook,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_LOCAL_OUT,
		.priority	= NF_IP6_PRI_CONNTRACK_DEFRAG + 1,
	},
};

int fwd_session_hooks_register(struct net *net)
{
	return nf_register_net_hooks(net, fwd_session_hook_ops,
				     ARRAY_SIZE(fwd_session_hook_ops));
}

void fwd_session_hooks_unregister(struct net *net)
{
	nf_unregister_net_hooks(net, fwd_session_hook_ops, ARRAY_SIZE(fwd_session_hook_ops));
}
