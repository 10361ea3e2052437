// SPDX-License-Identifier: GPL-2.0-only
/*
 * Handing a connected pair to the kernel: once nothing is in flight through
 * the listener itself (its pipes are empty), write "<client_fd> <server_fd>\n"
 * to /proc/forwarder/forward. Bytes still queued in the sockets are the
 * kernel's business: it moves what nobody read to the other socket and lets
 * each socket finish sending what it holds. The kernel answers EAGAIN when it
 * cannot do that right now (try again shortly) and any other error when it
 * cannot take the pair at all (we relay it ourselves).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "listener.h"

/* 0: an established connection, open both ways; -1 (and why) otherwise. */
int sock_open(int fd, char *why, size_t whylen)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0) {
		snprintf(why, whylen, "TCP_INFO: %s", strerror(errno));
		return -1;
	}
	if (ti.tcpi_state != TCP_ESTABLISHED) {
		snprintf(why, whylen, "TCP state %u", ti.tcpi_state);
		return -1;
	}
	return 0;
}

/* Is there a kernel to hand off to (the module's forward file exists)? */
int handoff_possible(void)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/forward", opt.proc_dir);
	return access(path, F_OK) == 0 || errno != ENOENT;
}

enum handoff_rc handoff_try(struct conn *c, enum fallback_reason *reason)
{
	char path[4200], cmd[32], why[96];
	int fd, n, dc, ds = -1, saved;
	ssize_t w;

	if (opt.no_handoff) {
		*reason = FB_DISABLED;
		return HO_FALLBACK;
	}
	dc = sock_open(c->cfd, why, sizeof(why));
	if (!dc)
		ds = sock_open(c->sfd, why, sizeof(why));
	if (dc || ds) {
		dbg("conn %llu: no hand-off, %s socket: %s", (unsigned long long)c->id,
		    dc < 0 ? "client" : "server", why);
		*reason = FB_HALF_CLOSED;
		return HO_FALLBACK;
	}

	snprintf(path, sizeof(path), "%s/forward", opt.proc_dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		saved = errno;
		dbg("conn %llu: %s: %s", (unsigned long long)c->id, path, strerror(saved));
		*reason = saved == ENOENT ? FB_NO_MODULE : FB_KERNEL;
		return HO_FALLBACK;
	}
	n = snprintf(cmd, sizeof(cmd), "%d %d\n", c->cfd, c->sfd);
	w = write(fd, cmd, (size_t)n);
	saved = errno;
	close(fd);
	if (w == n)
		return HO_DONE;
	if (w < 0 && saved == EAGAIN) {
		stats.handoff_retries++;
		dbg("conn %llu: kernel says EAGAIN, retrying", (unsigned long long)c->id);
		return HO_WAIT;
	}
	connlog("conn %llu: kernel refused the hand-off (%s), relaying it",
		(unsigned long long)c->id, w < 0 ? strerror(saved) : "short write");
	*reason = FB_KERNEL;
	return HO_FALLBACK;
}

int proc_read_port(const char *proc_dir)
{
	char path[4200], buf[32], *end;
	ssize_t n;
	long v;
	int fd;

	snprintf(path, sizeof(path), "%s/listen_port", proc_dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	v = strtol(buf, &end, 10);
	if (end == buf || (*end && *end != '\n') || v < 0 || v > 65535)
		return -1;
	return (int)v;
}

/* 0 written, 1 no such file (module not loaded), -1 error (errno set). */
int proc_write_port(const char *proc_dir, int port)
{
	char path[4200], buf[16];
	int fd, n, saved;
	ssize_t w;

	snprintf(path, sizeof(path), "%s/listen_port", proc_dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 1 : -1;
	n = snprintf(buf, sizeof(buf), "%d\n", port);
	w = write(fd, buf, (size_t)n);
	saved = errno;
	close(fd);
	errno = saved;
	return w == n ? 0 : -1;
}
