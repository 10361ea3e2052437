#!/bin/bash
# fwd-listener with clients that do not wait: the instruction and the first
# payload in one write (bytes the listener already read with the instruction
# must reach the server first, in order), and servers that speak first (their
# banner must reach the client right after the proxy's reply). Every byte checked.
. "$(dirname "$0")/lib.sh"
stock_only "fwd-listener's own behaviour; its hand-off into the kernel runs there in test_listener_handoff"
setup_topology || exit 1
. "$FWD_TOP/userspace/listener/tests/netns.sh"
start_servers
P=1080
start_listener pipe -p $P -a "10.0.2.0/24 $ECHO_PORT,$BANNER_PORT" -a "fd00:2::/64 $ECHO_PORT,$BANNER_PORT"
BANNER="220 banner from the server"
pl() { cli "$PY" -S "$LT_PY" pipeline "$@"; }

for proto in native http socks5; do
	check "$proto: instruction + 3 bytes in one write" pl "$FWD_CLI_IP4" $P "$SRV_IP4" $ECHO_PORT 3 $proto
	check "$proto: instruction + 2 MB in one stream" pl "$FWD_CLI_IP4" $P "$SRV_IP4" $ECHO_PORT 2000000 $proto
	check "$proto: server speaks first" pl "$FWD_CLI_IP4" $P "$SRV_IP4" $BANNER_PORT 0 $proto "$BANNER"
	check "$proto: server speaks first, client pipelines 1 MB" \
		pl "$FWD_CLI_IP6" $P "$SRV_IP6" $BANNER_PORT 1000000 $proto "$BANNER"
done
# A real client: curl sends its HTTP request right after the SOCKS5/CONNECT reply;
# a banner-first server through nc (the native form): the banner comes first.
expect_eq "nc: banner first through the native form" "OK|$BANNER" \
	"$(printf 'CONNECT %s:%s\n' $SRV_IP4 $BANNER_PORT | cli nc -N $FWD_CLI_IP4 $P | head -n 2 | paste -sd'|')"
expect_stat pipe active 0
expect_stat pipe accepted 13
expect_stat pipe fallbacks 13
logged_no_error pipe
listener_finish
