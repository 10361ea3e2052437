// SPDX-License-Identifier: GPL-2.0-only
/*
 * The allow-list config file (format in proc_api.md, "Listener instructions"):
 *
 *   # comment
 *   allow 10.0.2.0/24 80,443,8000-8100
 *   deny  10.0.2.7 *
 *   allow fd00:2::/64 *
 *   user  alice $y$j9T$...      (a crypt(3) hash; a plain password works too)
 *
 * Rules are tried in order, the first whose network and ports match decides;
 * nothing matching means denied, so an empty policy is a closed proxy.
 * Special destinations (loopback, unspecified, link-local, multicast,
 * broadcast, this host's addresses: policy_classify) are matched only by deny
 * rules and by allow rules whose network lies inside their range; this host
 * on the listener's own port by none.
 */
#include <arpa/inet.h>
#include <crypt.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

static int perr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int parse_net(struct prefix *r, const char *s, char *err, size_t errlen)
{
	char addr[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t al = slash ? (size_t)(slash - s) : strlen(s);
	int max;

	if (!strcmp(s, "any") || !strcmp(s, "*")) {
		r->family = AF_UNSPEC;
		r->plen = 0;
		return 0;
	}
	if (al == 0 || al >= sizeof(addr))
		return perr(err, errlen, "bad network '%s'", s);
	memcpy(addr, s, al);
	addr[al] = '\0';
	if (inet_pton(AF_INET, addr, r->addr) == 1) {
		r->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, r->addr) == 1) {
		r->family = AF_INET6;
		max = 128;
	} else {
		return perr(err, errlen, "bad network address '%s'", addr);
	}
	r->plen = max;
	if (slash) {
		char *end;
		long v;

		errno = 0;
		v = strtol(slash + 1, &end, 10);
		if (!slash[1] || *end || errno || v < 0 || v > max || slash[1] == '+' || slash[1] == '-')
			return perr(err, errlen, "bad prefix length in '%s'", s);
		r->plen = (int)v;
	}
	/* Host bits must be zero: "10.0.2.1/24" is probably a typo. */
	for (int bit = r->plen; bit < max; bit++)
		if (r->addr[bit / 8] & (0x80 >> (bit % 8)))
			return perr(err, errlen, "'%s' has host bits set", s);
	return 0;
}

static int parse_num(const char *s, size_t n, uint16_t *v)
{
	unsigned long x = 0;

	if (n == 0 || n > 5)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (unsigned long)(s[i] - '0');
	}
	if (x == 0 || x > 65535)
		return -1;
	*v = (uint16_t)x;
	return 0;
}

static int parse_ports(struct rule *r, const char *s, char *err, size_t errlen)
{
	const char *p = s;

	if (!strcmp(s, "*") || !strcmp(s, "any")) {
		r->nports = 0;
		return 0;
	}
	while (*p) {
		const char *comma = strchr(p, ','), *dash;
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		struct port_range pr;

		if (r->nports == POLICY_MAX_PORTS)
			return perr(err, errlen, "more than %d port ranges", POLICY_MAX_PORTS);
		dash = memchr(p, '-', n);
		if (dash) {
			if (parse_num(p, (size_t)(dash - p), &pr.lo) ||
			    parse_num(dash + 1, (size_t)(p + n - dash - 1), &pr.hi) || pr.lo > pr.hi)
				return perr(err, errlen, "bad port range in '%s'", s);
		} else {
			if (parse_num(p, n, &pr.lo))
				return perr(err, errlen, "bad port in '%s'", s);
			pr.hi = pr.lo;
		}
		r->ports[r->nports++] = pr;
		if (!comma)
			break;
		p = comma + 1;
		if (!*p)
			return perr(err, errlen, "trailing comma in '%s'", s);
	}
	return 0;
}

/* "$ID$...": the method a crypt(3) hash names, copied into @id; 0 if it is no hash. */
static int hash_method(const char *s, char *id, size_t idlen)
{
	size_t n = 0;

	if (s[0] != '$')
		return 0;
	while (s[1 + n] && s[1 + n] != '$') {
		if (!((s[1 + n] >= 'a' && s[1 + n] <= 'z') || (s[1 + n] >= '0' && s[1 + n] <= '9')))
			return 0;
		n++;
	}
	if (!n || s[1 + n] != '$' || n >= idlen)
		return 0;
	memcpy(id, s + 1, n);
	id[n] = '\0';
	return 1;
}

/* crypt(3) of @pass with the method and salt of @hash (NULL on failure); free() it. */
static char *hash_of(const char *pass, const char *hash)
{
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	char *r = NULL, *out;

	if (!cd)
		return NULL;
	out = crypt_r(pass, hash, cd);
	if (out && out[0] == '$')
		r = strdup(out);
	free(cd);
	return r;
}

