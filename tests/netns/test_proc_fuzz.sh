#!/bin/bash
# Control fuzzing from one process each: 10,000 writes (2,000 on the debug
# kernel) (raw random bytes, and each file's grammar with wrong values,
# boundaries, overlong words, embedded NULs) to every writable
# /proc/forwarder file of a fresh namespace, the firewall plugin's included;
# then 10,000 netlink datagrams (2,000 on the debug kernel) to the
# forwarder generic netlink family (nl_fuzz.py: every command and unknown
# ones, raw and grammar-aware, lying lengths, several messages a datagram),
# first 300 as nobody, then as root with live TCP and UDP sessions. Each
# write succeeds or fails with a documented errno, each netlink message gets
# exactly what a model of the netlink core and the family says (EPERM for
# nobody, but for reading tunables), and neither a refused write nor any netlink message changes a
# readable file, a session or a counter; the kernel log stays clean (the VM
# judges it, KASAN and kmemleak on the debug kernel).
# The seed is printed: FWD_FUZZ_SEED=N replays a run.
. "$(dirname "$0")/lib.sh"
require_cmd python3
seed=${FWD_FUZZ_SEED:-$(( (RANDOM << 15) | RANDOM ))}
# 2,000 on the debug kernel: the same paths for KASAN, a fifth of the time.
writes=${FWD_FUZZ_WRITES:-10000}
debug_kernel && writes=${FWD_FUZZ_WRITES:-2000}

new_ns NS_FWD || exit 1
load_forwarder || finish
insmod "$FWD_BUILD/plugins/firewall/fwd_firewall.ko" || { fail "insmod fwd_firewall"; finish; }
defer "rmmod fwd_firewall"
log "seed $seed"
check "$writes fuzzed writes: documented errnos, refusals change nothing (seed $seed)" \
	fwd python3 -S "$FWD_TOP/tests/netns/proc_fuzz.py" --writes "$writes" --seed "$seed"
check "namespace still answers" fwd test -r /proc/forwarder/version

# The netlink family in the same namespace, left as the writes left it.
nlmsgs=${FWD_FUZZ_NLMSGS:-10000}
debug_kernel && nlmsgs=${FWD_FUZZ_NLMSGS:-2000}
nl_fuzz=(python3 -S "$FWD_TOP/tests/netns/nl_fuzz.py" --seed "$seed")
check "300 netlink datagrams as nobody: EPERM but for tunable reads, nothing changed (seed $seed)" \
	fwd "${NOBODY[@]}" "${nl_fuzz[@]}" --messages 300 --unprivileged
# Sessions to look up and dump: loopback up, and timeouts (the writes may
# have left 1 s) and a limit that keep them for the whole run.
check "loopback up, 30-day session timeouts, room for sessions" fwd sh -c '
	ip link set lo up && cd /proc/forwarder && echo 65536 > max_sessions &&
	for f in timeout_*; do echo 2592000 > $f || exit 1; done'
check "$nlmsgs fuzzed netlink datagrams: the model's answers, nothing changed (seed $seed)" \
	fwd "${nl_fuzz[@]}" --messages "$nlmsgs" --sessions 8
finish
