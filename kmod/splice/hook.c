// SPDX-License-Identifier: GPL-2.0-only
/*
 * The splice data path. Like IPVS, segments are taken at LOCAL_IN (after the
 * input firewall, where a packet for a local socket is no martian), judged
 * against the pair's view of both windows (RFC 5961), rewritten, routed as
 * output and sent through LOCAL_OUT, so the firewall and conntrack still see
 * the outgoing connection. ICMP fragmentation-needed quoting a segment we
 * forwarded updates the path MTU towards that peer; the next segment too big
 * for it is answered to its sender (as a router would). Other ICMP errors
 * about a forwarded segment are relayed to the other peer. A second hook at
 * LOCAL_OUT keeps the two spliced sockets silent.
 */
#include <kunit/visibility.h>
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

/* Too big for the path to the receiver: tell the sender, as a router would, before we rewrite. */
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

/* Our window towards @side's peer: what the far end offers, in that peer's scale. */
static u16 fwd_splice_window_to(const struct fwd_splice_pair *pair, int side)
{
	u8 shift = min_t(u8, pair->xlate[!side].wscale_out, TCP_MAX_WSCALE);

	return min_t(u32, pair->wnd[!side] >> shift, 0xffff);
}

/* @side's FIN is in (pair locked): the new close state, and the timeout it starts (0: none). */
static u32 fwd_splice_fin(struct fwd_splice_pair *pair, int side)
{
	pair->fin |= BIT(side);
	pair->fin_ahead &= ~BIT(side);
	if (pair->fin != (BIT(0) | BIT(1))) {
		pair->state = FWD_SPLICE_FIN_WAIT;
		return 0;
	}
	pair->state = FWD_SPLICE_TIME_WAIT;
	return fwd_splice_timeout(pair);
}

/*
 * The pair's own tcp_in_window, for a segment that arrived on @side (pair
 * locked). Its sequence number is judged where it lands, in the far end's
 * space, against what the far end acknowledged and offers: a RST counts only
 * at the exact next sequence number (what the far end acked, or what the
 * sender sent last), a RST elsewhere in the window and any SYN get a
 * challenge ACK, a RST or FIN outside it is rejected. Other segments outside
 * it are passed on untouched by their ACK (FWD_SPLICE_PASS): a forged one
 * must not make the pair, or a socket that owes bytes, believe data arrived.
 * Segments that pass move the pair's view of the sender's window, and a FIN
 * that follows the data we carried moves the close state.
 */
