#!/bin/bash
# make check: every test forwarder has, on a fresh Debian 12 machine.
#   1. static checks: build against Debian's 6.1 and 6.12 headers (warnings
#      are errors), no call cycle between kmod/'s files, the netlink spec
#      against the code (scripts/ynl-check.py), the listener's
#      tests, make install, the Debian packages, checkpatch, sparse
#   2. the stock Debian kernel (what users run): netns tests in a VM
#   3. Debian 12's 6.12 kernel: a short smoke run in a VM (tests/netns/smoke.sh)
#   4. the debug kernel (KASAN, lockdep, kmemleak, KUnit; built once, cached):
#      KUnit suites and netns tests in a VM, which fails on any kernel report
# Prints one line per test, each stage's duration, and ends with
# "N passed, N failed".
#   FWD_KERNELS="stock 6.12 debug"   which kernels to run on
#   FWD_TESTS="name ..."        only these netns tests
#   FWD_BUDGET=SECONDS          the whole run's time budget (default 4800: CI
#                               stops at 5400); a VM gets what is left, and
#                               tests that no longer fit are listed as not run
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=$top/tests/out
mkdir -p "$out"
passed=0 failed=0
failures=()	# repeated just above the last line, where a truncated CI log still shows them
unrun=()	# what the time budget left out, listed with the failures
budget=${FWD_BUDGET:-4800}
# Partial runs (FWD_TESTS) get their own directories: several may wait for the VM at once.
tag=${FWD_TESTS:+-$$}

result() {	# result ok|fail NAME [DETAIL]
	if [ "$1" = ok ]; then
		passed=$((passed + 1))
		echo "ok - $2"
	else
		local line="not ok - $2${3:+: $3}"
		failed=$((failed + 1))
		echo "$line"
		failures+=("$line")
	fi
}

# Each stage's wall time, printed so a budget regression shows in every log.
stage_t0=$SECONDS stage_name=
stage() {	# stage NAME: close the running stage (printing its time), open NAME
	[ -n "$stage_name" ] && echo "# stage time: $stage_name $((SECONDS - stage_t0)) s"
	stage_name=$1 stage_t0=$SECONDS
}

