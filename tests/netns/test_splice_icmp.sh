#!/bin/bash
# ICMP errors about spliced connections, on paths with a router beyond the
# forwarder.
# Path MTU discovery (RFC 1191), the small link (1280 bytes) beyond the
# forwarder: the router's fragmentation-needed quotes a segment the splice
# forwarded, in our socket's sequence space but beyond what the frozen socket
# itself sent, so only the splice can act on it. Each transfer starts with a
# small exchange (so the first forwarded segments fit), then moves 10 MB each
# way (a tenth on the debug kernel) byte-exact, on a path whose small link is
# on the server's side, then on the client's side; the splice counts the ICMP
# it acted on.
# A failed path: once the router has no way to the server, its host
# unreachable about a forwarded segment is relayed to the client, quoting the
# client's own segment, so a client with IP_RECVERR sees EHOSTUNREACH at once
# instead of retransmitting until tcp_retries2 runs out.
#
#   NS_CFAR u0 --- q0 NS_CLI c0 --- f0 NS_FWD f1 --- s0 NS_SRV r0 --- t0 NS_FAR
#   10.0.4.2  mtu 1280                                      mtu 1280   10.0.3.2
. "$(dirname "$0")/lib.sh"
require_cmd socat python3
tool=$FWD_TOP/tests/netns/splice_tool.py
L=$FWD_LOGDIR
bytes=$(scaled 10000000)

setup_topology || exit 1
new_ns NS_FAR && new_ns NS_CFAR || exit 1
ip -batch - <<-EOF || exit 1
	link add r0 netns $NS_SRV mtu 1280 type veth peer name t0 netns $NS_FAR mtu 1280
	link add q0 netns $NS_CLI mtu 1280 type veth peer name u0 netns $NS_CFAR mtu 1280
EOF
# far_link ROUTER RDEV FAR FDEV NET: NET.1 on the router's side, NET.2 beyond it, routed back.
# The far host announces the MSS of a 1500-byte link (advmss), as a host on a
# larger link than one beyond it would: the splice then has no reason to cut
# the segments for it, and only the router's ICMP tells of the small link.
far_link() {
	ip -n "$1" -batch - <<-EOF || return 1
		addr add $5.1/24 dev $2
		link set $2 up
	EOF
	ip -n "$3" -batch - <<-EOF
		link set lo up
		addr add $5.2/24 dev $4
		link set $4 up
		route add default via $5.1 advmss 1460
	EOF
}
far_link "$NS_SRV" r0 "$NS_FAR" t0 10.0.3 || exit 1
far_link "$NS_CLI" q0 "$NS_CFAR" u0 10.0.4 || exit 1
ip -n "$NS_FWD" -batch - <<-EOF || exit 1
	route add 10.0.3.0/24 via $SRV_IP4
	route add 10.0.4.0/24 via $CLI_IP4
EOF
srv sysctl -qw net.ipv4.ip_forward=1
cli sysctl -qw net.ipv4.ip_forward=1

load_forwarder || finish
pmtu_count() { awk '$1 == "icmp_pmtu" { print $2 }' $FWD_PROC/splice_stats; }

port=8500
# through NAME CLIENT_NS SERVER_NS SERVER_IP: one spliced echo through a fresh minimal listener.
through() {
	local name=$1 cns=$2 sns=$3 sip=$4 before
	port=$((port + 1))
	ip netns exec "$sns" socat -t 30 TCP-LISTEN:$port,reuseaddr EXEC:cat &
	defer "kill $!"
	wait_listener "$sns" t $port || return 1
	fwd python3 -S "$tool" handoff --port $port --server "$sip:$port" > "$L/pmtu.$port" 2>&1 &
	local h=$!
	wait_listener "$NS_FWD" t $port || return 1
	before=$(pmtu_count)
	if ! ip netns exec "$cns" python3 -S "$tool" client --connect $FWD_CLI_IP4:$port \
		--first 100 --bytes "$bytes" --seed $port; then
		fail "$name: $((bytes / 1000000)) MB each way intact"
		splice_state $port
	else
		log "ok: $name: $((bytes / 1000000)) MB each way intact"
	fi
	wait $h
	expect_eq "$name: spliced" "handoff ok" "$(cat "$L/pmtu.$port")"
	check "$name: the router's fragmentation-needed acted on ($before -> $(pmtu_count))" \
		test "$(pmtu_count)" -gt "$before"
}

through "1280-byte link beyond the forwarder, server side" "$NS_CLI" "$NS_FAR" 10.0.3.2
through "1280-byte link beyond the forwarder, client side" "$NS_CFAR" "$NS_SRV" $SRV_IP4

relayed_count() { awk '$1 == "icmp_relayed" { print $2 }' $FWD_PROC/splice_stats; }
port=$((port + 1))
ip netns exec "$NS_FAR" socat -t 30 TCP-LISTEN:$port,reuseaddr EXEC:cat &
defer "kill $!"
wait_listener "$NS_FAR" t $port || finish
fwd python3 -S "$tool" handoff --port $port --server "10.0.3.2:$port" > "$L/unreach.handoff" 2>&1 &
defer "kill $!"
wait_listener "$NS_FWD" t $port || finish
cli python3 -S "$tool" peer --connect $FWD_CLI_IP4:$port --greeting --go "$L/unreach.go" \
	--send 1000 --recverr --expect unreachable --timeout 60 > "$L/unreach.client" 2>&1 &
client=$!
_spliced() { grep -q "handoff" "$L/unreach.handoff"; }
check "server path: spliced" wait_until 60 _spliced
expect_eq "server path: hand-off" "handoff ok" "$(cat "$L/unreach.handoff")"
before=$(relayed_count)
# The router loses its way to the server: it answers host unreachable.
ip -n "$NS_SRV" route add unreachable 10.0.3.2/32
touch "$L/unreach.go"
wait $client
expect_eq "server path gone: the client is told host unreachable" "event unreachable" \
	"$(tail -n 1 "$L/unreach.client")"
check "server path gone: the router's error relayed ($before -> $(relayed_count))" \
	test "$(relayed_count)" -gt "$before"
finish
