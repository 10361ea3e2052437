#!/bin/bash
# Spliced and tracked flows when things around them die (issue 14 §4,
# faults): the listener killed in the middle of hand-offs and after them; a
# link going down and up mid-transfer; the devices queued spliced segments
# came in and go out on, deleted while a shaping group holds them (with an
# nft postrouting rule reading meta iifname); the server's namespace
# deleted mid-transfer; the module unloaded under 10,000 live sessions and
# 100 live splices. Transfers that outlive a fault arrive byte-exact, pairs
# are released, devices unregister without waiting on a reference we hold,
# every rmmod succeeds and resets what was alive. The VM judges the kernel
# log (KASAN, lockdep, kmemleak on the debug kernel).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/session_lib.sh"
require_cmd socat python3 nft
tool=$FWD_TOP/tests/netns/splice_tool.py
L=$FWD_LOGDIR/fault_teardown
rm -rf "$L" && mkdir -p "$L" || exit 1

setup_topology || exit 1
load_forwarder || finish
srv socat -t 30 TCP-LISTEN:9000,fork,reuseaddr EXEC:cat &
defer "kill $!"
wait_listener "$NS_SRV" t 9000 || finish
fwd_write splice_timeout_closing 1

# pairs PORT: how many pairs on the listener's PORT are in /proc/forwarder/show.
pairs() { count_matching "$FWD_PROC/show" "local $FWD_CLI_IP4:$1 "; }
_no_pairs() { [ "$(pairs "$1")" -eq 0 ]; }
# handoff PORT ARGS...: splice_tool's listener on PORT in the background; its
# pid in $HPID (ip netns exec execs it, in place of a subshell to kill).
handoff() {
	local port=$1
	shift
	ip netns exec "$NS_FWD" python3 -S "$tool" handoff --port "$port" "$@" >> "$L/handoff.$port" 2>&1 &
	HPID=$!
	defer "kill -9 $HPID 2>/dev/null"
	wait_listener "$NS_FWD" t "$port"
}
handoffs() { count_matching "$L/handoff.$1" "handoff ok"; }
_more_handoffs() { [ "$(handoffs "$1")" -gt "$2" ]; }

# 1. The listener killed in the middle of its hand-offs, five times, while
# clients connect one after the other: the pairs it installed keep
# forwarding, connections it held die with it, and nothing is left behind.
handoff 8700 --server $SRV_IP4:9000 --count 1000000 --no-wait || finish
cli python3 -S "$tool" clients --connect $FWD_CLI_IP4:8700 --bytes "$(scaled 200000)" --until "$L/kill.stop" \
	> "$L/kill.clients" 2>&1 &
clients=$!
defer "touch $L/kill.stop"
for ((i = 1; i <= 5; i++)); do
	before=$(handoffs 8700)
	wait_until 60 _more_handoffs 8700 "$before" || { fail "kill $i: no hand-off in 60 s"; break; }
	kill -9 $HPID
	wait $HPID 2>/dev/null
	handoff 8700 --server $SRV_IP4:9000 --count 1000000 --no-wait || break
done
log "killed the listener $((i - 1)) times, restarting it each time"
before=$(handoffs 8700)
check "hand-offs go on after the last kill" wait_until 60 _more_handoffs 8700 "$before"
touch "$L/kill.stop"
wait $clients
summary=$(awk '/^clients: [0-9]+ byte-exact/' "$L/kill.clients")
log "$summary (cut short: refused or closed by a killed listener before their hand-off)"
ok=$(awk '{print $2}' <<<"$summary")
check "clients echoed byte-exact across the kills ($ok)" test "${ok:-0}" -ge 5
# A connection the kernel spliced either echoes everything or is cut short;
# an echo of the full length that differs would be corruption.
check "no echo of the full length with other bytes" \
	awk '/bytes echoed/ && $4 == $6 {print; bad = 1} END {exit bad}' "$L/kill.clients"
kill -9 $HPID
check "every pair released once its connections ended" wait_until 60 _no_pairs 8700

# 2. The listener killed after the hand-off, the transfer still running: it
# goes on to its end, byte-exact.
# (--count 2: still running, waiting for the next client, when killed.)
handoff 8710 --server $SRV_IP4:9000 --count 2 || finish
rate=$(scaled 400000)
cli python3 -S "$tool" client --connect $FWD_CLI_IP4:8710 --bytes $((rate * 8)) --rate $rate \
	> "$L/after.client" 2>&1 &
cpid=$!
check "hand-off done" wait_until 60 _more_handoffs 8710 0
kill -9 $HPID
check "the transfer outlives its listener, byte-exact" wait $cpid

