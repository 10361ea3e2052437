#!/usr/bin/env python3
"""Kernel-splice test helpers, independent of the listener daemon.

  splice_tool.py handoff --port P --server IP:PORT [--count N]
      A minimal listener: accept a client, connect to the server, send the
      client "OK\\n", wait until everything either socket sent is
      acknowledged (bytes received meanwhile are the kernel's to drain),
      write "<client_fd> <server_fd>" to /proc/forwarder/forward and close
      both fds. Prints one line per connection: "handoff ok" or
      "handoff failed <errno name>".
      --no-wait: hand off at once, with the greeting maybe unacked and
      client or server bytes maybe unread (the kernel must cope);
      --no-greeting: send nothing to the client;
      --no-mss-clamp: leave each socket's MSS as negotiated;
      --unread N: hand off once at least N bytes from the client wait
      unread (implies --no-wait);
      --sndbuf B: SO_SNDBUF B on the server socket (the drain must not
      depend on its room);
      --reader FILE: a second thread keeps reading the client socket
      (MSG_DONTWAIT) while the hand-off runs, appending what it got to
      FILE.N for connection N (the kernel must neither lose nor
      duplicate a byte, nor trip over the reader).
  splice_tool.py client --connect IP:PORT --bytes N [--seed S] [--bind-port P]
                [--rate BYTES_PER_S] [--first N]
      Connect, wait for "OK\\n", stream N pseudo-random bytes while reading
      the echo, half-close, read to EOF; exit 0 only if what came back is
      byte for byte what was sent (sha256 and length printed). --rate paces
      the stream; --first sends N bytes and waits for their echo first (so
      the splice's first segments are small).
  splice_tool.py peer (--connect IP:PORT | --listen PORT) [--greeting]
                [--go FILE] [--send N] [--tail TEXT] [--file PATH] [--rst] [--recverr]
                [--expect eof|reset|unreachable] [--timeout S]
      One end of a connection for teardown tests: optionally read the
      greeting, wait until FILE exists (the test creates it once the pair is
      spliced), send N bytes (then, with --tail, once they are acked, TEXT
      in a segment of its own and a FIN in another; or PATH's bytes, then
      half-close), close with
      a RST, then wait for the other
      end's EOF, RST or (with --recverr: IP_RECVERR, ICMP errors reported
      at once) host or network unreachable; prints "event
      eof|reset|unreachable|timeout", exit 0 if it is the expected one.
  splice_tool.py download --connect IP:PORT --sha256 HEX --bytes N [--bind-port P]
                  [--greeting]
      Connect and read to EOF (after "OK\\n" with --greeting); exit 0 only if
      exactly N bytes with that sha256 arrived.
  splice_tool.py clients --connect IP:PORT --bytes N --until FILE [--timeout S]
      Run clients (as above) one after the other until FILE exists,
      whatever happens to them (for unload tests); prints how many ended
      byte-exact and how many did not, and why each that did not. A
      connection idle for S seconds (default 30) is cut short.
  splice_tool.py hold (--connect IP:PORT | --listen PORT) --count N
                [--greeting] [--ready FILE] [--timeout S]
      N idle connections at once (connected one after the other, each
      reading the greeting first with --greeting, or accepted); once all are
      up, creates FILE. Then waits until each is reset or closed, or S
      seconds (default 300) pass; prints "hold N reset R eof E open O";
      exit 0 only if every connection was reset.
  splice_tool.py inject --src IP:PORT --dst IP:PORT --flags RSF --count N [--seed S] [--after FILE]
      Blind injection (raw socket, root): for each flag letter (R RST,
      S SYN, F FIN+ACK), N segments with that 4-tuple and sequence numbers
      spread over the whole 32-bit space. With --after FILE it prints
      "ready" and sends once FILE exists.
  splice_tool.py inject-inside --src IP:PORT --dst IP:PORT --dev DEV --count N [--timeout S]
                              [--ahead FILE] [--flags F|R] [--acked]
      An attacker who sees the sender's segments (packet socket on DEV,
      root): prints "ready" once watching, waits up to S seconds (default
      30) for a data segment from src to dst, then sends N FIN+ACKs with its
      ACK (or, with --flags R, bare RSTs) and sequence numbers just past its
      first byte, inside data already sent. With --acked it first waits for
      dst to acknowledge that segment. With --ahead FILE it watches until
      FILE exists and one second more, and aims one byte past the end of
      the data sent so far.
  splice_tool.py inject-ack --src IP:PORT --dst IP:PORT --dev DEV [--watch S] [--timeout S]
                           [--go FILE] [--then FILE]
      An attacker who sees what dst sends to src (packet socket on DEV,
      root): prints "ready", waits for a data segment from dst to src (one
      sent once --go's FILE exists), watches S more seconds (default 2),
      then sends, as src, one ACK of everything dst sent so far with a
      sequence number 2^31 from src's, outside any window, and creates
      --then's FILE.
"""
import argparse
import errno
import fcntl
import hashlib
import os
import random
import selectors
import socket
import struct
import sys
import threading
import time

