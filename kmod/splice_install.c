// SPDX-License-Identifier: GPL-2.0-only
/*
 * Installing a splice from two socket descriptors of the writing process.
 *
 * The translation is a set of constant offsets between the two connections,
 * taken at an instant when no byte is on its way into either socket. So: hash
 * the pair first (from then on our LOCAL_IN hook holds back every segment for
 * either tuple; the peers retransmit them after the splice), wait until no
 * packet that slipped past before is still on its way into a socket, move
 * whatever the sockets received but nobody read to the other socket (what the
 * listener would have done), then snapshot both under their locks.
 *
 * Bytes a socket was given but its peer has not acknowledged yet (the
 * listener's reply, relayed bytes) stay that socket's job: it keeps its
 * retransmission timer and sees the peer's ACKs until they are all acked.
 */
#include <linux/file.h>
#include <linux/net.h>
#include <linux/rcupdate.h>
#include <net/inet_connection_sock.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "forwarder.h"
#include "splice.h"

static struct socket *fwd_splice_get_socket(struct net *net, int fd, int *err)
{
	struct socket *sock;
	struct sock *sk;

	sock = sockfd_lookup(fd, err);
	if (!sock) {
		pr_info_ratelimited("forward: fd %d is not a socket\n", fd);
		return NULL;
	}
	sk = sock->sk;
	if (sock->type != SOCK_STREAM || sk->sk_protocol != IPPROTO_TCP) {
		pr_info_ratelimited("forward: fd %d is not a TCP socket\n", fd);
		*err = -EINVAL;
		goto put;
	}
	if (sk->sk_family != AF_INET) {
		pr_info_ratelimited("forward: fd %d: only IPv4 connections can be spliced\n", fd);
		*err = -EAFNOSUPPORT;
		goto put;
	}
	if (!net_eq(sock_net(sk), net)) {
		pr_info_ratelimited("forward: fd %d belongs to another network namespace\n", fd);
		*err = -EXDEV;
		goto put;
	}
	return sock;

put:
	sockfd_put(sock);
	return NULL;
}

/* Socket locked: connected both ways, and not something we cannot splice? */
static int fwd_splice_check_open(struct sock *sk, int fd)
{
	if (sk->sk_state != TCP_ESTABLISHED || sk->sk_shutdown) {
		pr_info_ratelimited("forward: fd %d is not an established, open connection\n", fd);
		return -ENOTCONN;
	}
	if (tcp_sk(sk)->repair) {
		pr_info_ratelimited("forward: fd %d is in repair mode\n", fd);
		return -EINVAL;
	}
	return 0;
}

/* Socket locked, pair hashed: has every received byte been read? */
static int fwd_splice_check_read(struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);

	if (tp->rcv_nxt != tp->copied_seq ||
	    !skb_queue_empty(&sk->sk_receive_queue) ||
	    !RB_EMPTY_ROOT(&tp->out_of_order_queue) ||
	    READ_ONCE(sk->sk_backlog.tail))
		return -EAGAIN;
	return 0;
}

/*
 * Move what @from received but nobody read into @to's send queue. Peek, send
 * without blocking, then consume exactly what @to took: a byte is never held
 * anywhere but in a socket. -EAGAIN if @to cannot take it all now.
 */
static int fwd_splice_drain(struct fwd_splice_net *sn, struct socket *from,
			    struct socket *to, void *buf)
{
	for (;;) {
		struct kvec iov = { .iov_base = buf, .iov_len = PAGE_SIZE };
		struct msghdr msg = {};
		int n, sent, got;

		n = kernel_recvmsg(from, &msg, &iov, 1, PAGE_SIZE, MSG_DONTWAIT | MSG_PEEK);
		if (n == -EAGAIN)
			return 0;	/* nothing unread */
		if (n <= 0)
			return n ? n : -ENOTCONN;	/* 0: the peer closed */

		iov.iov_len = n;
		memset(&msg, 0, sizeof(msg));
		msg.msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL;
		sent = kernel_sendmsg(to, &msg, &iov, 1, n);
		if (sent <= 0)
			return sent ? sent : -EAGAIN;

		iov.iov_len = sent;
		memset(&msg, 0, sizeof(msg));
		got = kernel_recvmsg(from, &msg, &iov, 1, sent, MSG_DONTWAIT);
		if (WARN_ON_ONCE(got != sent))
			return -EIO;
		atomic64_add(sent, &sn->drained_bytes);
		if (sent < n)
			return -EAGAIN;
	}
}

static void fwd_splice_key_of(struct sock *sk, struct fwd_splice_key *key)
{
	const struct inet_sock *inet = inet_sk(sk);

	key->raddr = inet->inet_daddr;
	key->laddr = inet->inet_saddr;
	key->rport = inet->inet_dport;
	key->lport = inet->inet_sport;
}

/*
 * Offsets for segments arriving on @in's connection and leaving on @out's.
 * @in's peer becomes the sender, @out's peer the receiver. @now is the TCP
 * timestamp clock (ms), read once for both directions so their timestamp
 * offsets are exact inverses.
 */
static void fwd_splice_snapshot(struct fwd_splice_xlate *x, struct sock *in,
				struct sock *out, u32 now)
{
	const struct tcp_sock *ti = tcp_sk(in), *to = tcp_sk(out);
	const struct inet_sock *io = inet_sk(out);

