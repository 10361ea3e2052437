#!/bin/bash
# sparse (make C=2) over the module sources; prints every warning, exit 1 if any.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
kdir=${1:-/lib/modules/$("$top/scripts/debian-kver.sh")/build}
command -v sparse >/dev/null || { echo "sparse: not installed (apt-get install sparse)" >&2; exit 1; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
make -s -C "$kdir" M="$top" C=2 modules >"$log" 2>&1 || { cat "$log"; exit 1; }
if grep -E 'warning:|error:' "$log" | grep -F "$top/" ; then
	exit 1
fi
