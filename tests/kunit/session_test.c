// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit: the session manager. Pure logic (tuple normalisation, both ends of
 * the TCP state machine on scripted segments, retransmissions across the
 * sequence wrap, timeout classes) on plain structs; table behaviour (expiry,
 * eviction when full, metadata, events) on a private table driven with parsed
 * packets and an explicit clock, never the real hooks.
 */
#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/jiffies.h>
#include <linux/netfilter.h>
#include <linux/socket.h>
#include <net/tcp.h>

#include <forwarder/aqm.h>

#include "session/session_core.h"
#include "plugin/manager.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define S_SYN	TCPHDR_SYN
#define S_ACK	TCPHDR_ACK
#define S_FIN	(TCPHDR_FIN | TCPHDR_ACK)
#define S_RST	TCPHDR_RST
#define S_SA	(TCPHDR_SYN | TCPHDR_ACK)

enum { O = FWD_DIR_ORIG, R = FWD_DIR_REPLY };

static void tuple4(struct fwd_tuple *t, u32 s, u16 sp, u32 d, u16 dp, u8 proto)
{
	memset(t, 0, sizeof(*t));
	t->family = AF_INET;
	t->proto = proto;
	t->src.ip = htonl(s);
	t->dst.ip = htonl(d);
	t->sport = htons(sp);
	t->dport = htons(dp);
}

static void reverse(struct fwd_tuple *r, const struct fwd_tuple *t)
{
	*r = *t;
	r->src = t->dst;
	r->dst = t->src;
	r->sport = t->dport;
	r->dport = t->sport;
}

/* ---- tuple normalisation ---------------------------------------------- */

static void tuple_normalisation(struct kunit *test)
{
	struct fwd_tuple t, r;
	struct fwd_key k1, k2;
	int s1, s2;

	tuple4(&t, 0x0a000102, 40000, 0x0a000202, 80, IPPROTO_TCP);
	reverse(&r, &t);
	s1 = fwd_key_from_tuple(&t, &k1);
	s2 = fwd_key_from_tuple(&r, &k2);
	KUNIT_EXPECT_EQ(test, memcmp(&k1, &k2, sizeof(k1)), 0);
	KUNIT_EXPECT_NE(test, s1, s2);
	KUNIT_EXPECT_EQ(test, s1, 0);	/* 10.0.1.2 < 10.0.2.2 */
	KUNIT_EXPECT_EQ(test, k1.addr[0].ip, htonl(0x0a000102));
	KUNIT_EXPECT_EQ(test, k1.port[0], htons(40000));

	/* Same address both ends: the port decides. */
	tuple4(&t, 0x7f000001, 5000, 0x7f000001, 80, IPPROTO_UDP);
	reverse(&r, &t);
	s1 = fwd_key_from_tuple(&t, &k1);
	s2 = fwd_key_from_tuple(&r, &k2);
	KUNIT_EXPECT_EQ(test, memcmp(&k1, &k2, sizeof(k1)), 0);
	KUNIT_EXPECT_EQ(test, s1, 1);
	KUNIT_EXPECT_EQ(test, s2, 0);
	KUNIT_EXPECT_EQ(test, k1.port[0], htons(80));

	/* Protocol is part of the key. */
	tuple4(&t, 1, 1, 2, 2, IPPROTO_TCP);
	fwd_key_from_tuple(&t, &k1);
	t.proto = IPPROTO_UDP;
	fwd_key_from_tuple(&t, &k2);
	KUNIT_EXPECT_NE(test, memcmp(&k1, &k2, sizeof(k1)), 0);

	/* IPv6: whole address compared, padding zero. */
	memset(&t, 0, sizeof(t));
	t.family = AF_INET6;
	t.proto = IPPROTO_TCP;
	t.src.in6.s6_addr[0] = 0xfd;
	t.src.in6.s6_addr[15] = 2;
	t.dst.in6.s6_addr[0] = 0xfd;
	t.dst.in6.s6_addr[15] = 1;
	t.sport = htons(1);
	t.dport = htons(2);
	reverse(&r, &t);
	s1 = fwd_key_from_tuple(&t, &k1);
	s2 = fwd_key_from_tuple(&r, &k2);
	KUNIT_EXPECT_EQ(test, memcmp(&k1, &k2, sizeof(k1)), 0);
	KUNIT_EXPECT_EQ(test, s1, 1);
	KUNIT_EXPECT_EQ(test, k1.addr[0].in6.s6_addr[15], 1);
	KUNIT_EXPECT_EQ(test, k1.pad[0] | k1.pad[1], 0);
}

/* ---- TCP: both ends on scripted segments ------------------------------ */

struct step {
	int dir;
	u8 flags;
	u32 seq, ack, len;
	u8 want_orig, want_reply;	/* states after the segment */
	bool rexmit;
	bool invalid;			/* out of the flow's window: nothing changes */
};

static void run_script(struct kunit *test, const char *name, const struct step *st, int n)
{
	struct fwd_tcp_side tcp[FWD_DIR_MAX];
	int i;

	for (i = 0; i < n; i++) {
		struct fwd_tcp_seg seg = {
			.flags = st[i].flags, .seq = st[i].seq, .ack = st[i].ack, .len = st[i].len,
		};

		KUNIT_ASSERT_TRUE_MSG(test, fwd_tcp_flags_valid(seg.flags), "%s step %d", name, i);
		if (i == 0)
			fwd_tcp_init(tcp, &seg);
		KUNIT_EXPECT_EQ_MSG(test, fwd_tcp_is_retransmit(&tcp[st[i].dir], &seg),
				    st[i].rexmit, "%s step %d: retransmit", name, i);
		KUNIT_EXPECT_EQ_MSG(test, fwd_tcp_update(tcp, st[i].dir, &seg), !st[i].invalid,
				    "%s step %d: in window", name, i);
		KUNIT_EXPECT_STREQ_MSG(test, fwd_tcp_state_name(tcp[O].state),
				       fwd_tcp_state_name(st[i].want_orig),
				       "%s step %d: client", name, i);
		KUNIT_EXPECT_STREQ_MSG(test, fwd_tcp_state_name(tcp[R].state),
				       fwd_tcp_state_name(st[i].want_reply),
				       "%s step %d: server", name, i);
	}
}

#define C 1000		/* client ISN */
#define SV 5000		/* server ISN */

static const struct step handshake[] = {
	{ O, S_SYN, C, 0, 0, FWD_TCP_SYN_SENT, FWD_TCP_SYN_RCVD },
	{ R, S_SA, SV, C + 1, 0, FWD_TCP_ESTABLISHED, FWD_TCP_SYN_RCVD },
	{ O, S_ACK, C + 1, SV + 1, 0, FWD_TCP_ESTABLISHED, FWD_TCP_ESTABLISHED },
};

static void tcp_normal_close(struct kunit *test)
{
	const struct step s[] = {
		handshake[0], handshake[1], handshake[2],
		{ O, S_ACK, C + 1, SV + 1, 100, FWD_TCP_ESTABLISHED, FWD_TCP_ESTABLISHED },
		{ R, S_ACK, SV + 1, C + 101, 50, FWD_TCP_ESTABLISHED, FWD_TCP_ESTABLISHED },
		/* client closes first */
		{ O, S_FIN, C + 101, SV + 51, 0, FWD_TCP_FIN_WAIT_1, FWD_TCP_CLOSE_WAIT },
		{ R, S_ACK, SV + 51, C + 102, 0, FWD_TCP_FIN_WAIT_2, FWD_TCP_CLOSE_WAIT },
		{ R, S_FIN, SV + 51, C + 102, 0, FWD_TCP_TIME_WAIT, FWD_TCP_LAST_ACK },
		{ O, S_ACK, C + 102, SV + 52, 0, FWD_TCP_TIME_WAIT, FWD_TCP_CLOSED },
	};

	run_script(test, "normal close", s, ARRAY_SIZE(s));
}

static void tcp_close_fin_ack_combined(struct kunit *test)
{
	const struct step s[] = {
		handshake[0], handshake[1], handshake[2],
		/* server closes first, client answers FIN+ACK at once */
		{ R, S_FIN, SV + 1, C + 1, 0, FWD_TCP_CLOSE_WAIT, FWD_TCP_FIN_WAIT_1 },
		{ O, S_FIN, C + 1, SV + 2, 0, FWD_TCP_LAST_ACK, FWD_TCP_TIME_WAIT },
		{ R, S_ACK, SV + 2, C + 2, 0, FWD_TCP_CLOSED, FWD_TCP_TIME_WAIT },
	};

	run_script(test, "fin+ack", s, ARRAY_SIZE(s));
}

