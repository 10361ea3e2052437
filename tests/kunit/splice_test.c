// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit: the splice segment rewriting. Every case builds a real IPv4/TCP
 * segment with valid checksums, rewrites it and checks the fields, then
 * recomputes both checksums from scratch: an incremental update that is off
 * by one bit anywhere (odd option offsets, wrap-around) fails here. The
 * segments come as the stack hands them over: CHECKSUM_NONE, CHECKSUM_PARTIAL
 * (with and without GSO: only the pseudo-header sum is in the field),
 * CHECKSUM_COMPLETE (skb->csum must follow) and with the payload in a page
 * fragment.
 */
#include <kunit/test.h>
#include <linux/ip.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/tcp.h>
#include <asm/unaligned.h>

#include "forwarder.h"
#include "splice/splice.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define PAYLOAD 37	/* odd on purpose */

static const struct fwd_splice_xlate test_x = {
	.saddr = htonl(0x0a000201),	/* 10.0.2.1 */
	.daddr = htonl(0x0a000202),	/* 10.0.2.2 */
	.sport = htons(40000),
	.dport = htons(80),
	.seq_delta = 0x20,
	.ack_delta = 0x80000001,
	.tsval_delta = 1000,
	.tsecr_delta = (u32)-5,
	.wscale_in = 7,
	.wscale_out = 9,
};