int policy_add_user(struct policy *p, const char *spec, char *err, size_t errlen)
{
	const char *c = strchr(spec, ':');
	struct user *nu;
	int hashed = 0;
	char id[8];

	if (!c || c == spec || strlen(c + 1) > 255 || (size_t)(c - spec) > 255)
		return perr(err, errlen, "expected NAME:PASSWORD");
	if (hash_method(c + 1, id, sizeof(id))) {
		char *check;

		if (strcmp(id, "y") && strcmp(id, "6"))
			return perr(err, errlen, "password hash method '$%s$' not taken: "
				    "use yescrypt ($y$) or SHA-512 ($6$)", id);
		/* A whole hash hashes anything to one as long; a bare salt does not. */
		check = hash_of("", c + 1);
		if (!check || strlen(check) != strlen(c + 1)) {
			free(check);
			return perr(err, errlen, "malformed password hash for '%.*s'",
				    (int)(c - spec), spec);
		}
		free(check);
		hashed = 1;
	}
	nu = realloc(p->users, (p->nusers + 1) * sizeof(*nu));
	if (!nu)
		return perr(err, errlen, "out of memory");
	p->users = nu;
	nu[p->nusers].name = strndup(spec, (size_t)(c - spec));
	nu[p->nusers].pass = strdup(c + 1);
	nu[p->nusers].hashed = hashed;
	if (!nu[p->nusers].name || !nu[p->nusers].pass) {
		free(nu[p->nusers].name);
		free(nu[p->nusers].pass);
		return perr(err, errlen, "out of memory");
	}
	p->nusers++;
	return 0;
}

/* "allow|deny [from NET] [user NAME] [to] NET PORTS" in w[0..n). */
static int parse_rule(struct policy *p, char **w, int n, char *err, size_t errlen)
{
	struct rule r = { .allow = w[0][0] == 'a', .from.family = AF_UNSPEC }, *nr;
	int i = 1;

	if (i + 1 < n && !strcmp(w[i], "from")) {
		if (parse_net(&r.from, w[i + 1], err, errlen))
			return -1;
		i += 2;
	}
	if (i + 1 < n && !strcmp(w[i], "user")) {
		if (strlen(w[i + 1]) > 255)
			return perr(err, errlen, "user name too long");
		r.user = strdup(w[i + 1]);
		if (!r.user)
			return perr(err, errlen, "out of memory");
		i += 2;
	}
	if (i < n && !strcmp(w[i], "to"))
		i++;
	if (n - i != 2 || parse_net(&r.to, w[i], err, errlen) ||
	    parse_ports(&r, w[i + 1], err, errlen)) {
		if (n - i != 2)
			perr(err, errlen, "expected: %s [from NETWORK] [user NAME] [to] NETWORK PORTS",
			     w[0]);
		free(r.user);
		return -1;
	}
	nr = realloc(p->rules, (p->nrules + 1) * sizeof(*nr));
	if (!nr) {
		free(r.user);
		return perr(err, errlen, "out of memory");
	}
	p->rules = nr;
	nr[p->nrules++] = r;
	return 0;
}

int policy_add_line(struct policy *p, const char *line, char *err, size_t errlen)
{
	char copy[1024], *w[9], *save = NULL, *tok;
	int n = 0;

	if (strlen(line) >= sizeof(copy))
		return perr(err, errlen, "line too long");
	strcpy(copy, line);
	tok = strchr(copy, '#');
	if (tok)
		*tok = '\0';
	for (tok = strtok_r(copy, " \t\r\n", &save); tok; tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == 9)
			return perr(err, errlen, "too many words");
		w[n++] = tok;
	}
	if (n == 0)
		return 0;
	if (!strcmp(w[0], "allow") || !strcmp(w[0], "deny"))
		return parse_rule(p, w, n, err, errlen);
	if (!strcmp(w[0], "user")) {
		char spec[600];

		if (n != 3)
			return perr(err, errlen, "expected: user NAME PASSWORD");
		if (strchr(w[1], ':'))
			return perr(err, errlen, "user name must not contain ':'");
		snprintf(spec, sizeof(spec), "%s:%s", w[1], w[2]);
		return policy_add_user(p, spec, err, errlen);
	}
	return perr(err, errlen, "unknown keyword '%s'", w[0]);
}

