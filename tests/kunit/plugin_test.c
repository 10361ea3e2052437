// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit: the plugin manager. Test plugins registered for real, events raised
 * on a private session through fwd_pm_test_dispatch(); every callback for that
 * session is logged, so each case checks exactly who was called for what.
 */
#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/slab.h>

#include <forwarder/plugin.h>
#include "plugin/manager.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define NPLUG	6
#define LOGMAX	64

/* What a test plugin does when called (for the test session only). */
enum { ACT_NONE, ACT_DETACH, ACT_TAKE_OVER };

struct pm_tctx {
	struct fwd_session *s;
	struct fwd_plugin p[NPLUG];
	bool reg[NPLUG];
	int act[NPLUG];			/* one-shot action */
	unsigned int act_event[NPLUG];	/* ... on this event id */
	int act_ret[NPLUG];
	void *ctx_seen[NPLUG];		/* the first context each plugin was passed */
	void *ctx_last[NPLUG];		/* the latest */
	int log_plug[LOGMAX];
	unsigned int log_ev[LOGMAX];
	int nlog;
	int frees;
	int filter_runs;
	bool filter_result;
	int wrong_handle;		/* calls whose fwd_call::plugin was not the callee */
	const struct fwd_packet *last_pkt;
	unsigned int last_base;
};

static struct pm_tctx *pt;

/* Counts the test session's contexts only (real sessions may get some too). */
static void pt_ctx_free(void *ctx)
{
	int i;

	for (i = 0; pt && i < NPLUG; i++)
		if (ctx && pt->ctx_last[i] == ctx)
			pt->frees++;
}

static void pt_event(int i, struct fwd_session *s, const struct fwd_call *c, void *ctx)
{
	if (!pt || s != pt->s)
		return;
	if (c->plugin != &pt->p[i])
		pt->wrong_handle++;
	pt->last_pkt = c->pkt;
	pt->last_base = c->base;
	if (pt->nlog < LOGMAX) {
		pt->log_plug[pt->nlog] = i;
		pt->log_ev[pt->nlog] = c->event;
		pt->nlog++;
	}
	if (pt->p[i].ctx_size) {
		if (pt->ctx_seen[i] && pt->ctx_seen[i] != ctx)
			pt->ctx_seen[i] = ERR_PTR(-EINVAL);	/* context changed */
		else
			pt->ctx_seen[i] = ctx;
		pt->ctx_last[i] = ctx;
	}
	if (pt->act[i] != ACT_NONE && pt->act_event[i] == c->event) {
		if (pt->act[i] == ACT_DETACH)
			pt->act_ret[i] = fwd_session_detach_me(s);
		else
			pt->act_ret[i] = fwd_session_take_over(s);
		pt->act[i] = ACT_NONE;
	}
}

#define PT_CB(n) \
static void pt_event##n(struct fwd_session *s, const struct fwd_call *c, void *ctx) \
{ \
	pt_event(n, s, c, ctx); \
}
PT_CB(0) PT_CB(1) PT_CB(2) PT_CB(3) PT_CB(4) PT_CB(5)

static void (* const pt_cbs[NPLUG])(struct fwd_session *, const struct fwd_call *, void *) = {
	pt_event0, pt_event1, pt_event2, pt_event3, pt_event4, pt_event5,
};

static const char * const pt_names[NPLUG] = {
	"kunit_p0", "kunit_p1", "kunit_p2", "kunit_p3", "kunit_p4", "kunit_p5",
};

static void pt_setup(struct kunit *test, int i, int prio, u32 events)
{
	struct fwd_plugin *p = &pt->p[i];

	p->name = pt_names[i];
	p->priority = prio;
	p->events = events;
	p->on_event = pt_cbs[i];
	p->ctx_size = 16;
	p->ctx_free = pt_ctx_free;
	KUNIT_ASSERT_EQ(test, fwd_plugin_register(p), 0);
	pt->reg[i] = true;
}

static void pt_raise(enum fwd_event_type type, enum fwd_event_phase phase)
{
	struct fwd_event ev = { .type = type, .phase = phase, .dir = FWD_DIR_ORIG };

	fwd_pm_test_dispatch(pt->s, &ev);
}

/* Both phases, like the session manager. */
static void pt_raise2(enum fwd_event_type type)
{
	pt_raise(type, FWD_PHASE_PRE);
	pt_raise(type, FWD_PHASE_POST);
}

