#!/usr/bin/env python3
"""Fuzz the forwarder generic netlink family from one process.

  nl_fuzz.py --messages N --seed S [--sessions K] [--unprivileged]

Each of the N datagrams is either grammar-aware (SESSION_GET, STATS_GET or
an unknown command 0..255, with and without NLM_F_DUMP and NLM_F_ACK; the
session id at its boundaries, existing or not, absent or duplicated;
attributes of the wrong length, unknown, output-only, flagged nested or
lying about their length, overlong strings, embedded NULs; a wrong genl
version or reserved field; other nlmsg flags and types) or raw (random
bytes after a valid header, a truncated genlmsghdr, an nlmsg_len shorter or
longer than the datagram, several messages in one datagram).

A model of 6.1's netlink core and of the family (netlink_rcv_skb(),
genetlink's header and permission checks, strict attribute validation with
kmod/netlink/family.c's per-command policies) says what each message must get: nothing, an
ACK, a reply, a dump, a dump refused by its NLMSG_DONE (EINVAL: a session id
or a genl version other than 1), or one errno: EINVAL (short header,
reserved bits, a bad attribute, no session id, a session id to STATS_GET, a
genl version other than 1), EOPNOTSUPP (unknown command, STATS_GET dumped),
ENOENT (no such session, no such family), EPERM (without CAP_NET_ADMIN),
EBUSY (a second dump on a socket whose dump runs; a ninth in the namespace);
an empty datagram's send fails with ENODATA. The replies must be exactly
that, in order, well-formed, errors echoing the request, and the sessions
and counters they carry as they were at the start: the family only reads. A
NOOP with NLM_F_ACK after each datagram ends its replies and shows the
socket still works; a reply missing for --timeout seconds fails.

With --sessions, K TCP connections and K UDP flows on loopback are made
first. Every --every datagrams (100) every readable /proc/forwarder file
must read as at the start (proc_fuzz.py's filter, ages masked in sessions),
and a correct STATS_GET and dump must answer as at the start; privileged,
the fuzzer listens on "events" and any event fails the run. With
--unprivileged every command but TUNABLE_GET (which reads what /proc lets
anyone read) must get EPERM, joining "events" too. TUNABLE_GET is fuzzed
with names (known, unknown, overlong, without or with embedded NULs); its
replies and dumps must carry every tunable as it was at the start. The
commands that change state (TUNABLE_SET, SESSION_DEL, SESSION_FLUSH) are
not fuzzed: their command byte is moved to an unused one (EOPNOTSUPP), as
other families' message types are moved. Exit 1
with the datagram that broke a rule, in hex; the seed replays the run (given
the same number of sessions).
"""
import argparse
import errno
import os
import random
import socket
import struct
import sys
import time
from collections import Counter

import proc_fuzz

NETLINK_GENERIC, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, NETLINK_EXT_ACK = 16, 270, 1, 11
NLMSG_NOOP, NLMSG_ERROR, NLMSG_DONE, NLMSG_MIN_TYPE = 1, 2, 3, 0x10
F_REQUEST, F_MULTI, F_ACK, F_ECHO = 0x1, 0x2, 0x4, 0x8
F_ROOT, F_MATCH, F_DUMP = 0x100, 0x200, 0x300
F_CAPPED, F_ACK_TLVS = 0x100, 0x200
NLA_F_NESTED, NLA_F_BYTEORDER = 0x8000, 0x4000
NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS = 1, 2
GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 0x10, 3
GENL_MAX_ID = 1023          # no family has an id above
HDR = struct.Struct("=IHHII")
BUF = 1 << 18

# include/forwarder/netlink.h
CMD_SESSION_GET, CMD_STATS_GET, CMD_EVENT = 1, 2, 3
CMD_TUNABLE_GET, CMD_TUNABLE_SET, CMD_SESSION_DEL, CMD_SESSION_FLUSH = 4, 5, 6, 7
CMD_SPLICE_GET, CMD_SPLICE_DEL = 8, 9
CMD_GROUP_GET, CMD_GROUP_NEW, CMD_GROUP_SET, CMD_GROUP_DEL = 10, 11, 12, 13
CMD_BIND_GET, CMD_BIND_NEW, CMD_BIND_DEL = 14, 15, 16
# Commands that change state or need pairs or groups: left to their own
# tests (test_fwdctl_control, test_splice_teardown, test_group_netlink).
NOT_FUZZED = (CMD_TUNABLE_SET, CMD_SESSION_DEL, CMD_SESSION_FLUSH, CMD_SPLICE_GET,
              CMD_SPLICE_DEL, CMD_GROUP_GET, CMD_GROUP_NEW, CMD_GROUP_SET, CMD_GROUP_DEL,
              CMD_BIND_GET, CMD_BIND_NEW, CMD_BIND_DEL)
