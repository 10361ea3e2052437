// SPDX-License-Identifier: GPL-2.0-only
/*
 * Token buckets in nanoseconds of credit. A rate is turned once into a
 * multiplier and a shift (the packet schedulers' psched_ratecfg), so a
 * packet's cost is one multiply and one shift;
 * refilling adds the elapsed time. Buckets may go negative: a packet larger
 * than its bucket passes when the bucket is full and the debt is paid off
 * afterwards, so nothing is starved and the long-run rate stays exact.
 *
 * Colours follow RFC 2697 (srTCM: C overflows into E, both at CIR) and
 * RFC 2698 (trTCM: P at PIR, C at CIR), colour-blind.
 */
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <kunit/visibility.h>

#include "aqm_core.h"

/**
 * fwd_aqm_meter_cfg_init - a meter from rates (bytes/s) and bucket sizes (bytes)
 * @m: output
 * @kind: enum aqm_meter_kind
 * @cir: committed rate
 * @cbs: committed burst
 * @ebs: excess burst (srTCM)
 * @pir: peak rate (trTCM)
 * @pbs: peak burst (trTCM)
 *
 * Return: 0 or -EINVAL for a zero rate or an empty bucket.
 */
int fwd_aqm_meter_cfg_init(struct aqm_meter_cfg *m, u8 kind, u64 cir, u32 cbs, u32 ebs,
			   u64 pir, u32 pbs)
{
	memset(m, 0, sizeof(*m));
	if (!cir || !cbs)
		return -EINVAL;
	m->kind = kind;
	aqm_rate_init(&m->cir, cir);
	m->cbs_ns = aqm_l2t(&m->cir, cbs);
	if (kind == AQM_METER_SRTCM) {
		if (!ebs)
			return -EINVAL;
		m->ebs_ns = aqm_l2t(&m->cir, ebs);
	} else if (kind == AQM_METER_TRTCM) {
		if (!pir || !pbs)
			return -EINVAL;
		aqm_rate_init(&m->pir, pir);
		m->pbs_ns = aqm_l2t(&m->pir, pbs);
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(fwd_aqm_meter_cfg_init);

/* Both RFCs start with full buckets. */
void fwd_aqm_bucket_fill(const struct aqm_meter_cfg *m, struct aqm_bucket *b, u64 now)
{
	b->tc = m->cbs_ns;
	b->te = m->ebs_ns;
	b->tp = m->pbs_ns;
	b->t_last = now;
}
EXPORT_SYMBOL_IF_KUNIT(fwd_aqm_bucket_fill);

/* What a bucket lacks to be full, a debt included; 0 when it is full or over. */
static u64 aqm_deficit(s64 tokens, s64 depth)
{
	return tokens < depth ? (u64)depth - (u64)tokens : 0;
}

/**
 * fwd_aqm_bucket_refill - add the credit earned since the last refill
 * @m: the meter
 * @b: its buckets
 * @now: ns; a time before the last refill (clock read outside the lock on
 *	another CPU) adds nothing and does not move the reference back
 *
 * No sum can overflow: the elapsed time is only ever added up to what a
 * bucket lacks, each deficit is below 2^63 (a depth of at most U32_MAX bytes
 * at 1 byte/s is 2^62 ns, a debt at most one packet's cost, as large), and a
 * bucket over its depth (after a change to smaller buckets) lacks nothing
 * rather than taking credit from the others.
 */
void fwd_aqm_bucket_refill(const struct aqm_meter_cfg *m, struct aqm_bucket *b, u64 now)
{
	u64 delta, dc;

	if ((s64)(now - b->t_last) <= 0)
		return;
	delta = now - b->t_last;
	b->t_last = now;

	/* C at CIR; in srTCM what overflows C goes to E. */
	dc = aqm_deficit(b->tc, m->cbs_ns);
	if (delta >= dc) {
		if (m->kind == AQM_METER_SRTCM)
			b->te += (s64)min(delta - dc, aqm_deficit(b->te, m->ebs_ns));
		b->tc = m->cbs_ns;
	} else {
		b->tc += delta;
	}
	if (m->kind == AQM_METER_TRTCM)
		b->tp += (s64)min(delta, aqm_deficit(b->tp, m->pbs_ns));
	/* A change to smaller buckets takes effect here. */
	b->te = min(b->te, m->ebs_ns);
	b->tp = min(b->tp, m->pbs_ns);
}
EXPORT_SYMBOL_IF_KUNIT(fwd_aqm_bucket_refill);

/* Enough credit for @cost, or a full bucket for a packet larger than it. */
static bool aqm_fits(s64 tokens, s64 cost, s64 depth)
{
	return tokens >= min(cost, depth);
}

/**
 * fwd_aqm_meter_colour - refill, colour a packet of @len bytes and take its tokens
 * @m: the meter
 * @b: its buckets, under the group lock
 * @len: wire bytes
 * @now: ns
 *
 * Single rate: green (conform) or yellow (exceed). srTCM and trTCM: green,
 * yellow or red as their RFCs define; a red packet takes no token.
 * Return: the colour.
 */
enum aqm_colour fwd_aqm_meter_colour(const struct aqm_meter_cfg *m, struct aqm_bucket *b,
				     u32 len, u64 now)
{
	s64 cost = aqm_l2t(&m->cir, len);

	fwd_aqm_bucket_refill(m, b, now);
	switch (m->kind) {
	case AQM_METER_SRTCM:
		if (aqm_fits(b->tc, cost, m->cbs_ns)) {
			b->tc -= cost;
			return AQM_GREEN;
		}
		if (aqm_fits(b->te, cost, m->ebs_ns)) {
			b->te -= cost;
			return AQM_YELLOW;
		}
		return AQM_RED;
	case AQM_METER_TRTCM: {
		s64 pcost = aqm_l2t(&m->pir, len);

		if (!aqm_fits(b->tp, pcost, m->pbs_ns))
			return AQM_RED;
		b->tp -= pcost;
		if (!aqm_fits(b->tc, cost, m->cbs_ns))
			return AQM_YELLOW;
		b->tc -= cost;
		return AQM_GREEN;
	}
	default:
		if (!aqm_fits(b->tc, cost, m->cbs_ns))
			return AQM_YELLOW;
		b->tc -= cost;
		return AQM_GREEN;
	}
}
EXPORT_SYMBOL_IF_KUNIT(fwd_aqm_meter_colour);

/**
 * fwd_aqm_shape_wait - how long a packet of @len bytes must wait to leave
 * @m: the meter (C, and P when there is a peak rate)
 * @b: its buckets, refilled
 * @len: wire bytes
 *
 * Return: 0 if it may leave now, else the ns until it may.
 */
s64 fwd_aqm_shape_wait(const struct aqm_meter_cfg *m, const struct aqm_bucket *b, u32 len)
{
	s64 wait = min(aqm_l2t(&m->cir, len), m->cbs_ns) - b->tc;

	if (m->kind == AQM_METER_TRTCM)
		wait = max(wait, min(aqm_l2t(&m->pir, len), m->pbs_ns) - b->tp);
	return max_t(s64, wait, 0);
}
EXPORT_SYMBOL_IF_KUNIT(fwd_aqm_shape_wait);

void fwd_aqm_shape_consume(const struct aqm_meter_cfg *m, struct aqm_bucket *b, u32 len)
{
	b->tc -= aqm_l2t(&m->cir, len);
	if (m->kind == AQM_METER_TRTCM)
		b->tp -= aqm_l2t(&m->pir, len);
}
EXPORT_SYMBOL_IF_KUNIT(fwd_aqm_shape_consume);