static void tcp_simultaneous_close(struct kunit *test)
{
	const struct step s[] = {
		handshake[0], handshake[1], handshake[2],
		/* both FINs cross: neither acknowledges the other's */
		{ O, S_FIN, C + 1, SV + 1, 0, FWD_TCP_FIN_WAIT_1, FWD_TCP_CLOSE_WAIT },
		{ R, S_FIN, SV + 1, C + 1, 0, FWD_TCP_CLOSING, FWD_TCP_CLOSING },
		{ O, S_ACK, C + 2, SV + 2, 0, FWD_TCP_CLOSING, FWD_TCP_TIME_WAIT },
		{ R, S_ACK, SV + 2, C + 2, 0, FWD_TCP_TIME_WAIT, FWD_TCP_TIME_WAIT },
	};
	struct fwd_tcp_side tcp[FWD_DIR_MAX] = {
		{ .state = FWD_TCP_TIME_WAIT }, { .state = FWD_TCP_TIME_WAIT },
	};

	run_script(test, "simultaneous close", s, ARRAY_SIZE(s));
	KUNIT_EXPECT_TRUE(test, fwd_tcp_both_closed(tcp));
}

static void tcp_rst(struct kunit *test)
{
	const struct step est[] = {
		handshake[0], handshake[1], handshake[2],
		{ R, S_RST | S_ACK, SV + 1, C + 1, 0, FWD_TCP_CLOSED, FWD_TCP_CLOSED },
	};
	const struct step refused[] = {
		handshake[0],
		{ R, S_RST | S_ACK, 0, C + 1, 0, FWD_TCP_CLOSED, FWD_TCP_CLOSED },
	};

	run_script(test, "rst after established", est, ARRAY_SIZE(est));
	run_script(test, "rst to a syn", refused, ARRAY_SIZE(refused));
}

/*
 * Blind RSTs and FINs (a sequence number off the flow's window) and segments
 * acknowledging what was never sent change nothing, and do not move next_seq:
 * the real RST afterwards, at the sender's next sequence number, still works.
 */
static void tcp_blind_segments(struct kunit *test)
{
	const struct step blind[] = {
		handshake[0], handshake[1], handshake[2],
		{ O, S_RST, C + 1 + 0x10000000, 0, 0, FWD_TCP_ESTABLISHED, FWD_TCP_ESTABLISHED,
		  false, true },
		{ O, S_RST, C + 1 - 0x10000000, 0, 0, FWD_TCP_ESTABLISHED, FWD_TCP_ESTABLISHED,
		  false, true },
		/* just past the window, with a valid ACK */
		{ R, S_RST | S_ACK, SV + 1 + 0x10000, C + 1, 0, FWD_TCP_ESTABLISHED,
		  FWD_TCP_ESTABLISHED, false, true },
		{ O, S_FIN, C + 1 + 0x30000000, SV + 1, 0, FWD_TCP_ESTABLISHED,
		  FWD_TCP_ESTABLISHED, false, true },
		{ R, S_FIN, SV + 1 - 0x30000000, C + 1, 0, FWD_TCP_ESTABLISHED,
		  FWD_TCP_ESTABLISHED, true, true },
		/* a FIN in window acknowledging data the server never sent */
		{ O, S_FIN, C + 1, SV + 5001, 0, FWD_TCP_ESTABLISHED, FWD_TCP_ESTABLISHED,
		  false, true },
		/* data far ahead: ignored, next_seq stays */
		{ O, S_ACK, C + 1 + 0x100000, SV + 1, 100, FWD_TCP_ESTABLISHED,
		  FWD_TCP_ESTABLISHED, false, true },
		/* in window but not exact: the server challenges it, nothing closes */
		{ O, S_RST, C + 1 - 100, 0, 0, FWD_TCP_ESTABLISHED, FWD_TCP_ESTABLISHED,
		  false, true },
		{ R, S_RST | S_ACK, SV + 1 + 1000, C + 1, 0, FWD_TCP_ESTABLISHED,
		  FWD_TCP_ESTABLISHED, false, true },
		/* the client's answer to the challenge ACK: exact */
		{ O, S_RST, C + 1, 0, 0, FWD_TCP_CLOSED, FWD_TCP_CLOSED },
	};
	/*
	 * Data in flight when the client's stack goes away: its RST answers the
	 * server's next segment, at the server's ACK, short of what the client
	 * sent.
	 */
	const struct step rst_at_ack[] = {
		handshake[0], handshake[1], handshake[2],
		{ O, S_ACK, C + 1, SV + 1, 1000, FWD_TCP_ESTABLISHED, FWD_TCP_ESTABLISHED },
		{ O, S_ACK, C + 1001, SV + 1, 1000, FWD_TCP_ESTABLISHED, FWD_TCP_ESTABLISHED },
		{ R, S_ACK, SV + 1, C + 1001, 10, FWD_TCP_ESTABLISHED, FWD_TCP_ESTABLISHED },
		{ O, S_RST, C + 1000, 0, 0, FWD_TCP_ESTABLISHED, FWD_TCP_ESTABLISHED,
		  false, true },
		{ O, S_RST, C + 1001, 0, 0, FWD_TCP_CLOSED, FWD_TCP_CLOSED },
	};
	/*
	 * A FIN cannot end the client's stream inside bytes the server
	 * acknowledged; the real one, and its retransmission once acknowledged,
	 * can.
	 */
	const struct step fin_in_acked[] = {
		handshake[0], handshake[1], handshake[2],
		{ O, S_ACK, C + 1, SV + 1, 1000, FWD_TCP_ESTABLISHED, FWD_TCP_ESTABLISHED },
		{ R, S_ACK, SV + 1, C + 1001, 0, FWD_TCP_ESTABLISHED, FWD_TCP_ESTABLISHED },
		{ O, S_FIN, C + 500, SV + 1, 0, FWD_TCP_ESTABLISHED, FWD_TCP_ESTABLISHED,
		  true, true },
		{ O, S_FIN, C + 1, SV + 1, 999, FWD_TCP_ESTABLISHED, FWD_TCP_ESTABLISHED,
		  true, true },
		{ O, S_FIN, C + 1, SV + 1, 1000, FWD_TCP_FIN_WAIT_1, FWD_TCP_CLOSE_WAIT, true },
		{ R, S_ACK, SV + 1, C + 1002, 0, FWD_TCP_FIN_WAIT_2, FWD_TCP_CLOSE_WAIT },
		{ O, S_FIN, C + 1001, SV + 1, 0, FWD_TCP_FIN_WAIT_2, FWD_TCP_CLOSE_WAIT, true },
	};
	const struct step exact[] = {
		handshake[0], handshake[1], handshake[2],
		{ O, S_RST, 0xdeadbeef, 0, 0, FWD_TCP_ESTABLISHED, FWD_TCP_ESTABLISHED,
		  false, true },
		{ O, S_RST, C + 1, 0, 0, FWD_TCP_CLOSED, FWD_TCP_CLOSED },
	};
	const struct step fin_ok[] = {
		handshake[0], handshake[1], handshake[2],
		{ O, S_FIN, C + 1 + 0x20000000, SV + 1, 0, FWD_TCP_ESTABLISHED,
		  FWD_TCP_ESTABLISHED, false, true },
		{ O, S_FIN, C + 1, SV + 1, 0, FWD_TCP_FIN_WAIT_1, FWD_TCP_CLOSE_WAIT },
	};
	/* An unanswered SYN: the RST must acknowledge it exactly. */
	const struct step syn_rst[] = {
		handshake[0],
		{ R, S_RST | S_ACK, 0, C + 7, 0, FWD_TCP_SYN_SENT, FWD_TCP_SYN_RCVD,
		  false, true },
		{ R, S_RST | S_ACK, 0, C + 1, 0, FWD_TCP_CLOSED, FWD_TCP_CLOSED },
	};
	/* A one-way pick-up: the unseen end's RST without ACK is taken. */
	const struct step pickup_rst[] = {
		{ O, S_ACK, 77, 99, 0, FWD_TCP_ESTABLISHED, FWD_TCP_ESTABLISHED },
		{ R, S_RST, 99, 0, 0, FWD_TCP_CLOSED, FWD_TCP_CLOSED },
	};

	run_script(test, "blind", blind, ARRAY_SIZE(blind));
	run_script(test, "rst at the receiver's ack", rst_at_ack, ARRAY_SIZE(rst_at_ack));
	run_script(test, "fin inside acknowledged data", fin_in_acked, ARRAY_SIZE(fin_in_acked));
	run_script(test, "exact rst", exact, ARRAY_SIZE(exact));
	run_script(test, "fin in window", fin_ok, ARRAY_SIZE(fin_ok));
	run_script(test, "rst to a syn", syn_rst, ARRAY_SIZE(syn_rst));
	run_script(test, "rst to a pick-up", pickup_rst, ARRAY_SIZE(pickup_rst));
}