/* A segment from 10.0.1.2:1234 to 10.0.1.1:8080 with @opts (padded to 4 bytes by the caller). */
static struct sk_buff *test_segment(struct kunit *test, const u8 *opts, unsigned int optlen,
				    u32 seq, u32 ack, bool ack_flag, u16 win)
{
	unsigned int tcplen = sizeof(struct tcphdr) + optlen + PAYLOAD;
	struct sk_buff *skb;
	struct tcphdr *th;
	struct iphdr *iph;
	u8 *data;
	int i;

	skb = alloc_skb(256, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_reserve(skb, 32);
	skb_reset_network_header(skb);
	iph = skb_put_zero(skb, sizeof(*iph));
	th = skb_put_zero(skb, sizeof(*th));
	if (optlen)
		skb_put_data(skb, opts, optlen);
	data = skb_put(skb, PAYLOAD);
	for (i = 0; i < PAYLOAD; i++)
		data[i] = i * 7 + 1;

	iph->version = 4;
	iph->ihl = 5;
	iph->ttl = 64;
	iph->protocol = IPPROTO_TCP;
	iph->tot_len = htons(skb->len);
	iph->saddr = htonl(0x0a000102);
	iph->daddr = htonl(0x0a000101);
	ip_send_check(iph);

	th->source = htons(1234);
	th->dest = htons(8080);
	th->seq = htonl(seq);
	th->ack_seq = htonl(ack);
	th->ack = ack_flag;
	th->psh = 1;
	th->doff = (sizeof(*th) + optlen) / 4;
	th->window = htons(win);
	th->check = 0;
	th->check = csum_tcpudp_magic(iph->saddr, iph->daddr, tcplen, IPPROTO_TCP,
				      csum_partial(th, tcplen, 0));
	skb->ip_summed = CHECKSUM_NONE;
	return skb;
}

static struct tcphdr *test_th(struct sk_buff *skb)
{
	return (struct tcphdr *)(skb_network_header(skb) + sizeof(struct iphdr));
}

/* The sum of the whole TCP segment, linear or not. */
static __wsum test_tcp_sum(struct sk_buff *skb)
{
	return skb_checksum(skb, sizeof(struct iphdr), skb->len - sizeof(struct iphdr), 0);
}

static void expect_checksums_valid(struct kunit *test, struct sk_buff *skb)
{
	struct iphdr *iph = ip_hdr(skb);
	unsigned int tcplen = skb->len - sizeof(*iph);

	KUNIT_EXPECT_EQ_MSG(test, ip_fast_csum(iph, iph->ihl), 0, "IP header checksum");
	KUNIT_EXPECT_EQ_MSG(test, csum_tcpudp_magic(iph->saddr, iph->daddr, tcplen, IPPROTO_TCP,
						    test_tcp_sum(skb)), 0,
			    "TCP checksum");
}

/* As a socket hands it to the device: only the pseudo-header sum is in the field. */
static void test_make_partial(struct sk_buff *skb)
{
	struct iphdr *iph = ip_hdr(skb);
	unsigned int tcplen = skb->len - sizeof(*iph);

	test_th(skb)->check = ~tcp_v4_check(tcplen, iph->saddr, iph->daddr, 0);
	skb->ip_summed = CHECKSUM_PARTIAL;
	skb_partial_csum_set(skb, sizeof(*iph), offsetof(struct tcphdr, check));
}

static const u8 test_ts_sack_opts[] = {
	TCPOPT_NOP, TCPOPT_TIMESTAMP, TCPOLEN_TIMESTAMP, 0, 0, 0, 7, 0, 0, 0, 9,
	TCPOPT_SACK, 10, 0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x60, 0x00, TCPOPT_EOL,
};

static void xlate_checksum_partial(struct kunit *test)
{
	struct sk_buff *skb = test_segment(test, test_ts_sack_opts, sizeof(test_ts_sack_opts),
					   1, 2, true, 10);
	struct iphdr *iph;
	int gso;

	/* Without GSO, then as a GSO super-packet: the field holds the pseudo-header sum. */
	for (gso = 0; gso < 2; gso++) {
		if (gso) {
			skb = test_segment(test, test_ts_sack_opts, sizeof(test_ts_sack_opts),
					   1, 2, true, 10);
			skb_shinfo(skb)->gso_size = 10;
			skb_shinfo(skb)->gso_type = SKB_GSO_TCPV4;
			skb_shinfo(skb)->gso_segs = DIV_ROUND_UP(PAYLOAD, 10);
		}
		test_make_partial(skb);
		fwd_splice_xlate_tcp(skb, sizeof(struct iphdr), &test_x);
		iph = ip_hdr(skb);
		KUNIT_EXPECT_EQ_MSG(test, test_th(skb)->check,
				    (__sum16)~tcp_v4_check(skb->len - sizeof(*iph), iph->saddr,
							   iph->daddr, 0),
				    "pseudo-header sum (gso %d)", gso);
		KUNIT_EXPECT_TRUE(test, skb->ip_summed == CHECKSUM_PARTIAL);
		/* What the device (or GSO) completes must be a valid segment. */
		skb_shinfo(skb)->gso_size = 0;
		skb_shinfo(skb)->gso_type = 0;
		KUNIT_ASSERT_EQ(test, skb_checksum_help(skb), 0);
		expect_checksums_valid(test, skb);
		kfree_skb(skb);
	}
}

static void xlate_checksum_complete(struct kunit *test)
{
	struct sk_buff *skb = test_segment(test, test_ts_sack_opts, sizeof(test_ts_sack_opts),
					   0xfffffff0, 0x7fffffff, true, 1000);

	/* As a device that sums the L4 bytes delivers it. */
	skb->csum = test_tcp_sum(skb);
	skb->ip_summed = CHECKSUM_COMPLETE;
	fwd_splice_xlate_tcp(skb, sizeof(struct iphdr), &test_x);
	expect_checksums_valid(test, skb);
	KUNIT_EXPECT_EQ_MSG(test, csum_fold(skb->csum), csum_fold(test_tcp_sum(skb)),
			    "skb->csum follows the rewrite");
	kfree_skb(skb);
}

/* The payload in a page fragment: only the (linear) headers are rewritten. */
static void xlate_nonlinear(struct kunit *test)
{
	struct sk_buff *skb = test_segment(test, test_ts_sack_opts, sizeof(test_ts_sack_opts),
					   5, 6, true, 10);
	struct page *page = alloc_page(GFP_KERNEL);
	unsigned int tcplen;
	struct iphdr *iph;
	u8 *p;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, page);
	p = page_address(page);
	for (i = 0; i < 1000; i++)
		p[i] = i * 13 + 5;
	skb_add_rx_frag(skb, 0, page, 0, 1000, PAGE_SIZE);
	iph = ip_hdr(skb);
	iph->tot_len = htons(skb->len);
	ip_send_check(iph);
	tcplen = skb->len - sizeof(*iph);
	test_th(skb)->check = 0;
	test_th(skb)->check = csum_tcpudp_magic(iph->saddr, iph->daddr, tcplen, IPPROTO_TCP,
						test_tcp_sum(skb));
	KUNIT_ASSERT_TRUE(test, skb_is_nonlinear(skb));

	fwd_splice_xlate_tcp(skb, sizeof(struct iphdr), &test_x);
	KUNIT_EXPECT_EQ(test, ntohl(test_th(skb)->seq), 5U + 0x20);
	expect_checksums_valid(test, skb);
	kfree_skb(skb);
}

