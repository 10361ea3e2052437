/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The destination policy: an ordered allow/deny list of networks and ports
 * (first match wins, no match: denied) and the optional user list.
 */
#ifndef FWD_POLICY_H
#define FWD_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define POLICY_MAX_PORTS 32

struct port_range {
	uint16_t lo, hi;
};

struct rule {
	int allow;
	int family;		/* AF_INET, AF_INET6, or AF_UNSPEC for "any" */
	uint8_t addr[16];
	int plen;
	int nports;		/* 0: every port */
	struct port_range ports[POLICY_MAX_PORTS];
};

struct user {
	char *name, *pass;
};

struct policy {
	struct rule *rules;
	size_t nrules;
	struct user *users;
	size_t nusers;
};

/* Parse one config line ("allow NET PORTS", "deny NET PORTS", "user NAME PASSWORD",
 * comments, blank): 0, or -1 with a message in err. */
int policy_add_line(struct policy *p, const char *line, char *err, size_t errlen);
/* Parse a whole config text; on error err says "line N: ...". */
int policy_parse(struct policy *p, const char *text, char *err, size_t errlen);
int policy_load(struct policy *p, const char *path, char *err, size_t errlen);
/* "NAME:PASSWORD" as given on the command line. */
int policy_add_user(struct policy *p, const char *spec, char *err, size_t errlen);
void policy_free(struct policy *p);

/* Is a connection to this address and port allowed? (IPv4-mapped IPv6 counts as IPv4.) */
int policy_allows(const struct policy *p, const struct sockaddr *sa);
/* For struct auth: 1 when the pair is a configured user. */
int policy_check_user(const void *p, const char *user, const char *pass);

#endif