static void tcp_half_open(struct kunit *test)
{
	/* A SYN nobody answers, retransmitted. */
	const struct step syn_only[] = {
		handshake[0],
		{ O, S_SYN, C, 0, 0, FWD_TCP_SYN_SENT, FWD_TCP_SYN_RCVD, true },
	};
	/* Half-closed: the client is done, the server keeps sending. */
	const struct step half_closed[] = {
		handshake[0], handshake[1], handshake[2],
		{ O, S_FIN, C + 1, SV + 1, 0, FWD_TCP_FIN_WAIT_1, FWD_TCP_CLOSE_WAIT },
		{ R, S_ACK, SV + 1, C + 2, 0, FWD_TCP_FIN_WAIT_2, FWD_TCP_CLOSE_WAIT },
		{ R, S_ACK, SV + 1, C + 2, 1000, FWD_TCP_FIN_WAIT_2, FWD_TCP_CLOSE_WAIT },
		{ O, S_ACK, C + 2, SV + 1001, 0, FWD_TCP_FIN_WAIT_2, FWD_TCP_CLOSE_WAIT },
		{ R, S_ACK, SV + 1, C + 2, 1000, FWD_TCP_FIN_WAIT_2, FWD_TCP_CLOSE_WAIT, true },
	};
	/* Picked up in the middle: both taken as established. */
	const struct step midstream[] = {
		{ O, S_ACK, 77, 99, 10, FWD_TCP_ESTABLISHED, FWD_TCP_ESTABLISHED },
		{ O, S_ACK, 77, 99, 10, FWD_TCP_ESTABLISHED, FWD_TCP_ESTABLISHED, true },
	};
	struct fwd_tcp_side tcp[FWD_DIR_MAX];
	struct fwd_tcp_seg syn = { .flags = S_SYN, .seq = C };

	run_script(test, "syn only", syn_only, ARRAY_SIZE(syn_only));
	run_script(test, "half closed", half_closed, ARRAY_SIZE(half_closed));
	run_script(test, "midstream", midstream, ARRAY_SIZE(midstream));

	fwd_tcp_init(tcp, &syn);
	fwd_tcp_update(tcp, O, &syn);
	KUNIT_EXPECT_EQ(test, fwd_tclass_of(IPPROTO_TCP, tcp, false), FWD_TCLASS_TCP_HANDSHAKE);
}

static void tcp_bad_flags(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, fwd_tcp_flags_valid(0));
	KUNIT_EXPECT_FALSE(test, fwd_tcp_flags_valid(TCPHDR_FIN));
	KUNIT_EXPECT_FALSE(test, fwd_tcp_flags_valid(TCPHDR_SYN | TCPHDR_FIN));
	KUNIT_EXPECT_FALSE(test, fwd_tcp_flags_valid(TCPHDR_SYN | TCPHDR_RST));
	KUNIT_EXPECT_FALSE(test, fwd_tcp_flags_valid(TCPHDR_FIN | TCPHDR_PSH | TCPHDR_URG));
	KUNIT_EXPECT_FALSE(test, fwd_tcp_flags_valid(0xff));
	KUNIT_EXPECT_TRUE(test, fwd_tcp_flags_valid(TCPHDR_ACK | TCPHDR_PSH));
	KUNIT_EXPECT_TRUE(test, fwd_tcp_flags_valid(TCPHDR_SYN | TCPHDR_ECE | TCPHDR_CWR));
}

static void tcp_retransmit_wraparound(struct kunit *test)
{
	u32 isn = 0xfffffff0;
	const struct step s[] = {
		{ O, S_SYN, isn, 0, 0, FWD_TCP_SYN_SENT, FWD_TCP_SYN_RCVD },
		{ O, S_SYN, isn, 0, 0, FWD_TCP_SYN_SENT, FWD_TCP_SYN_RCVD, true },
		{ R, S_SA, 7, isn + 1, 0, FWD_TCP_ESTABLISHED, FWD_TCP_SYN_RCVD },
		{ R, S_SA, 7, isn + 1, 0, FWD_TCP_ESTABLISHED, FWD_TCP_SYN_RCVD, true },
		{ O, S_ACK, isn + 1, 8, 0, FWD_TCP_ESTABLISHED, FWD_TCP_ESTABLISHED },
		/* 0xfffffff1..0x00000010: across the wrap */
		{ O, S_ACK, isn + 1, 8, 32, FWD_TCP_ESTABLISHED, FWD_TCP_ESTABLISHED },
		{ O, S_ACK, isn + 33, 8, 16, FWD_TCP_ESTABLISHED, FWD_TCP_ESTABLISHED },
		/* the segment that wrapped, again */
		{ O, S_ACK, isn + 1, 8, 32, FWD_TCP_ESTABLISHED, FWD_TCP_ESTABLISHED, true },
		/* a part of it (keep-alive style) */
		{ O, S_ACK, isn + 48, 8, 1, FWD_TCP_ESTABLISHED, FWD_TCP_ESTABLISHED, true },
		/* new data after the wrap, then a pure ACK (never a retransmission) */
		{ O, S_ACK, isn + 49, 8, 100, FWD_TCP_ESTABLISHED, FWD_TCP_ESTABLISHED },
		{ O, S_ACK, isn + 1, 8, 0, FWD_TCP_ESTABLISHED, FWD_TCP_ESTABLISHED },
		/* out of order ahead: not seen before */
		{ O, S_ACK, isn + 1000, 8, 10, FWD_TCP_ESTABLISHED, FWD_TCP_ESTABLISHED },
	};

	run_script(test, "wraparound", s, ARRAY_SIZE(s));
}

static void timeout_classes(struct kunit *test)
{
	struct fwd_session_cfg cfg = {
		.timeout_tcp_established = 11, .timeout_tcp_handshake = 12,
		.timeout_tcp_closing = 13, .timeout_udp = 14,
	};
	struct fwd_tcp_side tcp[FWD_DIR_MAX] = {};

	KUNIT_EXPECT_EQ(test, fwd_tclass_of(IPPROTO_UDP, tcp, false), FWD_TCLASS_UDP);
	tcp[0].state = FWD_TCP_SYN_SENT;
	tcp[1].state = FWD_TCP_SYN_RCVD;
	KUNIT_EXPECT_EQ(test, fwd_tclass_of(IPPROTO_TCP, tcp, false), FWD_TCLASS_TCP_HANDSHAKE);
	tcp[0].state = FWD_TCP_ESTABLISHED;
	KUNIT_EXPECT_EQ(test, fwd_tclass_of(IPPROTO_TCP, tcp, false), FWD_TCLASS_TCP_HANDSHAKE);
	tcp[1].state = FWD_TCP_ESTABLISHED;
	/* Both ends established but one way only (a pick-up): still the handshake's. */
	KUNIT_EXPECT_EQ(test, fwd_tclass_of(IPPROTO_TCP, tcp, false), FWD_TCLASS_TCP_HANDSHAKE);
	KUNIT_EXPECT_EQ(test, fwd_tclass_of(IPPROTO_TCP, tcp, true), FWD_TCLASS_TCP_ESTABLISHED);
	tcp[1].state = FWD_TCP_CLOSE_WAIT;
	KUNIT_EXPECT_EQ(test, fwd_tclass_of(IPPROTO_TCP, tcp, true), FWD_TCLASS_TCP_CLOSING);
	tcp[0].state = FWD_TCP_CLOSED;
	tcp[1].state = FWD_TCP_CLOSED;
	KUNIT_EXPECT_EQ(test, fwd_tclass_of(IPPROTO_TCP, tcp, true), FWD_TCLASS_TCP_CLOSING);

	KUNIT_EXPECT_EQ(test, fwd_tclass_secs(&cfg, FWD_TCLASS_TCP_ESTABLISHED), 11U);
	KUNIT_EXPECT_EQ(test, fwd_tclass_secs(&cfg, FWD_TCLASS_TCP_HANDSHAKE), 12U);
	KUNIT_EXPECT_EQ(test, fwd_tclass_secs(&cfg, FWD_TCLASS_TCP_CLOSING), 13U);
	KUNIT_EXPECT_EQ(test, fwd_tclass_secs(&cfg, FWD_TCLASS_UDP), 14U);
}