static void xlate_header_fields(struct kunit *test)
{
	static const u8 opts[] = { TCPOPT_NOP, TCPOPT_NOP, TCPOPT_NOP, TCPOPT_EOL };
	struct sk_buff *skb = test_segment(test, opts, sizeof(opts), 0xfffffff0, 0x7fffffff,
					   true, 1000);
	struct tcphdr *th;

	fwd_splice_xlate_tcp(skb, sizeof(struct iphdr), &test_x);
	th = test_th(skb);
	KUNIT_EXPECT_EQ(test, ip_hdr(skb)->saddr, test_x.saddr);
	KUNIT_EXPECT_EQ(test, ip_hdr(skb)->daddr, test_x.daddr);
	KUNIT_EXPECT_EQ(test, th->source, test_x.sport);
	KUNIT_EXPECT_EQ(test, th->dest, test_x.dport);
	KUNIT_EXPECT_EQ(test, ntohl(th->seq), 0x10U);		/* wrapped */
	KUNIT_EXPECT_EQ(test, ntohl(th->ack_seq), 0x0U);	/* wrapped */
	KUNIT_EXPECT_EQ(test, ntohs(th->window), 250);		/* 1000 << 7 >> 9 */
	expect_checksums_valid(test, skb);
	kfree_skb(skb);
}

static void xlate_ack_needs_ack_flag(struct kunit *test)
{
	struct sk_buff *skb = test_segment(test, NULL, 0, 1, 0x1234, false, 100);

	fwd_splice_xlate_tcp(skb, sizeof(struct iphdr), &test_x);
	KUNIT_EXPECT_EQ(test, ntohl(test_th(skb)->ack_seq), 0x1234U);
	expect_checksums_valid(test, skb);
	kfree_skb(skb);
}

static void xlate_timestamps_aligned_and_odd(struct kunit *test)
{
	/* Aligned (NOP NOP TS) and, in a second segment, the TS option at an odd offset. */
	static const u8 aligned[] = { TCPOPT_NOP, TCPOPT_NOP, TCPOPT_TIMESTAMP, TCPOLEN_TIMESTAMP,
				      0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x09 };
	static const u8 odd[] = { TCPOPT_NOP, TCPOPT_TIMESTAMP, TCPOLEN_TIMESTAMP,
				  0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x02, TCPOPT_EOL };
	struct sk_buff *skb;
	u8 *o;

	skb = test_segment(test, aligned, sizeof(aligned), 5, 6, true, 10);
	fwd_splice_xlate_tcp(skb, sizeof(struct iphdr), &test_x);
	o = (u8 *)(test_th(skb) + 1);
	KUNIT_EXPECT_EQ(test, get_unaligned_be32(o + 4), 0xffffff00U + 1000);
	KUNIT_EXPECT_EQ(test, get_unaligned_be32(o + 8), 4U);	/* 9 - 5 */
	expect_checksums_valid(test, skb);
	kfree_skb(skb);

	skb = test_segment(test, odd, sizeof(odd), 5, 6, true, 10);
	fwd_splice_xlate_tcp(skb, sizeof(struct iphdr), &test_x);
	o = (u8 *)(test_th(skb) + 1);
	KUNIT_EXPECT_EQ(test, get_unaligned_be32(o + 3), 0x100U + 1000);
	KUNIT_EXPECT_EQ(test, get_unaligned_be32(o + 7), (u32)-3);	/* 2 - 5 wraps */
	expect_checksums_valid(test, skb);
	kfree_skb(skb);
}

