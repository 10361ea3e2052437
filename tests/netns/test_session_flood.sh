#!/bin/bash
# Floods far past max_sessions (issue 14 §1), each from one python3 -S process
# over a raw socket:
#   - SYNs: half-open sessions are evicted (early drop);
#   - spoofed bare ACKs from random sources to an address that never answers:
#     a one-way pick-up is not established (not "assured"), so it is evicted
#     too, and a new connection through the forwarder and one from the
#     forwarder's own namespace still work;
#   - the same with unreplied UDP;
#   - blind RSTs and FINs (random seq) at a tracked connection change nothing;
# while an established connection keeps carrying data, byte-exact.
# Then full_policy: with no room left, a new flow is dropped (default) or
# passes untracked, counted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/session_lib.sh"
stock_only "a flood is slow under KASAN; eviction runs there in KUnit (forwarder_session_table.table_eviction, table_flood_ack)"
require_cmd socat python3 sha256sum

MAX=1000
FLOOD=$((MAX + 3000))

setup_topology || exit 1
load_forwarder || finish
check "set max_sessions" fset max_sessions $MAX

open_conn $SRV_IP4 5001 || finish
echo before >&5
wait_until 10 received before || fail "data did not reach the server"
est="^tcp ipv4 $CLI_IP4 [0-9]+ $SRV_IP4 5001 ESTABLISHED ESTABLISHED 1 "
check "established session before the flood" wait_until 10 sessions_match "$est"
cport=$(conn_port $SRV_IP4 5001)

# A second server for the new connections made after each flood.
dir=$(mktemp -d)
defer rm -rf "$dir"
: > "$dir/new"
: > "$dir/udp"
srv socat -u TCP4-LISTEN:5002,reuseaddr,fork "OPEN:$dir/new,append" &
defer kill $! 2>/dev/null
srv socat -u UDP4-RECV:5003 "OPEN:$dir/udp,append" &
defer kill $! 2>/dev/null
wait_listener "$NS_SRV" t 5002 && wait_listener "$NS_SRV" u 5003 || finish

# new_conns TAG: a new TCP connection client -> server and one from the
# forwarder's own namespace, each delivering its line.
new_conns() {
	echo "cli-$1" | cli socat -u - TCP4:$SRV_IP4:5002,connect-timeout=3 2>/dev/null
	check "after the $1 flood: a new connection through the forwarder" \
		wait_until 5 grep -q "^cli-$1\$" "$dir/new"
	echo "fwd-$1" | fwd socat -u - TCP4:$SRV_IP4:5002,connect-timeout=3 2>/dev/null
	check "after the $1 flood: a new connection from the forwarder itself" \
		wait_until 5 grep -q "^fwd-$1\$" "$dir/new"
}

# bulk TAG: 256 KB over the established connection, byte-exact.
bulk() { send_bulk "after the $1 flood" 20; }

flood_report() {
	log "after $1: active $(fstat sessions_active), created $(fstat sessions_created)," \
		"evicted $(fstat sessions_evicted), refused $(fstat sessions_refused)"
}

# SYNs to an address behind the forwarder that never answers: every one of
# them is a new half-open session at PRE_ROUTING.
raw_flood "$NS_CLI" syn $FLOOD 10.0.2.99 80 || fail "SYN flood"
flood_report "$FLOOD SYNs"
active=$(fstat sessions_active)
check "sessions_active within max_sessions ($active <= $MAX)" test "$active" -le $MAX
# The listing spans several read() calls: each session once, none missing.
listing=$(tail -n +2 $FWD_PROC/sessions)
lines=$(grep -c . <<<"$listing")
expect_eq "listing has one line per active session" "$(fstat sessions_active)" "$lines"
expect_eq "no line listed twice" "" "$(sort <<<"$listing" | cut -d' ' -f1-6 | uniq -d)"
check "listing shows the half-open SYNs" \
	grep -qE "^tcp ipv4 $CLI_IP4 [0-9]+ 10.0.2.99 80 SYN_SENT SYN_RCVD 0 " <<<"$listing"
check "half-open sessions evicted (>= $((FLOOD - MAX)))" \
	stat_ge sessions_evicted $((FLOOD - MAX))
