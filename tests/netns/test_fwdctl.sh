#!/bin/bash
# fwdctl against the real module: every subcommand's output, its JSON (parsed),
# its exit status and its error messages.
. "$(dirname "$0")/lib.sh"
stock_only "fwdctl's own output and errors; the /proc writes it makes are checked there by test_session_basic, test_splice_proc and the AQM tests"
require_cmd python3 socat
# FWD_CTL: another build of fwdctl (an older one, to see a new check fail on it).
ctl=${FWD_CTL:-$FWD_BUILD/userspace/ctl/fwdctl}
[ -x "$ctl" ] || skip "$ctl is not built"
tool=$FWD_TOP/tests/netns/splice_tool.py
tmp=$(mktemp -d)
defer rm -rf "$tmp"

expect_errno "stats without the module" "not loaded" "$ctl" stats
"$ctl" stats >/dev/null 2>&1
expect_eq "exit status without the module" 1 $?
"$ctl" frobnicate >/dev/null 2>&1
expect_eq "exit status of an unknown object" 2 $?

setup_topology || exit 1
load_forwarder || finish
# The UDP sessions below outlive the checks that list them, however slow the VM.
check "timeout_udp 600" fwd_write timeout_udp 600

# Some TCP and UDP traffic, and one spliced pair.
srv socat -t 10 TCP-LISTEN:9000,fork,reuseaddr PIPE &
defer "kill $!"
wait_listener "$NS_SRV" t 9000 || finish
fwd python3 -S "$tool" handoff --port 8080 --server $SRV_IP4:9000 > /dev/null 2>&1 &
wait_listener "$NS_FWD" t 8080 || finish
check "a spliced transfer" cli python3 -S "$tool" client --connect $FWD_CLI_IP4:8080 --bytes 100000
check "a UDP flow" sh -c "echo hi | ip netns exec $NS_CLI socat -u - UDP:$SRV_IP4:5353"
check "a UDP flow from port 40004" sh -c "echo hi | ip netns exec $NS_CLI socat -u - UDP:$SRV_IP4:5300,sourceport=40004"
check "an IPv6 UDP flow from port 40006" sh -c "echo hi | ip netns exec $NS_CLI socat -u - UDP6:[$SRV_IP6]:5300,sourceport=40006"