enum fwd_splice_verdict
fwd_splice_judge(struct fwd_splice_pair *pair, int side, const struct tcphdr *th,
		 unsigned int payload, struct fwd_splice_challenge *c)
{
	const struct fwd_splice_xlate *x = &pair->xlate[side];
	int peer = !side;
	u32 seq = ntohl(th->seq) + x->seq_delta;
	u32 end = seq + payload;	/* and the FIN's, once taken */
	u32 lo = pair->acked[peer];
	u32 hi = pair->maxend[peer];
	bool fin_taken = false, in_window;
	u32 timeout = 0;

	if (!after(hi, lo))
		hi = lo + 1;
	if (after(pair->snd_end[peer], hi))
		hi = pair->snd_end[peer];
	if (th->syn)
		goto challenge;
	if (th->rst) {
		if (seq == lo || seq == pair->snd_end[peer]) {
			pair->state = FWD_SPLICE_CLOSE;
			mod_timer(&pair->timer, jiffies + fwd_splice_timeout(pair) * HZ);
			return FWD_SPLICE_FORWARD;
		}
		if (after(seq, lo) && before(seq, hi))
			goto challenge;
		return FWD_SPLICE_REJECT;
	}
	/*
	 * Whether the segment lands in the receiver's window (RFC 793): one
	 * that does not is forwarded for the receiver to drop (a keepalive, a
	 * window probe, a blind forgery), but its ACK says nothing.
	 */
	in_window = !before(seq + payload + th->fin, lo) && !after(seq, hi);
	if (th->fin) {
		u32 fin = seq + payload;
		bool seen = pair->fin & BIT(side);

		/* An old FIN is a retransmission of one we saw, or forged. */
		if (before(fin, lo) ? !seen : after(fin, hi))
			return FWD_SPLICE_REJECT;
		/*
		 * A FIN that ends the stream we carried closes our view. One
		 * ahead of it (data lost before us) goes on, for the receiver
		 * to judge: its ACK of the FIN closes our view then, as the
		 * sender never resends a FIN the receiver SACKed; until then it
		 * moves nothing, as it may be forged. One inside the data we
		 * carried cannot be the sender's (its stream goes on past it)
		 * unless it is the FIN seen ahead, resent with the lost data: a
		 * blind in-window FIN is rejected, not a close.
		 */
		if (seen) {
			fin_taken = true;
		} else if (after(seq, pair->snd_end[peer])) {
			pair->fin_ahead |= BIT(side);
			pair->fin_end[side] = fin + 1;
		} else if (!before(fin, pair->snd_end[peer]) ||
			   ((pair->fin_ahead & BIT(side)) && fin + 1 == pair->fin_end[side])) {
			timeout = fwd_splice_fin(pair, side);
			fin_taken = true;
		} else {
			return FWD_SPLICE_REJECT;
		}
	}
	if (!in_window)
		return FWD_SPLICE_PASS;
	/* The sender sends nothing after its FIN: data past one seen ahead proves it forged. */
	if (payload && (pair->fin_ahead & BIT(side)) && after(end, pair->fin_end[side] - 1))
		pair->fin_ahead &= ~BIT(side);
	end += fin_taken;
	/*
	 * Data within the receiver's window moves our end, past a gap left by
	 * a loss before us too (the sender will not resend what the receiver
	 * SACKed); a forged far-ahead seq cannot move it.
	 */
	if ((payload || fin_taken) && after(end, pair->snd_end[peer]) &&
	    !after(end, hi + fin_taken))
		pair->snd_end[peer] = end;
	if (th->ack) {
		u32 ack = ntohl(th->ack_seq);
		bool acks_fin = (pair->fin_ahead & BIT(peer)) && ack == pair->fin_end[peer];

		/*
		 * An ACK of bytes never sent is the sender's (or a forger's)
		 * problem, not our view; the FIN seen ahead was sent, and its
		 * ACK takes it into the stream.
		 */
		if (!before(ack, pair->acked[side]) &&
		    (!after(ack, pair->snd_end[side]) || acks_fin)) {
			pair->acked[side] = ack;
			pair->wnd[side] = (u32)ntohs(th->window) <<
					  min_t(u8, x->wscale_in, TCP_MAX_WSCALE);
			if (after(ack + pair->wnd[side], pair->maxend[side]))
				pair->maxend[side] = ack + pair->wnd[side];
			if ((pair->fin_ahead & BIT(peer)) && !before(ack, pair->fin_end[peer])) {
				if (after(ack, pair->snd_end[side]))
					pair->snd_end[side] = ack;
				timeout = fwd_splice_fin(pair, peer);
			}
		}
	}
	/* A shorter timeout takes effect now; longer ones are re-armed lazily by the timer. */
	if (timeout)
		mod_timer(&pair->timer, jiffies + timeout * HZ);
	return FWD_SPLICE_FORWARD;

challenge:
	c->seq = pair->snd_end[side];
	c->ack = pair->acked[peer] - x->seq_delta;
	c->win = fwd_splice_window_to(pair, side);
	return FWD_SPLICE_CHALLENGE;
}
EXPORT_SYMBOL_IF_KUNIT(fwd_splice_judge);

/* At most FWD_SPLICE_CHALLENGE_LIMIT challenge ACKs a second per namespace, as TCP limits its own. */
#define FWD_SPLICE_CHALLENGE_LIMIT	1000

static bool fwd_splice_may_challenge(struct fwd_splice_net *sn)
{
	unsigned long second = jiffies / HZ;

	if (READ_ONCE(sn->challenge_second) != second) {
		WRITE_ONCE(sn->challenge_second, second);
		atomic_set(&sn->challenge_budget, FWD_SPLICE_CHALLENGE_LIMIT);
	}
	return atomic_dec_if_positive(&sn->challenge_budget) >= 0;
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
	if (fwd_splice_fit_mss(skb, thoff, x) || fwd_splice_too_big(skb, rt)) {
		ip_rt_put(rt);
		goto drop;
	}

	fwd_splice_xlate_tcp(skb, thoff, x);
	fwd_splice_touch(pair);
	spin_lock(&pair->lock);
	pair->stats[side].packets++;
	pair->stats[side].bytes += skb->len;
	spin_unlock(&pair->lock);

	ip_hdr(skb)->ttl = ip4_dst_hoplimit(&rt->dst);
	ip_send_check(ip_hdr(skb));
	skb_orphan(skb);		/* the early-demuxed socket is not ours to send from */
	nf_reset_ct(skb);		/* LOCAL_OUT conntrack finds the outgoing connection */
	skb_dst_drop(skb);
	skb_dst_set(skb, &rt->dst);
	/* The input device is the other connection's: nothing after us may see it (it can go). */
	skb->dev = rt->dst.dev;
	skb_forward_csum(skb);
	skb_clear_tstamp(skb);
	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	ip_local_out(net, NULL, skb);
	return;

drop:
	atomic64_inc(&pair->fn->splice->dropped);
	kfree_skb(skb);
}

