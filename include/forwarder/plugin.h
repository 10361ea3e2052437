/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * forwarder plugin manager: the API in-kernel plugin modules use.
 *
 * A plugin is a module that depends on forwarder.ko. It fills a struct
 * pm_plugin and calls pm_plugin_register() from its init function and
 * pm_plugin_unregister() from its exit function. Every session event the
 * session manager raises is dispatched to the registered plugins, in
 * ascending priority order (registration order among equal priorities), for
 * the events in their mask and the phase they chose.
 *
 * Callbacks run with the session lock held, bottom halves off and under
 * rcu_read_lock(): they must not sleep and must not call anything that takes
 * the session lock. They may call session_drop_current_packet(), the session
 * metadata functions, pm_skb_writable(), pm_session_detach_me() and
 * pm_session_take_over().
 *
 * Per-session context: if ctx_size is not zero, the manager keeps ctx_size
 * zeroed bytes for the plugin in the session's plugin record (8-byte
 * aligned), passes them to every callback, and frees them when the session
 * dies (after the CLOSING event of the plugin's phase) or when the plugin
 * unregisters, calling ctx_free(ctx) first if set and if a callback got it.
 * ctx_free must not sleep. The context may move between two callbacks (when
 * a plugin registered later makes room in the record, as conntrack's
 * extensions move): keep no pointer to it past the callback.
 *
 * Detach and take over (the Stellar plugin manager's semantics):
 *
 *  D1. pm_session_detach_me(s): the calling plugin gets no more event for @s,
 *      not even CLOSING. It must release what it holds for @s first; its
 *      manager-allocated context is still freed (ctx_free called) at session
 *      end or unregister.
 *  T1. pm_session_take_over(s): from then on only the calling plugin (the
 *      owner) receives events for @s, starting with the plugins after it in
 *      the dispatch of the current event.
 *  T2. Another plugin still receives CLOSING for @s if and only if it had been
 *      called for @s before the take-over, registered for FWD_EV_CLOSING, and
 *      has not detached itself.
 *  T3. A plugin that was never called for @s before the take-over gets
 *      nothing more, CLOSING included.
 *  T4. Taking over a session another plugin owns fails with -EBUSY; taking
 *      over again as the owner succeeds. A take-over lasts for the life of the
 *      session, even if the owner unregisters (then nobody but the T2 plugins
 *      is called).
 *  T5. The owner may detach itself; it stays the owner (nobody else gets
 *      events except T2's CLOSING).
 *  Both functions return -EINVAL outside a plugin callback.
 *
 * User-defined events (mOS UDE): pm_ude_register() defines an event as a
 * built-in event plus a filter. Plugins put the returned id in their mask like
 * a built-in event (PM_EV(id)). For each raised base event the filter runs at
 * most once, and only if a registered plugin of that phase listens to the
 * UDE; the UDE is dispatched right after its base event for each plugin.
 */
#ifndef _FORWARDER_PLUGIN_H
#define _FORWARDER_PLUGIN_H

#include <linux/types.h>
#include <linux/bits.h>
#include <linux/skbuff.h>
#include <linux/netdevice.h>
#include <net/dst.h>
#include <net/sock.h>
#include <forwarder/session.h>

struct module;
struct net;
struct proc_dir_entry;

#define PM_MAX_PLUGINS	16
#define PM_NAME_MAX	32

/* Event ids: 0..FWD_EV_MAX-1 are the built-in ones, UDEs from PM_UDE_FIRST. */
#define PM_UDE_FIRST	16
#define PM_UDE_MAX	16
#define PM_EV_MAX	(PM_UDE_FIRST + PM_UDE_MAX)
#define PM_EV(id)	BIT(id)

/* What a callback receives besides the session and its context. */
struct pm_call {
	unsigned int event;		/* built-in or UDE id */
	const struct fwd_event *ev;	/* the built-in event that was raised */
	const struct sk_buff *skb;	/* read only; NULL for CLOSING */
	enum fwd_dir dir;
};

struct pm_plugin {
	const char *name;		/* unique, < PM_NAME_MAX */
	u32 events;			/* PM_EV() mask */
	enum fwd_event_phase phase;	/* which phase of each event (default PRE) */
	int priority;			/* lower runs first */
	size_t ctx_size;		/* per-session context, 0 for none */
	void (*ctx_free)(void *ctx);	/* optional, before the context is freed */
	void (*on_event)(struct fwd_session *s, const struct pm_call *call, void *ctx);
	struct module *owner;		/* THIS_MODULE */
};

/* @p must stay valid until pm_plugin_unregister() returns. */
int pm_plugin_register(const struct pm_plugin *p);
/* On return no callback of @p runs and its contexts are freed. May sleep. */
void pm_plugin_unregister(const struct pm_plugin *p);

int pm_session_detach_me(struct fwd_session *s);
int pm_session_take_over(struct fwd_session *s);

/*
 * Write access to the packet: makes its first @len bytes writable (see
 * skb_ensure_writable()) and returns it, or NULL (no packet, or no memory).
 */
struct sk_buff *pm_skb_writable(const struct pm_call *call, unsigned int len);

/* UDE filter: true if the base event is also the user-defined event. */
typedef bool (*pm_ude_filter_t)(struct fwd_session *s, const struct pm_call *call,
				void *priv);

/* Returns the new event id (>= PM_UDE_FIRST) or a negative errno. */
int pm_ude_register(const char *name, enum fwd_event_type base,
		    pm_ude_filter_t filter, void *priv);
/* On return the filter no longer runs. May sleep. */
void pm_ude_unregister(int id);

/*
 * The namespace a callback's packet is in: the forwarder runs in every
 * namespace (PRE_ROUTING and LOCAL_OUT), so per-namespace plugin state is
 * found from the packet. NULL without a packet.
 */
static inline struct net *pm_call_net(const struct pm_call *call)
{
	const struct sk_buff *skb = call->skb;

	if (!skb)
		return NULL;
	if (skb->dev)
		return dev_net(skb->dev);
	if (skb_dst(skb) && skb_dst(skb)->dev)
		return dev_net(skb_dst(skb)->dev);
	if (skb->sk)
		return sock_net(skb->sk);
	return NULL;
}

/*
 * Session metadata outlives the plugin module that set it, so its free_cb
 * must not be plugin code: for a kmalloc()ed value, pass pm_meta_kfree.
 */
void pm_meta_kfree(void *value, u32 len);

/* The namespace's /proc/net/forwarder directory, for plugins' own files. */
struct proc_dir_entry *fwd_proc_dir(struct net *net);

#endif /* _FORWARDER_PLUGIN_H */