check "stats lists the session counters" sh -c "ip netns exec $NS_FWD $ctl stats | grep -q '^sessions_created  *[1-9]'"
check "stats lists the splice counters" sh -c "ip netns exec $NS_FWD $ctl stats | grep -q '^splice_installed  *1$'"
# The Prometheus text format: each sample after its TYPE, counters in _total,
# levels as gauges, and the same values as the text.
check "stats -o prom" sh -c "ip netns exec $NS_FWD $ctl stats -o prom | python3 -S -c '
import re, sys
typed, samples = {}, {}
for line in sys.stdin.read().splitlines():
    if line.startswith(\"# TYPE \"):
        _, _, name, kind = line.split()
        typed[name] = kind
        continue
    m = re.fullmatch(r\"(forwarder_[a-z0-9_]+) (\\d+)\", line)
    assert m, line
    name = m.group(1)
    assert name in typed, name
    assert (typed[name] == \"counter\") == name.endswith(\"_total\"), name
    samples[name] = int(m.group(2))
assert samples[\"forwarder_splice_installed_total\"] == 1, samples
assert samples[\"forwarder_sessions_created_total\"] >= 2, samples
assert typed[\"forwarder_sessions_active\"] == \"gauge\"
'"
expect_errno "stats -j -o prom" "two different formats" fwd "$ctl" -j stats -o prom
check "stats -j is JSON" sh -c "ip netns exec $NS_FWD $ctl -j stats | python3 -S -c 'import json,sys; d=json.load(sys.stdin); assert d[\"splice_installed\"] == 1 and d[\"sessions_created\"] >= 2'"
# The session counters come from netlink (STATS_GET), the per-event and
# splice ones from their files: with a stats file that lies, the session
# counters must still be the module's.
mkdir -p "$tmp/fakestats"
printf 'sessions_created 999999\nsessions_limit 7\nevent_x_pre 424242\n' > "$tmp/fakestats/stats"
printf 'installed 31337\n' > "$tmp/fakestats/splice_stats"
check "stats: session counters from netlink, event and splice ones from the files" sh -c "ip netns exec $NS_FWD env FWDCTL_PROC_DIR=$tmp/fakestats $ctl -j stats | python3 -S -c '
import json, sys
d = json.load(sys.stdin)
real = dict(l.split() for l in open(\"$FWD_PROC/stats\"))
assert 2 <= d[\"sessions_created\"] <= int(real[\"sessions_created\"]), d
assert d[\"sessions_limit\"] == int(real[\"sessions_limit\"]), d
assert d[\"session_size\"] == int(real[\"session_size\"]), d
assert d[\"event_x_pre\"] == 424242 and d[\"splice_installed\"] == 31337, d
'"

check "session list -j is JSON with a TCP and a UDP session" sh -c "ip netns exec $NS_FWD $ctl -j session list | python3 -S -c '
import json, sys
s = json.load(sys.stdin)
assert {x[\"proto\"] for x in s} >= {\"tcp\", \"udp\"}, s'"
check "session filter: proto udp port 5353" sh -c "ip netns exec $NS_FWD $ctl -j session list proto udp port 5353 | python3 -S -c '
import json, sys
s = json.load(sys.stdin)
assert len(s) == 1 and s[0][\"sport\"] == 5353, s'"
check "session list (text) has the header" sh -c "ip netns exec $NS_FWD $ctl session list | head -n1 | grep -q '^id proto family client'"
expect_errno "session list with a bad filter" "bad filter" "$ctl" session list colour blue

# IPv6 endpoints as [addr]:port (an IPv4 one as addr:port), in top and monitor.
check "top writes an IPv6 client as [addr]:port" sh -c "ip netns exec $NS_FWD $ctl top -n 1 | grep -qF '[$CLI_IP6]:40006'"
check "top writes an IPv6 server as [addr]:port" sh -c "ip netns exec $NS_FWD $ctl top -n 1 | grep -qF '[$SRV_IP6]:5300'"
check "top writes an IPv4 client as addr:port" sh -c "ip netns exec $NS_FWD $ctl top -n 1 | grep -qF ' $CLI_IP4:40004 '"
fwd "$ctl" monitor count 1 > "$tmp/mon6" 2> "$tmp/mon6.err" &
mon=$!
defer "kill $mon"
check "monitor subscribed" wait_until 10 grep -q listening "$tmp/mon6.err"
check "an IPv6 UDP flow from port 40007" sh -c "echo hi | ip netns exec $NS_CLI socat -u - UDP6:[$SRV_IP6]:5300,sourceport=40007"
check "monitor printed the event" wait_until 10 grep -q new "$tmp/mon6"
expect_eq "monitor writes IPv6 endpoints as [addr]:port" \
	"[new] id N udp [$CLI_IP6]:40007 -> [$SRV_IP6]:5300" "$(sed -E 's/id [0-9]+/id N/; s/ [^ ]+$//' "$tmp/mon6")"

# Filters on the client's (src, sport) and the server's (dst, dport) address
# and port: each lists exactly the sessions of the full list that match.
check "session list src/dst/sport/dport list exactly the matching sessions" fwd python3 -S - "$ctl" <<'PY'
import ipaddress, json, subprocess, sys
ctl = sys.argv[1]
def ls(*f):
    return json.loads(subprocess.check_output([ctl, "-j", "session", "list", *f]))
def key(s):
    return (s["proto"], s["client"], s["cport"], s["server"], s["sport"])
def net(a):
    return ipaddress.ip_network(a, strict=False)
def inside(a, n):
    a = ipaddress.ip_address(a)
    return a.version == n.version and a in n
everything = ls()
cases = [
    (["src", "fd00:1::/64"], lambda s: inside(s["client"], net("fd00:1::/64")), True),
    (["dst", "10.0.2.2"], lambda s: s["server"] == "10.0.2.2", True),
    (["dst", "10.0.2.0/24", "dport", "5353"], lambda s: inside(s["server"], net("10.0.2.0/24")) and s["sport"] == 5353, True),
    (["sport", "40004"], lambda s: s["cport"] == 40004, True),
    (["src", "10.0.1.2/32", "proto", "udp"], lambda s: s["client"] == "10.0.1.2" and s["proto"] == "udp", True),
    (["src", "fd00:1::2", "dport", "5300", "sport", "40006"], lambda s: s["client"] == "fd00:1::2" and s["sport"] == 5300 and s["cport"] == 40006, True),
    (["dst", "fd00:2::/64", "proto", "tcp"], lambda s: False, False),
]
bad = 0
for f, pred, nonempty in cases:
    want = sorted(key(s) for s in everything if pred(s))
    got = sorted(key(s) for s in ls(*f))
    if got != want or (nonempty and not want):
        print("filter", f, "listed", got, "expected", want)
        bad += 1
sys.exit(bad)
PY
expect_errno "session list with a prefix too long" "bad filter 'src 10.0.0.0/33'" "$ctl" session list src 10.0.0.0/33
check "top filters the same way" sh -c "ip netns exec $NS_FWD $ctl -j top -n 1 src fd00:1::/64 sport 40006 | python3 -S -c '
import json, sys
d = json.load(sys.stdin)
assert d[\"sessions\"] == 1 and d[\"top\"][0][\"session\"][\"client\"] == \"$CLI_IP6\", d'"

# -p: indented JSON, the same document; numbers are JSON numbers, a negative one too.
check "-j -p stats is indented JSON" sh -c "ip netns exec $NS_FWD $ctl -j -p stats > $tmp/pretty && python3 -S -c '
import json, sys
text = open(sys.argv[1]).read()
d = json.loads(text)
lines = text.splitlines()
assert lines[0] == \"{\" and lines[1].startswith(\"  \\\"\") and lines[-1] == \"}\", lines[:3]
assert isinstance(d[\"sessions_created\"], int), d' $tmp/pretty"
check "-j -p session list parses as the -j one does" sh -c "ip netns exec $NS_FWD $ctl -jp session list | python3 -S -c 'import json,sys; assert len(json.load(sys.stdin)) >= 3'"
mkdir -p "$tmp/fakeproc"
echo "1 rate 10000000bit burst 65536 mode police action drop limit_pkts 1000 limit_bytes 8388608 ecn 0 tokens -1200" > "$tmp/fakeproc/groups"
check "group list -j: a negative number is a JSON number" sh -c "FWDCTL_PROC_DIR=$tmp/fakeproc $ctl -j group list | python3 -S -c '
import json, sys
g = json.load(sys.stdin)[0]
assert g[\"tokens\"] == -1200 and g[\"burst\"] == 65536, g'"
check "every JSON value that is a number is printed as one" fwd python3 -S - "$ctl" <<'PY'
import json, re, subprocess, sys
ctl = sys.argv[1]
bad = []
def walk(v, where):
    if isinstance(v, dict):
        for k, x in v.items():
            walk(x, where + "." + k)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            walk(x, where + "[%d]" % i)
    elif isinstance(v, str) and re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", v):
        bad.append((where, v))
for cmd in (["stats"], ["session", "list"], ["splice", "list"], ["plugin", "list"],
            ["group", "list"], ["get", "timeout_udp"], ["top", "-n", "1"]):
    walk(json.loads(subprocess.check_output([ctl, "-j", *cmd])), " ".join(cmd))
print(bad)
sys.exit(1 if bad else 0)
PY

check "splice list -j has the pair" sh -c "ip netns exec $NS_FWD $ctl -j splice list | python3 -S -c '
import json, sys
p = json.load(sys.stdin)
assert len(p) == 1 and p[0][\"c2s_bytes\"] >= 100000, p'"

check "set timeout_udp 30" fwd "$ctl" set timeout_udp 30
expect_eq "get timeout_udp" 30 "$(fwd "$ctl" get timeout_udp)"
check "get -j is JSON" sh -c "ip netns exec $NS_FWD $ctl -j get timeout_udp | python3 -S -c 'import json,sys; assert json.load(sys.stdin)[\"timeout_udp\"] == 30'"
expect_errno "set with a malformed value" "invalid value 'abc'" fwd "$ctl" set timeout_udp abc
expect_errno "set out of range" "out of range" fwd "$ctl" set timeout_udp 0
expect_errno "set of an unknown tunable" "no setting named 'nosuch'" fwd "$ctl" set nosuch 1
expect_errno "set of a path" "invalid setting name" fwd "$ctl" set ../x 1
expect_eq "value unchanged by the failed sets" 30 "$(fwd "$ctl" get timeout_udp)"

# -n NETNS acts in that namespace (this shell is in the initial one, which has
# its own /proc/forwarder, default settings and none of these sessions).
expect_eq "-n NETNS get reads that namespace's setting" 30 "$("$ctl" -n "$NS_FWD" get timeout_udp)"
expect_eq "without -n, this namespace's" 60 "$("$ctl" get timeout_udp)"
check "a UDP flow from port 40005" sh -c "echo hi | ip netns exec $NS_CLI socat -u - UDP:$SRV_IP4:5353,sourceport=40005"
count_json() { python3 -S -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
expect_eq "-n NETNS session list (netlink) lists that namespace's sessions" 1 \
	"$("$ctl" -n "$NS_FWD" -j session list proto udp port 40005 | count_json)"
expect_eq "without -n, this namespace's (none)" 0 "$("$ctl" -j session list proto udp port 40005 | count_json)"
check "-n NETNS set writes there" "$ctl" -n "$NS_FWD" set timeout_udp 31
expect_eq "the other namespace's value" 31 "$(fwd "$ctl" get timeout_udp)"
expect_eq "this namespace's value unchanged" 60 "$("$ctl" get timeout_udp)"
expect_errno "-n with an unknown namespace" "cannot open network namespace 'fwd-nosuch'" "$ctl" -n fwd-nosuch stats
"$ctl" -n fwd-nosuch stats >/dev/null 2>&1
expect_eq "exit status of -n with an unknown namespace" 1 $?

# monitor -e: only the events named; -o timestamp: each with the wall-clock time.
fwd "$ctl" monitor -e NEW -o timestamp > "$tmp/mon_new" 2> "$tmp/mon_new.err" &
defer "kill $!"
fwd "$ctl" -j monitor -e closing,State -o timestamp > "$tmp/mon_close" 2> "$tmp/mon_close.err" &
defer "kill $!"
check "monitor -e NEW -o timestamp subscribed" wait_until 10 grep -q listening "$tmp/mon_new.err"
check "monitor -j -e closing,State -o timestamp subscribed" wait_until 10 grep -q listening "$tmp/mon_close.err"
check "set timeout_udp 1" fwd "$ctl" set timeout_udp 1
check "a TCP connection (new and state events)" sh -c "echo hello | ip netns exec $NS_CLI timeout 60 socat -t 30 - TCP:$SRV_IP4:9000 | grep -q hello"
check "a UDP flow from port 40008" sh -c "echo hi | ip netns exec $NS_CLI socat -u - UDP:$SRV_IP4:5353,sourceport=40008"
check "its closing event came (timeout)" wait_until 30 grep -q '"cport":40008' "$tmp/mon_close"
# The NEW monitor read the same closing event before the next new one: once
# that is printed, every event before it was seen (and left out).
check "a UDP flow from port 40009" sh -c "echo hi | ip netns exec $NS_CLI socat -u - UDP:$SRV_IP4:5353,sourceport=40009"
check "monitor -e NEW printed it" wait_until 10 grep -q ":40009 " "$tmp/mon_new"
check "monitor -e NEW printed only [new] lines, each after its timestamp" python3 -S - "$tmp/mon_new" <<'PY'
import datetime, re, sys, time
lines = open(sys.argv[1]).read().splitlines()
assert any(":40008 -> " in l for l in lines) and any("-> 10.0.2.2:9000 " in l for l in lines), lines
for l in lines:
    m = re.fullmatch(r"\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d)\] \[new\] id \d+ .*", l)
    assert m, l
    t = datetime.datetime.fromisoformat(m.group(1)).timestamp()
    assert abs(t - time.time()) < 600, l
PY
check "monitor -j -e closing,State printed only those, each with a timestamp" python3 -S - "$tmp/mon_close" <<'PY'
import datetime, json, sys, time
ev = [json.loads(l) for l in open(sys.argv[1])]
assert {e["event"] for e in ev} == {"closing", "state"}, ev
assert any(e["event"] == "closing" and e["reason"] == "timeout" and e["session"]["cport"] == 40008 for e in ev), ev
for e in ev:
    assert abs(datetime.datetime.fromisoformat(e["timestamp"]).timestamp() - time.time()) < 600, e
PY
expect_errno "monitor -e with an unknown event" "bad event list 'NEW,gone'" "$ctl" monitor -e NEW,gone
"$ctl" monitor -e gone >/dev/null 2>&1
expect_eq "exit status of monitor -e with an unknown event" 2 $?

# top in a terminal: q quits at once (no Ctrl-C), and the terminal's settings
# (canonical mode, echo) are back afterwards, as stty in the same terminal shows.
check "top quits on q and restores the terminal" fwd python3 -S - "$ctl" <<'PY'
import os, pty, select, sys, time
ctl = sys.argv[1]
pid, fd = pty.fork()
if pid == 0:
    os.execvp("sh", ["sh", "-c", '"$0" top -d 0.5; echo "rc=$?"; stty -a; echo END', ctl])
out = b""
def pump(secs, until):
    global out
    end = time.monotonic() + secs
    while time.monotonic() < end and until not in out:
        if select.select([fd], [], [], 0.1)[0]:
            try:
                out += os.read(fd, 65536)
            except OSError:
                return
pump(30, b"fwdctl top")
os.write(fd, b"q")
pump(15, b"rc=")
pump(15, b"END")
settings = out.split(b"rc=", 1)[-1].replace(b";", b" ").split()
try:
    os.kill(pid, 9)
except ProcessLookupError:
    pass
os.waitpid(pid, 0)
print("quit by q:", b"rc=0" in out, "icanon and echo back:", b"icanon" in settings and b"echo" in settings)
print("after top:", b" ".join(settings).decode(errors="replace"))
sys.exit(0 if b"rc=0" in out and b"icanon" in settings and b"echo" in settings else 1)
PY

# save prints the configuration as fwdctl commands; -b restores it: the same
# save output from a fresh namespace after `fwdctl save | fwdctl -b -`.
for obj in firewall save; do
	check "$obj help" sh -c "$ctl $obj help | grep -q '^Usage: fwdctl'"
done
FW_KO=$FWD_BUILD/plugins/firewall/fwd_firewall.ko
if [ -f "$FW_KO" ] && insmod "$FW_KO"; then
	defer "rmmod fwd_firewall"
	check "firewall list -j without rules" sh -c "ip netns exec $NS_FWD $ctl -j firewall list | python3 -S -c 'import json,sys; assert json.load(sys.stdin)[\"rules\"] == []'"
	check "firewall add (rate-limit, IPv6 prefix)" fwd "$ctl" firewall add rate-limit group 2 dir reply proto udp dst fd00:2::/64 dport 53
	check "firewall add (intercept)" fwd "$ctl" firewall add intercept proto tcp src 10.0.1.0/24 sport 1234
	check "firewall list -j" sh -c "ip netns exec $NS_FWD $ctl -j firewall list | python3 -S -c '
import json, sys
d = json.load(sys.stdin)
assert [r[\"action\"] for r in d[\"rules\"]] == [\"rate-limit\", \"intercept\"] and d[\"rules\"][0][\"dport\"] == 53, d
assert d[\"rules\"][0][\"group\"] == 2 and d[\"rules\"][0][\"dir\"] == \"reply\" and d[\"rules\"][0][\"dst\"] == \"fd00:2::/64\", d
assert d[\"rules\"][1][\"id\"] == 2 and d[\"rules\"][1][\"sport\"] == 1234 and d[\"intercepted_sessions\"] == 0, d'"
	expect_errno "firewall add refused: the kernel's message and attribute" \
		"firewall add: kernel: rate-limit needs a group (1..255) (missing attribute group)" \
		fwd "$ctl" firewall add rate-limit proto tcp
else
	log "fwd_firewall.ko not built or not loaded: save without firewall rules"
fi
check "group add 1" fwd "$ctl" group add 1 rate 10mbit burst 64k mode shape ecn limit 500p
check "group add 2" fwd "$ctl" group add 2 rate 1mbit burst 16k peakrate 2mbit pburst 16k action mark-dscp 10
check "group bind 1" fwd "$ctl" group bind 1 proto tcp dport 5201 dir orig
check "set full_policy pass" fwd "$ctl" set full_policy pass
check "set max_sessions 1000" fwd "$ctl" set max_sessions 1000
fwd "$ctl" save > "$tmp/saved"
check "save" test -s "$tmp/saved"
log "saved: $(tr '\n' ';' < "$tmp/saved")"
for line in "set timeout_udp 1" "set full_policy pass" "set max_sessions 1000" \
	"group add 1 rate 10000000bit burst 65536 mode shape action drop limit 500p limit 8388608 ecn" \
	"group add 2 rate 1000000bit burst 16384 peakrate 2000000bit pburst 16384 mode police action mark-dscp 10 limit 1000p limit 8388608 noecn" \
	"group bind 1 proto tcp dport 5201 dir orig"; do
	check "save prints '$line'" grep -qxF "$line" "$tmp/saved"
done
if [ -f "$FW_KO" ]; then
	check "save prints the firewall's rules" grep -qxF "firewall add intercept proto tcp src 10.0.1.0/24 sport 1234" "$tmp/saved"
fi
# save takes the tunables' values from netlink (TUNABLE_GET), full_policy
# included: a directory whose files lie does not change the saved values.
mkdir -p "$tmp/fakesave"
echo 12345 > "$tmp/fakesave/timeout_udp"
echo drop > "$tmp/fakesave/full_policy"
echo "1 accept dport 9 hits 0" > "$tmp/fakesave/firewall"
chmod 600 "$tmp/fakesave/timeout_udp" "$tmp/fakesave/full_policy"
fwd env FWDCTL_PROC_DIR="$tmp/fakesave" "$ctl" save > "$tmp/saved.fake"
check "save: the tunable from netlink, not the file" grep -qxF "set timeout_udp 1" "$tmp/saved.fake"
check "save: full_policy from netlink, not the file" grep -qxF "set full_policy pass" "$tmp/saved.fake"
if [ -f "$FW_KO" ]; then
	check "save: the firewall's rules from netlink, not the file" \
		grep -qxF "firewall add intercept proto tcp src 10.0.1.0/24 sport 1234" "$tmp/saved.fake"
	check "save: nothing from the firewall file" sh -c "! grep -q 'dport 9\$' $tmp/saved.fake"
fi
new_ns NS_NEW || fail "a fresh namespace"
check "save | -b - in a fresh namespace" sh -c "ip netns exec $NS_FWD $ctl save | $ctl -n $NS_NEW -b -"
"$ctl" -n "$NS_NEW" save > "$tmp/restored"
check "the restored namespace saves the same configuration" sh -c "test -s $tmp/restored && cmp $tmp/saved $tmp/restored"

# -b stops at the first command that fails and says which line it was.
printf 'set timeout_udp 7\n\n# a comment\ngroup add 9 rate 0\nset timeout_udp 8\n' > "$tmp/bad"
expect_errno "-b names the line that failed" "$tmp/bad:4: stopped" "$ctl" -n "$NS_FWD" -b "$tmp/bad"
"$ctl" -n "$NS_FWD" -b "$tmp/bad" >/dev/null 2>&1
expect_eq "exit status of -b with a failing line" 1 $?
expect_eq "the lines before it ran, the ones after did not" 7 "$(fwd "$ctl" get timeout_udp)"
finish