A_PAD, A_SESSION_ID, A_FAMILY, A_PROTO, A_CLIENT_ADDR, A_CLIENT_PORT = 1, 2, 3, 4, 5, 6
A_SERVER_ADDR, A_SERVER_PORT, A_CLIENT_STATE, A_SERVER_STATE = 7, 8, 9, 10
A_ESTABLISHED, A_AGE_MS, A_EXPIRES_MS, A_STATS, A_MAX = 11, 12, 13, 23, 56
STATS_PAD, STATS_FIRST, STATS_LAST = 1, 2, 22
A_TUNABLE_NAME, A_TUNABLE_VALUE, A_TUNABLE_MIN, A_TUNABLE_MAX = 24, 25, 26, 27
A_TUNABLE_TEXT = 56         # a worded tunable's value (full_policy)
TUNABLE_NAME_LEN = 63       # the policy's .len: FWD_TUNABLE_NAME_MAX - 1
# Attribute sizes of a session (0: an address, 4 or 16 bytes); 14..17 the counters.
SESSION = {A_SESSION_ID: 8, A_FAMILY: 1, A_PROTO: 1, A_CLIENT_ADDR: 0, A_CLIENT_PORT: 2,
           A_SERVER_ADDR: 0, A_SERVER_PORT: 2, A_CLIENT_STATE: 1, A_SERVER_STATE: 1,
           A_ESTABLISHED: 1, A_AGE_MS: 8, A_EXPIRES_MS: 8, 14: 8, 15: 8, 16: 8, 17: 8}
TIMED = (A_AGE_MS, A_EXPIRES_MS)
# What CTRL_CMD_GETFAMILY must say (the model below is of this family):
# op flags GENL_UNS_ADMIN_PERM | CAP_DO | CAP_HASPOL, and CAP_DUMP; reading
# tunables, rate groups and bind rules needs no privilege.
OPS = {CMD_SESSION_GET: 0x1e, CMD_STATS_GET: 0x1a, CMD_TUNABLE_GET: 0x0e,
       CMD_TUNABLE_SET: 0x1a, CMD_SESSION_DEL: 0x1a, CMD_SESSION_FLUSH: 0x1a,
       CMD_SPLICE_GET: 0x1e, CMD_SPLICE_DEL: 0x1a, CMD_GROUP_GET: 0x0e,
       CMD_GROUP_NEW: 0x1a, CMD_GROUP_SET: 0x1a, CMD_GROUP_DEL: 0x1a, CMD_BIND_GET: 0x0c,
       CMD_BIND_NEW: 0x1a, CMD_BIND_DEL: 0x1a}
GENL_VERSION = 1

BOUNDS = [0, 1, 2, 255, 256, 65535, 2**31, 2**32 - 1, 2**32, 2**63 - 1, 2**63,
          2**64 - 2, 2**64 - 1]
STRINGS = [b"", b"\0", b"1", b"1\0", b"12345678", b"1234\x005678", b"\0" * 8,
           b"forwarder\0", b"events", b"\xff" * 9, b"%s%n" * 4, b"x" * 255, b"x" * 256]
LONG = [b"x" * 4096, b"1\0" * 2048, b"x" * 65531]
NAMES = [b"timeout_udp\0", b"timeout_udp", b"max_sessions\0", b"listen_port\0\0\0",
         b"max_sessions\0junk", b"timeout_ud\0", b"nosuch\0", b"\0", b"", b"x" * 63 + b"\0",
         b"x" * 63, b"x" * 64 + b"\0", b"x" * 64, b"x" * 70 + b"\0", b"splice_timeout_closing\0",
         b"timeout_udp\0" + b"y" * 60, b"\0timeout_udp\0"]


class Broken(Exception):
    """A rule the kernel broke."""


def align(n):
    return (n + 3) & ~3


def nla(t, data, flags=0, length=None):
    n = 4 + len(data) if length is None else length
    return struct.pack("=HH", n, t | flags) + data + bytes(-len(data) % 4)


def nlmsg(t, flags, seq, payload):
    return HDR.pack(16 + len(payload), t, flags, seq, 0) + payload


def genl(cmd, version=1, reserved=0):
    return struct.pack("=BBH", cmd, version, reserved)


def attrs(buf):
    """Attributes the kernel built: well-formed, padded. [(type, flags, data)]"""
    out, off = [], 0
    while off < len(buf):
        if len(buf) - off < 4:
            raise Broken("a reply's attributes end in %d stray bytes" % (len(buf) - off))
        n, t = struct.unpack_from("=HH", buf, off)
        if n < 4 or off + n > len(buf):
            raise Broken("a reply's attribute at %d has nla_len %d of %d" % (off, n, len(buf)))
        out.append((t & 0x3fff, t & 0xc000, buf[off + 4:off + n]))
        off += align(n)
    if off != len(buf):
        raise Broken("a reply's last attribute is not padded")
    return out


def messages(data):
    """A received datagram's messages: [(type, flags, seq, portid, payload)]."""
    out, off = [], 0
    while off < len(data):
        if len(data) - off < 16:
            raise Broken("a reply datagram ends in %d stray bytes" % (len(data) - off))
        n, t, fl, seq, pid = HDR.unpack_from(data, off)
        if n < 16 or off + n > len(data):
            raise Broken("a reply's nlmsg_len %d at %d of %d" % (n, off, len(data)))
        out.append((t, fl, seq, pid, data[off + 16:off + n]))
        off += align(n)
    if off != len(data):
        raise Broken("a reply's last message is not padded")
    return out