/* ---- table-level: a private table, a capturing sink ------------------- */

#define MAX_CAPTURE 64

struct capture {
	struct fwd_session_table *tbl;
	int n;
	struct fwd_event ev[MAX_CAPTURE];
	bool drop_on_data;
	int closing;
};

static struct capture *cap;

static void capture_event(struct fwd_session *s, const struct fwd_event *ev, void *priv)
{
	struct capture *c = priv;

	if (s->table != c->tbl)
		return;		/* real traffic in another table */
	if (c->n < MAX_CAPTURE)
		c->ev[c->n++] = *ev;
	if (ev->type == FWD_EV_CLOSING && ev->phase == FWD_PHASE_POST)
		c->closing++;
	if (c->drop_on_data && ev->type == FWD_EV_DATA && ev->phase == FWD_PHASE_PRE)
		fwd_session_drop_packet(s);
}

static struct fwd_event_sink capture_sink = {
	.event	= capture_event,
	.order	= FWD_SINK_ORDER_FIRST,		/* before the plugins */
};

struct tctx {
	struct fwd_session_cfg cfg;
	struct fwd_session_table tbl;
	struct capture cap;
	bool sink;
};

static int session_table_test_init(struct kunit *test)
{
	struct tctx *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	fwd_session_cfg_defaults(&t->cfg);
	KUNIT_ASSERT_EQ(test, fwd_session_table_init(&t->tbl, &t->cfg), 0);
	t->cap.tbl = &t->tbl;
	capture_sink.priv = &t->cap;
	KUNIT_ASSERT_EQ(test, fwd_event_sink_register(&capture_sink), 0);
	t->sink = true;
	cap = &t->cap;
	test->priv = t;
	return 0;
}

static void session_table_test_exit(struct kunit *test)
{
	struct tctx *t = test->priv;

	fwd_session_table_destroy(&t->tbl);
	if (t->sink)
		fwd_event_sink_unregister(&capture_sink);
	rcu_barrier();	/* free callbacks before the test's memory goes */
	cap = NULL;
}

static void pkt4(struct fwd_packet *p, u32 s, u16 sp, u32 d, u16 dp, u8 proto, u8 flags,
		 u32 seq, u32 ack, u32 len)
{
	memset(p, 0, sizeof(*p));
	tuple4(&p->t, s, sp, d, dp, proto);
	p->tcp_flags = flags;
	p->seq = seq;
	p->ack = ack;
	p->payload_len = len;
	p->len = 40 + len;
}

static struct fwd_session *lookup4(struct fwd_session_table *tbl, u32 s, u16 sp, u32 d, u16 dp,
				   u8 proto)
{
	struct fwd_tuple t;

	tuple4(&t, s, sp, d, dp, proto);
	return fwd_session_lookup(tbl, &t, NULL);
}

static u64 tstat(struct fwd_session_table *tbl, enum fwd_counter c)
{
	struct fwd_session_stats sum;

	fwd_session_stats_sum(tbl, &sum);
	return sum.cnt[c];
}

#define STAT(tbl, c) tstat(tbl, c)

static u64 tevents(struct fwd_session_table *tbl, enum fwd_event_type ev,
		   enum fwd_event_phase phase)
{
	struct fwd_session_stats sum;

	fwd_session_stats_sum(tbl, &sum);
	return sum.events[ev][phase];
}

#define CLI 0x0a000102
#define SRV 0x0a000202

/* Sinks that log which of them saw the first event of the test's table. */
struct order_sink {
	struct fwd_event_sink sink;
	struct fwd_session_table *tbl;
	int id, *log, *n;
};

static void order_event(struct fwd_session *s, const struct fwd_event *ev, void *priv)
{
	struct order_sink *o = priv;

	if (s->table == o->tbl && ev->type == FWD_EV_SESSION_NEW &&
	    ev->phase == FWD_PHASE_PRE && *o->n < 8)
		o->log[(*o->n)++] = o->id;
}

/* One dispatch point: sinks run by order, equal orders as registered. */
static void table_sink_order(struct kunit *test)
{
	static const int orders[] = { 150, -50, 50, 50 };
	struct tctx *t = test->priv;
	struct order_sink o[ARRAY_SIZE(orders)];
	int log[8], n = 0, i, reg, dup = 0;
	struct fwd_packet p;

	for (reg = 0; reg < ARRAY_SIZE(o); reg++) {
		o[reg] = (struct order_sink){
			.sink = { .event = order_event, .priv = &o[reg], .order = orders[reg] },
			.tbl = &t->tbl, .id = reg, .log = log, .n = &n,
		};
		if (fwd_event_sink_register(&o[reg].sink))
			break;
	}
	if (reg == ARRAY_SIZE(o)) {
		dup = fwd_event_sink_register(&o[2].sink);
		pkt4(&p, CLI, 40001, SRV, 80, IPPROTO_TCP, S_SYN, C, 0, 0);
		fwd_session_process(&t->tbl, &p, jiffies);
	}
	/* The sinks live on this stack: none may stay registered past here. */
	for (i = 0; i < reg; i++)
		fwd_event_sink_unregister(&o[i].sink);
	KUNIT_ASSERT_EQ(test, reg, (int)ARRAY_SIZE(o));
	KUNIT_EXPECT_EQ(test, dup, -EEXIST);
	KUNIT_ASSERT_EQ(test, n, 4);
	KUNIT_EXPECT_EQ(test, log[0], 1);	/* -50 */
	KUNIT_EXPECT_EQ(test, log[1], 2);	/* 50, registered first */
	KUNIT_EXPECT_EQ(test, log[2], 3);	/* 50 */
	KUNIT_EXPECT_EQ(test, log[3], 0);	/* 150 */
	/* Gone: a new session reaches none of them. */
	pkt4(&p, CLI, 40002, SRV, 80, IPPROTO_TCP, S_SYN, C, 0, 0);
	fwd_session_process(&t->tbl, &p, jiffies);
	KUNIT_EXPECT_EQ(test, n, 4);
}

