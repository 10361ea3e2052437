// SPDX-License-Identifier: GPL-2.0-only
/*
 * The event loop: one epoll set for the listening sockets, every client and
 * server socket, the resolver's eventfd and a signalfd; level-triggered,
 * everything non-blocking. A connection goes
 *
 *   S_INSTR      reading the instruction (parsers in proto_*.c)
 *   S_RESOLVING  host name on a resolver thread
 *   S_CONNECTING non-blocking connect to each allowed address in turn
 *   S_RELAY      success reply sent; relay.c moves early bytes until nothing
 *                is in flight through us, then handoff.c gives the pair to the
 *                kernel, or it stays relayed for good (fallback)
 *   S_LINGER     error reply sent; discard input until EOF or a short timeout
 *
 * Timeouts (in microseconds): one list per kind; every entry of a kind has the same duration,
 * so appending keeps each list sorted and the next deadline is a list head.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "listener.h"

/* Hand-off retries (the kernel said EAGAIN): every 250 us for the first 20 ms
 * after the success reply, then every 2 ms. */
#define HANDOFF_FAST_US 250
#define HANDOFF_FAST_FOR_US 20000
#define HANDOFF_POLL_US 2000
#define LINGER_US 2000000
#define LINGER_MAX_BYTES (1 << 20)
#define ACCEPT_PAUSE_US 100000

void main_reload(void);	/* main.c */

static int epfd = -1;
static struct conn *conns;	/* every live connection */
static struct conn *dead;	/* closed during this round, freed after it */
static uint64_t next_id = 1;

static struct {
	struct conn *head, *tail;
} timers[T_COUNT];
static uint64_t durations[T_COUNT];	/* microseconds */

struct listener {
	struct handler h;
	int fd;
	int active;
};
static struct listener listeners[MAX_LISTEN];
static int nlisteners;
static int stopping, accepting;
static uint64_t accept_paused_until;

static struct handler resolver_h, signal_h;
static int resolver_fd = -1, signal_fd = -1;

uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* ---- timers ---- */

void timer_clear(struct conn *c)
{
	if (c->tkind == T_NONE)
		return;
	if (c->tprev)
		c->tprev->tnext = c->tnext;
	else
		timers[c->tkind].head = c->tnext;
	if (c->tnext)
		c->tnext->tprev = c->tprev;
	else
		timers[c->tkind].tail = c->tprev;
	c->tprev = c->tnext = NULL;
	c->tkind = T_NONE;
}

void timer_set(struct conn *c, int kind)
{
	timer_clear(c);
	c->tkind = kind;
	c->deadline = now_us() + durations[kind];
	c->tprev = timers[kind].tail;
	c->tnext = NULL;
	if (timers[kind].tail)
		timers[kind].tail->tnext = c;
	else
		timers[kind].head = c;
	timers[kind].tail = c;
}

/* ---- epoll ---- */

static int ep_ctl(int op, int fd, uint32_t ev, struct handler *h)
{
	struct epoll_event e = { .events = ev, .data.ptr = h };

	return epoll_ctl(epfd, op, fd, &e);
}

/*
 * Interest in one socket of a connection (0 client, 1 server). A socket stays
 * registered with no interest (so a reset still reports EPOLLERR) unless it
 * reported EPOLLHUP: then it would report it again and again.
 */
static int hup[2];	/* scratch for the handler that is running */

void conn_set_events(struct conn *c, int which, uint32_t ev)
{
	int fd = which ? c->sfd : c->cfd;
	uint32_t *cur = which ? &c->ev_s : &c->ev_c;
	int *reg = which ? &c->reg_s : &c->reg_c;

	if (fd < 0)
		return;
	if (!ev && hup[which]) {
		if (*reg)
			ep_ctl(EPOLL_CTL_DEL, fd, 0, NULL);
		*reg = 0;
		*cur = 0;
		return;
	}
	if (*reg && *cur == ev)
		return;
	if (ep_ctl(*reg ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, ev, which ? &c->hs : &c->hc) < 0) {
		err("epoll_ctl: %s", strerror(errno));
		return;
	}
	*reg = 1;
	*cur = ev;
}