check "created + refused account for every SYN" \
	test $(($(fstat sessions_created) + $(fstat sessions_refused))) -ge $FLOOD
check "established session survived the SYN flood" sessions_match "$est"

# Spoofed bare ACKs: each one a one-way pick-up.
evicted=$(fstat sessions_evicted)
raw_flood "$NS_CLI" ack $FLOOD 10.0.2.99 80 || fail "ACK flood"
flood_report "$FLOOD spoofed ACKs"
check "ACK pick-ups are not established" \
	sessions_match "^tcp ipv4 10\.[0-9.]+ [0-9]+ 10.0.2.99 80 ESTABLISHED ESTABLISHED 0 "
check "ACK pick-ups evicted (>= $((FLOOD - MAX)))" \
	stat_ge sessions_evicted $((evicted + FLOOD - MAX))
check "sessions_active within max_sessions" test "$(fstat sessions_active)" -le $MAX
check "established session survived the ACK flood" sessions_match "$est"
new_conns ack
bulk ack

# Unreplied UDP from random sources.
evicted=$(fstat sessions_evicted)
raw_flood "$NS_CLI" udp $FLOOD 10.0.2.99 53 || fail "UDP flood"
flood_report "$FLOOD spoofed UDP datagrams"
check "unreplied UDP flows evicted (>= $((FLOOD - MAX)))" \
	stat_ge sessions_evicted $((evicted + FLOOD - MAX))
echo udp-after | cli socat -u - UDP4:$SRV_IP4:5003 2>/dev/null
check "after the UDP flood: a new UDP flow" wait_until 5 grep -q '^udp-after$' "$dir/udp"
new_conns udp
bulk udp

# Blind RSTs and FINs with random sequence numbers on the tracked tuple: out
# of the flow's window, counted as invalid, no state change.
if [ -n "$cport" ]; then
	invalid=$(fstat tcp_invalid)
	expect_eq "no segment of the real connections judged out of window" 0 "$invalid"
	raw_flood "$NS_CLI" rst 20 $SRV_IP4 5001 $CLI_IP4 "$cport" || fail "blind RSTs"
	raw_flood "$NS_CLI" fin 10 $SRV_IP4 5001 $CLI_IP4 "$cport" || fail "blind FINs"
	check "blind RSTs and FINs counted as invalid (tcp_invalid ${invalid:-?} + 30)" \
		stat_ge tcp_invalid $((${invalid:-0} + 30))
	check "blind RSTs and FINs leave the session ESTABLISHED" sessions_match "$est"
	bulk "blind RST"
else
	fail "no client port for the established connection"
fi

# Lower the limit below the current size: only new sessions are affected.
check "set max_sessions 1" fset max_sessions 1
refused=$(fstat sessions_refused)
echo x | cli socat -t 0.2 - UDP:$SRV_IP4:9,sourceport=4444 2>/dev/null
check "a new flow over the limit is refused and counted" \
	wait_until 5 stat_ge sessions_refused $((refused + 1))
check "and not listed" eval '! sessions_match "^udp ipv4 $CLI_IP4 4444 "'
echo again >&5
check "established connection unaffected by a lower limit" wait_until 10 received again

# full_policy pass: the same new flow passes untracked, counted.
expect_eq "full_policy defaults to drop" drop "$(<$FWD_PROC/full_policy)"
expect_errno "full_policy refuses other words" "Invalid argument" fwd_write full_policy accept
check "set full_policy pass" fwd_write full_policy pass
untracked=$(fstat sessions_untracked)
echo pass-untracked | cli socat -u - UDP4:$SRV_IP4:5003,sourceport=4445 2>/dev/null
check "full_policy pass: the new flow reaches the server" \
	wait_until 5 grep -q '^pass-untracked$' "$dir/udp"
check "full_policy pass: counted in sessions_untracked" \
	stat_ge sessions_untracked $((${untracked:-0} + 1))
check "full_policy pass: not listed" eval '! sessions_match "^udp ipv4 $CLI_IP4 4445 "'
exec 5>&-

# Namespace deletion with live sessions (kmemleak checks the rest).
live=$(fstat sessions_active)
check "forwarder namespace deleted with $live live sessions" ip netns del "$NS_FWD"
check "module still serving init_net" grep -q '^sessions_active' /proc/forwarder/stats
finish
