// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit: rate groups. The token bucket's cost arithmetic, single-rate
 * colouring, packets larger than the bucket, the clock going backwards, the
 * largest buckets and debts without overflow, a change to a smaller bucket;
 * srTCM and trTCM colour sequences compared packet by packet with the RFC
 * 2697 and RFC 2698 definitions computed in bytes; tc unit parsing; the CoDel control
 * law against interval / sqrt(count), its drop schedule, and its target and
 * interval scaled to the rate.
 */
#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/math.h>
#include <linux/math64.h>
#include <linux/spinlock.h>
#include <net/net_namespace.h>

#include "aqm/aqm_core.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define US	1000ULL		/* ns */
#define MS	1000000ULL

/* ---- rates and costs ---------------------------------------------------- */

static void rate_costs(struct kunit *test)
{
	struct psched_ratecfg r;

	aqm_rate_init(&r, 1000000);		/* 8 Mbit/s: 1000 ns per byte */
	KUNIT_EXPECT_EQ(test, aqm_l2t(&r, 1000), 1000000LL);
	KUNIT_EXPECT_EQ(test, aqm_l2t(&r, 1), 1000LL);

	aqm_rate_init(&r, 1250000);		/* 10 Mbit/s: 800 ns per byte */
	KUNIT_EXPECT_EQ(test, aqm_l2t(&r, 1500), 1200000LL);
	KUNIT_EXPECT_EQ(test, aqm_l2t(&r, 65536), 52428800LL);

	aqm_rate_init(&r, 8000);		/* 64 kbit/s */
	KUNIT_EXPECT_EQ(test, aqm_l2t(&r, 1500), 187500000LL);

	aqm_rate_init(&r, 1);			/* the smallest rate: 8 bit/s */
	KUNIT_EXPECT_EQ(test, aqm_l2t(&r, 3), 3000000000LL);

	/* 100 Gbit/s: 0.08 ns per byte, still exact to a nanosecond for 64k. */
	aqm_rate_init(&r, 12500000000ULL);
	KUNIT_EXPECT_LE(test, abs(aqm_l2t(&r, 65536) - 5243LL), 1LL);
}

/* ---- single rate ------------------------------------------------------- */

static void single_rate(struct kunit *test)
{
	struct aqm_meter_cfg m;
	struct aqm_bucket b;
	u64 t = 10 * MS;

	KUNIT_ASSERT_EQ(test, fwd_aqm_meter_cfg_init(&m, AQM_METER_SINGLE, 1000000, 3000, 0, 0, 0), 0);
	fwd_aqm_bucket_fill(&m, &b, t);
	/* A full bucket of 3000 bytes: three 1000-byte packets conform. */
	KUNIT_EXPECT_EQ(test, fwd_aqm_meter_colour(&m, &b, 1000, t), AQM_GREEN);
	KUNIT_EXPECT_EQ(test, fwd_aqm_meter_colour(&m, &b, 1000, t), AQM_GREEN);
	KUNIT_EXPECT_EQ(test, fwd_aqm_meter_colour(&m, &b, 1000, t), AQM_GREEN);
	KUNIT_EXPECT_EQ(test, fwd_aqm_meter_colour(&m, &b, 1000, t), AQM_YELLOW);
	/* An exceeding packet takes nothing: 1 ms later exactly one more fits. */
	t += MS;
	KUNIT_EXPECT_EQ(test, fwd_aqm_meter_colour(&m, &b, 1000, t), AQM_GREEN);
	KUNIT_EXPECT_EQ(test, fwd_aqm_meter_colour(&m, &b, 1, t), AQM_YELLOW);
	/* A long idle period fills the bucket, no more. */
	t += 3600 * 1000 * MS;
	fwd_aqm_bucket_refill(&m, &b, t);
	KUNIT_EXPECT_EQ(test, b.tc, m.cbs_ns);
}