SIOCINQ = 0x541B  # FIONREAD: bytes received, not read
SIOCOUTQ = 0x5411
IP_RECVERR = 11  # linux/in.h; the socket module has no name for it
TCP_INFO_UNACKED_OFFSET = 24  # struct tcp_info: 8 u8 fields, then u32 rto, ato, snd_mss, rcv_mss, unacked


def queued(sock, req):
    buf = fcntl.ioctl(sock.fileno(), req, struct.pack("i", 0))
    return struct.unpack("i", buf)[0]


def unacked(sock):
    info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    return struct.unpack_from("I", info, TCP_INFO_UNACKED_OFFSET)[0]


def settled(sock):
    """Everything the socket sent is acked. Bytes it received and nobody read
    are the kernel's to drain at install: a client that speaks right after the
    greeting (delayed ACK piggybacked on its data) must not stall the hand-off."""
    return queued(sock, SIOCOUTQ) == 0 and unacked(sock) == 0


def forward_once(c, s):
    """One write(2) of the pair. A buffered file object would write again
    when close() flushes after an EAGAIN: that second write can install the
    pair while the caller sees EAGAIN, retries, and is told EBUSY."""
    fd = os.open("/proc/forwarder/forward", os.O_WRONLY)
    try:
        os.write(fd, b"%d %d\n" % (c.fileno(), s.fileno()))
    finally:
        os.close(fd)


def handoff(args):
    host, port = args.server.rsplit(":", 1)
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("0.0.0.0", args.port))
    lsock.listen(1024)
    for i in range(args.count):
        c, _addr = lsock.accept()
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if args.sndbuf:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, args.sndbuf)
        s.settimeout(10)
        s.connect((host, int(port)))
        reader = None
        if args.reader:
            reader = Reader(c, "%s.%d" % (args.reader, i))
        if not args.no_mss_clamp:
            # Same MSS both ways, so the splice never forwards a segment too big for the other side.
            mss = min(c.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG),
                      s.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG))
            for x in (c, s):
                x.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, mss)
        if not args.no_greeting:
            c.sendall(b"OK\n")
        deadline = time.time() + 10
        result = "failed ETIMEDOUT"
        while args.unread and queued(c, SIOCINQ) < args.unread and time.time() < deadline:
            time.sleep(0.01)
        while time.time() < deadline:
            if not args.no_wait and not args.unread and not (settled(c) and settled(s)):
                time.sleep(0.001)
                continue
            try:
                forward_once(c, s)
                result = "ok"
                break
            except OSError as e:
                result = "failed " + errno.errorcode.get(e.errno, str(e.errno))
                if e.errno != errno.EAGAIN:
                    break
                time.sleep(0.001)
        if reader:
            reader.stop()
        print("handoff " + result, flush=True)
        c.close()
        s.close()
    return 0


class Reader(threading.Thread):
    """Reads a socket without blocking until stopped, keeping every byte."""

    def __init__(self, sock, path):
        super().__init__()
        self.sock, self.out, self.done = sock, open(path, "wb"), False
        self.start()

    def run(self):
        while not self.done:
            try:
                # Small reads: the queue keeps bytes for the kernel to race with.
                data = self.sock.recv(512, socket.MSG_DONTWAIT)
            except BlockingIOError:
                continue
            except OSError:
                break
            if not data:
                break
            self.out.write(data)

    def stop(self):
        self.done = True
        self.join()
        self.out.close()


