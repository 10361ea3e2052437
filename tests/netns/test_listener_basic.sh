#!/bin/bash
# fwd-listener end to end, the way real clients use it: the native line (nc),
# HTTP CONNECT (curl -p -x, nc -X connect), SOCKS5 (curl --socks5,
# --socks5-hostname, nc -X 5), host names resolved, IPv4 and IPv6, credentials.
# Each transfer is a 20 MB download checked with sha256. Runs without the
# kernel module, so every connection is relayed by the listener (a fallback).
. "$(dirname "$0")/lib.sh"
stock_only "fwd-listener's own behaviour; its hand-off into the kernel runs there in test_listener_handoff"
setup_topology || exit 1
. "$FWD_TOP/userspace/listener/tests/netns.sh"
unload_forwarder 2>/dev/null
start_servers

# A second copy of the file in the forwarder namespace on 127.0.0.1, reached by name ("localhost").
ip netns exec "$NS_FWD" "$PY" -m http.server --bind 127.0.0.1 --directory "$L_TMP/www" 9999 >/dev/null 2>&1 &
defer "kill -9 $! 2>/dev/null"
wait_port "$NS_FWD" 9999

P=1080 PA=1081
allow=(-a "10.0.2.0/24 $HTTP_PORT" -a "fd00:2::/64 $HTTP_PORT" -a "127.0.0.0/8 9999")
start_listener open -p $P "${allow[@]}"
# The password's hash: a password itself on the command line is refused.
start_listener auth -p $PA "${allow[@]}" --user "alice:$(openssl passwd -6 s3cret)"
body() { tail -c 20000000; }	# what follows the proxy's reply and the HTTP headers
GET=$'GET /data HTTP/1.0\r\n\r\n'

check_sha "native line (nc)" \
	cli sh -c "printf 'CONNECT $SRV_IP4:$HTTP_PORT\n$GET' | nc $FWD_CLI_IP4 $P | tail -c 20000000"
check_sha "native line over IPv6 to an IPv6 server" \
	cli sh -c "printf 'CONNECT [$SRV_IP6]:$HTTP_PORT\n$GET' | nc $FWD_CLI_IP6 $P | tail -c 20000000"
check_sha "HTTP CONNECT (curl -p -x)" \
	cli curl -sS --max-time 60 -p -x "http://$FWD_CLI_IP4:$P" "http://$SRV_IP4:$HTTP_PORT/data"
check_sha "HTTP CONNECT over IPv6 (curl)" \
	cli curl -sS --max-time 60 -p -x "http://[$FWD_CLI_IP6]:$P" "http://[$SRV_IP6]:$HTTP_PORT/data"
check_sha "HTTP CONNECT to a host name (curl)" \
	cli curl -sS --max-time 60 -p -x "http://$FWD_CLI_IP4:$P" "http://localhost:9999/data"
check_sha "HTTP CONNECT (nc -X connect)" \
	cli sh -c "printf '$GET' | nc -X connect -x $FWD_CLI_IP4:$P $SRV_IP4 $HTTP_PORT | tail -c 20000000"
check_sha "SOCKS5 (curl --socks5)" \
	cli curl -sS --max-time 60 --socks5 "$FWD_CLI_IP4:$P" "http://$SRV_IP4:$HTTP_PORT/data"
check_sha "SOCKS5 to an IPv6 server over IPv6 (curl)" \
	cli curl -sS --max-time 60 --socks5 "[$FWD_CLI_IP6]:$P" "http://[$SRV_IP6]:$HTTP_PORT/data"
check_sha "SOCKS5 with a host name (curl --socks5-hostname)" \
	cli curl -sS --max-time 60 --socks5-hostname "$FWD_CLI_IP4:$P" "http://localhost:9999/data"
check_sha "SOCKS5 (nc -X 5)" \
	cli sh -c "printf '$GET' | nc -X 5 -x $FWD_CLI_IP4:$P $SRV_IP4 $HTTP_PORT | tail -c 20000000"

# Credentials: SOCKS5 user/password, HTTP Basic, the native NAME:PASSWORD word.
check_sha "SOCKS5 user/password (curl --proxy-user)" \
	cli curl -sS --max-time 60 --socks5 "$FWD_CLI_IP4:$PA" --proxy-user alice:s3cret \
	"http://$SRV_IP4:$HTTP_PORT/data"
check_sha "HTTP CONNECT with Basic credentials (curl --proxy-user)" \
	cli curl -sS --max-time 60 -p -x "http://$FWD_CLI_IP4:$PA" --proxy-user alice:s3cret \
	"http://$SRV_IP4:$HTTP_PORT/data"
check_sha "native line with credentials" \
	cli sh -c "printf 'CONNECT $SRV_IP4:$HTTP_PORT alice:s3cret\n$GET' | nc $FWD_CLI_IP4 $PA | tail -c 20000000"
cli curl -s --max-time 10 --socks5 "$FWD_CLI_IP4:$PA" --proxy-user alice:wrong \
	"http://$SRV_IP4:$HTTP_PORT/data" -o /dev/null
expect_eq "SOCKS5 wrong password: curl fails (exit 97)" 97 $?
expect_eq "SOCKS5 without credentials where they are required: curl fails (exit 97)" 97 \
	"$(cli curl -s --max-time 10 --socks5 "$FWD_CLI_IP4:$PA" "http://$SRV_IP4:$HTTP_PORT/" -o /dev/null; echo $?)"
expect_eq "HTTP CONNECT without credentials: 407" 407 \
	"$(cli curl -s --max-time 10 -p -x "http://$FWD_CLI_IP4:$PA" "http://$SRV_IP4:$HTTP_PORT/" -o /dev/null -w '%{http_connect}')"
expect_eq "HTTP CONNECT with a wrong password: 407" 407 \
	"$(cli curl -s --max-time 10 -p -x "http://$FWD_CLI_IP4:$PA" --proxy-user alice:x "http://$SRV_IP4:$HTTP_PORT/" -o /dev/null -w '%{http_connect}')"
expect_eq "native line without credentials" "ERR auth authentication required or failed" \
	"$(printf 'CONNECT %s:%s\n' $SRV_IP4 $HTTP_PORT | cli nc $FWD_CLI_IP4 $PA)"

# Counters: every transfer relayed by the listener (no module here), nothing left open.
expect_stat open accepted 10
expect_stat open fallbacks 10
expect_stat open fallback_no_module 10
expect_stat open handed_off 0
expect_stat open active 0
expect_stat open proto_native 2
expect_stat open proto_http 4
expect_stat open proto_socks5 4
expect_stat auth fallbacks 3
expect_stat auth refused_auth 5
expect_stat auth active 0
check "relay_bytes counts at least the 200 MB moved" test "$(counter open relay_bytes)" -ge 200000000
logged_no_error open
check "the listener is still running" kill -0 $LPID
listener_finish
