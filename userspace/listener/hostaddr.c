// SPDX-License-Identifier: GPL-2.0-only
/*
 * This host's addresses, for the policy's "an address of this host" and
 * "broadcast" classes (policy.h): every interface address getifaddrs() lists
 * and, for IPv4, each network's broadcast address (the one the kernel adds a
 * broadcast route for, prefixes shorter than /31) and the interface's own.
 *
 * An rtnetlink socket subscribed to address changes is opened before the
 * first read, so no change is missed: the check before each policy decision
 * is one recv() that finds it empty, and the list is read again only when
 * something changed (or the socket overflowed). Without the socket the list
 * is read again at most once a second.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "policy.h"

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int add(struct host_addr **v, size_t *n, size_t *cap, int family, const void *a, int bcast)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct host_addr *nv = realloc(*v, nc * sizeof(*nv));

		if (!nv)
			return -1;
		*v = nv;
		*cap = nc;
	}
	memset(&(*v)[*n], 0, sizeof(**v));
	(*v)[*n].family = family;
	(*v)[*n].broadcast = bcast;
	memcpy((*v)[*n].addr, a, family == AF_INET ? 4 : 16);
	(*n)++;
	return 0;
}

int host_addrs_load(struct host_addrs *h, char *err, size_t errlen)
{
	struct ifaddrs *ifa, *i;
	struct host_addr *v = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	if (getifaddrs(&ifa)) {
		snprintf(err, errlen, "getifaddrs: %s", strerror(errno));
		return -1;
	}
	for (i = ifa; i && !rc; i = i->ifa_next) {
		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET6) {
			rc = add(&v, &n, &cap, AF_INET6,
				 &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 0);
		} else if (i->ifa_addr->sa_family == AF_INET) {
			struct in_addr a = ((struct sockaddr_in *)i->ifa_addr)->sin_addr, b;
			uint32_t mask = 0xffffffff;

			rc = add(&v, &n, &cap, AF_INET, &a, 0);
			if (i->ifa_netmask && i->ifa_netmask->sa_family == AF_INET)
				mask = ntohl(((struct sockaddr_in *)i->ifa_netmask)->sin_addr.s_addr);
			/* A prefix shorter than /31 has a broadcast address. */
			if (!rc && (mask & 3) == 0) {
				b.s_addr = a.s_addr | htonl(~mask);
				rc = add(&v, &n, &cap, AF_INET, &b, 1);
			}
			if (!rc && (i->ifa_flags & IFF_BROADCAST) && i->ifa_broadaddr &&
			    i->ifa_broadaddr->sa_family == AF_INET)
				rc = add(&v, &n, &cap, AF_INET,
					 &((struct sockaddr_in *)i->ifa_broadaddr)->sin_addr, 1);
		}
	}
	freeifaddrs(ifa);
	if (rc) {
		free(v);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	free(h->v);
	h->v = v;
	h->n = n;
	h->stale = 0;
	h->loaded_ms = mono_ms();
	return 0;
}

int host_addrs_init(struct host_addrs *h, uint16_t self_port, char *err, size_t errlen)
{
	struct sockaddr_nl snl = {
		.nl_family = AF_NETLINK,
		.nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR,
	};

	memset(h, 0, sizeof(*h));
	h->self_port = self_port;
	h->watch_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (h->watch_fd >= 0 && bind(h->watch_fd, (struct sockaddr *)&snl, sizeof(snl))) {
		close(h->watch_fd);
		h->watch_fd = -1;
	}
	return host_addrs_load(h, err, errlen);
}

int host_addrs_refresh(struct host_addrs *h, char *err, size_t errlen)
{
	char buf[8192];
	ssize_t r;

	if (h->watch_fd < 0) {
		if (mono_ms() - h->loaded_ms >= 1000)
			h->stale = 1;
	} else {
		/* Any notification (or a lost one: ENOBUFS) means: read the list again. */
		while ((r = recv(h->watch_fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0 ||
		       (r < 0 && (errno == ENOBUFS || errno == EINTR)))
			h->stale = 1;
	}
	if (!h->stale)
		return 0;
	return host_addrs_load(h, err, errlen);
}

void host_addrs_free(struct host_addrs *h)
{
	if (h->watch_fd >= 0)
		close(h->watch_fd);
	free(h->v);
	memset(h, 0, sizeof(*h));
	h->watch_fd = -1;
}
