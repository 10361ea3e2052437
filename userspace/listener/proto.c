// SPDX-License-Identifier: GPL-2.0-only
/*
 * Protocol detection and the helpers the three parsers share.
 *
 * The first byte decides: 0x05 is SOCKS5, 0x04 SOCKS4 (refused), anything else
 * must be a text line. A first line of three words ending in "HTTP/x.y" is an
 * HTTP request, any other line is the native form.
 */
#include <arpa/inet.h>
#include <string.h>

#include "proto.h"

static const char *const err_names[FE_COUNT] = {
	[FE_NONE] = "none",
	[FE_SYNTAX] = "syntax",
	[FE_UNKNOWN] = "unknown-protocol",
	[FE_TOO_LONG] = "too-long",
	[FE_TIMEOUT] = "timeout",
	[FE_COMMAND] = "unsupported-command",
	[FE_ADDRTYPE] = "unsupported-address",
	[FE_VERSION] = "unsupported-version",
	[FE_AUTH] = "auth",
	[FE_DENIED] = "denied",
	[FE_RESOLVE] = "resolve",
	[FE_REFUSED] = "refused",
	[FE_NETUNREACH] = "net-unreachable",
	[FE_HOSTUNREACH] = "host-unreachable",
	[FE_CONN_TIMEOUT] = "connect-timeout",
	[FE_INTERNAL] = "internal",
};

const char *fwd_err_name(enum fwd_err e)
{
	return (unsigned int)e < FE_COUNT ? err_names[e] : "?";
}