static void pt_expect_log(struct kunit *test, const int *plug, const unsigned int *ev, int n)
{
	int i;

	KUNIT_ASSERT_EQ(test, pt->nlog, n);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ_MSG(test, pt->log_plug[i], plug[i], "call %d", i);
		KUNIT_EXPECT_EQ_MSG(test, pt->log_ev[i], ev[i], "call %d", i);
	}
	pt->nlog = 0;
}

static int pm_test_init(struct kunit *test)
{
	pt = kunit_kzalloc(test, sizeof(*pt), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pt);
	pt->s = kunit_kzalloc(test, sizeof(*pt->s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pt->s);
	spin_lock_init(&pt->s->lock);
	spin_lock_init(&pt->s->meta_lock);
	test->priv = pt;
	return 0;
}

static void pm_test_exit(struct kunit *test)
{
	int i;

	/* End the session if a case left it alive, then unregister. */
	if (pt->s->pm)
		pt_raise2(FWD_EV_CLOSING);
	for (i = 0; i < NPLUG; i++)
		if (pt->reg[i])
			fwd_plugin_unregister(&pt->p[i]);
	pt = NULL;
}

#define P	FWD_EV_BIT(FWD_EV_PACKET)
#define C	FWD_EV_BIT(FWD_EV_CLOSING)
#define EP	FWD_EV_PACKET
#define EC	FWD_EV_CLOSING

/* Ascending priority; equal priorities in registration order; only the PRE phase. */
static void pm_test_dispatch_order(struct kunit *test)
{
	static const int plug[] = { 1, 2, 3, 0 };
	static const unsigned int ev[] = { EP, EP, EP, EP };

	pt_setup(test, 0, 10, P);
	pt_setup(test, 1, -5, P);
	pt_setup(test, 2, 5, P);
	pt_setup(test, 3, 5, P);
	pt_raise2(FWD_EV_PACKET);
	pt_expect_log(test, plug, ev, 4);
	/* Not registered for DATA: nobody called. */
	pt_raise2(FWD_EV_DATA);
	KUNIT_EXPECT_EQ(test, pt->nlog, 0);
	KUNIT_EXPECT_EQ(test, pt->wrong_handle, 0);
}

/* The call context carries the parsed packet and the raised event. */
static void pm_test_call_context(struct kunit *test)
{
	struct fwd_packet pkt = { .payload_len = 7, .tcp_flags = 0x12 };
	struct fwd_event ev = {
		.type = FWD_EV_DATA, .phase = FWD_PHASE_PRE, .dir = FWD_DIR_REPLY, .pkt = &pkt,
	};

	pt_setup(test, 0, 0, FWD_EV_BIT(FWD_EV_DATA));
	fwd_pm_test_dispatch(pt->s, &ev);
	KUNIT_EXPECT_EQ(test, pt->nlog, 1);
	KUNIT_EXPECT_PTR_EQ(test, pt->last_pkt, (const struct fwd_packet *)&pkt);
	KUNIT_EXPECT_EQ(test, pt->last_base, (unsigned int)FWD_EV_DATA);
	KUNIT_EXPECT_EQ(test, pt->wrong_handle, 0);
}

/* From a timer or a work item: detach without being in a callback. */
static void pm_test_detach_outside(struct kunit *test)
{
	static const int plug[] = { 0, 1 };
	static const unsigned int ev[] = { EP, EP };
	static const int plug2[] = { 0 };
	static const unsigned int ev2[] = { EP };
	struct fwd_plugin stranger = { .name = "kunit_stranger" };

	pt_setup(test, 0, 0, P);
	pt_setup(test, 1, 1, P);
	pt_raise2(FWD_EV_PACKET);
	pt_expect_log(test, plug, ev, 2);
	KUNIT_EXPECT_EQ(test, fwd_session_detach(pt->s, &pt->p[1]), 0);
	pt_raise2(FWD_EV_PACKET);
	pt_expect_log(test, plug2, ev2, 1);
	/* A plugin that is not registered; one that never met the session. */
	KUNIT_EXPECT_EQ(test, fwd_session_detach(pt->s, &stranger), -EINVAL);
	pt_setup(test, 2, 2, C);
	KUNIT_EXPECT_EQ(test, fwd_session_detach(pt->s, &pt->p[2]), -ENOENT);
}

static void pm_test_phase(struct kunit *test)
{
	static const int plug[] = { 0, 1 };
	static const unsigned int ev[] = { EP, EP };

	pt_setup(test, 0, 0, P);
	pt->p[1].phase = FWD_PHASE_POST;
	pt_setup(test, 1, -1, P);
	pt_raise2(FWD_EV_PACKET);
	pt_expect_log(test, plug, ev, 2);
}

/* D1: after detaching, nothing more, CLOSING included; the context is freed anyway. */
static void pm_test_detach(struct kunit *test)
{
	static const int plug1[] = { 0, 1, 2 };
	static const unsigned int ev1[] = { EP, EP, EP };
	static const int plug2[] = { 0, 2, 0, 2 };
	static const unsigned int ev2[] = { EP, EP, EC, EC };

	pt_setup(test, 0, 0, P | C);
	pt_setup(test, 1, 1, P | C);
	pt_setup(test, 2, 2, P | C);
	pt->act[1] = ACT_DETACH;
	pt->act_event[1] = EP;
	pt_raise2(FWD_EV_PACKET);
	KUNIT_EXPECT_EQ(test, pt->act_ret[1], 0);
	pt_expect_log(test, plug1, ev1, 3);
	pt_raise2(FWD_EV_PACKET);
	pt_raise2(FWD_EV_CLOSING);
	pt_expect_log(test, plug2, ev2, 4);
	KUNIT_EXPECT_EQ(test, pt->frees, 3);
	KUNIT_EXPECT_NULL(test, pt->s->pm);
	/* Outside a callback. */
	KUNIT_EXPECT_EQ(test, fwd_session_detach_me(pt->s), -EINVAL);
	KUNIT_EXPECT_EQ(test, fwd_session_take_over(pt->s), -EINVAL);
}

/*
 * Take-over by p2 on the second packet. p0 (before it, called, CLOSING): gets
 * CLOSING (T2). p1 (called, no CLOSING in its mask): nothing more (T2).
 * p3 (after p2, called on packet 1, CLOSING): misses packet 2 (T1), gets
 * CLOSING (T2). p4 (DATA and CLOSING, never called before): nothing (T3).
 * p5 (called, CLOSING, detached itself): nothing (D1).
 */
static void pm_test_take_over(struct kunit *test)
{
	static const int plug1[] = { 0, 1, 5, 2, 3 };
	static const unsigned int ev1[] = { EP, EP, EP, EP, EP };
	static const int plug2[] = { 0, 1, 2 };
	static const unsigned int ev2[] = { EP, EP, EP };
	static const int plug3[] = { 2, 2 };
	static const unsigned int ev3[] = { EP, FWD_EV_DATA };
	static const int plug4[] = { 0, 2, 3 };
	static const unsigned int ev4[] = { EC, EC, EC };

	pt_setup(test, 0, 0, P | C);
	pt_setup(test, 1, 1, P);
	pt_setup(test, 5, 2, P | C);
	pt_setup(test, 2, 3, P | FWD_EV_BIT(FWD_EV_DATA) | C);
	pt_setup(test, 3, 4, P | C);
	pt_setup(test, 4, 5, FWD_EV_BIT(FWD_EV_DATA) | C);
	pt->act[5] = ACT_DETACH;
	pt->act_event[5] = EP;
	pt_raise2(FWD_EV_PACKET);
	pt_expect_log(test, plug1, ev1, 5);

	pt->act[2] = ACT_TAKE_OVER;
	pt->act_event[2] = EP;
	pt_raise2(FWD_EV_PACKET);
	KUNIT_EXPECT_EQ(test, pt->act_ret[2], 0);
	pt_expect_log(test, plug2, ev2, 3);

	/* T1: only the owner, also for events the others want (p4: DATA). */
	pt->act[2] = ACT_TAKE_OVER;	/* T4: again as the owner */
	pt->act_event[2] = EP;
	pt_raise2(FWD_EV_PACKET);
	pt_raise2(FWD_EV_DATA);
	KUNIT_EXPECT_EQ(test, pt->act_ret[2], 0);
	pt_expect_log(test, plug3, ev3, 2);

	/* T4: another plugin cannot take over (p0 tries during CLOSING). */
	pt->act[0] = ACT_TAKE_OVER;
	pt->act_event[0] = EC;
	pt_raise2(FWD_EV_CLOSING);
	KUNIT_EXPECT_EQ(test, pt->act_ret[0], -EBUSY);
	pt_expect_log(test, plug4, ev4, 3);
	/* Every plugin that was called had a context; all freed. */
	KUNIT_EXPECT_EQ(test, pt->frees, 5);
}

/* T5: the owner detaching stays the owner: nobody else gets anything but T2's CLOSING. */
static void pm_test_take_over_detach(struct kunit *test)
{
	static const int plug[] = { 0, 1, 1, 0 };
	static const unsigned int ev[] = { EP, EP, EP, EC };

	pt_setup(test, 0, 0, P | C);
	pt_setup(test, 1, 1, P | C);
	pt->act[1] = ACT_TAKE_OVER;
	pt->act_event[1] = EP;
	pt_raise2(FWD_EV_PACKET);
	pt->act[1] = ACT_DETACH;
	pt->act_event[1] = EP;
	pt_raise2(FWD_EV_PACKET);	/* p1 detaches here */
	pt_raise2(FWD_EV_PACKET);
	pt_raise2(FWD_EV_CLOSING);
	pt_expect_log(test, plug, ev, 4);
}

static bool pt_filter(struct fwd_session *s, const struct fwd_call *c, void *priv)
{
	if (pt && s == pt->s) {
		pt->filter_runs++;
		return pt->filter_result;
	}
	return false;
}

/* The filter runs once per raised base event, only when someone listens. */
static void pm_test_ude(struct kunit *test)
{
	static const int plug[] = { 0, 1, 1 };
	unsigned int ev[3];
	int id;

	id = fwd_ude_register("kunit_ude", FWD_EV_RETRANSMIT, pt_filter, NULL);
	KUNIT_ASSERT_GE(test, id, FWD_UDE_FIRST);
	/* Nobody listens yet: the filter does not run. */
	pt_setup(test, 2, 0, P);
	pt_raise2(FWD_EV_RETRANSMIT);
	KUNIT_EXPECT_EQ(test, pt->filter_runs, 0);

	pt_setup(test, 0, 0, FWD_EV_BIT(id));
	pt_setup(test, 1, 1, FWD_EV_BIT(id) | FWD_EV_BIT(FWD_EV_RETRANSMIT));
	pt->filter_result = false;
	pt_raise2(FWD_EV_RETRANSMIT);
	KUNIT_EXPECT_EQ(test, pt->filter_runs, 1);	/* PRE only: nobody in POST */
	ev[0] = FWD_EV_RETRANSMIT;
	pt_expect_log(test, (const int[]){ 1 }, ev, 1);

	pt->filter_result = true;
	pt_raise2(FWD_EV_RETRANSMIT);
	KUNIT_EXPECT_EQ(test, pt->filter_runs, 2);
	ev[0] = id;
	ev[1] = FWD_EV_RETRANSMIT;
	ev[2] = id;
	pt_expect_log(test, plug, ev, 3);

	/* Another base event: the filter does not run. */
	pt_raise2(FWD_EV_DATA);
	KUNIT_EXPECT_EQ(test, pt->filter_runs, 2);
	fwd_ude_unregister(id);
	pt_raise2(FWD_EV_RETRANSMIT);
	KUNIT_EXPECT_EQ(test, pt->filter_runs, 2);
}

/* One zeroed context per plugin and session, the same on every call, freed once. */
static void pm_test_ctx_lifetime(struct kunit *test)
{
	pt_setup(test, 0, 0, P | C);
	pt_setup(test, 1, 1, P);
	pt->p[1].ctx_size = 0;		/* no context: NULL passed */
	pt_raise2(FWD_EV_PACKET);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pt->ctx_seen[0]);
	KUNIT_EXPECT_NULL(test, memchr_inv(pt->ctx_seen[0], 0, 16));
	pt_raise2(FWD_EV_PACKET);
	KUNIT_EXPECT_FALSE(test, IS_ERR(pt->ctx_seen[0]));
	KUNIT_EXPECT_EQ(test, pt->frees, 0);
	pt_raise(FWD_EV_CLOSING, FWD_PHASE_PRE);
	KUNIT_EXPECT_EQ(test, pt->frees, 0);
	pt_raise(FWD_EV_CLOSING, FWD_PHASE_POST);
	KUNIT_EXPECT_EQ(test, pt->frees, 1);
	KUNIT_EXPECT_NULL(test, pt->s->pm);
}

