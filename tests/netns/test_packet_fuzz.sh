#!/bin/bash
# Hostile packets at live connections: while spliced echoes (client ->
# forwarder's listener -> server) and tracked, shaped ones (client -> server,
# through the forwarder's hooks and a rate group) run back to back, a fuzzer on each side of the
# forwarder sends raw frames of every kind pkt_fuzz.py knows (all TCP flag
# combinations, bad data offsets, truncated headers, malformed TCP and IP
# options, IPv4 and IPv6 fragments, ICMP errors with any MTU, bad UDP
# lengths), half aimed at the live flows with sequence numbers no peer
# would accept. Nothing may crash or leak (the VM judges the kernel log,
# KASAN and kmemleak on the debug kernel); every echo stays byte-exact, no
# pair is left open after its connections ended (a forged ACK the pair
# took once stalled echoes: make stress, 150,000 frames a side on the debug
# kernel), the garbage is counted where proc_api.md says, and the module
# unloads with no reference left.
# FWD_FUZZ_SEED=N repeats a run's frames (the seed is in the log; which live
# flows they hit, and their numbers, follow the traffic of that run);
# FWD_FUZZ_FRAMES=N sends N from each side (make stress).
. "$(dirname "$0")/lib.sh"
require_cmd socat python3
tool=$FWD_TOP/tests/netns/splice_tool.py
fuzz=$FWD_TOP/tests/netns/pkt_fuzz.py
L=$FWD_LOGDIR
seed=${FWD_FUZZ_SEED:-$RANDOM}
# 50,000 frames from each side (100,000 in all); a tenth on the debug
# kernel, where KASAN under TCG makes every frame ten times dearer: the same
# kinds, fewer of each.
frames=${FWD_FUZZ_FRAMES:-$(scaled 50000)}
log "seed $seed (FWD_FUZZ_SEED=$seed repeats it), $frames frames from each side"

setup_topology || exit 1
load_forwarder || finish
srv socat -t 30 TCP-LISTEN:9000,fork,reuseaddr EXEC:cat &
defer "kill $!"
srv socat -t 30 TCP-LISTEN:9001,fork,reuseaddr SYSTEM:'echo OK; exec cat' &
defer "kill $!"
fwd python3 -S "$tool" handoff --port 8700 --server $SRV_IP4:9000 --count 1000000 > "$L/fuzz.handoff" 2>&1 &
handoff=$!
defer "kill $handoff"
# The tracked echoes go through a shaping group: fuzzed frames of their flows wait in its queue too.
fwd_write groups "add 7 rate 4mbit burst 16k mode shape" || fail "group 7: shape 4 Mbit/s"
fwd_write groups "bind 7 proto tcp dport 9001 dir both" || fail "group 7: bound to port 9001"
wait_listener "$NS_SRV" t 9000 && wait_listener "$NS_SRV" t 9001 && wait_listener "$NS_FWD" t 8700 || finish
# The hand-off process itself, to stop it before the unload.
fpid=$(ns_pid "$NS_FWD" python3) || { fail "no hand-off process in the forwarder namespace"; finish; }
_group7() {	# _group7 KEY: a value from group 7's line
	local line
	while read -r line; do [[ $line == "7 "* && " $line " =~ \ $1\ ([0-9]+)\  ]] && echo "${BASH_REMATCH[1]}"; done < "$FWD_PROC/groups"
}
counter() {	# counter FILE NAME
	local k v
	while read -r k v; do [ "$k" = "$2" ] && { echo "$v"; return; }; done < "$FWD_PROC/$1"
	echo "missing"
}

rm -f "$L/fuzz.stop"
# An echo may wait long for a CPU the fuzzers keep busy (a slow debug-kernel
# machine): only one idle for two minutes is cut short.
cli python3 -S "$tool" clients --connect $FWD_CLI_IP4:8700 --bytes 200000 --until "$L/fuzz.stop" \
	--timeout 120 > "$L/fuzz.spliced" 2>&1 &
spliced=$!
cli python3 -S "$tool" clients --connect $SRV_IP4:9001 --bytes 200000 --until "$L/fuzz.stop" \
	--timeout 120 > "$L/fuzz.tracked" 2>&1 &