int policy_parse(struct policy *p, const char *text, char *err, size_t errlen)
{
	int lineno = 0;

	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t n = nl ? (size_t)(nl - text) : strlen(text);
		char line[1024], e[200];

		lineno++;
		if (n >= sizeof(line))
			return perr(err, errlen, "line %d: too long", lineno);
		memcpy(line, text, n);
		line[n] = '\0';
		if (policy_add_line(p, line, e, sizeof(e)))
			return perr(err, errlen, "line %d: %s", lineno, e);
		text += n + (nl ? 1 : 0);
	}
	return 0;
}

int policy_load(struct policy *p, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *text;
	long sz;
	int rc;

	if (!f)
		return perr(err, errlen, "%s: %s", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) || (sz = ftell(f)) < 0 || sz > (1 << 20) || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return perr(err, errlen, "%s: unreadable or larger than 1 MiB", path);
	}
	text = malloc((size_t)sz + 1);
	if (!text) {
		fclose(f);
		return perr(err, errlen, "out of memory");
	}
	if (fread(text, 1, (size_t)sz, f) != (size_t)sz) {
		free(text);
		fclose(f);
		return perr(err, errlen, "%s: read error", path);
	}
	fclose(f);
	text[sz] = '\0';
	if (strlen(text) != (size_t)sz)
		rc = perr(err, errlen, "%s: contains NUL bytes", path);
	else
		rc = policy_parse(p, text, err, errlen);
	if (rc) {
		char e[256];

		snprintf(e, sizeof(e), "%s", err);
		if (strncmp(e, path, strlen(path)))
			perr(err, errlen, "%s: %s", path, e);
	}
	free(text);
	return rc;
}

void policy_free(struct policy *p)
{
	for (size_t i = 0; i < p->nusers; i++) {
		free(p->users[i].name);
		free(p->users[i].pass);
	}
	free(p->users);
	for (size_t i = 0; i < p->nrules; i++)
		free(p->rules[i].user);
	free(p->rules);
	memset(p, 0, sizeof(*p));
}

static int prefix_match(const uint8_t *a, const uint8_t *net, int plen)
{
	int full = plen / 8, rest = plen % 8;

	if (memcmp(a, net, (size_t)full))
		return 0;
	return !rest || !((a[full] ^ net[full]) & (uint8_t)(0xff << (8 - rest)));
}

/* Destination address and port, IPv4-mapped IPv6 as IPv4: 0, or -1 for another family. */
static int dest_of(const struct sockaddr *sa, int *family, const uint8_t **a, uint16_t *port)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		*family = AF_INET;
		*a = (const uint8_t *)&s4->sin_addr;
		*port = ntohs(s4->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		*family = AF_INET6;
		*a = (const uint8_t *)&s6->sin6_addr;
		*port = ntohs(s6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			*family = AF_INET;
			*a += 12;
		}
	} else {
		return -1;
	}
	return 0;
}

struct special_range {
	enum addr_class cls;
	int family, plen;
	uint8_t net[16];
};

/* In the order they are tried (the metadata address before link-local). */
static const struct special_range special_ranges[] = {
	{ AC_UNSPECIFIED, AF_INET, 8, { 0 } },
	{ AC_UNSPECIFIED, AF_INET6, 128, { 0 } },
	{ AC_LOOPBACK, AF_INET, 8, { 127 } },
	{ AC_LOOPBACK, AF_INET6, 128, { [15] = 1 } },
	{ AC_METADATA, AF_INET, 32, { 169, 254, 169, 254 } },
	{ AC_LINKLOCAL, AF_INET, 16, { 169, 254 } },
	{ AC_LINKLOCAL, AF_INET6, 10, { 0xfe, 0x80 } },
	{ AC_MULTICAST, AF_INET, 4, { 224 } },
	{ AC_MULTICAST, AF_INET6, 8, { 0xff } },
	{ AC_BROADCAST, AF_INET, 32, { 255, 255, 255, 255 } },
};

static void set_range(struct special *r, enum addr_class cls, int family, const uint8_t *net, int plen)
{
	r->cls = cls;
	r->family = family;
	r->plen = plen;
	memset(r->net, 0, sizeof(r->net));
	memcpy(r->net, net, family == AF_INET ? 4 : 16);
}

enum addr_class policy_classify(const struct host_addrs *h, const struct sockaddr *sa,
				struct special *range)
{
	struct special dummy, *r = range ? range : &dummy;
	const uint8_t *a;
	uint16_t port;
	int family, here;
	size_t alen;

