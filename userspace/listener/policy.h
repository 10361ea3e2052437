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

/* A network: an address and its prefix length. */
struct prefix {
	int family;		/* AF_INET, AF_INET6, or AF_UNSPEC for "any" */
	uint8_t addr[16];
	int plen;
};

struct rule {
	int allow;
	struct prefix to;	/* the destination network */
	int nports;		/* 0: every port */
	struct port_range ports[POLICY_MAX_PORTS];
	struct prefix from;	/* "from NET": the client's network (AF_UNSPEC: any client) */
	char *user;		/* "user NAME": that authenticated user only; NULL: anyone */
};

/* Who asks: the client's address, and the user it authenticated as (NULL: none). */
struct policy_client {
	const struct sockaddr *addr;
	const char *user;
};

struct user {
	char *name;
	char *pass;		/* the password, or its crypt(3) hash when hashed */
	int hashed;		/* yescrypt ($y$) or SHA-512 ($6$) */
};

struct policy {
	struct rule *rules;
	size_t nrules;
	struct user *users;
	size_t nusers;
};

/* Parse one config line ("allow|deny [from NET] [user NAME] [to] NET PORTS", "user NAME
 * PASSWORD", comments, blank): 0, or -1 with a message in err. */
int policy_add_line(struct policy *p, const char *line, char *err, size_t errlen);
/* Parse a whole config text; on error err says "line N: ...". */
int policy_parse(struct policy *p, const char *text, char *err, size_t errlen);
int policy_load(struct policy *p, const char *path, char *err, size_t errlen);
/*
 * "NAME:PASSWORD" as given on the command line. A PASSWORD of the form
 * $ID$... is a crypt(3) hash: yescrypt ($y$) and SHA-512 ($6$) are taken,
 * other methods refused.
 */
int policy_add_user(struct policy *p, const char *spec, char *err, size_t errlen);
void policy_free(struct policy *p);

/*
 * Special destinations (README, "Special destinations"): refused unless an
 * allow rule names them, that is, its network lies inside the range below;
 * AC_SELF never. Listed in the order they are tried: an address gets the
 * first class it belongs to.
 */
enum addr_class {
	AC_ORDINARY,
	AC_SELF,		/* this host on the listener's own port: a loop */
	AC_UNSPECIFIED,		/* 0.0.0.0/8, ::/128 (connect() reaches loopback) */
	AC_LOOPBACK,		/* 127.0.0.0/8, ::1/128 */
	AC_METADATA,		/* 169.254.169.254/32, the cloud instance metadata service */
	AC_LINKLOCAL,		/* 169.254.0.0/16, fe80::/10 */
	AC_MULTICAST,		/* 224.0.0.0/4, ff00::/8 */
	AC_BROADCAST,		/* 255.255.255.255/32, each IPv4 network's broadcast address/32 */
	AC_HOST,		/* an address of this host, /32 or /128 */
};

/* The range of a special destination: a rule names it when its network lies inside. */
struct special {
	enum addr_class cls;
	int family;
	uint8_t net[16];
	int plen;
};

struct host_addr {
	int family;
	int broadcast;		/* an IPv4 network's broadcast address, not an own address */
	uint8_t addr[16];
};

/* This host's addresses (hostaddr.c keeps them current) and the listener's port. */
struct host_addrs {
	struct host_addr *v;
	size_t n;
	uint16_t self_port;	/* 0: none */
	int watch_fd;		/* rtnetlink, told of address changes; -1: re-read every second */
	int stale;		/* re-read before the next check */
	uint64_t loaded_ms;	/* CLOCK_MONOTONIC */
};

/* Which special destination is this (IPv4-mapped IPv6 counts as IPv4)? h may be NULL. */
enum addr_class policy_classify(const struct host_addrs *h, const struct sockaddr *sa,
				struct special *range);
const char *addr_class_name(enum addr_class c);
/* Is a connection to this address and port allowed for this client? (IPv4-mapped IPv6
 * counts as IPv4; h: this host's addresses, NULL when none are known; cl NULL: an
 * unknown client, which only rules without "from" and "user" match.) */
int policy_allows(const struct policy *p, const struct host_addrs *h, const struct sockaddr *sa,
		  const struct policy_client *cl);

/* hostaddr.c. Open the change notifications, then read the addresses: 0, or -1 with err. */
int host_addrs_init(struct host_addrs *h, uint16_t self_port, char *err, size_t errlen);
/* Re-read the addresses if they changed (or, without notifications, once a second):
 * 0, or -1 with err when they could not be read (the previous ones are kept). */
int host_addrs_refresh(struct host_addrs *h, char *err, size_t errlen);
/* Replace the list with this host's addresses now (getifaddrs): 0 or -1 with err. */
int host_addrs_load(struct host_addrs *h, char *err, size_t errlen);
void host_addrs_free(struct host_addrs *h);
/* For struct auth: 1 when the pair is a configured user. */
int policy_check_user(const void *p, const char *user, const char *pass);

#endif
