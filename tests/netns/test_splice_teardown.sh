#!/bin/bash
# How spliced pairs end: a RST from the client reaches the server; an idle
# pair is reset on both ends after the configured timeout; a new SYN on a
# finished pair's tuple gets through to the listener; a FIN that overtakes
# a lost segment still closes the pair; an administrator's `fwdctl splice
# kill` (netlink) resets both ends; unloading the module resets both ends
# of a live pair, idle or in the middle of a transfer.
. "$(dirname "$0")/lib.sh"
require_cmd socat python3
tool=$FWD_TOP/tests/netns/splice_tool.py
L=$FWD_LOGDIR

setup_topology || exit 1
load_forwarder || finish

# handoff_one PORT SERVER_PORT [FLAGS]: a one-shot minimal listener in the background.
handoff_one() {
	fwd python3 -S "$tool" handoff --port "$1" --server "$SRV_IP4:$2" "${@:3}" > "$L/teardown.handoff.$1" 2>&1 &
	defer "kill $!"
	wait_listener "$NS_FWD" t "$1"
}
spliced() { grep -q "handoff ok" "$L/teardown.handoff.$1"; }

expired() { awk '$1 == "expired" { print $2 }' "$FWD_PROC/splice_stats"; }

# 1. RST from the client.
expired0=$(expired)
srv python3 -S "$tool" peer --listen 9100 --expect reset > "$L/teardown.rst.srv" 2>&1 &
srv_pid=$!
wait_listener "$NS_SRV" t 9100 && handoff_one 8100 9100 || finish
# The data and the RST wait for the hand-off (else they would reach the
# listener's socket, which hands off only a quiet pair).
cli python3 -S "$tool" peer --connect $FWD_CLI_IP4:8100 --greeting --go "$L/teardown.go.8100" \
	--send 100000 --rst > "$L/teardown.rst.cli" 2>&1 &
cli_pid=$!
check "hand-off done" wait_until 60 spliced 8100
touch "$L/teardown.go.8100"
check "client sends data then a RST" wait $cli_pid
wait $srv_pid
expect_eq "server sees the client's RST" "event reset" "$(cat "$L/teardown.rst.srv")"
# CLOSE lasts 10 s, then the pair goes (counted as expired): a slow kernel
# may first look after that.
_rst_closed() {
	local line
	line=$(grep "local $FWD_CLI_IP4:8100 " "$FWD_PROC/show")
	[[ $line == *"state CLOSE"* ]] || { [ -z "$line" ] && [ "$(expired)" -gt "$expired0" ]; }
}
check "pair in CLOSE after the RST (or expired from it)" wait_until 20 _rst_closed

# 2. Idle expiry resets both ends. Case 1's pair must be gone first, or
# its expiry would be counted here.
_rst_gone() { ! grep -q "local $FWD_CLI_IP4:8100 " "$FWD_PROC/show"; }
check "the RST's pair released" wait_until 30 _rst_gone
expired0=$(expired)
fwd sh -c 'echo 2 > /proc/forwarder/splice_timeout_established'
srv python3 -S "$tool" peer --listen 9101 --expect reset > "$L/teardown.idle.srv" 2>&1 &
srv_pid=$!
wait_listener "$NS_SRV" t 9101 && handoff_one 8101 9101 || finish
check "idle client is reset" cli python3 -S "$tool" peer --connect $FWD_CLI_IP4:8101 --greeting --expect reset --timeout 30
wait $srv_pid
expect_eq "idle server is reset" "event reset" "$(cat "$L/teardown.idle.srv")"
check "expiry counted" test "$(expired)" -gt "$expired0"
fwd sh -c 'echo 900 > /proc/forwarder/splice_timeout_established'

# 3. A new SYN on a finished pair's tuple reaches the listener.
head -c 1000000 /dev/urandom > "$L/teardown.data"
sum=$(sha256sum < "$L/teardown.data" | cut -d' ' -f1)
srv socat TCP-LISTEN:9102,fork,reuseaddr OPEN:"$L/teardown.data",rdonly &
defer "kill $!"
wait_listener "$NS_SRV" t 9102 && handoff_one 8102 9102 --count 2 --no-greeting || finish
check "first download from port 40000" \
	cli python3 -S "$tool" download --connect $FWD_CLI_IP4:8102 --sha256 "$sum" --bytes 1000000 --bind-port 40000
