// SPDX-License-Identifier: GPL-2.0-only
/*
 * Installing a splice from two socket descriptors of the writing process.
 *
 * The translation is a set of constant offsets between the two connections,
 * taken at an instant when no byte is on its way into either socket. So:
 * check, under both socket locks, everything that would make the pair
 * impossible (before any segment is held back, so a refusal or an EAGAIN
 * costs the peers nothing); hash the pair (from then on our LOCAL_IN hook
 * holds back every segment for either tuple; the peers retransmit them after
 * the splice); wait until no packet that slipped past before is still on its
 * way into a socket; then, under both socket locks again, make sure that
 * whatever the sockets received but nobody read can move to the other socket
 * (what the listener would have done), move it and snapshot both. A refusal
 * at that point (a hole that formed in between, no memory) leaves both
 * sockets as they were. Holding the locks keeps any other reader of the
 * sockets out while bytes move.
 *
 * Installs in a namespace are serialised with its pre_exit, so unloading the
 * module never meets a half-installed pair.
 */
#include <linux/file.h>
#include <linux/net.h>
#include <linux/rcupdate.h>
#include <linux/uio.h>
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

/* Signed segments (RFC 2385, RFC 5925) cannot be rewritten without the keys. */
static bool fwd_tcp_signed(const struct tcp_sock *tp)
{
#ifdef CONFIG_TCP_MD5SIG
	if (rcu_access_pointer(tp->md5sig_info))
		return true;
#endif
#ifdef CONFIG_TCP_AO
	if (rcu_access_pointer(tp->ao_info))
		return true;
#endif
	return false;
}

/* Socket locked: connected both ways, and carrying nothing we cannot translate? */
static int fwd_splice_check_open(struct sock *sk, int fd)
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
	/* kTLS, sockmap and other upper layers own the byte stream. */
	if (sk->sk_prot != &tcp_prot || inet_csk(sk)->icsk_ulp_ops) {
		pr_info_ratelimited("forward: fd %d has an upper-layer protocol or a socket map\n", fd);
		return -ENOPROTOOPT;
	}
	if (fwd_tcp_signed(tp)) {
		pr_info_ratelimited("forward: fd %d signs its segments (TCP-MD5/TCP-AO)\n", fd);
		return -ENOPROTOOPT;
	}
	/* The drain cannot move an out-of-band byte. */
	if (tp->urg_data & (TCP_URG_VALID | TCP_URG_NOTYET)) {
		pr_info_ratelimited("forward: fd %d has urgent data pending\n", fd);
		return -EPROTO;
	}
	return 0;
}