/* A full TCP connection through the table, with counters and events. */
static void table_tcp_events(struct kunit *test)
{
	struct tctx *t = test->priv;
	unsigned long now = jiffies;
	struct fwd_session *s;
	struct fwd_packet p;
	int i, n_new = 0, n_est = 0, n_data = 0, n_rexmit = 0, n_state = 0;

	if (!t->sink)
		kunit_skip(test, "an event sink is already installed");

	pkt4(&p, CLI, 40000, SRV, 80, IPPROTO_TCP, S_SYN, C, 0, 0);
	KUNIT_EXPECT_EQ(test, fwd_session_process(&t->tbl, &p, now), (unsigned int)NF_ACCEPT);
	/* The very first events: new session, before then after the update. */
	KUNIT_ASSERT_GE(test, t->cap.n, 4);
	KUNIT_EXPECT_EQ(test, t->cap.ev[0].type, FWD_EV_SESSION_NEW);
	KUNIT_EXPECT_EQ(test, t->cap.ev[0].phase, FWD_PHASE_PRE);
	KUNIT_EXPECT_EQ(test, t->cap.ev[1].type, FWD_EV_PACKET);
	KUNIT_EXPECT_EQ(test, t->cap.ev[2].type, FWD_EV_TCP_STATE_CHANGE);
	KUNIT_EXPECT_EQ(test, t->cap.ev[2].dir, FWD_DIR_ORIG);
	KUNIT_EXPECT_EQ(test, t->cap.ev[2].old_state, FWD_TCP_NONE);
	KUNIT_EXPECT_EQ(test, t->cap.ev[2].new_state, FWD_TCP_SYN_SENT);
	KUNIT_EXPECT_EQ(test, t->cap.ev[3].type, FWD_EV_TCP_STATE_CHANGE);
	KUNIT_EXPECT_EQ(test, t->cap.ev[3].dir, FWD_DIR_REPLY);
	KUNIT_EXPECT_EQ(test, t->cap.ev[3].new_state, FWD_TCP_SYN_RCVD);
	KUNIT_EXPECT_EQ(test, t->cap.ev[4].type, FWD_EV_SESSION_NEW);
	KUNIT_EXPECT_EQ(test, t->cap.ev[4].phase, FWD_PHASE_POST);

	pkt4(&p, SRV, 80, CLI, 40000, IPPROTO_TCP, S_SA, SV, C + 1, 0);
	fwd_session_process(&t->tbl, &p, now);
	pkt4(&p, CLI, 40000, SRV, 80, IPPROTO_TCP, S_ACK, C + 1, SV + 1, 0);
	fwd_session_process(&t->tbl, &p, now);
	pkt4(&p, CLI, 40000, SRV, 80, IPPROTO_TCP, S_ACK, C + 1, SV + 1, 100);
	fwd_session_process(&t->tbl, &p, now);
	fwd_session_process(&t->tbl, &p, now);	/* retransmitted */

	for (i = 0; i < t->cap.n; i++) {
		const struct fwd_event *e = &t->cap.ev[i];

		if (e->phase != FWD_PHASE_POST)
			continue;
		n_new += e->type == FWD_EV_SESSION_NEW;
		n_est += e->type == FWD_EV_ESTABLISHED;
		n_data += e->type == FWD_EV_DATA;
		n_rexmit += e->type == FWD_EV_RETRANSMIT;
		n_state += e->type == FWD_EV_TCP_STATE_CHANGE;
	}
	KUNIT_EXPECT_EQ(test, n_new, 1);
	KUNIT_EXPECT_EQ(test, n_est, 1);
	KUNIT_EXPECT_EQ(test, n_data, 1);
	KUNIT_EXPECT_EQ(test, n_rexmit, 1);
	KUNIT_EXPECT_EQ(test, n_state, 4);	/* SYN: 2, SYN/ACK: client, ACK: server */
	KUNIT_EXPECT_EQ(test, tevents(&t->tbl, FWD_EV_PACKET, FWD_PHASE_PRE), 5ULL);
	KUNIT_EXPECT_EQ(test, STAT(&t->tbl, FWD_CNT_RETRANSMITS), 1ULL);
	KUNIT_EXPECT_EQ(test, STAT(&t->tbl, FWD_CNT_SESSIONS_CREATED), 1ULL);

	rcu_read_lock();
	s = lookup4(&t->tbl, SRV, 80, CLI, 40000, IPPROTO_TCP);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, fwd_session_packets(s, FWD_DIR_ORIG), 4ULL);
	KUNIT_EXPECT_EQ(test, fwd_session_packets(s, FWD_DIR_REPLY), 1ULL);
	KUNIT_EXPECT_EQ(test, fwd_session_bytes(s, FWD_DIR_ORIG), 4 * 40ULL + 200);
	KUNIT_EXPECT_EQ(test, fwd_session_tcp_state(s, FWD_DIR_ORIG), FWD_TCP_ESTABLISHED);
	KUNIT_EXPECT_EQ(test, fwd_session_tcp_state(s, FWD_DIR_REPLY), FWD_TCP_ESTABLISHED);
	rcu_read_unlock();

	/* A plugin drops data in PRE: the verdict says so. */
	t->cap.drop_on_data = true;
	pkt4(&p, CLI, 40000, SRV, 80, IPPROTO_TCP, S_ACK, C + 201, SV + 1, 10);
	KUNIT_EXPECT_EQ(test, fwd_session_process(&t->tbl, &p, now), (unsigned int)NF_DROP);
	KUNIT_EXPECT_EQ(test, STAT(&t->tbl, FWD_CNT_DROPPED), 1ULL);
	t->cap.drop_on_data = false;

	/* RST, then a new SYN on the same tuple replaces the closed session. */
	pkt4(&p, SRV, 80, CLI, 40000, IPPROTO_TCP, S_RST, SV + 1, 0, 0);
	fwd_session_process(&t->tbl, &p, now);
	pkt4(&p, CLI, 40000, SRV, 80, IPPROTO_TCP, S_SYN, 9999, 0, 0);
	fwd_session_process(&t->tbl, &p, now);
	KUNIT_EXPECT_EQ(test, STAT(&t->tbl, FWD_CNT_SESSIONS_REPLACED), 1ULL);
	KUNIT_EXPECT_EQ(test, STAT(&t->tbl, FWD_CNT_SESSIONS_CREATED), 2ULL);
	KUNIT_EXPECT_EQ(test, t->cap.closing, 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->tbl.count), 1);
}

static void table_timeouts(struct kunit *test)
{
	struct tctx *t = test->priv;
	unsigned long now = jiffies;
	struct fwd_packet p;

	t->cfg.timeout_udp = 5;
	t->cfg.timeout_tcp_handshake = 2;
	t->cfg.timeout_tcp_established = 100;

	pkt4(&p, CLI, 1000, SRV, 53, IPPROTO_UDP, 0, 0, 0, 20);
	fwd_session_process(&t->tbl, &p, now);
	pkt4(&p, CLI, 40000, SRV, 80, IPPROTO_TCP, S_SYN, C, 0, 0);
	fwd_session_process(&t->tbl, &p, now);
	pkt4(&p, CLI, 40001, SRV, 80, IPPROTO_TCP, S_SYN, C, 0, 0);
	fwd_session_process(&t->tbl, &p, now);
	pkt4(&p, SRV, 80, CLI, 40001, IPPROTO_TCP, S_SA, SV, C + 1, 0);
	fwd_session_process(&t->tbl, &p, now);
	pkt4(&p, CLI, 40001, SRV, 80, IPPROTO_TCP, S_ACK, C + 1, SV + 1, 0);
	fwd_session_process(&t->tbl, &p, now);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->tbl.count), 3);

	/* Nothing expires early. */
	KUNIT_EXPECT_TRUE(test, fwd_session_gc(&t->tbl, now + 2 * HZ, 1000));
	KUNIT_EXPECT_EQ(test, atomic_read(&t->tbl.count), 3);
	/* Handshake timeout (2 s) passed: the unanswered SYN goes. */
	KUNIT_EXPECT_TRUE(test, fwd_session_gc(&t->tbl, now + 2 * HZ + 1, 1000));
	KUNIT_EXPECT_EQ(test, atomic_read(&t->tbl.count), 2);
	/* UDP (5 s). */
	KUNIT_EXPECT_TRUE(test, fwd_session_gc(&t->tbl, now + 5 * HZ + 1, 1000));
	KUNIT_EXPECT_EQ(test, atomic_read(&t->tbl.count), 1);
	/* Lowering a timeout applies to existing sessions at once. */
	t->cfg.timeout_tcp_established = 10;
	KUNIT_EXPECT_TRUE(test, fwd_session_gc(&t->tbl, now + 10 * HZ + 1, 1000));
	KUNIT_EXPECT_EQ(test, atomic_read(&t->tbl.count), 0);
	KUNIT_EXPECT_EQ(test, STAT(&t->tbl, FWD_CNT_SESSIONS_EXPIRED), 3ULL);
	if (t->sink)
		KUNIT_EXPECT_EQ(test, t->cap.closing, 3);
	KUNIT_EXPECT_EQ(test, tevents(&t->tbl, FWD_EV_CLOSING, FWD_PHASE_POST), 3ULL);

	/* A budget of 1 needs several runs for several sessions. */
	pkt4(&p, CLI, 1, SRV, 53, IPPROTO_UDP, 0, 0, 0, 20);
	fwd_session_process(&t->tbl, &p, now);
	pkt4(&p, CLI, 2, SRV, 53, IPPROTO_UDP, 0, 0, 0, 20);
	fwd_session_process(&t->tbl, &p, now);
	KUNIT_EXPECT_FALSE(test, fwd_session_gc(&t->tbl, now + 6 * HZ, 1));
	KUNIT_EXPECT_EQ(test, atomic_read(&t->tbl.count), 1);
	fwd_session_gc(&t->tbl, now + 6 * HZ, 1);
	fwd_session_gc(&t->tbl, now + 6 * HZ, 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->tbl.count), 0);

	/* A packet on an expired session that GC has not reached yet starts a new one. */
	fwd_session_process(&t->tbl, &p, now);
	fwd_session_process(&t->tbl, &p, now + 6 * HZ);
	KUNIT_EXPECT_EQ(test, STAT(&t->tbl, FWD_CNT_SESSIONS_EXPIRED), 6ULL);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->tbl.count), 1);
}