static void xlate_sack_edges(struct kunit *test)
{
	/* Two SACK blocks, one wrapping around 2^32 after the delta. */
	static const u8 opts[] = { TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK, 18,
				   0x7f, 0xff, 0xff, 0xf0, 0x80, 0x00, 0x00, 0x10,
				   0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x10, 0x01 };
	struct sk_buff *skb = test_segment(test, opts, sizeof(opts), 1, 2, true, 10);
	u8 *o;

	fwd_splice_xlate_tcp(skb, sizeof(struct iphdr), &test_x);
	o = (u8 *)(test_th(skb) + 1) + 4;
	KUNIT_EXPECT_EQ(test, get_unaligned_be32(o), 0x7ffffff0U + 0x80000001);
	KUNIT_EXPECT_EQ(test, get_unaligned_be32(o + 4), 0x11U);	/* wrapped */
	KUNIT_EXPECT_EQ(test, get_unaligned_be32(o + 8), 0x80000002U);
	KUNIT_EXPECT_EQ(test, get_unaligned_be32(o + 12), 0x80001002U);
	expect_checksums_valid(test, skb);
	kfree_skb(skb);
}

static void xlate_malformed_options(struct kunit *test)
{
	/* A zero-length option stops the walk: the TS behind it is not touched. */
	static const u8 zero_len[] = { 0x1e, 0x00, TCPOPT_TIMESTAMP, TCPOLEN_TIMESTAMP,
				       0, 0, 0, 1, 0, 0, 0, 2 };
	/* A length running past the header. */
	static const u8 overrun[] = { TCPOPT_NOP, TCPOPT_SACK, 40, 0 };
	/* A SACK whose length is not base + n blocks, then a good TS. */
	static const u8 bad_sack[] = { TCPOPT_SACK, 7, 1, 2, 3, 4, 5,
				       TCPOPT_TIMESTAMP, TCPOLEN_TIMESTAMP, 0, 0, 0, 1, 0, 0, 0, 9,
				       TCPOPT_EOL, TCPOPT_EOL, TCPOPT_EOL };
	/* The kind byte alone at the very end. */
	static const u8 dangling[] = { TCPOPT_NOP, TCPOPT_NOP, TCPOPT_NOP, TCPOPT_TIMESTAMP };
	struct sk_buff *skb;
	u8 *o;

	skb = test_segment(test, zero_len, sizeof(zero_len), 1, 2, true, 10);
	fwd_splice_xlate_tcp(skb, sizeof(struct iphdr), &test_x);
	o = (u8 *)(test_th(skb) + 1);
	KUNIT_EXPECT_EQ(test, get_unaligned_be32(o + 4), 1U);
	expect_checksums_valid(test, skb);
	kfree_skb(skb);

	skb = test_segment(test, overrun, sizeof(overrun), 1, 2, true, 10);
	fwd_splice_xlate_tcp(skb, sizeof(struct iphdr), &test_x);
	expect_checksums_valid(test, skb);
	kfree_skb(skb);

	skb = test_segment(test, bad_sack, sizeof(bad_sack), 1, 2, true, 10);
	fwd_splice_xlate_tcp(skb, sizeof(struct iphdr), &test_x);
	o = (u8 *)(test_th(skb) + 1);
	KUNIT_EXPECT_EQ(test, get_unaligned_be32(o + 2), 0x01020304U);	/* untouched */
	KUNIT_EXPECT_EQ(test, get_unaligned_be32(o + 9), 1U + 1000);	/* odd offset */
	KUNIT_EXPECT_EQ(test, get_unaligned_be32(o + 13), 4U);
	expect_checksums_valid(test, skb);
	kfree_skb(skb);

	skb = test_segment(test, dangling, sizeof(dangling), 1, 2, true, 10);
	fwd_splice_xlate_tcp(skb, sizeof(struct iphdr), &test_x);
	expect_checksums_valid(test, skb);
	kfree_skb(skb);
}

static void window_rescaling(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, fwd_splice_window(1000, 7, 9), 250);
	KUNIT_EXPECT_EQ(test, fwd_splice_window(1000, 9, 7), 4000);
	KUNIT_EXPECT_EQ(test, fwd_splice_window(0xffff, 14, 0), 0xffff);	/* clamped */
	KUNIT_EXPECT_EQ(test, fwd_splice_window(3, 0, 2), 0);		/* rounds down */
	KUNIT_EXPECT_EQ(test, fwd_splice_window(0, 5, 0), 0);
	KUNIT_EXPECT_EQ(test, fwd_splice_window(100, 20, 20), 100);	/* shifts capped at 14 */
}

