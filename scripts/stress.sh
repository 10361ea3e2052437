#!/bin/bash
# make stress: the hardening tests at length, in one VM boot of the debug
# kernel (KASAN, lockdep, kmemleak), then RELIABILITY.md's table from their
# logs. Not part of make check: it need not fit CI's 90 minutes. The
# defaults are the hardening issue's counts; on the debug kernel under TCG
# they take many hours (RELIABILITY.md gives the rates of its last run and
# what they come to).
#   FWD_STRESS_FRAMES=N   packet fuzz frames from each side (default 5,000,000)
#   FWD_STRESS_WRITES=N   /proc/forwarder fuzz writes (default 1,000,000)
#   FWD_STRESS_NLMSGS=N   netlink fuzz datagrams (default 1,000,000)
#   FWD_STRESS_CYCLES=N   rmmod/insmod cycles under traffic (default 100)
#   FWD_STRESS_KERNEL=debug|stock   which kernel (default debug)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
kernel=${FWD_STRESS_KERNEL:-debug}
full_frames=5000000 full_writes=1000000 full_nlmsgs=1000000
frames=${FWD_STRESS_FRAMES:-$full_frames}
writes=${FWD_STRESS_WRITES:-$full_writes}
nlmsgs=${FWD_STRESS_NLMSGS:-$full_nlmsgs}
cycles=${FWD_STRESS_CYCLES:-100}
out=$top/tests/out/stress-$kernel
report=$top/RELIABILITY.md

scripts/deps.sh || exit 1
make -s -j"$(nproc)" all || exit 1
build=$top
if [ "$kernel" = debug ]; then
	kbuild=$(tests/vm/build-kernel.sh debug) || exit 1
	build=$top/tests/out/build-stress
	scripts/copy-tree.sh "$build" || exit 1
	make -s -j"$(nproc)" -C "$build" KDIR="$kbuild" module || exit 1
fi

tests=(test_packet_fuzz test_proc_fuzz test_splice_unload test_unload_traffic test_fault_inject)
rm -rf "$out"
t0=$SECONDS
# A day at most; each test has all of it.
FWD_FUZZ_FRAMES=$frames FWD_FUZZ_WRITES=$writes FWD_FUZZ_NLMSGS=$nlmsgs FWD_UNLOAD_CYCLES=$cycles FWD_FAULT_STRIDE=1 FWD_TEST_TIMEOUT=86000 \
	FWD_BUILD=$build FWD_LOGDIR=$out/logs \
	tests/vm/run.sh -k "$kernel" -o "$out" -t 86400 -- tests/netns/run.sh "${tests[@]}"
vm_rc=$?
took=$((SECONDS - t0))

# result NAME: the run's line for NAME ("ok (812s)", "not ok (exit 1, 40s)", "not run").
result() {
	local line
	line=$(grep -E "^(ok|not ok|skip) [0-9]+ $1\b" "$out/output.log" 2>/dev/null) || { echo "not run"; return; }
	echo "${line/ [0-9]* $1/}"
}
seeds() { grep -ho 'seed [0-9]*' "$out/logs/$1.log" 2>/dev/null | sort -u | paste -sd, -; }
# at TEST TEXT: the second of TEST's log at which its first line holding TEXT was written.
at() { sed -n "s/^# \[\([0-9.]*\)s\] .*$2.*/\1/p" "$out/logs/$1.log" 2>/dev/null | head -n 1; }
# rate WHAT COUNT TEST FROM TO FULL: a table row with COUNT items done between
# the lines FROM and TO of TEST's log, and how long FULL of them would take.
rate() {
	local t0 t1
	t0=$(at "$3" "$4") t1=$(at "$3" "$5")
	[ -n "$t0" ] && [ -n "$t1" ] || { echo "| $1 | not measured | |"; return; }
	awk -v what="$1" -v n="$2" -v t0="$t0" -v t1="$t1" -v full="$6" 'BEGIN {
		s = t1 - t0; if (s <= 0) s = 0.1
		printf "| %s | %d in %.0f s: %.0f a second | %.1f h |\n", what, n, s, n / s, full / (n / s) / 3600 }'
}
if [ -s "$out/splats.txt" ] || [ -s "$out/kmemleak.txt" ] || [ ! -f "$out/rc" ]; then
	verdict="**reports** (see \`tests/out/stress-$kernel/\`)"
else
	verdict="clean"
fi

{
	echo "# Reliability"
	echo
	echo "What \`make stress\` tried and what happened, on the $kernel kernel"
	echo "($(uname -m), qemu TCG, $(nproc) vCPUs), at \`$(git rev-parse --short HEAD)\` on"
	echo "$(date -u +%Y-%m-%d): one VM boot of $took s. The kernel log (oops, WARN,"
	echo "KASAN, lockdep, RCU, kmemleak) of the whole boot: $verdict."
	echo "\`make check\` runs the same tests shorter (50,000 frames a side, 10,000"
	echo "writes, 20 cycles; a tenth, a fifth and 20 on the debug kernel; every second"
	echo "allocation)."
	echo
	echo "| test | what was tried | how many | seeds | result |"
	echo "| --- | --- | --- | --- | --- |"
	echo "| test_packet_fuzz | hostile frames from the client and the server side at spliced, tracked and shaped flows, byte-exact echoes beside them | $frames a side | $(seeds test_packet_fuzz) | $(result test_packet_fuzz) |"
	echo "| test_proc_fuzz | random and grammar-aware writes to every /proc/forwarder file; netlink datagrams to the family | $writes writes, $nlmsgs datagrams | $(seeds test_proc_fuzz) | $(result test_proc_fuzz) |"
	echo "| test_splice_unload | rmmod/insmod with hand-offs and spliced transfers running | $cycles cycles | | $(result test_splice_unload) |"
	echo "| test_unload_traffic | rmmod/insmod with raw UDP floods in the session and splice hooks | $cycles cycles | | $(result test_unload_traffic) |"
	echo "| test_fault_inject | every allocation of the module's and plugins' loads and of the allocating writes failed, one at a time; a quarter of the session allocations failed under traffic | every allocation; 20 connections or more | | $(result test_fault_inject) |"
	echo
	echo "How fast each fuzzer went in this boot, and how long the issue's counts"
	echo "($((2 * full_frames)) frames, $full_writes writes, $full_nlmsgs datagrams) would take at that rate:"
	echo
	echo "| fuzzer | this run | the issue's count |"
	echo "| --- | --- | --- |"
	rate "frames (both sides)" $((2 * frames)) test_packet_fuzz "tracked echoes running" "fuzzer on the srv side ran" $((2 * full_frames))
	rate "/proc/forwarder writes" "$writes" test_proc_fuzz "seed " "fuzzed writes" "$full_writes"
	rate "netlink datagrams" "$nlmsgs" test_proc_fuzz "loopback up" "fuzzed netlink datagrams" "$full_nlmsgs"
	echo
	echo "Per-test logs: \`tests/out/stress-$kernel/logs/\`."
} > "$report"
cat "$report"
[ $vm_rc -eq 0 ] && [ "$verdict" = clean ]
