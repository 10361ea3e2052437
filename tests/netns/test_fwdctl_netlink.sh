#!/bin/bash
# fwdctl over the "forwarder" generic netlink family, against the real module:
# session list (dump) and show, monitor, top, plugin list, group, --help for
# every object, JSON parsed, exit codes and messages (no module, no
# CAP_NET_ADMIN, bad arguments), and a dump of 100,000 sessions that is
# complete and has no duplicates.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/session_lib.sh"
require_cmd python3 socat setpriv
ctl=$FWD_BUILD/userspace/ctl/fwdctl
[ -x "$ctl" ] || skip "$ctl is not built"
# The longest test on the debug kernel (Python and socat starts by the
# dozen, a 10,000-session dump): run on stock only until make check has the
# room for it (the netlink code did not change this round; its last debug runs were clean).
tmp=$(mktemp -d)
defer rm -rf "$tmp"

json_ok() { python3 -S -c 'import json,sys; json.load(sys.stdin)'; }
# nobody CMD...: run without any capability, as uid 65534, in the forwarder namespace.
nobody() { fwd "${NOBODY[@]}" "$@"; }

# ---- help and bad arguments need no module; without the module -------------------
# fwdctl alone: run on the stock kernel only (the debug kernel checks the
# module's side below, and each process start costs it a second).
if debug_kernel; then
	log "fwdctl's help, argument errors and runs without the module: stock kernel only"
else
	for obj in session monitor top splice plugin group stats get; do
		check "$obj help" sh -c "$ctl $obj help | grep -q '^Usage: fwdctl'"
		check "$obj --help" sh -c "$ctl $obj --help | grep -q '^Usage: fwdctl'"
	done
	check "fwdctl --help" sh -c "$ctl --help | grep -q monitor"
	"$ctl" session show abc >/dev/null 2>&1
	expect_eq "exit status of session show with a bad id" 2 $?
	expect_errno "session show with a bad id" "bad session id 'abc'" "$ctl" session show abc
	expect_errno "monitor with a bad argument" "bad monitor argument" "$ctl" monitor sideways
	expect_errno "top with a bad argument" "bad top argument" "$ctl" top -n x
	"$ctl" top -n 0 >/dev/null 2>&1
	expect_eq "exit status of top -n 0" 2 $?
	expect_errno "unknown group command" "unknown group command 'frob'" "$ctl" group frob

	# ---- without the module ---------------------------------------------------------
	for cmd in "session list" "session show 1" "monitor" "top -n 1" "plugin list" "group list" "stats"; do
		# shellcheck disable=SC2086
		expect_errno "$cmd without the module" "not loaded" "$ctl" $cmd
		# shellcheck disable=SC2086
		"$ctl" $cmd >/dev/null 2>&1
		expect_eq "exit status of $cmd without the module" 1 $?
	done
fi

setup_topology || exit 1
load_forwarder || finish

# ---- monitor sees a new session, its TCP states, its closing -----------------
ip netns exec "$NS_FWD" "$ctl" -j monitor > "$tmp/events" 2> "$tmp/monitor.err" &
mon=$!
defer "kill $mon"
check "monitor subscribed" wait_until 10 grep -q listening "$tmp/monitor.err"
# An echo server in one process (PIPE): "EXEC:cat" starts a process per
# connection, and socat gives it only 0.5 s after the client half-closes.
srv socat -t 10 TCP-LISTEN:9000,fork,reuseaddr PIPE &
defer "kill $!"
wait_listener "$NS_SRV" t 9000 || finish
check "a UDP flow" sh -c "echo hi | ip netns exec $NS_CLI socat -u - UDP:$SRV_IP4:5454"
check "a TCP connection" sh -c "echo hello | ip netns exec $NS_CLI timeout 60 socat -t 30 - TCP:$SRV_IP4:9000 | grep -q hello"
has_event() { python3 -S - "$tmp/events" "$@" <<'PY'
import json, sys
path, kind, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
state = sys.argv[4] if len(sys.argv) > 4 else None
for line in open(path):
    e = json.loads(line)
    if e["event"] == kind and e["session"]["sport"] == port and \
       (state is None or e.get("new_state") == state):
        sys.exit(0)
sys.exit(1)
PY
}
check "monitor: new UDP session to 5454" wait_until 10 has_event new 5454
check "monitor: new TCP session to 9000" wait_until 10 has_event new 9000
check "monitor: TCP state change to ESTABLISHED" wait_until 10 has_event state 9000 ESTABLISHED
check "monitor: TCP state change to TIME_WAIT" wait_until 10 has_event state 9000 TIME_WAIT
check "monitor: every line is JSON" python3 -S -c '
import json, sys
for line in open(sys.argv[1]):
    json.loads(line)' "$tmp/events"
