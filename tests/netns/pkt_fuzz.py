#!/usr/bin/env python3
"""Packet fuzzer for the netns tests: one process, one seed, raw frames.

  pkt_fuzz.py --ifname IF --dmac MAC --count N --seed S --ports P[,P...]
              --local4 A --peer4 A --local6 A --peer6 A

Sends N hostile frames out of IF (an AF_PACKET socket, so nothing of the
local stack fixes them up), each one of these kinds, picked at random:

  flags    a TCP segment with any of the 256 flag combinations
  doff     a TCP data offset from 0 to 15, whatever the segment's length
  trunc    an IPv4 or IPv6 payload cut inside its TCP or UDP header
  tcpopt   malformed and overlapping options: SACK blocks reversed or
           overlapping, timestamps and window scale of wrong lengths or
           values, MSS 0, option lengths of 0, 1 and past the header
  ipopt    IPv4 options (IHL 6 to 15) of random bytes
  frag4    IPv4 fragments: first fragments holding part of a TCP header,
           later ones at any offset, overlapping ones
  frag6    IPv6 fragment headers (any offset, M flag), and chains of
           extension headers
  icmp4    ICMP errors (unreachable of every code, fragmentation needed
           with MTUs from 0 to 65535, time exceeded, parameter problem)
           quoting a live or a random tuple, whole or cut short
  icmp6    ICMPv6 errors (packet too big, unreachable, time exceeded)
           quoting a random tuple (the splice is IPv4 only)
  udp      UDP with length fields shorter or longer than the datagram
  window   a plain segment of a live flow, sequence and acknowledgment
           numbers outside its window

Targets: the live TCP flows seen on IF (learned from the segments the local
stack sends past the handshake, on the same socket) with a port in --ports, and random tuples. Every segment aimed at a live
flow carries a sequence number 2^31 +- 2^29 from the flow's latest, and
every ICMP error quoting one quotes such a number: no TCP peer may accept
them, so a byte lost or a connection dropped is the forwarder's doing.
A tenth of the segments carry a wrong checksum. Prints how many frames of
each kind went out and how many were aimed at live flows; exit 0 once all
are sent.
"""
import argparse
import ctypes
import errno
import random
import socket
import struct
import sys
import time

from splice_tool import checksum as csum  # the Internet checksum, as the injector computes it

ETH_P_ALL = 0x0003
ETH_IP, ETH_IP6 = 0x0800, 0x86DD
KINDS = ("flags", "doff", "trunc", "tcpopt", "ipopt", "frag4", "frag6",
         "icmp4", "icmp6", "udp", "window")


