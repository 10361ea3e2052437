#!/bin/bash
# The short run on a second kernel (Debian 12's 6.12, make check's last VM):
# the module loads, one echo is spliced byte-exact, one police group limits a
# routed download and counts what it dropped, and the module unloads clean
# (the VM judges the kernel log). Not a test_*.sh: the full suites run the
# same paths at length on 6.1.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/aqm_lib.sh"
require_cmd socat python3
tool=$FWD_TOP/tests/netns/splice_tool.py
L=$FWD_LOGDIR

setup_topology || exit 1
load_forwarder || finish
check "forwarder loaded on $(uname -r)" test -r /proc/forwarder/version

srv socat -t 30 TCP-LISTEN:9000,fork,reuseaddr EXEC:cat &
defer "kill $!"
fwd python3 -S "$tool" handoff --port 8080 --server $SRV_IP4:9000 > "$L/smoke.handoff" 2>&1 &
defer "kill $!"
wait_listener "$NS_SRV" t 9000 && wait_listener "$NS_FWD" t 8080 || finish
check "2 MB each way spliced byte-exact" \
	cli python3 -S "$tool" client --connect $FWD_CLI_IP4:8080 --bytes 2000000 --seed 3
expect_eq "spliced" "handoff ok" "$(cat "$L/smoke.handoff")"

head -c 300000 /dev/urandom > "$L/smoke.data"
sum=$(sha256sum < "$L/smoke.data" | cut -d' ' -f1)
srv socat TCP-LISTEN:9001,reuseaddr OPEN:"$L/smoke.data",rdonly &
defer "kill $!"
wait_listener "$NS_SRV" t 9001 || finish
check "police group at 1 Mbit/s" gcmd "add 1 rate 1mbit burst 16k mode police"
check "bound to the download" gcmd "bind 1 proto tcp dport 9001 dir reply"
got=$(cli socat -u TCP:$SRV_IP4:9001 - | sha256sum | cut -d' ' -f1)
expect_eq "routed download through the group intact" "$sum" "$got"
check "the group passed the download's bytes" gfield_ge 1 conform_bytes 300000
check "and policed it (drops counted)" gfield_ge 1 dropped 1
check "del 1" gcmd "del 1"
check "rmmod" rmmod forwarder
check "module gone" test ! -d /sys/module/forwarder
finish