def read_line(sock):
    """One line, byte by byte (nothing after it is taken); None on EOF before its end."""
    line = b""
    while not line.endswith(b"\n"):
        chunk = sock.recv(1)
        if not chunk:
            return None
        line += chunk
    return line


def client(args):
    sock = connect(args.connect, args.bind_port, timeout=getattr(args, "timeout", 30))
    hello = read_line(sock)
    if hello is None:
        print("client: connection closed before OK", file=sys.stderr)
        return 1
    if hello != b"OK\n":
        print("client: unexpected greeting %r" % hello, file=sys.stderr)
        return 1
    rng = random.Random(args.seed)
    sent = hashlib.sha256()
    received = hashlib.sha256()
    got = [0]
    if args.first:
        first = rng.randbytes(args.first)
        sent.update(first)
        sock.sendall(first)
        echo = b""
        while len(echo) < len(first):
            chunk = sock.recv(len(first) - len(echo))
            if not chunk:
                print("client: closed during the first exchange", file=sys.stderr)
                return 1
            echo += chunk
        received.update(echo)
        got[0] = len(echo)

    def reader():
        while True:
            try:
                data = sock.recv(1 << 16)
            except OSError as e:
                print("client: receiving the echo after %d bytes: %r" % (got[0], e), file=sys.stderr)
                return
            if not data:
                return
            received.update(data)
            got[0] += len(data)

    t = threading.Thread(target=reader)
    t.start()
    total = args.first + args.bytes
    left = args.bytes
    start = time.time()
    while left:
        n = min(left, 1 << 16)
        data = rng.randbytes(n)
        sent.update(data)
        sock.sendall(data)
        left -= n
        if args.rate:
            ahead = (args.bytes - left) / args.rate - (time.time() - start)
            if ahead > 0:
                time.sleep(ahead)
    sock.shutdown(socket.SHUT_WR)
    t.join(120)
    ok = not t.is_alive() and got[0] == total and sent.digest() == received.digest()
    if not ok:
        print("client: %s, %d of %d bytes echoed" % ("still reading after 120 s" if t.is_alive()
                                                     else "echo ended", got[0], total), file=sys.stderr)
    print("client: sent %d sha256 %s received %d sha256 %s" %
          (total, sent.hexdigest(), got[0], received.hexdigest()))
    return 0 if ok else 1


def connect(addr, bind_port=0, timeout=60):
    host, port = addr.rsplit(":", 1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if bind_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("0.0.0.0", bind_port))
    sock.settimeout(timeout)
    sock.connect((host, int(port)))
    return sock


def wait_file(path, seconds):
    """Whether @path exists within @seconds (polled every 10 ms)."""
    deadline = time.monotonic() + seconds
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def peer(args):
    if args.listen:
        lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lsock.bind(("0.0.0.0", args.listen))
        lsock.listen(1)
        sock, _ = lsock.accept()
    else:
        sock = connect(args.connect)
    if args.recverr:
        # ICMP errors about the connection reach the application at once.
        sock.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
    if args.greeting and read_line(sock) is None:
        print("event eof-before-greeting")
        return 1
    if args.go and not wait_file(args.go, args.timeout):
        print("event no-go")
        return 1
    if args.send:
        sock.sendall(b"x" * args.send)
    if args.tail:
        # Its own segment after everything before it is acked, then a FIN
        # of its own: a test can lose the one and not the other.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while not settled(sock):
            time.sleep(0.01)
        sock.sendall(args.tail.encode())
        sock.shutdown(socket.SHUT_WR)
    if args.file:
        with open(args.file, "rb") as f:
            sock.sendall(f.read())
        sock.shutdown(socket.SHUT_WR)
    if args.rst:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
        print("event sent-reset")
        return 0
    sock.settimeout(args.timeout)
    event = "timeout"
    try:
        while True:
            if not sock.recv(1 << 16):
                event = "eof"
                break
    except ConnectionResetError:
        event = "reset"
    except socket.timeout:
        pass
    except OSError as e:
        if e.errno not in (errno.EHOSTUNREACH, errno.ENETUNREACH):
            raise
        event = "unreachable"
    print("event " + event, flush=True)
    return 0 if event == args.expect else 1