/*
 * A plugin registered while the session lives gets a zeroed context when it
 * first meets the session; the record grows, and the contexts already in it
 * move with their contents intact.
 */
static void pm_test_ctx_grow(struct kunit *test)
{
	pt_setup(test, 0, 0, P | C);
	pt_raise2(FWD_EV_PACKET);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pt->ctx_last[0]);
	memset(pt->ctx_last[0], 0xab, 16);
	pt_setup(test, 1, 1, P | C);
	/* p1 meets the session after p0's call: p0 learns the new place on the next. */
	pt_raise2(FWD_EV_PACKET);
	pt_raise2(FWD_EV_PACKET);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pt->ctx_last[1]);
	KUNIT_EXPECT_NULL(test, memchr_inv(pt->ctx_last[0], 0xab, 16));
	KUNIT_EXPECT_NULL(test, memchr_inv(pt->ctx_last[1], 0, 16));
	KUNIT_EXPECT_EQ(test, ((unsigned long)pt->ctx_last[1]) % sizeof(u64), 0);
	memset(pt->ctx_last[1], 0xcd, 16);
	pt_raise2(FWD_EV_PACKET);
	KUNIT_EXPECT_NULL(test, memchr_inv(pt->ctx_last[0], 0xab, 16));
	KUNIT_EXPECT_NULL(test, memchr_inv(pt->ctx_last[1], 0xcd, 16));
	pt_raise2(FWD_EV_CLOSING);
	KUNIT_EXPECT_EQ(test, pt->frees, 2);
	KUNIT_EXPECT_NULL(test, pt->s->pm);
}