/* Blank (NOP) every SACK option: the blocks describe data a socket never got. */
static void fwd_splice_strip_sack(struct tcphdr *th, unsigned int hdrlen)
{
	u8 *opt = (u8 *)(th + 1);
	unsigned int i = 0, len = hdrlen - sizeof(*th);

	while (i < len) {
		if (opt[i] == TCPOPT_EOL)
			break;
		if (opt[i] == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len || opt[i + 1] < 2 || i + opt[i + 1] > len)
			break;
		if (opt[i] == TCPOPT_SACK)
			memset(opt + i, TCPOPT_NOP, opt[i + 1]);
		i += opt[i + 1];
	}
}

/*
 * Turn a peer's segment into what the socket that still owes that peer bytes
 * may see: a pure ACK at the socket's own (frozen) rcv_nxt, acking at most
 * what the socket sent, without SACK, FIN or payload. The payload has been
 * forwarded; the socket must never take it.
 */
static bool fwd_splice_owed_ack(const struct fwd_splice_pair *pair, int side,
				struct sk_buff *skb)
{
	unsigned int thoff = ip_hdrlen(skb), hdrlen;
	struct iphdr *iph;
	struct tcphdr *th;

	if (skb_ensure_writable(skb, thoff + sizeof(*th)))
		return false;
	th = (struct tcphdr *)(skb_network_header(skb) + thoff);
	hdrlen = th->doff * 4;
	if (skb_ensure_writable(skb, thoff + hdrlen) || pskb_trim(skb, thoff + hdrlen))
		return false;
	iph = ip_hdr(skb);
	th = (struct tcphdr *)(skb_network_header(skb) + thoff);
	th->seq = htonl(pair->frozen_rcv_nxt[side]);
	if (after(ntohl(th->ack_seq), pair->pending_end[side]))
		th->ack_seq = htonl(pair->pending_end[side]);
	th->fin = 0;
	th->psh = 0;
	th->urg = 0;
	th->urg_ptr = 0;
	fwd_splice_strip_sack(th, hdrlen);
	iph->tot_len = htons(thoff + hdrlen);
	ip_send_check(iph);
	skb_gso_reset(skb);
	th->check = 0;
	th->check = tcp_v4_check(hdrlen, iph->saddr, iph->daddr, csum_partial(th, hdrlen, 0));
	skb->ip_summed = CHECKSUM_UNNECESSARY;
	return true;
}

/* The ICMP errors about a forwarded segment that are the other peer's news too. */
static bool fwd_splice_icmp_relays(const struct icmphdr *ic)
{
	if (ic->type == ICMP_TIME_EXCEEDED)
		return true;
	return ic->type == ICMP_DEST_UNREACH && ic->code <= NR_ICMP_UNREACH &&
	       ic->code != ICMP_FRAG_NEEDED;
}

/*
 * An ICMP error about a segment we forwarded towards one side's peer: the
 * quoted segment is in our socket's sequence space, beyond what the muted
 * socket itself sent, so tcp_v4_err() would drop it as out of window. Check
 * the quoted seq as TCP does. Fragmentation-needed lowers the route's PMTU
 * (the next segment too big for it is answered to its sender by
 * fwd_splice_too_big()); an unreachable or time-exceeded error is relayed to
 * the other peer, quoting the segment it sent (as IPVS does for its
 * connections), so it learns that the far path failed.
 */
static unsigned int fwd_splice_icmp(struct net *net, struct fwd_splice_net *sn,
				    struct sk_buff *skb)
{
	unsigned int off = ip_hdrlen(skb), ihl;
	struct fwd_splice_pair *pair;
	struct fwd_splice_half *half;
	struct fwd_splice_key key;
	const struct icmphdr *ic;
	const struct iphdr *in;
	const __be32 *quoted;
	struct icmphdr _ic;
	struct iphdr _in;
	__be32 _quoted[2];
	bool valid, pmtu;
	u32 seq;

