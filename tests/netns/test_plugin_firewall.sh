#!/bin/bash
# firewall plugin with real traffic: rules written through
# /proc/forwarder/firewall (bad ones refused with a reason, rate-limit without
# a group refused; rate-limit itself in test_aqm_firewall), first match wins: a session to an intercepted port
# never connects, a session dfi classifies as SSH is taken over and cut once
# classified, an accepted one flows; hits and counters in the file.
# The same table through the fwd_firewall netlink family (fwdctl, with a
# decoy /proc directory so that only netlink can be what it uses): rules
# added over netlink are listed identically in the file and act on traffic;
# bad rules are refused with the kernel's message naming the attribute and
# change nothing; past 64 rules, an unprivileged user, flush; one
# namespace's rules are not another's.
. "$(dirname "$0")/lib.sh"
require_cmd python3 setpriv
# FWD_CTL: another build of fwdctl (an older one, to see a new check fail on it).
ctl=${FWD_CTL:-$FWD_BUILD/userspace/ctl/fwdctl}
[ -x "$ctl" ] || skip "$ctl is not built"

DFI_KO=$FWD_BUILD/plugins/dfi/fwd_dfi.ko
FW_KO=$FWD_BUILD/plugins/firewall/fwd_firewall.ko
[ -f "$FW_KO" ] && [ -f "$DFI_KO" ] || skip "plugins not built"

setup_topology || exit 1
load_forwarder || finish
insmod "$DFI_KO" || { fail "insmod fwd_dfi"; finish; }
defer "rmmod fwd_dfi"
insmod "$FW_KO" || { fail "insmod fwd_firewall"; finish; }
defer "rmmod fwd_firewall"

fw() { fwd_write firewall "$1"; }

expect_errno "rate-limit without a group" "Invalid argument" fw "add rate-limit dport 80"
expect_errno "unknown action" "Invalid argument" fw "add drop dport 80"
expect_errno "port out of range" "Invalid argument" fw "add accept dport 99999"
expect_errno "bad address" "Invalid argument" fw "add accept src 10.0.0.300"
expect_errno "bad prefix" "Invalid argument" fw "add accept src 10.0.0.0/33"
expect_errno "unknown class" "Invalid argument" fw "add accept class gopher"
expect_errno "unknown command" "Invalid argument" fw "remove 1"
expect_eq "nothing added by refused writes" 0 "$(grep -c hits $FWD_PROC/firewall)"

# fwdctl with a decoy for /proc/forwarder: what it lists, adds and flushes
# can only have gone through netlink.
fake=$(mktemp -d)
defer rm -rf "$fake"
printf '1 accept dport 9 hits 0\nintercepted_sessions 0\ndropped_packets 0\n' > "$fake/firewall"
chmod 755 "$fake"
chmod 666 "$fake/firewall"
fctl() { fwd env FWDCTL_PROC_DIR="$fake" "$ctl" "$@"; }
nobody_ctl() { fwd "${NOBODY[@]}" env FWDCTL_PROC_DIR="$fake" "$ctl" "$@"; }

check "add intercept tcp dport 5002 (fwdctl, netlink)" fctl firewall add intercept proto tcp dport 5002
check "add intercept class ssh (/proc)" fw "add intercept class ssh"
check "add accept dst 10.0.2.0/24 (fwdctl, netlink)" fctl firewall add accept dst 10.0.2.0/24
check "rules listed in order" grep -q '^3 accept dst 10.0.2.0/24 hits 0$' $FWD_PROC/firewall
check "the netlink rule in the /proc file" grep -q '^1 intercept proto tcp dport 5002 hits 0$' $FWD_PROC/firewall
expect_eq "the decoy file untouched" "1 accept dport 9 hits 0" "$(head -n 1 "$fake/firewall")"
expect_eq "fwdctl firewall list (netlink) prints the /proc file's text" "$(<$FWD_PROC/firewall)" \
	"$(fctl firewall list 2>&1)"
