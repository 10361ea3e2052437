// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the instruction parsers and the policy: every well-formed
 * instruction gives the right destination, every malformed or hostile one the
 * right reply. Built with AddressSanitizer/UBSan by "make test"; ends with a
 * random-input run that must neither crash nor misbehave.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "proto.h"

static int failures, checks;

#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		checks++;                                                    \
		if (!(cond)) {                                               \
			failures++;                                          \
			printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);   \
			printf(__VA_ARGS__);                                 \
			printf("\n");                                        \
		}                                                            \
	} while (0)

static int check_pw(const void *ctx, const char *u, const char *p)
{
	(void)ctx;
	return !strcmp(u, "alice") && !strcmp(p, "s3cret");
}

static const struct auth noauth = { 0 };
static const struct auth needauth = { .required = 1, .check = check_pw };

struct result {
	enum parse_rc rc;
	struct pstate st;
	struct request req;
	struct parse_out out;
	size_t consumed_total;
	uint8_t replies[2048];
	size_t replies_len;
};

/* Drive the parser the way the loop does: feed `len` bytes `chunk` at a time. */
static struct result run(const void *data, size_t len, size_t chunk, const struct auth *a)
{
	static uint8_t buf[INSTR_MAX + 64];
	struct result r;
	size_t have = 0, fed = 0;

	memset(&r, 0, sizeof(r));
	r.rc = PARSE_MORE;
	while (r.rc == PARSE_MORE) {
		size_t n = len - fed < chunk ? len - fed : chunk;

		if (n == 0)
			break;
		if (have + n > INSTR_MAX)
			n = INSTR_MAX - have;
		memcpy(buf + have, (const uint8_t *)data + fed, n);
		have += n;
		fed += n;
		for (;;) {
			r.rc = proto_parse(&r.st, buf, have, a, &r.req, &r.out);
			if (r.out.reply_len && r.replies_len + r.out.reply_len <= sizeof(r.replies)) {
				memcpy(r.replies + r.replies_len, r.out.reply, r.out.reply_len);
				r.replies_len += r.out.reply_len;
			}
			if (r.rc != PARSE_MORE || !r.out.consumed) {
				if (r.rc == PARSE_DONE)
					r.consumed_total += r.out.consumed;
				break;
			}
			r.consumed_total += r.out.consumed;
			memmove(buf, buf + r.out.consumed, have - r.out.consumed);
			have -= r.out.consumed;
		}
		if (have >= INSTR_MAX && r.rc == PARSE_MORE)
			break;
	}
	return r;
}

static int reply_starts(const struct result *r, const char *s)
{
	size_t n = strlen(s);

	return r->out.reply_len >= n && !memcmp(r->out.reply, s, n);
}

static void expect_done(const char *in, size_t chunk, const char *host, unsigned int port,
			enum proto p, size_t consumed)
{
	struct result r = run(in, strlen(in), chunk, &noauth);

	CHECK(r.rc == PARSE_DONE, "'%s' (chunk %zu): rc %d reply '%.*s'", in, chunk, r.rc,
	      (int)r.out.reply_len, r.out.reply);
	CHECK(!strcmp(r.req.host, host), "'%s': host '%s'", in, r.req.host);
	CHECK(r.req.port == port, "'%s': port %u", in, r.req.port);
	CHECK(r.st.proto == p, "'%s': proto %d", in, r.st.proto);
	CHECK(r.consumed_total == consumed, "'%s': consumed %zu, want %zu", in, r.consumed_total,
	      consumed);
}

static void expect_err(const char *in, size_t len, const struct auth *a, enum fwd_err e,
		       const char *reply_prefix)
{
	struct result r = run(in, len, len ? len : 1, a);

	CHECK(r.rc == PARSE_ERROR, "'%.40s': rc %d, want error %s", in, r.rc, fwd_err_name(e));
	CHECK(r.out.err == e, "'%.40s': err %s, want %s", in, fwd_err_name(r.out.err),
	      fwd_err_name(e));
	if (reply_prefix)
		CHECK(reply_starts(&r, reply_prefix), "'%.40s': reply '%.*s', want '%s...'", in,
		      (int)r.out.reply_len, r.out.reply, reply_prefix);
}

static void expect_more(const char *in)
{
	struct result r = run(in, strlen(in), strlen(in), &noauth);

	CHECK(r.rc == PARSE_MORE, "'%s': rc %d, want MORE", in, r.rc);
	CHECK(r.out.reply_len == 0, "'%s': unexpected reply", in);
}

