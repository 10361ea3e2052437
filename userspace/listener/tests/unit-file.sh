#!/bin/bash
# The systemd unit, run by `make test`: systemd-analyze verify finds nothing
# wrong with it. verify also checks that each command exists, so the
# installed paths are pointed at this build for the check.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
command -v systemd-analyze > /dev/null || { echo "unit-file.sh: SKIP: no systemd-analyze (apt-get install systemd)"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed -e "s|/usr/sbin/fwd-listener|$here/fwd-listener|g" \
	"$here/fwd-listener.service" > "$tmp/fwd-listener.service"
if out=$(systemd-analyze verify "$tmp/fwd-listener.service" 2>&1) && [ -z "$out" ]; then
	echo "unit-file.sh: systemd-analyze verify: clean"
	exit 0
fi
echo "FAIL: systemd-analyze verify fwd-listener.service:"
echo "$out"
exit 1
