#!/bin/bash
# make bench: one VM boot, every benchmark with its baseline in that boot,
# then bench/results/latest.md (and PNG plots) from the raw numbers.
# Not a test: nothing here passes or fails on a figure.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/deps.sh
for p in haproxy python3-matplotlib; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		{ sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get install -y -qq "$p" >/dev/null; }
done
make -s all
raw=$top/bench/results/raw
mkdir -p "$raw"
rm -f "$raw"/*.txt
tests/vm/run.sh -k stock -o "$top/tests/out/bench" -t 3600 -- \
	bash -c "bench/splice_bench.sh > '$raw/splice.txt' 2>&1; bench/session_bench.sh > '$raw/session.txt' 2>&1; bench/aqm_bench.sh > '$raw/aqm.txt' 2>&1; true"
python3 bench/report.py "$raw" "$top/bench/results"
echo "bench: wrote bench/results/latest.md"
