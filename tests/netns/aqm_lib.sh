#!/bin/bash
# Helpers shared by the rate-group (AQM) netns tests (source after lib.sh).

# gcmd COMMAND: one write of COMMAND to the forwarder namespace's
# /proc/forwarder/groups; on failure prints the errno text and fails.
gcmd() { fwd_write groups "$1"; }

# gfield ID KEY: a value from group ID's line (key value pairs).
gfield() {
	awk -v id="$1" -v k="$2" '$1 == id { for (i = 2; i < NF; i++) if ($i == k) { print $(i + 1); exit } }' \
		$FWD_PROC/groups
}

# gline ID: group ID's line; lfield LINE KEY: a value from such a line.
gline() { awk -v id="$1" '$1 == id' $FWD_PROC/groups; }
lfield() {
	awk -v k="$2" '{ for (i = 2; i < NF; i++) if ($i == k) { print $(i + 1); exit } }' <<<"$1"
}

gfield_ge() { [ "$(gfield "$1" "$2")" -ge "$3" ]; }

# Start an iperf3 server in the server namespace on PORT (default 5201).
iperf_server() {
	local port=${1:-5201}
	srv iperf3 -s -p "$port" -D --logfile "$FWD_LOGDIR/iperf3-server-$port.log" ||
		{ fail "iperf3 server"; return 1; }
	defer "ip netns exec $NS_SRV pkill -f 'iperf3 -s -p $port'"
	wait_listener "$NS_SRV" t "$port"
}

# iperf_bps OUT SECONDS [iperf3 client options...]: run a client from the
# client namespace to the server (IPv4), JSON to OUT; prints the goodput the
# receiver saw, in bit/s. On the debug kernel, which judges no rate (see
# rate_ok), at most 4 s.
iperf_bps() {
	local out=$1 secs=$2
	shift 2
	if debug_kernel && [ "$secs" -gt 4 ]; then secs=4; fi
	cli iperf3 -c $SRV_IP4 -t "$secs" -J "$@" > "$out" 2>&1
	python3 -S -c 'import json, sys
d = json.load(open(sys.argv[1]))
e = d["end"]
s = e.get("sum_received") or e["sum"]
print(int(s["bits_per_second"]))' "$out" 2>/dev/null || echo 0
}

# The rate groups limit IP bytes; TCP with timestamps carries 1448 payload
# bytes in a 1500-byte IP packet, so the goodput of RATE bit/s of IP is:
goodput_of() { echo $(($1 * 1448 / 1500)); }

# within PCT EXPECTED ACTUAL
within() {
	awk -v p="$1" -v e="$2" -v a="$3" 'BEGIN { d = a - e; if (d < 0) d = -d; exit !(d <= e * p / 100) }'
}

# measure_capacity [PORT]: the unshaped goodput of the path (2 s, to an
# iperf3 server on PORT that no group limits), for rate_ok.
measure_capacity() {
	_aqm_capacity=$(iperf_bps "$FWD_LOGDIR/capacity.json" 2 -p "${1:-5201}")
	log "unshaped capacity: $_aqm_capacity bit/s"
	# 0 is iperf3 failing (its output is in capacity.json), on any kernel.
	check "the unshaped path carries data ($_aqm_capacity bit/s)" test "$_aqm_capacity" -gt 0
}

# On the stock kernel every rate is judged from above: a group never lets
# more through than its rate (and burst), however fast or slow the machine.
# From below, rates up to 10 Mbit/s are judged always: a stock VM under TCG
# carries many times that (the path must carry AQM_HEADROOM times the rate
# unshaped, measure_capacity, or the check fails with the figure). Faster
# rates are judged from below where the path carries 15 times the rate, and
# say so where it does not (at 3.5 times, 200 Mbit/s shaped reached 88.8%:
# the CPU, not the group, sets the pace). The debug kernel judges no rate:
# under KASAN in TCG the CPU sets the pace; its kernel log is what that run
# checks.
AQM_JUDGED_MAX=10000000
AQM_HEADROOM=3

# rate_judged BITS: whether a rate of BITS bit/s is judged (from above at
# least) in this run.
rate_judged() { ! debug_kernel; }