static const u8 test_ts_opts[] = {
	TCPOPT_NOP, TCPOPT_NOP, TCPOPT_TIMESTAMP, TCPOLEN_TIMESTAMP, 0, 0, 0, 7, 0, 0, 0, 9,
};

/* The receiver's MSS counts data after a bare header: the 12 option bytes take from it. */
static void mss_fitting(struct kunit *test)
{
	struct fwd_splice_xlate x = test_x;
	struct skb_shared_info *shinfo;
	struct sk_buff *skb;

	skb = test_segment(test, test_ts_opts, sizeof(test_ts_opts), 1, 2, true, 10);
	shinfo = skb_shinfo(skb);
	x.mss = 12 + PAYLOAD;		/* exactly fits */
	KUNIT_EXPECT_EQ(test, fwd_splice_fit_mss(skb, sizeof(struct iphdr), &x), 0);
	KUNIT_EXPECT_FALSE(test, skb_is_gso(skb));
	x.mss = 12;			/* nothing sensible: left alone */
	KUNIT_EXPECT_EQ(test, fwd_splice_fit_mss(skb, sizeof(struct iphdr), &x), 0);
	KUNIT_EXPECT_FALSE(test, skb_is_gso(skb));
	x.mss = 12 + 10;		/* 37 bytes leave as 10, 10, 10, 7 */
	KUNIT_EXPECT_EQ(test, fwd_splice_fit_mss(skb, sizeof(struct iphdr), &x), 0);
	KUNIT_EXPECT_EQ(test, shinfo->gso_size, 10);
	KUNIT_EXPECT_EQ(test, shinfo->gso_segs, 4);
	KUNIT_EXPECT_EQ(test, shinfo->gso_type, SKB_GSO_TCPV4 | SKB_GSO_DODGY);
	/* Checked, then CHECKSUM_PARTIAL with the pseudo-header sum, as GSO wants. */
	KUNIT_EXPECT_TRUE(test, skb->ip_summed == CHECKSUM_PARTIAL);
	KUNIT_EXPECT_EQ(test, test_th(skb)->check,
			(__sum16)~tcp_v4_check(skb->len - sizeof(struct iphdr), ip_hdr(skb)->saddr,
					       ip_hdr(skb)->daddr, 0));
	kfree_skb(skb);

	/* A corrupted segment is not cut into fresh, valid-looking ones. */
	skb = test_segment(test, test_ts_opts, sizeof(test_ts_opts), 1, 2, true, 10);
	skb->data[skb->len - 1] ^= 0x40;
	KUNIT_EXPECT_EQ(test, fwd_splice_fit_mss(skb, sizeof(struct iphdr), &x), -EINVAL);
	kfree_skb(skb);

	/* A GSO packet (GRO, TSO) whose segments are too big for the receiver. */
	skb = test_segment(test, test_ts_opts, sizeof(test_ts_opts), 1, 2, true, 10);
	shinfo = skb_shinfo(skb);
	shinfo->gso_size = 20;
	shinfo->gso_type = SKB_GSO_TCPV4;
	shinfo->gso_segs = 2;
	KUNIT_EXPECT_EQ(test, fwd_splice_fit_mss(skb, sizeof(struct iphdr), &x), 0);
	KUNIT_EXPECT_EQ(test, shinfo->gso_size, 10);
	KUNIT_EXPECT_EQ(test, shinfo->gso_segs, 4);
	KUNIT_EXPECT_TRUE(test, shinfo->gso_type & SKB_GSO_DODGY);
	/* Segments already small enough stay as they are. */
	shinfo->gso_size = 8;
	shinfo->gso_segs = 5;
	shinfo->gso_type = SKB_GSO_TCPV4;
	KUNIT_EXPECT_EQ(test, fwd_splice_fit_mss(skb, sizeof(struct iphdr), &x), 0);
	KUNIT_EXPECT_EQ(test, shinfo->gso_size, 8);
	KUNIT_EXPECT_EQ(test, shinfo->gso_type, SKB_GSO_TCPV4);
	kfree_skb(skb);
}

static void test_judge_timer(struct timer_list *t)
{
}