# ---- the model ---------------------------------------------------------------

def request_attrs(buf):
    """lib/nlattr.c's strict validation with SESSION_GET's policy: (valid, session id).
    STATS_GET's policy rejects the session id: valid for it means sid is None."""
    sid, off, rem = None, 0, len(buf)
    while rem >= 4:
        n, t = struct.unpack_from("=HH", buf, off)
        if n < 4 or n > rem:
            break
        # unknown types, output-only ones (NLA_UNSPEC), a u64 of the wrong size or flagged nested
        if t & 0x3fff != A_SESSION_ID or n != 12 or t & NLA_F_NESTED:
            return False, None
        sid = struct.unpack_from("=Q", buf, off + 4)[0]
        off, rem = off + align(n), rem - align(n)
    return rem <= 0, sid


def tunable_attrs(buf):
    """The same validation with TUNABLE_GET's policy (the name, a NUL-terminated
    string of at most 63 bytes): (errno or None, the name up to its NUL or None)."""
    name, off, rem = None, 0, len(buf)
    while rem >= 4:
        n, t = struct.unpack_from("=HH", buf, off)
        if n < 4 or n > rem:
            break
        if t & 0x3fff != A_TUNABLE_NAME or t & NLA_F_NESTED:
            return "EINVAL", None
        data = buf[off + 4:off + n]
        if b"\0" not in data[:min(len(data), TUNABLE_NAME_LEN + 1)]:
            return "EINVAL", None
        if len(data) - (data[-1:] == b"\0") > TUNABLE_NAME_LEN:
            return "ERANGE", None
        name = data.split(b"\0")[0]
        off, rem = off + align(n), rem - align(n)
    return ("EINVAL", None) if rem > 0 else (None, name)


def tunable_verdict(msg, fl, dump, dumping, version, tunables):
    err, name = tunable_attrs(msg[20:])
    if dump:
        if dumping:
            return "EBUSY"
        if err:
            return err
        return "dumperr" if name is not None or version != GENL_VERSION else "tdump"
    if err:
        return err
    if version != GENL_VERSION or name is None:
        return "EINVAL"
    if name.decode("latin-1") not in tunables:
        return "ENOENT"
    return "reply+ack" if fl & F_ACK else "reply"


def verdict(msg, fam, ids, unpriv, dumping, tunables):
    """What one message gets: None, "ack", an errno's name, "reply", "reply+ack", "dump"
    (sessions), "tdump" (tunables) or "dumperr" (a dump whose NLMSG_DONE says EINVAL)."""
    n, t, fl, _, _ = HDR.unpack_from(msg)
    if not fl & F_REQUEST or t < NLMSG_MIN_TYPE:
        return "ack" if fl & F_ACK else None
    if t != fam:
        return "ENOENT"
    if n < 20:
        return "EINVAL"
    cmd, version, reserved = struct.unpack_from("=BBH", msg, 16)
    dump = fl & F_DUMP == F_DUMP
    if reserved or (fl & ~F_DUMP if dump else fl) & ~(F_REQUEST | F_ACK | F_ECHO):
        return "EINVAL"
    if cmd not in OPS:
        return "EOPNOTSUPP"
    if cmd == CMD_TUNABLE_GET:
        return tunable_verdict(msg, fl, dump, dumping, version, tunables)
    if unpriv:
        return "EPERM"
    valid, sid = request_attrs(msg[20:])
    if dump:
        # one dump a socket at a time (EBUSY), checked before the attributes;
        # a session id or another version is refused by the dump itself
        if cmd == CMD_STATS_GET:
            return "EOPNOTSUPP"
        if dumping:
            return "EBUSY"
        if not valid:
            return "EINVAL"
        return "dumperr" if sid is not None or version != GENL_VERSION else "dump"
    if not valid or version != GENL_VERSION or (cmd == CMD_SESSION_GET) == (sid is None):
        return "EINVAL"
    if cmd == CMD_SESSION_GET and sid not in ids:
        return "ENOENT"
    return "reply+ack" if fl & F_ACK else "reply"


def walk(dg):
    """The messages netlink_rcv_skb() takes from a datagram: [(offset, length)]."""
    out, off = [], 0
    while len(dg) - off >= 16:
        n = HDR.unpack_from(dg, off)[0]
        if n < 16 or n > len(dg) - off:
            break
        out.append((off, n))
        off += min(align(n), len(dg) - off)
    return out


def sanitize(dg, fam):
    """Types of other families (ids up to 1023) moved above them: never fuzz those."""
    dg = bytearray(dg)
    for off, n in walk(dg):
        t = struct.unpack_from("=H", dg, off + 4)[0]
        if NLMSG_MIN_TYPE <= t <= GENL_MAX_ID and t != fam:
            struct.pack_into("=H", dg, off + 4, t | 0x400)
        elif t == fam and n > 16 and dg[off + 16] in NOT_FUZZED:
            dg[off + 16] |= 0x80
    return bytes(dg)