	ic = skb_header_pointer(skb, off, sizeof(_ic), &_ic);
	if (!ic)
		return NF_ACCEPT;
	pmtu = ic->type == ICMP_DEST_UNREACH && ic->code == ICMP_FRAG_NEEDED;
	if (!pmtu && !fwd_splice_icmp_relays(ic))
		return NF_ACCEPT;
	in = skb_header_pointer(skb, off + sizeof(_ic), sizeof(_in), &_in);
	if (!in || in->protocol != IPPROTO_TCP || in->ihl < 5)
		return NF_ACCEPT;
	ihl = in->ihl * 4;
	/* The ports and the sequence number of the segment it quotes. */
	quoted = skb_header_pointer(skb, off + sizeof(_ic) + ihl, sizeof(_quoted), &_quoted);
	if (!quoted)
		return NF_ACCEPT;
	key.laddr = in->saddr;
	key.raddr = in->daddr;
	key.lport = ((const __be16 *)quoted)[0];
	key.rport = ((const __be16 *)quoted)[1];
	half = fwd_splice_lookup(sn, &key);
	if (!half)
		return NF_ACCEPT;
	pair = half->pair;
	if (READ_ONCE(pair->state) == FWD_SPLICE_INSTALLING)
		return NF_ACCEPT;	/* still the socket's own connection */

	seq = ntohl(quoted[1]);
	spin_lock(&pair->lock);
	valid = !before(seq, pair->acked[half->side]) &&
		!after(seq, pair->snd_end[half->side]);
	spin_unlock(&pair->lock);
	if (!valid) {
		atomic64_inc(&sn->invalid);
		return NF_DROP;
	}
	if (!pmtu) {
		/* The quoted segment came from the other peer, shifted by its delta. */
		if (fwd_splice_may_challenge(sn)) {
			fwd_splice_send_error(pair, !half->side, ic->type, ic->code,
					      seq - pair->xlate[!half->side].seq_delta);
			atomic64_inc(&sn->icmp_relayed);
		}
		consume_skb(skb);
		return NF_STOLEN;
	}
	/* ipv4_update_pmtu() reads the quoted header at skb->data. */
	if (!pskb_may_pull(skb, off + sizeof(_ic) + sizeof(struct iphdr)))
		return NF_DROP;
	__skb_pull(skb, off + sizeof(_ic));
	ipv4_update_pmtu(skb, net, ntohs(ic->un.frag.mtu), 0, IPPROTO_TCP);
	__skb_push(skb, off + sizeof(_ic));
	atomic64_inc(&sn->icmp_pmtu);
	consume_skb(skb);
	return NF_STOLEN;
}

/*
 * Closed by an exact RST, or both FINs went by and everything up to them
 * was acknowledged. Until then data may still be owed (both FINs seen while
 * the end of a stream is being resent): a SYN, which can be blind, must not
 * cut it off.
 */
static bool fwd_splice_finished(struct fwd_splice_pair *pair)
{
	bool done;

	spin_lock(&pair->lock);
	done = pair->state == FWD_SPLICE_CLOSE ||
	       (pair->state == FWD_SPLICE_TIME_WAIT &&
		pair->acked[0] == pair->snd_end[0] && pair->acked[1] == pair->snd_end[1]);
	spin_unlock(&pair->lock);
	return done;
}

