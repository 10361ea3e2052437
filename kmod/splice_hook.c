// SPDX-License-Identifier: GPL-2.0-only
/*
 * The splice data path. Like IPVS, segments are taken at LOCAL_IN (after the
 * input firewall, where a packet for a local socket is no martian), rewritten,
 * routed as output and sent through LOCAL_OUT, so the firewall and conntrack
 * still see the outgoing connection. A second hook at LOCAL_OUT keeps the two
 * spliced sockets silent: anything they emit on their tuple is dropped.
 */
#include <linux/icmp.h>
#include <linux/ip.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/dst.h>
#include <net/icmp.h>
#include <net/ip.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/route.h>
#include <net/tcp.h>

#include "forwarder.h"
#include "splice.h"

static struct rtable *fwd_splice_route(struct net *net, __be32 daddr, __be32 saddr)
{
	return ip_route_output(net, daddr, saddr, 0, 0);
}

/* Too big for the server's path: tell the sender, as a router would, before we rewrite. */
static bool fwd_splice_too_big(struct sk_buff *skb, struct rtable *rt)
{
	unsigned int mtu = dst_mtu(&rt->dst);

	if (!(ip_hdr(skb)->frag_off & htons(IP_DF)))
		return false;
	if (skb_is_gso(skb) ? skb_gso_validate_network_len(skb, mtu) : skb->len <= mtu)
		return false;
	icmp_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, htonl(mtu));
	return true;
}

/* Account a rewritten segment and follow the teardown states (IPVS-like). */
static void fwd_splice_track(struct fwd_splice_pair *pair, int side,
			     const struct tcphdr *th, unsigned int payload,
			     unsigned int len)
{
	int peer = !side;	/* the segment goes to the other side's peer */
	u32 end = ntohl(th->seq) + payload + th->syn + th->fin;
	u32 timeout = 0;

	fwd_splice_touch(pair);
	spin_lock(&pair->lock);
	pair->stats[side].packets++;
	pair->stats[side].bytes += len;
	if ((s32)(end - pair->snd_end[peer]) > 0)
		pair->snd_end[peer] = end;
	if (pair->state == FWD_SPLICE_DEAD) {
		spin_unlock(&pair->lock);
		return;
	}
	if (th->rst) {
		pair->state = FWD_SPLICE_CLOSE;
		timeout = fwd_splice_timeout(pair);
	} else if (th->fin && !(pair->fin & BIT(side))) {
		pair->fin |= BIT(side);
		pair->state = pair->fin == (BIT(0) | BIT(1)) ? FWD_SPLICE_TIME_WAIT :
							       FWD_SPLICE_FIN_WAIT;
		if (pair->state == FWD_SPLICE_TIME_WAIT)
			timeout = fwd_splice_timeout(pair);
	}
	/* A shorter timeout takes effect now; longer ones are re-armed lazily by the timer. */
	if (timeout)
		mod_timer(&pair->timer, jiffies + timeout * HZ);
	spin_unlock(&pair->lock);
}