def model(dg, fam, ids, unpriv, tunables):
    """[(seq, outcome, message)] in the order the kernel answers."""
    out, dumping = [], False
    for off, n in walk(dg):
        msg = dg[off:off + n]
        v = verdict(msg, fam, ids, unpriv, dumping, tunables)
        # a dump of a non-empty table runs until its replies are read; the
        # tunables never fit in nothing
        dumping = dumping or (v == "dump" and bool(ids)) or v == "tdump"
        out.append((HDR.unpack_from(msg)[3], v, msg))
    return out


# ---- the fuzz ---------------------------------------------------------------

def session_id(rng, ids):
    r = rng.randrange(1 << 30)          # the same draws whatever the table holds
    if ids and r % 4 < 2:
        return ids[r % len(ids)]
    if ids and r % 4 == 2:
        return max(ids) + 1 + r % 3
    return BOUNDS[r % len(BOUNDS)]


def fuzz_attrs(rng, ids, big):
    out = []
    for _ in range(rng.choice((0, 1, 1, 1, 2, 3, 6))):
        k = rng.randrange(15)
        v = struct.pack("=Q", session_id(rng, ids))
        if k < 4:
            a = nla(A_SESSION_ID, v)
        elif k == 4:            # the id's attribute of the wrong length
            a = nla(A_SESSION_ID, rng.choice((b"", v[:1], v[:4], v[:7], v + b"\0", v * 2)))
        elif k == 5:            # flagged nested or in network byte order
            a = nla(A_SESSION_ID, v, rng.choice((NLA_F_NESTED, NLA_F_BYTEORDER, 0xc000)))
        elif k == 6:            # an output-only attribute, or a stats nest
            t = rng.randrange(1, A_MAX + 1)
            data = v[:rng.choice((1, 2, 4, 8))] + v[:rng.choice((0, 0, 8))]
            if t == A_STATS:
                data = nla(rng.randrange(STATS_LAST + 2), v)
            a = nla(t, data, rng.choice((0, 0, NLA_F_NESTED)))
        elif k == 7:            # unknown types
            a = nla(rng.choice((0, A_MAX + 1, 255, 0x3fff, rng.randrange(A_MAX + 1, 0x4000))), v)
        elif k == 8:            # strings: overlong, embedded NULs
            s = rng.choice(STRINGS + LONG if big and rng.random() < 0.2 else STRINGS)
            big = big and len(s) < 4096     # one long string a message: under sk_sndbuf
            a = nla(rng.choice((A_SESSION_ID, A_CLIENT_ADDR, A_MAX + 1)), s)
        elif k == 9:            # nla_len lying
            a = nla(A_SESSION_ID, v, length=rng.choice((0, 1, 3, 4, 11, 13, 16, 0xffff)))
        elif k == 10 and out:   # a duplicate
            a = rng.choice(out)
        elif k >= 12:           # a tunable's name, right or wrong, flagged now and then
            a = nla(A_TUNABLE_NAME, rng.choice(NAMES),
                    rng.choice((0,) * 6 + (NLA_F_NESTED, NLA_F_BYTEORDER)))
        else:                   # stray bytes
            a = rng.randbytes(rng.randrange(1, 8))
        out.append(a)
    return b"".join(out)


def fuzz_message(rng, fam, ids, seq, big):
    """One message: the grammar with something wrong, random bytes, or a truncated header."""
    r = rng.random()
    t = (fam if r < 0.9 else rng.choice((0, NLMSG_NOOP, NLMSG_ERROR, NLMSG_DONE, 4, 15))
         if r < 0.95 else rng.randrange(GENL_MAX_ID + 1, 0x10000))
    flags = F_REQUEST | rng.choice((0, F_ACK))
    r = rng.random()
    if r < 0.3:
        flags |= F_DUMP
    elif r < 0.4:
        flags |= rng.choice((F_ROOT, F_MATCH, F_ECHO, F_MULTI, 0x10, 0x400, 0x800, 0x8000))
    elif r < 0.43:
        flags &= ~F_REQUEST
    elif r < 0.45:
        flags = rng.randrange(0x10000)
    cmd = rng.choice((CMD_SESSION_GET,) * 4 + (CMD_STATS_GET,) * 3 + (CMD_TUNABLE_GET,) * 3 +
                     (CMD_EVENT, 0) + (rng.randrange(256),) * 2)
    version = 1 if rng.random() < 0.9 else rng.choice((0, 2, 255))
    reserved = 0 if rng.random() < 0.95 else rng.randrange(1, 0x10000)
    r = rng.random()
    if r < 0.75:
        payload = genl(cmd, version, reserved) + fuzz_attrs(rng, ids, big)
    elif r < 0.9:
        payload = rng.choice((b"", genl(cmd))) + rng.randbytes(rng.randrange(300))
    else:
        payload = genl(cmd)[:rng.randrange(4)]
    return nlmsg(t, flags, seq, payload)