static void close_sock(struct conn *c, int which, int abort)
{
	int *fd = which ? &c->sfd : &c->cfd;
	int *reg = which ? &c->reg_s : &c->reg_c;

	if (*fd < 0)
		return;
	if (*reg)
		ep_ctl(EPOLL_CTL_DEL, *fd, 0, NULL);
	*reg = 0;
	if (abort) {
		struct linger l = { .l_onoff = 1, .l_linger = 0 };

		setsockopt(*fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	}
	close(*fd);
	*fd = -1;
}

static void update_accepting(void);
static const char *proto_name(enum proto p);

/*
 * The access log: one line per connection when the listener lets go of it,
 * what an operator greps for: who, as whom, by which protocol, to where,
 * what became of it, how many bytes the listener moved, how long, how it
 * ended. A handed-off pair ends here for the listener; the kernel carries it
 * on (its bytes are the pair's counters in /proc/forwarder/show).
 */
static void access_log(const struct conn *c, int abort)
{
	char target[HOST_MAX + 16], verdict[48];
	const struct log_field f[] = {
		{ "client", c->peer, 0 },
		{ "user", c->req.has_creds ? c->req.user : "", 0 },
		{ "proto", c->ps.proto == PROTO_UNKNOWN ? "" : proto_name(c->ps.proto), 0 },
		{ "target", target, 0 },
		{ "verdict", verdict, 0 },
		{ "bytes", NULL, c->bytes },
		{ "duration_ms", NULL, (now_us() - c->start_us) / 1000 },
		{ "end", abort ? "reset" : "closed", 0 },
	};

	if (c->req.host[0])
		snprintf(target, sizeof(target), strchr(c->req.host, ':') ? "[%s]:%u" : "%s:%u",
			 c->req.host, c->req.port);
	else
		target[0] = '\0';
	if (c->handed_off)
		snprintf(verdict, sizeof(verdict), "handed_off");
	else if (c->fallback)
		snprintf(verdict, sizeof(verdict), "relayed:%s", fallback_names[c->fb_reason]);
	else
		snprintf(verdict, sizeof(verdict), "%s", c->verdict ? c->verdict : "closed_early");
	log_record(LOG_LVL_INFO, "access", f, sizeof(f) / sizeof(f[0]));
}

/* Close everything the connection holds; abort: reset both TCP connections. */
void conn_close(struct conn *c, int abort)
{
	if (c->state == S_DEAD)
		return;
	access_log(c, abort);
	if (c->job) {
		c->job->c = NULL;	/* the resolver loop frees it when it comes back */
		c->job = NULL;
	}
	timer_clear(c);
	close_sock(c, 0, abort);
	close_sock(c, 1, abort);
	relay_free(c);
	if (c->prev)
		c->prev->next = c->next;
	else
		conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->state = S_DEAD;
	c->next = dead;
	dead = c;
	stats.active--;
	update_accepting();
}

/* ---- replies and failures ---- */

/* Replies are small and go out on a fresh connection: a short write means it is dead. */
static int send_all(struct conn *c, const uint8_t *p, size_t n)
{
	ssize_t w;

	if (!n)
		return 0;
	w = send(c->cfd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (w == (ssize_t)n)
		return 0;
	connlog("conn %llu: cannot send the reply: %s", (unsigned long long)c->id,
		w < 0 ? strerror(errno) : "short write");
	return -1;
}

static const char *proto_name(enum proto p)
{
	return p == PROTO_NATIVE ? "native" : p == PROTO_HTTP ? "http" :
	       p == PROTO_SOCKS5 ? "socks5" : "unknown";
}

/* Send the protocol's error reply, then drain the client until it closes. */
static void linger_close(struct conn *c, const uint8_t *reply, size_t n)
{
	if (send_all(c, reply, n) < 0) {
		conn_close(c, 1);
		return;
	}
	close_sock(c, 1, 1);
	relay_free(c);
	shutdown(c->cfd, SHUT_WR);
	c->state = S_LINGER;
	c->blen = 0;
	c->bytes = 0;
	conn_set_events(c, 0, EPOLLIN);
	timer_set(c, T_LINGER);
}

static void fail_request(struct conn *c, enum fwd_err e)
{
	uint8_t reply[REPLY_MAX];
	size_t n = proto_error_reply(&c->ps, e, reply);

	switch (e) {
	case FE_DENIED:
		stats.refused_policy++;
		c->verdict = "refused_policy";
		break;
	case FE_RESOLVE:
		stats.resolve_errors++;
		c->verdict = "resolve_error";
		break;
	default:
		stats.connect_errors++;
		c->verdict = "connect_error";
		break;
	}
	connlog("conn %llu: %s %s port %u: %s", (unsigned long long)c->id, proto_name(c->ps.proto),
		c->req.host, c->req.port, fwd_err_name(e));
	linger_close(c, reply, n);
}

/* ---- hand-off and relaying ---- */

static void go_fallback(struct conn *c, enum fallback_reason r)
{
	if (c->fallback)
		return;
	c->fallback = 1;
	c->fb_reason = r;
	stats.fallbacks++;
	stats.fallback_by[r]++;
	if (c->tkind == T_HANDOFF || c->tkind == T_HANDOFF_FAST)
		timer_clear(c);
	connlog("conn %llu: relaying it (%s)", (unsigned long long)c->id, fallback_names[r]);
}

/* Returns 1 when the connection is gone (handed off). */
static int attempt_handoff(struct conn *c)
{
	enum fallback_reason r = FB_KERNEL;

	switch (handoff_try(c, &r)) {
	case HO_DONE:
		stats.handed_off++;
		c->handed_off = 1;
		connlog("conn %llu: handed off to the kernel (%llu early bytes)",
			(unsigned long long)c->id, (unsigned long long)c->bytes);
		conn_close(c, 0);
		return 1;
	case HO_WAIT:
		if (now_us() >= c->handoff_deadline)
			go_fallback(c, FB_TIMEOUT);
		else if (c->tkind != T_HANDOFF && c->tkind != T_HANDOFF_FAST)
			timer_set(c, now_us() < c->handoff_fast_until ? T_HANDOFF_FAST : T_HANDOFF);
		return 0;
	default:
		go_fallback(c, r);
		return 0;
	}
}

static void step_relay(struct conn *c)
{
	uint32_t evc, evs;
	int r = relay_io(c);

	/* Every connected pair ends either handed off or relayed by us. */
	if (r != 0 && !c->fallback)
		go_fallback(c, FB_HALF_CLOSED);
	if (r < 0) {
		connlog("conn %llu: relay ended: %s (%llu bytes)",
			(unsigned long long)c->id, strerror(errno), (unsigned long long)c->bytes);
		conn_close(c, 1);
		return;
	}
	if (r > 0) {
		connlog("conn %llu: closed (%llu bytes relayed)", (unsigned long long)c->id,
			(unsigned long long)c->bytes);
		conn_close(c, 0);
		return;
	}
	if (!c->fallback) {
		if (c->d[0].eof || c->d[1].eof)
			go_fallback(c, FB_HALF_CLOSED);
		else if (now_us() >= c->handoff_deadline)
			go_fallback(c, FB_TIMEOUT);
		else if (relay_quiet(c) && attempt_handoff(c))
			return;
	}
	relay_events(c, &evc, &evs);
	conn_set_events(c, 0, evc);
	conn_set_events(c, 1, evs);
}

static void clamp_mss(struct conn *c)
{
	int mc = 0, ms = 0, m;
	socklen_t l = sizeof(int);

	if (getsockopt(c->cfd, IPPROTO_TCP, TCP_MAXSEG, &mc, &l) < 0)
		return;
	l = sizeof(int);
	if (getsockopt(c->sfd, IPPROTO_TCP, TCP_MAXSEG, &ms, &l) < 0)
		return;
	m = mc < ms ? mc : ms;
	if (m <= 0)
		return;
	if (setsockopt(c->cfd, IPPROTO_TCP, TCP_MAXSEG, &m, sizeof(m)) < 0 ||
	    setsockopt(c->sfd, IPPROTO_TCP, TCP_MAXSEG, &m, sizeof(m)) < 0)
		dbg("conn %llu: TCP_MAXSEG %d: %s", (unsigned long long)c->id, m, strerror(errno));
	dbg("conn %llu: MSS client %d server %d, both clamped to %d", (unsigned long long)c->id,
	    mc, ms, m);
}

static void connected(struct conn *c)
{
	struct sockaddr_storage bound;
	socklen_t bl = sizeof(bound);
	uint8_t reply[REPLY_MAX];
	size_t n;

	timer_clear(c);
	if (relay_start(c) < 0) {
		err("conn %llu: pipe: %s", (unsigned long long)c->id, strerror(errno));
		fail_request(c, FE_INTERNAL);
		return;
	}
	if (getsockname(c->sfd, (struct sockaddr *)&bound, &bl) < 0)
		memset(&bound, 0, sizeof(bound));
	clamp_mss(c);
	n = proto_success_reply(&c->ps, (struct sockaddr *)&bound, reply);
	if (send_all(c, reply, n) < 0) {
		stats.closed_early++;
		conn_close(c, 1);
		return;
	}
	connlog("conn %llu: %s %s port %u: connected", (unsigned long long)c->id,
		proto_name(c->ps.proto), c->req.host, c->req.port);
	c->state = S_RELAY;
	/* Nothing to hand off to: relay from the first byte (and count it so). */
	if (opt.no_handoff)
		go_fallback(c, FB_DISABLED);
	else if (!handoff_possible())
		go_fallback(c, FB_NO_MODULE);
	c->handoff_fast_until = now_us() + HANDOFF_FAST_FOR_US;
	c->handoff_deadline = now_us() + (uint64_t)opt.handoff_timeout_ms * 1000;
	step_relay(c);
}

static enum fwd_err errno_to_err(int e)
{
	switch (e) {
	case ECONNREFUSED:
		return FE_REFUSED;
	case ENETUNREACH:
	case EADDRNOTAVAIL:
	case EAFNOSUPPORT:
		return FE_NETUNREACH;
	case EHOSTUNREACH:
	case EHOSTDOWN:
		return FE_HOSTUNREACH;
	case ETIMEDOUT:
		return FE_CONN_TIMEOUT;
	case EACCES:
	case EPERM:
		return FE_DENIED;
	default:
		return FE_INTERNAL;
	}
}

static void try_connect(struct conn *c)
{
	while (c->ai < c->naddrs) {
		struct sockaddr_storage *sa = &c->addrs[c->ai];
		socklen_t sl = sa->ss_family == AF_INET ? sizeof(struct sockaddr_in) :
							  sizeof(struct sockaddr_in6);
		int mss = 0;
		socklen_t l = sizeof(mss);

		c->sfd = socket(sa->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c->sfd < 0) {
			c->last_err = FE_INTERNAL;
			err("conn %llu: socket: %s", (unsigned long long)c->id, strerror(errno));
			break;
		}
		/* Advertise no more than the client takes, so the server never sends
		 * us a segment the client side cannot carry as it is. */
		if (getsockopt(c->cfd, IPPROTO_TCP, TCP_MAXSEG, &mss, &l) == 0 && mss > 0)
			setsockopt(c->sfd, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof(mss));
		if (connect(c->sfd, (struct sockaddr *)sa, sl) == 0) {
			connected(c);
			return;
		}
		if (errno == EINPROGRESS) {
			c->state = S_CONNECTING;
			conn_set_events(c, 1, EPOLLOUT);
			return;
		}
		c->last_err = errno_to_err(errno);
		close_sock(c, 1, 0);
		c->ai++;
	}
	fail_request(c, c->last_err ? c->last_err : FE_INTERNAL);
}

static void normalise(struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	if (ss->ss_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = s6->sin6_port };

		memcpy(&s4.sin_addr, &s6->sin6_addr.s6_addr[12], 4);
		memset(ss, 0, sizeof(*ss));
		memcpy(ss, &s4, sizeof(s4));
	}
}

/* Keep the allowed addresses and connect to the first. */
static void filter_and_connect(struct conn *c)
{
	/* A user name counts only when it was checked: with users configured. */
	const struct policy_client cl = {
		.addr = (const struct sockaddr *)&c->client,
		.user = policy.nusers && c->req.has_creds ? c->req.user : NULL,
	};
	char e[200];
	int k = 0;

	if (host_addrs_refresh(&host_addrs, e, sizeof(e)))
		warn("this host's addresses: %s (keeping the previous list)", e);
	for (int i = 0; i < c->naddrs; i++) {
		struct sockaddr *sa = (struct sockaddr *)&c->addrs[i];
		enum addr_class cls;

		normalise(&c->addrs[i]);
		if (policy_allows(&policy, &host_addrs, sa, &cl)) {
			c->addrs[k++] = c->addrs[i];
			continue;
		}
		cls = policy_classify(&host_addrs, sa, NULL);
		if (cls != AC_ORDINARY) {
			char a[INET6_ADDRSTRLEN];
			const void *ap = sa->sa_family == AF_INET ?
				(const void *)&((struct sockaddr_in *)sa)->sin_addr :
				(const void *)&((struct sockaddr_in6 *)sa)->sin6_addr;

			inet_ntop(sa->sa_family, ap, a, sizeof(a));
			connlog("conn %llu: %s is %s%s", (unsigned long long)c->id, a,
				addr_class_name(cls), cls == AC_SELF ? ", never allowed" :
				": refused unless an allow rule names it");
		}
	}
	c->naddrs = k;
	if (!k) {
		fail_request(c, FE_DENIED);
		return;
	}
	c->ai = 0;
	c->last_err = FE_NONE;
	try_connect(c);
}

static void start_request(struct conn *c)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&c->addrs[0];
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&c->addrs[0];
	struct resolve_job *j;

	switch (c->ps.proto) {
	case PROTO_NATIVE:
		stats.proto_native++;
		break;
	case PROTO_HTTP:
		stats.proto_http++;
		break;
	default:
		stats.proto_socks5++;
		break;
	}
	conn_set_events(c, 0, 0);	/* later bytes wait in the socket for the relay */
	timer_set(c, T_CONNECT);
	memset(&c->addrs[0], 0, sizeof(c->addrs[0]));
	if (inet_pton(AF_INET, c->req.host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(c->req.port);
		c->naddrs = 1;
		filter_and_connect(c);
		return;
	}
	if (inet_pton(AF_INET6, c->req.host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(c->req.port);
		c->naddrs = 1;
		filter_and_connect(c);
		return;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		fail_request(c, FE_INTERNAL);
		return;
	}
	j->c = c;
	snprintf(j->host, sizeof(j->host), "%s", c->req.host);
	snprintf(j->port, sizeof(j->port), "%u", c->req.port);
	c->job = j;
	c->state = S_RESOLVING;
	resolver_submit(j);
}

static void resolved(struct resolve_job *j)
{
	struct conn *c = j->c;
	struct addrinfo *ai;

	if (c) {
		c->job = NULL;
		if (j->rc) {
			dbg("conn %llu: %s: %s", (unsigned long long)c->id, j->host, gai_strerror(j->rc));
			fail_request(c, FE_RESOLVE);
		} else {
			c->naddrs = 0;
			for (ai = j->res; ai && c->naddrs < MAX_ADDRS; ai = ai->ai_next) {
				if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
				    ai->ai_addrlen > sizeof(c->addrs[0]))
					continue;
				memset(&c->addrs[c->naddrs], 0, sizeof(c->addrs[0]));
				memcpy(&c->addrs[c->naddrs++], ai->ai_addr, ai->ai_addrlen);
			}
			if (c->naddrs)
				filter_and_connect(c);
			else
				fail_request(c, FE_RESOLVE);
		}
	}
	if (j->res)
		freeaddrinfo(j->res);
	free(j);
}

/* ---- per-state event handling ---- */

static void instr_failed(struct conn *c, const struct parse_out *out)
{
	if (out->err == FE_AUTH) {
		stats.refused_auth++;
		c->verdict = "refused_auth";
	} else if (out->err == FE_TIMEOUT) {
		stats.instr_timeouts++;
		c->verdict = "instruction_timeout";
	} else {
		stats.protocol_errors++;
		c->verdict = "protocol_error";
	}
	connlog("conn %llu from %s: %s instruction refused: %s", (unsigned long long)c->id, c->peer,
		proto_name(c->ps.proto), fwd_err_name(out->err));
	linger_close(c, out->reply, out->reply_len);
}

static void on_instruction(struct conn *c)
{
	struct auth auth = {
		.required = policy.nusers > 0, .check = policy_check_user, .ctx = &policy
	};
	struct parse_out out;

	for (;;) {
		enum parse_rc rc = proto_parse(&c->ps, c->buf, c->blen, &auth, &c->req, &out);

		if (rc == PARSE_ERROR) {
			instr_failed(c, &out);
			return;
		}
		if (out.reply_len && send_all(c, out.reply, out.reply_len) < 0) {
			stats.closed_early++;
			conn_close(c, 1);
			return;
		}
		if (out.consumed) {
			memmove(c->buf, c->buf + out.consumed, c->blen - out.consumed);
			c->blen -= out.consumed;
		}
		if (rc == PARSE_DONE) {
			c->early_off = 0;	/* buf now holds the client's early payload */
			start_request(c);
			return;
		}
		if (!out.consumed)
			break;
	}
	if (c->blen >= sizeof(c->buf)) {	/* the parsers refuse long input first; belt and braces */
		out.err = FE_TOO_LONG;
		out.reply_len = proto_error_reply(&c->ps, FE_TOO_LONG, out.reply);
		instr_failed(c, &out);
	}
}

static void client_event(struct handler *h, uint32_t events)
{
	struct conn *c = (struct conn *)((char *)h - offsetof(struct conn, hc));
	ssize_t n;

	switch (c->state) {
	case S_INSTR:
		n = recv(c->cfd, c->buf + c->blen, sizeof(c->buf) - c->blen, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			connlog("conn %llu from %s: closed before its instruction was complete",
				(unsigned long long)c->id, c->peer);
			stats.closed_early++;
			conn_close(c, n < 0);
			return;
		}
		c->blen += (size_t)n;
		on_instruction(c);
		return;
	case S_RESOLVING:
	case S_CONNECTING:
		/* Only EPOLLERR/EPOLLHUP come here: the client went away. */
		connlog("conn %llu: client went away while connecting", (unsigned long long)c->id);
		stats.closed_early++;
		conn_close(c, 1);
		return;
	case S_RELAY:
		if (events & EPOLLERR) {
			conn_close(c, 1);
			return;
		}
		hup[0] = !!(events & EPOLLHUP);
		step_relay(c);
		hup[0] = 0;
		return;
	case S_LINGER: {
		uint8_t junk[4096];

		n = recv(c->cfd, junk, sizeof(junk), 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		c->bytes += n > 0 ? (uint64_t)n : 0;
		if (n <= 0 || c->bytes > LINGER_MAX_BYTES)
			conn_close(c, n < 0 || c->bytes > LINGER_MAX_BYTES);
		return;
	}
	default:
		return;
	}
}

static void server_event(struct handler *h, uint32_t events)
{
	struct conn *c = (struct conn *)((char *)h - offsetof(struct conn, hs));
	int e = 0;
	socklen_t l = sizeof(e);

	switch (c->state) {
	case S_CONNECTING:
		if (getsockopt(c->sfd, SOL_SOCKET, SO_ERROR, &e, &l) < 0)
			e = errno;
		if (!e) {
			connected(c);
			return;
		}
		dbg("conn %llu: connect: %s", (unsigned long long)c->id, strerror(e));
		c->last_err = errno_to_err(e);
		close_sock(c, 1, 0);
		c->ai++;
		try_connect(c);
		return;
	case S_RELAY:
		if (events & EPOLLERR) {
			getsockopt(c->sfd, SOL_SOCKET, SO_ERROR, &e, &l);
			connlog("conn %llu: server connection failed: %s", (unsigned long long)c->id,
				strerror(e));
			conn_close(c, 1);
			return;
		}
		hup[1] = !!(events & EPOLLHUP);
		step_relay(c);
		hup[1] = 0;
		return;
	default:
		return;
	}
}

static void on_timeout(struct conn *c, int kind)
{
	struct parse_out out;

	switch (kind) {
	case T_INSTR:
		memset(&out, 0, sizeof(out));
		out.err = FE_TIMEOUT;
		out.reply_len = proto_error_reply(&c->ps, FE_TIMEOUT, out.reply);
		instr_failed(c, &out);
		break;
	case T_CONNECT:
		if (c->state == S_RESOLVING) {
			c->job->c = NULL;
			c->job = NULL;
			fail_request(c, FE_RESOLVE);
		} else {
			fail_request(c, FE_CONN_TIMEOUT);
		}
		break;
	case T_HANDOFF:
	case T_HANDOFF_FAST:
		if (c->state == S_RELAY && !c->fallback) {
			if (now_us() >= c->handoff_deadline)
				go_fallback(c, FB_TIMEOUT);
			else if (relay_quiet(c))
				attempt_handoff(c);
		}
		break;
	case T_LINGER:
		conn_close(c, 0);
		break;
	}
}

static void run_timers(uint64_t now)
{
	for (int k = 1; k < T_COUNT; k++)
		while (timers[k].head && timers[k].head->deadline <= now) {
			struct conn *c = timers[k].head;

			timer_clear(c);
			on_timeout(c, k);
		}
}

/* Microseconds until the next deadline, -1 for none. */
static int64_t next_timeout(uint64_t now)
{
	uint64_t best = UINT64_MAX;

	for (int k = 1; k < T_COUNT; k++)
		if (timers[k].head && timers[k].head->deadline < best)
			best = timers[k].head->deadline;
	if (accept_paused_until && accept_paused_until < best)
		best = accept_paused_until;
	if (opt.stats_file && now + 1000000 < best)
		best = now + 1000000;
	if (best == UINT64_MAX)
		return -1;
	return best <= now ? 0 : (int64_t)(best - now);
}

/* ---- accepting ---- */

static void update_accepting(void)
{
	int want = !stopping && stats.active < (uint64_t)opt.max_clients &&
		   now_us() >= accept_paused_until;

	if (want == accepting)
		return;
	for (int i = 0; i < nlisteners; i++)
		if (listeners[i].fd >= 0)
			ep_ctl(EPOLL_CTL_MOD, listeners[i].fd, want ? EPOLLIN : 0, &listeners[i].h);
	accepting = want;
	if (!want && !stopping)
		dbg("not accepting for now (%llu connections)", (unsigned long long)stats.active);
}

static void new_conn(int fd, const struct sockaddr_storage *sa)
{
	struct conn *c = calloc(1, sizeof(*c));
	char host[INET6_ADDRSTRLEN];
	uint16_t port;

	if (!c) {
		err("out of memory, dropping a connection");
		close(fd);
		return;
	}
	c->id = next_id++;
	c->start_us = now_us();
	memcpy(&c->client, sa, sizeof(c->client));
	c->cfd = fd;
	c->sfd = -1;
	c->hc.fn = client_event;
	c->hs.fn = server_event;
	for (int i = 0; i < 2; i++)
		c->d[i].pipe[0] = c->d[i].pipe[1] = -1;
	if (sa->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		port = ntohs(s6->sin6_port);
		snprintf(c->peer, sizeof(c->peer), "[%s]:%u", host, port);
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		port = ntohs(s4->sin_port);
		snprintf(c->peer, sizeof(c->peer), "%s:%u", host, port);
	}
	c->next = conns;
	if (conns)
		conns->prev = c;
	conns = c;
	stats.accepted++;
	if (++stats.active > stats.active_max)
		stats.active_max = stats.active;
	c->state = S_INSTR;
	conn_set_events(c, 0, EPOLLIN);
	if (!c->reg_c) {
		conn_close(c, 1);
		return;
	}
	timer_set(c, T_INSTR);
	dbg("conn %llu from %s: accepted", (unsigned long long)c->id, c->peer);
	update_accepting();
}

static void listener_event(struct handler *h, uint32_t events)
{
	struct listener *l = (struct listener *)h;

	(void)events;
	for (int i = 0; i < 64 && accepting; i++) {
		struct sockaddr_storage sa;
		socklen_t sl = sizeof(sa);
		int fd = accept4(l->fd, (struct sockaddr *)&sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				warn("accept: %s; pausing for %d ms", strerror(errno),
				     ACCEPT_PAUSE_US / 1000);
				accept_paused_until = now_us() + ACCEPT_PAUSE_US;
				update_accepting();
			} else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
				warn("accept: %s", strerror(errno));
			}
			return;
		}
		new_conn(fd, &sa);
	}
}

