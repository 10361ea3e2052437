#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Test servers and clients for the fwd-listener netns tests.

  lt.py echo-server ADDR PORT [BANNER]   echo every connection (after BANNER\\n if given);
                                         ADDR * is every address of both families
  lt.py many PROXY PPORT DEST DPORT N SIZE [PROTO [PAUSE_MS]]
                                         N concurrent clients through the proxy (native,
                                         http or socks5), each echoes SIZE random bytes
                                         (PAUSE_MS after the proxy's reply first)
  lt.py sequential PROXY PPORT DEST DPORT N SIZE [PROTO]
                                         N clients one after another, each sends SIZE
                                         random bytes, reads their echo, then closes
  lt.py pipeline PROXY PPORT DEST DPORT SIZE PROTO [BANNER]
                                         instruction and SIZE bytes in one write; the echo
                                         (after BANNER\\n when the server speaks first) must match
  lt.py raw PROXY PPORT HEX [DELAY]      send bytes (hex), print the reply as hex until EOF
  lt.py slow PROXY PPORT TEXT SECONDS [PREFIX]
                                         send PREFIX, then TEXT one byte at a time over
                                         SECONDS, print the reply
  lt.py replies PROXY PPORT HOST:PORT...  one native instruction per destination, one after
                                         another; print "HOST:PORT<TAB>reply line" for each
  lt.py stream PROXY PPORT DEST DPORT SECONDS READYFILE
                                         echo 1 KB every 50 ms for SECONDS through the
                                         proxy; touch READYFILE once it runs; exit 0 if every
                                         byte came back
Exit status 0 on success; failures are printed.
"""
import hashlib
import os
import socket
import struct
import sys
import threading
import time


def instruction(proto, host, port):
    if proto == "native":
        h = "[%s]" % host if ":" in host else host
        return b"CONNECT %s:%d\n" % (h.encode(), port), None
    if proto == "http":
        h = "[%s]" % host if ":" in host else host
        return (b"CONNECT %s:%d HTTP/1.1\r\nHost: %s:%d\r\n\r\n" % (h.encode(), port, h.encode(), port)), None
    if proto == "socks5":
        try:
            addr = b"\x01" + socket.inet_pton(socket.AF_INET, host)
        except OSError:
            try:
                addr = b"\x04" + socket.inet_pton(socket.AF_INET6, host)
            except OSError:
                addr = b"\x03" + bytes([len(host)]) + host.encode()
        return b"\x05\x01\x00" + b"\x05\x01\x00" + addr + struct.pack(">H", port), None
    raise SystemExit("unknown proto " + proto)


def read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("EOF after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def read_reply(sock, proto):
    """Read the proxy's success reply; raise on an error reply."""
    if proto == "native":
        line = b""
        while not line.endswith(b"\n"):
            c = sock.recv(1)
            if not c:
                raise EOFError("EOF in reply")
            line += c
        if line != b"OK\n":
            raise RuntimeError("native reply %r" % line)
    elif proto == "http":
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            c = sock.recv(1)
            if not c:
                raise EOFError("EOF in reply")
            head += c
        if not head.startswith(b"HTTP/1.1 200 "):
            raise RuntimeError("http reply %r" % head)
    else:
        m = read_exact(sock, 2)
        if m != b"\x05\x00":
            raise RuntimeError("socks method reply %r" % m)
        r = read_exact(sock, 4)
        if r[1] != 0:
            raise RuntimeError("socks reply code %d" % r[1])
        read_exact(sock, {1: 4, 4: 16}[r[3]] + 2)


def connect(host, port):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(60)
    s.connect((host, port))
    return s


def echo_check(sock, payload, banner=None):
    """Send payload (from a thread) while reading the echo; check banner and echo."""
    err = []

    def writer():
        try:
            sock.sendall(payload)
            sock.shutdown(socket.SHUT_WR)
        except OSError as e:
            err.append(e)

    t = threading.Thread(target=writer)
    t.start()
    got = b""
    if banner is not None:
        want = banner.encode() + b"\n"
        got = read_exact(sock, len(want))
        if got != want:
            raise RuntimeError("banner %r, want %r" % (got, want))
    h = hashlib.sha256()
    n = 0
    while True:
        c = sock.recv(65536)
        if not c:
            break
        h.update(c)
        n += len(c)
    t.join()
    if err:
        raise err[0]
    if n != len(payload) or h.digest() != hashlib.sha256(payload).digest():
        raise RuntimeError("echo differs: %d bytes back of %d" % (n, len(payload)))


def echo_server(addr, port, banner):
    # Imported here: only the servers need asyncio, and its import costs the
    # clients seconds under TCG.
    import asyncio

    async def handle(r, w):
        try:
            if banner:
                w.write(banner.encode() + b"\n")
            while True:
                d = await r.read(65536)
                if not d:
                    break
                w.write(d)
                await w.drain()
            w.write_eof()
            await w.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            w.close()

    async def serve():
        srv = await asyncio.start_server(handle, None if addr == "*" else addr, port,
                                         reuse_address=True, backlog=1024)
        async with srv:
            await srv.serve_forever()

    asyncio.run(serve())


def many(proxy, pport, dest, dport, n, size, proto, pause):
    failures = []
    payloads = [os.urandom(size) for _ in range(n)]
    start = threading.Barrier(n)

    def one(i):
        try:
            start.wait(timeout=60)
            s = connect(proxy, pport)
            ins, _ = instruction(proto, dest, dport)
            s.sendall(ins)
            read_reply(s, proto)
            time.sleep(pause / 1000.0)
            echo_check(s, payloads[i])
            s.close()
        except Exception as e:  # noqa: BLE001 - every failure is reported
            failures.append("client %d: %s" % (i, e))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for f in failures[:10]:
        print(f)
    print("%d of %d clients ok" % (n - len(failures), n))
    return 1 if failures else 0


def sequential(proxy, pport, dest, dport, n, size, proto):
    """Request/response clients: send, read the whole echo, then close."""
    ins, _ = instruction(proto, dest, dport)
    failures = 0
    for i in range(n):
        payload = os.urandom(size)
        try:
            s = connect(proxy, pport)
            s.sendall(ins)
            read_reply(s, proto)
            s.sendall(payload)
            if read_exact(s, size) != payload:
                raise RuntimeError("echo differs")
            s.close()
        except Exception as e:  # noqa: BLE001 - every failure is reported
            failures += 1
            if failures <= 10:
                print("client %d: %s" % (i, e))
    print("%d of %d clients ok" % (n - failures, n))
    return 1 if failures else 0


def pipeline(proxy, pport, dest, dport, size, proto, banner):
    payload = os.urandom(size)
    s = connect(proxy, pport)
    ins, _ = instruction(proto, dest, dport)
    if proto == "socks5":
        # Greeting and request are separate steps; the payload rides with the request.
        s.sendall(ins[:3])
        ins = ins[3:]
    err = []

    def writer():
        try:
            s.sendall(ins + payload)
            s.shutdown(socket.SHUT_WR)
        except OSError as e:
            err.append(e)

    t = threading.Thread(target=writer)
    t.start()
    read_reply(s, proto)
    if banner:
        want = banner.encode() + b"\n"
        got = read_exact(s, len(want))
        if got != want:
            raise SystemExit("banner %r, want %r" % (got, want))
    h = hashlib.sha256()
    n = 0
    while True:
        c = s.recv(65536)
        if not c:
            break
        h.update(c)
        n += len(c)
    t.join()
    if err or n != size or h.digest() != hashlib.sha256(payload).digest():
        print("pipelined echo differs: %d of %d bytes %s" % (n, size, err))
        return 1
    print("pipelined %d bytes ok" % size)
    return 0


def raw(proxy, pport, data, delay):
    s = connect(proxy, pport)
    s.settimeout(30)
    s.sendall(data)
    if delay:
        time.sleep(delay)
    out = b""
    try:
        while True:
            c = s.recv(65536)
            if not c:
                break
            out += c
    except ConnectionResetError:
        out += b"<RST>"
    print(out.hex())
    return 0


def slow(proxy, pport, text, seconds, prefix):
    s = connect(proxy, pport)
    s.sendall(prefix.encode().decode("unicode_escape").encode("latin-1"))
    data = text.encode().decode("unicode_escape").encode("latin-1")
    gap = seconds / max(len(data), 1)
    out = b""
    s.settimeout(30)
    try:
        for b in data:
            s.send(bytes([b]))
            time.sleep(gap)
    except OSError:
        pass    # the listener gave up on us: read its reply
    try:
        while True:
            c = s.recv(65536)
            if not c:
                break
            out += c
    except ConnectionResetError:
        pass
    sys.stdout.write(out.decode("latin-1"))
    return 0


def replies(proxy, pport, dests):
    for d in dests:
        s = connect(proxy, pport)
        s.sendall(b"CONNECT %s\n" % d.encode())
        s.shutdown(socket.SHUT_WR)
        line = b""
        while not line.endswith(b"\n"):
            c = s.recv(1)
            if not c:
                break
            line += c
        s.close()
        print("%s\t%s" % (d, line.decode("latin-1").strip()))
    return 0


def stream(proxy, pport, dest, dport, seconds, ready):
    s = connect(proxy, pport)
    ins, _ = instruction("native", dest, dport)
    s.sendall(ins)
    read_reply(s, "native")
    open(ready, "w").close()
    end = time.time() + seconds
    sent = 0
    while time.time() < end:
        block = os.urandom(1024)
        s.sendall(block)
        back = read_exact(s, len(block))
        if back != block:
            print("stream: echo differs after %d bytes" % sent)
            return 1
        sent += len(block)
        time.sleep(0.05)
    s.shutdown(socket.SHUT_WR)
    if s.recv(1):
        print("stream: unexpected bytes at the end")
        return 1
    print("stream: %d bytes echoed" % sent)
    return 0


def main(a):
    if not a:
        print(__doc__)
        return 2
    cmd = a[0]
    if cmd == "echo-server":
        echo_server(a[1], int(a[2]), a[3] if len(a) > 3 else None)
        return 0
    if cmd == "many":
        return many(a[1], int(a[2]), a[3], int(a[4]), int(a[5]), int(a[6]),
                    a[7] if len(a) > 7 else "native", float(a[8]) if len(a) > 8 else 0)
    if cmd == "sequential":
        return sequential(a[1], int(a[2]), a[3], int(a[4]), int(a[5]), int(a[6]),
                          a[7] if len(a) > 7 else "native")
    if cmd == "pipeline":
        return pipeline(a[1], int(a[2]), a[3], int(a[4]), int(a[5]), a[6], a[7] if len(a) > 7 else None)
    if cmd == "raw":
        return raw(a[1], int(a[2]), bytes.fromhex(a[3]), float(a[4]) if len(a) > 4 else 0)
    if cmd == "slow":
        return slow(a[1], int(a[2]), a[3], float(a[4]), a[5] if len(a) > 5 else "")
    if cmd == "replies":
        return replies(a[1], int(a[2]), a[3:])
    if cmd == "stream":
        return stream(a[1], int(a[2]), a[3], int(a[4]), float(a[5]), a[6])
    print(__doc__)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (OSError, EOFError, RuntimeError) as e:
        print("error: %s" % e)
        sys.exit(1)
