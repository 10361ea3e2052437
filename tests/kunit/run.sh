#!/bin/bash
# Run the KUnit suites (inside the VM, on a kernel with CONFIG_KUNIT): load
# forwarder.ko and every *_kunit.ko, read each suite's KTAP from debugfs, print
# one line per test case ("ok N kunit: suite.case" / "not ok ...").
#   FWD_BUILD=DIR   tree holding the built modules
#   FWD_LOGDIR=DIR  where the KTAP files go
here=$(cd "$(dirname "$0")" && pwd)
build=${FWD_BUILD:-$(cd "$here/../.." && pwd)}
logdir=${FWD_LOGDIR:-$here/../out/kunit}
mkdir -p "$logdir"
debugfs=/sys/kernel/debug/kunit
n=0 failed=0

say() {
	n=$((n + 1))
	echo "$1 $n kunit: $2"
	[ "${1%% *}" = not ] && failed=$((failed + 1))
}

# The KTAP comment lines on stdin, indented as our own, the last 15.
diagnostics() { grep '#' | sed 's/^ */#   /' | tail -n 15; }

if [ ! -d $debugfs ]; then
	echo "kunit: this kernel has no KUnit (debugfs $debugfs missing)" >&2
	exit 2
fi

rmmod forwarder_kunit forwarder 2>/dev/null
insmod "$build/kmod/forwarder.ko" || { say "not ok" "forwarder.ko failed to load"; exit 1; }
for ko in "$build"/tests/kunit/*_kunit.ko; do
	mod=$(basename "$ko" .ko)
	before=$(ls $debugfs)
	# insmod returns 0 even when cases fail: the KTAP in debugfs is the verdict.
	if ! insmod "$ko"; then
		say "not ok" "$mod failed to load"
		continue
	fi
	suites=$(comm -13 <(echo "$before") <(ls $debugfs))
	[ -n "$suites" ] || say "not ok" "$mod ran no suite (kunit disabled?)"
	for s in $suites; do
		ktap=$logdir/$s.ktap
		cp "$debugfs/$s/results" "$ktap"
		cases=0 case_fails=0
		while IFS= read -r line; do
			[[ $line =~ ^\ {4}(not\ ok|ok)\ ([0-9]+)\ ([^ #]+)(.*)$ ]] || continue
			cases=$((cases + 1))
			name=${BASH_REMATCH[3]} rest=${BASH_REMATCH[4]}
			if [ "${BASH_REMATCH[1]}" = ok ]; then
				say "ok" "$s.$name$rest"
			else
				case_fails=$((case_fails + 1))
				say "not ok" "$s.$name"
				# The failed expectations are the diagnostics printed above the result line.
				grep -B15 -F "not ok ${BASH_REMATCH[2]} $name" "$ktap" | diagnostics
			fi
		done < "$ktap"
		[ $cases -gt 0 ] || say "not ok" "$s: no test case results"
		# A case's log has a fixed size: one that overflows (many failed
		# expectations) loses its own result line. The suite's line still counts it.
		result=$(grep -E "^(not ok|ok) [0-9]+ $s\$" "$ktap")
		if [ -z "$result" ]; then
			say "not ok" "$s: no suite result line"
		elif [ "${result%% *}" = not ] && [ $case_fails -eq 0 ]; then
			say "not ok" "$s: the suite failed ($(grep -o 'fail:[0-9]*' "$ktap" | tail -n 1)), its failed case's log overflowed"
			grep -v '# Totals\|# Subtest' "$ktap" | diagnostics
		fi
	done
	rmmod "$mod"
done
rmmod forwarder
exit $((failed > 0))
