#!/bin/bash
# Session manager with real traffic through the forwarder namespace: TCP
# (IPv4 and IPv6) and UDP flows appear in /proc/forwarder/sessions with the
# right per-side TCP states and per-direction counters, close properly, and
# expire after the configured timeouts; the tunables refuse bad writes and
# change nothing when they do.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/session_lib.sh"
require_cmd socat python3

setup_topology || exit 1
load_forwarder || finish

# ---- tunables -------------------------------------------------------------
expect_eq "max_sessions default" 65536 "$(<$FWD_PROC/max_sessions)"
for t in timeout_tcp_established timeout_tcp_handshake timeout_tcp_closing timeout_udp; do
	check "$t readable" grep -qx '[0-9][0-9]*' $FWD_PROC/$t
done
expect_errno "max_sessions 'abc'" "Invalid argument" fset max_sessions abc
expect_errno "max_sessions '-1'" "Invalid argument" fset max_sessions -1
expect_errno "max_sessions '0' (below range)" "Numerical result out of range" fset max_sessions 0
expect_errno "timeout_udp '0'" "Numerical result out of range" fset timeout_udp 0
expect_errno "timeout_udp too large" "Numerical result out of range" fset timeout_udp 99999999999
expect_errno "timeout_udp '5 6'" "Invalid argument" fset timeout_udp "'5 6'"
expect_errno "300-byte write" "Invalid argument" fset timeout_udp "$(printf '%0300d' 1)"
expect_eq "max_sessions unchanged by refused writes" 65536 "$(<$FWD_PROC/max_sessions)"
expect_eq "timeout_udp unchanged by refused writes" 60 "$(<$FWD_PROC/timeout_udp)"
expect_errno "unprivileged write" "Operation not permitted" \
	fwd setpriv --inh-caps=-all --bounding-set=-all bash -c 'echo 5 > /proc/forwarder/timeout_udp'
check "set timeout_udp" fset timeout_udp 2
expect_eq "timeout_udp written" 2 "$(<$FWD_PROC/timeout_udp)"
# Closing sessions stay until the states are read (a slow kernel can take
# seconds per read); the closing timeout is shortened after that.
check "set timeout_tcp_closing" fset timeout_tcp_closing 600
check "set timeout_tcp_handshake" fset timeout_tcp_handshake 3
# Namespaces are independent.
expect_eq "init_net keeps its own timeout_udp" 60 "$(cat /proc/forwarder/timeout_udp)"

check "stats readable" grep -q '^sessions_active 0$' $FWD_PROC/stats
check "sessions header" grep -q '^proto family client' $FWD_PROC/sessions

# ---- TCP over IPv4 ----------------------------------------------------------
open_conn $SRV_IP4 5001 || finish
echo hello >&5
wait_until 10 received hello || fail "data did not reach the server"
tcp4="^tcp ipv4 $CLI_IP4 [0-9]+ $SRV_IP4 5001"
check "IPv4 TCP session established on both sides" \
	wait_until 10 sessions_match "$tcp4 ESTABLISHED ESTABLISHED 1 "
line=$(grep -E "$tcp4" $FWD_PROC/sessions)
log "session: $line"
read -r _ _ _ _ _ _ _ _ _ _ _ opk oby rpk rby <<<"$line"
check "client->server packets counted (SYN, ACK, data: >= 3)" test "$opk" -ge 3
check "server->client packets counted (SYN/ACK, ACK: >= 2)" test "$rpk" -ge 2
check "client->server bytes include the payload" test "$oby" -ge $((3 * 40 + 6))
expect_eq "exactly one session for the connection" 1 "$(sessions_count "$tcp4")"

# Normal close: the client closes first, ends in TIME_WAIT; the server in CLOSED.
# (Counted before the close: a slow kernel may expire it before the next read.)
expired=$(fstat sessions_expired)
exec 5>&-
check "closed: client TIME_WAIT, server CLOSED" \
	wait_until 10 sessions_match "$tcp4 TIME_WAIT CLOSED"
# Expiry is judged against the tunable's value now, not when the state began.
check "set timeout_tcp_closing" fset timeout_tcp_closing 2
check "closed session expires after timeout_tcp_closing" \
	wait_until 10 eval '! sessions_match "$tcp4"'
# The session leaves the listing when marked dead, a moment before it is counted.
check "sessions_expired counted" wait_until 5 stat_ge sessions_expired $((expired + 1))

# ---- TCP over IPv6 ----------------------------------------------------------
open_conn $SRV_IP6 5002 || finish
echo hello6 >&5
wait_until 10 received hello6 || fail "IPv6 data did not reach the server"
check "IPv6 TCP session established on both sides" \
	wait_until 10 sessions_match "^tcp ipv6 $CLI_IP6 [0-9]+ $SRV_IP6 5002 ESTABLISHED ESTABLISHED 1 "
exec 5>&-

# ---- UDP ----------------------------------------------------------------------
# Long enough to be read on a slow kernel; shortened once seen (expiry is
# judged against the tunable's value at the time).
check "set timeout_udp" fset timeout_udp 600
srv socat -t 10 UDP-LISTEN:5353,reuseaddr,fork PIPE &
defer kill $! 2>/dev/null
wait_listener "$NS_SRV" u 5353
reply=$(echo ping | cli socat -t 1 - UDP:$SRV_IP4:5353,sourceport=4444)
expect_eq "UDP echo through the forwarder" ping "$reply"
udp="^udp ipv4 $CLI_IP4 4444 $SRV_IP4 5353 - - 1 [0-9]+ [0-9]+ 1 33 1 33$"
check "UDP session: answered, 1 packet of 33 bytes each way" \
	wait_until 10 sessions_match "$udp"
check "shorten timeout_udp" fset timeout_udp 2
check "UDP session expires after timeout_udp (2 s)" \
	wait_until 10 eval '! sessions_match "^udp ipv4 $CLI_IP4 4444 "'

# ---- counters and events ---------------------------------------------------------
check "packets counted" stat_ge packets 10
check "3 or more sessions created" stat_ge sessions_created 3
for ev in session_new packet tcp_state_change established data closing; do
	check "event $ev raised before and after" eval \
		'stat_ge event_${ev}_pre 1 && stat_ge event_${ev}_post 1'
done
expect_eq "no parse errors from real traffic" 0 "$(fstat parse_errors)"
expect_eq "nothing refused" 0 "$(fstat sessions_refused)"
log "session size: $(fstat session_size) bytes"

# Unload with live sessions in the namespace.
open_conn $SRV_IP4 5003 || finish
echo live >&5
check "a live session before unload" wait_until 10 sessions_match "5003 ESTABLISHED"
check "rmmod with live sessions" rmmod forwarder
exec 5>&-
finish
