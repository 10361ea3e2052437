#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Load generators for bench/*.sh (numbers on stdout, no verdict).

  bench_tool.py sink PORT
      TCP server: read every connection to EOF, then close it.
  bench_tool.py bulk --connect IP:PORT [--dest IP:PORT] --secs S [--streams N]
      N connections stream for S seconds, half-close and wait for the sink's
      EOF (so every byte arrived); prints Mbit/s. With --dest, --connect is
      fwd-listener and each connection first sends "CONNECT dest".
  bench_tool.py cps --connect IP:PORT [--dest IP:PORT] --secs S [--conc C] [--size B]
      C clients in a loop for S seconds: connect, (instruction,) B bytes
      request, read the B-byte echo, close; prints connections/s.
  bench_tool.py rr --connect IP:PORT [--dest IP:PORT] [--count N] [--size B]
      One connection, N request/response round trips of B bytes after a
      pause (the hand-off is over by then); prints the median and 90th
      percentile in microseconds.
"""
import argparse
import socket
import statistics
import threading
import time


def addr(s):
    host, port = s.rsplit(":", 1)
    return host, int(port)


def read_exact(s, n):
    buf = b""
    while len(buf) < n:
        c = s.recv(n - len(buf))
        if not c:
            raise ConnectionError("EOF after %d of %d bytes" % (len(buf), n))
        buf += c
    return buf


def open_conn(args):
    """Connect; through the listener when --dest is given (native instruction)."""
    s = socket.create_connection(addr(args.connect), timeout=30)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if args.dest:
        s.sendall(b"CONNECT %s\n" % args.dest.encode())
        line = b""
        while not line.endswith(b"\n"):
            c = s.recv(1)
            if not c:
                raise ConnectionError("listener closed: %r" % line)
            line += c
        if line != b"OK\n":
            raise ConnectionError("listener said %r" % line)
    return s


def sink(args):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", args.port))
    ls.listen(1024)

    def drain(c):
        buf = bytearray(1 << 18)
        try:
            while c.recv_into(buf):
                pass
        finally:
            c.close()

    while True:
        c, _ = ls.accept()
        threading.Thread(target=drain, args=(c,), daemon=True).start()


def bulk(args):
    socks = [open_conn(args) for _ in range(args.streams)]
    total = [0] * len(socks)
    data = bytes(1 << 18)
    start = time.monotonic()
    stop = start + args.secs

    def run(i, s):
        while time.monotonic() < stop:
            s.sendall(data)
            total[i] += len(data)
        s.shutdown(socket.SHUT_WR)
        while s.recv(4096):
            pass
        s.close()

    ts = [threading.Thread(target=run, args=(i, s)) for i, s in enumerate(socks)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print(round(sum(total) * 8 / (time.monotonic() - start) / 1e6))


def cps(args):
    req = bytes(args.size)
    done = [0] * args.conc
    errors = [0]
    stop = time.monotonic() + args.secs

    def run(i):
        while time.monotonic() < stop:
            try:
                s = open_conn(args)
                s.sendall(req)
                read_exact(s, args.size)
                s.close()
                done[i] += 1
            except OSError:
                errors[0] += 1

    start = time.monotonic()
    ts = [threading.Thread(target=run, args=(i,)) for i in range(args.conc)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print(round(sum(done) / (time.monotonic() - start)), "errors", errors[0])


def rr(args):
    s = open_conn(args)
    req = bytes(args.size)
    # Let the listener hand the pair off before timing.
    time.sleep(0.5)
    for _ in range(20):
        s.sendall(req)
        read_exact(s, args.size)
    lat = []
    for _ in range(args.count):
        t = time.perf_counter()
        s.sendall(req)
        read_exact(s, args.size)
        lat.append((time.perf_counter() - t) * 1e6)
    s.close()
    lat.sort()
    print(round(statistics.median(lat)), round(lat[int(len(lat) * 0.9)]))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    k = sub.add_parser("sink")
    k.add_argument("port", type=int)
    for name in ("bulk", "cps", "rr"):
        c = sub.add_parser(name)
        c.add_argument("--connect", required=True)
        c.add_argument("--dest")
        c.add_argument("--secs", type=float, default=10)
        c.add_argument("--streams", type=int, default=1)
        c.add_argument("--conc", type=int, default=4)
        c.add_argument("--size", type=int, default=64)
        c.add_argument("--count", type=int, default=2000)
    args = p.parse_args()
    return {"sink": sink, "bulk": bulk, "cps": cps, "rr": rr}[args.cmd](args)


if __name__ == "__main__":
    raise SystemExit(main())