	x->saddr = io->inet_saddr;
	x->daddr = io->inet_daddr;
	x->sport = io->inet_sport;
	x->dport = io->inet_dport;
	/* Everything already written to either socket is that socket's to deliver. */
	x->seq_delta = to->write_seq - ti->rcv_nxt;
	x->ack_delta = to->rcv_nxt - ti->write_seq;
	/*
	 * The sender's TSvals continue from the last one our socket saw; map
	 * that onto our outgoing socket's clock now (what it would put on the
	 * wire), so the receiver's PAWS check sees time moving forward. TSecr
	 * undoes the other direction's TSval mapping.
	 */
	x->tsval_delta = now + to->tsoffset - ti->rx_opt.ts_recent;
	x->tsecr_delta = to->rx_opt.ts_recent - (now + ti->tsoffset);
	x->wscale_in = ti->rx_opt.snd_wscale;
	x->wscale_out = to->rx_opt.rcv_wscale;
}

/*
 * From now on the socket only speaks to retransmit what it still owes (see
 * pending); one that owes nothing keeps no timers at all.
 */
static void fwd_splice_mute_sock(struct fwd_splice_pair *pair, int side)
{
	struct sock *sk = pair->sk[side];
	const struct tcp_sock *tp = tcp_sk(sk);

	sock_reset_flag(sk, SOCK_KEEPOPEN);
	pair->pending_end[side] = tp->write_seq;
	if (tp->snd_una != tp->write_seq) {
		set_bit(side, &pair->pending);
		atomic64_inc(&pair->fn->splice.owing);
	} else
		inet_csk_clear_xmit_timers(sk);
}

static void fwd_splice_lock(struct fwd_splice_pair *pair)
{
	/* Address order: two writers naming the same sockets cannot deadlock. */
	lock_sock(min(pair->sk[0], pair->sk[1]));
	lock_sock_nested(max(pair->sk[0], pair->sk[1]), SINGLE_DEPTH_NESTING);
}

static void fwd_splice_unlock(struct fwd_splice_pair *pair)
{
	release_sock(max(pair->sk[0], pair->sk[1]));
	release_sock(min(pair->sk[0], pair->sk[1]));
}

static int fwd_splice_check_both(struct fwd_splice_pair *pair, const int *fd)
{
	int err;

	err = fwd_splice_check_open(pair->sk[0], fd[0]);
	if (!err)
		err = fwd_splice_check_open(pair->sk[1], fd[1]);
	return err;
}

int fwd_splice_install(struct fwd_net *fn, int client_fd, int server_fd)
{
	const int fd[2] = { client_fd, server_fd };
	struct fwd_splice_net *sn = &fn->splice;
	struct socket *sock[2] = { NULL, NULL };
	struct fwd_splice_pair *pair = NULL;
	void *buf = NULL;
	int err, side;
	u32 now;

	err = -EINVAL;
	if (client_fd == server_fd) {
		pr_info_ratelimited("forward: client and server fd are the same\n");
		goto out;
	}
	for (side = 0; side < 2; side++) {
		sock[side] = fwd_splice_get_socket(fn->net, fd[side], &err);
		if (!sock[side])
			goto out;
	}

	err = -ENOMEM;
	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	pair = fwd_splice_pair_alloc(fn);
	if (!buf || !pair)
		goto out;
	for (side = 0; side < 2; side++) {
		pair->sk[side] = sock[side]->sk;
		pair->half[side].pair = pair;
		pair->half[side].side = side;
	}

	fwd_splice_lock(pair);
	for (side = 0; side < 2; side++)
		fwd_splice_key_of(pair->sk[side], &pair->half[side].key);
	err = fwd_splice_check_both(pair, fd);
	if (!err && tcp_sk(pair->sk[0])->rx_opt.tstamp_ok != tcp_sk(pair->sk[1])->rx_opt.tstamp_ok) {
		pr_info_ratelimited("forward: only one connection uses TCP timestamps\n");
		err = -EOPNOTSUPP;
	}
	fwd_splice_unlock(pair);
	if (err)
		goto out;
	if (READ_ONCE(sn->exiting)) {
		err = -ENODEV;
		goto out;
	}

	err = fwd_splice_hash(sn, pair);
	if (err) {
		pr_info_ratelimited("forward: a connection is already spliced\n");
		err = -EBUSY;
		goto out;
	}
	/* Segments that passed LOCAL_IN before we hashed are in the sockets after this. */
	synchronize_rcu_expedited();
	err = fwd_splice_drain(sn, sock[0], sock[1], buf);
	if (!err)
		err = fwd_splice_drain(sn, sock[1], sock[0], buf);
	if (err)
		goto unhash;

	fwd_splice_lock(pair);
	err = fwd_splice_check_both(pair, fd);
	for (side = 0; side < 2 && !err; side++)
		err = fwd_splice_check_read(pair->sk[side]);
	if (err) {
		fwd_splice_unlock(pair);
		goto unhash;
	}
	now = tcp_time_stamp_raw();
	fwd_splice_snapshot(&pair->xlate[FWD_SPLICE_CLIENT], pair->sk[0], pair->sk[1], now);
	fwd_splice_snapshot(&pair->xlate[FWD_SPLICE_SERVER], pair->sk[1], pair->sk[0], now);
	for (side = 0; side < 2; side++) {
		pair->snd_end[side] = tcp_sk(pair->sk[side])->write_seq;
		fwd_splice_mute_sock(pair, side);
		/* Our file references keep the sockets open after the listener closes its fds. */
		pair->file[side] = sock[side]->file;
		sock[side] = NULL;
	}
	fwd_splice_activate(pair);
	fwd_splice_unlock(pair);
	kfree(buf);
	atomic64_inc(&sn->installed);
	return 0;

unhash:
	fwd_splice_unhash(sn, pair);
	/* Never activated, so no timer; but the hook may still be looking at it. */
	kfree_rcu(pair, rcu);
	pair = NULL;
out:
	kfree(pair);
	kfree(buf);
	for (side = 0; side < 2; side++)
		if (sock[side])
			sockfd_put(sock[side]);
	atomic64_inc(&sn->refused);
	return err;
}