int parse_port(const char *s, size_t n, uint16_t *port)
{
	unsigned long v = 0;
	size_t i;

	if (n == 0 || n > 5 || (s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* RFC 1123 host names (letters, digits, '-', '.', and '_' seen in the wild) or an IPv4 literal. */
int valid_host(const char *h)
{
	size_t n = strlen(h), label = 0, i;
	unsigned char a6[16];

	if (n == 0 || n > HOST_MAX)
		return 0;
	if (strchr(h, ':'))
		return inet_pton(AF_INET6, h, a6) == 1;
	if (h[0] == '.' || h[0] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		char c = h[i];

		if (c == '.') {
			if (label == 0)
				return 0;	/* empty label */
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
		if (++label > 63)
			return 0;
	}
	return 1;
}

int parse_hostport(const char *s, size_t n, char *host, uint16_t *port)
{
	const char *colon;
	size_t hl;

	if (n == 0)
		return -1;
	if (s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (!close || close + 1 >= s + n || close[1] != ':')
			return -1;
		hl = (size_t)(close - s - 1);
		if (hl == 0 || hl > HOST_MAX)
			return -1;
		memcpy(host, s + 1, hl);
		host[hl] = '\0';
		if (!strchr(host, ':') || !valid_host(host))
			return -1;	/* brackets are for IPv6 literals only */
		colon = close + 1;
	} else {
		colon = NULL;
		for (size_t i = 0; i < n; i++)
			if (s[i] == ':') {
				if (colon)
					return -1;	/* bare IPv6 or junk */
				colon = s + i;
			}
		if (!colon)
			return -1;
		hl = (size_t)(colon - s);
		if (hl == 0 || hl > HOST_MAX)
			return -1;
		memcpy(host, s, hl);
		host[hl] = '\0';
		if (!valid_host(host))
			return -1;
	}
	return parse_port(colon + 1, (size_t)(s + n - colon - 1), port);
}

int base64_decode(const char *in, size_t n, char *out, size_t outsz)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;
	unsigned int acc = 0;
	int bits = 0, pad = 0;

	if (n % 4)
		return -1;
	for (i = 0; i < n; i++) {
		const char *p;

		if (in[i] == '=') {
			if (i < n - 2)
				return -1;
			pad++;
			continue;
		}
		if (pad || !in[i] || !(p = strchr(tbl, in[i])))
			return -1;
		acc = (acc << 6) | (unsigned int)(p - tbl);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= outsz)
				return -1;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	return (int)o;
}

static int is_http_version(const uint8_t *s, size_t n)
{
	return n == 8 && !memcmp(s, "HTTP/", 5) && s[5] >= '0' && s[5] <= '9' &&
	       s[6] == '.' && s[7] >= '0' && s[7] <= '9';
}

/* Decide the protocol from the first bytes: PROTO_UNKNOWN while undecided. */
static enum parse_rc detect(struct pstate *st, const uint8_t *buf, size_t len, struct parse_out *out)
{
	const uint8_t *nl, *p, *end, *last = NULL;
	size_t words = 0, lastlen = 0, i;

	if (len == 0)
		return PARSE_MORE;
	if (buf[0] == 0x05) {
		st->proto = PROTO_SOCKS5;
		return PARSE_MORE;
	}
	if (buf[0] == 0x04) {
		/* SOCKS4: "request rejected or failed". */
		static const uint8_t rej[8] = { 0x00, 0x5b };

		memcpy(out->reply, rej, sizeof(rej));
		out->reply_len = sizeof(rej);
		out->err = FE_VERSION;
		return PARSE_ERROR;
	}
	nl = memchr(buf, '\n', len);
	end = nl ? nl : buf + len;
	/* Binary junk (TLS, SSH banners are fine, NULs are not) is refused at once. */
	for (p = buf; p < end; p++)
		if ((*p < 0x20 && *p != '\t' && *p != '\r') || *p == 0x7f) {
			st->proto = PROTO_NATIVE;
			out->err = FE_UNKNOWN;
			out->reply_len = native_error_reply(FE_UNKNOWN, out->reply);
			return PARSE_ERROR;
		}
	if (!nl) {
		if (len >= INSTR_MAX) {
			st->proto = PROTO_NATIVE;
			out->err = FE_TOO_LONG;
			out->reply_len = native_error_reply(FE_TOO_LONG, out->reply);
			return PARSE_ERROR;
		}
		return PARSE_MORE;
	}
	if (end > buf && end[-1] == '\r')
		end--;
	for (i = 0; buf + i < end;) {
		while (buf + i < end && (buf[i] == ' ' || buf[i] == '\t'))
			i++;
		if (buf + i >= end)
			break;
		last = buf + i;
		while (buf + i < end && buf[i] != ' ' && buf[i] != '\t')
			i++;
		lastlen = (size_t)(buf + i - last);
		words++;
	}
	st->proto = (words == 3 && is_http_version(last, lastlen)) ? PROTO_HTTP : PROTO_NATIVE;
	return PARSE_MORE;
}

enum parse_rc proto_parse(struct pstate *st, const uint8_t *buf, size_t len,
			  const struct auth *auth, struct request *req, struct parse_out *out)
{
	static const struct auth noauth;

	memset(out, 0, sizeof(*out));
	if (!auth)
		auth = &noauth;
	if (st->proto == PROTO_UNKNOWN) {
		enum parse_rc rc = detect(st, buf, len, out);

		if (rc != PARSE_MORE || st->proto == PROTO_UNKNOWN)
			return rc;
	}
	switch (st->proto) {
	case PROTO_NATIVE:
		return native_parse(buf, len, auth, req, out);
	case PROTO_HTTP:
		return http_parse(buf, len, auth, req, out);
	case PROTO_SOCKS5:
		return socks5_parse(st, buf, len, auth, req, out);
	default:
		return PARSE_MORE;
	}
}

size_t proto_error_reply(const struct pstate *st, enum fwd_err err, uint8_t *reply)
{
	switch (st->proto) {
	case PROTO_HTTP:
		return http_error_reply(err, reply);
	case PROTO_SOCKS5:
		/* Only the request step has an error reply; before it the client gets nothing. */
		return st->phase == 2 ? socks5_error_reply(err, reply) : 0;
	default:
		return native_error_reply(err, reply);
	}
}

size_t proto_success_reply(const struct pstate *st, const struct sockaddr *bound, uint8_t *reply)
{
	switch (st->proto) {
	case PROTO_HTTP:
		return http_success_reply(reply);
	case PROTO_SOCKS5:
		return socks5_success_reply(bound, reply);
	default:
		return native_success_reply(reply);
	}
}