static void test_native(void)
{
	const char *ok = "CONNECT example.com:443\n";

	for (size_t chunk = 1; chunk <= strlen(ok); chunk++)
		expect_done(ok, chunk, "example.com", 443, PROTO_NATIVE, strlen(ok));
	expect_done("CONNECT 10.0.2.2:80\r\n", 64, "10.0.2.2", 80, PROTO_NATIVE, 21);
	expect_done("CONNECT [fd00:2::2]:8080\n", 64, "fd00:2::2", 8080, PROTO_NATIVE, 25);
	expect_done("  CONNECT\t a-b_c.d:65535  \n", 64, "a-b_c.d", 65535, PROTO_NATIVE, 27);
	/* Payload after the line is not part of the instruction. */
	expect_done("CONNECT h:1\nGET / HTTP/1.0\r\n\r\n", 64, "h", 1, PROTO_NATIVE, 12);
	expect_more("CONNECT example.com:443");
	expect_more("CONN");

	expect_err("connect h:1\n", 12, &noauth, FE_UNKNOWN, "ERR unknown-protocol ");
	expect_err("HELLO\n", 6, &noauth, FE_UNKNOWN, "ERR unknown-protocol ");
	expect_err("\n", 1, &noauth, FE_SYNTAX, "ERR syntax ");
	expect_err("\r\n", 2, &noauth, FE_SYNTAX, "ERR syntax ");
	expect_err("CONNECT\n", 8, &noauth, FE_SYNTAX, "ERR syntax ");
	expect_err("CONNECT h\n", 10, &noauth, FE_SYNTAX, "ERR syntax ");
	expect_err("CONNECT h:\n", 11, &noauth, FE_SYNTAX, NULL);
	expect_err("CONNECT :80\n", 12, &noauth, FE_SYNTAX, NULL);
	expect_err("CONNECT h:0\n", 12, &noauth, FE_SYNTAX, NULL);
	expect_err("CONNECT h:65536\n", 16, &noauth, FE_SYNTAX, NULL);
	expect_err("CONNECT h:080\n", 14, &noauth, FE_SYNTAX, NULL);
	expect_err("CONNECT h:+80\n", 14, &noauth, FE_SYNTAX, NULL);
	expect_err("CONNECT h:8a\n", 13, &noauth, FE_SYNTAX, NULL);
	expect_err("CONNECT fd00::1:80\n", 19, &noauth, FE_SYNTAX, NULL);
	expect_err("CONNECT [fd00::1]80\n", 20, &noauth, FE_SYNTAX, NULL);
	expect_err("CONNECT [example.com]:80\n", 25, &noauth, FE_SYNTAX, NULL);
	expect_err("CONNECT [zz::1]:80\n", 19, &noauth, FE_SYNTAX, NULL);
	expect_err("CONNECT ex/ample:80\n", 20, &noauth, FE_SYNTAX, NULL);
	expect_err("CONNECT a..b:80\n", 16, &noauth, FE_SYNTAX, NULL);
	expect_err("CONNECT .a:80\n", 14, &noauth, FE_SYNTAX, NULL);
	expect_err("CONNECT h:80 u:p extra\n", 23, &noauth, FE_SYNTAX, NULL);
	expect_err("CONNECT h:80 nocolon\n", 21, &noauth, FE_SYNTAX, NULL);
	expect_err("CONNECT h:80 :p\n", 16, &noauth, FE_SYNTAX, NULL);
	expect_err("CONNECT h:80\r\r\n", 15, &noauth, FE_SYNTAX, NULL);
	/* NUL and other control bytes in the line: refused at once, not waited for. */
	expect_err("CONNECT h\0:80\n", 14, &noauth, FE_UNKNOWN, "ERR ");
	expect_err("\x16\x03\x01\x02\x00", 5, &noauth, FE_UNKNOWN, "ERR unknown-protocol ");

	/* Credentials. */
	expect_err("CONNECT h:80\n", 13, &needauth, FE_AUTH, "ERR auth ");
	expect_err("CONNECT h:80 alice:wrong\n", 25, &needauth, FE_AUTH, "ERR auth ");
	{
		const char *in = "CONNECT h:80 alice:s3cret\n";
		struct result r = run(in, strlen(in), 3, &needauth);

		CHECK(r.rc == PARSE_DONE, "native with credentials: rc %d", r.rc);
		CHECK(!strcmp(r.req.user, "alice") && !strcmp(r.req.pass, "s3cret"), "creds");
	}
	{
		/* A host name of exactly 255 bytes is fine, 256 is not. */
		char in[600], host[300];

		for (int i = 0; i < 255; i++)
			host[i] = (i % 64 == 63) ? '.' : 'a';
		host[255] = '\0';
		snprintf(in, sizeof(in), "CONNECT %s:1\n", host);
		expect_done(in, 100, host, 1, PROTO_NATIVE, strlen(in));
		snprintf(in, sizeof(in), "CONNECT %sa:1\n", host);
		expect_err(in, strlen(in), &noauth, FE_SYNTAX, NULL);
	}
}

static void test_oversized(void)
{
	static char big[INSTR_MAX + 10];

	/* A line that never ends. */
	memset(big, 'A', sizeof(big));
	expect_err(big, sizeof(big), &noauth, FE_TOO_LONG, "ERR too-long ");
	memcpy(big, "CONNECT ", 8);
	expect_err(big, sizeof(big), &noauth, FE_TOO_LONG, "ERR too-long ");
	/* HTTP headers that never end. */
	memset(big, 'a', sizeof(big));
	memcpy(big, "CONNECT h:1 HTTP/1.1\r\n", 22);
	for (size_t i = 22; i + 12 < sizeof(big); i += 12)
		memcpy(big + i, "X-Pad: abc\r\n", 12);
	expect_err(big, sizeof(big), &noauth, FE_TOO_LONG, "HTTP/1.1 431 ");
	/* Exactly at the limit: fine; one byte more: refused. */
	for (int extra = 0; extra < 2; extra++) {
		size_t pad = INSTR_MAX - 22 - 3 - 4 + (size_t)extra;
		char *in = malloc(INSTR_MAX + 2), *p = in;
		struct result r;

		p += sprintf(p, "CONNECT h:1 HTTP/1.1\r\nX: ");
		memset(p, 'x', pad);
		p += pad;
		p += sprintf(p, "\r\n\r\n");
		r = run(in, (size_t)(p - in), 4096, &noauth);
		if (extra)
			CHECK(r.rc == PARSE_ERROR && r.out.err == FE_TOO_LONG, "limit+1: rc %d", r.rc);
		else
			CHECK(r.rc == PARSE_DONE && r.consumed_total == INSTR_MAX, "limit: rc %d", r.rc);
		free(in);
	}
}

