#!/bin/bash
# Control fuzzing: 10,000 writes (2,000 on the debug kernel) (raw random bytes, and each file's grammar
# with wrong values, boundaries, overlong words, embedded NULs) to every
# writable /proc/forwarder file of a fresh namespace, the firewall plugin's
# included, from one process. Each write succeeds or fails with a documented
# errno, and a refused write leaves every readable file as it was; the kernel
# log stays clean (the VM judges it, KASAN and kmemleak on the debug kernel).
# The seed is printed: FWD_FUZZ_SEED=N replays a run.
. "$(dirname "$0")/lib.sh"
require_cmd python3
seed=${FWD_FUZZ_SEED:-$(( (RANDOM << 15) | RANDOM ))}
# 2,000 on the debug kernel: the same paths for KASAN, a fifth of the time.
writes=${FWD_FUZZ_WRITES:-10000}
debug_kernel && writes=${FWD_FUZZ_WRITES:-2000}

new_ns NS_FWD || exit 1
load_forwarder || finish
insmod "$FWD_BUILD/kmod/plugins/firewall/fwd_firewall.ko" || { fail "insmod fwd_firewall"; finish; }
defer "rmmod fwd_firewall"
log "seed $seed"
check "$writes fuzzed writes: documented errnos, refusals change nothing (seed $seed)" \
	fwd python3 -S "$FWD_TOP/tests/netns/proc_fuzz.py" --writes "$writes" --seed "$seed"
check "namespace still answers" fwd test -r /proc/forwarder/version
finish
