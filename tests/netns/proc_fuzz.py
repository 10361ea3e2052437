#!/usr/bin/env python3
"""Fuzz every writable file of /proc/forwarder from one process.

  proc_fuzz.py --writes N --seed S

Each write is one write(2) of either raw random bytes or a command of the
file's grammar with something wrong: a word replaced by a boundary number,
an overlong or empty word, an embedded NUL, a word dropped or repeated, the
case changed, random bytes spliced in. A write must either succeed or fail
with an errno proc_api.md documents; a refused write must change nothing
(every readable file is compared with the state before it, the written file
at once, all of them every few writes). Exit 1 with the write that broke a
rule; the seed replays the run.
"""
import argparse
import errno
import os
import random
import re
import sys

PROC = "/proc/forwarder"
# errnos proc_api.md documents for refused writes
ALLOWED = {errno.EINVAL, errno.ERANGE, errno.ENOSPC, errno.ENOENT, errno.EBADF,
           errno.ENOTSOCK, errno.EAFNOSUPPORT, errno.EXDEV, errno.ENOTCONN,
           errno.EOPNOTSUPP, errno.EBUSY, errno.EAGAIN, errno.ENOPROTOOPT,
           errno.EPROTO}
# Lines that move on their own or count refusals: not state.
VOLATILE = ("refused ", "config_rejected ")
# Fields that move with time alone: a group's bucket refills.
TIMED = re.compile(rb"\b(tokens|ptokens|etokens) [0-9]+")

SEEDS = {
    "forward": ["3 4", "0 1", "7 7"],
    "max_sessions": ["100", "65536", "16777216"],
    "full_policy": ["drop", "pass"],
    "listen_port": ["8080", "0"],
    "groups": ["add 1 rate 10mbit burst 64k mode police",
               "add 2 rate 1.5mbit burst 10kb ebs 20k",
               "add 3 rate 1mbit burst 16k peakrate 2mbit pburst 32k mode shape limit 100p ecn",
               "add 4 rate 8bit burst 4g peakrate 16bit pburst 4g",
               "change 1 rate 1mbit action mark-dscp 10",
               "bind 1 proto tcp sport 1 dport 80 dir orig",
               "unbind 1", "del 1"],
    "firewall": ["add accept proto tcp dport 80",
                 "add rate-limit group 1 dir reply proto udp src 10.0.0.0/8 dst ::1/128 sport 5 dport 6",
                 "add intercept class ssh", "flush"],
}
WORDS = ["0", "-1", "1", "255", "256", "65535", "65536", "2147483647", "2147483648",
         "4294967295", "4294967296", "18446744073709551615", "18446744073709551616",
         "99999999999999999999999", "0x10", "1e3", "1.5", "1.", ".5", "1..5", "nan",
         "inf", "-0", "+1", "00000000000000000001", "10mbit", "0mbit", "8bit",
         "1000000tbit", "1pbit", "4g", "5g", "1k", "1kb", "1kibit", "mbit", "",
         "add", "del", "change", "bind", "unbind", "flush", "rate", "burst", "mode",
         "police", "shape", "limit", "ecn", "proto", "tcp", "udp", "icmp", "dir",
         "orig", "reply", "both", "src", "dst", "sport", "dport", "group", "class",
         "10.0.0.0/33", "10.0.0.1/-1", "::/129", "1.2.3.4", "fe80::1%lo", "x" * 300]


def fuzz_line(rng, name):
    if rng.random() < 0.2:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(0, 300)))
    words = rng.choice(SEEDS.get(name, ["1"])).split()
    for _ in range(rng.randrange(1, 4)):
        op = rng.randrange(8)
        i = rng.randrange(len(words)) if words else 0
        if op == 0 and words:
            words[i] = rng.choice(WORDS)
        elif op == 1 and words:
            del words[i]
        elif op == 2 and words:
            words.insert(i, words[i])
        elif op == 3:
            words.insert(i, rng.choice(WORDS))
        elif op == 4 and words:
            words[i] = words[i].upper()
        elif op == 5 and words:
            words[i] = words[i][:rng.randrange(len(words[i]) + 1)]
        elif op == 6:
            words.append(rng.choice(WORDS))
    line = " ".join(words).encode()
    if rng.random() < 0.15 and line:
        p = rng.randrange(len(line))
        line = line[:p] + b"\0" + line[p:]
    if rng.random() < 0.1:
        line += b"\n"
    if rng.random() < 0.05:
        line = line.replace(b" ", rng.choice([b"\t", b"  ", b"\n"]))
    return line


def readable():
    out = []
    for n in sorted(os.listdir(PROC)):
        p = os.path.join(PROC, n)
        if os.path.isfile(p) and os.stat(p).st_mode & 0o444 and n not in ("sessions",):
            out.append(n)
    return out


def read(name):
    try:
        with open(os.path.join(PROC, name), "rb") as f:
            data = f.read()
    except OSError as e:
        return ("error", e.errno)
    data = TIMED.sub(rb"\1 -", data)
    return b"\n".join(l for l in data.split(b"\n") if not l.startswith(tuple(v.encode() for v in VOLATILE)))


def snapshot(names):
    return {n: read(n) for n in names}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--writes", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    writers = [n for n in sorted(os.listdir(PROC))
               if os.path.isfile(os.path.join(PROC, n)) and os.stat(os.path.join(PROC, n)).st_mode & 0o200]
    names = readable()
    fds = {n: os.open(os.path.join(PROC, n), os.O_WRONLY) for n in writers}
    base = snapshot(names)
    accepted = refused = 0
    recent = []
    for i in range(args.writes):
        name = rng.choice(writers)
        line = fuzz_line(rng, name)
        recent = (recent + [(name, line)])[-10:]
        try:
            os.write(fds[name], line)
            accepted += 1
            base = snapshot(names)
            continue
        except OSError as e:
            if e.errno not in ALLOWED:
                print("FAIL: write %d to %s %r: undocumented errno %s" %
                      (i, name, line, errno.errorcode.get(e.errno, e.errno)))
                return 1
        refused += 1
        check = [name] if name in base else []
        if refused % 16 == 0 or i == args.writes - 1:
            check = names
        for n in check:
            now = read(n)
            if now != base[n]:
                print("FAIL: a refused write changed %s; the last writes: %r" % (n, recent))
                print("before: %r\nafter: %r" % (base[n], now))
                return 1
    print("proc_fuzz: seed %d, %d writes to %d files: %d accepted, %d refused, state unchanged by every refusal"
          % (args.seed, args.writes, len(writers), accepted, refused))
    return 0


if __name__ == "__main__":
    sys.exit(main())
