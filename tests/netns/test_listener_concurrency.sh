#!/bin/bash
# fwd-listener with many clients at once: 200 concurrent clients of each
# protocol, each echoing its own random 100 KB through the listener, every byte
# checked; afterwards nothing is left open. With few file descriptors, clients
# wait instead of failing.
. "$(dirname "$0")/lib.sh"
stock_only "fwd-listener's own behaviour; its hand-off into the kernel runs there in test_listener_handoff"
setup_topology || exit 1
. "$FWD_TOP/userspace/listener/tests/netns.sh"
start_servers
P=1080
start_listener many -p $P -a "10.0.2.0/24 $ECHO_PORT" -a "fd00:2::/64 $ECHO_PORT"
fds_before=$(ls /proc/$LPID/fd | wc -l)

check "200 concurrent native clients" cli "$PY" -S "$LT_PY" many "$FWD_CLI_IP4" $P "$SRV_IP4" $ECHO_PORT 200 100000 native
check "200 concurrent HTTP CONNECT clients" cli "$PY" -S "$LT_PY" many "$FWD_CLI_IP4" $P "$SRV_IP4" $ECHO_PORT 200 100000 http
check "200 concurrent SOCKS5 clients over IPv6" cli "$PY" -S "$LT_PY" many "$FWD_CLI_IP6" $P "$SRV_IP6" $ECHO_PORT 200 100000 socks5
expect_stat many accepted 600
expect_stat many fallbacks 600
expect_stat many active 0
check "the clients were served concurrently (at most $(counter many active_max) at once)" \
	test "$(counter many active_max)" -ge 100
fds_after=$(ls /proc/$LPID/fd | wc -l)
expect_eq "no descriptor leaked" "$fds_before" "$fds_after"
logged_no_error many

# Few descriptors (64): the listener serves as many at once as six descriptors
# each allow (5) and the other clients wait in the listen backlog; none fails.
bash -c "ulimit -n 64; exec ip netns exec $NS_FWD $LISTENER -p 1081 -a '10.0.2.0/24 $ECHO_PORT' \
	--stats $L_TMP/few.stats" >"$FWD_LOGDIR/listener-$L_TEST-few.log" 2>&1 &
defer "kill -9 $! 2>/dev/null"
wait_port "$NS_FWD" 1081
check "64 descriptors: 100 concurrent clients all served" \
	cli "$PY" -S "$LT_PY" many "$FWD_CLI_IP4" 1081 "$SRV_IP4" $ECHO_PORT 100 300000 http
expect_stat few active_max 5
expect_stat few connect_errors 0
expect_stat few active 0
listener_finish