static void test_http(void)
{
	const char *ok = "CONNECT srv.example:443 HTTP/1.1\r\nHost: srv.example:443\r\n"
			 "User-Agent: curl/7.88.1\r\nProxy-Connection: Keep-Alive\r\n\r\n";

	for (size_t chunk = 1; chunk < 20; chunk++)
		expect_done(ok, chunk, "srv.example", 443, PROTO_HTTP, strlen(ok));
	expect_done(ok, 4096, "srv.example", 443, PROTO_HTTP, strlen(ok));
	expect_done("CONNECT [::1]:22 HTTP/1.0\r\n\r\n", 99, "::1", 22, PROTO_HTTP, 29);
	expect_done("CONNECT 1.2.3.4:5 HTTP/1.0\n\nPAYLOAD", 99, "1.2.3.4", 5, PROTO_HTTP, 28);
	expect_more("CONNECT h:1 HTTP/1.1\r\nHost: h:1\r\n");

	expect_err("GET http://h/ HTTP/1.1\r\n\r\n", 26, &noauth, FE_COMMAND,
		   "HTTP/1.1 405 Method Not Allowed\r\n");
	expect_err("connect h:1 HTTP/1.1\r\n\r\n", 24, &noauth, FE_COMMAND, "HTTP/1.1 405 ");
	expect_err("CONNECT h:1 HTTP/2.0\r\n\r\n", 24, &noauth, FE_VERSION, "HTTP/1.1 505 ");
	expect_err("CONNECT h:1 HTTP/1.2\r\n\r\n", 24, &noauth, FE_VERSION, "HTTP/1.1 505 ");
	expect_err("CONNECT h HTTP/1.1\r\n\r\n", 22, &noauth, FE_SYNTAX, "HTTP/1.1 400 ");
	expect_err("CONNECT h:99999 HTTP/1.1\r\n\r\n", 29, &noauth, FE_SYNTAX, "HTTP/1.1 400 ");
	expect_err("CONNECT /x HTTP/1.1\r\n\r\n", 23, &noauth, FE_SYNTAX, "HTTP/1.1 400 ");
	expect_err("CONNECT  h:1 HTTP/1.1\r\n\r\n", 25, &noauth, FE_SYNTAX, "HTTP/1.1 400 ");
	expect_err("CONNECT h:1 HTTP/1.1\r\nNoColon\r\n\r\n", 33, &noauth, FE_SYNTAX,
		   "HTTP/1.1 400 ");
	expect_err("CONNECT h:1 HTTP/1.1\r\nBad Name: x\r\n\r\n", 37, &noauth, FE_SYNTAX, NULL);
	expect_err("CONNECT h:1 HTTP/1.1\r\n folded\r\n\r\n", 33, &noauth, FE_SYNTAX, NULL);
	expect_err("CONNECT h:1 HTTP/1.1\r\nX: a\0b\r\n\r\n", 32, &noauth, FE_SYNTAX, NULL);

	/* Proxy authentication. */
	expect_err("CONNECT h:1 HTTP/1.1\r\n\r\n", 24, &needauth, FE_AUTH,
		   "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic");
	{
		/* alice:s3cret, alice:wrong, junk base64 */
		const char *good = "CONNECT h:1 HTTP/1.1\r\nproxy-authorization:  Basic YWxpY2U6czNjcmV0 \r\n\r\n";
		struct result r = run(good, strlen(good), 7, &needauth);

		CHECK(r.rc == PARSE_DONE, "http basic auth: rc %d reply %.*s", r.rc,
		      (int)r.out.reply_len, r.out.reply);
		CHECK(!strcmp(r.req.user, "alice"), "user '%s'", r.req.user);
	}
	{
		const char *in = "CONNECT h:1 HTTP/1.1\r\nProxy-Authorization: Basic YWxpY2U6d3Jvbmc=\r\n\r\n";

		expect_err(in, strlen(in), &needauth, FE_AUTH, "HTTP/1.1 407 ");
		in = "CONNECT h:1 HTTP/1.1\r\nProxy-Authorization: Basic !!!!\r\n\r\n";
		expect_err(in, strlen(in), &needauth, FE_AUTH, "HTTP/1.1 407 ");
		in = "CONNECT h:1 HTTP/1.1\r\nProxy-Authorization: Digest abc\r\n\r\n";
		expect_err(in, strlen(in), &needauth, FE_AUTH, "HTTP/1.1 407 ");
		in = "CONNECT h:1 HTTP/1.1\r\nProxy-Authorization: Basic YWxpY2U=\r\n\r\n"; /* "alice" */
		expect_err(in, strlen(in), &needauth, FE_AUTH, "HTTP/1.1 407 ");
		/* Without users configured, credentials are ignored. */
		in = "CONNECT h:1 HTTP/1.1\r\nProxy-Authorization: Basic !!!!\r\n\r\n";
		expect_done(in, 99, "h", 1, PROTO_HTTP, strlen(in));
	}
	/* Every error reply is a complete HTTP response with a matching Content-Length. */
	for (int e = FE_SYNTAX; e < FE_COUNT; e++) {
		uint8_t reply[REPLY_MAX + 1];
		size_t n = http_error_reply((enum fwd_err)e, reply);
		char *body;
		int cl = -1;

		reply[n] = '\0';
		body = strstr((char *)reply, "\r\n\r\n");
		CHECK(body != NULL, "http error %d: no header end", e);
		if (body) {
			sscanf(strstr((char *)reply, "Content-Length: ") + 16, "%d", &cl);
			CHECK(cl == (int)strlen(body + 4), "http error %d: length %d vs %zu", e, cl,
			      strlen(body + 4));
		}
	}
	{
		uint8_t reply[REPLY_MAX];
		struct pstate st = { .proto = PROTO_HTTP };
		size_t n;

		n = proto_error_reply(&st, FE_DENIED, reply);
		CHECK(n > 13 && !memcmp(reply, "HTTP/1.1 403 ", 13), "denied -> 403");
		n = proto_error_reply(&st, FE_REFUSED, reply);
		CHECK(n > 13 && !memcmp(reply, "HTTP/1.1 502 ", 13), "refused -> 502");
		n = proto_error_reply(&st, FE_CONN_TIMEOUT, reply);
		CHECK(n > 13 && !memcmp(reply, "HTTP/1.1 504 ", 13), "timeout -> 504");
		n = proto_error_reply(&st, FE_TIMEOUT, reply);
		CHECK(n > 13 && !memcmp(reply, "HTTP/1.1 408 ", 13), "slow -> 408");
		n = proto_success_reply(&st, NULL, reply);
		CHECK(n == 39 && !memcmp(reply, "HTTP/1.1 200 Connection established\r\n\r\n", 39),
		      "success");
	}
}

#define B(...) ((const char[]){ __VA_ARGS__ })
/* The bytes and their count. */
#define BL(...) B(__VA_ARGS__), sizeof(B(__VA_ARGS__))

static void socks_done(const char *in, size_t len, const struct auth *a, const char *host,
		       unsigned int port, const char *replies, size_t rlen)
{
	for (size_t chunk = 1; chunk <= len; chunk++) {
		struct result r = run(in, len, chunk, a);

		CHECK(r.rc == PARSE_DONE, "socks (chunk %zu): rc %d err %s", chunk, r.rc,
		      fwd_err_name(r.out.err));
		CHECK(!strcmp(r.req.host, host), "socks: host '%s' want '%s'", r.req.host, host);
		CHECK(r.req.port == port, "socks: port %u", r.req.port);
		CHECK(r.replies_len == rlen && !memcmp(r.replies, replies, rlen),
		      "socks (chunk %zu): intermediate replies differ (%zu bytes)", chunk,
		      r.replies_len);
		CHECK(r.consumed_total == len, "socks: consumed %zu of %zu", r.consumed_total, len);
	}
}

static void socks_err(const char *in, size_t len, const struct auth *a, enum fwd_err e,
		      const char *last_reply, size_t rlen)
{
	struct result r = run(in, len, len, a);

	CHECK(r.rc == PARSE_ERROR, "socks error: rc %d", r.rc);
	CHECK(r.out.err == e, "socks error: %s want %s", fwd_err_name(r.out.err), fwd_err_name(e));
	CHECK(r.out.reply_len == rlen && !memcmp(r.out.reply, last_reply, rlen),
	      "socks error %s: reply (%zu bytes) differs", fwd_err_name(e), r.out.reply_len);
}

