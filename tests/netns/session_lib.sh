#!/bin/bash
# Helpers shared by the session manager's netns tests (source after lib.sh).

# fstat NAME: a counter from the forwarder namespace's /proc/forwarder/stats.
fstat() {
	local k v
	while read -r k v; do [ "$k" = "$1" ] && { echo "$v"; return; }; done < "$FWD_PROC/stats"
}

# fset NAME VALUE: write a tunable in the forwarder namespace.
fset() { fwd bash -c "echo $2 > /proc/forwarder/$1"; }

# sessions_match ERE: some line of the forwarder's session table matches.
sessions_match() { grep -Eq -- "$1" $FWD_PROC/sessions; }

# sessions_count ERE: how many lines match.
sessions_count() { grep -Ec -- "$1" $FWD_PROC/sessions; }

stat_ge() { [ "$(fstat "$1")" -ge "$2" ]; }

# A TCP connection client -> server:PORT that the test drives: data written to
# fd 5 goes to the server, which appends what it receives to $RECV; closing fd
# 5 closes the connection normally (FIN both ways).
#   open_conn IP PORT   (sets RECV and CONN_FIFO)
open_conn() {
	local ip=$1 port=$2 dir
	dir=$(mktemp -d)
	defer rm -rf "$dir"
	RECV=$dir/recv
	CONN_FIFO=$dir/fifo
	mkfifo "$CONN_FIFO"
	: > "$RECV"
	local v=4
	if [[ $ip == *:* ]]; then v=6 ip="[$ip]"; fi
	srv socat -u "TCP$v-LISTEN:$port,reuseaddr" "OPEN:$RECV,append" &
	defer kill $! 2>/dev/null
	wait_listener "$NS_SRV" t "$port" || return 1
	cli socat -u "PIPE:$CONN_FIFO" "TCP$v:$ip:$port" &
	CONN_PID=$!
	defer kill $CONN_PID 2>/dev/null
	exec 5>"$CONN_FIFO"
}

received() { grep -q "$1" "$RECV"; }

# conn_port IP PORT: the client port of the tracked TCP session to IP:PORT.
conn_port() {
	awk -v c=$CLI_IP4 -v s="$1" -v p="$2" \
		'$1 == "tcp" && $3 == c && $5 == s && $6 == p { print $4 }' $FWD_PROC/sessions
}

# send_bulk WHEN SECS: 256 KB more over open_conn's connection, all of it at
# the server within SECS seconds, byte-exact; WHEN starts each check's name.
send_bulk() {
	local bulk want
	bulk=$(mktemp)
	defer rm -f "$bulk"
	head -c 262144 /dev/urandom > "$bulk"
	want=$(($(stat -c %s "$RECV") + 262144))
	cat "$bulk" >&5
	check "$1: established connection carries 256 KB" \
		wait_until "$2" eval '[ $(stat -c %s "$RECV") -ge $want ]'
	expect_eq "$1: bytes intact (sha256)" \
		"$(sha256sum < "$bulk" | cut -d' ' -f1)" \
		"$(tail -c 262144 "$RECV" | sha256sum | cut -d' ' -f1)"
}

# raw_flood NS MODE N DST DPORT [SRC SPORT]: N crafted IPv4 packets sent from
# namespace NS by ONE python3 -S process over a raw socket (struct-built,
# checksums right; scapy's import alone costs seconds).
#   syn  SYNs from SRC (default 10.0.1.2), source ports 10000 + i
#   ack  bare ACKs, random sources (10.100-227.x.y) and ports, random seq/ack
#   udp  8-byte datagrams, random sources and ports
#   rst  RSTs from SRC:SPORT, random seq (half of them with ACK, random ack)
#   fin  FIN+ACKs from SRC:SPORT, random seq and ack
raw_flood() {
	local ns=$1
	shift
	ip netns exec "$ns" python3 -S - "$@" <<-'PY'
	import random, socket, struct, sys
	mode, n, dst, dport = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
	src = sys.argv[5] if len(sys.argv) > 5 else "10.0.1.2"
	sport = int(sys.argv[6]) if len(sys.argv) > 6 else 0
	def csum(b):
	    if len(b) % 2:
	        b += b"\0"
	    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
	    while s >> 16:
	        s = (s & 0xffff) + (s >> 16)
	    return ~s & 0xffff
	def packet(saddr, sp, proto, l4):
	    sa, da = socket.inet_aton(saddr), socket.inet_aton(dst)
	    ck = csum(sa + da + struct.pack("!BBH", 0, proto, len(l4)) + l4)
	    off = 16 if proto == 6 else 6
	    l4 = l4[:off] + struct.pack("!H", ck) + l4[off + 2:]
	    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), random.getrandbits(16),
	                     0, 64, proto, 0, sa, da)
	    return ip + l4
	def tcp(sp, seq, ack, flags):
	    return struct.pack("!HHIIBBHHH", sp, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
	r = random.getrandbits
	out = []
	for i in range(n):
	    rsrc = "10.%d.%d.%d" % (100 + r(7), r(8), 1 + r(7))
	    if mode == "syn":
	        out.append(packet(src, 10000 + i, 6, tcp(10000 + i, i, 0, 0x02)))
	    elif mode == "ack":
	        p = 1024 + r(15)
	        out.append(packet(rsrc, p, 6, tcp(p, r(32), r(32), 0x10)))
	    elif mode == "udp":
	        p = 1024 + r(15)
	        out.append(packet(rsrc, p, 17, struct.pack("!HHHH", p, dport, 16, 0) + b"flood!!!"))
	    elif mode == "rst":
	        out.append(packet(src, sport, 6, tcp(sport, r(32), r(32) if i % 2 else 0,
	                                             0x14 if i % 2 else 0x04)))
	    elif mode == "fin":
	        out.append(packet(src, sport, 6, tcp(sport, r(32), r(32), 0x11)))
	s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
	for p in out:
	    s.sendto(p, (dst, 0))
	PY
}
