#!/bin/bash
# Kernel splicing end to end: a client and a server talk through two spliced
# TCP connections in the forwarder namespace; 20 MB each way, both at once,
# arrive byte for byte; the pair shows up in /proc/forwarder/show with its
# counters; the relay process moved nothing (it exited right after hand-off).
. "$(dirname "$0")/lib.sh"
require_cmd socat python3
tool=$FWD_TOP/tests/netns/splice_tool.py
bytes=$(scaled 20000000)

setup_topology || exit 1
load_forwarder || finish

srv socat -t 30 TCP-LISTEN:9000,fork,reuseaddr EXEC:cat &
defer "kill $!"
fwd python3 -S "$tool" handoff --port 8080 --server $SRV_IP4:9000 > "$FWD_LOGDIR/splice_basic.handoff" 2>&1 &
handoff=$!
defer "kill $handoff"
wait_listener "$NS_SRV" t 9000 && wait_listener "$NS_FWD" t 8080 || finish

check "$((bytes / 1000000)) MB echoed through the splice, sha256 equal" \
	cli python3 -S "$tool" client --connect $FWD_CLI_IP4:8080 --bytes $bytes
wait $handoff
expect_eq "hand-off result" "handoff ok" "$(cat "$FWD_LOGDIR/splice_basic.handoff")"

show=$(<$FWD_PROC/show)
log "show: $show"
check "the pair is listed with the client's tuple" grep -q "client $CLI_IP4:[0-9]* local $FWD_CLI_IP4:8080" <<<"$show"
c2s=$(sed -n 's/.* c2s_bytes \([0-9]*\).*/\1/p' <<<"$show")
s2c=$(sed -n 's/.* s2c_bytes \([0-9]*\).*/\1/p' <<<"$show")
check "client-to-server bytes counted (>= $bytes): $c2s" test "${c2s:-0}" -ge $bytes
check "server-to-client bytes counted (>= $bytes): $s2c" test "${s2c:-0}" -ge $bytes
check "both FINs seen: pair in TIME_WAIT" grep -q "state TIME_WAIT" <<<"$show"
expect_eq "installed counter" "installed 1" "$(grep installed $FWD_PROC/splice_stats)"
finish
