#!/bin/bash
# Unloading the module while hand-offs are being installed and spliced
# transfers run: 20 rmmod/insmod cycles with a hand-off loop and a client loop
# running throughout. Nothing may crash, hang or leak (the VM judges the
# kernel log, KASAN and kmemleak on the debug kernel); every rmmod succeeds
# (the module's references return to zero each time), and the hand-offs do
# work between the unloads.
. "$(dirname "$0")/lib.sh"
require_cmd socat python3
tool=$FWD_TOP/tests/netns/splice_tool.py
L=$FWD_LOGDIR
# 20 cycles (each waits for a hand-off, seconds under TCG; FWD_UNLOAD_CYCLES=50 for more).
cycles=${FWD_UNLOAD_CYCLES:-20}

setup_topology || exit 1
load_forwarder || finish
srv socat -t 30 TCP-LISTEN:9000,fork,reuseaddr EXEC:cat &
defer "kill $!"
fwd python3 -S "$tool" handoff --port 8600 --server $SRV_IP4:9000 --count 1000000 > "$L/unload.handoff" 2>&1 &
defer "kill $!"
wait_listener "$NS_SRV" t 9000 && wait_listener "$NS_FWD" t 8600 || finish
cli python3 -S "$tool" clients --connect $FWD_CLI_IP4:8600 --bytes 20000 --until "$L/unload.stop" \
	> "$L/unload.clients" 2>&1 &
clients=$!
defer "touch $L/unload.stop"
handoffs() { count_matching "$L/unload.handoff" "handoff ok"; }
_more_handoffs() { [ "$(handoffs)" -gt "$1" ]; }
check "hand-offs running before the first unload" wait_until 60 _more_handoffs 0

failed=0
for ((i = 1; i <= cycles; i++)); do
	before=$(handoffs)
	# Unload as soon as at least one more hand-off went through since the last load.
	wait_until 30 _more_handoffs "$before" ||
		{ fail "cycle $i: no hand-off in 30 s after loading"; failed=1; break; }
	rmmod forwarder || { fail "cycle $i: rmmod"; failed=1; break; }
	insmod "$FWD_KO" || { fail "cycle $i: insmod"; failed=1; break; }
done
[ $failed -eq 0 ] && log "ok: $cycles unload cycles under hand-offs and transfers"
touch "$L/unload.stop"
check "the client loop ends" wait $clients
log "$(cat "$L/unload.clients"); $(handoffs) hand-offs; $(grep -c 'handoff failed' "$L/unload.handoff") refused"
check "some transfers ended byte-exact" grep -q "clients: [1-9][0-9]* byte-exact" "$L/unload.clients"
check "last rmmod: no reference left" rmmod forwarder
check "module gone" test ! -d /sys/module/forwarder
finish