# rate_ok DESCRIPTION EXPECTED ACTUAL [ALLOWANCE]: ACTUAL at most 5% (plus
# ALLOWANCE bit/s) above EXPECTED and at most 5% below it, 25% below 1
# Mbit/s. A token bucket lets its burst and one packet more than its rate
# through in any window, which rate_flow passes as ALLOWANCE: 3000 bytes of
# burst are 3.75% of a 10 s window at 64 kbit/s, and a flow that paused
# (TCP recovering, a stalled vCPU) finds the bucket full again (105.8% was
# seen). From below, a TCG vCPU stalled by a loaded host for longer than a
# small burst lasts (375 ms for 3000 bytes at 64 kbit/s) loses that credit,
# and TCP recovering from a policer's drops leaves it unused (stock runs on
# a loaded 2-core host: police 80.4%, shape 82.6% and 101.6% at 64 kbit/s;
# 99.6-100.5% at 10 Mbit/s).
rate_ok() {
	local below=5 extra=${4:-0}
	_aqm_capacity=${_aqm_capacity:-0}
	[ "$2" -lt 1000000 ] && below=25
	if debug_kernel; then
		# The rate is not judged, but a flow that moved nothing (iperf3
		# failed) is a failure on any kernel.
		check "$1: the flow moved data ($3 bit/s; the rate is not judged on the debug kernel)" test "$3" -gt 0
		return
	fi
	check "$1: $3 bit/s, at most 5% (+$extra bit/s of burst) above" \
		awk -v e="$2" -v a="$3" -v x="$extra" 'BEGIN { exit !(a <= e * 1.05 + x) }'
	if [ "$2" -le $AQM_JUDGED_MAX ]; then
		check "path carries ${AQM_HEADROOM}x $2 bit/s unshaped (measured $_aqm_capacity bit/s)" \
			test "$_aqm_capacity" -ge $(($2 * AQM_HEADROOM))
	elif [ "$_aqm_capacity" -lt $(($2 * 15)) ]; then
		log "not judged from below: the path carries $_aqm_capacity bit/s unshaped, under 15x $2: $1 ($3)"
		return
	fi
	check "$1: $3 bit/s, at most $below% below" \
		awk -v e="$2" -v a="$3" -v b="$below" 'BEGIN { exit !(a >= e * (100 - b) / 100) }'
}

# ip_rx SECS: the IP bytes the server's interface received, sampled now and
# SECS later (ns clock), as "bytes nanoseconds" (Ethernet headers taken off).
_rx_ip_bytes() {
	local b p
	read -r b < <(srv cat /sys/class/net/s0/statistics/rx_bytes)
	read -r p < <(srv cat /sys/class/net/s0/statistics/rx_packets)
	echo $((b - 14 * p))
}
ip_rx() {
	local b0 t0 b1 t1
	t0=$(date +%s%N) b0=$(_rx_ip_bytes)
	sleep "$1"
	t1=$(date +%s%N) b1=$(_rx_ip_bytes)
	echo "$((b1 - b0)) $((t1 - t0))"
}

# rate_flow MODE RATE BITS BURST: group 9 in MODE at RATE (BITS bit/s) with
# BURST bytes, iperf3's port bound to it, one TCP flow through it; rate_ok
# judges the IP bit/s the server's interface received in the flow's steady
# part (from 2 s in to 1 s before its end: iperf3's own window also holds
# the start-up and, at low rates, its end message waiting in the queue).
# Group 9 is left for the caller to inspect and delete. 13 s where the rate
# is judged (rate_judged); elsewhere 4 s, for the kernel paths, not the figure.
rate_flow() {
	local mode=$1 name=$2 bits=$3 burst=$4 secs=13 flow rx bps
	rate_judged "$bits" || secs=4
	if ! gcmd "add 9 rate $name burst $burst mode $mode"; then
		fail "$mode group at $name, burst $burst"
		return 1
	fi
	check "bind iperf3 to group 9" gcmd "bind 9 proto tcp dport 5201 dir orig"
	cli iperf3 -c $SRV_IP4 -t $secs -J > "$FWD_LOGDIR/$mode-$name.json" 2>&1 &
	flow=$!
	sleep 2
	rx=$(ip_rx $((secs - 3)))
	wait $flow || fail "$mode $name: iperf3 flow"
	set -- $rx
	bps=$(($1 * 8 * 1000000000 / $2))
	log "$mode $name: $bps bit/s of IP received over $(($2 / 1000000)) ms ($(pct_of "$bits" "$bps") of the rate)"
	log "group 9: $(awk '$1 == 9' $FWD_PROC/groups)"
	# The burst and one full-sized packet, spread over the window.
	rate_ok "$mode $name: IP bit/s at the server against $bits" "$bits" "$bps" \
		$(((burst + 1500) * 8 * 1000000000 / $2))
}

pct_of() { awk -v b="$1" -v a="$2" 'BEGIN { printf "%.1f%%\n", 100 * a / b }'; }
