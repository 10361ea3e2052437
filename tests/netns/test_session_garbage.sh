#!/bin/bash
# Garbage through the forwarder (truncated headers, impossible data offsets,
# odd TCP flag combinations, fragments, over-long UDP lengths): every packet is
# counted, none creates a session, nothing breaks, real traffic still works.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/session_lib.sh"
require_cmd socat python3
python3 -c 'import scapy' 2>/dev/null || skip "python3-scapy is not installed"

setup_topology || exit 1
load_forwarder || finish

cli python3 - <<'PY' || fail "scapy garbage"
from scapy.all import IP, IPv6, TCP, UDP, Raw, IPv6ExtHdrFragment, send, conf
conf.verb = 0
s4, d4 = "10.0.1.2", "10.0.2.2"
s6, d6 = "fd00:1::2", "fd00:2::2"
bad = [
    # parse errors (9)
    IP(src=s4, dst=d4, proto=6) / Raw(b"\x00" * 10),                  # truncated TCP
    IP(src=s4, dst=d4) / TCP(sport=1, dport=2, dataofs=2) / Raw(b"x" * 4),   # doff < 5
    IP(src=s4, dst=d4) / TCP(sport=1, dport=2, dataofs=15) / Raw(b"x" * 4),  # doff > length
    IP(src=s4, dst=d4) / TCP(sport=0, dport=2, flags="S"),            # port 0
    IP(src=s4, dst=d4, proto=17) / Raw(b"\x01\x02\x03"),              # truncated UDP
    IP(src=s4, dst=d4) / UDP(sport=1, dport=2, len=200) / Raw(b"x"),  # UDP len > packet
    IP(src=s4, dst=d4) / UDP(sport=1, dport=2, len=3) / Raw(b"x"),    # UDP len < 8
    IPv6(src=s6, dst=d6, nh=6) / Raw(b"\x00" * 5),                    # truncated TCP, v6
    IPv6(src=s6, dst=d6) / TCP(sport=1, dport=2, dataofs=3),          # doff < 5, v6
    # bad TCP flags (6)
    IP(src=s4, dst=d4) / TCP(sport=1, dport=2, flags="SF"),
    IP(src=s4, dst=d4) / TCP(sport=1, dport=2, flags="SR"),
    IP(src=s4, dst=d4) / TCP(sport=1, dport=2, flags=""),
    IP(src=s4, dst=d4) / TCP(sport=1, dport=2, flags="FPU"),
    IP(src=s4, dst=d4) / TCP(sport=1, dport=2, flags=0xff),
    IPv6(src=s6, dst=d6) / TCP(sport=1, dport=2, flags="F"),
    # non-first fragments (2)
    IP(src=s4, dst=d4, proto=6, frag=100, id=7) / Raw(b"y" * 16),
    IPv6(src=s6, dst=d6) / IPv6ExtHdrFragment(offset=100, nh=6, id=7) / Raw(b"y" * 16),
]
for p in bad:
    send(p)
PY

check "parse errors counted" wait_until 5 stat_ge parse_errors 9
check "bad TCP flags counted" stat_ge bad_tcp_flags 6
check "non-first fragments counted" stat_ge fragments 2
expect_eq "no session created by garbage" 0 "$(fstat sessions_created)"
log "parse_errors $(fstat parse_errors) bad_tcp_flags $(fstat bad_tcp_flags) fragments $(fstat fragments)"

# Still forwarding, still tracking.
check "ping through the forwarder" cli ping -c 1 -W 2 $SRV_IP4
open_conn $SRV_IP4 5001 || finish
echo fine >&5
check "TCP still works" wait_until 10 received fine
check "and is tracked" wait_until 10 sessions_match "^tcp ipv4 $CLI_IP4 [0-9]+ $SRV_IP4 5001 ESTABLISHED ESTABLISHED"
exec 5>&-
finish
