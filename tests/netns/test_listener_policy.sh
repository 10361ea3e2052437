#!/bin/bash
# fwd-listener's destination policy and connection errors: no open proxy by
# default; the config file's allow/deny rules (first match wins) and SIGHUP
# reload; refused, unresolvable and unreachable destinations. Every refusal
# gets the protocol's own error reply (HTTP status, SOCKS5 reply code, native
# "ERR <reason>") and the daemon keeps serving.
. "$(dirname "$0")/lib.sh"
stock_only "fwd-listener's own behaviour; its hand-off into the kernel runs there in test_listener_handoff"
setup_topology || exit 1
. "$FWD_TOP/userspace/listener/tests/netns.sh"
start_servers

# socks_rep PORT IPHEX PORTHEX: the SOCKS5 reply code (hex) to a CONNECT through PORT.
socks_rep() {
	cli "$PY" -S "$LT_PY" raw "$FWD_CLI_IP4" "$1" "05010005010001${2}${3}" | cut -c7-8
}
# socks_name_rep PORT NAME PORTHEX: same, for a host name.
socks_name_rep() {
	local hex
	hex=$(printf '%s' "$2" | od -An -v -tx1 | tr -d ' \n')
	cli "$PY" -S "$LT_PY" raw "$FWD_CLI_IP4" "$1" "05010005010003$(printf '%02x' ${#2})${hex}${3}" | cut -c7-8
}
http_code() {	# http_code PORT HOST:PORT
	cli curl -s --max-time 20 -p -x "http://$FWD_CLI_IP4:$1" "http://$2/" -o /dev/null -w '%{http_connect}'
}
native() {	# native PORT HOST:PORT
	printf 'CONNECT %s\n' "$2" | cli nc -N "$FWD_CLI_IP4" "$1" | cut -d' ' -f1-2
}
SRV_HEX=0a000202	# 10.0.2.2

# 1. No rules: a closed proxy.
start_listener closed -p 1082
expect_eq "no rules: HTTP CONNECT refused with 403" 403 "$(http_code 1082 $SRV_IP4:$HTTP_PORT)"
expect_eq "no rules: SOCKS5 refused with reply 02 (not allowed by ruleset)" 02 "$(socks_rep 1082 $SRV_HEX 1f90)"
expect_eq "no rules: native refused" "ERR denied" "$(native 1082 $SRV_IP4:$HTTP_PORT)"
expect_eq "no rules: IPv6 refused too" 403 "$(http_code 1082 "[$SRV_IP6]:$HTTP_PORT")"
expect_stat closed refused_policy 4

# 2. A config file, first match wins.
cat >"$L_TMP/policy.conf" <<CONF
# test policy
deny  10.0.2.2/32 $ECHO_PORT
allow 10.0.2.0/24 $HTTP_PORT,9-10,$ECHO_PORT
allow 10.0.2.96/29 5000
allow fd00:2::/64 $HTTP_PORT
allow 127.0.0.0/8 *
CONF
start_listener conf -p 1083 -c "$L_TMP/policy.conf" --connect-timeout 1
check_sha "allowed destination (HTTP CONNECT)" \
	cli curl -sS --max-time 60 -p -x "http://$FWD_CLI_IP4:1083" "http://$SRV_IP4:$HTTP_PORT/data"
expect_eq "allowed IPv6 destination" 200 "$(cli curl -s --max-time 20 -p -x "http://$FWD_CLI_IP4:1083" \
	"http://[$SRV_IP6]:$HTTP_PORT/" -o /dev/null -w '%{http_code}')"
expect_eq "deny rule before the allow rule" 403 "$(http_code 1083 $SRV_IP4:$ECHO_PORT)"
expect_eq "port not in the list" 403 "$(http_code 1083 $SRV_IP4:22)"
expect_eq "port not in the list (SOCKS5)" 02 "$(socks_rep 1083 $SRV_HEX 0016)"
expect_eq "port not in the list (native)" "ERR denied" "$(native 1083 $SRV_IP4:22)"
expect_eq "other network" 403 "$(http_code 1083 10.0.1.2:$HTTP_PORT)"
expect_eq "IPv6 port not allowed" 403 "$(http_code 1083 "[$SRV_IP6]:22")"
# The forwarder's own address on a port the rules allow: 10.0.2.0/24 holds it, but
# does not name it; nor an address added after the listener started.
expect_eq "the forwarder's own address on an allowed port is refused" 403 "$(http_code 1083 $FWD_SRV_IP4:$HTTP_PORT)"
ip -n "$NS_FWD" addr add 10.0.2.50/24 dev f1
expect_eq "an address the forwarder gained after the start is refused" 403 "$(http_code 1083 10.0.2.50:$HTTP_PORT)"

