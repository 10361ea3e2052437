#!/bin/bash
# Splicing at scale, through fwd-listener and the module: 1,000 concurrent
# and 2,000 sequential short connections (FWD_SEQUENTIAL=20000 for the full
# count: about 35 hand-offs a second under TCG makes that a 10-minute test),
# handed to the kernel (a request/response finished before its hand-off is
# relayed), every byte echoed back intact; 200 MB each way at once through
# one pair; spliced flows go on after the listener is killed with SIGKILL.
. "$(dirname "$0")/lib.sh"
setup_topology || exit 1
. "$FWD_TOP/userspace/listener/tests/netns.sh"
# Under KASAN and TCG, 1,000 Python clients at once get their connections
# reset before the listener accepts them (not yet understood; see the notes):
# the debug kernel covers hand-off lifetimes in test_listener_handoff and
# test_splice_teardown instead.
debug_kernel && skip "1,000 concurrent clients are reset on the debug kernel under TCG"
load_forwarder || finish
# 1,000 clients hold 2,000 sockets in the client's Python, 2,000 in the listener.
ulimit -n 65536
# Finished pairs leave the table after a second, so 20,000 of them never pile up.
fwd sh -c 'echo 1 > /proc/forwarder/splice_timeout_closing'
start_servers
P=1080
start_listener scale -p $P -a "10.0.2.0/24 $ECHO_PORT" --max-clients 4000
installed() { awk '$1 == "installed" { print $2 }' $FWD_PROC/splice_stats; }

check "1,000 concurrent clients echo 20 KB each" \
	cli "$PY" -S "$LT_PY" many "$FWD_CLI_IP4" $P "$SRV_IP4" $ECHO_PORT 1000 20000 native 100
expect_stat scale handed_off 1000
expect_stat scale fallbacks 0
expect_stat scale relay_bytes 0
expect_eq "the kernel installed 1,000 pairs" 1000 "$(installed)"

# Sequential request/response clients that talk at once: a connection whose
# exchange ends before the listener hands it off (the client already closed)
# is relayed; the rest must reach the kernel.
n=${FWD_SEQUENTIAL:-2000}
check "$n sequential clients echo 1 KB each" \
	cli "$PY" -S "$LT_PY" sequential "$FWD_CLI_IP4" $P "$SRV_IP4" $ECHO_PORT $n 1000 native
expect_stat scale active 0
# The stats file is a snapshot the listener rewrites: wait for the last ones.
_all_counted() { [ $(($(counter scale handed_off) + $(counter scale fallbacks))) -eq $((1000 + n)) ]; }
check "each connection handed off or relayed ($((1000 + n)))" wait_until 20 _all_counted
ho=$(counter scale handed_off) fb=$(counter scale fallbacks)
log "handed off $ho, relayed $fb ($(grep '^fallback_' "$L_TMP/scale.stats" | tr '\n' ' '))"
check "at least 90% of the sequential pairs handed off ($((ho - 1000)) of $n)" \
	test $((ho - 1000)) -ge $((n * 9 / 10))
expect_eq "the kernel installed every pair handed off" "$ho" "$(installed)"
_drained() { [ "$(awk '$1 == "active" { print $2 }' $FWD_PROC/splice_stats)" = 0 ]; }
if wait_until 30 _drained; then
	log "ok: finished pairs leave the table"
else
	# Which pairs stay, and in what state, is what a failure here needs.
	fail "finished pairs leave the table: $(awk '$1 == "active"' $FWD_PROC/splice_stats)"
	head -n 20 $FWD_PROC/show
fi

# 200 MB each way at once through one pair (lt.py echoes while it sends).
check "200 MB echoed through one spliced pair" \
	cli "$PY" -S "$LT_PY" many "$FWD_CLI_IP4" $P "$SRV_IP4" $ECHO_PORT 1 200000000 native
expect_stat scale handed_off $((ho + 1))

# SIGKILL after the hand-off: the spliced stream does not notice.
rm -f "$L_TMP/ready"
cli "$PY" -S "$LT_PY" stream "$FWD_CLI_IP4" $P "$SRV_IP4" $ECHO_PORT 4 "$L_TMP/ready" >"$L_TMP/stream.out" 2>&1 &
spid=$!
check "the stream started" wait_until 60 test -e "$L_TMP/ready"
expect_stat scale handed_off $((ho + 2))
kill -9 $LPID
wait $spid
expect_eq "a spliced connection outlives the listener's SIGKILL" 0 $?
log "$(cat "$L_TMP/stream.out")"
finish
