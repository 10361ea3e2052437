// SPDX-License-Identifier: GPL-2.0-only
/*
 * Session events on the family's "events" multicast group: a sink of the
 * session manager's events, after the plugins (it reports what they did).
 */
#include <linux/kernel.h>
#include <linux/jiffies.h>
#include <net/genetlink.h>
#include <forwarder/netlink.h>

#include "forwarder.h"
#include "session/session_core.h"
#include "netlink/netlink.h"

/* An IPv6 session with every event attribute takes about 240 bytes. */
#define FWD_NL_EVENT_SIZE	384

/* ---- events --------------------------------------------------------------- */

static int fwd_nl_put_event(struct sk_buff *skb, const struct fwd_session *s,
			    const struct fwd_event *ev, u8 type)
{
	if (nla_put_u8(skb, FWD_A_EVENT_TYPE, type))
		return -EMSGSIZE;
	if (type == FWD_NL_EV_STATE &&
	    (nla_put_u8(skb, FWD_A_EVENT_SIDE, ev->dir) ||
	     nla_put_u8(skb, FWD_A_EVENT_OLD_STATE, ev->old_state) ||
	     nla_put_u8(skb, FWD_A_EVENT_NEW_STATE, ev->new_state)))
		return -EMSGSIZE;
	if (type == FWD_NL_EV_CLOSING && nla_put_u8(skb, FWD_A_EVENT_REASON, ev->reason))
		return -EMSGSIZE;
	return fwd_nl_put_session(skb, s, jiffies);
}

/*
 * The netlink sink: multicasts a session event, after the plugins saw it, to
 * the "events" listeners of the session's namespace. Called with the session
 * locked, in an RCU read-side section.
 *
 * Loss-tolerant like ctnetlink events: never blocks, and a message that
 * cannot be allocated or delivered is counted in nl_events_dropped.
 */
static void fwd_genl_session_event(struct fwd_session *s, const struct fwd_event *ev,
				   void *priv)
{
	struct fwd_session_table *tbl = s->table;
	struct net *net = tbl->net;
	struct sk_buff *skb;
	void *hdr;
	u8 type;
	int err;

	switch (ev->type) {
	case FWD_EV_SESSION_NEW:
		type = FWD_NL_EV_NEW;
		break;
	case FWD_EV_TCP_STATE_CHANGE:
		type = FWD_NL_EV_STATE;
		break;
	case FWD_EV_CLOSING:
		type = FWD_NL_EV_CLOSING;
		break;
	default:
		return;
	}
	/* Listeners see the outcome: after the state update, after plugins. */
	if (ev->phase != FWD_PHASE_POST || !net ||
	    !genl_has_listeners(&fwd_genl_family, net, FWD_NL_GRP_EVENTS))
		return;

	skb = genlmsg_new(FWD_NL_EVENT_SIZE, GFP_ATOMIC);
	if (!skb)
		goto drop;
	hdr = genlmsg_put(skb, 0, 0, &fwd_genl_family, 0, FWD_CMD_EVENT);
	if (!hdr || fwd_nl_put_event(skb, s, ev, type)) {
		nlmsg_free(skb);
		goto drop;
	}
	genlmsg_end(skb, hdr);
	err = genlmsg_multicast_netns(&fwd_genl_family, net, skb, 0, FWD_NL_GRP_EVENTS,
				      GFP_ATOMIC);
	/* -ESRCH: the listeners left meanwhile; -ENOBUFS: a listener overran. */
	if (err && err != -ESRCH)
		goto drop;
	return;

drop:
	fwd_stat_inc(tbl, FWD_CNT_NETLINK_EVENTS_DROPPED);
}

struct fwd_event_sink fwd_nl_sink = {
	.event	= fwd_genl_session_event,
	.order	= FWD_SINK_ORDER_LISTENERS,
};
