#!/bin/bash
# Settings and session removal over netlink, as a user of fwdctl sees them:
# every tunable listed with its value and range, each as /proc/forwarder
# shows it; a value set through netlink read back in /proc and the reverse;
# a refused set (unknown name, out of range, not a number, no
# CAP_NET_ADMIN) says the kernel's reason, naming the attribute, and leaves
# every tunable as it was; a session deleted by id and flushes by family,
# protocol, client and server prefix and port remove exactly the sessions
# that match, count in sessions_flushed and send CLOSING (reason flush).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/session_lib.sh"
require_cmd python3 setpriv unshare
ctl=$FWD_BUILD/userspace/ctl/fwdctl
[ -x "$ctl" ] || skip "$ctl is not built"
tmp=$(mktemp -d)
defer rm -rf "$tmp"

setup_topology || exit 1
load_forwarder || finish

# ---- tunables: the list equals /proc ---------------------------------------------
tunables_match_proc() {	# FILE (fwdctl -j get): every tunable as /proc shows it
	python3 -S - "$1" "$FWD_PROC" <<'PY'
import json, sys
got, proc = json.load(open(sys.argv[1])), sys.argv[2]
names = {t["name"] for t in got}
want = {"max_sessions", "timeout_tcp_established", "timeout_tcp_handshake",
        "timeout_tcp_closing", "timeout_udp", "listen_port",
        "splice_timeout_established", "splice_timeout_closing", "full_policy"}
assert names >= want and len(names) == len(got), ("tunables listed", sorted(names))
for t in got:
    assert all(isinstance(t[k], int) for k in ("value", "min", "max")), t
    assert t["min"] <= t["value"] <= t["max"], t
    # a worded tunable (full_policy) shows its word in /proc, its number too here
    shown = open("%s/%s" % (proc, t["name"])).read().strip()
    assert shown == t.get("text", str(t["value"])), (t, shown)
PY
}
fwd "$ctl" -j get > "$tmp/list.json"
check "get -j lists every tunable with value, min and max as in /proc" tunables_match_proc "$tmp/list.json"
check "get (text) shows each range" sh -c "ip netns exec $NS_FWD $ctl get | grep -qE '^timeout_udp +[0-9]+ \(1\.\.2592000\)$'"

# ---- set through netlink, read in /proc, and the reverse ----------------------------
check "set max_sessions 1234" fwd "$ctl" set max_sessions 1234
expect_eq "/proc sees the netlink set" 1234 "$(<"$FWD_PROC"/max_sessions)"
check "set listen_port 65535 (a u16 field)" fwd "$ctl" set listen_port 65535
expect_eq "/proc sees listen_port" 65535 "$(<"$FWD_PROC"/listen_port)"
fset timeout_tcp_closing 77
expect_eq "get sees a /proc write" 77 "$(fwd "$ctl" get timeout_tcp_closing)"
check "get -j of one tunable is a number" sh -c "ip netns exec $NS_FWD $ctl -j get max_sessions | python3 -S -c 'import json,sys; assert json.load(sys.stdin) == {\"max_sessions\": 1234}'"
fwd "$ctl" -j get > "$tmp/list.json"
check "the list after the sets still equals /proc" tunables_match_proc "$tmp/list.json"

# ---- refused sets: the kernel's reason, nothing changed -----------------------------
snapshot() { fwd "$ctl" get > "$1"; }
snapshot "$tmp/before"
expect_errno "set out of range: the kernel says so, naming the value" \
	"kernel: value out of range for this tunable (see FWD_A_TUNABLE_MIN, MAX) (attribute tunable-value)" \
	fwd "$ctl" set timeout_udp 0
expect_errno "set beyond 32 bits: out of range, not truncated" \
	"(attribute tunable-value)" fwd "$ctl" set max_sessions 4294968530
expect_errno "set beyond a u16 field" "out of range for this tunable" fwd "$ctl" set listen_port 65536
expect_errno "set of an unknown tunable: the kernel says so, naming the name" \
	"kernel: no tunable with this name (attribute tunable-name)" fwd "$ctl" set nosuch 1
expect_errno "set with a malformed value" "invalid value 'abc' for 'timeout_udp': not a decimal number in 1..2592000" \
	fwd "$ctl" set timeout_udp abc
expect_errno "get of an unknown tunable" "no tunable with this name" fwd "$ctl" get nosuch
expect_errno "set as an unprivileged user" "needs CAP_NET_ADMIN" \
	fwd "${NOBODY[@]}" "$ctl" set timeout_udp 5
expect_errno "set as a user-namespace root" "needs CAP_NET_ADMIN" \
	fwd unshare --user --map-root-user "$ctl" set max_sessions 5
