#!/bin/bash
# Rate groups: the queue memory budget (module parameter aqm_mem_limit) is
# per namespace. With a 256 KiB budget a UDP flood fills the forwarder
# namespace's shaping queue to its budget (overlimit drops); meanwhile a
# second namespace's group queues its own packets without an overlimit drop
# (with one pool for every namespace, the flood took all of it).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/aqm_lib.sh"
require_cmd iperf3

setup_topology || exit 1
load_forwarder aqm_mem_limit=262144 || finish
new_ns NS_B || { fail "namespace B"; finish; }
nsb() { ip netns exec "$NS_B" "$@"; }
nsb_write() { nsb bash -c 'printf "%s" "$1" > /proc/forwarder/groups' nsb_write "$1"; }
nsb ip link set lo up
iperf_server 5201 || finish

# A, the forwarder namespace: room for far more than the budget in its group.
check "A: group 1 at 64 kbit/s, limits above the budget" \
	gcmd "add 1 rate 64kbit burst 3000 mode shape limit 10000p limit 4m"
check "A: bind UDP to group 1" gcmd "bind 1 proto udp dport 5201 dir orig"
# B: 8 kbit/s, so 1400-byte datagrams after the first wait 1.4 s each.
check "B: group 1 at 8 kbit/s" nsb_write "add 1 rate 8kbit burst 1500 mode shape"
check "B: bind UDP port 9 to it" nsb_write "bind 1 proto udp dport 9 dir orig"

cli iperf3 -c $SRV_IP4 -u -b 100M -l 1400 -t 4 -J > "$FWD_LOGDIR/memns-flood.json" 2>&1 &
flood=$!
check "A: its queue reached the namespace's budget (overlimit drops)" \
	wait_until 30 gfield_ge 1 overlimit 1
# Ten datagrams from one shell (bash opens a UDP socket per redirection).
nsb bash -c 'for i in 1 2 3 4 5 6 7 8 9 10; do printf "%1400s" x > /dev/udp/127.0.0.1/9; done'
a=$(gline 1)
b=$(nsb awk '$1 == 1' /proc/forwarder/groups)
log "A: queued $(lfield "$a" queued) packets, $(lfield "$a" queued_mem) bytes, overlimit $(lfield "$a" overlimit)"
log "B: queued $(lfield "$b" queued) packets, $(lfield "$b" queued_mem) bytes, overlimit $(lfield "$b" overlimit)"
expect_eq "B: no overlimit drop" 0 "$(lfield "$b" overlimit)"
# How full the queues are at one instant depends on how fast the flood and
# bash run: judged on the stock kernel only (the debug kernel, slower under
# KASAN, judges the isolation above and its kernel log).
if ! debug_kernel; then
	check "A: its queue near the budget while B sent ($(lfield "$a" queued_mem) >= 200000 bytes)" \
		test "$(lfield "$a" queued_mem)" -ge 200000
fi
# None of B's datagrams is lost to the budget, and they are shaped: each is
# sent, waiting or dropped by CoDel (1.4 s a packet is far above its target),
# and at least one went through the queue (how many depends on bash's speed).
b_accounted() {
	local l
	l=$(nsb awk '$1 == 1' /proc/forwarder/groups)
	[ $(($(lfield "$l" conform_pkts) + $(lfield "$l" queued) + $(lfield "$l" codel_dropped))) -eq 10 ] &&
		[ "$(lfield "$l" dropped)" -eq "$(lfield "$l" codel_dropped)" ]
}
check "B: all ten datagrams sent, waiting or dropped by CoDel" wait_until 5 b_accounted
b_delayed() { [ "$(lfield "$(nsb awk '$1 == 1' /proc/forwarder/groups)" delayed)" -ge 1 ]; }
check "B: its datagrams wait in its queue" wait_until 30 b_delayed
wait $flood || fail "UDP flood"
finish
