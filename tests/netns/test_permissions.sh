#!/bin/bash
# Who may change what. In the forwarder's namespace (owned by the initial
# user namespace) an unprivileged user and a user-namespace root are refused
# every write to every writable /proc/forwarder file (with the plugins
# loaded, so their files are there too) and every admin netlink command, and
# every file they were refused reads as before; a user holding only
# CAP_NET_ADMIN hands a connection off. A user-namespace root in a
# network namespace of its own manages that namespace: its writes take, its
# session limit is a bounded share, and the forwarder namespace's files and
# groups stay as they were.
. "$(dirname "$0")/lib.sh"
require_cmd setpriv unshare socat python3
ctl=$FWD_BUILD/userspace/ctl/fwdctl
tool=$FWD_TOP/tests/netns/splice_tool.py
L=$FWD_LOGDIR

setup_topology || exit 1
load_forwarder || finish
for p in dfi firewall synretx; do
	insmod "$FWD_BUILD/plugins/$p/fwd_$p.ko" || fail "insmod fwd_$p"
done
defer 'rmmod fwd_dfi fwd_firewall fwd_synretx 2>/dev/null'
check "a group to protect" fwd sh -c 'echo "add 3 rate 1mbit burst 16k mode shape" > /proc/forwarder/groups'

writable=$(fwd find /proc/forwarder/ -maxdepth 1 -type f -perm /222 | sort)
log "writable files: $(echo $writable)"
check "the core, AQM, splice and plugin files are among them" \
	sh -c "for f in max_sessions full_policy groups forward firewall; do echo '$writable' | grep -qx /proc/forwarder/\$f || exit 1; done"

# snapshot: every readable writable file, as one text (write-only ones are skipped).
snapshot() { fwd sh -c 'for f in '"$(echo $writable)"'; do [ -r $f ] && { echo "== $f"; cat $f 2>/dev/null; }; done'; }
before=$(snapshot)

# try_all: a shell in the forwarder namespace tries "1" on every writable
# file; prints the files a write did NOT fail on with EPERM or EACCES (so
# nothing, when all is well). /bin/echo says which errno (a shell's builtin
# calls every write error an I/O error).
try_all='for f in '"$(echo $writable)"'; do
	if out=$( (/bin/echo 1 > $f) 2>&1); then echo "$f: accepted"
	else case $out in *"Operation not permitted"* | *"Permission denied"*) ;; *) echo "$f: $out" ;; esac; fi
done'
for who in "an unprivileged user" "a user-namespace root"; do
	case $who in
	"an unprivileged user") runner=("${NOBODY[@]}") ;;
	*) runner=(unshare --user --map-root-user) ;;
	esac
	got=$(fwd "${runner[@]}" sh -c "$try_all")
	expect_eq "$who: every write refused" "" "$got"
	expect_eq "$who: every file as before" "$before" "$(snapshot)"
	if [ -x "$ctl" ]; then
		expect_errno "$who: netlink set" "CAP_NET_ADMIN" fwd "${runner[@]}" "$ctl" set timeout_udp 5
		expect_errno "$who: netlink group del" "permission denied" fwd "${runner[@]}" "$ctl" group del 3
	else
		fail "$who: netlink not tried ($ctl is not built)"
	fi
done
expect_eq "the group survived" 1 "$(awk '$1 == 3' $FWD_PROC/groups | wc -l)"

# A listener running as a user holding only CAP_NET_ADMIN (no
# CAP_DAC_OVERRIDE, as a hardened unit runs it) hands off: the write's
# capability check is the gate, not the file's mode (it was 0200, root's).
srv socat -t 30 TCP-LISTEN:9800,reuseaddr EXEC:cat &
defer "kill $!"
fwd "${NOBODY[@]}" --inh-caps=+net_admin --ambient-caps=+net_admin \
	python3 -S "$tool" handoff --port 8800 --server $SRV_IP4:9800 \
	> "$L/capable.handoff" 2>&1 &
defer "kill $!"
if wait_listener "$NS_SRV" t 9800 && wait_listener "$NS_FWD" t 8800; then
	check "a user with only CAP_NET_ADMIN: echo byte-exact" \
		cli python3 -S "$tool" client --connect $FWD_CLI_IP4:8800 \
		--bytes $(scaled 1000000)
	check "a user with only CAP_NET_ADMIN: handed off ($(cat "$L/capable.handoff"))" \
		grep -q "handoff ok" "$L/capable.handoff"
else
	fail "listeners for the CAP_NET_ADMIN hand-off"
fi

# A user-namespace root with a network namespace of its own: its writes take
# there, and its max_sessions counts only up to the module's bounded share
# (max_sessions_userns, 65536 by default), where the forwarder namespace's
# is what was written.
own=$(fwd unshare --user --map-root-user --net sh -c '
	echo 7 > /proc/forwarder/timeout_udp && cat /proc/forwarder/timeout_udp
	echo "add 5 rate 1mbit burst 16k mode police" > /proc/forwarder/groups &&
		awk "\$1 == 5 || \$1 == 3 { print \$1 }" /proc/forwarder/groups | tr "\n" " "
	echo 200000 > /proc/forwarder/max_sessions &&
		awk "\$1 == \"sessions_limit\" { print \$2 }" /proc/forwarder/stats' 2>&1)
log "own namespace: $own"
expect_eq "own namespace: its writes take, it sees only its own group, its limit is the share" \
	"7 5 65536" "$(echo $own)"
expect_eq "forwarder namespace: its files as before" "$before" "$(snapshot)"
fwd sh -c 'echo 200000 > /proc/forwarder/max_sessions'
expect_eq "forwarder namespace: its limit is its max_sessions" 200000 \
	"$(awk '$1 == "sessions_limit" { print $2 }' $FWD_PROC/stats)"
expect_eq "forwarder namespace: no group 5" 0 "$(awk '$1 == 5' $FWD_PROC/groups | wc -l)"
finish
