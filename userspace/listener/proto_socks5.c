// SPDX-License-Identifier: GPL-2.0-only
/*
 * SOCKS5 (RFC 1928) CONNECT, with "no authentication" and username/password
 * (RFC 1929). Three steps, each a complete message from the client:
 *
 *   greeting  05 NMETHODS METHODS...      -> 05 METHOD (FF: none acceptable, close)
 *   user/pass 01 ULEN USER PLEN PASS      -> 01 00 (01 01: failure, close)
 *   request   05 CMD 00 ATYP ADDR PORT    -> 05 REP 00 ATYP BND.ADDR BND.PORT
 *
 * When the policy has users, only username/password is offered. Without
 * users, "no authentication" is chosen when the client offers it; a client
 * that offers only username/password gets it and any credentials pass.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "proto.h"

enum { M_NOAUTH = 0x00, M_USERPASS = 0x02, M_NONE = 0xff };

static uint8_t socks_rep(enum fwd_err err)
{
	switch (err) {
	case FE_DENIED:
	case FE_AUTH:
		return 0x02;	/* connection not allowed by ruleset */
	case FE_NETUNREACH:
		return 0x03;
	case FE_RESOLVE:
	case FE_HOSTUNREACH:
		return 0x04;
	case FE_REFUSED:
		return 0x05;
	case FE_CONN_TIMEOUT:
		return 0x06;	/* TTL expired: what most servers answer on timeouts */
	case FE_COMMAND:
		return 0x07;
	case FE_ADDRTYPE:
		return 0x08;
	default:
		return 0x01;	/* general failure */
	}
}

size_t socks5_error_reply(enum fwd_err err, uint8_t *reply)
{
	static const uint8_t tmpl[10] = { 0x05, 0x01, 0x00, 0x01 };

	memcpy(reply, tmpl, sizeof(tmpl));
	reply[1] = socks_rep(err);
	return sizeof(tmpl);
}

size_t socks5_success_reply(const struct sockaddr *bound, uint8_t *reply)
{
	reply[0] = 0x05;
	reply[1] = 0x00;
	reply[2] = 0x00;
	if (bound && bound->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)bound;

		reply[3] = 0x04;
		memcpy(reply + 4, &s6->sin6_addr, 16);
		memcpy(reply + 20, &s6->sin6_port, 2);
		return 22;
	}
	reply[3] = 0x01;
	if (bound && bound->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)bound;

		memcpy(reply + 4, &s4->sin_addr, 4);
		memcpy(reply + 8, &s4->sin_port, 2);
	} else {
		memset(reply + 4, 0, 6);
	}
	return 10;
}

static enum parse_rc fail_reply(struct parse_out *out, enum fwd_err err)
{
	out->err = err;
	out->reply_len = socks5_error_reply(err, out->reply);
	return PARSE_ERROR;
}

static enum parse_rc fail_raw(struct parse_out *out, enum fwd_err err, uint8_t a, uint8_t b)
{
	out->err = err;
	out->reply[0] = a;
	out->reply[1] = b;
	out->reply_len = 2;
	return PARSE_ERROR;
}

static enum parse_rc greeting(struct pstate *st, const uint8_t *buf, size_t len,
			      const struct auth *auth, struct parse_out *out)
{
	int noauth = 0, userpass = 0;
	uint8_t m;

	if (len < 2)
		return PARSE_MORE;
	if (buf[0] != 0x05)
		return fail_raw(out, FE_VERSION, 0x05, M_NONE);
	if (buf[1] == 0)
		return fail_raw(out, FE_AUTH, 0x05, M_NONE);
	if (len < 2 + (size_t)buf[1])
		return PARSE_MORE;
	for (size_t i = 0; i < buf[1]; i++) {
		noauth |= buf[2 + i] == M_NOAUTH;
		userpass |= buf[2 + i] == M_USERPASS;
	}
	if (auth->required)
		m = userpass ? M_USERPASS : M_NONE;
	else
		m = noauth ? M_NOAUTH : userpass ? M_USERPASS : M_NONE;
	if (m == M_NONE)
		return fail_raw(out, FE_AUTH, 0x05, M_NONE);
	out->reply[0] = 0x05;
	out->reply[1] = m;
	out->reply_len = 2;
	out->consumed = 2 + (size_t)buf[1];
	st->phase = m == M_USERPASS ? 1 : 2;
	return PARSE_MORE;
}

