#!/bin/bash
# Splice throughput benchmark (prints figures, judges nothing). Run as root
# inside the VM; every configuration in the same boot, alternated, 3 runs:
#   tests/vm/run.sh -k stock -- bench/splice_bench.sh
#
# iperf3 from the client namespace to the server namespace, 1 and 8 streams:
#   route    plain routing through the forwarder namespace (the limit)
#   splice   through two TCP connections spliced by forwarder.ko
#   haproxy  HAProxy in the forwarder namespace, mode tcp, option splice-auto
#   socat    socat relaying in the forwarder namespace
# Output: "name streams run1 run2 run3" in Mbit/s.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tests/netns/lib.sh"
require_cmd iperf3 socat python3
SECS=${BENCH_SECS:-10}
tool=$FWD_TOP/tests/netns/splice_tool.py

setup_topology || exit 1
load_forwarder || exit 1
srv iperf3 -s -D >/dev/null 2>&1
wait_listener "$NS_SRV" t 5201 || exit 1

fwd socat TCP-LISTEN:8500,fork,reuseaddr TCP:$SRV_IP4:5201 &
defer "kill $!"
have_haproxy=0
if command -v haproxy >/dev/null; then
	cfg=$(mktemp)
	cat > "$cfg" <<EOC
global
	maxconn 1000
defaults
	mode tcp
	timeout connect 5s
	timeout client 60s
	timeout server 60s
	option splice-auto
listen bench
	bind $FWD_CLI_IP4:8400
	server s $SRV_IP4:5201
EOC
	fwd haproxy -f "$cfg" -D -p "$cfg.pid" && have_haproxy=1
	defer "kill \$(cat $cfg.pid)"
fi

mbps() {	# mbps HOST PORT STREAMS: receiver-side Mbit/s of one iperf3 run
	cli iperf3 -c "$1" -p "$2" -P "$3" -t "$SECS" -J 2>/dev/null |
		python3 -c 'import json,sys
try: print(round(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))
except Exception: print(0)'
}

splice_mbps() {	# a minimal listener hands iperf3's control and data connections to the kernel
	local port=$((8300 + RANDOM % 100)) h
	fwd python3 "$tool" handoff --port $port --server $SRV_IP4:5201 --count $(($1 + 1)) \
		--no-greeting --no-wait > /dev/null 2>&1 &
	h=$!
	wait_listener "$NS_FWD" t $port >/dev/null || { echo 0; return; }
	mbps $FWD_CLI_IP4 $port "$1"
	kill $h 2>/dev/null
	wait $h 2>/dev/null
}

for streams in 1 8; do
	declare -A runs=()
	for i in 1 2 3; do
		runs[route]+=" $(mbps $SRV_IP4 5201 $streams)"
		runs[splice]+=" $(splice_mbps $streams)"
		[ $have_haproxy = 1 ] && runs[haproxy]+=" $(mbps $FWD_CLI_IP4 8400 $streams)"
		runs[socat]+=" $(mbps $FWD_CLI_IP4 8500 $streams)"
	done
	for k in route splice haproxy socat; do
		[ -n "${runs[$k]:-}" ] && echo "$k $streams${runs[$k]}"
	done
	unset runs
done
echo "splice_installed $(fwd awk '$1 == "installed" {print $2}' /proc/forwarder/splice_stats)"
exit 0