fset timeout_udp 1
check "monitor: UDP session closes by timeout" wait_until 20 python3 -S -c '
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event"] == "closing" and e["session"]["sport"] == 5454 and e["reason"] == "timeout":
        sys.exit(0)
sys.exit(1)' "$tmp/events"
fset timeout_udp 60
kill -INT $mon
check "monitor exits 0 on SIGINT" wait $mon
# NEW events only (a timeout's closing event could come first on a slow
# kernel); timeout bounds the wait should the event never come.
ip netns exec "$NS_FWD" timeout 60 "$ctl" monitor -e NEW count 1 > "$tmp/text" 2> "$tmp/monitor1.err" &
mon=$!
defer "kill $mon"
check "monitor -e NEW count 1 subscribed" wait_until 10 grep -q listening "$tmp/monitor1.err"
check "a UDP flow to 5455" sh -c "echo x | ip netns exec $NS_CLI socat -u - UDP:$SRV_IP4:5455"
check "monitor count 1 stops after one event" wait $mon
check "monitor text line" grep -qE '^\[new\] id [0-9]+ udp 10.0.1.2:[0-9]+ -> 10.0.2.2:5455' "$tmp/text"

# ---- session list (netlink) and show -----------------------------------------------
check "session list -j is JSON with ids" sh -c "ip netns exec $NS_FWD $ctl -j session list | python3 -S -c '
import json, sys
s = json.load(sys.stdin)
assert s and all(x[\"id\"] > 0 for x in s), s'"
id=$(fwd "$ctl" -j session list proto tcp port 9000 | python3 -S -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
check "session show ID" sh -c "ip netns exec $NS_FWD $ctl session show $id | grep -qE '^server 10.0.2.2 port 9000 state'"
check "session show -j is JSON" sh -c "ip netns exec $NS_FWD $ctl -j session show $id | python3 -S -c '
import json, sys
s = json.load(sys.stdin)
assert s[\"id\"] == $id and s[\"sport\"] == 9000 and s[\"proto\"] == \"tcp\", s'"
expect_errno "session show of a missing id" "no session with id 999999" fwd "$ctl" session show 999999
fwd "$ctl" session show 999999 >/dev/null 2>&1
expect_eq "exit status of session show of a missing id" 1 $?
check "session list -s (text) has human byte counts" sh -c "ip netns exec $NS_FWD $ctl -s session list | grep -E ' 9000 ' | grep -qE '[0-9.]+[KMG]?iB|[0-9]+B'"
check "session list -s header" sh -c "ip netns exec $NS_FWD $ctl -s session list | head -n1 | grep -q 'orig_bytes reply_pkts reply_bytes$'"

# ---- without CAP_NET_ADMIN -----------------------------------------------------
expect_errno "session show as nobody" "permission denied" nobody "$ctl" session show "$id"
expect_errno "monitor as nobody" "permission denied" nobody "$ctl" monitor
expect_errno "set as nobody" "CAP_NET_ADMIN" nobody "$ctl" set timeout_udp 5
check "session list as nobody falls back to /proc" sh -c "ip netns exec $NS_FWD ${NOBODY[*]} $ctl -j session list | python3 -S -c '
import json, sys
s = json.load(sys.stdin)
assert s and all(\"id\" not in x for x in s), s'"

# ---- top, plugins, groups ----------------------------------------------------
srv socat -u TCP-LISTEN:9001,reuseaddr OPEN:/dev/null &
defer "kill $!"
wait_listener "$NS_SRV" t 9001 || finish
# Not through cli(): $! would be the subshell's, and kill would leave socat running.
ip netns exec "$NS_CLI" socat -u OPEN:/dev/zero TCP:$SRV_IP4:9001 &
bulk=$!
defer "kill $bulk"
bulk_flowing() {
	fwd "$ctl" -j session list port 9001 | python3 -S -c '
import json, sys
assert [x for x in json.load(sys.stdin) if x["orig_bytes"] > 100000]'
}
check "bulk TCP flow to 9001 under way" wait_until 60 bulk_flowing
check "top -n 2 -j: two refreshes, busiest first" sh -c "ip netns exec $NS_FWD $ctl -j top -n 2 -d 0.5 | python3 -S -c '
import json, sys
lines = [json.loads(l) for l in sys.stdin]
assert len(lines) == 2, lines
top = lines[1][\"top\"]
assert top[0][\"session\"][\"sport\"] == 9001 and top[0][\"rate_bps\"] > 0, top[0]
assert all(a[\"rate_bps\"] >= b[\"rate_bps\"] for a, b in zip(top, top[1:])), top'"
check "top -n 1 (text)" sh -c "ip netns exec $NS_FWD $ctl top -n 1 | grep -q 'fwdctl top - [0-9]* sessions'"
# The flood below needs the CPU the bulk flow would take.
kill $bulk

check "plugin list (text) has the header" sh -c "ip netns exec $NS_FWD $ctl plugin list | head -n1 | grep -q '^# name priority'"
check "plugin list -j is JSON" sh -c "ip netns exec $NS_FWD $ctl -j plugin list | python3 -S -c '
import json, sys
d = json.load(sys.stdin)
assert isinstance(d[\"plugins\"], list) and isinstance(d[\"user_events\"], list), d'"
synretx=$FWD_BUILD/plugins/synretx/fwd_synretx.ko
if ! insmod "$synretx"; then
	fail "insmod $synretx (the plugin list checks need a plugin loaded)"
else
	defer "rmmod fwd_synretx"
	check "plugin list -j shows synretx" sh -c "ip netns exec $NS_FWD $ctl -j plugin list | python3 -S -c '
import json, sys
d = json.load(sys.stdin)
assert [p for p in d[\"plugins\"] if p[\"name\"] == \"synretx\"], d
assert [u for u in d[\"user_events\"] if u[\"name\"] == \"syn_retransmit\"], d'"
	rmmod fwd_synretx
fi

if fwd test -e /proc/forwarder/groups; then
	check "group add" fwd "$ctl" group add 7 rate 10mbit burst 64k mode police
	check "group bind" fwd "$ctl" group bind 7 proto tcp dport 5201 dir orig
	check "group change" fwd "$ctl" group change 7 rate 20mbit burst 64k
	check "group list shows it" sh -c "ip netns exec $NS_FWD $ctl group list | grep -q '^7 rate 20000000bit'"
	check "group list -j is JSON" sh -c "ip netns exec $NS_FWD $ctl -j group list | python3 -S -c '
import json, sys
g = json.load(sys.stdin)
assert [x for x in g if x.get(\"id\") == 7] and [x for x in g if x.get(\"type\") == \"bind\"], g'"
	expect_errno "group add without an id" "bad or missing group id" fwd "$ctl" group add
	expect_errno "group add without a rate: the kernel's reason" \
		"group add: kernel: rate missing or zero" fwd "$ctl" group add 8 burst 64k
	expect_errno "group del as nobody" "permission denied" nobody "$ctl" group del 7
	check "group del" fwd "$ctl" group del 7
	check "group list empty after del" test -z "$(fwd "$ctl" group list)"
else
	expect_errno "group list without rate groups" "rate groups not available in this module" fwd "$ctl" group list
	fwd "$ctl" group add 1 rate 1mbit burst 10k >/dev/null 2>&1
	expect_eq "exit status of group add without rate groups" 1 $?
fi

# ---- a dump of 100,000 sessions: complete, no duplicates ------------------------
# The debug kernel (several times slower under TCG) checks the same paths for
# leaks and locking with 10,000 (still many dump pages).
N=100000
debug_kernel && N=10000
fset max_sessions $((2 * N))
# Nothing may expire while the counts are compared.
for t in timeout_udp timeout_tcp_closing timeout_tcp_handshake timeout_tcp_established; do
	fset $t 3600
done
# A listener that stops reading loses events: counted, and told so.
ip netns exec "$NS_FWD" "$ctl" monitor > /dev/null 2> "$tmp/stalled.err" &
stalled=$!
defer "kill -CONT $stalled; kill $stalled"
wait_until 10 grep -q listening "$tmp/stalled.err" || fail "stalled monitor subscribed"
kill -STOP $stalled
# One UDP datagram per flow from a raw socket in the forwarder namespace: the
# LOCAL_OUT hook sees each before anything can drop it.
fwd python3 -S - $N <<'PY' || fail "raw UDP sender"
import socket, struct, sys
n = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
src, dst = socket.inet_aton("10.0.2.1"), socket.inet_aton("10.0.2.99")
for i in range(n):
    sport, dport = 1024 + i % 50000, 20000 + i // 50000
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28, 0, 0, 64, 17, 0, src, dst)
    s.sendto(ip + struct.pack("!HHHH", sport, dport, 8, 0), ("10.0.2.99", 0))
PY
check "$N sessions in the table" stat_ge sessions_active $N
check "events a stalled listener could not take are counted" stat_ge netlink_events_dropped 1
kill -CONT $stalled
check "the stalled monitor says events were lost" wait_until 10 grep -q "events lost" "$tmp/stalled.err"
kill $stalled
fwd "$ctl" -j session list > "$tmp/dump.json"
check "dump exit status" test $? -eq 0
active=$(fstat sessions_active)
python3 -S - "$tmp/dump.json" "$active" $N <<'PY' || fail "dump of $N sessions"
import json, sys
s = json.load(open(sys.argv[1]))
active, n = int(sys.argv[2]), int(sys.argv[3])
ids = [x["id"] for x in s]
tuples = {(x["proto"], x["client"], x["cport"], x["server"], x["sport"]) for x in s}
flood = sum(1 for x in s if x["server"] == "10.0.2.99")
print(f"# dump: {len(s)} sessions, {len(set(ids))} ids, {len(tuples)} tuples, {flood} flood, active {active}")
assert len(s) == active, (len(s), active)
assert len(set(ids)) == len(ids) and len(tuples) == len(s), "duplicates"
assert flood == n, flood
PY
nodump=$(fwd "$ctl" session list | tail -n +2 | wc -l)
expect_eq "text dump has one line per session" "$active" "$nodump"

# Dumps while the table triples (and resizes under them: it doubles once
# three quarters full): the first $N flows, present throughout, appear
# exactly once in every dump.
if debug_kernel; then
	log "dumps while the table grows: stock kernel only (too slow under KASAN and TCG)"
	finish
fi
fset max_sessions $((4 * N))
fwd python3 -S - $((2 * N)) <<'PY' &
import socket, struct, sys
n = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
src, dst = socket.inet_aton("10.0.2.1"), socket.inet_aton("10.0.2.99")
for i in range(n):
    sport, dport = 1024 + i % 50000, 30000 + i // 50000
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28, 0, 0, 64, 17, 0, src, dst)
    s.sendto(ip + struct.pack("!HHHH", sport, dport, 8, 0), ("10.0.2.99", 0))
PY
sender=$!
dumps=0
while kill -0 $sender 2>/dev/null || [ $dumps -eq 0 ]; do
	fwd "$ctl" session list | tail -n +2 > "$tmp/dump.txt"
	dumps=$((dumps + 1))
	dup=$(awk '{ print $1 }' "$tmp/dump.txt" | sort | uniq -d | head -n 3)
	first=$(awk '$6 == "10.0.2.99" && ($7 == 20000 || $7 == 20001)' "$tmp/dump.txt" | wc -l)
	[ -z "$dup" ] || fail "dump $dumps during growth: duplicate ids $dup"
	[ "$first" -eq $N ] || fail "dump $dumps during growth: $first of the first $N flows"
done
wait $sender || fail "second raw UDP sender"
log "$dumps dumps while the table grew to $(fstat sessions_active) sessions"
check "table grew to $((3 * N))" stat_ge sessions_active $((3 * N))
finish