/* A packet larger than the bucket passes when it is full, then is paid off. */
static void large_packet_not_starved(struct kunit *test)
{
	struct aqm_meter_cfg m;
	struct aqm_bucket b;
	u64 t = MS;

	KUNIT_ASSERT_EQ(test, fwd_aqm_meter_cfg_init(&m, AQM_METER_SINGLE, 1000000, 3000, 0, 0, 0), 0);
	fwd_aqm_bucket_fill(&m, &b, t);
	KUNIT_EXPECT_EQ(test, fwd_aqm_meter_colour(&m, &b, 65000, t), AQM_GREEN);
	KUNIT_EXPECT_EQ(test, b.tc, (s64)(3000 - 65000) * 1000);
	/* The debt (62000 bytes) is paid at the rate: nothing before 62 ms... */
	t += 62 * MS;
	KUNIT_EXPECT_EQ(test, fwd_aqm_meter_colour(&m, &b, 1, t), AQM_YELLOW);
	/* ...then the bucket fills again and the next large packet passes. */
	t += 3 * MS;
	KUNIT_EXPECT_EQ(test, fwd_aqm_meter_colour(&m, &b, 65000, t), AQM_GREEN);

	/* Shaping: the wait is what is missing, and 0 once the bucket is full. */
	fwd_aqm_bucket_fill(&m, &b, t);
	KUNIT_EXPECT_EQ(test, fwd_aqm_shape_wait(&m, &b, 65000), 0LL);
	fwd_aqm_shape_consume(&m, &b, 65000);
	KUNIT_EXPECT_EQ(test, fwd_aqm_shape_wait(&m, &b, 1000), 63000LL * 1000);
	KUNIT_EXPECT_EQ(test, fwd_aqm_shape_wait(&m, &b, 65000), 65000LL * 1000);
}

/* A clock read on another CPU may be behind: no credit, no reference moved back. */
static void clock_backwards(struct kunit *test)
{
	struct aqm_meter_cfg m;
	struct aqm_bucket b;

	KUNIT_ASSERT_EQ(test, fwd_aqm_meter_cfg_init(&m, AQM_METER_SINGLE, 1000000, 3000, 0, 0, 0), 0);
	fwd_aqm_bucket_fill(&m, &b, 100 * MS);
	fwd_aqm_shape_consume(&m, &b, 3000);
	fwd_aqm_bucket_refill(&m, &b, 99 * MS);
	KUNIT_EXPECT_EQ(test, b.tc, 0LL);
	KUNIT_EXPECT_EQ(test, b.t_last, 100 * MS);
	fwd_aqm_bucket_refill(&m, &b, 101 * MS);
	KUNIT_EXPECT_EQ(test, b.tc, 1000LL * 1000);
}

/*
 * The largest buckets (U32_MAX bytes at 1 byte/s, 2^62 ns each) and the
 * largest debts (a U32_MAX-byte packet through 1500-byte buckets): idle
 * times of S64_MAX / 2 ns fill every bucket to exactly its depth, never
 * beyond it or wrapped negative.
 */
static void extreme_depths(struct kunit *test)
{
	static const u32 bursts[] = { U32_MAX, 1500 };
	const s64 deep = (s64)U32_MAX * NSEC_PER_SEC;
	struct aqm_meter_cfg m;
	struct aqm_bucket b;
	unsigned int i, k, n;

	for (k = AQM_METER_SINGLE; k <= AQM_METER_TRTCM; k++) {
		for (i = 0; i < ARRAY_SIZE(bursts); i++) {
			u32 bs = bursts[i];
			u64 t = MS;

			KUNIT_ASSERT_EQ(test, fwd_aqm_meter_cfg_init(&m, k, 1, bs,
								     k == AQM_METER_SRTCM ? bs : 0,
							 k == AQM_METER_TRTCM ? 1 : 0,
							 k == AQM_METER_TRTCM ? bs : 0), 0);
			if (bs == U32_MAX)
				KUNIT_EXPECT_EQ(test, m.cbs_ns, deep);
			fwd_aqm_bucket_fill(&m, &b, t);
			for (n = 0; n < 4; n++) {
				fwd_aqm_meter_colour(&m, &b, U32_MAX, t);
				KUNIT_EXPECT_GE(test, b.tc, -deep);
				KUNIT_EXPECT_GE(test, b.te, -deep);
				KUNIT_EXPECT_GE(test, b.tp, -deep);
				t += U32_MAX;
			}
			/* C and P fill first; srTCM's E from what overflows C. */
			t += S64_MAX / 2;
			fwd_aqm_bucket_refill(&m, &b, t);
			KUNIT_EXPECT_EQ(test, b.tc, m.cbs_ns);
			KUNIT_EXPECT_LE(test, b.te, m.ebs_ns);
			KUNIT_EXPECT_GE(test, b.te, -deep);
			KUNIT_EXPECT_EQ(test, b.tp, m.pbs_ns);
			t += S64_MAX / 2;
			fwd_aqm_bucket_refill(&m, &b, t);
			KUNIT_EXPECT_EQ(test, b.tc, m.cbs_ns);
			KUNIT_EXPECT_EQ(test, b.te, m.ebs_ns);
			KUNIT_EXPECT_EQ(test, b.tp, m.pbs_ns);
		}
	}
}

