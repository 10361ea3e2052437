#!/bin/bash
# Blind injection at a spliced pair, as an off-path attacker who knows the
# tuples would try it (RFC 5961): during a paced echo through the pair, RSTs,
# SYNs and FINs with the exact 4-tuples but guessed sequence numbers (64 each,
# spread over the sequence space) arrive from the client's side and from the
# server's side. The pair stays ESTABLISHED, the transfer stays byte-exact,
# RSTs and FINs outside the window are counted as invalid and SYNs get
# challenge ACKs. Then FINs aimed inside and just ahead of the data the
# pair carried, by an attacker who sees the client's segments: neither is
# taken as a close; and an ACK of data the server lost, forged outside the
# window: the pair does not take it. (An exact-sequence RST still ends a pair:
# test_splice_teardown's first case.)
. "$(dirname "$0")/lib.sh"
require_cmd socat python3
tool=$FWD_TOP/tests/netns/splice_tool.py
L=$FWD_LOGDIR
bytes=$(scaled 4000000)
# About 12 s of transfer (30 s on the debug kernel, where each Python start
# takes seconds; 20 s left 10 s to spare): room for the injections to land
# inside it.
secs=12
debug_kernel && secs=30
rate=$((bytes / secs))

setup_topology || exit 1
load_forwarder || finish
srv socat -t 30 TCP-LISTEN:9000,fork,reuseaddr EXEC:cat &
defer "kill $!"
fwd python3 -S "$tool" handoff --port 8300 --server $SRV_IP4:9000 > "$L/inject.handoff" 2>&1 &
defer "kill $!"
wait_listener "$NS_SRV" t 9000 && wait_listener "$NS_FWD" t 8300 || finish

cli python3 -S "$tool" client --connect $FWD_CLI_IP4:8300 --bind-port 41000 --bytes "$bytes" \
	--rate "$rate" --seed 7 > "$L/inject.client" 2>&1 &
client=$!
pair() { grep "client $CLI_IP4:41000 " $FWD_PROC/show; }
# state: the state field of the show line on stdin.
state() { sed -n 's/.* state \([A-Z_]*\) .*/\1/p'; }
check "pair spliced" wait_until 60 sh -c "ip netns exec $NS_FWD cat /proc/forwarder/show | grep -q 'client $CLI_IP4:41000 .*state ESTABLISHED'"
sport=$(pair | sed -n 's/.* server_local [0-9.]*:\([0-9]*\) .*/\1/p')
[ -n "$sport" ] || { fail "no server-side port in show: $(pair)"; finish; }
stat() { awk -v k="$1" '$1 == k { print $2 }' $FWD_PROC/splice_stats; }
invalid0=$(stat invalid) challenges0=$(stat challenge_acks)

check "blind RST/SYN/FIN from the client's side sent" \
	cli python3 -S "$tool" inject --src $CLI_IP4:41000 --dst $FWD_CLI_IP4:8300 --count 64 --seed 1
check "blind RST/SYN/FIN from the server's side sent" \
	srv python3 -S "$tool" inject --src $SRV_IP4:9000 --dst "$FWD_SRV_IP4:$sport" --count 64 --seed 2
check "the transfer was still running during the injection" kill -0 $client
expect_eq "pair still ESTABLISHED after the injection" ESTABLISHED \
	"$(pair | state)"
check "echo byte-exact through the attack ($((bytes / 1000000)) MB)" wait $client
log "$(cat "$L/inject.client")"

invalid=$(( $(stat invalid) - invalid0 )) challenges=$(( $(stat challenge_acks) - challenges0 ))
log "invalid +$invalid, challenge_acks +$challenges"
# 256 RSTs and FINs: a few may fall inside a window (RSTs there are challenged;
# FINs inside the carried data are invalid too, FINs ahead of it go on).
check "out-of-window RSTs and FINs counted invalid ($invalid of 256)" test "$invalid" -ge 200
# Every SYN, and every in-window RST, is challenged (well under the 1000/s limit).
check "SYNs answered with challenge ACKs ($challenges, at least 128)" test "$challenges" -ge 128
expect_eq "spliced, not relayed" "handoff ok" "$(cat "$L/inject.handoff")"

# A FIN inside data the pair already carried, from an attacker who sees the
# client's segments: with the server's ACKs held back, the client's data
# stays in flight, and FINs just past the first byte of one of its segments
# land in the server's window but not at the end of the client's stream.
# The pair must drop them (invalid), not take them as the client's close.
# start_pair N: a hand-off listener on port 830N and a paced client from
# port 4100N through it (logs inject.handoffN and inject.clientN); sets client.
start_pair() {
	fwd python3 -S "$tool" handoff --port $((8300 + $1)) --server $SRV_IP4:9000 > "$L/inject.handoff$1" 2>&1 &
	defer "kill $!"
	wait_listener "$NS_FWD" t $((8300 + $1)) || finish
	cli python3 -S "$tool" client --connect $FWD_CLI_IP4:$((8300 + $1)) --bind-port $((41000 + $1)) \
		--bytes "$bytes" --rate "$rate" --seed $((7 + $1)) > "$L/inject.client$1" 2>&1 &
	client=$!
}
# flowing PAIR: the show line PAIR prints is spliced and has carried data.
flowing() { [[ $($1) == *"state ESTABLISHED"* ]] && [[ $($1) =~ c2s_bytes\ [0-9]{5,} ]]; }
start_pair 1
pair2() { grep "client $CLI_IP4:41001 " $FWD_PROC/show; }
check "second pair spliced and carrying data" wait_until 60 flowing pair2
# A second watcher sees the client's data before and during the hold, then
# aims a FIN one byte past its end: ahead of what the pair carried.
cli python3 -S "$tool" inject-inside --src $CLI_IP4:41001 --dst $FWD_CLI_IP4:8301 --dev c0 --count 1 \
	--ahead "$L/inject.go" > "$L/inject.ahead" 2>&1 &
