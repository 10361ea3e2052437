/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * forwarder plugin manager: the API in-kernel plugin modules use.
 *
 * A plugin is a module that depends on forwarder.ko. It fills a struct
 * fwd_plugin and calls fwd_plugin_register() from its init function and
 * fwd_plugin_unregister() from its exit function. Every session event the
 * session manager raises is dispatched to the registered plugins, in
 * ascending priority order (registration order among equal priorities), for
 * the events in their mask and the phase they chose. Everything a plugin
 * uses is in include/forwarder/ and starts with fwd_; docs/plugin_api.md has
 * a complete minimal plugin.
 *
 * Callbacks run with the session lock held, bottom halves off and under
 * rcu_read_lock(): they must not sleep and must not call anything that takes
 * the session lock (fwd_session_detach()). They get the session, a struct
 * fwd_call (the namespace, the plugin, the event and the packet already
 * parsed) and their per-session context. They may call everything in
 * <forwarder/session.h>, fwd_skb_writable(), fwd_session_detach_me(),
 * fwd_session_take_over() and everything in <forwarder/aqm.h>.
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
 *  D1. fwd_session_detach_me(s): the calling plugin gets no more event for @s,
 *      not even CLOSING. It must release what it holds for @s first; its
 *      manager-allocated context is still freed (ctx_free called) at session
 *      end or unregister.
 *  T1. fwd_session_take_over(s): from then on only the calling plugin (the
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
 *  Both functions return -EINVAL outside a plugin callback; from a timer or
 *  a work item, fwd_session_detach() does what D1 does.
 *
 * User-defined events (mOS UDE): fwd_ude_register() defines an event as a
 * built-in event plus a filter. Plugins put the returned id in their mask like
 * a built-in event (FWD_EV_BIT(id)). For each raised base event the filter
 * runs at most once, and only if a registered plugin of that phase listens to the
 * UDE; the UDE is dispatched right after its base event for each plugin.
 */
#ifndef _FORWARDER_PLUGIN_H
#define _FORWARDER_PLUGIN_H

#include <linux/types.h>
#include <linux/bits.h>
#include <forwarder/session.h>

struct module;
struct net;
struct proc_dir_entry;
struct sk_buff;

#define FWD_PLUGINS_MAX		16
#define FWD_PLUGIN_NAME_MAX	32

/* Event ids: 0..FWD_EV_MAX-1 are the built-in ones, UDEs from FWD_UDE_FIRST. */
#define FWD_UDE_FIRST	16
#define FWD_UDE_MAX	16
#define FWD_EV_ID_MAX	(FWD_UDE_FIRST + FWD_UDE_MAX)
#define FWD_EV_BIT(id)	BIT(id)

struct fwd_plugin;

/* What a callback receives besides the session and its context. */
struct fwd_call {
	struct net *net;		/* the session's namespace (NULL in KUnit) */
	const struct fwd_plugin *plugin;	/* the plugin being called */
	unsigned int event;		/* built-in or UDE id */
	enum fwd_event_type base;	/* the built-in event that was raised */
	enum fwd_event_phase phase;
	enum fwd_dir dir;		/* the packet's (TCP_STATE_CHANGE: the side's) */
	u8 old_state, new_state;	/* TCP_STATE_CHANGE: enum fwd_tcp_state */
	u8 reason;			/* CLOSING: enum fwd_close_reason */
	const struct fwd_packet *pkt;	/* parsed; NULL without a packet */
};

struct fwd_plugin {
	const char *name;		/* unique, < FWD_PLUGIN_NAME_MAX */
	u32 events;			/* FWD_EV_BIT() mask */
	enum fwd_event_phase phase;	/* which phase of each event (default PRE) */
	int priority;			/* lower runs first */
	size_t ctx_size;		/* per-session context, 0 for none */
	void (*ctx_free)(void *ctx);	/* optional, before the context is freed */
	void (*on_event)(struct fwd_session *s, const struct fwd_call *call, void *ctx);
	struct module *owner;		/* THIS_MODULE */
};

/* @p must stay valid until fwd_plugin_unregister() returns. May sleep. */
int fwd_plugin_register(const struct fwd_plugin *p);
/* On return no callback of @p runs and its contexts are freed. May sleep. */
void fwd_plugin_unregister(const struct fwd_plugin *p);

/* From a callback of @s (D1, T1-T5 above). */
int fwd_session_detach_me(struct fwd_session *s);
int fwd_session_take_over(struct fwd_session *s);
/*
 * Outside a callback of @s (a timer, a work item, with a reference held):
 * @p gets no more event for @s, as with fwd_session_detach_me(). Takes the
 * session lock. Return: 0, -ENOENT (dead, or never met @p), -EINVAL.
 */
int fwd_session_detach(struct fwd_session *s, const struct fwd_plugin *p);

/*
 * Write access to the packet: makes its first @len bytes writable (see
 * skb_ensure_writable()) and returns it, or NULL (no packet, or no memory).
 */
struct sk_buff *fwd_skb_writable(const struct fwd_call *call, unsigned int len);

/* UDE filter: true if the base event is also the user-defined event. */
typedef bool (*fwd_ude_filter_t)(struct fwd_session *s, const struct fwd_call *call,
				 void *priv);

/* Returns the new event id (>= FWD_UDE_FIRST) or a negative errno. May sleep. */
int fwd_ude_register(const char *name, enum fwd_event_type base,
		     fwd_ude_filter_t filter, void *priv);
/* On return the filter no longer runs. May sleep. */
void fwd_ude_unregister(int id);

/* The namespace's /proc/net/forwarder directory, for plugins' own files. */
struct proc_dir_entry *fwd_proc_dir(struct net *net);

#endif /* _FORWARDER_PLUGIN_H */
