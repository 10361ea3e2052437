// SPDX-License-Identifier: GPL-2.0-only
/*
 * Pure flow logic: tuple normalisation, the TCP state of each end of a
 * connection, retransmission detection and timeout selection. No skbs, no
 * locks, no allocation: the caller owns the structs, KUnit drives them directly.
 *
 * Each end's state is the one that end itself holds: a segment from S to R
 * moves S as its sender and R as its receiver (assuming it arrives), so a
 * normal close leaves the active closer in TIME_WAIT and the other in CLOSED.
 *
 * A segment moves the state only if it is in the flow's window, a simplified
 * form of nf_conntrack's tcp_in_window(): its sequence number within
 * FWD_TCP_WINDOW of what its sender sent so far, and its ACK not beyond what
 * the receiver sent. A RST must moreover carry exactly the sequence number
 * one of the ends expects (RFC 5961, as conntrack does), and a FIN must not
 * end the stream inside data the receiver already acknowledged. A blind RST
 * or FIN is then counted as invalid by the caller and changes nothing, and
 * cannot move next_seq either; the endpoints still get it and judge it
 * themselves (an in-window RST draws a challenge ACK, and a real reset then
 * comes back with the exact number).
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/socket.h>
#include <net/tcp.h>
#include <kunit/visibility.h>

#include "session_core.h"

/**
 * fwd_key_from_tuple - direction-normalised key of a packet's flow
 * @t: the packet's tuple
 * @k: the key (fully written, padding zeroed)
 *
 * Return: the index in @k of the packet's source endpoint (0 or 1).
 */
int fwd_key_from_tuple(const struct fwd_tuple *t, struct fwd_key *k)
{
	size_t alen = t->family == AF_INET ? sizeof(__be32) : sizeof(struct in6_addr);
	int src, c;

	c = memcmp(&t->src, &t->dst, alen);
	if (!c)
		c = (int)ntohs(t->sport) - (int)ntohs(t->dport);
	src = c > 0;

	memset(k, 0, sizeof(*k));
	memcpy(&k->addr[src], &t->src, alen);
	memcpy(&k->addr[!src], &t->dst, alen);
	k->port[src] = t->sport;
	k->port[!src] = t->dport;
	k->family = t->family;
	k->proto = t->proto;
	return src;
}
EXPORT_SYMBOL_IF_KUNIT(fwd_key_from_tuple);

/*
 * The combinations a real stack sends (URG, PSH, ECE and CWR do not matter):
 * anything else (no flag at all, SYN with FIN or RST, FIN without ACK...) is
 * a scan or garbage, never tracked.
 */
bool fwd_tcp_flags_valid(u8 flags)
{
	switch (flags & (TCPHDR_FIN | TCPHDR_SYN | TCPHDR_RST | TCPHDR_ACK)) {
	case TCPHDR_SYN:
	case TCPHDR_SYN | TCPHDR_ACK:
	case TCPHDR_RST:
	case TCPHDR_RST | TCPHDR_ACK:
	case TCPHDR_FIN | TCPHDR_ACK:
	case TCPHDR_ACK:
		return true;
	default:
		return false;
	}
}
EXPORT_SYMBOL_IF_KUNIT(fwd_tcp_flags_valid);

static u32 seg_end(const struct fwd_tcp_seg *seg)
{
	return seg->seq + seg->len + !!(seg->flags & TCPHDR_SYN) + !!(seg->flags & TCPHDR_FIN);
}

/**
 * fwd_tcp_init - states of a new connection, from the segment that created it
 * @tcp: both ends, indexed by enum fwd_dir (the sender of @seg is the client)
 * @seg: the first segment
 *
 * A SYN starts a handshake (the server is listening). Anything else is a
 * connection already running when we first saw it: both ends are taken as
 * established (loose pick-up, as nf_conntrack does). The session is not
 * "assured" for that (the table's established flag): that takes traffic in
 * both directions, so spoofed one-way segments stay evictable.
 */
void fwd_tcp_init(struct fwd_tcp_side tcp[FWD_DIR_MAX], const struct fwd_tcp_seg *seg)
{
	memset(tcp, 0, sizeof(*tcp) * FWD_DIR_MAX);
	if ((seg->flags & (TCPHDR_SYN | TCPHDR_ACK)) == TCPHDR_SYN) {
		tcp[FWD_DIR_ORIG].state = FWD_TCP_NONE;
		tcp[FWD_DIR_REPLY].state = FWD_TCP_LISTEN;
	} else {
		tcp[FWD_DIR_ORIG].state = FWD_TCP_ESTABLISHED;
		tcp[FWD_DIR_REPLY].state = FWD_TCP_ESTABLISHED;
	}
}
EXPORT_SYMBOL_IF_KUNIT(fwd_tcp_init);