# 3. The server-side link down for two seconds mid-transfer: TCP's
# retransmissions carry the pair over it.
handoff 8720 --server $SRV_IP4:9000 || finish
cli python3 -S "$tool" client --connect $FWD_CLI_IP4:8720 --bytes $((rate * 10)) --rate $rate \
	> "$L/flap.client" 2>&1 &
cpid=$!
_flowing() { grep "local $FWD_CLI_IP4:$1 " "$FWD_PROC/show" | grep -q "c2s_bytes [0-9]\{$2,\}"; }
check "data flowing through the pair" wait_until 60 _flowing 8720 6
fwd ip link set f1 down
nap 2
fwd ip link set f1 up
check "the transfer survives the link flap, byte-exact" wait $cpid

# 4. Devices deleted while a shaping group holds spliced segments, with a
# postrouting rule reading meta iifname. The splice sends a segment out as
# the server side's own (skb->dev f1), so deleting the client side's f0,
# where it came in, drops none of them; deleting f1, where they go out,
# drops all that wait (counted). Neither deletion may wait on the queue,
# and no freed device may be read when the rest is sent (at group del).
# Once ten segments wait, the group's rate drops to 8 bit/s: nothing leaves
# and CoDel (which judges on the way out) drops nothing, so the queue is
# still full when the device goes, however slow the kernel. At 16 kbit/s a
# slow debug kernel could reach the deletion after CoDel and the sender's
# backoff had emptied the queue, leaving f1 nothing to drop.
fwd nft -f - <<-EOF || fail "nft ruleset"
	table inet fault_teardown {
		chain post {
			type filter hook postrouting priority 0; policy accept;
			meta iifname "f0" counter
		}
	}
EOF
# group_key KEY [LINE]: group 7's KEY, from LINE (default: the group's line now).
group_key() {
	local line=${2:-$(grep "^7 " "$FWD_PROC/groups")}
	[[ $line =~ " $1 "([0-9]+) ]] && echo "${BASH_REMATCH[1]}"
}
# device_drops [LINE]: drops for a device gone, all but the queue limits'
# and CoDel's, from one reading of the group's line (default: now).
device_drops() {
	local line=${1:-$(grep "^7 " "$FWD_PROC/groups")}
	echo $(($(group_key dropped "$line") - $(group_key overlimit "$line") - $(group_key codel_dropped "$line")))
}
_queued() { [ "$(group_key queued)" -ge 10 ]; }
# queue_spliced PORT: a new group 7 and a spliced client on PORT streaming
# into it, frozen once ten segments wait; the client's pid in $CPID, the
# group's line after the freeze in $LINE.
queue_spliced() {
	fwd_write groups "add 7 rate 16kbit burst 3000 mode shape limit 2000p limit 4m" || fail "group add"
	fwd_write groups "bind 7 proto tcp dport 9000 dir orig" || fail "bind"
	handoff "$1" --server $SRV_IP4:9000 || return 1
	ip netns exec "$NS_CLI" python3 -S "$tool" client --connect "$FWD_CLI_IP4:$1" --bytes 200000 \
		> "$L/queued.client.$1" 2>&1 &
	CPID=$!
	defer "kill -9 $CPID 2>/dev/null"
	check "spliced segments wait in the 16 kbit/s group" wait_until 60 _queued
	fwd_write groups "change 7 rate 8bit" || fail "group change"
	LINE=$(grep "^7 " "$FWD_PROC/groups")
}
# link_again NS DEV FWD_DEV IP4 IP6 FWD_IP4 FWD_IP6: a veth between NS and the
# forwarder as setup_topology built it (deleting one end took its peer along).
link_again() {
	ip link add "$2" netns "$1" type veth peer name "$3" netns "$NS_FWD" || fail "$3 again"
	_setup_end "$1" "$2" "$4" "$5" "$6" "$7" || fail "$2 again"
	ip -n "$NS_FWD" -batch - <<-EOF || fail "$3's addresses again"
		addr add $6/24 dev $3
		addr add $7/64 dev $3 nodad
		link set $3 up
	EOF
}
queue_spliced 8730
before=$(device_drops "$LINE")
check "f0 (where they came in) deleted at once" timeout 30 ip -n "$NS_FWD" link del f0
after=$(grep "^7 " "$FWD_PROC/groups")
log "after f0: queued $(group_key queued "$LINE") -> $(group_key queued "$after"), device drops $before -> $(device_drops "$after")"
expect_eq "no segment dropped for f0: they do not name it" "$before" "$(device_drops "$after")"
check "the segments still wait once f0 is gone" \
	test "$(group_key queued "$after")" -ge "$(group_key queued "$LINE")"