static void table_eviction(struct kunit *test)
{
	struct tctx *t = test->priv;
	unsigned long now = jiffies;
	struct fwd_session *s;
	struct fwd_packet p;
	int i;

	t->cfg.max_sessions = 3;
	/* Two answered UDP flows (established) and one unanswered. */
	for (i = 0; i < 2; i++) {
		pkt4(&p, CLI, 1000 + i, SRV, 53, IPPROTO_UDP, 0, 0, 0, 10);
		fwd_session_process(&t->tbl, &p, now);
		pkt4(&p, SRV, 53, CLI, 1000 + i, IPPROTO_UDP, 0, 0, 0, 10);
		fwd_session_process(&t->tbl, &p, now);
	}
	pkt4(&p, CLI, 2000, SRV, 53, IPPROTO_UDP, 0, 0, 0, 10);
	fwd_session_process(&t->tbl, &p, now);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->tbl.count), 3);

	/* Full: a SYN evicts the unanswered flow, never an established (assured) one. */
	pkt4(&p, CLI, 40000, SRV, 80, IPPROTO_TCP, S_SYN, C, 0, 0);
	KUNIT_EXPECT_EQ(test, fwd_session_process(&t->tbl, &p, now + 1), (unsigned int)NF_ACCEPT);
	KUNIT_EXPECT_EQ(test, STAT(&t->tbl, FWD_CNT_SESSIONS_EVICTED), 1ULL);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->tbl.count), 3);
	rcu_read_lock();
	KUNIT_EXPECT_NULL(test, lookup4(&t->tbl, CLI, 2000, SRV, 53, IPPROTO_UDP));
	KUNIT_EXPECT_NOT_NULL(test, lookup4(&t->tbl, CLI, 1000, SRV, 53, IPPROTO_UDP));
	KUNIT_EXPECT_NOT_NULL(test, lookup4(&t->tbl, CLI, 1001, SRV, 53, IPPROTO_UDP));
	s = lookup4(&t->tbl, CLI, 40000, SRV, 80, IPPROTO_TCP);
	KUNIT_EXPECT_NOT_NULL(test, s);
	rcu_read_unlock();

	/* Many more SYNs: each replaces the previous half-open one. */
	for (i = 1; i <= 100; i++) {
		pkt4(&p, CLI, 40000 + i, SRV, 80, IPPROTO_TCP, S_SYN, C, 0, 0);
		fwd_session_process(&t->tbl, &p, now + 1 + i);
		KUNIT_EXPECT_LE(test, atomic_read(&t->tbl.count), 3);
	}
	KUNIT_EXPECT_EQ(test, STAT(&t->tbl, FWD_CNT_SESSIONS_EVICTED), 101ULL);
	KUNIT_EXPECT_EQ(test, STAT(&t->tbl, FWD_CNT_SESSIONS_REFUSED), 0ULL);

	/* Finish that handshake: now all three are established, nothing to evict. */
	pkt4(&p, SRV, 80, CLI, 40100, IPPROTO_TCP, S_SA, SV, C + 1, 0);
	fwd_session_process(&t->tbl, &p, now + 200);
	pkt4(&p, CLI, 40100, SRV, 80, IPPROTO_TCP, S_ACK, C + 1, SV + 1, 0);
	fwd_session_process(&t->tbl, &p, now + 200);
	pkt4(&p, CLI, 3000, SRV, 53, IPPROTO_UDP, 0, 0, 0, 10);
	KUNIT_EXPECT_EQ(test, fwd_session_process(&t->tbl, &p, now + 201), (unsigned int)NF_DROP);
	KUNIT_EXPECT_EQ(test, STAT(&t->tbl, FWD_CNT_SESSIONS_REFUSED), 1ULL);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->tbl.count), 3);
	/* A limit lowered below the current size: new flows refused, count exact. */
	t->cfg.max_sessions = 1;
	pkt4(&p, CLI, 3001, SRV, 53, IPPROTO_UDP, 0, 0, 0, 10);
	KUNIT_EXPECT_EQ(test, fwd_session_process(&t->tbl, &p, now + 202), (unsigned int)NF_DROP);
	KUNIT_EXPECT_EQ(test, STAT(&t->tbl, FWD_CNT_SESSIONS_REFUSED), 2ULL);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->tbl.count), 3);
}

/*
 * Spoofed bare ACKs from random sources (issue 14): a one-way pick-up is not
 * established, lives on the handshake timeout and is evicted by the next new
 * flow; only an answer makes it established. A table full of established
 * sessions drops a new flow, or passes it untracked with full_policy pass.
 */
static void table_flood_ack(struct kunit *test)
{
	struct tctx *t = test->priv;
	unsigned long now = jiffies;
	struct fwd_session *s;
	struct fwd_packet p;
	int i;

	t->cfg.max_sessions = 3;
	t->cfg.timeout_tcp_handshake = 7;
	t->cfg.timeout_tcp_established = 1000;
	/* One TCP connection with its handshake, one answered UDP flow. */
	pkt4(&p, CLI, 40000, SRV, 80, IPPROTO_TCP, S_SYN, C, 0, 0);
	fwd_session_process(&t->tbl, &p, now);
	pkt4(&p, SRV, 80, CLI, 40000, IPPROTO_TCP, S_SA, SV, C + 1, 0);
	fwd_session_process(&t->tbl, &p, now);
	pkt4(&p, CLI, 40000, SRV, 80, IPPROTO_TCP, S_ACK, C + 1, SV + 1, 0);
	fwd_session_process(&t->tbl, &p, now);
	pkt4(&p, CLI, 1000, SRV, 53, IPPROTO_UDP, 0, 0, 0, 10);
	fwd_session_process(&t->tbl, &p, now);
	pkt4(&p, SRV, 53, CLI, 1000, IPPROTO_UDP, 0, 0, 0, 10);
	fwd_session_process(&t->tbl, &p, now);

	/* 100 bare ACKs from 100 sources: each evicts the previous one. */
	for (i = 0; i < 100; i++) {
		pkt4(&p, 0x0b000000 + i * 7919, 1024 + i, SRV + 99, 80, IPPROTO_TCP, S_ACK,
		     i * 1000003, i * 999983, 0);
		KUNIT_EXPECT_EQ(test, fwd_session_process(&t->tbl, &p, now + i),
				(unsigned int)NF_ACCEPT);
		KUNIT_EXPECT_LE(test, atomic_read(&t->tbl.count), 3);
	}
	KUNIT_EXPECT_EQ(test, STAT(&t->tbl, FWD_CNT_SESSIONS_CREATED), 102ULL);
	KUNIT_EXPECT_EQ(test, STAT(&t->tbl, FWD_CNT_SESSIONS_EVICTED), 99ULL);
	KUNIT_EXPECT_EQ(test, STAT(&t->tbl, FWD_CNT_SESSIONS_REFUSED), 0ULL);
	rcu_read_lock();
	KUNIT_EXPECT_NOT_NULL(test, lookup4(&t->tbl, CLI, 40000, SRV, 80, IPPROTO_TCP));
	KUNIT_EXPECT_NOT_NULL(test, lookup4(&t->tbl, CLI, 1000, SRV, 53, IPPROTO_UDP));
	s = lookup4(&t->tbl, 0x0b000000 + 99 * 7919, 1024 + 99, SRV + 99, 80, IPPROTO_TCP);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, fwd_session_tcp_state(s, FWD_DIR_ORIG), FWD_TCP_ESTABLISHED);
	KUNIT_EXPECT_EQ(test, fwd_session_tcp_state(s, FWD_DIR_REPLY), FWD_TCP_ESTABLISHED);
	KUNIT_EXPECT_EQ(test, s->established, 0);
	KUNIT_EXPECT_EQ(test, fwd_session_expires(s), now + 99 + 7 * HZ);
	rcu_read_unlock();

	/* The server answers the last one: now it is established. */
	pkt4(&p, SRV + 99, 80, 0x0b000000 + 99 * 7919, 1024 + 99, IPPROTO_TCP, S_ACK,
	     99 * 999983, 99 * 1000003, 0);
	fwd_session_process(&t->tbl, &p, now + 100);
	rcu_read_lock();
	s = lookup4(&t->tbl, 0x0b000000 + 99 * 7919, 1024 + 99, SRV + 99, 80, IPPROTO_TCP);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, s->established, 1);
	KUNIT_EXPECT_EQ(test, fwd_session_expires(s), now + 100 + 1000 * HZ);
	rcu_read_unlock();

	/* Full of established sessions: a new flow is dropped, counted. */
	pkt4(&p, 0x0c000001, 2000, SRV + 99, 80, IPPROTO_TCP, S_ACK, 1, 1, 0);
	KUNIT_EXPECT_EQ(test, fwd_session_process(&t->tbl, &p, now + 101), (unsigned int)NF_DROP);
	KUNIT_EXPECT_EQ(test, STAT(&t->tbl, FWD_CNT_SESSIONS_REFUSED), 1ULL);
	/* full_policy pass: it passes untracked, counted. */
	t->cfg.full_policy = FWD_FULL_PASS;
	KUNIT_EXPECT_EQ(test, fwd_session_process(&t->tbl, &p, now + 102),
			(unsigned int)NF_ACCEPT);
	KUNIT_EXPECT_EQ(test, STAT(&t->tbl, FWD_CNT_SESSIONS_UNTRACKED), 1ULL);
	KUNIT_EXPECT_EQ(test, STAT(&t->tbl, FWD_CNT_SESSIONS_REFUSED), 1ULL);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->tbl.count), 3);
	rcu_read_lock();
	KUNIT_EXPECT_NULL(test, lookup4(&t->tbl, 0x0c000001, 2000, SRV + 99, 80, IPPROTO_TCP));
	rcu_read_unlock();

	/* A blind RST at the handshaken connection: counted, nothing changes. */
	pkt4(&p, CLI, 40000, SRV, 80, IPPROTO_TCP, S_RST, C + 1 + 0x40000000, 0, 0);
	KUNIT_EXPECT_EQ(test, fwd_session_process(&t->tbl, &p, now + 103),
			(unsigned int)NF_ACCEPT);
	KUNIT_EXPECT_EQ(test, STAT(&t->tbl, FWD_CNT_TCP_INVALID), 1ULL);
	rcu_read_lock();
	s = lookup4(&t->tbl, CLI, 40000, SRV, 80, IPPROTO_TCP);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, fwd_session_tcp_state(s, FWD_DIR_ORIG), FWD_TCP_ESTABLISHED);
	KUNIT_EXPECT_EQ(test, fwd_session_tcp_state(s, FWD_DIR_REPLY), FWD_TCP_ESTABLISHED);
	KUNIT_EXPECT_EQ(test, s->established, 1);
	rcu_read_unlock();
}