/* Rewrite @skb for the other connection and send it; it is consumed either way. */
static void fwd_splice_forward(struct net *net, struct fwd_splice_pair *pair,
			       int side, struct sk_buff *skb)
{
	const struct fwd_splice_xlate *x = &pair->xlate[side];
	unsigned int thoff = ip_hdrlen(skb), hdrlen;
	const struct tcphdr *th;
	struct rtable *rt;

	/* The fixed header first: only then is doff safe to read. */
	if (skb_ensure_writable(skb, thoff + sizeof(struct tcphdr)))
		goto drop;
	th = (const struct tcphdr *)(skb_network_header(skb) + thoff);
	hdrlen = th->doff * 4;
	if (hdrlen < sizeof(struct tcphdr) || thoff + hdrlen > skb->len ||
	    skb_ensure_writable(skb, thoff + hdrlen))
		goto drop;

	rt = fwd_splice_route(net, x->daddr, x->saddr);
	if (IS_ERR(rt))
		goto drop;
	if (fwd_splice_too_big(skb, rt)) {
		ip_rt_put(rt);
		goto drop;
	}

	fwd_splice_xlate_tcp(skb, thoff, x);
	th = (const struct tcphdr *)(skb_network_header(skb) + thoff);
	fwd_splice_track(pair, side, th, skb->len - thoff - hdrlen, skb->len);

	ip_hdr(skb)->ttl = ip4_dst_hoplimit(&rt->dst);
	ip_send_check(ip_hdr(skb));
	skb_orphan(skb);		/* the early-demuxed socket is not ours to send from */
	nf_reset_ct(skb);		/* LOCAL_OUT conntrack finds the outgoing connection */
	skb_dst_drop(skb);
	skb_dst_set(skb, &rt->dst);
	skb_forward_csum(skb);
	skb_clear_tstamp(skb);
	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	ip_local_out(net, NULL, skb);
	return;

drop:
	atomic64_inc(&pair->fn->splice.dropped);
	kfree_skb(skb);
}

static unsigned int fwd_splice_in(void *priv, struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	struct fwd_splice_net *sn = &fwd_pernet(state->net)->splice;
	struct fwd_splice_pair *pair;
	struct fwd_splice_half *half;
	struct fwd_splice_key key;
	enum fwd_splice_state st;
	const struct tcphdr *th;
	struct sk_buff *copy;
	struct tcphdr _th;
	int side;

	if (!atomic_read(&sn->count) || ip_hdr(skb)->protocol != IPPROTO_TCP)
		return NF_ACCEPT;
	th = skb_header_pointer(skb, ip_hdrlen(skb), sizeof(_th), &_th);
	if (!th)
		return NF_ACCEPT;

	key.raddr = ip_hdr(skb)->saddr;
	key.laddr = ip_hdr(skb)->daddr;
	key.rport = th->source;
	key.lport = th->dest;
	half = fwd_splice_lookup(sn, &key);
	if (!half)
		return NF_ACCEPT;
	pair = half->pair;
	side = half->side;

	st = smp_load_acquire(&pair->state);	/* pairs with fwd_splice_activate() */
	if (th->syn) {
		/* A new connection reusing a finished pair's tuple: free the tuple, the retransmitted SYN reaches the listener. */
		if (!th->ack && (st == FWD_SPLICE_TIME_WAIT || st == FWD_SPLICE_CLOSE))
			fwd_splice_kill(pair, false);
		goto drop;
	}
	if (st == FWD_SPLICE_INSTALLING || st == FWD_SPLICE_DEAD)
		goto drop;

	if (test_bit(side, &pair->pending) && th->ack) {
		/* The local socket still owes this peer bytes: it needs the peer's ACKs too. */
		if (!before(ntohl(th->ack_seq), pair->pending_end[side]))
			clear_bit(side, &pair->pending);
		copy = skb_clone(skb, GFP_ATOMIC);
		if (copy)
			fwd_splice_forward(state->net, pair, side, copy);
		return NF_ACCEPT;
	}
	fwd_splice_forward(state->net, pair, side, skb);
	return NF_STOLEN;

drop:
	atomic64_inc(&sn->dropped);
	return NF_DROP;
}

/*
 * Anything a spliced socket emits (it still believes it is connected) never
 * leaves, except retransmissions of bytes it owed before the splice.
 */