/*
 * "change" to a smaller ebs leaves E over its new depth until the next
 * refill: that must not cost C the credit of the time that passed (the
 * deficits were summed, E's negative one cancelling C's).
 */
static void smaller_bucket_keeps_refill(struct kunit *test)
{
	struct aqm_meter_cfg m;
	struct aqm_bucket b;
	u64 t = MS;

	KUNIT_ASSERT_EQ(test, fwd_aqm_meter_cfg_init(&m, AQM_METER_SRTCM, 1000000, 3000, 1000000,
						     0, 0), 0);
	fwd_aqm_bucket_fill(&m, &b, t);
	KUNIT_EXPECT_EQ(test, fwd_aqm_meter_colour(&m, &b, 3000, t), AQM_GREEN);
	/* As aqm_group_change() does: new parameters, the same buckets. */
	KUNIT_ASSERT_EQ(test, fwd_aqm_meter_cfg_init(&m, AQM_METER_SRTCM, 1000000, 3000, 3000,
						     0, 0), 0);
	t += 3 * MS;	/* C's 3000 bytes again */
	KUNIT_EXPECT_EQ(test, fwd_aqm_meter_colour(&m, &b, 3000, t), AQM_GREEN);
	KUNIT_EXPECT_EQ(test, b.tc, 0LL);
	KUNIT_EXPECT_EQ(test, b.te, m.ebs_ns);
}

/* ---- srTCM and trTCM against the RFCs ------------------------------------- */

static u32 lcg(u32 *state)
{
	*state = *state * 1664525 + 1013904223;
	return *state >> 8;
}

/*
 * RFC 2697, colour-blind, in bytes, time in µs and CIR = 1 byte/µs: tokens
 * go to C up to CBS, the rest to E up to EBS.
 */
struct srtcm_ref {
	u64 tc, te, cbs, ebs, last_us;
};

static enum aqm_colour srtcm_ref(struct srtcm_ref *r, u64 now_us, u32 len)
{
	u64 add = now_us - r->last_us;

	r->last_us = now_us;
	r->tc += add;
	if (r->tc > r->cbs) {
		r->te = min(r->te + r->tc - r->cbs, r->ebs);
		r->tc = r->cbs;
	}
	if (r->tc >= len) {
		r->tc -= len;
		return AQM_GREEN;
	}
	if (r->te >= len) {
		r->te -= len;
		return AQM_YELLOW;
	}
	return AQM_RED;
}

static void srtcm_rfc2697(struct kunit *test)
{
	struct srtcm_ref ref = { .tc = 4000, .te = 9000, .cbs = 4000, .ebs = 9000 };
	unsigned int i, n[AQM_COLOURS] = {};
	struct aqm_meter_cfg m;
	struct aqm_bucket b;
	u32 seed = 2697;
	u64 t_us = 0;

	KUNIT_ASSERT_EQ(test, fwd_aqm_meter_cfg_init(&m, AQM_METER_SRTCM, 1000000, 4000, 9000, 0, 0),
			0);
	fwd_aqm_bucket_fill(&m, &b, 0);
	for (i = 0; i < 5000; i++) {
		u32 len = 64 + lcg(&seed) % 1437;
		enum aqm_colour want, got;

		/* Bursts above CIR, and now and then a pause that fills C and E. */
		if (lcg(&seed) % 40 == 0)
			t_us += 15000;
		else
			t_us += (lcg(&seed) % 4) ? lcg(&seed) % 600 : 0;
		want = srtcm_ref(&ref, t_us, len);
		got = fwd_aqm_meter_colour(&m, &b, len, t_us * US);
		KUNIT_ASSERT_EQ_MSG(test, got, want, "packet %u (%u bytes at %llu us)", i, len, t_us);
		n[got]++;
	}
	/* The sequence exercised every colour. */
	KUNIT_EXPECT_GT(test, n[AQM_GREEN], 100U);
	KUNIT_EXPECT_GT(test, n[AQM_YELLOW], 100U);
	KUNIT_EXPECT_GT(test, n[AQM_RED], 100U);
}

