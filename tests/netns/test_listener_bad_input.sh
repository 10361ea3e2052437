#!/bin/bash
# fwd-listener against bad clients: oversized, slow, unknown, truncated and
# random instructions get the matching reply (or a plain close), the daemon
# never crashes, leaks no connection and keeps serving good clients.
. "$(dirname "$0")/lib.sh"
stock_only "fwd-listener's own behaviour; its hand-off into the kernel runs there in test_listener_handoff"
setup_topology || exit 1
. "$FWD_TOP/userspace/listener/tests/netns.sh"
start_servers
P=1080
start_listener bad -p $P -a "10.0.2.0/24 $ECHO_PORT" --instruction-timeout 2

raw() { cli "$PY" -S "$LT_PY" raw "$FWD_CLI_IP4" $P "$@"; }
hex() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }
unhex() { "$PY" -c 'import sys; sys.stdout.write(bytes.fromhex(sys.argv[1]).decode("latin-1"))' "$1"; }
first_line() { unhex "$(raw "$@")" | head -n 1 | tr -d '\r'; }

# Oversized: a line that never ends, HTTP headers that never end.
expect_eq "oversized native line" "ERR too-long instruction too long" \
	"$(first_line "$(head -c 5000 /dev/zero | tr '\0' A | od -An -v -tx1 | tr -d ' \n')")"
big_http="CONNECT $SRV_IP4:$ECHO_PORT HTTP/1.1"$'\r\n'
for i in $(seq 300); do big_http+="X-Padding-$i: aaaaaaaaaaaa"$'\r\n'; done
big_http=$(hex "$big_http")
expect_eq "oversized HTTP request" "HTTP/1.1 431 Request Header Fields Too Large" "$(first_line "$big_http")"

# Slow: not complete within --instruction-timeout (2 s).
expect_eq "slow native instruction" "ERR timeout instruction not received in time" \
	"$(cli "$PY" -S "$LT_PY" slow "$FWD_CLI_IP4" $P "CONNECT $SRV_IP4:$ECHO_PORT\n" 5 | head -n 1)"
expect_eq "slow HTTP request" "HTTP/1.1 408 Request Timeout" \
	"$(cli "$PY" -S "$LT_PY" slow "$FWD_CLI_IP4" $P "Host: x\r\n" 5 "CONNECT $SRV_IP4:$ECHO_PORT HTTP/1.1\r\n" | head -n 1 | tr -d '\r')"
expect_eq "silent client: timed out with an error reply" "ERR timeout instruction not received in time" \
	"$(first_line "" 3)"
expect_eq "SOCKS5 request never completed: reply 01 (general failure) after the timeout" 050005010001000000000000 \
	"$(raw 05010005010001 3)"

# Unknown or unsupported protocols.
expect_eq "unknown instruction" "ERR unknown-protocol unknown instruction or protocol" "$(first_line "$(hex $'HELLO\n')")"
expect_eq "lower-case connect" "ERR unknown-protocol unknown instruction or protocol" \
	"$(first_line "$(hex "connect $SRV_IP4:$ECHO_PORT"$'\n')")"
expect_eq "empty line" "ERR syntax malformed instruction, expected: CONNECT host:port" "$(first_line 0a)"
expect_eq "TLS ClientHello (binary) refused at once" "ERR unknown-protocol unknown instruction or protocol" \
	"$(first_line 160301020001000100)"
expect_eq "SOCKS4 refused with its own reply" 005b000000000000 "$(raw 04010007)"
expect_eq "HTTP GET to the proxy" "HTTP/1.1 405 Method Not Allowed" "$(first_line "$(hex $'GET http://x/ HTTP/1.1\r\n\r\n')")"
expect_eq "HTTP/2 preface" "HTTP/1.1 505 HTTP Version Not Supported" \
	"$(first_line "$(hex $'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')")"
expect_eq "bad port" "ERR syntax malformed instruction, expected: CONNECT host:port" \
	"$(first_line "$(hex "CONNECT $SRV_IP4:99999"$'\n')")"
expect_eq "SOCKS5 BIND: reply 07" 0500050700010000000000 "$(raw 050100050200010a0002020007 | cut -c1-22)"
expect_eq "SOCKS5 address type 05: reply 08" 0500050800010000000000 "$(raw 050100050100050a0002020007 | cut -c1-22)"
expect_eq "SOCKS5 no acceptable method: 05 ff" 05ff "$(raw 050101)"

# Clients that go away: mid-instruction, right after it, with a reset.
cli "$PY" -c "
import socket, struct
for i in range(20):
    s = socket.create_connection(('$FWD_CLI_IP4', $P))
    s.sendall(b'CONN' if i % 2 else b'\x05\x01')
    if i % 4 == 0:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    s.close()
for i in range(10):
    s = socket.create_connection(('$FWD_CLI_IP4', $P))
    s.sendall(b'CONNECT 10.0.2.2:$ECHO_PORT\n')
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    s.close()
"
# Random bytes, 300 clients.
cli "$PY" -c "
import os, random, socket
random.seed(7)
for i in range(300):
    s = socket.create_connection(('$FWD_CLI_IP4', $P))
    try:
        s.sendall(os.urandom(random.randint(1, 6000)))
    except OSError:
        pass
    s.close()
"
check "the daemon survived and serves good clients" \
	cli "$PY" -S "$LT_PY" many "$FWD_CLI_IP4" $P "$SRV_IP4" $ECHO_PORT 20 100000 socks5
# Everything closed: the lingering error connections end within a few seconds.
if wait_until 30 _stat_is bad active 0; then
	log "ok: no connection left open"
else
	fail "connections left open: $(counter bad active)"
fi
check "every refused instruction was counted" test "$(counter bad protocol_errors)" -ge 10
expect_stat bad instruction_timeouts 4
logged_no_error bad
check "the listener is still running" kill -0 $LPID
listener_finish
