#!/bin/bash
# fwd-listener with the kernel module: --port writes listen_port; connected
# pairs are handed to the kernel through /proc/forwarder/forward as soon as
# nothing is in flight through the listener, even while a transfer runs, after
# which the listener moves no payload byte (relay_bytes stays 0) while every
# byte still arrives (sha256). Pairs the kernel refuses (IPv6) are relayed
# instead, and the client does not notice.
. "$(dirname "$0")/lib.sh"
setup_topology || exit 1
. "$FWD_TOP/userspace/listener/tests/netns.sh"
[ -f "$FWD_KO" ] || skip "the kernel module is not built ($FWD_KO)"
if ! fwd_loaded; then
	insmod "$FWD_KO" 2>/dev/null || skip "cannot load the module on this kernel"
	defer unload_forwarder
fi
fwd test -e /proc/forwarder/forward || skip "this module has no /proc/forwarder/forward"
start_servers
P=1080
start_listener ho -p $P -a "10.0.2.0/24 $HTTP_PORT,$ECHO_PORT,$BANNER_PORT" -a "fd00:2::/64 $ECHO_PORT"
expect_eq "--port wrote /proc/forwarder/listen_port" $P "$(<$FWD_PROC/listen_port)"

# Clients that pause briefly after the proxy's reply.
mb5=$(scaled 5000000)
for proto in native http socks5; do
	check "$proto: 4 clients echo $((mb5 / 1000)) KB each through the kernel" \
		cli "$PY" -S "$LT_PY" many "$FWD_CLI_IP4" $P "$SRV_IP4" $ECHO_PORT 4 $mb5 $proto 100
done
expect_stat ho handed_off 12
expect_stat ho fallbacks 0
expect_stat ho relay_bytes 0
expect_stat ho early_bytes 0
installed=$(awk '$1 == "installed" {print $2}' $FWD_PROC/splice_stats)
check "the kernel installed the 12 pairs (installed $installed)" test "${installed:-0}" -ge 12
show=$(<$FWD_PROC/show)
check "the pairs are listed in /proc/forwarder/show" grep -q "client $CLI_IP4:[0-9]* local $FWD_CLI_IP4:$P" <<<"$show"

# Real clients that talk at once: curl downloads 20 MB over HTTP CONNECT and
# SOCKS5; the server streams from its first reply. Both are handed off anyway,
# and every byte arrives.
check_sha "curl -p -x (HTTP CONNECT)" \
	cli curl -sS --max-time 60 -p -x "http://$FWD_CLI_IP4:$P" "http://$SRV_IP4:$HTTP_PORT/data"
check_sha "curl --socks5" \
	cli curl -sS --max-time 60 --socks5 "$FWD_CLI_IP4:$P" "http://$SRV_IP4:$HTTP_PORT/data"
expect_stat ho handed_off 14
expect_stat ho fallbacks 0
expect_stat ho relay_bytes 0
# Early bytes (pipelined with the instruction, a banner from the server) are
# delivered by the listener first; the pair is handed off or relayed after that.
check "pipelined payload delivered first (then handed off, or relayed once the client half-closed)" \
	cli "$PY" -S "$LT_PY" pipeline "$FWD_CLI_IP4" $P "$SRV_IP4" $ECHO_PORT 3000 native
check "server speaks first" \
	cli "$PY" -S "$LT_PY" pipeline "$FWD_CLI_IP4" $P "$SRV_IP4" $BANNER_PORT 0 http "220 banner from the server"
# IPv6 pairs: the kernel splices IPv4 only, so these two are relayed.
check "IPv6 clients" cli "$PY" -S "$LT_PY" many "$FWD_CLI_IP6" $P "$SRV_IP6" $ECHO_PORT 2 1000000 socks5 100
# (The stats file is rewritten every second: wait for the final numbers.)
_all_done() { [ "$(counter ho active)" == 0 ] && [ $(($(counter ho handed_off) + $(counter ho fallbacks))) -eq 18 ]; }
wait_until 30 _all_done || fail "not every connection was handed off or relayed"
ho=$(counter ho handed_off) fb=$(counter ho fallbacks)
log "handed off $ho, relayed $fb (by reason: $(grep '^fallback_' "$L_TMP/ho.stats" | tr '\n' ' '))"
expect_eq "each connection handed off or relayed" 18 $((ho + fb))
# The two IPv6 pairs are refused; a pipelining client that half-closes while
# its pair is being handed off may be refused too (ENOTCONN) and relayed.
expect_eq "IPv6 pairs refused by the kernel" 2 \
	"$(grep -c 'kernel refused the hand-off (Address family not supported' "$FWD_LOGDIR/listener-$L_TEST-ho.log")"
check "refusals counted" test "$(counter ho fallback_kernel_refused)" -ge 2
logged_no_error ho

# SIGTERM: the listener exits, the kernel's pairs live on.
rm -f "$L_TMP/ready"
cli "$PY" -S "$LT_PY" stream "$FWD_CLI_IP4" $P "$SRV_IP4" $ECHO_PORT 3 "$L_TMP/ready" >"$L_TMP/stream.out" 2>&1 &
spid=$!
wait_until 60 test -e "$L_TMP/ready" || fail "the stream did not start"
# It must be the kernel's pair: a relayed one survives SIGTERM as well.
check "the stream was handed off to the kernel" wait_until 20 _stat_is ho handed_off $((ho + 1))
kill -TERM $LPID
wait $spid
expect_eq "a connection survives the listener's SIGTERM" 0 $?
listener_finish
