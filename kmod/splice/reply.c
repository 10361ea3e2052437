// SPDX-License-Identifier: GPL-2.0-only
/*
 * Packets a pair originates itself, towards one side's peer: the RST that
 * ends a pair, the challenge ACK of RFC 5961, and the ICMP error relayed from
 * the other connection's path. They carry the sequence numbers that peer
 * expects from our socket, so a RST is accepted, an ACK tells the peer where
 * the connection really is, and an ICMP error quotes a segment the peer sent
 * and has not had acknowledged. They have no socket, so the mute hook lets
 * them out.
 */
#include <linux/icmp.h>
#include <linux/ip.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/dst.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/tcp.h>

#include "forwarder.h"
#include "splice.h"

struct rtable *fwd_splice_route(struct net *net, __be32 daddr, __be32 saddr)
{
	return ip_route_output(net, daddr, saddr, 0, 0);
}

/*
 * A packet towards the peer @x sends to, with @len bytes of room after the
 * headroom (every header and the link's); NULL if there is no route or memory.
 */
static struct sk_buff *fwd_splice_new_skb(struct net *net,
					  const struct fwd_splice_xlate *x,
					  unsigned int len, gfp_t gfp,
					  struct rtable **rt)
{
	struct sk_buff *skb;

	*rt = fwd_splice_route(net, x->daddr, x->saddr);
	if (IS_ERR(*rt))
		return NULL;
	skb = alloc_skb(MAX_TCP_HEADER + len, gfp);
	if (!skb) {
		ip_rt_put(*rt);
		return NULL;
	}
	skb_reserve(skb, MAX_TCP_HEADER);
	return skb;
}

/* Put the IPv4 header of a packet from us to the peer @x sends to, then send it. */
static void fwd_splice_send_ip(struct net *net, const struct fwd_splice_xlate *x,
			       struct rtable *rt, struct sk_buff *skb, u8 protocol)
{
	struct iphdr *iph;

	iph = skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	memset(iph, 0, sizeof(*iph));
	iph->version = 4;
	iph->ihl = sizeof(*iph) / 4;
	iph->frag_off = htons(IP_DF);
	iph->ttl = ip4_dst_hoplimit(&rt->dst);
	iph->protocol = protocol;
	iph->saddr = x->saddr;
	iph->daddr = x->daddr;

	skb->protocol = htons(ETH_P_IP);
	skb->ip_summed = CHECKSUM_NONE;
	skb_dst_set(skb, &rt->dst);
	/* ip_local_out() fills in tot_len and the header checksum. */
	ip_local_out(net, NULL, skb);
}

/* Build and send a bare TCP header from our socket on @side to its peer. */
static void fwd_splice_send(struct fwd_splice_pair *pair, int side, u32 seq,
			    u32 ack, u16 win, bool rst, gfp_t gfp)
{
	/* Segments arriving on the other side are the ones we send to @side's peer. */
	const struct fwd_splice_xlate *x = &pair->xlate[!side];
	struct net *net = pair->fn->net;
	struct sk_buff *skb;
	struct tcphdr *th;
	struct rtable *rt;

	skb = fwd_splice_new_skb(net, x, 0, gfp, &rt);
	if (!skb)
		return;

	th = skb_push(skb, sizeof(*th));
	skb_reset_transport_header(skb);
	memset(th, 0, sizeof(*th));
	th->source = x->sport;
	th->dest = x->dport;
	th->seq = htonl(seq);
	th->doff = sizeof(*th) / 4;
	if (rst) {
		th->rst = 1;
	} else {
		th->ack = 1;
		th->ack_seq = htonl(ack);
		th->window = htons(win);
	}
	th->check = tcp_v4_check(sizeof(*th), x->saddr, x->daddr,
				 csum_partial(th, sizeof(*th), 0));
	fwd_splice_send_ip(net, x, rt, skb, IPPROTO_TCP);
}

/**
 * fwd_splice_send_reset - reset the peer of one side with an exact sequence number
 * @pair: the pair (process context)
 * @side: whose peer (the client or the server) gets the RST
 *
 * The RST carries the next sequence number that peer expects from us, so it
 * is accepted (RFC 5961) rather than answered with a challenge ACK.
 */
void fwd_splice_send_reset(struct fwd_splice_pair *pair, int side)
{
	u32 seq;

	spin_lock_bh(&pair->lock);
	seq = pair->snd_end[side];
	spin_unlock_bh(&pair->lock);
	fwd_splice_send(pair, side, seq, 0, 0, true, GFP_KERNEL);
}

/**
 * fwd_splice_send_ack - a pure ACK to one side's peer (any context)
 * @pair: the pair
 * @side: whose peer gets it
 * @seq: our next sequence number towards that peer
 * @ack: the next sequence number we expect from it
 * @win: the window field, already in that peer's scale
 */
void fwd_splice_send_ack(struct fwd_splice_pair *pair, int side, u32 seq,
			 u32 ack, u16 win)
{
	fwd_splice_send(pair, side, seq, ack, win, false, GFP_ATOMIC);
}

/**
 * fwd_splice_send_error - relay an ICMP error to one side's peer (softirq)
 * @pair: the pair
 * @side: whose peer gets it
 * @type: ICMP type (destination unreachable, time exceeded)
 * @code: ICMP code
 * @seq: a sequence number that peer sent us and has not had acknowledged
 *
 * The error quotes the peer's own segment (its addresses, ports and @seq, the
 * first 8 bytes of TCP as RFC 792 asks), so its tcp_v4_err() takes it as
 * about its connection: the peer learns that the far path failed instead of
 * retransmitting until it times out.
 */
void fwd_splice_send_error(struct fwd_splice_pair *pair, int side, u8 type,
			   u8 code, u32 seq)
{
	const struct fwd_splice_xlate *x = &pair->xlate[!side];
	struct net *net = pair->fn->net;
	const unsigned int quoted = sizeof(struct iphdr) + 8;
	struct sk_buff *skb;
	struct icmphdr *ic;
	struct iphdr *in;
	__be16 *ports;
	struct rtable *rt;

	skb = fwd_splice_new_skb(net, x, quoted, GFP_ATOMIC, &rt);
	if (!skb)
		return;

	/* The quoted header: the peer's segment as it reached us. */
	in = skb_put_zero(skb, quoted);
	in->version = 4;
	in->ihl = sizeof(*in) / 4;
	in->tot_len = htons(sizeof(*in) + sizeof(struct tcphdr));
	in->frag_off = htons(IP_DF);
	in->ttl = 1;
	in->protocol = IPPROTO_TCP;
	in->saddr = x->daddr;
	in->daddr = x->saddr;
	ip_send_check(in);
	ports = (__be16 *)(in + 1);
	ports[0] = x->dport;
	ports[1] = x->sport;
	*(__be32 *)(ports + 2) = htonl(seq);

	ic = skb_push(skb, sizeof(*ic));
	skb_reset_transport_header(skb);
	memset(ic, 0, sizeof(*ic));
	ic->type = type;
	ic->code = code;
	ic->checksum = csum_fold(csum_partial(ic, sizeof(*ic) + quoted, 0));
	fwd_splice_send_ip(net, x, rt, skb, IPPROTO_ICMP);
}
