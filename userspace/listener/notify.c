// SPDX-License-Identifier: GPL-2.0-only
/*
 * The service manager's readiness protocol (sd_notify(3)), without
 * libsystemd: one datagram per state change to the AF_UNIX socket named by
 * $NOTIFY_SOCKET (a path, or '@' for the abstract namespace). Nothing is
 * sent when the variable is unset, so the listener runs the same without
 * systemd.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "listener.h"

static void notify_send(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@'))
		return;
	len = strlen(path);
	if (len >= sizeof(sun.sun_path))
		return;
	memcpy(sun.sun_path, path, len);
	if (sun.sun_path[0] == '@')
		sun.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sun,
		   offsetof(struct sockaddr_un, sun_path) + len) < 0)
		warn("cannot notify the service manager: %s", strerror(errno));
	close(fd);
}

void notify_ready(void)
{
	char msg[64];

	snprintf(msg, sizeof(msg), "READY=1\nMAINPID=%d", (int)getpid());
	notify_send(msg);
}

/* Type=notify-reload wants the monotonic time with RELOADING=1. */
void notify_reloading(void)
{
	struct timespec ts;
	char msg[80];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)ts.tv_sec * 1000000 + (unsigned long long)ts.tv_nsec / 1000);
	notify_send(msg);
}

void notify_stopping(void)
{
	notify_send("STOPPING=1");
}
