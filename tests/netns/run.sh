#!/bin/bash
# Run the netns tests (inside the VM, as root): every tests/netns/test_*.sh,
# or the ones named on the command line. One line per test, then the summary
# line "N passed, N failed".
#
#   FWD_BUILD=DIR   tree holding the built modules (default: this tree)
#   FWD_LOGDIR=DIR  where each test's full output goes (default: tests/out/netns)
#   FWD_TEST_TIMEOUT=S   per-test hard limit (default 600, 900 on the debug kernel)
here=$(cd "$(dirname "$0")" && pwd)
logdir=${FWD_LOGDIR:-$here/../out/netns}
mkdir -p "$logdir"
[ "$(id -u)" -eq 0 ] || { echo "run.sh: needs root (run it in the VM: make check)" >&2; exit 2; }

if [ $# -gt 0 ]; then
	tests=("$@")
else
	tests=("$here"/test_*.sh)
fi

unload_all() {
	lsmod | awk '$1 ~ /^fwd_/ { print $1 }' | xargs -r rmmod 2>/dev/null
	rmmod forwarder 2>/dev/null
}

# The debug kernel (KASAN, kmemleak) runs every test several times slower.
limit=${FWD_TEST_TIMEOUT:-600}
[ -e /sys/kernel/debug/kmemleak ] && limit=${FWD_TEST_TIMEOUT:-900}

passed=0 failed=0 skipped=0 n=0
for t in "${tests[@]}"; do
	for cand in "$t" "$here/$t" "$here/$t.sh"; do
		[ -f "$cand" ] && { t=$cand; break; }
	done
	name=$(basename "$t" .sh)
	n=$((n + 1))
	log=$logdir/$name.log
	# Every test starts from unloaded modules (plugins first) and leaves nothing behind.
	unload_all
	t0=$SECONDS
	timeout -k 10 "$limit" bash "$t" > "$log" 2>&1
	rc=$?
	took="$((SECONDS - t0))s"
	leftover=$(ip netns list 2>/dev/null | grep -c '^fwd-')
	if [ "$rc" -eq 0 ] && [ "$leftover" -ne 0 ]; then
		echo "FAIL: the test left $leftover namespace(s) behind" >> "$log"
		rc=1
	fi
	case $rc in
	0)
		echo "ok $n $name ($took)"
		passed=$((passed + 1))
		;;
	4)
		echo "skip $n $name: $(sed -n 's/^SKIP: //p' "$log" | tail -n 1)"
		skipped=$((skipped + 1))
		;;
	*)
		[ "$rc" -eq 124 ] && echo "FAIL: timed out" >> "$log"
		echo "not ok $n $name (exit $rc, $took)"
		sed 's/^/#   /' "$log" | tail -n 30
		failed=$((failed + 1))
		;;
	esac
	ip netns list 2>/dev/null | awk '/^fwd-/ {print $1}' | xargs -r -n1 ip netns del
done
unload_all
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