tracked=$!
defer "touch $L/fuzz.stop"
_handed_off() { [ "$(count_matching "$L/fuzz.handoff" "handoff ok")" -gt 0 ]; }
check "spliced echoes running" wait_until 60 _handed_off
_shaped() { [ "$(_group7 conform_pkts)" -gt 0 ]; }
check "tracked echoes running through group 7" wait_until 60 _shaped

before=()
names=(parse_errors bad_tcp_flags fragments tcp_invalid)
for n in "${names[@]}"; do before+=("$(counter stats "$n")"); done
invalid0=$(counter splice_stats invalid) outside0=$(counter splice_stats out_of_window)

fmac0=$(fwd cat /sys/class/net/f0/address) fmac1=$(fwd cat /sys/class/net/f1/address)
cli python3 -S "$fuzz" --ifname c0 --dmac "$fmac0" --count "$frames" --seed "$seed" --ports 8700,9001 \
	--local4 $CLI_IP4 --peer4 $SRV_IP4 --local6 $CLI_IP6 --peer6 $SRV_IP6 > "$L/fuzz.cli" 2>&1 &
fc=$!
srv python3 -S "$fuzz" --ifname s0 --dmac "$fmac1" --count "$frames" --seed $((seed + 1)) --ports 9000,9001 \
	--local4 $SRV_IP4 --peer4 $CLI_IP4 --local6 $SRV_IP6 --peer6 $CLI_IP6 > "$L/fuzz.srv" 2>&1 &
fs=$!
for side in cli srv; do
	pid=$fc
	[ $side = srv ] && pid=$fs
	check "fuzzer on the $side side ran" wait $pid
	out=$(<"$L/fuzz.$side")
	log "$out"
	[[ $out =~ ,\ ([0-9]+)\ aimed\ at\ live ]] && aimed=${BASH_REMATCH[1]} || aimed=0
	check "fuzzer on the $side side hit live flows ($aimed frames)" test "$aimed" -gt 0
done

touch "$L/fuzz.stop"
check "spliced client loop ends" wait $spliced
check "tracked client loop ends" wait $tracked
_all_exact() { [[ $(<"$1") =~ ^clients:\ [1-9][0-9]*\ byte-exact,\ 0\ cut\ short$ ]]; }
for c in spliced tracked; do
	log "$c: $(<"$L/fuzz.$c")"
	check "$c echoes byte-exact through the fuzz, none cut short" _all_exact "$L/fuzz.$c"
done
refused=$(count_matching "$L/fuzz.handoff" "handoff failed")
expect_eq "hand-offs refused during the fuzz" 0 "$refused"

for i in "${!names[@]}"; do
	now=$(counter stats "${names[i]}")
	check "${names[i]} counted the garbage (${before[i]} -> $now)" test "$now" -gt "${before[i]}"
done
invalid=$(counter splice_stats invalid)
check "splice_stats invalid counted the blind segments ($invalid0 -> $invalid)" test "$invalid" -gt "$invalid0"
# Other segments aimed at the pairs, far from any window, go on with their ACKs ignored.
outside=$(counter splice_stats out_of_window)
check "splice_stats out_of_window counted the far segments ($outside0 -> $outside)" test "$outside" -gt "$outside0"
delayed=$(_group7 delayed)
check "the shaped echoes went through group 7's queue ($delayed packets)" test "${delayed:-0}" -gt 0
active=$(counter stats sessions_active) limit=$(counter stats sessions_limit)
check "the session table within its limit ($active of $limit)" test "$active" -le "$limit"
# Every connection ended: no pair may still be open (FIN_WAIT, TIME_WAIT, CLOSE are ends).
_none_open() {
	local line
	[ -r "$FWD_PROC/show" ] || return 1
	while IFS= read -r line; do [[ $line == *" state ESTABLISHED "* ]] && return 1; done < "$FWD_PROC/show"
	return 0
}
if ! wait_until 30 _none_open; then
	fail "pairs left ESTABLISHED after their connections ended"
	log "$(grep ESTABLISHED "$FWD_PROC/show")"
fi
kill "$fpid" $handoff
wait $handoff 2>/dev/null
check "rmmod: no reference left" rmmod forwarder
finish
