#!/usr/bin/env python3
"""Kernel-splice test helpers, independent of the listener daemon.

  splice_tool.py handoff --port P --server IP:PORT [--count N]
      A minimal listener: accept a client, connect to the server, send the
      client "OK\\n", wait until that is acknowledged and both sockets are
      quiet, write "<client_fd> <server_fd>" to /proc/forwarder/forward and
      close both fds. Prints one line per connection: "handoff ok" or
      "handoff failed <errno name>".
      --no-wait: hand off at once, with the greeting maybe unacked and
      client or server bytes maybe unread (the kernel must cope);
      --no-greeting: send nothing to the client;
      --no-mss-clamp: leave each socket's MSS as negotiated.
  splice_tool.py client --connect IP:PORT --bytes N [--seed S]
      Connect, wait for "OK\\n", stream N pseudo-random bytes while reading
      the echo, half-close, read to EOF; exit 0 only if what came back is
      byte for byte what was sent (sha256 and length printed).
  splice_tool.py peer (--connect IP:PORT | --listen PORT) [--greeting]
                [--go FILE] [--send N] [--rst] [--expect eof|reset] [--timeout S]
      One end of a connection for teardown tests: optionally read the
      greeting, wait until FILE exists (the test creates it once the pair is
      spliced), send N bytes, close with a RST, then wait for the other
      end's EOF or RST; prints "event eof|reset|timeout", exit 0 if it is
      the expected one.
  splice_tool.py download --connect IP:PORT --sha256 HEX --bytes N [--bind-port P]
      Connect and read to EOF (no greeting expected); exit 0 only if exactly
      N bytes with that sha256 arrived.
"""
import argparse
import errno
import fcntl
import hashlib
import os
import random
import socket
import struct
import sys
import threading
import time

SIOCINQ = 0x541B
SIOCOUTQ = 0x5411
TCP_INFO_UNACKED_OFFSET = 24  # struct tcp_info: 8 u8 fields, then u32 rto, ato, snd_mss, rcv_mss, unacked


def queued(sock, req):
    buf = fcntl.ioctl(sock.fileno(), req, struct.pack("i", 0))
    return struct.unpack("i", buf)[0]


def unacked(sock):
    info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    return struct.unpack_from("I", info, TCP_INFO_UNACKED_OFFSET)[0]


def quiet(sock):
    return queued(sock, SIOCINQ) == 0 and queued(sock, SIOCOUTQ) == 0 and unacked(sock) == 0


def handoff(args):
    host, port = args.server.rsplit(":", 1)
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("0.0.0.0", args.port))
    lsock.listen(1024)
    for _ in range(args.count):
        c, _addr = lsock.accept()
        s = socket.create_connection((host, int(port)), timeout=10)
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
        while time.time() < deadline:
            if not args.no_wait and not (quiet(c) and quiet(s)):
                time.sleep(0.001)
                continue
            try:
                with open("/proc/forwarder/forward", "w") as f:
                    f.write("%d %d\n" % (c.fileno(), s.fileno()))
                result = "ok"
                break
            except OSError as e:
                result = "failed " + errno.errorcode.get(e.errno, str(e.errno))
                if e.errno != errno.EAGAIN:
                    break
                time.sleep(0.001)
        print("handoff " + result, flush=True)
        c.close()
        s.close()
    return 0


def client(args):
    host, port = args.connect.rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=30)
    hello = b""
    while not hello.endswith(b"\n"):
        chunk = sock.recv(1)
        if not chunk:
            print("client: connection closed before OK", file=sys.stderr)
            return 1
        hello += chunk
    if hello != b"OK\n":
        print("client: unexpected greeting %r" % hello, file=sys.stderr)
        return 1
    rng = random.Random(args.seed)
    sent = hashlib.sha256()
    received = hashlib.sha256()
    got = [0]

    def reader():
        while True:
            data = sock.recv(1 << 16)
            if not data:
                return
            received.update(data)
            got[0] += len(data)

    t = threading.Thread(target=reader)
    t.start()
    left = args.bytes
    while left:
        n = min(left, 1 << 16)
        data = rng.randbytes(n)
        sent.update(data)
        sock.sendall(data)
        left -= n
    sock.shutdown(socket.SHUT_WR)
    t.join(120)
    ok = not t.is_alive() and got[0] == args.bytes and sent.digest() == received.digest()
    print("client: sent %d sha256 %s received %d sha256 %s" %
          (args.bytes, sent.hexdigest(), got[0], received.hexdigest()))
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


def peer(args):
    if args.listen:
        lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lsock.bind(("0.0.0.0", args.listen))
        lsock.listen(1)
        sock, _ = lsock.accept()
    else:
        sock = connect(args.connect)
    if args.greeting:
        got = b""
        while not got.endswith(b"\n"):
            chunk = sock.recv(1)
            if not chunk:
                print("event eof-before-greeting")
                return 1
            got += chunk
    if args.go:
        deadline = time.time() + args.timeout
        while not os.path.exists(args.go):
            if time.time() > deadline:
                print("event no-go")
                return 1
            time.sleep(0.01)
    if args.send:
        sock.sendall(b"x" * args.send)
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
    print("event " + event, flush=True)
    return 0 if event == args.expect else 1


def download(args):
    sock = connect(args.connect, args.bind_port)
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
    c = sub.add_parser("client")
    c.add_argument("--connect", required=True)
    c.add_argument("--bytes", type=int, required=True)
    c.add_argument("--seed", type=int, default=1)
    d = sub.add_parser("download")
    d.add_argument("--connect", required=True)
    d.add_argument("--sha256", required=True)
    d.add_argument("--bytes", type=int, required=True)
    d.add_argument("--bind-port", type=int, default=0)
    e = sub.add_parser("peer")
    e.add_argument("--connect")
    e.add_argument("--listen", type=int)
    e.add_argument("--greeting", action="store_true")
    e.add_argument("--go")
    e.add_argument("--send", type=int, default=0)
    e.add_argument("--rst", action="store_true")
    e.add_argument("--expect", choices=["eof", "reset"])
    e.add_argument("--timeout", type=float, default=30)
    args = p.parse_args()
    return {"handoff": handoff, "client": client, "download": download,
            "peer": peer}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
