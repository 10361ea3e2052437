#!/usr/bin/env python3
"""fwd-listener's client-source and per-user rules end to end, run by `make
test` (no kernel module: allowed connections are relayed). With

    allow from 127.0.0.2 to 127.0.0.1/32 ECHO
    allow user alice to 127.0.0.1/32 ECHO2

a client from 127.0.0.2 reaches ECHO and one from 127.0.0.1 is denied; alice
reaches ECHO2 and bob, with a right password too, is denied. A rule's user
is the authenticated one, never a name a client merely claims.
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile

from hostlib import check, echo_server, free_port, proc_dir, recv_line, start_listener, summary


def answer(port, line, source="127.0.0.1"):
    s = socket.socket()
    s.bind((source, 0))
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    s.sendall(line)
    reply = recv_line(s)
    if reply == b"OK\n":
        s.sendall(b"ping")
        check("echo through %r" % line, s.recv(4) == b"ping")
    s.close()
    return reply


def main():
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "./fwd-listener")
    port = free_port()
    echo, echo2 = echo_server(), echo_server()
    with tempfile.TemporaryDirectory() as tmp:
        conf = os.path.join(tmp, "listener.conf")
        with open(conf, "w") as f:
            f.write("allow from 127.0.0.2 to 127.0.0.1/32 %d\n" % echo)
            f.write("allow user alice to 127.0.0.1/32 %d\n" % echo2)
            f.write("user alice pw\nuser bob pw\n")
        p = start_listener(binary, port, ["-c", conf, "--proc-dir", proc_dir(tmp)])
        try:
            r = answer(port, b"CONNECT 127.0.0.1:%d bob:pw\n" % echo, "127.0.0.2")
            check("from 127.0.0.2: allowed", r == b"OK\n", r)
            r = answer(port, b"CONNECT 127.0.0.1:%d bob:pw\n" % echo, "127.0.0.1")
            check("from 127.0.0.1: denied", r.startswith(b"ERR denied"), r)
            r = answer(port, b"CONNECT 127.0.0.1:%d alice:pw\n" % echo2)
            check("user alice: allowed", r == b"OK\n", r)
            r = answer(port, b"CONNECT 127.0.0.1:%d bob:pw\n" % echo2)
            check("user bob: denied", r.startswith(b"ERR denied"), r)
            r = answer(port, b"CONNECT 127.0.0.1:%d alice:wrong\n" % echo2)
            check("alice with a wrong password: refused", r.startswith(b"ERR auth"), r)
        finally:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
    return summary("rules.py")


if __name__ == "__main__":
    sys.exit(main())
