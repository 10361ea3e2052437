#!/bin/bash
# In-window blind segments at a tracked (not spliced) connection, from an
# attacker on the client's link who sees its segments (RFC 5961's threat):
#   - RSTs inside the server's window but not at the sequence number either
#     end expects: the server answers them with a challenge ACK and keeps
#     the connection, so the session tracker must keep it ESTABLISHED too;
#   - FINs inside data the server already acknowledged: the client's stream
#     cannot end there.
# Each is counted in tcp_invalid, the connection goes on carrying bytes
# intact, and the real close still moves the session.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/session_lib.sh"
require_cmd socat python3 sha256sum
tool=$FWD_TOP/tests/netns/splice_tool.py
L=$FWD_LOGDIR

setup_topology || exit 1
load_forwarder || finish

open_conn $SRV_IP4 5001 || finish
echo before >&5
check "data reaches the server" wait_until 10 received before
est="^tcp ipv4 $CLI_IP4 [0-9]+ $SRV_IP4 5001 ESTABLISHED ESTABLISHED 1 "
check "the session is established and assured" wait_until 10 sessions_match "$est"
cport=$(conn_port $SRV_IP4 5001)
[ -n "$cport" ] || { fail "no client port for the connection"; finish; }

# blind KIND FLAGS LINE: send LINE over the connection while the attacker
# watches c0, and 8 segments of FLAGS (F or R) inside that line's bytes once
# the server has acknowledged them.
blind() {
	local out=$L/blind.$1 pid
	cli python3 -S "$tool" inject-inside --src $CLI_IP4:"$cport" --dst $SRV_IP4:5001 --dev c0 \
		--count 8 --flags "$2" --acked > "$out" 2>&1 &
	pid=$!
	_ready() { grep -q ready "$out"; }
	check "the $1 attacker watching" wait_until 30 _ready
	echo "$3" >&5
	check "$1: the attacker saw the data acknowledged and sent its segments" wait $pid
	log "$(<"$out")"
}

invalid=$(fstat tcp_invalid)
blind rst R "a line the RSTs land in"
check "in-window RSTs counted in tcp_invalid ($invalid + 8)" \
	wait_until 10 stat_ge tcp_invalid $((invalid + 8))
check "in-window RSTs leave the session ESTABLISHED" sessions_match "$est"

invalid=$(fstat tcp_invalid)
blind fin F "a line the FINs land in"
check "FINs inside acknowledged data counted in tcp_invalid ($invalid + 8)" \
	wait_until 10 stat_ge tcp_invalid $((invalid + 8))
check "FINs inside acknowledged data leave the session ESTABLISHED" sessions_match "$est"

# The server kept the connection (it challenged the RSTs): 256 KB more, intact.
send_bulk "after the attack" 30
check "the session still ESTABLISHED" sessions_match "$est"

# The client's real FIN still closes its side.
exec 5>&-
closing="^tcp ipv4 $CLI_IP4 $cport $SRV_IP4 5001 (FIN_WAIT_[12]|TIME_WAIT) "
check "the real close moves the session" wait_until 10 sessions_match "$closing"
finish