/* The owner unregistering leaves nobody in charge: the others get only T2's CLOSING. */
static void pm_test_owner_unregister(struct kunit *test)
{
	static const int plug[] = { 0, 1, 0 };
	static const unsigned int ev[] = { EP, EP, EC };

	pt_setup(test, 0, 0, P | C);
	pt_setup(test, 1, 1, P | C);
	pt->act[1] = ACT_TAKE_OVER;
	pt->act_event[1] = EP;
	pt_raise2(FWD_EV_PACKET);
	KUNIT_EXPECT_EQ(test, pt->act_ret[1], 0);
	fwd_plugin_unregister(&pt->p[1]);
	pt->reg[1] = false;
	KUNIT_EXPECT_EQ(test, pt->frees, 1);
	pt_raise2(FWD_EV_PACKET);
	pt_raise2(FWD_EV_CLOSING);
	pt_expect_log(test, plug, ev, 3);
	KUNIT_EXPECT_EQ(test, pt->frees, 2);
}

/* Unregistering frees the plugin's contexts in live sessions; no call after it. */
static void pm_test_unregister_live(struct kunit *test)
{
	static const int plug[] = { 1, 1 };
	static const unsigned int ev[] = { EP, EC };

	pt_setup(test, 0, 0, P | C);
	pt_setup(test, 1, 1, P | C);
	pt_raise2(FWD_EV_PACKET);
	pt->nlog = 0;
	fwd_plugin_unregister(&pt->p[0]);
	pt->reg[0] = false;
	KUNIT_EXPECT_EQ(test, pt->frees, 1);
	pt_raise2(FWD_EV_PACKET);
	pt_raise2(FWD_EV_CLOSING);
	pt_expect_log(test, plug, ev, 2);
	KUNIT_EXPECT_EQ(test, pt->frees, 2);
	/* A plugin reusing the slot starts afresh (registered, same name allowed again). */
	KUNIT_EXPECT_EQ(test, fwd_plugin_register(&pt->p[0]), 0);
	pt->reg[0] = true;
	KUNIT_EXPECT_EQ(test, fwd_plugin_register(&pt->p[0]), -EEXIST);
}

static struct kunit_case pm_cases[] = {
	KUNIT_CASE(pm_test_dispatch_order),
	KUNIT_CASE(pm_test_phase),
	KUNIT_CASE(pm_test_call_context),
	KUNIT_CASE(pm_test_detach_outside),
	KUNIT_CASE(pm_test_detach),
	KUNIT_CASE(pm_test_take_over),
	KUNIT_CASE(pm_test_take_over_detach),
	KUNIT_CASE(pm_test_ude),
	KUNIT_CASE(pm_test_ctx_lifetime),
	KUNIT_CASE(pm_test_ctx_grow),
	KUNIT_CASE(pm_test_owner_unregister),
	KUNIT_CASE(pm_test_unregister_live),
	{}
};

static struct kunit_suite pm_suite = {
	.name = "forwarder_plugins",
	.init = pm_test_init,
	.exit = pm_test_exit,
	.test_cases = pm_cases,
};

kunit_test_suites(&pm_suite);