fwd "${NOBODY[@]}" "$ctl" -j get > "$tmp/nobody.json"
check "an unprivileged user lists the tunables (as /proc lets it read them)" \
	tunables_match_proc "$tmp/nobody.json"
snapshot "$tmp/after"
check "every tunable unchanged by the refused sets" cmp -s "$tmp/before" "$tmp/after"
expect_eq "max_sessions unchanged" 1234 "$(<"$FWD_PROC"/max_sessions)"
# The same refusals at the netlink level, for clients other than fwdctl:
# each errno with its message, the attribute blamed (NLMSGERR_ATTR_OFFS) or
# missing (NLMSGERR_ATTR_MISS_TYPE); a refused dump says why in its DONE.
check "netlink refusals: errno, message and attribute" fwd python3 -S - "$FWD_TOP/tests/netns" <<'PY'
import errno, struct, sys
sys.path.insert(0, sys.argv[1])
import nl_fuzz as nf

A_SESSION_ID, A_FAMILY, A_CLIENT_ADDR = 2, 3, 5
A_TUNABLE_NAME, A_TUNABLE_VALUE, A_CLIENT_PREFIX_LEN = 24, 25, 28
ATTR_MISS_TYPE = 5
f = nf.Family(False, 10)

def ask(cmd, attrs=(), dump=False, version=1):
    body = b"".join(nf.nla(t, d) for t, d in attrs)
    msg = nf.nlmsg(f.fam, nf.F_REQUEST | (nf.F_DUMP if dump else nf.F_ACK), 5,
                   nf.genl(cmd, version) + body)
    got = [m for m in f.send(msg, {5}) if m[0] in (nf.NLMSG_ERROR, nf.NLMSG_DONE)]
    assert len(got) == 1, got
    t, fl, _, _, p = got[0]
    e = -struct.unpack_from("=i", p)[0]
    tlv = nf.attrs(p[4:] if t == nf.NLMSG_DONE else p[4 + nf.align(len(msg)):])
    tlv = {a: d for a, _, d in tlv}
    blamed = None
    if nf.NLMSGERR_ATTR_OFFS in tlv:
        off = struct.unpack("=I", tlv[nf.NLMSGERR_ATTR_OFFS])[0]
        blamed = struct.unpack_from("=H", msg, off + 2)[0] & 0x3fff
    miss = struct.unpack("=I", tlv[ATTR_MISS_TYPE])[0] if ATTR_MISS_TYPE in tlv else None
    text = tlv.get(nf.NLMSGERR_ATTR_MSG, b"").rstrip(b"\0").decode()
    return errno.errorcode.get(e, e), text, blamed, miss

def expect(what, got, err, text, blamed=None, miss=None):
    want = (err, blamed, miss)
    if (got[0], got[2], got[3]) != want or text not in got[1]:
        sys.exit("%s: got %r, expected %r with '%s'" % (what, got, want, text))
    print("# ok: %s: %s '%s'" % (what, got[0], got[1]))

name = (A_TUNABLE_NAME, b"timeout_udp\0")
expect("TUNABLE_SET without a value", ask(nf.CMD_TUNABLE_SET, [name]),
       "EINVAL", "tunable value (FWD_A_TUNABLE_VALUE) required", miss=A_TUNABLE_VALUE)
expect("TUNABLE_SET without a name", ask(nf.CMD_TUNABLE_SET, [(A_TUNABLE_VALUE, struct.pack("=Q", 5))]),
       "EINVAL", "tunable name (FWD_A_TUNABLE_NAME) required", miss=A_TUNABLE_NAME)
expect("TUNABLE_SET of 2^40", ask(nf.CMD_TUNABLE_SET, [name, (A_TUNABLE_VALUE, struct.pack("=Q", 1 << 40))]),
       "ERANGE", "value out of range for this tunable", blamed=A_TUNABLE_VALUE)
expect("TUNABLE_SET of an unknown name",
       ask(nf.CMD_TUNABLE_SET, [(A_TUNABLE_NAME, b"nosuch\0"), (A_TUNABLE_VALUE, struct.pack("=Q", 5))]),
       "ENOENT", "no tunable with this name", blamed=A_TUNABLE_NAME)
expect("TUNABLE_GET with a value (SET's attribute)",
       ask(nf.CMD_TUNABLE_GET, [name, (A_TUNABLE_VALUE, struct.pack("=Q", 5))]),
       "EINVAL", "", blamed=A_TUNABLE_VALUE)