/* ---- resolver and signals ---- */

static void resolver_event(struct handler *h, uint32_t events)
{
	struct resolve_job *j = resolver_done(), *next;

	(void)h, (void)events;
	for (; j; j = next) {
		next = j->next;
		resolved(j);
	}
}

static void stop_accepting(void)
{
	for (int i = 0; i < nlisteners; i++)
		if (listeners[i].fd >= 0) {
			ep_ctl(EPOLL_CTL_DEL, listeners[i].fd, 0, NULL);
			close(listeners[i].fd);
			listeners[i].fd = -1;
		}
}

static void signal_event(struct handler *h, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)h, (void)events;
	while (read(signal_fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			if (stopping) {
				info("second signal %d: exiting now, dropping %llu connection(s)",
				     (int)si.ssi_signo, (unsigned long long)stats.active);
				stopping = 2;
				break;
			}
			stopping = 1;
			notify_stopping();
			stop_accepting();
			accepting = 0;
			info("signal %d: not accepting any more; %llu connection(s) still served, "
			     "connections the kernel splices are not affected",
			     (int)si.ssi_signo, (unsigned long long)stats.active);
			break;
		case SIGUSR1:
			stats_log();
			if (opt.stats_file)
				stats_write(opt.stats_file);
			break;
		case SIGHUP:
			log_reopen();
			main_reload();
			break;
		}
	}
}