/*
 * test_judge_seg - one segment from @side through the pair's judge: @seq,
 * @ack (with the ACK flag), @payload bytes, a FIN if @fin.
 */
static enum fwd_splice_verdict test_judge_seg(struct fwd_splice_pair *pair, int side, u32 seq,
					      u32 ack, unsigned int payload, bool fin)
{
	struct fwd_splice_challenge c;
	struct tcphdr th = {
		.seq = htonl(seq),
		.ack_seq = htonl(ack),
		.ack = 1,
		.fin = fin,
		.doff = sizeof(th) / 4,
		.window = htons(0xffff),
	};

	return fwd_splice_judge(pair, side, &th, payload, &c);
}

/*
 * An established pair for the judge, without translation: client bytes
 * from 1000 on, server bytes from 5000 on, nothing in flight, 64 KB windows.
 */
static struct fwd_splice_pair *test_judge_pair(struct kunit *test)
{
	struct fwd_net *fn = kunit_kzalloc(test, sizeof(*fn), GFP_KERNEL);
	struct fwd_splice_pair *pair = kunit_kzalloc(test, sizeof(*pair), GFP_KERNEL);
	const int cli = FWD_SPLICE_CLIENT, srv = FWD_SPLICE_SERVER;

	KUNIT_ASSERT_NOT_NULL(test, fn);
	KUNIT_ASSERT_NOT_NULL(test, pair);
	fn->splice_cfg.timeout_established = 900;
	fn->splice_cfg.timeout_closing = 60;
	pair->fn = fn;
	spin_lock_init(&pair->lock);
	timer_setup(&pair->timer, test_judge_timer, 0);
	pair->state = FWD_SPLICE_ESTABLISHED;
	pair->snd_end[srv] = 1000;
	pair->acked[srv] = 1000;
	pair->maxend[srv] = 1000 + 0xffff;
	pair->wnd[srv] = 0xffff;
	pair->snd_end[cli] = 5000;
	pair->acked[cli] = 5000;
	pair->maxend[cli] = 5000 + 0xffff;
	pair->wnd[cli] = 0xffff;
	return pair;
}

/*
 * A FIN that reaches the pair ahead of data lost before it (the sender
 * resends the data; the receiver SACKed the FIN, so it is never resent):
 * the receiver's ACK of the FIN closes that side, and after the other
 * side's FIN the pair is in TIME_WAIT, not left open until its idle timeout.
 */
static void judge_fin_ahead_of_loss(struct kunit *test)
{
	struct fwd_splice_pair *pair = test_judge_pair(test);
	const int cli = FWD_SPLICE_CLIENT, srv = FWD_SPLICE_SERVER;

	KUNIT_EXPECT_EQ(test, test_judge_seg(pair, cli, 1000, 5000, 100, false), FWD_SPLICE_FORWARD);
	/* 1100-1199 lost before us; the FIN at 1200 comes first. */
	KUNIT_EXPECT_EQ(test, test_judge_seg(pair, cli, 1200, 5000, 0, true), FWD_SPLICE_FORWARD);
	KUNIT_EXPECT_EQ(test, pair->state, FWD_SPLICE_ESTABLISHED);
	KUNIT_EXPECT_EQ(test, test_judge_seg(pair, cli, 1100, 5000, 100, false), FWD_SPLICE_FORWARD);
	KUNIT_EXPECT_EQ(test, pair->state, FWD_SPLICE_ESTABLISHED);
	/* The server acks everything, the FIN included: the client's side is closed. */
	KUNIT_EXPECT_EQ(test, test_judge_seg(pair, srv, 5000, 1201, 0, false), FWD_SPLICE_FORWARD);
	KUNIT_EXPECT_EQ(test, pair->state, FWD_SPLICE_FIN_WAIT);
	KUNIT_EXPECT_EQ(test, test_judge_seg(pair, srv, 5000, 1201, 0, true), FWD_SPLICE_FORWARD);
	KUNIT_EXPECT_EQ(test, pair->state, FWD_SPLICE_TIME_WAIT);
	del_timer_sync(&pair->timer);
}

/*
 * A blind FIN that lands in the window but inside data the pair already
 * carried cannot be the sender's: it is rejected and the pair stays open.
 * The sender's own FIN, at the end of its stream, still closes its side, as
 * does the FIN seen ahead of a loss when it is resent with the lost data.
 */