check "pair finished (TIME_WAIT)" wait_until 20 sh -c "ip netns exec $NS_FWD cat /proc/forwarder/show | grep -q '$CLI_IP4:40000 .*state TIME_WAIT'"
check "second download from the same port is spliced anew" \
	cli python3 -S "$tool" download --connect $FWD_CLI_IP4:8102 --sha256 "$sum" --bytes 1000000 --bind-port 40000
_two_handoffs() { [ "$(grep -c 'handoff ok' "$L/teardown.handoff.8102")" -eq 2 ]; }
check "two hand-offs" wait_until 30 _two_handoffs

# 3b. A FIN that reaches the pair ahead of a segment lost before it: the
# client's last data segment is dropped once on its way out (its payload
# matched by nft), so its FIN arrives first and the retransmitted data
# after. Once both ends have closed, the pair must know it (TIME_WAIT, then
# released), not wait out the idle timeout as an open pair.
cli nft -f - <<-EOF || fail "nft ruleset"
	table inet lost_segment {
		chain out {
			type filter hook output priority 0;
			tcp dport 8106 @ih,0,56 0x4c415354534547 limit rate 1/hour burst 1 packets counter drop
		}
	}
EOF
srv python3 -S "$tool" peer --listen 9106 --expect eof > "$L/teardown.ooofin.srv" 2>&1 &
srv_pid=$!
wait_listener "$NS_SRV" t 9106 && handoff_one 8106 9106 || finish
cli python3 -S "$tool" peer --connect $FWD_CLI_IP4:8106 --greeting --go "$L/teardown.go.8106" \
	--send 100000 --tail LASTSEG --expect eof > "$L/teardown.ooofin.cli" 2>&1 &
cli_pid=$!
check "hand-off done" wait_until 60 spliced 8106
touch "$L/teardown.go.8106"
check "client sends, loses its last segment, half-closes, sees the server's EOF" wait $cli_pid
check "server reads to the client's EOF" wait $srv_pid
check "exactly one segment lost" sh -c "ip netns exec $NS_CLI nft list table inet lost_segment | grep -q 'counter packets 1 '"
_finished() {
	local line
	line=$(grep "local $FWD_CLI_IP4:8106 " "$FWD_PROC/show")
	[ -z "$line" ] || [[ $line == *"state TIME_WAIT"* ]]
}
log "pair once both ends closed: $(grep "local $FWD_CLI_IP4:8106 " "$FWD_PROC/show")"
if wait_until 20 _finished; then
	log "ok: the pair saw both FINs (TIME_WAIT or released)"
else
	fail "the pair saw both FINs: $(grep "local $FWD_CLI_IP4:8106 " "$FWD_PROC/show")"
fi