	memset(r, 0, sizeof(*r));
	if (dest_of(sa, &family, &a, &port))
		return AC_ORDINARY;
	alen = family == AF_INET ? 4 : 16;
	for (size_t i = 0; i < sizeof(special_ranges) / sizeof(special_ranges[0]); i++) {
		const struct special_range *s = &special_ranges[i];

		if (s->family == family && prefix_match(a, s->net, s->plen)) {
			set_range(r, s->cls, family, s->net, s->plen);
			break;
		}
	}
	for (size_t i = 0; h && r->cls == AC_ORDINARY && i < h->n; i++)
		if (h->v[i].family == family && !memcmp(h->v[i].addr, a, alen))
			set_range(r, h->v[i].broadcast ? AC_BROADCAST : AC_HOST, family, a,
				  (int)alen * 8);
	/* Addresses that reach this host, on the listener's port: ourselves. */
	here = r->cls == AC_UNSPECIFIED || r->cls == AC_LOOPBACK || r->cls == AC_HOST;
	for (size_t i = 0; h && !here && i < h->n; i++)
		here = !h->v[i].broadcast && h->v[i].family == family &&
		       !memcmp(h->v[i].addr, a, alen);
	if (here && h && h->self_port && port == h->self_port) {
		set_range(r, AC_SELF, family, a, (int)alen * 8);
		r->plen = (int)alen * 8 + 1;	/* no rule can name it */
	}
	return r->cls;
}

const char *addr_class_name(enum addr_class c)
{
	static const char *const names[] = {
		[AC_ORDINARY] = "ordinary", [AC_SELF] = "the listener itself",
		[AC_UNSPECIFIED] = "unspecified", [AC_LOOPBACK] = "loopback",
		[AC_METADATA] = "cloud metadata", [AC_LINKLOCAL] = "link-local",
		[AC_MULTICAST] = "multicast", [AC_BROADCAST] = "broadcast",
		[AC_HOST] = "an address of this host",
	};

	return (unsigned int)c < sizeof(names) / sizeof(names[0]) ? names[c] : "?";
}

/* Does the allow rule name the special destination: its network inside the range? */
static int rule_names(const struct rule *r, const struct special *sp)
{
	return r->to.family == sp->family && r->to.plen >= sp->plen &&
	       prefix_match(r->to.addr, sp->net, sp->plen);
}

/* Is address @a of @family inside the network (any address for "any")? */
static int prefix_takes(const struct prefix *n, int family, const uint8_t *a)
{
	return n->family == AF_UNSPEC || (n->family == family && prefix_match(a, n->addr, n->plen));
}

int policy_allows(const struct policy *p, const struct host_addrs *h, const struct sockaddr *sa,
		  const struct policy_client *cl)
{
	const char *user = cl ? cl->user : NULL;
	const uint8_t *a, *ca = NULL;
	struct special sp;
	uint16_t port, cport;
	int family, cfamily = AF_UNSPEC;

	if (dest_of(sa, &family, &a, &port))
		return 0;
	/* The client once: a rule with "from" takes no unknown client. */
	if (cl && cl->addr && dest_of(cl->addr, &cfamily, &ca, &cport))
		ca = NULL;
	policy_classify(h, sa, &sp);
	if (sp.cls == AC_SELF)
		return 0;
	for (size_t i = 0; i < p->nrules; i++) {
		const struct rule *r = &p->rules[i];
		int port_ok = r->nports == 0;

		if (!prefix_takes(&r->to, family, a))
			continue;
		if (r->from.family != AF_UNSPEC && (!ca || !prefix_takes(&r->from, cfamily, ca)))
			continue;
		if (r->user && (!user || strcmp(r->user, user)))
			continue;
		for (int k = 0; k < r->nports && !port_ok; k++)
			port_ok = port >= r->ports[k].lo && port <= r->ports[k].hi;
		if (!port_ok)
			continue;
		/* An allow rule wider than a special range is for ordinary
		 * addresses: it does not cover the special ones inside it. */
		if (r->allow && sp.cls != AC_ORDINARY && !rule_names(r, &sp))
			continue;
		return r->allow;
	}
	return 0;
}

/* Equal strings, compared whole whatever the first difference (no timing hint). */
static int same_secret(const char *want, const char *got)
{
	size_t wl = strlen(want), gl = strlen(got);
	unsigned char diff = (unsigned char)(wl != gl);

	for (size_t k = 0; k < wl; k++)
		diff |= (unsigned char)(want[k] ^ (k < gl ? got[k] : 0));
	return !diff;
}

int policy_check_user(const void *ctx, const char *user, const char *pass)
{
	const struct policy *p = ctx;
	int ok = 0;

	for (size_t i = 0; i < p->nusers; i++) {
		const struct user *u = &p->users[i];

		if (strcmp(u->name, user))
			continue;
		if (u->hashed) {
			char *h = hash_of(pass, u->pass);

			ok |= h && same_secret(u->pass, h);
			free(h);
		} else {
			ok |= same_secret(u->pass, pass);
		}
	}
	return ok;
}
