#!/bin/bash
# checkpatch.pl --no-tree -f on every kernel source file: prints the findings,
# exits non-zero when there is any.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
scripts=$("$top/scripts/kernel-scripts.sh")
cd "$top"
mapfile -t files < <(find kmod include tests/kunit -name '*.[ch]' | sort)
rc=0
out=$(perl "$scripts/scripts/checkpatch.pl" --no-tree --terse --show-types --quiet \
	--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG -f "${files[@]}") || rc=$?
grep -v '^total: 0 errors, 0 warnings' <<<"$out" || true
exit $rc
