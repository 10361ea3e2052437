#!/bin/bash
# Packet-path benchmarks (prints figures, judges nothing). Run as root inside
# the VM, every configuration in the same boot, alternated run by run:
#   tests/vm/run.sh -k stock -- bench/session_bench.sh
#
# pktgen in the client namespace sends 60-byte UDP packets; the kernel thread
# that sends a packet also runs its receive path (softirq at local_bh_enable),
# so packets/s is the cost of the whole path, hooks included.
#
#  1. forwarded packets/s (pps_*) over 1000 flows, client -> forwarder ->
#     server (a neighbour the forwarder knows, which the server drops
#     silently), with: nothing (none), forwarder.ko (fwd), forwarder.ko and 1
#     or 3 plugins (plug1, plug3), an nftables forward chain alone (nft), and
#     the same chain with a conntrack match (ct: nf_conntrack's hooks);
#     nft is a forward chain with one rule (udp accept), ct the same chain
#     with "ct state new,established accept" instead;
#  2. session table: N sessions (1k, 100k, 1M distinct UDP flows to a
#     blackhole route) created by pktgen, then packets/s of lookups hitting
#     them (scale_pps_N) and kernel memory per session (mem_N: SUnreclaim +
#     VmallocUsed growth per session in the table, so the hash table's buckets
#     are included); mem with the firewall and dfi plugins loaded
#     (plugmem_N, N = BENCH_PLUGIN_SCALE, 1M by default).
# Env: BENCH_RUNS (3), BENCH_PKTS (packets per measurement, 200000),
# BENCH_SCALES ("1000 100000 1000000").
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tests/netns/lib.sh"
RUNS=${BENCH_RUNS:-3}
PKTS=${BENCH_PKTS:-200000}
SCALES=${BENCH_SCALES:-"1000 100000 1000000"}
PLUGINS="$FWD_BUILD/plugins/firewall/fwd_firewall.ko $FWD_BUILD/plugins/dfi/fwd_dfi.ko $FWD_BUILD/plugins/synretx/fwd_synretx.ko"

modprobe pktgen || skip "no pktgen"
setup_topology || exit 1
defer "rmmod pktgen"
fwd ip route add blackhole 10.0.3.0/24
# 10.0.2.3 is the server's MAC: forwarded there, then dropped by the server
# (not forwarding, not its address) without an ICMP error.
fwd ip neigh add 10.0.2.3 lladdr "$(srv cat /sys/class/net/s0/address)" dev f1 nud permanent
F0_MAC=$(fwd cat /sys/class/net/f0/address)

pg() { cli bash -c "echo '$2' > /proc/net/pktgen/$1" || echo "pktgen: '$2' refused" >&2; }
pg kpktgend_0 rem_device_all
pg kpktgend_0 "add_device c0"

# pgsend COUNT DST SRC_MAX PORTS: COUNT packets from 10.0.1.2..SRC_MAX, source
# ports 1024..1024+PORTS-1 (each stepped per packet); prints the microseconds
# pktgen took.
pgsend() {
	local c
	for c in "count $1" "pkt_size 60" "clone_skb 0" "delay 0" "dst $2" "dst_mac $F0_MAC" \
		"src_min 10.0.1.2" "src_max $3" "udp_src_min 1024" "udp_src_max $((1024 + $4))" \
		"udp_dst_min 9" "udp_dst_max 9"; do
		pg c0 "$c"
	done
	pg pgctrl start
	cli sed -n 's/.*Result: OK: \([0-9]*\)(c.*/\1/p' /proc/net/pktgen/c0
}

rx() { srv cat /sys/class/net/s0/statistics/rx_packets; }

fwd_pps() {	# forwarded packets/s over 1000 flows
	local before usec
	pgsend 2000 10.0.2.3 10.0.1.2 1000 > /dev/null	# sessions and caches warm
	before=$(rx)
	usec=$(pgsend "$PKTS" 10.0.2.3 10.0.1.2 1000)
	echo $((($(rx) - before) * 1000000 / usec))
}

plugins() {	# plugins N: load the first N plugins
	local k n=0
	for k in $PLUGINS; do
		[ $n -lt "$1" ] || break
		insmod "$k" || echo "info insmod $k failed" >&2
		n=$((n + 1))
	done
}
unload_all() {
	local m
	for m in fwd_synretx fwd_dfi fwd_firewall forwarder; do
		[ -d /sys/module/$m ] && rmmod $m
	done
	fwd nft delete table ip bench 2>/dev/null
	true
}
defer unload_all