static void meta_keys_by_name(struct kunit *test)
{
	char longname[FWD_META_NAME_MAX + 1];
	int a = fwd_meta_key("kunit.a"), b = fwd_meta_key("kunit.b");

	KUNIT_EXPECT_GT(test, a, 0);
	KUNIT_EXPECT_GT(test, b, 0);
	KUNIT_EXPECT_NE(test, a, b);
	/* The same name is the same key, whoever asks. */
	KUNIT_EXPECT_EQ(test, fwd_meta_key("kunit.a"), a);
	KUNIT_EXPECT_EQ(test, fwd_meta_key(""), -EINVAL);
	KUNIT_EXPECT_EQ(test, fwd_meta_key(NULL), -EINVAL);
	memset(longname, 'x', FWD_META_NAME_MAX);
	longname[FWD_META_NAME_MAX] = 0;
	KUNIT_EXPECT_EQ(test, fwd_meta_key(longname), -EINVAL);
	longname[FWD_META_NAME_MAX - 1] = 0;
	KUNIT_EXPECT_GT(test, fwd_meta_key(longname), 0);
}

static void table_metadata(struct kunit *test)
{
	struct tctx *t = test->priv;
	int k1 = fwd_meta_key("kunit.one"), k2 = fwd_meta_key("kunit.two");
	u8 a[8] = "aaaaaaa", b[16] = "bbbbbbbbbbbbbbb", big[FWD_META_LEN_MAX + 1] = {};
	struct fwd_session *s;
	struct fwd_packet p;
	const u8 *v;
	u32 len = 0;
	int i, n;

	KUNIT_ASSERT_GT(test, k1, 0);
	KUNIT_ASSERT_GT(test, k2, 0);
	pkt4(&p, CLI, 1000, SRV, 53, IPPROTO_UDP, 0, 0, 0, 10);
	fwd_session_process(&t->tbl, &p, jiffies);

	rcu_read_lock();
	s = lookup4(&t->tbl, CLI, 1000, SRV, 53, IPPROTO_UDP);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_NULL(test, fwd_session_get_meta(s, k1, &len));
	KUNIT_EXPECT_EQ(test, fwd_session_set_meta(s, k1, a, sizeof(a)), 0);
	KUNIT_EXPECT_EQ(test, fwd_session_set_meta(s, k2, b, sizeof(b)), 0);
	/* A copy: what the caller does with its buffer afterwards changes nothing. */
	a[0] = 'z';
	v = fwd_session_get_meta(s, k1, &len);
	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_EXPECT_EQ(test, len, 8U);
	KUNIT_EXPECT_EQ(test, v[0], 'a');
	v = fwd_session_get_meta(s, k2, &len);
	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_EXPECT_EQ(test, len, 16U);
	KUNIT_EXPECT_EQ(test, memcmp(v, b, 16), 0);
	/* Replace: the new value, the new length. */
	KUNIT_EXPECT_EQ(test, fwd_session_set_meta(s, k1, a, 4), 0);
	v = fwd_session_get_meta(s, k1, &len);
	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_EXPECT_EQ(test, len, 4U);
	KUNIT_EXPECT_EQ(test, v[0], 'z');
	KUNIT_EXPECT_EQ(test, fwd_session_del_meta(s, k2), 0);
	KUNIT_EXPECT_NULL(test, fwd_session_get_meta(s, k2, NULL));
	KUNIT_EXPECT_EQ(test, fwd_session_del_meta(s, k2), -ENOENT);
	/* Bad keys and lengths. */
	KUNIT_EXPECT_EQ(test, fwd_session_set_meta(s, 0, a, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, fwd_session_set_meta(s, FWD_META_KEYS_MAX + 1, a, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, fwd_session_set_meta(s, k1, a, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, fwd_session_set_meta(s, k1, NULL, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, fwd_session_set_meta(s, k1, big, sizeof(big)), -EINVAL);
	KUNIT_EXPECT_EQ(test, fwd_session_set_meta(s, k1, big, FWD_META_LEN_MAX), 0);
	/* Outside a callback there is no current packet to drop. */
	KUNIT_EXPECT_EQ(test, fwd_session_drop_packet(s), -EINVAL);

	/* A cap on values per session (k1 holds one). */
	for (i = 1, n = 1; n < FWD_META_MAX_PER_SESSION; i++) {
		if (i == k1)
			continue;
		KUNIT_EXPECT_EQ(test, fwd_session_set_meta(s, i, a, 1), 0);
		n++;
	}
	i += i == k1;
	KUNIT_EXPECT_EQ(test, fwd_session_set_meta(s, i, a, 1), -ENOSPC);
	rcu_read_unlock();
	/* The session dies (table flush) with its values: kmemleak judges. */
}

/* A held session outlives its death; changes are refused, reads still work. */
static void table_session_hold(struct kunit *test)
{
	struct tctx *t = test->priv;
	int k = fwd_meta_key("kunit.one");
	struct fwd_session *s;
	struct fwd_packet p;
	u8 v = 1;

	pkt4(&p, CLI, 1000, SRV, 53, IPPROTO_UDP, 0, 0, 0, 10);
	fwd_session_process(&t->tbl, &p, jiffies);
	rcu_read_lock();
	s = lookup4(&t->tbl, CLI, 1000, SRV, 53, IPPROTO_UDP);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_PTR_EQ(test, fwd_session_hold(s), s);
	KUNIT_EXPECT_EQ(test, fwd_session_set_meta(s, k, &v, 1), 0);
	rcu_read_unlock();

	fwd_session_table_destroy(&t->tbl);
	rcu_barrier();
	/* Its memory is still there (KASAN would say otherwise). */
	KUNIT_EXPECT_FALSE(test, fwd_session_alive(s));
	KUNIT_EXPECT_EQ(test, fwd_session_packets(s, FWD_DIR_ORIG), 1ULL);
	KUNIT_EXPECT_EQ(test, fwd_session_set_meta(s, k, &v, 1), -ENOENT);
	KUNIT_EXPECT_EQ(test, fwd_session_drop_next(s, true), -ENOENT);
	KUNIT_EXPECT_EQ(test, fwd_session_set_group(s, 1, FWD_GROUP_DIR_BOTH), -ENOENT);
	fwd_session_put(s);
	rcu_barrier();
	/* The exit handler destroys the table again: give it an empty one. */
	KUNIT_ASSERT_EQ(test, fwd_session_table_init(&t->tbl, &t->cfg), 0);
}

/* fwd_session_drop_next(): every later packet dropped and counted, until undone. */
static void table_drop_next(struct kunit *test)
{
	struct tctx *t = test->priv;
	struct fwd_session *s;
	struct fwd_packet p;

	pkt4(&p, CLI, 1000, SRV, 53, IPPROTO_UDP, 0, 0, 0, 10);
	KUNIT_EXPECT_EQ(test, fwd_session_process(&t->tbl, &p, jiffies), NF_ACCEPT);
	rcu_read_lock();
	s = lookup4(&t->tbl, CLI, 1000, SRV, 53, IPPROTO_UDP);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, fwd_session_drop_next(s, true), 0);
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, fwd_session_process(&t->tbl, &p, jiffies), NF_DROP);
	pkt4(&p, SRV, 53, CLI, 1000, IPPROTO_UDP, 0, 0, 0, 10);
	KUNIT_EXPECT_EQ(test, fwd_session_process(&t->tbl, &p, jiffies), NF_DROP);
	KUNIT_EXPECT_EQ(test, STAT(&t->tbl, FWD_CNT_DROPPED), 2ULL);
	rcu_read_lock();
	KUNIT_EXPECT_EQ(test, fwd_session_drop_next(s, false), 0);
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, fwd_session_process(&t->tbl, &p, jiffies), NF_ACCEPT);
	KUNIT_EXPECT_EQ(test, STAT(&t->tbl, FWD_CNT_DROPPED), 2ULL);
	/* Still counted as the session's packets. */
	KUNIT_EXPECT_EQ(test, fwd_session_packets(s, FWD_DIR_REPLY), 2ULL);
}

static void table_flush_with_sessions(struct kunit *test)
{
	struct tctx *t = test->priv;
	struct fwd_packet p;
	int i;

	for (i = 0; i < 500; i++) {
		pkt4(&p, CLI, 1000 + i, SRV, 53, IPPROTO_UDP, 0, 0, 0, 10);
		fwd_session_process(&t->tbl, &p, jiffies);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&t->tbl.count), 500);
	fwd_session_table_destroy(&t->tbl);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->tbl.count), 0);
	if (t->sink)
		KUNIT_EXPECT_EQ(test, t->cap.closing, 500);
	KUNIT_ASSERT_EQ(test, fwd_session_table_init(&t->tbl, &t->cfg), 0);
}