# 3c. fwdctl splice kill ID (netlink SPLICE_DEL) resets both ends of a live
# pair; the pair and its id are gone; nobody else may do it.
ctl=$FWD_BUILD/userspace/ctl/fwdctl
srv python3 -S "$tool" peer --listen 9107 --expect reset > "$L/teardown.kill.srv" 2>&1 &
srv_pid=$!
wait_listener "$NS_SRV" t 9107 && handoff_one 8107 9107 || finish
cli python3 -S "$tool" peer --connect $FWD_CLI_IP4:8107 --greeting --expect reset --timeout 60 > "$L/teardown.kill.cli" 2>&1 &
cli_pid=$!
check "hand-off done" wait_until 30 spliced 8107
id=$(fwd "$ctl" -j splice list | python3 -S -c '
import json, sys
print([p["id"] for p in json.load(sys.stdin) if p["local"].endswith(":8107")][0])')
log "pair on 8107: id $id"
expect_errno "splice kill as an unprivileged user" "permission denied" \
	fwd "${NOBODY[@]}" "$ctl" splice kill "$id"
check "the pair is still there" grep -q "local $FWD_CLI_IP4:8107 .*state ESTABLISHED" "$FWD_PROC/show"
check "fwdctl splice kill $id" fwd "$ctl" splice kill "$id"
wait $cli_pid
wait $srv_pid
expect_eq "client reset by the kill" "event reset" "$(cat "$L/teardown.kill.cli")"
expect_eq "server reset by the kill" "event reset" "$(cat "$L/teardown.kill.srv")"
_killed() { ! grep -q "local $FWD_CLI_IP4:8107 " "$FWD_PROC/show"; }
check "the pair is gone from show" wait_until 20 _killed
expect_errno "a second kill of $id" "no spliced pair with id $id (kernel: no live spliced pair has this id (attribute splice-id))" \
	fwd "$ctl" splice kill "$id"

# 3d. A blind SYN while a closed pair still owes data: the server sends 8 KB
# and its FIN, the client half-closes, but the data is lost on its way to
# the client (nft drops what carries data, not the FINs or ACKs). Both FINs
# went by: the pair is in TIME_WAIT with the data unacknowledged. A SYN with
# a guessed sequence number must not release the pair (it used to: the
# server's retransmissions then met no socket, and a client of make stress's
# packet fuzz was reset); once the loss ends, the client gets it all and
# the EOF.
head -c 8000 /dev/urandom > "$L/teardown.owed"
srv python3 -S "$tool" peer --listen 9108 --go "$L/teardown.go.9108" --file "$L/teardown.owed" \
	--expect eof > "$L/teardown.owed.srv" 2>&1 &
srv_pid=$!
wait_listener "$NS_SRV" t 9108 && handoff_one 8108 9108 || finish
cli python3 -S "$tool" peer --connect $FWD_CLI_IP4:8108 --greeting --go "$L/teardown.go.8108" \
	--file /dev/null --expect eof --timeout 60 > "$L/teardown.owed.cli" 2>&1 &
cli_pid=$!
check "hand-off done" wait_until 30 spliced 8108
cli nft -f - <<-EOF || fail "nft: lose the data reaching the client"
	table inet lose_data {
		chain in {
			type filter hook input priority 0;
			tcp sport 8108 ip length > 100 drop
		}
	}
EOF
defer "ip netns exec $NS_CLI nft delete table inet lose_data 2>/dev/null"
touch "$L/teardown.go.9108" "$L/teardown.go.8108"
owed() { grep "local $FWD_CLI_IP4:8108 " "$FWD_PROC/show"; }
_owed_closed() { [[ $(owed) == *"state TIME_WAIT"* ]]; }
check "both FINs went by, the data unacknowledged (TIME_WAIT)" wait_until 30 _owed_closed
cport=$(owed | sed -n "s/^client $CLI_IP4:\([0-9]*\) .*/\1/p")
check "blind SYNs at the closed pair sent" \
	cli python3 -S "$tool" inject --src $CLI_IP4:"$cport" --dst $FWD_CLI_IP4:8108 --flags S --count 8
check "the pair owing data is still there" _owed_closed
cli nft delete table inet lose_data
check "the client gets the data and the EOF" wait $cli_pid
check "the server gets the client's EOF" wait $srv_pid

# 4. Unloading the module resets both ends of a live pair.
srv python3 -S "$tool" peer --listen 9103 --expect reset > "$L/teardown.unload.srv" 2>&1 &
srv_pid=$!
wait_listener "$NS_SRV" t 9103 && handoff_one 8103 9103 || finish
cli python3 -S "$tool" peer --connect $FWD_CLI_IP4:8103 --greeting --expect reset --timeout 30 > "$L/teardown.unload.cli" 2>&1 &
cli_pid=$!
check "hand-off done" wait_until 30 spliced 8103
check "rmmod with a live pair" rmmod forwarder
wait $cli_pid
wait $srv_pid
expect_eq "client reset by unload" "event reset" "$(cat "$L/teardown.unload.cli")"
expect_eq "server reset by unload" "event reset" "$(cat "$L/teardown.unload.srv")"

# 5. Unloading the module while a transfer runs flat out.
load_forwarder || finish
srv socat TCP-LISTEN:9105,reuseaddr SYSTEM:'cat /dev/zero' &
defer "kill $!"
wait_listener "$NS_SRV" t 9105 && handoff_one 8105 9105 --no-greeting --no-wait || finish
cli python3 -S "$tool" peer --connect $FWD_CLI_IP4:8105 --expect reset --timeout 60 > "$L/teardown.busy.cli" 2>&1 &
cli_pid=$!
_flowing() { grep "local $FWD_CLI_IP4:8105 " $FWD_PROC/show | grep -q "s2c_bytes [0-9]\{8,\}"; }
check "10 MB+ flowing through the pair" wait_until 60 _flowing
check "rmmod during the transfer" rmmod forwarder
wait $cli_pid
expect_eq "client reset by unload mid-transfer" "event reset" "$(cat "$L/teardown.busy.cli")"
finish
