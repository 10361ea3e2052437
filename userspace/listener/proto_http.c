// SPDX-License-Identifier: GPL-2.0-only
/*
 * HTTP CONNECT (RFC 9110 9.3.6), as curl -p -x, nc -X connect and browsers send it:
 *
 *   CONNECT host:port HTTP/1.1\r\n
 *   Host: host:port\r\n
 *   [Proxy-Authorization: Basic base64(user:password)]\r\n
 *   \r\n
 *
 * Success: "HTTP/1.1 200 Connection established". Failures get the matching
 * status with a short text body, then the connection is closed.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "proto.h"

static const struct {
	int code;
	const char *reason;
	const char *text;
} http_err[FE_COUNT] = {
	[FE_NONE] = { 500, "Internal Server Error", "internal error" },
	[FE_SYNTAX] = { 400, "Bad Request", "malformed request" },
	[FE_UNKNOWN] = { 400, "Bad Request", "not a proxy request" },
	[FE_TOO_LONG] = { 431, "Request Header Fields Too Large", "request too long" },
	[FE_TIMEOUT] = { 408, "Request Timeout", "request not received in time" },
	[FE_COMMAND] = { 405, "Method Not Allowed", "only CONNECT is supported" },
	[FE_ADDRTYPE] = { 400, "Bad Request", "unsupported address" },
	[FE_VERSION] = { 505, "HTTP Version Not Supported", "only HTTP/1.0 and HTTP/1.1" },
	[FE_AUTH] = { 407, "Proxy Authentication Required", "proxy authentication required" },
	[FE_DENIED] = { 403, "Forbidden", "destination not allowed" },
	[FE_RESOLVE] = { 502, "Bad Gateway", "host name not resolved" },
	[FE_REFUSED] = { 502, "Bad Gateway", "connection refused" },
	[FE_NETUNREACH] = { 502, "Bad Gateway", "network unreachable" },
	[FE_HOSTUNREACH] = { 502, "Bad Gateway", "host unreachable" },
	[FE_CONN_TIMEOUT] = { 504, "Gateway Timeout", "connection timed out" },
	[FE_INTERNAL] = { 500, "Internal Server Error", "internal error" },
};

size_t http_error_reply(enum fwd_err err, uint8_t *reply)
{
	int n;

	if ((unsigned int)err >= FE_COUNT)
		err = FE_INTERNAL;
	n = snprintf((char *)reply, REPLY_MAX,
		     "HTTP/1.1 %d %s\r\n"
		     "%s"
		     "Content-Type: text/plain\r\n"
		     "Content-Length: %zu\r\n"
		     "Connection: close\r\n"
		     "\r\n"
		     "%s\n",
		     http_err[err].code, http_err[err].reason,
		     err == FE_AUTH ? "Proxy-Authenticate: Basic realm=\"forwarder\"\r\n" :
		     err == FE_COMMAND ? "Allow: CONNECT\r\n" : "",
		     strlen(http_err[err].text) + 1, http_err[err].text);
	return n < 0 ? 0 : (size_t)n;
}

size_t http_success_reply(uint8_t *reply)
{
	static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";

	memcpy(reply, ok, sizeof(ok) - 1);
	return sizeof(ok) - 1;
}

static enum parse_rc fail(struct parse_out *out, enum fwd_err err)
{
	out->err = err;
	out->reply_len = http_error_reply(err, out->reply);
	return PARSE_ERROR;
}

/* The end of the header block: index just past the empty line, or 0. Accepts bare \n. */
static size_t header_end(const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (i + 1 < len && buf[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

static int parse_basic(const char *v, size_t n, struct request *req)
{
	char dec[2 * CRED_MAX + 2];
	const char *c;
	int dl;

	while (n && (*v == ' ' || *v == '\t'))
		v++, n--;
	if (n < 6 || strncasecmp(v, "Basic", 5) || (v[5] != ' ' && v[5] != '\t'))
		return -1;
	v += 6, n -= 6;
	while (n && (*v == ' ' || *v == '\t'))
		v++, n--;
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	dl = base64_decode(v, n, dec, sizeof(dec) - 1);
	if (dl < 0)
		return -1;
	dec[dl] = '\0';
	if ((int)strlen(dec) != dl)
		return -1;	/* embedded NUL */
	c = strchr(dec, ':');
	if (!c || c == dec || (size_t)(c - dec) > CRED_MAX || strlen(c + 1) > CRED_MAX)
		return -1;
	memcpy(req->user, dec, (size_t)(c - dec));
	req->user[c - dec] = '\0';
	strcpy(req->pass, c + 1);
	req->has_creds = 1;
	return 0;
}

enum parse_rc http_parse(const uint8_t *buf, size_t len, const struct auth *auth,
			 struct request *req, struct parse_out *out)
{
	const char *s = (const char *)buf, *line, *sp1, *sp2, *eol;
	size_t end = header_end(buf, len), ll;
	int bad_auth = 0;

	if (!end)
		return len >= INSTR_MAX ? fail(out, FE_TOO_LONG) : PARSE_MORE;
	if (end > INSTR_MAX)
		return fail(out, FE_TOO_LONG);
	for (size_t k = 0; k < end; k++)
		if ((buf[k] < 0x20 && buf[k] != '\t' && buf[k] != '\r' && buf[k] != '\n') ||
		    buf[k] == 0x7f)
			return fail(out, FE_SYNTAX);

	/* Request line: METHOD SP target SP HTTP/x.y (detect() checked the shape). */
	eol = memchr(s, '\n', end);
	ll = (size_t)(eol - s);
	if (ll && s[ll - 1] == '\r')
		ll--;
	sp1 = memchr(s, ' ', ll);
	if (!sp1 || sp1 == s)
		return fail(out, FE_SYNTAX);
	sp2 = memchr(sp1 + 1, ' ', ll - (size_t)(sp1 + 1 - s));
	if (!sp2 || sp2 == sp1 + 1 || memchr(sp2 + 1, ' ', ll - (size_t)(sp2 + 1 - s)))
		return fail(out, FE_SYNTAX);
	if (ll - (size_t)(sp2 + 1 - s) != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) ||
	    (sp2[8] != '0' && sp2[8] != '1'))
		return fail(out, FE_VERSION);
	if (sp1 - s != 7 || memcmp(s, "CONNECT", 7))
		return fail(out, FE_COMMAND);
	memset(req, 0, sizeof(*req));
	if (parse_hostport(sp1 + 1, (size_t)(sp2 - sp1 - 1), req->host, &req->port))
		return fail(out, FE_SYNTAX);

	/* Header fields: only Proxy-Authorization matters; each must look like "name: value". */
	for (line = eol + 1; line < s + end;) {
		const char *nl = memchr(line, '\n', (size_t)(s + end - line)), *colon;
		size_t n = (size_t)(nl - line);

		if (n && line[n - 1] == '\r')
			n--;
		if (n == 0)
			break;	/* the empty line */
		colon = memchr(line, ':', n);
		if (!colon || colon == line || line[0] == ' ' || line[0] == '\t')
			return fail(out, FE_SYNTAX);
		for (const char *p = line; p < colon; p++)
			if (*p == ' ' || *p == '\t')
				return fail(out, FE_SYNTAX);
		if (colon - line == 19 && !strncasecmp(line, "Proxy-Authorization", 19) &&
		    parse_basic(colon + 1, (size_t)(line + n - colon - 1), req))
			bad_auth = 1;
		line = nl + 1;
	}
	if (auth->required &&
	    (bad_auth || !req->has_creds || !auth->check(auth->ctx, req->user, req->pass)))
		return fail(out, FE_AUTH);
	out->consumed = end;
	return PARSE_DONE;
}
