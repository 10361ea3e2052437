#!/bin/bash
# Rate groups and bind rules over netlink, as a user of fwdctl sees them: a
# group made by fwdctl (GROUP_NEW) shows in /proc/forwarder/groups with the
# values asked for, and fwdctl group list (GROUP_GET, BIND_GET) prints what
# the file says; a change of one key leaves the others; a refused value
# (burst below 1500, peakrate below rate, an unknown group) prints the
# kernel's reason naming the attribute and changes nothing in the file; an
# unprivileged user is refused changes but may list; bind and unbind show
# in the file; save's lines rebuild the same groups; and the raw netlink
# answers (rates in bytes per second, the counters nested, the attribute
# blamed) for clients other than fwdctl.
. "$(dirname "$0")/lib.sh"
require_cmd python3 setpriv
# FWD_CTL: another build of fwdctl (an older one, to see a new check fail on it).
ctl=${FWD_CTL:-$FWD_BUILD/userspace/ctl/fwdctl}
[ -x "$ctl" ] || skip "$ctl is not built"
tmp=$(mktemp -d)
defer rm -rf "$tmp"

setup_topology || exit 1
load_forwarder || finish

# The groups file without what moves on its own (tokens refill).
groups_file() { sed 's/ tokens -\?[0-9]*$//' "$FWD_PROC/groups"; }
# One group's line of the file, without its tokens.
group_line() { groups_file | grep "^$1 "; }
# KEY=VALUE of group $1's configuration (its counters and derived figures left out).
group_cfg() {
	group_line "$1" | awk '{ for (i = 2; i < NF; i += 2) if ($i !~ /_pkts$|_bytes$|^queued|^delayed$|^dropped$|^overlimit$|^codel|^marked$|^ecn_marked$/ || $i == "limit_pkts" || $i == "limit_bytes") printf "%s=%s ", $i, $(i + 1); print "" }'
}

# ---- made through netlink, seen in the file -----------------------------------------
check "group add 3 (shape, ecn, limits)" fwd "$ctl" group add 3 rate 10mbit burst 64k mode shape limit 500p limit 2mb ecn
expect_eq "the file shows group 3 as asked" \
	"rate=10000000bit burst=65536 mode=shape action=drop limit_pkts=500 limit_bytes=2097152 ecn=1 " \
	"$(group_cfg 3)"
check "group add 4 (trTCM, mark-dscp)" fwd "$ctl" group add 4 rate 1.5mbit burst 16k peakrate 3mbit pburst 20k action mark-dscp 10
expect_eq "the file shows group 4 as asked" \
	"rate=1500000bit burst=16384 peakrate=3000000bit pburst=20480 mode=police action=mark-dscp dscp=10 limit_pkts=1000 limit_bytes=8388608 ecn=0 " \
	"$(group_cfg 4)"
