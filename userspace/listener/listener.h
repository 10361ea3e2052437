/* SPDX-License-Identifier: GPL-2.0-only */
/* fwd-listener: shared types of the daemon (the parsers have proto.h, the policy policy.h). */
#ifndef FWD_LISTENER_H
#define FWD_LISTENER_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

#include "policy.h"
#include "proto.h"

#define MAX_ADDRS 16
#define MAX_LISTEN 8

/* ---- options (main.c) ---- */
struct options {
	int port;			/* 0: read /proc/forwarder/listen_port */
	const char *bind[MAX_LISTEN];	/* addresses to listen on (default 0.0.0.0 and ::) */
	int nbind;
	const char *config;
	const char *proc_dir;		/* default /proc/forwarder */
	const char *stats_file;
	const char *log_file;
	const char *pidfile;
	int daemon;
	int verbose;			/* 0 normal, 1 per-connection, 2 debug */
	int quiet;
	int no_handoff;
	int check;			/* -t: check the configuration, then exit */
	int instr_timeout_ms;
	int connect_timeout_ms;
	int handoff_timeout_ms;
	int max_clients;
};

extern struct options opt;
extern struct policy policy;
extern struct host_addrs host_addrs;	/* this host's addresses and our port (hostaddr.c) */

/* ---- the service manager's readiness protocol (notify.c) ---- */
void notify_ready(void);
void notify_reloading(void);
void notify_stopping(void);

/* ---- logging (log.c) ---- */
enum { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_CONN, LOG_LVL_DEBUG };
void log_init(int use_syslog, const char *file, int level);
void log_reopen(void);
void logmsg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_set_json(int on);	/* --log-format json: one JSON object a line */
/* One event as key=value words, or JSON members; a field is a string (str) or a number. */
struct log_field {
	const char *key;
	const char *str;
	uint64_t num;
};
void log_record(int level, const char *event, const struct log_field *f, size_t nf);
#define err(...) logmsg(LOG_LVL_ERR, __VA_ARGS__)
#define warn(...) logmsg(LOG_LVL_WARN, __VA_ARGS__)
#define info(...) logmsg(LOG_LVL_INFO, __VA_ARGS__)
#define connlog(...) logmsg(LOG_LVL_CONN, __VA_ARGS__)
#define dbg(...) logmsg(LOG_LVL_DEBUG, __VA_ARGS__)

/* ---- counters (stats.c) ---- */
enum fallback_reason { FB_NO_MODULE, FB_KERNEL, FB_TIMEOUT, FB_HALF_CLOSED, FB_DISABLED, FB_COUNT };

struct stats {
	uint64_t accepted, active, active_max, handed_off, fallbacks, fallback_by[FB_COUNT];
	uint64_t proto_native, proto_http, proto_socks5;
	uint64_t refused_policy, refused_auth, protocol_errors, instr_timeouts;
	uint64_t resolve_errors, connect_errors, closed_early;
	uint64_t handoff_retries;
	uint64_t early_bytes;		/* moved by the daemon before a successful hand-off */
	uint64_t relay_bytes;		/* moved by the daemon in fallback mode */
};
extern struct stats stats;
extern const char *const fallback_names[FB_COUNT];
void stats_log(void);
int stats_write(const char *path);

/* ---- time (loop.c) ---- */
uint64_t now_us(void);	/* CLOCK_MONOTONIC */

/* ---- connections ---- */
struct handler {
	void (*fn)(struct handler *h, uint32_t events);
};

enum cstate { S_INSTR, S_RESOLVING, S_CONNECTING, S_RELAY, S_LINGER, S_DEAD };

/* One direction of a relay: src -> pipe -> dst. */
struct dir {
	int pipe[2];
	size_t inpipe;		/* bytes in the pipe */
	int pipe_full;		/* splice into the pipe said EAGAIN with bytes in it */
	int eof;		/* src said EOF */
	int shut;		/* dst shut down for writing */
};

enum { T_NONE, T_INSTR, T_CONNECT, T_HANDOFF_FAST, T_HANDOFF, T_LINGER, T_COUNT };

struct resolve_job;

struct conn {
	uint64_t id;
	enum cstate state;
	int cfd, sfd;
	struct handler hc, hs;		/* epoll handlers for cfd and sfd */
	uint32_t ev_c, ev_s;		/* current epoll interest */
	int reg_c, reg_s;		/* cfd, sfd are in the epoll set */

	struct pstate ps;
	struct request req;
	uint8_t buf[INSTR_MAX];		/* instruction bytes, then the client's early payload */
	size_t blen;
	size_t early_off;		/* early payload still to send is buf[early_off, blen) */

	struct resolve_job *job;
	struct sockaddr_storage addrs[MAX_ADDRS];
	int naddrs, ai;
	enum fwd_err last_err;

	struct dir d[2];		/* 0: client -> server, 1: server -> client */
	int fallback;			/* relaying for good; no more hand-off attempts */
	uint64_t handoff_fast_until, handoff_deadline;	/* now_us() */
	uint64_t bytes;

	/* timer: one list per kind, each kind has one duration so lists stay sorted */
	int tkind;
	uint64_t deadline;		/* now_us() */
	struct conn *tprev, *tnext;
	/* all connections */
	struct conn *prev, *next;

	char peer[INET6_ADDRSTRLEN + 8];
	struct sockaddr_storage client;	/* for the policy's "from" rules */
	/* For the access log line at the end. */
	uint64_t start_us;
	const char *verdict;		/* why it was refused, when it was */
	int handed_off;
	enum fallback_reason fb_reason;
};

/* loop.c */
int loop_init(void);
int loop_add_listener(int fd);
int loop_run(void);
void conn_set_events(struct conn *c, int which, uint32_t ev);
void conn_close(struct conn *c, int abort);
void timer_set(struct conn *c, int kind);
void timer_clear(struct conn *c);

/* relay.c */
int relay_start(struct conn *c);
/* Move what can be moved; 1 when both directions are finished, -1 on a socket error. */
int relay_io(struct conn *c);
/* Interest masks the relay needs on the client and server sockets. */
void relay_events(const struct conn *c, uint32_t *evc, uint32_t *evs);
int relay_quiet(const struct conn *c);
void relay_free(struct conn *c);

/* handoff.c */
enum handoff_rc { HO_DONE, HO_WAIT, HO_FALLBACK };
/* Try once: HO_DONE (the kernel owns the pair; close our fds), HO_WAIT (queues
 * not empty yet), HO_FALLBACK (relay it ourselves; *reason says why). */
enum handoff_rc handoff_try(struct conn *c, enum fallback_reason *reason);
int sock_open(int fd, char *why, size_t whylen);
int handoff_possible(void);
int proc_read_port(const char *proc_dir);
int proc_write_port(const char *proc_dir, int port);

/* resolve.c: getaddrinfo on worker threads */
struct resolve_job {
	struct conn *c;		/* NULL once cancelled */
	char host[HOST_MAX + 1];
	char port[8];
	int rc;			/* getaddrinfo's result */
	struct addrinfo *res;
	struct resolve_job *next;
};
int resolver_init(int threads);		/* returns an fd that becomes readable when jobs finish */
int resolver_submit(struct resolve_job *j);
struct resolve_job *resolver_done(void);	/* finished jobs, as a list */

#endif