summary() {
	local f
	stage ""
	echo "# total time: $SECONDS s"
	if [ ${#unrun[@]} -gt 0 ]; then
		echo "# not run, for make check's time budget ($budget s):"
		for f in "${unrun[@]}"; do
			echo "#   $f"
		done
	fi
	if [ ${#failures[@]} -gt 0 ]; then
		echo "# what failed:"
		for f in "${failures[@]}"; do
			echo "#   $f"
		done
	fi
	echo "$passed passed, $failed failed"
	[ $failed -eq 0 ]
	exit
}

step() {	# step NAME LOG CMD...: run CMD quietly, one result line
	local name=$1 log=$2
	shift 2
	"$@" >"$log" 2>&1
	step_result "$name" "$log" $?
}

# step_result NAME LOG STATUS: the result line, and the log's tail on failure.
step_result() {
	if [ "$3" = 0 ]; then
		result ok "$1"
		return 0
	fi
	result fail "$1" "see $2"
	tail -n 30 "$2" | sed 's/^/#   /'
	return 1
}

# run_bg LOG CMD...: CMD quietly, its status in LOG.rc (for step_join).
run_bg() {
	local log=$1
	shift
	"$@" >"$log" 2>&1
	echo $? >"$log.rc"
}

# step_bg NAME LOG CMD...: a step in the background (CMD must not share a
# build tree with another running step); step_join reports them in order.
bg_steps=()
step_bg() {
	run_bg "$2" "${@:3}" &
	bg_steps+=("$!|$1|$2")
}
step_join() {
	local e pid name log
	for e in "${bg_steps[@]}"; do
		IFS='|' read -r pid name log <<<"$e"
		wait "$pid" 2>/dev/null	# (a second entry of one job: already reaped)
		step_result "$name" "$log" "$(cat "$log.rc" 2>/dev/null)"
	done
	bg_steps=()
}

# Count the per-test lines a VM run printed, and judge the run itself.
vm_results() {	# vm_results LABEL OUTDIR VM_RC
	local label=$1 dir=$2 vm_rc=$3 p f
	p=$(grep -c '^ok ' "$dir/output.log" 2>/dev/null)
	f=$(grep -c '^not ok ' "$dir/output.log" 2>/dev/null)
	passed=$((passed + p))
	failed=$((failed + f))
	# Each failing netns test with the first reason its log gives.
	local line name reason
	while read -r line; do
		read -r _ _ _ name _ <<<"$line"
		reason=$(grep -m1 -E '^(FAIL|not ok)' "$dir/logs/$name.log" 2>/dev/null)
		failures+=("$label: $line${reason:+ -- $reason}")
	done < <(grep -E '^not ok [0-9]+ ' "$dir/output.log" 2>/dev/null)
	while read -r line; do
		unrun+=("$label: $line")
	done < <(grep -E '^skip [0-9]+ .*time budget' "$dir/output.log" 2>/dev/null)
	if [ ! -f "$dir/rc" ]; then
		result fail "$label: VM finished" "panic, hang or boot failure, console in $dir/console.log"
	elif [ -s "$dir/splats.txt" ] || [ -s "$dir/kmemleak.txt" ]; then
		result fail "$label: kernel log clean (no oops, WARN, KASAN, lockdep, RCU, kmemleak)" "$dir/splats.txt"
		# The report itself, so a CI log that keeps nothing else can be diagnosed.
		cat "$dir/splats.txt" "$dir/kmemleak.txt" 2>/dev/null | head -n 60 | sed 's/^/#   /'
	else
		result ok "$label: kernel log clean (no oops, WARN, KASAN, lockdep, RCU, kmemleak)"
	fi
	[ "$vm_rc" -eq 0 ] || [ "$f" -gt 0 ] || [ ! -f "$dir/rc" ] ||
		result fail "$label: suite exited $vm_rc with no failing test line"
}

stage "dependencies"
echo "# installing dependencies"
scripts/deps.sh || { result fail "dependencies installed"; summary; }
kver=$(scripts/debian-kver.sh)
kver612=$(scripts/debian-kver.sh 6.12) || { result fail "a Debian 6.12 kernel installed"; summary; }


# The debug kernel (cached after its first build) builds at low priority while
# the static checks and the stock VM run, so a fresh machine does not pay for
# it on its own.
kernel_job=
case " ${FWD_KERNELS:-stock 6.12 debug} " in
*" debug "*)
	nice -n 19 tests/vm/build-kernel.sh debug >"$out/kernel-debug$tag.path" 2>"$out/kernel-debug$tag.err" &
	kernel_job=$!
	;;
esac

stage "static checks"
echo "# static checks"
jobs=-j$(nproc)
step "build against Debian $kver headers (warnings are errors)" "$out/build-stock.log" \
	make -s $jobs KDIR="/lib/modules/$kver/build" KCFLAGS=-Werror all || summary
step "no call cycle between the files of kmod/" "$out/call-cycles.log" scripts/call-cycles.py kmod
step "the example plugin in docs/plugin_api.md builds" "$out/doc-example.log" \
	scripts/doc-example.sh "/lib/modules/$kver/build"
step "the netlink spec agrees with netlink.h and netlink/family.c, and the check catches mismatches" \
	"$out/ynl-check.log" sh -c 'scripts/ynl-check.py && scripts/ynl-check.py --self-test'
step "the fwd_firewall spec agrees with firewall_netlink.h and plugins/firewall/netlink.c, and the check catches mismatches" \
	"$out/ynl-check-fw.log" sh -c 'scripts/ynl-check.py --family fwd_firewall && scripts/ynl-check.py --family fwd_firewall --self-test'
build612=$out/build-6.12$tag
scripts/copy-tree.sh "$build612"
step "build against Debian $kver612 headers (warnings are errors)" "$out/build-6.12.log" \
	make -s $jobs -C "$build612" KDIR="/lib/modules/$kver612/build" KCFLAGS=-Werror module
# The rest side by side: the listener's tests mostly wait, the others take a
# core each. install-check and sparse share this tree's kbuild, so in turn.
step_bg "fwd-listener tests (unit under ASan+UBSan, --check, daemon, sd_notify, stats, access log, unit, man pages)" \
	"$out/listener-unit.log" make -s -C userspace/listener test
(
	run_bg "$out/install.log" scripts/install-check.sh "/lib/modules/$kver/build"
	run_bg "$out/sparse.log" scripts/sparse.sh "/lib/modules/$kver/build"
) &
bg_steps+=("$!|make install and make uninstall (a staging directory)|$out/install.log"
	"$!|sparse clean|$out/sparse.log")
step_bg "Debian packages: forwarder-dkms (its sources build the module) and forwarder-tools" \
	"$out/deb.log" scripts/deb.sh "$out/deb$tag" "/lib/modules/$kver/build"
step_bg "checkpatch clean" "$out/checkpatch.log" scripts/style.sh
step_join

# shellcheck disable=SC2086
for k in ${FWD_KERNELS:-stock 6.12 debug}; do
	stage "$k kernel"
	build=$top
	suite=(tests/run-suite.sh ${FWD_TESTS:-})
	limit=2400
	if [ "$k" = 6.12 ]; then
		# A smoke run: the suites run the same paths at length on 6.1.
		build=$build612 limit=900
		[ -f "$build/kmod/forwarder.ko" ] || { result fail "6.12 kernel: module built"; continue; }
		suite=(tests/netns/run.sh tests/netns/smoke.sh)
	fi
	if [ "$k" = debug ]; then
		echo "# waiting for the debug kernel build (cached after the first run)"
		if ! wait "$kernel_job"; then
			cat "$out/kernel-debug$tag.err"
			result fail "debug kernel builds"
			continue
		fi
		kbuild=$(cat "$out/kernel-debug$tag.path")
		# A second copy of the tree, so the stock and debug builds of the module coexist.
		build=$out/build-debug$tag
		scripts/copy-tree.sh "$build"
		step "build against the debug kernel (with KUnit)" "$out/build-debug.log" \
			make -s $jobs -C "$build" KDIR="$kbuild" module || continue
		# The debug kernel runs fewer tests, each several times slower.
		limit=4200
	fi
	# The VM gets what is left of the budget; its tests stop starting in
	# time for the boot, the final kmemleak scan and the summary.
	left=$((budget - SECONDS - 60))
	if [ $left -lt 600 ]; then
		unrun+=("$k kernel: the whole VM run ($left s left)")
		continue
	fi
	[ $left -lt $limit ] && limit=$left
	echo "# $k kernel: tests in the VM (at most $limit s)"
	vmout=$out/vm-$k$tag
	rm -rf "$vmout"
	vm_rc=0
	FWD_DEADLINE_S=$((limit - 240)) FWD_BUILD=$build FWD_LOGDIR=$vmout/logs \
		tests/vm/run.sh -k "$k" -o "$vmout" -t $limit -- \
		"${suite[@]}" | sed -u "s/^/[$k] /" || vm_rc=$?
	vm_results "$k kernel" "$vmout" "$vm_rc"
done
summary