expect("TUNABLE_GET of genl version 2", ask(nf.CMD_TUNABLE_GET, [name], version=2),
       "EINVAL", "unsupported genl header version")
expect("STATS_GET with a session id", ask(nf.CMD_STATS_GET, [(A_SESSION_ID, struct.pack("=Q", 1))]),
       "EINVAL", "counters are per namespace, not per session", blamed=A_SESSION_ID)
expect("a session dump with a session id",
       ask(nf.CMD_SESSION_GET, [(A_SESSION_ID, struct.pack("=Q", 1))], dump=True),
       "EINVAL", "a session dump takes no FWD_A_SESSION_ID")
expect("SESSION_DEL of a missing id", ask(nf.CMD_SESSION_DEL, [(A_SESSION_ID, struct.pack("=Q", 1 << 60))]),
       "ENOENT", "no session with this id", blamed=A_SESSION_ID)
v4 = (A_CLIENT_ADDR, bytes([10, 0, 2, 0]))
expect("SESSION_FLUSH with a /33 IPv4 prefix", ask(nf.CMD_SESSION_FLUSH, [v4, (A_CLIENT_PREFIX_LEN, b"\x21")]),
       "EINVAL", "prefix length longer than the address", blamed=A_CLIENT_PREFIX_LEN)
expect("SESSION_FLUSH with a prefix length alone", ask(nf.CMD_SESSION_FLUSH, [(A_CLIENT_PREFIX_LEN, b"\x08")]),
       "EINVAL", "a prefix length needs its address", blamed=A_CLIENT_PREFIX_LEN)
expect("SESSION_FLUSH with a 5-byte address", ask(nf.CMD_SESSION_FLUSH, [(A_CLIENT_ADDR, b"\x0a" * 5)]),
       "EINVAL", "an address is 4 or 16 bytes", blamed=A_CLIENT_ADDR)
expect("SESSION_FLUSH of family 99", ask(nf.CMD_SESSION_FLUSH, [(A_FAMILY, b"\x63")]),
       "EINVAL", "family must be AF_INET or AF_INET6", blamed=A_FAMILY)
PY
snapshot "$tmp/after"
check "every tunable unchanged by the refused netlink requests" cmp -s "$tmp/before" "$tmp/after"
# full_policy, a word, is a tunable too: netlink takes and gives its word
# (FWD_A_TUNABLE_TEXT), parsed as its file parses it.
check "set full_policy pass (netlink, a word)" fwd "$ctl" set full_policy pass
expect_eq "get full_policy" pass "$(fwd "$ctl" get full_policy)"
expect_eq "its file agrees" pass "$(<"$FWD_PROC/full_policy")"
expect_errno "set full_policy accept" "kernel: not a value of this tunable (a word of its, or a decimal) (attribute tunable-text)" \
	fwd "$ctl" set full_policy accept
expect_eq "full_policy unchanged by the refusal" pass "$(<"$FWD_PROC/full_policy")"
fset full_policy drop

# ---- sessions: delete one, flush by filters ----------------------------------------
fset max_sessions 65536
fset timeout_udp 3600
fset timeout_tcp_handshake 3600
# From the forwarder namespace (its LOCAL_OUT hook makes the sessions):
#   udp4 10.0.2.1:20001-20010 -> 10.0.2.99:7000    10
#   udp4 10.0.2.1:20011-20015 -> 10.0.2.150:7000    5
#   udp4 10.0.2.1:20016       -> 10.0.2.99:7001     1
#   udp6 [fd00:2::1]:20001-20004 -> [fd00:2::99]:7000  4
#   tcp4 10.0.2.1:20017       -> 10.0.2.99:7000     1 (a SYN)
fwd python3 -S - <<'PY' || fail "making the sessions"
import socket
def udp(fam, src, dst, sport, dport):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((src, sport))
    s.sendto(b"x", (dst, dport))
    s.close()
for p in range(20001, 20011):
    udp(socket.AF_INET, "10.0.2.1", "10.0.2.99", p, 7000)
for p in range(20011, 20016):
    udp(socket.AF_INET, "10.0.2.1", "10.0.2.150", p, 7000)
udp(socket.AF_INET, "10.0.2.1", "10.0.2.99", 20016, 7001)
for p in range(20001, 20005):
    udp(socket.AF_INET6, "fd00:2::1", "fd00:2::99", p, 7000)
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
t.bind(("10.0.2.1", 20017))
t.setblocking(False)
try:
    t.connect(("10.0.2.99", 7000))
except BlockingIOError:
    pass
