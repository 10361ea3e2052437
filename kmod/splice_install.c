// SPDX-License-Identifier: GPL-2.0-only
/*
 * Installing a splice from two socket descriptors of the writing process.
 *
 * The translation is a set of constant offsets between the two connections,
 * valid only if neither socket has anything in flight or unread at the
 * instant it is taken. So: hash the pair first (from then on our LOCAL_IN
 * hook holds back every segment for either tuple), wait until no packet that
 * slipped past before is still on its way into a socket, then check both
 * sockets under their locks and snapshot them. Anything unclean: -EAGAIN, the
 * listener drains and retries or relays itself.
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

/* Both sockets locked: is each connected with nothing unread, unsent or unacked? */
static int fwd_splice_check_quiet(struct sock *sk, int fd)
{
	const struct tcp_sock *tp = tcp_sk(sk);

	if (sk->sk_state != TCP_ESTABLISHED || sk->sk_shutdown) {
		pr_info_ratelimited("forward: fd %d is not an established, open connection\n", fd);
		return -ENOTCONN;
	}
	if (tp->repair) {
		pr_info_ratelimited("forward: fd %d is in repair mode\n", fd);
		return -EINVAL;
	}
	if (tp->rcv_nxt != tp->copied_seq ||
	    !skb_queue_empty(&sk->sk_receive_queue) ||
	    !RB_EMPTY_ROOT(&tp->out_of_order_queue) ||
	    READ_ONCE(sk->sk_backlog.tail))
		return -EAGAIN;		/* unread data: the listener reads it first */
	if (tp->snd_una != tp->write_seq || tp->snd_nxt != tp->write_seq ||
	    tp->packets_out || !tcp_write_queue_empty(sk))
		return -EAGAIN;		/* unacked or unsent data: wait for the ACKs */
	return 0;
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
	x->seq_delta = to->snd_nxt - ti->rcv_nxt;
	x->ack_delta = to->rcv_nxt - ti->snd_nxt;
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

/* Muted sockets keep no timers: nothing to retransmit, probe or delay. */
static void fwd_splice_mute_sock(struct sock *sk)
{
	sock_reset_flag(sk, SOCK_KEEPOPEN);
	inet_csk_clear_xmit_timers(sk);
}

int fwd_splice_install(struct fwd_net *fn, int client_fd, int server_fd)
{
	struct fwd_splice_net *sn = &fn->splice;
	struct socket *sock[2] = { NULL, NULL };
	struct fwd_splice_pair *pair;
	struct sock *first, *second;
	int err, side;
	u32 now;

	err = -EINVAL;
	if (client_fd == server_fd) {
		pr_info_ratelimited("forward: client and server fd are the same\n");
		goto out;
	}
	sock[0] = fwd_splice_get_socket(fn->net, client_fd, &err);
	if (!sock[0])
		goto out;
	sock[1] = fwd_splice_get_socket(fn->net, server_fd, &err);
	if (!sock[1])
		goto out;

	err = -ENOMEM;
	pair = fwd_splice_pair_alloc(fn);
	if (!pair)
		goto out;
	for (side = 0; side < 2; side++) {
		pair->sk[side] = sock[side]->sk;
		pair->half[side].pair = pair;
		pair->half[side].side = side;
	}

	/* Lock in address order: two writers naming the same sockets cannot deadlock. */
	first = min(pair->sk[0], pair->sk[1]);
	second = max(pair->sk[0], pair->sk[1]);
	lock_sock(first);
	lock_sock_nested(second, SINGLE_DEPTH_NESTING);

	for (side = 0; side < 2; side++)
		fwd_splice_key_of(pair->sk[side], &pair->half[side].key);
	err = fwd_splice_check_quiet(pair->sk[0], client_fd);
	if (!err)
		err = fwd_splice_check_quiet(pair->sk[1], server_fd);
	if (err)
		goto unlock;
	if (tcp_sk(pair->sk[0])->rx_opt.tstamp_ok != tcp_sk(pair->sk[1])->rx_opt.tstamp_ok) {
		pr_info_ratelimited("forward: only one connection uses TCP timestamps\n");
		err = -EOPNOTSUPP;
		goto unlock;
	}
	if (READ_ONCE(sn->exiting)) {
		err = -ENODEV;
		goto unlock;
	}

	err = fwd_splice_hash(sn, pair);
	if (err) {
		pr_info_ratelimited("forward: a connection is already spliced\n");
		err = -EBUSY;
		goto unlock;
	}
	/* Segments that passed LOCAL_IN before we hashed are delivered (or queued) after this. */
	synchronize_rcu_expedited();
	err = fwd_splice_check_quiet(pair->sk[0], client_fd);
	if (!err)
		err = fwd_splice_check_quiet(pair->sk[1], server_fd);
	if (err)
		goto unhash;

	now = tcp_time_stamp_raw();
	fwd_splice_snapshot(&pair->xlate[FWD_SPLICE_CLIENT], pair->sk[0], pair->sk[1], now);
	fwd_splice_snapshot(&pair->xlate[FWD_SPLICE_SERVER], pair->sk[1], pair->sk[0], now);
	pair->snd_end[FWD_SPLICE_CLIENT] = tcp_sk(pair->sk[0])->snd_nxt;
	pair->snd_end[FWD_SPLICE_SERVER] = tcp_sk(pair->sk[1])->snd_nxt;
	for (side = 0; side < 2; side++) {
		fwd_splice_mute_sock(pair->sk[side]);
		/* Our file references keep the sockets open after the listener closes its fds. */
		pair->file[side] = sock[side]->file;
		sock[side] = NULL;
	}
	fwd_splice_activate(pair);
	release_sock(second);
	release_sock(first);
	atomic64_inc(&sn->installed);
	return 0;

unhash:
	fwd_splice_unhash(sn, pair);
	release_sock(second);
	release_sock(first);
	/* Never activated, so no timer; but the hook may still be looking at it. */
	kfree_rcu(pair, rcu);
	goto out;
unlock:
	release_sock(second);
	release_sock(first);
	kfree(pair);
out:
	for (side = 0; side < 2; side++)
		if (sock[side])
			sockfd_put(sock[side]);
	atomic64_inc(&sn->refused);
	return err;
}
