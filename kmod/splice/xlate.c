// SPDX-License-Identifier: GPL-2.0-only
/*
 * Segment rewriting for spliced connections: addresses, ports, seq, ack, SACK
 * edges, timestamps and the window, with the checksums patched incrementally
 * so CHECKSUM_PARTIAL (GSO) and CHECKSUM_COMPLETE skbs stay correct.
 *
 * The caller has made the IP and TCP headers, options included, linear and
 * writable. Nothing here routes or takes locks; only the MSS cut allocates,
 * to make a frag_list packet linear.
 */
#include <linux/ip.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/checksum.h>
#include <net/tcp.h>
#include <kunit/visibility.h>
#include <asm/unaligned.h>

#include "splice.h"

/**
 * fwd_splice_window - rescale a window field between two window-scale factors
 * @win: the window as the sender wrote it
 * @shift_in: the sender's scale factor
 * @shift_out: the receiver's scale factor for our connection
 *
 * Rounds down (never announce room the other side does not have) and clamps
 * to the 16-bit field.
 */
u16 fwd_splice_window(u16 win, u8 shift_in, u8 shift_out)
{
	u64 bytes = (u64)win << min_t(u8, shift_in, TCP_MAX_WSCALE);

	bytes >>= min_t(u8, shift_out, TCP_MAX_WSCALE);
	return min_t(u64, bytes, 0xffff);
}
EXPORT_SYMBOL_IF_KUNIT(fwd_splice_window);

/*
 * Replace @len bytes at @off of the TCP header (an option field, aligned or
 * not) and fold the difference into the checksum. One's-complement sums work
 * on 16-bit words counted from the header start, so sum the even-aligned
 * window around the field before and after the change.
 */
static void fwd_splice_patch(struct sk_buff *skb, struct tcphdr *th,
			     unsigned int off, u32 val)
{
	u8 *hdr = (u8 *)th;
	unsigned int start = off & ~1U;
	unsigned int end = ALIGN(off + 4, 2);
	__be32 new = htonl(val);
	u8 old[6];
	__wsum diff;

	memcpy(old, hdr + start, end - start);
	memcpy(hdr + off, &new, 4);
	diff = csum_sub(csum_partial(hdr + start, end - start, 0),
			csum_partial(old, end - start, 0));
	/* With CHECKSUM_PARTIAL the field holds only the pseudo-header sum: nothing to fold. */
	if (skb->ip_summed != CHECKSUM_PARTIAL)
		csum_replace_by_diff(&th->check, diff);
}

static u32 fwd_splice_get32(const u8 *p)
{
	return get_unaligned_be32(p);
}

/*
 * Walk the options like the receiver will: stop at EOL or at the first
 * malformed option (the receiver stops there too, so what follows carries no
 * meaning for it). Only well-formed TIMESTAMP and SACK options are rewritten.
 */
static void fwd_splice_xlate_opts(struct sk_buff *skb, struct tcphdr *th,
				  const struct fwd_splice_xlate *x)
{
	unsigned int len = th->doff * 4;
	const u8 *hdr = (const u8 *)th;
	unsigned int i = sizeof(*th);

	while (i < len) {
		u8 kind = hdr[i], olen;
		unsigned int j;

		if (kind == TCPOPT_EOL)
			return;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return;
		olen = hdr[i + 1];
		if (olen < 2 || i + olen > len)
			return;

		switch (kind) {
		case TCPOPT_TIMESTAMP:
			if (olen != TCPOLEN_TIMESTAMP)
				break;
			fwd_splice_patch(skb, th, i + 2,
					 fwd_splice_get32(hdr + i + 2) + x->tsval_delta);
			/* TSecr carries meaning only on segments with ACK set. */
			if (th->ack)
				fwd_splice_patch(skb, th, i + 6,
						 fwd_splice_get32(hdr + i + 6) + x->tsecr_delta);
			break;
		case TCPOPT_SACK:
			if (olen < TCPOLEN_SACK_BASE + TCPOLEN_SACK_PERBLOCK ||
			    (olen - TCPOLEN_SACK_BASE) % TCPOLEN_SACK_PERBLOCK)
				break;
			/* SACK edges are ack-space numbers: same delta as the ack. */
			for (j = i + 2; j < i + olen; j += 4)
				fwd_splice_patch(skb, th, j,
						 fwd_splice_get32(hdr + j) + x->ack_delta);
			break;
		}
		i += olen;
	}
}

/**
 * fwd_splice_xlate_tcp - rewrite one IPv4 TCP segment for the other connection
 * @skb: the segment; IP and full TCP header linear and writable
 * @thoff: offset of the TCP header from the IP header
 * @x: the translation of the side it arrived on
 *
 * Leaves both the IP and the TCP checksum valid (or, for CHECKSUM_PARTIAL,
 * the pseudo-header sum the device or GSO completes).
 */
