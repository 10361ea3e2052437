#!/bin/bash
# synretx plugin with real traffic: SYNs to an address nobody answers are
# retransmitted by the client and counted through the "syn_retransmit"
# user-defined event (RETRANSMIT + "is a SYN"), per namespace, IPv4 and IPv6;
# a refused connection counts nothing; /proc/forwarder/plugins lists the
# plugin and its UDE while it is loaded, and not after unloading it.
. "$(dirname "$0")/lib.sh"
require_cmd python3

SYNRETX_KO=$FWD_BUILD/plugins/synretx/fwd_synretx.ko
[ -f "$SYNRETX_KO" ] || skip "$SYNRETX_KO not built"

setup_topology || exit 1
load_forwarder || finish
insmod "$SYNRETX_KO" || { fail "insmod fwd_synretx"; finish; }
defer "rmmod fwd_synretx"

synretx() { awk -v k="$1" '$1 == k { print $2 }' $FWD_PROC/synretx; }

# connect_for NS SECONDS IP PORT: one TCP connect attempt, given up after SECONDS.
connect_for() {
	ip netns exec "$1" python3 -S -c 'import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[2] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.settimeout(float(sys.argv[1]))
try:
    s.connect((sys.argv[2], int(sys.argv[3])))
except OSError:
    pass' "$2" "$3" "$4"
}

check "plugins lists synretx" grep -Eq '^synretx 0 pre [0-9]+ 0 0 0 0 syn_retransmit$' \
	$FWD_PROC/plugins
check "plugins lists the UDE on retransmit" grep -Eq '^ude [0-9]+ syn_retransmit base retransmit$' \
	$FWD_PROC/plugins
expect_eq "no SYN retransmission yet" 0 "$(synretx syn_retransmits)"

# Refused at once (RST): one SYN, nothing retransmitted.
connect_for "$NS_CLI" 2 $SRV_IP4 5556
expect_eq "refused connection: nothing counted" 0 "$(synretx syn_retransmits)"

# Nobody at .99: the client retransmits its SYN after 1 s and 3 s.
connect_for "$NS_CLI" 3.6 10.0.2.99 5555
n4=$(synretx syn_retransmits)
check "IPv4: SYN retransmissions counted (2 expected, got $n4)" test "$n4" -ge 1 -a "$n4" -le 2
expect_eq "IPv4: one session with retransmitted SYNs" 1 "$(synretx sessions)"

connect_for "$NS_CLI" 3.6 fd00:2::99 5555
n6=$(synretx syn_retransmits)
check "IPv6: SYN retransmissions counted too ($n4 -> $n6)" test "$n6" -gt "$n4"
expect_eq "two sessions with retransmitted SYNs" 2 "$(synretx sessions)"

# The client's namespace sees the same SYNs leave (LOCAL_OUT) and counts its own.
ncli=$(cli awk '$1 == "syn_retransmits" { print $2 }' /proc/forwarder/synretx)
expect_eq "the client's namespace counted the same SYNs" "$n6" "$ncli"
calls=$(awk '$1 == "synretx" { print $5 }' $FWD_PROC/plugins)
expect_eq "plugin calls (global) = retransmissions in both namespaces" $((n6 + ncli)) "$calls"
expect_eq "init_net counts nothing (per namespace)" 0 \
	"$(awk '$1 == "syn_retransmits" { print $2 }' /proc/forwarder/synretx)"

check "rmmod fwd_synretx" rmmod fwd_synretx
check "plugins no longer lists synretx" fwd bash -c '! grep -q synretx /proc/forwarder/plugins'
check "synretx file gone" fwd test ! -e /proc/forwarder/synretx
finish
