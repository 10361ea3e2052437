/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The instruction parsers: pure functions from the bytes a client sent so far
 * to "need more", "here is the destination" or "refuse with this reply".
 * No I/O, no allocation, no globals: the unit tests drive them directly.
 */
#ifndef FWD_PROTO_H
#define FWD_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Longest instruction accepted (SOCKS5 needs at most 513 bytes per step). */
#define INSTR_MAX 4096
#define HOST_MAX 255
#define CRED_MAX 255
#define REPLY_MAX 512

enum proto { PROTO_UNKNOWN, PROTO_NATIVE, PROTO_HTTP, PROTO_SOCKS5 };

/* Why an instruction or a connection attempt failed; every protocol maps each to its own reply. */
enum fwd_err {
	FE_NONE,
	FE_SYNTAX,	/* malformed instruction */
	FE_UNKNOWN,	/* not an instruction in any supported protocol */
	FE_TOO_LONG,	/* longer than INSTR_MAX */
	FE_TIMEOUT,	/* instruction not complete in time */
	FE_COMMAND,	/* unsupported command/method (SOCKS BIND, HTTP GET, ...) */
	FE_ADDRTYPE,	/* unsupported address type */
	FE_VERSION,	/* unsupported protocol version */
	FE_AUTH,	/* credentials missing or wrong */
	FE_DENIED,	/* destination not allowed by the policy */
	FE_RESOLVE,	/* host name did not resolve */
	FE_REFUSED,	/* connection refused */
	FE_NETUNREACH,
	FE_HOSTUNREACH,
	FE_CONN_TIMEOUT,	/* the server did not answer in time */
	FE_INTERNAL,	/* resources, unexpected errors */
	FE_COUNT
};

const char *fwd_err_name(enum fwd_err e);

struct request {
	char host[HOST_MAX + 1];	/* name or address literal, no brackets */
	uint16_t port;
	int has_creds;
	char user[CRED_MAX + 1];
	char pass[CRED_MAX + 1];
};

/* Credentials check, supplied by the caller (the policy). NULL: no authentication. */
struct auth {
	int required;
	int (*check)(const void *ctx, const char *user, const char *pass);
	const void *ctx;
};

/* Per-connection parser state (SOCKS5 has several round trips). */
struct pstate {
	enum proto proto;
	int phase;	/* SOCKS5: 0 greeting, 1 user/password, 2 request */
};

enum parse_rc { PARSE_MORE, PARSE_DONE, PARSE_ERROR };

struct parse_out {
	size_t consumed;	/* bytes of the input the parser used up */
	enum fwd_err err;	/* PARSE_ERROR: why */
	size_t reply_len;	/* bytes to send to the client now (intermediate or error reply) */
	uint8_t reply[REPLY_MAX];
};

/*
 * Feed the whole unconsumed input (buf, len). On PARSE_MORE the parser may have
 * consumed a complete step (out->consumed > 0) and asks to send out->reply; call
 * again with the remaining bytes (after removing consumed ones) when more arrive
 * or right away if any are left. On PARSE_DONE req is filled and out->consumed
 * bytes are the instruction: the rest is client payload. On PARSE_ERROR send
 * out->reply and close.
 */
enum parse_rc proto_parse(struct pstate *st, const uint8_t *buf, size_t len,
			  const struct auth *auth, struct request *req, struct parse_out *out);

/* The protocol's reply to an instruction that failed later (policy, DNS, connect, timeout). */
size_t proto_error_reply(const struct pstate *st, enum fwd_err err, uint8_t *reply);
/* The protocol's success reply; bound is the server-side socket's local address (may be NULL). */
size_t proto_success_reply(const struct pstate *st, const struct sockaddr *bound, uint8_t *reply);

/* Per protocol (proto_native.c, proto_http.c, proto_socks5.c). */
enum parse_rc native_parse(const uint8_t *buf, size_t len, const struct auth *auth,
			   struct request *req, struct parse_out *out);
size_t native_error_reply(enum fwd_err err, uint8_t *reply);
size_t native_success_reply(uint8_t *reply);

enum parse_rc http_parse(const uint8_t *buf, size_t len, const struct auth *auth,
			 struct request *req, struct parse_out *out);
size_t http_error_reply(enum fwd_err err, uint8_t *reply);
size_t http_success_reply(uint8_t *reply);

enum parse_rc socks5_parse(struct pstate *st, const uint8_t *buf, size_t len,
			   const struct auth *auth, struct request *req, struct parse_out *out);
size_t socks5_error_reply(enum fwd_err err, uint8_t *reply);
size_t socks5_success_reply(const struct sockaddr *bound, uint8_t *reply);

/* Shared helpers (proto.c). */
/* "host:port", "[v6]:port": 0 on success. */
int parse_hostport(const char *s, size_t n, char *host, uint16_t *port);
/* A host name or address literal we are willing to resolve/connect to. */
int valid_host(const char *h);
/* Decimal port 1..65535, no sign, no leading zeros: 0 on success. */
int parse_port(const char *s, size_t n, uint16_t *port);
/* Base64 decode (RFC 4648, with padding): decoded length or -1. */
int base64_decode(const char *in, size_t n, char *out, size_t outsz);

#endif