def fuzz_datagram(rng, fam, ids, seq):
    """One datagram: a message, one whose nlmsg_len lies, several, or a scrap."""
    r = rng.random()
    if r < 0.6:
        dg = fuzz_message(rng, fam, ids, seq, True)
    elif r < 0.75:
        dg = fuzz_message(rng, fam, ids, seq, False)
        n = rng.choice((rng.randrange(len(dg)), len(dg) + rng.randrange(1, 64), 16, 0xffffffff))
        dg = struct.pack("=I", n) + dg[4:]
    elif r < 0.95:
        parts = [fuzz_message(rng, fam, ids, seq + i, False) for i in range(rng.randrange(2, 6))]
        if rng.random() < 0.2:      # one lies about its length
            i = rng.randrange(len(parts))
            n = max(0, len(parts[i]) + rng.randrange(-24, 24))
            parts[i] = struct.pack("=I", n) + parts[i][4:]
        pad = rng.random() < 0.9
        dg = b"".join(p + bytes(-len(p) % 4 if pad else 0) for p in parts)
    else:
        dg = rng.randbytes(rng.randrange(16))
    return sanitize(dg, fam)


# ---- talking to the kernel ----------------------------------------------------

class Family:
    def __init__(self, unpriv, timeout):
        self.unpriv = unpriv
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)   # SO_RCVBUFFORCE
        except OSError:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sock.bind((0, 0))
        self.sock.settimeout(timeout)
        self.port = self.sock.getsockname()[0]
        self.fam = GENL_ID_CTRL
        self.sessions, self.stats, self.tunables = {}, None, {}
        self.fam, self.events = self.resolve()

    def recv(self):
        try:
            data, _, flags, _ = self.sock.recvmsg(BUF)
        except socket.timeout:
            raise Broken("no reply in %.0f s" % self.sock.gettimeout())
        except OSError as e:
            raise Broken("the socket failed: %s" % os.strerror(e.errno))
        if flags & socket.MSG_TRUNC:
            raise Broken("a reply over %d bytes" % BUF)
        return messages(data)

    def collect(self, sentinel):
        """Every message until the NOOP's ACK, and until each dump seen is done."""
        got, acked, dumps = [], False, set()
        while not acked or dumps:
            for m in self.recv():
                t, fl, seq, pid, p = m
                if pid != self.port:
                    raise Broken("a message for port %d (an event: the table changed?): "
                                 "type %d %s" % (pid, t, p.hex()))
                if seq == sentinel and t == NLMSG_ERROR and not acked:
                    if p[:4] != bytes(4):
                        raise Broken("the NOOP got error %d" % struct.unpack_from("=i", p)[0])
                    acked = True
                    continue
                if t == self.fam and fl & F_MULTI:
                    dumps.add(seq)
                elif t == NLMSG_DONE:
                    dumps.discard(seq)
                got.append(m)
        return got

    def send(self, dg, seqs=()):
        sentinel = 0x7fffffff
        while sentinel in seqs:
            sentinel -= 1
        try:
            self.sock.send(dg)
            if not dg:
                raise Broken("an empty datagram was taken")
        except OSError as e:
            # netlink_sendmsg() refuses empty datagrams (ENODATA); nothing else
            if dg or e.errno != errno.ENODATA:
                raise Broken("send failed: %s" % os.strerror(e.errno))
        try:
            self.sock.send(nlmsg(NLMSG_NOOP, F_REQUEST | F_ACK, sentinel, b""))
        except OSError as e:
            raise Broken("the NOOP's send failed: %s" % os.strerror(e.errno))
        return self.collect(sentinel)

    def resolve(self):
        req = nlmsg(GENL_ID_CTRL, F_REQUEST, 1, genl(CTRL_CMD_GETFAMILY) +
                    nla(2, b"forwarder\0"))
        got = self.send(req)
        if len(got) != 1 or got[0][0] != GENL_ID_CTRL:
            raise Broken("no family forwarder: %r" % (got,))
        a = {t: d for t, _, d in attrs(got[0][4][4:])}
        ops = {}
        for _, _, op in attrs(a.get(6, b"")):
            o = {t: struct.unpack("=I", d)[0] for t, _, d in attrs(op)}
            ops[o[1]] = o.get(2)
        groups = {}
        for _, _, g in attrs(a.get(7, b"")):
            g = {t: d for t, _, d in attrs(g)}
            groups[g[1].rstrip(b"\0")] = struct.unpack("=I", g[2])[0]
        shape = (struct.unpack("=I", a[3])[0], struct.unpack("=I", a[5])[0], ops, set(groups))
        if shape != (1, A_MAX, OPS, {b"events"}):
            raise Broken("the family is not the one modelled here (version, maxattr, ops, "
                         "groups): %r; update nl_fuzz.py" % (shape,))
        return struct.unpack("=H", a[1])[0], groups[b"events"]

    # -- judging replies

    def session(self, p):
        """A session's attributes, checked: (id, what may not change)."""
        a = {}
        for t, fl, d in attrs(p[4:]):
            if t == A_PAD:
                continue
            if t in a or t not in SESSION or fl:
                raise Broken("session attribute %d repeated, unknown or flagged" % t)
            a[t] = d
        want = set(SESSION)
        if a.get(A_PROTO) != b"\6":
            want -= {A_CLIENT_STATE, A_SERVER_STATE}
        if set(a) != want:
            raise Broken("session attributes %s, not %s" % (sorted(a), sorted(want)))
        alen = {b"\2": 4, b"\x0a": 16}.get(a[A_FAMILY])
        for t, d in a.items():
            if len(d) != (SESSION[t] or alen or -1):
                raise Broken("session attribute %d of %d bytes" % (t, len(d)))
        if a[A_PROTO] not in (b"\6", b"\x11") or a[A_ESTABLISHED] not in (b"\0", b"\1") \
                or max(a.get(A_CLIENT_STATE, b"\0")[0], a.get(A_SERVER_STATE, b"\0")[0]) > 11:
            raise Broken("session attribute values: %r" % a)
        fixed = {t: d for t, d in a.items() if t not in TIMED}
        return struct.unpack("=Q", a[A_SESSION_ID])[0], fixed

    def counters(self, p):
        a = attrs(p[4:])
        if len(a) != 1 or a[0][:2] != (A_STATS, NLA_F_NESTED):
            raise Broken("STATS_GET reply attributes: %r" % (a,))
        c = {}
        for t, fl, d in attrs(a[0][2]):
            if t == STATS_PAD:
                continue
            if t in c or not STATS_FIRST <= t <= STATS_LAST or fl or len(d) != 8:
                raise Broken("counter attribute %d (%d bytes) repeated or unknown" % (t, len(d)))
            c[t] = struct.unpack("=Q", d)[0]
        missing = set(range(STATS_FIRST, STATS_LAST + 1)) - set(c)
        if missing:
            raise Broken("counters missing: %s" % sorted(missing))
        return c

    def error(self, fl, p, msg):
        """An NLMSG_ERROR: errno, the request echoed (whole on errors), extack TLVs."""
        if len(p) < 20 or p[4:20] != msg[:16]:
            raise Broken("an error message without the request's header")
        err = struct.unpack_from("=i", p)[0]
        body = len(msg) if err else 16
        tlvs = p[4 + align(body):]
        flags = (0 if err else F_CAPPED) | (F_ACK_TLVS if tlvs else 0)
        if p[20:4 + body] != msg[16:body] or fl != flags:
            raise Broken("an error message (flags %#x) echoes the request wrongly" % fl)
        for t, _, d in attrs(tlvs):
            if t == NLMSGERR_ATTR_MSG and not d.endswith(b"\0"):
                raise Broken("an extack message without its NUL")
            if t == NLMSGERR_ATTR_OFFS and not 16 <= struct.unpack("=I", d)[0] < len(msg):
                raise Broken("an extack offset outside the request")
        return err

    def judge(self, exp, got):
        """The replies must be the model's, in order, and carry the table as it was."""
        dumps = {seq: v for seq, v, _ in exp if v in ("dump", "tdump", "dumperr")}
        refused = {seq for seq, v, _ in exp if v == "dumperr"}
        want = [(seq, tok, msg) for seq, v, msg in exp if v and v not in ("dump", "tdump", "dumperr")
                for tok in v.split("+")]
        seen, entries, done = [], {seq: [] for seq in dumps}, Counter()
        for t, fl, seq, _, p in got:
            if seq in dumps and t in (self.fam, NLMSG_DONE):
                if t == NLMSG_DONE:
                    if seq in refused:
                        # the errno, then the extack message (the socket has EXT_ACK)
                        if p[:4] != struct.pack("=i", -errno.EINVAL) or \
                                fl != F_MULTI | F_ACK_TLVS or \
                                [t for t, _, _ in attrs(p[4:])] != [NLMSGERR_ATTR_MSG]:
                            raise Broken("a refused dump ended with %r, flags %#x" % (p, fl))
                    elif p[:4] != bytes(4) or fl & ~F_ACK_TLVS != F_MULTI:
                        raise Broken("a dump ended with %r" % p[:4])
                    done[seq] += 1
                elif done[seq] or fl != F_MULTI or p[:4] != genl(
                        CMD_TUNABLE_GET if dumps[seq] == "tdump" else CMD_SESSION_GET):
                    raise Broken("a dump message: flags %#x, header %s" % (fl, p[:4].hex()))
                elif dumps[seq] == "tdump":
                    entries[seq].append(self.tunable(p))
                else:
                    entries[seq].append(self.session(p))
                continue
            tok = ("reply" if t == self.fam and not fl else "dump" if t in (self.fam, NLMSG_DONE)
                   else "type %d flags %#x" % (t, fl))
            if t == NLMSG_ERROR:
                e = -struct.unpack_from("=i", p)[0] if len(p) >= 4 else None
                tok = "ack" if e == 0 else "EOPNOTSUPP" if e == errno.EOPNOTSUPP \
                    else errno.errorcode.get(e, "errno %s" % e)
            seen.append((seq, tok, fl, p))
        if [w[:2] for w in want] != [s[:2] for s in seen]:
            raise Broken("expected %s, got %s" % ([w[:2] for w in want], [s[:2] for s in seen]))
        for (seq, tok, msg), (_, _, fl, p) in zip(want, seen):
            if tok == "reply":
                self.reply(msg, p)
            else:
                self.error(fl, p, msg)
        for seq in dumps:
            ids = [i for i, _ in entries[seq]]
            if seq in refused:
                if done[seq] != 1 or ids:
                    raise Broken("a refused dump listed %s (ended %d times)" % (ids, done[seq]))
                continue
            if dumps[seq] == "tdump":
                if done[seq] != 1 or dict(entries[seq]) != self.tunables or \
                        len(entries[seq]) != len(self.tunables):
                    raise Broken("a tunable dump listed %r (ended %d times), not %r"
                                 % (entries[seq], done[seq], self.tunables))
                continue
            if done[seq] != 1 or sorted(ids) != sorted(self.sessions) or \
                    any(self.sessions[i] != s for i, s in entries[seq]):
                raise Broken("a dump listed %s (ended %d times), not the sessions %s as they were"
                             % (ids, done[seq], sorted(self.sessions)))

    def tunable(self, p):
        """A tunable's attributes, checked: (name, (value, min, max))."""
        a = {}
        for t, fl, d in attrs(p[4:]):
            if t == A_PAD:
                continue
            if t in a or fl or t not in (A_TUNABLE_NAME, A_TUNABLE_VALUE, A_TUNABLE_MIN,
                                         A_TUNABLE_MAX, A_TUNABLE_TEXT):
                raise Broken("tunable attribute %d repeated, unknown or flagged" % t)
            a[t] = d
        # a worded tunable also says its value's word, NUL-terminated
        text = a.pop(A_TUNABLE_TEXT, None)
        if text is not None and (text[-1:] != b"\0" or b"\0" in text[:-1] or len(text) < 2):
            raise Broken("a tunable's text: %r" % text)
        if len(a) != 4 or a[A_TUNABLE_NAME][-1:] != b"\0" or \
                any(len(a[t]) != 8 for t in (A_TUNABLE_VALUE, A_TUNABLE_MIN, A_TUNABLE_MAX)):
            raise Broken("tunable attributes: %r" % a)
        v = tuple(struct.unpack("=Q", a[t])[0] for t in (A_TUNABLE_VALUE, A_TUNABLE_MIN,
                                                         A_TUNABLE_MAX))
        if not v[1] <= v[0] <= v[2]:
            raise Broken("a tunable outside its range: %r" % (v,))
        return a[A_TUNABLE_NAME][:-1].decode("latin-1"), v

    def reply(self, msg, p):
        cmd = msg[16]
        if p[:4] != genl(cmd):
            raise Broken("a reply's genl header %s to command %d" % (p[:4].hex(), cmd))
        if cmd == CMD_TUNABLE_GET:
            name, v = self.tunable(p)
            want = tunable_attrs(msg[20:])[1].decode("latin-1")
            if name != want or self.tunables.get(name) != v:
                raise Broken("asked for tunable %r, got %r %r (was %r)"
                             % (want, name, v, self.tunables.get(want)))
            return
        if cmd == CMD_STATS_GET:
            c = self.counters(p)
            if c != self.stats:
                raise Broken("counters changed: %r, were %r" % (
                    {t: v for t, v in c.items() if self.stats[t] != v}, self.stats))
            return
        sid, s = self.session(p)
        if sid != request_attrs(msg[20:])[1] or self.sessions.get(sid) != s:
            raise Broken("asked for session %d, got %d: %r" % (
                request_attrs(msg[20:])[1], sid, s))

    def exchange(self, dg):
        exp = model(dg, self.fam, self.sessions, self.unpriv, self.tunables)
        self.judge(exp, self.send(dg, {seq for seq, _, _ in exp}))
        return exp if dg else [(None, "ENODATA", dg)]

    # -- the state at the start

    def correct(self, seq):
        """A correct STATS_GET with an ACK, then a correct dump."""
        return (nlmsg(self.fam, F_REQUEST | F_ACK, seq, genl(CMD_STATS_GET)) +
                nlmsg(self.fam, F_REQUEST | F_DUMP, seq + 1, genl(CMD_SESSION_GET)))

    def dump_slots(self, timeout):
        """Eight dumps at a time a namespace, EBUSY beyond; closing a socket mid-dump frees one."""
        dump = nlmsg(self.fam, F_REQUEST | F_DUMP, 3, genl(CMD_SESSION_GET))
        others = [socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
                  for _ in range(8)]
        for s in others:
            s.send(dump)        # unread, each dump holds its slot
        got = self.send(dump, {3})
        for s in others:
            s.close()
        if [(m[0], m[4][:4]) for m in got] != [(NLMSG_ERROR, struct.pack("=i", -errno.EBUSY))]:
            raise Broken("a ninth dump got %r, not EBUSY" % (got,))
        end = time.monotonic() + timeout
        while self.send(dump, {3})[0][0] == NLMSG_ERROR:    # freed by a work item
            if time.monotonic() > end:
                raise Broken("the slots of dumps closed unread never came back")
            time.sleep(0.05)

    def baseline(self):
        # every tunable, as anyone may read them (the fuzz changes none)
        self.tunables = {}
        for t, fl, seq, _, p in self.send(nlmsg(self.fam, F_REQUEST | F_DUMP, 7,
                                                genl(CMD_TUNABLE_GET)), {7}):
            if t == self.fam and fl & F_MULTI:
                name, v = self.tunable(p)
                self.tunables[name] = v
        if len(self.tunables) < 8:
            raise Broken("the tunable dump listed %r" % self.tunables)
        if self.unpriv:
            return
        self.sessions, self.stats = {}, None
        for t, fl, seq, _, p in self.send(self.correct(1), {1, 2}):
            if t == self.fam and fl & F_MULTI:
                sid, s = self.session(p)
                self.sessions[sid] = s
            elif t == self.fam and seq == 1:
                self.stats = self.counters(p)


