#!/bin/bash
# Rate-group benchmark (not a test: prints numbers, judges nothing).
# Run as root inside the VM:
#   tests/vm/run.sh -k stock -- bench/aqm_bench.sh
#
#  1. rate accuracy: one TCP flow (iperf3, BENCH_SECS s, default 10) through a
#     police and a shape group at several rates; the achieved IP rate
#     (goodput * 1500/1448, TCP with timestamps) against the configured one;
#  2. per-packet cost: forwarded UDP packets/s (64-byte payloads) with no
#     group and with every packet in a group too fast to ever limit.
# Prints a markdown table (bench/report.py copies it into latest.md).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tests/netns/lib.sh"
. "$here/../tests/netns/aqm_lib.sh"
require_cmd iperf3 python3
SECS=${BENCH_SECS:-10}
RATES=${BENCH_AQM_RATES:-"1mbit:1000000 10mbit:10000000 50mbit:50000000"}

setup_topology || exit 1
load_forwarder || exit 1
iperf_server 5201 || exit 1

echo "| mode | configured | achieved (IP) | ratio |"
echo "| --- | --- | --- | --- |"
for mode in police shape; do
	for r in $RATES; do
		name=${r%%:*} bits=${r##*:}
		# Police needs about 200 ms of burst for TCP; shape 64k or 5 ms.
		if [ $mode = police ]; then
			burst=$((bits / 8 / 5))
		else
			burst=$((bits / 8 / 200))
			[ $burst -lt 65536 ] && burst=65536
		fi
		gcmd "add 1 rate $name burst $burst mode $mode" || continue
		gcmd "bind 1 proto tcp dport 5201 dir orig"
		bps=$(iperf_bps /tmp/aqm-bench.json "$SECS")
		ip=$((bps * 1500 / 1448))
		echo "| $mode | $name | $ip bit/s | $(python3 -c "print('%.3f' % ($ip / $bits))") |"
		gcmd "del 1"
	done
done

pps() {	# forwarded UDP packets/s, 64-byte payloads
	cli iperf3 -u -c $SRV_IP4 -b 0 -l 64 -t 5 -J 2>/dev/null |
		python3 -c 'import json,sys; e=json.load(sys.stdin)["end"]["sum"]; print(int(e["packets"]/e["seconds"]) if "packets" in e else 0)'
}
none="" grp=""
for i in 1 2 3; do
	none="$none $(pps)"
	gcmd "add 1 rate 100gbit burst 1g mode police"
	gcmd "bind 1 proto udp dport 5201"
	grp="$grp $(pps)"
	gcmd "del 1"
done
echo ""
echo "| packets/s (64 B UDP, 3 runs) | runs |"
echo "| --- | --- |"
echo "| no group |$none |"
echo "| unlimited police group |$grp |"
exit 0
