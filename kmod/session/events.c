// SPDX-License-Identifier: GPL-2.0-only
/*
 * The single dispatch point of session events, like conntrack's event
 * notifier: the plugin manager, netlink and tests register sinks here, and
 * the session table knows none of them. Every event is counted per type and
 * phase whether or not a sink listens, so tests can see them fire.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rculist.h>

#include "session_core.h"

static LIST_HEAD(fwd_sinks);		/* by order; RCU readers */
static DEFINE_MUTEX(fwd_sinks_mutex);	/* writers */

/**
 * fwd_event_sink_register - add a receiver of every session event
 * @sink: called before the sinks of a higher @sink->order, after those of a
 *	lower or equal one; stays valid until fwd_event_sink_unregister() returns
 *
 * Return: 0, or -EEXIST if @sink is registered already.
 */
int fwd_event_sink_register(struct fwd_event_sink *sink)
{
	struct list_head *before = &fwd_sinks;
	struct fwd_event_sink *pos;
	int err = 0;

	mutex_lock(&fwd_sinks_mutex);
	list_for_each_entry(pos, &fwd_sinks, list) {
		if (pos == sink) {
			err = -EEXIST;
			goto out;
		}
		if (pos->order > sink->order && before == &fwd_sinks)
			before = &pos->list;
	}
	list_add_tail_rcu(&sink->list, before);
out:
	mutex_unlock(&fwd_sinks_mutex);
	return err;
}
EXPORT_SYMBOL_GPL(fwd_event_sink_register);

/**
 * fwd_event_sink_unregister - remove a registered @sink
 * @sink: the sink; on return none of its callbacks is running
 */
void fwd_event_sink_unregister(struct fwd_event_sink *sink)
{
	mutex_lock(&fwd_sinks_mutex);
	list_del_rcu(&sink->list);
	mutex_unlock(&fwd_sinks_mutex);
	synchronize_rcu();
}
EXPORT_SYMBOL_GPL(fwd_event_sink_unregister);

/* Called with s->lock held, in an RCU read-side section. */
void fwd_event_raise(struct fwd_session *s, const struct fwd_event *ev)
{
	struct fwd_event_sink *sink;

	this_cpu_inc(s->table->stats->events[ev->type][ev->phase]);
	list_for_each_entry_rcu(sink, &fwd_sinks, list)
		sink->event(s, ev, sink->priv);
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
