#!/bin/bash
# checkpatch.pl --no-tree -f on every kernel source file: prints the findings,
# exits non-zero when there is any.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
scripts=$("$top/scripts/kernel-scripts.sh")
cd "$top"
# kmod/compat.h is where kernel version checks belong: they are its purpose.
compat=kmod/compat.h
mapfile -t files < <(find kmod plugins include tests/kunit -name '*.[ch]' ! -path "$compat" | sort)
checkpatch() {
	perl "$scripts/scripts/checkpatch.pl" --no-tree --terse --show-types --quiet "$@"
}
rc=0
out=$(checkpatch --ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG -f "${files[@]}") || rc=$?
if [ -f "$compat" ]; then
	out+=$'\n'$(checkpatch --ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG,LINUX_VERSION_CODE,CONSTANT_COMPARISON \
		-f "$compat") || rc=$?
fi
grep -v -e '^total: 0 errors, 0 warnings' -e '^$' <<<"$out" || true
exit $rc