static enum parse_rc userpass(struct pstate *st, const uint8_t *buf, size_t len,
			      const struct auth *auth, struct request *req, struct parse_out *out)
{
	size_t ul, pl;

	if (len < 2)
		return PARSE_MORE;
	if (buf[0] != 0x01)
		return fail_raw(out, FE_VERSION, 0x01, 0x01);
	ul = buf[1];
	if (len < 2 + ul + 1)
		return PARSE_MORE;
	pl = buf[2 + ul];
	if (len < 3 + ul + pl)
		return PARSE_MORE;
	if (ul == 0 || memchr(buf + 2, 0, ul) || memchr(buf + 3 + ul, 0, pl))
		return fail_raw(out, FE_AUTH, 0x01, 0x01);
	memcpy(req->user, buf + 2, ul);
	req->user[ul] = '\0';
	memcpy(req->pass, buf + 3 + ul, pl);
	req->pass[pl] = '\0';
	req->has_creds = 1;
	if (auth->required && !auth->check(auth->ctx, req->user, req->pass))
		return fail_raw(out, FE_AUTH, 0x01, 0x01);
	out->reply[0] = 0x01;
	out->reply[1] = 0x00;
	out->reply_len = 2;
	out->consumed = 3 + ul + pl;
	st->phase = 2;
	return PARSE_MORE;
}

static enum parse_rc request(const uint8_t *buf, size_t len, struct request *req,
			     struct parse_out *out)
{
	size_t alen, need;
	char host[HOST_MAX + 1];

	if (len < 5)
		return PARSE_MORE;
	if (buf[0] != 0x05)
		return fail_reply(out, FE_VERSION);
	switch (buf[3]) {
	case 0x01:
		alen = 4;
		break;
	case 0x04:
		alen = 16;
		break;
	case 0x03:
		alen = 1 + (size_t)buf[4];
		break;
	default:
		return fail_reply(out, FE_ADDRTYPE);
	}
	need = 4 + alen + 2;
	if (len < need)
		return PARSE_MORE;
	if (buf[1] != 0x01)
		return fail_reply(out, FE_COMMAND);	/* BIND, UDP ASSOCIATE */
	if (buf[2] != 0x00)
		return fail_reply(out, FE_SYNTAX);
	switch (buf[3]) {
	case 0x01:
		inet_ntop(AF_INET, buf + 4, host, sizeof(host));
		break;
	case 0x04:
		inet_ntop(AF_INET6, buf + 4, host, sizeof(host));
		break;
	default:
		memcpy(host, buf + 5, alen - 1);
		host[alen - 1] = '\0';
		if (alen == 1 || strlen(host) != alen - 1 || !valid_host(host))
			return fail_reply(out, FE_ADDRTYPE);
		break;
	}
	strcpy(req->host, host);
	req->port = (uint16_t)(buf[4 + alen] << 8 | buf[5 + alen]);
	if (req->port == 0)
		return fail_reply(out, FE_SYNTAX);
	out->consumed = need;
	return PARSE_DONE;
}

enum parse_rc socks5_parse(struct pstate *st, const uint8_t *buf, size_t len,
			   const struct auth *auth, struct request *req, struct parse_out *out)
{
	switch (st->phase) {
	case 0:
		memset(req, 0, sizeof(*req));
		return greeting(st, buf, len, auth, out);
	case 1:
		return userpass(st, buf, len, auth, req, out);
	default:
		return request(buf, len, req, out);
	}
}
