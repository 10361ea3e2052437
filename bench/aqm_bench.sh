#!/bin/bash
# Rate-group benchmark (prints figures, judges nothing). Run as root inside
# the VM:
#   tests/vm/run.sh -k stock -- bench/aqm_bench.sh
#
# One TCP flow (iperf3, client -> server) through a police and a shape group
# at 64 kbit/s, 10 Mbit/s and 200 Mbit/s. The achieved rate is what the
# group let through (its conform_bytes: IP bytes, headers included, as the
# group counts them and as the rate is configured; not iperf3's goodput,
# which is 1448/1500 of that)
# between 2 s after the start, when slow start and the initial burst are
# over, and the end of the run: aqm_MODE_RATE in bit/s, one value per run.
# Env: BENCH_AQM_SECS (default 10), BENCH_RUNS (3), BENCH_AQM_RATES.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tests/netns/lib.sh"
. "$here/../tests/netns/aqm_lib.sh"
require_cmd iperf3 python3
SECS=${BENCH_AQM_SECS:-10}
RUNS=${BENCH_RUNS:-3}
RATES=${BENCH_AQM_RATES:-"64kbit:64000 10mbit:10000000 200mbit:200000000"}

setup_topology || exit 1
load_forwarder || exit 1
iperf_server 5201 || exit 1
echo "capacity $(iperf_bps "$FWD_LOGDIR/cap.json" 3)"

now() { date +%s.%N; }

# achieved: bit/s through group 1 from 2 s into a SECS-long iperf3 run to its end.
achieved() {
	local c1 c2 t1 t2 pid
	cli iperf3 -c $SRV_IP4 -t "$SECS" > /dev/null 2>&1 &
	pid=$!
	sleep 2
	t1=$(now) c1=$(gfield 1 conform_bytes)
	sleep $((SECS - 3)).5
	t2=$(now) c2=$(gfield 1 conform_bytes)
	wait $pid
	python3 -c 'import sys; c1, c2, t1, t2 = map(float, sys.argv[1:]); print(round((c2 - c1) * 8 / (t2 - t1)))' \
		"$c1" "$c2" "$t1" "$t2"
}

declare -A runs=()
for i in $(seq "$RUNS"); do
	for mode in police shape; do
		for r in $RATES; do
			name=${r%%:*} bits=${r##*:}
			# A policer needs about 200 ms of burst for TCP to reach the rate.
			# A shaper's queue does that job: 5 ms of the rate, at least 64k
			# (GSO super-packets pass whole), but at low rates two packets
			# as tc would use, the shaper splitting GSO packets larger than
			# that (64k would be 8 s of traffic at 64 kbit/s).
			if [ $mode = police ]; then
				burst=$((bits / 8 / 5)) min=3000
			else
				burst=$((bits / 8 / 200)) min=65536
				[ "$bits" -lt 1000000 ] && min=3000
			fi
			[ $burst -lt $min ] && burst=$min
			gcmd "add 1 rate $name burst $burst mode $mode" || continue
			gcmd "bind 1 proto tcp dport 5201 dir orig"
			runs[aqm_${mode}_$name]+=" $(achieved)"
			[ "$i" = 1 ] && echo "info $mode $name burst $burst: $(fwd awk '$1 == 1' /proc/forwarder/groups | cut -d' ' -f2- | cut -c1-400)"
			gcmd "del 1"
		done
	done
done
for k in $(printf '%s\n' "${!runs[@]}" | sort); do
	echo "$k${runs[$k]}"
done
exit 0