int loop_init(void)
{
	sigset_t set;

	durations[T_INSTR] = (uint64_t)opt.instr_timeout_ms * 1000;
	durations[T_CONNECT] = (uint64_t)opt.connect_timeout_ms * 1000;
	durations[T_HANDOFF_FAST] = HANDOFF_FAST_US;
	durations[T_HANDOFF] = HANDOFF_POLL_US;
	durations[T_LINGER] = LINGER_US;

	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		return -1;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (signal_fd < 0)
		return -1;
	signal_h.fn = signal_event;
	if (ep_ctl(EPOLL_CTL_ADD, signal_fd, EPOLLIN, &signal_h) < 0)
		return -1;
	resolver_fd = resolver_init(4);
	if (resolver_fd < 0)
		return -1;
	resolver_h.fn = resolver_event;
	return ep_ctl(EPOLL_CTL_ADD, resolver_fd, EPOLLIN, &resolver_h);
}

int loop_add_listener(int fd)
{
	struct listener *l;

	if (nlisteners == MAX_LISTEN)
		return -1;
	l = &listeners[nlisteners];
	l->fd = fd;
	l->h.fn = listener_event;
	if (ep_ctl(EPOLL_CTL_ADD, fd, EPOLLIN, &l->h) < 0)
		return -1;
	nlisteners++;
	accepting = 1;
	return 0;
}