/**
 * fwd_tcp_is_retransmit - was this segment's sequence range already sent?
 * @snd: the sender's end, before the segment is applied
 * @seg: the segment
 *
 * Segments that occupy no sequence space (pure ACKs) never are. Serial number
 * arithmetic, so it holds across the 2^32 wrap-around.
 */
bool fwd_tcp_is_retransmit(const struct fwd_tcp_side *snd, const struct fwd_tcp_seg *seg)
{
	if (seg_end(seg) == seg->seq)
		return false;
	if (!(snd->flags & FWD_TCPF_SEQ_VALID))
		return false;
	if (seg->flags & TCPHDR_RST)
		return false;
	return before(seg->seq, snd->next_seq);
}
EXPORT_SYMBOL_IF_KUNIT(fwd_tcp_is_retransmit);

/* The receiver learns that its FIN was acknowledged. */
static void fwd_tcp_rcv_fin_acked(struct fwd_tcp_side *rcv)
{
	rcv->flags |= FWD_TCPF_FIN_ACKED;
	switch (rcv->state) {
	case FWD_TCP_FIN_WAIT_1:
		rcv->state = FWD_TCP_FIN_WAIT_2;
		break;
	case FWD_TCP_CLOSING:
		rcv->state = FWD_TCP_TIME_WAIT;
		break;
	case FWD_TCP_LAST_ACK:
		rcv->state = FWD_TCP_CLOSED;
		break;
	default:
		break;
	}
}

/**
 * fwd_tcp_in_window - may this segment move the connection's state?
 * @tcp: both ends, indexed by enum fwd_dir
 * @dir: direction of the segment
 * @seg: the segment
 *
 * The ACK must not acknowledge more than the receiver sent. The sequence
 * number must not be more than FWD_TCP_WINDOW ahead of what the sender sent;
 * a FIN must not be more than that behind it either, nor end the sender's
 * stream inside what the receiver acknowledged (the stream cannot end inside
 * bytes that were received). A RST must carry the sender's next sequence
 * number (an active reset) or the one the receiver last acknowledged (a
 * reset answering one of its segments, or its challenge ACK): a RST
 * anywhere else in the window is what RFC 5961's receiver answers with a
 * challenge ACK, not a close. An end whose sequence numbers were never seen
 * (it has not sent anything yet: an unanswered SYN, a one-way pick-up) has
 * no window: its RST must then acknowledge exactly what the other end sent
 * (the RST to a SYN), or carry no ACK (the answer to a picked-up segment,
 * which takes its sequence number from that segment's ACK, which we do not
 * keep). Such a session never saw traffic both ways, so it is evictable
 * anyway.
 */
bool fwd_tcp_in_window(const struct fwd_tcp_side tcp[FWD_DIR_MAX], enum fwd_dir dir,
		       const struct fwd_tcp_seg *seg)
{
	const struct fwd_tcp_side *snd = &tcp[dir], *rcv = &tcp[!dir];
	u32 fin;

	if ((seg->flags & TCPHDR_ACK) && (rcv->flags & FWD_TCPF_SEQ_VALID) &&
	    after(seg->ack, rcv->next_seq))
		return false;
	if (!(snd->flags & FWD_TCPF_SEQ_VALID)) {
		if (!(seg->flags & TCPHDR_RST) || !(seg->flags & TCPHDR_ACK))
			return true;
		return (rcv->flags & FWD_TCPF_SEQ_VALID) && seg->ack == rcv->next_seq;
	}
	if (seg->flags & TCPHDR_RST)
		return seg->seq == snd->next_seq ||
		       ((rcv->flags & FWD_TCPF_ACK_VALID) && seg->seq == rcv->max_ack);
	if (after(seg->seq, snd->next_seq + FWD_TCP_WINDOW))
		return false;
	if (!(seg->flags & TCPHDR_FIN))
		return true;
	/*
	 * The FIN takes the sequence number after its payload: acknowledged
	 * already, it was a byte of data, unless it is the FIN we saw.
	 */
	fin = seg->seq + seg->len;
	if ((rcv->flags & FWD_TCPF_ACK_VALID) && before(fin, rcv->max_ack) &&
	    !((snd->flags & FWD_TCPF_FIN_SEEN) && fin + 1 == snd->fin_end))
		return false;
	return !before(seg->seq, snd->next_seq - FWD_TCP_WINDOW);
}
EXPORT_SYMBOL_IF_KUNIT(fwd_tcp_in_window);