static void test_socks5(void)
{
	static const char rep_fail[10] = { 5, 1, 0, 1 };
	char rep[10];

	/* No auth, IPv4. */
	socks_done(BL(5, 1, 0, 5, 1, 0, 1, 10, 0, 2, 2, 0, 80), &noauth, "10.0.2.2", 80,
		   B(5, 0), 2);
	/* Several methods offered, no auth chosen; domain name; IPv6. */
	socks_done(BL(5, 2, 0, 2, 5, 1, 0, 3, 4, 'h', 'o', 's', 't', 1, 187), &noauth, "host",
		   443, B(5, 0), 2);
	socks_done(BL(5, 1, 0, 5, 1, 0, 4, 0xfd, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
		     0x1f, 0x90), &noauth, "fd00:2::2", 8080, B(5, 0), 2);
	/* Only user/password offered, no users configured: chosen, anything passes. */
	socks_done(BL(5, 1, 2, 1, 1, 'x', 0, 5, 1, 0, 1, 1, 2, 3, 4, 0, 1), &noauth, "1.2.3.4",
		   1, B(5, 2, 1, 0), 4);
	/* Users configured: user/password required and checked. */
	socks_done(BL(5, 2, 0, 2, 1, 5, 'a', 'l', 'i', 'c', 'e', 6, 's', '3', 'c', 'r', 'e', 't',
		     5, 1, 0, 1, 1, 2, 3, 4, 0, 1), &needauth, "1.2.3.4", 1, B(5, 2, 1, 0), 4);
	socks_err(BL(5, 1, 0), &needauth, FE_AUTH, B(5, (char)0xff), 2);
	socks_err(BL(5, 1, 2, 1, 5, 'a', 'l', 'i', 'c', 'e', 5, 'w', 'r', 'o', 'n', 'g'),
		  &needauth, FE_AUTH, B(1, 1), 2);
	socks_err(BL(5, 1, 2, 1, 0, 0), &noauth, FE_AUTH, B(1, 1), 2);	/* empty user */
	socks_err(BL(5, 1, 2, 2, 1, 'a', 1, 'b'), &noauth, FE_VERSION, B(1, 1), 2);
	socks_err(BL(5, 0), &noauth, FE_AUTH, B(5, (char)0xff), 2);	/* no methods */
	socks_err(BL(5, 1, 1), &noauth, FE_AUTH, B(5, (char)0xff), 2);	/* GSSAPI only */
	/* Requests. */
	memcpy(rep, rep_fail, 10);
	rep[1] = 7;
	socks_err(BL(5, 1, 0, 5, 2, 0, 1, 1, 2, 3, 4, 0, 1), &noauth, FE_COMMAND, rep, 10);
	socks_err(BL(5, 1, 0, 5, 3, 0, 1, 1, 2, 3, 4, 0, 1), &noauth, FE_COMMAND, rep, 10);
	rep[1] = 8;
	socks_err(BL(5, 1, 0, 5, 1, 0, 9, 1, 2, 3, 4, 0, 1), &noauth, FE_ADDRTYPE, rep, 10);
	socks_err(BL(5, 1, 0, 5, 1, 0, 3, 0, 0, 1), &noauth, FE_ADDRTYPE, rep, 10);
	socks_err(BL(5, 1, 0, 5, 1, 0, 3, 3, 'a', 0, 'b', 0, 1), &noauth, FE_ADDRTYPE, rep, 10);
	socks_err(BL(5, 1, 0, 5, 1, 0, 3, 3, 'a', '/', 'b', 0, 1), &noauth, FE_ADDRTYPE, rep, 10);
	rep[1] = 1;
	socks_err(BL(5, 1, 0, 4, 1, 0, 1, 1, 2, 3, 4, 0, 1), &noauth, FE_VERSION, rep, 10);
	socks_err(BL(5, 1, 0, 5, 1, 0, 1, 1, 2, 3, 4, 0, 0), &noauth, FE_SYNTAX, rep, 10);
	socks_err(BL(5, 1, 0, 5, 1, 1, 1, 1, 2, 3, 4, 0, 1), &noauth, FE_SYNTAX, rep, 10);
	/* SOCKS4 is refused with its own "rejected" reply. */
	socks_err(BL(4, 1, 0, 80, 1, 2, 3, 4, 0), &noauth, FE_VERSION, B(0, 0x5b, 0, 0, 0, 0, 0, 0), 8);
	/* Incomplete: wait. */
	{
		struct result r = run(B(5, 3, 0, 1), 4, 4, &noauth);

		CHECK(r.rc == PARSE_MORE && r.replies_len == 0, "partial greeting");
		r = run(B(5, 1, 0, 5, 1, 0, 3, 10, 'a'), 9, 9, &noauth);
		CHECK(r.rc == PARSE_MORE && r.replies_len == 2, "partial request");
	}
	/* Error replies after the request map to RFC 1928 codes. */
	{
		struct pstate st = { .proto = PROTO_SOCKS5, .phase = 2 };
		static const struct {
			enum fwd_err e;
			uint8_t code;
		} map[] = { { FE_DENIED, 2 }, { FE_NETUNREACH, 3 }, { FE_HOSTUNREACH, 4 },
			    { FE_RESOLVE, 4 }, { FE_REFUSED, 5 }, { FE_CONN_TIMEOUT, 6 },
			    { FE_INTERNAL, 1 }, { FE_TIMEOUT, 1 } };
		uint8_t reply[REPLY_MAX];
		struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(1234) };
		struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(80) };

		for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
			size_t n = proto_error_reply(&st, map[i].e, reply);

			CHECK(n == 10 && reply[0] == 5 && reply[1] == map[i].code && reply[3] == 1,
			      "socks reply for %s", fwd_err_name(map[i].e));
		}
		st.phase = 0;
		CHECK(proto_error_reply(&st, FE_TIMEOUT, reply) == 0, "no reply before the request");
		inet_pton(AF_INET6, "fd00:2::1", &s6.sin6_addr);
		CHECK(proto_success_reply(&st, (struct sockaddr *)&s6, reply) == 22 && reply[3] == 4 &&
		      reply[4] == 0xfd && reply[20] == 0x04 && reply[21] == 0xd2, "v6 success reply");
		inet_pton(AF_INET, "10.0.2.1", &s4.sin_addr);
		CHECK(proto_success_reply(&st, (struct sockaddr *)&s4, reply) == 10 && reply[1] == 0 &&
		      reply[4] == 10 && reply[7] == 1 && reply[9] == 80, "v4 success reply");
	}
}