fwd "$ctl" group list | sed 's/ tokens -\?[0-9]*$//' > "$tmp/list"
groups_file > "$tmp/file"
check "group list prints what the groups file says" cmp "$tmp/list" "$tmp/file"
check "group list -j: numbers are JSON numbers" sh -c "ip netns exec $NS_FWD $ctl -j group list | python3 -S -c '
import json, sys
g = {x[\"id\"]: x for x in json.load(sys.stdin) if \"id\" in x}
assert g[3][\"burst\"] == 65536 and g[3][\"limit_pkts\"] == 500 and g[3][\"ecn\"] == 1, g[3]
assert g[4][\"dscp\"] == 10 and isinstance(g[4][\"tokens\"], int), g[4]
'"

# ---- a change of one key leaves the others ------------------------------------------
before=$(group_cfg 3)
check "group change 3 burst 32k" fwd "$ctl" group change 3 burst 32k
expect_eq "only burst changed" "${before/burst=65536/burst=32768}" "$(group_cfg 3)"
check "group change 4 action drop" fwd "$ctl" group change 4 action drop
expect_eq "only the action changed (dscp kept, not shown)" \
	"rate=1500000bit burst=16384 peakrate=3000000bit pburst=20480 mode=police action=drop limit_pkts=1000 limit_bytes=8388608 ecn=0 " \
	"$(group_cfg 4)"
check "group change 3 noecn" fwd "$ctl" group change 3 noecn
expect_eq "only ecn changed" "${before/burst=65536/burst=32768}" "$(group_cfg 3 | sed 's/ecn=0/ecn=1/')"

# ---- refusals: the kernel's reason, naming the attribute; nothing changed -----------
groups_file > "$tmp/before"
expect_errno "add with a burst below one MTU" \
	"kernel: burst missing or below one MTU (1500 bytes) (attribute group-burst)" \
	fwd "$ctl" group add 5 rate 1mbit burst 1000
expect_errno "add with peakrate below rate" \
	"kernel: peakrate below rate (attribute group-peakrate)" \
	fwd "$ctl" group add 5 rate 10mbit burst 64k peakrate 5mbit pburst 64k
expect_errno "change of rate above the peakrate: the rate is blamed" \
	"kernel: peakrate below rate (attribute group-rate)" \
	fwd "$ctl" group change 4 rate 4mbit
expect_errno "change with a burst below one MTU" \
	"kernel: burst missing or below one MTU (1500 bytes) (attribute group-burst)" \
	fwd "$ctl" group change 3 burst 1499
expect_errno "change of an unknown group" "kernel: no such group (attribute group-id)" \
	fwd "$ctl" group change 99 rate 1mbit
expect_errno "add of an existing group" "kernel: group exists (attribute group-id)" \
	fwd "$ctl" group add 3 rate 1mbit burst 64k
expect_errno "del of an unknown group" "kernel: no such group (attribute group-id)" \
	fwd "$ctl" group del 99
expect_errno "bind to an unknown group" "kernel: no such group (attribute group-id)" \
	fwd "$ctl" group bind 99 proto tcp
expect_errno "a malformed rate, refused by fwdctl" "bad or incomplete '10xbit'" \
	fwd "$ctl" group add 5 rate 10xbit burst 64k
expect_errno "an unprivileged add" "needs CAP_NET_ADMIN" \
	fwd "${NOBODY[@]}" "$ctl" group add 5 rate 1mbit burst 64k
expect_errno "an unprivileged change" "needs CAP_NET_ADMIN" \
	fwd "${NOBODY[@]}" "$ctl" group change 3 rate 1mbit
expect_errno "an unprivileged del" "needs CAP_NET_ADMIN" fwd "${NOBODY[@]}" "$ctl" group del 3
groups_file > "$tmp/after"
check "the groups file unchanged by the refusals" cmp "$tmp/before" "$tmp/after"
fwd "${NOBODY[@]}" "$ctl" group list | sed 's/ tokens -\?[0-9]*$//' > "$tmp/nobody"
check "an unprivileged user lists the groups (the file is readable by all)" \
	cmp "$tmp/nobody" "$tmp/after"

# ---- bind, unbind ---------------------------------------------------------------------
check "group bind 3 tcp dport 5201 orig" fwd "$ctl" group bind 3 proto tcp dport 5201 dir orig
check "group bind 4 udp sport 53" fwd "$ctl" group bind 4 proto udp sport 53
check "group bind 3 udp" fwd "$ctl" group bind 3 proto udp
expect_eq "the file lists the rules in order" \
	"bind group 3 proto tcp dport 5201 dir orig|bind group 4 proto udp sport 53 dir both|bind group 3 proto udp dir both" \
	"$(grep '^bind' "$FWD_PROC/groups" | paste -sd '|')"
fwd "$ctl" group list | grep '^bind' > "$tmp/binds"
check "group list shows the same rules" sh -c "grep '^bind' $FWD_PROC/groups | cmp - $tmp/binds"
check "group unbind 3" fwd "$ctl" group unbind 3
expect_eq "only group 4's rule is left" "bind group 4 proto udp sport 53 dir both" \
	"$(grep '^bind' "$FWD_PROC/groups")"
expect_eq "unbind left group 3 itself" 1 "$(group_line 3 | wc -l)"

# ---- save's lines rebuild the same groups ---------------------------------------------
check "group bind 3 tcp sport 22 reply" fwd "$ctl" group bind 3 proto tcp sport 22 dir reply
fwd "$ctl" save | grep '^group' > "$tmp/save"
groups_file | sed 's/ conform_pkts.*//' > "$tmp/cfg.before"
grep '^bind' "$FWD_PROC/groups" >> "$tmp/cfg.before"
check "group del 3 (its rules go with it)" fwd "$ctl" group del 3
check "group del 4" fwd "$ctl" group del 4
expect_eq "no group and no rule left" "" "$(cat "$FWD_PROC/groups")"
check "save's lines replayed with -b" fwd "$ctl" -b "$tmp/save"
groups_file | sed 's/ conform_pkts.*//' > "$tmp/cfg.after"
grep '^bind' "$FWD_PROC/groups" >> "$tmp/cfg.after"
check "the same groups and rules after the round trip" cmp "$tmp/cfg.before" "$tmp/cfg.after"

# ---- raw netlink: units, the counters' nest, the attribute blamed ----------------------
check "group del 3" fwd "$ctl" group del 3
check "group del 4" fwd "$ctl" group del 4
check "GROUP_NEW/GET/SET/DEL and BIND_* at the netlink level" fwd python3 -S - "$FWD_TOP/tests/netns" <<'PY'
import errno, struct, sys
sys.path.insert(0, sys.argv[1])
import nl_fuzz as nf

A_PROTO, A_GROUP_ID, A_RATE, A_BURST, A_PEAKRATE, A_PBURST = 4, 39, 42, 43, 45, 46
A_LIMIT_PKTS, A_STATS, A_SPORT, A_DIR = 49, 52, 53, 55
S_CONFORM_PKTS, S_TOKENS = 2, 17
f = nf.Family(False, 10)
u8, u16, u32, u64 = (lambda v: struct.pack("=B", v)), (lambda v: struct.pack("=H", v)), \
    (lambda v: struct.pack("=I", v)), (lambda v: struct.pack("=Q", v))

def ask(cmd, attrs=(), dump=False):
    body = b"".join(nf.nla(t, d) for t, d in attrs)
    msg = nf.nlmsg(f.fam, nf.F_REQUEST | (nf.F_DUMP if dump else nf.F_ACK), 5,
                   nf.genl(cmd) + body)
    got = f.send(msg, {5})
    replies = [{a: d for a, _, d in nf.attrs(m[4][4:])} for m in got if m[0] == f.fam]
    end = [m for m in got if m[0] in (nf.NLMSG_ERROR, nf.NLMSG_DONE)]
    assert len(end) == 1, got
    t, _, _, _, p = end[0]
    e = -struct.unpack_from("=i", p)[0]
    tlv = nf.attrs(p[4:] if t == nf.NLMSG_DONE else p[4 + nf.align(len(msg)):])
    tlv = {a: d for a, _, d in tlv}
    blamed = None
    if nf.NLMSGERR_ATTR_OFFS in tlv:
        off = struct.unpack("=I", tlv[nf.NLMSGERR_ATTR_OFFS])[0]
        blamed = struct.unpack_from("=H", msg, off + 2)[0] & 0x3fff
    text = tlv.get(nf.NLMSGERR_ATTR_MSG, b"").rstrip(b"\0").decode()
    return errno.errorcode.get(e, "0"), text, blamed, replies

def expect(what, got, err, text="", blamed=None):
    if (got[0], got[2]) != (err, blamed) or text not in got[1]:
        sys.exit("%s: got %r, expected %s '%s' blaming %r" % (what, got[:3], err, text, blamed))
    print("# ok: %s: %s '%s'" % (what, got[0], got[1]))

gid = (A_GROUP_ID, u8(7))
expect("GROUP_NEW 8 Mbit/s as 1000000 bytes/s",
       ask(nf.CMD_GROUP_NEW, [gid, (A_RATE, u64(1000000)), (A_BURST, u32(3000))]), "0")
line = [l for l in open("/proc/forwarder/groups") if l.startswith("7 ")]
assert line and line[0].startswith("7 rate 8000000bit burst 3000 mode police"), line
got = ask(nf.CMD_GROUP_GET, [gid])
expect("GROUP_GET 7", got, "0")
g = got[3][0]
assert struct.unpack("=Q", g[A_RATE])[0] == 1000000 and struct.unpack("=I", g[A_BURST])[0] == 3000, g
st = {a: d for a, _, d in nf.attrs(g[A_STATS])}
assert struct.unpack("=Q", st[S_CONFORM_PKTS])[0] == 0 and S_TOKENS in st, st
got = ask(nf.CMD_GROUP_GET, dump=True)
expect("GROUP_GET dump", got, "0")
assert [r[A_GROUP_ID] for r in got[3]] == [u8(7)], got[3]
expect("GROUP_SET pburst without peakrate",
       ask(nf.CMD_GROUP_SET, [gid, (A_PBURST, u32(3000))]), "EINVAL", "pburst without peakrate",
       A_PBURST)
expect("GROUP_SET peakrate without pburst",
       ask(nf.CMD_GROUP_SET, [gid, (A_PEAKRATE, u64(2000000))]), "EINVAL",
       "pburst missing or below one MTU", A_PEAKRATE)
expect("GROUP_SET limit 0 packets", ask(nf.CMD_GROUP_SET, [gid, (A_LIMIT_PKTS, u32(0))]),
       "EINVAL", "limit must allow at least one packet", A_LIMIT_PKTS)
expect("GROUP_NEW without an id", ask(nf.CMD_GROUP_NEW, [(A_RATE, u64(1000))]),
       "EINVAL", "FWD_A_GROUP_ID is missing")
expect("GROUP_NEW of id 0", ask(nf.CMD_GROUP_NEW, [(A_GROUP_ID, u8(0))]),
       "EINVAL", "group id is 1..255", A_GROUP_ID)
expect("GROUP_GET of a missing group", ask(nf.CMD_GROUP_GET, [(A_GROUP_ID, u8(200))]),
       "ENOENT", "no such group", A_GROUP_ID)
expect("BIND_NEW with proto 1", ask(nf.CMD_BIND_NEW, [gid, (A_PROTO, u8(1))]),
       "EINVAL", "proto is tcp (6) or udp (17)", A_PROTO)
expect("BIND_NEW with dir 4", ask(nf.CMD_BIND_NEW, [gid, (A_PROTO, u8(6)), (A_DIR, u8(4))]),
       "EINVAL", "dir is orig (1), reply (2) or both (3)", A_DIR)
expect("BIND_NEW with sport 0", ask(nf.CMD_BIND_NEW, [gid, (A_PROTO, u8(6)), (A_SPORT, u16(0))]),
       "ERANGE", "integer out of range", A_SPORT)
expect("BIND_NEW", ask(nf.CMD_BIND_NEW, [gid, (A_PROTO, u8(17)), (A_SPORT, u16(53))]), "0")
got = ask(nf.CMD_BIND_GET, dump=True)
expect("BIND_GET dump", got, "0")
assert got[3] == [{A_GROUP_ID: u8(7), A_PROTO: u8(17), A_SPORT: u16(53), A_DIR: u8(3)}], got[3]
expect("GROUP_DEL", ask(nf.CMD_GROUP_DEL, [gid]), "0")
assert open("/proc/forwarder/groups").read() == "", "group 7 and its rule are gone"
PY

# ---- traffic is still policed ---------------------------------------------------------
# (test_aqm_police, test_aqm_shape and test_aqm_firewall measure it, with
# groups made through the file; the file now goes through the same code.)
finish
