#!/bin/bash
# A socket that still owes its peer bytes at the hand-off (the listener's
# greeting, unacked) and whose peer's ACK of them is lost: the peer's next ACK
# also covers bytes forwarded after the hand-off. The socket must still learn
# that the greeting arrived (a pure ACK clamped to what it sent) and go quiet:
# after the transfer, `ss -tin` in the forwarder's namespace shows both spliced
# sockets alive (their ports stay reserved while the pair lives), nothing
# unacked, no backoff and no timer, with tcp_retries2=3 once the greeting is
# acknowledged (a socket that retransmitted again would die within seconds and
# free its port under the pair).
. "$(dirname "$0")/lib.sh"
require_cmd socat python3 nft ss
tool=$FWD_TOP/tests/netns/splice_tool.py
L=$FWD_LOGDIR
bytes=$(scaled 2000000)

setup_topology || exit 1
load_forwarder || finish

head -c "$bytes" /dev/urandom > "$L/owed.data"
sum=$(sha256sum < "$L/owed.data" | cut -d' ' -f1)
# The server speaks first, but only once the pair is spliced, then waits for
# the client to close. (Not socat SYSTEM:cat: socat ends a connection 0.5 s
# after its child exits, and cat was done once the pipe held its bytes; on
# the debug kernel the download ended after the 57,344 bytes the server's
# socket had taken while the client's ACKs were lost.)
srv python3 -S "$tool" peer --listen 9400 --go "$L/owed.go" --file "$L/owed.data" \
	--expect eof --timeout 120 > "$L/owed.server" 2>&1 &
defer "kill $!"
fwd python3 -S "$tool" handoff --port 8400 --server $SRV_IP4:9400 --no-wait > "$L/owed.handoff" 2>&1 &
defer "kill $!"
wait_listener "$NS_SRV" t 9400 && wait_listener "$NS_FWD" t 8400 || finish

# The client's stack loses everything it sends after the handshake (its ACK of
# the greeting first), until the server's bytes are flowing.
cli nft -f - <<-EOF || { fail "nft rule"; finish; }
	table inet owed {
		chain out {
			type filter hook output priority 0;
			tcp dport 8400 ct original packets ge 3 counter drop
		}
	}
EOF
cli sysctl -qw net.netfilter.nf_conntrack_acct=1
cli python3 -S "$tool" download --connect $FWD_CLI_IP4:8400 --greeting --sha256 "$sum" \
	--bytes "$bytes" > "$L/owed.download" 2>&1 &
client=$!
check "hand-off with the greeting unacked" wait_until 60 grep -q "handoff ok" "$L/owed.handoff"
touch "$L/owed.go"
_forwarded() { grep "local $FWD_CLI_IP4:8400 " $FWD_PROC/show | grep -q "s2c_bytes [1-9][0-9]\{4,\}"; }
check "server bytes forwarded while the client's ACKs are lost" wait_until 60 _forwarded
check "the client's ACK of the greeting was lost" \
	sh -c "ip netns exec $NS_CLI nft list chain inet owed out | grep -q 'counter packets [1-9]'"
cli nft delete table inet owed
# The owing socket's next retransmission of the greeting draws the client's
# ACK, which reaches it clamped to what it sent: nothing of it stays unacked.
_acked() {
	local st
	st=$(fwd ss -H -tino state established "( sport = :8400 )")
	[ -n "$st" ] && [[ $st != *unacked:* ]]
}
check "the owing socket learnt that its greeting arrived" wait_until 60 _acked
# From here on a socket that retransmits again dies within seconds (and frees
# its port under the pair). Not before: while the test itself loses the ACKs
# the owing socket must retransmit, and on the debug kernel that phase
# outlasts tcp_retries2=3 (the socket timed out at the timer that would have
# drawn the ACK).
fwd sysctl -qw net.ipv4.tcp_retries2=3
check "download byte-exact ($((bytes / 1000000)) MB)" wait $client
check "the server saw the client close" wait_until 30 grep -q "event eof" "$L/owed.server"

for end in "sport = :8400" "dport = :9400"; do
	st=$(fwd ss -H -tino state established "( $end )")
	log "spliced socket ($end): $st"
	check "spliced socket ($end) still there" test -n "$st"
	check "spliced socket ($end): nothing unacked" eval '[[ $st != *unacked:* ]]'
	check "spliced socket ($end): no backoff" eval '[[ $st != *backoff:* ]]'
	check "spliced socket ($end): no timer" eval '[[ $st != *"timer:(on"* && $st != *"timer:(persist"* && $st != *"timer:(keepalive"* ]]'
done
expect_eq "owing socket counted" 1 "$(awk '$1 == "owing" { print $2 }' $FWD_PROC/splice_stats)"
finish