static struct sockaddr_storage sa(const char *addr, unsigned int port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
	} else {
		inet_pton(AF_INET6, addr, &s6->sin6_addr);
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
	}
	return ss;
}

static int allows(const struct policy *p, const char *addr, unsigned int port)
{
	struct sockaddr_storage ss = sa(addr, port);

	return policy_allows(p, NULL, (struct sockaddr *)&ss, NULL);
}

/* A host with three addresses, a /24's broadcast address, listening on 1080. */
static struct host_addr host_v[] = {
	{ .family = AF_INET, .addr = { 10, 0, 2, 1 } },
	{ .family = AF_INET, .addr = { 10, 0, 2, 255 }, .broadcast = 1 },
	{ .family = AF_INET, .addr = { 127, 0, 0, 1 } },
	{ .family = AF_INET6, .addr = { 0xfd, 0, 0, 0, 0, 0, 0, 2, [15] = 1 } },
};
static const struct host_addrs host = { .v = host_v, .n = 4, .self_port = 1080, .watch_fd = -1 };

static int host_allows(const struct policy *p, const char *addr, unsigned int port)
{
	struct sockaddr_storage ss = sa(addr, port);

	return policy_allows(p, &host, (struct sockaddr *)&ss, NULL);
}

static enum addr_class classify(const char *addr, unsigned int port, struct special *r)
{
	struct sockaddr_storage ss = sa(addr, port);

	return policy_classify(&host, (struct sockaddr *)&ss, r);
}

static void test_policy(void)
{
	struct policy p = { 0 };
	char err[256];
	const char *conf =
		"# the test config\n"
		"\n"
		"deny 10.0.2.7 *\n"
		"allow 10.0.2.0/24 80,443,8000-8100   # web\n"
		"allow fd00:2::/64 *\n"
		"allow any 7\n"
		"user alice s3cret\n";

	CHECK(allows(&p, "10.0.2.2", 80) == 0, "empty policy allows nothing");
	CHECK(policy_parse(&p, conf, err, sizeof(err)) == 0, "parse: %s", err);
	CHECK(p.nrules == 4 && p.nusers == 1, "rules %zu users %zu", p.nrules, p.nusers);
	CHECK(allows(&p, "10.0.2.2", 80), "10.0.2.2:80");
	CHECK(allows(&p, "10.0.2.255", 8050), "range");
	CHECK(allows(&p, "10.0.2.2", 8100) && !allows(&p, "10.0.2.2", 8101), "range end");
	CHECK(!allows(&p, "10.0.2.2", 22), "port not listed");
	CHECK(!allows(&p, "10.0.3.2", 80), "other network");
	CHECK(!allows(&p, "10.0.2.7", 80), "deny first");
	CHECK(allows(&p, "::ffff:10.0.2.2", 443), "v4-mapped counts as v4");
	CHECK(!allows(&p, "::ffff:10.0.2.7", 443), "v4-mapped deny");
	CHECK(allows(&p, "fd00:2::1234", 1), "v6 any port");
	CHECK(!allows(&p, "fd00:3::1", 1), "v6 other net");
	CHECK(allows(&p, "192.0.2.1", 7) && allows(&p, "2001:db8::1", 7), "any 7");
	CHECK(policy_check_user(&p, "alice", "s3cret"), "user ok");
	CHECK(!policy_check_user(&p, "alice", "s3cre"), "prefix password");
	CHECK(!policy_check_user(&p, "alice", "s3crett"), "longer password");
	CHECK(!policy_check_user(&p, "bob", "s3cret"), "unknown user");
	policy_free(&p);

	/* Who may go where: client-source and per-user rules (dante's "from ... to ..."). */
	{
		const char *rules =
			"allow from 10.0.1.0/24 to 10.0.2.0/24 80,443\n"
			"allow user alice to any 22\n"
			"allow from 10.0.0.0/8 user bob 10.0.3.0/24 *\n"
			"deny from 10.0.1.66 any *\n"
			"allow any 7\n";
		struct sockaddr_storage dst, cli1 = sa("10.0.1.5", 4000), cli2 = sa("10.0.9.5", 4000);
		struct sockaddr_storage cli3 = sa("::ffff:10.0.1.5", 4000), cli66 = sa("10.0.1.66", 1);
		struct policy_client c1 = { (struct sockaddr *)&cli1, NULL };
		struct policy_client c2 = { (struct sockaddr *)&cli2, NULL };
		struct policy_client c3 = { (struct sockaddr *)&cli3, NULL };
		struct policy_client alice = { (struct sockaddr *)&cli2, "alice" };
		struct policy_client bob = { (struct sockaddr *)&cli1, "bob" };
		struct policy_client c66 = { (struct sockaddr *)&cli66, NULL };
#define ALLOWS(addr, port, cl) (dst = sa(addr, port), \
		policy_allows(&p, NULL, (struct sockaddr *)&dst, cl))

		CHECK(policy_parse(&p, rules, err, sizeof(err)) == 0, "from/user rules: %s", err);
		CHECK(ALLOWS("10.0.2.2", 80, &c1), "from the client network");
		CHECK(ALLOWS("10.0.2.2", 80, &c3), "from, the client as v4-mapped");
		CHECK(!ALLOWS("10.0.2.2", 80, &c2), "from another network");
		CHECK(!ALLOWS("10.0.2.2", 80, NULL), "from: an unknown client");
		CHECK(ALLOWS("192.0.2.9", 22, &alice), "user alice to any 22");
		CHECK(!ALLOWS("192.0.2.9", 22, &c2), "no user");
		CHECK(!ALLOWS("192.0.2.9", 22, &bob), "another user");
		CHECK(ALLOWS("10.0.3.9", 5000, &bob), "from and user together");
		CHECK(!ALLOWS("10.0.3.9", 5000, &alice), "from and user: the wrong user");
		CHECK(!ALLOWS("10.0.1.99", 7, &c66) && ALLOWS("10.0.1.99", 7, &c1),
		      "deny from one client, first match");
		CHECK(ALLOWS("10.0.1.99", 7, NULL), "rules without from/user: any client");
#undef ALLOWS
		policy_free(&p);
	}
	static const char *const bad_rules[] = {
		"allow from 10.0.1.0/24", "allow from 10.0.1.0/24 to 10.0.2.0/24",
		"allow from 10.0.1.1/24 any *", "allow user", "allow user alice",
		"allow from any user alice to any * extra", "allow to 10.0.2.0/24",
	};
	for (size_t i = 0; i < sizeof(bad_rules) / sizeof(bad_rules[0]); i++) {
		struct policy q = { 0 };

		CHECK(policy_add_line(&q, bad_rules[i], err, sizeof(err)) == -1, "'%s' accepted",
		      bad_rules[i]);
		policy_free(&q);
	}

	/* Passwords stored as crypt(3) hashes: yescrypt and SHA-512, made here. */
	static const char *const methods[] = { "$y$", "$6$" };
	for (size_t i = 0; i < 2; i++) {
		struct crypt_data cd;
		char line[600], *salt, *hash;

		memset(&cd, 0, sizeof(cd));
		salt = crypt_gensalt_rn(methods[i], 0, NULL, 0, cd.setting, sizeof(cd.setting));
		hash = salt ? crypt_r("s3cret", salt, &cd) : NULL;
		CHECK(hash && hash[0] == '$', "%s hash made", methods[i]);
		if (!hash || hash[0] != '$')
			continue;
		snprintf(line, sizeof(line), "user carol %s", hash);
		CHECK(policy_add_line(&p, line, err, sizeof(err)) == 0, "%s hash taken: %s",
		      methods[i], err);
		CHECK(p.nusers == 1 && p.users[0].hashed, "%s hash marked", methods[i]);
		CHECK(policy_check_user(&p, "carol", "s3cret"), "%s password matches", methods[i]);
		CHECK(!policy_check_user(&p, "carol", "s3cre"), "%s prefix refused", methods[i]);
		CHECK(!policy_check_user(&p, "carol", hash), "%s the hash itself refused", methods[i]);
		policy_free(&p);
	}
	static const char *const bad_hashes[] = {
		"user dave $1$abcdefgh$0123456789abcdefghijkl",	/* MD5: not taken */
		"user dave $y$nonsense",				/* malformed yescrypt */
		"user dave $6$",					/* no salt */
	};
	for (size_t i = 0; i < sizeof(bad_hashes) / sizeof(bad_hashes[0]); i++) {
		struct policy q = { 0 };

		CHECK(policy_add_line(&q, bad_hashes[i], err, sizeof(err)) == -1,
		      "'%s' accepted", bad_hashes[i]);
		policy_free(&q);
	}

	static const char *const bad[] = {
		"allow 10.0.2.0/24", "allow 10.0.2.1/24 80", "allow 10.0.2.0/33 80",
		"allow 10.0.2.0/-1 80", "allow 10.0.2.0/ 80", "allow host.example 80",
		"allow 10.0.0.0/8 0", "allow 10.0.0.0/8 65536", "allow 10.0.0.0/8 90-80",
		"allow 10.0.0.0/8 80,", "allow 10.0.0.0/8 8o", "permit 10.0.0.0/8 80",
		"allow 10.0.0.0/8 80 extra", "user alice", "user a:b c", "deny fd00::1/129 *",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct policy q = { 0 };

		CHECK(policy_add_line(&q, bad[i], err, sizeof(err)) == -1, "'%s' accepted", bad[i]);
		policy_free(&q);
	}
	{
		struct policy q = { 0 };

		CHECK(policy_parse(&q, "allow any *\nbogus\n", err, sizeof(err)) == -1 &&
		      !strncmp(err, "line 2:", 7), "line number in error: '%s'", err);
		policy_free(&q);
	}
}

