"""Helpers for the listener's host tests (tests/*.py, run by `make test`):
checks counted and reported, a threaded echo server, a listener started on
127.0.0.1 and waited for."""
import os
import socket
import subprocess
import threading
import time

_counts = {"checks": 0, "failed": 0}


def check(name, ok, detail=""):
    _counts["checks"] += 1
    if not ok:
        _counts["failed"] += 1
        print("FAIL: %s %s" % (name, detail))


def summary(script):
    """Print the totals; the exit status for them."""
    print("%s: %d checks, %d failed" % (script, _counts["checks"], _counts["failed"]))
    return 1 if _counts["failed"] else 0


def echo_server():
    """Port of an echo server on 127.0.0.1, one thread per connection."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)

    def one(c):
        for d in iter(lambda: c.recv(65536), b""):
            c.sendall(d)
        c.close()

    def serve():
        while True:
            c, _ = srv.accept()
            threading.Thread(target=one, args=(c,), daemon=True).start()
    threading.Thread(target=serve, daemon=True).start()
    return srv.getsockname()[1]


def recv_line(sock):
    """One line, byte by byte (what follows stays unread); short at EOF."""
    line = b""
    while not line.endswith(b"\n"):
        d = sock.recv(1)
        if not d:
            break
        line += d
    return line


def proc_dir(tmp):
    """A stand-in for /proc/forwarder without the module: every pair is relayed."""
    with open(os.path.join(tmp, "listen_port"), "w") as f:
        f.write("0\n")
    return tmp


def start_listener(binary, port, args, env=None):
    """fwd-listener on 127.0.0.1:PORT with ARGS, once it accepts (10 s at most)."""
    p = subprocess.Popen([binary, "-b", "127.0.0.1", "-p", str(port)] + args, env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
            return p
        except OSError:
            if time.time() > deadline or p.poll() is not None:
                p.kill()
                raise
            time.sleep(0.05)


def free_port(offset=0):
    return 20000 + (os.getpid() + offset) % 20000