def download(args):
    sock = connect(args.connect, args.bind_port)
    if args.greeting and read_line(sock) is None:
        print("download: closed before the greeting", file=sys.stderr)
        return 1
    h = hashlib.sha256()
    n = 0
    while True:
        data = sock.recv(1 << 16)
        if not data:
            break
        h.update(data)
        n += len(data)
    print("download: received %d sha256 %s" % (n, h.hexdigest()))
    return 0 if n == args.bytes and h.hexdigest() == args.sha256 else 1


def clients(args):
    ok = bad = 0
    args.seed, args.bind_port, args.rate, args.first = 1, 0, 0, 0
    while not os.path.exists(args.until):
        started = time.time()
        try:
            with open(os.devnull, "w") as null:
                out, sys.stdout = sys.stdout, null
                try:
                    rc = client(args)
                finally:
                    sys.stdout = out
        except OSError as e:
            print("client: %r" % e, file=sys.stderr)
            rc = 1
        if rc == 0:
            ok += 1
        else:
            bad += 1
            # Which one, and how long it ran: the message above says why.
            print("clients: connection %d cut short after %.1f s" % (ok + bad, time.time() - started),
                  file=sys.stderr)
            time.sleep(0.05)
    print("clients: %d byte-exact, %d cut short" % (ok, bad))
    return 0


def hold(args):
    socks = []
    if args.listen:
        lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lsock.bind(("0.0.0.0", args.listen))
        lsock.listen(1024)
    for _ in range(args.count):
        if args.listen:
            sock, _addr = lsock.accept()
        else:
            sock = connect(args.connect)
            if args.greeting and read_line(sock) is None:
                print("hold: closed before the greeting after %d connections" % len(socks), flush=True)
                return 1
        socks.append(sock)
    if args.ready:
        open(args.ready, "w").close()
    events = {"reset": 0, "eof": 0}
    sel = selectors.DefaultSelector()
    for sock in socks:
        sock.setblocking(False)
        sel.register(sock, selectors.EVENT_READ)
    deadline = time.time() + args.timeout
    while sel.get_map() and time.time() < deadline:
        for key, _mask in sel.select(max(0.0, deadline - time.time())):
            try:
                # Idle peers send nothing: anything readable is the end.
                if key.fileobj.recv(1 << 16):
                    continue
                events["eof"] += 1
            except ConnectionResetError:
                events["reset"] += 1
            except BlockingIOError:
                continue
            sel.unregister(key.fileobj)
    print("hold %d reset %d eof %d open %d" % (len(socks), events["reset"], events["eof"],
                                               len(sel.get_map())), flush=True)
    return 0 if events["reset"] == len(socks) else 1


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff


def segment(src, dst, sport, dport, seq, ack, flags):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, socket.IPPROTO_TCP,
                     0, socket.inet_aton(src), socket.inet_aton(dst))
    return ip + tcp


def endpoints(args):
    """--src and --dst as (address, port) pairs."""
    return [(a.rsplit(":", 1)[0], int(a.rsplit(":", 1)[1])) for a in (args.src, args.dst)]


def inject(args):
    (src, sport), (dst, dport) = endpoints(args)
    flags = {"R": 0x04, "S": 0x02, "F": 0x11}
    rng = random.Random(args.seed)
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    if args.after:
        print("ready", flush=True)
        if not wait_file(args.after, 60):
            print("inject: %s never appeared" % args.after, file=sys.stderr)
            return 1
    n = 0
    for f in args.flags:
        for i in range(args.count):
            seq = (i * (1 << 32) // args.count + rng.randrange(1 << 20)) & 0xffffffff
            ack = rng.randrange(1 << 32) if f == "F" else 0
            raw.sendto(segment(src, dst, sport, dport, seq, ack, flags[f]), (dst, 0))
            n += 1
    print("inject: sent %d segments %s -> %s" % (n, args.src, args.dst))
    return 0


def sniffer(dev):
    """A packet socket on @dev that sees what the host sends too (ETH_P_ALL)."""
    sniff = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0003))
    sniff.bind((dev, 0))
    sniff.settimeout(0.2)
    return sniff