/* Special destinations under a policy that allows the whole world: refused
 * unless a rule names them (a network inside their range). */
static void test_special_policy(void)
{
	struct policy p = { 0 };
	char err[256];
	const char *conf =
		"allow 127.0.0.2/32 8080\n"
		"allow 169.254.0.0/16 80\n"
		"deny  127.0.0.0/8 *\n"
		"allow 0.0.0.0/0 *\n"
		"allow ::/0 *\n";
	static const char *const refused[] = {
		"0.0.0.0", "0.1.2.3", "::", "::ffff:0.0.0.0", "127.0.0.1", "127.255.255.254",
		"::1", "::ffff:127.0.0.1", "169.254.169.254", "169.254.1.1", "fe80::1",
		"febf:ffff::1", "224.0.0.1", "239.255.255.255", "ff02::1", "ff0e::1",
		"255.255.255.255", "::ffff:255.255.255.255",
	};
	static const char *const ordinary[] = {
		"1.0.0.0", "126.255.255.255", "128.0.0.0", "169.253.255.255", "169.255.0.0",
		"223.255.255.255", "240.0.0.1", "255.255.255.254", "::2", "fec0::1", "fe7f::1",
		"fd00::1", "2001:db8::1", "::ffff:10.0.2.2",
	};

	CHECK(policy_parse(&p, conf, err, sizeof(err)) == 0, "parse: %s", err);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		CHECK(!allows(&p, refused[i], 22), "%s allowed by a rule that does not name it", refused[i]);
	for (size_t i = 0; i < sizeof(ordinary) / sizeof(ordinary[0]); i++)
		CHECK(allows(&p, ordinary[i], 22), "%s refused", ordinary[i]);
	/* The review's case: 0.0.0.0 reaches loopback, which a rule denies. */
	CHECK(!allows(&p, "0.0.0.0", 80), "0.0.0.0:80 under deny 127/8, allow 0/0");
	CHECK(allows(&p, "127.0.0.2", 8080), "an allow rule naming 127.0.0.2/32");
	CHECK(!allows(&p, "127.0.0.2", 8081), "127.0.0.2 on another port");
	CHECK(allows(&p, "169.254.1.1", 80), "an allow rule naming link-local");
	CHECK(!allows(&p, "169.254.169.254", 80), "the metadata address needs a rule of its own");
	policy_free(&p);
}