/* One answered UDP flow (established, never evicted) from client port @port. */
static void udp_answered(struct fwd_session_table *tbl, u16 port, unsigned long now)
{
	struct fwd_packet p;

	pkt4(&p, CLI, port, SRV, 53, IPPROTO_UDP, 0, 0, 0, 10);
	fwd_session_process(tbl, &p, now);
	pkt4(&p, SRV, 53, CLI, port, IPPROTO_UDP, 0, 0, 0, 10);
	fwd_session_process(tbl, &p, now);
}

/*
 * The sessions of all namespaces together stay within max_sessions_global
 * (issue 14 §2): a table far below its own max_sessions is full when the
 * host is, evicts only its own evictable sessions, and freed sessions give
 * their slots back. A table of a non-initial user namespace holds at most
 * max_sessions_userns.
 */
static void table_global_limit(struct kunit *test)
{
	unsigned int saved = READ_ONCE(fwd_max_sessions_global);
	struct tctx *t = test->priv;
	struct fwd_session_table *other;
	struct fwd_session_cfg *cfg2;
	unsigned long now = jiffies;
	struct fwd_packet p;
	int i, base;

	other = kunit_kzalloc(test, sizeof(*other), GFP_KERNEL);
	cfg2 = kunit_kzalloc(test, sizeof(*cfg2), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, other);
	KUNIT_ASSERT_NOT_NULL(test, cfg2);
	fwd_session_cfg_defaults(cfg2);
	KUNIT_ASSERT_EQ(test, fwd_session_table_init(other, cfg2), 0);
	base = fwd_sessions_global_count();
	WRITE_ONCE(fwd_max_sessions_global, base + 5);

	for (i = 0; i < 3; i++)
		udp_answered(&t->tbl, 1000 + i, now);
	for (i = 0; i < 2; i++)
		udp_answered(other, 2000 + i, now);
	KUNIT_EXPECT_EQ(test, fwd_sessions_global_count(), base + 5);
	/* Two sessions of its 65536: refused, it has nothing of its own to evict. */
	pkt4(&p, CLI, 3000, SRV, 53, IPPROTO_UDP, 0, 0, 0, 10);
	KUNIT_EXPECT_EQ(test, fwd_session_process(other, &p, now), (unsigned int)NF_DROP);
	KUNIT_EXPECT_EQ(test, STAT(other, FWD_CNT_SESSIONS_REFUSED), 1ULL);
	KUNIT_EXPECT_EQ(test, atomic_read(&other->count), 2);

	/* One more slot: an unanswered flow takes it, the next one evicts it. */
	WRITE_ONCE(fwd_max_sessions_global, base + 6);
	pkt4(&p, CLI, 4000, SRV, 53, IPPROTO_UDP, 0, 0, 0, 10);
	KUNIT_EXPECT_EQ(test, fwd_session_process(other, &p, now), (unsigned int)NF_ACCEPT);
	pkt4(&p, CLI, 4001, SRV, 53, IPPROTO_UDP, 0, 0, 0, 10);
	KUNIT_EXPECT_EQ(test, fwd_session_process(other, &p, now + 1), (unsigned int)NF_ACCEPT);
	KUNIT_EXPECT_EQ(test, STAT(other, FWD_CNT_SESSIONS_EVICTED), 1ULL);
	KUNIT_EXPECT_EQ(test, fwd_sessions_global_count(), base + 6);
	/* The first table cannot take another's slot: its own are all established. */
	pkt4(&p, CLI, 5000, SRV, 53, IPPROTO_UDP, 0, 0, 0, 10);
	KUNIT_EXPECT_EQ(test, fwd_session_process(&t->tbl, &p, now + 2), (unsigned int)NF_DROP);

	fwd_session_table_destroy(other);
	rcu_barrier();
	KUNIT_EXPECT_EQ(test, fwd_sessions_global_count(), base + 3);
	WRITE_ONCE(fwd_max_sessions_global, saved);

	/* A user namespace's table: max_sessions counts up to max_sessions_userns (65536). */
	t->tbl.userns_share = true;
	t->cfg.max_sessions = 100;
	KUNIT_EXPECT_EQ(test, fwd_session_limit(&t->tbl), 100U);
	t->cfg.max_sessions = FWD_SESSIONS_LIMIT;
	KUNIT_EXPECT_EQ(test, fwd_session_limit(&t->tbl), (unsigned int)FWD_SESSIONS_DEFAULT_MAX);
	t->tbl.userns_share = false;
	KUNIT_EXPECT_EQ(test, fwd_session_limit(&t->tbl), FWD_SESSIONS_LIMIT);
}

static void session_size(struct kunit *test)
{
	KUNIT_EXPECT_LE(test, sizeof(struct fwd_session), (size_t)256 + sizeof(spinlock_t) * 2);
	kunit_info(test, "struct fwd_session: %zu bytes", sizeof(struct fwd_session));
}

static struct kunit_case session_logic_cases[] = {
	KUNIT_CASE(tuple_normalisation),
	KUNIT_CASE(tcp_normal_close),
	KUNIT_CASE(tcp_close_fin_ack_combined),
	KUNIT_CASE(tcp_simultaneous_close),
	KUNIT_CASE(tcp_rst),
	KUNIT_CASE(tcp_blind_segments),
	KUNIT_CASE(tcp_half_open),
	KUNIT_CASE(tcp_bad_flags),
	KUNIT_CASE(tcp_retransmit_wraparound),
	KUNIT_CASE(timeout_classes),
	KUNIT_CASE(session_size),
	{}
};

static struct kunit_suite session_logic_suite = {
	.name = "forwarder_session_logic",
	.test_cases = session_logic_cases,
};

static struct kunit_case session_table_cases[] = {
	KUNIT_CASE(table_tcp_events),
	KUNIT_CASE(table_sink_order),
	KUNIT_CASE(table_timeouts),
	KUNIT_CASE(table_eviction),
	KUNIT_CASE(table_flood_ack),
	KUNIT_CASE(meta_keys_by_name),
	KUNIT_CASE(table_metadata),
	KUNIT_CASE(table_session_hold),
	KUNIT_CASE(table_drop_next),
	KUNIT_CASE(table_flush_with_sessions),
	KUNIT_CASE(table_global_limit),
	{}
};

static struct kunit_suite session_table_suite = {
	.name = "forwarder_session_table",
	.init = session_table_test_init,
	.exit = session_table_test_exit,
	.test_cases = session_table_cases,
};

kunit_test_suites(&session_logic_suite, &session_table_suite);