static unsigned int fwd_splice_mute(void *priv, struct sk_buff *skb,
				    const struct nf_hook_state *state)
{
	struct fwd_splice_net *sn = &fwd_pernet(state->net)->splice;
	struct fwd_splice_pair *pair;
	struct fwd_splice_half *half;
	struct fwd_splice_key key;
	const struct tcphdr *th;
	unsigned int payload;
	struct tcphdr _th;

	/* Our own segments carry no socket. */
	if (!skb->sk || !atomic_read(&sn->count) ||
	    ip_hdr(skb)->protocol != IPPROTO_TCP)
		return NF_ACCEPT;
	th = skb_header_pointer(skb, ip_hdrlen(skb), sizeof(_th), &_th);
	if (!th)
		return NF_ACCEPT;
	key.raddr = ip_hdr(skb)->daddr;
	key.laddr = ip_hdr(skb)->saddr;
	key.rport = th->dest;
	key.lport = th->source;
	half = fwd_splice_lookup(sn, &key);
	if (!half)
		return NF_ACCEPT;
	pair = half->pair;
	/* Until the pair is active the sockets are still the endpoints. */
	if (READ_ONCE(pair->state) == FWD_SPLICE_INSTALLING)
		return NF_ACCEPT;
	payload = skb->len - ip_hdrlen(skb) - th->doff * 4;
	if (test_bit(half->side, &pair->pending) && payload && !th->syn && !th->fin &&
	    !after(ntohl(th->seq) + payload, pair->pending_end[half->side]))
		return NF_ACCEPT;
	atomic64_inc(&sn->muted);
	return NF_DROP;
}

static const struct nf_hook_ops fwd_splice_ops[] = {
	{
		.hook		= fwd_splice_in,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_LOCAL_IN,
		.priority	= NF_IP_PRI_NAT_SRC - 2,
	},
	{
		.hook		= fwd_splice_mute,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_LOCAL_OUT,
		.priority	= NF_IP_PRI_CONNTRACK_DEFRAG - 1,
	},
};

int fwd_splice_hooks_init(struct net *net)
{
	return nf_register_net_hooks(net, fwd_splice_ops, ARRAY_SIZE(fwd_splice_ops));
}

void fwd_splice_hooks_exit(struct net *net)
{
	nf_unregister_net_hooks(net, fwd_splice_ops, ARRAY_SIZE(fwd_splice_ops));
}

/**
 * fwd_splice_send_reset - reset the peer of one side with an exact sequence number
 * @pair: the pair
 * @side: whose peer (the client or the server) gets the RST
 *
 * The RST carries the next sequence number that peer expects from us, so it
 * is accepted (RFC 5961) rather than answered with a challenge ACK.
 */
void fwd_splice_send_reset(struct fwd_splice_pair *pair, int side)
{
	/* Segments arriving on the other side are the ones we send to @side's peer. */
	const struct fwd_splice_xlate *x = &pair->xlate[!side];
	struct net *net = pair->fn->net;
	struct sk_buff *skb;
	struct tcphdr *th;
	struct iphdr *iph;
	struct rtable *rt;

	rt = fwd_splice_route(net, x->daddr, x->saddr);
	if (IS_ERR(rt))
		return;
	skb = alloc_skb(MAX_TCP_HEADER, GFP_KERNEL);
	if (!skb) {
		ip_rt_put(rt);
		return;
	}
	skb_reserve(skb, MAX_TCP_HEADER);

	th = skb_push(skb, sizeof(*th));
	skb_reset_transport_header(skb);
	memset(th, 0, sizeof(*th));
	th->source = x->sport;
	th->dest = x->dport;
	spin_lock_bh(&pair->lock);
	th->seq = htonl(pair->snd_end[side]);
	spin_unlock_bh(&pair->lock);
	th->doff = sizeof(*th) / 4;
	th->rst = 1;
	th->check = tcp_v4_check(sizeof(*th), x->saddr, x->daddr,
				 csum_partial(th, sizeof(*th), 0));

	iph = skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	memset(iph, 0, sizeof(*iph));
	iph->version = 4;
	iph->ihl = sizeof(*iph) / 4;
	iph->frag_off = htons(IP_DF);
	iph->ttl = ip4_dst_hoplimit(&rt->dst);
	iph->protocol = IPPROTO_TCP;
	iph->saddr = x->saddr;
	iph->daddr = x->daddr;

	skb->protocol = htons(ETH_P_IP);
	skb->ip_summed = CHECKSUM_NONE;
	skb_dst_set(skb, &rt->dst);
	ip_local_out(net, NULL, skb);
}