check "fwdctl -j firewall list (netlink): typed, numbers as numbers" sh -c "ip netns exec $NS_FWD env FWDCTL_PROC_DIR=$fake $ctl -j firewall list | python3 -S -c '
import json, sys
d = json.load(sys.stdin)
r = d[\"rules\"]
assert [x[\"id\"] for x in r] == [1, 2, 3], r
assert r[0] == {\"id\": 1, \"action\": \"intercept\", \"proto\": \"tcp\", \"dport\": 5002, \"hits\": 0}, r[0]
assert r[1][\"class\"] == \"ssh\" and r[2][\"dst\"] == \"10.0.2.0/24\", r
assert d[\"intercepted_sessions\"] == 0 and d[\"dropped_packets\"] == 0, d'"

# Refusals over netlink: the kernel's message, the attribute it names, nothing changed.
rules_before=$(<$FWD_PROC/firewall)
expect_errno "netlink: rate-limit without a group" \
	"kernel: rate-limit needs a group (1..255) (missing attribute group)" \
	fctl firewall add rate-limit dport 80
expect_errno "netlink: group 0" "kernel: rate-limit needs a group (1..255) (attribute group)" \
	fctl firewall add rate-limit group 0 dport 80
expect_errno "netlink: a group on an accept rule" \
	"kernel: only a rate-limit rule takes a group (attribute group)" \
	fctl firewall add accept group 3
expect_errno "netlink: IPv4 prefix beyond 32 bits" \
	"kernel: prefix length beyond the address (32 bits for IPv4, 128 for IPv6) (attribute src-prefix-len)" \
	fctl firewall add accept src 10.0.0.0/33
expect_errno "netlink: IPv6 prefix beyond 128 bits" "(attribute dst-prefix-len)" \
	fctl firewall add accept dst fd00::/129
expect_errno "netlink: a class dfi does not have" \
	"kernel: no such dfi class (unknown, dns, ntp, ssdp, memcached, http, tls, ssh) (attribute class)" \
	fctl firewall add intercept class gopher
expect_errno "netlink: add as an unprivileged user" "permission denied (needs CAP_NET_ADMIN)" \
	nobody_ctl firewall add accept dport 1
expect_errno "netlink: flush as an unprivileged user" "permission denied (needs CAP_NET_ADMIN)" \
	nobody_ctl firewall flush
expect_eq "refused requests changed no rule" "$rules_before" "$(<$FWD_PROC/firewall)"
expect_eq "an unprivileged user lists the rules (the file is readable by all)" "$rules_before" \
	"$(nobody_ctl firewall list 2>&1)"
expect_eq "the decoy file still untouched" "1 accept dport 9 hits 0" "$(head -n 1 "$fake/firewall")"

# Another namespace has its own table, over netlink too.
new_ns NS_OTHER || fail "another namespace"
octl() { env FWDCTL_PROC_DIR="$fake" "$ctl" -n "$NS_OTHER" "$@"; }
expect_eq "another namespace lists none of these rules" \
	"intercepted_sessions 0 dropped_packets 0" "$(octl firewall list 2>&1 | tr '\n' ' ' | sed 's/ $//')"
check "add a rule in another namespace" octl firewall add accept dport 7
expect_eq "there, only its own rule" "1 accept dport 7 hits 0" "$(octl firewall list 2>&1 | head -n 1)"
expect_eq "here, not that one" "$rules_before" "$(<$FWD_PROC/firewall)"
check "flush the other namespace's table" octl firewall flush
expect_eq "here, the rules stay" "$rules_before" "$(<$FWD_PROC/firewall)"

dir=$(mktemp -d)
defer rm -rf "$dir"
cat >"$dir/srv.py" <<'PY'
import socket, sys, threading
def serve(port, banner):
    l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind(("0.0.0.0", port)); l.listen(8)
    while True:
        c, _ = l.accept()
        if banner: c.sendall(banner)
        with open(sys.argv[1] + "/got%d" % port, "ab") as f:
            while True:
                d = c.recv(4096)
                if not d: break
                f.write(d); f.flush()
        c.close()
for p, b in ((5001, b""), (5002, b""), (2222, b"SSH-2.0-fwtest\r\n")):
    threading.Thread(target=serve, args=(p, b), daemon=True).start()
threading.Event().wait()
PY
cat >"$dir/cli.py" <<'PY'
import socket, sys, time
try:
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)
except OSError:
    sys.exit(3)
s.settimeout(1)
if sys.argv[2] == "2222":
    s.recv(100)	# the banner first: it is what classifies the session
for _ in range(5):
    try:
        s.sendall(b"hello\n")
    except OSError:
        break
    time.sleep(0.2)
s.close()
PY
touch "$dir/got5001" "$dir/got5002" "$dir/got2222"
srv python3 -S "$dir/srv.py" "$dir" &
defer "kill $!"
wait_listener "$NS_SRV" t 2222 || finish

cli python3 -S "$dir/cli.py" $SRV_IP4 5001
check "accepted session: data delivered" wait_until 5 grep -q hello "$dir/got5001"
cli python3 -S "$dir/cli.py" $SRV_IP4 5002
expect_eq "intercepted port: connect fails" 3 "$?"
cli python3 -S "$dir/cli.py" $SRV_IP4 2222
sleep 0.5
check "SSH session cut once classified: no data reached the server" test ! -s "$dir/got2222"

expect_eq "two sessions intercepted" 2 \
	"$(awk '$1 == "intercepted_sessions" { print $2 }' $FWD_PROC/firewall)"
check "packets dropped" test "$(awk '$1 == "dropped_packets" { print $2 }' $FWD_PROC/firewall)" -ge 2
check "rule 1 hit once" grep -q '^1 intercept proto tcp dport 5002 hits 1$' $FWD_PROC/firewall
check "rule 2 hit once" grep -q '^2 intercept class ssh hits 1$' $FWD_PROC/firewall
check "rule 3 hit" grep -Eq '^3 accept dst 10.0.2.0/24 hits [1-9]' $FWD_PROC/firewall
check "took_over counted" test "$(awk '$1 == "firewall" { print $6 }' $FWD_PROC/plugins)" = 2
# The counters over netlink: intercepted_sessions as in the file; dropped_packets
# between two readings of the file around it (the intercepted client retransmits).
fw_counter() { awk -v k="$1" '$1 == k { print $2 }'; }
drops_before=$(fw_counter dropped_packets < $FWD_PROC/firewall)
nl_list=$(fctl firewall list 2>&1)
drops_after=$(fw_counter dropped_packets < $FWD_PROC/firewall)
expect_eq "fwdctl firewall list (netlink): intercepted_sessions as in the file" \
	"$(fw_counter intercepted_sessions < $FWD_PROC/firewall)" "$(fw_counter intercepted_sessions <<< "$nl_list")"
nl_drops=$(fw_counter dropped_packets <<< "$nl_list")
check "fwdctl firewall list (netlink): dropped_packets as in the file ($drops_before <= ${nl_drops:-none} <= $drops_after)" \
	test "${nl_drops:--1}" -ge "$drops_before" -a "${nl_drops:--1}" -le "$drops_after"

# 64 rules at most: 61 more over netlink (one fwdctl -b), the 65th refused.
for p in $(seq 1001 1061); do echo "firewall add accept dport $p"; done > "$dir/more"
check "61 more rules over netlink" fctl -b "$dir/more"
expect_eq "64 rules" 64 "$(grep -c hits $FWD_PROC/firewall)"
# The rules only: dropped_packets may still grow (the intercepted client retransmits).
rules_before=$(grep hits $FWD_PROC/firewall)
expect_errno "netlink: the 65th rule" "kernel: table full (64 rules)" fctl firewall add accept dport 9999
expect_errno "/proc: the 65th rule" "No space left on device" fw "add accept dport 9999"
expect_eq "the refused 65th changed nothing" "$rules_before" "$(grep hits $FWD_PROC/firewall)"
check "flush (fwdctl, netlink)" fctl firewall flush
expect_eq "no rules after the netlink flush" 0 "$(grep -c hits $FWD_PROC/firewall)"
check "add one more through /proc" fw "add accept dport 1"
check "flush (/proc)" fw flush
expect_eq "no rules after flush" 0 "$(grep -c hits $FWD_PROC/firewall)"
finish