static unsigned int fwd_splice_in(void *priv, struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	struct fwd_splice_net *sn = fwd_pernet(state->net)->splice;
	enum fwd_splice_verdict verdict;
	struct fwd_splice_challenge c;
	struct fwd_splice_pair *pair;
	struct fwd_splice_half *half;
	unsigned int hdrlen, payload;
	struct fwd_splice_key key;
	enum fwd_splice_state st;
	const struct tcphdr *th;
	struct sk_buff *copy;
	struct tcphdr _th;
	int side;

	if (!atomic_read(&sn->count))
		return NF_ACCEPT;
	if (ip_hdr(skb)->protocol == IPPROTO_ICMP)
		return fwd_splice_icmp(state->net, sn, skb);
	if (ip_hdr(skb)->protocol != IPPROTO_TCP)
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
	if (st == FWD_SPLICE_INSTALLING || st == FWD_SPLICE_DEAD)
		goto drop;
	if (th->syn && st != FWD_SPLICE_ESTABLISHED && st != FWD_SPLICE_FIN_WAIT) {
		/*
		 * A new connection reusing a finished pair's tuple: free the
		 * tuple, the retransmitted SYN reaches the listener.
		 */
		if (!th->ack && fwd_splice_finished(pair))
			fwd_splice_kill(pair, false);
		goto drop;
	}
	hdrlen = th->doff * 4;
	if (hdrlen < sizeof(*th) || ip_hdrlen(skb) + hdrlen > skb->len)
		goto drop;
	payload = skb->len - ip_hdrlen(skb) - hdrlen;

	spin_lock(&pair->lock);
	verdict = pair->state == FWD_SPLICE_DEAD ? FWD_SPLICE_REJECT :
		  fwd_splice_judge(pair, side, th, payload, &c);
	spin_unlock(&pair->lock);
	if (verdict == FWD_SPLICE_CHALLENGE) {
		if (fwd_splice_may_challenge(sn)) {
			fwd_splice_send_ack(pair, side, c.seq, c.ack, c.win);
			atomic64_inc(&sn->challenge_acks);
		}
		goto drop;
	}
	if (verdict == FWD_SPLICE_REJECT) {
		atomic64_inc(&sn->invalid);
		return NF_DROP;
	}

	if (verdict == FWD_SPLICE_PASS) {
		atomic64_inc(&sn->out_of_window);
	} else if (test_bit(side, &pair->pending) && th->ack && !th->rst) {
		/* The local socket still owes this peer bytes: it sees the peer's ACK, nothing more. */
		if (!before(ntohl(th->ack_seq), pair->pending_end[side]))
			clear_bit(side, &pair->pending);
		copy = skb_clone(skb, GFP_ATOMIC);
		if (copy)
			fwd_splice_forward(state->net, pair, side, copy);
		if (fwd_splice_owed_ack(pair, side, skb))
			return NF_ACCEPT;
		goto drop;
	}
	fwd_splice_forward(state->net, pair, side, skb);
	return NF_STOLEN;

drop:
	atomic64_inc(&sn->dropped);
	return NF_DROP;
}

/*
 * An owed retransmission speaks for the pair: it acks what the far end has
 * acknowledged and offers the far end's window, not the frozen socket's
 * (whose ack may be older than the peer accepts, RFC 5961 §5).
 */
static void fwd_splice_mend_owed(struct fwd_splice_pair *pair, int side,
				 struct sk_buff *skb)
{
	unsigned int thoff = ip_hdrlen(skb);
	struct tcphdr *th;
	__be32 ack;
	__be16 win;
	u32 seq;

	if (skb_ensure_writable(skb, thoff + sizeof(*th)))
		return;
	th = (struct tcphdr *)(skb_network_header(skb) + thoff);
	spin_lock_bh(&pair->lock);
	seq = pair->acked[!side] - pair->xlate[side].seq_delta;
	/* Never below what the socket acked itself before the splice. */
	if (before(seq, pair->frozen_rcv_nxt[side]))
		seq = pair->frozen_rcv_nxt[side];
	win = htons(fwd_splice_window_to(pair, side));
	spin_unlock_bh(&pair->lock);
	ack = htonl(seq);
	inet_proto_csum_replace4(&th->check, skb, th->ack_seq, ack, false);
	th->ack_seq = ack;
	inet_proto_csum_replace2(&th->check, skb, th->window, win, false);
	th->window = win;
}

/*
 * Anything a spliced socket emits (it still believes it is connected) never
 * leaves, except retransmissions of bytes it owed before the splice.
 */
static unsigned int fwd_splice_mute(void *priv, struct sk_buff *skb,
				    const struct nf_hook_state *state)
{
	struct fwd_splice_net *sn = fwd_pernet(state->net)->splice;
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
	if (smp_load_acquire(&pair->state) == FWD_SPLICE_INSTALLING)
		return NF_ACCEPT;
	payload = skb->len - ip_hdrlen(skb) - th->doff * 4;
	if (test_bit(half->side, &pair->pending) && payload && !th->syn && !th->fin &&
	    !th->rst && !after(ntohl(th->seq) + payload, pair->pending_end[half->side])) {
		fwd_splice_mend_owed(pair, half->side, skb);
		return NF_ACCEPT;
	}
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

int fwd_splice_hooks_register(struct net *net)
{
	return nf_register_net_hooks(net, fwd_splice_ops, ARRAY_SIZE(fwd_splice_ops));
}

void fwd_splice_hooks_unregister(struct net *net)
{
	nf_unregister_net_hooks(net, fwd_splice_ops, ARRAY_SIZE(fwd_splice_ops));
}
