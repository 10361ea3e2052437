#!/bin/bash
# The MSS each peer may send is the other connection's: a server that
# announced 536 bytes gets no bigger segment from a client that was offered
# 1460 by the listener. The forwarder's link to the server does no TSO/GSO
# and the server's no GRO, so the server's input hook counts segments as
# they were on the wire: none carries more than the 536 bytes it announced
# (before: the client's 1448-byte segments went through as they came), and
# the upload is byte-exact; the same with plain, software-checksummed
# segments from the client, which must be verified before they are cut.
. "$(dirname "$0")/lib.sh"
require_cmd socat python3 nft ethtool
tool=$FWD_TOP/tests/netns/splice_tool.py
bytes=$(scaled 2000000)

setup_topology || exit 1
load_forwarder || finish
fwd ethtool -K f1 tso off gso off > /dev/null || skip "cannot turn off TSO/GSO on a veth"
srv ethtool -K s0 gro off > /dev/null || skip "cannot turn off GRO on a veth"

srv nft -f - <<-EOF || { fail "nft rule"; finish; }
	table inet mss {
		chain in {
			type filter hook input priority 0;
			tcp dport 9700 counter
			tcp dport 9700 ip length > 576 counter
		}
	}
EOF
# Counters of the two rules: every segment, then those above 536 bytes of TCP payload and options.
_counts() { srv nft list chain inet mss in | awk '/counter packets/ { for (i = 1; i < NF; i++) if ($i == "packets") printf "%s ", $(i + 1) }'; }

srv socat -t 30 TCP-LISTEN:9700,reuseaddr,fork,mss=536 EXEC:cat &
defer "kill $!"
fwd python3 -S "$tool" handoff --port 8700 --server $SRV_IP4:9700 --no-mss-clamp --count 2 \
	> "$FWD_LOGDIR/mss.handoff" 2>&1 &
defer "kill $!"
wait_listener "$NS_SRV" t 9700 && wait_listener "$NS_FWD" t 8700 || finish

check "echo through a server that announced MSS 536, $((bytes / 1000000)) MB each way intact" \
	cli python3 -S "$tool" client --connect $FWD_CLI_IP4:8700 --bytes $bytes
check "spliced" grep -q "handoff ok" "$FWD_LOGDIR/mss.handoff"
set -- $(_counts)
log "segments at the server: ${1:-?} in all, ${2:-?} above its MSS"
check "the upload reached the server in segments of its MSS (${1:-0} for $bytes bytes)" \
	test "${1:-0}" -ge $((bytes / 536))
expect_eq "no segment above the MSS the server announced" 0 "${2:-missing}"

# Again with plain segments from the client (no TSO, checksums in software:
# CHECKSUM_NONE at the forwarder), which the splice verifies before it cuts
# them (their segments get fresh checksums) and hands to GSO as
# CHECKSUM_PARTIAL.
# (nft 1.0.6 cannot reset a rule's counter: the second upload is the growth.)
cli ethtool -K c0 tx off tso off gso off > /dev/null || skip "cannot turn off checksum offload on a veth"
before_all=${1:-0} before_big=${2:-0}
check "plain client segments through the cut, $((bytes / 1000000)) MB each way intact" \
	cli python3 -S "$tool" client --connect $FWD_CLI_IP4:8700 --bytes $bytes --seed 2
expect_eq "both spliced" 2 "$(grep -c "handoff ok" "$FWD_LOGDIR/mss.handoff")"
set -- $(_counts)
log "plain segments at the server: $((${1:-0} - before_all)) in all, $((${2:-0} - before_big)) above its MSS"
check "plain segments cut too ($((${1:-0} - before_all)) for $bytes bytes)" \
	test $((${1:-0} - before_all)) -ge $((bytes / 536))
expect_eq "plain segments: none above the MSS" 0 "$((${2:-0} - before_big))"
finish