/* Both locked: do the two connections speak the same TCP, so every option maps? */
static int fwd_splice_check_alike(struct fwd_splice_pair *pair)
{
	const struct tcp_sock *c = tcp_sk(pair->sk[0]), *s = tcp_sk(pair->sk[1]);

	if (c->rx_opt.tstamp_ok != s->rx_opt.tstamp_ok) {
		pr_info_ratelimited("forward: only one connection uses TCP timestamps\n");
		return -EOPNOTSUPP;
	}
	if (fwd_tcp_usec_ts(c) || fwd_tcp_usec_ts(s)) {
		pr_info_ratelimited("forward: microsecond TCP timestamps cannot be translated\n");
		return -EOPNOTSUPP;
	}
	if (tcp_is_sack(c) != tcp_is_sack(s)) {
		pr_info_ratelimited("forward: only one connection negotiated SACK\n");
		return -EOPNOTSUPP;
	}
	if ((c->ecn_flags ^ s->ecn_flags) & TCP_ECN_OK) {
		pr_info_ratelimited("forward: only one connection negotiated ECN\n");
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * Socket locked: is what it received and nobody read ready to move? Data
 * after a hole would only be complete after segments the install holds back.
 */
static int fwd_splice_check_queues(struct sock *sk)
{
	if (!RB_EMPTY_ROOT(&tcp_sk(sk)->out_of_order_queue) ||
	    READ_ONCE(sk->sk_backlog.tail))
		return -EAGAIN;
	return 0;
}

/*
 * Both locked, hashed, nothing in flight: make sure @to takes everything
 * @from holds unread in one go, before a byte moves, so that an EAGAIN
 * leaves both sockets as they were. The bytes are in kernel memory already
 * (in @from's queue): @to's send buffer grows to hold them, and the memory
 * for them and their segments is reserved now.
 */
static int fwd_splice_make_room(struct sock *from, struct sock *to)
{
	u32 unread = tcp_sk(from)->rcv_nxt - tcp_sk(from)->copied_seq;
	u32 mss = max_t(u32, tcp_sk(to)->mss_cache, 1);
	u64 need;

	if (!unread)
		return 0;
	need = unread + (u64)(unread / mss + 2) * SKB_TRUESIZE(MAX_TCP_HEADER);
	if (need + to->sk_wmem_queued > INT_MAX)
		return -ENOBUFS;
	/* Signed: the buffer may already be over-full (wspace < 0). */
	if ((s64)sk_stream_wspace(to) < (s64)need)
		WRITE_ONCE(to->sk_sndbuf, to->sk_wmem_queued + need);
	if (!sk_wmem_schedule(to, need))
		return -EAGAIN;		/* the host is short of TCP memory */
	return 0;
}

struct fwd_splice_drain {
	struct sock *to;
	void *buf;		/* PAGE_SIZE bounce buffer */
	int err;
	u32 moved;
};

/* tcp_read_sock() actor: what @to takes is consumed from the source, nothing more. */
static int fwd_splice_drain_actor(read_descriptor_t *desc, struct sk_buff *skb,
				  unsigned int offset, size_t len)
{
	struct fwd_splice_drain *d = desc->arg.data;
	size_t done = 0;

	while (!d->err && done < len) {
		size_t n = min_t(size_t, len - done, PAGE_SIZE);
		struct kvec iov = { .iov_base = d->buf, .iov_len = n };
		struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };
		int sent;

		if (skb_copy_bits(skb, offset + done, d->buf, n)) {
			d->err = -EFAULT;
			break;
		}
		iov_iter_kvec(&msg.msg_iter, ITER_SOURCE, &iov, 1, n);
		sent = tcp_sendmsg_locked(d->to, &msg, n);
		if (sent <= 0) {
			d->err = sent ? sent : -EAGAIN;
			break;
		}
		done += sent;
		if (sent < n)
			d->err = -EAGAIN;
	}
	d->moved += done;
	if (d->err)
		desc->count = 0;
	return done;
}

/*
 * Both sockets locked, room made: move what @from received but nobody read
 * into @to's send queue. A byte is never held anywhere but in a socket, and
 * with both locks held no reader can take bytes in between. -ENOBUFS if an
 * allocation failed: the bytes moved so far are @to's to send, in order, and
 * the rest are still @from's to read.
 */
static int fwd_splice_drain(struct fwd_splice_net *sn, struct sock *from,
			    struct sock *to, void *buf)
{
	struct fwd_splice_drain d = { .to = to, .buf = buf };
	read_descriptor_t desc = { .arg.data = &d, .count = 1 };
	struct tcp_sock *tp = tcp_sk(to);
	u32 lowat = tp->notsent_lowat;

	if (tcp_sk(from)->rcv_nxt == tcp_sk(from)->copied_seq)
		return 0;
	/* TCP_NOTSENT_LOWAT would stop the move half way: lift it meanwhile. */
	WRITE_ONCE(tp->notsent_lowat, UINT_MAX);
	tcp_read_sock(from, &desc, fwd_splice_drain_actor);
	WRITE_ONCE(tp->notsent_lowat, lowat);
	atomic64_add(d.moved, &sn->drained_bytes);
	/* Room was made: only an allocation failure stops it now. */
	if (d.err || tcp_sk(from)->rcv_nxt != tcp_sk(from)->copied_seq) {
		pr_info_ratelimited("forward: out of memory moving unread bytes (%u moved)\n",
				    d.moved);
		return -ENOBUFS;
	}
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
	x->mss = to->rx_opt.mss_clamp;
}

/*
 * The pair's view of one connection starts where its socket stands; from
 * now on the socket only speaks to retransmit what it still owes (see
 * pending), and one that owes nothing keeps no timers at all.
 */
static void fwd_splice_take_sock(struct fwd_splice_pair *pair, int side)
{
	struct sock *sk = pair->sk[side];
	const struct tcp_sock *tp = tcp_sk(sk);

	pair->snd_end[side] = tp->write_seq;
	pair->acked[side] = tp->snd_una;
	pair->wnd[side] = tp->snd_wnd;
	pair->frozen_rcv_nxt[side] = tp->rcv_nxt;
	sock_reset_flag(sk, SOCK_KEEPOPEN);
	pair->pending_end[side] = tp->write_seq;
	if (tp->snd_una != tp->write_seq) {
		set_bit(side, &pair->pending);
		atomic64_inc(&pair->fn->splice->owing);
	} else {
		inet_csk_clear_xmit_timers(sk);
	}
}

/*
 * How far the sender on @side may send towards the other side's peer: what
 * that peer offered our socket, or what our socket on @side offered the
 * sender before the splice (translated), whichever reaches further.
 */
static void fwd_splice_take_window(struct fwd_splice_pair *pair, int side)
{
	const struct tcp_sock *in = tcp_sk(pair->sk[side]);
	const struct tcp_sock *out = tcp_sk(pair->sk[!side]);
	u32 offered = in->rcv_wup + in->rcv_wnd + pair->xlate[side].seq_delta;
	u32 edge = out->snd_una + out->snd_wnd;

	pair->maxend[!side] = after(offered, edge) ? offered : edge;
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

/* Both locked, before hashing: everything that can refuse the pair without cost. */
static int fwd_splice_precheck(struct fwd_splice_pair *pair, const int *fd)
{
	int err;

	err = fwd_splice_check_both(pair, fd);
	if (!err)
		err = fwd_splice_check_alike(pair);
	if (!err)
		err = fwd_splice_check_queues(pair->sk[0]);
	if (!err)
		err = fwd_splice_check_queues(pair->sk[1]);
	return err;
}

/* Both locked, hashed, nothing in flight: move unread bytes, then take both sockets. */
static int fwd_splice_take(struct fwd_splice_pair *pair, const int *fd, void *buf)
{
	struct fwd_splice_net *sn = pair->fn->splice;
	int err, side;
	u32 now;

	err = fwd_splice_check_both(pair, fd);
	/* Nothing arrives any more: decide now, before a byte moves. */
	for (side = 0; side < 2 && !err; side++)
		err = fwd_splice_check_queues(pair->sk[side]);
	for (side = 0; side < 2 && !err; side++)
		err = fwd_splice_make_room(pair->sk[side], pair->sk[!side]);
	if (!err)
		err = fwd_splice_drain(sn, pair->sk[0], pair->sk[1], buf);
	if (!err)
		err = fwd_splice_drain(sn, pair->sk[1], pair->sk[0], buf);
	if (err)
		return err;
	now = tcp_time_stamp_raw();
	fwd_splice_snapshot(&pair->xlate[FWD_SPLICE_CLIENT], pair->sk[0], pair->sk[1], now);
	fwd_splice_snapshot(&pair->xlate[FWD_SPLICE_SERVER], pair->sk[1], pair->sk[0], now);
	for (side = 0; side < 2; side++)
		fwd_splice_take_sock(pair, side);
	for (side = 0; side < 2; side++)
		fwd_splice_take_window(pair, side);
	return 0;
}

int fwd_splice_install(struct fwd_net *fn, int client_fd, int server_fd)
{
	const int fd[2] = { client_fd, server_fd };
	struct fwd_splice_net *sn = fn->splice;
	struct socket *sock[2] = { NULL, NULL };
	struct fwd_splice_pair *pair = NULL;
	void *buf = NULL;
	int err, side;

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
	/* Two descriptors of one socket (dup): locking it twice would hang the writer. */
	if (sock[0] == sock[1]) {
		pr_info_ratelimited("forward: fd %d and %d are the same socket\n", fd[0], fd[1]);
		err = -EINVAL;
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

	err = mutex_lock_killable(&sn->install_lock);
	if (err)
		goto out;
	err = -ENODEV;
	if (sn->exiting)
		goto unlock;

	fwd_splice_lock(pair);
	for (side = 0; side < 2; side++)
		fwd_splice_key_of(pair->sk[side], &pair->half[side].key);
	err = fwd_splice_precheck(pair, fd);
	fwd_splice_unlock(pair);
	if (err)
		goto unlock;

	err = fwd_splice_hash(sn, pair);
	if (err == -EEXIST) {
		pr_info_ratelimited("forward: a connection is already spliced\n");
		err = -EBUSY;
		goto unlock;
	}
	if (err) {
		/* The table is resizing (or out of memory): nothing was held back. */
		pr_info_ratelimited("forward: the pair table cannot take the pair now (%d)\n", err);
		err = err == -ENOMEM ? -ENOMEM : -EAGAIN;
		goto unlock;
	}
	/* Segments that passed LOCAL_IN before we hashed are in the sockets after this. */
	synchronize_rcu_expedited();

	fwd_splice_lock(pair);
	err = fwd_splice_take(pair, fd, buf);
	if (err) {
		fwd_splice_unlock(pair);
		goto unhash;
	}
	for (side = 0; side < 2; side++) {
		/* Our file references keep the sockets open after the listener closes its fds. */
		pair->file[side] = sock[side]->file;
		sock[side] = NULL;
	}
	fwd_splice_activate(pair);
	fwd_splice_unlock(pair);
	mutex_unlock(&sn->install_lock);
	kfree(buf);
	atomic64_inc(&sn->installed);
	return 0;

unhash:
	fwd_splice_unhash(sn, pair);
	/* Never activated, so no timer; but the hook may still be looking at it. */
	kfree_rcu(pair, rcu);
	pair = NULL;
unlock:
	mutex_unlock(&sn->install_lock);
out:
	kfree(pair);
	kfree(buf);
	for (side = 0; side < 2; side++)
		if (sock[side])
			sockfd_put(sock[side]);
	atomic64_inc(&sn->refused);
	return err;
}