int loop_run(void)
{
	struct epoll_event ev[256];
	uint64_t last_stats = now_us();

	while (stopping < 2 && !(stopping && !stats.active)) {
		uint64_t now = now_us();
		int64_t wait = next_timeout(now);
		struct timespec ts = { .tv_sec = wait / 1000000, .tv_nsec = wait % 1000000 * 1000 };
		int n = epoll_pwait2(epfd, ev, 256, wait < 0 ? NULL : &ts, NULL);

		if (n < 0 && errno == ENOSYS)	/* kernels before 5.11: millisecond resolution */
			n = epoll_wait(epfd, ev, 256, wait < 0 ? -1 : (int)((wait + 999) / 1000));

		if (n < 0 && errno != EINTR) {
			err("epoll_wait: %s", strerror(errno));
			return -1;
		}
		for (int i = 0; i < n; i++) {
			struct handler *h = ev[i].data.ptr;

			h->fn(h, ev[i].events);
		}
		now = now_us();
		run_timers(now);
		if (accept_paused_until && now >= accept_paused_until) {
			accept_paused_until = 0;
			update_accepting();
		}
		while (dead) {
			struct conn *c = dead;

			dead = c->next;
			free(c);
		}
		if (opt.stats_file && now - last_stats >= 1000000) {
			stats_write(opt.stats_file);
			last_stats = now;
		}
	}
	/* Exiting: drop what is left (only after a second signal). */
	while (conns)
		conn_close(conns, 1);
	while (dead) {
		struct conn *c = dead;

		dead = c->next;
		free(c);
	}
	stop_accepting();
	return 0;
}