static void judge_blind_fin_in_window(struct kunit *test)
{
	struct fwd_splice_pair *pair = test_judge_pair(test);
	const int cli = FWD_SPLICE_CLIENT, srv = FWD_SPLICE_SERVER;

	/* 1000-2999 carried, 1000-1999 acked. */
	KUNIT_EXPECT_EQ(test, test_judge_seg(pair, cli, 1000, 5000, 2000, false), FWD_SPLICE_FORWARD);
	KUNIT_EXPECT_EQ(test, test_judge_seg(pair, srv, 5000, 2000, 0, false), FWD_SPLICE_FORWARD);
	/* Forged, bare and with data, within what the server acked and what is in flight. */
	KUNIT_EXPECT_EQ(test, test_judge_seg(pair, cli, 2500, 5000, 0, true), FWD_SPLICE_REJECT);
	KUNIT_EXPECT_EQ(test, test_judge_seg(pair, cli, 2000, 5000, 10, true), FWD_SPLICE_REJECT);
	KUNIT_EXPECT_EQ(test, test_judge_seg(pair, srv, 5000, 2000, 0, false), FWD_SPLICE_FORWARD);
	KUNIT_EXPECT_EQ(test, pair->state, FWD_SPLICE_ESTABLISHED);
	/* The client's real FIN, with its last bytes. */
	KUNIT_EXPECT_EQ(test, test_judge_seg(pair, cli, 2900, 5000, 100, true), FWD_SPLICE_FORWARD);
	KUNIT_EXPECT_EQ(test, pair->state, FWD_SPLICE_FIN_WAIT);
	del_timer_sync(&pair->timer);

	/* The server's FIN seen ahead of a loss, then resent together with the lost bytes. */
	pair = test_judge_pair(test);
	KUNIT_EXPECT_EQ(test, test_judge_seg(pair, srv, 5000, 1000, 100, false), FWD_SPLICE_FORWARD);
	KUNIT_EXPECT_EQ(test, test_judge_seg(pair, srv, 5200, 1000, 0, true), FWD_SPLICE_FORWARD);
	KUNIT_EXPECT_EQ(test, pair->state, FWD_SPLICE_ESTABLISHED);
	KUNIT_EXPECT_EQ(test, test_judge_seg(pair, srv, 5100, 1000, 100, true), FWD_SPLICE_FORWARD);
	KUNIT_EXPECT_EQ(test, pair->state, FWD_SPLICE_FIN_WAIT);
	del_timer_sync(&pair->timer);
}

/*
 * A blind FIN ahead of the data carried is forwarded but moves nothing: the
 * real FIN, at the end of a stream that stops short of it, still closes the
 * side, and data that goes past it shows it forged, so the receiver's ACK of
 * that data is no close.
 */
static void judge_blind_fin_ahead(struct kunit *test)
{
	struct fwd_splice_pair *pair = test_judge_pair(test);
	const int cli = FWD_SPLICE_CLIENT, srv = FWD_SPLICE_SERVER;

	KUNIT_EXPECT_EQ(test, test_judge_seg(pair, cli, 1000, 5000, 100, false), FWD_SPLICE_FORWARD);
	KUNIT_EXPECT_EQ(test, test_judge_seg(pair, srv, 5000, 1100, 0, false), FWD_SPLICE_FORWARD);
	KUNIT_EXPECT_EQ(test, test_judge_seg(pair, cli, 30000, 5000, 0, true), FWD_SPLICE_FORWARD);
	KUNIT_EXPECT_EQ(test, pair->state, FWD_SPLICE_ESTABLISHED);
	KUNIT_EXPECT_EQ(test, test_judge_seg(pair, cli, 1100, 5000, 0, true), FWD_SPLICE_FORWARD);
	KUNIT_EXPECT_EQ(test, pair->state, FWD_SPLICE_FIN_WAIT);
	del_timer_sync(&pair->timer);

	pair = test_judge_pair(test);
	KUNIT_EXPECT_EQ(test, test_judge_seg(pair, cli, 1000, 5000, 100, false), FWD_SPLICE_FORWARD);
	KUNIT_EXPECT_EQ(test, test_judge_seg(pair, cli, 1500, 5000, 0, true), FWD_SPLICE_FORWARD);
	KUNIT_EXPECT_EQ(test, test_judge_seg(pair, cli, 1100, 5000, 1000, false), FWD_SPLICE_FORWARD);
	KUNIT_EXPECT_EQ(test, test_judge_seg(pair, srv, 5000, 2100, 0, false), FWD_SPLICE_FORWARD);
	KUNIT_EXPECT_EQ(test, pair->state, FWD_SPLICE_ESTABLISHED);
	KUNIT_EXPECT_EQ(test, test_judge_seg(pair, cli, 2100, 5000, 0, true), FWD_SPLICE_FORWARD);
	KUNIT_EXPECT_EQ(test, pair->state, FWD_SPLICE_FIN_WAIT);
	del_timer_sync(&pair->timer);
}

