// SPDX-License-Identifier: GPL-2.0-only
/*
 * CoDel (RFC 8289) on a group's queue: a packet leaving after more than
 * target (5 ms) in the queue, once the delay has stayed above target for a
 * whole interval (100 ms), is dropped or CE-marked; then the next signal
 * comes interval / sqrt(count) later. At low rates target and interval grow
 * with the time one MTU takes to send (fwd_aqm_codel_params_init).
 * 1/sqrt(count) is kept in Q0.32 and refined by one Newton step per change
 * of count, so no division or square root is taken per packet. Times are
 * u64 ns.
 *
 * Why not include/net/codel_impl.h: its functions are static and not
 * inline (a user that does not call all of them gets unused-function
 * errors under -Werror), they work through fq_codel's dequeue callback and
 * skb->cb, and keep times as u32 units of 1024 ns (wrapping after 73
 * minutes) and 1/sqrt(count) in 16 bits. The algorithm here is RFC 8289's,
 * the same as theirs, on this queue's own types.
 */
#include <linux/kernel.h>
#include <linux/math64.h>
#include <kunit/visibility.h>

#include "aqm_core.h"

/**
 * fwd_aqm_codel_params_init - CoDel's target and interval for a group's rate
 * @cp: output
 * @rate: the rate the queue drains at
 *
 * Below about 4 Mbit/s one MTU takes longer to send than 5 ms, so with the
 * RFC's constants every packet behind another would count as a standing
 * queue and CoDel would drop a flow below its rate. As cake does: target is
 * at least 1.5 MTU times, interval grows by as much and is at least twice
 * target.
 */
void fwd_aqm_codel_params_init(struct aqm_codel_params *cp, const struct psched_ratecfg *rate)
{
	u64 mtu_ns = aqm_l2t(rate, AQM_MTU);

	cp->target = max_t(u64, AQM_CODEL_TARGET_NS, mtu_ns * 3 / 2);
	cp->interval = max_t(u64, AQM_CODEL_INTERVAL_NS + cp->target - AQM_CODEL_TARGET_NS,
			     2 * cp->target);
}
EXPORT_SYMBOL_IF_KUNIT(fwd_aqm_codel_params_init);

void fwd_aqm_codel_reset(struct aqm_codel_vars *v)
{
	memset(v, 0, sizeof(*v));
	v->rec_inv_sqrt = U32_MAX;
}
EXPORT_SYMBOL_IF_KUNIT(fwd_aqm_codel_reset);

/*
 * x' = x * (3 - count * x^2) / 2, in Q0.32 with two bits of headroom. One
 * step is enough when count moves by one at large counts; small counts move
 * x a lot (1 -> 0.707 for count 2), so they get a few more.
 */
void fwd_aqm_codel_newton_step(struct aqm_codel_vars *v)
{
	int i, steps = v->count < 16 ? 6 : 1;

	for (i = 0; i < steps; i++) {
		u64 x = v->rec_inv_sqrt;
		u64 x2 = (x * x) >> 32;
		u64 cx2 = (u64)v->count * x2;
		u64 y;

		/* Far above the root (count jumped up): restart from below it. */
		if (cx2 >= (3ULL << 32)) {
			v->rec_inv_sqrt = x >> 1;
			continue;
		}
		y = (3ULL << 32) - cx2;
		y = ((y >> 2) * x) >> 31;
		v->rec_inv_sqrt = min_t(u64, y, U32_MAX);
	}
}
EXPORT_SYMBOL_IF_KUNIT(fwd_aqm_codel_newton_step);

/* t + interval / sqrt(count) */
u64 fwd_aqm_codel_control_law(u64 t, u64 interval, u32 rec_inv_sqrt)
{
	return t + mul_u64_u32_shr(interval, rec_inv_sqrt, 32);
}
EXPORT_SYMBOL_IF_KUNIT(fwd_aqm_codel_control_law);

static bool aqm_time_after_eq(u64 a, u64 b)
{
	return (s64)(a - b) >= 0;
}

/* Whether the delay has been above target for an interval. */
static bool aqm_codel_above(struct aqm_codel_vars *v, const struct aqm_codel_params *cp,
			    u64 now, u64 sojourn, u32 backlog, u32 mtu)
{
	/* Below target, or a single packet: the queue is not standing. */
	if (sojourn < cp->target || backlog <= mtu) {
		v->first_above = 0;
		return false;
	}
	if (!v->first_above) {
		v->first_above = now + cp->interval;
		return false;
	}
	return aqm_time_after_eq(now, v->first_above);
}

/**
 * fwd_aqm_codel_judge - whether the packet leaving now must be dropped or marked
 * @v: the queue's CoDel state
 * @cp: the group's target and interval
 * @now: ns
 * @sojourn: ns the packet spent in the queue
 * @backlog: wire bytes queued, the packet included
 * @mtu: the size under which a backlog is never judged standing
 *
 * Return: true to drop (or CE-mark) the packet.
 */
bool fwd_aqm_codel_judge(struct aqm_codel_vars *v, const struct aqm_codel_params *cp, u64 now,
			 u64 sojourn, u32 backlog, u32 mtu)
{
	bool above = aqm_codel_above(v, cp, now, sojourn, backlog, mtu);

	if (v->dropping) {
		if (!above) {
			v->dropping = false;
			return false;
		}
		if (!aqm_time_after_eq(now, v->drop_next))
			return false;
		v->count++;
		fwd_aqm_codel_newton_step(v);
		v->drop_next = fwd_aqm_codel_control_law(v->drop_next, cp->interval,
							 v->rec_inv_sqrt);
		return true;
	}
	if (!above)
		return false;
	v->dropping = true;
	/* Shortly after the last episode: start from where it was (hysteresis). */
	if (v->count - v->lastcount > 1 &&
	    !aqm_time_after_eq(now - v->drop_next, 16 * cp->interval)) {
		v->count -= v->lastcount;
		fwd_aqm_codel_newton_step(v);
	} else {
		v->count = 1;
		v->rec_inv_sqrt = U32_MAX;
	}
	v->lastcount = v->count;
	v->drop_next = fwd_aqm_codel_control_law(now, cp->interval, v->rec_inv_sqrt);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(fwd_aqm_codel_judge);