/* RFC 2698, colour-blind, in bytes: PIR = 2 bytes/µs, CIR = 1 byte/µs. */
struct trtcm_ref {
	u64 tp, tc, pbs, cbs, last_us;
};

static enum aqm_colour trtcm_ref(struct trtcm_ref *r, u64 now_us, u32 len)
{
	u64 dt = now_us - r->last_us;

	r->last_us = now_us;
	r->tp = min(r->tp + 2 * dt, r->pbs);
	r->tc = min(r->tc + dt, r->cbs);
	if (r->tp < len)
		return AQM_RED;
	if (r->tc < len) {
		r->tp -= len;
		return AQM_YELLOW;
	}
	r->tp -= len;
	r->tc -= len;
	return AQM_GREEN;
}

static void trtcm_rfc2698(struct kunit *test)
{
	struct trtcm_ref ref = { .tp = 6000, .tc = 9000, .pbs = 6000, .cbs = 9000 };
	unsigned int i, n[AQM_COLOURS] = {};
	struct aqm_meter_cfg m;
	struct aqm_bucket b;
	u32 seed = 2698;
	u64 t_us = 0;

	KUNIT_ASSERT_EQ(test, fwd_aqm_meter_cfg_init(&m, AQM_METER_TRTCM, 1000000, 9000, 0,
						     2000000, 6000), 0);
	fwd_aqm_bucket_fill(&m, &b, 0);
	for (i = 0; i < 5000; i++) {
		u32 len = 64 + lcg(&seed) % 1437;
		enum aqm_colour want, got;

		t_us += (lcg(&seed) % 3) ? lcg(&seed) % 700 : 0;
		want = trtcm_ref(&ref, t_us, len);
		got = fwd_aqm_meter_colour(&m, &b, len, t_us * US);
		KUNIT_ASSERT_EQ_MSG(test, got, want, "packet %u (%u bytes at %llu us)", i, len, t_us);
		n[got]++;
	}
	KUNIT_EXPECT_GT(test, n[AQM_GREEN], 100U);
	KUNIT_EXPECT_GT(test, n[AQM_YELLOW], 100U);
	KUNIT_EXPECT_GT(test, n[AQM_RED], 100U);
}

/* ---- units ------------------------------------------------------------- */

