#!/bin/bash
# make demo: the main job, in a VM running Debian's own kernel.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/deps.sh
make -s all
exec tests/vm/run.sh -k stock -o "$top/tests/out/demo" -t 900 -- scripts/demo-guest.sh
