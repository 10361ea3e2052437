// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host name resolution off the event loop: getaddrinfo(3) blocks, so a few
 * worker threads run it and hand finished jobs back through an eventfd. The
 * threads touch only the job (host, port, result), never a connection; a
 * connection that goes away first just forgets its job (job->c = NULL), and
 * the loop frees it when it comes back.
 */
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "listener.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static struct resolve_job *todo_head, **todo_tail = &todo_head, *done_head;
static int efd = -1;

static void *worker(void *arg)
{
	(void)arg;
	for (;;) {
		struct resolve_job *j;
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_protocol = IPPROTO_TCP };
		uint64_t one = 1;

		pthread_mutex_lock(&lock);
		while (!todo_head)
			pthread_cond_wait(&cond, &lock);
		j = todo_head;
		todo_head = j->next;
		if (!todo_head)
			todo_tail = &todo_head;
		pthread_mutex_unlock(&lock);

		j->rc = getaddrinfo(j->host, j->port, &hints, &j->res);

		pthread_mutex_lock(&lock);
		j->next = done_head;
		done_head = j;
		pthread_mutex_unlock(&lock);
		if (write(efd, &one, sizeof(one)) < 0) {
			/* the counter cannot overflow in practice; the loop still drains the list */
		}
	}
	return NULL;
}

int resolver_init(int threads)
{
	sigset_t all, old;

	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (efd < 0)
		return -1;
	/* Workers must not take the daemon's signals. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (int i = 0; i < threads; i++) {
		pthread_t t;
		pthread_attr_t attr;

		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&attr, 256 * 1024);
		if (pthread_create(&t, &attr, worker, NULL)) {
			pthread_attr_destroy(&attr);
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			return i ? efd : -1;
		}
		pthread_attr_destroy(&attr);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return efd;
}

int resolver_submit(struct resolve_job *j)
{
	j->next = NULL;
	j->res = NULL;
	pthread_mutex_lock(&lock);
	*todo_tail = j;
	todo_tail = &j->next;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&lock);
	return 0;
}

struct resolve_job *resolver_done(void)
{
	struct resolve_job *j;
	uint64_t n;

	if (read(efd, &n, sizeof(n)) < 0) {
		/* EAGAIN: nothing new, the list may still hold jobs */
	}
	pthread_mutex_lock(&lock);
	j = done_head;
	done_head = NULL;
	pthread_mutex_unlock(&lock);
	return j;
}
