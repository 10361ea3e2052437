#!/bin/bash
# fwd-listener with many clients at once: 200 concurrent clients of each
# protocol, each echoing its own random 100 KB through the listener, every byte
# checked; afterwards nothing is left open.
. "$(dirname "$0")/lib.sh"
setup_topology || exit 1
. "$FWD_TOP/userspace/listener/tests/netns.sh"
start_servers
P=1080
start_listener many -p $P -a "10.0.2.0/24 $ECHO_PORT" -a "fd00:2::/64 $ECHO_PORT"
fds_before=$(ls /proc/$LPID/fd | wc -l)

check "200 concurrent native clients" cli "$PY" "$LT_PY" many "$FWD_CLI_IP4" $P "$SRV_IP4" $ECHO_PORT 200 100000 native
check "200 concurrent HTTP CONNECT clients" cli "$PY" "$LT_PY" many "$FWD_CLI_IP4" $P "$SRV_IP4" $ECHO_PORT 200 100000 http
check "200 concurrent SOCKS5 clients over IPv6" cli "$PY" "$LT_PY" many "$FWD_CLI_IP6" $P "$SRV_IP6" $ECHO_PORT 200 100000 socks5
expect_stat many accepted 600
expect_stat many fallbacks 600
expect_stat many active 0
check "the clients were served concurrently (at most $(counter many active_max) at once)" \
	test "$(counter many active_max)" -ge 100
fds_after=$(ls /proc/$LPID/fd | wc -l)
expect_eq "no descriptor leaked" "$fds_before" "$fds_after"
check "the listener logged no error" sh -c "! grep -q 'error:' '$FWD_LOGDIR/listener-$L_TEST-many.log'"
listener_finish
