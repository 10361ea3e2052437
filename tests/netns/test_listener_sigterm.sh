#!/bin/bash
# fwd-listener as a service: SIGTERM stops accepting but lets the connections it
# still relays finish (then it exits), a second SIGTERM exits at once; daemon
# mode with a pid file and a log file; SIGUSR1 counters; the port from
# listen_port (or --port, which writes it); a refused hand-off falls back to
# relaying without the client noticing; --help and bad options.
. "$(dirname "$0")/lib.sh"
stock_only "fwd-listener's own behaviour; its hand-off into the kernel runs there in test_listener_handoff"
setup_topology || exit 1
. "$FWD_TOP/userspace/listener/tests/netns.sh"
start_servers
ALLOW=(-a "10.0.2.0/24 $ECHO_PORT")
# Gone, or a zombie waiting for us to reap it.
_gone() { ! kill -0 "$1" 2>/dev/null || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
_refused() { ! cli nc -z -w 2 "$FWD_CLI_IP4" "$1"; }

# 1. SIGTERM with a relayed connection in progress.
start_listener term -p 1080 "${ALLOW[@]}"
cli "$PY" -S "$LT_PY" stream "$FWD_CLI_IP4" 1080 "$SRV_IP4" $ECHO_PORT 8 "$L_TMP/ready" >"$L_TMP/stream.out" 2>&1 &
spid=$!
wait_until 60 test -e "$L_TMP/ready" || fail "the stream did not start"
kill -TERM $LPID
wait_until 20 grep -q "not accepting any more" "$FWD_LOGDIR/listener-$L_TEST-term.log" || fail "SIGTERM not logged"
check "after SIGTERM new connections are refused" wait_until 20 _refused 1080
check "after SIGTERM the listener keeps running for its relay" kill -0 $LPID
wait $spid
expect_eq "the relayed connection went on to its end after SIGTERM" 0 $?
cat "$L_TMP/stream.out"
check "the listener exits once its last relay ended" wait_until 30 _gone $LPID
expect_stat term active 0
expect_stat term accepted 1

# 2. A second SIGTERM exits at once.
start_listener term2 -p 1081 "${ALLOW[@]}"
rm -f "$L_TMP/ready"
cli "$PY" -S "$LT_PY" stream "$FWD_CLI_IP4" 1081 "$SRV_IP4" $ECHO_PORT 30 "$L_TMP/ready" >/dev/null 2>&1 &
spid=$!
wait_until 60 test -e "$L_TMP/ready" || fail "the second stream did not start"
kill -TERM $LPID
wait_until 20 grep -q "not accepting any more" "$FWD_LOGDIR/listener-$L_TEST-term2.log"
kill -TERM $LPID
check "a second SIGTERM exits at once" wait_until 20 _gone $LPID
wait $spid
check "the cut connection's client saw an error" test $? -ne 0

# 3. Daemon mode, pid file, log file, SIGUSR1.
fwd "$LISTENER" -d -p 1090 --pidfile "$L_TMP/d.pid" --log-file "$L_TMP/d.log" \
	--stats "$L_TMP/d.stats" "${ALLOW[@]}"
expect_eq "-d returns 0 once the daemon runs" 0 $?
wait_until 20 test -s "$L_TMP/d.pid" || fail "no pid file"
dpid=$(cat "$L_TMP/d.pid")
defer "kill -9 $dpid 2>/dev/null"
wait_port "$NS_FWD" 1090
check "the daemon serves" cli "$PY" -S "$LT_PY" many "$FWD_CLI_IP4" 1090 "$SRV_IP4" $ECHO_PORT 5 10000 native
kill -USR1 "$dpid"
check "SIGUSR1 logs the counters" wait_until 20 grep -q "stats: accepted 5," "$L_TMP/d.log"
check "the daemon wrote the stats file" grep -qx "accepted 5" "$L_TMP/d.stats"
kill -TERM "$dpid"
check "the daemon exits on SIGTERM" wait_until 20 _gone "$dpid"
check "the pid file is removed" test ! -e "$L_TMP/d.pid"

# 4. The port from listen_port, or --port writing it (a stand-in directory for
# /proc/forwarder; a "forward" the daemon cannot write makes every hand-off fail;
# the clients pause after the proxy's reply, so each pair gets quiet and is tried).
mkdir -p "$L_TMP/proc/forward"
echo 1095 >"$L_TMP/proc/listen_port"
start_listener fake --proc-dir "$L_TMP/proc" "${ALLOW[@]}"
check "the port read from listen_port" wait_port "$NS_FWD" 1095
check "a refused hand-off is relayed without the client noticing" \
	cli "$PY" -S "$LT_PY" many "$FWD_CLI_IP4" 1095 "$SRV_IP4" $ECHO_PORT 3 300000 http 100
expect_stat fake fallback_kernel_refused 3
expect_stat fake handed_off 0
kill -TERM $LPID
wait_until 20 _gone $LPID
start_listener fake2 -p 1096 --proc-dir "$L_TMP/proc" "${ALLOW[@]}"
expect_eq "--port writes listen_port" 1096 "$(cat "$L_TMP/proc/listen_port")"
echo 0 >"$L_TMP/proc/listen_port"
out=$(fwd "$LISTENER" --proc-dir "$L_TMP/proc" 2>&1)
expect_eq "listen_port 0 and no --port: exit 1" 1 $?
check "... saying why" grep -q "no port" <<<"$out"
out=$(fwd "$LISTENER" --proc-dir "$L_TMP/nonexistent" 2>&1)
expect_eq "no listen_port and no --port: exit 1" 1 $?

# 5. Command line.
out=$("$LISTENER" --help)
expect_eq "--help exits 0" 0 $?
check "--help shows the usage" grep -q "^Usage: fwd-listener" <<<"$out"
"$LISTENER" --bogus >/dev/null 2>&1
expect_eq "unknown option: exit 2" 2 $?
"$LISTENER" -p 0 >/dev/null 2>&1
expect_eq "port 0: exit 2" 2 $?
"$LISTENER" -p 1097 -a "10.0.0.1/8 80" >/dev/null 2>&1
expect_eq "bad --allow: exit 1" 1 $?
listener_finish
