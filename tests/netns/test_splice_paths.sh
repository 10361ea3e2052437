#!/bin/bash
# Spliced transfers over awkward paths, each checked byte for byte: loss,
# reordering and duplication on both sides (SACK and retransmissions through
# the translation), different window scales on client and server, a smaller
# MTU on the server side, timestamps off on both sides; and splices where
# only one side has timestamps, SACK or ECN are refused. (A small link beyond
# the forwarder: test_splice_icmp.)
. "$(dirname "$0")/lib.sh"
require_cmd socat python3 tc
tool=$FWD_TOP/tests/netns/splice_tool.py
L=$FWD_LOGDIR
bytes=$(scaled 10000000)

setup_topology || exit 1
load_forwarder || finish
srv socat -t 30 TCP-LISTEN:9000,fork,reuseaddr EXEC:cat &
defer "kill $!"
wait_listener "$NS_SRV" t 9000 || finish

port=8200
# echo_through NAME [HANDOFF FLAGS]: one spliced echo (10 MB, a tenth on the debug kernel) through a fresh minimal listener.
echo_through() {
	port=$((port + 1))
	fwd python3 -S "$tool" handoff --port $port --server $SRV_IP4:9000 "${@:2}" > "$L/paths.$port" 2>&1 &
	local h=$!
	wait_listener "$NS_FWD" t $port || return 1
	if ! cli python3 -S "$tool" client --connect $FWD_CLI_IP4:$port --bytes $bytes --seed $port; then
		fail "$1: $((bytes / 1000000)) MB each way intact"
		splice_state "$port"
	else
		log "ok: $1: $((bytes / 1000000)) MB each way intact"
	fi
	wait $h
	expect_eq "$1: spliced" "handoff ok" "$(cat "$L/paths.$port")"
}

# Loss, reordering, duplication and delay on both the client and the server side.
cli tc qdisc add dev c0 root netem delay 2ms loss 1% duplicate 1% reorder 10% 50%
srv tc qdisc add dev s0 root netem delay 2ms loss 1% duplicate 1% reorder 10% 50%
echo_through "lossy, reordering, duplicating paths"
# The counters of the client's own stack, for the log: the paths really were lossy.
log "client stack: $(cli awk '/^TcpExt:/ { if (!h) { split($0, k); h = 1 } else { split($0, v); for (i in k) if (k[i] ~ /^(TCPSACKRecovery|TCPLostRetransmit|TCPDSACKRecv|TCPOFOQueue)$/) printf "%s %s ", k[i], v[i] } }' /proc/net/netstat)"
cli tc qdisc del dev c0 root
srv tc qdisc del dev s0 root

# Window-scale mismatch: a small receive buffer on the client, a large one on the server.
cli sysctl -qw net.ipv4.tcp_rmem="4096 65536 131072"
srv sysctl -qw net.ipv4.tcp_rmem="4096 131072 33554432"
echo_through "window scale mismatch"
scales=$(sed -n "s/.*local $FWD_CLI_IP4:$port .* wscale \([0-9]*\)>[0-9]*\/\([0-9]*\)>.*/\1 \2/p" $FWD_PROC/show)
read -r client_shift server_shift <<<"$scales"
check "client and server scale differently ($client_shift vs $server_shift)" \
	test -n "$client_shift" -a "$client_shift" != "$server_shift"
cli sysctl -qw net.ipv4.tcp_rmem="4096 131072 6291456"
srv sysctl -qw net.ipv4.tcp_rmem="4096 131072 6291456"

# A smaller MTU between the forwarder and the server: the server announces a
# smaller MSS, and the splice cuts the client's segments to it.
fwd ip link set f1 mtu 1280
srv ip link set s0 mtu 1280
echo_through "MTU 1280 on the server side"
# A server that announces the MSS of a 1500-byte link (advmss) on that path:
# the client's segments fit its MSS but not the path, and the splice answers
# them with ICMP fragmentation-needed, so the client's path MTU discovery
# works across it.
srv ip route replace ${FWD_SRV_IP4%.*}.0/24 dev s0 proto kernel scope link src $SRV_IP4 advmss 1460
unreachables() { cli awk '/^Icmp:/ { if (!h) { split($0, k); h = 1 } else { split($0, v); for (i in k) if (k[i] == "InDestUnreachs") print v[i] } }' /proc/net/snmp; }
cli ip route flush cache	# forget the path MTU the client learned just now
before=$(unreachables)
echo_through "MTU 1280 on the server side, no MSS clamp (PMTU discovery)" --no-mss-clamp
after=$(unreachables)
check "the client got fragmentation-needed ($before -> $after)" test "$after" -gt "$before"
srv ip route replace ${FWD_SRV_IP4%.*}.0/24 dev s0 proto kernel scope link src $SRV_IP4
fwd ip link set f1 mtu 1500
srv ip link set s0 mtu 1500

# No timestamps anywhere.
cli sysctl -qw net.ipv4.tcp_timestamps=0
srv sysctl -qw net.ipv4.tcp_timestamps=0
echo_through "timestamps off on both sides"

# refused_through WHAT: a hand-off of connections that negotiated differently is refused.
# No greeting: the client waits for one and so cannot half-close its side
# before the write (that would be refused with ENOTCONN first).
refused_through() {
	port=$((port + 1))
	fwd python3 -S "$tool" handoff --port $port --server $SRV_IP4:9000 --no-greeting > "$L/paths.$port" 2>&1 &
	local h=$!
	wait_listener "$NS_FWD" t $port
	cli python3 -S "$tool" client --connect $FWD_CLI_IP4:$port --bytes 1000 > /dev/null 2>&1
	wait $h
	expect_eq "$1 refused" "handoff failed ENOTSUP" "$(cat "$L/paths.$port")"
}

# Timestamps on one side only: refused, the listener must relay itself.
srv sysctl -qw net.ipv4.tcp_timestamps=1
refused_through "one-sided timestamps"
cli sysctl -qw net.ipv4.tcp_timestamps=1
# SACK on the server's connection only: SACK blocks would reach a client that never offered it.
cli sysctl -qw net.ipv4.tcp_sack=0
refused_through "one-sided SACK"
cli sysctl -qw net.ipv4.tcp_sack=1
# ECN on the client's connection only (the forwarder accepts ECN, does not ask for it).
cli sysctl -qw net.ipv4.tcp_ecn=1
refused_through "one-sided ECN"
finish
