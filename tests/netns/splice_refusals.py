#!/usr/bin/env python3
"""Hand-offs /proc/forwarder/forward must refuse, each with its own errno.

Run as root in a namespace where forwarder is loaded. For each case it sets up
sockets in this one process, writes "<fd> <fd>" to forward and prints
"CASE ERRNO_NAME" (or "CASE ok" if the kernel took it, "CASE skip REASON").
"""
import errno
import os
import select
import socket
import struct
import sys

TCP_MD5SIG = 14
TCP_ULP = 31


def forward(a, b):
    fd = os.open("/proc/forwarder/forward", os.O_WRONLY)
    try:
        os.write(fd, b"%d %d" % (a.fileno() if hasattr(a, "fileno") else a,
                                 b.fileno() if hasattr(b, "fileno") else b))
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
    finally:
        os.close(fd)


def connected():
    """An established IPv4 connection on loopback: (client end, server end)."""
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(1)
    c = socket.create_connection(lsock.getsockname())
    s, _ = lsock.accept()
    lsock.close()
    return c, s


def md5sig(addr):
    # struct tcp_md5sig: sockaddr_storage, u8 flags, u8 prefixlen, u16 keylen, int ifindex, u8 key[80]
    ss = struct.pack("=HH4s", socket.AF_INET, 0, socket.inet_aton(addr)).ljust(128, b"\0")
    return ss + struct.pack("=BBHi", 0, 0, 6, 0) + b"secret".ljust(80, b"\0")


def main():
    # The same socket through two descriptors (dup): a hang before, EINVAL now.
    s = socket.socket()
    print("dup", forward(s, os.dup(s.fileno())), flush=True)

    c, s = connected()
    c2, s2 = connected()
    try:
        c.setsockopt(socket.IPPROTO_TCP, TCP_MD5SIG, md5sig("127.0.0.1"))
        print("md5", forward(c, s2), flush=True)
    except OSError as e:
        print("md5 skip TCP_MD5SIG: %s" % os.strerror(e.errno), flush=True)

    c, s = connected()
    c2, s2 = connected()
    c2.send(b"!", socket.MSG_OOB)
    # Wait until the urgent byte has arrived at s2 (an exceptional condition).
    select.select([], [], [s2], 10)
    print("oob", forward(s2, c), flush=True)

    c, s = connected()
    c2, s2 = connected()
    try:
        c.setsockopt(socket.IPPROTO_TCP, TCP_ULP, b"tls")
        print("ulp", forward(c, s2), flush=True)
    except OSError as e:
        print("ulp skip TCP_ULP tls: %s" % os.strerror(e.errno), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
