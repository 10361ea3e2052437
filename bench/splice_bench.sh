#!/bin/bash
# TCP benchmarks (prints figures, judges nothing). Run as root inside the VM;
# every configuration in the same boot, alternated run by run:
#   tests/vm/run.sh -k stock -- bench/splice_bench.sh
#
# Throughput, iperf3 client -> server namespace, 1 and 8 streams (tput_*):
#   route    plain routing through the forwarder namespace (the limit)
#   splice   two TCP connections spliced by forwarder.ko (splice_tool.py
#            hands iperf3's connections to the kernel)
#   haproxy  HAProxy in the forwarder namespace, mode tcp, option splice-auto
#   socat    socat relaying in the forwarder namespace
# Through fwd-listener itself, bench_tool.py bulk (lst_*): splice (hand-off)
# against the listener's own userspace relay (--no-handoff).
# Connections/s of 64-byte request/response through fwd-listener (hand-off
# included) and HAProxy (cps_*); round-trip latency of 64-byte
# request/response over a spliced, relayed and routed connection (rr_*, µs).
# Output: "key run1 run2 ..." lines; "info ..." lines are context.
# Env: BENCH_SECS (default 10), BENCH_RUNS (default 3).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tests/netns/lib.sh"
require_cmd iperf3 socat python3
SECS=${BENCH_SECS:-10}
RUNS=${BENCH_RUNS:-3}
CPS_SECS=${BENCH_CPS_SECS:-5}
tool=$FWD_TOP/tests/netns/splice_tool.py
bt=$here/bench_tool.py
lt=$FWD_TOP/userspace/listener/tests/lt.py
listener=$FWD_BUILD/userspace/listener/fwd-listener
tmp=$(mktemp -d)
defer "rm -rf $tmp"

setup_topology || exit 1
load_forwarder || exit 1
srv iperf3 -s -D >/dev/null 2>&1
srv python3 "$bt" sink 9000 >/dev/null 2>&1 &
defer "kill $!"
srv python3 "$lt" echo-server "$SRV_IP4" 7 >/dev/null 2>&1 &
defer "kill $!"
for p in 5201 9000 7; do wait_listener "$NS_SRV" t $p || exit 1; done

fwd socat TCP-LISTEN:8500,fork,reuseaddr TCP:$SRV_IP4:5201 2>/dev/null &
defer "kill $!"
have_haproxy=0
if command -v haproxy >/dev/null; then
	cat > "$tmp/haproxy.cfg" <<EOC
global
	maxconn 2000
defaults
	mode tcp
	timeout connect 5s
	timeout client 60s
	timeout server 60s
	option splice-auto
listen iperf
	bind $FWD_CLI_IP4:8400
	server s $SRV_IP4:5201
listen echo
	bind $FWD_CLI_IP4:8401
	server s $SRV_IP4:7
EOC
	fwd haproxy -f "$tmp/haproxy.cfg" -D -p "$tmp/haproxy.pid" && have_haproxy=1
	defer "kill \$(cat $tmp/haproxy.pid)"
	echo "info haproxy $(haproxy -v | head -1)"
fi
# The relaying listener first: the last --port written to listen_port is the
# splicing one's.
fwd "$listener" -q -p 1081 --no-handoff -a "10.0.2.0/24 *" -s "$tmp/relay.stats" &
defer "kill $!"
fwd "$listener" -q -p 1080 -a "10.0.2.0/24 *" -s "$tmp/splice.stats" &
defer "kill $!"
for p in 1080 1081 8400 8401 8500; do wait_listener "$NS_FWD" t $p || exit 1; done

mbps() {	# mbps HOST PORT STREAMS: receiver-side Mbit/s of one iperf3 run
	cli iperf3 -c "$1" -p "$2" -P "$3" -t "$SECS" -J 2>/dev/null |
		python3 -c 'import json,sys
try: print(round(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))
except Exception: print(0)'
}

splice_mbps() {	# a minimal listener hands iperf3's control and data connections to the kernel
	local port=$((8300 + RANDOM % 100)) h
	fwd python3 "$tool" handoff --port $port --server $SRV_IP4:5201 --count $(($1 + 1)) \
		--no-greeting --no-wait > "$tmp/handoff.out" 2>&1 &
	h=$!
	wait_listener "$NS_FWD" t $port >/dev/null || { echo 0; return; }
	mbps $FWD_CLI_IP4 $port "$1"
	kill $h 2>/dev/null
	wait $h 2>/dev/null
	grep -vc 'handoff ok' "$tmp/handoff.out" | sed 's/^/info splice_tool_failed_handoffs /' >&2
}

first() { awk '{print $1; exit}'; }

declare -A runs=()
add() { runs[$1]+=" $2"; }
for i in $(seq "$RUNS"); do
	for s in 1 8; do
		add tput_route_$s "$(mbps $SRV_IP4 5201 $s)"
		add tput_splice_$s "$(splice_mbps $s)"
		[ $have_haproxy = 1 ] && add tput_haproxy_$s "$(mbps $FWD_CLI_IP4 8400 $s)"
		add tput_socat_$s "$(mbps $FWD_CLI_IP4 8500 $s)"
		for l in splice:1080 relay:1081; do
			add lst_${l%:*}_$s "$(cli python3 "$bt" bulk --connect $FWD_CLI_IP4:${l#*:} \
				--dest $SRV_IP4:9000 --secs "$SECS" --streams $s 2>/dev/null | first)"
		done
	done
	add cps_listener "$(cli python3 "$bt" cps --connect $FWD_CLI_IP4:1080 --dest $SRV_IP4:7 \
		--secs "$CPS_SECS" 2>/dev/null | first)"
	[ $have_haproxy = 1 ] && add cps_haproxy "$(cli python3 "$bt" cps --connect $FWD_CLI_IP4:8401 \
		--secs "$CPS_SECS" 2>/dev/null | first)"
	for c in route:$SRV_IP4:7: splice:$FWD_CLI_IP4:1080:$SRV_IP4:7 relay:$FWD_CLI_IP4:1081:$SRV_IP4:7; do
		IFS=: read -r name host port dest <<<"$c"
		r=$(cli python3 "$bt" rr --connect $host:$port ${dest:+--dest $dest} 2>/dev/null)
		add rr_$name "${r%% *}"
		add rr90_$name "${r##* }"
	done
done
for k in $(printf '%s\n' "${!runs[@]}" | sort); do
	echo "$k${runs[$k]}"
done
echo "info splice_stats $(fwd cat /proc/forwarder/splice_stats 2>/dev/null | tr '\n' ' ')"
sleep 1.5	# the listeners rewrite their counters every second
echo "info listener_splice $(tr '\n' ' ' < "$tmp/splice.stats")"
echo "info listener_relay $(tr '\n' ' ' < "$tmp/relay.stats")"
exit 0