def tcp_segments(sniff, until):
    """Yield (flow, seq, ack, flags, payload length) of each IPv4 TCP segment
    sniffed while until() is true; flow is (saddr, daddr, sport, dport) with
    packed addresses."""
    while until():
        try:
            ip, addr = sniff.recvfrom(65535)
        except socket.timeout:
            continue
        ihl = (ip[0] & 15) * 4
        if addr[1] != 0x0800 or len(ip) < ihl + 20 or ip[9] != socket.IPPROTO_TCP:
            continue
        tcp = ip[ihl:]
        sp, dp, seq, ack = struct.unpack("!HHII", tcp[:12])
        payload = struct.unpack("!H", ip[2:4])[0] - ihl - (tcp[12] >> 4) * 4
        yield (ip[12:16], ip[16:20], sp, dp), seq, ack, tcp[13], payload


class DataSeen:
    """The data of one flow sniffed so far: its first sequence number, and
    the end of what was sent, by sequence-space distance from it."""
    def __init__(self):
        self.first, self.top = None, 0

    def add(self, seq, payload):
        if self.first is None:
            self.first = seq
        if (seq + payload - self.first) & 0xffffffff < 1 << 31:
            self.top = max(self.top, (seq + payload - self.first) & 0xffffffff)

    def end(self):
        return (self.first + self.top) & 0xffffffff


def inject_inside(args):
    (src, sport), (dst, dport) = endpoints(args)
    want = (socket.inet_aton(src), socket.inet_aton(dst), sport, dport)
    sniff = sniffer(args.dev)
    deadline = time.monotonic() + args.timeout
    seen, go, data_ack = DataSeen(), None, 0
    print("ready", flush=True)

    def watching():
        nonlocal go
        if args.ahead and seen.first is not None and os.path.exists(args.ahead):
            go = go or time.monotonic() + 1
            if time.monotonic() > go:
                return False
        return time.monotonic() < deadline
    for flow, seq, ack, _, payload in tcp_segments(sniff, watching):
        if flow != want or payload <= 0:
            continue
        seen.add(seq, payload)
        data_ack = ack
        if not args.ahead:
            break
    if seen.first is None:
        print("inject-inside: no data segment %s -> %s seen on %s" % (args.src, args.dst, args.dev),
              file=sys.stderr)
        return 1
    if args.acked and not wait_acked(sniff, want, seen.end(), deadline):
        print("inject-inside: the data %s -> %s was not acknowledged" % (args.src, args.dst),
              file=sys.stderr)
        return 1
    aim = (seen.end() + 1) if args.ahead else (seen.first + 1)
    flags, name = (0x04, "RSTs") if args.flags == "R" else (0x11, "FINs")
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    for i in range(args.count):
        raw.sendto(segment(src, dst, sport, dport, (aim + i) & 0xffffffff,
                           data_ack if flags & 0x10 else 0, flags), (dst, 0))
    print("inject-inside: data seen from seq %u to %u, sent %d %s from seq %u" %
          (seen.first, seen.end(), args.count, name, aim & 0xffffffff))
    return 0


def inject_ack(args):
    (src, sport), (dst, dport) = endpoints(args)
    back = (socket.inet_aton(dst), socket.inet_aton(src), dport, sport)
    sniff = sniffer(args.dev)
    print("ready", flush=True)
    deadline = time.monotonic() + args.timeout
    seen, theirs, stop = DataSeen(), 0, None
    for flow, seq, ack, _, payload in tcp_segments(sniff, lambda: time.monotonic() < (stop or deadline)):
        if flow != back or payload <= 0:
            continue
        if seen.first is None:
            if args.go and not os.path.exists(args.go):
                continue
            stop = time.monotonic() + args.watch
        seen.add(seq, payload)
        theirs = ack
    if seen.first is None:
        print("inject-ack: no data segment %s -> %s seen on %s" % (args.dst, args.src, args.dev),
              file=sys.stderr)
        return 1
    far = (theirs + (1 << 31)) & 0xffffffff
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    raw.sendto(segment(src, dst, sport, dport, far, seen.end(), 0x10), (dst, 0))
    if args.then:
        open(args.then, "w").close()
    print("inject-ack: data seen from seq %u to %u, sent an ACK of %u at seq %u" %
          (seen.first, seen.end(), seen.end(), far))
    return 0


