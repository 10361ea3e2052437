#!/usr/bin/env python3
"""fwd-listener and the service manager (sd_notify), run by `make test`.

Starts the listener in the foreground with $NOTIFY_SOCKET pointing at a
datagram socket of ours (the abstract namespace, as systemd may use, and a
path), and expects READY=1 with its own pid as MAINPID once it listens,
RELOADING=1 (with MONOTONIC_USEC) then READY=1 again on SIGHUP, STOPPING=1
on SIGTERM, and an exit with status 0. Without the variable it sends nothing
and runs the same.
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile

from hostlib import check, free_port, proc_dir, summary


def expect(sock, name, want):
    """The next datagram, as a dict of its VAR=value lines."""
    try:
        msg = sock.recv(4096).decode()
    except socket.timeout:
        check(name, False, "(no message within 10 s)")
        return {}
    fields = dict(line.split("=", 1) for line in msg.split("\n") if "=" in line)
    check(name, all(fields.get(k) == v for k, v in want.items()), repr(msg))
    return fields


def run(binary, tmp, addr, label, port):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(addr)
    sock.settimeout(10)
    env = dict(os.environ)
    env["NOTIFY_SOCKET"] = "@" + addr[1:].decode() if isinstance(addr, bytes) else addr
    p = subprocess.Popen([binary, "-b", "127.0.0.1", "-p", str(port), "-c", "/dev/null",
                          "-a", "127.0.0.1/32 *", "--proc-dir", tmp],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        f = expect(sock, label + ": READY=1 once listening", {"READY": "1"})
        check(label + ": MAINPID is the listener", f.get("MAINPID") == str(p.pid), repr(f))
        p.send_signal(signal.SIGHUP)
        f = expect(sock, label + ": RELOADING=1 on SIGHUP", {"RELOADING": "1"})
        check(label + ": MONOTONIC_USEC with it", f.get("MONOTONIC_USEC", "").isdigit(), repr(f))
        expect(sock, label + ": READY=1 after the reload", {"READY": "1"})
        p.send_signal(signal.SIGTERM)
        expect(sock, label + ": STOPPING=1 on SIGTERM", {"STOPPING": "1"})
        check(label + ": exit 0", p.wait(10) == 0)
    finally:
        if p.poll() is None:
            p.kill()
        sock.close()


def main():
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "./fwd-listener")
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        proc_dir(tmp)
        run(binary, tmp, b"\0fwd-listener-notify-%d" % os.getpid(), "abstract socket", port)
        run(binary, tmp, os.path.join(tmp, "notify"), "path socket", port + 1)
    return summary("notify.py")


if __name__ == "__main__":
    sys.exit(main())
