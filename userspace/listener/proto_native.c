// SPDX-License-Identifier: GPL-2.0-only
/*
 * The native instruction: one line,
 *
 *   CONNECT <host>:<port>[ <user>:<password>]\n      (or \r\n)
 *
 * answered by "OK\n" once connected, or "ERR <reason> <text>\n" and closed.
 * Grammar and reasons are documented in proc_api.md ("Listener instructions").
 */
#include <stdio.h>
#include <string.h>

#include "proto.h"

static const char *const native_text[FE_COUNT] = {
	[FE_SYNTAX] = "malformed instruction, expected: CONNECT host:port",
	[FE_UNKNOWN] = "unknown instruction or protocol",
	[FE_TOO_LONG] = "instruction too long",
	[FE_TIMEOUT] = "instruction not received in time",
	[FE_COMMAND] = "unsupported command",
	[FE_ADDRTYPE] = "unsupported address",
	[FE_VERSION] = "unsupported protocol version",
	[FE_AUTH] = "authentication required or failed",
	[FE_DENIED] = "destination not allowed",
	[FE_RESOLVE] = "host name not resolved",
	[FE_REFUSED] = "connection refused",
	[FE_NETUNREACH] = "network unreachable",
	[FE_HOSTUNREACH] = "host unreachable",
	[FE_CONN_TIMEOUT] = "connection timed out",
	[FE_INTERNAL] = "internal error",
};

size_t native_error_reply(enum fwd_err err, uint8_t *reply)
{
	const char *text = (unsigned int)err < FE_COUNT && native_text[err] ? native_text[err] : "error";
	int n = snprintf((char *)reply, REPLY_MAX, "ERR %s %s\n", fwd_err_name(err), text);

	return n < 0 ? 0 : (size_t)n;
}

size_t native_success_reply(uint8_t *reply)
{
	memcpy(reply, "OK\n", 3);
	return 3;
}

static enum parse_rc fail(struct parse_out *out, enum fwd_err err)
{
	out->err = err;
	out->reply_len = native_error_reply(err, out->reply);
	return PARSE_ERROR;
}

enum parse_rc native_parse(const uint8_t *buf, size_t len, const struct auth *auth,
			   struct request *req, struct parse_out *out)
{
	const uint8_t *nl = memchr(buf, '\n', len);
	const char *s = (const char *)buf, *w[4];
	size_t wl[4], n, i = 0, words = 0;

	if (!nl)
		return len >= INSTR_MAX ? fail(out, FE_TOO_LONG) : PARSE_MORE;
	n = (size_t)(nl - buf);
	if (n + 1 > INSTR_MAX)
		return fail(out, FE_TOO_LONG);
	if (n && s[n - 1] == '\r')
		n--;
	for (size_t k = 0; k < n; k++)
		if ((unsigned char)s[k] < 0x20 && s[k] != '\t')
			return fail(out, FE_SYNTAX);
	while (i < n) {
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i >= n)
			break;
		if (words == 4)
			return fail(out, FE_SYNTAX);
		w[words] = s + i;
		while (i < n && s[i] != ' ' && s[i] != '\t')
			i++;
		wl[words] = (size_t)(s + i - w[words]);
		words++;
	}
	if (words == 0)
		return fail(out, FE_SYNTAX);
	if (wl[0] != 7 || memcmp(w[0], "CONNECT", 7))
		return fail(out, FE_UNKNOWN);
	if (words < 2 || words > 3)
		return fail(out, FE_SYNTAX);

	memset(req, 0, sizeof(*req));
	if (parse_hostport(w[1], wl[1], req->host, &req->port))
		return fail(out, FE_SYNTAX);
	if (words == 3) {
		const char *c = memchr(w[2], ':', wl[2]);
		size_t ul, pl;

		if (!c)
			return fail(out, FE_SYNTAX);
		ul = (size_t)(c - w[2]);
		pl = wl[2] - ul - 1;
		if (ul == 0 || ul > CRED_MAX || pl > CRED_MAX)
			return fail(out, FE_SYNTAX);
		memcpy(req->user, w[2], ul);
		memcpy(req->pass, c + 1, pl);
		req->has_creds = 1;
	}
	if (auth->required &&
	    (!req->has_creds || !auth->check(auth->ctx, req->user, req->pass)))
		return fail(out, FE_AUTH);
	out->consumed = (size_t)(nl - buf) + 1;
	return PARSE_DONE;
}