/**
 * fwd_tcp_update - apply one segment to both ends
 * @tcp: both ends, indexed by enum fwd_dir
 * @dir: direction of the segment (its sender is @tcp[@dir])
 * @seg: the segment; its flags must have passed fwd_tcp_flags_valid()
 *
 * Return: false if the segment is out of the flow's window
 * (fwd_tcp_in_window()): then nothing changed.
 */
bool fwd_tcp_update(struct fwd_tcp_side tcp[FWD_DIR_MAX], enum fwd_dir dir,
		    const struct fwd_tcp_seg *seg)
{
	struct fwd_tcp_side *snd = &tcp[dir], *rcv = &tcp[!dir];
	bool ack = seg->flags & TCPHDR_ACK;
	u32 end = seg_end(seg);

	if (!fwd_tcp_in_window(tcp, dir, seg))
		return false;
	if (!(snd->flags & FWD_TCPF_SEQ_VALID) || after(end, snd->next_seq)) {
		snd->next_seq = end;
		snd->flags |= FWD_TCPF_SEQ_VALID;
	}
	/* Only an ACK the window check bounded (by what the receiver sent). */
	if (ack && (rcv->flags & FWD_TCPF_SEQ_VALID) &&
	    (!(snd->flags & FWD_TCPF_ACK_VALID) || after(seg->ack, snd->max_ack))) {
		snd->max_ack = seg->ack;
		snd->flags |= FWD_TCPF_ACK_VALID;
	}

	if (seg->flags & TCPHDR_RST) {
		snd->state = FWD_TCP_CLOSED;
		rcv->state = FWD_TCP_CLOSED;
		return true;
	}

	if (seg->flags & TCPHDR_SYN) {
		snd->isn = seg->seq;
		snd->flags |= FWD_TCPF_SYN_SEEN;
		if (!ack) {
			/* Active open; the peer answers from LISTEN. */
			if (snd->state == FWD_TCP_NONE || snd->state == FWD_TCP_CLOSED ||
			    snd->state == FWD_TCP_TIME_WAIT)
				snd->state = FWD_TCP_SYN_SENT;
			if (rcv->state == FWD_TCP_NONE || rcv->state == FWD_TCP_LISTEN)
				rcv->state = FWD_TCP_SYN_RCVD;
			else if (rcv->state == FWD_TCP_SYN_SENT)
				rcv->state = FWD_TCP_SYN_RCVD;	/* simultaneous open */
		} else {
			if (snd->state == FWD_TCP_NONE || snd->state == FWD_TCP_LISTEN)
				snd->state = FWD_TCP_SYN_RCVD;
			/* The client gets the SYN/ACK for its SYN: established. */
			if (rcv->state == FWD_TCP_SYN_SENT && (rcv->flags & FWD_TCPF_SYN_SEEN) &&
			    seg->ack == rcv->isn + 1)
				rcv->state = FWD_TCP_ESTABLISHED;
		}
	}

	if (ack) {
		/* The server gets the ACK of its SYN/ACK. */
		if (rcv->state == FWD_TCP_SYN_RCVD && (rcv->flags & FWD_TCPF_SYN_SEEN) &&
		    !before(seg->ack, rcv->isn + 1) && !(seg->flags & TCPHDR_SYN))
			rcv->state = FWD_TCP_ESTABLISHED;
		/* A SYN_SENT end acking the peer's SYN got the SYN/ACK (missed). */
		if (snd->state == FWD_TCP_SYN_SENT && (rcv->flags & FWD_TCPF_SYN_SEEN) &&
		    !(seg->flags & TCPHDR_SYN))
			snd->state = FWD_TCP_ESTABLISHED;
		if ((rcv->flags & FWD_TCPF_FIN_SEEN) && !(rcv->flags & FWD_TCPF_FIN_ACKED) &&
		    !before(seg->ack, rcv->fin_end))
			fwd_tcp_rcv_fin_acked(rcv);
	}

	if (seg->flags & TCPHDR_FIN) {
		bool acks_peer_fin = (rcv->flags & FWD_TCPF_FIN_SEEN) && ack &&
				     !before(seg->ack, rcv->fin_end);

		snd->fin_end = end;
		snd->flags |= FWD_TCPF_FIN_SEEN;
		switch (snd->state) {
		case FWD_TCP_SYN_RCVD:
		case FWD_TCP_ESTABLISHED:
			snd->state = FWD_TCP_FIN_WAIT_1;
			break;
		case FWD_TCP_CLOSE_WAIT:
			/*
			 * It had not received the peer's FIN when it sent its
			 * own: both closed at once.
			 */
			snd->state = acks_peer_fin ? FWD_TCP_LAST_ACK : FWD_TCP_CLOSING;
			break;
		default:
			break;
		}
		switch (rcv->state) {
		case FWD_TCP_SYN_RCVD:
		case FWD_TCP_ESTABLISHED:
			rcv->state = FWD_TCP_CLOSE_WAIT;
			break;
		case FWD_TCP_FIN_WAIT_1:
			rcv->state = FWD_TCP_CLOSING;
			break;
		case FWD_TCP_FIN_WAIT_2:
			rcv->state = FWD_TCP_TIME_WAIT;
			break;
		default:
			break;
		}
	}
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(fwd_tcp_update);

static bool fwd_tcp_state_closed(u8 st)
{
	return st == FWD_TCP_CLOSED || st == FWD_TCP_TIME_WAIT;
}

/* Both ends are gone: the tuple may be reused by a new connection. */
bool fwd_tcp_both_closed(const struct fwd_tcp_side tcp[FWD_DIR_MAX])
{
	return fwd_tcp_state_closed(tcp[0].state) && fwd_tcp_state_closed(tcp[1].state);
}
EXPORT_SYMBOL_IF_KUNIT(fwd_tcp_both_closed);

/**
 * fwd_tclass_of - which timeout applies
 * @proto: IPPROTO_TCP or IPPROTO_UDP
 * @tcp: both ends (TCP only)
 * @assured: the session saw traffic both ways (struct fwd_session.established)
 *
 * Once either end has started closing, the closing timeout; both established
 * and assured, the established one; anything else (a one-way pick-up
 * included) is still in the handshake.
 */
enum fwd_tclass fwd_tclass_of(u8 proto, const struct fwd_tcp_side tcp[FWD_DIR_MAX],
			      bool assured)
{
	if (proto != IPPROTO_TCP)
		return FWD_TCLASS_UDP;
	if (tcp[0].state > FWD_TCP_ESTABLISHED || tcp[1].state > FWD_TCP_ESTABLISHED)
		return FWD_TCLASS_TCP_CLOSING;
	if (assured && tcp[0].state == FWD_TCP_ESTABLISHED &&
	    tcp[1].state == FWD_TCP_ESTABLISHED)
		return FWD_TCLASS_TCP_ESTABLISHED;
	return FWD_TCLASS_TCP_HANDSHAKE;
}
EXPORT_SYMBOL_IF_KUNIT(fwd_tclass_of);

unsigned int fwd_tclass_secs(const struct fwd_session_cfg *cfg, enum fwd_tclass tc)
{
	switch (tc) {
	case FWD_TCLASS_TCP_ESTABLISHED:
		return READ_ONCE(cfg->timeout_tcp_established);
	case FWD_TCLASS_TCP_CLOSING:
		return READ_ONCE(cfg->timeout_tcp_closing);
	case FWD_TCLASS_UDP:
		return READ_ONCE(cfg->timeout_udp);
	case FWD_TCLASS_TCP_HANDSHAKE:
	default:
		return READ_ONCE(cfg->timeout_tcp_handshake);
	}
}
EXPORT_SYMBOL_IF_KUNIT(fwd_tclass_secs);

static const char * const fwd_tcp_state_names[FWD_TCP_STATE_MAX] = {
	[FWD_TCP_NONE]		= "NONE",
	[FWD_TCP_LISTEN]	= "LISTEN",
	[FWD_TCP_SYN_SENT]	= "SYN_SENT",
	[FWD_TCP_SYN_RCVD]	= "SYN_RCVD",
	[FWD_TCP_ESTABLISHED]	= "ESTABLISHED",
	[FWD_TCP_FIN_WAIT_1]	= "FIN_WAIT_1",
	[FWD_TCP_FIN_WAIT_2]	= "FIN_WAIT_2",
	[FWD_TCP_CLOSING]	= "CLOSING",
	[FWD_TCP_TIME_WAIT]	= "TIME_WAIT",
	[FWD_TCP_CLOSE_WAIT]	= "CLOSE_WAIT",
	[FWD_TCP_LAST_ACK]	= "LAST_ACK",
	[FWD_TCP_CLOSED]	= "CLOSED",
};

const char *fwd_tcp_state_name(enum fwd_tcp_state st)
{
	if ((unsigned int)st >= FWD_TCP_STATE_MAX)
		return "?";
	return fwd_tcp_state_names[st];
}
EXPORT_SYMBOL_GPL(fwd_tcp_state_name);