def wait_acked(sniff, want, end, deadline):
    """Sniff until the receiver of the flow @want acknowledges @end."""
    back = (want[1], want[0], want[3], want[2])
    for flow, _, ack, flags, _ in tcp_segments(sniff, lambda: time.monotonic() < deadline):
        if flow == back and flags & 0x10 and (ack - end) & 0xffffffff < 1 << 31:
            return True
    return False


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    h = sub.add_parser("handoff")
    h.add_argument("--port", type=int, required=True)
    h.add_argument("--server", required=True)
    h.add_argument("--count", type=int, default=1)
    h.add_argument("--no-wait", action="store_true")
    h.add_argument("--no-greeting", action="store_true")
    h.add_argument("--no-mss-clamp", action="store_true")
    h.add_argument("--reader")
    h.add_argument("--unread", type=int, default=0)
    h.add_argument("--sndbuf", type=int, default=0)
    c = sub.add_parser("client")
    c.add_argument("--connect", required=True)
    c.add_argument("--bytes", type=int, required=True)
    c.add_argument("--seed", type=int, default=1)
    c.add_argument("--bind-port", type=int, default=0)
    c.add_argument("--rate", type=float, default=0)
    c.add_argument("--first", type=int, default=0)
    d = sub.add_parser("download")
    d.add_argument("--connect", required=True)
    d.add_argument("--sha256", required=True)
    d.add_argument("--bytes", type=int, required=True)
    d.add_argument("--bind-port", type=int, default=0)
    d.add_argument("--greeting", action="store_true")
    m = sub.add_parser("clients")
    m.add_argument("--connect", required=True)
    m.add_argument("--bytes", type=int, required=True)
    m.add_argument("--until", required=True)
    m.add_argument("--timeout", type=float, default=30)
    j = sub.add_parser("inject")
    j.add_argument("--src", required=True)
    j.add_argument("--dst", required=True)
    j.add_argument("--flags", default="RSF")
    j.add_argument("--count", type=int, default=64)
    j.add_argument("--seed", type=int, default=1)
    j.add_argument("--after")
    k = sub.add_parser("inject-inside")
    k.add_argument("--src", required=True)
    k.add_argument("--dst", required=True)
    k.add_argument("--dev", required=True)
    k.add_argument("--count", type=int, default=8)
    k.add_argument("--timeout", type=float, default=30)
    k.add_argument("--ahead")
    k.add_argument("--flags", choices=["F", "R"], default="F")
    k.add_argument("--acked", action="store_true")
    a = sub.add_parser("inject-ack")
    a.add_argument("--src", required=True)
    a.add_argument("--dst", required=True)
    a.add_argument("--dev", required=True)
    a.add_argument("--watch", type=float, default=2)
    a.add_argument("--timeout", type=float, default=30)
    a.add_argument("--go")
    a.add_argument("--then")
    e = sub.add_parser("peer")
    e.add_argument("--connect")
    e.add_argument("--listen", type=int)
    e.add_argument("--greeting", action="store_true")
    e.add_argument("--go")
    e.add_argument("--send", type=int, default=0)
    e.add_argument("--file")
    e.add_argument("--tail")
    e.add_argument("--rst", action="store_true")
    e.add_argument("--recverr", action="store_true")
    e.add_argument("--expect", choices=["eof", "reset", "unreachable"])
    e.add_argument("--timeout", type=float, default=30)
    o = sub.add_parser("hold")
    o.add_argument("--connect")
    o.add_argument("--listen", type=int)
    o.add_argument("--count", type=int, required=True)
    o.add_argument("--greeting", action="store_true")
    o.add_argument("--ready")
    o.add_argument("--timeout", type=float, default=300)
    args = p.parse_args()
    return {"handoff": handoff, "client": client, "download": download,
            "peer": peer, "inject": inject, "inject-inside": inject_inside,
            "inject-ack": inject_ack, "clients": clients,
            "hold": hold}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
