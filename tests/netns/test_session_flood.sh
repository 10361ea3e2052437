#!/bin/bash
# A flood of SYNs from thousands of source ports, far past max_sessions:
# the table never holds more than max_sessions, half-open sessions are evicted
# (early drop), and an established connection survives and keeps working.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/session_lib.sh"
stock_only "a scapy flood is slow under KASAN; eviction runs there in KUnit (forwarder_session_table.table_eviction)"
require_cmd socat python3
python3 -c 'import scapy' 2>/dev/null || skip "python3-scapy is not installed"

MAX=200
FLOOD=3000

setup_topology || exit 1
load_forwarder || finish
check "set max_sessions" fset max_sessions $MAX

open_conn $SRV_IP4 5001 || finish
echo before >&5
wait_until 10 received before || fail "data did not reach the server"
est="^tcp ipv4 $CLI_IP4 [0-9]+ $SRV_IP4 5001 ESTABLISHED ESTABLISHED 1 "
check "established session before the flood" wait_until 10 sessions_match "$est"

# SYNs to an address behind the forwarder that never answers: every one of
# them is a new half-open session at PRE_ROUTING.
cli python3 - $FLOOD <<'PY' || fail "scapy flood"
import sys
from scapy.all import IP, TCP, send, conf
conf.verb = 0
n = int(sys.argv[1])
send([IP(src="10.0.1.2", dst="10.0.2.99") / TCP(sport=10000 + i, dport=80, flags="S", seq=i)
      for i in range(n)], inter=0)
PY

active=$(fstat sessions_active)
log "after $FLOOD SYNs: active $active, created $(fstat sessions_created)," \
	"evicted $(fstat sessions_evicted), refused $(fstat sessions_refused)"
check "sessions_active within max_sessions ($active <= $MAX)" test "$active" -le $MAX
# The listing spans several read() calls: each session once, none missing.
listing=$(fwd cat /proc/forwarder/sessions | tail -n +2)
lines=$(grep -c . <<<"$listing")
expect_eq "listing has one line per active session" "$(fstat sessions_active)" "$lines"
expect_eq "no line listed twice" "" "$(sort <<<"$listing" | cut -d' ' -f1-6 | uniq -d)"
check "listing shows the half-open SYNs" \
	grep -qE "^tcp ipv4 $CLI_IP4 [0-9]+ 10.0.2.99 80 SYN_SENT SYN_RCVD 0 " <<<"$listing"
check "half-open sessions evicted (>= $((FLOOD - MAX)))" \
	stat_ge sessions_evicted $((FLOOD - MAX))
check "created + refused account for every SYN" \
	test $(($(fstat sessions_created) + $(fstat sessions_refused))) -ge $FLOOD
check "established session survived the flood" sessions_match "$est"

echo after >&5
check "established connection still carries data" wait_until 10 received after

# Lower the limit below the current size: only new sessions are affected.
check "set max_sessions 1" fset max_sessions 1
refused=$(fstat sessions_refused)
echo x | cli socat -t 0.2 - UDP:$SRV_IP4:9,sourceport=4444 2>/dev/null
check "a new flow over the limit is refused and counted" \
	wait_until 5 stat_ge sessions_refused $((refused + 1))
check "and not listed" eval '! sessions_match "^udp ipv4 $CLI_IP4 4444 "'
echo again >&5
check "established connection unaffected by a lower limit" wait_until 10 received again
exec 5>&-

# Namespace deletion with live sessions (kmemleak checks the rest).
live=$(fstat sessions_active)
check "forwarder namespace deleted with $live live sessions" ip netns del "$NS_FWD"
check "module still serving init_net" grep -q '^sessions_active' /proc/forwarder/stats
finish