class Fuzzer:
    def __init__(self, args):
        self.rng = random.Random(args.seed)
        self.args = args
        self.ports = {int(p) for p in args.ports.split(",")}
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.sock.bind((args.ifname, 0))
        self.filter_outgoing()
        self.sock.setblocking(False)
        self.smac = self.sock.getsockname()[4]
        self.dmac = bytes.fromhex(args.dmac.replace(":", ""))
        self.l4 = socket.inet_pton(socket.AF_INET, args.local4)
        self.p4 = socket.inet_pton(socket.AF_INET, args.peer4)
        self.l6 = socket.inet_pton(socket.AF_INET6, args.local6)
        self.p6 = socket.inet_pton(socket.AF_INET6, args.peer6)
        # (saddr, daddr, sport, dport) of a live IPv4 flow -> its sender's latest seq, ack
        self.flows = {}
        self.sent = dict.fromkeys(KINDS, 0)
        self.live = 0
        self.drains = 0
        self.full = 0  # sends that found the link's queue full, and waited

    # ---- learning the live flows -------------------------------------------------
    def filter_outgoing(self):
        """A classic BPF filter: only frames the local stack sends, cut to their
        first 96 bytes (the headers), so a fast transfer beside the fuzzer
        does not bury it in copies of its data."""
        insns = (
            (0x30, 0, 0, 0xFFFFF000 + 4),  # ldb [SKF_AD_OFF + SKF_AD_PKTTYPE]
            (0x15, 0, 1, socket.PACKET_OUTGOING),  # jeq #PACKET_OUTGOING
            (0x06, 0, 0, 96),  # ret #96
            (0x06, 0, 0, 0),  # ret #0
        )
        self.bpf = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *i) for i in insns))
        prog = struct.pack("HL", len(insns), ctypes.addressof(self.bpf))
        self.sock.setsockopt(socket.SOL_SOCKET, 26, prog)  # SO_ATTACH_FILTER

    def sniff(self):
        """Learn the live flows from what this namespace's own stack sends
        (PACKET_OUTGOING): its segments give their direction's latest
        sequence number and, in their ACK field, the other direction's. A
        frame from elsewhere could be a forgery (ours, forwarded back, or the
        other side's fuzzer's) and teach a number no peer has."""
        self.drains += 1
        while True:
            try:
                frame, addr = self.sock.recvfrom(2048)
            except BlockingIOError:
                break
            if addr[2] != socket.PACKET_OUTGOING or len(frame) < 54 or \
                    frame[12:14] != b"\x08\x00" or frame[23] != 6:
                continue
            if struct.unpack("!H", frame[20:22])[0] & 0x3FFF:  # a fragment
                continue
            ihl = (frame[14] & 0xF) * 4
            tcp = frame[14 + ihl:]
            if len(tcp) < 20:
                continue
            sport, dport, seq, ack = struct.unpack("!HHII", tcp[:12])
            if sport not in self.ports and dport not in self.ports:
                continue
            src, dst = frame[26:30], frame[30:34]
            keys = ((src, dst, sport, dport), (dst, src, dport, sport))
            if tcp[13] & 0x05:  # RST or FIN: the flow is ending
                for key in keys:
                    self.flows.pop(key, None)
                continue
            if tcp[13] & 0x02:
                # A handshake is not a live flow yet: a SYN from the peer's side
                # reaching an end still in SYN_SENT is a simultaneous open (RFC
                # 793), which the end's own TCP takes, whatever any forwarder does.
                continue
            self.flows[keys[0]] = (seq, ack, self.drains)
            if tcp[13] & 0x10:
                self.flows[keys[1]] = (ack, seq, self.drains)
        # Forget flows nothing was heard of lately (their end may have been missed).
        for key in [k for k, v in self.flows.items() if v[2] < self.drains - 32]:
            del self.flows[key]

    def live_flow(self):
        """A live flow's tuple and a sequence number no window holds, or None."""
        if not self.flows:
            return None
        key = self.rng.choice(list(self.flows))
        seq, ack, _ = self.flows[key]
        self.live += 1
        far = (seq + (1 << 31) + self.rng.randrange(-(1 << 29), 1 << 29)) & 0xFFFFFFFF
        return key, far, (ack + self.rng.randrange(1 << 32)) & 0xFFFFFFFF

    def random_tuple4(self):
        r = self.rng
        src = self.l4 if r.random() < 0.5 else bytes([10, r.randrange(256), r.randrange(256), 1 + r.randrange(254)])
        dst = self.p4 if r.random() < 0.5 else self.p4[:3] + bytes([1 + r.randrange(254)])
        return src, dst, r.randrange(1, 65536), r.randrange(1, 65536)

    def tuple4(self):
        """(src, dst, sport, dport, seq, ack): a live flow half the time."""
        live = self.live_flow() if self.rng.random() < 0.5 else None
        if live:
            (src, dst, sport, dport), seq, ack = live
            return src, dst, sport, dport, seq, ack
        return self.random_tuple4() + (self.rng.randrange(1 << 32), self.rng.randrange(1 << 32))

    # ---- building --------------------------------------------------------------
    def tcp(self, src, dst, sport, dport, seq, ack, flags, opts=b"", payload=b"", doff=None,
            pseudo=None):
        if len(opts) % 4:
            opts += b"\0" * (4 - len(opts) % 4)
        doff = (5 + len(opts) // 4) if doff is None else doff
        seg = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, (doff & 0xF) << 4, flags,
                          self.rng.randrange(65536), 0, self.rng.randrange(65536) if flags & 0x20 else 0)
        seg += opts + payload
        return self.l4sum(seg, 16, 6, src, dst, pseudo)

    def l4sum(self, seg, off, proto, src, dst, pseudo=None):
        if len(seg) < off + 2:
            return seg
        if pseudo is None:
            pseudo = src + dst + struct.pack("!BBH", 0, proto, len(seg)) if len(src) == 4 else \
                src + dst + struct.pack("!IxxxB", len(seg), proto)
        ck = csum(pseudo + seg[:off] + b"\0\0" + seg[off + 2:])
        if self.rng.random() < 0.1:
            ck ^= 1 + self.rng.randrange(0xFFFF)
        elif ck == 0 and proto == 17:
            ck = 0xFFFF  # a computed UDP checksum of 0 is sent as all ones
        return seg[:off] + struct.pack("!H", ck) + seg[off + 2:]

    def ip4(self, src, dst, proto, payload, opts=b"", frag=0x4000, ident=None):
        if len(opts) % 4:
            opts += b"\0" * (4 - len(opts) % 4)
        ihl = 5 + len(opts) // 4
        ident = self.rng.randrange(65536) if ident is None else ident
        hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, self.rng.choice((0, 0, 1, 2, 3)),
                          4 * ihl + len(payload), ident, frag, 64, proto, 0, src, dst) + opts
        hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
        return ETH_IP, hdr + payload

    def ip6(self, src, dst, nxt, payload):
        return ETH_IP6, struct.pack("!IHBB16s16s", 6 << 28, len(payload), nxt, 64, src, dst) + payload

    def opts(self):
        r = self.rng
        out = b""
        for _ in range(r.randrange(1, 6)):
            kind = r.choice((0, 1, 2, 3, 4, 5, 8, 30, 34, 254, r.randrange(256)))
            if kind in (0, 1):
                out += bytes([kind])
                continue
            if kind == 5:  # SACK: blocks reversed, overlapping, or of a wrong length
                base = r.randrange(1 << 32)
                blocks = b""
                for _ in range(r.randrange(5)):
                    a = (base + r.randrange(-(1 << 16), 1 << 16)) & 0xFFFFFFFF
                    b = (a + r.choice((0, 1, -1, 1448, -1448, 1 << 31))) & 0xFFFFFFFF
                    blocks += struct.pack("!II", a, b)
                body = blocks[:r.choice((len(blocks), len(blocks) - 1, len(blocks) + 3, 0))]
            elif kind == 8:
                body = struct.pack("!II", r.randrange(1 << 32), r.randrange(1 << 32))[:r.choice((8, 8, 7, 4, 0))]
            elif kind == 3:
                body = bytes([r.choice((0, 14, 15, 255))])[:r.choice((1, 1, 0))]
            elif kind == 2:
                body = struct.pack("!H", r.choice((0, 1, 536, 1460, 65535)))[:r.choice((2, 2, 1, 0))]
            else:
                body = bytes(r.randrange(256) for _ in range(r.randrange(12)))
            length = len(body) + 2
            length = r.choice((length, length, length, 0, 1, 255, length + 8))
            out += bytes([kind, length & 0xFF]) + body
        return out[:40]

    # ---- the kinds -------------------------------------------------------------
    def k_flags(self):
        src, dst, sp, dp, seq, ack = self.tuple4()
        payload = bytes(self.rng.randrange(256) for _ in range(self.rng.choice((0, 0, 1, 100))))
        flags = self.sent["flags"] % 256  # every combination, in turn
        return self.ip4(src, dst, 6, self.tcp(src, dst, sp, dp, seq, ack, flags, payload=payload))

    def k_window(self):
        live = self.live_flow()
        if not live:
            return self.k_flags()
        (src, dst, sp, dp), seq, ack = live
        flags = self.rng.choice((0x10, 0x18, 0x04, 0x14, 0x11, 0x02, 0x12))
        payload = b"x" * self.rng.choice((0, 1, 500))
        return self.ip4(src, dst, 6, self.tcp(src, dst, sp, dp, seq, ack, flags, payload=payload))

    def k_doff(self):
        src, dst, sp, dp, seq, ack = self.tuple4()
        extra = bytes(self.rng.randrange(256) for _ in range(self.rng.randrange(48)))
        seg = self.tcp(src, dst, sp, dp, seq, ack, self.rng.randrange(256), payload=extra,
                       doff=self.rng.randrange(16))
        return self.ip4(src, dst, 6, seg)

    def k_trunc(self):
        r = self.rng
        proto = r.choice((6, 17))
        src, dst, sp, dp, seq, ack = self.tuple4()
        full = self.tcp(src, dst, sp, dp, seq, ack, r.randrange(256), opts=self.opts()) if proto == 6 \
            else struct.pack("!HHHH", sp, dp, 8, 0)
        cut = full[:r.randrange(20 if proto == 6 else 8)]
        if r.random() < 0.3:
            return self.ip6(self.l6, self.p6, proto, cut)
        return self.ip4(src, dst, proto, cut)

    def k_tcpopt(self):
        src, dst, sp, dp, seq, ack = self.tuple4()
        flags = self.rng.choice((0x02, 0x12, 0x10, 0x18, self.rng.randrange(256)))
        return self.ip4(src, dst, 6, self.tcp(src, dst, sp, dp, seq, ack, flags, opts=self.opts()))

    def k_ipopt(self):
        r = self.rng
        src, dst, sp, dp, seq, ack = self.tuple4()
        opts = bytes(r.randrange(256) for _ in range(4 * r.randrange(1, 11)))
        return self.ip4(src, dst, 6, self.tcp(src, dst, sp, dp, seq, ack, r.randrange(256)), opts=opts)

    def k_frag4(self):
        r = self.rng
        src, dst, sp, dp, seq, ack = self.tuple4()
        seg = self.tcp(src, dst, sp, dp, seq, ack, r.randrange(256), opts=self.opts(),
                       payload=b"f" * r.randrange(64))
        off = r.choice((0, 0, 1, 2, 3, r.randrange(8192)))
        mf = r.choice((0x2000, 0x2000, 0))
        if off == 0:
            seg = seg[:8 * r.randrange(1, 4)]  # a first fragment with part of the header
        return self.ip4(src, dst, 6, seg, frag=mf | off, ident=r.randrange(4))

    def k_frag6(self):
        r = self.rng
        seg = self.tcp(self.l6, self.p6, r.randrange(65536), r.randrange(65536), r.randrange(1 << 32),
                       r.randrange(1 << 32), r.randrange(256), opts=self.opts())
        body, nxt = seg, 6
        for _ in range(r.randrange(1, 4)):
            ext = r.choice((0, 43, 44, 60))
            if ext == 44:  # fragment: any offset, M flag or not
                body = struct.pack("!BBHI", nxt, 0, (r.randrange(8192) << 3) | r.randrange(2),
                                   r.randrange(4)) + body[:r.choice((len(body), 8, 0))]
            else:
                hlen = r.randrange(2)
                body = struct.pack("!BB", nxt, hlen) + bytes(r.randrange(256) for _ in range(6 + 8 * hlen)) + body
            nxt = ext
        return self.ip6(self.l6, self.p6, nxt, body)

    def quoted4(self):
        """Who sent a packet, and its IP header and first bytes as an error quotes them."""
        r = self.rng
        live = self.live_flow() if r.random() < 0.6 else None
        if live:
            (src, dst, sp, dp), seq, _ = live
        else:
            src, dst, sp, dp = self.random_tuple4()
            seq = r.randrange(1 << 32)
        _, inner = self.ip4(src, dst, 6, struct.pack("!HHII", sp, dp, seq, r.randrange(1 << 32)) + b"\x50\x10" * 4)
        return src, inner[:r.choice((len(inner), len(inner), 28, 20, 12, 0))]

    def k_icmp4(self):
        r = self.rng
        target, quoted = self.quoted4()
        typ = r.choice((3, 3, 3, 11, 12))
        code = r.randrange(16) if typ == 3 else r.randrange(2)
        rest = struct.pack("!HH", 0, r.choice((0, 1, 68, 296, 552, 576, 1280, 1500, 65535, r.randrange(65536))))
        msg = struct.pack("!BBH", typ, code, 0) + rest + quoted
        msg = msg[:2] + struct.pack("!H", csum(msg)) + msg[4:]
        router = bytes([10, r.randrange(256), r.randrange(256), 1 + r.randrange(254)])
        return self.ip4(router, target, 1, msg)

    def k_icmp6(self):
        r = self.rng
        inner = struct.pack("!IHBB16s16s", 6 << 28, 20, 6, 64, self.p6, self.l6) + \
            struct.pack("!HHII", r.randrange(65536), r.randrange(65536), r.randrange(1 << 32), 0)
        inner = inner[:r.choice((len(inner), 40, 20, 0))]
        typ = r.choice((1, 2, 3))
        mtu = r.choice((0, 1279, 1280, 1500, r.randrange(1 << 32)))
        msg = struct.pack("!BBHI", typ, r.randrange(8), 0, mtu) + inner
        router = bytes([0xFD, 0, 9] + [r.randrange(256) for _ in range(13)])
        pseudo = router + self.p6 + struct.pack("!IxxxB", len(msg), 58)
        msg = msg[:2] + struct.pack("!H", csum(pseudo + msg)) + msg[4:]
        return self.ip6(router, self.p6, 58, msg)

    def k_udp(self):
        r = self.rng
        src, dst, sp, dp = self.random_tuple4()
        payload = bytes(r.randrange(256) for _ in range(r.randrange(32)))
        length = r.choice((0, 1, 7, 8, 8 + len(payload), 9 + len(payload), 65535))
        seg = self.l4sum(struct.pack("!HHHH", sp, dp, length, 0) + payload, 6, 17, src, dst)
        return self.ip4(src, dst, 17, seg)

    def send(self, frame):
        """Send one frame; when the link's queue is full (EAGAIN, or ENOBUFS
        from a veth whose peer's backlog is full), wait for it to drain."""
        for _ in range(1000):
            try:
                self.sock.send(frame)
                return
            except (BlockingIOError, OSError) as e:
                if e.errno not in (errno.EAGAIN, errno.ENOBUFS):
                    raise
                self.full += 1
                time.sleep(0.002)
        raise OSError(errno.ENOBUFS, "the link stayed full for 2 s")

    def run(self):
        for i in range(self.args.count):
            if i % 16 == 0:
                self.sniff()
            kind = self.rng.choice(KINDS)
            ethertype, packet = getattr(self, "k_" + kind)()
            frame = self.dmac + self.smac + struct.pack("!H", ethertype) + packet
            self.send(frame[:1514])
            self.sent[kind] += 1
        print("pkt_fuzz: seed %d, %d frames on %s, %d aimed at live flows (%d seen), %d waits"
              " for a full link: %s" %
              (self.args.seed, self.args.count, self.args.ifname, self.live, len(self.flows),
               self.full, " ".join("%s %d" % kv for kv in self.sent.items())))
        return 0


def main():
    p = argparse.ArgumentParser()
    for opt in ("--ifname", "--dmac", "--ports", "--local4", "--peer4", "--local6", "--peer6"):
        p.add_argument(opt, required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--seed", type=int, required=True)
    return Fuzzer(p.parse_args()).run()


if __name__ == "__main__":
    sys.exit(main())