void fwd_splice_xlate_tcp(struct sk_buff *skb, unsigned int thoff,
			  const struct fwd_splice_xlate *x)
{
	struct iphdr *iph = ip_hdr(skb);
	struct tcphdr *th = (struct tcphdr *)((u8 *)iph + thoff);
	u16 win;

	inet_proto_csum_replace4(&th->check, skb, iph->saddr, x->saddr, true);
	inet_proto_csum_replace4(&th->check, skb, iph->daddr, x->daddr, true);
	csum_replace4(&iph->check, iph->saddr, x->saddr);
	csum_replace4(&iph->check, iph->daddr, x->daddr);
	iph->saddr = x->saddr;
	iph->daddr = x->daddr;

	inet_proto_csum_replace2(&th->check, skb, th->source, x->sport, false);
	inet_proto_csum_replace2(&th->check, skb, th->dest, x->dport, false);
	th->source = x->sport;
	th->dest = x->dport;

	fwd_splice_patch(skb, th, offsetof(struct tcphdr, seq),
			 ntohl(th->seq) + x->seq_delta);
	/* The ack field means nothing without ACK: leave it as it came. */
	if (th->ack)
		fwd_splice_patch(skb, th, offsetof(struct tcphdr, ack_seq),
				 ntohl(th->ack_seq) + x->ack_delta);

	win = fwd_splice_window(ntohs(th->window), x->wscale_in, x->wscale_out);
	inet_proto_csum_replace2(&th->check, skb, th->window, htons(win), false);
	th->window = htons(win);

	fwd_splice_xlate_opts(skb, th, x);
}
EXPORT_SYMBOL_IF_KUNIT(fwd_splice_xlate_tcp);

/**
 * fwd_splice_fit_mss - cut a segment to the MSS its receiver announced
 * @skb: the segment; IP and full TCP header linear
 * @thoff: offset of the TCP header from the IP header
 * @x: the translation of the side it arrived on
 *
 * The sender was offered our socket's MSS, the receiver announced its own:
 * a segment with more data than the receiver takes leaves as GSO segments of
 * its size (the device or the stack cuts them). Marked dodgy, as BPF does
 * when it changes gso_size, so that the segment count is recomputed; a GRO
 * packet chained in a frag_list is made linear first, as its members are cut
 * at the old size.
 *
 * Return: 0, -ENOMEM or -EINVAL (a bad checksum): drop it.
 */
int fwd_splice_fit_mss(struct sk_buff *skb, unsigned int thoff,
		       const struct fwd_splice_xlate *x)
{
	const struct tcphdr *th = (const struct tcphdr *)(skb_network_header(skb) + thoff);
	unsigned int hdrlen = th->doff * 4, payload, mss;
	struct skb_shared_info *shinfo = skb_shinfo(skb);
	bool cwr = th->cwr;

	/* The announced MSS counts data after a 20-byte header: options take from it. */
	if (x->mss <= hdrlen - sizeof(*th))
		return 0;
	mss = x->mss - (hdrlen - sizeof(*th));
	payload = skb->len - thoff - hdrlen;
	if (skb_is_gso(skb) ? shinfo->gso_size <= mss : payload <= mss)
		return 0;
	if (skb_has_frag_list(skb) && __skb_linearize(skb))
		return -ENOMEM;
	shinfo = skb_shinfo(skb);
	if (!skb_is_gso(skb)) {
		/*
		 * Its segments get checksums of their own: the data must be
		 * what its sender sent, or the cut would launder a corruption
		 * the receiver would have caught. GSO then takes it as
		 * CHECKSUM_PARTIAL, as the stack hands it TSO packets.
		 */
		if (skb->ip_summed != CHECKSUM_PARTIAL) {
			struct iphdr *iph = ip_hdr(skb);
			struct tcphdr *tcph;

			if (skb->ip_summed != CHECKSUM_UNNECESSARY &&
			    nf_ip_checksum(skb, NF_INET_LOCAL_IN, thoff, IPPROTO_TCP))
				return -EINVAL;
			if (!skb_partial_csum_set(skb, thoff, offsetof(struct tcphdr, check)))
				return -EINVAL;
			tcph = (struct tcphdr *)(skb_network_header(skb) + thoff);
			tcph->check = ~tcp_v4_check(skb->len - thoff, iph->saddr, iph->daddr, 0);
		}
		shinfo->gso_type = SKB_GSO_TCPV4;
		if (cwr)
			shinfo->gso_type |= SKB_GSO_TCP_ECN;
	}
	shinfo->gso_size = mss;
	shinfo->gso_type |= SKB_GSO_DODGY;
	shinfo->gso_segs = DIV_ROUND_UP(payload, mss);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(fwd_splice_fit_mss);
