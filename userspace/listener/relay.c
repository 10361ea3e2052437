// SPDX-License-Identifier: GPL-2.0-only
/*
 * Relaying a connection ourselves: each direction moves bytes socket -> pipe ->
 * socket with splice(2), so they never enter userspace. The client's early
 * payload (bytes it sent after its instruction, already read with it) goes to
 * the server first. EOF on one side becomes shutdown(SHUT_WR) on the other
 * once everything before it was delivered; the connection ends when both
 * directions have. Used before a hand-off (to deliver early bytes and a server
 * that speaks first) and for good when the kernel cannot take the pair.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "listener.h"

#define PIPE_CAP 65536
#define ROUNDS 8	/* per call and direction, so one busy connection cannot starve the rest */

int relay_start(struct conn *c)
{
	for (int i = 0; i < 2; i++) {
		if (c->d[i].pipe[0] >= 0)
			continue;
		if (pipe2(c->d[i].pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
			c->d[i].pipe[0] = c->d[i].pipe[1] = -1;
			return -1;
		}
	}
	return 0;
}

void relay_free(struct conn *c)
{
	for (int i = 0; i < 2; i++)
		for (int k = 0; k < 2; k++)
			if (c->d[i].pipe[k] >= 0) {
				close(c->d[i].pipe[k]);
				c->d[i].pipe[k] = -1;
			}
}

static void count(struct conn *c, size_t n)
{
	c->bytes += n;
	if (c->fallback)
		stats.relay_bytes += n;
	else
		stats.early_bytes += n;
}

/* One direction; -1 on a socket error. */
static int move(struct conn *c, int i)
{
	struct dir *d = &c->d[i];
	int src = i == 0 ? c->cfd : c->sfd, dst = i == 0 ? c->sfd : c->cfd;

	for (int round = 0; round < ROUNDS; round++) {
		int progress = 0;
		ssize_t n;

		if (i == 0 && c->early_off < c->blen) {
			n = send(dst, c->buf + c->early_off, c->blen - c->early_off, MSG_NOSIGNAL);
			if (n > 0) {
				c->early_off += (size_t)n;
				count(c, (size_t)n);
				progress = 1;
			} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				return -1;
			}
			if (c->early_off < c->blen)
				break;	/* wait for EPOLLOUT */
		}
		if (!d->eof && !d->pipe_full) {
			n = splice(src, NULL, d->pipe[1], NULL, PIPE_CAP,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				d->inpipe += (size_t)n;
				progress = 1;
			} else if (n == 0) {
				d->eof = 1;
				progress = 1;
			} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
				/* Either nothing to read or the pipe has no free slot. */
				if (d->inpipe > 0)
					d->pipe_full = 1;
			} else if (errno != EINTR) {
				return -1;
			}
		}
		if (d->inpipe > 0) {
			n = splice(d->pipe[0], NULL, dst, NULL, d->inpipe,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				d->inpipe -= (size_t)n;
				d->pipe_full = 0;
				count(c, (size_t)n);
				progress = 1;
			} else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				return -1;
			}
		}
		if (d->eof && d->inpipe == 0 && !d->shut && (i == 1 || c->early_off >= c->blen)) {
			if (shutdown(dst, SHUT_WR) < 0 && errno != ENOTCONN)
				return -1;
			d->shut = 1;
		}
		if (!progress)
			break;
	}
	return 0;
}

int relay_io(struct conn *c)
{
	if (move(c, 0) < 0 || move(c, 1) < 0)
		return -1;
	return c->d[0].shut && c->d[1].shut;
}

void relay_events(const struct conn *c, uint32_t *evc, uint32_t *evs)
{
	const struct dir *up = &c->d[0], *down = &c->d[1];

	*evc = *evs = 0;
	if (!up->eof && !up->pipe_full)
		*evc |= EPOLLIN;
	if (up->inpipe > 0 || c->early_off < c->blen)
		*evs |= EPOLLOUT;
	if (!down->eof && !down->pipe_full)
		*evs |= EPOLLIN;
	if (down->inpipe > 0)
		*evc |= EPOLLOUT;
}

/* Nothing in flight through us: the moment a hand-off can be tried. */
int relay_quiet(const struct conn *c)
{
	return c->d[0].inpipe == 0 && c->d[1].inpipe == 0 && c->early_off >= c->blen;
}