ahead=$!
_ready() { grep -q ready "$L/inject.ahead"; }
check "the second watcher ready" wait_until 30 _ready
srv nft -f - <<-EOF || fail "nft: hold the server's ACKs"
	table inet hold_acks {
		chain out {
			type filter hook output priority 0;
			tcp sport 9000 drop
		}
	}
EOF
defer "ip netns exec $NS_SRV nft delete table inet hold_acks 2>/dev/null"
invalid0=$(stat invalid)
check "FINs forged inside the client's carried data sent" \
	cli python3 -S "$tool" inject-inside --src $CLI_IP4:41001 --dst $FWD_CLI_IP4:8301 --dev c0 --count 8
log "$(pair2)"
expect_eq "pair still ESTABLISHED after FINs inside its data" ESTABLISHED \
	"$(pair2 | state)"
check "the 8 FINs counted invalid (+$(( $(stat invalid) - invalid0 )))" test $(( $(stat invalid) - invalid0 )) -ge 8
touch "$L/inject.go"
check "a FIN one byte ahead of the client's data sent" wait $ahead
log "$(cat "$L/inject.ahead")"
srv nft delete table inet hold_acks
# The pair forwards a FIN ahead (it may have overtaken lost data) and waits
# for the receiver's ACK of it; the client's data going past it shows it forged.
c2s() { pair2 | sed -n 's/.* c2s_bytes \([0-9]*\) .*/\1/p'; }
past=$(( $(c2s) + 50000 ))
_went_past() { [ "$(c2s)" -ge $past ]; }
check "the client's data went on past the FIN ahead" wait_until 30 _went_past
log "$(pair2)"
expect_eq "pair still ESTABLISHED once the data went past the FIN ahead" ESTABLISHED \
	"$(pair2 | state)"
check "echo byte-exact after the forged FINs" wait $client
log "$(cat "$L/inject.client1")"

# An ACK forged outside the window must not teach the pair anything: while
# the server loses the client's data (nft drops it on arrival), an attacker
# who sees it go by acknowledges all of it from the server's side, with a
# sequence number no window holds, then SYNs draw challenge ACKs to the
# client. Had the pair taken that ACK, its challenge ACKs would acknowledge
# the lost data to the client, which would never resend it: the echo would
# stall. The segment is passed on for the client to drop, counted
# out_of_window.
start_pair 2
pair3() { grep "client $CLI_IP4:41002 " $FWD_PROC/show; }
check "third pair spliced and carrying data" wait_until 60 flowing pair3
sport3=$(pair3 | sed -n 's/.* server_local [0-9.]*:\([0-9]*\) .*/\1/p')
rm -f "$L/lose.go" "$L/ack.sent"
srv python3 -S "$tool" inject-ack --src $SRV_IP4:9000 --dst "$FWD_SRV_IP4:$sport3" --dev s0 \
	--go "$L/lose.go" --then "$L/ack.sent" > "$L/inject.ack" 2>&1 &
acker=$!
cli python3 -S "$tool" inject --src $CLI_IP4:41002 --dst $FWD_CLI_IP4:8302 --flags S --count 4 \
	--after "$L/ack.sent" > "$L/inject.syn" 2>&1 &
syner=$!
_both_ready() { grep -q ready "$L/inject.ack" && grep -q ready "$L/inject.syn"; }
check "the ACK forger and the SYN sender ready" wait_until 30 _both_ready
oow0=$(stat out_of_window)
srv nft -f - <<-EOF || fail "nft: lose the client's data at the server"
	table inet lose {
		chain in {
			type filter hook input priority 0;
			tcp dport 9000 drop
		}
	}
EOF
defer "ip netns exec $NS_SRV nft delete table inet lose 2>/dev/null"
touch "$L/lose.go"
check "an ACK of the lost data forged from the server's side" wait $acker
check "SYNs from the client's side sent after it" wait $syner
srv nft delete table inet lose
log "$(cat "$L/inject.ack")"
check "the forged ACK passed on, counted out_of_window" test "$(stat out_of_window)" -gt "$oow0"
expect_eq "third pair still ESTABLISHED" ESTABLISHED "$(pair3 | state)"
check "echo byte-exact after the forged ACK (the lost data resent)" wait $client
log "$(cat "$L/inject.client2")"
finish