/* Every special range, at its edges, with the range a rule must lie inside. */
static void test_classify(void)
{
	static const struct {
		const char *addr;
		unsigned int port;
		enum addr_class cls;
		const char *net;	/* the range (NULL: ordinary) */
		int plen;
	} cases[] = {
		{ "0.0.0.0", 80, AC_UNSPECIFIED, "0.0.0.0", 8 },
		{ "0.255.255.255", 80, AC_UNSPECIFIED, "0.0.0.0", 8 },
		{ "::", 80, AC_UNSPECIFIED, "::", 128 },
		{ "::ffff:0.0.0.0", 80, AC_UNSPECIFIED, "0.0.0.0", 8 },
		{ "127.0.0.1", 80, AC_LOOPBACK, "127.0.0.0", 8 },
		{ "127.255.255.255", 80, AC_LOOPBACK, "127.0.0.0", 8 },
		{ "::ffff:127.1.2.3", 80, AC_LOOPBACK, "127.0.0.0", 8 },
		{ "::1", 80, AC_LOOPBACK, "::1", 128 },
		{ "169.254.169.254", 80, AC_METADATA, "169.254.169.254", 32 },
		{ "169.254.0.0", 80, AC_LINKLOCAL, "169.254.0.0", 16 },
		{ "169.254.169.253", 80, AC_LINKLOCAL, "169.254.0.0", 16 },
		{ "169.254.255.255", 80, AC_LINKLOCAL, "169.254.0.0", 16 },
		{ "fe80::1", 80, AC_LINKLOCAL, "fe80::", 10 },
		{ "febf:ffff::1", 80, AC_LINKLOCAL, "fe80::", 10 },
		{ "224.0.0.0", 80, AC_MULTICAST, "224.0.0.0", 4 },
		{ "239.255.255.255", 80, AC_MULTICAST, "224.0.0.0", 4 },
		{ "ff00::", 80, AC_MULTICAST, "ff00::", 8 },
		{ "ff02::1", 80, AC_MULTICAST, "ff00::", 8 },
		{ "255.255.255.255", 80, AC_BROADCAST, "255.255.255.255", 32 },
		{ "::ffff:255.255.255.255", 80, AC_BROADCAST, "255.255.255.255", 32 },
		{ "10.0.2.255", 80, AC_BROADCAST, "10.0.2.255", 32 },
		{ "10.0.2.1", 80, AC_HOST, "10.0.2.1", 32 },
		{ "::ffff:10.0.2.1", 80, AC_HOST, "10.0.2.1", 32 },
		{ "fd00:0:0:2::1", 80, AC_HOST, "fd00:0:0:2::1", 128 },
		/* The listener's own port on anything that reaches this host. */
		{ "10.0.2.1", 1080, AC_SELF, NULL, 0 },
		{ "fd00:0:0:2::1", 1080, AC_SELF, NULL, 0 },
		{ "127.0.0.1", 1080, AC_SELF, NULL, 0 },
		{ "127.9.9.9", 1080, AC_SELF, NULL, 0 },
		{ "::1", 1080, AC_SELF, NULL, 0 },
		{ "0.0.0.0", 1080, AC_SELF, NULL, 0 },
		{ "::", 1080, AC_SELF, NULL, 0 },
		{ "::ffff:0.0.0.0", 1080, AC_SELF, NULL, 0 },
		/* Not special: next to the ranges, another host on our port, our broadcast. */
		{ "1.0.0.0", 80, AC_ORDINARY, NULL, 0 },
		{ "126.255.255.255", 80, AC_ORDINARY, NULL, 0 },
		{ "128.0.0.0", 80, AC_ORDINARY, NULL, 0 },
		{ "169.253.255.255", 80, AC_ORDINARY, NULL, 0 },
		{ "169.255.0.0", 80, AC_ORDINARY, NULL, 0 },
		{ "223.255.255.255", 80, AC_ORDINARY, NULL, 0 },
		{ "240.0.0.0", 80, AC_ORDINARY, NULL, 0 },
		{ "255.255.255.254", 80, AC_ORDINARY, NULL, 0 },
		{ "10.0.2.2", 80, AC_ORDINARY, NULL, 0 },
		{ "10.0.2.2", 1080, AC_ORDINARY, NULL, 0 },
		{ "10.0.2.255", 1080, AC_BROADCAST, "10.0.2.255", 32 },
		{ "::2", 80, AC_ORDINARY, NULL, 0 },
		{ "::ffff:0.0.0.1", 80, AC_UNSPECIFIED, "0.0.0.0", 8 },
		{ "fe7f:ffff::1", 80, AC_ORDINARY, NULL, 0 },
		{ "fec0::1", 80, AC_ORDINARY, NULL, 0 },
		{ "feff::1", 80, AC_ORDINARY, NULL, 0 },
		{ "fd00:0:0:2::2", 80, AC_ORDINARY, NULL, 0 },
		{ "2001:db8::1", 1080, AC_ORDINARY, NULL, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct special r;
		enum addr_class c = classify(cases[i].addr, cases[i].port, &r);
		uint8_t net[16] = { 0 };
		int fam = strchr(cases[i].net ? cases[i].net : "", ':') ? AF_INET6 : AF_INET;

		CHECK(c == cases[i].cls, "%s port %u: class %s, expected %s", cases[i].addr,
		      cases[i].port, addr_class_name(c), addr_class_name(cases[i].cls));
		if (!cases[i].net || c != cases[i].cls)
			continue;
		inet_pton(fam, cases[i].net, net);
		CHECK(r.family == fam && r.plen == cases[i].plen && !memcmp(r.net, net, 16),
		      "%s: range /%d, expected %s/%d", cases[i].addr, r.plen, cases[i].net,
		      cases[i].plen);
	}
	/* Without the host's addresses only the fixed ranges are special. */
	{
		struct sockaddr_storage ss = sa("10.0.2.1", 1080);

		CHECK(policy_classify(NULL, (struct sockaddr *)&ss, NULL) == AC_ORDINARY,
		      "no host addresses");
		ss = sa("127.0.0.1", 1080);
		CHECK(policy_classify(NULL, (struct sockaddr *)&ss, NULL) == AC_LOOPBACK,
		      "no host addresses: loopback");
	}
}

/* "Named explicitly": an allow rule whose network lies inside the range. */
static void test_special_named(void)
{
	struct policy p = { 0 };
	char err[256];
	const char *conf =
		"allow 10.0.2.1/32 22\n"
		"allow 10.0.2.1/32 1080\n"
		"allow 10.0.2.0/24 *\n"
		"allow fd00:0:0:2::/64 *\n"
		"allow 127.0.0.0/8 8080\n"
		"allow 0.0.0.0/32 8081\n"
		"allow 169.254.169.254/32 80\n"
		"allow 224.0.0.0/4 5353\n"
		"allow 10.0.2.255/32 9\n"
		"allow ::1/128 8080\n"
		"allow any 9999\n";

	CHECK(policy_parse(&p, conf, err, sizeof(err)) == 0, "parse: %s", err);
	CHECK(host_allows(&p, "10.0.2.1", 22), "own address named by a /32");
	CHECK(!host_allows(&p, "10.0.2.1", 80), "own address inside 10.0.2.0/24, not named");
	CHECK(!host_allows(&p, "10.0.2.1", 1080), "own port: never, even named");
	CHECK(!host_allows(&p, "127.0.0.1", 1080), "own port on loopback: never");
	CHECK(host_allows(&p, "10.0.2.2", 80), "an ordinary address in 10.0.2.0/24");
	CHECK(host_allows(&p, "10.0.2.2", 1080), "another host on our port number");
	CHECK(!host_allows(&p, "10.0.2.255", 80), "broadcast inside 10.0.2.0/24, not named");
	CHECK(host_allows(&p, "10.0.2.255", 9), "broadcast named by a /32");
	CHECK(!host_allows(&p, "fd00:0:0:2::1", 80), "own IPv6 address inside a /64, not named");
	CHECK(host_allows(&p, "fd00:0:0:2::2", 80), "an ordinary IPv6 address in the /64");
	CHECK(host_allows(&p, "127.0.0.1", 8080) && host_allows(&p, "127.3.4.5", 8080),
	      "loopback named by 127.0.0.0/8");
	CHECK(!host_allows(&p, "0.0.0.0", 8080), "127.0.0.0/8 does not name 0.0.0.0");
	CHECK(host_allows(&p, "0.0.0.0", 8081), "0.0.0.0/32 names 0.0.0.0");
	CHECK(!host_allows(&p, "::", 8081), "... but not ::");
	CHECK(host_allows(&p, "169.254.169.254", 80), "metadata named by its /32");
	CHECK(!host_allows(&p, "169.254.169.253", 80), "... the rest of link-local is not");
	CHECK(host_allows(&p, "239.1.2.3", 5353), "multicast named by 224.0.0.0/4");
	CHECK(host_allows(&p, "::1", 8080) && !host_allows(&p, "::", 8080), "::1/128");
	CHECK(host_allows(&p, "192.0.2.1", 9999), "'any' allows ordinary addresses");
	CHECK(!host_allows(&p, "127.0.0.1", 9999) && !host_allows(&p, "::1", 9999) &&
	      !host_allows(&p, "0.0.0.0", 9999) && !host_allows(&p, "10.0.2.1", 9999) &&
	      !host_allows(&p, "169.254.169.254", 9999) && !host_allows(&p, "ff02::1", 9999),
	      "'any' names no special destination");
	policy_free(&p);

	/* Deny rules apply to special destinations as to any other; first match wins. */
	CHECK(policy_parse(&p, "deny 127.0.0.0/8 *\nallow 127.0.0.1/32 80\n", err, sizeof(err)) == 0,
	      "parse: %s", err);
	CHECK(!host_allows(&p, "127.0.0.1", 80), "a deny rule before the naming allow rule");
	policy_free(&p);
}

/* This host's addresses as getifaddrs() gives them. */
static void test_host_addrs(void)
{
	struct host_addrs h;
	char err[200];
	int lo = 0;
	struct sockaddr_storage ss;

	CHECK(host_addrs_init(&h, 1080, err, sizeof(err)) == 0, "host_addrs_init: %s", err);
	for (size_t i = 0; i < h.n; i++)
		lo |= h.v[i].family == AF_INET && h.v[i].addr[0] == 127 && !h.v[i].broadcast;
	/* (A fresh network namespace, lo down, has no addresses at all.) */
	CHECK(lo || h.n == 0, "127.0.0.1 among this host's %zu addresses", h.n);
	CHECK(host_addrs_refresh(&h, err, sizeof(err)) == 0, "refresh: %s", err);
	ss = sa("127.0.0.1", 1080);
	CHECK(policy_classify(&h, (struct sockaddr *)&ss, NULL) == AC_SELF, "own port on loopback");
	host_addrs_free(&h);
}

static void test_helpers(void)
{
	char out[64];
	uint16_t port;

	CHECK(base64_decode("YWxpY2U6czNjcmV0", 16, out, sizeof(out)) == 12 &&
	      !memcmp(out, "alice:s3cret", 12), "base64");
	CHECK(base64_decode("YQ==", 4, out, sizeof(out)) == 1 && out[0] == 'a', "base64 pad");
	CHECK(base64_decode("YQ=", 3, out, sizeof(out)) == -1, "base64 length");
	CHECK(base64_decode("Y=Q=", 4, out, sizeof(out)) == -1, "base64 inner pad");
	CHECK(base64_decode("YWxpY2U6czNjcmV0", 16, out, 4) == -1, "base64 overflow");
	CHECK(parse_port("65535", 5, &port) == 0 && port == 65535, "port max");
	CHECK(parse_port("", 0, &port) == -1, "empty port");
}

/* Random and mutated input: the parsers must never crash, read past the input or loop. */
static void test_random(void)
{
	static const char *const seeds[] = {
		"CONNECT h:1\n", "CONNECT h:1 HTTP/1.1\r\nProxy-Authorization: Basic YWxpY2U6czNjcmV0\r\n\r\n",
		"\x05\x02\x00\x02\x01\x05alice\x06s3cret\x05\x01\x00\x03\x04host\x00\x50",
	};
	uint8_t buf[700];
	unsigned int seed = 12345;

	for (int iter = 0; iter < 200000; iter++) {
		size_t len = (size_t)(rand_r(&seed) % sizeof(buf));
		const char *s = seeds[iter % 3];
		size_t sl = strlen(s) + (iter % 3 == 2 ? 1 : 0);
		struct result r;

		if (iter % 2) {
			for (size_t i = 0; i < len; i++)
				buf[i] = (uint8_t)rand_r(&seed);
		} else {
			len = sl < sizeof(buf) ? sl : sizeof(buf);
			memcpy(buf, s, len);
			for (int m = rand_r(&seed) % 4; m >= 0; m--)
				buf[rand_r(&seed) % len] = (uint8_t)rand_r(&seed);
		}
		r = run(buf, len, 1 + (size_t)rand_r(&seed) % 64, iter % 4 ? &noauth : &needauth);
		if (r.rc == PARSE_ERROR)
			CHECK(r.out.err != FE_NONE, "error without a reason");
		if (r.rc == PARSE_DONE) {
			CHECK(r.req.port != 0 && valid_host(r.req.host), "done with a bad destination");
			CHECK(r.consumed_total <= len, "consumed more than given");
		}
	}
}

int main(void)
{
	test_helpers();
	test_native();
	test_oversized();
	test_http();
	test_socks5();
	test_policy();
	test_special_policy();
	test_classify();
	test_special_named();
	test_host_addrs();
	test_random();
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
