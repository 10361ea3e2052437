#!/bin/bash
# Session manager benchmark (not a test: prints numbers, judges nothing).
# Run as root inside the VM, same boot for every configuration:
#   tests/vm/run.sh -k stock -- bench/session_bench.sh
#
#  1. packets/s forwarded client -> forwarder -> server (iperf3 UDP, 64-byte
#     payloads, 5 s) with: nothing loaded, forwarder.ko loaded, nf_conntrack
#     alone (an iptables conntrack rule in the forwarder namespace);
#  2. memory per session: sizeof(struct fwd_session) and the slab object size.
# Lookup cost against table size is not measured here yet.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tests/netns/lib.sh"
require_cmd iperf3
SECS=${BENCH_SECS:-5}

setup_topology || exit 1
srv iperf3 -s -D -1 >/dev/null 2>&1 || true

pps() {	# one UDP run, prints client->server packets per second received
	srv pkill -x iperf3 2>/dev/null
	srv iperf3 -s -D >/dev/null 2>&1
	wait_listener "$NS_SRV" t 5201 || return
	cli iperf3 -u -c $SRV_IP4 -b 0 -l 64 -t "$SECS" -J 2>/dev/null |
		python3 -c 'import json,sys; e=json.load(sys.stdin)["end"]["sum"]; print(int(e["packets"]/e["seconds"]) if "packets" in e else 0)'
}

# Alternate the configurations (TCG timing drifts), three runs each.
echo "config pps(run1 run2 run3)"
none="" fwdr=""
for i in 1 2 3; do
	none="$none $(pps)"
	insmod "$FWD_KO" || exit 1
	fwdr="$fwdr $(pps)"
	if [ $i -eq 3 ]; then
		echo "forwarder_sessions $(fwd awk '$1=="sessions_created"{print $2}' /proc/forwarder/stats)"
		echo "session_size $(fwd awk '$1=="session_size"{print $2}' /proc/forwarder/stats)"
		grep '^fwd_session ' /proc/slabinfo | awk '{print "slab_objsize " $4}'
	fi
	rmmod forwarder
done
echo "none$none"
echo "forwarder$fwdr"
if fwd iptables -A FORWARD -m conntrack --ctstate NEW,ESTABLISHED,RELATED -j ACCEPT 2>/dev/null; then
	echo "nf_conntrack $(pps)"
else
	echo "nf_conntrack skipped (no iptables conntrack match)"
fi
srv pkill -x iperf3 2>/dev/null
exit 0