def make_sessions(k):
    """k TCP connections and k UDP flows (both ways) on loopback, half IPv6: best effort."""
    keep = []
    for i in range(k):
        fam, host = (socket.AF_INET, "127.0.0.1") if i % 2 == 0 else (socket.AF_INET6, "::1")
        try:
            srv = socket.socket(fam, socket.SOCK_STREAM)
            keep.append(srv)
            srv.bind((host, 0))
            srv.listen(1)
            srv.settimeout(2)
            keep.append(socket.create_connection(srv.getsockname()[:2], timeout=2))
            keep.append(srv.accept()[0])
            a, b = socket.socket(fam, socket.SOCK_DGRAM), socket.socket(fam, socket.SOCK_DGRAM)
            keep += [a, b]
            a.bind((host, 0))
            b.bind((host, 0))
            b.settimeout(2)
            a.settimeout(2)
            a.sendto(b"x", b.getsockname())
            b.sendto(b"y", b.recvfrom(16)[1])
            a.recv(16)
        except OSError as e:
            print("nl_fuzz: session %d not made: %s" % (i, e))
    return keep


def snapshot():
    """Every readable /proc/forwarder file, proc_fuzz.py's way; sessions without ages."""
    snap = {n: proc_fuzz.read(n) for n in proc_fuzz.readable()}
    rows = proc_fuzz.read("sessions")
    if isinstance(rows, bytes):
        rows = [r.split() for r in rows.split(b"\n")]
        rows = b"\n".join(b" ".join(r[:9] + [b"-", b"-"] + r[11:]) for r in rows)
    snap["sessions"] = rows
    return snap


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sessions", type=int, default=0)
    ap.add_argument("--unprivileged", action="store_true",
                    help="without CAP_NET_ADMIN: every command must get EPERM")
    ap.add_argument("--timeout", type=float, default=20)
    ap.add_argument("--every", type=int, default=100,
                    help="check the state after every N datagrams (1 pins a change)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    t0 = time.monotonic()
    sockets = make_sessions(args.sessions)
    fam = dg = None
    i = 0
    try:
        fam = Family(args.unprivileged, args.timeout)
        # quiet first: what the sessions' own packets do must be over
        base, fam.stats = None, {}
        for _ in range(20):
            fam.baseline()
            now = (snapshot(), fam.sessions, fam.stats)
            if now == base:
                break
            base = now
            time.sleep(0.5)
        else:
            raise Broken("the state never settled before the fuzz")
        base = base[0]
        try:
            fam.sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, fam.events)
            if args.unprivileged:
                raise Broken("joined the events group without CAP_NET_ADMIN")
        except PermissionError:
            if not args.unprivileged:
                raise
        if fam.sessions:
            fam.dump_slots(args.timeout)
        print("nl_fuzz: seed %d, family %d, %d sessions%s, %d datagrams%s" % (
            args.seed, fam.fam, len(fam.sessions),
            " (8 dumps at a time, EBUSY beyond, slots freed on close)" if fam.sessions else "",
            args.messages, " without CAP_NET_ADMIN" if args.unprivileged else ""))
        counts, checks = Counter(), 0
        for i in range(args.messages):
            dg = fuzz_datagram(rng, fam.fam, sorted(fam.sessions), 1 + 8 * i)
            counts.update(v or "none" for _, v, _ in fam.exchange(dg))
            if i % args.every == args.every - 1 or i == args.messages - 1:
                dg = fam.correct(0x40000000 + i)
                want = ["EPERM"] * 2 if args.unprivileged else ["reply+ack", "dump"]
                if [v for _, v, _ in fam.exchange(dg)] != want:
                    raise Broken("the model no longer expects %s to a correct request" % want)
                now = snapshot()
                if now != base:
                    changed = [n for n in base if now.get(n) != base[n]]
                    raise Broken("/proc/forwarder changed since the check before (--every 1 "
                                 "pins the datagram): %s; before %r, after %r" % (changed, [
                                     base[n] for n in changed], [now.get(n) for n in changed]))
                checks += 1
    except (Broken, struct.error, KeyError, IndexError) as e:
        print("FAIL: datagram %d (seed %d): %s" % (
            i, args.seed, e if isinstance(e, Broken) else repr(e)))
        if dg is not None:
            print("datagram (%d bytes): %s" % (len(dg), dg.hex()))
        return 1
    took = time.monotonic() - t0
    print("nl_fuzz: seed %d, %d datagrams, %d messages in %.1f s: %s; %d checks: "
          "/proc/forwarder, sessions and counters unchanged, the socket in use throughout"
          % (args.seed, args.messages, sum(counts.values()), took,
             ", ".join("%s %d" % kv for kv in sorted(counts.items())), checks))
    for s in sockets:
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
