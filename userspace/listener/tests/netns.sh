#!/bin/bash
# Helpers for tests/netns/test_listener_*.sh; source it after tests/netns/lib.sh
# and setup_topology. Servers run in the server namespace, fwd-listener in the
# forwarder namespace, clients in the client namespace.
LISTENER=$FWD_BUILD/userspace/listener/fwd-listener
LT_PY=$FWD_TOP/userspace/listener/tests/lt.py
PY=/usr/bin/python3
[ -x "$LISTENER" ] || skip "$LISTENER not built (make -C userspace/listener)"
[ -x "$PY" ] || skip "$PY is not installed"
require_cmd curl socat nc sha256sum

L_TEST=$(basename "$0" .sh)
L_TMP=$(mktemp -d)
defer "rm -rf $L_TMP"
ECHO_PORT=7 BANNER_PORT=2525 HTTP_PORT=8080

lt() { "$PY" -S "$LT_PY" "$@"; }

# wait_port NS PORT: like wait_listener, with room for a slow (debug, TCG) VM.
wait_port() {
	wait_until 60 _listening "$1" t "$2" || { fail "nothing listening on port $2 in $1"; return 1; }
}

# start_listener NAME ARGS...: run fwd-listener in the forwarder namespace with
# ARGS (which must include -p PORT), log to $FWD_LOGDIR/listener-NAME.log and
# keep its counters in $L_TMP/NAME.stats; wait until it listens. Its pid: $LPID.
start_listener() {
	local name=$1 port
	shift
	port=$(printf '%s\n' "$@" | awk 'prev == "-p" || prev == "--port" {print; exit} {prev = $0}')
	# ip netns exec execs the program: $! is the listener itself.
	ip netns exec "$NS_FWD" "$LISTENER" -v --stats "$L_TMP/$name.stats" "$@" >"$FWD_LOGDIR/listener-$L_TEST-$name.log" 2>&1 &
	LPID=$!
	defer "kill -9 $LPID 2>/dev/null"
	[ -z "$port" ] || wait_port "$NS_FWD" "$port"
}

# counter NAME KEY: the listener's counter KEY (from its stats file).
# (read, not awk: expect_stat polls it, and a process costs a second on the debug kernel)
counter() {
	local k v
	while read -r k v; do
		[ "$k" = "$2" ] && { echo "$v"; return; }
	done 2>/dev/null < "$L_TMP/$1.stats"
}
_stat_is() { [ "$(counter "$1" "$2")" == "$3" ]; }
# expect_stat NAME KEY VALUE: wait (up to 20 s) for the counter to reach VALUE.
expect_stat() {
	if wait_until 20 _stat_is "$@"; then
		log "ok: counter $2 = $3"
	else
		fail "counter $2: expected $3, got '$(counter "$1" "$2")'"
	fi
}

# Servers in the server namespace: a random file over HTTP on both families
# (20 MB, a tenth on the debug kernel), an echo server, and an echo server
# that speaks first.
start_servers() {
	mkdir -p "$L_TMP/www"
	head -c "$(scaled 20000000)" /dev/urandom >"$L_TMP/www/data"
	DATA_SHA=$(sha256sum <"$L_TMP/www/data" | cut -d' ' -f1)
	ip netns exec "$NS_SRV" "$PY" -m http.server --bind :: --directory "$L_TMP/www" $HTTP_PORT \
		>"$FWD_LOGDIR/http-server.log" 2>&1 &
	defer "kill -9 $! 2>/dev/null"
	ip netns exec "$NS_SRV" "$PY" -S "$LT_PY" echo-server '*' $ECHO_PORT >"$FWD_LOGDIR/echo-server.log" 2>&1 &
	defer "kill -9 $! 2>/dev/null"
	ip netns exec "$NS_SRV" "$PY" -S "$LT_PY" echo-server '*' $BANNER_PORT "220 banner from the server" \
		>"$FWD_LOGDIR/banner-server.log" 2>&1 &
	defer "kill -9 $! 2>/dev/null"
	wait_port "$NS_SRV" $HTTP_PORT
	wait_port "$NS_SRV" $ECHO_PORT
	wait_port "$NS_SRV" $BANNER_PORT
}

# check_sha WHAT CMD...: CMD prints the data file; its sha256 must match.
check_sha() {
	local what=$1 got
	shift
	got=$("$@" | sha256sum | cut -d' ' -f1)
	expect_eq "$what: sha256 of the data file" "$DATA_SHA" "$got"
}

# Before finish: show the listener logs when something failed.
listener_finish() {
	local f
	if [ "$_fwd_failures" -gt 0 ]; then
		for f in "$FWD_LOGDIR"/listener-$L_TEST-*.log; do
			[ -f "$f" ] || continue
			echo "--- $f (last 40 lines)"
			tail -n 40 "$f"
		done
	fi
	finish
}

# logged_no_error NAME: listener NAME's log has no line at the error level.
logged_no_error() {
	check "the listener logged no error" \
		sh -c "! grep -qE 'fwd-listener\[[0-9]+\]: error: ' '$FWD_LOGDIR/listener-$L_TEST-$1.log'"
}