/*
 * A segment outside the receiver's window is passed on for the receiver to
 * drop, and its ACK is not taken: a forged one acknowledging bytes still in
 * flight would otherwise make the pair acknowledge them to their sender (in
 * a challenge ACK), which then never resends them if they were lost. The
 * same ACK on a segment in the window is taken.
 */
static void judge_ack_outside_window(struct kunit *test)
{
	struct fwd_splice_pair *pair = test_judge_pair(test);
	const int cli = FWD_SPLICE_CLIENT, srv = FWD_SPLICE_SERVER;
	struct fwd_splice_challenge c;
	struct tcphdr syn = { .seq = htonl(1000), .syn = 1, .doff = sizeof(syn) / 4 };

	/* 1000-2999 in flight to the server, nothing acked. */
	KUNIT_EXPECT_EQ(test, test_judge_seg(pair, cli, 1000, 5000, 2000, false), FWD_SPLICE_FORWARD);
	KUNIT_EXPECT_EQ(test, test_judge_seg(pair, srv, 5000 + 0x80000000, 2500, 0, false),
			FWD_SPLICE_PASS);
	KUNIT_EXPECT_EQ(test, test_judge_seg(pair, srv, 4000, 2500, 10, false), FWD_SPLICE_PASS);
	KUNIT_EXPECT_EQ(test, test_judge_seg(pair, srv, 5000 + 0x20000, 2500, 0, false),
			FWD_SPLICE_PASS);
	KUNIT_EXPECT_EQ(test, pair->acked[srv], 1000U);
	KUNIT_EXPECT_EQ(test, fwd_splice_judge(pair, cli, &syn, 0, &c), FWD_SPLICE_CHALLENGE);
	KUNIT_EXPECT_EQ(test, c.ack, 1000U);
	/* The server's own ACK, in the window. */
	KUNIT_EXPECT_EQ(test, test_judge_seg(pair, srv, 5000, 2500, 0, false), FWD_SPLICE_FORWARD);
	KUNIT_EXPECT_EQ(test, pair->acked[srv], 2500U);
	/* A keepalive, one byte before what the client acknowledged, passes too. */
	KUNIT_EXPECT_EQ(test, test_judge_seg(pair, srv, 4999, 2600, 0, false), FWD_SPLICE_PASS);
	KUNIT_EXPECT_EQ(test, pair->acked[srv], 2500U);
}

static struct kunit_case fwd_splice_cases[] = {
	KUNIT_CASE(xlate_header_fields),
	KUNIT_CASE(xlate_ack_needs_ack_flag),
	KUNIT_CASE(xlate_timestamps_aligned_and_odd),
	KUNIT_CASE(xlate_sack_edges),
	KUNIT_CASE(xlate_malformed_options),
	KUNIT_CASE(window_rescaling),
	KUNIT_CASE(xlate_checksum_partial),
	KUNIT_CASE(xlate_checksum_complete),
	KUNIT_CASE(xlate_nonlinear),
	KUNIT_CASE(mss_fitting),
	KUNIT_CASE(judge_fin_ahead_of_loss),
	KUNIT_CASE(judge_blind_fin_in_window),
	KUNIT_CASE(judge_blind_fin_ahead),
	KUNIT_CASE(judge_ack_outside_window),
	{}
};

static struct kunit_suite fwd_splice_suite = {
	.name = "forwarder-splice",
	.test_cases = fwd_splice_cases,
};

kunit_test_suite(fwd_splice_suite);
