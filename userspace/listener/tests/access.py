#!/usr/bin/env python3
"""fwd-listener's access log, run by `make test` (no kernel module: every
allowed connection is relayed). One line per connection when it ends: a
relayed echo (its bytes and verdict relayed:no_module), a destination the
policy refuses, wrong credentials, a client that leaves before its
instruction; in the text format and as JSON objects (--log-format json).
An attacker's SOCKS5 user name with a newline and a forged "verdict=" stays
inside its own field: one line, its blanks and control bytes as '?', and in
JSON the exact bytes, escaped.
"""
import json
import os
import signal
import socket
import sys
import tempfile
import time

from hostlib import check, echo_server, free_port, proc_dir, recv_line, start_listener, summary

EVIL = b"evil\nverdict=handed_off x"


def clients(port, echo):
    # A relayed echo of 1000 bytes.
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"CONNECT 127.0.0.1:%d alice:pw\n" % echo)
    check("echo: OK", recv_line(s) == b"OK\n")
    s.sendall(b"x" * 1000)
    got = b""
    while len(got) < 1000:
        d = s.recv(4096)
        if not d:
            break
        got += d
    check("echo: 1000 bytes back", got == b"x" * 1000, len(got))
    s.close()
    # A port the policy does not allow.
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"CONNECT 127.0.0.1:%d alice:pw\n" % (echo + 1 if echo < 65535 else echo - 1))
    check("denied: ERR denied", recv_line(s).startswith(b"ERR denied"))
    s.close()
    # SOCKS5, an attacker's user name, a wrong password.
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"\x05\x01\x02")
    check("socks5: user/password chosen", s.recv(2) == b"\x05\x02")
    s.sendall(b"\x01" + bytes([len(EVIL)]) + EVIL + b"\x02no")
    check("socks5: auth refused", s.recv(2) == b"\x01\x01")
    s.close()
    # Gone before any instruction.
    socket.create_connection(("127.0.0.1", port), timeout=10).close()


def run(binary, tmp, fmt, port, echo):
    log = os.path.join(tmp, "log." + fmt)
    conf = os.path.join(tmp, "users.conf")
    with open(conf, "w") as f:
        f.write("user alice pw\n")
    p = start_listener(binary, port, ["-c", conf, "-a", "127.0.0.1/32 %d" % echo,
                                      "--proc-dir", tmp, "-l", log,
                                      "--log-format", fmt])
    try:
        clients(port, echo)
        time.sleep(3)   # the refused ones linger up to 2 s before they close
        p.send_signal(signal.SIGTERM)
        check(fmt + ": exit 0", p.wait(10) == 0)
    finally:
        if p.poll() is None:
            p.kill()
    with open(log, "rb") as f:
        return f.read().decode("latin-1").splitlines()


def main():
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "./fwd-listener")
    port = free_port()
    echo = echo_server()
    with tempfile.TemporaryDirectory() as tmp:
        proc_dir(tmp)
        text = run(binary, tmp, "text", port, echo)
        js = run(binary, tmp, "json", port + 1, echo)

    # Text: "access k=v ..." after the usual prefix; the probe connection first.
    rec = []
    for line in text:
        if " access " not in line:
            continue
        words = line.split(" access ", 1)[1].split(" ")
        rec.append(dict(w.split("=", 1) for w in words if "=" in w))
        check("text: every word key=value", all("=" in w for w in words), line)
    verdicts = [r.get("verdict") for r in rec]
    check("text: one line per connection (probe + 4)", len(rec) == 5, verdicts)
    echo_rec = [r for r in rec if r.get("verdict") == "relayed:no_module"]
    check("text: the echo relayed", len(echo_rec) == 1, verdicts)
    if echo_rec:
        r = echo_rec[0]
        check("text: echo bytes", r.get("bytes") == "2000", r)
        check("text: echo user, proto, target", (r.get("user"), r.get("proto"), r.get("target")) ==
              ("alice", "native", "127.0.0.1:%d" % echo), r)
        check("text: echo ended closed", r.get("end") == "closed", r)
        check("text: client is an address:port", r.get("client", "").startswith("127.0.0.1:"), r)
        check("text: duration in ms", r.get("duration_ms", "").isdigit(), r)
    check("text: refused_policy", "refused_policy" in verdicts, verdicts)
    check("text: refused_auth", "refused_auth" in verdicts, verdicts)
    check("text: closed_early", "closed_early" in verdicts, verdicts)
    auth = [r for r in rec if r.get("verdict") == "refused_auth"]
    check("text: the forged field stays in the user name",
          auth and auth[0].get("user") == "evil?verdict=handed_off?x", auth)
    check("text: no line starts with the attacker's text",
          not any(l.startswith("verdict=") for l in text), text)

    objs = []
    for line in js:
        try:
            objs.append(json.loads(line))
        except ValueError:
            check("json: every line an object", False, line)
    acc = [o for o in objs if o.get("event") == "access"]
    check("json: one access object per connection", len(acc) == 5, acc)
    check("json: other lines have time, level, msg",
          all({"time", "level", "msg"} <= set(o) for o in objs if o.get("event") != "access"), objs)
    e = [o for o in acc if o.get("verdict") == "relayed:no_module"]
    check("json: echo bytes is a number", e and e[0].get("bytes") == 2000, e)
    a = [o for o in acc if o.get("verdict") == "refused_auth"]
    check("json: the user name exactly as sent", a and a[0].get("user") == EVIL.decode(), a)
    return summary("access.py")


if __name__ == "__main__":
    sys.exit(main())