static void parse_rates(struct kunit *test)
{
	static const struct { const char *s; int err; u64 bytes_ps; } cases[] = {
		{ "10mbit", 0, 1250000 }, { "10Mbit", 0, 1250000 }, { "1.5mbit", 0, 187500 },
		{ "64kbit", 0, 8000 }, { "1gbit", 0, 125000000 }, { "200mbit", 0, 25000000 },
		{ "1mbps", 0, 1000000 }, { "2kbps", 0, 2000 }, { "1kibit", 0, 128 },
		{ "1mibps", 0, 1048576 }, { "8", 0, 1 }, { "8bit", 0, 1 }, { "1tbit", 0, 125000000000ULL },
		{ "7bit", -EINVAL, 0 }, { "0mbit", -EINVAL, 0 }, { "", -EINVAL, 0 },
		{ "mbit", -EINVAL, 0 }, { "10mbps7", -EINVAL, 0 }, { "10 mbit", -EINVAL, 0 },
		{ "-1mbit", -EINVAL, 0 }, { "1.mbit", -EINVAL, 0 }, { "1.1234567mbit", -EINVAL, 0 },
		{ "10furlongs", -EINVAL, 0 }, { "99999999999999999999bit", -ERANGE, 0 },
		{ "99999999999tbit", -ERANGE, 0 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		u64 v = 0;

		KUNIT_EXPECT_EQ_MSG(test, fwd_aqm_parse_rate(cases[i].s, &v), cases[i].err, "'%s'",
				    cases[i].s);
		if (!cases[i].err)
			KUNIT_EXPECT_EQ_MSG(test, v, cases[i].bytes_ps, "'%s'", cases[i].s);
	}
}

static void parse_sizes(struct kunit *test)
{
	static const struct { const char *s; int err; u64 bytes; } cases[] = {
		{ "1500", 0, 1500 }, { "1500b", 0, 1500 }, { "64k", 0, 65536 }, { "64kb", 0, 65536 },
		{ "1m", 0, 1048576 }, { "1mb", 0, 1048576 }, { "1.5k", 0, 1536 }, { "8kbit", 0, 1024 },
		{ "1g", 0, 1073741824 }, { "64K", 0, 65536 },
		{ "64q", -EINVAL, 0 }, { "k", -EINVAL, 0 }, { "", -EINVAL, 0 }, { "0x10", -EINVAL, 0 },
		{ "5g", -ERANGE, 0 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		u64 v = 0;

		KUNIT_EXPECT_EQ_MSG(test, fwd_aqm_parse_size(cases[i].s, &v), cases[i].err, "'%s'",
				    cases[i].s);
		if (!cases[i].err)
			KUNIT_EXPECT_EQ_MSG(test, v, cases[i].bytes, "'%s'", cases[i].s);
	}
}

static void cfg_checks(struct kunit *test)
{
	struct fwd_group_cfg ok = {
		.rate = 1250000, .burst = 1500, .limit_pkts = 1, .limit_bytes = 1500,
	}, c;
	const char *why = NULL;

	KUNIT_EXPECT_EQ(test, fwd_aqm_cfg_check(&ok, &why), 0);
	c = ok;
	c.rate = 0;
	KUNIT_EXPECT_EQ(test, fwd_aqm_cfg_check(&c, &why), -EINVAL);
	c = ok;
	c.burst = 1499;
	KUNIT_EXPECT_EQ(test, fwd_aqm_cfg_check(&c, &why), -EINVAL);
	c = ok;
	c.peakrate = 2500000;
	KUNIT_EXPECT_EQ(test, fwd_aqm_cfg_check(&c, &why), -EINVAL);	/* no pburst */
	c.pburst = 3000;
	KUNIT_EXPECT_EQ(test, fwd_aqm_cfg_check(&c, &why), 0);
	c.peakrate = 1000000;
	KUNIT_EXPECT_EQ(test, fwd_aqm_cfg_check(&c, &why), -EINVAL);	/* below rate */
	c = ok;
	c.ebs = 3000;
	c.peakrate = 2500000;
	c.pburst = 3000;
	KUNIT_EXPECT_EQ(test, fwd_aqm_cfg_check(&c, &why), -EINVAL);	/* srTCM and trTCM */
}

/* ---- CoDel ------------------------------------------------------------- */

/* interval / sqrt(count) in ns, from integer square roots. */
static u64 codel_expected(u64 interval, u32 count)
{
	return div64_u64(interval * 100000000ULL, int_sqrt64((u64)count * 10000000000000000ULL));
}

static void codel_control_law(struct kunit *test)
{
	struct aqm_codel_vars v;
	u32 count;

	fwd_aqm_codel_reset(&v);
	v.count = 1;
	KUNIT_EXPECT_EQ(test, fwd_aqm_codel_control_law(0, 100 * MS, v.rec_inv_sqrt), 100 * MS - 1);
	/* One Newton step per count increment, as the drop schedule does. */
	for (count = 2; count <= 1000; count++) {
		u64 got, want;

		v.count = count;
		fwd_aqm_codel_newton_step(&v);
		got = fwd_aqm_codel_control_law(5 * MS, 100 * MS, v.rec_inv_sqrt) - 5 * MS;
		want = codel_expected(100 * MS, count);
		KUNIT_EXPECT_LE_MSG(test, abs((s64)got - (s64)want), (s64)want / 100,
				    "count %u: %llu ns, want %llu", count, got, want);
	}
}

/* The RFC's 5 ms and 100 ms at high rates, cake's scaling at low ones. */
static void codel_params(struct kunit *test)
{
	struct aqm_codel_params cp;
	struct psched_ratecfg r;

	aqm_rate_init(&r, 1250000);		/* 10 Mbit/s: one MTU in 1.2 ms */
	fwd_aqm_codel_params_init(&cp, &r);
	KUNIT_EXPECT_EQ(test, cp.target, 5 * MS);
	KUNIT_EXPECT_EQ(test, cp.interval, 100 * MS);

	aqm_rate_init(&r, 25000000);		/* 200 Mbit/s */
	fwd_aqm_codel_params_init(&cp, &r);
	KUNIT_EXPECT_EQ(test, cp.target, 5 * MS);
	KUNIT_EXPECT_EQ(test, cp.interval, 100 * MS);

	aqm_rate_init(&r, 250000);		/* 2 Mbit/s: 6 ms per MTU */
	fwd_aqm_codel_params_init(&cp, &r);
	KUNIT_EXPECT_EQ(test, cp.target, 9 * MS);
	KUNIT_EXPECT_EQ(test, cp.interval, 104 * MS);

	aqm_rate_init(&r, 8000);		/* 64 kbit/s: 187.5 ms per MTU */
	fwd_aqm_codel_params_init(&cp, &r);
	KUNIT_EXPECT_EQ(test, cp.target, 281250 * US);
	KUNIT_EXPECT_EQ(test, cp.interval, 562500 * US);
}

static void codel_schedule(struct kunit *test)
{
	const struct aqm_codel_params cp = {
		.target = AQM_CODEL_TARGET_NS, .interval = AQM_CODEL_INTERVAL_NS,
	};
	const u64 iv = cp.interval;
	struct aqm_codel_vars v;
	u64 t = 1000 * MS, next;

	fwd_aqm_codel_reset(&v);
	/* Below target, or one packet queued: never. */
	KUNIT_EXPECT_FALSE(test, fwd_aqm_codel_judge(&v, &cp, t, 4 * MS, 100000, 1500));
	KUNIT_EXPECT_FALSE(test, fwd_aqm_codel_judge(&v, &cp, t + 10 * iv, 50 * MS, 1500, 1500));
	/* Above target: a whole interval first. */
	KUNIT_EXPECT_FALSE(test, fwd_aqm_codel_judge(&v, &cp, t, 10 * MS, 100000, 1500));
	KUNIT_EXPECT_FALSE(test, fwd_aqm_codel_judge(&v, &cp, t + iv / 2, 10 * MS, 100000, 1500));
	KUNIT_EXPECT_FALSE(test, fwd_aqm_codel_judge(&v, &cp, t + iv - 1, 10 * MS, 100000, 1500));
	KUNIT_EXPECT_TRUE(test, fwd_aqm_codel_judge(&v, &cp, t + iv, 10 * MS, 100000, 1500));
	KUNIT_EXPECT_EQ(test, v.count, 1U);
	/* Then the next signal an interval later, then interval / sqrt(2) later. */
	t += iv;
	KUNIT_EXPECT_FALSE(test, fwd_aqm_codel_judge(&v, &cp, t + iv - 1000, 10 * MS, 100000, 1500));
	KUNIT_EXPECT_TRUE(test, fwd_aqm_codel_judge(&v, &cp, t + iv, 10 * MS, 100000, 1500));
	KUNIT_EXPECT_EQ(test, v.count, 2U);
	next = t + iv + codel_expected(iv, 2);
	KUNIT_EXPECT_LE(test, abs((s64)(v.drop_next - next)), (s64)(iv / 100));
	KUNIT_EXPECT_FALSE(test, fwd_aqm_codel_judge(&v, &cp, next - MS, 10 * MS, 100000, 1500));
	KUNIT_EXPECT_TRUE(test, fwd_aqm_codel_judge(&v, &cp, v.drop_next, 10 * MS, 100000, 1500));
	KUNIT_EXPECT_EQ(test, v.count, 3U);
	/* A packet below target ends the episode. */
	KUNIT_EXPECT_FALSE(test, fwd_aqm_codel_judge(&v, &cp, v.drop_next, 1 * MS, 100000, 1500));
	KUNIT_EXPECT_FALSE(test, v.dropping);
}

/*
 * At 64 kbit/s a packet behind another waits 187.5 ms: a queue of two is
 * not standing (below 281.25 ms), three are; and the first signal comes
 * after the scaled interval (562.5 ms), not 100 ms.
 */
static void codel_low_rate(struct kunit *test)
{
	struct aqm_codel_params cp;
	struct aqm_codel_vars v;
	struct psched_ratecfg r;
	u64 t = 1000 * MS, iv;

	aqm_rate_init(&r, 8000);
	fwd_aqm_codel_params_init(&cp, &r);
	iv = cp.interval;
	fwd_aqm_codel_reset(&v);
	/* Two packets' worth of delay, for ever: never a signal. */
	KUNIT_EXPECT_FALSE(test, fwd_aqm_codel_judge(&v, &cp, t, 200 * MS, 4500, 1500));
	KUNIT_EXPECT_FALSE(test, fwd_aqm_codel_judge(&v, &cp, t + 10 * iv, 280 * MS, 4500, 1500));
	KUNIT_EXPECT_EQ(test, v.first_above, 0ULL);
	/* Three: above target, and after 562.5 ms of it the first drop. */
	KUNIT_EXPECT_FALSE(test, fwd_aqm_codel_judge(&v, &cp, t, 375 * MS, 6000, 1500));
	KUNIT_EXPECT_FALSE(test, fwd_aqm_codel_judge(&v, &cp, t + 100 * MS, 375 * MS, 6000, 1500));
	KUNIT_EXPECT_FALSE(test, fwd_aqm_codel_judge(&v, &cp, t + iv - 1, 375 * MS, 6000, 1500));
	KUNIT_EXPECT_TRUE(test, fwd_aqm_codel_judge(&v, &cp, t + iv, 375 * MS, 6000, 1500));
	/* The next one a scaled interval later. */
	KUNIT_EXPECT_EQ(test, v.drop_next, t + iv + iv - 1);
}

/*
 * A plugin creates a group from a callback: atomic context, any mode. Under
 * a spinlock, so a sleeping allocation or mutex would be reported by the
 * debug kernel's might_sleep checks.
 */
static void group_create_atomic(struct kunit *test)
{
	struct fwd_group_cfg shape = {
		.mode = FWD_GROUP_SHAPE, .rate = 125000, .burst = 3000, .ecn = true,
	};
	struct fwd_group_cfg trtcm = {
		.mode = FWD_GROUP_POLICE, .action = FWD_GROUP_ACT_DSCP, .dscp = 8,
		.rate = 125000, .burst = 3000, .peakrate = 250000, .pburst = 3000,
	};
	struct fwd_group_cfg bad = { .mode = 7, .rate = 125000, .burst = 3000 };
	static DEFINE_SPINLOCK(lock);
	int err[4];

	spin_lock_bh(&lock);
	err[0] = fwd_group_create(&init_net, 254, &shape);
	err[1] = fwd_group_create(&init_net, 255, &trtcm);
	err[2] = fwd_group_create(&init_net, 254, &trtcm);
	err[3] = fwd_group_create(&init_net, 253, &bad);
	spin_unlock_bh(&lock);
	KUNIT_EXPECT_EQ(test, err[0], 0);
	KUNIT_EXPECT_EQ(test, err[1], 0);
	KUNIT_EXPECT_EQ(test, err[2], -EEXIST);
	KUNIT_EXPECT_EQ(test, err[3], -EINVAL);
	KUNIT_EXPECT_EQ(test, fwd_group_create(&init_net, 0, &shape), -EINVAL);
	KUNIT_EXPECT_EQ(test, fwd_group_delete(&init_net, 254), 0);
	KUNIT_EXPECT_EQ(test, fwd_group_delete(&init_net, 255), 0);
	KUNIT_EXPECT_EQ(test, fwd_group_delete(&init_net, 253), -ENOENT);
}

static struct kunit_case aqm_test_cases[] = {
	KUNIT_CASE(rate_costs),
	KUNIT_CASE(single_rate),
	KUNIT_CASE(large_packet_not_starved),
	KUNIT_CASE(clock_backwards),
	KUNIT_CASE(extreme_depths),
	KUNIT_CASE(smaller_bucket_keeps_refill),
	KUNIT_CASE(srtcm_rfc2697),
	KUNIT_CASE(trtcm_rfc2698),
	KUNIT_CASE(parse_rates),
	KUNIT_CASE(parse_sizes),
	KUNIT_CASE(cfg_checks),
	KUNIT_CASE(codel_control_law),
	KUNIT_CASE(codel_params),
	KUNIT_CASE(codel_schedule),
	KUNIT_CASE(codel_low_rate),
	KUNIT_CASE(group_create_atomic),
	{}
};

static struct kunit_suite aqm_test_suite = {
	.name = "forwarder_aqm",
	.test_cases = aqm_test_cases,
};

kunit_test_suite(aqm_test_suite);