# Connection errors on allowed destinations (a fresh unanswered address for each timeout:
# once the neighbour entry failed, the kernel says "host unreachable" at once).
expect_eq "refused connection: HTTP 502" 502 "$(http_code 1083 $SRV_IP4:9)"
expect_eq "refused connection: SOCKS5 reply 05" 05 "$(socks_rep 1083 $SRV_HEX 0009)"
expect_eq "refused connection: native" "ERR refused" "$(native 1083 $SRV_IP4:10)"
expect_eq "unresolvable host: HTTP 502" 502 "$(http_code 1083 no-such-host.invalid:$HTTP_PORT)"
expect_eq "unresolvable host: SOCKS5 reply 04" 04 "$(socks_name_rep 1083 no-such-host.invalid 1f90)"
expect_eq "unresolvable host: native" "ERR resolve" "$(native 1083 no-such-host.invalid:$HTTP_PORT)"
expect_eq "host name resolving to an allowed address (localhost)" "ERR refused" "$(native 1083 localhost:1)"
expect_eq "no answer (connect timeout): HTTP 504" 504 "$(http_code 1083 10.0.2.97:5000)"
expect_eq "no answer (connect timeout): SOCKS5 reply 06" 06 "$(socks_rep 1083 0a000262 1388)"
expect_eq "no answer (connect timeout): native" "ERR connect-timeout" "$(native 1083 10.0.2.99:5000)"
expect_stat conf refused_policy 8
expect_stat conf connect_errors 7
expect_stat conf resolve_errors 3
expect_stat conf active 0

# SIGHUP reloads the file; a broken file keeps the old policy.
sed -i "s/^deny .*//" "$L_TMP/policy.conf"
kill -HUP $LPID
wait_until 20 grep -q "policy reloaded" "$FWD_LOGDIR/listener-$L_TEST-conf.log" || fail "no reload logged"
check "after reload, the removed deny rule no longer refuses" \
	cli "$PY" -S "$LT_PY" many "$FWD_CLI_IP4" 1083 "$SRV_IP4" $ECHO_PORT 1 1000 native
echo "allow nonsense" >>"$L_TMP/policy.conf"
kill -HUP $LPID
wait_until 20 grep -q "reload failed, keeping the previous policy" "$FWD_LOGDIR/listener-$L_TEST-conf.log" ||
	fail "a broken config file was not reported"
check "a broken config file keeps the previous policy" \
	cli "$PY" -S "$LT_PY" many "$FWD_CLI_IP4" 1083 "$SRV_IP4" $ECHO_PORT 1 1000 http

# A broken config file at start: refuse to start, say why.
echo "allow 10.0.2.1/24 80" >"$L_TMP/bad.conf"
out=$(fwd "$LISTENER" -p 1084 -c "$L_TMP/bad.conf" 2>&1)
expect_eq "bad config at start: exit 1" 1 $?
check "bad config at start: the line is named" grep -q "line 1: '10.0.2.1/24' has host bits set" <<<"$out"

# 3. No open proxy, whatever the client writes: addresses that reach this host
# or no single host are refused unless an allow rule names them (its network
# inside their range); the listener's own port on this host never. A server
# on every address of the forwarder (9000, both families; socat starts much
# faster than Python's asyncio under TCG), so what gets through answers "OK".
fwd socat -u TCP6-LISTEN:9000,fork,reuseaddr,ipv6only=0 OPEN:/dev/null >"$FWD_LOGDIR/fwd-server.log" 2>&1 &
defer "kill -9 $! 2>/dev/null"
cat >"$L_TMP/open.conf" <<CONF
allow 127.0.0.2/32 9000
allow $FWD_SRV_IP4/32 *
deny  127.0.0.0/8 9000
allow 0.0.0.0/0 9000,9001,1085
allow ::/0 9000,1085
CONF
start_listener open -p 1085 -c "$L_TMP/open.conf"
wait_port "$NS_FWD" 9000
refused=(0.0.0.0:9000 "[::]:9000" "[::ffff:0.0.0.0]:9000" 127.0.0.1:9001 "[::1]:9000"
	169.254.169.254:9000 "[fe80::1]:9000" 224.0.0.1:9000 "[ff02::1]:9000" 255.255.255.255:9000
	10.0.2.255:9000 $FWD_CLI_IP4:9000 "[$FWD_SRV_IP6]:9000" $FWD_SRV_IP4:1085)
named=(127.0.0.2:9000 $FWD_SRV_IP4:9000)
# One client process for all of them: "HOST:PORT<tab>reply line" each.
replies=$(cli "$PY" -S "$LT_PY" replies "$FWD_CLI_IP4" 1085 "${refused[@]}" "${named[@]}")
reply() { awk -F'\t' -v d="$1" '$1 == d {print $2}' <<<"$replies" | cut -d' ' -f1-2; }
for dest in "${refused[@]}"; do
	expect_eq "$dest refused under 'allow 0.0.0.0/0' or 'allow ::/0'" "ERR denied" "$(reply "$dest")"
done
expect_eq "a loopback address an allow rule names (127.0.0.2/32) is allowed" OK "$(reply 127.0.0.2:9000)"
expect_eq "an own address an allow rule names ($FWD_SRV_IP4/32) is allowed" OK "$(reply $FWD_SRV_IP4:9000)"
expect_stat open refused_policy 14

check "daemons still running" kill -0 $LPID
listener_finish