kill -9 $CPID 2>/dev/null
fwd_write groups "del 7" || fail "group del"
link_again "$NS_CLI" c0 f0 $CLI_IP4 $CLI_IP6 $FWD_CLI_IP4 $FWD_CLI_IP6
queue_spliced 8731
before=$(device_drops "$LINE")
waiting=$(group_key queued "$LINE")
check "f1 (where they go out) deleted at once" timeout 30 ip -n "$NS_FWD" link del f1
after=$(grep "^7 " "$FWD_PROC/groups")
log "after f1: queued $waiting -> $(group_key queued "$after"), device drops $before -> $(device_drops "$after")"
expect_eq "nothing left queued for the deleted f1" 0 "$(group_key queued "$after")"
check "all $waiting waiting segments dropped and counted" \
	test "$(device_drops "$after")" -ge $((before + waiting))
kill -9 $CPID 2>/dev/null
fwd_write groups "del 7" || fail "group del"
fwd nft delete table inet fault_teardown
link_again "$NS_SRV" s0 f1 $SRV_IP4 $SRV_IP6 $FWD_SRV_IP4 $FWD_SRV_IP6

# 5. The server's namespace deleted in the middle of a transfer: a second
# server behind its own link, streaming to a spliced client. Its devices
# must unregister (no reference of ours kept), and the orphaned client end
# is reset by the unload below at the latest.
new_ns NS_SRV2 || finish
ip link add s0 netns "$NS_SRV2" type veth peer name f2 netns "$NS_FWD" || finish
ip -n "$NS_FWD" -batch - <<-EOF || finish
	addr add 10.0.3.1/24 dev f2
	link set f2 up
EOF
_setup_end "$NS_SRV2" s0 10.0.3.2 fd00:3::2 10.0.3.1 fd00:3::1 || finish
ip netns exec "$NS_SRV2" socat TCP-LISTEN:9001,reuseaddr SYSTEM:'cat /dev/zero' &
spid=$!
wait_listener "$NS_SRV2" t 9001 || finish
handoff 8740 --server 10.0.3.2:9001 --no-greeting --no-wait || finish
cli python3 -S "$tool" peer --connect $FWD_CLI_IP4:8740 --expect reset --timeout 1800 > "$L/srvgone.cli" 2>&1 &
orphan=$!
_streaming() { grep "local $FWD_CLI_IP4:8740 " "$FWD_PROC/show" | grep -q "s2c_bytes [0-9]\{6,\}"; }
check "the second server streams through the pair" wait_until 60 _streaming
kill -9 $spid
ip netns del "$NS_SRV2"
_f2_gone() { [[ $(<"$FWD_PROC/../dev") != *" f2:"* ]]; }
check "the deleted namespace's link unregisters" wait_until 60 _f2_gone

# 6. Unload under 100 live splices and 10,000 live sessions: rmmod resets
# both ends of every pair, and a new load starts from an empty table.
fwd_write timeout_udp 600
srv python3 -S "$tool" hold --listen 9002 --count 100 > "$L/unload.srv" 2>&1 &
hsrv=$!
wait_listener "$NS_SRV" t 9002 || finish
handoff 8750 --server $SRV_IP4:9002 --count 100 || finish
cli python3 -S "$tool" hold --connect $FWD_CLI_IP4:8750 --count 100 --greeting --ready "$L/unload.ready" \
	> "$L/unload.cli" 2>&1 &
hcli=$!
check "100 connections up" wait_until 300 test -e "$L/unload.ready"
_all_spliced() { [ "$(handoffs 8750)" -eq 100 ]; }
check "100 pairs spliced" wait_until 300 _all_spliced
expect_eq "100 pairs listed" 100 "$(pairs 8750)"
# 10,000 UDP flows, one datagram each, from one socket to 10,000 ports.
cli python3 -S -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for p in range(20000, 30000):
    s.sendto(b'x', ('$SRV_IP4', p))
"
active=$(fstat sessions_active)
check "10,000 sessions or more alive ($active)" test "${active:-0}" -ge 10000
check "rmmod with 100 live pairs and $active sessions" rmmod forwarder
wait $hcli
wait $hsrv
log "client side: $(<"$L/unload.cli"), server side: $(<"$L/unload.srv")"
expect_eq "every client end reset by the unload" "hold 100 reset 100 eof 0 open 0" "$(<"$L/unload.cli")"
expect_eq "every server end reset by the unload" "hold 100 reset 100 eof 0 open 0" "$(<"$L/unload.srv")"
wait $orphan
orphaned=$(<"$L/srvgone.cli")
check "the orphaned client of the deleted server was closed, not left hanging ($orphaned)" \
	test "$orphaned" = "event reset" -o "$orphaned" = "event eof"
load_forwarder || finish
expect_eq "a new load starts with no session" 0 "$(fstat sessions_created)"
handoff 8760 --server $SRV_IP4:9000 || finish
check "a spliced echo after the reload, byte-exact" \
	cli python3 -S "$tool" client --connect $FWD_CLI_IP4:8760 --bytes "$(scaled 1000000)"
finish
