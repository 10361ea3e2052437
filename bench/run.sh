#!/bin/bash
# make bench: one VM boot, every benchmark with its baseline in that boot,
# then bench/results/latest.md and PNG plots from the raw numbers.
# Not a test: nothing here passes or fails on a figure.
#   BENCH_ONLY="splice session aqm"   which benchmarks (default all)
#   BENCH_OUT=DIR                     VM output and raw numbers (default tests/out/bench)
#   BENCH_*                           passed to the scripts (see their headers)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/deps.sh
# HAProxy and nftables are baselines, matplotlib draws the plots.
for p in haproxy nftables python3-matplotlib; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		{ sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get install -y -qq "$p" >/dev/null; }
done
make -s all
out=${BENCH_OUT:-$top/tests/out/bench}
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/{splice,session,aqm}.txt
# The VM harness only forwards FWD_* variables: the settings ride in the command.
envs=
for k in $(compgen -e); do
	case $k in BENCH_ONLY | BENCH_OUT) ;; BENCH_*) envs+="$k=$(printf %q "${!k}") " ;; esac
done
cmd=
for b in ${BENCH_ONLY:-splice session aqm}; do
	cmd+="echo bench: $b; $envs timeout 1200 bench/${b}_bench.sh > $out/$b.txt 2>&1; "
done
start=$(date +%s)
# A failed VM run (a panic, say) still leaves the numbers written before it.
tests/vm/run.sh -k stock -o "$out" -t 3600 -- bash -c "$cmd true" ||
	echo "bench: the VM run failed (see $out/console.log); reporting what was measured"
echo "bench: VM run took $(($(date +%s) - start)) s (including the wait for the VM lock)"
raw=$top/bench/results/raw
mkdir -p "$raw"
for b in splice session aqm; do
	[ -f "$out/$b.txt" ] && cp "$out/$b.txt" "$raw/"
done
# Debian's python3, where python3-matplotlib is (not a python3 earlier in PATH).
/usr/bin/python3 bench/report.py "$raw" "$top/bench/results"
echo "bench: wrote bench/results/latest.md"