PY
# snap FILE: "proto client cport server sport" of every session, sorted.
snap() {
	local proto client cport server sport rest
	{
		read -r _
		while read -r proto _ client cport server sport rest; do
			echo "$proto $client $cport $server $sport"
		done
	} < "$FWD_PROC/sessions" | sort > "$1"
}
ours() { grep -cE ' (2001[0-7]|2000[1-9]) ' "$1"; }
snap "$tmp/s0"
expect_eq "the 21 sessions made" 21 "$(ours "$tmp/s0")"

fwd "$ctl" -j monitor > "$tmp/events" 2> "$tmp/monitor.err" &
defer "kill $!"
check "monitor subscribed" wait_until 10 grep -q listening "$tmp/monitor.err"

# step NAME AWK_CONDITION FWDCTL_ARGS...: the sessions matching the condition
# (on "proto client cport server sport") and only those go, fwdctl says how
# many, and sessions_flushed grew by as many.
step() {
	local what=$1 cond=$2 flushed0 n out
	shift 2
	snap "$tmp/before"
	flushed0=$(fstat sessions_flushed)
	awk "$cond" "$tmp/before" > "$tmp/want"
	n=$(wc -l < "$tmp/want")
	[ "$n" -gt 0 ] || fail "$what: nothing to remove (the test's sessions are missing)"
	out=$(fwd "$ctl" "$@" 2>&1)
	check "$what: fwdctl ran ($out)" test $? -eq 0
	snap "$tmp/after"
	comm -23 "$tmp/before" "$tmp/after" > "$tmp/gone"
	if cmp -s "$tmp/want" "$tmp/gone"; then
		log "ok: $what removed exactly the $n matching sessions"
	else
		fail "$what: removed $(tr '\n' ';' < "$tmp/gone"), expected $(tr '\n' ';' < "$tmp/want")"
	fi
	expect_eq "$what: sessions_flushed grew by $n" $((flushed0 + n)) "$(fstat sessions_flushed)"
	case " $* " in
	*" -j "*) [[ $out == "{\"flushed\":$n}" ]] || fail "$what: fwdctl -j said '$out'" ;;
	*" flush "*) [[ $out == "flushed $n session"* ]] || fail "$what: fwdctl said '$out'" ;;
	esac
}

id=$(fwd "$ctl" -j session list | python3 -S -c '
import json, sys
print([s["id"] for s in json.load(sys.stdin) if s["cport"] == 20005 and s["family"] == "ipv4"][0])')
step "session delete $id (udp4 cport 20005)" '$1 == "udp" && $3 == 20005 && $2 == "10.0.2.1"' \
	session delete "$id"
has_closing() {	# ID: a CLOSING event with reason flush for session ID
	python3 -S - "$tmp/events" "$1" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event"] == "closing" and e["session"]["id"] == int(sys.argv[2]) and e["reason"] == "flush":
        sys.exit(0)
sys.exit(1)
PY
}
check "monitor: CLOSING with reason flush for session $id" wait_until 10 has_closing "$id"
expect_errno "delete of a deleted session" "no session with id $id (kernel: no session with this id (attribute session-id))" \
	fwd "$ctl" session delete "$id"
fwd "$ctl" session delete "$id" > /dev/null 2>&1
expect_eq "exit status of a delete of a missing session" 1 $?

step "flush family ipv6" '$2 ~ /:/' session flush family ipv6
step "flush proto udp dst 10.0.2.128/25" '$1 == "udp" && $4 == "10.0.2.150"' \
	session flush proto udp dst 10.0.2.128/25
step "flush dport 7001" '$5 == 7001' session flush dport 7001
step "flush sport 20002 src 10.0.2.0/24" '$3 == 20002 && $2 ~ /^10\.0\.2\./' \
	session flush sport 20002 src 10.0.2.0/24
step "flush -j proto tcp src 10.0.2.1" '$1 == "tcp" && $2 == "10.0.2.1"' \
	-j session flush proto tcp src 10.0.2.1
check "flush -j answers a number" sh -c "ip netns exec $NS_FWD $ctl -j session flush proto tcp src 10.0.2.1 | python3 -S -c 'import json,sys; assert json.load(sys.stdin) == {\"flushed\": 0}'"
expect_errno "flush with a prefix too long" "bad filter 'dst 10.0.2.0/33'" \
	fwd "$ctl" session flush dst 10.0.2.0/33
expect_errno "flush as an unprivileged user" "permission denied" \
	fwd "${NOBODY[@]}" "$ctl" session flush
expect_eq "the unprivileged flush removed nothing" 8 "$(snap "$tmp/s1"; ours "$tmp/s1")"
step "flush (everything)" '1' session flush
expect_eq "no session left" 0 "$(fstat sessions_active)"
finish
