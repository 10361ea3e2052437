// SPDX-License-Identifier: GPL-2.0-only
/*
 * The single dispatch point of session events. One sink (the plugin manager)
 * may be installed; every event is counted per type and phase whether or not
 * a sink listens, so tests can see them fire.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>

#include "session_core.h"

static const struct fwd_event_sink __rcu *fwd_sink;
static DEFINE_MUTEX(fwd_sink_mutex);

/**
 * fwd_event_sink_register - install the receiver of all session events
 * @sink: stays valid until fwd_event_sink_unregister() returns
 *
 * Return: 0, or -EBUSY if another sink is installed.
 */
int fwd_event_sink_register(const struct fwd_event_sink *sink)
{
	int err = 0;

	mutex_lock(&fwd_sink_mutex);
	if (rcu_access_pointer(fwd_sink))
		err = -EBUSY;
	else
		rcu_assign_pointer(fwd_sink, sink);
	mutex_unlock(&fwd_sink_mutex);
	return err;
}
EXPORT_SYMBOL_GPL(fwd_event_sink_register);

/**
 * fwd_event_sink_unregister - remove @sink; on return no callback is running
 * @sink: the installed sink (anything else is ignored)
 */
void fwd_event_sink_unregister(const struct fwd_event_sink *sink)
{
	bool removed = false;

	mutex_lock(&fwd_sink_mutex);
	if (rcu_access_pointer(fwd_sink) == sink) {
		RCU_INIT_POINTER(fwd_sink, NULL);
		removed = true;
	}
	mutex_unlock(&fwd_sink_mutex);
	if (removed)
		synchronize_rcu();
}
EXPORT_SYMBOL_GPL(fwd_event_sink_unregister);

/* Called with s->lock held, in an RCU read-side section. */
void fwd_event_raise(struct fwd_session *s, const struct fwd_event *ev)
{
	const struct fwd_event_sink *sink;

	fwd_stat_inc(s->table, events[ev->type][ev->phase]);
	sink = rcu_dereference(fwd_sink);
	if (sink)
		sink->event(s, ev, sink->priv);
	/* Listeners see the outcome: after the state update, after plugins. */
	if (ev->phase == FWD_PHASE_POST)
		fwd_genl_session_event(s, ev);
}

static const char * const fwd_event_names[FWD_EV_MAX] = {
	[FWD_EV_SESSION_NEW]		= "session_new",
	[FWD_EV_TCP_STATE_CHANGE]	= "tcp_state_change",
	[FWD_EV_ESTABLISHED]		= "established",
	[FWD_EV_DATA]			= "data",
	[FWD_EV_RETRANSMIT]		= "retransmit",
	[FWD_EV_CLOSING]		= "closing",
	[FWD_EV_PACKET]			= "packet",
};

const char *fwd_event_name(enum fwd_event_type ev)
{
	if ((unsigned int)ev >= FWD_EV_MAX)
		return "?";
	return fwd_event_names[ev];
}
EXPORT_SYMBOL_GPL(fwd_event_name);
