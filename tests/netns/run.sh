#!/bin/bash
# Run the netns tests (inside the VM, as root): every tests/netns/test_*.sh,
# or the ones named on the command line. One line per test, then the summary
# line "N passed, N failed".
#
#   FWD_BUILD=DIR   tree holding the built modules (default: this tree)
#   FWD_LOGDIR=DIR  where each test's full output goes (default: tests/out/netns)
#   FWD_TEST_TIMEOUT=S   per-test hard limit (default 600, 900 on the debug kernel)
#   FWD_DEADLINE=EPOCH   make check's time budget ends then: a test that can
#                   no longer start (or is cut off by it) is reported as
#                   "skip ... time budget", so the run still ends with its
#                   summary inside CI's limit
here=$(cd "$(dirname "$0")" && pwd)
logdir=${FWD_LOGDIR:-$here/../out/netns}
mkdir -p "$logdir"
[ "$(id -u)" -eq 0 ] || { echo "run.sh: needs root (run it in the VM: make check)" >&2; exit 2; }

# The debug kernel (KASAN, kmemleak) runs every test several times slower.
debug=0
[ -e /sys/kernel/debug/kmemleak ] && debug=1

if [ $# -gt 0 ]; then
	tests=("$@")
elif [ $debug -eq 1 ]; then
	# The debug kernel first runs what has the most kernel code never run
	# under KASAN before, so a time budget cut drops the best-trodden tests.
	first=(test_fwdctl_control test_packet_fuzz test_fault_inject test_splice_unload test_fault_teardown test_splice_inject test_splice_owed test_splice_icmp
		test_splice_mss test_splice_busy test_permissions test_proc_fuzz test_aqm_memns
		test_splice_teardown test_module_lifecycle)
	tests=()
	for t in "${first[@]}"; do tests+=("$here/$t.sh"); done
	for t in "$here"/test_*.sh; do
		case " ${first[*]} " in *" $(basename "$t" .sh) "*) ;; *) tests+=("$t") ;; esac
	done
else
	tests=("$here"/test_*.sh)
fi

# The per-test bookkeeping below starts no process it can avoid: each one
# costs about 0.4 s on the debug kernel under TCG, a dozen per test.
shopt -s nullglob

unload_all() {
	local plugins=(/sys/module/fwd_*)
	[ ${#plugins[@]} -gt 0 ] && rmmod "${plugins[@]#/sys/module/}" 2>/dev/null
	[ -d /sys/module/forwarder ] && rmmod forwarder 2>/dev/null
}

# The namespaces a test left behind (ip netns keeps them in /run/netns).
leftover_namespaces() { leftover=(/run/netns/fwd-*); leftover=("${leftover[@]#/run/netns/}"); }

limit=${FWD_TEST_TIMEOUT:-600}
[ $debug -eq 1 ] && limit=${FWD_TEST_TIMEOUT:-900}

passed=0 failed=0 skipped=0 n=0
# left: seconds before FWD_DEADLINE (a day when there is none).
budget_left() { if [ -n "${FWD_DEADLINE:-}" ]; then left=$((FWD_DEADLINE - EPOCHSECONDS)); else left=86400; fi; }
for t in "${tests[@]}"; do
	for cand in "$t" "$here/$t" "$here/$t.sh"; do
		[ -f "$cand" ] && { t=$cand; break; }
	done
	name=${t##*/} name=${name%.sh}
	n=$((n + 1))
	log=$logdir/$name.log
	# Every test starts from unloaded modules (plugins first) and leaves nothing behind.
	unload_all
	budget_left
	if [ "$left" -lt 60 ]; then
		echo "skip $n $name: not started, make check's time budget is used up"
		skipped=$((skipped + 1))
		continue
	fi
	this_limit=$limit cut=0
	[ "$left" -lt "$limit" ] && this_limit=$left cut=1
	t0=$SECONDS
	timeout -k 10 "$this_limit" bash "$t" > "$log" 2>&1
	rc=$?
	took="$((SECONDS - t0))s"
	[ "$rc" -eq 124 ] && [ $cut -eq 1 ] && rc=budget
	leftover_namespaces
	if [ "$rc" = 0 ] && [ ${#leftover[@]} -ne 0 ]; then
		echo "FAIL: the test left ${#leftover[@]} namespace(s) behind" >> "$log"
		rc=1
	fi
	case $rc in
	0)
		echo "ok $n $name ($took)"
		passed=$((passed + 1))
		;;
	4)
		reason=
		while IFS= read -r line; do [[ $line == "SKIP: "* ]] && reason=${line#SKIP: }; done < "$log"
		echo "skip $n $name: $reason"
		skipped=$((skipped + 1))
		;;
	budget)
		echo "skip $n $name: cut off after $took by make check's time budget"
		skipped=$((skipped + 1))
		;;
	*)
		[ "$rc" = 124 ] && echo "FAIL: timed out" >> "$log"
		echo "not ok $n $name (exit $rc, $took)"
		sed 's/^/#   /' "$log" | tail -n 30
		failed=$((failed + 1))
		;;
	esac
	for ns in "${leftover[@]}"; do ip netns del "$ns"; done
done
unload_all
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