have_nft=0
command -v nft > /dev/null && have_nft=1
declare -A runs=()
add() { runs[$1]+=" $2"; }
for i in $(seq "$RUNS"); do
	for cfg in none fwd plug1 plug3 nft ct; do
		case $cfg in
		fwd) insmod "$FWD_KO" ;;
		plug1) insmod "$FWD_KO" && plugins 1 ;;
		plug3) insmod "$FWD_KO" && plugins 3 ;;
		nft | ct)
			[ $have_nft = 1 ] || continue
			# The same one-rule chain, with and without conntrack behind it.
			m="meta l4proto udp"
			[ $cfg = ct ] && m="ct state new,established"
			printf 'table ip bench {\n chain f {\n  type filter hook forward priority 0;\n  %s accept\n }\n}\n' "$m" |
				fwd nft -f - || continue
			;;
		esac
		add pps_$cfg "$(fwd_pps)"
		[ $i = 1 ] && [ $cfg = plug3 ] && echo "info plugins $(fwd cat /proc/forwarder/plugins | tr '\n' ' ')"
		unload_all
	done
done

kmem() { awk '$1 == "SUnreclaim:" || $1 == "VmallocUsed:" {s += $2} END {print s * 1024}' /proc/meminfo; }
fstat() { fwd awk -v k="$1" '$1 == k { print $2 }' /proc/forwarder/stats; }

# N sessions as A source addresses x P source ports with A and P coprime, so
# pktgen's two counters step through every pair before repeating.
scale_of() {	# scale_of N: sets a and p for N sessions, or fails
	case $1 in
	1000) a=8 p=125 ;;
	100000) a=32 p=3125 ;;
	1000000) a=64 p=15625 ;;
	*) echo "info scale $1 not supported" >&2; return 1 ;;
	esac
}
for n in $SCALES; do
	scale_of "$n" || continue
	insmod "$FWD_KO" || continue
	echo 2000000 | fwd tee /proc/forwarder/max_sessions > /dev/null
	echo 86400 | fwd tee /proc/forwarder/timeout_udp > /dev/null
	sleep 1
	m0=$(kmem)
	t0=$(date +%s.%N)
	pgsend "$n" 10.0.3.1 10.0.1.$((a + 1)) "$p" > /dev/null
	echo "info scale $n created $(fstat sessions_created) active $(fstat sessions_active) refused $(fstat sessions_refused) in $(echo "$(date +%s.%N) - $t0" | bc) s"
	sleep 2	# a table resize runs in a worker
	# Per session in the table: pktgen may lose a few percent of the packets.
	active=$(fstat sessions_active)
	[ "${active:-0}" -gt 0 ] && echo "mem_$n $((($(kmem) - m0) / active))"
	for i in $(seq "$RUNS"); do
		add scale_pps_$n "$((PKTS * 1000000 / $(pgsend "$PKTS" 10.0.3.1 10.0.1.$((a + 1)) "$p")))"
	done
	echo "info scale $n after lookups: created $(fstat sessions_created) active $(fstat sessions_active)"
	[ "$n" = "${SCALES%% *}" ] && echo "info session_size $(fstat session_size) slab_size $(cat /sys/kernel/slab/fwd_session/slab_size 2>/dev/null || echo unknown)"
	unload_all
done

# The same table with the firewall and dfi plugins loaded: their per-session
# state (the manager's record, their contexts, dfi's metadata) on top.
n=${BENCH_PLUGIN_SCALE:-1000000}
if scale_of "$n" && insmod "$FWD_KO"; then
	for k in $FWD_BUILD/plugins/firewall/fwd_firewall.ko $FWD_BUILD/plugins/dfi/fwd_dfi.ko; do
		insmod "$k" || echo "info insmod $k failed" >&2
	done
	echo 2000000 | fwd tee /proc/forwarder/max_sessions > /dev/null
	echo 86400 | fwd tee /proc/forwarder/timeout_udp > /dev/null
	sleep 1
	m0=$(kmem)
	pgsend "$n" 10.0.3.1 10.0.1.$((a + 1)) "$p" > /dev/null
	sleep 2
	active=$(fstat sessions_active)
	echo "info plugin scale $n: active $active, plugins $(fwd cat /proc/forwarder/plugins | tr '\n' ' ')"
	[ "${active:-0}" -gt 0 ] && echo "plugmem_$n $((($(kmem) - m0) / active))"
	unload_all
fi

for k in $(printf '%s\n' "${!runs[@]}" | sort); do
	echo "$k${runs[$k]}"
done
exit 0
